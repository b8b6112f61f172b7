//! A person at a browser, over plain HTTP: cookies kept between requests, the CSRF
//! token sent with every form as a page would, redirects not followed so tests see
//! them. Browser tests with real Chromium live in `browser.rs`.

use std::collections::BTreeMap;
use std::sync::Mutex;

use hc_core::accounts::{self, NewUser};
use hc_core::models::User;

use crate::support::{App, Reply};

pub struct Web<'a> {
    pub app: &'a App,
    client: reqwest::Client,
    cookies: Mutex<BTreeMap<String, String>>,
}

impl App {
    /// A fresh visitor with no cookies.
    pub fn web(&self) -> Web<'_> {
        Web {
            app: self,
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            cookies: Mutex::new(BTreeMap::new()),
        }
    }

    /// A user with a password and their first project (as sign-up makes it).
    pub fn user(&self, email: &str, password: &str) -> User {
        accounts::create_user(
            &mut self.conn(),
            &NewUser {
                email,
                password: Some(password),
                superuser: false,
                with_first_project: true,
            },
        )
        .unwrap()
    }

    /// A superuser with a password.
    pub fn superuser(&self, email: &str, password: &str) -> User {
        accounts::create_user(
            &mut self.conn(),
            &NewUser {
                email,
                password: Some(password),
                superuser: true,
                with_first_project: false,
            },
        )
        .unwrap()
    }
}

impl Web<'_> {
    fn cookie_header(&self) -> String {
        self.cookies
            .lock()
            .unwrap()
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    fn keep_cookies(&self, reply: &Reply) {
        let mut jar = self.cookies.lock().unwrap();
        for value in reply.headers.get_all("set-cookie") {
            let text = value.to_str().unwrap();
            let first = text.split(';').next().unwrap();
            let (name, value) = first.split_once('=').unwrap();
            let removed = value.is_empty() || text.contains("Max-Age=0");
            if removed {
                jar.remove(name);
            } else {
                jar.insert(name.to_owned(), value.to_owned());
            }
        }
    }

    pub fn cookie(&self, name: &str) -> Option<String> {
        self.cookies.lock().unwrap().get(name).cloned()
    }

    pub fn set_cookie(&self, name: &str, value: &str) {
        self.cookies
            .lock()
            .unwrap()
            .insert(name.to_owned(), value.to_owned());
    }

    /// The CSRF token a page would embed in its forms.
    pub fn csrf(&self) -> String {
        self.cookie("csrftoken").unwrap_or_default()
    }

    pub async fn send(&self, request: reqwest::RequestBuilder) -> Reply {
        let request = request.header("Cookie", self.cookie_header());
        let reply = self.app.send(request).await;
        self.keep_cookies(&reply);
        reply
    }

    pub async fn get(&self, path: &str) -> Reply {
        self.send(self.client.get(self.app.url(path))).await
    }

    /// Posts a form with the visitor's CSRF token (fetching a page first if the
    /// visitor has none yet).
    pub async fn post(&self, path: &str, fields: &[(&str, &str)]) -> Reply {
        if self.csrf().is_empty() {
            self.get("/accounts/login/").await;
        }
        let csrf = self.csrf();
        let mut all: Vec<(&str, &str)> = vec![("csrfmiddlewaretoken", csrf.as_str())];
        all.extend_from_slice(fields);
        self.post_raw(path, &all).await
    }

    /// Posts exactly these fields (no CSRF token added).
    pub async fn post_raw(&self, path: &str, fields: &[(&str, &str)]) -> Reply {
        let body = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(fields)
            .finish();
        self.send(
            self.client
                .post(self.app.url(path))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .body(body),
        )
        .await
    }

    /// Logs in with a password; panics unless it worked.
    pub async fn login(&self, email: &str, password: &str) {
        let reply = self
            .post(
                "/accounts/login/",
                &[("email", email), ("password", password)],
            )
            .await;
        assert_eq!(reply.status, 302, "login failed: {}", reply.body);
    }
}

/// Follows a 302 answer's `Location`, which must be a path of this site.
pub fn location(reply: &Reply) -> String {
    assert!(
        matches!(reply.status, 301..=303),
        "expected a redirect, got {}: {}",
        reply.status,
        reply.body
    );
    reply.header("location").unwrap().to_owned()
}
