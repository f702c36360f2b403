//! `export-offers-csv`: computes the desired offers of the whole BigCommerce catalog with the
//! configured rules and writes them as a Mirakl OF01 offer CSV (to a file or stdout), e.g. to
//! review before a first import or to upload by hand. Problems (items that cannot be offered)
//! go to stderr.
//!
//! ```text
//! cargo run -p examples --bin export-offers-csv -- --config connector.toml --out offers.csv
//! ```

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::Parser;
use sync_connector::state::SqliteStore;
use sync_connector::tools;
use sync_connector::{Connector, ConnectorOptions};

/// Exports the desired offers as an OF01 CSV.
#[derive(Debug, Parser)]
#[command(name = "export-offers-csv", version, about)]
struct Args {
    /// Configuration file (default: the environment only, default rules).
    #[arg(long)]
    config: Option<PathBuf>,
    /// Output file (default: stdout).
    #[arg(long)]
    out: Option<PathBuf>,
}

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        // colour only on a terminal: piped or redirected logs stay plain text
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    let args = Args::parse();
    let cfg = match tools::load_config(args.config.as_deref()) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let (rules, (bc, mk)) = match (tools::rules(&cfg), tools::clients(&cfg)) {
        (Ok(r), Ok(c)) => (r, c),
        (Err(e), _) | (_, Err(e)) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let state = match SqliteStore::open_in_memory() {
        Ok(s) => Arc::new(s),
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let engine = Connector::new(
        bc,
        mk,
        state,
        rules,
        ConnectorOptions {
            dry_run: true,
            ..ConnectorOptions::default()
        },
    );
    let (csv, problems) = match tools::offers_csv(&engine).await {
        Ok(x) => x,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    for p in &problems {
        eprintln!("problem: {p}");
    }
    let written = match &args.out {
        Some(path) => std::fs::write(path, &csv),
        None => std::io::stdout().write_all(&csv),
    };
    if let Err(e) = written {
        eprintln!("error: cannot write the CSV: {e}");
        return ExitCode::FAILURE;
    }
    eprintln!(
        "{} offers exported, {} problems",
        csv.iter()
            .filter(|b| **b == b'\n')
            .count()
            .saturating_sub(1),
        problems.len()
    );
    ExitCode::SUCCESS
}
