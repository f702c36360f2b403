//! Derives the request contracts that the sandbox checks every request against, from the
//! official API documents kept in the specs folder (`../shared/specs/` beside the workspace).
//!
//! * BigCommerce: every OpenAPI 3 / Swagger 2 YAML file under
//!   `bigcommerce/bigcommerce-docs/reference/` (the `$ref`s are followed across files).
//! * Mirakl: the seller OpenAPI 3.1 JSON `mirakl/mirakl-mmp-seller-openapi.json`.
//!
//! For every operation the contract keeps the method, the full path template (the server's base
//! path joined with the operation path), the declared query parameters (name, required, JSON
//! schema with types and enums), the JSON request-body schema fully `$ref`-resolved (recursive
//! schemas go to `$defs`), converted to JSON Schema 2020-12 (`nullable` becomes a `null` type,
//! `readOnly` properties are not required in requests, documentation keywords dropped), and the
//! multipart field names. Each body schema is compiled with `jsonschema` before it is written, so
//! a contract file never holds a schema the sandbox cannot use.
//!
//! ```no_run
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let specs = std::path::Path::new("../shared/specs");
//! let bigcommerce = contract_derive::derive_bigcommerce(specs)?;
//! let mirakl = contract_derive::derive_mirakl(specs)?;
//! println!("{} + {} operations", bigcommerce.operations.len(), mirakl.operations.len());
//! # Ok(()) }
//! ```
#![deny(missing_docs)]

mod schema;

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value, json};

pub use schema::Resolver;

/// Where the BigCommerce reference files live under the specs folder.
pub const BIGCOMMERCE_DIR: &str = "bigcommerce/bigcommerce-docs/reference";
/// The Mirakl seller OpenAPI file under the specs folder.
pub const MIRAKL_FILE: &str = "mirakl/mirakl-mmp-seller-openapi.json";
/// File names the derived contracts are written to.
pub const OUTPUT_FILES: [&str; 2] = ["bigcommerce.json", "mirakl.json"];

/// A derivation failure, naming the file and what went wrong.
#[derive(Debug)]
pub struct DeriveError {
    /// The file (or folder) concerned.
    pub file: PathBuf,
    /// What went wrong.
    pub message: String,
}

impl DeriveError {
    pub(crate) fn new(file: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        DeriveError {
            file: file.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for DeriveError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.file.display(), self.message)
    }
}

impl std::error::Error for DeriveError {}

/// One declared query parameter.
#[derive(Debug, Clone, PartialEq)]
pub struct QueryParam {
    /// Name as sent (`id:in`, `max`).
    pub name: String,
    /// Whether the operation requires it.
    pub required: bool,
    /// JSON schema of the value (types, enums, array items).
    pub schema: Value,
}

/// The request contract of one operation.
#[derive(Debug, Clone, PartialEq)]
pub struct Operation {
    /// `operationId` (Mirakl: the API code such as `OR28`).
    pub id: String,
    /// Upper-case HTTP method.
    pub method: String,
    /// Full path template, e.g. `/stores/{store_hash}/v3/catalog/variants` or `/api/orders/refund`.
    pub path: String,
    /// The spec file, relative to the specs folder.
    pub spec: String,
    /// JSON pointer of the operation inside [`spec`](Self::spec).
    pub pointer: String,
    /// Declared query parameters.
    pub query: Vec<QueryParam>,
    /// JSON request body: whether it is required and its schema.
    pub json_body: Option<(bool, Value)>,
    /// Multipart form fields: (names, required names).
    pub multipart: Option<(Vec<String>, Vec<String>)>,
    /// Corrections applied to what the document says, each with its reason (see [`ERRATA`]).
    pub errata: Vec<String>,
}

