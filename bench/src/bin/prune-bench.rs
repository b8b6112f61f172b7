//! `hc-admin prunepings` against one hand-written DELETE on the same data: 10,000
//! checks with 1,000 pings each (10 million rows) on SQLite and PostgreSQL, keeping
//! 100 per check. Prints both times, the ratio, and the command's peak memory, and
//! checks that both left exactly 100 pings per check.

use std::time::Instant;

use anyhow::bail;
use clap::Parser;
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use hc_bench::{peak_rss_kb, sibling};
use hc_core::config::Backend;
use hc_core::db::DbConn;
use hc_core::schema::pings;
use hc_test::TestDb;

#[derive(Parser)]
#[command(about = "Benchmark hc-admin prunepings against a single DELETE statement")]
struct Opts {
    #[arg(long, default_value_t = 10_000)]
    checks: i64,
    #[arg(long, default_value_t = 1_000)]
    pings_per_check: i64,
    #[arg(long, value_delimiter = ',', default_value = "sqlite,postgres")]
    db: Vec<String>,
}

const KEEP: i64 = 100;

fn main() -> anyhow::Result<()> {
    let opts = Opts::parse();
    let mut failed = false;
    for name in &opts.db {
        let backend = hc_bench::backend(name)?;
        let total = opts.checks * opts.pings_per_check;
        println!(
            "{name}: {} checks x {} pings = {total} pings, keeping {KEEP} per check",
            opts.checks, opts.pings_per_check
        );

        let db = TestDb::on(backend);
        let pool = db.migrated_pool();
        fill(&mut *pool.get()?, &opts)?;
        let started = Instant::now();
        let mut env = vec![("SECRET_KEY".to_owned(), "bench".to_owned())];
        env.extend(db.env());
        let admin = sibling("hc-admin")?;
        let mut child = std::process::Command::new(admin)
            .args(["prunepings", "--keep", &KEEP.to_string()])
            .envs(env)
            .stdout(std::process::Stdio::piped())
            .spawn()?;
        let pid = child.id();
        let (status, peak_kb) = peak_rss_kb(pid, || child.wait());
        let ours = started.elapsed();
        if !status?.success() {
            bail!("hc-admin prunepings failed");
        }
        let ours_left = left(&mut *pool.get()?)?;
        drop(pool);
        drop(db);

        let db = TestDb::on(backend);
        let pool = db.migrated_pool();
        let mut conn = pool.get()?;
        fill(&mut conn, &opts)?;
        let started = Instant::now();
        conn.batch_execute(match backend {
            Backend::Postgres => "DELETE FROM pings p USING checks c WHERE p.check_id = c.id AND p.n <= c.n_pings - 100",
            Backend::Sqlite => "DELETE FROM pings WHERE n <= (SELECT n_pings - 100 FROM checks WHERE checks.id = pings.check_id)",
            Backend::Mysql => "DELETE p FROM pings p JOIN checks c ON p.check_id = c.id WHERE p.n <= c.n_pings - 100",
        })?;
        let baseline = started.elapsed();
        let baseline_left = left(&mut conn)?;

        let expected = opts.checks * KEEP.min(opts.pings_per_check);
        let ratio = ours.as_secs_f64() / baseline.as_secs_f64();
        println!(
            "  hc-admin prunepings: {:.2} s, peak RSS {:.1} MB; one DELETE statement: {:.2} s; ratio {ratio:.2}x",
            ours.as_secs_f64(),
            peak_kb as f64 / 1024.0,
            baseline.as_secs_f64()
        );
        for (what, ok) in [
            (
                "both kept exactly 100 per check",
                ours_left == expected && baseline_left == expected,
            ),
            ("within 1.5x of the single statement", ratio <= 1.5),
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

fn left(conn: &mut DbConn) -> anyhow::Result<i64> {
    Ok(pings::table.count().get_result(conn)?)
}

/// A project of checks with their pings (see [`hc_bench::fill`]).
fn fill(conn: &mut DbConn, opts: &Opts) -> anyhow::Result<()> {
    let project = hc_core::accounts::create_project(conn, "bench@example.org", "bench", "bench")?;
    hc_bench::fill(conn, &project.uuid, opts.checks, opts.pings_per_check)
}
