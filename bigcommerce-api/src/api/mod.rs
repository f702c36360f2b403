//! Resource handlers: one per resource, each owning a cheap clone of the [`Client`].
//!
//! | handler | from | endpoints |
//! |---|---|---|
//! | [`Products`] | [`Client::products`] | `/v3/catalog/products` list, get, create, update, batch update (10 per call), delete; per product: images (list, add by URL or upload a file as `multipart/form-data` — one per call, 1,000 per product, 8 MB each —, update, delete), custom fields, bulk pricing rules (list, create, update, delete), options and option values (list, create, update, delete), modifiers and modifier values (list, create, update, delete), metafields |
//! | [`Variants`] | [`Client::variants`] | `/v3/catalog/variants` list (declared filters: `id`, `sku`, `upc`, `product_id:in`), find by SKU / ids, batch update (50 per call); per-product list, get, update; metafields |
//! | [`Categories`] | [`Client::categories`] | `/v3/catalog/categories` list, get, metafields; `/v3/catalog/trees` list, upsert (50 per call), delete, one tree's nested categories; `/v3/catalog/trees/categories` list, create, update, delete |
//! | [`Brands`] | [`Client::brands`] | `/v3/catalog/brands` list, get, metafields |
//! | [`Channels`] | [`Client::channels`] | `/v3/channels` list, get, create, update; listings list (by `after`), get, create, update; currency assignments (all channels, one channel: get, create, update, delete) |
//! | [`Inventory`] | [`Client::inventory`] | `/v3/inventory/locations`, items, absolute / relative adjustments (2,000 per call) |
//! | [`PriceLists`] | [`Client::price_lists`] | `/v3/pricelists` list, get, records list, upsert (1,000 per call) |
//! | [`Orders`] | [`Client::orders`] | `/v2/orders` list, count, get, create, update, status, products, shipping addresses, coupons, taxes, messages, consignments; `/v2/order_statuses`; `/v3/orders/{id}/transactions`, refund quotes, refunds (create, list), metafields; `/v3/orders/payment_actions/refunds` list, get |
//! | [`Shipments`] | [`Client::shipments`] | `/v2/orders/{id}/shipments` list, get, create, update, delete |
//! | [`Webhooks`] | [`Client::webhooks`] | `/v3/hooks` list, get, create, update, delete |
//! | [`Store`] | [`Client::store`] | `/v2/store` (incl. whether prices are entered with tax), `/v2/time`, `/v3/settings/store/profile` get, update |
//! | [`Metafields`] | [`Orders::metafields`], [`Products::metafields`], [`Variants::metafields`], [`Categories::metafields`], [`Brands::metafields`] | list, get, create, update, delete |

#[cfg(doc)]
use crate::Client;

mod catalog;
mod channels;
mod inventory;
mod metafields;
mod orders;
mod pricelists;
mod store;
mod webhooks;

pub use catalog::{Brands, Categories, PRODUCTS_BATCH, Products, VARIANTS_BATCH, Variants};
pub use channels::Channels;
pub use inventory::Inventory;
pub use metafields::Metafields;
pub use orders::{Orders, Shipments};
pub use pricelists::PriceLists;
pub use store::Store;
pub use webhooks::Webhooks;

/// Sends `items` in chunks of `size`, one request per chunk, in order; stops at the first
/// error.
pub(crate) async fn in_chunks<I, O, F, Fut>(
    items: &[I],
    size: usize,
    mut send: F,
) -> crate::Result<Vec<O>>
where
    F: FnMut(&[I]) -> Fut,
    Fut: std::future::Future<Output = crate::Result<Vec<O>>>,
{
    let mut out = Vec::new();
    for chunk in items.chunks(size.max(1)) {
        out.extend(send(chunk).await?);
    }
    Ok(out)
}

/// Like [`in_chunks`] for catalog writes that may answer 207: the chunks' data in order and
/// every chunk's partial failures; the status is 207 when any chunk was partial.
pub(crate) async fn written_chunks<I, O, F, Fut>(
    items: &[I],
    size: usize,
    mut send: F,
) -> crate::Result<crate::Written<Vec<O>>>
where
    F: FnMut(&[I], usize) -> Fut,
    Fut: std::future::Future<Output = crate::Result<crate::Written<Vec<O>>>>,
{
    let size = size.max(1);
    let mut out = crate::Written {
        data: Vec::new(),
        status: 200,
        failures: Vec::new(),
    };
    for (n, chunk) in items.chunks(size).enumerate() {
        let w = send(chunk, n * size).await?;
        if w.status == 207 || out.status != 207 {
            out.status = w.status;
        }
        out.data.extend(w.data);
        out.failures.extend(w.failures);
    }
    Ok(out)
}
