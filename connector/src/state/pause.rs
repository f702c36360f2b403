//! Named pause points in the state store, for crash tests that `kill -9` a real `sync`
//! process at an exact moment.
//!
//! Off unless the environment variable [`ENV`] is set (the check is one cached look-up). It
//! holds a comma-separated list of points, each optionally `#n` for its n-th hit (default the
//! first): `SYNC_PAUSE_AT=created-unrecorded#3`. A process reaching a listed point writes
//! `sync: paused at <point>` on stderr and stops there for good, holding whatever the store
//! holds at that moment, until it is killed.
//!
//! The points:
//! * [`CALL_BEGUN_PREFIX`] + call kind (`call-begun:bc_create_order`, `call-begun:or21`, …):
//!   the in-flight call is recorded, the call not made yet;
//! * [`CREATED_UNRECORDED`]: a record carrying a BigCommerce order id the stored one lacks is
//!   about to be written (the order exists in BigCommerce, the state does not know it);
//! * [`ID_RECORDED`]: that state write is committed.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

/// The environment variable listing the points to pause at.
pub const ENV: &str = "SYNC_PAUSE_AT";
/// Prefix of the point reached once a call of a kind is recorded as in flight.
pub const CALL_BEGUN_PREFIX: &str = "call-begun:";
/// A new BigCommerce order id is about to be written to the order map.
pub const CREATED_UNRECORDED: &str = "created-unrecorded";
/// A new BigCommerce order id was written to the order map.
pub const ID_RECORDED: &str = "id-recorded";

struct Points {
    /// Point → the hit to pause at (1 = the first).
    wanted: HashMap<String, u64>,
    hits: Mutex<HashMap<String, u64>>,
}

fn points() -> Option<&'static Points> {
    static POINTS: OnceLock<Option<Points>> = OnceLock::new();
    POINTS
        .get_or_init(|| {
            let text = std::env::var(ENV).ok()?;
            let wanted: HashMap<String, u64> = text
                .split(',')
                .map(str::trim)
                .filter(|p| !p.is_empty())
                .map(|p| match p.rsplit_once('#') {
                    Some((name, n)) => (name.to_owned(), n.parse().unwrap_or(1).max(1)),
                    None => (p.to_owned(), 1),
                })
                .collect();
            (!wanted.is_empty()).then(|| Points {
                wanted,
                hits: Mutex::new(HashMap::new()),
            })
        })
        .as_ref()
}

/// Whether any pause point is set (callers skip the work of finding a point otherwise).
pub fn enabled() -> bool {
    points().is_some()
}

/// Reaches point `name`: when it is listed and this is the hit asked for, announces it on
/// stderr and never returns.
pub fn point(name: &str) {
    let Some(p) = points() else { return };
    let Some(&at) = p.wanted.get(name) else {
        return;
    };
    let hit = {
        let mut hits = p.hits.lock().unwrap_or_else(|e| e.into_inner());
        let n = hits.entry(name.to_owned()).or_insert(0);
        *n += 1;
        *n
    };
    if hit == at {
        eprintln!("sync: paused at {name}");
        loop {
            std::thread::park();
        }
    }
}
