//! The notifier daemon: every few seconds it marks overdue checks down (recording a
//! flip for each), turns every new flip into one notification per channel, and
//! delivers them (see `hc_core::delivery` for why nothing is lost or sent twice).

use std::time::Duration;

use std::sync::Arc;

use hc_core::config::Config;
use hc_core::db::{self, OnStart, Pool};
use hc_core::delivery;
use hc_core::outage::Liveness;
use hc_integrations::context::DownChecks;
use hc_integrations::{alert, Alert, Failure, Senders, Then};
use tokio_util::sync::CancellationToken;

/// hc's notifier daemon: marks late checks down and alerts their integrations.
#[derive(Debug, clap::Parser)]
#[command(version, about)]
pub struct Cli {
    /// Process what is due once, then exit (for tests and cron-driven set-ups).
    #[arg(long)]
    pub once: bool,
    /// Seconds to sleep between passes.
    #[arg(long, default_value_t = 2.0, value_parser = parse_interval)]
    pub interval: f64,
}

fn parse_interval(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(v) if (0.01..=3600.0).contains(&v) => Ok(v),
        _ => Err(format!(
            "{s:?} is not a number of seconds from 0.01 to 3600"
        )),
    }
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Core(#[from] hc_core::Error),
    #[error("internal error: {0}")]
    Internal(String),
}

/// Connects (refusing an unmigrated database) and runs until `shutdown`.
pub async fn serve(config: Config, cli: Cli, shutdown: CancellationToken) -> Result<(), Error> {
    let db_config = config.db.clone();
    let pool = blocking(move || db::connect(&db_config, 4, OnStart::RequireMigrated)).await?;
    tracing::info!(db = %config.db.describe(), "sendalerts is now running");
    run(config, pool, &cli, shutdown).await
}

/// Sends at most this many notifications at once, so that a slow provider holds up
/// only its own sends.
const CONCURRENCY: usize = 64;
/// Ended sends are recorded at least this often.
const FINISH_EVERY: Duration = Duration::from_millis(50);

/// The main loop, on an existing pool.
pub async fn run(
    config: Config,
    pool: Pool,
    cli: &Cli,
    shutdown: CancellationToken,
) -> Result<(), Error> {
    let config = Arc::new(config);
    let senders =
        Senders::new(config.clone(), pool.clone()).map_err(|e| Error::Internal(e.to_string()))?;
    let mut compacted: Option<std::time::Instant> = None;
    loop {
        let pass_pool = pool.clone();
        let pass_senders = senders.clone();
        let compact = compacted.is_none_or(|at| at.elapsed() >= COMPACT_EVERY);
        if compact {
            compacted = Some(std::time::Instant::now());
        }
        let report = blocking(move || {
            let mut conn = pass_pool.get()?;
            let now = hc_core::time::now();
            if compact {
                compact_heartbeats(&mut conn, now);
            }
            let liveness = if pass_senders.config.outage_protection {
                Liveness::load(&mut conn)?
            } else {
                None
            };
            if let Some(live) = &liveness {
                tell_operators_if_no_receiver(&mut conn, &pass_senders, live, now)?;
            }
            let report = hc_core::alerts::going_down_pass(&mut conn, now, liveness.as_ref())?;
            delivery::queue_flips(&mut conn, hc_core::time::now(), &alert::is_noop)?;
            Ok(report)
        })
        .await;
        let delivered = match report {
            Ok(report) => {
                if report.went_down > 0 || report.held_back > 0 {
                    tracing::info!(
                        went_down = report.went_down,
                        held_back = report.held_back,
                        "pass done"
                    );
                }
                match deliver_all(&senders, &shutdown).await {
                    Ok(()) => match send_reports(&senders).await {
                        Ok(()) => send_reminders(&senders).await,
                        Err(e) => Err(e),
                    },
                    Err(e) => Err(e),
                }
            }
            Err(e) => Err(e),
        };
        match delivered {
            Ok(()) => {}
            // A database hiccup must not end the daemon: log it and try again.
            Err(e) if !cli.once => tracing::error!(error = %e, "pass failed"),
            Err(e) => return Err(e),
        }
        if cli.once {
            return Ok(());
        }
        tokio::select! {
            _ = shutdown.cancelled() => {
                tracing::info!("Done.");
                return Ok(());
            }
            _ = tokio::time::sleep(Duration::from_secs_f64(cli.interval)) => {}
        }
    }
}

/// Old receiver heartbeats are merged this often (see `hc_core::outage::compact`).
const COMPACT_EVERY: Duration = Duration::from_secs(3600);

