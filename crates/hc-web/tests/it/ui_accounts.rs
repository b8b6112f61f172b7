//! Sign-up and login by e-mail link, over real HTTP with a real SMTP server: the
//! mail arrives, the link asks before it logs in, and works once, for its own user,
//! within its hour.

use std::time::{Duration, Instant};

use chrono::Utc;
use diesel::prelude::*;
use hc_core::models::User;
use hc_core::schema::{
    channel_checks, channels, checks, emails, login_tokens, profiles, projects, users,
};
use hc_test::SmtpSink;

use crate::support::App;
use crate::web::{location, Web};

/// hc-web sending mail to a fresh SMTP sink, plus any other settings.
pub(crate) fn app_with_mail(sink: &SmtpSink, extra: &[(&str, &str)]) -> App {
    let port = sink.port.to_string();
    let mut vars = vec![
        ("EMAIL_HOST", "127.0.0.1"),
        ("EMAIL_PORT", port.as_str()),
        ("EMAIL_USE_TLS", "False"),
    ];
    vars.extend_from_slice(extra);
    App::start_with(&vars)
}

/// Waits (up to 10 s) until the sink holds `n` messages, and returns them.
pub(crate) async fn wait_for_mail(sink: &SmtpSink, n: usize) -> Vec<String> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let messages = sink.messages();
        if messages.len() >= n || Instant::now() > deadline {
            assert_eq!(messages.len(), n, "{messages:#?}");
            return messages;
        }
        actix_web::rt::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The path (and query) of the login link in a message.
pub(crate) fn link_path(message: &str) -> String {
    let start = message
        .find("/accounts/check_token/")
        .unwrap_or_else(|| panic!("no login link in {message}"));
    message[start..]
        .split_whitespace()
        .next()
        .unwrap()
        .to_owned()
}

fn user_by_email(app: &App, email: &str) -> Option<User> {
    users::table
        .filter(users::email.eq(email))
        .select(User::as_select())
        .first(&mut app.conn())
        .optional()
        .unwrap()
}

fn owned_projects(app: &App, user: &User) -> Vec<(i64, String)> {
    projects::table
        .filter(projects::owner_id.eq(user.id))
        .select((projects::id, projects::code))
        .load(&mut app.conn())
        .unwrap()
}

fn unused_tokens(app: &App, user: &User) -> i64 {
    login_tokens::table
        .filter(login_tokens::user_id.eq(user.id))
        .filter(login_tokens::used.is_null())
        .count()
        .get_result(&mut app.conn())
        .unwrap()
}

fn queued_mail(app: &App) -> i64 {
    emails::table.count().get_result(&mut app.conn()).unwrap()
}

/// Asks for a login link with the login page's e-mail form.
async fn ask_for_link(web: &Web<'_>, address: &str) -> crate::support::Reply {
    web.post(
        "/accounts/login/",
        &[("action", "email"), ("identity", address)],
    )
    .await
}

/// Opens a link in a browser without the `auto-login` cookie and clicks the button.
async fn confirm<'a>(app: &'a App, path: &str) -> (crate::support::Reply, Web<'a>) {
    let web = app.web();
    let page = web.get(path).await;
    assert_eq!(page.status, 200, "{}", page.body);
    let reply = web.post(path, &[]).await;
    (reply, web)
}

