//! Money in (FIN-2, FIN-3): exchange rates, payment terms templates, receipts and their
//! matching, receivables by age.

use axum::Json;
use axum::body::Body as RawBody;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::error::ApiResult;
use super::extract::{Auth, Body, Params, PathParam, blocking};
use super::users::VersionQuery;
use crate::domain::import;
use crate::domain::kit::List;
use crate::domain::sales::rates::{self, RateImport, RateInput, RateQuery, RateView};
use crate::domain::sales::receipts::{
    self, AllocateInput, CancelInput, ReceiptInput, ReceiptQuery, ReceiptView, RefundInput,
    UnallocateInput,
};
use crate::domain::sales::receivables::{self, AgingQuery, AgingRow, FxMonth};
use crate::domain::sales::terms::{self, TermsInput, TermsView};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_rates, set_rate))
        .routes(routes!(delete_rate))
        .routes(routes!(import_rates))
        .routes(routes!(list_terms, create_terms))
        .routes(routes!(update_terms))
        .routes(routes!(list_receipts, create_receipt))
        .routes(routes!(get_receipt))
        .routes(routes!(allocate_receipt))
        .routes(routes!(unallocate_receipt))
        .routes(routes!(refund_receipt))
        .routes(routes!(cancel_receipt))
        .routes(routes!(aging))
        .routes(routes!(fx_by_month))
}

/// Realised exchange gain and loss per month (FIN-3), newest first.
#[utoipa::path(get, path = "/api/v1/receivables/fx", tag = "finance", responses((status = 200, body = Vec<FxMonth>)))]
async fn fx_by_month(State(s): State<AppState>, auth: Auth) -> ApiResult<Json<Vec<FxMonth>>> {
    let k = s.kontor.clone();
    Ok(Json(
        blocking(move || receivables::fx_by_month(&k, &auth.principal)).await?,
    ))
}

/// Exchange rates, newest date first.
#[utoipa::path(get, path = "/api/v1/exchange-rates", tag = "finance", params(RateQuery), responses((status = 200, body = List<RateView>)))]
async fn list_rates(
    State(s): State<AppState>,
    auth: Auth,
    Params(q): Params<RateQuery>,
) -> ApiResult<Json<List<RateView>>> {
    let k = s.kontor.clone();
    Ok(Json(
        blocking(move || rates::list(&k, &auth.principal, q)).await?,
    ))
}

/// Sets the rate of a currency for a date (replacing the one entered for that date).
#[utoipa::path(post, path = "/api/v1/exchange-rates", tag = "finance", request_body = RateInput, responses((status = 200, body = RateView)))]
async fn set_rate(
    State(s): State<AppState>,
    auth: Auth,
    Body(input): Body<RateInput>,
) -> ApiResult<Json<RateView>> {
    let k = s.kontor.clone();
    Ok(Json(
        blocking(move || rates::set(&k, &auth.principal, input)).await?,
    ))
}

