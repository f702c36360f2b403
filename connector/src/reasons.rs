//! The Mirakl reason codes the configuration names, checked against the operator's list at
//! set-up (RE01 `GET /api/reasons`, `../shared/specs/mirakl/mirakl-mmp-seller-openapi.json`).
//!
//! Every reason code the connector may send must be one the operator lists, of the right type
//! and open to shops (`is_shop_right`), or Mirakl refuses the call the day it is needed (a
//! shortfall cancelation, a mirrored refund). The codes and where they are used:
//!
//! * `[rules.orders] shortfall_reason`: OR30 cancelations (type `CANCELATION`) under
//!   `shortfall = "cancel"`, OR28 refunds (type `REFUND`) under `shortfall = "refund"`; when
//!   empty, `[rules.refunds] default_reason_code` is sent instead and is checked for that type;
//! * `[rules.refunds] default_reason_code` and every value of `[rules.refunds] reasons`: OR28
//!   refunds mirrored from BigCommerce (type `REFUND`).
//!
//! [`check_reason_codes`] reads the list once and answers [`ReasonCheckError::Unknown`] naming
//! each code that does not fit, the setting it comes from and the codes that would.

use std::fmt;

use mirakl_api::Client as MkClient;
use mirakl_api::reasons::re01;
use sync_core::rules::{ShortfallRule, SyncRules};

/// What a configured reason code is sent with, hence the RE01 type it must have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReasonUse {
    /// OR30 line cancelations (RE01 type `CANCELATION`).
    Cancelation,
    /// OR28 refunds (RE01 type `REFUND`).
    Refund,
}

impl ReasonUse {
    /// The RE01 `type` a code used this way must have.
    pub fn reason_type(self) -> &'static str {
        match self {
            ReasonUse::Cancelation => "CANCELATION",
            ReasonUse::Refund => "REFUND",
        }
    }
}

/// One reason code of the configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfiguredReason {
    /// The setting it comes from (e.g. `rules.orders.shortfall_reason`).
    pub setting: String,
    /// The code.
    pub code: String,
    /// What it is sent with.
    pub used_for: ReasonUse,
}

/// The reason codes `rules` may send, with where each comes from (a code used two ways is
/// listed once per way).
pub fn configured_reasons(rules: &SyncRules) -> Vec<ConfiguredReason> {
    let mut out = Vec::new();
    let mut push = |setting: &str, code: &str, used_for: ReasonUse| {
        let reason = ConfiguredReason {
            setting: setting.to_owned(),
            code: code.to_owned(),
            used_for,
        };
        if !out.contains(&reason) {
            out.push(reason);
        }
    };
    let default = rules.refunds.default_reason_code.as_str();
    if !default.is_empty() {
        push(
            "rules.refunds.default_reason_code",
            default,
            ReasonUse::Refund,
        );
    }
    for (keyword, code) in &rules.refunds.reasons {
        push(
            &format!("rules.refunds.reasons.{keyword}"),
            code,
            ReasonUse::Refund,
        );
    }
    let shortfall_use = match rules.orders.shortfall {
        Some(ShortfallRule::Cancel) => Some(ReasonUse::Cancelation),
        Some(ShortfallRule::Refund) => Some(ReasonUse::Refund),
        Some(ShortfallRule::Hold) | None => None,
    };
    if let Some(used_for) = shortfall_use {
        if rules.orders.shortfall_reason.is_empty() {
            if !default.is_empty() {
                push(
                    "rules.refunds.default_reason_code (as the shortfall reason)",
                    default,
                    used_for,
                );
            }
        } else {
            push(
                "rules.orders.shortfall_reason",
                &rules.orders.shortfall_reason,
                used_for,
            );
        }
    }
    out
}

/// A configured reason code the operator does not list for its use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownReasonCode {
    /// The setting it comes from.
    pub setting: String,
    /// The code.
    pub code: String,
    /// What it would be sent with.
    pub used_for: ReasonUse,
    /// The codes of that type the operator lets shops use, with their labels.
    pub valid: Vec<(String, String)>,
}

impl fmt::Display for UnknownReasonCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} = \"{}\" is not a {} reason the operator lets shops use (RE01); valid: ",
            self.setting,
            self.code,
            self.used_for.reason_type()
        )?;
        if self.valid.is_empty() {
            return f.write_str("none");
        }
        let list: Vec<String> = self
            .valid
            .iter()
            .map(|(code, label)| format!("{code} ({label})"))
            .collect();
        f.write_str(&list.join(", "))
    }
}

impl std::error::Error for UnknownReasonCode {}

