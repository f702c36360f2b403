//! The BigCommerce stand-in driven end to end through the typed `bigcommerce-api` client:
//! catalog paging as a stream, inventory adjustments visible in the next read, order creation,
//! shipments, refunds, price lists, webhooks, store information.

use futures::TryStreamExt;
use rust_decimal::Decimal;

use bc_mirakl_api_core::retry::RetryPolicy;
use bigcommerce_api::catalog::{BrandId, CategoryId, ProductId, VariantId};
use bigcommerce_api::inventory::{Adjustment, LocationId};
use bigcommerce_api::orders::{
    Address, NewOrder, NewOrderProduct, NewShipment, OrderStatus, RefundItem, RefundPayment,
    RefundQuoteRequest, RefundRequest, ShipmentItem,
};
use bigcommerce_api::pricelists::PriceListRecordUpsert;
use bigcommerce_api::webhooks::{WebhookRequest, WebhookScope};
use bigcommerce_api::{Client, Credentials};
use sync_sandbox::BigCommerceSandbox;
use sync_sandbox::bigcommerce::{BigCommerceConfig, RateLimitConfig};
use sync_sandbox::demo::DemoCatalog;

async fn setup(products: usize, variants: usize) -> (BigCommerceSandbox, Client, DemoCatalog) {
    let bc = BigCommerceSandbox::start(BigCommerceConfig {
        rate_limit: RateLimitConfig::unlimited(),
        ..BigCommerceConfig::default()
    })
    .await
    .expect("sandbox starts");
    let catalog = DemoCatalog::generate(99, products, variants);
    bc.load_demo(&catalog);
    let client = Client::builder(Credentials::new(bc.store_hash(), bc.access_token()).unwrap())
        .base_url(bc.base_url().as_str())
        .unwrap()
        .retry_policy(RetryPolicy::fast(2))
        .build()
        .unwrap();
    (bc, client, catalog)
}

fn billing() -> Address {
    Address {
        first_name: "Jane".into(),
        last_name: "Doe".into(),
        street_1: "1 George St".into(),
        city: "Sydney".into(),
        state: "New South Wales".into(),
        zip: "2000".into(),
        country: "Australia".into(),
        country_iso2: "AU".into(),
        email: "jane@example.com".into(),
        ..Address::default()
    }
}

#[tokio::test]
async fn catalog_streams_every_product_across_pages() {
    let (bc, client, catalog) = setup(57, 2).await;
    let products: Vec<_> = client
        .products()
        .list()
        .limit(10)
        .include_variants()
        .stream()
        .try_collect()
        .await
        .expect("all pages");
    assert_eq!(products.len(), 57);
    assert!(products.iter().all(|p| p.variants.len() == 2));
    assert_eq!(
        bc.requests()
            .count("GET", "/stores/{store_hash}/v3/catalog/products"),
        6,
        "57 products at 10 per page"
    );
    let variants: Vec<_> = client
        .variants()
        .list()
        .limit(50)
        .stream()
        .try_collect()
        .await
        .expect("all variants");
    assert_eq!(variants.len(), catalog.sku_count());

    let sku = &catalog.products[5].variants[1].sku;
    let page = client.products().list().sku(sku).send().await.unwrap();
    assert_eq!(page.items.len(), 1);
    assert_eq!(page.items[0].name, catalog.products[5].name);

    let cat = page.items[0].categories[0];
    assert!(
        client
            .categories()
            .get_opt(CategoryId(cat))
            .await
            .unwrap()
            .is_some()
    );
    let brand = page.items[0].brand_id.expect("demo products have brands");
    assert!(
        client
            .brands()
            .get_opt(BrandId(brand))
            .await
            .unwrap()
            .is_some()
    );
    assert!(
        client
            .brands()
            .get_opt(BrandId(999_999))
            .await
            .unwrap()
            .is_none()
    );

    let id = page.items[0].id;
    client.products().delete(id).await.expect("deleted");
    assert!(client.products().get_opt(id, &[]).await.unwrap().is_none());
    assert_eq!(bc.variant_id(sku), None);
}

#[tokio::test]
async fn inventory_adjustment_is_visible_in_the_next_read() {
    let (bc, client, catalog) = setup(4, 3).await;
    let sku = catalog.products[2].variants[2].sku.clone();
    let vid = VariantId(bc.variant_id(&sku).unwrap());
    let pid = ProductId(bc.product_id(&sku).unwrap());
    client
        .inventory()
        .adjust_absolute(
            Some("stock take"),
            &[Adjustment::by_sku(LocationId(1), &sku, 33)],
        )
        .await
        .expect("absolute");
    let v = client.variants().get(pid, vid).await.unwrap();
    assert_eq!(v.inventory_level, 33);
    client
        .inventory()
        .adjust_relative(None, &[Adjustment::by_variant(LocationId(1), vid, -3)])
        .await
        .expect("relative");
    let items: Vec<_> = client
        .inventory()
        .items()
        .skus([sku.as_str()])
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(items[0].locations[0].total_inventory_onhand, 30);
    assert_eq!(bc.stock(&sku), Some(30));
}

