//! Configuration: every knob of the sync, deserializable from TOML or JSON.
//!
//! Every field has a default (shown in each field's doc), so an empty document is a valid
//! configuration. Unknown keys are rejected so that a typo in a config file is an error rather
//! than a silently ignored rule.
//!
//! ```
//! let rules: sync_core::rules::SyncRules = toml::from_str(r#"
//!     [price]
//!     markup_percent = "10"
//!     rounding = { ending = "0.95" }
//!     [stock]
//!     buffer_units = 2
//! "#).unwrap();
//! assert_eq!(rules.stock.buffer_units, 2);
//! assert_eq!(rules.offer.state_code, "11");
//! ```

use crate::units::Unit;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// All rules of one store ↔ shop connection.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SyncRules {
    /// Price rules.
    pub price: PriceRules,
    /// Stock rules.
    pub stock: StockRules,
    /// Which catalog items become offers.
    pub selection: SelectionRules,
    /// How the Mirakl `product_id` / `product_id_type` is chosen.
    pub identity: IdentityRules,
    /// Constant offer fields.
    pub offer: OfferRules,
    /// Plan output: batch size and what to do with offers that left the catalog.
    pub plan: PlanRules,
    /// Mirakl call windows used by the coalescer.
    pub windows: CallWindows,
    /// Order acceptance and creation.
    pub orders: OrderRules,
    /// Shipment and carrier mapping.
    pub shipments: ShipmentRules,
    /// Cancellation and refund reason mapping.
    pub refunds: RefundRules,
    /// Product sync (P41): category and attribute mapping to the operator's catalog.
    pub products: ProductRules,
}

/// Rounding of a computed price.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rounding {
    /// Keep the price as computed, rounded to cents (default).
    #[default]
    None,
    /// Move the price to the given ending, e.g. `0.95` or `0.99` (the cents part).
    Ending(Decimal),
    /// Move the price to a multiple of the step, e.g. `0.05` or `1`.
    Step(Decimal),
}

/// Which way [`Rounding`] moves a price.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RoundDirection {
    /// The smallest value at or above the price (default: never sells below the computed price).
    #[default]
    Up,
    /// The nearest value (ties go up).
    Nearest,
    /// The largest value at or below the price.
    Down,
}

/// What to do with a price outside `[min_price, max_price]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OutOfRange {
    /// Report a problem for the SKU and do not offer it (default).
    #[default]
    Skip,
    /// Move the price to the nearest bound.
    Clamp,
}

/// Price rules: `price × (1 + markup_percent/100) + markup_fixed`, then rounding, then bounds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PriceRules {
    /// Percentage added to the BigCommerce price (default 0; may be negative).
    pub markup_percent: Decimal,
    /// Fixed amount added after the percentage (default 0; may be negative).
    pub markup_fixed: Decimal,
    /// Rounding (default none: round half-up to cents).
    pub rounding: Rounding,
    /// Direction of the rounding (default up).
    pub direction: RoundDirection,
    /// Lowest price allowed (default none).
    pub min_price: Option<Decimal>,
    /// Highest price allowed (default none).
    pub max_price: Option<Decimal>,
    /// What to do outside the bounds (default skip).
    pub out_of_range: OutOfRange,
    /// The Mirakl shop currency (A01 `currency_iso_code`). When set, a catalog in another
    /// currency yields a problem per SKU instead of offers (default none: no check).
    pub currency: Option<String>,
    /// Send the BigCommerce sale price as the Mirakl discount price (default true).
    pub use_sale_price: bool,
    /// Whether the marketplace's prices include tax (`tax_included`, e.g. Westfield with GST)
    /// or not (`tax_excluded`). Checked against the store's `/v2/store`
    /// `is_price_entered_with_tax` ([`crate::pricing::check_tax_basis`]); default none: not
    /// checked.
    pub marketplace_tax_basis: Option<TaxBasis>,
    /// The store's tax rate in percent (e.g. `"10"` for GST), used to convert store prices to
    /// the marketplace's basis when they differ (default none: no conversion, and differing
    /// bases are an error).
    pub store_tax_rate_percent: Option<Decimal>,
}

