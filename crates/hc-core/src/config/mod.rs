//! Settings, read once at start-up from environment variables with healthchecks' names
//! (`docs/configuration.md` lists every one). Each bad value is refused with a message
//! that names the variable and the fix.

mod db;
mod env;

use std::fmt;
use std::path::{Path, PathBuf};

use ipnet::IpNet;

pub use db::{Backend, DbConfig};
pub use env::Env;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ConfigError {
    #[error("{var}: {message}")]
    Invalid { var: String, message: String },
}

impl ConfigError {
    pub fn invalid(var: &str, message: impl Into<String>) -> Self {
        ConfigError::Invalid {
            var: var.to_owned(),
            message: message.into(),
        }
    }
}

/// A value that must never reach a log: `Debug` prints `***`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

#[derive(Debug, Clone)]
pub struct EmailConfig {
    /// Empty: sending e-mail is disabled.
    pub host: String,
    pub port: u16,
    pub user: String,
    pub password: Option<Secret>,
    pub use_tls: bool,
    pub use_ssl: bool,
    pub use_verification: bool,
    pub mail_from_tmpl: String,
}

impl EmailConfig {
    pub fn enabled(&self) -> bool {
        !self.host.is_empty()
    }
}

/// Base URLs of the services whose address is not in the channel's configuration.
#[derive(Debug, Clone)]
pub struct Endpoints {
    /// PagerDuty's Events API (v1 `create_event.json`, as healthchecks uses).
    pub pagerduty: String,
    /// Pushover's messages endpoint (and, beside it, `receipts/` for cancelling).
    pub pushover: String,
    pub pushbullet: String,
    /// Telegram's Bot API root; `/bot<token>/sendMessage` is appended.
    pub telegram: String,
    /// Opsgenie's API root for US accounts; `/v2/alerts` is appended.
    pub opsgenie_us: String,
    /// Opsgenie's API root for EU accounts.
    pub opsgenie_eu: String,
    /// Trello's card-creating endpoint (`/1/cards`).
    pub trello: String,
    /// GitHub's REST API root; `/app/installations/...` and `/repos/...` are appended.
    pub github: String,
    /// Twilio's API root; `/2010-04-01/Accounts/<account>/Messages.json` (or
    /// `Calls.json`) is appended.
    pub twilio: String,
    /// The OAuth pages of the "add" buttons: where users authorise hc, and where
    /// the dashboard trades the code for a token (overridden only by tests).
    pub slack_authorize: String,
    pub slack_token: String,
    pub discord_authorize: String,
    pub discord_token: String,
    pub pushbullet_authorize: String,
    pub pushbullet_token: String,
}

/// Twilio, for SMS, WhatsApp and phone calls (healthchecks' names).
#[derive(Debug, Clone, Default)]
pub struct TwilioConfig {
    pub account: Option<String>,
    pub auth: Option<Secret>,
    /// The sending number (E.164), for calls, and for messages unless a messaging
    /// service is set.
    pub from: Option<String>,
    /// Sends messages through this messaging service instead of `from`.
    pub messaging_service_sid: Option<String>,
    pub use_whatsapp: bool,
    /// WhatsApp message templates (Twilio Content SIDs) for down and up alerts.
    pub whatsapp_down_content_sid: Option<String>,
    pub whatsapp_up_content_sid: Option<String>,
}

impl TwilioConfig {
    /// Account and auth token: what every Twilio request needs.
    pub fn credentials(&self) -> Option<(&str, &str)> {
        let account = self.account.as_deref().filter(|a| !a.trim().is_empty())?;
        let auth = self
            .auth
            .as_ref()
            .map(Secret::expose)
            .filter(|a| !a.is_empty())?;
        Some((account, auth))
    }

    /// Whether messages have a sender: a number or a messaging service.
    pub fn can_message(&self) -> bool {
        let set = |v: &Option<String>| v.as_deref().is_some_and(|s| !s.trim().is_empty());
        self.credentials().is_some() && (set(&self.from) || set(&self.messaging_service_sid))
    }

