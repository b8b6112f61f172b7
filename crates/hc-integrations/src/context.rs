//! Everything an alert says, gathered from the database once per notification, and
//! the sentences every kind shares (spec §6.1): the reason, how long the check was
//! down, its period or schedule, its last ping, the other checks that are down.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;
use hc_core::config::Config;
use hc_core::db::DbConn;
use hc_core::delivery::Claimed;
use hc_core::models::{Channel, Check, Flip};
use hc_core::schema::{checks, flips, pings, projects, users};
use hc_core::time::utc;

/// At most this many other down checks are named; beyond it, only counted.
const MAX_OTHERS_NAMED: usize = 10;

/// The latest ping before the alert.
#[derive(Debug, Clone, PartialEq)]
pub struct LastPing {
    pub created: DateTime<Utc>,
    /// As stored: `None` = success, else `start`, `fail`, `log` or `ign`.
    pub kind: Option<String>,
    pub body: Option<Vec<u8>>,
    pub exitstatus: Option<i32>,
    pub remote_addr: Option<String>,
}

/// The project's other checks that are down.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OtherChecks {
    /// The project has no other checks.
    None,
    AllUp,
    Down(Vec<String>),
    /// More than ten are down.
    ManyDown(usize),
}

/// One alert, ready to be worded by any kind.
#[derive(Debug, Clone)]
pub struct Alert {
    pub check: Check,
    pub channel: Channel,
    /// `up` or `down`.
    pub status: String,
    /// The flip's reason: `timeout`, `fail` or empty.
    pub reason: String,
    /// The status change this alert is about (none for test notifications).
    pub flip_id: Option<i64>,
    pub flip_time: DateTime<Utc>,
    pub project_name: String,
    pub last_ping: Option<LastPing>,
    /// For up alerts: since the check went down.
    pub downtime: Option<Duration>,
    pub others: OtherChecks,
    pub site_root: String,
    pub site_name: String,
    /// The check as API v3 shows it to a read-write key (webhooks' `$JSON`).
    pub check_json: String,
}

impl Alert {
    /// Reads the alerts of several notifications. What they need is read with one
    /// query per kind of row for the whole batch (their flips, last pings and
    /// channel lists), and once per project (its name, its down checks), so that
    /// ten thousand alerts cost a few hundred queries, not fifty thousand.
    /// `down` keeps each project's down checks for a moment across batches.
    pub fn load_many(
        conn: &mut DbConn,
        config: &Config,
        claimed: &[Claimed],
        down: &mut DownChecks,
    ) -> Vec<QueryResult<Alert>> {
        match Batch::load(conn, claimed) {
            Ok(mut batch) => claimed
                .iter()
                .map(|c| Self::load_with(conn, config, c, &mut batch, down))
                .collect(),
            Err(e) => claimed.iter().map(|_| Err(clone_error(&e))).collect(),
        }
    }

    fn load_with(
        conn: &mut DbConn,
        config: &Config,
        claimed: &Claimed,
        batch: &mut Batch,
        down: &mut DownChecks,
    ) -> QueryResult<Alert> {
        let check = &claimed.check;
        let flip: Option<Flip> = claimed
            .notification
            .flip_id
            .and_then(|id| batch.flips.get(&id).cloned());
        let flip_time = flip
            .as_ref()
            .map_or_else(hc_core::time::now, |f| utc(f.created));
        let downtime = match &flip {
            Some(f) if f.new_status == "up" => flips::table
                .filter(flips::check_id.eq(check.id))
                .filter(flips::new_status.eq("down"))
                .filter(flips::id.lt(f.id))
                .order(flips::id.desc())
                .select(flips::created)
                .first(conn)
                .optional()?
                .map(|down: chrono::NaiveDateTime| f.created - down),
            _ => None,
        };
        let project_name = match check.project_id {
            Some(project_id) => match batch.project_names.get(&project_id) {
                Some(name) => name.clone(),
                None => {
                    let (name, owner): (String, String) = projects::table
                        .inner_join(users::table)
                        .filter(projects::id.eq(project_id))
                        .select((projects::name, users::email))
                        .first(conn)?;
                    let name = if name.is_empty() { owner } else { name };
                    batch.project_names.insert(project_id, name.clone());
                    name
                }
            },
            None => String::new(),
        };
        let last_ping = batch.last_pings.get(&check.id).cloned();
        let others = match check.project_id {
            Some(project_id) => down.of_project(conn, project_id)?.others(check.id),
            None => OtherChecks::None,
        };
        let channel_codes = batch
            .channel_codes
            .get(&check.id)
            .map(|codes| codes.join(","))
            .unwrap_or_default();
        let ctx = hc_core::checks::json::Context {
            site_root: &config.site_root,
            ping_endpoint: &config.ping_endpoint,
            version: "v3",
            with_started: false,
            now: hc_core::time::now(),
            read_only: false,
        };
        let check_json = hc_core::compat::python_json(&hc_core::checks::json::check(
            check,
            channel_codes,
            &ctx,
            &mut hc_core::checks::json::Schedules::default(),
        ));
        Ok(Alert {
            check: check.clone(),
            channel: claimed.channel.clone(),
            status: claimed.notification.check_status.clone(),
            flip_id: flip.as_ref().map(|f| f.id),
            reason: flip.map(|f| f.reason).unwrap_or_default(),
            flip_time,
            project_name,
            last_ping,
            downtime,
            others,
            site_root: config.site_root.clone(),
            site_name: config.site_name.clone(),
            check_json,
        })
    }

