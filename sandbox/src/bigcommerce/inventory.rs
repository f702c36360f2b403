//! Inventory v3: locations, items, absolute and relative adjustments.

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};

use super::App;
use super::model::{ItemKey, Location, Store, Tracking};
use super::wire::{ApiError, ApiResult, Query, decode, v3_page, v3_page_map};

/// Most items in one adjustment.
pub const ADJUSTMENT_LIMIT: usize = 2000;

/// One inventory item: its identity and stock key.
struct Item {
    key: ItemKey,
    sku: String,
    variant_id: u64,
    product_id: u64,
    sku_id: u64,
}

fn items(store: &Store) -> Vec<Item> {
    let mut out = Vec::new();
    for p in store.products.values() {
        let per_variant = store.has_options(p) && p.inventory_tracking != Tracking::Product;
        if per_variant {
            for v in store.variants_of(p.id) {
                out.push(Item {
                    key: ItemKey::Variant(v.id),
                    sku: v.sku.clone(),
                    variant_id: v.id,
                    product_id: p.id,
                    sku_id: v.sku_id,
                });
            }
        } else {
            let base = p.base_variant_id.and_then(|b| store.variants.get(&b));
            out.push(Item {
                key: ItemKey::Product(p.id),
                sku: p.sku.clone(),
                variant_id: base.map(|b| b.id).unwrap_or(0),
                product_id: p.id,
                sku_id: base.map(|b| b.sku_id).unwrap_or(0),
            });
        }
    }
    out
}

fn settings(store: &Store, item: &Item) -> Value {
    let warning = store
        .variants
        .get(&item.variant_id)
        .map(|v| v.inventory_warning_level)
        .unwrap_or(0);
    json!({"safety_stock": 0, "is_in_stock": true, "warning_level": warning, "bin_picking_number": ""})
}

fn location_json(l: &Location) -> Value {
    json!({
        "id": l.id, "code": l.code, "label": l.label, "description": "",
        "managed_by_external_source": false, "type_id": "PHYSICAL", "enabled": l.enabled,
        "operating_hours": Value::Null, "time_zone": "Etc/UTC", "address": Value::Null,
        "storefront_visibility": true,
    })
}

struct Filters {
    skus: Option<Vec<String>>,
    variants: Option<Vec<u64>>,
    products: Option<Vec<u64>>,
}

impl Filters {
    fn parse(q: &Query) -> Result<Self, ApiError> {
        Ok(Filters {
            skus: q.list("sku:in"),
            variants: q.ids("variant_id:in")?,
            products: q.ids("product_id:in")?,
        })
    }

    fn keep(&self, item: &Item) -> bool {
        self.skus.as_ref().is_none_or(|l| l.contains(&item.sku))
            && self
                .variants
                .as_ref()
                .is_none_or(|l| l.contains(&item.variant_id))
            && self
                .products
                .as_ref()
                .is_none_or(|l| l.contains(&item.product_id))
    }
}

/// `GET /v3/inventory/locations`.
pub async fn list_locations(State(app): State<App>, RawQuery(raw): RawQuery) -> ApiResult {
    let q = Query::parse(raw.as_deref());
    let ids = q.ids("location_id:in")?;
    let store = app.store();
    let items = store
        .locations
        .values()
        .filter(|l| ids.as_ref().is_none_or(|i| i.contains(&l.id)))
        .map(location_json)
        .collect();
    v3_page(items, &q)
}

/// `GET /v3/inventory/items`.
pub async fn list_items(State(app): State<App>, RawQuery(raw): RawQuery) -> ApiResult {
    let q = Query::parse(raw.as_deref());
    let filters = Filters::parse(&q)?;
    let locations = q.ids("location_id:in")?;
    let store = app.store();
    let selected: Vec<Item> = items(&store)
        .into_iter()
        .filter(|i| filters.keep(i))
        .collect();
    v3_page_map(selected, &q, |item| {
        let locs: Vec<Value> = store
            .locations
            .values()
            .filter(|l| locations.as_ref().is_none_or(|ids| ids.contains(&l.id)))
            .map(|l| {
                let qty = store.on_hand_at(l.id, item.key).unwrap_or(0);
                json!({
                    "location_id": l.id, "location_code": l.code, "location_name": l.label,
                    "available_to_sell": qty.max(0), "total_inventory_onhand": qty,
                    "location_enabled": l.enabled, "settings": settings(&store, &item),
                })
            })
            .collect();
        json!({
            "identity": {"sku": item.sku, "variant_id": item.variant_id, "product_id": item.product_id, "sku_id": item.sku_id},
            "locations": locs,
        })
    })
}

/// `GET /v3/inventory/locations/{location_id}/items`.
pub async fn list_location_items(
    State(app): State<App>,
    Path((_, location)): Path<(String, u64)>,
    RawQuery(raw): RawQuery,
) -> ApiResult {
    let q = Query::parse(raw.as_deref());
    let filters = Filters::parse(&q)?;
    let store = app.store();
    if !store.locations.contains_key(&location) {
        return Err(ApiError::v3_not_found());
    }
    let selected: Vec<Item> = items(&store)
        .into_iter()
        .filter(|i| filters.keep(i))
        .collect();
    v3_page_map(selected, &q, |item| {
        let qty = store.on_hand_at(location, item.key).unwrap_or(0);
        json!({
            "identity": {"sku": item.sku, "variant_id": item.variant_id, "product_id": item.product_id},
            "available_to_sell": qty.max(0),
            "total_inventory_onhand": qty,
            "settings": settings(&store, &item),
        })
    })
}

