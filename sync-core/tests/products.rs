//! Product sync (P41): mapping, validation, change detection and P44 mapping.
//!
//! Operator fixtures come from the Mirakl seller spec examples
//! (`specs/mirakl/mirakl-mmp-seller-openapi.json`, extracted to
//! `mirakl-api/tests/fixtures/spec/{H11,PM11,VL11}-response-200-0.json`) and from a small
//! fashion operator shaped like them.

use bigcommerce_api::catalog::{
    Brand, BrandId, Category, CategoryId, CustomField, OptionValue, Product, ProductId,
    ProductImage, Variant, VariantId,
};
use mirakl_api::imports::parse_error_report;
use mirakl_api::products::{AttributeList, HierarchyList, ValueListList};
use std::collections::BTreeMap;
use sync_core::ShopSku;
use sync_core::products::{
    self, AttributeRule, AttributeType, CategoryRule, FieldSource, OperatorCatalog, ProductProblem,
    ProductProblemReason, ProductRules, ProductSource, RequirementLevel, RowChange, Unit,
};
use sync_core::rules::SelectionRules;
use sync_core::types::CatalogRef;

const SPEC_H11: &str = include_str!("../../mirakl-api/tests/fixtures/spec/H11-response-200-0.json");
const SPEC_PM11: &str =
    include_str!("../../mirakl-api/tests/fixtures/spec/PM11-response-200-0.json");
const SPEC_VL11: &str =
    include_str!("../../mirakl-api/tests/fixtures/spec/VL11-response-200-0.json");

fn operator_from(h: &str, a: &str, v: &str) -> OperatorCatalog {
    let h: HierarchyList = serde_json::from_str(h).unwrap();
    let a: AttributeList = serde_json::from_str(a).unwrap();
    let v: ValueListList = serde_json::from_str(v).unwrap();
    OperatorCatalog::new(&h.hierarchies, &a.attributes, &v.values_lists)
}

/// A fashion operator: Fashion (10) > Womens (1010), Mens (1020); Home (20) > Kitchen (2010).
fn operator() -> OperatorCatalog {
    operator_from(
        r#"{"hierarchies":[
            {"code":"10","label":"Fashion","level":1,"parent_code":""},
            {"code":"1010","label":"Womens","level":2,"parent_code":"10"},
            {"code":"1020","label":"Mens","level":2,"parent_code":"10"},
            {"code":"20","label":"Home","level":1},
            {"code":"2010","label":"Kitchen","level":2,"parent_code":"20"}]}"#,
        r#"{"attributes":[
            {"code":"shop-sku","type":"TEXT","requirement_level":"REQUIRED","hierarchy_code":""},
            {"code":"category","type":"TEXT","requirement_level":"REQUIRED","hierarchy_code":""},
            {"code":"title","type":"TEXT","requirement_level":"REQUIRED","hierarchy_code":"","validations":"MAX_LENGTH|40"},
            {"code":"description","type":"LONG_TEXT","requirement_level":"OPTIONAL"},
            {"code":"brand","type":"TEXT","requirement_level":"OPTIONAL"},
            {"code":"ean","type":"TEXT","requirement_level":"RECOMMENDED"},
            {"code":"image-1","type":"MEDIA","requirement_level":"REQUIRED"},
            {"code":"image-2","type":"MEDIA","requirement_level":"OPTIONAL"},
            {"code":"weight-kg","type":"DECIMAL","requirement_level":"OPTIONAL"},
            {"code":"length-cm","type":"DECIMAL","requirement_level":"OPTIONAL"},
            {"code":"colour","type":"LIST","type_parameter":"colours","requirement_level":"OPTIONAL","hierarchy_code":"10","variant":true},
            {"code":"size","type":"LIST","type_parameter":"sizes","requirement_level":"REQUIRED","hierarchy_code":"10","variant":true},
            {"code":"material","type":"LIST_MULTIPLE_VALUES","type_parameter":"materials","requirement_level":"OPTIONAL","hierarchy_code":"10"},
            {"code":"pack-count","type":"INTEGER","requirement_level":"OPTIONAL","hierarchy_code":"2010"},
            {"code":"release-date","type":"DATE","requirement_level":"OPTIONAL"},
            {"code":"care","type":"TEXT","requirement_level":"OPTIONAL","hierarchy_code":"1010","validations":"MIN_LENGTH|10"},
            {"code":"fit","type":"LIST","type_parameter":"fits","requirement_level":"OPTIONAL","hierarchy_code":"1020"}]}"#,
        r#"{"values_lists":[
            {"code":"colours","values":[
                {"code":"BLACK","label":"Black","label_translations":[{"locale":"fr","value":"Noir"}]},
                {"code":"WHITE","label":"White"},
                {"code":"NAVY","label":"Navy blue"}]},
            {"code":"sizes","values":[
                {"code":"S","label":"Small"},{"code":"M","label":"Medium"},{"code":"L","label":"Large"},
                {"code":"XL","label":"Extra large"}]},
            {"code":"materials","values":[
                {"code":"COTTON","label":"Cotton"},{"code":"WOOL","label":"Wool"}]}]}"#,
    )
}

fn rules() -> ProductRules {
    toml::from_str(
        r#"
        weight_unit = "lb"
        dimension_unit = "in"
        [value_tables.colours]
        "Charcoal" = "BLACK"
        [value_tables.materials]
        "cashmere" = "WOOL"
        [[categories]]
        path = "Clothing/Women"
        mirakl = "1010"
        [[categories]]
        id = 30
        mirakl = "2010"
        [[categories]]
        path = "Clothing"
        mirakl = "1020"
        [[attributes]]
        code = "title"
        from = "name"
        [[attributes]]
        code = "description"
        from = "description"
        strip_html = true
        [[attributes]]
        code = "brand"
        from = "brand"
        [[attributes]]
        code = "ean"
        from = "gtin"
        [[attributes]]
        code = "image-1"
        from = { image = 1 }
        [[attributes]]
        code = "image-2"
        from = { image = 2 }
        [[attributes]]
        code = "weight-kg"
        from = "weight"
        unit = "kg"
        [[attributes]]
        code = "length-cm"
        from = "depth"
        unit = "cm"
        [[attributes]]
        code = "colour"
        from = { option = "Colour" }
        values = { "Jet" = "BLACK" }
        [[attributes]]
        code = "size"
        from = { option = "size" }
        [[attributes]]
        code = "material"
        from = { custom_field = "Material" }
        "#,
    )
    .unwrap()
}

