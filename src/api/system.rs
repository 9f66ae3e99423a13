//! Health, public facts for the login page, and first-run setup.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde::Serialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::auth::{me_response, with_session_cookie};
use super::error::ApiResult;
use super::extract::{Auth, Body, Caller, blocking};
use crate::domain::DemoAccount;
use crate::domain::accounts::Me;
use crate::domain::company::{self, SetupInput};
use crate::domain::kinds::KindView;
use crate::i18n::Lang;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(health))
        .routes(routes!(public_info))
        .routes(routes!(setup))
        .routes(routes!(kinds))
}

/// Every record kind: its module, its name in the caller's language, whether search finds it.
#[utoipa::path(get, path = "/api/v1/kinds", tag = "system", responses((status = 200, body = Vec<KindView>)))]
async fn kinds(Auth { principal: p, .. }: Auth) -> Json<Vec<KindView>> {
    Json(crate::domain::kinds::list(&p))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Health {
    pub status: String,
    pub version: String,
    /// Outbox entries not yet in the search index.
    pub search_lag: u64,
}

/// Liveness: answers while the server runs.
#[utoipa::path(get, path = "/api/v1/health", tag = "system", security(()), responses((status = 200, body = Health)))]
async fn health(State(state): State<AppState>) -> ApiResult<Json<Health>> {
    let k = state.kontor.clone();
    let lag = blocking(move || {
        let head = k.store.read(|tx| tx.outbox_last())?;
        let applied = k
            .search
            .applied()
            .map_err(crate::error::AppError::internal)?;
        Ok(head.saturating_sub(applied))
    })
    .await?;
    Ok(Json(Health {
        status: "ok".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        search_lag: lag,
    }))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct PublicInfo {
    pub setup_required: bool,
    /// Whether the request carries a live session (so the app can skip `GET /me`).
    pub logged_in: bool,
    pub demo: bool,
    /// Only in demo mode.
    pub demo_accounts: Vec<DemoAccount>,
    pub company_name: Option<String>,
    pub default_language: Lang,
    pub version: String,
}

/// What the login and setup pages need before anyone is logged in.
#[utoipa::path(get, path = "/api/v1/public/info", tag = "system", security(()), responses((status = 200, body = PublicInfo)))]
async fn public_info(
    State(state): State<AppState>,
    Caller(caller): Caller,
) -> ApiResult<Json<PublicInfo>> {
    let k = state.kontor.clone();
    let logged_in = caller.principal.is_some();
    let info = blocking(move || {
        let setup_required = company::setup_required(&k)?;
        let company = k.store.read(company::company)?;
        Ok(PublicInfo {
            setup_required,
            logged_in,
            demo: k.demo.is_some(),
            demo_accounts: k.demo.clone().unwrap_or_default(),
            company_name: company.as_ref().map(|c| c.data.name.clone()),
            default_language: company.map(|c| c.data.language).unwrap_or_default(),
            version: env!("CARGO_PKG_VERSION").into(),
        })
    })
    .await?;
    Ok(Json(info))
}

/// First-run setup: creates the company and the first administrator and logs them in.
/// Accepted only while no user exists.
#[utoipa::path(post, path = "/api/v1/setup", tag = "system", security(()), request_body = SetupInput,
    responses((status = 201, body = Me)))]
async fn setup(
    State(state): State<AppState>,
    Caller(info): Caller,
    Body(input): Body<SetupInput>,
) -> ApiResult<impl IntoResponse> {
    let k = state.kontor.clone();
    let ip = info.origin.ip.clone();
    let (user_id, token) = blocking(move || company::setup(&k, input, ip)).await?;
    let me = me_response(&state, user_id, &token, info).await?;
    Ok((StatusCode::CREATED, with_session_cookie(&token), Json(me)))
}
