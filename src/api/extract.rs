//! Extractors: who is calling (resolved once per request by the `session` middleware), and
//! request bodies and query strings parsed into typed input with errors that name the field.

use std::net::SocketAddr;

use axum::body::Bytes;
use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{Method, header};
use axum::middleware::Next;
use axum::response::Response;
use serde::de::DeserializeOwned;

use super::AppState;
use super::error::ApiError;
use crate::auth::{Principal, session};
use crate::domain::accounts::{self, Origin};
use crate::error::{AppError, ErrorCode, Msg};
use crate::i18n::Lang;

/// What the middleware learned about a request.
#[derive(Clone, Debug, Default)]
pub struct RequestInfo {
    pub lang: Lang,
    pub principal: Option<Principal>,
    pub token: Option<String>,
    pub origin: Origin,
}

fn cookie<'a>(parts: &'a axum::http::HeaderMap, name: &str) -> Option<&'a str> {
    parts
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|c| {
            let (k, v) = c.trim().split_once('=')?;
            (k == name).then_some(v)
        })
}

/// Resolves the session cookie and the caller's language once per request, and refuses
/// state-changing requests from another origin.
pub async fn session(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let headers = request.headers();
    let accept = headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .and_then(Lang::from_accept_language);
    let ip = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip().to_string());
    let user_agent = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .map(|s| s.chars().take(200).collect());
    let token = cookie(headers, session::COOKIE).map(str::to_string);
    let mut info = RequestInfo {
        lang: accept.unwrap_or_default(),
        principal: None,
        token: None,
        origin: Origin {
            ip: ip.clone(),
            user_agent,
        },
    };

    if is_state_changing(request.method()) && !same_origin(headers) {
        return super::error::render(&AppError::new(ErrorCode::CrossOrigin), info.lang);
    }
    if let Some(token) = token {
        let k = state.kontor.clone();
        let t = token.clone();
        let resolved = tokio::task::spawn_blocking(move || accounts::resolve(&k, &t, ip)).await;
        if let Ok(Ok(Some((principal, stale)))) = resolved {
            if accept.is_none() {
                info.lang = principal.lang;
            }
            if stale {
                let k = state.kontor.clone();
                let t = token.clone();
                tokio::task::spawn_blocking(move || accounts::touch_session(&k, t));
            }
            info.principal = Some(principal);
            info.token = Some(token);
        }
    }
    request.extensions_mut().insert(info);
    next.run(request).await
}

fn is_state_changing(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// A browser names the page's origin on every state-changing request; it must be this server.
/// Requests without Origin (curl, scripts) pass: no browser means no cross-site forgery.
fn same_origin(headers: &axum::http::HeaderMap) -> bool {
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
    if let Some(origin) = headers.get(header::ORIGIN) {
        let origin = origin.to_str().unwrap_or("");
        let origin_host = origin.split_once("://").map(|(_, h)| h).unwrap_or("");
        return host.is_some_and(|h| h.eq_ignore_ascii_case(origin_host));
    }
    match headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        Some(site) => site == "same-origin" || site == "none",
        None => true,
    }
}

/// The authenticated caller, speaking the request's language (Accept-Language, else the
/// user's own); 401 without a live session.
pub struct Auth {
    pub principal: Principal,
    pub token: String,
    pub origin: Origin,
}

impl<S: Send + Sync> FromRequestParts<S> for Auth {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let info = parts
            .extensions
            .get::<RequestInfo>()
            .cloned()
            .unwrap_or_default();
        match (info.principal, info.token) {
            (Some(mut principal), Some(token)) => Ok(Auth {
                principal: {
                    // The request's language (Accept-Language, else the user's own), so
                    // answers and errors of one request speak one language.
                    principal.lang = info.lang;
                    principal
                },
                token,
                origin: info.origin,
            }),
            _ => Err(AppError::new(ErrorCode::Unauthenticated).into()),
        }
    }
}

/// Any caller, logged in or not.
pub struct Caller(pub RequestInfo);

impl<S: Send + Sync> FromRequestParts<S> for Caller {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Caller(
            parts
                .extensions
                .get::<RequestInfo>()
                .cloned()
                .unwrap_or_default(),
        ))
    }
}

/// The largest JSON body accepted.
pub const MAX_BODY: usize = 1024 * 1024;

/// A JSON body parsed into `T`; errors name the field (`admin.password`, `role_ids[2]`).
pub struct Body<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Body<T> {
    type Rejection = ApiError;
    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let is_json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|ct| {
                ct.split(';')
                    .next()
                    .is_some_and(|m| m.trim().eq_ignore_ascii_case("application/json"))
            });
        if !is_json {
            return Err(AppError::new(ErrorCode::UnsupportedMediaType).into());
        }
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(|_| AppError::new(ErrorCode::PayloadTooLarge))?;
        parse_json(&bytes).map(Body).map_err(ApiError)
    }
}

