//! Request contracts: every request to a stand-in is checked against the contract derived from
//! the official API documents (`contracts/bigcommerce.json`, `contracts/mirakl.json`, written by
//! `cargo run -p contract-derive -- ../shared/specs sandbox/contracts`).
//!
//! For each request the checker finds the operation by method and path template, then
//!
//! * a path/method that no contract declares is answered `404` as the real service would;
//! * an undeclared query parameter is **removed** before the handler sees it (both services
//!   ignore unknown parameters, so code that relies on one fails its test) and recorded;
//! * a declared query parameter whose value does not fit its schema (type, enum), or a missing
//!   required one, is rejected;
//! * a JSON body is validated against the operation's schema with `jsonschema` (each schema
//!   compiled once per process, on first use); a multipart body must carry the required fields,
//!   and unknown field names are recorded.
//!
//! Rejections answer in the service's error shape: BigCommerce v3 `422` (`400` for a body that
//! is not JSON) with `{status, title, type, errors}`, v2 `400` with `[{status, message}]`, Mirakl
//! `400` with `{status, message}`. Every violation (rejected or only recorded) goes to the
//! [`ContractLog`] of the sandbox ([`crate::BigCommerceSandbox::contract_violations`],
//! [`crate::MiraklSandbox::contract_violations`], and `GET /__sandbox/contract-violations` on
//! either server) and is printed on stderr as one `contract violation: …` line (test output
//! shows it when a test fails).
//!
//! Checking is on by default ([`ContractChecking::Enforce`]); [`ContractChecking::Off`] exists
//! for the tests that show what a check catches.

use std::collections::BTreeSet;
use std::fmt;
use std::sync::{Arc, LazyLock, Mutex, OnceLock};

use axum::Json;
use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{FromRequest, Multipart, Request, State};
use axum::http::{HeaderValue, Method, StatusCode, Uri, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Serialize;
use serde_json::{Map, Value, json};

/// The path on both stand-ins that reports the contract violations recorded so far:
/// `{"count": N, "violations": [...]}` (no auth, never checked, never faulted).
pub const VIOLATIONS_PATH: &str = "/__sandbox/contract-violations";

/// Whether a sandbox checks requests against the contracts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ContractChecking {
    /// Check every request, reject what the real service would reject, record every violation.
    #[default]
    Enforce,
    /// No checking: only for tests that show what a check catches.
    Off,
}

/// Which service a contract describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Service {
    /// The BigCommerce store (v2 and v3).
    BigCommerce,
    /// The Mirakl seller API.
    Mirakl,
}

/// What kind of rule a request broke.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ViolationKind {
    /// No contract declares this method and path (answered 404).
    UnknownOperation,
    /// A query parameter the operation does not declare (ignored, as the service does).
    UndeclaredQuery,
    /// A declared query parameter with a value outside its schema (rejected).
    InvalidQuery,
    /// A required query parameter is missing (rejected).
    MissingQuery,
    /// A required request body is missing (rejected).
    MissingBody,
    /// The body is not JSON (rejected).
    InvalidJson,
    /// The JSON body does not match the operation's schema (rejected).
    InvalidBody,
    /// A required multipart field is missing (rejected).
    MissingMultipartField,
    /// A multipart field the operation does not declare (recorded).
    UndeclaredMultipartField,
}

/// One request that broke its contract.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ContractViolation {
    /// The service.
    pub service: Service,
    /// The operation (`getVariants`, `OR28`), or `METHOD path` when none matched.
    pub operation: String,
    /// The request method.
    pub method: String,
    /// The request path (without the query).
    pub path: String,
    /// The broken rule.
    pub kind: ViolationKind,
    /// What exactly, with the JSON location for body errors.
    pub detail: String,
    /// The spec file (relative to `../shared/specs/`) and JSON pointer of the operation.
    pub spec: String,
}

