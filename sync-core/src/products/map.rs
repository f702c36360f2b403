//! BigCommerce products → Mirakl product rows.

use super::ProductRow;
use super::operator::{OperatorAttribute, OperatorCatalog};
use super::problems::{ProductProblem, ProductProblemReason};
use crate::catalog::{self, CatalogProduct, SkuCheck};
use crate::rules::SelectionRules;
use crate::rules::{AttributeRule, FieldSource, ProductRules, VariantGroupSource};
use crate::types::{CatalogRef, ShopSku};
use crate::units::{self, Dimension};
use bigcommerce_api::catalog::{Brand, Category, Product, Variant};
use rust_decimal::Decimal;
use std::collections::BTreeMap;
use std::str::FromStr;

/// The BigCommerce side of product sync: products read with
/// `include=variants,images,custom_fields`, and the store's categories and brands (to resolve
/// category paths and brand names).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ProductSource {
    /// Products with variants, images and custom fields.
    pub products: Vec<Product>,
    /// All categories (`GET /v3/catalog/categories`).
    pub categories: Vec<Category>,
    /// All brands (`GET /v3/catalog/brands`).
    pub brands: Vec<Brand>,
}

/// Category lookups: id → (path of lower-cased names, ids from the category up to its root).
struct CategoryIndex {
    paths: BTreeMap<u64, Vec<String>>,
    lineage: BTreeMap<u64, Vec<u64>>,
}

fn norm_segment(s: &str) -> String {
    s.trim().to_lowercase()
}

impl CategoryIndex {
    fn new(categories: &[Category]) -> Self {
        let by_id: BTreeMap<u64, &Category> = categories.iter().map(|c| (c.id.0, c)).collect();
        let mut paths = BTreeMap::new();
        let mut lineage = BTreeMap::new();
        for &id in by_id.keys() {
            let mut ids = Vec::new();
            let mut cur = by_id.get(&id);
            while let Some(c) = cur {
                if ids.contains(&c.id.0) {
                    break;
                }
                ids.push(c.id.0);
                cur = (c.parent_id != 0)
                    .then(|| by_id.get(&c.parent_id))
                    .flatten();
            }
            let names = ids
                .iter()
                .rev()
                .filter_map(|i| by_id.get(i))
                .map(|c| norm_segment(&c.name))
                .collect();
            paths.insert(id, names);
            lineage.insert(id, ids);
        }
        CategoryIndex { paths, lineage }
    }

    /// Whether BigCommerce category `id` is `rule_id` or below it.
    fn under_id(&self, id: u64, rule_id: u64) -> bool {
        id == rule_id || self.lineage.get(&id).is_some_and(|l| l.contains(&rule_id))
    }

    /// Whether category `id`'s path is `rule_path` or below it.
    fn under_path(&self, id: u64, rule_path: &[String]) -> bool {
        self.paths
            .get(&id)
            .is_some_and(|p| !rule_path.is_empty() && p.starts_with(rule_path))
    }
}

/// Resolves the Mirakl hierarchy code of a product: the first rule (in rule order) matching
/// one of its categories or their parents, else the default category.
fn category_code(p: &Product, index: &CategoryIndex, rules: &ProductRules) -> Option<String> {
    let mut cats: Vec<u64> = p.categories.clone();
    cats.sort_unstable();
    rules
        .categories
        .iter()
        .find(|r| {
            let path: Option<Vec<String>> = r.path.as_ref().map(|path| {
                path.split('/')
                    .map(norm_segment)
                    .filter(|s| !s.is_empty())
                    .collect()
            });
            cats.iter().any(|&c| {
                r.id.is_some_and(|id| index.under_id(c, id))
                    || path.as_ref().is_some_and(|path| index.under_path(c, path))
            })
        })
        .map(|r| r.mirakl.clone())
        .or_else(|| rules.default_category.clone())
}

