#!/usr/bin/env python3
"""Generates the typed models, request builders and tests of the Mirakl seller operations
that `mirakl-api` does not write by hand, from the seller OpenAPI document.

Usage: python3 scripts/gen_ops.py <path-to-mirakl-mmp-seller-openapi.json>

Writes (relative to the crate):
  src/<area>/<op>.rs        one module per operation: its request body, response and enum
                            types, and (feature `client`) its request builder `Request`
  src/<area>.rs             for the areas that have no hand-written module
  src/<area>.rs (existing)  the `pub mod` lines between the generated-operations markers
  src/api/generated.rs      the handlers' methods returning those builders
  tests/generated_ops.rs    one wiremock test per operation
  tests/generated/examples.rs  decoding of every spec example of those operations
  tests/fixtures/operations.txt  every operation of the spec (code, method, path)

The generated files carry a header saying so; edit this script, not them.
"""
import json
import os
import re
import sys
from collections import OrderedDict

HERE = os.path.dirname(os.path.abspath(__file__))
CRATE = os.path.dirname(HERE)

# op -> (area, handler, method name)
OPS = OrderedDict([
    # orders extras
    ("OR07", ("orders", "Orders", "update_shipping_from")),
    ("OR12", ("orders", "Orders", "details")),
    ("OR13", ("orders", "Orders", "export_async")),
    ("OR14", ("orders", "Orders", "export_status")),
    ("OR15", ("orders", "Orders", "export_file")),
    ("OR26", ("orders", "Orders", "refund_legacy")),
    ("OR30", ("orders", "Orders", "cancel_lines")),
    ("OR31", ("orders", "Orders", "update_additional_fields")),
    ("OR32", ("orders", "Orders", "adjust_lines")),
    ("OR41", ("orders", "Orders", "messages")),
    ("OR42", ("orders", "Orders", "post_message")),
    ("OR43", ("orders", "Orders", "create_thread")),
    ("OR51", ("orders", "Orders", "evaluation")),
    ("OR64", ("orders", "Orders", "resolve_incident")),
    ("OR74", ("orders", "Orders", "upload_documents")),
    ("OR75", ("orders", "Orders", "taxes")),
    ("OR76", ("orders", "Orders", "delete_document")),
    # shipments
    ("ST01", ("shipments", "Shipments", "create")),
    ("ST06", ("shipments", "Shipments", "delete")),
    ("ST07", ("shipments", "Shipments", "update")),
    ("ST11", ("shipments", "Shipments", "list")),
    ("ST12", ("shipments", "Shipments", "items_to_ship")),
    ("ST23", ("shipments", "Shipments", "tracking")),
    ("ST24", ("shipments", "Shipments", "ship")),
    ("ST26", ("shipments", "Shipments", "ready_for_pick_up")),
    ("ST31", ("shipments", "Shipments", "additional_information")),
    # messages and threads
    ("M01", ("messages", "Messages", "list")),
    ("M10", ("messages", "Messages", "thread")),
    ("M11", ("messages", "Messages", "threads")),
    ("M12", ("messages", "Messages", "reply")),
    ("M13", ("messages", "Messages", "download_attachment")),
    ("M14", ("messages", "Messages", "create_thread")),
    # platform and shop
    ("V01", ("platform", "Platform", "version")),
    ("L01", ("platform", "Platform", "locales")),
    ("CUR01", ("platform", "Platform", "currencies")),
    ("CH11", ("platform", "Platform", "channels")),
    ("A02", ("account", "Account", "update")),
    ("A21", ("account", "Account", "statistics")),
    ("RO02", ("account", "Account", "roles")),
    ("SH11", ("shipping", "Shipping", "zones")),
    ("SH12", ("shipping", "Shipping", "types")),
    ("SH42", ("shipping", "Shipping", "configuration")),
    ("SH52", ("shipping", "Shipping", "charges")),
    ("PL11", ("shipping", "Shipping", "picklists")),
    # reasons and reference data
    ("RE01", ("reasons", "Reasons", "list")),
    ("RE02", ("reasons", "Reasons", "by_type")),
    ("RE11", ("reasons", "Reasons", "incident_open")),
    ("RE12", ("reasons", "Reasons", "incident_close")),
    ("RE14", ("reasons", "Reasons", "messaging")),
    ("SBC11", ("accounting", "Accounting", "billing_cycles")),
    # returns
    ("RT01", ("returns", "Returns", "create")),
    ("RT04", ("returns", "Returns", "update")),
    ("RT11", ("returns", "Returns", "list")),
    ("RT12", ("returns", "Returns", "items_to_return")),
    ("RT21", ("returns", "Returns", "accept")),
    ("RT25", ("returns", "Returns", "receive")),
    ("RT26", ("returns", "Returns", "compliance")),
    ("RT27", ("returns", "Returns", "close")),
    ("RT29", ("returns", "Returns", "cancel")),
    # offers and products extras
    ("OF26", ("offers", "Offers", "quantity")),
    ("OF51", ("offers", "Offers", "export_csv")),
    ("OF61", ("offers", "Offers", "states")),
    ("P11", ("products", "Products", "offers")),
    ("P31", ("products", "Products", "find")),
    ("P45", ("products", "Products", "new_product_report")),
    ("P46", ("products", "Products", "transformed_file")),
    ("P47", ("products", "Products", "transformation_error_report")),
    # promotions
    ("PR01", ("promotions", "Promotions", "list")),
    ("PR03", ("promotions", "Promotions", "create")),
    ("PR04", ("promotions", "Promotions", "update")),
    # invoices and accounting
    ("IV01", ("accounting", "Accounting", "invoices")),
    ("IV02", ("accounting", "Accounting", "download_invoice")),
    ("TL02", ("accounting", "Accounting", "transactions")),
    ("TL03", ("accounting", "Accounting", "export_transactions_async")),
    ("TL04", ("accounting", "Accounting", "export_transactions_status")),
    ("TL05", ("accounting", "Accounting", "export_transactions_file")),
    # documents
    ("DO01", ("documents", "Documents", "list")),
    ("DR11", ("documents", "Documents", "requests")),
    ("DR12", ("documents", "Documents", "request_lines")),
    ("DR73", ("documents", "Documents", "download_requested")),
    ("DR74", ("documents", "Documents", "upload_requested")),
    ("S30", ("documents", "Documents", "shop_documents")),
    ("S31", ("documents", "Documents", "download_shop_documents")),
    ("S32", ("documents", "Documents", "upload_shop_documents")),
    ("S33", ("documents", "Documents", "delete_shop_document")),
])

# The operations written by hand: op -> "Handler::method".
HAND = {
    "A01": "Account::get", "AF01": "Account::additional_fields", "PC01": "Platform::get",
    "SH21": "Carriers::list", "SH31": "LogisticClasses::list", "H11": "Hierarchies::list",
    "PM11": "Attributes::list", "VL11": "ValueLists::list", "P41": "Products::import",
    "P42": "Products::import_status", "P44": "Products::error_report",
    "P51": "Products::imports", "STO01": "Stock::import", "STO02": "Stock::status",
    "STO03": "Stock::error_report", "PRI01": "Prices::import", "PRI02": "Prices::imports",
    "PRI03": "Prices::error_report", "OF21": "Offers::list", "OF22": "Offers::get",
    "OF24": "Offers::upsert", "OF01": "Offers::import_file", "OF02": "Offers::import_status",
    "OF03": "Offers::error_report", "OF04": "Offers::imports", "OF52": "Offers::export_async",
    "OF53": "Offers::export_status", "OF54": "Offers::export_file", "OR11": "Orders::list",
    "OR21": "Orders::accept", "OR23": "Orders::tracking", "OR24": "Orders::ship",
    "OR28": "Orders::refund", "OR29": "Orders::cancel", "OR04": "Orders::update",
    "OR72": "Orders::documents", "OR73": "Orders::download_documents",
}

# PUTs that act once (a repeat after a lost answer could act twice).
NOT_IDEMPOTENT = {"OR26", "OR30", "OR32"}

AREA_DOCS = {
    "shipments": "Shipments (multi-shipment orders): ST01–ST31.",
    "messages": "Messages and inbox threads: M01, M10–M14.",
    "returns": "Returns: RT01–RT29.",
    "accounting": "Invoices, accounting and billing cycles: IV01, IV02, TL02–TL05, SBC11.",
    "documents": "Documents: DO01, document requests (DR11, DR12, DR73, DR74) and shop documents (S30–S33).",
    "platform": "Platform reference data: V01, L01, CUR01, CH11 (PC01 is in [`crate::account`]).",
    "reasons": "Reasons: RE01, RE02, RE11, RE12, RE14.",
    "promotions": "Promotions: PR01, PR03, PR04.",
}
EXISTING_AREAS = {"orders", "offers", "products", "account", "shipping"}
NEW_HANDLERS = ["Shipments", "Messages", "Returns", "Accounting", "Documents", "Shipping",
                "Reasons", "Promotions"]

