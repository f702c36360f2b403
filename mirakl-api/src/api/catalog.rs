//! Product imports (P41/P42/P44/P51) and the operator catalog (H11, PM11, VL11).

use crate::client::{Client, wait_until_final};
use crate::common::Page;
use crate::imports::{ErrorReport, ImportOutcome, ImportStatus, WaitOptions};
use crate::products::{
    Attribute, AttributeList, Hierarchy, HierarchyList, ProductImport, ProductImportCreated,
    ProductImportList, ValueList, ValueListList,
};
use crate::{Error, Result};
use bc_mirakl_api_core::transport::{Body, Method, Part, RequestSpec};
use futures::Stream;
use time::OffsetDateTime;

/// A product file for P41.
#[derive(Debug, Clone, PartialEq)]
pub struct ProductImportFile {
    /// File content.
    pub bytes: Vec<u8>,
    /// File name (its extension tells Mirakl the format).
    pub file_name: String,
    /// MIME type.
    pub content_type: String,
    /// Whether the file uses the operator's format.
    pub operator_format: Option<bool>,
    /// Conversion type, e.g. `AI_CONVERTER`.
    pub conversion_type: Option<String>,
}

impl ProductImportFile {
    /// A CSV file named `products.csv`.
    pub fn csv(bytes: Vec<u8>) -> Self {
        ProductImportFile {
            bytes,
            file_name: "products.csv".into(),
            content_type: "text/csv".into(),
            operator_format: None,
            conversion_type: None,
        }
    }

    /// A CSV file named `products.csv` whose columns are the **operator's** attribute
    /// codes (PM11), as rows built from the operator's data model are: sends
    /// `operator_format=true`, without which Mirakl reads the columns as the shop's own
    /// format and maps them through the shop's mapping.
    pub fn operator_csv(bytes: Vec<u8>) -> Self {
        ProductImportFile {
            operator_format: Some(true),
            ..ProductImportFile::csv(bytes)
        }
    }
}

/// Product imports. Get it with [`Client::products`].
#[derive(Debug, Clone)]
pub struct Products {
    client: Client,
}

impl Products {
    pub(crate) fn new(client: Client) -> Self {
        Products { client }
    }

    /// P41: imports a product file. Mirakl allows one P41 every 15 minutes; the limiter
    /// waits for the next slot.
    ///
    /// # Errors
    /// As [`Client::execute`], plus [`Error::Decode`].
    pub async fn import(&self, file: ProductImportFile) -> Result<ProductImportCreated> {
        let mut parts = vec![Part::file(
            "file",
            file.file_name,
            file.content_type,
            file.bytes,
        )];
        if let Some(o) = file.operator_format {
            parts.push(Part::text("operator_format", o.to_string()));
        }
        if let Some(c) = file.conversion_type {
            parts.push(Part::text("conversion_type", c));
        }
        let spec = RequestSpec::new(
            Method::POST,
            "/api/products/imports",
            "api/products/imports",
        )
        .operation("P41")
        .body(Body::Multipart(parts));
        self.client.json(spec).await
    }

    /// P42: status of a product import.
    ///
    /// # Errors
    /// As [`Client::execute`], plus [`Error::Decode`].
    pub async fn import_status(&self, import_id: u64) -> Result<ProductImport> {
        let spec = RequestSpec::new(
            Method::GET,
            "/api/products/imports/{import}",
            format!("api/products/imports/{import_id}"),
        )
        .operation("P42");
        self.client.json(spec).await
    }

    /// P44: the non-integrated products report, parsed into rows.
    ///
    /// # Errors
    /// As [`Client::execute`], plus [`Error::Decode`] when the report is not CSV.
    pub async fn error_report(&self, import_id: u64) -> Result<ErrorReport> {
        let spec = RequestSpec::new(
            Method::GET,
            "/api/products/imports/{import}/error_report",
            format!("api/products/imports/{import_id}/error_report"),
        )
        .operation("P44");
        self.client.error_report(spec).await
    }