impl Default for PriceRules {
    fn default() -> Self {
        Self {
            markup_percent: Decimal::ZERO,
            markup_fixed: Decimal::ZERO,
            rounding: Rounding::None,
            direction: RoundDirection::Up,
            min_price: None,
            max_price: None,
            out_of_range: OutOfRange::Skip,
            currency: None,
            use_sale_price: true,
            marketplace_tax_basis: None,
            store_tax_rate_percent: None,
        }
    }
}

/// Whether prices include tax: the basis of the store's prices or the marketplace's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TaxBasis {
    /// Prices include tax (Westfield: GST included).
    TaxIncluded,
    /// Prices exclude tax.
    TaxExcluded,
}

impl TaxBasis {
    /// The basis of a BigCommerce store from `/v2/store` `is_price_entered_with_tax`.
    pub fn from_price_entered_with_tax(with_tax: bool) -> Self {
        if with_tax {
            TaxBasis::TaxIncluded
        } else {
            TaxBasis::TaxExcluded
        }
    }

    pub(crate) fn words(self) -> &'static str {
        match self {
            TaxBasis::TaxIncluded => "including tax",
            TaxBasis::TaxExcluded => "excluding tax",
        }
    }
}

/// Stock rules: `available = on_hand − held − buffer`, zeroed below a threshold, capped, never
/// negative.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StockRules {
    /// Units always kept back (default 0).
    pub buffer_units: u64,
    /// Percentage of the remaining stock kept back, rounded so that the sent quantity rounds
    /// down (default 0).
    pub buffer_percent: Decimal,
    /// Largest quantity ever sent (default none).
    pub max_quantity: Option<u64>,
    /// When the computed quantity is below this, send 0 (default 0: never).
    pub zero_below: u64,
    /// Quantity sent for items whose inventory is not tracked in BigCommerce. `None` (default)
    /// reports a problem for such items instead.
    pub untracked_quantity: Option<u64>,
    /// Subtract units held by marketplace orders not yet in BigCommerce (default true).
    pub subtract_held: bool,
}

impl Default for StockRules {
    fn default() -> Self {
        Self {
            buffer_units: 0,
            buffer_percent: Decimal::ZERO,
            max_quantity: None,
            zero_below: 0,
            untracked_quantity: None,
            subtract_held: true,
        }
    }
}

/// A custom-field filter: the product must carry a custom field with this name (and value).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CustomFieldRule {
    /// Custom field name (compared case-insensitively).
    pub name: String,
    /// Required value (compared case-insensitively); `None` means any value.
    #[serde(default)]
    pub value: Option<String>,
}

/// Which catalog items become offers. Empty include lists mean "all".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SelectionRules {
    /// Only products in one of these categories (default: all).
    pub include_categories: Vec<u64>,
    /// Never products in any of these categories.
    pub exclude_categories: Vec<u64>,
    /// Only products of these brands (default: all).
    pub include_brands: Vec<u64>,
    /// Never products of these brands.
    pub exclude_brands: Vec<u64>,
    /// Only visible products (default true).
    pub visible_only: bool,
    /// Allowed BigCommerce `availability` values (default `available`, `preorder`).
    pub availability: Vec<String>,
    /// Only SKUs starting with one of these prefixes (default: all).
    pub include_sku_prefixes: Vec<String>,
    /// Never SKUs starting with one of these prefixes.
    pub exclude_sku_prefixes: Vec<String>,
    /// Only products carrying this custom field (default none).
    pub custom_field: Option<CustomFieldRule>,
    /// Skip variants with `purchasing_disabled` (default true).
    pub skip_purchasing_disabled: bool,
}

impl Default for SelectionRules {
    fn default() -> Self {
        Self {
            include_categories: Vec::new(),
            exclude_categories: Vec::new(),
            include_brands: Vec::new(),
            exclude_brands: Vec::new(),
            visible_only: true,
            availability: vec!["available".into(), "preorder".into()],
            include_sku_prefixes: Vec::new(),
            exclude_sku_prefixes: Vec::new(),
            custom_field: None,
            skip_purchasing_disabled: true,
        }
    }
}

/// A source of the Mirakl product reference.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IdSource {
    /// BigCommerce `gtin` (variant first, then product).
    Gtin,
    /// BigCommerce `upc` (variant first, then product).
    Upc,
    /// BigCommerce `mpn` (variant first, then product).
    Mpn,
    /// The shop SKU itself.
    Sku,
}

