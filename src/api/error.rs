//! Turning `AppError` into `{"error":{"code","message","field"}}` in the caller's language.
//!
//! A handler's error becomes a response carrying the `AppError` in its extensions; the
//! `localize` middleware, which knows the caller's language, writes the body. So handlers never
//! choose a status or a language by hand.

use axum::Json;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use super::AppState;
use super::extract::RequestInfo;
use crate::error::{AppError, ErrorCode};
use crate::i18n::Lang;
use crate::store::AuditEvent;

/// The error type of every handler.
#[derive(Debug)]
pub struct ApiError(pub AppError);

pub type ApiResult<T> = Result<T, ApiError>;

impl<E: Into<AppError>> From<E> for ApiError {
    fn from(e: E) -> Self {
        ApiError(e.into())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status =
            StatusCode::from_u16(self.0.code.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut response = status.into_response();
        response.extensions_mut().insert(self.0);
        response
    }
}

/// The error body, as documented in the OpenAPI document.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    /// A stable code such as `invalid_field`, `version_conflict`, `forbidden`.
    pub code: String,
    /// For people, in the caller's language.
    pub message: String,
    /// The field the error concerns (dotted path), if any.
    pub field: Option<String>,
    /// For `version_conflict`: the record's current version.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current_version: Option<u64>,
}

pub fn render(err: &AppError, lang: Lang) -> Response {
    let status =
        StatusCode::from_u16(err.code.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let body = ErrorBody {
        error: ErrorDetail {
            code: err.code.as_str().to_string(),
            message: err.message(lang).to_string(),
            field: err.field.clone(),
            current_version: err.current_version,
        },
    };
    let mut response = (status, Json(body)).into_response();
    if let Some(secs) = err.retry_after
        && let Ok(v) = HeaderValue::from_str(&secs.to_string())
    {
        response.headers_mut().insert(header::RETRY_AFTER, v);
    }
    response
}

/// Writes error bodies in the caller's language, answers unknown API paths with a JSON 404,
/// and records refused accesses in the audit log.
pub async fn localize(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let info = request
        .extensions()
        .get::<RequestInfo>()
        .cloned()
        .unwrap_or_default();
    let path = request.uri().path().to_string();
    let method = request.method().clone();
    let response = next.run(request).await;
    let lang = info.lang;
    if let Some(err) = response.extensions().get::<AppError>().cloned() {
        if err.code == ErrorCode::Forbidden
            && let Some(principal) = &info.principal
        {
            let actor = principal.actor();
            let title = format!("{method} {path}");
            let k = state.kontor.clone();
            // Best effort: a refused request must not wait for, or fail on, its audit entry.
            tokio::task::spawn_blocking(move || {
                let _ = k.store.write(move |tx| {
                    tx.audit_event(
                        &actor,
                        AuditEvent {
                            action: "access_denied".into(),
                            kind: "request".into(),
                            title,
                            ..Default::default()
                        },
                    )
                });
            });
        }
        return render(&err, lang);
    }
    let unmatched_api = response.status() == StatusCode::NOT_FOUND && path.starts_with("/api/");
    if unmatched_api || response.status() == StatusCode::METHOD_NOT_ALLOWED {
        let err = if unmatched_api {
            AppError::not_found()
        } else {
            AppError::new(ErrorCode::InvalidField)
        };
        let mut r = render(&err, lang);
        *r.status_mut() = response.status();
        return r;
    }
    response
}
