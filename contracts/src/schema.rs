//! `$ref` resolution across files and the OpenAPI → JSON Schema 2020-12 conversion.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Component, Path, PathBuf};
use std::rc::Rc;

use serde_json::{Map, Value, json};

use crate::DeriveError;

/// Where a node was read from: `$ref`s without a file part resolve in this file.
pub(crate) struct Ctx {
    file: PathBuf,
}

impl Ctx {
    pub(crate) fn new(file: &Path) -> Self {
        Ctx {
            file: file.to_path_buf(),
        }
    }
}

/// A reference target: the file and the JSON pointer inside it.
type Target = (PathBuf, String);

/// Loads spec documents (YAML or JSON) once and resolves `$ref`s between them.
#[derive(Debug)]
pub struct Resolver {
    specs: PathBuf,
    docs: HashMap<PathBuf, Rc<Value>>,
}

/// Per-schema state: reference targets being expanded, and the recursive ones put in `$defs`.
#[derive(Default)]
struct Expansion {
    stack: Vec<Target>,
    names: BTreeMap<Target, String>,
    needed: BTreeSet<Target>,
}

/// Keywords copied unchanged into the contract schema.
const KEEP: [&str; 14] = [
    "type",
    "enum",
    "const",
    "minimum",
    "maximum",
    "multipleOf",
    "minLength",
    "maxLength",
    "pattern",
    "minItems",
    "maxItems",
    "uniqueItems",
    "minProperties",
    "maxProperties",
];

impl Resolver {
    /// A resolver for documents under `specs` (used to name files relative to it).
    pub fn new(specs: &Path) -> Self {
        Resolver {
            specs: specs.to_path_buf(),
            docs: HashMap::new(),
        }
    }

    /// Reads and parses a document (cached).
    ///
    /// # Errors
    /// The file cannot be read or is neither valid YAML nor JSON.
    pub fn load(&mut self, file: &Path) -> Result<Rc<Value>, DeriveError> {
        let file = normalize(file);
        if let Some(doc) = self.docs.get(&file) {
            return Ok(doc.clone());
        }
        let text =
            std::fs::read_to_string(&file).map_err(|e| DeriveError::new(&file, e.to_string()))?;
        let doc = if file.extension().is_some_and(|e| e == "json") {
            serde_json::from_str(&text).map_err(|e| DeriveError::new(&file, e.to_string()))?
        } else {
            let yaml: serde_yaml_ng::Value = serde_yaml_ng::from_str(&text)
                .map_err(|e| DeriveError::new(&file, e.to_string()))?;
            yaml_to_json(yaml)
        };
        let doc = Rc::new(doc);
        self.docs.insert(file, doc.clone());
        Ok(doc)
    }

    /// `file` relative to the specs folder, with `/` separators.
    pub fn relative(&self, file: &Path) -> String {
        let file = normalize(file);
        let specs = normalize(&self.specs);
        let rel = file.strip_prefix(&specs).unwrap_or(&file);
        rel.components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join("/")
    }

    fn target(&self, reference: &str, ctx_file: &Path) -> Target {
        let (file_part, pointer) = reference.split_once('#').unwrap_or((reference, ""));
        let file = if file_part.is_empty() {
            ctx_file.to_path_buf()
        } else {
            normalize(&ctx_file.parent().unwrap_or(Path::new("")).join(file_part))
        };
        (file, percent_decode(pointer))
    }

    fn lookup(&mut self, target: &Target) -> Result<Value, DeriveError> {
        if target.0.to_string_lossy().contains("://") {
            return Err(DeriveError::new(&target.0, "remote $ref is not followed"));
        }
        let doc = self.load(&target.0)?;
        doc.pointer(&target.1)
            .cloned()
            .ok_or_else(|| DeriveError::new(&target.0, format!("$ref #{} not found", target.1)))
    }

    /// Follows `$ref`s on a non-schema object (parameter, request body, path item); returns the
    /// object and the file it was found in.
    pub(crate) fn deref_object(
        &mut self,
        value: &Value,
        ctx: &Ctx,
    ) -> Result<(Value, PathBuf), DeriveError> {
        let mut value = value.clone();
        let mut file = ctx.file.clone();
        for _ in 0..32 {
            let Some(reference) = value.get("$ref").and_then(Value::as_str) else {
                return Ok((value, file));
            };
            let target = self.target(reference, &file);
            value = self.lookup(&target)?;
            file = target.0;
        }
        Err(DeriveError::new(&file, "$ref chain too long"))
    }

