//! The admin area, over real HTTP: who may see it, finding and managing users,
//! the lists, and escaping of what users typed.

use chrono::Utc;
use diesel::prelude::*;
use hc_core::accounts;
use hc_core::models::Notification;
use hc_core::schema::{channels, checks, notifications, projects, sessions, users};
use hc_integrations::email::Outgoing;

use crate::support::App;
use crate::web::location;

const ADMIN_PAGES: [&str; 8] = [
    "/admin/",
    "/admin/users/",
    "/admin/users/1/",
    "/admin/projects/",
    "/admin/checks/?uuid=5b3f9e1c-2a4d-4c8e-9f10-1234567890ab",
    "/admin/channels/",
    "/admin/notifications/",
    "/admin/emails/",
];

fn user_id(app: &App, email: &str) -> i64 {
    users::table
        .filter(users::email.eq(email))
        .select(users::id)
        .first(&mut app.conn())
        .unwrap()
}

#[actix_web::test]
async fn only_superusers_find_the_admin_area() {
    let app = App::start();
    app.user("ann@example.org", "password-1");
    let anonymous = app.web();
    for path in ADMIN_PAGES {
        let reply = anonymous.get(path).await;
        assert!(
            location(&reply).starts_with("/accounts/login/?next=%2Fadmin%2F"),
            "{path}"
        );
    }
    assert_eq!(
        location(&anonymous.get("/admin/login/").await),
        "/accounts/login/?next=%2Fadmin%2F"
    );

    let web = app.web();
    web.login("ann@example.org", "password-1").await;
    for path in ADMIN_PAGES {
        let reply = web.get(path).await;
        assert_eq!(reply.status, 404, "{path}");
        assert!(!reply.body.contains("Administration"));
    }
    let target = format!("/admin/users/{}/", user_id(&app, "owner@example.org"));
    for action in ["deactivate", "reactivate", "delete"] {
        let reply = web.post(&format!("{target}{action}/"), &[]).await;
        assert_eq!(reply.status, 404, "{action}");
    }
    assert!(
        users::table
            .filter(users::email.eq("owner@example.org"))
            .select(users::is_active)
            .first::<bool>(&mut app.conn())
            .unwrap(),
        "the refused posts changed nothing"
    );
    assert!(!web.get("/").await.body.contains("/admin/\">Admin"));
}

#[actix_web::test]
async fn a_superuser_finds_users_and_sees_what_they_own() {
    let app = App::start();
    app.superuser("root@example.org", "root-password");
    app.user("ann@example.org", "password-1");
    app.user("bob@other.org", "password-2");
    accounts::create_project(
        &mut app.conn(),
        "ann@example.org",
        "Backups of Ann",
        "test-secret",
    )
    .unwrap();
    let admin = app.web();
    admin.login("root@example.org", "root-password").await;

    let home = admin.get("/admin/").await;
    assert_eq!(home.status, 200, "{}", home.body);
    // root, owner (from `createproject`), ann, bob.
    assert!(home.body.contains("4 users"), "{}", home.body);
    // P, Ann's first and her backups, Bob's first.
    assert!(home.body.contains("4 projects"), "{}", home.body);
    assert!(home.body.contains("2 checks, 0 down"));
    assert!(admin.get("/").await.body.contains("/admin/\">Admin"));

    let all = admin.get("/admin/users/").await;
    assert!(
        all.body.contains("owner@example.org"),
        "createproject's owner is listed"
    );
    let found = admin.get("/admin/users/?q=ANN%40").await;
    assert_eq!(found.status, 200);
    assert!(found.body.contains("ann@example.org"));
    assert!(!found.body.contains("bob@other.org"));
    assert!(found.body.contains("1 user"));
    // Ann's row: 2 projects, 1 check, active.
    let row = found.body.split("ann@example.org</a>").nth(1).unwrap();
    let cells: Vec<&str> = row
        .split("<td>")
        .skip(1)
        .take(5)
        .map(|c| c.split("</td>").next().unwrap().trim())
        .collect();
    assert_eq!(&cells[2..], ["2", "1", "yes"], "{row}");
    let wildcard = admin.get("/admin/users/?q=%25").await;
    assert!(
        wildcard.body.contains("No users match."),
        "% is taken literally"
    );
    let long = admin
        .get(&format!("/admin/users/?q={}", "a".repeat(10_000)))
        .await;
    assert_eq!(long.status, 400);
    assert!(long.body.contains("Search for at most 254 characters."));

    let ann = user_id(&app, "ann@example.org");
    let detail = admin.get(&format!("/admin/users/{ann}/")).await;
    assert_eq!(detail.status, 200);
    assert!(detail.body.contains("Backups of Ann"));
    assert!(detail.body.contains("never"), "Ann has not logged in");
    assert!(detail.body.contains("2 projects they own with 1 check"));
    assert!(detail
        .body
        .contains("data-confirm=\"Delete ann@example.org"));
    assert_eq!(admin.get("/admin/users/999999/").await.status, 404);
    assert_eq!(admin.get("/admin/users/abc/").await.status, 404);
}

