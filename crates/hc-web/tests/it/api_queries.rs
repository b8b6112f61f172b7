//! No N+1: the queries behind a list of checks do not grow with the number of checks.

use std::sync::atomic::{AtomicUsize, Ordering};

use diesel::connection::{set_default_instrumentation, Instrumentation, InstrumentationEvent};
use serde_json::json;

use crate::support::App;

static QUERIES: AtomicUsize = AtomicUsize::new(0);

fn counting() -> Option<Box<dyn Instrumentation>> {
    Some(Box::new(|event: InstrumentationEvent<'_>| {
        if matches!(event, InstrumentationEvent::StartQuery { .. }) {
            QUERIES.fetch_add(1, Ordering::SeqCst);
        }
    }))
}

/// Queries made while answering one GET.
async fn queries_for(app: &App, path: &str, key: &str) -> usize {
    let before = QUERIES.load(Ordering::SeqCst);
    let reply = app.get(path, key).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    QUERIES.load(Ordering::SeqCst) - before
}

#[actix_web::test]
async fn listing_checks_makes_the_same_few_queries_for_3_or_60_checks() {
    // Every connection this process opens from here on counts its queries.
    set_default_instrumentation(counting).unwrap();
    let app = App::start();
    let mut counts = Vec::new();
    for target in [3, 60] {
        let have = app.get("/api/v3/checks/", app.rw()).await.json()["checks"]
            .as_array()
            .unwrap()
            .len();
        for i in have..target {
            app.create(json!({"name": format!("c{i}"), "tags": "t", "channels": "*", "schedule": "0 * * * *"})).await;
        }
        // Warm the pool so that connection set-up is not counted.
        app.get("/api/v3/checks/", app.rw()).await;
        let rw = queries_for(&app, "/api/v3/checks/", app.rw()).await;
        let ro = queries_for(&app, "/api/v3/checks/", app.ro()).await;
        let badges = queries_for(&app, "/api/v3/badges/", app.ro()).await;
        counts.push((rw, ro, badges));
    }
    eprintln!("queries per request (rw, ro, badges): {counts:?}");
    assert!(
        counts[0].0 > 0,
        "the instrumentation counts queries: {counts:?}"
    );
    assert_eq!(
        counts[0], counts[1],
        "queries per request grow with the checks"
    );
    assert!(counts[1].0 <= 4, "{counts:?}");
}
