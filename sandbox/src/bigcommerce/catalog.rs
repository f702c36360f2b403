//! Catalog v3: products, variants, categories, brands.

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::App;
use super::model::{Brand, Category, Event, ItemKey, Product, Store, Tracking, Variant};
use super::wire::{
    ApiError, ApiResult, Query, decode, now, v3_date, v3_page, v3_page_map, v3_single,
};

/// The largest product batch update.
pub const PRODUCT_BATCH_LIMIT: usize = 10;
/// The largest variant batch update.
pub const VARIANT_BATCH_LIMIT: usize = 50;

/// A v3 number: an integer when the value has no fraction, else a float (`null` when it
/// fits neither), written straight to the output.
#[derive(Clone, Copy)]
struct Num(Decimal);

impl Serialize for Num {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let n = self.0.normalize();
        if n.scale() == 0
            && let Some(i) = n.to_i64()
        {
            return s.serialize_i64(i);
        }
        match n.to_f64() {
            Some(f) => s.serialize_f64(f),
            None => s.serialize_none(),
        }
    }
}

/// An optional v3 number (`null` when absent).
#[derive(Clone, Copy)]
struct OptNum(Option<Decimal>);

impl Serialize for OptNum {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            Some(d) => Num(d).serialize(s),
            None => s.serialize_none(),
        }
    }
}

/// A v3 date-time (RFC 3339 with a numeric offset).
#[derive(Clone, Copy)]
struct Date(time::OffsetDateTime);

impl Serialize for Date {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match v3_date(self.0) {
            Value::String(text) => s.serialize_str(&text),
            _ => s.serialize_none(),
        }
    }
}

/// One `option_values[]` entry of a v3 variant.
#[derive(Serialize)]
struct OptionValueOut<'a> {
    id: u64,
    label: &'a str,
    option_id: u64,
    option_display_name: &'a str,
}

/// A variant as v3 JSON, borrowed from the store and serialised straight to the response
/// (no `serde_json::Value` tree is built for listings).
#[derive(Serialize)]
pub(crate) struct VariantOut<'a> {
    id: u64,
    product_id: u64,
    sku: &'a str,
    sku_id: u64,
    price: OptNum,
    calculated_price: Num,
    sale_price: OptNum,
    retail_price: OptNum,
    map_price: Option<()>,
    weight: OptNum,
    calculated_weight: Num,
    width: u8,
    height: u8,
    depth: u8,
    is_free_shipping: bool,
    fixed_cost_shipping_price: Option<()>,
    purchasing_disabled: bool,
    purchasing_disabled_message: &'static str,
    image_url: &'static str,
    cost_price: OptNum,
    upc: &'a str,
    mpn: &'a str,
    gtin: &'a str,
    inventory_level: i64,
    inventory_warning_level: i64,
    bin_picking_number: &'static str,
    option_values: Vec<OptionValueOut<'a>>,
}

impl<'a> VariantOut<'a> {
    pub(crate) fn new(store: &'a Store, v: &'a Variant) -> Self {
        let product = store.products.get(&v.product_id);
        let (price, sale) = store.variant_prices(v);
        let weight = v.weight.or(product.map(|p| p.weight)).unwrap_or_default();
        VariantOut {
            id: v.id,
            product_id: v.product_id,
            sku: &v.sku,
            sku_id: v.sku_id,
            price: OptNum(v.price),
            calculated_price: Num(sale.unwrap_or(price)),
            sale_price: OptNum(v.sale_price),
            retail_price: OptNum(v.retail_price),
            map_price: None,
            weight: OptNum(v.weight),
            calculated_weight: Num(weight),
            width: 0,
            height: 0,
            depth: 0,
            is_free_shipping: false,
            fixed_cost_shipping_price: None,
            purchasing_disabled: v.purchasing_disabled,
            purchasing_disabled_message: "",
            image_url: "",
            cost_price: OptNum(v.cost_price),
            upc: &v.upc,
            mpn: &v.mpn,
            gtin: &v.gtin,
            inventory_level: store.variant_level(v),
            inventory_warning_level: v.inventory_warning_level,
            bin_picking_number: "",
            option_values: v
                .option_values
                .iter()
                .enumerate()
                .map(|(i, (label, name))| OptionValueOut {
                    id: v.id * 10 + i as u64,
                    label,
                    option_id: i as u64 + 1,
                    option_display_name: name,
                })
                .collect(),
        }
    }
}

/// Renders a variant as v3 JSON.
pub fn variant_json(store: &Store, v: &Variant) -> Value {
    serde_json::to_value(VariantOut::new(store, v)).unwrap_or(Value::Null)
}

/// `custom_url` of a v3 product.
#[derive(Serialize)]
struct CustomUrl {
    url: String,
    is_customized: bool,
}

/// One `images[]` entry of a v3 product.
#[derive(Serialize)]
struct ImageOut<'a> {
    id: u64,
    product_id: u64,
    is_thumbnail: bool,
    sort_order: usize,
    description: &'static str,
    image_file: &'static str,
    url_zoom: &'a str,
    url_standard: &'a str,
    url_thumbnail: &'a str,
    url_tiny: &'a str,
    date_modified: Date,
}

/// One `custom_fields[]` entry of a v3 product.
#[derive(Serialize)]
struct CustomFieldOut<'a> {
    id: u64,
    name: &'a str,
    value: &'a str,
}

