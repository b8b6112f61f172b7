//! The monthly quotas of text messages and phone calls (healthchecks'
//! `Profile.authorize_sms` / `authorize_call`): counted on the profile of the
//! project's owner, starting again at zero each calendar month (UTC), and taken
//! with conditional updates so that daemons sending at once never go over it.

use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, Utc};
use diesel::prelude::*;
use hc_core::db::DbConn;
use hc_core::schema::{members, profiles, projects, users};

use crate::email::Outgoing;

/// The two counters a profile keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Quota {
    /// SMS and WhatsApp messages share one.
    Messages,
    Calls,
}

/// The outcome of asking for one more message or call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Taken {
    Yes,
    /// The month's quota (this many) is used up.
    No {
        limit: i64,
    },
}

/// Midnight UTC on the first day of `now`'s month: counts dated before it belong
/// to an earlier month.
pub fn month_start(now: DateTime<Utc>) -> NaiveDateTime {
    NaiveDate::from_ymd_opt(now.year(), now.month(), 1)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .unwrap_or_else(|| now.naive_utc())
}

/// Takes one message or call from the quota of the owner of project `project_id`.
pub fn take(
    conn: &mut DbConn,
    project_id: i64,
    quota: Quota,
    now: DateTime<Utc>,
) -> hc_core::Result<Taken> {
    let owner_id: i64 = projects::table
        .find(project_id)
        .select(projects::owner_id)
        .first(conn)?;
    // Profiles are made lazily, with the self-hosted limits.
    let profile = hc_core::profiles::profile(conn, owner_id)?;
    let start = month_start(now);
    let at = now.naive_utc();
    let own = profiles::table.filter(profiles::user_id.eq(owner_id));
    // The first of the month starts the count at one; later ones add one while
    // under the limit. Each is one atomic UPDATE: of daemons racing for the last
    // one, exactly one changes the row.
    macro_rules! take {
        ($sent:ident, $date:ident, $limit:ident) => {{
            let fresh = diesel::update(
                own.clone()
                    .filter(profiles::$limit.gt(0))
                    .filter(profiles::$date.is_null().or(profiles::$date.lt(start))),
            )
            .set((profiles::$sent.eq(1), profiles::$date.eq(Some(at))))
            .execute(conn)?;
            if fresh > 0 {
                true
            } else {
                diesel::update(
                    own.clone()
                        .filter(profiles::$date.ge(start))
                        .filter(profiles::$sent.lt(profiles::$limit)),
                )
                .set((
                    profiles::$sent.eq(profiles::$sent + 1),
                    profiles::$date.eq(Some(at)),
                ))
                .execute(conn)?
                    > 0
            }
        }};
    }
    let (taken, limit) = match quota {
        Quota::Messages => (take!(sms_sent, last_sms_date, sms_limit), profile.sms_limit),
        Quota::Calls => (
            take!(calls_sent, last_call_date, call_limit),
            profile.call_limit,
        ),
    };
    Ok(if taken {
        Taken::Yes
    } else {
        Taken::No { limit }
    })
}

/// Who hears that the quota is used up: the project's owner, then its members.
pub fn team(conn: &mut DbConn, project_id: i64) -> hc_core::Result<Vec<String>> {
    let owner: String = projects::table
        .inner_join(users::table)
        .filter(projects::id.eq(project_id))
        .select(users::email)
        .first(conn)?;
    let members: Vec<String> = members::table
        .inner_join(users::table)
        .filter(members::project_id.eq(project_id))
        .order(members::id)
        .select(users::email)
        .load(conn)?;
    let mut team = vec![owner];
    for email in members {
        if !team.contains(&email) {
            team.push(email);
        }
    }
    Ok(team)
}

/// What the notice is about.
#[derive(Debug, Clone, Copy)]
pub struct Notice<'a> {
    /// "SMS", "WhatsApp" or "phone call".
    pub what: &'a str,
    pub limit: i64,
    pub project: &'a str,
    /// The alert that was not sent, as it would have read.
    pub text: &'a str,
    pub site_name: &'a str,
}

/// The e-mail telling the team that an alert was held back (healthchecks'
/// "sms-limit" and "call-limit" messages).
pub fn notice(to: &str, n: &Notice<'_>) -> Outgoing {
    let (subject_what, plural) = match n.what {
        "phone call" => ("Phone Call", "phone calls"),
        "WhatsApp" => ("WhatsApp", "WhatsApp messages"),
        _ => ("SMS", "SMS messages"),
    };
    let Notice {
        limit,
        project,
        text,
        site_name,
        ..
    } = *n;
    let text = format!(
        "Hello,\n\n\
         The account that owns the project \"{project}\" has used up its monthly \
         limit of {limit} {plural}, so this alert was not sent:\n\n\
         {text}\n\n\
         {site_name} sends no more {plural} for this account's projects until the \
         first day of next month (UTC). Its other integrations keep working.\n\n\
         -- \n{site_name}\n"
    );
    Outgoing {
        to: to.to_owned(),
        subject: format!("Monthly {subject_what} Limit Reached"),
        text,
        html: None,
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn months_start_at_midnight_utc_on_the_first() {
        let now = Utc
            .with_ymd_and_hms(2026, 3, 31, 23, 59, 59)
            .single()
            .unwrap_or_default();
        assert_eq!(month_start(now).to_string(), "2026-03-01 00:00:00");
        let first = Utc
            .with_ymd_and_hms(2026, 4, 1, 0, 0, 0)
            .single()
            .unwrap_or_default();
        assert_eq!(month_start(first).to_string(), "2026-04-01 00:00:00");
    }

    #[test]
    fn the_notice_names_the_limit_and_quotes_the_alert() {
        let n = Notice {
            what: "phone call",
            limit: 3,
            project: "Ops",
            text: "Hello! The check is down.",
            site_name: "Mychecks",
        };
        let mail = notice("ann@example.org", &n);
        assert_eq!(mail.to, "ann@example.org");
        assert_eq!(mail.subject, "Monthly Phone Call Limit Reached");
        assert!(
            mail.text
                .contains("project \"Ops\" has used up its monthly limit of 3 phone calls"),
            "{}",
            mail.text
        );
        assert!(mail.text.contains("\n\nHello! The check is down.\n\n"));
        let whatsapp = Notice {
            what: "WhatsApp",
            ..n
        };
        assert_eq!(
            notice("a@x.org", &whatsapp).subject,
            "Monthly WhatsApp Limit Reached"
        );
        let sms = Notice { what: "SMS", ..n };
        assert_eq!(notice("a@x.org", &sms).subject, "Monthly SMS Limit Reached");
    }
}
