//! The ping receiver under load: `wrk` with 64 connections pinging 1,000 checks on
//! SQLite and on PostgreSQL, beside a trivial actix-web "OK" handler measured in the
//! same run. Prints requests per second, the ratio to the baseline, p99 latency, the
//! receiver's peak memory and its CPU time per ping, and checks that every 2xx is in
//! the database.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use anyhow::{bail, Context};
use clap::Parser;
use diesel::prelude::*;
use hc_bench::{
    machine_busy, peak_rss_kb, sibling, spawn_server, stop, thread_cpu, wrk, WrkReport,
};
use hc_core::config::Backend;
use hc_core::models::Check;
use hc_core::schema::checks;
use hc_test::{free_port, TestDb};

#[derive(Parser)]
#[command(about = "Benchmark hc-ping against a trivial handler")]
struct Opts {
    /// Seconds each load lasts.
    #[arg(long, default_value_t = 10)]
    seconds: u32,
    #[arg(long, default_value_t = 64)]
    connections: u32,
    #[arg(long, default_value_t = 1000)]
    checks: usize,
    /// Checks that are not pinged but each hold 100 pings (the default log size),
    /// to measure the receiver with a ping table of millions of rows.
    #[arg(long, default_value_t = 0)]
    idle_checks: i64,
    /// Backends to measure.
    #[arg(long, value_delimiter = ',', default_value = "sqlite,postgres")]
    db: Vec<String>,
}

struct Targets {
    min_ratio: f64,
    max_p99_ms: Option<f64>,
}