/// Parses JSON, naming the offending field in the error.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, AppError> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let parsed: Result<T, _> = serde_path_to_error::deserialize(&mut de);
    let value = match parsed {
        Ok(v) => v,
        Err(e) => return Err(json_error(&e)),
    };
    if let Some(field) = beyond_int64(bytes) {
        return Err(AppError::invalid(
            field.clone(),
            Msg::new(
                format!("字段“{field}”的数值过大（最大 {}）。", i64::MAX),
                format!("The field “{field}” is too large (at most {}).", i64::MAX),
            ),
        ));
    }
    de.end().map_err(|e| {
        AppError::new(ErrorCode::InvalidJson).with_msg(Msg::new(
            format!(
                "JSON 之后还有多余内容（第 {} 行第 {} 列）。",
                e.line(),
                e.column()
            ),
            format!(
                "Unexpected content after the JSON (line {}, column {}).",
                e.line(),
                e.column()
            ),
        ))
    })?;
    Ok(value)
}

/// The first integer in the JSON above int64's range, as a field path (`team_ids[2]`): the
/// document describes ids and counts as `int64`, so larger ones are refused even where a `u64`
/// field could hold them. Only bodies with a run of 19 digits are looked at twice.
fn beyond_int64(bytes: &[u8]) -> Option<String> {
    let mut run = 0;
    let long = bytes.iter().any(|b| {
        run = if b.is_ascii_digit() { run + 1 } else { 0 };
        run >= 19
    });
    if !long {
        return None;
    }
    fn walk(v: &serde_json::Value, path: &str) -> Option<String> {
        match v {
            serde_json::Value::Number(n) => n
                .as_u64()
                .is_some_and(|n| n > i64::MAX as u64)
                .then(|| path.to_string()),
            serde_json::Value::Array(a) => a
                .iter()
                .enumerate()
                .find_map(|(i, x)| walk(x, &format!("{path}[{i}]"))),
            serde_json::Value::Object(o) => o.iter().find_map(|(k, x)| {
                let p = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                walk(x, &p)
            }),
            _ => None,
        }
    }
    let value: serde_json::Value = serde_json::from_slice(bytes).ok()?;
    walk(&value, "")
}

fn json_error(e: &serde_path_to_error::Error<serde_json::Error>) -> AppError {
    let inner = e.inner();
    let detail = inner.to_string();
    if !inner.is_data() {
        return AppError::new(ErrorCode::InvalidJson).with_msg(Msg::new(
            format!(
                "请求内容不是有效的 JSON（第 {} 行第 {} 列）。",
                inner.line(),
                inner.column()
            ),
            format!(
                "The request body is not valid JSON (line {}, column {}).",
                inner.line(),
                inner.column()
            ),
        ));
    }
    let path = e.path().to_string();
    let quoted = detail.split('`').nth(1).map(str::to_string);
    let join = |name: &str| {
        if path == "." || path.is_empty() {
            name.to_string()
        } else {
            format!("{path}.{name}")
        }
    };
    let (field, zh, en) = if detail.starts_with("missing field") {
        let f = join(quoted.as_deref().unwrap_or("?"));
        (
            f.clone(),
            format!("缺少字段“{f}”。"),
            format!("The field “{f}” is missing."),
        )
    } else if detail.starts_with("unknown field") {
        // The path already ends with the unknown field.
        let f = if path == "." || path.is_empty() {
            quoted.unwrap_or_default()
        } else {
            path.clone()
        };
        (
            f.clone(),
            format!("不认识的字段“{f}”。"),
            format!("Unknown field “{f}”."),
        )
    } else {
        let short = detail
            .split(" at line")
            .next()
            .unwrap_or(&detail)
            .to_string();
        (
            path.clone(),
            format!("字段“{path}”的值不正确：{short}"),
            format!("The field “{path}” has a wrong value: {short}"),
        )
    };
    AppError::invalid(field, Msg::new(zh, en))
}

/// Query-string parameters parsed into `T`.
pub struct Params<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for Params<T> {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let query = parts.uri.query().unwrap_or("");
        serde_urlencoded::from_str(query).map(Params).map_err(|e| {
            let detail = e.to_string();
            let field = detail.split('`').nth(1).unwrap_or("query").to_string();
            ApiError(AppError::invalid(
                field,
                Msg::new(
                    format!("查询参数不正确：{detail}"),
                    format!("Invalid query parameter: {detail}"),
                ),
            ))
        })
    }
}

/// A path parameter; one that does not parse (e.g. `/users/abc`) is simply not found.
pub struct PathParam<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for PathParam<T> {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|p| PathParam(p.0))
            .map_err(|_| ApiError(AppError::not_found()))
    }
}

/// Runs a blocking domain operation off the async runtime.
pub async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, AppError> + Send + 'static,
) -> Result<T, ApiError> {
    match tokio::task::spawn_blocking(f).await {
        Ok(result) => result.map_err(ApiError),
        Err(e) => Err(ApiError(AppError::internal(format!("task failed: {e}")))),
    }
}
