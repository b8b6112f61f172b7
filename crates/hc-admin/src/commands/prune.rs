//! The prune commands: `prunepings`, `prunechecks`, `pruneemails`, `pruneusers`,
//! `prunenotifications`, `pruneflips`, and `prune` for all of them. They share one
//! runner (lock, progress, summary), so they live together rather than a file each.

use std::io::IsTerminal;
use std::time::Duration;

use chrono::Duration as Age;
use diesel::sql_types::{BigInt, Integer, Nullable};
use diesel::{QueryableByName, RunQueryDsl};
use hc_core::config::Config;
use hc_core::db::DbConn;
use hc_core::prune::bulk::{self, Mode};
use hc_core::time;

/// Options every prune command takes.
#[derive(Debug, clap::Args)]
pub struct Common {
    /// Count what would be deleted, and delete nothing.
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(Debug, clap::Args)]
pub struct PingsOpts {
    /// Pings to keep per check [default: the owner's ping log limit, 100 unless changed].
    #[arg(long, env = "HC_PRUNE_KEEP", value_parser = clap::value_parser!(i64).range(1..=10_000_000))]
    pub keep: Option<i64>,
    #[command(flatten)]
    pub common: Common,
}

#[derive(Debug, clap::Args)]
pub struct AgeOpts {
    /// Delete what is older than this many days.
    #[arg(long, value_parser = clap::value_parser!(i64).range(1..=36_500))]
    pub older_than: Option<i64>,
    #[command(flatten)]
    pub common: Common,
}

#[derive(Debug, Clone, Copy)]
pub enum What {
    Pings(Option<i64>),
    Checks,
    Emails,
    Users,
    Notifications(Option<i64>),
    Flips(Option<i64>),
}

impl What {
    fn noun(self) -> &'static str {
        match self {
            What::Pings(_) => "pings",
            What::Checks => "checks",
            What::Emails => "email messages",
            What::Users => "user accounts",
            What::Notifications(_) => "notifications",
            What::Flips(_) => "flips",
        }
    }
}

/// Notifications older than this go unless the dashboard still shows them.
const NOTIFICATIONS_AGE_DAYS: i64 = 93;

pub fn run(config: &Config, what: &[What], common: &Common) -> anyhow::Result<()> {
    let pool = super::migrated_pool(config)?;
    let mut conn = pool.get()?;
    let _lock = RunLock::take(&mut conn, config)?;
    let mode = if common.dry_run {
        Mode::DryRun
    } else {
        Mode::Delete
    };
    for item in what {
        let mut progress = Progress::new(item.noun());
        let now = time::now();
        let mut tick = |n: u64| progress.add(n);
        let count = match *item {
            What::Pings(keep) => bulk::prune_pings(&mut conn, keep, mode, &mut tick)?,
            What::Checks => bulk::prune_checks(&mut conn, now, mode, &mut tick)?,
            What::Emails => bulk::prune_emails(&mut conn, now, mode, &mut tick)?,
            What::Users => bulk::prune_users(&mut conn, now, mode, &mut tick)?,
            What::Notifications(days) => {
                let age = Age::days(days.unwrap_or(NOTIFICATIONS_AGE_DAYS));
                bulk::prune_notifications(&mut conn, now, age, mode, &mut tick)?
            }
            What::Flips(days) => {
                let cutoff =
                    days.map_or_else(|| bulk::default_flip_cutoff(now), |d| now - Age::days(d));
                bulk::prune_flips(&mut conn, cutoff, mode, &mut tick)?
            }
        };
        progress.finish();
        match mode {
            Mode::Delete => println!("Done! Pruned {count} {}.", item.noun()),
            Mode::DryRun => println!("Dry run: would prune {count} {}.", item.noun()),
        }
    }
    Ok(())
}

/// A bar on a terminal; a line per 100,000 rows otherwise (logs, cron mail).
struct Progress {
    bar: Option<indicatif::ProgressBar>,
    noun: &'static str,
    done: u64,
    reported: u64,
}

impl Progress {
    fn new(noun: &'static str) -> Self {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = indicatif::ProgressBar::new_spinner();
            bar.set_message(noun);
            bar.enable_steady_tick(Duration::from_millis(200));
            bar
        });
        Progress {
            bar,
            noun,
            done: 0,
            reported: 0,
        }
    }

    fn add(&mut self, n: u64) {
        self.done += n;
        match &self.bar {
            Some(bar) => bar.set_position(self.done),
            None if self.done - self.reported >= 100_000 => {
                eprintln!("... {} {} so far", self.done, self.noun);
                self.reported = self.done;
            }
            None => {}
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

#[derive(QueryableByName)]
struct Locked {
    #[diesel(sql_type = Nullable<Integer>)]
    locked: Option<i32>,
}

#[derive(QueryableByName)]
struct PgLocked {
    #[diesel(sql_type = diesel::sql_types::Bool)]
    locked: bool,
}

/// One prune at a time per database: a second run says so and stops, rather than
/// racing the first one over the same rows. (MySQL's named locks are server-wide,
/// hence the database's name in the lock's.)
enum RunLock {
    File(#[allow(dead_code)] std::fs::File),
    Server,
}

const PG_PRUNE_LOCK: i64 = 0x6863_7072_756e;

impl RunLock {
    fn take(conn: &mut DbConn, config: &Config) -> anyhow::Result<RunLock> {
        let busy = || {
            anyhow::anyhow!(
                "another prune command is running on this database; try again when it has finished"
            )
        };
        match conn {
            DbConn::Sqlite(_) => {
                let hc_core::config::DbConfig::Sqlite { path, .. } = &config.db else {
                    anyhow::bail!(
                        "the configuration and the connection disagree about the backend"
                    );
                };
                let lock_path = path.with_extension("prune-lock");
                let file = std::fs::OpenOptions::new()
                    .create(true)
                    .truncate(false)
                    .write(true)
                    .open(&lock_path)?;
                match file.try_lock() {
                    Ok(()) => Ok(RunLock::File(file)),
                    Err(std::fs::TryLockError::WouldBlock) => Err(busy()),
                    Err(std::fs::TryLockError::Error(e)) => Err(e.into()),
                }
            }
            DbConn::Postgres(c) => {
                let got: PgLocked = diesel::sql_query("SELECT pg_try_advisory_lock($1) AS locked")
                    .bind::<BigInt, _>(PG_PRUNE_LOCK)
                    .get_result(c)?;
                if got.locked {
                    Ok(RunLock::Server)
                } else {
                    Err(busy())
                }
            }
            DbConn::Mysql(c) => {
                let got: Locked = diesel::sql_query(
                    "SELECT GET_LOCK(CONCAT('hc_prune_', MD5(DATABASE())), 0) AS locked",
                )
                .get_result(c)?;
                if got.locked == Some(1) {
                    Ok(RunLock::Server)
                } else {
                    Err(busy())
                }
            }
        }
    }
}