fn text(v: &Option<String>) -> Option<String> {
    v.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

fn number(v: Option<Decimal>) -> Option<String> {
    v.map(|d| d.normalize().to_string())
}

/// Image URLs of an item: the variant's image first, then the product's (thumbnail first, then
/// by sort order and id), without repeats.
fn images(p: &Product, v: Option<&Variant>) -> Vec<String> {
    let mut imgs: Vec<_> = p.images.iter().collect();
    imgs.sort_by_key(|i| (!i.is_thumbnail, i.sort_order, i.id));
    let mut out: Vec<String> = Vec::new();
    let candidates = v.and_then(|v| text(&v.image_url)).into_iter().chain(
        imgs.into_iter()
            .filter_map(|i| text(&i.url_zoom).or_else(|| text(&i.url_standard))),
    );
    for url in candidates {
        if !out.contains(&url) {
            out.push(url);
        }
    }
    out
}

/// Removes HTML tags, decodes the common entities and collapses whitespace.
pub fn strip_html(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match (in_tag, c) {
            (false, '<') => {
                in_tag = true;
                out.push(' ');
            }
            (true, '>') => in_tag = false,
            (true, _) => {}
            (false, c) => out.push(c),
        }
    }
    let decoded = out
        .replace("&nbsp;", " ")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&apos;", "'")
        .replace("&amp;", "&");
    decoded.split_whitespace().collect::<Vec<_>>().join(" ")
}

struct Item<'a> {
    product: &'a Product,
    variant: Option<&'a Variant>,
    sku: ShopSku,
    source: CatalogRef,
    group: Option<String>,
}

fn raw_value(item: &Item<'_>, from: &FieldSource, brands: &BTreeMap<u64, &str>) -> Option<String> {
    let p = item.product;
    let v = item.variant;
    let both =
        |fv: Option<&Option<String>>, fp: &Option<String>| fv.and_then(text).or_else(|| text(fp));
    let dec = |fv: Option<Option<Decimal>>, fp: Option<Decimal>| number(fv.flatten().or(fp));
    match from {
        FieldSource::Name => text(&Some(p.name.clone())),
        FieldSource::Description => text(&p.description),
        FieldSource::Brand => p
            .brand_id
            .filter(|b| *b != 0)
            .and_then(|b| brands.get(&b))
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty()),
        FieldSource::Sku => Some(item.sku.as_str().to_owned()),
        FieldSource::ProductId => Some(p.id.0.to_string()),
        FieldSource::VariantId => item.source.variant_id.map(|i| i.to_string()),
        FieldSource::Weight => dec(v.map(|v| v.weight.or(v.calculated_weight)), p.weight),
        FieldSource::Width => dec(v.map(|v| v.width), p.width),
        FieldSource::Height => dec(v.map(|v| v.height), p.height),
        FieldSource::Depth => dec(v.map(|v| v.depth), p.depth),
        FieldSource::Upc => both(v.map(|v| &v.upc), &p.upc),
        FieldSource::Gtin => both(v.map(|v| &v.gtin), &p.gtin),
        FieldSource::Mpn => both(v.map(|v| &v.mpn), &p.mpn),
        FieldSource::Condition => text(&p.condition),
        FieldSource::Url => p
            .custom_url
            .as_ref()
            .map(|u| u.url.trim().to_owned())
            .filter(|u| !u.is_empty()),
        FieldSource::Image(n) => n
            .checked_sub(1)
            .and_then(|i| images(p, v).into_iter().nth(i)),
        FieldSource::CustomField(name) => p
            .custom_fields
            .iter()
            .find(|c| c.name.trim().eq_ignore_ascii_case(name.trim()))
            .and_then(|c| text(&Some(c.value.clone()))),
        FieldSource::Option(name) => v.and_then(|v| {
            v.option_values
                .iter()
                .find(|o| {
                    o.option_display_name
                        .trim()
                        .eq_ignore_ascii_case(name.trim())
                })
                .and_then(|o| text(&Some(o.label.clone())))
        }),
        FieldSource::Constant(c) => Some(c.clone()),
    }
}

fn lookup_table(
    table: &BTreeMap<String, String>,
    value: &str,
    case_insensitive: bool,
) -> Option<String> {
    if let Some(v) = table.get(value) {
        return Some(v.clone());
    }
    if !case_insensitive {
        return None;
    }
    let key = value.trim().to_lowercase();
    table
        .iter()
        .find(|(k, _)| k.trim().to_lowercase() == key)
        .map(|(_, v)| v.clone())
}

