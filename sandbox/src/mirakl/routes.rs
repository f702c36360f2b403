//! HTTP routes: paths, auth, call ceilings and bodies as the seller OpenAPI describes them.

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{MatchedPath, Multipart, Path, Query, Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use serde::Serialize;
use serde_json::{Value, json};

use std::time::Duration;

use super::Shared;
use super::catalog;
use super::clock::{iso, parse_date};
use super::imports::{ImportKind, ImportMode, Payload};
use super::limits::{Ceiling, OF52_FULL};
use super::state::{ApiError, OrderFilter};
use super::wire::error_body;

type Ctx = State<Arc<Shared>>;
type Params = Query<Vec<(String, String)>>;

pub(crate) fn router(shared: Arc<Shared>, checker: crate::contract::Checker) -> Router {
    let r = Router::new()
        .route("/api/version", get(version))
        .route("/api/account", get(account))
        .route("/api/additional_fields", get(additional_fields))
        .route("/api/platform/configuration", get(platform_configuration))
        .route("/api/shipping/carriers", get(carriers))
        .route("/api/reasons", get(reasons))
        .route("/api/shipping/logistic_classes", get(logistic_classes))
        .route("/api/hierarchies", get(hierarchies))
        .route("/api/products/attributes", get(attributes))
        .route("/api/values_lists", get(values_lists))
        .route("/api/offers", get(list_offers).post(upsert_offers))
        .route("/api/offers/states", get(offer_states))
        .route("/api/offers/{offer}", get(get_offer))
        .route(
            "/api/offers/imports",
            post(offer_import).get(list_offer_imports),
        )
        .route("/api/offers/imports/{import}", get(offer_import_status))
        .route(
            "/api/offers/imports/{import}/error_report",
            get(offer_import_report),
        )
        .route("/api/offers/export/async", post(export_offers))
        .route(
            "/api/offers/export/async/status/{tracking_id}",
            get(export_status),
        )
        .route(
            "/api/offers/export/async/file/{tracking_id}",
            get(export_file),
        )
        .route("/api/offers/stock/imports", post(stock_import))
        .route(
            "/api/offers/stock/imports/{import_id}/status",
            get(stock_import_status),
        )
        .route(
            "/api/offers/stock/imports/{import_id}/error_report",
            get(stock_import_report),
        )
        .route(
            "/api/offers/pricing/imports",
            post(price_import).get(list_price_imports),
        )
        .route(
            "/api/offers/pricing/imports/{import_id}/error_report",
            get(price_import_report),
        )
        .route(
            "/api/products/imports",
            post(product_import).get(list_product_imports),
        )
        .route("/api/products/imports/{import}", get(product_import_status))
        .route(
            "/api/products/imports/{import}/error_report",
            get(product_import_report),
        )
        .route("/api/orders", get(list_orders).put(update_orders))
        .route("/api/orders/refund", put(refund))
        .route("/api/orders/cancel", put(cancel_lines))
        .route("/api/orders/documents", get(list_documents))
        .route("/api/orders/documents/download", get(download_documents))
        .route("/api/orders/{order_id}/accept", put(accept))
        .route("/api/orders/{order_id}/tracking", put(tracking))
        .route("/api/orders/{order_id}/ship", put(ship))
        .route("/api/orders/{order_id}/cancel", put(cancel))
        .route("/api/shipments", post(create_shipments).get(list_shipments))
        .route("/api/shipments/tracking", post(shipment_tracking))
        .route("/api/shipments/ship", put(ship_shipments))
        .route(
            "/api/orders/{order_id}/threads",
            post(super::messages::open),
        )
        .route("/api/inbox/threads", get(super::messages::list))
        .route("/api/inbox/threads/{thread_id}", get(super::messages::get))
        .route(
            "/api/inbox/threads/{thread_id}/message",
            post(super::messages::reply),
        )
        .fallback(not_found);
    // The guard (auth, shop_id, ceilings) runs first on served routes, then the contract check;
    // the contract check also sees requests no route serves.
    crate::contract::layer(r, checker)
        .route_layer(middleware::from_fn_with_state(shared.clone(), guard))
        .with_state(shared)
        // The spec documents no size limit for import files (OF01, STO01, PRI01, P41): a whole
        // catalog in one OF01 file is the documented bulk path, so axum's 2 MB default (a
        // framework default, not Mirakl's) must not refuse it.
        .layer(axum::extract::DefaultBodyLimit::max(IMPORT_FILE_LIMIT))
}

/// Largest request body the stand-in reads (an OF01 file of 30,000 offers is about 4 MB).
const IMPORT_FILE_LIMIT: usize = 256 << 20;

/// The Mirakl operation code of a route.
fn operation(method: &Method, template: &str) -> Option<&'static str> {
    let m = method.as_str();
    Some(match (m, template) {
        ("GET", "/api/version") => "V01",
        ("GET", "/api/account") => "A01",
        ("GET", "/api/additional_fields") => "AF01",
        ("GET", "/api/platform/configuration") => "PC01",
        ("GET", "/api/shipping/carriers") => "SH21",
        ("GET", "/api/shipping/logistic_classes") => "SH31",
        ("GET", "/api/hierarchies") => "H11",
        ("GET", "/api/products/attributes") => "PM11",
        ("GET", "/api/values_lists") => "VL11",
        ("GET", "/api/offers") => "OF21",
        ("POST", "/api/offers") => "OF24",
        ("GET", "/api/offers/states") => "OF61",
        ("GET", "/api/offers/{offer}") => "OF22",
        ("POST", "/api/offers/imports") => "OF01",
        ("GET", "/api/offers/imports") => "OF04",
        ("GET", "/api/offers/imports/{import}") => "OF02",
        ("GET", "/api/offers/imports/{import}/error_report") => "OF03",
        ("POST", "/api/offers/export/async") => "OF52",
        ("GET", "/api/offers/export/async/status/{tracking_id}") => "OF53",
        ("GET", "/api/offers/export/async/file/{tracking_id}") => "OF54",
        ("POST", "/api/offers/stock/imports") => "STO01",
        ("GET", "/api/offers/stock/imports/{import_id}/status") => "STO02",
        ("GET", "/api/offers/stock/imports/{import_id}/error_report") => "STO03",
        ("POST", "/api/offers/pricing/imports") => "PRI01",
        ("GET", "/api/offers/pricing/imports") => "PRI02",
        ("GET", "/api/offers/pricing/imports/{import_id}/error_report") => "PRI03",
        ("POST", "/api/products/imports") => "P41",
        ("GET", "/api/products/imports") => "P51",
        ("GET", "/api/products/imports/{import}") => "P42",
        ("GET", "/api/products/imports/{import}/error_report") => "P44",
        ("GET", "/api/orders") => "OR11",
        ("PUT", "/api/orders") => "OR04",
        ("PUT", "/api/orders/refund") => "OR28",
        ("PUT", "/api/orders/cancel") => "OR30",
        ("GET", "/api/orders/documents") => "OR72",
        ("GET", "/api/orders/documents/download") => "OR73",
        ("PUT", "/api/orders/{order_id}/accept") => "OR21",
        ("PUT", "/api/orders/{order_id}/tracking") => "OR23",
        ("PUT", "/api/orders/{order_id}/ship") => "OR24",
        ("PUT", "/api/orders/{order_id}/cancel") => "OR29",
        ("POST", "/api/shipments") => "ST01",
        ("GET", "/api/shipments") => "ST11",
        ("POST", "/api/shipments/tracking") => "ST23",
        ("PUT", "/api/shipments/ship") => "ST24",
        ("POST", "/api/orders/{order_id}/threads") => "OR43",
        ("GET", "/api/inbox/threads") => "M11",
        ("GET", "/api/inbox/threads/{thread_id}") => "M10",
        ("POST", "/api/inbox/threads/{thread_id}/message") => "M12",
        _ => return None,
    })
}

