//! The OAuth "add" buttons of Slack, Discord and Pushbullet over real HTTP, with
//! the test playing the provider: a loopback [`HttpSink`] answers the token
//! exchange, and "Test!" shows that the stored value is one the sender reads.

use std::time::Duration;

use diesel::prelude::*;
use hc_core::models::{Channel, Project};
use hc_core::schema::channel_checks;
use hc_test::{HttpSink, Reply as SinkReply};

use crate::support::{App, Reply};
use crate::ui_integrations::{add, ann, channels_of, list};
use crate::web::{location, Web};

/// One provider, as the tests drive it.
struct Case {
    kind: &'static str,
    /// Settings prefix: `SLACK`, `DISCORD`, `PUSHBULLET`.
    env: &'static str,
    button: &'static str,
    callback: &'static str,
    scope: Option<&'static str>,
    /// Token form fields besides client_id, client_secret and code.
    more_fields: &'static [(&'static str, &'static str)],
}

const SLACK: Case = Case {
    kind: "slack",
    env: "SLACK",
    button: "Add to Slack",
    callback: "/integrations/add_slack_btn/",
    scope: Some("incoming-webhook"),
    more_fields: &[(
        "redirect_uri",
        "http://localhost:8000/integrations/add_slack_btn/",
    )],
};

const DISCORD: Case = Case {
    kind: "discord",
    env: "DISCORD",
    button: "Connect Discord",
    callback: "/integrations/add_discord/",
    scope: Some("webhook.incoming"),
    more_fields: &[
        ("grant_type", "authorization_code"),
        (
            "redirect_uri",
            "http://localhost:8000/integrations/add_discord/",
        ),
    ],
};

const PUSHBULLET: Case = Case {
    kind: "pushbullet",
    env: "PUSHBULLET",
    button: "Connect Pushbullet",
    callback: "/integrations/add_pushbullet/",
    scope: None,
    more_fields: &[("grant_type", "authorization_code")],
};

const AUTHORIZE: &str = "https://provider.example.net/oauth/authorize";

/// The provider's token endpoint, the place alerts go (a webhook, or Pushbullet's
/// pushes API), and the app with the provider's keys set.
struct Setup {
    provider: HttpSink,
    alerts: HttpSink,
    app: App,
}

fn setup(case: &Case) -> Setup {
    let provider = HttpSink::start();
    let alerts = HttpSink::start();
    let token_url = provider.url("/oauth/token");
    let pushes = alerts.url("/v2/pushes");
    let names = [
        format!("{}_CLIENT_ID", case.env),
        format!("{}_CLIENT_SECRET", case.env),
        format!("HC_{}_AUTHORIZE_URL", case.env),
        format!("HC_{}_TOKEN_URL", case.env),
    ];
    let app = App::start_with(&[
        (names[0].as_str(), "client-1"),
        (names[1].as_str(), "secret-1"),
        (names[2].as_str(), AUTHORIZE),
        (names[3].as_str(), &token_url),
        ("HC_PUSHBULLET_URL", &pushes),
        ("INTEGRATIONS_ALLOW_PRIVATE_IPS", "True"),
    ]);
    Setup {
        provider,
        alerts,
        app,
    }
}

