//! A deterministic stream of marketplace orders from a seed.

use rust_decimal::Decimal;

use super::{Address, Customer, NewOrder, NewOrderLine, SandboxError};

const FIRST_NAMES: &[&str] = &[
    "Olivia",
    "Jack",
    "Charlotte",
    "William",
    "Amelia",
    "Noah",
    "Isla",
    "Oliver",
    "Mia",
    "Leo",
];
const LAST_NAMES: &[&str] = &[
    "Smith", "Jones", "Williams", "Brown", "Wilson", "Taylor", "Nguyen", "Johnson", "Martin",
    "White",
];
/// `(city, state, postcode)` of Australian delivery addresses.
const CITIES: &[(&str, &str, &str)] = &[
    ("Sydney", "NSW", "2000"),
    ("Melbourne", "VIC", "3000"),
    ("Brisbane", "QLD", "4000"),
    ("Perth", "WA", "6000"),
    ("Adelaide", "SA", "5000"),
    ("Hobart", "TAS", "7000"),
    ("Canberra", "ACT", "2600"),
    ("Darwin", "NT", "0800"),
];
const STREETS: &[&str] = &[
    "George St",
    "Collins St",
    "Queen St",
    "Hay St",
    "King William St",
    "Elizabeth St",
];

/// Generates orders over a catalog of `(shop SKU, unit price)` pairs. The same seed and catalog
/// always give the same orders, in the same order.
#[derive(Debug, Clone)]
pub struct OrderScript {
    state: u64,
    catalog: Vec<(String, Decimal)>,
    count: u64,
    shipping_price: Decimal,
}

impl OrderScript {
    /// A script over `catalog`, seeded with `seed`.
    ///
    /// # Errors
    /// [`SandboxError::InvalidOrder`] when the catalog is empty.
    pub fn new(seed: u64, catalog: Vec<(String, Decimal)>) -> Result<Self, SandboxError> {
        if catalog.is_empty() {
            return Err(SandboxError::InvalidOrder(
                "the order script needs at least one SKU".into(),
            ));
        }
        Ok(Self {
            state: seed,
            catalog,
            count: 0,
            shipping_price: Decimal::new(995, 2),
        })
    }

    /// splitmix64.
    fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn pick(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    /// The next order: one to three distinct lines of one to three units each.
    pub fn next_order(&mut self) -> NewOrder {
        self.count += 1;
        let first = FIRST_NAMES[self.pick(FIRST_NAMES.len())];
        let last = LAST_NAMES[self.pick(LAST_NAMES.len())];
        let (city, state, zip) = CITIES[self.pick(CITIES.len())];
        let street = STREETS[self.pick(STREETS.len())];
        let number = 1 + self.pick(300);
        let line_count = 1 + self.pick(3.min(self.catalog.len()));
        let mut lines: Vec<NewOrderLine> = Vec::new();
        while lines.len() < line_count {
            let index = self.pick(self.catalog.len());
            let (sku, price) = self.catalog[index].clone();
            if lines.iter().any(|l| l.shop_sku == sku) {
                continue;
            }
            let quantity = 1 + self.pick(3) as u32;
            lines.push(NewOrderLine {
                shop_sku: sku,
                quantity,
                unit_price: price,
                shipping_price: if lines.is_empty() {
                    self.shipping_price
                } else {
                    Decimal::ZERO
                },
            });
        }
        let address = Address {
            firstname: first.into(),
            lastname: last.into(),
            company: None,
            street_1: format!("{number} {street}"),
            street_2: None,
            city: city.into(),
            zip_code: zip.into(),
            state: Some(state.into()),
            country: "Australia".into(),
            country_iso_code: "AUS".into(),
            phone: Some(format!("04{:08}", self.next_u64() % 100_000_000)),
            additional_info: None,
        };
        NewOrder {
            customer: Customer {
                customer_id: format!("CUST-{:06}", self.next_u64() % 1_000_000),
                firstname: first.into(),
                lastname: last.into(),
                civility: None,
                locale: Some("en_AU".into()),
                notification_email: format!(
                    "notification+{:016x}@notification.sandbox.invalid",
                    self.next_u64()
                ),
                shipping_address: address,
                billing_address: None,
            },
            lines,
            customer_reference: Some(format!("WEB-{:08}", self.count)),
        }
    }
}

impl Iterator for OrderScript {
    type Item = NewOrder;

    fn next(&mut self) -> Option<NewOrder> {
        Some(self.next_order())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn catalog() -> Vec<(String, Decimal)> {
        (1..=5)
            .map(|i| (format!("SKU-{i}"), Decimal::new(1000 * i, 2)))
            .collect()
    }

    #[test]
    fn same_seed_same_orders() {
        let a: Vec<NewOrder> = OrderScript::new(7, catalog())
            .expect("script")
            .take(20)
            .collect();
        let b: Vec<NewOrder> = OrderScript::new(7, catalog())
            .expect("script")
            .take(20)
            .collect();
        let c: Vec<NewOrder> = OrderScript::new(8, catalog())
            .expect("script")
            .take(20)
            .collect();
        assert_eq!(a, b);
        assert_ne!(a, c);
    }

    #[test]
    fn lines_use_catalog_prices_and_distinct_skus() {
        for order in OrderScript::new(1, catalog()).expect("script").take(50) {
            assert!((1..=3).contains(&order.lines.len()));
            for line in &order.lines {
                let (_, price) = catalog()
                    .into_iter()
                    .find(|(s, _)| *s == line.shop_sku)
                    .expect("known sku");
                assert_eq!(line.unit_price, price);
                assert!((1..=3).contains(&line.quantity));
            }
            let mut skus: Vec<&str> = order.lines.iter().map(|l| l.shop_sku.as_str()).collect();
            skus.sort_unstable();
            skus.dedup();
            assert_eq!(skus.len(), order.lines.len());
            assert_eq!(order.customer.shipping_address.country_iso_code, "AUS");
        }
    }

    #[test]
    fn empty_catalog_is_rejected() {
        assert!(OrderScript::new(1, Vec::new()).is_err());
    }
}
