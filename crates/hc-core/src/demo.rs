//! The Welcome page's demo check: made for an anonymous visitor (no project yet),
//! remembered in their session, and moved into their first project when they sign
//! up or log in, so the check they already pinged is the one they keep. Unclaimed
//! demo checks are what `hc-admin prunechecks` removes after two hours.

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use crate::checks;
use crate::db::DbConn;
use crate::models::Check;
use crate::schema::{checks as checks_table, projects};
use crate::Result;

/// The session data key that holds the demo check's UUID.
pub const SESSION_KEY: &str = "welcome_code";

/// A new demo check, pinged and shown before its visitor has an account.
pub fn create(conn: &mut DbConn, now: DateTime<Utc>) -> Result<Check> {
    Ok(checks::insert(conn, &Check::new(None, now.naive_utc()))?)
}

/// The demo check named in a session's data, if it still exists and is unclaimed.
pub fn of_session(conn: &mut DbConn, data: &str) -> Result<Option<Check>> {
    let Some(code) = code_in(data) else {
        return Ok(None);
    };
    Ok(checks::find(conn, &code)?.filter(|c| c.project_id.is_none()))
}

/// The session data that remembers `code`, keeping whatever else it holds.
pub fn remember(data: &str, code: &str) -> String {
    crate::sessions::data_with(data, SESSION_KEY, Some(code.into()))
}

fn code_in(data: &str) -> Option<String> {
    crate::sessions::data_get(data, SESSION_KEY)?
        .as_str()
        .map(str::to_owned)
}

/// Moves the session's unclaimed demo check into the user's first project (the
/// oldest one they own) with all of that project's integrations. Nothing happens
/// when there is no demo check or no project to put it in.
pub fn claim(conn: &mut DbConn, user_id: i64, data: &str) -> Result<bool> {
    let Some(check) = of_session(conn, data)? else {
        return Ok(false);
    };
    let project_id: Option<i64> = projects::table
        .filter(projects::owner_id.eq(user_id))
        .order(projects::id)
        .select(projects::id)
        .first(conn)
        .optional()?;
    let Some(project_id) = project_id else {
        return Ok(false);
    };
    if !checks::owner_has_room(conn, user_id)? {
        return Ok(false);
    }
    let moved = diesel::update(
        checks_table::table
            .find(check.id)
            .filter(checks_table::project_id.is_null()),
    )
    .set(checks_table::project_id.eq(Some(project_id)))
    .execute(conn)?;
    if moved == 0 {
        return Ok(false);
    }
    let channel_ids: Vec<i64> = checks::channels_of_project(conn, project_id)?
        .into_iter()
        .map(|c| c.id)
        .collect();
    checks::set_channels(conn, check.id, &channel_ids)?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_code_is_kept_beside_other_session_data() {
        let data = remember(r#"{"theme":"dark"}"#, "abc");
        assert_eq!(code_in(&data).as_deref(), Some("abc"));
        assert!(data.contains("dark"));
        assert_eq!(code_in(&remember("not json", "x")).as_deref(), Some("x"));
        assert_eq!(code_in("{}"), None);
    }
}