fn error(status: u16, message: &str) -> Response {
    let code = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (
        code,
        [(header::CONTENT_TYPE, "application/json")],
        error_body(status, message),
    )
        .into_response()
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        error(self.status, &self.message)
    }
}

async fn not_found() -> Response {
    error(404, "Not found")
}

/// Auth (raw key in `Authorization`), `shop_id`, call ceilings.
async fn guard(State(shared): Ctx, request: Request, next: Next) -> Response {
    let template = request
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_owned())
        .unwrap_or_default();
    let op = operation(request.method(), &template);
    let (api_key, shop_id, ceiling) = {
        let state = shared.state.lock().unwrap_or_else(|e| e.into_inner());
        let ceiling = op.and_then(|op| state.config.ceilings.get(op).copied());
        (state.config.api_key.clone(), state.config.shop_id, ceiling)
    };
    if op != Some("V01") {
        let sent = request
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        if sent.is_empty() || sent.as_bytes() != api_key.as_bytes() {
            return error(401, "Unauthorized");
        }
    }
    let query = request.uri().query().unwrap_or_default();
    if let Some((_, value)) =
        url::form_urlencoded::parse(query.as_bytes()).find(|(k, _)| k == "shop_id")
    {
        match value.parse::<u64>() {
            Ok(id) if id == shop_id => {}
            Ok(id) => return error(403, &format!("You are not allowed to access the shop {id}")),
            Err(_) => return error(400, &format!("Invalid shop_id '{value}'")),
        }
    }
    if let (Some(op), Some(ceiling)) = (op, ceiling) {
        let now = shared.clock.now();
        let verdict = shared
            .limiter
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .check(op, shop_id, ceiling, now);
        if let Err(wait) = verdict {
            return too_many(&shared, op, ceiling, wait);
        }
    }
    next.run(request).await
}

/// The 429 of a call over its ceiling, with `Retry-After` in real seconds.
fn too_many(shared: &Shared, op: &str, ceiling: Ceiling, wait: Duration) -> Response {
    let real = shared.clock.to_real(wait);
    let secs = real.as_secs() + u64::from(real.subsec_nanos() > 0);
    let mut response = error(
        429,
        &format!(
            "Too many requests: {op} is limited to {} call(s) per {:?}",
            ceiling.max_calls, ceiling.window
        ),
    );
    if let Ok(v) = HeaderValue::from_str(&secs.max(1).to_string()) {
        response.headers_mut().insert(header::RETRY_AFTER, v);
    }
    response
}

