//! Message threads on orders (the inbox API: M10 read a thread, M11 list threads, M12 reply,
//! OR43 open a thread on an order), as the seller OpenAPI describes them
//! (`../shared/specs/mirakl/mirakl-mmp-seller-openapi.json`).
//!
//! The multipart JSON parts are checked as the spec's request schemas say (the contract layer
//! only sees part names): `message_input` / `thread_input` required; `body` 3 to 50,000
//! characters; `to` required and not empty, each a participant type (`OPERATOR`, `CUSTOMER`;
//! a shop never writes to itself); OR43's `topic` required, `FREE_TEXT` values 3 to 200
//! characters, `REASON_CODE` values 1 to 200; at most 1,000 messages on a thread. M11 filters
//! by `entity_type`, `entity_id` (400 without `entity_type`, as documented), `updated_since`,
//! leaves messages out unless `with_messages=true` (then the last 100), and pages by seek
//! (`limit` default 50, at most 100, `page_token`).
//!
//! Customers (and the operator) write through [`MiraklBackOffice`]:
//! [`MiraklBackOffice::customer_opens_thread`], [`MiraklBackOffice::customer_writes`], and the
//! threads are read back with [`MiraklBackOffice::threads_of`].

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::extract::{Multipart, Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use time::OffsetDateTime;

use super::backoffice::MiraklBackOffice;
use super::clock::{iso, parse_date};
use super::state::ApiError;
use super::{SandboxError, Shared};

/// Most messages on one thread (M12: "Maximum of 1000 messages on a thread").
pub const MAX_MESSAGES: usize = 1000;
/// Most messages M11 returns per thread with `with_messages=true`.
const LAST_MESSAGES: usize = 100;

/// Who wrote a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sender {
    /// The marketplace customer.
    Customer,
    /// The shop (through M12 / OR43).
    Shop,
    /// The operator's staff.
    Operator,
}

impl Sender {
    fn user_type(self) -> &'static str {
        match self {
            Sender::Customer => "CUSTOMER_USER",
            Sender::Shop => "SHOP_USER",
            Sender::Operator => "OPERATOR_USER",
        }
    }

    fn participant(self) -> &'static str {
        match self {
            Sender::Customer => "CUSTOMER",
            Sender::Shop => "SHOP",
            Sender::Operator => "OPERATOR",
        }
    }
}

/// One message of a thread, as the back office sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThreadMessage {
    /// Message id.
    pub id: String,
    /// Sender.
    pub from: Sender,
    /// Recipients (participant types).
    pub to: Vec<String>,
    /// Body.
    pub body: String,
    /// Written at.
    pub created: OffsetDateTime,
}

/// One thread on an order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Thread {
    /// Thread id.
    pub id: String,
    /// The order it is about.
    pub order_id: String,
    /// `topic.type`.
    pub topic_type: String,
    /// `topic.value`.
    pub topic_value: String,
    /// Created.
    pub created: OffsetDateTime,
    /// Last change (the last message).
    pub updated: OffsetDateTime,
    /// Messages, oldest first.
    pub messages: Vec<ThreadMessage>,
}

/// Every thread of the operator, by id.
#[derive(Debug, Clone, Default)]
pub(crate) struct Threads {
    pub(crate) by_id: BTreeMap<String, Thread>,
    seq: u64,
}

impl Threads {
    fn next_id(&mut self, kind: u16) -> String {
        self.seq += 1;
        // UUID-shaped, as Mirakl's inbox ids are
        format!("{:08x}-{kind:04x}-4000-8000-{:012x}", self.seq, self.seq)
    }

    fn open(
        &mut self,
        order_id: &str,
        topic: (&str, &str),
        first: (Sender, Vec<String>, String),
        now: OffsetDateTime,
    ) -> (String, String) {
        let id = self.next_id(1);
        let message_id = self.next_id(2);
        let (from, to, body) = first;
        self.by_id.insert(
            id.clone(),
            Thread {
                id: id.clone(),
                order_id: order_id.to_owned(),
                topic_type: topic.0.to_owned(),
                topic_value: topic.1.to_owned(),
                created: now,
                updated: now,
                messages: vec![ThreadMessage {
                    id: message_id.clone(),
                    from,
                    to,
                    body,
                    created: now,
                }],
            },
        );
        (id, message_id)
    }