/// How `product_id` / `product_id_type` are chosen: the first source with a value wins.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct IdentityRules {
    /// Sources in order of preference (default gtin, upc, mpn, sku).
    pub sources: Vec<IdSource>,
    /// Report a problem when neither GTIN nor UPC is present (default false).
    pub require_gtin: bool,
    /// `product_id_type` sent for a GTIN (default `EAN`).
    pub gtin_type: String,
    /// `product_id_type` sent for a UPC (default `UPC`).
    pub upc_type: String,
    /// `product_id_type` sent for an MPN (default `MPN`).
    pub mpn_type: String,
    /// `product_id_type` sent for the SKU (default `SHOP_SKU`).
    pub sku_type: String,
}

impl Default for IdentityRules {
    fn default() -> Self {
        Self {
            sources: vec![IdSource::Gtin, IdSource::Upc, IdSource::Mpn, IdSource::Sku],
            require_gtin: false,
            gtin_type: "EAN".into(),
            upc_type: "UPC".into(),
            mpn_type: "MPN".into(),
            sku_type: "SHOP_SKU".into(),
        }
    }
}

/// One weight band of the logistic-class table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WeightBand {
    /// Largest weight (inclusive, in the store's weight unit) of this band.
    pub max_weight: Decimal,
    /// Mirakl logistic class code (SH31).
    pub code: String,
}

/// Constant offer fields.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OfferRules {
    /// Offer condition code from OF61 (default `"11"`, "new").
    pub state_code: String,
    /// Lead time to ship in days (default none: not managed; a new offer gets the operator
    /// default and an existing offer keeps its current value, see [`crate::plan::keep_unmanaged`]).
    pub leadtime_to_ship: Option<u32>,
    /// Logistic class by weight: the first band whose `max_weight` is at least the item's weight.
    pub logistic_classes: Vec<WeightBand>,
    /// Logistic class when no band matches or the weight is unknown (default none: not
    /// managed for that item; an existing offer keeps its current class).
    pub default_logistic_class: Option<String>,
    /// Constant `offer_additional_fields` (code → value) sent with every offer (default none).
    pub additional_fields: BTreeMap<String, String>,
    /// Publish the BigCommerce bulk-pricing rules of a product as the Mirakl volume prices of
    /// its offers (`all_prices[].volume_prices`, PRI01 `price-ranges`), through the same price
    /// rules (default false: the volume prices are not managed, and those set on Mirakl are
    /// kept).
    pub volume_prices_from_bulk_pricing: bool,
}

impl Default for OfferRules {
    fn default() -> Self {
        Self {
            state_code: "11".into(),
            leadtime_to_ship: None,
            logistic_classes: Vec::new(),
            default_logistic_class: None,
            additional_fields: BTreeMap::new(),
            volume_prices_from_bulk_pricing: false,
        }
    }
}

/// What happens to a Mirakl offer whose SKU is no longer desired.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RemovalPolicy {
    /// Keep the offer but send quantity 0 (default; history and reviews stay).
    #[default]
    ZeroStock,
    /// Delete the offer (`update_delete = delete`).
    Delete,
    /// Leave the offer as it is.
    Keep,
}

/// Plan output settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PlanRules {
    /// Most lines per OF24, STO01 or PRI01 call (default `None`: no cap, since Mirakl
    /// documents none for these calls; one call per window carries every pending line).
    /// `Some(0)` is treated as 1. An OF01 file ([`PlanRules::file_import_from`]) is never
    /// split.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub batch_size: Option<usize>,
    /// Full offers go as one OF01 CSV file instead of an OF24 JSON call when a call carries
    /// at least this many lines (default 1,000; 0: always OF01). OF01 is Mirakl's bulk path
    /// ("Once per minute with offers only", a limit of its own beside OF24's): a first load
    /// or a catalog-wide change is one file in one call window. Offers whose update the CSV
    /// cannot carry (channel or volume prices, eco-contributions) still go through OF24.
    pub file_import_from: usize,
    /// Removal policy (default zero stock).
    pub removal: RemovalPolicy,
    /// Route stock-only changes to STO01 (default false: OF24 with the full offer).
    pub stock_import: bool,
    /// Route price-only changes to PRI01 (default false: OF24 with the full offer).
    pub price_import: bool,
    /// Sync prices (default true). When false, existing offers keep the price and discount
    /// Mirakl holds (a stock-only sync, notes/connectors.md F10); new offers still get the
    /// computed price, since OF24 needs one.
    pub sync_prices: bool,
}