// ------------------------------------------------------------------ helpers

fn param<'a>(params: &'a [(String, String)], key: &str) -> Option<&'a str> {
    params
        .iter()
        .find(|(k, v)| k == key && !v.trim().is_empty())
        .map(|(_, v)| v.trim())
}

fn list_param(params: &[(String, String)], key: &str) -> Option<Vec<String>> {
    let values: Vec<String> = params
        .iter()
        .filter(|(k, _)| k == key)
        .flat_map(|(_, v)| v.split(','))
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .collect();
    (!values.is_empty()).then_some(values)
}

fn date_param(
    params: &[(String, String)],
    key: &str,
) -> Result<Option<time::OffsetDateTime>, ApiError> {
    param(params, key)
        .map(|t| {
            parse_date(t).ok_or_else(|| {
                ApiError::bad_request(format!("Invalid date for parameter {key}: '{t}'"))
            })
        })
        .transpose()
}

fn bool_param(params: &[(String, String)], key: &str) -> Result<Option<bool>, ApiError> {
    match param(params, key) {
        None => Ok(None),
        Some("true") => Ok(Some(true)),
        Some("false") => Ok(Some(false)),
        Some(other) => Err(ApiError::bad_request(format!(
            "Invalid boolean for parameter {key}: '{other}'"
        ))),
    }
}

fn usize_param(params: &[(String, String)], key: &str) -> Result<Option<usize>, ApiError> {
    param(params, key)
        .map(|t| {
            t.parse::<usize>().map_err(|_| {
                ApiError::bad_request(format!("Invalid number for parameter {key}: '{t}'"))
            })
        })
        .transpose()
}

/// Offset paging: `max` (default 10, at most 100), `offset`, `paginate=false` for everything.
fn offset_page(params: &[(String, String)]) -> Result<(usize, usize), ApiError> {
    let offset = usize_param(params, "offset")?.unwrap_or(0);
    if bool_param(params, "paginate")? == Some(false) {
        return Ok((usize::MAX, offset));
    }
    let max = usize_param(params, "max")?.unwrap_or(10).clamp(1, 100);
    Ok((max, offset))
}

fn json_response<T: Serialize>(status: StatusCode, value: &T) -> Response {
    match serde_json::to_vec(value) {
        Ok(body) => (status, [(header::CONTENT_TYPE, "application/json")], body).into_response(),
        Err(e) => error(500, &format!("Serialization failed: {e}")),
    }
}

fn ok<T: Serialize>(value: &T) -> Response {
    json_response(StatusCode::OK, value)
}

fn file(content_type: &'static str, name: &str, body: Vec<u8>) -> Response {
    let disposition = format!("attachment; filename=\"{name}\"");
    let mut response =
        (StatusCode::OK, [(header::CONTENT_TYPE, content_type)], body).into_response();
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        response
            .headers_mut()
            .insert(header::CONTENT_DISPOSITION, v);
    }
    response
}

/// Reads a multipart form: the `file` part and the text fields.
async fn read_form(
    mut form: Multipart,
) -> Result<(Option<Vec<u8>>, Vec<(String, String)>), ApiError> {
    let mut file = None;
    let mut fields = Vec::new();
    loop {
        let field = match form.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) => {
                return Err(ApiError::bad_request(format!(
                    "Invalid multipart body: {e}"
                )));
            }
        };
        let name = field.name().unwrap_or_default().to_owned();
        let bytes = field
            .bytes()
            .await
            .map_err(|e| ApiError::bad_request(format!("Invalid multipart body: {e}")))?;
        if name == "file" {
            file = Some(bytes.to_vec());
        } else {
            fields.push((name, String::from_utf8_lossy(&bytes).into_owned()));
        }
    }
    Ok((file, fields))
}

fn import_id(text: &str) -> Result<u64, ApiError> {
    text.parse().map_err(|_| {
        ApiError::not_found(format!("The import with identifier {text} was not found"))
    })
}

// ------------------------------------------------------------------ reference data

async fn version() -> Response {
    StatusCode::OK.into_response()
}

async fn account(State(shared): Ctx) -> Response {
    let (state, _) = shared.lock();
    let created = iso(shared.clock.now() - time::Duration::days(365));
    ok(&catalog::account(
        &state.config,
        state.offers.len(),
        state.orders.len(),
        &created,
    ))
}

async fn additional_fields(Query(params): Params) -> Response {
    ok(&catalog::additional_fields(param(&params, "entities")))
}

async fn platform_configuration(State(shared): Ctx) -> Response {
    let (state, _) = shared.lock();
    ok(&catalog::platform_configuration(&state.config))
}

async fn carriers() -> Response {
    ok(&catalog::carriers())
}

async fn reasons(State(shared): Ctx) -> Response {
    let (state, _) = shared.lock();
    ok(&super::reasons::re01_json(&state.config.reasons))
}

async fn logistic_classes() -> Response {
    ok(&catalog::logistic_classes())
}

async fn offer_states() -> Response {
    ok(&catalog::offer_states())
}