impl Operation {
    fn to_json(&self) -> Value {
        let mut o = Map::new();
        o.insert("id".into(), json!(self.id));
        o.insert("method".into(), json!(self.method));
        o.insert("path".into(), json!(self.path));
        o.insert("spec".into(), json!(self.spec));
        o.insert("pointer".into(), json!(self.pointer));
        let query: Vec<Value> = self
            .query
            .iter()
            .map(|q| json!({"name": q.name, "required": q.required, "schema": q.schema}))
            .collect();
        o.insert("query".into(), Value::Array(query));
        if let Some((required, schema)) = &self.json_body {
            o.insert(
                "json_body".into(),
                json!({"required": required, "schema": schema}),
            );
        }
        if let Some((fields, required)) = &self.multipart {
            o.insert(
                "multipart".into(),
                json!({"fields": fields, "required": required}),
            );
        }
        if !self.errata.is_empty() {
            o.insert("errata".into(), json!(self.errata));
        }
        Value::Object(o)
    }
}

/// A correction to a document that contradicts itself, applied to the derived contract.
#[derive(Debug, Clone, Copy)]
pub struct Erratum {
    /// Method of the operation.
    pub method: &'static str,
    /// Full path template of the operation.
    pub path: &'static str,
    /// JSON pointer of a `required` list inside the body schema.
    pub required_at: &'static str,
    /// Names removed from that list.
    pub not_required: &'static [&'static str],
    /// Why.
    pub reason: &'static str,
}

/// The corrections applied after derivation. Each one is a place where the document requires
/// something a client cannot send; every other rule is taken as written.
pub const ERRATA: &[Erratum] = &[Erratum {
    method: "POST",
    path: "/stores/{store_hash}/v3/catalog/products",
    required_at: "/properties/variants/items/required",
    not_required: &["id", "product_id"],
    reason: "products_catalog.v3.yml reuses the response model productVariant_Full (required: \
             sku, id, product_id) for the variants of a product being created; their ids do not \
             exist yet (product-variants_catalog.v3.yml's variant create, productVariant_Post, requires neither)",
}];

fn apply_errata(operations: &mut [Operation]) {
    for erratum in ERRATA {
        for op in operations
            .iter_mut()
            .filter(|o| o.method == erratum.method && o.path == erratum.path)
        {
            let Some((_, schema)) = op.json_body.as_mut() else {
                continue;
            };
            if let Some(Value::Array(required)) = schema.pointer_mut(erratum.required_at) {
                required.retain(|r| !erratum.not_required.iter().any(|n| r == n));
                op.errata.push(erratum.reason.to_owned());
            }
        }
    }
}

/// The contracts of one service.
#[derive(Debug, Clone, PartialEq)]
pub struct ServiceContracts {
    /// `bigcommerce` or `mirakl`.
    pub service: String,
    /// Operations sorted by path, then method.
    pub operations: Vec<Operation>,
}

impl ServiceContracts {
    /// The contract file's JSON value.
    pub fn to_json(&self) -> Value {
        json!({
            "service": self.service,
            "derived_by": "cargo run -p contract-derive -- <specs-dir> sandbox/contracts",
            "operations": self.operations.iter().map(Operation::to_json).collect::<Vec<_>>(),
        })
    }
}

/// Derives the BigCommerce contracts from every reference file under
/// `specs/bigcommerce/bigcommerce-docs/reference/`.
///
/// # Errors
/// A [`DeriveError`] when a file cannot be read or parsed, a `$ref` cannot be resolved, or a
/// schema does not compile.
pub fn derive_bigcommerce(specs: &Path) -> Result<ServiceContracts, DeriveError> {
    let dir = specs.join(BIGCOMMERCE_DIR);
    let mut files = Vec::new();
    collect_yaml(&dir, &mut files)?;
    files.sort();
    let mut resolver = Resolver::new(specs);
    let mut operations = Vec::new();
    for file in files {
        let doc = resolver.load(&file)?;
        if doc.get("paths").is_none() {
            continue;
        }
        operations.extend(document_operations(&mut resolver, &file, &doc)?);
    }
    finish("bigcommerce", operations)
}

