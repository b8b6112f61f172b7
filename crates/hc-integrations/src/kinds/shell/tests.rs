use std::time::Instant;

use super::*;
use crate::context::sample;

fn alert_named(name: &str, tags: &str) -> Alert {
    let mut alert = sample();
    alert.check.name = name.into();
    alert.check.tags = tags.into();
    alert
}

#[test]
fn commands_are_read_per_status() {
    let value = r#"{"cmd_down": "logger down", "cmd_up": ""}"#;
    assert!(!is_noop(value, "down"));
    assert!(is_noop(value, "up"));
    assert!(is_noop("not json", "down"));
    assert_eq!(Commands::parse(value).for_status("down"), "logger down");
}

#[test]
fn placeholders_are_filled_in_once_and_names_quoted() {
    let alert = alert_named("Database", "foo bar");
    assert_eq!(
        prepare("logger $NAME is $STATUS ($TAG1)", &alert).ok(),
        Some("logger Database is down (foo)".to_owned())
    );
    let code = alert.check.code.clone();
    assert_eq!(
        prepare("x $CODE $NOW $TAGS $TAG2 $TAG3 $$NAME $OTHER", &alert).ok(),
        Some(format!(
            "x {code} 2026-01-03T03:04:05+00:00 'foo bar' bar $TAG3 $Database $OTHER"
        ))
    );
    // Values that look like placeholders, or like shell syntax, stay as they are.
    let tricky = alert_named("$TAGS; rm -rf ~ 'q'", "$(id)");
    let prepared = prepare("echo $NAME $TAG1", &tricky).unwrap_or_default();
    assert_eq!(
        shlex::split(&prepared),
        Some(vec![
            "echo".to_owned(),
            "$TAGS; rm -rf ~ 'q'".to_owned(),
            "$(id)".to_owned()
        ])
    );
    assert_eq!(
        prepare("$NAME", &alert_named("", "")).ok(),
        Some("''".into())
    );
}

/// A file in the system's temporary directory, removed when dropped.
struct TempFile(std::path::PathBuf);

impl TempFile {
    fn new(label: &str) -> TempFile {
        TempFile(
            std::env::temp_dir().join(format!("hc-shell-{label}-{}", hc_core::keys::new_uuid())),
        )
    }
    fn text(&self) -> String {
        std::fs::read_to_string(&self.0).unwrap_or_default()
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

#[tokio::test]
async fn commands_run_and_report_the_raw_wait_status() {
    let out = TempFile::new("run");
    let path = out.0.display().to_string();
    let ok = run("sh", &["-c", &format!("echo hello > {path}")], TIMEOUT).await;
    assert!(ok.is_ok_and(|s| s.success()));
    assert_eq!(out.text(), "hello\n");
    let failed = run("sh", &["-c", "exit 3"], TIMEOUT).await;
    assert_eq!(failed.ok().map(ExitStatusExt::into_raw), Some(3 << 8));
    assert!(matches!(
        run("/nonexistent/program", &[], TIMEOUT).await,
        Err(RunError::Spawn(_))
    ));
}

#[tokio::test]
async fn a_hung_command_and_its_children_are_killed() {
    let out = TempFile::new("hung");
    let path = out.0.display().to_string();
    let started = Instant::now();
    // The background child would write after two seconds if it survived.
    let script = format!("(sleep 2; echo late > {path}) & sleep 30");
    let result = run("sh", &["-c", &script], Duration::from_millis(300)).await;
    assert!(matches!(result, Err(RunError::TimedOut)));
    assert!(started.elapsed() < Duration::from_secs(5));
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert_eq!(out.text(), "", "the command's children were killed too");
}