impl fmt::Display for ContractViolation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} {} ({}): {:?}: {} [{}]",
            match self.service {
                Service::BigCommerce => "bigcommerce",
                Service::Mirakl => "mirakl",
            },
            self.method,
            self.path,
            self.operation,
            self.kind,
            self.detail,
            self.spec
        )
    }
}

/// The violations one sandbox recorded (cheap to clone; all clones share the log).
#[derive(Debug, Clone, Default)]
pub struct ContractLog {
    entries: Arc<Mutex<Vec<ContractViolation>>>,
}

impl ContractLog {
    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<ContractViolation>> {
        self.entries.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Every violation so far, in arrival order.
    pub fn violations(&self) -> Vec<ContractViolation> {
        self.lock().clone()
    }

    /// How many violations so far.
    pub fn count(&self) -> usize {
        self.lock().len()
    }

    /// Forgets the recorded violations.
    pub fn clear(&self) {
        self.lock().clear();
    }

    fn push(&self, violation: ContractViolation) {
        tracing::warn!(%violation, "contract violation");
        eprintln!("contract violation: {violation}");
        self.lock().push(violation);
    }
}

#[derive(Debug)]
enum Segment {
    Literal(String),
    Param,
}

#[derive(Debug)]
struct QueryContract {
    name: String,
    required: bool,
    schema: Value,
    validator: OnceLock<Option<jsonschema::Validator>>,
}

#[derive(Debug)]
struct Operation {
    id: String,
    method: Method,
    segments: Vec<Segment>,
    literals: usize,
    spec: String,
    query: Vec<QueryContract>,
    json_body: Option<(bool, Value)>,
    body_validator: OnceLock<Option<jsonschema::Validator>>,
    multipart: Option<(Vec<String>, Vec<String>)>,
}

/// The parsed contracts of one service.
#[derive(Debug)]
struct Contracts {
    operations: Vec<Operation>,
}

static BIGCOMMERCE: LazyLock<Contracts> = LazyLock::new(|| {
    Contracts::parse(
        Service::BigCommerce,
        include_str!("../contracts/bigcommerce.json"),
    )
});
static MIRAKL: LazyLock<Contracts> =
    LazyLock::new(|| Contracts::parse(Service::Mirakl, include_str!("../contracts/mirakl.json")));

fn segments(path: &str) -> impl Iterator<Item = &str> {
    path.split('/').filter(|s| !s.is_empty())
}

fn compile(schema: &Value) -> Option<jsonschema::Validator> {
    match jsonschema::draft202012::new(schema) {
        Ok(v) => Some(v),
        Err(error) => {
            // contract-derive compiles every schema before writing it; this cannot happen with
            // the committed files, and an unusable schema must not reject requests.
            tracing::error!(%error, "contract schema does not compile");
            None
        }
    }
}

impl Contracts {
    fn parse(service: Service, text: &str) -> Self {
        let doc: Value = serde_json::from_str(text).expect("committed contract file is JSON");
        let operations = doc["operations"]
            .as_array()
            .expect("contract operations")
            .iter()
            .map(|op| {
                let path = op["path"].as_str().unwrap_or_default();
                let segments: Vec<Segment> = segments(path)
                    .map(|s| {
                        if s.starts_with('{') && s.ends_with('}') {
                            Segment::Param
                        } else {
                            Segment::Literal(s.to_owned())
                        }
                    })
                    .collect();
                let literals = segments
                    .iter()
                    .filter(|s| matches!(s, Segment::Literal(_)))
                    .count();
                let strings = |v: &Value| -> Vec<String> {
                    v.as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(Value::as_str)
                        .map(str::to_owned)
                        .collect()
                };
                Operation {
                    id: op["id"].as_str().unwrap_or_default().to_owned(),
                    method: Method::from_bytes(op["method"].as_str().unwrap_or("GET").as_bytes())
                        .unwrap_or(Method::GET),
                    segments,
                    literals,
                    spec: format!(
                        "{}#{}",
                        op["spec"].as_str().unwrap_or_default(),
                        op["pointer"].as_str().unwrap_or_default()
                    ),
                    query: op["query"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .map(|q| QueryContract {
                            name: q["name"].as_str().unwrap_or_default().to_owned(),
                            required: q["required"].as_bool().unwrap_or(false),
                            schema: q["schema"].clone(),
                            validator: OnceLock::new(),
                        })
                        .collect(),
                    json_body: op.get("json_body").map(|b| {
                        (
                            b["required"].as_bool().unwrap_or(false),
                            b["schema"].clone(),
                        )
                    }),
                    body_validator: OnceLock::new(),
                    multipart: op
                        .get("multipart")
                        .map(|m| (strings(&m["fields"]), strings(&m["required"]))),
                }
            })
            .collect();
        let _ = service;
        Contracts { operations }
    }

    /// The operation for `method path`: the matching template with the most literal segments.
    fn find(&self, method: &Method, path: &str) -> Option<&Operation> {
        let parts: Vec<&str> = segments(path).collect();
        self.operations
            .iter()
            .filter(|op| op.method == *method && op.segments.len() == parts.len())
            .filter(|op| {
                op.segments.iter().zip(&parts).all(|(s, p)| match s {
                    Segment::Literal(l) => l == p,
                    Segment::Param => !p.is_empty(),
                })
            })
            .max_by_key(|op| op.literals)
    }

    fn by_id(&self, id: &str) -> Option<&Operation> {
        self.operations.iter().find(|op| op.id == id)
    }
}

/// A rejection: status, message and the per-field errors (v3 `errors`).
struct Rejection {
    status: StatusCode,
    message: String,
    errors: Map<String, Value>,
}

/// The contract middleware's state.
#[derive(Clone)]
pub(crate) struct Checker {
    service: Service,
    log: ContractLog,
    mode: ContractChecking,
    /// Path prefixes the sandbox itself hands out as dynamic URLs, with the operation they stand
    /// for (Mirakl OF54: "the URL is retrieved from OF53 output").
    aliases: &'static [(&'static str, &'static str)],
}

impl Checker {
    pub(crate) fn new(service: Service, log: ContractLog, mode: ContractChecking) -> Self {
        let aliases: &'static [(&'static str, &'static str)] = match service {
            Service::Mirakl => &[("/api/offers/export/async/file/", "OF54")],
            Service::BigCommerce => &[],
        };
        Checker {
            service,
            log,
            mode,
            aliases,
        }
    }

