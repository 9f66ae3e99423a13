//! Roles and the permission catalogue (admin).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::error::ApiResult;
use super::extract::{Auth, Body, Params, PathParam, blocking};
use super::users::VersionQuery;
use crate::domain::kit::List;
use crate::domain::roles::{self, Catalog, NewRole, RolePatch, RoleView};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_roles, create_role))
        .routes(routes!(update_role, delete_role))
        .routes(routes!(catalog))
}

/// Preset and custom roles with their grants.
#[utoipa::path(get, path = "/api/v1/roles", tag = "roles", responses((status = 200, body = List<RoleView>)))]
async fn list_roles(State(s): State<AppState>, auth: Auth) -> ApiResult<Json<List<RoleView>>> {
    let k = s.kontor.clone();
    Ok(Json(
        blocking(move || roles::list(&k, &auth.principal)).await?,
    ))
}

/// Creates a custom role (optionally copying another role).
#[utoipa::path(post, path = "/api/v1/roles", tag = "roles", request_body = NewRole, responses((status = 201, body = RoleView)))]
async fn create_role(
    State(s): State<AppState>,
    auth: Auth,
    Body(input): Body<NewRole>,
) -> ApiResult<(StatusCode, Json<RoleView>)> {
    let k = s.kontor.clone();
    Ok((
        StatusCode::CREATED,
        Json(blocking(move || roles::create(&k, &auth.principal, input)).await?),
    ))
}

#[utoipa::path(patch, path = "/api/v1/roles/{id}", tag = "roles", params(("id" = u64, Path)), request_body = RolePatch,
    responses((status = 200, body = RoleView)))]
async fn update_role(
    State(s): State<AppState>,
    auth: Auth,
    PathParam(id): PathParam<u64>,
    Body(patch): Body<RolePatch>,
) -> ApiResult<Json<RoleView>> {
    let k = s.kontor.clone();
    Ok(Json(
        blocking(move || roles::update(&k, &auth.principal, id, patch)).await?,
    ))
}

/// Moves a custom role that nobody has to the recycle bin.
#[utoipa::path(delete, path = "/api/v1/roles/{id}", tag = "roles", params(("id" = u64, Path), VersionQuery), responses((status = 204)))]
async fn delete_role(
    State(s): State<AppState>,
    auth: Auth,
    PathParam(id): PathParam<u64>,
    Params(v): Params<VersionQuery>,
) -> ApiResult<StatusCode> {
    let k = s.kontor.clone();
    blocking(move || roles::delete(&k, &auth.principal, id, v.version)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Modules, actions, scopes and hidden-field classes, named in the caller's language.
#[utoipa::path(get, path = "/api/v1/permissions/catalog", tag = "roles", responses((status = 200, body = Catalog)))]
async fn catalog(auth: Auth) -> ApiResult<Json<Catalog>> {
    Ok(Json(roles::catalog(auth.principal.lang)))
}
