//! End to end through the client models: BigCommerce catalog → desired offers → plan → OF24
//! lines → (Mirakl applies them and reports them back in the OF21 shape) → current offers →
//! an empty plan. Then a Mirakl order flows from acceptance to shipment confirmation.

use bigcommerce_api::orders::{
    Order as BcOrder, OrderId, OrderProduct, OrderStatus, Shipment, ShipmentId, ShipmentItem,
};
use mirakl_api::offers::{Offer, OfferUpdate};
use mirakl_api::orders::Order;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use sync_core::catalog::{Catalog, CatalogProduct, CatalogVariant, InventoryTracking};
use sync_core::convert::{current_offers, offer_update};
use sync_core::lifecycle::{Action, BigCommerceOrder, OrderRecord, StepContext, step};
use sync_core::offers::desired;
use sync_core::orders::{AcceptanceContext, held_units, links};
use sync_core::plan::{Batch, plan};
use sync_core::rules::SyncRules;
use time::macros::datetime;

fn rules() -> SyncRules {
    toml::from_str(
        r#"
        [price]
        markup_percent = "10"
        rounding = { ending = "0.95" }
        [stock]
        buffer_units = 1
        [offer]
        leadtime_to_ship = 2
        default_logistic_class = "M"
        additional_fields = { warranty = "12" }
        [orders]
        external_source = "app-1"
        default_country = "AU"
        "#,
    )
    .unwrap()
}

fn catalog() -> Catalog {
    let variant = |id: u64, sku: &str, level: i64| CatalogVariant {
        id,
        sku: Some(sku.into()),
        inventory_level: Some(level),
        ..CatalogVariant::default()
    };
    Catalog {
        products: vec![
            CatalogProduct {
                id: 1,
                name: "Tee".into(),
                price: Some("20".parse().unwrap()),
                sale_price: Some("15".parse().unwrap()),
                is_visible: true,
                availability: "available".into(),
                inventory_tracking: InventoryTracking::Variant,
                variants: vec![variant(11, "TEE-S", 5), variant(12, "TEE-M", 0)],
                ..CatalogProduct::default()
            },
            CatalogProduct {
                id: 2,
                name: "Mug".into(),
                sku: Some("MUG".into()),
                price: Some("9.5".parse().unwrap()),
                upc: Some("012345678905".into()),
                is_visible: true,
                availability: "available".into(),
                inventory_tracking: InventoryTracking::Product,
                inventory_level: Some(30),
                ..CatalogProduct::default()
            },
        ],
        currency: Some("AUD".into()),
        ..Catalog::default()
    }
}

/// What Mirakl would report in OF21 after applying OF24 lines (shape of the OF21 example in
/// shared/specs/mirakl/mirakl-mmp-seller-openapi.json).
fn as_mirakl(updates: &[OfferUpdate]) -> Vec<Offer> {
    updates
        .iter()
        .enumerate()
        .map(|(i, u)| {
            let disc = u.discount.as_ref().and_then(|d| d.price);
            let v: Value = json!({
                "offer_id": i + 1,
                "shop_sku": u.shop_sku,
                "product_sku": format!("MP-{}", u.shop_sku),
                "quantity": u.quantity,
                "price": disc.unwrap_or(u.price),
                "state_code": u.state_code,
                "leadtime_to_ship": u.leadtime_to_ship,
                "logistic_class": u.logistic_class.as_ref().map(|c| json!({"code": c, "label": c})),
                "active": true,
                "all_prices": [{"channel_code": null, "price": disc.unwrap_or(u.price), "unit_origin_price": u.price,
                                "unit_discount_price": disc, "volume_prices": []}],
                "offer_additional_fields": u.offer_additional_fields.iter()
                    .map(|f| json!({"code": f.code, "type": "STRING", "value": f.value})).collect::<Vec<_>>(),
            });
            serde_json::from_value(v).unwrap()
        })
        .collect()
}

