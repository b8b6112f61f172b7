//! Listing a project of 10,000 checks through `GET /api/v3/checks/` on a release
//! `hc-web`, on SQLite and PostgreSQL. The baseline, measured in the same run on the
//! same database, is reading the rows the handler needs straight through diesel: the
//! ratio says how much the HTTP, status and JSON work adds to the database's share.
//! Target: a median under 100 ms.

use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use clap::Parser;
use diesel::prelude::*;
use hc_bench::{percentile, sibling, spawn_server};
use hc_core::accounts;
use hc_core::db::DbConn;
use hc_core::models::{ChannelCheck, Check};
use hc_core::schema::{channel_checks, channels, checks, projects};
use hc_test::{free_port, TestDb};

#[derive(Parser)]
#[command(about = "Benchmark listing checks through the management API")]
struct Opts {
    #[arg(long, default_value_t = 10_000)]
    checks: usize,
    #[arg(long, default_value_t = 30)]
    requests: usize,
    #[arg(long, value_delimiter = ',', default_value = "sqlite,postgres")]
    db: Vec<String>,
}

const SECRET: &str = "bench-secret";
const TARGET_MS: f64 = 100.0;

fn main() -> anyhow::Result<()> {
    let opts = Opts::parse();
    let mut missed = false;
    for name in &opts.db {
        let backend = hc_bench::backend(name)?;
        let db = TestDb::on(backend);
        let pool = db.migrated_pool();
        let mut conn = pool.get()?;
        let project = accounts::create_project(&mut conn, "bench@example.org", "Bench", SECRET)?;
        let project_id: i64 = projects::table
            .filter(projects::code.eq(&project.uuid))
            .select(projects::id)
            .first(&mut *conn)?;
        fill(&mut conn, project_id, opts.checks)?;

        let port = free_port();
        let mut env = vec![("SECRET_KEY".to_owned(), SECRET.to_owned())];
        env.extend(db.env());
        let bind = format!("127.0.0.1:{port}");
        let mut server = spawn_server(&sibling("hc-web")?, &["--bind", &bind], &env, port)?;
        let client = reqwest::blocking::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()?;
        let url = format!("http://{bind}/api/v3/checks/");
        let mut api = Vec::with_capacity(opts.requests);
        let mut size = 0;
        for i in 0..opts.requests + 3 {
            let started = Instant::now();
            let response = client
                .get(&url)
                .header("X-Api-Key", &project.api_key)
                .send()?;
            let status = response.status();
            let body = response.bytes()?;
            let elapsed = started.elapsed();
            if !status.is_success() {
                bail!("GET {url}: {status}");
            }
            size = body.len();
            // The first requests warm the pool and the caches.
            if i >= 3 {
                api.push(elapsed);
            }
        }
        let listed: serde_json::Value = serde_json::from_slice(
            &client
                .get(&url)
                .header("X-Api-Key", &project.api_key)
                .send()?
                .bytes()?,
        )?;
        let n = listed["checks"].as_array().map_or(0, Vec::len);
        server.kill().ok();
        server.wait().ok();
        if n != opts.checks {
            bail!("the API listed {n} checks, not {}", opts.checks);
        }

        let mut baseline = Vec::with_capacity(opts.requests);
        for _ in 0..opts.requests {
            let started = Instant::now();
            let rows = checks::table
                .filter(checks::project_id.eq(project_id))
                .order(checks::id)
                .select(Check::as_select())
                .load(&mut *conn)?;
            let links: Vec<(i64, String)> = channel_checks::table
                .inner_join(channels::table)
                .filter(channels::project_id.eq(project_id))
                .select((channel_checks::check_id, channels::code))
                .load(&mut *conn)?;
            baseline.push(started.elapsed());
            std::hint::black_box((rows, links));
        }
        let (api_p50, api_p90) = (percentile(&mut api, 0.5), percentile(&mut api, 0.9));
        let base_p50 = percentile(&mut baseline, 0.5);
        println!(
            "{name}: GET /api/v3/checks/ with {} checks ({} KiB): median {api_p50:.1} ms, p90 {api_p90:.1} ms (target < {TARGET_MS} ms)",
            opts.checks,
            size / 1024
        );
        println!(
            "{name}: baseline (the same rows read through diesel in-process): median {base_p50:.1} ms; ratio {:.2}x",
            api_p50 / base_p50
        );
        missed |= api_p50 >= TARGET_MS;
    }
    if missed {
        bail!("the median missed the {TARGET_MS} ms target");
    }
    Ok(())
}

/// `checks` checks in one project: a third cron in a zone with DST, the rest simple;
/// most pinged and up; each assigned to the project's e-mail channel.
fn fill(conn: &mut DbConn, project_id: i64, count: usize) -> anyhow::Result<()> {
    let channel_id: i64 = channels::table
        .filter(channels::project_id.eq(project_id))
        .select(channels::id)
        .first(conn)
        .context("the project's e-mail channel")?;
    let now = hc_core::time::now();
    conn.write_tx(|conn| -> anyhow::Result<()> {
        for i in 0..count {
            let mut check = Check::new(Some(project_id), now.naive_utc());
            check.name = format!("job {i}");
            check.slug = format!("job-{i}");
            check.tags = ["prod db", "web", "prod batch"][i % 3].to_owned();
            if i % 3 == 0 {
                check.kind = "cron".into();
                check.schedule = ["*/5 * * * *", "0 3 * * *", "15 */2 * * 1-5"][i % 9 / 3].into();
                check.tz = "Europe/Riga".into();
            }
            if i % 10 != 0 {
                check.status = "up".into();
                check.n_pings = 5;
                check.last_ping =
                    Some((now - chrono::Duration::minutes((i % 90) as i64)).naive_utc());
            }
            let check = hc_core::checks::insert(conn, &check)?;
            diesel::insert_into(channel_checks::table)
                .values(&ChannelCheck {
                    channel_id,
                    check_id: check.id,
                })
                .execute(conn)?;
        }
        Ok(())
    })
}
