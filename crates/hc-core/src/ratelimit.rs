//! Token buckets in the database (healthchecks' `TokenBucket`), shared by every
//! daemon: at most `capacity` uses per `period` for one key, e.g. six Pushover
//! messages a minute to one user, as the providers ask.

use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use diesel::prelude::*;
use sha1::{Digest, Sha1};

use crate::db::DbConn;
use crate::schema::token_buckets;

/// Takes one use for `key` at `now`; false when the bucket is empty.
pub fn authorize(
    conn: &mut DbConn,
    key: &str,
    capacity: u32,
    period: Duration,
    now: DateTime<Utc>,
) -> QueryResult<bool> {
    // Keys may be user keys or chat ids: only their hash is stored.
    let value = hex::encode(Sha1::digest(key.as_bytes()));
    conn.write_tx(|conn| {
        // Make sure the bucket exists before locking it: daemons racing to send
        // to a new destination would otherwise all find no row and all insert,
        // and all but one would fail on the unique index. A full bucket is what
        // a missing one means; on MySQL the no-op update takes the row's
        // exclusive lock at once, where INSERT IGNORE's shared lock would
        // deadlock two waiters upgrading it.
        macro_rules! full_bucket {
            () => {
                diesel::insert_into(token_buckets::table).values((
                    token_buckets::value.eq(&value),
                    token_buckets::tokens.eq(1.0),
                    token_buckets::updated.eq(now.naive_utc()),
                ))
            };
        }
        macro_rules! bucket {
            () => {
                token_buckets::table
                    .filter(token_buckets::value.eq(&value))
                    .select((token_buckets::tokens, token_buckets::updated))
            };
        }
        let (tokens, updated): (f64, NaiveDateTime) = match conn {
            DbConn::Sqlite(c) => {
                full_bucket!().on_conflict_do_nothing().execute(c)?;
                bucket!().first(c)?
            }
            DbConn::Postgres(c) => {
                full_bucket!().on_conflict_do_nothing().execute(c)?;
                bucket!().for_update().first(c)?
            }
            DbConn::Mysql(c) => {
                full_bucket!()
                    .on_conflict(diesel::dsl::DuplicatedKeys)
                    .do_update()
                    .set(token_buckets::value.eq(&value))
                    .execute(c)?;
                bucket!().for_update().first(c)?
            }
        };
        let elapsed = (now.naive_utc() - updated).num_milliseconds().max(0) as f64;
        let refill = elapsed / period.num_milliseconds().max(1) as f64;
        let tokens = (tokens + refill).min(1.0);
        let cost = 1.0 / f64::from(capacity.max(1));
        // A little slack for floating-point sums of many small refills.
        let allowed = tokens + 1e-9 >= cost;
        let left = if allowed { tokens - cost } else { tokens };
        diesel::update(token_buckets::table.filter(token_buckets::value.eq(&value)))
            .set((
                token_buckets::tokens.eq(left),
                token_buckets::updated.eq(now.naive_utc()),
            ))
            .execute(conn)?;
        Ok(allowed)
    })
}