    fn contracts(&self) -> &'static Contracts {
        match self.service {
            Service::BigCommerce => &BIGCOMMERCE,
            Service::Mirakl => &MIRAKL,
        }
    }

    fn record(
        &self,
        op: Option<&Operation>,
        request: &Request,
        kind: ViolationKind,
        detail: String,
    ) {
        let method = request.method().to_string();
        let path = request.uri().path().to_owned();
        self.log.push(ContractViolation {
            service: self.service,
            operation: op
                .map(|o| o.id.clone())
                .unwrap_or_else(|| format!("{method} {path}")),
            method,
            path,
            kind,
            detail,
            spec: op.map(|o| o.spec.clone()).unwrap_or_default(),
        });
    }

    fn render(&self, path: &str, rejection: Rejection) -> Box<Response> {
        Box::new(self.render_inner(path, rejection))
    }

    fn render_inner(&self, path: &str, rejection: Rejection) -> Response {
        match self.service {
            Service::Mirakl => {
                // Mirakl answers every request error with 400.
                let status = if rejection.status == StatusCode::UNPROCESSABLE_ENTITY {
                    StatusCode::BAD_REQUEST
                } else {
                    rejection.status
                };
                let body = json!({"status": status.as_u16(), "message": rejection.message});
                (status, Json(body)).into_response()
            }
            Service::BigCommerce if path.contains("/v2/") => {
                // v2 answers 400 where v3 answers 422.
                let status = if rejection.status == StatusCode::UNPROCESSABLE_ENTITY {
                    StatusCode::BAD_REQUEST
                } else {
                    rejection.status
                };
                let body = json!([{"status": status.as_u16(), "message": rejection.message}]);
                (status, Json(body)).into_response()
            }
            Service::BigCommerce => {
                let body = json!({
                    "status": rejection.status.as_u16(),
                    "title": rejection.message,
                    "type": crate::bigcommerce::ERROR_TYPE,
                    "errors": rejection.errors,
                });
                (rejection.status, Json(body)).into_response()
            }
        }
    }

