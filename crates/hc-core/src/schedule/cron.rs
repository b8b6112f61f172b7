//! TEMPORARY STUB (replaced by the real module).
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CronError {
    #[error("Wrong number of fields")]
    WrongNumberOfFields,
}
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CronExpr;
impl CronExpr {
    pub fn parse(expr: &str) -> Result<Self, CronError> {
        if expr.split_whitespace().count() == 5 {
            Ok(CronExpr)
        } else {
            Err(CronError::WrongNumberOfFields)
        }
    }
    pub fn next_after(&self, after: DateTime<Utc>, _tz: Tz) -> Option<DateTime<Utc>> {
        Some(after + chrono::Duration::minutes(1))
    }
}
