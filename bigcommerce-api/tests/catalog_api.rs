//! Catalog, inventory and price-list endpoints against wiremock. Fixtures come from
//! `../shared/specs/bigcommerce/bigcommerce-docs/reference/catalog/*.yml`,
//! `inventory.v3.yml` and `price_lists.v3.yml` (see tests/models.rs for the exact examples).

mod common;

use bigcommerce_api::catalog::{
    NewProduct, ProductId, ProductInclude, ProductUpdate, VariantId, VariantUpdate,
};
use bigcommerce_api::inventory::{Adjustment, LocationId};
use bigcommerce_api::pricelists::{PriceListId, PriceListRecordUpsert};
use common::*;
use futures::TryStreamExt;
use rust_decimal::Decimal;
use serde_json::json;
use wiremock::matchers::{body_json, header, method, path, query_param, query_param_is_missing};
use wiremock::{Mock, ResponseTemplate};

fn product(id: u64, sku: &str) -> serde_json::Value {
    let mut p = fixture("v3_product_get.json")["data"].clone();
    p["id"] = json!(id);
    p["sku"] = json!(sku);
    p
}

fn list(items: Vec<serde_json::Value>, page: u64, pages: u64) -> serde_json::Value {
    json!({"data": items, "meta": {"pagination": {"total": 9, "count": 1, "per_page": 1,
        "current_page": page, "total_pages": pages, "links": {"current": format!("?page={page}")}}}})
}

// products_catalog.v3.yml GET /catalog/products: filters, include, auth headers.
#[tokio::test]
async fn products_list_sends_filters_and_headers() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path(p("v3/catalog/products")))
        .and(query_param("date_modified:min", "2024-03-29T18:42:57Z"))
        .and(query_param("include", "variants,images"))
        .and(query_param("id:in", "1,2"))
        .and(header("x-auth-token", TOKEN))
        .and(header("accept", "application/json"))
        .respond_with(json(200, list(vec![product(1, "A-1")], 1, 1)))
        .expect(1)
        .mount(&server)
        .await;
    let since = time::macros::datetime!(2024-03-29 18:42:57 UTC);
    let page = client(&server)
        .products()
        .list()
        .date_modified_min(since)
        .include_variants()
        .include(ProductInclude::Images)
        .include_variants()
        .ids([ProductId(1), ProductId(2)])
        .send()
        .await
        .unwrap();
    assert_eq!(page.items.len(), 1);
    assert_eq!(page.items[0].sku.as_deref(), Some("A-1"));
    assert!(page.is_last());
}

#[tokio::test]
async fn products_get_and_get_opt() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path(p("v3/catalog/products/174")))
        .and(query_param("include", "variants"))
        .respond_with(json(200, fixture("v3_product_get.json")))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(p("v3/catalog/products/9")))
        .respond_with(json(
            404,
            json!({"status":404,"title":"The requested product was not found.","type":"https://developer.bigcommerce.com/api-docs/getting-started/api-status-codes","errors":{}}),
        ))
        .expect(1)
        .mount(&server)
        .await;
    let c = client(&server);
    let p174 = c
        .products()
        .get(ProductId(174), &[ProductInclude::Variants])
        .await
        .unwrap();
    assert_eq!(p174.name, "1L Le Parfait Jar");
    assert!(
        c.products()
            .get_opt(ProductId(9), &[])
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn products_create_update_delete() {
    let server = server().await;
    Mock::given(method("POST"))
        .and(path(p("v3/catalog/products")))
        .and(header("content-type", "application/json"))
        .and(body_json(
            json!({"name":"Jar","type":"physical","weight":1,"price":7.95,"sku":"J-1"}),
        ))
        .respond_with(json(200, fixture("v3_product_get.json")))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path(p("v3/catalog/products/174")))
        .and(body_json(json!({"price":8.5,"inventory_level":3})))
        .respond_with(json(200, fixture("v3_product_get.json")))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path(p("v3/catalog/products/174")))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    let c = client(&server);
    let mut np = NewProduct::new("Jar", Decimal::ONE, "7.95".parse().unwrap());
    np.sku = Some("J-1".into());
    assert_eq!(c.products().create(&np).await.unwrap().id, ProductId(174));
    let mut u = ProductUpdate::for_id(ProductId(174));
    u.price = Some("8.5".parse().unwrap());
    u.inventory_level = Some(3);
    c.products().update(ProductId(174), &u).await.unwrap();
    c.products().delete(ProductId(174)).await.unwrap();
}

