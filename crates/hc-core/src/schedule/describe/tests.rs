use chrono::{Datelike, Duration, NaiveDate, TimeZone, Utc, Weekday};
use proptest::prelude::*;

use super::fields::{MONTH_NAMES, WEEKDAY_NAMES};
use super::*;

#[test]
fn common_schedules_read_naturally() {
    for (expr, words) in [
        ("* * * * *", "Every minute"),
        ("*/1 * * * *", "Every minute"),
        ("0-59 * * JAN-DEC *", "Every minute"),
        ("0 * * * *", "At the start of every hour"),
        ("5 * * * *", "At minute 5 of every hour"),
        ("5,10 * * * *", "At minutes 5 and 10 of every hour"),
        ("*/15 * * * *", "Every 15th minute"),
        ("*/5 * * * *", "Every fifth minute"),
        (
            "1/5 * * * *",
            "Every fifth minute from 1 through 56 of every hour",
        ),
        ("0 */3 * * *", "At minute 0 past every third hour"),
        ("* 2,4 * * *", "Every minute past hours 2 and 4"),
        ("* 9-17 * * *", "Every minute from 09:00 through 17:59"),
        (
            "*/2 9-17 * * *",
            "Every second minute from 09:00 through 17:59",
        ),
        ("0-10 11 * * *", "Every minute from 11:00 through 11:10"),
        ("10 9-17 * * *", "At minute 10 past hours 9 through 17"),
        ("0 0 * * *", "At 00:00 every day"),
        ("15 5 * * *", "At 05:15 every day"),
        (
            "0,30 13,14 * * *",
            "At 13:00, 13:30, 14:00, and 14:30 every day",
        ),
        ("0 3 * * 1-5", "At 03:00 on Monday through Friday"),
        ("0 3 * * MON-FRI", "At 03:00 on Monday through Friday"),
        ("0 0 * * 1,2", "At 00:00 on Monday and Tuesday"),
        ("0 0 * * 5-7", "At 00:00 on Friday through Sunday"),
        ("0 0 * * 0,6", "At 00:00 on Saturday and Sunday"),
        ("0 0 * * 1-7", "At 00:00 every day"),
        ("0 0 * * 1#2", "At 00:00 on the second Monday of the month"),
        ("0 0 * * 5L", "At 00:00 on the last Friday of the month"),
        ("0 0 1 * *", "At 00:00 on day 1 of the month"),
        ("0 0 1,15 * *", "At 00:00 on days 1 and 15 of the month"),
        ("0 0 1-15 * *", "At 00:00 on days 1 through 15 of the month"),
        ("0 0 */2 * *", "At 00:00 on every second day of the month"),
        ("0 0 L * *", "At 00:00 on the last day of the month"),
        ("0 0 LW * *", "At 00:00 on the last weekday of the month"),
        (
            "0 0 1,L * *",
            "At 00:00 on day 1 and the last day of the month",
        ),
        ("0 0 1 1 *", "At 00:00 on January 1"),
        ("0 0 * 1 *", "At 00:00 every day in January"),
        (
            "0 0 * 1-3,12 *",
            "At 00:00 every day in January through March and December",
        ),
        ("0 0 * */2 *", "At 00:00 every day in every second month"),
        ("* * * 1 *", "Every minute in January"),
        (
            "0 0 15 1-2 *",
            "At 00:00 on day 15 of the month in January and February",
        ),
        ("0 0 1 * 1", "At 00:00 on day 1 of the month and on Monday"),
        // Either field starting with `*` makes both apply.
        (
            "0 0 */2 * 1",
            "At 00:00 on every second day of the month if it is Monday",
        ),
        (
            "0 0 1-7 * */7",
            "At 00:00 on days 1 through 7 of the month if it is Sunday",
        ),
        // Day-of-week covering the week, without `*`: any day matches.
        ("0 0 1 * 0-6", "At 00:00 every day"),
        ("30 2 * * 6", "At 02:30 on Saturday"),
        ("  0  9 * * mon ", "At 09:00 on Monday"),
    ] {
        assert_eq!(describe(expr).as_deref(), Some(words), "{expr}");
    }
}

#[test]
fn invalid_expressions_get_no_description() {
    for expr in [
        "",
        "* * * *",
        "* * * * * *",
        "60 * * * *",
        "0 0 31 2 *",
        "daily",
    ] {
        assert_eq!(describe(expr), None, "{expr}");
    }
}

#[test]
fn ordinals() {
    let words: Vec<String> = [2, 3, 10, 11, 12, 13, 15, 21, 22, 23, 100]
        .into_iter()
        .map(ordinal_word)
        .collect();
    assert_eq!(
        words,
        [
            "second", "third", "tenth", "11th", "12th", "13th", "15th", "21st", "22nd", "23rd",
            "100th"
        ]
    );
}