#[actix_web::test]
async fn sign_up_by_email_then_log_in_with_the_link_once() {
    let sink = SmtpSink::start();
    let app = app_with_mail(&sink, &[]);
    let web = app.web();

    let login = web.get("/accounts/login/").await;
    assert!(
        login.body.contains("action=\"/accounts/signup/\""),
        "{}",
        login.body
    );
    assert!(login.body.contains("Send me a login link"));

    let reply = web
        .post(
            "/accounts/signup/",
            &[
                ("identity", " New.Person@Example.ORG "),
                ("tz", "Europe/Riga"),
            ],
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert!(reply.body.contains("Check your e-mail"), "{}", reply.body);
    assert_eq!(web.cookie("auto-login").as_deref(), Some("1"));
    assert!(
        web.cookie("hc_session").is_none(),
        "sign-up alone logs nobody in"
    );

    // The account is made as healthchecks makes it.
    let user = user_by_email(&app, "new.person@example.org").expect("the new user");
    let tz: String = profiles::table
        .filter(profiles::user_id.eq(user.id))
        .select(profiles::tz)
        .first(&mut app.conn())
        .unwrap();
    assert_eq!(tz, "Europe/Riga");
    let owned = owned_projects(&app, &user);
    assert_eq!(owned.len(), 1);
    let (project_id, project_code) = owned[0].clone();
    let check_names: Vec<String> = checks::table
        .filter(checks::project_id.eq(project_id))
        .select(checks::name)
        .load(&mut app.conn())
        .unwrap();
    assert_eq!(check_names, ["My First Check"]);
    let (kind, value, channel_id): (String, String, i64) = channels::table
        .filter(channels::project_id.eq(project_id))
        .select((channels::kind, channels::value, channels::id))
        .first(&mut app.conn())
        .unwrap();
    assert_eq!(
        (kind.as_str(), value.as_str()),
        ("email", "new.person@example.org")
    );
    let linked: i64 = channel_checks::table
        .filter(channel_checks::channel_id.eq(channel_id))
        .count()
        .get_result(&mut app.conn())
        .unwrap();
    assert_eq!(linked, 1, "the first check alerts the address");

    let messages = wait_for_mail(&sink, 1).await;
    let message = &messages[0];
    assert!(message.contains("To: new.person@example.org"), "{message}");
    assert!(message.contains("Subject: Log in to Mychecks"), "{message}");
    assert!(
        message.contains("valid for one hour and works once"),
        "{message}"
    );
    assert!(
        message.contains("If you did not ask for this, ignore"),
        "{message}"
    );
    let path = link_path(message);
    assert!(path.starts_with(&format!("/accounts/check_token/{}/", user.username)));

    // A mail scanner (no cookie) opening the link sees a button and spends nothing.
    let scanner = app.web();
    let page = scanner.get(&path).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("<form method=\"post\""), "{}", page.body);
    assert_eq!(page.header("referrer-policy"), Some("no-referrer"));
    assert!(scanner.cookie("hc_session").is_none());
    assert_eq!(unused_tokens(&app, &user), 1);

    // The click logs in and lands on the new project's checks.
    let (reply, person) = confirm(&app, &path).await;
    assert_eq!(
        location(&reply),
        format!("/projects/{project_code}/checks/")
    );
    assert!(person.cookie("hc_session").is_some());
    let checks_page = person.get(&location(&reply)).await;
    assert_eq!(checks_page.status, 200, "{}", checks_page.body);
    assert!(checks_page.body.contains("My First Check"));
    assert_eq!(unused_tokens(&app, &user), 0);

    // Once only.
    let (again, other) = confirm(&app, &path).await;
    assert_eq!(location(&again), "/accounts/login/?bad_link=1");
    assert!(other.cookie("hc_session").is_none());
    let notice = other.get("/accounts/login/?bad_link=1").await;
    assert!(notice
        .body
        .contains("The login link is invalid or has expired"));
}

#[actix_web::test]
async fn expired_links_and_links_under_another_username_are_refused() {
    let sink = SmtpSink::start();
    let app = app_with_mail(&sink, &[]);
    let ann = app.user("ann@example.org", "pw-123456");
    let bob = app.user("bob@example.org", "pw-123456");

    let web = app.web();
    assert_eq!(
        location(&ask_for_link(&web, "ann@example.org").await),
        "/accounts/login_link_sent/"
    );
    let path = link_path(&wait_for_mail(&sink, 1).await[0]);

    // Ann's token presented as Bob's: refused, and Bob is not logged in.
    let as_bob = path.replace(&ann.username, &bob.username);
    assert_ne!(as_bob, path);
    let (reply, browser) = confirm(&app, &as_bob).await;
    assert_eq!(location(&reply), "/accounts/login/?bad_link=1");
    assert!(browser.cookie("hc_session").is_none());

    // A made-up token too.
    let (reply, _) = confirm(
        &app,
        &format!("/accounts/check_token/{}/{}/", ann.username, "x".repeat(32)),
    )
    .await;
    assert_eq!(location(&reply), "/accounts/login/?bad_link=1");

    // Past its hour, Ann's own link is refused as well.
    diesel::update(login_tokens::table.filter(login_tokens::user_id.eq(ann.id)))
        .set(login_tokens::expires.eq((Utc::now() - chrono::Duration::minutes(1)).naive_utc()))
        .execute(&mut app.conn())
        .unwrap();
    let (reply, browser) = confirm(&app, &path).await;
    assert_eq!(location(&reply), "/accounts/login/?bad_link=1");
    assert!(browser.cookie("hc_session").is_none());
}

