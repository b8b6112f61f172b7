//! Projects from the dashboard: creating, renaming and removing them, their API and
//! ping keys, and their teams, with who may do which (spec §1.4, §7.2).

use std::time::{Duration, Instant};

use diesel::prelude::*;
use hc_core::models::{Check, Project, User};
use hc_core::schema::{channels, checks, flips, members, pings, projects, users};

use crate::support::App;
use crate::web::{location, Web};

const PW: &str = "correct horse";

fn project_named(app: &App, name: &str) -> Project {
    projects::table
        .filter(projects::name.eq(name))
        .select(Project::as_select())
        .first(&mut app.conn())
        .unwrap()
}

fn project_by_code(app: &App, code: &str) -> Option<Project> {
    projects::table
        .filter(projects::code.eq(code))
        .select(Project::as_select())
        .first(&mut app.conn())
        .optional()
        .unwrap()
}

/// The first project of a user made by `app.user`.
fn first_project(app: &App, user: &User) -> Project {
    projects::table
        .filter(projects::owner_id.eq(user.id))
        .order(projects::id.asc())
        .select(Project::as_select())
        .first(&mut app.conn())
        .unwrap()
}

/// A project owned by `owner` with the given members, made straight in the database.
fn project_with_team(app: &App, owner: &User, name: &str, team: &[(&User, &str)]) -> Project {
    let project = hc_core::projects::create(&mut app.conn(), owner, name).unwrap();
    for (user, role) in team {
        add_member(app, &project, user, role);
    }
    project
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

fn role_of(app: &App, project: &Project, email: &str) -> Option<String> {
    members::table
        .inner_join(users::table)
        .filter(members::project_id.eq(project.id))
        .filter(users::email.eq(email))
        .select(members::role)
        .first(&mut app.conn())
        .optional()
        .unwrap()
}

async fn logged_in<'a>(app: &'a App, email: &str) -> Web<'a> {
    let web = app.web();
    web.login(email, PW).await;
    web
}

fn settings(project: &Project) -> String {
    format!("/projects/{}/settings/", project.code)
}

/// The text of the element following `marker`, up to the next `<`.
fn text_after(body: &str, marker: &str) -> Option<String> {
    let start = body.find(marker)? + marker.len();
    let rest = &body[start..];
    let start = rest.find('>')? + 1;
    let end = rest[start..].find('<')?;
    Some(rest[start..start + end].trim().to_owned())
}

/// Undoes the HTML escaping tera applies to text (it escapes `/` too).
fn unescape(html: &str) -> String {
    html.replace("&#x2F;", "/")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#x27;", "'")
        .replace("&amp;", "&")
}

