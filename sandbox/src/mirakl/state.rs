//! The operator's state and every rule that changes it. Handlers and the test handle both go
//! through here, under one lock, after [`State::tick`] has caught up with the clock.

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use rust_decimal::Decimal;
use serde_json::{Value, json};
use time::OffsetDateTime;

use super::catalog;
use super::clock::iso;
use super::imports::{
    Import, ImportKind, ImportMode, ImportStatus, Outcome, Payload, Row, row_map,
};
use super::offers::{
    CSV_NAMES, Catalog, Discount, JSON_NAMES, Offer, OfferInput, OfferJson, Product, ShippingTerms,
    json_additional_fields, parse_offer, parse_price, parse_quantity,
};
use super::operator::AttributeRole;
use super::orders::{Document, Line, Order, OrderMoney, Refund, Tracking};
use super::wire::Money;
use super::{MiraklConfig, NewOrder, OrderState, SandboxError};

/// An error answered to an API call: status and Mirakl message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ApiError {
    pub status: u16,
    pub message: String,
}

impl ApiError {
    pub(crate) fn new(status: u16, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
        }
    }
    pub(crate) fn bad_request(message: impl Into<String>) -> Self {
        Self::new(400, message)
    }
    pub(crate) fn not_found(message: impl Into<String>) -> Self {
        Self::new(404, message)
    }
}

/// An OF52 export.
#[derive(Debug, Clone)]
pub(crate) struct Export {
    pub tracking_id: String,
    pub ready_at: OffsetDateTime,
    pub last_updated: OffsetDateTime,
    pub json: bool,
    pub since: Option<OffsetDateTime>,
    pub include_inactive: bool,
    pub per_chunk: usize,
    /// Filled when the export completes: one file per chunk.
    pub files: Option<Vec<String>>,
}

/// OR11 filters and paging.
#[derive(Debug, Default, Clone)]
pub(crate) struct OrderFilter {
    pub order_ids: Option<Vec<String>>,
    pub states: Option<Vec<String>>,
    pub start_date: Option<OffsetDateTime>,
    pub end_date: Option<OffsetDateTime>,
    pub start_update_date: Option<OffsetDateTime>,
    pub end_update_date: Option<OffsetDateTime>,
    pub references_for_seller: Option<Vec<String>>,
    pub references_for_customer: Option<Vec<String>>,
    pub customer_debited: Option<bool>,
    pub sort_by_update: bool,
    pub descending: bool,
    pub max: usize,
    pub offset: usize,
}

/// Everything the operator knows.
#[derive(Debug)]
pub(crate) struct State {
    pub config: MiraklConfig,
    pub base_url: String,
    pub catalog: Catalog,
    pub offers: BTreeMap<String, Offer>,
    offer_by_id: HashMap<u64, String>,
    next_offer_id: u64,
    pub deleted_offers: BTreeMap<String, (u64, OffsetDateTime)>,
    pub imports: BTreeMap<u64, Import>,
    next_import_id: u64,
    pub exports: BTreeMap<String, Export>,
    next_export: u64,
    pub orders: BTreeMap<String, Order>,
    /// Message threads on orders (M10/M11/M12/OR43).
    pub(crate) threads: super::messages::Threads,
    order_seq: u64,
    /// ST01 shipments by id.
    pub shipments: BTreeMap<String, super::shipments::Shipment>,
    pub(crate) shipment_seq: u64,
    pub(crate) refund_seq: u64,
    document_seq: u64,
    /// Every offer quantity applied by an import (OF01/OF24/STO01), in order.
    pub quantity_history: Vec<super::QuantityApplied>,
    /// Called on every applied quantity to snapshot what the shop's store could fill.
    pub fillable_probe: Option<super::FillableProbe>,
    /// Earliest time something falls due (import step, export, deadline, debit); `None` when
    /// nothing is pending, so most requests skip the scan in [`State::tick`].
    next_due: Option<OffsetDateTime>,
}

impl State {
    pub(crate) fn new(config: MiraklConfig) -> Self {
        let mut catalog = Catalog::default();
        for product in &config.products {
            catalog.insert(product.to_product());
        }
        Self {
            config,
            base_url: String::new(),
            catalog,
            offers: BTreeMap::new(),
            offer_by_id: HashMap::new(),
            next_offer_id: 2000,
            deleted_offers: BTreeMap::new(),
            imports: BTreeMap::new(),
            next_import_id: 1000,
            exports: BTreeMap::new(),
            next_export: 0,
            orders: BTreeMap::new(),
            threads: super::messages::Threads::default(),
            order_seq: 0,
            shipments: BTreeMap::new(),
            shipment_seq: 0,
            refund_seq: 1100,
            document_seq: 2000,
            quantity_history: Vec::new(),
            fillable_probe: None,
            next_due: None,
        }
    }

    pub(crate) fn terms(&self) -> ShippingTerms {
        ShippingTerms {
            currency: self.config.currency.clone(),
            zone: "AU".into(),
            shipping_type: "STD".into(),
            shipping_price: self.config.shipping_price,
            default_leadtime: self.config.leadtime_to_ship,
        }
    }

    pub(crate) fn order_money(&self) -> OrderMoney {
        OrderMoney {
            tax_rate: self.config.tax_rate,
            commission_rate: self.config.commission_rate,
        }
    }

    pub(crate) fn offer_by_id(&self, id: u64) -> Option<&Offer> {
        self.offer_by_id
            .get(&id)
            .and_then(|sku| self.offers.get(sku))
    }

    pub(crate) fn offer_json(&self, offer: &Offer, now: OffsetDateTime) -> OfferJson {
        OfferJson::new(offer, now, &self.terms())
    }

    /// Puts an offer straight into the shop (tests, demo), creating its product if needed.
    pub(crate) fn seed_offer(&mut self, seed: super::OfferSeed, now: OffsetDateTime) {
        let existing = self
            .catalog
            .find("SHOP_SKU", &seed.shop_sku)
            .or_else(|| seed.ean.as_ref().and_then(|e| self.catalog.find("EAN", e)))
            .cloned();
        let product = match existing {
            Some(p) => p,
            None => {
                let mut references = vec![("SHOP_SKU".to_owned(), seed.shop_sku.clone())];
                if let Some(ean) = &seed.ean {
                    references.push(("EAN".into(), ean.clone()));
                }
                let (code, label) = catalog::DEFAULT_CATEGORY;
                let product = Product {
                    sku: self.catalog.next_sku(),
                    title: seed.title.clone(),
                    category_code: code.into(),
                    category_label: label.into(),
                    brand: None,
                    references,
                    attributes: BTreeMap::new(),
                    import_id: None,
                };
                self.catalog.insert(product.clone());
                product
            }
        };
        let input = OfferInput {
            shop_sku: seed.shop_sku,
            product_id: None,
            product_id_type: None,
            delete: false,
            price: seed.price,
            quantity: seed.quantity,
            state_code: "11".into(),
            description: Some(seed.title),
            internal_description: None,
            price_additional_info: None,
            leadtime_to_ship: None,
            logistic_class: None,
            min_quantity_alert: None,
            min_order_quantity: None,
            max_order_quantity: None,
            package_quantity: None,
            discount: None,
            available_start: None,
            available_end: None,
            product_tax_code: None,
            additional_fields: Vec::new(),
        };
        self.put_offer(input, product, now);
    }

    // ---------------------------------------------------------------- time

