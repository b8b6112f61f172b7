//! Making accounts and projects as healthchecks does: a new user gets a profile, a
//! first project with a "My First Check" and an e-mail integration to their address.

use diesel::prelude::*;

use crate::db::DbConn;
use crate::keys::{self, KeyKind};
use crate::models::{Channel, ChannelCheck, Check, Profile, Project, User};
use crate::schema::{channel_checks, channels, checks, profiles, projects, users};
use crate::{time, Error, Result};

/// How a new user is set up.
#[derive(Debug, Clone, Default)]
pub struct NewUser<'a> {
    pub email: &'a str,
    pub password: Option<&'a str>,
    pub superuser: bool,
    /// Create the first project, check and e-mail integration (everyone but team
    /// invitees and `createproject` owners).
    pub with_first_project: bool,
}

/// Lower-cases and checks an address as Django's `EmailField` does for ordinary
/// addresses: an unquoted dot-atom mailbox (no markup, no spaces) and a domain of
/// letters, digits and hyphens. Every way in (sign-up, invitations, the admin
/// commands) uses this one rule.
pub fn normalize_email(email: &str) -> Result<String> {
    let email = email.trim().to_lowercase();
    let valid = email.len() <= 254
        && email.split_once('@').is_some_and(|(_, domain)| {
            // Django's validator also admits "localhost", handy on a test box.
            domain == "localhost" || domain.contains('.')
        })
        && plausible_address(&email);
    if valid {
        Ok(email)
    } else {
        Err(Error::invalid(format!(
            "{email:?} is not an e-mail address"
        )))
    }
}

fn plausible_address(email: &str) -> bool {
    let Some((local, domain)) = email.rsplit_once('@') else {
        return false;
    };
    let atom_ok = |atom: &str| {
        !atom.is_empty()
            && atom
                .chars()
                .all(|c| c.is_alphanumeric() || "!#$%&'*+/=?^_`{|}~-".contains(c))
    };
    let label_ok = |label: &str| {
        !label.is_empty()
            && label.len() <= 63
            && !label.starts_with('-')
            && !label.ends_with('-')
            && label.chars().all(|c| c.is_alphanumeric() || c == '-')
    };
    local.split('.').all(atom_ok) && domain.split('.').all(label_ok)
}

pub fn find_user_by_email(conn: &mut DbConn, email: &str) -> Result<Option<User>> {
    Ok(users::table
        .filter(users::email.eq(email))
        .select(User::as_select())
        .first(conn)
        .optional()?)
}

/// Creates the user (refusing a taken address) and what goes with it.
pub fn create_user(conn: &mut DbConn, new: &NewUser) -> Result<User> {
    let email = normalize_email(new.email)?;
    let password = match new.password {
        Some("") => return Err(Error::invalid("the password must not be empty")),
        Some(p) => keys::hash_password(p)?,
        None => String::new(),
    };
    conn.write_tx(|conn| {
        if find_user_by_email(conn, &email)?.is_some() {
            return Err(Error::invalid(format!(
                "a user with the address {email} already exists"
            )));
        }
        let user = User {
            id: 0,
            username: random_username(),
            email: email.clone(),
            password,
            is_active: true,
            is_staff: new.superuser,
            is_superuser: new.superuser,
            date_joined: time::now().naive_utc(),
            last_login: None,
        };
        diesel::insert_into(users::table)
            .values(&user)
            .execute(conn)?;
        let user: User = users::table
            .filter(users::username.eq(&user.username))
            .select(User::as_select())
            .first(conn)?;
        diesel::insert_into(profiles::table)
            .values(Profile::new(user.id))
            .execute(conn)?;
        if new.with_first_project {
            let project = insert_project(conn, &user, "", &user.username)?;
            let check = Check {
                name: "My First Check".into(),
                slug: "my-first-check".into(),
                ..Check::new(Some(project.id), time::now().naive_utc())
            };
            diesel::insert_into(checks::table)
                .values(&check)
                .execute(conn)?;
            let check_id: i64 = checks::table
                .filter(checks::code.eq(&check.code))
                .select(checks::id)
                .first(conn)?;
            let channel_id = insert_email_channel(conn, &project, &user.email)?;
            diesel::insert_into(channel_checks::table)
                .values(ChannelCheck {
                    channel_id,
                    check_id,
                })
                .execute(conn)?;
        }
        Ok(user)
    })
}

/// healthchecks' usernames: the first 30 characters of a UUID4.
fn random_username() -> String {
    keys::new_uuid().chars().take(30).collect()
}

