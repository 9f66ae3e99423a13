//! Leads, the lead pool, conversion and opportunities (CRM-3).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::error::ApiResult;
use super::extract::{Auth, Body, Params, PathParam, blocking};
use super::users::VersionQuery;
use crate::domain::Paging;
use crate::domain::crm::leads::{
    self, AssignInput, ConvertInput, ConvertResult, LeadInput, LeadQuery, LeadView,
    OpportunityInput, OpportunityQuery, OpportunityView,
};
use crate::domain::crm::timeline::{ActivityInput, ActivityView};
use crate::domain::kit::List;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_leads, create_lead))
        .routes(routes!(get_lead, update_lead, delete_lead))
        .routes(routes!(assign))
        .routes(routes!(convert))
        .routes(routes!(lead_timeline, add_lead_timeline))
        .routes(routes!(list_opportunities, create_opportunity))
        .routes(routes!(update_opportunity))
}

/// Leads: mine, my team's, all, or the lead pool (`scope=pool`).
#[utoipa::path(get, path = "/api/v1/leads", tag = "crm", params(LeadQuery), responses((status = 200, body = List<LeadView>)))]
async fn list_leads(
    State(s): State<AppState>,
    auth: Auth,
    Params(q): Params<LeadQuery>,
) -> ApiResult<Json<List<LeadView>>> {
    let k = s.kontor.clone();
    Ok(Json(
        blocking(move || leads::list(&k, &auth.principal, q)).await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/leads", tag = "crm", request_body = LeadInput, responses((status = 201, body = LeadView)))]
async fn create_lead(
    State(s): State<AppState>,
    auth: Auth,
    Body(input): Body<LeadInput>,
) -> ApiResult<(StatusCode, Json<LeadView>)> {
    let k = s.kontor.clone();
    Ok((
        StatusCode::CREATED,
        Json(blocking(move || leads::create(&k, &auth.principal, input)).await?),
    ))
}

#[utoipa::path(get, path = "/api/v1/leads/{id}", tag = "crm", params(("id" = u64, Path)), responses((status = 200, body = LeadView)))]
async fn get_lead(
    State(s): State<AppState>,
    auth: Auth,
    PathParam(id): PathParam<u64>,
) -> ApiResult<Json<LeadView>> {
    let k = s.kontor.clone();
    Ok(Json(
        blocking(move || leads::get(&k, &auth.principal, id)).await?,
    ))
}

/// Replaces a lead's fields (`version` required).
#[utoipa::path(put, path = "/api/v1/leads/{id}", tag = "crm", params(("id" = u64, Path)), request_body = LeadInput, responses((status = 200, body = LeadView)))]
async fn update_lead(
    State(s): State<AppState>,
    auth: Auth,
    PathParam(id): PathParam<u64>,
    Body(input): Body<LeadInput>,
) -> ApiResult<Json<LeadView>> {
    let k = s.kontor.clone();
    Ok(Json(
        blocking(move || leads::update(&k, &auth.principal, id, input)).await?,
    ))
}

#[utoipa::path(delete, path = "/api/v1/leads/{id}", tag = "crm", params(("id" = u64, Path), VersionQuery), responses((status = 204)))]
async fn delete_lead(
    State(s): State<AppState>,
    auth: Auth,
    PathParam(id): PathParam<u64>,
    Params(v): Params<VersionQuery>,
) -> ApiResult<StatusCode> {
    let k = s.kontor.clone();
    blocking(move || leads::delete(&k, &auth.principal, id, v.version)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Assigns a lead to a user, or to the next member of a team in turn.
#[utoipa::path(post, path = "/api/v1/leads/{id}/assign", tag = "crm", params(("id" = u64, Path)), request_body = AssignInput,
    responses((status = 200, body = LeadView)))]
async fn assign(
    State(s): State<AppState>,
    auth: Auth,
    PathParam(id): PathParam<u64>,
    Body(input): Body<AssignInput>,
) -> ApiResult<Json<LeadView>> {
    let k = s.kontor.clone();
    Ok(Json(
        blocking(move || leads::assign(&k, &auth.principal, id, input)).await?,
    ))
}

/// Converts a lead into a customer, its contact and a first opportunity, keeping its timeline.
#[utoipa::path(post, path = "/api/v1/leads/{id}/convert", tag = "crm", params(("id" = u64, Path)), request_body = ConvertInput,
    responses((status = 200, body = ConvertResult)))]
async fn convert(
    State(s): State<AppState>,
    auth: Auth,
    PathParam(id): PathParam<u64>,
    Body(input): Body<ConvertInput>,
) -> ApiResult<Json<ConvertResult>> {
    let k = s.kontor.clone();
    Ok(Json(
        blocking(move || leads::convert(&k, &auth.principal, id, input)).await?,
    ))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct PageQuery {
    page: Option<u64>,
    per_page: Option<u64>,
}

#[utoipa::path(get, path = "/api/v1/leads/{id}/timeline", tag = "crm", params(("id" = u64, Path), PageQuery),
    responses((status = 200, body = List<ActivityView>)))]
