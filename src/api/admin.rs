//! The recycle bin, the audit log, company settings and the search box.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::error::ApiResult;
use super::extract::{Auth, Body, Params, PathParam, blocking};
use crate::domain::Paging;
use crate::domain::audit_log::{self, AuditQuery, AuditView};
use crate::domain::company::{self, CompanyPatch, CompanyView};
use crate::domain::kit::List;
use crate::domain::recycle::{self, TrashView};
use crate::domain::search::{self, SearchResults};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_trash))
        .routes(routes!(restore))
        .routes(routes!(purge))
        .routes(routes!(audit))
        .routes(routes!(get_company, update_company))
        .routes(routes!(search_all))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct TrashQuery {
    kind: Option<String>,
    page: Option<u64>,
    per_page: Option<u64>,
}

/// Deleted records the caller may restore, newest first (CRM-9).
#[utoipa::path(get, path = "/api/v1/recycle-bin", tag = "recycle bin", params(TrashQuery), responses((status = 200, body = List<TrashView>)))]
async fn list_trash(
    State(s): State<AppState>,
    auth: Auth,
    Params(q): Params<TrashQuery>,
) -> ApiResult<Json<List<TrashView>>> {
    let k = s.kontor.clone();
    Ok(Json(
        blocking(move || {
            recycle::list(
                &k,
                &auth.principal,
                q.kind.as_deref(),
                Paging::new(q.page, q.per_page),
            )
        })
        .await?,
    ))
}

/// Restores a deleted record.
#[utoipa::path(post, path = "/api/v1/recycle-bin/{kind}/{id}/restore", tag = "recycle bin",
    params(("kind" = String, Path), ("id" = u64, Path)), responses((status = 204)))]
async fn restore(
    State(s): State<AppState>,
    auth: Auth,
    PathParam((kind, id)): PathParam<(String, u64)>,
) -> ApiResult<StatusCode> {
    let k = s.kontor.clone();
    blocking(move || recycle::restore(&k, &auth.principal, kind, id)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Removes a deleted record for good (administrators only).
#[utoipa::path(delete, path = "/api/v1/recycle-bin/{kind}/{id}", tag = "recycle bin",
    params(("kind" = String, Path), ("id" = u64, Path)), responses((status = 204)))]
async fn purge(
    State(s): State<AppState>,
    auth: Auth,
    PathParam((kind, id)): PathParam<(String, u64)>,
) -> ApiResult<StatusCode> {
    let k = s.kontor.clone();
    blocking(move || recycle::purge(&k, &auth.principal, kind, id)).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct AuditParams {
    kind: Option<String>,
    record_id: Option<u64>,
    user_id: Option<u64>,
    action: Option<String>,
    /// RFC 3339 time.
    from: Option<chrono::DateTime<chrono::Utc>>,
    to: Option<chrono::DateTime<chrono::Utc>>,
    page: Option<u64>,
    per_page: Option<u64>,
}

/// The audit log, newest first: record changes with fields old → new, logins, refused accesses.
#[utoipa::path(get, path = "/api/v1/audit", tag = "audit", params(AuditParams), responses((status = 200, body = List<AuditView>)))]
async fn audit(
    State(s): State<AppState>,
    auth: Auth,
    Params(q): Params<AuditParams>,
) -> ApiResult<Json<List<AuditView>>> {
    let k = s.kontor.clone();
    Ok(Json(
        blocking(move || {
            audit_log::list(
                &k,
                &auth.principal,
                AuditQuery {
                    kind: q.kind,
                    record_id: q.record_id,
                    user_id: q.user_id,
                    action: q.action,
                    from: q.from,
                    to: q.to,
                },
                Paging::new(q.page, q.per_page),
            )
        })
        .await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/company", tag = "settings", responses((status = 200, body = CompanyView)))]
async fn get_company(State(s): State<AppState>, _auth: Auth) -> ApiResult<Json<CompanyView>> {
    let k = s.kontor.clone();
    Ok(Json(blocking(move || company::get(&k)).await?))
}

#[utoipa::path(patch, path = "/api/v1/company", tag = "settings", request_body = CompanyPatch, responses((status = 200, body = CompanyView)))]
async fn update_company(
    State(s): State<AppState>,
    auth: Auth,
    Body(patch): Body<CompanyPatch>,
) -> ApiResult<Json<CompanyView>> {
    let k = s.kontor.clone();
    Ok(Json(
        blocking(move || company::update(&k, &auth.principal, patch)).await?,
    ))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct SearchQuery {
    /// Chinese, English, pinyin, e-mail, phone digits …
    q: String,
    limit: Option<usize>,
}

/// One search box over every kind the caller may read, within their data scope.
#[utoipa::path(get, path = "/api/v1/search", tag = "search", params(SearchQuery), responses((status = 200, body = SearchResults)))]
async fn search_all(
    State(s): State<AppState>,
    auth: Auth,
    Params(q): Params<SearchQuery>,
) -> ApiResult<Json<SearchResults>> {
    let k = s.kontor.clone();
    Ok(Json(
        blocking(move || search::search(&k, &auth.principal, &q.q, q.limit.unwrap_or(20))).await?,
    ))
}
