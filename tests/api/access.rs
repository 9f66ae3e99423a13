//! Permissions enforced on the server, cross-origin refusal, security headers, the OpenAPI
//! document (PLT-1, PLT-7).

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::common::{TestServer, code};

#[tokio::test(flavor = "multi_thread")]
async fn an_observer_reads_but_never_writes_and_refusals_are_audited() {
    let (s, admin) = TestServer::with_admin().await;
    let (_, observer) = s.user(&admin, "liu", "observer", &[]).await;
    observer.get("/api/v1/users").await;
    observer.get("/api/v1/teams").await;
    observer.get("/api/v1/audit").await;
    let me = observer.get("/api/v1/me").await;
    assert!(
        !me["areas"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a == "admin.users"),
        "{me}"
    );
    let writes = [
        (Method::POST, "/api/v1/teams", json!({"name": "X"})),
        (
            Method::POST,
            "/api/v1/users",
            json!({"username": "x1", "display_name": "x", "password": "long-pass-1"}),
        ),
        (Method::POST, "/api/v1/roles", json!({"name": "Mine"})),
        (
            Method::PATCH,
            "/api/v1/company",
            json!({"version": 1, "name": "Mine"}),
        ),
        (
            Method::PATCH,
            "/api/v1/users/1",
            json!({"version": 1, "active": false}),
        ),
    ];
    for (method, path, body) in writes {
        let (status, err) = observer.send(method.clone(), path, Some(body)).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{method} {path}: {err}");
        assert_eq!(code(&err), "forbidden");
    }
    // The refusals are in the audit log (written in the background).
    let mut denied = 0;
    for _ in 0..50 {
        let log = admin.get("/api/v1/audit?action=access_denied").await;
        denied = log["total"].as_u64().unwrap();
        if denied >= 5 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(denied >= 5, "{denied} access_denied entries");
}

#[tokio::test(flavor = "multi_thread")]
async fn sales_reps_see_names_but_not_the_admin_screens() {
    let (s, admin) = TestServer::with_admin().await;
    let (rep_id, rep) = s.user(&admin, "li.na", "sales", &[]).await;
    let users = rep.get("/api/v1/users").await;
    let admin_row = users["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["username"] == "admin")
        .unwrap()
        .clone();
    assert_eq!(admin_row["email"], Value::Null);
    for path in ["/api/v1/users/1", "/api/v1/users/1/permissions"] {
        assert_eq!(
            rep.send(Method::GET, path, None).await.0,
            StatusCode::FORBIDDEN,
            "{path}"
        );
    }
    let (status, _) = rep
        .send(
            Method::POST,
            &format!("/api/v1/users/{rep_id}/end-sessions"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // Effective permissions as the admin sees them: own scope on CRM, cost hidden.
    let perms = admin
        .get(&format!("/api/v1/users/{rep_id}/permissions"))
        .await;
    assert_eq!(perms["grants"]["crm"]["read"], "own");
    assert_eq!(perms["grants"]["crm"].get("export"), None);
    assert!(
        perms["hidden_fields"]
            .as_array()
            .unwrap()
            .contains(&json!("cost"))
    );
    let me = rep.get("/api/v1/me").await;
    let areas: Vec<&str> = me["areas"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|a| a.as_str())
        .collect();
    assert!(
        areas.contains(&"home")
            && !areas.contains(&"admin.roles")
            && !areas.contains(&"admin.company"),
        "{areas:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn role_edits_change_what_a_user_may_do() {
    let (s, admin) = TestServer::with_admin().await;
    let (status, role) = admin
        .send(Method::POST, "/api/v1/roles", Some(json!({"name": "团队管理员", "grants": {"users": {"read": "all", "update": "all"}}, "hidden_fields": []})))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{role}");
    let (status, err) = admin
        .send(
            Method::POST,
            "/api/v1/roles",
            Some(json!({"name": "x", "grants": {"crm": {"fly": "all"}}})),
        )
        .await;
    assert_eq!(
        (status, err["error"]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("grants.crm.fly"))
    );
    let (status, user) = admin
        .send(
            Method::POST,
            "/api/v1/users",
            Some(json!({"username": "tm", "display_name": "TM", "password": "user-pass-1", "role_ids": [role["id"]]})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{user}");
    let tm = s.client();
    tm.login("tm", "user-pass-1").await;
    let (status, _) = tm
        .send(
            Method::POST,
            "/api/v1/teams",
            Some(json!({"name": "By TM"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    // Take the right away: the next request is refused, no new login needed.
    let (status, _) = admin
        .send(
            Method::PATCH,
            &format!("/api/v1/roles/{}", role["id"]),
            Some(json!({"version": role["version"], "grants": {"users": {"read": "all"}}})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = tm
        .send(
            Method::POST,
            "/api/v1/teams",
            Some(json!({"name": "By TM 2"})),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // The role is in use and cannot be deleted; the admin role cannot be changed.
    let (status, _) = admin
        .send(
            Method::DELETE,
            &format!("/api/v1/roles/{}", role["id"]),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    let roles = admin.get("/api/v1/roles").await;
    let admin_role = roles["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["key"] == "admin")
        .unwrap()
        .clone();
    let (status, _) = admin
        .send(
            Method::PATCH,
            &format!("/api/v1/roles/{}", admin_role["id"]),
            Some(json!({"version": admin_role["version"], "grants": {}})),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_last_admin_cannot_be_removed() {
    let (_s, admin) = TestServer::with_admin().await;
    let me = admin.get("/api/v1/users/1").await;
    let (status, err) = admin
        .send(
            Method::PATCH,
            "/api/v1/users/1",
            Some(json!({"version": me["version"], "active": false})),
        )
        .await;
    assert_eq!(
        (status, code(&err)),
        (StatusCode::CONFLICT, "conflict"),
        "{err}"
    );
    admin.get("/api/v1/me").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn anonymous_callers_get_401_everywhere_but_public_endpoints() {
    let (s, _admin) = TestServer::with_admin().await;
    let anon = s.client();
    for path in [
        "/api/v1/me",
        "/api/v1/users",
        "/api/v1/teams",
        "/api/v1/roles",
        "/api/v1/audit",
        "/api/v1/recycle-bin",
        "/api/v1/search?q=a",
        "/api/v1/company",
    ] {
        let (status, err) = anon.send(Method::GET, path, None).await;
        assert_eq!(
            (status, code(&err)),
            (StatusCode::UNAUTHORIZED, "unauthenticated"),
            "{path}"
        );
    }
    anon.get("/api/v1/health").await;
    anon.get("/api/v1/public/info").await;
    let (status, err) = anon.send(Method::GET, "/api/v1/nothing-here", None).await;
    assert_eq!((status, code(&err)), (StatusCode::NOT_FOUND, "not_found"));
}

#[tokio::test(flavor = "multi_thread")]
async fn cross_origin_posts_are_refused() {
    let (_s, admin) = TestServer::with_admin().await;
    let post = |origin: Option<&'static str>, site: Option<&'static str>| {
        let mut r = admin
            .http
            .post(format!("{}/api/v1/teams", admin.base))
            .json(&json!({"name": "CSRF"}));
        if let Some(o) = origin {
            r = r.header("origin", o);
        }
        if let Some(s) = site {
            r = r.header("sec-fetch-site", s);
        }
        r.send()
    };
    let refused = post(Some("http://evil.example"), None).await.unwrap();
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    let body: Value = refused.json().await.unwrap();
    assert_eq!(code(&body), "cross_origin");
    assert_eq!(
        post(None, Some("cross-site")).await.unwrap().status(),
        StatusCode::FORBIDDEN
    );
    // A form post from another site (not JSON) never gets through either.
    let form = admin
        .http
        .post(format!("{}/api/v1/teams", admin.base))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("name=x")
        .send()
        .await
        .unwrap();
    assert_eq!(form.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let own_origin: &'static str = Box::leak(admin.base.clone().into_boxed_str());
    assert_eq!(
        post(Some(own_origin), Some("same-origin"))
            .await
            .unwrap()
            .status(),
        StatusCode::CREATED
    );
    assert_eq!(admin.get("/api/v1/teams").await["total"], 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn every_response_carries_security_headers() {
    let (_s, admin) = TestServer::with_admin().await;
    for path in [
        "/",
        "/api/v1/health",
        "/api/v1/me",
        "/api/v1/missing",
        "/api/openapi.json",
        "/some/app/route",
        "/nope.js",
    ] {
        let r = admin
            .http
            .get(format!("{}{path}", admin.base))
            .send()
            .await
            .unwrap();
        let h = r.headers();
        let csp = h
            .get("content-security-policy")
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_default();
        assert!(
            csp.contains("script-src 'self'") && !csp.contains("script-src 'self' 'unsafe-inline'"),
            "{path}: {csp}"
        );
        assert!(csp.contains("frame-ancestors 'none'"), "{path}");
        assert_eq!(
            h.get("x-content-type-options").map(|v| v.to_str().unwrap()),
            Some("nosniff"),
            "{path}"
        );
        assert!(h.contains_key("referrer-policy"), "{path}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_openapi_document_describes_every_endpoint_with_its_errors() {
    let (_s, admin) = TestServer::with_admin().await;
    let doc = admin.get("/api/openapi.json").await;
    let paths = doc["paths"].as_object().unwrap();
    for p in [
        "/api/v1/health",
        "/api/v1/auth/login",
        "/api/v1/auth/logout",
        "/api/v1/me",
        "/api/v1/setup",
        "/api/v1/users",
        "/api/v1/recycle-bin",
        "/api/v1/audit",
    ] {
        assert!(paths.contains_key(p), "missing {p}");
    }
    // Each operation lists the errors it can give (shared ones by reference), no more: a
    // protected one its 401 and 403, one with a JSON body 400, 415 and 422, every one 500.
    for (path, item) in paths {
        for (method, op) in item.as_object().unwrap() {
            let responses = op["responses"].as_object().unwrap();
            let public = op["security"] == json!([]);
            let json_body = op["requestBody"]["content"]["application/json"].is_object();
            let mut expected = vec!["500", "503"];
            if !public {
                expected.extend(["401", "403"]);
            }
            if json_body {
                expected.extend(["400", "415", "422"]);
            }
            for status in expected {
                assert!(
                    responses.contains_key(status),
                    "{method} {path} lacks its {status}"
                );
            }
            if method == "get" && !op["parameters"].is_array() {
                assert!(
                    !responses.contains_key("404") && !responses.contains_key("422"),
                    "{method} {path} takes no input yet documents 404 or 422"
                );
            }
        }
    }
    for (name, answer) in doc["components"]["responses"].as_object().unwrap() {
        assert_eq!(
            answer["content"]["application/json"]["schema"]["$ref"],
            "#/components/schemas/ErrorBody",
            "{name}"
        );
    }
    assert!(doc["components"]["schemas"]["ErrorBody"].is_object());
}

/// The binary carries the web app and the API reference inside it: started from an empty
/// directory, it serves them (when the web app was built before the binary, as `make` does).
#[tokio::test(flavor = "multi_thread")]
async fn the_binary_serves_the_embedded_app_from_any_directory() {
    let dist = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("web/dist/index.html");
    let cwd = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    struct KillOnDrop(std::process::Child);
    impl Drop for KillOnDrop {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    let _child = KillOnDrop(
        std::process::Command::new(env!("CARGO_BIN_EXE_kontor"))
            .args([
                "serve",
                "--data",
                "data",
                "--listen",
                &format!("127.0.0.1:{port}"),
            ])
            .current_dir(cwd.path())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap(),
    );
    let http = reqwest::Client::new();
    let base = format!("http://127.0.0.1:{port}");
    let mut ready = false;
    for _ in 0..200 {
        if http
            .get(format!("{base}/api/v1/health"))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            ready = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(ready, "server did not start");
    {
        let doc: Value = http
            .get(format!("{base}/api/openapi.json"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert!(doc["paths"]["/api/v1/customers"].is_object());
        let page = http
            .get(format!("{base}/customers/12"))
            .send()
            .await
            .unwrap();
        if dist.exists() {
            assert_eq!(page.status(), StatusCode::OK);
            let html = page.text().await.unwrap();
            assert_eq!(
                html,
                std::fs::read_to_string(&dist).unwrap(),
                "the app's routes get the embedded index.html"
            );
            let docs = http.get(format!("{base}/api/docs")).send().await.unwrap();
            assert_eq!(
                docs.status(),
                StatusCode::OK,
                "the API reference page is embedded"
            );
            assert!(
                docs.text().await.unwrap().contains("<script"),
                "api-docs.html"
            );
        } else {
            assert_eq!(
                page.status(),
                StatusCode::SERVICE_UNAVAILABLE,
                "without a built web app the server says how to build it"
            );
        }
        // The data directory was created relative to where it was started.
        assert!(cwd.path().join("data/kontor.redb").exists());
    }
}
