//! `recent-orders`: lists the Mirakl orders updated recently (OR11), newest first.
//!
//! ```text
//! cargo run -p examples --bin recent-orders -- --config connector.toml --days 3 --max 50
//! ```

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use sync_connector::tools;

/// Lists recent Mirakl orders.
#[derive(Debug, Parser)]
#[command(name = "recent-orders", version, about)]
struct Args {
    /// Configuration file (default: the environment only).
    #[arg(long)]
    config: Option<PathBuf>,
    /// Orders updated in the last N days.
    #[arg(long, default_value_t = 7)]
    days: u64,
    /// At most this many orders.
    #[arg(long, default_value_t = 20)]
    max: usize,
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
    let (_, mk) = match tools::clients(&cfg) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    match tools::recent_orders(&mk, Duration::from_secs(args.days * 86_400), args.max).await {
        Ok(orders) => {
            if orders.is_empty() {
                println!("no order updated in the last {} days", args.days);
            }
            for o in &orders {
                println!("{}", tools::order_line(o));
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
