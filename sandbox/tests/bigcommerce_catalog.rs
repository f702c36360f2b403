//! Catalog v3 of the BigCommerce stand-in: paging, filters, includes, writes, conflicts.
//! Shapes follow `specs/bigcommerce/bigcommerce-docs/reference/catalog/products_catalog.v3.yml`
//! and `product-variants_catalog.v3.yml`; every answer is decoded with the `bigcommerce-api`
//! models.

mod bc_common;

use bc_common::Bc;
use bigcommerce_api::catalog::{Brand, Category, Product, Variant};
use bigcommerce_api::page::Envelope;
use reqwest::StatusCode;
use rust_decimal::Decimal;
use serde_json::json;
use sync_sandbox::demo::DemoCatalog;

#[tokio::test]
async fn catalog_pages_through_every_product_with_v3_pagination() {
    let bc = Bc::start().await;
    let load = bc.sandbox.load_demo(&DemoCatalog::generate(5, 30, 3));
    assert_eq!((load.products, load.variants), (30, 90));

    let mut seen = Vec::new();
    let mut path = "v3/catalog/products?limit=12&include=variants".to_owned();
    let mut pages = 0;
    loop {
        let answer = bc.get(&path).await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
        let page: Envelope<Vec<Product>> = answer.decode();
        let pagination = page
            .meta
            .pagination
            .expect("v3 lists carry meta.pagination");
        assert_eq!(pagination.total, 30);
        assert_eq!(pagination.total_pages, 3);
        assert_eq!(pagination.per_page, 12);
        assert_eq!(pagination.count as usize, page.data.len());
        for p in &page.data {
            assert_eq!(p.variants.len(), 3, "include=variants embeds the variants");
        }
        seen.extend(page.data.iter().map(|p| p.id.get()));
        pages += 1;
        match pagination.links.next {
            Some(next) => {
                assert!(next.starts_with('?') && next.contains("include=variants"));
                path = format!("v3/catalog/products{next}");
            }
            None => break,
        }
    }
    assert_eq!(pages, 3);
    let mut sorted = seen.clone();
    sorted.dedup();
    assert_eq!(sorted.len(), 30, "no product twice, none missing");

    // Past the last page: empty data, still a 200.
    let empty: Envelope<Vec<Product>> =
        bc.get("v3/catalog/products?page=9&limit=12").await.decode();
    assert!(empty.data.is_empty());

    // Limit above 250 is refused with 413.
    assert_eq!(
        bc.get("v3/catalog/products?limit=251").await.status,
        StatusCode::PAYLOAD_TOO_LARGE
    );
}

#[tokio::test]
async fn product_filters_select_by_sku_ids_and_modification_date() {
    let bc = Bc::start().await;
    let catalog = DemoCatalog::generate(8, 10, 2);
    bc.sandbox.load_demo(&catalog);
    let sku = catalog.products[3].variants[1].sku.clone();

    let by_sku: Envelope<Vec<Product>> = bc
        .get(&format!("v3/catalog/products?sku={sku}"))
        .await
        .decode();
    assert_eq!(by_sku.data.len(), 1);
    assert_eq!(by_sku.data[0].name, catalog.products[3].name);

    let ids: Vec<u64> = by_sku.data.iter().map(|p| p.id.get()).collect();
    let first: Envelope<Vec<Product>> = bc.get("v3/catalog/products?limit=3").await.decode();
    let wanted = format!("{},{}", first.data[0].id, first.data[2].id);
    let by_ids: Envelope<Vec<Product>> = bc
        .get(&format!("v3/catalog/products?id:in={wanted}"))
        .await
        .decode();
    assert_eq!(
        by_ids.data.iter().map(|p| p.id).collect::<Vec<_>>(),
        vec![first.data[0].id, first.data[2].id]
    );
    assert!(!ids.is_empty());

    let future: Envelope<Vec<Product>> = bc
        .get("v3/catalog/products?date_modified:min=2999-01-01T00:00:00Z")
        .await
        .decode();
    assert!(future.data.is_empty());
    let past: Envelope<Vec<Product>> = bc
        .get("v3/catalog/products?date_modified:min=2000-01-01")
        .await
        .decode();
    assert_eq!(past.data.len(), 10);
}

