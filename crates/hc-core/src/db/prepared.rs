//! Statements that diesel keeps prepared where its own would not be.
//!
//! diesel parses again, on every run, every UPDATE, any statement with raw SQL in
//! it (its `sql()` fragments) and any `IN (?, ?, ...)` list, because such
//! statements may come in unboundedly many shapes. On the ping receiver's hot path,
//! parsing was a sixth of the SQLite writer's time. The statements here take few
//! shapes, so diesel's cache may keep them.

use diesel::backend::Backend;
use diesel::expression::{is_aggregate, AppearsOnTable, Expression, ValidGrouping};
use diesel::query_builder::{AsChangeset, AstPass, QueryFragment, QueryId};
use diesel::query_source::QuerySource;
use diesel::sql_types::{Bool, Text};
use diesel::sqlite::Sqlite;
use diesel::QueryResult;

/// SQLite's `column IN (SELECT value FROM json_each(?))`, with the values bound as
/// one JSON array: one statement whatever the number of values.
#[derive(Debug, Clone, QueryId)]
pub struct InJsonArray<C> {
    column: C,
    json: String,
}

impl<C> InJsonArray<C> {
    /// `values` are bound as a JSON array of strings.
    pub fn new<S: serde::Serialize>(column: C, values: &[S]) -> QueryResult<Self> {
        let json = serde_json::to_string(values)
            .map_err(|e| diesel::result::Error::SerializationError(Box::new(e)))?;
        Ok(InJsonArray { column, json })
    }
}

impl<C: Expression> Expression for InJsonArray<C> {
    type SqlType = Bool;
}

impl<C, QS> AppearsOnTable<QS> for InJsonArray<C> where C: AppearsOnTable<QS> {}

impl<C, GB> ValidGrouping<GB> for InJsonArray<C> {
    type IsAggregate = is_aggregate::Never;
}

impl<C: QueryFragment<Sqlite>> QueryFragment<Sqlite> for InJsonArray<C> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Sqlite>) -> QueryResult<()> {
        self.column.walk_ast(out.reborrow())?;
        out.push_sql(" IN (SELECT value FROM json_each(");
        out.push_bind_param::<Text, _>(&self.json)?;
        out.push_sql("))");
        Ok(())
    }
}

/// `UPDATE table SET changes WHERE filter`, kept prepared per distinct SQL text.
///
/// diesel's own UPDATE is never cached, because a changeset that skips `None`
/// fields changes the statement's text from one run to the next. This one is cached
/// by its text, so each shape gets its own prepared statement: use it where the
/// shapes are few (a fixed changeset, or one with a couple of variants).
pub struct UpdateWhere<T: QuerySource, V, F> {
    from_clause: T::FromClause,
    changes: V,
    filter: F,
}

impl<T: QuerySource, V, F> UpdateWhere<T, V, F> {
    pub fn new<C>(table: T, changes: C, filter: F) -> Self
    where
        C: AsChangeset<Target = T, Changeset = V>,
    {
        UpdateWhere {
            from_clause: table.from_clause(),
            changes: changes.as_changeset(),
            filter,
        }
    }
}

impl<T: QuerySource, V, F> QueryId for UpdateWhere<T, V, F> {
    // No static id: the cache is keyed by the SQL text, so two shapes never share
    // a prepared statement.
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<T, V, F, DB> QueryFragment<DB> for UpdateWhere<T, V, F>
where
    T: QuerySource,
    T::FromClause: QueryFragment<DB>,
    V: QueryFragment<DB>,
    F: QueryFragment<DB>,
    DB: Backend,
{
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, DB>) -> QueryResult<()> {
        out.push_sql("UPDATE ");
        self.from_clause.walk_ast(out.reborrow())?;
        out.push_sql(" SET ");
        self.changes.walk_ast(out.reborrow())?;
        out.push_sql(" WHERE ");
        self.filter.walk_ast(out.reborrow())?;
        Ok(())
    }
}

