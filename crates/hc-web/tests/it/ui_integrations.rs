//! The Integrations page over real HTTP: the list for each role, the add forms and
//! their validation, e-mail verification through a real SMTP sink, "Test!" against a
//! loopback receiver, rename, check assignment, removal, and Pushover's
//! subscription flow with the test playing Pushover.

use std::time::{Duration, Instant};

use diesel::prelude::*;
use hc_core::models::{Channel, Notification, Project, User};
use hc_core::schema::{channel_checks, channels, checks, members, notifications, projects};
use hc_test::{HttpSink, Reply as SinkReply};
use serde_json::Value;

use crate::support::{App, Reply};
use crate::web::{location, Web};

const PW: &str = "pw-123456";

fn first_project(app: &App, user: &User) -> Project {
    projects::table
        .filter(projects::owner_id.eq(user.id))
        .order(projects::id)
        .select(Project::as_select())
        .first(&mut app.conn())
        .unwrap()
}

/// The project's channels, oldest first.
pub(crate) fn channels_of(app: &App, project: &Project) -> Vec<Channel> {
    channels::table
        .filter(channels::project_id.eq(project.id))
        .order(channels::id)
        .select(Channel::as_select())
        .load(&mut app.conn())
        .unwrap()
}

fn channel(app: &App, code: &str) -> Option<Channel> {
    channels::table
        .filter(channels::code.eq(code))
        .select(Channel::as_select())
        .first(&mut app.conn())
        .optional()
        .unwrap()
}

fn check_codes(app: &App, project: &Project) -> Vec<String> {
    checks::table
        .filter(checks::project_id.eq(project.id))
        .order(checks::id)
        .select(checks::code)
        .load(&mut app.conn())
        .unwrap()
}

fn assigned(app: &App, channel: &Channel) -> Vec<String> {
    let mut codes: Vec<String> = channel_checks::table
        .inner_join(checks::table)
        .filter(channel_checks::channel_id.eq(channel.id))
        .select(checks::code)
        .load(&mut app.conn())
        .unwrap();
    codes.sort();
    codes
}

fn add_member(app: &App, project: &Project, user: &User, role: &str) {
    diesel::insert_into(members::table)
        .values((
            members::user_id.eq(user.id),
            members::project_id.eq(project.id),
            members::role.eq(role),
        ))
        .execute(&mut app.conn())
        .unwrap();
}

async fn logged_in<'a>(app: &'a App, email: &str) -> Web<'a> {
    let web = app.web();
    web.login(email, PW).await;
    web
}

/// Ann with her first project (one check, one e-mail integration), logged in.
pub(crate) async fn ann(app: &App) -> (User, Project, Web<'_>) {
    let user = app.user("ann@example.org", PW);
    let project = first_project(app, &user);
    let web = logged_in(app, "ann@example.org").await;
    (user, project, web)
}

/// The project's Integrations page.
pub(crate) fn list(project: &Project) -> String {
    format!("/projects/{}/integrations/", project.code)
}

/// The project's add page of the kind `slug`.
pub(crate) fn add(project: &Project, slug: &str) -> String {
    format!("/projects/{}/add_{slug}/", project.code)
}

/// Adds an integration and returns the new channel.
pub(crate) async fn add_ok(
    web: &Web<'_>,
    app: &App,
    project: &Project,
    slug: &str,
    fields: &[(&str, &str)],
) -> Channel {
    let before = channels_of(app, project).len();
    let reply = web.post(&add(project, slug), fields).await;
    assert_eq!(reply.status, 302, "{slug}: {}", reply.body);
    assert!(
        location(&reply).starts_with(&list(project)),
        "{}",
        location(&reply)
    );
    let all = channels_of(app, project);
    assert_eq!(all.len(), before + 1, "{slug}");
    all.into_iter().last().unwrap()
}

/// A channel's stored value, parsed as JSON.
pub(crate) fn json_of(channel: &Channel) -> Value {
    serde_json::from_str(&channel.value).unwrap()
}

/// A refused form: 400, with `message` in the error paragraph of `field`.
pub(crate) fn refused(reply: &Reply, field: &str, message: &str) {
    assert_eq!(reply.status, 400, "{}", reply.body);
    let marker = format!("<p class=\"error\" id=\"err_{field}\">");
    let at = reply
        .body
        .find(&marker)
        .unwrap_or_else(|| panic!("no error next to {field}: {}", reply.body));
    let rest = &reply.body[at + marker.len()..];
    let text = rest[..rest.find("</p>").unwrap()]
        .replace("&#x2F;", "/")
        .replace("&quot;", "\"");
    assert!(
        text.contains(message),
        "{field}: {text:?} lacks {message:?}"
    );
}

