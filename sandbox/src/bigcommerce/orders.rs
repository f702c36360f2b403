//! Orders v2 (orders, products, shipping addresses, shipments, statuses) and the v3 order
//! payment endpoints (transactions, refund quotes, refunds).

use std::collections::BTreeMap;

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use rust_decimal::Decimal;
use serde::Deserialize;
use serde_json::{Value, json};
use time::OffsetDateTime;

use super::App;
use super::model::{
    Address, Event, ItemKey, ORDER_STATUSES, Order, OrderProduct, Shipment, ShippingAddress, Store,
    status_name,
};
use super::wire::{
    ApiError, ApiResult, Query, created, money, now, num, parse_date, v2_date, v2_list, v2_page,
    v2_page_map, v3_date, v3_page, v3_single,
};

/// Status ids that return stock when an order moves into them.
const RESTOCK_STATUSES: [u32; 2] = [4, 5];

fn v2(err: ApiError) -> ApiError {
    err.into_v2()
}

fn bad_request(message: impl Into<String>) -> ApiError {
    ApiError::v2(StatusCode::BAD_REQUEST, message)
}

fn link(app: &App, resource: String) -> Value {
    json!({"url": format!("{}v2{}", app.api_root(), resource), "resource": resource})
}

fn address_json(a: &Address) -> Value {
    json!({
        "first_name": a.first_name, "last_name": a.last_name, "company": a.company,
        "street_1": a.street_1, "street_2": a.street_2, "city": a.city, "state": a.state,
        "zip": a.zip, "country": a.country, "country_iso2": a.country_iso2, "phone": a.phone,
        "email": a.email,
    })
}

/// Renders an order as v2 JSON.
pub fn order_json(app: &App, o: &Order) -> Value {
    let zero = money(Decimal::ZERO);
    let mut billing = address_json(&o.billing_address);
    billing["form_fields"] = json!([]);
    json!({
        "id": o.id,
        "customer_id": o.customer_id,
        "date_created": v2_date(Some(o.date_created)),
        "date_modified": v2_date(Some(o.date_modified)),
        "date_shipped": v2_date(o.date_shipped),
        "status_id": o.status_id,
        "status": status_name(o.status_id),
        "custom_status": status_name(o.status_id),
        "subtotal_ex_tax": money(o.subtotal_ex_tax()),
        "subtotal_inc_tax": money(o.subtotal_inc_tax()),
        "subtotal_tax": zero,
        "base_shipping_cost": money(o.shipping_cost_inc_tax),
        "shipping_cost_ex_tax": money(o.shipping_cost_ex_tax),
        "shipping_cost_inc_tax": money(o.shipping_cost_inc_tax),
        "shipping_cost_tax": money(o.shipping_cost_inc_tax - o.shipping_cost_ex_tax),
        "shipping_cost_tax_class_id": 0,
        "base_handling_cost": zero, "handling_cost_ex_tax": zero, "handling_cost_inc_tax": zero,
        "handling_cost_tax": zero, "handling_cost_tax_class_id": 0,
        "base_wrapping_cost": zero, "wrapping_cost_ex_tax": zero, "wrapping_cost_inc_tax": zero,
        "wrapping_cost_tax": zero, "wrapping_cost_tax_class_id": 0,
        "total_ex_tax": money(o.total_ex_tax()),
        "total_inc_tax": money(o.total_inc_tax()),
        "total_tax": money(o.total_inc_tax() - o.total_ex_tax()),
        "is_tax_inclusive_pricing": false,
        "items_total": o.items_total(),
        "items_shipped": o.items_shipped(),
        "payment_method": o.payment_method,
        "payment_provider_id": "",
        "payment_status": "",
        "refunded_amount": money(o.refunded_amount),
        "order_is_digital": false,
        "store_credit_amount": zero,
        "gift_certificate_amount": zero,
        "ip_address": "",
        "ip_address_v6": "",
        "geoip_country": "",
        "geoip_country_iso2": "",
        "currency_id": 1,
        "currency_code": o.currency_code,
        "currency_exchange_rate": "1.0000000000",
        "default_currency_id": 1,
        "default_currency_code": o.currency_code,
        "staff_notes": o.staff_notes,
        "customer_message": o.customer_message,
        "discount_amount": money(o.discount_amount),
        "fees": o.fees.iter().map(|f| json!({
            "id": f.id, "type": f.fee_type, "display_name_customer": f.display_name_customer,
            "display_name_merchant": f.display_name_merchant, "source": "v2",
            "base_cost": money(f.cost_ex_tax), "cost_ex_tax": money(f.cost_ex_tax),
            "cost_inc_tax": money(f.cost_inc_tax), "cost_tax": money(f.cost_inc_tax - f.cost_ex_tax),
            "tax_class_id": Value::Null,
        })).collect::<Vec<_>>(),
        "coupon_discount": zero,
        "shipping_address_count": o.shipping_addresses.len(),
        "is_deleted": o.is_deleted,
        "ebay_order_id": "0",
        "cart_id": "",
        "billing_address": billing,
        "is_email_opt_in": false,
        "credit_card_type": Value::Null,
        "order_source": "external",
        "channel_id": o.channel_id,
        "external_source": o.external_source,
        "products": link(app, format!("/orders/{}/products", o.id)),
        "consignments": link(app, format!("/orders/{}/consignments", o.id)),
        "shipping_addresses": link(app, format!("/orders/{}/shipping_addresses", o.id)),
        "coupons": link(app, format!("/orders/{}/coupons", o.id)),
        "external_id": o.external_id,
        "external_merchant_id": Value::Null,
        "tax_provider_id": "",
        "store_default_currency_code": o.currency_code,
        "store_default_to_transactional_exchange_rate": "1.0000000000",
        "customer_locale": "en",
        "external_order_id": o.external_order_id,
    })
}

fn order_product_json(store: &Store, o: &Order, p: &OrderProduct) -> Value {
    let zero = money(Decimal::ZERO);
    let weight = store
        .variants
        .get(&p.variant_id)
        .and_then(|v| v.weight)
        .or_else(|| store.products.get(&p.product_id).map(|x| x.weight))
        .unwrap_or_default();
    let upc = store
        .variants
        .get(&p.variant_id)
        .map(|v| v.upc.clone())
        .unwrap_or_default();
    let qty = Decimal::from(p.quantity);
    json!({
        "id": p.id,
        "order_id": o.id,
        "product_id": p.product_id,
        "variant_id": p.variant_id,
        "order_address_id": p.order_address_id,
        "name": p.name,
        "name_customer": p.name,
        "name_merchant": p.name,
        "sku": p.sku,
        "upc": upc,
        "type": "physical",
        "base_price": money(p.price_ex_tax),
        "price_ex_tax": money(p.price_ex_tax),
        "price_inc_tax": money(p.price_inc_tax),
        "price_tax": money(p.price_inc_tax - p.price_ex_tax),
        "base_total": money(p.price_ex_tax * qty),
        "total_ex_tax": money(p.price_ex_tax * qty),
        "total_inc_tax": money(p.price_inc_tax * qty),
        "total_tax": money((p.price_inc_tax - p.price_ex_tax) * qty),
        "weight": money(weight),
        "width": zero, "height": zero, "depth": zero,
        "quantity": p.quantity,
        "base_cost_price": zero, "cost_price_inc_tax": zero, "cost_price_ex_tax": zero,
        "cost_price_tax": zero,
        "is_refunded": false,
        "quantity_refunded": 0,
        "refund_amount": zero,
        "return_id": 0,
        "wrapping_id": 0, "wrapping_name": "", "base_wrapping_cost": zero,
        "wrapping_cost_ex_tax": zero, "wrapping_cost_inc_tax": zero, "wrapping_cost_tax": zero,
        "wrapping_message": "",
        "quantity_shipped": p.quantity_shipped,
        "event_name": Value::Null,
        "event_date": "",
        "fixed_shipping_cost": zero,
        "ebay_item_id": "",
        "ebay_transaction_id": "",
        "option_set_id": Value::Null,
        "parent_order_product_id": Value::Null,
        "is_bundled_product": false,
        "bin_picking_number": "",
        "external_id": Value::Null,
        "fulfillment_source": "",
        "brand": "",
        "applied_discounts": [],
        "product_options": [],
        "configurable_fields": [],
        "gift_certificate_id": Value::Null,
    })
}

