//! The notifier daemon: every few seconds it marks overdue checks down (recording a
//! flip for each), turns every new flip into one notification per channel, and
//! delivers them (see `hc_core::delivery` for why nothing is lost or sent twice).

use std::time::Duration;

use std::sync::Arc;

use hc_core::config::Config;
use hc_core::db::{self, OnStart, Pool};
use hc_core::delivery;
use hc_integrations::alert;
use hc_integrations::email::Mailer;
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

/// The main loop, on an existing pool.
pub async fn run(
    config: Config,
    pool: Pool,
    cli: &Cli,
    shutdown: CancellationToken,
) -> Result<(), Error> {
    let mailer = match Mailer::from_config(&config) {
        Ok(mailer) => Some(Arc::new(mailer)),
        Err(e) => {
            tracing::warn!(error = %e, "e-mail alerts cannot be sent");
            None
        }
    };
    let config = Arc::new(config);
    loop {
        let (pass_pool, config, mailer) = (pool.clone(), config.clone(), mailer.clone());
        let report = blocking(move || {
            let mut conn = pass_pool.get()?;
            let report = hc_core::alerts::going_down_pass(&mut conn, hc_core::time::now())?;
            delivery::queue_flips(&mut conn, hc_core::time::now())?;
            deliver_all(&mut conn, &config, mailer.as_deref())?;
            Ok(report)
        })
        .await;
        match report {
            Ok(report) if report.went_down > 0 => {
                tracing::info!(went_down = report.went_down, "pass done")
            }
            Ok(_) => {}
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

/// Sends every notification waiting, one after another.
fn deliver_all(
    conn: &mut hc_core::db::DbConn,
    config: &Config,
    mailer: Option<&Mailer>,
) -> Result<(), hc_core::Error> {
    while let Some(claimed) = delivery::claim(conn, hc_core::time::now())? {
        let started = std::time::Instant::now();
        let outcome = alert::send(conn, config, mailer, &claimed);
        let took = chrono::Duration::from_std(started.elapsed()).unwrap_or_default();
        match &outcome {
            Ok(()) => {
                tracing::info!(check.code = %claimed.check.code, channel.kind = %claimed.channel.kind, duration_ms = took.num_milliseconds(), "notification sent")
            }
            Err(e) => {
                tracing::warn!(check.code = %claimed.check.code, channel.kind = %claimed.channel.kind, error = %e, "notification failed")
            }
        }
        delivery::finish(
            conn,
            &claimed.notification,
            &claimed.channel,
            outcome,
            took,
            hc_core::time::now(),
        )?;
    }
    Ok(())
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
