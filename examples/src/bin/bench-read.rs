//! `bench-read`: reads every product of a BigCommerce store with its variants
//! (`GET /v3/catalog/products?include=variants&limit=250`) through `bigcommerce-api`, and
//! prints one JSON line: wall time, products, variants, requests, pages and 429s.
//!
//! It is one side of the read benchmark `benches/bench-read.py`, which runs it and the
//! official Python client against the same `sync-sandbox` and compares them; see the README's
//! performance section. Not a timed test.
//!
//! ```text
//! bench-read --base-url http://127.0.0.1:8081/ --store-hash sandbox1 \
//!            --token sandbox-bc-access-token [--pages-in-flight 4]
//! ```

use std::process::ExitCode;
use std::time::Instant;

use bigcommerce_api::{Client, Credentials};
use clap::Parser;
use futures::TryStreamExt;

/// Reads the whole catalog once and reports what it cost.
#[derive(Debug, Parser)]
#[command(name = "bench-read", version, about)]
struct Args {
    /// API host of the store (the sandbox's base URL).
    #[arg(long)]
    base_url: String,
    /// Store hash.
    #[arg(long)]
    store_hash: String,
    /// Access token.
    #[arg(long)]
    token: String,
    /// Pages fetched at once (1 = one after another).
    #[arg(long, default_value_t = 4)]
    pages_in_flight: usize,
    /// Page size (BigCommerce's maximum is 250).
    #[arg(long, default_value_t = 250)]
    limit: u32,
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    let client = Credentials::new(&args.store_hash, args.token.as_str())
        .map_err(|e| e.to_string())
        .and_then(|c| {
            Client::builder(c)
                .base_url(&args.base_url)
                .and_then(|b| b.pages_in_flight(args.pages_in_flight).build())
                .map_err(|e| e.to_string())
        });
    let client = match client {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let started = Instant::now();
    let mut products = 0u64;
    let mut variants = 0u64;
    let read = client
        .products()
        .list()
        .include_variants()
        .limit(args.limit)
        .stream()
        .try_for_each(|p| {
            products += 1;
            variants += p.variants.len() as u64;
            futures::future::ready(Ok(()))
        })
        .await;
    let wall = started.elapsed();
    if let Err(e) = read {
        eprintln!("error: {e}");
        return ExitCode::FAILURE;
    }
    // Every request is a page or the retry of one after a 429 (the sandbox injects no
    // other fault unless asked to).
    let requests: u64 = client.call_counts().values().sum();
    let pages = products.div_ceil(u64::from(args.limit.max(1))).max(1);
    println!(
        "{}",
        serde_json::json!({
            "client": "bigcommerce-api (Rust)",
            "wall_s": wall.as_secs_f64(),
            "products": products,
            "variants": variants,
            "requests": requests,
            "pages": pages,
            "status_429": requests.saturating_sub(pages),
            "pages_in_flight": args.pages_in_flight,
        })
    );
    ExitCode::SUCCESS
}
