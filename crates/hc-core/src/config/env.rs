//! Reading typed values from the environment, with healthchecks' parsing rules and
//! error messages that name the variable and say how to fix it.

use std::path::Path;

use super::{ConfigError, Secret};

/// A source of variables: the process environment, or a map in tests.
pub struct Env<'a> {
    lookup: Box<Lookup<'a>>,
}

type Lookup<'a> = dyn Fn(&str) -> Option<String> + 'a;

impl<'a> Env<'a> {
    pub fn new(lookup: impl Fn(&str) -> Option<String> + 'a) -> Self {
        Self {
            lookup: Box::new(lookup),
        }
    }

    /// The process environment. Variables that are not valid UTF-8 count as unset.
    pub fn process() -> Env<'static> {
        Env::new(|name| std::env::var(name).ok())
    }

    /// The raw value, `None` when unset. An empty value counts as set.
    pub fn get(&self, name: &str) -> Option<String> {
        (self.lookup)(name)
    }

    pub fn is_set(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    pub fn string(&self, name: &str, default: &str) -> String {
        self.get(name).unwrap_or_else(|| default.to_owned())
    }

    /// An optional string; unset and empty both mean "none".
    pub fn opt_string(&self, name: &str) -> Option<String> {
        self.get(name).filter(|v| !v.is_empty())
    }

    /// A secret, from `NAME` or from the file named by `NAME_FILE` (content stripped),
    /// as healthchecks reads its secrets.
    pub fn secret(&self, name: &str) -> Result<Option<Secret>, ConfigError> {
        let file_var = format!("{name}_FILE");
        if let Some(path) = self.opt_string(&file_var) {
            let content = std::fs::read_to_string(Path::new(&path)).map_err(|e| {
                ConfigError::invalid(
                    &file_var,
                    format!("cannot read {path} ({e}); point it at a readable file"),
                )
            })?;
            return Ok(Some(Secret::new(content.trim().to_owned())));
        }
        Ok(self.opt_string(name).map(Secret::new))
    }

    /// healthchecks' booleans: `True`, `False` or empty (= False). We also take the
    /// lower-case spellings and 1/0, which people type by habit.
    pub fn bool(&self, name: &str, default: bool) -> Result<bool, ConfigError> {
        match self.get(name).as_deref() {
            None => Ok(default),
            Some("True" | "true" | "1") => Ok(true),
            Some("False" | "false" | "0" | "") => Ok(false),
            Some(other) => Err(ConfigError::invalid(
                name,
                format!("unexpected value {other:?}, use 'True' or 'False'"),
            )),
        }
    }

    /// An integer that may be `None` (healthchecks' "no value"); unset gives `default`.
    pub fn opt_int(&self, name: &str, default: Option<i64>) -> Result<Option<i64>, ConfigError> {
        match self.get(name).as_deref().map(str::trim) {
            None | Some("") => Ok(default),
            Some("None") => Ok(None),
            Some(text) => text
                .parse()
                .map(Some)
                .map_err(|_| ConfigError::invalid(name, format!("{text:?} is not a whole number"))),
        }
    }

    /// A non-negative integer within `range`.
    pub fn int_in(
        &self,
        name: &str,
        default: i64,
        range: std::ops::RangeInclusive<i64>,
    ) -> Result<i64, ConfigError> {
        let value = self.opt_int(name, Some(default))?.unwrap_or(default);
        if range.contains(&value) {
            Ok(value)
        } else {
            Err(ConfigError::invalid(
                name,
                format!(
                    "{value} is out of range, use a number from {} to {}",
                    range.start(),
                    range.end()
                ),
            ))
        }
    }

    /// A comma-separated list; blanks dropped.
    pub fn list(&self, name: &str) -> Vec<String> {
        self.get(name)
            .unwrap_or_default()
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect()
    }
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "tests")]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn booleans_follow_healthchecks() {
        let vars = env(&[("A", "True"), ("B", "False"), ("C", ""), ("D", "yes")]);
        let e = Env::new(|k| vars.get(k).cloned());
        assert!(e.bool("A", false).unwrap());
        assert!(!e.bool("B", true).unwrap());
        assert!(!e.bool("C", true).unwrap());
        assert!(e.bool("UNSET", true).unwrap());
        let err = e.bool("D", false).unwrap_err().to_string();
        assert_eq!(err, "D: unexpected value \"yes\", use 'True' or 'False'");
    }

    #[test]
    fn integers_accept_none() {
        let vars = env(&[("A", "None"), ("B", "42"), ("C", "4x")]);
        let e = Env::new(|k| vars.get(k).cloned());
        assert_eq!(e.opt_int("A", Some(1)).unwrap(), None);
        assert_eq!(e.opt_int("B", None).unwrap(), Some(42));
        assert_eq!(e.opt_int("UNSET", Some(7)).unwrap(), Some(7));
        assert!(e.opt_int("C", None).is_err());
        assert!(e.int_in("B", 1, 0..=10).is_err());
    }

    #[test]
    fn secrets_come_from_files_too() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("secret");
        std::fs::write(&path, "  hunter2\n").unwrap();
        let vars = env(&[
            ("SECRET_KEY_FILE", path.to_str().unwrap()),
            ("MISSING_FILE", "/nonexistent/x"),
        ]);
        let e = Env::new(|k| vars.get(k).cloned());
        assert_eq!(e.secret("SECRET_KEY").unwrap().unwrap().expose(), "hunter2");
        let err = e.secret("MISSING").unwrap_err().to_string();
        assert!(
            err.starts_with("MISSING_FILE: cannot read /nonexistent/x"),
            "{err}"
        );
    }
}
