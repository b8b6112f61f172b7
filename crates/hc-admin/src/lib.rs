//! The operator's commands, one module each. `main` parses and calls [`run`]; tests
//! call the same code.

mod commands;

use clap::{Parser, Subcommand};
use commands::prune::What;
use hc_core::config::Config;

pub use commands::UsageError;

/// hc's administration commands.
#[derive(Debug, Parser)]
#[command(name = "hc-admin", version, about, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Apply pending database migrations (creates the SQLite file if needed).
    Migrate(commands::migrate::Opts),
    /// Create a superuser, with a first project, check and e-mail integration.
    Createsuperuser(commands::createsuperuser::Opts),
    /// Create a project with API keys and a ping key; prints them as JSON.
    Createproject(commands::createproject::Opts),
    /// Check the configuration and the database connection, and say what is wrong.
    Check(commands::check::Opts),
    /// Delete each check's pings beyond the newest ones it keeps.
    Prunepings(commands::prune::PingsOpts),
    /// Delete Welcome-page demo checks nobody claimed within 2 hours.
    Prunechecks(commands::prune::Common),
    /// Delete records of e-mail sent more than 7 days ago.
    Pruneemails(commands::prune::Common),
    /// Delete accounts unused for 31 days (see docs/admin.md for the exact rules).
    Pruneusers(commands::prune::Common),
    /// Delete old notifications the dashboard no longer shows [default: 93 days].
    Prunenotifications(commands::prune::AgeOpts),
    /// Delete old status changes [default: before the start of the month two months back].
    Pruneflips(commands::prune::AgeOpts),
    /// Run every prune command, in a safe order.
    Prune(commands::prune::PingsOpts),
    /// Send a test e-mail through the configured SMTP server.
    Sendtestemail(commands::sendtestemail::Opts),
}

pub fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Check(opts) => commands::check::run(opts),
        command => {
            let config = Config::from_env()?;
            match command {
                Command::Migrate(opts) => commands::migrate::run(&config, opts),
                Command::Createsuperuser(opts) => commands::createsuperuser::run(&config, opts),
                Command::Createproject(opts) => commands::createproject::run(&config, opts),
                Command::Prunepings(o) => {
                    commands::prune::run(&config, &[What::Pings(o.keep)], &o.common)
                }
                Command::Prunechecks(o) => commands::prune::run(&config, &[What::Checks], &o),
                Command::Pruneemails(o) => commands::prune::run(&config, &[What::Emails], &o),
                Command::Pruneusers(o) => commands::prune::run(&config, &[What::Users], &o),
                Command::Prunenotifications(o) => {
                    commands::prune::run(&config, &[What::Notifications(o.older_than)], &o.common)
                }
                Command::Pruneflips(o) => {
                    commands::prune::run(&config, &[What::Flips(o.older_than)], &o.common)
                }
                Command::Prune(o) => commands::prune::run(
                    &config,
                    &[
                        What::Pings(o.keep),
                        What::Notifications(None),
                        What::Flips(None),
                        What::Checks,
                        What::Emails,
                        What::Users,
                    ],
                    &o.common,
                ),
                Command::Sendtestemail(o) => commands::sendtestemail::run(&config, o),
                Command::Check(_) => unreachable!("handled above"),
            }
        }
    }
}

/// 2 for usage mistakes (as healthchecks' commands exit), 1 for everything else.
pub fn exit_code(e: &anyhow::Error) -> u8 {
    if e.downcast_ref::<UsageError>().is_some() {
        2
    } else {
        1
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_cli_is_well_formed() {
        use clap::CommandFactory;
        super::Cli::command().debug_assert();
    }
}
