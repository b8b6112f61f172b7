//! The account settings pages and closing an account, over real HTTP.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;
use hc_core::models::{Flip, Member, Notification, Ping, Profile};
use hc_core::schema::{
    channel_checks, channels, checks, flips, members, notifications, pings, profiles, projects,
    sessions, users,
};
use hc_core::time;

use crate::support::App;
use crate::web::location;

fn profile_of(app: &App, user_id: i64) -> Profile {
    profiles::table
        .filter(profiles::user_id.eq(user_id))
        .select(Profile::as_select())
        .first(&mut app.conn())
        .unwrap()
}

#[actix_web::test]
async fn changing_the_password_logs_out_the_other_sessions_only() {
    let app = App::start();
    app.user("ann@example.org", "old-password");
    let here = app.web();
    here.login("ann@example.org", "old-password").await;
    let elsewhere = app.web();
    elsewhere.login("ann@example.org", "old-password").await;

    let page = here.get("/accounts/profile/").await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("ann@example.org"));
    assert!(page.body.contains("name=\"current_password\""));
    assert!(page.body.contains("<option selected>UTC</option>"));

    let wrong = here
        .post(
            "/accounts/profile/",
            &[
                ("action", "password"),
                ("current_password", "not-my-password"),
                ("password", "new-password"),
                ("password2", "new-password"),
            ],
        )
        .await;
    assert_eq!(wrong.status, 400);
    assert!(wrong.body.contains("The current password is not correct."));
    assert!(wrong.body.contains("id=\"err_current_password\""));

    let short = here
        .post(
            "/accounts/profile/",
            &[
                ("action", "password"),
                ("current_password", "old-password"),
                ("password", "short"),
                ("password2", "short"),
            ],
        )
        .await;
    assert_eq!(short.status, 400);
    assert!(short
        .body
        .contains("The password must be at least 8 characters long."));
    assert!(short.body.contains("id=\"err_password\""));

    let mismatch = here
        .post(
            "/accounts/profile/",
            &[
                ("action", "password"),
                ("current_password", "old-password"),
                ("password", "new-password"),
                ("password2", "new-passw0rd"),
            ],
        )
        .await;
    assert_eq!(mismatch.status, 400);
    assert!(mismatch.body.contains("The two passwords do not match."));

    let huge = "x".repeat(10_000);
    let too_long = here
        .post(
            "/accounts/profile/",
            &[
                ("action", "password"),
                ("current_password", "old-password"),
                ("password", &huge),
                ("password2", &huge),
            ],
        )
        .await;
    assert_eq!(too_long.status, 400);
    assert!(too_long.body.contains("at most 4096 characters"));

    // Nothing refused above changed anything: the other browser is still in.
    assert_eq!(elsewhere.get("/accounts/profile/").await.status, 200);

    let ok = here
        .post(
            "/accounts/profile/",
            &[
                ("action", "password"),
                ("current_password", "old-password"),
                ("password", "new-password"),
                ("password2", "new-password"),
            ],
        )
        .await;
    assert_eq!(location(&ok), "/accounts/profile/?saved=password");
    let after = here.get("/accounts/profile/?saved=password").await;
    assert_eq!(after.status, 200, "the session that changed it stays");
    assert!(after.body.contains("Your password has been saved."));
    let gone = elsewhere.get("/accounts/profile/").await;
    assert!(
        location(&gone).starts_with("/accounts/login/"),
        "the other session ended"
    );

    let old = app
        .web()
        .post(
            "/accounts/login/",
            &[("email", "ann@example.org"), ("password", "old-password")],
        )
        .await;
    assert_eq!(old.status, 200);
    assert!(old.body.contains("Incorrect email or password."));
    app.web().login("ann@example.org", "new-password").await;
}

#[actix_web::test]
async fn someone_without_a_password_sets_one_without_a_current_one() {
    let app = App::start();
    // `createproject` makes owners without a password; they log in by e-mailed link.
    let owner: i64 = users::table
        .filter(users::email.eq("owner@example.org"))
        .select(users::id)
        .first(&mut app.conn())
        .unwrap();
    let key = hc_core::sessions::start(&mut app.conn(), Some(owner), "{}", time::now()).unwrap();
    let signature =
        hc_core::keys::hmac_hex(app.config.secret_key.expose(), &format!("hc-session:{key}"));
    let web = app.web();
    web.set_cookie("hc_session", &format!("{key}.{}", &signature[..32]));

    let page = web.get("/accounts/profile/").await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("Set a password"));
    assert!(!page.body.contains("current_password"));
    let ok = web
        .post(
            "/accounts/profile/",
            &[
                ("action", "password"),
                ("password", "first-password"),
                ("password2", "first-password"),
            ],
        )
        .await;
    assert_eq!(location(&ok), "/accounts/profile/?saved=password");
    app.web().login("owner@example.org", "first-password").await;
    let page = web.get("/accounts/profile/").await;
    assert!(page.body.contains("Change password"));
}

