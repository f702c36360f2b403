//! The operator's catalog structure: categories (H11), product attributes (PM11) and value
//! lists (VL11), and the checks a P41 product line goes through against them.
//!
//! Shapes follow `specs/mirakl/mirakl-mmp-seller-openapi.json`. A file line is checked the way
//! Mirakl's catalog integration does: the category must be a known leaf, every `REQUIRED`
//! attribute of the category (shared attributes, and those of the category and its parents)
//! must be filled, `LIST` values must be codes of the value list, typed values must parse,
//! media must be absolute `http(s)` URLs. A missing `RECOMMENDED` attribute or a value for a
//! `DISABLED` one is a warning, not an error. Columns that name no attribute, or an attribute of
//! another category, are ignored.

use std::collections::{BTreeMap, HashMap};
use std::fmt;

use serde_json::{Value, json};

/// The operator's catalog structure. [`Default`] is a realistic fashion and home-goods
/// marketplace; build your own with the public fields for tests or demos.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OperatorCatalog {
    /// Categories, parents before or after children (order is kept in H11 answers).
    pub hierarchies: Vec<Category>,
    /// Product attributes.
    pub attributes: Vec<CatalogAttribute>,
    /// Value lists, referenced by `LIST` attributes.
    pub value_lists: Vec<ValueList>,
}

/// A category of the operator's catalog tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Category {
    /// Category code (what a product file puts in the category column).
    pub code: String,
    /// Label.
    pub label: String,
    /// Parent category code; `None` for a root (level 1).
    pub parent: Option<String>,
}

impl Category {
    /// A root category.
    pub fn root(code: &str, label: &str) -> Self {
        Category {
            code: code.into(),
            label: label.into(),
            parent: None,
        }
    }

    /// A category under `parent`.
    pub fn child(code: &str, label: &str, parent: &str) -> Self {
        Category {
            code: code.into(),
            label: label.into(),
            parent: Some(parent.into()),
        }
    }
}

/// How the sandbox models an attribute's type: the PM11 `type` together with its
/// `type_parameter` (the value list of `LIST` types). The wire type itself is
/// `mirakl_api::products::AttributeType`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum AttributeKind {
    /// Free text.
    Text,
    /// Long free text.
    LongText,
    /// A whole number.
    Integer,
    /// A decimal number (`.` as separator).
    Decimal,
    /// `true` or `false`.
    Boolean,
    /// A date, `yyyy-MM-dd`.
    Date,
    /// A media URL (absolute `http` or `https`).
    Media,
    /// A value of the value list with this code.
    List(String),
    /// Several values of the value list with this code, separated by `|` (PC01
    /// `list_of_multiple_values_separator`).
    ListMultiple(String),
    /// Any other type, served as is and not checked.
    Other(String),
}

impl AttributeKind {
    /// The PM11 `type`.
    pub fn as_str(&self) -> &str {
        match self {
            AttributeKind::Text => "TEXT",
            AttributeKind::LongText => "LONG_TEXT",
            AttributeKind::Integer => "INTEGER",
            AttributeKind::Decimal => "DECIMAL",
            AttributeKind::Boolean => "BOOLEAN",
            AttributeKind::Date => "DATE",
            AttributeKind::Media => "MEDIA",
            AttributeKind::List(_) => "LIST",
            AttributeKind::ListMultiple(_) => "LIST_MULTIPLE_VALUES",
            AttributeKind::Other(other) => other,
        }
    }

    /// The PM11 `type_parameter`: the value list code of a `LIST`, the date format of a
    /// `DATE`, else empty.
    pub fn parameter(&self) -> &str {
        match self {
            AttributeKind::List(list) | AttributeKind::ListMultiple(list) => list,
            AttributeKind::Date => DATE_FORMAT,
            _ => "",
        }
    }
}

/// The date format of `DATE` attributes.
const DATE_FORMAT: &str = "yyyy-MM-dd";

/// How much an attribute is needed (PM11 `requirement_level`).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Requirement {
    /// A line without it is rejected.
    Required,
    /// A line without it is integrated with a warning.
    Recommended,
    /// May be left empty.
    Optional,
    /// Must not be used; a value is ignored with a warning.
    Disabled,
    /// Any other level, served as is and treated as optional.
    Other(String),
}

