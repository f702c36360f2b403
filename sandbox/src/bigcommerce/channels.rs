//! Channels v3 (`channels.v3.yml`): list, read, create and update channels.
//!
//! What the spec says and the sandbox enforces: `platform` and `type` must be a valid
//! combination (the platform table of the spec's introduction), the writable statuses depend
//! on the type, a new or renamed channel's name holds only Latin letters, digits, dashes and
//! underscores (`ChannelName`), a second channel with the
//! same `name`, `platform` and `type` is a 409, and `platform`/`type` never change on update.
//! Channel 1 is the store's default storefront.

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};
use time::OffsetDateTime;

use super::App;
use super::wire::{ApiError, ApiResult, Query, decode, now, v3_date, v3_page, v3_single};

/// A channel as the store holds it.
#[derive(Debug, Clone, PartialEq)]
pub struct Channel {
    /// Id.
    pub id: u64,
    /// Name.
    pub name: String,
    /// `type`.
    pub channel_type: String,
    /// Platform.
    pub platform: String,
    /// Status.
    pub status: String,
    /// External id.
    pub external_id: String,
    /// Listable from the control panel.
    pub is_listable_from_ui: bool,
    /// Visible in the control panel.
    pub is_visible: bool,
    /// Created.
    pub date_created: OffsetDateTime,
    /// Modified.
    pub date_modified: OffsetDateTime,
}

impl Channel {
    /// The default storefront every store has (id 1).
    pub fn default_storefront(at: OffsetDateTime) -> Channel {
        Channel {
            id: 1,
            name: "Default storefront".into(),
            channel_type: "storefront".into(),
            platform: "bigcommerce".into(),
            status: "active".into(),
            external_id: String::new(),
            is_listable_from_ui: true,
            is_visible: true,
            date_created: at,
            date_modified: at,
        }
    }
}

/// The types each platform allows (the spec's "Platform" table).
fn allowed_types(platform: &str) -> &'static [&'static str] {
    match platform {
        "clover" | "square" | "talech" | "vend" => &["pos"],
        "amazon" | "belk" | "catch" | "ebay" | "etsy" | "hudsons_bay" | "macys" | "mirakl"
        | "overstock" | "pinterest" | "target_plus" | "tiktok" | "wayfair" | "wish" | "walmart" => {
            &["marketplace"]
        }
        "facebook" | "google" | "instagram" | "meta" => &["marketplace", "marketing"],
        "google_shopping" | "microsoft" => &["marketing"],
        "acquia" | "bigcommerce" | "bloomreach" | "catalyst" | "deity" | "drupal" | "gatsby"
        | "next" | "vue" | "wordpress" => &["storefront"],
        "custom" => &["storefront", "pos", "marketing", "marketplace"],
        _ => &[],
    }
}

/// The statuses a type may be given (the spec's "Status" table).
fn writable_statuses(channel_type: &str) -> &'static [&'static str] {
    match channel_type {
        "storefront" => &["prelaunch", "active", "inactive", "archived", "deleted"],
        _ => &["connected", "disconnected", "archived", "deleted"],
    }
}

fn valid_name(name: &str) -> bool {
    !name.trim().is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'))
}

fn channel_json(c: &Channel) -> Value {
    json!({
        "id": c.id,
        "name": c.name,
        "type": c.channel_type,
        "platform": c.platform,
        "status": c.status,
        "external_id": c.external_id,
        "is_listable_from_ui": c.is_listable_from_ui,
        "is_visible": c.is_visible,
        "is_enabled": c.status == "active" || c.status == "connected",
        "icon_url": "",
        "config_meta": {"app": {"id": 0, "sections": []}},
        "date_created": v3_date(c.date_created),
        "date_modified": v3_date(c.date_modified),
    })
}

fn unprocessable(field: &str, message: String) -> ApiError {
    ApiError::v3_fields(
        StatusCode::UNPROCESSABLE_ENTITY,
        "JSON data is missing or invalid",
        json!({ field: message }),
    )
}

/// `GET /v3/channels` (filters `type:in`, `platform:in`, `status:in`, `available`).
pub async fn list(State(app): State<App>, RawQuery(raw): RawQuery) -> ApiResult {
    let q = Query::parse(raw.as_deref());
    let types = q.list("type:in");
    let platforms = q.list("platform:in");
    let statuses = q.list("status:in");
    let available = q.get("available").map(|v| v == "true");
    let store = app.store();
    let items = store
        .channels
        .values()
        .filter(|c| types.as_ref().is_none_or(|t| t.contains(&c.channel_type)))
        .filter(|c| platforms.as_ref().is_none_or(|p| p.contains(&c.platform)))
        .filter(|c| statuses.as_ref().is_none_or(|s| s.contains(&c.status)))
        .filter(|c| {
            // "available": channels not deleted or terminated
            available.is_none_or(|a| a == !matches!(c.status.as_str(), "deleted" | "terminated"))
        })
        .map(channel_json)
        .collect();
    v3_page(items, &q)
}

