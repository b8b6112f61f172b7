//! Shared pieces of the benchmarks: running `wrk`, reading its report, watching a
//! process's memory, starting hc's binaries.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use anyhow::{bail, Context};

/// What `wrk --latency` reported.
#[derive(Debug, Clone, Copy, Default)]
pub struct WrkReport {
    pub requests: u64,
    pub non_2xx: u64,
    pub socket_errors: u64,
    pub rps: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
}

impl WrkReport {
    pub fn ok(&self) -> u64 {
        self.requests.saturating_sub(self.non_2xx)
    }
}

/// Runs wrk against `url` with `script` (and its arguments after `--`).
pub fn wrk(
    url: &str,
    connections: u32,
    seconds: u32,
    script: Option<(&str, &[String])>,
) -> anyhow::Result<WrkReport> {
    let mut cmd = Command::new("wrk");
    cmd.args([
        "-t2",
        &format!("-c{connections}"),
        &format!("-d{seconds}s"),
        "--latency",
        "--timeout",
        "10s",
    ]);
    if let Some((path, _)) = script {
        cmd.args(["-s", path]);
    }
    cmd.arg(url);
    if let Some((_, args)) = script {
        cmd.arg("--").args(args);
    }
    let out = cmd.output().context("run wrk (apt-get install wrk)")?;
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    if !out.status.success() {
        bail!("wrk failed: {text}{}", String::from_utf8_lossy(&out.stderr));
    }
    parse_wrk(&text).with_context(|| format!("unexpected wrk output:\n{text}"))
}

fn parse_wrk(text: &str) -> Option<WrkReport> {
    let mut report = WrkReport::default();
    for line in text.lines().map(str::trim) {
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            ["Requests/sec:", rps] => report.rps = rps.parse().ok()?,
            ["50%", latency] => report.p50_ms = millis(latency)?,
            ["99%", latency] => report.p99_ms = millis(latency)?,
            ["Non-2xx", "or", "3xx", "responses:", n] => report.non_2xx = n.parse().ok()?,
            [n, "requests", "in", ..] => report.requests = n.parse().ok()?,
            ["Socket", "errors:", rest @ ..] => {
                report.socket_errors = rest
                    .iter()
                    .filter_map(|w| w.trim_end_matches(',').parse::<u64>().ok())
                    .sum();
            }
            _ => {}
        }
    }
    (report.requests > 0).then_some(report)
}

fn millis(text: &str) -> Option<f64> {
    let (number, factor) = if let Some(n) = text.strip_suffix("us") {
        (n, 0.001)
    } else if let Some(n) = text.strip_suffix("ms") {
        (n, 1.0)
    } else if let Some(n) = text.strip_suffix('s') {
        (n, 1000.0)
    } else {
        return None;
    };
    number.parse::<f64>().ok().map(|n| n * factor)
}

/// The highest resident set size seen while `f` runs, sampling every 100 ms.
pub fn peak_rss_kb<T>(pid: u32, f: impl FnOnce() -> T) -> (T, u64) {
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let sampler = {
        let stop = stop.clone();
        std::thread::spawn(move || {
            let mut peak = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                peak = peak.max(rss_kb(pid).unwrap_or(0));
                std::thread::sleep(Duration::from_millis(100));
            }
            peak
        })
    };
    let result = f();
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let peak = sampler.join().unwrap_or(0);
    (result, peak)
}

pub fn rss_kb(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
}

/// CPU time (user and system) each thread of a process has used so far, by thread
/// name; threads of one name are added up. Read from `/proc`, in its clock ticks of
/// 10 ms (Linux's fixed `USER_HZ` of 100).
pub fn thread_cpu(pid: u32) -> std::collections::BTreeMap<String, Duration> {
    let mut by_name = std::collections::BTreeMap::new();
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return by_name;
    };
    for task in tasks.flatten() {
        let Ok(stat) = std::fs::read_to_string(task.path().join("stat")) else {
            continue;
        };
        if let Some((name, ticks)) = parse_task_stat(&stat) {
            *by_name.entry(name).or_insert(Duration::ZERO) += Duration::from_millis(ticks * 10);
        }
    }
    by_name
}