impl Requirement {
    /// The PM11 value.
    pub fn as_str(&self) -> &str {
        match self {
            Requirement::Required => "REQUIRED",
            Requirement::Recommended => "RECOMMENDED",
            Requirement::Optional => "OPTIONAL",
            Requirement::Disabled => "DISABLED",
            Requirement::Other(other) => other,
        }
    }
}

/// The role an attribute plays for the operator (PM11 `roles[].type`). The sandbox reads
/// the product's SKU, category, title, brand and identifiers through these roles.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum AttributeRole {
    /// The seller's product SKU (reference type `SHOP_SKU`).
    ShopSku,
    /// The category code.
    Category,
    /// The product title.
    Title,
    /// The description.
    Description,
    /// The brand.
    Brand,
    /// A product identifier (a GTIN such as EAN); its reference type is the attribute code
    /// in upper case (`ean` → `EAN`), checked as a GTIN with a valid check digit.
    UniqueIdentifier,
    /// The variant group (parent) code shared by the variants of one product.
    VariantGroupCode,
    /// The main image.
    MainImage,
    /// Any other role, served as is.
    Other(String),
}

impl AttributeRole {
    /// The PM11 value.
    pub fn as_str(&self) -> &str {
        match self {
            AttributeRole::ShopSku => "SHOP_SKU",
            AttributeRole::Category => "CATEGORY",
            AttributeRole::Title => "TITLE",
            AttributeRole::Description => "DESCRIPTION",
            AttributeRole::Brand => "BRAND",
            AttributeRole::UniqueIdentifier => "UNIQUE_IDENTIFIER",
            AttributeRole::VariantGroupCode => "VARIANT_GROUP_CODE",
            AttributeRole::MainImage => "MAIN_IMAGE",
            AttributeRole::Other(other) => other,
        }
    }
}

/// A product attribute: a column of the product file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogAttribute {
    /// Attribute code (the column name in the product file).
    pub code: String,
    /// Label.
    pub label: String,
    /// Type.
    pub kind: AttributeKind,
    /// Requirement level.
    pub requirement: Requirement,
    /// The category it belongs to (it then applies to that category and every category
    /// below); `None` = shared by all categories.
    pub hierarchy: Option<String>,
    /// Whether it is a variation axis (size, colour).
    pub variant: bool,
    /// Its role, if any.
    pub role: Option<AttributeRole>,
}

impl CatalogAttribute {
    /// An optional attribute shared by all categories, without role.
    pub fn new(code: &str, label: &str, kind: AttributeKind) -> Self {
        CatalogAttribute {
            code: code.into(),
            label: label.into(),
            kind,
            requirement: Requirement::Optional,
            hierarchy: None,
            variant: false,
            role: None,
        }
    }

    /// With this requirement level.
    #[must_use]
    pub fn requirement(mut self, requirement: Requirement) -> Self {
        self.requirement = requirement;
        self
    }

    /// Required.
    #[must_use]
    pub fn required(self) -> Self {
        self.requirement(Requirement::Required)
    }

    /// Recommended.
    #[must_use]
    pub fn recommended(self) -> Self {
        self.requirement(Requirement::Recommended)
    }

    /// Belonging to one category (and the categories below it).
    #[must_use]
    pub fn in_hierarchy(mut self, code: &str) -> Self {
        self.hierarchy = Some(code.into());
        self
    }

    /// A variation axis.
    #[must_use]
    pub fn variant(mut self) -> Self {
        self.variant = true;
        self
    }

    /// With a role.
    #[must_use]
    pub fn role(mut self, role: AttributeRole) -> Self {
        self.role = Some(role);
        self
    }
}

/// A value list (VL11).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValueList {
    /// List code (a `LIST` attribute's type parameter).
    pub code: String,
    /// Label.
    pub label: String,
    /// The accepted values.
    pub values: Vec<ListValue>,
}

impl ValueList {
    /// A list from `(code, label)` pairs.
    pub fn new(code: &str, label: &str, values: &[(&str, &str)]) -> Self {
        ValueList {
            code: code.into(),
            label: label.into(),
            values: values
                .iter()
                .map(|(code, label)| ListValue {
                    code: (*code).into(),
                    label: (*label).into(),
                })
                .collect(),
        }
    }
}

