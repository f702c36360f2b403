//! `bench-fleet`: many stores, several marketplaces each, served by K `sync worker` processes
//! sharing one PostgreSQL database; one worker is killed with SIGKILL mid-run. Not a test: run
//! it and read the figures.
//!
//! ```text
//! cargo build -p examples --bin sync --bin bench-fleet
//! target/debug/bench-fleet --database-url postgres://sync@127.0.0.1:5432/bench \
//!     --stores 200 --marketplaces 2 --workers 4
//! ```
//!
//! The stand-ins (one `sync-sandbox` BigCommerce store per store, one Mirakl operator per
//! marketplace, loopback, contracts checked) run in this process; the workers (`sync`, found
//! next to this binary) are separate processes. The bench waits until every store is leased
//! and every offer shows the store's stock (the settle time), places one order on every
//! marketplace, waits until all are in BigCommerce, then kills the worker holding the most
//! stores and places a second round at once: it reports when the orphaned stores were taken
//! over and when the second round was in. Figures: connections per worker, calls per store
//! (BigCommerce and Mirakl), worker memory (RSS) per connection, the times, and the order
//! tally from the sandboxes' own records (lost: accepted by Mirakl, missing from BigCommerce;
//! duplicated: in BigCommerce more than once). Exits non-zero on a lost or duplicated order, a
//! contract violation, or a timeout. The database must be empty (use a new one per run).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::Parser;
use examples::fleet::{Store, accepted, created, fleet_header, place, temp_dir};
use examples::procs::SyncProcess;
use sync_state_postgres::PostgresStore;

/// Many stores × marketplaces on K worker processes.
#[derive(Debug, Parser)]
#[command(name = "bench-fleet", version, about)]
struct Args {
    /// An empty PostgreSQL database for the workers' state (`postgres://…`).
    #[arg(long)]
    database_url: String,
    /// BigCommerce stores.
    #[arg(long, default_value_t = 200)]
    stores: usize,
    /// Mirakl marketplaces per store.
    #[arg(long, default_value_t = 2)]
    marketplaces: usize,
    /// Worker processes.
    #[arg(long, default_value_t = 4)]
    workers: usize,
    /// Products per store (one variant each).
    #[arg(long, default_value_t = 3)]
    products: usize,
    /// Mirakl order poll and BigCommerce poll interval of every shop, in seconds.
    #[arg(long, default_value_t = 5)]
    poll_secs: u64,
    /// Lease staleness bound in seconds (workers renew every third of it).
    #[arg(long, default_value_t = 15)]
    stale_secs: u64,
    /// Give up on a phase after this many seconds.
    #[arg(long, default_value_t = 900)]
    timeout: u64,
}

/// Resident memory of a process, in KiB (Linux `/proc`; 0 elsewhere).
fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

async fn holders(db: &PostgresStore) -> Result<BTreeMap<String, Option<String>>, String> {
    Ok(db
        .workers("bench-observer")
        .map_err(|e| e.to_string())?
        .holders()
        .await
        .map_err(|e| e.to_string())?
        .into_iter()
        .collect())
}

