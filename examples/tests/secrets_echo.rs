//! A server that echoes the credential never gets it into `sync`'s output (issue 11 defect 3).
//!
//! The real `sync` binary runs `--once` with debug logs against a loopback stand-in that
//! answers every BigCommerce and Mirakl call (but the store settings) with `200 OK` and an HTML
//! page quoting the request's headers, as a misconfigured proxy's debug page does. The calls
//! fail to decode, and the failures go to the log (order poll, reconciliation) and to the
//! command's error lines: neither stdout nor stderr may hold the access token, the client
//! secret, the shop API key or the webhook secret.

use std::path::{Path, PathBuf};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const TOKEN: &str = "bc-token-echoed-4711abcdef";
const CLIENT_SECRET: &str = "bc-client-secret-0815fedcba";
const API_KEY: &str = "mirakl-shop-key-9f3e2d1c0b";
const HOOK_SECRET: &str = "hook-secret-long-random-77aa";

fn temp_dir(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "examples-secrets-{tag}-{}-{}",
        std::process::id(),
        fastrand::u64(..)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Reads one request head (up to the blank line) and its `Content-Length` body.
async fn read_request(client: &mut TcpStream) -> Option<String> {
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
    Some(head)
}

/// The echoing stand-in: `/v2/store` answers a plain store (prices without tax, as the rules'
/// default basis), every other request a `200` HTML page quoting the request head, plus the
/// client and webhook secrets as a debug page dumping its environment would.
async fn echo_server() -> std::net::SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let Ok((mut client, _)) = listener.accept().await else {
                return;
            };
            tokio::spawn(async move {
                while let Some(head) = read_request(&mut client).await {
                    let path = head.split_whitespace().nth(1).unwrap_or("").to_owned();
                    let (kind, body) = if path.ends_with("/v2/store") {
                        (
                            "application/json",
                            r#"{"id":"echo","name":"Echo","is_price_entered_with_tax":false}"#
                                .to_owned(),
                        )
                    } else {
                        (
                            "text/html",
                            format!(
                                "<html><pre>debug: request was\n{head}\nenv: CLIENT_SECRET={CLIENT_SECRET} WEBHOOK={HOOK_SECRET}</pre></html>"
                            ),
                        )
                    };
                    let reply = format!(
                        "HTTP/1.1 200 OK\r\ncontent-type: {kind}\r\ncontent-length: {}\r\n\r\n{body}",
                        body.len()
                    );
                    if client.write_all(reply.as_bytes()).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    addr
}

fn write_config(dir: &Path, server: std::net::SocketAddr) -> PathBuf {
    let account = dir.join("api-account.txt");
    std::fs::write(
        &account,
        format!(
            "ACCESS TOKEN: {TOKEN}\nCLIENT NAME: echo\nAPI PATH: https://api.bigcommerce.com/stores/echohash/v3/\nCLIENT ID: echo-client\nCLIENT SECRET: {CLIENT_SECRET}\n"
        ),
    )
    .unwrap();
    let text = format!(
        "[bigcommerce]\ncredentials_file = \"api-account.txt\"\napi_base = \"http://{server}/\"\n\
         [mirakl]\nbase_url = \"http://{server}/\"\napi_key = \"{API_KEY}\"\nshop_id = 1\nenforce_ceilings = false\n\
         [webhooks]\nlisten = \"127.0.0.1:0\"\nsecret = \"{HOOK_SECRET}\"\n\
         [poll]\nimport_status_secs = 1\n[state]\npath = \"state.sqlite\"\n"
    );
    let path = dir.join("connector.toml");
    std::fs::write(&path, text).unwrap();
    path
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_echoed_credential_never_reaches_stdout_or_stderr() {
    let server = echo_server().await;
    let dir = temp_dir("echo");
    let config = write_config(&dir, server);
    let out = tokio::task::spawn_blocking(move || {
        std::process::Command::new(env!("CARGO_BIN_EXE_sync"))
            .arg("--config")
            .arg(&config)
            .arg("--once")
            .env("RUST_LOG", "debug")
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    // the run did meet the echoes: its steps failed and said so, in the log and the errors
    assert!(!out.status.success(), "stdout: {stdout}\nstderr: {stderr}");
    assert!(
        stderr.contains("error: order poll") && stderr.contains("order poll failed"),
        "the failure is not reported in the log and the errors: {stderr}"
    );
    assert!(
        stderr.contains("[REDACTED]"),
        "the echoed page is not quoted (redacted) in the output: {stderr}"
    );
    for secret in [TOKEN, CLIENT_SECRET, API_KEY, HOOK_SECRET] {
        assert!(
            !stdout.contains(secret) && !stderr.contains(secret),
            "{secret} leaked\nstdout: {stdout}\nstderr: {stderr}"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}
