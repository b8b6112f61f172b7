//! Projects as their settings page changes them (spec §7.2): create, rename, API and
//! ping keys, team members (invite, remove, leave) and removal. Who may do which is
//! decided by the caller through [`crate::access`]; these functions only do it.

use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;

use crate::accounts::{self, NewUser};
use crate::db::DbConn;
use crate::keys::{self, KeyKind};
use crate::models::{Member, Project, Role, User};
use crate::schema::{channels, checks, flips, members, pings, projects, users};
use crate::{ratelimit, time, Error, Result};

/// The web form's limit for project names (the column holds 200).
pub const NAME_MAX: usize = 60;

/// Invitations one person may send per day (healthchecks' `authorize_invite`).
pub const INVITES_PER_DAY: u32 = 20;

/// A project name as typed: trimmed, one line, 1…[`NAME_MAX`] characters.
pub fn clean_name(name: &str) -> Result<String> {
    // A name is one line: a pasted newline or tab becomes a space rather than
    // reaching e-mail subjects and page titles.
    let one_line: String = name
        .trim()
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let count = one_line.chars().count();
    if count == 0 {
        Err(Error::invalid("Please enter a name for the project."))
    } else if count > NAME_MAX {
        Err(Error::invalid(format!(
            "The name must be at most {NAME_MAX} characters (this one has {count})."
        )))
    } else {
        Ok(one_line)
    }
}

/// Creates a project owned by `owner`. Like healthchecks' later projects it gets no
/// integrations and no keys, and its badge key is its code.
pub fn create(conn: &mut DbConn, owner: &User, name: &str) -> Result<Project> {
    let name = clean_name(name)?;
    let code = keys::new_uuid();
    let project = Project {
        id: 0,
        code: code.clone(),
        name,
        owner_id: owner.id,
        api_key: String::new(),
        api_key_readonly: String::new(),
        badge_key: code.clone(),
        ping_key: None,
        show_slugs: false,
        created: time::now().naive_utc(),
    };
    conn.write_tx(|conn| {
        diesel::insert_into(projects::table)
            .values(&project)
            .execute(conn)?;
        Ok(projects::table
            .filter(projects::code.eq(&code))
            .select(Project::as_select())
            .first(conn)?)
    })
}

pub fn rename(conn: &mut DbConn, project_id: i64, name: &str) -> Result<String> {
    let name = clean_name(name)?;
    diesel::update(projects::table.find(project_id))
        .set(projects::name.eq(&name))
        .execute(conn)?;
    Ok(name)
}

/// The three keys a project can have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyType {
    ReadWrite,
    ReadOnly,
    Ping,
}

impl KeyType {
    pub const ALL: [KeyType; 3] = [KeyType::ReadWrite, KeyType::ReadOnly, KeyType::Ping];

    /// The form value naming this key, the column's name as in healthchecks.
    pub fn code(self) -> &'static str {
        match self {
            KeyType::ReadWrite => "api_key",
            KeyType::ReadOnly => "api_key_readonly",
            KeyType::Ping => "ping_key",
        }
    }

    pub fn from_code(code: &str) -> Option<KeyType> {
        KeyType::ALL.into_iter().find(|k| k.code() == code)
    }

    /// What the project stores for this key, empty when there is none.
    pub fn stored(self, project: &Project) -> &str {
        match self {
            KeyType::ReadWrite => &project.api_key,
            KeyType::ReadOnly => &project.api_key_readonly,
            KeyType::Ping => project.ping_key.as_deref().unwrap_or(""),
        }
    }
}

/// Makes a new key of `kind` (replacing any old one) and returns it in full: the
/// only time it can be shown, as API keys are stored as HMACs.
pub fn create_key(
    conn: &mut DbConn,
    project_id: i64,
    kind: KeyType,
    secret_key: &str,
) -> Result<String> {
    let target = projects::table.find(project_id);
    let shown = match kind {
        KeyType::ReadWrite | KeyType::ReadOnly => {
            let api = keys::new_api_key(
                if kind == KeyType::ReadWrite {
                    KeyKind::ReadWrite
                } else {
                    KeyKind::ReadOnly
                },
                secret_key,
            );
            if kind == KeyType::ReadWrite {
                diesel::update(target)
                    .set(projects::api_key.eq(&api.stored))
                    .execute(conn)?;
            } else {
                diesel::update(target)
                    .set(projects::api_key_readonly.eq(&api.stored))
                    .execute(conn)?;
            }
            api.shown
        }
        KeyType::Ping => {
            let key = keys::new_ping_key();
            diesel::update(target)
                .set(projects::ping_key.eq(Some(&key)))
                .execute(conn)?;
            key
        }
    };
    Ok(shown)
}

