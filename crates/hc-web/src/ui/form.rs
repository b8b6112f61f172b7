//! Posted forms (`application/x-www-form-urlencoded`), read leniently: a missing
//! field is empty, so handlers validate values rather than fail on shapes.

use std::collections::HashMap;

/// The fields of one form post; a field given twice keeps every value.
#[derive(Debug, Default, Clone)]
pub struct Form {
    fields: HashMap<String, Vec<String>>,
}

impl Form {
    pub fn parse(body: &[u8]) -> Form {
        let mut fields: HashMap<String, Vec<String>> = HashMap::new();
        for (name, value) in url::form_urlencoded::parse(body) {
            fields
                .entry(name.into_owned())
                .or_default()
                .push(value.into_owned());
        }
        Form { fields }
    }

    /// The first value of `name`, or `""`.
    pub fn get(&self, name: &str) -> &str {
        self.fields
            .get(name)
            .and_then(|v| v.first())
            .map(String::as_str)
            .unwrap_or("")
    }

    /// The first value of `name`, trimmed.
    pub fn trimmed(&self, name: &str) -> &str {
        self.get(name).trim()
    }

    pub fn has(&self, name: &str) -> bool {
        self.fields.contains_key(name)
    }

    /// Field names, e.g. for `check-<uuid>` checkboxes.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.fields.keys().map(String::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_decoded_and_missing_ones_are_empty() {
        let form = Form::parse(b"email=a%40b.org&name=x+y&name=z&empty=");
        assert_eq!(form.get("email"), "a@b.org");
        assert_eq!(form.get("name"), "x y");
        assert_eq!(form.get("missing"), "");
        assert!(form.has("empty") && !form.has("missing"));
    }
}