KEYWORDS = {"type", "match", "ref", "self", "mod", "use", "fn", "loop", "move", "box", "in",
            "where", "impl", "struct", "enum", "async", "await", "dyn", "final", "override",
            "trait", "crate", "super", "static", "const", "let", "mut", "pub", "return",
            "true", "false", "as", "break", "continue", "else", "extern", "for", "if",
            "priv", "typeof", "unsafe", "unsized", "virtual", "yield", "abstract", "become",
            "do", "macro", "try", "gen"}

spec = None

# Shapes (object schemas and enums) that several operations repeat under their own component
# names: canonical key -> the operations using it. Their types are generated once in
# `src/shared.rs`; each operation module re-exports them under its own names.
SHARED_KEYS = {}
SHARED_MOD = None
SHARED_OP = "shared"
# What of a schema decides the generated code (prose, examples and bounds do not; `required`
# only in request bodies, where it makes a field non-optional).
SHAPE_KEYS = {"type", "format", "properties", "items", "enum", "allOf", "oneOf", "anyOf"}


def canon(x, mode, depth=0):
    """The shape of a schema with every `$ref` inlined and what does not change the
    generated code left out: two schemas with the same canonical form generate the same
    Rust type."""
    x, _ = resolve(x)
    if depth > 14:
        return None
    if isinstance(x, dict):
        out = {}
        for k, v in x.items():
            if k not in SHAPE_KEYS and not (k == "required" and mode == "req"):
                continue
            if k == "properties":
                out[k] = [(pk, canon(pv, mode, depth + 1)) for pk, pv in v.items()]
            elif isinstance(v, (dict, list)):
                out[k] = canon(v, mode, depth + 1)
            else:
                out[k] = v
        if isinstance(x.get("description"), str) and "Enum:" in x["description"]:
            out["enum (from the description)"] = enum_values(x)
        return out
    if isinstance(x, list):
        return [canon(v, mode, depth + 1) for v in x]
    return x


def shape_key(sch, mode):
    return ("object", mode, json.dumps(canon(sch, mode), sort_keys=True))


def resolve(x):
    name = None
    while isinstance(x, dict) and "$ref" in x:
        ref = x["$ref"]
        name = ref.split("/")[-1]
        y = spec
        for r in ref[2:].split("/"):
            y = y[r.replace("~1", "/").replace("~0", "~")]
        x = y
    return x, name


def snake(s):
    s = re.sub(r"[^0-9A-Za-z]+", "_", s)
    s = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", s)
    s = s.strip("_").lower()
    if not s:
        s = "field"
    if s[0].isdigit():
        s = "n_" + s
    return s


def ident(s):
    s = snake(s)
    return "r#" + s if s in KEYWORDS and s not in ("self", "super", "crate") else (
        s + "_" if s in ("self", "super", "crate") else s)