    /// Whether WhatsApp is switched on, with a sender and a message template for
    /// each status (WhatsApp takes only approved templates from businesses).
    pub fn can_whatsapp(&self) -> bool {
        let set = |v: &Option<String>| v.as_deref().is_some_and(|s| !s.trim().is_empty());
        self.use_whatsapp
            && self.can_message()
            && set(&self.whatsapp_down_content_sid)
            && set(&self.whatsapp_up_content_sid)
    }

    /// Whether calls have a number to call from.
    pub fn can_call(&self) -> bool {
        self.credentials().is_some() && self.from.as_deref().is_some_and(|s| !s.trim().is_empty())
    }
}

/// Keys and switches of the integrations (healthchecks' names, §10.5 of the spec).
#[derive(Debug, Clone)]
pub struct IntegrationsConfig {
    pub apprise_enabled: bool,
    pub discord_client_id: Option<String>,
    pub discord_client_secret: Option<Secret>,
    /// The GitHub App: its client ID is also the issuer of the tokens hc signs
    /// with its private key (PEM, PKCS#1 or PKCS#8).
    pub github_client_id: Option<String>,
    pub github_client_secret: Option<Secret>,
    pub github_private_key: Option<Secret>,
    pub github_public_link: Option<String>,
    pub matrix_homeserver: Option<String>,
    pub matrix_user_id: Option<String>,
    pub matrix_access_token: Option<Secret>,
    pub mattermost_enabled: bool,
    pub msteams_enabled: bool,
    pub ntfy_sh_token: Option<Secret>,
    pub opsgenie_enabled: bool,
    pub pagertree_enabled: bool,
    pub pd_enabled: bool,
    pub prometheus_enabled: bool,
    pub pushbullet_client_id: Option<String>,
    pub pushbullet_client_secret: Option<Secret>,
    pub pushover_api_token: Option<Secret>,
    pub pushover_subscription_url: Option<String>,
    pub pushover_emergency_retry_delay: i64,
    pub pushover_emergency_expiration: i64,
    pub rocketchat_enabled: bool,
    pub shell_enabled: bool,
    pub signal_cli_socket: Option<String>,
    pub slack_client_id: Option<String>,
    pub slack_client_secret: Option<Secret>,
    pub slack_enabled: bool,
    pub spike_enabled: bool,
    pub telegram_bot_name: String,
    pub telegram_token: Option<Secret>,
    pub trello_app_key: Option<Secret>,
    pub twilio: TwilioConfig,
    pub victorops_enabled: bool,
    pub webhooks_enabled: bool,
    pub zulip_enabled: bool,
    pub allow_private_ips: bool,
    /// Where the hosted services are reached. hc's own settings, so that tests (and
    /// operators behind a proxy) can point them elsewhere.
    pub endpoints: Endpoints,
}

#[derive(Debug, Clone)]
pub struct Config {
    /// Public base URL, without a trailing slash.
    pub site_root: String,
    pub site_name: String,
    pub site_logo_url: Option<String>,
    pub master_badge_label: String,
    pub secret_key: Secret,
    pub debug: bool,
    pub registration_open: bool,
    /// Hold back alerts for time in which no ping receiver was alive (hc's own).
    pub outage_protection: bool,
    /// Base of ping URLs, ending in `/`.
    pub ping_endpoint: String,
    pub ping_email_domain: String,
    /// Bytes of request body stored per ping; `None` = unlimited.
    pub ping_body_limit: Option<usize>,
    pub allowed_hosts: Vec<String>,
    pub default_from_email: String,
    pub support_email: Option<String>,
    pub admins: Vec<String>,
    pub metrics_key: Option<Secret>,
    /// Peers whose `X-Forwarded-For`/`X-Forwarded-Proto` we believe.
    pub trusted_proxies: Vec<IpNet>,
    pub email: EmailConfig,
    pub integrations: IntegrationsConfig,
    pub db: DbConfig,
}