async fn wait_for_mail(sink: &hc_test::SmtpSink, n: usize) -> Vec<String> {
    let start = Instant::now();
    loop {
        let messages = sink.messages();
        if messages.len() >= n {
            return messages;
        }
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "no mail after 10 s"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The path and query of an absolute URL.
fn path_of(url: &str) -> String {
    let parsed = url::Url::parse(url).unwrap();
    match parsed.query() {
        Some(q) => format!("{}?{q}", parsed.path()),
        None => parsed.path().to_owned(),
    }
}

#[actix_web::test]
async fn the_list_is_shown_to_every_role_and_changed_only_by_writers() {
    let app = App::start();
    let (owner, project, owner_web) = ann(&app).await;
    let member = app.user("member@example.org", PW);
    let reader = app.user("reader@example.org", PW);
    app.user("stranger@example.org", PW);
    add_member(&app, &project, &member, "w");
    add_member(&app, &project, &reader, "r");
    let _ = owner;

    let page = owner_web.get(&list(&project)).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(
        page.body.contains("Email to ann@example.org"),
        "{}",
        page.body
    );
    assert!(page.body.contains("Test!"));
    assert!(page.body.contains("<span data-n-checks>1</span> of 1"));
    assert!(page.body.contains("Not used yet."));
    assert!(page.body.contains("aria-current=\"page\">Integrations</a>"));
    // The catalogue holds what this site's settings allow, and nothing else.
    assert!(page
        .body
        .contains(&format!("/projects/{}/add_webhook/", project.code)));
    assert!(page.body.contains("add_ntfy/"));
    for absent in [
        "add_pushover/",
        "add_telegram/",
        "add_matrix/",
        "add_signal/",
    ] {
        assert!(!page.body.contains(absent), "{absent} needs settings");
    }

    let member_web = logged_in(&app, "member@example.org").await;
    let page = member_web.get(&list(&project)).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Test!"));

    let reader_web = logged_in(&app, "reader@example.org").await;
    let page = reader_web.get(&list(&project)).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Email to ann@example.org"));
    assert!(
        !page.body.contains("Test!"),
        "read-only members see no buttons"
    );
    assert!(page.body.contains("read-only access"));
    assert_eq!(reader_web.get(&add(&project, "webhook")).await.status, 403);

    let stranger = logged_in(&app, "stranger@example.org").await;
    assert_eq!(stranger.get(&list(&project)).await.status, 404);
    assert_eq!(stranger.get(&add(&project, "webhook")).await.status, 404);
    assert_eq!(
        stranger
            .get("/projects/not-a-uuid/integrations/")
            .await
            .status,
        404
    );

    let anonymous = app.web().get(&list(&project)).await;
    assert!(location(&anonymous).starts_with("/accounts/login/?next="));
}

#[actix_web::test]
async fn a_webhook_is_validated_saved_masked_and_attached_to_every_check() {
    let app = App::start();
    let (_, project, web) = ann(&app).await;
    web.post(&format!("/projects/{}/checks/add/", project.code), &[])
        .await;
    let path = add(&project, "webhook");
    let form = web.get(&path).await;
    assert_eq!(form.status, 200);
    assert!(form.body.contains("name=\"url_down\""));

    let reply = web
        .post(&path, &[("url_down", "not a url"), ("method_down", "GET")])
        .await;
    refused(&reply, "url_down", "valid URL");
    assert!(
        reply.body.contains("value=\"not a url\""),
        "what was typed stays"
    );
    let reply = web
        .post(&path, &[("url_down", "ftp://example.org/x")])
        .await;
    refused(&reply, "url_down", "http://");
    let long = format!("https://example.org/{}", "a".repeat(981));
    assert_eq!(long.len(), 1001);
    let reply = web.post(&path, &[("url_up", &long)]).await;
    refused(&reply, "url_up", "at most 1000");
    let reply = web.post(&path, &[("url_down", ""), ("url_up", "")]).await;
    refused(&reply, "url_down", "at least one");
    let reply = web
        .post(
            &path,
            &[
                ("url_down", "https://x.org"),
                ("body_down", &"b".repeat(1001)),
            ],
        )
        .await;
    refused(&reply, "body_down", "at most 1000");
    let reply = web
        .post(
            &path,
            &[
                ("url_down", "https://x.org"),
                ("headers_down", "Bad Header: 1"),
            ],
        )
        .await;
    refused(&reply, "headers_down", "Header names");
    let huge = "<script>alert(1)</script>".repeat(400);
    let reply = web
        .post(&path, &[("url_down", "https://x.org"), ("name", &huge)])
        .await;
    refused(&reply, "name", "at most 100");
    assert!(!reply.body.contains("<script>alert(1)"), "escaped");
    assert_eq!(channels_of(&app, &project).len(), 1, "nothing saved");

    let secret_url = "https://hooks.example.org/services/T0001/B0002/SeCrEtToKeN9876";
    let channel = add_ok(
        &web,
        &app,
        &project,
        "webhook",
        &[
            ("name", ""),
            ("method_down", "POST"),
            ("url_down", secret_url),
            ("body_down", "$NAME is $STATUS"),
            ("headers_down", "Content-Type: text/plain"),
            ("method_up", "GET"),
            ("url_up", ""),
        ],
    )
    .await;
    assert_eq!(channel.kind, "webhook");
    let value: serde_json::Value = serde_json::from_str(&channel.value).unwrap();
    assert_eq!(value["url_down"], secret_url);
    assert_eq!(value["method_down"], "POST");
    assert_eq!(value["headers_down"]["Content-Type"], "text/plain");
    assert_eq!(assigned(&app, &channel), {
        let mut all = check_codes(&app, &project);
        all.sort();
        all
    });
    assert_eq!(assigned(&app, &channel).len(), 2);

    let page = web.get(&format!("{}?done=added", list(&project))).await;
    assert!(page.body.contains("The integration was added"));
    assert!(
        !page.body.contains("SeCrEtToKeN"),
        "the URL is masked on the list"
    );
    assert!(page.body.contains("…9876"), "{}", page.body);
    let edit = web
        .get(&format!("/integrations/{}/edit/", channel.code))
        .await;
    assert_eq!(edit.status, 200);
    assert!(!edit.body.contains("SeCrEtToKeN"), "and on the edit page");

    // Sent back as shown, the masked URL keeps its stored value.
    let masked = "https://hooks.example.org/…9876";
    let saved = web
        .post(
            &format!("/integrations/{}/edit/", channel.code),
            &[
                ("name", "Renamed hook"),
                ("method_down", "PUT"),
                ("url_down", masked),
                ("body_down", "changed"),
                ("headers_down", "Content-Type: text/plain"),
                ("method_up", "GET"),
                ("url_up", "http://example.org/up"),
            ],
        )
        .await;
    assert_eq!(saved.status, 302, "{}", saved.body);
    let after = channel_of(&app, &channel);
    let value: serde_json::Value = serde_json::from_str(&after.value).unwrap();
    assert_eq!(value["url_down"], secret_url);
    assert_eq!(value["method_down"], "PUT");
    assert_eq!(value["url_up"], "http://example.org/up");
    assert_eq!(after.name, "Renamed hook");
    let bad = web
        .post(
            &format!("/integrations/{}/edit/", channel.code),
            &[("url_down", "gopher://x"), ("url_up", "")],
        )
        .await;
    refused(&bad, "url_down", "http://");
}

/// The channel `of` as it is stored now.
pub(crate) fn channel_of(app: &App, of: &Channel) -> Channel {
    channel(app, &of.code).unwrap()
}

#[actix_web::test]
async fn other_kinds_check_their_fields() {
    let app = App::start();
    let (_, project, web) = ann(&app).await;

    let reply = web
        .post(&add(&project, "slack"), &[("value", "hooks.slack.com/x")])
        .await;
    refused(&reply, "value", "http://");
    let slack = add_ok(
        &web,
        &app,
        &project,
        "slack",
        &[("value", "https://hooks.slack.com/services/A/B/C")],
    )
    .await;
    assert_eq!(slack.value, "https://hooks.slack.com/services/A/B/C");

    let reply = web.post(&add(&project, "discord"), &[]).await;
    refused(&reply, "value", "required");
    add_ok(
        &web,
        &app,
        &project,
        "discord",
        &[("value", "https://discord.com/api/webhooks/1/abc")],
    )
    .await;

    let reply = web
        .post(
            &add(&project, "ntfy"),
            &[
                ("url", "https://ntfy.sh"),
                ("topic", "has spaces"),
                ("priority", "5"),
                ("priority_up", "3"),
            ],
        )
        .await;
    refused(&reply, "topic", "letters");
    let reply = web
        .post(
            &add(&project, "ntfy"),
            &[
                ("url", "https://ntfy.sh"),
                ("topic", "t"),
                ("priority", "9"),
                ("priority_up", "3"),
            ],
        )
        .await;
    refused(&reply, "priority", "choices");
    let ntfy = add_ok(
        &web,
        &app,
        &project,
        "ntfy",
        &[
            ("url", "https://ntfy.sh"),
            ("topic", "ops_alerts"),
            ("priority", "4"),
            ("priority_up", "0"),
            ("token", "tk_secret"),
        ],
    )
    .await;
    let value: serde_json::Value = serde_json::from_str(&ntfy.value).unwrap();
    assert_eq!(value["priority"], 4);
    assert_eq!(value["token"], "tk_secret");

    let reply = web
        .post(
            &add(&project, "gotify"),
            &[
                ("url", "https://g.example.org"),
                ("priority", "5"),
                ("priority_up", "2"),
            ],
        )
        .await;
    refused(&reply, "token", "required");
    let reply = web
        .post(&add(&project, "pd"), &[("service_key", "not a key!")])
        .await;
    refused(&reply, "service_key", "letters and digits");
    let reply = web
        .post(
            &add(&project, "opsgenie"),
            &[("key", "k1"), ("region", "mars")],
        )
        .await;
    refused(&reply, "region", "choices");
    let reply = web
        .post(
            &add(&project, "zulip"),
            &[
                ("bot_email", "bot"),
                ("api_key", "k"),
                ("site", "https://z.org"),
                ("mtype", "stream"),
                ("to", "ops"),
            ],
        )
        .await;
    refused(&reply, "bot_email", "e-mail");

    // Kinds that need the operator's settings are not there without them.
    for slug in ["telegram", "matrix", "signal", "pushover"] {
        let reply = web.get(&add(&project, slug)).await;
        assert_eq!(reply.status, 404, "{slug}");
        assert_eq!(
            reply.body, "",
            "{slug}: an empty 404, as healthchecks answers"
        );
        assert_eq!(web.post(&add(&project, slug), &[]).await.status, 404);
    }
    assert_eq!(web.get(&add(&project, "nonsense")).await.status, 404);

    let prometheus = web.get(&add(&project, "prometheus")).await;
    assert_eq!(prometheus.status, 200);
    assert!(prometheus
        .body
        .contains(&format!("/projects/{}/metrics/", project.code)));
}

#[actix_web::test]
async fn telegram_and_matrix_forms_appear_with_their_settings() {
    let app = App::start_with(&[
        ("TELEGRAM_TOKEN", "bot-token"),
        ("TELEGRAM_BOT_NAME", "HcTestBot"),
        ("MATRIX_HOMESERVER", "https://matrix.example.org"),
        ("MATRIX_ACCESS_TOKEN", "mx"),
        ("MATRIX_USER_ID", "@hc:example.org"),
    ]);
    let (_, project, web) = ann(&app).await;
    let page = web.get(&add(&project, "telegram")).await;
    assert_eq!(page.status, 200);
    assert!(
        page.body.contains("@HcTestBot"),
        "the bot set-up note names the bot"
    );
    let reply = web
        .post(&add(&project, "telegram"), &[("id", "my group")])
        .await;
    refused(&reply, "id", "chat");
    let tg = add_ok(
        &web,
        &app,
        &project,
        "telegram",
        &[("id", "-100123"), ("chat_name", "Ops <team>")],
    )
    .await;
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&tg.value).unwrap()["id"],
        -100123
    );
    let listed = web.get(&list(&project)).await;
    assert!(listed.body.contains("Telegram Ops &lt;team&gt;"));

    let page = web.get(&add(&project, "matrix")).await;
    assert!(page.body.contains("@hc:example.org"));
    let reply = web
        .post(&add(&project, "matrix"), &[("value", "ops room")])
        .await;
    refused(&reply, "value", "room ID");
    add_ok(
        &web,
        &app,
        &project,
        "matrix",
        &[("value", "!abc:example.org")],
    )
    .await;
}

