//! Lenient decoders for the generated operation models: Mirakl's examples (and answers)
//! send codes as numbers where the schema says string (`"reason_code": 15`), ids as
//! strings where it says integer (`"document_ids": ["2032"]`), and `null` for lists.

use serde::{Deserialize, Deserializer};
use serde_json::Value;

fn text(v: Value) -> Option<String> {
    match v {
        Value::Null => None,
        Value::String(s) => Some(s),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        other => Some(other.to_string()),
    }
}

fn int<E: serde::de::Error>(v: Value) -> Result<Option<i64>, E> {
    match v {
        Value::Null => Ok(None),
        Value::Number(n) => n
            .as_i64()
            .or_else(|| n.as_f64().filter(|f| f.fract() == 0.0).map(|f| f as i64))
            .map(Some)
            .ok_or_else(|| E::custom(format!("expected an integer, got {n}"))),
        Value::String(s) if s.trim().is_empty() => Ok(None),
        Value::String(s) => s
            .trim()
            .parse()
            .map(Some)
            .map_err(|_| E::custom(format!("expected an integer, got {s:?}"))),
        other => Err(E::custom(format!("expected an integer, got {other}"))),
    }
}

/// A string, or a number or boolean as text; `null` as empty.
pub(crate) fn string<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(text(Value::deserialize(d)?).unwrap_or_default())
}

/// [`string`] with `null` as `None`.
pub(crate) fn opt_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(text(Value::deserialize(d)?))
}

/// A list of strings whose items may be numbers; `null` as empty.
pub(crate) fn vec_string<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    let v: Option<Vec<Value>> = Option::deserialize(d)?;
    Ok(v.unwrap_or_default().into_iter().filter_map(text).collect())
}

/// A list of integers whose items may be strings; `null` as empty.
pub(crate) fn vec_i64<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<i64>, D::Error> {
    let v: Option<Vec<Value>> = Option::deserialize(d)?;
    let mut out = Vec::new();
    for item in v.unwrap_or_default() {
        if let Some(i) = int::<D::Error>(item)? {
            out.push(i);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize)]
    struct T {
        #[serde(default, deserialize_with = "string")]
        a: String,
        #[serde(default, deserialize_with = "opt_string")]
        b: Option<String>,
        #[serde(default, deserialize_with = "vec_string")]
        c: Vec<String>,
        #[serde(default, deserialize_with = "vec_i64")]
        d: Vec<i64>,
    }

    #[test]
    fn numbers_strings_and_nulls() {
        let t: T = serde_json::from_str(r#"{"a":15,"b":null,"c":[1,"x"],"d":["2032",7]}"#).unwrap();
        assert_eq!(t.a, "15");
        assert_eq!(t.b, None);
        assert_eq!(t.c, ["1", "x"]);
        assert_eq!(t.d, [2032, 7]);
        let t: T = serde_json::from_str(r#"{"c":null,"d":null,"b":true}"#).unwrap();
        assert!(t.c.is_empty() && t.d.is_empty());
        assert_eq!(t.b.as_deref(), Some("true"));
        assert!(serde_json::from_str::<T>(r#"{"d":["x"]}"#).is_err());
    }
}