/// A product as v3 JSON with the requested `include`s, borrowed from the store and
/// serialised straight to the response (no `serde_json::Value` tree per product).
#[derive(Serialize)]
pub(crate) struct ProductOut<'a> {
    id: u64,
    name: &'a str,
    #[serde(rename = "type")]
    product_type: &'a str,
    sku: &'a str,
    description: &'a str,
    weight: Num,
    width: u8,
    depth: u8,
    height: u8,
    price: Num,
    cost_price: Num,
    retail_price: Num,
    sale_price: Num,
    map_price: u8,
    tax_class_id: u8,
    product_tax_code: &'static str,
    calculated_price: Num,
    categories: &'a [u64],
    brand_id: u64,
    option_set_id: Option<()>,
    option_set_display: &'static str,
    inventory_level: i64,
    inventory_warning_level: i64,
    inventory_tracking: &'a str,
    reviews_rating_sum: u8,
    reviews_count: u8,
    total_sold: u64,
    fixed_cost_shipping_price: u8,
    is_free_shipping: bool,
    is_visible: bool,
    is_featured: bool,
    related_products: [i8; 1],
    warranty: &'static str,
    bin_picking_number: &'static str,
    layout_file: &'static str,
    upc: &'a str,
    mpn: &'a str,
    gtin: &'a str,
    search_keywords: &'static str,
    availability: &'a str,
    availability_description: &'static str,
    gift_wrapping_options_type: &'static str,
    gift_wrapping_options_list: [u8; 0],
    sort_order: u8,
    condition: &'static str,
    is_condition_shown: bool,
    order_quantity_minimum: u8,
    order_quantity_maximum: u8,
    page_title: &'static str,
    meta_keywords: [u8; 0],
    meta_description: &'static str,
    date_created: Date,
    date_modified: Date,
    view_count: u8,
    preorder_release_date: Option<()>,
    preorder_message: &'static str,
    is_preorder_only: bool,
    is_price_hidden: bool,
    price_hidden_label: &'static str,
    custom_url: CustomUrl,
    base_variant_id: Option<u64>,
    open_graph_type: &'static str,
    open_graph_title: &'static str,
    open_graph_description: &'static str,
    open_graph_use_meta_description: bool,
    open_graph_use_product_name: bool,
    open_graph_use_image: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    variants: Option<Vec<VariantOut<'a>>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    images: Option<Vec<ImageOut<'a>>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    custom_fields: Option<Vec<CustomFieldOut<'a>>>,
}

impl<'a> ProductOut<'a> {
    pub(crate) fn new(store: &'a Store, p: &'a Product, include: &[String]) -> Self {
        let wants = |what: &str| include.iter().any(|i| i == what);
        let calculated = if p.sale_price > Decimal::ZERO {
            p.sale_price
        } else {
            p.price
        };
        ProductOut {
            id: p.id,
            name: &p.name,
            product_type: &p.product_type,
            sku: &p.sku,
            description: &p.description,
            weight: Num(p.weight),
            width: 0,
            depth: 0,
            height: 0,
            price: Num(p.price),
            cost_price: Num(p.cost_price),
            retail_price: Num(p.retail_price),
            sale_price: Num(p.sale_price),
            map_price: 0,
            tax_class_id: 0,
            product_tax_code: "",
            calculated_price: Num(calculated),
            categories: &p.categories,
            brand_id: p.brand_id,
            option_set_id: None,
            option_set_display: "right",
            inventory_level: store.product_level(p),
            inventory_warning_level: p.inventory_warning_level,
            inventory_tracking: p.inventory_tracking.as_str(),
            reviews_rating_sum: 0,
            reviews_count: 0,
            total_sold: p.total_sold,
            fixed_cost_shipping_price: 0,
            is_free_shipping: false,
            is_visible: p.is_visible,
            is_featured: false,
            related_products: [-1],
            warranty: "",
            bin_picking_number: "",
            layout_file: "product.html",
            upc: &p.upc,
            mpn: &p.mpn,
            gtin: &p.gtin,
            search_keywords: "",
            availability: &p.availability,
            availability_description: "",
            gift_wrapping_options_type: "any",
            gift_wrapping_options_list: [],
            sort_order: 0,
            condition: "New",
            is_condition_shown: false,
            order_quantity_minimum: 0,
            order_quantity_maximum: 0,
            page_title: "",
            meta_keywords: [],
            meta_description: "",
            date_created: Date(p.date_created),
            date_modified: Date(p.date_modified),
            view_count: 0,
            preorder_release_date: None,
            preorder_message: "",
            is_preorder_only: false,
            is_price_hidden: false,
            price_hidden_label: "",
            custom_url: CustomUrl {
                url: format!("/product-{}/", p.id),
                is_customized: false,
            },
            base_variant_id: p.base_variant_id,
            open_graph_type: "product",
            open_graph_title: "",
            open_graph_description: "",
            open_graph_use_meta_description: true,
            open_graph_use_product_name: true,
            open_graph_use_image: true,
            variants: wants("variants").then(|| {
                store
                    .variants_of(p.id)
                    .map(|v| VariantOut::new(store, v))
                    .collect()
            }),
            images: wants("images").then(|| {
                p.images
                    .iter()
                    .enumerate()
                    .map(|(i, (id, url))| ImageOut {
                        id: *id,
                        product_id: p.id,
                        is_thumbnail: i == 0,
                        sort_order: i,
                        description: "",
                        image_file: "",
                        url_zoom: url,
                        url_standard: url,
                        url_thumbnail: url,
                        url_tiny: url,
                        date_modified: Date(p.date_modified),
                    })
                    .collect()
            }),
            custom_fields: wants("custom_fields").then(|| {
                p.custom_fields
                    .iter()
                    .map(|(id, name, value)| CustomFieldOut {
                        id: *id,
                        name,
                        value,
                    })
                    .collect()
            }),
        }
    }
}

