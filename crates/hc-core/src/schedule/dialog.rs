//! What the dashboard's schedule dialogs accept (spec §7.3 `/checks/<uuid>/timeout/`,
//! the previews and `validate_schedule`): a period and grace time, or a cron or
//! OnCalendar expression with a zone and a grace time, each refused with a message a
//! person can act on; the zones to choose from; and the upcoming runs a preview lists.
//!
//! The web form's rules are healthchecks' form rules, stricter than the API's: cron
//! must have exactly five fields, an OnCalendar line at most four components, legacy
//! zone names are refused rather than rewritten, and the expression must match at least
//! once after now.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use super::{tz, CronExpr, Kind, OnCalendar, Schedule, MAX_SECONDS, MIN_SECONDS};

/// Longest expression the dialogs take (healthchecks' form field length).
pub const MAX_SCHEDULE_LEN: usize = 100;
/// `[weekdays] [date] [time] [timezone]`.
const MAX_ONCALENDAR_COMPONENTS: usize = 4;
/// How much of a refused value a message repeats.
const ECHO_LEN: usize = 60;

/// A refused field and why, to show next to that field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct FieldError {
    /// The form field's name: `kind`, `timeout`, `grace`, `schedule` or `tz`.
    pub field: &'static str,
    pub message: String,
}

impl FieldError {
    fn new(field: &'static str, message: impl Into<String>) -> Self {
        FieldError {
            field,
            message: message.into(),
        }
    }
}

/// A validated schedule from one of the dialogs. Expressions are stored trimmed, with
/// a textarea's CRLF line ends made LF.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScheduleChange {
    Simple {
        timeout: i64,
        grace: i64,
    },
    Cron {
        schedule: String,
        tz: String,
        grace: i64,
    },
    OnCalendar {
        schedule: String,
        tz: String,
        grace: i64,
    },
}

/// The posted fields, as text; a missing field is empty.
#[derive(Debug, Clone, Copy, Default)]
pub struct Posted<'a> {
    pub kind: &'a str,
    pub timeout: &'a str,
    pub grace: &'a str,
    pub schedule: &'a str,
    pub tz: &'a str,
}

impl ScheduleChange {
    /// Validates a dialog's fields; an expression must match at least once after `now`.
    pub fn from_posted(posted: &Posted, now: DateTime<Utc>) -> Result<Self, FieldError> {
        let kind = Kind::parse(posted.kind).ok_or_else(|| {
            FieldError::new(
                "kind",
                format!(
                    "Unknown schedule kind {}: use simple, cron or oncalendar.",
                    echo(posted.kind)
                ),
            )
        })?;
        let zone = || zone(posted.tz).map_err(|m| FieldError::new("tz", m));
        let schedule = || normalise(posted.schedule);
        Ok(match kind {
            Kind::Simple => ScheduleChange::Simple {
                timeout: seconds("timeout", posted.timeout)?,
                grace: seconds("grace", posted.grace)?,
            },
            Kind::Cron => {
                cron(&schedule(), zone()?, now).map_err(|m| FieldError::new("schedule", m))?;
                ScheduleChange::Cron {
                    schedule: schedule(),
                    tz: posted.tz.to_owned(),
                    grace: seconds("grace", posted.grace)?,
                }
            }
            Kind::OnCalendar => {
                oncalendar(&schedule(), zone()?, now)
                    .map_err(|m| FieldError::new("schedule", m))?;
                ScheduleChange::OnCalendar {
                    schedule: schedule(),
                    tz: posted.tz.to_owned(),
                    grace: seconds("grace", posted.grace)?,
                }
            }
        })
    }

    pub fn kind(&self) -> Kind {
        match self {
            ScheduleChange::Simple { .. } => Kind::Simple,
            ScheduleChange::Cron { .. } => Kind::Cron,
            ScheduleChange::OnCalendar { .. } => Kind::OnCalendar,
        }
    }
}

fn normalise(schedule: &str) -> String {
    schedule.trim().replace("\r\n", "\n")
}

