//! `sync`: the reference BigCommerce ⇄ Mirakl connector.
//!
//! * `sync` (no arguments): starts the embedded sandboxes with demo data and runs the scripted
//!   demo, then prints a summary; exits 0 only when both sides agree.
//! * `sync audit --config connector.toml [--json]`: compares both sides, writing nothing
//!   (exit 0: they agree, 1: they drift, 2: the audit could not finish).
//! * `sync explain --config connector.toml SKU|ORDER`: the trail of one SKU or order.
//! * `sync reply --config connector.toml ORDER "text"`: answers the customer of a Mirakl
//!   order (M12 on the customer's latest thread, or OR43 to open one).
//! * `sync --config connector.toml [--once] [--dry-run]`: runs against real stores (see
//!   `connector/connector.example.toml`). `--once` exits non-zero when any step failed (order
//!   poll, product sync, offer reconciliation), after the steps that could still run safely,
//!   naming each failed step and why.
//!
//! * The demo needs the default `demo` feature (the embedded sandboxes);
//!   `cargo build -p examples --no-default-features --bin sync` builds the production binary
//!   without the sandbox.
//! * `sync --config connector.toml --rebuild-state` rebuilds the state file (order map, sent
//!   offers) from both services, reading only (orders by `external_order_id`, offers from
//!   OF21), then exits; an unreadable file is moved aside first. A state file that cannot be
//!   read otherwise stops `sync` with a message naming it and this way out.
//! * A second `sync` on the same state file exits non-zero at once, naming the holder (host,
//!   PID, start time); the lease of a process that is gone from this host is taken over at
//!   once, any other after a minute without renewal.
//!
//! Logs go through `tracing`; set the level with `RUST_LOG` (e.g. `RUST_LOG=info`).

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use bc_mirakl_api_core::secret::{RedactingWriter, Redactor};
use clap::Parser;
#[cfg(feature = "demo")]
use examples::demo::{Demo, DemoConfig};
use sync_connector::config::Config;
use sync_connector::progress::Progress;
use sync_connector::runner::{self, RunOptions};
use sync_connector::state::{LeaseHolder, SqliteStore, StateError, StateStore, rebuild};
use sync_connector::webhooks;
use sync_connector::{Connector, ConnectorOptions};
use sync_state_postgres::{PostgresStates, PostgresStore};
use tokio::sync::{mpsc, watch};

/// The reference BigCommerce ⇄ Mirakl connector.
#[derive(Debug, Parser)]
#[command(name = "sync", version, about)]
struct Args {
    /// Configuration file (without it, the scripted demo runs on embedded sandboxes).
    #[arg(long)]
    config: Option<PathBuf>,
    /// Run one full cycle (orders, offers, shipments) and exit.
    #[arg(long)]
    once: bool,
    /// Print what would be sent; write nothing (neither to the stores nor to the state file).
    #[arg(long)]
    dry_run: bool,
    /// Rebuild the state (order map, sent offers) from both services, reading only, then exit.
    /// An unreadable state file is kept beside the new one (`<file>.unreadable-<unix time>`).
    #[arg(long, conflicts_with_all = ["dry_run", "once"])]
    rebuild_state: bool,
    /// Demo: number of products (3 variants each).
    #[arg(long, default_value_t = 120)]
    demo_products: usize,
    /// Demo: share of requests faulted on both sandboxes (0.0–1.0).
    #[arg(long, default_value_t = 0.0)]
    demo_faults: f64,
    #[command(subcommand)]
    command: Option<Command>,
}