#[tokio::test]
async fn product_create_update_and_conflicts() {
    let bc = Bc::start().await;
    let created = bc
        .post(
            "v3/catalog/products",
            json!({"name": "Test Mug", "type": "physical", "weight": 0.5, "price": 19.95, "sku": "MUG-1",
                   "inventory_tracking": "product", "inventory_level": 7}),
        )
        .await;
    assert_eq!(created.status, StatusCode::OK, "{}", created.body);
    let product: Envelope<Product> = created.decode();
    assert_eq!(product.data.price, Decimal::new(1995, 2));
    assert_eq!(product.data.inventory_level, 7);
    assert_eq!(product.data.sku.as_deref(), Some("MUG-1"));
    assert!(product.data.base_variant_id.is_some());
    assert_eq!(bc.sandbox.stock("MUG-1"), Some(7));

    // Duplicate SKU and missing required fields.
    let dup = bc
        .post(
            "v3/catalog/products",
            json!({"name": "Other", "type": "physical", "weight": 1, "price": 1, "sku": "MUG-1"}),
        )
        .await;
    assert_eq!(dup.status, StatusCode::CONFLICT);
    assert_eq!(dup.json()["status"], 409);
    let missing = bc
        .post("v3/catalog/products", json!({"name": "No price"}))
        .await;
    assert_eq!(missing.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(missing.json()["errors"]["price"].is_string());

    // Update the price; date_modified moves forward or stays (second resolution).
    let id = product.data.id;
    let updated: Envelope<Product> = bc
        .put(
            &format!("v3/catalog/products/{id}"),
            json!({"price": 24.5, "sale_price": 20}),
        )
        .await
        .decode();
    assert_eq!(updated.data.price, Decimal::new(245, 1));
    assert_eq!(
        bc.sandbox.price("MUG-1"),
        Some((Decimal::new(245, 1), Some(Decimal::from(20))))
    );
    assert!(updated.data.date_modified >= product.data.date_modified);

    // Batch updates above 10 are refused like the real API.
    let batch: Vec<_> = (0..11)
        .map(|_| json!({"id": id.get(), "price": 1}))
        .collect();
    let too_many = bc.put("v3/catalog/products", json!(batch)).await;
    assert_eq!(too_many.status, StatusCode::PAYLOAD_TOO_LARGE);
    let ok = bc
        .put(
            "v3/catalog/products",
            json!([{"id": id.get(), "price": 30}]),
        )
        .await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
    let list: Envelope<Vec<Product>> = ok.decode();
    assert_eq!(list.data[0].price, Decimal::from(30));

    // A trailing slash is refused like on the real API (403).
    assert_eq!(
        bc.get("v3/catalog/products/").await.status,
        StatusCode::FORBIDDEN
    );

    // Unknown product: 404 with the v3 error body.
    let missing = bc.get("v3/catalog/products/999999").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(missing.json()["status"], 404);
}

#[tokio::test]
async fn variants_list_update_and_batch() {
    let bc = Bc::start().await;
    let catalog = DemoCatalog::generate(11, 4, 3);
    bc.sandbox.load_demo(&catalog);
    let sku = catalog.products[1].variants[2].sku.clone();
    let vid = bc.sandbox.variant_id(&sku).unwrap();
    let pid = bc.sandbox.product_id(&sku).unwrap();

    let all: Envelope<Vec<Variant>> = bc.get("v3/catalog/variants?limit=250").await.decode();
    assert_eq!(all.data.len(), 12);
    let one: Envelope<Vec<Variant>> = bc
        .get(&format!("v3/catalog/variants?sku={sku}"))
        .await
        .decode();
    assert_eq!(one.data.len(), 1);
    assert_eq!(one.data[0].id.get(), vid);
    let of_product: Envelope<Vec<Variant>> = bc
        .get(&format!("v3/catalog/products/{pid}/variants"))
        .await
        .decode();
    assert_eq!(of_product.data.len(), 3);

    let updated: Envelope<Variant> = bc
        .put(
            &format!("v3/catalog/products/{pid}/variants/{vid}"),
            json!({"price": 42.25, "inventory_level": 13}),
        )
        .await
        .decode();
    assert_eq!(updated.data.price, Some(Decimal::new(4225, 2)));
    assert_eq!(updated.data.inventory_level, 13);
    assert_eq!(bc.sandbox.stock(&sku), Some(13));

    let batch = bc
        .put(
            "v3/catalog/variants",
            json!([{"id": vid, "sale_price": 40}]),
        )
        .await;
    assert_eq!(batch.status, StatusCode::OK, "{}", batch.body);
    assert_eq!(
        bc.sandbox.price(&sku),
        Some((Decimal::new(4225, 2), Some(Decimal::from(40))))
    );
    let too_many: Vec<_> = (0..51).map(|_| json!({"id": vid, "price": 1})).collect();
    assert_eq!(
        bc.put("v3/catalog/variants", json!(too_many)).await.status,
        StatusCode::PAYLOAD_TOO_LARGE
    );
}

#[tokio::test]
async fn categories_and_brands() {
    let bc = Bc::start().await;
    bc.sandbox.load_demo(&DemoCatalog::generate(2, 40, 1));
    let categories: Envelope<Vec<Category>> = bc.get("v3/catalog/categories").await.decode();
    assert!(!categories.data.is_empty());
    let brands: Envelope<Vec<Brand>> = bc.get("v3/catalog/brands").await.decode();
    assert!(!brands.data.is_empty());

    let created: Envelope<Brand> = bc
        .post("v3/catalog/brands", json!({"name": "Sandbox Brand"}))
        .await
        .decode();
    assert_eq!(created.data.name, "Sandbox Brand");
    assert_eq!(
        bc.post("v3/catalog/brands", json!({"name": "Sandbox Brand"}))
            .await
            .status,
        StatusCode::CONFLICT
    );
    let cat: Envelope<Category> = bc
        .post(
            "v3/catalog/categories",
            json!({"name": "Sandbox Cat", "parent_id": 0}),
        )
        .await
        .decode();
    let filtered: Envelope<Vec<Category>> = bc
        .get(&format!("v3/catalog/categories?id:in={}", cat.data.id))
        .await
        .decode();
    assert_eq!(filtered.data.len(), 1);
    assert_eq!(filtered.data[0].name, "Sandbox Cat");
}
