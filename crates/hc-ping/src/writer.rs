//! Group commit: requests hand their ping to a writer thread, which takes every ping
//! waiting, stores them all in one transaction, and answers each request only after
//! that transaction has committed. Many pings share one commit (one fsync), so the
//! database stops being the bottleneck, and a 2xx still means "stored".

use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use hc_core::db::{Pool, PooledConn};
use tokio::sync::{mpsc, oneshot};

use crate::store::{self, Answer, PruneDue, Request};

/// Pings stored in one transaction at most.
const MAX_BATCH: usize = 512;
/// Pings waiting for a writer before requests wait to hand theirs over.
const QUEUE: usize = 8192;

struct Job {
    request: Request,
    reply: oneshot::Sender<Result<Answer, String>>,
}

/// The requests' end of the queue.
#[derive(Clone)]
pub struct Writer {
    jobs: mpsc::Sender<Job>,
}

impl Writer {
    /// Starts `threads` writer threads on `pool`. They stop when every `Writer` clone
    /// is dropped, after storing what was queued.
    pub fn start(pool: Pool, threads: usize) -> (Writer, Vec<std::thread::JoinHandle<()>>) {
        let (jobs, queue) = mpsc::channel(QUEUE);
        let queue = Arc::new(Mutex::new(queue));
        let handles = (0..threads.max(1))
            .map(|i| {
                let queue = Arc::clone(&queue);
                let pool = pool.clone();
                std::thread::Builder::new()
                    .name(format!("ping-writer-{i}"))
                    .spawn(move || run(&queue, &pool))
            })
            .filter_map(|spawned| match spawned {
                Ok(handle) => Some(handle),
                Err(e) => {
                    tracing::error!(error = %e, "cannot start a ping writer thread");
                    None
                }
            })
            .collect();
        (Writer { jobs }, handles)
    }

    /// Stores the ping and returns the answer, once committed. `Err` carries a reason
    /// for the log when the database could not store it.
    pub async fn store(&self, request: Request) -> Result<Answer, String> {
        let (reply, answer) = oneshot::channel();
        self.jobs
            .send(Job { request, reply })
            .await
            .map_err(|_| "the ping writer has stopped".to_owned())?;
        answer
            .await
            .map_err(|_| "the ping writer dropped the ping".to_owned())?
    }
}

/// A writer's own connection, kept from batch to batch: SQLite's page cache and
/// every prepared statement belong to one connection, and a pooled connection
/// taken afresh for each batch (another one whenever the checkpointer held the
/// last) started cold, re-reading pages the writer had just written. Dropped after
/// an error, so that a broken connection is replaced by the pool.
struct Held<'a> {
    pool: &'a Pool,
    conn: Option<PooledConn>,
}

impl<'a> Held<'a> {
    fn new(pool: &'a Pool) -> Self {
        Held { pool, conn: None }
    }

    fn get(&mut self) -> Result<&mut PooledConn, String> {
        if self.conn.is_none() {
            let mut conn = self.pool.get().map_err(|e| e.to_string())?;
            if let hc_core::db::DbConn::Sqlite(c) = &mut *conn {
                // Checkpoints happen on the checkpoint thread, not in the middle of
                // a batch; this high mark only matters if that thread falls behind.
                // The cache holds the pages a stream of pings keeps touching.
                use diesel::connection::SimpleConnection;
                c.batch_execute("PRAGMA wal_autocheckpoint = 10000; PRAGMA cache_size = -32000")
                    .map_err(|e| e.to_string())?;
            }
            self.conn = Some(conn);
        }
        self.conn
            .as_mut()
            .ok_or_else(|| "no database connection".to_owned())
    }

    fn discard(&mut self) {
        self.conn = None;
    }
}

fn run(queue: &Mutex<mpsc::Receiver<Job>>, pool: &Pool) {
    let mut held = Held::new(pool);
    loop {
        let batch = {
            // One writer collects a batch at a time; the others meanwhile commit theirs.
            let Ok(mut queue) = queue.lock() else { return };
            let Some(first) = queue.blocking_recv() else {
                return;
            };
            let mut batch = vec![first];
            while batch.len() < MAX_BATCH {
                match queue.try_recv() {
                    Ok(job) => batch.push(job),
                    Err(_) => break,
                }
            }
            batch
        };
        write(&mut held, batch);
    }
}

fn write(held: &mut Held<'_>, mut batch: Vec<Job>) {
    // Checks pinged by UUID are locked in id order by one query; slug pings lock theirs
    // one by one, so a stable order keeps receivers sharing a database from
    // deadlocking on each other's batches. Pings of one check keep their order.
    batch.sort_by(|a, b| target_key(&a.request).cmp(&target_key(&b.request)));
    let stored = held.get().and_then(|conn| store_all(conn, &batch));
    if stored.is_err() {
        held.discard();
    }
    match stored {
        Ok(results) => {
            let mut prunes = Vec::new();
            for (job, (answer, prune)) in batch.into_iter().zip(results) {
                let _ = job.reply.send(Ok(answer));
                prunes.extend(prune);
            }
            if let Ok(conn) = held.get() {
                prune_all(conn, &prunes);
            }
        }
        // One bad ping must not cost the others theirs: store them one by one.
        Err(e) if batch.len() > 1 => {
            tracing::warn!(error = %e, pings = batch.len(), "batch failed; storing its pings one by one");
            for job in batch {
                write(held, vec![job]);
            }
        }
        Err(e) => {
            tracing::error!(error = %e, "cannot store a ping");
            for job in batch {
                let _ = job.reply.send(Err(e.clone()));
            }
        }
    }
}