fn shipping_address_json(app: &App, o: &Order, s: &ShippingAddress) -> Value {
    let zero = money(Decimal::ZERO);
    let items_total: u64 = o
        .products
        .iter()
        .filter(|p| p.order_address_id == s.id)
        .map(|p| p.quantity)
        .sum();
    let items_shipped: u64 = o
        .products
        .iter()
        .filter(|p| p.order_address_id == s.id)
        .map(|p| p.quantity_shipped)
        .sum();
    let mut v = address_json(&s.address);
    let extra = json!({
        "id": s.id,
        "order_id": o.id,
        "items_total": items_total,
        "items_shipped": items_shipped,
        "shipping_method": s.shipping_method,
        "base_cost": money(o.shipping_cost_inc_tax),
        "cost_ex_tax": money(o.shipping_cost_ex_tax),
        "cost_inc_tax": money(o.shipping_cost_inc_tax),
        "cost_tax": money(o.shipping_cost_inc_tax - o.shipping_cost_ex_tax),
        "cost_tax_class_id": 0,
        "base_handling_cost": zero, "handling_cost_ex_tax": zero, "handling_cost_inc_tax": zero,
        "handling_cost_tax": zero, "handling_cost_tax_class_id": 0,
        "shipping_zone_id": 1,
        "shipping_zone_name": "Sandbox zone",
        "shipping_quotes": link(app, format!("/orders/{}/shipping_addresses/{}/shipping_quotes", o.id, s.id)),
        "form_fields": [],
    });
    if let (Some(obj), Some(extra)) = (v.as_object_mut(), extra.as_object()) {
        for (k, x) in extra {
            obj.insert(k.clone(), x.clone());
        }
    }
    v
}

/// What an order read or listing asks to embed (`include`, with
/// `consignment_structure=object`; orders.v2.oas2.yml `order_includes`): `None` for the link
/// to `/orders/{id}/consignments` only, `Some(false)` for the consignments with links to
/// their items, `Some(true)` for the consignments with the order products themselves. The
/// older array structure (no `consignment_structure`) is not modelled: such a request gets
/// the link.
fn consignments_wanted(q: &Query) -> Option<bool> {
    if q.get("consignment_structure") != Some("object") {
        return None;
    }
    let include: Vec<&str> = q.get("include")?.split(',').map(str::trim).collect();
    if include.contains(&"consignments.line_items") {
        Some(true)
    } else if include.contains(&"consignments") {
        Some(false)
    } else {
        None
    }
}

/// An order with its consignments embedded as [`consignments_wanted`] says
/// (orders.v2.oas2.yml `orderConsignment_Get`: one shipping consignment per shipping
/// address, holding that address's lines).
fn order_json_with(app: &App, store: &Store, o: &Order, wanted: Option<bool>) -> Value {
    let mut v = order_json(app, o);
    let Some(products) = wanted else {
        return v;
    };
    let shipping: Vec<Value> = o
        .shipping_addresses
        .iter()
        .map(|s| {
            let mut c = shipping_address_json(app, o, s);
            if let Some(obj) = c.as_object_mut() {
                obj.remove("order_id");
            }
            c["shipping_quotes"] = link(
                app,
                format!(
                    "/orders/{}/consignments/shipping/{}/shipping_quotes",
                    o.id, s.id
                ),
            );
            let items: Vec<Value> = o
                .products
                .iter()
                .filter(|p| p.order_address_id == s.id)
                .map(|p| {
                    if products {
                        order_product_json(store, o, p)
                    } else {
                        link(app, format!("/orders/{}/products/{}", o.id, p.id))
                    }
                })
                .collect();
            c["line_items"] = json!(items);
            c
        })
        .collect();
    v["consignments"] = json!({
        "pickups": [],
        "shipping": shipping,
        "downloads": [],
        "email": {"gift_certificates": []},
    });
    v
}

fn provider_display(provider: &str) -> &str {
    match provider {
        "auspost" => "Australia Post",
        "usps" => "USPS",
        "fedex" => "FedEx",
        "ups" | "upsready" | "upsonline" => "UPS",
        "royalmail" => "Royal Mail",
        "canadapost" => "Canada Post",
        "endicia" => "Endicia",
        "shipperhq" => "ShipperHQ",
        other => other,
    }
}

fn tracking_link(s: &Shipment) -> String {
    if !s.tracking_link.is_empty() || s.tracking_number.is_empty() {
        return s.tracking_link.clone();
    }
    match s.shipping_provider.as_str() {
        "auspost" => format!(
            "https://auspost.com.au/mypost/track/#/details/{}",
            s.tracking_number
        ),
        "usps" => format!(
            "https://tools.usps.com/go/TrackConfirmAction?tLabels={}",
            s.tracking_number
        ),
        "fedex" => format!(
            "https://www.fedex.com/fedextrack/?trknbr={}",
            s.tracking_number
        ),
        "ups" | "upsready" | "upsonline" => {
            format!("https://www.ups.com/track?tracknum={}", s.tracking_number)
        }
        _ => String::new(),
    }
}

pub(crate) fn shipment_json(o: &Order, s: &Shipment) -> Value {
    let shipping = o
        .shipping_addresses
        .iter()
        .find(|a| a.id == s.order_address_id)
        .map(|a| address_json(&a.address))
        .unwrap_or(Value::Null);
    json!({
        "id": s.id,
        "order_id": o.id,
        "customer_id": o.customer_id,
        "order_address_id": s.order_address_id,
        "date_created": v2_date(Some(s.date_created)),
        "tracking_number": s.tracking_number,
        "merchant_shipping_cost": money(Decimal::ZERO),
        "shipping_method": s.shipping_method,
        "comments": s.comments,
        "shipping_provider": s.shipping_provider,
        "tracking_carrier": s.tracking_carrier,
        "tracking_link": s.tracking_link,
        "billing_address": address_json(&o.billing_address),
        "shipping_address": shipping,
        "items": s.items.iter().map(|(op, p, q)| json!({"order_product_id": op, "product_id": p, "quantity": q})).collect::<Vec<_>>(),
        "shipping_provider_display_name": provider_display(&s.shipping_provider),
        "generated_tracking_link": tracking_link(s),
    })
}