async fn create_key(web: &Web<'_>, project: &Project, kind: &str) -> String {
    let reply = web
        .post(
            &settings(project),
            &[("action", "create_key"), ("key_type", kind)],
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    text_after(&reply.body, &format!("data-new-key=\"{kind}\""))
        .unwrap_or_else(|| panic!("the new key is on the page: {}", reply.body))
}

#[actix_web::test]
async fn a_new_project_opens_its_checks_and_shows_on_the_projects_page() {
    let app = App::start();
    let ann = app.user("ann@example.org", PW);
    let web = logged_in(&app, "ann@example.org").await;

    let reply = web.post("/projects/add/", &[("name", "  Backups  ")]).await;
    let project = project_named(&app, "Backups");
    assert_eq!(
        location(&reply),
        format!("/projects/{}/checks/", project.code)
    );
    assert_eq!(project.owner_id, ann.id);
    assert_eq!(project.badge_key, project.code);
    assert!(project.api_key.is_empty() && project.ping_key.is_none());
    let n_channels: i64 = channels::table
        .filter(channels::project_id.eq(project.id))
        .count()
        .get_result(&mut app.conn())
        .unwrap();
    assert_eq!(n_channels, 0, "later projects get no integrations");

    let home = web.get("/").await;
    assert!(home.body.contains("Backups"), "{}", home.body);
    assert!(home
        .body
        .contains(&format!("/projects/{}/checks/", project.code)));

    for (name, message) in [
        ("   ", "Please enter a name"),
        (&"x".repeat(61) as &str, "at most 60 characters"),
        (&"x".repeat(10_000), "at most 60 characters"),
    ] {
        let refused = web.post("/projects/add/", &[("name", name)]).await;
        assert_eq!(refused.status, 400, "{name:.20}");
        assert!(refused.body.contains(message), "{}", refused.body);
        assert!(refused.body.contains("aria-invalid=\"true\""));
    }
    let owned: i64 = projects::table
        .filter(projects::owner_id.eq(ann.id))
        .count()
        .get_result(&mut app.conn())
        .unwrap();
    assert_eq!(owned, 2, "the first project and Backups, nothing else");

    let anonymous = app.web();
    let reply = anonymous
        .post("/projects/add/", &[("name", "Sneaky")])
        .await;
    assert!(location(&reply).starts_with("/accounts/login/"));
}

#[actix_web::test]
async fn renaming_checks_the_length_and_escapes_the_name() {
    let app = App::start();
    let ann = app.user("ann@example.org", PW);
    let project = first_project(&app, &ann);
    let web = logged_in(&app, "ann@example.org").await;

    let page = web.get(&settings(&project)).await;
    assert_eq!(page.status, 200);
    assert!(
        page.body.contains("ann@example.org"),
        "unnamed shows the owner"
    );

    let ok = web
        .post(
            &settings(&project),
            &[("action", "rename"), ("name", " Night jobs ")],
        )
        .await;
    assert_eq!(ok.status, 200, "{}", ok.body);
    assert!(ok.body.contains("The project was renamed."));
    assert_eq!(
        project_by_code(&app, &project.code).unwrap().name,
        "Night jobs"
    );

    let long = "y".repeat(10_000);
    let refused = web
        .post(
            &settings(&project),
            &[("action", "rename"), ("name", &long)],
        )
        .await;
    assert_eq!(refused.status, 400);
    assert!(
        refused.body.contains("err_name"),
        "the error sits by the field"
    );
    assert!(refused.body.contains("at most 60 characters"));
    assert_eq!(
        project_by_code(&app, &project.code).unwrap().name,
        "Night jobs"
    );

    let script = "<script>alert(1)</script>";
    let ok = web
        .post(
            &settings(&project),
            &[("action", "rename"), ("name", script)],
        )
        .await;
    assert_eq!(ok.status, 200);
    for body in [
        web.get(&settings(&project)).await.body,
        web.get("/").await.body,
    ] {
        assert!(!body.contains(script), "{body}");
        assert!(
            body.contains("&lt;script&gt;alert(1)&lt;&#x2F;script&gt;"),
            "{body}"
        );
    }
}

#[actix_web::test]
async fn api_keys_are_shown_once_work_and_stop_when_revoked() {
    let app = App::start();
    let ann = app.user("ann@example.org", PW);
    let project = first_project(&app, &ann);
    let web = logged_in(&app, "ann@example.org").await;

    let rw = create_key(&web, &project, "api_key").await;
    assert!(rw.starts_with("hcw_") && rw.len() == 32, "{rw}");
    let stored = project_by_code(&app, &project.code).unwrap().api_key;
    assert!(!stored.contains(&rw), "only the HMAC is stored");
    assert_eq!(stored.split('.').next(), Some(&rw[4..12]));

    let list = app.get("/api/v3/checks/", &rw).await;
    assert_eq!(list.status, 200, "{}", list.body);
    assert_eq!(list.json()["checks"][0]["name"], "My First Check");

    let page = web
        .post(
            &settings(&project),
            &[("action", "create_key"), ("key_type", "api_key_readonly")],
        )
        .await;
    let ro = text_after(&page.body, "data-new-key=\"api_key_readonly\"").unwrap();
    assert!(ro.starts_with("hcr_") && ro.len() == 32, "{ro}");
    let metrics_url = format!(
        "{}/projects/{}/metrics/{ro}",
        app.config.site_root, project.code
    );
    assert!(
        unescape(&page.body).contains(&metrics_url),
        "the Prometheus URL with the new key: {}",
        page.body
    );
    assert_eq!(app.get("/api/v3/checks/", &ro).await.status, 200);
    let write = app
        .post("/api/v3/checks/", &ro, &serde_json::json!({"name": "nope"}))
        .await;
    assert_eq!(write.status, 401, "a read-only key cannot write");

    let ping = create_key(&web, &project, "ping_key").await;
    assert_eq!(
        project_by_code(&app, &project.code).unwrap().ping_key,
        Some(ping.clone())
    );

    // Later visits show only masked keys and no Prometheus URL.
    let later = web.get(&settings(&project)).await;
    for secret in [&rw, &ro, &ping] {
        assert!(!later.body.contains(secret.as_str()), "{secret} leaked");
    }
    assert!(!later.body.contains("data-new-key"));
    assert!(!unescape(&later.body).contains(&metrics_url));
    assert_eq!(
        text_after(&later.body, "data-masked-key=\"api_key\"").unwrap(),
        format!("{}{}", &rw[..8], "*".repeat(24))
    );
    assert_eq!(
        text_after(&later.body, "data-masked-key=\"ping_key\"").unwrap(),
        format!("{}{}", &ping[..4], "*".repeat(18))
    );

    let revoked = web
        .post(
            &settings(&project),
            &[("action", "revoke_key"), ("key_type", "api_key")],
        )
        .await;
    assert_eq!(revoked.status, 200);
    assert!(revoked.body.contains("was revoked"));
    assert_eq!(app.get("/api/v3/checks/", &rw).await.status, 401);
    assert_eq!(
        app.get("/api/v3/checks/", &ro).await.status,
        200,
        "only that key"
    );
    let revoked = web
        .post(
            &settings(&project),
            &[("action", "revoke_key"), ("key_type", "ping_key")],
        )
        .await;
    assert_eq!(revoked.status, 200);
    assert_eq!(project_by_code(&app, &project.code).unwrap().ping_key, None);

    let bad = web
        .post(
            &settings(&project),
            &[("action", "create_key"), ("key_type", "master_key")],
        )
        .await;
    assert_eq!(bad.status, 400);
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

#[actix_web::test]
async fn an_invited_person_gets_a_login_link_and_sees_the_project() {
    let sink = hc_test::SmtpSink::start();
    let port = sink.port.to_string();
    let app = App::start_with(&[
        ("EMAIL_HOST", "127.0.0.1"),
        ("EMAIL_PORT", &port),
        ("EMAIL_USE_TLS", "False"),
    ]);
    let ann = app.user("ann@example.org", PW);
    let project = project_with_team(&app, &ann, "Payroll", &[]);
    let web = logged_in(&app, "ann@example.org").await;

    let reply = web
        .post(
            &settings(&project),
            &[
                ("action", "invite"),
                ("email", " Bob@Example.org "),
                ("role", "r"),
            ],
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert!(reply.body.contains("Invitation sent to bob@example.org."));
    assert!(reply.body.contains("data-member=\"bob@example.org\""));
    assert_eq!(
        role_of(&app, &project, "bob@example.org").as_deref(),
        Some("r")
    );
    let bob = hc_core::accounts::find_user_by_email(&mut app.conn(), "bob@example.org")
        .unwrap()
        .expect("the invitee has an account now");
    let bob_owns: i64 = projects::table
        .filter(projects::owner_id.eq(bob.id))
        .count()
        .get_result(&mut app.conn())
        .unwrap();
    assert_eq!(bob_owns, 0, "invitees get no first project");

    let mail = wait_for_mail(&sink, 1).await.remove(0);
    assert!(mail.contains("To: bob@example.org"), "{mail}");
    assert!(mail.contains("Payroll"), "{mail}");
    assert!(mail.contains("ann@example.org"), "{mail}");
    let marker = format!(
        "{}/accounts/check_token/{}/",
        app.config.site_root, bob.username
    );
    let start = mail.find(&marker).expect("a login link") + app.config.site_root.len();
    let link: String = mail[start..]
        .chars()
        .take_while(|c| !c.is_whitespace())
        .collect();
    assert!(link.ends_with('/'), "{link}");

    let bob_web = app.web();
    let confirm = bob_web.get(&link).await;
    assert_eq!(confirm.status, 200, "a page that asks before logging in");
    let in_ = bob_web.post(&link, &[]).await;
    // Their only project is the one they were invited to: straight to its checks.
    let landing = location(&in_);
    assert!(
        landing.starts_with("/projects/") && landing.ends_with("/checks/"),
        "{landing}"
    );
    let home = bob_web.get("/").await;
    assert_eq!(home.status, 200);
    assert!(home.body.contains("Payroll"), "{}", home.body);
    // Read-only: may look at the settings, not change them, and sees no keys.
    let page = bob_web.get(&settings(&project)).await;
    assert_eq!(page.status, 200);
    assert!(!page.body.contains("API keys"));
    let refused = bob_web
        .post(
            &settings(&project),
            &[("action", "rename"), ("name", "Mine")],
        )
        .await;
    assert_eq!(refused.status, 403);

    // Leaving takes the project off Bob's list.
    let left = bob_web
        .post(&settings(&project), &[("action", "leave")])
        .await;
    assert_eq!(location(&left), "/");
    assert_eq!(role_of(&app, &project, "bob@example.org"), None);
    assert_eq!(bob_web.get(&settings(&project)).await.status, 404);
    assert!(!bob_web.get("/").await.body.contains("Payroll"));
}

#[actix_web::test]
async fn invitations_refuse_duplicates_bad_addresses_and_more_than_20_a_day() {
    let app = App::start();
    let ann = app.user("ann@example.org", PW);
    let bob = app.user("bob@example.org", PW);
    let project = project_with_team(&app, &ann, "Team", &[(&bob, "w")]);
    let web = logged_in(&app, "ann@example.org").await;
    let invite = |email: String| {
        let web = &web;
        let path = settings(&project);
        async move {
            web.post(
                &path,
                &[("action", "invite"), ("email", &email), ("role", "w")],
            )
            .await
        }
    };

    for taken in ["ann@example.org", "BOB@example.org"] {
        let reply = invite(taken.to_owned()).await;
        assert_eq!(reply.status, 400, "{taken}");
        assert!(
            reply.body.contains("already on this team"),
            "{}",
            reply.body
        );
        assert!(reply.body.contains("err_email"), "next to the field");
    }
    assert_eq!(
        role_of(&app, &project, "bob@example.org").as_deref(),
        Some("w")
    );

    for bad in [
        "not an address".to_owned(),
        format!("{}@example.org", "a".repeat(10_000)),
        "<script>@x.org".to_owned(),
    ] {
        let reply = invite(bad.clone()).await;
        assert_eq!(reply.status, 400, "{bad:.30}");
        assert!(reply.body.contains("valid e-mail address"));
        assert!(!reply.body.contains("<script>@"), "escaped");
    }
    let bad_role = web
        .post(
            &settings(&project),
            &[
                ("action", "invite"),
                ("email", "cy@example.org"),
                ("role", "x"),
            ],
        )
        .await;
    assert_eq!(bad_role.status, 400);
    assert!(bad_role.body.contains("Please choose a role."));
    assert_eq!(role_of(&app, &project, "cy@example.org"), None);

    for i in 0..20 {
        let reply = invite(format!("person{i}@example.org")).await;
        assert_eq!(reply.status, 200, "invite {i}: {}", reply.body);
    }
    let refused = invite("person20@example.org".to_owned()).await;
    assert_eq!(refused.status, 429);
    assert!(
        refused.body.contains("20 invitations today"),
        "{}",
        refused.body
    );
    assert_eq!(role_of(&app, &project, "person20@example.org"), None);
    let n: i64 = members::table
        .filter(members::project_id.eq(project.id))
        .count()
        .get_result(&mut app.conn())
        .unwrap();
    assert_eq!(n, 21, "Bob and twenty invitees");
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Who {
    Owner,
    Manager,
    Member,
    ReadOnly,
    Stranger,
    Superuser,
    Anonymous,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Action {
    View,
    Rename,
    CreateKey,
    Invite,
    RemoveMember,
    RemoveProject,
}

#[actix_web::test]
async fn every_role_may_do_what_the_spec_says_and_nothing_more() {
    use Action::*;
    use Who::*;
    let app = App::start();
    let owner = app.user("owner1@example.org", PW);
    let manager = app.user("manager@example.org", PW);
    let member = app.user("member@example.org", PW);
    let readonly = app.user("readonly@example.org", PW);
    let target = app.user("target@example.org", PW);
    app.user("stranger@example.org", PW);
    app.superuser("root@example.org", PW);
    let mut browsers = Vec::new();
    for (who, email) in [
        (Owner, "owner1@example.org"),
        (Manager, "manager@example.org"),
        (Member, "member@example.org"),
        (ReadOnly, "readonly@example.org"),
        (Stranger, "stranger@example.org"),
        (Superuser, "root@example.org"),
    ] {
        browsers.push((who, logged_in(&app, email).await));
    }
    browsers.push((Anonymous, app.web()));

    // (action, [owner, manager, member, read-only, stranger, superuser, anonymous])
    let table: [(Action, [u16; 7]); 6] = [
        (View, [200, 200, 200, 200, 404, 200, 302]),
        (Rename, [200, 200, 200, 403, 404, 200, 302]),
        (CreateKey, [200, 200, 403, 403, 404, 200, 302]),
        (Invite, [200, 200, 403, 403, 404, 200, 302]),
        (RemoveMember, [200, 200, 403, 403, 404, 200, 302]),
        (RemoveProject, [302, 403, 403, 403, 404, 302, 302]),
    ];
    let mut n = 0;
    for (action, expected) in table {
        for ((who, web), status) in browsers.iter().zip(expected) {
            n += 1;
            let project = project_with_team(
                &app,
                &owner,
                &format!("P{n}"),
                &[
                    (&manager, "m"),
                    (&member, "w"),
                    (&readonly, "r"),
                    (&target, "w"),
                ],
            );
            let path = settings(&project);
            let invitee = format!("invitee{n}@example.org");
            let reply = match action {
                View => web.get(&path).await,
                Rename => {
                    web.post(&path, &[("action", "rename"), ("name", "Renamed")])
                        .await
                }
                CreateKey => {
                    web.post(&path, &[("action", "create_key"), ("key_type", "api_key")])
                        .await
                }
                Invite => {
                    web.post(
                        &path,
                        &[("action", "invite"), ("email", &invitee), ("role", "w")],
                    )
                    .await
                }
                RemoveMember => {
                    web.post(
                        &path,
                        &[("action", "remove_member"), ("email", "target@example.org")],
                    )
                    .await
                }
                RemoveProject => {
                    web.post(&format!("/projects/{}/remove/", project.code), &[])
                        .await
                }
            };
            assert_eq!(reply.status, status, "{who:?} {action:?}: {}", reply.body);
            if *who == Anonymous {
                assert!(location(&reply).starts_with("/accounts/login/"));
            }
            if status == 404 {
                assert!(reply.body.contains("Not found"), "the 404 page");
            }
            // The change happened exactly when it was allowed.
            let allowed = matches!(status, 200 | 302) && *who != Anonymous;
            let now = project_by_code(&app, &project.code);
            let changed = match action {
                View => allowed,
                Rename => now.as_ref().is_some_and(|p| p.name == "Renamed"),
                CreateKey => now.as_ref().is_some_and(|p| !p.api_key.is_empty()),
                Invite => role_of(&app, &project, &invitee).is_some(),
                RemoveMember => role_of(&app, &project, "target@example.org").is_none(),
                RemoveProject => now.is_none(),
            };
            assert_eq!(changed, allowed, "{who:?} {action:?}");
            if action == RemoveProject && allowed {
                assert_eq!(location(&reply), "/");
            }
        }
    }
}

#[actix_web::test]
async fn other_peoples_projects_and_malformed_codes_are_not_found() {
    let app = App::start();
    app.user("ann@example.org", PW);
    let web = logged_in(&app, "ann@example.org").await;
    let theirs = project_by_code(&app, &app.project.uuid).unwrap();

    let page = web.get(&settings(&theirs)).await;
    assert_eq!(page.status, 404);
    assert!(page.body.contains("Not found"), "{}", page.body);
    for path in [
        "/projects/not-a-uuid/settings/".to_owned(),
        format!("/projects/{}/settings/", "f".repeat(10_000)),
        "/projects/00000000-0000-0000-0000-000000000000/settings/".to_owned(),
    ] {
        assert_eq!(web.get(&path).await.status, 404, "{path:.40}");
    }
    let post = web
        .post(
            &settings(&theirs),
            &[("action", "rename"), ("name", "Mine")],
        )
        .await;
    assert_eq!(post.status, 404);
    let remove = web
        .post(&format!("/projects/{}/remove/", theirs.code), &[])
        .await;
    assert_eq!(remove.status, 404);
    assert_eq!(project_by_code(&app, &theirs.code).unwrap().name, "P");
}

#[actix_web::test]
async fn removal_says_what_goes_and_takes_it_all() {
    let app = App::start();
    let ann = app.user("ann@example.org", PW);
    let bob = app.user("bob@example.org", PW);
    let project = project_with_team(&app, &ann, "Doomed", &[(&bob, "w")]);
    let keep = first_project(&app, &ann);
    let now = hc_core::time::now().naive_utc();
    let mut conn = app.conn();
    for i in 0..2 {
        let check = Check {
            name: format!("c{i}"),
            ..Check::new(Some(project.id), now)
        };
        diesel::insert_into(checks::table)
            .values(&check)
            .execute(&mut conn)
            .unwrap();
    }
    let check_id: i64 = checks::table
        .filter(checks::project_id.eq(project.id))
        .select(checks::id)
        .first(&mut conn)
        .unwrap();
    for n in 1..=3 {
        diesel::insert_into(pings::table)
            .values((
                pings::check_id.eq(check_id),
                pings::n.eq(Some(n)),
                pings::created.eq(now),
                pings::kind.eq(None::<String>),
                pings::scheme.eq("http"),
                pings::method.eq("GET"),
                pings::ua.eq(""),
            ))
            .execute(&mut conn)
            .unwrap();
    }
    diesel::insert_into(flips::table)
        .values((
            flips::check_id.eq(check_id),
            flips::created.eq(now),
            flips::old_status.eq("new"),
            flips::new_status.eq("up"),
            flips::reason.eq(""),
        ))
        .execute(&mut conn)
        .unwrap();
    drop(conn);

    let web = logged_in(&app, "ann@example.org").await;
    let page = web.get(&settings(&project)).await;
    assert_eq!(page.status, 200);
    for words in [
        "2 checks, with their 3 pings and 1 status change,",
        "0 integrations,",
        "1 team membership ",
    ] {
        assert!(page.body.contains(words), "{words}: {}", page.body);
    }
    assert!(page
        .body
        .contains("data-confirm=\"Remove Doomed with its 2 checks"));

    // A member sees no danger zone; the owner's forged form is refused.
    let bob_web = logged_in(&app, "bob@example.org").await;
    assert!(!bob_web
        .get(&settings(&project))
        .await
        .body
        .contains("Remove project"));
    let forged = web
        .post_raw(
            &format!("/projects/{}/remove/", project.code),
            &[("csrfmiddlewaretoken", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")],
        )
        .await;
    assert_eq!(forged.status, 403);
    assert!(project_by_code(&app, &project.code).is_some());

    let removed = web
        .post(&format!("/projects/{}/remove/", project.code), &[])
        .await;
    assert_eq!(location(&removed), "/");
    assert!(project_by_code(&app, &project.code).is_none());
    let mut conn = app.conn();
    let left: (i64, i64, i64, i64) = (
        checks::table
            .filter(checks::project_id.eq(project.id))
            .count()
            .get_result(&mut conn)
            .unwrap(),
        pings::table
            .filter(pings::check_id.eq(check_id))
            .count()
            .get_result(&mut conn)
            .unwrap(),
        flips::table
            .filter(flips::check_id.eq(check_id))
            .count()
            .get_result(&mut conn)
            .unwrap(),
        members::table
            .filter(members::project_id.eq(project.id))
            .count()
            .get_result(&mut conn)
            .unwrap(),
    );
    assert_eq!(left, (0, 0, 0, 0));
    assert!(
        project_by_code(&app, &keep.code).is_some(),
        "other projects stay"
    );
    assert!(!web.get("/").await.body.contains("Doomed"));
    assert_eq!(bob_web.get(&settings(&project)).await.status, 404);
}

#[actix_web::test]
async fn forged_forms_change_nothing() {
    let app = App::start();
    let ann = app.user("ann@example.org", PW);
    let project = first_project(&app, &ann);
    let web = logged_in(&app, "ann@example.org").await;
    let forged = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";

    for (path, fields) in [
        (
            settings(&project),
            vec![("action", "rename"), ("name", "Hacked")],
        ),
        (
            settings(&project),
            vec![("action", "create_key"), ("key_type", "api_key")],
        ),
        (
            settings(&project),
            vec![
                ("action", "invite"),
                ("email", "eve@example.org"),
                ("role", "m"),
            ],
        ),
        ("/projects/add/".to_owned(), vec![("name", "Hacked")]),
    ] {
        let mut all = vec![("csrfmiddlewaretoken", forged)];
        all.extend(fields);
        let reply = web.post_raw(&path, &all).await;
        assert_eq!(reply.status, 403, "{path}");
        assert!(reply.body.contains("The form expired"));
    }
    let now = project_by_code(&app, &project.code).unwrap();
    assert!(now.name.is_empty() && now.api_key.is_empty());
    assert_eq!(role_of(&app, &project, "eve@example.org"), None);
    let hacked: i64 = projects::table
        .filter(projects::name.eq("Hacked"))
        .count()
        .get_result(&mut app.conn())
        .unwrap();
    assert_eq!(hacked, 0);
}

#[actix_web::test]
async fn owners_cannot_leave_and_removing_a_stranger_is_refused() {
    let app = App::start();
    let ann = app.user("ann@example.org", PW);
    app.user("zed@example.org", PW);
    let project = first_project(&app, &ann);
    let web = logged_in(&app, "ann@example.org").await;

    let leave = web.post(&settings(&project), &[("action", "leave")]).await;
    assert_eq!(leave.status, 400);
    assert!(project_by_code(&app, &project.code).is_some());

    let remove = web
        .post(
            &settings(&project),
            &[("action", "remove_member"), ("email", "zed@example.org")],
        )
        .await;
    assert_eq!(remove.status, 400);
    assert!(remove.body.contains("not a member"));

    let unknown = web
        .post(&settings(&project), &[("action", "explode")])
        .await;
    assert_eq!(unknown.status, 400);
}
