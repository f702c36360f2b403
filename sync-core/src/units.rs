//! Units of weight and length, and exact decimal conversion between them.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::fmt;

/// A unit of weight or length. Parsed leniently from config files and from BigCommerce store
/// settings (`weight_units`: `LBS`, `Ounces`, `KGS`, `Grams`; `dimension_units`: `Inches`,
/// `Centimeters`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum Unit {
    /// Kilogram.
    Kg,
    /// Gram.
    G,
    /// Pound (0.45359237 kg).
    Lb,
    /// Ounce (1/16 lb).
    Oz,
    /// Metre.
    M,
    /// Centimetre.
    Cm,
    /// Millimetre.
    Mm,
    /// Inch (2.54 cm).
    In,
}

/// What a [`Unit`] measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dimension {
    /// Weight (mass).
    Weight,
    /// Length.
    Length,
}

impl Unit {
    /// Parses a unit name: `kg`/`kgs`/`kilograms`, `g`/`grams`, `lb`/`lbs`/`pounds`,
    /// `oz`/`ounces`, `m`/`meters`/`metres`, `cm`/`centimeters`, `mm`/`millimeters`,
    /// `in`/`inches` (case-insensitive). `None` for anything else.
    pub fn parse(s: &str) -> Option<Unit> {
        let s = s.trim().to_ascii_lowercase();
        Some(match s.as_str() {
            "kg" | "kgs" | "kilogram" | "kilograms" => Unit::Kg,
            "g" | "gr" | "gram" | "grams" => Unit::G,
            "lb" | "lbs" | "pound" | "pounds" => Unit::Lb,
            "oz" | "ounce" | "ounces" => Unit::Oz,
            "m" | "meter" | "meters" | "metre" | "metres" => Unit::M,
            "cm" | "centimeter" | "centimeters" | "centimetre" | "centimetres" => Unit::Cm,
            "mm" | "millimeter" | "millimeters" | "millimetre" | "millimetres" => Unit::Mm,
            "in" | "inch" | "inches" => Unit::In,
            _ => return None,
        })
    }

    /// The short name (`kg`, `g`, `lb`, `oz`, `m`, `cm`, `mm`, `in`).
    pub fn as_str(self) -> &'static str {
        match self {
            Unit::Kg => "kg",
            Unit::G => "g",
            Unit::Lb => "lb",
            Unit::Oz => "oz",
            Unit::M => "m",
            Unit::Cm => "cm",
            Unit::Mm => "mm",
            Unit::In => "in",
        }
    }

    /// Weight or length.
    pub fn dimension(self) -> Dimension {
        match self {
            Unit::Kg | Unit::G | Unit::Lb | Unit::Oz => Dimension::Weight,
            Unit::M | Unit::Cm | Unit::Mm | Unit::In => Dimension::Length,
        }
    }

    /// Size of one unit in the base unit of its dimension (grams, millimetres); exact.
    fn in_base(self) -> Decimal {
        match self {
            Unit::Kg => Decimal::new(1000, 0),
            Unit::G => Decimal::ONE,
            Unit::Lb => Decimal::new(45_359_237, 5),
            Unit::Oz => Decimal::new(28_349_523_125, 9),
            Unit::M => Decimal::new(1000, 0),
            Unit::Cm => Decimal::new(10, 0),
            Unit::Mm => Decimal::ONE,
            Unit::In => Decimal::new(254, 1),
        }
    }
}

impl fmt::Display for Unit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl TryFrom<String> for Unit {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        Unit::parse(&s).ok_or_else(|| format!("unknown unit `{s}` (kg, g, lb, oz, m, cm, mm, in)"))
    }
}

impl From<Unit> for String {
    fn from(u: Unit) -> Self {
        u.as_str().to_owned()
    }
}

/// Converts `value` from one unit to another of the same dimension and rounds it half-up to
/// `decimals` places (trailing zeros removed). `None` when the units measure different things
/// (weight vs length) or the result overflows.
pub fn convert(value: Decimal, from: Unit, to: Unit, decimals: u32) -> Option<Decimal> {
    if from.dimension() != to.dimension() {
        return None;
    }
    let out = if from == to {
        value
    } else {
        value
            .checked_mul(from.in_base())?
            .checked_div(to.in_base())?
    };
    Some(
        out.round_dp_with_strategy(
            decimals,
            rust_decimal::RoundingStrategy::MidpointAwayFromZero,
        )
        .normalize(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_util::d;

    #[test]
    fn converts_weights_and_lengths() {
        assert_eq!(convert(d("1"), Unit::Lb, Unit::Kg, 3), Some(d("0.454")));
        assert_eq!(convert(d("16"), Unit::Oz, Unit::Lb, 3), Some(d("1")));
        assert_eq!(convert(d("2.5"), Unit::Kg, Unit::G, 0), Some(d("2500")));
        assert_eq!(convert(d("500"), Unit::G, Unit::Kg, 3), Some(d("0.5")));
        assert_eq!(convert(d("10"), Unit::In, Unit::Cm, 2), Some(d("25.4")));
        assert_eq!(convert(d("254"), Unit::Mm, Unit::In, 2), Some(d("10")));
        assert_eq!(convert(d("1.5"), Unit::M, Unit::Mm, 0), Some(d("1500")));
        assert_eq!(
            convert(d("3.14159"), Unit::Cm, Unit::Cm, 2),
            Some(d("3.14"))
        );
        assert_eq!(convert(d("1"), Unit::Kg, Unit::Cm, 2), None);
    }

    #[test]
    fn parses_bigcommerce_and_short_names() {
        assert_eq!(Unit::parse("LBS"), Some(Unit::Lb));
        assert_eq!(Unit::parse("Ounces"), Some(Unit::Oz));
        assert_eq!(Unit::parse("KGS"), Some(Unit::Kg));
        assert_eq!(Unit::parse("Grams"), Some(Unit::G));
        assert_eq!(Unit::parse("Inches"), Some(Unit::In));
        assert_eq!(Unit::parse("Centimeters"), Some(Unit::Cm));
        assert_eq!(Unit::parse("furlongs"), None);
        let u: Unit = serde_json::from_str("\"mm\"").unwrap();
        assert_eq!(u, Unit::Mm);
        assert!(serde_json::from_str::<Unit>("\"stone\"").is_err());
        assert_eq!(serde_json::to_string(&Unit::In).unwrap(), "\"in\"");
    }
}
