//! The signed unsubscribe link of reports and reminders, over real HTTP: a GET
//! asks, a POST (a mail client's one-click POST too, with no cookie or CSRF token)
//! turns reports and reminders off, and a link that was tampered with does nothing.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;
use hc_core::models::{Profile, User};
use hc_core::reports::unsubscribe;
use hc_core::schema::profiles;
use hc_core::time;

use crate::support::{App, Reply};

fn profile_of(app: &App, user: &User) -> Profile {
    profiles::table
        .filter(profiles::user_id.eq(user.id))
        .select(Profile::as_select())
        .first(&mut app.conn())
        .unwrap()
}

/// A user who gets monthly reports and hourly reminders, both scheduled.
fn subscribed(app: &App, email: &str) -> User {
    let user = app.user(email, "password-1");
    let soon = Some((time::now() + Duration::hours(1)).naive_utc());
    diesel::update(profiles::table.filter(profiles::user_id.eq(user.id)))
        .set((
            profiles::reports.eq("monthly"),
            profiles::next_report_date.eq(soon),
            profiles::nag_period.eq(3600),
            profiles::next_nag_date.eq(soon),
        ))
        .execute(&mut app.conn())
        .unwrap();
    user
}

fn token(app: &App, username: &str, made: chrono::DateTime<chrono::Utc>) -> String {
    unsubscribe::token(app.config.secret_key.expose(), username, made)
}

/// What a mail client sends for RFC 8058's one-click unsubscribe: no cookies.
async fn one_click(app: &App, token: &str) -> Reply {
    app.send(
        app.client
            .post(app.url(&unsubscribe::path(token)))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body("List-Unsubscribe=One-Click"),
    )
    .await
}

fn still_subscribed(profile: &Profile) -> bool {
    profile.reports == "monthly"
        && profile.next_report_date.is_some()
        && profile.nag_period == 3600
        && profile.next_nag_date.is_some()
}

#[actix_web::test]
async fn the_link_asks_first_then_turns_reports_and_reminders_off() {
    let app = App::start();
    let ann = subscribed(&app, "ann@example.org");
    let bob = subscribed(&app, "bob@example.org");
    let fresh = token(&app, &ann.username, time::now());
    let path = unsubscribe::path(&fresh);

    // Opening the link (as a mail scanner does on arrival) only asks.
    let page = app.web().get(&path).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(
        page.body
            .replace("&#x2F;", "/")
            .contains(&format!("<form method=\"post\" action=\"{path}\"")),
        "{}",
        page.body
    );
    assert!(page.body.contains(">Unsubscribe</button>"));
    assert!(
        !page.body.contains(".submit()"),
        "a fresh link waits for a click"
    );
    assert_eq!(page.header("referrer-policy"), Some("no-referrer"));
    assert!(still_subscribed(&profile_of(&app, &ann)));

    // Opened later, it is a person: the page posts itself.
    let old = token(&app, &ann.username, time::now() - Duration::hours(2));
    let later = app.web().get(&unsubscribe::path(&old)).await;
    assert_eq!(later.status, 200);
    assert!(later
        .body
        .contains("getElementById(\"unsubscribe-form\").submit()"));

    // The mail client's one-click POST: no session, no CSRF token.
    let done = one_click(&app, &fresh).await;
    assert_eq!(done.status, 200, "{}", done.body);
    assert!(done.body.contains("You are unsubscribed"), "{}", done.body);
    let profile = profile_of(&app, &ann);
    assert_eq!(profile.reports, "off");
    assert_eq!(profile.next_report_date, None::<NaiveDateTime>);
    assert_eq!(profile.nag_period, 0);
    assert_eq!(profile.next_nag_date, None::<NaiveDateTime>);
    assert!(still_subscribed(&profile_of(&app, &bob)), "only ann's");

    // Pressing the button on the page does the same, and twice is harmless.
    let web = app.web();
    web.get(&path).await;
    let again = web.post_raw(&path, &[]).await;
    assert_eq!(again.status, 200);
    assert_eq!(profile_of(&app, &ann).reports, "off");
}

#[actix_web::test]
async fn a_tampered_link_is_refused_and_changes_nothing() {
    let app = App::start();
    let ann = subscribed(&app, "ann@example.org");
    let bob = subscribed(&app, "bob@example.org");
    let genuine = token(&app, &ann.username, time::now());

    // Ann's signature on Bob's name.
    let (_, rest) = genuine.split_once('.').unwrap();
    let bobs_name = token(&app, &bob.username, time::now());
    let (bob_part, _) = bobs_name.split_once('.').unwrap();
    let swapped = format!("{bob_part}.{rest}");
    // One character of the signature changed.
    let mut flipped = genuine.clone();
    let last = if flipped.ends_with('a') { 'b' } else { 'a' };
    flipped.pop();
    flipped.push(last);
    // Signed with another key.
    let foreign = unsubscribe::token("not-our-secret", &ann.username, time::now());
    // Signed by us, for nobody.
    let nobody = token(&app, "no-such-user", time::now());

    for bad in [&swapped, &flipped, &foreign, &"garbage".to_owned()] {
        let page = app.web().get(&unsubscribe::path(bad)).await;
        assert_eq!(page.status, 400, "GET {bad}");
        assert!(page.body.contains("This unsubscribe link is not valid"));
        assert!(!page.body.contains(">Unsubscribe</button>"));
        let post = one_click(&app, bad).await;
        assert_eq!(post.status, 400, "POST {bad}");
    }
    assert_eq!(one_click(&app, &nobody).await.status, 400);
    assert!(still_subscribed(&profile_of(&app, &ann)));
    assert!(still_subscribed(&profile_of(&app, &bob)));
}