    pub fn is_down(&self) -> bool {
        self.status == "down"
    }

    /// The check's name, or its UUID when it has none.
    pub fn name(&self) -> &str {
        if self.check.name.is_empty() {
            &self.check.code
        } else {
            &self.check.name
        }
    }

    /// `DOWN` or `UP`.
    pub fn status_upper(&self) -> String {
        self.status.to_uppercase()
    }

    /// The link to the check that works without logging in to this project:
    /// healthchecks' "cloaked" URL, by unique key.
    pub fn details_url(&self) -> String {
        format!("{}/cloaked/{}/", self.site_root, self.check.unique_key())
    }

    /// "Reason: ..." for down alerts, "The downtime lasted ..." for up alerts.
    pub fn reason_sentence(&self) -> Option<String> {
        if self.is_down() {
            match self.reason.as_str() {
                "timeout" => {
                    Some("Reason: success signal did not arrive on time, grace time passed.".into())
                }
                "fail" => Some("Reason: received a failure signal.".into()),
                _ => None,
            }
        } else {
            self.downtime
                .map(|d| format!("The downtime lasted {}.", duration_in_words(d)))
        }
    }

    /// The short reason in brackets, as chat headlines use it: "(success signal did
    /// not arrive on time, grace time passed)".
    pub fn reason_brief(&self) -> &'static str {
        match (self.is_down(), self.reason.as_str()) {
            (true, "timeout") => " (success signal did not arrive on time, grace time passed)",
            (true, "fail") => " (received a failure signal)",
            _ => "",
        }
    }

    /// `1 day` for simple checks; the expression for cron and OnCalendar ones.
    pub fn period(&self) -> Period {
        if self.check.kind == "simple" {
            Period::Every(duration_in_words(Duration::seconds(self.check.timeout)))
        } else {
            Period::Schedule {
                expression: self.check.schedule.clone(),
                tz: self.check.tz.clone(),
            }
        }
    }

    /// "Success, 3 minutes ago" or "Never".
    pub fn last_ping_words(&self) -> String {
        match &self.last_ping {
            None => "Never".into(),
            Some(ping) => {
                let kind = match ping.kind.as_deref() {
                    None => "Success",
                    Some("start") => "Start",
                    Some("fail") => "Failure",
                    Some("log") => "Log",
                    Some(_) => "Ignored",
                };
                let age = (self.flip_time - ping.created).max(Duration::zero());
                format!("{kind}, {} ago", age_in_words(age))
            }
        }
    }

    /// The last ping's body as text, cut to `max` characters (with `\n[truncated]`).
    pub fn last_body(&self, max: usize) -> Option<String> {
        let body = self.last_ping.as_ref()?.body.as_ref()?;
        if body.is_empty() {
            return None;
        }
        let text = String::from_utf8_lossy(body);
        if text.chars().count() > max {
            Some(format!(
                "{}\n[truncated]",
                text.chars().take(max).collect::<String>()
            ))
        } else {
            Some(text.into_owned())
        }
    }

    /// Tags split on spaces.
    pub fn tags(&self) -> Vec<&str> {
        self.check.tags_list()
    }
}

/// The down checks of a project, as far as alerts name them.
#[derive(Debug, Clone)]
struct ProjectDown {
    /// The first few down checks, by id: (id, name or UUID).
    first: Vec<(i64, String)>,
    /// All down checks.
    count: usize,
    /// Whether the project has more than one check.
    several: bool,
}

impl ProjectDown {
    fn load(conn: &mut DbConn, project_id: i64) -> QueryResult<ProjectDown> {
        let of_project = checks::table.filter(checks::project_id.eq(project_id));
        // Indexed by (project, status).
        let first: Vec<(i64, String, String)> = of_project
            .filter(checks::status.eq("down"))
            .order(checks::id)
            .limit(i64::try_from(MAX_OTHERS_NAMED).unwrap_or(10) + 2)
            .select((checks::id, checks::name, checks::code))
            .load(conn)?;
        let count = if first.len() > MAX_OTHERS_NAMED {
            let n: i64 = of_project
                .filter(checks::status.eq("down"))
                .count()
                .get_result(conn)?;
            usize::try_from(n).unwrap_or(usize::MAX)
        } else {
            first.len()
        };
        let two: Vec<i64> = of_project.select(checks::id).limit(2).load(conn)?;
        Ok(ProjectDown {
            first: first
                .into_iter()
                .map(|(id, name, code)| (id, if name.is_empty() { code } else { name }))
                .collect(),
            count,
            several: two.len() > 1,
        })
    }

