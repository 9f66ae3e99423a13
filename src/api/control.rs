//! The control socket `data/kontor.sock`: while the server holds the data file, the CLI runs
//! backup, check, doctor, reindex and password resets through it. Only users who can open the data
//! directory can reach the socket (it is created with mode 0600).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::response::Response;
use axum::routing::post;
use serde::{Deserialize, Serialize};
use tokio::sync::mpsc;
use tokio_stream::StreamExt;
use tokio_stream::wrappers::UnboundedReceiverStream;

use crate::domain::{Kontor, operations};

pub fn socket_path(data_dir: &Path) -> PathBuf {
    data_dir.join("kontor.sock")
}

#[derive(Serialize, Deserialize)]
pub struct BackupRequest {
    pub to: PathBuf,
}

#[derive(Serialize, Deserialize)]
pub struct ResetRequest {
    pub username: String,
    pub password: String,
}

/// Runs `work` off the runtime and streams its progress lines, then `OK <summary>` or
/// `ERROR <message>` as the last line.
fn stream(work: impl FnOnce(&dyn Fn(&str)) -> Result<String, String> + Send + 'static) -> Response {
    let (send, recv) = mpsc::unbounded_channel::<String>();
    tokio::task::spawn_blocking(move || {
        let progress = |line: &str| {
            let _ = send.send(format!("{line}\n"));
        };
        let last = match work(&progress) {
            Ok(summary) => format!("OK {summary}\n"),
            Err(e) => format!("ERROR {}\n", e.replace('\n', "\nERROR ")),
        };
        let _ = send.send(last);
    });
    let lines = UnboundedReceiverStream::new(recv)
        .map(|line| Ok::<_, std::io::Error>(axum::body::Bytes::from(line)));
    Response::builder()
        .header("content-type", "text/plain; charset=utf-8")
        .body(Body::from_stream(lines))
        .unwrap_or_default()
}

async fn backup(State(k): State<Arc<Kontor>>, body: axum::body::Bytes) -> Response {
    let request: Result<BackupRequest, _> = serde_json::from_slice(&body);
    stream(move |progress| {
        let request = request.map_err(|e| format!("bad request: {e}"))?;
        operations::backup(&k, &request.to, progress)
    })
}

async fn check(State(k): State<Arc<Kontor>>) -> Response {
    stream(move |_| operations::check(&k))
}

async fn doctor(State(k): State<Arc<Kontor>>) -> Response {
    stream(move |_| operations::doctor(&k))
}

async fn reindex(State(k): State<Arc<Kontor>>) -> Response {
    stream(move |progress| {
        let n = k.reindex(&mut |n| progress(&format!("{n} records indexed")))?;
        Ok(format!("search index rebuilt: {n} records"))
    })
}

async fn reset_password(State(k): State<Arc<Kontor>>, body: axum::body::Bytes) -> Response {
    let request: Result<ResetRequest, _> = serde_json::from_slice(&body);
    stream(move |_| {
        let request = request.map_err(|e| format!("bad request: {e}"))?;
        operations::reset_password(&k, &request.username, &request.password)
            .map_err(|e| e.message(crate::i18n::Lang::En).to_string())?;
        Ok(format!(
            "password of {} reset; the account is enabled and its sessions ended",
            request.username
        ))
    })
}

pub fn router(k: Arc<Kontor>) -> Router {
    Router::new()
        .route("/backup", post(backup))
        .route("/check", post(check))
        .route("/reindex", post(reindex))
        .route("/doctor", post(doctor))
        .route("/reset-password", post(reset_password))
        .with_state(k)
}