    async fn check(&self, request: Request) -> Result<Request, Box<Response>> {
        let contracts = self.contracts();
        let path = request.uri().path().to_owned();
        // A URL the sandbox handed out itself is opaque, as the real one is: nothing to check.
        if self
            .aliases
            .iter()
            .any(|(prefix, id)| path.starts_with(prefix) && contracts.by_id(id).is_some())
        {
            return Ok(request);
        }
        let op = contracts.find(request.method(), &path);
        let Some(op) = op else {
            self.record(
                None,
                &request,
                ViolationKind::UnknownOperation,
                "no operation of the official API has this method and path".into(),
            );
            let message = "The requested resource was not found.";
            return Err(self.render(
                &path,
                Rejection {
                    status: StatusCode::NOT_FOUND,
                    message: message.into(),
                    errors: Map::new(),
                },
            ));
        };
        let request = self.check_query(op, request)?;
        self.check_body(op, request).await
    }

    fn check_query(&self, op: &Operation, request: Request) -> Result<Request, Box<Response>> {
        let raw = request.uri().query().unwrap_or_default().to_owned();
        let mut kept: Vec<&str> = Vec::new();
        let mut values: Vec<(&QueryContract, Vec<String>)> = Vec::new();
        let mut undeclared = BTreeSet::new();
        for pair in raw.split('&').filter(|p| !p.is_empty()) {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            let name = decode(name);
            let value = decode(value);
            match op.query.iter().find(|q| q.name == name) {
                Some(q) => {
                    kept.push(pair);
                    match values.iter_mut().find(|(c, _)| c.name == q.name) {
                        Some((_, v)) => v.push(value),
                        None => values.push((q, vec![value])),
                    }
                }
                None => {
                    undeclared.insert(name);
                }
            }
        }
        let path = request.uri().path().to_owned();
        let mut problems: Vec<(ViolationKind, String, String)> = Vec::new();
        for name in &undeclared {
            self.record(
                Some(op),
                &request,
                ViolationKind::UndeclaredQuery,
                format!("query parameter `{name}` is not declared for this operation (ignored)"),
            );
        }
        for q in op.query.iter().filter(|q| q.required) {
            if !values.iter().any(|(c, _)| c.name == q.name) {
                problems.push((
                    ViolationKind::MissingQuery,
                    q.name.clone(),
                    format!("required query parameter `{}` is missing", q.name),
                ));
            }
        }
        for (q, raw_values) in &values {
            let value = typed_query_value(&q.schema, raw_values);
            let validator = q.validator.get_or_init(|| compile(&q.schema));
            if let Some(validator) = validator
                && let Some(error) = validator.iter_errors(&value).next()
            {
                problems.push((
                    ViolationKind::InvalidQuery,
                    q.name.clone(),
                    format!(
                        "query parameter `{}`={}: {error}",
                        q.name,
                        raw_values.join(",")
                    ),
                ));
            }
        }
        if !problems.is_empty() {
            let mut errors = Map::new();
            for (kind, name, detail) in &problems {
                self.record(Some(op), &request, *kind, detail.clone());
                errors.insert(name.clone(), json!(detail));
            }
            let message = problems
                .iter()
                .map(|p| p.2.as_str())
                .collect::<Vec<_>>()
                .join("; ");
            // BigCommerce: "413 Request Entity Too Large: the `limit` parameter exceeded the
            // maximum" (docs/start/about/status-codes.mdx).
            let too_many = self.service == Service::BigCommerce
                && values.iter().any(|(q, raw)| {
                    q.name == "limit"
                        && q.schema
                            .get("maximum")
                            .and_then(Value::as_i64)
                            .is_some_and(|max| {
                                raw.iter().any(|v| v.parse::<i64>().is_ok_and(|n| n > max))
                            })
                });
            if too_many {
                return Err(self.render(
                    &path,
                    Rejection {
                        status: StatusCode::PAYLOAD_TOO_LARGE,
                        message: "Request Entity Too Large".into(),
                        errors,
                    },
                ));
            }
            return Err(self.render(
                &path,
                Rejection {
                    status: StatusCode::UNPROCESSABLE_ENTITY,
                    message: match self.service {
                        Service::BigCommerce => format!("The filter(s) are invalid: {message}"),
                        Service::Mirakl => message,
                    },
                    errors,
                },
            ));
        }
        if undeclared.is_empty() {
            return Ok(request);
        }
        let (mut parts, body) = request.into_parts();
        let query = kept.join("&");
        let path_and_query = if query.is_empty() {
            path
        } else {
            format!("{path}?{query}")
        };
        let mut uri = parts.uri.clone().into_parts();
        uri.path_and_query = path_and_query.parse().ok();
        if let Ok(new_uri) = Uri::from_parts(uri) {
            parts.uri = new_uri;
        }
        Ok(Request::from_parts(parts, body))
    }