    /// The other down checks, as seen from `check_id`'s alert.
    fn others(&self, check_id: i64) -> OtherChecks {
        if !self.several {
            return OtherChecks::None;
        }
        let own_down = self.first.iter().any(|(id, _)| *id == check_id);
        let count = self.count - usize::from(own_down);
        if count == 0 {
            OtherChecks::AllUp
        } else if count > MAX_OTHERS_NAMED {
            OtherChecks::ManyDown(count)
        } else {
            OtherChecks::Down(
                self.first
                    .iter()
                    .filter(|(id, _)| *id != check_id)
                    .map(|(_, name)| name.clone())
                    .take(MAX_OTHERS_NAMED)
                    .collect(),
            )
        }
    }
}

/// Each project's down checks, as the alerts of the next moment name them: read
/// once per project and kept for [`DownChecks::FRESH`], so that ten thousand checks
/// of one project going down together do not count that project's down checks
/// once per batch of alerts (a count over ten thousand rows each time).
#[derive(Default)]
pub struct DownChecks {
    projects: HashMap<i64, (std::time::Instant, ProjectDown)>,
}

impl DownChecks {
    const FRESH: std::time::Duration = std::time::Duration::from_secs(2);

    fn of_project(&mut self, conn: &mut DbConn, project_id: i64) -> QueryResult<&ProjectDown> {
        let stale = self
            .projects
            .get(&project_id)
            .is_none_or(|(read, _)| read.elapsed() > Self::FRESH);
        if stale {
            let summary = ProjectDown::load(conn, project_id)?;
            self.projects
                .insert(project_id, (std::time::Instant::now(), summary));
        }
        match self.projects.get(&project_id) {
            Some((_, summary)) => Ok(summary),
            None => Err(diesel::result::Error::NotFound),
        }
    }
}

/// What the alerts of one claimed batch share, read with one query each.
struct Batch {
    flips: HashMap<i64, Flip>,
    last_pings: HashMap<i64, LastPing>,
    channel_codes: HashMap<i64, Vec<String>>,
    project_names: HashMap<i64, String>,
}

impl Batch {
    fn load(conn: &mut DbConn, claimed: &[Claimed]) -> QueryResult<Batch> {
        let flip_ids: Vec<i64> = claimed
            .iter()
            .filter_map(|c| c.notification.flip_id)
            .collect();
        let mut check_ids: Vec<i64> = claimed.iter().map(|c| c.check.id).collect();
        check_ids.sort_unstable();
        check_ids.dedup();
        let flips = flips::table
            .filter(flips::id.eq_any(&flip_ids))
            .select(Flip::as_select())
            .load::<Flip>(conn)?
            .into_iter()
            .map(|f| (f.id, f))
            .collect();
        // The latest ping of each check: its highest id, then that row.
        let latest: Vec<(i64, Option<i64>)> = pings::table
            .filter(pings::check_id.eq_any(&check_ids))
            .group_by(pings::check_id)
            .select((pings::check_id, diesel::dsl::max(pings::id)))
            .load(conn)?;
        let ping_ids: Vec<i64> = latest.into_iter().filter_map(|(_, id)| id).collect();
        let last_pings = pings::table
            .filter(pings::id.eq_any(&ping_ids))
            .select((
                pings::check_id,
                pings::created,
                pings::kind,
                pings::body,
                pings::exitstatus,
                pings::remote_addr,
            ))
            .load::<(
                i64,
                chrono::NaiveDateTime,
                Option<String>,
                Option<Vec<u8>>,
                Option<i32>,
                Option<String>,
            )>(conn)?
            .into_iter()
            .map(|(check_id, created, kind, body, exitstatus, remote_addr)| {
                (
                    check_id,
                    LastPing {
                        created: utc(created),
                        kind,
                        body,
                        exitstatus,
                        remote_addr,
                    },
                )
            })
            .collect();
        Ok(Batch {
            flips,
            last_pings,
            channel_codes: hc_core::checks::channel_codes_of_many(conn, &check_ids)?,
            project_names: HashMap::new(),
        })
    }
}

/// diesel's errors cannot be cloned; a batch that could not be read fails each of
/// its alerts with the same message.
fn clone_error(e: &diesel::result::Error) -> diesel::result::Error {
    diesel::result::Error::QueryBuilderError(e.to_string().into())
}

