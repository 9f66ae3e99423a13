//! Quotations and sales orders (SAL-2, SAL-3). Answers leave out the fields the caller's role
//! hides (product costs on lines, estimated and actual costs, profit).

use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::Value;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::error::ApiResult;
use super::extract::{Auth, Body, Params, PathParam, blocking};
use super::users::VersionQuery;
use crate::domain::kit::List;
use crate::domain::sales::documents::{self, DocumentQuery, DocumentSettings, Rendered};
use crate::domain::sales::orders::{self, OrderInput, OrderQuery, OrderRow, OrderView};
use crate::domain::sales::quotations::{self, QuotationInput, QuotationQuery, QuotationView};
use crate::domain::sales::receivables::{self, CustomerMoney, DunningLetter};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_quotations, create_quotation))
        .routes(routes!(get_quotation, update_quotation, delete_quotation))
        .routes(routes!(quotation_step))
        .routes(routes!(order_from_quotation))
        .routes(routes!(list_orders, create_order))
        .routes(routes!(get_order, update_order, delete_order))
        .routes(routes!(dunning_letter))
        .routes(routes!(customer_money))
        .routes(routes!(order_document))
        .routes(routes!(quotation_document))
        .routes(routes!(get_document_settings, set_document_settings))
}

pub(super) fn document(r: Rendered) -> Response {
    // Shown in the browser (the print view, the PDF viewer) and saved under its number.
    let disposition = format!("inline; filename=\"{}\"", r.filename);
    (
        [
            (header::CONTENT_TYPE, r.content_type.to_string()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        r.bytes,
    )
        .into_response()
}

/// The order's proforma invoice (`kind=pi`) or order confirmation, as PDF or print-ready HTML,
/// in the order's language or the one asked for.
#[utoipa::path(get, path = "/api/v1/orders/{id}/document", tag = "sales", params(("id" = u64, Path), DocumentQuery), responses((status = 200, content_type = "application/pdf", body = Vec<u8>)))]
async fn order_document(
    State(s): State<AppState>,
    auth: Auth,
    PathParam(id): PathParam<u64>,
    Params(q): Params<DocumentQuery>,
) -> ApiResult<Response> {
    let k = s.kontor.clone();
    Ok(document(
        blocking(move || documents::order_document(&k, &auth.principal, id, q)).await?,
    ))
}

/// The quotation as the customer receives it, as PDF or print-ready HTML.
#[utoipa::path(get, path = "/api/v1/quotations/{id}/document", tag = "sales", params(("id" = u64, Path), DocumentQuery), responses((status = 200, content_type = "application/pdf", body = Vec<u8>)))]
async fn quotation_document(
    State(s): State<AppState>,
    auth: Auth,
    PathParam(id): PathParam<u64>,
    Params(q): Params<DocumentQuery>,
) -> ApiResult<Response> {
    let k = s.kontor.clone();
    Ok(document(
        blocking(move || documents::quotation_document(&k, &auth.principal, id, q)).await?,
    ))
}

/// The letterhead and bank details printed on quotations and PIs.
#[utoipa::path(get, path = "/api/v1/document-settings", tag = "sales", responses((status = 200, body = DocumentSettings)))]
async fn get_document_settings(
    State(s): State<AppState>,
    auth: Auth,
) -> ApiResult<Json<DocumentSettings>> {
    let k = s.kontor.clone();
    Ok(Json(
        blocking(move || documents::get_settings(&k, &auth.principal)).await?,
    ))
}

#[utoipa::path(put, path = "/api/v1/document-settings", tag = "sales", request_body = DocumentSettings, responses((status = 200, body = DocumentSettings)))]
async fn set_document_settings(
    State(s): State<AppState>,
    auth: Auth,
    Body(input): Body<DocumentSettings>,
) -> ApiResult<Json<DocumentSettings>> {
    let k = s.kontor.clone();
    Ok(Json(
        blocking(move || documents::set_settings(&k, &auth.principal, input)).await?,
    ))
}

/// Quotations the caller reads, newest first.
#[utoipa::path(get, path = "/api/v1/quotations", tag = "sales", params(QuotationQuery), responses((status = 200, body = List<QuotationView>)))]
async fn list_quotations(
    State(s): State<AppState>,
    auth: Auth,
    Params(q): Params<QuotationQuery>,
) -> ApiResult<Json<List<Value>>> {
    let k = s.kontor.clone();
    Ok(Json(
        blocking(move || quotations::list(&k, &auth.principal, q)).await?,
    ))
}

/// A new quotation (draft) for a customer or an opportunity; numbered QT-YYYY-NNNN.
#[utoipa::path(post, path = "/api/v1/quotations", tag = "sales", request_body = QuotationInput, responses((status = 201, body = QuotationView)))]
async fn create_quotation(
    State(s): State<AppState>,
    auth: Auth,
    Body(input): Body<QuotationInput>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let k = s.kontor.clone();
    Ok((
        StatusCode::CREATED,
        Json(blocking(move || quotations::create(&k, &auth.principal, input)).await?),
    ))
}

#[utoipa::path(get, path = "/api/v1/quotations/{id}", tag = "sales", params(("id" = u64, Path)), responses((status = 200, body = QuotationView)))]
async fn get_quotation(
    State(s): State<AppState>,
    auth: Auth,
    PathParam(id): PathParam<u64>,
) -> ApiResult<Json<Value>> {
    let k = s.kontor.clone();
    Ok(Json(
        blocking(move || quotations::get(&k, &auth.principal, id)).await?,
    ))
}

/// Changes a quotation: a draft in place; a sent, rejected or expired one becomes a new
/// revision (the old one stays in `history`).
#[utoipa::path(patch, path = "/api/v1/quotations/{id}", tag = "sales", params(("id" = u64, Path)), request_body = QuotationInput, responses((status = 200, body = QuotationView)))]
async fn update_quotation(
    State(s): State<AppState>,
    auth: Auth,
    PathParam(id): PathParam<u64>,
    Body(input): Body<QuotationInput>,
) -> ApiResult<Json<Value>> {
    let k = s.kontor.clone();
    Ok(Json(
        blocking(move || quotations::update(&k, &auth.principal, id, input)).await?,
    ))
}

#[utoipa::path(delete, path = "/api/v1/quotations/{id}", tag = "sales", params(("id" = u64, Path), VersionQuery), responses((status = 204)))]
async fn delete_quotation(
    State(s): State<AppState>,
    auth: Auth,
    PathParam(id): PathParam<u64>,
    Params(v): Params<VersionQuery>,
) -> ApiResult<StatusCode> {
    let k = s.kontor.clone();
    blocking(move || quotations::delete(&k, &auth.principal, id, v.version)).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StepInput {
    /// `send`, `accept` or `reject`.
    pub step: String,
    pub version: Option<u64>,
}

/// Moves a quotation along: `send` (draft → sent), `accept` or `reject` (sent → …).
#[utoipa::path(post, path = "/api/v1/quotations/{id}/steps", tag = "sales", params(("id" = u64, Path)), request_body = StepInput, responses((status = 200, body = QuotationView)))]
async fn quotation_step(
    State(s): State<AppState>,
    auth: Auth,
    PathParam(id): PathParam<u64>,
    Body(input): Body<StepInput>,
) -> ApiResult<Json<Value>> {
    let k = s.kontor.clone();
    Ok(Json(
        blocking(move || quotations::step(&k, &auth.principal, id, &input.step, input.version))
            .await?,
    ))
}

/// The order made from an accepted quotation (its lines, prices and terms carried over).
#[utoipa::path(post, path = "/api/v1/quotations/{id}/order", tag = "sales", params(("id" = u64, Path)), request_body = OrderInput, responses((status = 201, body = OrderView)))]
async fn order_from_quotation(
    State(s): State<AppState>,
    auth: Auth,
    PathParam(id): PathParam<u64>,
    Body(input): Body<OrderInput>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let k = s.kontor.clone();
    Ok((
        StatusCode::CREATED,
        Json(blocking(move || orders::from_quotation(&k, &auth.principal, id, input)).await?),
    ))
}

/// Orders the caller reads, newest first, with received and outstanding.
#[utoipa::path(get, path = "/api/v1/orders", tag = "sales", params(OrderQuery), responses((status = 200, body = List<OrderRow>)))]
async fn list_orders(
    State(s): State<AppState>,
    auth: Auth,
    Params(q): Params<OrderQuery>,
) -> ApiResult<Json<List<OrderRow>>> {
    let k = s.kontor.clone();
    Ok(Json(
        blocking(move || orders::list(&k, &auth.principal, q)).await?,
    ))
}

/// An order made directly; numbered SO-YYYY-NNNN, its lines frozen with the order date's rate.
#[utoipa::path(post, path = "/api/v1/orders", tag = "sales", request_body = OrderInput, responses((status = 201, body = OrderView)))]
async fn create_order(
    State(s): State<AppState>,
    auth: Auth,
    Body(input): Body<OrderInput>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let k = s.kontor.clone();
    Ok((
        StatusCode::CREATED,
        Json(blocking(move || orders::create(&k, &auth.principal, input)).await?),
    ))
}

/// An order with its payment plan, receipts, exchange gain/loss and profit.
#[utoipa::path(get, path = "/api/v1/orders/{id}", tag = "sales", params(("id" = u64, Path)), responses((status = 200, body = OrderView)))]
async fn get_order(
    State(s): State<AppState>,
    auth: Auth,
    PathParam(id): PathParam<u64>,
) -> ApiResult<Json<Value>> {
    let k = s.kontor.clone();
    Ok(Json(
        blocking(move || orders::get(&k, &auth.principal, id)).await?,
    ))
}

/// Changes an order: status, dates (the plan is dated again), costs; lines, currency and
/// terms only while no receipt is matched to it.
#[utoipa::path(patch, path = "/api/v1/orders/{id}", tag = "sales", params(("id" = u64, Path)), request_body = OrderInput, responses((status = 200, body = OrderView)))]
async fn update_order(
    State(s): State<AppState>,
    auth: Auth,
    PathParam(id): PathParam<u64>,
    Body(input): Body<OrderInput>,
) -> ApiResult<Json<Value>> {
    let k = s.kontor.clone();
    Ok(Json(
        blocking(move || orders::update(&k, &auth.principal, id, input)).await?,
    ))
}

#[utoipa::path(delete, path = "/api/v1/orders/{id}", tag = "sales", params(("id" = u64, Path), VersionQuery), responses((status = 204)))]
async fn delete_order(
    State(s): State<AppState>,
    auth: Auth,
    PathParam(id): PathParam<u64>,
    Params(v): Params<VersionQuery>,
) -> ApiResult<StatusCode> {
    let k = s.kontor.clone();
    blocking(move || orders::delete(&k, &auth.principal, id, v.version)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The payment reminder letter for the order's open instalments, in the order's language.
#[utoipa::path(get, path = "/api/v1/orders/{id}/dunning", tag = "sales", params(("id" = u64, Path)), responses((status = 200, body = DunningLetter)))]
async fn dunning_letter(
    State(s): State<AppState>,
    auth: Auth,
    PathParam(id): PathParam<u64>,
) -> ApiResult<Json<DunningLetter>> {
    let k = s.kontor.clone();
    Ok(Json(
        blocking(move || receivables::dunning(&k, &auth.principal, id)).await?,
    ))
}

/// A customer's open orders, outstanding and credit.
#[utoipa::path(get, path = "/api/v1/customers/{id}/money", tag = "sales", params(("id" = u64, Path)), responses((status = 200, body = CustomerMoney)))]
async fn customer_money(
    State(s): State<AppState>,
    auth: Auth,
    PathParam(id): PathParam<u64>,
) -> ApiResult<Json<CustomerMoney>> {
    let k = s.kontor.clone();
    Ok(Json(
        blocking(move || receivables::of_customer(&k, &auth.principal, id)).await?,
    ))
}