    fn write(
        &mut self,
        thread_id: &str,
        from: Sender,
        to: Vec<String>,
        body: String,
        now: OffsetDateTime,
    ) -> Result<String, ApiError> {
        let message_id = self.next_id(2);
        let thread = self
            .by_id
            .get_mut(thread_id)
            .ok_or_else(|| ApiError::not_found(format!("Thread {thread_id} not found")))?;
        if thread.messages.len() >= MAX_MESSAGES {
            return Err(ApiError::bad_request(format!(
                "A thread holds at most {MAX_MESSAGES} messages"
            )));
        }
        thread.messages.push(ThreadMessage {
            id: message_id.clone(),
            from,
            to,
            body,
            created: now,
        });
        thread.updated = now;
        Ok(message_id)
    }
}

fn participant(kind: &str, order: Option<&super::orders::Order>, shop: (u64, &str)) -> Value {
    match kind {
        "CUSTOMER" => {
            let (id, name) = order.map_or((String::new(), String::new()), |o| {
                (
                    o.customer.customer_id.clone(),
                    format!("{} {}", o.customer.firstname, o.customer.lastname),
                )
            });
            json!({"display_name": name, "id": id, "type": "CUSTOMER"})
        }
        "SHOP" => json!({"display_name": shop.1, "id": shop.0.to_string(), "type": "SHOP"}),
        // "When type equals OPERATOR, no id will be returned."
        _ => json!({"display_name": "Operator", "type": "OPERATOR"}),
    }
}

fn thread_json(
    t: &Thread,
    order: Option<&super::orders::Order>,
    shop: (u64, &str),
    with_messages: bool,
) -> Value {
    let sender = |s: Sender| {
        let name = match s {
            Sender::Customer => order.map_or(String::new(), |o| {
                format!("{} {}", o.customer.firstname, o.customer.lastname)
            }),
            Sender::Shop => shop.1.to_owned(),
            Sender::Operator => "Operator".to_owned(),
        };
        json!({
            "display_name": name,
            "organization_details": participant(s.participant(), order, shop),
            "type": s.user_type(),
        })
    };
    let authorized: Vec<Value> = ["CUSTOMER", "SHOP", "OPERATOR"]
        .iter()
        .map(|k| participant(k, order, shop))
        .collect();
    let mut current: Vec<&str> = Vec::new();
    for m in &t.messages {
        for p in std::iter::once(m.from.participant()).chain(m.to.iter().map(String::as_str)) {
            if !current.contains(&p) {
                current.push(p);
            }
        }
    }
    let last = t.messages.last();
    // awaiting the shop since the first message after the shop's last one
    let reply_needed = t
        .messages
        .iter()
        .rev()
        .take_while(|m| m.from != Sender::Shop)
        .last()
        .map(|m| iso(m.created));
    let mut v = json!({
        "authorized_participants": authorized,
        "current_participants": current.iter().map(|k| participant(k, order, shop)).collect::<Vec<_>>(),
        "date_created": iso(t.created),
        "date_updated": iso(t.updated),
        "entities": [{
            "id": t.order_id,
            "label": order.map_or(t.order_id.clone(), |o| o.commercial_id.clone()),
            "type": "MMP_ORDER",
        }],
        "id": t.id,
        "metadata": {
            "last_message_date": last.map(|m| iso(m.created)),
            "last_sender": last.map(|m| sender(m.from)),
            "shop_reply_needed_since": reply_needed,
            "total_count": t.messages.len(),
        },
        "no_store_reply_needed": [],
        "topic": {"type": t.topic_type, "value": t.topic_value},
    });
    if with_messages {
        let skip = t.messages.len().saturating_sub(LAST_MESSAGES);
        v["messages"] = t.messages[skip..]
            .iter()
            .map(|m| {
                json!({
                    "attachments": [],
                    "body": m.body,
                    "date_created": iso(m.created),
                    "from": sender(m.from),
                    "id": m.id,
                    "to": m.to.iter().map(|k| participant(k, order, shop)).collect::<Vec<_>>(),
                })
            })
            .collect();
    }
    v
}

fn created(value: &Value) -> Response {
    (
        StatusCode::CREATED,
        [(header::CONTENT_TYPE, "application/json")],
        value.to_string(),
    )
        .into_response()
}

