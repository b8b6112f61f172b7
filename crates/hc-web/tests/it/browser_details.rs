//! A check's details page and log in headless Chromium: a failure sent through a real
//! `hc-ping` turns the open page's status to down without a reload, the Pause
//! button pauses it, and the log shows the failure and filters by kind.

use diesel::prelude::*;
use fantoccini::Locator;
use hc_core::schema::{checks, projects};
use serde_json::json;

use crate::api_history::start_receiver;
use crate::browser::Browser;
use crate::support::App;

#[actix_web::test]
async fn a_failure_shows_live_then_pause_and_the_log() {
    let app = App::start();
    let ann = app.user("ann@example.org", "pw-123456");
    let (ping_root, _receiver) = start_receiver(&app);
    let (project, code): (String, String) = projects::table
        .inner_join(checks::table)
        .filter(projects::owner_id.eq(ann.id))
        .select((projects::code, checks::code))
        .first(&mut app.conn())
        .unwrap();
    let ping = format!("{ping_root}/ping/{code}");
    assert_eq!(reqwest::get(&ping).await.unwrap().status(), 200);

    let browser = Browser::start(&app.url("")).await;
    browser.log_in("ann@example.org", "pw-123456").await;
    browser
        .wait_for_path(&format!("/projects/{project}/checks/"))
        .await;

    let details = format!("/checks/{code}/details/");
    browser.open(&details).await;
    browser.wait_for_text("This check is up. Last ping").await;
    // A mark on the page: a reload would wipe it.
    browser
        .client
        .execute("window.hcMark = 42; return null;", vec![])
        .await
        .unwrap();

    assert_eq!(
        reqwest::get(format!("{ping}/fail")).await.unwrap().status(),
        200
    );
    browser
        .wait_for_text("This check is down. It received a failure signal")
        .await;
    let mark = browser
        .client
        .execute("return window.hcMark;", vec![])
        .await
        .unwrap();
    assert_eq!(mark, json!(42), "the page updated itself, without a reload");
    let badge = browser
        .client
        .find(Locator::Css("#status-text .status"))
        .await
        .unwrap();
    assert_eq!(badge.text().await.unwrap(), "DOWN");
    assert!(browser
        .client
        .title()
        .await
        .unwrap()
        .starts_with("DOWN – My First Check"));
    // The recent events follow too.
    browser.wait_for_text("Status: up → down").await;
    // Tall enough to show the whole page.
    browser.client.set_window_size(1280, 2300).await.unwrap();
    browser.screenshot("details").await;
    browser.client.set_window_size(1280, 900).await.unwrap();

    browser.click("#pause").await;
    browser.wait_for_path(&details).await;
    browser.wait_for_text("This check is paused.").await;
    assert_eq!(app.reload(&code).status, "paused");

    browser.open(&format!("/checks/{code}/log/")).await;
    browser.wait_for_text("Failure").await;
    let text = browser.text().await;
    assert!(
        text.contains("Success") && text.contains("Status: down → paused"),
        "{text}"
    );
    // Unticking "Failure" hides the failure at once, with no request.
    browser.click("input[data-kind-filter='fail']").await;
    let hidden = browser
        .client
        .execute(
            "return Array.from(document.querySelectorAll('tr[data-kind=fail]')).every(r => r.hidden);",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(hidden, json!(true));
    browser.click("input[data-kind-filter='fail']").await;
    browser.screenshot("log").await;
    browser.close().await;
}
