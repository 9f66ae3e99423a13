//! My day, tasks, cadence rules and handover (CRM-5, CRM-6).

use axum::Json;
use axum::extract::State;
use chrono::Utc;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::error::ApiResult;
use super::extract::{Auth, Body, PathParam, blocking};
use crate::domain::crm::tasks::{
    self, CadenceRuleInput, CadenceRuleView, MyDay, TaskPatch, TaskView,
};
use crate::domain::handover::{self, HandoverInput, HandoverResult};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(my_day))
        .routes(routes!(update_task))
        .routes(routes!(list_rules, create_rule))
        .routes(routes!(update_rule))
        .routes(routes!(run_handover))
        .routes(routes!(undo_handover))
}

/// The caller's open tasks: overdue, due today, upcoming, and pool warnings.
#[utoipa::path(get, path = "/api/v1/my-day", tag = "crm", responses((status = 200, body = MyDay)))]
async fn my_day(
    State(s): State<AppState>,
    Auth { principal: p, .. }: Auth,
) -> ApiResult<Json<MyDay>> {
    let k = s.kontor.clone();
    Ok(Json(
        blocking(move || tasks::my_day(&k, &p, Utc::now())).await?,
    ))
}

/// Marks a task done (or not), moves its date or renames it.
#[utoipa::path(patch, path = "/api/v1/tasks/{id}", tag = "crm", params(("id" = u64, Path)), request_body = TaskPatch, responses((status = 200, body = TaskView)))]
async fn update_task(
    State(s): State<AppState>,
    Auth { principal: p, .. }: Auth,
    PathParam(id): PathParam<u64>,
    Body(patch): Body<TaskPatch>,
) -> ApiResult<Json<TaskView>> {
    let k = s.kontor.clone();
    Ok(Json(
        blocking(move || tasks::update_task(&k, &p, id, patch)).await?,
    ))
}

/// The follow-up cadence rules.
#[utoipa::path(get, path = "/api/v1/cadence-rules", tag = "crm", responses((status = 200, body = Vec<CadenceRuleView>)))]
async fn list_rules(
    State(s): State<AppState>,
    auth: Auth,
) -> ApiResult<Json<Vec<CadenceRuleView>>> {
    let k = s.kontor.clone();
    Ok(Json(
        blocking(move || tasks::rules(&k, &auth.principal)).await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/cadence-rules", tag = "crm", request_body = CadenceRuleInput, responses((status = 200, body = CadenceRuleView)))]
async fn create_rule(
    State(s): State<AppState>,
    auth: Auth,
    Body(input): Body<CadenceRuleInput>,
) -> ApiResult<Json<CadenceRuleView>> {
    let k = s.kontor.clone();
    Ok(Json(
        blocking(move || tasks::save_rule(&k, &auth.principal, None, input)).await?,
    ))
}

#[utoipa::path(put, path = "/api/v1/cadence-rules/{id}", tag = "crm", params(("id" = u64, Path)), request_body = CadenceRuleInput,
    responses((status = 200, body = CadenceRuleView)))]
async fn update_rule(
    State(s): State<AppState>,
    auth: Auth,
    PathParam(id): PathParam<u64>,
    Body(input): Body<CadenceRuleInput>,
) -> ApiResult<Json<CadenceRuleView>> {
    let k = s.kontor.clone();
    Ok(Json(
        blocking(move || tasks::save_rule(&k, &auth.principal, Some(id), input)).await?,
    ))
}

/// Moves everything a rep owns to another rep (`dry_run` previews the counts).
#[utoipa::path(post, path = "/api/v1/handover", tag = "crm", request_body = HandoverInput, responses((status = 200, body = HandoverResult)))]
async fn run_handover(
    State(s): State<AppState>,
    auth: Auth,
    Body(input): Body<HandoverInput>,
) -> ApiResult<Json<HandoverResult>> {
    let k = s.kontor.clone();
    Ok(Json(
        blocking(move || handover::run(&k, &auth.principal, input)).await?,
    ))
}

/// Moves back what a handover moved.
#[utoipa::path(post, path = "/api/v1/handover/{id}/undo", tag = "crm", params(("id" = u64, Path)), responses((status = 200, body = HandoverResult)))]
async fn undo_handover(
    State(s): State<AppState>,
    auth: Auth,
    PathParam(id): PathParam<u64>,
) -> ApiResult<Json<HandoverResult>> {
    let k = s.kontor.clone();
    Ok(Json(
        blocking(move || handover::undo(&k, &auth.principal, id)).await?,
    ))
}
