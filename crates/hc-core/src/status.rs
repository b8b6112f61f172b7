//! A check's status, computed on read from its stored fields and the current time
//! (spec §3.1–3.4), and `alert_after`, the moment `sendalerts` must look at it again.
//!
//! The database stores only `new`, `up`, `down` and `paused`; `grace` ("late") and
//! `started` exist only here, so a late check shows as late even with no daemon running.

use chrono::{DateTime, Duration, Utc};

use crate::schedule::Schedule;

/// What the database stores.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StoredStatus {
    New,
    Up,
    Down,
    Paused,
}

impl StoredStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            StoredStatus::New => "new",
            StoredStatus::Up => "up",
            StoredStatus::Down => "down",
            StoredStatus::Paused => "paused",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "new" => Some(StoredStatus::New),
            "up" => Some(StoredStatus::Up),
            "down" => Some(StoredStatus::Down),
            "paused" => Some(StoredStatus::Paused),
            _ => None,
        }
    }
}

/// What users see: the API, the dashboard, badges and metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Status {
    New,
    Up,
    /// Late: the ping was due but the grace time has not run out.
    Grace,
    Down,
    Paused,
    /// A run is in progress (only API v1 reports this).
    Started,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::New => "new",
            Status::Up => "up",
            Status::Grace => "grace",
            Status::Down => "down",
            Status::Paused => "paused",
            Status::Started => "started",
        }
    }
}

impl From<StoredStatus> for Status {
    fn from(stored: StoredStatus) -> Self {
        match stored {
            StoredStatus::New => Status::New,
            StoredStatus::Up => Status::Up,
            StoredStatus::Down => Status::Down,
            StoredStatus::Paused => Status::Paused,
        }
    }
}

/// The fields of a check that decide its status.
#[derive(Debug, Clone)]
pub struct Timing<'a> {
    pub status: StoredStatus,
    pub last_ping: Option<DateTime<Utc>>,
    pub last_start: Option<DateTime<Utc>>,
    pub grace: Duration,
    pub schedule: &'a Schedule,
}

