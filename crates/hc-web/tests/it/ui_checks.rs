//! My Checks over real HTTP: the table, adding a check, the live status JSON, and who
//! may see and change what.

use diesel::prelude::*;
use hc_core::models::Project;
use hc_core::schema::{checks, members, projects};

use crate::support::App;
use crate::web::location;

fn first_project(app: &App, owner_id: i64) -> Project {
    projects::table
        .filter(projects::owner_id.eq(owner_id))
        .select(Project::as_select())
        .first(&mut app.conn())
        .unwrap()
}

#[actix_web::test]
async fn my_checks_lists_the_checks_with_their_ping_urls() {
    let app = App::start();
    let ann = app.user("ann@example.org", "pw-123456");
    let project = first_project(&app, ann.id);
    let web = app.web();
    web.login("ann@example.org", "pw-123456").await;

    let page = web
        .get(&format!("/projects/{}/checks/", project.code))
        .await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("My First Check"));
    let code: String = checks::table
        .filter(checks::project_id.eq(project.id))
        .select(checks::code)
        .first(&mut app.conn())
        .unwrap();
    let ping_url = format!("{}{code}", app.config.ping_endpoint);
    // Tera escapes `/` as `&#x2F;`; browsers read it back as `/`.
    assert!(
        page.body.contains(&ping_url.replace('/', "&#x2F;")),
        "the ping URL is on the page"
    );
    assert!(
        page.body.contains(">new</span>"),
        "status is written out, not only coloured"
    );

    let added = web
        .post(&format!("/projects/{}/checks/add/", project.code), &[])
        .await;
    assert_eq!(
        location(&added),
        format!("/projects/{}/checks/", project.code)
    );
    let n: i64 = checks::table
        .filter(checks::project_id.eq(project.id))
        .count()
        .get_result(&mut app.conn())
        .unwrap();
    assert_eq!(n, 2);

    let status = web
        .get(&format!("/projects/{}/checks/status/", project.code))
        .await;
    assert_eq!(status.status, 200);
    let json = status.json();
    assert_eq!(json["details"].as_array().unwrap().len(), 2);
    assert_eq!(json["details"][0]["status"], "new");
    assert_eq!(json["title"], app.config.site_name.as_str());
}

#[actix_web::test]
async fn strangers_get_404_and_read_only_members_cannot_add() {
    let app = App::start();
    let ann = app.user("ann@example.org", "pw-123456");
    let bob = app.user("bob@example.org", "pw-123456");
    let project = first_project(&app, ann.id);
    let checks_page = format!("/projects/{}/checks/", project.code);

    let stranger = app.web();
    stranger.login("bob@example.org", "pw-123456").await;
    assert_eq!(stranger.get(&checks_page).await.status, 404);
    let add = format!("/projects/{}/checks/add/", project.code);
    assert_eq!(stranger.post(&add, &[]).await.status, 404);
    assert_eq!(
        stranger.get("/projects/not-a-uuid/checks/").await.status,
        404
    );
    assert_eq!(
        stranger
            .get(&format!("/projects/{}/checks/status/", project.code))
            .await
            .status,
        404
    );

    diesel::insert_into(members::table)
        .values((
            members::user_id.eq(bob.id),
            members::project_id.eq(project.id),
            members::role.eq("r"),
        ))
        .execute(&mut app.conn())
        .unwrap();
    let page = stranger.get(&checks_page).await;
    assert_eq!(page.status, 200);
    assert!(
        !page.body.contains("Add check"),
        "read-only members see no add button"
    );
    assert_eq!(stranger.post(&add, &[]).await.status, 403);

    let anonymous = app.web();
    let reply = anonymous.get(&checks_page).await;
    assert!(location(&reply).starts_with("/accounts/login/?next=%2Fprojects%2F"));
    assert_eq!(
        anonymous
            .get(&format!("/projects/{}/checks/status/", project.code))
            .await
            .status,
        403
    );
}

#[actix_web::test]
async fn names_and_tags_with_html_are_escaped() {
    let app = App::start();
    let ann = app.user("ann@example.org", "pw-123456");
    let project = first_project(&app, ann.id);
    diesel::update(checks::table.filter(checks::project_id.eq(project.id)))
        .set((
            checks::name.eq("<script>alert(1)</script>"),
            checks::tags.eq("<b>x</b> prod"),
        ))
        .execute(&mut app.conn())
        .unwrap();
    let web = app.web();
    web.login("ann@example.org", "pw-123456").await;
    let page = web
        .get(&format!("/projects/{}/checks/", project.code))
        .await;
    assert!(!page.body.contains("<script>alert(1)"));
    assert!(
        page.body
            .contains("&lt;script&gt;alert(1)&lt;&#x2F;script&gt;"),
        "{}",
        page.body
    );
    assert!(!page.body.contains("<b>x</b>"));
}

