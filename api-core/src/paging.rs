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

/// One page of a listing addressed by page number (or by an offset derived from it), with
/// the number of the last page when the API tells it (BigCommerce v3 `meta.pagination`,
/// Mirakl's `total_count`).
#[derive(Debug, Clone, PartialEq)]
pub struct NumberedPage<T> {
    /// Items of this page.
    pub items: Vec<T>,
    /// The number of the last page, when known. `None` walks the pages one after another.
    pub last_page: Option<u64>,
}

/// Streams every item of a numbered listing, fetching up to `ahead` pages at once once the
/// first page has told how many pages there are.
///
/// Items come out in page order whatever order the pages arrive in, and never more than
/// `ahead` fetches are in flight (`ahead` of 0 is taken as 1, which is the sequential walk).
/// Each fetch still goes through the transport's pacer, so the concurrency stays within the
/// quota the pacer allows. The stream ends after the last page, after an empty page, or at
/// the first error, which it yields; pages already in flight then are dropped, not read.
/// When the first page does not tell the last page, the pages are walked one after another
/// until an empty page or a page that says it is the last.
pub fn paginate_numbered<T, E, F, Fut>(
    first: u64,
    ahead: usize,
    fetch: F,
) -> impl Stream<Item = Result<T, E>>
where
    F: Fn(u64) -> Fut,
    Fut: Future<Output = Result<NumberedPage<T>, E>>,
{
    use futures::StreamExt as _;
    let ahead = ahead.max(1);
    let fetch = std::sync::Arc::new(fetch);
    let first_fetch = fetch.clone();
    stream::once(async move { first_fetch(first).await })
        .map(move |page| {
            let fetch = fetch.clone();
            match page {
                Err(e) => stream::iter(vec![Err(e)]).left_stream(),
                Ok(page) => {
                    let first_empty = page.items.is_empty();
                    // An empty first page ends the listing: nothing more to fetch.
                    let last = if first_empty {
                        Some(first)
                    } else {
                        page.last_page
                    };
                    let rest = match last {
                        Some(last) => stream::iter(first.saturating_add(1)..=last)
                            .map(move |n| {
                                let f = fetch.clone();
                                async move { f(n).await.map(|p| (n, p)) }
                            })
                            .buffered(ahead)
                            .left_stream(),
                        None => sequential(first.saturating_add(1), fetch).right_stream(),
                    }
                    .map(|r| {
                        r.map(|(n, p): (u64, NumberedPage<T>)| (n, p.items.is_empty(), p.items))
                    });
                    let head = stream::iter(vec![Ok((first, first_empty, page.items))]);
                    head.chain(rest).right_stream()
                }
            }
        })
        .flatten()
        // End at the first empty page or the first error (yielded, then nothing more).
        .scan(false, |done, r: Result<(u64, bool, Vec<T>), E>| {
            if *done {
                return futures::future::ready(None);
            }
            let out = match r {
                Err(e) => {
                    *done = true;
                    Some(stream::iter(vec![Err(e)]).left_stream())
                }
                Ok((_, empty, items)) => {
                    if empty {
                        *done = true;
                    }
                    Some(stream::iter(items.into_iter().map(Ok)).right_stream())
                }
            };
            futures::future::ready(out)
        })
        .flatten()
}

