//! Price rules: markup, rounding to an ending or a step, bounds, and the sale price → discount.

use crate::rules::{OutOfRange, PriceRules, RoundDirection, Rounding, TaxBasis};
use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// A Mirakl offer discount (OF24 `discount`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Discount {
    /// Discounted unit price; always below the offer price.
    pub price: Decimal,
    /// Start of the discount (`None`: starts now).
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub start_date: Option<OffsetDateTime>,
    /// End of the discount (`None`: never ends).
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub end_date: Option<OffsetDateTime>,
}

/// A Mirakl volume price of an offer above 1 unit (`all_prices[].volume_prices`, PRI01
/// `price-ranges` / `discount-ranges`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct VolumeTier {
    /// Quantity from which the tier applies (above 1).
    pub quantity_threshold: u64,
    /// Unit price from that quantity.
    pub price: Decimal,
    /// Unit discount price from that quantity while the offer's discount runs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discount_price: Option<Decimal>,
}

/// Volume tiers from BigCommerce bulk-pricing rules: each rule adjusts the source price (and
/// the sale price) from its `quantity_min` (products_catalog.v3.yml `bulkPricingRule_Full`),
/// then the price rules apply as to any price ([`offer_price`]). A tier is kept only when its
/// price is below the offer price and below every smaller tier (a dearer bulk price would be
/// rejected); its discount price only while below its price and the offer's discount. Sorted
/// by threshold; rules from 0 or 1 unit are not volume prices and are left out.
pub fn volume_tiers(
    base: Decimal,
    sale_price: Option<Decimal>,
    bulk: &[crate::catalog::BulkPricingTier],
    unit_price: Decimal,
    offer_discount: Option<Decimal>,
    rules: &PriceRules,
) -> Vec<VolumeTier> {
    let mut bulk: Vec<_> = bulk.iter().filter(|t| t.quantity_min > 1).collect();
    bulk.sort_by_key(|t| t.quantity_min);
    let mut out: Vec<VolumeTier> = Vec::new();
    let mut ceiling = unit_price;
    for t in bulk {
        let Ok(price) =
            offer_price_and_discount(t.apply(base), None, None, None, rules).map(|(p, _)| p)
        else {
            continue;
        };
        if price >= ceiling {
            continue;
        }
        ceiling = price;
        let discount_price = offer_discount.and_then(|d| {
            let s = sale_price.filter(|s| *s > Decimal::ZERO)?;
            offer_price(t.apply(s), rules)
                .ok()
                .filter(|p| *p < price && *p < d)
        });
        out.push(VolumeTier {
            quantity_threshold: t.quantity_min,
            price,
            discount_price,
        });
    }
    out
}

/// Why a price could not be computed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PriceError {
    /// The price (source or computed) is zero or negative.
    #[error("price {0} is zero or negative")]
    NotPositive(Decimal),
    /// The computed price is below `min_price` and the rule is to skip.
    #[error("price {price} is below the minimum {min}")]
    BelowMinimum {
        /// Computed price.
        price: Decimal,
        /// Configured minimum.
        min: Decimal,
    },
    /// The computed price is above `max_price` and the rule is to skip.
    #[error("price {price} is above the maximum {max}")]
    AboveMaximum {
        /// Computed price.
        price: Decimal,
        /// Configured maximum.
        max: Decimal,
    },
}

/// Applies markup and rounding (no bounds) to a source price.
pub fn transform(base: Decimal, rules: &PriceRules) -> Decimal {
    let hundred = Decimal::ONE_HUNDRED;
    // Checked: a huge price or markup saturates instead of panicking (the bounds or the
    // operator then reject it).
    let raw = hundred
        .checked_add(rules.markup_percent)
        .and_then(|f| base.checked_mul(f))
        .map(|v| v / hundred)
        .and_then(|v| v.checked_add(rules.markup_fixed))
        .unwrap_or(if base.is_sign_negative() {
            Decimal::MIN
        } else {
            Decimal::MAX
        });
    let cents = raw.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
    round(cents, &rules.rounding, rules.direction)
}

