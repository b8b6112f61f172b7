//! Pings and flips through the API, with checks created through the API and pinged
//! through a real `hc-ping` on the same database.

use std::net::TcpListener;

use serde_json::{json, Value};
use tokio_util::sync::CancellationToken;

use crate::support::App;

/// Starts a ping receiver beside the app; it stops with the returned token.
pub(crate) fn start_receiver(app: &App) -> (String, tokio_util::sync::DropGuard) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let shutdown = CancellationToken::new();
    actix_web::rt::spawn(hc_ping::run(
        app.config.clone(),
        app.pool.clone(),
        listener,
        hc_ping::Options::default(),
        shutdown.clone(),
    ));
    (format!("http://{addr}"), shutdown.drop_guard())
}

#[actix_web::test]
async fn a_check_made_by_the_api_is_pinged_and_read_back() {
    let app = App::start();
    let (ping_root, _receiver) = start_receiver(&app);
    let check = app
        .create(json!({"name": "e2e", "timeout": 60, "grace": 60}))
        .await;
    let uuid = check["uuid"].as_str().unwrap().to_owned();
    // The answer's ping URL, pointed at the receiver under test.
    let ping_url = check["ping_url"]
        .as_str()
        .unwrap()
        .replace("http://localhost:8000", &ping_root);
    let client = &app.client;
    let rid = "123e4567-e89b-12d3-a456-426614174000";
    assert_eq!(
        client
            .get(format!("{ping_url}/start?rid={rid}"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    let reply = client
        .post(format!("{ping_url}?rid={rid}"))
        .body(&b"backup done\xff"[..])
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status(), 200);
    let got = app
        .get(&format!("/api/v3/checks/{uuid}"), app.rw())
        .await
        .json();
    assert_eq!(got["status"], "up");
    assert_eq!(got["n_pings"], 2);
    assert!(got["last_ping"].as_str().unwrap().ends_with("+00:00"));
    // A run shorter than a second: present (non-zero) but whole seconds, so 0.
    assert_eq!(got["last_duration"], 0);
    assert_eq!(
        client
            .get(format!("{ping_url}/fail"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    let got = app
        .get(&format!("/api/v3/checks/{uuid}"), app.rw())
        .await
        .json();
    assert_eq!(got["status"], "down");

    let pings = app
        .get(&format!("/api/v3/checks/{uuid}/pings/"), app.rw())
        .await;
    assert_eq!(pings.status, 200);
    let list = pings.json()["pings"].as_array().unwrap().clone();
    let types: Vec<&str> = list.iter().map(|p| p["type"].as_str().unwrap()).collect();
    assert_eq!(types, ["fail", "success", "start"], "newest first");
    assert_eq!(list[1]["rid"], rid);
    assert_eq!(list[1]["remote_addr"], "127.0.0.1");
    assert_eq!(list[1]["method"], "POST");
    assert!(
        list[1]["duration"].is_f64(),
        "the run's duration: {}",
        list[1]
    );
    assert!(
        list[0].get("duration").is_none(),
        "a fail without rid closes no run of its own"
    );
    assert!(list[0].get("exitstatus").is_none());
    assert_eq!(list[2]["body_url"], Value::Null);
    let body_url = list[1]["body_url"].as_str().unwrap();
    assert_eq!(
        body_url,
        format!("http://localhost:8000/api/v3/checks/{uuid}/pings/2/body")
    );
    let body = app
        .get(&format!("/api/v3/checks/{uuid}/pings/2/body"), app.rw())
        .await;
    assert_eq!(body.status, 200);
    assert_eq!(body.header("content-type"), Some("text/plain"));
    assert_eq!(
        body.bytes, b"backup done\xff",
        "stored and served byte-exact"
    );
    for missing in [1, 9] {
        let reply = app
            .get(
                &format!("/api/v3/checks/{uuid}/pings/{missing}/body"),
                app.rw(),
            )
            .await;
        assert_eq!(reply.status, 404, "ping {missing}");
    }

    let flips = app
        .get(&format!("/api/v3/checks/{uuid}/flips/"), app.rw())
        .await;
    assert_eq!(flips.status, 200);
    let list = flips.json()["flips"].as_array().unwrap().clone();
    let ups: Vec<i64> = list.iter().map(|f| f["up"].as_i64().unwrap()).collect();
    assert_eq!(ups, [0, 1], "down, then the first up; newest first");
    assert!(flips.body.contains(r#"{"timestamp": ""#));
    // Read-only keys read flips by unique key, but not pings.
    let unique_key = app.reload(&uuid).unique_key();
    let by_key = app
        .get(&format!("/api/v3/checks/{unique_key}/flips/"), app.ro())
        .await;
    assert_eq!(by_key.json(), flips.json());
    let in_future = app
        .get(
            &format!("/api/v3/checks/{uuid}/flips/?start=9999999999"),
            app.rw(),
        )
        .await;
    assert_eq!(in_future.json(), json!({"flips": []}));
    let recent = app
        .get(
            &format!("/api/v3/checks/{uuid}/flips/?seconds=3600"),
            app.rw(),
        )
        .await;
    assert_eq!(recent.json()["flips"].as_array().unwrap().len(), 2);
    let bad = app
        .get(
            &format!("/api/v3/checks/{uuid}/flips/?seconds=-1"),
            app.rw(),
        )
        .await;
    assert_eq!((bad.status, bad.body.as_str()), (400, ""));
}

#[actix_web::test]
async fn ping_lists_stop_at_the_log_limit() {
    use diesel::prelude::*;
    use hc_core::schema::profiles;
    let app = App::start();
    let (ping_root, _receiver) = start_receiver(&app);
    diesel::update(profiles::table)
        .set(profiles::ping_log_limit.eq(3))
        .execute(&mut app.conn())
        .unwrap();
    let uuid = app.create(json!({})).await["uuid"]
        .as_str()
        .unwrap()
        .to_owned();
    for i in 0..5 {
        let reply = app
            .client
            .post(format!("{ping_root}/ping/{uuid}/log"))
            .body(format!("line {i}"))
            .send()
            .await
            .unwrap();
        assert_eq!(reply.status(), 200);
    }
    let list = app
        .get(&format!("/api/v3/checks/{uuid}/pings/"), app.rw())
        .await
        .json();
    let ns: Vec<i64> = list["pings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["n"].as_i64().unwrap())
        .collect();
    assert_eq!(ns, [5, 4, 3]);
    // Ping 2 may still be stored, but it is past the limit.
    let old = app
        .get(&format!("/api/v3/checks/{uuid}/pings/2/body"), app.rw())
        .await;
    assert_eq!(old.status, 404);
    let kept = app
        .get(&format!("/api/v3/checks/{uuid}/pings/3/body"), app.rw())
        .await;
    assert_eq!(kept.body, "line 2");
}