#[test]
fn offers_converge_through_the_client_models() {
    let rules = rules();
    let (want, problems) = desired(&catalog(), &rules);
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(want.len(), 3);
    let first = plan(&want, &BTreeMap::new(), &BTreeSet::new(), &rules.plan);
    assert_eq!(first.new.len(), 3);
    let updates: Vec<OfferUpdate> = first
        .batches(&rules.plan)
        .iter()
        .flat_map(|b| match b {
            Batch::Offers(v) => v.iter().map(offer_update).collect::<Vec<_>>(),
            _ => Vec::new(),
        })
        .collect();
    assert_eq!(updates.len(), 3);
    let tee = updates
        .iter()
        .find(|u| u.shop_sku.as_str() == "TEE-S")
        .unwrap();
    assert_eq!(tee.price.to_string(), "22.95");
    assert_eq!(tee.quantity, Some(4));
    assert_eq!(
        tee.discount.as_ref().unwrap().price.unwrap().to_string(),
        "16.95"
    );
    let current = current_offers(&as_mirakl(&updates), &rules.offer);
    let second = plan(&want, &current, &BTreeSet::new(), &rules.plan);
    assert!(second.is_empty(), "{second:?}");

    // A stock change is a stock-only change, routed to STO01 when enabled.
    let mut cat = catalog();
    cat.products[1].inventory_level = Some(10);
    let (want2, _) = desired(&cat, &rules);
    let mut routing = rules.plan.clone();
    routing.stock_import = true;
    let p = plan(&want2, &current, &BTreeSet::new(), &routing);
    assert_eq!(
        p.batches(&routing),
        [Batch::Stock(vec![sync_core::plan::StockWrite {
            shop_sku: sync_core::ShopSku::new("MUG").unwrap(),
            quantity: 9
        }])]
    );
}

fn mirakl_order(state: &str) -> Order {
    serde_json::from_value(json!({
        "order_id": "WF-1-A", "commercial_id": "WF-1", "order_state": state,
        "created_date": "2026-11-27T08:00:00Z", "last_updated_date": "2026-11-27T08:05:00Z",
        "currency_iso_code": "AUD", "order_tax_mode": "TAX_INCLUDED", "can_cancel": true,
        "customer_notification_email": "n-123@notification.mirakl.net",
        "customer": {"firstname": "Jo", "lastname": "Citizen",
            "shipping_address": {"firstname": "Jo", "lastname": "Citizen", "street_1": "1 Market St", "city": "Sydney",
                                 "zip_code": "2000", "state": "NSW", "country": "Australia", "country_iso_code": "AUS"}},
        "shipping_price": 10, "shipping_type_label": "Standard",
        "order_lines": [{"order_line_id": "WF-1-A-1", "order_line_index": 1, "order_line_state": state,
                         "offer_sku": "TEE-S", "quantity": 2, "price_unit": 22.95, "price": 45.9,
                         "taxes": [{"code": "GST", "amount": 4.17}], "shipping_price": 10,
                         "shipping_taxes": [{"code": "GST", "amount": 0.91}]}]
    }))
    .unwrap()
}

#[test]
fn an_order_from_acceptance_to_shipment() {
    let rules = rules();
    let (want, _) = desired(&catalog(), &rules);
    let links = links(&want);
    let now = datetime!(2026-11-27 08:10 UTC);
    let acceptance = AcceptanceContext {
        stock: [(sync_core::ShopSku::new("TEE-S").unwrap(), 5)].into(),
        ..AcceptanceContext::default()
    };
    let ctx = StepContext {
        rules: &rules,
        acceptance: &acceptance,
        links: &links,
        store_currency: Some("AUD"),
        now,
        multi_shipment: false,
    };
    let mut record = OrderRecord::default();

    let waiting = mirakl_order("WAITING_ACCEPTANCE");
    // the order holds stock until it is in BigCommerce
    assert_eq!(
        held_units(std::slice::from_ref(&waiting), |_| false)
            .values()
            .sum::<u64>(),
        2
    );
    let a = step(&waiting, &record, None, &ctx);
    let [Action::Accept(decision)] = &a[..] else {
        panic!("{a:?}")
    };
    assert!(decision.accepts_all());
    record.acceptance_sent = true;

    let shipping = mirakl_order("SHIPPING");
    let a = step(&shipping, &record, None, &ctx);
    let [Action::CreateInBigCommerce(mapped)] = &a[..] else {
        panic!("{a:?}")
    };
    let body = serde_json::to_value(&mapped.order).unwrap();
    assert_eq!(body["external_order_id"], "WF-1-A");
    assert_eq!(body["external_source"], "app-1");
    assert_eq!(body["billing_address"]["country_iso2"], "AU");
    assert_eq!(
        body["billing_address"]["email"],
        "n-123@notification.mirakl.net"
    );
    assert_eq!(body["products"][0]["product_id"], 1);
    assert_eq!(body["products"][0]["variant_id"], 11);
    record.create_started = true;
    record.bigcommerce_order_id = Some(500);
    assert!(step(&shipping, &record, None, &ctx).is_empty());

    let bc = BcOrder {
        id: OrderId(500),
        status_id: OrderStatus::Shipped,
        ..BcOrder::default()
    };
    let products = vec![OrderProduct {
        id: 7,
        sku: Some("TEE-S".into()),
        quantity: 2,
        ..OrderProduct::default()
    }];
    let shipments = vec![Shipment {
        id: ShipmentId(70),
        tracking_number: Some("AP123".into()),
        shipping_provider: Some("auspost".into()),
        items: vec![ShipmentItem::new(7, 2)],
        ..Shipment::default()
    }];
    let side = BigCommerceOrder {
        order: &bc,
        products: &products,
        shipments: &shipments,
        refunds: &[],
    };
    let a = step(&shipping, &record, Some(&side), &ctx);
    assert!(
        matches!(
            &a[..],
            [
                Action::PushTracking {
                    shipment_id: 70,
                    ..
                },
                Action::ConfirmShipment
            ]
        ),
        "{a:?}"
    );
}