fn ok(value: &Value) -> Response {
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/json")],
        value.to_string(),
    )
        .into_response()
}

fn param<'a>(params: &'a [(String, String)], key: &str) -> Option<&'a str> {
    params
        .iter()
        .find(|(k, v)| k == key && !v.trim().is_empty())
        .map(|(_, v)| v.trim())
}

/// `GET /api/inbox/threads` (M11).
pub(crate) async fn list(
    State(shared): State<Arc<Shared>>,
    Query(params): Query<Vec<(String, String)>>,
) -> Result<Response, ApiError> {
    let entity_type = param(&params, "entity_type");
    let entity_ids: Option<Vec<String>> = {
        let ids: Vec<String> = params
            .iter()
            .filter(|(k, _)| k == "entity_id")
            .flat_map(|(_, v)| v.split(','))
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
            .collect();
        (!ids.is_empty()).then_some(ids)
    };
    if entity_ids.is_some() && entity_type.is_none() {
        return Err(ApiError::bad_request(
            "The entity_type must be specified to use the entity_id filter",
        ));
    }
    if let Some(t) = entity_type
        && ![
            "MMP_ORDER",
            "MMP_OFFER",
            "MPS_ORDER",
            "MPS_SERVICE",
            "SELLER_OPERATOR",
        ]
        .contains(&t)
    {
        return Err(ApiError::bad_request(format!("Invalid entity_type '{t}'")));
    }
    let since = param(&params, "updated_since")
        .map(|t| {
            parse_date(t).ok_or_else(|| {
                ApiError::bad_request(format!("Invalid date for parameter updated_since: '{t}'"))
            })
        })
        .transpose()?;
    let with_messages = match param(&params, "with_messages") {
        None | Some("false") => false,
        Some("true") => true,
        Some(v) => {
            return Err(ApiError::bad_request(format!(
                "Invalid boolean for parameter with_messages: '{v}'"
            )));
        }
    };
    let limit = match param(&params, "limit") {
        None => 50,
        Some(v) => match v.parse::<usize>() {
            Ok(n) if (1..=100).contains(&n) => n,
            _ => {
                return Err(ApiError::bad_request(format!(
                    "Invalid limit '{v}': from 1 to 100"
                )));
            }
        },
    };
    let start = match param(&params, "page_token") {
        None => 0,
        Some(t) => t
            .strip_prefix("threads-")
            .and_then(|n| n.parse::<usize>().ok())
            .ok_or_else(|| ApiError::bad_request(format!("Invalid page_token '{t}'")))?,
    };
    let (state, _) = shared.lock();
    let shop = (state.config.shop_id, state.config.shop_name.as_str());
    let mut matching: Vec<&Thread> = state
        .threads
        .by_id
        .values()
        // every thread here is on a product order (MMP_ORDER)
        .filter(|_| entity_type.is_none_or(|t| t == "MMP_ORDER"))
        .filter(|t| {
            entity_ids
                .as_ref()
                .is_none_or(|ids| ids.contains(&t.order_id))
        })
        .filter(|t| since.is_none_or(|s| t.updated >= s))
        .collect();
    matching.sort_by(|a, b| a.updated.cmp(&b.updated).then_with(|| a.id.cmp(&b.id)));
    let page: Vec<Value> = matching
        .iter()
        .skip(start)
        .take(limit)
        .map(|t| thread_json(t, state.orders.get(&t.order_id), shop, with_messages))
        .collect();
    let mut body = json!({ "data": page });
    if start + limit < matching.len() {
        body["next_page_token"] = json!(format!("threads-{}", start + limit));
    }
    if start > 0 {
        body["previous_page_token"] = json!(format!("threads-{}", start.saturating_sub(limit)));
    }
    Ok(ok(&body))
}

/// `GET /api/inbox/threads/{thread_id}` (M10).
pub(crate) async fn get(
    State(shared): State<Arc<Shared>>,
    Path(thread_id): Path<String>,
) -> Result<Response, ApiError> {
    let (state, _) = shared.lock();
    let shop = (state.config.shop_id, state.config.shop_name.as_str());
    let t = state
        .threads
        .by_id
        .get(&thread_id)
        .ok_or_else(|| ApiError::not_found(format!("Thread {thread_id} not found")))?;
    Ok(ok(&thread_json(
        t,
        state.orders.get(&t.order_id),
        shop,
        true,
    )))
}

