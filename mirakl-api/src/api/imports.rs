//! Stock (STO01–STO03) and price (PRI01–PRI03) imports.

use crate::client::{Client, seg, wait_until_final};
use crate::imports::{
    ErrorReport, ImportOutcome, ImportStatus, PriceImport, PriceImportCreated, PriceLine,
    StockImport, StockImportCreated, StockLine, WaitOptions, write_prices_csv, write_stock_csv,
};
use crate::page::{Page, SeekPage};
use crate::{Error, Result};
use bc_mirakl_api_core::transport::{Body, Method, Part, RequestSpec};
use futures::Stream;
use time::OffsetDateTime;

fn csv_part(bytes: Vec<u8>, name: &str) -> Body {
    Body::Multipart(vec![Part::file("file", name, "text/csv", bytes)])
}

/// Stock imports. Get it with [`Client::stock`].
#[derive(Debug, Clone)]
pub struct Stock {
    client: Client,
}

impl Stock {
    pub(crate) fn new(client: Client) -> Self {
        Stock { client }
    }

    /// STO01: imports stock quantities, written as a CSV file with the client's CSV options.
    /// Mirakl allows one STO01 a minute; the limiter waits for the next slot.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] when `lines` is empty; else as [`Client::execute`].
    pub async fn import(&self, lines: &[StockLine]) -> Result<StockImportCreated> {
        if lines.is_empty() {
            return Err(Error::InvalidInput("STO01 needs at least one line".into()));
        }
        let csv = write_stock_csv(lines, &self.client.csv_options())?;
        self.import_csv(csv).await
    }

    /// STO01 with a ready CSV file.
    ///
    /// # Errors
    /// As [`Client::execute`], plus [`Error::Decode`].
    pub async fn import_csv(&self, csv: Vec<u8>) -> Result<StockImportCreated> {
        let spec = RequestSpec::new(
            Method::POST,
            "/api/offers/stock/imports",
            "api/offers/stock/imports",
        )
        .operation("STO01")
        .body(csv_part(csv, "stock.csv"));
        self.client.json(spec).await
    }

    /// STO02: status of a stock import.
    ///
    /// # Errors
    /// As [`Client::execute`], plus [`Error::Decode`].
    pub async fn status(&self, import_id: &str) -> Result<StockImport> {
        let spec = RequestSpec::new(
            Method::GET,
            "/api/offers/stock/imports/{import_id}/status",
            format!("api/offers/stock/imports/{}/status", seg(import_id)),
        )
        .operation("STO02");
        self.client.json(spec).await
    }

    /// STO03: the error report of a stock import, parsed into rows.
    ///
    /// # Errors
    /// As [`Client::execute`], plus [`Error::Decode`].
    pub async fn error_report(&self, import_id: &str) -> Result<ErrorReport> {
        let spec = RequestSpec::new(
            Method::GET,
            "/api/offers/stock/imports/{import_id}/error_report",
            format!("api/offers/stock/imports/{}/error_report", seg(import_id)),
        )
        .operation("STO03");
        self.client.error_report(spec).await
    }

    /// Polls STO02 until the import is final, then fetches STO03 when there is a report.
    ///
    /// # Errors
    /// [`Error::ImportTimeout`] after `opts.max_polls` polls; else as the calls made.
    pub async fn wait_for_import(
        &self,
        import_id: &str,
        opts: WaitOptions,
    ) -> Result<ImportOutcome<StockImport>> {
        let (status, polls) = wait_until_final(import_id, opts, || async {
            let s = self.status(import_id).await?;
            let st = s.status.clone();
            Ok((s, st))
        })
        .await?;
        let error_report = if status.has_error_report {
            Some(self.error_report(import_id).await?)
        } else {
            None
        };
        Ok(ImportOutcome {
            status,
            error_report,
            polls,
        })
    }
}

/// Price imports. Get it with [`Client::prices`].
#[derive(Debug, Clone)]
pub struct Prices {
    client: Client,
}

impl Prices {
    pub(crate) fn new(client: Client) -> Self {
        Prices { client }
    }

    /// PRI01: imports prices, written as a CSV file with the client's CSV options.
    /// Mirakl allows one PRI01 a minute; the limiter waits for the next slot.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] when `lines` is empty; else as [`Client::execute`].
    pub async fn import(&self, lines: &[PriceLine]) -> Result<PriceImportCreated> {
        if lines.is_empty() {
            return Err(Error::InvalidInput("PRI01 needs at least one line".into()));
        }
        let csv = write_prices_csv(lines, &self.client.csv_options())?;
        self.import_csv(csv).await
    }

    /// PRI01 with a ready CSV file.
    ///
    /// # Errors
    /// As [`Client::execute`], plus [`Error::Decode`].
    pub async fn import_csv(&self, csv: Vec<u8>) -> Result<PriceImportCreated> {
        let spec = RequestSpec::new(
            Method::POST,
            "/api/offers/pricing/imports",
            "api/offers/pricing/imports",
        )
        .operation("PRI01")
        .body(csv_part(csv, "prices.csv"));
        self.client.json(spec).await
    }

    /// PRI02: lists price imports (seek paging).
    pub fn imports(&self) -> PriceImportListRequest {
        PriceImportListRequest {
            client: self.client.clone(),
            import_ids: Vec::new(),
            status: None,
            origins: Vec::new(),
            start_date: None,
            end_date: None,
            limit: None,
            page_token: None,
        }
    }