/// A line of a new order.
#[derive(Debug, Clone, Deserialize)]
pub struct NewOrderProduct {
    /// Catalog product (absent for custom products).
    #[serde(default)]
    pub product_id: Option<u64>,
    /// Variant.
    #[serde(default)]
    pub variant_id: Option<u64>,
    /// Quantity.
    pub quantity: u64,
    /// Unit price inc tax override.
    #[serde(default)]
    pub price_inc_tax: Option<Decimal>,
    /// Unit price ex tax override.
    #[serde(default)]
    pub price_ex_tax: Option<Decimal>,
    /// Name (custom products).
    #[serde(default)]
    pub name: Option<String>,
    /// SKU (custom products).
    #[serde(default)]
    pub sku: Option<String>,
}

/// A shipping address of a new order.
#[derive(Debug, Clone, Deserialize)]
pub struct NewShippingAddress {
    /// The address.
    #[serde(flatten)]
    pub address: Address,
    /// Method.
    #[serde(default)]
    pub shipping_method: Option<String>,
}

/// A fee of a new order (orders.v2.oas2.yml `orderFees_Post`).
#[derive(Debug, Clone, Deserialize)]
pub struct NewOrderFee {
    /// `custom_fee`.
    #[serde(rename = "type")]
    pub fee_type: String,
    /// Name shown to the customer.
    #[serde(default)]
    pub display_name_customer: Option<String>,
    /// Name shown to the merchant.
    #[serde(default)]
    pub display_name_merchant: Option<String>,
    /// Cost excluding tax.
    #[serde(default)]
    pub cost_ex_tax: Option<Decimal>,
    /// Cost including tax.
    #[serde(default)]
    pub cost_inc_tax: Option<Decimal>,
    /// Tax on the cost.
    #[serde(default)]
    pub cost_tax: Option<Decimal>,
}

/// `POST /v2/orders` body.
#[derive(Debug, Clone, Deserialize)]
pub struct NewOrder {
    /// Customer (0 = guest).
    #[serde(default)]
    pub customer_id: Option<u64>,
    /// Status (default 1).
    #[serde(default)]
    pub status_id: Option<u32>,
    /// Billing address (required).
    #[serde(default)]
    pub billing_address: Option<Address>,
    /// Shipping addresses.
    #[serde(default)]
    pub shipping_addresses: Vec<NewShippingAddress>,
    /// Lines (required).
    #[serde(default)]
    pub products: Vec<NewOrderProduct>,
    /// Shipping cost inc tax.
    #[serde(default)]
    pub shipping_cost_inc_tax: Option<Decimal>,
    /// Shipping cost ex tax.
    #[serde(default)]
    pub shipping_cost_ex_tax: Option<Decimal>,
    /// External source.
    #[serde(default)]
    pub external_source: Option<String>,
    /// External id.
    #[serde(default)]
    pub external_id: Option<String>,
    /// External order id.
    #[serde(default)]
    pub external_order_id: Option<String>,
    /// Channel.
    #[serde(default)]
    pub channel_id: Option<u64>,
    /// Payment method.
    #[serde(default)]
    pub payment_method: Option<String>,
    /// Staff notes.
    #[serde(default)]
    pub staff_notes: Option<String>,
    /// Customer message.
    #[serde(default)]
    pub customer_message: Option<String>,
    /// Creation date (RFC 2822).
    #[serde(default)]
    pub date_created: Option<String>,
    /// Order-level discount (a string or number; never negative).
    #[serde(default)]
    pub discount_amount: Option<Decimal>,
    /// Fees.
    #[serde(default)]
    pub fees: Vec<NewOrderFee>,
    /// Currency.
    #[serde(default)]
    pub currency_code: Option<String>,
}

fn decode_v2<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(body).map_err(|e| {
        bad_request(format!(
            "The request body is not valid JSON or has invalid fields: {e}"
        ))
    })
}

