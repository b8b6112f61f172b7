//! TEMPORARY STUB (replaced by the real module).
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OnCalendarError {
    #[error("Wrong number of fields")]
    WrongNumberOfFields,
}
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OnCalendar;
impl OnCalendar {
    pub fn parse(expr: &str) -> Result<Self, OnCalendarError> {
        if expr.is_empty() { Err(OnCalendarError::WrongNumberOfFields) } else { Ok(OnCalendar) }
    }
    pub fn next_after(&self, after: DateTime<Utc>, _tz: Tz) -> Option<DateTime<Utc>> {
        Some(after + chrono::Duration::hours(1))
    }
}
