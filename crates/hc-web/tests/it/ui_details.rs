//! A check up close, over real HTTP: the details page and its live status, every
//! action on it, the log with its paging and live rows, single pings and their
//! bodies, `/cloaked/`, and who may see and change what.

use chrono::{Duration, NaiveDateTime, Utc};
use diesel::prelude::*;
use hc_core::models::{Channel, Check, Flip, Notification, Ping, Project, User};
use hc_core::schema::{
    channel_checks, channels, checks, flips, members, notifications, pings, profiles, projects,
};

use crate::api_history::start_receiver;
use crate::support::App;
use crate::web::{location, Web};

const PW: &str = "pw-123456";

/// Ann with her first project and its check (with an e-mail integration), logged in.
struct Ann<'a> {
    user: User,
    project: Project,
    code: String,
    web: Web<'a>,
}

async fn ann(app: &App) -> Ann<'_> {
    let user = app.user("ann@example.org", PW);
    let project = first_project(app, user.id);
    let code: String = checks::table
        .filter(checks::project_id.eq(project.id))
        .select(checks::code)
        .first(&mut app.conn())
        .unwrap();
    // Old enough that the events and months the tests make fall within its life.
    diesel::update(checks::table.filter(checks::code.eq(&code)))
        .set(checks::created.eq(ago(Duration::days(100))))
        .execute(&mut app.conn())
        .unwrap();
    let web = app.web();
    web.login("ann@example.org", PW).await;
    Ann {
        user,
        project,
        code,
        web,
    }
}

fn first_project(app: &App, owner_id: i64) -> Project {
    projects::table
        .filter(projects::owner_id.eq(owner_id))
        .select(Project::as_select())
        .first(&mut app.conn())
        .unwrap()
}

fn ago(d: Duration) -> NaiveDateTime {
    (hc_core::time::now() - d).naive_utc()
}

fn add_ping(
    app: &App,
    check: &Check,
    n: i64,
    created: NaiveDateTime,
    kind: Option<&str>,
    body: Option<&[u8]>,
) {
    diesel::insert_into(pings::table)
        .values(Ping {
            id: 0,
            check_id: check.id,
            n: Some(n),
            created,
            kind: kind.map(str::to_owned),
            scheme: "http".into(),
            remote_addr: Some("203.0.113.5".into()),
            method: "POST".into(),
            ua: "curl/8.5".into(),
            body: body.map(<[u8]>::to_vec),
            exitstatus: None,
            rid: None,
        })
        .execute(&mut app.conn())
        .unwrap();
    diesel::update(checks::table.find(check.id))
        .set(checks::n_pings.eq(n))
        .execute(&mut app.conn())
        .unwrap();
}

fn add_flip(app: &App, check: &Check, created: NaiveDateTime, old: &str, new: &str, reason: &str) {
    diesel::insert_into(flips::table)
        .values(Flip {
            id: 0,
            check_id: check.id,
            created,
            processed: Some(created),
            old_status: old.into(),
            new_status: new.into(),
            reason: reason.into(),
        })
        .execute(&mut app.conn())
        .unwrap();
}

fn count_flips(app: &App, check_id: i64) -> i64 {
    flips::table
        .filter(flips::check_id.eq(check_id))
        .count()
        .get_result(&mut app.conn())
        .unwrap()
}

fn channel_ids(app: &App, check_id: i64) -> Vec<i64> {
    let mut ids: Vec<i64> = channel_checks::table
        .filter(channel_checks::check_id.eq(check_id))
        .select(channel_checks::channel_id)
        .load(&mut app.conn())
        .unwrap();
    ids.sort_unstable();
    ids
}

fn project_channels(app: &App, project_id: i64) -> Vec<Channel> {
    channels::table
        .filter(channels::project_id.eq(project_id))
        .order(channels::id)
        .select(Channel::as_select())
        .load(&mut app.conn())
        .unwrap()
}

fn join(app: &App, user: &User, project: &Project, role: &str) {
    diesel::insert_into(members::table)
        .values((
            members::user_id.eq(user.id),
            members::project_id.eq(project.id),
            members::role.eq(role),
        ))
        .execute(&mut app.conn())
        .unwrap();
}

/// Tera writes `/` as `&#x2F;`; a browser reads it back.
fn html(s: &str) -> String {
    s.replace('/', "&#x2F;")
}

