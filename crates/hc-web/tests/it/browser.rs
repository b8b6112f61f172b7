//! A real headless Chromium (Debian's `chromium` and `chromium-driver`, installed by
//! `.ci/install-deps`) driven over WebDriver with fantoccini: the dashboard as a
//! person uses it, forms, scripts, cookies and all.
//!
//! With `HC_SCREENSHOTS=<dir>` set, tests save PNGs of the pages they visit there
//! (how `docs/screenshots/` is made: `HC_SCREENSHOTS=$PWD/docs/screenshots`).

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::json;

pub struct Browser {
    pub client: Client,
    driver: Child,
    base: String,
}

impl Browser {
    /// Starts chromedriver and a headless Chromium with a phone-to-desktop friendly
    /// window; `base` is the app's URL (`http://127.0.0.1:<port>`).
    pub async fn start(base: &str) -> Browser {
        Self::start_sized(base, 1280, 900).await
    }

    pub async fn start_sized(base: &str, width: u32, height: u32) -> Browser {
        let port = hc_test::free_port();
        let driver = Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver (apt-get install chromium chromium-driver)");
        hc_test::wait_for_port(port, Duration::from_secs(20));
        let mut caps = serde_json::Map::new();
        caps.insert(
            "goog:chromeOptions".into(),
            json!({
                "args": [
                    "--headless=new",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-dev-shm-usage",
                    "--no-first-run",
                    "--disable-extensions",
                    format!("--window-size={width},{height}"),
                ]
            }),
        );
        let client = ClientBuilder::new(HttpConnector::new())
            .capabilities(caps)
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
            .expect("a Chromium session");
        Browser {
            client,
            driver,
            base: base.trim_end_matches('/').to_owned(),
        }
    }

    pub async fn open(&self, path: &str) {
        self.client
            .goto(&format!("{}{path}", self.base))
            .await
            .unwrap();
    }

    /// The current URL's path and query.
    pub async fn path(&self) -> String {
        let url = self.client.current_url().await.unwrap();
        match url.query() {
            Some(q) => format!("{}?{q}", url.path()),
            None => url.path().to_owned(),
        }
    }

    /// Waits until the page's path is `path` (after a form post and redirect).
    pub async fn wait_for_path(&self, path: &str) {
        for _ in 0..300 {
            if self.path().await == path {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("never reached {path}; at {}", self.path().await);
    }

    /// Logs in through the login page's password form (and stays where that leads).
    pub async fn log_in(&self, email: &str, password: &str) {
        self.open("/accounts/login/").await;
        self.fill("#id_email", email).await;
        self.fill("#id_password", password).await;
        self.click("form:has(#id_password) button[type=submit]")
            .await;
    }

    pub async fn fill(&self, css: &str, value: &str) {
        let field = self.client.find(Locator::Css(css)).await.unwrap();
        field.clear().await.unwrap();
        field.send_keys(value).await.unwrap();
    }

    pub async fn click(&self, css: &str) {
        self.client
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("no {css}: {e}"))
            .click()
            .await
            .unwrap();
    }

    /// The visible text of the page body ("" while a page is loading).
    pub async fn text(&self) -> String {
        match self.client.find(Locator::Css("body")).await {
            Ok(body) => body.text().await.unwrap_or_default(),
            Err(_) => String::new(),
        }
    }

    /// Waits until the page body contains `needle`.
    pub async fn wait_for_text(&self, needle: &str) {
        for _ in 0..300 {
            if self.text().await.contains(needle) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("never saw {needle:?} in: {}", self.text().await);
    }

    /// Saves a screenshot as `<name>.png` when `HC_SCREENSHOTS` names a directory.
    pub async fn screenshot(&self, name: &str) {
        let Ok(dir) = std::env::var("HC_SCREENSHOTS") else {
            return;
        };
        let png = self.client.screenshot().await.unwrap();
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(format!("{dir}/{name}.png"), png).unwrap();
    }

    /// Accepts a `confirm()` dialog if one is open.
    pub async fn accept_dialog(&self) {
        for _ in 0..20 {
            if self.client.accept_alert().await.is_ok() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("no dialog to accept");
    }

    pub async fn close(mut self) {
        let client = self.client.clone();
        let _ = client.close().await;
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.driver.kill();
    }
}