    /// Applies everything that became due up to `now`: import processing, export completion,
    /// auto-refusal after the acceptance deadline and the automatic debit.
    pub(crate) fn tick(&mut self, now: OffsetDateTime) {
        if self.next_due.is_none_or(|due| now < due) {
            return;
        }
        self.process_due(now);
        self.next_due = self.compute_next_due();
    }

    /// Remembers that something falls due at `at`.
    fn schedule(&mut self, at: OffsetDateTime) {
        self.next_due = Some(self.next_due.map_or(at, |due| due.min(at)));
    }

    fn compute_next_due(&self) -> Option<OffsetDateTime> {
        let imports = self.imports.values().filter_map(|i| match i.status {
            ImportStatus::Waiting => Some(i.run_at),
            ImportStatus::Running => Some(i.done_at),
            _ => None,
        });
        let exports = self
            .exports
            .values()
            .filter(|e| e.files.is_none())
            .map(|e| e.ready_at);
        let auto_debit = self.config.auto_debit;
        let orders = self.orders.values().filter_map(|o| match o.state {
            OrderState::WaitingAcceptance => Some(o.acceptance_deadline),
            OrderState::WaitingDebit if auto_debit => o.debit_at,
            _ => None,
        });
        imports.chain(exports).chain(orders).min()
    }

    fn process_due(&mut self, now: OffsetDateTime) {
        let due: Vec<u64> = self
            .imports
            .values()
            .filter(|i| !i.status.is_terminal())
            .map(|i| i.id)
            .collect();
        for id in due {
            let (run_at, done_at) = match self.imports.get(&id) {
                Some(i) => (i.run_at, i.done_at),
                None => continue,
            };
            if now >= done_at {
                self.process_import(id);
            } else if now >= run_at
                && let Some(import) = self.imports.get_mut(&id)
            {
                import.status = ImportStatus::Running;
            }
        }
        let ready: Vec<String> = self
            .exports
            .values()
            .filter(|e| e.files.is_none() && now >= e.ready_at)
            .map(|e| e.tracking_id.clone())
            .collect();
        for id in ready {
            self.complete_export(&id);
        }
        let auto_debit = self.config.auto_debit;
        let mut delivery_bills = Vec::new();
        for order in self.orders.values_mut() {
            match order.state {
                OrderState::WaitingAcceptance if now >= order.acceptance_deadline => {
                    let at = order.acceptance_deadline;
                    order.state = OrderState::Refused;
                    order.reason = Some((
                        "AUTO_REFUSED",
                        "Not accepted before the acceptance deadline",
                    ));
                    order.last_updated = at;
                    for line in &mut order.lines {
                        line.state = OrderState::Refused;
                        line.last_updated = at;
                    }
                }
                OrderState::WaitingDebit if auto_debit => {
                    if let Some(at) = order.debit_at
                        && now >= at
                    {
                        debit(order, at);
                        delivery_bills.push(order.id.clone());
                    }
                }
                _ => {}
            }
        }
        for id in delivery_bills {
            self.add_delivery_bill(&id);
        }
    }

    // ---------------------------------------------------------------- imports

    pub(crate) fn submit_import(
        &mut self,
        kind: ImportKind,
        mode: ImportMode,
        from_json: bool,
        payload: Payload,
        now: OffsetDateTime,
    ) -> u64 {
        // "If Mirakl detects a duplicate import request, the API will return the import_id
        // of the existing import rather than creating a new one" (OF01/OF24).
        if kind == ImportKind::Offers
            && let Some(existing) = self.imports.values().find(|i| {
                !i.status.is_terminal()
                    && i.kind == kind
                    && i.mode == mode
                    && i.from_json == from_json
                    && i.payload == payload
            })
        {
            return existing.id;
        }
        self.next_import_id += 1;
        let id = self.next_import_id;
        let run_at = now + self.config.import_wait;
        self.schedule(run_at);
        self.imports.insert(
            id,
            Import {
                id,
                kind,
                mode,
                from_json,
                payload,
                created: now,
                run_at,
                done_at: run_at + self.config.import_run,
                status: ImportStatus::Waiting,
                reason_status: None,
                outcome: Outcome::default(),
                shop_id: self.config.shop_id,
            },
        );
        id
    }

    fn process_import(&mut self, id: u64) {
        let Some(mut import) = self.imports.remove(&id) else {
            return;
        };
        let at = import.done_at;
        let mut outcome = Outcome::default();
        match &import.payload {
            Payload::Unreadable(reason) => {
                import.status = ImportStatus::Failed;
                import.reason_status = Some(reason.clone());
            }
            Payload::Json(offers) => {
                outcome.report_header = [
                    "sku",
                    "product-id",
                    "product-id-type",
                    "price",
                    "quantity",
                    "state",
                    "update-delete",
                ]
                .map(String::from)
                .to_vec();
                for (index, object) in offers.iter().enumerate() {
                    let cells = [
                        "shop_sku",
                        "product_id",
                        "product_id_type",
                        "price",
                        "quantity",
                        "state_code",
                        "update_delete",
                    ]
                    .iter()
                    .map(|k| super::offers::Fields::text(object, k).unwrap_or_default())
                    .collect();
                    let result = parse_offer(object, &JSON_NAMES).and_then(|mut input| {
                        input.additional_fields = json_additional_fields(object);
                        let sku = (!input.delete).then(|| input.shop_sku.clone());
                        let change = self.apply_offer(input, at)?;
                        if let Some(sku) = sku {
                            self.record_quantity(&sku, "OF24", id, at);
                        }
                        Ok(change)
                    });
                    record(&mut outcome, index + 1, cells, result);
                }
                import.status = ImportStatus::Complete;
            }
            Payload::Csv { header, rows } => {
                outcome.report_header = header.clone();
                match import.kind {
                    ImportKind::Offers => {
                        if let Err(reason) = super::offers::of01_header_ok(header) {
                            import.status = ImportStatus::Failed;
                            import.reason_status = Some(reason);
                            import.outcome = outcome;
                            self.imports.insert(id, import);
                            return;
                        }
                        let mut seen = std::collections::HashSet::new();
                        for row in rows {
                            let map = row_map(header, row);
                            let result = parse_offer(&map, &CSV_NAMES).and_then(|mut input| {
                                input.additional_fields =
                                    super::offers::csv_additional_fields(&map);
                                seen.insert(input.shop_sku.clone());
                                let sku = (!input.delete).then(|| input.shop_sku.clone());
                                let change = self.apply_offer(input, at)?;
                                if let Some(sku) = sku {
                                    self.record_quantity(&sku, "OF01", id, at);
                                }
                                Ok(change)
                            });
                            record(&mut outcome, row.line, row.cells.clone(), result);
                        }
                        if import.mode == ImportMode::Replace {
                            let gone: Vec<String> = self
                                .offers
                                .keys()
                                .filter(|sku| !seen.contains(sku.as_str()))
                                .cloned()
                                .collect();
                            for sku in gone {
                                self.delete_offer(&sku, at);
                                outcome.deleted += 1;
                            }
                        }
                    }
                    ImportKind::Stock => {
                        // Quantities of one offer must be listed together; warehouses add up.
                        for row in rows {
                            let map = row_map(header, row);
                            let result = self.apply_stock_row(&map, at);
                            if result.is_ok()
                                && let Some(sku) = map
                                    .get("offer-sku")
                                    .or_else(|| map.get("sku"))
                                    .map(|v| v.trim().to_owned())
                            {
                                self.record_quantity(&sku, "STO01", id, at);
                            }
                            record(&mut outcome, row.line, row.cells.clone(), result);
                        }
                    }
                    ImportKind::Pricing => {
                        for row in rows {
                            let map = row_map(header, row);
                            let result = self.apply_price_row(&map, at);
                            record(&mut outcome, row.line, row.cells.clone(), result);
                        }
                    }
                    ImportKind::Products => {
                        self.process_products(id, header, rows, &mut outcome);
                    }
                }
                import.status = ImportStatus::Complete;
            }
        }
        import.outcome = outcome;
        self.imports.insert(id, import);
    }

