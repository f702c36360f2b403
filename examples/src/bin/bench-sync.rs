//! `bench-sync`: a full sync of a large catalog on the embedded sandboxes (default 10,000
//! products × 3 variants = 30,000 offers), then live changes through the running connector.
//! Reports wall time, API calls per service against the minimum the paging and batch sizes
//! allow, and the change-to-marketplace latency. Not a timed test; run it in release:
//!
//! ```text
//! cargo run --release -p examples --bin bench-sync
//! cargo run --release -p examples --bin bench-sync -- --products 2000 --changes 50
//! cargo run --release -p examples --bin bench-sync -- --skus 100000 --changes 0
//! ```
//!
//! Memory: the sandboxes run in this process, so its peak RSS counts their data too. The
//! no-change pass reports its own peak (the peak is reset before it) and the **pass's
//! share**: that peak minus the RSS just before the pass, i.e. what the reconciliation
//! (connector, plus the sandboxes' buffers for the pages they serve) added on top of the
//! data already loaded.

use std::collections::BTreeMap;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::Parser;
use examples::demo::{Demo, DemoConfig};
use sync_connector::metrics::{CallCounts, human, percentile};

/// Full-sync benchmark on the sandboxes.
#[derive(Debug, Parser)]
#[command(name = "bench-sync", version, about)]
struct Args {
    /// Products.
    #[arg(long, default_value_t = 10_000)]
    products: usize,
    /// SKUs in all (overrides `--products`: products = SKUs / variants, rounded up), e.g.
    /// `--skus 100000` for the 100,000-SKU no-change pass.
    #[arg(long)]
    skus: Option<usize>,
    /// Variants per product.
    #[arg(long, default_value_t = 3)]
    variants: usize,
    /// Cap on offers per OF24/STO01/PRI01 call (`rules.plan.batch_size`); default: the
    /// connector's default (no cap), so the figures and the minimum are those of the default
    /// configuration.
    #[arg(long)]
    batch: Option<usize>,
    /// Live changes (price or stock) made after the full sync.
    #[arg(long, default_value_t = 100)]
    changes: usize,
    /// BigCommerce requests per 30 s (150: Standard/Plus plans).
    #[arg(long, default_value_t = 150)]
    bc_quota: u32,
}

/// `VmHWM` (peak resident set) and `VmRSS` of this process in MB, from `/proc/self/status`
/// (Linux; `None` elsewhere). The sandboxes run in this process, so their memory counts too.
fn rss_mb() -> Option<(f64, f64)> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let field = |name: &str| -> Option<f64> {
        let line = status.lines().find(|l| l.starts_with(name))?;
        let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
        Some(kb / 1024.0)
    };
    Some((field("VmHWM:")?, field("VmRSS:")?))
}

/// Resets the peak RSS to the current RSS (Linux: `5` to `/proc/self/clear_refs`), so the
/// next [`rss_mb`] peak is that of the phase that follows.
fn reset_peak() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

/// Removes the bench's state file and its WAL companions.
fn remove_state(path: &std::path::Path) {
    for suffix in ["", "-wal", "-shm"] {
        let mut p = path.as_os_str().to_owned();
        p.push(suffix);
        let _ = std::fs::remove_file(p);
    }
}

fn rss_line(phase: &str) {
    if let Some((peak, now)) = rss_mb() {
        println!("  memory ({phase}): peak RSS {peak:.0} MB, RSS now {now:.0} MB");
    }
}

fn calls_line(name: &str, c: &CallCounts) {
    println!("  {name}: {} calls", c.total());
    for (ep, n) in &c.per_endpoint {
        println!("    {n:6}  {ep}");
    }
}