/// One value of a [`ValueList`]. Product files must use the code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListValue {
    /// Value code.
    pub code: String,
    /// Label.
    pub label: String,
}

impl Default for OperatorCatalog {
    /// A fashion and home-goods marketplace: categories `10` Fashion (`1010` Womens Clothing,
    /// `1020` Mens Clothing, `1030` Shoes), `20` Home (`2010` Kitchen, `2020` Bedding, `2030`
    /// Bath), `30` Electronics (`3010` Audio), `90` Other (`9010` General merchandise); shared
    /// attributes `shop-sku`, `category`, `title` (required), `description`, `brand`, `ean`,
    /// `image-1` (recommended), `variant-group-code`, `image-2`, `material`, `weight-kg`;
    /// fashion requires `gender`, `colour` and `size` (from the value lists `genders`, `colours`
    /// and `sizes`, the last two variation axes); electronics requires `warranty-months`.
    fn default() -> Self {
        use AttributeKind as T;
        let hierarchies = vec![
            Category::root("10", "Fashion"),
            Category::child("1010", "Womens Clothing", "10"),
            Category::child("1020", "Mens Clothing", "10"),
            Category::child("1030", "Shoes", "10"),
            Category::root("20", "Home"),
            Category::child("2010", "Kitchen", "20"),
            Category::child("2020", "Bedding", "20"),
            Category::child("2030", "Bath", "20"),
            Category::root("30", "Electronics"),
            Category::child("3010", "Audio", "30"),
            Category::root("90", "Other"),
            Category::child("9010", "General merchandise", "90"),
        ];
        let attributes = vec![
            CatalogAttribute::new("shop-sku", "Shop SKU", T::Text)
                .required()
                .role(AttributeRole::ShopSku),
            CatalogAttribute::new("category", "Category", T::Text)
                .required()
                .role(AttributeRole::Category),
            CatalogAttribute::new("title", "Title", T::Text)
                .required()
                .role(AttributeRole::Title),
            CatalogAttribute::new("description", "Description", T::LongText)
                .recommended()
                .role(AttributeRole::Description),
            CatalogAttribute::new("brand", "Brand", T::Text)
                .recommended()
                .role(AttributeRole::Brand),
            CatalogAttribute::new("ean", "EAN", T::Text)
                .recommended()
                .role(AttributeRole::UniqueIdentifier),
            CatalogAttribute::new("variant-group-code", "Variant group code", T::Text)
                .role(AttributeRole::VariantGroupCode),
            CatalogAttribute::new("image-1", "Main image", T::Media)
                .recommended()
                .role(AttributeRole::MainImage),
            CatalogAttribute::new("image-2", "Second image", T::Media),
            CatalogAttribute::new("material", "Material", T::Text),
            CatalogAttribute::new("weight-kg", "Weight (kg)", T::Decimal),
            CatalogAttribute::new("gender", "Gender", T::List("genders".into()))
                .required()
                .in_hierarchy("10"),
            CatalogAttribute::new("colour", "Colour", T::List("colours".into()))
                .required()
                .variant()
                .in_hierarchy("10"),
            CatalogAttribute::new("size", "Size", T::List("sizes".into()))
                .required()
                .variant()
                .in_hierarchy("10"),
            CatalogAttribute::new("thread-count", "Thread count", T::Integer).in_hierarchy("2020"),
            CatalogAttribute::new("dishwasher-safe", "Dishwasher safe", T::Boolean)
                .in_hierarchy("2010"),
            CatalogAttribute::new("width-cm", "Width (cm)", T::Decimal).in_hierarchy("20"),
            CatalogAttribute::new("warranty-months", "Warranty (months)", T::Integer)
                .required()
                .in_hierarchy("30"),
            CatalogAttribute::new("release-date", "Release date", T::Date).in_hierarchy("3010"),
        ];
        let value_lists = vec![
            ValueList::new(
                "colours",
                "Colours",
                &[
                    ("BLACK", "Black"),
                    ("WHITE", "White"),
                    ("GREY", "Grey"),
                    ("RED", "Red"),
                    ("BLUE", "Blue"),
                    ("NAVY", "Navy"),
                    ("GREEN", "Green"),
                    ("PINK", "Pink"),
                    ("BEIGE", "Beige"),
                    ("BROWN", "Brown"),
                    ("MULTI", "Multicolour"),
                ],
            ),
            ValueList::new(
                "sizes",
                "Sizes",
                &[
                    ("XS", "XS"),
                    ("S", "S"),
                    ("M", "M"),
                    ("L", "L"),
                    ("XL", "XL"),
                    ("XXL", "XXL"),
                    ("AU6", "AU 6"),
                    ("AU7", "AU 7"),
                    ("AU8", "AU 8"),
                    ("AU9", "AU 9"),
                    ("AU10", "AU 10"),
                    ("AU11", "AU 11"),
                    ("AU12", "AU 12"),
                ],
            ),
            ValueList::new(
                "genders",
                "Genders",
                &[
                    ("WOMENS", "Womens"),
                    ("MENS", "Mens"),
                    ("UNISEX", "Unisex"),
                    ("GIRLS", "Girls"),
                    ("BOYS", "Boys"),
                ],
            ),
        ];
        OperatorCatalog {
            hierarchies,
            attributes,
            value_lists,
        }
    }
}

