//! Validation of product rows against the operator's H11/PM11/VL11 data, before upload.

use super::ProductRow;
use super::operator::{
    AttributeType, OperatorAttribute, OperatorCatalog, ROLE_UNIQUE_IDENTIFIER, RequirementLevel,
};
use super::problems::{ProductProblem, ProductProblemReason};
use crate::rules::ProductRules;
use rust_decimal::Decimal;
use std::collections::BTreeMap;
use std::str::FromStr;
use time::macros::format_description;

fn is_url(v: &str) -> bool {
    let rest = v
        .strip_prefix("https://")
        .or_else(|| v.strip_prefix("http://"));
    rest.is_some_and(|r| {
        let host = r.split(['/', '?', '#']).next().unwrap_or_default();
        !host.is_empty() && !r.chars().any(char::is_whitespace)
    })
}

/// `YYYY-MM-DD`, Mirakl's default `DATE` pattern.
fn is_date(v: &str) -> bool {
    time::Date::parse(v, format_description!("[year]-[month]-[day]")).is_ok()
}

/// A GTIN-8, -12 (UPC), -13 (EAN) or -14 whose last digit is the GS1 check digit: digits are
/// weighted 3, 1, 3, … from the right (check digit excluded) and the check digit brings the
/// sum to a multiple of ten.
pub fn is_gtin(value: &str) -> bool {
    if !matches!(value.len(), 8 | 12 | 13 | 14) || !value.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    let digits: Vec<u32> = value.bytes().map(|b| u32::from(b - b'0')).collect();
    let (check, body) = digits.split_last().unwrap_or((&0, &[]));
    let weighted: u32 = body
        .iter()
        .rev()
        .zip([3u32, 1].into_iter().cycle())
        .map(|(d, w)| d * w)
        .sum();
    (10 - weighted % 10) % 10 == *check
}

/// Whether `value` has the attribute's scalar type (list membership is checked separately).
fn type_ok(kind: &AttributeType, value: &str) -> bool {
    match kind {
        AttributeType::Integer => value.parse::<i64>().is_ok(),
        AttributeType::Decimal | AttributeType::Numeric => Decimal::from_str(value).is_ok(),
        AttributeType::Date => is_date(value),
        AttributeType::Media | AttributeType::Link => is_url(value),
        AttributeType::Boolean => matches!(value, "true" | "false"),
        _ => true,
    }
}

fn check_value(
    attr: &OperatorAttribute,
    value: &str,
    operator: &OperatorCatalog,
    rules: &ProductRules,
) -> Vec<ProductProblemReason> {
    let mut out = Vec::new();
    if attr.has_role(ROLE_UNIQUE_IDENTIFIER) && !is_gtin(value) {
        out.push(ProductProblemReason::InvalidGtin {
            value: value.to_owned(),
        });
    }
    if !type_ok(&attr.kind, value) {
        out.push(ProductProblemReason::InvalidType {
            value: value.to_owned(),
            expected: attr.kind.clone(),
        });
    }
    let length = value.chars().count();
    if let Some(min) = attr.min_length.filter(|m| length < *m) {
        out.push(ProductProblemReason::TooShort { length, min });
    }
    if let Some(max) = attr.max_length.filter(|m| length > *m) {
        out.push(ProductProblemReason::TooLong { length, max });
    }
    if attr.kind.is_list() {
        match attr
            .value_list
            .as_ref()
            .and_then(|l| operator.value_lists.get(l).map(|e| (l, e)))
        {
            None => out.push(ProductProblemReason::UnknownValueList {
                list: attr.value_list.clone().unwrap_or_default(),
            }),
            Some((list, entries)) => {
                let parts: Vec<&str> = if attr.kind == AttributeType::ListMultipleValues {
                    value
                        .split(rules.multi_value_separator.as_str())
                        .map(str::trim)
                        .collect()
                } else {
                    vec![value]
                };
                for part in parts {
                    if !entries.iter().any(|e| e.code == part) {
                        out.push(ProductProblemReason::NotInList {
                            value: part.to_owned(),
                            list: list.clone(),
                        });
                    }
                }
            }
        }
    }
    out
}

/// Checks one row against the operator's catalog: the category is known (and a leaf when
/// [`ProductRules::require_leaf_category`]); every required attribute of the category (shared,
/// the category's own, its ancestors') has a value; every value has its attribute's type
/// (integer, decimal, date, media/link URL, boolean), respects `MIN_LENGTH`/`MAX_LENGTH`, and
/// for list attributes is a code of the value list. Columns the operator does not define and
/// missing recommended attributes are reported as non-blocking warnings.
pub fn validate(
    row: &ProductRow,
    operator: &OperatorCatalog,
    rules: &ProductRules,
) -> Vec<ProductProblem> {
    validate_in(
        row,
        &operator.attributes_for(&row.category),
        operator,
        rules,
    )
}

/// [`validate`] with the category's attributes already looked up.
pub(crate) fn validate_in(
    row: &ProductRow,
    attrs: &BTreeMap<&str, &OperatorAttribute>,
    operator: &OperatorCatalog,
    rules: &ProductRules,
) -> Vec<ProductProblem> {
    let problem = |attribute: Option<&str>, reason| ProductProblem {
        sku: Some(row.sku.clone()),
        source: row.source,
        attribute: attribute.map(str::to_owned),
        reason,
    };
    let Some(node) = operator.categories.get(&row.category) else {
        return vec![problem(
            None,
            ProductProblemReason::UnknownCategory {
                code: row.category.clone(),
            },
        )];
    };
    let mut out = Vec::new();
    if rules.require_leaf_category && !node.is_leaf() {
        out.push(problem(
            None,
            ProductProblemReason::NotALeaf {
                code: row.category.clone(),
            },
        ));
    }
    for (code, attr) in attrs {
        let value = row
            .values
            .get(*code)
            .map(|v| v.trim())
            .filter(|v| !v.is_empty());
        match value {
            None => match attr.requirement {
                RequirementLevel::Required => {
                    out.push(problem(Some(code), ProductProblemReason::MissingRequired));
                }
                RequirementLevel::Recommended => {
                    out.push(problem(
                        Some(code),
                        ProductProblemReason::MissingRecommended,
                    ));
                }
                _ => {}
            },
            Some(_) if attr.requirement == RequirementLevel::Disabled => {
                out.push(problem(Some(code), ProductProblemReason::DisabledAttribute));
            }
            Some(v) => {
                for reason in check_value(attr, v, operator, rules) {
                    out.push(problem(Some(code), reason));
                }
            }
        }
    }
    let keys = rules.key_columns();
    for code in row.values.keys() {
        if !attrs.contains_key(code.as_str()) && !keys.contains(&code.as_str()) {
            out.push(problem(Some(code), ProductProblemReason::UnknownAttribute));
        }
    }
    out
}
