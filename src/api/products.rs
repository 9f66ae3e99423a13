//! The product catalogue (SAL-1). Answers leave out the fields the caller's role hides. Its
//! import goes through `/imports?kind=products`; its images and files are in `attachments.rs`.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::Value;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::error::ApiResult;
use super::extract::{Auth, Body, Params, PathParam, blocking};
use super::users::VersionQuery;
use crate::domain::export::{self, ProductExportQuery};
use crate::domain::kit::List;
use crate::domain::sales::products::{self, ProductInput, ProductQuery, ProductView};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_products, create_product))
        .routes(routes!(export_products))
        .routes(routes!(get_product, update_product, delete_product))
}

/// Products, newest first (or by SKU), filtered by text and by active.
#[utoipa::path(get, path = "/api/v1/products", tag = "sales", params(ProductQuery), responses((status = 200, body = List<ProductView>)))]
async fn list_products(
    State(s): State<AppState>,
    auth: Auth,
    Params(q): Params<ProductQuery>,
) -> ApiResult<Json<List<Value>>> {
    let k = s.kontor.clone();
    Ok(Json(
        blocking(move || products::list(&k, &auth.principal, q)).await?,
    ))
}

/// The product list as filtered (the list's parameters; paging ignored) as a file: CSV in UTF-8
/// with BOM (or `encoding=gbk`) or XLSX, headers in the caller's language, a price column per
/// currency in use; costs and supplier columns only for roles that see them. Needs the
/// products export permission. The file imports back (`POST /imports?kind=products`).
#[utoipa::path(get, path = "/api/v1/products/export", tag = "sales", params(ProductExportQuery),
    responses((status = 200, description = "The file (text/csv or XLSX); the header x-export-rows gives the row count",
        content((Vec<u8> = "text/csv"),
            (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")))))]
async fn export_products(
    State(s): State<AppState>,
    auth: Auth,
    Params(q): Params<ProductExportQuery>,
) -> ApiResult<Response> {
    let k = s.kontor.clone();
    let f = blocking(move || export::products(&k, &auth.principal, q)).await?;
    super::imports::send_export(f)
}

/// Adds a product (`sku` and a name required).
#[utoipa::path(post, path = "/api/v1/products", tag = "sales", request_body = ProductInput, responses((status = 201, body = ProductView)))]
async fn create_product(
    State(s): State<AppState>,
    auth: Auth,
    Body(input): Body<ProductInput>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let k = s.kontor.clone();
    Ok((
        StatusCode::CREATED,
        Json(blocking(move || products::create(&k, &auth.principal, input)).await?),
    ))
}

#[utoipa::path(get, path = "/api/v1/products/{id}", tag = "sales", params(("id" = u64, Path)), responses((status = 200, body = ProductView)))]
async fn get_product(
    State(s): State<AppState>,
    auth: Auth,
    PathParam(id): PathParam<u64>,
) -> ApiResult<Json<Value>> {
    let k = s.kontor.clone();
    Ok(Json(
        blocking(move || products::get(&k, &auth.principal, id)).await?,
    ))
}

/// Changes the fields given (absent ones stay); `version` guards against a stale edit.
#[utoipa::path(patch, path = "/api/v1/products/{id}", tag = "sales", params(("id" = u64, Path)), request_body = ProductInput, responses((status = 200, body = ProductView)))]
async fn update_product(
    State(s): State<AppState>,
    auth: Auth,
    PathParam(id): PathParam<u64>,
    Body(input): Body<ProductInput>,
) -> ApiResult<Json<Value>> {
    let k = s.kontor.clone();
    Ok(Json(
        blocking(move || products::update(&k, &auth.principal, id, input)).await?,
    ))
}

/// Moves a product to the recycle bin.
#[utoipa::path(delete, path = "/api/v1/products/{id}", tag = "sales", params(("id" = u64, Path), VersionQuery), responses((status = 204)))]
async fn delete_product(
    State(s): State<AppState>,
    auth: Auth,
    PathParam(id): PathParam<u64>,
    Params(v): Params<VersionQuery>,
) -> ApiResult<StatusCode> {
    let k = s.kontor.clone();
    blocking(move || products::delete(&k, &auth.principal, id, v.version)).await?;
    Ok(StatusCode::NO_CONTENT)
}