#[actix_web::test]
async fn the_time_zone_must_be_a_real_zone() {
    let app = App::start();
    let ann = app.user("ann@example.org", "password-1");
    let web = app.web();
    web.login("ann@example.org", "password-1").await;

    for bad in [
        "Mars/Olympus_Mons",
        "Europe/Kiev",
        "",
        &"<script>".repeat(1500),
    ] {
        let reply = web
            .post("/accounts/profile/", &[("action", "tz"), ("tz", bad)])
            .await;
        assert_eq!(reply.status, 400, "{bad:.40}");
        assert!(reply
            .body
            .contains("Please choose a time zone from the list."));
        assert!(!reply.body.contains("<script>"));
    }
    assert_eq!(profile_of(&app, ann.id).tz, "UTC");

    let ok = web
        .post(
            "/accounts/profile/",
            &[("action", "tz"), ("tz", "Europe/Riga")],
        )
        .await;
    assert_eq!(location(&ok), "/accounts/profile/?saved=tz");
    assert_eq!(profile_of(&app, ann.id).tz, "Europe/Riga");
    let page = web.get("/accounts/profile/").await;
    assert!(page
        .body
        .contains("<option selected>Europe&#x2F;Riga</option>"));

    let unknown = web.post("/accounts/profile/", &[("action", "nope")]).await;
    assert_eq!(unknown.status, 400);
}

#[actix_web::test]
async fn reports_and_reminders_are_saved_and_reminders_start_when_something_is_down() {
    let app = App::start();
    let ann = app.user("ann@example.org", "password-1");
    let web = app.web();
    web.login("ann@example.org", "password-1").await;

    let page = web.get("/accounts/profile/notifications/").await;
    assert_eq!(page.status, 200);
    assert!(page
        .body
        .contains("name=\"reports\" value=\"monthly\" checked"));

    // Ann's first check is down: turning reminders on schedules one an hour out.
    let owned = projects::table
        .filter(projects::owner_id.eq(ann.id))
        .select(projects::id.nullable());
    diesel::update(checks::table.filter(checks::project_id.eq_any(owned)))
        .set(checks::status.eq("down"))
        .execute(&mut app.conn())
        .unwrap();
    let before = time::now().naive_utc();
    let ok = web
        .post(
            "/accounts/profile/notifications/",
            &[("reports", "weekly"), ("nag_period", "3600")],
        )
        .await;
    assert_eq!(location(&ok), "/accounts/profile/notifications/?saved=1");
    let saved = profile_of(&app, ann.id);
    assert_eq!((saved.reports.as_str(), saved.nag_period), ("weekly", 3600));
    let next: NaiveDateTime = saved.next_nag_date.expect("a reminder is scheduled");
    assert!(next >= before + Duration::minutes(59) && next <= before + Duration::minutes(61));

    let shown = web.get("/accounts/profile/notifications/?saved=1").await;
    assert!(shown
        .body
        .contains("name=\"nag_period\" value=\"3600\" checked"));
    assert!(shown.body.contains("Your settings have been saved."));

    for (reports, nag, message) in [
        (
            "yearly",
            "0",
            "Please choose off, daily, weekly or monthly.",
        ),
        ("daily", "60", "Please choose off, hourly or daily."),
        (
            "<script>x</script>",
            "",
            "Please choose off, hourly or daily.",
        ),
    ] {
        let reply = web
            .post(
                "/accounts/profile/notifications/",
                &[("reports", reports), ("nag_period", nag)],
            )
            .await;
        assert_eq!(reply.status, 400, "{reports} {nag}");
        assert!(reply.body.contains(message), "{}", reply.body);
        assert!(!reply.body.contains("<script>x"));
    }
    let unchanged = profile_of(&app, ann.id);
    assert_eq!(
        (unchanged.reports.as_str(), unchanged.nag_period),
        ("weekly", 3600)
    );

    let off = web
        .post(
            "/accounts/profile/notifications/",
            &[("reports", "off"), ("nag_period", "0")],
        )
        .await;
    assert_eq!(off.status, 302);
    let saved = profile_of(&app, ann.id);
    assert_eq!((saved.reports.as_str(), saved.nag_period), ("off", 0));
    assert_eq!(
        saved.next_nag_date, None,
        "turning reminders off clears them"
    );
}