/// Tools beside the connector itself.
#[derive(Debug, clap::Subcommand)]
enum Command {
    /// Reads both sides and reports where they differ, writing nothing; exits 0 when they
    /// agree, 1 when they drift, 2 when the audit could not finish.
    Audit {
        /// Configuration file.
        #[arg(long)]
        config: PathBuf,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
        /// How to read the live offers: `auto` (a full OF52 export, allowed once a day, else
        /// OF21 pages), `export` (the export only) or `list` (OF21 pages only).
        #[arg(long, default_value = "auto")]
        offers: sync_connector::audit::OfferSource,
    },
    /// Runs as one of any number of identical workers: serves the connections of a fleet
    /// file (`[[connection]]` tables) whose store leases it holds in the PostgreSQL state,
    /// renews them, takes over the stores of dead workers and gives its own back on SIGTERM.
    /// With SQLite state it serves every connection of the file alone.
    Worker {
        /// Fleet (or plain) configuration file.
        #[arg(long)]
        config: PathBuf,
        /// This worker's id in the lease table (default: host name and PID).
        #[arg(long)]
        worker_id: Option<String>,
    },
    /// The trail of one SKU or Mirakl order: values read, desired offer and rules, what was
    /// sent and when, import results and error lines; for an order each step and its call.
    Explain {
        /// Configuration file.
        #[arg(long)]
        config: PathBuf,
        /// A shop SKU or a Mirakl order id.
        target: String,
    },
    /// Answers the customer of a Mirakl order: a reply (M12) on the thread the customer wrote
    /// on last, or a new thread on the order (OR43) when there is none; exits 0 when sent, 1
    /// when Mirakl refused it, 2 when it could not be tried.
    Reply {
        /// Configuration file.
        #[arg(long)]
        config: PathBuf,
        /// The Mirakl order id.
        order: String,
        /// The message (3 to 50,000 characters).
        text: String,
    },
}

/// The configured secret values (access token, client secret, shop API key, webhook secret),
/// scrubbed from every log line, message and panic this process prints, wherever a server's
/// echo put them. Set once the configuration is read; empty before (and in the demo).
static SECRETS: OnceLock<Redactor> = OnceLock::new();

fn secrets() -> Redactor {
    SECRETS.get().cloned().unwrap_or_default()
}

/// `println!` with the configured secrets scrubbed.
macro_rules! outln {
    ($($arg:tt)*) => {{
        let text = format!($($arg)*);
        println!("{}", secrets().redact(&text));
    }};
}

/// `eprintln!` with the configured secrets scrubbed.
macro_rules! errln {
    ($($arg:tt)*) => {{
        let text = format!($($arg)*);
        eprintln!("{}", secrets().redact(&text));
    }};
}

/// Every secret value of `cfg`, for [`SECRETS`].
fn config_secrets(cfg: &Config) -> Redactor {
    let mut r = Redactor::default();
    let creds = &cfg.bigcommerce.credentials;
    r.add(creds.access_token());
    if let Some(s) = creds.client_secret() {
        r.add(s);
    }
    r.add(&cfg.mirakl.api_key);
    if let Some(w) = &cfg.webhooks {
        r.add(&w.secret);
    }
    if let Some(url) = &cfg.state_url
        && let Some(password) = url_password(url.expose())
    {
        r.add_value(password);
    }
    r
}

fn init_logs(default: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    tracing_subscriber::fmt()
        // colour only on a terminal: piped or redirected logs stay plain text
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_env_filter(filter)
        // one writer per event: the whole line is scrubbed of the configured secrets
        .with_writer(|| RedactingWriter::new(secrets(), std::io::stderr()))
        .init();
    // a panic message is scrubbed too
    std::panic::set_hook(Box::new(|info| {
        let thread = std::thread::current();
        let name = thread.name().unwrap_or("<unnamed>");
        errln!("thread '{name}' {info}");
    }));
}

/// The display of the first reconciliation's catalog read: a bar on a terminal, plain lines
/// in a log.
fn catalog_progress() -> Progress {
    Progress::stderr("reading the BigCommerce catalog", "products")
}

