//! What the flows know about the BigCommerce catalog: reading it (paged, with price lists
//! and location inventory when configured) into a `sync-core` catalog, and the last view of
//! each SKU (product, on-hand stock, desired offer) that orders use for links, stock checks
//! and expected prices. Its state is a cache of reads: it has its own small lock.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Arc, Mutex};

use bigcommerce_api::catalog::{Product, ProductId, VariantId};
use sync_core::ShopSku;
use sync_core::catalog::Catalog;
use sync_core::offers::{self, DesiredOffer, OfferProblem};
use time::OffsetDateTime;

use crate::context::{Shared, lock};
use crate::error::Result;
use crate::orders::OrderBook;

/// Most desired offers kept for orders between reads (see `CatalogCache::desired`).
const DESIRED_CACHE: usize = 10_000;

/// One SKU as last read.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SkuInfo {
    pub(crate) product_id: u64,
    pub(crate) on_hand: i64,
}

#[derive(Default)]
struct CatalogCache {
    /// SKU → product and stock, from the last catalog read.
    skus: BTreeMap<ShopSku, SkuInfo>,
    /// Desired offers of the products read one by one (changed products, the SKUs of
    /// orders), for links and expected prices; at most [`DESIRED_CACHE`] (full reads do
    /// not fill it, so memory does not grow with the catalog).
    desired: BTreeMap<ShopSku, DesiredOffer>,
    /// Store currency.
    currency: Option<String>,
    /// Whether the store's prices are entered with tax (`/v2/store`), for the tax-basis
    /// conversion of sync-core's `desired()`.
    prices_with_tax: Option<bool>,
    /// Whether `/v2/store` was read (the two fields above hold its answer).
    store_read: bool,
    /// `date_modified` of each product as last read, so the fallback poll only marks
    /// products that changed since (not every product in its overlap window).
    modified: HashMap<u64, OffsetDateTime>,
}

pub(crate) struct CatalogReader {
    shared: Arc<Shared>,
    book: Arc<OrderBook>,
    cache: Mutex<CatalogCache>,
}

impl CatalogReader {
    pub(crate) fn new(shared: Arc<Shared>, book: Arc<OrderBook>) -> CatalogReader {
        CatalogReader {
            shared,
            book,
            cache: Mutex::new(CatalogCache::default()),
        }
    }

    pub(crate) fn sku(&self, sku: &ShopSku) -> Option<SkuInfo> {
        lock(&self.cache).skus.get(sku).copied()
    }

    pub(crate) fn desired(&self) -> BTreeMap<ShopSku, DesiredOffer> {
        lock(&self.cache).desired.clone()
    }

    pub(crate) fn modified(&self, product_id: u64) -> Option<OffsetDateTime> {
        lock(&self.cache).modified.get(&product_id).copied()
    }

    pub(crate) async fn store_currency(&self) -> Result<Option<String>> {
        Ok(self.store_settings().await?.0)
    }

    /// The store's currency and whether its prices are entered with tax, read from
    /// `/v2/store` once per process.
    async fn store_settings(&self) -> Result<(Option<String>, Option<bool>)> {
        {
            let cache = lock(&self.cache);
            if cache.store_read {
                return Ok((cache.currency.clone(), cache.prices_with_tax));
            }
        }
        let info = self.shared.bc.store().info().await?;
        let mut cache = lock(&self.cache);
        cache.currency = info.currency.clone();
        cache.prices_with_tax = info.prices_entered_with_tax();
        cache.store_read = true;
        Ok((cache.currency.clone(), cache.prices_with_tax))
    }

    /// Reads products (all of them, or only `ids`) with their variants, page by page,
    /// calling `progress(read, total)` after each page.
    pub(crate) async fn read_products(
        &self,
        ids: Option<&BTreeSet<u64>>,
        progress: &(dyn Fn(u64, u64) + Send + Sync),
    ) -> Result<Vec<Product>> {
        let opts = &self.shared.opts;
        let mut out = Vec::new();
        let chunks: Vec<Option<Vec<u64>>> = match ids {
            None => vec![None],
            Some(ids) => ids
                .iter()
                .copied()
                .collect::<Vec<_>>()
                .chunks(opts.bc_page_size.clamp(1, 250) as usize)
                .map(|c| Some(c.to_vec()))
                .collect(),
        };
        for chunk in chunks {
            let mut page = 1u32;
            loop {
                let mut list = self
                    .shared
                    .bc
                    .products()
                    .list()
                    .include_variants()
                    .include_custom_fields()
                    .limit(opts.bc_page_size)
                    .page(page);
                if let Some(ids) = &chunk {
                    list = list.ids(ids.iter().map(|i| ProductId(*i)));
                }
                let p = list.send().await?;
                {
                    let mut cache = lock(&self.cache);
                    for prod in &p.items {
                        if let Some(d) = prod.date_modified {
                            cache.modified.insert(prod.id.0, d);
                        }
                    }
                }
                let total = p.pagination.as_ref().map_or(0, |m| m.total);
                let empty = p.items.is_empty();
                out.extend(p.items);
                progress(out.len() as u64, total.max(out.len() as u64));
                match p.next_page {
                    Some(n) if !empty && n > page => page = n,
                    _ => break,
                }
            }
        }
        Ok(out)
    }