// Batch update is chunked to 10 products per request (products_catalog.v3.yml l.147).
#[tokio::test]
async fn products_batch_update_is_chunked_by_10() {
    let server = server().await;
    Mock::given(method("PUT"))
        .and(path(p("v3/catalog/products")))
        .respond_with(json(200, json!({"data": [product(1, "X")], "meta": {}})))
        .expect(3)
        .mount(&server)
        .await;
    let updates: Vec<_> = (1..=23)
        .map(|i| {
            let mut u = ProductUpdate::for_id(ProductId(i));
            u.inventory_level = Some(i as i64);
            u
        })
        .collect();
    let c = client(&server);
    let out = c.products().update_batch(&updates).await.unwrap();
    assert_eq!(out.len(), 3);
    let sizes: Vec<usize> = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(|r| {
            serde_json::from_slice::<Vec<serde_json::Value>>(&r.body)
                .unwrap()
                .len()
        })
        .collect();
    assert_eq!(sizes, vec![10, 10, 3]);
    // An update without id is refused before anything is sent.
    let err = c
        .products()
        .update_batch(&[ProductUpdate::default()])
        .await
        .unwrap_err();
    assert!(
        matches!(err, bigcommerce_api::Error::InvalidInput(_)),
        "{err}"
    );
}

// v3 pagination: the stream follows meta.pagination until the last page.
#[tokio::test]
async fn v3_stream_walks_pages() {
    let server = server().await;
    for pg in 1..=3u64 {
        Mock::given(method("GET"))
            .and(path(p("v3/catalog/products")))
            .and(query_param("page", pg.to_string()))
            .and(query_param("limit", "1"))
            .respond_with(json(200, list(vec![product(pg, &format!("S{pg}"))], pg, 3)))
            .expect(1)
            .mount(&server)
            .await;
    }
    let skus: Vec<String> = client(&server)
        .products()
        .list()
        .limit(1)
        .stream()
        .map_ok(|p| p.sku.unwrap())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(skus, ["S1", "S2", "S3"]);
}

// product-variants_catalog.v3.yml: all-store list by sku, per-product list, update, batch
// of 50.
#[tokio::test]
async fn variants_endpoints() {
    let server = server().await;
    let variants = fixture("v3_variants_list.json");
    Mock::given(method("GET"))
        .and(path(p("v3/catalog/variants")))
        .and(query_param("sku", "SMIT-2"))
        .respond_with(json(200, variants.clone()))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(p("v3/catalog/products/192/variants")))
        .respond_with(json(200, variants.clone()))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path(p("v3/catalog/products/192/variants/384")))
        .and(body_json(json!({"price": 25, "inventory_level": 4})))
        .respond_with(json(200, fixture("v3_variant_get.json")))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path(p("v3/catalog/variants")))
        .respond_with(json(200, json!({"data": [], "meta": {}})))
        .expect(3)
        .mount(&server)
        .await;
    let c = client(&server);
    let page = c.variants().list().sku("SMIT-2").send().await.unwrap();
    assert!(!page.items.is_empty());
    let n = c
        .variants()
        .for_product(ProductId(192))
        .all()
        .await
        .unwrap()
        .len();
    assert_eq!(n, page.items.len());
    let mut u = VariantUpdate::for_id(VariantId(384));
    u.price = Some(Decimal::from(25));
    u.inventory_level = Some(4);
    let v = c
        .variants()
        .update(ProductId(192), VariantId(384), &u)
        .await
        .unwrap();
    assert_eq!(v.id, VariantId(384));
    let batch: Vec<_> = (1..=120)
        .map(|i| {
            let mut u = VariantUpdate::for_id(VariantId(i));
            u.inventory_level = Some(1);
            u
        })
        .collect();
    c.variants().update_batch(&batch).await.unwrap();
    let sizes: Vec<usize> = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.url.path() == p("v3/catalog/variants") && r.method.as_str() == "PUT")
        .map(|r| {
            serde_json::from_slice::<Vec<serde_json::Value>>(&r.body)
                .unwrap()
                .len()
        })
        .collect();
    assert_eq!(sizes, vec![50, 50, 20]);
}