/// `GET /v3/channels/{channel_id}`.
pub async fn get(State(app): State<App>, Path((_, id)): Path<(String, u64)>) -> ApiResult {
    let store = app.store();
    let c = store.channels.get(&id).ok_or_else(ApiError::v3_not_found)?;
    Ok(v3_single(channel_json(c)))
}

/// `POST /v3/channels` body.
#[derive(Debug, Deserialize)]
struct ChannelInput {
    name: String,
    #[serde(rename = "type")]
    channel_type: String,
    platform: String,
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    external_id: Option<String>,
    #[serde(default)]
    is_listable_from_ui: Option<bool>,
    #[serde(default)]
    is_visible: Option<bool>,
}

/// `POST /v3/channels`.
pub async fn create(State(app): State<App>, body: Bytes) -> ApiResult {
    let input: ChannelInput = decode(&body)?;
    if !valid_name(&input.name) {
        return Err(unprocessable(
            "name",
            "The name may only contain Latin letters, digits, dashes and underscores".into(),
        ));
    }
    if !allowed_types(&input.platform).contains(&input.channel_type.as_str()) {
        return Err(unprocessable(
            "platform",
            format!(
                "The platform '{}' is not valid for the type '{}'",
                input.platform, input.channel_type
            ),
        ));
    }
    let status = match input.status {
        Some(s) => {
            if s == "deleted" || !writable_statuses(&input.channel_type).contains(&s.as_str()) {
                return Err(unprocessable(
                    "status",
                    format!(
                        "The status '{s}' is not valid for a new {} channel",
                        input.channel_type
                    ),
                ));
            }
            s
        }
        None if input.channel_type == "storefront" => "prelaunch".to_owned(),
        None => "connected".to_owned(),
    };
    let mut store = app.store();
    if store.channels.values().any(|c| {
        c.name == input.name && c.platform == input.platform && c.channel_type == input.channel_type
    }) {
        return Err(ApiError::v3(
            StatusCode::CONFLICT,
            "A channel with the same name, platform and type already exists",
        ));
    }
    let id = store.next("channel");
    let at = now();
    let c = Channel {
        id,
        name: input.name,
        channel_type: input.channel_type,
        platform: input.platform,
        status,
        external_id: input.external_id.unwrap_or_default(),
        is_listable_from_ui: input.is_listable_from_ui.unwrap_or(true),
        is_visible: input.is_visible.unwrap_or(true),
        date_created: at,
        date_modified: at,
    };
    let body = channel_json(&c);
    store.channels.insert(id, c);
    Ok(v3_single(body))
}

/// `PUT /v3/channels/{channel_id}` body (the updatable fields).
#[derive(Debug, Deserialize)]
struct ChannelUpdateInput {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    external_id: Option<String>,
    #[serde(default)]
    is_listable_from_ui: Option<bool>,
    #[serde(default)]
    is_visible: Option<bool>,
}

/// `PUT /v3/channels/{channel_id}`: partial; a deleted or terminated channel is a 422.
pub async fn update(
    State(app): State<App>,
    Path((_, id)): Path<(String, u64)>,
    body: Bytes,
) -> ApiResult {
    let input: ChannelUpdateInput = decode(&body)?;
    let mut store = app.store();
    let current = store
        .channels
        .get(&id)
        .cloned()
        .ok_or_else(ApiError::v3_not_found)?;
    if matches!(current.status.as_str(), "deleted" | "terminated") {
        return Err(unprocessable(
            "status",
            "A deleted or terminated channel cannot be updated".into(),
        ));
    }
    let mut next = current.clone();
    if let Some(name) = input.name {
        if !valid_name(&name) {
            return Err(unprocessable(
                "name",
                "The name may only contain Latin letters, digits, dashes and underscores".into(),
            ));
        }
        next.name = name;
    }
    if let Some(s) = input.status {
        if s == "prelaunch" || !writable_statuses(&next.channel_type).contains(&s.as_str()) {
            return Err(unprocessable(
                "status",
                format!(
                    "The status '{s}' is not valid for a {} channel",
                    next.channel_type
                ),
            ));
        }
        next.status = s;
    }
    if let Some(e) = input.external_id {
        next.external_id = e;
    }
    if let Some(v) = input.is_listable_from_ui {
        next.is_listable_from_ui = v;
    }
    if let Some(v) = input.is_visible {
        next.is_visible = v;
    }
    if store.channels.values().any(|c| {
        c.id != id
            && c.name == next.name
            && c.platform == next.platform
            && c.channel_type == next.channel_type
    }) {
        return Err(ApiError::v3(
            StatusCode::CONFLICT,
            "A channel with the same name, platform and type already exists",
        ));
    }
    next.date_modified = now();
    let body = channel_json(&next);
    store.channels.insert(id, next);
    Ok(v3_single(body))
}