fn categories() -> Vec<Category> {
    let c = |id: u64, parent: u64, name: &str| Category {
        id: CategoryId(id),
        parent_id: parent,
        name: name.into(),
        ..Category::default()
    };
    vec![
        c(10, 0, "Clothing"),
        c(11, 10, "Women"),
        c(12, 11, "Dresses"),
        c(13, 10, "Men"),
        c(30, 0, "Kitchen"),
        c(31, 30, "Knives"),
        c(40, 0, "Toys"),
    ]
}

fn image(id: u64, url: &str, thumb: bool, order: i64) -> ProductImage {
    ProductImage {
        id: Some(id),
        is_thumbnail: thumb,
        sort_order: order,
        url_zoom: Some(url.into()),
        ..ProductImage::default()
    }
}

fn opt(name: &str, label: &str) -> OptionValue {
    OptionValue {
        label: label.into(),
        option_display_name: name.into(),
        ..OptionValue::default()
    }
}

fn variant(id: u64, product: u64, sku: &str, options: Vec<OptionValue>) -> Variant {
    Variant {
        id: VariantId(id),
        product_id: ProductId(product),
        sku: Some(sku.into()),
        option_values: options,
        ..Variant::default()
    }
}

/// A dress with two variants (sizes and colours), in Clothing/Women/Dresses.
fn dress() -> Product {
    Product {
        id: ProductId(1),
        name: "Wrap dress".into(),
        sku: Some("DRESS".into()),
        description: Some("<p>Soft &amp; light</p>\n<ul><li>Wrap</li></ul>".into()),
        weight: Some("2".parse().unwrap()),
        depth: Some("10".parse().unwrap()),
        categories: vec![12],
        brand_id: Some(7),
        gtin: Some("9300000000001".into()),
        is_visible: true,
        images: vec![
            image(2, "https://cdn.example/dress-side.jpg", false, 1),
            image(1, "https://cdn.example/dress.jpg", true, 5),
        ],
        custom_fields: vec![CustomField::new("material", "cotton| Cashmere")],
        variants: vec![
            Variant {
                image_url: Some("https://cdn.example/dress-black.jpg".into()),
                ..variant(
                    102,
                    1,
                    "DRESS-BLK-M",
                    vec![opt("Colour", "Black"), opt("Size", "medium")],
                )
            },
            variant(
                101,
                1,
                "DRESS-WHT-S",
                vec![opt("Colour", "white"), opt("Size", "S")],
            ),
        ],
        ..Product::default()
    }
}

/// A knife block without options (one base variant), in Kitchen/Knives.
fn knives() -> Product {
    Product {
        id: ProductId(2),
        name: "Knife block".into(),
        sku: Some("KNIFE".into()),
        categories: vec![31],
        is_visible: true,
        images: vec![image(5, "https://cdn.example/knife.jpg", true, 0)],
        variants: vec![Variant {
            sku: None,
            ..variant(201, 2, "", vec![])
        }],
        ..Product::default()
    }
}

fn source(products: Vec<Product>) -> ProductSource {
    ProductSource {
        products,
        categories: categories(),
        brands: vec![Brand {
            id: BrandId(7),
            name: "Acme".into(),
            ..Brand::default()
        }],
    }
}

fn sku(s: &str) -> ShopSku {
    ShopSku::new(s).unwrap()
}

fn prepare(products: Vec<Product>) -> products::ProductBatch {
    products::prepare(
        &source(products),
        &operator(),
        &rules(),
        &SelectionRules::default(),
    )
}

fn reasons_for<'a>(
    problems: &'a [ProductProblem],
    s: &str,
) -> Vec<(Option<&'a str>, &'a ProductProblemReason)> {
    problems
        .iter()
        .filter(|p| p.sku.as_ref().is_some_and(|k| k.as_str() == s))
        .map(|p| (p.attribute.as_deref(), &p.reason))
        .collect()
}

#[test]
fn spec_examples_are_indexed() {
    let op = operator_from(SPEC_H11, SPEC_PM11, SPEC_VL11);
    // H11 example: three level-2 categories whose parent `59` is not in the response.
    assert_eq!(op.categories.len(), 3);
    assert!(op.categories["5911111"].is_leaf());
    assert_eq!(op.categories["5911112"].parent.as_deref(), Some("59"));
    assert_eq!(op.lineage("5911113"), vec!["5911113"]);
    // PM11 example: a TEXT attribute with MIN_LENGTH|10 and a LIST on the `Boolean` list.
    let wash = op
        .attributes
        .iter()
        .find(|a| a.code == "washingInstructions3")
        .unwrap();
    assert_eq!(wash.kind, AttributeType::Text);
    assert_eq!(wash.min_length, Some(10));
    assert_eq!(wash.hierarchy.as_deref(), Some("3012"));
    assert_eq!(wash.requirement, RequirementLevel::Optional);
    let tools = op
        .attributes
        .iter()
        .find(|a| a.code == "toolsIncluded3")
        .unwrap();
    assert_eq!(tools.kind, AttributeType::List);
    assert_eq!(tools.value_list.as_deref(), Some("Boolean"));
    // Attributes of another category do not apply.
    assert!(op.attributes_for("5911111").is_empty());
    // VL11 example: codes, labels and translated labels all match.
    assert_eq!(op.match_value("Jewellery", "Rings", false), Some("Rings"));
    assert_eq!(
        op.match_value("Jewellery", "Colliers", false),
        Some("Necklaces")
    );
    assert_eq!(
        op.match_value("Jewellery", "Necklaces", false),
        Some("Necklaces")
    );
    assert_eq!(
        op.match_value("Jewellery", " bracelets ", true),
        Some("Bracelets")
    );
    assert_eq!(op.match_value("Jewellery", " bracelets ", false), None);
    assert_eq!(op.match_value("Jewellery", "Watches", true), None);
    assert_eq!(op.match_value("NoSuchList", "Rings", true), None);
}

