//! The Prometheus text exposition of a project's checks (spec §11), byte for byte as
//! healthchecks writes it, so existing scrape configs and dashboards keep working.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::status::Status;

/// What the metrics need from one check.
#[derive(Debug, Clone, Copy)]
pub struct CheckMetric<'a> {
    pub name: &'a str,
    /// The stored tags string, shown as is in the `tags` label.
    pub tags: &'a str,
    pub unique_key: &'a str,
    /// Computed without `started` (§3.4).
    pub status: Status,
    /// Whether `last_start` is set.
    pub started: bool,
}

/// The per-check families: name, HELP text, and the value for a check.
type Family = (&'static str, &'static str, fn(&CheckMetric) -> bool);

const CHECK_FAMILIES: [Family; 4] = [
    (
        "hc_check_up",
        "Whether the check is currently up (1 for yes, 0 for no).",
        // New, paused and late checks count as up.
        |c| c.status != Status::Down,
    ),
    (
        "hc_check_started",
        "Whether the check is currently started (1 for yes, 0 for no).",
        |c| c.started,
    ),
    (
        "hc_check_grace",
        "Whether the check is currently in the grace period (1 for yes, 0 for no).",
        |c| c.status == Status::Grace,
    ),
    (
        "hc_check_paused",
        "Whether the check is currently paused (1 for yes, 0 for no).",
        |c| c.status == Status::Paused,
    ),
];

/// The response body for the metrics endpoint; `checks` in database-id order.
pub fn prometheus(checks: &[CheckMetric]) -> String {
    let mut out = String::new();
    for (name, help, value) in CHECK_FAMILIES {
        header(&mut out, name, help);
        for c in checks {
            let _ = writeln!(
                out,
                r#"{name}{{name="{}", tags="{}", unique_key="{}"}} {}"#,
                escape(c.name),
                escape(c.tags),
                escape(c.unique_key),
                u8::from(value(c)),
            );
        }
        out.push('\n');
    }

    // Tag → whether any check carrying it is down. BTreeMap over `str` sorts by bytes,
    // which for UTF-8 is code point order, as Python's `sorted` does.
    let mut tags: BTreeMap<&str, bool> = BTreeMap::new();
    for c in checks {
        for tag in tags_list(c.tags) {
            *tags.entry(tag).or_insert(false) |= c.status == Status::Down;
        }
    }
    header(
        &mut out,
        "hc_tag_up",
        "Whether all checks with this tag are up (1 for yes, 0 for no).",
    );
    for (tag, down) in &tags {
        let _ = writeln!(
            out,
            r#"hc_tag_up{{tag="{}"}} {}"#,
            escape(tag),
            u8::from(!down)
        );
    }
    out.push('\n');

    header(&mut out, "hc_checks_total", "The total number of checks.");
    let _ = writeln!(out, "hc_checks_total {}", checks.len());
    out.push('\n');

    let down = checks.iter().filter(|c| c.status == Status::Down).count();
    header(
        &mut out,
        "hc_checks_down_total",
        "The number of checks currently down.",
    );
    let _ = writeln!(out, "hc_checks_down_total {down}");
    out
}

fn header(out: &mut String, name: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} gauge");
}