    async fn check_body(&self, op: &Operation, request: Request) -> Result<Request, Box<Response>> {
        if op.json_body.is_none() && op.multipart.is_none() {
            return Ok(request);
        }
        let path = request.uri().path().to_owned();
        let content_type = request
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_ascii_lowercase();
        let (parts, body) = request.into_parts();
        let bytes: Bytes = axum::body::to_bytes(body, usize::MAX)
            .await
            .unwrap_or_default();
        let request = Request::from_parts(parts, Body::from(bytes.clone()));
        if content_type.starts_with("multipart/form-data")
            && let Some((fields, required)) = &op.multipart
        {
            return self
                .check_multipart(op, request, bytes, fields, required)
                .await;
        }
        let Some((required, schema)) = &op.json_body else {
            if let Some((_, required)) = &op.multipart
                && !required.is_empty()
            {
                let detail = format!(
                    "multipart/form-data body with field(s) {} expected, got `{content_type}`",
                    required.join(", ")
                );
                self.record(
                    Some(op),
                    &request,
                    ViolationKind::MissingMultipartField,
                    detail.clone(),
                );
                return Err(self.render(&path, self.bad_request(detail)));
            }
            return Ok(request);
        };
        if bytes.iter().all(u8::is_ascii_whitespace) {
            if *required {
                let detail = "the request body is required".to_owned();
                self.record(
                    Some(op),
                    &request,
                    ViolationKind::MissingBody,
                    detail.clone(),
                );
                return Err(self.render(&path, self.bad_request(detail)));
            }
            return Ok(request);
        }
        let value: Value = match serde_json::from_slice(&bytes) {
            Ok(v) => v,
            Err(e) => {
                let detail = format!("the body is not valid JSON: {e}");
                self.record(
                    Some(op),
                    &request,
                    ViolationKind::InvalidJson,
                    detail.clone(),
                );
                return Err(self.render(&path, self.bad_request(detail)));
            }
        };
        let validator = op.body_validator.get_or_init(|| compile(schema));
        let Some(validator) = validator else {
            return Ok(request);
        };
        let mut errors = Map::new();
        let mut details = Vec::new();
        for error in validator.iter_errors(&value).take(20) {
            let location = error.instance_path().to_string();
            let detail = format!("{location}: {error}");
            // BigCommerce keys field errors by dotted field name (`price`, `variants.0.sku`).
            let mut field: Vec<String> = location
                .split('/')
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect();
            if let jsonschema::error::ValidationErrorKind::Required { property } = error.kind() {
                field.push(property.as_str().unwrap_or_default().to_owned());
            }
            errors.insert(field.join("."), json!(error.to_string()));
            details.push(detail);
        }
        if details.is_empty() {
            return Ok(request);
        }
        for detail in &details {
            self.record(
                Some(op),
                &request,
                ViolationKind::InvalidBody,
                detail.clone(),
            );
        }
        Err(self.render(
            &path,
            Rejection {
                status: StatusCode::UNPROCESSABLE_ENTITY,
                message: match self.service {
                    Service::BigCommerce => {
                        format!("JSON data is missing or invalid: {}", details.join("; "))
                    }
                    Service::Mirakl => format!("Invalid request body: {}", details.join("; ")),
                },
                errors,
            },
        ))
    }