/// How a check's expected pings are described.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Period {
    Every(String),
    Schedule { expression: String, tz: String },
}

/// "2 hours, 3 minutes": the two largest non-zero units, from weeks to seconds.
pub fn duration_in_words(d: Duration) -> String {
    const UNITS: [(i64, &str, &str); 5] = [
        (604_800, "week", "weeks"),
        (86_400, "day", "days"),
        (3_600, "hour", "hours"),
        (60, "minute", "minutes"),
        (1, "second", "seconds"),
    ];
    let mut remaining = d.num_seconds().max(0);
    let mut parts = Vec::new();
    for (size, one, many) in UNITS {
        let n = remaining / size;
        remaining %= size;
        if n > 0 {
            parts.push(format!("{n} {}", if n == 1 { one } else { many }));
        }
        if parts.len() == 2 {
            break;
        }
    }
    if parts.is_empty() {
        "0 seconds".into()
    } else {
        parts.join(", ")
    }
}

/// "3 minutes", "1 day": the largest unit only, for ages.
pub fn age_in_words(d: Duration) -> String {
    let words = duration_in_words(d);
    words.split(", ").next().unwrap_or_default().to_owned()
}

/// "3 minutes ago" for the dashboard, and "just now" under a second (where
/// [`age_in_words`] would say "0 seconds ago").
pub fn ago_in_words(d: Duration) -> String {
    if d < Duration::seconds(1) {
        "just now".to_owned()
    } else {
        format!("{} ago", age_in_words(d))
    }
}

/// An alert for tests: check "Backups" (tags `prod www`) went down by timeout.
#[cfg(test)]
pub(crate) fn sample() -> Alert {
    use chrono::TimeZone;
    let created = Utc
        .with_ymd_and_hms(2026, 1, 2, 3, 4, 5)
        .single()
        .unwrap_or_default();
    let mut check = Check::new(Some(1), created.naive_utc());
    check.code = "7918b17b-a745-4db1-8575-9d2e07c97f79".into();
    check.name = "Backups".into();
    check.slug = "backups".into();
    check.tags = "prod www".into();
    check.n_pings = 42;
    Alert {
        check,
        channel: Channel {
            id: 1,
            code: "0e9f8a1c-0000-4000-8000-000000000001".into(),
            project_id: 1,
            name: String::new(),
            kind: "webhook".into(),
            value: String::new(),
            email_verified: true,
            disabled: false,
            last_notify: None,
            last_notify_duration: None,
            last_error: String::new(),
            created: created.naive_utc(),
        },
        status: "down".into(),
        reason: "timeout".into(),
        flip_id: Some(1),
        flip_time: created + Duration::days(1),
        project_name: "Ops".into(),
        last_ping: Some(LastPing {
            created,
            kind: None,
            body: Some("all \"good\" ünïcode".as_bytes().to_vec()),
            exitstatus: Some(3),
            remote_addr: Some("192.0.2.1".into()),
        }),
        downtime: None,
        others: OtherChecks::AllUp,
        site_root: "https://hc.example.org".into(),
        site_name: "Mychecks".into(),
        check_json: "{\"name\": \"Backups\"}".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sentences() {
        let mut alert = sample();
        assert_eq!(
            alert.reason_sentence().as_deref(),
            Some("Reason: success signal did not arrive on time, grace time passed.")
        );
        assert_eq!(alert.last_ping_words(), "Success, 1 day ago");
        assert_eq!(alert.period(), Period::Every("1 day".into()));
        assert_eq!(
            alert.details_url(),
            format!(
                "https://hc.example.org/cloaked/{}/",
                alert.check.unique_key()
            )
        );
        alert.status = "up".into();
        alert.downtime = Some(Duration::seconds(7_380));
        assert_eq!(
            alert.reason_sentence().as_deref(),
            Some("The downtime lasted 2 hours, 3 minutes.")
        );
        assert_eq!(alert.last_body(4).as_deref(), Some("all \n[truncated]"));
    }

    #[test]
    fn durations_read_as_words() {
        assert_eq!(duration_in_words(Duration::seconds(86_400)), "1 day");
        assert_eq!(
            duration_in_words(Duration::seconds(7_380)),
            "2 hours, 3 minutes"
        );
        assert_eq!(
            duration_in_words(Duration::seconds(1_209_600 + 90)),
            "2 weeks, 1 minute"
        );
        assert_eq!(duration_in_words(Duration::seconds(0)), "0 seconds");
        assert_eq!(age_in_words(Duration::seconds(7_380)), "2 hours");
        assert_eq!(ago_in_words(Duration::seconds(7_380)), "2 hours ago");
        assert_eq!(ago_in_words(Duration::seconds(1)), "1 second ago");
        assert_eq!(ago_in_words(Duration::milliseconds(999)), "just now");
        assert_eq!(ago_in_words(Duration::zero()), "just now");
    }
}