/// Does `date` match the day fields, by the rules cron documents?
fn day_matches(sets: &Sets, date: NaiveDate) -> bool {
    let in_set = |set: u64, v: u32| set & (1 << v) != 0;
    if !in_set(sets.months, date.month()) {
        return false;
    }
    let first_of_next = if date.month() == 12 {
        NaiveDate::from_ymd_opt(date.year() + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(date.year(), date.month() + 1, 1)
    }
    .unwrap();
    let last = first_of_next.pred_opt().unwrap();
    let mut last_weekday = last;
    while matches!(last_weekday.weekday(), Weekday::Sat | Weekday::Sun) {
        last_weekday = last_weekday.pred_opt().unwrap();
    }
    let by_date = in_set(sets.days.values, date.day())
        || (sets.days.last_day && date == last)
        || (sets.days.last_weekday && date == last_weekday);
    let weekday = date.weekday().num_days_from_sunday();
    let w = &sets.weekdays;
    let by_weekday = in_set(w.values, weekday)
        || (in_set(w.last_weekdays, weekday) && date.day() + 7 > last.day())
        || (w.nth[weekday as usize] & (1 << ((date.day() - 1) / 7 + 1)) != 0);
    if sets.day_and {
        by_date && by_weekday
    } else {
        by_date || by_weekday
    }
}

fn item(field: usize) -> BoxedStrategy<String> {
    let (min, max) = [(0u32, 59u32), (0, 23), (1, 31), (1, 12), (0, 7)][field];
    let value = min..=max;
    let mut options = vec![
        Just("*".to_owned()).boxed(),
        value.clone().prop_map(|v| v.to_string()).boxed(),
        (value.clone(), value.clone())
            .prop_map(|(a, b)| format!("{}-{}", a.min(b), a.max(b)))
            .boxed(),
        (1u32..=13).prop_map(|s| format!("*/{s}")).boxed(),
        (value.clone(), 1u32..=13)
            .prop_map(|(a, s)| format!("{a}/{s}"))
            .boxed(),
        (value.clone(), value, 1u32..=7)
            .prop_map(|(a, b, s)| format!("{}-{}/{s}", a.min(b), a.max(b)))
            .boxed(),
    ];
    match field {
        2 => {
            options.push(Just("L".to_owned()).boxed());
            options.push(Just("LW".to_owned()).boxed());
        }
        3 => options.push(
            (0usize..12)
                .prop_map(|m| MONTH_NAMES[m].to_lowercase())
                .boxed(),
        ),
        4 => {
            options.push(
                (0usize..7)
                    .prop_map(|d| WEEKDAY_NAMES[d].to_owned())
                    .boxed(),
            );
            options.push((0u32..=7).prop_map(|d| format!("{d}L")).boxed());
            options.push(
                (0u32..=7, 1u32..=5)
                    .prop_map(|(d, k)| format!("{d}#{k}"))
                    .boxed(),
            );
        }
        _ => {}
    }
    proptest::strategy::Union::new(options).boxed()
}

fn field(n: usize) -> BoxedStrategy<String> {
    prop::collection::vec(item(n), 1..=3)
        .prop_map(|items| items.join(","))
        .boxed()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// The sets read here are the ones `CronExpr` fires on: the next matches in UTC
    /// agree with a scan of every minute the sets select, over two years.
    #[test]
    fn sets_agree_with_the_cron_parser(
        f in (field(0), field(1), field(2), field(3), field(4)),
        start_day in 0i64..3000,
    ) {
        let expr = format!("{} {} {} {} {}", f.0, f.1, f.2, f.3, f.4);
        let Ok(parsed) = CronExpr::parse(&expr) else {
            prop_assume!(false);
            unreachable!()
        };
        let words = describe(&expr);
        prop_assert!(words.is_some(), "{expr} has no description");
        let upper = expr.to_uppercase();
        let p: Vec<&str> = upper.split(' ').collect();
        let sets = Sets {
            minutes: parse(Field::Minute, p[0]).unwrap().values,
            hours: parse(Field::Hour, p[1]).unwrap().values,
            days: parse(Field::Day, p[2]).unwrap(),
            months: parse(Field::Month, p[3]).unwrap().values,
            weekdays: parse(Field::Weekday, p[4]).unwrap().sunday_as_zero(),
            day_and: p[2].starts_with('*') || p[4].starts_with('*'),
        };
        let start = Utc.with_ymd_and_hms(2020, 1, 1, 0, 0, 0).unwrap() + Duration::days(start_day);
        let end = start + Duration::days(2 * 366);
        let mut expected = Vec::new();
        let mut day = start.date_naive();
        'days: while day < end.date_naive() {
            if day_matches(&sets, day) {
                for hour in values(sets.hours, 0, 23) {
                    for minute in values(sets.minutes, 0, 59) {
                        expected.push(day.and_hms_opt(hour, minute, 0).unwrap().and_utc());
                        if expected.len() == 8 {
                            break 'days;
                        }
                    }
                }
            }
            day = day.succ_opt().unwrap();
        }
        let mut found = Vec::new();
        let mut after = start - Duration::seconds(1);
        while found.len() < 8 {
            match parsed.next_after(after, chrono_tz::UTC) {
                Some(next) if next < end => {
                    found.push(next);
                    after = next;
                }
                _ => break,
            }
        }
        prop_assert_eq!(found, expected, "{}", expr);
    }
}
