//! Issue 10 defect 9: every listing builder sends only the query parameters its path declares.
//! BigCommerce ignores undeclared filters (a listing then returns everything), so a filter
//! the spec does not declare is a silent defect. Each table below is the `in: query`
//! parameter names of the path's GET operation, copied from the spec file named beside it
//! (`../shared/specs/bigcommerce/bigcommerce-docs/reference/...`).

mod common;

use bigcommerce_api::catalog::{CategoryId, ProductId, ProductInclude, VariantId};
use bigcommerce_api::inventory::LocationId;
use bigcommerce_api::orders::{OrderId, OrderStatus};
use bigcommerce_api::pricelists::PriceListId;
use bigcommerce_api::webhooks::WebhookScope;
use bigcommerce_api::{Client, RequestSpec};
use common::*;
use time::macros::datetime;

/// `catalog/products_catalog.v3.yml`, `GET /catalog/products`.
const PRODUCTS: &[&str] = &[
    "id",
    "id:in",
    "channel_id:in",
    "id:not_in",
    "include",
    "include_fields",
    "exclude_fields",
    "page",
    "limit",
    "direction",
    "sort",
    "categories:in",
    "id:min",
    "id:max",
    "id:greater",
    "id:less",
    "name",
    "mpn",
    "upc",
    "price",
    "weight",
    "condition",
    "brand_id",
    "date_modified",
    "date_modified:max",
    "date_modified:min",
    "date_last_imported",
    "date_last_imported:not",
    "date_last_imported:max",
    "date_last_imported:min",
    "is_visible",
    "is_featured",
    "is_free_shipping",
    "inventory_level",
    "inventory_level:in",
    "inventory_level:not_in",
    "inventory_level:min",
    "inventory_level:max",
    "inventory_level:greater",
    "inventory_level:less",
    "inventory_low",
    "out_of_stock",
    "total_sold",
    "type",
    "categories",
    "keyword",
    "keyword_context",
    "availability",
    "sku",
    "sku:in",
];
/// `catalog/product-variants_catalog.v3.yml`, `GET /catalog/variants` (no `id:in`).
const VARIANTS: &[&str] = &[
    "id",
    "sku",
    "upc",
    "include_fields",
    "exclude_fields",
    "page",
    "limit",
    "product_id:in",
];
/// `catalog/product-variants_catalog.v3.yml`, `GET /catalog/products/{product_id}/variants`.
const PRODUCT_VARIANTS: &[&str] = &["include_fields", "exclude_fields", "page", "limit"];
/// `catalog/categories_catalog.v3.yml`, `GET /catalog/categories`.
const CATEGORIES: &[&str] = &[
    "id",
    "id:in",
    "id:not_in",
    "id:min",
    "id:max",
    "id:greater",
    "id:less",
    "name",
    "name:like",
    "parent_id",
    "parent_id:in",
    "parent_id:min",
    "parent_id:max",
    "parent_id:greater",
    "parent_id:less",
    "page_title",
    "page_title:like",
    "keyword",
    "is_visible",
    "sort",
    "page",
    "limit",
    "include_fields",
    "exclude_fields",
];
/// `catalog/brands_catalog.v3.yml`, `GET /catalog/brands`.
const BRANDS: &[&str] = &[
    "id",
    "id:in",
    "id:not_in",
    "id:min",
    "id:max",
    "id:greater",
    "id:less",
    "name",
    "name:like",
    "page_title",
    "page",
    "limit",
    "include_fields",
    "exclude_fields",
    "sort",
    "direction",
];
/// `orders.v2.oas2.yml`, `GET /orders`.
const ORDERS: &[&str] = &[
    "min_id",
    "max_id",
    "min_total",
    "max_total",
    "customer_id",
    "email",
    "status_id",
    "cart_id",
    "payment_method",
    "min_date_created",
    "max_date_created",
    "min_date_modified",
    "max_date_modified",
    "page",
    "limit",
    "sort",
    "channel_id",
    "include",
    "consignment_structure",
    "external_order_id",
];
/// `orders.v2.oas2.yml`: `GET /orders/{order_id}/products`, `/shipping_addresses`,
/// `/shipments`.
const ORDER_SUB_LISTS: &[&str] = &["page", "limit"];
/// `orders.v3.yml`, `GET /orders/{order_id}/transactions`: no query parameter at all.
const TRANSACTIONS: &[&str] = &[];
/// `orders.v3.yml`, `GET /orders/{order_id}/payment_actions/refunds`.
const ORDER_REFUNDS: &[&str] = &["transaction_id"];
/// `inventory.v3.yml`, `GET /inventory/items`.
const INVENTORY_ITEMS: &[&str] = &[
    "sku:in",
    "variant_id:in",
    "product_id:in",
    "location_id:in",
    "location_code:in",
    "page",
    "limit",
];
/// `inventory.v3.yml`, `GET /inventory/locations/{location_id}/items`.
const LOCATION_ITEMS: &[&str] = &["variant_id:in", "product_id:in", "sku:in", "page", "limit"];
/// `locations.v3.yml`, `GET /inventory/locations`.
const LOCATIONS: &[&str] = &[
    "location_id:in",
    "location_code:in",
    "is_default",
    "type_id:in",
    "managed_by_external_source",
    "is_active",
    "storefront_visibility",
    "page",
    "limit",
];
/// `price_lists.v3.yml`, `GET /pricelists`.
const PRICE_LISTS: &[&str] = &[
    "name",
    "date_created",
    "date_modified",
    "page",
    "limit",
    "before",
    "after",
    "id:in",
    "name:like",
    "date_created:max",
    "date_created:min",
    "date_modified:max",
    "date_modified:min",
];
/// `price_lists.v3.yml`, `GET /pricelists/{price_list_id}/records`.
const PRICE_LIST_RECORDS: &[&str] = &[
    "variant_id:in",
    "product_id:in",
    "currency",
    "page",
    "limit",
    "before",
    "after",
    "include",
    "price",
    "sale_price",
    "retail_price",
    "map_price",
    "calculated_price",
    "date_created",
    "date_modified",
    "sku",
    "sku:in",
    "currency:in",
    "price:max",
    "price:min",
    "sale_price:max",
    "sale_price:min",
    "retail_price:max",
    "retail_price:min",
    "map_price:max",
    "map_price:min",
    "calculated_price:max",
    "calculated_price:min",
    "date_created:max",
    "date_created:min",
    "date_modified:max",
    "date_modified:min",
];
/// `channels.v3.yml`, `GET /channels`.
const CHANNELS: &[&str] = &[
    "include",
    "available",
    "status:in",
    "type:in",
    "platform:in",
    "date_created",
    "date_created:min",
    "date_created:max",
    "date_modified",
    "date_modified:min",
    "date_modified:max",
    "limit",
    "page",
];
/// `channels.v3.yml`, `GET /channels/{channel_id}/listings` (paged by `after`, no `page`).
const CHANNEL_LISTINGS: &[&str] = &[
    "limit",
    "after",
    "product_id:in",
    "date_created",
    "date_created:min",
    "date_created:max",
    "date_modified",
    "date_modified:min",
    "date_modified:max",
];
/// `orders.v2.oas2.yml`, `GET /orders/{order_id}/coupons`.
const ORDER_COUPONS: &[&str] = &["page", "limit"];
/// `orders.v2.oas2.yml`, `GET /orders/{order_id}/taxes`.
const ORDER_TAXES: &[&str] = &["page", "limit", "details"];
/// `orders.v2.oas2.yml`, `GET /orders/{order_id}/messages`.
const ORDER_MESSAGES: &[&str] = &[
    "min_id",
    "max_id",
    "customer_id",
    "min_date_created",
    "max_date_created",
    "is_flagged",
    "status",
    "page",
    "limit",
];
/// `orders.v3.yml`, `GET /orders/payment_actions/refunds`.
const ALL_REFUNDS: &[&str] = &[
    "order_id:in",
    "id:in",
    "created:min",
    "created:max",
    "transaction_id",
    "page",
    "limit",
];
/// The metafield filters every owner declares: `orders.v3.yml`
/// (`/orders/{order_id}/metafields`), `catalog/products_catalog.v3.yml`,
/// `catalog/product-variants_catalog.v3.yml`, `catalog/categories_catalog.v3.yml`,
/// `catalog/brands_catalog.v3.yml` (their `.../metafields` GET); brands declare the fewest.
const METAFIELDS: &[&str] = &[
    "id",
    "id:in",
    "id:not_in",
    "id:min",
    "id:max",
    "id:greater",
    "id:less",
    "page",
    "limit",
    "key",
    "namespace",
    "include_fields",
    "exclude_fields",
    "before",
    "after",
];
/// `catalog/products_catalog.v3.yml` (`.../images`, `.../custom-fields`),
/// `catalog/product-variant-options_catalog.v3.yml` (`.../options`,
/// `.../options/{option_id}/values`), `catalog/product-modifiers_catalog.v3.yml`
/// (`.../modifiers`): the same four names each.
const PRODUCT_SUB_LISTS: &[&str] = &["page", "limit", "include_fields", "exclude_fields"];
/// `catalog/category-trees_catalog.v3.yml`, `GET /catalog/trees` (no paging).
const TREES: &[&str] = &["id:in", "channel_id:in"];
/// `catalog/category-trees_catalog.v3.yml`, `GET /catalog/trees/categories`.
const TREE_CATEGORIES: &[&str] = &[
    "category_uuid:in",
    "category_uuid:not_in",
    "category_id:in",
    "category_id:not_in",
    "tree_id:in",
    "tree_id:not_in",
    "parent_id:in",
    "parent_id:not_in",
    "page_title",
    "page_title:like",
    "name",
    "name:like",
    "keyword",
    "is_visible",
    "include_fields",
    "exclude_fields",
    "page",
    "limit",
];
/// `webhooks.v3.yml`, `GET /hooks`.
const HOOKS: &[&str] = &["page", "limit", "is_active", "scope", "destination"];

