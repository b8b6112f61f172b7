//! Reminders while checks stay down (healthchecks' "nags", spec §3.9): a user whose
//! profile asks for them (`nag_period` of an hour or a day) hears again about every
//! check still down in the projects they can see, until none is.

use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use diesel::prelude::*;

use crate::db::DbConn;
use crate::models::Check;
use crate::schema::{checks, members, profiles, projects, users};
use crate::status::Status;
use crate::Result;

/// The projects a user owns or is a member of.
fn accessible_projects(conn: &mut DbConn, user_id: i64) -> QueryResult<Vec<(i64, String)>> {
    let member_of: Vec<i64> = members::table
        .filter(members::user_id.eq(user_id))
        .select(members::project_id)
        .load(conn)?;
    projects::table
        .filter(
            projects::owner_id
                .eq(user_id)
                .or(projects::id.eq_any(member_of)),
        )
        .order(projects::id)
        .select((projects::id, projects::name))
        .load(conn)
}

/// Starts or stops the reminders of everyone who can see `project_id`, after one of
/// its checks changed status: a user with something down and no reminder scheduled
/// gets one `nag_period` from now; a user with nothing down has theirs cleared.
pub fn update_for_project(
    conn: &mut DbConn,
    project_id: i64,
    now: DateTime<Utc>,
) -> QueryResult<()> {
    let owner: Option<i64> = projects::table
        .find(project_id)
        .select(projects::owner_id)
        .first(conn)
        .optional()?;
    let mut people: Vec<i64> = members::table
        .filter(members::project_id.eq(project_id))
        .select(members::user_id)
        .load(conn)?;
    people.extend(owner);
    for user_id in people {
        let Some((period, next)): Option<(i64, Option<NaiveDateTime>)> = profiles::table
            .filter(profiles::user_id.eq(user_id))
            .select((profiles::nag_period, profiles::next_nag_date))
            .first(conn)
            .optional()?
        else {
            continue;
        };
        let project_ids: Vec<i64> = accessible_projects(conn, user_id)?
            .into_iter()
            .map(|(id, _)| id)
            .collect();
        let any_down = checks::table
            .filter(checks::project_id.eq_any(project_ids))
            .filter(checks::status.eq("down"))
            .select(checks::id)
            .first::<i64>(conn)
            .optional()?
            .is_some();
        let update = diesel::update(profiles::table.filter(profiles::user_id.eq(user_id)));
        if any_down && next.is_none() && period > 0 {
            update
                .set(
                    profiles::next_nag_date.eq(Some((now + Duration::seconds(period)).naive_utc())),
                )
                .execute(conn)?;
        } else if !any_down && next.is_some() {
            update
                .set(profiles::next_nag_date.eq(None::<NaiveDateTime>))
                .execute(conn)?;
        }
    }
    Ok(())
}

/// A reminder to send.
#[derive(Debug, Clone, PartialEq)]
pub struct Nag {
    pub email: String,
    /// For the signed unsubscribe link.
    pub username: String,
    /// Down checks by project: (project name, checks).
    pub down: Vec<(String, Vec<Check>)>,
}

impl Nag {
    pub fn count(&self) -> usize {
        self.down.iter().map(|(_, checks)| checks.len()).sum()
    }
}

/// The next reminder that is due, claimed (its date moved on, conditionally, so two
/// daemons never send one twice). `Ok(None)` when none is due.
pub fn next_due(conn: &mut DbConn, now: DateTime<Utc>) -> Result<Option<Nag>> {
    loop {
        let due: Option<(i64, i64, i64, Option<NaiveDateTime>, String, String)> = profiles::table
            .inner_join(users::table)
            .filter(profiles::nag_period.gt(0))
            .filter(profiles::next_nag_date.lt(now.naive_utc()))
            .order(profiles::next_nag_date)
            .select((
                profiles::id,
                profiles::user_id,
                profiles::nag_period,
                profiles::next_nag_date,
                users::email,
                users::username,
            ))
            .first(conn)
            .optional()?;
        let Some((profile_id, user_id, period, old, email, username)) = due else {
            return Ok(None);
        };
        let claimed = diesel::update(
            profiles::table
                .find(profile_id)
                .filter(profiles::next_nag_date.eq(old)),
        )
        .set(profiles::next_nag_date.eq(Some((now + Duration::seconds(period)).naive_utc())))
        .execute(conn)?;
        if claimed != 1 {
            continue; // another daemon took it
        }
        let mut down = Vec::new();
        for (project_id, name) in accessible_projects(conn, user_id)? {
            let candidates: Vec<Check> = checks::table
                .filter(checks::project_id.eq(project_id))
                .filter(checks::status.eq_any(["up", "down"]))
                .order(checks::id)
                .select(Check::as_select())
                .load(conn)?;
            // What the dashboard would show as down now, not only what is stored.
            let now_down: Vec<Check> = candidates
                .into_iter()
                .filter(|c| c.status_or_stored(now, false) == Status::Down)
                .collect();
            if !now_down.is_empty() {
                down.push((if name.is_empty() { email.clone() } else { name }, now_down));
            }
        }
        if down.is_empty() {
            diesel::update(profiles::table.find(profile_id))
                .set(profiles::next_nag_date.eq(None::<NaiveDateTime>))
                .execute(conn)?;
            continue;
        }
        return Ok(Some(Nag {
            email,
            username,
            down,
        }));
    }
}
