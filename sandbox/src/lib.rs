//! Local, stateful stand-ins of a BigCommerce store and a Mirakl operator, served on
//! loopback, with fault injection and a deterministic demo data generator.
//!
//! Each stand-in is an axum router served in-process on `127.0.0.1` (see [`serve`]); the shared
//! [`faults`] module wraps either router with deterministic fault injection and a request log.
//! Nothing here can reach a real store: tests, demos and benchmarks run against these.
//!
//! Every request is first checked against the request contracts derived from the official API
//! documents ([`contract`]; `sandbox/contracts/*.json`, regenerated with
//! `cargo run -p contract-derive -- ../shared/specs sandbox/contracts`): what the real service
//! would reject is rejected the same way, undeclared query parameters are dropped, and every
//! violation is recorded ([`BigCommerceSandbox::contract_violations`],
//! [`MiraklSandbox::contract_violations`], `GET /__sandbox/contract-violations`).
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use sync_sandbox::bigcommerce::BigCommerceConfig;
//! use sync_sandbox::demo::DemoCatalog;
//! use sync_sandbox::mirakl::MiraklConfig;
//! use sync_sandbox::{BigCommerceSandbox, FaultConfig, MiraklSandbox};
//!
//! let catalog = DemoCatalog::generate(1, 100, 3); // 300 SKUs, same every run
//! let bc = BigCommerceSandbox::start(BigCommerceConfig::default()).await?;
//! bc.load_demo(&catalog);
//! let mirakl = MiraklSandbox::start(MiraklConfig::default()).await?;
//! // Point the clients at bc.base_url() (store hash bc.store_hash(), token bc.access_token())
//! // and mirakl.base_url() (key mirakl.api_key()); then, for example, inject 10 % faults:
//! bc.faults().set(FaultConfig::uniform(7, 0.10));
//! println!("{} calls to the catalog", bc.requests().count_suffix("/v3/catalog/products"));
//! # let _ = mirakl; Ok(()) }
//! ```
#![deny(missing_docs)]
#![recursion_limit = "256"]

pub mod bigcommerce;
pub mod contract;
pub mod demo;
pub mod faults;
pub mod mirakl;

pub use bigcommerce::BigCommerceSandbox;
pub use contract::{ContractChecking, ContractLog, ContractViolation, ViolationKind};
pub use faults::{FaultConfig, FaultKind, Faults, RequestLog};
pub use mirakl::MiraklSandbox;

use std::net::SocketAddr;

use axum::Router;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// A router served in a spawned tokio task. Dropping it (or calling [`Server::shutdown`]) stops
/// accepting connections and shuts the server down gracefully.
#[derive(Debug)]
pub struct Server {
    addr: SocketAddr,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl Server {
    /// The bound address (`127.0.0.1:PORT` for [`serve`]).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://ADDR/`.
    pub fn base_url(&self) -> url::Url {
        url::Url::parse(&format!("http://{}/", self.addr)).expect("a socket address forms a URL")
    }

    /// Stops the server and waits for its task to end.
    pub async fn shutdown(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// Serves `router` on `127.0.0.1` with an OS-chosen port, in a spawned task of the current tokio
/// runtime.
///
/// # Errors
/// The I/O error if the socket cannot be bound.
pub async fn serve(router: Router) -> std::io::Result<Server> {
    serve_on(SocketAddr::from(([127, 0, 0, 1], 0)), router).await
}

/// Serves `router` on `addr` (port 0 picks a free port), in a spawned task of the current tokio
/// runtime.
///
/// # Errors
/// The I/O error if the socket cannot be bound.
pub async fn serve_on(addr: SocketAddr, router: Router) -> std::io::Result<Server> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let addr = listener.local_addr()?;
    let (tx, rx) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        let result = axum::serve(listener, router)
            .with_graceful_shutdown(async move {
                let _ = rx.await;
            })
            .await;
        if let Err(error) = result {
            tracing::warn!(%error, "sandbox server stopped with an error");
        }
    });
    Ok(Server {
        addr,
        shutdown: Some(tx),
        task: Some(task),
    })
}
