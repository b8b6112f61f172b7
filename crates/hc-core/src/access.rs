//! Who may do what in a project (spec §1.4): superusers and owners everything,
//! managers everything but removing the project, members read and write, read-only
//! members read. Anyone else must not learn that the project exists.

use diesel::prelude::*;

use crate::db::DbConn;
use crate::models::{Member, Project, Role, User};
use crate::schema::{members, projects};
use crate::Result;

/// A person's standing in one project.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    Owner,
    Superuser,
    Member(Role),
}

impl Standing {
    /// May change checks, integrations and settings.
    pub fn can_write(self) -> bool {
        !matches!(self, Standing::Member(Role::ReadOnly))
    }

    /// May invite and remove members, and make or revoke API keys.
    pub fn can_manage(self) -> bool {
        matches!(
            self,
            Standing::Owner | Standing::Superuser | Standing::Member(Role::Manager)
        )
    }

    /// May remove the project or hand it over.
    pub fn is_owner(self) -> bool {
        matches!(self, Standing::Owner | Standing::Superuser)
    }

    pub fn label(self) -> &'static str {
        match self {
            Standing::Owner => "owner",
            Standing::Superuser => "superuser",
            Standing::Member(Role::Manager) => "manager",
            Standing::Member(Role::Member) => "member",
            Standing::Member(Role::ReadOnly) => "read-only",
        }
    }
}

/// The standing `user` has in `project`, or `None` for no access at all.
pub fn standing(conn: &mut DbConn, user: &User, project: &Project) -> Result<Option<Standing>> {
    if project.owner_id == user.id {
        return Ok(Some(Standing::Owner));
    }
    let member: Option<Member> = members::table
        .filter(members::project_id.eq(project.id))
        .filter(members::user_id.eq(user.id))
        .select(Member::as_select())
        .first(conn)
        .optional()?;
    if let Some(role) = member.and_then(|m| Role::from_code(&m.role)) {
        return Ok(Some(Standing::Member(role)));
    }
    Ok(user.is_superuser.then_some(Standing::Superuser))
}

/// The project with this code if `user` may see it.
pub fn project(conn: &mut DbConn, user: &User, code: &str) -> Result<Option<(Project, Standing)>> {
    let found: Option<Project> = projects::table
        .filter(projects::code.eq(code))
        .select(Project::as_select())
        .first(conn)
        .optional()?;
    let Some(project) = found else {
        return Ok(None);
    };
    Ok(standing(conn, user, &project)?.map(|s| (project, s)))
}

/// Every project `user` owns or is a member of, by name, owned ones first.
pub fn projects_of(conn: &mut DbConn, user: &User) -> Result<Vec<(Project, Standing)>> {
    let owned: Vec<Project> = projects::table
        .filter(projects::owner_id.eq(user.id))
        .select(Project::as_select())
        .load(conn)?;
    let joined: Vec<(Project, String)> = projects::table
        .inner_join(members::table)
        .filter(members::user_id.eq(user.id))
        .select((Project::as_select(), members::role))
        .load(conn)?;
    let mut all: Vec<(Project, Standing)> = owned
        .into_iter()
        .map(|p| (p, Standing::Owner))
        .chain(
            joined
                .into_iter()
                .filter_map(|(p, role)| Role::from_code(&role).map(|r| (p, Standing::Member(r)))),
        )
        .collect();
    all.sort_by(|(a, sa), (b, sb)| {
        (!sa.is_owner(), a.name.to_lowercase(), a.id).cmp(&(
            !sb.is_owner(),
            b.name.to_lowercase(),
            b.id,
        ))
    });
    Ok(all)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_grant_what_the_spec_says() {
        let ro = Standing::Member(Role::ReadOnly);
        let rw = Standing::Member(Role::Member);
        let m = Standing::Member(Role::Manager);
        assert!(!ro.can_write() && !ro.can_manage() && !ro.is_owner());
        assert!(rw.can_write() && !rw.can_manage() && !rw.is_owner());
        assert!(m.can_write() && m.can_manage() && !m.is_owner());
        for full in [Standing::Owner, Standing::Superuser] {
            assert!(full.can_write() && full.can_manage() && full.is_owner());
        }
    }
}
