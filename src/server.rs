//! Starting and stopping the HTTP server and the control socket.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use tokio::net::{TcpListener, UnixListener};
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::api;
use crate::domain::Kontor;

/// A running server.
pub struct Server {
    pub addr: SocketAddr,
    pub kontor: Arc<Kontor>,
    stop: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
    socket: Option<PathBuf>,
}

impl Server {
    /// Serves the API and the web app on `listen`, and the control socket in the data directory.
    pub async fn start(
        kontor: Arc<Kontor>,
        listen: SocketAddr,
        control_socket: bool,
    ) -> std::io::Result<Server> {
        let listener = TcpListener::bind(listen).await?;
        let addr = listener.local_addr()?;
        let (stop, stopped) = watch::channel(false);
        let mut tasks = Vec::new();
        let app = api::router(kontor.clone()).into_make_service_with_connect_info::<SocketAddr>();
        let mut rx = stopped.clone();
        tasks.push(tokio::spawn(async move {
            let shutdown = async move {
                let _ = rx.wait_for(|s| *s).await;
            };
            if let Err(e) = axum::serve(listener, app)
                .with_graceful_shutdown(shutdown)
                .await
            {
                tracing::error!("HTTP server failed: {e}");
            }
        }));
        let mut socket = None;
        if control_socket {
            let path = api::control::socket_path(&kontor.data_dir);
            let _ = std::fs::remove_file(&path);
            let unix = UnixListener::bind(&path)?;
            {
                use std::os::unix::fs::PermissionsExt;
                std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))?;
            }
            let control = api::control::router(kontor.clone());
            let mut rx = stopped.clone();
            tasks.push(tokio::spawn(async move {
                let shutdown = async move {
                    let _ = rx.wait_for(|s| *s).await;
                };
                if let Err(e) = axum::serve(unix, control)
                    .with_graceful_shutdown(shutdown)
                    .await
                {
                    tracing::error!("control socket failed: {e}");
                }
            }));
            socket = Some(path);
        }
        Ok(Server {
            addr,
            kontor,
            stop,
            tasks,
            socket,
        })
    }

    /// Stops accepting, lets requests in flight finish, then closes the store.
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        // Live streams (notifications) end, or the graceful shutdown would wait for them.
        self.kontor.store.announce(crate::store::STOPPING, 0);
        for t in self.tasks {
            let _ = t.await;
        }
        if let Some(path) = self.socket {
            let _ = std::fs::remove_file(path);
        }
        let k = self.kontor.clone();
        let _ = tokio::task::spawn_blocking(move || k.shutdown()).await;
    }
}

/// The addresses people on the LAN can open.
pub fn lan_urls(addr: SocketAddr) -> Vec<String> {
    if !addr.ip().is_unspecified() {
        return vec![format!("http://{addr}")];
    }
    let mut urls: Vec<String> = if_addrs::get_if_addrs()
        .unwrap_or_default()
        .into_iter()
        .filter(|i| !i.is_loopback() && i.ip().is_ipv4())
        .map(|i| format!("http://{}:{}", i.ip(), addr.port()))
        .collect();
    urls.insert(0, format!("http://127.0.0.1:{}", addr.port()));
    urls
}
