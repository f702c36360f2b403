//! A throwaway PostgreSQL cluster for the tests: `initdb` into a temporary directory, started
//! on a free loopback port, one per test binary, one database per test.
//!
//! * The binaries are found on `PATH`, then in `/usr/lib/postgresql/<version>/bin` (newest).
//! * PostgreSQL refuses to run as root: as root, the cluster runs as the `postgres` user (or
//!   `nobody`) through `runuser`, in a directory handed to that user.
//! * The cluster is stopped by `Drop`, and, because a `static` is never dropped, also by a
//!   small watchdog shell that stops it and removes the directory as soon as the test binary
//!   exits (normally, by panic or killed).
//! * Without PostgreSQL, [`database`] prints why and returns `None`; the test then passes
//!   without running. With `SYNC_REQUIRE_POSTGRES=1` (set by `.ci/run`) it panics instead.

use std::io::Write;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};

/// Set to `1` to make a missing PostgreSQL fail the tests instead of skipping them.
pub const REQUIRE_ENV: &str = "SYNC_REQUIRE_POSTGRES";

pub struct Cluster {
    bin: PathBuf,
    dir: PathBuf,
    run_as: Option<String>,
    pub port: u16,
}

impl Cluster {
    fn data(&self) -> PathBuf {
        self.dir.join("data")
    }

    fn stop(&self) {
        let _ = command(&self.bin, "pg_ctl", self.run_as.as_deref())
            .arg("-D")
            .arg(self.data())
            .args(["-m", "immediate", "-w", "stop"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        self.stop();
    }
}

fn command(bin: &Path, tool: &str, run_as: Option<&str>) -> Command {
    match run_as {
        Some(user) => {
            let mut c = Command::new("runuser");
            c.args(["-u", user, "--"]).arg(bin.join(tool));
            c
        }
        None => Command::new(bin.join(tool)),
    }
}

/// The directory holding `initdb` and `pg_ctl`.
fn find_bin_dir() -> Option<PathBuf> {
    let has_tools = |d: &Path| d.join("initdb").is_file() && d.join("pg_ctl").is_file();
    if let Some(path) = std::env::var_os("PATH") {
        for d in std::env::split_paths(&path) {
            if has_tools(&d) {
                // follow a symlinked initdb to its real directory (pg_ctl finds `postgres`
                // beside itself)
                let real = std::fs::canonicalize(d.join("initdb"))
                    .ok()
                    .and_then(|p| p.parent().map(Path::to_path_buf))
                    .filter(|p| has_tools(p));
                return Some(real.unwrap_or(d));
            }
        }
    }
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let v = e.file_name().to_str()?.parse::<u32>().ok()?;
            Some((v, e.path().join("bin")))
        })
        .filter(|(_, d)| has_tools(d))
        .collect();
    versions.sort();
    versions.pop().map(|(_, d)| d)
}

