//! Every ping URL form and every answer of spec §2, as a client sees them, and what
//! the database holds afterwards.

use diesel::prelude::*;
use futures_util::future::join_all;
use hc_core::schema::{channel_checks, checks, profiles, projects, users};

use hc_core::models::Check;

use crate::support::{App, Reply};

const NEVER_CACHE: &str = "max-age=0, no-cache, no-store, must-revalidate, private";

fn assert_ok(reply: &Reply, status: u16, body: &str) {
    assert_eq!((reply.status, reply.body.as_str()), (status, body));
    assert_eq!(
        reply.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    assert_eq!(reply.header("access-control-allow-origin"), Some("*"));
    assert_eq!(reply.header("ping-body-limit"), Some("10000"));
    assert_eq!(reply.header("cache-control"), Some(NEVER_CACHE));
    assert!(reply.header("expires").is_some());
    assert_eq!(reply.header("x-content-type-options"), Some("nosniff"));
    assert_eq!(reply.header("x-frame-options"), Some("DENY"));
}

fn assert_refused(reply: &Reply, status: u16, body: &str, never_cache: bool) {
    assert_eq!((reply.status, reply.body.as_str()), (status, body));
    assert_eq!(reply.header("access-control-allow-origin"), None);
    assert_eq!(reply.header("ping-body-limit"), None);
    assert_eq!(
        reply.header("cache-control").is_some(),
        never_cache,
        "never-cache headers"
    );
}

fn assert_no_route(reply: &Reply) {
    assert_eq!(reply.status, 404);
    assert!(
        reply.body.contains("<title>Not Found</title>"),
        "{}",
        reply.body
    );
}

#[actix_web::test]
async fn a_success_ping_is_answered_and_recorded() {
    let app = App::start(&[]);
    let check = app.check(|_| {});
    let reply = app
        .send(
            app.client
                .post(app.url(&format!("/ping/{}", check.code)))
                .header("User-Agent", "curl/8.5")
                .body("backup done"),
        )
        .await;
    assert_ok(&reply, 200, "OK");

    let after = app.reload(&check.code);
    assert_eq!((after.status.as_str(), after.n_pings), ("up", 1));
    let last_ping = after.last_ping.unwrap();
    assert_eq!(
        after.alert_after,
        Some(last_ping + chrono::Duration::seconds(86_400 + 3_600))
    );
    let pings = app.pings(&check);
    assert_eq!(pings.len(), 1);
    let ping = &pings[0];
    assert_eq!(ping.n, Some(1));
    assert_eq!(ping.kind, None);
    assert_eq!(ping.created, last_ping);
    assert_eq!(
        (ping.scheme.as_str(), ping.method.as_str(), ping.ua.as_str()),
        ("http", "POST", "curl/8.5")
    );
    assert_eq!(ping.remote_addr.as_deref(), Some("127.0.0.1"));
    assert_eq!(ping.body.as_deref(), Some(&b"backup done"[..]));
    let flips = app.flips(&check);
    assert_eq!(flips.len(), 1);
    assert_eq!(
        (flips[0].old_status.as_str(), flips[0].new_status.as_str()),
        ("new", "up")
    );
}

#[actix_web::test]
async fn every_method_is_a_ping() {
    let app = App::start(&[]);
    let check = app.check(|_| {});
    let url = app.url(&format!("/ping/{}/", check.code));
    for method in [
        "GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH", "PURGE",
    ] {
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let reply = app.send(app.client.request(method.clone(), &url)).await;
        assert_eq!(reply.status, 200, "{method}");
        if method == reqwest::Method::HEAD {
            assert_eq!(reply.body, "");
            assert_eq!(reply.header("access-control-allow-origin"), Some("*"));
        } else {
            assert_eq!(reply.body, "OK");
        }
    }
    let methods: Vec<String> = app.pings(&check).into_iter().map(|p| p.method).collect();
    assert_eq!(
        methods,
        ["GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH", "PURGE"]
    );
}

#[actix_web::test]
async fn endpoints_record_their_kinds() {
    let app = App::start(&[]);
    let check = app.check(|_| {});
    for (suffix, kind, exitstatus) in [
        ("start", Some("start"), None),
        ("log", Some("log"), None),
        ("0", None, Some(0)),
        ("007", Some("fail"), Some(7)),
        ("fail", Some("fail"), None),
        ("", None, None),
    ] {
        let reply = app.get(&format!("/ping/{}/{suffix}", check.code)).await;
        assert_ok(&reply, 200, "OK");
        let last = app.pings(&check).pop().unwrap();
        assert_eq!(
            (last.kind.as_deref(), last.exitstatus),
            (kind, exitstatus),
            "/{suffix}"
        );
    }
    let flips: Vec<(String, String, String)> = app
        .flips(&check)
        .into_iter()
        .map(|f| (f.old_status, f.new_status, f.reason))
        .collect();
    let expected = [
        ("new", "up", ""),
        ("up", "down", "fail"),
        ("down", "up", ""),
    ];
    let expected: Vec<(String, String, String)> = expected
        .iter()
        .map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()))
        .collect();
    assert_eq!(flips, expected);
}

