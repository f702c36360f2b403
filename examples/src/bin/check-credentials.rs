//! `check-credentials`: checks the BigCommerce access token (`GET /v2/store`) and the Mirakl
//! shop API key (A01), and says what each service reports about the account.
//!
//! ```text
//! cargo run -p examples --bin check-credentials -- --config connector.toml
//! BIGCOMMERCE_API_PATH=… BIGCOMMERCE_ACCESS_TOKEN=… MIRAKL_BASE_URL=… MIRAKL_API_KEY=… \
//!     cargo run -p examples --bin check-credentials
//! ```

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use sync_connector::tools::{self, Check};

/// Checks the credentials of both services.
#[derive(Debug, Parser)]
#[command(name = "check-credentials", version, about)]
struct Args {
    /// Configuration file (default: the environment only).
    #[arg(long)]
    config: Option<PathBuf>,
}

fn show(name: &str, c: &Check) {
    match c {
        Check::Ok(what) => println!("{name:12} OK      {what}"),
        Check::Failed(why) => println!("{name:12} FAILED  {why}"),
    }
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
    let (bc, mk) = match tools::clients(&cfg) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let (b, m) = tools::check_credentials(&bc, &mk).await;
    show("BigCommerce", &b);
    show("Mirakl", &m);
    if b.ok() && m.ok() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
