#![cfg(feature = "demo")]
//! `sync --once` exits non-zero when one of its steps failed (issue 11 defect 6): the real `sync`
//! binary against the sandboxes, with the Mirakl order endpoints behind a stand-in that answers
//! 500 (loopback only).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use examples::demo::{Demo, DemoConfig};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

fn temp_dir(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "examples-runtime-{tag}-{}-{}",
        std::process::id(),
        fastrand::u64(..)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Reads one request head (up to the blank line) and its `Content-Length` body.
async fn read_request(client: &mut TcpStream) -> Option<(String, Vec<u8>)> {
    let mut buf = Vec::new();
    let mut byte = [0u8; 1];
    while !buf.ends_with(b"\r\n\r\n") {
        if client.read(&mut byte).await.ok()? == 0 {
            return None;
        }
        buf.push(byte[0]);
    }
    let head = String::from_utf8_lossy(&buf).into_owned();
    let len = head
        .lines()
        .find_map(|l| {
            let (name, value) = l.split_once(':')?;
            name.eq_ignore_ascii_case("content-length")
                .then(|| value.trim().parse::<usize>().ok())?
        })
        .unwrap_or(0);
    let mut body = vec![0u8; len];
    client.read_exact(&mut body).await.ok()?;
    Some((head, body))
}

/// A stand-in in front of `upstream` that answers 500 to every request whose path starts with
/// `failing`, and passes every other one through (one request per connection).
async fn failing_proxy(upstream: SocketAddr, failing: &'static str) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let Ok((mut client, _)) = listener.accept().await else {
                return;
            };
            tokio::spawn(async move {
                let Some((head, body)) = read_request(&mut client).await else {
                    return;
                };
                let path = head.split_whitespace().nth(1).unwrap_or("");
                if path.starts_with(failing) {
                    let text = r#"{"status":500,"message":"stand-in failure"}"#;
                    let reply = format!(
                        "HTTP/1.1 500 Internal Server Error\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{text}",
                        text.len()
                    );
                    let _ = client.write_all(reply.as_bytes()).await;
                    return;
                }
                let Ok(mut server) = TcpStream::connect(upstream).await else {
                    return;
                };
                // one request per connection: ask both sides to close after it
                let mut forwarded: String = head
                    .trim_end()
                    .lines()
                    .filter(|l| !l.to_ascii_lowercase().starts_with("connection:"))
                    .map(|l| format!("{l}\r\n"))
                    .collect();
                forwarded.push_str("connection: close\r\n\r\n");
                if server.write_all(forwarded.as_bytes()).await.is_err()
                    || server.write_all(&body).await.is_err()
                {
                    return;
                }
                let mut answer = Vec::new();
                let _ = server.read_to_end(&mut answer).await;
                let _ = client.write_all(&answer).await;
            });
        }
    });
    addr
}

fn write_config(dir: &Path, demo: &Demo, mirakl_base: &str) -> PathBuf {
    let text = format!(
        "[bigcommerce]\nstore_hash = \"{}\"\naccess_token = \"{}\"\napi_base = \"{}\"\n\
         [mirakl]\nbase_url = \"{mirakl_base}\"\napi_key = \"{}\"\nshop_id = {}\nenforce_ceilings = false\n\
         [poll]\nimport_status_secs = 1\n[state]\npath = \"state.sqlite\"\n",
        demo.bc.store_hash(),
        demo.bc.access_token(),
        demo.bc.base_url(),
        demo.mirakl.api_key(),
        demo.mirakl.shop_id(),
    );
    let path = dir.join("connector.toml");
    std::fs::write(&path, text).unwrap();
    path
}

async fn run_once(config: PathBuf) -> (bool, String, String) {
    tokio::task::spawn_blocking(move || {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_sync"))
            .arg("--config")
            .arg(&config)
            .arg("--once")
            .env("RUST_LOG", "warn")
            .output()
            .unwrap();
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    })
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn once_exits_non_zero_naming_the_failed_step_after_the_rest() {
    let demo = Demo::start(DemoConfig {
        seed: 11,
        products: 8,
        variants: 1,
        orders: 2,
        bc_quota: 1000,
        stale_share: 0.0,
        timeout: Duration::from_secs(60),
        closed_catalog: false,
        ..DemoConfig::default()
    })
    .await
    .unwrap();
    let mirakl = demo.mirakl.base_url();
    let upstream: SocketAddr = format!(
        "{}:{}",
        mirakl.host_str().unwrap(),
        mirakl.port_or_known_default().unwrap()
    )
    .parse()
    .unwrap();
    let proxy = failing_proxy(upstream, "/api/orders").await;

    // every step works: exit 0
    let dir = temp_dir("once-ok");
    let (ok, out, err) = run_once(write_config(&dir, &demo, demo.mirakl.base_url().as_str())).await;
    assert!(ok, "stdout: {out}\nstderr: {err}");
    // stderr is a pipe, not a terminal: the first reconciliation's progress comes as plain
    // lines (issue #15), from the first page to the end of the catalog read
    assert!(
        err.lines()
            .any(|l| l.starts_with("reading the BigCommerce catalog: ") && l.ends_with(" products")),
        "no plain progress line: {err}"
    );
    assert!(
        err.contains("reading the BigCommerce catalog: catalog read (8/8 products)"),
        "no end line: {err}"
    );
    let _ = std::fs::remove_dir_all(&dir);

    // the order poll fails: the offers are still reconciled, and the run exits non-zero
    let dir = temp_dir("once-fail");
    let (ok, out, err) = run_once(write_config(&dir, &demo, &format!("http://{proxy}"))).await;
    assert!(
        !ok,
        "exited 0 with a failed order poll\nstdout: {out}\nstderr: {err}"
    );
    assert!(
        err.contains("error: order poll") && err.contains("failed"),
        "stderr does not name the step: {err}"
    );
    assert!(
        out.contains("reconciliation:"),
        "the offer step did not run: {out}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