fn level_param(params: &[(String, String)]) -> Result<Option<u32>, ApiError> {
    param(params, "max_level")
        .map(|m| {
            m.trim().parse::<u32>().map_err(|_| {
                ApiError::bad_request(format!("The max_level '{m}' is not a valid integer"))
            })
        })
        .transpose()
}

async fn hierarchies(State(shared): Ctx, Query(params): Params) -> Result<Response, ApiError> {
    let max_level = level_param(&params)?;
    let (state, _) = shared.lock();
    let body = state
        .config
        .catalog
        .hierarchies_json(param(&params, "hierarchy"), max_level)
        .map_err(|e| ApiError::not_found(e.to_string()))?;
    Ok(ok(&body))
}

async fn attributes(State(shared): Ctx, Query(params): Params) -> Result<Response, ApiError> {
    let max_level = level_param(&params)?;
    let with_roles = bool_param(&params, "with_roles")?.unwrap_or(false);
    let (state, _) = shared.lock();
    let body = state
        .config
        .catalog
        .attributes_json(param(&params, "hierarchy"), max_level, with_roles)
        .map_err(|e| ApiError::not_found(e.to_string()))?;
    Ok(ok(&body))
}

async fn values_lists(State(shared): Ctx, Query(params): Params) -> Response {
    let (state, _) = shared.lock();
    ok(&state
        .config
        .catalog
        .value_lists_json(param(&params, "code")))
}

// ------------------------------------------------------------------ offers

async fn list_offers(State(shared): Ctx, Query(params): Params) -> Result<Response, ApiError> {
    let (max, offset) = offset_page(&params)?;
    let states = list_param(&params, "offer_state_codes");
    let sku = param(&params, "sku");
    let product_id = param(&params, "product_id");
    let (state, now) = shared.lock();
    let mut offers: Vec<&super::offers::Offer> = state
        .offers
        .values()
        .filter(|o| states.as_ref().is_none_or(|s| s.contains(&o.state_code)))
        .filter(|o| sku.is_none_or(|s| o.shop_sku == s))
        .filter(|o| {
            product_id.is_none_or(|p| {
                o.product.sku == p || o.product.references.iter().any(|(_, r)| r == p)
            })
        })
        .collect();
    match param(&params, "sort") {
        Some("price") | Some("totalPrice") => offers.sort_by_key(|o| o.current_price(now)),
        Some("productTitle") => offers.sort_by(|a, b| a.product.title.cmp(&b.product.title)),
        _ => offers.sort_by_key(|o| o.offer_id),
    }
    if param(&params, "order") == Some("desc") {
        offers.reverse();
    }
    let total = offers.len();
    let page: Vec<_> = offers
        .into_iter()
        .skip(offset)
        .take(max)
        .map(|o| state.offer_json(o, now))
        .collect();
    #[derive(Serialize)]
    struct Page<T> {
        offers: Vec<T>,
        total_count: usize,
    }
    Ok(ok(&Page {
        offers: page,
        total_count: total,
    }))
}

async fn get_offer(State(shared): Ctx, Path(offer): Path<String>) -> Result<Response, ApiError> {
    let not_found =
        || ApiError::not_found(format!("The offer with identifier {offer} was not found"));
    let id: u64 = offer.parse().map_err(|_| not_found())?;
    let (state, now) = shared.lock();
    let offer = state.offer_by_id(id).ok_or_else(not_found)?;
    Ok(ok(&state.offer_json(offer, now)))
}

async fn upsert_offers(State(shared): Ctx, body: Bytes) -> Result<Response, ApiError> {
    let value: Value = serde_json::from_slice(&body)
        .map_err(|e| ApiError::bad_request(format!("The request body is not valid JSON: {e}")))?;
    let offers = value
        .get("offers")
        .and_then(Value::as_array)
        .ok_or_else(|| {
            ApiError::bad_request("Error with field offers. Please check the field datatype.")
        })?;
    let objects = offers
        .iter()
        .map(|o| {
            o.as_object()
                .cloned()
                .ok_or_else(|| ApiError::bad_request("Each offer must be a JSON object"))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let (mut state, now) = shared.lock();
    let id = state.submit_import(
        ImportKind::Offers,
        ImportMode::Normal,
        true,
        Payload::Json(objects),
        now,
    );
    Ok(json_response(
        StatusCode::CREATED,
        &json!({ "import_id": id }),
    ))
}

async fn offer_import(State(shared): Ctx, form: Multipart) -> Result<Response, ApiError> {
    let (file, fields) = read_form(form).await?;
    let file = file.ok_or_else(|| ApiError::bad_request("The file is required"))?;
    let mode = param(&fields, "import_mode")
        .ok_or_else(|| ApiError::bad_request("The import_mode is required"))?;
    let mode = ImportMode::parse(mode).ok_or_else(|| {
        ApiError::bad_request(format!(
            "The import_mode '{mode}' is not supported (NORMAL or REPLACE)"
        ))
    })?;
    let (mut state, now) = shared.lock();
    let id = state.submit_import(
        ImportKind::Offers,
        mode,
        false,
        Payload::from_csv(&file),
        now,
    );
    Ok(json_response(
        StatusCode::CREATED,
        &json!({ "import_id": id }),
    ))
}

fn find_import<'a>(
    state: &'a super::state::State,
    id: &str,
    kind: ImportKind,
) -> Result<&'a super::imports::Import, ApiError> {
    let numeric = import_id(id)?;
    state
        .imports
        .get(&numeric)
        .filter(|i| i.kind == kind)
        .ok_or_else(|| {
            ApiError::not_found(format!("The import with identifier {id} was not found"))
        })
}

