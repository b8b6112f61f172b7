//! The Integrations page in headless Chromium: add a webhook pointing at a loopback
//! receiver, press "Test!" and see the outcome, choose the checks that use it,
//! and remove it through the confirmation dialog.

use std::time::Duration;

use diesel::prelude::*;
use fantoccini::Locator;
use hc_core::models::Channel;
use hc_core::schema::{channel_checks, channels, projects};
use hc_test::HttpSink;

use crate::browser::Browser;
use crate::support::App;

#[actix_web::test]
async fn add_a_webhook_test_it_and_choose_its_checks() {
    let sink = HttpSink::start();
    let app = App::start_with(&[("INTEGRATIONS_ALLOW_PRIVATE_IPS", "True")]);
    let ann = app.user("ann@example.org", "pw-123456");
    let project: String = projects::table
        .filter(projects::owner_id.eq(ann.id))
        .select(projects::code)
        .first(&mut app.conn())
        .unwrap();

    let browser = Browser::start(&app.url("")).await;
    browser.log_in("ann@example.org", "pw-123456").await;
    browser
        .wait_for_path(&format!("/projects/{project}/checks/"))
        .await;

    let list = format!("/projects/{project}/integrations/");
    browser.open(&list).await;
    browser.wait_for_text("Email to ann@example.org").await;
    browser
        .click(&format!("a[href='/projects/{project}/add_webhook/']"))
        .await;
    browser.wait_for_text("Add Webhook").await;
    browser.fill("#id_name", "Deploy hook").await;
    browser
        .client
        .find(Locator::Css("#id_method_down option[value='POST']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    browser.fill("#id_url_down", &sink.url("/alert")).await;
    browser.fill("#id_body_down", "$NAME is $STATUS").await;
    browser.click("main form button[type=submit]").await;
    browser.wait_for_path(&format!("{list}?done=added")).await;
    browser.wait_for_text("Deploy hook").await;

    let hook: Channel = channels::table
        .filter(channels::kind.eq("webhook"))
        .select(Channel::as_select())
        .first(&mut app.conn())
        .unwrap();
    browser
        .click(&format!("#ch-{} form[action$='/test/'] button", hook.code))
        .await;
    browser.wait_for_text("Test notification sent!").await;
    let got = sink.wait_for(1, Duration::from_secs(5));
    assert_eq!(got.len(), 1);
    assert_eq!(
        (got[0].method.as_str(), got[0].target.as_str()),
        ("POST", "/alert")
    );
    assert_eq!(got[0].text(), "TEST is down");
    browser.screenshot("integrations").await;

    // The new integration serves the project's one check; untick it, then tick it.
    let assigned = |app: &App| -> i64 {
        channel_checks::table
            .filter(channel_checks::channel_id.eq(hook.id))
            .count()
            .get_result(&mut app.conn())
            .unwrap()
    };
    assert_eq!(assigned(&app), 1);
    for (expected, shown) in [(0, "0 of 1"), (1, "1 of 1")] {
        browser
            .click(&format!("#ch-{} a[href$='/checks/']", hook.code))
            .await;
        browser.wait_for_text("Checks that alert through").await;
        browser.click("input[type=checkbox]").await;
        browser.click("main form button[type=submit]").await;
        browser
            .wait_for_path(&format!("{list}?done=assigned"))
            .await;
        let count = browser
            .client
            .find(Locator::Css(&format!("#ch-{} [data-n-checks]", hook.code)))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert_eq!(format!("{count} of 1"), shown);
        assert_eq!(assigned(&app), expected);
    }

    // Removing asks first (the page's confirm dialog), then it is gone.
    browser
        .click(&format!(
            "#ch-{} form[action$='/remove/'] button",
            hook.code
        ))
        .await;
    browser.accept_dialog().await;
    browser.wait_for_path(&format!("{list}?done=removed")).await;
    browser.wait_for_text("The integration was removed.").await;
    let left: i64 = channels::table
        .filter(channels::id.eq(hook.id))
        .count()
        .get_result(&mut app.conn())
        .unwrap();
    assert_eq!(left, 0);

    // The Badges tab: choosing a format shows that badge's address at once.
    browser.click("nav a[href$='/badges/']").await;
    browser.wait_for_text("Status badges").await;
    browser.screenshot("badges").await;
    // The preview is a real badge from this server.
    let mut loaded = serde_json::Value::Null;
    for _ in 0..50 {
        loaded = browser
            .client
            .execute(
                "const i = document.querySelector('.badge-preview img'); return i.complete && i.naturalWidth > 0;",
                vec![],
            )
            .await
            .unwrap();
        if loaded == serde_json::json!(true) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(loaded, serde_json::json!(true), "the preview image loads");
    let url = |b: &Browser| {
        let b = b.client.clone();
        async move {
            b.find(Locator::Css("#id_badge_url"))
                .await
                .unwrap()
                .prop("value")
                .await
                .unwrap()
                .unwrap_or_default()
        }
    };
    assert!(url(&browser).await.ends_with(".svg"));
    browser
        .client
        .find(Locator::Css("#id_fmt"))
        .await
        .unwrap()
        .select_by_value("json")
        .await
        .unwrap();
    let mut shown = String::new();
    for _ in 0..100 {
        shown = url(&browser).await;
        if shown.ends_with(".json") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(shown.ends_with(".json"), "{shown}");
    browser.close().await;
}
