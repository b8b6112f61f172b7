//! Django's `slugify`, which API v1 and v2 apply to a check's name to derive its slug.

use unicode_normalization::UnicodeNormalization;

/// NFKD-normalise, drop what is not ASCII, lower-case, keep word characters, spaces
/// and `-`, turn runs of spaces and `-` into one `-`, and trim `-` and `_` at the ends.
pub fn slugify(value: &str) -> String {
    let ascii: String = value
        .nfkd()
        .filter(char::is_ascii)
        .map(|c| c.to_ascii_lowercase())
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-') || is_space(*c))
        .collect();
    let mut slug = String::with_capacity(ascii.len());
    let mut in_separator = false;
    for c in ascii.chars() {
        if c == '-' || is_space(c) {
            in_separator = true;
        } else {
            if in_separator && !slug.is_empty() {
                slug.push('-');
            }
            in_separator = false;
            slug.push(c);
        }
    }
    if in_separator && !slug.is_empty() {
        slug.push('-');
    }
    slug.trim_matches(|c| c == '-' || c == '_').to_owned()
}

/// Python's `\s` on ASCII text, which also counts the information separators.
fn is_space(c: char) -> bool {
    matches!(
        c,
        ' ' | '\t' | '\n' | '\r' | '\x0b' | '\x0c' | '\x1c'..='\x1f'
    )
}

#[cfg(test)]
mod tests {
    use super::slugify;

    #[test]
    fn matches_django() {
        // Expected values from Django's django.utils.text.slugify.
        for (input, expected) in [
            ("Backups – Daily!", "backups-daily"),
            ("Hello World", "hello-world"),
            ("  leading and trailing  ", "leading-and-trailing"),
            ("a--b", "a-b"),
            ("a - b", "a-b"),
            ("_under_score_", "under_score"),
            ("-x-", "x"),
            ("Crème brûlée", "creme-brulee"),
            ("日本語", ""),
            ("ﬁle №1", "file-no1"),
            ("", ""),
            ("a\tb\nc", "a-b-c"),
            ("x_-_y", "x_-_y"),
            ("_-x", "x"),
            ("a\x1fb", "a-b"),
        ] {
            assert_eq!(slugify(input), expected, "{input:?}");
        }
    }
}