#[tokio::test]
async fn order_is_created_once_shipped_and_refunded() {
    let (bc, client, catalog) = setup(3, 2).await;
    let v = &catalog.products[1].variants[0];
    bc.set_stock(&v.sku, 5);
    let pid = ProductId(bc.product_id(&v.sku).unwrap());
    let vid = VariantId(bc.variant_id(&v.sku).unwrap());
    let price = Decimal::new(2450, 2);
    let mut new = NewOrder::new(
        billing(),
        vec![NewOrderProduct::variant(pid, vid, 2, price, price)],
    );
    new.status_id = Some(OrderStatus::AwaitingFulfillment);
    new.external_source = Some("mirakl-sync".into());
    new.external_order_id = Some("WF-777-A".into());
    let order = client.orders().create(&new).await.expect("created");
    assert_eq!(order.total_inc_tax, Decimal::new(4900, 2));
    assert_eq!(bc.stock(&v.sku), Some(3));

    let found = client
        .orders()
        .find_by_external_order_id("WF-777-A")
        .await
        .unwrap();
    assert_eq!(found.len(), 1);
    assert!(
        client
            .orders()
            .find_by_external_order_id("none")
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(bc.count_orders_by_external_id("WF-777-A"), 1);
    let count = client.orders().count().await.unwrap();
    assert_eq!(count.count, 1);

    let address = client
        .orders()
        .shipping_addresses(order.id)
        .send()
        .await
        .unwrap()
        .items[0]
        .id;
    let line = client
        .orders()
        .products(order.id)
        .send()
        .await
        .unwrap()
        .items[0]
        .id;
    let mut shipment = NewShipment::new(address, vec![ShipmentItem::new(line, 2)]);
    shipment.tracking_number = Some("AP555".into());
    shipment.shipping_provider = Some("auspost".into());
    let created = client
        .shipments(order.id)
        .create(&shipment)
        .await
        .expect("shipment");
    assert_eq!(created.tracking_number.as_deref(), Some("AP555"));
    let shipped = client.orders().get(order.id).await.unwrap();
    assert_eq!(shipped.status_id, OrderStatus::Shipped);
    assert_eq!(
        client
            .shipments(order.id)
            .list()
            .send()
            .await
            .unwrap()
            .items
            .len(),
        1
    );

    let quote = client
        .orders()
        .refund_quote(
            order.id,
            &RefundQuoteRequest {
                items: vec![RefundItem::product(line, 1)],
            },
        )
        .await
        .unwrap();
    assert_eq!(quote.total_refund_amount, Some(price));
    let refund = client
        .orders()
        .refund(
            order.id,
            &RefundRequest {
                items: vec![RefundItem::product(line, 1)],
                payments: vec![RefundPayment {
                    provider_id: "custom".into(),
                    amount: price,
                    offline: true,
                }],
            },
        )
        .await
        .expect("refund");
    assert!(refund.id > 0);
    let refunds = client.orders().refunds(order.id).send().await.unwrap();
    assert_eq!(refunds.items.len(), 1);
    let transactions = client.orders().transactions(order.id).send().await.unwrap();
    assert_eq!(transactions.items.len(), 2, "purchase and refund");
    let after = client.orders().get(order.id).await.unwrap();
    assert_eq!(after.status_id, OrderStatus::PartiallyRefunded);

    let cancelled = client
        .orders()
        .set_status(order.id, OrderStatus::Cancelled)
        .await
        .unwrap();
    assert_eq!(cancelled.status_id, OrderStatus::Cancelled);
    assert_eq!(client.orders().statuses().await.unwrap().len(), 15);
}

#[tokio::test]
async fn price_lists_webhooks_and_store_information() {
    let (bc, client, catalog) = setup(2, 2).await;
    let info = client.store().info().await.unwrap();
    assert_eq!(info.name, "Sandbox Store");
    let time = client.store().time().await.unwrap();
    assert!(time.time > 1_700_000_000);

    // A price list made over HTTP (the client reads and upserts).
    let created = reqwest::Client::new()
        .post(format!("{}v3/pricelists", bc.api_url()))
        .header("x-auth-token", bc.access_token())
        .header("content-type", "application/json")
        .body(r#"{"name":"Westfield","active":true}"#)
        .send()
        .await
        .unwrap();
    assert!(created.status().is_success());
    let lists = client.price_lists().list().send().await.unwrap();
    assert_eq!(lists.items.len(), 1);
    let list_id = lists.items[0].id;
    let vid = VariantId(bc.variant_id(&catalog.products[0].variants[1].sku).unwrap());
    client
        .price_lists()
        .upsert_records(
            list_id,
            &[PriceListRecordUpsert::new(
                vid,
                "AUD",
                Decimal::new(1234, 2),
            )],
        )
        .await
        .expect("upsert");
    let records = client.price_lists().records(list_id).send().await.unwrap();
    assert_eq!(records.items.len(), 1);
    assert_eq!(records.items[0].price, Some(Decimal::new(1234, 2)));

    let hook = client
        .webhooks()
        .create(
            &WebhookRequest::new(WebhookScope::ProductAll, "https://example.com/bc")
                .header("X-Sync-Secret", "s"),
        )
        .await
        .expect("hook");
    assert_eq!(hook.scope, WebhookScope::ProductAll);
    assert_eq!(
        hook.headers.get("X-Sync-Secret").map(String::as_str),
        Some("s")
    );
    assert_eq!(
        client.webhooks().list().send().await.unwrap().items.len(),
        1
    );
    client.webhooks().delete(hook.id).await.unwrap();
    assert!(client.webhooks().get_opt(hook.id).await.unwrap().is_none());
}
