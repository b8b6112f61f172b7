//! The add pages of shell commands, groups, Trello and Apprise over real HTTP: which
//! settings offer them, what each form checks, the value it stores (the one
//! `sendalerts` reads), and a group's "Test!" reaching every member.

use std::time::Duration;

use diesel::prelude::*;
use hc_core::models::{Channel, Notification, Project};
use hc_core::schema::{channel_checks, channels, notifications, projects};
use hc_test::{HttpSink, Reply as SinkReply};
use serde_json::json;

use crate::support::App;
use crate::ui_integrations::{self, add, ann, channel_of, json_of, list, refused};
use crate::web::{location, Web};

fn attached_checks(app: &App, channel: &Channel) -> i64 {
    channel_checks::table
        .filter(channel_checks::channel_id.eq(channel.id))
        .count()
        .get_result(&mut app.conn())
        .unwrap()
}

/// Adds an integration, attached to the project's check, and returns the new channel.
async fn add_ok(
    web: &Web<'_>,
    app: &App,
    project: &Project,
    slug: &str,
    fields: &[(&str, &str)],
) -> Channel {
    let channel = ui_integrations::add_ok(web, app, project, slug, fields).await;
    assert_eq!(attached_checks(app, &channel), 1, "attached to the check");
    channel
}

#[actix_web::test]
async fn shell_apprise_and_trello_are_offered_only_by_their_settings() {
    let app = App::start();
    let (_, project, web) = ann(&app).await;
    for slug in ["shell", "apprise", "trello", "github"] {
        let page = web.get(&add(&project, slug)).await;
        assert_eq!((page.status, page.body.as_str()), (404, ""), "{slug}");
        let post = web.post(&add(&project, slug), &[("value", "x")]).await;
        assert_eq!(post.status, 404, "{slug}");
    }
    let catalogue = web.get(&list(&project)).await;
    assert!(catalogue.body.contains("add_group/"));
    assert!(!catalogue.body.contains("add_shell/"));
    assert!(!catalogue.body.contains("add_apprise/"));

    let app = App::start_with(&[
        ("SHELL_ENABLED", "True"),
        ("APPRISE_ENABLED", "True"),
        ("TRELLO_APP_KEY", "app-key"),
    ]);
    let (_, project, web) = ann(&app).await;
    for (slug, field) in [
        ("shell", "cmd_down"),
        ("apprise", "value"),
        ("trello", "list_id"),
    ] {
        let page = web.get(&add(&project, slug)).await;
        assert_eq!(page.status, 200, "{slug}");
        assert!(
            page.body.contains(&format!("name=\"{field}\"")),
            "{slug}: {}",
            page.body
        );
    }
    // GitHub channels are sent, but hc cannot add them yet.
    assert_eq!(web.get(&add(&project, "github")).await.status, 404);
}

#[actix_web::test]
async fn a_shell_command_needs_one_command_and_is_stored_as_healthchecks_does() {
    let app = App::start_with(&[("SHELL_ENABLED", "True")]);
    let (_, project, web) = ann(&app).await;
    let path = add(&project, "shell");
    let reply = web.post(&path, &[("cmd_down", ""), ("cmd_up", " ")]).await;
    refused(&reply, "cmd_down", "at least one");
    let reply = web.post(&path, &[("cmd_down", &"x".repeat(1001))]).await;
    refused(&reply, "cmd_down", "at most 1000");
    let shell = add_ok(
        &web,
        &app,
        &project,
        "shell",
        &[
            ("name", "Log it"),
            ("cmd_down", "logger \"$NAME is $STATUS\""),
            ("cmd_up", ""),
        ],
    )
    .await;
    assert_eq!(shell.kind, "shell");
    assert_eq!(shell.name, "Log it");
    assert_eq!(
        json_of(&shell),
        json!({"cmd_down": "logger \"$NAME is $STATUS\"", "cmd_up": ""})
    );
    let listed = web.get(&list(&project)).await;
    assert!(listed
        .body
        .contains("runs a command when a check goes down"));
    assert!(
        !listed.body.contains("logger"),
        "commands are not shown in the list"
    );
}

