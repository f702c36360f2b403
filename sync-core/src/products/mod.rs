//! Product sync (P41): BigCommerce products → Mirakl product rows, validated against the
//! operator's catalog (H11 hierarchies, PM11 attributes, VL11 value lists) before upload, with
//! change detection and P44 error reports mapped back to BigCommerce ids.
//!
//! | step | function | in → out |
//! |---|---|---|
//! | configuration | [`ProductRules`] | TOML/JSON with defaults |
//! | operator data | [`OperatorCatalog::new`] | H11 + PM11 + VL11 → index |
//! | map + validate | [`prepare`] (= [`map_products`] then [`validate`]) | catalog → valid [`ProductRow`]s + [`ProductProblem`]s |
//! | change detection | [`changed_rows`] | rows + last-sent [`RowHash`]es → rows to send |
//! | file | [`to_csv_records`] | rows → header + records for the P41 CSV |
//! | report | [`map_error_report`], then [`record_sent`] | P44 → [`RejectedProduct`]s by BigCommerce id |
//!
//! ```
//! use std::collections::BTreeMap;
//! use bigcommerce_api::catalog::{Product, ProductId};
//! use mirakl_api::products::{AttributeList, HierarchyList, ValueListList};
//! use sync_core::products::{self, OperatorCatalog, ProductRules, ProductSource};
//! use sync_core::rules::SelectionRules;
//!
//! let h: HierarchyList = serde_json::from_str(r#"{"hierarchies":[{"code":"1010","label":"Tops"}]}"#)?;
//! let a: AttributeList = serde_json::from_str(r#"{"attributes":[
//!     {"code":"title","type":"TEXT","requirement_level":"REQUIRED"}]}"#)?;
//! let v: ValueListList = serde_json::from_str(r#"{"values_lists":[]}"#)?;
//! let operator = OperatorCatalog::new(&h.hierarchies, &a.attributes, &v.values_lists);
//! let rules: ProductRules = toml::from_str(r#"
//!     default_category = "1010"
//!     [[attributes]]
//!     code = "title"
//!     from = "name"
//! "#)?;
//! let source = ProductSource {
//!     products: vec![
//!         Product { id: ProductId(1), name: "Tee".into(), sku: Some("TEE-1".into()),
//!                   is_visible: true, ..Product::default() },
//!         Product { id: ProductId(2), name: " ".into(), sku: Some("TEE-2".into()),
//!                   is_visible: true, ..Product::default() },
//!     ],
//!     ..ProductSource::default()
//! };
//! let batch = products::prepare(&source, &operator, &rules, &SelectionRules::default());
//! assert_eq!(batch.rows.len(), 1); // TEE-2 has no title
//! assert_eq!(batch.problems[0].to_string(), "SKU TEE-2, attribute `title`: required attribute has no value");
//! let to_send = products::changed_rows(&batch.rows, &BTreeMap::new());
//! let (header, records) = products::to_csv_records(&to_send, &rules);
//! assert_eq!(header, ["shop-sku", "category", "title"]);
//! assert_eq!(records[0], ["TEE-1", "1010", "Tee"]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! The connector remembers, per SKU, the [`RowHash`] of what the operator accepted
//! ([`record_sent`]), and on the next run sends only new or changed rows, at most once per P41
//! window (15 minutes).

mod hash;
mod map;
mod operator;
mod problems;
mod report;
mod validate;

/// The product rules live with the other rules ([`crate::rules`]); re-exported here beside the
/// functions that read them.
pub use crate::rules::{
    AttributeRule, CategoryRule, FieldSource, ProductRules, VariantGroupSource,
};
/// Units of weight and length ([`crate::units`]), re-exported beside the product rules.
pub use crate::units::{self, Unit};
pub use hash::{RowChange, RowHash, change, changed_rows, hash_columns};
pub use map::{ProductSource, map_products, strip_html};
pub use operator::{
    AttributeType, CategoryNode, ListEntry, OperatorAttribute, OperatorCatalog, ROLE_CATEGORY,
    ROLE_SHOP_SKU, ROLE_UNIQUE_IDENTIFIER, ROLE_VARIANT_GROUP_CODE, RequirementLevel,
};
pub use problems::{ProductProblem, ProductProblemReason};
pub use report::{RejectedProduct, map_error_report, record_sent};
pub use validate::{is_gtin, validate};

