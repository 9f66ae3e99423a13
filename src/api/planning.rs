//! Purchase planning (INV-3): reorder rules per product and warehouse, the planning run with
//! the formula on every line, and chosen lines turned into draft purchase orders. The buyers'
//! business: purchasing with scope `all`; supplier prices left out for roles that hide them.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde_json::Value;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::error::ApiResult;
use super::extract::{Auth, Body, Params, PathParam, blocking};
use super::users::VersionQuery;
use crate::domain::goods::planning::{
    self, PlanOrderInput, PlanQuery, PlanView, RuleInput, RuleQuery, RuleView,
};
use crate::domain::goods::purchase::PoView;
use crate::domain::kit::List;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_rules, create_rule))
        .routes(routes!(get_rule, update_rule, delete_rule))
        .routes(routes!(run_plan))
        .routes(routes!(order_plan))
}

/// Reorder rules, newest first.
#[utoipa::path(get, path = "/api/v1/reorder-rules", tag = "purchasing", params(RuleQuery), responses((status = 200, body = List<RuleView>)))]
async fn list_rules(
    State(s): State<AppState>,
    auth: Auth,
    Params(q): Params<RuleQuery>,
) -> ApiResult<Json<List<RuleView>>> {
    let k = s.kontor.clone();
    Ok(Json(
        blocking(move || planning::list_rules(&k, &auth.principal, q)).await?,
    ))
}

/// A new reorder rule (`product_id` and `warehouse_id` required; one per product and
/// warehouse: a second is refused with 409).
#[utoipa::path(post, path = "/api/v1/reorder-rules", tag = "purchasing", request_body = RuleInput, responses((status = 201, body = RuleView)))]
async fn create_rule(
    State(s): State<AppState>,
    auth: Auth,
    Body(input): Body<RuleInput>,
) -> ApiResult<(StatusCode, Json<RuleView>)> {
    let k = s.kontor.clone();
    Ok((
        StatusCode::CREATED,
        Json(blocking(move || planning::create_rule(&k, &auth.principal, input)).await?),
    ))
}

#[utoipa::path(get, path = "/api/v1/reorder-rules/{id}", tag = "purchasing", params(("id" = u64, Path)), responses((status = 200, body = RuleView)))]
async fn get_rule(
    State(s): State<AppState>,
    auth: Auth,
    PathParam(id): PathParam<u64>,
) -> ApiResult<Json<RuleView>> {
    let k = s.kontor.clone();
    Ok(Json(
        blocking(move || planning::get_rule(&k, &auth.principal, id)).await?,
    ))
}

/// Changes the fields given (not the product or warehouse).
#[utoipa::path(patch, path = "/api/v1/reorder-rules/{id}", tag = "purchasing", params(("id" = u64, Path)), request_body = RuleInput, responses((status = 200, body = RuleView)))]
async fn update_rule(
    State(s): State<AppState>,
    auth: Auth,
    PathParam(id): PathParam<u64>,
    Body(input): Body<RuleInput>,
) -> ApiResult<Json<RuleView>> {
    let k = s.kontor.clone();
    Ok(Json(
        blocking(move || planning::update_rule(&k, &auth.principal, id, input)).await?,
    ))
}

/// Moves a reorder rule to the recycle bin.
#[utoipa::path(delete, path = "/api/v1/reorder-rules/{id}", tag = "purchasing", params(("id" = u64, Path), VersionQuery), responses((status = 204)))]
async fn delete_rule(
    State(s): State<AppState>,
    auth: Auth,
    PathParam(id): PathParam<u64>,
    Params(v): Params<VersionQuery>,
) -> ApiResult<StatusCode> {
    let k = s.kontor.clone();
    blocking(move || planning::delete_rule(&k, &auth.principal, id, v.version)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The planning run as of now: per active rule that needs buying, the suggested quantity with
/// the formula's terms, the steps (min, max, pass rate, multiple, MOQ) and the sentence in the
/// caller's language.
#[utoipa::path(get, path = "/api/v1/purchase-plan", tag = "purchasing", params(PlanQuery), responses((status = 200, body = PlanView)))]
async fn run_plan(
    State(s): State<AppState>,
    auth: Auth,
    Params(q): Params<PlanQuery>,
) -> ApiResult<Json<Value>> {
    let k = s.kontor.clone();
    Ok(Json(
        blocking(move || planning::run(&k, &auth.principal, q)).await?,
    ))
}

/// Turns chosen lines into draft purchase orders, one per supplier, currency and warehouse, at
/// the supplier's prices; all or nothing (a bad line is named and nothing is written).
#[utoipa::path(post, path = "/api/v1/purchase-plan/orders", tag = "purchasing", request_body = PlanOrderInput, responses((status = 201, body = Vec<PoView>)))]
async fn order_plan(
    State(s): State<AppState>,
    auth: Auth,
    Body(input): Body<PlanOrderInput>,
) -> ApiResult<(StatusCode, Json<Vec<Value>>)> {
    let k = s.kontor.clone();
    Ok((
        StatusCode::CREATED,
        Json(blocking(move || planning::order(&k, &auth.principal, input)).await?),
    ))
}
