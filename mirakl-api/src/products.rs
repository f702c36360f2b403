//! Products and the operator catalog: P41/P42/P44/P51 product imports, H11 hierarchies,
//! PM11 attributes, VL11 value lists.

use crate::common::Translation;
pub use crate::imports::ImportStatus;
use crate::orders::u64_lenient_default;
use bc_mirakl_api_core::de::{null_as_default, opt_u64_lenient, u64_lenient};
use serde::Deserialize;
use time::OffsetDateTime;

/// Response of P41: the product import id.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ProductImportCreated {
    /// Import id, to poll with P42.
    #[serde(deserialize_with = "u64_lenient")]
    pub import_id: u64,
}

/// A product import (P42; P51 `product_import_trackings[]`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ProductImport {
    /// Import id.
    #[serde(deserialize_with = "u64_lenient")]
    pub import_id: u64,
    /// Status.
    pub import_status: ImportStatus,
    /// Creation date.
    #[serde(default, with = "crate::datetime::optional")]
    pub date_created: Option<OffsetDateTime>,
    /// Shop id.
    #[serde(default, deserialize_with = "opt_u64_lenient")]
    pub shop_id: Option<u64>,
    /// Whether a non-integrated products report (P44) exists.
    #[serde(default, deserialize_with = "null_as_default")]
    pub has_error_report: bool,
    /// Whether a new-products report (P45) exists.
    #[serde(default, deserialize_with = "null_as_default")]
    pub has_new_product_report: bool,
    /// Whether a transformation error report (P47) exists.
    #[serde(default, deserialize_with = "null_as_default")]
    pub has_transformation_error_report: bool,
    /// Whether a transformed file (P46) exists.
    #[serde(default, deserialize_with = "null_as_default")]
    pub has_transformed_file: bool,
    /// Lines read by the transformation.
    #[serde(default, deserialize_with = "u64_lenient_default")]
    pub transform_lines_read: u64,
    /// Lines transformed successfully.
    #[serde(default, deserialize_with = "u64_lenient_default")]
    pub transform_lines_in_success: u64,
    /// Lines in error.
    #[serde(default, deserialize_with = "u64_lenient_default")]
    pub transform_lines_in_error: u64,
    /// Lines with warnings.
    #[serde(default, deserialize_with = "u64_lenient_default")]
    pub transform_lines_with_warning: u64,
    /// Why the import has its status.
    #[serde(default)]
    pub reason_status: Option<String>,
    /// Conversion type, e.g. `AI_CONVERTER`.
    #[serde(default)]
    pub conversion_type: Option<String>,
    /// Integration counters, kept as JSON.
    #[serde(default)]
    pub integration_details: Option<serde_json::Value>,
}

/// Response of P51.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ProductImportList {
    /// The imports.
    #[serde(default, deserialize_with = "null_as_default")]
    pub product_import_trackings: Vec<ProductImport>,
    /// Total count.
    #[serde(default, deserialize_with = "u64_lenient_default")]
    pub total_count: u64,
}

/// Response of H11.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct HierarchyList {
    /// The categories.
    #[serde(default, deserialize_with = "null_as_default")]
    pub hierarchies: Vec<Hierarchy>,
}

/// A catalog category (H11).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Hierarchy {
    /// Category code.
    pub code: String,
    /// Label.
    #[serde(default)]
    pub label: Option<String>,
    /// Level (1 = root).
    #[serde(default, deserialize_with = "opt_u64_lenient")]
    pub level: Option<u64>,
    /// Parent category code.
    #[serde(default)]
    pub parent_code: Option<String>,
    /// Translated labels.
    #[serde(default, deserialize_with = "null_as_default")]
    pub label_translations: Vec<Translation>,
}

/// Response of PM11.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct AttributeList {
    /// The attributes.
    #[serde(default, deserialize_with = "null_as_default")]
    pub attributes: Vec<Attribute>,
}

/// A product attribute (PM11).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Attribute {
    /// Attribute code.
    pub code: String,
    /// Label.
    #[serde(default)]
    pub label: Option<String>,
    /// Description.
    #[serde(default)]
    pub description: Option<String>,
    /// Category the attribute belongs to (empty for all).
    #[serde(default)]
    pub hierarchy_code: Option<String>,
    /// Type, e.g. `TEXT`, `LIST`, `MEDIA`, `DECIMAL`.
    #[serde(rename = "type", default)]
    pub attribute_type: Option<String>,
    /// Type parameter (the value list code for `LIST`).
    #[serde(default)]
    pub type_parameter: Option<String>,
    /// `REQUIRED`, `RECOMMENDED`, `OPTIONAL`, …
    #[serde(default)]
    pub requirement_level: Option<String>,
    /// Whether the attribute is a variant axis.
    #[serde(default)]
    pub variant: Option<bool>,
    /// Default value.
    #[serde(default)]
    pub default_value: Option<String>,
    /// Validation rules, e.g. `MIN_LENGTH|10`.
    #[serde(default)]
    pub validations: Option<String>,
    /// Roles, e.g. `TITLE`, kept as JSON.
    #[serde(default, deserialize_with = "null_as_default")]
    pub roles: Vec<serde_json::Value>,
    /// Translated labels.
    #[serde(default, deserialize_with = "null_as_default")]
    pub label_translations: Vec<Translation>,
}