/// Up to [`ECHO_LEN`] characters of a refused value, quoted.
fn echo(value: &str) -> String {
    let mut shown: String = value.chars().take(ECHO_LEN).collect();
    if value.chars().count() > ECHO_LEN {
        shown.push('…');
    }
    format!("\"{shown}\"")
}

/// A period or grace time in whole seconds, 1 minute to 365 days. Anything else,
/// however large, negative or not a number, is refused with the allowed range.
pub fn seconds(field: &'static str, text: &str) -> Result<i64, FieldError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(FieldError::new(
            field,
            format!("{field} is required: a number of seconds"),
        ));
    }
    let unsigned = text.strip_prefix(['-', '+']).unwrap_or(text);
    if unsigned.is_empty() || !unsigned.bytes().all(|b| b.is_ascii_digit()) {
        return Err(FieldError::new(
            field,
            format!("{field} must be a whole number of seconds"),
        ));
    }
    let out_of_range = || {
        FieldError::new(
            field,
            format!("{field} must be between 1 minute and 365 days ({MIN_SECONDS} to {MAX_SECONDS} seconds)"),
        )
    };
    // Too many digits for i64 is simply too large.
    let n: i64 = text.parse().map_err(|_| out_of_range())?;
    if (MIN_SECONDS..=MAX_SECONDS).contains(&n) {
        Ok(n)
    } else {
        Err(out_of_range())
    }
}

/// A zone the web forms accept; legacy names are refused with their new name.
pub fn zone(name: &str) -> Result<Tz, String> {
    if let Some(tz) = tz::zone(name) {
        return Ok(tz);
    }
    if name.trim().is_empty() {
        return Err("Choose a time zone.".into());
    }
    Err(match tz::legacy_rewrite(name) {
        Some(canonical) => {
            format!("Unknown time zone: {name} is an old name, use {canonical} instead.")
        }
        None => format!("Unknown time zone: {}", echo(name)),
    })
}

/// Every zone name the web forms accept, sorted.
pub fn zone_names() -> Vec<&'static str> {
    let mut names: Vec<&'static str> = chrono_tz::TZ_VARIANTS
        .iter()
        .map(|z| z.name())
        .filter(|name| tz::zone(name).is_some())
        .collect();
    names.sort_unstable();
    names
}

fn too_long(what: &str, expr: &str) -> Option<String> {
    (expr.chars().count() > MAX_SCHEDULE_LEN).then(|| {
        format!("The {what} expression is too long: at most {MAX_SCHEDULE_LEN} characters.")
    })
}

/// A cron expression as the cron dialog takes it: exactly five fields, valid, and
/// matching at least once after `now` in `tz`.
pub fn cron(expr: &str, tz: Tz, now: DateTime<Utc>) -> Result<CronExpr, String> {
    let expr = expr.trim();
    if let Some(message) = too_long("cron", expr) {
        return Err(message);
    }
    let fields = expr.split_whitespace().count();
    if fields != 5 {
        return Err(format!(
            "Invalid cron expression: expected 5 fields (minute, hour, day of month, month, day of week), found {fields}."
        ));
    }
    let parsed = CronExpr::parse(expr).map_err(|e| format!("Invalid cron expression: {e}."))?;
    parsed
        .next_after(now, tz)
        .ok_or("Invalid cron expression: it never matches.")?;
    Ok(parsed)
}

/// An OnCalendar schedule as its dialog takes it: at most four components per line,
/// valid, and with an occurrence after `now` (each line in its own zone or `tz`).
pub fn oncalendar(expr: &str, tz: Tz, now: DateTime<Utc>) -> Result<OnCalendar, String> {
    let expr = normalise(expr);
    if let Some(message) = too_long("OnCalendar", &expr) {
        return Err(message);
    }
    let lines: Vec<&str> = expr.split('\n').collect();
    for (i, line) in lines.iter().enumerate() {
        let components = line.split_whitespace().count();
        if components > MAX_ONCALENDAR_COMPONENTS {
            let which = if lines.len() > 1 {
                format!("line {} has", i + 1)
            } else {
                "it has".into()
            };
            return Err(format!(
                "Invalid OnCalendar expression: {which} {components} components, at most {MAX_ONCALENDAR_COMPONENTS} are allowed ([weekdays] [date] [time] [timezone])."
            ));
        }
    }
    let parsed =
        OnCalendar::parse(&expr).map_err(|e| format!("Invalid OnCalendar expression: {e}"))?;
    parsed
        .next_after(now, tz)
        .ok_or("Invalid OnCalendar expression: it has no occurrence after now.")?;
    Ok(parsed)
}