#[actix_web::test]
async fn deactivating_ends_sessions_and_logins_until_reactivated_and_delete_removes_all() {
    let app = App::start();
    let root = app.superuser("root@example.org", "root-password");
    app.user("ann@example.org", "password-1");
    let ann = user_id(&app, "ann@example.org");
    let ann_web = app.web();
    ann_web.login("ann@example.org", "password-1").await;
    let admin = app.web();
    admin.login("root@example.org", "root-password").await;

    let off = admin
        .post(&format!("/admin/users/{ann}/deactivate/"), &[])
        .await;
    assert_eq!(
        location(&off),
        format!("/admin/users/{ann}/?done=deactivated")
    );
    assert!(location(&ann_web.get("/accounts/profile/").await).starts_with("/accounts/login/"));
    let refused = app
        .web()
        .post(
            "/accounts/login/",
            &[("email", "ann@example.org"), ("password", "password-1")],
        )
        .await;
    assert_eq!(refused.status, 200);
    assert!(refused.body.contains("Incorrect email or password."));
    let page = admin
        .get(&format!("/admin/users/{ann}/?done=deactivated"))
        .await;
    assert!(page.body.contains("deactivated</strong>"));
    assert!(page.body.contains("/reactivate/"));

    let on = admin
        .post(&format!("/admin/users/{ann}/reactivate/"), &[])
        .await;
    assert_eq!(on.status, 302);
    app.web().login("ann@example.org", "password-1").await;

    // The admin cannot lock themselves out.
    for action in ["deactivate", "delete"] {
        let reply = admin
            .post(&format!("/admin/users/{}/{action}/", root.id), &[])
            .await;
        assert_eq!(reply.status, 400, "{action}");
        assert!(reply
            .body
            .contains("You cannot deactivate or delete your own account"));
    }
    let own = admin.get(&format!("/admin/users/{}/", root.id)).await;
    assert!(own.body.contains("This is your own account."));
    assert!(!own.body.contains("/delete/"));

    // Deleting needs the CSRF token like every form.
    let forged = admin
        .post_raw(
            &format!("/admin/users/{ann}/delete/"),
            &[("csrfmiddlewaretoken", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")],
        )
        .await;
    assert_eq!(forged.status, 403);
    let missing = admin
        .post_raw(&format!("/admin/users/{ann}/delete/"), &[])
        .await;
    assert_eq!(missing.status, 403);
    assert_eq!(
        users::table
            .filter(users::id.eq(ann))
            .count()
            .get_result::<i64>(&mut app.conn())
            .unwrap(),
        1
    );

    let deleted = admin
        .post(&format!("/admin/users/{ann}/delete/"), &[])
        .await;
    assert_eq!(location(&deleted), "/admin/users/?deleted=1");
    let mut conn = app.conn();
    assert_eq!(
        users::table
            .filter(users::id.eq(ann))
            .count()
            .get_result::<i64>(&mut conn)
            .unwrap(),
        0
    );
    assert_eq!(
        projects::table
            .filter(projects::owner_id.eq(ann))
            .count()
            .get_result::<i64>(&mut conn)
            .unwrap(),
        0
    );
    assert_eq!(
        sessions::table
            .filter(sessions::user_id.eq(ann))
            .count()
            .get_result::<i64>(&mut conn)
            .unwrap(),
        0
    );
    assert_eq!(admin.get(&format!("/admin/users/{ann}/")).await.status, 404);
    assert_eq!(
        admin.get("/admin/").await.status,
        200,
        "the admin is still in"
    );
}

#[actix_web::test]
async fn checks_are_found_by_uuid() {
    let app = App::start();
    app.superuser("root@example.org", "root-password");
    let ann = app.user("ann@example.org", "password-1");
    let code: String = checks::table
        .inner_join(projects::table)
        .filter(projects::owner_id.eq(ann.id))
        .select(checks::code)
        .first(&mut app.conn())
        .unwrap();
    let admin = app.web();
    admin.login("root@example.org", "root-password").await;

    let empty = admin.get("/admin/checks/").await;
    assert_eq!(empty.status, 200);
    assert!(empty.body.contains("name=\"uuid\""));

    let found = admin
        .get(&format!("/admin/checks/?uuid={}", code.to_uppercase()))
        .await;
    assert_eq!(found.status, 200, "{}", found.body);
    assert!(found.body.contains("My First Check"));
    assert!(found.body.contains(&code));
    assert!(found.body.contains("ann@example.org"));
    assert!(found.body.contains("status-new"));
    assert!(found.body.contains("never"), "no ping yet");

    let missing = admin
        .get("/admin/checks/?uuid=5b3f9e1c-2a4d-4c8e-9f10-1234567890ab")
        .await;
    assert_eq!(missing.status, 404);
    assert!(missing.body.contains("No check has this UUID."));

    let junk = admin
        .get("/admin/checks/?uuid=%3Cscript%3Ealert(1)%3C/script%3E")
        .await;
    assert_eq!(junk.status, 400);
    assert!(junk.body.contains("This is not a UUID"));
    assert!(junk.body.contains("&lt;script&gt;"));
    assert!(!junk.body.contains("<script>alert"));
}

#[actix_web::test]
async fn what_users_typed_is_escaped_in_admin_lists() {
    let app = App::start();
    app.superuser("root@example.org", "root-password");
    accounts::create_project(
        &mut app.conn(),
        "evil@example.org",
        "<script>alert(1)</script>",
        "test-secret",
    )
    .unwrap();
    // Today's forms refuse such an address, but older data (or another tool) may
    // hold one; the admin pages must show it as text whatever it is.
    let evil_address = "<script>x@example.org";
    diesel::update(users::table.filter(users::email.eq("evil@example.org")))
        .set(users::email.eq(evil_address))
        .execute(&mut app.conn())
        .unwrap();
    diesel::update(channels::table.filter(channels::value.eq("evil@example.org")))
        .set(channels::value.eq(evil_address))
        .execute(&mut app.conn())
        .unwrap();
    let admin = app.web();
    admin.login("root@example.org", "root-password").await;
    let evil = user_id(&app, evil_address);
    for path in [
        "/admin/users/".to_owned(),
        "/admin/users/?q=%3Cscript".to_owned(),
        format!("/admin/users/{evil}/"),
        "/admin/projects/".to_owned(),
        "/admin/channels/".to_owned(),
    ] {
        let page = admin.get(&path).await;
        assert_eq!(page.status, 200, "{path}");
        assert!(!page.body.contains("<script>"), "{path}");
        assert!(page.body.contains("&lt;script&gt;"), "{path}");
    }
}

#[actix_web::test]
async fn lists_show_projects_integrations_and_mail_without_bodies() {
    let app = App::start();
    app.superuser("root@example.org", "root-password");
    app.user("ann@example.org", "password-1");
    for i in 0..100 {
        accounts::create_project(
            &mut app.conn(),
            "many@example.org",
            &format!("Project {i:03}"),
            "test-secret",
        )
        .unwrap();
    }
    hc_integrations::outbox::queue(
        &mut app.conn(),
        "hc@example.org",
        &Outgoing {
            to: "ann@example.org".into(),
            subject: "Log in to hc".into(),
            text: "secret-login-link-123".into(),
            html: Some("<p>secret-login-link-123</p>".into()),
        },
        Utc::now(),
    )
    .unwrap();
    let (channel_id, check_id): (i64, i64) = channels::table
        .inner_join(projects::table.inner_join(checks::table))
        .filter(channels::value.eq("ann@example.org"))
        .select((channels::id, checks::id))
        .first(&mut app.conn())
        .unwrap();
    for (status, error) in [("sent", ""), ("failed", "SMTP said <b>no</b>")] {
        diesel::insert_into(notifications::table)
            .values(Notification {
                id: 0,
                code: hc_core::keys::new_uuid(),
                check_id: Some(check_id),
                channel_id,
                flip_id: None,
                check_status: "down".into(),
                created: Utc::now().naive_utc(),
                status: status.into(),
                attempts: 3,
                next_attempt: None,
                claimed_until: None,
                error: error.into(),
            })
            .execute(&mut app.conn())
            .unwrap();
    }
    let admin = app.web();
    admin.login("root@example.org", "root-password").await;

    // 102 projects (the app's, Ann's first, 100 more): two pages, newest first.
    let first = admin.get("/admin/projects/").await;
    assert_eq!(first.status, 200);
    assert!(first.body.contains("102 projects"));
    assert!(first.body.contains("Project 099"));
    assert!(!first.body.contains(">P</a>"), "the oldest is on page 2");
    // Tera escapes the `/` of variables: `&#x2F;admin&#x2F;projects&#x2F;?page=2`.
    assert!(first.body.contains("projects&#x2F;?page=2\" rel=\"next\""));
    let second = admin.get("/admin/projects/?page=2").await;
    assert!(second.body.contains(">P</a>"));
    assert!(second.body.contains("ann@example.org"));
    assert!(!second.body.contains("page=3"));
    assert_eq!(admin.get("/admin/projects/?page=-4").await.status, 200);

    let channels = admin.get("/admin/channels/").await;
    assert_eq!(channels.status, 200);
    assert!(channels.body.contains("<td>email</td>"));
    assert!(channels.body.contains("ann@example.org"));
    let failing = admin.get("/admin/channels/?failing=1").await;
    assert!(failing.body.contains("0 integrations"));

    let all = admin.get("/admin/notifications/").await;
    assert_eq!(all.status, 200);
    assert_eq!(all.body.matches("<td>My First Check</td>").count(), 2);
    let failed = admin.get("/admin/notifications/?failed=1").await;
    assert_eq!(failed.body.matches("<td>My First Check</td>").count(), 1);
    assert!(failed.body.contains("SMTP said &lt;b&gt;no&lt;&#x2F;b&gt;"));
    assert!(failed.body.contains("<td>failed</td>"));

    let mail = admin.get("/admin/emails/").await;
    assert_eq!(mail.status, 200);
    assert!(mail.body.contains("Log in to hc"));
    assert!(mail.body.contains("<td>queued</td>"));
    assert!(!mail.body.contains("secret-login-link-123"));
}