#[test]
fn spec_example_attribute_rules_are_checked() {
    // The PM11 example's `washingInstructions3` (MIN_LENGTH|10) on category 3012, which the
    // H11 example lacks: added here so the attribute applies.
    let mut h: serde_json::Value = serde_json::from_str(SPEC_H11).unwrap();
    h["hierarchies"]
        .as_array_mut()
        .unwrap()
        .push(serde_json::json!({"code": "3012", "label": "Bath"}));
    let op = operator_from(&h.to_string(), SPEC_PM11, SPEC_VL11);
    let mut r = ProductRules {
        default_category: Some("3012".into()),
        ..ProductRules::default()
    };
    r.attributes = vec![AttributeRule::new(
        "washingInstructions3",
        FieldSource::CustomField("Washing".into()),
    )];
    let mk = |id: u64, s: &str, wash: &str| Product {
        id: ProductId(id),
        sku: Some(s.into()),
        is_visible: true,
        custom_fields: vec![CustomField::new("Washing", wash)],
        ..Product::default()
    };
    let batch = products::prepare(
        &ProductSource {
            products: vec![mk(1, "A", "Hand wash cold"), mk(2, "B", "Cold")],
            ..ProductSource::default()
        },
        &op,
        &r,
        &SelectionRules::default(),
    );
    assert_eq!(batch.rows.len(), 1);
    assert_eq!(
        batch.rows[0].values["washingInstructions3"],
        "Hand wash cold"
    );
    assert_eq!(
        reasons_for(&batch.problems, "B"),
        vec![(
            Some("washingInstructions3"),
            &ProductProblemReason::TooShort { length: 4, min: 10 }
        )]
    );
}

#[test]
fn variants_become_rows_with_a_variant_group_and_mapped_values() {
    let batch = prepare(vec![dress(), knives()]);
    let skus: Vec<&str> = batch.rows.iter().map(|r| r.sku.as_str()).collect();
    assert_eq!(skus, ["DRESS-BLK-M", "DRESS-WHT-S", "KNIFE"]);
    let blk = &batch.rows[0];
    assert_eq!(
        blk.source,
        CatalogRef {
            product_id: 1,
            variant_id: Some(102)
        }
    );
    assert_eq!(blk.category, "1010");
    assert_eq!(blk.variant_group.as_deref(), Some("DRESS"));
    let v = &blk.values;
    assert_eq!(v["shop-sku"], "DRESS-BLK-M");
    assert_eq!(v["category"], "1010");
    assert_eq!(v["variant-group-code"], "DRESS");
    assert_eq!(v["title"], "Wrap dress");
    assert_eq!(v["description"], "Soft & light Wrap");
    assert_eq!(v["brand"], "Acme");
    assert_eq!(v["ean"], "9300000000001");
    // Variant image first, then the product thumbnail, then by sort order.
    assert_eq!(v["image-1"], "https://cdn.example/dress-black.jpg");
    assert_eq!(v["image-2"], "https://cdn.example/dress.jpg");
    // 2 lb → kg, 10 in → cm.
    assert_eq!(v["weight-kg"], "0.907");
    assert_eq!(v["length-cm"], "25.4");
    // Label → code, case-insensitive label → code, multi-values each resolved.
    assert_eq!(v["colour"], "BLACK");
    assert_eq!(v["size"], "M");
    assert_eq!(v["material"], "COTTON|WOOL");
    let wht = &batch.rows[1];
    assert_eq!(wht.values["colour"], "WHITE");
    assert_eq!(wht.values["size"], "S");
    assert_eq!(wht.values["image-1"], "https://cdn.example/dress.jpg");
    // A product without options: one row, product SKU, no variant group.
    let knife = &batch.rows[2];
    assert_eq!(knife.variant_group, None);
    assert!(!knife.values.contains_key("variant-group-code"));
    assert_eq!(knife.category, "2010");
    assert_eq!(
        knife.source,
        CatalogRef {
            product_id: 2,
            variant_id: Some(201)
        }
    );
    // Only warnings: the knife has no EAN (recommended).
    assert_eq!(batch.rejected().count(), 0);
    assert_eq!(
        reasons_for(&batch.problems, "KNIFE"),
        vec![(Some("ean"), &ProductProblemReason::MissingRecommended)]
    );
}

#[test]
fn value_list_matching_exact_case_insensitive_and_table() {
    let with = |colour: &str| {
        let mut p = dress();
        p.variants.truncate(1);
        p.variants[0].option_values[0].label = colour.into();
        p
    };
    let colour_of =
        |batch: &products::ProductBatch| batch.rows.first().map(|r| r.values["colour"].clone());
    assert_eq!(
        colour_of(&prepare(vec![with("NAVY")])).as_deref(),
        Some("NAVY")
    );
    assert_eq!(
        colour_of(&prepare(vec![with("Navy blue")])).as_deref(),
        Some("NAVY")
    );
    assert_eq!(
        colour_of(&prepare(vec![with("  navy BLUE ")])).as_deref(),
        Some("NAVY")
    );
    assert_eq!(
        colour_of(&prepare(vec![with("Noir")])).as_deref(),
        Some("BLACK")
    );
    // The explicit table, keys compared case-insensitively.
    assert_eq!(
        colour_of(&prepare(vec![with("jet")])).as_deref(),
        Some("BLACK")
    );
    // No match: the row is rejected naming the value and the list.
    let batch = prepare(vec![with("Teal")]);
    assert!(batch.rows.is_empty());
    assert_eq!(
        reasons_for(&batch.problems, "DRESS-BLK-M"),
        vec![(
            Some("colour"),
            &ProductProblemReason::NotInList {
                value: "Teal".into(),
                list: "colours".into()
            }
        )]
    );
    // Case-sensitive matching when asked.
    let strict = ProductRules {
        case_insensitive_values: false,
        ..rules()
    };
    let batch = products::prepare(
        &source(vec![with("navy blue")]),
        &operator(),
        &strict,
        &SelectionRules::default(),
    );
    assert!(batch.rows.is_empty());
    assert!(batch.problems.iter().any(|p| p.reason
        == ProductProblemReason::NotInList {
            value: "navy blue".into(),
            list: "colours".into()
        }));
}

