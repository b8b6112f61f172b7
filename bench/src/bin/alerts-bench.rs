//! `sendalerts` at scale, on SQLite and PostgreSQL:
//! 1. with 1,000,000 checks in the database, one run of the due-check query (nothing
//!    due) must take under 10 ms;
//! 2. when 10,000 of them go down in the same second, every webhook must reach a
//!    loopback receiver within 5 s, with the daemon's memory under 64 MB.
//!
//! The baseline, in the same run: the same 10,000 webhooks posted by a plain client
//! to the same receiver, 32 at a time: what the receiver and loopback cost.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use clap::Parser;
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use hc_bench::{peak_rss_kb, sibling};
use hc_core::db::DbConn;
use hc_core::schema::checks;
use hc_core::status::StoredStatus;
use hc_test::TestDb;

#[derive(Parser)]
#[command(
    about = "Benchmark sendalerts: the due-check query over 1M checks, and 10k checks going down at once"
)]
struct Opts {
    #[arg(long, default_value_t = 1_000_000)]
    checks: i64,
    #[arg(long, default_value_t = 10_000)]
    down: i64,
    #[arg(long, value_delimiter = ',', default_value = "sqlite,postgres")]
    db: Vec<String>,
}

fn main() -> anyhow::Result<()> {
    let opts = Opts::parse();
    let mut failed = false;
    for name in &opts.db {
        let backend = hc_bench::backend(name)?;
        println!(
            "{name}: {} checks, {} going down at once",
            opts.checks, opts.down
        );
        let db = TestDb::on(backend);
        let pool = db.migrated_pool();
        let mut conn = pool.get()?;
        let receiver = Receiver::start()?;
        let started = Instant::now();
        fill(&mut conn, &opts, &receiver.url())?;
        println!("  filled in {:.1} s", started.elapsed().as_secs_f64());

        // 1. The due-check query, nothing due.
        let now = hc_core::time::now().naive_utc();
        let mut times = Vec::new();
        for _ in 0..30 {
            let t = Instant::now();
            let due: Vec<i64> = checks::table
                .filter(checks::alert_after.lt(now))
                .filter(checks::status.ne(StoredStatus::Down.as_str()))
                .order(checks::alert_after.asc())
                .limit(100)
                .select(checks::id)
                .load(&mut *conn)?;
            times.push(t.elapsed());
            std::hint::black_box(due);
        }
        times.sort_unstable();
        let query_ms = times[times.len() / 2].as_secs_f64() * 1000.0;
        println!(
            "  due-check query over {} checks: median {query_ms:.2} ms (target < 10 ms)",
            opts.checks
        );

        // 2. Many checks go down in the same second.
        let due_at = hc_core::time::now();
        let overdue = (due_at - chrono::Duration::days(2)).naive_utc();
        conn.batch_execute(&format!(
            "UPDATE checks SET status = 'up', last_ping = '{}', alert_after = '{}' WHERE id <= {}",
            overdue.format("%Y-%m-%d %H:%M:%S"),
            due_at.naive_utc().format("%Y-%m-%d %H:%M:%S%.6f"),
            opts.down
        ))?;
        let mut env = vec![
            ("SECRET_KEY".to_owned(), "bench".to_owned()),
            (
                "INTEGRATIONS_ALLOW_PRIVATE_IPS".to_owned(),
                "True".to_owned(),
            ),
            (
                "RUST_LOG".to_owned(),
                std::env::var("BENCH_LOG").unwrap_or_else(|_| "warn".into()),
            ),
        ];
        env.extend(db.env());
        let mut child = std::process::Command::new(sibling("sendalerts")?)
            .args(["--interval", "0.2"])
            .envs(env)
            .spawn()?;
        let pid = child.id();
        let want = usize::try_from(opts.down)?;
        let (arrived, peak_kb) =
            peak_rss_kb(pid, || receiver.wait_for(want, Duration::from_secs(120)));
        let _ = child.kill();
        let _ = child.wait();
        let mut latencies: Vec<f64> = receiver
            .arrivals()
            .iter()
            .map(|t| (*t - due_at).num_milliseconds() as f64 / 1000.0)
            .collect();
        latencies.sort_by(f64::total_cmp);
        let last = latencies.last().copied().unwrap_or(f64::NAN);
        let p99 = latencies
            .get(latencies.len() * 99 / 100)
            .copied()
            .unwrap_or(f64::NAN);
        println!(
            "  {arrived} of {want} webhooks arrived; last {last:.2} s after the checks were due, p99 {p99:.2} s (target: all within 5 s); sendalerts peak RSS {:.1} MB (target < 64 MB)",
            peak_kb as f64 / 1024.0
        );

        // The baseline: the same number of posts from a plain client.
        receiver.reset();
        let t = Instant::now();
        baseline_posts(&receiver.url(), want)?;
        let baseline = t.elapsed().as_secs_f64();
        println!(
            "  baseline: {want} posts from a plain client in {baseline:.2} s; ratio {:.2}x",
            last / baseline
        );
        for (what, ok) in [
            ("due-check query under 10 ms", query_ms < 10.0),
            ("every webhook within 5 s", arrived == want && last <= 5.0),
            ("memory under 64 MB", (peak_kb as f64 / 1024.0) < 64.0),
        ] {
            println!("  {} {what}", if ok { "PASS" } else { "FAIL" });
            failed |= !ok;
        }
    }
    if failed {
        bail!("some targets were missed");
    }
    Ok(())
}