// categories_catalog.v3.yml / brands_catalog.v3.yml list examples.
#[tokio::test]
async fn categories_and_brands() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path(p("v3/catalog/categories")))
        .and(query_param("parent_id", "0"))
        .respond_with(json(200, fixture("v3_categories_list.json")))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(p("v3/catalog/brands")))
        .and(query_param("name", "Sagaform"))
        .respond_with(json(200, fixture("v3_brands_list.json")))
        .expect(1)
        .mount(&server)
        .await;
    let c = client(&server);
    let cats = c.categories().list().parent_id(0).send().await.unwrap();
    assert_eq!(cats.items[0].name, "Garden");
    let brands = c.brands().list().name("Sagaform").send().await.unwrap();
    assert_eq!(brands.items[0].name, "Sagaform");
}

// inventory.v3.yml: locations, items, absolute adjustments chunked to 2,000, relative.
#[tokio::test]
async fn inventory_endpoints() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path(p("v3/inventory/locations")))
        .respond_with(json(200, json!({"data":[{"id":1,"code":"BC-LOCATION-1","label":"Default location","enabled":true,"type_id":"PHYSICAL"}],"meta":{"pagination":{"total":1,"count":1,"per_page":50,"current_page":1,"total_pages":1}}})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(p("v3/inventory/locations/1/items")))
        .and(query_param("sku:in", "RE-130,RE-131"))
        .respond_with(json(200, json!({"data":[{"identity":{"sku":"RE-130","variant_id":78,"product_id":130},"available_to_sell":10,"total_inventory_onhand":12,"settings":{"safety_stock":2,"is_in_stock":true,"warning_level":2,"bin_picking_number":"1"}}],"meta":{"pagination":{"total":1,"count":1,"per_page":50,"current_page":1,"total_pages":1}}})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(p("v3/inventory/items")))
        .and(query_param("variant_id:in", "78"))
        .respond_with(json(200, json!({"data":[{"identity":{"sku":"RE-130","variant_id":78,"product_id":130,"sku_id":5},"locations":[{"location_id":1,"location_code":"BC-LOCATION-1","location_name":"Default location","available_to_sell":10,"total_inventory_onhand":11,"location_enabled":true,"settings":{"safety_stock":1,"is_in_stock":true,"warning_level":1,"bin_picking_number":"1"}}]}],"meta":{}})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path(p("v3/inventory/adjustments/absolute")))
        .respond_with(json(200, json!({"transaction_id": "tx-1"})))
        .expect(3)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(p("v3/inventory/adjustments/relative")))
        .and(body_json(
            json!({"reason":"order 7","items":[{"location_id":1,"variant_id":78,"quantity":-2}]}),
        ))
        .respond_with(json(200, json!({"transaction_id": "tx-2"})))
        .expect(1)
        .mount(&server)
        .await;
    let c = client(&server);
    let locs = c.inventory().locations().all().await.unwrap();
    assert_eq!(locs[0].code.as_deref(), Some("BC-LOCATION-1"));
    let items = c
        .inventory()
        .location_items(LocationId(1))
        .skus(["RE-130", "RE-131"])
        .send()
        .await
        .unwrap();
    assert_eq!(items.items[0].available_to_sell, 10);
    let all = c
        .inventory()
        .items()
        .variant_ids([VariantId(78)])
        .send()
        .await
        .unwrap();
    assert_eq!(all.items[0].locations[0].total_inventory_onhand, 11);
    let adj: Vec<_> = (0..4_500)
        .map(|i| Adjustment::by_sku(LocationId(1), format!("SKU-{i}"), 5))
        .collect();
    let tx = c
        .inventory()
        .adjust_absolute(Some("sync"), &adj)
        .await
        .unwrap();
    assert_eq!(tx.len(), 3);
    assert_eq!(tx[0].transaction_id.as_deref(), Some("tx-1"));
    let rel = c
        .inventory()
        .adjust_relative(
            Some("order 7"),
            &[Adjustment::by_variant(LocationId(1), VariantId(78), -2)],
        )
        .await
        .unwrap();
    assert_eq!(rel[0].transaction_id.as_deref(), Some("tx-2"));
    let sizes: Vec<usize> = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.url.path().ends_with("absolute"))
        .map(|r| {
            let v: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
            assert_eq!(v["reason"], "sync");
            v["items"].as_array().unwrap().len()
        })
        .collect();
    assert_eq!(sizes, vec![2_000, 2_000, 500]);
}

