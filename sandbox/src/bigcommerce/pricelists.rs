//! Price lists v3: lists and records.

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use rust_decimal::Decimal;
use serde::Deserialize;
use serde_json::{Value, json};

use super::App;
use super::model::{PriceList, PriceRecord, Store};
use super::wire::{ApiError, ApiResult, Query, decode, now, opt_num, v3_date, v3_page, v3_single};

/// Most records in one upsert.
pub const UPSERT_LIMIT: usize = 1000;

fn list_json(l: &PriceList) -> Value {
    json!({
        "id": l.id, "name": l.name, "active": l.active,
        "date_created": v3_date(l.date_created), "date_modified": v3_date(l.date_modified),
    })
}

fn record_json(store: &Store, list_id: u64, r: &PriceRecord) -> Value {
    let variant = store.variants.get(&r.variant_id);
    let calculated = r.sale_price.filter(|s| *s > Decimal::ZERO).or(r.price);
    json!({
        "price_list_id": list_id,
        "variant_id": r.variant_id,
        "sku": variant.map(|v| v.sku.clone()).unwrap_or_default(),
        "product_id": variant.map(|v| v.product_id).unwrap_or(0),
        "currency": r.currency,
        "price": opt_num(r.price),
        "sale_price": opt_num(r.sale_price),
        "retail_price": opt_num(r.retail_price),
        "map_price": opt_num(r.map_price),
        "calculated_price": opt_num(calculated),
        "date_created": v3_date(r.date_created),
        "date_modified": v3_date(r.date_modified),
    })
}

/// `GET /v3/pricelists`.
pub async fn list(State(app): State<App>, RawQuery(raw): RawQuery) -> ApiResult {
    let q = Query::parse(raw.as_deref());
    let ids = q.ids("id:in")?;
    let name = q.get("name").map(str::to_owned);
    let store = app.store();
    let items = store
        .price_lists
        .values()
        .filter(|l| ids.as_ref().is_none_or(|i| i.contains(&l.id)))
        .filter(|l| name.as_deref().is_none_or(|n| l.name == n))
        .map(list_json)
        .collect();
    v3_page(items, &q)
}

/// `GET /v3/pricelists/{id}`.
pub async fn get(State(app): State<App>, Path((_, id)): Path<(String, u64)>) -> ApiResult {
    let store = app.store();
    let l = store
        .price_lists
        .get(&id)
        .ok_or_else(ApiError::v3_not_found)?;
    Ok(v3_single(list_json(l)))
}

/// Price list create body.
#[derive(Debug, Deserialize)]
pub struct PriceListInput {
    /// Name.
    pub name: String,
    /// Active.
    #[serde(default)]
    pub active: Option<bool>,
}

/// `POST /v3/pricelists`.
pub async fn create(State(app): State<App>, body: Bytes) -> ApiResult {
    let input: PriceListInput = decode(&body)?;
    let mut store = app.store();
    if store.price_lists.values().any(|l| l.name == input.name) {
        return Err(ApiError::v3(
            StatusCode::CONFLICT,
            "A price list with this name already exists",
        ));
    }
    let id = store.next("price_list");
    let at = now();
    let l = PriceList {
        id,
        name: input.name,
        active: input.active.unwrap_or(true),
        date_created: at,
        date_modified: at,
    };
    let body = list_json(&l);
    store.price_lists.insert(id, l);
    Ok(v3_single(body))
}

/// `GET /v3/pricelists/{id}/records`.
pub async fn records(
    State(app): State<App>,
    Path((_, id)): Path<(String, u64)>,
    RawQuery(raw): RawQuery,
) -> ApiResult {
    let q = Query::parse(raw.as_deref());
    let variants = q.ids("variant_id:in")?;
    let products = q.ids("product_id:in")?;
    let skus = q.list("sku:in");
    let currency = q.get("currency").map(str::to_lowercase);
    let store = app.store();
    if !store.price_lists.contains_key(&id) {
        return Err(ApiError::v3_not_found());
    }
    let items = store
        .price_records
        .range((id, 0, String::new())..(id + 1, 0, String::new()))
        .map(|(_, r)| r)
        .filter(|r| variants.as_ref().is_none_or(|l| l.contains(&r.variant_id)))
        .filter(|r| {
            products.as_ref().is_none_or(|l| {
                store
                    .variants
                    .get(&r.variant_id)
                    .is_some_and(|v| l.contains(&v.product_id))
            })
        })
        .filter(|r| {
            skus.as_ref().is_none_or(|l| {
                store
                    .variants
                    .get(&r.variant_id)
                    .is_some_and(|v| l.contains(&v.sku))
            })
        })
        .filter(|r| currency.as_deref().is_none_or(|c| r.currency == c))
        .map(|r| record_json(&store, id, r))
        .collect();
    v3_page(items, &q)
}

/// One upserted record.
#[derive(Debug, Deserialize)]
pub struct RecordInput {
    /// Variant.
    #[serde(default)]
    pub variant_id: Option<u64>,
    /// SKU.
    #[serde(default)]
    pub sku: Option<String>,
    /// Currency.
    pub currency: String,
    /// Price.
    #[serde(default)]
    pub price: Option<Decimal>,
    /// Sale price.
    #[serde(default)]
    pub sale_price: Option<Decimal>,
    /// Retail price.
    #[serde(default)]
    pub retail_price: Option<Decimal>,
    /// MAP.
    #[serde(default)]
    pub map_price: Option<Decimal>,
}

/// `PUT /v3/pricelists/{id}/records` (upsert, at most 1,000).
pub async fn upsert(
    State(app): State<App>,
    Path((_, id)): Path<(String, u64)>,
    body: Bytes,
) -> ApiResult {
    let inputs: Vec<RecordInput> = decode(&body)?;
    if inputs.len() > UPSERT_LIMIT {
        return Err(ApiError::v3(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!(
                "The request payload is too large. The maximum items allowed in the array is {UPSERT_LIMIT}."
            ),
        ));
    }
    let mut store = app.store();
    if !store.price_lists.contains_key(&id) {
        return Err(ApiError::v3_not_found());
    }
    let mut resolved = Vec::new();
    for (i, input) in inputs.into_iter().enumerate() {
        let vid = match (input.variant_id, input.sku.as_deref()) {
            (Some(v), _) if store.variants.contains_key(&v) => v,
            (None, Some(sku)) => match store.variant_by_sku(sku) {
                Some(v) => v.id,
                None => {
                    return Err(ApiError::v3_fields(
                        StatusCode::UNPROCESSABLE_ENTITY,
                        "The request is not valid.",
                        json!({format!("{i}.sku"): "sku does not exist"}),
                    ));
                }
            },
            _ => {
                return Err(ApiError::v3_fields(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "The request is not valid.",
                    json!({format!("{i}.variant_id"): "variant_id does not exist"}),
                ));
            }
        };
        resolved.push((vid, input));
    }
    let at = now();
    for (vid, input) in resolved {
        let currency = input.currency.to_lowercase();
        let key = (id, vid, currency.clone());
        let created = store
            .price_records
            .get(&key)
            .map(|r| r.date_created)
            .unwrap_or(at);
        store.price_records.insert(
            key,
            PriceRecord {
                variant_id: vid,
                currency,
                price: input.price,
                sale_price: input.sale_price,
                retail_price: input.retail_price,
                map_price: input.map_price,
                date_created: created,
                date_modified: at,
            },
        );
    }
    if let Some(l) = store.price_lists.get_mut(&id) {
        l.date_modified = at;
    }
    Ok(v3_single(json!({})))
}
