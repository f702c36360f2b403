//! Customer messages and incidents on marketplace orders, copied to the BigCommerce order's
//! staff notes, and the order deadlines the summary lists.
//!
//! * **Messages.** Threads on orders are read with M11 (`entity_type=MMP_ORDER`,
//!   `with_messages=true`, from an `updated_since` cursor less the order overlap), at most once
//!   per [`MessageOptions::poll`] (M11 publishes no ceiling; its recommended use is
//!   interactive, so the poll stays at the order poll's pace). Each message not yet copied is
//!   appended to the staff notes of the order's BigCommerce order (`PUT /v2/orders/{id}`
//!   `staff_notes`, the existing text kept), tagged `[Mirakl message <id>]`. The tag in the
//!   notes is the record that counts: a message whose tag is already there is never appended
//!   again, whatever the local state says; the store remembers copied ids only to skip the
//!   BigCommerce read. A thread whose order is not in BigCommerce yet holds the cursor back
//!   (for at most [`MessageOptions::hold`]), so its messages are copied once the order exists.
//! * **Incidents.** Order lines in `INCIDENT_OPEN` (OR11 `order_line_state`, with
//!   `order_line_state_reason_code`/`_label`) seen by the order poll are noted once per line
//!   and opening on the BigCommerce order (`[Mirakl incident <line>]`) and listed in
//!   [`Attention::incidents`] until the line leaves that state.
//! * **Deadlines.** Orders waiting for acceptance (deadline: `created_date` plus the operator's
//!   acceptance delay, a back-office setting OR11 does not expose:
//!   [`MessageOptions::acceptance_window`]) and orders in SHIPPING (`shipping_deadline`) within
//!   [`MessageOptions::deadline_warning`] of their deadline, or past it, are listed in
//!   [`Attention::deadlines`].
//! * **Replies.** [`MessagesFlow::reply`] answers the latest thread the customer wrote on
//!   (M12), or opens a thread to the customer on the order (OR43).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bigcommerce_api::orders::{OrderId, OrderUpdate};
use futures::TryStreamExt;
use mirakl_api::orders::{Order as MkOrder, OrderState as MiraklOrderState};
use time::OffsetDateTime;

use crate::context::{Shared, lock, now_utc};
use crate::error::{Error, Result};

/// The cursor of the M11 poll (`updated_since`).
const CURSOR: &str = "messages.updated_since";
/// Prefix of the store key remembering a copied message.
const COPIED: &str = "messages.copied:";
/// Prefix of the store key remembering a noted incident.
const NOTED: &str = "incidents.noted:";

/// Settings of the messages, incidents and deadlines step.
#[derive(Debug, Clone)]
pub struct MessageOptions {
    /// Least time between two M11 polls.
    pub poll: Duration,
    /// How long messages of an order not yet in BigCommerce are waited for before the cursor
    /// moves on without them.
    pub hold: Duration,
    /// An order this close to its deadline is listed as near (default 12 h).
    pub deadline_warning: Duration,
    /// The operator's acceptance delay (orders not accepted within it are refused
    /// automatically; default 24 h). `None`: acceptance deadlines are not tracked.
    pub acceptance_window: Option<Duration>,
}

impl Default for MessageOptions {
    fn default() -> Self {
        MessageOptions {
            poll: Duration::from_secs(60),
            hold: Duration::from_secs(7 * 86_400),
            deadline_warning: Duration::from_secs(12 * 3600),
            acceptance_window: Some(Duration::from_secs(24 * 3600)),
        }
    }
}

/// Which deadline an order faces.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum DeadlineKind {
    /// Accept or refuse before it (WAITING_ACCEPTANCE).
    Acceptance,
    /// Ship before it (SHIPPING, `shipping_deadline`).
    Shipping,
}

impl std::fmt::Display for DeadlineKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            DeadlineKind::Acceptance => "acceptance",
            DeadlineKind::Shipping => "shipping",
        })
    }
}

