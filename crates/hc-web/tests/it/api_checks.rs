//! The check endpoints over real HTTP: what healthchecks' clients send and read back.

use serde_json::{json, Value};

use crate::support::App;

fn uuid_of(check: &Value) -> String {
    check["uuid"].as_str().unwrap().to_owned()
}

#[actix_web::test]
async fn create_answers_healthchecks_json_byte_for_byte() {
    let app = App::start();
    let reply = app
        .post(
            "/api/v3/checks/",
            app.rw(),
            &json!({"name": "Backups", "tags": "prod www", "grace": 60}),
        )
        .await;
    assert_eq!(reply.status, 201);
    assert_eq!(reply.header("content-type"), Some("application/json"));
    assert!(reply.has_cors());
    let check = reply.json();
    let uuid = uuid_of(&check);
    let stored = app.reload(&uuid);
    let expected = format!(
        concat!(
            r#"{{"name": "Backups", "slug": "", "tags": "prod www", "desc": "", "grace": 60, "#,
            r#""n_pings": 0, "status": "new", "started": false, "last_ping": null, "#,
            r#""next_ping": null, "manual_resume": false, "methods": "", "subject": "", "#,
            r#""subject_fail": "", "start_kw": "", "success_kw": "", "failure_kw": "", "#,
            r#""filter_subject": false, "filter_body": false, "filter_http_body": false, "#,
            r#""filter_default_fail": false, "#,
            r#""badge_url": "http://localhost:8000/b/2/{badge}.svg", "#,
            r#""uuid": "{uuid}", "ping_url": "http://localhost:8000/ping/{uuid}", "#,
            r#""update_url": "http://localhost:8000/api/v3/checks/{uuid}", "#,
            r#""pause_url": "http://localhost:8000/api/v3/checks/{uuid}/pause", "#,
            r#""resume_url": "http://localhost:8000/api/v3/checks/{uuid}/resume", "#,
            r#""channels": "", "timeout": 86400}}"#
        ),
        badge = stored.badge_key,
        uuid = uuid,
    );
    assert_eq!(reply.body, expected);
    // GET answers the same document.
    let got = app.get(&format!("/api/v3/checks/{uuid}"), app.rw()).await;
    assert_eq!((got.status, got.body), (200, expected));
}

#[actix_web::test]
async fn versions_differ_in_slugs_status_and_urls() {
    let app = App::start();
    for (version, slug) in [
        ("v1", "nightly-db-backup"),
        ("v2", "nightly-db-backup"),
        ("v3", ""),
    ] {
        let reply = app
            .post(
                &format!("/api/{version}/checks/"),
                app.rw(),
                &json!({"name": "Nightly DB Backup"}),
            )
            .await;
        assert_eq!(reply.status, 201);
        let check = reply.json();
        assert_eq!(check["slug"], slug, "{version}");
        assert!(check["update_url"]
            .as_str()
            .unwrap()
            .contains(&format!("/api/{version}/checks/")));
    }
    // An open run: v1 says "started", v2 and v3 keep the status.
    let check = app.create(json!({"name": "run"})).await;
    let uuid = uuid_of(&check);
    {
        use diesel::prelude::*;
        use hc_core::schema::checks;
        diesel::update(checks::table.filter(checks::code.eq(&uuid)))
            .set(checks::last_start.eq(Some(hc_core::time::now().naive_utc())))
            .execute(&mut app.conn())
            .unwrap();
    }
    for (version, status) in [("v1", "started"), ("v2", "new"), ("v3", "new")] {
        let got = app
            .get(&format!("/api/{version}/checks/{uuid}"), app.rw())
            .await
            .json();
        assert_eq!(got["status"], status, "{version}");
        assert_eq!(got["started"], true);
        assert!(got["next_ping"].is_string(), "next_ping is the run's start");
    }
}

