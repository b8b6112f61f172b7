//! Password login, logout, sessions and CSRF, over real HTTP.

use crate::support::App;
use crate::web::location;

#[actix_web::test]
async fn a_password_login_opens_the_projects_page_and_logout_ends_the_session() {
    let app = App::start();
    app.user("ann@example.org", "correct horse");
    let web = app.web();

    let anonymous = web.get("/").await;
    assert_eq!(anonymous.status, 200, "visitors get the Welcome page");

    let page = web.get("/accounts/login/").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("name=\"csrfmiddlewaretoken\""));

    let anonymous_session = web.cookie("hc_session");
    let wrong = web
        .post(
            "/accounts/login/",
            &[("email", "ann@example.org"), ("password", "nope")],
        )
        .await;
    assert_eq!(wrong.status, 200);
    assert!(wrong.body.contains("Incorrect email or password."));
    assert_eq!(
        web.cookie("hc_session"),
        anonymous_session,
        "no new session"
    );

    let ok = web
        .post(
            "/accounts/login/",
            &[("email", "ANN@example.org "), ("password", "correct horse")],
        )
        .await;
    let landing = location(&ok);
    assert!(
        landing.starts_with("/projects/") && landing.ends_with("/checks/"),
        "one project: straight to its checks, got {landing}"
    );
    let session = web.cookie("hc_session").expect("a session cookie");
    assert_ne!(
        Some(&session),
        anonymous_session.as_ref(),
        "a new key at login"
    );
    let set_cookie = ok
        .headers
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|c| c.starts_with("hc_session="))
        .unwrap();
    assert!(
        set_cookie.contains("HttpOnly") && set_cookie.contains("SameSite=Lax"),
        "{set_cookie}"
    );

    let home = web.get("/").await;
    assert_eq!(home.status, 200, "{}", home.body);
    assert!(
        home.body.contains("ann@example.org"),
        "the unnamed first project shows as its owner"
    );
    // My First Check, and the Welcome page's demo check that came along.
    assert!(home.body.contains("2 checks"), "{}", home.body);

    let out = web.post("/accounts/logout/", &[]).await;
    assert_eq!(location(&out), "/accounts/login/");
    // The old cookie, replayed, no longer logs anyone in.
    let replay = app.web();
    replay.set_cookie("hc_session", &session);
    assert!(location(&replay.get("/accounts/profile/").await).starts_with("/accounts/login/"));
}

#[actix_web::test]
async fn forms_without_the_csrf_token_are_refused() {
    let app = App::start();
    app.user("ann@example.org", "correct horse");
    let web = app.web();
    web.get("/accounts/login/").await;

    let missing = web
        .post_raw(
            "/accounts/login/",
            &[("email", "ann@example.org"), ("password", "correct horse")],
        )
        .await;
    assert_eq!(missing.status, 403);
    assert!(
        missing.body.contains("The form expired"),
        "{}",
        missing.body
    );

    let forged = web
        .post_raw(
            "/accounts/login/",
            &[
                ("csrfmiddlewaretoken", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"),
                ("email", "ann@example.org"),
                ("password", "correct horse"),
            ],
        )
        .await;
    assert_eq!(forged.status, 403);

    let csrf = web.csrf();
    let other_origin = web
        .send(
            reqwest::Client::new()
                .post(app.url("/accounts/login/"))
                .header("Origin", "https://evil.example")
                .header("Content-Type", "application/x-www-form-urlencoded")
                .body(format!(
                    "csrfmiddlewaretoken={csrf}&email=ann%40example.org&password=correct+horse"
                )),
        )
        .await;
    assert_eq!(other_origin.status, 403);
    assert!(web.cookie("hc_session").is_none());
}

#[actix_web::test]
async fn next_brings_you_back_but_never_to_another_site() {
    let app = App::start();
    app.user("ann@example.org", "pw-123456");
    let web = app.web();
    let reply = web
        .post(
            "/accounts/login/",
            &[
                ("email", "ann@example.org"),
                ("password", "pw-123456"),
                ("next", "/accounts/profile/"),
            ],
        )
        .await;
    assert_eq!(location(&reply), "/accounts/profile/");

    let web = app.web();
    let reply = web
        .post(
            "/accounts/login/",
            &[
                ("email", "ann@example.org"),
                ("password", "pw-123456"),
                ("next", "//evil.example/"),
            ],
        )
        .await;
    assert!(location(&reply).starts_with("/projects/"));
}

#[actix_web::test]
async fn password_guessing_is_rate_limited() {
    let app = App::start();
    app.user("ann@example.org", "pw-123456");
    let web = app.web();
    let mut last = 0;
    for _ in 0..21 {
        last = web
            .post(
                "/accounts/login/",
                &[("email", "ann@example.org"), ("password", "guess")],
            )
            .await
            .status;
    }
    assert_eq!(last, 429);
    // Even the right password waits now.
    let reply = web
        .post(
            "/accounts/login/",
            &[("email", "ann@example.org"), ("password", "pw-123456")],
        )
        .await;
    assert!(reply.body.contains("Too many attempts"));
}

#[actix_web::test]
async fn static_files_are_served_locally() {
    let app = App::start();
    let css = app.web().get("/static/hc.css").await;
    assert_eq!(css.status, 200);
    assert_eq!(css.header("content-type"), Some("text/css; charset=utf-8"));
    assert!(css.body.contains("prefers-color-scheme: dark"));
    assert_eq!(app.web().get("/static/nope.css").await.status, 404);
}
