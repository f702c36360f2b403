//! Plans: what to send to Mirakl so that the current offers become the desired ones.

use crate::offers::{CurrentOffer, DesiredOffer, OfferContent};
use crate::pricing::{Discount, VolumeTier};
use crate::rules::{PlanRules, RemovalPolicy};
use crate::types::ShopSku;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};

/// What changed in an offer, for routing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum ChangeKind {
    /// Only the quantity: STO01 can carry it.
    StockOnly,
    /// Only the price, discount and/or volume prices: PRI01 can carry it.
    PriceOnly,
    /// Anything else (or several kinds): OF24 with the full offer.
    Other,
}

/// Classifies the difference between two contents (`None` when equal).
pub fn classify(before: &OfferContent, after: &OfferContent) -> Option<ChangeKind> {
    if before == after {
        return None;
    }
    let stock = before.quantity != after.quantity;
    let price = before.price != after.price
        || before.discount != after.discount
        || before.volume_prices != after.volume_prices;
    let other = before.state_code != after.state_code
        || before.leadtime_to_ship != after.leadtime_to_ship
        || before.logistic_class != after.logistic_class
        || before.additional_fields != after.additional_fields;
    Some(match (stock, price, other) {
        (true, false, false) => ChangeKind::StockOnly,
        (false, true, false) => ChangeKind::PriceOnly,
        _ => ChangeKind::Other,
    })
}

/// A changed offer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OfferChange {
    /// The full desired offer.
    pub offer: DesiredOffer,
    /// The current content.
    pub before: OfferContent,
    /// Classification.
    pub kind: ChangeKind,
}

/// What happens to an offer that is no longer desired.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum RemovalAction {
    /// Delete the offer.
    Delete,
    /// Keep it with quantity 0.
    ZeroStock,
}

/// An offer on Mirakl that is no longer desired.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Removal {
    /// The current offer.
    pub current: CurrentOffer,
    /// What to do.
    pub action: RemovalAction,
}

/// The difference between desired and current offers. Every list is sorted by SKU.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Plan {
    /// Offers to create.
    pub new: Vec<DesiredOffer>,
    /// Offers to update.
    pub changed: Vec<OfferChange>,
    /// SKUs already as desired.
    pub unchanged: Vec<ShopSku>,
    /// Offers to delete or zero.
    pub removed: Vec<Removal>,
}

/// The Mirakl operation a batch goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Operation {
    /// Full offers: OF24 `POST /api/offers`, or OF01 `POST /api/offers/imports` for a large
    /// call ([`offer_call`]).
    Offers,
    /// STO01 `POST /api/offers/stock/imports`: quantities.
    Stock,
    /// PRI01 `POST /api/offers/pricing/imports`: prices.
    Prices,
}

/// How one call of full offers reaches Mirakl, chosen by [`offer_call`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum OfferCall {
    /// OF24 `POST /api/offers`: JSON, for small sets.
    Json,
    /// OF01 `POST /api/offers/imports`: one CSV file (offers only, `NORMAL` mode), for large
    /// sets such as a first load.
    File,
}

impl OfferCall {
    /// The Mirakl operation code (`OF24` or `OF01`).
    pub fn code(self) -> &'static str {
        match self {
            OfferCall::Json => "OF24",
            OfferCall::File => "OF01",
        }
    }
}

/// The call that carries `lines` full offers: one OF01 file from
/// [`PlanRules::file_import_from`] lines on, else OF24.
pub fn offer_call(lines: usize, rules: &PlanRules) -> OfferCall {
    if lines >= rules.file_import_from {
        OfferCall::File
    } else {
        OfferCall::Json
    }
}

/// The most lines one call of `op` carries when `pending` lines wait: every line for an
/// OF01 file (never split), else [`PlanRules::batch_size`] (no cap when unset).
pub fn call_size(op: Operation, pending: usize, rules: &PlanRules) -> usize {
    if op == Operation::Offers && offer_call(pending, rules) == OfferCall::File {
        return pending.max(1);
    }
    rules.batch_size.map_or(usize::MAX, |n| n.max(1))
}

/// One OF24 line: the FULL offer (OF24 resets every field not sent).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OfferWrite {
    /// Key.
    pub shop_sku: ShopSku,
    /// `product_id` (required by OF24).
    pub product_id: String,
    /// `product_id_type`.
    pub product_id_type: String,
    /// Full content.
    pub content: OfferContent,
    /// `update_delete = delete`.
    pub delete: bool,
}