#[actix_web::test]
async fn e_mail_addresses_are_confirmed_by_a_link_before_they_get_alerts() {
    let sink = hc_test::SmtpSink::start();
    let port = sink.port.to_string();
    let app = App::start_with(&[
        ("EMAIL_HOST", "127.0.0.1"),
        ("EMAIL_PORT", &port),
        ("EMAIL_USE_TLS", "False"),
    ]);
    let (_, project, web) = ann(&app).await;

    let reply = web
        .post(
            &add(&project, "email"),
            &[("value", "not an address"), ("down", "on")],
        )
        .await;
    refused(&reply, "value", "valid e-mail");
    let reply = web
        .post(&add(&project, "email"), &[("value", "bob@example.org")])
        .await;
    refused(&reply, "down", "at least one");

    // Her own address needs no confirmation.
    let own = add_ok(
        &web,
        &app,
        &project,
        "email",
        &[("value", "ANN@example.org"), ("down", "on")],
    )
    .await;
    assert!(own.email_verified);

    let bob = add_ok(
        &web,
        &app,
        &project,
        "email",
        &[("value", "Bob@Example.org"), ("down", "on"), ("up", "on")],
    )
    .await;
    assert!(!bob.email_verified);
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&bob.value).unwrap()["value"],
        "bob@example.org"
    );
    let page = web.get(&list(&project)).await;
    assert!(
        page.body.contains("data-unconfirmed"),
        "the list says unconfirmed"
    );

    // A test notification to an unconfirmed address is refused, in words.
    let tested = web
        .post(&format!("/integrations/{}/test/", bob.code), &[])
        .await;
    let page = web.get(&location(&tested)).await;
    assert!(
        page.body.contains("Could not send a test notification"),
        "{}",
        page.body
    );
    assert!(page.body.contains("Email not verified"));

    let mail = wait_for_mail(&sink, 1).await;
    let message = mail
        .iter()
        .find(|m| m.contains("To: bob@example.org"))
        .unwrap();
    assert!(
        message.contains("Subject: Verify email address on"),
        "{message}"
    );
    let start = message.find("http://localhost:8000/integrations/").unwrap();
    let link: String = message[start..]
        .chars()
        .take_while(|c| !c.is_whitespace())
        .collect();
    let link_path = path_of(&link);
    assert!(
        link_path.starts_with(&format!("/integrations/{}/verify/", bob.code)),
        "{link}"
    );

    let anonymous = app.web();
    let wrong = anonymous
        .get(&format!(
            "/integrations/{}/verify/{}/",
            bob.code,
            "0".repeat(64)
        ))
        .await;
    assert_eq!(wrong.status, 400);
    assert!(wrong.body.contains("not valid"));
    assert!(!channel_of(&app, &bob).email_verified);
    let other = anonymous
        .get(&link_path.replace(&bob.code, &own.code))
        .await;
    assert_eq!(other.status, 400, "a link is for one integration only");
    let missing = anonymous
        .get(&link_path.replace(&bob.code, "00000000-0000-4000-8000-000000000000"))
        .await;
    assert_eq!(missing.status, 404);

    let ok = anonymous.get(&link_path).await;
    assert_eq!(ok.status, 200, "{}", ok.body);
    assert!(ok.body.contains("Email to bob@example.org"));
    assert!(channel_of(&app, &bob).email_verified);

    // Changing the address asks again; keeping it does not.
    let reply = web
        .post(
            &format!("/integrations/{}/edit/", bob.code),
            &[("value", "bob@example.org"), ("down", "on")],
        )
        .await;
    assert_eq!(reply.status, 302);
    assert!(channel_of(&app, &bob).email_verified);
    let reply = web
        .post(
            &format!("/integrations/{}/edit/", bob.code),
            &[("value", "carol@example.org"), ("down", "on")],
        )
        .await;
    assert_eq!(
        location(&reply),
        format!("{}?done=saved_unconfirmed", list(&project))
    );
    assert!(!channel_of(&app, &bob).email_verified);
    let mail = wait_for_mail(&sink, 2).await;
    assert!(mail.iter().any(|m| m.contains("To: carol@example.org")));

    // A confirmed address gets a real test alert, through the same SMTP server.
    let tested = web
        .post(&format!("/integrations/{}/test/", own.code), &[])
        .await;
    let page = web.get(&location(&tested)).await;
    assert!(
        page.body.contains("Test notification sent!"),
        "{}",
        page.body
    );
    let mail = wait_for_mail(&sink, 3).await;
    let alert = mail
        .iter()
        .find(|m| m.contains("To: ann@example.org"))
        .expect("the test alert");
    assert!(alert.contains("Subject: DOWN | TEST"), "{alert}");
    assert!(
        alert.contains("The check \"TEST\" has gone down."),
        "{alert}"
    );
}

