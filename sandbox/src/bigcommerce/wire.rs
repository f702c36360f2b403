//! Wire formats of the BigCommerce stand-in: error bodies, paging, money and date rendering,
//! query parsing.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::{Rfc2822, Rfc3339};
use time::macros::format_description;

/// The `type` link BigCommerce puts in v3 error bodies.
pub const ERROR_TYPE: &str =
    "https://developer.bigcommerce.com/api-docs/getting-started/api-status-codes";

/// Largest page size of v2 and v3 list endpoints.
pub const MAX_LIMIT: u64 = 250;

/// An error answer in either API version's body shape.
#[derive(Debug, Clone)]
pub enum ApiError {
    /// v3: `{status, title, type, errors}`.
    V3 {
        /// HTTP status.
        status: StatusCode,
        /// Title.
        title: String,
        /// Field errors.
        errors: Value,
    },
    /// v2: `[{status, message, details?}]`.
    V2 {
        /// HTTP status.
        status: StatusCode,
        /// Message.
        message: String,
        /// Optional details.
        details: Option<Value>,
    },
}

impl ApiError {
    /// A v3 error without field errors.
    pub fn v3(status: StatusCode, title: impl Into<String>) -> Self {
        ApiError::V3 {
            status,
            title: title.into(),
            errors: json!({}),
        }
    }

    /// A v3 error with field errors.
    pub fn v3_fields(status: StatusCode, title: impl Into<String>, errors: Value) -> Self {
        ApiError::V3 {
            status,
            title: title.into(),
            errors,
        }
    }

    /// A v2 error.
    pub fn v2(status: StatusCode, message: impl Into<String>) -> Self {
        ApiError::V2 {
            status,
            message: message.into(),
            details: None,
        }
    }

    /// v3 404.
    pub fn v3_not_found() -> Self {
        ApiError::v3(
            StatusCode::NOT_FOUND,
            "The requested resource was not found.",
        )
    }

    /// v2 404.
    pub fn v2_not_found() -> Self {
        ApiError::v2(
            StatusCode::NOT_FOUND,
            "The requested resource was not found.",
        )
    }

    /// The same error in the other version's shape.
    pub fn into_v2(self) -> Self {
        match self {
            ApiError::V3 { status, title, .. } => ApiError::v2(status, title),
            other => other,
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        match self {
            ApiError::V3 {
                status,
                title,
                errors,
            } => {
                let body = json!({"status": status.as_u16(), "title": title, "type": ERROR_TYPE, "errors": errors});
                (status, Json(body)).into_response()
            }
            ApiError::V2 {
                status,
                message,
                details,
            } => {
                let mut item = json!({"status": status.as_u16(), "message": message});
                if let Some(details) = details {
                    item["details"] = details;
                }
                (status, Json(json!([item]))).into_response()
            }
        }
    }
}

/// Result of a handler.
pub type ApiResult = Result<Response, ApiError>;

/// `200 {"data": data, "meta": {}}`.
pub fn v3_single(data: Value) -> Response {
    Json(json!({"data": data, "meta": {}})).into_response()
}

/// A v2 list: `204` without body when empty, else the bare array.
pub fn v2_list(items: Vec<Value>) -> Response {
    if items.is_empty() {
        let mut response = StatusCode::NO_CONTENT.into_response();
        response.headers_mut().remove(header::CONTENT_TYPE);
        response
    } else {
        Json(Value::Array(items)).into_response()
    }
}

/// A `201` with a JSON body.
pub fn created(body: Value) -> Response {
    (StatusCode::CREATED, Json(body)).into_response()
}

/// Parsed query string, order kept.
#[derive(Debug, Clone, Default)]
pub struct Query(pub Vec<(String, String)>);

impl Query {
    /// Parses a raw query string.
    pub fn parse(raw: Option<&str>) -> Self {
        Query(
            url::form_urlencoded::parse(raw.unwrap_or("").as_bytes())
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
        )
    }

    /// The last value of `key`.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// A comma-separated list value.
    pub fn list(&self, key: &str) -> Option<Vec<String>> {
        self.get(key).map(|v| {
            v.split(',')
                .map(|s| s.trim().to_owned())
                .filter(|s| !s.is_empty())
                .collect()
        })
    }