/// Renders a product as v3 JSON, with the requested `include`s.
pub fn product_json(store: &Store, p: &Product, include: &[String]) -> Value {
    serde_json::to_value(ProductOut::new(store, p, include)).unwrap_or(Value::Null)
}

fn category_json(c: &Category) -> Value {
    json!({
        "id": c.id, "parent_id": c.parent_id, "name": c.name, "description": "", "views": 0,
        "sort_order": 0, "page_title": "", "search_keywords": "", "meta_keywords": [""],
        "meta_description": "", "layout_file": "category.html", "is_visible": c.is_visible,
        "default_product_sort": "use_store_settings", "image_url": "",
        "custom_url": {"url": format!("/category-{}/", c.id), "is_customized": false},
    })
}

fn brand_json(b: &Brand) -> Value {
    json!({
        "id": b.id, "name": b.name, "page_title": "", "meta_keywords": [""], "meta_description": "",
        "image_url": "", "search_keywords": "",
        "custom_url": {"url": format!("/brands/{}.html", b.id), "is_customized": false},
    })
}

/// A name/value pair.
#[derive(Debug, Clone, Deserialize)]
pub struct CustomFieldInput {
    /// Name.
    pub name: String,
    /// Value.
    pub value: String,
}

/// An image reference.
#[derive(Debug, Clone, Deserialize)]
pub struct ImageInput {
    /// URL.
    #[serde(default)]
    pub image_url: Option<String>,
}

/// One option value of a new variant.
#[derive(Debug, Clone, Deserialize)]
pub struct OptionValueInput {
    /// Label, e.g. `Red`.
    #[serde(default)]
    pub label: String,
    /// Option name, e.g. `Colour`.
    #[serde(default)]
    pub option_display_name: String,
}

/// Variant create/update body.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct VariantInput {
    /// Id (batch updates).
    pub id: Option<u64>,
    /// SKU.
    pub sku: Option<String>,
    /// Price.
    pub price: Option<Decimal>,
    /// Sale price.
    pub sale_price: Option<Decimal>,
    /// Retail price.
    pub retail_price: Option<Decimal>,
    /// Cost price.
    pub cost_price: Option<Decimal>,
    /// Weight.
    pub weight: Option<Decimal>,
    /// UPC.
    pub upc: Option<String>,
    /// MPN.
    pub mpn: Option<String>,
    /// GTIN.
    pub gtin: Option<String>,
    /// Stock at the default location.
    pub inventory_level: Option<i64>,
    /// Warning level.
    pub inventory_warning_level: Option<i64>,
    /// Purchasing disabled.
    pub purchasing_disabled: Option<bool>,
    /// Option values.
    #[serde(default)]
    pub option_values: Vec<OptionValueInput>,
}

/// Product create/update body.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ProductInput {
    /// Id (batch updates).
    pub id: Option<u64>,
    /// Name.
    pub name: Option<String>,
    /// Type.
    #[serde(rename = "type")]
    pub product_type: Option<String>,
    /// SKU.
    pub sku: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// Weight.
    pub weight: Option<Decimal>,
    /// Price.
    pub price: Option<Decimal>,
    /// Sale price.
    pub sale_price: Option<Decimal>,
    /// Retail price.
    pub retail_price: Option<Decimal>,
    /// Cost price.
    pub cost_price: Option<Decimal>,
    /// Categories.
    pub categories: Option<Vec<u64>>,
    /// Brand.
    pub brand_id: Option<u64>,
    /// Stock at the default location.
    pub inventory_level: Option<i64>,
    /// Warning level.
    pub inventory_warning_level: Option<i64>,
    /// Tracking.
    pub inventory_tracking: Option<String>,
    /// Visible.
    pub is_visible: Option<bool>,
    /// UPC.
    pub upc: Option<String>,
    /// MPN.
    pub mpn: Option<String>,
    /// GTIN.
    pub gtin: Option<String>,
    /// Availability.
    pub availability: Option<String>,
    /// Variants to create with the product.
    pub variants: Option<Vec<VariantInput>>,
    /// Custom fields.
    pub custom_fields: Option<Vec<CustomFieldInput>>,
    /// Images.
    pub images: Option<Vec<ImageInput>>,
}

fn conflict(title: impl Into<String>) -> ApiError {
    ApiError::v3(StatusCode::CONFLICT, title)
}

fn product_updated(id: u64) -> Event {
    Event {
        scope: "store/product/updated".into(),
        data: json!({"type": "product", "id": id}),
    }
}

fn sku_event(scope: &str, v: &Variant) -> Event {
    Event {
        scope: scope.into(),
        data: json!({"type": "sku", "id": v.sku_id, "sku": {"product_id": v.product_id, "variant_id": v.id}}),
    }
}