/// What an unknown hierarchy code in H11/PM11 answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct UnknownHierarchy(pub String);

impl fmt::Display for UnknownHierarchy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "The hierarchy with code {} was not found", self.0)
    }
}

/// The outcome of checking one product line.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct LineCheck {
    pub errors: Vec<String>,
    pub warnings: Vec<String>,
    /// The filled attributes that apply to the line's category, by code.
    pub values: BTreeMap<String, String>,
}

impl OperatorCatalog {
    /// A category by code.
    pub fn category(&self, code: &str) -> Option<&Category> {
        self.hierarchies.iter().find(|c| c.code == code)
    }

    /// The level of a category (roots are 1), `None` for an unknown code.
    pub fn level(&self, code: &str) -> Option<u32> {
        let mut level = 0;
        let mut current = self.category(code)?;
        loop {
            level += 1;
            // A parent that is missing, or a cycle, ends the walk.
            match current.parent.as_deref().and_then(|p| self.category(p)) {
                Some(parent) if level < 64 => current = parent,
                _ => return Some(level),
            }
        }
    }

    /// Whether a category exists and has no child (products go on leaves only).
    pub fn is_leaf(&self, code: &str) -> bool {
        self.category(code).is_some()
            && !self
                .hierarchies
                .iter()
                .any(|c| c.parent.as_deref() == Some(code))
    }

    /// The category and its ancestors, nearest first.
    pub fn lineage(&self, code: &str) -> Vec<&Category> {
        let mut out = Vec::new();
        let mut next = self.category(code);
        while let Some(c) = next {
            if out.iter().any(|seen: &&Category| seen.code == c.code) {
                break;
            }
            out.push(c);
            next = c.parent.as_deref().and_then(|p| self.category(p));
        }
        out
    }

    /// The attributes that apply to a product of `category`: shared ones and those of the
    /// category or an ancestor. With `None` (no usable category), the shared ones only.
    pub fn attributes_for(&self, category: Option<&str>) -> Vec<&CatalogAttribute> {
        let lineage: Vec<&str> = category
            .map(|c| {
                self.lineage(c)
                    .into_iter()
                    .map(|c| c.code.as_str())
                    .collect()
            })
            .unwrap_or_default();
        self.attributes
            .iter()
            .filter(|a| match &a.hierarchy {
                None => true,
                Some(h) => lineage.contains(&h.as_str()),
            })
            .collect()
    }

    /// A value list by code.
    pub fn value_list(&self, code: &str) -> Option<&ValueList> {
        self.value_lists.iter().find(|l| l.code == code)
    }

    /// The (first) attribute with a role.
    pub fn attribute_with_role(&self, role: &AttributeRole) -> Option<&CatalogAttribute> {
        self.attributes
            .iter()
            .find(|a| a.role.as_ref() == Some(role))
    }

    /// The column holding a role's value: the attribute code, or `fallback` when no
    /// attribute has the role.
    pub(crate) fn role_column(&self, role: &AttributeRole, fallback: &str) -> String {
        self.attribute_with_role(role)
            .map_or(fallback, |a| a.code.as_str())
            .to_ascii_lowercase()
    }

