//! The Badges page: every target, format and state count gives a URL that serves
//! that badge; strangers get 404.

use diesel::prelude::*;
use hc_core::models::Project;
use hc_core::schema::{checks, projects};

use crate::support::App;

fn badge_url(body: &str) -> String {
    let start = body.find("id=\"id_badge_url\"").unwrap();
    let value = &body[start..];
    let from = value.find("value=\"").unwrap() + 7;
    let to = value[from..].find('"').unwrap() + from;
    value[from..to].replace("&#x2F;", "/").replace("&amp;", "&")
}

#[actix_web::test]
async fn the_page_gives_working_urls_for_all_checks_a_tag_and_one_check() {
    let app = App::start();
    let ann = app.user("ann@example.org", "pw-123456");
    let project: Project = projects::table
        .filter(projects::owner_id.eq(ann.id))
        .select(Project::as_select())
        .first(&mut app.conn())
        .unwrap();
    diesel::update(checks::table.filter(checks::project_id.eq(project.id)))
        .set(checks::tags.eq("prod <script>"))
        .execute(&mut app.conn())
        .unwrap();
    let check_code: String = checks::table
        .filter(checks::project_id.eq(project.id))
        .select(checks::code)
        .first(&mut app.conn())
        .unwrap();
    let web = app.web();
    web.login("ann@example.org", "pw-123456").await;
    let page_path = format!("/projects/{}/badges/", project.code);

    let page = web.get(&page_path).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Tag: prod"));
    assert!(!page.body.contains("<script>"), "tags are escaped");

    for (query, format) in [
        ("", "image/svg+xml"),
        ("?target=tag%3Aprod&fmt=json&states=2", "application/json"),
        ("?target=tag%3Aprod&fmt=shields", "application/json"),
        (
            &*format!("?target=check%3A{check_code}&fmt=svg&states=3"),
            "image/svg+xml",
        ),
    ] {
        let body = web.get(&format!("{page_path}{query}")).await.body;
        let url = badge_url(&body);
        // Badge URLs use SITE_ROOT; fetch the same path from the app under test.
        let path = url.split_once("://").unwrap().1.split_once('/').unwrap().1;
        let badge = app.web().get(&format!("/{path}")).await;
        assert_eq!(badge.status, 200, "{url}");
        assert!(
            badge.header("content-type").unwrap().starts_with(format),
            "{url}: {:?}",
            badge.header("content-type")
        );
    }

    // Another project's check is not offered: it falls back to all checks.
    let other = app.other_project("bob@example.org");
    let other_check: String = checks::table
        .inner_join(projects::table)
        .filter(projects::code.eq(&other.uuid))
        .select(checks::code)
        .first(&mut app.conn())
        .unwrap_or_else(|_| "00000000-0000-4000-8000-000000000000".into());
    let body = web
        .get(&format!("{page_path}?target=check%3A{other_check}"))
        .await
        .body;
    assert!(badge_url(&body).contains("/badge/"), "all checks instead");

    let stranger = app.web();
    app.user("eve@example.org", "pw-123456");
    stranger.login("eve@example.org", "pw-123456").await;
    assert_eq!(stranger.get(&page_path).await.status, 404);
}
