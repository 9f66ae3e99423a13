//! The caller's notifications (the in-app inbox): list, unread count, mark read, and a live
//! stream of the unread count (server-sent events). Everyone logged in has their own inbox and
//! only that: another user's notification is not found.

use std::convert::Infallible;
use std::time::Duration;

use axum::Json;
use axum::extract::State;
use axum::response::sse::{Event, KeepAlive, Sse};
use tokio::sync::broadcast::error::RecvError;
use tokio_stream::Stream;
use tokio_stream::wrappers::ReceiverStream;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::error::ApiResult;
use super::extract::{Auth, Params, PathParam, blocking};
use crate::auth::session;
use crate::domain::kit::List;
use crate::domain::notify::{self, NotificationQuery, NotificationView, UnreadCount};
use crate::domain::{Kontor, accounts};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_notifications))
        .routes(routes!(unread_count))
        .routes(routes!(mark_read))
        .routes(routes!(mark_all_read))
        .routes(routes!(stream))
}

/// The caller's notifications, newest first, each told in the request's language.
#[utoipa::path(get, path = "/api/v1/notifications", tag = "notifications", params(NotificationQuery),
    responses((status = 200, body = List<NotificationView>)))]
async fn list_notifications(
    State(s): State<AppState>,
    Auth { principal: p, .. }: Auth,
    Params(q): Params<NotificationQuery>,
) -> ApiResult<Json<List<NotificationView>>> {
    let k = s.kontor.clone();
    Ok(Json(blocking(move || notify::list(&k, &p, q)).await?))
}

/// How many of the caller's notifications are unread.
#[utoipa::path(get, path = "/api/v1/notifications/unread-count", tag = "notifications",
    responses((status = 200, body = UnreadCount)))]
async fn unread_count(State(s): State<AppState>, auth: Auth) -> ApiResult<Json<UnreadCount>> {
    let k = s.kontor.clone();
    let p = auth.principal;
    Ok(Json(blocking(move || notify::unread_count(&k, &p)).await?))
}

/// Marks one of the caller's notifications read.
#[utoipa::path(post, path = "/api/v1/notifications/{id}/read", tag = "notifications",
    params(("id" = u64, Path)), responses((status = 200, body = NotificationView)))]
async fn mark_read(
    State(s): State<AppState>,
    Auth { principal: p, .. }: Auth,
    PathParam(id): PathParam<u64>,
) -> ApiResult<Json<NotificationView>> {
    let k = s.kontor.clone();
    Ok(Json(blocking(move || notify::mark_read(&k, &p, id)).await?))
}

/// Marks all the caller's notifications read; answers the unread count (0).
#[utoipa::path(post, path = "/api/v1/notifications/read-all", tag = "notifications",
    responses((status = 200, body = UnreadCount)))]
async fn mark_all_read(State(s): State<AppState>, auth: Auth) -> ApiResult<Json<UnreadCount>> {
    let k = s.kontor.clone();
    let p = auth.principal;
    Ok(Json(blocking(move || notify::mark_all_read(&k, &p)).await?))
}

/// One server-sent event of the stream, as a client's event parser sees it.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
struct UnreadEvent {
    /// Always `unread`.
    #[schema(pattern = "^unread$")]
    event: String,
    /// An `UnreadCount` as JSON, e.g. `{"unread":3}`.
    #[schema(content_media_type = "application/json")]
    data: String,
}

/// How often a stream checks that its session still lives (logout and password changes end
/// it at once; this catches expiry and deactivated users).
const SESSION_CHECK: Duration = Duration::from_secs(30);
/// A stream ends after this; the browser's `EventSource` reconnects by itself.
const MAX_LIFE: Duration = Duration::from_secs(15 * 60);

/// Server-sent events: `unread` with `{"unread": n}` at the start and whenever the caller's
/// unread count changes. Ends when the session ends (logout, expiry) or the server stops.
#[utoipa::path(get, path = "/api/v1/notifications/stream", tag = "notifications",
    responses((status = 200, description = "`text/event-stream` of `unread` events, each `data` an `UnreadCount`",
        content_type = "text/event-stream", body = UnreadEvent)))]
async fn stream(
    State(s): State<AppState>,
    auth: Auth,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let (send, recv) = tokio::sync::mpsc::channel(8);
    tokio::spawn(follow(
        s.kontor.clone(),
        auth.principal.user_id,
        auth.token,
        send,
    ));
    Sse::new(ReceiverStream::new(recv)).keep_alive(KeepAlive::default())
}

async fn count(k: &std::sync::Arc<Kontor>, user: u64) -> Option<u64> {
    let k = k.clone();
    blocking(move || k.store.read(|tx| notify::unread_of(tx, user)))
        .await
        .ok()
}

async fn session_lives(k: &std::sync::Arc<Kontor>, token: &str, user: u64) -> bool {
    let (k, token) = (k.clone(), token.to_string());
    matches!(
        blocking(move || accounts::resolve(&k, &token, None)).await,
        Ok(Some((p, _))) if p.user_id == user
    )
}

/// Feeds one stream until its client goes, its session ends or the server stops. Holds no
/// transaction between events: each count is a short read of its own.
async fn follow(
    k: std::sync::Arc<Kontor>,
    user: u64,
    token: String,
    send: tokio::sync::mpsc::Sender<Result<Event, Infallible>>,
) {
    // Subscribed before the first count, so no change falls between them.
    let mut signals = k.store.subscribe();
    let mut check = tokio::time::interval(SESSION_CHECK);
    check.tick().await;
    let end = tokio::time::sleep(MAX_LIFE);
    tokio::pin!(end);
    let mut last = None;
    let mut recount = true;
    loop {
        if recount {
            recount = false;
            let Some(n) = count(&k, user).await else {
                break;
            };
            if last != Some(n) {
                last = Some(n);
                let event = Event::default()
                    .event("unread")
                    .json_data(UnreadCount { unread: n });
                let Ok(event) = event else { break };
                if send.send(Ok(event)).await.is_err() {
                    break;
                }
            }
        }
        tokio::select! {
            _ = send.closed() => break,
            _ = &mut end => break,
            _ = check.tick() => {
                if !session_lives(&k, &token, user).await {
                    break;
                }
            }
            signal = signals.recv() => match signal {
                Ok(s) if s.topic == notify::TOPIC && s.key == user => recount = true,
                Ok(s) if s.topic == session::ENDED && s.key == user => {
                    if !session_lives(&k, &token, user).await {
                        break;
                    }
                }
                Ok(s) if s.topic == crate::store::STOPPING => break,
                Ok(_) => {}
                Err(RecvError::Lagged(_)) => recount = true,
                Err(RecvError::Closed) => break,
            },
        }
    }
}