/// Creates a product (and its variants); returns its id and the events.
///
/// # Errors
/// 422 for missing required fields, 409 for duplicate names or SKUs.
pub fn create_product(
    store: &mut Store,
    input: ProductInput,
) -> Result<(u64, Vec<Event>), ApiError> {
    let mut missing = serde_json::Map::new();
    for (field, present) in [
        ("name", input.name.is_some()),
        ("type", input.product_type.is_some()),
        ("weight", input.weight.is_some()),
        ("price", input.price.is_some()),
    ] {
        if !present {
            missing.insert(field.into(), json!(format!("{field} is a required field")));
        }
    }
    if !missing.is_empty() {
        return Err(ApiError::v3_fields(
            StatusCode::UNPROCESSABLE_ENTITY,
            "The request is not valid.",
            Value::Object(missing),
        ));
    }
    let name = input.name.clone().unwrap_or_default();
    if store.products.values().any(|p| p.name == name) {
        return Err(conflict("The product name is a duplicate"));
    }
    let sku = input.sku.clone().unwrap_or_default();
    let variants = input.variants.clone().unwrap_or_default();
    let with_options = variants.iter().any(|v| !v.option_values.is_empty());
    let mut skus: Vec<&str> = Vec::new();
    if !with_options {
        skus.push(&sku);
    }
    for v in &variants {
        if let Some(s) = v.sku.as_deref() {
            skus.push(s);
        }
    }
    for (i, s) in skus.iter().enumerate() {
        if store.sku_taken(s, None) || (!s.is_empty() && skus[..i].contains(s)) {
            return Err(conflict(format!("The product sku is a duplicate: {s}")));
        }
    }
    let id = store.next("product");
    let at = now();
    let mut product = Product {
        id,
        name,
        product_type: input
            .product_type
            .clone()
            .unwrap_or_else(|| "physical".into()),
        sku: sku.clone(),
        description: input.description.clone().unwrap_or_default(),
        weight: input.weight.unwrap_or_default(),
        price: input.price.unwrap_or_default(),
        sale_price: input.sale_price.unwrap_or_default(),
        retail_price: input.retail_price.unwrap_or_default(),
        cost_price: input.cost_price.unwrap_or_default(),
        categories: input.categories.clone().unwrap_or_default(),
        brand_id: input.brand_id.unwrap_or(0),
        inventory_tracking: Tracking::parse(input.inventory_tracking.as_deref().unwrap_or("none")),
        inventory_warning_level: input.inventory_warning_level.unwrap_or(0),
        is_visible: input.is_visible.unwrap_or(true),
        upc: input.upc.clone().unwrap_or_default(),
        mpn: input.mpn.clone().unwrap_or_default(),
        gtin: input.gtin.clone().unwrap_or_default(),
        availability: input
            .availability
            .clone()
            .unwrap_or_else(|| "available".into()),
        custom_fields: Vec::new(),
        images: Vec::new(),
        date_created: at,
        date_modified: at,
        base_variant_id: None,
        total_sold: 0,
    };
    for f in input.custom_fields.clone().unwrap_or_default() {
        let fid = store.next("custom_field");
        product.custom_fields.push((fid, f.name, f.value));
    }
    for img in input.images.clone().unwrap_or_default() {
        let iid = store.next("image");
        product
            .images
            .push((iid, img.image_url.unwrap_or_default()));
    }
    let mut events = vec![Event {
        scope: "store/product/created".into(),
        data: json!({"type": "product", "id": id}),
    }];
    let location = store.default_location();
    if !with_options {
        let vid = store.next("variant");
        let sku_id = store.next("sku");
        product.base_variant_id = Some(vid);
        let base = variants.first().cloned().unwrap_or_default();
        store.add_variant(Variant {
            id: vid,
            product_id: id,
            sku,
            sku_id,
            price: None,
            sale_price: None,
            retail_price: None,
            cost_price: None,
            weight: None,
            upc: product.upc.clone(),
            mpn: product.mpn.clone(),
            gtin: product.gtin.clone(),
            purchasing_disabled: base.purchasing_disabled.unwrap_or(false),
            option_values: Vec::new(),
            inventory_warning_level: product.inventory_warning_level,
        });
        let level = input.inventory_level.or(base.inventory_level);
        store.products.insert(id, product);
        if let Some(level) = level {
            store.stock.insert((location, ItemKey::Product(id)), level);
        }
    } else {
        store.products.insert(id, product);
        for v in variants {
            let (vid, mut ev) = insert_variant(store, id, v)?;
            let _ = vid;
            events.append(&mut ev);
        }
        if let Some(level) = input.inventory_level
            && store.products.get(&id).map(|p| &p.inventory_tracking) == Some(&Tracking::Product)
        {
            store.stock.insert((location, ItemKey::Product(id)), level);
        }
    }
    Ok((id, events))
}

fn insert_variant(
    store: &mut Store,
    product_id: u64,
    v: VariantInput,
) -> Result<(u64, Vec<Event>), ApiError> {
    let sku = v.sku.clone().unwrap_or_default();
    if store.sku_taken(&sku, None) {
        return Err(conflict(format!("The variant sku is a duplicate: {sku}")));
    }
    let vid = store.next("variant");
    let sku_id = store.next("sku");
    let variant = Variant {
        id: vid,
        product_id,
        sku,
        sku_id,
        price: v.price,
        sale_price: v.sale_price,
        retail_price: v.retail_price,
        cost_price: v.cost_price,
        weight: v.weight,
        upc: v.upc.unwrap_or_default(),
        mpn: v.mpn.unwrap_or_default(),
        gtin: v.gtin.unwrap_or_default(),
        purchasing_disabled: v.purchasing_disabled.unwrap_or(false),
        option_values: v
            .option_values
            .into_iter()
            .map(|o| (o.label, o.option_display_name))
            .collect(),
        inventory_warning_level: v.inventory_warning_level.unwrap_or(0),
    };
    let event = sku_event("store/sku/created", &variant);
    store.add_variant(variant);
    if let Some(level) = v.inventory_level {
        let location = store.default_location();
        if let Some(p) = store.products.get_mut(&product_id)
            && p.inventory_tracking == Tracking::None
        {
            p.inventory_tracking = Tracking::Variant;
        }
        store.stock.insert((location, ItemKey::Variant(vid)), level);
    }
    Ok((vid, vec![event]))
}