#[actix_web::test]
async fn filters_tags_search_order_and_url_style() {
    use hc_core::schema::profiles;
    let app = App::start();
    let ann = app.user("ann@example.org", "pw-123456");
    let project = first_project(&app, ann.id);
    let conn = &mut app.conn();
    diesel::update(checks::table.filter(checks::project_id.eq(project.id)))
        .set((
            checks::name.eq("Backups"),
            checks::tags.eq("prod db"),
            checks::slug.eq("backups"),
        ))
        .execute(conn)
        .unwrap();
    let mut web_check =
        hc_core::models::Check::new(Some(project.id), hc_core::time::now().naive_utc());
    web_check.name = "Web".into();
    web_check.tags = "prod web".into();
    web_check.status = "down".into();
    hc_core::checks::insert(conn, &web_check).unwrap();
    diesel::update(projects::table.find(project.id))
        .set(projects::ping_key.eq(Some("abcdefghijklmnopqrstuv")))
        .execute(conn)
        .unwrap();

    let web = app.web();
    web.login("ann@example.org", "pw-123456").await;
    let base = format!("/projects/{}/checks/", project.code);
    let names = |body: &str| -> Vec<&'static str> {
        ["Backups", "Web"]
            .into_iter()
            .filter(|n| body.contains(&format!("<strong>{n}</strong>")))
            .collect()
    };

    let all = web.get(&base).await.body;
    assert_eq!(names(&all), ["Backups", "Web"]);
    // Down first whatever the order.
    assert!(
        all.find("<strong>Web</strong>") < all.find("<strong>Backups</strong>"),
        "{all}"
    );
    // Tag buttons carry the worst status of their checks, and counts.
    assert!(
        all.contains("tag-button tag-down"),
        "prod holds a down check"
    );
    assert!(all.contains("db <span class=\"count\">1</span>"));

    assert_eq!(
        names(&web.get(&format!("{base}?tag=db")).await.body),
        ["Backups"]
    );
    assert_eq!(
        names(&web.get(&format!("{base}?tag=prod&tag=web")).await.body),
        ["Web"]
    );
    assert_eq!(
        names(&web.get(&format!("{base}?search=backup")).await.body),
        ["Backups"]
    );
    assert_eq!(
        names(&web.get(&format!("{base}?search=BACKUP")).await.body),
        Vec::<&str>::new()
    );
    assert_eq!(
        names(&web.get(&format!("{base}?status=down")).await.body),
        ["Web"]
    );
    assert!(web
        .get(&format!("{base}?status=paused"))
        .await
        .body
        .contains("No check matches"));

    // The order is saved in the profile.
    web.get(&format!("{base}?sort=-name")).await;
    let sort: String = profiles::table
        .filter(profiles::user_id.eq(ann.id))
        .select(profiles::sort)
        .first(&mut app.conn())
        .unwrap();
    assert_eq!(sort, "-name");
    assert_eq!(web.get(&format!("{base}?sort=bogus")).await.status, 200);

    // Slug-style URLs, remembered in the project.
    let slugs = web.get(&format!("{base}?urls=slug")).await.body;
    assert!(
        slugs.contains("abcdefghijklmnopqrstuv&#x2F;backups"),
        "{slugs}"
    );
    assert!(web
        .get(&base)
        .await
        .body
        .contains("abcdefghijklmnopqrstuv&#x2F;backups"));

    // Hostile query strings are just filters that match nothing.
    let hostile = web
        .get(&format!("{base}?search=%3Cscript%3E&tag=%3Cb%3E"))
        .await;
    assert_eq!(hostile.status, 200);
    assert!(!hostile.body.contains("<script>") && !hostile.body.contains("<b>"));
}

static QUERIES: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

fn count_queries() -> Option<Box<dyn diesel::connection::Instrumentation>> {
    Some(Box::new(
        |event: diesel::connection::InstrumentationEvent<'_>| {
            if let diesel::connection::InstrumentationEvent::StartQuery { .. } = event {
                QUERIES.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            }
        },
    ))
}

