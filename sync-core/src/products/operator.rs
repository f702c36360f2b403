//! The operator's catalog structure (H11 hierarchies, PM11 attributes, VL11 value lists),
//! indexed for mapping and validation.

use crate::rules::ProductRules;
use mirakl_api::products::{Attribute, Hierarchy, ValueList};
use std::collections::{BTreeMap, BTreeSet};

/// PM11 attribute `type`: the model lives in `mirakl-api` (one home across the workspace).
pub use mirakl_api::products::AttributeType;

/// PM11 `requirement_level`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RequirementLevel {
    /// `REQUIRED`: a row without a value is rejected.
    Required,
    /// `RECOMMENDED`.
    Recommended,
    /// `OPTIONAL`.
    Optional,
    /// `DISABLED`.
    Disabled,
    /// Any other level, kept as sent (treated as optional).
    Other(String),
}

impl RequirementLevel {
    /// Parses PM11 `requirement_level` (case-insensitive); absent means optional.
    pub fn parse(s: Option<&str>) -> RequirementLevel {
        let Some(s) = s else {
            return RequirementLevel::Optional;
        };
        match s.trim().to_ascii_uppercase().as_str() {
            "REQUIRED" => RequirementLevel::Required,
            "RECOMMENDED" => RequirementLevel::Recommended,
            "OPTIONAL" | "" => RequirementLevel::Optional,
            "DISABLED" => RequirementLevel::Disabled,
            _ => RequirementLevel::Other(s.to_owned()),
        }
    }
}

/// A category of the operator's hierarchy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CategoryNode {
    /// Code.
    pub code: String,
    /// Label.
    pub label: Option<String>,
    /// Parent code (`None` for a root).
    pub parent: Option<String>,
    /// Codes of the direct children, sorted.
    pub children: BTreeSet<String>,
}

impl CategoryNode {
    /// Whether products can be filed here without a more specific category.
    pub fn is_leaf(&self) -> bool {
        self.children.is_empty()
    }
}

/// One PM11 attribute, with its type and requirement parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OperatorAttribute {
    /// Code (the P41 column).
    pub code: String,
    /// Label.
    pub label: Option<String>,
    /// Category it belongs to; `None` when shared by all categories.
    pub hierarchy: Option<String>,
    /// Type.
    pub kind: AttributeType,
    /// Value list code for list types (`type_parameter`).
    pub value_list: Option<String>,
    /// Requirement level.
    pub requirement: RequirementLevel,
    /// Whether it is a variant axis.
    pub variant: bool,
    /// `MIN_LENGTH|n` from `validations`.
    pub min_length: Option<usize>,
    /// `MAX_LENGTH|n` from `validations`.
    pub max_length: Option<usize>,
    /// Role types (`roles[].type`), e.g. `SHOP_SKU`, `CATEGORY`, `VARIANT_GROUP_CODE`,
    /// `UNIQUE_IDENTIFIER`, `TITLE`.
    pub roles: Vec<String>,
}

impl OperatorAttribute {
    /// Whether the attribute has role `role` (case-insensitive).
    pub fn has_role(&self, role: &str) -> bool {
        self.roles.iter().any(|r| r.eq_ignore_ascii_case(role))
    }
}

/// PM11 role of the shop SKU column.
pub const ROLE_SHOP_SKU: &str = "SHOP_SKU";
/// PM11 role of the category column.
pub const ROLE_CATEGORY: &str = "CATEGORY";
/// PM11 role of the variant group code column.
pub const ROLE_VARIANT_GROUP_CODE: &str = "VARIANT_GROUP_CODE";
/// PM11 role of product identifier columns (GTIN/EAN), checked for a valid GS1 check digit.
pub const ROLE_UNIQUE_IDENTIFIER: &str = "UNIQUE_IDENTIFIER";

fn role_types(roles: &[serde_json::Value]) -> Vec<String> {
    roles
        .iter()
        .filter_map(|r| match r {
            serde_json::Value::String(s) => Some(s.clone()),
            serde_json::Value::Object(o) => {
                o.get("type").and_then(|t| t.as_str()).map(str::to_owned)
            }
            _ => None,
        })
        .collect()
}

/// One value of a value list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListEntry {
    /// The code sent in the file.
    pub code: String,
    /// Label and translated labels, matched like the code.
    pub labels: Vec<String>,
}

/// The operator's catalog structure, indexed. Build it with [`OperatorCatalog::new`] from the
/// H11, PM11 and VL11 responses.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct OperatorCatalog {
    /// Categories by code.
    pub categories: BTreeMap<String, CategoryNode>,
    /// Attributes, sorted by code then category.
    pub attributes: Vec<OperatorAttribute>,
    /// Value lists by code.
    pub value_lists: BTreeMap<String, Vec<ListEntry>>,
}

fn length_rule(validations: Option<&str>, name: &str) -> Option<usize> {
    validations?.split(',').find_map(|v| {
        let (k, n) = v.trim().split_once('|')?;
        k.trim()
            .eq_ignore_ascii_case(name)
            .then(|| n.trim().parse().ok())
            .flatten()
    })
}

fn fold(s: &str) -> String {
    s.trim().to_lowercase()
}