#[actix_web::test]
async fn unknown_checks_and_bad_urls_get_healthchecks_answers() {
    let app = App::start(&[]);
    let check = app.check(|_| {});
    let unknown = "00000000-0000-4000-8000-000000000000";
    assert_refused(
        &app.get(&format!("/ping/{unknown}")).await,
        404,
        "not found",
        true,
    );
    assert_refused(
        &app.get(&format!("/ping/{unknown}/256")).await,
        404,
        "not found",
        true,
    );
    assert_refused(
        &app.get(&format!("/ping/{}/256", check.code)).await,
        400,
        "invalid url format",
        true,
    );
    assert_refused(
        &app.get(&format!("/ping/{}/99999999999999999999", check.code))
            .await,
        400,
        "invalid url format",
        true,
    );
    // Not UUID forms: the slug route answers.
    assert_refused(
        &app.get(&format!("/ping/{}/bogus", check.code)).await,
        404,
        "not found",
        false,
    );
    assert_refused(
        &app.get(&format!("/ping/{}/-1", check.code)).await,
        404,
        "not found",
        false,
    );
    assert_refused(
        &app.get(&format!("/ping/{}/Bogus", check.code)).await,
        400,
        "invalid url format",
        false,
    );
    assert_refused(
        &app.get(&format!("/ping/{}/fail", check.code.to_uppercase()))
            .await,
        404,
        "not found",
        false,
    );
    // No route at all.
    for path in [
        format!("/ping/{}", check.code.to_uppercase()),
        format!("/ping/{}/fail/", check.code),
        "/ping/foo".to_owned(),
        "/ping/".to_owned(),
        "/elsewhere".to_owned(),
        format!("/ping/{}/slug/", app.project.ping_key),
        format!("/ping/{}/slug/bogus", app.project.ping_key),
    ] {
        assert_no_route(&app.get(&path).await);
    }
    assert_eq!(app.all_pings(), 0, "none of these stored a ping");
}

#[actix_web::test]
async fn run_ids_are_validated_and_pair_runs() {
    let app = App::start(&[]);
    let check = app.check(|_| {});
    let rid = "5A0F9F3D-0E56-4F2B-9C6B-2D4A1F8E7B10";
    assert_refused(
        &app.get(&format!("/ping/{}?rid=nope", check.code)).await,
        400,
        "invalid uuid format",
        true,
    );
    assert_refused(
        &app.get(&format!("/ping/{}?rid=", check.code)).await,
        400,
        "invalid uuid format",
        true,
    );
    assert_eq!(app.all_pings(), 0);
    assert_ok(
        &app.get(&format!("/ping/{}/start?rid={rid}", check.code))
            .await,
        200,
        "OK",
    );
    assert_ok(
        &app.get(&format!("/ping/{}?rid={rid}", check.code)).await,
        200,
        "OK",
    );
    let pings = app.pings(&check);
    assert!(pings
        .iter()
        .all(|p| p.rid.as_deref() == Some(&rid.to_lowercase()[..])));
    let after = app.reload(&check.code);
    assert!(after.last_duration.is_some());
    assert_eq!(after.last_start, None);
}

