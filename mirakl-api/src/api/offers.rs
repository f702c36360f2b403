//! Offer calls.

use crate::client::{Client, Download, join, json_spec, seg, wait_until_final};
use crate::common::SortOrder;
use crate::imports::{
    ErrorReport, ImportMode, ImportOutcome, ImportStatus, OfferImport, OfferImportCreated,
    WaitOptions, write_offers_csv,
};
use crate::offers::{
    ExportStarted, ExportState, ExportStatus, ExportedOffer, Offer, OfferExportRequest, OfferList,
    OfferUpdate, OfferUpsertRequest,
};
use crate::page::{Page, SeekPage};
use crate::{Error, Result};
use bc_mirakl_api_core::transport::{Body, Method, Part, RequestSpec};
use futures::Stream;
use time::OffsetDateTime;

/// Offer calls. Get it with [`Client::offers`].
#[derive(Debug, Clone)]
pub struct Offers {
    pub(crate) client: Client,
}

impl Offers {
    pub(crate) fn new(client: Client) -> Self {
        Offers { client }
    }

    /// OF21: lists the shop's offers (offset paging).
    pub fn list(&self) -> OfferListRequest {
        OfferListRequest {
            client: self.client.clone(),
            max: 100,
            offset: 0,
            sku: None,
            product_id: None,
            offer_state_codes: Vec::new(),
            favorite: None,
            pricing_channel_code: None,
            sort: None,
        }
    }

    /// OF22: one offer by its Mirakl offer id.
    ///
    /// # Errors
    /// [`Error::Api`] (404 when absent), [`Error::Decode`], [`Error::Transport`].
    pub async fn get(&self, offer_id: u64) -> Result<Offer> {
        let spec = RequestSpec::new(
            Method::GET,
            "/api/offers/{offer}",
            format!("api/offers/{offer_id}"),
        )
        .operation("OF22");
        self.client.json(spec).await
    }

