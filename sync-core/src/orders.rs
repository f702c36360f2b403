//! Mirakl orders: units held, line acceptance (OR21), and the mapping of a released order
//! (SHIPPING) to a BigCommerce `POST /v2/orders` body.

use crate::country;
use crate::offers::DesiredOffer;
use crate::rules::OrderRules;
use crate::types::{CatalogRef, ShopSku};
use bigcommerce_api::catalog::{ProductId, VariantId};
use bigcommerce_api::orders::{
    Address as BcAddress, NewOrder, NewOrderFee, NewOrderProduct, NewShippingAddress, OrderStatus,
};
use mirakl_api::orders::{
    AcceptRequest, Address, Order, OrderLine, OrderLineAcceptance, OrderState, TaxMode,
};
use rust_decimal::{Decimal, RoundingStrategy};
use std::collections::BTreeMap;
use time::{Duration, OffsetDateTime};

/// Whether an order state means "bought but not yet in BigCommerce" for stock holding.
fn holds_stock(state: &OrderState) -> bool {
    matches!(
        state,
        OrderState::Staging
            | OrderState::WaitingAcceptance
            | OrderState::WaitingDebit
            | OrderState::WaitingDebitPayment
            | OrderState::Shipping
    )
}

fn line_live(line: &OrderLine) -> bool {
    !matches!(
        line.order_line_state,
        OrderState::Refused | OrderState::Canceled | OrderState::Closed
    )
}

/// Quantity of a line still to deliver: ordered minus cancelled.
pub fn open_quantity(line: &OrderLine) -> u64 {
    let cancelled = line
        .cancelations
        .iter()
        .filter_map(|c| c.quantity)
        .fold(0u64, u64::saturating_add);
    line.quantity.saturating_sub(cancelled)
}

/// Units held per SKU by marketplace orders that are open and not yet created in BigCommerce
/// (the oversell window): feed it to [`crate::catalog::Catalog::held`] and
/// [`AcceptanceContext::held`]. `in_bigcommerce` tells which orders the connector already
/// created. Orders repeated by overlapping polls are counted once (the latest update wins).
pub fn held_units(
    orders: &[Order],
    in_bigcommerce: impl Fn(&Order) -> bool,
) -> BTreeMap<ShopSku, u64> {
    let units = |o: &Order| {
        o.order_lines
            .iter()
            .filter(|l| line_live(l))
            .map(open_quantity)
            .fold(0u64, u64::saturating_add)
    };
    let mut latest: BTreeMap<&str, &Order> = BTreeMap::new();
    for o in orders {
        let e = latest.entry(o.order_id.as_str()).or_insert(o);
        // Newest wins; two copies with the same date keep the one holding more units, so the
        // result does not depend on the order the polls arrived in (and errs against oversell).
        if o.last_updated_date > e.last_updated_date
            || (o.last_updated_date == e.last_updated_date && units(o) > units(e))
        {
            *e = o;
        }
    }
    let mut held = BTreeMap::new();
    for o in latest.into_values() {
        if !holds_stock(&o.order_state) || in_bigcommerce(o) {
            continue;
        }
        for l in o.order_lines.iter().filter(|l| line_live(l)) {
            let e: &mut u64 = held.entry(l.offer_sku.clone()).or_default();
            *e = e.saturating_add(open_quantity(l));
        }
    }
    held
}

/// What the acceptance decision reads.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct AcceptanceContext {
    /// Units on hand in BigCommerce per SKU. A SKU absent here is unknown and refused.
    pub stock: BTreeMap<ShopSku, i64>,
    /// Units held by OTHER open marketplace orders not yet in BigCommerce (see [`held_units`];
    /// leave the order being decided out).
    pub held: BTreeMap<ShopSku, u64>,
    /// Expected unit price per SKU for the price guard (see [`expected_prices`]).
    pub prices: BTreeMap<ShopSku, Decimal>,
}

/// The unit price each desired offer sells at, at `now` (the discount when it applies). For the
/// price guard pass the order's `created_date` as `now`: the customer paid the price of that
/// moment, and a discount that ended since must not make the order look underpriced.
pub fn expected_prices(
    desired: &BTreeMap<ShopSku, DesiredOffer>,
    now: OffsetDateTime,
) -> BTreeMap<ShopSku, Decimal> {
    desired
        .iter()
        .map(|(k, o)| {
            let c = &o.content;
            let p = c
                .discount
                .as_ref()
                .filter(|d| {
                    d.start_date.is_none_or(|s| s <= now) && d.end_date.is_none_or(|e| now < e)
                })
                .map_or(c.price, |d| d.price);
            (k.clone(), p)
        })
        .collect()
}

/// The BigCommerce product and variant of each desired offer, to link order lines.
pub fn links(desired: &BTreeMap<ShopSku, DesiredOffer>) -> BTreeMap<ShopSku, CatalogRef> {
    desired.iter().map(|(k, o)| (k.clone(), o.source)).collect()
}

/// Why a line is accepted or refused.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum LineReason {
    /// Known SKU, enough stock, price acceptable.
    Accepted,
    /// The SKU is not in the catalog.
    UnknownSku,
    /// Not enough units after what other open orders and earlier lines hold.
    InsufficientStock {
        /// Units requested.
        requested: u64,
        /// Units available for this line.
        available: u64,
    },
    /// The unit price is more than the guard below the expected price.
    PriceBelowGuard {
        /// Unit price of the line.
        unit_price: Decimal,
        /// Expected unit price.
        expected: Decimal,
    },
    /// The line itself was fine, but another line was refused and partial acceptance is off.
    OrderRefused,
}

/// The decision for one line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineDecision {
    /// Mirakl order line id.
    pub order_line_id: String,
    /// Offer SKU.
    pub offer_sku: ShopSku,
    /// Accept (true) or refuse.
    pub accept: bool,
    /// Why.
    pub reason: LineReason,
}

/// The OR21 decision for an order, with the acceptance deadline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AcceptanceDecision {
    /// One decision per line, in line order.
    pub lines: Vec<LineDecision>,
    /// When the operator auto-refuses (created date + `acceptance_delay_secs`).
    pub deadline: OffsetDateTime,
    /// The deadline is within `deadline_warning_secs` (or passed): act or alert now.
    pub deadline_near: bool,
}

impl AcceptanceDecision {
    /// Whether every line is accepted.
    pub fn accepts_all(&self) -> bool {
        self.lines.iter().all(|l| l.accept)
    }

