//! Cron schedules: healthchecks' (cronsim 2.7) 5-field semantics, evaluated in an IANA zone.
//!
//! healthchecks asks the Python library cronsim when a cron check's next ping is due.
//! This module reproduces cronsim's parser, quirks and error messages included, and
//! its rules for finding the next match; it finds that match by jumping over months
//! and days with bit masks rather than by stepping a clock.
//!
//! In a zone with DST an expression is evaluated in one of two ways, as in cronsim:
//!
//! * **Wall-clock**, when neither the minute nor the hour field starts with `*` (a job
//!   "at 02:30"): the fields are matched against local wall-clock time, as Debian cron
//!   does. A matching wall time that a spring-forward transition skips fires at the end
//!   of the gap; one that a fall-back transition repeats fires once, at its first
//!   occurrence.
//! * **Absolute**, for everything else (`*/15 * * * *`, `0 * * * *`): the matches are the
//!   real instants whose local time, with the offset in force at that instant, matches
//!   the fields. Both copies of a repeated hour match; a skipped hour matches nothing.
//!
//! One deliberate difference: cronsim compares wall-clock expressions on naive local
//! time, so right after a ping in the second copy of a repeated hour it can answer with
//! the first copy, an instant in the past. We never answer at or before `after`.

use chrono::{
    DateTime, Datelike, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, Offset, SubsecRound,
    TimeDelta, TimeZone, Timelike, Utc,
};
use chrono_tz::{GapInfo, Tz};

/// Why an expression was rejected; the messages are cronsim's, shown to users as is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CronError {
    #[error("Wrong number of fields")]
    WrongNumberOfFields,
    #[error("Bad minute")]
    BadMinute,
    #[error("Bad hour")]
    BadHour,
    #[error("Bad day-of-month")]
    BadDayOfMonth,
    #[error("Bad month")]
    BadMonth,
    #[error("Bad day-of-week")]
    BadDayOfWeek,
}

/// A parsed 5-field cron expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CronExpr {
    /// Bit n set: minute n matches. Hours, days and months likewise.
    minutes: u64,
    hours: u64,
    days: u64,
    /// `L` in the day-of-month field.
    last_day: bool,
    /// `LW` in the day-of-month field.
    last_weekday: bool,
    months: u64,
    /// Bit w set: weekday w matches (Sunday = 0).
    weekdays: u64,
    /// Bit w set: the last weekday w of the month matches (`wL`).
    last_weekdays: u64,
    /// Bit k of entry w set: the k-th weekday w of the month matches (`w#k`).
    nth_weekdays: [u8; 7],
    /// Debian cron: when either day field starts with `*`, a day must match both.
    day_and: bool,
    /// Matched on local wall-clock time rather than on real instants (see the module doc).
    wall_clock: bool,
}

