//! Twilio (spec §6.2 `sms`, `whatsapp`, `call`): a text message, a WhatsApp
//! message or a phone call to the channel's number, through Twilio's REST API with
//! the site's account. Each takes one from the project owner's monthly quota first
//! (see [`quota`]).
//!
//! healthchecks also passes a `StatusCallback` URL so that Twilio reports failed
//! deliveries later; hc has no endpoint for those reports yet, so it sends none.

use reqwest::{Method, StatusCode};
use serde_json::Value;

use crate::alert::Senders;
use crate::context::Alert;
use crate::failure::Failure;
use crate::kinds::zulip::basic_auth;
use crate::outbound::{Answer, Body};
use hc_core::config::TwilioConfig;

pub mod quota;

/// Twilio's "invalid To number" error.
const INVALID_NUMBER: i64 = 21211;

/// The three kinds Twilio carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Medium {
    Sms,
    WhatsApp,
    Call,
}

impl Medium {
    pub fn of(kind: &str) -> Option<Medium> {
        match kind {
            "sms" => Some(Medium::Sms),
            "whatsapp" => Some(Medium::WhatsApp),
            "call" => Some(Medium::Call),
            _ => None,
        }
    }

    /// Whether this site's settings allow it.
    pub fn enabled(self, twilio: &TwilioConfig) -> bool {
        match self {
            Medium::Sms => twilio.can_message(),
            Medium::WhatsApp => twilio.can_whatsapp(),
            Medium::Call => twilio.can_call(),
        }
    }

    /// healthchecks' words for a switched-off kind (no period, as there).
    fn not_enabled(self) -> &'static str {
        match self {
            Medium::Sms => "SMS notifications are not enabled",
            Medium::WhatsApp => "WhatsApp notifications are not enabled",
            Medium::Call => "Call notifications are not enabled",
        }
    }

    fn quota(self) -> quota::Quota {
        match self {
            Medium::Sms | Medium::WhatsApp => quota::Quota::Messages,
            Medium::Call => quota::Quota::Calls,
        }
    }

    /// The error recorded when the quota is used up.
    fn over_limit(self) -> &'static str {
        match self {
            Medium::Sms => "Monthly SMS limit exceeded",
            Medium::WhatsApp => "Monthly message limit exceeded",
            Medium::Call => "Monthly phone call limit exceeded",
        }
    }

    /// What the limit notice calls it.
    fn noun(self) -> &'static str {
        match self {
            Medium::Sms => "SMS",
            Medium::WhatsApp => "WhatsApp",
            Medium::Call => "phone call",
        }
    }
}

/// A channel's number and the statuses it wants: healthchecks' JSON
/// `{"value", "up", "down"}` (flags default to on), or a bare number from older
/// versions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Phone {
    pub number: String,
    pub up: bool,
    pub down: bool,
}

impl Phone {
    pub fn parse(value: &str) -> Option<Phone> {
        let value = value.trim();
        let phone = if value.starts_with('{') {
            let doc: Value = serde_json::from_str(value).ok()?;
            let flag = |name: &str| doc.get(name).and_then(Value::as_bool).unwrap_or(true);
            Phone {
                number: doc.get("value")?.as_str()?.trim().to_owned(),
                up: flag("up"),
                down: flag("down"),
            }
        } else {
            Phone {
                number: value.to_owned(),
                up: true,
                down: true,
            }
        };
        (!phone.number.is_empty()).then_some(phone)
    }

    pub fn wants(&self, status: &str) -> bool {
        if status == "down" {
            self.down
        } else {
            self.up
        }
    }
}

/// Statuses nothing is sent for: those switched off for messages, and every up
/// for calls (only a check going down is worth a phone call).
pub fn is_noop(kind: &str, value: &str, status: &str) -> bool {
    match Medium::of(kind) {
        Some(Medium::Call) => status != "down",
        Some(_) => Phone::parse(value).is_some_and(|p| !p.wants(status)),
        None => false,
    }
}