def pascal(s):
    parts = re.split(r"[^0-9A-Za-z]+", re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", s))
    out = "".join(p[:1].upper() + p[1:].lower() for p in parts if p)
    if not out:
        out = "Value"
    if out[0].isdigit():
        out = "V" + out
    return out


def clean_doc(text, limit=400):
    if not text:
        return ""
    t = text.split("Enum:")[0]
    t = re.sub(r"<details>.*?</details>", " ", t, flags=re.S)
    t = re.sub(r"<br\s*/?>", " ", t)
    t = re.sub(r"<[^>]+>", " ", t)
    t = t.replace("&nbsp;", " ").replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    t = re.sub(r"\s+", " ", t).strip()
    if len(t) > limit:
        cut = t[:limit]
        dot = cut.rfind(". ")
        t = cut[: dot + 1] if dot > 80 else cut.rstrip() + "…"
    t = t.replace("\\", "\\\\").replace("[", "\\[").replace("]", "\\]")
    t = t.replace("<", "‹").replace(">", "›").replace("`", "'").replace("*", "\\*")
    t = t.replace("_", "\\_") if False else t
    t = re.sub(r"(https?://[^\s)\"']+)", r"<\1>", t)
    return t


def enum_values(sch):
    if isinstance(sch.get("enum"), list):
        vals = [v for v in sch["enum"] if isinstance(v, str)]
        return vals or None
    d = sch.get("description") or ""
    if "Enum:" in d:
        line = d[d.index("Enum:"):].split("\n")[0]
        vals = re.findall(r'`"([^"]*)"`', line)
        return vals or None
    return None


def doc_lines(text, indent):
    if not text:
        return ""
    return "".join(f"{indent}/// {line}\n" for line in wrap(text, 92 - len(indent)))


def wrap(text, width):
    words = text.split(" ")
    lines, cur = [], ""
    for w in words:
        if cur and len(cur) + 1 + len(w) > width:
            lines.append(cur)
            cur = w
        else:
            cur = (cur + " " + w) if cur else w
    if cur:
        lines.append(cur)
    return lines


class Module:
    """The types of one operation."""

    def __init__(self, op):
        self.op = op
        self.items = OrderedDict()      # rust name -> code
        self.by_key = {}                # shape key -> rust name
        self.by_component = {}          # (component, mode) -> rust name
        self.keys_used = set()          # shape keys this operation reaches (shared or not)
        self.enums = {}                 # tuple(values) -> name
        self.variants = {}              # enum name -> [(variant, wire value)]
        self.date_keys = set()
        self.uses_decimal = False
        self.uses_datetime = False
        self.defaultable = {}           # rust type name -> bool

    def unique(self, base):
        name = base
        i = 2
        while name in self.items or name in ("Request", "Client", "Result", "Error", "Page",
                                             "Download", "Option", "Vec", "String", "Box",
                                             "Value", "Decimal", "OffsetDateTime", "Part"):
            name = f"{base}{i}"
            i += 1
        return name

    def name_for(self, comp, fallback):
        if comp:
            segs = comp.split("_")
            owner = ""
            if segs and (segs[0] == self.op
                         or (self.op == SHARED_OP and re.fullmatch(r"[A-Z]+[0-9]+", segs[0]))):
                # In the shared module a whole body or answer is named after its first user.
                owner = pascal(segs[0]) if self.op == SHARED_OP else ""
                segs = segs[1:]
            if segs[:1] == ["Request"]:
                rest = segs[1:]
                if rest[:1] and rest[0] in ("MultipartFormData", "ApplicationJson"):
                    rest = rest[1:]
                if not rest:
                    return self.unique(owner + "Body")
            elif segs[:1] == ["Response"]:
                rest = segs[2:] if len(segs) > 1 and segs[1].isdigit() else segs[1:]
                if not rest:
                    return self.unique(owner + "Response")
            else:
                rest = segs
            for k in range(1, len(rest) + 1):
                cand = "".join(pascal(s) for s in rest[-k:])
                if cand not in self.items:
                    return cand
            # A request and a response type of the same name: say which one this is.
            side = "Response" if segs[:1] == ["Response"] else "Request"
            return self.unique(side + "".join(pascal(s) for s in rest))
        if self.op == SHARED_OP and fallback in ("Body", "Response"):
            # An inline body or answer the spec repeats: named after its first user.
            fallback = pascal(self.owner) + fallback
        return self.unique(fallback)

    def shares(self, key):
        return self.op != SHARED_OP and key in SHARED_KEYS

    def alias(self, shared_name, name):
        if shared_name == name:
            return f"pub use crate::shared::{name};\n"
        return f"pub use crate::shared::{shared_name} as {name};\n"

    def enum_for(self, values, field, parent):
        key = tuple(values)
        self.keys_used.add(("enum", key))
        if key in self.enums:
            return self.enums[key]
        name = pascal(field)
        if name in self.items:
            name = parent + name
        name = self.unique(name)
        if self.shares(("enum", key)):
            shared_name = SHARED_MOD.enum_for(values, field, parent)
            self.items[name] = self.alias(shared_name, name)
            self.enums[key] = name
            self.variants[name] = SHARED_MOD.variants[shared_name]
            self.defaultable[name] = False
            return name
        variants = []
        seen = set()
        for v in values:
            vn = pascal(v)
            if vn in ("Other", "Self"):
                vn = vn + "Value"
            if vn in seen:
                continue
            seen.add(vn)
            variants.append((vn, v))
        self.items[name] = None
        users = self.op if self.op != SHARED_OP else ", ".join(SHARED_KEYS[("enum", key)])
        code = f"open_enum! {{\n    /// `{field}` values (`{users}`); unknown values are kept in `Other`.\n    pub enum {name} {{\n"
        for vn, v in variants:
            code += f"        /// `{v}`\n        {vn} => {json.dumps(v)},\n"
        code += "    }\n}\n"
        self.items[name] = code
        self.enums[key] = name
        self.variants[name] = variants
        self.defaultable[name] = False
        return name

    def type_of(self, sch, field, parent, mode, depth=0):
        """Rust type for a schema: (type, kind) where kind is one of
        str, date, int, num, bool, vec, struct, enum, json."""
        sch, comp = resolve(sch)
        if depth > 12:
            return "serde_json::Value", "json"
        if "allOf" in sch and len(sch["allOf"]) == 1:
            return self.type_of(sch["allOf"][0], field, parent, mode, depth + 1)
        if "oneOf" in sch or "anyOf" in sch or "allOf" in sch:
            return "serde_json::Value", "json"
        t = sch.get("type")
        if isinstance(t, list):
            t = next((x for x in t if x != "null"), None)
        if t == "array":
            inner, kind = self.type_of(sch.get("items", {}), field, parent, mode, depth + 1)
            return f"Vec<{inner}>", "vec"
        if t == "object" or "properties" in sch:
            if not sch.get("properties"):
                return "serde_json::Value", "json"
            key = shape_key(sch, mode)
            self.keys_used.add(key)
            if comp and (comp, mode) in self.by_component:
                return self.by_component[(comp, mode)], "struct"
            if key in self.by_key:
                first = self.by_key[key]
                if self.op == SHARED_OP or not comp:
                    return first, "struct"
                # The same shape again under another component name: an alias keeps the name.
                name = self.name_for(comp, parent + pascal(field))
                self.by_component[(comp, mode)] = name
                self.items[name] = f"/// The same shape as [`{first}`].\npub type {name} = {first};\n"
                self.defaultable[name] = self.defaultable.get(first, False)
                return name, "struct"
            name = self.name_for(comp, parent + pascal(field))
            self.items[name] = None
            self.by_key[key] = name
            if comp:
                self.by_component[(comp, mode)] = name
            # Walked even for a shared shape: the operation module re-exports the inner types
            # under its own names, and learns which keys hold dates.
            code = self.struct(name, sch, mode, depth, key)
            if self.shares(key):
                SHARED_MOD.owner = self.op
                shared_name, _ = SHARED_MOD.type_of(sch, field, parent, mode, depth)
                self.items[name] = self.alias(shared_name, name)
                self.defaultable[name] = SHARED_MOD.defaultable[shared_name]
            else:
                self.items[name] = code
            return name, "struct"
        if t == "string":
            if sch.get("format") == "date-time":
                self.date_keys.add(field)
                self.uses_datetime = True
                return "OffsetDateTime", "date"
            vals = enum_values(sch)
            if vals and len(vals) <= 60 and field != "currency_iso_code":
                return self.enum_for(vals, field, parent), "enum"
            return "String", "str"
        if t == "integer":
            return "i64", "int"
        if t == "number":
            self.uses_decimal = True
            return "Decimal", "num"
        if t == "boolean":
            return "bool", "bool"
        return "serde_json::Value", "json"

    def struct(self, name, sch, mode, depth, key):
        req = set(sch.get("required", []))
        desc = clean_doc(sch.get("description"))
        if self.op == SHARED_OP:
            desc = (desc + " " if desc else "") + "Shared by " + ", ".join(SHARED_KEYS[key]) + "."
        fields = []
        all_default = True
        for key, fs in sch["properties"].items():
            fsr, _ = resolve(fs)
            ty, kind = self.type_of(fs, key, name, mode, depth + 1)
            fdoc = clean_doc(fsr.get("description") if isinstance(fsr, dict) else "") or f"`{key}`."
            fname = ident(key)
            while any(f[1] == fname for f in fields):
                fname = fname + "_2"
            attrs = []
            if snake(key) != key or fname.startswith("r#") and False:
                attrs.append(f"rename = {json.dumps(key)}")
            vec_de = 'deserialize_with = "null_as_default"'
            if ty == "Vec<String>":
                vec_de = 'deserialize_with = "crate::lenient::vec_string"'
            elif ty == "Vec<i64>":
                vec_de = 'deserialize_with = "crate::lenient::vec_i64"'
            required = key in req and mode == "req"
            if kind == "vec":
                rty = ty
                attrs += ["default", vec_de]
                if not required:
                    attrs.append('skip_serializing_if = "Vec::is_empty"')
            elif required:
                rty = ty
                if kind == "date":
                    attrs.append('with = "crate::datetime::required"')
                    all_default = False
                elif kind == "int":
                    attrs += ["default", 'deserialize_with = "i64_lenient"']
                elif kind == "num":
                    attrs += ["default", 'serialize_with = "crate::money::number"']
                elif kind == "str":
                    attrs += ["default", 'deserialize_with = "crate::lenient::string"']
                elif kind == "bool":
                    attrs += ["default"]
                elif kind == "enum":
                    all_default = False
                elif kind == "struct":
                    if self.defaultable.get(ty, False):
                        attrs.append("default")
                    else:
                        all_default = False
                elif kind == "json":
                    attrs.append("default")
            else:
                rty = f"Option<{ty}>"
                attrs += ["default", 'skip_serializing_if = "Option::is_none"']
                if kind == "date":
                    attrs.append('with = "crate::datetime::optional"')
                elif kind == "int":
                    attrs.append('deserialize_with = "opt_i64_lenient"')
                elif kind == "num":
                    attrs.append('serialize_with = "crate::money::option"')
                elif kind == "str":
                    attrs.append('deserialize_with = "crate::lenient::opt_string"')
            fields.append((key, fname, rty, attrs, fdoc, key in req))
        self.defaultable[name] = (mode == "resp") or all_default
        extra_name = "extra"
        while any(f[1] == extra_name for f in fields):
            extra_name = "extra_" + extra_name
        derive = "Debug, Clone, PartialEq, Serialize, Deserialize"
        if self.defaultable[name]:
            derive += ", Default"
        code = ""
        code += doc_lines(desc or f"`{name}` of {self.op}.", "")
        code += f"#[derive({derive})]\npub struct {name} {{\n"
        for key, fname, rty, attrs, fdoc, is_req in fields:
            extra = " Required by the API." if (is_req and mode == "req") else ""
            code += doc_lines(fdoc + extra, "    ")
            if attrs:
                code += "    #[serde(" + ", ".join(attrs) + ")]\n"
            code += f"    pub {fname}: {rty},\n"
        code += "    /// Fields this version does not know, kept as sent (and sent back as given).\n"
        code += f"    #[serde(flatten)]\n    pub {extra_name}: std::collections::BTreeMap<String, serde_json::Value>,\n"
        code += "}\n"
        return code


def op_table():
    rows = []
    for path, item in spec["paths"].items():
        for method, op in item.items():
            if isinstance(op, dict) and "operationId" in op:
                rows.append((op["operationId"], method.upper(), path, op))
    return rows


def sample_for(sch, key, depth=0):
    """A small JSON value valid for the schema (for tests without a spec example)."""
    sch, _ = resolve(sch)
    if depth > 8:
        return None
    if "oneOf" in sch or "anyOf" in sch:
        return {}
    t = sch.get("type")
    if t == "array":
        return [sample_for(sch.get("items", {}), key, depth + 1)]
    if t == "object" or "properties" in sch:
        out = {}
        for k in sch.get("required", []):
            if k in sch.get("properties", {}):
                out[k] = sample_for(sch["properties"][k], k, depth + 1)
        return out
    if t == "string":
        if sch.get("format") == "date-time":
            return "2024-05-01T10:00:00Z"
        vals = enum_values(sch)
        if vals:
            return vals[0]
        return f"{key}-1"
    if t == "integer":
        return 3
    if t == "number":
        return 12.5
    if t == "boolean":
        return True
    return None


def generate(path):
    global spec
    spec = json.load(open(path))
    rows = op_table()
    with open(os.path.join(CRATE, "tests", "fixtures", "operations.txt"), "w") as f:
        f.write("# Every operation of ../shared/specs/mirakl/mirakl-mmp-seller-openapi.json: code, method, path\n")
        for oid, m, p, _ in sorted(rows):
            f.write(f"{oid}\t{m}\t{p}\n")
    by_id = {r[0]: r for r in rows}
    global SHARED_MOD
    # First pass: which shapes does each operation reach? Those reached by two or more
    # operations are generated once, in the shared module.
    SHARED_KEYS.clear()
    users = {}
    for oid, mod in generate_ops(by_id, dry=True):
        for key in mod.keys_used:
            users.setdefault(key, []).append(oid)
    SHARED_KEYS.update({k: v for k, v in users.items() if len(v) > 1})
    SHARED_MOD = Module(SHARED_OP)
    list(generate_ops(by_id, dry=False))
    write_shared()


def generate_ops(by_id, dry):
    """Builds (and unless `dry`, writes) every generated operation; yields (op, module)."""
    area_mods = OrderedDict()
    handler_methods = OrderedDict()
    tests = []
    example_arms = []
    for oid, (area, handler, mname) in OPS.items():
        _, method, path, op = by_id[oid]
        mod = Module(oid)
        modname = oid.lower()
        area_mods.setdefault(area, []).append((modname, oid, op.get("summary", oid)))
        # parameters
        params = [resolve(p)[0] for p in op.get("parameters", [])]
        path_params = [p for p in params if p["in"] == "path"]
        query = [p for p in params if p["in"] == "query" and p["name"] != "shop_id"]
        header_params = [p for p in params if p["in"] == "header"]
        dynamic = path.startswith("/dynamic-url/")
        if dynamic:
            path_params = []
        # request body
        body_kind = None
        body_type = None
        json_part = None
        rb = op.get("requestBody", {}).get("content", {})
        if "application/json" in rb:
            body_kind = "json"
            body_type, _ = mod.type_of(rb["application/json"]["schema"], "body", "", "req")
            if body_type != "Body" and not body_type.startswith("Vec<") and body_type != "serde_json::Value":
                pass
        elif "multipart/form-data" in rb:
            body_kind = "multipart"
            msch, _ = resolve(rb["multipart/form-data"]["schema"])
            for k, v in msch.get("properties", {}).items():
                vr, _ = resolve(v)
                if vr.get("type") == "object" or "properties" in vr:
                    json_part = k
                    body_type, _ = mod.type_of(v, k, "", "req")
        # response
        resp_kind = "unit"
        resp_type = None
        resp_status = None
        for st, r in op.get("responses", {}).items():
            if not st.startswith("2"):
                continue
            r, _ = resolve(r)
            content = r.get("content", {})
            resp_status = st
            if "application/json" in content:
                resp_kind = "json"
                resp_type, _ = mod.type_of(content["application/json"]["schema"], "response", "", "resp")
            elif content:
                resp_kind = "download"
            break
        # paging: the spec does not declare the paging parameters; the description says
        # "seek pagination" (limit, page_token) or "offset pagination" (max, offset).
        paging = None
        item_type = None
        list_field = None
        desc = op.get("description", "")
        if resp_kind == "json" and resp_type and not resp_type.startswith("Vec<"):
            rsch, _ = resolve(op["responses"][resp_status]["content"]["application/json"]["schema"])
            props = rsch.get("properties", {})
            arrays = [k for k, v in props.items() if resolve(v)[0].get("type") == "array"]
            if "seek pagination" in desc and arrays:
                paging = "seek"
            elif "offset pagination" in desc and arrays:
                paging = "offset"
            if paging:
                list_field = "data" if "data" in arrays else arrays[0]
                item_type = mod.type_of(props[list_field], list_field, "Response", "resp")[0][4:-1]
                sort = re.search(r"sort field can have the following values:(.*?)(</ul>|Call Frequency)", desc, re.S)
                mod.sort_doc = clean_doc(sort.group(1), 300) if sort else ""
                mod.resp_props = set(props)
        # query parameters the spec gives an enum: typed, through the module's enums
        mod.query_enums = {}
        for p in query:
            psch, _ = resolve(p.get("schema", {}))
            if psch.get("type") == "array":
                psch, _ = resolve(psch.get("items", {}))
            vals = enum_values(psch) if psch.get("type") == "string" else None
            # Currency codes stay strings, as in the models (`currency_iso_code`).
            if vals and len(vals) <= 60 and "currency" not in p["name"]:
                name = mod.enum_for(vals, p["name"], "Query")
                own = pascal(p["name"])
                if own != name and own not in mod.items:
                    # The same values as another parameter's enum: an alias keeps this name.
                    mod.items[own] = f"/// `{p['name']}` values: the same as [`{name}`].\npub type {own} = {name};\n"
                    mod.variants[own] = mod.variants[name]
                    name = own
                mod.query_enums[p["name"]] = name
        if dry:
            yield oid, mod
            continue
        write_module(mod, area, modname, oid, method, path, op, path_params, query, header_params,
                     dynamic, body_kind, body_type, json_part, resp_kind, resp_type, paging,
                     item_type, list_field)
        handler_methods.setdefault(handler, []).append(
            (mname, area, modname, oid, op, path_params, body_kind, body_type, json_part, dynamic))
        tests.append(make_test(oid, area, handler, mname, modname, method, path, op, path_params,
                               query, dynamic, body_kind, body_type, json_part, resp_kind,
                               resp_type, resp_status, paging, list_field, mod))
        example_arms.append(make_example_arm(oid, area, modname, body_kind, body_type, json_part,
                                             resp_kind, resp_type, mod.date_keys))
    if dry:
        return
    write_coverage(list(by_id.values()))
    write_area_modules(area_mods)
    write_handlers(handler_methods)
    write_tests(tests)
    write_examples(example_arms)


def write_shared():
    out = HEADER
    out += "//! Types that several operations share: the spec repeats these shapes under each\n"
    out += "//! operation's own component names (`OR15_Response_200_…`, `OR30_Request_…`), so each is\n"
    out += "//! generated here once. Every operation module re-exports the ones it uses under its own\n"
    out += "//! names (for example `orders::or15` and `orders::or30`), so either path names the same\n"
    out += "//! type. Each type's docs list the operations that use it.\n"
    out += "//!\n//! Responses are tolerant: every field is optional, unknown enum values are kept in\n"
    out += "//! `Other`, numbers may come as strings, dates with or without milliseconds.\n"
    out += "#![allow(clippy::doc_markdown)]\n\n"
    out += "use crate::common::open_enum;\n"
    out += "#[allow(unused_imports)]\nuse bc_mirakl_api_core::de::{i64_lenient, null_as_default, opt_i64_lenient};\n"
    out += "use rust_decimal::Decimal;\nuse serde::{Deserialize, Serialize};\nuse time::OffsetDateTime;\n\n"
    for name, code in SHARED_MOD.items.items():
        out += code + "\n"
    with open(os.path.join(CRATE, "src", "shared.rs"), "w") as f:
        f.write(out)


HEADER = "// @generated by scripts/gen_ops.py from ../shared/specs/mirakl/mirakl-mmp-seller-openapi.json; do not edit.\n"


def rust_path_template(path):
    return path


def write_module(mod, area, modname, oid, method, path, op, path_params, query, header_params,
                 dynamic, body_kind, body_type, json_part, resp_kind, resp_type, paging,
                 item_type, list_field):
    summary = op.get("summary", oid)
    desc = clean_doc(op.get("description"), 600)
    out = HEADER
    out += f"//! {clean_doc(summary)}: `{method} {path}`.\n"
    if desc:
        out += "//!\n" + "".join(f"//! {l}\n" for l in wrap(desc, 88))
    out += "//!\n//! Responses are tolerant: every field is optional, unknown enum values are kept in\n"
    out += "//! `Other`, numbers may come as strings, dates with or without milliseconds.\n"
    out += "#![allow(clippy::doc_markdown)]\n\n"
    out += "#[allow(unused_imports)]\nuse crate::common::open_enum;\n"
    out += "#[allow(unused_imports)]\nuse bc_mirakl_api_core::de::{i64_lenient, null_as_default, opt_i64_lenient};\n"
    out += "#[allow(unused_imports)]\nuse rust_decimal::Decimal;\n"
    out += "#[allow(unused_imports)]\nuse serde::{Deserialize, Serialize};\n"
    out += "#[allow(unused_imports)]\nuse time::OffsetDateTime;\n\n"
    for name, code in mod.items.items():
        out += code + "\n"
    out += builder_code(mod, oid, method, path, op, path_params, query, header_params, dynamic,
                        body_kind, body_type, json_part, resp_kind, resp_type, paging, item_type,
                        list_field)
    d = os.path.join(CRATE, "src", area)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, modname + ".rs"), "w") as f:
        f.write(out)


