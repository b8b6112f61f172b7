//! The forms of shell commands, groups, Trello and Apprise: building their values,
//! describing them in the list, and the group's choice of the project's other
//! integrations (which, unlike every other field, depends on the project).
//!
//! Trello is added with plain fields (token, board and list names, list ID) rather
//! than healthchecks' authorise-then-pick-a-board flow, which needs the browser to
//! talk to Trello's API.

use diesel::prelude::*;
use hc_core::db::DbConn;
use hc_core::models::Channel;
use hc_core::schema::channels;
use hc_integrations::catalogue;
use hc_integrations::kinds::{shell, trello};
use serde::Serialize;
use serde_json::json;

use super::{FieldView, Input, Spec, Values};

/// The field of a group's form holding the chosen integrations' codes.
pub const MEMBERS: &str = "value";
/// Checkbox names are this followed by a channel's code.
pub const PICK_PREFIX: &str = "channel-";

/// One integration a group can hold, as its form shows it.
#[derive(Debug, Clone, Serialize)]
pub struct Pick {
    pub code: String,
    pub label: String,
    pub checked: bool,
}

/// The integrations of a project a group can hold: every one but groups (healthchecks
/// does not nest them), as `(code, "Kind: name")`.
pub fn choices(conn: &mut DbConn, project_id: i64) -> QueryResult<Vec<(String, String)>> {
    let all: Vec<Channel> = channels::table
        .filter(channels::project_id.eq(project_id))
        .filter(channels::kind.ne("group"))
        .order(channels::id)
        .select(Channel::as_select())
        .load(conn)?;
    Ok(all
        .into_iter()
        .map(|c| {
            let kind = catalogue::label(&c.kind);
            let name = catalogue::display_name(&c);
            let label = if name == kind {
                kind
            } else {
                format!("{kind}: {name}")
            };
            (c.code, label)
        })
        .collect())
}

/// Shows `choices` in the group field of `fields`, ticked as `values` says.
pub fn show_choices(fields: &mut [FieldView], choices: &[(String, String)], values: &Values) {
    let chosen = values.get(MEMBERS).cloned().unwrap_or_default();
    let chosen: Vec<&str> = chosen.split(',').map(str::trim).collect();
    for field in fields.iter_mut().filter(|f| f.input == "channels") {
        field.picks = choices
            .iter()
            .map(|(code, label)| Pick {
                code: code.clone(),
                label: label.clone(),
                checked: chosen.contains(&code.as_str()),
            })
            .collect();
    }
}

/// The ticked checkboxes of a group's form, as its stored value: codes in the order
/// of `names` sorted, comma-separated.
pub fn read_picks<'a>(names: impl Iterator<Item = &'a str>) -> String {
    let mut codes: Vec<&str> = names
        .filter_map(|n| n.strip_prefix(PICK_PREFIX))
        .filter(|c| crate::api::is_uuid(c))
        .collect();
    codes.sort_unstable();
    codes.dedup();
    codes.join(",")
}

/// The chosen codes that are among `choices`, or why none is.
pub fn restrict(value: &str, choices: &[(String, String)]) -> Result<String, String> {
    let kept: Vec<&str> = value
        .split(',')
        .map(str::trim)
        .filter(|code| choices.iter().any(|(c, _)| c == code))
        .collect();
    if kept.is_empty() {
        Err("Choose at least one integration.".into())
    } else {
        Ok(kept.join(","))
    }
}

/// A group keeps only integrations its project offers (a form could be posted with
/// any codes); other kinds are as built.
pub fn keep_offered(
    kind: &str,
    mut built: super::build::Built,
    choices: &[(String, String)],
) -> Result<super::build::Built, super::Errors> {
    if kind != "group" {
        return Ok(built);
    }
    match restrict(&built.value, choices) {
        Ok(value) => {
            built.value = value;
            Ok(built)
        }
        Err(message) => Err(super::Errors::from([(MEMBERS.to_owned(), message)])),
    }
}

/// The fields of these kinds' forms (without the name).
pub fn specs(kind: &str) -> Option<Vec<Spec>> {
    use super::field;
    let fields = match kind {
        "shell" => vec![
            field("cmd_down", "Command to run when a check goes down", Input::Text)
                .max(1000)
                .help("Leave it empty to run nothing."),
            field("cmd_up", "Command to run when a check comes back up", Input::Text)
                .max(1000)
                .help("Leave it empty to run nothing."),
        ],
        "trello" => vec![
            field("token", "Trello token", Input::Text)
                .required()
                .max(1000)
                .secret()
                .help("Authorise this site's Trello app for your account, and paste the token Trello shows."),
            field("board_name", "Board name", Input::Text)
                .required()
                .max(100),
            field("list_name", "List name", Input::Text)
                .required()
                .max(100),
            field("list_id", "List ID", Input::Text)
                .required()
                .max(32)
                .help("The list's ID: 16 to 32 letters a–f and digits (open a card of the list, add .json to its URL, and look for idList)."),
        ],
        "apprise" => vec![field("value", "Apprise URL", Input::Text)
            .required()
            .max(512)
            .secret()
            .help("Like tgram://bottoken/ChatID or mailto://user:pass@example.org; see Apprise's list of services.")],
        "group" => vec![field(MEMBERS, "Integrations", Input::Channels)
            .required()
            .max(10_000)
            .help("Each alert goes to every integration ticked here.")],
        _ => return None,
    };
    Some(fields)
}