fn client() -> Client {
    Client::builder(credentials()).build().unwrap()
}

/// Asserts that every query name of `spec` is declared, and that `expected` (the names the
/// builder was asked to set) all made it into the request.
fn check(what: &str, spec: &RequestSpec, declared: &[&str], expected: &[&str]) {
    let names: Vec<&str> = spec.query.iter().map(|(k, _)| k.as_str()).collect();
    for n in &names {
        assert!(
            declared.contains(n),
            "{what}: query parameter `{n}` is not declared for {} (sent: {names:?})",
            spec.template
        );
    }
    for e in expected {
        assert!(names.contains(e), "{what}: `{e}` missing from {names:?}");
    }
}

const T: time::OffsetDateTime = datetime!(2026-01-02 03:04:05 UTC);

#[test]
fn product_listing_sends_declared_filters_only() {
    let spec = client()
        .products()
        .list()
        .date_modified_min(T)
        .date_modified_max(T)
        .ids([ProductId(1), ProductId(2)])
        .sku("A")
        .skus(["A", "B"])
        .is_visible(true)
        .category(CategoryId(3))
        .include(ProductInclude::BulkPricingRules)
        .include_variants()
        .include_images()
        .include_custom_fields()
        .page(2)
        .limit(10)
        .spec();
    check(
        "products",
        &spec,
        PRODUCTS,
        &[
            "date_modified:min",
            "date_modified:max",
            "id:in",
            "sku",
            "sku:in",
            "is_visible",
        ],
    );
    check(
        "products",
        &spec,
        PRODUCTS,
        &["categories:in", "include", "page", "limit"],
    );
}