def query_setter(p, enum=None):
    name = p["name"]
    sch, _ = resolve(p.get("schema", {}))
    t = sch.get("type")
    doc = clean_doc(p.get("description")) or f"`{name}`."
    fn = ident(name)
    if fn in ("send", "spec", "stream", "new", "client", "send_response", "file", "header"):
        fn = fn + "_param"
    code = doc_lines(doc, "    ")
    code += "    #[must_use]\n"
    if enum and t == "array":
        code += f"    pub fn {fn}<I: IntoIterator<Item = {enum}>>(mut self, values: I) -> Self {{\n"
        code += f"        self.query.retain(|(k, _)| *k != {json.dumps(name)});\n"
        code += f"        for v in values {{\n            self.query.push(({json.dumps(name)}, v.to_string()));\n        }}\n        self\n    }}\n"
        return code
    if t == "array":
        it, _ = resolve(sch.get("items", {}))
        if it.get("type") == "integer":
            code += f"    pub fn {fn}<I: IntoIterator<Item = i64>>(mut self, values: I) -> Self {{\n"
            code += f"        self.query.retain(|(k, _)| *k != {json.dumps(name)});\n"
            code += f"        for v in values {{\n            self.query.push(({json.dumps(name)}, v.to_string()));\n        }}\n        self\n    }}\n"
        else:
            code += f"    pub fn {fn}<I: IntoIterator<Item = S>, S: Into<String>>(mut self, values: I) -> Self {{\n"
            code += f"        self.query.retain(|(k, _)| *k != {json.dumps(name)});\n"
            code += f"        for v in values {{\n            self.query.push(({json.dumps(name)}, v.into()));\n        }}\n        self\n    }}\n"
        return code
    if enum:
        arg, conv = f"value: {enum}", "value.to_string()"
    elif t == "integer":
        arg, conv = "value: i64", "value.to_string()"
    elif t == "number":
        arg, conv = "value: Decimal", "value.to_string()"
    elif t == "boolean":
        arg, conv = "value: bool", "value.to_string()"
    elif sch.get("format") == "date-time":
        arg, conv = "value: OffsetDateTime", "crate::datetime::format_query(value)"
    else:
        arg, conv = "value: impl Into<String>", "value.into()"
    code += f"    pub fn {fn}(mut self, {arg}) -> Self {{\n"
    code += f"        self.query.retain(|(k, _)| *k != {json.dumps(name)});\n"
    code += f"        self.query.push(({json.dumps(name)}, {conv}));\n        self\n    }}\n"
    return code


