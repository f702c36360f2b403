//! A lazy stream over every item of a paged listing, whatever the paging style.

use futures::stream::{self, Stream, TryStreamExt};
use std::future::Future;

/// One fetched page: its items and the cursor of the next page, if any.
#[derive(Debug, Clone, PartialEq)]
pub struct Fetched<T, C> {
    /// Items of this page.
    pub items: Vec<T>,
    /// Cursor of the next page (a page number, an offset, a page token), or `None` on the
    /// last page.
    pub next: Option<C>,
}

/// Streams every item, fetching pages lazily as the consumer reads.
///
/// `fetch(cursor)` returns one page. The stream ends after a page without a next cursor,
/// after an empty page, or when the server hands back a cursor it already gave (a loop);
/// the first error is yielded and ends the stream.
pub fn paginate<T, C, E, F, Fut>(first: C, fetch: F) -> impl Stream<Item = Result<T, E>>
where
    C: Clone + PartialEq,
    F: FnMut(C) -> Fut,
    Fut: Future<Output = Result<Fetched<T, C>, E>>,
{
    struct State<C, F> {
        next: Option<C>,
        seen: Vec<C>,
        fetch: F,
    }
    let state = State {
        next: Some(first),
        seen: Vec::new(),
        fetch,
    };
    stream::try_unfold(state, |mut st| async move {
        let Some(cursor) = st.next.take() else {
            return Ok(None);
        };
        st.seen.push(cursor.clone());
        let page = (st.fetch)(cursor).await?;
        if !page.items.is_empty() {
            st.next = page.next.filter(|n| !st.seen.contains(n));
        }
        Ok(Some((page.items, st)))
    })
    .map_ok(|items| stream::iter(items.into_iter().map(Ok)))
    .try_flatten()
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::executor::block_on;

    fn collect<S: Stream<Item = Result<u32, String>>>(s: S) -> Result<Vec<u32>, String> {
        block_on(s.try_collect::<Vec<_>>())
    }

    #[test]
    fn walks_pages_until_no_next() {
        let s = paginate(1u32, |p| async move {
            Ok::<_, String>(Fetched {
                items: vec![p * 10, p * 10 + 1],
                next: (p < 3).then_some(p + 1),
            })
        });
        assert_eq!(collect(s).unwrap(), vec![10, 11, 20, 21, 30, 31]);
    }

    #[test]
    fn stops_on_empty_page_and_repeated_cursor() {
        let s = paginate(1u32, |p| async move {
            Ok::<_, String>(Fetched {
                items: if p == 2 { vec![] } else { vec![p] },
                next: Some(p + 1),
            })
        });
        assert_eq!(collect(s).unwrap(), vec![1]);
        let s = paginate(1u32, |p| async move {
            Ok::<_, String>(Fetched {
                items: vec![p],
                next: Some(if p == 2 { 1 } else { p + 1 }),
            })
        });
        assert_eq!(collect(s).unwrap(), vec![1, 2]);
    }

    #[test]
    fn error_ends_stream() {
        let s = paginate(1u32, |p| async move {
            if p == 2 {
                Err("boom".to_string())
            } else {
                Ok(Fetched {
                    items: vec![p],
                    next: Some(p + 1),
                })
            }
        });
        assert_eq!(collect(s).unwrap_err(), "boom");
    }
}