    /// Categories within `max_level` levels below `root` (and `root` with its ancestors), or
    /// from the top when `root` is `None`.
    fn hierarchy_slice(
        &self,
        root: Option<&str>,
        max_level: Option<u32>,
    ) -> Result<Vec<&Category>, UnknownHierarchy> {
        match root {
            None => Ok(self
                .hierarchies
                .iter()
                .filter(|c| max_level.is_none_or(|m| self.level(&c.code).unwrap_or(1) <= m))
                .collect()),
            Some(root) => {
                let base = self
                    .level(root)
                    .ok_or_else(|| UnknownHierarchy(root.to_owned()))?;
                Ok(self
                    .hierarchies
                    .iter()
                    .filter(|c| {
                        let lineage = self.lineage(&c.code);
                        if lineage.iter().any(|a| a.code == root) {
                            // The root itself or a descendant.
                            let depth = self.level(&c.code).unwrap_or(base) - base;
                            max_level.is_none_or(|m| depth <= m)
                        } else {
                            // An ancestor of the root.
                            self.lineage(root).iter().any(|a| a.code == c.code)
                        }
                    })
                    .collect())
            }
        }
    }

    /// H11 body.
    pub(crate) fn hierarchies_json(
        &self,
        root: Option<&str>,
        max_level: Option<u32>,
    ) -> Result<Value, UnknownHierarchy> {
        let list: Vec<Value> = self
            .hierarchy_slice(root, max_level)?
            .into_iter()
            .map(|c| {
                json!({
                    "code": c.code,
                    "label": c.label,
                    "label_translations": [{ "locale": "en", "value": c.label }],
                    "level": self.level(&c.code).unwrap_or(1),
                    "parent_code": c.parent.as_deref().unwrap_or(""),
                })
            })
            .collect();
        Ok(json!({ "hierarchies": list }))
    }

    /// PM11 body: every attribute, or those of `hierarchy` (its parents and children down to
    /// `max_level` levels) plus the shared ones; `with_roles` keeps only attributes with a
    /// role.
    pub(crate) fn attributes_json(
        &self,
        hierarchy: Option<&str>,
        max_level: Option<u32>,
        with_roles: bool,
    ) -> Result<Value, UnknownHierarchy> {
        let scope: Option<Vec<&str>> = match (hierarchy, max_level) {
            (None, None) => None,
            (root, max) => Some(
                self.hierarchy_slice(root, max)?
                    .into_iter()
                    .map(|c| c.code.as_str())
                    .collect(),
            ),
        };
        let list: Vec<Value> = self
            .attributes
            .iter()
            .filter(|a| match (&scope, &a.hierarchy) {
                (None, _) | (_, None) => true,
                (Some(codes), Some(h)) => codes.contains(&h.as_str()),
            })
            .filter(|a| !with_roles || a.role.is_some())
            .map(attribute_json)
            .collect();
        Ok(json!({ "attributes": list }))
    }

    /// VL11 body.
    pub(crate) fn value_lists_json(&self, code: Option<&str>) -> Value {
        let list: Vec<Value> = self
            .value_lists
            .iter()
            .filter(|l| code.is_none_or(|c| c == l.code))
            .map(|l| {
                json!({
                    "code": l.code,
                    "label": l.label,
                    "label_translations": [{ "locale": "en", "value": l.label }],
                    "values": l.values.iter().map(|v| json!({
                        "code": v.code,
                        "label": v.label,
                        "label_translations": [{ "locale": "en", "value": v.label }],
                    })).collect::<Vec<_>>(),
                })
            })
            .collect();
        json!({ "values_lists": list })
    }

