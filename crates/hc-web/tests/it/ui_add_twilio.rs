//! The add pages of the Twilio kinds (SMS, WhatsApp, phone call) and of the
//! webhook kinds Google Chat, PagerTree and Spike, over real HTTP: which settings
//! offer them, what each form checks, and the value it stores (the one
//! `sendalerts` reads).

use diesel::prelude::*;
use hc_core::models::Channel;
use hc_core::schema::channels;
use serde_json::json;

use crate::support::App;
use crate::ui_integrations::{add, add_ok, ann, channels_of, json_of, refused};

const TWILIO: &[(&str, &str)] = &[
    ("TWILIO_ACCOUNT", "AC123"),
    ("TWILIO_AUTH", "tok"),
    ("TWILIO_FROM", "+15550001"),
    ("TWILIO_USE_WHATSAPP", "True"),
    ("WHATSAPP_DOWN_CONTENT_SID", "HXdown"),
    ("WHATSAPP_UP_CONTENT_SID", "HXup"),
];

#[actix_web::test]
async fn twilio_kinds_are_offered_only_with_the_sites_twilio_account() {
    let app = App::start();
    let (_, project, web) = ann(&app).await;
    let list = web
        .get(&format!("/projects/{}/integrations/", project.code))
        .await;
    assert_eq!(list.status, 200);
    for slug in ["sms", "whatsapp", "call"] {
        assert!(!list.body.contains(&format!("add_{slug}/")), "{slug}");
        let page = web.get(&add(&project, slug)).await;
        assert_eq!((page.status, page.body.as_str()), (404, ""), "{slug}");
        let post = web
            .post(&add(&project, slug), &[("value", "+15550100")])
            .await;
        assert_eq!(post.status, 404, "{slug}");
    }
    assert!(
        channels_of(&app, &project).len() == 1,
        "only the e-mail one"
    );
    for slug in ["googlechat", "pagertree", "spike"] {
        assert!(list.body.contains(&format!("add_{slug}/")), "{slug}");
    }
}

#[actix_web::test]
async fn sms_whatsapp_and_call_store_an_e164_number_and_the_statuses() {
    let app = App::start_with(TWILIO);
    let (_, project, web) = ann(&app).await;
    let list = web
        .get(&format!("/projects/{}/integrations/", project.code))
        .await;
    for slug in ["sms", "whatsapp", "call"] {
        assert!(list.body.contains(&format!("add_{slug}/")), "{slug}");
    }

    let page = web.get(&add(&project, "sms")).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("name=\"value\""));
    assert!(page
        .body
        .contains("id=\"id_down\" name=\"down\" type=\"checkbox\" checked"));
    let reply = web
        .post(
            &add(&project, "sms"),
            &[("value", "555-0100"), ("down", "on")],
        )
        .await;
    refused(&reply, "value", "international format");
    let reply = web
        .post(&add(&project, "sms"), &[("value", "+15550100")])
        .await;
    refused(&reply, "down", "at least one");
    let sms = add_ok(
        &web,
        &app,
        &project,
        "sms",
        &[("value", "+1 555-0100"), ("down", "on")],
    )
    .await;
    assert_eq!(sms.kind, "sms");
    assert_eq!(
        json_of(&sms),
        json!({"value": "+15550100", "up": false, "down": true})
    );

    let whatsapp = add_ok(
        &web,
        &app,
        &project,
        "whatsapp",
        &[("value", "+37120000000"), ("down", "on"), ("up", "on")],
    )
    .await;
    assert_eq!(whatsapp.kind, "whatsapp");
    assert_eq!(
        json_of(&whatsapp),
        json!({"value": "+37120000000", "up": true, "down": true})
    );

    let call = add_ok(
        &web,
        &app,
        &project,
        "call",
        &[("name", "On-call phone"), ("value", "+15550199")],
    )
    .await;
    assert_eq!(
        (call.kind.as_str(), call.name.as_str()),
        ("call", "On-call phone")
    );
    assert_eq!(json_of(&call), json!({"value": "+15550199"}));

    let list = web
        .get(&format!("/projects/{}/integrations/", project.code))
        .await;
    assert!(list.body.contains("SMS to +15550100"), "{}", list.body);
    assert!(list.body.contains("WhatsApp to +37120000000"));

    // SMS and WhatsApp channels can be edited: here, up alerts switched on.
    let edit = format!("/integrations/{}/edit/", sms.code);
    assert_eq!(web.get(&edit).await.status, 200);
    let saved = web
        .post(
            &edit,
            &[("value", "+15550100"), ("down", "on"), ("up", "on")],
        )
        .await;
    assert_eq!(saved.status, 302, "{}", saved.body);
    let after = channels::table
        .filter(channels::code.eq(&sms.code))
        .select(Channel::as_select())
        .first(&mut app.conn())
        .unwrap();
    assert_eq!(
        json_of(&after),
        json!({"value": "+15550100", "up": true, "down": true})
    );
    // Calls cannot: remove and add again.
    assert_eq!(
        web.get(&format!("/integrations/{}/edit/", call.code))
            .await
            .status,
        404
    );
}

#[actix_web::test]
async fn google_chat_pagertree_and_spike_store_their_webhook_url() {
    let app = App::start();
    let (_, project, web) = ann(&app).await;
    for (slug, url) in [
        (
            "googlechat",
            "https://chat.googleapis.com/v1/spaces/AAA/messages?key=k&token=t",
        ),
        ("pagertree", "https://api.pagertree.com/integration/int_xyz"),
        ("spike", "https://hooks.spike.sh/abc/push-events"),
    ] {
        let page = web.get(&add(&project, slug)).await;
        assert_eq!(page.status, 200, "{slug}");
        let reply = web
            .post(&add(&project, slug), &[("value", "not a url")])
            .await;
        refused(&reply, "value", "http://");
        let channel = add_ok(&web, &app, &project, slug, &[("value", url)]).await;
        assert_eq!((channel.kind.as_str(), channel.value.as_str()), (slug, url));
    }
}

#[actix_web::test]
async fn pagertree_and_spike_pages_are_gone_when_switched_off() {
    let app = App::start_with(&[("PAGERTREE_ENABLED", "False"), ("SPIKE_ENABLED", "False")]);
    let (_, project, web) = ann(&app).await;
    for slug in ["pagertree", "spike"] {
        let page = web.get(&add(&project, slug)).await;
        assert_eq!((page.status, page.body.as_str()), (404, ""), "{slug}");
    }
    assert_eq!(web.get(&add(&project, "googlechat")).await.status, 200);
}
