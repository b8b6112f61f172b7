//! Status badges (spec §5, Appendix C): URL signatures, the tag encoding used in badge
//! URLs, the up/late/down tally, and the three answer formats (JSON, shields.io
//! endpoint JSON, SVG). Pure functions; the web crate does the routing and headers.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use sha1::{Digest, Sha1};
use subtle::ConstantTimeEq;

use crate::status::Status;

/// Two-state badges show up/down only; three-state ones also show late.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum States {
    Two,
    Three,
}

impl States {
    /// The `<states>` segment of `/b/<states>/<key>.<fmt>`: Django's `int` converter
    /// (`[0-9]+`, so `03` is 3 and huge numbers are fine). Only 3 selects the
    /// three-state badge; any other number gives the two-state one.
    pub fn from_path(segment: &str) -> Option<States> {
        if segment.is_empty() || !segment.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        if segment.trim_start_matches('0') == "3" {
            Some(States::Three)
        } else {
            Some(States::Two)
        }
    }
}

/// The public URL of a project badge: all checks (`tag` = `*`) or one tag, with two
/// states (`-2`) or three, as `svg`, `json` or `shields`.
pub fn project_badge_url(
    site_root: &str,
    badge_key: &str,
    tag: &str,
    secret_key: &str,
    states: States,
    format: &str,
) -> String {
    let sig = signature(badge_key, tag, secret_key);
    let states = match states {
        States::Two => "-2",
        States::Three => "",
    };
    if tag == "*" {
        format!("{site_root}/badge/{badge_key}/{sig}{states}.{format}")
    } else {
        let quoted = quote_tag(tag);
        format!("{site_root}/badge/{badge_key}/{sig}{states}/{quoted}.{format}")
    }
}

/// The public URL of one check's badge.
pub fn check_badge_url(
    site_root: &str,
    check_badge_key: &str,
    states: States,
    format: &str,
) -> String {
    let n = match states {
        States::Two => 2,
        States::Three => 3,
    };
    format!("{site_root}/b/{n}/{check_badge_key}.{format}")
}

/// The 8-character URL signature: Django's
/// `base64_hmac(salt=badge_key, value=tag, key=SECRET_KEY, algorithm="sha1")`, cut to 8.
pub fn signature(badge_key: &str, tag: &str, secret_key: &str) -> String {
    let mut salted = Sha1::new();
    salted.update(badge_key.as_bytes());
    salted.update(secret_key.as_bytes());
    let key = salted.finalize();
    let mut mac = match Hmac::<Sha1>::new_from_slice(&key) {
        Ok(mac) => mac,
        Err(_) => unreachable!("HMAC takes keys of any length"),
    };
    mac.update(tag.as_bytes());
    let mut encoded = URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes());
    // Base64 output is ASCII, so byte 8 is a character boundary.
    encoded.truncate(8);
    encoded
}

/// Checks a presented signature and says which badge it asks for. Only the first 8
/// characters are compared, as healthchecks does, so `<sig8>` followed by anything is a
/// valid three-state signature and exactly `<sig8>-2` is the two-state one.
pub fn check_signature(
    badge_key: &str,
    tag: &str,
    secret_key: &str,
    presented: &str,
) -> Option<States> {
    // A non-ASCII character within the first 8 bytes cannot match a base64 signature.
    let head = presented.get(..8)?;
    let expected = signature(badge_key, tag, secret_key);
    if !bool::from(head.as_bytes().ct_eq(expected.as_bytes())) {
        return None;
    }
    if presented.len() == 10 && presented.ends_with("-2") {
        Some(States::Two)
    } else {
        Some(States::Three)
    }
}

/// Bytes Python's `quote(s, safe="")` leaves alone.
fn is_unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-' | b'~')
}

/// The tag as it appears in generated badge URLs: `quote(quote(tag, safe=""), safe="")`.
/// Encoding twice keeps `/` and friends out of the decoded path that routing sees.
pub fn quote_tag(tag: &str) -> String {
    let mut out = String::with_capacity(tag.len());
    for &b in tag.as_bytes() {
        if is_unreserved(b) {
            out.push(char::from(b));
        } else {
            // The first pass makes `%XX`; the second turns its `%` into `%25`.
            out.push_str(&format!("%25{b:02X}"));
        }
    }
    out
}

