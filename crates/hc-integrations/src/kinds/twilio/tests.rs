use hc_core::config::{Secret, TwilioConfig};

use super::*;
use crate::context::sample;
use crate::failure::Then;

fn twilio() -> TwilioConfig {
    TwilioConfig {
        account: Some("AC123".into()),
        auth: Some(Secret::new("tok")),
        from: Some("+15550001".into()),
        messaging_service_sid: None,
        use_whatsapp: true,
        whatsapp_down_content_sid: Some("HXdown".into()),
        whatsapp_up_content_sid: Some("HXup".into()),
    }
}

fn phone() -> Phone {
    Phone {
        number: "+15550100".into(),
        up: true,
        down: true,
    }
}

fn pairs(fields: &[(&str, &str)]) -> Vec<(String, String)> {
    fields
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

#[test]
fn phones_are_read_from_json_or_a_bare_number() {
    assert_eq!(
        Phone::parse(r#"{"value": "+15550100", "up": false, "down": true}"#),
        Some(Phone {
            number: "+15550100".into(),
            up: false,
            down: true
        })
    );
    assert_eq!(Phone::parse(r#"{"value": "+15550100"}"#), Some(phone()));
    assert_eq!(Phone::parse("+15550100"), Some(phone()));
    assert_eq!(Phone::parse(r#"{"value": ""}"#), None);
    assert_eq!(Phone::parse(""), None);
    assert_eq!(Phone::parse("{not json"), None);
}

#[test]
fn messages_follow_their_flags_and_calls_are_only_for_down() {
    let down_only = r#"{"value": "+15550100", "up": false, "down": true}"#;
    for kind in ["sms", "whatsapp"] {
        assert!(is_noop(kind, down_only, "up"), "{kind}");
        assert!(!is_noop(kind, down_only, "down"), "{kind}");
    }
    assert!(is_noop("call", r#"{"value": "+15550100"}"#, "up"));
    assert!(!is_noop("call", r#"{"value": "+15550100"}"#, "down"));
    assert!(!is_noop("slack", down_only, "up"));
}

#[test]
fn the_api_urls_name_the_account() {
    assert_eq!(
        url("https://api.twilio.com", "AC123", "Messages"),
        "https://api.twilio.com/2010-04-01/Accounts/AC123/Messages.json"
    );
    assert_eq!(
        url("http://127.0.0.1:9/", "AC123", "Calls"),
        "http://127.0.0.1:9/2010-04-01/Accounts/AC123/Calls.json"
    );
}

#[test]
fn an_sms_names_the_site_the_check_and_the_reason() {
    let mut alert = sample();
    assert_eq!(
        sms_form(&alert, &phone(), &twilio()),
        pairs(&[
            ("To", "+15550100"),
            (
                "Body",
                "Mychecks: The check \"Backups\" is DOWN (success signal did not arrive on time, grace time passed)."
            ),
            ("RiskCheck", "disable"),
            ("From", "+15550001"),
        ])
    );
    alert.status = "up".into();
    let mut config = twilio();
    config.messaging_service_sid = Some("MG9".into());
    let fields = sms_form(&alert, &phone(), &config);
    assert_eq!(fields[1].1, "Mychecks: The check \"Backups\" is UP.");
    assert_eq!(
        fields.last(),
        Some(&("MessagingServiceSid".to_owned(), "MG9".to_owned())),
        "a messaging service replaces the number"
    );
}

#[test]
fn whatsapp_sends_the_status_template_with_the_name() {
    let mut alert = sample();
    alert.check.name = "Backups \u{2013} nightly".into();
    assert_eq!(
        whatsapp_form(&alert, &phone(), &twilio()),
        pairs(&[
            ("To", "whatsapp:+15550100"),
            ("From", "whatsapp:+15550001"),
            ("ContentSid", "HXdown"),
            ("ContentVariables", r#"{"1": "Backups \u2013 nightly"}"#),
        ])
    );
    alert.status = "up".into();
    let mut config = twilio();
    config.messaging_service_sid = Some("MG9".into());
    let fields = whatsapp_form(&alert, &phone(), &config);
    assert_eq!(fields[2], ("MessagingServiceSid".into(), "MG9".into()));
    assert_eq!(fields[3], ("ContentSid".into(), "HXup".into()));
}

#[test]
fn a_call_says_the_check_is_down_in_escaped_twiml() {
    let mut alert = sample();
    alert.check.name = "DB <main> & \"replica\"".into();
    assert_eq!(
        call_form(&alert, &phone(), &twilio()),
        pairs(&[
            ("To", "+15550100"),
            ("From", "+15550001"),
            (
                "Twiml",
                "<Response><Say>Hello! A message from Mychecks: The check \"DB &lt;main&gt; &amp; \"replica\"\" is down.</Say></Response>"
            ),
        ])
    );
}

#[test]
fn settings_decide_which_media_are_on() {
    let full = twilio();
    assert!(Medium::Sms.enabled(&full) && Medium::WhatsApp.enabled(&full));
    assert!(Medium::Call.enabled(&full));
    let mut no_whatsapp = twilio();
    no_whatsapp.use_whatsapp = false;
    assert!(!Medium::WhatsApp.enabled(&no_whatsapp));
    let mut no_template = twilio();
    no_template.whatsapp_up_content_sid = None;
    assert!(!Medium::WhatsApp.enabled(&no_template));
    let mut service_only = twilio();
    service_only.from = None;
    service_only.messaging_service_sid = Some("MG9".into());
    assert!(Medium::Sms.enabled(&service_only));
    assert!(
        !Medium::Call.enabled(&service_only),
        "calls need a number to call from"
    );
    let mut no_auth = twilio();
    no_auth.auth = None;
    assert!(!Medium::Sms.enabled(&no_auth));
    assert!(!Medium::Sms.enabled(&TwilioConfig::default()));
}

#[test]
fn an_invalid_number_disables_the_channel() {
    let answer = |status: u16, body: &str| Answer {
        status: StatusCode::from_u16(status).unwrap_or(StatusCode::IM_A_TEAPOT),
        body: body.into(),
    };
    let invalid = failure(&answer(
        400,
        r#"{"code": 21211, "message": "The 'To' number 123 is not a valid phone number.", "status": 400}"#,
    ));
    assert_eq!(
        (invalid.message.as_str(), invalid.then),
        ("Invalid phone number", Then::Disable)
    );
    let other = failure(&answer(400, r#"{"code": 21606, "status": 400}"#));
    assert_eq!(
        (other.message.as_str(), other.then),
        ("Received status code 400", Then::Fail)
    );
    assert_eq!(failure(&answer(400, "not json")).then, Then::Fail);
    assert_eq!(failure(&answer(503, "")).then, Then::Retry);
}