#[test]
fn variant_listings_send_declared_filters_only() {
    let c = client();
    let spec = c
        .variants()
        .list()
        .sku("SKU-1")
        .id(VariantId(7))
        .product_ids([ProductId(1), ProductId(2)])
        .upc("0123")
        .page(2)
        .limit(10)
        .spec();
    check(
        "variants",
        &spec,
        VARIANTS,
        &["sku", "id", "product_id:in", "upc"],
    );
    assert!(!spec.query.iter().any(|(k, _)| k == "id:in"));
    let spec = c
        .variants()
        .for_product(ProductId(1))
        .page(2)
        .limit(5)
        .spec();
    check(
        "product variants",
        &spec,
        PRODUCT_VARIANTS,
        &["page", "limit"],
    );
}

#[test]
fn category_and_brand_listings_send_declared_filters_only() {
    let c = client();
    let spec = c.categories().list().parent_id(0).page(2).limit(3).spec();
    check(
        "categories",
        &spec,
        CATEGORIES,
        &["parent_id", "page", "limit"],
    );
    let spec = c.brands().list().name("Acme").page(2).limit(3).spec();
    check("brands", &spec, BRANDS, &["name", "page", "limit"]);
}

#[test]
fn order_listings_send_declared_filters_only() {
    let c = client();
    let spec = c
        .orders()
        .list()
        .min_date_modified(T)
        .max_date_modified(T)
        .min_date_created(T)
        .status(OrderStatus::AwaitingFulfillment)
        .min_id(OrderId(3))
        .channel_id(2)
        .external_order_id("WF-1")
        .sort("date_modified:asc")
        .page(2)
        .limit(3)
        .spec();
    check(
        "orders",
        &spec,
        ORDERS,
        &[
            "min_date_modified",
            "max_date_modified",
            "min_date_created",
            "status_id",
        ],
    );
    check(
        "orders",
        &spec,
        ORDERS,
        &["min_id", "channel_id", "external_order_id", "sort"],
    );
    let o = c.orders();
    for spec in [
        o.products(OrderId(1)).page(2).limit(3).spec(),
        o.shipping_addresses(OrderId(1)).page(2).limit(3).spec(),
        c.shipments(OrderId(1)).list().page(2).limit(3).spec(),
    ] {
        check("order sub-list", &spec, ORDER_SUB_LISTS, &["page", "limit"]);
    }
    // Paths without paging: page and limit are never sent, even when asked for.
    let spec = o.transactions(OrderId(1)).page(2).limit(3).spec();
    check("transactions", &spec, TRANSACTIONS, &[]);
    let spec = o.refunds(OrderId(1)).page(2).limit(3).spec();
    check("order refunds", &spec, ORDER_REFUNDS, &[]);
}

