//! Asynchronous imports: offer imports (OF01/OF24 → OF02/OF03/OF04), stock imports
//! (STO01–STO03), price imports (PRI01–PRI03); the CSV files they take and the error
//! reports they give back.

pub use crate::common::ShopSku;
use crate::common::open_enum;
use crate::offers::{Offer, OfferUpdate, PriceRange, UpdateDelete};
use crate::orders::u64_lenient_default;
use crate::{Error, Result};
use bc_mirakl_api_core::de::{null_as_default, opt_u64_lenient};
use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer};
use std::collections::BTreeMap;
use time::OffsetDateTime;

open_enum! {
    /// Status of an import (offers, stock, prices, products).
    pub enum ImportStatus {
        /// Waiting for the products of the file to be synchronised (OF01 with products).
        WaitingSynchronizationProduct => "WAITING_SYNCHRONIZATION_PRODUCT",
        /// Queued.
        Waiting => "WAITING",
        /// Running.
        Running => "RUNNING",
        /// Done (some lines may still have failed: read the error report).
        Complete => "COMPLETE",
        /// Failed as a whole.
        Failed => "FAILED",
        /// Cancelled (product imports).
        Cancelled => "CANCELLED",
        /// Product import: transformation queued.
        TransformationWaiting => "TRANSFORMATION_WAITING",
        /// Product import: transformation running.
        TransformationRunning => "TRANSFORMATION_RUNNING",
        /// Product import: transformation failed.
        TransformationFailed => "TRANSFORMATION_FAILED",
        /// Product import: sent to the operator for integration.
        Sent => "SENT",
        /// Queued (some operators).
        Queued => "QUEUED",
    }
}

impl ImportStatus {
    /// Whether the import has finished, successfully or not (COMPLETE, FAILED, CANCELLED,
    /// TRANSFORMATION_FAILED).
    pub fn is_final(&self) -> bool {
        matches!(
            self,
            ImportStatus::Complete
                | ImportStatus::Failed
                | ImportStatus::Cancelled
                | ImportStatus::TransformationFailed
        )
    }
}

open_enum! {
    /// OF01 import mode.
    pub enum ImportMode {
        /// Create, update or delete the offers in the file.
        Normal => "NORMAL",
        /// Like NORMAL, and delete every offer absent from the file.
        Replace => "REPLACE",
        /// Deprecated.
        PartialUpdate => "PARTIAL_UPDATE",
    }
}

fn id_as_string<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<String, D::Error> {
    let v = serde_json::Value::deserialize(d)?;
    match v {
        serde_json::Value::String(s) => Ok(s),
        serde_json::Value::Number(n) => Ok(n.to_string()),
        other => Err(serde::de::Error::custom(format!(
            "expected an import id, got {other}"
        ))),
    }
}

/// Response of OF24 and OF01: the id of the offer import to poll with OF02.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct OfferImportCreated {
    /// Offer import id.
    #[serde(deserialize_with = "bc_mirakl_api_core::de::u64_lenient")]
    pub import_id: u64,
    /// Product import id (OF01 `with_products`).
    #[serde(default, deserialize_with = "opt_u64_lenient")]
    pub product_import_id: Option<u64>,
}

/// An offer import (OF02; OF04 `data[]`). Counters are zero when absent.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct OfferImport {
    /// Import id.
    #[serde(deserialize_with = "bc_mirakl_api_core::de::u64_lenient")]
    pub import_id: u64,
    /// Status.
    pub status: ImportStatus,
    /// Mode.
    #[serde(default)]
    pub mode: Option<ImportMode>,
    /// Type, e.g. `AUTO`.
    #[serde(rename = "type", default)]
    pub import_type: Option<String>,
    /// Origin, e.g. `API`, `FRONT`.
    #[serde(default)]
    pub origin: Option<String>,
    /// Shop id.
    #[serde(default, deserialize_with = "opt_u64_lenient")]
    pub shop_id: Option<u64>,
    /// Creation date.
    #[serde(default, with = "crate::datetime::optional")]
    pub date_created: Option<OffsetDateTime>,
    /// Whether an error report (OF03) exists.
    #[serde(default, deserialize_with = "null_as_default")]
    pub has_error_report: bool,
    /// Lines read.
    #[serde(default, deserialize_with = "u64_lenient_default")]
    pub lines_read: u64,
    /// Lines in success.
    #[serde(default, deserialize_with = "u64_lenient_default")]
    pub lines_in_success: u64,
    /// Lines in error.
    #[serde(default, deserialize_with = "u64_lenient_default")]
    pub lines_in_error: u64,
    /// Lines pending.
    #[serde(default, deserialize_with = "u64_lenient_default")]
    pub lines_in_pending: u64,
    /// Offers inserted.
    #[serde(default, deserialize_with = "u64_lenient_default")]
    pub offer_inserted: u64,
    /// Offers updated.
    #[serde(default, deserialize_with = "u64_lenient_default")]
    pub offer_updated: u64,
    /// Offers deleted.
    #[serde(default, deserialize_with = "u64_lenient_default")]
    pub offer_deleted: u64,
    /// Why the import has its status.
    #[serde(default)]
    pub reason_status: Option<String>,
}

