//! Server time of the dashboard's two busiest pages on a release `hc-web`, on SQLite
//! and PostgreSQL: the projects overview (`/`) of a person in 100 projects, and My
//! Checks of a project with 1,000 checks. The baseline, measured in the same run on
//! the same database, is reading the rows each page needs straight through diesel.
//! Targets: `/` under 50 ms and My Checks under 100 ms (medians).

use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use clap::Parser;
use diesel::prelude::*;
use hc_bench::{percentile, sibling, spawn_server};
use hc_core::accounts::{self, NewUser};
use hc_core::db::DbConn;
use hc_core::models::{Check, Project};
use hc_core::schema::{checks, projects};
use hc_test::{free_port, TestDb};

#[derive(Parser)]
#[command(about = "Benchmark the dashboard's projects overview and My Checks pages")]
struct Opts {
    #[arg(long, default_value_t = 100)]
    projects: usize,
    #[arg(long, default_value_t = 1000)]
    checks: usize,
    #[arg(long, default_value_t = 30)]
    requests: usize,
    #[arg(long, value_delimiter = ',', default_value = "sqlite,postgres")]
    db: Vec<String>,
}

const SECRET: &str = "bench-secret";
const PASSWORD: &str = "bench-password";
const HOME_TARGET_MS: f64 = 50.0;
const CHECKS_TARGET_MS: f64 = 100.0;

fn main() -> anyhow::Result<()> {
    let opts = Opts::parse();
    let mut missed = false;
    for name in &opts.db {
        let backend = hc_bench::backend(name)?;
        let db = TestDb::on(backend);
        let pool = db.migrated_pool();
        let mut conn = pool.get()?;
        let user = accounts::create_user(
            &mut conn,
            &NewUser {
                email: "bench@example.org",
                password: Some(PASSWORD),
                superuser: false,
                with_first_project: false,
            },
        )?;
        let mut codes = Vec::new();
        for i in 0..opts.projects {
            let p =
                accounts::create_project(&mut conn, &user.email, &format!("Project {i}"), SECRET)?;
            codes.push(p.uuid);
        }
        let ids: Vec<i64> = projects::table
            .filter(projects::owner_id.eq(user.id))
            .order(projects::id)
            .select(projects::id)
            .load(&mut *conn)?;
        // The first project holds the big table; the others ten checks each.
        fill(&mut conn, ids[0], opts.checks)?;
        for id in &ids[1..] {
            fill(&mut conn, *id, 10)?;
        }

        let port = free_port();
        let mut env = vec![("SECRET_KEY".to_owned(), SECRET.to_owned())];
        env.extend(db.env());
        let bind = format!("127.0.0.1:{port}");
        let mut server = spawn_server(&sibling("hc-web")?, &["--bind", &bind], &env, port)?;
        let cookie = log_in(&bind)?;
        let client = reqwest::blocking::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(30))
            .build()?;
        let time = |path: &str, must_contain: &str| -> anyhow::Result<Vec<Duration>> {
            let url = format!("http://{bind}{path}");
            let mut samples = Vec::with_capacity(opts.requests);
            for i in 0..opts.requests + 3 {
                let started = Instant::now();
                let response = client.get(&url).header("Cookie", &cookie).send()?;
                let status = response.status();
                let body = response.text()?;
                let elapsed = started.elapsed();
                if !status.is_success() || !body.contains(must_contain) {
                    bail!("GET {path}: {status}, or the page lacks {must_contain:?}");
                }
                if i >= 3 {
                    samples.push(elapsed);
                }
            }
            Ok(samples)
        };
        let mut home = time("/", &format!("Project {}", opts.projects - 1))?;
        let mut table = time(
            &format!("/projects/{}/checks/", codes[0]),
            &format!("job {}", opts.checks - 1),
        )?;
        server.kill().ok();
        server.wait().ok();

        let mut home_base = Vec::with_capacity(opts.requests);
        let mut table_base = Vec::with_capacity(opts.requests);
        for _ in 0..opts.requests {
            let started = Instant::now();
            let rows = projects::table
                .filter(projects::owner_id.eq(user.id))
                .select(Project::as_select())
                .load(&mut *conn)?;
            let all = checks::table
                .filter(checks::project_id.eq_any(&ids))
                .select(Check::as_select())
                .load(&mut *conn)?;
            home_base.push(started.elapsed());
            std::hint::black_box((rows, all));
            let started = Instant::now();
            let rows = checks::table
                .filter(checks::project_id.eq(ids[0]))
                .select(Check::as_select())
                .load(&mut *conn)?;
            table_base.push(started.elapsed());
            std::hint::black_box(rows);
        }
        let report = |what: &str, samples: &mut [Duration], base: &mut [Duration], target: f64| {
            let (p50, p90) = (percentile(samples, 0.5), percentile(samples, 0.9));
            let b50 = percentile(base, 0.5);
            println!(
                "{name}: {what}: median {p50:.1} ms, p90 {p90:.1} ms (target < {target} ms); baseline (its rows read through diesel in-process) {b50:.1} ms; ratio {:.2}x",
                p50 / b50
            );
            p50 >= target
        };
        missed |= report(
            &format!("/ with {} projects", opts.projects),
            &mut home,
            &mut home_base,
            HOME_TARGET_MS,
        );
        missed |= report(
            &format!("My Checks with {} checks", opts.checks),
            &mut table,
            &mut table_base,
            CHECKS_TARGET_MS,
        );
    }
    if missed {
        bail!("a median missed its target");
    }
    Ok(())
}

/// Logs in through the login form, as a browser would; returns the Cookie header.
fn log_in(bind: &str) -> anyhow::Result<String> {
    let client = reqwest::blocking::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    let page = client
        .get(format!("http://{bind}/accounts/login/"))
        .send()?;
    let csrf = cookie_value(&page, "csrftoken").context("no CSRF cookie")?;
    let answer = client
        .post(format!("http://{bind}/accounts/login/"))
        .header("Cookie", format!("csrftoken={csrf}"))
        .form(&[
            ("csrfmiddlewaretoken", csrf.as_str()),
            ("email", "bench@example.org"),
            ("password", PASSWORD),
        ])
        .send()?;
    let session = cookie_value(&answer, "hc_session").context("the login failed")?;
    Ok(format!("hc_session={session}"))
}

fn cookie_value(response: &reqwest::blocking::Response, name: &str) -> Option<String> {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .find_map(|v| {
            let text = v.to_str().ok()?;
            let (k, rest) = text.split(';').next()?.split_once('=')?;
            (k == name).then(|| rest.to_owned())
        })
}

/// `count` checks: a third cron in a zone with DST, most pinged and up.
fn fill(conn: &mut DbConn, project_id: i64, count: usize) -> anyhow::Result<()> {
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
            hc_core::checks::insert(conn, &check)?;
        }
        Ok(())
    })
}