impl Config {
    /// Reads the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from(&Env::process())
    }

    pub fn from(env: &Env) -> Result<Self, ConfigError> {
        let site_root = site_root(env)?;
        let site_name = env.string("SITE_NAME", "Mychecks");
        let ping_endpoint = match env.opt_string("PING_ENDPOINT") {
            Some(p) => {
                url::Url::parse(&p).map_err(|e| {
                    ConfigError::invalid(
                        "PING_ENDPOINT",
                        format!("{p:?} is not a URL ({e}); use e.g. https://hc.example.org/ping/"),
                    )
                })?;
                p
            }
            None => format!("{site_root}/ping/"),
        };
        let ping_body_limit = match env.opt_int("PING_BODY_LIMIT", Some(10_000))? {
            None => None,
            Some(n) => Some(usize::try_from(n).map_err(|_| {
                ConfigError::invalid(
                    "PING_BODY_LIMIT",
                    "must be 0 or more bytes, or None for no limit",
                )
            })?),
        };
        let allowed_hosts = match env.list("ALLOWED_HOSTS") {
            hosts if hosts.is_empty() => vec![host_of(&site_root)],
            hosts => hosts,
        };
        let db = DbConfig::from_env(env)?;
        let secret_key = match env.secret("SECRET_KEY")? {
            Some(key) => key,
            None => generated_secret_key(&db)?,
        };
        let email = EmailConfig {
            host: env.string("EMAIL_HOST", ""),
            port: env.int_in("EMAIL_PORT", 587, 1..=65535)? as u16,
            user: env.string("EMAIL_HOST_USER", ""),
            password: env.secret("EMAIL_HOST_PASSWORD")?,
            use_tls: env.bool("EMAIL_USE_TLS", true)?,
            use_ssl: env.bool("EMAIL_USE_SSL", false)?,
            use_verification: env.bool("EMAIL_USE_VERIFICATION", true)?,
            mail_from_tmpl: env.string("EMAIL_MAIL_FROM_TMPL", ""),
        };
        if email.use_tls && email.use_ssl && env.is_set("EMAIL_USE_TLS") {
            return Err(ConfigError::invalid(
                "EMAIL_USE_SSL",
                "EMAIL_USE_TLS and EMAIL_USE_SSL are both True; set only one (SSL for port 465, TLS for 587)",
            ));
        }
        let email = EmailConfig {
            // Implicit TLS replaces STARTTLS, as in Django.
            use_tls: email.use_tls && !email.use_ssl,
            ..email
        };
        Ok(Config {
            master_badge_label: env.string("MASTER_BADGE_LABEL", &site_name),
            site_logo_url: env.opt_string("SITE_LOGO_URL"),
            secret_key,
            debug: env.bool("DEBUG", false)?,
            registration_open: env.bool("REGISTRATION_OPEN", true)?,
            outage_protection: env.bool("HC_OUTAGE_PROTECTION", true)?,
            ping_endpoint,
            ping_email_domain: env.string("PING_EMAIL_DOMAIN", "localhost"),
            ping_body_limit,
            allowed_hosts,
            default_from_email: env.string("DEFAULT_FROM_EMAIL", "healthchecks@example.org"),
            support_email: env.opt_string("SUPPORT_EMAIL"),
            admins: env.list("ADMINS"),
            metrics_key: env.secret("METRICS_KEY")?,
            trusted_proxies: trusted_proxies(env)?,
            email,
            integrations: integrations(env)?,
            db,
            site_root,
            site_name,
        })
    }

    /// The URL path prefix from `SITE_ROOT` (`""` or e.g. `/hc`).
    pub fn path_prefix(&self) -> String {
        url::Url::parse(&self.site_root)
            .map(|u| u.path().trim_end_matches('/').to_owned())
            .unwrap_or_default()
    }
}

fn site_root(env: &Env) -> Result<String, ConfigError> {
    let raw = env.string("SITE_ROOT", "http://localhost:8000");
    let trimmed = raw.trim_end_matches('/').to_owned();
    let parsed = url::Url::parse(&trimmed).map_err(|e| {
        ConfigError::invalid(
            "SITE_ROOT",
            format!("{raw:?} is not a URL ({e}); use e.g. https://hc.example.org"),
        )
    })?;
    if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
        return Err(ConfigError::invalid(
            "SITE_ROOT",
            format!("{raw:?} must be an http:// or https:// URL with a host"),
        ));
    }
    Ok(trimmed)
}

