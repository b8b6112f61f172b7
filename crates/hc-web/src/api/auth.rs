//! API keys as healthchecks checks them (spec §4.3): where the key comes from, which
//! project it opens, and whether it may write. Keys are stored as HMACs, so a
//! presented key is hashed and looked up by its stored form.

use diesel::prelude::*;
use hc_core::db::DbConn;
use hc_core::keys;
use hc_core::models::Project;
use hc_core::schema::projects;
use serde_json::{Map, Value};

use super::{ApiError, Call};

/// What a key opens.
#[derive(Debug, Clone)]
pub struct Access {
    pub project: Project,
    /// Opened with a read-only key: sees `unique_key` instead of UUIDs, changes nothing.
    pub read_only: bool,
}

/// Which keys an endpoint takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    /// Read-write keys only; the key may also come from a JSON body's `api_key`.
    Write,
    /// Read-write or read-only keys, from the header only.
    Read,
}

/// A POST body as a JSON object; an empty body is `{}`.
pub fn body_object(body: &[u8]) -> Result<Map<String, Value>, ApiError> {
    if body.is_empty() {
        return Ok(Map::new());
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(obj)) => Ok(obj),
        Ok(_) => Err(ApiError::BadRequest(
            "json validation error: value is not an object".into(),
        )),
        Err(_) => Err(ApiError::BadRequest("could not parse request body".into())),
    }
}

/// The presented key: the `X-Api-Key` header when present (even empty), else for
/// writes the body's `api_key` as Python's `str()` would print it.
pub fn presented_key(call: &Call, need: Need, body: &Map<String, Value>) -> String {
    if let Some(value) = call.req.headers().get("X-Api-Key") {
        // Django decodes header bytes as Latin-1.
        return value.as_bytes().iter().map(|&b| char::from(b)).collect();
    }
    if need == Need::Read {
        return String::new();
    }
    match body.get("api_key") {
        None => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(Value::Null) => "None".into(),
        Some(Value::Bool(true)) => "True".into(),
        Some(Value::Bool(false)) => "False".into(),
        // Numbers, arrays and objects: never 32 characters in practice, so the exact
        // spelling only has to keep its length honest.
        Some(other) => other.to_string(),
    }
}

/// Finds the project a key opens.
pub fn authenticate(
    conn: &mut DbConn,
    key: &str,
    need: Need,
    secret_key: &str,
) -> Result<Access, ApiError> {
    if key.chars().count() != 32 {
        return Err(ApiError::Unauthorized("missing api key"));
    }
    let stored = keys::stored_api_key(key, secret_key);
    // Legacy 32-character keys may be stored in plain text: look those up too, and
    // confirm every candidate with a constant-time comparison.
    let candidates: Vec<Project> = projects::table
        .filter(
            projects::api_key
                .eq_any([stored.as_str(), key])
                .or(projects::api_key_readonly.eq_any([stored.as_str(), key])),
        )
        .select(Project::as_select())
        .limit(2)
        .load(conn)?;
    for project in candidates {
        if keys::api_key_matches(&project.api_key, key, secret_key) {
            return Ok(Access {
                project,
                read_only: false,
            });
        }
        if need == Need::Read && keys::api_key_matches(&project.api_key_readonly, key, secret_key) {
            return Ok(Access {
                project,
                read_only: true,
            });
        }
    }
    Err(ApiError::Unauthorized("wrong api key"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_must_be_json_objects() {
        assert_eq!(body_object(b"").ok(), Some(Map::new()));
        for (body, message) in [
            (&b"[]"[..], "json validation error: value is not an object"),
            (b"null", "json validation error: value is not an object"),
            (b"\"x\"", "json validation error: value is not an object"),
            (b"{", "could not parse request body"),
            (b"name=x", "could not parse request body"),
            (b"\xff\xfe", "could not parse request body"),
        ] {
            match body_object(body) {
                Err(ApiError::BadRequest(m)) => assert_eq!(m, message),
                other => panic!("{body:?}: {other:?}"),
            }
        }
    }
}
