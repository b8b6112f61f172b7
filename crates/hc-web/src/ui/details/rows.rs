//! Events as table rows, shared by the details page, its live refresh and the log,
//! and the kind filters the log applies to them.

use chrono::Duration;
use hc_core::checks::events::Event;
use hc_integrations::context::duration_in_words;
use serde::Serialize;

use super::words;
use crate::ui::Form;

/// One row of an events table.
#[derive(Debug, Clone, Serialize)]
pub struct Row {
    /// `success`, `fail`, `start`, `log`, `ign` or `flip`: what the filters act on.
    pub class: &'static str,
    pub label: String,
    /// For flips: the reason, in words.
    pub detail: String,
    /// For flips: the new status, for its badge.
    pub status: String,
    pub time: String,
    pub iso: String,
    pub stamp: String,
    pub n: Option<i64>,
    pub duration: String,
    pub source: String,
    pub ua: String,
    pub has_body: bool,
}

pub fn rows(events: &[Event], zone: &str) -> Vec<Row> {
    events.iter().map(|e| row(e, zone)).collect()
}

fn row(event: &Event, zone: &str) -> Row {
    let created = event.created();
    let time = words::local_time(created, zone);
    let iso = created.to_rfc3339();
    let stamp = super::stamp(created);
    match event {
        Event::Ping { ping, duration } => Row {
            class: words::ping_class(ping.kind.as_deref()),
            label: words::ping_kind(ping.kind.as_deref(), ping.exitstatus),
            detail: String::new(),
            status: String::new(),
            time,
            iso,
            stamp,
            n: ping.n,
            duration: duration.map(in_words).unwrap_or_default(),
            source: words::source(&ping.scheme, &ping.method, ping.remote_addr.as_deref()),
            ua: ping.ua.clone(),
            has_body: ping.has_body.unwrap_or(false),
        },
        Event::Flip(flip) => {
            let (label, detail) = words::flip(flip);
            Row {
                class: "flip",
                label,
                detail,
                status: flip.new_status.clone(),
                time,
                iso,
                stamp,
                n: None,
                duration: String::new(),
                source: String::new(),
                ua: String::new(),
                has_body: false,
            }
        }
    }
}

/// A run's length: seconds and their tenths for short runs, words for long ones.
fn in_words(d: Duration) -> String {
    let millis = d.num_milliseconds();
    if millis < 60_000 {
        format!("{}.{:01} s", millis / 1000, (millis % 1000) / 100)
    } else {
        duration_in_words(d)
    }
}

/// The event kinds a person can filter the log by.
pub const KINDS: [&str; 6] = ["success", "fail", "start", "log", "ign", "flip"];

/// Which kinds to show: every kind unless the query names some (`success=on`...),
/// or says it is a filter form (`filter=1`), in which case only the ticked ones.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Kinds {
    pub success: bool,
    pub fail: bool,
    pub start: bool,
    pub log: bool,
    pub ign: bool,
    pub flip: bool,
}

impl Kinds {
    pub fn from_query(query: &Form) -> Kinds {
        let filtered = query.has("filter") || KINDS.iter().any(|k| query.has(k));
        let on = |k: &str| !filtered || !matches!(query.get(k), "" | "off" | "0" | "false");
        Kinds {
            success: on("success"),
            fail: on("fail"),
            start: on("start"),
            log: on("log"),
            ign: on("ign"),
            flip: on("flip"),
        }
    }

    pub fn shows(&self, class: &str) -> bool {
        match class {
            "success" => self.success,
            "fail" => self.fail,
            "start" => self.start,
            "log" => self.log,
            "ign" => self.ign,
            _ => self.flip,
        }
    }

    pub fn all(&self) -> bool {
        self.success && self.fail && self.start && self.log && self.ign && self.flip
    }

    /// The query that keeps these filters across pages (`&success=on...`), empty
    /// when everything shows.
    pub fn query(&self) -> String {
        if self.all() {
            return String::new();
        }
        let mut q = String::from("&filter=1");
        for kind in KINDS.iter().filter(|k| self.shows(k)) {
            q.push('&');
            q.push_str(kind);
            q.push_str("=on");
        }
        q
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_runs_show_seconds_and_long_ones_words() {
        assert_eq!(in_words(Duration::milliseconds(1_250)), "1.2 s");
        assert_eq!(in_words(Duration::seconds(59)), "59.0 s");
        assert_eq!(in_words(Duration::seconds(3_720)), "1 hour, 2 minutes");
    }

    #[test]
    fn kind_filters_default_to_everything() {
        let all = Kinds::from_query(&Form::parse(b""));
        assert!(all.all());
        assert_eq!(all.query(), "");
        let some = Kinds::from_query(&Form::parse(b"fail=on&flip=on"));
        assert!(some.fail && some.flip && !some.success && !some.start);
        assert_eq!(some.query(), "&filter=1&fail=on&flip=on");
        let none = Kinds::from_query(&Form::parse(b"filter=1"));
        assert!(!none.shows("success") && !none.shows("flip"));
    }
}
