//! Users and teams (admin).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::error::ApiResult;
use super::extract::{Auth, Body, Params, PathParam, blocking};
use crate::auth::Effective;
use crate::domain::users::{self, NewTeam, NewUser, TeamPatch, TeamView, UserPatch, UserView};
use crate::domain::{List, Paging};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_users, create_user))
        .routes(routes!(get_user, update_user))
        .routes(routes!(end_sessions))
        .routes(routes!(user_permissions))
        .routes(routes!(list_teams, create_team))
        .routes(routes!(update_team, delete_team))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct UserQuery {
    /// Matches username, name or e-mail.
    q: Option<String>,
    page: Option<u64>,
    per_page: Option<u64>,
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct VersionQuery {
    /// The version the caller last saw; a stale one gets 409.
    pub version: Option<u64>,
}

/// The user directory.
#[utoipa::path(get, path = "/api/v1/users", tag = "users", params(UserQuery), responses((status = 200, body = List<UserView>)))]
async fn list_users(
    State(s): State<AppState>,
    auth: Auth,
    Params(q): Params<UserQuery>,
) -> ApiResult<Json<List<UserView>>> {
    let k = s.kontor.clone();
    Ok(Json(
        blocking(move || {
            users::list(
                &k,
                &auth.principal,
                q.q.as_deref(),
                Paging::new(q.page, q.per_page),
            )
        })
        .await?,
    ))
}

/// Creates a user with roles and teams.
#[utoipa::path(post, path = "/api/v1/users", tag = "users", request_body = NewUser, responses((status = 201, body = UserView)))]
async fn create_user(
    State(s): State<AppState>,
    auth: Auth,
    Body(input): Body<NewUser>,
) -> ApiResult<(StatusCode, Json<UserView>)> {
    let k = s.kontor.clone();
    Ok((
        StatusCode::CREATED,
        Json(blocking(move || users::create(&k, &auth.principal, input)).await?),
    ))
}

#[utoipa::path(get, path = "/api/v1/users/{id}", tag = "users", params(("id" = u64, Path)), responses((status = 200, body = UserView)))]
async fn get_user(
    State(s): State<AppState>,
    auth: Auth,
    PathParam(id): PathParam<u64>,
) -> ApiResult<Json<UserView>> {
    let k = s.kontor.clone();
    Ok(Json(
        blocking(move || users::get(&k, &auth.principal, id)).await?,
    ))
}

/// Changes a user; disabling or a new password ends their sessions.
#[utoipa::path(patch, path = "/api/v1/users/{id}", tag = "users", params(("id" = u64, Path)), request_body = UserPatch,
    responses((status = 200, body = UserView)))]
async fn update_user(
    State(s): State<AppState>,
    auth: Auth,
    PathParam(id): PathParam<u64>,
    Body(patch): Body<UserPatch>,
) -> ApiResult<Json<UserView>> {
    let k = s.kontor.clone();
    Ok(Json(
        blocking(move || users::update(&k, &auth.principal, id, patch)).await?,
    ))
}

/// Ends every session of a user.
#[utoipa::path(post, path = "/api/v1/users/{id}/end-sessions", tag = "users", params(("id" = u64, Path)), responses((status = 204)))]
async fn end_sessions(
    State(s): State<AppState>,
    auth: Auth,
    PathParam(id): PathParam<u64>,
) -> ApiResult<StatusCode> {
    let k = s.kontor.clone();
    blocking(move || users::end_sessions(&k, &auth.principal, id)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The merged permissions of a user's roles.
#[utoipa::path(get, path = "/api/v1/users/{id}/permissions", tag = "users", params(("id" = u64, Path)),
    responses((status = 200, body = Effective)))]
async fn user_permissions(
    State(s): State<AppState>,
    auth: Auth,
    PathParam(id): PathParam<u64>,
) -> ApiResult<Json<Effective>> {
    let k = s.kontor.clone();
    Ok(Json(
        blocking(move || users::permissions(&k, &auth.principal, id)).await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/teams", tag = "users", responses((status = 200, body = List<TeamView>)))]
async fn list_teams(State(s): State<AppState>, auth: Auth) -> ApiResult<Json<List<TeamView>>> {
    let k = s.kontor.clone();
    Ok(Json(
        blocking(move || users::list_teams(&k, &auth.principal)).await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/teams", tag = "users", request_body = NewTeam, responses((status = 201, body = TeamView)))]
async fn create_team(
    State(s): State<AppState>,
    auth: Auth,
    Body(input): Body<NewTeam>,
) -> ApiResult<(StatusCode, Json<TeamView>)> {
    let k = s.kontor.clone();
    Ok((
        StatusCode::CREATED,
        Json(blocking(move || users::create_team(&k, &auth.principal, input)).await?),
    ))
}

#[utoipa::path(patch, path = "/api/v1/teams/{id}", tag = "users", params(("id" = u64, Path)), request_body = TeamPatch,
    responses((status = 200, body = TeamView)))]
async fn update_team(
    State(s): State<AppState>,
    auth: Auth,
    PathParam(id): PathParam<u64>,
    Body(patch): Body<TeamPatch>,
) -> ApiResult<Json<TeamView>> {
    let k = s.kontor.clone();
    Ok(Json(
        blocking(move || users::update_team(&k, &auth.principal, id, patch)).await?,
    ))
}

/// Moves a team to the recycle bin.
#[utoipa::path(delete, path = "/api/v1/teams/{id}", tag = "users", params(("id" = u64, Path), VersionQuery), responses((status = 204)))]
async fn delete_team(
    State(s): State<AppState>,
    auth: Auth,
    PathParam(id): PathParam<u64>,
    Params(v): Params<VersionQuery>,
) -> ApiResult<StatusCode> {
    let k = s.kontor.clone();
    blocking(move || users::delete_team(&k, &auth.principal, id, v.version)).await?;
    Ok(StatusCode::NO_CONTENT)
}
