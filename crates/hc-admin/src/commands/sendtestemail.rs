//! `hc-admin sendtestemail TO`: sends one message through the configured SMTP server,
//! so an operator can see that e-mail alerts and login links will arrive.

use hc_core::config::Config;
use hc_integrations::email::{Mailer, Outgoing};

#[derive(Debug, clap::Args)]
pub struct Opts {
    /// The address to send to.
    pub to: String,
}

pub fn run(config: &Config, opts: Opts) -> anyhow::Result<()> {
    let to = hc_core::accounts::normalize_email(&opts.to)
        .map_err(|e| super::UsageError(e.to_string()))?;
    let mailer = Mailer::from_config(config)?;
    let pool = super::migrated_pool(config)?;
    let message = Outgoing {
        to: to.clone(),
        subject: format!("Test e-mail from {}", config.site_name),
        text: format!(
            "This is a test message from {} at {}.\n\nIf you can read it, e-mail from hc arrives: alerts and login links will too.\n",
            config.site_name, config.site_root
        ),
        html: None,
    };
    mailer.send_recorded(&mut *pool.get()?, &message)?;
    println!(
        "Sent a test e-mail to {to} through {}:{}.",
        config.email.host, config.email.port
    );
    Ok(())
}