#[actix_web::test]
async fn slug_urls_find_create_and_refuse() {
    let app = App::start(&[]);
    let key = app.project.ping_key.clone();
    let check = app.check(|c| c.slug = "backup".into());
    assert_ok(&app.get(&format!("/ping/{key}/backup")).await, 200, "OK");
    assert_ok(
        &app.get(&format!("/ping/{key}/backup/fail")).await,
        200,
        "OK",
    );
    assert_eq!(app.reload(&check.code).status, "down");

    assert_refused(
        &app.get(&format!("/ping/{key}/Backup")).await,
        400,
        "invalid url format",
        false,
    );
    assert_refused(
        &app.get(&format!("/ping/{key}/nothing")).await,
        404,
        "not found",
        false,
    );
    assert_refused(
        &app.get(&format!("/ping/{key}/nothing?create=true")).await,
        404,
        "not found",
        false,
    );
    assert_refused(
        &app.get("/ping/wrongkey/nothing?create=1").await,
        404,
        "not found",
        false,
    );

    app.check(|c| c.slug = "twin".into());
    app.check(|c| c.slug = "twin".into());
    assert_refused(
        &app.get(&format!("/ping/{key}/twin")).await,
        409,
        "ambiguous slug",
        false,
    );

    // Auto-provisioning: 201, a check named after the slug, with the project's channels.
    assert_ok(
        &app.get(&format!("/ping/{key}/nightly-db?create=1")).await,
        201,
        "Created",
    );
    assert_ok(
        &app.get(&format!("/ping/{key}/nightly-db?create=1")).await,
        200,
        "OK",
    );
    let conn = &mut app.conn();
    let (id, name, n_pings): (i64, String, i64) = checks::table
        .filter(checks::slug.eq("nightly-db"))
        .select((checks::id, checks::name, checks::n_pings))
        .first(conn)
        .unwrap();
    assert_eq!((name.as_str(), n_pings), ("nightly-db", 2));
    let channels: i64 = channel_checks::table
        .filter(channel_checks::check_id.eq(id))
        .count()
        .get_result(conn)
        .unwrap();
    assert_eq!(channels, 1, "the project's e-mail channel is assigned");
    // Created, then the exit status is refused: the check stays, the ping does not.
    assert_refused(
        &app.get(&format!("/ping/{key}/other/256?create=1")).await,
        400,
        "invalid url format",
        true,
    );
    let n: i64 = checks::table
        .filter(checks::slug.eq("other"))
        .count()
        .get_result(conn)
        .unwrap();
    assert_eq!(n, 1);
}

#[actix_web::test]
async fn auto_provisioning_stops_at_twice_the_check_limit() {
    let app = App::start(&[]);
    let conn = &mut app.conn();
    let owner: i64 = users::table
        .filter(users::email.eq("owner@example.org"))
        .select(users::id)
        .first(conn)
        .unwrap();
    diesel::update(profiles::table.filter(profiles::user_id.eq(owner)))
        .set(profiles::check_limit.eq(1))
        .execute(conn)
        .unwrap();
    let key = &app.project.ping_key;
    assert_eq!(
        app.get(&format!("/ping/{key}/a?create=1")).await.status,
        201
    );
    assert_eq!(
        app.get(&format!("/ping/{key}/b?create=1")).await.status,
        201
    );
    assert_refused(
        &app.get(&format!("/ping/{key}/c?create=1")).await,
        404,
        "not found",
        false,
    );
    let project_id: i64 = projects::table
        .filter(projects::code.eq(&app.project.uuid))
        .select(projects::id)
        .first(conn)
        .unwrap();
    let n: i64 = checks::table
        .filter(checks::project_id.eq(project_id))
        .count()
        .get_result(conn)
        .unwrap();
    assert_eq!(n, 2);
}

#[actix_web::test]
async fn bodies_are_cut_byte_exactly_and_oversized_requests_refused() {
    let app = App::start(&[]);
    let check = app.check(|_| {});
    let url = app.url(&format!("/ping/{}", check.code));
    let mut body: Vec<u8> = (0..20_000u32).map(|i| (i % 251) as u8).collect();
    body[9_999] = 0xff; // not UTF-8, right at the edge
    assert_eq!(
        app.send(app.client.post(&url).body(body.clone()))
            .await
            .status,
        200
    );
    assert_eq!(app.pings(&check)[0].body.as_deref(), Some(&body[..10_000]));

    let huge = vec![b'x'; 2_621_441];
    let reply = app.send(app.client.post(&url).body(huge)).await;
    assert_eq!(reply.status, 400);
    assert!(reply.body.contains("Bad Request (400)"));
    let just_fits = vec![b'y'; 2_621_440];
    assert_eq!(
        app.send(app.client.post(&url).body(just_fits)).await.status,
        200
    );
    assert_eq!(
        app.reload(&check.code).n_pings,
        2,
        "the oversized request stored nothing"
    );
}