fn blank(s: Option<&str>) -> Option<String> {
    s.map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

impl OperatorCatalog {
    /// Indexes H11 hierarchies, PM11 attributes and VL11 value lists. Empty `parent_code`s mean
    /// a root; children are derived from the parents.
    pub fn new(
        hierarchies: &[Hierarchy],
        attributes: &[Attribute],
        value_lists: &[ValueList],
    ) -> Self {
        let mut categories: BTreeMap<String, CategoryNode> = hierarchies
            .iter()
            .map(|h| {
                (
                    h.code.clone(),
                    CategoryNode {
                        code: h.code.clone(),
                        label: h.label.clone(),
                        parent: blank(h.parent_code.as_deref()),
                        children: BTreeSet::new(),
                    },
                )
            })
            .collect();
        let links: Vec<(String, String)> = categories
            .values()
            .filter_map(|c| c.parent.clone().map(|p| (p, c.code.clone())))
            .collect();
        for (parent, child) in links {
            if let Some(p) = categories.get_mut(&parent) {
                p.children.insert(child);
            }
        }
        let mut attrs: Vec<OperatorAttribute> = attributes
            .iter()
            .map(|a| {
                let kind = AttributeType::parse(a.attribute_type.as_deref().unwrap_or("TEXT"));
                OperatorAttribute {
                    code: a.code.clone(),
                    label: a.label.clone(),
                    hierarchy: blank(a.hierarchy_code.as_deref()),
                    value_list: if kind.is_list() {
                        blank(a.type_parameter.as_deref())
                    } else {
                        None
                    },
                    kind,
                    requirement: RequirementLevel::parse(a.requirement_level.as_deref()),
                    variant: a.variant.unwrap_or(false),
                    min_length: length_rule(a.validations.as_deref(), "MIN_LENGTH"),
                    max_length: length_rule(a.validations.as_deref(), "MAX_LENGTH"),
                    roles: role_types(&a.roles),
                }
            })
            .collect();
        attrs.sort_by(|a, b| (&a.code, &a.hierarchy).cmp(&(&b.code, &b.hierarchy)));
        let value_lists = value_lists
            .iter()
            .map(|l| {
                let entries = l
                    .values
                    .iter()
                    .map(|v| {
                        let mut labels: Vec<String> = v.label.iter().cloned().collect();
                        labels.extend(v.label_translations.iter().filter_map(|t| t.value.clone()));
                        labels.dedup();
                        ListEntry {
                            code: v.code.clone(),
                            labels,
                        }
                    })
                    .collect();
                (l.code.clone(), entries)
            })
            .collect();
        OperatorCatalog {
            categories,
            attributes: attrs,
            value_lists,
        }
    }

    /// The code of the attribute carrying `role` (e.g. [`ROLE_SHOP_SKU`]); an attribute shared
    /// by all categories is preferred, then the first by code.
    pub fn role_column(&self, role: &str) -> Option<&str> {
        let with: Vec<&OperatorAttribute> = self
            .attributes
            .iter()
            .filter(|a| a.has_role(role))
            .collect();
        with.iter()
            .find(|a| a.hierarchy.is_none())
            .or(with.first())
            .map(|a| a.code.as_str())
    }

    /// The category `code` and its ancestors, nearest first (stops on a cycle or an unknown
    /// parent). Empty when `code` is unknown.
    pub fn lineage(&self, code: &str) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        let mut cur = self.categories.get(code);
        while let Some(c) = cur {
            if out.contains(&c.code.as_str()) {
                break;
            }
            out.push(c.code.as_str());
            cur = c.parent.as_deref().and_then(|p| self.categories.get(p));
        }
        out
    }

    /// The attributes that apply to products of category `code`: those shared by all
    /// categories, those of the category and those of its ancestors. When one code is defined
    /// at several levels the most specific wins.
    pub fn attributes_for(&self, code: &str) -> BTreeMap<&str, &OperatorAttribute> {
        let lineage = self.lineage(code);
        let rank = |a: &OperatorAttribute| match &a.hierarchy {
            None => Some(usize::MAX),
            Some(h) => lineage.iter().position(|c| c == h),
        };
        let mut out: BTreeMap<&str, (usize, &OperatorAttribute)> = BTreeMap::new();
        for a in &self.attributes {
            let Some(r) = rank(a) else { continue };
            match out.get(a.code.as_str()) {
                Some((best, _)) if *best <= r => {}
                _ => {
                    out.insert(a.code.as_str(), (r, a));
                }
            }
        }
        out.into_iter().map(|(k, (_, a))| (k, a)).collect()
    }

    /// Resolves a value against value list `list`: exact code, then exact label, then (when
    /// `case_insensitive`) code or label ignoring case and surrounding spaces. Returns the
    /// code to send, or `None` when nothing matches or the list is unknown.
    pub fn match_value(&self, list: &str, value: &str, case_insensitive: bool) -> Option<&str> {
        let entries = self.value_lists.get(list)?;
        if let Some(e) = entries.iter().find(|e| e.code == value) {
            return Some(&e.code);
        }
        if let Some(e) = entries.iter().find(|e| e.labels.iter().any(|l| l == value)) {
            return Some(&e.code);
        }
        if !case_insensitive {
            return None;
        }
        let v = fold(value);
        entries
            .iter()
            .find(|e| fold(&e.code) == v)
            .or_else(|| {
                entries
                    .iter()
                    .find(|e| e.labels.iter().any(|l| fold(l) == v))
            })
            .map(|e| e.code.as_str())
    }
}

impl ProductRules {
    /// A copy whose SKU, category and variant group columns are the operator's attributes with
    /// the roles `SHOP_SKU`, `CATEGORY` and `VARIANT_GROUP_CODE` (PM11 `roles`), where it
    /// declares them; other columns stay as configured.
    pub fn with_role_columns(&self, operator: &OperatorCatalog) -> ProductRules {
        let mut out = self.clone();
        let set = |field: &mut String, role: &str| {
            if let Some(code) = operator.role_column(role) {
                *field = code.to_owned();
            }
        };
        set(&mut out.sku_column, ROLE_SHOP_SKU);
        set(&mut out.category_column, ROLE_CATEGORY);
        set(&mut out.variant_group_column, ROLE_VARIANT_GROUP_CODE);
        out
    }
}
