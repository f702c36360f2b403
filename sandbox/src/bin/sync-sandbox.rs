//! Runs the BigCommerce and Mirakl stand-ins standalone, on chosen ports, loaded with a
//! deterministic demo catalog, until the process is stopped (Ctrl-C).
//!
//! Every request is checked against the request contracts derived from the official documents
//! (see `sync_sandbox::contract`); each stand-in reports the violations it recorded at
//! `GET /__sandbox/contract-violations` (`{"count": N, "violations": [...]}`), so another process
//! (the `sync` demo) can read the count.
//!
//! ```text
//! sync-sandbox [--bc-port 8081] [--mirakl-port 8082] [--seed 1] [--products 100]
//!              [--variants 3] [--faults 0.0] [--seed-offers] [--orders 0]
//!              [--latency-ms 0] [--rate-limit off|standard|pro]
//! ```

use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Instant;

use sync_sandbox::bigcommerce::{BigCommerceConfig, RateLimitConfig};
use sync_sandbox::demo::DemoCatalog;
use sync_sandbox::mirakl::{MiraklConfig, OfferSeed, order_catalog};
use sync_sandbox::{BigCommerceSandbox, FaultConfig, MiraklSandbox};

const USAGE: &str =
    "usage: sync-sandbox [--bc-port N] [--mirakl-port N] [--seed N] [--products N] \
[--variants N] [--faults SHARE] [--seed-offers] [--orders N] [--latency-ms N] \
[--rate-limit off|standard|pro]

  --bc-port N      port of the BigCommerce stand-in (default 8081; 0 = any free port)
  --mirakl-port N  port of the Mirakl stand-in (default 8082; 0 = any free port)
  --seed N         demo data seed (default 1)
  --products N     demo products (default 100)
  --variants N     variants per product (default 3)
  --faults SHARE   share of requests (0..1) answered with an injected fault (default 0)
  --seed-offers    also create the demo SKUs as Mirakl offers
  --orders N       place N scripted Mirakl orders (needs --seed-offers)
  --latency-ms N   simulated network latency added to every request of both stand-ins
                   (default 0; half before the handler, half after)
  --rate-limit Q   BigCommerce quota: standard (150 requests / 30 s, the default),
                   pro (450 / 30 s) or off";

struct Args {
    bc_port: u16,
    mirakl_port: u16,
    seed: u64,
    products: usize,
    variants: usize,
    faults: f64,
    seed_offers: bool,
    orders: usize,
    latency_ms: u64,
    rate_limit: RateLimitConfig,
}