async fn offer_import_status(
    State(shared): Ctx,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let (state, _) = shared.lock();
    let import = find_import(&state, &id, ImportKind::Offers)?;
    Ok(ok(&import.offer_json()))
}

fn report(
    state: &super::state::State,
    id: &str,
    kind: ImportKind,
    content_type: &'static str,
) -> Result<Response, ApiError> {
    let import = find_import(state, id, kind)?;
    if !import.has_error_report() {
        return Err(ApiError::not_found(format!(
            "No error report for the import {id}"
        )));
    }
    let body = match kind {
        ImportKind::Products => import.outcome.product_error_report(),
        _ => import.outcome.error_report(),
    }
    .unwrap_or_default();
    Ok(file(
        content_type,
        &format!("error-report-{id}.csv"),
        body.into_bytes(),
    ))
}

async fn offer_import_report(
    State(shared): Ctx,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let (state, _) = shared.lock();
    report(&state, &id, ImportKind::Offers, "application/octet-stream")
}

/// Seek paging over imports of one kind, newest first: `limit` (10 by default, at most 100) and
/// an opaque `page_token`.
fn seek_imports(
    state: &super::state::State,
    params: &[(String, String)],
    kind: ImportKind,
    render: fn(&super::imports::Import) -> Value,
) -> Result<Value, ApiError> {
    let limit = usize_param(params, "limit")?.unwrap_or(10).clamp(1, 100);
    let before = match param(params, "page_token") {
        Some(token) => Some(
            token
                .strip_prefix("before-")
                .and_then(|t| t.parse::<u64>().ok())
                .ok_or_else(|| ApiError::bad_request("Invalid page_token"))?,
        ),
        None => None,
    };
    let status = param(params, "status");
    let mode = param(params, "mode");
    let ids = list_param(params, "import_id");
    let start = date_param(params, "start_date")?;
    let end = date_param(params, "end_date")?;
    let matching: Vec<&super::imports::Import> = state
        .imports
        .values()
        .rev()
        .filter(|i| i.kind == kind)
        .filter(|i| before.is_none_or(|b| i.id < b))
        .filter(|i| status.is_none_or(|s| i.status.as_str(kind) == s))
        .filter(|i| mode.is_none_or(|m| i.mode.as_str() == m))
        .filter(|i| {
            ids.as_ref()
                .is_none_or(|ids| ids.contains(&i.id.to_string()))
        })
        .filter(|i| start.is_none_or(|s| i.created >= s))
        .filter(|i| end.is_none_or(|e| i.created <= e))
        .take(limit + 1)
        .collect();
    let more = matching.len() > limit;
    let page: Vec<&super::imports::Import> = matching.into_iter().take(limit).collect();
    let next = if more {
        page.last().map(|i| format!("before-{}", i.id))
    } else {
        None
    };
    let data: Vec<Value> = page.into_iter().map(render).collect();
    Ok(json!({ "data": data, "next_page_token": next, "previous_page_token": null }))
}

async fn list_offer_imports(
    State(shared): Ctx,
    Query(params): Params,
) -> Result<Response, ApiError> {
    let (state, _) = shared.lock();
    Ok(ok(&seek_imports(
        &state,
        &params,
        ImportKind::Offers,
        super::imports::Import::offer_json,
    )?))
}

// ------------------------------------------------------------------ exports

async fn export_offers(State(shared): Ctx, body: Bytes) -> Result<Response, ApiError> {
    let value: Value = if body.is_empty() {
        json!({})
    } else {
        serde_json::from_slice(&body).map_err(|e| {
            ApiError::bad_request(format!("The request body is not valid JSON: {e}"))
        })?
    };
    // a full export (no `last_request_date`) has its own ceiling on top of OF52's: once a day
    if value.get("last_request_date").is_none() {
        let ceiling = {
            let (state, _) = shared.lock();
            state.config.ceilings.get(OF52_FULL).copied()
        };
        if let Some(ceiling) = ceiling {
            let (shop_id, now) = {
                let (state, now) = shared.lock();
                (state.config.shop_id, now)
            };
            let verdict = shared
                .limiter
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .check(OF52_FULL, shop_id, ceiling, now);
            if let Err(wait) = verdict {
                return Ok(too_many(&shared, OF52_FULL, ceiling, wait));
            }
        }
    }
    let (mut state, now) = shared.lock();
    let tracking_id = state.submit_export(&value, now)?;
    Ok(ok(&json!({ "tracking_id": tracking_id })))
}