#[actix_web::test]
async fn the_details_page_says_what_the_check_is_and_how_to_ping_it() {
    let app = App::start();
    let a = ann(&app).await;
    let details = format!("/checks/{}/details/", a.code);
    let page = a.web.get(&details).await;
    assert_eq!(page.status, 200, "{}", page.body);
    let body = &page.body;
    assert!(body.contains("My First Check"));
    assert!(body.contains("This check is new. It is waiting for its first ping."));
    let ping_url = format!("{}{}", app.config.ping_endpoint, a.code);
    assert!(body.contains(&html(&ping_url)), "the UUID ping URL");
    let email = format!("{}@{}", a.code, app.config.ping_email_domain);
    assert!(body.contains(&email), "the e-mail address");
    for language in [
        "curl",
        "wget",
        "Python",
        "Node.js",
        "PHP",
        "Ruby",
        "Go",
        "C#",
        "PowerShell",
        "Browser",
    ] {
        assert!(
            body.contains(&format!("<summary>{language}"))
                || body.contains(&format!("and {language}")),
            "an example for {language}"
        );
    }
    assert!(body.contains("<dt>Period</dt><dd>1 day</dd>"), "{body}");
    assert!(body.contains("<dt>Grace time</dt><dd>1 hour</dd>"));
    // The schedule dialogs, under the anchor My Checks links to.
    assert!(body.contains("id=\"schedule\""));
    assert!(body.contains(&format!("data-schedule-for=\"{}\"", a.code)));
    assert!(body.contains("Email to ann@example.org"));
    assert!(body.contains("<strong>On</strong>"));
    // Three months of downtime, named in the viewer's zone.
    let month = Utc::now().format("%B %Y").to_string();
    assert!(body.contains(&month), "the current month is listed");
    assert_eq!(body.matches("no outages").count(), 3, "{body}");
    assert!(
        !body.contains("or, by the check"),
        "no slug URL without a ping key"
    );
    assert!(!body.contains("/static/details.js\" async"));
    assert!(body.contains("/static/details.js"));

    // With a ping key, the slug form too.
    diesel::update(projects::table.find(a.project.id))
        .set(projects::ping_key.eq("abcdefghijklmnopqrstuv"))
        .execute(&mut app.conn())
        .unwrap();
    let page = a.web.get(&details).await;
    let slug_url = format!(
        "{}abcdefghijklmnopqrstuv/my-first-check",
        app.config.ping_endpoint
    );
    assert!(page.body.contains(&html(&slug_url)), "the slug ping URL");
    assert!(page.body.contains(&format!(
        "abcdefghijklmnopqrstuv+my-first-check@{}",
        app.config.ping_email_domain
    )));

    // A cron check shows its expression and zone.
    diesel::update(checks::table.filter(checks::code.eq(&a.code)))
        .set((
            checks::kind.eq("cron"),
            checks::schedule.eq("5 4 * * *"),
            checks::tz.eq("Europe/Riga"),
        ))
        .execute(&mut app.conn())
        .unwrap();
    let page = a.web.get(&details).await;
    assert!(page.body.contains("<code>5 4 * * *</code>"));
    assert!(page.body.contains("Europe&#x2F;Riga"));

    // Malformed and unknown codes are not found.
    assert_eq!(a.web.get("/checks/not-a-uuid/details/").await.status, 404);
    let unknown = "00000000-0000-4000-8000-000000000000";
    assert_eq!(
        a.web
            .get(&format!("/checks/{unknown}/details/"))
            .await
            .status,
        404
    );
    // Anonymous visitors log in first and come back.
    let reply = app.web().get(&details).await;
    assert!(location(&reply).starts_with("/accounts/login/?next=%2Fchecks%2F"));
}

#[actix_web::test]
async fn the_status_is_in_words_and_refreshes_as_json() {
    let app = App::start();
    let a = ann(&app).await;
    let check = app.reload(&a.code);
    diesel::update(checks::table.find(check.id))
        .set((
            checks::status.eq("up"),
            checks::last_ping.eq(ago(Duration::minutes(3))),
        ))
        .execute(&mut app.conn())
        .unwrap();
    let page = a.web.get(&format!("/checks/{}/details/", a.code)).await;
    assert!(
        page.body
            .contains("This check is up. Last ping 3 minutes ago."),
        "{}",
        page.body
    );

    // Down by timeout two days after the last ping: when the grace period ended.
    diesel::update(checks::table.find(check.id))
        .set((
            checks::status.eq("down"),
            checks::last_ping.eq(ago(Duration::days(2))),
        ))
        .execute(&mut app.conn())
        .unwrap();
    add_ping(&app, &check, 1, ago(Duration::days(2)), None, None);
    add_flip(
        &app,
        &check,
        ago(Duration::days(1)),
        "up",
        "down",
        "timeout",
    );
    let status_url = format!("/checks/{}/status/", a.code);
    let reply = a.web.get(&status_url).await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.header("content-type"), Some("application/json"));
    let json = reply.json();
    assert_eq!(json["status"], "down");
    assert_eq!(json["started"], false);
    let text = json["status_text"].as_str().unwrap();
    assert!(
        text.contains(
            "This check is down. The last ping was 2 days ago; the grace period ended 1 day ago."
        ),
        "{text}"
    );
    assert!(
        text.contains("status-down"),
        "status shape, not colour alone"
    );
    assert_eq!(
        json["title"],
        format!("DOWN – My First Check – {}", app.config.site_name)
    );
    assert!(json["events"]
        .as_str()
        .unwrap()
        .contains("Status: up → down"));
    assert!(json["downtimes"].as_str().unwrap().contains("1 outage"));
    // Nothing new since `updated`: the event and downtime pieces are left out.
    let updated = json["updated"].as_str().unwrap().to_owned();
    let again = a.web.get(&format!("{status_url}?u={updated}")).await.json();
    assert!(again.get("events").is_none() && again.get("downtimes").is_none());
    assert_eq!(again["status"], "down");

    // Anonymous: refused, not redirected (a script asks).
    assert_eq!(app.web().get(&status_url).await.status, 403);
}