/// One order near or past a deadline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deadline {
    /// Mirakl order id.
    pub order_id: String,
    /// Which deadline.
    pub kind: DeadlineKind,
    /// When it falls.
    pub due: OffsetDateTime,
    /// Whether it has passed.
    pub past: bool,
}

/// One order line with an open incident.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Incident {
    /// Mirakl order id.
    pub order_id: String,
    /// Order line id.
    pub order_line_id: String,
    /// Shop SKU of the line.
    pub sku: String,
    /// `order_line_state_reason_code`.
    pub reason_code: Option<String>,
    /// `order_line_state_reason_label`.
    pub reason_label: Option<String>,
}

/// What the summary shows about messages, incidents and deadlines.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Attention {
    /// Messages copied to BigCommerce staff notes by this process.
    pub messages_copied: u64,
    /// Incidents noted on BigCommerce orders by this process.
    pub incidents_noted: u64,
    /// Replies sent (M12 or OR43) by this process.
    pub replies: u64,
    /// Orders whose messages wait for their BigCommerce order.
    pub messages_waiting: BTreeSet<String>,
    /// Open incidents, by order then line.
    pub incidents: Vec<Incident>,
    /// Orders near or past a deadline, soonest first.
    pub deadlines: Vec<Deadline>,
}

/// How a reply went out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplySent {
    /// The thread answered or opened.
    pub thread_id: String,
    /// The message id Mirakl gave.
    pub message_id: Option<String>,
    /// Whether a new thread was opened (OR43) because the customer had written none.
    pub opened: bool,
}

#[derive(Debug, Default)]
struct Seen {
    /// Lines whose current incident is noted (cache of the store's `incidents.noted:` keys
    /// read or written by this process).
    noted_open: BTreeSet<String>,
    last_poll: Option<tokio::time::Instant>,
    copied: u64,
    noted: u64,
    replies: u64,
    waiting: BTreeSet<String>,
}

/// The messages, incidents and deadlines step of one connection.
pub struct MessagesFlow {
    shared: Arc<Shared>,
    seen: Mutex<Seen>,
}

impl std::fmt::Debug for MessagesFlow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MessagesFlow").finish_non_exhaustive()
    }
}

pub(crate) fn open_incidents(o: &MkOrder) -> Vec<Incident> {
    o.order_lines
        .iter()
        .filter(|l| matches!(l.order_line_state, MiraklOrderState::IncidentOpen))
        .map(|l| Incident {
            order_id: o.order_id.as_str().to_owned(),
            order_line_id: l.order_line_id.clone(),
            sku: l.offer_sku.as_str().to_owned(),
            reason_code: l.order_line_state_reason_code.clone(),
            reason_label: l.order_line_state_reason_label.clone(),
        })
        .collect()
}

fn stamp(t: OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02} UTC",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute()
    )
}

/// The tag that marks a copied message in the staff notes.
pub fn message_tag(message_id: &str) -> String {
    format!("[Mirakl message {message_id}]")
}

/// The tag that marks a noted incident in the staff notes.
pub fn incident_tag(order_line_id: &str) -> String {
    format!("[Mirakl incident {order_line_id}]")
}

impl MessagesFlow {
    pub(crate) fn new(shared: Arc<Shared>) -> Self {
        MessagesFlow {
            shared,
            seen: Mutex::new(Seen::default()),
        }
    }

    fn opts(&self) -> &MessageOptions {
        &self.shared.opts.messages
    }

    /// Takes in an order version the order poll read (incidents and deadlines come from it).
    pub fn observe(&self, order: &MkOrder) {
        self.shared.watch_order(order);
    }

