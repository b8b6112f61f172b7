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
        macro_rules! bucket {
            () => {
                token_buckets::table
                    .filter(token_buckets::value.eq(&value))
                    .select((token_buckets::tokens, token_buckets::updated))
            };
        }
        let found: Option<(f64, NaiveDateTime)> = match conn {
            DbConn::Sqlite(c) => bucket!().first(c).optional()?,
            DbConn::Postgres(c) => bucket!().for_update().first(c).optional()?,
            DbConn::Mysql(c) => bucket!().for_update().first(c).optional()?,
        };
        let (tokens, exists) = match found {
            Some((tokens, updated)) => {
                let elapsed = (now.naive_utc() - updated).num_milliseconds().max(0) as f64;
                let refill = elapsed / period.num_milliseconds().max(1) as f64;
                ((tokens + refill).min(1.0), true)
            }
            None => (1.0, false),
        };
        let cost = 1.0 / f64::from(capacity.max(1));
        // A little slack for floating-point sums of many small refills.
        let allowed = tokens + 1e-9 >= cost;
        let left = if allowed { tokens - cost } else { tokens };
        if exists {
            diesel::update(token_buckets::table.filter(token_buckets::value.eq(&value)))
                .set((
                    token_buckets::tokens.eq(left),
                    token_buckets::updated.eq(now.naive_utc()),
                ))
                .execute(conn)?;
        } else {
            diesel::insert_into(token_buckets::table)
                .values((
                    token_buckets::value.eq(&value),
                    token_buckets::tokens.eq(left),
                    token_buckets::updated.eq(now.naive_utc()),
                ))
                .execute(conn)?;
        }
        Ok(allowed)
    })
}