#[test]
fn missing_required_attributes_are_reported_per_sku_and_attribute() {
    let mut p = dress();
    p.variants[1]
        .option_values
        .retain(|o| o.option_display_name != "Size");
    p.images.clear();
    let batch = prepare(vec![p]);
    // Without images, both variants lack a value for the required `image-1`; the white one
    // has no size either (required on the ancestor category 10).
    assert!(batch.rows.iter().all(|r| r.sku.as_str() != "DRESS-WHT-S"));
    assert_eq!(
        reasons_for(&batch.problems, "DRESS-WHT-S"),
        vec![
            (Some("image-1"), &ProductProblemReason::MissingRequired),
            (Some("size"), &ProductProblemReason::MissingRequired),
        ]
    );
    assert_eq!(
        batch.rejected_skus().into_iter().collect::<Vec<_>>(),
        [sku("DRESS-WHT-S")]
    );
    // The black variant keeps its own image.
    assert_eq!(batch.rows.len(), 1);
    assert_eq!(batch.rows[0].sku.as_str(), "DRESS-BLK-M");
    let text = batch.problems[0].to_string();
    assert!(
        text.contains("DRESS-WHT-S") && text.contains("variant 101"),
        "{text}"
    );
}

#[test]
fn categories_by_path_id_ancestor_rule_order_and_default() {
    let with_cats = |id: u64, cats: Vec<u64>| Product {
        id: ProductId(id),
        sku: Some(format!("P{id}")),
        categories: cats,
        ..knives()
    };
    let (rows, problems) = products::map_products(
        &source(vec![
            with_cats(1, vec![12]),     // Clothing/Women/Dresses → first rule (path)
            with_cats(2, vec![13]),     // Clothing/Men → third rule (path prefix)
            with_cats(3, vec![31, 11]), // Knives (id 30 ancestor) and Women: rule order wins
            with_cats(4, vec![40]),     // Toys: unmapped
            with_cats(5, vec![]),       // no category
        ]),
        &operator(),
        &rules(),
        &SelectionRules::default(),
    );
    let cat: BTreeMap<&str, &str> = rows
        .iter()
        .map(|r| (r.sku.as_str(), r.category.as_str()))
        .collect();
    assert_eq!(cat["P1"], "1010");
    assert_eq!(cat["P2"], "1020");
    assert_eq!(cat["P3"], "1010");
    assert_eq!(rows.len(), 3);
    assert_eq!(
        reasons_for(&problems, "P4"),
        vec![(
            None,
            &ProductProblemReason::UnmappedCategory {
                categories: vec![40]
            }
        )]
    );
    assert_eq!(
        reasons_for(&problems, "P5"),
        vec![(
            None,
            &ProductProblemReason::UnmappedCategory { categories: vec![] }
        )]
    );
    // A default category catches the rest.
    let r = ProductRules {
        default_category: Some("2010".into()),
        ..rules()
    };
    let (rows, problems) = products::map_products(
        &source(vec![with_cats(4, vec![40])]),
        &operator(),
        &r,
        &SelectionRules::default(),
    );
    assert!(problems.is_empty());
    assert_eq!(rows[0].category, "2010");
}

#[test]
fn unknown_and_non_leaf_categories_are_rejected() {
    let mut r = rules();
    r.categories = vec![
        CategoryRule {
            id: Some(31),
            path: None,
            mirakl: "9999".into(),
        },
        CategoryRule {
            id: Some(10),
            path: None,
            mirakl: "10".into(),
        },
    ];
    let batch = products::prepare(
        &source(vec![dress(), knives()]),
        &operator(),
        &r,
        &SelectionRules::default(),
    );
    assert!(batch.rows.is_empty());
    assert_eq!(
        reasons_for(&batch.problems, "KNIFE"),
        vec![(
            None,
            &ProductProblemReason::UnknownCategory {
                code: "9999".into()
            }
        )]
    );
    assert!(
        reasons_for(&batch.problems, "DRESS-WHT-S")
            .contains(&(None, &ProductProblemReason::NotALeaf { code: "10".into() }))
    );
    // Without the leaf requirement the dress is accepted on the root category.
    r.require_leaf_category = false;
    let batch = products::prepare(
        &source(vec![dress()]),
        &operator(),
        &r,
        &SelectionRules::default(),
    );
    assert_eq!(batch.rows.len(), 2);
}

#[test]
fn types_units_and_lengths_are_checked() {
    let mut r = rules();
    r.attributes.push(AttributeRule::new(
        "release-date",
        FieldSource::CustomField("Release".into()),
    ));
    r.attributes.push(AttributeRule::new(
        "pack-count",
        FieldSource::CustomField("Pieces".into()),
    ));
    let mut k = knives();
    k.custom_fields = vec![
        CustomField::new("Release", "2026-02-30"),
        CustomField::new("Pieces", "six"),
    ];
    k.images[0].url_zoom = Some("ftp://cdn.example/knife.jpg".into());
    k.name = "x".repeat(41);
    let batch = products::prepare(
        &source(vec![k]),
        &operator(),
        &r,
        &SelectionRules::default(),
    );
    assert!(batch.rows.is_empty());
    let got = reasons_for(&batch.problems, "KNIFE");
    assert!(got.contains(&(
        Some("release-date"),
        &ProductProblemReason::InvalidType {
            value: "2026-02-30".into(),
            expected: AttributeType::Date
        }
    )));
    assert!(got.contains(&(
        Some("pack-count"),
        &ProductProblemReason::InvalidType {
            value: "six".into(),
            expected: AttributeType::Integer
        }
    )));
    assert!(got.contains(&(
        Some("image-1"),
        &ProductProblemReason::InvalidType {
            value: "ftp://cdn.example/knife.jpg".into(),
            expected: AttributeType::Media
        }
    )));
    assert!(got.contains(&(
        Some("title"),
        &ProductProblemReason::TooLong {
            length: 41,
            max: 40
        }
    )));
    // Valid values pass.
    let mut k = knives();
    k.custom_fields = vec![
        CustomField::new("Release", "2026-02-28"),
        CustomField::new("Pieces", "6"),
    ];
    let batch = products::prepare(
        &source(vec![k]),
        &operator(),
        &r,
        &SelectionRules::default(),
    );
    assert_eq!(batch.rows.len(), 1);
    assert_eq!(batch.rows[0].values["pack-count"], "6");
}

