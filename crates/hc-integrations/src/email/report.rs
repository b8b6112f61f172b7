//! The daily, weekly or monthly report e-mail (spec §3.9): a one-line summary of
//! the latest period, then every check the person can see, by project, with its
//! status now and its outages in each of the two periods, in their time zone.

use chrono::{DateTime, Duration, Utc};
use hc_core::checks::downtime::Downtime;
use hc_core::config::Config;
use hc_core::reports::{CheckSummary, Period, Report, Span, Tz};
use hc_core::status::Status;

use super::{list_unsubscribe, unsubscribe_url, ListMail, Outgoing};
use crate::chat::escape_html as escape;
use crate::context::duration_in_words;

/// How a period is named in the report, in the reader's zone: "March 9, 2026"
/// (a day), "Mar 2 – Mar 8, 2026" (a week), "February 2026" (a month).
pub fn period_label(period: Period, span: Span, tz: Tz) -> String {
    let start = span.start.with_timezone(&tz);
    // The last day of the period is the day before the next one starts.
    let last = (span.end - Duration::seconds(1)).with_timezone(&tz);
    match period {
        Period::Daily => start.format("%A, %B %-d, %Y").to_string(),
        Period::Weekly => format!("{} – {}", start.format("%b %-d"), last.format("%b %-d, %Y")),
        Period::Monthly => start.format("%B %Y").to_string(),
    }
}

/// What one check's period looked like.
pub fn downtime_words(d: &Downtime) -> String {
    if d.no_data {
        "not monitored yet".to_owned()
    } else if d.outages == 0 {
        "all good".to_owned()
    } else {
        format!(
            "{} {}, {} down in all",
            d.outages,
            if d.outages == 1 { "outage" } else { "outages" },
            duration_in_words(d.duration)
        )
    }
}

fn status_word(status: Status) -> &'static str {
    match status {
        Status::Grace => "late",
        Status::Down => "DOWN",
        other => other.as_str(),
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// The one-line summary of the newer of the two periods.
pub fn summary_line(report: &Report, label: &str) -> String {
    let totals = report.totals(1);
    if totals.checks == 0 {
        return format!("{label}: no checks were monitored yet.");
    }
    if totals.checks_down == 0 {
        return if totals.checks == 1 {
            format!("{label}: your check was up all the time.")
        } else {
            format!(
                "{label}: all {} checks were up all the time.",
                totals.checks
            )
        };
    }
    format!(
        "{label}: {} of {} went down, {} and {} down in all.",
        totals.checks_down,
        plural(totals.checks, "check", "checks"),
        plural(totals.outages as usize, "outage", "outages"),
        duration_in_words(totals.duration)
    )
}

/// The report e-mail for `report`, made at `now`.
pub fn message(config: &Config, report: &Report, now: DateTime<Utc>) -> ListMail {
    let labels = report
        .spans
        .map(|span| period_label(report.period, span, report.zone));
    let unsubscribe = unsubscribe_url(config, &report.username, now);
    let settings = format!("{}/accounts/profile/notifications/", config.site_root);
    let intro = format!(
        "This is your {} report from {}.",
        report.period.as_str(),
        config.site_name
    );
    let summary = summary_line(report, &labels[1]);
    let down = report.down_now();
    let now_line =
        (down > 0).then(|| format!("Right now {} down.", plural(down, "check is", "checks are")));
    let footer = format!(
        "Times are in {}. You get this report {}; change that in your account settings:",
        report.zone.name(),
        report.period.as_str()
    );

    let mut text = format!("{intro}\n\n{summary}\n");
    if let Some(line) = &now_line {
        text.push_str(&format!("{line}\n"));
    }
    for project in &report.projects {
        text.push_str(&format!("\n{}\n", project.name));
        for check in &project.checks {
            text.push_str(&format!(
                "  {} ({})\n",
                check.display_name(),
                status_word(check.status)
            ));
            for (label, d) in labels.iter().zip(&check.downtimes) {
                text.push_str(&format!("    {label}: {}\n", downtime_words(d)));
            }
        }
    }
    text.push_str(&format!(
        "\n{footer} {settings}\nTo stop these reports and the reminders: {unsubscribe}\n\n-- \n{}\n",
        config.site_name
    ));

    let mut html = format!(
        "<!doctype html>\n<html><body>\n<p>{}</p>\n<p><strong>{}</strong>",
        escape(&intro),
        escape(&summary)
    );
    if let Some(line) = &now_line {
        html.push_str(&format!("<br>{}", escape(line)));
    }
    html.push_str("</p>\n");
    for project in &report.projects {
        html.push_str(&format!(
            "<h2>{}</h2>\n<table cellpadding=\"4\">\n<tr><th align=\"left\">Check</th><th align=\"left\">Status</th>",
            escape(&project.name)
        ));
        for label in &labels {
            html.push_str(&format!("<th align=\"left\">{}</th>", escape(label)));
        }
        html.push_str("</tr>\n");
        for check in &project.checks {
            html.push_str(&check_row(config, check));
        }
        html.push_str("</table>\n");
    }
    html.push_str(&format!(
        "<p>{} <a href=\"{}\">{}</a></p>\n<p><a href=\"{}\">Unsubscribe</a> from these reports and the reminders.</p>\n<p>-- <br>{}</p>\n</body></html>\n",
        escape(&footer),
        escape(&settings),
        escape(&settings),
        escape(&unsubscribe),
        escape(&config.site_name)
    ));

    ListMail {
        message: Outgoing {
            to: report.email.clone(),
            subject: report.period.subject().to_owned(),
            text,
            html: Some(html),
        },
        headers: list_unsubscribe(&unsubscribe),
    }
}

fn check_row(config: &Config, check: &CheckSummary) -> String {
    let mut row = format!(
        "<tr><td><a href=\"{}/checks/{}/details/\">{}</a></td><td>{}</td>",
        escape(&config.site_root),
        escape(&check.check.code),
        escape(check.display_name()),
        status_word(check.status)
    );
    for d in &check.downtimes {
        row.push_str(&format!("<td>{}</td>", escape(&downtime_words(d))));
    }
    row.push_str("</tr>\n");
    row
}

#[cfg(test)]
mod tests;
