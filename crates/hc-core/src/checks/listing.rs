//! My Checks' filters, order and tag summary, as healthchecks has them: the search
//! looks for the query in the lower-cased name, slug and UUID (the query itself is
//! not lower-cased); every tag asked for must be on the check; down checks come
//! first, then the chosen order.

use std::cmp::Ordering;
use std::collections::BTreeMap;

use chrono::NaiveDateTime;

use crate::status::Status;

/// The orders a person can pick; kept in their profile.
pub const SORTS: [&str; 5] = ["created", "name", "-name", "last_ping", "-last_ping"];

/// What the table is narrowed to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    pub tags: Vec<String>,
    pub search: String,
    /// `up`, `grace`, `down`, `new`, `paused` or `started`; empty for all.
    pub status: String,
}

/// The fields of a check the filters and orders look at.
pub trait Listed {
    fn name(&self) -> &str;
    fn slug(&self) -> &str;
    fn code(&self) -> &str;
    fn tags(&self) -> Vec<&str>;
    /// The status shown (never `started`: see [`Listed::started`]).
    fn status(&self) -> Status;
    fn started(&self) -> bool;
    fn created(&self) -> NaiveDateTime;
    fn last_ping(&self) -> Option<NaiveDateTime>;
}

impl Filter {
    pub fn matches(&self, check: &impl Listed) -> bool {
        let search_ok = self.search.is_empty()
            || [check.name(), check.slug(), check.code()]
                .iter()
                .any(|field| field.to_lowercase().contains(&self.search));
        let tags = check.tags();
        let tags_ok = self.tags.iter().all(|t| tags.contains(&t.as_str()));
        let status_ok = match self.status.as_str() {
            "" => true,
            "started" => check.started(),
            wanted => check.status().as_str() == wanted,
        };
        search_ok && tags_ok && status_ok
    }

    pub fn is_empty(&self) -> bool {
        self.tags.is_empty() && self.search.is_empty() && self.status.is_empty()
    }
}

/// A known sort, or `created`.
pub fn sort_or_default(sort: &str) -> &'static str {
    SORTS
        .iter()
        .find(|s| **s == sort)
        .copied()
        .unwrap_or("created")
}

/// Orders checks in place: down first, then by `sort` (ties keep creation order).
pub fn sort<T: Listed>(checks: &mut [T], sort: &str) {
    let sort = sort_or_default(sort);
    checks.sort_by(|a, b| {
        let down = |c: &T| c.status() != Status::Down;
        down(a)
            .cmp(&down(b))
            .then_with(|| by(a, b, sort))
            .then_with(|| a.created().cmp(&b.created()))
    });
}

fn by<T: Listed>(a: &T, b: &T, sort: &str) -> Ordering {
    // Unnamed checks sort by their UUID, as they are shown.
    let name = |c: &T| {
        if c.name().is_empty() {
            c.code().to_lowercase()
        } else {
            c.name().to_lowercase()
        }
    };
    match sort {
        "name" => name(a).cmp(&name(b)),
        "-name" => name(b).cmp(&name(a)),
        // Never-pinged checks last in both directions.
        "last_ping" => match (a.last_ping(), b.last_ping()) {
            (Some(x), Some(y)) => x.cmp(&y),
            (x, y) => x.is_none().cmp(&y.is_none()),
        },
        "-last_ping" => match (a.last_ping(), b.last_ping()) {
            (Some(x), Some(y)) => y.cmp(&x),
            (x, y) => x.is_none().cmp(&y.is_none()),
        },
        _ => Ordering::Equal,
    }
}

/// One tag button: how many checks carry it and the worst of their statuses.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct TagSummary {
    pub tag: String,
    pub count: usize,
    /// `up`, `grace` or `down`.
    pub status: &'static str,
}