impl Default for PlanRules {
    fn default() -> Self {
        Self {
            batch_size: None,
            file_import_from: 1_000,
            removal: RemovalPolicy::ZeroStock,
            stock_import: false,
            price_import: false,
            sync_prices: true,
        }
    }
}

/// Mirakl call windows (seconds) and debounce settings of the coalescer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CallWindows {
    /// Minimum seconds between two OF24 calls (default 60).
    pub offers_secs: u64,
    /// Minimum seconds between two STO01 calls (default 60).
    pub stock_secs: u64,
    /// Minimum seconds between two PRI01 calls (default 60).
    pub price_secs: u64,
    /// Dirty keys are released after this many quiet seconds (default 5).
    pub quiet_secs: u64,
    /// … or at the latest this many seconds after the oldest change (default 30).
    pub max_wait_secs: u64,
}

impl Default for CallWindows {
    fn default() -> Self {
        Self {
            offers_secs: 60,
            stock_secs: 60,
            price_secs: 60,
            quiet_secs: 5,
            max_wait_secs: 30,
        }
    }
}

/// Order acceptance and creation rules.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OrderRules {
    /// Accept some lines and refuse others (default true). When false, one refused line refuses
    /// the whole order.
    pub partial_acceptance: bool,
    /// Seconds after `created_date` before the operator auto-refuses (default 86400).
    pub acceptance_delay_secs: u64,
    /// Flag orders whose deadline is this close (default 7200).
    pub deadline_warning_secs: u64,
    /// Refuse a line whose unit price is more than this percentage below the expected offer
    /// price (default none: no price guard).
    pub price_guard_percent: Option<Decimal>,
    /// `external_source` of orders created in BigCommerce (default `"mirakl"`; set your app id).
    pub external_source: String,
    /// BigCommerce `status_id` of created orders (default 11, Awaiting Fulfillment).
    pub status_id: u32,
    /// Shipping method label when the order has none (default `"Marketplace shipping"`).
    pub default_shipping_method: String,
    /// Country (alpha-2, name or alpha-3) used when an address country cannot be resolved
    /// (default none: such an order is not created).
    pub default_country: Option<String>,
    /// What to do with the lines of a released (`SHIPPING`) order that BigCommerce cannot fill
    /// (stock short, SKU unknown or deleted): cancel them on Mirakl (OR30, OR29 when every
    /// line is short), refund them (OR28), or hold the order for a person. The BigCommerce
    /// order is then created for what can be filled (not for `hold`). Default none: the order
    /// is created whole, as before.
    pub shortfall: Option<ShortfallRule>,
    /// Mirakl reason code (the operator's list, RE01) sent with shortfall cancelations and
    /// refunds; empty: `refunds.default_reason_code`.
    pub shortfall_reason: String,
}

/// What the `shortfall` rule does with lines BigCommerce cannot fill.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ShortfallRule {
    /// Cancel the short units on Mirakl (OR30; OR29 when the whole order is short).
    Cancel,
    /// Refund the short units on Mirakl (OR28).
    Refund,
    /// Create nothing; list the order for a person (summary and logs).
    Hold,
}

impl Default for OrderRules {
    fn default() -> Self {
        Self {
            partial_acceptance: true,
            acceptance_delay_secs: 86_400,
            deadline_warning_secs: 7_200,
            price_guard_percent: None,
            external_source: "mirakl".into(),
            status_id: 11,
            default_shipping_method: "Marketplace shipping".into(),
            default_country: None,
            shortfall: None,
            shortfall_reason: String::new(),
        }
    }
}

/// Shipment rules.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ShipmentRules {
    /// BigCommerce `shipping_provider` / `tracking_carrier` (lower-case) → Mirakl carrier code
    /// (SH21). Merged over the built-in table.
    pub carriers: BTreeMap<String, String>,
    /// Use the built-in carrier table (default true).
    pub builtin_carriers: bool,
    /// Confirm shipment (OR24) after the first shipment even when lines remain (default false:
    /// wait until every line is shipped).
    pub ship_on_partial: bool,
    /// Hold OR24 until a shipment with a tracking number exists (default false). For operators
    /// and shipping methods where tracking is mandatory (notes/connectors.md F9, W3): a shipment
    /// without tracking then asks for a manual review instead of confirming.
    pub require_tracking: bool,
}