/// Creates an order; returns its id and the events.
///
/// # Errors
/// 400 (v2 body) for missing fields, unknown products or insufficient stock.
pub fn create_order(store: &mut Store, input: NewOrder) -> Result<(u64, Vec<Event>), ApiError> {
    let Some(billing) = input.billing_address.clone() else {
        return Err(bad_request(
            "The required field 'billing_address' was not supplied.",
        ));
    };
    if input.products.is_empty() {
        return Err(bad_request(
            "The required field 'products' was not supplied.",
        ));
    }
    let status_id = input.status_id.unwrap_or(1);
    if !ORDER_STATUSES.iter().any(|(i, _, _)| *i == status_id) {
        return Err(bad_request(format!(
            "The status_id {status_id} is not valid."
        )));
    }
    let date_created = match input.date_created.as_deref() {
        Some(d) if !d.is_empty() => parse_date(d)
            .ok_or_else(|| bad_request("The field 'date_created' is not a valid RFC-2822 date."))?,
        _ => now(),
    };
    let id = store.next("order");
    let mut addresses = Vec::new();
    for a in &input.shipping_addresses {
        let aid = store.next("order_address");
        addresses.push(ShippingAddress {
            id: aid,
            address: a.address.clone(),
            shipping_method: a.shipping_method.clone().unwrap_or_else(|| "None".into()),
        });
    }
    if addresses.is_empty() {
        let aid = store.next("order_address");
        addresses.push(ShippingAddress {
            id: aid,
            address: billing.clone(),
            shipping_method: "None".into(),
        });
    }
    let address_id = addresses[0].id;
    let mut lines = Vec::new();
    let mut needs: BTreeMap<ItemKey, (i64, String)> = BTreeMap::new();
    for (i, line) in input.products.iter().enumerate() {
        if line.quantity == 0 {
            return Err(bad_request(format!(
                "The field 'products[{i}].quantity' must be greater than 0."
            )));
        }
        let (product_id, variant_id, name, sku, price) = match line.product_id {
            Some(pid) => {
                let product = store.products.get(&pid).cloned().ok_or_else(|| {
                    bad_request(format!("The product with ID {pid} was not found."))
                })?;
                let vid = match (line.variant_id, product.base_variant_id) {
                    (Some(vid), _) => {
                        if store.variants.get(&vid).is_none_or(|v| v.product_id != pid) {
                            return Err(bad_request(format!(
                                "The variant with ID {vid} does not belong to product {pid}."
                            )));
                        }
                        vid
                    }
                    (None, Some(base)) => base,
                    (None, None) => {
                        return Err(bad_request(format!(
                            "The product with ID {pid} has options; 'variant_id' or 'product_options' is required."
                        )));
                    }
                };
                let variant = store.variants[&vid].clone();
                let (price, sale) = store.variant_prices(&variant);
                if store.is_tracked(&product) {
                    let key = store.item_key(&product, Some(vid));
                    let entry = needs.entry(key).or_insert((0, variant.sku.clone()));
                    entry.0 += line.quantity as i64;
                }
                (
                    pid,
                    vid,
                    product.name.clone(),
                    variant.sku.clone(),
                    sale.unwrap_or(price),
                )
            }
            None => {
                let name = line.name.clone().ok_or_else(|| {
                    bad_request(format!(
                        "The field 'products[{i}].name' is required for a custom product."
                    ))
                })?;
                let price = line.price_inc_tax.or(line.price_ex_tax).ok_or_else(|| {
                    bad_request(format!(
                        "The field 'products[{i}].price_inc_tax' is required for a custom product."
                    ))
                })?;
                (0, 0, name, line.sku.clone().unwrap_or_default(), price)
            }
        };
        let inc = line.price_inc_tax.or(line.price_ex_tax).unwrap_or(price);
        let ex = line.price_ex_tax.or(line.price_inc_tax).unwrap_or(price);
        let op_id = store.next("order_product");
        lines.push(OrderProduct {
            id: op_id,
            product_id,
            variant_id,
            name,
            sku,
            quantity: line.quantity,
            quantity_shipped: 0,
            price_ex_tax: ex,
            price_inc_tax: inc,
            order_address_id: address_id,
        });
    }
    let decrement = status_id != 0;
    if decrement && !store.allow_oversell {
        for (key, (qty, sku)) in &needs {
            let on_hand = store.on_hand(*key);
            if on_hand < *qty {
                return Err(bad_request(format!(
                    "The quantity requested for SKU '{sku}' ({qty}) is greater than the quantity in stock ({on_hand})."
                )));
            }
        }
    }
    let mut events = vec![Event {
        scope: "store/order/created".into(),
        data: json!({"type": "order", "id": id}),
    }];
    if decrement {
        let location = store.default_location();
        for (key, (qty, _)) in needs {
            events.extend(store.add_stock(location, key, -qty, true));
        }
        for line in &lines {
            if let Some(p) = store.products.get_mut(&line.product_id) {
                p.total_sold += line.quantity;
            }
        }
    }
    let shipping_inc = input
        .shipping_cost_inc_tax
        .or(input.shipping_cost_ex_tax)
        .unwrap_or_default();
    let shipping_ex = input
        .shipping_cost_ex_tax
        .or(input.shipping_cost_inc_tax)
        .unwrap_or_default();
    let discount_amount = input.discount_amount.unwrap_or_default();
    if discount_amount.is_sign_negative() {
        return Err(bad_request(
            "The field 'discount_amount' can't be negative.",
        ));
    }
    let mut fees = Vec::new();
    for (i, f) in input.fees.iter().enumerate() {
        if f.display_name_customer.is_none() && f.display_name_merchant.is_none() {
            return Err(bad_request(format!(
                "The field 'fees[{i}]' needs display_name_customer or display_name_merchant."
            )));
        }
        // at least two of cost_ex_tax, cost_inc_tax and cost_tax (orderFees_Post)
        let (inc, ex) = match (f.cost_inc_tax, f.cost_ex_tax, f.cost_tax) {
            (Some(inc), Some(ex), _) => (inc, ex),
            (Some(inc), None, Some(tax)) => (inc, inc - tax),
            (None, Some(ex), Some(tax)) => (ex + tax, ex),
            _ => {
                return Err(bad_request(format!(
                    "The field 'fees[{i}]' needs two of cost_ex_tax, cost_inc_tax and cost_tax."
                )));
            }
        };
        let name = |n: &Option<String>, other: &Option<String>| {
            n.clone().or_else(|| other.clone()).unwrap_or_default()
        };
        fees.push(super::model::OrderFee {
            id: store.next("order_fee"),
            fee_type: f.fee_type.clone(),
            display_name_customer: name(&f.display_name_customer, &f.display_name_merchant),
            display_name_merchant: name(&f.display_name_merchant, &f.display_name_customer),
            cost_ex_tax: ex,
            cost_inc_tax: inc,
        });
    }
    let mut order = Order {
        id,
        customer_id: input.customer_id.unwrap_or(0),
        status_id,
        date_created,
        date_modified: now(),
        date_shipped: None,
        billing_address: billing,
        products: lines,
        shipping_addresses: addresses,
        shipments: Vec::new(),
        shipping_cost_ex_tax: shipping_ex,
        shipping_cost_inc_tax: shipping_inc,
        currency_code: input.currency_code.clone().unwrap_or_else(|| "AUD".into()),
        channel_id: input.channel_id.unwrap_or(1),
        external_source: input.external_source.clone(),
        external_id: input.external_id.clone(),
        external_order_id: input.external_order_id.clone(),
        payment_method: input
            .payment_method
            .clone()
            .unwrap_or_else(|| "Manual".into()),
        staff_notes: input.staff_notes.clone().unwrap_or_default(),
        customer_message: input.customer_message.clone().unwrap_or_default(),
        refunded_amount: Decimal::ZERO,
        is_deleted: false,
        restocked: !decrement,
        transactions: Vec::new(),
        refunds: Vec::new(),
        discount_amount,
        fees,
    };
    let tx_id = store.next("transaction");
    order.transactions.push(json!({
        "id": tx_id, "order_id": id.to_string(), "event": "purchase", "method": "offline",
        "amount": num(order.total_inc_tax()), "currency": order.currency_code, "gateway": "custom",
        "gateway_transaction_id": "", "status": "ok", "test": false, "fraud_review": false,
        "reference_transaction_id": Value::Null, "date_created": v3_date(order.date_created),
        "avs_result": {}, "cvv_result": {}, "offline": {"display_name": order.payment_method},
    }));
    store.orders.insert(id, order);
    Ok((id, events))
}

/// Moves an order to a status; returns the events (none when unchanged).
pub fn set_status(store: &mut Store, id: u64, status_id: u32) -> Vec<Event> {
    let Some(order) = store.orders.get(&id).cloned() else {
        return Vec::new();
    };
    if order.status_id == status_id {
        return Vec::new();
    }
    let mut events = vec![
        Event {
            scope: "store/order/statusUpdated".into(),
            data: json!({"type": "order", "id": id, "status": {"previous_status_id": order.status_id, "new_status_id": status_id}}),
        },
        Event {
            scope: "store/order/updated".into(),
            data: json!({"type": "order", "id": id}),
        },
    ];
    if RESTOCK_STATUSES.contains(&status_id) && !order.restocked {
        let location = store.default_location();
        for line in &order.products {
            let Some(product) = store.products.get(&line.product_id).cloned() else {
                continue;
            };
            if store.is_tracked(&product) {
                let unshipped = line.quantity - line.quantity_shipped;
                if unshipped > 0 {
                    let key = store.item_key(&product, Some(line.variant_id));
                    events.extend(store.add_stock(location, key, unshipped as i64, true));
                }
            }
        }
    }
    // An order that held no stock (created Incomplete) takes it when it leaves Incomplete.
    let takes_stock = order.status_id == 0
        && order.restocked
        && status_id != 0
        && !RESTOCK_STATUSES.contains(&status_id);
    if takes_stock {
        let location = store.default_location();
        for line in &order.products {
            let Some(product) = store.products.get(&line.product_id).cloned() else {
                continue;
            };
            if store.is_tracked(&product) {
                let key = store.item_key(&product, Some(line.variant_id));
                events.extend(store.add_stock(location, key, -(line.quantity as i64), true));
            }
        }
    }
    if let Some(o) = store.orders.get_mut(&id) {
        if RESTOCK_STATUSES.contains(&status_id) {
            o.restocked = true;
        } else if takes_stock {
            o.restocked = false;
        }
        o.status_id = status_id;
        o.date_modified = now();
    }
    events
}

