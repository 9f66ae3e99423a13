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
use axum::body::Bytes;
use axum::http::HeaderMap;
use axum::response::Response;

use crate::domain::kit::List;
use crate::domain::logistics::documents;
use crate::domain::logistics::shipments::{
    self, ProgressInput, ShipInput, ShipmentInput, ShipmentQuery, ShipmentView,
};
use crate::domain::logistics::tracking::{self, ProviderState, Received, SecretInput};
use crate::domain::sales::documents::DocumentQuery;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_shipments, create_shipment))
        .routes(routes!(get_shipment, update_shipment))
        .routes(routes!(ship_shipment))
        .routes(routes!(progress_shipment))
        .routes(routes!(cancel_shipment))
        .routes(routes!(shipment_document))
        .routes(routes!(tracking_hook))
        .routes(routes!(get_tracking_settings, set_tracking_secret))
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

/// A tracking provider's notification (17TRACK webhook v2, AfterShip): public, no session;
/// the body must carry the provider's signature made with the secret the admin set (header
/// `sign` for 17TRACK, `aftership-hmac-sha256` for AfterShip). Its events are stored on the
/// shipment with that B/L, container, booking or tracking number, moving its ETA and status on.
#[utoipa::path(post, path = "/api/v1/hooks/tracking/{provider}", tag = "logistics", security(()),
    params(("provider" = String, Path, description = "`17track` or `aftership`")),
    request_body(content = Object, content_type = "application/json"),
    responses(
        (status = 200, body = Received),
        (status = 401, description = "No secret set, or a bad signature"),
        (status = 404, description = "An unknown provider or tracking number"),
        (status = 409, description = "A replay: already applied, or its timestamp is outside the window"),
    ))]
async fn tracking_hook(
    State(s): State<AppState>,
    PathParam(provider): PathParam<String>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Json<Received>> {
    let k = s.kontor.clone();
    let sign = tracking::Provider::parse(&provider)
        .and_then(|p| headers.get(tracking::header(p)))
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    Ok(Json(
        blocking(move || tracking::receive(&k, &provider, sign.as_deref(), &body)).await?,
    ))
}

/// Which tracking providers have a webhook secret (never the secret itself).
#[utoipa::path(get, path = "/api/v1/tracking-settings", tag = "logistics", responses((status = 200, body = Vec<ProviderState>)))]
async fn get_tracking_settings(
    State(s): State<AppState>,
    auth: Auth,
) -> ApiResult<Json<Vec<ProviderState>>> {
    let k = s.kontor.clone();
    Ok(Json(
        blocking(move || tracking::get_settings(&k, &auth.principal)).await?,
    ))
}

/// Sets (or, empty, removes) a tracking provider's webhook secret; the answer says only which
/// providers have one.
#[utoipa::path(put, path = "/api/v1/tracking-settings", tag = "logistics", request_body = SecretInput, responses((status = 200, body = Vec<ProviderState>)))]
async fn set_tracking_secret(
    State(s): State<AppState>,
    auth: Auth,
    Body(input): Body<SecretInput>,
) -> ApiResult<Json<Vec<ProviderState>>> {
    let k = s.kontor.clone();
    Ok(Json(
        blocking(move || tracking::set_secret(&k, &auth.principal, input)).await?,
    ))
}