    fn resolve_product(&mut self, input: &OfferInput) -> Result<Product, String> {
        let (Some(kind), Some(id)) = (&input.product_id_type, &input.product_id) else {
            return Err(
                "The product id and product id type are required to create an offer".into(),
            );
        };
        if kind == "SHOP_SKU" {
            if let Some(p) = self.catalog.find("SHOP_SKU", id) {
                return Ok(p.clone());
            }
        } else if let Some(p) = self.catalog.find(kind, id) {
            return Ok(p.clone());
        }
        if !self.config.open_catalog || kind == "SKU" {
            return Err("The product does not exist".into());
        }
        let (code, label) = catalog::DEFAULT_CATEGORY;
        let product = Product {
            sku: self.catalog.next_sku(),
            title: input
                .description
                .clone()
                .unwrap_or_else(|| input.shop_sku.clone()),
            category_code: code.into(),
            category_label: label.into(),
            brand: None,
            references: vec![(kind.clone(), id.clone())],
            attributes: BTreeMap::new(),
            import_id: None,
        };
        self.catalog.insert(product.clone());
        Ok(product)
    }

    /// Applies one OF01/OF24 line: every field not sent is reset to its default.
    /// Appends the offer's current quantity to [`State::quantity_history`], with the units of
    /// open accepted orders (`WAITING_DEBIT`/`SHIPPING`) of that SKU and the probe's snapshot.
    fn record_quantity(
        &mut self,
        sku: &str,
        operation: &'static str,
        import_id: u64,
        at: OffsetDateTime,
    ) {
        let Some(quantity) = self.offers.get(sku).map(|o| o.quantity) else {
            return;
        };
        let open_orders = open_order_units(&self.orders, sku);
        let fillable = self
            .fillable_probe
            .as_ref()
            .and_then(|probe| (probe.0)(sku, &open_orders));
        self.quantity_history.push(super::QuantityApplied {
            shop_sku: sku.to_owned(),
            quantity,
            operation,
            import_id,
            at,
            open_orders,
            fillable,
        });
    }

    fn apply_offer(&mut self, input: OfferInput, at: OffsetDateTime) -> Result<Change, String> {
        if input.delete {
            return if self.delete_offer(&input.shop_sku, at) {
                Ok(Change::Deleted)
            } else {
                Err(format!(
                    "The offer with sku '{}' does not exist",
                    input.shop_sku
                ))
            };
        }
        let existing = self.offers.get(&input.shop_sku).map(|o| o.product.clone());
        let is_update = existing.is_some();
        let product = match (existing, &input.product_id) {
            (Some(product), None) => product,
            _ => self.resolve_product(&input)?,
        };
        self.put_offer(input, product, at);
        Ok(if is_update {
            Change::Updated
        } else {
            Change::Inserted
        })
    }

    /// Stores an offer, replacing every field of an existing one (OF24/OF01 semantics).
    fn put_offer(&mut self, input: OfferInput, product: Product, at: OffsetDateTime) {
        let existing = self.offers.get(&input.shop_sku);
        let (offer_id, created) = match existing {
            Some(o) => (o.offer_id, o.date_created),
            None => {
                self.next_offer_id += 1;
                (self.next_offer_id, at)
            }
        };
        let offer = Offer {
            offer_id,
            shop_sku: input.shop_sku,
            product,
            price: input.price,
            quantity: input.quantity,
            state_code: input.state_code,
            description: input.description.unwrap_or_default(),
            internal_description: input.internal_description,
            price_additional_info: input.price_additional_info,
            leadtime_to_ship: input.leadtime_to_ship,
            logistic_class: input.logistic_class,
            min_quantity_alert: input.min_quantity_alert,
            min_order_quantity: input.min_order_quantity,
            max_order_quantity: input.max_order_quantity,
            package_quantity: input.package_quantity,
            discount: input.discount,
            available_start: input.available_start,
            available_end: input.available_end,
            warehouses: BTreeMap::new(),
            product_tax_code: input.product_tax_code,
            additional_fields: input.additional_fields,
            date_created: created,
            last_updated: at,
        };
        self.offer_by_id.insert(offer_id, offer.shop_sku.clone());
        self.deleted_offers.remove(&offer.shop_sku);
        self.offers.insert(offer.shop_sku.clone(), offer);
    }

    fn delete_offer(&mut self, sku: &str, at: OffsetDateTime) -> bool {
        match self.offers.remove(sku) {
            Some(offer) => {
                self.offer_by_id.remove(&offer.offer_id);
                self.deleted_offers
                    .insert(sku.to_owned(), (offer.offer_id, at));
                true
            }
            None => false,
        }
    }

