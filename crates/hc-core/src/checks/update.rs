//! A change to a check as the management API asks for it: healthchecks' request
//! schema (spec §4.5), validated field by field in its fixed order so the first error
//! reported is the one healthchecks reports, and applied to a check as §4.6 does.

use chrono::{TimeZone, Utc};
use serde_json::{Map, Value};

use crate::models::Check;
use crate::schedule::{tz, Kind, Schedule, MAX_SECONDS, MIN_SECONDS};

use super::slug::slugify;

/// Longest name, slug and schedule.
const MAX_NAME: usize = 100;
/// Longest keyword filter.
const MAX_KEYWORDS: usize = 200;
/// Longest tag list. healthchecks checks no limit here and then fails with a 500 on
/// databases that enforce the column's 500 characters; hc says what is wrong.
const MAX_TAGS: usize = 500;

/// What is wrong with one field, in healthchecks' words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Problem {
    TooLong,
    NotAString,
    PatternMismatch,
    TooLarge,
    TooSmall,
    NotANumber,
    NotABoolean,
    UnexpectedValue,
    NotAnArray,
    BadSchedule,
    BadTimezone,
    /// hc's own: PostgreSQL cannot store NUL, so healthchecks fails with a 500 there.
    ContainsNul,
}

impl Problem {
    pub fn as_str(self) -> &'static str {
        match self {
            Problem::TooLong => "is too long",
            Problem::NotAString => "is not a string",
            Problem::PatternMismatch => "does not match pattern",
            Problem::TooLarge => "is too large",
            Problem::TooSmall => "is too small",
            Problem::NotANumber => "is not a number",
            Problem::NotABoolean => "is not a boolean",
            Problem::UnexpectedValue => "has unexpected value",
            Problem::NotAnArray => "is not an array",
            Problem::BadSchedule => "is not a valid cron or OnCalendar expression",
            Problem::BadTimezone => "is not a valid timezone",
            Problem::ContainsNul => "contains a NUL character",
        }
    }
}

/// The first invalid field of a request: `json validation error: <subject> <problem>`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("json validation error: {subject} {}", problem.as_str())]
pub struct ValidationError {
    pub subject: String,
    pub problem: Problem,
}

impl ValidationError {
    fn field(name: &str, problem: Problem) -> Self {
        ValidationError {
            subject: name.to_owned(),
            problem,
        }
    }
}

/// A field `unique` may name: the fields that identify an existing check on upsert.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UniqueField {
    Name,
    Slug,
    Tags,
    Timeout,
    Grace,
}

impl UniqueField {
    fn parse(s: &str) -> Option<Self> {
        match s {
            "name" => Some(UniqueField::Name),
            "slug" => Some(UniqueField::Slug),
            "tags" => Some(UniqueField::Tags),
            "timeout" => Some(UniqueField::Timeout),
            "grace" => Some(UniqueField::Grace),
            _ => None,
        }
    }
}

/// A validated create or update request. `None` = absent: leave the field alone.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CheckUpdate {
    /// `"*"`, `""` or comma-separated channel UUIDs and names; resolved against the
    /// project's channels by [`super::resolve_channels`].
    pub channels: Option<String>,
    pub desc: Option<String>,
    pub failure_kw: Option<String>,
    pub filter_subject: Option<bool>,
    pub filter_body: Option<bool>,
    pub filter_http_body: Option<bool>,
    pub filter_default_fail: Option<bool>,
    pub grace: Option<i64>,
    pub manual_resume: Option<bool>,
    pub methods: Option<String>,
    pub name: Option<String>,
    pub schedule: Option<String>,
    pub slug: Option<String>,
    pub start_kw: Option<String>,
    pub subject: Option<String>,
    pub subject_fail: Option<String>,
    pub success_kw: Option<String>,
    pub tags: Option<String>,
    pub timeout: Option<i64>,
    /// The zone name to store: legacy aliases already rewritten.
    pub tz: Option<String>,
    pub unique: Option<Vec<UniqueField>>,
}

