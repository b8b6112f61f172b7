//! The dashboard's rules for what people type about a check (spec §7.3): the name
//! form (name, slug, tags, description) and the filtering rules form. Every problem
//! is reported by field, so a page can show each message next to its field.
//!
//! These are the web form's rules, not the API's: the form accepts upper-case slugs
//! (Django's slug field) and normalises tags, where the API stores what it is given.

use crate::models::Check;

/// Longest name and slug.
pub const MAX_NAME: usize = 100;
/// Longest tag list, after normalising.
pub const MAX_TAGS: usize = 500;
/// Longest keyword list of the filtering rules.
pub const MAX_KEYWORDS: usize = 200;

/// Problems found in a form, in field order: `(field name, message)`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldErrors(pub Vec<(&'static str, String)>);

impl FieldErrors {
    /// The message for `field`, if it has one.
    pub fn get(&self, field: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(name, _)| *name == field)
            .map(|(_, message)| message.as_str())
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    fn add(&mut self, field: &'static str, message: String) {
        self.0.push((field, message));
    }

    fn into_result<T>(self, value: T) -> Result<T, FieldErrors> {
        if self.is_empty() {
            Ok(value)
        } else {
            Err(self)
        }
    }
}

/// Django's words for a value over `max` characters.
fn too_long(max: usize, n: usize) -> String {
    format!("Ensure this value has at most {max} characters (it has {n}).")
}

/// Checks a trimmed text value: its length and (for every backend alike) no NUL,
/// which PostgreSQL cannot store.
fn text(errors: &mut FieldErrors, field: &'static str, value: &str, max: Option<usize>) -> String {
    let value = value.trim();
    let n = value.chars().count();
    if value.contains('\0') {
        errors.add(field, "Null characters are not allowed.".into());
    } else if let Some(max) = max.filter(|max| n > *max) {
        errors.add(field, too_long(max, n));
    }
    value.to_owned()
}

/// Runs of whitespace become one space; leading and trailing whitespace goes.
pub fn normalize_tags(tags: &str) -> String {
    tags.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The name form, cleaned.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct NameForm {
    pub name: String,
    pub slug: String,
    pub tags: String,
    pub desc: String,
}

impl NameForm {
    /// Trims every field, normalises the tags and checks the limits: name and slug
    /// at most 100 characters, the slug only `[-a-zA-Z0-9_]`, tags at most 500.
    pub fn clean(name: &str, slug: &str, tags: &str, desc: &str) -> Result<NameForm, FieldErrors> {
        let mut errors = FieldErrors::default();
        let name = text(&mut errors, "name", name, Some(MAX_NAME));
        let slug = text(&mut errors, "slug", slug, Some(MAX_NAME));
        if errors.get("slug").is_none()
            && !slug
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            errors.add(
                "slug",
                "Enter a valid “slug” consisting of letters, numbers, underscores or hyphens."
                    .into(),
            );
        }
        let tags = normalize_tags(&text(&mut errors, "tags", tags, None));
        let n = tags.chars().count();
        if errors.get("tags").is_none() && n > MAX_TAGS {
            errors.add("tags", too_long(MAX_TAGS, n));
        }
        let desc = text(&mut errors, "desc", desc, None);
        errors.into_result(NameForm {
            name,
            slug,
            tags,
            desc,
        })
    }

    pub fn apply(&self, check: &mut Check) {
        check.name.clone_from(&self.name);
        check.slug.clone_from(&self.slug);
        check.tags.clone_from(&self.tags);
        check.description.clone_from(&self.desc);
    }
}

/// The filtering rules form, cleaned.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct FilterRules {
    pub filter_subject: bool,
    pub filter_body: bool,
    pub filter_http_body: bool,
    pub filter_default_fail: bool,
    pub start_kw: String,
    pub success_kw: String,
    pub failure_kw: String,
    pub methods: String,
    pub manual_resume: bool,
}

/// A checkbox as Django reads it: absent, empty, `false`, `0` or `off` is unticked.
fn ticked(value: Option<&str>) -> bool {
    value.is_some_and(|v| {
        !matches!(
            v.trim().to_ascii_lowercase().as_str(),
            "" | "false" | "0" | "off"
        )
    })
}

