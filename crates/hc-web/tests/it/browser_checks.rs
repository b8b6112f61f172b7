//! My Checks in headless Chromium: a real ping through a real `hc-ping` turns the
//! check up on the open page, without a reload.

use diesel::prelude::*;
use fantoccini::Locator;
use hc_core::schema::{checks, projects};

use crate::api_history::start_receiver;
use crate::browser::Browser;
use crate::support::App;

#[actix_web::test]
async fn a_ping_shows_up_on_my_checks_without_reloading() {
    let app = App::start();
    let ann = app.user("ann@example.org", "pw-123456");
    let (ping_root, _receiver) = start_receiver(&app);
    let (project, code): (String, String) = projects::table
        .inner_join(checks::table)
        .filter(projects::owner_id.eq(ann.id))
        .select((projects::code, checks::code))
        .first(&mut app.conn())
        .unwrap();

    let browser = Browser::start(&app.url("")).await;
    browser.log_in("ann@example.org", "pw-123456").await;
    // One project: the login lands on its checks.
    browser
        .wait_for_path(&format!("/projects/{project}/checks/"))
        .await;
    let badge = format!("[data-check-status='{code}']");
    let status = browser.client.find(Locator::Css(&badge)).await.unwrap();
    assert_eq!(status.text().await.unwrap(), "NEW");

    // The URL on the page is the one a cron job would use.
    let shown = browser
        .client
        .find(Locator::Css(&format!("#check-{code} .ping-url")))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(shown.ends_with(&format!("/ping/{code}")), "{shown}");
    let reply = reqwest::get(format!("{ping_root}/ping/{code}"))
        .await
        .unwrap();
    assert_eq!(reply.status(), 200);

    for _ in 0..300 {
        let status = browser.client.find(Locator::Css(&badge)).await.unwrap();
        if status.text().await.unwrap() == "UP" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let status = browser.client.find(Locator::Css(&badge)).await.unwrap();
    assert_eq!(
        status.text().await.unwrap(),
        "UP",
        "the page refreshed itself"
    );
    browser.screenshot("my-checks").await;

    // The row's menu pauses the check and comes back to the list.
    browser
        .click(&format!("#check-{code} .row-menu summary"))
        .await;
    browser.screenshot("my-checks-menu").await;
    browser
        .click(&format!(
            "#check-{code} .row-menu form[action$='/pause/'] button"
        ))
        .await;
    for _ in 0..300 {
        if let Ok(status) = browser.client.find(Locator::Css(&badge)).await {
            if status.text().await.unwrap_or_default() == "PAUSED" {
                break;
            }
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(browser.path().await, format!("/projects/{project}/checks/"));
    let status = browser.client.find(Locator::Css(&badge)).await.unwrap();
    assert_eq!(status.text().await.unwrap(), "PAUSED");
    browser.close().await;
}
