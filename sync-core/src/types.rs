//! Small plain types shared by every module: the shop SKU key and catalog references.

use serde::{Deserialize, Serialize};

/// Error returned by validating constructors of this crate's newtypes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum InvalidValue {
    /// A shop SKU was empty or only whitespace.
    #[error("shop SKU is empty")]
    EmptySku,
    /// A shop SKU was longer than [`MAX_SKU_LEN`] characters.
    #[error("shop SKU `{0}` is longer than {max} characters", max = MAX_SKU_LEN)]
    SkuTooLong(String),
    /// A shop SKU contained a control character (newline, tab, …).
    #[error("shop SKU `{0}` contains a control character")]
    SkuControlChar(String),
}

/// The seller's SKU of an offer: the key of every offer this crate plans. It is the
/// `mirakl-api` type, so keys pass between the crates unchanged.
pub use mirakl_api::ShopSku;

/// The longest SKU accepted (BigCommerce allows 255 characters in `sku`).
pub const MAX_SKU_LEN: usize = 255;

/// Validates a catalog SKU and makes it a [`ShopSku`]: leading and trailing whitespace is
/// trimmed; an empty SKU, one with control characters or one longer than [`MAX_SKU_LEN`]
/// characters is rejected.
///
/// # Errors
/// [`InvalidValue`] naming the defect.
pub fn shop_sku(value: impl AsRef<str>) -> Result<ShopSku, InvalidValue> {
    let v = value.as_ref().trim();
    if v.is_empty() {
        return Err(InvalidValue::EmptySku);
    }
    if v.chars().count() > MAX_SKU_LEN {
        return Err(InvalidValue::SkuTooLong(v.to_owned()));
    }
    if v.chars().any(char::is_control) {
        return Err(InvalidValue::SkuControlChar(v.to_owned()));
    }
    ShopSku::new(v).map_err(|_| InvalidValue::EmptySku)
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

impl std::fmt::Display for CatalogRef {
    /// `product 12` or `product 12 variant 34`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "product {}", self.product_id)?;
        if let Some(v) = self.variant_id {
            write!(f, " variant {v}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalog_ref_display() {
        let p = CatalogRef {
            product_id: 12,
            variant_id: None,
        };
        assert_eq!(p.to_string(), "product 12");
        let v = CatalogRef {
            variant_id: Some(34),
            ..p
        };
        assert_eq!(v.to_string(), "product 12 variant 34");
    }

    #[test]
    fn sku_is_trimmed_and_validated() {
        assert_eq!(shop_sku("  AB-1 ").unwrap().as_str(), "AB-1");
        assert_eq!(shop_sku("  "), Err(InvalidValue::EmptySku));
        assert!(matches!(
            shop_sku("a\nb"),
            Err(InvalidValue::SkuControlChar(_))
        ));
        assert!(matches!(
            shop_sku("x".repeat(256)),
            Err(InvalidValue::SkuTooLong(_))
        ));
        assert_eq!(shop_sku("x".repeat(255)).unwrap().as_str().len(), 255);
    }
}