impl FilterRules {
    /// Reads the form through `field` (`None` = the field was not sent).
    pub fn clean<'a>(field: impl Fn(&str) -> Option<&'a str>) -> Result<FilterRules, FieldErrors> {
        let mut errors = FieldErrors::default();
        let mut keywords = |name: &'static str| {
            text(
                &mut errors,
                name,
                field(name).unwrap_or(""),
                Some(MAX_KEYWORDS),
            )
        };
        let start_kw = keywords("start_kw");
        let success_kw = keywords("success_kw");
        let failure_kw = keywords("failure_kw");
        let methods = field("methods").unwrap_or("").trim().to_owned();
        if !matches!(methods.as_str(), "" | "POST") {
            errors.add(
                "methods",
                "Select a valid choice: any method, or POST only.".into(),
            );
        }
        errors.into_result(FilterRules {
            filter_subject: ticked(field("filter_subject")),
            filter_body: ticked(field("filter_body")),
            filter_http_body: ticked(field("filter_http_body")),
            filter_default_fail: ticked(field("filter_default_fail")),
            start_kw,
            success_kw,
            failure_kw,
            methods,
            manual_resume: ticked(field("manual_resume")),
        })
    }

    /// The rules a check has now, to fill the form.
    pub fn of(check: &Check) -> FilterRules {
        FilterRules {
            filter_subject: check.filter_subject,
            filter_body: check.filter_body,
            filter_http_body: check.filter_http_body,
            filter_default_fail: check.filter_default_fail,
            start_kw: check.start_kw.clone(),
            success_kw: check.success_kw.clone(),
            failure_kw: check.failure_kw.clone(),
            methods: check.methods.clone(),
            manual_resume: check.manual_resume,
        }
    }

    pub fn apply(&self, check: &mut Check) {
        check.filter_subject = self.filter_subject;
        check.filter_body = self.filter_body;
        check.filter_http_body = self.filter_http_body;
        check.filter_default_fail = self.filter_default_fail;
        check.start_kw.clone_from(&self.start_kw);
        check.success_kw.clone_from(&self.success_kw);
        check.failure_kw.clone_from(&self.failure_kw);
        check.methods.clone_from(&self.methods);
        check.manual_resume = self.manual_resume;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_name_form_trims_and_normalises() {
        let form = NameForm::clean(
            "  Backups ",
            " Nightly_db-1 ",
            "  prod \t www\n\n db ",
            " hi\n",
        )
        .unwrap_or_default();
        assert_eq!(form.name, "Backups");
        assert_eq!(form.slug, "Nightly_db-1");
        assert_eq!(form.tags, "prod www db");
        assert_eq!(form.desc, "hi");
    }

    #[test]
    fn the_name_form_enforces_its_limits_at_the_boundary() {
        let ok = NameForm::clean(
            &"n".repeat(100),
            &"s".repeat(100),
            &"t".repeat(500),
            &"d".repeat(10_000),
        );
        assert!(ok.is_ok());
        let Err(errors) = NameForm::clean(&"n".repeat(101), &"s".repeat(101), &"t".repeat(501), "")
        else {
            panic!("over-long values were accepted");
        };
        assert_eq!(
            errors.get("name"),
            Some("Ensure this value has at most 100 characters (it has 101).")
        );
        assert_eq!(
            errors.get("slug"),
            Some("Ensure this value has at most 100 characters (it has 101).")
        );
        assert_eq!(
            errors.get("tags"),
            Some("Ensure this value has at most 500 characters (it has 501).")
        );
        assert_eq!(errors.get("desc"), None);
        // Counted in characters, not bytes.
        assert!(NameForm::clean(&"é".repeat(100), "", "", "").is_ok());
        // Spaces that normalising removes do not count against the tags.
        assert!(NameForm::clean("", "", &format!("a{}b", " ".repeat(600)), "").is_ok());
    }

    #[test]
    fn slugs_are_letters_digits_underscores_and_hyphens() {
        for bad in ["a b", "a/b", "<script>", "é", "a.b"] {
            let errors = NameForm::clean("", bad, "", "").err().unwrap_or_default();
            assert!(
                errors.get("slug").is_some_and(|m| m.contains("slug")),
                "{bad}"
            );
        }
        assert!(
            NameForm::clean("", "", "", "").is_ok(),
            "a slug is optional"
        );
        let nul = NameForm::clean("a\0b", "", "", "x\0")
            .err()
            .unwrap_or_default();
        assert_eq!(nul.get("name"), Some("Null characters are not allowed."));
        assert_eq!(nul.get("desc"), Some("Null characters are not allowed."));
    }

    #[test]
    fn filtering_rules_read_checkboxes_as_django_does() {
        let fields = [
            ("filter_subject", "on"),
            ("filter_body", "false"),
            ("filter_http_body", "1"),
            ("success_kw", " SUCCESS "),
            ("methods", "POST"),
        ];
        let get = |name: &str| fields.iter().find(|(n, _)| *n == name).map(|(_, v)| *v);
        let rules = FilterRules::clean(get).unwrap_or_default();
        assert!(rules.filter_subject && !rules.filter_body && rules.filter_http_body);
        assert!(!rules.filter_default_fail && !rules.manual_resume);
        assert_eq!(rules.success_kw, "SUCCESS");
        assert_eq!(rules.methods, "POST");
    }

    #[test]
    fn filtering_rules_refuse_long_keywords_and_unknown_methods() {
        let long = "k".repeat(201);
        let fields = [("start_kw", long.as_str()), ("methods", "GET")];
        let get = |name: &str| fields.iter().find(|(n, _)| *n == name).map(|(_, v)| *v);
        let errors = FilterRules::clean(get).err().unwrap_or_default();
        assert_eq!(
            errors.get("start_kw"),
            Some("Ensure this value has at most 200 characters (it has 201).")
        );
        assert!(errors.get("methods").is_some());
        let exact = "k".repeat(200);
        let fields = [("failure_kw", exact.as_str())];
        let get = |name: &str| fields.iter().find(|(n, _)| *n == name).map(|(_, v)| *v);
        assert!(FilterRules::clean(get).is_ok());
    }
}