    /// Builds the `sync-core` catalog from products, with the units held by open Mirakl orders
    /// not yet created in BigCommerce. With a price list, the variants' prices come from it
    /// (records in the store currency); with location inventory, their stock is
    /// `available_to_sell` summed over the enabled inventory locations.
    pub(crate) async fn catalog_of(
        &self,
        products: &[Product],
        currency: Option<&str>,
    ) -> Result<Catalog> {
        self.catalog_of_held(products, currency, None).await
    }

    /// [`CatalogReader::catalog_of`] with the held units already read (`held`), when given.
    async fn catalog_of_held(
        &self,
        products: &[Product],
        currency: Option<&str>,
        held: Option<BTreeMap<ShopSku, u64>>,
    ) -> Result<Catalog> {
        use bigcommerce_api::pricelists::PriceListId;
        const CHUNK: usize = 100;
        let opts = &self.shared.opts;
        let mut catalog = Catalog::from_products(products, currency);
        // The rules' tax basis converts prices only when the store's basis is known.
        catalog.prices_include_tax = self.store_settings().await?.1;
        catalog.held = match held {
            Some(h) => h,
            None => crate::fleet::held_units(&self.shared, &self.book, None, None).await?,
        };
        if let (Some(list), Some(cur)) = (opts.price_list_id, currency) {
            let variants: Vec<VariantId> = products
                .iter()
                .flat_map(|p| p.variants.iter().map(|v| v.id))
                .collect();
            let mut records = Vec::new();
            for chunk in variants.chunks(CHUNK) {
                records.extend(
                    self.shared
                        .bc
                        .price_lists()
                        .records(PriceListId(list))
                        .variant_ids(chunk.iter().copied())
                        .currency(cur)
                        .all()
                        .await?,
                );
            }
            catalog.add_price_records(&records, cur);
        }
        if opts.location_inventory {
            let ids: Vec<ProductId> = products.iter().map(|p| p.id).collect();
            let mut items = Vec::new();
            for chunk in ids.chunks(CHUNK) {
                items.extend(
                    self.shared
                        .bc
                        .inventory()
                        .items()
                        .product_ids(chunk.iter().copied())
                        .all()
                        .await?,
                );
            }
            catalog.add_inventory(&items);
        }
        Ok(catalog)
    }

    /// Reads `ids` (or the whole catalog), builds the desired offers and remembers them.
    pub(crate) async fn desired_of(
        &self,
        ids: Option<&BTreeSet<u64>>,
        progress: &(dyn Fn(u64, u64) + Send + Sync),
    ) -> Result<(BTreeMap<ShopSku, DesiredOffer>, Vec<OfferProblem>, Catalog)> {
        let currency = self.store_currency().await?;
        let products = self.read_products(ids, progress).await?;
        let catalog = self.catalog_of(&products, currency.as_deref()).await?;
        let (desired, problems) = offers::desired(&catalog, &self.shared.rules);
        self.remember(&catalog, &desired, &problems, ids.is_some());
        Ok((desired, problems, catalog))
    }

