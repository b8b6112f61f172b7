//! Bad input to the API: each gets healthchecks' status and a message a person can
//! act on, never a 500, and nothing is half-written.

use serde_json::json;

use crate::support::App;

const UNKNOWN: &str = "00000000-0000-4000-8000-000000000000";

#[actix_web::test]
async fn keys_are_checked_before_anything_else() {
    let app = App::start();
    let cases = [
        (None, "missing api key"),
        (Some(""), "missing api key"),
        (Some("short"), "missing api key"),
        (Some("hcw_0000000000000000000000000000"), "wrong api key"),
        (Some("abcdefghijklmnopqrstuvwxyz012345"), "wrong api key"),
    ];
    for (key, message) in cases {
        for path in ["/api/v3/checks/", &format!("/api/v3/checks/{UNKNOWN}")] {
            let mut request = app.client.get(app.url(path));
            if let Some(key) = key {
                request = request.header("X-Api-Key", key);
            }
            let reply = app.send(request).await;
            assert_eq!(
                (reply.status, reply.error()),
                (401, message.to_owned()),
                "{key:?} {path}"
            );
            assert!(reply.has_cors());
        }
    }
    // A body's api_key counts for writes only, and a null key is Python's "None".
    let reply = app
        .send(
            app.client
                .get(app.url("/api/v3/checks/"))
                .body(json!({"api_key": app.rw()}).to_string()),
        )
        .await;
    assert_eq!(reply.status, 401);
    let reply = app
        .send(
            app.client
                .post(app.url("/api/v3/checks/"))
                .body(r#"{"api_key": null}"#),
        )
        .await;
    assert_eq!(reply.error(), "missing api key");
}

#[actix_web::test]
async fn bodies_that_are_not_json_objects() {
    let app = App::start();
    let key = app.rw().to_owned();
    let cases: [(&[u8], &str); 6] = [
        (b"{", "could not parse request body"),
        (b"name=x&timeout=60", "could not parse request body"),
        (b"\xff\xfe{}", "could not parse request body"),
        (b"[1, 2]", "json validation error: value is not an object"),
        (b"null", "json validation error: value is not an object"),
        (b"\"name\"", "json validation error: value is not an object"),
    ];
    for (body, message) in cases {
        let reply = app
            .send(
                app.client
                    .post(app.url("/api/v3/checks/"))
                    .header("X-Api-Key", &key)
                    .body(body.to_vec()),
            )
            .await;
        assert_eq!(
            (reply.status, reply.error()),
            (400, message.to_owned()),
            "{body:?}"
        );
    }
    // The Content-Type is ignored: JSON sent as a form still works.
    let reply = app
        .send(
            app.client
                .post(app.url("/api/v3/checks/"))
                .header("X-Api-Key", &key)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .body(r#"{"name": "form"}"#),
        )
        .await;
    assert_eq!(reply.status, 201);
}

#[actix_web::test]
async fn wrong_types_and_bounds_name_the_field() {
    let app = App::start();
    let cases = [
        (
            json!({"name": 1}),
            "json validation error: name is not a string",
        ),
        (
            json!({"timeout": "60"}),
            "json validation error: timeout is not a number",
        ),
        (
            json!({"timeout": true}),
            "json validation error: timeout is too small",
        ),
        (
            json!({"grace": 9_223_372_036_854_775_807i64}),
            "json validation error: grace is too large",
        ),
        (
            json!({"timeout": 18_446_744_073_709_551_615u64}),
            "json validation error: timeout is too large",
        ),
        (
            json!({"grace": -1e300}),
            "json validation error: grace is not a number",
        ),
        (
            json!({"schedule": "61 * * * *"}),
            "json validation error: schedule is not a valid cron or OnCalendar expression",
        ),
        (
            json!({"tz": "Moon/Base"}),
            "json validation error: tz is not a valid timezone",
        ),
        (
            json!({"methods": "PUT"}),
            "json validation error: methods has unexpected value",
        ),
        (
            json!({"unique": ["id"]}),
            "json validation error: an item in 'unique' has unexpected value",
        ),
        (
            json!({"manual_resume": "yes"}),
            "json validation error: manual_resume is not a boolean",
        ),
        (
            json!({"slug": "Has Spaces"}),
            "json validation error: slug does not match pattern",
        ),
        (
            json!({"name": "n".repeat(101)}),
            "json validation error: name is too long",
        ),
    ];
    for (body, message) in cases {
        let reply = app.post("/api/v3/checks/", app.rw(), &body).await;
        assert_eq!(
            (reply.status, reply.error()),
            (400, message.to_owned()),
            "{body}"
        );
    }
    // An enormous integer literal, beyond any machine type.
    let reply = app
        .send(
            app.client
                .post(app.url("/api/v3/checks/"))
                .header("X-Api-Key", app.rw())
                .body(format!(r#"{{"timeout": 1{}}}"#, "0".repeat(400))),
        )
        .await;
    assert_eq!(reply.status, 400, "{}", reply.body);
    let listed = app.get("/api/v3/checks/", app.rw()).await.json();
    assert_eq!(listed["checks"], json!([]), "nothing was created");
}

#[actix_web::test]
async fn nul_characters_are_refused_not_a_500() {
    // PostgreSQL cannot store NUL: healthchecks answers a 500 there (and so did hc).
    // Every backend refuses it the same way, before anything is written.
    let app = App::start();
    for body in [
        json!({"name": "a\u{0}b"}),
        json!({"desc": "\u{0}"}),
        json!({"tags": "prod \u{0}"}),
        json!({"success_kw": "ok\u{0}"}),
    ] {
        let reply = app.post("/api/v3/checks/", app.rw(), &body).await;
        assert_eq!(reply.status, 400, "{body}: {}", reply.body);
        assert!(
            reply.error().ends_with("contains a NUL character"),
            "{}",
            reply.body
        );
    }
    assert_eq!(
        app.get("/api/v3/checks/", app.rw()).await.json()["checks"],
        json!([]),
        "nothing was created"
    );
    let uuid = app.create(json!({"name": "kept"})).await["uuid"]
        .as_str()
        .unwrap()
        .to_owned();
    let reply = app
        .post(
            &format!("/api/v3/checks/{uuid}"),
            app.rw(),
            &json!({"name": "x\u{0}"}),
        )
        .await;
    assert_eq!(
        (reply.status, reply.error()),
        (
            400,
            "json validation error: name contains a NUL character".to_owned()
        )
    );
    assert_eq!(app.reload(&uuid).name, "kept");
}

#[actix_web::test]
async fn big_bodies_and_many_tags() {
    let app = App::start();
    let tags: Vec<String> = (0..10_000).map(|i| format!("t{i}")).collect();
    let reply = app
        .post(
            "/api/v3/checks/",
            app.rw(),
            &json!({"tags": tags.join(" ")}),
        )
        .await;
    assert_eq!(
        (reply.status, reply.error()),
        (400, "json validation error: tags is too long".to_owned())
    );
    // As many as fit in the 500 characters a tag list may hold.
    let fitting = tags[..100].join(" ");
    assert!(fitting.len() <= 500);
    let reply = app
        .post("/api/v3/checks/", app.rw(), &json!({"tags": fitting}))
        .await;
    assert_eq!(reply.status, 201);
    let listed = app.get("/api/v3/checks/?tag=t99", app.ro()).await;
    assert_eq!(listed.json()["checks"].as_array().unwrap().len(), 1);
    let big = format!(
        r#"{{"name": "x", "desc": "{}"}}"#,
        "a".repeat(5 * 1024 * 1024)
    );
    let reply = app
        .send(
            app.client
                .post(app.url("/api/v3/checks/"))
                .header("X-Api-Key", app.rw())
                .body(big),
        )
        .await;
    assert_eq!(reply.status, 400);
    assert!(reply.error().contains("too large"), "{}", reply.body);
    assert_eq!(
        app.get("/api/v3/checks/", app.rw()).await.json()["checks"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

#[actix_web::test]
async fn unknown_and_malformed_uuids() {
    let app = App::start();
    let unknown = app
        .get(&format!("/api/v3/checks/{UNKNOWN}"), app.rw())
        .await;
    assert_eq!(unknown.status, 404);
    assert!(unknown.body.contains("<h1>Not Found</h1>"));
    for path in [
        format!("/api/v3/checks/{}", UNKNOWN.to_uppercase()),
        format!("/api/v3/checks/{UNKNOWN}/"),
        "/api/v3/checks/not-a-uuid".to_owned(),
        format!("/api/v3/checks/{UNKNOWN}/pings/x/body"),
        "/api/v9/checks/".to_owned(),
    ] {
        let reply = app.get(&path, app.rw()).await;
        assert_eq!(reply.status, 404, "{path}");
    }
    for path in [
        format!("/api/v3/checks/{UNKNOWN}/pause"),
        format!("/api/v3/checks/{UNKNOWN}/resume"),
    ] {
        let reply = app.post(&path, app.rw(), &json!({})).await;
        assert_eq!(reply.status, 404, "{path}");
    }
    assert_eq!(
        app.delete(&format!("/api/v3/checks/{UNKNOWN}"), app.rw())
            .await
            .status,
        404
    );
}

#[actix_web::test]
async fn methods_cors_and_slashes() {
    let app = App::start();
    let uuid = app.create(json!({})).await["uuid"]
        .as_str()
        .unwrap()
        .to_owned();
    let options = app
        .send(app.client.request(
            reqwest::Method::OPTIONS,
            app.url(&format!("/api/v3/checks/{uuid}")),
        ))
        .await;
    assert_eq!((options.status, options.body.as_str()), (204, ""));
    assert_eq!(
        options.header("access-control-allow-methods"),
        Some("GET, POST, DELETE, OPTIONS")
    );
    assert_eq!(
        options.header("access-control-allow-headers"),
        Some("X-Api-Key")
    );
    assert_eq!(options.header("access-control-max-age"), Some("600"));
    for (method, path) in [
        (reqwest::Method::PUT, "/api/v3/checks/".to_owned()),
        (reqwest::Method::DELETE, "/api/v3/checks/".to_owned()),
        (reqwest::Method::HEAD, "/api/v3/checks/".to_owned()),
        (reqwest::Method::GET, format!("/api/v3/checks/{uuid}/pause")),
        (reqwest::Method::POST, "/api/v3/channels/".to_owned()),
    ] {
        let reply = app
            .send(
                app.client
                    .request(method.clone(), app.url(&path))
                    .header("X-Api-Key", app.rw()),
            )
            .await;
        assert_eq!(
            (reply.status, reply.body.as_str()),
            (405, ""),
            "{method} {path}"
        );
        assert!(reply.has_cors());
        assert!(reply.header("allow").is_none());
    }
    let redirect = app.get("/api/v3/checks?tag=a", app.rw()).await;
    assert_eq!(redirect.status, 301);
    assert_eq!(redirect.header("location"), Some("/api/v3/checks/?tag=a"));
    let redirect = app
        .get(&format!("/api/v1/checks/{uuid}/flips"), app.rw())
        .await;
    assert_eq!(
        redirect.header("location"),
        Some(format!("/api/v1/checks/{uuid}/flips/").as_str())
    );
}

#[actix_web::test]
async fn operator_metrics_need_the_metrics_key() {
    let app = App::start_with(&[("METRICS_KEY", "m3trics")]);
    let refused = app.send(app.client.get(app.url("/api/v3/metrics/"))).await;
    assert_eq!((refused.status, refused.body.as_str()), (403, ""));
    let wrong = app
        .send(
            app.client
                .get(app.url("/api/v3/metrics/"))
                .header("X-Metrics-Key", "nope"),
        )
        .await;
    assert_eq!(wrong.status, 403);
    let ok = app
        .send(
            app.client
                .post(app.url("/api/v1/metrics/"))
                .header("X-Metrics-Key", "m3trics"),
        )
        .await;
    assert_eq!(ok.status, 200);
    let body = ok.json();
    assert_eq!(body["max_ping_id"], serde_json::Value::Null);
    assert_eq!(body["num_unprocessed_flips"], 0);
    assert!(body["ts"].as_i64().unwrap() > 1_700_000_000);
}