async fn wait(what: &str, timeout: Duration, mut cond: impl FnMut() -> bool) -> Result<(), String> {
    let deadline = Instant::now() + timeout;
    while !cond() {
        if Instant::now() > deadline {
            return Err(format!("timed out waiting for {what}"));
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    Ok(())
}

fn calls(stores: &[Store]) -> (u64, u64) {
    let bc = stores.iter().map(|s| s.bc.requests().total()).sum();
    let mk = stores
        .iter()
        .flat_map(|s| &s.shops)
        .map(|m| m.request_log().total())
        .sum();
    (bc, mk)
}

fn sync_bin() -> Result<PathBuf, String> {
    let me = std::env::current_exe().map_err(|e| e.to_string())?;
    let bin = me.with_file_name("sync");
    if bin.exists() {
        Ok(bin)
    } else {
        Err(format!(
            "{} not found: build it with `cargo build -p examples --bin sync` (same profile)",
            bin.display()
        ))
    }
}

async fn run(args: &Args) -> Result<bool, String> {
    let bin = sync_bin()?;
    let timeout = Duration::from_secs(args.timeout);
    let db = PostgresStore::connect(&args.database_url, "bench-observer")
        .await
        .map_err(|e| format!("database: {e}"))?;
    if !holders(&db).await?.is_empty() {
        return Err("the database already lists stores: use an empty database".into());
    }
    let t0 = Instant::now();
    let mut stores = Vec::with_capacity(args.stores);
    for n in 0..args.stores {
        stores.push(
            Store::start(
                &format!("store-{n:04}"),
                1000 + n as u64,
                args.products,
                20,
                args.marketplaces,
            )
            .await,
        );
    }
    let shops = args.stores * args.marketplaces;
    println!(
        "{} stores x {} marketplaces ({shops} shops, {} SKUs each) started in {:.1} s",
        args.stores,
        args.marketplaces,
        args.products,
        t0.elapsed().as_secs_f64()
    );
    let dir = temp_dir("bench");
    let mut text = fleet_header(&format!("url = {:?}", args.database_url), args.stale_secs)
        .replace(
            "renew_secs = 1",
            &format!("renew_secs = {}", (args.stale_secs / 3).max(1)),
        )
        .replace(
            "mirakl_orders_secs = 1\nbigcommerce_secs = 1",
            &format!(
                "mirakl_orders_secs = {0}\nbigcommerce_secs = {0}",
                args.poll_secs
            ),
        );
    for s in &stores {
        text.push_str(&s.toml(&[]));
    }
    let config = dir.join("fleet.toml");
    std::fs::write(&config, text).map_err(|e| e.to_string())?;

    let start = Instant::now();
    let mut workers: Vec<(String, SyncProcess)> = Vec::new();
    for n in 0..args.workers {
        let id = format!("worker-{n}");
        let cfg = config.to_str().unwrap_or_default();
        let p = SyncProcess::spawn(
            &bin,
            Path::new(cfg),
            &["worker", "--config", cfg, "--worker-id", &id],
            &[("RUST_LOG", "warn")],
        )
        .map_err(|e| e.to_string())?;
        workers.push((id, p));
    }
    let deadline = Instant::now() + timeout;
    loop {
        let h = holders(&db).await?;
        if h.len() == args.stores && h.values().all(Option::is_some) {
            break;
        }
        for (id, w) in &mut workers {
            if !w.running() {
                return Err(format!("{id} exited: {}", w.stderr()));
            }
        }
        if Instant::now() > deadline {
            return Err("not every store was leased".into());
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let leased = start.elapsed();
    wait("every offer in step", timeout, || {
        stores.iter().all(|s| s.offers_are(|_| 20))
    })
    .await?;
    let settled = start.elapsed();
    let h = holders(&db).await?;
    let per_worker = |id: &str| h.values().filter(|v| v.as_deref() == Some(id)).count();
    let (bc_calls, mk_calls) = calls(&stores);
    println!(
        "leased in {:.1} s; settled (every offer in step) in {:.1} s",
        leased.as_secs_f64(),
        settled.as_secs_f64()
    );
    println!(
        "calls to settle: {bc_calls} BigCommerce ({:.1} per store), {mk_calls} Mirakl ({:.1} per shop)",
        bc_calls as f64 / args.stores as f64,
        mk_calls as f64 / shops as f64
    );
    let mut before: BTreeMap<String, (usize, u64)> = BTreeMap::new();
    for (id, w) in &workers {
        let n = per_worker(id);
        let rss = rss_kib(w.id());
        before.insert(id.clone(), (n, rss));
        println!(
            "{id}: {n} stores ({} shops), RSS {:.1} MiB, {:.0} KiB per store",
            n * args.marketplaces,
            rss as f64 / 1024.0,
            if n == 0 { 0.0 } else { rss as f64 / n as f64 }
        );
    }

    // round 1: one order on every marketplace
    let mut placed: Vec<(usize, usize, String)> = Vec::new();
    for (i, s) in stores.iter().enumerate() {
        for n in 0..args.marketplaces {
            let (sku, price) = s.skus()[n % args.products].clone();
            placed.push((i, n, place(&s.shops[n], &sku, price, 1)));
        }
    }
    let r1 = Instant::now();
    wait("round 1 in BigCommerce", timeout, || {
        placed
            .iter()
            .all(|(i, n, id)| created(&stores[*i], *n, id) >= 1)
    })
    .await?;
    println!(
        "round 1: {} orders in BigCommerce {:.1} s after they were placed",
        placed.len(),
        r1.elapsed().as_secs_f64()
    );

    // kill the busiest worker, round 2 at once
    let h = holders(&db).await?;
    let victim = (0..workers.len())
        .max_by_key(|w| per_worker_of(&h, &workers[*w].0))
        .unwrap_or(0);
    let (victim_id, mut victim_proc) = workers.remove(victim);
    let orphaned = per_worker_of(&h, &victim_id);
    let victim_rss = rss_kib(victim_proc.id());
    victim_proc.kill9();
    let killed = Instant::now();
    let round1 = placed.len();
    for (i, s) in stores.iter().enumerate() {
        for n in 0..args.marketplaces {
            let (sku, price) = s.skus()[(n + 1) % args.products].clone();
            placed.push((i, n, place(&s.shops[n], &sku, price, 1)));
        }
    }
    let deadline = Instant::now() + timeout;
    let taken_over = loop {
        let h = holders(&db).await?;
        if h.values().all(|w| {
            w.as_deref()
                .is_some_and(|w| workers.iter().any(|(id, _)| id == w))
        }) {
            break killed.elapsed();
        }
        if Instant::now() > deadline {
            return Err("the killed worker's stores were not taken over".into());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    println!(
        "killed {victim_id} ({orphaned} stores): taken over in {:.1} s",
        taken_over.as_secs_f64()
    );
    wait("round 2 in BigCommerce", timeout, || {
        placed[round1..]
            .iter()
            .all(|(i, n, id)| created(&stores[*i], *n, id) >= 1)
    })
    .await?;
    let round2 = killed.elapsed();
    println!(
        "killed {victim_id} (RSS {:.1} MiB): round 2 ({} orders) in BigCommerce {:.1} s after the kill",
        victim_rss as f64 / 1024.0,
        placed.len() - round1,
        round2.as_secs_f64()
    );
    let h = holders(&db).await?;
    for (id, w) in &workers {
        let (n0, rss0) = before.get(id).copied().unwrap_or_default();
        let (n1, rss1) = (per_worker_of(&h, id), rss_kib(w.id()));
        // what one more store costs: the growth over the stores taken over
        let marginal = if n1 > n0 {
            format!(
                ", {:.0} KiB per store taken over",
                rss1.saturating_sub(rss0) as f64 / (n1 - n0) as f64
            )
        } else {
            String::new()
        };
        println!(
            "{id} after the take-over: {n1} stores, RSS {:.1} MiB{marginal}",
            rss1 as f64 / 1024.0
        );
    }

    // the tally, from the sandboxes' own records
    let mut lost = Vec::new();
    let mut duplicated = Vec::new();
    for (i, n, id) in &placed {
        let c = created(&stores[*i], *n, id);
        if accepted(&stores[*i].shops[*n], id) && c == 0 {
            lost.push(format!("{}/m{n}/{id}", stores[*i].id));
        }
        if c > 1 {
            duplicated.push(format!("{}/m{n}/{id}", stores[*i].id));
        }
    }
    let violations: usize = stores
        .iter()
        .map(|s| {
            s.bc.contract_violations().len()
                + s.shops
                    .iter()
                    .map(|m| m.contract_violations().len())
                    .sum::<usize>()
        })
        .sum();
    let (bc_calls, mk_calls) = calls(&stores);
    println!(
        "orders: {} placed, {} lost, {} duplicated; contract violations: {violations}",
        placed.len(),
        lost.len(),
        duplicated.len()
    );
    println!(
        "calls in all ({:.0} s): {bc_calls} BigCommerce, {mk_calls} Mirakl",
        start.elapsed().as_secs_f64()
    );
    for id in lost.iter().chain(&duplicated).take(20) {
        println!("  {id}");
    }
    for (_, w) in &mut workers {
        w.kill9();
    }
    let _ = std::fs::remove_dir_all(&dir);
    Ok(lost.is_empty() && duplicated.is_empty() && violations == 0)
}

fn per_worker_of(h: &BTreeMap<String, Option<String>>, id: &str) -> usize {
    h.values().filter(|v| v.as_deref() == Some(id)).count()
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    match run(&args).await {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
