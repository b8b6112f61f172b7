//! The accounts pages in headless Chromium, as a person uses them.

use crate::browser::Browser;
use crate::support::App;

#[actix_web::test]
async fn a_person_logs_in_with_a_password_and_sees_their_projects() {
    let app = App::start();
    app.user("ann@example.org", "correct horse");
    let browser = Browser::start(&app.url("")).await;

    browser.open("/").await;
    browser
        .wait_for_text("Know when your cron jobs stop running")
        .await;
    browser.screenshot("welcome").await;
    browser.click("nav a[href='/accounts/login/']").await;
    browser.wait_for_path("/accounts/login/").await;
    browser.screenshot("login").await;
    browser.fill("#id_email", "ann@example.org").await;
    browser.fill("#id_password", "wrong").await;
    browser
        .click("form:has(#id_password) button[type=submit]")
        .await;
    browser.wait_for_text("Incorrect email or password.").await;

    browser.fill("#id_password", "correct horse").await;
    browser
        .click("form:has(#id_password) button[type=submit]")
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

/// The accounts story end to end, as the issue tells it: sign up by e-mail link,
/// create a project, make an API key and use it, invite a member who logs in from
/// their own mail, and a superuser who finds that member in the admin area.
#[actix_web::test]
async fn sign_up_make_a_project_and_a_key_invite_a_member_and_find_them_as_admin() {
    use crate::ui_accounts::{app_with_mail, link_path, wait_for_mail};
    use fantoccini::Locator;

    let sink = hc_test::SmtpSink::start();
    let app = app_with_mail(&sink, &[]);
    let browser = Browser::start(&app.url("")).await;

    // Sign up: the address, then the link from the mail.
    browser.open("/accounts/login/").await;
    browser.fill("#id_signup_identity", "ann@example.org").await;
    browser
        .click("form[action='/accounts/signup/'] button[type=submit]")
        .await;
    browser.wait_for_text("Check your e-mail").await;
    browser.screenshot("check-your-email").await;
    let mail = wait_for_mail(&sink, 1).await;
    follow_link(&browser, &link_path(&mail[0])).await;
    browser.wait_for_text("My First Check").await;
    assert!(browser.path().await.ends_with("/checks/"));

    // A project of her own.
    browser.open("/").await;
    browser.fill("#id_name", "Backups").await;
    browser
        .click("form[action='/projects/add/'] button[type=submit]")
        .await;
    browser.wait_for_text("Backups").await;
    let checks_path = browser.path().await;
    assert!(checks_path.starts_with("/projects/") && checks_path.ends_with("/checks/"));
    let settings = checks_path.replace("/checks/", "/settings/");

    // An API key, shown once, that works against the API.
    browser.open(&settings).await;
    browser.click("#key-api_key form button[type=submit]").await;
    browser.wait_for_text("copy it now").await;
    browser.screenshot("project-settings").await;
    let key = browser
        .client
        .find(Locator::Css("[data-new-key='api_key']"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(key.starts_with("hcw_") && key.len() == 32, "{key}");
    let api = reqwest::Client::new()
        .get(app.url("/api/v3/checks/"))
        .header("X-Api-Key", &key)
        .send()
        .await
        .unwrap();
    assert_eq!(api.status(), 200);
    browser.open(&settings).await;
    assert!(!browser.text().await.contains(&key), "shown once only");

    // Invite Bob as a member.
    browser.fill("#id_email", "bob@example.org").await;
    browser
        .click("form[action$='/settings/#h-invite'] button[type=submit]")
        .await;
    browser.wait_for_text("bob@example.org").await;
    let mail = wait_for_mail(&sink, 2).await;
    let invite = mail
        .iter()
        .find(|m| m.contains("bob@example.org") && m.contains("/accounts/check_token/"))
        .expect("an invitation for Bob");

    // Bob, in the same browser after Ann logs out, follows his link.
    browser.click("nav form button[type=submit]").await;
    browser.wait_for_path("/accounts/login/").await;
    follow_link(&browser, &link_path(invite)).await;
    browser.wait_for_text("Backups").await;
    browser.wait_for_text("bob@example.org").await;

    // A superuser finds Bob in the admin area.
    browser.click("nav form button[type=submit]").await;
    browser.wait_for_path("/accounts/login/").await;
    app.superuser("root@example.org", "root-password");
    browser.fill("#id_email", "root@example.org").await;
    browser.fill("#id_password", "root-password").await;
    browser
        .click("form:has(#id_password) button[type=submit]")
        .await;
    browser.wait_for_text("Projects").await;
    browser.open("/admin/users/").await;
    browser.fill("#id_q", "bob@").await;
    browser
        .click("form[action='/admin/users/'] button[type=submit]")
        .await;
    browser.wait_for_text("bob@example.org").await;
    let text = browser.text().await;
    assert!(
        !text.contains("ann@example.org"),
        "the search narrowed the list: {text}"
    );
    browser.screenshot("admin-users").await;
    browser.open("/admin/").await;
    browser.screenshot("admin").await;
    browser.open("/accounts/profile/").await;
    browser.screenshot("profile").await;
    browser.close().await;
}

/// Opens a login link: in the browser that asked for it within five minutes it logs
/// in at once; otherwise it shows a page with a button (against mail scanners).
async fn follow_link(browser: &Browser, path: &str) {
    browser.open(path).await;
    if browser.path().await.contains("/accounts/check_token/") {
        browser.click("main form button[type=submit]").await;
    }
}

/// On a phone-sized screen the pages fit the width: nothing to scroll sideways.
#[actix_web::test]
async fn pages_fit_a_phone_screen() {
    let app = App::start();
    app.user("ann@example.org", "correct horse");
    let browser = Browser::start_sized(&app.url(""), 390, 844).await;
    browser.open("/").await;
    browser
        .wait_for_text("Know when your cron jobs stop running")
        .await;
    assert_fits(&browser, "/").await;
    browser.log_in("ann@example.org", "correct horse").await;
    browser.wait_for_text("My First Check").await;
    let checks = browser.path().await;
    assert_fits(&browser, &checks).await;
    browser.screenshot("my-checks-phone").await;
    for path in [
        "/".to_owned(),
        checks.replace("/checks/", "/settings/"),
        "/accounts/profile/".to_owned(),
    ] {
        browser.open(&path).await;
        assert_fits(&browser, &path).await;
    }
    browser.close().await;
}

async fn assert_fits(browser: &Browser, what: &str) {
    let widths = browser
        .client
        .execute(
            "return [document.documentElement.scrollWidth, window.innerWidth];",
            vec![],
        )
        .await
        .unwrap();
    let scroll = widths[0].as_u64().unwrap();
    let inner = widths[1].as_u64().unwrap();
    assert!(
        scroll <= inner,
        "{what} is {scroll}px wide on a {inner}px screen"
    );
}