/// Python 3's `\w` for `str` patterns. Rust's alphanumeric class is a close superset
/// (it also admits a few combining marks), which only matters for bizarre tags.
fn is_word_char(c: char) -> bool {
    c == '_' || c.is_alphanumeric()
}

/// The tag from a once-decoded path segment, as the `quoted` path converter does:
/// the segment must match `[\w%~_.-]+`, then it is percent-decoded once more. `None`
/// means the route does not match. Malformed `%` escapes are kept literally, like
/// Python's `unquote`; bytes that do not form UTF-8 are refused.
pub fn unquote_tag(segment: &str) -> Option<String> {
    if segment.is_empty()
        || !segment
            .chars()
            .all(|c| is_word_char(c) || matches!(c, '%' | '~' | '.' | '-'))
    {
        return None;
    }
    let bytes = segment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escaped = match (bytes[i], bytes.get(i + 1), bytes.get(i + 2)) {
            (b'%', Some(&hi), Some(&lo)) => hex_value(hi).zip(hex_value(lo)),
            _ => None,
        };
        match escaped {
            Some((hi, lo)) => {
                out.push(hi << 4 | lo);
                i += 3;
            }
            None => {
                out.push(bytes[i]);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

fn hex_value(b: u8) -> Option<u8> {
    char::from(b)
        .to_digit(16)
        .and_then(|d| u8::try_from(d).ok())
}

/// What a badge shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BadgeStatus {
    Up,
    Late,
    Down,
}

impl BadgeStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            BadgeStatus::Up => "up",
            BadgeStatus::Late => "late",
            BadgeStatus::Down => "down",
        }
    }

    /// shields.io's named colours.
    pub fn shields_color(self) -> &'static str {
        match self {
            BadgeStatus::Up => "success",
            BadgeStatus::Late => "important",
            BadgeStatus::Down => "critical",
        }
    }

    /// Fill of the SVG's right part.
    pub fn svg_color(self) -> &'static str {
        match self {
            BadgeStatus::Up => "#4c1",
            BadgeStatus::Late => "#fe7d37",
            BadgeStatus::Down => "#e05d44",
        }
    }
}

/// A badge's status and the counters of its JSON format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tally {
    pub status: BadgeStatus,
    pub total: u64,
    pub grace: u64,
    pub down: u64,
}

/// The project/tag badge over the statuses of its checks (§5.2, computed without
/// `started`). healthchecks stops at the first down check for SVG, but the SVG shows
/// only the status, which is `down` either way, so counting everything is equivalent.
pub fn tally(statuses: impl IntoIterator<Item = Status>, states: States) -> Tally {
    let mut t = Tally {
        status: BadgeStatus::Up,
        total: 0,
        grace: 0,
        down: 0,
    };
    for status in statuses {
        t.total += 1;
        match status {
            Status::Down => {
                t.down += 1;
                t.status = BadgeStatus::Down;
            }
            Status::Grace => {
                t.grace += 1;
                if t.status == BadgeStatus::Up && states == States::Three {
                    t.status = BadgeStatus::Late;
                }
            }
            Status::New | Status::Up | Status::Paused | Status::Started => {}
        }
    }
    t
}

/// The single-check badge: grace is counted even when the two-state badge shows up.
pub fn check_tally(status: Status, states: States) -> Tally {
    let badge = match status {
        Status::Down => BadgeStatus::Down,
        Status::Grace if states == States::Three => BadgeStatus::Late,
        _ => BadgeStatus::Up,
    };
    Tally {
        status: badge,
        total: 1,
        grace: u64::from(status == Status::Grace),
        down: u64::from(status == Status::Down),
    }
}

/// The `json` format, byte for byte as healthchecks' `json.dumps` writes it.
pub fn json(t: &Tally) -> String {
    format!(
        r#"{{"status": "{}", "total": {}, "grace": {}, "down": {}}}"#,
        t.status.as_str(),
        t.total,
        t.grace,
        t.down
    )
}

