//! Small wire helpers: money as exact JSON numbers, Mirakl's error body.

use rust_decimal::Decimal;
use serde::{Serialize, Serializer};

/// A money amount written as a JSON number with its exact decimal digits (`49.90`), as Mirakl
/// does. It goes through `serde_json`'s raw-value path, so no binary floating point is involved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Money(pub Decimal);

impl Serialize for Money {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let raw = serde_json::value::RawValue::from_string(self.0.to_string())
            .map_err(serde::ser::Error::custom)?;
        raw.serialize(serializer)
    }
}

/// Optional money, `null` when absent.
pub(crate) fn opt_money(value: Option<Decimal>) -> Option<Money> {
    value.map(Money)
}

/// Mirakl's classic error body: `{"status": 400, "message": "…"}`.
pub(crate) fn error_body(status: u16, message: &str) -> String {
    serde_json::json!({ "status": status, "message": message }).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    #[test]
    fn money_keeps_exact_digits_as_a_number() {
        #[derive(Serialize)]
        struct Wrap {
            price: Money,
        }
        let text = serde_json::to_string(&Wrap {
            price: Money(Decimal::from_str("49.90").expect("decimal")),
        })
        .expect("json");
        assert_eq!(text, r#"{"price":49.90}"#);
    }

    #[test]
    fn error_body_has_status_and_message() {
        let v: serde_json::Value =
            serde_json::from_str(&error_body(401, "Unauthorized")).expect("json");
        assert_eq!(v["status"], 401);
        assert_eq!(v["message"], "Unauthorized");
    }
}