#[test]
fn inventory_price_list_and_webhook_listings_send_declared_filters_only() {
    let c = client();
    let spec = c
        .inventory()
        .items()
        .skus(["A"])
        .variant_ids([VariantId(1)])
        .product_ids([ProductId(1)])
        .location_ids([LocationId(1)])
        .page(2)
        .limit(3)
        .spec();
    check(
        "inventory items",
        &spec,
        INVENTORY_ITEMS,
        &["sku:in", "variant_id:in", "product_id:in", "location_id:in"],
    );
    let spec = c
        .inventory()
        .location_items(LocationId(1))
        .skus(["A"])
        .variant_ids([VariantId(1)])
        .page(2)
        .limit(3)
        .spec();
    check(
        "location items",
        &spec,
        LOCATION_ITEMS,
        &["sku:in", "variant_id:in"],
    );
    let spec = c.inventory().locations().page(2).limit(3).spec();
    check("locations", &spec, LOCATIONS, &["page", "limit"]);
    let spec = c.price_lists().list().page(2).limit(3).spec();
    check("price lists", &spec, PRICE_LISTS, &["page", "limit"]);
    let spec = c
        .price_lists()
        .records(PriceListId(1))
        .variant_ids([VariantId(1)])
        .currency("AUD")
        .page(2)
        .limit(3)
        .spec();
    check(
        "price list records",
        &spec,
        PRICE_LIST_RECORDS,
        &["variant_id:in", "currency"],
    );
    let spec = c
        .webhooks()
        .list()
        .scope(&WebhookScope::SkuInventoryUpdated)
        .is_active(true)
        .destination("https://x.example/h")
        .page(2)
        .limit(3)
        .spec();
    check(
        "hooks",
        &spec,
        HOOKS,
        &["scope", "is_active", "destination"],
    );
}

