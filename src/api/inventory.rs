//! Warehouses, the stock ledger and its balances, transfers, availability (INV-1, INV-2) and
//! the inventory settings.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::error::ApiResult;
use super::extract::{Auth, Body, Params, PathParam, blocking};
use super::users::VersionQuery;
use crate::domain::goods::availability::{
    self, Availability, AvailabilityQuery, OrderAvailability,
};
use crate::domain::goods::settings::{self, InventorySettings};
use crate::domain::goods::stock::{
    self, BalanceQuery, BalanceView, MoveQuery, MoveView, StockMoveInput,
};
use crate::domain::goods::transfers::{
    self, ReceiveTransferInput, StockTransferInput, TransferQuery, TransferView,
};
use crate::domain::goods::warehouses::{self, WarehouseInput, WarehouseView};
use crate::domain::kit::List;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_warehouses, create_warehouse))
        .routes(routes!(get_warehouse, update_warehouse, delete_warehouse))
        .routes(routes!(stock_balances))
        .routes(routes!(list_moves, record_move))
        .routes(routes!(list_transfers, send_transfer))
        .routes(routes!(get_transfer))
        .routes(routes!(receive_transfer))
        .routes(routes!(product_availability))
        .routes(routes!(order_availability))
        .routes(routes!(get_inventory_settings, set_inventory_settings))
}

/// Every warehouse, by code.
#[utoipa::path(get, path = "/api/v1/warehouses", tag = "inventory", responses((status = 200, body = List<WarehouseView>)))]
async fn list_warehouses(
    State(s): State<AppState>,
    auth: Auth,
) -> ApiResult<Json<List<WarehouseView>>> {
    let k = s.kontor.clone();
    Ok(Json(
        blocking(move || warehouses::list(&k, &auth.principal)).await?,
    ))
}

/// A new warehouse (`code`, `name` and `location` required).
#[utoipa::path(post, path = "/api/v1/warehouses", tag = "inventory", request_body = WarehouseInput, responses((status = 201, body = WarehouseView)))]
async fn create_warehouse(
    State(s): State<AppState>,
    auth: Auth,
    Body(input): Body<WarehouseInput>,
) -> ApiResult<(StatusCode, Json<WarehouseView>)> {
    let k = s.kontor.clone();
    Ok((
        StatusCode::CREATED,
        Json(blocking(move || warehouses::create(&k, &auth.principal, input)).await?),
    ))
}

#[utoipa::path(get, path = "/api/v1/warehouses/{id}", tag = "inventory", params(("id" = u64, Path)), responses((status = 200, body = WarehouseView)))]
async fn get_warehouse(
    State(s): State<AppState>,
    auth: Auth,
    PathParam(id): PathParam<u64>,
) -> ApiResult<Json<WarehouseView>> {
    let k = s.kontor.clone();
    Ok(Json(
        blocking(move || warehouses::get(&k, &auth.principal, id)).await?,
    ))
}

#[utoipa::path(patch, path = "/api/v1/warehouses/{id}", tag = "inventory", params(("id" = u64, Path)), request_body = WarehouseInput, responses((status = 200, body = WarehouseView)))]
async fn update_warehouse(
    State(s): State<AppState>,
    auth: Auth,
    PathParam(id): PathParam<u64>,
    Body(input): Body<WarehouseInput>,
) -> ApiResult<Json<WarehouseView>> {
    let k = s.kontor.clone();
    Ok(Json(
        blocking(move || warehouses::update(&k, &auth.principal, id, input)).await?,
    ))
}