def builder_code(mod, oid, method, path, op, path_params, query, header_params, dynamic,
                 body_kind, body_type, json_part, resp_kind, resp_type, paging, item_type,
                 list_field):
    managed = {"page_token", "offset", "limit", "max", "sort", "order"} if paging else set()
    setters = [p for p in query if p["name"] not in managed]
    out = "#[cfg(feature = \"client\")]\npub use call::Request;\n\n"
    out += "#[cfg(feature = \"client\")]\nmod call {\n"
    out += "    #[allow(unused_imports)]\n    use super::*;\n"
    out += "    use crate::client::Client;\n    #[allow(unused_imports)]\n    use crate::{Error, Result};\n"
    out += "    #[allow(unused_imports)]\n    use bc_mirakl_api_core::transport::{Body as WireBody, Method, Part, RequestSpec};\n\n"
    summary = clean_doc(op.get("summary", oid))
    out += f"    /// {summary}: `{method} {path}`. Build it from the handler, set the query\n"
    out += "    /// parameters, then `send()`" + (" one page or `stream()` every item." if paging else ".") + "\n"
    out += "    #[derive(Debug, Clone)]\n    pub struct Request {\n        client: Client,\n"
    out += "        path: String,\n        query: Vec<(&'static str, String)>,\n"
    if body_kind == "json":
        out += f"        body: {body_type},\n"
    if body_kind == "multipart":
        out += f"        part: {body_type},\n        files: Vec<Part>,\n"
    if header_params:
        out += "        headers: Vec<(&'static str, String)>,\n"
    if dynamic:
        out += "        url_query: Vec<(String, String)>,\n"
    out += "    }\n\n    impl Request {\n"
    args = ["client: Client"]
    if dynamic:
        args.append("url: &str")
    for p in path_params:
        args.append(f"{ident(p['name'])}: &str")
    if body_kind == "json":
        args.append(f"body: {body_type}")
    if body_kind == "multipart":
        args.append(f"part: {body_type}")
    out += f"        pub(crate) fn new({', '.join(args)}) -> Result<Self> {{\n"
    if dynamic:
        out += f"            let (path, url_query) = client.instance_target(url, \"{oid}\")?;\n"
    else:
        fmt = path.lstrip("/")
        for p in path_params:
            fmt = fmt.replace("{" + p["name"] + "}", "{}")
        if path_params:
            argl = ", ".join(f"crate::client::seg({ident(p['name'])})" for p in path_params)
            out += f"            let path = format!({json.dumps(fmt)}, {argl});\n"
        else:
            out += f"            let path = {json.dumps(fmt)}.to_owned();\n"
        for p in path_params:
            out += f"            if {ident(p['name'])}.trim().is_empty() {{\n"
            out += f"                return Err(Error::InvalidInput(\"{oid} needs `{p['name']}`\".into()));\n            }}\n"
    out += "            Ok(Request {\n                client,\n                path,\n                query: Vec::new(),\n"
    if body_kind == "json":
        out += "                body,\n"
    if body_kind == "multipart":
        out += "                part,\n                files: Vec::new(),\n"
    if header_params:
        out += "                headers: Vec::new(),\n"
    if dynamic:
        out += "                url_query,\n"
    out += "            })\n        }\n\n"
    for p in setters:
        out += query_setter(p, mod.query_enums.get(p["name"])) + "\n"
    sort_doc = getattr(mod, "sort_doc", "")
    if paging == "seek":
        out += "        /// Page size (`limit`).\n        #[must_use]\n        pub fn limit(mut self, limit: u32) -> Self {\n            self.query.retain(|(k, _)| *k != \"limit\");\n            self.query.push((\"limit\", limit.to_string()));\n            self\n        }\n\n"
        out += doc_lines("Sort (`sort`), `field,ASC` or `field,DESC`." + (f" Fields: {sort_doc}" if sort_doc else ""), "        ")
        out += "        #[must_use]\n        pub fn sort(mut self, sort: impl Into<String>) -> Self {\n            self.query.retain(|(k, _)| *k != \"sort\");\n            self.query.push((\"sort\", sort.into()));\n            self\n        }\n\n"
    if paging == "offset":
        out += "        /// Page size (`max`).\n        #[must_use]\n        pub fn max(mut self, max: u32) -> Self {\n            self.query.retain(|(k, _)| *k != \"max\");\n            self.query.push((\"max\", max.to_string()));\n            self\n        }\n\n"
        out += doc_lines("Sort field (`sort`) and direction (`order`, `asc` or `desc`)." + (f" Fields: {sort_doc}" if sort_doc else ""), "        ")
        out += "        #[must_use]\n        pub fn sort(mut self, field: impl Into<String>, order: crate::common::SortOrder) -> Self {\n            self.query.retain(|(k, _)| *k != \"sort\" && *k != \"order\");\n            self.query.push((\"sort\", field.into()));\n            self.query.push((\"order\", order.to_string()));\n            self\n        }\n\n"
    for p in header_params:
        fn = ident(p["name"]) + "_header"
        out += doc_lines(clean_doc(p.get("description")) or f"`{p['name']}` header.", "        ")
        out += "        #[must_use]\n"
        out += f"        pub fn {fn}(mut self, value: impl Into<String>) -> Self {{\n"
        out += f"            self.headers.push(({json.dumps(p['name'])}, value.into()));\n            self\n        }}\n\n"
    if body_kind == "multipart":
        out += "        /// Adds a file to the `files` part.\n        #[must_use]\n"
        out += "        pub fn file(\n            mut self,\n            file_name: impl Into<String>,\n            content_type: impl Into<String>,\n            bytes: impl Into<bytes::Bytes>,\n        ) -> Self {\n"
        out += "            self.files\n                .push(Part::file(\"files\", file_name, content_type, bytes));\n            self\n        }\n\n"
    template = path
    # spec
    out += "        /// The request as it will be sent (before the client adds `shop_id`).\n"
    out += "        ///\n        /// # Errors\n        /// [`Error::InvalidInput`] when the body cannot be serialised.\n"
    cursor_arg = ""
    if paging == "seek":
        cursor_arg = ", page_token: Option<&str>"
    elif paging == "offset":
        cursor_arg = ", offset: u64"
    out += f"        pub fn spec(&self) -> Result<RequestSpec> {{\n            self.spec_at({'None' if paging == 'seek' else ('self.start_offset()' if paging == 'offset' else '')})\n        }}\n\n"
    out += f"        fn spec_at(&self{cursor_arg}) -> Result<RequestSpec> {{\n"
    out += f"            let mut spec = RequestSpec::new(Method::{method}, {json.dumps(template)}, self.path.clone())\n                .operation({json.dumps(oid)});\n"
    if oid in NOT_IDEMPOTENT:
        out += "            spec = spec.idempotent(false);\n"
    out += "            for (k, v) in &self.query {\n"
    if paging == "offset":
        out += "                if *k == \"offset\" {\n                    continue;\n                }\n"
    out += "                spec = spec.query(*k, v);\n            }\n"
    if dynamic:
        out += "            for (k, v) in &self.url_query {\n                spec = spec.query(k, v);\n            }\n"
    if paging == "seek":
        out += "            if let Some(token) = page_token {\n                spec = spec.query(\"page_token\", token);\n            }\n"
    if paging == "offset":
        out += "            spec = spec.query(\"offset\", offset);\n"
    if header_params:
        out += "            for (k, v) in &self.headers {\n                spec = spec.header(*k, v);\n            }\n"
    if body_kind == "json":
        out += "            spec = crate::client::json_spec(spec, &self.body)?;\n"
    elif body_kind == "multipart":
        out += "            let json = serde_json::to_vec(&self.part)\n                .map_err(|e| Error::InvalidInput(format!(\"cannot serialise the request: {e}\")))?;\n"
        out += f"            let mut parts = vec![Part {{\n                name: {json.dumps(json_part)}.to_owned(),\n                file_name: None,\n                content_type: Some(\"application/json\".to_owned()),\n                data: json.into(),\n            }}];\n"
        out += "            parts.extend(self.files.iter().cloned());\n            spec = spec.body(WireBody::Multipart(parts));\n"
    elif method in ("PUT", "POST"):
        out += "            spec = spec.body(WireBody::Json(bytes::Bytes::from_static(b\"{}\")));\n"
    out += "            Ok(spec)\n        }\n\n"
    if paging == "offset":
        out += "        fn start_offset(&self) -> u64 {\n            self.query\n                .iter()\n                .find(|(k, _)| *k == \"offset\")\n                .and_then(|(_, v)| v.parse().ok())\n                .unwrap_or(0)\n        }\n\n"
        out += "        /// Offset of the first item (default 0).\n        #[must_use]\n        pub fn offset(mut self, offset: u64) -> Self {\n            self.query.retain(|(k, _)| *k != \"offset\");\n            self.query.push((\"offset\", offset.to_string()));\n            self\n        }\n\n"
    # send
    if paging:
        if paging == "seek":
            out += "        async fn fetch(&self, page_token: Option<String>) -> Result<crate::Page<" + item_type + ">> {\n"
            out += "            let resp: Response = self.client.json(self.spec_at(page_token.as_deref())?).await?;\n"
            nxt = "resp.next_page_token" if "next_page_token" in mod.resp_props else "None"
            prv = "resp.previous_page_token" if "previous_page_token" in mod.resp_props else "None"
            out += f"            Ok(crate::Page::seek_page(resp.{ident(list_field)}, {nxt}, {prv}))\n        }}\n\n"
            first = "None"
        else:
            out += "        async fn fetch(&self, offset: u64) -> Result<crate::Page<" + item_type + ">> {\n"
            out += "            let resp: Response = self.client.json(self.spec_at(offset)?).await?;\n"
            if "total_count" in mod.resp_props:
                out += "            let total = resp.total_count.and_then(|t| u64::try_from(t).ok()).unwrap_or(0);\n"
            else:
                out += "            // No `total_count` in this answer: 0 makes the stream read until an empty page.\n            let total = 0;\n"
            out += f"            Ok(crate::Page::offset_page(resp.{ident(list_field)}, total, offset))\n        }}\n\n"
            first = "self.start_offset()"
        out += "        /// Sends the call and returns one page.\n        ///\n        /// # Errors\n"
        out += "        /// [`Error::InvalidInput`], [`Error::Api`], [`Error::RateLimited`], [`Error::Transport`]\n        /// or [`Error::Decode`] as for every call.\n"
        out += f"        pub async fn send(self) -> Result<crate::Page<{item_type}>> {{\n"
        if paging == "seek":
            out += "            self.fetch(None).await\n        }\n\n"
        else:
            out += "            let start = self.start_offset();\n            self.fetch(start).await\n        }\n\n"
        out += "        /// Every item of every page, fetched lazily; stops on the last page, an empty page\n        /// or the first error.\n"
        out += f"        pub fn stream(self) -> impl futures::Stream<Item = Result<{item_type}>> + Send + 'static {{\n"
        out += f"            let first = {first};\n"
        out += "            crate::client::stream_pages(self, first, |req, cursor| async move { req.fetch(cursor).await })\n        }\n\n"
        out += "        /// Sends the call and returns the whole first response, paging fields included.\n        ///\n        /// # Errors\n        /// As [`Request::send`].\n"
        out += "        pub async fn send_response(self) -> Result<Response> {\n            self.client.json(self.spec()?).await\n        }\n"
    else:
        out += "        /// Sends the call.\n        ///\n        /// # Errors\n"
        out += "        /// [`Error::InvalidInput`], [`Error::Api`], [`Error::RateLimited`], [`Error::Transport`]"
        if resp_kind == "json":
            out += "\n        /// or [`Error::Decode`] as for every call.\n"
            out += f"        pub async fn send(self) -> Result<{resp_type}> {{\n            self.client.json(self.spec()?).await\n        }}\n"
        elif resp_kind == "download":
            out += "\n        /// as for every call.\n"
            out += "        pub async fn send(self) -> Result<crate::client::Download> {\n            let resp = self.client.execute(self.spec()?).await?;\n            Ok(crate::client::Download::from_response(&resp))\n        }\n"
        else:
            out += "\n        /// as for every call.\n"
            out += "        pub async fn send(self) -> Result<()> {\n            self.client.no_content(self.spec()?).await\n        }\n"
    out += "    }\n}\n"
    return out


