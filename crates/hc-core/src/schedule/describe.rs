//! Cron expressions in plain English, for the schedule dialog's preview: `0 3 * * 1-5`
//! reads "At 03:00 on Monday through Friday".
//!
//! The words are built from the sets of values each field selects (the sets
//! [`CronExpr`] matches against), not from the text as written, so `*/1`, `0-59` and
//! `*` all read "every minute", and a description never promises a time the
//! expression does not fire at. Only expressions [`CronExpr::parse`] accepts are
//! described; `fields` reads what each field selects by its rules (cronsim's),
//! and a test compares the two on random expressions.

mod fields;

use self::fields::{bits, parse, Field, Selection};
use super::cron::CronExpr;

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
/// Sunday = 0, as cron counts.
const WEEKDAYS: [&str; 7] = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];
/// Weeks read Monday to Sunday, so `5-7` is "Friday through Sunday".
const WEEK_ORDER: [u32; 7] = [1, 2, 3, 4, 5, 6, 0];

/// A plain-English description of a valid 5-field cron expression; `None` when
/// [`CronExpr::parse`] rejects it.
pub fn describe(expr: &str) -> Option<String> {
    CronExpr::parse(expr).ok()?;
    let upper = expr.to_uppercase();
    let fields: Vec<&str> = upper
        .split(|c: char| c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c))
        .filter(|f| !f.is_empty())
        .collect();
    let [minute, hour, day, month, weekday] = fields[..] else {
        return None;
    };
    let sets = Sets {
        minutes: parse(Field::Minute, minute)?.values,
        hours: parse(Field::Hour, hour)?.values,
        days: parse(Field::Day, day)?,
        months: parse(Field::Month, month)?.values,
        weekdays: parse(Field::Weekday, weekday)?.sunday_as_zero(),
        day_and: day.starts_with('*') || weekday.starts_with('*'),
    };
    Some(sets.sentence())
}

/// What an expression selects, field by field (bit n set: value n selected).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Sets {
    minutes: u64,
    hours: u64,
    days: Selection,
    months: u64,
    weekdays: Selection,
    /// Debian cron: when either day field starts with `*`, a day must match both.
    day_and: bool,
}

fn values(set: u64, min: u32, max: u32) -> Vec<u32> {
    (min..=max).filter(|v| set & (1 << v) != 0).collect()
}

/// How a set of values reads.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Shape {
    All,
    /// Every `step`-th value from `first` to `last`; `whole` when that is the field's
    /// own pattern (starting at its minimum and running to its end).
    Step {
        step: u32,
        first: u32,
        last: u32,
        whole: bool,
    },
    /// Single values (`a == b`) and runs of three or more consecutive values.
    Items(Vec<(u32, u32)>),
}

fn shape(set: u64, min: u32, max: u32) -> Shape {
    let all = values(set, min, max);
    if all.len() == (max - min + 1) as usize {
        return Shape::All;
    }
    if let [first, second, .., last] = all[..] {
        let step = second - first;
        if all.len() >= 3 && step >= 2 && all.windows(2).all(|w| w[1] - w[0] == step) {
            return Shape::Step {
                step,
                first,
                last,
                whole: first == min && max - last < step,
            };
        }
    }
    Shape::Items(runs(&all))
}

/// Consecutive values grouped; a pair reads better as two values than as a range.
fn runs(all: &[u32]) -> Vec<(u32, u32)> {
    let mut out: Vec<(u32, u32)> = Vec::new();
    for &v in all {
        match out.last_mut() {
            Some((_, end)) if *end + 1 == v => *end = v,
            _ => out.push((v, v)),
        }
    }
    out.into_iter()
        .flat_map(|(a, b)| {
            if b == a + 1 {
                vec![(a, a), (b, b)]
            } else {
                vec![(a, b)]
            }
        })
        .collect()
}

/// "a", "a and b", "a, b, and c".
fn join(parts: &[String], word: &str) -> String {
    match parts {
        [] => String::new(),
        [one] => one.clone(),
        [a, b] => format!("{a} {word} {b}"),
        [rest @ .., last] => format!("{}, {word} {last}", rest.join(", ")),
    }
}

/// "second", "fifth", "15th": which of every n.
fn ordinal_word(n: u32) -> String {
    const WORDS: [&str; 11] = [
        "", "first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth",
        "tenth",
    ];
    match WORDS.get(n as usize) {
        Some(word) if n > 0 => (*word).to_owned(),
        _ => {
            let suffix = match (n % 10, n % 100) {
                (_, 11..=13) => "th",
                (1, _) => "st",
                (2, _) => "nd",
                (3, _) => "rd",
                _ => "th",
            };
            format!("{n}{suffix}")
        }
    }
}