fn order_filter(q: &Query) -> Result<impl Fn(&Order) -> bool + use<>, ApiError> {
    let min_id = q.u64("min_id").map_err(v2)?;
    let max_id = q.u64("max_id").map_err(v2)?;
    let status = q.u64("status_id").map_err(v2)?;
    let customer = q.u64("customer_id").map_err(v2)?;
    let channel = q.u64("channel_id").map_err(v2)?;
    let min_created = q.date("min_date_created").map_err(v2)?;
    let max_created = q.date("max_date_created").map_err(v2)?;
    let min_modified = q.date("min_date_modified").map_err(v2)?;
    let max_modified = q.date("max_date_modified").map_err(v2)?;
    let external = q.get("external_order_id").map(str::to_owned);
    let external_id = q.get("external_id").map(str::to_owned);
    let email = q.get("email").map(str::to_owned);
    let deleted = q
        .get("is_deleted")
        .map(|v| v == "true" || v == "1")
        .unwrap_or(false);
    Ok(move |o: &Order| {
        min_id.is_none_or(|m| o.id >= m)
            && max_id.is_none_or(|m| o.id <= m)
            && status.is_none_or(|s| u64::from(o.status_id) == s)
            && customer.is_none_or(|c| o.customer_id == c)
            && channel.is_none_or(|c| o.channel_id == c)
            && min_created.is_none_or(|m| o.date_created >= m)
            && max_created.is_none_or(|m| o.date_created <= m)
            && min_modified.is_none_or(|m| o.date_modified >= m)
            && max_modified.is_none_or(|m| o.date_modified <= m)
            && external
                .as_deref()
                .is_none_or(|e| o.external_order_id.as_deref() == Some(e))
            && external_id
                .as_deref()
                .is_none_or(|e| o.external_id.as_deref() == Some(e))
            && email
                .as_deref()
                .is_none_or(|e| o.billing_address.email == e)
            && o.is_deleted == deleted
    })
}

/// `GET /v2/orders`.
pub async fn list(State(app): State<App>, RawQuery(raw): RawQuery) -> ApiResult {
    let q = Query::parse(raw.as_deref());
    let keep = order_filter(&q)?;
    let sort = q.get("sort").unwrap_or("id:asc").to_owned();
    let store = app.store();
    let mut orders: Vec<&Order> = store.orders.values().filter(|o| keep(o)).collect();
    let (field, dir) = sort.split_once(':').unwrap_or((sort.as_str(), "asc"));
    let key = |o: &Order| -> (OffsetDateTime, u64) {
        match field {
            "date_modified" => (o.date_modified, o.id),
            "date_created" => (o.date_created, o.id),
            _ => (OffsetDateTime::UNIX_EPOCH, o.id),
        }
    };
    orders.sort_by_key(|o| key(o));
    if dir.eq_ignore_ascii_case("desc") {
        orders.reverse();
    }
    let wanted = consignments_wanted(&q);
    v2_page_map(orders, &q, |o| order_json_with(&app, &store, o, wanted))
}

/// `GET /v2/orders/count`.
pub async fn count(State(app): State<App>, RawQuery(raw): RawQuery) -> ApiResult {
    let q = Query::parse(raw.as_deref());
    let keep = order_filter(&q)?;
    let store = app.store();
    let mut per_status: BTreeMap<u32, u64> = BTreeMap::new();
    let mut total = 0;
    for o in store.orders.values().filter(|o| keep(o)) {
        *per_status.entry(o.status_id).or_default() += 1;
        total += 1;
    }
    let statuses: Vec<Value> = ORDER_STATUSES
        .iter()
        .map(|(id, name, _)| {
            json!({"id": id, "name": name, "system_label": name, "custom_label": name,
                   "system_description": "", "count": per_status.get(id).copied().unwrap_or(0), "sort_order": id})
        })
        .collect();
    Ok(axum::Json(json!({"statuses": statuses, "count": total})).into_response())
}

/// `GET /v2/orders/{id}`.
pub async fn get(
    State(app): State<App>,
    Path((_, id)): Path<(String, u64)>,
    RawQuery(raw): RawQuery,
) -> ApiResult {
    let q = Query::parse(raw.as_deref());
    let store = app.store();
    let o = store.orders.get(&id).ok_or_else(ApiError::v2_not_found)?;
    let wanted = consignments_wanted(&q);
    Ok(axum::Json(order_json_with(&app, &store, o, wanted)).into_response())
}

/// `POST /v2/orders`.
pub async fn create(State(app): State<App>, body: Bytes) -> ApiResult {
    let input: NewOrder = decode_v2(&body)?;
    let (body, events) = {
        let mut store = app.store();
        // `channel_id` "must be a valid, enabled channel" (orders.v2 `channel_id`)
        if let Some(channel) = input.channel_id
            && !store
                .channels
                .get(&channel)
                .is_some_and(|c| matches!(c.status.as_str(), "active" | "connected" | "prelaunch"))
        {
            return Err(ApiError::v2(
                StatusCode::BAD_REQUEST,
                format!("The field 'channel_id' is invalid: no enabled channel {channel}."),
            ));
        }
        let (id, events) = create_order(&mut store, input)?;
        (order_json(&app, &store.orders[&id]), events)
    };
    app.emit(events);
    Ok(created(body))
}

/// `PUT /v2/orders/{id}` body.
#[derive(Debug, Deserialize)]
pub struct OrderUpdate {
    /// Status.
    #[serde(default)]
    pub status_id: Option<u32>,
    /// The customer account the order belongs to (0: guest).
    #[serde(default)]
    pub customer_id: Option<u64>,
    /// External order id.
    #[serde(default)]
    pub external_order_id: Option<String>,
    /// External source.
    #[serde(default)]
    pub external_source: Option<String>,
    /// Staff notes.
    #[serde(default)]
    pub staff_notes: Option<String>,
    /// Customer message.
    #[serde(default)]
    pub customer_message: Option<String>,
    /// Billing address.
    #[serde(default)]
    pub billing_address: Option<Address>,
    /// Payment method.
    #[serde(default)]
    pub payment_method: Option<String>,
    /// Archive.
    #[serde(default)]
    pub is_deleted: Option<bool>,
    /// Read-only on the real API.
    #[serde(default)]
    pub external_merchant_id: Option<Value>,
}

/// `PUT /v2/orders/{id}`.
pub async fn update(
    State(app): State<App>,
    Path((_, id)): Path<(String, u64)>,
    body: Bytes,
) -> ApiResult {
    let input: OrderUpdate = decode_v2(&body)?;
    if input.external_merchant_id.is_some() {
        return Err(bad_request(
            "The field 'external_merchant_id' cannot be written to. Please remove it from your request before trying again.",
        ));
    }
    let (body, events) = {
        let mut store = app.store();
        if !store.orders.contains_key(&id) {
            return Err(ApiError::v2_not_found());
        }
        let mut events = Vec::new();
        if let Some(status) = input.status_id {
            if !ORDER_STATUSES.iter().any(|(i, _, _)| *i == status) {
                return Err(bad_request(format!("The status_id {status} is not valid.")));
            }
            events.extend(set_status(&mut store, id, status));
        }
        let o = store
            .orders
            .get_mut(&id)
            .ok_or_else(ApiError::v2_not_found)?;
        let mut changed = false;
        macro_rules! set {
            ($field:ident) => {
                if let Some(v) = input.$field.clone() {
                    o.$field = v;
                    changed = true;
                }
            };
        }
        set!(staff_notes);
        set!(customer_message);
        set!(customer_id);
        set!(billing_address);
        set!(payment_method);
        set!(is_deleted);
        if let Some(v) = &input.external_order_id {
            o.external_order_id = Some(v.clone());
            changed = true;
        }
        if let Some(v) = &input.external_source {
            o.external_source = Some(v.clone());
            changed = true;
        }
        if changed {
            o.date_modified = now();
            if events.is_empty() {
                events.push(Event {
                    scope: if input.is_deleted == Some(true) {
                        "store/order/archived".into()
                    } else {
                        "store/order/updated".into()
                    },
                    data: json!({"type": "order", "id": id}),
                });
            }
        }
        (order_json(&app, &store.orders[&id]), events)
    };
    app.emit(events);
    Ok(axum::Json(body).into_response())
}

