//! PostgreSQL's batch statements: a batch's check updates, and its pings, each in one
//! statement whose text does not depend on the batch's size. The rows travel as
//! arrays, one per column, which `unnest` turns back into rows; so each connection
//! parses and plans each statement once, where a `VALUES` list as long as the batch
//! (and diesel's multi-row INSERT) was parsed and planned again for every batch.

use chrono::NaiveDateTime;
use diesel::pg::Pg;
use diesel::query_builder::{AstPass, QueryFragment, QueryId};
use diesel::sql_types::{Array, BigInt, Binary, Bool, Integer, Nullable, Text, Timestamp};
use diesel::QueryResult;
use hc_core::models::{Check, Ping};

/// Binds one array per column, separated by commas.
macro_rules! bind_columns {
    ($out:ident, $($sql_type:ty => $values:expr),+ $(,)?) => {{
        let mut first = true;
        $(
            if !std::mem::take(&mut first) {
                $out.push_sql(", ");
            }
            $out.push_bind_param::<$sql_type, _>($values)?;
        )+
    }};
}

/// Writes back the columns a ping changes, for every check of a batch.
pub struct UpdateChecks<'a> {
    id: Vec<i64>,
    status: Vec<&'a str>,
    last_ping: Vec<Option<NaiveDateTime>>,
    last_start: Vec<Option<NaiveDateTime>>,
    last_start_rid: Vec<Option<&'a str>>,
    last_duration: Vec<Option<i64>>,
    has_confirmation_link: Vec<bool>,
    alert_after: Vec<Option<NaiveDateTime>>,
    n_pings: Vec<i64>,
}

impl<'a> UpdateChecks<'a> {
    pub fn of(checks: &[&'a Check]) -> Self {
        UpdateChecks {
            id: checks.iter().map(|c| c.id).collect(),
            status: checks.iter().map(|c| c.status.as_str()).collect(),
            last_ping: checks.iter().map(|c| c.last_ping).collect(),
            last_start: checks.iter().map(|c| c.last_start).collect(),
            last_start_rid: checks.iter().map(|c| c.last_start_rid.as_deref()).collect(),
            last_duration: checks.iter().map(|c| c.last_duration).collect(),
            has_confirmation_link: checks.iter().map(|c| c.has_confirmation_link).collect(),
            alert_after: checks.iter().map(|c| c.alert_after).collect(),
            n_pings: checks.iter().map(|c| c.n_pings).collect(),
        }
    }
}

impl QueryFragment<Pg> for UpdateChecks<'_> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        out.push_sql(
            "UPDATE checks SET status = v.status, last_ping = v.last_ping, \
             last_start = v.last_start, last_start_rid = v.last_start_rid, \
             last_duration = v.last_duration, \
             has_confirmation_link = v.has_confirmation_link, \
             alert_after = v.alert_after, n_pings = v.n_pings FROM unnest(",
        );
        bind_columns!(
            out,
            Array<BigInt> => &self.id,
            Array<Text> => &self.status,
            Array<Nullable<Timestamp>> => &self.last_ping,
            Array<Nullable<Timestamp>> => &self.last_start,
            Array<Nullable<Text>> => &self.last_start_rid,
            Array<Nullable<BigInt>> => &self.last_duration,
            Array<Bool> => &self.has_confirmation_link,
            Array<Nullable<Timestamp>> => &self.alert_after,
            Array<BigInt> => &self.n_pings,
        );
        out.push_sql(
            ") AS v(id, status, last_ping, last_start, last_start_rid, last_duration, \
             has_confirmation_link, alert_after, n_pings) WHERE checks.id = v.id",
        );
        Ok(())
    }
}

/// Inserts a batch's pings.
pub struct InsertPings<'a> {
    check_id: Vec<i64>,
    n: Vec<Option<i64>>,
    created: Vec<NaiveDateTime>,
    kind: Vec<Option<&'a str>>,
    scheme: Vec<&'a str>,
    remote_addr: Vec<Option<&'a str>>,
    method: Vec<&'a str>,
    ua: Vec<&'a str>,
    body: Vec<Option<&'a [u8]>>,
    exitstatus: Vec<Option<i32>>,
    rid: Vec<Option<&'a str>>,
}

impl<'a> InsertPings<'a> {
    pub fn of(pings: &'a [Ping]) -> Self {
        InsertPings {
            check_id: pings.iter().map(|p| p.check_id).collect(),
            n: pings.iter().map(|p| p.n).collect(),
            created: pings.iter().map(|p| p.created).collect(),
            kind: pings.iter().map(|p| p.kind.as_deref()).collect(),
            scheme: pings.iter().map(|p| p.scheme.as_str()).collect(),
            remote_addr: pings.iter().map(|p| p.remote_addr.as_deref()).collect(),
            method: pings.iter().map(|p| p.method.as_str()).collect(),
            ua: pings.iter().map(|p| p.ua.as_str()).collect(),
            body: pings.iter().map(|p| p.body.as_deref()).collect(),
            exitstatus: pings.iter().map(|p| p.exitstatus).collect(),
            rid: pings.iter().map(|p| p.rid.as_deref()).collect(),
        }
    }
}

impl QueryFragment<Pg> for InsertPings<'_> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        out.push_sql(
            "INSERT INTO pings (check_id, n, created, kind, scheme, remote_addr, method, \
             ua, body, exitstatus, rid) SELECT * FROM unnest(",
        );
        bind_columns!(
            out,
            Array<BigInt> => &self.check_id,
            Array<Nullable<BigInt>> => &self.n,
            Array<Timestamp> => &self.created,
            Array<Nullable<Text>> => &self.kind,
            Array<Text> => &self.scheme,
            Array<Nullable<Text>> => &self.remote_addr,
            Array<Text> => &self.method,
            Array<Text> => &self.ua,
            Array<Nullable<Binary>> => &self.body,
            Array<Nullable<Integer>> => &self.exitstatus,
            Array<Nullable<Text>> => &self.rid,
        );
        out.push_sql(")");
        Ok(())
    }
}