#[actix_web::test]
async fn without_verification_settings_addresses_are_trusted() {
    let app = App::start_with(&[("EMAIL_USE_VERIFICATION", "False")]);
    let (_, project, web) = ann(&app).await;
    let bob = add_ok(
        &web,
        &app,
        &project,
        "email",
        &[("value", "bob@example.org"), ("down", "on")],
    )
    .await;
    assert!(bob.email_verified);
}

fn test_notifications(app: &App, channel: &Channel) -> Vec<Notification> {
    notifications::table
        .filter(notifications::channel_id.eq(channel.id))
        .select(Notification::as_select())
        .load(&mut app.conn())
        .unwrap()
}

#[actix_web::test]
async fn test_sends_a_real_notification_and_shows_how_it_went() {
    let sink = HttpSink::start();
    let app = App::start_with(&[("INTEGRATIONS_ALLOW_PRIVATE_IPS", "True")]);
    let (_, project, web) = ann(&app).await;
    let hook = add_ok(
        &web,
        &app,
        &project,
        "webhook",
        &[
            ("method_down", "POST"),
            ("url_down", &sink.url("/hook/$STATUS")),
            ("body_down", "check $NAME is $STATUS"),
            ("headers_down", "X-Hc: test"),
            ("method_up", "GET"),
        ],
    )
    .await;

    let reply = web
        .post(&format!("/integrations/{}/test/", hook.code), &[])
        .await;
    let back = location(&reply);
    assert!(
        back.starts_with(&format!("{}?tested={}", list(&project), hook.code)),
        "{back}"
    );
    let got = sink.wait_for(1, Duration::from_secs(5));
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].method, "POST");
    assert_eq!(got[0].target, "/hook/down");
    assert_eq!(got[0].text(), "check TEST is down");
    assert_eq!(got[0].header("x-hc"), Some("test"));
    let page = web.get(&back).await;
    assert!(
        page.body.contains("Test notification sent!"),
        "{}",
        page.body
    );
    assert!(page.body.contains("Last test notification sent"));
    let rows = test_notifications(&app, &hook);
    assert_eq!(rows.len(), 1);
    assert_eq!(
        (
            rows[0].check_id,
            rows[0].status.as_str(),
            rows[0].error.as_str()
        ),
        (None, "sent", "")
    );
    assert!(channel_of(&app, &hook).last_notify.is_some());

    // The provider's refusal is shown, and replaces the earlier test's record.
    sink.reply(SinkReply {
        status: 500,
        ..SinkReply::default()
    });
    let reply = web
        .post(&format!("/integrations/{}/test/", hook.code), &[])
        .await;
    let page = web.get(&location(&reply)).await;
    assert!(
        page.body.contains("Could not send a test notification"),
        "{}",
        page.body
    );
    assert!(page.body.contains("Received status code 500"));
    let rows = test_notifications(&app, &hook);
    assert_eq!(rows.len(), 1, "one test record per channel");
    assert_eq!(rows[0].status, "failed");
    assert_eq!(
        channel_of(&app, &hook).last_error,
        "Received status code 500"
    );
    assert!(!channel_of(&app, &hook).disabled);

    // A channel silent for "down" is tested with an "up" alert.
    sink.reply(SinkReply::default());
    let up_only = add_ok(
        &web,
        &app,
        &project,
        "webhook",
        &[("method_up", "GET"), ("url_up", &sink.url("/up?s=$STATUS"))],
    )
    .await;
    web.post(&format!("/integrations/{}/test/", up_only.code), &[])
        .await;
    let got = sink.wait_for(3, Duration::from_secs(5));
    assert_eq!(got.last().unwrap().target, "/up?s=up");
}

