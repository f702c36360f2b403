//! `soak`: marketplace orders at volume through a real `sync` process, with faults and
//! optional `kill -9` restarts, counted from the sandboxes' own records. Not a test: run it
//! in release and read the figures.
//!
//! ```text
//! cargo build --release -p examples --bin sync --bin soak
//! target/release/soak --orders 1000 --batch 100 --faults 0.2
//! target/release/soak --orders 200 --kills 50
//! ```
//!
//! The BigCommerce and Mirakl stand-ins (the `sync-sandbox` servers, loopback, contracts
//! checked, faults injected on both) run in this process, so it can place the orders batch by
//! batch, ship what reaches BigCommerce as a warehouse would, and read both sides' records;
//! `sync` (found next to this binary) runs as a separate process on its own state file, and
//! is killed with SIGKILL and restarted `--kills` times at random moments.
//!
//! `sync` gets the store's shipment, order-status and product webhooks (the bench registers
//! them for a fixed loopback port, as the sandbox delivers to plain HTTP there) and polls
//! BigCommerce every 15 s as the fallback.
//!
//! It prints orders refused for stock (released by Mirakl, but a line's SKU has less stock in
//! BigCommerce than the line needs: each batch zeroes one SKU, which can hit orders accepted
//! a moment earlier, and BigCommerce refuses their create), lost orders (released by Mirakl,
//! missing from BigCommerce for any other reason), duplicated ones
//! (in BigCommerce more than once), oversold quantities (Mirakl offered more than the store
//! could fill at that moment), unconfirmed shipments (shipped in BigCommerce, not SHIPPED on
//! Mirakl), the settle time, and the BigCommerce quota floor: the calls the orders need at
//! the least (a look-up by `external_order_id` and a create per created order, a shipment
//! read per shipped order) divided by the store's quota rate, and the BigCommerce calls by
//! route. Exits non-zero on any loss or duplicate, or when the orders did not settle in time.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::Parser;
use examples::demo::{Demo, DemoConfig, oversold_quantities};
use examples::procs::{self, SyncProcess, write_sync_config};

/// Orders at volume through a real `sync` process.
#[derive(Debug, Parser)]
#[command(name = "soak", version, about)]
struct Args {
    /// Marketplace orders to place (each batch also places one order for a SKU that just sold
    /// out, which must be refused).
    #[arg(long, default_value_t = 1000)]
    orders: usize,
    /// Orders per batch.
    #[arg(long, default_value_t = 100)]
    batch: usize,
    /// Seconds between batches.
    #[arg(long, default_value_t = 5)]
    batch_every: u64,
    /// Share of requests (0..1) answered with an injected fault on both services.
    #[arg(long, default_value_t = 0.2)]
    faults: f64,
    /// `kill -9` restarts of the `sync` process, at random moments 1 to 4 s apart.
    #[arg(long, default_value_t = 0)]
    kills: usize,
    /// Products in the store (one variant each).
    #[arg(long, default_value_t = 300)]
    products: usize,
    /// BigCommerce requests per 30 s (150: Standard/Plus plans).
    #[arg(long, default_value_t = 150)]
    bc_quota: u32,
    /// Give up when the orders have not settled after this many seconds.
    #[arg(long, default_value_t = 3600)]
    timeout: u64,
    /// How many times faster than real time the operator's clock runs (its call ceilings,
    /// debits and imports with it). At 1 its order dates are real dates, as on a live
    /// instance, and OR11 answers once a minute.
    #[arg(long, default_value_t = 60)]
    clock_scale: u32,
    /// Data and fault seed.
    #[arg(long, default_value_t = 7)]
    seed: u64,
    /// The `sync` binary (default: next to this one).
    #[arg(long)]
    sync: Option<PathBuf>,
    /// Append the `sync` processes' logs (stderr) to this file; `RUST_LOG` sets their level.
    #[arg(long)]
    sync_log: Option<PathBuf>,
}

