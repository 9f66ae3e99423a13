//! Logging in and out, and the caller's own profile.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::IntoResponse;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::error::ApiResult;
use super::extract::{Auth, Body, Caller, RequestInfo, blocking};
use crate::auth::session;
use crate::domain::accounts::{self, LoginInput, Me, MePatch, PasswordChange};
use crate::error::AppError;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(login))
        .routes(routes!(logout))
        .routes(routes!(me, update_me))
        .routes(routes!(change_password))
}

/// The `Set-Cookie` header of a new session.
pub fn with_session_cookie(token: &str) -> HeaderMap {
    let mut h = HeaderMap::new();
    let cookie = format!(
        "{}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}",
        session::COOKIE,
        session::ABSOLUTE.num_seconds()
    );
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        h.insert(header::SET_COOKIE, v);
    }
    h
}

fn clear_session_cookie() -> HeaderMap {
    let mut h = HeaderMap::new();
    let cookie = format!(
        "{}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0",
        session::COOKIE
    );
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        h.insert(header::SET_COOKIE, v);
    }
    h
}

/// The profile of the user a new session belongs to.
pub async fn me_response(
    state: &AppState,
    user_id: u64,
    token: &str,
    info: RequestInfo,
) -> ApiResult<Me> {
    let k = state.kontor.clone();
    let token = token.to_string();
    blocking(move || {
        let (principal, _) = accounts::resolve(&k, &token, info.origin.ip)?
            .ok_or_else(|| AppError::internal("new session not found"))?;
        debug_assert_eq!(principal.user_id, user_id);
        accounts::me(&k, &principal)
    })
    .await
}

/// Logs in with username and password; sets the session cookie. Unknown users and wrong
/// passwords get the same answer; repeated failures are throttled (429 with Retry-After).
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", security(()), request_body = LoginInput,
    responses((status = 200, body = Me),
        (status = 401, description = "Wrong username or password", body = super::ErrorBody),
        (status = 429, description = "Too many failed attempts; `Retry-After` says how long to wait", body = super::ErrorBody)))]
async fn login(
    State(state): State<AppState>,
    Caller(info): Caller,
    Body(input): Body<LoginInput>,
) -> ApiResult<impl IntoResponse> {
    let k = state.kontor.clone();
    let origin = info.origin.clone();
    let (token, user_id) = blocking(move || accounts::login(&k, input, origin)).await?;
    let me = me_response(&state, user_id, &token, info).await?;
    Ok((with_session_cookie(&token), Json(me)))
}

/// Ends the current session.
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth", responses((status = 204)))]
async fn logout(State(state): State<AppState>, auth: Auth) -> ApiResult<impl IntoResponse> {
    let k = state.kontor.clone();
    blocking(move || accounts::logout(&k, &auth.principal, auth.token)).await?;
    Ok((StatusCode::NO_CONTENT, clear_session_cookie()))
}

/// The caller: profile, roles, teams, permissions and the areas of the app to show.
#[utoipa::path(get, path = "/api/v1/me", tag = "auth", responses((status = 200, body = Me)))]
async fn me(State(state): State<AppState>, auth: Auth) -> ApiResult<Json<Me>> {
    let k = state.kontor.clone();
    Ok(Json(
        blocking(move || accounts::me(&k, &auth.principal)).await?,
    ))
}

/// Changes the caller's display name, language or time zone.
#[utoipa::path(patch, path = "/api/v1/me", tag = "auth", request_body = MePatch, responses((status = 200, body = Me)))]
async fn update_me(
    State(state): State<AppState>,
    auth: Auth,
    Body(patch): Body<MePatch>,
) -> ApiResult<Json<Me>> {
    let k = state.kontor.clone();
    let me = blocking(move || {
        accounts::update_me(&k, &auth.principal, patch)?;
        let (principal, _) = accounts::resolve(&k, &auth.token, auth.origin.ip)?
            .ok_or_else(|| AppError::new(crate::error::ErrorCode::Unauthenticated))?;
        accounts::me(&k, &principal)
    })
    .await?;
    Ok(Json(me))
}

/// Changes the caller's password; every other session of theirs ends.
#[utoipa::path(post, path = "/api/v1/me/password", tag = "auth", request_body = PasswordChange, responses((status = 204),
    (status = 429, description = "Too many failed attempts; `Retry-After` says how long to wait", body = super::ErrorBody)))]
async fn change_password(
    State(state): State<AppState>,
    auth: Auth,
    Body(input): Body<PasswordChange>,
) -> ApiResult<impl IntoResponse> {
    let k = state.kontor.clone();
    let token =
        blocking(move || accounts::change_password(&k, &auth.principal, input, auth.origin))
            .await?;
    Ok((StatusCode::NO_CONTENT, with_session_cookie(&token)))
}
