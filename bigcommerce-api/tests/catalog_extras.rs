//! Catalog extras against wiremock (a catch-all fails on anything else), with the spec's
//! examples decoded. Fixtures in `tests/fixtures/catalog/`, from
//! `../shared/specs/bigcommerce/bigcommerce-docs/reference/catalog/`:
//! * `images.json`, `bulk_pricing_rules.json`, `bulk_pricing_rule_create_resp.json`:
//!   `products_catalog.v3.yml`, 200 examples of `GET .../images`, `GET` and `POST
//!   .../bulk-pricing-rules`;
//! * `option_values.json`, `option_value_create_resp.json`:
//!   `product-variant-options_catalog.v3.yml`, 200 examples of `GET` and `POST
//!   .../options/{option_id}/values`;
//! * `modifiers.json`: `product-modifiers_catalog.v3.yml`, 200 example of `GET .../modifiers`;
//! * `trees.json`, `tree_categories_nested.json`, `tree_categories.json`:
//!   `category-trees_catalog.v3.yml`, 200 examples of `GET /catalog/trees`,
//!   `GET /catalog/trees/{tree_id}/categories` and `GET /catalog/trees/categories`.

mod common;

use bigcommerce_api::Error;
use bigcommerce_api::catalog::{
    BulkPricingRule, BulkPricingRuleId, BulkPricingRuleWrite, BulkPricingType, CategoryId,
    CategoryNode, CategoryTree, CategoryTreeId, CustomField, CustomFieldId, ImageId, OptionId,
    OptionValueWrite, ProductId, ProductImage, ProductImageWrite, ProductOption,
    ProductOptionValue, TreeCategory,
};
use bigcommerce_api::channels::ChannelId;
use bigcommerce_api::page::Envelope;
use common::*;
use rust_decimal::Decimal;
use serde::de::DeserializeOwned;
use serde_json::json;
use std::str::FromStr;
use wiremock::matchers::{body_json, header, method, path, query_param, query_param_is_missing};
use wiremock::{Mock, ResponseTemplate};

fn ex(name: &str) -> serde_json::Value {
    fixture(&format!("catalog/{name}.json"))
}