    fn apply_stock_row(
        &mut self,
        row: &HashMap<String, String>,
        at: OffsetDateTime,
    ) -> Result<Change, String> {
        let get = |k: &str| {
            row.get(k)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        let sku = get("offer-sku")
            .or_else(|| get("sku"))
            .ok_or("The offer sku is missing")?;
        let delete = get("update-delete").is_some_and(|v| v.eq_ignore_ascii_case("delete"));
        let warehouse = get("warehouse-code");
        let offer = self
            .offers
            .get_mut(&sku)
            .ok_or_else(|| format!("The offer with sku '{sku}' does not exist"))?;
        match (warehouse, delete) {
            (Some(code), true) => {
                offer.warehouses.remove(&code);
            }
            (None, true) => {
                return Err("A stock line without warehouse code cannot be deleted".into());
            }
            (Some(code), false) => {
                let quantity = parse_quantity(
                    "quantity",
                    &get("quantity").ok_or("The quantity is missing")?,
                )?;
                offer.warehouses.insert(code, quantity);
            }
            (None, false) => {
                let quantity = parse_quantity(
                    "quantity",
                    &get("quantity").ok_or("The quantity is missing")?,
                )?;
                offer.warehouses.clear();
                offer.quantity = quantity;
            }
        }
        if !offer.warehouses.is_empty() {
            offer.quantity = offer.warehouses.values().sum();
        }
        offer.last_updated = at;
        Ok(Change::Updated)
    }

    fn apply_price_row(
        &mut self,
        row: &HashMap<String, String>,
        at: OffsetDateTime,
    ) -> Result<Change, String> {
        let get = |k: &str| {
            row.get(k)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        let sku = get("offer-sku")
            .or_else(|| get("sku"))
            .ok_or("The offer sku is missing")?;
        let price = parse_price("price", &get("price").ok_or("The price is missing")?)?;
        let discount = match get("discount-price") {
            Some(text) => {
                let discount_price = parse_price("discount price", &text)?;
                if discount_price > price {
                    return Err("The discount price must be lower than the price".into());
                }
                let date = |k: &str| -> Result<Option<OffsetDateTime>, String> {
                    get(k)
                        .map(|t| {
                            super::clock::parse_date(&t)
                                .ok_or_else(|| format!("The {k} '{t}' is not a valid date"))
                        })
                        .transpose()
                };
                Some(Discount {
                    price: discount_price,
                    start: date("discount-start-date")?,
                    end: date("discount-end-date")?,
                })
            }
            None => None,
        };
        let offer = self
            .offers
            .get_mut(&sku)
            .ok_or_else(|| format!("The offer with sku '{sku}' does not exist"))?;
        offer.price = price;
        offer.discount = discount;
        offer.last_updated = at;
        Ok(Change::Updated)
    }

    /// P41: checks every line against the operator catalog and integrates the valid ones.
    /// Beyond the per-line checks of [`OperatorCatalog::check_line`], a SKU may appear once
    /// per file, a product identifier (EAN…) belongs to one product, and two products of one
    /// variant group must differ by their variant attributes.
    fn process_products(
        &mut self,
        id: u64,
        header: &[String],
        rows: &[Row],
        outcome: &mut Outcome,
    ) {
        let operator = self.config.catalog.clone();
        let sku_column = operator.role_column(&AttributeRole::ShopSku, "shop-sku");
        let category_column = operator.role_column(&AttributeRole::Category, "category");
        let title_column = operator.role_column(&AttributeRole::Title, "title");
        let brand_column = operator.role_column(&AttributeRole::Brand, "brand");
        let group_column =
            operator.role_column(&AttributeRole::VariantGroupCode, "variant-group-code");
        let identifiers: Vec<(String, String)> = operator
            .attributes
            .iter()
            .filter(|a| a.role == Some(AttributeRole::UniqueIdentifier))
            .map(|a| (a.code.to_ascii_lowercase(), a.code.to_ascii_uppercase()))
            .collect();
        let mut axes: Vec<String> = operator
            .attributes
            .iter()
            .filter(|a| a.variant)
            .map(|a| a.code.to_ascii_lowercase())
            .collect();
        axes.dedup();
        let mut first_line: HashMap<String, usize> = HashMap::new();
        let mut identifier_owner: HashMap<(String, String), String> = HashMap::new();
        let mut variants: HashMap<(String, Vec<(String, String)>), String> = HashMap::new();
        for row in rows {
            let map = row_map(header, row);
            let mut check = operator.check_line(&map);
            let sku = check.values.get(&sku_column).cloned();
            let mut wrong_identifier = false;
            if let Some(sku) = &sku {
                match first_line.get(sku) {
                    Some(first) => check.errors.push(format!(
                        "4000|The product SKU '{sku}' appears more than once in the file (first at line {first})"
                    )),
                    None => {
                        first_line.insert(sku.clone(), row.line);
                    }
                }
                for (column, kind) in &identifiers {
                    let Some(value) = check.values.get(column) else {
                        continue;
                    };
                    let key = (kind.clone(), value.clone());
                    let owner = identifier_owner.get(&key).cloned().or_else(|| {
                        self.catalog.find(kind, value).map(|p| {
                            p.references
                                .iter()
                                .find(|(k, _)| k == "SHOP_SKU")
                                .map(|(_, v)| v.clone())
                                .unwrap_or_else(|| p.sku.clone())
                        })
                    });
                    match owner {
                        Some(owner) if owner != *sku => {
                            wrong_identifier = true;
                            check.errors.push(format!(
                                "3001|The product identifier {kind} '{value}' is already used by the product '{owner}'"
                            ));
                        }
                        _ => {
                            identifier_owner.insert(key, sku.clone());
                        }
                    }
                }
                if let Some(group) = check.values.get(&group_column) {
                    let values: Vec<(String, String)> = axes
                        .iter()
                        .filter_map(|a| check.values.get(a).map(|v| (a.clone(), v.clone())))
                        .collect();
                    let key = (group.clone(), values);
                    match variants.get(&key) {
                        Some(other) if other != sku => {
                            let described: Vec<String> =
                                key.1.iter().map(|(a, v)| format!("{a}={v}")).collect();
                            check.errors.push(format!(
                                "4001|The product '{other}' of the variant group '{group}' has the same variant values ({})",
                                described.join(" ")
                            ));
                        }
                        _ => {
                            variants.insert(key, sku.clone());
                        }
                    }
                }
            }
            if !check.warnings.is_empty() {
                outcome.lines_with_warning += 1;
            }
            let (Some(sku), true) = (sku, check.errors.is_empty()) else {
                if wrong_identifier {
                    outcome.wrong_identifiers += 1;
                }
                if !check.warnings.is_empty() {
                    outcome
                        .line_warnings
                        .insert(row.line, check.warnings.join(", "));
                }
                outcome.fail_line(row.line, row.cells.clone(), check.errors.join(", "));
                continue;
            };
            let category_code = check
                .values
                .get(&category_column)
                .cloned()
                .unwrap_or_default();
            let category_label = operator
                .category(&category_code)
                .map(|c| c.label.clone())
                .unwrap_or_default();
            let existing = self.catalog.find("SHOP_SKU", &sku).map(|p| p.sku.clone());
            let mut references = vec![("SHOP_SKU".to_owned(), sku.clone())];
            for (column, kind) in &identifiers {
                if let Some(value) = check.values.get(column) {
                    references.push((kind.clone(), value.clone()));
                }
            }
            let product = Product {
                sku: existing.clone().unwrap_or_else(|| self.catalog.next_sku()),
                title: check
                    .values
                    .get(&title_column)
                    .cloned()
                    .unwrap_or_else(|| sku.clone()),
                category_code,
                category_label,
                brand: check.values.get(&brand_column).cloned(),
                references,
                attributes: check.values,
                import_id: Some(id),
            };
            // Offers show the product's current title and category.
            for offer in self.offers.values_mut() {
                if offer.product.sku == product.sku {
                    offer.product = product.clone();
                }
            }
            self.catalog.insert(product);
            outcome.succeed_line();
            if existing.is_some() {
                outcome.updated += 1;
            } else {
                outcome.inserted += 1;
            }
        }
    }

    // ---------------------------------------------------------------- exports

    pub(crate) fn submit_export(
        &mut self,
        body: &Value,
        now: OffsetDateTime,
    ) -> Result<String, ApiError> {
        let json = match body.get("export_type").and_then(Value::as_str) {
            None | Some("text/csv") => false,
            Some("application/json") => true,
            Some(other) => {
                return Err(ApiError::bad_request(format!(
                    "Unknown export type '{other}'"
                )));
            }
        };
        let since = match body.get("last_request_date").and_then(Value::as_str) {
            Some(t) => Some(super::clock::parse_date(t).ok_or_else(|| {
                ApiError::bad_request(format!("Invalid last_request_date '{t}'"))
            })?),
            None => None,
        };
        let per_chunk = body
            .get("items_per_chunk")
            .and_then(Value::as_u64)
            .unwrap_or(10_000)
            .clamp(1, 1_000_000) as usize;
        self.next_export += 1;
        self.schedule(now + self.config.import_wait + self.config.import_run);
        let tracking_id = format!("00000000-0000-4000-8000-{:012x}", self.next_export);
        self.exports.insert(
            tracking_id.clone(),
            Export {
                tracking_id: tracking_id.clone(),
                ready_at: now + self.config.import_wait + self.config.import_run,
                last_updated: now,
                json,
                since,
                include_inactive: body
                    .get("include_inactive_offers")
                    .and_then(Value::as_bool)
                    .unwrap_or(false),
                per_chunk,
                files: None,
            },
        );
        Ok(tracking_id)
    }

    fn complete_export(&mut self, id: &str) {
        let Some(export) = self.exports.get(id).cloned() else {
            return;
        };
        let at = export.ready_at;
        let mut items: Vec<ExportItem> = self
            .offers
            .values()
            .filter(|o| export.since.is_none_or(|s| o.last_updated > s))
            .filter(|o| export.include_inactive || o.inactivity_reasons(at).is_empty())
            .map(|o| ExportItem::Live(Box::new(o.clone())))
            .collect();
        if let Some(since) = export.since {
            items.extend(
                self.deleted_offers
                    .iter()
                    .filter(|(_, (_, when))| *when > since)
                    .map(|(sku, (id, when))| ExportItem::Deleted(sku.clone(), *id, *when)),
            );
        }
        let terms = self.terms();
        let files = items
            .chunks(export.per_chunk)
            .map(|chunk| {
                if export.json {
                    let values: Vec<Value> = chunk.iter().map(|i| i.json(at, &terms)).collect();
                    serde_json::to_string(&values).unwrap_or_default()
                } else {
                    export_csv(chunk, at, &terms)
                }
            })
            .collect();
        if let Some(e) = self.exports.get_mut(id) {
            e.files = Some(files);
            e.last_updated = at;
        }
    }

    // ---------------------------------------------------------------- orders

    pub(crate) fn create_order(
        &mut self,
        new: NewOrder,
        now: OffsetDateTime,
    ) -> Result<String, SandboxError> {
        if new.lines.is_empty() {
            return Err(SandboxError::InvalidOrder(
                "an order needs at least one line".into(),
            ));
        }
        self.order_seq += 1;
        let commercial_id = format!("SBX{:06}", self.order_seq);
        let id = format!("{commercial_id}-A");
        let mut lines = Vec::new();
        for (index, l) in new.lines.iter().enumerate() {
            let offer = self
                .offers
                .get(&l.shop_sku)
                .ok_or_else(|| SandboxError::UnknownOffer(l.shop_sku.clone()))?;
            if l.quantity == 0 {
                return Err(SandboxError::InvalidOrder(format!(
                    "line {} has quantity 0",
                    index + 1
                )));
            }
            lines.push(Line {
                id: format!("{id}-{}", index + 1),
                index: index as u32 + 1,
                offer_id: offer.offer_id,
                offer_sku: offer.shop_sku.clone(),
                product_sku: offer.product.sku.clone(),
                product_title: offer.product.title.clone(),
                category_code: offer.product.category_code.clone(),
                category_label: offer.product.category_label.clone(),
                quantity: l.quantity,
                price_unit: l.unit_price,
                shipping_price: l.shipping_price,
                state: OrderState::WaitingAcceptance,
                reserved: 0,
                refunds: Vec::new(),
                canceled_quantity: 0,
                cancelations: Vec::new(),
                promotion: Decimal::ZERO,
                fees: Decimal::ZERO,
                shipped_date: None,
                debited_date: None,
                created: now,
                last_updated: now,
                incident: None,
            });
        }
        let leadtime = new
            .lines
            .iter()
            .filter_map(|l| {
                self.offers
                    .get(&l.shop_sku)
                    .and_then(|o| o.leadtime_to_ship)
            })
            .max()
            .unwrap_or(self.config.leadtime_to_ship);
        let order = Order {
            id: id.clone(),
            commercial_id,
            state: OrderState::WaitingAcceptance,
            reason: None,
            created: now,
            last_updated: now,
            acceptance_deadline: now + self.config.acceptance_delay,
            acceptance_decision_date: None,
            debit_at: None,
            customer_debited_date: None,
            shipping_deadline: None,
            customer: new.customer,
            lines,
            currency: self.config.currency.clone(),
            shipping_type_code: "STD".into(),
            shipping_type_label: "Standard delivery".into(),
            shipping_zone_code: "AU".into(),
            shipping_zone_label: "Australia".into(),
            leadtime_to_ship: leadtime,
            tracking: Tracking::default(),
            reference_for_seller: None,
            reference_for_customer: new.customer_reference,
            documents: Vec::new(),
        };
        self.schedule(order.acceptance_deadline);
        self.orders.insert(id.clone(), order);
        Ok(id)
    }

    fn order_mut(&mut self, id: &str) -> Result<&mut Order, ApiError> {
        self.orders.get_mut(id).ok_or_else(|| {
            ApiError::not_found(format!("The order with identifier {id} was not found"))
        })
    }

    /// OR21.
    pub(crate) fn accept(
        &mut self,
        id: &str,
        decisions: &[(String, bool)],
        now: OffsetDateTime,
    ) -> Result<(), ApiError> {
        let partial_allowed = self.config.partial_acceptance;
        let debit_delay = self.config.debit_delay;
        let order = self.order_mut(id)?;
        if order.state != OrderState::WaitingAcceptance {
            return Err(ApiError::bad_request(format!(
                "ORDER_INVALID_STATE: the order {id} is in state {} and cannot be accepted or refused",
                order.state.as_str()
            )));
        }
        for (line_id, _) in decisions {
            if !order.lines.iter().any(|l| &l.id == line_id) {
                return Err(ApiError::bad_request(format!(
                    "ORDER_LINE_NOT_FOUND: the order line {line_id} does not belong to the order {id}"
                )));
            }
        }
        let mut chosen = Vec::new();
        for line in &order.lines {
            let mut found = decisions.iter().filter(|(l, _)| *l == line.id);
            match (found.next(), found.next()) {
                (Some((_, accepted)), None) => chosen.push(*accepted),
                (None, _) => {
                    return Err(ApiError::bad_request(format!(
                        "ORDER_LINE_ACCEPTANCE_DECISION_MISSING: no decision for the order line {}",
                        line.id
                    )));
                }
                (Some(_), Some(_)) => {
                    return Err(ApiError::bad_request(format!(
                        "VALIDATION_ERROR: the order line {} is listed twice",
                        line.id
                    )));
                }
            }
        }
        let any_accepted = chosen.iter().any(|a| *a);
        if !partial_allowed && any_accepted && chosen.iter().any(|a| !a) {
            return Err(ApiError::bad_request(
                "ORDER_PARTIAL_ACCEPTANCE_DISABLED: all lines must be accepted or all refused",
            ));
        }
        let mut reservations = Vec::new();
        for (line, accepted) in order.lines.iter_mut().zip(&chosen) {
            line.last_updated = now;
            if *accepted {
                line.state = OrderState::WaitingDebit;
                reservations.push((line.offer_sku.clone(), line.quantity, line.id.clone()));
            } else {
                line.state = OrderState::Refused;
            }
        }
        order.acceptance_decision_date = Some(now);
        order.last_updated = now;
        if any_accepted {
            order.state = OrderState::WaitingDebit;
            order.debit_at = Some(now + debit_delay);
        } else {
            order.state = OrderState::Refused;
            order.reason = Some(("SHOP_REFUSED", "Refused by the shop"));
        }
        if any_accepted && self.config.auto_debit {
            self.schedule(now + debit_delay);
        }
        // Accepting takes the units from the offer, as the operator does.
        for (sku, quantity, line_id) in reservations {
            let taken = self
                .offers
                .get_mut(&sku)
                .map_or(0, |offer| take_stock(offer, quantity, now));
            if let Some(line) = self
                .orders
                .get_mut(id)
                .and_then(|o| o.lines.iter_mut().find(|l| l.id == line_id))
            {
                line.reserved = taken;
            }
        }
        Ok(())
    }

    /// Debits the order now (the test handle's "trigger debit").
    pub(crate) fn debit_now(&mut self, id: &str, now: OffsetDateTime) -> Result<(), SandboxError> {
        let order = self
            .orders
            .get_mut(id)
            .ok_or_else(|| SandboxError::UnknownOrder(id.to_owned()))?;
        if order.state != OrderState::WaitingDebit {
            return Err(SandboxError::InvalidState {
                order_id: id.to_owned(),
                state: order.state.as_str().to_owned(),
            });
        }
        debit(order, now);
        self.add_delivery_bill(id);
        Ok(())
    }

    fn add_delivery_bill(&mut self, id: &str) {
        self.document_seq += 1;
        let doc_id = self.document_seq;
        if let Some(order) = self.orders.get_mut(id) {
            let uploaded = order.customer_debited_date.unwrap_or(order.last_updated);
            order.documents.push(Document {
                id: doc_id,
                file_name: format!("delivery-{id}.txt"),
                kind: "SYSTEM_DELIVERY_BILL".into(),
                content: format!("Delivery bill for order {id}\n").into_bytes(),
                uploaded,
            });
        }
    }

    /// OR23.
    pub(crate) fn set_tracking(
        &mut self,
        id: &str,
        body: &Value,
        now: OffsetDateTime,
    ) -> Result<(), ApiError> {
        let text = |k: &str| {
            body.get(k)
                .and_then(Value::as_str)
                .map(str::to_owned)
                .filter(|s| !s.is_empty())
        };
        let disable_alternative = self.config.disable_alternative_carrier;
        let order = self.order_mut(id)?;
        if !matches!(order.state, OrderState::Shipping | OrderState::Shipped) {
            return Err(ApiError::bad_request(format!(
                "The order {id} is in state {}: tracking can only be set once the order is SHIPPING",
                order.state.as_str()
            )));
        }
        let number = text("tracking_number");
        let tracking = match text("carrier_code") {
            Some(code) => {
                let (code, label, standard, url) = catalog::CARRIERS
                    .iter()
                    .find(|c| c.0 == code)
                    .ok_or_else(|| {
                    ApiError::bad_request(format!("The carrier with code {code} does not exist"))
                })?;
                Tracking {
                    carrier_code: Some((*code).to_owned()),
                    carrier_name: Some((*label).to_owned()),
                    carrier_standard_code: Some((*standard).to_owned()),
                    carrier_url: number.as_ref().map(|n| url.replace("{trackingId}", n)),
                    tracking_number: number,
                }
            }
            None => {
                if disable_alternative {
                    return Err(ApiError::bad_request(
                        "Alternative carriers are disabled: send a carrier_code from SH21",
                    ));
                }
                let name = text("carrier_name").ok_or_else(|| {
                    ApiError::bad_request("carrier_code or carrier_name is required")
                })?;
                Tracking {
                    carrier_code: None,
                    carrier_name: Some(name),
                    carrier_standard_code: text("carrier_standard_code"),
                    carrier_url: text("carrier_url"),
                    tracking_number: number,
                }
            }
        };
        order.tracking = tracking;
        order.last_updated = now;
        Ok(())
    }

    /// OR24.
    pub(crate) fn ship(&mut self, id: &str, now: OffsetDateTime) -> Result<(), ApiError> {
        let order = self.order_mut(id)?;
        if order.state != OrderState::Shipping {
            return Err(ApiError::bad_request(format!(
                "The order {id} is in state {}, it must be SHIPPING to be shipped",
                order.state.as_str()
            )));
        }
        order.state = OrderState::Shipped;
        order.last_updated = now;
        for line in &mut order.lines {
            if line.state == OrderState::Shipping {
                line.state = OrderState::Shipped;
                line.shipped_date = Some(now);
                line.last_updated = now;
            }
        }
        Ok(())
    }

    /// OR29.
    pub(crate) fn cancel(&mut self, id: &str, now: OffsetDateTime) -> Result<(), ApiError> {
        let order = self.order_mut(id)?;
        if !order.can_cancel() {
            return Err(ApiError::bad_request(format!(
                "The order {id} is in state {} and cannot be canceled",
                order.state.as_str()
            )));
        }
        order.state = OrderState::Canceled;
        order.reason = Some(("SHOP_CANCELED", "Canceled by the shop"));
        order.last_updated = now;
        let mut give_back = Vec::new();
        for line in &mut order.lines {
            if line.state != OrderState::Refused {
                line.state = OrderState::Canceled;
                line.canceled_quantity = line.quantity;
                line.last_updated = now;
                give_back.push((line.offer_sku.clone(), line.reserved));
                line.reserved = 0;
            }
        }
        for (sku, quantity) in give_back {
            if let Some(offer) = self.offers.get_mut(&sku) {
                offer.quantity = offer.quantity.saturating_add(quantity);
                if let Some((_, q)) = offer.warehouses.iter_mut().next() {
                    *q = q.saturating_add(quantity);
                }
                offer.last_updated = now;
            }
        }
        Ok(())
    }

    /// OR28: validates every refund first, then records them all.
    pub(crate) fn refund(
        &mut self,
        refunds: &[Value],
        now: OffsetDateTime,
    ) -> Result<Vec<Value>, ApiError> {
        let mut planned: Vec<(String, Decimal, Decimal, u32, String)> = Vec::new();
        for r in refunds {
            let line_id = r
                .get("order_line_id")
                .and_then(Value::as_str)
                .ok_or_else(|| {
                    ApiError::bad_request(
                        "Error with field order_line_id. Please check the field datatype.",
                    )
                })?;
            // Both are required on every refund line (OR28 `refunds[].required`); the operator
            // does not fill a missing one in.
            let required = |key: &str| {
                decimal_field(r, key)?.ok_or_else(|| {
                    ApiError::bad_request(format!("Error with field {key}. The field is required."))
                })
            };
            let amount = required("amount")?;
            let shipping_amount = required("shipping_amount")?;
            let quantity = match r.get("quantity") {
                None | Some(Value::Null) => 0,
                Some(v) => v
                    .as_u64()
                    .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
                    .and_then(|q| u32::try_from(q).ok())
                    .ok_or_else(|| {
                        ApiError::bad_request(
                            "Error with field quantity. Please check the field datatype.",
                        )
                    })?,
            };
            let reason = r
                .get("reason_code")
                .and_then(Value::as_str)
                .ok_or_else(|| ApiError::bad_request("The reason_code is required"))?;
            let order_id = line_id.rsplit_once('-').map(|(o, _)| o).ok_or_else(|| {
                ApiError::not_found(format!("The order line {line_id} does not exist"))
            })?;
            let order = self.orders.get(order_id).ok_or_else(|| {
                ApiError::not_found(format!("The order line {line_id} does not exist"))
            })?;
            let line = order
                .lines
                .iter()
                .find(|l| l.id == line_id)
                .ok_or_else(|| {
                    ApiError::not_found(format!("The order line {line_id} does not exist"))
                })?;
            if !matches!(
                line.state,
                OrderState::Shipping | OrderState::Shipped | OrderState::Received
            ) {
                return Err(ApiError::bad_request(format!(
                    "The order line {line_id} is in state {} and cannot be refunded",
                    line.state.as_str()
                )));
            }
            let already: u32 = planned
                .iter()
                .filter(|(l, ..)| l == line_id)
                .map(|(_, _, _, q, _)| *q)
                .sum();
            if line.refunded_quantity() + already + quantity > line.quantity {
                return Err(ApiError::bad_request(format!(
                    "The refund quantity exceeds the order line {line_id} quantity"
                )));
            }
            if amount.is_sign_negative() || line.refunded_amount() + amount > line.price() {
                return Err(ApiError::bad_request(format!(
                    "The refund amount exceeds the order line {line_id} price"
                )));
            }
            planned.push((
                line_id.to_owned(),
                amount,
                shipping_amount,
                quantity,
                reason.to_owned(),
            ));
        }
        let mut answered = Vec::new();
        for (line_id, amount, shipping_amount, quantity, reason) in planned {
            self.refund_seq += 1;
            let refund_id = self.refund_seq.to_string();
            let order_id = line_id
                .rsplit_once('-')
                .map(|(o, _)| o.to_owned())
                .unwrap_or_default();
            if let Some(order) = self.orders.get_mut(&order_id) {
                order.last_updated = now;
                if let Some(line) = order.lines.iter_mut().find(|l| l.id == line_id) {
                    line.refunds.push(Refund {
                        id: refund_id.clone(),
                        amount,
                        shipping_amount,
                        quantity,
                        reason_code: reason.clone(),
                        created: now,
                    });
                    line.last_updated = now;
                    if line.refunded_quantity() >= line.quantity
                        || line.refunded_amount() >= line.price()
                    {
                        line.state = OrderState::Refunded;
                    }
                }
            }
            answered.push(json!({
                "amount": amount.to_string(),
                "order_line_id": line_id,
                "order_refund_id": refund_id,
                "quantity": quantity,
                "reason_code": reason,
                "refund_id": refund_id,
                "shipping_amount": shipping_amount.to_string(),
            }));
        }
        Ok(answered)
    }

    /// OR04: updates seller references; errors are reported per order.
    pub(crate) fn update_orders(&mut self, orders: &[Value], now: OffsetDateTime) -> Vec<Value> {
        orders
            .iter()
            .map(|o| {
                let id = o.get("order_id").and_then(Value::as_str).unwrap_or_default().to_owned();
                let reference = o
                    .get("references")
                    .and_then(|r| r.get("order_reference_for_seller"))
                    .and_then(Value::as_str)
                    .map(str::to_owned);
                match self.orders.get_mut(&id) {
                    Some(order) => {
                        if let Some(reference) = &reference {
                            order.reference_for_seller = Some(reference.clone());
                            order.last_updated = now;
                        }
                        json!({
                            "errors": [],
                            "order_id": id,
                            "updated": { "references": { "order_reference_for_seller": order.reference_for_seller } },
                        })
                    }
                    None => json!({
                        "errors": [{ "code": "ORDER_NOT_FOUND", "field": "order_id",
                                     "message": format!("The order {id} was not found") }],
                        "order_id": id,
                    }),
                }
            })
            .collect()
    }

    /// OR11: filtered, sorted, one page, plus the total count.
    pub(crate) fn list_orders(&self, f: &OrderFilter) -> (Vec<&Order>, usize) {
        let mut matching: Vec<&Order> = self
            .orders
            .values()
            .filter(|o| f.order_ids.as_ref().is_none_or(|ids| ids.contains(&o.id)))
            .filter(|o| {
                f.states
                    .as_ref()
                    .is_none_or(|s| s.iter().any(|s| s == o.state.as_str()))
            })
            .filter(|o| f.start_date.is_none_or(|d| o.created >= d))
            .filter(|o| f.end_date.is_none_or(|d| o.created <= d))
            .filter(|o| f.start_update_date.is_none_or(|d| o.last_updated >= d))
            .filter(|o| f.end_update_date.is_none_or(|d| o.last_updated <= d))
            .filter(|o| {
                f.references_for_seller.as_ref().is_none_or(|r| {
                    o.reference_for_seller
                        .as_ref()
                        .is_some_and(|x| r.contains(x))
                })
            })
            .filter(|o| {
                f.references_for_customer.as_ref().is_none_or(|r| {
                    o.reference_for_customer
                        .as_ref()
                        .is_some_and(|x| r.contains(x))
                })
            })
            .filter(|o| {
                f.customer_debited
                    .is_none_or(|d| o.customer_debited_date.is_some() == d)
            })
            .collect();
        matching.sort_by(|a, b| {
            let key = |o: &Order| {
                if f.sort_by_update {
                    o.last_updated
                } else {
                    o.created
                }
            };
            key(a).cmp(&key(b)).then_with(|| a.id.cmp(&b.id))
        });
        if f.descending {
            matching.reverse();
        }
        let total = matching.len();
        let page = matching.into_iter().skip(f.offset).take(f.max).collect();
        (page, total)
    }
}

/// What an offer line did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Change {
    Inserted,
    Updated,
    Deleted,
}

fn record(outcome: &mut Outcome, line: usize, cells: Vec<String>, result: Result<Change, String>) {
    match result {
        Ok(change) => {
            outcome.succeed_line();
            match change {
                Change::Inserted => outcome.inserted += 1,
                Change::Updated => outcome.updated += 1,
                Change::Deleted => outcome.deleted += 1,
            }
        }
        Err(message) => outcome.fail_line(line, cells, message),
    }
}

fn debit(order: &mut Order, at: OffsetDateTime) {
    order.state = OrderState::Shipping;
    order.customer_debited_date = Some(at);
    order.shipping_deadline =
        Some(at + Duration::from_secs(u64::from(order.leadtime_to_ship) * 86_400));
    order.last_updated = at;
    for line in &mut order.lines {
        if line.state == OrderState::WaitingDebit {
            line.state = OrderState::Shipping;
            line.debited_date = Some(at);
            line.last_updated = at;
        }
    }
}

/// Takes up to `quantity` units from the offer (warehouses first, in code order). Returns how
/// many were taken.
/// `(order id, units)` of the accepted lines of `sku` in orders not shipped yet.
fn open_order_units(orders: &BTreeMap<String, Order>, sku: &str) -> Vec<(String, u32)> {
    orders
        .values()
        .filter(|o| matches!(o.state, OrderState::WaitingDebit | OrderState::Shipping))
        .filter_map(|o| {
            let units: u32 = o
                .lines
                .iter()
                .filter(|l| l.offer_sku == sku)
                .filter(|l| matches!(l.state, OrderState::WaitingDebit | OrderState::Shipping))
                .map(|l| l.quantity.saturating_sub(l.canceled_quantity))
                .sum();
            (units > 0).then(|| (o.id.clone(), units))
        })
        .collect()
}

fn take_stock(offer: &mut Offer, quantity: u32, now: OffsetDateTime) -> u32 {
    let taken = quantity.min(offer.quantity);
    if offer.warehouses.is_empty() {
        offer.quantity -= taken;
    } else {
        let mut left = taken;
        for q in offer.warehouses.values_mut() {
            let t = left.min(*q);
            *q -= t;
            left -= t;
        }
        offer.quantity = offer.warehouses.values().sum();
    }
    offer.last_updated = now;
    taken
}

fn decimal_field(value: &Value, key: &str) -> Result<Option<Decimal>, ApiError> {
    let bad = || {
        ApiError::bad_request(format!(
            "Error with field {key}. Please check the field datatype."
        ))
    };
    match value.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => n
            .to_string()
            .parse::<Decimal>()
            .map(Some)
            .map_err(|_| bad()),
        Some(Value::String(s)) => s.trim().parse::<Decimal>().map(Some).map_err(|_| bad()),
        Some(_) => Err(bad()),
    }
}