#[test]
fn unit_conversion_problems_block_the_row() {
    let mut r = rules();
    r.attributes.push(AttributeRule {
        unit: Some(Unit::Cm),
        from_unit: Some(Unit::Mm),
        ..AttributeRule::new("length-cm", FieldSource::CustomField("Blade".into()))
    });
    let mut k = knives();
    k.custom_fields = vec![CustomField::new("Blade", "205")];
    let batch = products::prepare(
        &source(vec![k.clone()]),
        &operator(),
        &r,
        &SelectionRules::default(),
    );
    assert_eq!(batch.rows[0].values["length-cm"], "20.5");
    k.custom_fields = vec![CustomField::new("Blade", "20 cm")];
    let batch = products::prepare(
        &source(vec![k.clone()]),
        &operator(),
        &r,
        &SelectionRules::default(),
    );
    assert!(batch.rows.is_empty());
    assert_eq!(
        reasons_for(&batch.problems, "KNIFE"),
        vec![(
            Some("length-cm"),
            &ProductProblemReason::NotANumber {
                value: "20 cm".into(),
                to: Unit::Cm
            }
        )]
    );
    let mut r = rules();
    r.attributes.push(AttributeRule {
        unit: Some(Unit::Cm),
        from_unit: Some(Unit::Kg),
        ..AttributeRule::new("weight-kg", FieldSource::Constant("1".into()))
    });
    let batch = products::prepare(
        &source(vec![knives()]),
        &operator(),
        &r,
        &SelectionRules::default(),
    );
    assert_eq!(
        reasons_for(&batch.problems, "KNIFE"),
        vec![(
            Some("weight-kg"),
            &ProductProblemReason::UnitMismatch {
                from: Unit::Kg,
                to: Unit::Cm
            }
        )]
    );
}

#[test]
fn skus_missing_duplicate_and_selection() {
    let mut a = knives();
    a.id = ProductId(3);
    let mut no_sku = knives();
    no_sku.id = ProductId(4);
    no_sku.sku = None;
    let mut hidden = knives();
    hidden.id = ProductId(5);
    hidden.sku = Some("HIDDEN".into());
    hidden.is_visible = false;
    let mut disabled = dress();
    disabled.variants[0].purchasing_disabled = true;
    let (rows, problems) = products::map_products(
        &source(vec![knives(), a, no_sku, hidden, disabled]),
        &operator(),
        &rules(),
        &SelectionRules::default(),
    );
    let skus: Vec<&str> = rows.iter().map(|r| r.sku.as_str()).collect();
    assert_eq!(skus, ["DRESS-WHT-S"]);
    let summary: Vec<(u64, Option<&str>, &ProductProblemReason)> = problems
        .iter()
        .map(|p| {
            (
                p.source.product_id,
                p.sku.as_ref().map(ShopSku::as_str),
                &p.reason,
            )
        })
        .collect();
    assert_eq!(
        summary,
        vec![
            (2, Some("KNIFE"), &ProductProblemReason::DuplicateSku),
            (3, Some("KNIFE"), &ProductProblemReason::DuplicateSku),
            (4, None, &ProductProblemReason::MissingSku),
        ]
    );
}

#[test]
fn unknown_columns_are_warnings_only() {
    let mut r = rules();
    r.attributes.push(AttributeRule::new(
        "gift-wrap",
        FieldSource::Constant("yes".into()),
    ));
    let batch = products::prepare(
        &source(vec![knives()]),
        &operator(),
        &r,
        &SelectionRules::default(),
    );
    assert_eq!(batch.rows.len(), 1);
    assert!(
        batch
            .problems
            .iter()
            .any(|p| p.attribute.as_deref() == Some("gift-wrap")
                && p.reason == ProductProblemReason::UnknownAttribute
                && !p.is_blocking())
    );
}

#[test]
fn unchanged_rows_are_not_sent_again() {
    let batch = prepare(vec![dress(), knives()]);
    let mut last = BTreeMap::new();
    assert_eq!(products::changed_rows(&batch.rows, &last).len(), 3);
    products::record_sent(&mut last, &batch.rows, &[]);
    assert_eq!(last.len(), 3);
    // Hashes survive a trip through text storage.
    for h in last.values() {
        assert_eq!(h.to_string().len(), 16);
        assert_eq!(h.to_string().parse::<products::RowHash>().unwrap(), *h);
    }
    assert!("not-hex".parse::<products::RowHash>().is_err());
    // Same catalog, rebuilt: nothing to send.
    let again = prepare(vec![knives(), dress()]);
    assert!(products::changed_rows(&again.rows, &last).is_empty());
    // One name change touches both dress rows only.
    let mut d = dress();
    d.name = "Wrap dress (linen)".into();
    let changed = prepare(vec![d, knives()]);
    let sent: Vec<&str> = products::changed_rows(&changed.rows, &last)
        .iter()
        .map(|r| r.sku.as_str())
        .collect();
    assert_eq!(sent, ["DRESS-BLK-M", "DRESS-WHT-S"]);
    assert_eq!(
        products::change(&changed.rows[0], &last),
        RowChange::Changed
    );
    assert_eq!(
        products::change(&changed.rows[2], &last),
        RowChange::Unchanged
    );
    let mut k2 = knives();
    k2.id = ProductId(9);
    k2.sku = Some("KNIFE-2".into());
    let more = prepare(vec![k2]);
    assert_eq!(products::change(&more.rows[0], &last), RowChange::New);
}