#[actix_web::test]
async fn script_and_long_text_is_escaped_everywhere() {
    let app = App::start();
    let a = ann(&app).await;
    let evil = "<script>alert(1)</script>";
    let long_desc = format!("{evil}{}", "d".repeat(10_000));
    let reply = a
        .web
        .post(
            &format!("/checks/{}/name/", a.code),
            &[
                ("name", evil),
                ("slug", ""),
                ("tags", "<b>x</b>  prod"),
                ("desc", &long_desc),
            ],
        )
        .await;
    assert_eq!(location(&reply), format!("/checks/{}/details/", a.code));
    let check = app.reload(&a.code);
    assert_eq!(check.name, evil);
    assert_eq!(check.description, long_desc);
    assert_eq!(check.tags, "<b>x</b> prod");
    let check_row = app.reload(&a.code);
    add_ping(
        &app,
        &check_row,
        1,
        ago(Duration::minutes(1)),
        Some("fail"),
        Some(evil.as_bytes()),
    );
    diesel::update(pings::table.filter(pings::check_id.eq(check_row.id)))
        .set(pings::ua.eq(evil))
        .execute(&mut app.conn())
        .unwrap();

    for path in [
        format!("/checks/{}/details/", a.code),
        format!("/checks/{}/log/", a.code),
        format!("/checks/{}/pings/1/", a.code),
        format!("/checks/{}/log_events/?u=0", a.code),
        format!("/checks/{}/transfer/", a.code),
    ] {
        let page = a.web.get(&path).await;
        assert_eq!(page.status, 200, "{path}: {}", page.body);
        assert!(!page.body.contains("<script>alert"), "{path} escapes");
        assert!(!page.body.contains("<b>x</b>"), "{path} escapes tags");
    }
    let details = a.web.get(&format!("/checks/{}/details/", a.code)).await;
    assert!(details
        .body
        .contains("&lt;script&gt;alert(1)&lt;&#x2F;script&gt;"));
    assert!(
        details.body.contains(&"d".repeat(10_000)),
        "the whole description"
    );

    let reply = a.web.get(&format!("/checks/{}/status/", a.code)).await;
    assert!(
        !reply.body.contains('<'),
        "no markup at all in the raw JSON: {}",
        reply.body
    );
    let json = reply.json();
    assert!(
        json["title"].as_str().unwrap().contains(evil),
        "the title is plain text"
    );
    let events = json["events"].as_str().unwrap();
    assert!(events.contains("&lt;script&gt;") && !events.contains("<script>"));
}

#[actix_web::test]
async fn the_name_form_normalises_tags_and_refuses_bad_values_next_to_the_field() {
    let app = App::start();
    let a = ann(&app).await;
    let url = format!("/checks/{}/name/", a.code);
    let reply = a
        .web
        .post(
            &url,
            &[
                ("name", "  Backups "),
                ("slug", "Nightly_db-1"),
                ("tags", " prod \t  www\n db "),
                ("desc", "hi"),
            ],
        )
        .await;
    assert_eq!(reply.status, 302);
    let check = app.reload(&a.code);
    assert_eq!(
        (
            check.name.as_str(),
            check.slug.as_str(),
            check.tags.as_str(),
            check.description.as_str()
        ),
        ("Backups", "Nightly_db-1", "prod www db", "hi")
    );

    let long_name = "n".repeat(101);
    let reply = a
        .web
        .post(
            &url,
            &[
                ("name", &long_name),
                ("slug", "bad slug"),
                ("tags", "ok"),
                ("desc", ""),
            ],
        )
        .await;
    assert_eq!(reply.status, 400);
    assert!(reply.body.contains(
        "<p class=\"error\" id=\"err_name\">Ensure this value has at most 100 characters (it has 101).</p>"
    ), "{}", reply.body);
    assert!(reply.body.contains("id=\"err_slug\">Enter a valid “slug”"));
    assert!(
        reply.body.contains(&long_name),
        "what was typed stays in the field"
    );
    assert!(reply.body.contains("<details id=\"edit-name\" open>"));
    assert_eq!(app.reload(&a.code).name, "Backups", "nothing saved");

    let tags = "t".repeat(501);
    let reply = a.web.post(&url, &[("name", "x"), ("tags", &tags)]).await;
    assert_eq!(reply.status, 400);
    assert!(reply
        .body
        .contains("id=\"err_tags\">Ensure this value has at most 500 characters (it has 501)."));
    let reply = a
        .web
        .post(
            &url,
            &[("name", &"n".repeat(100)), ("tags", &"t".repeat(500))],
        )
        .await;
    assert_eq!(reply.status, 302, "the limits themselves are fine");
}

#[actix_web::test]
async fn filtering_rules_are_saved_and_checked() {
    let app = App::start();
    let a = ann(&app).await;
    let url = format!("/checks/{}/filtering_rules/", a.code);
    let reply = a
        .web
        .post(
            &url,
            &[
                ("filter_http_body", "on"),
                ("filter_subject", "on"),
                ("start_kw", "STARTED"),
                ("success_kw", " OK, SUCCESS "),
                ("failure_kw", "FAIL"),
                ("methods", "POST"),
                ("manual_resume", "on"),
            ],
        )
        .await;
    assert_eq!(location(&reply), format!("/checks/{}/details/", a.code));
    let check = app.reload(&a.code);
    assert!(check.filter_http_body && check.filter_subject && !check.filter_body);
    assert!(!check.filter_default_fail && check.manual_resume);
    assert_eq!(
        (
            check.start_kw.as_str(),
            check.success_kw.as_str(),
            check.failure_kw.as_str(),
            check.methods.as_str()
        ),
        ("STARTED", "OK, SUCCESS", "FAIL", "POST")
    );

    let long = "k".repeat(201);
    let reply = a
        .web
        .post(&url, &[("success_kw", &long), ("methods", "GET")])
        .await;
    assert_eq!(reply.status, 400);
    assert!(reply.body.contains(
        "id=\"err_success_kw\">Ensure this value has at most 200 characters (it has 201)."
    ));
    assert!(reply.body.contains("id=\"err_methods\">"));
    assert_eq!(
        app.reload(&a.code).success_kw,
        "OK, SUCCESS",
        "nothing saved"
    );
    // Unticked boxes turn the flags off.
    let reply = a.web.post(&url, &[("methods", "")]).await;
    assert_eq!(reply.status, 302);
    let check = app.reload(&a.code);
    assert!(!check.filter_http_body && !check.manual_resume && check.methods.is_empty());
}