/// CPU time the whole machine has spent busy so far, all cores together (user,
/// system and interrupts; not idle, I/O wait or steal), from `/proc/stat`. Under a
/// load that saturates the cores, busy time per request is what a request costs
/// the machine: the load generator's share included, and PostgreSQL's.
pub fn machine_busy() -> Duration {
    std::fs::read_to_string("/proc/stat")
        .ok()
        .and_then(|stat| parse_busy_ticks(&stat))
        .map_or(Duration::ZERO, |ticks| Duration::from_millis(ticks * 10))
}

fn parse_busy_ticks(stat: &str) -> Option<u64> {
    let line = stat.lines().find(|l| l.starts_with("cpu "))?;
    let ticks: Vec<u64> = line
        .split_whitespace()
        .skip(1)
        .map(|n| n.parse().ok())
        .collect::<Option<_>>()?;
    // user, nice, system, idle, iowait, irq, softirq: guest time is inside user.
    let field = |i: usize| ticks.get(i).copied();
    Some(field(0)? + field(1)? + field(2)? + field(5)? + field(6)?)
}

/// The thread's name and its user plus system ticks, from one `/proc/.../stat` line.
/// The name is in parentheses and may itself hold spaces or parentheses.
fn parse_task_stat(stat: &str) -> Option<(String, u64)> {
    let open = stat.find('(')?;
    let close = stat.rfind(')')?;
    let name = stat.get(open + 1..close)?.to_owned();
    // After the name: state is field 3, utime field 14 and stime field 15.
    let fields: Vec<&str> = stat.get(close + 1..)?.split_whitespace().collect();
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some((name, utime + stime))
}

/// A binary built beside this one (`cargo build --release` puts them together).
pub fn sibling(name: &str) -> anyhow::Result<PathBuf> {
    let me = std::env::current_exe()?;
    let path = me.with_file_name(name);
    if !path.exists() {
        bail!(
            "{} not found; build it with `cargo build --release --bins`",
            path.display()
        );
    }
    Ok(path)
}

/// Starts `binary` with `env`, and waits until it listens on `port`.
pub fn spawn_server(
    binary: &PathBuf,
    args: &[&str],
    env: &[(String, String)],
    port: u16,
) -> anyhow::Result<Child> {
    let child = Command::new(binary)
        .args(args)
        .envs(env.iter().cloned())
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .spawn()
        .with_context(|| format!("start {}", binary.display()))?;
    for _ in 0..200 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Ok(child);
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    bail!("{} did not listen on port {port}", binary.display())
}

/// SIGTERM, then wait.
pub fn stop(mut child: Child) -> anyhow::Result<()> {
    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()?;
    child.wait()?;
    Ok(())
}

/// A backend named on the command line (`sqlite`, `postgres` or `mysql`).
pub fn backend(name: &str) -> anyhow::Result<hc_core::config::Backend> {
    use hc_core::config::Backend;
    Ok(match name {
        "sqlite" => Backend::Sqlite,
        "postgres" => Backend::Postgres,
        "mysql" => Backend::Mysql,
        other => bail!("unknown backend {other}: use sqlite, postgres or mysql"),
    })
}

/// The `q` quantile of `samples` in milliseconds (sorts them in place).
pub fn percentile(samples: &mut [std::time::Duration], q: f64) -> f64 {
    samples.sort_unstable();
    let index = ((samples.len() as f64 - 1.0) * q).round() as usize;
    samples
        .get(index)
        .map_or(f64::NAN, |d| d.as_secs_f64() * 1000.0)
}