BEGIN = "// @generated operations begin (scripts/gen_ops.py)\n"
END = "// @generated operations end\n"


def write_area_modules(area_mods):
    for area, mods in area_mods.items():
        block = BEGIN
        for modname, oid, summary in mods:
            block += f"/// {clean_doc(summary)}.\npub mod {modname};\n"
        block += END
        target = os.path.join(CRATE, "src", area + ".rs")
        if area not in EXISTING_AREAS:
            doc = AREA_DOCS[area]
            text = HEADER + f"//! {doc}\n//!\n//! One module per operation, with its request body, response and enum types and\n//! (feature `client`) its request builder `Request`; the handler is\n//! [`crate::api::{area_handler(area)}`].\n\n" + block
        else:
            text = open(target).read()
            if BEGIN in text:
                text = text[: text.index(BEGIN)] + block + text[text.index(END) + len(END):]
            else:
                text = text.rstrip("\n") + "\n\n" + block
        with open(target, "w") as f:
            f.write(text)


def area_handler(area):
    return {a: h for (a, h, _) in OPS.values()}[area]


def write_coverage(rows):
    out = "<!-- @generated by scripts/gen_ops.py; checked by tests/coverage.rs -->\n"
    out += "| operation | method | call | types |\n|---|---|---|---|\n"
    for oid, m, p, op in sorted(rows, key=lambda r: (re.sub(r"\d", "", r[0]), int(re.sub(r"\D", "", r[0]) or 0))):
        if oid in OPS:
            area, handler, mname = OPS[oid]
            call = f"[`{handler}::{mname}`](crate::api::{handler}::{mname})"
            types = f"[`{area}::{oid.lower()}`](crate::{area}::{oid.lower()})"
        elif oid in HAND:
            handler, mname = HAND[oid].split("::")
            call = f"[`{handler}::{mname}`](crate::api::{handler}::{mname})"
            types = "hand-written"
        else:
            raise SystemExit(f"{oid} is neither generated nor hand-written")
        path = p.replace("|", "\\|")
        out += f"| {oid} | `{m} {path}` | {call} | {types} |\n"
    with open(os.path.join(CRATE, "src", "coverage.md"), "w") as f:
        f.write(out)