#[actix_web::test]
async fn trello_and_apprise_forms_check_their_fields() {
    let app = App::start_with(&[("APPRISE_ENABLED", "True"), ("TRELLO_APP_KEY", "k")]);
    let (_, project, web) = ann(&app).await;
    let trello = add(&project, "trello");
    let reply = web
        .post(
            &trello,
            &[
                ("token", "tok"),
                ("board_name", "Ops"),
                ("list_name", "Alerts"),
                ("list_id", "not-a-list"),
            ],
        )
        .await;
    refused(&reply, "list_id", "16 to 32");
    let reply = web.post(&trello, &[("list_id", "5f0c1b2a3d4e5f6a")]).await;
    refused(&reply, "token", "required");
    let card = add_ok(
        &web,
        &app,
        &project,
        "trello",
        &[
            ("token", "user-token"),
            ("board_name", "Ops"),
            ("list_name", "Alerts"),
            ("list_id", "5f0c1b2a3d4e5f6a7b8c9d0e"),
        ],
    )
    .await;
    assert_eq!(
        card.value,
        r#"{"board_name":"Ops","list_id":"5f0c1b2a3d4e5f6a7b8c9d0e","list_name":"Alerts","token":"user-token"}"#
    );
    let listed = web.get(&list(&project)).await.body.replace("&#x2F;", "/");
    assert!(listed.contains("Trello Ops/Alerts"), "{listed}");
    assert!(!listed.contains("user-token"));

    let apprise = add(&project, "apprise");
    let reply = web.post(&apprise, &[("value", "no scheme here")]).await;
    refused(&reply, "value", "Apprise URL");
    let channel = add_ok(
        &web,
        &app,
        &project,
        "apprise",
        &[("value", "tgram://123:secret-bot-token/-100200")],
    )
    .await;
    assert_eq!(channel.value, "tgram://123:secret-bot-token/-100200");
    let listed = web.get(&list(&project)).await.body.replace("&#x2F;", "/");
    assert!(listed.contains("tgram://…"), "{listed}");
    assert!(!listed.contains("secret-bot-token"));
}

fn test_notifications(app: &App, channel: &Channel) -> Vec<Notification> {
    notifications::table
        .filter(notifications::channel_id.eq(channel.id))
        .filter(notifications::check_id.is_null())
        .select(Notification::as_select())
        .load(&mut app.conn())
        .unwrap()
}

/// Adds a webhook that POSTs "<name> is <status>" to `url` when a check goes down.
async fn add_hook(web: &Web<'_>, app: &App, project: &Project, url: &str) -> Channel {
    let fields = [
        ("method_down", "POST"),
        ("url_down", url),
        ("body_down", "$NAME is $STATUS"),
    ];
    add_ok(web, app, project, "webhook", &fields).await
}

