//! Every table round-trips through the shared schema on this backend: what is
//! written is read back identical (timestamps to the microsecond, bytes exactly).

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;
use hc_core::accounts::{self, NewUser};
use hc_core::models::*;
use hc_core::schema::*;
use hc_core::{keys, time};

fn t(offset_us: i64) -> NaiveDateTime {
    time::now().naive_utc() + Duration::microseconds(offset_us)
}

#[test]
fn every_model_round_trips() {
    let (_db, pool) = super::migrated();
    let conn = &mut pool.get().unwrap();
    let user = accounts::create_user(
        conn,
        &NewUser {
            email: "r@example.org",
            with_first_project: true,
            ..NewUser::default()
        },
    )
    .unwrap();
    let project: Project = projects::table
        .select(Project::as_select())
        .first(conn)
        .unwrap();

    let mut check = Check {
        name: "Backup ✓ «nightly»".into(),
        slug: "backup-nightly".into(),
        tags: "prod db".into(),
        description: "x".repeat(70_000),
        kind: "cron".into(),
        schedule: "*/5 * * * *".into(),
        tz: "Europe/Riga".into(),
        filter_http_body: true,
        success_kw: "OK,done".into(),
        methods: "POST".into(),
        manual_resume: true,
        n_pings: 12_345_678_901,
        last_ping: Some(t(-5)),
        last_start: Some(t(-3)),
        last_start_rid: Some(keys::new_uuid()),
        last_duration: Some(1_234_567),
        alert_after: Some(t(1_000_000)),
        status: "up".into(),
        ..Check::new(Some(project.id), t(-10))
    };
    diesel::insert_into(checks::table)
        .values(&check)
        .execute(conn)
        .unwrap();
    let read: Check = checks::table
        .filter(checks::code.eq(&check.code))
        .select(Check::as_select())
        .first(conn)
        .unwrap();
    check.id = read.id;
    assert_eq!(read, check);

    let body: Vec<u8> = (0..=255u8).chain([0xff, 0xfe, 0x00]).collect();
    let ping = Ping {
        id: 0,
        check_id: check.id,
        n: Some(7),
        created: t(0),
        kind: Some("fail".into()),
        scheme: "https".into(),
        remote_addr: Some("2001:db8::1".into()),
        method: "POST".into(),
        ua: "curl/8.0".into(),
        body: Some(body.clone()),
        exitstatus: Some(255),
        rid: Some(keys::new_uuid()),
    };
    diesel::insert_into(pings::table)
        .values(&ping)
        .execute(conn)
        .unwrap();
    let read: Ping = pings::table.select(Ping::as_select()).first(conn).unwrap();
    assert_eq!(
        Ping {
            id: 0,
            ..read.clone()
        },
        ping
    );
    assert_eq!(read.body.as_deref(), Some(body.as_slice()));

    let flip = Flip {
        id: 0,
        check_id: check.id,
        created: t(1),
        processed: None,
        old_status: "up".into(),
        new_status: "down".into(),
        reason: "timeout".into(),
    };
    diesel::insert_into(flips::table)
        .values(&flip)
        .execute(conn)
        .unwrap();
    let read_flip: Flip = flips::table.select(Flip::as_select()).first(conn).unwrap();
    assert_eq!(
        Flip {
            id: 0,
            ..read_flip.clone()
        },
        flip
    );

    let channel: Channel = channels::table
        .select(Channel::as_select())
        .first(conn)
        .unwrap();
    let notification = Notification {
        id: 0,
        code: keys::new_uuid(),
        check_id: Some(check.id),
        channel_id: channel.id,
        flip_id: Some(read_flip.id),
        check_status: "down".into(),
        created: t(2),
        status: "pending".into(),
        attempts: 2,
        next_attempt: Some(t(3)),
        claimed_until: None,
        error: String::new(),
    };
    diesel::insert_into(notifications::table)
        .values(&notification)
        .execute(conn)
        .unwrap();
    let read: Notification = notifications::table
        .select(Notification::as_select())
        .first(conn)
        .unwrap();
    assert_eq!(Notification { id: 0, ..read }, notification);
    // One notification per flip and channel: a second is refused by the database.
    let again = Notification {
        code: keys::new_uuid(),
        ..notification.clone()
    };
    assert!(diesel::insert_into(notifications::table)
        .values(&again)
        .execute(conn)
        .is_err());

    let email = Email {
        id: 0,
        code: keys::new_uuid(),
        from_email: "hc@example.org".into(),
        to_email: "r@example.org".into(),
        subject: "DOWN | Backup".into(),
        body_text: "text".into(),
        body_html: "<p>html</p>".into(),
        headers: "{}".into(),
        status: "sent".into(),
        attempts: 1,
        next_attempt: None,
        error: String::new(),
        created: t(4),
        sent: Some(t(5)),
    };
    diesel::insert_into(emails::table)
        .values(&email)
        .execute(conn)
        .unwrap();
    let read: Email = emails::table
        .select(Email::as_select())
        .first(conn)
        .unwrap();
    assert_eq!(Email { id: 0, ..read }, email);

    let token = LoginToken {
        id: 0,
        user_id: user.id,
        token_hash: "h".repeat(64),
        purpose: "login".into(),
        created: t(6),
        expires: t(3_600_000_000),
        used: None,
    };
    diesel::insert_into(login_tokens::table)
        .values(&token)
        .execute(conn)
        .unwrap();
    let read: LoginToken = login_tokens::table
        .select(LoginToken::as_select())
        .first(conn)
        .unwrap();
    assert_eq!(LoginToken { id: 0, ..read }, token);

    let bucket = TokenBucket {
        id: 0,
        value: "auth-ip-127.0.0.1".into(),
        tokens: 0.95,
        updated: t(7),
    };
    diesel::insert_into(token_buckets::table)
        .values(&bucket)
        .execute(conn)
        .unwrap();
    let read: TokenBucket = token_buckets::table
        .select(TokenBucket::as_select())
        .first(conn)
        .unwrap();
    assert_eq!(TokenBucket { id: 0, ..read }, bucket);

    let member_user = accounts::create_user(
        conn,
        &NewUser {
            email: "m@example.org",
            ..NewUser::default()
        },
    )
    .unwrap();
    let member = Member {
        id: 0,
        user_id: member_user.id,
        project_id: project.id,
        role: Role::Manager.code().into(),
        transfer_request_date: Some(t(8)),
    };
    diesel::insert_into(members::table)
        .values(&member)
        .execute(conn)
        .unwrap();
    let read: Member = members::table
        .select(Member::as_select())
        .first(conn)
        .unwrap();
    assert_eq!(Member { id: 0, ..read }, member);

    let session = Session {
        id: 0,
        key_hash: "0".repeat(64),
        user_id: Some(user.id),
        created: t(9),
        last_seen: t(10),
        expires: t(11),
        data: "{}".into(),
    };
    diesel::insert_into(sessions::table)
        .values(&session)
        .execute(conn)
        .unwrap();
    let read: Session = sessions::table
        .select(Session::as_select())
        .first(conn)
        .unwrap();
    assert_eq!(Session { id: 0, ..read }, session);

    // Deleting the user removes everything that belonged to them.
    diesel::delete(users::table.find(user.id))
        .execute(conn)
        .unwrap();
    for (table, n) in [
        (
            "projects",
            projects::table.count().get_result::<i64>(conn).unwrap(),
        ),
        (
            "checks",
            checks::table.count().get_result::<i64>(conn).unwrap(),
        ),
        (
            "pings",
            pings::table.count().get_result::<i64>(conn).unwrap(),
        ),
        (
            "flips",
            flips::table.count().get_result::<i64>(conn).unwrap(),
        ),
        (
            "channels",
            channels::table.count().get_result::<i64>(conn).unwrap(),
        ),
        (
            "notifications",
            notifications::table
                .count()
                .get_result::<i64>(conn)
                .unwrap(),
        ),
        (
            "members",
            members::table.count().get_result::<i64>(conn).unwrap(),
        ),
        (
            "login_tokens",
            login_tokens::table.count().get_result::<i64>(conn).unwrap(),
        ),
        (
            "sessions",
            sessions::table.count().get_result::<i64>(conn).unwrap(),
        ),
    ] {
        assert_eq!(n, 0, "{table} left behind");
    }
    assert_eq!(
        profiles::table.count().get_result::<i64>(conn).unwrap(),
        1,
        "the other user's profile stays"
    );
}

