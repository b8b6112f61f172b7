//! The receiver's heartbeat: every few seconds it records in the database that it is
//! alive and able to write, so that `sendalerts` can tell hc's own outage from jobs
//! that stopped pinging (see `hc_core::outage`).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use hc_core::db::Pool;
use hc_core::outage;

/// Starts the heartbeat thread; it beats until `stop` is set.
pub fn start(pool: Pool, stop: Arc<AtomicBool>) -> Option<std::thread::JoinHandle<()>> {
    let code = hc_core::keys::new_uuid();
    let started = hc_core::time::now();
    std::thread::Builder::new()
        .name("heartbeat".into())
        .spawn(move || {
            let mut next = Instant::now();
            while !stop.load(Ordering::Relaxed) {
                if Instant::now() >= next {
                    let beat = pool.get().map_err(|e| e.to_string()).and_then(|mut conn| {
                        outage::beat(&mut conn, &code, started, hc_core::time::now())
                            .map_err(|e| e.to_string())
                    });
                    if let Err(e) = beat {
                        tracing::warn!(error = %e, "heartbeat not recorded");
                    }
                    next = Instant::now() + outage::HEARTBEAT_EVERY;
                }
                // Short sleeps, so that shutdown does not wait for a whole period.
                std::thread::sleep(Duration::from_millis(100));
            }
        })
        .ok()
}