fn output(cmd: &str, args: &[&str]) -> Option<String> {
    let out = Command::new(cmd).args(args).output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

/// The user to run PostgreSQL as when this process is root, with its uid and gid.
fn unprivileged_user() -> Option<(String, u32, u32)> {
    ["postgres", "nobody"].iter().find_map(|u| {
        let uid = output("id", &["-u", u])?.parse().ok()?;
        let gid = output("id", &["-g", u])?.parse().ok()?;
        Some(((*u).to_owned(), uid, gid))
    })
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

fn start() -> Result<Cluster, String> {
    let bin = find_bin_dir().ok_or("no initdb/pg_ctl on PATH or in /usr/lib/postgresql")?;
    let root = output("id", &["-u"]).as_deref() == Some("0");
    let user = if root {
        Some(unprivileged_user().ok_or("running as root and no postgres/nobody user")?)
    } else {
        None
    };
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let dir = std::env::temp_dir().join(format!("sync-pg-{}-{nanos}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    if let Some((_, uid, gid)) = &user {
        std::os::unix::fs::chown(&dir, Some(*uid), Some(*gid))
            .map_err(|e| format!("chown {}: {e}", dir.display()))?;
    }
    let mut cluster = Cluster {
        bin,
        dir,
        run_as: user.map(|(u, _, _)| u),
        port: 0,
    };
    let run_as = cluster.run_as.clone();
    let init = command(&cluster.bin, "initdb", run_as.as_deref())
        .arg("-D")
        .arg(cluster.data())
        .args([
            "-A",
            "trust",
            "-U",
            "postgres",
            "-E",
            "UTF8",
            "--locale=C",
            "-N",
        ])
        .output()
        .map_err(|e| format!("initdb: {e}"))?;
    if !init.status.success() {
        return Err(format!(
            "initdb failed: {}",
            String::from_utf8_lossy(&init.stderr)
        ));
    }
    // the port is free when chosen; another process may take it first, so try a few
    let mut last = String::new();
    for _ in 0..5 {
        let port = free_port();
        let opts = format!(
            "-c listen_addresses=127.0.0.1 -p {port} -k {} -c fsync=off \
             -c synchronous_commit=off -c full_page_writes=off -c max_connections=200",
            cluster.dir.display()
        );
        let started = command(&cluster.bin, "pg_ctl", run_as.as_deref())
            .arg("-D")
            .arg(cluster.data())
            .arg("-l")
            .arg(cluster.dir.join("log"))
            .args(["-w", "-t", "60", "-o", &opts, "start"])
            .stdout(Stdio::null())
            .output()
            .map_err(|e| format!("pg_ctl: {e}"))?;
        if started.status.success() {
            cluster.port = port;
            watchdog(&cluster);
            return Ok(cluster);
        }
        last = std::fs::read_to_string(cluster.dir.join("log")).unwrap_or_default();
    }
    Err(format!("pg_ctl start failed: {last}"))
}

/// Stops the cluster and removes its directory once this process is gone.
fn watchdog(c: &Cluster) {
    let prefix = c
        .run_as
        .as_ref()
        .map(|u| format!("runuser -u {u} -- "))
        .unwrap_or_default();
    let script = format!(
        "while kill -0 {pid} 2>/dev/null; do sleep 1; done; \
         {prefix}'{pg_ctl}' -D '{data}' -m immediate -w stop >/dev/null 2>&1; rm -rf '{dir}'",
        pid = std::process::id(),
        pg_ctl = c.bin.join("pg_ctl").display(),
        data = c.data().display(),
        dir = c.dir.display(),
    );
    let _ = Command::new("sh")
        .args(["-c", &script])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn();
}

static CLUSTER: OnceLock<Result<Cluster, String>> = OnceLock::new();

fn start_or_explain() -> Result<Cluster, String> {
    let started = start();
    if let Err(why) = &started {
        // once per test binary, straight to the terminal (the test harness captures `print!`)
        let _ = writeln!(
            std::io::stderr(),
            "PostgreSQL not installed: PostgreSQL store tests not run ({why})"
        );
    }
    started
}
static NEXT_DB: AtomicU32 = AtomicU32::new(0);

/// The cluster, started on first use.
pub fn cluster() -> Option<&'static Cluster> {
    match CLUSTER.get_or_init(start_or_explain) {
        Ok(c) => Some(c),
        Err(why) => {
            if std::env::var(REQUIRE_ENV).is_ok_and(|v| v == "1") {
                panic!("{REQUIRE_ENV}=1 but no PostgreSQL cluster could be started: {why}");
            }
            println!("PostgreSQL not installed: PostgreSQL store tests not run ({why})");
            None
        }
    }
}

/// A URL to a new, empty database of the shared cluster (`None`: PostgreSQL is missing and
/// not required, the test is skipped).
pub async fn database() -> Option<String> {
    let c = cluster()?;
    let name = format!("t{}", NEXT_DB.fetch_add(1, Ordering::Relaxed));
    let admin = format!("postgres://postgres@127.0.0.1:{}/postgres", c.port);
    let (client, conn) = tokio_postgres::connect(&admin, tokio_postgres::NoTls)
        .await
        .expect("connect to the test cluster");
    let task = tokio::spawn(conn);
    client
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .await
        .expect("create a test database");
    drop(client);
    let _ = task.await;
    Some(format!("postgres://postgres@127.0.0.1:{}/{name}", c.port))
}