/// Why the reason codes could not be confirmed.
#[derive(Debug, thiserror::Error)]
pub enum ReasonCheckError {
    /// Codes the operator does not list for their use (one or more).
    #[error("{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    Unknown(Vec<UnknownReasonCode>),
    /// The operator's list could not be read.
    #[error("cannot read the operator's reasons (RE01): {0}")]
    Mirakl(#[from] mirakl_api::Error),
}

/// Checks `configured` against the operator's `listed` reasons: each code must be listed with
/// its use's type and `is_shop_right` not `false`.
///
/// # Errors
/// Every code that does not fit, with the valid ones of its type.
pub fn check_reasons(
    configured: &[ConfiguredReason],
    listed: &[re01::Reasons],
) -> Result<(), Vec<UnknownReasonCode>> {
    let fits = |r: &re01::Reasons, kind: &str| {
        r.r#type.as_ref().is_some_and(|t| t.as_str() == kind) && r.is_shop_right != Some(false)
    };
    let unknown: Vec<UnknownReasonCode> = configured
        .iter()
        .filter(|c| {
            !listed.iter().any(|r| {
                r.code.as_deref() == Some(c.code.as_str()) && fits(r, c.used_for.reason_type())
            })
        })
        .map(|c| UnknownReasonCode {
            setting: c.setting.clone(),
            code: c.code.clone(),
            used_for: c.used_for,
            valid: listed
                .iter()
                .filter(|r| fits(r, c.used_for.reason_type()))
                .filter_map(|r| Some((r.code.clone()?, r.label.clone().unwrap_or_default())))
                .collect(),
        })
        .collect();
    if unknown.is_empty() {
        Ok(())
    } else {
        Err(unknown)
    }
}

/// Reads the operator's reasons (RE01, once) and checks every reason code of `rules`
/// ([`configured_reasons`]). Returns the codes checked.
///
/// # Errors
/// [`ReasonCheckError::Unknown`] naming each code that does not fit and the valid ones;
/// [`ReasonCheckError::Mirakl`] when RE01 fails.
pub async fn check_reason_codes(
    mirakl: &MkClient,
    rules: &SyncRules,
) -> Result<Vec<ConfiguredReason>, ReasonCheckError> {
    let configured = configured_reasons(rules);
    if configured.is_empty() {
        return Ok(configured);
    }
    let listed = mirakl.reasons().list()?.send().await?.reasons;
    check_reasons(&configured, &listed).map_err(ReasonCheckError::Unknown)?;
    Ok(configured)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reason(code: &str, kind: &str, shop: Option<bool>) -> re01::Reasons {
        re01::Reasons {
            code: Some(code.into()),
            is_shop_right: shop,
            label: Some(format!("label {code}")),
            r#type: Some(re01::Type::from(kind)),
            ..Default::default()
        }
    }

    /// The spec's RE01 example (mirakl-mmp-seller-openapi.json, `/api/reasons`), trimmed.
    fn listed() -> Vec<re01::Reasons> {
        vec![
            reason("1", "INCIDENT_OPEN", Some(false)),
            reason("15", "REFUND", Some(true)),
            reason("34", "CANCELATION", Some(true)),
            reason("35", "CANCELATION", Some(false)),
        ]
    }

    #[test]
    fn configured_reasons_follow_the_shortfall_rule() {
        let mut rules = SyncRules::default();
        let codes = |r: &SyncRules| {
            configured_reasons(r)
                .into_iter()
                .map(|c| (c.code, c.used_for))
                .collect::<Vec<_>>()
        };
        assert_eq!(codes(&rules), [("13".to_owned(), ReasonUse::Refund)]);
        rules.orders.shortfall = Some(ShortfallRule::Cancel);
        assert_eq!(
            codes(&rules),
            [
                ("13".to_owned(), ReasonUse::Refund),
                ("13".to_owned(), ReasonUse::Cancelation)
            ]
        );
        rules.orders.shortfall_reason = "34".into();
        rules.refunds.reasons.insert("damaged".into(), "15".into());
        let all = configured_reasons(&rules);
        assert_eq!(all.len(), 3);
        assert_eq!(all[1].setting, "rules.refunds.reasons.damaged");
        assert_eq!(all[2].setting, "rules.orders.shortfall_reason");
        assert_eq!(all[2].used_for, ReasonUse::Cancelation);
        rules.orders.shortfall = Some(ShortfallRule::Hold);
        assert_eq!(configured_reasons(&rules).len(), 2);
    }

    #[test]
    fn a_code_of_the_wrong_type_or_closed_to_shops_is_named_with_the_valid_ones() {
        let ok = [
            ConfiguredReason {
                setting: "a".into(),
                code: "34".into(),
                used_for: ReasonUse::Cancelation,
            },
            ConfiguredReason {
                setting: "b".into(),
                code: "15".into(),
                used_for: ReasonUse::Refund,
            },
        ];
        assert_eq!(check_reasons(&ok, &listed()), Ok(()));
        let bad = [
            // a refund reason used to cancel
            ConfiguredReason {
                setting: "rules.orders.shortfall_reason".into(),
                code: "15".into(),
                used_for: ReasonUse::Cancelation,
            },
            // listed, but not open to shops
            ConfiguredReason {
                setting: "c".into(),
                code: "35".into(),
                used_for: ReasonUse::Cancelation,
            },
            // not listed at all
            ConfiguredReason {
                setting: "rules.refunds.default_reason_code".into(),
                code: "13".into(),
                used_for: ReasonUse::Refund,
            },
        ];
        let err = check_reasons(&bad, &listed()).unwrap_err();
        assert_eq!(err.len(), 3);
        assert_eq!(err[0].valid, [("34".to_owned(), "label 34".to_owned())]);
        assert_eq!(
            err[0].to_string(),
            "rules.orders.shortfall_reason = \"15\" is not a CANCELATION reason the operator \
             lets shops use (RE01); valid: 34 (label 34)"
        );
        assert_eq!(err[1].code, "35");
        assert_eq!(err[2].valid, [("15".to_owned(), "label 15".to_owned())]);
        let all = ReasonCheckError::Unknown(err).to_string();
        assert!(all.contains("\"13\" is not a REFUND reason"), "{all}");
    }
}
