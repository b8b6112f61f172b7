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