    /// Checks one product line (`column → value`, columns in lower case).
    pub(crate) fn check_line(&self, row: &HashMap<String, String>) -> LineCheck {
        let get = |code: &str| {
            row.get(&code.to_ascii_lowercase())
                .map(|v| v.trim())
                .filter(|v| !v.is_empty())
        };
        let mut check = LineCheck::default();
        let category_column = self.role_column(&AttributeRole::Category, "category");
        let category = match get(&category_column) {
            None => None,
            Some(code) if self.is_leaf(code) => Some(code),
            Some(code) if self.category(code).is_some() => {
                check.errors.push(format!(
                    "1001|Category unknown: '{code}' is not a leaf category; products go on leaf categories only"
                ));
                None
            }
            Some(code) => {
                check.errors.push(format!(
                    "1001|Category unknown: '{code}' is not a category of the operator catalog"
                ));
                None
            }
        };
        for attribute in self.attributes_for(category) {
            let code = attribute.code.as_str();
            let Some(value) = get(code) else {
                match attribute.requirement {
                    Requirement::Required => check.errors.push(format!(
                        "2000|The attribute '{code}' ({}) is required",
                        attribute.label
                    )),
                    Requirement::Recommended => check.warnings.push(format!(
                        "2001|The attribute '{code}' ({}) is recommended",
                        attribute.label
                    )),
                    _ => {}
                }
                continue;
            };
            if attribute.requirement == Requirement::Disabled {
                check.warnings.push(format!(
                    "2002|The attribute '{code}' is disabled; its value was ignored"
                ));
                continue;
            }
            match self.check_value(attribute, value) {
                Ok(()) => {
                    check
                        .values
                        .insert(code.to_ascii_lowercase(), value.to_owned());
                }
                Err(message) => check.errors.push(message),
            }
        }
        check
    }

    fn check_value(&self, attribute: &CatalogAttribute, value: &str) -> Result<(), String> {
        let code = &attribute.code;
        let wrong_type = |what: &str| {
            format!("2010|The value '{value}' of the attribute '{code}' is not a valid {what}")
        };
        match &attribute.kind {
            AttributeKind::Integer => value
                .parse::<i64>()
                .map(drop)
                .map_err(|_| wrong_type("integer")),
            AttributeKind::Decimal => {
                if value.contains(',') {
                    return Err(wrong_type("decimal (use '.' as decimal separator)"));
                }
                value
                    .parse::<rust_decimal::Decimal>()
                    .map(drop)
                    .map_err(|_| wrong_type("decimal"))
            }
            AttributeKind::Boolean => match value {
                "true" | "false" => Ok(()),
                _ => Err(wrong_type("boolean (true or false)")),
            },
            AttributeKind::Date => {
                let format = time::macros::format_description!("[year]-[month]-[day]");
                time::Date::parse(value, &format)
                    .map(drop)
                    .map_err(|_| wrong_type(&format!("date ({DATE_FORMAT})")))
            }
            AttributeKind::Media => match url::Url::parse(value) {
                Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => Ok(()),
                _ => Err(format!(
                    "2020|The media '{value}' of the attribute '{code}' is not a valid URL (absolute http or https URL expected)"
                )),
            },
            AttributeKind::List(list) => self.check_list(code, list, value),
            AttributeKind::ListMultiple(list) => value
                .split('|')
                .map(str::trim)
                .try_for_each(|one| self.check_list(code, list, one)),
            AttributeKind::Text | AttributeKind::LongText | AttributeKind::Other(_) => {
                if attribute.role == Some(AttributeRole::UniqueIdentifier) && !is_gtin(value) {
                    Err(format!(
                        "3000|The product identifier '{value}' of the attribute '{code}' is not a valid GTIN (8, 12, 13 or 14 digits with a valid check digit)"
                    ))
                } else {
                    Ok(())
                }
            }
        }
    }
}

impl OperatorCatalog {
    fn check_list(&self, code: &str, list: &str, value: &str) -> Result<(), String> {
        match self.value_list(list) {
            Some(l) if l.values.iter().any(|v| v.code == value) => Ok(()),
            Some(_) => Err(format!(
                "2030|The value '{value}' of the attribute '{code}' is not in the value list '{list}'"
            )),
            None => Err(format!(
                "2031|The value list '{list}' of the attribute '{code}' does not exist"
            )),
        }
    }
}

fn attribute_json(a: &CatalogAttribute) -> Value {
    json!({
        "channels": [],
        "code": a.code,
        "default_value": null,
        "description": a.label,
        "description_translations": [{ "locale": "en", "value": a.label }],
        "example": null,
        "hierarchy_code": a.hierarchy.as_deref().unwrap_or(""),
        "label": a.label,
        "label_translations": [{ "locale": "en", "value": a.label }],
        "required": a.requirement == Requirement::Required,
        "requirement_level": a.requirement.as_str(),
        "roles": a.role.iter().map(|r| json!({ "type": r.as_str(), "parameters": [] })).collect::<Vec<_>>(),
        "type": a.kind.as_str(),
        "type_parameter": a.kind.parameter(),
        "type_parameters": match &a.kind {
            AttributeKind::Date => json!([{ "name": "PATTERN", "value": DATE_FORMAT }]),
            _ => json!([]),
        },
        "validations": null,
        "variant": a.variant,
    })
}