/// Reads the multipart form: the JSON part `name`, decoded.
async fn json_part(mut form: Multipart, name: &str) -> Result<Value, ApiError> {
    let mut found = None;
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
        let field_name = field.name().unwrap_or_default().to_owned();
        let bytes = field
            .bytes()
            .await
            .map_err(|e| ApiError::bad_request(format!("Invalid multipart body: {e}")))?;
        if field_name == name {
            found = Some(bytes);
        }
    }
    let bytes =
        found.ok_or_else(|| ApiError::bad_request(format!("The part {name} is required")))?;
    serde_json::from_slice(&bytes)
        .map_err(|e| ApiError::bad_request(format!("The part {name} is not valid JSON: {e}")))
}

fn checked_body(input: &Value) -> Result<String, ApiError> {
    let body = input
        .get("body")
        .and_then(Value::as_str)
        .ok_or_else(|| ApiError::bad_request("The field body is required"))?;
    let n = body.chars().count();
    if !(3..=50_000).contains(&n) {
        return Err(ApiError::bad_request(
            "The field body must hold from 3 to 50000 characters",
        ));
    }
    Ok(body.to_owned())
}

fn checked_recipient(kind: &str) -> Result<String, ApiError> {
    match kind {
        "OPERATOR" | "CUSTOMER" => Ok(kind.to_owned()),
        "SHOP" => Err(ApiError::bad_request("A shop cannot write to itself")),
        other => Err(ApiError::bad_request(format!(
            "Invalid recipient type '{other}'"
        ))),
    }
}

fn checked_topic(topic: &Value, required: bool) -> Result<Option<(String, String)>, ApiError> {
    if topic.is_null() {
        return if required {
            Err(ApiError::bad_request("The field topic is required"))
        } else {
            Ok(None)
        };
    }
    let kind = topic
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let value = topic
        .get("value")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let n = value.chars().count();
    let ok = match kind {
        "FREE_TEXT" => (3..=200).contains(&n),
        "REASON_CODE" => (1..=200).contains(&n),
        _ => {
            return Err(ApiError::bad_request(format!(
                "Invalid topic type '{kind}'"
            )));
        }
    };
    if !ok {
        return Err(ApiError::bad_request(format!(
            "Invalid topic value for the type {kind}"
        )));
    }
    Ok(Some((kind.to_owned(), value.to_owned())))
}

/// `POST /api/inbox/threads/{thread_id}/message` (M12): the shop replies.
pub(crate) async fn reply(
    State(shared): State<Arc<Shared>>,
    Path(thread_id): Path<String>,
    form: Multipart,
) -> Result<Response, ApiError> {
    let input = json_part(form, "message_input").await?;
    let body = checked_body(&input)?;
    let to: Vec<String> = input
        .get("to")
        .and_then(Value::as_array)
        .ok_or_else(|| ApiError::bad_request("The field to is required"))?
        .iter()
        .map(|r| checked_recipient(r.get("type").and_then(Value::as_str).unwrap_or_default()))
        .collect::<Result<_, _>>()?;
    if to.is_empty() {
        return Err(ApiError::bad_request("The field to needs a recipient"));
    }
    let topic = checked_topic(input.get("topic").unwrap_or(&Value::Null), false)?;
    let (mut state, now) = shared.lock();
    let message_id = state
        .threads
        .write(&thread_id, Sender::Shop, to, body, now)?;
    if let Some((kind, value)) = topic
        && let Some(t) = state.threads.by_id.get_mut(&thread_id)
    {
        t.topic_type = kind;
        t.topic_value = value;
    }
    Ok(created(
        &json!({"message_id": message_id, "thread_id": thread_id}),
    ))
}