#[test]
fn p44_report_maps_back_to_bigcommerce_ids() {
    let batch = prepare(vec![dress(), knives()]);
    let (header, records) = products::to_csv_records(&batch.rows, &rules());
    assert_eq!(&header[..3], ["shop-sku", "category", "variant-group-code"]);
    assert!(header[3..].windows(2).all(|w| w[0] < w[1]));
    assert_eq!(records.len(), 3);
    assert_eq!(records[2][0], "KNIFE");
    assert_eq!(records[2][2], "", "no group for a simple product");
    // The operator rejected the white dress (by SKU) and line 4 (the knife) without a SKU,
    // and a SKU that was not in the file.
    let report = parse_error_report(
        b"\"shop-sku\";\"category\";\"error-line\";\"error-message\"\n\
          \"DRESS-WHT-S\";\"1010\";\"3\";\"1001|Category unknown\"\n\
          \"\";\"\";\"4\";\"2004|Image could not be downloaded\"\n\
          \"GHOST\";\"\";\"9\";\"\"\n",
    )
    .unwrap();
    let sent: Vec<&products::ProductRow> = products::changed_rows(&batch.rows, &BTreeMap::new());
    let rejected = products::map_error_report(&report, &sent, &rules());
    assert_eq!(rejected.len(), 3);
    assert_eq!(rejected[0].source, None);
    assert_eq!(rejected[0].sku, Some(sku("GHOST")));
    assert_eq!(rejected[0].reason, "rejected by the operator (no message)");
    assert_eq!(
        rejected[1].source,
        Some(CatalogRef {
            product_id: 1,
            variant_id: Some(101)
        })
    );
    assert_eq!(rejected[1].reason, "1001|Category unknown");
    assert_eq!(rejected[1].line, Some(3));
    assert_eq!(
        rejected[2].source,
        Some(CatalogRef {
            product_id: 2,
            variant_id: Some(201)
        })
    );
    assert_eq!(rejected[2].sku, Some(sku("KNIFE")));
    // Rejected rows are not remembered, so they are sent again next time.
    let mut last = BTreeMap::new();
    products::record_sent(&mut last, &batch.rows, &rejected);
    assert_eq!(
        last.keys().map(ShopSku::as_str).collect::<Vec<_>>(),
        ["DRESS-BLK-M"]
    );
    let next: Vec<&str> = products::changed_rows(&batch.rows, &last)
        .iter()
        .map(|r| r.sku.as_str())
        .collect();
    assert_eq!(next, ["DRESS-WHT-S", "KNIFE"]);
}

#[test]
fn rules_deserialize_with_defaults_and_reject_typos() {
    let r: ProductRules = toml::from_str("").unwrap();
    assert_eq!(r, ProductRules::default());
    assert_eq!(
        r.key_columns(),
        ["shop-sku", "category", "variant-group-code"]
    );
    assert!(r.require_leaf_category && r.case_insensitive_values);
    assert_eq!(
        (r.weight_unit, r.dimension_unit, r.unit_decimals),
        (Unit::Kg, Unit::Cm, 3)
    );
    assert!(toml::from_str::<ProductRules>("sku_colum = \"x\"").is_err());
    let r = rules();
    assert_eq!(r.attributes[4].from, FieldSource::Image(1));
    assert_eq!(r.attributes[8].values["Jet"], "BLACK");
    // JSON round trip.
    let back: ProductRules = serde_json::from_str(&serde_json::to_string(&r).unwrap()).unwrap();
    assert_eq!(back, r);
}

#[test]
fn attribute_type_keeps_unknown_values() {
    assert_eq!(
        AttributeType::parse("list_multiple_values"),
        AttributeType::ListMultipleValues
    );
    let t = AttributeType::parse("GEO_POINT");
    assert_eq!(t, AttributeType::Other("GEO_POINT".into()));
    assert_eq!(t.as_str(), "GEO_POINT");
    assert!(!t.is_list());
}

#[test]
fn requirement_level_keeps_unknown_values() {
    assert_eq!(
        RequirementLevel::parse(Some("REQUIRED")),
        RequirementLevel::Required
    );
    assert_eq!(RequirementLevel::parse(None), RequirementLevel::Optional);
    assert_eq!(
        RequirementLevel::parse(Some("MANDATORY_LATER")),
        RequirementLevel::Other("MANDATORY_LATER".into())
    );
}

mod props {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn hash_is_stable_under_reordering(
            pairs in proptest::collection::btree_map("[a-z-]{1,8}", "[ -~]{0,12}", 1..12),
            seed in any::<u64>(),
        ) {
            let mut v: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            let h = products::hash_columns(v.iter().copied());
            // Deterministic shuffle.
            let mut s = seed;
            for i in (1..v.len()).rev() {
                s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                v.swap(i, (s >> 33) as usize % (i + 1));
            }
            prop_assert_eq!(products::hash_columns(v.iter().copied()), h);
            // Any change of one value changes the hash.
            let (k0, v0) = v[0];
            let changed = format!("{v0}!");
            let mut w = v.clone();
            w[0] = (k0, changed.as_str());
            prop_assert_ne!(products::hash_columns(w.iter().copied()), h);
        }

        #[test]
        fn preparation_is_deterministic(order in Just(vec![0usize, 1, 2]).prop_shuffle(), cats_rev in any::<bool>()) {
            let all = [dress(), knives(), Product { id: ProductId(3), sku: Some("X".into()), ..dress() }];
            let expected = prepare(all.to_vec());
            let mut src = source(order.iter().map(|i| all[*i].clone()).collect());
            if cats_rev {
                src.categories.reverse();
            }
            let got = products::prepare(&src, &operator(), &rules(), &SelectionRules::default());
            prop_assert_eq!(&got, &expected);
            let h1: Vec<_> = got.rows.iter().map(|r| r.content_hash()).collect();
            let h2: Vec<_> = expected.rows.iter().map(|r| r.content_hash()).collect();
            prop_assert_eq!(h1, h2);
        }

        #[test]
        fn list_values_match_any_case_and_never_outside_the_list(
            idx in 0usize..4,
            flips in proptest::collection::vec(any::<bool>(), 12),
            junk in "[a-z]{1,6}",
        ) {
            let op = operator();
            let entries = &op.value_lists["sizes"];
            let e = &entries[idx];
            let label = e.labels[0].clone();
            let mixed: String = label
                .chars()
                .zip(flips.iter().cycle())
                .map(|(c, f)| if *f { c.to_ascii_uppercase() } else { c.to_ascii_lowercase() })
                .collect();
            prop_assert_eq!(op.match_value("sizes", &mixed, true), Some(e.code.as_str()));
            if let Some(code) = op.match_value("sizes", &junk, true) {
                prop_assert!(entries.iter().any(|x| x.code == code));
            }
        }

