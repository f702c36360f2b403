//! Deterministic demo data.
//!
//! [`DemoCatalog::generate`] builds N products × M variants from a seed: names, SKUs, GTIN-13 and
//! UPC-A codes with valid check digits, prices and sale prices (as [`Decimal`]), stock, weights,
//! brands and categories. The same seed always gives the same catalog, so the BigCommerce
//! stand-in can load it ([`crate::BigCommerceSandbox::load_demo`]) and the Mirakl side can script
//! orders against [`DemoCatalog::skus`].
//!
//! ```
//! use sync_sandbox::demo::DemoCatalog;
//! let catalog = DemoCatalog::generate(7, 3, 2);
//! assert_eq!(catalog.skus().len(), 6);
//! assert_eq!(catalog, DemoCatalog::generate(7, 3, 2));
//! ```

use rust_decimal::Decimal;

/// Brand names used by the generator.
pub const BRANDS: [&str; 8] = [
    "Harbour & Co",
    "Southerly",
    "Kookaburra Goods",
    "Bondi Basics",
    "Eucalypt",
    "Red Centre",
    "Coral Lane",
    "Tasman Works",
];

/// Category names used by the generator.
pub const CATEGORIES: [&str; 6] = [
    "Kitchen",
    "Outdoor",
    "Apparel",
    "Bath",
    "Stationery",
    "Toys",
];

const NOUNS: [&str; 12] = [
    "Mug", "Tote", "Towel", "Lantern", "Notebook", "Candle", "Jacket", "Planter", "Bottle",
    "Blanket", "Kite", "Apron",
];
const ADJECTIVES: [&str; 10] = [
    "Classic", "Coastal", "Rustic", "Everyday", "Deluxe", "Mini", "Linen", "Woven", "Enamel",
    "Recycled",
];
const SIZES: [&str; 8] = ["XS", "S", "M", "L", "XL", "XXL", "3XL", "4XL"];

/// One sellable variant (SKU) of a demo product.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoVariant {
    /// SKU (unique across the catalog).
    pub sku: String,
    /// `(option name, value label)`, absent for a product without options.
    pub option: Option<(String, String)>,
    /// GTIN-13 with a valid check digit.
    pub gtin: String,
    /// UPC-A with a valid check digit.
    pub upc: String,
    /// List price.
    pub price: Decimal,
    /// Sale price, below the list price, for about one SKU in five.
    pub sale_price: Option<Decimal>,
    /// Units on hand (about one SKU in twenty is out of stock).
    pub stock: i64,
}

/// One demo product.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoProduct {
    /// Name (unique across the catalog).
    pub name: String,
    /// Product SKU (the only SKU of a product without options).
    pub sku: String,
    /// Description.
    pub description: String,
    /// Brand name (one of [`BRANDS`]).
    pub brand: String,
    /// Category name (one of [`CATEGORIES`]).
    pub category: String,
    /// Weight in the store's unit.
    pub weight: Decimal,
    /// Variants; exactly one without option for a product without options.
    pub variants: Vec<DemoVariant>,
}

/// A SKU with what a marketplace order script needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoSku {
    /// SKU.
    pub sku: String,
    /// Product name.
    pub product_name: String,
    /// GTIN-13.
    pub gtin: String,
    /// List price.
    pub price: Decimal,
    /// Sale price, if any.
    pub sale_price: Option<Decimal>,
    /// Price a buyer pays: the sale price when set, else the list price.
    pub selling_price: Decimal,
    /// Units on hand.
    pub stock: i64,
}

/// A generated catalog.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoCatalog {
    /// The seed it came from.
    pub seed: u64,
    /// Products, in SKU order.
    pub products: Vec<DemoProduct>,
}

/// Counter-based generator: value `n` of stream `seed` is a SplitMix64 hash.
struct Rng {
    seed: u64,
    n: u64,
}

