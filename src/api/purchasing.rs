//! Suppliers, purchase orders, their receipts with inspection, and purchase requests raised by
//! an order's shortfall (INV-2, INV-4). Answers leave out supplier prices for roles that hide
//! them; the external supplier sees only its own supplier record and confirmed orders.

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
use crate::domain::goods::availability::{self, RequestInput};
use crate::domain::goods::purchase::{self, PoInput, PoQuery, PoView};
use crate::domain::goods::receiving::{self, GoodsReceiptInput};
use crate::domain::goods::suppliers::{
    self, Choice, ChoiceQuery, SupplierInput, SupplierQuery, SupplierView,
};
use crate::domain::kit::List;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_suppliers, create_supplier))
        .routes(routes!(supplier_choice))
        .routes(routes!(get_supplier, update_supplier, delete_supplier))
        .routes(routes!(list_purchase_orders, create_purchase_order))
        .routes(routes!(
            get_purchase_order,
            update_purchase_order,
            delete_purchase_order
        ))
        .routes(routes!(receive_purchase_order))
        .routes(routes!(raise_purchase_requests))
}

/// Suppliers the caller reads, newest first, with their pass and on-time rates.
#[utoipa::path(get, path = "/api/v1/suppliers", tag = "purchasing", params(SupplierQuery), responses((status = 200, body = List<SupplierView>)))]
async fn list_suppliers(
    State(s): State<AppState>,
    auth: Auth,
    Params(q): Params<SupplierQuery>,
) -> ApiResult<Json<List<Value>>> {
    let k = s.kontor.clone();
    Ok(Json(
        blocking(move || suppliers::list(&k, &auth.principal, q)).await?,
    ))
}

/// A new supplier (`name` and `currency` required). The same normalised name in the same
/// country, or the same contact e-mail, as an existing supplier is refused (409, naming it).
#[utoipa::path(post, path = "/api/v1/suppliers", tag = "purchasing", request_body = SupplierInput, responses((status = 201, body = SupplierView)))]
async fn create_supplier(
    State(s): State<AppState>,
    auth: Auth,
    Body(input): Body<SupplierInput>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let k = s.kontor.clone();
    Ok((
        StatusCode::CREATED,
        Json(blocking(move || suppliers::create(&k, &auth.principal, input)).await?),
    ))
}