fn host_of(site_root: &str) -> String {
    url::Url::parse(site_root)
        .ok()
        .and_then(|u| u.host_str().map(str::to_owned))
        .unwrap_or_default()
}

fn trusted_proxies(env: &Env) -> Result<Vec<IpNet>, ConfigError> {
    let listed = env.list("TRUSTED_PROXIES");
    let entries: Vec<String> = if env.is_set("TRUSTED_PROXIES") {
        listed
    } else {
        vec!["127.0.0.0/8".into(), "::1/128".into()]
    };
    entries
        .iter()
        .map(|entry| {
            entry
                .parse::<IpNet>()
                .or_else(|_| entry.parse::<std::net::IpAddr>().map(IpNet::from))
                .map_err(|_| {
                    ConfigError::invalid(
                        "TRUSTED_PROXIES",
                        format!("{entry:?} is not an IP address or CIDR range (e.g. 10.0.0.0/8)"),
                    )
                })
        })
        .collect()
}

fn integrations(env: &Env) -> Result<IntegrationsConfig, ConfigError> {
    Ok(IntegrationsConfig {
        apprise_enabled: env.bool("APPRISE_ENABLED", false)?,
        discord_client_id: env.opt_string("DISCORD_CLIENT_ID"),
        discord_client_secret: env.secret("DISCORD_CLIENT_SECRET")?,
        github_client_id: env.opt_string("GITHUB_CLIENT_ID"),
        github_client_secret: env.secret("GITHUB_CLIENT_SECRET")?,
        github_private_key: env.secret("GITHUB_PRIVATE_KEY")?,
        github_public_link: env.opt_string("GITHUB_PUBLIC_LINK"),
        matrix_homeserver: env.opt_string("MATRIX_HOMESERVER"),
        matrix_user_id: env.opt_string("MATRIX_USER_ID"),
        matrix_access_token: env.secret("MATRIX_ACCESS_TOKEN")?,
        mattermost_enabled: env.bool("MATTERMOST_ENABLED", true)?,
        msteams_enabled: env.bool("MSTEAMS_ENABLED", true)?,
        ntfy_sh_token: env.secret("NTFY_SH_TOKEN")?,
        opsgenie_enabled: env.bool("OPSGENIE_ENABLED", true)?,
        pagertree_enabled: env.bool("PAGERTREE_ENABLED", true)?,
        pd_enabled: env.bool("PD_ENABLED", true)?,
        prometheus_enabled: env.bool("PROMETHEUS_ENABLED", true)?,
        pushbullet_client_id: env.opt_string("PUSHBULLET_CLIENT_ID"),
        pushbullet_client_secret: env.secret("PUSHBULLET_CLIENT_SECRET")?,
        pushover_api_token: env.secret("PUSHOVER_API_TOKEN")?,
        pushover_subscription_url: env.opt_string("PUSHOVER_SUBSCRIPTION_URL"),
        pushover_emergency_retry_delay: env.int_in(
            "PUSHOVER_EMERGENCY_RETRY_DELAY",
            300,
            30..=86_400,
        )?,
        pushover_emergency_expiration: env.int_in(
            "PUSHOVER_EMERGENCY_EXPIRATION",
            86_400,
            30..=10_800_000,
        )?,
        rocketchat_enabled: env.bool("ROCKETCHAT_ENABLED", true)?,
        shell_enabled: env.bool("SHELL_ENABLED", false)?,
        signal_cli_socket: env.opt_string("SIGNAL_CLI_SOCKET"),
        slack_client_id: env.opt_string("SLACK_CLIENT_ID"),
        slack_client_secret: env.secret("SLACK_CLIENT_SECRET")?,
        slack_enabled: env.bool("SLACK_ENABLED", true)?,
        spike_enabled: env.bool("SPIKE_ENABLED", true)?,
        telegram_bot_name: env.string("TELEGRAM_BOT_NAME", "ExampleBot"),
        telegram_token: env.secret("TELEGRAM_TOKEN")?,
        trello_app_key: env.secret("TRELLO_APP_KEY")?,
        twilio: TwilioConfig {
            account: env.opt_string("TWILIO_ACCOUNT"),
            auth: env.secret("TWILIO_AUTH")?,
            from: env.opt_string("TWILIO_FROM"),
            messaging_service_sid: env.opt_string("TWILIO_MESSAGING_SERVICE_SID"),
            use_whatsapp: env.bool("TWILIO_USE_WHATSAPP", false)?,
            whatsapp_down_content_sid: env.opt_string("WHATSAPP_DOWN_CONTENT_SID"),
            whatsapp_up_content_sid: env.opt_string("WHATSAPP_UP_CONTENT_SID"),
        },
        victorops_enabled: env.bool("VICTOROPS_ENABLED", true)?,
        webhooks_enabled: env.bool("WEBHOOKS_ENABLED", true)?,
        zulip_enabled: env.bool("ZULIP_ENABLED", true)?,
        allow_private_ips: env.bool("INTEGRATIONS_ALLOW_PRIVATE_IPS", false)?,
        endpoints: Endpoints {
            pagerduty: env.string(
                "HC_PAGERDUTY_URL",
                "https://events.pagerduty.com/generic/2010-04-15/create_event.json",
            ),
            pushover: env.string(
                "HC_PUSHOVER_URL",
                "https://api.pushover.net/1/messages.json",
            ),
            pushbullet: env.string("HC_PUSHBULLET_URL", "https://api.pushbullet.com/v2/pushes"),
            telegram: env.string("HC_TELEGRAM_URL", "https://api.telegram.org"),
            opsgenie_us: env.string("HC_OPSGENIE_URL", "https://api.opsgenie.com"),
            opsgenie_eu: env.string("HC_OPSGENIE_EU_URL", "https://api.eu.opsgenie.com"),
            trello: env.string("HC_TRELLO_URL", "https://api.trello.com/1/cards"),
            github: env.string("HC_GITHUB_API_URL", "https://api.github.com"),
            twilio: env.string("HC_TWILIO_URL", "https://api.twilio.com"),
            slack_authorize: env.string(
                "HC_SLACK_AUTHORIZE_URL",
                "https://slack.com/oauth/v2/authorize",
            ),
            slack_token: env.string(
                "HC_SLACK_TOKEN_URL",
                "https://slack.com/api/oauth.v2.access",
            ),
            discord_authorize: env.string(
                "HC_DISCORD_AUTHORIZE_URL",
                "https://discord.com/api/oauth2/authorize",
            ),
            discord_token: env.string(
                "HC_DISCORD_TOKEN_URL",
                "https://discord.com/api/oauth2/token",
            ),
            pushbullet_authorize: env.string(
                "HC_PUSHBULLET_AUTHORIZE_URL",
                "https://www.pushbullet.com/authorize",
            ),
            pushbullet_token: env.string(
                "HC_PUSHBULLET_TOKEN_URL",
                "https://api.pushbullet.com/oauth2/token",
            ),
        },
    })
}