    /// The OR21 body (every line listed, as OR21 requires).
    pub fn request(&self) -> AcceptRequest {
        AcceptRequest {
            order_lines: self
                .lines
                .iter()
                .map(|l| OrderLineAcceptance {
                    id: l.order_line_id.clone(),
                    accepted: l.accept,
                })
                .collect(),
        }
    }
}

fn unit_price(line: &OrderLine) -> Option<Decimal> {
    line.price_unit.or_else(|| {
        line.price
            .filter(|_| line.quantity > 0)
            .map(|p| p / Decimal::from(line.quantity))
    })
}

/// Decides acceptance per line: the SKU must be known, the stock on hand minus what other open
/// orders hold minus what earlier lines of this order took must cover the line, and (optional)
/// the unit price must not be more than `price_guard_percent` below the expected price. Lines
/// are taken in `order_line_index` order so the result is deterministic. With
/// `partial_acceptance = false`, one refused line refuses all.
pub fn decide(
    order: &Order,
    ctx: &AcceptanceContext,
    rules: &OrderRules,
    now: OffsetDateTime,
) -> AcceptanceDecision {
    let mut lines: Vec<&OrderLine> = order.order_lines.iter().collect();
    lines.sort_by(|a, b| {
        a.order_line_index
            .cmp(&b.order_line_index)
            .then_with(|| a.order_line_id.cmp(&b.order_line_id))
    });
    let mut taken: BTreeMap<&ShopSku, u64> = BTreeMap::new();
    let mut out = Vec::with_capacity(lines.len());
    for l in lines {
        let sku = &l.offer_sku;
        let reason = match ctx.stock.get(sku) {
            None => LineReason::UnknownSku,
            Some(on_hand) => {
                let held = ctx.held.get(sku).copied().unwrap_or(0);
                let used = taken.get(sku).copied().unwrap_or(0);
                let avail = (i128::from(*on_hand) - i128::from(held) - i128::from(used)).max(0);
                let avail = u64::try_from(avail).unwrap_or(u64::MAX);
                let guard = match (
                    rules.price_guard_percent,
                    ctx.prices.get(sku),
                    unit_price(l),
                ) {
                    (Some(pct), Some(expected), Some(unit)) => {
                        let keep = (Decimal::ONE_HUNDRED - pct).max(Decimal::ZERO);
                        let floor = expected
                            .checked_mul(keep)
                            .map_or(*expected, |v| v / Decimal::ONE_HUNDRED);
                        (unit < floor).then_some(LineReason::PriceBelowGuard {
                            unit_price: unit,
                            expected: *expected,
                        })
                    }
                    _ => None,
                };
                if let Some(g) = guard {
                    g
                } else if avail < l.quantity {
                    LineReason::InsufficientStock {
                        requested: l.quantity,
                        available: avail,
                    }
                } else {
                    let t = taken.entry(sku).or_default();
                    *t = t.saturating_add(l.quantity);
                    LineReason::Accepted
                }
            }
        };
        let accept = reason == LineReason::Accepted;
        out.push(LineDecision {
            order_line_id: l.order_line_id.clone(),
            offer_sku: sku.clone(),
            accept,
            reason,
        });
    }
    if !rules.partial_acceptance && out.iter().any(|l| !l.accept) {
        for l in out.iter_mut().filter(|l| l.accept) {
            l.accept = false;
            l.reason = LineReason::OrderRefused;
        }
    }
    let deadline = order.created_date.saturating_add(Duration::seconds(
        i64::try_from(rules.acceptance_delay_secs).unwrap_or(i64::MAX),
    ));
    let warn = Duration::seconds(i64::try_from(rules.deadline_warning_secs).unwrap_or(i64::MAX));
    AcceptanceDecision {
        lines: out,
        deadline,
        deadline_near: now >= deadline.saturating_sub(warn),
    }
}

/// Why an order cannot be mapped to a BigCommerce order.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MappingError {
    /// Only orders in SHIPPING (accepted, paid, addresses released) are created.
    #[error("order is {0}, not SHIPPING")]
    NotReleased(String),
    /// Neither billing nor shipping address is present.
    #[error("order has no address")]
    NoAddress,
    /// The address country could not be resolved.
    #[error("unknown country {0:?}")]
    UnknownCountry(String),
    /// No line is left to create (all refused or cancelled).
    #[error("no open line")]
    NoLines,
    /// The order currency differs from the store currency.
    #[error("order currency {order} differs from store currency {store}")]
    CurrencyMismatch {
        /// Order currency.
        order: String,
        /// Store currency.
        store: String,
    },
}

/// Something worth a look in a mapped order (the order is still created).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum MappingWarning {
    /// The line's SKU is not linked to a catalog item: it becomes a custom line (BigCommerce
    /// stock does not move for it).
    UnlinkedSku(ShopSku),
    /// A line has no unit price; 0 was used.
    MissingPrice(String),
    /// The order has no `customer_notification_email` (the anonymised address Mirakl gives for
    /// notifications); the BigCommerce addresses carry no email.
    MissingEmail,
}

/// A BigCommerce order body ready for `POST /v2/orders`, with warnings.
#[derive(Debug, Clone, PartialEq)]
pub struct MappedOrder {
    /// The body. `external_order_id` is the Mirakl order id: look it up before any retry.
    pub order: NewOrder,
    /// Warnings.
    pub warnings: Vec<MappingWarning>,
    /// The order currency (Mirakl `currency_iso_code`), also sent as the `NewOrder`'s
    /// `default_currency_code`, which BigCommerce accepts on `POST /v2/orders` when
    /// multi-currency is enabled (orders.v2.oas2.yml `order_Post`).
    pub currency: Option<String>,
    /// Mirakl promotions on the created lines (line prices below unit price × quantity, and
    /// any `promotions.total_deduced_amount` the line prices do not show): send it as the
    /// order's `discount_amount` (orders.v2.oas2.yml `order_Post`), so the lines keep their
    /// unit prices and the total drops by the promotion.
    pub discount_amount: Decimal,
    /// Mirakl fees on the created lines (line `total_price` beyond price and shipping): send
    /// them as the order's `fees[]` (orders.v2.oas2.yml `orderFees_Post`, `custom_fee`).
    pub fees: Vec<OrderFee>,
    /// What Mirakl charged the customer for the created part of the order, tax included
    /// (lines, shipping, fees, less promotions; plus the taxes on a `TAX_EXCLUDED` order). The
    /// BigCommerce order must total exactly this ([`MappedOrder::bigcommerce_total`]).
    pub charged_total: Decimal,
}

