//! Bad input: a 4xx that names the field, never a panic, never a half-write.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::common::{TestServer, code};

async fn raw(
    c: &crate::common::Client,
    method: Method,
    path: &str,
    content_type: &str,
    body: Vec<u8>,
) -> (StatusCode, serde_json::Value) {
    let r = c
        .http
        .request(method, format!("{}{path}", c.base))
        .header("content-type", content_type)
        // The server may answer before reading the body (413) and then closes the connection;
        // the next request must not be sent on it.
        .header("connection", "close")
        .body(body)
        .send()
        .await
        .unwrap();
    let status = r.status();
    (status, r.json().await.unwrap_or_default())
}

#[tokio::test(flavor = "multi_thread")]
async fn malformed_bodies_get_clear_4xx_answers() {
    let (_s, admin) = TestServer::with_admin().await;
    let json_ct = "application/json";
    type Case = (
        &'static str,
        Vec<u8>,
        StatusCode,
        &'static str,
        Option<&'static str>,
    );
    let cases: Vec<Case> = vec![
        ("/api/v1/auth/login", b"{\"username\": \"a\"".to_vec(), StatusCode::BAD_REQUEST, "invalid_json", None),
        ("/api/v1/auth/login", b"[]".to_vec(), StatusCode::UNPROCESSABLE_ENTITY, "invalid_field", None),
        ("/api/v1/auth/login", br#"{"username": "a", "password": 5}"#.to_vec(), StatusCode::UNPROCESSABLE_ENTITY, "invalid_field", Some("password")),
        ("/api/v1/auth/login", br#"{"username": "a"}"#.to_vec(), StatusCode::UNPROCESSABLE_ENTITY, "invalid_field", Some("password")),
        ("/api/v1/auth/login", br#"{"username": "a", "password": "b", "admin": true}"#.to_vec(), StatusCode::UNPROCESSABLE_ENTITY, "invalid_field", Some("admin")),
        ("/api/v1/auth/login", br#"{"username": "a", "password": "b"} trailing"#.to_vec(), StatusCode::BAD_REQUEST, "invalid_json", None),
        ("/api/v1/teams", br#"{"name": "x", "leader_id": "seven"}"#.to_vec(), StatusCode::UNPROCESSABLE_ENTITY, "invalid_field", Some("leader_id")),
        ("/api/v1/users", br#"{"username": "ok", "display_name": "d", "password": "long-pass-1", "role_ids": [1, "x"]}"#.to_vec(), StatusCode::UNPROCESSABLE_ENTITY, "invalid_field", Some("role_ids[1]")),
        ("/api/v1/setup", br#"{"company": {"name": "A"}, "admin": {}}"#.to_vec(), StatusCode::UNPROCESSABLE_ENTITY, "invalid_field", Some("company.base_currency")),
        ("/api/v1/teams", br#"{"name": "a\u0000b"}"#.to_vec(), StatusCode::UNPROCESSABLE_ENTITY, "invalid_field", Some("name")),
        ("/api/v1/teams", b"{\"name\": \"\x00\"}".to_vec(), StatusCode::BAD_REQUEST, "invalid_json", None),
    ];
    for (path, body, status, expected_code, field) in cases {
        let shown = String::from_utf8_lossy(&body).to_string();
        let (got, err) = raw(&admin, Method::POST, path, json_ct, body).await;
        assert_eq!(got, status, "{path} {shown}: {err}");
        assert_eq!(code(&err), expected_code, "{path} {shown}: {err}");
        if let Some(f) = field {
            assert_eq!(err["error"]["field"], f, "{path} {shown}: {err}");
        }
        assert!(!err["error"]["message"].as_str().unwrap_or("").is_empty());
    }
    let (status, err) = raw(
        &admin,
        Method::POST,
        "/api/v1/teams",
        "text/plain",
        b"{}".to_vec(),
    )
    .await;
    assert_eq!(
        (status, code(&err)),
        (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type")
    );
    let huge = format!("{{\"name\": \"{}\"}}", "x".repeat(2 * 1024 * 1024));
    let (status, _) = raw(
        &admin,
        Method::POST,
        "/api/v1/teams",
        json_ct,
        huge.into_bytes(),
    )
    .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    // Nothing was written by any of them.
    assert_eq!(admin.get("/api/v1/teams").await["total"], 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn over_long_and_invalid_values_name_the_field() {
    let (_s, admin) = TestServer::with_admin().await;
    let long = "长".repeat(61);
    let cases = [
        ("/api/v1/teams", json!({"name": long}), "name"),
        (
            "/api/v1/users",
            json!({"username": "ok.user", "display_name": "d", "password": "long-pass-1", "email": "not-an-email"}),
            "email",
        ),
        (
            "/api/v1/users",
            json!({"username": "用户", "display_name": "d", "password": "long-pass-1"}),
            "username",
        ),
        (
            "/api/v1/users",
            json!({"username": "ok.user", "display_name": "d", "password": "x".repeat(200)}),
            "password",
        ),
        (
            "/api/v1/users",
            json!({"username": "ok.user", "display_name": "d", "password": "long-pass-1", "time_zone": "Nowhere/City"}),
            "time_zone",
        ),
        (
            "/api/v1/users",
            json!({"username": "ok.user", "display_name": "d", "password": "long-pass-1", "role_ids": [999]}),
            "role_ids",
        ),
        (
            "/api/v1/teams",
            json!({"name": "T", "leader_id": 999}),
            "leader_id",
        ),
    ];
    for (path, body, field) in cases {
        let (status, err) = admin.send(Method::POST, path, Some(body.clone())).await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{path} {body}: {err}"
        );
        assert_eq!(err["error"]["field"], field, "{path} {body}: {err}");
    }
    // Duplicates are refused with the field named.
    let (status, _) = admin
        .send(Method::POST, "/api/v1/teams", Some(json!({"name": "Dup"})))
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, err) = admin
        .send(Method::POST, "/api/v1/teams", Some(json!({"name": "DUP"})))
        .await;
    assert_eq!(
        (status, code(&err), err["error"]["field"].as_str()),
        (StatusCode::CONFLICT, "duplicate", Some("name"))
    );
    let (status, err) = admin
        .send(
            Method::POST,
            "/api/v1/users",
            Some(json!({"username": "ADMIN", "display_name": "d", "password": "long-pass-1"})),
        )
        .await;
    assert_eq!(
        (status, err["error"]["field"].as_str()),
        (StatusCode::CONFLICT, Some("username"))
    );
    assert_eq!(admin.get("/api/v1/users").await["total"], 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn odd_paths_and_queries_are_4xx_not_5xx() {
    let (_s, admin) = TestServer::with_admin().await;
    for (method, path) in [
        (Method::GET, "/api/v1/users/abc"),
        (Method::GET, "/api/v1/users/99999"),
        (Method::GET, "/api/v1/users/18446744073709551616"),
        (Method::POST, "/api/v1/recycle-bin/nokind/1/restore"),
        (Method::DELETE, "/api/v1/recycle-bin/team/77"),
    ] {
        let (status, _) = admin.send(method.clone(), path, None).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{method} {path}");
    }
    for path in [
        "/api/v1/users?page=x",
        "/api/v1/audit?from=yesterday",
        "/api/v1/search",
    ] {
        let (status, err) = admin.send(Method::GET, path, None).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{path}: {err}");
    }
    let (status, _) = admin
        .send(
            Method::GET,
            &format!("/api/v1/search?q={}", "a".repeat(500)),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
}
