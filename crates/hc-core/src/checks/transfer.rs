//! Moving a check to another project (spec §7.3): it keeps its history, takes every
//! channel of its new project instead of its old ones, and counts against the new
//! owner's check limit.

use diesel::prelude::*;

use crate::db::DbConn;
use crate::schema::projects;

use super::{channels_of_project, lock, lock_project, owner_has_room, save, set_channels, By};

/// What a transfer found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transferred {
    Moved,
    /// The target project's owner has no room for another check.
    NoRoom,
    Gone,
}

/// Moves check `check_id` into project `target_id`. Between two projects of one
/// owner the check already counts against that owner's limit, so no room is needed.
pub fn transfer(conn: &mut DbConn, check_id: i64, target_id: i64) -> QueryResult<Transferred> {
    conn.write_tx(|conn| {
        let Some(mut check) = lock(conn, By::Id(check_id))? else {
            return Ok(Transferred::Gone);
        };
        if check.project_id == Some(target_id) {
            return Ok(Transferred::Moved);
        }
        lock_project(conn, target_id)?;
        let target_owner: i64 = projects::table
            .find(target_id)
            .select(projects::owner_id)
            .first(conn)?;
        let source_owner: Option<i64> = match check.project_id {
            Some(id) => Some(
                projects::table
                    .find(id)
                    .select(projects::owner_id)
                    .first(conn)?,
            ),
            None => None,
        };
        if source_owner != Some(target_owner) && !owner_has_room(conn, target_owner)? {
            return Ok(Transferred::NoRoom);
        }
        check.project_id = Some(target_id);
        save(conn, &check)?;
        let channel_ids: Vec<i64> = channels_of_project(conn, target_id)?
            .into_iter()
            .map(|c| c.id)
            .collect();
        set_channels(conn, check.id, &channel_ids)?;
        Ok(Transferred::Moved)
    })
}