enum ExportItem {
    Live(Box<Offer>),
    Deleted(String, u64, OffsetDateTime),
}

impl ExportItem {
    fn json(&self, at: OffsetDateTime, terms: &ShippingTerms) -> Value {
        match self {
            ExportItem::Live(o) => {
                // the OF54 JSON shape of the seller OpenAPI: `prices[]` with `origin_price`,
                // `discount_price` and `volume_prices`; the default price has no `context`
                let current = o.current_price(at);
                let discount_active = current != o.price;
                let discount = o.discount.as_ref().filter(|_| discount_active);
                let mut tier =
                    json!({ "quantity_threshold": 1, "unit_origin_price": Money(o.price) });
                let mut price = json!({ "origin_price": Money(o.price) });
                if let Some(d) = discount {
                    tier["unit_discount_price"] = json!(Money(d.price));
                    price["discount_price"] = json!(Money(d.price));
                    if let Some(start) = d.start {
                        price["discount_start_date"] = json!(iso(start));
                    }
                    if let Some(end) = d.end {
                        price["discount_end_date"] = json!(iso(end));
                    }
                }
                price["volume_prices"] = json!([tier]);
                let fields: Vec<Value> = o
                    .additional_fields
                    .iter()
                    .map(|(code, value)| json!({ "code": code, "type": "STRING", "value": value }))
                    .collect();
                let mut item = json!({
                    "active": o.inactivity_reasons(at).is_empty(),
                    "currency_iso_code": terms.currency,
                    "date_created": iso(o.date_created),
                    "deleted": false,
                    "description": o.description,
                    "last_updated": iso(o.last_updated),
                    "leadtime_to_ship": o.leadtime_to_ship.unwrap_or(terms.default_leadtime),
                    "offer_additional_fields": fields,
                    "offer_id": o.offer_id,
                    "prices": [price],
                    "product_sku": o.product.sku,
                    "quantity": o.quantity,
                    "shop_sku": o.shop_sku,
                    "state_code": o.state_code,
                });
                if let Some(class) = &o.logistic_class {
                    item["logistic_class"] = json!({ "code": class });
                }
                item
            }
            ExportItem::Deleted(sku, id, when) => json!({
                "deleted": true,
                "last_updated": iso(*when),
                "offer_id": id,
                "shop_sku": sku,
            }),
        }
    }
}