/// Response of STO01: the stock import id (a string).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct StockImportCreated {
    /// Import id.
    #[serde(deserialize_with = "id_as_string")]
    pub import_id: String,
}

/// A stock import (STO02).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct StockImport {
    /// Import id.
    #[serde(deserialize_with = "id_as_string")]
    pub import_id: String,
    /// Status.
    pub status: ImportStatus,
    /// Creation date.
    #[serde(default, with = "crate::datetime::optional")]
    pub date_created: Option<OffsetDateTime>,
    /// Whether an error report (STO03) exists.
    #[serde(default, deserialize_with = "null_as_default")]
    pub has_error_report: bool,
    /// Lines in error.
    #[serde(default, deserialize_with = "u64_lenient_default")]
    pub lines_in_error: u64,
    /// Lines in success.
    #[serde(default, deserialize_with = "u64_lenient_default")]
    pub lines_in_success: u64,
    /// Shop id.
    #[serde(default, deserialize_with = "opt_u64_lenient")]
    pub shop_id: Option<u64>,
}

/// Response of PRI01: the price import id (`import_id`, or the legacy `importId`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "RawPriceImportCreated")]
pub struct PriceImportCreated {
    /// Import id.
    pub import_id: String,
}

#[derive(Deserialize)]
struct RawPriceImportCreated {
    #[serde(default, deserialize_with = "opt_id_as_string")]
    import_id: Option<String>,
    #[serde(default, rename = "importId", deserialize_with = "opt_id_as_string")]
    legacy: Option<String>,
}

fn opt_id_as_string<'de, D: Deserializer<'de>>(
    d: D,
) -> std::result::Result<Option<String>, D::Error> {
    id_as_string(d).map(Some)
}

impl TryFrom<RawPriceImportCreated> for PriceImportCreated {
    type Error = String;
    fn try_from(r: RawPriceImportCreated) -> std::result::Result<Self, String> {
        r.import_id
            .or(r.legacy)
            .map(|import_id| PriceImportCreated { import_id })
            .ok_or_else(|| "missing field `import_id`".to_owned())
    }
}

/// A price import (PRI02 `data[]`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct PriceImport {
    /// Import id.
    #[serde(deserialize_with = "id_as_string")]
    pub import_id: String,
    /// Status.
    pub status: ImportStatus,
    /// Creation date.
    #[serde(default, with = "crate::datetime::optional")]
    pub date_created: Option<OffsetDateTime>,
    /// Whether an error report (PRI03) exists.
    #[serde(default, deserialize_with = "null_as_default")]
    pub has_error_report: bool,
    /// Lines in error.
    #[serde(default, deserialize_with = "u64_lenient_default")]
    pub lines_in_error: u64,
    /// Lines in success.
    #[serde(default, deserialize_with = "u64_lenient_default")]
    pub lines_in_success: u64,
    /// Offers in error.
    #[serde(default, deserialize_with = "u64_lenient_default")]
    pub offers_in_error: u64,
    /// Offers updated.
    #[serde(default, deserialize_with = "u64_lenient_default")]
    pub offers_updated: u64,
    /// Origin.
    #[serde(default)]
    pub origin: Option<String>,
    /// Why the import has its status.
    #[serde(default)]
    pub reason_status: Option<String>,
    /// Shop id.
    #[serde(default, deserialize_with = "opt_u64_lenient")]
    pub shop_id: Option<u64>,
}

/// The result of waiting for an import: its final status and, when Mirakl has one, the
/// parsed error report. Lines listed in `error_report` were **not** applied even though the
/// import is `COMPLETE`.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportOutcome<S> {
    /// The final status record (OF02, STO02, PRI02 or P42 shape).
    pub status: S,
    /// The parsed error report, when the import has one.
    pub error_report: Option<ErrorReport>,
    /// How many status polls were made.
    pub polls: u32,
}