    fn bad_request(&self, message: String) -> Rejection {
        Rejection {
            status: StatusCode::BAD_REQUEST,
            message,
            errors: Map::new(),
        }
    }

    async fn check_multipart(
        &self,
        op: &Operation,
        request: Request,
        bytes: Bytes,
        fields: &[String],
        required: &[String],
    ) -> Result<Request, Box<Response>> {
        let path = request.uri().path().to_owned();
        let (parts, _) = request.into_parts();
        let probe = Request::from_parts(parts.clone(), Body::from(bytes.clone()));
        let mut names = Vec::new();
        match Multipart::from_request(probe, &()).await {
            Ok(mut multipart) => loop {
                match multipart.next_field().await {
                    Ok(Some(field)) => {
                        names.push(field.name().unwrap_or_default().to_owned());
                        let _ = field.bytes().await;
                    }
                    Ok(None) => break,
                    Err(e) => {
                        let detail = format!("unreadable multipart body: {e}");
                        let request = Request::from_parts(parts, Body::from(bytes));
                        self.record(
                            Some(op),
                            &request,
                            ViolationKind::InvalidJson,
                            detail.clone(),
                        );
                        return Err(self.render(&path, self.bad_request(detail)));
                    }
                }
            },
            Err(e) => {
                let detail = format!("unreadable multipart body: {e}");
                let request = Request::from_parts(parts, Body::from(bytes));
                self.record(
                    Some(op),
                    &request,
                    ViolationKind::InvalidJson,
                    detail.clone(),
                );
                return Err(self.render(&path, self.bad_request(detail)));
            }
        }
        let request = Request::from_parts(parts, Body::from(bytes));
        for name in names.iter().filter(|n| !fields.contains(n)) {
            self.record(
                Some(op),
                &request,
                ViolationKind::UndeclaredMultipartField,
                format!("multipart field `{name}` is not declared for this operation"),
            );
        }
        let missing: Vec<&String> = required.iter().filter(|r| !names.contains(r)).collect();
        if missing.is_empty() {
            return Ok(request);
        }
        let detail = format!(
            "required multipart field(s) missing: {}",
            missing
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        );
        self.record(
            Some(op),
            &request,
            ViolationKind::MissingMultipartField,
            detail.clone(),
        );
        Err(self.render(&path, self.bad_request(detail)))
    }
}