#[utoipa::path(delete, path = "/api/v1/exchange-rates/{id}", tag = "finance", params(("id" = u64, Path), VersionQuery), responses((status = 204)))]
async fn delete_rate(
    State(s): State<AppState>,
    auth: Auth,
    PathParam(id): PathParam<u64>,
    Params(v): Params<VersionQuery>,
) -> ApiResult<StatusCode> {
    let k = s.kontor.clone();
    blocking(move || rates::delete(&k, &auth.principal, id, v.version)).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct RateFileQuery {
    /// The file's name (`rates.csv`, `rates.xlsx`).
    pub filename: Option<String>,
}

/// Imports rates from a CSV (any encoding) or XLSX file sent as the request body: columns
/// date, currency, rate (source optional). All or nothing; a bad row is named.
#[utoipa::path(post, path = "/api/v1/exchange-rates/import", tag = "finance", params(RateFileQuery), request_body(content = Vec<u8>, content_type = "application/octet-stream"), responses((status = 200, body = RateImport)))]
async fn import_rates(
    State(s): State<AppState>,
    auth: Auth,
    Params(q): Params<RateFileQuery>,
    headers: HeaderMap,
    body: RawBody,
) -> ApiResult<Json<RateImport>> {
    auth.principal
        .require(crate::auth::Module::Finance, crate::auth::Action::Import)?;
    let k = s.kontor.clone();
    let path = blocking(move || import::new_upload_path(&k)).await?;
    if let Err(e) = super::imports::receive(&path, &headers, body).await {
        let _ = tokio::fs::remove_file(&path).await;
        return Err(e);
    }
    let k = s.kontor.clone();
    let filename = q.filename.unwrap_or_else(|| "rates.csv".into());
    Ok(Json(
        blocking(move || rates::import_file(&k, &auth.principal, &path, &filename)).await?,
    ))
}

/// Payment terms templates.
#[utoipa::path(get, path = "/api/v1/payment-terms", tag = "finance", responses((status = 200, body = List<TermsView>)))]
async fn list_terms(State(s): State<AppState>, auth: Auth) -> ApiResult<Json<List<TermsView>>> {
    let k = s.kontor.clone();
    Ok(Json(
        blocking(move || terms::list(&k, &auth.principal)).await?,
    ))
}

/// A new template; its shares add up to 100 %.
#[utoipa::path(post, path = "/api/v1/payment-terms", tag = "finance", request_body = TermsInput, responses((status = 201, body = TermsView)))]
async fn create_terms(
    State(s): State<AppState>,
    auth: Auth,
    Body(input): Body<TermsInput>,
) -> ApiResult<(StatusCode, Json<TermsView>)> {
    let k = s.kontor.clone();
    Ok((
        StatusCode::CREATED,
        Json(blocking(move || terms::create(&k, &auth.principal, input)).await?),
    ))
}

#[utoipa::path(patch, path = "/api/v1/payment-terms/{id}", tag = "finance", params(("id" = u64, Path)), request_body = TermsInput, responses((status = 200, body = TermsView)))]
async fn update_terms(
    State(s): State<AppState>,
    auth: Auth,
    PathParam(id): PathParam<u64>,
    Body(input): Body<TermsInput>,
) -> ApiResult<Json<TermsView>> {
    let k = s.kontor.clone();
    Ok(Json(
        blocking(move || terms::update(&k, &auth.principal, id, input)).await?,
    ))
}

/// Receipts and credit notes, newest first.
#[utoipa::path(get, path = "/api/v1/receipts", tag = "finance", params(ReceiptQuery), responses((status = 200, body = List<ReceiptView>)))]
async fn list_receipts(
    State(s): State<AppState>,
    auth: Auth,
    Params(q): Params<ReceiptQuery>,
) -> ApiResult<Json<List<ReceiptView>>> {
    let k = s.kontor.clone();
    Ok(Json(
        blocking(move || receipts::list(&k, &auth.principal, q)).await?,
    ))
}

/// Records a receipt (or a credit note); the answer proposes how to allocate it.
#[utoipa::path(post, path = "/api/v1/receipts", tag = "finance", request_body = ReceiptInput, responses((status = 201, body = ReceiptView)))]
async fn create_receipt(
    State(s): State<AppState>,
    auth: Auth,
    Body(input): Body<ReceiptInput>,
) -> ApiResult<(StatusCode, Json<ReceiptView>)> {
    let k = s.kontor.clone();
    Ok((
        StatusCode::CREATED,
        Json(blocking(move || receipts::create(&k, &auth.principal, input)).await?),
    ))
}

#[utoipa::path(get, path = "/api/v1/receipts/{id}", tag = "finance", params(("id" = u64, Path)), responses((status = 200, body = ReceiptView)))]
async fn get_receipt(
    State(s): State<AppState>,
    auth: Auth,
    PathParam(id): PathParam<u64>,
) -> ApiResult<Json<ReceiptView>> {
    let k = s.kontor.clone();
    Ok(Json(
        blocking(move || receipts::get(&k, &auth.principal, id)).await?,
    ))
}

/// Confirms allocations of the receipt to instalments (all or nothing).
#[utoipa::path(post, path = "/api/v1/receipts/{id}/allocations", tag = "finance", params(("id" = u64, Path)), request_body = AllocateInput, responses((status = 200, body = ReceiptView)))]
async fn allocate_receipt(
    State(s): State<AppState>,
    auth: Auth,
    PathParam(id): PathParam<u64>,
    Body(input): Body<AllocateInput>,
) -> ApiResult<Json<ReceiptView>> {
    let k = s.kontor.clone();
    Ok(Json(
        blocking(move || receipts::allocate(&k, &auth.principal, id, input)).await?,
    ))
}

/// Takes back one allocation (a wrong match), by its index in the receipt.
#[utoipa::path(post, path = "/api/v1/receipts/{id}/unallocate", tag = "finance", params(("id" = u64, Path)), request_body = UnallocateInput, responses((status = 200, body = ReceiptView)))]
async fn unallocate_receipt(
    State(s): State<AppState>,
    auth: Auth,
    PathParam(id): PathParam<u64>,
    Body(input): Body<UnallocateInput>,
) -> ApiResult<Json<ReceiptView>> {
    let k = s.kontor.clone();
    Ok(Json(
        blocking(move || receipts::unallocate(&k, &auth.principal, id, input.index, input.version))
            .await?,
    ))
}

/// Pays credit left on the receipt back to the customer.
#[utoipa::path(post, path = "/api/v1/receipts/{id}/refunds", tag = "finance", params(("id" = u64, Path)), request_body = RefundInput, responses((status = 200, body = ReceiptView)))]
async fn refund_receipt(
    State(s): State<AppState>,
    auth: Auth,
    PathParam(id): PathParam<u64>,
    Body(input): Body<RefundInput>,
) -> ApiResult<Json<ReceiptView>> {
    let k = s.kontor.clone();
    Ok(Json(
        blocking(move || receipts::refund(&k, &auth.principal, id, input)).await?,
    ))
}

/// Cancels a receipt entered in error: exactly its own allocations stop counting.
#[utoipa::path(post, path = "/api/v1/receipts/{id}/cancel", tag = "finance", params(("id" = u64, Path)), request_body = CancelInput, responses((status = 200, body = ReceiptView)))]
async fn cancel_receipt(
    State(s): State<AppState>,
    auth: Auth,
    PathParam(id): PathParam<u64>,
    Body(input): Body<CancelInput>,
) -> ApiResult<Json<ReceiptView>> {
    let k = s.kontor.clone();
    Ok(Json(
        blocking(move || receipts::cancel(&k, &auth.principal, id, input)).await?,
    ))
}

/// Outstanding by age (current, 1–30, 31–60, 61–90, over 90 days), by customer or by rep.
#[utoipa::path(get, path = "/api/v1/receivables/aging", tag = "finance", params(AgingQuery), responses((status = 200, body = Vec<AgingRow>)))]
async fn aging(
    State(s): State<AppState>,
    auth: Auth,
    Params(q): Params<AgingQuery>,
) -> ApiResult<Json<Vec<AgingRow>>> {
    let k = s.kontor.clone();
    Ok(Json(
        blocking(move || receivables::aging(&k, &auth.principal, q)).await?,
    ))
}
