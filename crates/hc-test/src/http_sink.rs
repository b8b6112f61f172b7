//! A real HTTP/1.1 server on loopback that records every request it receives and
//! answers with a status and body the test chose: what integration tests point a
//! provider's URL at to see the exact request hc makes.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// One request as it arrived.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recorded {
    pub method: String,
    /// Path and query, as sent.
    pub target: String,
    /// Header names lower-cased, in arrival order.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Recorded {
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("request body is not JSON ({e}): {}", self.text()))
    }
}

/// The answer the server gives, changeable while it runs.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub body: String,
    /// Extra response headers, e.g. `Location` for a redirect.
    pub headers: Vec<(String, String)>,
    /// Wait this long before answering (to test timeouts).
    pub delay: Duration,
}

impl Default for Reply {
    fn default() -> Self {
        Reply {
            status: 200,
            body: "OK".into(),
            headers: Vec::new(),
            delay: Duration::ZERO,
        }
    }
}

pub struct HttpSink {
    pub port: u16,
    requests: Arc<Mutex<Vec<Recorded>>>,
    replies: Arc<Mutex<Vec<Reply>>>,
}

impl HttpSink {
    /// Starts the server; it answers 200 `OK` until told otherwise.
    pub fn start() -> HttpSink {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        let port = listener.local_addr().expect("local address").port();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let replies = Arc::new(Mutex::new(vec![Reply::default()]));
        let (req, rep) = (requests.clone(), replies.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let (req, rep) = (req.clone(), rep.clone());
                std::thread::spawn(move || serve(stream, &req, &rep));
            }
        });
        HttpSink {
            port,
            requests,
            replies,
        }
    }

    /// `http://127.0.0.1:<port>` followed by `path`.
    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    /// Answers every following request with `reply`.
    pub fn reply(&self, reply: Reply) {
        *self.replies.lock().expect("replies") = vec![reply];
    }

    /// Answers the following requests with these, one each; the last one repeats.
    pub fn replies(&self, replies: Vec<Reply>) {
        assert!(!replies.is_empty());
        *self.replies.lock().expect("replies") = replies;
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.requests.lock().expect("requests").clone()
    }

    /// Waits up to `timeout` for at least `n` requests.
    pub fn wait_for(&self, n: usize, timeout: Duration) -> Vec<Recorded> {
        let start = std::time::Instant::now();
        loop {
            let got = self.requests();
            if got.len() >= n || start.elapsed() > timeout {
                return got;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

fn serve(stream: TcpStream, requests: &Mutex<Vec<Recorded>>, replies: &Mutex<Vec<Reply>>) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(30)));
    let Ok(write_half) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(stream);
    let mut writer = write_half;
    // Keep-alive: serve requests until the client closes.
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let mut parts = line.split_whitespace();
        let method = parts.next().unwrap_or_default().to_owned();
        let target = parts.next().unwrap_or_default().to_owned();
        let mut headers = Vec::new();
        loop {
            let mut header = String::new();
            if reader.read_line(&mut header).unwrap_or(0) == 0 {
                return;
            }
            let header = header.trim_end_matches(['\r', '\n']);
            if header.is_empty() {
                break;
            }
            if let Some((k, v)) = header.split_once(':') {
                headers.push((k.trim().to_ascii_lowercase(), v.trim().to_owned()));
            }
        }
        let length = headers
            .iter()
            .find(|(k, _)| k == "content-length")
            .and_then(|(_, v)| v.parse::<usize>().ok())
            .unwrap_or(0);
        let mut body = vec![0; length];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        let reply = {
            let mut replies = replies.lock().expect("replies");
            if replies.len() > 1 {
                replies.remove(0)
            } else {
                replies.first().cloned().unwrap_or_default()
            }
        };
        requests.lock().expect("requests").push(Recorded {
            method,
            target,
            headers,
            body,
        });
        std::thread::sleep(reply.delay);
        let mut head = format!(
            "HTTP/1.1 {} X\r\nContent-Length: {}\r\nContent-Type: text/plain\r\n",
            reply.status,
            reply.body.len()
        );
        for (k, v) in &reply.headers {
            head.push_str(&format!("{k}: {v}\r\n"));
        }
        head.push_str("\r\n");
        if writer.write_all(head.as_bytes()).is_err()
            || writer.write_all(reply.body.as_bytes()).is_err()
        {
            return;
        }
    }
}
