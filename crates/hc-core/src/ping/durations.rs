//! How long each run took, as ping lists show it (spec §2.7): a success or fail ping
//! is paired with the latest earlier `start` of the same run id. Computed for a window
//! of pings; pairs whose start lies before the window need a database look-up, which
//! the caller makes, at most [`MAX_LOOKUPS`] per window.

use chrono::{DateTime, Duration, Utc};

/// Starts older than this are not paired.
pub fn max_duration() -> Duration {
    Duration::hours(72)
}

/// More look-ups than this and the whole window goes without durations.
pub const MAX_LOOKUPS: usize = 10;

/// The fields of a ping that pairing looks at.
#[derive(Debug, Clone, Copy)]
pub struct Event<'a> {
    pub n: Option<i64>,
    pub created: DateTime<Utc>,
    /// As stored: `None` = success, else `start`, `fail`, `ign` or `log`.
    pub kind: Option<&'a str>,
    pub rid: Option<&'a str>,
}

impl Event<'_> {
    fn ends_run(&self) -> bool {
        matches!(self.kind, None | Some("fail"))
    }
}

/// What the window alone says about one ping's duration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pairing {
    Known(Option<Duration>),
    /// The run id was not seen earlier in the window: look for its start before.
    LookUp,
}

/// Pairs the pings of `window`, oldest first.
pub fn pair(window: &[Event]) -> Vec<Pairing> {
    let Some(oldest) = window.first().map(|e| e.created) else {
        return Vec::new();
    };
    // Per run id: the start time still open, or None once a run has ended.
    let mut runs: Vec<(Option<&str>, Option<DateTime<Utc>>)> = Vec::new();
    let mut out = Vec::with_capacity(window.len());
    for event in window {
        let slot = runs.iter().position(|(rid, _)| *rid == event.rid);
        if event.kind == Some("start") {
            match slot.and_then(|i| runs.get_mut(i)) {
                Some(run) => run.1 = Some(event.created),
                None => runs.push((event.rid, Some(event.created))),
            }
            out.push(Pairing::Known(None));
            continue;
        }
        if !event.ends_run() {
            out.push(Pairing::Known(None));
            continue;
        }
        let pairing = match slot.and_then(|i| runs.get_mut(i)) {
            Some(run) => Pairing::Known(run.1.take().map(|start| event.created - start)),
            None => {
                runs.push((event.rid, None));
                if event.created - oldest >= max_duration() {
                    Pairing::Known(None)
                } else {
                    Pairing::LookUp
                }
            }
        };
        out.push(match pairing {
            _ if event.n == Some(1) => Pairing::Known(None),
            Pairing::Known(Some(d)) if d >= max_duration() => Pairing::Known(None),
            other => other,
        });
    }
    out
}

/// The duration each ping shows: `look_up` answers the pings the window could not
/// pair (the start time found before the window, if any). With more than
/// [`MAX_LOOKUPS`] of them, no ping shows a duration.
pub fn durations<E>(
    window: &[Event],
    mut look_up: impl FnMut(&Event) -> Result<Option<DateTime<Utc>>, E>,
) -> Result<Vec<Option<Duration>>, E> {
    let pairings = pair(window);
    let lookups = pairings.iter().filter(|p| **p == Pairing::LookUp).count();
    if lookups > MAX_LOOKUPS {
        return Ok(vec![None; window.len()]);
    }
    window
        .iter()
        .zip(pairings)
        .map(|(event, pairing)| match pairing {
            Pairing::Known(d) => Ok(d),
            Pairing::LookUp => Ok(look_up(event)?
                .map(|start| event.created - start)
                .filter(|d| *d < max_duration())),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn at(minute: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0)
            .single()
            .unwrap_or_default()
            + Duration::minutes(minute)
    }

    fn ev(
        n: i64,
        minute: i64,
        kind: Option<&'static str>,
        rid: Option<&'static str>,
    ) -> Event<'static> {
        Event {
            n: Some(n),
            created: at(minute),
            kind,
            rid,
        }
    }

    fn mins(m: i64) -> Pairing {
        Pairing::Known(Some(Duration::minutes(m)))
    }

    const NONE: Pairing = Pairing::Known(None);

    #[test]
    fn a_start_pairs_with_the_next_end_of_the_same_run() {
        let window = [
            ev(2, 0, Some("start"), None),
            ev(3, 5, Some("log"), None),
            ev(4, 7, None, None),
            ev(5, 8, None, None),
            ev(6, 9, Some("start"), Some("a")),
            ev(7, 10, Some("start"), Some("b")),
            ev(8, 12, Some("fail"), Some("b")),
            ev(9, 15, None, Some("a")),
            ev(10, 16, Some("ign"), Some("a")),
        ];
        assert_eq!(
            pair(&window),
            vec![
                NONE,
                NONE,
                mins(7),
                NONE,
                NONE,
                NONE,
                mins(2),
                mins(6),
                NONE
            ]
        );
    }

    #[test]
    fn unseen_runs_are_looked_up_unless_far_from_the_window_start() {
        let window = [
            ev(5, 0, None, Some("x")),
            ev(6, 1, None, Some("x")),
            ev(7, 72 * 60, None, Some("y")),
        ];
        assert_eq!(pair(&window), vec![Pairing::LookUp, NONE, NONE]);
        let found = durations(&window, |_| Ok::<_, ()>(Some(at(-3)))).unwrap_or_default();
        assert_eq!(found, vec![Some(Duration::minutes(3)), None, None]);
    }

    #[test]
    fn the_first_ping_and_long_runs_have_no_duration() {
        let window = [ev(1, 0, None, None)];
        assert_eq!(pair(&window), vec![NONE]);
        let window = [ev(2, 0, Some("start"), None), ev(3, 72 * 60, None, None)];
        assert_eq!(pair(&window), vec![NONE, NONE]);
        let window = [ev(2, 0, None, None)];
        let found = durations(&window, |_| Ok::<_, ()>(Some(at(-72 * 60)))).unwrap_or_default();
        assert_eq!(found, vec![None]);
    }

    #[test]
    fn too_many_lookups_hide_every_duration() {
        let rids = ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k"];
        let mut window = vec![
            ev(1, 0, Some("start"), Some("z")),
            ev(2, 1, None, Some("z")),
        ];
        for (i, rid) in rids.iter().enumerate() {
            let i = i64::try_from(i).unwrap_or_default();
            window.push(ev(3 + i, 2 + i, None, Some(rid)));
        }
        let mut calls = 0;
        let found = durations(&window, |_| {
            calls += 1;
            Ok::<_, ()>(None)
        })
        .unwrap_or_default();
        assert_eq!(calls, 0);
        assert!(found.iter().all(Option::is_none));
        window.pop();
        let found = durations(&window, |_| Ok::<_, ()>(None)).unwrap_or_default();
        assert_eq!(found.get(1), Some(&Some(Duration::minutes(1))));
    }
}