/// Derives the Mirakl contracts from `specs/mirakl/mirakl-mmp-seller-openapi.json`.
///
/// # Errors
/// As [`derive_bigcommerce`].
pub fn derive_mirakl(specs: &Path) -> Result<ServiceContracts, DeriveError> {
    let file = specs.join(MIRAKL_FILE);
    let mut resolver = Resolver::new(specs);
    let doc = resolver.load(&file)?;
    let operations = document_operations(&mut resolver, &file, &doc)?;
    finish("mirakl", operations)
}

/// Derives both services and writes `bigcommerce.json` and `mirakl.json` (compact JSON) into
/// `out`. Returns the operation counts.
///
/// # Errors
/// A derivation failure, or the I/O error writing a file.
pub fn derive_all(specs: &Path, out: &Path) -> Result<(usize, usize), DeriveError> {
    let bigcommerce = derive_bigcommerce(specs)?;
    let mirakl = derive_mirakl(specs)?;
    std::fs::create_dir_all(out).map_err(|e| DeriveError::new(out, e.to_string()))?;
    for (name, contracts) in OUTPUT_FILES.iter().zip([&bigcommerce, &mirakl]) {
        let path = out.join(name);
        let mut text = contracts.to_json().to_string();
        text.push('\n');
        std::fs::write(&path, text).map_err(|e| DeriveError::new(&path, e.to_string()))?;
    }
    Ok((bigcommerce.operations.len(), mirakl.operations.len()))
}

fn finish(service: &str, mut operations: Vec<Operation>) -> Result<ServiceContracts, DeriveError> {
    operations.sort_by(|a, b| (&a.path, &a.method).cmp(&(&b.path, &b.method)));
    apply_errata(&mut operations);
    for op in &operations {
        if let Some((_, schema)) = &op.json_body {
            compile(op, schema)?;
        }
        for q in &op.query {
            compile(op, &q.schema)?;
        }
    }
    Ok(ServiceContracts {
        service: service.to_owned(),
        operations,
    })
}

fn compile(op: &Operation, schema: &Value) -> Result<(), DeriveError> {
    jsonschema::draft202012::new(schema)
        .map(|_| ())
        .map_err(|e| {
            DeriveError::new(
                &op.spec,
                format!(
                    "{} {} ({}): schema does not compile: {e}",
                    op.method, op.path, op.id
                ),
            )
        })
}

fn collect_yaml(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), DeriveError> {
    let entries = std::fs::read_dir(dir).map_err(|e| DeriveError::new(dir, e.to_string()))?;
    for entry in entries {
        let path = entry
            .map_err(|e| DeriveError::new(dir, e.to_string()))?
            .path();
        if path.is_dir() {
            collect_yaml(&path, out)?;
        } else if path
            .extension()
            .is_some_and(|ext| ext == "yml" || ext == "yaml")
        {
            out.push(path);
        }
    }
    Ok(())
}

const METHODS: [&str; 7] = ["get", "put", "post", "delete", "patch", "head", "options"];

/// The base path of the document's first server (`/stores/{store_hash}/v3`), or Swagger 2's
/// `basePath`; empty when the server is a bare host.
fn base_path(doc: &Value) -> String {
    let url = doc
        .pointer("/servers/0/url")
        .and_then(Value::as_str)
        .map(str::to_owned)
        .or_else(|| {
            doc.get("basePath")
                .and_then(Value::as_str)
                .map(str::to_owned)
        })
        .unwrap_or_default();
    let path = match url.find("://") {
        Some(i) => {
            let rest = &url[i + 3..];
            rest.find('/').map(|j| &rest[j..]).unwrap_or("")
        }
        None => url.as_str(),
    };
    path.trim_end_matches('/').to_owned()
}