pub fn revoke_key(conn: &mut DbConn, project_id: i64, kind: KeyType) -> Result<()> {
    let target = projects::table.find(project_id);
    match kind {
        KeyType::ReadWrite => diesel::update(target)
            .set(projects::api_key.eq(""))
            .execute(conn)?,
        KeyType::ReadOnly => diesel::update(target)
            .set(projects::api_key_readonly.eq(""))
            .execute(conn)?,
        KeyType::Ping => diesel::update(target)
            .set(projects::ping_key.eq(None::<String>))
            .execute(conn)?,
    };
    Ok(())
}

/// How a stored key is shown after its creation: its type prefix, four characters
/// and asterisks up to its full length, e.g. `hcw_abcd************************`.
/// `None` when there is no key.
pub fn masked(kind: KeyType, stored: &str) -> Option<String> {
    if stored.is_empty() {
        return None;
    }
    let (prefix, secret, len) = match (kind, stored.split_once('.')) {
        // Hashed API keys keep the first 8 characters of the secret: show 4.
        (KeyType::ReadWrite, Some((start, _))) => ("hcw_", start, 32),
        (KeyType::ReadOnly, Some((start, _))) => ("hcr_", start, 32),
        // Legacy plaintext API keys and ping keys are the key itself.
        (_, _) => ("", stored, stored.chars().count()),
    };
    let head: String = secret.chars().take(4).collect();
    let stars = len.saturating_sub(prefix.len() + head.chars().count());
    Some(format!("{prefix}{head}{}", "*".repeat(stars)))
}

/// A member of a project, as the team list shows them.
#[derive(Debug, Clone)]
pub struct TeamMember {
    pub user: User,
    pub role: Role,
}

/// The project's members (the owner not included), by address.
pub fn team(conn: &mut DbConn, project_id: i64) -> Result<Vec<TeamMember>> {
    let rows: Vec<(User, String)> = members::table
        .inner_join(users::table)
        .filter(members::project_id.eq(project_id))
        .order(users::email.asc())
        .select((User::as_select(), members::role))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(user, role)| TeamMember {
            user,
            // An unknown code reads as the least access.
            role: Role::from_code(&role).unwrap_or(Role::ReadOnly),
        })
        .collect())
}

/// Why an invitation was not sent; each is shown next to the address field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InviteRefused {
    BadEmail(String),
    /// The address is the owner's or already a member's.
    Duplicate,
    /// Over [`INVITES_PER_DAY`].
    TooMany,
}

impl InviteRefused {
    pub fn message(&self) -> String {
        match self {
            InviteRefused::BadEmail(why) => why.clone(),
            InviteRefused::Duplicate => "That person is already on this team.".into(),
            InviteRefused::TooMany => format!(
                "You have sent {INVITES_PER_DAY} invitations today. Please try again tomorrow."
            ),
        }
    }
}

/// Adds the person with `email` to the project with `role`, creating their account
/// (without a first project) if needed. Up to [`INVITES_PER_DAY`] a day per
/// inviter; inviting someone already in another of the owner's projects is free,
/// as in healthchecks. Returns the invitee, for the invitation e-mail.
pub fn invite(
    conn: &mut DbConn,
    project: &Project,
    inviter: &User,
    email: &str,
    role: Role,
    now: DateTime<Utc>,
) -> Result<std::result::Result<User, InviteRefused>> {
    let email = match accounts::normalize_email(email) {
        Ok(email) => email,
        _ => {
            return Ok(Err(InviteRefused::BadEmail(
                "Please enter a valid e-mail address.".into(),
            )))
        }
    };
    conn.write_tx(|conn| {
        let existing = accounts::find_user_by_email(conn, &email)?;
        if let Some(user) = &existing {
            let is_member: i64 = members::table
                .filter(members::project_id.eq(project.id))
                .filter(members::user_id.eq(user.id))
                .count()
                .get_result(conn)?;
            if user.id == project.owner_id || is_member > 0 {
                return Ok(Err(InviteRefused::Duplicate));
            }
        }
        let already_on_a_team: i64 = match &existing {
            Some(user) => members::table
                .inner_join(projects::table)
                .filter(members::user_id.eq(user.id))
                .filter(projects::owner_id.eq(project.owner_id))
                .count()
                .get_result(conn)?,
            None => 0,
        };
        if already_on_a_team == 0
            && !ratelimit::authorize(
                conn,
                &format!("invite-{}", inviter.id),
                INVITES_PER_DAY,
                Duration::days(1),
                now,
            )?
        {
            return Ok(Err(InviteRefused::TooMany));
        }
        let user = match existing {
            Some(user) => user,
            None => accounts::create_user(
                conn,
                &NewUser {
                    email: &email,
                    password: None,
                    superuser: false,
                    with_first_project: false,
                },
            )?,
        };
        diesel::insert_into(members::table)
            .values(Member {
                id: 0,
                user_id: user.id,
                project_id: project.id,
                role: role.code().to_owned(),
                transfer_request_date: None,
            })
            .execute(conn)?;
        Ok(Ok(user))
    })
}