/// `GET /v2/orders/{id}/products`.
pub async fn products(
    State(app): State<App>,
    Path((_, id)): Path<(String, u64)>,
    RawQuery(raw): RawQuery,
) -> ApiResult {
    let q = Query::parse(raw.as_deref());
    let store = app.store();
    let o = store.orders.get(&id).ok_or_else(ApiError::v2_not_found)?;
    let items = o
        .products
        .iter()
        .map(|p| order_product_json(&store, o, p))
        .collect();
    v2_page(items, &q)
}

/// `GET /v2/orders/{id}/products/{order_product_id}`.
pub async fn product(
    State(app): State<App>,
    Path((_, id, pid)): Path<(String, u64, u64)>,
) -> ApiResult {
    let store = app.store();
    let o = store.orders.get(&id).ok_or_else(ApiError::v2_not_found)?;
    let p = o
        .products
        .iter()
        .find(|p| p.id == pid)
        .ok_or_else(ApiError::v2_not_found)?;
    Ok(axum::Json(order_product_json(&store, o, p)).into_response())
}

/// `GET /v2/orders/{id}/shipping_addresses`.
pub async fn shipping_addresses(
    State(app): State<App>,
    Path((_, id)): Path<(String, u64)>,
    RawQuery(raw): RawQuery,
) -> ApiResult {
    let q = Query::parse(raw.as_deref());
    let store = app.store();
    let o = store.orders.get(&id).ok_or_else(ApiError::v2_not_found)?;
    let items = o
        .shipping_addresses
        .iter()
        .map(|a| shipping_address_json(&app, o, a))
        .collect();
    v2_page(items, &q)
}

/// `GET /v2/orders/{id}/shipping_addresses/{address_id}`.
pub async fn shipping_address(
    State(app): State<App>,
    Path((_, id, aid)): Path<(String, u64, u64)>,
) -> ApiResult {
    let store = app.store();
    let o = store.orders.get(&id).ok_or_else(ApiError::v2_not_found)?;
    let a = o
        .shipping_addresses
        .iter()
        .find(|a| a.id == aid)
        .ok_or_else(ApiError::v2_not_found)?;
    Ok(axum::Json(shipping_address_json(&app, o, a)).into_response())
}

/// `GET /v2/orders/{id}/shipments`.
pub async fn shipments(
    State(app): State<App>,
    Path((_, id)): Path<(String, u64)>,
    RawQuery(raw): RawQuery,
) -> ApiResult {
    let q = Query::parse(raw.as_deref());
    let store = app.store();
    let o = store.orders.get(&id).ok_or_else(ApiError::v2_not_found)?;
    let items = o.shipments.iter().map(|s| shipment_json(o, s)).collect();
    v2_page(items, &q)
}

/// `GET /v2/orders/{id}/shipments/count`.
pub async fn shipments_count(
    State(app): State<App>,
    Path((_, id)): Path<(String, u64)>,
) -> ApiResult {
    let store = app.store();
    let o = store.orders.get(&id).ok_or_else(ApiError::v2_not_found)?;
    Ok(axum::Json(json!({"count": o.shipments.len()})).into_response())
}

/// `GET /v2/orders/{id}/shipments/{shipment_id}`.
pub async fn shipment(
    State(app): State<App>,
    Path((_, id, sid)): Path<(String, u64, u64)>,
) -> ApiResult {
    let store = app.store();
    let o = store.orders.get(&id).ok_or_else(ApiError::v2_not_found)?;
    let s = o
        .shipments
        .iter()
        .find(|s| s.id == sid)
        .ok_or_else(ApiError::v2_not_found)?;
    Ok(axum::Json(shipment_json(o, s)).into_response())
}

/// A shipment line.
#[derive(Debug, Deserialize)]
pub struct ShipmentItemInput {
    /// Order product.
    pub order_product_id: u64,
    /// Quantity.
    pub quantity: u64,
}

/// Shipment create/update body.
#[derive(Debug, Deserialize)]
pub struct ShipmentInput {
    /// Address.
    #[serde(default)]
    pub order_address_id: Option<u64>,
    /// Tracking number.
    #[serde(default)]
    pub tracking_number: Option<String>,
    /// Provider.
    #[serde(default)]
    pub shipping_provider: Option<String>,
    /// Carrier.
    #[serde(default)]
    pub tracking_carrier: Option<String>,
    /// Link.
    #[serde(default)]
    pub tracking_link: Option<String>,
    /// Method.
    #[serde(default)]
    pub shipping_method: Option<String>,
    /// Comments.
    #[serde(default)]
    pub comments: Option<String>,
    /// Lines.
    #[serde(default)]
    pub items: Option<Vec<ShipmentItemInput>>,
}

