//! The signed link in every report and reminder that turns both off without a login
//! (healthchecks' `/accounts/unsubscribe_reports/<signed username>/`), so that mail
//! clients can offer one-click unsubscribing (RFC 8058). The link names the user and
//! when it was made, signed with `SECRET_KEY`; it never expires, since an old report
//! must still be able to stop the new ones.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use diesel::prelude::*;

use crate::db::DbConn;
use crate::keys;
use crate::schema::{profiles, users};
use crate::Result;

/// A confirmation page opened within this long of the link being made is most
/// likely a mail scanner following links as the message arrives, so it waits for a
/// click; later it is a person, and the page submits itself.
pub const SCANNER_WINDOW: Duration = Duration::minutes(5);

/// Domain separation: these signatures are good for nothing else.
const PURPOSE: &str = "unsubscribe-reports";

fn signature(secret_key: &str, payload: &str) -> String {
    keys::hmac_hex(secret_key, &format!("{PURPOSE}:{payload}"))[..32].to_owned()
}

/// `<username, base64url>.<unix time>.<signature>`: only URL-safe characters, so it
/// goes into a path as it is.
pub fn token(secret_key: &str, username: &str, now: DateTime<Utc>) -> String {
    let payload = format!("{}.{}", URL_SAFE_NO_PAD.encode(username), now.timestamp());
    let signature = signature(secret_key, &payload);
    format!("{payload}.{signature}")
}

/// The link's path under `SITE_ROOT`.
pub fn path(token: &str) -> String {
    format!("/accounts/unsubscribe_reports/{token}/")
}

/// What a genuine token says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signed {
    pub username: String,
    /// When the link was made.
    pub at: DateTime<Utc>,
}

/// The username and time in `token`, if our key signed it; `None` for anything
/// forged, altered or garbled.
pub fn verify(secret_key: &str, token: &str) -> Option<Signed> {
    let (payload, presented) = token.rsplit_once('.')?;
    if !keys::same_secret(presented, &signature(secret_key, payload)) {
        return None;
    }
    let (user, at) = payload.split_once('.')?;
    let username = String::from_utf8(URL_SAFE_NO_PAD.decode(user).ok()?).ok()?;
    let at = DateTime::from_timestamp(at.parse().ok()?, 0)?;
    Some(Signed { username, at })
}

/// Turns off the reports and reminders of `username` (healthchecks does both: the
/// link is in both kinds of mail). `Ok(false)` when there is no such user.
pub fn turn_off(conn: &mut DbConn, username: &str) -> Result<bool> {
    let user_id: Option<i64> = users::table
        .filter(users::username.eq(username))
        .select(users::id)
        .first(conn)
        .optional()?;
    let Some(user_id) = user_id else {
        return Ok(false);
    };
    diesel::update(profiles::table.filter(profiles::user_id.eq(user_id)))
        .set((
            profiles::reports.eq("off"),
            profiles::next_report_date.eq(None::<NaiveDateTime>),
            profiles::nag_period.eq(0),
            profiles::next_nag_date.eq(None::<NaiveDateTime>),
        ))
        .execute(conn)?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 1, 9, 30, 0)
            .single()
            .unwrap_or_default()
    }

    #[test]
    fn a_token_names_its_user_and_time() {
        let token = token("secret", "alice+ops@example.org", at());
        assert!(token
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c)));
        assert_eq!(
            verify("secret", &token),
            Some(Signed {
                username: "alice+ops@example.org".into(),
                at: at()
            })
        );
        assert_eq!(path("x.1.y"), "/accounts/unsubscribe_reports/x.1.y/");
    }

    #[test]
    fn altered_or_foreign_tokens_are_refused() {
        let good = token("secret", "alice", at());
        assert_eq!(verify("another secret", &good), None);
        // Another user's name with this user's signature.
        let (_, rest) = good.split_once('.').unwrap_or_default();
        let other = format!("{}.{rest}", URL_SAFE_NO_PAD.encode("mallory"));
        assert_eq!(verify("secret", &other), None);
        // A later time with the old signature.
        let (payload, sig) = good.rsplit_once('.').unwrap_or_default();
        let (user, _) = payload.split_once('.').unwrap_or_default();
        assert_eq!(verify("secret", &format!("{user}.1999999999.{sig}")), None);
        // A flipped signature character, and garbage.
        let mut flipped = good.clone();
        let last = if flipped.ends_with('0') { '1' } else { '0' };
        flipped.pop();
        flipped.push(last);
        assert_eq!(verify("secret", &flipped), None);
        for bad in ["", ".", "..", "alice", "YWxpY2U.1.", "YWxpY2U..abc"] {
            assert_eq!(verify("secret", bad), None, "{bad:?}");
        }
    }
}
