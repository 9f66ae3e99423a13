//! Keeping the OpenAPI document and the server honest with each other, in one place rather than
//! on each route:
//!
//! - [`Honest`] declares the session cookie once, marks the public operations (those a route
//!   declares with `security(())`) as needing no security at all, gives path ids their real
//!   bounds (`format: int64, minimum: 1`), and adds the shared error responses each operation
//!   can really answer: 401/403 behind the session cookie, 400/413/415/422 with a JSON body,
//!   404 with a path, query or body that names a record, 409/507 on writes, 500/503 everywhere
//!   (declared once under `components/responses`, referred to by name).
//! - [`enforce`] makes the server refuse what the document rules out: an integer path or query
//!   parameter that is not a number or lies outside its documented bounds (`minimum`,
//!   `maximum`, or the range of its `format`). A path id answers 404 (no such record); a query
//!   parameter answers 422 naming it. Neither reaches a handler.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{MatchedPath, RawPathParams, Request, State};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::Response;
use serde_json::Value;
use utoipa::openapi::path::{Operation, ParameterIn};
use utoipa::openapi::schema::{KnownFormat, Schema, SchemaFormat, SchemaType, Type};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, SecurityRequirement, SecurityScheme};
use utoipa::openapi::{ContentBuilder, Ref, RefOr, Response as DocResponse, ResponseBuilder};

use super::extract::RequestInfo;
use crate::error::{AppError, Msg};

/// The name of the session cookie's security scheme in the document.
pub const SESSION_SCHEME: &str = "session";

/// Every operation of a path item, with its method.
pub fn operations_mut(
    item: &mut utoipa::openapi::PathItem,
) -> impl Iterator<Item = (Method, &mut Operation)> {
    [
        (Method::GET, &mut item.get),
        (Method::POST, &mut item.post),
        (Method::PUT, &mut item.put),
        (Method::PATCH, &mut item.patch),
        (Method::DELETE, &mut item.delete),
        (Method::HEAD, &mut item.head),
        (Method::OPTIONS, &mut item.options),
        (Method::TRACE, &mut item.trace),
    ]
    .into_iter()
    .filter_map(|(m, op)| op.as_mut().map(|op| (m, op)))
}

/// Whether an operation needs no session: its security list is empty or allows anonymity.
pub fn is_public(op: &Operation) -> bool {
    op.security
        .as_ref()
        .is_some_and(|list| list.is_empty() || list.iter().any(is_anonymous))
}

fn is_anonymous(req: &SecurityRequirement) -> bool {
    serde_json::to_value(req).is_ok_and(|v| v.as_object().is_some_and(|o| o.is_empty()))
}

/// The error answers many operations share, declared once under `components/responses` and
/// referred to by name: (name, description).
const SHARED_ERRORS: [(&str, &str); 12] = [
    ("BadJson", "The body is not valid JSON"),
    ("TooLarge", "The body is too large"),
    ("NotJson", "The body is not `application/json`"),
    ("Invalid", "A field has an invalid value (`field` names it)"),
    (
        "Unauthenticated",
        "Not logged in (no session cookie, or an ended session)",
    ),
    (
        "Forbidden",
        "Not permitted, or a state-changing request from another origin",
    ),
    (
        "CrossOrigin",
        "A state-changing request from another origin",
    ),
    ("NotFound", "No such record, or not visible to the caller"),
    (
        "Conflict",
        "Stale version, duplicate, or not allowed in the record's state",
    ),
    ("DiskFull", "Disk full; nothing was saved"),
    ("Internal", "Internal error"),
    ("Unavailable", "Temporarily unavailable"),
];

fn error(description: &str) -> DocResponse {
    ResponseBuilder::new()
        .description(description)
        .content(
            "application/json",
            ContentBuilder::new()
                .schema(Some(RefOr::Ref(Ref::from_schema_name("ErrorBody"))))
                .build(),
        )
        .build()
}

/// The document modifier; see the module's comment.
pub struct Honest;