/// `validate_schedule`: is `schedule` a valid expression of `kind` (evaluated in UTC)?
/// Simple checks have no expression, so never.
pub fn is_valid(kind: Kind, schedule: &str, now: DateTime<Utc>) -> bool {
    match kind {
        Kind::Cron => cron(schedule, chrono_tz::UTC, now).is_ok(),
        Kind::OnCalendar => oncalendar(schedule, chrono_tz::UTC, now).is_ok(),
        Kind::Simple => false,
    }
}

/// The next `n` runs after `after`.
pub fn upcoming(schedule: &Schedule, after: DateTime<Utc>, n: usize) -> Vec<DateTime<Utc>> {
    std::iter::successors(schedule.next_after(after), |t| schedule.next_after(*t))
        .take(n)
        .collect()
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "tests")]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 26, 12, 0, 0).unwrap()
    }

    #[test]
    fn seconds_run_from_a_minute_to_a_year() {
        assert_eq!(seconds("grace", "60"), Ok(60));
        assert_eq!(seconds("grace", " 31536000 "), Ok(31_536_000));
        for bad in ["59", "31536001", "-60", "0", &"9".repeat(30)] {
            let e = seconds("grace", bad).unwrap_err();
            assert_eq!(e.field, "grace");
            assert!(
                e.message
                    .starts_with("grace must be between 1 minute and 365 days"),
                "{bad}: {e}"
            );
        }
        for bad in ["abc", "1.5", "1e3", "-", "6 0"] {
            assert_eq!(
                seconds("timeout", bad).unwrap_err().message,
                "timeout must be a whole number of seconds",
                "{bad}"
            );
        }
        assert!(seconds("timeout", "")
            .unwrap_err()
            .message
            .contains("required"));
    }

    #[test]
    fn cron_needs_five_valid_fields() {
        let utc = chrono_tz::UTC;
        assert!(cron("0 3 * * 1-5", utc, now()).is_ok());
        assert_eq!(
            cron("0 3 * *", utc, now()).unwrap_err(),
            "Invalid cron expression: expected 5 fields (minute, hour, day of month, month, day of week), found 4."
        );
        assert!(cron("0 0 3 * * 1-5", utc, now())
            .unwrap_err()
            .contains("found 6"));
        assert_eq!(
            cron("0 24 * * *", utc, now()).unwrap_err(),
            "Invalid cron expression: Bad hour."
        );
        assert_eq!(
            cron("0 0 5-1 * *", utc, now()).unwrap_err(),
            "Invalid cron expression: Bad day-of-month."
        );
        assert!(cron(&"* ".repeat(5000), utc, now())
            .unwrap_err()
            .contains("too long"));
    }

    #[test]
    fn oncalendar_lines_have_at_most_four_components() {
        let utc = chrono_tz::UTC;
        assert!(oncalendar("Mon..Fri 09:00", utc, now()).is_ok());
        assert!(oncalendar("daily\r\nMon 2026-*-* 12:00 Europe/Riga", utc, now()).is_ok());
        assert_eq!(
            oncalendar("Mon 2026-*-* 12:00 Europe/Riga extra", utc, now()).unwrap_err(),
            "Invalid OnCalendar expression: it has 5 components, at most 4 are allowed ([weekdays] [date] [time] [timezone])."
        );
        assert!(oncalendar("daily\na b c d e", utc, now())
            .unwrap_err()
            .contains("line 2 has 5 components"));
        assert!(oncalendar("Funday 12:00", utc, now())
            .unwrap_err()
            .starts_with("Invalid OnCalendar expression: Bad weekday"));
        assert_eq!(
            oncalendar("2020-01-01 12:00", utc, now()).unwrap_err(),
            "Invalid OnCalendar expression: it has no occurrence after now."
        );
    }

    #[test]
    fn zones_are_canonical_names() {
        assert!(zone("Europe/Riga").is_ok());
        assert_eq!(
            zone("Mars/Olympus").unwrap_err(),
            "Unknown time zone: \"Mars/Olympus\""
        );
        assert_eq!(
            zone("Europe/Kiev").unwrap_err(),
            "Unknown time zone: Europe/Kiev is an old name, use Europe/Kyiv instead."
        );
        assert_eq!(zone("").unwrap_err(), "Choose a time zone.");
        let long = zone(&"x".repeat(10_000)).unwrap_err();
        assert!(long.len() < 100, "{long}");
        let names = zone_names();
        assert!(names.windows(2).all(|w| w[0] < w[1]));
        for name in ["UTC", "Europe/Riga", "America/New_York", "Etc/GMT+5"] {
            assert!(names.contains(&name), "{name}");
        }
        for name in ["Europe/Kiev", "Factory", "US/Eastern"] {
            assert!(!names.contains(&name), "{name}");
        }
    }

    #[test]
    fn posted_fields_become_a_change() {
        let simple = Posted {
            kind: "simple",
            timeout: "3600",
            grace: "60",
            ..Posted::default()
        };
        assert_eq!(
            ScheduleChange::from_posted(&simple, now()),
            Ok(ScheduleChange::Simple {
                timeout: 3600,
                grace: 60
            })
        );
        let cron = Posted {
            kind: "cron",
            schedule: " 0 3 * * 1-5 ",
            tz: "Europe/Riga",
            grace: "300",
            ..Posted::default()
        };
        assert_eq!(
            ScheduleChange::from_posted(&cron, now()),
            Ok(ScheduleChange::Cron {
                schedule: "0 3 * * 1-5".into(),
                tz: "Europe/Riga".into(),
                grace: 300
            })
        );
        let bad_zone = Posted {
            tz: "Mars/Olympus",
            ..cron
        };
        assert_eq!(
            ScheduleChange::from_posted(&bad_zone, now())
                .unwrap_err()
                .field,
            "tz"
        );
        let calendar = Posted {
            kind: "oncalendar",
            schedule: "Mon..Fri 09:00\r\nSat 12:00",
            ..cron
        };
        assert_eq!(
            ScheduleChange::from_posted(&calendar, now())
                .unwrap()
                .kind(),
            Kind::OnCalendar
        );
        let weekly = Posted {
            kind: "weekly",
            ..cron
        };
        assert_eq!(
            ScheduleChange::from_posted(&weekly, now())
                .unwrap_err()
                .field,
            "kind"
        );
    }

    #[test]
    fn validity_by_kind() {
        assert!(is_valid(Kind::Cron, "0 3 * * 1-5", now()));
        assert!(!is_valid(Kind::Cron, "daily", now()));
        assert!(is_valid(Kind::OnCalendar, "daily", now()));
        assert!(!is_valid(Kind::OnCalendar, "0 3 * * 1-5", now()));
        assert!(!is_valid(Kind::Simple, "daily", now()));
    }

    #[test]
    fn upcoming_runs_follow_the_zone_across_dst() {
        // Riga moves to summer time on Sunday 2026-03-29: 03:00 local is 01:00 UTC
        // before and 00:00 UTC after.
        let riga: Tz = "Europe/Riga".parse().unwrap();
        let schedule = Schedule::Cron {
            expr: CronExpr::parse("0 3 * * 1-5").unwrap(),
            tz: riga,
        };
        let runs = upcoming(&schedule, now(), 3);
        let utc = |d, h| Utc.with_ymd_and_hms(2026, 3, d, h, 0, 0).unwrap();
        assert_eq!(runs, [utc(27, 1), utc(30, 0), utc(31, 0)]);
        let never = Schedule::OnCalendar {
            expr: OnCalendar::parse("2020-01-01").unwrap(),
            tz: riga,
        };
        assert!(upcoming(&never, now(), 6).is_empty());
    }
}