    /// A comma-separated list of ids.
    ///
    /// # Errors
    /// A 400 naming the parameter when an element is not a number.
    pub fn ids(&self, key: &str) -> Result<Option<Vec<u64>>, ApiError> {
        match self.list(key) {
            None => Ok(None),
            Some(items) => items
                .iter()
                .map(|s| s.parse::<u64>())
                .collect::<Result<Vec<_>, _>>()
                .map(Some)
                .map_err(|_| {
                    ApiError::v3(
                        StatusCode::BAD_REQUEST,
                        format!("The filter '{key}' expects a list of integers."),
                    )
                }),
        }
    }

    /// A numeric parameter.
    ///
    /// # Errors
    /// A 400 naming the parameter when it is not a number.
    pub fn u64(&self, key: &str) -> Result<Option<u64>, ApiError> {
        match self.get(key) {
            None | Some("") => Ok(None),
            Some(v) => v.parse().map(Some).map_err(|_| {
                ApiError::v3(
                    StatusCode::BAD_REQUEST,
                    format!("The filter '{key}' expects an integer."),
                )
            }),
        }
    }

    /// A date parameter (RFC 2822, RFC 3339, `YYYY-MM-DD` or unix seconds).
    ///
    /// # Errors
    /// A 400 naming the parameter when it is no date.
    pub fn date(&self, key: &str) -> Result<Option<OffsetDateTime>, ApiError> {
        match self.get(key) {
            None | Some("") => Ok(None),
            Some(v) => parse_date(v).map(Some).ok_or_else(|| {
                ApiError::v3(
                    StatusCode::BAD_REQUEST,
                    format!("The filter '{key}' expects a date."),
                )
            }),
        }
    }

    /// `page` and `limit` (defaults 1 and 50).
    ///
    /// # Errors
    /// 413 when `limit` exceeds 250, 400 when not numbers.
    pub fn paging(&self) -> Result<(u64, u64), ApiError> {
        let page = self.u64("page")?.unwrap_or(1).max(1);
        let limit = self.u64("limit")?.unwrap_or(50);
        if limit > MAX_LIMIT {
            return Err(ApiError::V3 {
                status: StatusCode::PAYLOAD_TOO_LARGE,
                title: "The specified limit exceeds the maximum allowed.".into(),
                errors: json!({"max_limit": MAX_LIMIT}),
            });
        }
        Ok((page, limit.max(1)))
    }
}

/// Parses the date formats BigCommerce filters accept.
pub fn parse_date(v: &str) -> Option<OffsetDateTime> {
    if let Ok(d) = OffsetDateTime::parse(v, &Rfc3339) {
        return Some(d);
    }
    if let Ok(d) = OffsetDateTime::parse(v, &Rfc2822) {
        return Some(d);
    }
    if let Ok(secs) = v.parse::<i64>() {
        return OffsetDateTime::from_unix_timestamp(secs).ok();
    }
    let with_offset = format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second][offset_hour sign:mandatory]:[offset_minute]"
    );
    if let Ok(d) = OffsetDateTime::parse(v, &with_offset) {
        return Some(d);
    }
    let day = format_description!("[year]-[month]-[day]");
    time::Date::parse(v, &day)
        .ok()
        .map(|d| d.midnight().assume_utc())
}

/// One v3 page with `meta.pagination`, links keeping the other query parameters.
pub fn v3_page(items: Vec<Value>, query: &Query) -> ApiResult {
    v3_page_map(items, query, |v| v)
}