#[actix_web::test]
async fn unknown_addresses_get_the_same_answer_and_no_mail() {
    let sink = SmtpSink::start();
    let app = app_with_mail(&sink, &[]);
    app.user("ann@example.org", "pw-123456");

    let stranger = app.web();
    let unknown = ask_for_link(&stranger, "nobody@example.org").await;
    let known_web = app.web();
    let known = ask_for_link(&known_web, "ann@example.org").await;
    assert_eq!(unknown.status, known.status);
    assert_eq!(location(&unknown), "/accounts/login_link_sent/");
    assert_eq!(location(&known), "/accounts/login_link_sent/");
    assert_eq!(stranger.cookie("auto-login").as_deref(), Some("1"));
    assert_eq!(known_web.cookie("auto-login").as_deref(), Some("1"));

    // The unknown address was asked for first; only the known one's mail exists.
    let messages = wait_for_mail(&sink, 1).await;
    assert!(
        messages[0].contains("To: ann@example.org"),
        "{}",
        messages[0]
    );
    assert_eq!(queued_mail(&app), 1);
    assert!(
        user_by_email(&app, "nobody@example.org").is_none(),
        "the login form makes no accounts"
    );

    let sent = stranger.get("/accounts/login_link_sent/").await;
    assert_eq!(sent.status, 200);
    assert!(sent.body.contains("Check your e-mail"));
}

#[actix_web::test]
async fn the_auto_login_cookie_logs_in_on_get_and_a_link_logs_out_whoever_was_in() {
    let sink = SmtpSink::start();
    let app = app_with_mail(&sink, &[]);
    let ann = app.user("ann@example.org", "pw-123456");
    app.user("bob@example.org", "pw-123456");

    let web = app.web();
    ask_for_link(&web, "ann@example.org").await;
    let path = link_path(&wait_for_mail(&sink, 1).await[0]);

    // Bob, logged in elsewhere, opens Ann's link there without the cookie: he is
    // logged out before anything else happens, and his session is gone for good.
    let other = app.web();
    other.login("bob@example.org", "pw-123456").await;
    let bob_session = other.cookie("hc_session").unwrap();
    assert_eq!(other.get("/").await.status, 200);
    let page = other.get(&path).await;
    assert_eq!(page.status, 200);
    assert!(other.cookie("hc_session").is_none());
    let replay = app.web();
    replay.set_cookie("hc_session", &bob_session);
    assert!(location(&replay.get("/accounts/profile/").await).starts_with("/accounts/login/"));
    assert_eq!(
        unused_tokens(&app, &ann),
        1,
        "opening the page spent nothing"
    );

    // The browser that asked holds the cookie: a GET logs in at once.
    let reply = web.get(&path).await;
    let (_, code) = owned_projects(&app, &ann)[0].clone();
    assert_eq!(location(&reply), format!("/projects/{code}/checks/"));
    let home = web.get("/").await;
    assert_eq!(home.status, 200);
    assert!(home.body.contains("ann@example.org"));
    assert_eq!(unused_tokens(&app, &ann), 0);
}