impl<T: QuerySource, V, F, Conn> diesel::RunQueryDsl<Conn> for UpdateWhere<T, V, F> {}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::sync::{Arc, Mutex};

    use diesel::connection::{InstrumentationEvent, SimpleConnection};
    use diesel::prelude::*;

    use super::{InJsonArray, UpdateWhere};

    diesel::table! {
        things (id) {
            id -> BigInt,
            code -> Text,
        }
    }

    /// The SQL of every statement the connection prepared and kept, in order.
    fn record_caching(conn: &mut SqliteConnection) -> Arc<Mutex<Vec<String>>> {
        let cached = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&cached);
        conn.set_instrumentation(move |event: InstrumentationEvent<'_>| {
            if let InstrumentationEvent::CacheQuery { sql, .. } = event {
                sink.lock().unwrap().push(sql.to_owned());
            }
        });
        cached
    }

    fn things() -> SqliteConnection {
        let mut conn = SqliteConnection::establish(":memory:").unwrap();
        conn.batch_execute(
            "CREATE TABLE things (id INTEGER PRIMARY KEY, code TEXT NOT NULL);
             INSERT INTO things VALUES (1, 'a'), (2, 'b'), (3, 'c\"d');",
        )
        .unwrap();
        conn
    }

    #[test]
    fn one_prepared_statement_serves_any_number_of_values() {
        let mut conn = things();
        let cached = record_caching(&mut conn);
        let cases: [(&[&str], &[i64]); 4] = [
            (&["a"], &[1]),
            (&["a", "b", "zz"], &[1, 2]),
            (&["c\"d"], &[3]),
            (&[], &[]),
        ];
        for (codes, expected) in cases {
            let ids: Vec<i64> = things::table
                .filter(InJsonArray::new(things::code, codes).unwrap())
                .order(things::id)
                .select(things::id)
                .load(&mut conn)
                .unwrap();
            assert_eq!(ids, expected, "{codes:?}");
        }
        assert_eq!(
            cached.lock().unwrap().len(),
            1,
            "{:?}",
            cached.lock().unwrap()
        );
    }

    #[test]
    fn an_update_is_prepared_once_per_shape_and_writes_each_runs_values() {
        let mut conn = things();
        let cached = record_caching(&mut conn);
        for (id, code) in [(1_i64, "x"), (2, "y"), (1, "z")] {
            UpdateWhere::new(things::table, things::code.eq(code), things::id.eq(id))
                .execute(&mut conn)
                .unwrap();
        }
        // Another shape gets a statement of its own.
        UpdateWhere::new(
            things::table,
            things::code.eq(things::code.concat("!")),
            things::id.eq(3),
        )
        .execute(&mut conn)
        .unwrap();

        let rows: Vec<(i64, String)> = things::table.order(things::id).load(&mut conn).unwrap();
        assert_eq!(
            rows,
            [
                (1, "z".to_owned()),
                (2, "y".to_owned()),
                (3, "c\"d!".to_owned())
            ]
        );
        let cached = cached.lock().unwrap();
        let updates: Vec<&String> = cached.iter().filter(|s| s.starts_with("UPDATE")).collect();
        assert_eq!(updates.len(), 2, "{cached:?}");
        assert_ne!(updates[0], updates[1]);
    }

    #[test]
    fn diesel_alone_would_parse_every_update_and_in_list_anew() {
        // Why these statements exist: if diesel ever caches these itself, they can go.
        let mut conn = things();
        let cached = record_caching(&mut conn);
        for code in ["x", "y"] {
            diesel::update(things::table.find(1))
                .set(things::code.eq(code))
                .execute(&mut conn)
                .unwrap();
        }
        for codes in [vec!["a"], vec!["a", "b"]] {
            things::table
                .filter(things::code.eq_any(codes))
                .select(things::id)
                .load::<i64>(&mut conn)
                .unwrap();
        }
        assert!(cached.lock().unwrap().is_empty());
    }
}