impl Timing<'_> {
    /// When the next ping is expected (spec §3.2); `None` means never. With
    /// `with_started`, an open run makes it the start of that run.
    pub fn grace_start(&self, with_started: bool) -> Option<DateTime<Utc>> {
        let expected = match (self.status, self.last_ping) {
            (StoredStatus::Up, Some(last_ping)) => self.schedule.next_after(last_ping),
            _ => None,
        };
        match self.last_start {
            Some(start) if with_started && self.status != StoredStatus::Down => {
                Some(expected.map_or(start, |e| e.min(start)))
            }
            _ => expected,
        }
    }

    /// When the check goes down if no ping arrives: the value of `alert_after`.
    pub fn going_down_after(&self) -> Option<DateTime<Utc>> {
        self.grace_start(true)
            .and_then(|t| t.checked_add_signed(self.grace))
    }

    /// The status at `now` (spec §3.4). Boundaries are inclusive.
    pub fn status(&self, now: DateTime<Utc>, with_started: bool) -> Status {
        if let Some(start) = self.last_start {
            if start
                .checked_add_signed(self.grace)
                .is_none_or(|deadline| now >= deadline)
            {
                return Status::Down;
            }
            if with_started {
                return Status::Started;
            }
        }
        match self.status {
            StoredStatus::New => return Status::New,
            StoredStatus::Paused => return Status::Paused,
            StoredStatus::Down => return Status::Down,
            StoredStatus::Up => {}
        }
        let Some(grace_start) = self.grace_start(false) else {
            return Status::Up;
        };
        match grace_start.checked_add_signed(self.grace) {
            Some(down_at) if now >= down_at => Status::Down,
            _ if now >= grace_start => Status::Grace,
            _ => Status::Up,
        }
    }
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "tests")]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use proptest::prelude::*;

    fn at(h: u32, m: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 1, h, m, 0).unwrap()
    }

    fn simple(timeout_min: i64) -> Schedule {
        Schedule::Simple {
            timeout: Duration::minutes(timeout_min),
        }
    }

    fn timing(
        schedule: &Schedule,
        status: StoredStatus,
        last_ping: Option<DateTime<Utc>>,
    ) -> Timing<'_> {
        Timing {
            status,
            last_ping,
            last_start: None,
            grace: Duration::minutes(10),
            schedule,
        }
    }

    #[test]
    fn simple_check_walks_up_grace_down() {
        let s = simple(60);
        let t = timing(&s, StoredStatus::Up, Some(at(10, 0)));
        assert_eq!(t.status(at(10, 59), false), Status::Up);
        assert_eq!(t.status(at(11, 0), false), Status::Grace);
        assert_eq!(t.status(at(11, 9), false), Status::Grace);
        assert_eq!(t.status(at(11, 10), false), Status::Down);
        assert_eq!(t.going_down_after(), Some(at(11, 10)));
        assert_eq!(t.grace_start(true), Some(at(11, 0)));
    }

    #[test]
    fn stored_new_paused_down_are_reported_as_stored() {
        let s = simple(60);
        for (stored, reported) in [
            (StoredStatus::New, Status::New),
            (StoredStatus::Paused, Status::Paused),
            (StoredStatus::Down, Status::Down),
        ] {
            let t = timing(&s, stored, Some(at(10, 0)));
            assert_eq!(t.status(at(10, 1), false), reported);
            assert_eq!(t.going_down_after(), None, "{stored:?}");
        }
    }

    #[test]
    fn an_open_run_is_started_then_down_after_grace() {
        let s = simple(60);
        let mut t = timing(&s, StoredStatus::New, None);
        t.last_start = Some(at(10, 0));
        assert_eq!(t.status(at(10, 5), true), Status::Started);
        assert_eq!(t.status(at(10, 5), false), Status::New);
        assert_eq!(t.status(at(10, 10), false), Status::Down);
        assert_eq!(t.status(at(10, 10), true), Status::Down);
        // A new check that got /start at S goes down at S + grace.
        assert_eq!(t.going_down_after(), Some(at(10, 10)));
        assert_eq!(t.grace_start(true), Some(at(10, 0)));
        assert_eq!(t.grace_start(false), None);
        // Paused with a run: the same.
        t.status = StoredStatus::Paused;
        assert_eq!(t.going_down_after(), Some(at(10, 10)));
        // Stored down: the run does not count for alert_after.
        t.status = StoredStatus::Down;
        assert_eq!(t.going_down_after(), None);
    }

    #[test]
    fn next_ping_while_running_is_the_earlier_of_start_and_deadline() {
        let s = simple(60);
        let mut t = timing(&s, StoredStatus::Up, Some(at(10, 0)));
        t.last_start = Some(at(10, 30));
        assert_eq!(t.grace_start(true), Some(at(10, 30)));
        t.last_start = Some(at(11, 30));
        assert_eq!(t.grace_start(true), Some(at(11, 0)));
    }

    fn any_time() -> impl Strategy<Value = DateTime<Utc>> {
        (1_500_000_000i64..2_000_000_000).prop_map(|s| Utc.timestamp_opt(s, 0).unwrap())
    }

    proptest! {
        /// A check pinged within its period is never down, nor late.
        #[test]
        fn pinged_within_the_period_is_up(
            last_ping in any_time(),
            timeout in 60i64..31_536_000,
            grace in 60i64..31_536_000,
            frac in 0.0f64..1.0,
        ) {
            let s = Schedule::Simple { timeout: Duration::seconds(timeout) };
            let t = Timing { status: StoredStatus::Up, last_ping: Some(last_ping), last_start: None, grace: Duration::seconds(grace), schedule: &s };
            let now = last_ping + Duration::seconds((timeout as f64 * frac) as i64);
            prop_assert!(now < last_ping + Duration::seconds(timeout));
            prop_assert_eq!(t.status(now, false), Status::Up);
        }

        /// alert_after is never before last_ping + timeout (+ grace for simple checks),
        /// and it is exactly the first moment the check reports down.
        #[test]
        fn alert_after_is_when_it_goes_down(
            last_ping in any_time(),
            timeout in 60i64..31_536_000,
            grace in 60i64..31_536_000,
        ) {
            let s = Schedule::Simple { timeout: Duration::seconds(timeout) };
            let t = Timing { status: StoredStatus::Up, last_ping: Some(last_ping), last_start: None, grace: Duration::seconds(grace), schedule: &s };
            let alert_after = t.going_down_after().unwrap();
            prop_assert_eq!(alert_after, last_ping + Duration::seconds(timeout + grace));
            prop_assert_eq!(t.status(alert_after, false), Status::Down);
            prop_assert_ne!(t.status(alert_after - Duration::seconds(1), false), Status::Down);
        }

        /// However the fields are set, a check never reports down before alert_after
        /// (when there is one), so sendalerts never acts before the dashboard shows it.
        #[test]
        fn never_down_before_alert_after(
            last_ping in proptest::option::of(any_time()),
            start_offset in proptest::option::of(-100_000i64..100_000),
            stored in prop_oneof![Just(StoredStatus::New), Just(StoredStatus::Up), Just(StoredStatus::Paused)],
            timeout in 60i64..1_000_000,
            grace in 60i64..1_000_000,
            probe in -2_000_000i64..2_000_000,
        ) {
            let s = Schedule::Simple { timeout: Duration::seconds(timeout) };
            let base = last_ping.unwrap_or_else(|| Utc.timestamp_opt(1_700_000_000, 0).unwrap());
            let last_start = start_offset.map(|o| base + Duration::seconds(o));
            let last_ping = if stored == StoredStatus::Up { Some(base) } else { last_ping };
            let t = Timing { status: stored, last_ping, last_start, grace: Duration::seconds(grace), schedule: &s };
            let now = base + Duration::seconds(probe);
            if let Some(alert_after) = t.going_down_after() {
                if now < alert_after {
                    prop_assert_ne!(t.status(now, false), Status::Down);
                } else {
                    prop_assert_eq!(t.status(now, false), Status::Down);
                }
            } else {
                prop_assert_ne!(t.status(now, false), Status::Down);
            }
        }
    }
}