#[actix_web::test]
async fn test_to_a_private_address_fails_clearly_without_the_setting() {
    let sink = HttpSink::start();
    let app = App::start();
    let (_, project, web) = ann(&app).await;
    let hook = add_ok(
        &web,
        &app,
        &project,
        "webhook",
        &[("url_down", &sink.url("/x"))],
    )
    .await;
    let reply = web
        .post(&format!("/integrations/{}/test/", hook.code), &[])
        .await;
    let page = web.get(&location(&reply)).await;
    assert!(
        page.body.contains("Could not send a test notification"),
        "{}",
        page.body
    );
    assert!(page
        .body
        .contains("Connections to private IP addresses are not allowed"));
    assert!(sink.requests().is_empty(), "nothing left the machine");
}

#[actix_web::test]
async fn rename_accepts_a_hundred_characters_and_escapes_markup() {
    let app = App::start();
    let (_, project, web) = ann(&app).await;
    let email = channels_of(&app, &project).remove(0);
    let path = format!("/integrations/{}/name/", email.code);

    let reply = web.post(&path, &[("name", &"x".repeat(10_000))]).await;
    assert_eq!(reply.status, 400);
    assert!(reply
        .body
        .contains("Enter at most 100 characters (this has 10000)."));
    assert!(
        reply
            .body
            .contains(&format!("id=\"name-err-{}\"", email.code)),
        "next to the field"
    );
    assert_eq!(channel_of(&app, &email).name, "");

    let reply = web
        .post(&path, &[("name", " <script>alert(1)</script> ")])
        .await;
    assert_eq!(location(&reply), format!("{}?done=renamed", list(&project)));
    assert_eq!(channel_of(&app, &email).name, "<script>alert(1)</script>");
    let page = web.get(&list(&project)).await;
    assert!(
        page.body
            .contains("&lt;script&gt;alert(1)&lt;&#x2F;script&gt;"),
        "{}",
        page.body
    );
    assert!(!page.body.contains("<script>alert(1)"));

    web.post(&path, &[("name", "")]).await;
    assert_eq!(channel_of(&app, &email).name, "");
}