impl Rng {
    fn next(&mut self) -> u64 {
        self.n += 1;
        let mut z = self
            .seed
            .wrapping_add(self.n.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

/// Appends the GS1 check digit to a string of digits.
pub fn with_check_digit(digits: &str) -> String {
    let sum: u32 = digits
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            if i % 2 == 0 { d * 3 } else { d }
        })
        .sum();
    format!("{digits}{}", (10 - sum % 10) % 10)
}

impl DemoCatalog {
    /// Generates `products` products with `variants_per_product` variants each (at least one;
    /// with one, products have no options).
    pub fn generate(seed: u64, products: usize, variants_per_product: usize) -> Self {
        let per = variants_per_product.max(1);
        let mut rng = Rng { seed, n: 0 };
        let mut out = Vec::with_capacity(products);
        let mut sku_counter: u64 = 0;
        for i in 0..products {
            let adjective = ADJECTIVES[rng.below(ADJECTIVES.len() as u64) as usize];
            let noun = NOUNS[rng.below(NOUNS.len() as u64) as usize];
            let brand = BRANDS[rng.below(BRANDS.len() as u64) as usize].to_owned();
            let category = CATEGORIES[rng.below(CATEGORIES.len() as u64) as usize].to_owned();
            let name = format!("{adjective} {noun} #{:05}", i + 1);
            let sku = format!("DEMO-{:05}", i + 1);
            let weight = Decimal::new(rng.below(4950) as i64 + 50, 3);
            // Price in 5-cent steps between 9.95 and 299.95.
            let base_cents = 995 + 5 * rng.below(5801) as i64;
            let mut variants = Vec::with_capacity(per);
            for v in 0..per {
                sku_counter += 1;
                let cents = base_cents + 100 * v as i64;
                let price = Decimal::new(cents, 2);
                let sale_price =
                    (rng.below(5) == 0).then(|| (price * Decimal::new(80, 2)).round_dp(2));
                let stock = if rng.below(20) == 0 {
                    0
                } else {
                    rng.below(50) as i64 + 1
                };
                let (variant_sku, option) = if per == 1 {
                    (sku.clone(), None)
                } else {
                    let label = SIZES
                        .get(v)
                        .map(|s| (*s).to_owned())
                        .unwrap_or_else(|| format!("Size {}", v + 1));
                    (
                        format!("{sku}-{:02}", v + 1),
                        Some(("Size".to_owned(), label)),
                    )
                };
                variants.push(DemoVariant {
                    sku: variant_sku,
                    option,
                    gtin: with_check_digit(&format!("930{:09}", sku_counter)),
                    upc: with_check_digit(&format!("0{:010}", 5_000_000_000 + sku_counter)),
                    price,
                    sale_price,
                    stock,
                });
            }
            out.push(DemoProduct {
                description: format!("<p>{name} by {brand}.</p>"),
                name,
                sku,
                brand,
                category,
                weight,
                variants,
            });
        }
        DemoCatalog {
            seed,
            products: out,
        }
    }

    /// Every SKU with its prices and stock, in catalog order.
    pub fn skus(&self) -> Vec<DemoSku> {
        self.products
            .iter()
            .flat_map(|p| {
                p.variants.iter().map(move |v| DemoSku {
                    sku: v.sku.clone(),
                    product_name: p.name.clone(),
                    gtin: v.gtin.clone(),
                    price: v.price,
                    sale_price: v.sale_price,
                    selling_price: v.sale_price.unwrap_or(v.price),
                    stock: v.stock,
                })
            })
            .collect()
    }

    /// Number of SKUs.
    pub fn sku_count(&self) -> usize {
        self.products.iter().map(|p| p.variants.len()).sum()
    }

    /// Finds a SKU.
    pub fn sku(&self, sku: &str) -> Option<DemoSku> {
        self.skus().into_iter().find(|s| s.sku == sku)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn same_seed_same_catalog_other_seed_other_catalog() {
        let a = DemoCatalog::generate(1, 20, 3);
        assert_eq!(a, DemoCatalog::generate(1, 20, 3));
        assert_ne!(a, DemoCatalog::generate(2, 20, 3));
    }

    #[test]
    fn skus_names_and_codes_are_unique_and_valid() {
        let c = DemoCatalog::generate(9, 500, 4);
        let skus = c.skus();
        assert_eq!(skus.len(), 2000);
        assert_eq!(c.sku_count(), 2000);
        let unique: BTreeSet<_> = skus.iter().map(|s| &s.sku).collect();
        assert_eq!(unique.len(), 2000);
        let names: BTreeSet<_> = c.products.iter().map(|p| &p.name).collect();
        assert_eq!(names.len(), 500);
        let gtins: BTreeSet<_> = skus.iter().map(|s| &s.gtin).collect();
        assert_eq!(gtins.len(), 2000);
        for s in &skus {
            assert_eq!(s.gtin.len(), 13);
            assert_eq!(with_check_digit(&s.gtin[..12]), s.gtin);
            assert!(s.price >= Decimal::new(995, 2));
            if let Some(sale) = s.sale_price {
                assert!(sale < s.price);
                assert_eq!(s.selling_price, sale);
            }
            assert!(s.stock >= 0);
        }
        assert!(skus.iter().any(|s| s.sale_price.is_some()));
        assert!(skus.iter().any(|s| s.stock == 0));
    }

    #[test]
    fn check_digit_matches_known_codes() {
        // EAN-13 4006381333931 and UPC-A 036000291452 are standard worked examples.
        assert_eq!(with_check_digit("400638133393"), "4006381333931");
        assert_eq!(with_check_digit("03600029145"), "036000291452");
    }

    #[test]
    fn single_variant_products_have_no_options() {
        let c = DemoCatalog::generate(3, 5, 1);
        for p in &c.products {
            assert_eq!(p.variants.len(), 1);
            assert_eq!(p.variants[0].sku, p.sku);
            assert!(p.variants[0].option.is_none());
        }
    }
}
