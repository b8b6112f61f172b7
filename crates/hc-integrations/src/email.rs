//! Sending e-mail over SMTP (lettre) with healthchecks' `EMAIL_*` settings, and
//! recording every message sent in the `emails` table (recipient, subject, status,
//! time sent, error), as the original's mail queue did. Reports and reminders
//! carry a signed one-click unsubscribe link in their headers (RFC 8058).

pub mod report;

use std::time::Duration;

use diesel::prelude::*;
use hc_core::config::Config;
use hc_core::db::DbConn;
use hc_core::models::Email;
use hc_core::schema::emails;
use hc_core::{keys, time};
use lettre::message::header::{ContentType, HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{Message, SmtpTransport, Transport};

#[derive(Debug, thiserror::Error)]
pub enum EmailError {
    #[error("e-mail is not set up: set EMAIL_HOST (and EMAIL_PORT, EMAIL_HOST_USER, EMAIL_HOST_PASSWORD) to an SMTP server")]
    Disabled,
    #[error("{0:?} is not an e-mail address")]
    BadAddress(String),
    #[error("cannot build the message: {0}")]
    Build(String),
    #[error("the SMTP server refused or failed: {0}")]
    Smtp(String),
    #[error(transparent)]
    Db(#[from] hc_core::Error),
}

impl From<diesel::result::Error> for EmailError {
    fn from(e: diesel::result::Error) -> Self {
        EmailError::Db(e.into())
    }
}

/// A message to send: a plain-text part, and an HTML part when there is one.
#[derive(Debug, Clone)]
pub struct Outgoing {
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: Option<String>,
}

/// Header lines a message carries besides From, To and Subject.
pub type Headers = Vec<(&'static str, String)>;

/// A message about a person's own account that they may stop (reports and
/// reminders): what it says, and the headers that let mail clients offer to
/// unsubscribe.
#[derive(Debug, Clone)]
pub struct ListMail {
    pub message: Outgoing,
    pub headers: Headers,
}

/// The signed link that turns off `username`'s reports and reminders.
pub fn unsubscribe_url(
    config: &Config,
    username: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> String {
    use hc_core::reports::unsubscribe;
    let token = unsubscribe::token(config.secret_key.expose(), username, now);
    format!("{}{}", config.site_root, unsubscribe::path(&token))
}

/// RFC 2369's `List-Unsubscribe` with RFC 8058's one-click `List-Unsubscribe-Post`:
/// the mail client posts `List-Unsubscribe=One-Click` to `url` itself.
pub fn list_unsubscribe(url: &str) -> Headers {
    vec![
        ("List-Unsubscribe", format!("<{url}>")),
        (
            "List-Unsubscribe-Post",
            "List-Unsubscribe=One-Click".to_owned(),
        ),
    ]
}

/// An SMTP connection set up from the configuration.
pub struct Mailer {
    transport: SmtpTransport,
    from: Mailbox,
    from_text: String,
}

/// How long one SMTP conversation may take.
const SMTP_TIMEOUT: Duration = Duration::from_secs(10);

impl Mailer {
    pub fn from_config(config: &Config) -> Result<Mailer, EmailError> {
        let email = &config.email;
        if !email.enabled() {
            return Err(EmailError::Disabled);
        }
        let builder = if email.use_ssl {
            SmtpTransport::relay(&email.host)
        } else if email.use_tls {
            SmtpTransport::starttls_relay(&email.host)
        } else {
            Ok(SmtpTransport::builder_dangerous(&email.host))
        }
        .map_err(|e| EmailError::Smtp(e.to_string()))?;
        let mut builder = builder.port(email.port).timeout(Some(SMTP_TIMEOUT));
        if !email.user.is_empty() {
            let password = email
                .password
                .as_ref()
                .map(|p| p.expose().to_owned())
                .unwrap_or_default();
            builder = builder.credentials(Credentials::new(email.user.clone(), password));
        }
        let from_text = config.default_from_email.clone();
        let from = from_text
            .parse()
            .map_err(|_| EmailError::BadAddress(from_text.clone()))?;
        Ok(Mailer {
            transport: builder.build(),
            from,
            from_text,
        })
    }

    fn build(
        &self,
        message: &Outgoing,
        headers: &[(&'static str, String)],
    ) -> Result<Message, EmailError> {
        let to: Mailbox = message
            .to
            .parse()
            .map_err(|_| EmailError::BadAddress(message.to.clone()))?;
        let mut builder = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(message.subject.clone());
        for (name, value) in headers {
            let name = HeaderName::new_from_ascii((*name).to_owned())
                .map_err(|e| EmailError::Build(e.to_string()))?;
            builder = builder.raw_header(HeaderValue::new(name, value.clone()));
        }
        let text = SinglePart::builder()
            .header(ContentType::TEXT_PLAIN)
            .body(message.text.clone());
        let built = match &message.html {
            Some(html) => builder.multipart(
                MultiPart::alternative().singlepart(text).singlepart(
                    SinglePart::builder()
                        .header(ContentType::TEXT_HTML)
                        .body(html.clone()),
                ),
            ),
            None => builder.singlepart(text),
        };
        built.map_err(|e| EmailError::Build(e.to_string()))
    }

    /// The sender address (`DEFAULT_FROM_EMAIL`).
    pub fn from_address(&self) -> &str {
        &self.from_text
    }

    /// Sends one message; the caller records the outcome.
    pub fn send(&self, message: &Outgoing) -> Result<(), EmailError> {
        let built = self.build(message, &[])?;
        self.transport
            .send(&built)
            .map(|_| ())
            .map_err(|e| EmailError::Smtp(e.to_string()))
    }

    /// Records the message, sends it, and records how that went. The record is
    /// written first, so a crash mid-send leaves a trace of what was attempted.
    pub fn send_recorded(&self, conn: &mut DbConn, message: &Outgoing) -> Result<(), EmailError> {
        self.send_recorded_with(conn, message, &[])
    }

    /// [`Mailer::send_recorded`] with extra header lines, which the record keeps too.
    pub fn send_recorded_with(
        &self,
        conn: &mut DbConn,
        message: &Outgoing,
        headers: &[(&'static str, String)],
    ) -> Result<(), EmailError> {
        let built = self.build(message, headers)?;
        let recorded_headers: serde_json::Map<String, serde_json::Value> = headers
            .iter()
            .map(|(name, value)| ((*name).to_owned(), value.clone().into()))
            .collect();
        let record = Email {
            id: 0,
            code: keys::new_uuid(),
            from_email: self.from_text.clone(),
            to_email: message.to.clone(),
            subject: message.subject.clone(),
            body_text: message.text.clone(),
            body_html: message.html.clone().unwrap_or_default(),
            headers: serde_json::Value::Object(recorded_headers).to_string(),
            status: "queued".into(),
            attempts: 0,
            next_attempt: None,
            error: String::new(),
            created: time::now().naive_utc(),
            sent: None,
        };
        diesel::insert_into(emails::table)
            .values(&record)
            .execute(conn)?;
        let target = emails::table.filter(emails::code.eq(&record.code));
        match self.transport.send(&built) {
            Ok(_) => {
                diesel::update(target)
                    .set((
                        emails::status.eq("sent"),
                        emails::attempts.eq(1),
                        emails::sent.eq(Some(time::now().naive_utc())),
                    ))
                    .execute(conn)?;
                tracing::info!(email.code = %record.code, "e-mail sent");
                Ok(())
            }
            Err(e) => {
                let error: String = e.to_string().chars().take(200).collect();
                diesel::update(target)
                    .set((
                        emails::status.eq("failed"),
                        emails::attempts.eq(1),
                        emails::error.eq(&error),
                    ))
                    .execute(conn)?;
                Err(EmailError::Smtp(e.to_string()))
            }
        }
    }
}

/// A reminder listing the checks still down in the projects a person can see.
pub fn reminder(
    config: &Config,
    nag: &hc_core::nags::Nag,
    now: chrono::DateTime<chrono::Utc>,
) -> ListMail {
    let unsubscribe = unsubscribe_url(config, &nag.username, now);
    let n = nag.count();
    let mut text = format!(
        "{n} {} still down.\n",
        if n == 1 { "check is" } else { "checks are" }
    );
    for (project, checks) in &nag.down {
        text.push_str(&format!("\n{project}:\n"));
        for check in checks {
            let name = if check.name.is_empty() {
                &check.code
            } else {
                &check.name
            };
            let last = match check.last_ping {
                Some(t) => format!(
                    "last ping {} ago",
                    crate::context::age_in_words(now - hc_core::time::utc(t))
                ),
                None => "never pinged".to_owned(),
            };
            text.push_str(&format!("  - {name} ({last})\n"));
        }
    }
    text.push_str(&format!(
        "\nReminders come while checks are down; turn them off or change how often in your account settings at {}/accounts/profile/notifications/.\nTo stop these reminders and the periodic reports at once: {unsubscribe}\n\n-- \n{}\n",
        config.site_root,
        config.site_name
    ));
    ListMail {
        message: Outgoing {
            to: nag.email.clone(),
            subject: format!(
                "Reminder: {n} {} still down",
                if n == 1 { "check" } else { "checks" }
            ),
            text,
            html: None,
        },
        headers: list_unsubscribe(&unsubscribe),
    }
}