impl Default for ShipmentRules {
    fn default() -> Self {
        Self {
            carriers: BTreeMap::new(),
            builtin_carriers: true,
            ship_on_partial: false,
            require_tracking: false,
        }
    }
}

/// Cancellation and refund reason mapping.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RefundRules {
    /// Keyword found (case-insensitively) in a BigCommerce refund reason → Mirakl reason code
    /// (RE01). The first matching keyword in key order wins.
    pub reasons: BTreeMap<String, String>,
    /// Mirakl reason code when no keyword matches (default `"13"`, adjust to your operator).
    pub default_reason_code: String,
    /// Mirakl reason code → text used as the BigCommerce refund reason.
    pub reason_labels: BTreeMap<String, String>,
}

impl Default for RefundRules {
    fn default() -> Self {
        Self {
            reasons: BTreeMap::new(),
            default_reason_code: "13".into(),
            reason_labels: BTreeMap::new(),
        }
    }
}

// ---------------------------------------------------------------------------------------
// Product sync (P41)
// ---------------------------------------------------------------------------------------

/// How BigCommerce products map onto the operator's catalog. Deserializable from TOML or JSON;
/// every field has a default (in its doc), so an empty document is valid (but maps no
/// categories or attributes).
///
/// ```
/// use sync_core::products::ProductRules;
/// let rules: ProductRules = toml::from_str(r#"
///     default_category = "9010"
///     [[categories]]
///     path = "Clothing/Women"
///     mirakl = "1010"
///     [[attributes]]
///     code = "title"
///     from = "name"
///     [[attributes]]
///     code = "size"
///     from = { option = "Size" }
///     values = { "Extra large" = "XL" }
///     [[attributes]]
///     code = "weight-kg"
///     from = "weight"
///     unit = "kg"
/// "#).unwrap();
/// assert_eq!(rules.sku_column, "shop-sku");
/// assert_eq!(rules.attributes.len(), 3);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ProductRules {
    /// Column (operator attribute code) holding the shop SKU (default `shop-sku`).
    pub sku_column: String,
    /// Column holding the Mirakl hierarchy (category) code (default `category`).
    pub category_column: String,
    /// Column holding the variant group code that ties the variants of one product together
    /// (default `variant-group-code`; empty: no such column).
    pub variant_group_column: String,
    /// What the variant group code is made of (default the product SKU).
    pub variant_group: VariantGroupSource,
    /// BigCommerce category → Mirakl hierarchy code, first matching rule wins (default none).
    pub categories: Vec<CategoryRule>,
    /// Hierarchy code used when no category rule matches (default none: the product is
    /// reported as unmapped).
    pub default_category: Option<String>,
    /// Products may only be filed on leaf categories (default true).
    pub require_leaf_category: bool,
    /// Mirakl attribute codes and where their values come from (default none).
    pub attributes: Vec<AttributeRule>,
    /// Match value-list entries ignoring case and surrounding spaces when no exact match exists
    /// (default true).
    pub case_insensitive_values: bool,
    /// Value tables shared by every attribute on a value list, by VL11 list code: BigCommerce
    /// value → value code, e.g. `[value_tables.colours] "Jet black" = "BLACK"`. An attribute's
    /// own [`AttributeRule::values`] comes first (default empty).
    pub value_tables: BTreeMap<String, BTreeMap<String, String>>,
    /// Unit of the store's weights (BigCommerce `weight_units`; default `kg`).
    pub weight_unit: Unit,
    /// Unit of the store's width/height/depth (BigCommerce `dimension_units`; default `cm`).
    pub dimension_unit: Unit,
    /// Decimal places kept after a unit conversion (default 3).
    pub unit_decimals: u32,
    /// Separator between the values of a multiple-value list attribute (default `|`).
    pub multi_value_separator: String,
}

