//! Asynchronous imports (OF01/OF24 offers, STO01 stock, PRI01 prices, P41 products): the
//! records, file parsing, error reports and status JSON.

use std::collections::{BTreeMap, HashMap};

use serde_json::{Value, json};
use time::OffsetDateTime;

use super::clock::iso;

/// What an import carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ImportKind {
    /// OF01 (CSV) or OF24 (JSON) offers.
    Offers,
    /// STO01 stock file.
    Stock,
    /// PRI01 price file.
    Pricing,
    /// P41 product file.
    Products,
}

/// OF01 import mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ImportMode {
    Normal,
    Replace,
}

impl ImportMode {
    pub(crate) fn parse(text: &str) -> Option<Self> {
        match text.trim().to_ascii_uppercase().as_str() {
            "NORMAL" => Some(Self::Normal),
            "REPLACE" => Some(Self::Replace),
            _ => None,
        }
    }

    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Normal => "NORMAL",
            Self::Replace => "REPLACE",
        }
    }
}

/// Processing status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ImportStatus {
    Waiting,
    Running,
    Complete,
    Failed,
}

impl ImportStatus {
    pub(crate) fn as_str(self, kind: ImportKind) -> &'static str {
        match (self, kind) {
            (Self::Waiting, _) => "WAITING",
            (Self::Running, _) => "RUNNING",
            (Self::Complete, _) => "COMPLETE",
            (Self::Failed, _) => "FAILED",
        }
    }

    pub(crate) fn is_terminal(self) -> bool {
        matches!(self, Self::Complete | Self::Failed)
    }
}

/// A file row: its 1-based line number in the file (header = line 1) and its cells.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Row {
    pub line: usize,
    pub cells: Vec<String>,
}

/// The content of an import.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Payload {
    /// A `;`-separated file with a header line.
    Csv { header: Vec<String>, rows: Vec<Row> },
    /// OF24 `offers[]`.
    Json(Vec<serde_json::Map<String, Value>>),
    /// The file could not be read at all; the import fails with this reason.
    Unreadable(String),
}

impl Payload {
    /// Reads a `;`-separated CSV file with a header line.
    pub(crate) fn from_csv(bytes: &[u8]) -> Payload {
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(b';')
            .has_headers(true)
            .flexible(true)
            .trim(csv::Trim::All)
            .from_reader(bytes);
        let header: Vec<String> = match reader.headers() {
            Ok(h) => h.iter().map(|c| c.trim().to_ascii_lowercase()).collect(),
            Err(e) => return Payload::Unreadable(format!("The file cannot be read: {e}")),
        };
        if header.iter().all(String::is_empty) {
            return Payload::Unreadable("The file is empty".into());
        }
        let mut rows = Vec::new();
        // newlines counted so far, up to byte `counted` (records come in file order, so the
        // count grows incrementally: one pass over the file, not one per row)
        let (mut counted, mut newlines) = (0usize, 0usize);
        for (index, record) in reader.records().enumerate() {
            match record {
                Ok(record) => {
                    let cells: Vec<String> = record.iter().map(str::to_owned).collect();
                    if cells.iter().all(String::is_empty) {
                        continue;
                    }
                    // Line number from the byte offset: the reader skips blank lines
                    // without counting them, and a record's offset can point at them.
                    let line = record
                        .position()
                        .and_then(|p| usize::try_from(p.byte()).ok())
                        .map(|b| {
                            let mut start = b.min(bytes.len());
                            while start < bytes.len() && matches!(bytes[start], b'\n' | b'\r') {
                                start += 1;
                            }
                            if start >= counted {
                                newlines += bytes[counted..start]
                                    .iter()
                                    .filter(|c| **c == b'\n')
                                    .count();
                                counted = start;
                            } else {
                                return 1 + bytes[..start].iter().filter(|c| **c == b'\n').count();
                            }
                            1 + newlines
                        })
                        .unwrap_or(index + 2);
                    rows.push(Row { line, cells });
                }
                Err(e) => {
                    return Payload::Unreadable(format!(
                        "A parsing error has occurred at line {}: {e}",
                        index + 2
                    ));
                }
            }
        }
        Payload::Csv { header, rows }
    }
}

/// A row as a `header → value` map.
pub(crate) fn row_map(header: &[String], row: &Row) -> HashMap<String, String> {
    header
        .iter()
        .cloned()
        .zip(row.cells.iter().cloned())
        .collect()
}