/// A fee line for the BigCommerce order (`fees[]` of `POST /v2/orders`, type `custom_fee`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderFee {
    /// Display name (`display_name_customer` and `display_name_merchant`).
    pub name: String,
    /// `cost_ex_tax`.
    pub cost_ex_tax: Decimal,
    /// `cost_inc_tax`.
    pub cost_inc_tax: Decimal,
}

impl MappedOrder {
    /// The total, tax included, BigCommerce computes for this order once created with its
    /// [`discount_amount`](Self::discount_amount) and [`fees`](Self::fees): lines (quantity ×
    /// `price_inc_tax`) + shipping + fees − discount, to the cent. It equals
    /// [`charged_total`](Self::charged_total) for every mapped order.
    pub fn bigcommerce_total(&self) -> Decimal {
        let lines = sum(self.order.products.iter().map(|p| {
            p.price_inc_tax
                .unwrap_or_default()
                .saturating_mul(Decimal::from(p.quantity))
        }));
        let total = lines
            .saturating_add(self.order.shipping_cost_inc_tax.unwrap_or_default())
            .saturating_add(sum(self.fees.iter().map(|f| f.cost_inc_tax)))
            .saturating_sub(self.discount_amount);
        total.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
    }
}

/// Reads a JSON number or numeric string as a decimal.
fn json_decimal(v: Option<&serde_json::Value>) -> Option<Decimal> {
    let text = match v? {
        serde_json::Value::String(s) => s.trim().to_owned(),
        serde_json::Value::Number(n) => n.to_string(),
        _ => return None,
    };
    text.parse::<Decimal>()
        .ok()
        .or_else(|| Decimal::from_scientific(&text).ok())
}

fn text(v: &Option<String>) -> String {
    v.as_deref().map(str::trim).unwrap_or_default().to_owned()
}

fn address(
    a: &Address,
    email: &str,
    fallback_country: Option<&str>,
) -> Result<BcAddress, MappingError> {
    let c = country::resolve(a.country_iso_code.as_deref(), a.country.as_deref())
        .or_else(|| fallback_country.and_then(country::from_text))
        .ok_or_else(|| {
            MappingError::UnknownCountry(
                a.country_iso_code
                    .clone()
                    .or_else(|| a.country.clone())
                    .unwrap_or_default(),
            )
        })?;
    let mut company = text(&a.company);
    if let Some(c2) = a
        .company_2
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        company = if company.is_empty() {
            c2.to_owned()
        } else {
            format!("{company} {c2}")
        };
    }
    // `..Default` keeps this compiling (with defaults) when the model gains fields.
    #[allow(clippy::needless_update)]
    let out = BcAddress {
        first_name: text(&a.firstname),
        last_name: text(&a.lastname),
        company,
        street_1: text(&a.street_1),
        street_2: text(&a.street_2),
        city: text(&a.city),
        state: text(&a.state),
        zip: text(&a.zip_code),
        country: c.name.to_owned(),
        country_iso2: c.alpha2.to_owned(),
        phone: text(&a.phone),
        email: email.to_owned(),
        ..BcAddress::default()
    };
    Ok(out)
}

/// Sums amounts from the wire, saturating instead of panicking on overflow.
pub(crate) fn sum(amounts: impl IntoIterator<Item = Decimal>) -> Decimal {
    amounts
        .into_iter()
        .fold(Decimal::ZERO, Decimal::saturating_add)
}

fn round4(d: Decimal) -> Decimal {
    d.round_dp_with_strategy(4, RoundingStrategy::MidpointAwayFromZero)
}

/// (ex tax, inc tax) from an amount and its tax under the order's tax mode (`None` is treated
/// as tax-included, the consumer-price convention of AU/EU marketplaces).
fn split_tax(amount: Decimal, tax: Decimal, mode: Option<&TaxMode>) -> (Decimal, Decimal) {
    match mode {
        Some(TaxMode::TaxExcluded) => (round4(amount), round4(amount.saturating_add(tax))),
        _ => (round4(amount.saturating_sub(tax)), round4(amount)),
    }
}