/// How a wait helper polls: the interval between status calls and the maximum number of
/// status calls. Keep the interval at or above Mirakl's published ceiling for the status
/// call (OF02: once a minute; STO02: every 15 s).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WaitOptions {
    /// Pause between two status calls.
    pub interval: std::time::Duration,
    /// Maximum number of status calls before giving up with [`Error::ImportTimeout`].
    pub max_polls: u32,
}

impl WaitOptions {
    /// Polls every `interval`, at most `max_polls` times.
    pub fn new(interval: std::time::Duration, max_polls: u32) -> Self {
        WaitOptions {
            interval,
            max_polls: max_polls.max(1),
        }
    }
}

impl Default for WaitOptions {
    /// Once a minute, for at most an hour.
    fn default() -> Self {
        WaitOptions::new(std::time::Duration::from_secs(60), 60)
    }
}

// ---------------------------------------------------------------------------------------
// CSV files
// ---------------------------------------------------------------------------------------

/// How CSV files are written: Mirakl's default is `;`; PC01
/// `features.operator_csv_delimiter` may say otherwise
/// ([`crate::account::PlatformConfiguration::csv_delimiter`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CsvOptions {
    /// Field delimiter.
    pub delimiter: u8,
}

impl Default for CsvOptions {
    fn default() -> Self {
        CsvOptions { delimiter: b';' }
    }
}

fn writer(options: &CsvOptions) -> csv::Writer<Vec<u8>> {
    csv::WriterBuilder::new()
        .delimiter(options.delimiter)
        .quote_style(csv::QuoteStyle::Always)
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new())
}

fn csv_err(e: impl std::fmt::Display) -> Error {
    Error::InvalidInput(format!("CSV: {e}"))
}

fn finish(w: csv::Writer<Vec<u8>>) -> Result<Vec<u8>> {
    w.into_inner().map_err(|e| csv_err(e.error()))
}

fn opt<T: ToString>(v: &Option<T>) -> String {
    v.as_ref().map(ToString::to_string).unwrap_or_default()
}

fn date(v: &Option<OffsetDateTime>) -> String {
    v.map(crate::datetime::format).unwrap_or_default()
}

/// Writes an OF01 offer file (UTF-8, every field quoted, quoted headers): one line per
/// offer, with the standard Mirakl offer columns plus one column per custom field code used.
///
/// # Errors
/// [`Error::InvalidInput`] when the CSV cannot be written.
pub fn write_offers_csv(offers: &[OfferUpdate], options: &CsvOptions) -> Result<Vec<u8>> {
    const BASE: [&str; 24] = [
        "sku",
        "product-id",
        "product-id-type",
        "description",
        "internal-description",
        "price",
        "price-additional-info",
        "quantity",
        "min-quantity-alert",
        "state",
        "available-start-date",
        "available-end-date",
        "discount-price",
        "discount-start-date",
        "discount-end-date",
        "discount-ranges",
        "leadtime-to-ship",
        "logistic-class",
        "min-order-quantity",
        "max-order-quantity",
        "package-quantity",
        "product-tax-code",
        "allow-quote-requests",
        "update-delete",
    ];
    let extra: Vec<String> = offers
        .iter()
        .flat_map(|o| o.offer_additional_fields.iter().map(|f| f.code.clone()))
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    let mut w = writer(options);
    let mut header: Vec<String> = BASE.iter().map(|s| (*s).to_owned()).collect();
    header.extend(extra.iter().cloned());
    w.write_record(&header).map_err(csv_err)?;
    for o in offers {
        let discount = o.discount.as_ref();
        let ranges = discount
            .map(|d| {
                d.ranges
                    .iter()
                    .map(|r| format!("{}|{}", r.quantity_threshold, r.price))
                    .collect::<Vec<_>>()
                    .join(",")
            })
            .unwrap_or_default();
        let mut rec = vec![
            o.shop_sku.to_string(),
            opt(&o.product_id),
            opt(&o.product_id_type),
            opt(&o.description),
            opt(&o.internal_description),
            o.price.to_string(),
            opt(&o.price_additional_info),
            o.quantity.unwrap_or(0).to_string(),
            opt(&o.min_quantity_alert),
            o.state_code.clone(),
            date(&o.available_started),
            date(&o.available_ended),
            discount.map(|d| opt(&d.price)).unwrap_or_default(),
            discount.map(|d| date(&d.start_date)).unwrap_or_default(),
            discount.map(|d| date(&d.end_date)).unwrap_or_default(),
            ranges,
            opt(&o.leadtime_to_ship),
            opt(&o.logistic_class),
            opt(&o.min_order_quantity),
            opt(&o.max_order_quantity),
            opt(&o.package_quantity),
            opt(&o.product_tax_code),
            opt(&o.allow_quote_requests),
            o.update_delete
                .as_ref()
                .map(|u| u.as_str().to_owned())
                .unwrap_or_else(|| "update".to_owned()),
        ];
        for code in &extra {
            rec.push(
                o.offer_additional_fields
                    .iter()
                    .find(|f| &f.code == code)
                    .map(|f| f.value.clone())
                    .unwrap_or_default(),
            );
        }
        w.write_record(&rec).map_err(csv_err)?;
    }
    finish(w)
}

