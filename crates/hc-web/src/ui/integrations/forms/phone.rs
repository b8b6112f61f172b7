//! The phone-number forms (SMS, WhatsApp, phone call): a number in international
//! E.164 form, stored as healthchecks stores it (`{"value", "up", "down"}`, or
//! `{"value"}` for calls, which are made only for down alerts).

use serde_json::json;

/// The number as Twilio takes it: `+` and 5 to 15 digits. Spaces, dashes, dots
/// and brackets people type for readability are dropped.
pub fn normalize(text: &str) -> Result<String, String> {
    let number: String = text
        .chars()
        .filter(|c| !matches!(c, ' ' | '-' | '.' | '(' | ')'))
        .collect();
    let digits = number.strip_prefix('+').unwrap_or_default();
    if (5..=15).contains(&digits.len()) && digits.chars().all(|c| c.is_ascii_digit()) {
        Ok(number)
    } else {
        Err("Enter the number in international format, like +15550100.".into())
    }
}

/// The stored value of a phone channel.
pub fn value(kind: &str, number: &str, up: bool, down: bool) -> String {
    if kind == "call" {
        json!({"value": number}).to_string()
    } else {
        json!({"value": number, "up": up, "down": down}).to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_e164() {
        assert_eq!(normalize("+1 555-0100").as_deref(), Ok("+15550100"));
        assert_eq!(
            normalize("+44 (20) 7946.0000").as_deref(),
            Ok("+442079460000")
        );
        for bad in [
            "15550100",
            "+1234",
            "+1234567890123456",
            "+1555abc0100",
            "",
            "+",
        ] {
            assert!(normalize(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn calls_store_no_status_flags() {
        assert_eq!(
            value("call", "+15550100", true, false),
            r#"{"value":"+15550100"}"#
        );
        let sms: serde_json::Value =
            serde_json::from_str(&value("sms", "+15550100", false, true)).unwrap_or_default();
        assert_eq!(
            sms,
            json!({"value": "+15550100", "up": false, "down": true})
        );
    }
}
