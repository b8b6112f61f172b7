//! The Welcome page over real HTTP: a demo check per visitor, its live status, and
//! the check joining the account its visitor logs into.

use diesel::prelude::*;
use hc_core::models::Check;
use hc_core::schema::{checks, projects};

use crate::api_history::start_receiver;
use crate::support::App;

fn demo_checks(app: &App) -> Vec<Check> {
    checks::table
        .filter(checks::project_id.is_null())
        .select(Check::as_select())
        .load(&mut app.conn())
        .unwrap()
}

#[actix_web::test]
async fn a_visitor_gets_one_demo_check_that_pings_turn_up_and_login_keeps() {
    let app = App::start();
    let ann = app.user("ann@example.org", "pw-123456");
    let (ping_root, _receiver) = start_receiver(&app);
    let web = app.web();

    let page = web.get("/").await;
    assert_eq!(page.status, 200);
    let demo = demo_checks(&app);
    assert_eq!(demo.len(), 1, "one demo check for this visitor");
    let code = demo[0].code.clone();
    assert!(page.body.contains(&code), "its ping URL is on the page");
    assert!(page.body.contains("crontab") || page.body.contains("Crontab"));
    assert!(
        web.cookie("hc_session").is_some(),
        "remembered in a session"
    );

    // Reloading shows the same check; another visitor gets their own.
    assert!(web.get("/").await.body.contains(&code));
    assert_eq!(demo_checks(&app).len(), 1);
    app.web().get("/").await;
    assert_eq!(demo_checks(&app).len(), 2);

    assert_eq!(web.get("/welcome/status/").await.json()["status"], "new");
    let reply = reqwest::get(format!("{ping_root}/ping/{code}"))
        .await
        .unwrap();
    assert_eq!(reply.status(), 200);
    let status = web.get("/welcome/status/").await.json();
    assert_eq!(status["status"], "up");
    assert_ne!(status["last_ping"], "Never");

    // Logging in (here with a password) moves the demo check into Ann's project.
    web.login("ann@example.org", "pw-123456").await;
    let project_id: i64 = projects::table
        .filter(projects::owner_id.eq(ann.id))
        .select(projects::id)
        .first(&mut app.conn())
        .unwrap();
    let moved: Option<i64> = checks::table
        .filter(checks::code.eq(&code))
        .select(checks::project_id)
        .first(&mut app.conn())
        .unwrap();
    assert_eq!(moved, Some(project_id));
    assert_eq!(
        demo_checks(&app).len(),
        1,
        "the other visitor's stays unclaimed"
    );
}

#[actix_web::test]
async fn the_status_endpoint_needs_a_demo_check() {
    let app = App::start();
    assert_eq!(app.web().get("/welcome/status/").await.status, 404);
}