#[actix_web::test]
async fn a_group_holds_the_projects_other_integrations_and_tests_each() {
    let (first, second) = (HttpSink::start(), HttpSink::start());
    let app = App::start_with(&[("INTEGRATIONS_ALLOW_PRIVATE_IPS", "True")]);
    let (_, project, web) = ann(&app).await;
    let a = add_hook(&web, &app, &project, &first.url("/a")).await;
    let b = add_hook(&web, &app, &project, &second.url("/b")).await;
    let stranger = {
        let other = app.other_project("bob@example.org");
        let mut conn = app.conn();
        let project_id: i64 = projects::table
            .filter(projects::code.eq(&other.uuid))
            .select(projects::id)
            .first(&mut conn)
            .unwrap();
        let code = hc_core::keys::new_uuid();
        diesel::insert_into(channels::table)
            .values(Channel {
                id: 0,
                code: code.clone(),
                project_id,
                name: String::new(),
                kind: "webhook".into(),
                value: r#"{"url_down": "https://example.org/x"}"#.into(),
                email_verified: true,
                disabled: false,
                last_notify: None,
                last_notify_duration: None,
                last_error: String::new(),
                created: hc_core::time::now().naive_utc(),
            })
            .execute(&mut conn)
            .unwrap();
        code
    };

    let path = add(&project, "group");
    let page = web.get(&path).await;
    assert_eq!(page.status, 200);
    for channel in [&a, &b] {
        assert!(
            page.body
                .contains(&format!("name=\"channel-{}\"", channel.code)),
            "{}",
            page.body
        );
    }
    assert!(
        !page.body.contains(&stranger),
        "other projects' are not offered"
    );
    let reply = web.post(&path, &[("name", "Everyone")]).await;
    refused(&reply, "value", "required");
    // Codes of other projects' integrations are dropped; none left is an error.
    let pick = |code: &str| format!("channel-{code}");
    let reply = web.post(&path, &[(pick(&stranger).as_str(), "on")]).await;
    refused(&reply, "value", "Choose at least one");
    let group = add_ok(
        &web,
        &app,
        &project,
        "group",
        &[
            ("name", "Everyone"),
            (pick(&a.code).as_str(), "on"),
            (pick(&b.code).as_str(), "on"),
            (pick(&stranger).as_str(), "on"),
        ],
    )
    .await;
    let mut expected = [a.code.clone(), b.code.clone()];
    expected.sort();
    assert_eq!(group.value, expected.join(","));
    let listed = web.get(&list(&project)).await;
    assert!(listed.body.contains("2 integrations"));
    // A group is not offered as a member of another.
    let page = web.get(&path).await;
    assert!(!page.body.contains(&format!("channel-{}", group.code)));

    // "Test!" reaches every member, each recording its own test notification.
    let test = format!("/integrations/{}/test/", group.code);
    let reply = web.post(&test, &[]).await;
    let shown = web.get(&location(&reply)).await;
    assert!(
        shown.body.contains("Test notification sent!"),
        "{}",
        shown.body
    );
    assert_eq!(
        first.wait_for(1, Duration::from_secs(5))[0].text(),
        "TEST is down"
    );
    assert_eq!(second.wait_for(1, Duration::from_secs(5))[0].target, "/b");
    for member in [&a, &b] {
        let rows = test_notifications(&app, member);
        assert_eq!(rows.len(), 1);
        assert_eq!(
            (rows[0].status.as_str(), rows[0].error.as_str()),
            ("sent", "")
        );
    }
    assert_eq!(test_notifications(&app, &group).len(), 1);

    second.reply(SinkReply {
        status: 500,
        ..SinkReply::default()
    });
    let reply = web.post(&test, &[]).await;
    let shown = web.get(&location(&reply)).await;
    assert!(
        shown.body.contains("1 out of 2 notifications failed"),
        "{}",
        shown.body
    );
    assert_eq!(
        channel_of(&app, &group).last_error,
        "1 out of 2 notifications failed"
    );
    assert_eq!(channel_of(&app, &b).last_error, "Received status code 500");
    assert_eq!(
        test_notifications(&app, &b).len(),
        1,
        "the earlier test replaced"
    );

    // Editing: the members are shown ticked, and can be changed.
    let edit = format!("/integrations/{}/edit/", group.code);
    let page = web.get(&edit).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains(&format!(
        "name=\"channel-{}\" type=\"checkbox\" checked",
        a.code
    )));
    let reply = web
        .post(&edit, &[("name", "Only A"), (pick(&a.code).as_str(), "on")])
        .await;
    assert_eq!(reply.status, 302, "{}", reply.body);
    let group = channel_of(&app, &group);
    assert_eq!(
        (group.name.as_str(), group.value.as_str()),
        ("Only A", a.code.as_str())
    );
}