/// One line of a STO01 stock file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StockLine {
    /// The offer's SKU.
    pub offer_sku: ShopSku,
    /// Quantity.
    pub quantity: u64,
    /// Warehouse code; `None` sets the global quantity. Lines of one offer must be adjacent.
    pub warehouse_code: Option<String>,
    /// `update` (default) or `delete` (of the warehouse quantity).
    pub update_delete: Option<UpdateDelete>,
}

impl StockLine {
    /// A global quantity for `offer_sku`.
    pub fn new(offer_sku: ShopSku, quantity: u64) -> Self {
        StockLine {
            offer_sku,
            quantity,
            warehouse_code: None,
            update_delete: None,
        }
    }
}

/// Writes a STO01 stock file: `"offer-sku";"quantity"`, plus `"warehouse-code"` and
/// `"update-delete"` when any line uses them. Lines are grouped by offer SKU (stable), as
/// Mirakl requires quantities of one offer to be listed together.
///
/// # Errors
/// [`Error::InvalidInput`] when the CSV cannot be written.
pub fn write_stock_csv(lines: &[StockLine], options: &CsvOptions) -> Result<Vec<u8>> {
    let with_wh = lines.iter().any(|l| l.warehouse_code.is_some());
    let with_ud = lines.iter().any(|l| l.update_delete.is_some());
    let mut w = writer(options);
    let mut header = vec!["offer-sku", "quantity"];
    if with_wh {
        header.push("warehouse-code");
    }
    if with_ud {
        header.push("update-delete");
    }
    w.write_record(&header).map_err(csv_err)?;
    let mut order: Vec<&ShopSku> = Vec::new();
    for l in lines {
        if !order.contains(&&l.offer_sku) {
            order.push(&l.offer_sku);
        }
    }
    for sku in order {
        for l in lines.iter().filter(|l| &l.offer_sku == sku) {
            let mut rec = vec![l.offer_sku.to_string(), l.quantity.to_string()];
            if with_wh {
                rec.push(opt(&l.warehouse_code));
            }
            if with_ud {
                rec.push(
                    l.update_delete
                        .as_ref()
                        .map(|u| u.as_str().to_owned())
                        .unwrap_or_default(),
                );
            }
            w.write_record(&rec).map_err(csv_err)?;
        }
    }
    finish(w)
}

/// One line of a PRI01 price file: one price of an offer (an offer may have up to 50 lines:
/// its default price plus channel, customer-group and scheduled prices).
///
/// PRI01 is **delete and replace**: every price of the offer not in the file is deleted.
/// Send all of an offer's prices at once; [`PriceLine::for_offer`] rebuilds them from the
/// last OF21 read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PriceLine {
    /// The offer's SKU.
    pub offer_sku: ShopSku,
    /// Price (the unit origin price).
    pub price: Decimal,
    /// Discounted price.
    pub discount_price: Option<Decimal>,
    /// Discount start.
    pub discount_start_date: Option<OffsetDateTime>,
    /// Discount end.
    pub discount_end_date: Option<OffsetDateTime>,
    /// Volume prices (`price-ranges`, `quantity|price` pairs).
    pub price_ranges: Vec<PriceRange>,
    /// Volume discount prices (`discount-ranges`).
    pub discount_ranges: Vec<PriceRange>,
    /// Channels the price applies to (`channels`, codes joined with `|`); empty for all.
    pub channels: Vec<String>,
    /// Start of a scheduled price (`start-date`).
    pub start_date: Option<OffsetDateTime>,
    /// End of a scheduled price (`end-date`).
    pub end_date: Option<OffsetDateTime>,
    /// Customer organizations (`customer-organization-ids`).
    pub customer_organization_ids: Vec<String>,
    /// Customer groups (`customer-group-ids`).
    pub customer_group_ids: Vec<String>,
}