#[actix_web::test]
async fn checks_are_assigned_through_the_dialog() {
    let app = App::start();
    let (_, project, web) = ann(&app).await;
    web.post(&format!("/projects/{}/checks/add/", project.code), &[])
        .await;
    let codes = check_codes(&app, &project);
    let email = channels_of(&app, &project).remove(0);
    assert_eq!(
        assigned(&app, &email).len(),
        2,
        "checks added on the web get every integration"
    );
    // Untick the second check so the dialog shows both states.
    let key0 = format!("check-{}", codes[0]);
    web.post(&list(&project), &[("channel", &email.code), (&key0, "on")])
        .await;

    let dialog = web
        .get(&format!("/integrations/{}/checks/", email.code))
        .await;
    assert_eq!(dialog.status, 200);
    assert!(
        dialog
            .body
            .contains(&format!("name=\"check-{}\" checked", codes[0])),
        "{}",
        dialog.body
    );
    assert!(dialog
        .body
        .contains(&format!("name=\"check-{}\">", codes[1])));

    let key1 = format!("check-{}", codes[1]);
    let reply = web
        .post(&list(&project), &[("channel", &email.code), (&key1, "on")])
        .await;
    assert_eq!(
        location(&reply),
        format!("{}?done=assigned", list(&project))
    );
    assert_eq!(assigned(&app, &email), vec![codes[1].clone()]);
    let reply = web.post(&list(&project), &[("channel", &email.code)]).await;
    assert_eq!(reply.status, 302);
    assert!(assigned(&app, &email).is_empty());

    // Another project's check or integration cannot be named.
    let bob = app.user("bob@example.org", PW);
    let bobs = first_project(&app, &bob);
    let bob_check = format!("check-{}", check_codes(&app, &bobs)[0]);
    let reply = web
        .post(
            &list(&project),
            &[("channel", &email.code), (&bob_check, "on")],
        )
        .await;
    assert_eq!(reply.status, 400);
    assert!(assigned(&app, &email).is_empty());
    let bob_channel = channels_of(&app, &bobs).remove(0);
    let reply = web
        .post(&list(&project), &[("channel", &bob_channel.code)])
        .await;
    assert_eq!(reply.status, 404);
    assert_eq!(assigned(&app, &bob_channel).len(), 1, "untouched");
}