fn delta(after: &CallCounts, before: &CallCounts) -> CallCounts {
    CallCounts::from_pairs(after.per_endpoint.iter().map(|(k, v)| {
        (
            k.clone(),
            v.saturating_sub(before.per_endpoint.get(k).copied().unwrap_or(0)),
        )
    }))
}

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        // colour only on a terminal: piped or redirected logs stay plain text
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("error")),
        )
        .with_writer(std::io::stderr)
        .init();
    let mut args = Args::parse();
    if let Some(n) = args.skus {
        args.products = n.div_ceil(args.variants.max(1));
    }
    let skus = args.products * args.variants.max(1);
    let defaults = sync_core::rules::PlanRules::default();
    let batch = args.batch.or(defaults.batch_size);
    println!(
        "bench-sync: {} products × {} variants = {skus} SKUs, offer calls {}{}, OF01 file from {} lines, BigCommerce quota {}/30 s",
        args.products,
        args.variants,
        batch.map_or("uncapped".to_owned(), |b| format!("of at most {b} lines")),
        if batch == defaults.batch_size {
            " (the default)"
        } else {
            " (not the default)"
        },
        defaults.file_import_from,
        args.bc_quota
    );
    // the state in a file, as `sync` keeps it (an in-memory SQLite would count the sent-offer
    // records of every SKU in this process's memory)
    let state_path = std::env::temp_dir().join(format!("bench-sync-{}.sqlite", std::process::id()));
    let _ = std::fs::remove_file(&state_path);
    let t0 = Instant::now();
    let mut demo = match Demo::start(DemoConfig {
        state_path: Some(state_path.clone()),
        seed: 2026,
        products: args.products,
        variants: args.variants,
        orders: 0,
        price_changes: 0,
        stock_changes: 0,
        stale_share: 0.0,
        bc_quota: args.bc_quota,
        timeout: Duration::from_secs(600),
        // offer throughput: an open operator catalog, no product import first
        closed_catalog: false,
        ..DemoConfig::default()
    })
    .await
    {
        Ok(d) => d,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let setup = t0.elapsed();
    println!("sandboxes ready with demo data in {}", human(setup));

    // the engine was built with the demo rules; use the requested batch size
    let mut rules = demo.rules.clone();
    rules.plan.batch_size = batch;
    demo.rules = rules;
    if let Err(e) = demo.restart_engine().await {
        eprintln!("error: {e}");
        return ExitCode::FAILURE;
    }

    // 1. full sync from an empty shop
    let bc0 = CallCounts::default();
    let t1 = Instant::now();
    let plan = match demo.reconcile(&|_, _| {}).await {
        Ok(p) => p,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let full = t1.elapsed();
    let bc1 = CallCounts::from_pairs(demo.engine().bigcommerce().call_counts());
    let mk1 = CallCounts::from_pairs(demo.engine().mirakl().call_counts());
    let offers_on_mirakl = demo.mirakl.offers().len();
    println!(
        "\nfull sync: {} in {} ({:.0} offers/s); {offers_on_mirakl} offers on Mirakl",
        plan.new,
        human(full),
        plan.new as f64 / full.as_secs_f64().max(0.001)
    );
    let min_bc_pages = args.products.div_ceil(250);
    // the minimum the default plan allows: every new offer in one call (OF01 file from
    // `file_import_from` lines, else OF24 chunked by the cap when one is set)
    let plan_rules = sync_core::rules::PlanRules {
        batch_size: batch,
        ..defaults.clone()
    };
    let op = sync_core::plan::offer_call(skus, &plan_rules);
    let per_call =
        sync_core::plan::call_size(sync_core::plan::Operation::Offers, skus, &plan_rules);
    let min_calls = skus.div_ceil(per_call.max(1));
    calls_line("BigCommerce", &delta(&bc1, &bc0));
    println!(
        "    minimum: {min_bc_pages} product pages (250 per page, variants included) + 1 store read"
    );
    calls_line("Mirakl", &mk1);
    println!(
        "    minimum: 1 OF21 page (empty shop, 100 per page), {min_calls} {} ({} offers per call, one call a minute: {min_calls} call window(s)) + at least one OF02 each",
        op.code(),
        per_call.min(skus)
    );

    rss_line("setup + full sync, sandboxes included");

    // 2. steady state: a second full reconciliation with nothing to change
    let before_pass = rss_mb().map(|(_, now)| now);
    let reset = reset_peak();
    let t2 = Instant::now();
    let again = demo.reconcile(&|_, _| {}).await;
    let steady = t2.elapsed();
    let bc2 = CallCounts::from_pairs(demo.engine().bigcommerce().call_counts());
    let mk2 = CallCounts::from_pairs(demo.engine().mirakl().call_counts());
    if let Ok(p) = again {
        println!(
            "\nsecond full reconciliation: {} unchanged, {} changed in {}",
            p.unchanged,
            p.changed,
            human(steady)
        );
    }
    rss_line(if reset {
        "no-change pass alone, sandboxes included"
    } else {
        "whole run so far: the peak could not be reset"
    });
    if let (true, Some(before), Some((peak, _))) = (reset, before_pass, rss_mb()) {
        println!(
            "  memory (the pass's share): {:.0} MB over the {before:.0} MB RSS before it (peak − RSS before)",
            peak - before
        );
    }
    calls_line("BigCommerce", &delta(&bc2, &bc1));
    println!("    minimum: {min_bc_pages} product pages + 0");
    calls_line("Mirakl", &delta(&mk2, &mk1));
    println!(
        "    minimum: {} OF21 pages ({skus} offers, 100 per page), no write",
        skus.div_ceil(100)
    );

    // 3. live changes through the running connector
    if args.changes == 0 {
        demo.stop().await;
        println!("total wall time: {}", human(t0.elapsed()));
        remove_state(&state_path);
        return ExitCode::SUCCESS;
    }
    demo.start_loop_with(false);
    // the offers loop starts after the first order poll (OR11, which may wait for its call
    // window): changes are made once the loop runs, as they would on a running connector
    tokio::time::sleep(Duration::from_secs(2)).await;
    let catalog = demo.catalog.skus();
    let mut changed: Vec<(String, rust_decimal::Decimal, Instant)> = Vec::new();
    // Mirakl prices before any change, to see each change arrive
    let before: BTreeMap<String, rust_decimal::Decimal> = (0..args.changes)
        .map(|i| &catalog[(i * 7919 + 13) % catalog.len()])
        .filter_map(|s| demo.mirakl.offer(&s.sku).map(|o| (s.sku.clone(), o.price)))
        .collect();
    // the operator is watched while the changes are made (not only after the last one), so
    // an early change is timed when it shows, not when the watch begins
    let mut seen: BTreeMap<String, Instant> = BTreeMap::new();
    let observe = |seen: &mut BTreeMap<String, Instant>| {
        for (sku, old) in &before {
            if !seen.contains_key(sku) && demo.mirakl.offer(sku).is_some_and(|o| o.price != *old) {
                seen.insert(sku.clone(), Instant::now());
            }
        }
    };
    let t3 = Instant::now();
    for i in 0..args.changes {
        let s = &catalog[(i * 7919 + 13) % catalog.len()];
        let (price, _) = demo.bc.price(&s.sku).unwrap_or((s.price, None));
        let new = price + rust_decimal::Decimal::new(100 + i as i64, 2);
        if demo.bc.set_price(&s.sku, new, None) {
            changed.push((s.sku.clone(), new, Instant::now()));
        }
        if i % 10 == 9 {
            let until = Instant::now() + Duration::from_millis(250);
            while Instant::now() < until {
                observe(&mut seen);
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }
    }
    // watch the operator until every change shows (price incl. rules: compare with desired)
    let deadline = Instant::now() + Duration::from_secs(120);
    while seen.len() < before.len() && Instant::now() < deadline {
        observe(&mut seen);
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let live = t3.elapsed();
    demo.stop().await;
    let mut observed: Vec<Duration> = changed
        .iter()
        .filter_map(|(s, _, at)| seen.get(s).map(|t| t.duration_since(*at)))
        .collect();
    let bc3 = CallCounts::from_pairs(demo.engine().bigcommerce().call_counts());
    let mk3 = CallCounts::from_pairs(demo.engine().mirakl().call_counts());
    println!(
        "\nlive changes: {} price changes, {} seen on Mirakl within {}",
        changed.len(),
        observed.len(),
        human(live)
    );
    if let (Some(p50), Some(p99)) = (
        percentile(&mut observed, 50.0),
        percentile(&mut observed, 99.0),
    ) {
        println!(
            "change-to-marketplace latency (BigCommerce write → Mirakl offer shows it): p50 {}, p99 {}  (Mirakl call window: 1 s at clock ×{})",
            human(p50),
            human(p99),
            demo.config.clock_scale
        );
    }
    calls_line("BigCommerce", &delta(&bc3, &bc2));
    calls_line("Mirakl", &delta(&mk3, &mk2));

    let verdict = demo.verify().await;
    let ok = match &verdict {
        Ok(v) => {
            println!("\noffers in sync at the end: {}/{}", v.in_sync, v.desired);
            v.mismatches.is_empty() && observed.len() == changed.len()
        }
        Err(e) => {
            eprintln!("error: {e}");
            false
        }
    };
    println!("total wall time: {}", human(t0.elapsed()));
    remove_state(&state_path);
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
