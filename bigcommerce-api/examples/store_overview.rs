//! A read-only tour of a store: who it is, whether it enters prices with tax, its channels,
//! a few products with their variants, and the orders awaiting fulfilment.
//!
//! ```text
//! BIGCOMMERCE_API_PATH=https://api.bigcommerce.com/stores/abc123/v3/ \
//! BIGCOMMERCE_ACCESS_TOKEN=... \
//! cargo run -p bigcommerce-api --example store_overview
//! ```
//!
//! Set `BIGCOMMERCE_BASE_URL` (e.g. `http://127.0.0.1:8080/`) to point it at a local stand-in
//! instead of `https://api.bigcommerce.com/`. Scopes needed (all read-only): Information &
//! Settings, Products, Orders, Channel Settings.

use bigcommerce_api::orders::OrderStatus;
use bigcommerce_api::{Client, Credentials};
use futures::TryStreamExt;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let credentials = Credentials::from_env().map_err(|e| {
        format!(
            "{e} (set BIGCOMMERCE_API_PATH or BIGCOMMERCE_STORE_HASH, and BIGCOMMERCE_ACCESS_TOKEN)"
        )
    })?;
    let mut builder = Client::builder(credentials).user_agent("bigcommerce-api-example/1.0");
    if let Ok(base) = std::env::var("BIGCOMMERCE_BASE_URL") {
        builder = builder.base_url(&base)?;
    }
    let client = builder.build()?;

    // 401/403 here means a wrong token, a wrong store hash or a missing scope.
    let store = client.verify().await?;
    println!(
        "store: {} ({})",
        store.name,
        store.domain.as_deref().unwrap_or("-")
    );
    match store.prices_entered_with_tax() {
        Some(true) => println!("catalog prices include tax"),
        Some(false) => println!("catalog prices exclude tax"),
        None => println!("the store does not say whether prices include tax"),
    }

    let channels = client.channels().list().all().await?;
    for c in &channels {
        println!(
            "channel {} {:?} {:?} on {}",
            c.id,
            c.name,
            c.channel_type,
            c.platform.as_deref().unwrap_or("-")
        );
    }

    let page = client
        .products()
        .list()
        .include_variants()
        .limit(5)
        .send()
        .await?;
    for p in &page.items {
        println!(
            "product {} {:?}: {} variant(s)",
            p.id,
            p.name,
            p.variants.len()
        );
    }

    let to_ship: Vec<_> = client
        .orders()
        .list()
        .status(OrderStatus::AwaitingFulfillment)
        .stream()
        .try_collect()
        .await?;
    println!("{} order(s) awaiting fulfilment", to_ship.len());
    println!("rate limit after these calls: {:?}", client.rate_limit());
    Ok(())
}
