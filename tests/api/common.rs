//! The test harness: a real server on 127.0.0.1 over a temporary data directory, and clients
//! that keep their own session cookies.

#![allow(dead_code)]

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use kontor::domain::Kontor;
use kontor::server::Server;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

pub const ADMIN_PASSWORD: &str = "admin-pass-1";

pub struct TestServer {
    pub dir: tempfile::TempDir,
    pub server: Option<Server>,
    pub addr: SocketAddr,
}

impl TestServer {
    /// A server on a fresh data directory, not set up.
    pub async fn new() -> TestServer {
        let dir = tempfile::tempdir().expect("temp dir");
        let (server, addr) = start(dir.path()).await;
        TestServer {
            dir,
            server: Some(server),
            addr,
        }
    }

    /// A server with the company set up; returns it and the admin's client.
    pub async fn with_admin() -> (TestServer, Client) {
        let s = TestServer::new().await;
        let admin = s.client();
        let (status, body) = admin
            .send(
                Method::POST,
                "/api/v1/setup",
                Some(json!({
                    "company": {"name": "宁波海纳进出口有限公司", "base_currency": "CNY", "time_zone": "Asia/Shanghai", "language": "zh-CN"},
                    "admin": {"username": "admin", "display_name": "周海燕", "password": ADMIN_PASSWORD}
                })),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        (s, admin)
    }

    pub fn kontor(&self) -> Arc<Kontor> {
        self.server.as_ref().expect("running").kontor.clone()
    }

    pub fn data_dir(&self) -> &Path {
        self.dir.path()
    }

    pub fn client(&self) -> Client {
        Client::new(self.addr)
    }

    /// Stops the server (store closed) and starts a new one on the same data directory.
    pub async fn restart(&mut self) {
        if let Some(server) = self.server.take() {
            server.stop().await;
        }
        let (server, addr) = start(self.dir.path()).await;
        self.server = Some(server);
        self.addr = addr;
    }

    /// Creates a user with a preset role (and optional team) and returns a logged-in client.
    pub async fn user(
        &self,
        admin: &Client,
        username: &str,
        preset: &str,
        team_ids: &[u64],
    ) -> (u64, Client) {
        let roles = admin.get("/api/v1/roles").await;
        let role = roles["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["key"] == preset)
            .expect("preset role");
        let (status, body) = admin
            .send(
                Method::POST,
                "/api/v1/users",
                Some(json!({
                    "username": username, "display_name": username, "password": "user-pass-1",
                    "role_ids": [role["id"]], "team_ids": team_ids
                })),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        let client = self.client();
        client.login(username, "user-pass-1").await;
        (body["id"].as_u64().unwrap(), client)
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(server) = self.server.take() {
            server.kontor.shutdown();
        }
    }
}

async fn start(dir: &Path) -> (Server, SocketAddr) {
    let _ = tracing_subscriber::fmt()
        .with_test_writer()
        .with_env_filter("warn,kontor=info")
        .try_init();
    let path: PathBuf = dir.to_path_buf();
    let kontor = tokio::task::spawn_blocking(move || Kontor::open(&path))
        .await
        .unwrap()
        .expect("open data dir");
    let server = Server::start(Arc::new(kontor), "127.0.0.1:0".parse().unwrap(), false)
        .await
        .expect("start");
    let addr = server.addr;
    (server, addr)
}

/// A browser-like client with its own cookie jar.
#[derive(Clone)]
pub struct Client {
    pub base: String,
    pub http: reqwest::Client,
    pub lang: &'static str,
}

impl Client {
    pub fn new(addr: SocketAddr) -> Client {
        let http = reqwest::Client::builder()
            .cookie_store(true)
            .build()
            .expect("client");
        Client {
            base: format!("http://{addr}"),
            http,
            lang: "en",
        }
    }

    pub fn zh(mut self) -> Client {
        self.lang = "zh-CN";
        self
    }

    pub async fn send(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut req = self
            .http
            .request(method, format!("{}{path}", self.base))
            .header("accept-language", self.lang);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.expect("request");
        let status = resp.status();
        let text = resp.text().await.unwrap_or_default();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    /// Posts `bytes` as the multipart part `file` named `name` (an attachment upload).
    pub async fn upload(&self, path: &str, name: &str, bytes: &[u8]) -> (StatusCode, Value) {
        let boundary = "----kontor-test-7f3a9c";
        let mut body = format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n\
             Content-Type: application/octet-stream\r\n\r\n"
        )
        .into_bytes();
        body.extend_from_slice(bytes);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        let resp = self
            .http
            .post(format!("{}{path}", self.base))
            .header("accept-language", self.lang)
            .header(
                "content-type",
                format!("multipart/form-data; boundary={boundary}"),
            )
            .body(body)
            .send()
            .await
            .expect("upload");
        let status = resp.status();
        let text = resp.text().await.unwrap_or_default();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    /// GET that must succeed.
    pub async fn get(&self, path: &str) -> Value {
        let (status, body) = self.send(Method::GET, path, None).await;
        assert_eq!(status, StatusCode::OK, "GET {path}: {body}");
        body
    }

    pub async fn login(&self, username: &str, password: &str) {
        let (status, body) = self
            .send(
                Method::POST,
                "/api/v1/auth/login",
                Some(json!({"username": username, "password": password})),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "login {username}: {body}");
    }
}

/// The error code of an error body.
pub fn code(body: &Value) -> &str {
    body["error"]["code"].as_str().unwrap_or("")
}

/// The kinds the store keeps (its registry).
pub fn registered_kinds() -> Vec<&'static str> {
    kontor::domain::registry()
        .all()
        .map(|ops| ops.kind())
        .collect()
}