#[actix_web::test]
async fn an_unlimited_body_limit_stores_everything_and_sends_no_header() {
    let app = App::start(&[("PING_BODY_LIMIT", "None")]);
    let check = app.check(|_| {});
    let body = vec![b'z'; 50_000];
    let reply = app
        .send(
            app.client
                .post(app.url(&format!("/ping/{}", check.code)))
                .body(body.clone()),
        )
        .await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.header("ping-body-limit"), None);
    assert_eq!(app.pings(&check)[0].body.as_deref(), Some(&body[..]));
}

#[actix_web::test]
async fn post_only_manual_resume_and_keyword_filters() {
    let app = App::start(&[]);
    let post_only = app.check(|c| c.methods = "POST".into());
    assert_eq!(
        app.get(&format!("/ping/{}", post_only.code)).await.status,
        200
    );
    assert_eq!(app.reload(&post_only.code).status, "new");
    assert_eq!(app.pings(&post_only)[0].kind.as_deref(), Some("ign"));

    let paused = app.check(|c| {
        c.status = "paused".into();
        c.manual_resume = true;
    });
    assert_eq!(
        app.get(&format!("/ping/{}/fail", paused.code)).await.status,
        200
    );
    let after = app.reload(&paused.code);
    assert_eq!((after.status.as_str(), after.n_pings), ("paused", 1));
    assert_eq!(app.pings(&paused)[0].kind.as_deref(), Some("ign"));

    let filtered = app.check(|c| {
        c.filter_http_body = true;
        c.failure_kw = "ERROR".into();
        c.success_kw = "OK".into();
    });
    let url = app.url(&format!("/ping/{}", filtered.code));
    app.send(app.client.post(&url).body("1 ERROR found")).await;
    assert_eq!(app.reload(&filtered.code).status, "down");
    app.send(app.client.post(&url).body(vec![0xff, b'O', b'K']))
        .await;
    assert_eq!(app.reload(&filtered.code).status, "up");
}

#[actix_web::test]
async fn client_address_comes_from_trusted_proxies_only() {
    let app = App::start(&[]);
    let check = app.check(|_| {});
    let url = app.url(&format!("/ping/{}", check.code));
    app.send(
        app.client
            .get(&url)
            .header("X-Forwarded-For", "2001:0DB8::0001, 10.0.0.1")
            .header("X-Forwarded-Proto", "https"),
    )
    .await;
    let ping = app.pings(&check).pop().unwrap();
    assert_eq!(
        (ping.remote_addr.as_deref(), ping.scheme.as_str()),
        (Some("2001:db8::1"), "https")
    );

    let strict = App::start(&[("TRUSTED_PROXIES", "")]);
    let check = strict.check(|_| {});
    let url = strict.url(&format!("/ping/{}", check.code));
    strict
        .send(
            strict
                .client
                .get(&url)
                .header("X-Forwarded-For", "198.51.100.7")
                .header("X-Forwarded-Proto", "https"),
        )
        .await;
    let ping = strict.pings(&check).pop().unwrap();
    assert_eq!(
        (ping.remote_addr.as_deref(), ping.scheme.as_str()),
        (Some("127.0.0.1"), "http")
    );
}

#[actix_web::test]
async fn long_user_agents_are_cut_to_200_characters() {
    let app = App::start(&[]);
    let check = app.check(|_| {});
    let ua = "é".repeat(50_000);
    let reply = app
        .send(
            app.client
                .get(app.url(&format!("/ping/{}", check.code)))
                .header("User-Agent", ua),
        )
        .await;
    assert_eq!(reply.status, 200);
    assert_eq!(app.pings(&check)[0].ua, "é".repeat(200));
}

#[actix_web::test]
async fn a_fleet_pinging_one_check_loses_no_update() {
    let app = App::start(&[]);
    let check = app.check(|_| {});
    let url = app.url(&format!("/ping/{}", check.code));
    let replies =
        join_all((0..300).map(|i| app.client.post(&url).body(format!("host {i}")).send())).await;
    assert!(replies.iter().all(|r| r.as_ref().unwrap().status() == 200));
    let after = app.reload(&check.code);
    assert_eq!(after.n_pings, 300);
    let numbers: Vec<i64> = app.pings(&check).iter().map(|p| p.n.unwrap()).collect();
    // Pruning keeps the newest 100 once the 300th ping lands; what is left is exact.
    assert!(
        numbers.windows(2).all(|w| w[1] == w[0] + 1),
        "no gaps or repeats: {numbers:?}"
    );
    assert_eq!(*numbers.last().unwrap(), 300);
}