/// A GTIN-8/12/13/14 with a valid GS1 check digit.
pub(crate) fn is_gtin(text: &str) -> bool {
    let digits: Vec<u32> = text.chars().filter_map(|c| c.to_digit(10)).collect();
    if digits.len() != text.len() || ![8, 12, 13, 14].contains(&digits.len()) {
        return false;
    }
    let (body, check) = digits.split_at(digits.len() - 1);
    let sum: u32 = body
        .iter()
        .rev()
        .enumerate()
        .map(|(i, d)| if i % 2 == 0 { d * 3 } else { *d })
        .sum();
    (10 - sum % 10) % 10 == check[0]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn levels_leaves_and_lineage() {
        let c = OperatorCatalog::default();
        assert_eq!(c.level("10"), Some(1));
        assert_eq!(c.level("1010"), Some(2));
        assert_eq!(c.level("nope"), None);
        assert!(c.is_leaf("1010"));
        assert!(!c.is_leaf("10"));
        let lineage: Vec<&str> = c.lineage("1030").iter().map(|c| c.code.as_str()).collect();
        assert_eq!(lineage, ["1030", "10"]);
    }

    #[test]
    fn hierarchy_slices_follow_root_and_max_level() {
        let c = OperatorCatalog::default();
        let top = c.hierarchies_json(None, Some(1)).expect("known");
        let codes: Vec<&str> = top["hierarchies"]
            .as_array()
            .expect("list")
            .iter()
            .map(|h| h["code"].as_str().expect("code"))
            .collect();
        assert_eq!(codes, ["10", "20", "30", "90"]);
        let leaf = c.hierarchies_json(Some("2020"), None).expect("known");
        assert_eq!(leaf["hierarchies"].as_array().map(Vec::len), Some(2));
        let only_root = c.hierarchies_json(Some("20"), Some(0)).expect("known");
        assert_eq!(only_root["hierarchies"].as_array().map(Vec::len), Some(1));
        assert!(c.hierarchies_json(Some("nope"), None).is_err());
    }

    #[test]
    fn attributes_of_a_category_include_shared_and_inherited_ones() {
        let c = OperatorCatalog::default();
        let codes: Vec<&str> = c
            .attributes_for(Some("1030"))
            .iter()
            .map(|a| a.code.as_str())
            .collect();
        assert!(codes.contains(&"size") && codes.contains(&"gender"));
        assert!(!codes.contains(&"thread-count") && !codes.contains(&"warranty-months"));
        let pm11 = c.attributes_json(Some("3010"), None, false).expect("known");
        let served: Vec<&str> = pm11["attributes"]
            .as_array()
            .expect("list")
            .iter()
            .map(|a| a["code"].as_str().expect("code"))
            .collect();
        assert!(served.contains(&"warranty-months") && served.contains(&"release-date"));
        assert!(!served.contains(&"gender"));
        let codes = |v: Value| -> Vec<String> {
            v["attributes"]
                .as_array()
                .expect("list")
                .iter()
                .map(|a| a["code"].as_str().expect("code").to_owned())
                .collect()
        };
        let top = codes(c.attributes_json(None, Some(1), false).expect("known"));
        assert!(top.iter().any(|a| a == "width-cm") && top.iter().any(|a| a == "title"));
        assert!(!top.iter().any(|a| a == "thread-count"), "{top:?}");
        let with_roles = codes(c.attributes_json(None, None, true).expect("known"));
        assert!(with_roles.iter().any(|a| a == "shop-sku"));
        assert!(!with_roles.iter().any(|a| a == "material"));
        assert!(c.attributes_json(Some("nope"), None, false).is_err());
    }

    #[test]
    fn a_complete_line_passes_and_each_mistake_is_named() {
        let c = OperatorCatalog::default();
        let good = row(&[
            ("shop-sku", "TEE-1"),
            ("category", "1010"),
            ("title", "Tee"),
            ("gender", "WOMENS"),
            ("colour", "BLACK"),
            ("size", "M"),
            ("ean", "9300000000019"),
        ]);
        let check = c.check_line(&good);
        assert!(check.errors.is_empty(), "{:?}", check.errors);
        assert_eq!(
            check.warnings.len(),
            3,
            "description, brand, image-1 recommended"
        );
        let bad = row(&[
            ("shop-sku", "TEE-2"),
            ("category", "1010"),
            ("title", "Tee"),
            ("gender", "Womens"),
            ("colour", "BLACK"),
            ("weight-kg", "1,5"),
            ("image-1", "/img/tee.jpg"),
            ("ean", "9300000000012"),
        ]);
        let errors = c.check_line(&bad).errors.join("\n");
        assert!(errors.contains("'Womens'") && errors.contains("value list 'genders'"));
        assert!(errors.contains("'size'") && errors.contains("required"));
        assert!(errors.contains("'weight-kg'") && errors.contains("decimal"));
        assert!(errors.contains("media '/img/tee.jpg'"));
        assert!(errors.contains("not a valid GTIN"));
    }

    #[test]
    fn dates_booleans_multiple_values_and_disabled_attributes() {
        let c = OperatorCatalog {
            hierarchies: vec![Category::root("ALL", "All")],
            attributes: vec![
                CatalogAttribute::new("sku", "SKU", AttributeKind::Text)
                    .required()
                    .role(AttributeRole::ShopSku),
                CatalogAttribute::new("cat", "Category", AttributeKind::Text)
                    .role(AttributeRole::Category),
                CatalogAttribute::new("launch", "Launch", AttributeKind::Date),
                CatalogAttribute::new("vegan", "Vegan", AttributeKind::Boolean),
                CatalogAttribute::new("tags", "Tags", AttributeKind::ListMultiple("tags".into())),
                CatalogAttribute::new("legacy", "Legacy", AttributeKind::Text)
                    .requirement(Requirement::Disabled),
            ],
            value_lists: vec![ValueList::new("tags", "Tags", &[("A", "A"), ("B", "B")])],
        };
        let good = c.check_line(&row(&[
            ("sku", "X"),
            ("cat", "ALL"),
            ("launch", "2024-02-29"),
            ("vegan", "true"),
            ("tags", "A|B"),
            ("legacy", "old"),
        ]));
        assert!(good.errors.is_empty(), "{:?}", good.errors);
        assert_eq!(good.warnings.len(), 1, "{:?}", good.warnings);
        assert!(good.warnings[0].contains("'legacy' is disabled"));
        assert!(!good.values.contains_key("legacy"));
        let bad = c
            .check_line(&row(&[
                ("sku", "Y"),
                ("cat", "ALL"),
                ("launch", "2023-02-29"),
                ("vegan", "yes"),
                ("tags", "A|C"),
            ]))
            .errors
            .join("\n");
        assert!(bad.contains("'2023-02-29' of the attribute 'launch' is not a valid date"));
        assert!(bad.contains("'yes' of the attribute 'vegan' is not a valid boolean"));
        assert!(bad.contains("'C' of the attribute 'tags' is not in the value list 'tags'"));
        assert_eq!(
            AttributeKind::ListMultiple("tags".into()).as_str(),
            "LIST_MULTIPLE_VALUES"
        );
    }

    #[test]
    fn gtin_check_digit() {
        assert!(is_gtin("9300000000019"));
        assert!(is_gtin("4006381333931"));
        assert!(!is_gtin("4006381333932"));
        assert!(!is_gtin("12345"));
        assert!(!is_gtin("40063813339x1"));
    }

    #[test]
    fn wire_names_keep_unknown_values() {
        assert_eq!(AttributeKind::Other("MULTIPLE".into()).as_str(), "MULTIPLE");
        assert_eq!(AttributeKind::List("sizes".into()).parameter(), "sizes");
        assert_eq!(Requirement::Other("HIDDEN".into()).as_str(), "HIDDEN");
        assert_eq!(AttributeRole::Other("SEO".into()).as_str(), "SEO");
        assert_eq!(AttributeRole::ShopSku.as_str(), "SHOP_SKU");
    }
}