#[actix_web::test]
async fn the_theme_shows_on_every_page() {
    let app = App::start();
    let ann = app.user("ann@example.org", "password-1");
    let web = app.web();
    web.login("ann@example.org", "password-1").await;
    assert!(web.get("/").await.body.contains("data-theme=\"light\""));

    let ok = web
        .post("/accounts/profile/appearance/", &[("theme", "dark")])
        .await;
    assert_eq!(location(&ok), "/accounts/profile/appearance/?saved=1");
    assert_eq!(profile_of(&app, ann.id).theme.as_deref(), Some("dark"));
    for path in ["/", "/accounts/profile/", "/accounts/profile/appearance/"] {
        let page = web.get(path).await;
        assert!(
            page.body.contains("<html lang=\"en\" data-theme=\"dark\">"),
            "{path}"
        );
    }

    let bad = web
        .post("/accounts/profile/appearance/", &[("theme", "blue")])
        .await;
    assert_eq!(bad.status, 400);
    assert!(bad.body.contains("Please choose light, dark or system."));
    assert_eq!(profile_of(&app, ann.id).theme.as_deref(), Some("dark"));

    web.post("/accounts/profile/appearance/", &[("theme", "system")])
        .await;
    let page = web.get("/").await;
    assert!(
        page.body.contains("<html lang=\"en\">"),
        "system: no forced theme"
    );
}