/// Rounds a price to an ending or a step in the given direction. A price so large that the
/// rounded value cannot be represented is returned unchanged (never a panic).
pub fn round(price: Decimal, rounding: &Rounding, direction: RoundDirection) -> Decimal {
    let bounds = match rounding {
        Rounding::None => return price,
        Rounding::Ending(ending) => {
            let ending = ending.abs() % Decimal::ONE;
            price.floor().checked_add(ending).and_then(|base| {
                if base > price {
                    Some((base.checked_sub(Decimal::ONE)?, base))
                } else if base < price {
                    Some((base, base.checked_add(Decimal::ONE)?))
                } else {
                    Some((base, base))
                }
            })
        }
        Rounding::Step(step) if *step > Decimal::ZERO => price.checked_div(*step).and_then(|q| {
            Some((
                q.floor().checked_mul(*step)?.normalize(),
                q.ceil().checked_mul(*step)?.normalize(),
            ))
        }),
        Rounding::Step(_) => return price,
    };
    bounds.map_or(price, |(down, up)| pick(price, down, up, direction))
}

fn pick(price: Decimal, down: Decimal, up: Decimal, direction: RoundDirection) -> Decimal {
    match direction {
        RoundDirection::Up => up,
        RoundDirection::Down => down,
        RoundDirection::Nearest => {
            if up.saturating_sub(price) <= price.saturating_sub(down) {
                up
            } else {
                down
            }
        }
    }
}

/// Computes the offer price from a BigCommerce price.
///
/// # Errors
/// [`PriceError::NotPositive`] when the source or result is ≤ 0; `BelowMinimum`/`AboveMaximum`
/// when out of bounds and [`OutOfRange::Skip`] is configured.
pub fn offer_price(base: Decimal, rules: &PriceRules) -> Result<Decimal, PriceError> {
    if base <= Decimal::ZERO {
        return Err(PriceError::NotPositive(base));
    }
    let price = bounded(transform(base, rules), rules)?;
    if price <= Decimal::ZERO {
        return Err(PriceError::NotPositive(price));
    }
    Ok(price)
}

fn bounded(price: Decimal, rules: &PriceRules) -> Result<Decimal, PriceError> {
    if let Some(min) = rules.min_price
        && price < min
    {
        return match rules.out_of_range {
            OutOfRange::Clamp => Ok(min),
            OutOfRange::Skip => Err(PriceError::BelowMinimum { price, min }),
        };
    }
    if let Some(max) = rules.max_price
        && price > max
    {
        return match rules.out_of_range {
            OutOfRange::Clamp => Ok(max),
            OutOfRange::Skip => Err(PriceError::AboveMaximum { price, max }),
        };
    }
    Ok(price)
}

/// Computes the offer price and the discount from a BigCommerce price and sale price.
///
/// The sale price goes through the same markup and rounding. It becomes a discount only when it
/// is positive, below the offer price (Westfield and Mirakl reject a discount ≥ price) and within
/// the bounds (out of bounds it is clamped or dropped, never the offer). Dates are passed through
/// where known (BigCommerce itself has none: then the discount starts now and never ends).
///
/// # Errors
/// See [`offer_price`]; a bad sale price never fails the offer.
pub fn offer_price_and_discount(
    base: Decimal,
    sale_price: Option<Decimal>,
    start_date: Option<OffsetDateTime>,
    end_date: Option<OffsetDateTime>,
    rules: &PriceRules,
) -> Result<(Decimal, Option<Discount>), PriceError> {
    let price = offer_price(base, rules)?;
    let discount = sale_price
        .filter(|s| rules.use_sale_price && *s > Decimal::ZERO && *s < base)
        .and_then(|s| bounded(transform(s, rules), rules).ok())
        .filter(|d| *d > Decimal::ZERO && *d < price)
        .filter(|_| match (start_date, end_date) {
            (Some(s), Some(e)) => s < e,
            _ => true,
        })
        .map(|d| Discount {
            price: d,
            start_date,
            end_date,
        });
    Ok((price, discount))
}

/// A conversion of store prices to the marketplace's tax basis.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TaxBasisConversion {
    /// The store's basis.
    pub from: TaxBasis,
    /// The marketplace's basis.
    pub to: TaxBasis,
    /// The store's tax rate in percent (e.g. 10 for GST).
    pub rate_percent: Decimal,
}

impl TaxBasisConversion {
    /// Converts one price ([`convert_tax_basis`]).
    pub fn apply(&self, price: Decimal) -> Decimal {
        convert_tax_basis(price, self.from, self.to, self.rate_percent)
    }
}

