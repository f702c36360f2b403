//! Stock rules: what quantity Mirakl may sell.

use crate::rules::StockRules;
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

/// The quantity to send to Mirakl.
///
/// `on_hand − held` (held = units of marketplace orders not yet in BigCommerce, when
/// `subtract_held`), minus `buffer_units`, minus `buffer_percent` of what remains (so the result
/// rounds down), capped at `max_quantity`, then set to 0 below `zero_below`. Never negative: a
/// negative on-hand (oversold store) gives 0.
pub fn available(on_hand: i64, held: u64, rules: &StockRules) -> u64 {
    let held = if rules.subtract_held {
        i128::from(held)
    } else {
        0
    };
    let base = (i128::from(on_hand) - held).max(0);
    let after_units = (base - i128::from(rules.buffer_units)).max(0);
    let pct = rules
        .buffer_percent
        .clamp(Decimal::ZERO, Decimal::ONE_HUNDRED);
    let keep = (Decimal::from(after_units) * (Decimal::ONE_HUNDRED - pct) / Decimal::ONE_HUNDRED)
        .floor()
        .to_i128()
        .unwrap_or(0)
        .max(0);
    let mut qty = u64::try_from(keep).unwrap_or(u64::MAX);
    if let Some(max) = rules.max_quantity {
        qty = qty.min(max);
    }
    // The threshold applies last, so no quantity between 1 and `zero_below - 1` is ever
    // sent, even when a cap below the threshold is configured (then nothing is offered).
    if qty < rules.zero_below {
        qty = 0;
    }
    qty
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_util::d;
    use proptest::prelude::*;

    /// `available = clamp(on_hand − held − buffer, 0, max)`, rounded down (notes/connectors.md
    /// §5.3: the oversell window of orders not yet in BigCommerce; F3: negative stock → 0).
    #[test]
    fn held_units_and_buffers() {
        let r = StockRules::default();
        assert_eq!(available(10, 3, &r), 7);
        assert_eq!(available(10, 30, &r), 0);
        assert_eq!(available(-5, 0, &r), 0);
        let no_hold = StockRules {
            subtract_held: false,
            ..StockRules::default()
        };
        assert_eq!(available(10, 3, &no_hold), 10);
        let units = StockRules {
            buffer_units: 2,
            ..StockRules::default()
        };
        assert_eq!(available(10, 3, &units), 5);
        let pct = StockRules {
            buffer_percent: d("10"),
            ..StockRules::default()
        };
        // 19 × 0.9 = 17.1 → 17 (rounds down)
        assert_eq!(available(19, 0, &pct), 17);
        let both = StockRules {
            buffer_units: 1,
            buffer_percent: d("50"),
            ..StockRules::default()
        };
        assert_eq!(available(10, 0, &both), 4);
    }

    #[test]
    fn threshold_and_cap() {
        let r = StockRules {
            zero_below: 3,
            max_quantity: Some(50),
            ..StockRules::default()
        };
        assert_eq!(available(2, 0, &r), 0);
        assert_eq!(available(3, 0, &r), 3);
        assert_eq!(available(500, 0, &r), 50);
        assert_eq!(
            available(i64::MAX, 0, &StockRules::default()),
            i64::MAX as u64
        );
    }

    proptest! {
        #[test]
        fn never_negative_never_above_on_hand_or_cap(
            on_hand in any::<i64>(), held in any::<u64>(), units in 0u64..1000, pct in 0u32..150,
            zero in 0u64..10, max in proptest::option::of(0u64..1000)
        ) {
            let r = StockRules { buffer_units: units, buffer_percent: Decimal::from(pct), zero_below: zero,
                max_quantity: max, ..StockRules::default() };
            let q = available(on_hand, held, &r);
            prop_assert!(i128::from(q) <= i128::from(on_hand.max(0)));
            if let Some(m) = max { prop_assert!(q <= m); }
            prop_assert!(q == 0 || q >= zero);
        }
    }
}