/// Applies a product update; returns the events.
///
/// # Errors
/// 404 for an unknown product, 409 for duplicates, 422 for stock of the wrong tracking level.
pub fn update_product(
    store: &mut Store,
    id: u64,
    input: ProductInput,
) -> Result<Vec<Event>, ApiError> {
    let Some(existing) = store.products.get(&id).cloned() else {
        return Err(ApiError::v3_not_found());
    };
    if let Some(name) = &input.name
        && store
            .products
            .values()
            .any(|p| p.id != id && &p.name == name)
    {
        return Err(conflict("The product name is a duplicate"));
    }
    if let Some(sku) = &input.sku
        && store.sku_taken(sku, existing.base_variant_id)
    {
        return Err(conflict(format!("The product sku is a duplicate: {sku}")));
    }
    let mut events = vec![product_updated(id)];
    {
        let p = store
            .products
            .get_mut(&id)
            .ok_or_else(ApiError::v3_not_found)?;
        macro_rules! set {
            ($field:ident) => {
                if let Some(v) = input.$field.clone() {
                    p.$field = v;
                }
            };
        }
        set!(name);
        set!(description);
        set!(weight);
        set!(price);
        set!(sale_price);
        set!(retail_price);
        set!(cost_price);
        set!(categories);
        set!(brand_id);
        set!(inventory_warning_level);
        set!(is_visible);
        set!(upc);
        set!(mpn);
        set!(gtin);
        set!(availability);
        if let Some(t) = &input.product_type {
            p.product_type = t.clone();
        }
        if let Some(t) = &input.inventory_tracking {
            p.inventory_tracking = Tracking::parse(t);
        }
        if let Some(sku) = &input.sku {
            p.sku = sku.clone();
        }
        p.date_modified = now();
    }
    if let (Some(sku), Some(base)) = (&input.sku, existing.base_variant_id)
        && store.variants.contains_key(&base)
    {
        store.set_sku(base, sku);
        if let Some(v) = store.variants.get(&base) {
            events.push(sku_event("store/sku/updated", v));
        }
    }
    if let Some(level) = input.inventory_level {
        let key = store.resolve_item(None, None, Some(id))?;
        let location = store.default_location();
        events.extend(store.set_stock(location, key, level, false));
    }
    Ok(events)
}

/// Applies a variant update; returns the events.
///
/// # Errors
/// 404 for an unknown variant, 409 for duplicate SKUs, 422 for stock of the wrong tracking level.
pub fn update_variant(
    store: &mut Store,
    vid: u64,
    input: VariantInput,
) -> Result<Vec<Event>, ApiError> {
    let Some(existing) = store.variants.get(&vid).cloned() else {
        return Err(ApiError::v3_not_found());
    };
    if let Some(sku) = &input.sku
        && store.sku_taken(sku, Some(vid))
    {
        return Err(conflict(format!("The variant sku is a duplicate: {sku}")));
    }
    let pid = existing.product_id;
    let is_base = store
        .products
        .get(&pid)
        .is_some_and(|p| p.base_variant_id == Some(vid));
    if is_base {
        // The base variant and its product share prices, weight and identifiers.
        if let Some(p) = store.products.get_mut(&pid) {
            if let Some(x) = input.price {
                p.price = x;
            }
            if let Some(x) = input.sale_price {
                p.sale_price = x;
            }
            if let Some(x) = input.retail_price {
                p.retail_price = x;
            }
            if let Some(x) = input.cost_price {
                p.cost_price = x;
            }
            if let Some(x) = input.weight {
                p.weight = x;
            }
            if let Some(x) = &input.sku {
                p.sku = x.clone();
            }
        }
    }
    {
        let v = store
            .variants
            .get_mut(&vid)
            .ok_or_else(ApiError::v3_not_found)?;
        if !is_base {
            if input.price.is_some() {
                v.price = input.price;
            }
            if input.sale_price.is_some() {
                v.sale_price = input.sale_price;
            }
            if input.retail_price.is_some() {
                v.retail_price = input.retail_price;
            }
            if input.cost_price.is_some() {
                v.cost_price = input.cost_price;
            }
            if input.weight.is_some() {
                v.weight = input.weight;
            }
        }
        if let Some(x) = &input.upc {
            v.upc = x.clone();
        }
        if let Some(x) = &input.mpn {
            v.mpn = x.clone();
        }
        if let Some(x) = &input.gtin {
            v.gtin = x.clone();
        }
        if let Some(x) = input.purchasing_disabled {
            v.purchasing_disabled = x;
        }
        if let Some(x) = input.inventory_warning_level {
            v.inventory_warning_level = x;
        }
    }
    if let Some(x) = &input.sku {
        store.set_sku(vid, x);
    }
    store.touch(pid);
    let v = store
        .variants
        .get(&vid)
        .cloned()
        .ok_or_else(ApiError::v3_not_found)?;
    let mut events = vec![sku_event("store/sku/updated", &v), product_updated(pid)];
    if let Some(level) = input.inventory_level {
        let key = store.resolve_item(Some(vid), None, None)?;
        let location = store.default_location();
        events.extend(store.set_stock(location, key, level, false));
    }
    Ok(events)
}

fn include_of(query: &Query) -> Vec<String> {
    query.list("include").unwrap_or_default()
}