impl Default for ProductRules {
    fn default() -> Self {
        ProductRules {
            sku_column: "shop-sku".into(),
            category_column: "category".into(),
            variant_group_column: "variant-group-code".into(),
            variant_group: VariantGroupSource::ProductSku,
            categories: Vec::new(),
            default_category: None,
            require_leaf_category: true,
            attributes: Vec::new(),
            case_insensitive_values: true,
            value_tables: BTreeMap::new(),
            weight_unit: Unit::Kg,
            dimension_unit: Unit::Cm,
            unit_decimals: 3,
            multi_value_separator: "|".into(),
        }
    }
}

impl ProductRules {
    /// The structural columns every row carries (SKU, category, and the variant group when
    /// configured), in file order.
    pub fn key_columns(&self) -> Vec<&str> {
        let mut cols = vec![self.sku_column.as_str(), self.category_column.as_str()];
        if !self.variant_group_column.is_empty() {
            cols.push(self.variant_group_column.as_str());
        }
        cols
    }
}

/// What the variant group code of a product with several variants is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VariantGroupSource {
    /// The product's SKU, or `bc-<product id>` when it has none (default).
    #[default]
    ProductSku,
    /// `bc-<product id>`.
    ProductId,
}

/// One category mapping: a BigCommerce category (by id or by name path) → a Mirakl hierarchy
/// code. A rule also matches the sub-categories of its category.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CategoryRule {
    /// BigCommerce category id.
    #[serde(default)]
    pub id: Option<u64>,
    /// BigCommerce category path of names joined by `/`, e.g. `Clothing/Women` (compared
    /// case-insensitively, spaces around segments ignored).
    #[serde(default)]
    pub path: Option<String>,
    /// Mirakl hierarchy code (H11 `code`).
    pub mirakl: String,
}

/// One Mirakl attribute and where its value comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AttributeRule {
    /// Mirakl attribute code (PM11 `code`), the column name in the P41 file.
    pub code: String,
    /// Source of the value.
    pub from: FieldSource,
    /// Explicit value table applied first: BigCommerce value → Mirakl value (for list
    /// attributes, a value code; each of several values is looked up on its own). Keys are compared case-insensitively when
    /// [`ProductRules::case_insensitive_values`] is set (default empty).
    #[serde(default)]
    pub values: BTreeMap<String, String>,
    /// Unit the attribute expects; numeric weights and dimensions are converted to it.
    #[serde(default)]
    pub unit: Option<Unit>,
    /// Unit of the source value when it is not the store's unit (e.g. a custom field in
    /// inches). Default: the store's weight or dimension unit by the target's kind.
    #[serde(default)]
    pub from_unit: Option<Unit>,
    /// Value used when the source is empty (default none).
    #[serde(default)]
    pub default: Option<String>,
    /// Remove HTML tags and collapse whitespace (for descriptions; default false).
    #[serde(default)]
    pub strip_html: bool,
}

impl AttributeRule {
    /// A rule with no table, unit or default.
    pub fn new(code: impl Into<String>, from: FieldSource) -> Self {
        AttributeRule {
            code: code.into(),
            from,
            values: BTreeMap::new(),
            unit: None,
            from_unit: None,
            default: None,
            strip_html: false,
        }
    }
}

