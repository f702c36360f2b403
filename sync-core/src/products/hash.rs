//! Stable content hashes of product rows and change detection.

use super::ProductRow;
use crate::types::ShopSku;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A stable 64-bit content hash of a row (FNV-1a over canonical bytes). The same content always
/// gives the same hash, on every machine and run, whatever order the columns were built in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct RowHash(pub u64);

impl std::fmt::Display for RowHash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:016x}", self.0)
    }
}

impl std::str::FromStr for RowHash {
    type Err = std::num::ParseIntError;
    /// Parses the 16-hex-digit form [`Display`](std::fmt::Display) writes (handy for storing
    /// hashes as text, e.g. in SQLite where integers are signed).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        u64::from_str_radix(s.trim(), 16).map(RowHash)
    }
}

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;

fn fnv(mut h: u64, bytes: &[u8]) -> u64 {
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(FNV_PRIME);
    }
    h
}

/// Hashes column/value pairs given in any order: pairs are sorted first, and each string is
/// length-prefixed so that `("ab","c")` and `("a","bc")` differ.
pub fn hash_columns<'a>(columns: impl IntoIterator<Item = (&'a str, &'a str)>) -> RowHash {
    let mut pairs: Vec<(&str, &str)> = columns.into_iter().collect();
    pairs.sort_unstable();
    let mut h = fnv(FNV_OFFSET, b"p41-row-v1");
    for (k, v) in pairs {
        for s in [k, v] {
            h = fnv(h, &(s.len() as u64).to_le_bytes());
            h = fnv(h, s.as_bytes());
        }
    }
    RowHash(h)
}

impl ProductRow {
    /// The row's content hash: every column and value (SKU, category and variant group
    /// included, as they are columns).
    pub fn content_hash(&self) -> RowHash {
        hash_columns(self.values.iter().map(|(k, v)| (k.as_str(), v.as_str())))
    }
}

/// Whether a row is new, changed or the same as last sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowChange {
    /// Never sent.
    New,
    /// Sent with other content.
    Changed,
    /// Sent with this content.
    Unchanged,
}

/// Compares a row with the hash last sent for its SKU.
pub fn change(row: &ProductRow, last_sent: &BTreeMap<ShopSku, RowHash>) -> RowChange {
    match last_sent.get(&row.sku) {
        None => RowChange::New,
        Some(h) if *h == row.content_hash() => RowChange::Unchanged,
        Some(_) => RowChange::Changed,
    }
}

/// The rows to send: new or changed since `last_sent`, in input order.
pub fn changed_rows<'a>(
    rows: &'a [ProductRow],
    last_sent: &BTreeMap<ShopSku, RowHash>,
) -> Vec<&'a ProductRow> {
    rows.iter()
        .filter(|r| change(r, last_sent) != RowChange::Unchanged)
        .collect()
}
