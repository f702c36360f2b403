//! Listing pages: [`Page`] for both paging styles, [`SeekPage`] the seek-paged body.

use serde::Deserialize;

/// One page of a listing, whatever the paging style.
///
/// Offset-paged operations (OR11, OF21, P51) fill `total_count` and `offset`;
/// seek-paged ones (OF04, PRI02) fill the page tokens.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    /// The items of this page.
    pub items: Vec<T>,
    /// Total number of items across all pages (offset paging).
    pub total_count: Option<u64>,
    /// Offset of the first item of this page (offset paging).
    pub offset: Option<u64>,
    /// Token of the next page (seek paging); `None` on the last page.
    pub next_page_token: Option<String>,
    /// Token of the previous page (seek paging).
    pub previous_page_token: Option<String>,
}

impl<T> Page<T> {
    /// An offset page.
    pub fn offset_page(items: Vec<T>, total_count: u64, offset: u64) -> Self {
        Page {
            items,
            total_count: Some(total_count),
            offset: Some(offset),
            next_page_token: None,
            previous_page_token: None,
        }
    }

    /// A seek page.
    pub fn seek_page(items: Vec<T>, next: Option<String>, previous: Option<String>) -> Self {
        Page {
            items,
            total_count: None,
            offset: None,
            next_page_token: next.filter(|t| !t.is_empty()),
            previous_page_token: previous.filter(|t| !t.is_empty()),
        }
    }

    /// The offset of the next page, for offset paging: `None` when this page is empty or
    /// the total is reached. A non-empty page with a total of 0 means the operator sent no
    /// (or a wrong) `total_count`: reading goes on until an empty page rather than stopping
    /// after the first one, which would silently drop orders.
    pub fn next_offset(&self) -> Option<u64> {
        let offset = self.offset?;
        let total = self.total_count?;
        if self.items.is_empty() {
            return None;
        }
        let next = offset + self.items.len() as u64;
        (total == 0 || next < total).then_some(next)
    }
}

/// The body of a seek-paged response: `{"data": [...], "next_page_token": ..}`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(bound(deserialize = "T: Deserialize<'de>"))]
pub struct SeekPage<T> {
    /// The items.
    #[serde(
        default = "Vec::new",
        deserialize_with = "bc_mirakl_api_core::de::null_as_default"
    )]
    pub data: Vec<T>,
    /// Next page token; absent or null on the last page.
    #[serde(default)]
    pub next_page_token: Option<String>,
    /// Previous page token; absent or null on the first page.
    #[serde(default)]
    pub previous_page_token: Option<String>,
}

impl<T> From<SeekPage<T>> for Page<T> {
    fn from(p: SeekPage<T>) -> Self {
        Page::seek_page(p.data, p.next_page_token, p.previous_page_token)
    }
}