#[actix_web::test]
async fn every_hundredth_ping_prunes_to_the_owners_limit() {
    let app = App::start(&[]);
    let conn = &mut app.conn();
    diesel::update(profiles::table)
        .set(profiles::ping_log_limit.eq(10))
        .execute(conn)
        .unwrap();
    let check = app.check(|_| {});
    let url = app.url(&format!("/ping/{}", check.code));
    for _ in 0..100 {
        assert_eq!(app.send(app.client.get(&url)).await.status, 200);
    }
    // Pruning runs after the answer; give it a moment.
    let mut left = Vec::new();
    for _ in 0..50 {
        left = app.pings(&check).iter().map(|p| p.n.unwrap()).collect();
        if left.len() == 10 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(left, (91..=100).collect::<Vec<i64>>());
}

#[actix_web::test]
async fn the_receiver_records_a_heartbeat_while_it_runs() {
    use hc_core::schema::receiver_heartbeats;
    let app = App::start(&[]);
    let seen = || -> Vec<(chrono::NaiveDateTime, chrono::NaiveDateTime)> {
        receiver_heartbeats::table
            .select((receiver_heartbeats::started, receiver_heartbeats::last_seen))
            .load(&mut app.conn())
            .unwrap()
    };
    let started = std::time::Instant::now();
    while seen().is_empty() && started.elapsed() < std::time::Duration::from_secs(5) {
        actix_web::rt::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let rows = seen();
    assert_eq!(rows.len(), 1, "one row per running receiver");
    let live = hc_core::outage::Liveness::load(&mut app.conn())
        .unwrap()
        .unwrap();
    assert!(live.alive_at(hc_core::time::now()));
}

/// Three receivers on one database (as several `hc-ping` processes scale out):
/// pings for the same checks through all of them at once are each stored and
/// counted exactly once, without deadlocks, and `?create=1` for a new slug sent to
/// all three at the same moment makes one check, not three.
#[actix_web::test]
async fn several_receivers_on_one_database_count_every_ping_once() {
    let app = App::start(&[]);
    let key = app.project.ping_key.clone();
    let (second, _g2) = app.another_receiver();
    let (third, _g3) = app.another_receiver();
    let roots = [app.url(""), second, third];
    let checks: Vec<Check> = (0..10)
        .map(|i| app.check(|c| c.slug = format!("job-{i}")))
        .collect();
    // 10 checks x 30 pings, by UUID and by slug, spread over the three receivers.
    let requests = (0..300).map(|i| {
        let check = &checks[i % checks.len()];
        let root = &roots[i % roots.len()];
        let url = if i % 2 == 0 {
            format!("{root}/ping/{}", check.code)
        } else {
            format!("{root}/ping/{key}/{}", check.slug)
        };
        app.client.post(url).body(format!("run {i}")).send()
    });
    let replies = join_all(requests).await;
    for reply in replies {
        assert_eq!(reply.unwrap().status(), 200);
    }
    for check in &checks {
        assert_eq!(app.reload(&check.code).n_pings, 30);
        let numbers: Vec<i64> = app.pings(check).iter().map(|p| p.n.unwrap()).collect();
        assert_eq!(numbers, (1..=30).collect::<Vec<i64>>());
    }

    let creates: Vec<String> = roots
        .iter()
        .flat_map(|root| std::iter::repeat_n(format!("{root}/ping/{key}/brand-new?create=1"), 3))
        .collect();
    let replies = join_all(creates.iter().map(|url| app.client.get(url).send())).await;
    let statuses: Vec<u16> = replies
        .into_iter()
        .map(|r| r.unwrap().status().as_u16())
        .collect();
    assert_eq!(
        statuses.iter().filter(|s| **s == 201).count(),
        1,
        "{statuses:?}"
    );
    assert!(
        statuses.iter().all(|s| *s == 200 || *s == 201),
        "{statuses:?}"
    );
    let made: i64 = checks::table
        .filter(checks::slug.eq("brand-new"))
        .count()
        .get_result(&mut app.conn())
        .unwrap();
    assert_eq!(made, 1);
}
