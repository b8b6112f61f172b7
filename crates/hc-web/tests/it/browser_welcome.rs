//! The Welcome page in headless Chromium: a visitor pings their demo check over real
//! HTTP, sees it come up without reloading, signs up by the e-mail link and finds the
//! check in their new account.

use std::time::Duration;

use diesel::prelude::*;
use fantoccini::Locator;
use hc_core::models::Check;
use hc_core::schema::{checks, projects, users};

use crate::api_history::start_receiver;
use crate::browser::Browser;
use crate::ui_accounts::{app_with_mail, link_path, wait_for_mail};

#[actix_web::test]
async fn a_visitor_pings_the_demo_check_watches_it_come_up_and_keeps_it_after_signing_up() {
    let sink = hc_test::SmtpSink::start();
    let app = app_with_mail(&sink, &[]);
    let (ping_root, _receiver) = start_receiver(&app);
    let browser = Browser::start(&app.url("")).await;

    browser.open("/").await;
    browser.wait_for_text("here is a check, just for you").await;
    let shown = browser
        .client
        .find(Locator::Css("#demo-url"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let demo: Check = checks::table
        .filter(checks::project_id.is_null())
        .select(Check::as_select())
        .first(&mut app.conn())
        .unwrap();
    assert!(shown.ends_with(&format!("/ping/{}", demo.code)), "{shown}");
    assert!(browser.text().await.contains("last ping: Never"));

    // The visitor's "cron job": a real request to the receiver.
    let reply = reqwest::get(format!("{ping_root}/ping/{}", demo.code))
        .await
        .unwrap();
    assert_eq!(reply.status(), 200);
    // The page polls the demo check's status: no reload.
    let badge = browser
        .client
        .find(Locator::Css("[data-welcome-status] .status"))
        .await
        .unwrap();
    let mut class = String::new();
    for _ in 0..100 {
        class = badge.attr("class").await.unwrap().unwrap_or_default();
        if class.contains("status-up") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(class.contains("status-up"), "{class}");
    let text = browser.text().await;
    assert!(
        (text.contains(" ago") || text.contains("just now")) && !text.contains("last ping: Never"),
        "{text}"
    );
    browser.screenshot("welcome-demo-up").await;

    // Sign up from the Welcome page; the link in the mail logs in.
    browser
        .fill("#id_welcome_identity", "visitor@example.org")
        .await;
    browser
        .click("form[action='/accounts/signup/'] button[type=submit]")
        .await;
    browser.wait_for_text("Check your e-mail").await;
    let mail = wait_for_mail(&sink, 1).await;
    browser.open(&link_path(&mail[0])).await;
    if browser.path().await.contains("/accounts/check_token/") {
        browser.click("main form button[type=submit]").await;
    }
    browser.wait_for_text("My First Check").await;
    assert!(browser.path().await.ends_with("/checks/"));

    // The demo check came along, still up, with its ping.
    let details = format!("a[href$='/checks/{}/details/']", demo.code);
    browser.click(&details).await;
    browser.wait_for_text("unnamed").await;
    let text = browser.text().await;
    assert!(text.contains("up"), "{text}");
    let owner: i64 = checks::table
        .inner_join(projects::table.inner_join(users::table))
        .filter(checks::code.eq(&demo.code))
        .select(users::id)
        .first(&mut app.conn())
        .unwrap();
    let visitor: i64 = users::table
        .filter(users::email.eq("visitor@example.org"))
        .select(users::id)
        .first(&mut app.conn())
        .unwrap();
    assert_eq!(owner, visitor);
    browser.close().await;
}
