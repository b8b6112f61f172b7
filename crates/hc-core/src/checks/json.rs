//! A check as healthchecks' API shows it (spec §4.4): the management API answers
//! it, and webhooks send it as `$JSON`.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::models::Check;
use crate::schedule::Schedule;
use crate::status::Status;
use crate::time::{isoformat_seconds, utc};

/// What every check answer needs besides the check.
pub struct Context<'a> {
    pub site_root: &'a str,
    pub ping_endpoint: &'a str,
    /// `v1`, `v2` or `v3`, for the URLs in the answer.
    pub version: &'static str,
    /// API v1 reports an open run as status `started`.
    pub with_started: bool,
    pub now: DateTime<Utc>,
    pub read_only: bool,
}

#[derive(Serialize)]
pub struct CheckJson<'a> {
    name: &'a str,
    slug: &'a str,
    tags: &'a str,
    desc: &'a str,
    grace: i64,
    n_pings: i64,
    status: &'static str,
    started: bool,
    last_ping: Option<String>,
    next_ping: Option<String>,
    manual_resume: bool,
    methods: &'a str,
    subject: &'a str,
    subject_fail: &'a str,
    start_kw: &'a str,
    success_kw: &'a str,
    failure_kw: &'a str,
    filter_subject: bool,
    filter_body: bool,
    filter_http_body: bool,
    filter_default_fail: bool,
    badge_url: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    last_duration: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    unique_key: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    uuid: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    ping_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    update_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pause_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    resume_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    channels: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    timeout: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    schedule: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tz: Option<&'a str>,
}

/// Parsed schedules by their stored fields: a project's checks share a handful of
/// schedules, and parsing a cron expression costs more than the rest of a check.
#[derive(Default)]
pub struct Schedules(HashMap<(String, i64, String, String), Option<Schedule>>);

impl Schedules {
    fn get(&mut self, check: &Check) -> Option<&Schedule> {
        let key = (
            check.kind.clone(),
            check.timeout,
            check.schedule.clone(),
            check.tz.clone(),
        );
        self.0
            .entry(key)
            .or_insert_with(|| check.parsed_schedule().ok())
            .as_ref()
    }
}

/// A check as the API shows it. `channels` is the sorted, comma-joined list of its
/// channel UUIDs.
pub fn check<'a>(
    check: &'a Check,
    channels: String,
    ctx: &Context,
    schedules: &mut Schedules,
) -> CheckJson<'a> {
    let (status, next_ping) = match schedules.get(check) {
        Some(schedule) => {
            let timing = check.timing(schedule);
            (
                timing.status(ctx.now, ctx.with_started),
                timing.grace_start(true),
            )
        }
        // A schedule hc cannot evaluate (a row written by something else): show what
        // is stored rather than fail the whole list.
        None => (Status::from(check.stored_status()), None),
    };
    let rw = !ctx.read_only;
    let update_url = format!(
        "{}/api/{}/checks/{}",
        ctx.site_root, ctx.version, check.code
    );
    let kw_if_subject = |kw: &'a str| if check.filter_subject { kw } else { "" };
    let is_simple = check.kind == "simple";
    CheckJson {
        name: &check.name,
        slug: &check.slug,
        tags: &check.tags,
        desc: &check.description,
        grace: check.grace,
        n_pings: check.n_pings,
        status: status.as_str(),
        started: check.last_start.is_some(),
        last_ping: check.last_ping.map(|t| isoformat_seconds(utc(t))),
        next_ping: next_ping.map(isoformat_seconds),
        manual_resume: check.manual_resume,
        methods: &check.methods,
        subject: kw_if_subject(&check.success_kw),
        subject_fail: kw_if_subject(&check.failure_kw),
        start_kw: &check.start_kw,
        success_kw: &check.success_kw,
        failure_kw: &check.failure_kw,
        filter_subject: check.filter_subject,
        filter_body: check.filter_body,
        filter_http_body: check.filter_http_body,
        filter_default_fail: check.filter_default_fail,
        badge_url: format!("{}/b/2/{}.svg", ctx.site_root, check.badge_key),
        last_duration: check
            .last_duration
            .map(|micros| micros / 1_000_000)
            .filter(|_| check.last_duration.is_some_and(|d| d != 0)),
        unique_key: ctx.read_only.then(|| check.unique_key()),
        uuid: rw.then_some(check.code.as_str()),
        ping_url: rw.then(|| format!("{}{}", ctx.ping_endpoint, check.code)),
        pause_url: rw.then(|| format!("{update_url}/pause")),
        resume_url: rw.then(|| format!("{update_url}/resume")),
        update_url: rw.then_some(update_url),
        channels: rw.then_some(channels),
        timeout: is_simple.then_some(check.timeout),
        schedule: (!is_simple).then_some(check.schedule.as_str()),
        tz: (!is_simple).then_some(check.tz.as_str()),
    }
}
