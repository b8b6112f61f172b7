//! `deploy/supervisor/hc.conf` under a real supervisord: kill sendalerts with
//! SIGKILL, supervisor starts it again, and the next flip is still notified.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use hc_test::{SmtpSink, TestDb};

fn supervisorctl(conf: &Path, args: &[&str]) -> String {
    let out = Command::new("supervisorctl")
        .arg("-c")
        .arg(conf)
        .args(args)
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn sendalerts_pid(conf: &Path) -> Option<u32> {
    supervisorctl(conf, &["pid", "sendalerts"])
        .trim()
        .parse()
        .ok()
        .filter(|pid| *pid > 0)
}

fn wait_for<T>(what: &str, timeout: Duration, mut f: impl FnMut() -> Option<T>) -> T {
    let start = Instant::now();
    loop {
        if let Some(value) = f() {
            return value;
        }
        assert!(start.elapsed() < timeout, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn supervisor_restarts_a_killed_sendalerts_and_alerts_keep_flowing() {
    let db = TestDb::new();
    let pool = db.migrated_pool();
    let sink = SmtpSink::start();
    let dir = tempfile::tempdir().unwrap();
    let deploy = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../deploy/supervisor/hc.conf");
    let conf = dir.path().join("supervisord.conf");
    std::fs::write(
        &conf,
        format!(
            "[supervisord]\nnodaemon=true\nlogfile={d}/supervisord.log\npidfile={d}/supervisord.pid\nchildlogdir={d}\n\
             [unix_http_server]\nfile={d}/supervisor.sock\n\
             [supervisorctl]\nserverurl=unix://{d}/supervisor.sock\n\
             [rpcinterface:supervisor]\nsupervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface\n\
             [include]\nfiles = {deploy}\n",
            d = dir.path().display(),
            deploy = deploy.display()
        ),
    )
    .unwrap();
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_sendalerts"))
        .parent()
        .unwrap()
        .to_owned();
    let mut supervisord = Command::new("supervisord")
        .arg("-c")
        .arg(&conf)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HC_BIN_DIR", &bin_dir)
        .env("SECRET_KEY", "test")
        .env("EMAIL_HOST", "127.0.0.1")
        .env("EMAIL_PORT", sink.port.to_string())
        .env("EMAIL_USE_TLS", "False")
        .env("HC_WEB_BIND", format!("127.0.0.1:{}", hc_test::free_port()))
        .env(
            "HC_PING_BIND",
            format!("127.0.0.1:{}", hc_test::free_port()),
        )
        .envs(db.env())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("supervisord (apt-get install supervisor)");

    let first = wait_for("sendalerts to start", Duration::from_secs(30), || {
        sendalerts_pid(&conf)
    });
    assert!(Command::new("kill")
        .args(["-KILL", &first.to_string()])
        .status()
        .unwrap()
        .success());
    let second = wait_for(
        "supervisor to restart sendalerts",
        Duration::from_secs(30),
        || sendalerts_pid(&conf).filter(|pid| *pid != first),
    );
    assert_ne!(first, second);

    // A check goes overdue after the restart: its alert still arrives.
    crate::notify::overdue_check(&mut pool.get().unwrap(), "ops@example.org");
    let messages = wait_for("the alert", Duration::from_secs(30), || {
        let m = sink.messages();
        (!m.is_empty()).then_some(m)
    });
    assert!(
        messages[0].contains("Subject: DOWN | My First Check"),
        "{}",
        messages[0]
    );

    let _ = Command::new("kill")
        .args(["-TERM", &supervisord.id().to_string()])
        .status();
    let _ = supervisord.wait();
}
