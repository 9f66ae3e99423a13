//! The OpenAPI document tells the truth (issue 12, item 10): the answers the server gives are
//! the ones it documents, public operations say so, and what the document rules out is refused.
//! Also: the copy of the document the web app's types are generated from is current.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::common::{Client, TestServer, code};

/// `kontor openapi`: the document, printed without a server or a data directory.
fn printed_document() -> String {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_kontor"))
        .arg("openapi")
        .current_dir(std::env::temp_dir())
        .output()
        .expect("run kontor openapi");
    assert!(
        out.status.success(),
        "kontor openapi: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8")
}

/// The operation `method path` of the document (path as written there, with `{id}`).
fn operation<'a>(doc: &'a Value, method: &Method, path: &str) -> &'a Value {
    let op = &doc["paths"][path][method.as_str().to_lowercase()];
    assert!(op.is_object(), "{method} {path} is not in the document");
    op
}

/// Whether the document lists `status` among the operation's answers, with a body of the
/// error schema when it is an error.
fn documents(doc: &Value, method: &Method, path: &str, status: StatusCode) -> bool {
    let answer = &operation(doc, method, path)["responses"][status.as_str()];
    let answer = match answer["$ref"].as_str() {
        Some(r) => {
            let name = r.trim_start_matches("#/components/responses/");
            &doc["components"]["responses"][name]
        }
        None => answer,
    };
    answer.is_object()
        && (status.is_success()
            || answer["content"]["application/json"]["schema"]["$ref"]
                == "#/components/schemas/ErrorBody")
}

/// The committed `web/src/api/openapi.json` (from which `npm run gen:api` makes
/// `web/src/api/schema.d.ts`, and whose staleness the web unit tests catch) is byte for byte
/// what `kontor openapi` prints, and that is the document the server serves.
#[tokio::test(flavor = "multi_thread")]
async fn the_web_apps_copy_of_the_document_is_current() {
    let printed = printed_document();
    let committed_path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("web/src/api/openapi.json");
    let committed = std::fs::read_to_string(&committed_path).unwrap_or_default();
    if committed != printed {
        let line = committed
            .lines()
            .zip(printed.lines())
            .position(|(a, b)| a != b)
            .unwrap_or_else(|| committed.lines().count().min(printed.lines().count()));
        panic!(
            "{} is stale (first difference at line {}): run `npm run gen:api` in web/ and \
             commit web/src/api/openapi.json and web/src/api/schema.d.ts",
            committed_path.display(),
            line + 1
        );
    }
    let (_s, admin) = TestServer::with_admin().await;
    let served = admin.get("/api/openapi.json").await;
    let printed: Value = serde_json::from_str(&printed).unwrap();
    assert_eq!(
        served, printed,
        "the served and the printed document differ"
    );
}

/// Exactly the operations that work without a session are public in the document, and every
/// other one refuses an anonymous caller with the 401 it documents, whatever the parameters.
#[tokio::test(flavor = "multi_thread")]
async fn public_operations_say_so_and_the_others_need_the_session() {
    let (s, admin) = TestServer::with_admin().await;
    let doc = admin.get("/api/openapi.json").await;
    assert_eq!(
        doc["components"]["securitySchemes"]["session"],
        json!({"type": "apiKey", "in": "cookie", "name": "kontor_session"})
    );
    let anonymous = s.client();
    let mut public = Vec::new();
    let mut protected = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let method: Method = method.to_uppercase().parse().unwrap();
            let security = op["security"].as_array().expect("every operation says");
            if security.is_empty() {
                public.push(format!("{method} {path}"));
                assert!(
                    !documents(&doc, &method, path, StatusCode::UNAUTHORIZED)
                        || path == "/api/v1/auth/login",
                    "public {method} {path} documents a 401"
                );
                continue;
            }
            assert_eq!(security, &vec![json!({"session": []})], "{method} {path}");
            assert!(
                documents(&doc, &method, path, StatusCode::UNAUTHORIZED),
                "{method} {path} does not document its 401"
            );
            let concrete = path
                .replace("{id}", "1")
                .replace("{kind}", "customer")
                .replace("{name}", "x");
            let body = (!matches!(method, Method::GET | Method::DELETE)).then(|| json!({}));
            let (status, err) = anonymous.send(method.clone(), &concrete, body).await;
            assert_eq!(
                (status, code(&err)),
                (StatusCode::UNAUTHORIZED, "unauthenticated"),
                "anonymous {method} {concrete}"
            );
            protected += 1;
        }
    }
    public.sort();
    assert_eq!(
        public,
        [
            "GET /api/v1/health",
            "GET /api/v1/public/info",
            "POST /api/v1/auth/login",
            "POST /api/v1/hooks/tracking/{provider}",
            "POST /api/v1/setup",
        ]
    );
    assert!(protected > 80, "{protected} protected operations");
    // And the public ones really answer without a session.
    for path in ["/api/v1/health", "/api/v1/public/info"] {
        anonymous.get(path).await;
    }
}

/// Sends `body` with `content_type` and returns the status and the error body.
async fn raw(
    c: &Client,
    method: Method,
    path: &str,
    content_type: &str,
    body: &str,
) -> (StatusCode, Value) {
    let r = c
        .http
        .request(method, format!("{}{path}", c.base))
        .header("content-type", content_type)
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    let status = r.status();
    (status, r.json().await.unwrap_or_default())
}