/// One STO01 line (a stock write; the `mirakl-api` file line is `imports::StockLine`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StockWrite {
    /// Key.
    pub shop_sku: ShopSku,
    /// New quantity.
    pub quantity: u64,
}

/// One PRI01 price write (the `mirakl-api` file line is `imports::PriceLine`; see
/// [`crate::convert::price_rows_keeping`] for the rows).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PriceWrite {
    /// Key.
    pub shop_sku: ShopSku,
    /// New price.
    pub price: Decimal,
    /// New discount (none clears it: PRI01 replaces all prices of the offer).
    pub discount: Option<Discount>,
    /// Volume prices when the sync manages them (`None`: Mirakl's are kept, see
    /// [`crate::convert::price_rows_keeping`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub volume_prices: Option<Vec<VolumeTier>>,
}

/// A batch for one call (at most [`call_size`] lines), sorted by SKU. An offers batch goes
/// as OF24 or as one OF01 file, as [`offer_call`] decides from its size.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Batch {
    /// OF24.
    Offers(Vec<OfferWrite>),
    /// STO01.
    Stock(Vec<StockWrite>),
    /// PRI01.
    Prices(Vec<PriceWrite>),
}

impl Batch {
    /// The operation this batch goes to.
    pub fn operation(&self) -> Operation {
        match self {
            Batch::Offers(_) => Operation::Offers,
            Batch::Stock(_) => Operation::Stock,
            Batch::Prices(_) => Operation::Prices,
        }
    }
    /// Number of lines.
    pub fn len(&self) -> usize {
        match self {
            Batch::Offers(v) => v.len(),
            Batch::Stock(v) => v.len(),
            Batch::Prices(v) => v.len(),
        }
    }
    /// Whether the batch has no line.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Fills the fields the rules leave unmanaged (`None` lead time or logistic class) from the
/// current offer, so they neither show as a change nor get reset: OF24 resets every field not
/// sent (notes/connectors.md A3, F4), and Mirakl reports the operator default for an unset
/// lead time or logistic class, which would otherwise differ from `None` on every plan.
pub fn keep_unmanaged(desired: &mut OfferContent, current: &OfferContent) {
    if desired.leadtime_to_ship.is_none() {
        desired.leadtime_to_ship = current.leadtime_to_ship;
    }
    if desired.logistic_class.is_none() {
        desired.logistic_class.clone_from(&current.logistic_class);
    }
}

/// The desired offer with what the rules leave to Mirakl taken from the current content:
/// unmanaged fields ([`keep_unmanaged`]) and, without `sync_prices`, price and discount.
/// Borrowed when nothing needs filling (the common case: no copy per unchanged SKU).
fn effective<'a>(
    want: &'a DesiredOffer,
    current: &OfferContent,
    rules: &PlanRules,
) -> Cow<'a, DesiredOffer> {
    let w = &want.content;
    let fill = (w.leadtime_to_ship.is_none() && current.leadtime_to_ship.is_some())
        || (w.logistic_class.is_none() && current.logistic_class.is_some())
        || (!rules.sync_prices
            && (w.price != current.price
                || w.discount != current.discount
                || w.volume_prices != current.volume_prices));
    if !fill {
        return Cow::Borrowed(want);
    }
    let mut want = want.clone();
    keep_unmanaged(&mut want.content, current);
    if !rules.sync_prices {
        want.content.price = current.price;
        want.content.discount.clone_from(&current.discount);
        want.content
            .volume_prices
            .clone_from(&current.volume_prices);
    }
    Cow::Owned(want)
}