#[actix_web::test]
async fn closed_registration_refuses_sign_up_but_links_still_work() {
    let sink = SmtpSink::start();
    let app = app_with_mail(&sink, &[("REGISTRATION_OPEN", "False")]);
    let ann = app.user("ann@example.org", "pw-123456");
    let web = app.web();

    let login = web.get("/accounts/login/").await;
    assert!(!login.body.contains("/accounts/signup/"), "{}", login.body);
    assert!(login.body.contains("Send me a login link"));

    let reply = web
        .post("/accounts/signup/", &[("identity", "new@example.org")])
        .await;
    assert_eq!(reply.status, 403);
    assert!(reply.body.contains("Sign-up is closed"), "{}", reply.body);
    assert!(user_by_email(&app, "new@example.org").is_none());
    assert_eq!(web.get("/accounts/signup/csrf/").await.status, 403);

    ask_for_link(&web, "ann@example.org").await;
    let path = link_path(&wait_for_mail(&sink, 1).await[0]);
    let (reply, browser) = confirm(&app, &path).await;
    let (_, code) = owned_projects(&app, &ann)[0].clone();
    assert_eq!(location(&reply), format!("/projects/{code}/checks/"));
    assert!(browser.cookie("hc_session").is_some());
}

#[actix_web::test]
async fn signing_up_with_a_known_address_looks_the_same_and_sends_a_link() {
    let sink = SmtpSink::start();
    let app = app_with_mail(&sink, &[]);
    let ann = app.user("ann@example.org", "pw-123456");
    let web = app.web();

    let new = web
        .post(
            "/accounts/signup/",
            &[("identity", "new@example.org"), ("tz", "Mars/Olympus")],
        )
        .await;
    let known = web
        .post("/accounts/signup/", &[("identity", "Ann@Example.org")])
        .await;
    assert_eq!((new.status, known.status), (200, 200));
    assert_eq!(
        new.body, known.body,
        "the answer must not tell who has an account"
    );

    let messages = wait_for_mail(&sink, 2).await;
    assert!(messages.iter().any(|m| m.contains("To: ann@example.org")));
    assert!(messages.iter().any(|m| m.contains("To: new@example.org")));
    let count: i64 = users::table
        .filter(users::email.eq("ann@example.org"))
        .count()
        .get_result(&mut app.conn())
        .unwrap();
    assert_eq!(count, 1);
    assert_eq!(
        owned_projects(&app, &ann).len(),
        1,
        "no second project for Ann"
    );
    let new_user = user_by_email(&app, "new@example.org").unwrap();
    let tz: String = profiles::table
        .filter(profiles::user_id.eq(new_user.id))
        .select(profiles::tz)
        .first(&mut app.conn())
        .unwrap();
    assert_eq!(tz, "UTC", "an unknown zone falls back to UTC");
}

#[actix_web::test]
async fn sign_up_needs_the_csrf_token_and_a_visitor_who_is_not_logged_in() {
    let app = App::start();
    app.user("ann@example.org", "pw-123456");
    let web = app.web();
    web.get("/accounts/login/").await;

    let forged = web
        .post_raw("/accounts/signup/", &[("identity", "new@example.org")])
        .await;
    assert_eq!(forged.status, 403);
    assert!(forged.body.contains("The form expired"), "{}", forged.body);
    assert!(user_by_email(&app, "new@example.org").is_none());

    let token = web.get("/accounts/signup/csrf/").await;
    assert_eq!(token.status, 200);
    assert_eq!(
        token.header("content-type"),
        Some("text/plain; charset=utf-8")
    );
    assert_eq!(token.body, web.csrf());
    assert_eq!(token.body.len(), 32);

    web.login("ann@example.org", "pw-123456").await;
    assert_eq!(web.get("/accounts/signup/csrf/").await.status, 403);
    let reply = web
        .post("/accounts/signup/", &[("identity", "new@example.org")])
        .await;
    assert_eq!(reply.status, 403);
    assert!(user_by_email(&app, "new@example.org").is_none());
}

#[actix_web::test]
async fn the_link_button_needs_the_csrf_token() {
    let sink = SmtpSink::start();
    let app = app_with_mail(&sink, &[]);
    let ann = app.user("ann@example.org", "pw-123456");
    ask_for_link(&app.web(), "ann@example.org").await;
    let path = link_path(&wait_for_mail(&sink, 1).await[0]);

    let web = app.web();
    web.get(&path).await;
    let forged = web.post_raw(&path, &[]).await;
    assert_eq!(forged.status, 403);
    assert!(web.cookie("hc_session").is_none());
    assert_eq!(
        unused_tokens(&app, &ann),
        1,
        "a refused post spends nothing"
    );
}