    /// OF22, with a 404 returned as `None`.
    ///
    /// # Errors
    /// As [`Offers::get`], except 404.
    pub async fn get_opt(&self, offer_id: u64) -> Result<Option<Offer>> {
        match self.get(offer_id).await {
            Ok(o) => Ok(Some(o)),
            Err(e) if e.is_not_found() => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// OF24: creates, updates or deletes offers from JSON, asynchronously; poll the returned
    /// import with [`Offers::import_status`] or [`Offers::wait_for_import`].
    ///
    /// **OF24 replaces each offer whole: every field not sent is reset to its default**
    /// (quantity 0, no discount, …). Send the full desired offer every time. Mirakl allows
    /// one OF24 call a minute; the client's limiter waits for the next slot.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] when `offers` is empty; else as [`Client::execute`].
    pub async fn upsert(&self, offers: Vec<OfferUpdate>) -> Result<OfferImportCreated> {
        if offers.is_empty() {
            return Err(Error::InvalidInput("OF24 needs at least one offer".into()));
        }
        let spec = RequestSpec::new(Method::POST, "/api/offers", "api/offers").operation("OF24");
        let spec = json_spec(spec, &OfferUpsertRequest { offers })?;
        self.client.json(spec).await
    }

    /// OF01: imports an offer file (CSV, XLSX or XML) as multipart `file`.
    ///
    /// # Errors
    /// As [`Client::execute`].
    pub async fn import_file(&self, file: OfferImportFile) -> Result<OfferImportCreated> {
        let mut parts = vec![
            Part::file("file", file.file_name, file.content_type, file.bytes),
            Part::text("import_mode", file.mode.as_str()),
        ];
        if let Some(w) = file.with_products {
            parts.push(Part::text("with_products", w.to_string()));
        }
        if let Some(o) = file.operator_format {
            parts.push(Part::text("operator_format", o.to_string()));
        }
        let spec = RequestSpec::new(Method::POST, "/api/offers/imports", "api/offers/imports")
            .operation("OF01")
            .body(Body::Multipart(parts));
        self.client.json(spec).await
    }

    /// OF01 with a CSV written from `offers` (see [`write_offers_csv`]) using the client's
    /// CSV options.
    ///
    /// # Errors
    /// As [`Offers::import_file`], plus [`Error::InvalidInput`] for the CSV.
    pub async fn import_offers(
        &self,
        offers: &[OfferUpdate],
        mode: ImportMode,
    ) -> Result<OfferImportCreated> {
        let csv = write_offers_csv(offers, &self.client.csv_options())?;
        self.import_file(OfferImportFile::csv(csv, mode)).await
    }

    /// OF02: status and counters of an offer import.
    ///
    /// # Errors
    /// As [`Client::execute`], plus [`Error::Decode`].
    pub async fn import_status(&self, import_id: u64) -> Result<OfferImport> {
        let spec = RequestSpec::new(
            Method::GET,
            "/api/offers/imports/{import}",
            format!("api/offers/imports/{import_id}"),
        )
        .operation("OF02");
        self.client.json(spec).await
    }

    /// OF03: the error report of an offer import, parsed into rows.
    ///
    /// # Errors
    /// As [`Client::execute`] (404 when the import has no report), plus [`Error::Decode`]
    /// when the report is not CSV.
    pub async fn error_report(&self, import_id: u64) -> Result<ErrorReport> {
        let spec = RequestSpec::new(
            Method::GET,
            "/api/offers/imports/{import}/error_report",
            format!("api/offers/imports/{import_id}/error_report"),
        )
        .operation("OF03");
        self.client.error_report(spec).await
    }

    /// OF04: lists offer imports (seek paging).
    pub fn imports(&self) -> OfferImportListRequest {
        OfferImportListRequest {
            client: self.client.clone(),
            limit: None,
            page_token: None,
            status: None,
            mode: None,
            origins: Vec::new(),
            start_date: None,
            end_date: None,
        }
    }

    /// Polls OF02 every `opts.interval` until the import is final, then fetches the OF03
    /// report when it has one. Lines in the report were not applied.
    ///
    /// # Errors
    /// [`Error::ImportTimeout`] after `opts.max_polls` polls; else as the calls made.
    pub async fn wait_for_import(
        &self,
        import_id: u64,
        opts: WaitOptions,
    ) -> Result<ImportOutcome<OfferImport>> {
        let (status, polls) = wait_until_final(&import_id.to_string(), opts, || async {
            let s = self.import_status(import_id).await?;
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

    /// OF52: starts an asynchronous export of the shop's offers.
    ///
    /// # Errors
    /// As [`Client::execute`], plus [`Error::Decode`].
    pub async fn export_async(&self, request: &OfferExportRequest) -> Result<ExportStarted> {
        let spec = RequestSpec::new(
            Method::POST,
            "/api/offers/export/async",
            "api/offers/export/async",
        )
        .operation("OF52");
        self.client.json(json_spec(spec, request)?).await
    }

    /// OF53: status of an asynchronous export.
    ///
    /// # Errors
    /// As [`Client::execute`], plus [`Error::Decode`].
    pub async fn export_status(&self, tracking_id: &str) -> Result<ExportStatus> {
        let spec = RequestSpec::new(
            Method::GET,
            "/api/offers/export/async/status/{tracking_id}",
            format!("api/offers/export/async/status/{}", seg(tracking_id)),
        )
        .operation("OF53");
        self.client.json(spec).await
    }

    /// OF53 until the export is final: polls every `opts.interval` (Mirakl allows OF53 every
    /// 10 s), at most `opts.max_polls` times.
    ///
    /// # Errors
    /// [`Error::ExportFailed`] when the export ends FAILED, [`Error::ImportTimeout`] (naming
    /// the tracking id) when it is still pending after the last poll; else as
    /// [`Offers::export_status`].
    pub async fn wait_for_export(
        &self,
        tracking_id: &str,
        opts: WaitOptions,
    ) -> Result<ExportStatus> {
        let mut polls = 0;
        loop {
            let status = self.export_status(tracking_id).await?;
            polls += 1;
            if status.status == ExportState::Completed {
                return Ok(status);
            }
            if status.status == ExportState::Failed {
                let error = status.error.unwrap_or(crate::offers::ExportError {
                    code: None,
                    detail: None,
                });
                return Err(Error::ExportFailed {
                    tracking_id: tracking_id.to_owned(),
                    code: error.code,
                    detail: error.detail,
                });
            }
            if polls >= opts.max_polls {
                return Err(Error::ImportTimeout {
                    import_id: tracking_id.to_owned(),
                    last_status: status.status.to_string(),
                    polls,
                });
            }
            tokio::time::sleep(opts.interval).await;
        }
    }

    /// OF52 → OF53 → OF54 in JSON: starts the export `request` describes (its `export_type`
    /// is set to JSON), waits for it and downloads every chunk, in order. A full export (no
    /// `last_request_date`) is allowed once a day, a differential one once a minute.
    ///
    /// # Errors
    /// As [`Offers::export_async`], [`Offers::wait_for_export`] and
    /// [`Offers::export_file_json`].
    pub async fn export_json(
        &self,
        request: &OfferExportRequest,
        opts: WaitOptions,
    ) -> Result<Vec<ExportedOffer>> {
        let mut request = request.clone();
        request.export_type = Some("application/json".to_owned());
        let started = self.export_async(&request).await?;
        let done = self.wait_for_export(&started.tracking_id, opts).await?;
        let mut offers = Vec::new();
        for url in &done.urls {
            offers.extend(self.export_file_json(url).await?);
        }
        Ok(offers)
    }

    /// OF54: downloads one export file from a URL given by OF53. The URL must be on the
    /// client's instance (the API key is never sent elsewhere).
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for a URL on another host; else as [`Client::execute`].
    pub async fn export_file(&self, url: &str) -> Result<Download> {
        let spec = self.export_spec(url)?;
        let resp = self.client.execute(spec).await?;
        Ok(Download::from_response(&resp))
    }

    /// OF54 for a JSON export: the offers of one chunk.
    ///
    /// # Errors
    /// As [`Offers::export_file`], plus [`Error::Decode`].
    pub async fn export_file_json(&self, url: &str) -> Result<Vec<ExportedOffer>> {
        let spec = self.export_spec(url)?;
        self.client.json(spec).await
    }

    fn export_spec(&self, url: &str) -> Result<RequestSpec> {
        let (path, query) = self.client.instance_target(url, "export")?;
        let mut spec = RequestSpec::new(Method::GET, "/api/offers/export/async/file/{file}", path)
            .operation("OF54");
        for (k, v) in query {
            spec = spec.query(k, v);
        }
        Ok(spec)
    }
}

/// An offer file for OF01.
#[derive(Debug, Clone, PartialEq)]
pub struct OfferImportFile {
    /// File content.
    pub bytes: Vec<u8>,
    /// File name sent in the multipart part (its extension tells Mirakl the format).
    pub file_name: String,
    /// MIME type.
    pub content_type: String,
    /// `NORMAL` or `REPLACE` (which deletes offers absent from the file).
    pub mode: ImportMode,
    /// Whether the file also carries products.
    pub with_products: Option<bool>,
    /// Whether the file uses the operator's format.
    pub operator_format: Option<bool>,
}

impl OfferImportFile {
    /// A CSV file named `offers.csv`.
    pub fn csv(bytes: Vec<u8>, mode: ImportMode) -> Self {
        OfferImportFile {
            bytes,
            file_name: "offers.csv".into(),
            content_type: "text/csv".into(),
            mode,
            with_products: None,
            operator_format: None,
        }
    }
}

/// OF21 request builder. Get it with [`Offers::list`].
#[derive(Debug, Clone)]
pub struct OfferListRequest {
    client: Client,
    max: u32,
    offset: u64,
    sku: Option<String>,
    product_id: Option<String>,
    offer_state_codes: Vec<String>,
    favorite: Option<bool>,
    pricing_channel_code: Option<String>,
    sort: Option<(String, SortOrder)>,
}

impl OfferListRequest {
    /// Page size, 1 to 100 (default 100).
    #[must_use]
    pub fn max(mut self, max: u32) -> Self {
        self.max = max;
        self
    }
    /// Offset of the first offer (default 0).
    #[must_use]
    pub fn offset(mut self, offset: u64) -> Self {
        self.offset = offset;
        self
    }
    /// Only the offer with this shop SKU.
    #[must_use]
    pub fn sku(mut self, sku: impl Into<String>) -> Self {
        self.sku = Some(sku.into());
        self
    }
    /// Only offers on this product.
    #[must_use]
    pub fn product_id(mut self, product_id: impl Into<String>) -> Self {
        self.product_id = Some(product_id.into());
        self
    }
    /// Only offers with these condition codes.
    #[must_use]
    pub fn offer_state_codes<I: IntoIterator<Item = S>, S: Into<String>>(
        mut self,
        codes: I,
    ) -> Self {
        self.offer_state_codes = codes.into_iter().map(Into::into).collect();
        self
    }
    /// Only favorite (or non-favorite) offers.
    #[must_use]
    pub fn favorite(mut self, favorite: bool) -> Self {
        self.favorite = Some(favorite);
        self
    }
    /// Prices in this channel.
    #[must_use]
    pub fn pricing_channel_code(mut self, code: impl Into<String>) -> Self {
        self.pricing_channel_code = Some(code.into());
        self
    }
    /// Sort field (`totalPrice`, `price`, `productTitle`) and direction.
    #[must_use]
    pub fn sort(mut self, field: impl Into<String>, order: SortOrder) -> Self {
        self.sort = Some((field.into(), order));
        self
    }

    /// The request for the page at `offset`, as sent (before `shop_id`).
    ///
    /// # Errors
    /// [`Error::InvalidInput`] when `max` is not within 1..=100.
    pub fn request(&self, offset: u64) -> Result<RequestSpec> {
        if !(1..=100).contains(&self.max) {
            return Err(Error::InvalidInput(format!(
                "max must be 1 to 100, got {}",
                self.max
            )));
        }
        let mut spec = RequestSpec::new(Method::GET, "/api/offers", "api/offers")
            .operation("OF21")
            .query("max", self.max)
            .query("offset", offset)
            .query("paginate", "true")
            .query_opt("sku", self.sku.as_ref())
            .query_opt("product_id", self.product_id.as_ref())
            .query_opt("offer_state_codes", join(&self.offer_state_codes))
            .query_opt("favorite", self.favorite)
            .query_opt("pricing_channel_code", self.pricing_channel_code.as_ref());
        if let Some((field, order)) = &self.sort {
            spec = spec.query("sort", field).query("order", order);
        }
        Ok(spec)
    }

    async fn fetch(&self, offset: u64) -> Result<Page<Offer>> {
        let list: OfferList = self.client.json(self.request(offset)?).await?;
        Ok(Page::offset_page(list.offers, list.total_count, offset))
    }

    /// Fetches one page.
    ///
    /// # Errors
    /// As [`OfferListRequest::request`] and [`Client::execute`], plus [`Error::Decode`].
    pub async fn send(self) -> Result<Page<Offer>> {
        self.fetch(self.offset).await
    }

    /// Every offer from the offset on, in order; ends at `total_count`, on an empty page, or at
    /// the first error. Once the first page has told `total_count`, up to
    /// [`Client::pages_in_flight`](crate::Client::pages_in_flight) pages are fetched at once
    /// (later pages of one pass do not count against the call ceiling).
    pub fn stream(self) -> impl Stream<Item = Result<Offer>> + Send + 'static {
        let (start, max) = (self.offset, self.max);
        let ahead = self.client.pages_in_flight();
        crate::client::stream_offset_pages(self, start, max, ahead, |req, offset| async move {
            req.fetch(offset).await
        })
    }
}

/// OF04 request builder. Get it with [`Offers::imports`].
#[derive(Debug, Clone)]
pub struct OfferImportListRequest {
    client: Client,
    limit: Option<u32>,
    page_token: Option<String>,
    status: Option<ImportStatus>,
    mode: Option<ImportMode>,
    origins: Vec<String>,
    start_date: Option<OffsetDateTime>,
    end_date: Option<OffsetDateTime>,
}

impl OfferImportListRequest {
    /// Page size, 1 to 100.
    #[must_use]
    pub fn limit(mut self, limit: u32) -> Self {
        self.limit = Some(limit);
        self
    }
    /// Continues from a page token (other filters are then ignored by Mirakl).
    #[must_use]
    pub fn page_token(mut self, token: impl Into<String>) -> Self {
        self.page_token = Some(token.into());
        self
    }
    /// Only imports with this status.
    #[must_use]
    pub fn status(mut self, status: ImportStatus) -> Self {
        self.status = Some(status);
        self
    }
    /// Only imports with this mode.
    #[must_use]
    pub fn mode(mut self, mode: ImportMode) -> Self {
        self.mode = Some(mode);
        self
    }
    /// Only imports from these origins (`API`, `FRONT`, …).
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
        let mut spec = RequestSpec::new(Method::GET, "/api/offers/imports", "api/offers/imports")
            .operation("OF04")
            .query_opt("limit", self.limit);
        if let Some(t) = token {
            return Ok(spec.query("page_token", t));
        }
        spec = spec
            .query_opt("status", self.status.as_ref())
            .query_opt("mode", self.mode.as_ref())
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

    async fn fetch(&self, token: Option<String>) -> Result<Page<OfferImport>> {
        let page: SeekPage<OfferImport> = self.client.json(self.request(token.as_deref())?).await?;
        Ok(page.into())
    }

    /// Fetches one page.
    ///
    /// # Errors
    /// As [`Client::execute`], plus [`Error::Decode`].
    pub async fn send(self) -> Result<Page<OfferImport>> {
        let token = self.page_token.clone();
        self.fetch(token).await
    }

    /// Every import, following `next_page_token` lazily.
    pub fn stream(self) -> impl Stream<Item = Result<OfferImport>> + Send + 'static {
        let first = self.page_token.clone();
        crate::client::stream_pages(
            self,
            first,
            |req, token| async move { req.fetch(token).await },
        )
    }
}