/// Without `SECRET_KEY`, a single-machine install still needs a stable key (API key
/// hashes and signed links depend on it), so one is made once and kept in a file
/// beside the default SQLite database. Anything shared between machines must set
/// `SECRET_KEY` itself: each machine would otherwise invent its own.
fn generated_secret_key(db: &DbConfig) -> Result<Secret, ConfigError> {
    let dir = match db {
        DbConfig::Sqlite { path, .. } => path.parent().map(Path::to_path_buf).unwrap_or_default(),
        _ => {
            return Err(ConfigError::invalid(
                "SECRET_KEY",
                "not set; every hc process sharing this database needs the same long random value (e.g. from `openssl rand -hex 32`)",
            ))
        }
    };
    let path = if dir.as_os_str().is_empty() {
        PathBuf::from("hc-secret-key")
    } else {
        dir.join("hc-secret-key")
    };
    read_or_create_key(&path).map_err(|e| {
        ConfigError::invalid(
            "SECRET_KEY",
            format!(
                "not set, and cannot keep a generated one in {} ({e}); set SECRET_KEY",
                path.display()
            ),
        )
    })
}

fn read_or_create_key(path: &Path) -> std::io::Result<Secret> {
    use std::io::Write;
    if let Ok(existing) = std::fs::read_to_string(path) {
        if !existing.trim().is_empty() {
            return Ok(Secret::new(existing.trim().to_owned()));
        }
    }
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    let key = crate::keys::random_token(48);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    match options.open(path) {
        Ok(mut file) => {
            file.write_all(key.as_bytes())?;
            file.sync_all()?;
            Ok(Secret::new(key))
        }
        // Another process made it first: use theirs.
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(Secret::new(
            std::fs::read_to_string(path)?.trim().to_owned(),
        )),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "tests")]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn config(pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let vars: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        let env = Env::new(|k| vars.get(k).cloned());
        Config::from(&env)
    }

    #[test]
    fn defaults_match_healthchecks_but_debug_is_off() {
        let c = config(&[("SECRET_KEY", "k"), ("HOME", "/h")]).unwrap();
        assert_eq!(c.site_root, "http://localhost:8000");
        assert_eq!(c.site_name, "Mychecks");
        assert_eq!(c.master_badge_label, "Mychecks");
        assert_eq!(c.ping_endpoint, "http://localhost:8000/ping/");
        assert_eq!(c.ping_body_limit, Some(10_000));
        assert_eq!(c.allowed_hosts, vec!["localhost"]);
        assert!(!c.debug);
        assert!(c.registration_open);
        assert!(!c.email.enabled());
        assert_eq!(c.email.port, 587);
        assert!(c.email.use_tls);
        assert_eq!(c.trusted_proxies.len(), 2);
        assert_eq!(c.path_prefix(), "");
    }

    #[test]
    fn site_root_loses_its_trailing_slash_and_gives_the_prefix() {
        let c = config(&[("SECRET_KEY", "k"), ("SITE_ROOT", "https://x.org/hc/")]).unwrap();
        assert_eq!(c.site_root, "https://x.org/hc");
        assert_eq!(c.ping_endpoint, "https://x.org/hc/ping/");
        assert_eq!(c.path_prefix(), "/hc");
        let err = config(&[("SECRET_KEY", "k"), ("SITE_ROOT", "x.org")]).unwrap_err();
        assert!(err.to_string().starts_with("SITE_ROOT: "), "{err}");
    }

    #[test]
    fn bad_values_are_refused_with_the_variable_name() {
        for (var, value) in [
            ("DEBUG", "maybe"),
            ("PING_BODY_LIMIT", "-1"),
            ("EMAIL_PORT", "0"),
            ("TRUSTED_PROXIES", "10.0.0.0/99"),
            ("PING_ENDPOINT", "not a url"),
        ] {
            let err = config(&[("SECRET_KEY", "k"), (var, value)]).unwrap_err();
            assert!(
                err.to_string().starts_with(&format!("{var}: ")),
                "{var}: {err}"
            );
        }
        let err = config(&[
            ("SECRET_KEY", "k"),
            ("EMAIL_USE_TLS", "True"),
            ("EMAIL_USE_SSL", "True"),
        ]);
        assert!(err.is_err());
    }

    #[test]
    fn ping_body_limit_none_is_unlimited() {
        let c = config(&[("SECRET_KEY", "k"), ("PING_BODY_LIMIT", "None")]).unwrap();
        assert_eq!(c.ping_body_limit, None);
    }

    #[test]
    fn a_missing_secret_key_is_generated_once_for_sqlite_and_required_otherwise() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().to_str().unwrap();
        let first = config(&[("XDG_DATA_HOME", data)]).unwrap().secret_key;
        let second = config(&[("XDG_DATA_HOME", data)]).unwrap().secret_key;
        assert_eq!(first, second);
        assert!(first.expose().len() >= 48);
        let err = config(&[("DB", "postgres")]).unwrap_err();
        assert!(err.to_string().starts_with("SECRET_KEY: not set"), "{err}");
    }

    #[test]
    fn secrets_never_print() {
        let c = config(&[
            ("SECRET_KEY", "topsecret"),
            ("EMAIL_HOST_PASSWORD", "pw123"),
        ])
        .unwrap();
        let shown = format!("{c:?}");
        assert!(!shown.contains("topsecret") && !shown.contains("pw123"));
    }
}