/// The endpoint of `resource` (`Messages` or `Calls`) for `account`.
pub fn url(base: &str, account: &str, resource: &str) -> String {
    format!(
        "{}/2010-04-01/Accounts/{account}/{resource}.json",
        base.trim_end_matches('/')
    )
}

/// The SMS text: "Mychecks: The check "Backups" is DOWN (reason)."
pub fn sms_text(alert: &Alert) -> String {
    format!(
        "{}: The check \"{}\" is {}{}.",
        alert.site_name,
        alert.name(),
        alert.status_upper(),
        alert.reason_brief()
    )
}

/// The sender fields: the messaging service when one is set, else the number
/// (`prefix` is `whatsapp:` for WhatsApp).
fn sender(twilio: &TwilioConfig, prefix: &str) -> (String, String) {
    match twilio
        .messaging_service_sid
        .as_deref()
        .filter(|s| !s.trim().is_empty())
    {
        Some(sid) => ("MessagingServiceSid".into(), sid.to_owned()),
        None => (
            "From".into(),
            format!("{prefix}{}", twilio.from.as_deref().unwrap_or_default()),
        ),
    }
}

fn owned(fields: Vec<(&str, String)>) -> Vec<(String, String)> {
    fields.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
}

/// The Messages API form of a text message. Twilio's fraud check is turned off
/// (`RiskCheck=disable`), as healthchecks does: alerts are expected traffic.
pub fn sms_form(alert: &Alert, phone: &Phone, twilio: &TwilioConfig) -> Vec<(String, String)> {
    let mut fields = owned(vec![
        ("To", phone.number.clone()),
        ("Body", sms_text(alert)),
        ("RiskCheck", "disable".into()),
    ]);
    fields.push(sender(twilio, ""));
    fields
}

/// The Messages API form of a WhatsApp message: the operator's approved template
/// for the status (`ContentSid`) with the check's name as its variable 1, from the
/// site's number and/or messaging service.
pub fn whatsapp_form(alert: &Alert, phone: &Phone, twilio: &TwilioConfig) -> Vec<(String, String)> {
    let set = |v: &Option<String>| v.clone().filter(|s| !s.trim().is_empty());
    let template = if alert.is_down() {
        &twilio.whatsapp_down_content_sid
    } else {
        &twilio.whatsapp_up_content_sid
    };
    let mut fields = owned(vec![("To", format!("whatsapp:{}", phone.number))]);
    if let Some(from) = set(&twilio.from) {
        fields.push(("From".into(), format!("whatsapp:{from}")));
    }
    if let Some(sid) = set(&twilio.messaging_service_sid) {
        fields.push(("MessagingServiceSid".into(), sid));
    }
    fields.push(("ContentSid".into(), set(template).unwrap_or_default()));
    fields.push((
        "ContentVariables".into(),
        hc_core::compat::python_json(&serde_json::json!({"1": alert.name()})),
    ));
    fields
}

/// `<`, `>` and `&` as XML entities: the check's name is the user's text.
fn xml_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// What the call says, as words.
pub fn call_sentence(alert: &Alert) -> String {
    format!(
        "Hello! A message from {}: The check \"{}\" is down.",
        alert.site_name,
        alert.name()
    )
}

/// What the call says, as TwiML.
pub fn twiml(alert: &Alert) -> String {
    format!(
        "<Response><Say>{}</Say></Response>",
        xml_escape(&call_sentence(alert))
    )
}

/// The Calls API form. Calls always come from `TWILIO_FROM`.
pub fn call_form(alert: &Alert, phone: &Phone, twilio: &TwilioConfig) -> Vec<(String, String)> {
    owned(vec![
        ("To", phone.number.clone()),
        ("From", twilio.from.clone().unwrap_or_default()),
        ("Twiml", twiml(alert)),
    ])
}

