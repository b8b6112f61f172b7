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
}