/// Pages `from`, `from + 1`, … one after another, until an empty page or one that names
/// itself (or an earlier page) as the last.
fn sequential<T, E, F, Fut>(
    from: u64,
    fetch: std::sync::Arc<F>,
) -> impl Stream<Item = Result<(u64, NumberedPage<T>), E>>
where
    F: Fn(u64) -> Fut,
    Fut: Future<Output = Result<NumberedPage<T>, E>>,
{
    stream::try_unfold(Some(from), move |next| {
        let fetch = fetch.clone();
        async move {
            let Some(n) = next else { return Ok(None) };
            let page = fetch(n).await?;
            let more = !page.items.is_empty() && page.last_page.is_none_or(|last| n < last);
            Ok(Some(((n, page), more.then(|| n + 1))))
        }
    })
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

    mod numbered {
        use super::super::*;
        use futures::StreamExt as _;
        use std::sync::Arc;
        use std::sync::atomic::{AtomicUsize, Ordering};
        use std::time::Duration;

        /// A fake listing of `pages` pages of 2 items, answering later pages sooner, that
        /// records the most fetches it saw in flight at once.
        #[derive(Default)]
        struct Fake {
            in_flight: AtomicUsize,
            max_in_flight: AtomicUsize,
            calls: AtomicUsize,
        }

        impl Fake {
            async fn page(
                &self,
                n: u64,
                pages: u64,
                fail_at: Option<u64>,
            ) -> Result<NumberedPage<u64>, String> {
                let now = self.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
                self.max_in_flight.fetch_max(now, Ordering::SeqCst);
                self.calls.fetch_add(1, Ordering::SeqCst);
                // Later pages come back first: the output must still be in page order.
                tokio::time::sleep(Duration::from_millis(40 - (n % 4) * 10)).await;
                self.in_flight.fetch_sub(1, Ordering::SeqCst);
                if Some(n) == fail_at {
                    return Err(format!("page {n} failed"));
                }
                Ok(NumberedPage {
                    items: if n <= pages {
                        vec![n * 10, n * 10 + 1]
                    } else {
                        vec![]
                    },
                    last_page: Some(pages),
                })
            }
        }

        async fn run(
            pages: u64,
            ahead: usize,
            fail_at: Option<u64>,
        ) -> (Vec<Result<u64, String>>, Arc<Fake>) {
            let fake = Arc::new(Fake::default());
            let f = fake.clone();
            let out = paginate_numbered(1, ahead, move |n| {
                let f = f.clone();
                async move { f.page(n, pages, fail_at).await }
            })
            .collect::<Vec<_>>()
            .await;
            (out, fake)
        }

        #[tokio::test]
        async fn keeps_page_order_and_bounds_the_pages_in_flight() {
            let (out, fake) = run(9, 3, None).await;
            let items: Vec<u64> = out.into_iter().map(Result::unwrap).collect();
            let expected: Vec<u64> = (1..=9).flat_map(|n| [n * 10, n * 10 + 1]).collect();
            assert_eq!(items, expected);
            assert_eq!(
                fake.calls.load(Ordering::SeqCst),
                9,
                "one call per page, none past the last"
            );
            assert_eq!(fake.max_in_flight.load(Ordering::SeqCst), 3);
        }

        #[tokio::test]
        async fn ahead_of_one_is_sequential() {
            let (out, fake) = run(4, 1, None).await;
            assert_eq!(out.len(), 8);
            assert_eq!(fake.max_in_flight.load(Ordering::SeqCst), 1);
        }

        #[tokio::test]
        async fn stops_at_the_first_error_after_the_pages_before_it() {
            let (out, _) = run(9, 4, Some(5)).await;
            let (ok, err): (Vec<_>, Vec<_>) = out.into_iter().partition(Result::is_ok);
            let ok: Vec<u64> = ok.into_iter().map(Result::unwrap).collect();
            assert_eq!(
                ok,
                (1..=4)
                    .flat_map(|n| [n * 10, n * 10 + 1])
                    .collect::<Vec<_>>()
            );
            assert_eq!(err, vec![Err("page 5 failed".to_string())]);
        }

        #[tokio::test]
        async fn unknown_last_page_walks_until_an_empty_page() {
            let calls = Arc::new(AtomicUsize::new(0));
            let c = calls.clone();
            let out: Vec<u64> = paginate_numbered(1, 5, move |n| {
                let c = c.clone();
                async move {
                    c.fetch_add(1, Ordering::SeqCst);
                    Ok::<_, String>(NumberedPage {
                        items: if n <= 3 { vec![n] } else { vec![] },
                        last_page: None,
                    })
                }
            })
            .map(Result::unwrap)
            .collect()
            .await;
            assert_eq!(out, vec![1, 2, 3]);
            assert_eq!(calls.load(Ordering::SeqCst), 4);
        }

        #[tokio::test]
        async fn an_empty_first_page_ends_at_once() {
            let (out, fake) = run(0, 4, None).await;
            assert!(out.is_empty());
            assert_eq!(fake.calls.load(Ordering::SeqCst), 1);
        }
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
