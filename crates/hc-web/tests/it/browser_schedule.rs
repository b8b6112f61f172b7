//! The schedule dialogs in headless Chromium: the period and grace sliders moved with
//! the keyboard, a cron expression previewed as it is typed, and an invalid one
//! refused next to the field before anything is saved.

use std::time::Duration;

use diesel::prelude::*;
use fantoccini::key::Key;
use fantoccini::Locator;
use hc_core::schema::{checks, projects};

use crate::browser::Browser;
use crate::support::App;

/// Waits until `f` holds for the check, re-reading it from the database.
async fn wait_for_check(app: &App, code: &str, f: impl Fn(&hc_core::models::Check) -> bool) {
    for _ in 0..300 {
        if f(&app.reload(code)) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the check never changed: {:?}", app.reload(code));
}

async fn words_of(browser: &Browser, id: &str) -> String {
    browser
        .client
        .find(Locator::Css(&format!("#{id}-words")))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

#[actix_web::test]
async fn schedules_are_changed_in_dialogs_with_keyboard_and_preview() {
    let app = App::start();
    let ann = app.user("ann@example.org", "pw-123456");
    let (project, code): (String, String) = projects::table
        .inner_join(checks::table)
        .filter(projects::owner_id.eq(ann.id))
        .select((projects::code, checks::code))
        .first(&mut app.conn())
        .unwrap();

    let browser = Browser::start(&app.url("")).await;
    browser.log_in("ann@example.org", "pw-123456").await;
    browser
        .wait_for_path(&format!("/projects/{project}/checks/"))
        .await;
    let page = format!("/checks/{code}/schedule/");
    browser.open(&page).await;

    // The period dialog: both sliders start at the check's values, in words.
    browser
        .click(&format!(
            "button[data-schedule-dialog='{code}'][data-kind='simple']"
        ))
        .await;
    let period = format!("sd-{code}-timeout");
    let grace = format!("sd-{code}-grace");
    assert_eq!(words_of(&browser, &period).await, "1 day");
    assert_eq!(words_of(&browser, &grace).await, "1 hour");
    let right: char = Key::Right.into();
    for (id, expected) in [(&period, "2 days"), (&grace, "2 hours")] {
        let slider = browser
            .client
            .find(Locator::Css(&format!("#{id}-slider")))
            .await
            .unwrap();
        // Keys go to the focused slider: one step is the next whole unit.
        browser
            .client
            .execute(
                &format!("document.getElementById('{id}-slider').focus()"),
                vec![],
            )
            .await
            .unwrap();
        let focused = browser
            .client
            .execute("return document.activeElement.id", vec![])
            .await
            .unwrap();
        assert_eq!(focused, serde_json::json!(format!("{id}-slider")));
        slider.send_keys(&right.to_string()).await.unwrap();
        assert_eq!(words_of(&browser, id).await, expected);
        let valuetext = slider.attr("aria-valuetext").await.unwrap();
        assert_eq!(valuetext.as_deref(), Some(expected), "read out in words");
    }
    browser.screenshot("period-dialog").await;
    browser
        .click(&format!(
            "#sd-{code}-simple button[type=submit]:not([data-close])"
        ))
        .await;
    wait_for_check(&app, &code, |c| c.timeout == 2 * 86_400).await;
    let check = app.reload(&code);
    assert_eq!((check.kind.as_str(), check.grace), ("simple", 2 * 3600));
    browser.wait_for_text("2 days").await;
    assert_eq!(browser.path().await, page, "Save came back to the page");

    // The cron dialog: the preview follows the expression and the zone.
    browser
        .click(&format!(
            "button[data-schedule-dialog='{code}'][data-kind='cron']"
        ))
        .await;
    browser
        .fill(&format!("#sd-{code}-cron-schedule"), "0 3 * * 1-5")
        .await;
    browser
        .client
        .find(Locator::Css(&format!("#sd-{code}-cron-tz")))
        .await
        .unwrap()
        .select_by_label("Europe/Riga")
        .await
        .unwrap();
    browser
        .wait_for_text("At 03:00 on Monday through Friday")
        .await;
    browser.wait_for_text("in Europe/Riga (and UTC)").await;
    browser.screenshot("cron-dialog").await;
    browser
        .click(&format!(
            "#sd-{code}-cron button[type=submit]:not([data-close])"
        ))
        .await;
    wait_for_check(&app, &code, |c| c.kind == "cron").await;
    let check = app.reload(&code);
    assert_eq!(
        (check.schedule.as_str(), check.tz.as_str(), check.grace),
        ("0 3 * * 1-5", "Europe/Riga", 2 * 3600)
    );

    // An invalid expression: the reason shows next to the field and Save does nothing.
    browser.wait_for_text("Europe/Riga").await;
    browser
        .click(&format!(
            "button[data-schedule-dialog='{code}'][data-kind='cron']"
        ))
        .await;
    browser
        .fill(&format!("#sd-{code}-cron-schedule"), "0 3 * *")
        .await;
    browser
        .wait_for_text("Invalid cron expression: expected 5 fields")
        .await;
    let field = browser
        .client
        .find(Locator::Css(&format!("#sd-{code}-cron-schedule")))
        .await
        .unwrap();
    assert_eq!(
        field.attr("aria-invalid").await.unwrap().as_deref(),
        Some("true")
    );
    browser
        .click(&format!(
            "#sd-{code}-cron button[type=submit]:not([data-close])"
        ))
        .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(app.reload(&code).schedule, "0 3 * * 1-5", "nothing saved");
    let open = browser
        .client
        .execute(
            &format!("return document.getElementById('sd-{code}-cron').open"),
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(open, serde_json::json!(true), "the dialog stays open");
    browser.close().await;
}

#[actix_web::test]
async fn the_dialogs_fit_a_phone() {
    let app = App::start();
    let ann = app.user("ann@example.org", "pw-123456");
    let (project, code): (String, String) = projects::table
        .inner_join(checks::table)
        .filter(projects::owner_id.eq(ann.id))
        .select((projects::code, checks::code))
        .first(&mut app.conn())
        .unwrap();
    let browser = Browser::start_sized(&app.url(""), 390, 844).await;
    browser.log_in("ann@example.org", "pw-123456").await;
    browser
        .wait_for_path(&format!("/projects/{project}/checks/"))
        .await;
    browser.open(&format!("/checks/{code}/schedule/")).await;
    for kind in ["simple", "oncalendar"] {
        browser
            .click(&format!(
                "button[data-schedule-dialog='{code}'][data-kind='{kind}']"
            ))
            .await;
        if kind == "oncalendar" {
            browser.wait_for_text("Next runs").await;
        }
        // Nothing sticks out sideways: no horizontal scrolling inside the dialog.
        let sizes = browser
            .client
            .execute(
                &format!(
                    "var d = document.getElementById('sd-{code}-{kind}'); \
                     var r = d.getBoundingClientRect(); \
                     return [r.left, r.right, window.innerWidth, d.scrollWidth, d.clientWidth];"
                ),
                vec![],
            )
            .await
            .unwrap();
        let n: Vec<f64> = sizes
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap())
            .collect();
        assert!(
            n[0] >= 0.0 && n[1] <= n[2],
            "{kind} dialog inside the screen: {n:?}"
        );
        assert!(
            n[3] <= n[4],
            "{kind} dialog needs no sideways scrolling: {n:?}"
        );
        browser.screenshot(&format!("{kind}-dialog-phone")).await;
        browser
            .client
            .execute(
                &format!("document.getElementById('sd-{code}-{kind}').close()"),
                vec![],
            )
            .await
            .unwrap();
    }
    browser.close().await;
}