/// "every minute", "every fifth minute", "minute 5", "hours 9 through 17 and 20".
fn unit_phrase(shape: &Shape, one: &str, many: &str, show: &dyn Fn(u32) -> String) -> String {
    match shape {
        Shape::All => format!("every {one}"),
        Shape::Step {
            step,
            first,
            last,
            whole,
        } => {
            let every = format!("every {} {one}", ordinal_word(*step));
            if *whole {
                every
            } else {
                format!("{every} from {} through {}", show(*first), show(*last))
            }
        }
        Shape::Items(items) => {
            let label = match items[..] {
                [(a, b)] if a == b => one,
                _ => many,
            };
            let parts: Vec<String> = items
                .iter()
                .map(|&(a, b)| {
                    if a == b {
                        show(a)
                    } else {
                        format!("{} through {}", show(a), show(b))
                    }
                })
                .collect();
            format!("{label} {}", join(&parts, "and"))
        }
    }
}

fn number(n: u32) -> String {
    n.to_string()
}

fn month_name(n: u32) -> String {
    MONTHS
        .get(n.saturating_sub(1) as usize)
        .map_or_else(|| n.to_string(), |m| (*m).to_owned())
}

fn weekday_name(n: u32) -> &'static str {
    WEEKDAYS.get(n as usize).copied().unwrap_or("Sunday")
}

impl Sets {
    fn sentence(&self) -> String {
        let (time, at_times) = self.time();
        let (date, names_month) = match self.date() {
            Some((date, names_month)) => (Some(date), names_month),
            None => (None, false),
        };
        let months = self.month_phrase().filter(|_| !names_month);
        let mut out = time;
        match (date, months) {
            (None, None) if at_times => out.push_str(" every day"),
            (None, None) => {}
            (None, Some(months)) => {
                if at_times {
                    out.push_str(" every day");
                }
                out.push(' ');
                out.push_str(&months);
            }
            (Some(date), months) => {
                out.push(' ');
                out.push_str(&date);
                if let Some(months) = months {
                    out.push(' ');
                    out.push_str(&months);
                }
            }
        }
        out
    }

    /// The time of day, and whether it names exact times ("At 03:00").
    fn time(&self) -> (String, bool) {
        let minutes = values(self.minutes, 0, 59);
        let hours = values(self.hours, 0, 23);
        let minute_shape = shape(self.minutes, 0, 59);
        let hour_shape = shape(self.hours, 0, 23);
        let contiguous = |v: &[u32]| match v {
            [first, .., last] => (last - first + 1) as usize == v.len(),
            [_] => true,
            [] => false,
        };
        if minute_shape == Shape::All && hour_shape == Shape::All {
            return ("Every minute".into(), false);
        }
        if minutes.len() * hours.len() <= 4 {
            let times: Vec<String> = hours
                .iter()
                .flat_map(|h| minutes.iter().map(move |m| format!("{h:02}:{m:02}")))
                .collect();
            return (format!("At {}", join(&times, "and")), true);
        }
        // Every minute (or every n-th) within a block of hours: "from 09:00 through 17:59".
        let every_minute = match minute_shape {
            Shape::All => Some("Every minute".to_owned()),
            Shape::Step {
                step, whole: true, ..
            } => Some(format!("Every {} minute", ordinal_word(step))),
            _ => None,
        };
        if let (Some(every), Some(first), Some(last)) = (&every_minute, hours.first(), hours.last())
        {
            if hour_shape != Shape::All && contiguous(&hours) {
                return (
                    format!("{every} from {first:02}:00 through {last:02}:59"),
                    false,
                );
            }
        }
        // One block of minutes in one hour: "from 11:00 through 11:10".
        if let ([hour], [first, .., last]) = (&hours[..], &minutes[..]) {
            if contiguous(&minutes) {
                return (
                    format!("Every minute from {hour:02}:{first:02} through {hour:02}:{last:02}"),
                    false,
                );
            }
        }
        if hour_shape == Shape::All {
            if minutes == [0] {
                return ("At the start of every hour".into(), false);
            }
            let words = unit_phrase(&minute_shape, "minute", "minutes", &number);
            return match (&every_minute, &minute_shape) {
                (Some(every), _) => (every.clone(), false),
                (None, Shape::Items(_)) => (format!("At {words} of every hour"), false),
                (None, _) => (format!("{} of every hour", capitalise(&words)), false),
            };
        }
        let hour_words = unit_phrase(&hour_shape, "hour", "hours", &number);
        let minute_words = unit_phrase(&minute_shape, "minute", "minutes", &number);
        let lead = match minute_shape {
            Shape::Items(_) => format!("At {minute_words}"),
            _ => capitalise(&minute_words),
        };
        (format!("{lead} past {hour_words}"), false)
    }

