//! A P44 error report mapped back to BigCommerce products and variants.

use super::ProductRow;
use super::hash::RowHash;
use crate::rules::ProductRules;
use crate::types::{CatalogRef, ShopSku};
use mirakl_api::imports::ErrorReport;
use std::borrow::Borrow;
use std::collections::{BTreeMap, BTreeSet};

/// One line of the sent file that the operator did not integrate.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct RejectedProduct {
    /// The BigCommerce product and variant, when the line could be matched to a sent row.
    pub source: Option<CatalogRef>,
    /// The SKU of the line, when known.
    pub sku: Option<ShopSku>,
    /// Line number in the sent file, when the report gives it.
    pub line: Option<u64>,
    /// The operator's reason (the report's error message, or a note when it has none).
    pub reason: String,
}

fn norm(h: &str) -> String {
    h.trim().to_ascii_lowercase().replace(['_', ' '], "-")
}

/// Maps a P44 error report (parsed with `mirakl_api::imports::parse_error_report`) to the
/// BigCommerce items of the rows that were sent in the file. The SKU is read from the
/// [`ProductRules::sku_column`] column (or the report's `sku`/`shop-sku` column); when a line
/// carries no SKU, its `error-line` number is used (line 1 is the header, so line `n` is
/// `sent[n - 2]`, so pass the rows in the order they were written). `sent` may be the rows
/// or the references [`super::changed_rows`] returns. Output sorted by product, variant, SKU,
/// line.
pub fn map_error_report<R: Borrow<ProductRow>>(
    report: &ErrorReport,
    sent: &[R],
    rules: &ProductRules,
) -> Vec<RejectedProduct> {
    let by_sku: BTreeMap<&str, &ProductRow> = sent
        .iter()
        .map(|r| (r.borrow().sku.as_str(), r.borrow()))
        .collect();
    let want = norm(&rules.sku_column);
    let sku_header = report.headers.iter().find(|h| norm(h) == want);
    let mut out: Vec<RejectedProduct> = report
        .rows
        .iter()
        .map(|r| {
            let sku_text = sku_header
                .and_then(|h| r.fields.get(h))
                .map(|s| s.trim().to_owned())
                .filter(|s| !s.is_empty())
                .or_else(|| r.sku.clone());
            let row = match &sku_text {
                Some(s) => by_sku.get(s.as_str()).copied(),
                None => r
                    .line
                    .and_then(|l| l.checked_sub(2))
                    .and_then(|i| usize::try_from(i).ok())
                    .and_then(|i| sent.get(i))
                    .map(Borrow::borrow),
            };
            RejectedProduct {
                source: row.map(|r| r.source),
                sku: row
                    .map(|r| r.sku.clone())
                    .or_else(|| sku_text.and_then(|s| ShopSku::new(s).ok())),
                line: r.line,
                reason: r
                    .message
                    .clone()
                    .unwrap_or_else(|| "rejected by the operator (no message)".to_owned()),
            }
        })
        .collect();
    out.sort();
    out
}

/// The hashes to remember after an import finished: every sent row except the rejected
/// ones, merged into `last_sent` (rejected SKUs are removed so that they are sent again once
/// fixed).
pub fn record_sent<R: Borrow<ProductRow>>(
    last_sent: &mut BTreeMap<ShopSku, RowHash>,
    sent: &[R],
    rejected: &[RejectedProduct],
) {
    let bad: BTreeSet<&ShopSku> = rejected.iter().filter_map(|r| r.sku.as_ref()).collect();
    for row in sent {
        let row = row.borrow();
        if bad.contains(&row.sku) {
            last_sent.remove(&row.sku);
        } else {
            last_sent.insert(row.sku.clone(), row.content_hash());
        }
    }
}