fn insert_project(conn: &mut DbConn, owner: &User, name: &str, badge_key: &str) -> Result<Project> {
    let code = keys::new_uuid();
    let project = Project {
        id: 0,
        code: code.clone(),
        name: name.to_owned(),
        owner_id: owner.id,
        api_key: String::new(),
        api_key_readonly: String::new(),
        badge_key: if badge_key.is_empty() {
            code.clone()
        } else {
            badge_key.to_owned()
        },
        ping_key: None,
        show_slugs: false,
        created: time::now().naive_utc(),
    };
    diesel::insert_into(projects::table)
        .values(&project)
        .execute(conn)?;
    Ok(projects::table
        .filter(projects::code.eq(&code))
        .select(Project::as_select())
        .first(conn)?)
}

fn insert_email_channel(conn: &mut DbConn, project: &Project, email: &str) -> Result<i64> {
    let channel = Channel {
        id: 0,
        code: keys::new_uuid(),
        project_id: project.id,
        name: String::new(),
        kind: "email".into(),
        value: email.to_owned(),
        email_verified: true,
        disabled: false,
        last_notify: None,
        last_notify_duration: None,
        last_error: String::new(),
        created: time::now().naive_utc(),
    };
    diesel::insert_into(channels::table)
        .values(&channel)
        .execute(conn)?;
    Ok(channels::table
        .filter(channels::code.eq(&channel.code))
        .select(channels::id)
        .first(conn)?)
}

/// A project made for automation, with the keys shown once.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ProvisionedProject {
    pub uuid: String,
    pub name: String,
    pub owner: String,
    pub api_key: String,
    pub api_key_readonly: String,
    pub ping_key: String,
}

/// Creates a project for `owner_email` (and the owner, without a password, if they
/// do not exist yet) with a read-write key, a read-only key and a ping key. The
/// owner's first project gets an e-mail integration to their address, which new
/// checks are assigned to, as sign-up does.
pub fn create_project(
    conn: &mut DbConn,
    owner_email: &str,
    name: &str,
    secret_key: &str,
) -> Result<ProvisionedProject> {
    let email = normalize_email(owner_email)?;
    if name.chars().count() > 200 {
        return Err(Error::invalid(
            "the project name must be at most 200 characters",
        ));
    }
    let owner = match find_user_by_email(conn, &email)? {
        Some(user) => user,
        None => create_user(
            conn,
            &NewUser {
                email: &email,
                ..NewUser::default()
            },
        )?,
    };
    conn.write_tx(|conn| {
        let owned: i64 = projects::table
            .filter(projects::owner_id.eq(owner.id))
            .count()
            .get_result(conn)?;
        let badge_key = if owned == 0 {
            owner.username.clone()
        } else {
            String::new()
        };
        let project = insert_project(conn, &owner, name, &badge_key)?;
        let rw = keys::new_api_key(KeyKind::ReadWrite, secret_key);
        let ro = keys::new_api_key(KeyKind::ReadOnly, secret_key);
        let ping_key = keys::new_ping_key();
        diesel::update(projects::table.find(project.id))
            .set((
                projects::api_key.eq(&rw.stored),
                projects::api_key_readonly.eq(&ro.stored),
                projects::ping_key.eq(&ping_key),
            ))
            .execute(conn)?;
        if owned == 0 {
            insert_email_channel(conn, &project, &owner.email)?;
        }
        Ok(ProvisionedProject {
            uuid: project.code,
            name: project.name,
            owner: owner.email.clone(),
            api_key: rw.shown,
            api_key_readonly: ro.shown,
            ping_key,
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_lower_cased_and_checked() {
        assert_eq!(
            normalize_email(" Ann@Example.ORG ").ok().as_deref(),
            Some("ann@example.org")
        );
        assert!(normalize_email("root@localhost").is_ok());
        assert!(normalize_email("o'neil+ops@mail.example.co.uk").is_ok());
        for bad in [
            "",
            "ann",
            "@x.org",
            "ann@",
            "ann@host",
            "a b@x.org",
            "ann@.org",
            "<script>@x.org",
            "a..b@x.org",
            ".a@x.org",
            "ann@-x.org",
            "ann@x..org",
            "\"q\"@x.org",
        ] {
            assert!(normalize_email(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn usernames_look_like_healthchecks_ones() {
        let u = random_username();
        assert_eq!(u.len(), 30);
        assert_eq!(u.matches('-').count(), 4);
    }
}