def write_handlers(handler_methods):
    out = HEADER
    out += "//! Handler methods of the generated operations (see `scripts/gen_ops.py`).\n\n"
    out += "use crate::client::Client;\nuse crate::Result;\n\n"
    for h in NEW_HANDLERS:
        ops = ", ".join(o[3] for o in handler_methods[h])
        out += f"/// {h} calls ({ops}). Get it with [`Client::{snake(h)}`].\n"
        out += f"#[derive(Debug, Clone)]\npub struct {h} {{\n    pub(crate) client: Client,\n}}\n\n"
        out += f"impl {h} {{\n    pub(crate) fn new(client: Client) -> Self {{\n        {h} {{ client }}\n    }}\n}}\n\n"
    for h, methods in handler_methods.items():
        out += f"impl super::{h} {{\n" if h not in NEW_HANDLERS else f"impl {h} {{\n"
        for (mname, area, modname, oid, op, path_params, body_kind, body_type, json_part, dynamic) in methods:
            summary = clean_doc(op.get("summary", oid))
            desc = clean_doc(op.get("description"), 300)
            out += f"    /// {summary}.\n"
            if desc:
                out += "    ///\n" + doc_lines(desc, "    ")
            out += f"    ///\n    /// Types: [`crate::{area}::{modname}`].\n"
            args = []
            call = ["self.client.clone()"]
            if dynamic:
                args.append("url: &str")
                call.append("url")
            for p in path_params:
                args.append(f"{ident(p['name'])}: &str")
                call.append(ident(p["name"]))
            if body_kind == "json":
                args.append(f"body: crate::{area}::{modname}::{body_type}")
                call.append("body")
            if body_kind == "multipart":
                args.append(f"{ident(json_part)}: crate::{area}::{modname}::{body_type}")
                call.append(ident(json_part))
            out += "    ///\n    /// # Errors\n"
            if dynamic:
                out += "    /// [`crate::Error::InvalidInput`] when the URL is not on the client's instance.\n"
            elif path_params:
                out += "    /// [`crate::Error::InvalidInput`] when a path parameter is empty.\n"
            else:
                out += "    /// None here; the call's errors come from `send()`.\n"
            sig = ", ".join(["&self"] + args)
            out += f"    pub fn {mname}({sig}) -> Result<crate::{area}::{modname}::Request> {{\n"
            out += f"        crate::{area}::{modname}::Request::new({', '.join(call)})\n    }}\n\n"
        out += "}\n\n"
    with open(os.path.join(CRATE, "src", "api", "generated.rs"), "w") as f:
        f.write(out)


def examples_for(oid):
    idx = os.path.join(CRATE, "tests", "fixtures", "spec", "INDEX.tsv")
    out = []
    for line in open(idx):
        if line.startswith("#") or not line.strip():
            continue
        fname, ptr = line.rstrip("\n").split("\t")
        if fname.split("-")[0] == oid:
            out.append((fname, ptr))
    return out


def sample_query(p, enum=None):
    """The setter call of a test and the query pairs it must produce. `enum`: (the enum's
    path, its variants) when the parameter is typed."""
    sch, _ = resolve(p.get("schema", {}))
    t = sch.get("type")
    fn = ident(p["name"])
    if fn in ("send", "spec", "stream", "new", "client", "send_response", "file", "header"):
        fn = fn + "_param"
    name = p["name"]
    if enum:
        path, variants = enum
        if t == "array":
            picked = variants[-2:]
            calls = ", ".join(f"{path}::{vn}" for vn, _ in picked)
            return f".{fn}([{calls}])", [(name, v) for _, v in picked]
        vn, v = variants[-1]
        return f".{fn}({path}::{vn})", [(name, v)]
    if t == "array":
        it, _ = resolve(sch.get("items", {}))
        if it.get("type") == "integer":
            return f".{fn}([4, 5])", [(name, "4"), (name, "5")]
        return f".{fn}([\"{name}-a\", \"{name}-b\"])", [(name, f"{name}-a"), (name, f"{name}-b")]
    if t == "integer":
        return f".{fn}(7)", [(name, "7")]
    if t == "number":
        return f".{fn}(\"2.5\".parse().unwrap())", [(name, "2.5")]
    if t == "boolean":
        return f".{fn}(true)", [(name, "true")]
    if sch.get("format") == "date-time":
        return f".{fn}(mirakl_api::datetime::parse(\"2024-05-01T10:00:00Z\").unwrap())", [(name, "2024-05-01T10:00:00Z")]
    vals = enum_values(sch)
    v = vals[0] if vals else f"{name}-x"
    return f".{fn}({json.dumps(v)})", [(name, v)]


def make_test(oid, area, handler, mname, modname, method, path, op, path_params, query, dynamic,
              body_kind, body_type, json_part, resp_kind, resp_type, resp_status, paging,
              list_field, mod):
    exs = examples_for(oid)
    t = f"/// {oid}: `{method} {path}`.\n#[tokio::test]\nasync fn {oid.lower()}_{mname}() {{\n    let s = server().await;\n"
    # path
    if dynamic:
        wire_path = f"/api/export/{oid.lower()}/file-1.json"
    else:
        wire_path = path
        for p in path_params:
            wire_path = wire_path.replace("{" + p["name"] + "}", f"{p['name']}-9")
    t += f"    let mock = call({json.dumps(method)}, {json.dumps(wire_path)})"
    managed = {"page_token", "offset", "limit", "max", "sort", "order"} if paging else set()
    setter_calls = ""
    for p in query:
        if p["name"] in managed:
            continue
        enum = mod.query_enums.get(p["name"])
        info = (f"mirakl_api::{area}::{modname}::{enum}", mod.variants[enum]) if enum else None
        code, pairs = sample_query(p, info)
        setter_calls += code
        for k, v in pairs:
            t += f"\n        .and(query_param({json.dumps(k)}, {json.dumps(v)}))"
    if paging == "offset":
        t += "\n        .and(query_param(\"offset\", \"0\"))\n        .and(query_param(\"max\", \"5\"))"
        setter_calls += ".max(5)"
    if paging == "seek":
        t += "\n        .and(query_param(\"limit\", \"5\"))\n        .and(wiremock::matchers::query_param_is_missing(\"page_token\"))"
        setter_calls += ".limit(5)"
    t += ";\n"
    # body
    body_expr = None
    files_call = ""
    req_ex = [e for e in exs if "-request-" in e[0]]
    if body_kind == "json":
        if req_ex:
            fname, ptr = sorted(req_ex, key=lambda e: ("-auto" in e[0], e[0]))[0]
            t += f"    // {ptr}\n    let body: mirakl_api::{area}::{modname}::{body_type} = example({json.dumps(fname)}, DATES_{oid});\n"
        else:
            rb = op["requestBody"]["content"]["application/json"]["schema"]
            sample = sample_for(rb, "body")
            t += f"    let body: mirakl_api::{area}::{modname}::{body_type} =\n        serde_json::from_str(r#\"{json.dumps(sample)}\"#).unwrap();\n"
        t += "    let mock = mock.and(body_json(serde_json::to_value(&body).unwrap()));\n"
        body_expr = "body.clone()"
    elif body_kind == "multipart":
        if req_ex:
            fname, ptr = sorted(req_ex, key=lambda e: ("-auto" in e[0], e[0]))[0]
            t += f"    // {ptr}\n    let form: serde_json::Value = example({json.dumps(fname)}, DATES_{oid});\n"
            t += f"    let part: mirakl_api::{area}::{modname}::{body_type} =\n        serde_json::from_value(form[{json.dumps(json_part)}].clone()).unwrap();\n"
        else:
            t += f"    let part: mirakl_api::{area}::{modname}::{body_type} = Default::default();\n"
        t += f"    let mock = mock\n        .and(body_string_contains(\"name=\\\"{json_part}\\\"\"))\n        .and(body_string_contains(serde_json::to_string(&part).unwrap()))\n        .and(body_string_contains(\"filename=\\\"proof.pdf\\\"\"));\n"
        body_expr = "part.clone()"
        files_call = ".file(\"proof.pdf\", \"application/pdf\", b\"%PDF-1.4\".to_vec())"
    elif method in ("PUT", "POST"):
        t += "    let mock = mock.and(body_string(\"{}\"));\n"
    # response
    resp_ex = [e for e in exs if "-response-" in e[0] and e[0].endswith(".json")]
    check = ""
    if resp_kind == "json":
        if resp_ex:
            fname, ptr = sorted(resp_ex, key=lambda e: ("-auto" in e[0], e[0]))[0]
            t += f"    // {ptr}\n    let answer: serde_json::Value = example({json.dumps(fname)}, DATES_{oid});\n"
        else:
            rsch = op["responses"][resp_status]["content"]["application/json"]["schema"]
            t += f"    let answer: serde_json::Value =\n        serde_json::from_str(r#\"{json.dumps(sample_for(rsch, 'response'))}\"#).unwrap();\n"
        t += f"    mock.respond_with(json_value({resp_status}, answer.clone()))\n"
    elif resp_kind == "download":
        t += f"    mock.respond_with(\n        ResponseTemplate::new({resp_status})\n            .set_body_raw(b\"{oid} file\".to_vec(), \"application/octet-stream\"),\n    )\n"
    else:
        t += f"    mock.respond_with(ResponseTemplate::new({resp_status or 204}))\n"
    t += "        .expect(1)\n        .mount(&s)\n        .await;\n"
    # call
    args = []
    if dynamic:
        args.append(f"&format!(\"{{}}{wire_path}\", s.uri())")
    for p in path_params:
        args.append(f"\"{p['name']}-9\"")
    if body_expr:
        args.append(body_expr)
    binding = "" if resp_kind == "unit" else "let got = "
    t += f"    {binding}client(&s)\n        .{snake(handler)}()\n        .{mname}({', '.join(args)})\n        .unwrap(){setter_calls}{files_call}\n        .send()\n        .await\n        .unwrap();\n"
    if resp_kind == "json":
        if paging:
            t += f"    let items = answer[{json.dumps(list_field)}].as_array().map_or(0, Vec::len);\n"
            t += "    assert_eq!(got.items.len(), items);\n"
            t += f"    keeps(&answer[{json.dumps(list_field)}], &serde_json::to_value(&got.items).unwrap());\n"
        else:
            t += "    keeps(&answer, &serde_json::to_value(&got).unwrap());\n"
    elif resp_kind == "download":
        t += f"    assert_eq!(got.bytes, b\"{oid} file\");\n"
    t += "}\n"
    return t