/// `GET /v3/catalog/products`.
pub async fn list_products(State(app): State<App>, RawQuery(raw): RawQuery) -> ApiResult {
    let q = Query::parse(raw.as_deref());
    let ids = q.ids("id:in")?;
    let id = q.u64("id")?;
    let brand = q.u64("brand_id")?;
    let modified_min = q.date("date_modified:min")?;
    let modified_max = q.date("date_modified:max")?;
    let categories = q.ids("categories:in")?;
    let skus = q.list("sku:in");
    let sku = q.get("sku").map(str::to_owned);
    let name = q.get("name").map(str::to_owned);
    let keyword = q.get("keyword").map(str::to_lowercase);
    let visible = q.get("is_visible").map(|v| v == "true" || v == "1");
    let include = include_of(&q);
    let store = app.store();
    let matches_sku =
        |p: &Product, s: &str| p.sku == s || store.variants_of(p.id).any(|v| v.sku == s);
    let items: Vec<&Product> = store
        .products
        .values()
        .filter(|p| id.is_none_or(|i| p.id == i))
        .filter(|p| ids.as_ref().is_none_or(|ids| ids.contains(&p.id)))
        .filter(|p| brand.is_none_or(|b| p.brand_id == b))
        .filter(|p| modified_min.is_none_or(|m| p.date_modified >= m))
        .filter(|p| modified_max.is_none_or(|m| p.date_modified <= m))
        .filter(|p| {
            categories
                .as_ref()
                .is_none_or(|c| p.categories.iter().any(|x| c.contains(x)))
        })
        .filter(|p| sku.as_deref().is_none_or(|s| matches_sku(p, s)))
        .filter(|p| {
            skus.as_ref()
                .is_none_or(|list| list.iter().any(|s| matches_sku(p, s)))
        })
        .filter(|p| name.as_deref().is_none_or(|n| p.name == n))
        .filter(|p| {
            keyword.as_deref().is_none_or(|k| {
                p.name.to_lowercase().contains(k) || p.sku.to_lowercase().contains(k)
            })
        })
        .filter(|p| visible.is_none_or(|v| p.is_visible == v))
        .collect();
    v3_page_map(items, &q, |p: &Product| {
        ProductOut::new(&store, p, &include)
    })
}

/// `GET /v3/catalog/products/{id}`.
pub async fn get_product(
    State(app): State<App>,
    Path((_, id)): Path<(String, u64)>,
    RawQuery(raw): RawQuery,
) -> ApiResult {
    let q = Query::parse(raw.as_deref());
    let store = app.store();
    let p = store.products.get(&id).ok_or_else(ApiError::v3_not_found)?;
    Ok(v3_single(product_json(&store, p, &include_of(&q))))
}

/// `POST /v3/catalog/products`.
pub async fn create_product_handler(State(app): State<App>, body: Bytes) -> ApiResult {
    let input: ProductInput = decode(&body)?;
    let (body, events) = {
        let mut store = app.store();
        let (id, events) = create_product(&mut store, input)?;
        let p = &store.products[&id];
        (product_json(&store, p, &["variants".into()]), events)
    };
    app.emit(events);
    Ok(v3_single(body))
}

/// `PUT /v3/catalog/products/{id}`.
pub async fn update_product_handler(
    State(app): State<App>,
    Path((_, id)): Path<(String, u64)>,
    body: Bytes,
) -> ApiResult {
    let input: ProductInput = decode(&body)?;
    let (body, events) = {
        let mut store = app.store();
        let events = update_product(&mut store, id, input)?;
        let p = &store.products[&id];
        (product_json(&store, p, &[]), events)
    };
    app.emit(events);
    Ok(v3_single(body))
}

/// `PUT /v3/catalog/products` (batch, at most 10).
pub async fn batch_update_products(State(app): State<App>, body: Bytes) -> ApiResult {
    let inputs: Vec<ProductInput> = decode(&body)?;
    if inputs.len() > PRODUCT_BATCH_LIMIT {
        return Err(ApiError::v3(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!(
                "The request payload is too large. The maximum items allowed in the array is {PRODUCT_BATCH_LIMIT}."
            ),
        ));
    }
    let (data, events) = {
        let mut store = app.store();
        let mut events = Vec::new();
        let mut data = Vec::new();
        for (i, input) in inputs.into_iter().enumerate() {
            let Some(id) = input.id else {
                return Err(ApiError::v3_fields(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "The request is not valid.",
                    json!({format!("{i}.id"): "id is a required field"}),
                ));
            };
            events.extend(update_product(&mut store, id, input)?);
            data.push(id);
        }
        let data: Vec<Value> = data
            .iter()
            .map(|id| product_json(&store, &store.products[id], &[]))
            .collect();
        (data, events)
    };
    app.emit(events);
    Ok(v3_single(Value::Array(data)))
}

/// `GET /v3/catalog/variants`.
pub async fn list_all_variants(State(app): State<App>, RawQuery(raw): RawQuery) -> ApiResult {
    let q = Query::parse(raw.as_deref());
    let ids = q.ids("id:in")?;
    let id = q.u64("id")?;
    let product_ids = q.ids("product_id:in")?;
    let product_id = q.u64("product_id")?;
    let sku = q.get("sku").map(str::to_owned);
    let skus = q.list("sku:in");
    let upc = q.get("upc").map(str::to_owned);
    let store = app.store();
    let items: Vec<&Variant> = store
        .variants
        .values()
        .filter(|v| id.is_none_or(|i| v.id == i))
        .filter(|v| ids.as_ref().is_none_or(|l| l.contains(&v.id)))
        .filter(|v| product_id.is_none_or(|i| v.product_id == i))
        .filter(|v| {
            product_ids
                .as_ref()
                .is_none_or(|l| l.contains(&v.product_id))
        })
        .filter(|v| sku.as_deref().is_none_or(|s| v.sku == s))
        .filter(|v| skus.as_ref().is_none_or(|l| l.contains(&v.sku)))
        .filter(|v| upc.as_deref().is_none_or(|u| v.upc == u))
        .collect();
    v3_page_map(items, &q, |v: &Variant| VariantOut::new(&store, v))
}