    /// Which days, when not every day, and whether that names the month too.
    fn date(&self) -> Option<(String, bool)> {
        let day_full = self.days.values == bits(1, 31);
        let weekday_full = self.weekdays.values & 0x7f == 0x7f;
        if self.day_and {
            match (day_full, weekday_full) {
                (true, true) => None,
                (true, false) => Some((format!("on {}", self.weekday_phrase("and")), false)),
                (false, true) => Some(self.day_phrase(true)),
                (false, false) => {
                    let (days, names_month) = self.day_phrase(true);
                    let weekdays = self.weekday_phrase("or");
                    Some((format!("{days} if it is {weekdays}"), names_month))
                }
            }
        } else if day_full || weekday_full {
            None
        } else {
            // Either day matches, so the month must stay a separate condition.
            let (days, _) = self.day_phrase(false);
            let weekdays = self.weekday_phrase("and");
            Some((format!("{days} and on {weekdays}"), false))
        }
    }

    /// "on day 15 of the month", "on every second day of the month", or, with
    /// `with_month` and one day of one month, "on January 1" (true: the month is named).
    fn day_phrase(&self, with_month: bool) -> (String, bool) {
        let days = self.days;
        let months = values(self.months, 1, 12);
        if let ([month], false, false, true) =
            (&months[..], days.last_day, days.last_weekday, with_month)
        {
            if days.values.count_ones() == 1 {
                let day = days.values.trailing_zeros();
                return (format!("on {} {day}", month_name(*month)), true);
            }
        }
        let mut parts = Vec::new();
        if days.values != 0 {
            let shape = shape(days.values, 1, 31);
            parts.push(match shape {
                Shape::Step {
                    step,
                    first,
                    last,
                    whole,
                } => {
                    let every = format!("every {} day", ordinal_word(step));
                    if whole {
                        every
                    } else {
                        format!("{every} from day {first} through day {last}")
                    }
                }
                _ => unit_phrase(&shape, "day", "days", &number),
            });
        }
        if days.last_day {
            parts.push("the last day".into());
        }
        if days.last_weekday {
            parts.push("the last weekday".into());
        }
        (format!("on {} of the month", join(&parts, "and")), false)
    }

    /// "Monday through Friday", "the second Monday of the month".
    fn weekday_phrase(&self, word: &str) -> String {
        let w = self.weekdays;
        let mut parts = Vec::new();
        let order: Vec<u32> = WEEK_ORDER
            .iter()
            .copied()
            .filter(|d| w.values & (1 << d) != 0)
            .collect();
        // Runs over Monday-first positions.
        let position = |d: u32| (d + 6) % 7;
        let mut groups: Vec<(u32, u32)> = Vec::new();
        for d in order {
            match groups.last_mut() {
                Some((_, end)) if position(*end) + 1 == position(d) => *end = d,
                _ => groups.push((d, d)),
            }
        }
        for (a, b) in groups {
            let span = position(b) - position(a);
            match span {
                0 => parts.push(weekday_name(a).to_owned()),
                1 => {
                    parts.push(weekday_name(a).to_owned());
                    parts.push(weekday_name(b).to_owned());
                }
                _ => parts.push(format!("{} through {}", weekday_name(a), weekday_name(b))),
            }
        }
        for d in WEEK_ORDER {
            let nth = w.nth.get(d as usize).copied().unwrap_or(0);
            for k in 1..=5u32 {
                if nth & (1 << k) != 0 {
                    parts.push(format!(
                        "the {} {} of the month",
                        ordinal_word(k),
                        weekday_name(d)
                    ));
                }
            }
            if w.last_weekdays & (1 << d) != 0 {
                parts.push(format!("the last {} of the month", weekday_name(d)));
            }
        }
        join(&parts, word)
    }

    fn month_phrase(&self) -> Option<String> {
        let shape = shape(self.months, 1, 12);
        match shape {
            Shape::All => None,
            Shape::Step {
                step,
                first,
                last,
                whole,
            } => {
                let every = format!("in every {} month", ordinal_word(step));
                Some(if whole {
                    every
                } else {
                    format!(
                        "{every} from {} through {}",
                        month_name(first),
                        month_name(last)
                    )
                })
            }
            Shape::Items(items) => {
                let parts: Vec<String> = items
                    .iter()
                    .map(|&(a, b)| {
                        if a == b {
                            month_name(a)
                        } else {
                            format!("{} through {}", month_name(a), month_name(b))
                        }
                    })
                    .collect();
                Some(format!("in {}", join(&parts, "and")))
            }
        }
    }
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "tests")]
mod tests;
