//! Supplier invoices and payables (FIN-2, payables half): finance's, with scope `all`;
//! amounts are supplier prices, left out for roles that hide them.

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
use crate::domain::goods::payables::{
    self, Aging, InvoiceInput, InvoiceQuery, InvoiceView, PaymentInput,
};
use crate::domain::kit::List;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_invoices, create_invoice))
        .routes(routes!(get_invoice, delete_invoice))
        .routes(routes!(pay_invoice))
        .routes(routes!(payables_aging))
}

/// Supplier invoices, newest first, with their status (open, partly paid, paid).
#[utoipa::path(get, path = "/api/v1/supplier-invoices", tag = "finance", params(InvoiceQuery), responses((status = 200, body = List<InvoiceView>)))]
async fn list_invoices(
    State(s): State<AppState>,
    auth: Auth,
    Params(q): Params<InvoiceQuery>,
) -> ApiResult<Json<List<Value>>> {
    let k = s.kontor.clone();
    Ok(Json(
        blocking(move || payables::list(&k, &auth.principal, q)).await?,
    ))
}

/// Records a supplier invoice for confirmed purchase orders of that supplier; the due date from
/// the first order's payment terms when not given. The supplier's number twice is refused (409).
#[utoipa::path(post, path = "/api/v1/supplier-invoices", tag = "finance", request_body = InvoiceInput, responses((status = 201, body = InvoiceView)))]
async fn create_invoice(
    State(s): State<AppState>,
    auth: Auth,
    Body(input): Body<InvoiceInput>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let k = s.kontor.clone();
    Ok((
        StatusCode::CREATED,
        Json(blocking(move || payables::create(&k, &auth.principal, input)).await?),
    ))
}

#[utoipa::path(get, path = "/api/v1/supplier-invoices/{id}", tag = "finance", params(("id" = u64, Path)), responses((status = 200, body = InvoiceView)))]
async fn get_invoice(
    State(s): State<AppState>,
    auth: Auth,
    PathParam(id): PathParam<u64>,
) -> ApiResult<Json<Value>> {
    let k = s.kontor.clone();
    Ok(Json(
        blocking(move || payables::get(&k, &auth.principal, id)).await?,
    ))
}

/// Moves an invoice without payments to the recycle bin.
#[utoipa::path(delete, path = "/api/v1/supplier-invoices/{id}", tag = "finance", params(("id" = u64, Path), VersionQuery), responses((status = 204)))]
async fn delete_invoice(
    State(s): State<AppState>,
    auth: Auth,
    PathParam(id): PathParam<u64>,
    Params(v): Params<VersionQuery>,
) -> ApiResult<StatusCode> {
    let k = s.kontor.clone();
    blocking(move || payables::delete(&k, &auth.principal, id, v.version)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Records a payment of the invoice; more than is outstanding is refused (409 on `amount`).
#[utoipa::path(post, path = "/api/v1/supplier-invoices/{id}/payments", tag = "finance", params(("id" = u64, Path)), request_body = PaymentInput, responses((status = 200, body = InvoiceView)))]
async fn pay_invoice(
    State(s): State<AppState>,
    auth: Auth,
    PathParam(id): PathParam<u64>,
    Body(input): Body<PaymentInput>,
) -> ApiResult<Json<Value>> {
    let k = s.kontor.clone();
    Ok(Json(
        blocking(move || payables::pay(&k, &auth.principal, id, input)).await?,
    ))
}

/// Open payables by days past due (not due, 1–30, 31–60, 61–90, over 90), one row per currency.
#[utoipa::path(get, path = "/api/v1/payables/aging", tag = "finance", responses((status = 200, body = Aging)))]
async fn payables_aging(State(s): State<AppState>, auth: Auth) -> ApiResult<Json<Value>> {
    let k = s.kontor.clone();
    Ok(Json(
        blocking(move || payables::aging(&k, &auth.principal)).await?,
    ))
}