/// Creates a shipment; returns its id and the events.
///
/// # Errors
/// 404 for an unknown order, 400 for bad addresses, lines or quantities.
pub fn create_shipment(
    store: &mut Store,
    id: u64,
    input: ShipmentInput,
) -> Result<(u64, Vec<Event>), ApiError> {
    let order = store
        .orders
        .get(&id)
        .cloned()
        .ok_or_else(ApiError::v2_not_found)?;
    let Some(address_id) = input.order_address_id else {
        return Err(bad_request(
            "The required field 'order_address_id' was not supplied.",
        ));
    };
    if !order.shipping_addresses.iter().any(|a| a.id == address_id) {
        return Err(bad_request(format!(
            "The order address with ID {address_id} was not found."
        )));
    }
    let items = input.items.unwrap_or_default();
    if items.is_empty() {
        return Err(bad_request("The required field 'items' was not supplied."));
    }
    if input
        .tracking_number
        .as_deref()
        .is_some_and(|t| t.len() > 50)
    {
        return Err(bad_request(
            "The field 'tracking_number' must be at most 50 characters.",
        ));
    }
    let mut shipped: BTreeMap<u64, u64> = BTreeMap::new();
    for item in &items {
        let line = order
            .products
            .iter()
            .find(|p| p.id == item.order_product_id)
            .ok_or_else(|| {
                bad_request(format!(
                    "The order product with ID {} was not found.",
                    item.order_product_id
                ))
            })?;
        let total = shipped.entry(line.id).or_insert(line.quantity_shipped);
        *total += item.quantity;
        if item.quantity == 0 || *total > line.quantity {
            return Err(bad_request(format!(
                "The quantity to ship for order product {} exceeds the quantity remaining to ship.",
                line.id
            )));
        }
    }
    let sid = store.next("shipment");
    let at = now();
    let shipment = Shipment {
        id: sid,
        order_address_id: address_id,
        date_created: at,
        tracking_number: input.tracking_number.unwrap_or_default(),
        shipping_provider: input.shipping_provider.unwrap_or_default(),
        tracking_carrier: input.tracking_carrier.unwrap_or_default(),
        tracking_link: input.tracking_link.unwrap_or_default(),
        shipping_method: input.shipping_method.unwrap_or_default(),
        comments: input.comments.unwrap_or_default(),
        items: items
            .iter()
            .map(|i| {
                let pid = order
                    .products
                    .iter()
                    .find(|p| p.id == i.order_product_id)
                    .map(|p| p.product_id)
                    .unwrap_or(0);
                (i.order_product_id, pid, i.quantity)
            })
            .collect(),
    };
    let (all_shipped, previous) = {
        let o = store
            .orders
            .get_mut(&id)
            .ok_or_else(ApiError::v2_not_found)?;
        for p in o.products.iter_mut() {
            if let Some(q) = shipped.get(&p.id) {
                p.quantity_shipped = *q;
            }
        }
        o.shipments.push(shipment);
        o.date_shipped = Some(at);
        o.date_modified = at;
        (
            o.products.iter().all(|p| p.quantity_shipped >= p.quantity),
            o.status_id,
        )
    };
    let mut events = vec![Event {
        scope: "store/shipment/created".into(),
        data: json!({"type": "shipment", "id": sid, "orderId": id}),
    }];
    let status = if all_shipped { 2 } else { 3 };
    if status != previous {
        events.extend(set_status(store, id, status));
    } else {
        events.push(Event {
            scope: "store/order/updated".into(),
            data: json!({"type": "order", "id": id}),
        });
    }
    Ok((sid, events))
}

/// `POST /v2/orders/{id}/shipments`.
pub async fn create_shipment_handler(
    State(app): State<App>,
    Path((_, id)): Path<(String, u64)>,
    body: Bytes,
) -> ApiResult {
    let input: ShipmentInput = decode_v2(&body)?;
    let (body, events) = {
        let mut store = app.store();
        let (sid, events) = create_shipment(&mut store, id, input)?;
        let o = &store.orders[&id];
        let s = o
            .shipments
            .iter()
            .find(|s| s.id == sid)
            .ok_or_else(ApiError::v2_not_found)?;
        (shipment_json(o, s), events)
    };
    app.emit(events);
    Ok(created(body))
}

/// `PUT /v2/orders/{id}/shipments/{shipment_id}`.
pub async fn update_shipment(
    State(app): State<App>,
    Path((_, id, sid)): Path<(String, u64, u64)>,
    body: Bytes,
) -> ApiResult {
    let input: ShipmentInput = decode_v2(&body)?;
    let body = {
        let mut store = app.store();
        let o = store
            .orders
            .get_mut(&id)
            .ok_or_else(ApiError::v2_not_found)?;
        let s = o
            .shipments
            .iter_mut()
            .find(|s| s.id == sid)
            .ok_or_else(ApiError::v2_not_found)?;
        if let Some(v) = input.tracking_number {
            s.tracking_number = v;
        }
        if let Some(v) = input.shipping_provider {
            s.shipping_provider = v;
        }
        if let Some(v) = input.tracking_carrier {
            s.tracking_carrier = v;
        }
        if let Some(v) = input.tracking_link {
            s.tracking_link = v;
        }
        if let Some(v) = input.shipping_method {
            s.shipping_method = v;
        }
        if let Some(v) = input.comments {
            s.comments = v;
        }
        let s = s.clone();
        o.date_modified = now();
        shipment_json(o, &s)
    };
    app.emit(vec![Event {
        scope: "store/shipment/updated".into(),
        data: json!({"type": "shipment", "id": sid, "orderId": id}),
    }]);
    Ok(axum::Json(body).into_response())
}

/// `DELETE /v2/orders/{id}/shipments/{shipment_id}` (quantities return; the status stays, as on
/// the real API).
pub async fn delete_shipment(
    State(app): State<App>,
    Path((_, id, sid)): Path<(String, u64, u64)>,
) -> ApiResult {
    {
        let mut store = app.store();
        let o = store
            .orders
            .get_mut(&id)
            .ok_or_else(ApiError::v2_not_found)?;
        let pos = o
            .shipments
            .iter()
            .position(|s| s.id == sid)
            .ok_or_else(ApiError::v2_not_found)?;
        let s = o.shipments.remove(pos);
        for (op, _, qty) in s.items {
            if let Some(p) = o.products.iter_mut().find(|p| p.id == op) {
                p.quantity_shipped = p.quantity_shipped.saturating_sub(qty);
            }
        }
        o.date_modified = now();
    }
    app.emit(vec![Event {
        scope: "store/shipment/deleted".into(),
        data: json!({"type": "shipment", "id": sid, "orderId": id}),
    }]);
    Ok(StatusCode::NO_CONTENT.into_response())
}

fn status_json(id: u32, name: &str, description: &str) -> Value {
    json!({"id": id, "name": name, "system_label": name, "custom_label": name,
           "system_description": description, "order": id})
}

/// `GET /v2/order_statuses`.
pub async fn statuses() -> ApiResult {
    Ok(v2_list(
        ORDER_STATUSES
            .iter()
            .map(|(id, name, d)| status_json(*id, name, d))
            .collect(),
    ))
}

/// `GET /v2/order_statuses/{id}`.
pub async fn status(Path((_, id)): Path<(String, u32)>) -> ApiResult {
    let (id, name, d) = ORDER_STATUSES
        .iter()
        .find(|(i, _, _)| *i == id)
        .ok_or_else(ApiError::v2_not_found)?;
    Ok(axum::Json(status_json(*id, name, d)).into_response())
}

/// `GET /v3/orders/{id}/transactions`.
pub async fn transactions(
    State(app): State<App>,
    Path((_, id)): Path<(String, u64)>,
    RawQuery(raw): RawQuery,
) -> ApiResult {
    let q = Query::parse(raw.as_deref());
    let store = app.store();
    let o = store.orders.get(&id).ok_or_else(ApiError::v3_not_found)?;
    v3_page(o.transactions.clone(), &q)
}

/// `GET /v3/orders/{id}/payment_actions/refunds`.
pub async fn refunds(
    State(app): State<App>,
    Path((_, id)): Path<(String, u64)>,
    RawQuery(raw): RawQuery,
) -> ApiResult {
    let q = Query::parse(raw.as_deref());
    let store = app.store();
    let o = store.orders.get(&id).ok_or_else(ApiError::v3_not_found)?;
    v3_page(o.refunds.clone(), &q)
}

/// A refund line.
#[derive(Debug, Clone, Deserialize)]
pub struct RefundItem {
    /// `PRODUCT`, `SHIPPING`, `ORDER`...
    pub item_type: String,
    /// Order product id (or address id for shipping).
    pub item_id: u64,
    /// Quantity (products).
    #[serde(default)]
    pub quantity: Option<u64>,
    /// Amount (non-product items).
    #[serde(default)]
    pub amount: Option<Decimal>,
    /// Reason of the line.
    #[serde(default)]
    pub reason: Option<String>,
}