/// `GET /v3/catalog/products/{id}/variants`.
pub async fn list_product_variants(
    State(app): State<App>,
    Path((_, pid)): Path<(String, u64)>,
    RawQuery(raw): RawQuery,
) -> ApiResult {
    let q = Query::parse(raw.as_deref());
    let store = app.store();
    if !store.products.contains_key(&pid) {
        return Err(ApiError::v3_not_found());
    }
    let items = store
        .variants_of(pid)
        .map(|v| variant_json(&store, v))
        .collect();
    v3_page(items, &q)
}

/// `GET /v3/catalog/products/{id}/variants/{variant_id}`.
pub async fn get_variant(
    State(app): State<App>,
    Path((_, pid, vid)): Path<(String, u64, u64)>,
) -> ApiResult {
    let store = app.store();
    let v = store
        .variants
        .get(&vid)
        .filter(|v| v.product_id == pid)
        .ok_or_else(ApiError::v3_not_found)?;
    Ok(v3_single(variant_json(&store, v)))
}

/// `POST /v3/catalog/products/{id}/variants`.
pub async fn create_variant(
    State(app): State<App>,
    Path((_, pid)): Path<(String, u64)>,
    body: Bytes,
) -> ApiResult {
    let input: VariantInput = decode(&body)?;
    let (body, events) = {
        let mut store = app.store();
        let product = store
            .products
            .get(&pid)
            .cloned()
            .ok_or_else(ApiError::v3_not_found)?;
        if input.option_values.is_empty() {
            return Err(ApiError::v3_fields(
                StatusCode::UNPROCESSABLE_ENTITY,
                "The request is not valid.",
                json!({"option_values": "option_values is a required field"}),
            ));
        }
        if let Some(base) = product.base_variant_id {
            // The first option variant replaces the base variant.
            store.remove_variant(base);
            if let Some(p) = store.products.get_mut(&pid) {
                p.base_variant_id = None;
            }
        }
        let (vid, mut events) = insert_variant(&mut store, pid, input)?;
        store.touch(pid);
        events.push(product_updated(pid));
        (variant_json(&store, &store.variants[&vid]), events)
    };
    app.emit(events);
    Ok(v3_single(body))
}

/// `PUT /v3/catalog/products/{id}/variants/{variant_id}`.
pub async fn update_variant_handler(
    State(app): State<App>,
    Path((_, pid, vid)): Path<(String, u64, u64)>,
    body: Bytes,
) -> ApiResult {
    let input: VariantInput = decode(&body)?;
    let (body, events) = {
        let mut store = app.store();
        if store.variants.get(&vid).is_none_or(|v| v.product_id != pid) {
            return Err(ApiError::v3_not_found());
        }
        let events = update_variant(&mut store, vid, input)?;
        (variant_json(&store, &store.variants[&vid]), events)
    };
    app.emit(events);
    Ok(v3_single(body))
}

/// `PUT /v3/catalog/variants` (batch, at most 50).
pub async fn batch_update_variants(State(app): State<App>, body: Bytes) -> ApiResult {
    let inputs: Vec<VariantInput> = decode(&body)?;
    if inputs.len() > VARIANT_BATCH_LIMIT {
        return Err(ApiError::v3(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!(
                "The request payload is too large. The maximum items allowed in the array is {VARIANT_BATCH_LIMIT}."
            ),
        ));
    }
    let (data, events) = {
        let mut store = app.store();
        let mut events = Vec::new();
        let mut ids = Vec::new();
        for (i, input) in inputs.into_iter().enumerate() {
            let Some(vid) = input.id else {
                return Err(ApiError::v3_fields(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "The request is not valid.",
                    json!({format!("{i}.id"): "id is a required field"}),
                ));
            };
            events.extend(update_variant(&mut store, vid, input)?);
            ids.push(vid);
        }
        let data: Vec<Value> = ids
            .iter()
            .map(|id| variant_json(&store, &store.variants[id]))
            .collect();
        (data, events)
    };
    app.emit(events);
    Ok(v3_single(Value::Array(data)))
}

/// `GET /v3/catalog/categories`.
pub async fn list_categories(State(app): State<App>, RawQuery(raw): RawQuery) -> ApiResult {
    let q = Query::parse(raw.as_deref());
    let ids = q.ids("id:in")?;
    let parent = q.u64("parent_id")?;
    let name = q.get("name").map(str::to_owned);
    let store = app.store();
    let items = store
        .categories
        .values()
        .filter(|c| ids.as_ref().is_none_or(|l| l.contains(&c.id)))
        .filter(|c| parent.is_none_or(|p| c.parent_id == p))
        .filter(|c| name.as_deref().is_none_or(|n| c.name == n))
        .map(category_json)
        .collect();
    v3_page(items, &q)
}

/// Category create body.
#[derive(Debug, Deserialize)]
pub struct CategoryInput {
    /// Name.
    pub name: String,
    /// Parent.
    #[serde(default)]
    pub parent_id: u64,
    /// Visible.
    #[serde(default)]
    pub is_visible: Option<bool>,
}

