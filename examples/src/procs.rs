//! Real `sync` processes against a [`Demo`]'s sandboxes, for the crash tests and the `soak`
//! bench: the configuration that points a `sync` process at the stand-ins, a child process
//! whose stderr is watched (and that can be killed with SIGKILL), and the order tally read from
//! the sandboxes' own records, never from the connector's state.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::demo::Demo;

/// The `connector.toml` text for a `sync` process against `demo`'s stand-ins, with its state
/// at `state` and every poll at `poll_secs`.
pub fn sync_config(demo: &Demo, state: &Path, poll_secs: u64) -> String {
    format!(
        "[bigcommerce]\nstore_hash = \"{}\"\naccess_token = \"{}\"\napi_base = \"{}\"\n\
         [mirakl]\nbase_url = \"{}\"\napi_key = \"{}\"\nshop_id = {}\nenforce_ceilings = false\n\
         [poll]\nimport_status_secs = 1\nmirakl_orders_secs = {poll_secs}\nbigcommerce_secs = {poll_secs}\n\
         full_reconcile_secs = 3600\n[state]\npath = {:?}\n",
        demo.bc.store_hash(),
        demo.bc.access_token(),
        demo.bc.base_url(),
        demo.mirakl.base_url(),
        demo.mirakl.api_key(),
        demo.mirakl.shop_id(),
        state.display().to_string(),
    )
}

/// Writes [`sync_config`] to `dir/connector.toml` (state `dir/state.sqlite`) and returns its
/// path.
///
/// # Errors
/// The file cannot be written.
pub fn write_sync_config(dir: &Path, demo: &Demo, poll_secs: u64) -> std::io::Result<PathBuf> {
    let path = dir.join("connector.toml");
    std::fs::write(
        &path,
        sync_config(demo, &dir.join("state.sqlite"), poll_secs),
    )?;
    Ok(path)
}

/// A running `sync` process; its stderr is collected as it comes.
#[derive(Debug)]
pub struct SyncProcess {
    child: Child,
    stderr: Arc<Mutex<String>>,
}