    /// Converts a schema to a self-contained JSON Schema 2020-12 document.
    pub(crate) fn schema(&mut self, raw: &Value, ctx: &Ctx) -> Result<Value, DeriveError> {
        let mut exp = Expansion::default();
        let mut root = self.convert(raw, &ctx.file, &mut exp)?;
        let mut defs = Map::new();
        loop {
            let pending: Vec<Target> = exp
                .needed
                .iter()
                .filter(|t| !defs.contains_key(&exp.names[*t]))
                .cloned()
                .collect();
            if pending.is_empty() {
                break;
            }
            for target in pending {
                let node = self.lookup(&target)?;
                exp.stack = vec![target.clone()];
                let converted = self.convert(&node, &target.0, &mut exp)?;
                defs.insert(exp.names[&target].clone(), converted);
            }
        }
        if !defs.is_empty()
            && let Value::Object(map) = &mut root
        {
            map.insert("$defs".into(), Value::Object(defs));
        }
        Ok(root)
    }

    fn convert(
        &mut self,
        node: &Value,
        file: &Path,
        exp: &mut Expansion,
    ) -> Result<Value, DeriveError> {
        let Value::Object(obj) = node else {
            return Ok(node.clone());
        };
        if let Some(reference) = obj.get("$ref").and_then(Value::as_str) {
            let target = self.target(reference, file);
            if exp.stack.contains(&target) {
                let name = def_name(
                    &self.relative(&target.0),
                    &target.1,
                    &mut exp.names,
                    &target,
                );
                exp.needed.insert(target);
                return Ok(json!({ "$ref": format!("#/$defs/{name}") }));
            }
            let resolved = self.lookup(&target)?;
            exp.stack.push(target.clone());
            let converted = self.convert(&resolved, &target.0, exp);
            exp.stack.pop();
            let mut converted = converted?;
            // OpenAPI 3.1 allows siblings next to `$ref`; `nullable` (3.0) is the one that matters.
            if obj.get("nullable").and_then(Value::as_bool) == Some(true) {
                converted = make_nullable(converted);
            }
            return Ok(converted);
        }
        let mut out = Map::new();
        for key in KEEP {
            if let Some(v) = obj.get(key) {
                out.insert(key.into(), v.clone());
            }
        }
        for key in ["exclusiveMinimum", "exclusiveMaximum"] {
            match obj.get(key) {
                Some(Value::Bool(true)) => {
                    let bound = if key == "exclusiveMinimum" {
                        "minimum"
                    } else {
                        "maximum"
                    };
                    if let Some(limit) = out.remove(bound) {
                        out.insert(key.into(), limit);
                    }
                }
                Some(n @ Value::Number(_)) => {
                    out.insert(key.into(), n.clone());
                }
                _ => {}
            }
        }
        if let Some(Value::Object(props)) = obj.get("properties") {
            let mut converted = Map::new();
            for (name, prop) in props {
                converted.insert(name.clone(), self.convert(prop, file, exp)?);
            }
            out.insert("properties".into(), Value::Object(converted));
        }
        for key in ["patternProperties"] {
            if let Some(Value::Object(props)) = obj.get(key) {
                let mut converted = Map::new();
                for (name, prop) in props {
                    converted.insert(name.clone(), self.convert(prop, file, exp)?);
                }
                out.insert(key.into(), Value::Object(converted));
            }
        }
        for key in ["additionalProperties", "items", "not", "contains"] {
            match obj.get(key) {
                Some(b @ Value::Bool(_)) => {
                    out.insert(key.into(), b.clone());
                }
                Some(v @ Value::Object(_)) => {
                    out.insert(key.into(), self.convert(v, file, exp)?);
                }
                _ => {}
            }
        }
        for key in ["allOf", "anyOf", "oneOf"] {
            if let Some(Value::Array(items)) = obj.get(key) {
                let converted = items
                    .iter()
                    .map(|i| self.convert(i, file, exp))
                    .collect::<Result<Vec<_>, _>>()?;
                out.insert(key.into(), Value::Array(converted));
            }
        }
        // A property marked readOnly is only returned: OpenAPI says `required` then applies to
        // responses only.
        if let Some(Value::Array(required)) = obj.get("required") {
            let props = out.get("properties").and_then(Value::as_object);
            let kept: Vec<Value> = required
                .iter()
                .filter(|name| {
                    let read_only = name
                        .as_str()
                        .and_then(|n| props.and_then(|p| p.get(n)))
                        .and_then(|p| p.get("readOnly"))
                        .and_then(Value::as_bool)
                        .unwrap_or(false);
                    !read_only
                })
                .cloned()
                .collect();
            if !kept.is_empty() {
                out.insert("required".into(), Value::Array(kept));
            }
        }
        if obj.get("readOnly").and_then(Value::as_bool) == Some(true) {
            out.insert("readOnly".into(), Value::Bool(true));
        }
        // Mirakl lists some enumerations only in the description: "Enum: `\"A\"`, `\"B\"`".
        if !out.contains_key("enum")
            && obj.get("type").and_then(Value::as_str) == Some("string")
            && let Some(values) = obj
                .get("description")
                .and_then(Value::as_str)
                .and_then(description_enum)
        {
            out.insert("enum".into(), Value::Array(values));
        }
        let mut result = Value::Object(out);
        if obj.get("nullable").and_then(Value::as_bool) == Some(true) {
            result = make_nullable(result);
        }
        Ok(result)
    }
}

