//! `hc-admin check`: reads the configuration and opens the database the way the
//! services do, and says in one line per problem what is wrong.

use hc_core::config::Config;
use hc_core::db::{self, DbConn, Open};

#[derive(Debug, clap::Args)]
pub struct Opts {}

pub fn run(_opts: Opts) -> anyhow::Result<()> {
    let config = Config::from_env()?;
    println!(
        "configuration: OK (SITE_ROOT={}, PING_ENDPOINT={})",
        config.site_root, config.ping_endpoint
    );
    if config.email.enabled() {
        println!("e-mail: via {}:{}", config.email.host, config.email.port);
    } else {
        println!("e-mail: disabled (EMAIL_HOST is not set): no e-mail alerts or login links");
    }
    let mut conn = DbConn::open(&config.db, Open::MustExist)?;
    let pending = db::pending_migrations(&mut conn)?;
    if !pending.is_empty() {
        anyhow::bail!(
            "database {}: migrations {} are pending; run `hc-admin migrate`",
            config.db.describe(),
            pending.join(", ")
        );
    }
    println!("database: OK ({})", config.db.describe());
    Ok(())
}