/// Counters filled when the import is processed.
#[derive(Debug, Clone, Default)]
pub(crate) struct Outcome {
    pub lines_read: u64,
    pub lines_in_success: u64,
    pub lines_in_error: u64,
    pub inserted: u64,
    pub updated: u64,
    pub deleted: u64,
    /// `(line, cells, message)` of every rejected line.
    pub errors: Vec<(usize, Vec<String>, String)>,
    /// Header of the error report (the input header, or a fixed one for JSON imports).
    pub report_header: Vec<String>,
    /// Product imports: lines (integrated or not) with at least one warning.
    pub lines_with_warning: u64,
    /// Product imports: the warnings of rejected lines, by line, for the P44 report.
    pub line_warnings: BTreeMap<usize, String>,
    /// Product imports: lines rejected because of a product identifier.
    pub wrong_identifiers: u64,
}

impl Outcome {
    pub(crate) fn fail_line(
        &mut self,
        line: usize,
        cells: Vec<String>,
        message: impl Into<String>,
    ) {
        self.lines_read += 1;
        self.lines_in_error += 1;
        self.errors.push((line, cells, message.into()));
    }

    pub(crate) fn succeed_line(&mut self) {
        self.lines_read += 1;
        self.lines_in_success += 1;
    }

    /// The CSV error report: the input columns plus `error-line` and `error-message`, every
    /// cell quoted, `;`-separated, as in Mirakl's OF03 example.
    pub(crate) fn error_report(&self) -> Option<String> {
        if self.errors.is_empty() {
            return None;
        }
        let mut writer = csv::WriterBuilder::new()
            .delimiter(b';')
            .quote_style(csv::QuoteStyle::Always)
            .flexible(true)
            .from_writer(Vec::new());
        let mut header = self.report_header.clone();
        header.push("error-line".into());
        header.push("error-message".into());
        writer.write_record(&header).ok()?;
        for (line, cells, message) in &self.errors {
            let mut record = cells.clone();
            record.resize(self.report_header.len(), String::new());
            record.push(line.to_string());
            record.push(message.clone());
            writer.write_record(&record).ok()?;
        }
        String::from_utf8(writer.into_inner().ok()?).ok()
    }
}

impl Outcome {
    /// The P44 "non-integrated products" report: the input columns of every rejected line
    /// plus `errors` and `warnings` (messages `code|text`, separated by `, `), every cell
    /// quoted, `;`-separated.
    pub(crate) fn product_error_report(&self) -> Option<String> {
        if self.errors.is_empty() {
            return None;
        }
        let mut writer = csv::WriterBuilder::new()
            .delimiter(b';')
            .quote_style(csv::QuoteStyle::Always)
            .flexible(true)
            .from_writer(Vec::new());
        let mut header = self.report_header.clone();
        header.push("errors".into());
        header.push("warnings".into());
        writer.write_record(&header).ok()?;
        for (line, cells, message) in &self.errors {
            let mut record = cells.clone();
            record.resize(self.report_header.len(), String::new());
            record.push(message.clone());
            record.push(self.line_warnings.get(line).cloned().unwrap_or_default());
            writer.write_record(&record).ok()?;
        }
        String::from_utf8(writer.into_inner().ok()?).ok()
    }
}

/// One import of any kind.
#[derive(Debug, Clone)]
pub(crate) struct Import {
    pub id: u64,
    pub kind: ImportKind,
    pub mode: ImportMode,
    /// `true` for OF24 (JSON) imports.
    pub from_json: bool,
    pub payload: Payload,
    pub created: OffsetDateTime,
    pub run_at: OffsetDateTime,
    pub done_at: OffsetDateTime,
    pub status: ImportStatus,
    pub reason_status: Option<String>,
    pub outcome: Outcome,
    pub shop_id: u64,
}

impl Import {
    pub(crate) fn has_error_report(&self) -> bool {
        self.status.is_terminal() && !self.outcome.errors.is_empty()
    }

    fn pending(&self) -> u64 {
        if self.status.is_terminal() {
            0
        } else {
            match &self.payload {
                Payload::Csv { rows, .. } => rows.len() as u64,
                Payload::Json(offers) => offers.len() as u64,
                Payload::Unreadable(_) => 0,
            }
        }
    }

    /// OF02 / OF04 `data[]` shape.
    pub(crate) fn offer_json(&self) -> Value {
        json!({
            "date_created": iso(self.created),
            "has_error_report": self.has_error_report(),
            "import_id": self.id,
            "lines_in_error": self.outcome.lines_in_error,
            "lines_in_pending": self.pending(),
            "lines_in_success": self.outcome.lines_in_success,
            "lines_read": self.outcome.lines_read,
            "mode": self.mode.as_str(),
            "offer_deleted": self.outcome.deleted,
            "offer_inserted": self.outcome.inserted,
            "offer_updated": self.outcome.updated,
            "origin": "API",
            "reason_status": self.reason_status,
            "shop_id": self.shop_id,
            "status": self.status.as_str(self.kind),
            "type": if self.from_json { "API" } else { "FILE" },
        })
    }

