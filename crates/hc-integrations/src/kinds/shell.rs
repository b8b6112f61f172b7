//! Shell commands (spec §6.2 `shell`): the command the user set for the new status
//! runs through `sh -c` on the machine running `sendalerts`, after healthchecks'
//! placeholders are filled in. Only when the operator sets `SHELL_ENABLED`: whoever
//! can add such an integration can run anything the daemon's user can.
//!
//! healthchecks waits for `os.system` as long as it takes; hc gives a command
//! [`TIMEOUT`] and then kills its whole process group, so that a hung command
//! cannot hold a delivery slot (and its lease) for ever.

use std::os::unix::process::ExitStatusExt;
use std::process::{ExitStatus, Stdio};
use std::time::Duration;

use serde::Deserialize;

use crate::alert::Senders;
use crate::context::Alert;
use crate::failure::Failure;

/// How long a command (or Apprise's command-line tool) may run before it is killed.
/// Under the delivery lease (two minutes), so another daemon never starts the same
/// command while this one is still running.
pub const TIMEOUT: Duration = Duration::from_secs(60);

/// The two commands, as healthchecks stores them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct Commands {
    pub cmd_down: String,
    pub cmd_up: String,
}

impl Commands {
    /// A channel's commands; an unreadable value has none.
    pub fn parse(value: &str) -> Commands {
        serde_json::from_str(value).unwrap_or_default()
    }

    /// The command for `status` (`up` or `down`), possibly empty.
    pub fn for_status(&self, status: &str) -> &str {
        if status == "down" {
            &self.cmd_down
        } else {
            &self.cmd_up
        }
    }
}

/// Nothing runs for a status without a command.
pub fn is_noop(value: &str, status: &str) -> bool {
    Commands::parse(value).for_status(status).trim().is_empty()
}

/// Fills in `$CODE`, `$STATUS`, `$NOW`, `$NAME`, `$TAGS` and `$TAG1`… as
/// healthchecks does: at each `$`, the first placeholder of that list the text
/// continues with (so `$TAG10` reads as `$TAG1` then `0`), and values are never
/// expanded again. The name and tags are shell-quoted, so that a check named
/// `x; rm -rf ~` stays one word.
pub fn prepare(template: &str, alert: &Alert) -> Result<String, Failure> {
    let quote = |s: &str| {
        shlex::try_quote(s)
            .map(|q| q.into_owned())
            .map_err(|_| Failure::fail("The check's name or tags cannot be passed to a shell"))
    };
    let mut values: Vec<(String, String)> = vec![
        ("$CODE".into(), alert.check.code.clone()),
        ("$STATUS".into(), alert.status.clone()),
        (
            "$NOW".into(),
            hc_core::time::isoformat_seconds(alert.flip_time),
        ),
        ("$NAME".into(), quote(&alert.check.name)?),
        ("$TAGS".into(), quote(&alert.check.tags)?),
    ];
    for (i, tag) in alert.tags().into_iter().enumerate() {
        values.push((format!("$TAG{}", i + 1), quote(tag)?));
    }
    let mut out = String::with_capacity(template.len());
    let mut parts = template.split('$');
    out.push_str(parts.next().unwrap_or_default());
    for part in parts {
        let part = format!("${part}");
        match values
            .iter()
            .find(|(name, _)| part.starts_with(name.as_str()))
        {
            Some((name, value)) => {
                out.push_str(value);
                out.push_str(part.get(name.len()..).unwrap_or_default());
            }
            None => out.push_str(&part),
        }
    }
    Ok(out)
}

pub async fn send(senders: &Senders, alert: &Alert) -> Result<(), Failure> {
    if !senders.config.integrations.shell_enabled {
        return Err(Failure::fail("Shell commands are not enabled"));
    }
    let commands = Commands::parse(&alert.channel.value);
    let template = commands.for_status(&alert.status);
    if template.trim().is_empty() {
        return Ok(());
    }
    let command = prepare(template, alert)?;
    let status = run("sh", &["-c", &command], TIMEOUT)
        .await
        .map_err(|e| match e {
            RunError::Spawn(e) => Failure::fail(format!("Cannot run the command: {e}")),
            RunError::TimedOut => Failure::fail(format!(
                "Command timed out after {} seconds",
                TIMEOUT.as_secs()
            )),
        })?;
    if status.success() {
        Ok(())
    } else {
        // healthchecks reports what `os.system` returns: the raw wait status
        // (exit code 1 reads 256; a signal, its number).
        Err(Failure::fail(format!(
            "Command returned exit code {}",
            status.into_raw()
        )))
    }
}

/// Why a command did not finish.
#[derive(Debug, thiserror::Error)]
pub(crate) enum RunError {
    #[error("{0}")]
    Spawn(std::io::Error),
    #[error("timed out")]
    TimedOut,
}

/// Runs `program` with `args` in a process group of its own, with no input and the
/// daemon's own output streams (as `os.system` does, so its messages end up in the
/// daemon's log). After `limit` the whole group is killed: `sh -c` may have started
/// children that would otherwise outlive it.
pub(crate) async fn run(
    program: &str,
    args: &[&str],
    limit: Duration,
) -> Result<ExitStatus, RunError> {
    let mut child = tokio::process::Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .process_group(0)
        .kill_on_drop(true)
        .spawn()
        .map_err(RunError::Spawn)?;
    match tokio::time::timeout(limit, child.wait()).await {
        Ok(status) => status.map_err(RunError::Spawn),
        Err(_) => {
            let group = child
                .id()
                .and_then(|id| i32::try_from(id).ok())
                .and_then(rustix::process::Pid::from_raw);
            let killed = group.is_some_and(|pid| {
                rustix::process::kill_process_group(pid, rustix::process::Signal::KILL).is_ok()
            });
            if !killed {
                let _ = child.start_kill();
            }
            // Reaped, so that no zombie is left behind.
            let _ = child.wait().await;
            tracing::warn!(
                limit_s = limit.as_secs(),
                "an integration's command ran too long and was killed"
            );
            Err(RunError::TimedOut)
        }
    }
}

#[cfg(test)]
mod tests;