#[actix_web::test]
async fn pause_and_resume_go_through_the_domain_rules() {
    let app = App::start();
    let a = ann(&app).await;
    let check = app.reload(&a.code);
    diesel::update(checks::table.find(check.id))
        .set((
            checks::status.eq("up"),
            checks::last_ping.eq(ago(Duration::minutes(5))),
            checks::alert_after.eq(Some(ago(-Duration::days(1)))),
        ))
        .execute(&mut app.conn())
        .unwrap();
    let resume = format!("/checks/{}/resume/", a.code);
    assert_eq!(a.web.post(&resume, &[]).await.status, 400, "not paused");

    let reply = a.web.post(&format!("/checks/{}/pause/", a.code), &[]).await;
    assert_eq!(location(&reply), format!("/checks/{}/details/", a.code));
    let paused = app.reload(&a.code);
    assert_eq!(paused.status, "paused");
    assert_eq!(paused.alert_after, None);
    let flip: Flip = flips::table
        .filter(flips::check_id.eq(check.id))
        .select(Flip::as_select())
        .first(&mut app.conn())
        .unwrap();
    assert_eq!(
        (flip.old_status.as_str(), flip.new_status.as_str()),
        ("up", "paused")
    );
    assert!(flip.processed.is_some(), "no alert for a pause");
    let page = a.web.get(&format!("/checks/{}/details/", a.code)).await;
    assert!(page.body.contains("This check is paused."));
    assert!(page.body.contains("id=\"resume\""));

    assert_eq!(
        location(&a.web.post(&resume, &[]).await),
        format!("/checks/{}/details/", a.code)
    );
    let resumed = app.reload(&a.code);
    assert_eq!((resumed.status.as_str(), resumed.last_ping), ("new", None));
    assert_eq!(count_flips(&app, check.id), 2);
}

#[actix_web::test]
async fn clear_events_forgets_history_but_keeps_the_ping_count() {
    let app = App::start();
    let a = ann(&app).await;
    let check = app.reload(&a.code);
    add_ping(&app, &check, 1, ago(Duration::hours(2)), None, Some(b"x"));
    add_ping(&app, &check, 2, ago(Duration::hours(1)), Some("fail"), None);
    add_flip(&app, &check, ago(Duration::hours(1)), "up", "down", "fail");
    let channel = project_channels(&app, a.project.id).remove(0);
    diesel::insert_into(notifications::table)
        .values(Notification {
            id: 0,
            code: hc_core::keys::new_uuid(),
            check_id: Some(check.id),
            channel_id: channel.id,
            flip_id: None,
            check_status: "down".into(),
            created: ago(Duration::hours(1)),
            status: "sent".into(),
            attempts: 1,
            next_attempt: None,
            claimed_until: None,
            error: String::new(),
        })
        .execute(&mut app.conn())
        .unwrap();
    diesel::update(checks::table.find(check.id))
        .set((
            checks::status.eq("down"),
            checks::last_ping.eq(ago(Duration::hours(1))),
            checks::last_duration.eq(Some(5_000_000i64)),
            checks::has_confirmation_link.eq(true),
        ))
        .execute(&mut app.conn())
        .unwrap();

    let page = a.web.get(&format!("/checks/{}/details/", a.code)).await;
    assert!(
        page.body.contains("data-confirm=\"Clear all events"),
        "asks first"
    );
    assert!(page
        .body
        .contains("deletes this check's pings, status changes and sent notifications"));
    let reply = a
        .web
        .post(&format!("/checks/{}/clear_events/", a.code), &[])
        .await;
    assert_eq!(location(&reply), format!("/checks/{}/details/", a.code));
    let cleared = app.reload(&a.code);
    assert_eq!(cleared.status, "new");
    assert_eq!(
        (
            cleared.last_ping,
            cleared.last_duration,
            cleared.alert_after
        ),
        (None, None, None)
    );
    assert!(!cleared.has_confirmation_link);
    assert_eq!(cleared.n_pings, 2, "the counter stays");
    let n_pings: i64 = pings::table
        .filter(pings::check_id.eq(check.id))
        .count()
        .get_result(&mut app.conn())
        .unwrap();
    let n_notes: i64 = notifications::table
        .filter(notifications::check_id.eq(check.id))
        .count()
        .get_result(&mut app.conn())
        .unwrap();
    assert_eq!((n_pings, count_flips(&app, check.id), n_notes), (0, 0, 0));
}

#[actix_web::test]
async fn remove_deletes_the_check_and_goes_back_to_my_checks() {
    let app = App::start();
    let a = ann(&app).await;
    let page = a.web.get(&format!("/checks/{}/details/", a.code)).await;
    assert!(page
        .body
        .contains("data-confirm=\"Remove this check? Its pings and history are deleted too"));
    let check = app.reload(&a.code);
    add_ping(&app, &check, 1, ago(Duration::hours(1)), None, None);
    let reply = a
        .web
        .post(&format!("/checks/{}/remove/", a.code), &[])
        .await;
    assert_eq!(
        location(&reply),
        format!("/projects/{}/checks/", a.project.code)
    );
    let left: i64 = checks::table
        .filter(checks::code.eq(&a.code))
        .count()
        .get_result(&mut app.conn())
        .unwrap();
    assert_eq!(left, 0);
    assert_eq!(
        a.web
            .get(&format!("/checks/{}/details/", a.code))
            .await
            .status,
        404
    );
}