async fn lead_timeline(
    State(s): State<AppState>,
    Auth { principal: p, .. }: Auth,
    PathParam(id): PathParam<u64>,
    Params(q): Params<PageQuery>,
) -> ApiResult<Json<List<ActivityView>>> {
    let k = s.kontor.clone();
    Ok(Json(
        blocking(move || leads::timeline(&k, &p, id, Paging::new(q.page, q.per_page))).await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/leads/{id}/timeline", tag = "crm", params(("id" = u64, Path)), request_body = ActivityInput,
    responses((status = 201, body = ActivityView)))]
async fn add_lead_timeline(
    State(s): State<AppState>,
    Auth { principal: p, .. }: Auth,
    PathParam(id): PathParam<u64>,
    Body(input): Body<ActivityInput>,
) -> ApiResult<(StatusCode, Json<ActivityView>)> {
    let k = s.kontor.clone();
    Ok((
        StatusCode::CREATED,
        Json(blocking(move || leads::add_activity(&k, &p, id, input)).await?),
    ))
}

/// Opportunities for the kanban board (group by `stage`).
#[utoipa::path(get, path = "/api/v1/opportunities", tag = "crm", params(OpportunityQuery), responses((status = 200, body = Vec<OpportunityView>)))]
async fn list_opportunities(
    State(s): State<AppState>,
    auth: Auth,
    Params(q): Params<OpportunityQuery>,
) -> ApiResult<Json<Vec<OpportunityView>>> {
    let k = s.kontor.clone();
    Ok(Json(
        blocking(move || leads::opportunities(&k, &auth.principal, q)).await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/opportunities", tag = "crm", request_body = OpportunityInput, responses((status = 201, body = OpportunityView)))]
async fn create_opportunity(
    State(s): State<AppState>,
    auth: Auth,
    Body(input): Body<OpportunityInput>,
) -> ApiResult<(StatusCode, Json<OpportunityView>)> {
    let k = s.kontor.clone();
    Ok((
        StatusCode::CREATED,
        Json(blocking(move || leads::save_opportunity(&k, &auth.principal, None, input)).await?),
    ))
}

/// Changes an opportunity (stage, amount …); moving it to `won` marks the customer as buying.
#[utoipa::path(patch, path = "/api/v1/opportunities/{id}", tag = "crm", params(("id" = u64, Path)), request_body = OpportunityInput,
    responses((status = 200, body = OpportunityView)))]
async fn update_opportunity(
    State(s): State<AppState>,
    auth: Auth,
    PathParam(id): PathParam<u64>,
    Body(input): Body<OpportunityInput>,
) -> ApiResult<Json<OpportunityView>> {
    let k = s.kontor.clone();
    Ok(Json(
        blocking(move || leads::save_opportunity(&k, &auth.principal, Some(id), input)).await?,
    ))
}