impl PriceLine {
    /// A plain price for `offer_sku`.
    pub fn new(offer_sku: ShopSku, price: Decimal) -> Self {
        PriceLine {
            offer_sku,
            price,
            discount_price: None,
            discount_start_date: None,
            discount_end_date: None,
            price_ranges: Vec::new(),
            discount_ranges: Vec::new(),
            channels: Vec::new(),
            start_date: None,
            end_date: None,
            customer_organization_ids: Vec::new(),
            customer_group_ids: Vec::new(),
        }
    }

    /// One line per price of `offer` (OF21 `all_prices`, with their volume prices,
    /// channels, customer groups and scheduled periods), so a PRI01 file keeps every
    /// price; change the default line's price to what the sync manages. An offer read
    /// without `all_prices` gives one line from its `price` and `discount` (with ranges).
    pub fn for_offer(offer: &Offer) -> Vec<PriceLine> {
        if offer.all_prices.is_empty() {
            let origin = offer
                .discount
                .as_ref()
                .and_then(|d| d.origin_price)
                .or(offer.price)
                .unwrap_or_default();
            let mut line = PriceLine::new(offer.shop_sku.clone(), origin);
            if let Some(d) = &offer.discount {
                line.discount_price = d.discount_price;
                line.discount_start_date = d.start_date;
                line.discount_end_date = d.end_date;
                line.discount_ranges = d.ranges.clone();
            }
            return vec![line];
        }
        offer
            .all_prices
            .iter()
            .map(|p| {
                let mut line = PriceLine::new(
                    offer.shop_sku.clone(),
                    p.unit_origin_price.or(p.price).unwrap_or_default(),
                );
                line.discount_price = p.unit_discount_price;
                line.discount_start_date = p.discount_start_date;
                line.discount_end_date = p.discount_end_date;
                for v in &p.volume_prices {
                    if let Some(price) = v.unit_origin_price.or(v.price) {
                        line.price_ranges.push(PriceRange {
                            price,
                            quantity_threshold: v.quantity_threshold,
                        });
                    }
                    if let Some(price) = v.unit_discount_price {
                        line.discount_ranges.push(PriceRange {
                            price,
                            quantity_threshold: v.quantity_threshold,
                        });
                    }
                }
                line.channels.extend(p.channel_code.clone());
                if let Some(c) = &p.context {
                    for ch in &c.channel_codes {
                        if !line.channels.contains(ch) {
                            line.channels.push(ch.clone());
                        }
                    }
                    line.start_date = c.start_date;
                    line.end_date = c.end_date;
                    line.customer_organization_ids = c.customer_organization_ids.clone();
                    line.customer_group_ids = c.customer_group_ids.clone();
                }
                line
            })
            .collect()
    }
}

fn ranges(r: &[PriceRange]) -> String {
    r.iter()
        .map(|r| format!("{}|{}", r.quantity_threshold, r.price))
        .collect::<Vec<_>>()
        .join(",")
}

/// Writes a PRI01 price file:
/// `"offer-sku";"price";"discount-price";"discount-start-date";"discount-end-date"`, plus
/// `"price-ranges"`, `"discount-ranges"`, `"channels"`, `"start-date"`, `"end-date"`,
/// `"customer-organization-ids"`, `"customer-group-ids"` when any line uses them. Lines of
/// one offer are kept together (stable).
///
/// # Errors
/// [`Error::InvalidInput`] when the CSV cannot be written.
pub fn write_prices_csv(lines: &[PriceLine], options: &CsvOptions) -> Result<Vec<u8>> {
    type Column = (&'static str, fn(&PriceLine) -> String);
    let optional: [Column; 7] = [
        ("price-ranges", |l| ranges(&l.price_ranges)),
        ("discount-ranges", |l| ranges(&l.discount_ranges)),
        ("channels", |l| l.channels.join("|")),
        ("start-date", |l| date(&l.start_date)),
        ("end-date", |l| date(&l.end_date)),
        ("customer-organization-ids", |l| {
            l.customer_organization_ids.join("|")
        }),
        ("customer-group-ids", |l| l.customer_group_ids.join("|")),
    ];
    let used: Vec<&Column> = optional
        .iter()
        .filter(|(_, get)| lines.iter().any(|l| !get(l).is_empty()))
        .collect();
    let mut w = writer(options);
    let mut header = vec![
        "offer-sku",
        "price",
        "discount-price",
        "discount-start-date",
        "discount-end-date",
    ];
    header.extend(used.iter().map(|(name, _)| *name));
    w.write_record(&header).map_err(csv_err)?;
    let mut order: Vec<&ShopSku> = Vec::new();
    for l in lines {
        if !order.contains(&&l.offer_sku) {
            order.push(&l.offer_sku);
        }
    }
    for sku in order {
        for l in lines.iter().filter(|l| &l.offer_sku == sku) {
            let mut rec = vec![
                l.offer_sku.to_string(),
                l.price.to_string(),
                opt(&l.discount_price),
                date(&l.discount_start_date),
                date(&l.discount_end_date),
            ];
            rec.extend(used.iter().map(|(_, get)| get(l)));
            w.write_record(&rec).map_err(csv_err)?;
        }
    }
    finish(w)
}

// ---------------------------------------------------------------------------------------
// Error reports
// ---------------------------------------------------------------------------------------

/// A parsed error report (OF03, STO03, PRI03, P44): the CSV Mirakl returns, one row per
/// line that was not applied.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ErrorReport {
    /// Column names, as in the file.
    pub headers: Vec<String>,
    /// The rows.
    pub rows: Vec<ErrorReportRow>,
}