#[cfg(feature = "demo")]
async fn demo(args: &Args) -> ExitCode {
    outln!("Starting the embedded BigCommerce store and Mirakl operator with demo data…");
    let started = std::time::Instant::now();
    let mut demo = match Demo::start(DemoConfig {
        products: args.demo_products,
        faults: args.demo_faults,
        ..DemoConfig::full()
    })
    .await
    {
        Ok(d) => d,
        Err(e) => {
            errln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    outln!(
        "  BigCommerce store at {} ({} SKUs), Mirakl operator at {} (clock ×{}), webhooks on {}",
        demo.bc.base_url(),
        demo.catalog.sku_count(),
        demo.mirakl.base_url(),
        demo.config.clock_scale,
        demo.receiver_addr()
    );
    let pb = catalog_progress();
    let progress = |read: u64, total: u64| pb.set(read, total);
    outln!(
        "Closed operator catalog: products go first (P41, validated against H11/PM11/VL11), then their offers;"
    );
    outln!(
        "full offer reconciliation, new products created in BigCommerce, live changes, orders and shipments…"
    );
    let result = demo.run_script(&progress).await;
    pb.finish("catalog read");
    match result {
        Ok((plan, verdict)) => {
            outln!("{}", demo.summary(&verdict, Some(&plan), started.elapsed()));
            if verdict.ok() {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            }
        }
        Err(e) => {
            errln!("demo failed: {e}");
            if let Ok(v) = demo.verify().await {
                outln!("{}", demo.summary(&v, None, started.elapsed()));
            }
            ExitCode::FAILURE
        }
    }
}

async fn real(args: &Args, path: &std::path::Path) -> ExitCode {
    let cfg = match Config::load(path) {
        Ok(c) => c,
        Err(e) => {
            errln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let _ = SECRETS.set(config_secrets(&cfg));
    let rules = match sync_connector::tools::rules(&cfg) {
        Ok(r) => r,
        Err(e) => {
            errln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let telemetry = Arc::new(sync_connector::observe::Telemetry::new());
    let (bc, mirakl) = match sync_connector::tools::clients_observed(&cfg, Some(&telemetry)) {
        Ok(c) => c,
        Err(e) => {
            errln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let (state, label): (Arc<dyn StateStore>, String) = match &cfg.state_url {
        Some(url) if !args.dry_run => {
            let id = connection_id(&cfg);
            let label = format!("the PostgreSQL state (connection {id})");
            match PostgresStore::connect(url.expose(), &id).await {
                Ok(s) => (Arc::new(s), label),
                Err(e) => {
                    errln!("error: {label}: {e}");
                    return ExitCode::FAILURE;
                }
            }
        }
        _ => match open_state(args, &cfg.state_path) {
            Ok(s) => (Arc::new(s), cfg.state_path.display().to_string()),
            Err(e) => {
                state_error(&cfg.state_path.display().to_string(), path, &e);
                return ExitCode::FAILURE;
            }
        },
    };
    // one instance per state: a second `sync` on the same state stops here, naming the holder
    let holder = LeaseHolder::this_process();
    if let Err(e) = take_lease(state.as_ref(), &holder).await {
        state_error(&label, path, &e);
        return ExitCode::FAILURE;
    }
    let lease = keep_lease(state.clone(), holder.clone());
    let code = run_with_state(args, &cfg, rules, (bc, mirakl, telemetry), state.clone()).await;
    lease.abort();
    if let Err(e) = state.release_lease(&holder).await {
        tracing::warn!(error = %e, "could not release the lease");
    }
    code
}

/// The id of this connection in a shared (PostgreSQL) state: the BigCommerce store hash, the
/// Mirakl instance and the shop, so connections sharing one database never see each other's
/// rows and one connection always finds its own.
fn connection_id(cfg: &Config) -> String {
    let m = &cfg.mirakl.base_url;
    format!(
        "{}@{}:{}/{}",
        cfg.bigcommerce.credentials.store_hash(),
        m.host_str().unwrap_or_default(),
        m.port_or_known_default().unwrap_or_default(),
        cfg.mirakl
            .shop_id
            .map(|s| s.to_string())
            .unwrap_or_default()
    )
}

/// The password of a `postgres://user:password@host/db` URL, if it has one.
fn url_password(url: &str) -> Option<&str> {
    let rest = url.split_once("://")?.1;
    let userinfo = rest.split(['/', '?']).next()?.rsplit_once('@')?.0;
    userinfo.split_once(':').map(|(_, p)| p)
}

/// Opens the state file (in memory for `--dry-run`). With `--rebuild-state`, an unreadable
/// file is moved aside (kept for inspection) and a new one started.
fn open_state(args: &Args, path: &Path) -> Result<SqliteStore, StateError> {
    if args.dry_run {
        return SqliteStore::open_in_memory();
    }
    match SqliteStore::open(path) {
        Err(e) if args.rebuild_state && e.is_unreadable() => {
            let stamp = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs());
            let aside = PathBuf::from(format!("{}.unreadable-{stamp}", path.display()));
            std::fs::rename(path, &aside).map_err(|io| StateError::Backend(Box::new(io)))?;
            for suffix in ["-wal", "-shm"] {
                let side = PathBuf::from(format!("{}{suffix}", path.display()));
                let _ = std::fs::rename(&side, format!("{}{suffix}", aside.display()));
            }
            errln!(
                "the state file {} could not be read ({e}); it was moved to {} and a new one is rebuilt",
                path.display(),
                aside.display()
            );
            SqliteStore::open(path)
        }
        other => other,
    }
}

/// Reports a state error; for a file that cannot be read, says what to do about it.
fn state_error(state: &str, config_path: &Path, e: &StateError) {
    if !e.is_unreadable() {
        errln!("error: {state}: {e}");
        return;
    }
    errln!(
        "error: the state file {state} cannot be read: {e}\n\
         It is damaged, not a connector state file, or not accessible to this user; nothing was sent.\n\
         To go on, either restore a good copy of it, or rebuild it from both services with\n\
         \x20   sync --config {config} --rebuild-state\n\
         which keeps the unreadable file beside the new one ({state}.unreadable-<time>), reads\n\
         BigCommerce and Mirakl (orders by external_order_id, offers from OF21) and writes nothing to either.",
        config = config_path.display(),
    );
}

/// How far back `--rebuild-state` reads Mirakl orders besides the open ones.
const REBUILD_LOOKBACK: Duration = Duration::from_secs(90 * 24 * 3600);

/// `--rebuild-state`: the order map and sent offers from both services, then exit.
async fn rebuild_state(engine: &Connector) -> ExitCode {
    match rebuild::rebuild(engine, REBUILD_LOOKBACK).await {
        Ok(r) => {
            outln!(
                "state rebuilt from both services: {} Mirakl orders ({} found in BigCommerce), {} offers",
                r.orders,
                r.linked,
                r.offers
            );
            for (order, why) in &r.review {
                outln!("to check: order {order}: {why}");
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            errln!("error: rebuilding the state failed (run it again; nothing was sent): {e}");
            ExitCode::FAILURE
        }
    }
}

/// The slowest per-order re-read of a created order's BigCommerce side (the safety net
/// behind shipment webhooks and the order listing by `min_date_modified`).
const SHIPMENT_RECHECK: Duration = Duration::from_secs(30 * 60);

/// A lease not renewed for this long is taken over by the next instance.
const LEASE_STALE_AFTER: Duration = Duration::from_secs(60);

/// Takes the lease; a holder on this host whose process is gone (`kill -9`, a crash) is
/// replaced at once rather than after [`LEASE_STALE_AFTER`].
async fn take_lease(state: &dyn StateStore, holder: &LeaseHolder) -> Result<(), StateError> {
    match state.acquire_lease(holder, LEASE_STALE_AFTER).await {
        Err(StateError::LeaseHeld { holder: old })
            if old.host == holder.host && !process_alive(old.pid) =>
        {
            tracing::info!(previous = %old, "the last holder of the state is gone; taking over");
            state.acquire_lease(holder, Duration::ZERO).await
        }
        other => other,
    }
}

/// Whether process `pid` runs on this host (Linux: `/proc/<pid>`; elsewhere assumed alive,
/// so only the staleness bound frees the lease).
fn process_alive(pid: u32) -> bool {
    if cfg!(target_os = "linux") {
        std::path::Path::new(&format!("/proc/{pid}")).exists()
    } else {
        true
    }
}

/// Renews the lease well within [`LEASE_STALE_AFTER`]; exits the process if it was lost
/// (another instance took the state over: carrying on could repeat its calls).
fn keep_lease(state: Arc<dyn StateStore>, holder: LeaseHolder) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(LEASE_STALE_AFTER / 4).await;
            match state.renew_lease(&holder).await {
                Ok(()) => {}
                Err(StateError::LeaseLost) => {
                    errln!("error: the lease on the state was lost to another instance; stopping");
                    std::process::exit(1);
                }
                Err(e) => tracing::warn!(error = %e, "lease renewal failed; retrying"),
            }
        }
    })
}

async fn run_with_state(
    args: &Args,
    cfg: &Config,
    rules: sync_core::rules::SyncRules,
    (bc, mirakl, telemetry): (
        bigcommerce_api::Client,
        mirakl_api::Client,
        Arc<sync_connector::observe::Telemetry>,
    ),
    state: Arc<dyn StateStore>,
) -> ExitCode {
    let engine = Arc::new(Connector::new(
        bc,
        mirakl,
        state,
        rules,
        ConnectorOptions {
            dry_run: args.dry_run,
            order_overlap: cfg.poll.order_overlap,
            import_poll: cfg.poll.import_status,
            // shipments come from webhooks and the BigCommerce order listing at the poll
            // pace; each open order is re-read on its own only as a slow last resort
            shipment_recheck: cfg.poll.bigcommerce.max(SHIPMENT_RECHECK),
            products: cfg.products.clone(),
            price_list_id: cfg.bigcommerce.price_list_id,
            location_inventory: cfg.bigcommerce.location_inventory,
            order_channel: cfg.bigcommerce.order_channel.clone(),
            messages: cfg.messages.clone(),
            telemetry: Some(telemetry),
            ..ConnectorOptions::default()
        },
    ));
    if args.rebuild_state {
        return rebuild_state(&engine).await;
    }
    // the store's price tax basis against the marketplace's, before anything is sent
    match engine.check_tax_basis().await {
        Ok(Ok(None)) => {}
        Ok(Ok(Some(c))) => tracing::info!(
            from = ?c.from,
            to = ?c.to,
            rate_percent = %c.rate_percent,
            "store prices are converted to the marketplace's tax basis"
        ),
        Ok(Err(e)) => {
            errln!("error: refusing to start: {e}");
            return ExitCode::FAILURE;
        }
        Err(e) => {
            errln!("error: cannot read the store's tax setting (/v2/store): {e}");
            return ExitCode::FAILURE;
        }
    }
    // every reason code the rules may send is one the operator lists for it (RE01)
    match sync_connector::reasons::check_reason_codes(engine.mirakl(), engine.rules()).await {
        Ok(codes) => tracing::info!(
            codes = ?codes.iter().map(|c| c.code.as_str()).collect::<Vec<_>>(),
            "reason codes are in the operator's list"
        ),
        Err(e @ sync_connector::reasons::ReasonCheckError::Unknown(_)) => {
            errln!("error: refusing to start: {e}");
            return ExitCode::FAILURE;
        }
        Err(e) => tracing::warn!(
            error = %e,
            "the reason codes could not be checked; Mirakl refuses a cancelation or refund with a code it does not list"
        ),
    }
    // the channel marketplace orders are created in: found, or created once
    match engine.setup_order_channel().await {
        Ok(c) => match &c.fallback {
            None => tracing::info!(
                channel = c.channel_id,
                created = c.created,
                "marketplace orders go to this BigCommerce channel"
            ),
            Some(why) => errln!(
                "warning: marketplace orders go to the storefront channel {}: {why}",
                c.channel_id
            ),
        },
        Err(e) => tracing::warn!(
            error = %e,
            "the BigCommerce order channel could not be set up; tried again before the first order is created"
        ),
    }
    match engine.in_flight_on_start().await {
        Ok(0) => {}
        Ok(n) => tracing::info!(pending = n, "resuming unconfirmed calls from the last run"),
        Err(e) => {
            errln!("error: {e}");
            return ExitCode::FAILURE;
        }
    }
    let (tx, rx) = mpsc::unbounded_channel();
    let mut _receiver = None;
    if let Some(w) = &cfg.webhooks
        && !args.once
    {
        match webhooks::serve(w.listen, w.secret.clone(), tx.clone()).await {
            Ok(r) => _receiver = Some(r),
            Err(e) => {
                errln!("error: cannot listen on {}: {e}", w.listen);
                return ExitCode::FAILURE;
            }
        }
        if let Some(url) = &w.public_url {
            match engine.register_webhooks(url.as_str(), &w.secret).await {
                Ok(n) => tracing::info!(created = n, "webhooks registered"),
                Err(e) => tracing::warn!(error = %e, "webhook registration failed; polling only"),
            }
        }
    }
    // /healthz, /metrics and the status page, while the connector runs
    let _observe = match &cfg.observe {
        Some(o) if !args.once => match sync_connector::observe::serve(o, engine.clone()).await {
            Ok(server) => Some(server),
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::FAILURE;
            }
        },
        _ => None,
    };
    // SIGTERM or Ctrl-C stops a long-running `sync` within seconds, from the start-up steps
    // on: the step under way is dropped after a short grace (runner::until_stopped)
    let (stop_tx, mut stop_rx) = watch::channel(false);
    if !args.once && !args.dry_run {
        tokio::spawn(async move {
            shutdown_signal().await;
            tracing::info!("stopping: the step under way ends within seconds");
            let _ = stop_tx.send(true);
        });
    }
    // steps of a --once run that failed: the run goes on with what it safely can, then exits
    // non-zero naming each of them
    let mut failed: Vec<(&str, String)> = Vec::new();
    // orders first: units held by open orders are subtracted from the stock offered
    match runner::until_stopped(engine.poll_orders(), &mut stop_rx, runner::STOP_GRACE).await {
        None => return stopped(),
        Some(Ok(_)) => {}
        Some(Err(e)) => {
            tracing::warn!(error = %e, "order poll failed");
            failed.push(("order poll (OR11 and the order steps)", e.to_string()));
        }
    }
    // customer messages and incidents onto the BigCommerce orders
    if let Err(e) = engine.messages().step().await {
        tracing::warn!(error = %e, "messages step failed");
        failed.push(("messages (M11) and incidents", e.to_string()));
    }
    if args.once || args.dry_run {
        let a = engine.messages().attention();
        let past = a.deadlines.iter().filter(|d| d.past).count();
        outln!(
            "orders: {} messages copied, {} incidents open, {} deadlines near, {} past{}",
            a.messages_copied,
            a.incidents.len(),
            a.deadlines.len() - past,
            past,
            engine
                .order_channel_id()
                .map(|c| format!(", channel {c}"))
                .unwrap_or_default()
        );
        for d in &a.deadlines {
            outln!(
                "  {} {} deadline {} {}",
                d.order_id,
                d.kind,
                if d.past { "passed" } else { "at" },
                d.due
            );
        }
        for i in &a.incidents {
            outln!(
                "  incident on {} ({}): {}",
                i.order_line_id,
                i.sku,
                i.reason_label.as_deref().unwrap_or("no reason given")
            );
        }
    }
    if engine.products_enabled() && (args.once || args.dry_run) {
        // one product cycle first: products the operator integrates can be offered below
        let wait = cfg
            .products
            .as_ref()
            .map_or(Duration::from_secs(3600), |p| p.status_poll * p.max_polls);
        match engine.sync_products_until_idle(wait).await {
            Ok(step) => outln!("products: {step:?}"),
            Err(e) => {
                errln!("product sync failed: {e}");
                failed.push(("product sync (P41)", e.to_string()));
            }
        }
        let r = engine.product_report();
        for (sku, why) in &r.rejected {
            outln!(
                "product not on the marketplace: {sku}: {} ({})",
                why.reason,
                why.stage
            );
        }
    }
    let pb = catalog_progress();
    let Some(summary) = runner::until_stopped(
        engine.reconcile(&|read, total| pb.set(read, total)),
        &mut stop_rx,
        runner::STOP_GRACE,
    )
    .await
    else {
        pb.finish("stopped");
        return stopped();
    };
    pb.finish("catalog read");
    match &summary {
        Ok(s) => outln!(
            "reconciliation: {} new, {} changed, {} unchanged, {} removed, {} problems, {} held until their product is on the marketplace",
            s.new,
            s.changed,
            s.unchanged,
            s.removed,
            s.problems,
            s.held
        ),
        Err(e) => {
            errln!("reconciliation failed: {e}");
            failed.push(("offer reconciliation", e.to_string()));
        }
    }
    if args.once || args.dry_run {
        // offers are only sent from a reconciliation that completed
        if summary.is_ok() {
            engine.flush().await;
        }
        let problems = engine.with_counters(|s| s.problems.len());
        if failed.is_empty() {
            outln!("done ({problems} SKUs with problems)");
            return ExitCode::SUCCESS;
        }
        outln!(
            "done with {} failed step(s) ({problems} SKUs with problems)",
            failed.len()
        );
        for (step, why) in &failed {
            errln!("error: {step} failed: {why}");
        }
        return ExitCode::FAILURE;
    }
    if let Err(e) = &summary {
        tracing::warn!(error = %e, "start-up reconciliation failed; the runner retries it");
    }
    let bc_poll = if cfg.webhooks.is_some() {
        cfg.poll.bigcommerce
    } else {
        cfg.poll.bigcommerce.min(Duration::from_secs(60))
    };
    runner::run(
        engine,
        RunOptions {
            order_poll: cfg.poll.mirakl_orders,
            bigcommerce_poll: Some(bc_poll),
            full_reconcile: Some(cfg.poll.full_reconcile),
            tick: Duration::from_secs(1),
            reconcile_on_start: summary.is_err(),
        },
        rx,
        stop_rx,
    )
    .await;
    stopped()
}

/// The exit of a `sync` stopped by SIGTERM or Ctrl-C: whatever was under way is recorded (a
/// call in flight is settled by the next start).
fn stopped() -> ExitCode {
    tracing::info!("stopped");
    ExitCode::SUCCESS
}

/// `sync worker`: the fleet's connections, shared with the other workers through the store
/// leases of the PostgreSQL state (see `sync_connector::fleet`).
async fn worker(path: &Path, worker_id: Option<&str>) -> ExitCode {
    use sync_connector::fleet::{
        self, FleetConfig, LeaseBoard, SoleWorker, SqliteFiles, StateSource,
    };
    let cfg = match FleetConfig::load(path) {
        Ok(c) => c,
        Err(e) => {
            errln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut redactor = Redactor::default();
    for shop in cfg.connections.iter().flat_map(|c| &c.shops) {
        redactor.extend(&config_secrets(&shop.config));
    }
    if let Some(password) = cfg
        .state_url
        .as_ref()
        .and_then(|u| url_password(u.expose()))
    {
        redactor.add_value(password);
    }
    let _ = SECRETS.set(redactor);
    let holder = LeaseHolder::this_process();
    let id = worker_id.map_or_else(|| format!("{}-{}", holder.host, holder.pid), str::to_owned);
    let (board, states): (Arc<dyn LeaseBoard>, Arc<dyn StateSource>) = match &cfg.state_url {
        Some(url) => {
            // a few connections per shop served, shared by all of them
            let shops: usize = cfg.connections.iter().map(|c| c.shops.len()).sum();
            let states = match PostgresStates::connect(url.expose(), shops.clamp(4, 32)).await {
                Ok(s) => s,
                Err(e) => {
                    errln!("error: the PostgreSQL state: {e}");
                    return ExitCode::FAILURE;
                }
            };
            // the lease rounds on a pool of their own: connections busy with their steps
            // must never make a worker miss its renewals
            let leases = match PostgresStates::connect(url.expose(), 2).await {
                Ok(s) => s,
                Err(e) => {
                    errln!("error: the PostgreSQL state: {e}");
                    return ExitCode::FAILURE;
                }
            };
            match leases.workers(&id) {
                Ok(board) => (Arc::new(board), Arc::new(states)),
                Err(e) => {
                    errln!("error: worker id {id:?}: {e}");
                    return ExitCode::FAILURE;
                }
            }
        }
        None => (
            Arc::new(SoleWorker::new(&cfg)),
            Arc::new(SqliteFiles::new(&cfg.state_path)),
        ),
    };
    let (stop_tx, stop_rx) = watch::channel(false);
    tokio::spawn(async move {
        shutdown_signal().await;
        tracing::info!("stopping: giving the stores back");
        let _ = stop_tx.send(true);
    });
    tracing::info!(worker = %id, connections = cfg.connections.len(), "worker started");
    let report = fleet::run_worker(&cfg, board, states, cfg.worker, stop_rx).await;
    outln!("{report:?}");
    ExitCode::SUCCESS
}

/// Ctrl-C, or SIGTERM (what service managers send) on Unix.
async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    match &args.command {
        Some(Command::Audit {
            config,
            json,
            offers,
        }) => {
            init_logs("warn");
            let opts = sync_connector::audit::AuditOptions {
                offers_from: *offers,
                ..Default::default()
            };
            return ExitCode::from(sync_connector::audit::run_cli(config, *json, &opts).await);
        }
        Some(Command::Explain { config, target }) => {
            init_logs("warn");
            return ExitCode::from(sync_connector::explain::run_cli(config, target).await);
        }
        Some(Command::Reply {
            config,
            order,
            text,
        }) => {
            init_logs("warn");
            return ExitCode::from(
                sync_connector::messages::run_reply_cli(config, order, text).await,
            );
        }
        Some(Command::Worker { config, worker_id }) => {
            init_logs("info");
            return worker(config, worker_id.as_deref()).await;
        }
        None => {}
    }
    match &args.config {
        #[cfg(feature = "demo")]
        None => {
            init_logs("warn,bc_mirakl_api_core=error");
            demo(&args).await
        }
        #[cfg(not(feature = "demo"))]
        None => {
            errln!(
                "error: no --config given, and this build has no demo (built without the `demo` feature)"
            );
            ExitCode::FAILURE
        }
        Some(path) => {
            init_logs("info");
            let path = path.clone();
            real(&args, &path).await
        }
    }
}

#[cfg(test)]
mod tests {
    use super::url_password;

    #[test]
    fn finds_the_password_of_a_state_url() {
        assert_eq!(
            url_password("postgres://sync:s3cr%40t-pass@db.internal:5432/sync?sslmode=disable"),
            Some("s3cr%40t-pass")
        );
        assert_eq!(url_password("postgres://sync@127.0.0.1/sync"), None);
        assert_eq!(url_password("postgres://127.0.0.1/sync"), None);
        assert_eq!(url_password("not a url"), None);
    }
}
