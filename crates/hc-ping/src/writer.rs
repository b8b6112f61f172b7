//! Group commit: requests hand their ping to a writer thread, which takes every ping
//! waiting, stores them all in one transaction, and answers each request only after
//! that transaction has committed. Many pings share one commit (one fsync), so the
//! database stops being the bottleneck, and a 2xx still means "stored".

use std::sync::{Arc, Mutex};

use hc_core::db::Pool;
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

fn run(queue: &Mutex<mpsc::Receiver<Job>>, pool: &Pool) {
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
        write(pool, batch);
    }
}

fn write(pool: &Pool, mut batch: Vec<Job>) {
    // Checks pinged by UUID are locked in id order by one query; slug pings lock theirs
    // one by one, so a stable order keeps receivers sharing a database from
    // deadlocking on each other's batches. Pings of one check keep their order.
    batch.sort_by(|a, b| target_key(&a.request).cmp(&target_key(&b.request)));
    match store_all(pool, &batch) {
        Ok(results) => {
            let mut prunes = Vec::new();
            for (job, (answer, prune)) in batch.into_iter().zip(results) {
                let _ = job.reply.send(Ok(answer));
                prunes.extend(prune);
            }
            prune_all(pool, &prunes);
        }
        // One bad ping must not cost the others theirs: store them one by one.
        Err(e) if batch.len() > 1 => {
            tracing::warn!(error = %e, pings = batch.len(), "batch failed; storing its pings one by one");
            for job in batch {
                write(pool, vec![job]);
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

/// On SQLite, copies the write-ahead log into the database every second, beside the
/// writers, so that commits never wait for a checkpoint's writes and fsync.
pub fn start_checkpointer(
    pool: Pool,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
) -> Option<std::thread::JoinHandle<()>> {
    use diesel::connection::SimpleConnection;
    std::thread::Builder::new()
        .name("wal-checkpoint".into())
        .spawn(move || {
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                std::thread::sleep(std::time::Duration::from_millis(1000));
                let done = pool.get().map_err(|e| e.to_string()).and_then(|mut conn| {
                    conn.batch_execute("PRAGMA wal_checkpoint(PASSIVE)")
                        .map_err(|e| e.to_string())
                });
                if let Err(e) = done {
                    tracing::warn!(error = %e, "WAL checkpoint failed");
                }
            }
        })
        .ok()
}

fn store_all(pool: &Pool, batch: &[Job]) -> Result<Vec<Stored>, String> {
    let mut conn = pool.get().map_err(|e| e.to_string())?;
    if let hc_core::db::DbConn::Sqlite(c) = &mut *conn {
        // Checkpoints happen on the checkpoint thread, not in the middle of a batch;
        // this high mark only matters if that thread falls behind.
        use diesel::connection::SimpleConnection;
        c.batch_execute("PRAGMA wal_autocheckpoint = 10000")
            .map_err(|e| e.to_string())?;
    }
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
fn prune_all(pool: &Pool, due: &[PruneDue]) {
    if due.is_empty() {
        return;
    }
    let result = pool
        .get()
        .map_err(hc_core::Error::from)
        .and_then(|mut conn| {
            for item in due {
                let limit = hc_core::prune::ping_limit(&mut conn, item.check_id)?;
                hc_core::prune::prune_check(
                    &mut conn,
                    item.check_id,
                    item.n_pings,
                    limit,
                    hc_core::time::now(),
                )?;
            }
            Ok(())
        });
    if let Err(e) = result {
        // Pruning is housekeeping: the next 100th ping tries again.
        tracing::warn!(error = %e, "pruning failed");
    }
}