/// Compares desired and current offers.
///
/// Fields the rules leave unmanaged keep their current value (see [`keep_unmanaged`]): a
/// changed offer carries them, so its OF24 line does not reset them.
///
/// `keep` lists SKUs that must not be removed even though they are not desired (pass
/// [`crate::offers::problem_skus`]: an item with a problem is unknown, not gone). A zero-stock
/// removal of an offer already at 0 is not planned, so planning again after applying a plan
/// yields an empty plan. Deterministic: the same inputs give the same plan.
pub fn plan(
    desired: &BTreeMap<ShopSku, DesiredOffer>,
    current: &BTreeMap<ShopSku, CurrentOffer>,
    keep: &BTreeSet<ShopSku>,
    rules: &PlanRules,
) -> Plan {
    let mut out = Plan::default();
    for (sku, want) in desired {
        match current.get(sku) {
            None => out.new.push(want.clone()),
            Some(cur) => {
                let want = effective(want, &cur.content, rules);
                match classify(&cur.content, &want.content) {
                    None => out.unchanged.push(sku.clone()),
                    Some(kind) => out.changed.push(OfferChange {
                        offer: want.into_owned(),
                        before: cur.content.clone(),
                        kind,
                    }),
                }
            }
        }
    }
    for (sku, cur) in current {
        if desired.contains_key(sku) || keep.contains(sku) {
            continue;
        }
        let action = match rules.removal {
            RemovalPolicy::Keep => continue,
            RemovalPolicy::Delete => RemovalAction::Delete,
            RemovalPolicy::ZeroStock if cur.content.quantity == 0 => continue,
            RemovalPolicy::ZeroStock => RemovalAction::ZeroStock,
        };
        out.removed.push(Removal {
            current: cur.clone(),
            action,
        });
    }
    out
}

impl Plan {
    /// Whether there is nothing to send.
    pub fn is_empty(&self) -> bool {
        self.new.is_empty() && self.changed.is_empty() && self.removed.is_empty()
    }

    /// Routes every item to its operation and chunks each operation's lines to
    /// [`call_size`] (no chunking unless `rules.batch_size` is set; full offers from
    /// `rules.file_import_from` lines on are one OF01 batch). Stock-only changes go to STO01 when `rules.stock_import`, price-only
    /// changes to PRI01 when `rules.price_import`; everything else goes to OF24 carrying the full
    /// offer. Batches come ordered by operation (OF24, STO01, PRI01), lines by SKU.
    pub fn batches(&self, rules: &PlanRules) -> Vec<Batch> {
        let mut offers: BTreeMap<ShopSku, OfferWrite> = BTreeMap::new();
        let mut stock: BTreeMap<ShopSku, StockWrite> = BTreeMap::new();
        let mut prices: BTreeMap<ShopSku, PriceWrite> = BTreeMap::new();
        let full = |o: &DesiredOffer| OfferWrite {
            shop_sku: o.shop_sku.clone(),
            product_id: o.product_id.clone(),
            product_id_type: o.product_id_type.clone(),
            content: o.content.clone(),
            delete: false,
        };
        for o in &self.new {
            offers.insert(o.shop_sku.clone(), full(o));
        }
        for c in &self.changed {
            let sku = c.offer.shop_sku.clone();
            match c.kind {
                ChangeKind::StockOnly if rules.stock_import => {
                    stock.insert(
                        sku.clone(),
                        StockWrite {
                            shop_sku: sku,
                            quantity: c.offer.content.quantity,
                        },
                    );
                }
                ChangeKind::PriceOnly if rules.price_import => {
                    let line = PriceWrite {
                        shop_sku: sku.clone(),
                        price: c.offer.content.price,
                        discount: c.offer.content.discount.clone(),
                        volume_prices: c.offer.content.volume_prices.clone(),
                    };
                    prices.insert(sku, line);
                }
                _ => {
                    offers.insert(sku, full(&c.offer));
                }
            }
        }
        for r in &self.removed {
            let sku = r.current.shop_sku.clone();
            let (pid, ptype) = (
                r.current.product_id.clone(),
                r.current.product_id_type.clone(),
            );
            match r.action {
                RemovalAction::ZeroStock if rules.stock_import => {
                    stock.insert(
                        sku.clone(),
                        StockWrite {
                            shop_sku: sku,
                            quantity: 0,
                        },
                    );
                }
                action => {
                    let mut content = r.current.content.clone();
                    let delete = action == RemovalAction::Delete;
                    if !delete {
                        content.quantity = 0;
                    }
                    let w = OfferWrite {
                        shop_sku: sku.clone(),
                        product_id: pid,
                        product_id_type: ptype,
                        content,
                        delete,
                    };
                    offers.insert(sku, w);
                }
            }
        }
        let mut out = Vec::new();
        let size = |op, n| call_size(op, n, rules);
        let n = offers.len();
        chunk(
            offers.into_values().collect(),
            size(Operation::Offers, n),
            Batch::Offers,
            &mut out,
        );
        let n = stock.len();
        chunk(
            stock.into_values().collect(),
            size(Operation::Stock, n),
            Batch::Stock,
            &mut out,
        );
        let n = prices.len();
        chunk(
            prices.into_values().collect(),
            size(Operation::Prices, n),
            Batch::Prices,
            &mut out,
        );
        out
    }