/// Merges the heartbeat rows of receiver sessions that ended over a day ago. A
/// failure costs nothing but a larger table until the next try.
fn compact_heartbeats(conn: &mut hc_core::db::DbConn, now: chrono::DateTime<chrono::Utc>) {
    match hc_core::outage::compact(conn, now) {
        Ok(0) => {}
        Ok(removed) => tracing::info!(removed, "old receiver heartbeats merged"),
        Err(e) => tracing::warn!(error = %e, "cannot merge old receiver heartbeats"),
    }
}

/// While no ping receiver is alive, pings cannot arrive: the operators hear about it
/// once per outage (whichever daemon notices first), not every check's owners.
fn tell_operators_if_no_receiver(
    conn: &mut hc_core::db::DbConn,
    senders: &Senders,
    live: &Liveness,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), hc_core::Error> {
    let Some(since) = live.down_since(now) else {
        return Ok(());
    };
    let kind = format!("receivers-down-{}", since.timestamp());
    if !hc_core::outage::claim_notice(conn, &kind, now)? {
        return Ok(());
    }
    let since_text = since.format("%Y-%m-%d %H:%M:%S UTC");
    tracing::error!(since = %since_text, "no ping receiver is alive; alerts for missed pings are held back");
    let config = &senders.config;
    let Some(mailer) = &senders.mailer else {
        return Ok(());
    };
    for admin in &config.admins {
        let message = hc_integrations::email::Outgoing {
            to: admin.clone(),
            subject: format!("{}: no ping receiver is running", config.site_name),
            text: format!(
                "No hc-ping process has recorded a heartbeat since {since_text}.\n\n\
                 Pings sent since then were not received. sendalerts holds back the alerts \
                 of checks whose pings were due in this time: their deadlines move on by \
                 the length of the outage, so they are alerted only if they stay silent \
                 after the receivers are back.\n\n\
                 Site: {}\n",
                config.site_root
            ),
            html: None,
        };
        if let Err(e) = mailer.send_recorded(conn, &message) {
            tracing::error!(error = %e, "cannot tell the operators");
        }
    }
    Ok(())
}

/// Runs `work` off the async threads with a connection, the mailer, the settings
/// and the time; nothing to do when e-mail is not set up.
async fn with_mailer(
    senders: &Senders,
    work: impl FnOnce(
            &mut hc_core::db::DbConn,
            &hc_integrations::email::Mailer,
            &Config,
            chrono::DateTime<chrono::Utc>,
        ) -> Result<(), hc_core::Error>
        + Send
        + 'static,
) -> Result<(), Error> {
    let Some(mailer) = senders.mailer.clone() else {
        return Ok(());
    };
    let pool = senders.pool.clone();
    let config = senders.config.clone();
    blocking(move || {
        let mut conn = pool.get()?;
        work(&mut conn, &mailer, &config, hc_core::time::now())
    })
    .await
}

/// Sends the reminders that are due ("nags"): one e-mail per person listing what is
/// still down, every `nag_period` until nothing is.
async fn send_reminders(senders: &Senders) -> Result<(), Error> {
    with_mailer(senders, |conn, mailer, config, now| {
        while let Some(nag) = hc_core::nags::next_due(conn, now)? {
            let mail = hc_integrations::email::reminder(config, &nag, now);
            match mailer.send_recorded_with(conn, &mail.message, &mail.headers) {
                Ok(()) => tracing::info!(checks_down = nag.count(), "reminder sent"),
                Err(e) => tracing::warn!(error = %e, "reminder not sent"),
            }
        }
        Ok(())
    })
    .await
}

/// Sends the periodic reports that are due (daily, weekly or monthly, as each
/// person chose), after scheduling the first report of anyone who has none; see
/// `hc_core::reports` for who gets one and why none goes out twice.
async fn send_reports(senders: &Senders) -> Result<(), Error> {
    with_mailer(senders, |conn, mailer, config, now| {
        while let Some(report) = hc_core::reports::next_due(conn, now)? {
            let mail = hc_integrations::email::report::message(config, &report, now);
            match mailer.send_recorded_with(conn, &mail.message, &mail.headers) {
                Ok(()) => tracing::info!(
                    user.id = report.user_id,
                    period = report.period.as_str(),
                    "report sent"
                ),
                Err(e) => tracing::warn!(user.id = report.user_id, error = %e, "report not sent"),
            }
        }
        Ok(())
    })
    .await
}