/// Turns the raw values of a query parameter into the JSON value its schema describes:
/// integers, numbers and booleans parsed (left as strings when they do not parse, so the
/// validator reports them), arrays split on commas (and repeated parameters).
fn typed_query_value(schema: &Value, raw: &[String]) -> Value {
    let type_of = |s: &Value| -> Option<String> {
        match s.get("type") {
            Some(Value::String(t)) => Some(t.clone()),
            Some(Value::Array(ts)) => ts
                .iter()
                .filter_map(Value::as_str)
                .find(|t| *t != "null")
                .map(str::to_owned),
            _ => None,
        }
    };
    let scalar = |s: &Value, v: &str| -> Value {
        match type_of(s).as_deref() {
            Some("integer") => v
                .parse::<i64>()
                .map(Value::from)
                .unwrap_or_else(|_| Value::String(v.to_owned())),
            Some("number") => v
                .parse::<f64>()
                .ok()
                .and_then(serde_json::Number::from_f64)
                .map(Value::Number)
                .unwrap_or_else(|| Value::String(v.to_owned())),
            Some("boolean") => match v {
                "true" => Value::Bool(true),
                "false" => Value::Bool(false),
                _ => Value::String(v.to_owned()),
            },
            _ => Value::String(v.to_owned()),
        }
    };
    if type_of(schema).as_deref() == Some("array") {
        let items = schema.get("items").cloned().unwrap_or(Value::Null);
        Value::Array(
            raw.iter()
                .flat_map(|v| v.split(','))
                .map(|v| scalar(&items, v))
                .collect(),
        )
    } else {
        // A scalar given twice: the last one wins, as most servers read it.
        scalar(schema, raw.last().map(String::as_str).unwrap_or_default())
    }
}

fn decode(s: &str) -> String {
    url::form_urlencoded::parse(format!("x={s}").as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

async fn contract_middleware(
    State(checker): State<Checker>,
    request: Request,
    next: Next,
) -> Response {
    if checker.mode == ContractChecking::Off || request.uri().path() == VIOLATIONS_PATH {
        return next.run(request).await;
    }
    match checker.check(request).await {
        Ok(request) => next.run(request).await,
        Err(response) => *response,
    }
}

/// Wraps every route and the fallback of `router` with the contract check.
pub(crate) fn layer<S: Clone + Send + Sync + 'static>(
    router: Router<S>,
    checker: Checker,
) -> Router<S> {
    router.layer(middleware::from_fn_with_state(checker, contract_middleware))
}

/// The admin route serving [`VIOLATIONS_PATH`], merged in front of a stand-in's router.
pub(crate) fn admin_router(log: ContractLog) -> Router {
    Router::new().route(
        VIOLATIONS_PATH,
        get(move || {
            let log = log.clone();
            async move {
                let violations = log.violations();
                let mut response =
                    Json(json!({"count": violations.len(), "violations": violations}))
                        .into_response();
                response
                    .headers_mut()
                    .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
                response
            }
        }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_most_literal_template_wins_and_unknown_paths_match_nothing() {
        let count = BIGCOMMERCE
            .find(&Method::GET, "/stores/abc/v2/orders/count")
            .expect("count");
        assert_eq!((count.id.as_str(), count.literals), ("getOrdersCount", 4));
        let one = BIGCOMMERCE
            .find(&Method::GET, "/stores/abc/v2/orders/12")
            .expect("one order");
        assert_eq!(one.literals, 3);
        assert!(
            BIGCOMMERCE
                .find(&Method::GET, "/stores/abc/v9/nothing")
                .is_none()
        );
        assert!(
            MIRAKL.find(&Method::DELETE, "/api/orders/refund").is_none(),
            "method matters"
        );
        assert_eq!(
            MIRAKL
                .find(&Method::PUT, "/api/orders/refund")
                .map(|o| o.id.as_str()),
            Some("OR28")
        );
    }

    #[test]
    fn query_values_are_typed_by_their_schema() {
        let ints = json!({"type": "array", "items": {"type": "integer"}});
        assert_eq!(
            typed_query_value(&ints, &["1,2".into(), "3".into()]),
            json!([1, 2, 3])
        );
        assert_eq!(
            typed_query_value(&ints, &["1,x".into()]),
            json!([1, "x"]),
            "a value that does not parse stays a string, for the validator to report"
        );
        assert_eq!(
            typed_query_value(&json!({"type": "boolean"}), &["true".into()]),
            json!(true)
        );
        assert_eq!(
            typed_query_value(&json!({"type": ["integer", "null"]}), &["7".into()]),
            json!(7)
        );
        assert_eq!(decode("id%3Ain"), "id:in");
    }
}