/// One adjustment line.
#[derive(Debug, Deserialize)]
pub struct AdjustmentItem {
    /// Location (default 1).
    #[serde(default)]
    pub location_id: Option<u64>,
    /// Variant.
    #[serde(default)]
    pub variant_id: Option<u64>,
    /// SKU.
    #[serde(default)]
    pub sku: Option<String>,
    /// Product.
    #[serde(default)]
    pub product_id: Option<u64>,
    /// Quantity (absolute) or delta (relative).
    pub quantity: i64,
}

/// An adjustment body.
#[derive(Debug, Deserialize)]
pub struct Adjustment {
    /// Reason (accepted, not stored).
    #[serde(default)]
    #[allow(dead_code)]
    pub reason: Option<String>,
    /// Lines.
    pub items: Vec<AdjustmentItem>,
}

fn adjust(app: &App, body: &[u8], relative: bool) -> ApiResult {
    let adjustment: Adjustment = decode(body)?;
    if adjustment.items.len() > ADJUSTMENT_LIMIT {
        return Err(ApiError::v3(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!(
                "The request payload is too large. The maximum items allowed in the array is {ADJUSTMENT_LIMIT}."
            ),
        ));
    }
    let (transaction, events) = {
        let mut store = app.store();
        // Validate every line first: the real API applies all or nothing.
        let mut resolved = Vec::with_capacity(adjustment.items.len());
        let mut pending: std::collections::BTreeMap<(u64, ItemKey), i64> = Default::default();
        for item in &adjustment.items {
            let location = item.location_id.unwrap_or_else(|| store.default_location());
            if !store.locations.contains_key(&location) {
                return Err(ApiError::v3(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    format!("[Location with id {location} does not exist]"),
                ));
            }
            let key = store.resolve_item(item.variant_id, item.sku.as_deref(), item.product_id)?;
            if relative {
                let current = match pending.get(&(location, key)) {
                    Some(q) => Some(*q),
                    None => store.on_hand_at(location, key),
                };
                let Some(current) = current else {
                    let what = match key {
                        ItemKey::Product(p) => format!("product_id {p}"),
                        ItemKey::Variant(v) => format!("variant_id {v}"),
                    };
                    return Err(ApiError::v3(
                        StatusCode::UNPROCESSABLE_ENTITY,
                        format!(
                            "Items with identity: [{what}] requires absolute adjustment before relative"
                        ),
                    ));
                };
                if current + item.quantity < 0 {
                    return Err(ApiError::v3(
                        StatusCode::UNPROCESSABLE_ENTITY,
                        "Relative adjustment would take the inventory below the safety stock",
                    ));
                }
                pending.insert((location, key), current + item.quantity);
            } else if item.quantity < 0 {
                return Err(ApiError::v3(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "Absolute adjustment quantity must not be negative",
                ));
            }
            resolved.push((location, key, item.quantity));
        }
        let mut events = Vec::new();
        for (location, key, quantity) in resolved {
            if relative {
                events.extend(store.add_stock(location, key, quantity, false));
            } else {
                events.extend(store.set_stock(location, key, quantity, false));
            }
        }
        let tx = store.next("inventory_transaction");
        (
            format!("{:08x}-sandbox-{tx}", tx.wrapping_mul(2_654_435_761)),
            events,
        )
    };
    app.emit(events);
    Ok(v3_single_tx(transaction))
}

fn v3_single_tx(transaction: String) -> axum::response::Response {
    axum::response::IntoResponse::into_response(axum::Json(json!({"transaction_id": transaction})))
}

/// `PUT /v3/inventory/adjustments/absolute`.
pub async fn absolute(State(app): State<App>, body: Bytes) -> ApiResult {
    adjust(&app, &body, false)
}

/// `POST /v3/inventory/adjustments/relative`.
pub async fn relative(State(app): State<App>, body: Bytes) -> ApiResult {
    adjust(&app, &body, true)
}

/// Location create body.
#[derive(Debug, Deserialize)]
pub struct LocationInput {
    /// Code.
    pub code: String,
    /// Label.
    pub label: String,
    /// Enabled.
    #[serde(default)]
    pub enabled: Option<bool>,
}

/// `POST /v3/inventory/locations` (array body, as the spec).
pub async fn create_locations(State(app): State<App>, body: Bytes) -> ApiResult {
    let inputs: Vec<LocationInput> = decode(&body)?;
    let mut store = app.store();
    let mut ids = Vec::new();
    for input in inputs {
        let id = store.next("location");
        store.locations.insert(
            id,
            Location {
                id,
                code: input.code,
                label: input.label,
                enabled: input.enabled.unwrap_or(true),
            },
        );
        ids.push(id);
    }
    let tx = store.next("inventory_transaction");
    Ok(axum::response::IntoResponse::into_response(axum::Json(
        json!({"transaction_id": format!("sandbox-{tx}"), "location_ids": ids}),
    )))
}
