//! What each field of a cron expression selects, read the way cronsim reads it (see
//! `cron::parse_field`, whose order of checks this follows) and only ever given text
//! that `CronExpr::parse` accepted. The matcher keeps its sets
//! private, so the description reads them again here; a test in `describe::tests`
//! checks that both agree.

pub(super) const MONTH_NAMES: [&str; 12] = [
    "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
];
/// Sunday = 0.
pub(super) const WEEKDAY_NAMES: [&str; 7] = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

/// What one field, or one item of a list, selects (bit n set: value n selected).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct Selection {
    pub values: u64,
    /// `L` in the day-of-month field.
    pub last_day: bool,
    /// `LW` in the day-of-month field.
    pub last_weekday: bool,
    /// Bit w: the last weekday w of the month (`wL`).
    pub last_weekdays: u64,
    /// Bit k of entry w: the k-th weekday w of the month (`w#k`); 0–7 as written.
    pub nth: [u8; 8],
}

impl Selection {
    fn of(values: u64) -> Self {
        Selection {
            values,
            ..Selection::default()
        }
    }

    fn union(mut self, other: Self) -> Self {
        self.values |= other.values;
        self.last_day |= other.last_day;
        self.last_weekday |= other.last_weekday;
        self.last_weekdays |= other.last_weekdays;
        for (mine, theirs) in self.nth.iter_mut().zip(other.nth) {
            *mine |= theirs;
        }
        self
    }

    /// Day-of-week 7 is Sunday, like 0.
    pub fn sunday_as_zero(mut self) -> Self {
        let fold = |bits: u64| (bits & 0x7f) | ((bits >> 7) & 1);
        self.values = fold(self.values);
        self.last_weekdays = fold(self.last_weekdays);
        self.nth[0] |= self.nth[7];
        self.nth[7] = 0;
        self
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Field {
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

    fn value(self, text: &str) -> Option<u32> {
        let named = match self {
            Field::Month => MONTH_NAMES.iter().position(|n| *n == text).map(|i| i + 1),
            Field::Weekday => WEEKDAY_NAMES.iter().position(|n| *n == text),
            _ => None,
        };
        if let Some(value) = named.and_then(|i| u32::try_from(i).ok()) {
            return Some(value);
        }
        let (min, max) = self.range();
        digits(text)
            .and_then(|v| u32::try_from(v).ok())
            .filter(|v| (min..=max).contains(v))
    }
}

/// One field as cronsim reads it (see `cron::parse_field`, whose order of checks this
/// follows).
pub(super) fn parse(field: Field, text: &str) -> Option<Selection> {
    let (min, max) = field.range();
    if text == "*" {
        return Some(Selection::of(bits(min, max)));
    }
    if text.contains(',') {
        return text.split(',').try_fold(Selection::default(), |all, item| {
            Some(all.union(parse(field, item)?))
        });
    }
    if field == Field::Weekday {
        if let Some(number) = text.strip_suffix('L') {
            let weekday = field.value(number)?;
            return Some(Selection {
                last_weekdays: 1 << weekday,
                ..Selection::default()
            });
        }
        if let Some((weekday, nth)) = text.split_once('#') {
            let nth = digits(nth).filter(|n| (1..=5).contains(n))?;
            let mut selection = Selection::default();
            *selection.nth.get_mut(field.value(weekday)? as usize)? = 1 << nth;
            return Some(selection);
        }
    }
    if let Some((base, step)) = text.split_once('/') {
        let step = digits(step).filter(|&s| s > 0)?;
        let base = parse(field, base)?;
        if base.values == 0 {
            // `L/2`: the step is ignored.
            return Some(base);
        }
        let from = if base.values.count_ones() == 1 {
            bits(base.values.trailing_zeros(), max)
        } else {
            base.values
        };
        let step = usize::try_from(step).unwrap_or(usize::MAX);
        let stepped = (0..64)
            .filter(|bit| from & (1 << bit) != 0)
            .step_by(step)
            .fold(0, |all, bit| all | 1 << bit);
        return Some(Selection::of(stepped));
    }
    if let Some((start, end)) = text.split_once('-') {
        return Some(Selection::of(bits(field.value(start)?, field.value(end)?)));
    }
    match (field, text) {
        (Field::Day, "LW") => Some(Selection {
            last_weekday: true,
            ..Selection::default()
        }),
        (Field::Day, "L") => Some(Selection {
            last_day: true,
            ..Selection::default()
        }),
        _ => Some(Selection::of(1 << field.value(text)?)),
    }
}

pub(super) fn bits(start: u32, end: u32) -> u64 {
    (start..=end).fold(0, |all, bit| all | 1 << bit)
}

fn digits(text: &str) -> Option<u64> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(text.bytes().fold(0u64, |value, b| {
        value.saturating_mul(10).saturating_add(u64::from(b - b'0'))
    }))
}