#[test]
fn channel_listings_send_declared_filters_only() {
    use bigcommerce_api::channels::{ChannelId, ChannelStatus, ChannelType, ListingId};
    let c = client();
    let spec = c
        .channels()
        .list()
        .include_currencies()
        .available(true)
        .types([ChannelType::Marketplace])
        .statuses([ChannelStatus::Active])
        .platforms(["ebay"])
        .date_modified_min(T)
        .page(2)
        .limit(3)
        .spec();
    check(
        "channels",
        &spec,
        CHANNELS,
        &[
            "include",
            "available",
            "type:in",
            "status:in",
            "platform:in",
            "page",
        ],
    );
    let spec = c
        .channels()
        .listings(ChannelId(1))
        .product_ids([ProductId(1)])
        .date_modified_min(T)
        .after(ListingId(9))
        .page(2)
        .limit(3)
        .spec();
    check(
        "channel listings",
        &spec,
        CHANNEL_LISTINGS,
        &["product_id:in", "date_modified:min", "after", "limit"],
    );
}

#[test]
fn order_extra_and_metafield_listings_send_declared_filters_only() {
    let c = client();
    let o = c.orders();
    let spec = o.coupons(OrderId(1)).page(2).limit(3).spec();
    check("coupons", &spec, ORDER_COUPONS, &["page", "limit"]);
    let spec = o.taxes(OrderId(1)).details().page(2).limit(3).spec();
    check("taxes", &spec, ORDER_TAXES, &["details"]);
    let spec = o
        .messages(OrderId(1))
        .min_id(1)
        .min_date_created(T)
        .is_flagged(true)
        .status("read")
        .customer_id(4)
        .page(2)
        .limit(3)
        .spec();
    check(
        "messages",
        &spec,
        ORDER_MESSAGES,
        &[
            "min_id",
            "min_date_created",
            "is_flagged",
            "status",
            "customer_id",
        ],
    );
    let spec = o
        .all_refunds()
        .order_ids([OrderId(1)])
        .created_min(T)
        .created_max(T)
        .page(2)
        .limit(3)
        .spec();
    check(
        "all refunds",
        &spec,
        ALL_REFUNDS,
        &["order_id:in", "created:min", "created:max"],
    );
    for m in [
        o.metafields(OrderId(1)),
        c.products().metafields(ProductId(1)),
        c.variants().metafields(ProductId(1), VariantId(2)),
        c.categories().metafields(CategoryId(1)),
        c.brands().metafields(bigcommerce_api::catalog::BrandId(1)),
    ] {
        let spec = m.list().key("k").namespace("n").page(2).limit(3).spec();
        check(
            "metafields",
            &spec,
            METAFIELDS,
            &["key", "namespace", "page", "limit"],
        );
    }
}

#[test]
fn catalog_extra_listings_send_declared_filters_only() {
    use bigcommerce_api::catalog::{CategoryTreeId, OptionId};
    use bigcommerce_api::channels::ChannelId;
    let c = client();
    let pr = c.products();
    let pid = ProductId(1);
    for spec in [
        pr.images(pid).page(2).limit(3).spec(),
        pr.custom_fields(pid).page(2).limit(3).spec(),
        pr.options(pid).page(2).limit(3).spec(),
        pr.option_values(pid, OptionId(4)).page(2).limit(3).spec(),
        pr.modifiers(pid).page(2).limit(3).spec(),
    ] {
        check(
            "product sub-list",
            &spec,
            PRODUCT_SUB_LISTS,
            &["page", "limit"],
        );
    }
    let spec = c
        .categories()
        .trees()
        .channel_ids([ChannelId(1)])
        .page(2)
        .limit(3)
        .spec();
    check("trees", &spec, TREES, &["channel_id:in"]);
    let spec = c
        .categories()
        .tree_categories()
        .tree_ids([CategoryTreeId(1)])
        .category_ids([CategoryId(2)])
        .parent_ids([0])
        .name("Bath")
        .is_visible(true)
        .page(2)
        .limit(3)
        .spec();
    check(
        "tree categories",
        &spec,
        TREE_CATEGORIES,
        &[
            "tree_id:in",
            "category_id:in",
            "parent_id:in",
            "name",
            "is_visible",
        ],
    );
}