impl CheckUpdate {
    /// Validates a request object. Unknown keys (such as `api_key`) are ignored.
    pub fn from_json(obj: &Map<String, Value>) -> Result<Self, ValidationError> {
        let field = |name: &str| obj.get(name);
        Ok(CheckUpdate {
            channels: string(field("channels"), "channels", None)?,
            desc: text(field("desc"), "desc", None)?,
            failure_kw: text(field("failure_kw"), "failure_kw", Some(MAX_KEYWORDS))?,
            filter_subject: boolean(field("filter_subject"), "filter_subject")?,
            filter_body: boolean(field("filter_body"), "filter_body")?,
            filter_http_body: boolean(field("filter_http_body"), "filter_http_body")?,
            filter_default_fail: boolean(field("filter_default_fail"), "filter_default_fail")?,
            grace: seconds(field("grace"), "grace")?,
            manual_resume: boolean(field("manual_resume"), "manual_resume")?,
            methods: methods(field("methods"))?,
            name: text(field("name"), "name", Some(MAX_NAME))?,
            schedule: schedule(field("schedule"))?,
            slug: slug(field("slug"))?,
            start_kw: text(field("start_kw"), "start_kw", Some(MAX_KEYWORDS))?,
            subject: text(field("subject"), "subject", Some(MAX_KEYWORDS))?,
            subject_fail: text(field("subject_fail"), "subject_fail", Some(MAX_KEYWORDS))?,
            success_kw: text(field("success_kw"), "success_kw", Some(MAX_KEYWORDS))?,
            tags: text(field("tags"), "tags", Some(MAX_TAGS))?,
            timeout: seconds(field("timeout"), "timeout")?,
            tz: zone(field("tz"))?,
            unique: unique(field("unique"))?,
        })
    }

    /// The fields to look an existing check up by, when the request names some in
    /// `unique` and carries every one of them; otherwise no lookup is made.
    pub fn unique_lookup(&self) -> Option<&[UniqueField]> {
        let fields = self.unique.as_deref().filter(|f| !f.is_empty())?;
        let present = |f: &UniqueField| match f {
            UniqueField::Name => self.name.is_some(),
            UniqueField::Slug => self.slug.is_some(),
            UniqueField::Tags => self.tags.is_some(),
            UniqueField::Timeout => self.timeout.is_some(),
            UniqueField::Grace => self.grace.is_some(),
        };
        fields.iter().all(present).then_some(fields)
    }

    /// Does `check` have this request's values in every `unique` field?
    pub fn is_same_check(&self, check: &Check, fields: &[UniqueField]) -> bool {
        fields.iter().all(|f| match f {
            UniqueField::Name => self.name.as_deref() == Some(check.name.as_str()),
            UniqueField::Slug => self.slug.as_deref() == Some(check.slug.as_str()),
            UniqueField::Tags => self.tags.as_deref() == Some(check.tags.as_str()),
            UniqueField::Timeout => self.timeout == Some(check.timeout),
            UniqueField::Grace => self.grace == Some(check.grace),
        })
    }

    /// Applies the request to `check` (everything but channels). API v1 and v2 derive
    /// the slug from a new name (`derive_slug`); an explicit `slug` still wins.
    pub fn apply(&self, check: &mut Check, derive_slug: bool) {
        if let Some(name) = &self.name {
            check.name.clone_from(name);
            if derive_slug {
                check.slug = slugify(name);
            }
        }
        match (&self.schedule, self.timeout) {
            (Some(schedule), _) if !schedule.is_empty() => {
                check.kind = Kind::of_expression(schedule).as_str().to_owned();
                check.schedule.clone_from(schedule);
            }
            (_, Some(timeout)) => {
                check.kind = Kind::Simple.as_str().to_owned();
                check.timeout = timeout;
            }
            _ => {}
        }
        if let Some(subject) = &self.subject {
            check.success_kw.clone_from(subject);
        }
        if let Some(subject_fail) = &self.subject_fail {
            check.failure_kw.clone_from(subject_fail);
        }
        if self.subject.is_some() || self.subject_fail.is_some() {
            check.filter_subject = !check.success_kw.is_empty() || !check.failure_kw.is_empty();
        }
        let copy = |target: &mut String, value: &Option<String>| {
            if let Some(value) = value {
                target.clone_from(value);
            }
        };
        copy(&mut check.slug, &self.slug);
        copy(&mut check.tags, &self.tags);
        copy(&mut check.description, &self.desc);
        copy(&mut check.methods, &self.methods);
        copy(&mut check.tz, &self.tz);
        copy(&mut check.start_kw, &self.start_kw);
        copy(&mut check.success_kw, &self.success_kw);
        copy(&mut check.failure_kw, &self.failure_kw);
        let flag = |target: &mut bool, value: Option<bool>| {
            if let Some(value) = value {
                *target = value;
            }
        };
        flag(&mut check.manual_resume, self.manual_resume);
        flag(&mut check.filter_subject, self.filter_subject);
        flag(&mut check.filter_body, self.filter_body);
        flag(&mut check.filter_http_body, self.filter_http_body);
        flag(&mut check.filter_default_fail, self.filter_default_fail);
        if let Some(grace) = self.grace {
            check.grace = grace;
        }
        // Validation guarantees a schedule that parses, so this only fails on rows
        // written by something else; such a check simply waits for its next ping.
        check.alert_after = check
            .going_down_after()
            .ok()
            .flatten()
            .map(|t| t.naive_utc());
    }
}