/// Twilio explains refusals with a numeric code; 21211 ("invalid To number")
/// will never work, so the channel is disabled, as healthchecks does.
pub fn failure(answer: &Answer) -> Failure {
    let code = (answer.status == StatusCode::BAD_REQUEST)
        .then(|| serde_json::from_str::<Value>(&answer.body).ok())
        .flatten()
        .and_then(|doc| doc.get("code")?.as_i64());
    if code == Some(INVALID_NUMBER) {
        Failure::disable("Invalid phone number")
    } else {
        answer.failure()
    }
}

pub async fn send(senders: &Senders, alert: &Alert) -> Result<(), Failure> {
    let Some(medium) = Medium::of(&alert.channel.kind) else {
        return Err(Failure::fail(format!(
            "{} is not a Twilio integration",
            alert.channel.kind
        )));
    };
    let twilio = &senders.config.integrations.twilio;
    let Some((account, auth)) = twilio.credentials().filter(|_| medium.enabled(twilio)) else {
        return Err(Failure::fail(medium.not_enabled()));
    };
    let Some(phone) = Phone::parse(&alert.channel.value) else {
        return Err(Failure::fail("Invalid phone number"));
    };
    if is_noop(&alert.channel.kind, &alert.channel.value, &alert.status) {
        return Ok(());
    }
    take_quota(senders, alert, medium).await?;
    let base = &senders.config.integrations.endpoints.twilio;
    let (url, fields) = match medium {
        Medium::Sms => (
            url(base, account, "Messages"),
            sms_form(alert, &phone, twilio),
        ),
        Medium::WhatsApp => (
            url(base, account, "Messages"),
            whatsapp_form(alert, &phone, twilio),
        ),
        Medium::Call => (
            url(base, account, "Calls"),
            call_form(alert, &phone, twilio),
        ),
    };
    let headers = [("Authorization".to_owned(), basic_auth(account, auth))];
    let answer = senders
        .http
        .send(Method::POST, &url, &headers, Body::Form(fields))
        .await?;
    if answer.delivered() {
        Ok(())
    } else {
        Err(failure(&answer))
    }
}

/// What the alert says, for the notice when it cannot be sent.
fn spoken(alert: &Alert, medium: Medium) -> String {
    match medium {
        Medium::Call => call_sentence(alert),
        Medium::Sms | Medium::WhatsApp => sms_text(alert),
    }
}

/// Takes one from the owner's quota; when it is used up, queues a notice to the
/// project's team (sent by hc-web's mail worker) and refuses.
async fn take_quota(senders: &Senders, alert: &Alert, medium: Medium) -> Result<(), Failure> {
    let pool = senders.pool.clone();
    let project_id = alert.channel.project_id;
    let from = senders.config.default_from_email.clone();
    let site_name = senders.config.site_name.clone();
    let project = alert.project_name.clone();
    let text = spoken(alert, medium);
    tokio::task::spawn_blocking(move || {
        let mut conn = pool.get().map_err(|e| Failure::retry(e.to_string()))?;
        let now = hc_core::time::now();
        let taken = quota::take(&mut conn, project_id, medium.quota(), now)
            .map_err(|e| Failure::retry(e.to_string()))?;
        let quota::Taken::No { limit } = taken else {
            return Ok(());
        };
        tracing::warn!(
            channel.kind = ?medium,
            project.id = project_id,
            limit,
            "monthly quota used up"
        );
        let notice = quota::Notice {
            what: medium.noun(),
            limit,
            project: &project,
            text: &text,
            site_name: &site_name,
        };
        // The refusal is what matters; the notice is a courtesy.
        let queued = quota::team(&mut conn, project_id).and_then(|team| {
            team.iter().try_for_each(|to| {
                crate::outbox::queue(&mut conn, &from, &quota::notice(to, &notice), now).map(|_| ())
            })
        });
        if let Err(e) = queued {
            tracing::warn!(error = %e, "cannot queue the quota notice");
        }
        Err(Failure::fail(medium.over_limit()))
    })
    .await
    .map_err(|e| Failure::retry(e.to_string()))?
}

#[cfg(test)]
mod tests;