/// `checks` checks in one project, all assigned to one webhook channel; their
/// deadlines lie in the future.
fn fill(conn: &mut DbConn, opts: &Opts, url: &str) -> anyhow::Result<()> {
    let project = hc_core::accounts::create_project(conn, "bench@example.org", "bench", "bench")?;
    let checks = opts.checks;
    let later = (hc_core::time::now() + chrono::Duration::days(1)).naive_utc();
    let later = later.format("%Y-%m-%d %H:%M:%S");
    let value = serde_json::json!({"method_down": "POST", "url_down": url, "body_down": "$CODE", "url_up": ""}).to_string();
    let sql = match conn {
        DbConn::Postgres(_) => format!(
            "INSERT INTO checks (code, project_id, badge_key, created, status, alert_after, last_ping) \
             SELECT gen_random_uuid()::text, p.id, gen_random_uuid()::text, now(), 'up', '{later}', now() FROM projects p, generate_series(1, {checks}) WHERE p.code = '{uuid}'; \
             UPDATE channels SET kind = 'webhook', value = '{value}'; \
             INSERT INTO channel_checks (channel_id, check_id) SELECT ch.id, c.id FROM channels ch, checks c; \
             ANALYZE;",
            uuid = project.uuid
        ),
        DbConn::Sqlite(_) => format!(
            "WITH RECURSIVE g(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM g WHERE i < {checks}) \
             INSERT INTO checks (code, project_id, badge_key, created, status, alert_after, last_ping) \
             SELECT lower(hex(randomblob(16))), p.id, lower(hex(randomblob(16))), datetime('now'), 'up', '{later}', datetime('now') FROM projects p, g WHERE p.code = '{uuid}'; \
             UPDATE channels SET kind = 'webhook', value = '{value}'; \
             INSERT INTO channel_checks (channel_id, check_id) SELECT ch.id, c.id FROM channels ch, checks c; \
             ANALYZE;",
            uuid = project.uuid
        ),
        DbConn::Mysql(_) => bail!("filling MySQL is not implemented in this benchmark"),
    };
    conn.batch_execute(&sql).context("fill the database")?;
    Ok(())
}

fn baseline_posts(url: &str, n: usize) -> anyhow::Result<()> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    rt.block_on(async {
        let client = reqwest::Client::new();
        let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let mut tasks = Vec::new();
        for _ in 0..32 {
            let (client, next, url) = (client.clone(), next.clone(), url.to_owned());
            tasks.push(tokio::spawn(async move {
                while next.fetch_add(1, std::sync::atomic::Ordering::Relaxed) < n {
                    client.post(&url).body("x").send().await?;
                }
                Ok::<_, reqwest::Error>(())
            }));
        }
        for task in tasks {
            task.await??;
        }
        Ok(())
    })
}

/// A loopback HTTP server that notes when each request arrived.
struct Receiver {
    port: u16,
    arrivals: Arc<Mutex<Vec<chrono::DateTime<chrono::Utc>>>>,
}

impl Receiver {
    fn start() -> anyhow::Result<Receiver> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let port = listener.local_addr()?.port();
        let arrivals = Arc::new(Mutex::new(Vec::new()));
        let seen = arrivals.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let seen = seen.clone();
                std::thread::spawn(move || {
                    let Ok(mut writer) = stream.try_clone() else {
                        return;
                    };
                    let mut reader = BufReader::new(stream);
                    loop {
                        let mut length = 0usize;
                        let mut line = String::new();
                        if reader.read_line(&mut line).unwrap_or(0) == 0 {
                            return;
                        }
                        loop {
                            let mut header = String::new();
                            if reader.read_line(&mut header).unwrap_or(0) == 0 {
                                return;
                            }
                            let header = header.trim_end();
                            if header.is_empty() {
                                break;
                            }
                            if let Some(v) =
                                header.to_ascii_lowercase().strip_prefix("content-length:")
                            {
                                length = v.trim().parse().unwrap_or(0);
                            }
                        }
                        let mut body = vec![0; length];
                        if reader.read_exact(&mut body).is_err() {
                            return;
                        }
                        if let Ok(mut v) = seen.lock() {
                            v.push(hc_core::time::now());
                        }
                        if writer
                            .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nOK")
                            .is_err()
                        {
                            return;
                        }
                    }
                });
            }
        });
        Ok(Receiver { port, arrivals })
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}/hook", self.port)
    }

    fn arrivals(&self) -> Vec<chrono::DateTime<chrono::Utc>> {
        self.arrivals.lock().map(|v| v.clone()).unwrap_or_default()
    }

    fn reset(&self) {
        if let Ok(mut v) = self.arrivals.lock() {
            v.clear();
        }
    }

    /// Waits until `n` requests arrived or `timeout` passed; returns how many arrived.
    fn wait_for(&self, n: usize, timeout: Duration) -> usize {
        let start = Instant::now();
        loop {
            let got = self.arrivals().len();
            if got >= n || start.elapsed() > timeout {
                return got;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}