/// Why store prices cannot be published on the marketplace's tax basis.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TaxBasisError {
    /// The bases differ and the rules give no tax rate to convert with.
    #[error(
        "the BigCommerce store enters prices {} (/v2/store is_price_entered_with_tax) but the marketplace prices {} (rules `price.marketplace_tax_basis`); set `price.store_tax_rate_percent` to convert, or align the store's tax setting",
        store.words(),
        marketplace.words()
    )]
    Mismatch {
        /// The store's basis.
        store: TaxBasis,
        /// The marketplace's basis.
        marketplace: TaxBasis,
    },
    /// The configured tax rate is negative.
    #[error("`price.store_tax_rate_percent` is {0}; a tax rate cannot be negative")]
    NegativeRate(Decimal),
}

/// Converts a price between tax bases at `rate_percent`: excluded → included multiplies by
/// `1 + rate/100`, included → excluded divides by it; the same basis returns the price. Not
/// rounded (the price rules round afterwards); an overflow saturates.
pub fn convert_tax_basis(
    price: Decimal,
    from: TaxBasis,
    to: TaxBasis,
    rate_percent: Decimal,
) -> Decimal {
    let factor = Decimal::ONE_HUNDRED
        .saturating_add(rate_percent)
        .checked_div(Decimal::ONE_HUNDRED)
        .unwrap_or(Decimal::ONE);
    match (from, to) {
        (TaxBasis::TaxExcluded, TaxBasis::TaxIncluded) => price.saturating_mul(factor),
        (TaxBasis::TaxIncluded, TaxBasis::TaxExcluded) if factor > Decimal::ZERO => {
            price.checked_div(factor).unwrap_or(price)
        }
        _ => price,
    }
}