impl utoipa::Modify for Honest {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            SESSION_SCHEME,
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new(
                crate::auth::session::COOKIE,
            ))),
        );
        let session = vec![SecurityRequirement::new(
            SESSION_SCHEME,
            Vec::<String>::new(),
        )];
        openapi.security = Some(session.clone());
        honest_integers(components);
        for (name, description) in SHARED_ERRORS {
            components
                .responses
                .insert(name.to_string(), RefOr::T(error(description)));
        }
        for item in openapi.paths.paths.values_mut() {
            for (method, op) in operations_mut(item) {
                let public = is_public(op);
                // Public: no requirement at all. Otherwise the cookie, said on the operation too.
                op.security = Some(if public { Vec::new() } else { session.clone() });
                let write = !matches!(method, Method::GET | Method::HEAD | Method::OPTIONS);
                let mut path_params = false;
                let mut query_params = false;
                for p in op.parameters.iter_mut().flatten() {
                    let RefOr::T(p) = p else { continue };
                    match p.parameter_in {
                        ParameterIn::Path => {
                            path_params = true;
                            if let Some(RefOr::T(Schema::Object(o))) = &mut p.schema
                                && o.schema_type == SchemaType::Type(Type::Integer)
                            {
                                // Ids are u64 from 1 up, sent as JSON numbers: int64's range.
                                o.format = Some(SchemaFormat::KnownFormat(KnownFormat::Int64));
                                o.minimum = Some(utoipa::Number::Int(1));
                            }
                        }
                        ParameterIn::Query => query_params = true,
                        _ => {}
                    }
                }
                let body_types: Vec<String> = op
                    .request_body
                    .as_ref()
                    .and_then(|b| match b {
                        RefOr::T(b) => Some(b.content.keys().cloned().collect()),
                        RefOr::Ref(_) => None,
                    })
                    .unwrap_or_default();
                let json_body = body_types.iter().any(|t| t == "application/json");
                let any_body = !body_types.is_empty();

                raw_bytes(op);
                // A route's own answer for a status (a 401 of its own, say) wins.
                let mut add = |status: &str, shared: &str| {
                    op.responses
                        .responses
                        .entry(status.to_string())
                        .or_insert_with(|| RefOr::Ref(Ref::from_response_name(shared)));
                };
                if json_body {
                    add("400", "BadJson");
                    add("415", "NotJson");
                }
                if any_body {
                    add("413", "TooLarge");
                }
                if any_body || query_params {
                    add("422", "Invalid");
                }
                if !public {
                    add("401", "Unauthenticated");
                    add("403", "Forbidden");
                } else if write {
                    add("403", "CrossOrigin");
                }
                if !public && (path_params || query_params || any_body) {
                    add("404", "NotFound");
                }
                if write || path_params {
                    add("409", "Conflict");
                }
                if write {
                    add("507", "DiskFull");
                }
                add("500", "Internal");
                add("503", "Unavailable");
            }
        }
    }
}

/// utoipa writes `u32` as `format: int32, minimum: 0`, which would forbid 2^31 … 2^32-1 that the
/// server takes: such fields say `format: int64, maximum: 4294967295` instead. (Every unsigned
/// `int32` in the document is a `u32`; a `u8` or `u16` field would need its own `maximum`.)
fn honest_integers(components: &mut utoipa::openapi::Components) {
    fn walk(v: &mut Value) {
        match v {
            Value::Object(o) => {
                let unsigned_int32 = o.get("type").and_then(Value::as_str) == Some("integer")
                    && o.get("format").and_then(Value::as_str) == Some("int32")
                    && o.get("minimum").and_then(Value::as_u64) == Some(0)
                    && !o.contains_key("maximum");
                if unsigned_int32 {
                    o.insert("format".into(), Value::from("int64"));
                    o.insert("maximum".into(), Value::from(u32::MAX));
                }
                o.values_mut().for_each(walk);
            }
            Value::Array(a) => a.iter_mut().for_each(walk),
            _ => {}
        }
    }
    for schema in components.schemas.values_mut() {
        let Ok(mut v) = serde_json::to_value(&*schema) else {
            continue;
        };
        walk(&mut v);
        if let Ok(s) = serde_json::from_value(v) {
            *schema = s;
        }
    }
}

/// A body or answer of raw bytes (a file) has no JSON schema: utoipa's `Vec<u8>` would describe
/// an array of numbers.
fn raw_bytes(op: &mut Operation) {
    let is_byte_array = |schema: &Option<RefOr<Schema>>| {
        serde_json::to_value(schema).is_ok_and(|v| {
            v.get("type").and_then(Value::as_str) == Some("array")
                && v.pointer("/items/type").and_then(Value::as_str) == Some("integer")
        })
    };
    let fix = |media: &String, c: &mut RefOr<utoipa::openapi::Content>| {
        if let RefOr::T(c) = c
            && media != "application/json"
            && is_byte_array(&c.schema)
        {
            c.schema = None;
        }
    };
    if let Some(RefOr::T(b)) = &mut op.request_body {
        b.content.iter_mut().for_each(|(m, c)| fix(m, c));
    }
    for r in op.responses.responses.values_mut() {
        if let RefOr::T(r) = r {
            r.content.iter_mut().for_each(|(m, c)| fix(m, c));
        }
    }
}

/// The bounds of one integer parameter.
#[derive(Clone, Debug)]
struct Bound {
    name: String,
    in_path: bool,
    min: i128,
    max: i128,
}

/// One operation's integer parameters, and whether it needs a session.
#[derive(Clone, Debug, Default)]
struct OpBounds {
    public: bool,
    params: Vec<Bound>,
}