async fn export_status(
    State(shared): Ctx,
    Path(tracking_id): Path<String>,
) -> Result<Response, ApiError> {
    let (state, _) = shared.lock();
    let export = state
        .exports
        .get(&tracking_id)
        .ok_or_else(|| ApiError::not_found(format!("The export {tracking_id} was not found")))?;
    Ok(ok(&match &export.files {
        None => json!({ "last_updated": iso(export.last_updated), "status": "PENDING" }),
        Some(files) => {
            let ext = if export.json { "json" } else { "csv" };
            let urls: Vec<String> = (0..files.len())
                .map(|n| {
                    format!(
                        "{}api/offers/export/async/file/{tracking_id}?file={n}.{ext}",
                        state.base_url
                    )
                })
                .collect();
            json!({ "last_updated": iso(export.last_updated), "status": "COMPLETED", "urls": urls })
        }
    }))
}

async fn export_file(
    State(shared): Ctx,
    Path(tracking_id): Path<String>,
    Query(params): Params,
) -> Result<Response, ApiError> {
    let missing =
        || ApiError::not_found(format!("The export file for {tracking_id} was not found"));
    let (state, _) = shared.lock();
    let export = state.exports.get(&tracking_id).ok_or_else(missing)?;
    let files = export.files.as_ref().ok_or_else(missing)?;
    let name = param(&params, "file").ok_or_else(missing)?;
    let index: usize = name
        .split('.')
        .next()
        .and_then(|n| n.parse().ok())
        .ok_or_else(missing)?;
    let content = files.get(index).ok_or_else(missing)?;
    let content_type = if export.json {
        "application/json"
    } else {
        "text/csv"
    };
    Ok(file(content_type, name, content.clone().into_bytes()))
}

// ------------------------------------------------------------------ stock, price, product imports

async fn stock_import(State(shared): Ctx, form: Multipart) -> Result<Response, ApiError> {
    let enabled = shared
        .state
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .config
        .stock_import_enabled;
    if !enabled {
        return Err(ApiError::new(
            403,
            "Stock imports (STO01) are not enabled on this platform",
        ));
    }
    let (file, _) = read_form(form).await?;
    let file = file.ok_or_else(|| ApiError::bad_request("The file is required"))?;
    let (mut state, now) = shared.lock();
    let id = state.submit_import(
        ImportKind::Stock,
        ImportMode::Normal,
        false,
        Payload::from_csv(&file),
        now,
    );
    Ok(json_response(
        StatusCode::CREATED,
        &json!({ "import_id": id.to_string() }),
    ))
}

async fn stock_import_status(
    State(shared): Ctx,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let (state, _) = shared.lock();
    Ok(ok(
        &find_import(&state, &id, ImportKind::Stock)?.stock_or_price_json()
    ))
}

async fn stock_import_report(
    State(shared): Ctx,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let (state, _) = shared.lock();
    report(&state, &id, ImportKind::Stock, "text/csv")
}

async fn price_import(State(shared): Ctx, form: Multipart) -> Result<Response, ApiError> {
    let enabled = shared
        .state
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .config
        .price_import_enabled;
    if !enabled {
        return Err(ApiError::new(
            403,
            "Price imports (PRI01) are not enabled on this platform",
        ));
    }
    let (file, _) = read_form(form).await?;
    let file = file.ok_or_else(|| ApiError::bad_request("The file is required"))?;
    let (mut state, now) = shared.lock();
    let id = state.submit_import(
        ImportKind::Pricing,
        ImportMode::Normal,
        false,
        Payload::from_csv(&file),
        now,
    );
    Ok(json_response(
        StatusCode::CREATED,
        &json!({ "importId": id.to_string(), "import_id": id.to_string() }),
    ))
}

async fn list_price_imports(
    State(shared): Ctx,
    Query(params): Params,
) -> Result<Response, ApiError> {
    let (state, _) = shared.lock();
    Ok(ok(&seek_imports(
        &state,
        &params,
        ImportKind::Pricing,
        super::imports::Import::stock_or_price_json,
    )?))
}

async fn price_import_report(
    State(shared): Ctx,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let (state, _) = shared.lock();
    report(&state, &id, ImportKind::Pricing, "text/csv")
}

async fn product_import(State(shared): Ctx, form: Multipart) -> Result<Response, ApiError> {
    let (file, _) = read_form(form).await?;
    let file = file.ok_or_else(|| ApiError::bad_request("The file is required"))?;
    let (mut state, now) = shared.lock();
    let id = state.submit_import(
        ImportKind::Products,
        ImportMode::Normal,
        false,
        Payload::from_csv(&file),
        now,
    );
    Ok(json_response(
        StatusCode::CREATED,
        &json!({ "import_id": id }),
    ))
}

async fn product_import_status(
    State(shared): Ctx,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let (state, _) = shared.lock();
    Ok(ok(
        &find_import(&state, &id, ImportKind::Products)?.product_json()
    ))
}

async fn product_import_report(
    State(shared): Ctx,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let (state, _) = shared.lock();
    report(
        &state,
        &id,
        ImportKind::Products,
        "application/octet-stream",
    )
}

