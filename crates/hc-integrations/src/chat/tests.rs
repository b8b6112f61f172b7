use chrono::Duration;

use super::*;
use crate::context::sample;

const REASON: &str = "success signal did not arrive on time, grace time passed";

#[test]
fn telegram_html() {
    let alert = sample();
    assert_eq!(
        message(&alert, Style::TelegramHtml),
        format!(
            "\u{1f534} <b>Backups</b> is <b>DOWN</b> ({REASON}).\n\
             \n\
             <b>Project:</b> Ops\n\
             <b>Tags:</b> prod, www\n\
             <b>Period:</b> 1 day\n\
             <b>Total pings:</b> 42\n\
             <b>Last ping:</b> Success, 1 day ago\n\
             \n\
             <b>Last ping body:</b>\n\
             <pre>all &quot;good&quot; ünïcode</pre>\n\
             \n\
             All the other checks are up.\n\
             \n\
             <a href=\"{}\">View on Mychecks</a>",
            alert.details_url()
        )
    );
}

#[test]
fn matrix_html() {
    let alert = sample();
    assert_eq!(
        message(&alert, Style::MatrixHtml),
        format!(
            "<p>\u{1f534} <b>Backups</b> is <b>DOWN</b> ({REASON}).</p>\n\
             <p><b>Project:</b> Ops<br>\n\
             <b>Tags:</b> prod, www<br>\n\
             <b>Period:</b> 1 day<br>\n\
             <b>Total pings:</b> 42<br>\n\
             <b>Last ping:</b> Success, 1 day ago</p>\n\
             <p><b>Last ping body:</b></p>\n\
             <pre><code>all &quot;good&quot; ünïcode</code></pre>\n\
             <p>All the other checks are up.</p>\n\
             <p><a href=\"{}\">View on Mychecks</a></p>",
            alert.details_url()
        )
    );
}

#[test]
fn markdown() {
    let alert = sample();
    assert_eq!(
        message(&alert, Style::Markdown),
        format!(
            "\u{1f534} **Backups** is **DOWN** ({REASON}).\n\
             \n\
             - **Project:** Ops\n\
             - **Tags:** prod, www\n\
             - **Period:** 1 day\n\
             - **Total pings:** 42\n\
             - **Last ping:** Success, 1 day ago\n\
             \n\
             **Last ping body:**\n\
             ```\n\
             all \"good\" ünïcode\n\
             ```\n\
             \n\
             All the other checks are up.\n\
             \n\
             [View on Mychecks]({})",
            alert.details_url()
        )
    );
}

#[test]
fn plain_text_for_an_up_alert() {
    let mut alert = sample();
    alert.status = "up".into();
    alert.reason = String::new();
    alert.downtime = Some(Duration::seconds(7_380));
    alert.last_ping = None;
    alert.others = OtherChecks::Down(vec!["db".into(), "web".into()]);
    assert_eq!(
        message(&alert, Style::Plain),
        format!(
            "\u{1f7e2} \u{201c}Backups\u{201d} is UP.\n\
             \n\
             The downtime lasted 2 hours, 3 minutes.\n\
             \n\
             Project: Ops\n\
             Tags: prod, www\n\
             Period: 1 day\n\
             Total pings: 42\n\
             Last ping: Never\n\
             \n\
             Also down: db, web.\n\
             \n\
             View on Mychecks: {}",
            alert.details_url()
        )
    );
}

#[test]
fn names_and_values_are_escaped_for_each_markup() {
    let mut alert = sample();
    alert.check.name = "<a&b> *x_y* [z]".into();
    alert.check.kind = "cron".into();
    alert.check.schedule = "*/5 * * * *".into();
    alert.check.tz = "UTC".into();
    alert.others = OtherChecks::Down(vec!["<db>".into()]);
    let html = message(&alert, Style::TelegramHtml);
    assert!(html.starts_with("\u{1f534} <b>&lt;a&amp;b&gt; *x_y* [z]</b> is"));
    assert!(html.contains("<b>Schedule:</b> */5 * * * *\n<b>Time zone:</b> UTC\n"));
    assert!(html.contains("Also down: &lt;db&gt;."));
    let md = message(&alert, Style::Markdown);
    assert!(md.starts_with("\u{1f534} **<a&b> \\*x\\_y\\* \\[z\\]** is"));
    assert!(md.contains("- **Schedule:** \\*/5 \\* \\* \\* \\*\n"));
    // A body with a fence of its own is left out of Markdown.
    alert.last_ping = alert.last_ping.map(|mut p| {
        p.body = Some(b"```oops```".to_vec());
        p
    });
    assert!(!message(&alert, Style::Markdown).contains("oops"));
    assert!(message(&alert, Style::Plain).contains("Last ping body:\n```oops```"));
}

#[test]
fn other_checks() {
    let mut alert = sample();
    alert.others = OtherChecks::None;
    assert_eq!(others(&alert, str::to_owned), None);
    alert.others = OtherChecks::ManyDown(12);
    assert_eq!(
        others(&alert, str::to_owned).as_deref(),
        Some("12 other checks are also down.")
    );
    assert_eq!(title(&alert), "Backups is DOWN");
}
