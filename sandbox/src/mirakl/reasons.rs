//! The operator's reason list (RE01 `GET /api/reasons`): cancelation, refund, incident and
//! messaging reasons, sorted by type then position, each saying whether shops may use it
//! (`is_shop_right`). Shape from the seller OpenAPI
//! (`../shared/specs/mirakl/mirakl-mmp-seller-openapi.json`, RE01 and its example).

use serde_json::{Value, json};

/// One reason of the operator's list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reason {
    /// Reason code (what OR28/OR30 `reason_code` carries).
    pub code: String,
    /// Label.
    pub label: String,
    /// RE01 `type` (`CANCELATION`, `REFUND`, `INCIDENT_OPEN`, …).
    pub kind: String,
    /// Whether shops may use it (`is_shop_right`).
    pub shop_right: bool,
}

impl Reason {
    /// A reason of type `kind`.
    pub fn new(code: &str, label: &str, kind: &str, shop_right: bool) -> Self {
        Reason {
            code: code.to_owned(),
            label: label.to_owned(),
            kind: kind.to_owned(),
            shop_right,
        }
    }
}

/// The sandbox operator's default reasons: the spec example's, plus the refund reason `13`
/// (the connector's default refund reason), the seller's out-of-stock cancelation `42` and
/// the damaged-item incident `14`.
pub fn default_reasons() -> Vec<Reason> {
    vec![
        Reason::new(
            "34",
            "Cancelled by the client prior to shipping",
            "CANCELATION",
            true,
        ),
        Reason::new("42", "Out of stock at the seller", "CANCELATION", true),
        Reason::new("1", "Item not received", "INCIDENT_OPEN", false),
        Reason::new("14", "Item damaged on arrival", "INCIDENT_OPEN", false),
        Reason::new("10", "Replacement item received", "INCIDENT_CLOSE", false),
        Reason::new("26", "Other question", "ORDER_MESSAGING", true),
        Reason::new("33", "Other question", "OFFER_MESSAGING", true),
        Reason::new("13", "Refund requested by the seller", "REFUND", true),
        Reason::new("15", "Out of stock", "REFUND", true),
    ]
}

/// The RE01 answer for `reasons`.
pub(crate) fn re01_json(reasons: &[Reason]) -> Value {
    json!({
        "reasons": reasons.iter().map(|r| json!({
            "code": r.code,
            "is_shop_right": r.shop_right,
            "label": r.label,
            "type": r.kind,
        })).collect::<Vec<_>>(),
        "total_count": reasons.len(),
    })
}