#[actix_web::test]
async fn remove_deletes_the_integration_and_its_history() {
    let app = App::start();
    let (_, project, web) = ann(&app).await;
    let email = channels_of(&app, &project).remove(0);
    let page = web.get(&list(&project)).await;
    assert!(
        page.body.contains("data-confirm=\"Remove the integration"),
        "asks first"
    );
    let reply = web
        .post(&format!("/integrations/{}/remove/", email.code), &[])
        .await;
    assert_eq!(location(&reply), format!("{}?done=removed", list(&project)));
    assert!(channel(&app, &email.code).is_none());
    let page = web.get(&location(&reply)).await;
    assert!(page.body.contains("The integration was removed."));
    assert!(page.body.contains("no integrations yet"));
    let again = web
        .post(&format!("/integrations/{}/remove/", email.code), &[])
        .await;
    assert_eq!(again.status, 404);
}

#[actix_web::test]
async fn strangers_get_404_read_only_members_403_and_forged_forms_403() {
    let app = App::start();
    let (_, project, web) = ann(&app).await;
    let email = channels_of(&app, &project).remove(0);
    let reader = app.user("reader@example.org", PW);
    add_member(&app, &project, &reader, "r");
    app.user("stranger@example.org", PW);
    let check_key = format!("check-{}", check_codes(&app, &project)[0]);

    let posts: Vec<(String, Vec<(&str, &str)>)> = vec![
        (
            format!("/integrations/{}/name/", email.code),
            vec![("name", "x")],
        ),
        (format!("/integrations/{}/test/", email.code), vec![]),
        (format!("/integrations/{}/remove/", email.code), vec![]),
        (
            format!("/integrations/{}/edit/", email.code),
            vec![("value", "z@example.org"), ("down", "on")],
        ),
        (
            list(&project),
            vec![("channel", email.code.as_str()), (check_key.as_str(), "on")],
        ),
        (
            add(&project, "webhook"),
            vec![("url_down", "https://example.org")],
        ),
        (
            add(&project, "email"),
            vec![("value", "x@example.org"), ("down", "on")],
        ),
    ];
    let reader_web = logged_in(&app, "reader@example.org").await;
    let stranger = logged_in(&app, "stranger@example.org").await;
    for (path, fields) in &posts {
        let reply = reader_web.post(path, fields).await;
        assert_eq!(reply.status, 403, "read-only POST {path}: {}", reply.body);
        let reply = stranger.post(path, fields).await;
        assert_eq!(reply.status, 404, "stranger POST {path}");
        let reply = web.post_raw(path, fields).await;
        assert_eq!(reply.status, 403, "no CSRF token: {path}");
        let mut forged = vec![("csrfmiddlewaretoken", "A".repeat(32))];
        forged.extend(fields.iter().map(|(k, v)| (*k, (*v).to_owned())));
        let forged: Vec<(&str, &str)> = forged.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let reply = web.post_raw(path, &forged).await;
        assert_eq!(reply.status, 403, "wrong CSRF token: {path}");
    }
    let after = channel_of(&app, &email);
    assert_eq!(
        (after.name.as_str(), after.value.as_str()),
        ("", email.value.as_str())
    );
    assert_eq!(channels_of(&app, &project).len(), 1);
    assert!(test_notifications(&app, &email).is_empty());

    for path in [
        format!("/integrations/{}/checks/", email.code),
        format!("/integrations/{}/edit/", email.code),
        "/integrations/not-a-uuid/checks/".to_owned(),
    ] {
        assert_eq!(stranger.get(&path).await.status, 404, "{path}");
    }
    assert_eq!(
        reader_web
            .get(&format!("/integrations/{}/checks/", email.code))
            .await
            .status,
        200
    );
    assert_eq!(
        reader_web
            .get(&format!("/integrations/{}/edit/", email.code))
            .await
            .status,
        403
    );
    // Kinds without an edit page have none.
    let slack = add_ok(
        &web,
        &app,
        &project,
        "slack",
        &[("value", "https://hooks.slack.com/x")],
    )
    .await;
    assert_eq!(
        web.get(&format!("/integrations/{}/edit/", slack.code))
            .await
            .status,
        404
    );
}