#[actix_web::test]
async fn copy_names_the_copy_and_keeps_settings_and_channels() {
    let app = App::start();
    let a = ann(&app).await;
    let check = app.reload(&a.code);
    let name93 = "a".repeat(93);
    let slug95 = "s".repeat(95);
    diesel::update(checks::table.find(check.id))
        .set((
            checks::name.eq(&name93),
            checks::slug.eq(&slug95),
            checks::tags.eq("prod db"),
            checks::kind.eq("cron"),
            checks::schedule.eq("5 4 * * *"),
            checks::tz.eq("Europe/Riga"),
            checks::grace.eq(600),
            checks::success_kw.eq("OK"),
            checks::status.eq("up"),
            checks::n_pings.eq(7),
        ))
        .execute(&mut app.conn())
        .unwrap();
    let reply = a.web.post(&format!("/checks/{}/copy/", a.code), &[]).await;
    let target = location(&reply);
    assert!(target.ends_with("/details/?copied=1"), "{target}");
    let copy_code = target
        .trim_start_matches("/checks/")
        .split('/')
        .next()
        .unwrap()
        .to_owned();
    assert_ne!(copy_code, a.code);
    let copy = app.reload(&copy_code);
    assert_eq!(copy.name, format!("{name93} (copy)"));
    assert_eq!(copy.name.chars().count(), 100);
    assert_eq!(copy.slug, format!("{slug95}-copy"));
    assert_eq!(
        (
            copy.tags.as_str(),
            copy.kind.as_str(),
            copy.schedule.as_str(),
            copy.tz.as_str(),
            copy.grace
        ),
        ("prod db", "cron", "5 4 * * *", "Europe/Riga", 600)
    );
    assert_eq!(copy.success_kw, "OK");
    assert_eq!(
        (copy.status.as_str(), copy.n_pings),
        ("new", 0),
        "no history"
    );
    assert_eq!(channel_ids(&app, copy.id), channel_ids(&app, check.id));
    assert!(!channel_ids(&app, copy.id).is_empty());
    let page = a.web.get(&target).await;
    assert!(page.body.contains("Check copied."));

    // One character more and the name is cut, the slug dropped.
    diesel::update(checks::table.find(check.id))
        .set((
            checks::name.eq("b".repeat(94)),
            checks::slug.eq("s".repeat(96)),
        ))
        .execute(&mut app.conn())
        .unwrap();
    let reply = a.web.post(&format!("/checks/{}/copy/", a.code), &[]).await;
    let copy_code = location(&reply)
        .trim_start_matches("/checks/")
        .split('/')
        .next()
        .unwrap()
        .to_owned();
    let copy = app.reload(&copy_code);
    assert_eq!(copy.name, format!("{}... (copy)", "b".repeat(90)));
    assert_eq!(copy.slug, "");

    // At the check limit: refused.
    let owned: i64 = checks::table
        .filter(checks::project_id.eq(a.project.id))
        .count()
        .get_result(&mut app.conn())
        .unwrap();
    diesel::update(profiles::table.filter(profiles::user_id.eq(a.user.id)))
        .set(profiles::check_limit.eq(owned))
        .execute(&mut app.conn())
        .unwrap();
    let reply = a.web.post(&format!("/checks/{}/copy/", a.code), &[]).await;
    assert_eq!(reply.status, 400);
    assert!(reply.body.contains("check limit"));
}

#[actix_web::test]
async fn integrations_toggle_per_check_within_the_project_only() {
    let app = App::start();
    let a = ann(&app).await;
    let check = app.reload(&a.code);
    let channel = project_channels(&app, a.project.id).remove(0);
    let url = format!("/checks/{}/channels/{}/enabled", a.code, channel.code);
    assert_eq!(channel_ids(&app, check.id), [channel.id]);

    let reply = a.web.post(&url, &[("state", "off")]).await;
    assert_eq!(location(&reply), format!("/checks/{}/details/", a.code));
    assert!(channel_ids(&app, check.id).is_empty());
    let page = a.web.get(&format!("/checks/{}/details/", a.code)).await;
    assert!(page.body.contains("<strong>Off</strong>"));
    a.web.post(&url, &[("state", "on")]).await;
    assert_eq!(channel_ids(&app, check.id), [channel.id]);
    // Anything but "on" detaches.
    a.web.post(&url, &[("state", "yes")]).await;
    assert!(channel_ids(&app, check.id).is_empty());

    let bob = app.user("bob@example.org", PW);
    let bobs = project_channels(&app, first_project(&app, bob.id).id).remove(0);
    let reply = a
        .web
        .post(
            &format!("/checks/{}/channels/{}/enabled", a.code, bobs.code),
            &[("state", "on")],
        )
        .await;
    assert_eq!(reply.status, 400);
    assert!(channel_ids(&app, check.id).is_empty());
}