#[test]
fn concurrent_write_transactions_lose_no_update() {
    let (_db, pool) = super::migrated();
    let mut conn = pool.get().unwrap();
    let check = Check::new(None, t(0));
    diesel::insert_into(checks::table)
        .values(&check)
        .execute(&mut conn)
        .unwrap();
    drop(conn);
    let (threads, per_thread) = (4, 25);
    std::thread::scope(|s| {
        for _ in 0..threads {
            let pool = pool.clone();
            let code = check.code.clone();
            s.spawn(move || {
                let mut conn = pool.get().unwrap();
                for _ in 0..per_thread {
                    conn.write_tx(|c| -> QueryResult<()> {
                        // The ping receiver's pattern: bump the counter first (which
                        // locks the row, or the database on SQLite), then read it back
                        // to number the ping.
                        let target = checks::table.filter(checks::code.eq(&code));
                        diesel::update(target)
                            .set(checks::n_pings.eq(checks::n_pings + 1))
                            .execute(c)?;
                        let (id, n): (i64, i64) =
                            target.select((checks::id, checks::n_pings)).first(c)?;
                        let ping = Ping {
                            id: 0,
                            check_id: id,
                            n: Some(n),
                            created: t(0),
                            kind: None,
                            scheme: "http".into(),
                            remote_addr: None,
                            method: "GET".into(),
                            ua: String::new(),
                            body: None,
                            exitstatus: None,
                            rid: None,
                        };
                        diesel::insert_into(pings::table).values(&ping).execute(c)?;
                        Ok(())
                    })
                    .unwrap();
                }
            });
        }
    });
    let mut conn = pool.get().unwrap();
    let n: i64 = checks::table
        .select(checks::n_pings)
        .first(&mut conn)
        .unwrap();
    assert_eq!(n, threads * per_thread);
    let mut numbers: Vec<Option<i64>> = pings::table.select(pings::n).load(&mut conn).unwrap();
    numbers.sort();
    let expected: Vec<Option<i64>> = (1..=n).map(Some).collect();
    assert_eq!(numbers, expected, "every ping got its own number");
}