/// Removes the member with this address; false when there was none.
pub fn remove_member(conn: &mut DbConn, project_id: i64, email: &str) -> Result<bool> {
    let email = email.trim().to_lowercase();
    let user_id: Option<i64> = users::table
        .filter(users::email.eq(&email))
        .select(users::id)
        .first(conn)
        .optional()?;
    match user_id {
        Some(user_id) => leave(conn, project_id, user_id),
        None => Ok(false),
    }
}

/// Takes `user_id` off the project's team; false when they were not on it.
pub fn leave(conn: &mut DbConn, project_id: i64, user_id: i64) -> Result<bool> {
    let n = diesel::delete(
        members::table
            .filter(members::project_id.eq(project_id))
            .filter(members::user_id.eq(user_id)),
    )
    .execute(conn)?;
    Ok(n > 0)
}

/// What removing a project takes with it, for the page to say before it happens.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Contents {
    pub checks: i64,
    pub pings: i64,
    pub flips: i64,
    pub channels: i64,
    pub members: i64,
}

pub fn contents(conn: &mut DbConn, project_id: i64) -> Result<Contents> {
    let check_ids = checks::table
        .filter(checks::project_id.eq(project_id))
        .select(checks::id);
    Ok(Contents {
        checks: checks::table
            .filter(checks::project_id.eq(project_id))
            .count()
            .get_result(conn)?,
        pings: pings::table
            .filter(pings::check_id.eq_any(check_ids))
            .count()
            .get_result(conn)?,
        flips: flips::table
            .filter(flips::check_id.eq_any(check_ids))
            .count()
            .get_result(conn)?,
        channels: channels::table
            .filter(channels::project_id.eq(project_id))
            .count()
            .get_result(conn)?,
        members: members::table
            .filter(members::project_id.eq(project_id))
            .count()
            .get_result(conn)?,
    })
}

/// Deletes the project; its checks (with pings, flips and notifications),
/// integrations and memberships go with it through the schema's cascades.
pub fn delete(conn: &mut DbConn, project_id: i64) -> Result<()> {
    let n = diesel::delete(projects::table.find(project_id)).execute(conn)?;
    if n == 0 {
        return Err(Error::NotFound);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_trimmed_single_lines_of_at_most_60_characters() {
        assert_eq!(clean_name("  Backups  ").ok().as_deref(), Some("Backups"));
        assert_eq!(clean_name("a\nb\tc").ok().as_deref(), Some("a b c"));
        assert_eq!(clean_name(&"é".repeat(60)).ok(), Some("é".repeat(60)));
        assert!(clean_name(&"x".repeat(61)).is_err());
        assert!(clean_name("   ").is_err());
        assert!(clean_name(&"x".repeat(10_000)).is_err());
    }

    #[test]
    fn stored_keys_are_masked_from_their_prefix() {
        let rw = keys::new_api_key(KeyKind::ReadWrite, "s");
        let shown = masked(KeyType::ReadWrite, &rw.stored);
        let expected = format!("{}{}", &rw.shown[..8], "*".repeat(24));
        assert_eq!(shown.as_deref(), Some(expected.as_str()));
        let ro = keys::new_api_key(KeyKind::ReadOnly, "s");
        let shown = masked(KeyType::ReadOnly, &ro.stored).unwrap_or_default();
        assert!(shown.starts_with(&ro.shown[..8]) && shown.len() == 32);
        assert!(shown[8..].chars().all(|c| c == '*'));
        let ping = keys::new_ping_key();
        let shown = masked(KeyType::Ping, &ping).unwrap_or_default();
        assert_eq!(shown, format!("{}{}", &ping[..4], "*".repeat(18)));
        assert_eq!(masked(KeyType::ReadWrite, ""), None);
        // A legacy plaintext key shows as much as a hashed one would.
        let legacy = "abcdefghijklmnopqrstuvwxyz012345";
        assert_eq!(
            masked(KeyType::ReadWrite, legacy).as_deref(),
            Some("abcd****************************")
        );
    }

    #[test]
    fn key_types_round_trip_through_their_form_values() {
        for kind in KeyType::ALL {
            assert_eq!(KeyType::from_code(kind.code()), Some(kind));
        }
        assert_eq!(KeyType::from_code("password"), None);
    }
}