/// My Checks costs the same number of queries for 3 checks as for 300.
#[actix_web::test]
async fn my_checks_makes_a_constant_number_of_queries() {
    use std::sync::atomic::Ordering;
    // Every connection made from here on counts its queries (nextest runs each
    // test in a process of its own).
    diesel::connection::set_default_instrumentation(count_queries).unwrap();
    let app = App::start();
    let ann = app.user("ann@example.org", "pw-123456");
    let project = first_project(&app, ann.id);
    let web = app.web();
    web.login("ann@example.org", "pw-123456").await;
    let page = format!("/projects/{}/checks/", project.code);
    let add = |n: usize| {
        let conn = &mut app.conn();
        for i in 0..n {
            let mut check =
                hc_core::models::Check::new(Some(project.id), hc_core::time::now().naive_utc());
            check.name = format!("job {i}");
            check.tags = format!("t{} prod", i % 7);
            hc_core::checks::insert(conn, &check).unwrap();
        }
    };
    let measure = || async {
        let before = QUERIES.load(Ordering::SeqCst);
        assert_eq!(web.get(&page).await.status, 200);
        QUERIES.load(Ordering::SeqCst) - before
    };
    add(2);
    measure().await;
    let few = measure().await;
    add(297);
    let many = measure().await;
    assert!(few > 0, "the counter sees the page's queries");
    assert_eq!(few, many, "queries for 3 checks vs 300");
}

/// The row menu and the integration toggles of My Checks post to the check's
/// actions with `next`: the person comes back to the list as they filtered it, and
/// a `next` pointing elsewhere is ignored.
#[actix_web::test]
async fn row_buttons_act_on_the_check_and_come_back_to_the_filtered_list() {
    use hc_core::models::Check;
    use hc_core::schema::{channel_checks, channels};

    let app = App::start();
    let ann = app.user("ann@example.org", "pw-123456");
    let project = first_project(&app, ann.id);
    let check: Check = checks::table
        .filter(checks::project_id.eq(project.id))
        .select(Check::as_select())
        .first(&mut app.conn())
        .unwrap();
    let channel: String = channels::table
        .filter(channels::project_id.eq(project.id))
        .select(channels::code)
        .first(&mut app.conn())
        .unwrap();
    let web = app.web();
    web.login("ann@example.org", "pw-123456").await;
    let list = format!("/projects/{}/checks/?status=up&sort=name", project.code);

    let page = web.get(&list.replace("status=up&", "")).await;
    let toggle = format!("/checks/{}/channels/{channel}/enabled", check.code);
    assert!(
        page.body.contains(&format!("action=\"{toggle}\"")),
        "a toggle per integration: {}",
        page.body
    );
    assert!(page.body.contains("aria-pressed=\"true\""), "it starts on");
    assert!(page
        .body
        .contains(&format!("/checks/{}/pause/", check.code)));

    let assigned = |app: &App| -> i64 {
        channel_checks::table
            .filter(channel_checks::check_id.eq(check.id))
            .count()
            .get_result(&mut app.conn())
            .unwrap()
    };
    let off = web
        .post(&toggle, &[("state", "off"), ("next", list.as_str())])
        .await;
    assert_eq!(location(&off), list);
    assert_eq!(assigned(&app), 0);
    let page = web.get(&list.replace("status=up&", "")).await;
    assert!(
        page.body.contains("aria-pressed=\"false\""),
        "now shown off"
    );

    let paused = web
        .post(
            &format!("/checks/{}/pause/", check.code),
            &[("next", list.as_str())],
        )
        .await;
    assert_eq!(location(&paused), list);
    let status: String = checks::table
        .find(check.id)
        .select(checks::status)
        .first(&mut app.conn())
        .unwrap();
    assert_eq!(status, "paused");
    let page = web.get(&list.replace("status=up&", "")).await;
    assert!(page
        .body
        .contains(&format!("/checks/{}/resume/", check.code)));

    // Somewhere else entirely is not a place to come back to.
    let resumed = web
        .post(
            &format!("/checks/{}/resume/", check.code),
            &[("next", "//evil.example/")],
        )
        .await;
    assert_eq!(
        location(&resumed),
        format!("/checks/{}/details/", check.code)
    );

    let removed = web
        .post(
            &format!("/checks/{}/remove/", check.code),
            &[("next", list.as_str())],
        )
        .await;
    assert_eq!(location(&removed), list);
    assert_eq!(
        checks::table
            .filter(checks::id.eq(check.id))
            .count()
            .get_result::<i64>(&mut app.conn())
            .unwrap(),
        0
    );
}