fn sync_binary(args: &Args) -> Result<PathBuf, String> {
    if let Some(p) = &args.sync {
        return Ok(p.clone());
    }
    let me = std::env::current_exe().map_err(|e| e.to_string())?;
    let p = me.with_file_name(format!("sync{}", std::env::consts::EXE_SUFFIX));
    if p.exists() {
        Ok(p)
    } else {
        Err(format!(
            "no sync binary at {} (build it: cargo build --release -p examples --bin sync)",
            p.display()
        ))
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    match soak(&args).await {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn soak(args: &Args) -> Result<bool, String> {
    let bin = sync_binary(args)?;
    let batch = args.batch.max(1);
    let rounds = args.orders.div_ceil(batch);
    let mut demo = Demo::start(DemoConfig {
        seed: args.seed,
        products: args.products,
        variants: 1,
        faults: args.faults,
        orders: batch,
        price_changes: 0,
        stock_changes: 0,
        bc_quota: args.bc_quota,
        stale_share: 0.0,
        timeout: Duration::from_secs(args.timeout),
        closed_catalog: false,
        clock_scale: args.clock_scale.max(1),
        // a sped-up operator clock starts far enough in the past that its dates (order
        // creation dates above all) stay behind real time for the whole run, as a live
        // instance's do
        operator_clock_start: Some(
            time::OffsetDateTime::now_utc()
                - Duration::from_secs(args.timeout.saturating_mul(u64::from(args.clock_scale))),
        ),
        ..DemoConfig::default()
    })
    .await?;
    let dir = std::env::temp_dir().join(format!("soak-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    // OR11 is allowed once an operator minute: `sync` polls as often as the clock allows
    let poll_secs = (60 / u64::from(args.clock_scale.max(1))).max(1);
    let config = write_sync_config(&dir, &demo, poll_secs).map_err(|e| e.to_string())?;
    with_webhooks(&demo, &config, poll_secs)?;
    println!(
        "soak: {} orders in {rounds} batches of {batch} (+1 sold-out order each), {:.0} % faults, {} kills, {} products, BigCommerce quota {}/30 s, operator clock ×{}",
        args.orders,
        args.faults * 100.0,
        args.kills,
        args.products,
        args.bc_quota,
        args.clock_scale.max(1)
    );
    let mut sync = SyncProcess::spawn(&bin, &config, &[], &[]).map_err(|e| e.to_string())?;
    let wanted = args.products * 9 / 10;
    demo.wait_for("the first offers on Mirakl", |d| {
        d.mirakl.offers().len() >= wanted
    })
    .await?;
    demo.bc.requests().clear();
    let started = Instant::now();
    let timeline = QuotaTimeline::install(&demo, started);
    let deadline = started + Duration::from_secs(args.timeout);
    let mut placed_rounds = 0;
    let mut next_batch = started;
    let mut kills = 0;
    let mut next_kill = started + Duration::from_millis(fastrand::u64(1000..4000));
    let mut restarts_seen = 0u32;
    loop {
        let now = Instant::now();
        if placed_rounds < rounds && now >= next_batch {
            // the last batch may be smaller
            let left = args.orders - placed_rounds * batch;
            demo.config.orders = left.min(batch);
            demo.place_orders(placed_rounds)?;
            placed_rounds += 1;
            next_batch = now + Duration::from_secs(args.batch_every);
        }
        if kills < args.kills && now >= next_kill {
            sync.kill9();
            keep_log(args, &sync);
            kills += 1;
            sync = SyncProcess::spawn(&bin, &config, &[], &[]).map_err(|e| e.to_string())?;
            next_kill = now + Duration::from_millis(fastrand::u64(1000..4000));
        }
        if !sync.running() {
            // an exit on its own is a failure worth seeing; restart so the count still ends
            eprintln!("sync exited by itself:\n{}", sync.stderr());
            keep_log(args, &sync);
            restarts_seen += 1;
            sync = SyncProcess::spawn(&bin, &config, &[], &[]).map_err(|e| e.to_string())?;
        }
        procs::ship_created(&demo);
        let t = procs::tally(&demo);
        if placed_rounds == rounds && kills == args.kills && settled(&demo, &t) {
            break;
        }
        if Instant::now() > deadline {
            println!("not settled after {} s: {t:?}", args.timeout);
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let settle = started.elapsed();
    let stopped = sync.terminate(Duration::from_secs(10)).await;
    keep_log(args, &sync);
    let t = procs::tally(&demo);
    let (short, lost): (Vec<String>, Vec<String>) = t
        .lost
        .iter()
        .cloned()
        .partition(|id| short_of_stock(&demo, id));
    let history = demo.mirakl.quantity_history();
    let oversold = oversold_quantities(
        history
            .iter()
            .map(|h| (h.shop_sku.as_str(), h.quantity, h.fillable)),
    );
    // each oversold quantity with the import that applied it and the open orders then
    let oversold_detail: Vec<_> = history
        .iter()
        .filter(|h| i64::from(h.quantity) > h.fillable.unwrap_or(0).max(0))
        .collect();
    let shipped = demo
        .placed
        .iter()
        .filter(|(id, _)| demo.mirakl_state(id).as_deref() == Some("SHIPPED"))
        .count();
    let refused = demo
        .placed
        .iter()
        .filter(|(id, _)| demo.mirakl_state(id).as_deref() == Some("REFUSED"))
        .count();
    let bc_calls = demo.bc.requests().total();
    let needed = 2 * t.created_once as u64 + shipped as u64;
    let rate = f64::from(args.bc_quota) / 30.0;
    let floor = needed as f64 / rate;
    let violations = demo.bc.contract_violations().len() + demo.mirakl.contract_violations().len();
    println!("placed            {}", t.placed);
    println!("created once      {}", t.created_once);
    println!("refused           {refused}");
    println!("shipped+confirmed {shipped}");
    println!("refused for stock {}", short.len());
    println!("lost              {}", lost.len());
    println!("duplicated        {}", t.duplicated.len());
    println!("oversold          {}", oversold.len());
    for h in &oversold_detail {
        println!(
            "    {} quantity {} applied by {} import {} at {} while the store could fill {:?} (open orders {:?})",
            h.shop_sku, h.quantity, h.operation, h.import_id, h.at, h.fillable, h.open_orders
        );
    }
    println!("unconfirmed       {}", t.unconfirmed.len());
    println!("still waiting     {}", t.waiting.len());
    println!("kills (SIGKILL)   {kills}");
    println!("own exits         {restarts_seen}");
    println!("settle time       {:.1} s", settle.as_secs_f64());
    println!(
        "quota floor       {floor:.1} s ({needed} BigCommerce calls needed at {rate:.1}/s); settle/floor {:.2}",
        settle.as_secs_f64() / floor.max(0.001)
    );
    // every injected fault but the slow answer fails the attempt (five kinds of six), so a
    // needed call takes 1 / (1 - 5/6 × faults) attempts on average
    let attempts = 1.0 / (1.0 - args.faults.clamp(0.0, 0.9) * 5.0 / 6.0);
    println!(
        "fault-adjusted    {:.1} s (the floor × {attempts:.2} attempts per call at {:.0} % faults); settle/adjusted {:.2}",
        floor * attempts,
        args.faults * 100.0,
        settle.as_secs_f64() / (floor * attempts).max(0.001)
    );
    println!(
        "BigCommerce calls {bc_calls} during the run ({:.1} per created order)",
        bc_calls as f64 / (t.created_once.max(1)) as f64
    );
    let mut routes: Vec<(String, u64)> = demo.bc.requests().snapshot().into_iter().collect();
    routes.sort_by_key(|r| std::cmp::Reverse(r.1));
    for (route, n) in routes.iter().take(8) {
        println!("  {n:>6}  {route}");
    }
    timeline.print(f64::from(args.bc_quota));
    println!("contract violations {violations}");
    println!(
        "SIGTERM at the end: {}",
        if stopped {
            "stopped"
        } else {
            "killed after 10 s"
        }
    );
    for id in lost.iter().chain(&t.duplicated).take(10) {
        eprintln!("  order {id}: {:?}", demo.bc.orders_by_external_id(id));
    }
    let _ = std::fs::remove_dir_all(&dir);
    Ok(lost.is_empty() && t.duplicated.is_empty() && settled(&demo, &t))
}

/// Whether every order is settled, counting a released order the store cannot fill (a line's
/// SKU has less stock in BigCommerce than the line needs: the bench zeroes one SKU per batch,
/// which can hit orders accepted a moment earlier, and BigCommerce refuses their create) as
/// refused for stock rather than lost.
fn settled(demo: &Demo, t: &procs::OrderTally) -> bool {
    t.duplicated.is_empty()
        && t.unconfirmed.is_empty()
        && t.waiting.is_empty()
        && t.lost.iter().all(|id| short_of_stock(demo, id))
}

/// Whether a line of Mirakl order `id` (not refused) needs more units than BigCommerce has
/// for its SKU, from both stand-ins' records.
fn short_of_stock(demo: &Demo, id: &str) -> bool {
    demo.mirakl.order(id).is_some_and(|o| {
        o.lines.iter().any(|l| {
            l.state.as_str() != "REFUSED"
                && demo.bc.stock(&l.shop_sku).unwrap_or(0) < i64::from(l.quantity)
        })
    })
}

/// Points the store's webhooks (shipments, order status, products) at the `sync` process
/// (a fixed loopback port, so restarts keep it): `sync` learns of shipments at once and its
/// BigCommerce poll is only the fallback (every 15 s). The sandbox delivers to plain HTTP on
/// loopback, so the bench registers the hooks itself (`sync` registers only HTTPS URLs).
fn with_webhooks(demo: &Demo, config: &std::path::Path, poll_secs: u64) -> Result<(), String> {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map_err(|e| e.to_string())?
        .port();
    let secret = format!("soak-hook-{}", fastrand::u64(..));
    let text = std::fs::read_to_string(config).map_err(|e| e.to_string())?;
    let text = text.replace(
        &format!("bigcommerce_secs = {poll_secs}\n"),
        "bigcommerce_secs = 15\n",
    );
    let text = format!("{text}[webhooks]\nlisten = \"127.0.0.1:{port}\"\nsecret = \"{secret}\"\n");
    std::fs::write(config, text).map_err(|e| e.to_string())?;
    let destination = format!(
        "http://127.0.0.1:{port}{}",
        sync_connector::webhooks::WEBHOOK_PATH
    );
    let headers = std::collections::BTreeMap::from([(
        sync_connector::webhooks::SECRET_HEADER.to_owned(),
        secret,
    )]);
    for scope in sync_connector::webhooks::SCOPES {
        demo.bc.add_webhook(scope, &destination, headers.clone());
    }
    Ok(())
}

/// Appends a finished `sync` process's stderr to `--sync-log`, if given.
fn keep_log(args: &Args, sync: &SyncProcess) {
    let Some(path) = &args.sync_log else { return };
    let text = sync.stderr();
    let written = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .and_then(|mut f| {
            use std::io::Write;
            writeln!(f, "---- sync process ----")?;
            f.write_all(text.as_bytes())
        });
    if let Err(e) = written {
        eprintln!("could not write {}: {e}", path.display());
    }
}

/// BigCommerce requests per 30 s quota window of the run, from the stand-in's own request
/// log: how much of the store's quota the connector used while orders were in flight.
struct QuotaTimeline {
    windows: std::sync::Arc<std::sync::Mutex<Vec<u64>>>,
}

impl QuotaTimeline {
    const WINDOW: Duration = Duration::from_secs(30);

    fn install(demo: &Demo, started: Instant) -> QuotaTimeline {
        let windows = std::sync::Arc::new(std::sync::Mutex::new(Vec::<u64>::new()));
        let sink = windows.clone();
        demo.bc.requests().set_hook(move |_| {
            let i = (started.elapsed().as_secs() / Self::WINDOW.as_secs()) as usize;
            let mut w = sink.lock().unwrap_or_else(|e| e.into_inner());
            if w.len() <= i {
                w.resize(i + 1, 0);
            }
            w[i] += 1;
        });
        QuotaTimeline { windows }
    }

    /// Prints each window's calls against the quota, and the run's mean use of it.
    fn print(&self, quota: f64) {
        let w = self
            .windows
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        if w.is_empty() {
            return;
        }
        let used: u64 = w.iter().sum();
        println!(
            "quota use         {:.0} % over {} windows of 30 s (calls per window, quota {quota:.0}):",
            100.0 * used as f64 / (quota * w.len() as f64),
            w.len()
        );
        for (i, chunk) in w.chunks(10).enumerate() {
            let row: Vec<String> = chunk.iter().map(|n| format!("{n:>4}")).collect();
            println!("  {:>5} s {}", i * 300, row.join(""));
        }
    }
}
