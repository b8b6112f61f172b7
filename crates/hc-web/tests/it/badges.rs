//! Badges: the URLs the API lists, fetched as a README's image tag fetches them.

use chrono::Duration;
use diesel::prelude::*;
use hc_core::schema::checks;
use serde_json::{json, Value};

use crate::support::App;

/// Sets a check's stored state: `late` (inside its grace time) or `down`.
fn make(app: &App, code: &str, state: &str) {
    let conn = &mut app.conn();
    let target = checks::table.filter(checks::code.eq(code));
    match state {
        "late" => {
            let last = hc_core::time::now() - Duration::seconds(120);
            diesel::update(target)
                .set((
                    checks::status.eq("up"),
                    checks::last_ping.eq(Some(last.naive_utc())),
                ))
                .execute(conn)
                .unwrap();
        }
        _ => {
            diesel::update(target)
                .set(checks::status.eq(state))
                .execute(conn)
                .unwrap();
        }
    }
}

fn local(app: &App, url: &Value) -> String {
    url.as_str()
        .unwrap()
        .replace("http://localhost:8000", &app.url(""))
}

#[actix_web::test]
async fn listed_badges_show_each_tags_worst_status() {
    let app = App::start_with(&[("MASTER_BADGE_LABEL", "Fleet")]);
    let late = app
        .create(json!({"name": "late", "tags": "db@dc1 web", "timeout": 60, "grace": 3600}))
        .await;
    let down = app.create(json!({"name": "down", "tags": "web"})).await;
    app.create(json!({"name": "new", "tags": "quiet"})).await;
    make(&app, late["uuid"].as_str().unwrap(), "late");
    make(&app, down["uuid"].as_str().unwrap(), "down");

    let reply = app.get("/api/v3/badges/", app.ro()).await;
    assert_eq!(reply.status, 200);
    let badges = reply.json()["badges"].clone();
    assert_eq!(
        badges.as_object().unwrap().len(),
        4,
        "db@dc1, quiet, web and *: {}",
        reply.body
    );
    assert!(
        reply.body.find("\"db@dc1\"") < reply.body.find("\"*\""),
        "tags sorted, then *"
    );
    let db = &badges["db@dc1"];
    assert!(
        db["svg"].as_str().unwrap().ends_with("-2/db%2540dc1.svg"),
        "{db}"
    );

    let json3 = app.fetch(local(&app, &db["json3"])).await;
    assert_eq!(json3.status, 200);
    assert_eq!(
        json3.body,
        r#"{"status": "late", "total": 1, "grace": 1, "down": 0}"#
    );
    assert!(json3.has_cors());
    assert!(json3.header("cache-control").unwrap().contains("no-store"));
    let json2 = app.fetch(local(&app, &db["json"])).await;
    assert_eq!(
        json2.body,
        r#"{"status": "up", "total": 1, "grace": 1, "down": 0}"#
    );
    let web = app.fetch(local(&app, &badges["web"]["shields3"])).await;
    assert_eq!(
        web.body,
        r#"{"schemaVersion": 1, "label": "web", "message": "down", "color": "critical"}"#
    );
    let all = app.fetch(local(&app, &badges["*"]["svg3"])).await;
    assert_eq!(all.header("content-type"), Some("image/svg+xml"));
    assert!(
        all.body.contains(">Fleet<") && all.body.contains(">down<"),
        "{}",
        all.body
    );
    let quiet = app.fetch(local(&app, &badges["quiet"]["svg"])).await;
    assert!(quiet.body.contains(">up<"));

    // A forged signature, an unknown format, other methods.
    let forged = local(&app, &badges["web"]["json"]).replace("/badge/", "/badge/x");
    let reply = app.fetch(forged).await;
    assert_eq!((reply.status, reply.body.as_str()), (404, ""));
    let svg = local(&app, &badges["web"]["svg"]);
    let sig_start = svg.rfind("/web.svg").unwrap() - 10;
    let mut wrong = svg.clone();
    wrong.replace_range(
        sig_start..sig_start + 1,
        if &svg[sig_start..=sig_start] == "A" {
            "B"
        } else {
            "A"
        },
    );
    let reply = app.fetch(wrong).await;
    assert_eq!((reply.status, reply.body.as_str()), (404, ""));
    assert!(reply.has_cors());
    let reply = app.fetch(svg.replace(".svg", ".png")).await;
    assert_eq!((reply.status, reply.body.as_str()), (404, ""));
    let options = app
        .send(app.client.request(reqwest::Method::OPTIONS, &svg))
        .await;
    assert_eq!(options.status, 204);
    assert_eq!(app.send(app.client.post(&svg)).await.status, 405);
}

#[actix_web::test]
async fn a_checks_own_badge_uses_its_name_or_uuid() {
    let app = App::start();
    let named = app
        .create(json!({"name": "Nightly", "timeout": 60, "grace": 3600}))
        .await;
    let unnamed = app.create(json!({})).await;
    make(&app, named["uuid"].as_str().unwrap(), "late");
    let badge_url = local(&app, &named["badge_url"]);
    assert!(badge_url.contains("/b/2/"));
    let svg = app.send(app.client.get(&badge_url)).await;
    assert_eq!(svg.status, 200);
    assert!(
        svg.body.contains(">Nightly<") && svg.body.contains(">up<"),
        "2-state shows late as up"
    );
    let three = app
        .send(
            app.client
                .get(badge_url.replace("/b/2/", "/b/3/").replace(".svg", ".json")),
        )
        .await;
    assert_eq!(
        three.body,
        r#"{"status": "late", "total": 1, "grace": 1, "down": 0}"#
    );
    let uuid = unnamed["uuid"].as_str().unwrap();
    let shields = local(&app, &unnamed["badge_url"]).replace(".svg", ".shields");
    let reply = app.send(app.client.get(shields)).await;
    assert!(
        reply.body.contains(&format!(r#""label": "{uuid}""#)),
        "{}",
        reply.body
    );
    let unknown = app
        .send(
            app.client
                .get(app.url("/b/2/00000000-0000-4000-8000-000000000000.svg")),
        )
        .await;
    assert_eq!(unknown.status, 404);
    assert!(unknown.body.contains("Not Found"));
}