async fn list_product_imports(
    State(shared): Ctx,
    Query(params): Params,
) -> Result<Response, ApiError> {
    let (max, offset) = offset_page(&params)?;
    let since = date_param(&params, "last_request_date")?;
    let status = param(&params, "status");
    let (state, _) = shared.lock();
    let matching: Vec<Value> = state
        .imports
        .values()
        .filter(|i| i.kind == ImportKind::Products)
        .filter(|i| since.is_none_or(|s| i.created >= s))
        .map(super::imports::Import::product_json)
        .filter(|v| status.is_none_or(|s| v["import_status"] == s))
        .collect();
    let total = matching.len();
    let page: Vec<Value> = matching.into_iter().skip(offset).take(max).collect();
    Ok(ok(
        &json!({ "product_import_trackings": page, "total_count": total }),
    ))
}

// ------------------------------------------------------------------ orders

async fn list_orders(State(shared): Ctx, Query(params): Params) -> Result<Response, ApiError> {
    let (max, offset) = offset_page(&params)?;
    let order_ids = list_param(&params, "order_ids");
    if order_ids.as_ref().is_some_and(|ids| ids.len() > 100) {
        return Err(ApiError::bad_request(
            "The order_ids parameter accepts at most 100 values",
        ));
    }
    let filter = OrderFilter {
        order_ids,
        states: list_param(&params, "order_state_codes"),
        start_date: date_param(&params, "start_date")?,
        end_date: date_param(&params, "end_date")?,
        start_update_date: date_param(&params, "start_update_date")?,
        end_update_date: date_param(&params, "end_update_date")?,
        references_for_seller: list_param(&params, "order_references_for_seller"),
        references_for_customer: list_param(&params, "order_references_for_customer"),
        customer_debited: bool_param(&params, "customer_debited")?,
        sort_by_update: matches!(
            param(&params, "sort"),
            Some("dateUpdated") | Some("lastUpdatedDate")
        ),
        descending: param(&params, "order") == Some("desc"),
        max,
        offset,
    };
    let (state, _) = shared.lock();
    let money = state.order_money();
    let (page, total) = state.list_orders(&filter);
    let orders: Vec<_> = page.into_iter().map(|o| o.json(&money, false)).collect();
    #[derive(Serialize)]
    struct Page<T> {
        orders: Vec<T>,
        total_count: usize,
    }
    Ok(ok(&Page {
        orders,
        total_count: total,
    }))
}

fn json_body(body: &[u8]) -> Result<Value, ApiError> {
    serde_json::from_slice(body)
        .map_err(|e| ApiError::bad_request(format!("The request body is not valid JSON: {e}")))
}