/// Both statements are cached by their SQL text, which is constant.
macro_rules! cached_by_text {
    ($($statement:ident),*) => {$(
        impl QueryId for $statement<'_> {
            type QueryId = ();
            const HAS_STATIC_QUERY_ID: bool = false;
        }

        impl diesel::RunQueryDsl<diesel::PgConnection> for $statement<'_> {}
    )*};
}

cached_by_text!(UpdateChecks, InsertPings);

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::sync::{Arc, Mutex};

    use diesel::connection::InstrumentationEvent;
    use diesel::prelude::*;
    use diesel::RunQueryDsl;
    use hc_core::config::Backend;
    use hc_core::db::DbConn;
    use hc_core::models::{Check, Ping};
    use hc_core::schema::{checks, pings, projects};

    use super::{InsertPings, UpdateChecks};

    fn ping(check_id: i64, n: i64, body: Option<&[u8]>, rid: Option<&str>) -> Ping {
        Ping {
            id: 0,
            check_id,
            n: Some(n),
            created: chrono::DateTime::from_timestamp(1_700_000_000 + n, 0)
                .unwrap()
                .naive_utc(),
            kind: (n % 2 == 0).then(|| "start".to_owned()),
            scheme: "http".to_owned(),
            remote_addr: Some("192.0.2.7".to_owned()),
            method: "POST".to_owned(),
            ua: format!("agent {n}"),
            body: body.map(<[u8]>::to_vec),
            exitstatus: (n == 3).then_some(255),
            rid: rid.map(str::to_owned),
        }
    }

    #[test]
    fn batches_of_any_size_run_one_prepared_statement_each_and_store_every_value() {
        let db = hc_test::TestDb::on(Backend::Postgres);
        let pool = db.migrated_pool();
        let mut conn = pool.get().unwrap();
        let project =
            hc_core::accounts::create_project(&mut conn, "o@example.org", "p", "s").unwrap();
        let project_id: i64 = projects::table
            .filter(projects::code.eq(&project.uuid))
            .select(projects::id)
            .first(&mut *conn)
            .unwrap();
        // Whole seconds: the database keeps microseconds.
        let now = chrono::DateTime::from_timestamp(1_700_000_000, 0)
            .unwrap()
            .naive_utc();
        let mut made = Vec::new();
        for _ in 0..3 {
            let new = Check::new(Some(project_id), now);
            diesel::insert_into(checks::table)
                .values(&new)
                .execute(&mut *conn)
                .unwrap();
            made.push(
                checks::table
                    .filter(checks::code.eq(&new.code))
                    .select(Check::as_select())
                    .first(&mut *conn)
                    .unwrap(),
            );
        }
        let DbConn::Postgres(c) = &mut *conn else {
            panic!("a PostgreSQL test database")
        };
        let cached = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&cached);
        c.set_instrumentation(move |event: InstrumentationEvent<'_>| {
            if let InstrumentationEvent::CacheQuery { sql, .. } = event {
                sink.lock().unwrap().push(sql.to_owned());
            }
        });

        // Checks: a batch of one, then of three with every column changed.
        let mut first = made[0].clone();
        first.n_pings = 1;
        UpdateChecks::of(&[&first]).execute(c).unwrap();
        for (i, check) in made.iter_mut().enumerate() {
            let i = i64::try_from(i).unwrap();
            check.status = "up".to_owned();
            check.last_ping = Some(now + chrono::Duration::seconds(i));
            check.last_start = (i == 1).then_some(now);
            check.last_start_rid = (i == 1).then(|| "a-rid".to_owned());
            check.last_duration = (i == 2).then_some(42);
            check.has_confirmation_link = i == 0;
            check.alert_after = Some(now + chrono::Duration::hours(i + 1));
            check.n_pings = 10 + i;
        }
        let refs: Vec<&Check> = made.iter().collect();
        assert_eq!(UpdateChecks::of(&refs).execute(c).unwrap(), 3);
        let stored: Vec<Check> = checks::table
            .filter(checks::project_id.eq(project_id))
            .order(checks::id)
            .select(Check::as_select())
            .load(c)
            .unwrap();
        assert_eq!(stored, made);

        // Pings: bodies that are not UTF-8, empty or absent, and NULLs in every
        // nullable column.
        let id = made[0].id;
        let one = [ping(id, 1, Some(b"ok"), None)];
        InsertPings::of(&one).execute(c).unwrap();
        let three = [
            ping(id, 2, Some(&[0xff, 0x00, 0xfe]), Some("rid-2")),
            ping(id, 3, Some(b""), None),
            Ping {
                remote_addr: None,
                n: None,
                ..ping(id, 4, None, None)
            },
        ];
        assert_eq!(InsertPings::of(&three).execute(c).unwrap(), 3);
        let rows: Vec<Ping> = pings::table
            .filter(pings::check_id.eq(id))
            .order(pings::id)
            .select(Ping::as_select())
            .load(c)
            .unwrap();
        let rows: Vec<Ping> = rows.into_iter().map(|p| Ping { id: 0, ..p }).collect();
        let expected: Vec<Ping> = one.into_iter().chain(three).collect();
        assert_eq!(rows, expected);

        let cached = cached.lock().unwrap();
        let count = |prefix: &str| cached.iter().filter(|s| s.starts_with(prefix)).count();
        assert_eq!(
            (count("UPDATE checks"), count("INSERT INTO pings")),
            (1, 1),
            "{cached:?}"
        );
    }
}