#[actix_web::test]
async fn transfer_moves_the_check_and_swaps_its_channels() {
    let app = App::start();
    let a = ann(&app).await;
    let check = app.reload(&a.code);
    let bob = app.user("bob@example.org", PW);
    let bobs = first_project(&app, bob.id);
    let carl = app.user("carl@example.org", PW);
    let carls = first_project(&app, carl.id);
    join(&app, &a.user, &bobs, "w");
    join(&app, &a.user, &carls, "r");

    let page = a.web.get(&format!("/checks/{}/transfer/", a.code)).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains(&bobs.code), "a project Ann can write to");
    assert!(!page.body.contains(&carls.code), "not a read-only one");
    assert!(
        !page.body.contains(&format!("value=\"{}\"", a.project.code)),
        "not the current one"
    );

    let url = format!("/checks/{}/transfer/", a.code);
    assert_eq!(
        a.web.post(&url, &[("project", &carls.code)]).await.status,
        403
    );
    assert_eq!(a.web.post(&url, &[("project", "nope")]).await.status, 400);
    let strangers = first_project(&app, app.user("dan@example.org", PW).id);
    assert_eq!(
        a.web
            .post(&url, &[("project", &strangers.code)])
            .await
            .status,
        400
    );

    // Bob has no room for another check.
    diesel::update(profiles::table.filter(profiles::user_id.eq(bob.id)))
        .set(profiles::check_limit.eq(1))
        .execute(&mut app.conn())
        .unwrap();
    let reply = a.web.post(&url, &[("project", &bobs.code)]).await;
    assert_eq!(reply.status, 400);
    assert!(reply.body.contains("check limit"));
    assert_eq!(app.reload(&a.code).project_id, Some(a.project.id));

    diesel::update(profiles::table.filter(profiles::user_id.eq(bob.id)))
        .set(profiles::check_limit.eq(10))
        .execute(&mut app.conn())
        .unwrap();
    let reply = a.web.post(&url, &[("project", &bobs.code)]).await;
    assert_eq!(location(&reply), format!("/checks/{}/details/", a.code));
    assert_eq!(app.reload(&a.code).project_id, Some(bobs.id));
    let bobs_channels: Vec<i64> = project_channels(&app, bobs.id)
        .iter()
        .map(|c| c.id)
        .collect();
    assert_eq!(channel_ids(&app, check.id), bobs_channels);
}

#[actix_web::test]
async fn read_only_members_cannot_change_and_strangers_cannot_see() {
    let app = App::start();
    let a = ann(&app).await;
    let check = app.reload(&a.code);
    add_ping(
        &app,
        &check,
        1,
        ago(Duration::minutes(1)),
        None,
        Some(b"hello"),
    );
    let channel = project_channels(&app, a.project.id).remove(0);
    let bob = app.user("bob@example.org", PW);
    let code = &a.code;
    let gets = [
        format!("/checks/{code}/details/"),
        format!("/checks/{code}/status/"),
        format!("/checks/{code}/log/"),
        format!("/checks/{code}/log_events/?u=0"),
        format!("/checks/{code}/last_ping/"),
        format!("/checks/{code}/pings/1/"),
        format!("/checks/{code}/pings/1/body/"),
        format!("/checks/{code}/transfer/"),
    ];
    let posts = [
        format!("/checks/{code}/name/"),
        format!("/checks/{code}/filtering_rules/"),
        format!("/checks/{code}/pause/"),
        format!("/checks/{code}/resume/"),
        format!("/checks/{code}/remove/"),
        format!("/checks/{code}/clear_events/"),
        format!("/checks/{code}/copy/"),
        format!("/checks/{code}/transfer/"),
        format!("/checks/{code}/channels/{}/enabled", channel.code),
    ];
    let stranger = app.web();
    stranger.login("bob@example.org", PW).await;
    for path in gets.iter().chain(&posts) {
        let reply = if posts.contains(path) {
            stranger
                .post(
                    path,
                    &[("name", "x"), ("state", "on"), ("project", &a.project.code)],
                )
                .await
        } else {
            stranger.get(path).await
        };
        assert_eq!(reply.status, 404, "stranger at {path}");
    }
    let key = hc_core::keys::unique_key(code);
    assert_eq!(stranger.get(&format!("/cloaked/{key}/")).await.status, 404);

    join(&app, &bob, &a.project, "r");
    for path in &gets {
        if path.ends_with("/transfer/") {
            assert_eq!(stranger.get(path).await.status, 403, "{path}");
        } else {
            assert_eq!(
                stranger.get(path).await.status,
                200,
                "read-only member at {path}"
            );
        }
    }
    let page = stranger.get(&format!("/checks/{code}/details/")).await;
    assert!(
        !page.body.contains("/remove/") && !page.body.contains("/pause/"),
        "no buttons to change it"
    );
    for path in &posts {
        let reply = stranger
            .post(
                path,
                &[
                    ("name", "x"),
                    ("state", "off"),
                    ("project", &a.project.code),
                ],
            )
            .await;
        assert_eq!(reply.status, 403, "read-only member posting {path}");
    }
    let after = app.reload(code);
    assert_eq!(
        (after.name.as_str(), after.status.as_str()),
        ("My First Check", "new")
    );
    assert_eq!(channel_ids(&app, check.id), [channel.id]);

    // Without the CSRF token even the owner is refused.
    let reply = a.web.post_raw(&format!("/checks/{code}/pause/"), &[]).await;
    assert_eq!(reply.status, 403);
    assert_eq!(app.reload(code).status, "new");
}

