//! Transfer requests (转移申请): ask the owner of a customer for it; the owner or a manager
//! accepts or declines; the requester may withdraw.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::error::ApiResult;
use super::extract::{Auth, Body, Params, PathParam, blocking};
use crate::domain::crm::transfer::{
    self, DecisionInput, TransferQuery, TransferRequestInput, TransferRequestView,
};
use crate::domain::kit::List;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_requests, create_request))
        .routes(routes!(accept_request))
        .routes(routes!(decline_request))
        .routes(routes!(withdraw_request))
}

/// Pending requests the caller may decide (`direction=incoming`, the default) or the caller's
/// own (`direction=outgoing`).
#[utoipa::path(get, path = "/api/v1/transfer-requests", tag = "crm", params(TransferQuery),
    responses((status = 200, body = List<TransferRequestView>)))]
async fn list_requests(
    State(s): State<AppState>,
    Auth { principal: p, .. }: Auth,
    Params(q): Params<TransferQuery>,
) -> ApiResult<Json<List<TransferRequestView>>> {
    let k = s.kontor.clone();
    Ok(Json(blocking(move || transfer::list(&k, &p, q)).await?))
}

/// Asks the owner of a customer (named by the duplicate check's `transfer_ref`) for it.
#[utoipa::path(post, path = "/api/v1/transfer-requests", tag = "crm", request_body = TransferRequestInput,
    responses((status = 201, body = TransferRequestView)))]
async fn create_request(
    State(s): State<AppState>,
    Auth { principal: p, .. }: Auth,
    Body(input): Body<TransferRequestInput>,
) -> ApiResult<(StatusCode, Json<TransferRequestView>)> {
    let k = s.kontor.clone();
    let v = blocking(move || transfer::create(&k, &p, input)).await?;
    Ok((StatusCode::CREATED, Json(v)))
}

/// Accepts: the customer, its contacts and timeline move to the requester.
#[utoipa::path(post, path = "/api/v1/transfer-requests/{id}/accept", tag = "crm", params(("id" = u64, Path)),
    request_body = DecisionInput, responses((status = 200, body = TransferRequestView)))]
async fn accept_request(
    State(s): State<AppState>,
    Auth { principal: p, .. }: Auth,
    PathParam(id): PathParam<u64>,
    Body(input): Body<DecisionInput>,
) -> ApiResult<Json<TransferRequestView>> {
    let k = s.kontor.clone();
    Ok(Json(
        blocking(move || transfer::accept(&k, &p, id, input)).await?,
    ))
}

/// Declines with a note; the owner keeps the customer.
#[utoipa::path(post, path = "/api/v1/transfer-requests/{id}/decline", tag = "crm", params(("id" = u64, Path)),
    request_body = DecisionInput, responses((status = 200, body = TransferRequestView)))]
async fn decline_request(
    State(s): State<AppState>,
    Auth { principal: p, .. }: Auth,
    PathParam(id): PathParam<u64>,
    Body(input): Body<DecisionInput>,
) -> ApiResult<Json<TransferRequestView>> {
    let k = s.kontor.clone();
    Ok(Json(
        blocking(move || transfer::decline(&k, &p, id, input)).await?,
    ))
}

/// The requester takes a pending request back.
#[utoipa::path(post, path = "/api/v1/transfer-requests/{id}/withdraw", tag = "crm", params(("id" = u64, Path)),
    request_body = DecisionInput, responses((status = 200, body = TransferRequestView)))]
async fn withdraw_request(
    State(s): State<AppState>,
    Auth { principal: p, .. }: Auth,
    PathParam(id): PathParam<u64>,
    Body(input): Body<DecisionInput>,
) -> ApiResult<Json<TransferRequestView>> {
    let k = s.kontor.clone();
    Ok(Json(
        blocking(move || transfer::withdraw(&k, &p, id, input)).await?,
    ))
}