fn convert_unit(
    value: String,
    rule: &AttributeRule,
    rules: &ProductRules,
) -> Result<String, ProductProblemReason> {
    let Some(to) = rule.unit else {
        return Ok(value);
    };
    let from = rule.from_unit.unwrap_or(match to.dimension() {
        Dimension::Weight => rules.weight_unit,
        Dimension::Length => rules.dimension_unit,
    });
    let n = Decimal::from_str(value.trim()).map_err(|_| ProductProblemReason::NotANumber {
        value: value.clone(),
        to,
    })?;
    units::convert(n, from, to, rules.unit_decimals)
        .map(|d| d.to_string())
        .ok_or(ProductProblemReason::UnitMismatch { from, to })
}

/// Computes one attribute value: source, HTML stripping, default; then for a list attribute
/// (per PM11) each value (split on the separator for multiple values) goes through the
/// attribute's table, else the list's table ([`ProductRules::value_tables`]), then value-list
/// matching; for other attributes the attribute's table, then the unit conversion. `Ok(None)`
/// when there is no value at all.
fn attribute_value(
    item: &Item<'_>,
    rule: &AttributeRule,
    attrs: &BTreeMap<&str, &OperatorAttribute>,
    ctx: &Ctx<'_>,
) -> Result<Option<String>, ProductProblemReason> {
    let rules = ctx.rules;
    let ci = rules.case_insensitive_values;
    let raw = raw_value(item, &rule.from, &ctx.brands)
        .map(|v| if rule.strip_html { strip_html(&v) } else { v });
    let Some(value) = raw
        .filter(|v| !v.is_empty())
        .or_else(|| rule.default.clone())
    else {
        return Ok(None);
    };
    let list = attrs
        .get(rule.code.as_str())
        .and_then(|a| a.value_list.as_ref().map(|l| (*a, l)));
    let Some((attr, list)) = list else {
        let value = lookup_table(&rule.values, &value, ci).unwrap_or(value);
        return convert_unit(value, rule, rules).map(Some);
    };
    let value = convert_unit(value, rule, rules)?;
    let list_table = rules.value_tables.get(list);
    let resolve = |part: &str| {
        let part = part.trim();
        let mapped = lookup_table(&rule.values, part, ci)
            .or_else(|| list_table.and_then(|t| lookup_table(t, part, ci)))
            .unwrap_or_else(|| part.to_owned());
        ctx.operator
            .match_value(list, &mapped, ci)
            .map_or(mapped.clone(), str::to_owned)
    };
    Ok(Some(
        if attr.kind == super::operator::AttributeType::ListMultipleValues {
            value
                .split(rules.multi_value_separator.as_str())
                .map(resolve)
                .collect::<Vec<_>>()
                .join(&rules.multi_value_separator)
        } else {
            resolve(&value)
        },
    ))
}

struct Ctx<'a> {
    operator: &'a OperatorCatalog,
    rules: &'a ProductRules,
    brands: BTreeMap<u64, &'a str>,
}

fn has_options(p: &Product) -> bool {
    p.variants.len() > 1 || p.variants.iter().any(|v| !v.option_values.is_empty())
}

fn group_code(p: &Product, rules: &ProductRules) -> String {
    match rules.variant_group {
        VariantGroupSource::ProductSku => text(&p.sku).unwrap_or_else(|| format!("bc-{}", p.id.0)),
        VariantGroupSource::ProductId => format!("bc-{}", p.id.0),
    }
}