/// Checks the store's price basis against the marketplace's (`rules.marketplace_tax_basis`).
///
/// `Ok(None)`: nothing to convert (same basis, or the rules name no marketplace basis);
/// `Ok(Some(conversion))`: the bases differ and `rules.store_tax_rate_percent` converts.
///
/// # Errors
/// [`TaxBasisError::Mismatch`] when the bases differ and no tax rate is configured (the
/// connector refuses to start with this message, which names the settings);
/// [`TaxBasisError::NegativeRate`] for a negative rate.
pub fn check_tax_basis(
    rules: &PriceRules,
    store_prices_include_tax: bool,
) -> Result<Option<TaxBasisConversion>, TaxBasisError> {
    let store = TaxBasis::from_price_entered_with_tax(store_prices_include_tax);
    let Some(marketplace) = rules.marketplace_tax_basis else {
        return Ok(None);
    };
    if store == marketplace {
        return Ok(None);
    }
    match rules.store_tax_rate_percent {
        Some(r) if r.is_sign_negative() && !r.is_zero() => Err(TaxBasisError::NegativeRate(r)),
        Some(rate_percent) => Ok(Some(TaxBasisConversion {
            from: store,
            to: marketplace,
            rate_percent,
        })),
        None => Err(TaxBasisError::Mismatch { store, marketplace }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_util::d;

    fn rules(rounding: Rounding, direction: RoundDirection) -> PriceRules {
        PriceRules {
            rounding,
            direction,
            ..PriceRules::default()
        }
    }

    #[test]
    fn markup_percent_and_fixed() {
        let r = PriceRules {
            markup_percent: d("10"),
            markup_fixed: d("2"),
            ..PriceRules::default()
        };
        assert_eq!(offer_price(d("100"), &r).unwrap(), d("112"));
        let r = PriceRules {
            markup_percent: d("15"),
            ..PriceRules::default()
        };
        // 19.99 × 1.15 = 22.9885 → 22.99
        assert_eq!(offer_price(d("19.99"), &r).unwrap(), d("22.99"));
    }

    #[test]
    fn endings_in_every_direction() {
        let up = rules(Rounding::Ending(d("0.95")), RoundDirection::Up);
        assert_eq!(transform(d("10.00"), &up), d("10.95"));
        assert_eq!(transform(d("10.96"), &up), d("11.95"));
        assert_eq!(transform(d("10.95"), &up), d("10.95"));
        let down = rules(Rounding::Ending(d("0.99")), RoundDirection::Down);
        assert_eq!(transform(d("10.50"), &down), d("9.99"));
        assert_eq!(transform(d("11.99"), &down), d("11.99"));
        let near = rules(Rounding::Ending(d("0.99")), RoundDirection::Nearest);
        assert_eq!(transform(d("10.20"), &near), d("9.99"));
        assert_eq!(transform(d("10.60"), &near), d("10.99"));
    }

    #[test]
    fn steps_in_every_direction() {
        let up = rules(Rounding::Step(d("0.05")), RoundDirection::Up);
        assert_eq!(transform(d("10.01"), &up), d("10.05"));
        let down = rules(Rounding::Step(d("1")), RoundDirection::Down);
        assert_eq!(transform(d("10.99"), &down), d("10"));
        let near = rules(Rounding::Step(d("0.5")), RoundDirection::Nearest);
        assert_eq!(transform(d("10.24"), &near), d("10"));
        assert_eq!(transform(d("10.25"), &near), d("10.5"));
        let bad = rules(Rounding::Step(d("0")), RoundDirection::Up);
        assert_eq!(transform(d("10.24"), &bad), d("10.24"));
    }

    #[test]
    fn bounds_skip_or_clamp() {
        let skip = PriceRules {
            min_price: Some(d("5")),
            max_price: Some(d("100")),
            ..PriceRules::default()
        };
        assert_eq!(
            offer_price(d("4"), &skip),
            Err(PriceError::BelowMinimum {
                price: d("4"),
                min: d("5")
            })
        );
        assert_eq!(
            offer_price(d("101"), &skip),
            Err(PriceError::AboveMaximum {
                price: d("101"),
                max: d("100")
            })
        );
        let clamp = PriceRules {
            out_of_range: OutOfRange::Clamp,
            ..skip
        };
        assert_eq!(offer_price(d("4"), &clamp).unwrap(), d("5"));
        assert_eq!(offer_price(d("101"), &clamp).unwrap(), d("100"));
    }

    proptest::proptest! {
        /// Any price and any rules: no panic; an offer price is positive and within bounds.
        #[test]
        fn any_price_any_rules_never_panics(
            m in proptest::prelude::any::<i64>(), scale in 0u32..29, pct in -200i64..1000,
            fixed in proptest::prelude::any::<i32>(), step in 0u32..5, dir in 0u8..3, ending in 0u8..100,
        ) {
            let base = Decimal::new(m, scale);
            let rules = PriceRules {
                markup_percent: Decimal::from(pct),
                markup_fixed: Decimal::from(fixed),
                rounding: match step { 0 => Rounding::None, 1 => Rounding::Ending(Decimal::new(i64::from(ending), 2)),
                    s => Rounding::Step(Decimal::new(5, s)) },
                direction: [RoundDirection::Up, RoundDirection::Down, RoundDirection::Nearest][usize::from(dir)],
                min_price: Some(d("0.01")),
                ..PriceRules::default()
            };
            if let Ok(p) = offer_price(base, &rules) {
                proptest::prop_assert!(p > Decimal::ZERO);
            }
            let _ = offer_price_and_discount(base, Some(base / Decimal::TWO), None, None, &rules);
        }
    }

    /// Prices come from the wire: extreme values saturate or stay as they are, never panic.
    #[test]
    fn extreme_prices_never_panic() {
        let big = PriceRules {
            markup_percent: d("10"),
            markup_fixed: d("1"),
            rounding: Rounding::Ending(d("0.99")),
            ..PriceRules::default()
        };
        assert_eq!(transform(Decimal::MAX, &big), Decimal::MAX);
        let step = PriceRules {
            rounding: Rounding::Step(d("0.0000000000000000000000000001")),
            ..PriceRules::default()
        };
        assert!(transform(Decimal::MAX, &step) > Decimal::ZERO);
        let capped = PriceRules {
            max_price: Some(d("1000")),
            ..big
        };
        assert!(matches!(
            offer_price(Decimal::MAX, &capped),
            Err(PriceError::AboveMaximum { .. })
        ));
        assert!(matches!(
            offer_price(Decimal::MIN, &PriceRules::default()),
            Err(PriceError::NotPositive(_))
        ));
    }

    #[test]
    fn zero_or_negative_prices_fail() {
        let r = PriceRules::default();
        assert_eq!(
            offer_price(d("0"), &r),
            Err(PriceError::NotPositive(d("0")))
        );
        assert_eq!(
            offer_price(d("-1"), &r),
            Err(PriceError::NotPositive(d("-1")))
        );
        let neg = PriceRules {
            markup_fixed: d("-20"),
            ..PriceRules::default()
        };
        assert_eq!(
            offer_price(d("10"), &neg),
            Err(PriceError::NotPositive(d("-10")))
        );
    }

    #[test]
    fn sale_price_becomes_discount_only_when_below_price() {
        let r = PriceRules {
            markup_percent: d("10"),
            ..PriceRules::default()
        };
        let (p, disc) = offer_price_and_discount(d("100"), Some(d("80")), None, None, &r).unwrap();
        assert_eq!(p, d("110"));
        assert_eq!(
            disc,
            Some(Discount {
                price: d("88"),
                start_date: None,
                end_date: None
            })
        );
        // sale ≥ price: ignored (no strike-through on a higher price)
        assert_eq!(
            offer_price_and_discount(d("100"), Some(d("100")), None, None, &r)
                .unwrap()
                .1,
            None
        );
        assert_eq!(
            offer_price_and_discount(d("100"), Some(d("0")), None, None, &r)
                .unwrap()
                .1,
            None
        );
        // rounding that lifts the discount to the price drops it
        let up = PriceRules {
            rounding: Rounding::Step(d("10")),
            ..PriceRules::default()
        };
        assert_eq!(
            offer_price_and_discount(d("100"), Some(d("95")), None, None, &up).unwrap(),
            (d("100"), None)
        );
        // disabled
        let off = PriceRules {
            use_sale_price: false,
            ..PriceRules::default()
        };
        assert_eq!(
            offer_price_and_discount(d("100"), Some(d("50")), None, None, &off)
                .unwrap()
                .1,
            None
        );
    }

    /// Westfield discounts carry optional start/end dates and must stay below the price
    /// (notes/connectors.md W1, §5.10).
    #[test]
    fn discount_dates_pass_through_and_inverted_windows_drop() {
        let r = PriceRules::default();
        let s = time::macros::datetime!(2026-01-01 00:00 UTC);
        let e = time::macros::datetime!(2026-02-01 00:00 UTC);
        let (_, disc) =
            offer_price_and_discount(d("10"), Some(d("8")), Some(s), Some(e), &r).unwrap();
        let disc = disc.unwrap();
        assert_eq!((disc.start_date, disc.end_date), (Some(s), Some(e)));
        assert_eq!(
            offer_price_and_discount(d("10"), Some(d("8")), Some(e), Some(s), &r)
                .unwrap()
                .1,
            None
        );
        // below min with skip: only the discount is dropped
        let min = PriceRules {
            min_price: Some(d("9")),
            ..PriceRules::default()
        };
        assert_eq!(
            offer_price_and_discount(d("10"), Some(d("8")), None, None, &min).unwrap(),
            (d("10"), None)
        );
    }

    /// Issue 10 defect 5: a store entering prices ex GST on a marketplace pricing GST
    /// included (Westfield) is refused with a message naming the settings, unless the rules
    /// give the store's rate; then prices convert (20 ex 10% GST → 22).
    #[test]
    fn tax_basis_is_checked_and_converted() {
        let mut rules = PriceRules::default();
        // not configured: nothing checked
        assert_eq!(check_tax_basis(&rules, false), Ok(None));
        rules.marketplace_tax_basis = Some(TaxBasis::TaxIncluded);
        assert_eq!(check_tax_basis(&rules, true), Ok(None));
        let err = check_tax_basis(&rules, false).unwrap_err();
        assert_eq!(
            err,
            TaxBasisError::Mismatch {
                store: TaxBasis::TaxExcluded,
                marketplace: TaxBasis::TaxIncluded
            }
        );
        let text = err.to_string();
        assert!(
            text.contains("price.marketplace_tax_basis")
                && text.contains("price.store_tax_rate_percent")
                && text.contains("is_price_entered_with_tax"),
            "{text}"
        );
        rules.store_tax_rate_percent = Some(d("10"));
        let conv = check_tax_basis(&rules, false).unwrap().unwrap();
        assert_eq!(conv.apply(d("20")), d("22"));
        rules.marketplace_tax_basis = Some(TaxBasis::TaxExcluded);
        let conv = check_tax_basis(&rules, true).unwrap().unwrap();
        assert_eq!(conv.apply(d("22")), d("20"));
        rules.store_tax_rate_percent = Some(d("-1"));
        assert!(matches!(
            check_tax_basis(&rules, true),
            Err(TaxBasisError::NegativeRate(_))
        ));
        assert_eq!(
            convert_tax_basis(
                d("10"),
                TaxBasis::TaxIncluded,
                TaxBasis::TaxIncluded,
                d("10")
            ),
            d("10")
        );
        // extreme values never panic
        let _ = convert_tax_basis(
            Decimal::MAX,
            TaxBasis::TaxExcluded,
            TaxBasis::TaxIncluded,
            d("10"),
        );
        let _ = convert_tax_basis(
            d("1"),
            TaxBasis::TaxIncluded,
            TaxBasis::TaxExcluded,
            d("-100"),
        );
    }
}