/// cronsim gives up once its search passes this many years after the start year.
const HORIZON_YEARS: i32 = 50;
const MONTH_NAMES: [&str; 12] = [
    "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
];
const DAY_NAMES: [&str; 7] = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];
/// The longest each month can be; cronsim counts February as 29 days.
const LONGEST_MONTH: [u32; 13] = [0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
/// Bits 1, 8, 15, 22 and 29: the days of a month that share a weekday with the 1st.
const SAME_WEEKDAY_AS_FIRST: u64 = 0x2040_8102;
/// How far past a skipped wall time to look for one that exists, should the zone data
/// not say where the gap ends; the longest real gap is Samoa's lost day in 2011.
const LONGEST_GAP_MINUTES: u32 = 2 * 24 * 60;

impl std::str::FromStr for CronExpr {
    type Err = CronError;

    fn from_str(expr: &str) -> Result<Self, Self::Err> {
        Self::parse(expr)
    }
}

impl CronExpr {
    /// Parses a 5-field expression (case-insensitive names, whitespace separated).
    pub fn parse(expr: &str) -> Result<Self, CronError> {
        let upper = expr.to_uppercase();
        let parts: Vec<&str> = upper
            .split(is_python_whitespace)
            .filter(|part| !part.is_empty())
            .collect();
        let [minute, hour, day, month, weekday] = parts[..] else {
            return Err(CronError::WrongNumberOfFields);
        };

        // cronsim parses the fields in order and only then checks the day against the
        // months, so a bad day-of-week is reported before an impossible day.
        let minutes = parse_field(Field::Minute, minute)?;
        let hours = parse_field(Field::Hour, hour)?;
        let days = parse_field(Field::Day, day)?;
        let months = parse_field(Field::Month, month)?;
        let weekdays = parse_field(Field::Weekday, weekday)?;
        if never_occurs(&days, months.values) {
            return Err(CronError::BadDayOfMonth);
        }

        let mut nth_weekdays = [0; 7];
        for (weekday, nth) in weekdays.nth_weekdays.iter().enumerate() {
            nth_weekdays[weekday % 7] |= nth;
        }
        Ok(Self {
            minutes: minutes.values,
            hours: hours.values,
            days: days.values,
            last_day: days.last_day,
            last_weekday: days.last_weekday,
            months: months.values,
            weekdays: sunday_as_zero(weekdays.values),
            last_weekdays: sunday_as_zero(weekdays.last_weekdays),
            nth_weekdays,
            day_and: day.starts_with('*') || weekday.starts_with('*'),
            wall_clock: !minute.starts_with('*') && !hour.starts_with('*'),
        })
    }

    /// The first match strictly after `after` truncated to whole seconds, evaluated in `tz`;
    /// None when there is none within 50 years.
    pub fn next_after(&self, after: DateTime<Utc>, tz: Tz) -> Option<DateTime<Utc>> {
        let after = after.trunc_subsecs(0).naive_utc();
        let wall = after.checked_add_signed(offset_at(tz, after))?;
        // cronsim's limit counts from the local year of the first second it looks at.
        let first = after.checked_add_signed(TimeDelta::seconds(1))?;
        let first_year = tz.from_utc_datetime(&first).year();
        let horizon = NaiveDate::from_ymd_opt(first_year.checked_add(HORIZON_YEARS + 1)?, 1, 1)?
            .and_time(NaiveTime::MIN);
        let found = if self.wall_clock {
            self.next_wall_clock(tz, after, wall, horizon)
        } else {
            self.next_absolute(tz, after, wall, horizon)
        };
        found.map(|utc| utc.and_utc())
    }

    /// Wall-clock mode: the first matching local time whose resolved instant is after `after`.
    fn next_wall_clock(
        &self,
        tz: Tz,
        after: NaiveDateTime,
        wall: NaiveDateTime,
        horizon: NaiveDateTime,
    ) -> Option<NaiveDateTime> {
        let mut from = wall.checked_add_signed(TimeDelta::seconds(1))?;
        loop {
            let local = self.next_match(from, horizon)?;
            let at = resolve_wall_clock(tz, local)?;
            if at > after {
                return Some(at);
            }
            // `local` is the first copy of a repeated wall time that `after` lies beyond.
            from = local.checked_add_signed(TimeDelta::minutes(1))?;
        }
    }

    /// Absolute mode: the earliest real instant after `after` whose local time matches.
    fn next_absolute(
        &self,
        tz: Tz,
        after: NaiveDateTime,
        wall: NaiveDateTime,
        horizon: NaiveDateTime,
    ) -> Option<NaiveDateTime> {
        // A fall-back transition can take the wall clock back across midnight, so the
        // date before `wall` can still show a later instant.
        let mut day = wall.date().pred_opt()?;
        loop {
            day = self
                .next_match(day.and_time(NaiveTime::MIN), horizon)?
                .date();
            if let Some(found) = self.first_on_day(tz, day, after, horizon) {
                if !found.near_transition {
                    return Some(found.at);
                }
                // Around a transition the next date's first instant may come earlier.
                let next = day
                    .succ_opt()
                    .and_then(|next| self.first_on_day(tz, next, after, horizon));
                return Some(next.map_or(found.at, |next| next.at.min(found.at)));
            }
            day = day.succ_opt()?;
        }
    }

    /// The earliest instant after `after` whose wall-clock time is a match on `day`.
    fn first_on_day(
        &self,
        tz: Tz,
        day: NaiveDate,
        after: NaiveDateTime,
        horizon: NaiveDateTime,
    ) -> Option<DayMatch> {
        let midnight = day.and_time(NaiveTime::MIN);
        let day_end = day.succ_opt()?.and_time(NaiveTime::MIN);
        // Offsets are under a day, so every instant showing `day` lies in these three days
        // (as UTC). No offset in the tz database lasts under a day (the shortest in
        // chrono-tz 0.10's data last about a week), so each probed day holds at most one
        // change of offset, found by bisection; between changes the wall clock reads
        // `utc + offset`.
        let probes = [
            midnight.checked_sub_signed(TimeDelta::days(1))?,
            midnight,
            day_end,
            day_end.checked_add_signed(TimeDelta::days(1))?,
        ];
        let offsets = probes.map(|probe| offset_at(tz, probe));
        let near_transition = offsets.windows(2).any(|pair| pair[0] != pair[1]);
        let bounds = DayBounds {
            start: midnight,
            end: day_end.min(horizon),
            after,
        };
        for i in 0..probes.len() - 1 {
            let change = if offsets[i] == offsets[i + 1] {
                probes[i + 1]
            } else {
                find_transition(tz, probes[i], probes[i + 1], offsets[i])?
            };
            let spans = [
                (probes[i], change, offsets[i]),
                (change, probes[i + 1], offsets[i + 1]),
            ];
            for (from, to, offset) in spans {
                if let Some(at) = self.first_in_span(from, to, offset, &bounds) {
                    return Some(DayMatch {
                        at,
                        near_transition,
                    });
                }
            }
        }
        None
    }

    /// The first instant in `[from, to)`, where the wall clock reads `utc + offset`, that
    /// is a match inside `bounds`.
    fn first_in_span(
        &self,
        from: NaiveDateTime,
        to: NaiveDateTime,
        offset: TimeDelta,
        bounds: &DayBounds,
    ) -> Option<NaiveDateTime> {
        let not_before = bounds
            .after
            .checked_add_signed(offset + TimeDelta::seconds(1))?;
        let lo = bounds
            .start
            .max(from.checked_add_signed(offset)?)
            .max(not_before);
        let hi = bounds.end.min(to.checked_add_signed(offset)?);
        if lo >= hi {
            return None;
        }
        self.next_match(lo, hi)?.checked_sub_signed(offset)
    }

    /// The first whole-minute local time in `[lo, hi)` that matches every field.
    fn next_match(&self, lo: NaiveDateTime, hi: NaiveDateTime) -> Option<NaiveDateTime> {
        let lo = ceil_to_minute(lo)?;
        let mut date = lo.date();
        let mut from_time = (lo.hour(), lo.minute());
        while date.and_time(NaiveTime::MIN) < hi {
            if self.months & (1 << date.month()) != 0 {
                let mut days = self.day_mask(date.year(), date.month()) >> date.day() << date.day();
                while days != 0 {
                    let day = days.trailing_zeros();
                    days &= days - 1;
                    let (hour, minute) = if day == date.day() { from_time } else { (0, 0) };
                    if let Some((hour, minute)) = self.next_time(hour, minute) {
                        let found = date.with_day(day)?.and_hms_opt(hour, minute, 0)?;
                        return (found < hi).then_some(found);
                    }
                }
            }
            date = first_of_next_month(date)?;
            from_time = (0, 0);
        }
        None
    }

    /// The first matching (hour, minute) at or after the given one on a matching day.
    fn next_time(&self, hour: u32, minute: u32) -> Option<(u32, u32)> {
        if self.hours & (1 << hour) != 0 {
            if let Some(minute) = next_bit(self.minutes, minute) {
                return Some((hour, minute));
            }
        }
        let hour = next_bit(self.hours, hour + 1)?;
        Some((hour, next_bit(self.minutes, 0)?))
    }

    /// Bit d set: day d of the month matches both day fields, combined as cron does.
    fn day_mask(&self, year: i32, month: u32) -> u64 {
        let Some(first) = NaiveDate::from_ymd_opt(year, month, 1) else {
            return 0;
        };
        let len = days_in_month(year, month);
        let in_month = ((1u64 << (len + 1)) - 1) & !1;

        let mut by_date = self.days & in_month;
        if self.last_day {
            by_date |= 1 << len;
        }
        if self.last_weekday {
            by_date |= 1 << last_weekday_of_month(first, len);
        }

        let first_weekday = first.weekday().num_days_from_sunday();
        let mut by_weekday = 0;
        for weekday in 0..7 {
            let first_day = 1 + (weekday + 7 - first_weekday) % 7;
            let all = (SAME_WEEKDAY_AS_FIRST << (first_day - 1)) & in_month;
            if self.weekdays & (1 << weekday) != 0 {
                by_weekday |= all;
            }
            if self.last_weekdays & (1 << weekday) != 0 && all != 0 {
                by_weekday |= 1 << (63 - all.leading_zeros());
            }
            for nth in 1..=5 {
                if self.nth_weekdays[weekday as usize] & (1 << nth) != 0 {
                    by_weekday |= (1 << (first_day + 7 * (nth - 1))) & in_month;
                }
            }
        }

        if self.day_and {
            by_date & by_weekday
        } else {
            by_date | by_weekday
        }
    }
}

/// A match found on one local date.
struct DayMatch {
    at: NaiveDateTime,
    /// The offset changes within a day of this date, so the next date needs a look too.
    near_transition: bool,
}

/// The local times a search on one date may return: `[start, end)`, and showing an
/// instant after `after`.
struct DayBounds {
    start: NaiveDateTime,
    end: NaiveDateTime,
    after: NaiveDateTime,
}

/// The instant (as naive UTC) at which cronsim fires a matching wall-clock time.
fn resolve_wall_clock(tz: Tz, local: NaiveDateTime) -> Option<NaiveDateTime> {
    match tz.from_local_datetime(&local) {
        LocalResult::Single(at) | LocalResult::Ambiguous(at, _) => Some(at.naive_utc()),
        LocalResult::None => {
            // cronsim moves a skipped time forward a minute at a time until it exists,
            // which is the first whole minute at or after the end of the gap.
            let mut candidate = GapInfo::new(&local, &tz)
                .and_then(|gap| gap.end)
                .and_then(|end| ceil_to_minute(end.naive_local()))
                .unwrap_or(local);
            for _ in 0..LONGEST_GAP_MINUTES {
                if let Some(at) = tz.from_local_datetime(&candidate).earliest() {
                    return Some(at.naive_utc());
                }
                candidate = candidate.checked_add_signed(TimeDelta::minutes(1))?;
            }
            None
        }
    }
}

/// The first instant in `(lo, hi]` whose offset differs from `before`, the offset at `lo`.
/// Offsets change on whole seconds, so the search runs on seconds.
fn find_transition(
    tz: Tz,
    lo: NaiveDateTime,
    hi: NaiveDateTime,
    before: TimeDelta,
) -> Option<NaiveDateTime> {
    let (mut lo, mut hi) = (lo.and_utc().timestamp(), hi.and_utc().timestamp());
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        let mid_offset = offset_at(tz, DateTime::from_timestamp(mid, 0)?.naive_utc());
        if mid_offset == before {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    Some(DateTime::from_timestamp(hi, 0)?.naive_utc())
}

/// The UTC offset in force at a (naive UTC) instant.
fn offset_at(tz: Tz, utc: NaiveDateTime) -> TimeDelta {
    let seconds = tz.offset_from_utc_datetime(&utc).fix().local_minus_utc();
    TimeDelta::seconds(i64::from(seconds))
}

fn ceil_to_minute(time: NaiveDateTime) -> Option<NaiveDateTime> {
    let floor = time.with_second(0)?.with_nanosecond(0)?;
    if floor == time {
        Some(time)
    } else {
        floor.checked_add_signed(TimeDelta::minutes(1))
    }
}

fn first_of_next_month(date: NaiveDate) -> Option<NaiveDate> {
    match date.month() {
        12 => NaiveDate::from_ymd_opt(date.year().checked_add(1)?, 1, 1),
        month => NaiveDate::from_ymd_opt(date.year(), month + 1, 1),
    }
}

fn days_in_month(year: i32, month: u32) -> u32 {
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    match month {
        2 if leap => 29,
        2 => 28,
        month => LONGEST_MONTH[month as usize],
    }
}

/// The last Monday-to-Friday of the month that starts on `first` and has `len` days.
fn last_weekday_of_month(first: NaiveDate, len: u32) -> u32 {
    match (first.weekday().num_days_from_monday() + len - 1) % 7 {
        5 => len - 1,
        6 => len - 2,
        _ => len,
    }
}

/// The lowest set bit of `mask` at or above `from`.
fn next_bit(mask: u64, from: u32) -> Option<u32> {
    let above = mask.checked_shr(from)?.checked_shl(from)?;
    (above != 0).then(|| above.trailing_zeros())
}

/// Folds weekday 7 into 0: both are Sunday.
fn sunday_as_zero(bits: u64) -> u64 {
    (bits & 0x7f) | ((bits >> 7) & 1)
}

/// What Python's `str.split()` splits on: Unicode whitespace plus the four ASCII
/// information separators.
fn is_python_whitespace(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

/// cronsim's check that a day-of-month made only of numbers can occur in some selected
/// month (`31 2` is rejected, `29 2` is not).
fn never_occurs(days: &Selection, months: u64) -> bool {
    if days.last_day || days.last_weekday || days.values == 0 {
        return false;
    }
    let first_day = days.values.trailing_zeros();
    let longest = (1..=12)
        .filter(|month| months & (1 << month) != 0)
        .map(|month| LONGEST_MONTH[month])
        .max()
        .unwrap_or(0);
    first_day > 29 && first_day > longest
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    Minute,
    Hour,
    Day,
    Month,
    Weekday,
}

impl Field {
    fn range(self) -> (u32, u32) {
        match self {
            Field::Minute => (0, 59),
            Field::Hour => (0, 23),
            Field::Day => (1, 31),
            Field::Month => (1, 12),
            Field::Weekday => (0, 7),
        }
    }

    fn error(self) -> CronError {
        match self {
            Field::Minute => CronError::BadMinute,
            Field::Hour => CronError::BadHour,
            Field::Day => CronError::BadDayOfMonth,
            Field::Month => CronError::BadMonth,
            Field::Weekday => CronError::BadDayOfWeek,
        }
    }

    /// A number or, in the month and day-of-week fields, a three-letter name.
    fn value(self, text: &str) -> Result<u32, CronError> {
        let named = match self {
            Field::Month => MONTH_NAMES
                .iter()
                .position(|name| *name == text)
                .map(|i| i + 1),
            Field::Weekday => DAY_NAMES.iter().position(|name| *name == text),
            _ => None,
        };
        if let Some(value) = named.and_then(|i| u32::try_from(i).ok()) {
            return Ok(value);
        }
        let (min, max) = self.range();
        digits(text)
            .and_then(|value| u32::try_from(value).ok())
            .filter(|value| (min..=max).contains(value))
            .ok_or(self.error())
    }
}

/// What one field, or one item of a list, selects.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Selection {
    values: u64,
    last_day: bool,
    last_weekday: bool,
    /// Indexed by weekday 0–7, as written.
    last_weekdays: u64,
    nth_weekdays: [u8; 8],
}

impl Selection {
    fn values(values: u64) -> Self {
        Self {
            values,
            ..Self::default()
        }
    }

    fn union(mut self, other: Self) -> Self {
        self.values |= other.values;
        self.last_day |= other.last_day;
        self.last_weekday |= other.last_weekday;
        self.last_weekdays |= other.last_weekdays;
        for (mine, theirs) in self.nth_weekdays.iter_mut().zip(other.nth_weekdays) {
            *mine |= theirs;
        }
        self
    }
}

/// Parses one field the way cronsim's `Field.parse` does. The order of the checks is
/// cronsim's and decides what is accepted: `,` splits first, so `1,2/3` is a list, and
/// a `/` after `L` or `#` in the day-of-week field is an error.
fn parse_field(field: Field, text: &str) -> Result<Selection, CronError> {
    let (min, max) = field.range();
    if text == "*" {
        return Ok(Selection::values(bit_range(min, max)));
    }
    if text.contains(',') {
        return text.split(',').try_fold(Selection::default(), |all, item| {
            Ok(all.union(parse_field(field, item)?))
        });
    }
    if field == Field::Weekday {
        if text.contains('L') {
            // cronsim drops the last character and wants digits before it: `5L`, while
            // `MONL` is an error rather than Monday.
            let number = text.char_indices().last().map_or("", |(i, _)| &text[..i]);
            digits(number).ok_or(field.error())?;
            let weekday = field.value(number)?;
            return Ok(Selection {
                last_weekdays: 1 << weekday,
                ..Selection::default()
            });
        }
        if let Some((weekday, nth)) = text.split_once('#') {
            let nth = digits(nth)
                .filter(|nth| (1..=5).contains(nth))
                .ok_or(field.error())?;
            let mut selection = Selection::default();
            selection.nth_weekdays[field.value(weekday)? as usize] = 1 << nth;
            return Ok(selection);
        }
    }
    if let Some((base, step)) = text.split_once('/') {
        let step = digits(step).filter(|&step| step > 0).ok_or(field.error())?;
        let base = parse_field(field, base)?;
        if base.values == 0 {
            // `L/2` and `LW/2`: cronsim ignores the step.
            return Ok(base);
        }
        return Ok(Selection::values(step_values(base.values, step, max)));
    }
    if let Some((start, end)) = text.split_once('-') {
        let (start, end) = (field.value(start)?, field.value(end)?);
        if end < start {
            return Err(field.error());
        }
        return Ok(Selection::values(bit_range(start, end)));
    }
    match (field, text) {
        (Field::Day, "LW") => Ok(Selection {
            last_weekday: true,
            ..Selection::default()
        }),
        (Field::Day, "L") => Ok(Selection {
            last_day: true,
            ..Selection::default()
        }),
        _ => Ok(Selection::values(1 << field.value(text)?)),
    }
}

/// Every `step`-th selected value; a single value `n` means `n` to the field's maximum,
/// so `5/15` is 5,20,35,50 and, quirk included, so is `5-5/15`.
fn step_values(values: u64, step: u64, max: u32) -> u64 {
    let step = usize::try_from(step).unwrap_or(usize::MAX);
    let values = if values.count_ones() == 1 {
        bit_range(values.trailing_zeros(), max)
    } else {
        values
    };
    (0..64)
        .filter(|bit| values & (1 << bit) != 0)
        .step_by(step)
        .fold(0, |stepped, bit| stepped | 1 << bit)
}

fn bit_range(start: u32, end: u32) -> u64 {
    (start..=end).fold(0, |bits, bit| bits | 1 << bit)
}

/// A non-empty run of ASCII digits, saturating rather than overflowing: cronsim accepts
/// any step however large (`*/99999999999999999999` is just `0`).
fn digits(text: &str) -> Option<u64> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(text.bytes().fold(0u64, |value, b| {
        value.saturating_mul(10).saturating_add(u64::from(b - b'0'))
    }))
}

#[cfg(test)]
// Fixtures are literals; a panic is the failure report we want.
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    mod parsing {
        use super::*;

        fn bits(values: impl IntoIterator<Item = u32>) -> u64 {
            values.into_iter().fold(0, |all, v| all | 1 << v)
        }

        fn parse(expr: &str) -> CronExpr {
            CronExpr::parse(expr).unwrap_or_else(|e| panic!("{expr:?}: {e}"))
        }

        fn minutes(field: &str) -> u64 {
            parse(&format!("{field} * * * *")).minutes
        }

        fn weekdays(field: &str) -> CronExpr {
            parse(&format!("* * * * {field}"))
        }

        #[test]
        fn stars_select_everything() {
            let expr = parse("* * * * *");
            assert_eq!(expr.minutes, bits(0..60));
            assert_eq!(expr.hours, bits(0..24));
            assert_eq!(expr.days, bits(1..32));
            assert_eq!(expr.months, bits(1..13));
            assert_eq!(expr.weekdays, bits(0..7));
            assert!(expr.day_and);
            assert!(!expr.wall_clock);
        }

        #[test]
        fn numbers_lists_ranges_and_steps() {
            assert_eq!(minutes("7"), bits([7]));
            assert_eq!(minutes("007"), bits([7]));
            assert_eq!(minutes("1,2,3"), bits([1, 2, 3]));
            assert_eq!(minutes("1-3"), bits([1, 2, 3]));
            assert_eq!(minutes("1-3,7-9"), bits([1, 2, 3, 7, 8, 9]));
            assert_eq!(minutes("*/15"), bits([0, 15, 30, 45]));
            assert_eq!(minutes("0-10/2"), bits([0, 2, 4, 6, 8, 10]));
            assert_eq!(minutes("5/15"), bits([5, 20, 35, 50]));
            assert_eq!(minutes("1,2/30"), bits([1, 2, 32]));
            assert_eq!(minutes("*/99999999999999999999"), bits([0]));
        }

        #[test]
        fn a_one_value_range_with_a_step_runs_to_the_maximum() {
            // cronsim treats any single value before `/` as "from here to the end".
            assert_eq!(minutes("5-5/15"), bits([5, 20, 35, 50]));
        }

        #[test]
        fn month_and_weekday_names_in_any_case() {
            assert_eq!(parse("* * * JAN *").months, bits([1]));
            assert_eq!(parse("* * * jan-Mar *").months, bits([1, 2, 3]));
            assert_eq!(parse("* * * JAN/3 *").months, bits([1, 4, 7, 10]));
            assert_eq!(weekdays("MON").weekdays, bits([1]));
            assert_eq!(weekdays("sun-tue").weekdays, bits([0, 1, 2]));
            assert_eq!(weekdays("mon-fri").weekdays, bits(1..6));
            assert_eq!(weekdays("Sat").weekdays, bits([6]));
            assert_eq!(weekdays("mon#2").nth_weekdays[1], 1 << 2);
        }

        #[test]
        fn sunday_is_0_and_7() {
            assert_eq!(weekdays("0").weekdays, bits([0]));
            assert_eq!(weekdays("7").weekdays, bits([0]));
            assert_eq!(weekdays("5-7").weekdays, bits([0, 5, 6]));
            // Steps run over 0–7, so `*/7` is Sunday twice and `*/2` stops at 6.
            assert_eq!(weekdays("*/7").weekdays, bits([0]));
            assert_eq!(weekdays("*/2").weekdays, bits([0, 2, 4, 6]));
            assert_eq!(weekdays("1-7/3").weekdays, bits([0, 1, 4]));
            assert_eq!(weekdays("7L").last_weekdays, bits([0]));
            assert_eq!(weekdays("0L").last_weekdays, bits([0]));
            assert_eq!(weekdays("7#1").nth_weekdays[0], 1 << 1);
        }

        #[test]
        fn last_day_and_last_weekday() {
            for field in ["L", "l", "L/2"] {
                let expr = parse(&format!("* * {field} * *"));
                assert!(
                    expr.last_day && !expr.last_weekday && expr.days == 0,
                    "{field}"
                );
            }
            for field in ["LW", "lw", "LW/2"] {
                let expr = parse(&format!("* * {field} * *"));
                assert!(
                    expr.last_weekday && !expr.last_day && expr.days == 0,
                    "{field}"
                );
            }
            let expr = parse("* * L,LW,15 * *");
            assert!(expr.last_day && expr.last_weekday);
            assert_eq!(expr.days, bits([15]));
        }

        #[test]
        fn last_and_nth_weekdays() {
            assert_eq!(weekdays("5L").last_weekdays, bits([5]));
            assert_eq!(weekdays("1#2").nth_weekdays, [0, 1 << 2, 0, 0, 0, 0, 0]);
            let mixed = weekdays("1,2,3#1,5L");
            assert_eq!(mixed.weekdays, bits([1, 2]));
            assert_eq!(mixed.nth_weekdays[3], 1 << 1);
            assert_eq!(mixed.last_weekdays, bits([5]));
        }

        #[test]
        fn day_fields_combine_with_and_when_either_starts_with_a_star() {
            assert!(parse("* * * * *").day_and);
            assert!(parse("0 0 1 * *").day_and);
            assert!(parse("0 0 * * 1").day_and);
            assert!(parse("0 0 */2 * 1").day_and);
            assert!(parse("0 0 1 * */2").day_and);
            assert!(!parse("0 0 1 * 1").day_and);
            assert!(!parse("0 0 1,* * 1").day_and);
            assert!(!parse("0 0 L * 5L").day_and);
        }

        #[test]
        fn wall_clock_when_neither_minute_nor_hour_starts_with_a_star() {
            assert!(parse("30 2 * * *").wall_clock);
            assert!(parse("0 9,17 * * 1-5").wall_clock);
            assert!(parse("0-59 0-23 * * *").wall_clock);
            assert!(parse("5,*/10 1,* * * *").wall_clock);
            assert!(!parse("*/15 2 * * *").wall_clock);
            assert!(!parse("0 */2 * * *").wall_clock);
            assert!(!parse("0 * * * *").wall_clock);
        }

        #[test]
        fn whitespace_splits_fields() {
            let expr = parse("  0\t0 *\u{a0}*\n *  ");
            assert_eq!(expr, parse("0 0 * * *"));
            // Python's str.split() also splits on the ASCII information separators.
            assert_eq!(parse("0\u{1f}0 * * *"), parse("0 0 * * *"));
        }

        #[test]
        fn from_str_parses() {
            let expr: CronExpr = "0 0 * * *".parse().unwrap();
            assert_eq!(expr, parse("0 0 * * *"));
            assert_eq!(
                "0 0 * *".parse::<CronExpr>(),
                Err(CronError::WrongNumberOfFields)
            );
        }

        #[test]
        fn days_that_never_occur_in_the_selected_months_are_rejected() {
            for expr in [
                "0 0 31 2 *",
                "0 0 30 2 *",
                "0 0 31 4,6 *",
                "0 0 30-31 FEB *",
            ] {
                assert_eq!(
                    CronExpr::parse(expr),
                    Err(CronError::BadDayOfMonth),
                    "{expr}"
                );
            }
            for expr in [
                "0 0 29 2 *",
                "0 0 30,31 4 *",
                "0 0 31 4,5 *",
                "0 0 L 2 *",
                "0 0 30,L 2 *",
                "0 0 1,31 2 *",
            ] {
                assert!(CronExpr::parse(expr).is_ok(), "{expr}");
            }
            // Every field is parsed before this check runs.
            assert_eq!(CronExpr::parse("0 0 31 2 X"), Err(CronError::BadDayOfWeek));
        }

        #[test]
        fn errors_name_the_field() {
            use CronError::*;
            let cases: &[(&str, CronError)] = &[
                ("", WrongNumberOfFields),
                ("* * * *", WrongNumberOfFields),
                ("0 * * * * *", WrongNumberOfFields),
                ("60 * * * *", BadMinute),
                ("-1 * * * *", BadMinute),
                ("a * * * *", BadMinute),
                ("*/0 * * * *", BadMinute),
                ("1-1_0 * * * *", BadMinute),
                ("5-1 * * * *", BadMinute),
                ("1, * * * *", BadMinute),
                (",1 * * * *", BadMinute),
                ("1//2 * * * *", BadMinute),
                ("/2 * * * *", BadMinute),
                ("2/ * * * *", BadMinute),
                ("1-2-3 * * * *", BadMinute),
                ("\u{b9} * * * *", BadMinute),
                ("L * * * *", BadMinute),
                ("JAN * * * *", BadMinute),
                ("* 24 * * *", BadHour),
                ("* */0 * * *", BadHour),
                ("* MON * * *", BadHour),
                ("* * 0 * *", BadDayOfMonth),
                ("* * 32 * *", BadDayOfMonth),
                ("* * 5-1 * *", BadDayOfMonth),
                ("* * LL * *", BadDayOfMonth),
                ("* * LWX * *", BadDayOfMonth),
                ("* * W * *", BadDayOfMonth),
                ("* * 5L * *", BadDayOfMonth),
                ("* * L-5 * *", BadDayOfMonth),
                ("* * 1#1 * *", BadDayOfMonth),
                ("* * * 0 *", BadMonth),
                ("* * * 13 *", BadMonth),
                ("* * * JANUARY *", BadMonth),
                ("* * * DEC-JAN *", BadMonth),
                ("* * * MON *", BadMonth),
                ("* * * * 8", BadDayOfWeek),
                ("* * * * 1#0", BadDayOfWeek),
                ("* * * * 1#6", BadDayOfWeek),
                ("* * * * 1##1", BadDayOfWeek),
                ("* * * * #2", BadDayOfWeek),
                ("* * * * 2#", BadDayOfWeek),
                ("* * * * 1#2/2", BadDayOfWeek),
                ("* * * * 8L", BadDayOfWeek),
                ("* * * * L", BadDayOfWeek),
                ("* * * * MONL", BadDayOfWeek),
                ("* * * * 5L-6", BadDayOfWeek),
                ("* * * * 5L#1", BadDayOfWeek),
                ("* * * * 5L/3", BadDayOfWeek),
                ("* * * * JAN", BadDayOfWeek),
                ("* * * * SAT-MON", BadDayOfWeek),
            ];
            for (expr, error) in cases {
                assert_eq!(CronExpr::parse(expr).as_ref(), Err(error), "{expr:?}");
            }
        }

        #[test]
        fn error_messages_are_cronsims() {
            assert_eq!(
                CronError::WrongNumberOfFields.to_string(),
                "Wrong number of fields"
            );
            assert_eq!(CronError::BadMinute.to_string(), "Bad minute");
            assert_eq!(CronError::BadHour.to_string(), "Bad hour");
            assert_eq!(CronError::BadDayOfMonth.to_string(), "Bad day-of-month");
            assert_eq!(CronError::BadMonth.to_string(), "Bad month");
            assert_eq!(CronError::BadDayOfWeek.to_string(), "Bad day-of-week");
        }
    }

    /// Hand-checked answers. Unless a test says otherwise, cronsim 2.7 gives the same.
    mod examples {
        use super::*;
        use chrono_tz::{America, Asia, Australia, Europe, Pacific, UTC};

        fn at(rfc3339: &str) -> DateTime<Utc> {
            DateTime::parse_from_rfc3339(rfc3339)
                .unwrap()
                .with_timezone(&Utc)
        }

        /// The next `count` matches after `after`, each as local RFC 3339.
        fn upcoming(expr: &str, tz: Tz, after: &str, count: usize) -> Vec<String> {
            let expr = CronExpr::parse(expr).unwrap();
            let mut after = at(after);
            let mut found = Vec::new();
            for _ in 0..count {
                let Some(next) = expr.next_after(after, tz) else {
                    found.push("none".to_owned());
                    break;
                };
                found.push(next.with_timezone(&tz).to_rfc3339());
                after = next;
            }
            found
        }

        // Europe/Riga 2021: 03:00 EET became 04:00 EEST on March 28, and 04:00 EEST
        // became 03:00 EET on October 31.

        #[test]
        fn hourly_across_riga_transitions() {
            assert_eq!(
                upcoming("0 * * * *", Europe::Riga, "2021-03-28T01:30:00+02:00", 2),
                ["2021-03-28T02:00:00+02:00", "2021-03-28T04:00:00+03:00"]
            );
            assert_eq!(
                upcoming("0 * * * *", Europe::Riga, "2021-10-31T01:30:00+03:00", 4),
                [
                    "2021-10-31T02:00:00+03:00",
                    "2021-10-31T03:00:00+03:00",
                    "2021-10-31T03:00:00+02:00",
                    "2021-10-31T04:00:00+02:00",
                ]
            );
        }

        #[test]
        fn every_30_minutes_across_riga_transitions() {
            assert_eq!(
                upcoming("*/30 * * * *", Europe::Riga, "2021-03-28T02:10:00+02:00", 3),
                [
                    "2021-03-28T02:30:00+02:00",
                    "2021-03-28T04:00:00+03:00",
                    "2021-03-28T04:30:00+03:00",
                ]
            );
            assert_eq!(
                upcoming("*/30 * * * *", Europe::Riga, "2021-10-31T02:10:00+03:00", 6),
                [
                    "2021-10-31T02:30:00+03:00",
                    "2021-10-31T03:00:00+03:00",
                    "2021-10-31T03:30:00+03:00",
                    "2021-10-31T03:00:00+02:00",
                    "2021-10-31T03:30:00+02:00",
                    "2021-10-31T04:00:00+02:00",
                ]
            );
        }

        #[test]
        fn every_two_hours_is_absolute() {
            assert_eq!(
                upcoming("0 */2 * * *", Europe::Riga, "2021-10-31T01:30:00+03:00", 3),
                [
                    "2021-10-31T02:00:00+03:00",
                    "2021-10-31T04:00:00+02:00",
                    "2021-10-31T06:00:00+02:00",
                ]
            );
        }

        #[test]
        fn fixed_time_in_the_riga_gap_fires_when_the_gap_ends() {
            assert_eq!(
                upcoming("30 3 * * *", Europe::Riga, "2021-03-27T12:00:00+02:00", 2),
                ["2021-03-28T04:00:00+03:00", "2021-03-29T03:30:00+03:00"]
            );
            // 03:00 falls in the gap and moves to 04:00, which also matches: once.
            assert_eq!(
                upcoming(
                    "0 1,2,3,4,5 * * *",
                    Europe::Riga,
                    "2021-03-28T01:30:00+02:00",
                    3
                ),
                [
                    "2021-03-28T02:00:00+02:00",
                    "2021-03-28T04:00:00+03:00",
                    "2021-03-28T05:00:00+03:00",
                ]
            );
        }

        #[test]
        fn fixed_time_in_the_repeated_riga_hour_fires_once() {
            assert_eq!(
                upcoming("30 3 * * *", Europe::Riga, "2021-10-30T12:00:00+03:00", 2),
                ["2021-10-31T03:30:00+03:00", "2021-11-01T03:30:00+02:00"]
            );
            assert_eq!(
                upcoming(
                    "0 1,2,3,4,5 * * *",
                    Europe::Riga,
                    "2021-10-31T01:30:00+03:00",
                    4
                ),
                [
                    "2021-10-31T02:00:00+03:00",
                    "2021-10-31T03:00:00+03:00",
                    "2021-10-31T04:00:00+02:00",
                    "2021-10-31T05:00:00+02:00",
                ]
            );
        }

        #[test]
        fn a_ping_in_the_second_copy_of_the_hour_is_not_answered_with_the_past() {
            // cronsim answers 2021-10-31T03:30:00+03:00 here: 40 minutes before the ping.
            assert_eq!(
                upcoming("30 3 * * *", Europe::Riga, "2021-10-31T03:10:00+02:00", 1),
                ["2021-11-01T03:30:00+02:00"]
            );
            assert_eq!(
                upcoming("30 3 * * *", Europe::Riga, "2021-10-31T03:40:00+02:00", 1),
                ["2021-11-01T03:30:00+02:00"]
            );
        }

        #[test]
        fn new_york_fixed_times() {
            assert_eq!(
                upcoming(
                    "30 2 * * *",
                    America::New_York,
                    "2021-03-13T12:00:00-05:00",
                    2
                ),
                ["2021-03-14T03:00:00-04:00", "2021-03-15T02:30:00-04:00"]
            );
            assert_eq!(
                upcoming(
                    "30 1 * * *",
                    America::New_York,
                    "2021-11-06T12:00:00-04:00",
                    2
                ),
                ["2021-11-07T01:30:00-04:00", "2021-11-08T01:30:00-05:00"]
            );
        }

        #[test]
        fn new_york_every_30_minutes() {
            assert_eq!(
                upcoming(
                    "*/30 * * * *",
                    America::New_York,
                    "2021-03-14T01:10:00-05:00",
                    3
                ),
                [
                    "2021-03-14T01:30:00-05:00",
                    "2021-03-14T03:00:00-04:00",
                    "2021-03-14T03:30:00-04:00",
                ]
            );
            assert_eq!(
                upcoming(
                    "*/30 * * * *",
                    America::New_York,
                    "2021-11-07T00:50:00-04:00",
                    5
                ),
                [
                    "2021-11-07T01:00:00-04:00",
                    "2021-11-07T01:30:00-04:00",
                    "2021-11-07T01:00:00-05:00",
                    "2021-11-07T01:30:00-05:00",
                    "2021-11-07T02:00:00-05:00",
                ]
            );
        }

        // Australia/Lord_Howe moves its clocks by 30 minutes: in 2021, 02:00 +11:00
        // became 01:30 +10:30 on April 4, and 02:00 +10:30 became 02:30 +11:00 on October 3.

        #[test]
        fn lord_howe_every_30_minutes() {
            assert_eq!(
                upcoming(
                    "*/30 * * * *",
                    Australia::Lord_Howe,
                    "2021-04-04T00:50:00+11:00",
                    4
                ),
                [
                    "2021-04-04T01:00:00+11:00",
                    "2021-04-04T01:30:00+11:00",
                    "2021-04-04T01:30:00+10:30",
                    "2021-04-04T02:00:00+10:30",
                ]
            );
            assert_eq!(
                upcoming(
                    "*/30 * * * *",
                    Australia::Lord_Howe,
                    "2021-10-03T00:50:00+10:30",
                    4
                ),
                [
                    "2021-10-03T01:00:00+10:30",
                    "2021-10-03T01:30:00+10:30",
                    "2021-10-03T02:30:00+11:00",
                    "2021-10-03T03:00:00+11:00",
                ]
            );
        }

        #[test]
        fn lord_howe_fixed_times() {
            assert_eq!(
                upcoming(
                    "15 2 * * *",
                    Australia::Lord_Howe,
                    "2021-10-02T12:00:00+10:30",
                    2
                ),
                ["2021-10-03T02:30:00+11:00", "2021-10-04T02:15:00+11:00"]
            );
            assert_eq!(
                upcoming(
                    "45 1 * * *",
                    Australia::Lord_Howe,
                    "2021-04-03T12:00:00+11:00",
                    2
                ),
                ["2021-04-04T01:45:00+11:00", "2021-04-05T01:45:00+10:30"]
            );
        }

        #[test]
        fn lord_howe_hour_after_the_half_hour_jump_starts_on_the_hour() {
            // cronsim answers 04:30 here: it steps whole hours from a midnight that
            // is half an hour off the new offset. 04:00 +11:00 is a real instant.
            assert_eq!(
                upcoming(
                    "* 4 * * *",
                    Australia::Lord_Howe,
                    "2010-10-02T16:54:04+10:30",
                    1
                ),
                ["2010-10-03T04:00:00+11:00"]
            );
        }

        #[test]
        fn zones_off_the_whole_hour() {
            assert_eq!(
                upcoming("0 9 * * *", Asia::Kathmandu, "2024-01-01T00:00:00Z", 1),
                ["2024-01-01T09:00:00+05:45"]
            );
            // Pacific/Chatham: 03:45 +13:45 became 02:45 +12:45 on 2021-04-04.
            assert_eq!(
                upcoming(
                    "*/15 * * * *",
                    Pacific::Chatham,
                    "2021-04-04T02:40:00+13:45",
                    7
                ),
                [
                    "2021-04-04T02:45:00+13:45",
                    "2021-04-04T03:00:00+13:45",
                    "2021-04-04T03:15:00+13:45",
                    "2021-04-04T03:30:00+13:45",
                    "2021-04-04T02:45:00+12:45",
                    "2021-04-04T03:00:00+12:45",
                    "2021-04-04T03:15:00+12:45",
                ]
            );
            assert_eq!(
                upcoming(
                    "30 3 * * *",
                    Pacific::Chatham,
                    "2021-04-03T12:00:00+13:45",
                    2
                ),
                ["2021-04-04T03:30:00+13:45", "2021-04-05T03:30:00+12:45"]
            );
        }

        #[test]
        fn zones_that_skipped_a_whole_day() {
            // Samoa skipped 2011-12-30; Kiribati's Line Islands skipped 1994-12-31.
            assert_eq!(
                upcoming("0 12 * * *", Pacific::Apia, "2011-12-29T13:00:00-10:00", 2),
                ["2011-12-31T00:00:00+14:00", "2011-12-31T12:00:00+14:00"]
            );
            assert_eq!(
                upcoming(
                    "*/30 12 * * *",
                    Pacific::Apia,
                    "2011-12-29T13:00:00-10:00",
                    1
                ),
                ["2011-12-31T12:00:00+14:00"]
            );
            assert_eq!(
                upcoming(
                    "0 12 * * *",
                    Pacific::Kiritimati,
                    "1994-12-30T13:00:00-10:00",
                    2
                ),
                ["1995-01-01T00:00:00+14:00", "1995-01-01T12:00:00+14:00"]
            );
        }

        #[test]
        fn midnight_transition_hours_that_exist_match() {
            // Brazil started DST at midnight: 2007-10-14 began at 01:00 -02:00. cronsim
            // answers a week later, having stepped hours from the nonexistent midnight.
            assert_eq!(
                upcoming(
                    "* 1 * * 0",
                    America::Sao_Paulo,
                    "2007-10-13T12:00:00-03:00",
                    1
                ),
                ["2007-10-14T01:00:00-02:00"]
            );
        }

        // America/Goose_Bay until 2010 ended DST at 00:01, going back to 23:01 the day
        // before: on 2010-11-07, 00:00 -03:00 was followed by 23:01 -04:00 on November 6.

        #[test]
        fn a_fall_back_across_midnight_interleaves_two_dates() {
            assert_eq!(
                upcoming(
                    "*/30 0,23 * * *",
                    America::Goose_Bay,
                    "2010-11-06T22:50:00-03:00",
                    5
                ),
                [
                    "2010-11-06T23:00:00-03:00",
                    "2010-11-06T23:30:00-03:00",
                    "2010-11-07T00:00:00-03:00",
                    "2010-11-06T23:30:00-04:00",
                    "2010-11-07T00:00:00-04:00",
                ]
            );
        }

        #[test]
        fn a_fall_back_across_midnight_can_reach_the_previous_date() {
            // cronsim answers 2010-11-07T23:00:00-04:00, never looking back a date.
            assert_eq!(
                upcoming(
                    "* 23 * * *",
                    America::Goose_Bay,
                    "2010-11-07T00:00:30-03:00",
                    2
                ),
                ["2010-11-06T23:01:00-04:00", "2010-11-06T23:02:00-04:00"]
            );
        }

        #[test]
        fn whole_seconds_of_after_count() {
            let expr = CronExpr::parse("* * * * *").unwrap();
            for (after, next) in [
                ("2024-01-01T00:00:00Z", "2024-01-01T00:01:00Z"),
                ("2024-01-01T00:00:00.5Z", "2024-01-01T00:01:00Z"),
                ("2024-01-01T00:00:59.999Z", "2024-01-01T00:01:00Z"),
                ("2024-01-01T00:01:00.001Z", "2024-01-01T00:02:00Z"),
            ] {
                assert_eq!(expr.next_after(at(after), UTC), Some(at(next)), "{after}");
            }
        }

        #[test]
        fn the_ends_of_time_give_none_rather_than_panic() {
            let expr = CronExpr::parse("*/5 * * * *").unwrap();
            for tz in [UTC, Pacific::Kiritimati, America::New_York] {
                assert_eq!(expr.next_after(DateTime::<Utc>::MAX_UTC, tz), None);
                // Whatever the answer at the very start of time, it must not panic.
                let _ = expr.next_after(DateTime::<Utc>::MIN_UTC, tz);
            }
        }

        #[test]
        fn last_day_and_last_weekday_of_the_month() {
            assert_eq!(
                upcoming("1 1 L * *", UTC, "2020-01-01T00:00:00Z", 3),
                [
                    "2020-01-31T01:01:00+00:00",
                    "2020-02-29T01:01:00+00:00",
                    "2020-03-31T01:01:00+00:00",
                ]
            );
            assert_eq!(
                upcoming("1 1 LW 5 *", UTC, "2020-01-01T00:00:00Z", 1),
                ["2020-05-29T01:01:00+00:00"]
            );
            assert_eq!(
                upcoming("0 0 LW * *", UTC, "2021-01-01T00:00:00Z", 3),
                [
                    "2021-01-29T00:00:00+00:00",
                    "2021-02-26T00:00:00+00:00",
                    "2021-03-31T00:00:00+00:00",
                ]
            );
            assert_eq!(
                upcoming("0 0 L,15 2 *", UTC, "2023-01-01T00:00:00Z", 4),
                [
                    "2023-02-15T00:00:00+00:00",
                    "2023-02-28T00:00:00+00:00",
                    "2024-02-15T00:00:00+00:00",
                    "2024-02-29T00:00:00+00:00",
                ]
            );
        }

        #[test]
        fn last_and_nth_weekday_of_the_month() {
            assert_eq!(
                upcoming("1 1 * * 5L", UTC, "2020-01-01T00:00:00Z", 4),
                [
                    "2020-01-31T01:01:00+00:00",
                    "2020-02-28T01:01:00+00:00",
                    "2020-03-27T01:01:00+00:00",
                    "2020-04-24T01:01:00+00:00",
                ]
            );
            for sunday in ["0L", "7L"] {
                assert_eq!(
                    upcoming(&format!("1 1 * * {sunday}"), UTC, "2020-01-01T00:00:00Z", 1),
                    ["2020-01-26T01:01:00+00:00"]
                );
            }
            assert_eq!(
                upcoming("0 9 * * 1#3", UTC, "2020-01-01T00:00:00Z", 3),
                [
                    "2020-01-20T09:00:00+00:00",
                    "2020-02-17T09:00:00+00:00",
                    "2020-03-16T09:00:00+00:00",
                ]
            );
        }

        #[test]
        fn day_fields_and() {
            // "First Sunday of the month": `*/7` starts with a star.
            assert_eq!(
                upcoming("1 1 1-7 * */7", UTC, "2020-01-01T00:00:00Z", 3),
                [
                    "2020-01-05T01:01:00+00:00",
                    "2020-02-02T01:01:00+00:00",
                    "2020-03-01T01:01:00+00:00",
                ]
            );
            // "First Monday": the field as written starts with a star, `*/100` being day 1.
            assert_eq!(
                upcoming("1 1 */100,1-7 * MON", UTC, "2020-01-01T00:00:00Z", 3),
                [
                    "2020-01-06T01:01:00+00:00",
                    "2020-02-03T01:01:00+00:00",
                    "2020-03-02T01:01:00+00:00",
                ]
            );
            // Odd days that are Fridays.
            assert_eq!(
                upcoming("0 0 */2 * 5", UTC, "2020-01-01T00:00:00Z", 3),
                [
                    "2020-01-03T00:00:00+00:00",
                    "2020-01-17T00:00:00+00:00",
                    "2020-01-31T00:00:00+00:00",
                ]
            );
            // "Every 3rd weekday" counts from Sunday: Sundays, Wednesdays and Saturdays.
            assert_eq!(
                upcoming("1 1 * * */3", UTC, "2020-01-01T00:00:00Z", 4),
                [
                    "2020-01-01T01:01:00+00:00",
                    "2020-01-04T01:01:00+00:00",
                    "2020-01-05T01:01:00+00:00",
                    "2020-01-08T01:01:00+00:00",
                ]
            );
        }

        #[test]
        fn day_fields_or() {
            // The 13th, and every Friday.
            assert_eq!(
                upcoming("0 0 13 * 5", UTC, "2020-01-01T00:00:00Z", 4),
                [
                    "2020-01-03T00:00:00+00:00",
                    "2020-01-10T00:00:00+00:00",
                    "2020-01-13T00:00:00+00:00",
                    "2020-01-17T00:00:00+00:00",
                ]
            );
            // Days 1–7, or Mondays.
            assert_eq!(
                upcoming("1 1 1-7 * MON", UTC, "2020-01-06T12:00:00Z", 3),
                [
                    "2020-01-07T01:01:00+00:00",
                    "2020-01-13T01:01:00+00:00",
                    "2020-01-20T01:01:00+00:00",
                ]
            );
        }

        #[test]
        fn leap_days() {
            assert_eq!(
                upcoming("0 0 29 2 *", UTC, "2021-03-01T00:00:00Z", 2),
                ["2024-02-29T00:00:00+00:00", "2028-02-29T00:00:00+00:00"]
            );
            // A fifth Monday in February is a Monday the 29th: 2016, 2044, 2072, 2112.
            assert_eq!(
                upcoming("0 0 * 2 1#5", UTC, "2016-03-01T00:00:00Z", 3),
                [
                    "2044-02-29T00:00:00+00:00",
                    "2072-02-29T00:00:00+00:00",
                    "2112-02-29T00:00:00+00:00",
                ]
            );
            // OR: the 29th of February, or any Monday in February.
            assert_eq!(
                upcoming("0 0 29 2 1", UTC, "2017-01-01T00:00:00Z", 1),
                ["2017-02-06T00:00:00+00:00"]
            );
        }

        #[test]
        fn gives_up_after_50_years() {
            // The 1st of the month that is also its fourth Monday.
            assert_eq!(
                upcoming("1 1 */100 * MON#4", UTC, "2020-01-01T00:00:00Z", 1),
                ["none"]
            );
            assert_eq!(
                upcoming(
                    "*/5 * */100 * MON#4",
                    Europe::Riga,
                    "2020-01-01T00:00:00Z",
                    1
                ),
                ["none"]
            );
        }
    }

    /// `next_after` against a brute-force scan written straight from the definitions in
    /// the module doc, over generated expressions, zones and instants near transitions.
    mod reference {
        use super::*;
        use chrono::{Duration, Weekday};
        use proptest::prelude::*;
        use proptest::test_runner::TestCaseError;

        /// How far the brute-force scan looks; kept short so debug builds stay quick.
        const WINDOW: Duration = Duration::days(4);
        const MONTHS: [&str; 12] = [
            "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
        ];
        const DAYS: [&str; 7] = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];
        const INTERESTING: [Tz; 16] = [
            chrono_tz::Europe::Riga,
            chrono_tz::America::New_York,
            chrono_tz::Australia::Lord_Howe,
            chrono_tz::Asia::Kathmandu,
            chrono_tz::Pacific::Chatham,
            chrono_tz::Pacific::Apia,
            chrono_tz::Pacific::Kiritimati,
            chrono_tz::America::Santiago,
            chrono_tz::America::Havana,
            chrono_tz::America::Asuncion,
            chrono_tz::Asia::Gaza,
            chrono_tz::Africa::Casablanca,
            chrono_tz::Antarctica::Troll,
            chrono_tz::Asia::Tehran,
            // Fell back from 00:01 to 23:01 the day before, until 2010.
            chrono_tz::America::Goose_Bay,
            chrono_tz::America::St_Johns,
        ];

        /// One list item of a field, kept structured so the model can say what it means.
        #[derive(Debug, Clone)]
        enum Item {
            Star,
            StarStep(u32),
            Value(u32),
            Range(u32, u32),
            RangeStep(u32, u32, u32),
            ValueStep(u32, u32),
            Last,
            LastWeekday,
            LastOf(u32),
            Nth(u32, u32),
        }

        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        enum Kind {
            Minute,
            Hour,
            Day,
            Month,
            Weekday,
        }

        impl Kind {
            fn bounds(self) -> (u32, u32) {
                match self {
                    Kind::Minute => (0, 59),
                    Kind::Hour => (0, 23),
                    Kind::Day => (1, 31),
                    Kind::Month => (1, 12),
                    Kind::Weekday => (0, 7),
                }
            }
        }

        #[derive(Debug, Clone)]
        struct ModelField {
            kind: Kind,
            items: Vec<Item>,
            names: bool,
        }

        impl ModelField {
            fn render(&self) -> String {
                let items: Vec<String> = self.items.iter().map(|i| self.render_item(i)).collect();
                items.join(",")
            }

            fn render_item(&self, item: &Item) -> String {
                let v = |value: &u32| self.render_value(*value);
                match item {
                    Item::Star => "*".to_owned(),
                    Item::StarStep(step) => format!("*/{step}"),
                    Item::Value(value) => v(value),
                    Item::Range(a, b) => format!("{}-{}", v(a), v(b)),
                    Item::RangeStep(a, b, step) => format!("{}-{}/{step}", v(a), v(b)),
                    Item::ValueStep(value, step) => format!("{}/{step}", v(value)),
                    Item::Last => "L".to_owned(),
                    Item::LastWeekday => "LW".to_owned(),
                    Item::LastOf(weekday) => format!("{weekday}L"),
                    Item::Nth(weekday, nth) => format!("{}#{nth}", v(weekday)),
                }
            }

            fn render_value(&self, value: u32) -> String {
                match self.kind {
                    Kind::Month if self.names => MONTHS[value as usize - 1].to_owned(),
                    Kind::Weekday if self.names && value < 7 => DAYS[value as usize].to_owned(),
                    _ => value.to_string(),
                }
            }

            /// Whether the field's value set (as cronsim builds it) holds `value`.
            fn selects(&self, value: u32) -> bool {
                let (min, max) = self.kind.bounds();
                self.items.iter().any(|item| match *item {
                    Item::Star => true,
                    Item::StarStep(step) => (value - min).is_multiple_of(step),
                    Item::Value(v) => value == v,
                    Item::Range(a, b) => (a..=b).contains(&value),
                    // A one-value range with a step runs to the field's maximum.
                    Item::RangeStep(a, b, step) if a == b => {
                        value >= a && (value - a).is_multiple_of(step)
                    }
                    Item::RangeStep(a, b, step) => {
                        (a..=b).contains(&value) && (value - a).is_multiple_of(step)
                    }
                    Item::ValueStep(v, step) => {
                        (v..=max).contains(&value) && (value - v).is_multiple_of(step)
                    }
                    Item::Last | Item::LastWeekday | Item::LastOf(_) | Item::Nth(..) => false,
                })
            }
        }

        #[derive(Debug, Clone)]
        struct Model {
            fields: [ModelField; 5],
            lower_case: bool,
        }

        impl Model {
            fn text(&self) -> String {
                let fields: Vec<String> = self.fields.iter().map(ModelField::render).collect();
                let text = fields.join(" ");
                if self.lower_case {
                    text.to_lowercase()
                } else {
                    text
                }
            }

            fn starts_with_star(&self, kind: Kind) -> bool {
                self.fields[kind as usize].render().starts_with('*')
            }

            fn wall_clock(&self) -> bool {
                !self.starts_with_star(Kind::Minute) && !self.starts_with_star(Kind::Hour)
            }

            /// cronsim rejects plain day numbers above 29 that no selected month has.
            fn valid(&self) -> bool {
                let day = &self.fields[Kind::Day as usize];
                if day
                    .items
                    .iter()
                    .any(|item| matches!(item, Item::Last | Item::LastWeekday))
                {
                    return true;
                }
                let longest = [0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
                let first_day = (1..=31).find(|&d| day.selects(d)).unwrap_or(0);
                let longest_month = (1..=12)
                    .filter(|&m| self.fields[Kind::Month as usize].selects(m))
                    .map(|m| longest[m as usize])
                    .max()
                    .unwrap_or(0);
                first_day <= 29 || first_day <= longest_month
            }

            fn matches(&self, local: NaiveDateTime) -> bool {
                let [minute, hour, _, month, _] = &self.fields;
                local.second() == 0
                    && minute.selects(local.minute())
                    && hour.selects(local.hour())
                    && month.selects(local.month())
                    && self.day_matches(local.date())
            }

            fn day_matches(&self, date: NaiveDate) -> bool {
                let (by_date, by_weekday) = (self.date_matches(date), self.weekday_matches(date));
                if self.starts_with_star(Kind::Day) || self.starts_with_star(Kind::Weekday) {
                    by_date && by_weekday
                } else {
                    by_date || by_weekday
                }
            }

            fn date_matches(&self, date: NaiveDate) -> bool {
                let field = &self.fields[Kind::Day as usize];
                field.items.iter().any(|item| match item {
                    Item::Last => date.day() == month_length(date),
                    Item::LastWeekday => date.day() == last_workday(date),
                    _ => false,
                }) || field.selects(date.day())
            }

            fn weekday_matches(&self, date: NaiveDate) -> bool {
                let field = &self.fields[Kind::Weekday as usize];
                let weekday = date.weekday().num_days_from_sunday();
                field.items.iter().any(|item| match *item {
                    Item::LastOf(w) => w % 7 == weekday && date.day() + 7 > month_length(date),
                    Item::Nth(w, nth) => w % 7 == weekday && (date.day() - 1) / 7 + 1 == nth,
                    _ => false,
                }) || field.selects(weekday)
                    || (weekday == 0 && field.selects(7))
            }
        }

        fn month_length(date: NaiveDate) -> u32 {
            (28..=31)
                .rev()
                .find(|&day| date.with_day(day).is_some())
                .unwrap()
        }

        fn last_workday(date: NaiveDate) -> u32 {
            let mut last = date.with_day(month_length(date)).unwrap();
            while matches!(last.weekday(), Weekday::Sat | Weekday::Sun) {
                last = last.pred_opt().unwrap();
            }
            last.day()
        }

        fn floor_minute(time: NaiveDateTime) -> NaiveDateTime {
            time.with_second(0).unwrap().with_nanosecond(0).unwrap()
        }

        /// Absolute mode: every UTC minute, tested with the local time it shows.
        fn reference_absolute(model: &Model, tz: Tz, after: DateTime<Utc>) -> Vec<DateTime<Utc>> {
            let until = after + WINDOW;
            let mut at = floor_minute(after.naive_utc()).and_utc() + Duration::minutes(1);
            let mut found = Vec::new();
            while at < until {
                if model.matches(at.with_timezone(&tz).naive_local()) {
                    found.push(at);
                }
                at += Duration::minutes(1);
            }
            found
        }

        /// Wall-clock mode: every local minute, resolved as cronsim does (gaps move
        /// forward a minute at a time, repeats take the first instant), keeping what is
        /// after `after`.
        fn reference_wall_clock(model: &Model, tz: Tz, after: DateTime<Utc>) -> Vec<DateTime<Utc>> {
            let floor = after.trunc_subsecs(0);
            let until = after + WINDOW;
            let wall = floor_minute(after.with_timezone(&tz).naive_local());
            let mut local = wall - Duration::days(1);
            let mut found = Vec::new();
            while local < wall + WINDOW + Duration::days(1) {
                if model.matches(local) {
                    let mut resolved = local;
                    let at = loop {
                        if let Some(at) = tz.from_local_datetime(&resolved).earliest() {
                            break at.with_timezone(&Utc);
                        }
                        resolved += Duration::minutes(1);
                    };
                    if at > floor && at < until {
                        found.push(at);
                    }
                }
                local += Duration::minutes(1);
            }
            found.sort();
            found.dedup();
            found
        }

        /// Instants where `tz` changes offset during `year`.
        fn transitions(tz: Tz, year: i32) -> Vec<DateTime<Utc>> {
            let offset = |at: DateTime<Utc>| at.with_timezone(&tz).offset().fix();
            let mut at = Utc.with_ymd_and_hms(year, 1, 1, 0, 0, 0).unwrap();
            let mut found = Vec::new();
            while at.year() == year {
                let next = at + Duration::hours(6);
                if offset(at) != offset(next) {
                    let (mut lo, mut hi) = (at, next);
                    while hi - lo > Duration::seconds(1) {
                        let mid = lo + (hi - lo) / 2;
                        if offset(mid) == offset(lo) {
                            lo = mid;
                        } else {
                            hi = mid;
                        }
                    }
                    found.push(hi);
                }
                at = next;
            }
            found
        }

        /// Asks `next_after` from `after` and from points after it, comparing with the scan.
        fn check(
            model: &Model,
            tz: Tz,
            after: DateTime<Utc>,
            probes: &[u32],
        ) -> Result<(), TestCaseError> {
            let text = model.text();
            let parsed = CronExpr::parse(&text);
            if !model.valid() {
                prop_assert_eq!(parsed, Err(CronError::BadDayOfMonth), "{}", text);
                return Ok(());
            }
            let expr = parsed.map_err(|e| TestCaseError::fail(format!("{text:?}: {e}")))?;
            prop_assert_eq!(expr.wall_clock, model.wall_clock());
            let expected = if model.wall_clock() {
                reference_wall_clock(model, tz, after)
            } else {
                reference_absolute(model, tz, after)
            };
            let until = after + WINDOW;

            let mut queries = vec![after];
            let stride = expected.len() / 24 + 1;
            for (i, pair) in expected.windows(2).enumerate() {
                let offset_changes = pair[0].with_timezone(&tz).offset().fix()
                    != pair[1].with_timezone(&tz).offset().fix();
                if i < 8 || i % stride == 0 || offset_changes {
                    queries.extend([pair[0], pair[0] - Duration::seconds(1), pair[1]]);
                }
            }
            let window_ms = WINDOW.num_milliseconds();
            queries.extend(
                probes
                    .iter()
                    .map(|&p| after + Duration::milliseconds(i64::from(p) % window_ms)),
            );

            for query in queries.into_iter().filter(|q| *q >= after && *q < until) {
                let want = expected.iter().find(|&&at| at > query).copied();
                let got = expr.next_after(query, tz);
                match want {
                    Some(want) => {
                        prop_assert_eq!(got, Some(want), "{:?} in {} after {}", text, tz, query)
                    }
                    None => prop_assert!(
                        got.is_none_or(|got| got >= until),
                        "{:?} in {} after {}: got {:?}, scan found nothing before {}",
                        text,
                        tz,
                        query,
                        got,
                        until
                    ),
                }
            }
            Ok(())
        }

        fn plain_item(value: BoxedStrategy<u32>, max: u32, max_step: u32) -> BoxedStrategy<Item> {
            let range = value.clone().prop_flat_map(move |a| (Just(a), a..=max));
            prop_oneof![
                3 => Just(Item::Star),
                2 => (1..=max_step).prop_map(Item::StarStep),
                3 => value.clone().prop_map(Item::Value),
                1 => range.clone().prop_map(|(a, b)| Item::Range(a, b)),
                1 => (range, 1..=max_step).prop_map(|((a, b), s)| Item::RangeStep(a, b, s)),
                1 => (value, 1..=max_step).prop_map(|(v, s)| Item::ValueStep(v, s)),
            ]
            .boxed()
        }

        fn field(
            kind: Kind,
            items: impl Strategy<Value = Vec<Item>> + 'static,
        ) -> BoxedStrategy<ModelField> {
            (items, any::<bool>())
                .prop_map(move |(items, names)| ModelField { kind, items, names })
                .boxed()
        }

        fn model() -> impl Strategy<Value = Model> {
            let minute = plain_item((0..=59u32).boxed(), 59, 30);
            // Transitions happen in the small hours, so favour them.
            let hour = plain_item(prop_oneof![0..=4u32, 0..=23u32].boxed(), 23, 12);
            let day = prop_oneof![
                4 => plain_item((1..=31u32).boxed(), 31, 15),
                1 => Just(Item::Last),
                1 => Just(Item::LastWeekday),
            ];
            let month = plain_item((1..=12u32).boxed(), 12, 6);
            let weekday = prop_oneof![
                4 => plain_item((0..=7u32).boxed(), 7, 4),
                1 => (0..=7u32).prop_map(Item::LastOf),
                1 => (0..=7u32, 1..=5u32).prop_map(|(w, k)| Item::Nth(w, k)),
            ];
            let star = || Just(vec![Item::Star]);
            (
                field(Kind::Minute, prop::collection::vec(minute, 1..=3)),
                field(Kind::Hour, prop::collection::vec(hour, 1..=3)),
                field(
                    Kind::Day,
                    prop_oneof![5 => star(), 3 => prop::collection::vec(day, 1..=2)],
                ),
                field(
                    Kind::Month,
                    prop_oneof![6 => star(), 1 => prop::collection::vec(month, 1..=2)],
                ),
                field(
                    Kind::Weekday,
                    prop_oneof![5 => star(), 3 => prop::collection::vec(weekday, 1..=2)],
                ),
                any::<bool>(),
            )
                .prop_map(|(minute, hour, day, month, weekday, lower_case)| Model {
                    fields: [minute, hour, day, month, weekday],
                    lower_case,
                })
        }

        /// Expressions whose minute and hour fields start with a number: wall-clock mode.
        fn wall_clock_model() -> impl Strategy<Value = Model> {
            (model(), 0..=59u32, 0..=4u32).prop_map(|(mut model, minute, hour)| {
                model.fields[Kind::Minute as usize]
                    .items
                    .insert(0, Item::Value(minute));
                model.fields[Kind::Hour as usize]
                    .items
                    .insert(0, Item::Value(hour));
                model
            })
        }

        fn zone() -> impl Strategy<Value = Tz> {
            prop_oneof![
                prop::sample::select(chrono_tz::TZ_VARIANTS.to_vec()),
                prop::sample::select(INTERESTING.to_vec()),
            ]
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(256))]

            #[test]
            fn matches_the_scan_near_transitions(
                model in model(),
                tz in zone(),
                year in 2000..=2040i32,
                pick in any::<prop::sample::Index>(),
                shift in -2 * 86_400..86_400i64,
                nanos in 0..1_000_000_000u32,
                probes in prop::collection::vec(any::<u32>(), 8),
            ) {
                let near = transitions(tz, year);
                let base = if near.is_empty() {
                    Utc.with_ymd_and_hms(year, 3, 1, 0, 0, 0).unwrap()
                } else {
                    near[pick.index(near.len())]
                };
                let after = base + Duration::seconds(shift) + Duration::nanoseconds(i64::from(nanos));
                check(&model, tz, after, &probes)?;
            }

            #[test]
            fn wall_clock_matches_the_scan_near_transitions(
                model in wall_clock_model(),
                tz in zone(),
                year in 2000..=2040i32,
                pick in any::<prop::sample::Index>(),
                shift in -2 * 86_400..86_400i64,
                probes in prop::collection::vec(any::<u32>(), 8),
            ) {
                let near = transitions(tz, year);
                let base = if near.is_empty() {
                    Utc.with_ymd_and_hms(year, 10, 1, 0, 0, 0).unwrap()
                } else {
                    near[pick.index(near.len())]
                };
                check(&model, tz, base + Duration::seconds(shift), &probes)?;
            }

            #[test]
            fn matches_the_scan_anywhere(
                model in model(),
                tz in zone(),
                seconds in 0..4_102_444_800i64,
                probes in prop::collection::vec(any::<u32>(), 8),
            ) {
                let after = DateTime::from_timestamp(seconds, 0).unwrap();
                check(&model, tz, after, &probes)?;
            }
        }
    }
}