fn decode<T: DeserializeOwned>(name: &str) -> T {
    serde_json::from_value(ex(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn dec(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

#[test]
fn examples_decode() {
    let e: Envelope<Vec<ProductImage>> = decode("images");
    assert_eq!(e.data[0].id, Some(382));
    assert!(e.data[0].is_thumbnail);
    assert_eq!(
        e.data[0].date_modified.unwrap().unix_timestamp(),
        1_534_344_511
    );
    assert!(e.data[0].image_file.is_some());

    // The spec's GET example shows `data` as one object; the handler accepts both.
    let e: Envelope<BulkPricingRule> = decode("bulk_pricing_rules");
    assert_eq!(e.data.rule_type, Some(BulkPricingType::Price));
    assert_eq!((e.data.quantity_min, e.data.quantity_max), (1, 3));
    let e: Envelope<BulkPricingRule> = decode("bulk_pricing_rule_create_resp");
    assert_eq!(e.data.id, Some(BulkPricingRuleId(83)));

    let e: Envelope<Vec<ProductOptionValue>> = decode("option_values");
    assert_eq!(e.data.len(), 4);
    assert_eq!(e.data[0].value_data["colors"][0], "#FAFAEB");
    let e: Envelope<ProductOptionValue> = decode("option_value_create_resp");
    assert!(!e.data.label.is_empty());

    let e: Envelope<Vec<ProductOption>> = decode("modifiers");
    let m = &e.data[0];
    assert_eq!(m.option_type.as_deref(), Some("checkbox"));
    assert_eq!(m.required, Some(true));
    assert_eq!(m.option_values[1].option_id, Some(OptionId(206)));
    assert!(m.option_values[1].is_default);
    assert_eq!(
        m.option_values[0].adjusters["purchasing_disabled"]["status"],
        false
    );

    let e: Envelope<Vec<CategoryTree>> = decode("trees");
    assert_eq!(e.data[0].channels, [0]);
    // The spec's example lists children as strings: they are skipped, not an error.
    let e: Envelope<Vec<CategoryNode>> = decode("tree_categories_nested");
    assert_eq!(e.data[0].url.as_deref(), Some("/bath/"));
    assert!(e.data[0].children.is_empty());
    let e: Envelope<Vec<TreeCategory>> = decode("tree_categories");
    assert_eq!(e.data[0].category_id, CategoryId(12));
    assert_eq!(e.data[0].tree_id, Some(CategoryTreeId(1)));
}

#[test]
fn nested_tree_children_decode() {
    let v = json!([{"id": 1, "parent_id": 0, "depth": 1, "path": [1], "name": "Bath",
        "is_visible": true, "url": "/bath/", "children": [{"id": 2, "parent_id": 1,
        "depth": 2, "path": [1, 2], "name": "Towels", "is_visible": true, "children": [],
        "new_field": "x"}]}]);
    let nodes: Vec<CategoryNode> = serde_json::from_value(v).unwrap();
    assert_eq!(nodes[0].children[0].id, CategoryId(2));
    assert_eq!(nodes[0].children[0].path, [1, 2]);
}

#[test]
fn bulk_pricing_amounts_are_sent_as_the_spec_asks() {
    // products_catalog.v3.yml, bulkPricingRule_Full.amount: "Send a number" for price and
    // fixed; a percentage divided by 100, in a string (10 % is ".10").
    let r = BulkPricingRuleWrite::new(BulkPricingType::Price, 1, 3, dec("1.05"));
    assert_eq!(
        serde_json::to_string(&r).unwrap(),
        r#"{"quantity_min":1,"quantity_max":3,"type":"price","amount":1.05}"#
    );
    let r = BulkPricingRuleWrite::new(BulkPricingType::Percent, 5, 0, dec("10"));
    let v = serde_json::to_value(&r).unwrap();
    assert_eq!(v["amount"], "0.1");
    let r = BulkPricingRuleWrite::new(BulkPricingType::Percent, 5, 0, dec("12.5"));
    assert_eq!(serde_json::to_value(&r).unwrap()["amount"], "0.125");
    let r = BulkPricingRuleWrite::new(BulkPricingType::Fixed, 2, 10, dec("1234567.8901"));
    assert!(
        serde_json::to_string(&r)
            .unwrap()
            .contains(r#""amount":1234567.8901"#)
    );
    let t: BulkPricingType = serde_json::from_str(r#""tiered""#).unwrap();
    assert_eq!(t, BulkPricingType::Other("tiered".into()));
}

#[tokio::test]
async fn images_and_custom_fields() {
    let server = server().await;
    let base = "v3/catalog/products/158";
    Mock::given(method("GET"))
        .and(path(p(&format!("{base}/images"))))
        .and(header("x-auth-token", TOKEN))
        .and(query_param("page", "1"))
        .respond_with(json(200, ex("images")))
        .expect(1)
        .mount(&server)
        .await;
    let one = json!({"data": ex("images")["data"][0].clone(), "meta": {}});
    Mock::given(method("POST"))
        .and(path(p(&format!("{base}/images"))))
        .and(header("content-type", "application/json"))
        .and(body_json(
            json!({"image_url": "https://cdn.example.com/a.jpg", "is_thumbnail": true}),
        ))
        .respond_with(json(200, one.clone()))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path(p(&format!("{base}/images/382"))))
        .and(body_json(json!({"sort_order": 2})))
        .respond_with(json(200, one))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path(p(&format!("{base}/images/382"))))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    let field = json!({"data": {"id": 9, "name": "ISBN", "value": "1234567890123"}, "meta": {}});
    Mock::given(method("GET"))
        .and(path(p(&format!("{base}/custom-fields"))))
        .respond_with(json(
            200,
            json!({"data": [field["data"].clone()], "meta": {}}),
        ))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(p(&format!("{base}/custom-fields"))))
        .and(body_json(json!({"name": "ISBN", "value": "1234567890123"})))
        .respond_with(json(200, field.clone()))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path(p(&format!("{base}/custom-fields/9"))))
        .and(body_json(json!({"name": "ISBN", "value": "1234567890123"})))
        .respond_with(json(200, field))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path(p(&format!("{base}/custom-fields/9"))))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    let pr = client(&server).products();
    let pid = ProductId(158);
    assert_eq!(pr.images(pid).page(1).send().await.unwrap().items.len(), 2);
    let mut img = ProductImageWrite::from_url("https://cdn.example.com/a.jpg");
    img.is_thumbnail = Some(true);
    pr.add_image(pid, &img).await.unwrap();
    let err = pr
        .add_image(pid, &ProductImageWrite::default())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidInput(_)), "{err:?}");
    let mut upd = ProductImageWrite::default();
    upd.sort_order = Some(2);
    pr.update_image(pid, ImageId(382), &upd).await.unwrap();
    pr.delete_image(pid, ImageId(382)).await.unwrap();

    let fields = pr.custom_fields(pid).all().await.unwrap();
    let created = pr.create_custom_field(pid, &fields[0]).await.unwrap();
    assert_eq!(created.id, Some(9));
    pr.update_custom_field(
        pid,
        CustomFieldId(9),
        &CustomField::new("ISBN", "1234567890123"),
    )
    .await
    .unwrap();
    pr.delete_custom_field(pid, CustomFieldId(9)).await.unwrap();
}