fn document_operations(
    resolver: &mut Resolver,
    file: &Path,
    doc: &Value,
) -> Result<Vec<Operation>, DeriveError> {
    let swagger2 = doc.get("swagger").is_some();
    let base = base_path(doc);
    let spec = resolver.relative(file);
    let mut out = Vec::new();
    let Some(paths) = doc.get("paths").and_then(Value::as_object) else {
        return Ok(out);
    };
    for (path, item) in paths {
        let item_ctx = schema::Ctx::new(file);
        let (item, item_file) = resolver.deref_object(item, &item_ctx)?;
        let shared_params = item
            .get("parameters")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        for method in METHODS {
            let Some(op) = item.get(method) else { continue };
            let pointer = format!("/paths/{}/{method}", escape_pointer(path));
            let ctx = schema::Ctx::new(&item_file);
            let id = op
                .get("operationId")
                .and_then(Value::as_str)
                .map(str::to_owned)
                .unwrap_or_else(|| format!("{} {path}", method.to_uppercase()));
            // Parameters: path-level ones, overridden by operation-level ones of the same name/in.
            let mut params: BTreeMap<(String, String), Value> = BTreeMap::new();
            let mut order: Vec<(String, String)> = Vec::new();
            for p in shared_params.iter().chain(
                op.get("parameters")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten(),
            ) {
                let (p, _) = resolver.deref_object(p, &ctx)?;
                let name = p
                    .get("name")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_owned();
                let location = p.get("in").and_then(Value::as_str).unwrap_or("").to_owned();
                let key = (location, name);
                if !params.contains_key(&key) {
                    order.push(key.clone());
                }
                params.insert(key, p);
            }
            let mut query = Vec::new();
            let mut json_body = None;
            let mut multipart: Option<(Vec<String>, Vec<String>)> = None;
            for key in &order {
                let p = &params[key];
                let required = p.get("required").and_then(Value::as_bool).unwrap_or(false);
                match key.0.as_str() {
                    "query" => {
                        let raw = if swagger2 {
                            swagger2_param_schema(p)
                        } else {
                            p.get("schema").cloned().unwrap_or(json!({}))
                        };
                        let mut schema = resolver.schema(&raw, &ctx)?;
                        let description =
                            p.get("description").and_then(Value::as_str).unwrap_or("");
                        add_sort_directions(&mut schema, description);
                        schema = comma_list(schema, &key.1, description);
                        query.push(QueryParam {
                            name: key.1.clone(),
                            required,
                            schema,
                        });
                    }
                    "body" if swagger2 => {
                        let raw = p.get("schema").cloned().unwrap_or(json!({}));
                        json_body = Some((required, resolver.schema(&raw, &ctx)?));
                    }
                    "formData" if swagger2 => {
                        let m = multipart.get_or_insert_with(Default::default);
                        m.0.push(key.1.clone());
                        if required {
                            m.1.push(key.1.clone());
                        }
                    }
                    _ => {}
                }
            }
            if let Some(body) = op.get("requestBody") {
                let (body, body_file) = resolver.deref_object(body, &ctx)?;
                let body_ctx = schema::Ctx::new(&body_file);
                let required = body
                    .get("required")
                    .and_then(Value::as_bool)
                    .unwrap_or(false);
                let content = body.get("content").and_then(Value::as_object);
                for (media, content) in content.into_iter().flatten() {
                    let media = media.to_ascii_lowercase();
                    let raw = content.get("schema").cloned().unwrap_or(json!({}));
                    if media.contains("json") && json_body.is_none() {
                        json_body = Some((required, resolver.schema(&raw, &body_ctx)?));
                    } else if media.starts_with("multipart/form-data") {
                        let resolved = resolver.schema(&raw, &body_ctx)?;
                        let fields = resolved
                            .get("properties")
                            .and_then(Value::as_object)
                            .map(|p| p.keys().cloned().collect())
                            .unwrap_or_default();
                        let required = resolved
                            .get("required")
                            .and_then(Value::as_array)
                            .map(|r| {
                                r.iter()
                                    .filter_map(Value::as_str)
                                    .map(str::to_owned)
                                    .collect()
                            })
                            .unwrap_or_default();
                        multipart = Some((fields, required));
                    }
                }
            }
            if let Some(description) = op.get("description").and_then(Value::as_str) {
                for extra in described_query(description) {
                    if !query.iter().any(|q| q.name == extra.name) {
                        query.push(extra);
                    }
                }
            }
            out.push(Operation {
                id,
                method: method.to_uppercase(),
                path: format!("{base}{path}"),
                spec: spec.clone(),
                pointer,
                query,
                json_body,
                multipart,
                errata: Vec::new(),
            });
        }
    }
    Ok(out)
}