/// One v3 page, rendering only the items on the page (to any serialisable value, so
/// listings can write typed views straight to the body instead of building `Value` trees).
pub fn v3_page_map<T, R: serde::Serialize>(
    items: Vec<T>,
    query: &Query,
    render: impl Fn(T) -> R,
) -> ApiResult {
    let (page, limit) = query.paging()?;
    let total = items.len() as u64;
    let total_pages = total.div_ceil(limit);
    let start = ((page - 1) * limit).min(total) as usize;
    let end = (start + limit as usize).min(items.len());
    let data: Vec<R> = items
        .into_iter()
        .skip(start)
        .take(end - start)
        .map(render)
        .collect();
    let link = |p: u64| {
        let mut pairs: Vec<String> = query
            .0
            .iter()
            .filter(|(k, _)| k != "page" && k != "limit")
            .map(|(k, v)| {
                url::form_urlencoded::Serializer::new(String::new())
                    .append_pair(k, v)
                    .finish()
            })
            .collect();
        pairs.push(format!("page={p}"));
        pairs.push(format!("limit={limit}"));
        format!("?{}", pairs.join("&"))
    };
    let mut links = json!({"current": link(page)});
    if page > 1 {
        links["previous"] = json!(link(page - 1));
    }
    if page < total_pages {
        links["next"] = json!(link(page + 1));
    }
    #[derive(serde::Serialize)]
    struct Envelope<R> {
        data: Vec<R>,
        meta: Value,
    }
    Ok(Json(Envelope {
        data,
        meta: json!({"pagination": {
            "total": total,
            "count": end - start,
            "per_page": limit,
            "current_page": page,
            "total_pages": total_pages,
            "links": links,
        }}),
    })
    .into_response())
}

/// One v2 page (`204` when empty).
pub fn v2_page(items: Vec<Value>, query: &Query) -> ApiResult {
    v2_page_map(items, query, |v| v)
}

/// One v2 page (`204` when empty), rendering only the items on the page.
pub fn v2_page_map<T>(items: Vec<T>, query: &Query, render: impl Fn(T) -> Value) -> ApiResult {
    let (page, limit) = query.paging().map_err(ApiError::into_v2)?;
    let start = ((page - 1) * limit).min(items.len() as u64) as usize;
    let end = (start + limit as usize).min(items.len());
    Ok(v2_list(
        items
            .into_iter()
            .skip(start)
            .take(end - start)
            .map(render)
            .collect(),
    ))
}

/// v3 money: a JSON number (integral values without a fraction).
pub fn num(d: Decimal) -> Value {
    let n = d.normalize();
    if n.scale() == 0
        && let Some(i) = n.to_i64()
    {
        return json!(i);
    }
    n.to_f64().map(|f| json!(f)).unwrap_or(Value::Null)
}

/// Optional v3 money.
pub fn opt_num(d: Option<Decimal>) -> Value {
    d.map(num).unwrap_or(Value::Null)
}

/// v2 money: a string with four decimals, e.g. `"109.0000"`.
pub fn money(d: Decimal) -> Value {
    Value::String(format!("{:.4}", d.round_dp(4)))
}

/// v3 date: `2018-08-15T14:48:46+00:00`.
pub fn v3_date(d: OffsetDateTime) -> Value {
    let fmt = format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second][offset_hour sign:mandatory]:[offset_minute]"
    );
    d.format(&fmt).map(Value::String).unwrap_or(Value::Null)
}

/// v2 date: RFC 2822 (`""` when absent).
pub fn v2_date(d: Option<OffsetDateTime>) -> Value {
    d.and_then(|d| d.format(&Rfc2822).ok())
        .map(Value::String)
        .unwrap_or_else(|| Value::String(String::new()))
}

/// The current time, whole seconds, UTC.
pub fn now() -> OffsetDateTime {
    let now = OffsetDateTime::now_utc();
    now.replace_nanosecond(0).unwrap_or(now)
}

/// Decodes a JSON body, answering 422 (v3) with the failing path on error.
///
/// # Errors
/// A v3 422 naming what is wrong.
pub fn decode<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(body).map_err(|e| {
        ApiError::v3_fields(
            StatusCode::UNPROCESSABLE_ENTITY,
            "JSON data is missing or invalid",
            json!({"body": e.to_string()}),
        )
    })
}

/// Adds a header if the value is valid.
pub fn set_header(response: &mut Response, name: &'static str, value: String) {
    if let Ok(v) = HeaderValue::from_str(&value) {
        response.headers_mut().insert(name, v);
    }
}
