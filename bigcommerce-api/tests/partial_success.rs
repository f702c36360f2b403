//! 207 Multi-Status: the saved data comes back together with the failures, never silently.
//!
//! Shapes from `products_catalog.v3.yml` (responses `207`: `{data, errors: errorMultiStatus,
//! meta}`) and `product-variants_catalog.v3.yml`.

mod common;

use bigcommerce_api::catalog::{ProductId, ProductUpdate, VariantId, VariantUpdate};
use bigcommerce_api::{Error, Written};
use common::*;
use serde_json::json;
use wiremock::matchers::{body_partial_json, method, path};
use wiremock::{Mock, ResponseTemplate};

fn inventory_failed() -> serde_json::Value {
    json!({
        "status": 207,
        "title": "Inventory update failed",
        "type": "https://developer.bigcommerce.com/api-docs/getting-started/api-status-codes",
        "errors": {"inventory_level": "Negative stock levels are not allowed"}
    })
}

#[tokio::test]
async fn single_update_207_surfaces_the_errors_block() {
    let server = server().await;
    let mut body = fixture("v3_product_get.json");
    body["errors"] = inventory_failed();
    Mock::given(method("PUT"))
        .and(path(p("v3/catalog/products/174")))
        .respond_with(json(207, body))
        .expect(2)
        .mount(&server)
        .await;
    let c = client(&server);
    let u = ProductUpdate {
        inventory_level: Some(-1),
        ..Default::default()
    };
    let w = c
        .products()
        .update_reporting(ProductId(174), &u)
        .await
        .unwrap();
    assert!(w.is_partial());
    assert_eq!(w.status, 207);
    assert_eq!(w.data.id, ProductId(174));
    assert_eq!(w.failures.len(), 1);
    assert_eq!(w.failures[0].first_item, 0);
    assert_eq!(
        w.failures[0].error.title.as_deref(),
        Some("Inventory update failed")
    );
    assert_eq!(
        w.failures[0].error.errors["inventory_level"],
        "Negative stock levels are not allowed"
    );
    // Callers that need all-or-nothing get a typed error naming what failed.
    let err = c
        .products()
        .update_reporting(ProductId(174), &u)
        .await
        .unwrap()
        .into_complete()
        .unwrap_err();
    match &err {
        Error::PartialSuccess { status, failures } => {
            assert_eq!(*status, 207);
            assert_eq!(failures.len(), 1);
        }
        other => panic!("{other:?}"),
    }
    let text = err.to_string();
    assert!(text.contains("Inventory update failed"), "{text}");
    assert!(text.contains("Negative stock levels"), "{text}");
}

#[tokio::test]
async fn full_success_is_not_partial() {
    let server = server().await;
    Mock::given(method("POST"))
        .and(path(p("v3/catalog/products")))
        .respond_with(json(200, fixture("v3_product_get.json")))
        .expect(1)
        .mount(&server)
        .await;
    let np: bigcommerce_api::catalog::NewProduct = serde_json::from_value(json!({
        "name": "Smith Journal 13", "type": "physical", "weight": 1, "price": 10
    }))
    .unwrap();
    let w = client(&server)
        .products()
        .create_reporting(&np)
        .await
        .unwrap();
    assert!(!w.is_partial());
    assert!(w.failures.is_empty());
    assert_eq!(w.status, 200);
    assert_eq!(w.clone().into_complete().unwrap().id, ProductId(174));
}

#[tokio::test]
async fn variant_batch_207_names_the_chunk() {
    let server = server().await;
    let variant = fixture("v3_variant_get.json")["data"].clone();
    // First chunk (50 variants) saved fully, second chunk (10) partly.
    Mock::given(method("PUT"))
        .and(path(p("v3/catalog/variants")))
        .and(body_partial_json(json!([{"id": 1}])))
        .respond_with(json(200, json!({"data": [variant.clone()], "meta": {}})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path(p("v3/catalog/variants")))
        .and(body_partial_json(json!([{"id": 51}])))
        .respond_with(json(
            207,
            json!({
                "data": [variant],
                "errors": [{"status": 207, "title": "URL save failed", "errors": {"3.price": "bad"}}],
                "meta": {}
            }),
        ))
        .expect(1)
        .mount(&server)
        .await;
    let updates: Vec<VariantUpdate> = (1..=60)
        .map(|i| VariantUpdate {
            id: Some(VariantId(i)),
            inventory_level: Some(5),
            ..Default::default()
        })
        .collect();
    let w = client(&server)
        .variants()
        .update_batch_reporting(&updates)
        .await
        .unwrap();
    assert_eq!(w.data.len(), 2);
    assert_eq!(w.status, 207);
    assert!(w.is_partial());
    assert_eq!(w.failures.len(), 1);
    assert_eq!(w.failures[0].first_item, 50);
    assert_eq!(
        w.failures[0].error.title.as_deref(),
        Some("URL save failed")
    );
}

#[tokio::test]
async fn empty_or_null_errors_block_is_no_failure() {
    let server = server().await;
    let mut body = fixture("v3_product_get.json");
    body["errors"] = json!(null);
    Mock::given(method("PUT"))
        .and(path(p("v3/catalog/products/174")))
        .respond_with(json(200, body))
        .expect(1)
        .mount(&server)
        .await;
    let mut body = fixture("v3_product_get.json");
    body["errors"] = json!({});
    Mock::given(method("PUT"))
        .and(path(p("v3/catalog/products/175")))
        .respond_with(json(200, body))
        .expect(1)
        .mount(&server)
        .await;
    let c = client(&server);
    let u = ProductUpdate::default();
    let a: Written<_> = c
        .products()
        .update_reporting(ProductId(174), &u)
        .await
        .unwrap();
    let b = c
        .products()
        .update_reporting(ProductId(175), &u)
        .await
        .unwrap();
    assert!(!a.is_partial() && a.failures.is_empty());
    assert!(!b.is_partial() && b.failures.is_empty());
}

#[tokio::test]
async fn plain_update_still_returns_the_data_of_a_207() {
    let server = server().await;
    let mut body = fixture("v3_product_get.json");
    body["errors"] = inventory_failed();
    Mock::given(method("PUT"))
        .and(path(p("v3/catalog/products/174")))
        .respond_with(ResponseTemplate::new(207).set_body_json(body))
        .expect(1)
        .mount(&server)
        .await;
    let p174 = client(&server)
        .products()
        .update(ProductId(174), &ProductUpdate::default())
        .await
        .unwrap();
    assert_eq!(p174.id, ProductId(174));
}