// inventory.v3.yml: the 422 problem+json example keeps its title.
#[tokio::test]
async fn inventory_422_is_kept() {
    let server = server().await;
    Mock::given(method("PUT"))
        .and(path(p("v3/inventory/adjustments/absolute")))
        .respond_with(ResponseTemplate::new(422).set_body_raw(
            serde_json::to_vec(&fixture("v3_inventory_422.json")).unwrap(),
            "application/problem+json",
        ))
        .expect(1)
        .mount(&server)
        .await;
    let err = client(&server)
        .inventory()
        .adjust_absolute(
            None,
            &[Adjustment::by_variant(LocationId(1), VariantId(106), 1)],
        )
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(422));
    assert!(err.to_string().contains("tracked by product"), "{err}");
}

// price_lists.v3.yml: list, records with filters, upsert chunked to 1,000.
#[tokio::test]
async fn price_list_endpoints() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path(p("v3/pricelists")))
        .respond_with(json(200, fixture("v3_pricelists_list.json")))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(p("v3/pricelists/3/records")))
        .and(query_param("variant_id:in", "358,359"))
        .and(query_param("currency", "usd"))
        .and(query_param_is_missing("page"))
        .respond_with(json(200, fixture("v3_pricelist_records.json")))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path(p("v3/pricelists/3/records")))
        .respond_with(json(200, json!({"data": {}, "meta": {}})))
        .expect(3)
        .mount(&server)
        .await;
    let c = client(&server);
    let lists = c.price_lists().list().send().await.unwrap();
    assert_eq!(lists.items.len(), 3);
    let recs = c
        .price_lists()
        .records(PriceListId(3))
        .variant_ids([VariantId(358), VariantId(359)])
        .currency("usd")
        .send()
        .await
        .unwrap();
    assert_eq!(recs.items[0].variant_id, VariantId(358));
    let ups: Vec<_> = (0..2_100)
        .map(|i| PriceListRecordUpsert::new(VariantId(i), "AUD", Decimal::from(10)))
        .collect();
    c.price_lists()
        .upsert_records(PriceListId(3), &ups)
        .await
        .unwrap();
    let sizes: Vec<usize> = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.method.as_str() == "PUT")
        .map(|r| {
            serde_json::from_slice::<Vec<serde_json::Value>>(&r.body)
                .unwrap()
                .len()
        })
        .collect();
    assert_eq!(sizes, vec![1_000, 1_000, 100]);
}