/// Moves a warehouse that never held stock to the recycle bin (else: make it inactive).
#[utoipa::path(delete, path = "/api/v1/warehouses/{id}", tag = "inventory", params(("id" = u64, Path), VersionQuery), responses((status = 204)))]
async fn delete_warehouse(
    State(s): State<AppState>,
    auth: Auth,
    PathParam(id): PathParam<u64>,
    Params(v): Params<VersionQuery>,
) -> ApiResult<StatusCode> {
    let k = s.kontor.clone();
    blocking(move || warehouses::delete(&k, &auth.principal, id, v.version)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Stock per product and warehouse: on hand, reserved, available, incoming, in transit.
#[utoipa::path(get, path = "/api/v1/stock", tag = "inventory", params(BalanceQuery), responses((status = 200, body = Vec<BalanceView>)))]
async fn stock_balances(
    State(s): State<AppState>,
    auth: Auth,
    Params(q): Params<BalanceQuery>,
) -> ApiResult<Json<Vec<BalanceView>>> {
    let k = s.kontor.clone();
    Ok(Json(
        blocking(move || stock::balances(&k, &auth.principal, q)).await?,
    ))
}

/// The stock ledger, newest first.
#[utoipa::path(get, path = "/api/v1/stock-moves", tag = "inventory", params(MoveQuery), responses((status = 200, body = List<MoveView>)))]
async fn list_moves(
    State(s): State<AppState>,
    auth: Auth,
    Params(q): Params<MoveQuery>,
) -> ApiResult<Json<List<MoveView>>> {
    let k = s.kontor.clone();
    Ok(Json(
        blocking(move || stock::moves(&k, &auth.principal, q)).await?,
    ))
}

/// A move by hand: receipt, shipment (of a sales order: it consumes the order's reservation),
/// adjustment (`direction` in/out) or return. Taking stock below zero is refused (409) unless
/// the settings allow it.
#[utoipa::path(post, path = "/api/v1/stock-moves", tag = "inventory", request_body = StockMoveInput, responses((status = 201, body = MoveView)))]
async fn record_move(
    State(s): State<AppState>,
    auth: Auth,
    Body(input): Body<StockMoveInput>,
) -> ApiResult<(StatusCode, Json<MoveView>)> {
    let k = s.kontor.clone();
    Ok((
        StatusCode::CREATED,
        Json(blocking(move || stock::record(&k, &auth.principal, input)).await?),
    ))
}

#[utoipa::path(get, path = "/api/v1/stock-transfers", tag = "inventory", params(TransferQuery), responses((status = 200, body = List<TransferView>)))]
async fn list_transfers(
    State(s): State<AppState>,
    auth: Auth,
    Params(q): Params<TransferQuery>,
) -> ApiResult<Json<List<TransferView>>> {
    let k = s.kontor.clone();
    Ok(Json(
        blocking(move || transfers::list(&k, &auth.principal, q)).await?,
    ))
}

/// Sends goods to another warehouse: out of the source now, in transit until received.
#[utoipa::path(post, path = "/api/v1/stock-transfers", tag = "inventory", request_body = StockTransferInput, responses((status = 201, body = TransferView)))]
async fn send_transfer(
    State(s): State<AppState>,
    auth: Auth,
    Body(input): Body<StockTransferInput>,
) -> ApiResult<(StatusCode, Json<TransferView>)> {
    let k = s.kontor.clone();
    Ok((
        StatusCode::CREATED,
        Json(blocking(move || transfers::send(&k, &auth.principal, input)).await?),
    ))
}

#[utoipa::path(get, path = "/api/v1/stock-transfers/{id}", tag = "inventory", params(("id" = u64, Path)), responses((status = 200, body = TransferView)))]
async fn get_transfer(
    State(s): State<AppState>,
    auth: Auth,
    PathParam(id): PathParam<u64>,
) -> ApiResult<Json<TransferView>> {
    let k = s.kontor.clone();
    Ok(Json(
        blocking(move || transfers::get(&k, &auth.principal, id)).await?,
    ))
}

/// Receives a transfer at its destination: in transit → on hand.
#[utoipa::path(post, path = "/api/v1/stock-transfers/{id}/receive", tag = "inventory", params(("id" = u64, Path)), request_body = ReceiveTransferInput, responses((status = 200, body = TransferView)))]
async fn receive_transfer(
    State(s): State<AppState>,
    auth: Auth,
    PathParam(id): PathParam<u64>,
    Body(input): Body<ReceiveTransferInput>,
) -> ApiResult<Json<TransferView>> {
    let k = s.kontor.clone();
    Ok(Json(
        blocking(move || transfers::receive(&k, &auth.principal, id, input)).await?,
    ))
}

/// How a need of a product would be met: "500 needed: 300 in the domestic warehouse, 150
/// overseas, 50 short".
#[utoipa::path(get, path = "/api/v1/availability", tag = "inventory", params(AvailabilityQuery), responses((status = 200, body = Availability)))]
async fn product_availability(
    State(s): State<AppState>,
    auth: Auth,
    Params(q): Params<AvailabilityQuery>,
) -> ApiResult<Json<Availability>> {
    let k = s.kontor.clone();
    Ok(Json(
        blocking(move || availability::of_product(&k, &auth.principal, q)).await?,
    ))
}

/// An order's lines against the stock: per line where it comes from and what is short.
#[utoipa::path(get, path = "/api/v1/orders/{id}/availability", tag = "inventory", params(("id" = u64, Path)), responses((status = 200, body = OrderAvailability)))]
async fn order_availability(
    State(s): State<AppState>,
    auth: Auth,
    PathParam(id): PathParam<u64>,
) -> ApiResult<Json<OrderAvailability>> {
    let k = s.kontor.clone();
    Ok(Json(
        blocking(move || availability::of_order(&k, &auth.principal, id)).await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/inventory-settings", tag = "inventory", responses((status = 200, body = InventorySettings)))]
async fn get_inventory_settings(
    State(s): State<AppState>,
    auth: Auth,
) -> ApiResult<Json<InventorySettings>> {
    let k = s.kontor.clone();
    Ok(Json(
        blocking(move || settings::get(&k, &auth.principal)).await?,
    ))
}

/// Whether stock may go below zero, and the over-receipt tolerance (settings admins).
#[utoipa::path(put, path = "/api/v1/inventory-settings", tag = "inventory", request_body = InventorySettings, responses((status = 200, body = InventorySettings)))]
async fn set_inventory_settings(
    State(s): State<AppState>,
    auth: Auth,
    Body(input): Body<InventorySettings>,
) -> ApiResult<Json<InventorySettings>> {
    let k = s.kontor.clone();
    Ok(Json(
        blocking(move || settings::set(&k, &auth.principal, input)).await?,
    ))
}