    /// Orders near or past a deadline at `now`, soonest first.
    pub fn deadlines(&self, now: OffsetDateTime) -> Vec<Deadline> {
        let warn = self.opts().deadline_warning;
        let window = self.opts().acceptance_window;
        let watched = lock(&self.shared.watched);
        let mut out: Vec<Deadline> = watched
            .values()
            .filter_map(|o| {
                let (kind, due) = match o.order_state {
                    MiraklOrderState::WaitingAcceptance => {
                        (DeadlineKind::Acceptance, o.created_date + window?)
                    }
                    MiraklOrderState::Shipping => (DeadlineKind::Shipping, o.shipping_deadline?),
                    _ => return None,
                };
                (due - now <= warn).then(|| Deadline {
                    order_id: o.order_id.as_str().to_owned(),
                    kind,
                    due,
                    past: due <= now,
                })
            })
            .collect();
        out.sort_by(|a, b| a.due.cmp(&b.due).then_with(|| a.order_id.cmp(&b.order_id)));
        out
    }

    /// Open incidents, by order then line.
    pub fn incidents(&self) -> Vec<Incident> {
        let watched = lock(&self.shared.watched);
        watched.values().flat_map(open_incidents).collect()
    }

    /// What the summary shows.
    pub fn attention(&self) -> Attention {
        let deadlines = self.deadlines(now_utc());
        let incidents = self.incidents();
        let seen = lock(&self.seen);
        Attention {
            messages_copied: seen.copied,
            incidents_noted: seen.noted,
            replies: seen.replies,
            messages_waiting: seen.waiting.clone(),
            incidents,
            deadlines,
        }
    }

    /// One step: notes open incidents not yet on their BigCommerce order, then, when the
    /// poll interval has passed, reads the threads changed since the cursor and copies their
    /// new messages. Returns how many notes were appended.
    ///
    /// # Errors
    /// [`Error::Mirakl`] when M11 fails, [`Error::BigCommerce`] when an order cannot be read
    /// or updated, a store error.
    pub async fn step(&self) -> Result<usize> {
        let mut appended = self.note_incidents().await?;
        let due = {
            let seen = lock(&self.seen);
            seen.last_poll
                .is_none_or(|t| t.elapsed() >= self.opts().poll)
        };
        if due {
            appended += self.poll_threads().await?;
            lock(&self.seen).last_poll = Some(tokio::time::Instant::now());
        }
        Ok(appended)
    }

    async fn bigcommerce_order(&self, mirakl_order_id: &str) -> Result<Option<u64>> {
        Ok(self
            .shared
            .store
            .order(mirakl_order_id)
            .await?
            .and_then(|e| e.bigcommerce_order_id()))
    }

    /// Appends `notes` (tag, text) whose tag is not yet in the order's staff notes; returns
    /// the tags that are there now (appended or found).
    async fn append_notes(&self, bc_order: u64, notes: &[(String, String)]) -> Result<Vec<String>> {
        let order = self.shared.bc.orders().get(OrderId(bc_order)).await?;
        let existing = order.staff_notes.unwrap_or_default();
        let fresh: Vec<&(String, String)> = notes
            .iter()
            .filter(|(tag, _)| !existing.contains(tag.as_str()))
            .collect();
        if !fresh.is_empty() {
            let mut text = existing.clone();
            for (tag, note) in &fresh {
                if !text.is_empty() && !text.ends_with('\n') {
                    text.push('\n');
                }
                text.push_str(tag);
                text.push(' ');
                text.push_str(note);
            }
            if self.shared.dry_run() {
                println!(
                    "would add {} note(s) to BigCommerce order {bc_order}",
                    fresh.len()
                );
                return Ok(Vec::new());
            }
            let update = OrderUpdate {
                staff_notes: Some(text),
                ..OrderUpdate::default()
            };
            self.shared
                .bc
                .orders()
                .update(OrderId(bc_order), &update)
                .await?;
        }
        Ok(notes.iter().map(|(tag, _)| tag.clone()).collect())
    }

