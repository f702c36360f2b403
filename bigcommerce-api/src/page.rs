//! Response envelopes and pages (v3 `{data, meta}`, v2 bare arrays).

use serde::{Deserialize, Serialize};

/// v3 `meta.pagination`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Pagination {
    /// Items in the whole collection.
    #[serde(default)]
    pub total: u64,
    /// Items on this page.
    #[serde(default)]
    pub count: u64,
    /// Page size.
    #[serde(default)]
    pub per_page: u64,
    /// This page (1-based).
    #[serde(default)]
    pub current_page: u64,
    /// Number of pages.
    #[serde(default)]
    pub total_pages: u64,
    /// Relative query-string links (`"?page=2&limit=50"`).
    #[serde(default, deserialize_with = "bc_mirakl_api_core::de::null_as_default")]
    pub links: PageLinks,
}

/// Links of a v3 page, as relative query strings.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PageLinks {
    /// Previous page, when there is one.
    #[serde(default)]
    pub previous: Option<String>,
    /// This page.
    #[serde(default)]
    pub current: Option<String>,
    /// Next page, when there is one.
    #[serde(default)]
    pub next: Option<String>,
}

/// v3 `meta.cursor_pagination` (price lists).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CursorPagination {
    /// Items on this page.
    #[serde(default)]
    pub count: u64,
    /// Page size.
    #[serde(default)]
    pub per_page: u64,
    /// Cursor of the first item.
    #[serde(default)]
    pub start_cursor: Option<String>,
    /// Cursor of the last item (pass as `after` for the next page).
    #[serde(default)]
    pub end_cursor: Option<String>,
    /// Links, as relative query strings.
    #[serde(default, deserialize_with = "bc_mirakl_api_core::de::null_as_default")]
    pub links: PageLinks,
}

/// v3 `meta` block; `null` or `{}` decode to the default.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Meta {
    /// Offset pagination, on collections.
    #[serde(default)]
    pub pagination: Option<Pagination>,
    /// Cursor pagination, where supported.
    #[serde(default)]
    pub cursor_pagination: Option<CursorPagination>,
}

/// The v3 envelope `{"data": ..., "meta": ...}`.
#[derive(Debug, Clone, Deserialize)]
pub struct Envelope<T> {
    /// The payload.
    pub data: T,
    /// Paging information; `null` is accepted.
    #[serde(default, deserialize_with = "bc_mirakl_api_core::de::null_as_default")]
    pub meta: Meta,
}

/// One page of a listing.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Page<T> {
    /// The items.
    pub items: Vec<T>,
    /// The page number that was requested (1-based).
    pub page: u32,
    /// The next page number, when there is one: from v3 `meta.pagination`; for v2 (no
    /// metadata) whenever the page was full.
    pub next_page: Option<u32>,
    /// v3 offset pagination as sent.
    pub pagination: Option<Pagination>,
    /// v3 cursor pagination as sent.
    pub cursor: Option<CursorPagination>,
    /// On listings paged by `after` (channel listings): the `after` value of the next page.
    pub next_after: Option<u64>,
}

impl<T> Page<T> {
    /// Builds a page from a v3 envelope `meta`.
    pub fn from_v3(items: Vec<T>, meta: Meta, requested_page: u32) -> Self {
        let next_page = match &meta.pagination {
            Some(p) => {
                let current = if p.current_page == 0 {
                    u64::from(requested_page)
                } else {
                    p.current_page
                };
                (current < p.total_pages && !items.is_empty())
                    .then(|| u32::try_from(current + 1).ok())
                    .flatten()
            }
            // No pagination block: a page is the last one unless the server says otherwise.
            None => None,
        };
        Page {
            items,
            page: requested_page,
            next_page,
            pagination: meta.pagination,
            cursor: meta.cursor_pagination,
            next_after: None,
        }
    }

    /// Builds a page from a v2 array (no metadata): a full page may have a successor.
    pub fn from_v2(items: Vec<T>, requested_page: u32, limit: u32) -> Self {
        let full = limit > 0 && items.len() >= limit as usize;
        Page {
            items,
            page: requested_page,
            next_page: full.then_some(requested_page + 1),
            pagination: None,
            cursor: None,
            next_after: None,
        }
    }

    /// Whether there is no next page.
    pub fn is_last(&self) -> bool {
        self.next_page.is_none()
    }
}

impl<T> IntoIterator for Page<T> {
    type Item = T;
    type IntoIter = std::vec::IntoIter<T>;
    fn into_iter(self) -> Self::IntoIter {
        self.items.into_iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn meta_null_and_next_page() {
        let e: Envelope<Vec<u32>> = serde_json::from_str(r#"{"data":[1],"meta":null}"#).unwrap();
        assert_eq!(e.meta, Meta::default());
        let e: Envelope<Vec<u32>> = serde_json::from_str(
            r#"{"data":[1,2],"meta":{"pagination":{"total":5,"count":2,"per_page":2,"current_page":2,"total_pages":3,"links":{"current":"?page=2"}}}}"#,
        )
        .unwrap();
        let p = Page::from_v3(e.data, e.meta, 2);
        assert_eq!(p.next_page, Some(3));
        let last = Page::from_v3(
            vec![1],
            Meta {
                pagination: Some(Pagination {
                    current_page: 3,
                    total_pages: 3,
                    ..Default::default()
                }),
                cursor_pagination: None,
            },
            3,
        );
        assert!(last.is_last());
        assert_eq!(Page::from_v2(vec![1, 2], 1, 2).next_page, Some(2));
        assert!(Page::from_v2(vec![1], 4, 2).is_last());
    }
}
