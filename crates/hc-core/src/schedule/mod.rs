//! When a check's next ping is expected: a simple period, a cron expression or an
//! OnCalendar expression, each evaluated in the check's time zone.

pub mod cron;
pub mod describe;
pub mod dialog;
pub mod oncalendar;
pub mod tz;

use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;

pub use self::cron::CronExpr;
pub use self::oncalendar::OnCalendar;

/// Shortest and longest period and grace time, in seconds (1 minute to 365 days).
pub const MIN_SECONDS: i64 = 60;
pub const MAX_SECONDS: i64 = 31_536_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Simple,
    Cron,
    OnCalendar,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Simple => "simple",
            Kind::Cron => "cron",
            Kind::OnCalendar => "oncalendar",
        }
    }

    pub fn parse(s: &str) -> Option<Kind> {
        match s {
            "simple" => Some(Kind::Simple),
            "cron" => Some(Kind::Cron),
            "oncalendar" => Some(Kind::OnCalendar),
            _ => None,
        }
    }

    /// healthchecks' rule for schedules given to the API: one line of exactly five
    /// whitespace-separated fields is cron, anything else OnCalendar.
    pub fn of_expression(schedule: &str) -> Kind {
        let trimmed = schedule.trim();
        if !trimmed.contains('\n') && trimmed.split_whitespace().count() == 5 {
            Kind::Cron
        } else {
            Kind::OnCalendar
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScheduleError {
    #[error("unknown check kind {0:?}")]
    UnknownKind(String),
    #[error("unknown time zone {0:?}")]
    UnknownZone(String),
    #[error("invalid cron expression: {0}")]
    Cron(#[from] cron::CronError),
    #[error("invalid OnCalendar expression: {0}")]
    OnCalendar(#[from] oncalendar::OnCalendarError),
    #[error("the schedule never matches")]
    NeverMatches,
}

/// A parsed schedule, ready to answer "when is the next ping due after this one".
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Schedule {
    Simple { timeout: Duration },
    Cron { expr: CronExpr, tz: Tz },
    OnCalendar { expr: OnCalendar, tz: Tz },
}

impl Schedule {
    /// Builds the schedule from a check's stored fields.
    pub fn from_fields(
        kind: &str,
        timeout_secs: i64,
        schedule: &str,
        tz: &str,
    ) -> Result<Self, ScheduleError> {
        let zone = || tz::zone(tz).ok_or_else(|| ScheduleError::UnknownZone(tz.to_owned()));
        match Kind::parse(kind) {
            Some(Kind::Simple) => Ok(Schedule::Simple {
                timeout: Duration::seconds(timeout_secs),
            }),
            Some(Kind::Cron) => Ok(Schedule::Cron {
                expr: CronExpr::parse(schedule)?,
                tz: zone()?,
            }),
            Some(Kind::OnCalendar) => Ok(Schedule::OnCalendar {
                expr: OnCalendar::parse(schedule)?,
                tz: zone()?,
            }),
            None => Err(ScheduleError::UnknownKind(kind.to_owned())),
        }
    }

    /// Parses a cron or OnCalendar expression by healthchecks' 5-field rule and
    /// insists that it matches at least once after `now`, as the API validates.
    pub fn validate_expression(
        schedule: &str,
        tz: Tz,
        now: DateTime<Utc>,
    ) -> Result<Self, ScheduleError> {
        let parsed = match Kind::of_expression(schedule) {
            Kind::Cron => Schedule::Cron {
                expr: CronExpr::parse(schedule)?,
                tz,
            },
            _ => Schedule::OnCalendar {
                expr: OnCalendar::parse(schedule)?,
                tz,
            },
        };
        parsed.next_after(now).ok_or(ScheduleError::NeverMatches)?;
        Ok(parsed)
    }

    pub fn kind(&self) -> Kind {
        match self {
            Schedule::Simple { .. } => Kind::Simple,
            Schedule::Cron { .. } => Kind::Cron,
            Schedule::OnCalendar { .. } => Kind::OnCalendar,
        }
    }

    /// When the ping after one received at `last` is due; `None` when never.
    pub fn next_after(&self, last: DateTime<Utc>) -> Option<DateTime<Utc>> {
        match self {
            Schedule::Simple { timeout } => last.checked_add_signed(*timeout),
            Schedule::Cron { expr, tz } => expr.next_after(last, *tz),
            Schedule::OnCalendar { expr, tz } => expr.next_after(last, *tz),
        }
    }
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "tests")]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn the_five_field_rule_picks_the_kind() {
        assert_eq!(Kind::of_expression("* * * * *"), Kind::Cron);
        assert_eq!(Kind::of_expression("  0 9 * * 1-5 "), Kind::Cron);
        assert_eq!(Kind::of_expression("0 0 9 * * 1-5"), Kind::OnCalendar);
        assert_eq!(Kind::of_expression("daily"), Kind::OnCalendar);
        assert_eq!(Kind::of_expression("* * *\n* *"), Kind::OnCalendar);
    }

    #[test]
    fn simple_schedules_add_the_period() {
        let s = Schedule::from_fields("simple", 3600, "", "UTC").unwrap();
        let t = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
        assert_eq!(s.next_after(t), Some(t + Duration::hours(1)));
    }

    #[test]
    fn expressions_are_validated_as_the_api_does() {
        let now = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
        let utc = chrono_tz::UTC;
        assert_eq!(
            Schedule::validate_expression("0 9 * * 1-5", utc, now)
                .unwrap()
                .kind(),
            Kind::Cron
        );
        assert_eq!(
            Schedule::validate_expression("daily", utc, now)
                .unwrap()
                .kind(),
            Kind::OnCalendar
        );
        assert!(matches!(
            Schedule::validate_expression("61 * * * *", utc, now),
            Err(ScheduleError::Cron(_))
        ));
        assert!(matches!(
            Schedule::validate_expression("0 0 31 2 *", utc, now),
            Err(ScheduleError::Cron(_))
        ));
        assert!(Schedule::validate_expression("", utc, now).is_err());
        assert!(
            Schedule::validate_expression("0 0 9 * * 1-5", utc, now).is_err(),
            "6 fields are OnCalendar, and invalid"
        );
        assert_eq!(
            Schedule::validate_expression("*-02-30 12:00", utc, now),
            Err(ScheduleError::NeverMatches)
        );
    }

    #[test]
    fn a_cron_check_is_late_after_its_slot_and_down_after_grace() {
        use crate::status::{Status, StoredStatus, Timing};
        let schedule = Schedule::from_fields("cron", 0, "30 9 * * *", "Europe/Riga").unwrap();
        // Pinged at 09:30 Riga time (07:30 UTC in winter): next due tomorrow 09:30.
        let pinged = Utc.with_ymd_and_hms(2026, 1, 10, 7, 30, 5).unwrap();
        let timing = Timing {
            status: StoredStatus::Up,
            last_ping: Some(pinged),
            last_start: None,
            grace: Duration::minutes(15),
            schedule: &schedule,
        };
        let due = Utc.with_ymd_and_hms(2026, 1, 11, 7, 30, 0).unwrap();
        assert_eq!(timing.grace_start(false), Some(due));
        assert_eq!(timing.status(due - Duration::seconds(1), false), Status::Up);
        assert_eq!(timing.status(due, false), Status::Grace);
        assert_eq!(
            timing.status(due + Duration::minutes(15), false),
            Status::Down
        );
        assert_eq!(timing.going_down_after(), Some(due + Duration::minutes(15)));
    }

    #[test]
    fn stored_fields_are_checked() {
        assert_eq!(
            Schedule::from_fields("weekly", 60, "", "UTC"),
            Err(ScheduleError::UnknownKind("weekly".into()))
        );
        assert_eq!(
            Schedule::from_fields("cron", 60, "* * * * *", "Mars/Base"),
            Err(ScheduleError::UnknownZone("Mars/Base".into()))
        );
        assert!(Schedule::from_fields("cron", 60, "* * *", "UTC").is_err());
    }
}
