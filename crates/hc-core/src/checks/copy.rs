//! "Copy" on the details page (spec §7.3): a new check in the same project with the
//! same settings and channels, named after the original, with none of its history.

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use crate::db::DbConn;
use crate::models::Check;
use crate::schema::{channel_checks, projects};

use super::fields::MAX_NAME;
use super::{insert, lock, lock_project, owner_has_room, set_channels, By};

const SUFFIX: &str = " (copy)";
/// What a cut name ends with.
const CUT_SUFFIX: &str = "... (copy)";

/// The copy's name: `name (copy)`, or, when that would be over 100 characters, the
/// first 90 characters and `... (copy)` (100 in all).
pub fn copy_name(name: &str) -> String {
    if name.chars().count() + SUFFIX.len() <= MAX_NAME {
        format!("{name}{SUFFIX}")
    } else {
        let keep: String = name.chars().take(MAX_NAME - CUT_SUFFIX.len()).collect();
        format!("{keep}{CUT_SUFFIX}")
    }
}

/// The copy's slug: `slug-copy`, or no slug when that would be over 100 characters.
/// A check without a slug gets none either: `-copy` would name nothing anyone chose.
pub fn copy_slug(slug: &str) -> String {
    let copied = format!("{slug}-copy");
    if slug.is_empty() || copied.chars().count() > MAX_NAME {
        String::new()
    } else {
        copied
    }
}

/// The original's settings under a new identity, without status or history.
pub fn copy_of(original: &Check, now: DateTime<Utc>) -> Check {
    let mut copy = Check::new(original.project_id, now.naive_utc());
    copy.name = copy_name(&original.name);
    copy.slug = copy_slug(&original.slug);
    copy.tags.clone_from(&original.tags);
    copy.description.clone_from(&original.description);
    copy.kind.clone_from(&original.kind);
    copy.timeout = original.timeout;
    copy.grace = original.grace;
    copy.schedule.clone_from(&original.schedule);
    copy.tz.clone_from(&original.tz);
    copy.filter_subject = original.filter_subject;
    copy.filter_body = original.filter_body;
    copy.filter_http_body = original.filter_http_body;
    copy.filter_default_fail = original.filter_default_fail;
    copy.start_kw.clone_from(&original.start_kw);
    copy.success_kw.clone_from(&original.success_kw);
    copy.failure_kw.clone_from(&original.failure_kw);
    copy.methods.clone_from(&original.methods);
    copy.manual_resume = original.manual_resume;
    copy
}

/// What copying found.
#[derive(Debug, Clone, PartialEq)]
pub enum Copied {
    Copied(Box<Check>),
    /// The project owner has no room for another check.
    OverLimit,
    Gone,
}

/// Copies a check, channels included, unless its project's owner is at their check
/// limit.
pub fn copy(conn: &mut DbConn, check_id: i64, now: DateTime<Utc>) -> QueryResult<Copied> {
    conn.write_tx(|conn| {
        let Some(original) = lock(conn, By::Id(check_id))? else {
            return Ok(Copied::Gone);
        };
        let Some(project_id) = original.project_id else {
            return Ok(Copied::Gone);
        };
        lock_project(conn, project_id)?;
        let owner_id: i64 = projects::table
            .find(project_id)
            .select(projects::owner_id)
            .first(conn)?;
        if !owner_has_room(conn, owner_id)? {
            return Ok(Copied::OverLimit);
        }
        let copy = insert(conn, &copy_of(&original, now))?;
        let channel_ids: Vec<i64> = channel_checks::table
            .filter(channel_checks::check_id.eq(original.id))
            .select(channel_checks::channel_id)
            .load(conn)?;
        set_channels(conn, copy.id, &channel_ids)?;
        Ok(Copied::Copied(Box::new(copy)))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_get_a_suffix_and_are_cut_to_fit() {
        assert_eq!(copy_name("Backups"), "Backups (copy)");
        assert_eq!(copy_name(""), " (copy)");
        // 93 + 7 = 100 fits exactly; one more does not.
        let fits = "a".repeat(93);
        assert_eq!(copy_name(&fits), format!("{fits} (copy)"));
        let over = "b".repeat(94);
        let cut = copy_name(&over);
        assert_eq!(cut, format!("{}... (copy)", "b".repeat(90)));
        assert_eq!(cut.chars().count(), 100);
        let long = "é".repeat(100);
        assert_eq!(copy_name(&long), format!("{}... (copy)", "é".repeat(90)));
    }

    #[test]
    fn slugs_get_a_suffix_or_go() {
        assert_eq!(copy_slug("backups"), "backups-copy");
        assert_eq!(copy_slug(""), "");
        let fits = "s".repeat(95);
        assert_eq!(copy_slug(&fits), format!("{fits}-copy"));
        assert_eq!(copy_slug(&"s".repeat(96)), "");
    }

    #[test]
    fn a_copy_keeps_the_settings_but_not_the_history() {
        let now = Utc::now();
        let mut original = Check::new(Some(7), now.naive_utc());
        original.name = "db".into();
        original.kind = "cron".into();
        original.schedule = "5 4 * * *".into();
        original.tz = "Europe/Riga".into();
        original.grace = 120;
        original.success_kw = "OK".into();
        original.manual_resume = true;
        original.status = "down".into();
        original.n_pings = 5;
        original.last_ping = Some(now.naive_utc());
        let copy = copy_of(&original, now);
        assert_eq!(copy.name, "db (copy)");
        assert_eq!(copy.project_id, Some(7));
        assert_eq!(
            (
                copy.kind.as_str(),
                copy.schedule.as_str(),
                copy.tz.as_str(),
                copy.grace
            ),
            ("cron", "5 4 * * *", "Europe/Riga", 120)
        );
        assert!(copy.manual_resume && copy.success_kw == "OK");
        assert_eq!(
            (copy.status.as_str(), copy.n_pings, copy.last_ping),
            ("new", 0, None)
        );
        assert_ne!(copy.code, original.code);
        assert_ne!(copy.badge_key, original.badge_key);
    }
}
