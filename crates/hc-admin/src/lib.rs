//! The operator's commands, one module each. `main` parses and calls [`run`]; tests
//! call the same code.

mod commands;

use clap::{Parser, Subcommand};
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