/// `POST /api/orders/{order_id}/threads` (OR43): the shop opens a thread on an order.
pub(crate) async fn open(
    State(shared): State<Arc<Shared>>,
    Path(order_id): Path<String>,
    form: Multipart,
) -> Result<Response, ApiError> {
    let input = json_part(form, "thread_input").await?;
    let body = checked_body(&input)?;
    let to: Vec<String> = input
        .get("to")
        .and_then(Value::as_array)
        .ok_or_else(|| ApiError::bad_request("The field to is required"))?
        .iter()
        .map(|r| checked_recipient(r.as_str().unwrap_or_default()))
        .collect::<Result<_, _>>()?;
    if to.is_empty() {
        return Err(ApiError::bad_request("The field to needs a recipient"));
    }
    let (kind, value) = checked_topic(input.get("topic").unwrap_or(&Value::Null), true)?
        .ok_or_else(|| ApiError::bad_request("The field topic is required"))?;
    let (mut state, now) = shared.lock();
    if !state.orders.contains_key(&order_id) {
        return Err(ApiError::not_found(format!("Order {order_id} not found")));
    }
    let (thread_id, message_id) =
        state
            .threads
            .open(&order_id, (&kind, &value), (Sender::Shop, to, body), now);
    Ok(created(
        &json!({"message_id": message_id, "thread_id": thread_id}),
    ))
}

impl MiraklBackOffice {
    /// The customer of an order opens a thread on it (free-text topic) with a first message
    /// to the shop. Returns the thread id.
    ///
    /// # Errors
    /// [`SandboxError::UnknownOrder`].
    pub fn customer_opens_thread(
        &self,
        order_id: &str,
        topic: &str,
        body: &str,
    ) -> Result<String, SandboxError> {
        let (mut state, now) = self.shared.lock();
        if !state.orders.contains_key(order_id) {
            return Err(SandboxError::UnknownOrder(order_id.to_owned()));
        }
        let (thread, _) = state.threads.open(
            order_id,
            ("FREE_TEXT", topic),
            (Sender::Customer, vec!["SHOP".to_owned()], body.to_owned()),
            now,
        );
        Ok(thread)
    }

    /// A customer (or, with [`Sender::Operator`], the operator's staff) writes to the shop on
    /// an existing thread. Returns the message id, `None` when the thread is unknown or full.
    pub fn customer_writes(&self, thread_id: &str, from: Sender, body: &str) -> Option<String> {
        let (mut state, now) = self.shared.lock();
        state
            .threads
            .write(
                thread_id,
                from,
                vec!["SHOP".to_owned()],
                body.to_owned(),
                now,
            )
            .ok()
    }

    /// The threads on an order, oldest first, with their messages.
    pub fn threads_of(&self, order_id: &str) -> Vec<Thread> {
        let (state, _) = self.shared.lock();
        let mut list: Vec<Thread> = state
            .threads
            .by_id
            .values()
            .filter(|t| t.order_id == order_id)
            .cloned()
            .collect();
        list.sort_by(|a, b| a.created.cmp(&b.created).then_with(|| a.id.cmp(&b.id)));
        list
    }
}

impl MiraklBackOffice {
    /// The customer opens an incident on an order line (`{order id}-{n}`): the line reads
    /// `INCIDENT_OPEN` in OR11 with `order_line_state_reason_code`/`_label`, and the order
    /// `has_incident`, until [`MiraklBackOffice::resolve_incident`].
    ///
    /// # Errors
    /// [`SandboxError::UnknownOrder`] when the order or line is unknown.
    pub fn open_incident(
        &self,
        order_line_id: &str,
        reason_code: &str,
        reason_label: &str,
    ) -> Result<(), SandboxError> {
        self.set_incident(
            order_line_id,
            Some((reason_code.to_owned(), reason_label.to_owned())),
        )
    }

    /// The incident on a line is resolved: the line is back in its state.
    ///
    /// # Errors
    /// [`SandboxError::UnknownOrder`] when the order or line is unknown.
    pub fn resolve_incident(&self, order_line_id: &str) -> Result<(), SandboxError> {
        self.set_incident(order_line_id, None)
    }

    fn set_incident(
        &self,
        order_line_id: &str,
        incident: Option<(String, String)>,
    ) -> Result<(), SandboxError> {
        let (mut state, now) = self.shared.lock();
        let order_id = order_line_id
            .rsplit_once('-')
            .map(|(o, _)| o.to_owned())
            .unwrap_or_default();
        let order = state
            .orders
            .get_mut(&order_id)
            .ok_or_else(|| SandboxError::UnknownOrder(order_line_id.to_owned()))?;
        let line = order
            .lines
            .iter_mut()
            .find(|l| l.id == order_line_id)
            .ok_or_else(|| SandboxError::UnknownOrder(order_line_id.to_owned()))?;
        line.incident = incident;
        line.last_updated = now;
        order.last_updated = now;
        Ok(())
    }
}