def write_tests(tests):
    out = HEADER
    out += "//! One wiremock test per generated operation: method, path, query, the key and\n"
    out += "//! `shop_id`, the body, and the decoding of the spec's example answer (no field of the\n"
    out += "//! example is lost). The server's catch-all fails on any other request.\n"
    out += "#![cfg(feature = \"client\")]\n\nmod common;\nuse common::*;\n"
    out += "#[allow(unused_imports)]\nuse wiremock::matchers::{body_json, body_string, body_string_contains, query_param};\n"
    out += "use wiremock::ResponseTemplate;\n\n"
    out += "include!(\"generated/examples.rs\");\n\n"
    out += "\n".join(tests)
    with open(os.path.join(CRATE, "tests", "generated_ops.rs"), "w") as f:
        f.write(out)


def make_example_arm(oid, area, modname, body_kind, body_type, json_part, resp_kind, resp_type,
                     date_keys):
    return (oid, area, modname, body_kind, body_type, json_part, resp_kind, resp_type,
            sorted(date_keys))


def write_examples(arms):
    out = HEADER
    out += "// Spec examples of the generated operations: which keys hold dates (the `-auto`\n"
    out += "// examples put the placeholder \"string\" there), and a decoder per example file.\n\n"
    for (oid, area, modname, body_kind, body_type, json_part, resp_kind, resp_type, dates) in arms:
        out += f"#[allow(dead_code)]\nconst DATES_{oid}: &[&str] = &{json.dumps(dates)};\n"
    out += "\n/// Reads a spec example, with date placeholders of `-auto` examples filled in.\n#[allow(dead_code)]\n"
    out += "fn example<T: serde::de::DeserializeOwned>(name: &str, dates: &[&str]) -> T {\n"
    out += "    let bytes = fixture(name);\n    let mut v: serde_json::Value = serde_json::from_slice(&bytes).unwrap();\n"
    out += "    if name.contains(\"-auto\") {\n        fill_dates(&mut v, dates);\n    }\n"
    out += "    bc_mirakl_api_core::decode::json(&serde_json::to_vec(&v).unwrap())\n        .unwrap_or_else(|e| panic!(\"{name}: {e}\"))\n}\n\n"
    out += "#[allow(dead_code)]\nfn fill_dates(v: &mut serde_json::Value, dates: &[&str]) {\n"
    out += "    match v {\n        serde_json::Value::Object(m) => {\n            for (k, val) in m.iter_mut() {\n"
    out += "                if dates.contains(&k.as_str()) && val.as_str() == Some(\"string\") {\n"
    out += "                    *val = serde_json::Value::String(\"2023-03-28T09:34:42Z\".into());\n"
    out += "                } else {\n                    fill_dates(val, dates);\n                }\n            }\n        }\n"
    out += "        serde_json::Value::Array(a) => a.iter_mut().for_each(|x| fill_dates(x, dates)),\n        _ => {}\n    }\n}\n\n"
    out += "/// Every key of `example` that holds a value also holds one in `decoded` (re-encoded from\n/// the typed value), recursively: a typed model that drops or misnames a field fails.\n#[allow(dead_code)]\n"
    out += "fn is_empty(v: &serde_json::Value) -> bool {\n    v.is_null() || v.as_array().is_some_and(Vec::is_empty) || v.as_object().is_some_and(|m| m.is_empty())\n}\n\n#[allow(dead_code)]\n"
    out += "fn keeps(example: &serde_json::Value, decoded: &serde_json::Value) {\n"
    out += "    keeps_at(example, decoded, \"\");\n}\n\n#[allow(dead_code)]\n"
    out += "fn keeps_at(example: &serde_json::Value, decoded: &serde_json::Value, at: &str) {\n"
    out += "    match (example, decoded) {\n"
    out += "        (serde_json::Value::Object(e), serde_json::Value::Object(d)) => {\n"
    out += "            for (k, v) in e {\n                if is_empty(v) {\n                    continue;\n                }\n"
    out += "                let got = d.get(k).unwrap_or_else(|| panic!(\"{at}/{k} lost in decoding\"));\n"
    out += "                assert!(!got.is_null(), \"{at}/{k} lost in decoding\");\n"
    out += "                keeps_at(v, got, &format!(\"{at}/{k}\"));\n            }\n        }\n"
    out += "        (serde_json::Value::Array(e), serde_json::Value::Array(d)) => {\n"
    out += "            assert_eq!(e.len(), d.len(), \"{at}: array length\");\n"
    out += "            for (i, (x, y)) in e.iter().zip(d).enumerate() {\n                keeps_at(x, y, &format!(\"{at}/{i}\"));\n            }\n        }\n"
    out += "        _ => {}\n    }\n}\n\n"
    out += "/// Decodes one spec example file of a generated operation into its typed model and\n/// checks nothing is lost; `None` when `op` is not a generated operation.\n#[allow(dead_code)]\n"
    out += "fn decode_generated_example(op: &str, file: &str) -> Option<()> {\n"
    out += "    let is_request = file.contains(\"-request-\");\n"
    out += "    match (op, is_request) {\n"
    for (oid, area, modname, body_kind, body_type, json_part, resp_kind, resp_type, dates) in arms:
        if body_kind == "json":
            out += f"        ({json.dumps(oid)}, true) => {{\n            let raw: serde_json::Value = example(file, DATES_{oid});\n"
            out += f"            let typed: mirakl_api::{area}::{modname}::{body_type} = example(file, DATES_{oid});\n"
            out += "            keeps(&raw, &serde_json::to_value(&typed).unwrap());\n"
            out += f"            let again: mirakl_api::{area}::{modname}::{body_type} =\n                serde_json::from_value(serde_json::to_value(&typed).unwrap()).unwrap();\n"
            out += "            assert_eq!(typed, again, \"{file} does not round-trip\");\n        }\n"
        elif body_kind == "multipart":
            out += f"        ({json.dumps(oid)}, true) => {{\n            let raw: serde_json::Value = example(file, DATES_{oid});\n"
            out += f"            let typed: mirakl_api::{area}::{modname}::{body_type} =\n                serde_json::from_value(raw[{json.dumps(json_part)}].clone()).unwrap();\n"
            out += f"            keeps(&raw[{json.dumps(json_part)}], &serde_json::to_value(&typed).unwrap());\n        }}\n"
        if resp_kind == "json":
            out += f"        ({json.dumps(oid)}, false) if file.ends_with(\".json\") => {{\n            let raw: serde_json::Value = example(file, DATES_{oid});\n"
            out += f"            let typed: mirakl_api::{area}::{modname}::{resp_type} = example(file, DATES_{oid});\n"
            out += "            keeps(&raw, &serde_json::to_value(&typed).unwrap());\n        }\n"
    out += "        _ => return None,\n    }\n    Some(())\n}\n"
    with open(os.path.join(CRATE, "tests", "generated", "examples.rs"), "w") as f:
        f.write(out)


if __name__ == "__main__":
    generate(sys.argv[1])