use crate::rules::SelectionRules;
use crate::types::{CatalogRef, ShopSku};
use std::collections::{BTreeMap, BTreeSet};

/// One line of a P41 product file: one variant, or one product without options.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProductRow {
    /// Shop SKU (also in `values` under [`ProductRules::sku_column`]).
    pub sku: ShopSku,
    /// The BigCommerce product and variant.
    pub source: CatalogRef,
    /// Mirakl hierarchy code (also under [`ProductRules::category_column`]).
    pub category: String,
    /// Variant group code shared by the variants of one product; `None` for a product without
    /// options.
    pub variant_group: Option<String>,
    /// Every column of the line: attribute code → value.
    pub values: BTreeMap<String, String>,
}

/// The result of [`prepare`]: rows fit for upload and every problem found.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ProductBatch {
    /// Valid rows (no blocking problem), sorted by SKU.
    pub rows: Vec<ProductRow>,
    /// Problems, blocking or not ([`ProductProblem::is_blocking`]), sorted by product,
    /// variant and attribute.
    pub problems: Vec<ProductProblem>,
}

impl ProductBatch {
    /// The problems that kept rows out of the upload.
    pub fn rejected(&self) -> impl Iterator<Item = &ProductProblem> {
        self.problems.iter().filter(|p| p.is_blocking())
    }

    /// The SKUs kept out of the upload (items without a usable SKU are not listed). Offers for
    /// these SKUs will not find a marketplace product until the problem is fixed.
    pub fn rejected_skus(&self) -> BTreeSet<ShopSku> {
        self.rejected().filter_map(|p| p.sku.clone()).collect()
    }
}

pub(crate) fn sort_problems(problems: &mut [ProductProblem]) {
    problems.sort_by(|a, b| {
        (a.source, &a.sku, &a.attribute, a.reason.to_string()).cmp(&(
            b.source,
            &b.sku,
            &b.attribute,
            b.reason.to_string(),
        ))
    });
}

/// Maps the catalog ([`map_products`]), validates every row against the operator's catalog
/// ([`validate`]) and keeps only rows without blocking problems.
pub fn prepare(
    source: &ProductSource,
    operator: &OperatorCatalog,
    rules: &ProductRules,
    selection: &SelectionRules,
) -> ProductBatch {
    let (rows, mut problems) = map_products(source, operator, rules, selection);
    let mut valid = Vec::with_capacity(rows.len());
    let mut cache: BTreeMap<String, BTreeMap<&str, &OperatorAttribute>> = BTreeMap::new();
    for row in rows {
        let attrs = cache
            .entry(row.category.clone())
            .or_insert_with(|| operator.attributes_for(&row.category));
        let found = validate::validate_in(&row, attrs, operator, rules);
        let blocked = found.iter().any(ProductProblem::is_blocking);
        problems.extend(found);
        if !blocked {
            valid.push(row);
        }
    }
    sort_problems(&mut problems);
    ProductBatch {
        rows: valid,
        problems,
    }
}

/// Header and records of a P41 CSV for `rows`: the key columns first
/// ([`ProductRules::key_columns`]), then every other column used by any row, sorted; a row
/// without a column gets an empty cell. Write them with the operator's CSV options (Mirakl's
/// default delimiter is `;`).
pub fn to_csv_records<R: std::borrow::Borrow<ProductRow>>(
    rows: &[R],
    rules: &ProductRules,
) -> (Vec<String>, Vec<Vec<String>>) {
    let keys = rules.key_columns();
    let mut header: Vec<String> = keys
        .iter()
        .filter(|k| {
            **k == rules.sku_column
                || **k == rules.category_column
                || rows.iter().any(|r| r.borrow().values.contains_key(**k))
        })
        .map(|k| (*k).to_owned())
        .collect();
    let rest: BTreeSet<&String> = rows
        .iter()
        .flat_map(|r| r.borrow().values.keys())
        .filter(|k| !keys.contains(&k.as_str()))
        .collect();
    header.extend(rest.into_iter().cloned());
    let records = rows
        .iter()
        .map(|r| {
            header
                .iter()
                .map(|h| r.borrow().values.get(h).cloned().unwrap_or_default())
                .collect()
        })
        .collect();
    (header, records)
}