    /// P51: lists product imports (offset paging).
    pub fn imports(&self) -> ProductImportListRequest {
        ProductImportListRequest {
            client: self.client.clone(),
            last_request_date: None,
            status: None,
            has_transformed_file: None,
            max: 100,
            offset: 0,
        }
    }

    /// Polls P42 until the import is final, then fetches P44 when there is a report.
    ///
    /// # Errors
    /// [`Error::ImportTimeout`] after `opts.max_polls` polls; else as the calls made.
    pub async fn wait_for_import(
        &self,
        import_id: u64,
        opts: WaitOptions,
    ) -> Result<ImportOutcome<ProductImport>> {
        let (status, polls) = wait_until_final(&import_id.to_string(), opts, || async {
            let s = self.import_status(import_id).await?;
            let st = s.import_status.clone();
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

/// P51 request builder. Get it with [`Products::imports`].
#[derive(Debug, Clone)]
pub struct ProductImportListRequest {
    client: Client,
    last_request_date: Option<OffsetDateTime>,
    status: Option<ImportStatus>,
    has_transformed_file: Option<bool>,
    max: u32,
    offset: u64,
}

impl ProductImportListRequest {
    /// Only imports changed since.
    #[must_use]
    pub fn last_request_date(mut self, date: OffsetDateTime) -> Self {
        self.last_request_date = Some(date);
        self
    }
    /// Only imports with this status.
    #[must_use]
    pub fn status(mut self, status: ImportStatus) -> Self {
        self.status = Some(status);
        self
    }
    /// Only imports with (or without) a transformed file.
    #[must_use]
    pub fn has_transformed_file(mut self, has: bool) -> Self {
        self.has_transformed_file = Some(has);
        self
    }
    /// Page size, 1 to 100 (default 100).
    #[must_use]
    pub fn max(mut self, max: u32) -> Self {
        self.max = max;
        self
    }
    /// Offset (default 0).
    #[must_use]
    pub fn offset(mut self, offset: u64) -> Self {
        self.offset = offset;
        self
    }

    /// The request for the page at `offset`, as sent.
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
        Ok(
            RequestSpec::new(Method::GET, "/api/products/imports", "api/products/imports")
                .operation("P51")
                .query_opt(
                    "last_request_date",
                    self.last_request_date.map(crate::datetime::format_query),
                )
                .query_opt("status", self.status.as_ref())
                .query_opt("has_transformed_file", self.has_transformed_file)
                .query("paginate", "true")
                .query("max", self.max)
                .query("offset", offset),
        )
    }

    async fn fetch(&self, offset: u64) -> Result<Page<ProductImport>> {
        let list: ProductImportList = self.client.json(self.request(offset)?).await?;
        Ok(Page::offset_page(
            list.product_import_trackings,
            list.total_count,
            offset,
        ))
    }

    /// Fetches one page.
    ///
    /// # Errors
    /// As [`Client::execute`], plus [`Error::Decode`].
    pub async fn send(self) -> Result<Page<ProductImport>> {
        self.fetch(self.offset).await
    }

    /// Every import, fetching pages lazily.
    pub fn stream(self) -> impl Stream<Item = Result<ProductImport>> + Send + 'static {
        let start = self.offset;
        crate::client::stream_pages(
            self,
            start,
            |req, offset| async move { req.fetch(offset).await },
        )
    }
}

/// H11 calls. Get it with [`Client::hierarchies`].
#[derive(Debug, Clone)]
pub struct Hierarchies {
    client: Client,
}

impl Hierarchies {
    pub(crate) fn new(client: Client) -> Self {
        Hierarchies { client }
    }

    /// H11: lists catalog categories (all, or under one with [`HierarchyListRequest::hierarchy`]).
    pub fn list(&self) -> HierarchyListRequest {
        HierarchyListRequest {
            client: self.client.clone(),
            hierarchy: None,
            max_level: None,
        }
    }
}

/// H11 request builder.
#[derive(Debug, Clone)]
pub struct HierarchyListRequest {
    client: Client,
    hierarchy: Option<String>,
    max_level: Option<u32>,
}

impl HierarchyListRequest {
    /// Start from this category code.
    #[must_use]
    pub fn hierarchy(mut self, code: impl Into<String>) -> Self {
        self.hierarchy = Some(code.into());
        self
    }
    /// Depth limit.
    #[must_use]
    pub fn max_level(mut self, level: u32) -> Self {
        self.max_level = Some(level);
        self
    }
    /// The request as sent.
    pub fn request(&self) -> RequestSpec {
        RequestSpec::new(Method::GET, "/api/hierarchies", "api/hierarchies")
            .operation("H11")
            .query_opt("hierarchy", self.hierarchy.as_ref())
            .query_opt("max_level", self.max_level)
    }
    /// Sends the call.
    ///
    /// # Errors
    /// As [`Client::execute`], plus [`Error::Decode`].
    pub async fn send(self) -> Result<Vec<Hierarchy>> {
        let list: HierarchyList = self.client.json(self.request()).await?;
        Ok(list.hierarchies)
    }
}

/// PM11 calls. Get it with [`Client::attributes`].
#[derive(Debug, Clone)]
pub struct Attributes {
    client: Client,
}

impl Attributes {
    pub(crate) fn new(client: Client) -> Self {
        Attributes { client }
    }

    /// PM11: the product attribute configuration.
    pub fn list(&self) -> AttributeListRequest {
        AttributeListRequest {
            client: self.client.clone(),
            hierarchy: None,
            max_level: None,
            all_operator_attributes: None,
        }
    }
}

/// PM11 request builder.
#[derive(Debug, Clone)]
pub struct AttributeListRequest {
    client: Client,
    hierarchy: Option<String>,
    max_level: Option<u32>,
    all_operator_attributes: Option<bool>,
}

impl AttributeListRequest {
    /// Only attributes of this category (and its parents).
    #[must_use]
    pub fn hierarchy(mut self, code: impl Into<String>) -> Self {
        self.hierarchy = Some(code.into());
        self
    }
    /// Depth limit.
    #[must_use]
    pub fn max_level(mut self, level: u32) -> Self {
        self.max_level = Some(level);
        self
    }
    /// Include every operator attribute.
    #[must_use]
    pub fn all_operator_attributes(mut self, all: bool) -> Self {
        self.all_operator_attributes = Some(all);
        self
    }
    /// The request as sent.
    pub fn request(&self) -> RequestSpec {
        RequestSpec::new(
            Method::GET,
            "/api/products/attributes",
            "api/products/attributes",
        )
        .operation("PM11")
        .query_opt("hierarchy", self.hierarchy.as_ref())
        .query_opt("max_level", self.max_level)
        .query_opt("all_operator_attributes", self.all_operator_attributes)
    }
    /// Sends the call.
    ///
    /// # Errors
    /// As [`Client::execute`], plus [`Error::Decode`].
    pub async fn send(self) -> Result<Vec<Attribute>> {
        let list: AttributeList = self.client.json(self.request()).await?;
        Ok(list.attributes)
    }
}

/// VL11 calls. Get it with [`Client::value_lists`].
#[derive(Debug, Clone)]
pub struct ValueLists {
    client: Client,
}

impl ValueLists {
    pub(crate) fn new(client: Client) -> Self {
        ValueLists { client }
    }

    /// VL11: every value list, or only the one with `code`.
    ///
    /// # Errors
    /// As [`Client::execute`], plus [`Error::Decode`].
    pub async fn list(&self, code: Option<&str>) -> Result<Vec<ValueList>> {
        let spec = RequestSpec::new(Method::GET, "/api/values_lists", "api/values_lists")
            .operation("VL11")
            .query_opt("code", code);
        let list: ValueListList = self.client.json(spec).await?;
        Ok(list.values_lists)
    }
}