/// Offers and P41 product rows key items the same way (one rule, `catalog::item_sku`): a
/// product whose only variant carries an option value but no SKU is sold under the product SKU
/// by both, so the offer names the product that was sent.
#[test]
fn offers_and_product_rows_agree_on_skus() {
    use bigcommerce_api::catalog::{OptionValue, Product, ProductId, Variant, VariantId};
    use mirakl_api::products::{AttributeList, HierarchyList, ValueListList};
    use sync_core::products::{self, OperatorCatalog, ProductRules, ProductSource};

    let variant = |id: u64, sku: Option<&str>| Variant {
        id: VariantId(id),
        sku: sku.map(Into::into),
        option_values: vec![OptionValue {
            label: "M".into(),
            option_display_name: "Size".into(),
            ..OptionValue::default()
        }],
        inventory_level: 3,
        ..Variant::default()
    };
    let product = |id: u64, sku: &str, variants: Vec<Variant>| Product {
        id: ProductId(id),
        name: format!("Tee {id}"),
        sku: Some(sku.into()),
        price: "20".parse().unwrap(),
        is_visible: true,
        inventory_tracking: "variant".parse().unwrap(),
        variants,
        ..Product::default()
    };
    let source = ProductSource {
        products: vec![
            product(1, "ONE", vec![variant(11, None)]),
            product(
                2,
                "TWO",
                vec![variant(21, Some("TWO-M")), variant(22, None)],
            ),
        ],
        ..ProductSource::default()
    };
    let h: HierarchyList =
        serde_json::from_str(r#"{"hierarchies":[{"code":"1010","label":"Tops"}]}"#).unwrap();
    let a: AttributeList = serde_json::from_str(r#"{"attributes":[]}"#).unwrap();
    let v: ValueListList = serde_json::from_str(r#"{"values_lists":[]}"#).unwrap();
    let operator = OperatorCatalog::new(&h.hierarchies, &a.attributes, &v.values_lists);
    let product_rules: ProductRules = toml::from_str(r#"default_category = "1010""#).unwrap();
    let sync = SyncRules::default();
    let batch = products::prepare(&source, &operator, &product_rules, &sync.selection);
    let catalog = Catalog::from_products(&source.products, None);
    let (offers, problems) = desired(&catalog, &sync);

    let row_skus: Vec<&str> = batch.rows.iter().map(|r| r.sku.as_str()).collect();
    let offer_skus: Vec<&str> = offers.keys().map(|s| s.as_str()).collect();
    assert_eq!(row_skus, ["ONE", "TWO-M"]);
    assert_eq!(offer_skus, row_skus);
    // the variant without a SKU among several is reported by both, for the same item
    let missing = |p: &sync_core::products::ProductProblem| p.source.variant_id == Some(22);
    assert!(batch.problems.iter().any(missing), "{:?}", batch.problems);
    assert!(problems.iter().any(|p| p.source.variant_id == Some(22)
        && p.reason == sync_core::offers::OfferProblemReason::MissingSku));
}