fn parse(args: impl Iterator<Item = String>) -> Result<Args, String> {
    let mut out = Args {
        bc_port: 8081,
        mirakl_port: 8082,
        seed: 1,
        products: 100,
        variants: 3,
        faults: 0.0,
        seed_offers: false,
        orders: 0,
        latency_ms: 0,
        rate_limit: RateLimitConfig::standard(),
    };
    let mut args = args.peekable();
    while let Some(flag) = args.next() {
        if flag == "--seed-offers" {
            out.seed_offers = true;
            continue;
        }
        if flag == "--help" || flag == "-h" {
            return Err(String::new());
        }
        let value = args.next().ok_or_else(|| format!("{flag} needs a value"))?;
        let bad = |_| format!("{flag}: invalid value {value:?}");
        match flag.as_str() {
            "--bc-port" => out.bc_port = value.parse().map_err(bad)?,
            "--mirakl-port" => out.mirakl_port = value.parse().map_err(bad)?,
            "--seed" => out.seed = value.parse().map_err(bad)?,
            "--products" => out.products = value.parse().map_err(bad)?,
            "--variants" => out.variants = value.parse().map_err(bad)?,
            "--orders" => out.orders = value.parse().map_err(bad)?,
            "--latency-ms" => out.latency_ms = value.parse().map_err(bad)?,
            "--rate-limit" => {
                out.rate_limit = match value.as_str() {
                    "standard" => RateLimitConfig::standard(),
                    "pro" => RateLimitConfig::pro(),
                    "off" => RateLimitConfig::unlimited(),
                    _ => return Err(format!("{flag}: off, standard or pro, not {value:?}")),
                }
            }
            "--faults" => {
                out.faults = value
                    .parse()
                    .map_err(|_| format!("{flag}: invalid value {value:?}"))?;
                if !(0.0..=1.0).contains(&out.faults) {
                    return Err(format!("{flag}: must be between 0 and 1"));
                }
            }
            other => return Err(format!("unknown argument {other}")),
        }
    }
    if out.orders > 0 && !out.seed_offers {
        return Err("--orders needs --seed-offers".into());
    }
    Ok(out)
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = match parse(std::env::args().skip(1)) {
        Ok(args) => args,
        Err(message) => {
            if !message.is_empty() {
                eprintln!("error: {message}");
            }
            eprintln!("{USAGE}");
            return if message.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(2)
            };
        }
    };
    let started = Instant::now();
    let catalog = DemoCatalog::generate(args.seed, args.products, args.variants);
    let faults = FaultConfig::uniform(args.seed, args.faults)
        .with_latency(std::time::Duration::from_millis(args.latency_ms));

    let bc = match BigCommerceSandbox::start(BigCommerceConfig {
        bind: SocketAddr::from(([127, 0, 0, 1], args.bc_port)),
        faults: faults.clone(),
        rate_limit: args.rate_limit.clone(),
        ..BigCommerceConfig::default()
    })
    .await
    {
        Ok(bc) => bc,
        Err(error) => {
            eprintln!(
                "error: cannot start the BigCommerce stand-in on port {}: {error}",
                args.bc_port
            );
            return ExitCode::FAILURE;
        }
    };
    let load = bc.load_demo(&catalog);

    let mirakl = match MiraklSandbox::start_on(
        SocketAddr::from(([127, 0, 0, 1], args.mirakl_port)),
        MiraklConfig {
            faults,
            ..MiraklConfig::default()
        },
    )
    .await
    {
        Ok(m) => m,
        Err(error) => {
            eprintln!(
                "error: cannot start the Mirakl stand-in on port {}: {error}",
                args.mirakl_port
            );
            return ExitCode::FAILURE;
        }
    };
    if args.seed_offers {
        mirakl.seed_offers(catalog.skus().iter().map(OfferSeed::from_demo));
    }
    let mut orders = Vec::new();
    if args.orders > 0 {
        match mirakl.create_scripted_orders(args.seed, &order_catalog(&catalog), args.orders) {
            Ok(ids) => orders = ids,
            Err(error) => {
                eprintln!("error: cannot place the scripted orders: {error}");
                return ExitCode::FAILURE;
            }
        }
    }

    println!("sync-sandbox ready in {:?}", started.elapsed());
    println!();
    println!("BigCommerce stand-in");
    println!("  base URL      {}", bc.base_url());
    println!("  API path      {}v3/", bc.api_url());
    println!("  store hash    {}", bc.store_hash());
    println!("  access token  {}", bc.access_token());
    println!("  client secret {}", bc.client_secret());
    println!(
        "  catalog       {} products, {} SKUs (seed {})",
        load.products, load.variants, args.seed
    );
    println!();
    println!("Mirakl stand-in");
    println!("  base URL      {}", mirakl.base_url());
    println!("  shop API key  {}", mirakl.api_key());
    println!("  shop id       {}", mirakl.shop_id());
    println!(
        "  offers        {}",
        if args.seed_offers {
            catalog.sku_count()
        } else {
            0
        }
    );
    println!("  orders        {}", orders.len());
    println!(
        "  rate limit    {}",
        if args.rate_limit.quota == u32::MAX {
            "off".to_owned()
        } else {
            format!(
                "{} requests / {} s",
                args.rate_limit.quota,
                args.rate_limit.window.as_secs()
            )
        }
    );
    if args.latency_ms > 0 {
        println!(
            "  latency       {} ms per request (both stand-ins)",
            args.latency_ms
        );
    }
    if args.faults > 0.0 {
        println!();
        println!(
            "Fault injection: {:.0} % of requests on both stand-ins",
            args.faults * 100.0
        );
    }
    println!();
    println!("Every request is checked against the contracts derived from the official API");
    println!("documents; violations are printed on stderr and counted at:");
    println!(
        "  {}{}",
        bc.base_url(),
        sync_sandbox::contract::VIOLATIONS_PATH.trim_start_matches('/')
    );
    println!(
        "  {}{}",
        mirakl.base_url(),
        sync_sandbox::contract::VIOLATIONS_PATH.trim_start_matches('/')
    );
    println!();
    println!("Stop with Ctrl-C.");
    std::future::pending::<()>().await;
    ExitCode::SUCCESS
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &str) -> Result<Args, String> {
        parse(s.split_whitespace().map(str::to_owned))
    }

    #[test]
    fn parses_flags_and_rejects_bad_ones() {
        let a = args("--bc-port 0 --mirakl-port 9 --seed 5 --products 7 --variants 2 --faults 0.2 --seed-offers --orders 3").unwrap();
        assert_eq!(
            (a.bc_port, a.mirakl_port, a.seed, a.products, a.variants),
            (0, 9, 5, 7, 2)
        );
        assert!(a.seed_offers);
        assert_eq!(a.orders, 3);
        assert!((a.faults - 0.2).abs() < 1e-9);
        assert_eq!(a.latency_ms, 0, "no latency unless asked");
        assert_eq!(a.rate_limit, RateLimitConfig::standard());
        let b = args("--latency-ms 50 --rate-limit pro").unwrap();
        assert_eq!(b.latency_ms, 50);
        assert_eq!(b.rate_limit.quota, 450);
        assert_eq!(args("--rate-limit off").unwrap().rate_limit.quota, u32::MAX);
        assert!(args("--rate-limit gold").is_err());
        assert!(args("--latency-ms -1").is_err());
        assert!(args("--faults 2").is_err());
        assert!(args("--orders 3").is_err(), "orders need offers");
        assert!(args("--bc-port").is_err());
        assert!(args("--nope 1").is_err());
        assert_eq!(args("--help").err(), Some(String::new()));
    }
}
