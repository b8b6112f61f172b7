//! The API's JSON shapes (spec §4.4, §4.7), field by field in healthchecks' order.
//! A check's own shape lives in the domain crate: webhooks send it too (`$JSON`).

use hc_core::checks::history::PingSummary;
use hc_core::models::Flip;
use hc_core::time::{isoformat, isoformat_seconds, utc};
use serde::Serialize;

pub use hc_core::checks::json::{check, CheckJson, Context, Schedules};

#[derive(Serialize)]
pub struct PingJson {
    #[serde(rename = "type")]
    kind: &'static str,
    date: String,
    n: Option<i64>,
    scheme: String,
    remote_addr: Option<String>,
    method: String,
    ua: String,
    rid: Option<String>,
    body_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    duration: Option<f64>,
}

/// A ping as the list shows it; `body_url` is given when the ping has a body.
pub fn ping(
    p: PingSummary,
    body_url: Option<String>,
    duration: Option<chrono::Duration>,
) -> PingJson {
    PingJson {
        kind: match p.kind.as_deref() {
            None => "success",
            Some("start") => "start",
            Some("fail") => "fail",
            Some("log") => "log",
            Some(_) => "ign",
        },
        date: isoformat(utc(p.created)),
        n: p.n,
        scheme: p.scheme,
        remote_addr: p.remote_addr,
        method: p.method,
        ua: p.ua,
        rid: p.rid,
        body_url,
        duration: duration.and_then(|d| d.num_microseconds()).map(|micros| {
            // Python's round(seconds, 2).
            (micros as f64 / 10_000.0).round() / 100.0
        }),
    }
}

#[derive(Serialize)]
pub struct FlipJson {
    timestamp: String,
    up: u8,
}

pub fn flip(f: &Flip) -> FlipJson {
    FlipJson {
        timestamp: isoformat_seconds(utc(f.created)),
        up: u8::from(f.new_status == "up"),
    }
}