/// Sends every notification that is due, up to [`CONCURRENCY`] at a time; returns
/// when none is left (or at shutdown, once the sends in flight have finished).
/// Claims and outcomes are written in batches, each in one transaction.
async fn deliver_all(senders: &Senders, shutdown: &CancellationToken) -> Result<(), Error> {
    let mut inflight = tokio::task::JoinSet::new();
    let mut drained = false;
    let mut done = Vec::new();
    let mut last_finish = std::time::Instant::now();
    let mut down = DownChecks::default();
    loop {
        // Refill when half the slots are free: claiming costs a transaction, so it
        // is done for many notifications at a time.
        if !drained && !shutdown.is_cancelled() && inflight.len() <= CONCURRENCY / 2 {
            let room = CONCURRENCY - inflight.len();
            let pool = senders.pool.clone();
            let config = senders.config.clone();
            let mut kept = std::mem::take(&mut down);
            let (claimed, kept) = blocking(move || {
                let claimed = claim_batch(&pool, &config, room, &mut kept)?;
                Ok((claimed, kept))
            })
            .await?;
            down = kept;
            drained = claimed.len() < room;
            for (claimed, alert) in claimed {
                let senders = senders.clone();
                inflight.spawn(async move { deliver(&senders, claimed, alert).await });
            }
        }
        if inflight.is_empty() {
            return Ok(());
        }
        // Wait for one send to end, then take every other that has ended too.
        if let Some(joined) = inflight.join_next().await {
            done.push(joined.map_err(|e| Error::Internal(e.to_string()))?);
        }
        while let Some(joined) = inflight.try_join_next() {
            done.push(joined.map_err(|e| Error::Internal(e.to_string()))?);
        }
        // Outcomes are written a batch at a time (each write is a commit): when
        // half the slots' worth has ended, when a moment has passed, or at the end.
        // A daemon killed before writing them repeats only these recent sends.
        if done.len() >= CONCURRENCY / 2
            || inflight.is_empty()
            || last_finish.elapsed() >= FINISH_EVERY
        {
            let batch = std::mem::take(&mut done);
            let pool = senders.pool.clone();
            blocking(move || {
                let mut conn = pool.get()?;
                delivery::finish_batch(&mut conn, &batch, hc_core::time::now())
            })
            .await?;
            last_finish = std::time::Instant::now();
        }
    }
}

/// A claimed notification and its alert (or why the alert could not be read).
type Work = (delivery::Claimed, Result<Alert, String>);

/// Claims up to `n` notifications and gathers what their alerts say.
fn claim_batch(
    pool: &Pool,
    config: &Config,
    n: usize,
    down: &mut DownChecks,
) -> Result<Vec<Work>, hc_core::Error> {
    let mut conn = pool.get()?;
    let claimed = delivery::claim_batch(&mut conn, hc_core::time::now(), n)?;
    let alerts = Alert::load_many(&mut conn, config, &claimed, down);
    Ok(claimed
        .into_iter()
        .zip(alerts)
        .map(|(claimed, alert)| (claimed, alert.map_err(|e| e.to_string())))
        .collect())
}

/// Sends one notification; says how it went.
async fn deliver(
    senders: &Senders,
    claimed: delivery::Claimed,
    alert: Result<Alert, String>,
) -> delivery::Finished {
    let started = std::time::Instant::now();
    let outcome = match &alert {
        Ok(alert) => hc_integrations::send(senders, alert).await,
        Err(e) => Err(Failure::retry(format!(
            "cannot read the alert's details: {e}"
        ))),
    };
    let took = chrono::Duration::from_std(started.elapsed()).unwrap_or_default();
    let outcome = match outcome {
        Ok(()) => {
            tracing::info!(check.code = %claimed.check.code, channel.kind = %claimed.channel.kind, duration_ms = took.num_milliseconds(), "notification sent");
            delivery::Outcome::Sent
        }
        Err(failure) => {
            tracing::warn!(check.code = %claimed.check.code, channel.kind = %claimed.channel.kind, error = %failure, "notification failed");
            delivery::Outcome::Failed {
                error: failure.message,
                retry: failure.then == Then::Retry,
                disable: failure.then == Then::Disable,
            }
        }
    };
    delivery::Finished {
        notification: claimed.notification,
        channel: claimed.channel,
        outcome,
        took,
    }
}

/// Runs diesel work off the async threads, keeping the current tracing span.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, hc_core::Error> + Send + 'static,
) -> Result<T, Error> {
    let span = tracing::Span::current();
    tokio::task::spawn_blocking(move || span.in_scope(f))
        .await
        .map_err(|e| Error::Internal(e.to_string()))?
        .map_err(Error::from)
}
