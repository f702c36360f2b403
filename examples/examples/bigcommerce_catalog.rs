//! The BigCommerce client on its own: the store's first products with their variants' SKU,
//! price and stock.
//!
//! ```text
//! BIGCOMMERCE_STORE_HASH=… BIGCOMMERCE_ACCESS_TOKEN=… \
//!     cargo run -p examples --example bigcommerce_catalog
//! ```

use bigcommerce_api::{Client, Credentials};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let client = Client::builder(Credentials::from_env()?).build()?;
    let page = client
        .products()
        .list()
        .include_variants()
        .limit(5)
        .send()
        .await?;
    for product in &page.items {
        println!("{} {}", product.id.0, product.name);
        for v in &product.variants {
            println!(
                "  {:<20} price {:?} stock {:?}",
                v.sku.as_deref().unwrap_or("-"),
                v.price,
                v.inventory_level
            );
        }
    }
    Ok(())
}