fn string(
    value: Option<&Value>,
    name: &str,
    max_len: Option<usize>,
) -> Result<Option<String>, ValidationError> {
    match value {
        None => Ok(None),
        Some(Value::String(s)) => {
            if max_len.is_some_and(|max| s.chars().count() > max) {
                Err(ValidationError::field(name, Problem::TooLong))
            } else {
                Ok(Some(s.clone()))
            }
        }
        Some(_) => Err(ValidationError::field(name, Problem::NotAString)),
    }
}

/// A free-text field stored as given. A NUL character is refused on every backend:
/// PostgreSQL cannot store one (healthchecks answers a 500 there), and a check should
/// not depend on which database holds it. Fields with a stricter rule of their own
/// (slug, schedule, tz, channels) keep healthchecks' message for it.
fn text(
    value: Option<&Value>,
    name: &str,
    max_len: Option<usize>,
) -> Result<Option<String>, ValidationError> {
    let text = string(value, name, max_len)?;
    if text.as_deref().is_some_and(|s| s.contains('\0')) {
        return Err(ValidationError::field(name, Problem::ContainsNul));
    }
    Ok(text)
}

fn boolean(value: Option<&Value>, name: &str) -> Result<Option<bool>, ValidationError> {
    match value {
        None => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(_) => Err(ValidationError::field(name, Problem::NotABoolean)),
    }
}

/// `timeout` and `grace`: whole seconds in 60..=31 536 000. Booleans count as 1 and 0
/// (Python's `bool` is an `int`); floats and strings are refused.
fn seconds(value: Option<&Value>, name: &str) -> Result<Option<i64>, ValidationError> {
    let n = match value {
        None => return Ok(None),
        Some(Value::Bool(b)) => i64::from(*b),
        Some(Value::Number(n)) => match (n.as_i64(), n.is_u64()) {
            (Some(n), _) => n,
            // An integer beyond i64: larger than any allowed period.
            (None, true) => return Err(ValidationError::field(name, Problem::TooLarge)),
            (None, false) => return Err(ValidationError::field(name, Problem::NotANumber)),
        },
        Some(_) => return Err(ValidationError::field(name, Problem::NotANumber)),
    };
    if n < MIN_SECONDS {
        Err(ValidationError::field(name, Problem::TooSmall))
    } else if n > MAX_SECONDS {
        Err(ValidationError::field(name, Problem::TooLarge))
    } else {
        Ok(Some(n))
    }
}

fn methods(value: Option<&Value>) -> Result<Option<String>, ValidationError> {
    match value {
        None => Ok(None),
        Some(Value::String(s)) if s.is_empty() || s == "POST" => Ok(Some(s.clone())),
        Some(_) => Err(ValidationError::field("methods", Problem::UnexpectedValue)),
    }
}

fn schedule(value: Option<&Value>) -> Result<Option<String>, ValidationError> {
    let Some(expr) = string(value, "schedule", Some(MAX_NAME))? else {
        return Ok(None);
    };
    // healthchecks asks for a match after 2000-01-01, so an expression whose next
    // match is years away is still accepted.
    let epoch = Utc.with_ymd_and_hms(2000, 1, 1, 0, 0, 0).single();
    let valid = epoch
        .is_some_and(|epoch| Schedule::validate_expression(&expr, chrono_tz::UTC, epoch).is_ok());
    if valid {
        Ok(Some(expr))
    } else {
        Err(ValidationError::field("schedule", Problem::BadSchedule))
    }
}

fn slug(value: Option<&Value>) -> Result<Option<String>, ValidationError> {
    let slug = string(value, "slug", Some(MAX_NAME))?;
    if let Some(s) = &slug {
        let allowed =
            |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_';
        if !s.chars().all(allowed) {
            return Err(ValidationError::field("slug", Problem::PatternMismatch));
        }
    }
    Ok(slug)
}

fn zone(value: Option<&Value>) -> Result<Option<String>, ValidationError> {
    let Some(name) = string(value, "tz", None)? else {
        return Ok(None);
    };
    match tz::api_zone(&name) {
        Some((stored, _)) => Ok(Some(stored.to_owned())),
        None => Err(ValidationError::field("tz", Problem::BadTimezone)),
    }
}

fn unique(value: Option<&Value>) -> Result<Option<Vec<UniqueField>>, ValidationError> {
    let items = match value {
        None => return Ok(None),
        Some(Value::Array(items)) => items,
        Some(_) => return Err(ValidationError::field("unique", Problem::NotAnArray)),
    };
    items
        .iter()
        .map(|item| {
            item.as_str()
                .and_then(UniqueField::parse)
                .ok_or(ValidationError {
                    subject: "an item in 'unique'".to_owned(),
                    problem: Problem::UnexpectedValue,
                })
        })
        .collect::<Result<Vec<_>, _>>()
        .map(Some)
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "tests")]
mod tests;
