//! Inventory v3 of the BigCommerce stand-in: adjustments visible in the next read, tracking-mode
//! errors. Request and error shapes from `specs/bigcommerce/bigcommerce-docs/reference/inventory.v3.yml`.

mod bc_common;

use bc_common::Bc;
use bigcommerce_api::catalog::{Product, Variant};
use bigcommerce_api::inventory::{InventoryItem, InventoryTransaction, Location, LocationItem};
use bigcommerce_api::page::Envelope;
use reqwest::{Method, StatusCode};
use serde_json::json;
use sync_sandbox::demo::DemoCatalog;

#[tokio::test]
async fn absolute_and_relative_adjustments_show_in_the_next_read() {
    let bc = Bc::start().await;
    let catalog = DemoCatalog::generate(21, 5, 3);
    bc.sandbox.load_demo(&catalog);
    let sku = catalog.products[2].variants[0].sku.clone();
    let vid = bc.sandbox.variant_id(&sku).unwrap();
    let pid = bc.sandbox.product_id(&sku).unwrap();

    let answer = bc
        .call(
            Method::PUT,
            "v3/inventory/adjustments/absolute",
            Some(json!({"reason": "count", "items": [{"location_id": 1, "sku": sku, "quantity": 40}]})),
        )
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    let tx: InventoryTransaction = answer.decode();
    assert!(tx.transaction_id.is_some_and(|t| !t.is_empty()));

    let variant: Envelope<Variant> = bc
        .get(&format!("v3/catalog/products/{pid}/variants/{vid}"))
        .await
        .decode();
    assert_eq!(variant.data.inventory_level, 40);

    let relative = bc
        .post(
            "v3/inventory/adjustments/relative",
            json!({"items": [{"location_id": 1, "variant_id": vid, "quantity": -15}]}),
        )
        .await;
    assert_eq!(relative.status, StatusCode::OK, "{}", relative.body);
    let items: Envelope<Vec<InventoryItem>> = bc
        .get(&format!("v3/inventory/items?sku:in={sku}"))
        .await
        .decode();
    assert_eq!(items.data.len(), 1);
    assert_eq!(items.data[0].locations[0].total_inventory_onhand, 25);
    let at_location: Envelope<Vec<LocationItem>> = bc
        .get(&format!(
            "v3/inventory/locations/1/items?variant_id:in={vid}"
        ))
        .await
        .decode();
    assert_eq!(at_location.data[0].available_to_sell, 25);

    // The product's level is the sum of its variants.
    let product: Envelope<Product> = bc.get(&format!("v3/catalog/products/{pid}")).await.decode();
    let expected: i64 = catalog.products[2].variants[1..]
        .iter()
        .map(|v| v.stock)
        .sum::<i64>()
        + 25;
    assert_eq!(product.data.inventory_level, expected);

    // Going below zero is refused and changes nothing.
    let below = bc
        .post(
            "v3/inventory/adjustments/relative",
            json!({"items": [{"location_id": 1, "variant_id": vid, "quantity": -26}]}),
        )
        .await;
    assert_eq!(below.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(bc.sandbox.stock(&sku), Some(25));
}

#[tokio::test]
async fn tracking_mode_mismatch_is_a_422_with_the_real_title() {
    let bc = Bc::start().await;
    let created: Envelope<Product> = bc
        .post(
            "v3/catalog/products",
            json!({"name": "Shirt", "type": "physical", "weight": 1, "price": 10, "inventory_tracking": "product",
                   "variants": [
                     {"sku": "SHIRT-S", "option_values": [{"label": "S", "option_display_name": "Size"}]},
                     {"sku": "SHIRT-M", "option_values": [{"label": "M", "option_display_name": "Size"}]}]}),
        )
        .await
        .decode();
    let vid = bc.sandbox.variant_id("SHIRT-S").unwrap();
    let wrong = bc
        .call(
            Method::PUT,
            "v3/inventory/adjustments/absolute",
            Some(json!({"items": [{"location_id": 1, "variant_id": vid, "quantity": 3}]})),
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        wrong.json()["title"],
        format!(
            "[Item with variant_id {vid} is tracked by product, please update stock by product id]"
        )
    );
    let right = bc
        .call(
            Method::PUT,
            "v3/inventory/adjustments/absolute",
            Some(json!({"items": [{"location_id": 1, "product_id": created.data.id.get(), "quantity": 3}]})),
        )
        .await;
    assert_eq!(right.status, StatusCode::OK, "{}", right.body);
    let product: Envelope<Product> = bc
        .get(&format!("v3/catalog/products/{}", created.data.id))
        .await
        .decode();
    assert_eq!(product.data.inventory_level, 3);

    // Relative before any absolute adjustment on an untracked product.
    let fresh: Envelope<Product> = bc
        .post(
            "v3/catalog/products",
            json!({"name": "Fresh", "type": "physical", "weight": 1, "price": 1, "sku": "FRESH"}),
        )
        .await
        .decode();
    let relative = bc
        .post(
            "v3/inventory/adjustments/relative",
            json!({"items": [{"location_id": 1, "product_id": fresh.data.id.get(), "quantity": 1}]}),
        )
        .await;
    assert_eq!(relative.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        relative.json()["title"]
            .as_str()
            .unwrap()
            .contains("requires absolute adjustment before relative")
    );

    let locations: Envelope<Vec<Location>> = bc.get("v3/inventory/locations").await.decode();
    assert_eq!(locations.data.len(), 1);
    assert_eq!(locations.data[0].id.get(), 1);
}