/// Response of VL11.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ValueListList {
    /// The lists.
    #[serde(default, deserialize_with = "null_as_default")]
    pub values_lists: Vec<ValueList>,
}

/// A value list (VL11).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ValueList {
    /// List code.
    pub code: String,
    /// Label.
    #[serde(default)]
    pub label: Option<String>,
    /// The values.
    #[serde(default, deserialize_with = "null_as_default")]
    pub values: Vec<ListValue>,
}

/// One value of a value list.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ListValue {
    /// Code.
    pub code: String,
    /// Label.
    #[serde(default)]
    pub label: Option<String>,
    /// Translated labels.
    #[serde(default, deserialize_with = "null_as_default")]
    pub label_translations: Vec<Translation>,
}

// @generated operations begin (scripts/gen_ops.py)
/// P11 - List offers for each given product.
pub mod p11;
/// P31 - Get products for a list of product references.
pub mod p31;
/// P45 - Get the product integration report file for a product import ("Added products report").
pub mod p45;
/// P46 - Get the transformed file for a product import ("File in operator format").
pub mod p46;
/// P47 - Get the transformation error report file for a product import ("Source file error report").
pub mod p47;
// @generated operations end

/// PM11 attribute `type`. Unknown types keep their text and are not type-checked.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AttributeType {
    /// `TEXT`.
    Text,
    /// `LONG_TEXT`.
    LongText,
    /// `INTEGER`.
    Integer,
    /// `DECIMAL`.
    Decimal,
    /// `NUMERIC` (a number, integer or decimal).
    Numeric,
    /// `DATE` (`YYYY-MM-DD` or RFC 3339).
    Date,
    /// `MEDIA` (an http(s) URL).
    Media,
    /// `LINK` (an http(s) URL).
    Link,
    /// `BOOLEAN` (`true` / `false`).
    Boolean,
    /// `LIST`: one code of the value list named by `type_parameter`.
    List,
    /// `LIST_MULTIPLE_VALUES`: several codes of the value list.
    ListMultipleValues,
    /// Any other type, kept as sent.
    Other(String),
}

impl AttributeType {
    /// Parses PM11 `type` (case-insensitive).
    pub fn parse(s: &str) -> AttributeType {
        match s.trim().to_ascii_uppercase().as_str() {
            "TEXT" => AttributeType::Text,
            "LONG_TEXT" => AttributeType::LongText,
            "INTEGER" => AttributeType::Integer,
            "DECIMAL" => AttributeType::Decimal,
            "NUMERIC" => AttributeType::Numeric,
            "DATE" => AttributeType::Date,
            "MEDIA" => AttributeType::Media,
            "LINK" => AttributeType::Link,
            "BOOLEAN" => AttributeType::Boolean,
            "LIST" => AttributeType::List,
            "LIST_MULTIPLE_VALUES" => AttributeType::ListMultipleValues,
            _ => AttributeType::Other(s.to_owned()),
        }
    }

    /// The wire text.
    pub fn as_str(&self) -> &str {
        match self {
            AttributeType::Text => "TEXT",
            AttributeType::LongText => "LONG_TEXT",
            AttributeType::Integer => "INTEGER",
            AttributeType::Decimal => "DECIMAL",
            AttributeType::Numeric => "NUMERIC",
            AttributeType::Date => "DATE",
            AttributeType::Media => "MEDIA",
            AttributeType::Link => "LINK",
            AttributeType::Boolean => "BOOLEAN",
            AttributeType::List => "LIST",
            AttributeType::ListMultipleValues => "LIST_MULTIPLE_VALUES",
            AttributeType::Other(s) => s,
        }
    }

    /// Whether values must come from a value list.
    pub fn is_list(&self) -> bool {
        matches!(
            self,
            AttributeType::List | AttributeType::ListMultipleValues
        )
    }
}

impl std::fmt::Display for AttributeType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod attribute_type_tests {
    use super::AttributeType;

    /// PM11 `type` values round-trip; a type Mirakl adds later is kept, not refused.
    #[test]
    fn known_and_unknown_types() {
        for t in [
            "TEXT",
            "LONG_TEXT",
            "INTEGER",
            "DECIMAL",
            "NUMERIC",
            "DATE",
            "MEDIA",
            "LINK",
            "BOOLEAN",
            "LIST",
            "LIST_MULTIPLE_VALUES",
        ] {
            assert_eq!(AttributeType::parse(t).as_str(), t);
        }
        assert_eq!(AttributeType::parse("list"), AttributeType::List);
        assert!(AttributeType::parse("LIST_MULTIPLE_VALUES").is_list());
        assert_eq!(
            AttributeType::parse("GEO_POINT"),
            AttributeType::Other("GEO_POINT".into())
        );
        assert_eq!(AttributeType::parse("GEO_POINT").to_string(), "GEO_POINT");
    }
}