/// Integer parameter bounds of every operation, read from the document.
#[derive(Debug, Default)]
pub struct Bounds {
    ops: HashMap<(Method, String), OpBounds>,
}

impl Bounds {
    pub fn from_doc(doc: &utoipa::openapi::OpenApi) -> Bounds {
        let mut ops = HashMap::new();
        let mut doc = doc.clone();
        for (path, item) in doc.paths.paths.iter_mut() {
            for (method, op) in operations_mut(item) {
                let mut b = OpBounds {
                    public: is_public(op),
                    params: Vec::new(),
                };
                for p in op.parameters.iter().flatten() {
                    let RefOr::T(p) = p else { continue };
                    let in_path = match p.parameter_in {
                        ParameterIn::Path => true,
                        ParameterIn::Query => false,
                        _ => continue,
                    };
                    let Some(schema) = &p.schema else { continue };
                    let Ok(v) = serde_json::to_value(schema) else {
                        continue;
                    };
                    if let Some(bound) = integer_bound(&p.name, in_path, &v) {
                        b.params.push(bound);
                    }
                }
                if !b.params.is_empty() {
                    ops.insert((method, path.clone()), b);
                }
            }
        }
        Bounds { ops }
    }
}

fn integer_bound(name: &str, in_path: bool, schema: &Value) -> Option<Bound> {
    if schema.get("type").and_then(Value::as_str) != Some("integer") {
        return None;
    }
    let (fmin, fmax) = match schema.get("format").and_then(Value::as_str) {
        Some("int8") => (i8::MIN as i128, i8::MAX as i128),
        Some("int16") => (i16::MIN as i128, i16::MAX as i128),
        Some("int32") => (i32::MIN as i128, i32::MAX as i128),
        Some("uint8") => (0, u8::MAX as i128),
        Some("uint16") => (0, u16::MAX as i128),
        Some("uint32") => (0, u32::MAX as i128),
        Some("uint64") => (0, u64::MAX as i128),
        // int64, and an integer without a format: what a JSON number in most clients can hold.
        _ => (i64::MIN as i128, i64::MAX as i128),
    };
    let num = |key: &str| {
        schema
            .get(key)
            .and_then(|v| v.as_i64().map(i128::from).or(v.as_u64().map(i128::from)))
    };
    Some(Bound {
        name: name.to_string(),
        in_path,
        min: num("minimum").map_or(fmin, |m| m.max(fmin)),
        max: num("maximum").map_or(fmax, |m| m.min(fmax)),
    })
}

fn within(value: &str, b: &Bound) -> bool {
    value
        .parse::<i128>()
        .is_ok_and(|n| n >= b.min && n <= b.max)
}

/// Refuses integer path and query parameters that break their documented bounds (a route
/// layer: it runs once the route is known, before the handler).
pub async fn enforce(
    State(bounds): State<Arc<Bounds>>,
    matched: Option<MatchedPath>,
    path_params: Result<RawPathParams, axum::extract::rejection::RawPathParamsRejection>,
    request: Request,
    next: Next,
) -> Response {
    let Some(matched) = matched else {
        return next.run(request).await;
    };
    let key = (request.method().clone(), matched.as_str().to_string());
    let Some(op) = bounds.ops.get(&key) else {
        return next.run(request).await;
    };
    let info = request.extensions().get::<RequestInfo>();
    // Without a session, a protected operation answers 401 whatever its parameters say.
    if !op.public && info.is_none_or(|i| i.principal.is_none()) {
        return next.run(request).await;
    }
    let lang = info.map(|i| i.lang).unwrap_or_default();
    let query: Vec<(String, String)> = request
        .uri()
        .query()
        .and_then(|q| serde_urlencoded::from_str(q).ok())
        .unwrap_or_default();
    for b in &op.params {
        if b.in_path {
            let value = path_params
                .as_ref()
                .ok()
                .into_iter()
                .flat_map(|p| p.iter())
                .find(|(name, _)| *name == b.name)
                .map(|(_, v)| v);
            if value.is_some_and(|v| !within(v, b)) {
                return super::error::render(&AppError::not_found(), lang);
            }
        } else {
            for (_, v) in query.iter().filter(|(name, _)| *name == b.name) {
                if !within(v, b) {
                    let err = AppError::invalid(
                        b.name.clone(),
                        Msg::new(
                            format!(
                                "查询参数“{}”须为 {} 到 {} 之间的整数。",
                                b.name, b.min, b.max
                            ),
                            format!(
                                "The query parameter “{}” must be a whole number from {} to {}.",
                                b.name, b.min, b.max
                            ),
                        ),
                    );
                    return super::error::render(&err, lang);
                }
            }
        }
    }
    next.run(request).await
}
