//! The accounts pages in headless Chromium, as a person uses them.

use crate::browser::Browser;
use crate::support::App;

#[actix_web::test]
async fn a_person_logs_in_with_a_password_and_sees_their_projects() {
    let app = App::start();
    app.user("ann@example.org", "correct horse");
    let browser = Browser::start(&app.url("")).await;

    browser.open("/").await;
    browser.wait_for_text("Know when your cron jobs stop running").await;
    browser.click("nav a[href='/accounts/login/']").await;
    browser.wait_for_path("/accounts/login/").await;
    browser.screenshot("login").await;
    browser.fill("#id_email", "ann@example.org").await;
    browser.fill("#id_password", "wrong").await;
    browser
        .click("form[action='/accounts/login/'] button[type=submit]")
        .await;
    browser.wait_for_text("Incorrect email or password.").await;

    browser.fill("#id_password", "correct horse").await;
    browser
        .click("form[action='/accounts/login/'] button[type=submit]")
        .await;
    // With one project, the login lands on its checks; the nav leads to all projects.
    browser.wait_for_text("My First Check").await;
    assert!(browser.path().await.ends_with("/checks/"));
    browser.click("nav a[href='/']").await;
    browser.wait_for_path("/").await;
    browser.wait_for_text("New project").await;
    let text = browser.text().await;
    assert!(text.contains("ann@example.org"), "{text}");
    // My First Check, and the demo check from the Welcome page.
    assert!(text.contains("2 checks"), "{text}");
    browser.screenshot("projects").await;

    browser.click("nav form button[type=submit]").await;
    browser.wait_for_path("/accounts/login/").await;
    browser.close().await;
}
