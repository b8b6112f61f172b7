//! `hc-admin migrate`: applies pending migrations and says what it did.

use hc_core::config::Config;
use hc_core::db::{self, DbConn, Open};

#[derive(Debug, clap::Args)]
pub struct Opts {
    /// Only list the pending migrations.
    #[arg(long)]
    pub check: bool,
}

pub fn run(config: &Config, opts: Opts) -> anyhow::Result<()> {
    let target = config.db.describe();
    let mode = if opts.check {
        Open::MustExist
    } else {
        Open::MayCreate
    };
    let mut conn = DbConn::open(&config.db, mode)?;
    if opts.check {
        let pending = db::pending_migrations(&mut conn)?;
        if pending.is_empty() {
            println!("{target}: up to date.");
            return Ok(());
        }
        println!("{target}: pending migrations: {}", pending.join(", "));
        anyhow::bail!(
            "{} migration(s) pending; run `hc-admin migrate`",
            pending.len()
        );
    }
    let applied = db::run_migrations(&mut conn)?;
    if applied.is_empty() {
        println!("{target}: no migrations to apply.");
    } else {
        for version in &applied {
            println!("Applied {version}");
        }
        println!("{target}: applied {} migration(s).", applied.len());
    }
    Ok(())
}
