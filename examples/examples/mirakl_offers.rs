//! The Mirakl client on its own: the shop's first offers (OF21) with price and quantity.
//!
//! ```text
//! MIRAKL_BASE_URL=https://your-instance.mirakl.net MIRAKL_API_KEY=… \
//!     cargo run -p examples --example mirakl_offers
//! ```

use futures::{StreamExt, TryStreamExt};
use mirakl_api::Client;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let base = std::env::var("MIRAKL_BASE_URL")?;
    let key = std::env::var("MIRAKL_API_KEY")?;
    let client = Client::builder(base.as_str()).api_key(key).build()?;
    let offers: Vec<_> = client
        .offers()
        .list()
        .max(10)
        .stream()
        .take(10)
        .try_collect()
        .await?;
    for o in &offers {
        println!(
            "{:<24} price {:?} qty {:?}",
            o.shop_sku.as_str(),
            o.price,
            o.quantity
        );
    }
    Ok(())
}