    async fn note_incidents(&self) -> Result<usize> {
        let incidents = self.incidents();
        let open: BTreeSet<String> = incidents.iter().map(|i| i.order_line_id.clone()).collect();
        // lines whose incident closed: forgotten, so a new opening is noted again
        let closed: Vec<String> = {
            let mut seen = lock(&self.seen);
            let closed: Vec<String> = seen.noted_open.difference(&open).cloned().collect();
            for l in &closed {
                seen.noted_open.remove(l);
            }
            closed
        };
        for line in closed {
            self.shared
                .store
                .set_cursor(&format!("{NOTED}{line}"), "closed")
                .await?;
        }
        let mut by_order: BTreeMap<String, Vec<Incident>> = BTreeMap::new();
        for i in incidents {
            if lock(&self.seen).noted_open.contains(&i.order_line_id) {
                continue;
            }
            // one note per line and opening (the store says whether an earlier run noted it)
            let key = format!("{NOTED}{}", i.order_line_id);
            if self.shared.store.cursor(&key).await?.as_deref() == Some("open") {
                lock(&self.seen).noted_open.insert(i.order_line_id.clone());
                continue;
            }
            by_order.entry(i.order_id.clone()).or_default().push(i);
        }
        let mut appended = 0;
        for (order_id, lines) in by_order {
            let Some(bc_order) = self.bigcommerce_order(&order_id).await? else {
                continue;
            };
            let notes: Vec<(String, String)> = lines
                .iter()
                .map(|i| {
                    (
                        incident_tag(&i.order_line_id),
                        format!(
                            "incident open on line {} ({}): {}",
                            i.order_line_id,
                            i.sku,
                            match (&i.reason_label, &i.reason_code) {
                                (Some(l), Some(c)) => format!("{l} (reason {c})"),
                                (Some(l), None) => l.clone(),
                                (None, Some(c)) => format!("reason {c}"),
                                (None, None) => "no reason given".to_owned(),
                            }
                        ),
                    )
                })
                .collect();
            let done = self.append_notes(bc_order, &notes).await?;
            for i in &lines {
                if done.contains(&incident_tag(&i.order_line_id)) {
                    self.shared
                        .store
                        .set_cursor(&format!("{NOTED}{}", i.order_line_id), "open")
                        .await?;
                    lock(&self.seen).noted_open.insert(i.order_line_id.clone());
                    appended += 1;
                    tracing::info!(order = %order_id, line = %i.order_line_id, bigcommerce_order = bc_order, "incident noted on the BigCommerce order");
                }
            }
        }
        lock(&self.seen).noted += appended as u64;
        Ok(appended)
    }