impl SyncProcess {
    /// Starts `bin --config config` with `args` and extra environment `env`; stdout is
    /// discarded, stderr collected.
    ///
    /// # Errors
    /// The process cannot be started.
    pub fn spawn(
        bin: &Path,
        config: &Path,
        args: &[&str],
        env: &[(&str, &str)],
    ) -> std::io::Result<SyncProcess> {
        let mut cmd = Command::new(bin);
        cmd.arg("--config")
            .arg(config)
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        if std::env::var_os("RUST_LOG").is_none() {
            cmd.env("RUST_LOG", "warn");
        }
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn()?;
        let stderr = Arc::new(Mutex::new(String::new()));
        if let Some(pipe) = child.stderr.take() {
            let sink = stderr.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(pipe).lines().map_while(Result::ok) {
                    let mut s = sink.lock().unwrap_or_else(|e| e.into_inner());
                    s.push_str(&line);
                    s.push('\n');
                }
            });
        }
        Ok(SyncProcess { child, stderr })
    }

    /// What the process wrote on stderr so far.
    pub fn stderr(&self) -> String {
        self.stderr
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Waits until stderr holds `needle` (`true`), the process exits or `timeout` passes
    /// (`false`).
    pub async fn wait_for_stderr(&mut self, needle: &str, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        loop {
            if self.stderr().contains(needle) {
                return true;
            }
            if Instant::now() > deadline || matches!(self.child.try_wait(), Ok(Some(_))) {
                return self.stderr().contains(needle);
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Whether the process is still running.
    pub fn running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// The exit status once the process has exited (`None` while it runs).
    pub fn exit_status(&mut self) -> Option<std::process::ExitStatus> {
        self.child.try_wait().ok().flatten()
    }

    /// The process id.
    pub fn id(&self) -> u32 {
        self.child.id()
    }

    /// Kills the process with SIGKILL (`kill -9`: no clean-up of any kind) and reaps it.
    pub fn kill9(&mut self) {
        // std's `Child::kill` sends SIGKILL on Unix
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Sends SIGTERM and waits up to `timeout` for the exit; kills it after that. Returns
    /// whether it stopped on its own.
    pub async fn terminate(&mut self, timeout: Duration) -> bool {
        #[cfg(unix)]
        {
            let _ = Command::new("kill")
                .arg("-TERM")
                .arg(self.child.id().to_string())
                .status();
        }
        let deadline = Instant::now() + timeout;
        while Instant::now() < deadline {
            if !self.running() {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        self.kill9();
        false
    }
}

impl Drop for SyncProcess {
    fn drop(&mut self) {
        if self.running() {
            self.kill9();
        }
    }
}

/// The marketplace orders against the BigCommerce store, from the sandboxes' records.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OrderTally {
    /// Orders placed.
    pub placed: usize,
    /// Accepted orders Mirakl released (SHIPPING or later) that are in BigCommerce once.
    pub created_once: usize,
    /// Released orders missing from BigCommerce.
    pub lost: Vec<String>,
    /// Orders in BigCommerce more than once.
    pub duplicated: Vec<String>,
    /// Orders shipped in BigCommerce whose shipment Mirakl does not show (not SHIPPED).
    pub unconfirmed: Vec<String>,
    /// Orders still waiting on Mirakl's side (acceptance or debit).
    pub waiting: Vec<String>,
}

impl OrderTally {
    /// Whether every released order is in BigCommerce exactly once and every shipment is
    /// confirmed on Mirakl.
    pub fn settled(&self) -> bool {
        self.lost.is_empty()
            && self.duplicated.is_empty()
            && self.unconfirmed.is_empty()
            && self.waiting.is_empty()
    }
}

/// Counts `demo.placed` against both sandboxes.
pub fn tally(demo: &Demo) -> OrderTally {
    let mut t = OrderTally::default();
    let mut seen = std::collections::BTreeSet::new();
    for (id, _) in &demo.placed {
        if !seen.insert(id.clone()) {
            continue;
        }
        t.placed += 1;
        let bc_ids = demo.bc.orders_by_external_id(id);
        if bc_ids.len() > 1 {
            t.duplicated.push(id.clone());
        }
        let state = demo.mirakl_state(id).unwrap_or_default();
        match state.as_str() {
            "STAGING" | "WAITING_ACCEPTANCE" | "WAITING_DEBIT" | "WAITING_DEBIT_PAYMENT" => {
                t.waiting.push(id.clone());
            }
            "SHIPPING" | "SHIPPED" | "TO_COLLECT" | "RECEIVED" | "CLOSED" => {
                if bc_ids.is_empty() {
                    t.lost.push(id.clone());
                } else if bc_ids.len() == 1 {
                    t.created_once += 1;
                }
            }
            _ => {}
        }
        let shipped_in_bc = bc_ids
            .iter()
            .any(|b| demo.bc.order(*b).is_some_and(|o| !o.shipments.is_empty()));
        if shipped_in_bc && state != "SHIPPED" {
            t.unconfirmed.push(id.clone());
        }
    }
    t
}

/// Ships, in BigCommerce, every not yet shipped (nor cancelled) order created there for one of
/// `demo.placed`, as a warehouse would. Returns how many were shipped.
pub fn ship_created(demo: &Demo) -> usize {
    let mut n = 0;
    for (id, _) in &demo.placed {
        for bid in demo.bc.orders_by_external_id(id) {
            let Some(o) = demo.bc.order(bid) else {
                continue;
            };
            if o.shipments.is_empty()
                && o.status_id != 5
                && demo
                    .bc
                    .ship_order(bid, &format!("AP{bid:08}"), "auspost")
                    .is_some()
            {
                n += 1;
            }
        }
    }
    n
}
