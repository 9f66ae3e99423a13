//! The HTTP API under `/api/v1` and the embedded web app. One file per area, each exporting
//! `router()`; handlers extract, make one domain call, and return.

mod admin;
mod attachments;
mod auth;
mod backups;
pub mod control;
mod customers;
pub mod document;
mod error;
pub mod extract;
mod finance;
mod imports;
mod inventory;
mod leads;
mod logistics;
mod nodes;
mod notifications;
mod payables;
mod planning;
mod products;
mod projects;
mod purchasing;
mod roles;
mod sales;
mod system;
mod transfers;
mod users;
mod web;
mod workday;

use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::get;
use tower_http::compression::CompressionLayer;
use tower_http::compression::predicate::{Predicate, SizeAbove};
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;

pub use error::{ApiError, ApiResult, ErrorBody};

use crate::domain::Kontor;

/// Shared state of every handler.
#[derive(Clone)]
pub struct AppState {
    pub kontor: Arc<Kontor>,
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Kontor API",
        description = "Everything the Kontor web app does, over JSON. Log in with `POST /api/v1/auth/login`; \
                       the session cookie `kontor_session` authenticates later calls. Errors are \
                       `{\"error\":{\"code\",\"message\",\"field\"}}`, with `message` in the language of \
                       `Accept-Language` (zh-CN or en)."
    ),
    components(schemas(
        ErrorBody,
        crate::domain::export::ExportFormat,
        crate::domain::export::ExportEncoding,
        crate::domain::crm::transfer::Direction
    ))
)]
struct ApiDoc;

fn api_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(system::router())
        .merge(auth::router())
        .merge(users::router())
        .merge(roles::router())
        .merge(admin::router())
        .merge(backups::router())
        .merge(customers::router())
        .merge(imports::router())
        .merge(leads::router())
        .merge(nodes::router())
        .merge(workday::router())
        .merge(transfers::router())
        .merge(notifications::router())
        .merge(attachments::router())
        .merge(products::router())
        .merge(sales::router())
        .merge(finance::router())
        .merge(projects::router())
        .merge(purchasing::router())
        .merge(inventory::router())
        .merge(planning::router())
        .merge(payables::router())
        .merge(logistics::router())
}

/// The OpenAPI document, generated from the handlers.
pub fn openapi() -> utoipa::openapi::OpenApi {
    let (_, mut doc) = api_router().split_for_parts();
    <document::Honest as utoipa::Modify>::modify(&document::Honest, &mut doc);
    doc
}

/// The whole HTTP application.
pub fn router(kontor: Arc<Kontor>) -> Router {
    let state = AppState { kontor };
    let (api, _) = api_router().split_for_parts();
    let doc = Arc::new(openapi());
    let bounds = Arc::new(document::Bounds::from_doc(&doc));
    let api = api.route_layer(axum::middleware::from_fn_with_state(
        bounds,
        document::enforce,
    ));
    Router::new()
        .merge(api)
        .route(
            "/api/openapi.json",
            get(move || async move { axum::Json(doc.as_ref().clone()) }),
        )
        .fallback(web::serve_app)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            error::localize,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            extract::session,
        ))
        .layer(DefaultBodyLimit::max(extract::MAX_BODY))
        .layer(axum::middleware::from_fn(web::security_headers))
        .layer(compression())
        .with_state(state)
}

/// JSON answers of 1 KiB and more, in brotli or gzip as the client asks (quality 4 and 6,
/// tower-http's defaults: fast enough per request, about 85 % smaller for lists). The web
/// app's files are not compressed here: they are sent in the forms made at build time
/// (`web::serve_app`), and a response that already has a Content-Encoding is never compressed
/// again. Downloads (CSV, XLSX) are left as they are.
fn compression() -> CompressionLayer<impl Predicate> {
    let json = |_: axum::http::StatusCode,
                _: axum::http::Version,
                headers: &axum::http::HeaderMap,
                _: &axum::http::Extensions| {
        headers
            .get(axum::http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/json"))
    };
    CompressionLayer::new()
        .no_deflate()
        .no_zstd()
        .compress_when(SizeAbove::new(1024).and(json))
}
