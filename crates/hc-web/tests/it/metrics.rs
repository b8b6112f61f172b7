//! The Prometheus endpoint, read back by Prometheus' own Python text parser.

use std::io::Write;
use std::process::{Command, Stdio};

use diesel::prelude::*;
use hc_core::schema::checks;
use serde_json::{json, Value};

use crate::support::App;

/// Parses exposition text with `prometheus_client` and returns its samples as
/// `[name, {labels}, value]`.
fn parse_with_prometheus_client(text: &str) -> Vec<Value> {
    let script = r#"
import json, sys
from prometheus_client.parser import text_string_to_metric_families
out = []
for family in text_string_to_metric_families(sys.stdin.read()):
    for s in family.samples:
        out.append([s.name, s.labels, s.value])
print(json.dumps(out))
"#;
    let mut child = Command::new("python3")
        .args(["-c", script])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python3 (run .ci/install-deps)");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "prometheus_client refused the text (or is missing: run .ci/install-deps): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice::<Vec<Value>>(&out.stdout).unwrap()
}

#[actix_web::test]
async fn metrics_parse_as_prometheus_text_with_the_right_values() {
    let app = App::start();
    let tricky = "db \"main\" \\ backup\nnightly";
    let up = app.create(json!({"name": tricky, "tags": "prod db"})).await;
    let down = app.create(json!({"name": "down", "tags": "prod"})).await;
    app.create(json!({"name": "paused", "tags": "zeta"})).await;
    let paused_uuid = app.get("/api/v3/checks/?tag=zeta", app.rw()).await.json()["checks"][0]
        ["uuid"]
        .as_str()
        .unwrap()
        .to_owned();
    app.post(
        &format!("/api/v3/checks/{paused_uuid}/pause"),
        app.rw(),
        &json!({}),
    )
    .await;
    let now = hc_core::time::now().naive_utc();
    let up_code = up["uuid"].as_str().unwrap();
    diesel::update(checks::table.filter(checks::code.eq(up_code)))
        .set((
            checks::status.eq("up"),
            checks::last_ping.eq(Some(now)),
            checks::last_start.eq(Some(now)),
        ))
        .execute(&mut app.conn())
        .unwrap();
    diesel::update(checks::table.filter(checks::code.eq(down["uuid"].as_str().unwrap())))
        .set(checks::status.eq("down"))
        .execute(&mut app.conn())
        .unwrap();

    let path = format!("/projects/{}/metrics/{}", app.project.uuid, app.ro());
    let reply = app.send(app.client.get(app.url(&path))).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.header("content-type"), Some("text/plain"));
    assert!(
        reply.body.ends_with("hc_checks_down_total 1\n"),
        "{}",
        reply.body
    );
    let samples = parse_with_prometheus_client(&reply.body);
    let value = |name: &str, label: (&str, &str)| -> f64 {
        samples
            .iter()
            .find(|s| s[0] == name && s[1][label.0] == label.1)
            .unwrap_or_else(|| panic!("no {name} with {label:?} in {samples:?}"))[2]
            .as_f64()
            .unwrap()
    };
    assert_eq!(
        value("hc_check_up", ("name", tricky)),
        1.0,
        "labels escape and parse back"
    );
    assert_eq!(value("hc_check_started", ("name", tricky)), 1.0);
    assert_eq!(value("hc_check_up", ("name", "down")), 0.0);
    assert_eq!(value("hc_check_paused", ("name", "paused")), 1.0);
    assert_eq!(
        value("hc_check_up", ("name", "paused")),
        1.0,
        "paused counts as up"
    );
    assert_eq!(value("hc_tag_up", ("tag", "prod")), 0.0);
    assert_eq!(value("hc_tag_up", ("tag", "db")), 1.0);
    assert_eq!(value("hc_tag_up", ("tag", "zeta")), 1.0);
    let unique_key = app.reload(up_code).unique_key();
    assert_eq!(value("hc_check_grace", ("unique_key", &unique_key)), 0.0);
    let total = samples.iter().find(|s| s[0] == "hc_checks_total").unwrap();
    assert_eq!(total[2], 3.0);

    // The same through the older alias and with a bearer token.
    let alias = format!("/projects/{}/checks/metrics/{}", app.project.uuid, app.ro());
    assert_eq!(
        app.send(app.client.get(app.url(&alias))).await.body,
        reply.body
    );
    let bearer = app
        .send(
            app.client
                .get(app.url(&format!("/projects/{}/metrics/", app.project.uuid)))
                .header("Authorization", format!("Bearer {}", app.ro())),
        )
        .await;
    assert_eq!(bearer.body, reply.body);
}

#[actix_web::test]
async fn metrics_need_a_read_only_key_of_the_right_length() {
    let app = App::start();
    let url = |key: &str| app.url(&format!("/projects/{}/metrics/{key}", app.project.uuid));
    assert_eq!(app.fetch(url("short")).await.status, 400);
    let rw = app.fetch(url(app.rw())).await;
    assert_eq!(
        (rw.status, rw.body.as_str()),
        (403, ""),
        "read-write keys are refused"
    );
    assert_eq!(
        app.fetch(url("hcr_0000000000000000000000000000"))
            .await
            .status,
        403
    );
    let no_bearer = app
        .send(
            app.client
                .get(app.url(&format!("/projects/{}/metrics/", app.project.uuid))),
        )
        .await;
    assert_eq!(no_bearer.status, 401);
    // The path's project is not consulted: the key decides.
    let other = app.other_project("other@example.org");
    let url = app.url(&format!(
        "/projects/{}/metrics/{}",
        app.project.uuid, other.api_key_readonly
    ));
    let reply = app.send(app.client.get(url)).await;
    assert_eq!(reply.status, 200);
    assert!(reply.body.contains("hc_checks_total 0\n"));

    let disabled = App::start_with(&[("PROMETHEUS_ENABLED", "False")]);
    let url = disabled.url(&format!(
        "/projects/{}/metrics/{}",
        disabled.project.uuid,
        disabled.ro()
    ));
    assert_eq!(disabled.send(disabled.client.get(url)).await.status, 404);
}