#[actix_web::test]
async fn update_changes_only_what_is_given() {
    let app = App::start();
    let check = app
        .create(json!({"name": "a", "tags": "x", "timeout": 3600}))
        .await;
    let uuid = uuid_of(&check);
    let path = format!("/api/v1/checks/{uuid}");
    let reply = app
        .post(
            &path,
            app.rw(),
            &json!({"schedule": "*/5 * * * *", "tz": "Europe/Kiev", "grace": 120}),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let updated = reply.json();
    assert_eq!(updated["name"], "a");
    assert_eq!(updated["tags"], "x");
    assert_eq!(updated["schedule"], "*/5 * * * *");
    assert_eq!(updated["tz"], "Europe/Kyiv");
    assert_eq!(updated["grace"], 120);
    assert!(
        updated.get("timeout").is_none(),
        "cron checks have no timeout key"
    );
    // v1 derives the slug from a new name.
    let renamed = app
        .post(&path, app.rw(), &json!({"name": "Renamed Job"}))
        .await
        .json();
    assert_eq!(renamed["slug"], "renamed-job");
    // {} is a valid no-op.
    let same = app.post(&path, app.rw(), &json!({})).await;
    assert_eq!(same.status, 200);
    assert_eq!(same.json()["name"], "Renamed Job");
}

#[actix_web::test]
async fn unique_upserts_answer_200_for_an_existing_check() {
    let app = App::start();
    let first = app.create(json!({"name": "db", "unique": ["name"]})).await;
    let again = app
        .post(
            "/api/v3/checks/",
            app.rw(),
            &json!({"name": "db", "tags": "new", "unique": ["name"]}),
        )
        .await;
    assert_eq!(again.status, 200);
    assert_eq!(uuid_of(&again.json()), uuid_of(&first));
    assert_eq!(again.json()["tags"], "new");
    // A unique field absent from the request: no look-up, a new check.
    let other = app
        .post(
            "/api/v3/checks/",
            app.rw(),
            &json!({"tags": "new", "unique": ["name"]}),
        )
        .await;
    assert_eq!(other.status, 201);
    let listed = app.get("/api/v3/checks/", app.rw()).await.json();
    assert_eq!(listed["checks"].as_array().unwrap().len(), 2);
}

#[actix_web::test]
async fn list_filters_by_every_tag_and_by_slug() {
    let app = App::start();
    app.create(json!({"name": "a", "tags": "prod db", "slug": "a"}))
        .await;
    app.create(json!({"name": "b", "tags": "prod", "slug": "b"}))
        .await;
    app.create(json!({"name": "c", "tags": "dbx", "slug": "c"}))
        .await;
    let names = |v: Value| -> Vec<String> {
        v["checks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["name"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(
        names(app.get("/api/v3/checks/", app.rw()).await.json()),
        ["a", "b", "c"]
    );
    assert_eq!(
        names(app.get("/api/v3/checks/?tag=prod", app.rw()).await.json()),
        ["a", "b"]
    );
    assert_eq!(
        names(
            app.get("/api/v3/checks/?tag=prod&tag=db", app.rw())
                .await
                .json()
        ),
        ["a"]
    );
    assert_eq!(
        names(app.get("/api/v3/checks/?tag=d", app.rw()).await.json()),
        Vec::<String>::new()
    );
    assert_eq!(
        names(app.get("/api/v3/checks/?slug=c", app.rw()).await.json()),
        ["c"]
    );
    assert_eq!(
        names(app.get("/api/v3/checks/?slug=", app.rw()).await.json()).len(),
        3
    );
}

#[actix_web::test]
async fn read_only_keys_see_unique_keys_and_change_nothing() {
    let app = App::start();
    let check = app.create(json!({"name": "secret job"})).await;
    let uuid = uuid_of(&check);
    let stored = app.reload(&uuid);
    let listed = app.get("/api/v3/checks/", app.ro()).await;
    assert_eq!(listed.status, 200);
    let first = &listed.json()["checks"][0];
    assert_eq!(first["unique_key"], stored.unique_key());
    for hidden in [
        "uuid",
        "ping_url",
        "update_url",
        "pause_url",
        "resume_url",
        "channels",
    ] {
        assert!(
            first.get(hidden).is_none(),
            "{hidden} shown to a read-only key"
        );
    }
    let by_key = app
        .get(&format!("/api/v3/checks/{}", stored.unique_key()), app.ro())
        .await;
    assert_eq!(by_key.status, 200);
    assert_eq!(by_key.json()["name"], "secret job");
    // Every write, and the rw-only reads, refuse the read-only key.
    let ro = app.ro().to_owned();
    for reply in [
        app.post("/api/v3/checks/", &ro, &json!({"name": "x"}))
            .await,
        app.post(
            &format!("/api/v3/checks/{uuid}"),
            &ro,
            &json!({"name": "x"}),
        )
        .await,
        app.post(&format!("/api/v3/checks/{uuid}/pause"), &ro, &json!({}))
            .await,
        app.delete(&format!("/api/v3/checks/{uuid}"), &ro).await,
        app.get(&format!("/api/v3/checks/{uuid}/pings/"), &ro).await,
        app.get("/api/v3/channels/", &ro).await,
    ] {
        assert_eq!(
            (reply.status, reply.error()),
            (401, "wrong api key".to_owned())
        );
        assert!(reply.has_cors());
    }
    assert_eq!(app.reload(&uuid).name, "secret job");
    assert_eq!(app.reload(&uuid).status, "new");
}

#[actix_web::test]
async fn keys_reach_only_their_own_project() {
    let app = App::start();
    let check = app.create(json!({"name": "mine"})).await;
    let uuid = uuid_of(&check);
    let unique_key = app.reload(&uuid).unique_key();
    let other = app.other_project("other@example.org");
    let reply = app
        .get(&format!("/api/v3/checks/{uuid}"), &other.api_key)
        .await;
    assert_eq!((reply.status, reply.body.as_str()), (403, ""));
    assert!(reply.has_cors());
    let reply = app
        .post(
            &format!("/api/v3/checks/{uuid}"),
            &other.api_key,
            &json!({"name": "x"}),
        )
        .await;
    assert_eq!(reply.status, 403);
    let reply = app
        .delete(&format!("/api/v3/checks/{uuid}"), &other.api_key)
        .await;
    assert_eq!(reply.status, 403);
    let reply = app
        .get(
            &format!("/api/v3/checks/{unique_key}"),
            &other.api_key_readonly,
        )
        .await;
    assert_eq!((reply.status, reply.body.as_str()), (404, ""));
    let reply = app
        .get(
            &format!("/api/v3/checks/{unique_key}/flips/"),
            &other.api_key_readonly,
        )
        .await;
    assert_eq!(reply.status, 404);
    let listed = app.get("/api/v3/checks/", &other.api_key).await.json();
    assert_eq!(listed["checks"], json!([]));
    assert_eq!(app.reload(&uuid).name, "mine");
}

#[actix_web::test]
async fn delete_answers_the_check_as_it_was() {
    let app = App::start();
    let check = app.create(json!({"name": "gone", "channels": "*"})).await;
    let uuid = uuid_of(&check);
    assert_ne!(
        check["channels"], "",
        "the owner's e-mail channel is assigned"
    );
    let reply = app
        .delete(&format!("/api/v3/checks/{uuid}"), app.rw())
        .await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.json()["uuid"], uuid.as_str());
    assert_eq!(reply.json()["channels"], "");
    let again = app.get(&format!("/api/v3/checks/{uuid}"), app.rw()).await;
    assert_eq!(again.status, 404);
    assert!(
        !again.has_cors(),
        "the framework's 404 page has no CORS headers"
    );
}

#[actix_web::test]
async fn pause_twice_flips_once_and_resume_needs_a_paused_check() {
    let app = App::start();
    let check = app.create(json!({"name": "p"})).await;
    let uuid = uuid_of(&check);
    let resume = app
        .post(
            &format!("/api/v3/checks/{uuid}/resume"),
            app.rw(),
            &json!({}),
        )
        .await;
    assert_eq!(
        (resume.status, resume.body.as_str()),
        (409, "check is not paused")
    );
    assert_eq!(
        resume.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    for _ in 0..2 {
        let paused = app
            .post(
                &format!("/api/v3/checks/{uuid}/pause"),
                app.rw(),
                &json!({}),
            )
            .await;
        assert_eq!(paused.status, 200);
        assert_eq!(paused.json()["status"], "paused");
        assert_eq!(paused.json()["next_ping"], Value::Null);
    }
    let flips = app
        .get(&format!("/api/v3/checks/{uuid}/flips/"), app.rw())
        .await
        .json();
    assert_eq!(flips["flips"].as_array().unwrap().len(), 1);
    assert_eq!(flips["flips"][0]["up"], 0);
    // The key may come in the JSON body, as old clients send it.
    let body = json!({"api_key": app.rw()});
    let resumed = app
        .send(
            app.client
                .post(app.url(&format!("/api/v3/checks/{uuid}/resume")))
                .body(body.to_string()),
        )
        .await;
    assert_eq!(resumed.status, 200, "{}", resumed.body);
    assert_eq!(resumed.json()["status"], "new");
    assert_eq!(resumed.json()["last_ping"], Value::Null);
}

#[actix_web::test]
async fn channels_are_listed_assigned_and_validated() {
    let app = App::start();
    let listed = app.get("/api/v3/channels/", app.rw()).await;
    assert_eq!(listed.status, 200);
    let channels = listed.json()["channels"].as_array().unwrap().clone();
    assert_eq!(channels.len(), 1);
    assert_eq!(channels[0]["kind"], "email");
    let id = channels[0]["id"].as_str().unwrap().to_owned();
    let check = app.create(json!({"channels": id})).await;
    assert_eq!(check["channels"], id.as_str());
    let uuid = uuid_of(&check);
    let cleared = app
        .post(
            &format!("/api/v3/checks/{uuid}"),
            app.rw(),
            &json!({"channels": ""}),
        )
        .await;
    assert_eq!(cleared.json()["channels"], "");
    for (spec, message) in [
        ("nope", "invalid channel identifier: nope".to_owned()),
        (&format!("{id},"), "empty channel identifier".to_owned()),
    ] {
        let reply = app
            .post(
                "/api/v3/checks/",
                app.rw(),
                &json!({"name": "bad", "channels": spec}),
            )
            .await;
        assert_eq!((reply.status, reply.error()), (400, message));
    }
    let names: Vec<Value> = app.get("/api/v3/checks/", app.rw()).await.json()["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].clone())
        .collect();
    assert!(
        !names.contains(&json!("bad")),
        "a refused create stores nothing"
    );
}

#[actix_web::test]
async fn the_check_limit_refuses_new_checks_but_not_upserts() {
    use diesel::prelude::*;
    use hc_core::schema::profiles;
    let app = App::start();
    app.create(json!({"name": "one", "unique": ["name"]})).await;
    diesel::update(profiles::table)
        .set(profiles::check_limit.eq(1))
        .execute(&mut app.conn())
        .unwrap();
    let refused = app
        .post("/api/v3/checks/", app.rw(), &json!({"name": "two"}))
        .await;
    assert_eq!((refused.status, refused.body.as_str()), (403, ""));
    let upsert = app
        .post(
            "/api/v3/checks/",
            app.rw(),
            &json!({"name": "one", "unique": ["name"]}),
        )
        .await;
    assert_eq!(upsert.status, 200);
}

#[actix_web::test]
async fn a_site_root_with_a_path_moves_every_route_below_it() {
    let app = App::start_with(&[("SITE_ROOT", "https://example.org/hc")]);
    let created = app
        .post("/hc/api/v3/checks/", app.rw(), &json!({"name": "sub"}))
        .await;
    assert_eq!(created.status, 201, "{}", created.body);
    let check = created.json();
    let uuid = uuid_of(&check);
    assert_eq!(
        check["update_url"],
        format!("https://example.org/hc/api/v3/checks/{uuid}").as_str()
    );
    assert_eq!(
        check["ping_url"],
        format!("https://example.org/hc/ping/{uuid}").as_str()
    );
    assert_eq!(app.get("/api/v3/checks/", app.rw()).await.status, 404);
    let redirect = app.get("/hc/api/v3/checks", app.rw()).await;
    assert_eq!(redirect.header("location"), Some("/hc/api/v3/checks/"));
    let badge = app
        .fetch(
            app.url(
                &check["badge_url"]
                    .as_str()
                    .unwrap()
                    .replace("https://example.org", ""),
            ),
        )
        .await;
    assert_eq!(badge.status, 200);
}

#[actix_web::test]
async fn pausing_the_last_down_check_stops_the_owners_reminders() {
    use diesel::prelude::*;
    use hc_core::schema::{checks, profiles};
    let app = App::start();
    let uuid = uuid_of(&app.create(json!({"name": "down"})).await);
    let soon = (hc_core::time::now() + chrono::Duration::hours(1)).naive_utc();
    diesel::update(checks::table.filter(checks::code.eq(&uuid)))
        .set(checks::status.eq("down"))
        .execute(&mut app.conn())
        .unwrap();
    diesel::update(profiles::table)
        .set((
            profiles::nag_period.eq(3600),
            profiles::next_nag_date.eq(Some(soon)),
        ))
        .execute(&mut app.conn())
        .unwrap();
    let paused = app
        .post(
            &format!("/api/v3/checks/{uuid}/pause"),
            app.rw(),
            &json!({}),
        )
        .await;
    assert_eq!(paused.status, 200);
    let next: Option<chrono::NaiveDateTime> = profiles::table
        .select(profiles::next_nag_date)
        .first(&mut app.conn())
        .unwrap();
    assert_eq!(next, None, "nothing is down any more: no reminder");
}
