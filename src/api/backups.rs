//! Scheduled backups on the admin's screen: their state, settings, and a backup made now.

use axum::Json;
use axum::extract::State;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::error::ApiResult;
use super::extract::{Auth, Body, blocking};
use crate::domain::backups::{self, BackupRunView, BackupSettingsInput, BackupStatus};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(status))
        .routes(routes!(set_settings))
        .routes(routes!(run_now))
}

/// The backups' settings and state: the last good one, the last attempt, a warning when the
/// last attempt failed or the newest good backup is older than two days, and the archives.
#[utoipa::path(get, path = "/api/v1/backups", tag = "settings",
    responses((status = 200, body = BackupStatus)))]
async fn status(State(s): State<AppState>, auth: Auth) -> ApiResult<Json<BackupStatus>> {
    let k = s.kontor.clone();
    Ok(Json(
        blocking(move || backups::status(&k, &auth.principal)).await?,
    ))
}

/// Sets when and where the server backs up by itself and how many backups it keeps.
#[utoipa::path(put, path = "/api/v1/backups/settings", tag = "settings",
    request_body = BackupSettingsInput, responses((status = 200, body = BackupStatus)))]
async fn set_settings(
    State(s): State<AppState>,
    auth: Auth,
    Body(input): Body<BackupSettingsInput>,
) -> ApiResult<Json<BackupStatus>> {
    let k = s.kontor.clone();
    Ok(Json(
        blocking(move || backups::set_settings(&k, &auth.principal, input)).await?,
    ))
}

/// Writes a backup now (kept until deleted by hand: retention prunes scheduled ones only).
#[utoipa::path(post, path = "/api/v1/backups/run", tag = "settings",
    responses((status = 200, body = BackupRunView)))]
async fn run_now(State(s): State<AppState>, auth: Auth) -> ApiResult<Json<BackupRunView>> {
    let k = s.kontor.clone();
    Ok(Json(
        blocking(move || backups::run_now(&k, &auth.principal)).await?,
    ))
}