// product-variants_catalog.v3.yml: GET one variant; a 404 is `None` with `get_opt`.
#[tokio::test]
async fn variant_get_and_get_opt() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path(p("v3/catalog/products/192/variants/384")))
        .respond_with(json(200, fixture("v3_variant_get.json")))
        .expect(2)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(p("v3/catalog/products/192/variants/999")))
        .respond_with(json(
            404,
            json!({"status": 404, "title": "The requested resource was not found.", "type": "https://developer.bigcommerce.com/api-docs/getting-started/api-status-codes"}),
        ))
        .expect(2)
        .mount(&server)
        .await;
    let c = client(&server);
    let v = c
        .variants()
        .get(ProductId(192), VariantId(384))
        .await
        .unwrap();
    assert_eq!(v.sku.as_deref(), Some("SMIT-2"));
    let v = c
        .variants()
        .get_opt(ProductId(192), VariantId(384))
        .await
        .unwrap();
    assert_eq!(v.map(|v| v.id), Some(VariantId(384)));
    assert!(
        c.variants()
            .get_opt(ProductId(192), VariantId(999))
            .await
            .unwrap()
            .is_none()
    );
    let err = c
        .variants()
        .get(ProductId(192), VariantId(999))
        .await
        .unwrap_err();
    assert!(err.is_not_found(), "{err}");
}

// price_lists.v3.yml PUT /pricelists/{id}/records 422 "PriceRecord Batch Error Response":
// each batch error keeps the identifiers of the record that failed.
#[tokio::test]
async fn price_record_batch_errors_name_the_record() {
    use bigcommerce_api::Error;
    use bigcommerce_api::error::ApiErrorDetails;
    let server = server().await;
    Mock::given(method("PUT"))
        .and(path(p("v3/pricelists/2/records")))
        .respond_with(json(
            422,
            json!({"batch_errors": [{
                "data": {"price_list_id": 2, "variant_id": 325, "currency": "aud"},
                "errors": {"price": "Price must be greater than zero"}
            }]}),
        ))
        .expect(1)
        .mount(&server)
        .await;
    let rec = PriceListRecordUpsert::new(VariantId(325), "AUD", Decimal::from(-1));
    let err = client(&server)
        .price_lists()
        .upsert_records(PriceListId(2), &[rec])
        .await
        .unwrap_err();
    match err {
        Error::Api {
            status, details, ..
        } => {
            assert_eq!(status, 422);
            match *details {
                ApiErrorDetails::Batch(v) => {
                    assert_eq!(v.len(), 1);
                    assert_eq!(v[0].data.as_ref().unwrap()["variant_id"], 325);
                    assert_eq!(v[0].errors["price"], "Price must be greater than zero");
                }
                other => panic!("{other:?}"),
            }
        }
        other => panic!("{other:?}"),
    }
}

// Variants by SKU and by id use the filters `GET /catalog/variants` declares (`sku`, `id`;
// product-variants_catalog.v3.yml), and keep exact matches only.
#[tokio::test]
async fn variants_found_by_sku_and_by_id_with_declared_filters() {
    let server = server().await;
    let variants = fixture("v3_variants_list.json")["data"].clone();
    let first = variants[0].clone(); // id 382, sku SMIT
    let mut near = first.clone();
    near["id"] = json!(999);
    near["sku"] = json!("SMIT-2");
    Mock::given(method("GET"))
        .and(path(p("v3/catalog/variants")))
        .and(query_param("sku", "SMIT"))
        .and(query_param("limit", "250"))
        .and(query_param_is_missing("id:in"))
        .respond_with(json(200, list(vec![first.clone(), near], 1, 1)))
        .expect(1)
        .mount(&server)
        .await;
    for (id, body) in [(382, vec![first.clone()]), (5, vec![])] {
        Mock::given(method("GET"))
            .and(path(p("v3/catalog/variants")))
            .and(query_param("id", id.to_string()))
            .and(query_param_is_missing("id:in"))
            .respond_with(json(200, list(body, 1, 1)))
            .expect(1)
            .mount(&server)
            .await;
    }
    let c = client(&server);
    let found = c.variants().find_by_sku("SMIT").await.unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].id, VariantId(382));
    let found = c
        .variants()
        .find_by_ids(&[VariantId(382), VariantId(5)])
        .await
        .unwrap();
    assert_eq!(
        found.iter().map(|v| v.id).collect::<Vec<_>>(),
        [VariantId(382)]
    );
}