fn target_key(request: &Request) -> (&str, &str) {
    match &request.path.target {
        hc_core::ping::Target::Uuid(code) => (code.as_str(), ""),
        hc_core::ping::Target::Slug { ping_key, slug } => (ping_key.as_str(), slug.as_str()),
    }
}

type Stored = (Answer, Option<PruneDue>);

/// While pings arrive, how often the write-ahead log is copied into the database.
const CHECKPOINT_BUSY: Duration = Duration::from_millis(10);
/// The longest pause between checkpoints when nothing is written.
const CHECKPOINT_IDLE: Duration = Duration::from_secs(1);

/// On SQLite, copies the write-ahead log into the database beside the writers, so
/// that commits never wait for a checkpoint. Under load it runs every 10 ms: when
/// it ran once a second the log grew past SQLite's own mark between runs, and a
/// commit then copied tens of megabytes itself, which was the receiver's p99
/// (about 40 ms, against under 10 ms now). Idle, it backs off to once a second.
pub fn start_checkpointer(
    pool: Pool,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
) -> Option<std::thread::JoinHandle<()>> {
    std::thread::Builder::new()
        .name("wal-checkpoint".into())
        .spawn(move || {
            let mut pause = CHECKPOINT_BUSY;
            let mut last_log = None;
            while !stop.load(Ordering::Relaxed) {
                std::thread::sleep(pause);
                match checkpoint(&pool) {
                    Ok(log) => {
                        pause = next_pause(pause, last_log != Some(log));
                        last_log = Some(log);
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "WAL checkpoint failed");
                        pause = CHECKPOINT_IDLE;
                    }
                }
            }
        })
        .ok()
}

/// The pause before the next checkpoint: short while the log keeps changing (writes
/// are coming in), doubling up to [`CHECKPOINT_IDLE`] while it does not.
fn next_pause(pause: Duration, log_changed: bool) -> Duration {
    if log_changed {
        CHECKPOINT_BUSY
    } else {
        (pause * 2).min(CHECKPOINT_IDLE)
    }
}

/// What `PRAGMA wal_checkpoint` answers.
#[derive(diesel::QueryableByName)]
struct Checkpoint {
    /// Frames in the write-ahead log.
    #[diesel(sql_type = diesel::sql_types::Integer)]
    log: i32,
}

/// One passive checkpoint: returns the frames in the log.
fn checkpoint(pool: &Pool) -> Result<i32, String> {
    use diesel::RunQueryDsl;
    let mut conn = pool.get().map_err(|e| e.to_string())?;
    let hc_core::db::DbConn::Sqlite(c) = &mut *conn else {
        return Err("checkpoints are for SQLite".to_owned());
    };
    diesel::sql_query("PRAGMA wal_checkpoint(PASSIVE)")
        .get_result::<Checkpoint>(c)
        .map(|done| done.log)
        .map_err(|e| e.to_string())
}

fn store_all(conn: &mut PooledConn, batch: &[Job]) -> Result<Vec<Stored>, String> {
    conn.write_tx(|conn| {
        let mut rows = Vec::with_capacity(batch.len());
        let mut results = Vec::with_capacity(batch.len());
        let requests: Vec<&Request> = batch.iter().map(|job| &job.request).collect();
        let mut prefetched = store::prefetch(conn, &requests)?;
        for job in batch {
            let outcome =
                store::process(conn, &mut prefetched, &job.request, hc_core::time::now())?;
            rows.extend(outcome.ping);
            results.push((outcome.answer, outcome.prune));
        }
        store::flush(conn, &prefetched)?;
        store::insert_pings(conn, &rows)?;
        Ok(results)
    })
    .map_err(|e: diesel::result::Error| e.to_string())
}

/// Every 100th ping of a check trims its history (spec §1.7), after the answers went out.
fn prune_all(conn: &mut PooledConn, due: &[PruneDue]) {
    let result = due.iter().try_for_each(|item| {
        let limit = hc_core::prune::ping_limit(conn, item.check_id)?;
        hc_core::prune::prune_check(
            conn,
            item.check_id,
            item.n_pings,
            limit,
            hc_core::time::now(),
        )
        .map(|_| ())
    });
    if let Err(e) = result {
        // Pruning is housekeeping: the next 100th ping tries again.
        tracing::warn!(error = %e, "pruning failed");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checkpoints_keep_up_with_writes_and_back_off_when_idle() {
        assert_eq!(next_pause(CHECKPOINT_IDLE, true), CHECKPOINT_BUSY);
        let mut pause = CHECKPOINT_BUSY;
        let mut pauses = Vec::new();
        for _ in 0..10 {
            pause = next_pause(pause, false);
            pauses.push(pause.as_millis());
        }
        assert_eq!(pauses, [20, 40, 80, 160, 320, 640, 1000, 1000, 1000, 1000]);
        // A write during the back-off brings the short pause back at once.
        assert_eq!(next_pause(pause, true), CHECKPOINT_BUSY);
    }
}