#[tokio::test]
async fn bulk_pricing_rules_options_and_modifiers() {
    let server = server().await;
    let base = "v3/catalog/products/158";
    Mock::given(method("GET"))
        .and(path(p(&format!("{base}/bulk-pricing-rules"))))
        .and(query_param_is_missing("page"))
        .respond_with(json(200, ex("bulk_pricing_rules")))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(p("v3/catalog/products/159/bulk-pricing-rules")))
        .respond_with(json(
            200,
            json!({"data": [ex("bulk_pricing_rules")["data"].clone(),
                {"id": 84, "quantity_min": 4, "quantity_max": 0, "type": "percent", "amount": 10}],
                "meta": {}}),
        ))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(p(&format!("{base}/bulk-pricing-rules"))))
        .and(body_json(
            json!({"quantity_min": 1, "quantity_max": 3, "type": "price", "amount": 1}),
        ))
        .respond_with(json(200, ex("bulk_pricing_rule_create_resp")))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path(p(&format!("{base}/bulk-pricing-rules/83"))))
        .and(body_json(
            json!({"quantity_min": 1, "quantity_max": 3, "type": "percent", "amount": "0.1"}),
        ))
        .respond_with(json(200, ex("bulk_pricing_rule_create_resp")))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path(p(&format!("{base}/bulk-pricing-rules/83"))))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    let options = json!({"data": [{"id": 220, "product_id": 158, "display_name": "Color",
        "type": "swatch", "sort_order": 0, "config": {}, "name": "Color-158",
        "option_values": ex("option_values")["data"].clone()}], "meta": {}});
    Mock::given(method("GET"))
        .and(path(p(&format!("{base}/options"))))
        .respond_with(json(200, options))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(p(&format!("{base}/options/220/values"))))
        .respond_with(json(200, ex("option_values")))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(p(&format!("{base}/options/220/values"))))
        .and(body_json(
            json!({"label": "Teal", "sort_order": 5, "value_data": {"colors": ["#008080"]}}),
        ))
        .respond_with(json(200, ex("option_value_create_resp")))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(p(&format!("{base}/modifiers"))))
        .respond_with(json(200, ex("modifiers")))
        .expect(1)
        .mount(&server)
        .await;
    let pr = client(&server).products();
    let pid = ProductId(158);
    let rules = pr.bulk_pricing_rules(pid).await.unwrap();
    assert_eq!(rules.len(), 1);
    let rules = pr.bulk_pricing_rules(ProductId(159)).await.unwrap();
    assert_eq!(rules[1].amount, Some(dec("10")));
    let price = BulkPricingRuleWrite::new(BulkPricingType::Price, 1, 3, dec("1"));
    assert_eq!(
        pr.create_bulk_pricing_rule(pid, &price).await.unwrap().id,
        Some(BulkPricingRuleId(83))
    );
    let pct = BulkPricingRuleWrite::new(BulkPricingType::Percent, 1, 3, dec("10"));
    pr.update_bulk_pricing_rule(pid, BulkPricingRuleId(83), &pct)
        .await
        .unwrap();
    pr.delete_bulk_pricing_rule(pid, BulkPricingRuleId(83))
        .await
        .unwrap();

    let opts = pr.options(pid).all().await.unwrap();
    assert_eq!(opts[0].option_values.len(), 4);
    let values = pr.option_values(pid, OptionId(220)).all().await.unwrap();
    assert_eq!(values[3].label, "Black-Walnut");
    let mut teal = OptionValueWrite::new("Teal", 5);
    teal.value_data = Some(json!({"colors": ["#008080"]}));
    pr.create_option_value(pid, OptionId(220), &teal)
        .await
        .unwrap();
    let mods = pr.modifiers(pid).all().await.unwrap();
    assert_eq!(mods[0].name.as_deref(), Some("Insurance"));
}

#[tokio::test]
async fn category_trees() {
    let server = server().await;
    let mut trees = ex("trees");
    trees["meta"] = json!({});
    Mock::given(method("GET"))
        .and(path(p("v3/catalog/trees")))
        .and(query_param("channel_id:in", "1,2"))
        .and(query_param_is_missing("page"))
        .and(query_param_is_missing("limit"))
        .respond_with(json(200, trees))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(p("v3/catalog/trees/1/categories")))
        .and(query_param("depth", "2"))
        .respond_with(json(200, ex("tree_categories_nested")))
        .expect(1)
        .mount(&server)
        .await;
    let mut flat = ex("tree_categories");
    flat["meta"]["pagination"]["total_pages"] = json!(1);
    flat["meta"]["pagination"]["current_page"] = json!(1);
    Mock::given(method("GET"))
        .and(path(p("v3/catalog/trees/categories")))
        .and(query_param("tree_id:in", "1"))
        .and(query_param("is_visible", "true"))
        .respond_with(json(200, flat))
        .expect(1)
        .mount(&server)
        .await;
    let c = client(&server).categories();
    let t = c
        .trees()
        .channel_ids([ChannelId(1), ChannelId(2)])
        .all()
        .await
        .unwrap();
    assert_eq!(t.len(), 1);
    let nodes = c.tree(CategoryTreeId(1), Some(2)).await.unwrap();
    assert_eq!(nodes[0].name, "string");
    let cats = c
        .tree_categories()
        .tree_ids([CategoryTreeId(1)])
        .is_visible(true)
        .all()
        .await
        .unwrap();
    assert_eq!(cats[0].name, "Bath");
}