#[actix_web::test]
async fn ping_details_and_bodies_byte_for_byte() {
    let app = App::start();
    let a = ann(&app).await;
    let check = app.reload(&a.code);
    let binary: &[u8] = b"\xff\xfe backup \x00 done \x80";
    add_ping(
        &app,
        &check,
        1,
        ago(Duration::minutes(3)),
        Some("fail"),
        Some(binary),
    );
    add_ping(
        &app,
        &check,
        2,
        ago(Duration::minutes(2)),
        None,
        Some(b"<b>all good</b>\nline 2"),
    );
    add_ping(
        &app,
        &check,
        3,
        ago(Duration::minutes(1)),
        Some("log"),
        None,
    );
    diesel::update(pings::table.filter(pings::n.eq(1)))
        .set(pings::exitstatus.eq(Some(3)))
        .execute(&mut app.conn())
        .unwrap();

    let body = a
        .web
        .get(&format!("/checks/{}/pings/1/body/", a.code))
        .await;
    assert_eq!(body.status, 200);
    assert_eq!(body.bytes, binary, "bytes as stored");
    assert_eq!(
        body.header("content-type"),
        Some("application/octet-stream")
    );
    assert_eq!(
        body.header("content-disposition"),
        Some(format!("attachment; filename=\"{}-1.txt\"", a.code).as_str())
    );
    let page = a.web.get(&format!("/checks/{}/pings/1/", a.code)).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Exit status 3"));
    let size = format!("The body is binary data, {} bytes", binary.len());
    assert!(page.body.contains(&size), "{}", page.body);
    assert!(page.body.contains("203.0.113.5") && page.body.contains("curl&#x2F;8.5"));

    let page = a.web.get(&format!("/checks/{}/pings/2/", a.code)).await;
    assert!(
        page.body
            .contains("&lt;b&gt;all good&lt;&#x2F;b&gt;\nline 2"),
        "text, escaped"
    );
    assert!(page.body.contains("Success"));
    // Times are in the viewer's zone.
    diesel::update(profiles::table.filter(profiles::user_id.eq(a.user.id)))
        .set(profiles::tz.eq("Asia/Tokyo"))
        .execute(&mut app.conn())
        .unwrap();
    let page = a.web.get(&format!("/checks/{}/pings/2/", a.code)).await;
    assert!(page.body.contains(" JST</dd>"), "{}", page.body);
    let log = a.web.get(&format!("/checks/{}/log/", a.code)).await;
    assert_eq!(log.body.matches(" JST</time>").count(), 3);
    let last = a.web.get(&format!("/checks/{}/last_ping/", a.code)).await;
    assert_eq!(last.status, 200);
    assert!(last.body.contains("<dd class=\"ping-kind\">Log</dd>"));
    assert!(last.body.contains("This ping had no body."));

    // No body, no such ping, a bad number: not found.
    for path in [
        "pings/3/body/",
        "pings/9/",
        "pings/9/body/",
        "pings/x/",
        "pings/0/",
    ] {
        assert_eq!(
            a.web
                .get(&format!("/checks/{}/{path}", a.code))
                .await
                .status,
            404,
            "{path}"
        );
    }
    // Outside the visible window (the owner keeps 2 pings): gone, as far as anyone can tell.
    diesel::update(profiles::table.filter(profiles::user_id.eq(a.user.id)))
        .set(profiles::ping_log_limit.eq(2))
        .execute(&mut app.conn())
        .unwrap();
    assert_eq!(
        a.web
            .get(&format!("/checks/{}/pings/1/", a.code))
            .await
            .status,
        404
    );
    assert_eq!(
        a.web
            .get(&format!("/checks/{}/pings/1/body/", a.code))
            .await
            .status,
        404
    );
    assert_eq!(
        a.web
            .get(&format!("/checks/{}/pings/2/body/", a.code))
            .await
            .status,
        200
    );
}