        #[test]
        fn only_new_or_changed_rows_are_sent(names in proptest::collection::vec("[A-Za-z ]{1,20}", 1..6), pick in any::<prop::sample::Index>()) {
            let products: Vec<Product> = names
                .iter()
                .enumerate()
                .map(|(i, n)| Product {
                    id: ProductId(i as u64 + 10),
                    sku: Some(format!("K{i}")),
                    name: n.clone(),
                    ..knives()
                })
                .collect();
            let batch = prepare(products.clone());
            let mut last = BTreeMap::new();
            products::record_sent(&mut last, &batch.rows, &[]);
            prop_assert!(products::changed_rows(&prepare(products.clone()).rows, &last).is_empty());
            let i = pick.index(products.len());
            let mut edited = products;
            edited[i].name.push_str(" v2");
            let again = prepare(edited);
            let sent: Vec<String> = products::changed_rows(&again.rows, &last).iter().map(|r| r.sku.to_string()).collect();
            prop_assert_eq!(sent, vec![format!("K{i}")]);
        }

        #[test]
        fn every_item_is_either_a_valid_row_or_rejected(
            specs in proptest::collection::vec(
                (
                    "[A-Za-z ]{0,6}",
                    proptest::sample::select(vec![12u64, 13, 31, 40, 99]),
                    proptest::sample::select(vec!["Black", "noir", "Teal", "jet", ""]),
                    proptest::sample::select(vec!["S", "large", "XXL", ""]),
                    any::<bool>(),
                ),
                1..8,
            ),
        ) {
            let products: Vec<Product> = specs
                .iter()
                .enumerate()
                .map(|(i, (name, cat, colour, size, has_image))| {
                    let id = i as u64 + 1;
                    let mut options = Vec::new();
                    if !colour.is_empty() {
                        options.push(opt("Colour", colour));
                    }
                    if !size.is_empty() {
                        options.push(opt("Size", size));
                    }
                    Product {
                        id: ProductId(id),
                        name: name.clone(),
                        sku: Some(format!("P{id}")),
                        categories: vec![*cat],
                        is_visible: true,
                        images: if *has_image { knives().images } else { vec![] },
                        variants: vec![variant(id * 10, id, &format!("P{id}-V"), options)],
                        ..Product::default()
                    }
                })
                .collect();
            let op = operator();
            let r = rules();
            let batch = products::prepare(&source(products.clone()), &op, &r, &SelectionRules::default());
            let blocked: std::collections::BTreeSet<CatalogRef> =
                batch.rejected().map(|p| p.source).collect();
            for row in &batch.rows {
                prop_assert!(!blocked.contains(&row.source));
                prop_assert!(products::validate(row, &op, &r).iter().all(|p| !p.is_blocking()));
                let applicable = op.attributes_for(&row.category);
                for code in ["colour", "size"] {
                    if let Some(v) = row.values.get(code).filter(|_| applicable.contains_key(code)) {
                        let list = if code == "colour" { "colours" } else { "sizes" };
                        prop_assert!(op.value_lists[list].iter().any(|e| &e.code == v));
                    }
                }
            }
            // Every variant is accounted for, exactly once.
            prop_assert_eq!(batch.rows.len() + blocked.len(), products.len());
        }

        #[test]
        fn weight_conversion_round_trips(grams in 1u32..1_000_000) {
            let g = rust_decimal::Decimal::from(grams);
            let lb = products::units::convert(g, Unit::G, Unit::Lb, 12).unwrap();
            let back = products::units::convert(lb, Unit::Lb, Unit::G, 3).unwrap();
            prop_assert!((back - g).abs() <= rust_decimal::Decimal::new(1, 3), "{} -> {} -> {}", g, lb, back);
        }
    }
}

#[test]
fn role_columns_gtin_check_and_disabled_attributes() {
    let op = operator_from(
        r#"{"hierarchies":[{"code":"9010","label":"General"}]}"#,
        r#"{"attributes":[
            {"code":"sku","type":"TEXT","requirement_level":"REQUIRED","roles":[{"type":"SHOP_SKU","parameters":[]}]},
            {"code":"cat","type":"TEXT","requirement_level":"REQUIRED","roles":[{"type":"CATEGORY","parameters":[]}]},
            {"code":"parent","type":"TEXT","roles":[{"type":"VARIANT_GROUP_CODE","parameters":[]}]},
            {"code":"ean","type":"TEXT","requirement_level":"RECOMMENDED","roles":[{"type":"UNIQUE_IDENTIFIER","parameters":[]}]},
            {"code":"legacy-code","type":"TEXT","requirement_level":"DISABLED"},
            {"code":"launch","type":"DATE"}]}"#,
        r#"{"values_lists":[]}"#,
    );
    assert_eq!(op.role_column(products::ROLE_SHOP_SKU), Some("sku"));
    assert_eq!(op.role_column("TITLE"), None);
    let base = ProductRules {
        default_category: Some("9010".into()),
        attributes: vec![
            AttributeRule::new("ean", FieldSource::Gtin),
            AttributeRule::new("legacy-code", FieldSource::Mpn),
            AttributeRule::new("launch", FieldSource::CustomField("Launch".into())),
        ],
        ..ProductRules::default()
    };
    let r = base.with_role_columns(&op);
    assert_eq!(r.key_columns(), ["sku", "cat", "parent"]);
    let item = |id: u64, gtin: &str, launch: &str| Product {
        id: ProductId(id),
        sku: Some(format!("G{id}")),
        gtin: Some(gtin.into()),
        mpn: Some("M-1".into()),
        is_visible: true,
        custom_fields: vec![CustomField::new("Launch", launch)],
        ..Product::default()
    };
    let batch = products::prepare(
        &ProductSource {
            products: vec![
                item(1, "9300000000002", "2026-03-01"),
                item(2, "9300000000005", "2026-03-01"),
                item(3, "036000291452", "2026-03-01T00:00:00Z"),
            ],
            ..ProductSource::default()
        },
        &op,
        &r,
        &SelectionRules::default(),
    );
    let skus: Vec<&str> = batch.rows.iter().map(|r| r.sku.as_str()).collect();
    assert_eq!(skus, ["G1"]);
    assert_eq!(batch.rows[0].values["sku"], "G1");
    assert_eq!(batch.rows[0].values["cat"], "9010");
    assert_eq!(
        reasons_for(&batch.problems, "G1"),
        vec![(
            Some("legacy-code"),
            &ProductProblemReason::DisabledAttribute
        )]
    );
    assert!(reasons_for(&batch.problems, "G2").contains(&(
        Some("ean"),
        &ProductProblemReason::InvalidGtin {
            value: "9300000000005".into()
        }
    )));
    // UPC-A 036000291452 is valid; the date must be YYYY-MM-DD.
    assert_eq!(
        reasons_for(&batch.problems, "G3")
            .into_iter()
            .filter(|(_, r)| **r != ProductProblemReason::DisabledAttribute)
            .collect::<Vec<_>>(),
        vec![(
            Some("launch"),
            &ProductProblemReason::InvalidType {
                value: "2026-03-01T00:00:00Z".into(),
                expected: AttributeType::Date
            }
        )]
    );
    assert!(products::is_gtin("96385074")); // GTIN-8
    assert!(products::is_gtin("10012345678902")); // GTIN-14
    assert!(!products::is_gtin("9300000000001a"));
    assert!(!products::is_gtin("12345"));
}