/// The `shields` format: a shields.io endpoint answer.
pub fn shields(label: &str, t: &Tally) -> String {
    format!(
        r#"{{"schemaVersion": 1, "label": {}, "message": "{}", "color": "{}"}}"#,
        crate::compat::python_json(label),
        t.status.as_str(),
        t.status.shields_color()
    )
}

/// A character's width in the SVG's 11px Verdana (Appendix C).
fn char_width(c: char) -> u32 {
    match c {
        'i' | 'j' | 'l' | 'I' => 3,
        'f' | 'r' | 'J' | '-' => 4,
        't' => 5,
        'c' | 'e' | 's' | 'x' | '1' | 'F' | 'L' | 'P' | '_' => 6,
        'A' | 'C' | 'D' | 'H' | 'N' | 'U' | 'V' => 8,
        'w' | 'G' | 'O' | 'Q' => 9,
        'm' | 'M' => 10,
        'W' => 11,
        _ => 7,
    }
}

/// The estimated rendered width of `s`, per code point as healthchecks counts it.
pub fn text_width(s: &str) -> u32 {
    s.chars()
        .fold(0u32, |sum, c| sum.saturating_add(char_width(c)))
}

/// `n / 2` printed like a Python float: `31.0`, `42.5`.
fn py_float_half(n: u32) -> String {
    format!("{}.{}", n / 2, if n % 2 == 1 { '5' } else { '0' })
}

/// Django's `escape`, plus a stand-in for the control characters XML 1.0 forbids, so
/// that a check name with a stray control byte still yields a well-formed image.
fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#x27;"),
            '\t' | '\n' | '\r' => out.push(c),
            '\u{0}'..='\u{1f}' | '\u{fffe}' | '\u{ffff}' => out.push('\u{fffd}'),
            _ => out.push(c),
        }
    }
    out
}