    async fn poll_threads(&self) -> Result<usize> {
        let store = &self.shared.store;
        let now = now_utc();
        let since = match store.time_cursor(CURSOR).await? {
            Some(t) => t - self.shared.opts.order_overlap,
            None => now - self.shared.opts.first_order_lookback,
        };
        let threads: Vec<mirakl_api::messages::m11::Data> = self
            .shared
            .mirakl
            .messages()
            .threads()?
            .entity_type("MMP_ORDER")
            .updated_since(since)
            .with_messages(true)
            .limit(self.shared.opts.mirakl_page_size.clamp(1, 100))
            .stream()
            .try_collect()
            .await?;
        let mut newest = None::<OffsetDateTime>;
        let mut held = None::<OffsetDateTime>;
        let mut waiting = BTreeSet::new();
        let mut appended = 0;
        for thread in &threads {
            let updated = thread.date_updated.unwrap_or(now);
            newest = newest.max(Some(updated));
            let Some(thread_id) = thread.id.as_deref() else {
                continue;
            };
            let orders: Vec<&str> = thread
                .entities
                .iter()
                .filter(|e| e.r#type.as_deref() == Some("MMP_ORDER"))
                .filter_map(|e| e.id.as_deref())
                .collect();
            for order_id in orders {
                let mut pending = Vec::new();
                for m in &thread.messages {
                    let Some(id) = m.id.as_deref() else { continue };
                    if store.cursor(&format!("{COPIED}{id}")).await?.is_none() {
                        pending.push(m);
                    }
                }
                if pending.is_empty() {
                    continue;
                }
                let entry = store.order(order_id).await?;
                let Some(bc_order) = entry.as_ref().and_then(|e| e.bigcommerce_order_id()) else {
                    // wait for an order still on its way to BigCommerce (or not polled yet);
                    // one the order poll settled without a BigCommerce order never gets one
                    let polled = self
                        .shared
                        .watching
                        .load(std::sync::atomic::Ordering::Relaxed);
                    let on_its_way = !polled
                        || entry.is_none()
                        || lock(&self.shared.watched).contains_key(order_id);
                    if on_its_way && now - updated < self.opts().hold {
                        held = Some(held.map_or(updated, |h: OffsetDateTime| h.min(updated)));
                        waiting.insert(order_id.to_owned());
                    } else {
                        tracing::warn!(order = %order_id, thread = %thread_id, "messages of an order never created in BigCommerce are not copied");
                    }
                    continue;
                };
                let notes: Vec<(String, String)> = pending
                    .iter()
                    .filter_map(|m| {
                        let id = m.id.as_deref()?;
                        let from = m.from.as_ref();
                        let who = match from.and_then(|f| f.r#type.as_ref()).map(|t| t.as_str()) {
                            Some("CUSTOMER_USER") => "customer",
                            Some("OPERATOR_USER") => "operator",
                            Some("SHOP_USER") => "shop",
                            _ => "participant",
                        };
                        let name = from
                            .and_then(|f| f.display_name.as_deref())
                            .unwrap_or_default();
                        let topic = thread
                            .topic
                            .as_ref()
                            .and_then(|t| t.value.as_deref())
                            .unwrap_or_default();
                        Some((
                            message_tag(id),
                            format!(
                                "{} {who} {name} wrote (thread \"{topic}\"): {}",
                                m.date_created.map(stamp).unwrap_or_default(),
                                m.body.as_deref().unwrap_or_default().trim()
                            ),
                        ))
                    })
                    .collect();
                let done = self.append_notes(bc_order, &notes).await?;
                for m in &pending {
                    let Some(id) = m.id.as_deref() else { continue };
                    if done.contains(&message_tag(id)) {
                        store
                            .set_cursor(&format!("{COPIED}{id}"), &bc_order.to_string())
                            .await?;
                        appended += 1;
                    }
                }
                tracing::info!(order = %order_id, thread = %thread_id, bigcommerce_order = bc_order, messages = pending.len(), "messages copied to the BigCommerce order's staff notes");
            }
        }
        // the cursor never passes a thread still waiting for its order
        let advance = match (held, newest) {
            (Some(h), _) => Some(h),
            (None, n) => n,
        };
        if let Some(t) = advance
            && !self.shared.dry_run()
        {
            store.advance_time_cursor(CURSOR, t).await?;
        }
        let mut seen = lock(&self.seen);
        seen.copied += appended as u64;
        seen.waiting = waiting;
        Ok(appended)
    }

    /// Answers the customer on a Mirakl order: a reply (M12, to the customer) on the thread
    /// where the customer wrote last, or, when the customer wrote on none, a new thread on
    /// the order (OR43, to the customer, topic "Your order").
    ///
    /// # Errors
    /// [`Error::Mirakl`] when the threads cannot be read or the message is refused (e.g. a
    /// body under 3 characters, an unknown order).
    pub async fn reply(&self, mirakl_order_id: &str, text: &str) -> Result<ReplySent> {
        use mirakl_api::messages::m12;
        use mirakl_api::orders::or43;
        use mirakl_api::shared::{FromType, FromType2, TopicType};
        let threads: Vec<mirakl_api::messages::m11::Data> = self
            .shared
            .mirakl
            .messages()
            .threads()?
            .entity_type("MMP_ORDER")
            .entity_id([mirakl_order_id])
            .with_messages(true)
            .stream()
            .try_collect()
            .await?;
        // the thread with the customer's latest message
        let latest = threads
            .iter()
            .filter_map(|t| {
                let last_customer = t
                    .messages
                    .iter()
                    .filter(|m| {
                        m.from
                            .as_ref()
                            .and_then(|f| f.r#type.as_ref())
                            .is_some_and(|k| *k == FromType2::CustomerUser)
                    })
                    .filter_map(|m| m.date_created)
                    .max()?;
                Some((last_customer, t.id.clone()?))
            })
            .max();
        if self.shared.dry_run() {
            println!("would reply on order {mirakl_order_id}: {text}");
            return Ok(ReplySent {
                thread_id: latest.map(|(_, id)| id).unwrap_or_default(),
                message_id: None,
                opened: false,
            });
        }
        let sent = match latest {
            Some((_, thread_id)) => {
                let input = m12::MessageInput {
                    body: text.to_owned(),
                    to: vec![m12::To {
                        id: None,
                        r#type: FromType::Customer,
                        extra: BTreeMap::new(),
                    }],
                    topic: None,
                    extra: BTreeMap::new(),
                };
                let r = self
                    .shared
                    .mirakl
                    .messages()
                    .reply(&thread_id, input)?
                    .send()
                    .await?;
                ReplySent {
                    thread_id: r.thread_id.unwrap_or(thread_id),
                    message_id: r.message_id,
                    opened: false,
                }
            }
            None => {
                let input = or43::ThreadInput {
                    body: text.to_owned(),
                    to: vec![FromType::Customer],
                    topic: or43::Topic {
                        r#type: TopicType::FreeText,
                        value: "Your order".to_owned(),
                        extra: BTreeMap::new(),
                    },
                    extra: BTreeMap::new(),
                };
                let r = self
                    .shared
                    .mirakl
                    .orders()
                    .create_thread(mirakl_order_id, input)?
                    .send()
                    .await?;
                ReplySent {
                    thread_id: r.thread_id.ok_or_else(|| {
                        Error::Mirakl(mirakl_api::Error::InvalidInput(
                            "OR43 answered without a thread id".into(),
                        ))
                    })?,
                    message_id: r.message_id,
                    opened: true,
                }
            }
        };
        lock(&self.seen).replies += 1;
        tracing::info!(order = %mirakl_order_id, thread = %sent.thread_id, opened = sent.opened, "reply sent to the customer");
        Ok(sent)
    }
}

/// `sync reply --config F ORDER "text"`: answers the customer of the Mirakl order `order`
/// (see [`MessagesFlow::reply`]) and prints where the message went. Returns the exit code: 0
/// sent, 1 refused by Mirakl (e.g. unknown order, body too short), 2 the reply could not be
/// tried (configuration, clients, transport).
pub async fn run_reply_cli(config: &std::path::Path, order: &str, text: &str) -> u8 {
    let fail = |what: &str, e: &dyn std::fmt::Display| {
        eprintln!("error: {what}: {e}");
        2
    };
    let cfg = match crate::config::Config::load(config) {
        Ok(c) => c,
        Err(e) => return fail("configuration", &e),
    };
    let rules = match crate::tools::rules(&cfg) {
        Ok(r) => r,
        Err(e) => return fail("rules", &e),
    };
    let (bc, mirakl) = match crate::tools::clients(&cfg) {
        Ok(c) => c,
        Err(e) => return fail("clients", &e),
    };
    // a reply reads and writes no connector state
    let scratch = match crate::state::SqliteStore::open_in_memory() {
        Ok(s) => Arc::new(s),
        Err(e) => return fail("in-memory state", &e),
    };
    let engine = crate::Connector::new(
        bc,
        mirakl,
        scratch,
        rules,
        crate::ConnectorOptions::default(),
    );
    match engine.messages().reply(order, text).await {
        Ok(sent) if sent.opened => {
            println!(
                "opened thread {} on order {order} (no customer thread to answer)",
                sent.thread_id
            );
            0
        }
        Ok(sent) => {
            println!("replied on thread {} of order {order}", sent.thread_id);
            0
        }
        Err(Error::Mirakl(e)) if e.status().is_some_and(|s| (400..500).contains(&s)) => {
            eprintln!("error: Mirakl refused the reply: {e}");
            1
        }
        Err(e) => fail("reply", &e),
    }
}