/// Adds `checks` checks to the project `project_uuid`, each with `per_check` pings
/// numbered 1 to `per_check`, by set-based SQL, so that millions of rows take seconds.
pub fn fill(
    conn: &mut hc_core::db::DbConn,
    project_uuid: &str,
    checks: i64,
    per_check: i64,
) -> anyhow::Result<()> {
    use diesel::connection::SimpleConnection;
    use diesel::prelude::*;
    use hc_core::db::DbConn;
    use hc_core::schema::checks as c;
    if checks == 0 {
        return Ok(());
    }
    // Only the new checks get pings: those after the last one so far.
    let after: i64 = c::table
        .select(diesel::dsl::max(c::id))
        .first::<Option<i64>>(conn)?
        .unwrap_or(0);
    let sql = match conn {
        DbConn::Postgres(_) => format!(
            "INSERT INTO checks (code, project_id, badge_key, created, n_pings) \
             SELECT gen_random_uuid()::text, p.id, gen_random_uuid()::text, now(), {per_check} FROM projects p, generate_series(1, {checks}) WHERE p.code = '{project_uuid}'; \
             INSERT INTO pings (check_id, n, created, scheme, method, ua) \
             SELECT c.id, g, now(), 'http', 'GET', '' FROM checks c, generate_series(1, {per_check}) g \
             WHERE c.id > {after}; \
             ANALYZE;"
        ),
        DbConn::Sqlite(_) => format!(
            "WITH RECURSIVE g(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM g WHERE i < {checks}) \
             INSERT INTO checks (code, project_id, badge_key, created, n_pings) \
             SELECT lower(hex(randomblob(16))), p.id, lower(hex(randomblob(16))), datetime('now'), {per_check} FROM projects p, g WHERE p.code = '{project_uuid}'; \
             WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < {per_check}) \
             INSERT INTO pings (check_id, n, created, scheme, method, ua) \
             SELECT c.id, g.n, datetime('now'), 'http', 'GET', '' FROM checks c, g \
             WHERE c.id > {after}; \
             ANALYZE;"
        ),
        DbConn::Mysql(_) => bail!("filling MySQL is not implemented in the benchmarks"),
    };
    conn.batch_execute(&sql).context("fill the database")?;
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn wrk_output_is_read() {
        let text = "Running 5s test @ http://127.0.0.1:1/\n  2 threads and 64 connections\n  Latency Distribution\n     50%  310.00us\n     75%  1.2ms\n     99%    2.50ms\n  123456 requests in 5.00s, 10.00MB read\n  Socket errors: connect 0, read 3, write 0, timeout 2\n  Non-2xx or 3xx responses: 7\nRequests/sec:  24691.20\nTransfer/sec:      2.00MB\n";
        let r = super::parse_wrk(text).unwrap_or_default();
        assert_eq!(
            (r.requests, r.non_2xx, r.socket_errors, r.ok()),
            (123_456, 7, 5, 123_449)
        );
        assert!((r.rps - 24_691.2).abs() < 1e-6);
        assert!((r.p50_ms - 0.31).abs() < 1e-9 && (r.p99_ms - 2.5).abs() < 1e-9);
    }

    #[test]
    fn a_threads_cpu_time_is_read_even_when_its_name_has_parentheses() {
        let stat = "4242 (ping (writer) 0) S 1 1 1 0 -1 4194304 10 0 0 0 731 269 0 0 20 0 9 0";
        assert_eq!(
            super::parse_task_stat(stat),
            Some(("ping (writer) 0".to_owned(), 1000))
        );
        assert_eq!(super::parse_task_stat("4242 (cut"), None);
    }

    #[test]
    fn busy_time_leaves_out_idle_io_wait_and_steal() {
        let stat = "cpu  100 2 30 5000 40 5 6 70 0 0\ncpu0 50 1 15 2500 20 2 3 35 0 0\n";
        assert_eq!(super::parse_busy_ticks(stat), Some(143));
        assert_eq!(super::parse_busy_ticks("cpu0 1 2 3\n"), None);
        assert!(super::machine_busy() > std::time::Duration::ZERO);
    }

    #[test]
    fn this_process_has_used_some_cpu_on_its_own_thread() {
        let start = std::time::Instant::now();
        let mut x = 0u64;
        while start.elapsed() < std::time::Duration::from_millis(60) {
            x = x.wrapping_add(std::hint::black_box(1));
        }
        let cpu = super::thread_cpu(std::process::id());
        assert!(x > 0);
        assert!(
            cpu.values()
                .any(|t| *t >= std::time::Duration::from_millis(20)),
            "{cpu:?}"
        );
    }
}