    /// Reads the whole catalog a page at a time: the desired offers and problems of each
    /// page of products (with their variants), so a full reconciliation never holds the
    /// catalog.
    pub(crate) fn pages(&self) -> DesiredPages<'_> {
        DesiredPages {
            reader: self,
            next: Some(1),
            read: 0,
            held: None,
            currency: None,
        }
    }

    /// Remembers SKUs, stock and desired offers of a read, and counts its problems.
    fn remember(
        &self,
        catalog: &Catalog,
        desired: &BTreeMap<ShopSku, DesiredOffer>,
        problems: &[OfferProblem],
        remember_desired: bool,
    ) {
        let mut cache = lock(&self.cache);
        for p in &catalog.products {
            let items: Vec<(Option<&String>, Option<i64>)> = if p.variants.is_empty() {
                vec![(p.sku.as_ref(), p.inventory_level)]
            } else {
                p.variants
                    .iter()
                    .map(|v| {
                        (
                            v.sku.as_ref(),
                            catalog
                                .inventory
                                .get(&v.id)
                                .copied()
                                .or(v.inventory_level)
                                .or(p.inventory_level),
                        )
                    })
                    .collect()
            };
            for (sku, level) in items {
                if let Some(sku) = sku.and_then(|s| ShopSku::new(s).ok()) {
                    cache.skus.insert(
                        sku,
                        SkuInfo {
                            product_id: p.id,
                            on_hand: level.unwrap_or(0),
                        },
                    );
                }
            }
        }
        if remember_desired {
            if cache.desired.len() + desired.len() > DESIRED_CACHE {
                // orders re-read the SKUs they need (`refresh_skus`) and resolve unknown
                // ones through BigCommerce: the cache only saves reads, it can start over
                cache.desired.clear();
            }
            for (k, v) in desired {
                cache.desired.insert(k.clone(), v.clone());
            }
        } else {
            // a full read refreshes the entries already cached, and adds none
            for (k, v) in desired {
                if let Some(d) = cache.desired.get_mut(k) {
                    d.clone_from(v);
                }
            }
        }
        drop(cache);
        let mut counters = self.shared.counters();
        for p in problems {
            let key = p.sku.as_ref().map_or_else(
                || {
                    format!(
                        "product {} variant {:?}",
                        p.source.product_id, p.source.variant_id
                    )
                },
                |s| s.as_str().to_owned(),
            );
            counters.problems.insert(key, p.reason.to_string());
        }
    }

    /// Re-reads the BigCommerce products of `skus` (finding the products of SKUs not seen
    /// yet, e.g. right after a restart, by a variant look-up), so stock, prices and links of
    /// those SKUs are current.
    pub(crate) async fn refresh_skus(&self, skus: &BTreeSet<ShopSku>) -> Result<()> {
        let (mut products, unknown): (BTreeSet<u64>, Vec<ShopSku>) = {
            let cache = lock(&self.cache);
            let mut known = BTreeSet::new();
            let mut unknown = Vec::new();
            for s in skus {
                match cache.skus.get(s) {
                    Some(i) => {
                        known.insert(i.product_id);
                    }
                    None => unknown.push(s.clone()),
                }
            }
            (known, unknown)
        };
        for s in unknown {
            let found = self
                .shared
                .bc
                .variants()
                .list()
                .sku(s.as_str())
                .all()
                .await?;
            products.extend(found.iter().map(|v| v.product_id.0));
        }
        if products.is_empty() {
            return Ok(());
        }
        self.desired_of(Some(&products), &|_, _| {}).await?;
        Ok(())
    }
}

/// The whole catalog a page at a time ([`CatalogReader::pages`]).
pub(crate) struct DesiredPages<'a> {
    reader: &'a CatalogReader,
    next: Option<u32>,
    read: u64,
    held: Option<BTreeMap<ShopSku, u64>>,
    currency: Option<Option<String>>,
}

impl DesiredPages<'_> {
    /// The desired offers and problems of the next page of products, `None` after the last.
    pub(crate) async fn next(
        &mut self,
        progress: &(dyn Fn(u64, u64) + Send + Sync),
    ) -> Result<Option<(BTreeMap<ShopSku, DesiredOffer>, Vec<OfferProblem>)>> {
        let Some(page) = self.next else {
            return Ok(None);
        };
        let r = self.reader;
        let currency = match &self.currency {
            Some(c) => c.clone(),
            None => {
                let c = r.store_currency().await?;
                self.currency = Some(c.clone());
                c
            }
        };
        let p = r
            .shared
            .bc
            .products()
            .list()
            .include_variants()
            .include_custom_fields()
            .limit(r.shared.opts.bc_page_size)
            .page(page)
            .send()
            .await?;
        {
            let mut cache = lock(&r.cache);
            for prod in &p.items {
                if let Some(d) = prod.date_modified {
                    cache.modified.insert(prod.id.0, d);
                }
            }
        }
        let total = p.pagination.as_ref().map_or(0, |m| m.total);
        self.read += p.items.len() as u64;
        progress(self.read, total.max(self.read));
        self.next = match p.next_page {
            Some(n) if !p.items.is_empty() && n > page => Some(n),
            _ => None,
        };
        let catalog = r
            .catalog_of_held(&p.items, currency.as_deref(), self.held.clone())
            .await?;
        drop(p);
        if self.held.is_none() {
            self.held = Some(catalog.held.clone());
        }
        let (desired, problems) = offers::desired(&catalog, &r.shared.rules);
        r.remember(&catalog, &desired, &problems, false);
        Ok(Some((desired, problems)))
    }
}
