//! A lazy stream over every item of a paged listing, whatever the paging style.

use futures::stream::{self, FuturesOrdered, Stream, TryStreamExt};
use std::collections::VecDeque;
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
    /// The number of the last page, when known: a page that knows it is the last one names
    /// itself (a short BigCommerce v2 page). `None` means "more may follow" (a full v2 page).
    pub last_page: Option<u64>,
}

/// Streams every item of a numbered listing, fetching up to `ahead` pages at once.
///
/// Items come out in page order whatever order the pages arrive in, and never more than
/// `ahead` fetches are in flight (`ahead` of 0 is taken as 1, which is the sequential walk).
/// Each fetch still goes through the transport's pacer, so the concurrency stays within the
/// quota the pacer allows.
///
/// When the first page tells the last page, pages up to it are fetched `ahead` at a time.
/// When no page tells it (BigCommerce v2 arrays), the pages are fetched ahead with a window
/// that starts at one and doubles after every page that says more may follow, up to
/// `ahead`: a listing of one page costs one call, and a long one at most `ahead - 1`
/// speculative calls past its end (answered empty, their results dropped).
///
/// The stream ends after the last page, after an empty page, or at the first error, which
/// it yields; pages in flight then are dropped, not read.
pub fn paginate_numbered<T, E, F, Fut>(
    first: u64,
    ahead: usize,
    fetch: F,
) -> impl Stream<Item = Result<T, E>>
where
    F: Fn(u64) -> Fut,
    Fut: Future<Output = Result<NumberedPage<T>, E>>,
{
    let walk = Walk {
        fetch,
        ahead: ahead.max(1),
        window: 1,
        next: first,
        last: None,
        ended: false,
        in_flight: FuturesOrdered::new(),
        numbers: VecDeque::new(),
        ready: Vec::new().into_iter(),
    };
    stream::unfold(walk, |mut w| async move {
        let item = w.next_item().await?;
        Some((item, w))
    })
}

/// Like [`paginate_numbered`], for a caller that has already read page `first` (to decide
/// how to page on): its items come first, then pages `first + 1`, … as
/// [`paginate_numbered`] would fetch them after it.
pub fn paginate_numbered_after<T, E, F, Fut>(
    first: u64,
    first_page: NumberedPage<T>,
    ahead: usize,
    fetch: F,
) -> impl Stream<Item = Result<T, E>>
where
    F: Fn(u64) -> Fut,
    Fut: Future<Output = Result<NumberedPage<T>, E>>,
{
    let mut walk = Walk {
        fetch,
        ahead: ahead.max(1),
        window: 1,
        next: first.saturating_add(1),
        last: None,
        ended: first == u64::MAX,
        in_flight: FuturesOrdered::new(),
        numbers: VecDeque::new(),
        ready: Vec::new().into_iter(),
    };
    walk.take(first, first_page);
    stream::unfold(walk, |mut w| async move {
        let item = w.next_item().await?;
        Some((item, w))
    })
}

/// The state of [`paginate_numbered`].
struct Walk<T, F, Fut: Future> {
    fetch: F,
    /// Most fetches in flight.
    ahead: usize,
    /// Fetches in flight allowed now: 1 until the first page is read, then `ahead` when the
    /// last page is known, else a window doubling up to `ahead`.
    window: usize,
    /// The next page number to request.
    next: u64,
    /// The last page, once a page told it.
    last: Option<u64>,
    /// Nothing more is requested or read (end of listing, error).
    ended: bool,
    in_flight: FuturesOrdered<Fut>,
    /// The page numbers of `in_flight`, in the same order.
    numbers: VecDeque<u64>,
    /// Items of the page being read out.
    ready: std::vec::IntoIter<T>,
}