    /// PRI02 filtered on one import id: its status, or `None` when Mirakl does not list it.
    ///
    /// # Errors
    /// As [`Client::execute`], plus [`Error::Decode`].
    pub async fn status(&self, import_id: &str) -> Result<Option<PriceImport>> {
        let page = self.imports().import_ids([import_id]).send().await?;
        Ok(page.items.into_iter().find(|i| i.import_id == import_id))
    }

    /// PRI03: the error report of a price import, parsed into rows.
    ///
    /// # Errors
    /// As [`Client::execute`], plus [`Error::Decode`].
    pub async fn error_report(&self, import_id: &str) -> Result<ErrorReport> {
        let spec = RequestSpec::new(
            Method::GET,
            "/api/offers/pricing/imports/{import_id}/error_report",
            format!("api/offers/pricing/imports/{}/error_report", seg(import_id)),
        )
        .operation("PRI03");
        self.client.error_report(spec).await
    }

    /// Polls PRI02 until the import is final, then fetches PRI03 when there is a report.
    /// An import not listed yet counts as `WAITING`.
    ///
    /// # Errors
    /// [`Error::ImportTimeout`] after `opts.max_polls` polls; else as the calls made.
    pub async fn wait_for_import(
        &self,
        import_id: &str,
        opts: WaitOptions,
    ) -> Result<ImportOutcome<PriceImport>> {
        let (status, polls) = wait_until_final(import_id, opts, || async {
            let s = self.status(import_id).await?;
            let st = s
                .as_ref()
                .map(|s| s.status.clone())
                .unwrap_or(ImportStatus::Waiting);
            Ok((s, st))
        })
        .await?;
        let status = status
            .ok_or_else(|| Error::InvalidInput(format!("price import {import_id} not found")))?;
        let error_report = if status.has_error_report {
            Some(self.error_report(import_id).await?)
        } else {
            None
        };
        Ok(ImportOutcome {
            status,
            error_report,
            polls,
        })
    }
}

/// PRI02 request builder. Get it with [`Prices::imports`].
#[derive(Debug, Clone)]
pub struct PriceImportListRequest {
    client: Client,
    import_ids: Vec<String>,
    status: Option<ImportStatus>,
    origins: Vec<String>,
    start_date: Option<OffsetDateTime>,
    end_date: Option<OffsetDateTime>,
    limit: Option<u32>,
    page_token: Option<String>,
}

impl PriceImportListRequest {
    /// Only these imports.
    #[must_use]
    pub fn import_ids<I: IntoIterator<Item = S>, S: Into<String>>(mut self, ids: I) -> Self {
        self.import_ids = ids.into_iter().map(Into::into).collect();
        self
    }
    /// Only imports with this status.
    #[must_use]
    pub fn status(mut self, status: ImportStatus) -> Self {
        self.status = Some(status);
        self
    }
    /// Only imports from these origins.
    #[must_use]
    pub fn origins<I: IntoIterator<Item = S>, S: Into<String>>(mut self, origins: I) -> Self {
        self.origins = origins.into_iter().map(Into::into).collect();
        self
    }
    /// Created at or after.
    #[must_use]
    pub fn start_date(mut self, date: OffsetDateTime) -> Self {
        self.start_date = Some(date);
        self
    }
    /// Created before.
    #[must_use]
    pub fn end_date(mut self, date: OffsetDateTime) -> Self {
        self.end_date = Some(date);
        self
    }
    /// Page size, 1 to 100.
    #[must_use]
    pub fn limit(mut self, limit: u32) -> Self {
        self.limit = Some(limit);
        self
    }
    /// Continues from a page token.
    #[must_use]
    pub fn page_token(mut self, token: impl Into<String>) -> Self {
        self.page_token = Some(token.into());
        self
    }

    /// The request for the page at `token` (`None`: the first page), as sent.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] when `limit` is not within 1..=100.
    pub fn request(&self, token: Option<&str>) -> Result<RequestSpec> {
        if let Some(l) = self.limit.filter(|l| !(1..=100).contains(l)) {
            return Err(Error::InvalidInput(format!(
                "limit must be 1 to 100, got {l}"
            )));
        }
        let mut spec = RequestSpec::new(
            Method::GET,
            "/api/offers/pricing/imports",
            "api/offers/pricing/imports",
        )
        .operation("PRI02")
        .query_opt("limit", self.limit);
        if let Some(t) = token {
            return Ok(spec.query("page_token", t));
        }
        for id in &self.import_ids {
            spec = spec.query("import_id", id);
        }
        spec = spec
            .query_opt("status", self.status.as_ref())
            .query_opt(
                "start_date",
                self.start_date.map(crate::datetime::format_query),
            )
            .query_opt("end_date", self.end_date.map(crate::datetime::format_query));
        for o in &self.origins {
            spec = spec.query("origins", o);
        }
        Ok(spec)
    }

    async fn fetch(&self, token: Option<String>) -> Result<Page<PriceImport>> {
        let page: SeekPage<PriceImport> = self.client.json(self.request(token.as_deref())?).await?;
        Ok(page.into())
    }

    /// Fetches one page.
    ///
    /// # Errors
    /// As [`Client::execute`], plus [`Error::Decode`].
    pub async fn send(self) -> Result<Page<PriceImport>> {
        let token = self.page_token.clone();
        self.fetch(token).await
    }

    /// Every import, following `next_page_token` lazily.
    pub fn stream(self) -> impl Stream<Item = Result<PriceImport>> + Send + 'static {
        let first = self.page_token.clone();
        crate::client::stream_pages(
            self,
            first,
            |req, token| async move { req.fetch(token).await },
        )
    }
}
