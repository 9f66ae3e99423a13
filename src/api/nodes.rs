//! An order's follow-up nodes (SAL-5): the node templates, completing and re-opening a node by
//! hand, and the board of open orders by their current node. Reading follows the order: a
//! caller who cannot read an order sees neither its nodes nor its card.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::error::ApiResult;
use super::extract::{Auth, Body, Params, PathParam, blocking};
use crate::domain::kit::List;
use crate::domain::sales::nodes::{
    self, Board, BoardQuery, CompleteInput, NodeLine, NodeTemplateInput, NodeTemplateView,
    ReopenInput,
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_templates, create_template))
        .routes(routes!(get_template, update_template))
        .routes(routes!(complete_node))
        .routes(routes!(reopen_node))
        .routes(routes!(board))
}

/// The node templates (everyone in sales reads them, to pick one for a new order).
#[utoipa::path(get, path = "/api/v1/order-node-templates", tag = "sales", responses((status = 200, body = List<NodeTemplateView>)))]
async fn list_templates(
    State(s): State<AppState>,
    auth: Auth,
) -> ApiResult<Json<List<NodeTemplateView>>> {
    let k = s.kontor.clone();
    Ok(Json(
        blocking(move || nodes::list_templates(&k, &auth.principal)).await?,
    ))
}

/// A new node template (admins and managers); `is_default` makes it the one new orders get.
#[utoipa::path(post, path = "/api/v1/order-node-templates", tag = "sales", request_body = NodeTemplateInput,
    responses((status = 201, body = NodeTemplateView), (status = 422, description = "A field or a node is wrong (named)", body = super::ErrorBody)))]
async fn create_template(
    State(s): State<AppState>,
    auth: Auth,
    Body(input): Body<NodeTemplateInput>,
) -> ApiResult<(StatusCode, Json<NodeTemplateView>)> {
    let k = s.kontor.clone();
    Ok((
        StatusCode::CREATED,
        Json(blocking(move || nodes::create_template(&k, &auth.principal, input)).await?),
    ))
}

#[utoipa::path(get, path = "/api/v1/order-node-templates/{id}", tag = "sales", params(("id" = u64, Path)), responses((status = 200, body = NodeTemplateView)))]
async fn get_template(
    State(s): State<AppState>,
    auth: Auth,
    PathParam(id): PathParam<u64>,
) -> ApiResult<Json<NodeTemplateView>> {
    let k = s.kontor.clone();
    Ok(Json(
        blocking(move || nodes::get_template(&k, &auth.principal, id)).await?,
    ))
}

/// Changes a node template; orders already made keep the nodes they were given.
#[utoipa::path(patch, path = "/api/v1/order-node-templates/{id}", tag = "sales", params(("id" = u64, Path)), request_body = NodeTemplateInput,
    responses((status = 200, body = NodeTemplateView), (status = 409, description = "Stale version, or un-defaulting the default", body = super::ErrorBody),
        (status = 422, description = "A field or a node is wrong (named)", body = super::ErrorBody)))]
async fn update_template(
    State(s): State<AppState>,
    auth: Auth,
    PathParam(id): PathParam<u64>,
    Body(input): Body<NodeTemplateInput>,
) -> ApiResult<Json<NodeTemplateView>> {
    let k = s.kontor.clone();
    Ok(Json(
        blocking(move || nodes::update_template(&k, &auth.principal, id, input)).await?,
    ))
}

/// Completes a node of an order by hand (its responsible role, the order's owner or a manager),
/// with a note; answers the order's node line.
#[utoipa::path(post, path = "/api/v1/orders/{id}/nodes/{key}/complete", tag = "sales",
    params(("id" = u64, Path), ("key" = String, Path)), request_body = CompleteInput,
    responses((status = 200, body = NodeLine), (status = 409, description = "Already done, the order is closed, or a stale version", body = super::ErrorBody),
        (status = 422, description = "A wrong date or note", body = super::ErrorBody)))]
async fn complete_node(
    State(s): State<AppState>,
    auth: Auth,
    PathParam((id, key)): PathParam<(u64, String)>,
    Body(input): Body<CompleteInput>,
) -> ApiResult<Json<NodeLine>> {
    let k = s.kontor.clone();
    Ok(Json(
        blocking(move || nodes::complete(&k, &auth.principal, id, key, input)).await?,
    ))
}

/// Re-opens a done node (the completion stays in the audit log); answers the node line.
#[utoipa::path(post, path = "/api/v1/orders/{id}/nodes/{key}/reopen", tag = "sales",
    params(("id" = u64, Path), ("key" = String, Path)), request_body = ReopenInput,
    responses((status = 200, body = NodeLine), (status = 409, description = "Not done, the order is closed, or a stale version", body = super::ErrorBody)))]
async fn reopen_node(
    State(s): State<AppState>,
    auth: Auth,
    PathParam((id, key)): PathParam<(u64, String)>,
    Body(input): Body<ReopenInput>,
) -> ApiResult<Json<NodeLine>> {
    let k = s.kontor.clone();
    Ok(Json(
        blocking(move || nodes::reopen(&k, &auth.principal, id, key, input)).await?,
    ))
}

/// Every open order the caller reads, grouped by its current node (the first not done), late
/// first; counts and late counts per column, each column paged (`column` pages one).
#[utoipa::path(get, path = "/api/v1/orders/board", tag = "sales", params(BoardQuery), responses((status = 200, body = Board)))]
async fn board(
    State(s): State<AppState>,
    auth: Auth,
    Params(q): Params<BoardQuery>,
) -> ApiResult<Json<Board>> {
    let k = s.kontor.clone();
    Ok(Json(
        blocking(move || nodes::board(&k, &auth.principal, q)).await?,
    ))
}