/// Maps a released Mirakl order (SHIPPING) to a BigCommerce order body.
///
/// Addresses: Mirakl alpha-3 (or null code with a free-text country) → name + alpha-2;
/// billing falls back to shipping and vice versa; email = the anonymised
/// `customer_notification_email`. Lines: open quantity (ordered − cancelled), linked by SKU to
/// product/variant ids (so BigCommerce stock moves), unit prices with and without tax from the
/// line taxes and `order_tax_mode`. Promotions become [`MappedOrder::discount_amount`] and
/// fees [`MappedOrder::fees`], so the order totals what Mirakl charged
/// ([`MappedOrder::charged_total`]). Shipping cost likewise; shipping method = Mirakl shipping
/// type label. `external_source` from the rules, `external_order_id` = Mirakl order id, status
/// from the rules. `store_currency` (when given) must equal the order currency. `date_created`
/// is left to BigCommerce: [`crate::lifecycle::step`] compares it with Mirakl cancelation dates
/// to tell cancelations already reflected in the created quantities from later ones.
///
/// # Errors
/// [`MappingError`] when the order is not SHIPPING, has no address or line, an unknown
/// country, or another currency.
pub fn to_bigcommerce(
    order: &Order,
    links: &BTreeMap<ShopSku, CatalogRef>,
    rules: &OrderRules,
    store_currency: Option<&str>,
) -> Result<MappedOrder, MappingError> {
    if order.order_state != OrderState::Shipping {
        return Err(MappingError::NotReleased(order.order_state.to_string()));
    }
    if let (Some(store), Some(cur)) = (store_currency, order.currency_iso_code.as_deref())
        && !store.trim().eq_ignore_ascii_case(cur.trim())
    {
        return Err(MappingError::CurrencyMismatch {
            order: cur.to_owned(),
            store: store.to_owned(),
        });
    }
    let customer = order.customer.as_ref();
    let billing = customer.and_then(|c| c.billing_address.as_ref());
    let shipping = customer.and_then(|c| c.shipping_address.as_ref());
    let email = order
        .customer_notification_email
        .as_deref()
        .map(str::trim)
        .unwrap_or_default();
    let fallback_country = rules.default_country.as_deref();
    let bill = billing.or(shipping).ok_or(MappingError::NoAddress)?;
    let ship = shipping.or(billing).ok_or(MappingError::NoAddress)?;
    let mut billing_address = address(bill, email, fallback_country)?;
    if billing_address.first_name.is_empty() && billing_address.last_name.is_empty() {
        billing_address.first_name = customer.map(|c| text(&c.firstname)).unwrap_or_default();
        billing_address.last_name = customer.map(|c| text(&c.lastname)).unwrap_or_default();
    }
    let shipping_address = address(ship, email, fallback_country)?;

    let mode = order.order_tax_mode.as_ref();
    let mut warnings = Vec::new();
    if email.is_empty() {
        warnings.push(MappingWarning::MissingEmail);
    }
    let excluded = matches!(mode, Some(TaxMode::TaxExcluded));
    let mut products = Vec::new();
    let (mut ship_amount, mut ship_tax) = (Decimal::ZERO, Decimal::ZERO);
    // what Mirakl charged for the created lines, their promotions and fees
    let (mut charged, mut discount, mut fees) = (Decimal::ZERO, Decimal::ZERO, Decimal::ZERO);
    let mut lines: Vec<&OrderLine> = order.order_lines.iter().collect();
    lines.sort_by(|a, b| {
        a.order_line_index
            .cmp(&b.order_line_index)
            .then_with(|| a.order_line_id.cmp(&b.order_line_id))
    });
    for l in lines.into_iter().filter(|l| line_live(l)) {
        let qty = open_quantity(l);
        if qty == 0 {
            continue;
        }
        let unit = unit_price(l).unwrap_or_else(|| {
            warnings.push(MappingWarning::MissingPrice(l.order_line_id.clone()));
            Decimal::ZERO
        });
        let tax = sum(l.taxes.iter().filter_map(|t| t.amount));
        let unit_tax = if l.quantity > 0 {
            tax / Decimal::from(l.quantity)
        } else {
            Decimal::ZERO
        };
        let (ex, inc) = split_tax(unit, unit_tax, mode);
        // What Mirakl charged for the line: its price (after promotions) less cancelled
        // amounts, plus on a TAX_EXCLUDED order its taxes less cancelled taxes.
        let taxes = |t: &[mirakl_api::orders::TaxAmount]| sum(t.iter().filter_map(|t| t.amount));
        let cancels = &l.cancelations;
        let goods = l.price.map_or_else(
            || unit.saturating_mul(Decimal::from(qty)),
            |p| p.saturating_sub(sum(cancels.iter().filter_map(|c| c.amount))),
        );
        let paid = if excluded {
            goods.saturating_add(tax.saturating_sub(sum(cancels.iter().map(|c| taxes(&c.taxes)))))
        } else {
            goods
        };
        // The BigCommerce line totals quantity × price_inc_tax; the difference is a discount
        // (promotions, amount-only cancelations) or, if Mirakl charged more, an adjustment fee.
        let line_total = inc.saturating_mul(Decimal::from(qty));
        if line_total >= paid {
            discount = discount.saturating_add(line_total.saturating_sub(paid));
        } else {
            fees = fees.saturating_add(paid.saturating_sub(line_total));
        }
        charged = charged.saturating_add(paid);
        // fees: the line total beyond its price and shipping (OR11 `total_price`: "price with
        // shipping price and fees")
        if let (Some(total), Some(price)) = (l.total_price, l.price) {
            let fee = total
                .saturating_sub(price)
                .saturating_sub(l.shipping_price.unwrap_or_default());
            fees = fees.saturating_add(fee.max(Decimal::ZERO));
        }
        let cancelled_shipping = sum(cancels.iter().filter_map(|c| c.shipping_amount));
        ship_amount = ship_amount.saturating_add(
            l.shipping_price
                .unwrap_or_default()
                .saturating_sub(cancelled_shipping)
                .max(Decimal::ZERO),
        );
        ship_tax = ship_tax.saturating_add(
            taxes(&l.shipping_taxes)
                .saturating_sub(sum(cancels.iter().map(|c| taxes(&c.shipping_taxes))))
                .max(Decimal::ZERO),
        );
        let line = match links.get(&l.offer_sku) {
            Some(r) => NewOrderProduct {
                product_id: Some(ProductId(r.product_id)),
                variant_id: r.variant_id.map(VariantId),
                name: None,
                sku: None,
                quantity: qty,
                price_ex_tax: Some(ex),
                price_inc_tax: Some(inc),
            },
            None => {
                warnings.push(MappingWarning::UnlinkedSku(l.offer_sku.clone()));
                let name = l
                    .product_title
                    .clone()
                    .unwrap_or_else(|| l.offer_sku.to_string());
                NewOrderProduct::custom(name, Some(l.offer_sku.to_string()), qty, ex, inc)
            }
        };
        products.push(line);
    }
    if products.is_empty() {
        return Err(MappingError::NoLines);
    }
    // A promotion total the line prices do not show (lines at full price) is deducted at the
    // order level.
    let implied = sum(order.order_lines.iter().filter_map(|l| {
        let unit = unit_price(l)?;
        Some(
            unit.saturating_mul(Decimal::from(l.quantity))
                .saturating_sub(l.price?)
                .max(Decimal::ZERO),
        )
    }));
    let declared = json_decimal(
        order
            .promotions
            .as_ref()
            .and_then(|p| p.get("total_deduced_amount")),
    )
    .unwrap_or_default();
    let unshown = declared.saturating_sub(implied);
    if unshown > Decimal::new(1, 2) {
        discount = discount.saturating_add(unshown);
        charged = charged.saturating_sub(unshown);
    }
    if ship_amount.is_zero() {
        ship_amount = order.shipping_price.unwrap_or_default();
    }
    let (ship_ex, ship_inc) = split_tax(ship_amount, ship_tax, mode);
    charged = charged.saturating_add(ship_inc).saturating_add(fees);
    let method = order
        .shipping_type_label
        .clone()
        .or_else(|| order.shipping_type_code.clone())
        .unwrap_or_else(|| rules.default_shipping_method.clone());
    let mut new = NewOrder::new(billing_address, products);
    new.status_id = Some(OrderStatus::from_id(rules.status_id));
    new.shipping_addresses = vec![NewShippingAddress {
        address: shipping_address,
        shipping_method: Some(method),
    }];
    new.external_source = Some(rules.external_source.clone());
    new.external_order_id = Some(order.order_id.to_string());
    new.shipping_cost_ex_tax = Some(ship_ex);
    new.shipping_cost_inc_tax = Some(ship_inc);
    new.payment_method = Some(match order.payment_type.as_deref() {
        Some(p) => format!("Mirakl ({p})"),
        None => "Mirakl".to_owned(),
    });
    let mut notes = format!("Mirakl order {}", order.order_id);
    if let Some(c) = &order.commercial_id {
        notes.push_str(&format!(", commercial id {c}"));
    }
    if let Some(c) = &order.currency_iso_code {
        notes.push_str(&format!(", currency {c}"));
    }
    new.staff_notes = Some(notes);
    new.default_currency_code = order.currency_iso_code.clone();
    let fees = if fees > Decimal::ZERO {
        vec![OrderFee {
            name: "Marketplace fees".to_owned(),
            cost_ex_tax: round4(fees),
            cost_inc_tax: round4(fees),
        }]
    } else {
        Vec::new()
    };
    let discount = round4(discount);
    // the body carries them, so the BigCommerce order totals what Mirakl charged
    new.discount_amount = (discount > Decimal::ZERO).then_some(discount);
    new.fees = fees
        .iter()
        .map(|f| NewOrderFee::custom(f.name.clone(), f.cost_ex_tax, f.cost_inc_tax))
        .collect();
    Ok(MappedOrder {
        order: new,
        warnings,
        currency: order.currency_iso_code.clone(),
        discount_amount: discount,
        fees,
        charged_total: charged.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero),
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::test_util::d;
    use serde_json::{Value, json};
    use time::macros::datetime;

    /// The OR11 example of shared/specs/mirakl/mirakl-mmp-seller-openapi.json
    /// (`GET /api/orders`, `application/json-0`).
    pub(crate) fn spec_order() -> Value {
        let all: Value =
            serde_json::from_str(include_str!("../tests/fixtures/or11_orders.json")).unwrap();
        all["orders"][0].clone()
    }

    pub(crate) fn order(v: Value) -> Order {
        serde_json::from_value(v).unwrap()
    }

    pub(crate) fn line(id: &str, idx: u64, sku: &str, qty: u64, unit: &str) -> Value {
        json!({"order_line_id": id, "order_line_index": idx, "order_line_state": "WAITING_ACCEPTANCE",
               "offer_sku": sku, "quantity": qty, "price_unit": unit.parse::<f64>().unwrap(),
               "price": (unit.parse::<f64>().unwrap() * qty as f64)})
    }

    pub(crate) fn waiting(id: &str, lines: Vec<Value>) -> Value {
        json!({"order_id": id, "order_state": "WAITING_ACCEPTANCE", "created_date": "2026-11-27T08:00:00Z",
               "last_updated_date": "2026-11-27T08:00:00Z", "currency_iso_code": "AUD", "order_lines": lines})
    }

    fn sku(s: &str) -> ShopSku {
        ShopSku::new(s).unwrap()
    }

    /// OR11 polls overlap (`start_update_date`, notes/connectors.md A6): a repeated order counts
    /// once, with its latest version.
    #[test]
    fn held_units_counts_open_orders_once() {
        let a1 = order(waiting("A", vec![line("A-1", 1, "S1", 2, "10")]));
        let mut v = waiting("A", vec![line("A-1", 1, "S1", 3, "10")]);
        v["last_updated_date"] = json!("2026-11-27T09:00:00Z");
        let a2 = order(v);
        let mut b = waiting(
            "B",
            vec![line("B-1", 1, "S1", 1, "10"), line("B-2", 2, "S2", 4, "10")],
        );
        b["order_state"] = json!("SHIPPING");
        let b = order(b);
        let mut c = waiting("C", vec![line("C-1", 1, "S1", 5, "10")]);
        c["order_state"] = json!("SHIPPED");
        let c = order(c);
        let held = held_units(&[a1.clone(), a2.clone(), b.clone(), c.clone()], |_| false);
        assert_eq!(held, [(sku("S1"), 4), (sku("S2"), 4)].into());
        let held = held_units(&[a1.clone(), a2, b, c], |o| o.order_id.as_str() == "B");
        assert_eq!(held, [(sku("S1"), 3)].into());
        // same update date, different content: the input order does not matter
        let a3 = order(waiting("A", vec![line("A-1", 1, "S1", 5, "10")]));
        let one = held_units(&[a1.clone(), a3.clone()], |_| false);
        assert_eq!(one, held_units(&[a3, a1], |_| false));
        assert_eq!(one, [(sku("S1"), 5)].into());
    }

    /// Oversell window (notes/connectors.md §5.3, §5.6): lines of one SKU are aggregated and
    /// units held by other open orders are subtracted (M2 checks each line against the total).
    #[test]
    fn acceptance_per_line_with_reasons() {
        let o = order(waiting(
            "W1",
            vec![
                line("W1-1", 1, "S1", 2, "10"),
                line("W1-2", 2, "S1", 2, "10"),
                line("W1-3", 3, "GHOST", 1, "10"),
                line("W1-4", 4, "S2", 1, "5"),
            ],
        ));
        let ctx = AcceptanceContext {
            stock: [(sku("S1"), 4), (sku("S2"), 9)].into(),
            held: [(sku("S1"), 1)].into(),
            prices: [(sku("S2"), d("10"))].into(),
        };
        let rules = OrderRules {
            price_guard_percent: Some(d("20")),
            ..OrderRules::default()
        };
        let now = datetime!(2026-11-27 09:00 UTC);
        let dec = decide(&o, &ctx, &rules, now);
        let got: Vec<_> = dec
            .lines
            .iter()
            .map(|l| (l.order_line_id.as_str(), l.accept, l.reason.clone()))
            .collect();
        assert_eq!(
            got,
            [
                ("W1-1", true, LineReason::Accepted),
                (
                    "W1-2",
                    false,
                    LineReason::InsufficientStock {
                        requested: 2,
                        available: 1
                    }
                ),
                ("W1-3", false, LineReason::UnknownSku),
                (
                    "W1-4",
                    false,
                    LineReason::PriceBelowGuard {
                        unit_price: d("5"),
                        expected: d("10")
                    }
                ),
            ]
        );
        assert_eq!(dec.deadline, datetime!(2026-11-28 08:00 UTC));
        assert!(!dec.deadline_near);
        let req = dec.request();
        assert_eq!(req.order_lines.len(), 4);
        assert!(req.order_lines[0].accepted && !req.order_lines[1].accepted);
        assert!(decide(&o, &ctx, &rules, datetime!(2026-11-28 06:30 UTC)).deadline_near);

        let strict = OrderRules {
            partial_acceptance: false,
            ..OrderRules::default()
        };
        let dec = decide(&o, &ctx, &strict, now);
        assert!(dec.lines.iter().all(|l| !l.accept));
        assert_eq!(dec.lines[0].reason, LineReason::OrderRefused);
        // everything fine → all accepted
        let ok = order(waiting("W2", vec![line("W2-1", 1, "S2", 9, "10")]));
        assert!(decide(&ok, &ctx, &rules, now).accepts_all());
    }

    #[test]
    fn expected_prices_respect_discount_dates() {
        use crate::offers::OfferContent;
        use crate::pricing::Discount;
        let now = datetime!(2026-11-27 09:00 UTC);
        let mk = |start, end| DesiredOffer {
            shop_sku: sku("S"),
            product_id: "S".into(),
            product_id_type: "SHOP_SKU".into(),
            source: CatalogRef {
                product_id: 1,
                variant_id: None,
            },
            content: OfferContent {
                price: d("10"),
                discount: Some(Discount {
                    price: d("8"),
                    start_date: start,
                    end_date: end,
                }),
                quantity: 1,
                state_code: "11".into(),
                leadtime_to_ship: None,
                logistic_class: None,
                volume_prices: None,
                additional_fields: BTreeMap::new(),
            },
        };
        let p = |o: DesiredOffer| expected_prices(&[(sku("S"), o)].into(), now)[&sku("S")];
        assert_eq!(p(mk(None, None)), d("8"));
        assert_eq!(p(mk(Some(now + Duration::days(1)), None)), d("10"));
        assert_eq!(p(mk(None, Some(now))), d("10"));
    }

    #[test]
    fn spec_order_maps_to_bigcommerce() {
        let mut v = spec_order();
        v["order_state"] = json!("SHIPPING");
        let o = order(v);
        let links: BTreeMap<_, _> = [(
            sku("S2000"),
            CatalogRef {
                product_id: 77,
                variant_id: Some(78),
            },
        )]
        .into();
        let rules = OrderRules {
            external_source: "app-42".into(),
            ..OrderRules::default()
        };
        let m = to_bigcommerce(&o, &links, &rules, Some("usd")).unwrap();
        let n = &m.order;
        assert_eq!(n.external_order_id.as_deref(), Some("Order_00010-A"));
        assert_eq!(n.external_source.as_deref(), Some("app-42"));
        assert_eq!(n.status_id, Some(OrderStatus::AwaitingFulfillment));
        assert_eq!(n.customer_id, 0);
        assert_eq!(n.billing_address.country_iso2, "US");
        assert_eq!(n.billing_address.country, "United States");
        assert_eq!(
            n.billing_address.email,
            "notification+ec1riop21ju4rfynl0helvzou.e0z0r7cj2@notification.mirakl.net"
        );
        assert_eq!(n.billing_address.first_name, "smith");
        assert_eq!(n.billing_address.company, "LIMARK Company Paris branch");
        assert_eq!(n.shipping_addresses[0].address.city, "New York");
        assert_eq!(
            n.shipping_addresses[0].shipping_method.as_deref(),
            Some("Standard")
        );
        let l = &n.products[0];
        assert_eq!(
            (l.product_id, l.variant_id),
            (Some(ProductId(77)), Some(VariantId(78)))
        );
        // TAX_EXCLUDED: price_unit 55 ex tax; inc = 55 + line taxes / quantity
        assert_eq!(l.price_ex_tax, Some(d("55")));
        assert!(l.price_inc_tax.unwrap() > d("55"));
        assert!(n.shipping_cost_inc_tax.unwrap() >= n.shipping_cost_ex_tax.unwrap());
        assert!(n.staff_notes.as_deref().unwrap().contains("Order_00010"));
        assert!(m.warnings.is_empty(), "{:?}", m.warnings);
        assert_eq!(m.currency.as_deref(), Some("USD"));
        // The body serializes for POST /v2/orders.
        let body = serde_json::to_value(n).unwrap();
        assert_eq!(body["external_order_id"], "Order_00010-A");
        assert_eq!(body["default_currency_code"], "USD");
        assert_eq!(body["billing_address"]["country_iso2"], "US");
        assert_eq!(n.date_created, None);
    }

    /// The promotion-carrying OR11 example of ../shared/specs/mirakl/mirakl-mmp-seller-openapi.json
    /// (`GET /api/orders`, `application/json-auto`: "Complete example with value types"), released
    /// (SHIPPING) and given amounts: 2 units at 10 with a promotion deducing 3 (line price 17),
    /// shipping 5 and a fee of 1 (line total 23).
    fn promotion_order() -> Value {
        let all: Value = serde_json::from_str(include_str!(
            "../tests/fixtures/or11_orders_value_types.json"
        ))
        .unwrap();
        let mut v = all["orders"][0].clone();
        v["order_state"] = json!("SHIPPING");
        v["order_tax_mode"] = json!("TAX_INCLUDED");
        v["currency_iso_code"] = json!("AUD");
        v["promotions"]["total_deduced_amount"] = json!(3);
        v["promotions"]["applied_promotions"][0]["deduced_amount"] = json!(3);
        let l = &mut v["order_lines"][0];
        l["order_line_state"] = json!("SHIPPING");
        l["quantity"] = json!(2);
        l["price_unit"] = json!(10);
        l["origin_unit_price"] = json!(10);
        l["price"] = json!(17);
        l["promotions"][0]["deduced_amount"] = json!(3);
        l["shipping_price"] = json!(5);
        l["fees"] = json!([{"amount": 1, "code": "fee1"}]);
        l["total_price"] = json!(23);
        l["taxes"] = json!([{"code": "GST", "amount": 1.55}]);
        l["shipping_taxes"] = json!([]);
        l["cancelations"] = json!([]);
        l["refunds"] = json!([]);
        v
    }

    /// Issue 10 defect 6: the BigCommerce order built from a Mirakl order totals exactly what
    /// Mirakl charged: promotions become `discount_amount` and fees `fees[]`
    /// (orders.v2.oas2.yml `order_Post`), lines keep their unit prices.
    #[test]
    fn promotions_and_fees_make_the_bigcommerce_total_what_mirakl_charged() {
        let o = order(promotion_order());
        let m = to_bigcommerce(&o, &BTreeMap::new(), &OrderRules::default(), None).unwrap();
        assert_eq!(m.charged_total, d("23"));
        assert_eq!(m.discount_amount, d("3"));
        assert_eq!(
            m.fees,
            [OrderFee {
                name: "Marketplace fees".into(),
                cost_ex_tax: d("1"),
                cost_inc_tax: d("1")
            }]
        );
        assert_eq!(m.order.products[0].price_inc_tax, Some(d("10")));
        assert_eq!(m.bigcommerce_total(), m.charged_total);
        // the POST /v2/orders body carries them (orders.v2.oas2.yml `order_Post`,
        // `orderFees_Post`): discount_amount a string, fees of type custom_fee
        let body = serde_json::to_value(&m.order).unwrap();
        assert_eq!(body["discount_amount"], json!("3"));
        assert_eq!(
            body["fees"],
            json!([{"type": "custom_fee", "display_name_customer": "Marketplace fees",
                    "display_name_merchant": "Marketplace fees", "cost_ex_tax": "1", "cost_inc_tax": "1"}])
        );

        // TAX_EXCLUDED (the spec's application/json-0 order: total_price 173 = 165 + 8, so no
        // fee beyond it; an amount-only cancelation of 12.34 + 1.5 tax, shipping 1.23 + 3.08
        // tax): (165 − 12.34) + (20 − 1.5) + (8 − 1.23) + (20 − 3.08)
        let mut v = spec_order();
        v["order_state"] = json!("SHIPPING");
        let m = to_bigcommerce(&order(v), &BTreeMap::new(), &OrderRules::default(), None).unwrap();
        assert_eq!(m.charged_total, d("194.85"));
        assert_eq!(m.bigcommerce_total(), d("194.85"));
        assert!(m.fees.is_empty());

        // a promotion the line prices do not show is deducted at the order level
        let mut v = promotion_order();
        v["order_lines"][0]["price"] = json!(20);
        v["order_lines"][0]["total_price"] = json!(25);
        let m = to_bigcommerce(&order(v), &BTreeMap::new(), &OrderRules::default(), None).unwrap();
        assert_eq!((m.discount_amount, m.charged_total), (d("3"), d("22")));
        assert_eq!(m.bigcommerce_total(), m.charged_total);

        // a cancelled unit leaves the promotion on the units created
        let mut v = promotion_order();
        v["order_lines"][0]["cancelations"] =
            json!([{"id": "C1", "quantity": 1, "amount": 8.5, "shipping_amount": 0}]);
        let m = to_bigcommerce(&order(v), &BTreeMap::new(), &OrderRules::default(), None).unwrap();
        assert_eq!(m.order.products[0].quantity, 1);
        assert_eq!((m.discount_amount, m.charged_total), (d("1.5"), d("14.5")));
        assert_eq!(m.bigcommerce_total(), m.charged_total);
    }

    proptest::proptest! {
        /// Whatever the prices, promotions, fees, taxes and tax mode, the BigCommerce total
        /// equals what Mirakl charged, to the cent.
        #[test]
        fn bigcommerce_total_is_always_what_mirakl_charged(
            unit in 1u32..100_000, qty in 1u64..20, promo in 0u32..100, fee in 0u32..1_000,
            ship in 0u32..5_000, tax in 0u32..5_000, ship_tax in 0u32..500, excluded in proptest::prelude::any::<bool>(),
        ) {
            let unit = Decimal::new(i64::from(unit), 2);
            let gross = unit * Decimal::from(qty);
            let price = gross - gross * Decimal::new(i64::from(promo), 2) / Decimal::from(2);
            let price = price.round_dp(2);
            let mut v = promotion_order();
            v["order_tax_mode"] = json!(if excluded { "TAX_EXCLUDED" } else { "TAX_INCLUDED" });
            let l = &mut v["order_lines"][0];
            l["quantity"] = json!(qty);
            l["price_unit"] = json!(unit.to_string());
            l["price"] = json!(price.to_string());
            l["shipping_price"] = json!(Decimal::new(i64::from(ship), 2).to_string());
            l["total_price"] = json!((price + Decimal::new(i64::from(ship), 2) + Decimal::new(i64::from(fee), 2)).to_string());
            l["taxes"] = json!([{"code": "GST", "amount": Decimal::new(i64::from(tax), 2).to_string()}]);
            l["shipping_taxes"] = json!([{"code": "GST", "amount": Decimal::new(i64::from(ship_tax), 2).to_string()}]);
            v["promotions"]["total_deduced_amount"] = json!((gross - price).to_string());
            let m = to_bigcommerce(&order(v), &BTreeMap::new(), &OrderRules::default(), None).unwrap();
            let diff = (m.bigcommerce_total() - m.charged_total).abs();
            proptest::prop_assert!(diff <= Decimal::new(1, 2), "{} vs {}", m.bigcommerce_total(), m.charged_total);
        }
    }

    #[test]
    fn mapping_errors_and_fallbacks() {
        let mut v = spec_order();
        v["order_state"] = json!("WAITING_DEBIT");
        assert_eq!(
            to_bigcommerce(
                &order(v.clone()),
                &BTreeMap::new(),
                &OrderRules::default(),
                None
            ),
            Err(MappingError::NotReleased("WAITING_DEBIT".into()))
        );
        v["order_state"] = json!("SHIPPING");
        assert!(matches!(
            to_bigcommerce(
                &order(v.clone()),
                &BTreeMap::new(),
                &OrderRules::default(),
                Some("AUD")
            ),
            Err(MappingError::CurrencyMismatch { .. })
        ));
        // null country code + free-text country; unlinked SKU → custom line with a warning
        v["customer"]["billing_address"]["country_iso_code"] = Value::Null;
        v["customer"]["billing_address"]["country"] = json!("Australia");
        v["customer"]["shipping_address"] = Value::Null;
        let m = to_bigcommerce(
            &order(v.clone()),
            &BTreeMap::new(),
            &OrderRules::default(),
            None,
        )
        .unwrap();
        assert_eq!(m.order.billing_address.country_iso2, "AU");
        assert_eq!(m.order.shipping_addresses[0].address.country_iso2, "AU");
        assert_eq!(m.warnings, [MappingWarning::UnlinkedSku(sku("S2000"))]);
        assert_eq!(m.order.products[0].sku.as_deref(), Some("S2000"));
        v["customer"]["billing_address"]["country"] = json!("Atlantis");
        assert_eq!(
            to_bigcommerce(
                &order(v.clone()),
                &BTreeMap::new(),
                &OrderRules::default(),
                None
            ),
            Err(MappingError::UnknownCountry("Atlantis".into()))
        );
        let au = OrderRules {
            default_country: Some("AU".into()),
            ..OrderRules::default()
        };
        assert_eq!(
            to_bigcommerce(&order(v.clone()), &BTreeMap::new(), &au, None)
                .unwrap()
                .order
                .billing_address
                .country_iso2,
            "AU"
        );
        v["customer"]["billing_address"] = Value::Null;
        assert_eq!(
            to_bigcommerce(&order(v), &BTreeMap::new(), &OrderRules::default(), None),
            Err(MappingError::NoAddress)
        );
    }

    /// Dates with an offset are instants, not wall-clock strings (notes/connectors.md F14: M2
    /// stores timezone-naive dates); every tax line counts, not only the first (§5.8: BCR takes
    /// `taxes[0]`).
    #[test]
    fn offsets_and_every_tax_line_count() {
        let mut v = waiting("Z1", vec![line("Z1-1", 1, "S1", 1, "10")]);
        v["created_date"] = json!("2026-11-27T18:00:00+10:00");
        let o = order(v.clone());
        let ctx = AcceptanceContext {
            stock: [(sku("S1"), 1)].into(),
            ..AcceptanceContext::default()
        };
        let rules = OrderRules::default(); // 24 h to accept, warn 2 h before
        let d1 = decide(&o, &ctx, &rules, datetime!(2026-11-28 05:59 UTC));
        assert_eq!(d1.deadline, datetime!(2026-11-28 08:00 UTC));
        assert!(!d1.deadline_near);
        assert!(decide(&o, &ctx, &rules, datetime!(2026-11-28 16:00 +10:00)).deadline_near);

        v["order_state"] = json!("SHIPPING");
        v["order_tax_mode"] = json!("TAX_EXCLUDED");
        v["customer_notification_email"] = json!("n@notification.mirakl.net");
        v["order_lines"][0]["taxes"] =
            json!([{"code": "GST", "amount": 1}, {"code": "ECO", "amount": 0.5}]);
        v["order_lines"][0]["shipping_price"] = json!(5);
        v["order_lines"][0]["shipping_taxes"] =
            json!([{"code": "GST", "amount": 0.5}, {"code": "X", "amount": 0.25}]);
        v["customer"] = json!({"shipping_address": {"firstname": "A", "lastname": "B", "street_1": "1 St",
            "city": "Perth", "zip_code": "6000", "country_iso_code": "AUS"}});
        let m = to_bigcommerce(&order(v), &BTreeMap::new(), &rules, Some("AUD")).unwrap();
        let l = &m.order.products[0];
        assert_eq!(
            (l.price_ex_tax, l.price_inc_tax),
            (Some(d("10")), Some(d("11.5")))
        );
        assert_eq!(
            (m.order.shipping_cost_ex_tax, m.order.shipping_cost_inc_tax),
            (Some(d("5")), Some(d("5.75")))
        );
        assert_eq!(m.order.shipping_addresses[0].address.country_iso2, "AU");
    }

    /// Extreme configuration and quantities saturate instead of panicking.
    #[test]
    fn extreme_values_never_panic() {
        let mut v = waiting("X1", vec![line("X1-1", 1, "S1", 3, "10")]);
        v["order_lines"][0]["cancelations"] =
            json!([{"id": "c1", "quantity": u64::MAX}, {"id": "c2", "quantity": u64::MAX}]);
        let o = order(v);
        assert_eq!(open_quantity(&o.order_lines[0]), 0);
        let rules = OrderRules {
            acceptance_delay_secs: u64::MAX,
            deadline_warning_secs: u64::MAX,
            price_guard_percent: Some(d("-100000")),
            ..OrderRules::default()
        };
        let ctx = AcceptanceContext {
            stock: [(sku("S1"), i64::MAX)].into(),
            held: [(sku("S1"), u64::MAX)].into(),
            prices: [(sku("S1"), Decimal::MAX)].into(),
        };
        let dec = decide(&o, &ctx, &rules, datetime!(2026-11-27 09:00 UTC));
        assert!(dec.deadline > datetime!(9999-01-01 00:00 UTC));
        assert!(dec.deadline_near);
        assert!(!dec.accepts_all());
    }

    #[test]
    fn tax_included_split_and_cancelled_quantities() {
        let mut v = waiting("T1", vec![line("T1-1", 1, "S1", 3, "11")]);
        v["order_state"] = json!("SHIPPING");
        v["order_tax_mode"] = json!("TAX_INCLUDED");
        v["order_lines"][0]["order_line_state"] = json!("SHIPPING");
        v["order_lines"][0]["taxes"] = json!([{"code": "GST", "amount": 3, "rate": 10}]);
        v["order_lines"][0]["shipping_price"] = json!(11);
        v["order_lines"][0]["shipping_taxes"] = json!([{"code": "GST", "amount": 1}]);
        v["order_lines"][0]["cancelations"] =
            json!([{"id": "c1", "quantity": 1, "amount": 11, "reason_code": "34"}]);
        v["customer"] = json!({"firstname": "Jo", "lastname": "Bloggs", "shipping_address":
            {"firstname": "Jo", "lastname": "Bloggs", "street_1": "1 George St", "city": "Sydney", "zip_code": "2000",
             "state": "NSW", "country": "Australia", "country_iso_code": "AUS"}});
        let links = [(
            sku("S1"),
            CatalogRef {
                product_id: 5,
                variant_id: None,
            },
        )]
        .into();
        let m = to_bigcommerce(&order(v), &links, &OrderRules::default(), Some("AUD")).unwrap();
        let l = &m.order.products[0];
        assert_eq!(
            (l.quantity, l.price_inc_tax, l.price_ex_tax),
            (2, Some(d("11")), Some(d("10")))
        );
        assert_eq!((l.product_id, l.variant_id), (Some(ProductId(5)), None));
        assert_eq!(
            (m.order.shipping_cost_inc_tax, m.order.shipping_cost_ex_tax),
            (Some(d("11")), Some(d("10")))
        );
        assert_eq!(m.order.billing_address.street_1, "1 George St");
        assert_eq!(m.warnings, [MappingWarning::MissingEmail]);
        assert_eq!(m.order.billing_address.email, "");
    }
}
