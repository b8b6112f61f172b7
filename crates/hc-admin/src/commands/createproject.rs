//! `hc-admin createproject`: a project for automation. Prints its uuid, read-write
//! and read-only API keys and ping key as JSON; the keys are shown only this once.

use hc_core::accounts;
use hc_core::config::Config;

#[derive(Debug, clap::Args)]
pub struct Opts {
    /// The owner's e-mail address (an account without a password is made if needed).
    #[arg(long)]
    pub owner: String,
    /// The project's name.
    #[arg(long, default_value = "")]
    pub name: String,
}

pub fn run(config: &Config, opts: Opts) -> anyhow::Result<()> {
    let pool = super::migrated_pool(config)?;
    let mut conn = pool.get()?;
    let project = accounts::create_project(
        &mut conn,
        &opts.owner,
        &opts.name,
        config.secret_key.expose(),
    )?;
    println!("{}", serde_json::to_string_pretty(&project)?);
    Ok(())
}