/// Answers a fuzzer met that the document did not list, and values outside the document's
/// bounds that the server took: each now answers a documented status with the error body.
#[tokio::test(flavor = "multi_thread")]
async fn refusals_are_documented_and_out_of_bound_numbers_are_refused() {
    let (s, admin) = TestServer::with_admin().await;
    let doc = admin.get("/api/openapi.json").await;
    let (status, team) = admin
        .send(
            Method::POST,
            "/api/v1/teams",
            Some(json!({"name": "Export"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{team}");
    let (status, customer) = admin
        .send(
            Method::POST,
            "/api/v1/customers",
            Some(json!({"name": "Hamburg Trading GmbH", "country": "DE"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{customer}");
    let too_big = "9223372036854775808"; // i64::MAX + 1, a valid u64
    type Case = (
        Method,
        &'static str,
        String,
        &'static str,
        &'static str,
        StatusCode,
        &'static str,
        Option<&'static str>,
    );
    let json_ct = "application/json";
    let cases: Vec<Case> = vec![
        // A JSON operation sent something else.
        (
            Method::POST,
            "/api/v1/teams",
            "/api/v1/teams".into(),
            "text/plain",
            r#"{"name":"A"}"#,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            None,
        ),
        (
            Method::PATCH,
            "/api/v1/me",
            "/api/v1/me".into(),
            "application/x-www-form-urlencoded",
            "display_name=x",
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            None,
        ),
        (
            Method::POST,
            "/api/v1/auth/login",
            "/api/v1/auth/login".into(),
            "text/plain",
            "{}",
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            None,
        ),
        // A file upload that is not multipart.
        (
            Method::POST,
            "/api/v1/customers/{id}/attachments",
            format!("/api/v1/customers/{}/attachments", customer["id"]),
            json_ct,
            "{}",
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            None,
        ),
        // Path ids: int64 from 1; past either end there is no such record.
        (
            Method::GET,
            "/api/v1/users/{id}",
            format!("/api/v1/users/{too_big}"),
            json_ct,
            "",
            StatusCode::NOT_FOUND,
            "not_found",
            None,
        ),
        (
            Method::GET,
            "/api/v1/users/{id}",
            "/api/v1/users/0".into(),
            json_ct,
            "",
            StatusCode::NOT_FOUND,
            "not_found",
            None,
        ),
        (
            Method::DELETE,
            "/api/v1/teams/{id}",
            format!("/api/v1/teams/{too_big}?version=1"),
            json_ct,
            "",
            StatusCode::NOT_FOUND,
            "not_found",
            None,
        ),
        (
            Method::PATCH,
            "/api/v1/teams/{id}",
            format!("/api/v1/teams/{too_big}"),
            json_ct,
            r#"{"version":1}"#,
            StatusCode::NOT_FOUND,
            "not_found",
            None,
        ),
        (
            Method::GET,
            "/api/v1/users/{id}",
            "/api/v1/users/-1".into(),
            json_ct,
            "",
            StatusCode::NOT_FOUND,
            "not_found",
            None,
        ),
        // Query numbers: past int64, below their minimum, or not numbers name the parameter.
        (
            Method::GET,
            "/api/v1/users",
            format!("/api/v1/users?page={too_big}"),
            json_ct,
            "",
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_field",
            Some("page"),
        ),
        (
            Method::GET,
            "/api/v1/customers",
            "/api/v1/customers?owner_id=-3".into(),
            json_ct,
            "",
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_field",
            Some("owner_id"),
        ),
        (
            Method::GET,
            "/api/v1/audit",
            "/api/v1/audit?record_id=1.5".into(),
            json_ct,
            "",
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_field",
            Some("record_id"),
        ),
        // Body numbers past int64 (which a u64 field could hold) name the field.
        (
            Method::POST,
            "/api/v1/teams",
            "/api/v1/teams".into(),
            json_ct,
            r#"{"name":"B","leader_id":9223372036854775808}"#,
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_field",
            Some("leader_id"),
        ),
        (
            Method::POST,
            "/api/v1/users",
            "/api/v1/users".into(),
            json_ct,
            r#"{"username":"u2","display_name":"U","password":"long-pass-1","role_ids":[1,18446744073709551615],"team_ids":[]}"#,
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_field",
            Some("role_ids[1]"),
        ),
    ];
    for (method, doc_path, path, ct, body, status, error_code, field) in cases {
        let (got, err) = raw(&admin, method.clone(), &path, ct, body).await;
        assert_eq!(
            (got, code(&err)),
            (status, error_code),
            "{method} {path} ({ct}) {body}: {err}"
        );
        if let Some(f) = field {
            assert_eq!(err["error"]["field"], f, "{method} {path}: {err}");
        }
        assert!(
            documents(&doc, &method, doc_path, status),
            "{method} {doc_path} answers {status} but does not document it"
        );
    }
    // The bounds the server enforces are the ones the document states.
    let id = &operation(&doc, &Method::GET, "/api/v1/users/{id}")["parameters"][0];
    assert_eq!(
        id["schema"],
        json!({"type": "integer", "format": "int64", "minimum": 1})
    );
    // The largest id the document allows is merely a record that is not there.
    let (status, err) = admin
        .send(Method::GET, "/api/v1/users/9223372036854775807", None)
        .await;
    assert_eq!((status, code(&err)), (StatusCode::NOT_FOUND, "not_found"));
    // Nothing was written by the refused requests, and the team is still there.
    let teams = admin.get("/api/v1/teams").await;
    assert_eq!(teams["total"], 1);
    assert_eq!(teams["items"][0]["id"], team["id"]);
    assert_eq!(admin.get("/api/v1/users").await["total"], 1);
    // A public state-changing operation documents the other-origin refusal it gives.
    let r = s
        .client()
        .http
        .post(format!("{}/api/v1/auth/login", admin.base))
        .header("origin", "http://elsewhere.example")
        .json(&json!({"username": "admin", "password": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert!(documents(
        &doc,
        &Method::POST,
        "/api/v1/auth/login",
        StatusCode::FORBIDDEN
    ));
}