    /// STO02 / PRI02 `data[]` shape (string ids).
    pub(crate) fn stock_or_price_json(&self) -> Value {
        let mut value = json!({
            "date_created": iso(self.created),
            "has_error_report": self.has_error_report(),
            "import_id": self.id.to_string(),
            "lines_in_error": self.outcome.lines_in_error,
            "lines_in_success": self.outcome.lines_in_success,
            "origin": "API",
            "reason_status": self.reason_status,
            "shop_id": self.shop_id,
            "status": self.status.as_str(self.kind),
        });
        if self.kind == ImportKind::Pricing {
            value["offers_in_error"] = json!(self.outcome.lines_in_error);
            value["offers_updated"] = json!(self.outcome.updated);
        }
        value
    }

    /// P42 / P51 shape. Product imports go `WAITING` → `RUNNING` → `COMPLETE` (or `FAILED`
    /// for a file that cannot be read).
    pub(crate) fn product_json(&self) -> Value {
        let done = self.status.is_terminal();
        let o = &self.outcome;
        let mut value = json!({
            "date_created": iso(self.created),
            "has_error_report": self.has_error_report(),
            "has_new_product_report": done && o.inserted > 0,
            "has_transformation_error_report": false,
            "has_transformed_file": false,
            "import_id": self.id,
            "import_status": self.status.as_str(self.kind),
            "reason_status": self.reason_status,
            "shop_id": self.shop_id,
            "transform_lines_in_error": o.lines_in_error,
            "transform_lines_in_success": o.lines_in_success,
            "transform_lines_read": o.lines_read,
            "transform_lines_with_warning": o.lines_with_warning,
        });
        if self.status == ImportStatus::Complete {
            value["integration_details"] = json!({
                "invalid_products": o.lines_in_error - o.wrong_identifiers,
                "products_not_accepted_in_time": 0,
                "products_not_synchronized_in_time": 0,
                "products_reimported": o.updated,
                "products_successfully_synchronized": o.lines_in_success,
                "products_with_synchronization_issues": 0,
                "products_with_wrong_identifiers": o.wrong_identifiers,
                "rejected_products": 0,
            });
        }
        value
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_semicolon_csv_with_quoted_header() {
        let payload = Payload::from_csv(b"\"sku\";\"price\"\n\"A\";\"1.50\"\n\n\"B\";\"2\"\n");
        let Payload::Csv { header, rows } = payload else {
            panic!("expected csv");
        };
        assert_eq!(header, vec!["sku", "price"]);
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[1].line, 4);
        assert_eq!(row_map(&header, &rows[0])["price"], "1.50");
    }

    #[test]
    fn product_report_appends_errors_and_warnings() {
        let mut outcome = Outcome {
            report_header: vec!["shop-sku".into(), "title".into()],
            ..Outcome::default()
        };
        assert!(outcome.product_error_report().is_none());
        outcome.fail_line(
            2,
            vec!["A".into()],
            "2000|The attribute 'title' is required",
        );
        outcome
            .line_warnings
            .insert(2, "2001|The attribute 'ean' is recommended".into());
        outcome.fail_line(3, vec!["B".into(), "T".into()], "4000|Duplicate");
        let report = outcome.product_error_report().expect("report");
        assert_eq!(
            report,
            "\"shop-sku\";\"title\";\"errors\";\"warnings\"\n\
             \"A\";\"\";\"2000|The attribute 'title' is required\";\"2001|The attribute 'ean' is recommended\"\n\
             \"B\";\"T\";\"4000|Duplicate\";\"\"\n"
        );
    }

    #[test]
    fn error_report_appends_line_and_message() {
        let mut outcome = Outcome {
            report_header: vec!["sku".into(), "price".into()],
            ..Outcome::default()
        };
        assert!(outcome.error_report().is_none());
        outcome.fail_line(
            3,
            vec!["A".into(), "-1".into()],
            "The price must be positive or zero",
        );
        let report = outcome.error_report().expect("report");
        assert_eq!(
            report,
            "\"sku\";\"price\";\"error-line\";\"error-message\"\n\"A\";\"-1\";\"3\";\"The price must be positive or zero\"\n"
        );
    }
}