/// Every tag of the project's checks, alphabetically.
pub fn tag_summary<T: Listed>(checks: &[T]) -> Vec<TagSummary> {
    let mut tags: BTreeMap<&str, (usize, u8)> = BTreeMap::new();
    for check in checks {
        let rank = match check.status() {
            Status::Down => 2,
            Status::Grace => 1,
            _ => 0,
        };
        for tag in check.tags() {
            let entry = tags.entry(tag).or_insert((0, 0));
            entry.0 += 1;
            entry.1 = entry.1.max(rank);
        }
    }
    tags.into_iter()
        .map(|(tag, (count, rank))| TagSummary {
            tag: tag.to_owned(),
            count,
            status: ["up", "grace", "down"][usize::from(rank)],
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    struct C {
        name: &'static str,
        tags: &'static str,
        status: Status,
        created: i64,
        last_ping: Option<i64>,
    }

    fn t(s: i64) -> NaiveDateTime {
        chrono::DateTime::from_timestamp(s, 0)
            .unwrap_or_default()
            .naive_utc()
    }

    impl Listed for C {
        fn name(&self) -> &str {
            self.name
        }
        fn slug(&self) -> &str {
            ""
        }
        fn code(&self) -> &str {
            "0f0f0f0f-aaaa-4bbb-8ccc-000000000000"
        }
        fn tags(&self) -> Vec<&str> {
            self.tags.split(' ').filter(|t| !t.is_empty()).collect()
        }
        fn status(&self) -> Status {
            self.status
        }
        fn started(&self) -> bool {
            false
        }
        fn created(&self) -> NaiveDateTime {
            t(self.created)
        }
        fn last_ping(&self) -> Option<NaiveDateTime> {
            self.last_ping.map(t)
        }
    }

    fn c(
        name: &'static str,
        tags: &'static str,
        status: Status,
        created: i64,
        last_ping: Option<i64>,
    ) -> C {
        C {
            name,
            tags,
            status,
            created,
            last_ping,
        }
    }

    #[test]
    fn search_is_a_substring_of_the_lower_cased_fields_and_tags_must_all_match() {
        let backup = c("Nightly Backup", "prod db", Status::Up, 1, None);
        let f = |search: &str, tags: &[&str], status: &str| Filter {
            search: search.into(),
            tags: tags.iter().map(|t| (*t).to_owned()).collect(),
            status: status.into(),
        };
        assert!(f("backup", &[], "").matches(&backup));
        assert!(
            !f("Backup", &[], "").matches(&backup),
            "the query is not lower-cased"
        );
        assert!(f("0f0f", &[], "").matches(&backup), "the UUID counts");
        assert!(f("", &["prod", "db"], "").matches(&backup));
        assert!(!f("", &["prod", "web"], "").matches(&backup));
        assert!(f("", &[], "up").matches(&backup));
        assert!(!f("", &[], "down").matches(&backup));
    }

    #[test]
    fn down_checks_come_first_then_the_chosen_order() {
        let mut all = vec![
            c("b", "", Status::Up, 1, Some(10)),
            c("a", "", Status::Up, 2, None),
            c("c", "", Status::Down, 3, Some(5)),
            c("d", "", Status::Grace, 4, Some(20)),
        ];
        let names = |all: &[C]| all.iter().map(|c| c.name).collect::<String>();
        sort(&mut all, "name");
        assert_eq!(names(&all), "cabd");
        sort(&mut all, "-name");
        assert_eq!(names(&all), "cdba");
        sort(&mut all, "last_ping");
        assert_eq!(names(&all), "cbda");
        sort(&mut all, "-last_ping");
        assert_eq!(names(&all), "cdba");
        sort(&mut all, "nonsense");
        assert_eq!(names(&all), "cbad");
    }

    #[test]
    fn tags_take_the_worst_status_of_their_checks() {
        let all = [
            c("a", "prod db", Status::Up, 1, None),
            c("b", "prod", Status::Grace, 2, None),
            c("c", "web", Status::Down, 3, None),
        ];
        let summary = tag_summary(&all);
        let get = |tag: &str| {
            summary
                .iter()
                .find(|s| s.tag == tag)
                .cloned()
                .unwrap_or_else(|| panic!("no {tag}"))
        };
        assert_eq!((get("prod").count, get("prod").status), (2, "grace"));
        assert_eq!((get("db").count, get("db").status), (1, "up"));
        assert_eq!(get("web").status, "down");
        assert_eq!(summary.len(), 3);
    }
}