#[actix_web::test]
async fn odd_addresses_get_a_readable_answer_next_to_the_field() {
    let app = App::start();
    let web = app.web();
    let long = format!("{}@example.org", "a".repeat(10_000));
    let script = "<script>alert(1)</script>@example.org";
    for path in ["/accounts/signup/", "/accounts/login/"] {
        for (identity, words) in [
            (long.as_str(), "too long"),
            (script, "Enter a valid e-mail address"),
            ("", "Please enter your e-mail address"),
            ("ann@", "Enter a valid e-mail address"),
        ] {
            let reply = web
                .post(
                    path,
                    &[
                        ("action", "email"),
                        ("identity", identity),
                        ("tz", &"x".repeat(10_000)),
                    ],
                )
                .await;
            assert_eq!(reply.status, 400, "{path} {identity:.40}: {}", reply.body);
            assert!(
                reply.body.contains(words),
                "{path} {identity:.40}: {}",
                reply.body
            );
            assert!(
                reply.body.contains("class=\"error\""),
                "the message stands by the field"
            );
            assert!(!reply.body.contains("<script>alert"), "{}", reply.body);
            assert!(
                !reply.body.contains(&"a".repeat(300)),
                "10,000 characters are not echoed"
            );
        }
    }
    let script_echo = web.post("/accounts/signup/", &[("identity", script)]).await;
    assert!(
        script_echo
            .body
            .contains("&lt;script&gt;alert(1)&lt;&#x2F;script&gt;@example.org"),
        "{}",
        script_echo.body
    );
    assert_eq!(
        users::table
            .count()
            .get_result::<i64>(&mut app.conn())
            .unwrap(),
        1,
        "only the test project's owner exists"
    );
}

#[actix_web::test]
async fn link_requests_for_one_mailbox_are_rate_limited() {
    let app = App::start();
    let web = app.web();
    // Dots and +suffixes do not make a new mailbox.
    for i in 0..10 {
        let reply = ask_for_link(&web, &format!("n.o.body+{i}@example.org")).await;
        assert_eq!(
            location(&reply),
            "/accounts/login_link_sent/",
            "attempt {i}"
        );
    }
    let reply = ask_for_link(&web, "nobody@example.org").await;
    assert_eq!(reply.status, 429);
    assert!(reply.body.contains("Too many attempts, please try later."));
    // Another mailbox is still fine.
    let reply = ask_for_link(&web, "somebody@example.org").await;
    assert_eq!(location(&reply), "/accounts/login_link_sent/");
}

#[actix_web::test]
async fn the_login_mail_is_plain_text_without_html_escapes() {
    let sink = SmtpSink::start();
    let app = app_with_mail(&sink, &[("SITE_NAME", "Checks & Co's <Ops>")]);
    app.user("ann@example.org", "pw-123456");
    app.web()
        .post(
            "/accounts/login/",
            &[
                ("action", "email"),
                ("identity", "ann@example.org"),
                ("next", "/accounts/profile/"),
            ],
        )
        .await;
    let messages = wait_for_mail(&sink, 1).await;
    let message = &messages[0];
    assert!(
        message.contains("To log in to Checks & Co's <Ops>, open this link"),
        "{message}"
    );
    for artefact in ["&amp;", "&#x27;", "&lt;", "&gt;", "&quot;"] {
        assert!(!message.contains(artefact), "{artefact} in {message}");
    }
    let record: (String, String) = emails::table
        .select((emails::subject, emails::body_html))
        .first(&mut app.conn())
        .unwrap();
    assert_eq!(
        record,
        ("Log in to Checks & Co's <Ops>".to_owned(), String::new())
    );

    // The requested page rides along in the link and is honoured after login.
    let path = link_path(message);
    assert!(path.ends_with("?next=%2Faccounts%2Fprofile%2F"), "{path}");
    let (reply, _) = confirm(&app, &path).await;
    assert_eq!(location(&reply), "/accounts/profile/");
}
