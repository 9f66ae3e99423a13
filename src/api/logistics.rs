//! Shipments (LOG-1): made from a confirmed order, shipped (stock leaves the warehouse),
//! moved on (in transit, arrived, delivered) or cancelled (stock comes back).

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
use axum::response::Response;

use crate::domain::kit::List;
use crate::domain::logistics::documents;
use crate::domain::sales::documents::DocumentQuery;
use crate::domain::logistics::shipments::{
    self, ProgressInput, ShipInput, ShipmentInput, ShipmentQuery, ShipmentView,
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_shipments, create_shipment))
        .routes(routes!(get_shipment, update_shipment))
        .routes(routes!(ship_shipment))
        .routes(routes!(progress_shipment))
        .routes(routes!(cancel_shipment))
        .routes(routes!(shipment_document))
}

/// The shipments the caller reads, newest first.
#[utoipa::path(get, path = "/api/v1/shipments", tag = "logistics", params(ShipmentQuery), responses((status = 200, body = List<ShipmentView>)))]
async fn list_shipments(
    State(s): State<AppState>,
    auth: Auth,
    Params(q): Params<ShipmentQuery>,
) -> ApiResult<Json<List<Value>>> {
    let k = s.kontor.clone();
    Ok(Json(
        blocking(move || shipments::list(&k, &auth.principal, q)).await?,
    ))
}

/// A new shipment of a confirmed order: all its unshipped lines, or the lines given (more than
/// a line has left to ship is refused, naming the line). Cartons, weights and CBM are computed
/// from the products' packing unless given.
#[utoipa::path(post, path = "/api/v1/shipments", tag = "logistics", request_body = ShipmentInput, responses((status = 201, body = ShipmentView)))]
async fn create_shipment(
    State(s): State<AppState>,
    auth: Auth,
    Body(input): Body<ShipmentInput>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let k = s.kontor.clone();
    Ok((
        StatusCode::CREATED,
        Json(blocking(move || shipments::create(&k, &auth.principal, input)).await?),
    ))
}

#[utoipa::path(get, path = "/api/v1/shipments/{id}", tag = "logistics", params(("id" = u64, Path)), responses((status = 200, body = ShipmentView)))]
async fn get_shipment(
    State(s): State<AppState>,
    auth: Auth,
    PathParam(id): PathParam<u64>,
) -> ApiResult<Json<Value>> {
    let k = s.kontor.clone();
    Ok(Json(
        blocking(move || shipments::get(&k, &auth.principal, id)).await?,
    ))
}

/// Changes a shipment: booking, containers, ports, dates, B/L, tracking number; its lines and
/// warehouse only while it is planned.
#[utoipa::path(patch, path = "/api/v1/shipments/{id}", tag = "logistics", params(("id" = u64, Path), VersionQuery), request_body = ShipmentInput, responses((status = 200, body = ShipmentView)))]
async fn update_shipment(
    State(s): State<AppState>,
    auth: Auth,
    PathParam(id): PathParam<u64>,
    Params(v): Params<VersionQuery>,
    Body(input): Body<ShipmentInput>,
) -> ApiResult<Json<Value>> {
    let k = s.kontor.clone();
    Ok(Json(
        blocking(move || shipments::update(&k, &auth.principal, id, v.version, input)).await?,
    ))
}

/// Ships (loads) a planned shipment: its goods leave the warehouse as stock moves of the
/// order, consuming the order's reservation.
#[utoipa::path(post, path = "/api/v1/shipments/{id}/ship", tag = "logistics", params(("id" = u64, Path), VersionQuery), request_body = ShipInput, responses((status = 200, body = ShipmentView)))]
async fn ship_shipment(
    State(s): State<AppState>,
    auth: Auth,
    PathParam(id): PathParam<u64>,
    Params(v): Params<VersionQuery>,
    Body(input): Body<ShipInput>,
) -> ApiResult<Json<Value>> {
    let k = s.kontor.clone();
    Ok(Json(
        blocking(move || shipments::ship(&k, &auth.principal, id, v.version, input)).await?,
    ))
}

/// Moves a shipped shipment on: in transit, arrived or delivered.
#[utoipa::path(post, path = "/api/v1/shipments/{id}/progress", tag = "logistics", params(("id" = u64, Path), VersionQuery), request_body = ProgressInput, responses((status = 200, body = ShipmentView)))]
async fn progress_shipment(
    State(s): State<AppState>,
    auth: Auth,
    PathParam(id): PathParam<u64>,
    Params(v): Params<VersionQuery>,
    Body(input): Body<ProgressInput>,
) -> ApiResult<Json<Value>> {
    let k = s.kontor.clone();
    Ok(Json(
        blocking(move || shipments::progress(&k, &auth.principal, id, v.version, input)).await?,
    ))
}

/// Cancels a shipment; goods that had left come back with return moves.
#[utoipa::path(post, path = "/api/v1/shipments/{id}/cancel", tag = "logistics", params(("id" = u64, Path), VersionQuery), responses((status = 200, body = ShipmentView)))]
async fn cancel_shipment(
    State(s): State<AppState>,
    auth: Auth,
    PathParam(id): PathParam<u64>,
    Params(v): Params<VersionQuery>,
) -> ApiResult<Json<Value>> {
    let k = s.kontor.clone();
    Ok(Json(
        blocking(move || shipments::cancel(&k, &auth.principal, id, v.version)).await?,
    ))
}

/// The shipment's commercial invoice (`kind=ci`, selling prices, never a cost) or packing list
/// (`kind=pl`: cartons, weights, volume), as PDF or print-ready HTML, in the order's language
/// or the one asked for.
#[utoipa::path(get, path = "/api/v1/shipments/{id}/document", tag = "logistics", params(("id" = u64, Path), DocumentQuery), responses((status = 200, content_type = "application/pdf", body = Vec<u8>)))]
async fn shipment_document(
    State(s): State<AppState>,
    auth: Auth,
    PathParam(id): PathParam<u64>,
    Params(q): Params<DocumentQuery>,
) -> ApiResult<Response> {
    let k = s.kontor.clone();
    Ok(super::sales::document(
        blocking(move || documents::shipment_document(&k, &auth.principal, id, q)).await?,
    ))
}
