//! Carriers (SH21) and logistic classes (SH31).

use bc_mirakl_api_core::de::null_as_default;
use serde::Deserialize;

/// Response of SH21.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct CarrierList {
    /// The carriers.
    #[serde(default, deserialize_with = "null_as_default")]
    pub carriers: Vec<Carrier>,
}

/// A carrier registered on the operator (SH21). Send its `code` in OR23.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Carrier {
    /// Carrier code.
    pub code: String,
    /// Label.
    #[serde(default)]
    pub label: Option<String>,
    /// Standard code.
    #[serde(default)]
    pub standard_code: Option<String>,
    /// Tracking URL template with `{trackingId}`.
    #[serde(default)]
    pub tracking_url: Option<String>,
}

impl Carrier {
    /// The tracking URL for `tracking_number`, from the template.
    pub fn tracking_url_for(&self, tracking_number: &str) -> Option<String> {
        self.tracking_url
            .as_deref()
            .map(|t| t.replace("{trackingId}", tracking_number))
    }
}

/// Response of SH31.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct LogisticClassList {
    /// The classes.
    #[serde(default, deserialize_with = "null_as_default")]
    pub logistic_classes: Vec<LogisticClass>,
}

/// A logistic class (SH31); offers reference its `code`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct LogisticClass {
    /// Code.
    pub code: String,
    /// Label.
    #[serde(default)]
    pub label: Option<String>,
    /// Description.
    #[serde(default)]
    pub description: Option<String>,
}

// @generated operations begin (scripts/gen_ops.py)
/// PL11 - List picklists.
pub mod pl11;
/// SH11 - List all active shipping zones.
pub mod sh11;
/// SH12 - List all active shipping methods.
pub mod sh12;
/// SH42 - Get shop shipping configuration.
pub mod sh42;
/// SH52 - Get shipping charges configured for a shop account.
pub mod sh52;
// @generated operations end