/// Where an attribute value is read from. For fields that exist on both, the variant's value
/// comes first, then the product's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum FieldSource {
    /// Product name.
    Name,
    /// Product description (HTML).
    Description,
    /// Brand name (from the brand list, by `brand_id`).
    Brand,
    /// The row's shop SKU.
    Sku,
    /// BigCommerce product id.
    ProductId,
    /// BigCommerce variant id (empty for a product without variants).
    VariantId,
    /// Weight (variant, then product), in the store's weight unit.
    Weight,
    /// Width (variant, then product), in the store's dimension unit.
    Width,
    /// Height (variant, then product).
    Height,
    /// Depth (variant, then product).
    Depth,
    /// UPC (variant, then product).
    Upc,
    /// GTIN / EAN (variant, then product).
    Gtin,
    /// Manufacturer part number (variant, then product).
    Mpn,
    /// Condition (`New`, `Used`, `Refurbished`).
    Condition,
    /// The storefront path of the product (`custom_url.url`).
    Url,
    /// The n-th image URL (1-based): the variant's own image first, then the product's images
    /// (thumbnail first, then by sort order).
    Image(usize),
    /// A product custom field by name (case-insensitive).
    CustomField(String),
    /// A variant option value by option display name (case-insensitive), e.g. `Size`.
    Option(String),
    /// A fixed value.
    Constant(String),
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_util::d;

    #[test]
    fn empty_documents_give_defaults() {
        let t: SyncRules = toml::from_str("").unwrap();
        let j: SyncRules = serde_json::from_str("{}").unwrap();
        assert_eq!(t, SyncRules::default());
        assert_eq!(j, SyncRules::default());
        assert_eq!(t.plan.batch_size, None);
        assert_eq!(t.plan.file_import_from, 1_000);
        assert_eq!(t.windows.offers_secs, 60);
        assert!(t.selection.visible_only);
        assert_eq!(t.identity.sku_type, "SHOP_SKU");
    }

    #[test]
    fn full_toml_document() {
        let t: SyncRules = toml::from_str(
            r#"
            [price]
            markup_percent = "12.5"
            markup_fixed = 1
            rounding = { ending = "0.99" }
            direction = "nearest"
            min_price = "5"
            max_price = "9999"
            out_of_range = "clamp"
            currency = "AUD"
            marketplace_tax_basis = "tax_included"
            store_tax_rate_percent = "10"
            [stock]
            buffer_units = 1
            buffer_percent = "10"
            max_quantity = 50
            zero_below = 3
            untracked_quantity = 999
            [selection]
            include_categories = [23]
            exclude_brands = [7]
            custom_field = { name = "marketplace", value = "true" }
            [identity]
            sources = ["upc", "sku"]
            require_gtin = true
            [offer]
            state_code = "11"
            leadtime_to_ship = 2
            logistic_classes = [{ max_weight = "1", code = "S" }, { max_weight = "10", code = "M" }]
            default_logistic_class = "L"
            additional_fields = { warranty = "12" }
            [plan]
            batch_size = 100
            removal = "delete"
            stock_import = true
            sync_prices = false
            [windows]
            offers_secs = 300
            [orders]
            price_guard_percent = "20"
            external_source = "app-123"
            [shipments]
            carriers = { "startrack" = "STARTRACK" }
            require_tracking = true
            [refunds]
            reasons = { damaged = "31" }
            "#,
        )
        .unwrap();
        assert_eq!(t.price.rounding, Rounding::Ending(d("0.99")));
        assert_eq!(t.price.direction, RoundDirection::Nearest);
        assert_eq!(t.price.markup_fixed, d("1"));
        assert_eq!(t.price.marketplace_tax_basis, Some(TaxBasis::TaxIncluded));
        assert_eq!(t.price.store_tax_rate_percent, Some(d("10")));
        assert_eq!(t.stock.untracked_quantity, Some(999));
        assert_eq!(
            t.selection.custom_field.as_ref().unwrap().value.as_deref(),
            Some("true")
        );
        assert_eq!(t.identity.sources, vec![IdSource::Upc, IdSource::Sku]);
        assert_eq!(t.offer.logistic_classes[1].code, "M");
        assert_eq!(t.plan.removal, RemovalPolicy::Delete);
        assert!(!t.plan.sync_prices && SyncRules::default().plan.sync_prices);
        assert!(t.shipments.require_tracking && !SyncRules::default().shipments.require_tracking);
        assert_eq!(t.windows.offers_secs, 300);
        assert_eq!(t.windows.stock_secs, 60);
        assert_eq!(t.orders.price_guard_percent, Some(d("20")));
        assert_eq!(t.shipments.carriers["startrack"], "STARTRACK");
        assert_eq!(t.refunds.reasons["damaged"], "31");
        // JSON round trip keeps everything.
        let back: SyncRules = serde_json::from_str(&serde_json::to_string(&t).unwrap()).unwrap();
        assert_eq!(back, t);
    }

    #[test]
    fn typos_are_rejected() {
        let err = toml::from_str::<SyncRules>("[stock]\nbufer_units = 2\n").unwrap_err();
        assert!(err.to_string().contains("bufer_units"), "{err}");
        let step: PriceRules = serde_json::from_str(r#"{"rounding":{"step":"0.05"}}"#).unwrap();
        assert_eq!(step.rounding, Rounding::Step(d("0.05")));
        let none: PriceRules = serde_json::from_str(r#"{"rounding":"none"}"#).unwrap();
        assert_eq!(none.rounding, Rounding::None);
    }
}
