//! What healthchecks' framework (Django, `DEBUG=False`) adds to every answer, which
//! every hc service repeats: the error pages for unmatched URLs and refused requests,
//! and the security and "never cache" headers.

/// Django's security middleware headers, on every response.
pub const SECURITY_HEADERS: [(&str, &str); 4] = [
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "same-origin"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
    ("X-Frame-Options", "DENY"),
];

/// `Cache-Control` of Django's `never_cache` (pings, badges); `Expires` is set to now.
pub const NEVER_CACHE: &str = "max-age=0, no-cache, no-store, must-revalidate, private";

/// The error page for `status` (404, 403, 400, 500; anything else is treated as 500).
pub fn error_page(status: u16) -> String {
    let (title, detail) = match status {
        404 => (
            "Not Found",
            "The requested resource was not found on this server.",
        ),
        403 => ("403 Forbidden", ""),
        400 => ("Bad Request (400)", ""),
        _ => ("Server Error (500)", ""),
    };
    format!(
        "\n<!doctype html>\n<html lang=\"en\">\n<head>\n  <title>{title}</title>\n</head>\n<body>\n  <h1>{title}</h1><p>{detail}</p>\n</body>\n</html>\n"
    )
}

/// JSON as Python's `json.dumps` writes it, which healthchecks' answers are: `", "`
/// and `": "` separators, and every character outside printable ASCII escaped as
/// `\uXXXX` (surrogate pairs above U+FFFF). Clients compare bodies byte for byte
/// more often than one would hope.
pub fn python_json<T: serde::Serialize + ?Sized>(value: &T) -> String {
    let mut out = Vec::with_capacity(128);
    let mut serializer = serde_json::Serializer::with_formatter(&mut out, PythonFormatter);
    match value.serialize(&mut serializer) {
        // The formatter writes only ASCII.
        Ok(()) => String::from_utf8(out).unwrap_or_default(),
        // Only maps with non-string keys fail, and hc serialises none.
        Err(e) => {
            tracing::error!(error = %e, "cannot serialise JSON");
            String::from("{}")
        }
    }
}

struct PythonFormatter;

impl serde_json::ser::Formatter for PythonFormatter {
    fn begin_array_value<W: ?Sized + std::io::Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        if first {
            Ok(())
        } else {
            writer.write_all(b", ")
        }
    }

    fn begin_object_key<W: ?Sized + std::io::Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        // Members are separated as array items are.
        self.begin_array_value(writer, first)
    }

    fn begin_object_value<W: ?Sized + std::io::Write>(
        &mut self,
        writer: &mut W,
    ) -> std::io::Result<()> {
        writer.write_all(b": ")
    }

    fn write_string_fragment<W: ?Sized + std::io::Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> std::io::Result<()> {
        for c in fragment.chars() {
            if (' '..='~').contains(&c) {
                let mut buf = [0u8; 1];
                writer.write_all(c.encode_utf8(&mut buf).as_bytes())?;
            } else {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    write!(writer, "\\u{unit:04x}")?;
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn pages_carry_django_titles() {
        assert!(super::error_page(404).contains("<title>Not Found</title>"));
        assert!(super::error_page(404)
            .contains("<p>The requested resource was not found on this server.</p>"));
        assert!(super::error_page(400).contains("<h1>Bad Request (400)</h1><p></p>"));
        assert!(super::error_page(500).contains("Server Error (500)"));
    }

    #[test]
    fn json_is_written_as_python_writes_it() {
        // python3 -c 'import json; print(json.dumps({"a": [1, 2.5, None, True], "é": "x\u007f😀\n\"\\\\"}))'
        let value = serde_json::json!({"a": [1, 2.5, null, true], "é": "x\u{7f}😀\n\"\\"});
        assert_eq!(
            super::python_json(&value),
            r#"{"a": [1, 2.5, null, true], "\u00e9": "x\u007f\ud83d\ude00\n\"\\"}"#
        );
        assert_eq!(super::python_json(&serde_json::json!({})), "{}");
        assert_eq!(super::python_json(&serde_json::json!([])), "[]");
    }
}