/// One row of an error report.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ErrorReportRow {
    /// Line number in the imported file (`error-line` or similar), when given.
    pub line: Option<u64>,
    /// Error message (`error-message` or similar), when given.
    pub message: Option<String>,
    /// The SKU of the failing line (`sku`, `offer-sku` or `shop-sku`), when given.
    pub sku: Option<String>,
    /// Every column of the row by header name.
    pub fields: BTreeMap<String, String>,
}

fn sniff_delimiter(first_line: &str) -> u8 {
    let count = |c: char| first_line.matches(c).count();
    [
        (';', count(';')),
        (',', count(',')),
        ('\t', count('\t')),
        ('|', count('|')),
    ]
    .into_iter()
    .max_by_key(|(_, n)| *n)
    .filter(|(_, n)| *n > 0)
    .map(|(c, _)| c as u8)
    .unwrap_or(b';')
}

/// Parses an error report CSV. The delimiter is detected from the header line (`;`, `,`,
/// tab or `|`); a UTF-8 BOM is skipped. Line and message columns are found by name
/// (`error-line`/`line`/`line-number`, `error-message`/`message`/`error`/`errors`/`reason`).
///
/// # Errors
/// [`Error::InvalidInput`] when the text is not valid CSV.
pub fn parse_error_report(bytes: &[u8]) -> Result<ErrorReport> {
    let bytes = bytes
        .strip_prefix(b"\xEF\xBB\xBF".as_slice())
        .unwrap_or(bytes);
    let text = String::from_utf8_lossy(bytes);
    if text.trim().is_empty() {
        return Ok(ErrorReport::default());
    }
    let first = text.lines().next().unwrap_or_default();
    let mut r = csv::ReaderBuilder::new()
        .delimiter(sniff_delimiter(first))
        .flexible(true)
        .from_reader(text.as_bytes());
    let headers: Vec<String> = r
        .headers()
        .map_err(csv_err)?
        .iter()
        .map(|h| h.trim().to_owned())
        .collect();
    let norm = |h: &str| h.to_ascii_lowercase().replace(['_', ' '], "-");
    let find = |names: &[&str]| {
        names
            .iter()
            .find_map(|n| headers.iter().position(|h| norm(h) == *n))
    };
    let line_col = find(&["error-line", "line", "line-number", "error-line-number"]);
    let msg_col = find(&[
        "error-message",
        "message",
        "error",
        "errors",
        "reason",
        "error-reason",
    ]);
    let sku_col = find(&["sku", "offer-sku", "shop-sku"]);
    let mut rows = Vec::new();
    for rec in r.records() {
        let rec = rec.map_err(csv_err)?;
        if rec.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        let get = |i: Option<usize>| {
            i.and_then(|i| rec.get(i))
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
        };
        let fields = headers
            .iter()
            .enumerate()
            .map(|(i, h)| (h.clone(), rec.get(i).unwrap_or_default().to_owned()))
            .collect();
        rows.push(ErrorReportRow {
            line: get(line_col).and_then(|s| s.parse().ok()),
            message: get(msg_col),
            sku: get(sku_col),
            fields,
        });
    }
    Ok(ErrorReport { headers, rows })
}