#[actix_web::test]
async fn the_log_lists_real_pings_with_their_duration() {
    let app = App::start();
    let a = ann(&app).await;
    let (ping_root, _receiver) = start_receiver(&app);
    let client = reqwest::Client::new();
    let url = format!("{ping_root}/ping/{}", a.code);
    assert_eq!(
        client
            .get(format!("{url}/start"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    tokio::time::sleep(std::time::Duration::from_millis(1_200)).await;
    let reply = client
        .post(&url)
        .header("User-Agent", "backup-script/1.0")
        .body("done")
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status(), 200);
    assert_eq!(
        client
            .get(format!("{url}/fail"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );

    let log = a.web.get(&format!("/checks/{}/log/", a.code)).await;
    assert_eq!(log.status, 200, "{}", log.body);
    let body = &log.body;
    let fail = body.find("<strong>Failure</strong>").expect("the failure");
    let success = body.find("<strong>Success</strong>").expect("the success");
    let start = body.find("<strong>Start</strong>").expect("the start");
    assert!(fail < success && success < start, "newest first");
    // The success row shows how long the run took: a little over a second.
    let success_row = &body[success..start];
    assert!(success_row.contains("<td>1."), "{success_row}");
    assert!(success_row.contains("HTTP POST from 127.0.0.1"));
    assert!(success_row.contains("backup-script&#x2F;1.0"));
    assert!(success_row.contains(&format!("/checks/{}/pings/2/", a.code)));
    // The fail ping flipped the check down; the flip comes after its ping.
    let flip = body.find("Status: up → down").expect("the flip");
    assert!(fail < flip && flip < success, "{body}");
    assert!(body.contains("received a failure signal"));
    // The details page lists the same, with the status in words.
    let page = a.web.get(&format!("/checks/{}/details/", a.code)).await;
    assert!(page
        .body
        .contains("This check is down. It received a failure signal"));
    assert!(page.body.contains("took 1."));
}

#[actix_web::test]
async fn the_log_pages_back_and_filters_by_kind() {
    let app = App::start();
    let a = ann(&app).await;
    let check = app.reload(&a.code);
    diesel::update(profiles::table.filter(profiles::user_id.eq(a.user.id)))
        .set(profiles::ping_log_limit.eq(5000))
        .execute(&mut app.conn())
        .unwrap();
    // Microseconds, as stamps and every backend keep them.
    let base = hc_core::time::now() - Duration::hours(3);
    let mut conn = app.conn();
    conn.transaction::<_, diesel::result::Error, _>(|conn| {
        for n in 1..=1004i64 {
            diesel::insert_into(pings::table)
                .values(Ping {
                    id: 0,
                    check_id: check.id,
                    n: Some(n),
                    created: (base + Duration::seconds(n)).naive_utc(),
                    kind: (n % 2 == 0).then(|| "fail".to_owned()),
                    scheme: "http".into(),
                    remote_addr: None,
                    method: "GET".into(),
                    ua: String::new(),
                    body: None,
                    exitstatus: None,
                    rid: None,
                })
                .execute(conn)?;
        }
        diesel::update(checks::table.find(check.id))
            .set(checks::n_pings.eq(1004))
            .execute(conn)?;
        Ok(())
    })
    .unwrap();
    drop(conn);
    // A flip at the very moment of ping 1000, and the oldest ping's flip.
    add_flip(
        &app,
        &check,
        (base + Duration::seconds(1000)).naive_utc(),
        "up",
        "down",
        "fail",
    );
    add_flip(
        &app,
        &check,
        (base + Duration::seconds(1)).naive_utc(),
        "new",
        "up",
        "",
    );

    let first = a.web.get(&format!("/checks/{}/log/", a.code)).await;
    assert_eq!(first.status, 200);
    let rows = first.body.matches("<tr data-kind=").count();
    assert_eq!(rows, 1000, "a thousand events a page");
    assert!(first.body.contains("#1004") && !first.body.contains("#4<"));
    // Ping 1000 and its flip are together on the first page, ping first.
    let p1000 = first.body.find("#1000<").unwrap();
    let flip = first.body.find("Status: up → down").unwrap();
    assert!(p1000 < flip);
    let older = first
        .body
        .split("rel=\"next\"")
        .next()
        .and_then(|s| s.rsplit("href=\"").next())
        .unwrap()
        .trim_end_matches("\" ")
        .replace("&amp;", "&")
        .replace("&#x2F;", "/");
    assert!(older.contains("?end="), "{older}");
    let second = a.web.get(&older).await;
    assert_eq!(second.status, 200);
    let rows = second.body.matches("<tr data-kind=").count();
    assert_eq!(rows, 6, "pings 1-5 and the first flip");
    assert!(second.body.contains("#5<") && !second.body.contains("#6<"));
    assert!(second.body.contains("Status: new → up"));
    assert!(!second.body.contains("rel=\"next\""), "nothing older");
    assert!(
        !second.body.contains("data-log-events"),
        "no live rows on an older page"
    );

    // Filtering on the server: unticked kinds are hidden (scripts can show them again).
    let filtered = a
        .web
        .get(&format!("/checks/{}/log/?filter=1&fail=on", a.code))
        .await;
    assert_eq!(filtered.body.matches("<tr data-kind=\"fail\"").count(), 500);
    assert_eq!(
        filtered
            .body
            .matches("data-kind=\"success\" data-stamp")
            .count(),
        499
    );
    assert!(filtered.body.matches(" hidden>").count() >= 500);

    // Live rows after a moment, of the kinds asked for.
    let after = base + Duration::seconds(1001);
    let stamp = format!(
        "{}.{:06}",
        after.timestamp(),
        after.timestamp_subsec_micros()
    );
    let live = a
        .web
        .get(&format!("/checks/{}/log_events/?u={stamp}", a.code))
        .await;
    assert_eq!(live.status, 200);
    assert_eq!(
        live.body.matches("<tr data-kind=").count(),
        3,
        "pings 1002-1004"
    );
    let newest = base + Duration::seconds(1004);
    assert_eq!(
        live.header("x-last-event-timestamp"),
        Some(
            format!(
                "{}.{:06}",
                newest.timestamp(),
                newest.timestamp_subsec_micros()
            )
            .as_str()
        )
    );
    let fails = a
        .web
        .get(&format!("/checks/{}/log_events/?u={stamp}&fail=on", a.code))
        .await;
    assert_eq!(fails.body.matches("<tr data-kind=\"fail\"").count(), 2);
    assert_eq!(fails.body.matches("<tr data-kind=").count(), 2);
    let none = a
        .web
        .get(&format!("/checks/{}/log_events/?u=9999999999", a.code))
        .await;
    assert_eq!(none.body.matches("<tr").count(), 0);
    assert_eq!(
        none.header("x-last-event-timestamp"),
        Some("9999999999.000000")
    );
    assert_eq!(
        a.web
            .get(&format!("/checks/{}/log_events/?u=yesterday", a.code))
            .await
            .status,
        400
    );
    assert_eq!(
        a.web
            .get(&format!("/checks/{}/log/?end=-1", a.code))
            .await
            .status,
        400
    );
}

#[actix_web::test]
async fn cloaked_links_lead_to_the_users_own_check() {
    let app = App::start();
    let a = ann(&app).await;
    let key = hc_core::keys::unique_key(&a.code);
    let reply = a.web.get(&format!("/cloaked/{key}/")).await;
    assert_eq!(location(&reply), format!("/checks/{}/details/", a.code));
    assert_eq!(a.web.get("/cloaked/0123456789abcdef/").await.status, 404);
    let anonymous = app.web().get(&format!("/cloaked/{key}/")).await;
    assert!(location(&anonymous).starts_with("/accounts/login/?next="));
}