/// Maps BigCommerce products to product rows, one per variant (or per product without
/// options), and reports what cannot be mapped: missing, invalid or duplicate SKUs, unmapped
/// categories, values that cannot be converted. Products and variants outside `selection`
/// are skipped. List values are resolved to value-list codes (table, exact, then
/// case-insensitive); a value that matches nothing is kept as is, for [`super::validate`] to
/// report. Rows are sorted by SKU; problems by product, variant, attribute.
pub fn map_products(
    source: &ProductSource,
    operator: &OperatorCatalog,
    rules: &ProductRules,
    selection: &SelectionRules,
) -> (Vec<ProductRow>, Vec<ProductProblem>) {
    let index = CategoryIndex::new(&source.categories);
    let ctx = Ctx {
        operator,
        rules,
        brands: source
            .brands
            .iter()
            .map(|b| (b.id.0, b.name.as_str()))
            .collect(),
    };
    let mut problems = Vec::new();
    let mut items: Vec<Item<'_>> = Vec::new();
    let mut products: Vec<&Product> = source.products.iter().collect();
    products.sort_by_key(|p| p.id.0);
    for p in products {
        if !catalog::product_selected(&CatalogProduct::from(p), selection) {
            continue;
        }
        let count = p.variants.len();
        let candidates: Vec<(Option<&Variant>, Option<&str>, Option<String>)> = if has_options(p) {
            let group = group_code(p, rules);
            catalog::sellable_variants(
                &p.variants,
                |v| v.id.0,
                |v| v.purchasing_disabled,
                selection,
            )
            .into_iter()
            .map(|v| {
                let sku = catalog::item_sku(v.sku.as_deref(), p.sku.as_deref(), count);
                (Some(v), sku, Some(group.clone()))
            })
            .collect()
        } else {
            let v = p.variants.first();
            let sku = catalog::item_sku(v.and_then(|v| v.sku.as_deref()), p.sku.as_deref(), count);
            vec![(v, sku, None)]
        };
        for (variant, sku, group) in candidates {
            let source = CatalogRef {
                product_id: p.id.0,
                variant_id: variant.map(|v| v.id.0),
            };
            let problem = |reason| ProductProblem {
                sku: None,
                source,
                attribute: None,
                reason,
            };
            match catalog::check_sku(sku, selection) {
                SkuCheck::Missing => problems.push(problem(ProductProblemReason::MissingSku)),
                SkuCheck::Invalid(e) => problems.push(problem(ProductProblemReason::InvalidSku(e))),
                SkuCheck::Excluded => {}
                SkuCheck::Selected(sku) => items.push(Item {
                    product: p,
                    variant,
                    sku,
                    source,
                    group,
                }),
            }
        }
    }
    let dupes = catalog::duplicated_skus(items.iter().map(|i| (&i.sku, i.source)));
    let mut rows = Vec::new();
    let mut attr_cache: BTreeMap<String, BTreeMap<&str, &OperatorAttribute>> = BTreeMap::new();
    for item in &items {
        let problem = |attribute: Option<&str>, reason| ProductProblem {
            sku: Some(item.sku.clone()),
            source: item.source,
            attribute: attribute.map(str::to_owned),
            reason,
        };
        if dupes.contains_key(&item.sku) {
            problems.push(problem(None, ProductProblemReason::DuplicateSku));
            continue;
        }
        let Some(category) = category_code(item.product, &index, rules) else {
            let mut categories = item.product.categories.clone();
            categories.sort_unstable();
            problems.push(problem(
                None,
                ProductProblemReason::UnmappedCategory { categories },
            ));
            continue;
        };
        let attrs = attr_cache
            .entry(category.clone())
            .or_insert_with(|| operator.attributes_for(&category));
        let mut values = BTreeMap::new();
        let mut failed = false;
        for rule in &rules.attributes {
            match attribute_value(item, rule, attrs, &ctx) {
                Ok(Some(v)) => {
                    values.insert(rule.code.clone(), v);
                }
                Ok(None) => {}
                Err(reason) => {
                    failed = true;
                    problems.push(problem(Some(&rule.code), reason));
                }
            }
        }
        if failed {
            continue;
        }
        values.insert(rules.sku_column.clone(), item.sku.as_str().to_owned());
        values.insert(rules.category_column.clone(), category.clone());
        let variant_group = item.group.clone();
        if !rules.variant_group_column.is_empty()
            && let Some(g) = &variant_group
        {
            values.insert(rules.variant_group_column.clone(), g.clone());
        }
        rows.push(ProductRow {
            sku: item.sku.clone(),
            source: item.source,
            category,
            variant_group,
            values,
        });
    }
    rows.sort_by(|a, b| a.sku.cmp(&b.sku));
    super::sort_problems(&mut problems);
    (rows, problems)
}