    /// Applies the plan to a mirror of the current offers (what Mirakl will hold once every
    /// batch succeeded). Useful to keep a "last sent" mirror.
    pub fn apply(&self, current: &mut BTreeMap<ShopSku, CurrentOffer>) {
        for o in &self.new {
            current.insert(o.shop_sku.clone(), CurrentOffer::from(o));
        }
        for c in &self.changed {
            current.insert(c.offer.shop_sku.clone(), CurrentOffer::from(&c.offer));
        }
        for r in &self.removed {
            match r.action {
                RemovalAction::Delete => {
                    current.remove(&r.current.shop_sku);
                }
                RemovalAction::ZeroStock => {
                    if let Some(c) = current.get_mut(&r.current.shop_sku) {
                        c.content.quantity = 0;
                    }
                }
            }
        }
    }
}

fn chunk<T>(items: Vec<T>, size: usize, wrap: fn(Vec<T>) -> Batch, out: &mut Vec<Batch>) {
    let mut it = items.into_iter().peekable();
    while it.peek().is_some() {
        out.push(wrap(it.by_ref().take(size).collect()));
    }
}

impl From<&DesiredOffer> for CurrentOffer {
    fn from(o: &DesiredOffer) -> Self {
        CurrentOffer {
            shop_sku: o.shop_sku.clone(),
            product_id: o.product_id.clone(),
            product_id_type: o.product_id_type.clone(),
            content: o.content.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_util::d;
    use crate::types::CatalogRef;
    use proptest::prelude::*;

    fn content(price: &str, qty: u64) -> OfferContent {
        crate::test_util::offer_content(d(price), qty)
    }

    fn want(sku: &str, c: OfferContent) -> (ShopSku, DesiredOffer) {
        let s = ShopSku::new(sku).unwrap();
        let o = DesiredOffer {
            shop_sku: s.clone(),
            product_id: sku.into(),
            product_id_type: "SHOP_SKU".into(),
            source: CatalogRef {
                product_id: 1,
                variant_id: None,
            },
            content: c,
        };
        (s, o)
    }

    fn have(sku: &str, c: OfferContent) -> (ShopSku, CurrentOffer) {
        let s = ShopSku::new(sku).unwrap();
        (
            s.clone(),
            CurrentOffer {
                shop_sku: s,
                product_id: format!("M-{sku}"),
                product_id_type: "SKU".into(),
                content: c,
            },
        )
    }

    /// Issue 13: a first load of the default demo catalog (10,000 products × 3 variants) goes
    /// as one OF01 file in one call window, not 60 OF24 calls of 500; a small change stays
    /// one OF24 call; OF24, STO01 and PRI01 are not capped unless `batch_size` says so.
    #[test]
    fn large_sets_go_as_one_offer_file_and_small_ones_as_one_of24_call() {
        let rules = PlanRules::default();
        let first_load: BTreeMap<_, _> = (0..30_000)
            .map(|i| want(&format!("SKU-{i:05}"), content("10", 3)))
            .collect();
        let p = plan(&first_load, &BTreeMap::new(), &BTreeSet::new(), &rules);
        let b = p.batches(&rules);
        assert_eq!(b.len(), 1);
        assert_eq!(b[0].len(), 30_000);
        assert_eq!(offer_call(b[0].len(), &rules), OfferCall::File);
        assert_eq!(offer_call(b[0].len(), &rules).code(), "OF01");

        // 999 changed offers: one OF24 call, not two of 500
        let current: BTreeMap<_, _> = (0..999)
            .map(|i| have(&format!("SKU-{i:05}"), content("9", 3)))
            .collect();
        let desired: BTreeMap<_, _> = (0..999)
            .map(|i| want(&format!("SKU-{i:05}"), content("10", 3)))
            .collect();
        let p = plan(&desired, &current, &BTreeSet::new(), &rules);
        let b = p.batches(&rules);
        assert_eq!(b.iter().map(Batch::len).collect::<Vec<_>>(), [999]);
        assert_eq!(offer_call(999, &rules), OfferCall::Json);
        assert_eq!(offer_call(1_000, &rules), OfferCall::File);

        // the same price-only changes routed to PRI01: one call, uncapped
        let pri = PlanRules {
            price_import: true,
            ..PlanRules::default()
        };
        let b = p.batches(&pri);
        assert_eq!(
            b.iter()
                .map(|b| (b.operation(), b.len()))
                .collect::<Vec<_>>(),
            [(Operation::Prices, 999)]
        );
        // an explicit cap still splits OF24 calls, never an OF01 file
        let capped = PlanRules {
            batch_size: Some(400),
            ..PlanRules::default()
        };
        assert_eq!(
            p.batches(&capped)
                .iter()
                .map(Batch::len)
                .collect::<Vec<_>>(),
            [400, 400, 199]
        );
        assert_eq!(call_size(Operation::Offers, 30_000, &capped), 30_000);
        assert_eq!(call_size(Operation::Stock, 30_000, &capped), 400);
        // file_import_from 0: always a file
        let always = PlanRules {
            file_import_from: 0,
            ..PlanRules::default()
        };
        assert_eq!(offer_call(1, &always), OfferCall::File);
    }

    #[test]
    fn classification() {
        let a = content("10", 1);
        assert_eq!(classify(&a, &a), None);
        assert_eq!(classify(&a, &content("10", 2)), Some(ChangeKind::StockOnly));
        assert_eq!(classify(&a, &content("11", 1)), Some(ChangeKind::PriceOnly));
        let mut disc = a.clone();
        disc.discount = Some(Discount {
            price: d("9"),
            start_date: None,
            end_date: None,
        });
        assert_eq!(classify(&a, &disc), Some(ChangeKind::PriceOnly));
        assert_eq!(classify(&a, &content("11", 2)), Some(ChangeKind::Other));
        let mut lead = a.clone();
        lead.leadtime_to_ship = Some(2);
        assert_eq!(classify(&a, &lead), Some(ChangeKind::Other));
    }

    #[test]
    fn plan_sorts_routes_and_chunks() {
        let desired: BTreeMap<_, _> = [
            want("A", content("10", 5)),
            want("B", content("10", 6)),
            want("C", content("12", 5)),
            want("D", content("10", 5)),
            want("E", content("13", 9)),
        ]
        .into();
        let current: BTreeMap<_, _> = [
            have("B", content("10", 5)),
            have("C", content("10", 5)),
            have("D", content("10", 5)),
            have("E", content("10", 5)),
            have("X", content("10", 3)),
            have("Y", content("10", 0)),
            have("Z", content("10", 4)),
        ]
        .into();
        let keep: BTreeSet<_> = [ShopSku::new("Z").unwrap()].into();
        let rules = PlanRules {
            batch_size: Some(2),
            stock_import: true,
            price_import: true,
            ..PlanRules::default()
        };
        let p = plan(&desired, &current, &keep, &rules);
        assert_eq!(p.new.len(), 1);
        assert_eq!(
            p.changed
                .iter()
                .map(|c| (c.offer.shop_sku.as_str(), c.kind))
                .collect::<Vec<_>>(),
            [
                ("B", ChangeKind::StockOnly),
                ("C", ChangeKind::PriceOnly),
                ("E", ChangeKind::Other)
            ]
        );
        assert_eq!(p.unchanged, [ShopSku::new("D").unwrap()]);
        // X zeroed, Y already 0, Z kept (problem SKU)
        assert_eq!(
            p.removed
                .iter()
                .map(|r| r.current.shop_sku.as_str())
                .collect::<Vec<_>>(),
            ["X"]
        );
        let b = p.batches(&rules);
        assert_eq!(
            b.iter()
                .map(|b| (b.operation(), b.len()))
                .collect::<Vec<_>>(),
            [
                (Operation::Offers, 2),
                (Operation::Stock, 2),
                (Operation::Prices, 1)
            ]
        );
        let Batch::Stock(lines) = &b[1] else { panic!() };
        assert_eq!(
            lines
                .iter()
                .map(|l| (l.shop_sku.as_str(), l.quantity))
                .collect::<Vec<_>>(),
            [("B", 6), ("X", 0)]
        );

        // Without STO01/PRI01 everything goes to OF24 with full content.
        let of24 = PlanRules {
            batch_size: Some(10),
            ..PlanRules::default()
        };
        let b = p.batches(&of24);
        assert_eq!(b.len(), 1);
        let Batch::Offers(lines) = &b[0] else {
            panic!()
        };
        assert_eq!(
            lines
                .iter()
                .map(|l| l.shop_sku.as_str())
                .collect::<Vec<_>>(),
            ["A", "B", "C", "E", "X"]
        );
        let x = &lines[4];
        assert_eq!(
            (
                x.content.quantity,
                x.content.price,
                x.delete,
                x.product_id.as_str()
            ),
            (0, d("10"), false, "M-X")
        );
        assert_eq!(lines[1].content, content("10", 6));
    }

    #[test]
    fn delete_and_keep_policies() {
        let current: BTreeMap<_, _> = [have("Y", content("10", 0))].into();
        let del = PlanRules {
            removal: RemovalPolicy::Delete,
            ..PlanRules::default()
        };
        let p = plan(&BTreeMap::new(), &current, &BTreeSet::new(), &del);
        assert_eq!(p.removed[0].action, RemovalAction::Delete);
        let Batch::Offers(l) = &p.batches(&del)[0] else {
            panic!()
        };
        assert!(l[0].delete);
        let keep = PlanRules {
            removal: RemovalPolicy::Keep,
            ..PlanRules::default()
        };
        assert!(plan(&BTreeMap::new(), &current, &BTreeSet::new(), &keep).is_empty());
    }

    /// Mirakl reports the operator default lead time and logistic class of an offer the rules
    /// do not manage: that is not a change, and a real change keeps them rather than resetting
    /// them (OF24 resets unsent fields: notes/connectors.md A3, F4).
    #[test]
    fn unmanaged_fields_are_kept_not_reset() {
        let mut mirakl = content("10", 5);
        mirakl.leadtime_to_ship = Some(3);
        mirakl.logistic_class = Some("M".into());
        let current: BTreeMap<_, _> = [have("A", mirakl.clone())].into();
        let rules = PlanRules::default();
        let same: BTreeMap<_, _> = [want("A", content("10", 5))].into();
        let p = plan(&same, &current, &BTreeSet::new(), &rules);
        assert!(p.is_empty() && p.unchanged.len() == 1, "{p:?}");
        let cheaper: BTreeMap<_, _> = [want("A", content("9", 5))].into();
        let p = plan(&cheaper, &current, &BTreeSet::new(), &rules);
        assert_eq!(p.changed[0].kind, ChangeKind::PriceOnly);
        let Batch::Offers(lines) = &p.batches(&rules)[0] else {
            panic!()
        };
        assert_eq!(lines[0].content.leadtime_to_ship, Some(3));
        assert_eq!(lines[0].content.logistic_class.as_deref(), Some("M"));
        assert_eq!(lines[0].content.price, d("9"));
        // a managed value still wins
        let mut managed = content("10", 5);
        managed.leadtime_to_ship = Some(1);
        let p = plan(
            &[want("A", managed)].into(),
            &current,
            &BTreeSet::new(),
            &rules,
        );
        assert_eq!(p.changed[0].offer.content.leadtime_to_ship, Some(1));
        assert_eq!(p.changed[0].kind, ChangeKind::Other);
        // and the discount is managed: `None` clears a running one
        let mut discounted = mirakl.clone();
        discounted.discount = Some(Discount {
            price: d("8"),
            start_date: None,
            end_date: None,
        });
        let p = plan(
            &same,
            &[have("A", discounted)].into(),
            &BTreeSet::new(),
            &rules,
        );
        assert_eq!(p.changed[0].kind, ChangeKind::PriceOnly);
        assert_eq!(p.changed[0].offer.content.discount, None);
    }

    /// Stock-only sync (notes/connectors.md F10: "users want stock-only without price sync"):
    /// existing offers keep Mirakl's price and discount, only the quantity moves.
    #[test]
    fn stock_only_sync_keeps_mirakl_prices() {
        let mut mirakl = content("12", 5);
        mirakl.discount = Some(Discount {
            price: d("11"),
            start_date: None,
            end_date: None,
        });
        let current: BTreeMap<_, _> = [have("A", mirakl)].into();
        let desired: BTreeMap<_, _> =
            [want("A", content("10", 3)), want("B", content("9", 1))].into();
        let rules = PlanRules {
            sync_prices: false,
            stock_import: true,
            ..PlanRules::default()
        };
        let p = plan(&desired, &current, &BTreeSet::new(), &rules);
        assert_eq!(p.changed.len(), 1);
        assert_eq!(p.changed[0].kind, ChangeKind::StockOnly);
        assert_eq!(p.changed[0].offer.content.price, d("12"));
        assert_eq!(p.new[0].content.price, d("9"), "a new offer needs a price");
        let b = p.batches(&rules);
        assert_eq!(
            b.iter().map(Batch::operation).collect::<Vec<_>>(),
            [Operation::Offers, Operation::Stock]
        );
        let same_stock: BTreeMap<_, _> = [want("A", content("10", 5))].into();
        assert!(plan(&same_stock, &current, &BTreeSet::new(), &rules).is_empty());
    }

    fn arb_content() -> impl Strategy<Value = OfferContent> {
        (1u32..50, 0u64..4, proptest::bool::ANY, 0u32..3).prop_map(|(p, q, disc, lead)| {
            let mut c = content(&p.to_string(), q);
            if disc {
                c.discount = Some(Discount {
                    price: Decimal::from(p) / Decimal::TWO,
                    start_date: None,
                    end_date: None,
                });
            }
            c.leadtime_to_ship = (lead > 0).then_some(lead);
            c
        })
    }

    fn arb_side() -> impl Strategy<Value = BTreeMap<String, OfferContent>> {
        proptest::collection::btree_map("[A-F]", arb_content(), 0..6)
    }

    fn arb_policy() -> impl Strategy<Value = PlanRules> {
        (
            prop_oneof![
                Just(RemovalPolicy::Delete),
                Just(RemovalPolicy::ZeroStock),
                Just(RemovalPolicy::Keep)
            ],
            1usize..4,
            any::<bool>(),
            any::<bool>(),
        )
            .prop_map(|(removal, batch_size, s, p)| PlanRules {
                removal,
                batch_size: Some(batch_size),
                file_import_from: 3,
                stock_import: s,
                price_import: p,
                ..PlanRules::default()
            })
    }

    proptest! {
        #[test]
        fn applying_a_plan_converges(desired in arb_side(), current in arb_side(), rules in arb_policy()) {
            let desired: BTreeMap<_, _> = desired.into_iter().map(|(k, c)| want(&k, c)).collect();
            let mut current: BTreeMap<_, _> = current.into_iter().map(|(k, c)| have(&k, c)).collect();
            let p = plan(&desired, &current, &BTreeSet::new(), &rules);
            // deterministic
            prop_assert_eq!(&p, &plan(&desired, &current, &BTreeSet::new(), &rules));
            prop_assert_eq!(p.batches(&rules), p.batches(&rules));
            // every batch within the size, every SKU sent at most once
            let mut seen = BTreeSet::new();
            for b in p.batches(&rules) {
                let file = b.operation() == Operation::Offers
                    && offer_call(b.len(), &rules) == OfferCall::File;
                prop_assert!(!b.is_empty());
                prop_assert!(file || b.len() <= rules.batch_size.unwrap_or(usize::MAX));
                let skus: Vec<ShopSku> = match &b {
                    Batch::Offers(v) => v.iter().map(|l| l.shop_sku.clone()).collect(),
                    Batch::Stock(v) => v.iter().map(|l| l.shop_sku.clone()).collect(),
                    Batch::Prices(v) => v.iter().map(|l| l.shop_sku.clone()).collect(),
                };
                for s in skus { prop_assert!(seen.insert(s)); }
            }
            let before = current.clone();
            p.apply(&mut current);
            for (sku, o) in &desired {
                let mut want = o.content.clone();
                if let Some(b) = before.get(sku) { keep_unmanaged(&mut want, &b.content); }
                prop_assert_eq!(&current[sku].content, &want);
                // managed fields are exactly as desired
                prop_assert_eq!(current[sku].content.price, o.content.price);
                prop_assert_eq!(current[sku].content.quantity, o.content.quantity);
                prop_assert_eq!(&current[sku].content.discount, &o.content.discount);
                if o.content.leadtime_to_ship.is_some() {
                    prop_assert_eq!(current[sku].content.leadtime_to_ship, o.content.leadtime_to_ship);
                }
            }
            for (sku, c) in &current {
                if !desired.contains_key(sku) {
                    prop_assert!(rules.removal == RemovalPolicy::Keep || c.content.quantity == 0);
                    prop_assert!(rules.removal != RemovalPolicy::Delete);
                }
            }
            prop_assert!(plan(&desired, &current, &BTreeSet::new(), &rules).is_empty());
        }
    }
}