#[actix_web::test]
async fn pushover_subscription_round_trip_with_the_test_playing_pushover() {
    let pushover_api = HttpSink::start();
    let messages = pushover_api.url("/1/messages.json");
    let app = App::start_with(&[
        ("PUSHOVER_API_TOKEN", "app-token"),
        (
            "PUSHOVER_SUBSCRIPTION_URL",
            "https://pushover.example.net/subscribe/hc-abc",
        ),
        ("HC_PUSHOVER_URL", &messages),
        ("INTEGRATIONS_ALLOW_PRIVATE_IPS", "True"),
    ]);
    let (_, project, web) = ann(&app).await;
    let page = web.get(&add(&project, "pushover")).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Subscribe with Pushover"));

    let reply = web
        .post(
            &add(&project, "pushover"),
            &[("prio", "7"), ("prio_up", "0")],
        )
        .await;
    assert_eq!(reply.status, 400, "unknown priority");
    let reply = web
        .post(
            &add(&project, "pushover"),
            &[("prio", "1"), ("prio_up", "-1")],
        )
        .await;
    assert_eq!(reply.status, 302);
    let to = reply.header("location").unwrap().to_owned();
    assert!(
        to.starts_with("https://pushover.example.net/subscribe/hc-abc?success="),
        "{to}"
    );
    let parsed = url::Url::parse(&to).unwrap();
    let param = |name: &str| {
        parsed
            .query_pairs()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
            .unwrap()
    };
    let success = param("success");
    assert_eq!(
        param("failure"),
        format!("http://localhost:8000{}", list(&project))
    );
    assert!(
        success.starts_with(&format!(
            "http://localhost:8000/projects/{}/add_pushover/?nonce=",
            project.code
        )),
        "{success}"
    );
    assert!(success.ends_with("&prio=1&prio_up=-1"), "{success}");
    let back = format!(
        "{}&pushover_user_key=uQiRzpo4DXghDmr9QzzfQu27cmVRsG&pushover_unsubscribed=0",
        path_of(&success)
    );

    // Pushover's answer with another nonce is refused: someone else's link.
    let nonce = url::Url::parse(&success)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "nonce")
        .map(|(_, v)| v.into_owned())
        .unwrap();
    let forged = back.replace(&nonce, &"x".repeat(nonce.len()));
    assert_eq!(web.get(&forged).await.status, 403);
    // And another person's session has no nonce at all.
    let mallory = app.user("mallory@example.org", PW);
    add_member(&app, &project, &mallory, "w");
    let mallory_web = logged_in(&app, "mallory@example.org").await;
    assert_eq!(mallory_web.get(&back).await.status, 403);
    assert_eq!(channels_of(&app, &project).len(), 1);

    let done = web.get(&back).await;
    assert_eq!(location(&done), format!("{}?done=added", list(&project)));
    let po = channels_of(&app, &project).pop().unwrap();
    assert_eq!(po.kind, "po");
    assert_eq!(po.value, "uQiRzpo4DXghDmr9QzzfQu27cmVRsG|1|-1");
    assert_eq!(
        assigned(&app, &po).len(),
        1,
        "attached to the project's check"
    );
    assert_eq!(web.get(&back).await.status, 403, "the nonce works once");
    let listed = web.get(&list(&project)).await;
    assert!(listed.body.contains("Pushover"));
    assert!(
        !listed.body.contains("uQiRzpo4DXgh"),
        "the user key is masked"
    );

    // "Test!" reaches the (stand-in) Pushover API with the app token and user key.
    let reply = web
        .post(&format!("/integrations/{}/test/", po.code), &[])
        .await;
    let page = web.get(&location(&reply)).await;
    assert!(
        page.body.contains("Test notification sent!"),
        "{}",
        page.body
    );
    let got = pushover_api.wait_for(1, Duration::from_secs(5));
    let form: Vec<(String, String)> = url::form_urlencoded::parse(&got[0].body)
        .into_owned()
        .collect();
    let field = |k: &str| form.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    assert_eq!(field("token"), Some("app-token"));
    assert_eq!(field("user"), Some("uQiRzpo4DXghDmr9QzzfQu27cmVRsG"));
    assert_eq!(field("priority"), Some("1"));

    // Unsubscribing on Pushover's side removes that key's integration.
    let reply = web
        .post(
            &add(&project, "pushover"),
            &[("prio", "0"), ("prio_up", "0")],
        )
        .await;
    let success = url::Url::parse(reply.header("location").unwrap())
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "success")
        .map(|(_, v)| v.into_owned())
        .unwrap();
    let gone = web
        .get(&format!(
            "{}&pushover_user_key=uQiRzpo4DXghDmr9QzzfQu27cmVRsG&pushover_unsubscribed=1",
            path_of(&success)
        ))
        .await;
    assert_eq!(
        location(&gone),
        format!("{}?done=po_unsubscribed", list(&project))
    );
    assert!(channel(&app, &po.code).is_none());
}