/// The suppliers of a product, shortest lead time first: "A: 7 days, 98 %".
#[utoipa::path(get, path = "/api/v1/suppliers/choice", tag = "purchasing", params(ChoiceQuery), responses((status = 200, body = Vec<Choice>)))]
async fn supplier_choice(
    State(s): State<AppState>,
    auth: Auth,
    Params(q): Params<ChoiceQuery>,
) -> ApiResult<Json<Value>> {
    let k = s.kontor.clone();
    Ok(Json(
        blocking(move || suppliers::choice(&k, &auth.principal, q)).await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/suppliers/{id}", tag = "purchasing", params(("id" = u64, Path)), responses((status = 200, body = SupplierView)))]
async fn get_supplier(
    State(s): State<AppState>,
    auth: Auth,
    PathParam(id): PathParam<u64>,
) -> ApiResult<Json<Value>> {
    let k = s.kontor.clone();
    Ok(Json(
        blocking(move || suppliers::get(&k, &auth.principal, id)).await?,
    ))
}

/// Changes the fields given; a new portal login takes the confirmed orders along.
#[utoipa::path(patch, path = "/api/v1/suppliers/{id}", tag = "purchasing", params(("id" = u64, Path)), request_body = SupplierInput, responses((status = 200, body = SupplierView)))]
async fn update_supplier(
    State(s): State<AppState>,
    auth: Auth,
    PathParam(id): PathParam<u64>,
    Body(input): Body<SupplierInput>,
) -> ApiResult<Json<Value>> {
    let k = s.kontor.clone();
    Ok(Json(
        blocking(move || suppliers::update(&k, &auth.principal, id, input)).await?,
    ))
}

/// Moves a supplier without purchase orders to the recycle bin.
#[utoipa::path(delete, path = "/api/v1/suppliers/{id}", tag = "purchasing", params(("id" = u64, Path), VersionQuery), responses((status = 204)))]
async fn delete_supplier(
    State(s): State<AppState>,
    auth: Auth,
    PathParam(id): PathParam<u64>,
    Params(v): Params<VersionQuery>,
) -> ApiResult<StatusCode> {
    let k = s.kontor.clone();
    blocking(move || suppliers::delete(&k, &auth.principal, id, v.version)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Purchase orders the caller reads, newest first.
#[utoipa::path(get, path = "/api/v1/purchase-orders", tag = "purchasing", params(PoQuery), responses((status = 200, body = List<PoView>)))]
async fn list_purchase_orders(
    State(s): State<AppState>,
    auth: Auth,
    Params(q): Params<PoQuery>,
) -> ApiResult<Json<List<Value>>> {
    let k = s.kontor.clone();
    Ok(Json(
        blocking(move || purchase::list(&k, &auth.principal, q)).await?,
    ))
}

/// A new purchase order (draft, or `status: confirmed`), numbered PO-YYYY-NNNN, with the rate of
/// its order date.
#[utoipa::path(post, path = "/api/v1/purchase-orders", tag = "purchasing", request_body = PoInput, responses((status = 201, body = PoView)))]
async fn create_purchase_order(
    State(s): State<AppState>,
    auth: Auth,
    Body(input): Body<PoInput>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let k = s.kontor.clone();
    Ok((
        StatusCode::CREATED,
        Json(blocking(move || purchase::create(&k, &auth.principal, input)).await?),
    ))
}

#[utoipa::path(get, path = "/api/v1/purchase-orders/{id}", tag = "purchasing", params(("id" = u64, Path)), responses((status = 200, body = PoView)))]
async fn get_purchase_order(
    State(s): State<AppState>,
    auth: Auth,
    PathParam(id): PathParam<u64>,
) -> ApiResult<Json<Value>> {
    let k = s.kontor.clone();
    Ok(Json(
        blocking(move || purchase::get(&k, &auth.principal, id)).await?,
    ))
}

/// Changes a purchase order: a draft's lines, currency and date; any open order's due date,
/// terms, warehouse and note; `status` confirms a draft or cancels before any receipt.
#[utoipa::path(patch, path = "/api/v1/purchase-orders/{id}", tag = "purchasing", params(("id" = u64, Path)), request_body = PoInput, responses((status = 200, body = PoView)))]
async fn update_purchase_order(
    State(s): State<AppState>,
    auth: Auth,
    PathParam(id): PathParam<u64>,
    Body(input): Body<PoInput>,
) -> ApiResult<Json<Value>> {
    let k = s.kontor.clone();
    Ok(Json(
        blocking(move || purchase::update(&k, &auth.principal, id, input)).await?,
    ))
}

/// Moves a draft or cancelled purchase order to the recycle bin.
#[utoipa::path(delete, path = "/api/v1/purchase-orders/{id}", tag = "purchasing", params(("id" = u64, Path), VersionQuery), responses((status = 204)))]
async fn delete_purchase_order(
    State(s): State<AppState>,
    auth: Auth,
    PathParam(id): PathParam<u64>,
    Params(v): Params<VersionQuery>,
) -> ApiResult<StatusCode> {
    let k = s.kontor.clone();
    blocking(move || purchase::delete(&k, &auth.principal, id, v.version)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Receives goods into a warehouse with their inspection: what passed goes into stock; more
/// than ordered beyond the tolerance is refused naming the line. Needs the inventory create
/// right and a purchase order the caller reads.
#[utoipa::path(post, path = "/api/v1/purchase-orders/{id}/receipts", tag = "purchasing", params(("id" = u64, Path)), request_body = GoodsReceiptInput, responses((status = 200, body = PoView)))]
async fn receive_purchase_order(
    State(s): State<AppState>,
    auth: Auth,
    PathParam(id): PathParam<u64>,
    Body(input): Body<GoodsReceiptInput>,
) -> ApiResult<Json<Value>> {
    let k = s.kontor.clone();
    Ok(Json(
        blocking(move || receiving::receive(&k, &auth.principal, id, input)).await?,
    ))
}

/// Raises draft purchase orders for what the sales order is short of, dated with the latest
/// order date that still meets its promised date.
#[utoipa::path(post, path = "/api/v1/orders/{id}/purchase-requests", tag = "purchasing", params(("id" = u64, Path)), request_body = RequestInput, responses((status = 201, body = Vec<PoView>)))]
async fn raise_purchase_requests(
    State(s): State<AppState>,
    auth: Auth,
    PathParam(id): PathParam<u64>,
    Body(input): Body<RequestInput>,
) -> ApiResult<(StatusCode, Json<Vec<Value>>)> {
    let k = s.kontor.clone();
    Ok((
        StatusCode::CREATED,
        Json(blocking(move || availability::raise_requests(&k, &auth.principal, id, input)).await?),
    ))
}