fn param(url: &str, name: &str) -> Option<String> {
    url::Url::parse(url)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

/// Presses the button: checks the redirect to the provider and returns the state.
async fn press(web: &Web<'_>, project: &Project, case: &Case) -> String {
    let reply = web.post(&add(project, case.kind), &[]).await;
    assert_eq!(reply.status, 302, "{}", reply.body);
    let to = reply.header("location").unwrap().to_owned();
    assert!(to.starts_with(&format!("{AUTHORIZE}?")), "{to}");
    assert_eq!(param(&to, "client_id").as_deref(), Some("client-1"));
    assert_eq!(param(&to, "scope").as_deref(), case.scope);
    assert_eq!(
        param(&to, "redirect_uri"),
        Some(format!("http://localhost:8000{}", case.callback))
    );
    assert_eq!(param(&to, "response_type").as_deref(), Some("code"));
    assert!(param(&to, "client_secret").is_none(), "{to}");
    let state = param(&to, "state").unwrap();
    assert!(state.len() >= 32, "{state}");
    state
}

async fn come_back(web: &Web<'_>, case: &Case, query: &str) -> Reply {
    web.get(&format!("{}?{query}", case.callback)).await
}

/// The provider's successful answer, naming `hook` as the webhook.
fn success(case: &Case, hook: &str) -> String {
    match case.kind {
        "slack" => serde_json::json!({
            "ok": true,
            "access_token": "xoxb-1",
            "team": {"id": "T1", "name": "Acme"},
            "incoming_webhook": {"url": hook, "channel": "#alerts", "channel_id": "C1"},
        }),
        "discord" => serde_json::json!({
            "access_token": "d-1",
            "token_type": "Bearer",
            "webhook": {"id": "1", "name": "hc", "channel_id": "2", "url": hook},
        }),
        _ => serde_json::json!({"access_token": "pb-token-1", "token_type": "Bearer"}),
    }
    .to_string()
}

/// The provider refusing the code, in its own words.
fn refusal(case: &Case) -> (u16, &'static str, &'static str) {
    match case.kind {
        "slack" => (
            200,
            r#"{"ok": false, "error": "invalid_code"}"#,
            "Slack refused the connection: invalid_code",
        ),
        "discord" => (
            400,
            r#"{"error": "invalid_grant", "error_description": "Invalid code in request."}"#,
            "Discord refused the connection: Invalid code in request.",
        ),
        _ => (
            400,
            r#"{"error": {"message": "The code has expired.", "type": "invalid_request"}}"#,
            "Pushbullet refused the connection: The code has expired.",
        ),
    }
}

fn assigned_count(app: &App, channel: &Channel) -> i64 {
    channel_checks::table
        .filter(channel_checks::channel_id.eq(channel.id))
        .count()
        .get_result(&mut app.conn())
        .unwrap()
}

fn form_of(body: &[u8]) -> Vec<(String, String)> {
    url::form_urlencoded::parse(body).into_owned().collect()
}

/// The whole flow for one provider: refusals first, then a successful round trip
/// whose channel sends a real test notification.
async fn round_trip(case: &Case) {
    let Setup {
        provider,
        alerts,
        app,
    } = setup(case);
    let (_, project, web) = ann(&app).await;
    let before = channels_of(&app, &project).len();

    let page = web.get(&add(&project, case.kind)).await;
    assert_eq!(page.status, 200);
    let button = format!("<button type=\"submit\">{}</button>", case.button);
    assert!(page.body.contains(&button), "{}", page.body);
    assert!(
        !page.body.contains("id=\"id_value\""),
        "no paste form beside the button"
    );

    let state = press(&web, &project, case).await;

    // No state, a wrong state, or the right state in someone else's session: 403,
    // nothing asked of the provider, nothing stored.
    assert_eq!(come_back(&web, case, "code=c1").await.status, 403);
    let wrong = come_back(
        &web,
        case,
        &format!("code=c1&state={}", "x".repeat(state.len())),
    )
    .await;
    assert_eq!(wrong.status, 403);
    let mallory = app.user("mallory@example.org", "pw-123456");
    let other = app.web();
    other.login(&mallory.email, "pw-123456").await;
    let theirs = come_back(&other, case, &format!("code=c1&state={state}")).await;
    assert_eq!(theirs.status, 403);
    assert!(provider.requests().is_empty());
    assert_eq!(channels_of(&app, &project).len(), before);

    // The user said no on the provider's page.
    let cancelled = come_back(&web, case, &format!("error=access_denied&state={state}")).await;
    assert_eq!(cancelled.status, 200);
    let label = &case.button[case.button.rfind(' ').unwrap() + 1..];
    assert!(
        cancelled
            .body
            .contains(&format!("{label} setup was cancelled.")),
        "{}",
        cancelled.body
    );
    assert!(provider.requests().is_empty());
    assert_eq!(
        come_back(&web, case, &format!("code=c1&state={state}"))
            .await
            .status,
        403,
        "the state works once"
    );

    // The provider refuses the code.
    let state = press(&web, &project, case).await;
    let (status, body, words) = refusal(case);
    provider.reply(SinkReply {
        status,
        body: body.into(),
        ..SinkReply::default()
    });
    let refused = come_back(&web, case, &format!("code=bad&state={state}")).await;
    assert_eq!(refused.status, 200);
    assert!(refused.body.contains(words), "{}", refused.body);
    assert_eq!(provider.requests().len(), 1);
    assert_eq!(channels_of(&app, &project).len(), before);

    // And now it works.
    let state = press(&web, &project, case).await;
    let hook = alerts.url("/hook/1");
    let answer = success(case, &hook);
    provider.reply(SinkReply {
        body: answer.clone(),
        headers: vec![("Content-Type".into(), "application/json".into())],
        ..SinkReply::default()
    });
    let done = come_back(&web, case, &format!("code=good-code&state={state}")).await;
    assert_eq!(done.status, 302, "{}", done.body);
    assert_eq!(location(&done), format!("{}?done=added", list(&project)));
    let got = provider.requests();
    assert_eq!(got.len(), 2);
    let exchange = &got[1];
    assert_eq!(exchange.method, "POST");
    assert_eq!(exchange.target, "/oauth/token");
    let mut expected: Vec<(String, String)> = [
        ("client_id", "client-1"),
        ("client_secret", "secret-1"),
        ("code", "good-code"),
    ]
    .iter()
    .chain(case.more_fields)
    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
    .collect();
    let mut sent = form_of(&exchange.body);
    expected.sort();
    sent.sort();
    assert_eq!(sent, expected);

    let all = channels_of(&app, &project);
    assert_eq!(all.len(), before + 1);
    let channel: Channel = all.into_iter().last().unwrap();
    assert_eq!(channel.kind, case.kind);
    match case.kind {
        "pushbullet" => assert_eq!(channel.value, "pb-token-1"),
        _ => assert_eq!(channel.value, answer),
    }
    assert_eq!(
        assigned_count(&app, &channel),
        1,
        "attached to the project's check"
    );
    if case.kind == "slack" {
        let listed = web.get(&list(&project)).await;
        assert!(listed.body.contains("Slack #alerts"), "{}", listed.body);
    }

    // "Test!" goes where the provider's answer said.
    let reply = web
        .post(&format!("/integrations/{}/test/", channel.code), &[])
        .await;
    let page = web.get(&location(&reply)).await;
    assert!(
        page.body.contains("Test notification sent!"),
        "{}",
        page.body
    );
    let sent = alerts.wait_for(1, Duration::from_secs(5));
    assert_eq!(sent.len(), 1);
    match case.kind {
        "slack" => assert_eq!(sent[0].target, "/hook/1"),
        "discord" => assert_eq!(sent[0].target, "/hook/1/slack"),
        _ => {
            assert_eq!(sent[0].target, "/v2/pushes");
            assert_eq!(sent[0].header("access-token"), Some("pb-token-1"));
        }
    }
}

#[actix_web::test]
async fn add_to_slack_round_trip_with_the_test_playing_slack() {
    round_trip(&SLACK).await;
}

#[actix_web::test]
async fn discord_round_trip_with_the_test_playing_discord() {
    round_trip(&DISCORD).await;
}

#[actix_web::test]
async fn pushbullet_round_trip_with_the_test_playing_pushbullet() {
    round_trip(&PUSHBULLET).await;
}

#[actix_web::test]
async fn a_provider_that_cannot_be_reached_gives_a_readable_notice() {
    let Setup { provider, app, .. } = setup(&SLACK);
    let (_, project, web) = ann(&app).await;
    let state = press(&web, &project, &SLACK).await;
    provider.reply(SinkReply {
        status: 503,
        body: "<html>maintenance</html>".into(),
        ..SinkReply::default()
    });
    let reply = come_back(&web, &SLACK, &format!("code=c&state={state}")).await;
    assert_eq!(reply.status, 200);
    assert!(
        reply
            .body
            .contains("Slack refused the connection (status 503)."),
        "{}",
        reply.body
    );
    assert_eq!(channels_of(&app, &project).len(), 1);
}

#[actix_web::test]
async fn without_keys_the_paste_forms_stay_and_the_callbacks_are_404() {
    let app = App::start();
    let (_, project, web) = ann(&app).await;
    for case in [&SLACK, &DISCORD, &PUSHBULLET] {
        let page = web.get(&add(&project, case.kind)).await;
        assert_eq!(page.status, 200);
        // (Slack's paste form names Slack's own "Add to Slack" in its help.)
        let button = format!("<button type=\"submit\">{}</button>", case.button);
        assert!(!page.body.contains(&button), "{}", page.body);
        assert!(page.body.contains("id=\"id_value\""), "{}", page.body);
        assert_eq!(
            come_back(&web, case, "code=c&state=s").await.status,
            404,
            "{}",
            case.callback
        );
    }
    // The paste form still saves.
    let reply = web
        .post(&add(&project, "pushbullet"), &[("value", "o.pasted-token")])
        .await;
    assert_eq!(reply.status, 302, "{}", reply.body);
    let saved = channels_of(&app, &project).pop().unwrap();
    assert_eq!(
        (saved.kind.as_str(), saved.value.as_str()),
        ("pushbullet", "o.pasted-token")
    );
}