#[test]
fn ten_thousand_variants_map_and_validate() {
    let colours = ["Black", "White", "Navy blue", "Noir", "jet"];
    let products: Vec<Product> = (0..2_000u64)
        .map(|i| {
            let mut p = dress();
            p.id = ProductId(1_000 + i);
            p.sku = Some(format!("D{i}"));
            p.variants = colours
                .iter()
                .enumerate()
                .map(|(j, c)| {
                    variant(
                        10_000 + i * 10 + j as u64,
                        1_000 + i,
                        &format!("D{i}-{j}"),
                        vec![opt("Colour", c), opt("Size", "L")],
                    )
                })
                .collect();
            p
        })
        .collect();
    let batch = prepare(products);
    assert_eq!(batch.rows.len(), 10_000);
    assert_eq!(batch.rejected().count(), 0);
    let colours: BTreeMap<&str, usize> = batch.rows.iter().fold(BTreeMap::new(), |mut m, r| {
        *m.entry(r.values["colour"].as_str()).or_default() += 1;
        m
    });
    assert_eq!(
        colours,
        BTreeMap::from([("BLACK", 6_000), ("NAVY", 2_000), ("WHITE", 2_000)])
    );
    let mut last = BTreeMap::new();
    products::record_sent(&mut last, &batch.rows, &[]);
    assert!(products::changed_rows(&batch.rows, &last).is_empty());
}

/// BigCommerce side from the spec examples extracted in `bigcommerce-api/tests/fixtures/`
/// (`v3_product_get.json`, `v3_variants_list.json`, `v3_categories_list.json`,
/// `v3_brands_list.json`, from `specs/bigcommerce/`).
#[test]
fn bigcommerce_spec_examples_map_to_rows() {
    #[derive(serde::Deserialize)]
    struct Data<T> {
        data: T,
    }
    let fixture = |name: &str| -> String {
        let path = format!(
            "{}/../bigcommerce-api/tests/fixtures/{name}",
            env!("CARGO_MANIFEST_DIR")
        );
        std::fs::read_to_string(path).unwrap()
    };
    let mut product: Product =
        serde_json::from_str::<Data<Product>>(&fixture("v3_product_get.json"))
            .unwrap()
            .data;
    product.variants =
        serde_json::from_str::<Data<Vec<Variant>>>(&fixture("v3_variants_list.json"))
            .unwrap()
            .data;
    let source = ProductSource {
        products: vec![product],
        categories: serde_json::from_str::<Data<Vec<Category>>>(&fixture(
            "v3_categories_list.json",
        ))
        .unwrap()
        .data,
        brands: serde_json::from_str::<Data<Vec<Brand>>>(&fixture("v3_brands_list.json"))
            .unwrap()
            .data,
    };
    let op = operator_from(
        r#"{"hierarchies":[{"code":"2010","label":"Kitchen"}]}"#,
        r#"{"attributes":[
            {"code":"title","type":"TEXT","requirement_level":"REQUIRED"},
            {"code":"brand","type":"TEXT","requirement_level":"REQUIRED"},
            {"code":"colour","type":"LIST","type_parameter":"colours","requirement_level":"REQUIRED"}]}"#,
        r#"{"values_lists":[{"code":"colours","values":[
            {"code":"BEIGE","label":"Beige"},{"code":"GREY","label":"Grey"}]}]}"#,
    );
    let r: ProductRules = toml::from_str(
        r#"
        [[categories]]
        path = "Kitchen"
        mirakl = "2010"
        [[attributes]]
        code = "title"
        from = "name"
        [[attributes]]
        code = "brand"
        from = "brand"
        [[attributes]]
        code = "colour"
        from = { option = "Color" }
        "#,
    )
    .unwrap();
    let batch = products::prepare(&source, &op, &r, &SelectionRules::default());
    let got: Vec<(&str, &str, &str, Option<&str>)> = batch
        .rows
        .iter()
        .map(|r| {
            (
                r.sku.as_str(),
                r.values["colour"].as_str(),
                r.values["brand"].as_str(),
                r.variant_group.as_deref(),
            )
        })
        .collect();
    // The product has no SKU: the group falls back to its id.
    assert_eq!(
        got,
        [
            ("SMIT", "BEIGE", "OFS", Some("bc-174")),
            ("SMIT-1", "GREY", "OFS", Some("bc-174")),
        ]
    );
    assert_eq!(batch.rows[0].values["title"], "1L Le Parfait Jar");
    assert_eq!(
        reasons_for(&batch.problems, "SMIT-2"),
        vec![(
            Some("colour"),
            &ProductProblemReason::NotInList {
                value: "Black".into(),
                list: "colours".into()
            }
        )]
    );
}

#[test]
fn sync_rules_carry_a_products_section() {
    let rules: sync_core::rules::SyncRules = toml::from_str(
        r#"
[stock]
buffer_units = 1

[products]
sku_column = "sku-column-x"
"#,
    )
    .unwrap();
    assert_eq!(rules.products.sku_column, "sku-column-x");
    assert_eq!(rules.stock.buffer_units, 1);
    let defaults = sync_core::rules::SyncRules::default();
    assert_eq!(
        defaults.products,
        sync_core::products::ProductRules::default()
    );
}