/// Label-value escaping from the exposition format.
fn escape(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// A check's tags as healthchecks' `tags_list` splits them (spec §1): on single
/// spaces, each stripped, empties dropped. Same rule as `models::Check::tags_list`.
fn tags_list(tags: &str) -> impl Iterator<Item = &str> {
    tags.split(' ').map(str::trim).filter(|t| !t.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check<'a>(name: &'a str, tags: &'a str, key: &'a str, status: Status) -> CheckMetric<'a> {
        CheckMetric {
            name,
            tags,
            unique_key: key,
            status,
            started: false,
        }
    }

    #[test]
    fn spec_example() {
        let checks = [check("Backups", "prod www", "2f6b", Status::Up)];
        assert_eq!(
            prometheus(&checks),
            r#"# HELP hc_check_up Whether the check is currently up (1 for yes, 0 for no).
# TYPE hc_check_up gauge
hc_check_up{name="Backups", tags="prod www", unique_key="2f6b"} 1

# HELP hc_check_started Whether the check is currently started (1 for yes, 0 for no).
# TYPE hc_check_started gauge
hc_check_started{name="Backups", tags="prod www", unique_key="2f6b"} 0

# HELP hc_check_grace Whether the check is currently in the grace period (1 for yes, 0 for no).
# TYPE hc_check_grace gauge
hc_check_grace{name="Backups", tags="prod www", unique_key="2f6b"} 0

# HELP hc_check_paused Whether the check is currently paused (1 for yes, 0 for no).
# TYPE hc_check_paused gauge
hc_check_paused{name="Backups", tags="prod www", unique_key="2f6b"} 0

# HELP hc_tag_up Whether all checks with this tag are up (1 for yes, 0 for no).
# TYPE hc_tag_up gauge
hc_tag_up{tag="prod"} 1
hc_tag_up{tag="www"} 1

# HELP hc_checks_total The total number of checks.
# TYPE hc_checks_total gauge
hc_checks_total 1

# HELP hc_checks_down_total The number of checks currently down.
# TYPE hc_checks_down_total gauge
hc_checks_down_total 0
"#
        );
    }

    #[test]
    fn statuses_escaping_and_tag_order() {
        let mut started = check("Nightly \"db\"\nbackup", " zeta  prod ", "k1", Status::Down);
        started.started = true;
        let checks = [
            started,
            check(r"C:\jobs", "prod Äpfel", "k2", Status::Grace),
            check("", "", "k3", Status::Paused),
            check("new", "zeta", "k4", Status::New),
            check("a\"b", "q\"t", "k5", Status::Up),
        ];
        assert_eq!(
            prometheus(&checks),
            r#"# HELP hc_check_up Whether the check is currently up (1 for yes, 0 for no).
# TYPE hc_check_up gauge
hc_check_up{name="Nightly \"db\"\nbackup", tags=" zeta  prod ", unique_key="k1"} 0
hc_check_up{name="C:\\jobs", tags="prod Äpfel", unique_key="k2"} 1
hc_check_up{name="", tags="", unique_key="k3"} 1
hc_check_up{name="new", tags="zeta", unique_key="k4"} 1
hc_check_up{name="a\"b", tags="q\"t", unique_key="k5"} 1

# HELP hc_check_started Whether the check is currently started (1 for yes, 0 for no).
# TYPE hc_check_started gauge
hc_check_started{name="Nightly \"db\"\nbackup", tags=" zeta  prod ", unique_key="k1"} 1
hc_check_started{name="C:\\jobs", tags="prod Äpfel", unique_key="k2"} 0
hc_check_started{name="", tags="", unique_key="k3"} 0
hc_check_started{name="new", tags="zeta", unique_key="k4"} 0
hc_check_started{name="a\"b", tags="q\"t", unique_key="k5"} 0

# HELP hc_check_grace Whether the check is currently in the grace period (1 for yes, 0 for no).
# TYPE hc_check_grace gauge
hc_check_grace{name="Nightly \"db\"\nbackup", tags=" zeta  prod ", unique_key="k1"} 0
hc_check_grace{name="C:\\jobs", tags="prod Äpfel", unique_key="k2"} 1
hc_check_grace{name="", tags="", unique_key="k3"} 0
hc_check_grace{name="new", tags="zeta", unique_key="k4"} 0
hc_check_grace{name="a\"b", tags="q\"t", unique_key="k5"} 0

# HELP hc_check_paused Whether the check is currently paused (1 for yes, 0 for no).
# TYPE hc_check_paused gauge
hc_check_paused{name="Nightly \"db\"\nbackup", tags=" zeta  prod ", unique_key="k1"} 0
hc_check_paused{name="C:\\jobs", tags="prod Äpfel", unique_key="k2"} 0
hc_check_paused{name="", tags="", unique_key="k3"} 1
hc_check_paused{name="new", tags="zeta", unique_key="k4"} 0
hc_check_paused{name="a\"b", tags="q\"t", unique_key="k5"} 0

# HELP hc_tag_up Whether all checks with this tag are up (1 for yes, 0 for no).
# TYPE hc_tag_up gauge
hc_tag_up{tag="prod"} 0
hc_tag_up{tag="q\"t"} 1
hc_tag_up{tag="zeta"} 0
hc_tag_up{tag="Äpfel"} 1

# HELP hc_checks_total The total number of checks.
# TYPE hc_checks_total gauge
hc_checks_total 5

# HELP hc_checks_down_total The number of checks currently down.
# TYPE hc_checks_down_total gauge
hc_checks_down_total 1
"#
        );
    }

    #[test]
    fn a_late_tag_is_still_up_and_down_sticks_in_any_order() {
        let checks = [
            check("a", "x", "1", Status::Up),
            check("b", "x y", "2", Status::Down),
            check("c", "x y", "3", Status::Up),
            check("d", "late", "4", Status::Grace),
        ];
        let body = prometheus(&checks);
        assert!(body.contains(
            "hc_tag_up{tag=\"late\"} 1\nhc_tag_up{tag=\"x\"} 0\nhc_tag_up{tag=\"y\"} 0\n\n"
        ));
    }

    #[test]
    fn no_checks() {
        assert_eq!(
            prometheus(&[]),
            "# HELP hc_check_up Whether the check is currently up (1 for yes, 0 for no).
# TYPE hc_check_up gauge

# HELP hc_check_started Whether the check is currently started (1 for yes, 0 for no).
# TYPE hc_check_started gauge

# HELP hc_check_grace Whether the check is currently in the grace period (1 for yes, 0 for no).
# TYPE hc_check_grace gauge

# HELP hc_check_paused Whether the check is currently paused (1 for yes, 0 for no).
# TYPE hc_check_paused gauge

# HELP hc_tag_up Whether all checks with this tag are up (1 for yes, 0 for no).
# TYPE hc_tag_up gauge

# HELP hc_checks_total The total number of checks.
# TYPE hc_checks_total gauge
hc_checks_total 0

# HELP hc_checks_down_total The number of checks currently down.
# TYPE hc_checks_down_total gauge
hc_checks_down_total 0
"
        );
    }
}