/// `POST /v3/catalog/categories`.
pub async fn create_category(State(app): State<App>, body: Bytes) -> ApiResult {
    let input: CategoryInput = decode(&body)?;
    let mut store = app.store();
    if store
        .categories
        .values()
        .any(|c| c.name == input.name && c.parent_id == input.parent_id)
    {
        return Err(conflict("The category name is a duplicate"));
    }
    let id = store.next("category");
    let c = Category {
        id,
        parent_id: input.parent_id,
        name: input.name,
        is_visible: input.is_visible.unwrap_or(true),
    };
    let body = category_json(&c);
    store.categories.insert(id, c);
    Ok(v3_single(body))
}

/// `GET /v3/catalog/categories/{id}`.
pub async fn get_category(State(app): State<App>, Path((_, id)): Path<(String, u64)>) -> ApiResult {
    let store = app.store();
    let c = store
        .categories
        .get(&id)
        .ok_or_else(ApiError::v3_not_found)?;
    Ok(v3_single(category_json(c)))
}

/// `GET /v3/catalog/brands/{id}`.
pub async fn get_brand(State(app): State<App>, Path((_, id)): Path<(String, u64)>) -> ApiResult {
    let store = app.store();
    let b = store.brands.get(&id).ok_or_else(ApiError::v3_not_found)?;
    Ok(v3_single(brand_json(b)))
}

/// `DELETE /v3/catalog/products/{id}`: the product, its variants, stock and price records go.
pub async fn delete_product(
    State(app): State<App>,
    Path((_, id)): Path<(String, u64)>,
) -> ApiResult {
    {
        let mut store = app.store();
        if store.products.remove(&id).is_none() {
            return Err(ApiError::v3_not_found());
        }
        let variants: Vec<u64> = store.variants_of(id).map(|v| v.id).collect();
        for vid in &variants {
            store.remove_variant(*vid);
        }
        store.stock.retain(|(_, key), _| match key {
            ItemKey::Product(p) => *p != id,
            ItemKey::Variant(v) => !variants.contains(v),
        });
        store
            .price_records
            .retain(|(_, vid, _), _| !variants.contains(vid));
    }
    app.emit(vec![Event {
        scope: "store/product/deleted".into(),
        data: json!({"type": "product", "id": id}),
    }]);
    Ok(axum::response::IntoResponse::into_response(
        StatusCode::NO_CONTENT,
    ))
}

/// `GET /v3/catalog/brands`.
pub async fn list_brands(State(app): State<App>, RawQuery(raw): RawQuery) -> ApiResult {
    let q = Query::parse(raw.as_deref());
    let ids = q.ids("id:in")?;
    let name = q.get("name").map(str::to_owned);
    let store = app.store();
    let items = store
        .brands
        .values()
        .filter(|b| ids.as_ref().is_none_or(|l| l.contains(&b.id)))
        .filter(|b| name.as_deref().is_none_or(|n| b.name == n))
        .map(brand_json)
        .collect();
    v3_page(items, &q)
}

/// Brand create body.
#[derive(Debug, Deserialize)]
pub struct BrandInput {
    /// Name.
    pub name: String,
}

/// `POST /v3/catalog/brands`.
pub async fn create_brand(State(app): State<App>, body: Bytes) -> ApiResult {
    let input: BrandInput = decode(&body)?;
    let mut store = app.store();
    if store.brands.values().any(|b| b.name == input.name) {
        return Err(conflict("The brand name is a duplicate"));
    }
    let id = store.next("brand");
    let b = Brand {
        id,
        name: input.name,
    };
    let body = brand_json(&b);
    store.brands.insert(id, b);
    Ok(v3_single(body))
}

#[cfg(test)]
mod tests {
    use super::*;

    // products_catalog.v3.yml (../shared/specs/bigcommerce/bigcommerce-docs/reference/):
    // v3 money and weights are JSON numbers, dates RFC 3339, `variants` only when included.
    #[test]
    fn listing_views_write_v3_numbers_dates_and_includes() {
        let mut store = Store::new(false);
        let input: ProductInput = serde_json::from_value(json!({
            "name": "Tee", "type": "physical", "sku": "TEE", "weight": 1.5, "price": 10,
            "variants": [{"sku": "TEE-R", "price": 12.25,
                          "option_values": [{"label": "Red", "option_display_name": "Colour"}]}]
        }))
        .unwrap();
        let (id, _) = create_product(&mut store, input).unwrap();
        let product = &store.products[&id];
        let v =
            serde_json::to_value(ProductOut::new(&store, product, &["variants".into()])).unwrap();
        assert!(
            v["price"].is_i64() && v["price"] == json!(10),
            "{}",
            v["price"]
        );
        assert_eq!(v["weight"], json!(1.5));
        assert_eq!(v["type"], json!("physical"));
        assert_eq!(v["option_set_id"], Value::Null);
        assert_eq!(v["related_products"], json!([-1]));
        assert_eq!(v["custom_url"]["url"], json!(format!("/product-{id}/")));
        let created = v["date_created"].as_str().unwrap();
        assert!(
            time::OffsetDateTime::parse(created, &time::format_description::well_known::Rfc3339)
                .is_ok(),
            "{created}"
        );
        let variant = &v["variants"][0];
        assert_eq!(variant["sku"], json!("TEE-R"));
        assert_eq!(variant["price"], json!(12.25));
        assert_eq!(variant["sale_price"], Value::Null);
        assert_eq!(variant["calculated_price"], json!(12.25));
        assert_eq!(variant["option_values"][0]["label"], json!("Red"));
        assert!(v.get("images").is_none() && v.get("custom_fields").is_none());
        // The single-item renderings are the same views.
        assert_eq!(product_json(&store, product, &["variants".into()]), v);
        assert_eq!(
            variant_json(&store, &store.variants[&variant["id"].as_u64().unwrap()]),
            *variant
        );
    }
}
