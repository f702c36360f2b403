//! Small plain types shared by every module: the shop SKU key and catalog references.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Error returned by validating constructors of this crate's newtypes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum InvalidValue {
    /// A shop SKU was empty or only whitespace.
    #[error("shop SKU is empty")]
    EmptySku,
    /// A shop SKU was longer than [`ShopSku::MAX_LEN`] characters.
    #[error("shop SKU `{0}` is longer than {max} characters", max = ShopSku::MAX_LEN)]
    SkuTooLong(String),
    /// A shop SKU contained a control character (newline, tab, …).
    #[error("shop SKU `{0}` contains a control character")]
    SkuControlChar(String),
}

/// The seller's SKU of an offer (`shop_sku` in Mirakl, `sku` in BigCommerce): the key of every
/// offer this crate plans.
///
/// Leading and trailing whitespace is trimmed; an empty SKU, one with control characters or one
/// longer than [`ShopSku::MAX_LEN`] is rejected.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct ShopSku(String);

impl ShopSku {
    /// The longest SKU accepted (BigCommerce allows 255 characters in `sku`).
    pub const MAX_LEN: usize = 255;

    /// Validates and wraps a SKU.
    ///
    /// # Errors
    /// [`InvalidValue`] when the trimmed value is empty, too long or has control characters.
    pub fn new(value: impl AsRef<str>) -> Result<Self, InvalidValue> {
        let v = value.as_ref().trim();
        if v.is_empty() {
            return Err(InvalidValue::EmptySku);
        }
        if v.chars().count() > Self::MAX_LEN {
            return Err(InvalidValue::SkuTooLong(v.to_owned()));
        }
        if v.chars().any(char::is_control) {
            return Err(InvalidValue::SkuControlChar(v.to_owned()));
        }
        Ok(Self(v.to_owned()))
    }

    /// The SKU text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ShopSku {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for ShopSku {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        ShopSku::new(s).map_err(serde::de::Error::custom)
    }
}

/// Where an offer comes from in BigCommerce: the product and, for products with options, the
/// variant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct CatalogRef {
    /// BigCommerce product id.
    pub product_id: u64,
    /// BigCommerce variant id (`None` for a product sold without variants).
    pub variant_id: Option<u64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sku_is_trimmed_and_validated() {
        assert_eq!(ShopSku::new("  AB-1 ").unwrap().as_str(), "AB-1");
        assert_eq!(ShopSku::new("  "), Err(InvalidValue::EmptySku));
        assert!(matches!(
            ShopSku::new("a\nb"),
            Err(InvalidValue::SkuControlChar(_))
        ));
        assert!(matches!(
            ShopSku::new("x".repeat(256)),
            Err(InvalidValue::SkuTooLong(_))
        ));
        let json: Result<ShopSku, _> = serde_json::from_str("\"\"");
        assert!(json.is_err());
        let ok: ShopSku = serde_json::from_str("\"S1\"").unwrap();
        assert_eq!(serde_json::to_string(&ok).unwrap(), "\"S1\"");
    }
}