fn main() -> anyhow::Result<()> {
    let opts = Opts::parse();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("ping.lua");
    let script = script.to_str().context("script path")?.to_owned();

    // The baseline gets the same load as the receiver: the same wrk script picking
    // a ping URL at random for every request (which costs wrk itself about a fifth
    // of its speed, against a fixed URL), so that the ratio compares servers only.
    let dir = std::env::temp_dir().join(format!("hc-bench-baseline-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let codes_file = dir.join("codes.txt");
    let codes: Vec<String> = (0..opts.checks)
        .map(|_| uuid::Uuid::new_v4().to_string())
        .collect();
    std::fs::write(&codes_file, codes.join("\n"))?;
    let args = vec![codes_file.to_string_lossy().into_owned()];
    let trivial = sibling("trivial-server")?;
    let port = free_port();
    let server = spawn_server(&trivial, &[&format!("127.0.0.1:{port}")], &[], port)?;
    let busy_before = machine_busy();
    let baseline = wrk(
        &format!("http://127.0.0.1:{port}"),
        opts.connections,
        opts.seconds,
        Some((&script, &args)),
    );
    let baseline_busy = machine_busy().saturating_sub(busy_before);
    stop(server)?;
    let _ = std::fs::remove_dir_all(&dir);
    let baseline = baseline?;
    println!(
        "baseline (trivial actix-web handler): {:.0} req/s, p99 {:.2} ms, machine CPU {:.1} µs per request",
        baseline.rps,
        baseline.p99_ms,
        per_request(baseline_busy, baseline.requests)
    );

    let mut failed = false;
    for name in &opts.db {
        let (backend, targets) = match name.as_str() {
            "sqlite" => (
                Backend::Sqlite,
                Targets {
                    min_ratio: 0.40,
                    max_p99_ms: Some(20.0),
                },
            ),
            "postgres" => (
                Backend::Postgres,
                Targets {
                    min_ratio: 0.25,
                    max_p99_ms: None,
                },
            ),
            "mysql" => (
                Backend::Mysql,
                Targets {
                    min_ratio: 0.0,
                    max_p99_ms: None,
                },
            ),
            other => bail!("unknown backend {other}"),
        };
        let Run {
            report,
            peak_kb,
            stored,
            cpu,
            machine,
        } = run_receiver(backend, &opts, &script)?;
        let ratio = report.rps / baseline.rps;
        let rss_mb = peak_kb as f64 / 1024.0;
        println!(
            "hc-ping on {name}: {:.0} req/s = {:.1}% of baseline, p50 {:.2} ms, p99 {:.2} ms, peak RSS {:.1} MB, {} answered 2xx, {} stored, {} non-2xx, {} socket errors",
            report.rps,
            ratio * 100.0,
            report.p50_ms,
            report.p99_ms,
            rss_mb,
            report.ok(),
            stored,
            report.non_2xx,
            report.socket_errors
        );
        // CPU time per stored ping: steadier than req/s on a shared machine, and the
        // writers' share is the part one core cannot spread over two.
        let per_ping = |t: Duration| per_request(t, stored);
        let total: Duration = cpu.values().sum();
        let writers: Duration = cpu
            .iter()
            .filter(|(name, _)| name.starts_with("ping-writer"))
            .map(|(_, t)| *t)
            .sum();
        let others: Vec<String> = cpu
            .iter()
            .filter(|(_, t)| !t.is_zero())
            .map(|(name, t)| format!("{name} {:.1}", per_ping(*t)))
            .collect();
        println!(
            "  CPU per ping: {:.1} µs on the machine (wrk and any database server included), {:.1} µs in the receiver, {:.1} µs of it in its writers ({})",
            per_ping(machine),
            per_ping(total),
            per_ping(writers),
            others.join(", ")
        );
        // Requests in flight when wrk stops may be stored without being counted by wrk.
        let counts_ok =
            stored >= report.ok() && stored <= report.ok() + u64::from(opts.connections);
        let checks = [
            ("every 2xx stored", counts_ok),
            ("no non-2xx answers", report.non_2xx == 0),
            ("throughput ratio", ratio >= targets.min_ratio),
            (
                "p99 latency",
                targets.max_p99_ms.is_none_or(|max| report.p99_ms < max),
            ),
            ("memory under 64 MB", rss_mb < 64.0),
        ];
        for (what, ok) in checks {
            println!("  {} {what}", if ok { "PASS" } else { "FAIL" });
            failed |= !ok;
        }
    }
    if failed {
        bail!("some targets were missed");
    }
    Ok(())
}

/// What one load on the receiver measured.
struct Run {
    report: WrkReport,
    peak_kb: u64,
    /// Pings in the database afterwards.
    stored: u64,
    /// CPU time the receiver's threads used under the load, by thread name.
    cpu: BTreeMap<String, Duration>,
    /// Busy CPU time of the whole machine under the load.
    machine: Duration,
}

/// Microseconds of CPU time per request.
fn per_request(cpu: Duration, requests: u64) -> f64 {
    cpu.as_secs_f64() * 1e6 / requests.max(1) as f64
}

fn run_receiver(backend: Backend, opts: &Opts, script: &str) -> anyhow::Result<Run> {
    let db = TestDb::on(backend);
    let pool = db.migrated_pool();
    let mut conn = pool.get()?;
    let project =
        hc_core::accounts::create_project(&mut conn, "bench@example.org", "bench", "bench-secret")?;
    let project_id: i64 = hc_core::schema::projects::table
        .filter(hc_core::schema::projects::code.eq(&project.uuid))
        .select(hc_core::schema::projects::id)
        .first(&mut conn)?;
    let mut codes = Vec::with_capacity(opts.checks);
    conn.write_tx(|c| -> anyhow::Result<()> {
        for _ in 0..opts.checks {
            let check = Check::new(Some(project_id), hc_core::time::now().naive_utc());
            diesel::insert_into(checks::table)
                .values(&check)
                .execute(c)?;
            codes.push(check.code);
        }
        Ok(())
    })?;
    if opts.idle_checks > 0 {
        let started = std::time::Instant::now();
        hc_bench::fill(&mut conn, &project.uuid, opts.idle_checks, 100)?;
        let rows: i64 = hc_core::schema::pings::table
            .count()
            .get_result(&mut conn)?;
        println!(
            "  filled the ping table with {rows} rows ({} idle checks) in {:.1} s",
            opts.idle_checks,
            started.elapsed().as_secs_f64()
        );
    }
    // Statistics, as a database in service has them: on a table that was never
    // analysed, PostgreSQL plans (and keeps planning, until autovacuum's first pass
    // up to a minute later) sequential scans of `checks` for every batch.
    if backend != Backend::Sqlite {
        diesel::sql_query("ANALYZE").execute(&mut conn)?;
    }
    drop(conn);
    let dir = std::env::temp_dir().join(format!("hc-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let codes_file = dir.join("codes.txt");
    std::fs::write(&codes_file, codes.join("\n"))?;

    let port = free_port();
    let mut env = vec![("SECRET_KEY".to_owned(), "bench-secret".to_owned())];
    env.extend(db.env());
    let receiver = spawn_server(
        &sibling("hc-ping")?,
        &["--bind", &format!("127.0.0.1:{port}")],
        &env,
        port,
    )?;
    let pid = receiver.id();
    let args = vec![codes_file.to_string_lossy().into_owned()];
    let before = thread_cpu(pid);
    let busy_before = machine_busy();
    let (report, peak) = peak_rss_kb(pid, || {
        wrk(
            &format!("http://127.0.0.1:{port}"),
            opts.connections,
            opts.seconds,
            Some((script, &args)),
        )
    });
    let machine = machine_busy().saturating_sub(busy_before);
    let cpu = thread_cpu(pid)
        .into_iter()
        .map(|(name, t)| {
            let spent = t.saturating_sub(before.get(&name).copied().unwrap_or_default());
            (name, spent)
        })
        .collect();
    let report = report?;
    stop(receiver)?;
    // n_pings counts every stored ping and is never lowered by pruning.
    let counts: Vec<i64> = checks::table
        .filter(checks::code.eq_any(&codes))
        .select(checks::n_pings)
        .load(&mut pool.get()?)?;
    let stored: i64 = counts.iter().sum();
    let _ = std::fs::remove_dir_all(&dir);
    Ok(Run {
        report,
        peak_kb: peak,
        stored: u64::try_from(stored).unwrap_or(0),
        cpu,
        machine,
    })
}