/// Builds the value of these kinds' forms, or says which field is wrong and why.
pub fn build(kind: &str, get: &dyn Fn(&str) -> String) -> Result<String, (&'static str, String)> {
    match kind {
        "shell" => {
            let (down, up) = (get("cmd_down"), get("cmd_up"));
            if down.trim().is_empty() && up.trim().is_empty() {
                return Err((
                    "cmd_down",
                    "Enter a command for at least one of the two statuses.".into(),
                ));
            }
            // healthchecks stores the form's fields, keys sorted.
            Ok(json!({"cmd_down": down, "cmd_up": up}).to_string())
        }
        "trello" => {
            let list_id = get("list_id");
            let hex = list_id.chars().all(|c| c.is_ascii_hexdigit());
            if !(16..=32).contains(&list_id.len()) || !hex {
                return Err((
                    "list_id",
                    "A list ID is 16 to 32 letters a–f and digits.".into(),
                ));
            }
            if get("token").chars().any(char::is_whitespace) {
                return Err(("token", "Tokens have no spaces; paste it again.".into()));
            }
            Ok(json!({
                "board_name": get("board_name"),
                "list_id": list_id,
                "list_name": get("list_name"),
                "token": get("token"),
            })
            .to_string())
        }
        "apprise" => {
            let url = get("value");
            if !url.contains("://") || url.chars().any(char::is_whitespace) {
                return Err((
                    "value",
                    "Enter an Apprise URL, like tgram://bottoken/ChatID.".into(),
                ));
            }
            Ok(url)
        }
        "group" => {
            let codes = get(MEMBERS);
            if codes.is_empty() {
                return Err((MEMBERS, "Choose at least one integration.".into()));
            }
            Ok(codes)
        }
        _ => Err((
            "name",
            "This kind of integration cannot be added here.".into(),
        )),
    }
}

/// Whether the sender of these kinds reads `value` as a usable configuration.
pub fn sendable(kind: &str, value: &str) -> bool {
    match kind {
        "shell" => !shell::is_noop(value, "down") || !shell::is_noop(value, "up"),
        "trello" => trello::Settings::parse(value).is_ok(),
        "apprise" => !value.trim().is_empty(),
        "group" => value.split(',').any(crate::api::is_uuid),
        _ => false,
    }
}

/// The list's one-line description of these kinds (commands and tokens not shown).
pub fn summary(kind: &str, value: &str) -> String {
    match kind {
        "shell" => {
            let commands = shell::Commands::parse(value);
            let statuses: Vec<&str> = [("down", &commands.cmd_down), ("up", &commands.cmd_up)]
                .into_iter()
                .filter(|(_, c)| !c.trim().is_empty())
                .map(|(s, _)| s)
                .collect();
            format!("runs a command when a check goes {}", statuses.join(" or "))
        }
        "trello" => trello::Settings::parse(value)
            .map(|s| format!("list {} on board {}", s.list_name, s.board_name))
            .unwrap_or_default(),
        "apprise" => match value.split_once("://") {
            Some((scheme, _)) => format!("{scheme}://…"),
            None => String::new(),
        },
        "group" => {
            let n = value.split(',').filter(|c| !c.trim().is_empty()).count();
            format!("{n} integration{}", if n == 1 { "" } else { "s" })
        }
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn getter(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> String {
        move |name| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| (*v).to_owned())
                .unwrap_or_default()
        }
    }

    #[test]
    fn shell_needs_one_command_and_stores_both() {
        let built = build("shell", &getter(&[("cmd_down", "logger $NAME")]));
        assert_eq!(
            built.as_deref(),
            Ok(r#"{"cmd_down":"logger $NAME","cmd_up":""}"#)
        );
        assert!(sendable("shell", &built.unwrap_or_default()));
        assert_eq!(
            build("shell", &getter(&[])).map_err(|e| e.0),
            Err("cmd_down")
        );
        assert_eq!(
            summary("shell", r#"{"cmd_down": "a", "cmd_up": "b"}"#),
            "runs a command when a check goes down or up"
        );
    }

    #[test]
    fn trello_lists_are_checked() {
        let ok = getter(&[
            ("token", "tok"),
            ("board_name", "Ops"),
            ("list_name", "Alerts"),
            ("list_id", "5f0c1b2a3d4e5f6a7b8c9d0e"),
        ]);
        let value = build("trello", &ok).unwrap_or_default();
        assert!(sendable("trello", &value));
        assert_eq!(summary("trello", &value), "list Alerts on board Ops");
        let bad = getter(&[("token", "tok"), ("list_id", "not-hex-at-all-really")]);
        assert_eq!(build("trello", &bad).map_err(|e| e.0), Err("list_id"));
    }

    #[test]
    fn groups_keep_only_the_projects_integrations() {
        let a = "0e9f8a1c-0000-4000-8000-000000000001".to_owned();
        let b = "0e9f8a1c-0000-4000-8000-000000000002".to_owned();
        let names = [
            format!("{PICK_PREFIX}{b}"),
            format!("{PICK_PREFIX}{a}"),
            format!("{PICK_PREFIX}not-a-uuid"),
            "csrf".to_owned(),
        ];
        let read = read_picks(names.iter().map(String::as_str));
        assert_eq!(read, format!("{a},{b}"));
        let choices = [(b.clone(), "Webhook".to_owned())];
        assert_eq!(restrict(&read, &choices), Ok(b.clone()));
        assert!(restrict(&a, &choices).is_err());
        assert_eq!(summary("group", &read), "2 integrations");
        assert!(sendable("group", &b) && !sendable("group", ""));
    }

    #[test]
    fn apprise_urls_have_a_scheme() {
        assert_eq!(
            build("apprise", &getter(&[("value", "tgram://bot/chat")])).as_deref(),
            Ok("tgram://bot/chat")
        );
        assert!(build("apprise", &getter(&[("value", "just words")])).is_err());
        assert_eq!(summary("apprise", "mailto://u:p@x.org"), "mailto://…");
    }
}