/// A refund payment.
#[derive(Debug, Clone, Deserialize)]
pub struct RefundPayment {
    /// Provider.
    pub provider_id: String,
    /// Amount.
    pub amount: Decimal,
    /// Offline.
    #[serde(default)]
    pub offline: bool,
}

/// Refund quote / refund body.
#[derive(Debug, Clone, Deserialize)]
pub struct RefundRequest {
    /// Lines.
    pub items: Vec<RefundItem>,
    /// Payments (refunds only).
    #[serde(default)]
    pub payments: Vec<RefundPayment>,
    /// Reason.
    #[serde(default)]
    pub reason: Option<String>,
}

fn refund_amount(o: &Order, items: &[RefundItem]) -> Result<Decimal, ApiError> {
    let mut total = Decimal::ZERO;
    for item in items {
        match item.item_type.as_str() {
            "PRODUCT" => {
                let line = o
                    .products
                    .iter()
                    .find(|p| p.id == item.item_id)
                    .ok_or_else(|| {
                        ApiError::v3(
                            StatusCode::UNPROCESSABLE_ENTITY,
                            format!("Order product {} does not exist", item.item_id),
                        )
                    })?;
                let qty = item.quantity.unwrap_or(line.quantity);
                if qty > line.quantity {
                    return Err(ApiError::v3(
                        StatusCode::UNPROCESSABLE_ENTITY,
                        format!(
                            "Refund quantity for order product {} exceeds the quantity ordered",
                            line.id
                        ),
                    ));
                }
                total += line.price_inc_tax * Decimal::from(qty);
            }
            "SHIPPING" => {
                // item_id is the order address id (docs/store-operations/orders/refunds.mdx)
                if !o.shipping_addresses.iter().any(|a| a.id == item.item_id) {
                    return Err(ApiError::v3(
                        StatusCode::UNPROCESSABLE_ENTITY,
                        format!("Order address {} does not exist", item.item_id),
                    ));
                }
                let amount = item.amount.unwrap_or(o.shipping_cost_inc_tax);
                if amount.is_sign_negative() || amount > o.shipping_cost_inc_tax {
                    return Err(ApiError::v3(
                        StatusCode::UNPROCESSABLE_ENTITY,
                        "The shipping refund amount exceeds the shipping cost",
                    ));
                }
                total += amount;
            }
            _ => total += item.amount.unwrap_or_default(),
        }
    }
    let remaining = o.total_inc_tax() - o.refunded_amount;
    if total > remaining {
        return Err(ApiError::v3(
            StatusCode::UNPROCESSABLE_ENTITY,
            "The refund amount exceeds the amount remaining on the order",
        ));
    }
    Ok(total)
}

/// `POST /v3/orders/{id}/payment_actions/refund_quotes`.
pub async fn refund_quote(
    State(app): State<App>,
    Path((_, id)): Path<(String, u64)>,
    body: Bytes,
) -> ApiResult {
    let req: RefundRequest = super::wire::decode(&body)?;
    let store = app.store();
    let o = store.orders.get(&id).ok_or_else(ApiError::v3_not_found)?;
    let amount = refund_amount(o, &req.items)?;
    // Registered customers may be refunded in store credit, offered first; the order's own
    // payment (taken outside BigCommerce for API orders) can only be refunded offline.
    let mut methods = Vec::new();
    if o.customer_id != 0 {
        methods.push(json!([{"provider_id": "storecredit", "provider_description": "Store Credit", "amount": num(amount), "offline": false, "offline_provider": false, "offline_reason": ""}]));
    }
    methods.push(json!([{"provider_id": "custom", "provider_description": "Custom", "amount": num(amount), "offline": true, "offline_provider": true, "offline_reason": ""}]));
    Ok(v3_single(json!({
        "order_id": id,
        "total_refund_amount": num(amount),
        "total_refund_tax_amount": 0,
        "rounding": 0,
        "adjustment": 0,
        "tax_inclusive": true,
        "refund_methods": methods,
    })))
}

/// `POST /v3/orders/{id}/payment_actions/refunds`.
pub async fn refund(
    State(app): State<App>,
    Path((_, id)): Path<(String, u64)>,
    body: Bytes,
) -> ApiResult {
    let req: RefundRequest = super::wire::decode(&body)?;
    let (body, events) = {
        let mut store = app.store();
        let o = store
            .orders
            .get(&id)
            .cloned()
            .ok_or_else(ApiError::v3_not_found)?;
        let amount = refund_amount(&o, &req.items)?;
        if o.customer_id == 0
            && req
                .payments
                .iter()
                .any(|p| p.provider_id.eq_ignore_ascii_case("storecredit"))
        {
            // orders.v3.yml createOrderRefund, 422
            return Err(ApiError::v3(
                StatusCode::UNPROCESSABLE_ENTITY,
                "Unable to process a guest refund with store credit.",
            ));
        }
        let paid: Decimal = req.payments.iter().map(|p| p.amount).sum();
        if !req.payments.is_empty() && paid != amount {
            return Err(ApiError::v3(
                StatusCode::UNPROCESSABLE_ENTITY,
                "The sum of the payments does not match the refund amount",
            ));
        }
        let rid = store.next("refund");
        let payments: Vec<Value> = req
            .payments
            .iter()
            .map(|p| json!({"id": rid * 10, "provider_id": p.provider_id, "amount": num(p.amount), "offline": p.offline, "is_declined": false, "declined_message": ""}))
            .collect();
        let refund = json!({
            "id": rid, "order_id": id, "user_id": 0, "created": v3_date(now()),
            // the refund's reason: the lines' reasons (RefundRequest_Post has them per item)
            "reason": req.reason.clone().unwrap_or_else(|| {
                let mut seen: Vec<&str> = Vec::new();
                for r in req.items.iter().filter_map(|i| i.reason.as_deref()) {
                    if !seen.contains(&r) {
                        seen.push(r);
                    }
                }
                seen.join("; ")
            }), "total_amount": num(amount), "total_tax": 0,
            "uses_merchant_override_values": false, "payments": payments,
            "items": req.items.iter().map(|i| json!({"item_type": i.item_type, "item_id": i.item_id, "quantity": i.quantity, "requested_amount": i.amount.map(num), "reason": i.reason})).collect::<Vec<_>>(),
        });
        let mut events = vec![Event {
            scope: "store/order/refund/created".into(),
            data: json!({"type": "order", "id": id, "refund": {"refund_id": rid}}),
        }];
        let full = {
            let order = store
                .orders
                .get_mut(&id)
                .ok_or_else(ApiError::v3_not_found)?;
            order.refunded_amount += amount;
            order.refunds.push(refund.clone());
            let tx_id = rid + 1_000_000;
            order.transactions.push(json!({
                "id": tx_id, "order_id": id.to_string(), "event": "refund", "method": "offline",
                "amount": num(amount), "currency": order.currency_code, "gateway": "custom",
                "status": "ok", "test": false, "fraud_review": false, "date_created": v3_date(now()),
            }));
            order.refunded_amount >= order.total_inc_tax()
        };
        events.extend(set_status(&mut store, id, if full { 4 } else { 14 }));
        (refund, events)
    };
    app.emit(events);
    Ok((
        StatusCode::CREATED,
        axum::Json(json!({"data": body, "meta": {}})),
    )
        .into_response())
}
