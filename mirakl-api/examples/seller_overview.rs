//! A seller's morning check: orders waiting for acceptance (OR11), shipments still to ship
//! (ST11), open returns (RT11) and unread inbox threads (M11).
//!
//! ```text
//! MIRAKL_URL=https://yourmarketplace.mirakl.net MIRAKL_API_KEY=... \
//!     cargo run -p mirakl-api --example seller_overview
//! ```
//!
//! Without `MIRAKL_URL` and `MIRAKL_API_KEY` it prints the requests it would send instead,
//! so it runs anywhere.

use futures::TryStreamExt;
use mirakl_api::orders::OrderState;
use mirakl_api::{Client, Error};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    let url = std::env::var("MIRAKL_URL").ok();
    let key = std::env::var("MIRAKL_API_KEY").ok();
    let online = url.is_some() && key.is_some();
    let client = Client::builder(url.unwrap_or_else(|| "https://marketplace.example".into()))
        .api_key(key.unwrap_or_else(|| "offline".into()))
        .user_agent("mirakl-api-example/1.0")
        .build()?;

    let waiting = client
        .orders()
        .list()
        .states([OrderState::WaitingAcceptance])
        .max(50);
    let shipments = client
        .shipments()
        .list()?
        .shipment_state_code(["SHIPPING"])
        .limit(50);
    let returns = client
        .returns()
        .list()?
        .return_state(["WAITING_ACCEPTANCE"]);
    let threads = client.messages().threads()?.limit(20);

    if !online {
        println!("MIRAKL_URL / MIRAKL_API_KEY not set: the requests this example sends are");
        for spec in [
            waiting.request(0)?,
            shipments.spec()?,
            returns.spec()?,
            threads.spec()?,
        ] {
            let query: Vec<String> = spec.query.iter().map(|(k, v)| format!("{k}={v}")).collect();
            println!(
                "  {} {:<6} /{}?{}",
                spec.operation.unwrap_or("-"),
                spec.method,
                spec.path,
                query.join("&")
            );
        }
        return Ok(());
    }

    let orders: Vec<_> = waiting.stream().try_collect().await?;
    println!("{} orders wait for acceptance", orders.len());
    let shipments: Vec<_> = shipments.stream().try_collect().await?;
    println!("{} shipments to ship", shipments.len());
    let returns = returns.send().await?;
    println!("{} returns to accept (first page)", returns.items.len());
    let threads = threads.send().await?;
    for t in &threads.items {
        println!(
            "thread {:?}: {:?}",
            t.id,
            t.topic.as_ref().and_then(|t| t.value.clone())
        );
    }
    Ok(())
}
