//! Why a product row cannot be sent, per SKU and attribute.

use super::operator::AttributeType;
use crate::types::{CatalogRef, InvalidValue, ShopSku};
use crate::units::Unit;

/// One problem with one catalog item, found while mapping or validating.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProductProblem {
    /// The SKU, when the item has a valid one.
    pub sku: Option<ShopSku>,
    /// The BigCommerce product and variant.
    pub source: CatalogRef,
    /// The Mirakl attribute concerned, if any.
    pub attribute: Option<String>,
    /// Why.
    pub reason: ProductProblemReason,
}

impl ProductProblem {
    /// Whether the row is kept out of the upload (every reason except
    /// the warnings [`ProductProblemReason::UnknownAttribute`], [`ProductProblemReason::MissingRecommended`]
    /// and [`ProductProblemReason::DisabledAttribute`]).
    pub fn is_blocking(&self) -> bool {
        !matches!(
            self.reason,
            ProductProblemReason::UnknownAttribute
                | ProductProblemReason::MissingRecommended
                | ProductProblemReason::DisabledAttribute
        )
    }
}

impl std::fmt::Display for ProductProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.sku {
            Some(s) => write!(f, "SKU {s}")?,
            None => write!(f, "product {}", self.source.product_id)?,
        }
        if let Some(v) = self.source.variant_id {
            write!(f, " (variant {v})")?;
        }
        if let Some(a) = &self.attribute {
            write!(f, ", attribute `{a}`")?;
        }
        write!(f, ": {}", self.reason)
    }
}

/// The reason of a [`ProductProblem`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ProductProblemReason {
    /// The item has no SKU.
    #[error("no SKU")]
    MissingSku,
    /// The SKU is not usable.
    #[error("invalid SKU: {0}")]
    InvalidSku(InvalidValue),
    /// Several items share the SKU; none is sent.
    #[error("SKU used by several catalog items")]
    DuplicateSku,
    /// No category rule matches the product's categories and there is no default.
    #[error("no Mirakl category mapped for BigCommerce categories {categories:?}")]
    UnmappedCategory {
        /// The product's BigCommerce category ids.
        categories: Vec<u64>,
    },
    /// The mapped hierarchy code is not in H11.
    #[error("category `{code}` unknown to the operator")]
    UnknownCategory {
        /// The hierarchy code.
        code: String,
    },
    /// The mapped hierarchy has sub-categories; the operator needs a leaf.
    #[error("category `{code}` is not a leaf category")]
    NotALeaf {
        /// The hierarchy code.
        code: String,
    },
    /// A required attribute has no value.
    #[error("required attribute has no value")]
    MissingRequired,
    /// A recommended attribute has no value (a warning: the row is still sent).
    #[error("recommended attribute has no value")]
    MissingRecommended,
    /// A list attribute's value is not in its value list (after the value table and matching).
    #[error("value `{value}` is not in value list `{list}`")]
    NotInList {
        /// The value.
        value: String,
        /// The value list code.
        list: String,
    },
    /// A list attribute names a value list VL11 does not have.
    #[error("value list `{list}` unknown to the operator")]
    UnknownValueList {
        /// The value list code.
        list: String,
    },
    /// A value does not have the attribute's type.
    #[error("value `{value}` is not a valid {expected}")]
    InvalidType {
        /// The value.
        value: String,
        /// The type PM11 declares.
        expected: AttributeType,
    },
    /// A value is shorter than the attribute's `MIN_LENGTH`.
    #[error("value has {length} characters, at least {min} required")]
    TooShort {
        /// Actual length.
        length: usize,
        /// Minimum.
        min: usize,
    },
    /// A value is longer than the attribute's `MAX_LENGTH`.
    #[error("value has {length} characters, at most {max} allowed")]
    TooLong {
        /// Actual length.
        length: usize,
        /// Maximum.
        max: usize,
    },
    /// A unit conversion was asked for a value that is not a number.
    #[error("`{value}` is not a number, cannot convert to {to}")]
    NotANumber {
        /// The value.
        value: String,
        /// Target unit.
        to: Unit,
    },
    /// A unit conversion between a weight and a length was configured.
    #[error("cannot convert {from} to {to}")]
    UnitMismatch {
        /// Source unit.
        from: Unit,
        /// Target unit.
        to: Unit,
    },
    /// A product identifier (role `UNIQUE_IDENTIFIER`) is not a GTIN-8/12/13/14 with a valid
    /// check digit.
    #[error("`{value}` is not a valid GTIN (8, 12, 13 or 14 digits with a valid check digit)")]
    InvalidGtin {
        /// The value.
        value: String,
    },
    /// The attribute is disabled for the category; its value will be ignored (a warning).
    #[error("attribute is disabled for this category; the value is ignored")]
    DisabledAttribute,
    /// The row has a column the operator does not define for the category (a warning: the
    /// row is still sent).
    #[error("attribute unknown to the operator for this category")]
    UnknownAttribute,
}