/// Adds `null` to a schema's accepted values (OpenAPI 3.0 `nullable: true`).
fn make_nullable(schema: Value) -> Value {
    let Value::Object(mut map) = schema else {
        return schema;
    };
    match map.get_mut("type") {
        Some(Value::String(t)) => {
            let t = std::mem::take(t);
            map.insert("type".into(), json!([t, "null"]));
        }
        Some(Value::Array(types)) => {
            if !types.iter().any(|t| t == "null") {
                types.push(json!("null"));
            }
        }
        _ => return json!({ "anyOf": [{ "type": "null" }, Value::Object(map)] }),
    }
    if let Some(Value::Array(values)) = map.get_mut("enum")
        && !values.contains(&Value::Null)
    {
        values.push(Value::Null);
    }
    Value::Object(map)
}

/// Parses `Enum: \`"A"\`, \`"B"\`` from a description.
fn description_enum(description: &str) -> Option<Vec<Value>> {
    let start = description.find("Enum: ")? + "Enum: ".len();
    let line = description[start..].lines().next()?;
    let values: Vec<Value> = line
        .split(", ")
        .map(|part| {
            part.trim()
                .strip_prefix("`\"")
                .and_then(|p| p.strip_suffix("\"`"))
                .map(|v| Value::String(v.to_owned()))
        })
        .collect::<Option<Vec<_>>>()?;
    (!values.is_empty()).then_some(values)
}

fn def_name(
    file: &str,
    pointer: &str,
    names: &mut BTreeMap<Target, String>,
    target: &Target,
) -> String {
    if let Some(name) = names.get(target) {
        return name.clone();
    }
    let stem = file.rsplit('/').next().unwrap_or(file);
    let last = pointer.rsplit('/').next().unwrap_or(pointer);
    let base: String = format!("{stem}.{last}")
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '.' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let mut name = base.clone();
    let mut n = 1;
    while names.values().any(|v| *v == name) {
        n += 1;
        name = format!("{base}-{n}");
    }
    names.insert(target.clone(), name.clone());
    name
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2]))
        {
            out.push((h * 16 + l) as u8);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

fn yaml_to_json(value: serde_yaml_ng::Value) -> Value {
    use serde_yaml_ng::Value as Y;
    match value {
        Y::Null => Value::Null,
        Y::Bool(b) => Value::Bool(b),
        Y::Number(n) => {
            if let Some(i) = n.as_i64() {
                json!(i)
            } else if let Some(u) = n.as_u64() {
                json!(u)
            } else {
                n.as_f64()
                    .and_then(serde_json::Number::from_f64)
                    .map(Value::Number)
                    .unwrap_or(Value::Null)
            }
        }
        Y::String(s) => Value::String(s),
        Y::Sequence(items) => Value::Array(items.into_iter().map(yaml_to_json).collect()),
        Y::Mapping(map) => {
            let mut out = Map::new();
            for (k, v) in map {
                let key = match k {
                    Y::String(s) => s,
                    Y::Number(n) => n.to_string(),
                    Y::Bool(b) => b.to_string(),
                    other => serde_yaml_ng::to_string(&other)
                        .unwrap_or_default()
                        .trim()
                        .to_owned(),
                };
                out.insert(key, yaml_to_json(v));
            }
            Value::Object(out)
        }
        Y::Tagged(tagged) => yaml_to_json(tagged.value),
    }
}