/// The `svg` format: a 20 px high two-part badge, grey label on the left and the
/// coloured status on the right.
pub fn svg(label: &str, status: BadgeStatus) -> String {
    let word = status.as_str();
    let left = text_width(label).saturating_add(10);
    let right = text_width(word).saturating_add(10);
    let total = left.saturating_add(right);
    let label_x = py_float_half(left);
    let status_x = py_float_half(left.saturating_mul(2).saturating_add(right));
    let label = xml_escape(label);
    let color = status.svg_color();
    // The gradient brightens the top and darkens the bottom a little; the shadow copy
    // of each text sits 1px lower so the white text stays readable on light greens.
    format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="{total}" height="20" viewBox="0 0 {total} 20" role="img" aria-label="{label}: {word}">
  <title>{label}: {word}</title>
  <defs>
    <linearGradient id="hc-shine" x1="0" y1="0" x2="0" y2="1">
      <stop offset="0" stop-color="#fff" stop-opacity="0.12"/>
      <stop offset="1" stop-color="#000" stop-opacity="0.12"/>
    </linearGradient>
    <clipPath id="hc-corners">
      <rect x="0" y="0" width="{total}" height="20" rx="3" ry="3"/>
    </clipPath>
  </defs>
  <g clip-path="url(#hc-corners)">
    <rect x="0" y="0" width="{left}" height="20" fill="#555"/>
    <rect x="{left}" y="0" width="{right}" height="20" fill="{color}"/>
    <rect x="0" y="0" width="{total}" height="20" fill="url(#hc-shine)"/>
  </g>
  <g font-family="Verdana,DejaVu Sans,Geneva,sans-serif" font-size="11" text-anchor="middle">
    <text x="{label_x}" y="15" fill="#010101" fill-opacity="0.3">{label}</text>
    <text x="{label_x}" y="14" fill="#fff">{label}</text>
    <text x="{status_x}" y="15" fill="#010101" fill-opacity="0.3">{word}</text>
    <text x="{status_x}" y="14" fill="#fff">{word}</text>
  </g>
</svg>
"##
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    // Vectors computed with Python 3:
    //   key = hashlib.sha1((salt + secret).encode()).digest()
    //   base64.urlsafe_b64encode(hmac.new(key, tag.encode(), hashlib.sha1).digest())
    const KEY: &str = "8f2b1c0e-4c7a-4b6e-9a3e-1d2f3a4b5c6d";

    #[test]
    fn signature_matches_django_base64_hmac() {
        assert_eq!(signature(KEY, "*", "secret"), "JsLb7kAN");
        assert_eq!(signature(KEY, "prod", "secret"), "jIPLP7Ju");
        // URL-safe alphabet (`-`, `_`), and non-ASCII tags hashed as UTF-8.
        assert_eq!(signature("abc", "db@dc1", "---"), "-dda9JQA");
        assert_eq!(signature("abc", "ünï", "x"), "EckKbNz8");
    }

    #[test]
    fn check_signature_selects_states() {
        let check = |presented| check_signature(KEY, "prod", "secret", presented);
        assert_eq!(check("jIPLP7Ju"), Some(States::Three));
        assert_eq!(check("jIPLP7Ju-2"), Some(States::Two));
        // Only the first 8 characters are verified; the rest picks the variant.
        assert_eq!(check("jIPLP7Ju-3"), Some(States::Three));
        assert_eq!(check("jIPLP7Ju-22"), Some(States::Three));
        assert_eq!(check("jIPLP7Jux2"), Some(States::Three));
        assert_eq!(check("jIPLP7Juanything"), Some(States::Three));
        assert_eq!(check("jIPLP7Jv"), None);
        assert_eq!(check("jIPLP7J"), None);
        assert_eq!(check(""), None);
        assert_eq!(check("jIPLP7Jü-2"), None);
        // The tag and the secret are both part of it.
        assert_eq!(check_signature(KEY, "www", "secret", "jIPLP7Ju"), None);
        assert_eq!(check_signature(KEY, "prod", "other", "jIPLP7Ju"), None);
    }

    #[test]
    fn states_from_path_number() {
        assert_eq!(States::from_path("3"), Some(States::Three));
        assert_eq!(States::from_path("003"), Some(States::Three));
        for other in ["2", "0", "7", "30", "13", "99999999999999999999999"] {
            assert_eq!(States::from_path(other), Some(States::Two), "{other}");
        }
        for bad in ["", "-3", "+3", "3a", " 3"] {
            assert_eq!(States::from_path(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn quote_tag_encodes_twice_with_no_safe_characters() {
        assert_eq!(quote_tag("db@dc1"), "db%2540dc1");
        assert_eq!(quote_tag("a b"), "a%2520b");
        assert_eq!(quote_tag("prod-1.x_y~z"), "prod-1.x_y~z");
        assert_eq!(quote_tag("a/b%"), "a%252Fb%2525");
        // Python: quote(quote("a b ü~_.-", safe=""), safe="")
        assert_eq!(quote_tag("a b ü~_.-"), "a%2520b%2520%25C3%25BC~_.-");
    }

    #[test]
    fn unquote_tag_reverses_quote_tag_after_one_decoding() {
        for tag in ["db@dc1", "a b", "plain", "ü/?#&", "*", "100%"] {
            // What the router hands over: the generated segment decoded once.
            let once = quote_tag(tag).replace("%25", "%");
            assert_eq!(unquote_tag(&once).as_deref(), Some(tag), "{tag}");
        }
    }

    #[test]
    fn unquote_tag_route_rules() {
        assert_eq!(unquote_tag("db%40dc1").as_deref(), Some("db@dc1"));
        assert_eq!(unquote_tag("prod").as_deref(), Some("prod"));
        assert_eq!(unquote_tag("ünï_1.x-y~").as_deref(), Some("ünï_1.x-y~"));
        // Raw special characters do not match the route.
        assert_eq!(unquote_tag("db@dc1"), None);
        assert_eq!(unquote_tag("a b"), None);
        assert_eq!(unquote_tag("a/b"), None);
        assert_eq!(unquote_tag("*"), None);
        assert_eq!(unquote_tag(""), None);
        // Malformed escapes stay literal, as in Python's unquote.
        assert_eq!(unquote_tag("50%").as_deref(), Some("50%"));
        assert_eq!(unquote_tag("%zz%4").as_deref(), Some("%zz%4"));
        assert_eq!(unquote_tag("%c3%bc").as_deref(), Some("ü"));
        // Bytes that are not UTF-8.
        assert_eq!(unquote_tag("%ff"), None);
    }

    #[test]
    fn tally_three_state() {
        let t = tally([Status::Up, Status::New, Status::Paused], States::Three);
        assert_eq!(
            t,
            Tally {
                status: BadgeStatus::Up,
                total: 3,
                grace: 0,
                down: 0
            }
        );
        let t = tally([Status::Up, Status::Grace, Status::Grace], States::Three);
        assert_eq!(
            (t.status, t.total, t.grace, t.down),
            (BadgeStatus::Late, 3, 2, 0)
        );
        // Down wins over late whichever comes first.
        let t = tally([Status::Grace, Status::Down, Status::Grace], States::Three);
        assert_eq!(
            (t.status, t.total, t.grace, t.down),
            (BadgeStatus::Down, 3, 2, 1)
        );
        let t = tally([Status::Down, Status::Grace, Status::Down], States::Three);
        assert_eq!(
            (t.status, t.total, t.grace, t.down),
            (BadgeStatus::Down, 3, 1, 2)
        );
    }

    #[test]
    fn tally_two_state_never_late_but_counts_grace() {
        let t = tally([Status::Grace, Status::Up], States::Two);
        assert_eq!(
            (t.status, t.total, t.grace, t.down),
            (BadgeStatus::Up, 2, 1, 0)
        );
        let t = tally([Status::Grace, Status::Down], States::Two);
        assert_eq!(
            (t.status, t.total, t.grace, t.down),
            (BadgeStatus::Down, 2, 1, 1)
        );
    }

    #[test]
    fn empty_tag_is_up() {
        let t = tally([], States::Two);
        assert_eq!(
            json(&t),
            r#"{"status": "up", "total": 0, "grace": 0, "down": 0}"#
        );
    }

    #[test]
    fn single_check_tally() {
        let t = check_tally(Status::Grace, States::Two);
        assert_eq!(
            (t.status, t.total, t.grace, t.down),
            (BadgeStatus::Up, 1, 1, 0)
        );
        let t = check_tally(Status::Grace, States::Three);
        assert_eq!(
            (t.status, t.total, t.grace, t.down),
            (BadgeStatus::Late, 1, 1, 0)
        );
        for states in [States::Two, States::Three] {
            let t = check_tally(Status::Down, states);
            assert_eq!(
                (t.status, t.total, t.grace, t.down),
                (BadgeStatus::Down, 1, 0, 1)
            );
            for s in [Status::New, Status::Up, Status::Paused, Status::Started] {
                assert_eq!(check_tally(s, states).status, BadgeStatus::Up);
            }
        }
    }

    #[test]
    fn json_formats() {
        let t = tally([Status::Up, Status::Grace, Status::Down], States::Three);
        assert_eq!(
            json(&t),
            r#"{"status": "down", "total": 3, "grace": 1, "down": 1}"#
        );
        let late = check_tally(Status::Grace, States::Three);
        assert_eq!(
            shields("prod", &late),
            r#"{"schemaVersion": 1, "label": "prod", "message": "late", "color": "important"}"#
        );
        let up = check_tally(Status::Up, States::Three);
        assert!(shields("x", &up).ends_with(r#""message": "up", "color": "success"}"#));
        let down = check_tally(Status::Down, States::Three);
        assert!(shields("x", &down).ends_with(r#""message": "down", "color": "critical"}"#));
    }

    #[test]
    fn widths_follow_appendix_c() {
        assert_eq!(text_width(""), 0);
        assert_eq!(text_width("ijlI"), 12);
        assert_eq!(text_width("frJ-"), 16);
        assert_eq!(text_width("t"), 5);
        assert_eq!(text_width("cesx1FLP_"), 54);
        assert_eq!(text_width("ACDHNUV"), 56);
        assert_eq!(text_width("wGOQ"), 36);
        assert_eq!(text_width("mM"), 20);
        assert_eq!(text_width("W"), 11);
        assert_eq!(text_width("ab9 ü😀"), 42);
        assert_eq!(text_width("up"), 14);
        assert_eq!(text_width("late"), 21);
        assert_eq!(text_width("down"), 30);
    }

    #[test]
    fn py_float_half_prints_like_python() {
        assert_eq!(py_float_half(0), "0.0");
        assert_eq!(py_float_half(62), "31.0");
        assert_eq!(py_float_half(85), "42.5");
    }

    #[test]
    fn svg_geometry() {
        // "Mychecks": M10 y7 c6 h7 e6 c6 k7 s6 = 55 → left 65; "up" 14 → right 24.
        let s = svg("Mychecks", BadgeStatus::Up);
        assert!(
            s.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"89\" height=\"20\"")
        );
        assert!(s.contains(r##"<rect x="0" y="0" width="65" height="20" fill="#555"/>"##));
        assert!(s.contains(r##"<rect x="65" y="0" width="24" height="20" fill="#4c1"/>"##));
        assert!(s.contains(r#"rx="3""#));
        assert!(s.contains(r##"<text x="32.5" y="14" fill="#fff">Mychecks</text>"##));
        assert!(s.contains(
            r##"<text x="32.5" y="15" fill="#010101" fill-opacity="0.3">Mychecks</text>"##
        ));
        // 65 + 24 / 2
        assert!(s.contains(r##"<text x="77.0" y="14" fill="#fff">up</text>"##));
        assert!(s.contains("font-size=\"11\""));
        assert!(s.ends_with("</svg>\n"));

        // "prod" = 7+4+7+7 = 25 → left 35; "late" 21 → right 31; total 66.
        let s = svg("prod", BadgeStatus::Late);
        assert!(s.contains(r#"width="66""#));
        assert!(s.contains(r##"fill="#fe7d37""##));
        assert!(s.contains(r##"<text x="17.5" y="14" fill="#fff">prod</text>"##));
        assert!(s.contains(r##"<text x="50.5" y="14" fill="#fff">late</text>"##));

        let s = svg("db", BadgeStatus::Down);
        assert!(s.contains(r##"fill="#e05d44""##));
        assert!(s.contains(r##"<text x="12.0" y="14" fill="#fff">db</text>"##));
        // 24 + 40 / 2
        assert!(s.contains(r##"<text x="44.0" y="14" fill="#fff">down</text>"##));
    }

    #[test]
    fn svg_escapes_the_label_and_stays_well_formed() {
        let label = "a<b>&\"c'\u{1}";
        let s = svg(label, BadgeStatus::Up);
        let escaped = "a&lt;b&gt;&amp;&quot;c&#x27;\u{fffd}";
        // Width is measured on the label itself, not its escaped form: 8 × 7 + c6 = 62.
        assert!(s.contains(r##"<rect x="0" y="0" width="72" height="20" fill="#555"/>"##));
        assert!(s.contains(&format!(r##"fill="#fff">{escaped}</text>"##)));
        assert!(s.contains(&format!(r#"aria-label="{escaped}: up""#)));
        assert!(!s.contains(label));
        assert!(!s.contains('\u{1}'));
        // No raw markup characters leak in: every `<` opens a tag and every `&` an entity.
        let body: String = s
            .split('<')
            .skip(1)
            .map(|part| part.split_once('>').map_or("", |(_, text)| text))
            .collect();
        assert!(!body.contains('>'));
        assert_eq!(s.matches('<').count(), s.matches('>').count());
        assert!(balanced_tags(&s));
    }

    /// A small structural check: start and end tags nest properly.
    fn balanced_tags(s: &str) -> bool {
        let mut open: Vec<&str> = Vec::new();
        for part in s.split('<').skip(1) {
            let Some((tag, _)) = part.split_once('>') else {
                return false;
            };
            if let Some(name) = tag.strip_prefix('/') {
                if open.pop() != Some(name) {
                    return false;
                }
            } else if !tag.ends_with('/') {
                open.push(tag.split_whitespace().next().unwrap_or(""));
            }
        }
        open.is_empty()
    }
}