fn export_csv(items: &[ExportItem], at: OffsetDateTime, terms: &ShippingTerms) -> String {
    let mut writer = csv::WriterBuilder::new()
        .delimiter(b';')
        .from_writer(Vec::new());
    let _ = writer.write_record([
        "offer-id",
        "shop-sku",
        "product-sku",
        "quantity",
        "price",
        "origin-price",
        "discount-price",
        "currency-iso-code",
        "state-code",
        "active",
        "deleted",
        "last-updated",
    ]);
    for item in items {
        let record: Vec<String> = match item {
            ExportItem::Live(o) => vec![
                o.offer_id.to_string(),
                o.shop_sku.clone(),
                o.product.sku.clone(),
                o.quantity.to_string(),
                o.current_price(at).to_string(),
                o.price.to_string(),
                o.discount
                    .as_ref()
                    .map(|d| d.price.to_string())
                    .unwrap_or_default(),
                terms.currency.clone(),
                o.state_code.clone(),
                o.inactivity_reasons(at).is_empty().to_string(),
                "false".into(),
                iso(o.last_updated),
            ],
            ExportItem::Deleted(sku, id, when) => vec![
                id.to_string(),
                sku.clone(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                "false".into(),
                "true".into(),
                iso(*when),
            ],
        };
        let _ = writer.write_record(&record);
    }
    writer
        .into_inner()
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mirakl::{Customer, NewOrderLine, OfferSeed};

    const HOUR: Duration = Duration::from_secs(3600);

    fn state_with_offer(t0: OffsetDateTime) -> State {
        let mut state = State::new(MiraklConfig {
            acceptance_delay: HOUR,
            debit_delay: HOUR,
            ..MiraklConfig::default()
        });
        state.seed_offer(
            OfferSeed {
                shop_sku: "A".into(),
                ean: None,
                title: "A".into(),
                price: Decimal::ONE,
                quantity: 5,
            },
            t0,
        );
        state
    }

    fn new_order() -> NewOrder {
        NewOrder {
            customer: Customer::default(),
            lines: vec![NewOrderLine {
                shop_sku: "A".into(),
                quantity: 2,
                unit_price: Decimal::ONE,
                shipping_price: Decimal::ZERO,
            }],
            customer_reference: None,
        }
    }

    #[test]
    fn next_due_tracks_the_earliest_pending_event_and_refusal_is_dated_at_the_deadline() {
        let t0 = time::macros::datetime!(2024-01-01 00:00 UTC);
        let mut state = state_with_offer(t0);
        assert_eq!(state.next_due, None);
        let id = state.create_order(new_order(), t0).expect("order");
        assert_eq!(state.next_due, Some(t0 + HOUR));
        state.tick(t0 + HOUR / 2);
        assert_eq!(state.orders[&id].state, OrderState::WaitingAcceptance);
        state.tick(t0 + 3 * HOUR);
        let order = &state.orders[&id];
        assert_eq!(order.state, OrderState::Refused);
        assert_eq!(
            order.last_updated,
            t0 + HOUR,
            "refused at the deadline, not when observed"
        );
        assert_eq!(state.next_due, None);
    }

    #[test]
    fn applied_quantities_are_recorded_with_open_orders_and_the_probe_snapshot() {
        let t0 = time::macros::datetime!(2024-01-01 00:00 UTC);
        let mut state = state_with_offer(t0);
        let id = state.create_order(new_order(), t0).expect("order");
        state
            .accept(&id, &[(format!("{id}-1"), true)], t0)
            .expect("accepted");
        let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let log = seen.clone();
        state.fillable_probe = Some(super::super::FillableProbe(std::sync::Arc::new(
            move |sku: &str, open: &[(String, u32)]| {
                log.lock()
                    .expect("log")
                    .push((sku.to_owned(), open.to_vec()));
                (sku == "A").then_some(4)
            },
        )));
        let header: Vec<String> = ["offer-sku", "quantity"].map(String::from).to_vec();
        let rows = vec![Row {
            line: 2,
            cells: vec!["A".into(), "9".into()],
        }];
        let import = state.submit_import(
            ImportKind::Stock,
            ImportMode::Normal,
            false,
            Payload::Csv { header, rows },
            t0,
        );
        state.tick(t0 + HOUR);
        let history = &state.quantity_history;
        assert_eq!(history.len(), 1, "{history:?}");
        let h = &history[0];
        assert_eq!((h.shop_sku.as_str(), h.quantity), ("A", 9));
        assert_eq!((h.operation, h.import_id), ("STO01", import));
        assert_eq!(h.open_orders, vec![(id.clone(), 2)]);
        assert_eq!(h.fillable, Some(4));
        assert_eq!(seen.lock().expect("log").len(), 1);
    }

    #[test]
    fn acceptance_schedules_the_debit_and_takes_stock() {
        let t0 = time::macros::datetime!(2024-01-01 00:00 UTC);
        let mut state = state_with_offer(t0);
        let id = state.create_order(new_order(), t0).expect("order");
        state
            .accept(&id, &[(format!("{id}-1"), true)], t0 + HOUR / 2)
            .expect("accepted");
        assert_eq!(state.offers["A"].quantity, 3);
        // The stale acceptance deadline triggers one scan, which finds the debit.
        state.tick(t0 + HOUR);
        assert_eq!(state.orders[&id].state, OrderState::WaitingDebit);
        assert_eq!(state.next_due, Some(t0 + HOUR / 2 + HOUR));
        state.tick(t0 + 2 * HOUR);
        let order = &state.orders[&id];
        assert_eq!(order.state, OrderState::Shipping);
        assert_eq!(order.customer_debited_date, Some(t0 + HOUR / 2 + HOUR));
        assert_eq!(order.documents.len(), 1, "delivery bill at debit");
        let unknown = state.accept("nope", &[], t0).expect_err("unknown order");
        assert_eq!(unknown.status, 404);
    }
}