impl<T, E, F, Fut> Walk<T, F, Fut>
where
    F: Fn(u64) -> Fut,
    Fut: Future<Output = Result<NumberedPage<T>, E>>,
{
    /// Requests pages until the window is full or the last page is requested.
    fn fill(&mut self) {
        while !self.ended
            && self.in_flight.len() < self.window
            && self.last.is_none_or(|last| self.next <= last)
        {
            self.in_flight.push_back((self.fetch)(self.next));
            self.numbers.push_back(self.next);
            let Some(next) = self.next.checked_add(1) else {
                self.ended = true;
                break;
            };
            self.next = next;
        }
    }

    async fn next_item(&mut self) -> Option<Result<T, E>> {
        use futures::StreamExt as _;
        loop {
            if let Some(item) = self.ready.next() {
                return Some(Ok(item));
            }
            if self.ended && self.in_flight.is_empty() {
                return None;
            }
            self.fill();
            let page = self.in_flight.next().await?;
            let n = self.numbers.pop_front()?;
            let page = match page {
                Ok(page) => page,
                Err(e) => {
                    self.end();
                    return Some(Err(e));
                }
            };
            self.take(n, page);
        }
    }

    /// Reads page `n` (pages come here in order): its items become ready, and what it says
    /// about the last page sets what is fetched next.
    fn take(&mut self, n: u64, page: NumberedPage<T>) {
        if self.last.is_some_and(|last| n > last) {
            // Fetched ahead past the end a later page revealed: not part of the listing.
            return;
        }
        if page.items.is_empty() {
            self.end();
            return;
        }
        match page.last_page {
            Some(last) => {
                self.last = Some(last.max(n));
                self.window = self.ahead;
            }
            None => self.window = (self.window * 2).min(self.ahead),
        }
        if self.last == Some(n) {
            self.end();
        }
        self.ready = page.items.into_iter();
    }

    /// Requests nothing more and drops the pages in flight.
    fn end(&mut self) {
        self.ended = true;
        self.in_flight = FuturesOrdered::new();
        self.numbers.clear();
    }
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

        /// A listing that never tells its last page (BigCommerce v2): `full` pages of one
        /// item that say more may follow, then empty pages. Returns the items, the calls
        /// and the most calls seen in flight.
        async fn unknown_last(
            full: u64,
            ahead: usize,
            short_last: bool,
        ) -> (Vec<u64>, usize, usize) {
            let fake = Arc::new(Fake::default());
            let f = fake.clone();
            let out: Vec<u64> = paginate_numbered(1, ahead, move |n| {
                let f = f.clone();
                async move {
                    let now = f.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
                    f.max_in_flight.fetch_max(now, Ordering::SeqCst);
                    f.calls.fetch_add(1, Ordering::SeqCst);
                    tokio::time::sleep(Duration::from_millis(5)).await;
                    f.in_flight.fetch_sub(1, Ordering::SeqCst);
                    let last_short = short_last && n == full + 1;
                    Ok::<_, String>(NumberedPage {
                        items: if n <= full || last_short {
                            vec![n]
                        } else {
                            vec![]
                        },
                        last_page: last_short.then_some(n),
                    })
                }
            })
            .map(Result::unwrap)
            .collect()
            .await;
            (
                out,
                fake.calls.load(Ordering::SeqCst),
                fake.max_in_flight.load(Ordering::SeqCst),
            )
        }

        #[tokio::test]
        async fn unknown_last_page_fetches_ahead_until_an_empty_page() {
            let (out, calls, max) = unknown_last(12, 4, false).await;
            assert_eq!(out, (1..=12).collect::<Vec<_>>());
            assert_eq!(max, 4, "the window grows to `ahead` and never beyond");
            assert!(
                (13..=12 + 4).contains(&calls),
                "at most `ahead` calls past the end, got {calls}"
            );
        }

        #[tokio::test]
        async fn unknown_last_page_stops_at_a_page_that_names_itself_last() {
            let (out, calls, _) = unknown_last(6, 4, true).await;
            assert_eq!(
                out,
                (1..=7).collect::<Vec<_>>(),
                "speculative pages dropped"
            );
            assert!(calls <= 7 + 3, "{calls}");
            // A one-page listing costs one call: the window starts at one.
            let (out, calls, max) = unknown_last(0, 4, true).await;
            assert_eq!((out, calls, max), (vec![1], 1, 1));
        }

        #[tokio::test]
        async fn a_page_already_read_comes_first_then_the_rest() {
            let fake = Arc::new(Fake::default());
            let f = fake.clone();
            let first = NumberedPage {
                items: vec![10, 11],
                last_page: Some(5),
            };
            let out: Vec<u64> = paginate_numbered_after(1, first, 2, move |n| {
                let f = f.clone();
                async move { f.page(n, 5, None).await }
            })
            .map(Result::unwrap)
            .collect()
            .await;
            assert_eq!(
                out,
                (1..=5)
                    .flat_map(|n| [n * 10, n * 10 + 1])
                    .collect::<Vec<_>>()
            );
            assert_eq!(
                fake.calls.load(Ordering::SeqCst),
                4,
                "page 1 is not fetched again"
            );
            assert_eq!(fake.max_in_flight.load(Ordering::SeqCst), 2);
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
