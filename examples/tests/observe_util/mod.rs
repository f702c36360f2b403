//! What the observe tests share: a connector built from a `connector.toml` pointing at the
//! demo's sandboxes (so the clients are built exactly as `sync` builds them), its runner,
//! and a plain HTTP GET on loopback.

#![allow(dead_code)]

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use examples::demo::{Demo, demo_rules, sandbox_engine_options, sandbox_run_options};
use sync_connector::config::Config;
use sync_connector::observe::Telemetry;
use sync_connector::runner;
use sync_connector::state::SqliteStore;
use sync_connector::{Connector, ConnectorOptions};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

/// The `connector.toml` text for the demo's sandboxes.
pub fn config_text(demo: &Demo, extra: &str) -> String {
    format!(
        "[bigcommerce]\nstore_hash = \"{}\"\naccess_token = \"{}\"\napi_base = \"{}\"\n\
         [mirakl]\nbase_url = \"{}\"\napi_key = \"{}\"\nshop_id = {}\nenforce_ceilings = false\n\
         [poll]\nimport_status_secs = 1\n{extra}",
        demo.bc.store_hash(),
        demo.bc.access_token(),
        demo.bc.base_url(),
        demo.mirakl.base_url(),
        demo.mirakl.api_key(),
        demo.mirakl.shop_id(),
    )
}

/// The demo's rules as a `[rules]` table, for a `connector.toml`.
pub fn rules_toml() -> String {
    let mut t = toml::Table::new();
    t.insert(
        "rules".into(),
        toml::Value::try_from(demo_rules(60)).expect("the rules serialise"),
    );
    toml::to_string(&t).expect("the rules serialise")
}

/// The configuration for the demo's sandboxes, with `extra` TOML appended.
pub fn config(demo: &Demo, extra: &str) -> Config {
    let none = |_: &str| None;
    Config::from_toml(&config_text(demo, extra), std::path::Path::new("."), &none).unwrap()
}

/// A connector whose clients report to its telemetry, and its running loop.
pub struct Running {
    pub engine: Arc<Connector>,
    task: Option<JoinHandle<()>>,
    stop: watch::Sender<bool>,
}

impl Running {
    /// Builds the connector as `sync` does (observed clients, in-memory state) and starts
    /// the runner with the sandbox intervals (clock ×60).
    pub fn start(cfg: &Config, rules: sync_core::rules::SyncRules) -> Running {
        Running::start_on(cfg, rules, Arc::new(SqliteStore::open_in_memory().unwrap()))
    }

    /// As [`Running::start`], on `store`.
    pub fn start_on(
        cfg: &Config,
        rules: sync_core::rules::SyncRules,
        store: Arc<SqliteStore>,
    ) -> Running {
        let telemetry = Arc::new(Telemetry::new());
        let (bc, mirakl) = sync_connector::tools::clients_observed(cfg, Some(&telemetry)).unwrap();
        let engine = Arc::new(Connector::new(
            bc,
            mirakl,
            store,
            rules,
            ConnectorOptions {
                telemetry: Some(telemetry),
                ..sandbox_engine_options(60)
            },
        ));
        let (_tx, rx) = mpsc::unbounded_channel();
        let (stop, stop_rx) = watch::channel(false);
        let task = tokio::spawn(runner::run(
            engine.clone(),
            sandbox_run_options(60),
            rx,
            stop_rx,
        ));
        Running {
            engine,
            task: Some(task),
            stop,
        }
    }

    /// Stops the loop after its current step.
    pub async fn stop(&mut self) {
        let _ = self.stop.send(true);
        if let Some(t) = self.task.take() {
            tokio::time::timeout(Duration::from_secs(60), t)
                .await
                .expect("the runner stops within a minute")
                .unwrap();
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(t) = self.task.take() {
            t.abort();
        }
    }
}

/// The demo's rules.
pub fn rules() -> sync_core::rules::SyncRules {
    demo_rules(60)
}

/// `GET path` on `addr` with optional headers: the status and the body.
pub async fn get(addr: SocketAddr, path: &str, headers: &[(&str, &str)]) -> (u16, String) {
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    let extra: String = headers
        .iter()
        .map(|(k, v)| format!("{k}: {v}\r\n"))
        .collect();
    let req = format!("GET {path} HTTP/1.1\r\nhost: {addr}\r\n{extra}connection: close\r\n\r\n");
    s.write_all(req.as_bytes()).await.unwrap();
    let mut out = Vec::new();
    s.read_to_end(&mut out).await.unwrap();
    let text = String::from_utf8_lossy(&out).into_owned();
    let status = text[9..12].parse().unwrap();
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    (status, body)
}

/// Polls `cond` every 100 ms until it holds; panics with `what` after `limit`.
pub async fn wait_until<F, Fut>(what: &str, limit: Duration, mut cond: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + limit;
    loop {
        if cond().await {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "gave up waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
