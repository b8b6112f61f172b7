//! Webhooks (spec §6.4): a request per status, with the method, URL, body and headers
//! the user configured, and healthchecks' `$PLACEHOLDERS` filled in.

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use reqwest::Method;
use serde::Deserialize;

use crate::context::Alert;
use crate::failure::Failure;
use crate::outbound::{Body, Outbound};

/// One status's request, as the channel stores it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Spec {
    pub method: String,
    pub url: String,
    pub body: String,
    pub headers: Vec<(String, String)>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Stored {
    method_down: String,
    method_up: String,
    url_down: String,
    url_up: String,
    body_down: String,
    body_up: String,
    headers_down: serde_json::Map<String, serde_json::Value>,
    headers_up: serde_json::Map<String, serde_json::Value>,
}

/// The request for `status` from a channel's value: healthchecks' JSON, or the 2016
/// form of two lines (down URL, up URL; GET).
pub fn spec(value: &str, status: &str) -> Spec {
    let down = status == "down";
    match serde_json::from_str::<Stored>(value) {
        Ok(s) => {
            let (method, url, body, headers) = if down {
                (s.method_down, s.url_down, s.body_down, s.headers_down)
            } else {
                (s.method_up, s.url_up, s.body_up, s.headers_up)
            };
            Spec {
                method: if method.is_empty() {
                    "GET".into()
                } else {
                    method
                },
                url,
                body,
                headers: headers
                    .into_iter()
                    .map(|(k, v)| (k, v.as_str().map_or_else(|| v.to_string(), str::to_owned)))
                    .collect(),
            }
        }
        Err(_) => {
            let mut lines = value.lines();
            let (first, second) = (
                lines.next().unwrap_or_default(),
                lines.next().unwrap_or_default(),
            );
            Spec {
                method: "GET".into(),
                url: (if down { first } else { second }).trim().to_owned(),
                ..Spec::default()
            }
        }
    }
}

/// Nothing is sent for a status whose URL is empty.
pub fn is_noop(value: &str, status: &str) -> bool {
    spec(value, status).url.is_empty()
}

pub async fn send(http: &Outbound, alert: &Alert) -> Result<(), Failure> {
    let spec = spec(&alert.channel.value, &alert.status);
    if spec.url.is_empty() {
        return Err(Failure::fail("Empty webhook URL"));
    }
    let url = expand(&spec.url, alert, Where::Url);
    let method = Method::from_bytes(spec.method.to_uppercase().as_bytes())
        .map_err(|_| Failure::fail(format!("Unsupported method {}", spec.method)))?;
    let headers: Vec<(String, String)> = spec
        .headers
        .iter()
        .map(|(k, v)| (k.clone(), expand(v, alert, Where::Header)))
        .collect();
    let body = if matches!(method, Method::POST | Method::PUT) && !spec.body.is_empty() {
        Body::Raw(expand(&spec.body, alert, Where::Body).into_bytes())
    } else {
        Body::None
    };
    http.send(method, &url, &headers, body).await?.ok()
}

/// Where a template is used, which decides escaping and the placeholders allowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Where {
    Url,
    Header,
    Body,
}

/// Characters Python's `quote` leaves alone (letters, digits, `_.-~` and `/`).
const QUOTE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'_')
    .remove(b'.')
    .remove(b'-')
    .remove(b'~')
    .remove(b'/');

/// Fills in placeholders: at each `$`, the first placeholder of healthchecks' list
/// that the text continues with; values are never expanded again.
pub fn expand(template: &str, alert: &Alert, place: Where) -> String {
    let tags = alert.tags();
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(at) = rest.find('$') {
        out.push_str(rest.get(..at).unwrap_or_default());
        let tail = rest.get(at..).unwrap_or_default();
        match placeholder(tail, alert, &tags, place) {
            Some((len, value, raw)) => {
                let escaped = match place {
                    Where::Url if !raw => utf8_percent_encode(&value, QUOTE).to_string(),
                    Where::Header => header_safe(&value),
                    _ => value,
                };
                out.push_str(&escaped);
                rest = tail.get(len..).unwrap_or_default();
            }
            None => {
                out.push('$');
                rest = tail.get(1..).unwrap_or_default();
            }
        }
    }
    out.push_str(rest);
    out
}

/// The placeholder `tail` starts with: its length, its value, and whether the value
/// goes into URLs unescaped.
fn placeholder(
    tail: &str,
    alert: &Alert,
    tags: &[&str],
    place: Where,
) -> Option<(usize, String, bool)> {
    let body_text = || {
        alert
            .last_ping
            .as_ref()
            .and_then(|p| p.body.as_ref())
            .map(|b| String::from_utf8_lossy(b).into_owned())
            .unwrap_or_default()
    };
    let fixed: [(&str, bool); 11] = [
        ("$CODE", true),
        ("$STATUS", true),
        ("$NOW", false),
        ("$NAME_JSON", false),
        ("$NAME", false),
        ("$SLUG", true),
        ("$TAGS", false),
        ("$JSON", false),
        ("$BODY_JSON", false),
        ("$BODY", false),
        ("$EXITSTATUS", true),
    ];
    for (name, raw) in fixed {
        if !tail.starts_with(name) {
            continue;
        }
        let value = match name {
            "$CODE" => alert.check.code.clone(),
            "$STATUS" => alert.status.clone(),
            "$NOW" => hc_core::time::isoformat_seconds(alert.flip_time),
            "$NAME_JSON" => hc_core::compat::python_json(&alert.check.name),
            "$NAME" => alert.check.name.clone(),
            "$SLUG" => alert.check.slug.clone(),
            "$TAGS" => alert.check.tags.clone(),
            "$JSON" => alert.check_json.clone(),
            "$BODY_JSON" if place == Where::Body => hc_core::compat::python_json(&body_text()),
            "$BODY" if place == Where::Body => body_text(),
            "$EXITSTATUS" => alert
                .last_ping
                .as_ref()
                .and_then(|p| p.exitstatus)
                .unwrap_or(-1)
                .to_string(),
            // $BODY outside a body stays as written.
            _ => return None,
        };
        return Some((name.len(), value, raw));
    }
    (1..=tags.len()).find_map(|i| {
        let name = format!("$TAG{i}");
        tail.starts_with(&name).then(|| {
            (
                name.len(),
                tags.get(i - 1).copied().unwrap_or_default().to_owned(),
                false,
            )
        })
    })
}

/// Header values must be ASCII on the wire: everything else becomes an XML character
/// reference, as healthchecks does for what Latin-1 cannot carry.
fn header_safe(value: &str) -> String {
    value
        .chars()
        .map(|c| {
            if c.is_ascii() && !c.is_ascii_control() {
                c.to_string()
            } else {
                format!("&#{};", u32::from(c))
            }
        })
        .collect()
}

#[cfg(test)]
mod tests;