/// BigCommerce documents `sort=field:asc|desc` in the parameter's description ("add `:asc` or
/// `:desc` to the end") while its enum lists the bare field names: the suffixed forms are declared
/// values too.
fn add_sort_directions(schema: &mut Value, description: &str) {
    if !(description.contains("`:asc`") && description.contains("`:desc`")) {
        return;
    }
    if let Some(Value::Array(values)) = schema.get_mut("enum") {
        let fields: Vec<String> = values
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect();
        for field in fields {
            values.push(json!(format!("{field}:asc")));
            values.push(json!(format!("{field}:desc")));
        }
    }
}

/// Mirakl types list parameters as `string` and says "A comma-separated list of …" in the
/// description (with the per-value enum on the string, and `maximum` for the number of values):
/// the contract declares them as arrays, which the checker reads split on commas.
///
/// BigCommerce does the same for some `:in` filters ("List of `product_id` separated by comma"
/// typed `integer`); its common query parameters page defines `:in` as a comma-separated list.
fn comma_list(schema: Value, name: &str, description: &str) -> Value {
    let lower = description.to_ascii_lowercase();
    let is_list = lower.contains("comma-separated")
        || lower.contains("separated by comma")
        || name.ends_with(":in");
    let scalar = matches!(
        schema.get("type").and_then(Value::as_str),
        Some("string" | "integer" | "number")
    );
    if !is_list || !scalar {
        return schema;
    }
    let mut item = schema;
    let max_items = item.as_object_mut().and_then(|m| m.remove("maximum"));
    let mut list = json!({"type": "array", "items": item});
    if let Some(max) = max_items {
        list["maxItems"] = max;
    }
    list
}

/// Mirakl declares the common paging and localisation parameters in each operation's
/// description ("This resource supports offset pagination", "… seek pagination", "… supports
/// <code>locale</code> parameter") rather than in `parameters`; the seller API documentation
/// defines them as: offset paging `max`, `offset`, `paginate`, `sort`, `order` (`asc`/`desc`);
/// seek paging `limit`, `page_token`, `sort`; and `locale`.
fn described_query(description: &str) -> Vec<QueryParam> {
    let param = |name: &str, schema: Value| QueryParam {
        name: name.to_owned(),
        required: false,
        schema,
    };
    let mut out = Vec::new();
    if description.contains("supports offset pagination") {
        out.push(param("max", json!({"type": "integer", "minimum": 0})));
        out.push(param("offset", json!({"type": "integer", "minimum": 0})));
        out.push(param("paginate", json!({"type": "boolean"})));
        out.push(param("sort", json!({"type": "string"})));
        out.push(param(
            "order",
            json!({"type": "string", "enum": ["asc", "desc"]}),
        ));
    }
    if description.contains("supports seek pagination") {
        out.push(param("limit", json!({"type": "integer", "minimum": 1})));
        out.push(param("page_token", json!({"type": "string"})));
        out.push(param("sort", json!({"type": "string"})));
    }
    if description.contains("supports <code>locale</code> parameter") {
        out.push(param("locale", json!({"type": "string"})));
    }
    out
}

/// Swagger 2 puts a non-body parameter's type on the parameter itself.
fn swagger2_param_schema(p: &Value) -> Value {
    let mut schema = Map::new();
    for key in ["type", "items", "enum", "minimum", "maximum", "pattern"] {
        if let Some(v) = p.get(key) {
            schema.insert(key.into(), v.clone());
        }
    }
    Value::Object(schema)
}

fn escape_pointer(s: &str) -> String {
    s.replace('~', "~0").replace('/', "~1")
}
