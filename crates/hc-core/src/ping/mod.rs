//! What a ping means (spec §2): which URL names which check and action, how the
//! action is adjusted (exit status, POST-only, body keywords), and what recording it
//! does to the check. Pure functions; the receiver does the I/O.

pub mod durations;
mod path;
mod request;

use chrono::{DateTime, Utc};

use crate::models::{Check, Flip};
use crate::status::StoredStatus;
use crate::time::utc;

pub use path::{parse_path, Endpoint, PingPath, Target};
pub use request::{client_addr, is_trusted, parse_rid, RidError};

/// What a ping does, after every adjustment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Success,
    Fail,
    Start,
    Log,
    Ignored,
}

impl Action {
    /// The `kind` column: `None` for success.
    pub fn kind(self) -> Option<&'static str> {
        match self {
            Action::Success => None,
            Action::Fail => Some("fail"),
            Action::Start => Some("start"),
            Action::Log => Some("log"),
            Action::Ignored => Some("ign"),
        }
    }
}

/// The action of a ping to `check` (spec §2.2 step 4): the endpoint's action, made a
/// failure by a non-zero exit status, ignored when the check takes POST only and
/// this is not a POST, and overridden by body keywords when filtering is on.
pub fn classify(endpoint: Endpoint, check: &Check, method: &str, body: &[u8]) -> Action {
    let mut action = match endpoint {
        Endpoint::Success => Action::Success,
        Endpoint::Fail => Action::Fail,
        Endpoint::Start => Action::Start,
        Endpoint::Log => Action::Log,
        Endpoint::ExitStatus(0) => Action::Success,
        Endpoint::ExitStatus(_) => Action::Fail,
    };
    if check.methods == "POST" && method != "POST" {
        action = Action::Ignored;
    }
    if action != Action::Ignored && check.filter_http_body {
        // healthchecks fails with a 500 on a body that is not UTF-8; we match
        // keywords against its readable parts instead.
        let text = String::from_utf8_lossy(body);
        action = if keywords_match(&check.failure_kw, &text) {
            Action::Fail
        } else if keywords_match(&check.success_kw, &text) {
            Action::Success
        } else if keywords_match(&check.start_kw, &text) {
            Action::Start
        } else if check.filter_default_fail {
            Action::Fail
        } else {
            Action::Ignored
        };
    }
    action
}

/// Comma-separated keywords, stripped, empties skipped; a case-sensitive substring test.
pub fn keywords_match(keywords: &str, text: &str) -> bool {
    keywords
        .split(',')
        .map(str::trim)
        .filter(|k| !k.is_empty())
        .any(|k| text.contains(k))
}

/// What recording a ping did.
#[derive(Debug, Clone, PartialEq)]
pub struct Recorded {
    /// The action stored with the ping (a paused check with manual resume ignores all).
    pub action: Action,
    /// The status change to store, if any.
    pub flip: Option<Flip>,
}

/// Records a ping on `check` at `now` (spec §2.5): updates the check's fields in place.
pub fn record(
    check: &mut Check,
    action: Action,
    rid: Option<&str>,
    body: &[u8],
    now: DateTime<Utc>,
) -> Recorded {
    let stored = check.stored_status();
    let action = if stored == StoredStatus::Paused && check.manual_resume {
        Action::Ignored
    } else {
        action
    };
    let naive_now = now.naive_utc();
    let mut flip = None;
    match action {
        Action::Start => {
            check.last_start = Some(naive_now);
            check.last_start_rid = rid.map(str::to_owned);
        }
        Action::Success | Action::Fail => {
            check.last_ping = Some(naive_now);
            check.last_duration = None;
            if let Some(start) = check.last_start {
                if check.last_start_rid.as_deref() == rid {
                    check.last_duration = (now - utc(start)).num_microseconds();
                    check.last_start = None;
                    check.last_start_rid = None;
                } else if action == Action::Fail || rid.is_none() {
                    check.last_start = None;
                    check.last_start_rid = None;
                }
            }
            let (target, reason) = match action {
                Action::Fail => (StoredStatus::Down, "fail"),
                _ => (StoredStatus::Up, ""),
            };
            if target != stored {
                flip = Some(Flip {
                    id: 0,
                    check_id: check.id,
                    created: naive_now,
                    processed: None,
                    old_status: stored.as_str().to_owned(),
                    new_status: target.as_str().to_owned(),
                    reason: reason.to_owned(),
                });
                check.status = target.as_str().to_owned();
            }
        }
        Action::Log | Action::Ignored => {}
    }
    // A schedule that cannot be evaluated leaves alert_after empty rather than
    // refusing the ping: the ping is still stored, and the dashboard shows the problem.
    check.alert_after = check
        .going_down_after()
        .ok()
        .flatten()
        .map(|t| t.naive_utc());
    check.n_pings += 1;
    check.has_confirmation_link = String::from_utf8_lossy(body)
        .to_lowercase()
        .contains("confirm");
    Recorded { action, flip }
}

#[cfg(test)]
mod tests;
