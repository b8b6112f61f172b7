//! `hc-admin createsuperuser`: a staff superuser with a first project, check and
//! e-mail integration. Asks on a terminal; takes `--email` and `--password` in scripts.

use std::io::{BufRead, IsTerminal, Write};

use hc_core::accounts::{self, NewUser};
use hc_core::config::Config;

use super::UsageError;

#[derive(Debug, clap::Args)]
pub struct Opts {
    /// The superuser's e-mail address.
    #[arg(long)]
    pub email: Option<String>,
    /// The password (prompted for, hidden, when omitted on a terminal).
    #[arg(long, env = "HC_SUPERUSER_PASSWORD", hide_env_values = true)]
    pub password: Option<String>,
}

pub fn run(config: &Config, opts: Opts) -> anyhow::Result<()> {
    let interactive = std::io::stdin().is_terminal();
    let email = match opts.email {
        Some(email) => email,
        None if interactive => prompt("Email: ")?,
        None => {
            return Err(UsageError("Missing or invalid required argument: --email".into()).into())
        }
    };
    let email = accounts::normalize_email(&email).map_err(|e| UsageError(e.to_string()))?;
    let password = match opts.password {
        Some(password) => password,
        None if interactive => {
            let first = rpassword::prompt_password("Password: ")?;
            let again = rpassword::prompt_password("Password (again): ")?;
            if first != again {
                return Err(UsageError("the passwords do not match".into()).into());
            }
            first
        }
        None => {
            return Err(
                UsageError("Missing or invalid required argument: --password".into()).into(),
            )
        }
    };
    if password.is_empty() {
        return Err(UsageError("the password must not be empty".into()).into());
    }
    let pool = super::migrated_pool(config)?;
    let mut conn = pool.get()?;
    accounts::create_user(
        &mut conn,
        &NewUser {
            email: &email,
            password: Some(&password),
            superuser: true,
            with_first_project: true,
        },
    )?;
    println!("Superuser created successfully.");
    Ok(())
}

fn prompt(label: &str) -> anyhow::Result<String> {
    print!("{label}");
    std::io::stdout().flush()?;
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    Ok(line.trim().to_owned())
}