async fn accept(
    State(shared): Ctx,
    Path(order_id): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let value = json_body(&body)?;
    let lines = value
        .get("order_lines")
        .and_then(Value::as_array)
        .ok_or_else(|| ApiError::bad_request("VALIDATION_ERROR: order_lines is required"))?;
    let decisions = lines
        .iter()
        .map(|l| {
            let id = l.get("id").and_then(Value::as_str);
            let accepted = l.get("accepted").and_then(Value::as_bool);
            match (id, accepted) {
                (Some(id), Some(accepted)) => Ok((id.to_owned(), accepted)),
                _ => Err(ApiError::bad_request(
                    "VALIDATION_ERROR: each order line needs an id and accepted",
                )),
            }
        })
        .collect::<Result<Vec<_>, _>>()?;
    let (mut state, now) = shared.lock();
    state.accept(&order_id, &decisions, now)?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn tracking(
    State(shared): Ctx,
    Path(order_id): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let value = json_body(&body)?;
    let (mut state, now) = shared.lock();
    state.set_tracking(&order_id, &value, now)?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn ship(State(shared): Ctx, Path(order_id): Path<String>) -> Result<Response, ApiError> {
    let (mut state, now) = shared.lock();
    state.ship(&order_id, now)?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn cancel(State(shared): Ctx, Path(order_id): Path<String>) -> Result<Response, ApiError> {
    let (mut state, now) = shared.lock();
    state.cancel(&order_id, now)?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn refund(State(shared): Ctx, body: Bytes) -> Result<Response, ApiError> {
    let value = json_body(&body)?;
    let refunds = value
        .get("refunds")
        .and_then(Value::as_array)
        .ok_or_else(|| {
            ApiError::bad_request("Error with field refunds. Please check the field datatype.")
        })?;
    let tax_mode = value
        .get("order_tax_mode")
        .and_then(Value::as_str)
        .unwrap_or("TAX_INCLUDED")
        .to_owned();
    let (mut state, now) = shared.lock();
    let answered = state.refund(refunds, now)?;
    Ok(ok(
        &json!({ "order_tax_mode": tax_mode, "refunds": answered }),
    ))
}

// ------------------------------------------------------------------ shipments

fn shipments_list(value: &Value) -> Result<&Vec<Value>, ApiError> {
    value
        .get("shipments")
        .and_then(Value::as_array)
        .ok_or_else(|| {
            ApiError::bad_request("Error with field shipments. Please check the field datatype.")
        })
}

/// ST01: `201` with the created shipments and the per-shipment errors.
async fn create_shipments(State(shared): Ctx, body: Bytes) -> Result<Response, ApiError> {
    let value = json_body(&body)?;
    let list = shipments_list(&value)?;
    let (mut state, now) = shared.lock();
    let answer = state.create_shipments(list, now)?;
    Ok(json_response(StatusCode::CREATED, &answer))
}

/// ST11: seek paging (`limit` 1 to 100, default 10; `page_token`).
async fn list_shipments(State(shared): Ctx, Query(params): Params) -> Result<Response, ApiError> {
    let limit = usize_param(&params, "limit")?.unwrap_or(10).clamp(1, 100);
    let after = match param(&params, "page_token") {
        Some(token) => Some(
            token
                .strip_prefix("after-")
                .ok_or_else(|| ApiError::bad_request("Invalid page_token"))?
                .to_owned(),
        ),
        None => None,
    };
    let order_ids = list_param(&params, "order_id");
    let states = list_param(&params, "shipment_state_code");
    let from = date_param(&params, "last_updated_from")?;
    let to = date_param(&params, "last_updated_to")?;
    let (state, _) = shared.lock();
    let answer = state.list_shipments(
        order_ids.as_deref(),
        states.as_deref(),
        from,
        to,
        after.as_deref(),
        limit,
    )?;
    Ok(ok(&answer))
}

/// ST23.
async fn shipment_tracking(State(shared): Ctx, body: Bytes) -> Result<Response, ApiError> {
    let value = json_body(&body)?;
    let list = shipments_list(&value)?;
    let (mut state, now) = shared.lock();
    let answer = state.update_shipment_tracking(list, now)?;
    Ok(ok(&answer))
}

/// ST24.
async fn ship_shipments(State(shared): Ctx, body: Bytes) -> Result<Response, ApiError> {
    let value = json_body(&body)?;
    let list = shipments_list(&value)?;
    let (mut state, now) = shared.lock();
    let answer = state.ship_shipments(list, now)?;
    Ok(ok(&answer))
}

/// OR30: line cancelations.
async fn cancel_lines(State(shared): Ctx, body: Bytes) -> Result<Response, ApiError> {
    let value = json_body(&body)?;
    let list = value
        .get("cancelations")
        .and_then(Value::as_array)
        .ok_or_else(|| {
            ApiError::bad_request("Error with field cancelations. Please check the field datatype.")
        })?;
    let tax_mode = value
        .get("order_tax_mode")
        .and_then(Value::as_str)
        .unwrap_or("TAX_INCLUDED")
        .to_owned();
    let (mut state, now) = shared.lock();
    let answered = state.cancel_lines(list, now)?;
    Ok(ok(
        &json!({ "cancelations": answered, "order_tax_mode": tax_mode }),
    ))
}

async fn update_orders(State(shared): Ctx, body: Bytes) -> Result<Response, ApiError> {
    let value = json_body(&body)?;
    let orders = value
        .get("orders")
        .and_then(Value::as_array)
        .ok_or_else(|| {
            ApiError::bad_request("Error with field orders. Please check the field datatype.")
        })?;
    if orders.len() > 100 {
        return Err(ApiError::bad_request(
            "At most 100 orders can be updated per call",
        ));
    }
    let (mut state, now) = shared.lock();
    let updated = state.update_orders(orders, now);
    Ok(ok(&json!({ "updated_orders": updated })))
}

async fn list_documents(State(shared): Ctx, Query(params): Params) -> Result<Response, ApiError> {
    let ids = list_param(&params, "order_ids")
        .ok_or_else(|| ApiError::bad_request("The order_ids parameter is required"))?;
    let (state, _) = shared.lock();
    let documents: Vec<Value> = ids
        .iter()
        .filter_map(|id| state.orders.get(id))
        .flat_map(|o| {
            o.documents.iter().map(move |d| {
                json!({
                    "date_uploaded": iso(d.uploaded), "file_name": d.file_name, "file_size": d.content.len(),
                    "id": d.id, "order_id": o.id, "type": d.kind,
                })
            })
        })
        .collect();
    Ok(ok(
        &json!({ "total_count": documents.len(), "order_documents": documents }),
    ))
}

async fn download_documents(
    State(shared): Ctx,
    Query(params): Params,
) -> Result<Response, ApiError> {
    let order_ids = list_param(&params, "order_ids");
    let document_ids = list_param(&params, "document_ids");
    let codes = list_param(&params, "document_codes");
    if order_ids.is_none() && document_ids.is_none() {
        return Err(ApiError::bad_request(
            "order_ids or document_ids is required",
        ));
    }
    let (state, _) = shared.lock();
    let matching: Vec<&super::orders::Document> = state
        .orders
        .values()
        .filter(|o| order_ids.as_ref().is_none_or(|ids| ids.contains(&o.id)))
        .flat_map(|o| o.documents.iter())
        .filter(|d| {
            document_ids
                .as_ref()
                .is_none_or(|ids| ids.contains(&d.id.to_string()))
        })
        .filter(|d| codes.as_ref().is_none_or(|c| c.contains(&d.kind)))
        .collect();
    match matching.as_slice() {
        [] => Err(ApiError::not_found("No document matches")),
        [one] => Ok(file(
            "application/octet-stream",
            &one.file_name,
            one.content.clone(),
        )),
        _ => Err(ApiError::bad_request(
            "Several documents match: the sandbox serves one document per download (Mirakl would send a ZIP archive)",
        )),
    }
}