#[actix_web::test]
async fn settings_pages_need_a_login_and_the_csrf_token() {
    let app = App::start();
    app.user("ann@example.org", "password-1");
    let anonymous = app.web();
    for path in [
        "/accounts/profile/",
        "/accounts/profile/notifications/",
        "/accounts/profile/appearance/",
        "/accounts/close/",
    ] {
        let reply = anonymous.get(path).await;
        assert!(
            location(&reply).starts_with("/accounts/login/?next="),
            "{path}"
        );
    }

    let web = app.web();
    web.login("ann@example.org", "password-1").await;
    let forged = [("csrfmiddlewaretoken", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")];
    for (path, extra) in [
        ("/accounts/profile/", ("action", "tz")),
        ("/accounts/profile/notifications/", ("reports", "off")),
        ("/accounts/profile/appearance/", ("theme", "dark")),
        ("/accounts/close/", ("email", "ann@example.org")),
    ] {
        let reply = web.post_raw(path, &[forged[0], extra]).await;
        assert_eq!(reply.status, 403, "{path}");
    }
    assert_eq!(web.get("/accounts/profile/").await.status, 200);
}

/// Rows of `table` whose `column` is in `ids`.
macro_rules! count_in {
    ($app:expr, $table:ident, $column:expr, $ids:expr) => {
        $table::table
            .filter($column.eq_any($ids.clone()))
            .count()
            .get_result::<i64>(&mut $app.conn())
            .unwrap()
    };
}

#[actix_web::test]
async fn closing_the_account_deletes_everything_it_owned_and_nothing_else() {
    let app = App::start();
    let ann = app.user("ann@example.org", "password-1");
    let bob = app.user("bob@example.org", "password-2");
    let now = time::now().naive_utc();
    let mut conn = app.conn();
    let ann_projects: Vec<i64> = projects::table
        .filter(projects::owner_id.eq(ann.id))
        .select(projects::id)
        .load(&mut conn)
        .unwrap();
    let ann_checks: Vec<i64> = checks::table
        .filter(checks::project_id.eq_any(ann_projects.iter().map(|id| Some(*id))))
        .select(checks::id)
        .load(&mut conn)
        .unwrap();
    assert_eq!((ann_projects.len(), ann_checks.len()), (1, 1));
    let shared: i64 = projects::table
        .filter(projects::code.eq(&app.project.uuid))
        .select(projects::id)
        .first(&mut conn)
        .unwrap();
    // Ann is a member of the shared project; Bob is a member of Ann's.
    for (user_id, project_id) in [(ann.id, shared), (bob.id, ann_projects[0])] {
        diesel::insert_into(members::table)
            .values(Member {
                id: 0,
                user_id,
                project_id,
                role: "w".into(),
                transfer_request_date: None,
            })
            .execute(&mut conn)
            .unwrap();
    }
    diesel::insert_into(pings::table)
        .values(Ping {
            id: 0,
            check_id: ann_checks[0],
            n: Some(1),
            created: now,
            kind: None,
            scheme: "http".into(),
            remote_addr: None,
            method: "GET".into(),
            ua: String::new(),
            body: None,
            exitstatus: None,
            rid: None,
        })
        .execute(&mut conn)
        .unwrap();
    diesel::insert_into(flips::table)
        .values(Flip {
            id: 0,
            check_id: ann_checks[0],
            created: now,
            processed: None,
            old_status: "new".into(),
            new_status: "up".into(),
            reason: String::new(),
        })
        .execute(&mut conn)
        .unwrap();
    let ann_channels: Vec<i64> = channels::table
        .filter(channels::project_id.eq_any(&ann_projects))
        .select(channels::id)
        .load(&mut conn)
        .unwrap();
    diesel::insert_into(notifications::table)
        .values(Notification {
            id: 0,
            code: hc_core::keys::new_uuid(),
            check_id: Some(ann_checks[0]),
            channel_id: ann_channels[0],
            flip_id: None,
            check_status: "up".into(),
            created: now,
            status: "sent".into(),
            attempts: 1,
            next_attempt: None,
            claimed_until: None,
            error: String::new(),
        })
        .execute(&mut conn)
        .unwrap();
    assert_eq!(
        count_in!(app, channel_checks, channel_checks::check_id, ann_checks),
        1
    );
    drop(conn);

    let web = app.web();
    web.login("ann@example.org", "password-1").await;
    let page = web.get("/accounts/close/").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("1 project you own, with their 1 check"));
    assert!(page.body.contains("1 integration"));
    assert!(page.body.contains("in 1 project of other people ends"));
    assert!(page.body.contains("data-confirm="));

    let wrong = web
        .post(
            "/accounts/close/",
            &[("email", "bob@example.org"), ("password", "password-1")],
        )
        .await;
    assert_eq!(wrong.status, 400);
    assert!(wrong
        .body
        .contains("This is not the address of your account."));
    assert!(wrong.body.contains("id=\"err_email\""));
    let bad_password = web
        .post(
            "/accounts/close/",
            &[("email", "ann@example.org"), ("password", "password-2")],
        )
        .await;
    assert_eq!(bad_password.status, 400);
    assert!(bad_password.body.contains("The password is not correct."));
    let huge = web
        .post(
            "/accounts/close/",
            &[("email", &"<b>".repeat(3500)), ("password", "password-1")],
        )
        .await;
    assert_eq!(huge.status, 400);
    assert!(!huge.body.contains("<b><b>"));
    assert_eq!(
        users::table
            .filter(users::id.eq(ann.id))
            .count()
            .get_result::<i64>(&mut app.conn())
            .unwrap(),
        1,
        "refused attempts delete nothing"
    );

    let closed = web
        .post(
            "/accounts/close/",
            &[("email", " ANN@example.org"), ("password", "password-1")],
        )
        .await;
    assert_eq!(location(&closed), "/accounts/login/?account-closed=1");
    assert!(web.cookie("hc_session").is_none());
    assert!(location(&web.get("/accounts/profile/").await).starts_with("/accounts/login/"));
    let login = web.get("/accounts/login/?account-closed=1").await;
    assert!(login.body.contains("Your account has been closed"));

    let ann_ids = vec![ann.id];
    let nullable_checks: Vec<Option<i64>> = ann_projects.iter().map(|id| Some(*id)).collect();
    assert_eq!(count_in!(app, users, users::id, ann_ids), 0);
    assert_eq!(count_in!(app, profiles, profiles::user_id, ann_ids), 0);
    assert_eq!(
        count_in!(
            app,
            sessions,
            sessions::user_id,
            ann_ids.iter().map(|i| Some(*i)).collect::<Vec<_>>()
        ),
        0
    );
    assert_eq!(count_in!(app, projects, projects::owner_id, ann_ids), 0);
    assert_eq!(count_in!(app, projects, projects::id, ann_projects), 0);
    assert_eq!(
        count_in!(app, checks, checks::project_id, nullable_checks),
        0
    );
    assert_eq!(count_in!(app, checks, checks::id, ann_checks), 0);
    assert_eq!(count_in!(app, pings, pings::check_id, ann_checks), 0);
    assert_eq!(count_in!(app, flips, flips::check_id, ann_checks), 0);
    assert_eq!(
        count_in!(app, channels, channels::project_id, ann_projects),
        0
    );
    assert_eq!(count_in!(app, members, members::user_id, ann_ids), 0);
    assert_eq!(
        count_in!(app, members, members::project_id, ann_projects),
        0
    );

    // The shared project and Bob are untouched.
    assert_eq!(count_in!(app, projects, projects::id, vec![shared]), 1);
    assert_eq!(count_in!(app, users, users::id, vec![bob.id]), 1);
    assert_eq!(
        count_in!(app, projects, projects::owner_id, vec![bob.id]),
        1
    );
    let bob_web = app.web();
    bob_web.login("bob@example.org", "password-2").await;
    let bobs = bob_web.get("/accounts/profile/").await;
    assert_eq!(bobs.status, 200);
    assert!(
        !bobs.body.contains("Shared with you"),
        "Bob's membership ended with the project"
    );
}

/// Changing the address: a link to the new address, which only its owner (logged in
/// as the same user) can use, within 15 minutes.
#[actix_web::test]
async fn a_new_address_takes_effect_from_the_link_sent_to_it() {
    use crate::ui_accounts::{app_with_mail, wait_for_mail};
    let sink = hc_test::SmtpSink::start();
    let app = app_with_mail(&sink, &[]);
    app.user("ann@example.org", "password-1");
    app.user("bob@example.org", "password-2");
    let web = app.web();
    web.login("ann@example.org", "password-1").await;

    // Wrong password, a taken address, and nonsense are refused beside the field.
    let wrong = web
        .post(
            "/accounts/profile/",
            &[
                ("action", "email"),
                ("new_email", "ann@new.example.org"),
                ("email_password", "nope"),
            ],
        )
        .await;
    assert_eq!(wrong.status, 400);
    assert!(wrong.body.contains("The current password is not correct."));
    let taken = web
        .post(
            "/accounts/profile/",
            &[
                ("action", "email"),
                ("new_email", "BOB@example.org"),
                ("email_password", "password-1"),
            ],
        )
        .await;
    assert_eq!(taken.status, 400);
    assert!(taken.body.contains("Another account uses that address."));
    let junk = web
        .post(
            "/accounts/profile/",
            &[
                ("action", "email"),
                ("new_email", "<script>@x"),
                ("email_password", "password-1"),
            ],
        )
        .await;
    assert_eq!(junk.status, 400);
    assert!(!junk.body.contains("<script>@x"));

    let asked = web
        .post(
            "/accounts/profile/",
            &[
                ("action", "email"),
                ("new_email", "Ann@New.example.org"),
                ("email_password", "password-1"),
            ],
        )
        .await;
    assert_eq!(location(&asked), "/accounts/profile/?saved=email_sent");
    let mail = wait_for_mail(&sink, 1).await;
    assert!(mail[0].contains("To: ann@new.example.org"), "{}", mail[0]);
    let start = mail[0].find("/accounts/change_email/").unwrap();
    let path: String = mail[0][start..]
        .split_whitespace()
        .next()
        .unwrap()
        .to_owned();

    // Bob, logged in, cannot use Ann's link.
    let bob = app.web();
    bob.login("bob@example.org", "password-2").await;
    assert_eq!(bob.post(&path, &[]).await.status, 400);
    // A tampered link is refused.
    let tampered = path.replacen("change_email/", "change_email/x", 1);
    assert_eq!(web.post(&tampered, &[]).await.status, 400);

    // GET only shows a button; the POST makes the change.
    assert_eq!(web.get(&path).await.status, 200);
    let user = |email: &str| hc_core::accounts::find_user_by_email(&mut app.conn(), email).unwrap();
    assert!(user("ann@example.org").is_some());
    let done = web.post(&path, &[]).await;
    assert_eq!(location(&done), "/accounts/profile/?saved=email");
    assert!(user("ann@example.org").is_none());
    assert!(user("ann@new.example.org").is_some());
    // The new address logs in.
    app.web().login("ann@new.example.org", "password-1").await;
}

#[test]
fn change_links_expire_after_15_minutes() {
    use chrono::Duration;
    let db = hc_test::TestDb::new();
    let pool = db.migrated_pool();
    let conn = &mut pool.get().unwrap();
    let ann = hc_core::accounts::create_user(
        conn,
        &hc_core::accounts::NewUser {
            email: "ann@example.org",
            ..Default::default()
        },
    )
    .unwrap();
    let then = hc_core::time::now();
    let token = hc_core::profiles::email_change_token("s", ann.id, "ann@new.example.org", then);
    let late = then + Duration::minutes(16);
    assert_eq!(
        hc_core::profiles::change_email(conn, "s", ann.id, &token, late).unwrap(),
        Err(hc_core::profiles::EmailChangeRefused::Expired)
    );
    assert_eq!(
        hc_core::profiles::change_email(conn, "other-secret", ann.id, &token, then).unwrap(),
        Err(hc_core::profiles::EmailChangeRefused::Invalid)
    );
    assert_eq!(
        hc_core::profiles::change_email(conn, "s", ann.id, &token, then).unwrap(),
        Ok("ann@new.example.org".to_owned())
    );
}
