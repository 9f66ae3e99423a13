//! Setup, login, sessions, throttling, profile (PLT-1).

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::common::{ADMIN_PASSWORD, Client, TestServer, code};

#[tokio::test(flavor = "multi_thread")]
async fn setup_is_accepted_once_and_logs_the_admin_in() {
    let s = TestServer::new().await;
    let c = s.client();
    assert_eq!(c.get("/api/v1/public/info").await["setup_required"], true);
    let (status, _) = c.send(Method::GET, "/api/v1/me", None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let body = json!({
        "company": {"name": "Acme Trading", "base_currency": "usd", "time_zone": "Europe/Berlin", "language": "en"},
        "admin": {"username": "Boss", "display_name": "The Boss", "password": "long-enough-1"}
    });
    let (status, me) = c
        .send(Method::POST, "/api/v1/setup", Some(body.clone()))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{me}");
    assert_eq!(me["username"], "boss");
    assert_eq!(me["is_admin"], true);
    assert_eq!(me["company"]["base_currency"], "USD");
    assert!(
        me["areas"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a == "admin.users")
    );
    // Logged in by the setup itself.
    assert_eq!(c.get("/api/v1/me").await["username"], "boss");
    let (status, err) = s
        .client()
        .send(Method::POST, "/api/v1/setup", Some(body))
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(code(&err), "setup_done");
    assert_eq!(c.get("/api/v1/public/info").await["setup_required"], false);
    // Every preset role exists.
    let roles = c.get("/api/v1/roles").await;
    let keys: Vec<&str> = roles["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["key"].as_str())
        .collect();
    for preset in [
        "admin",
        "manager",
        "sales",
        "merchandiser",
        "buyer",
        "warehouse",
        "logistics",
        "finance",
        "observer",
        "supplier",
    ] {
        assert!(keys.contains(&preset), "missing preset {preset}: {keys:?}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn setup_errors_name_the_field_and_write_nothing() {
    let s = TestServer::new().await;
    let c = s.client();
    let cases = [
        (
            json!({"name": "A", "base_currency": "CNY", "time_zone": "Mars/Base", "language": "zh-CN"}),
            "secret-123",
            "company.time_zone",
        ),
        (
            json!({"name": "A", "base_currency": "XXX", "time_zone": "Asia/Shanghai", "language": "zh-CN"}),
            "secret-123",
            "company.base_currency",
        ),
        (
            json!({"name": "  ", "base_currency": "CNY", "time_zone": "Asia/Shanghai", "language": "zh-CN"}),
            "secret-123",
            "company.name",
        ),
        (
            json!({"name": "A", "base_currency": "CNY", "time_zone": "Asia/Shanghai", "language": "zh-CN"}),
            "short",
            "admin.password",
        ),
        (
            json!({"name": "A", "base_currency": "CNY", "time_zone": "Asia/Shanghai", "language": "fr"}),
            "secret-123",
            "company.language",
        ),
    ];
    for (company, password, field) in cases {
        let (status, err) = c
            .send(
                Method::POST,
                "/api/v1/setup",
                Some(json!({"company": company, "admin": {"username": "admin", "display_name": "A", "password": password}})),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{err}");
        assert_eq!(err["error"]["field"], field, "{err}");
    }
    assert_eq!(
        c.get("/api/v1/public/info").await["setup_required"],
        true,
        "a refused setup wrote something"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn unknown_user_and_wrong_password_look_the_same_and_are_throttled() {
    let (s, _admin) = TestServer::with_admin().await;
    let c = s.client();
    let (s1, wrong) = c
        .send(
            Method::POST,
            "/api/v1/auth/login",
            Some(json!({"username": "admin", "password": "nope-nope"})),
        )
        .await;
    let (s2, unknown) = c
        .send(
            Method::POST,
            "/api/v1/auth/login",
            Some(json!({"username": "ghost", "password": "nope-nope"})),
        )
        .await;
    assert_eq!(
        (s1, s2),
        (StatusCode::UNAUTHORIZED, StatusCode::UNAUTHORIZED)
    );
    assert_eq!(wrong, unknown);
    // Four more failures reach the free limit; the next attempt must wait, even with the right password.
    for _ in 0..4 {
        c.send(
            Method::POST,
            "/api/v1/auth/login",
            Some(json!({"username": "admin", "password": "nope-nope"})),
        )
        .await;
    }
    let resp = c
        .http
        .post(format!("{}/api/v1/auth/login", c.base))
        .json(&json!({"username": "admin", "password": ADMIN_PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry: u64 = resp.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=300).contains(&retry), "Retry-After {retry}");
    let body: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(code(&body), "too_many_attempts");
    // Another account is not affected.
    let (status, _) = c
        .send(
            Method::POST,
            "/api/v1/auth/login",
            Some(json!({"username": "other", "password": "x-x-x-x-x"})),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test(flavor = "multi_thread")]
async fn sessions_change_at_login_and_end_on_logout_disable_and_password_change() {
    let (s, admin) = TestServer::with_admin().await;
    let (rep_id, rep) = s.user(&admin, "li.na", "sales", &[]).await;
    // A new session id at each login.
    let second = s.client();
    let (t1, t2) = (session_cookie(&second).await, session_cookie(&second).await);
    assert_ne!(t1, t2);
    assert_eq!(t1.len(), "kontor_session=".len() + 64);

    // Logout ends that session only.
    let (status, _) = second.send(Method::POST, "/api/v1/auth/logout", None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(
        second.send(Method::GET, "/api/v1/me", None).await.0,
        StatusCode::UNAUTHORIZED
    );
    rep.get("/api/v1/me").await;

    // A password change ends the other sessions and keeps the changer logged in.
    let other = s.client();
    other.login("li.na", "user-pass-1").await;
    let (status, err) = rep
        .send(
            Method::POST,
            "/api/v1/me/password",
            Some(json!({"current_password": "wrong-one", "new_password": "new-pass-22"})),
        )
        .await;
    assert_eq!(
        (status, err["error"]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("current_password"))
    );
    let (status, _) = rep
        .send(
            Method::POST,
            "/api/v1/me/password",
            Some(json!({"current_password": "user-pass-1", "new_password": "new-pass-22"})),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    rep.get("/api/v1/me").await;
    assert_eq!(
        other.send(Method::GET, "/api/v1/me", None).await.0,
        StatusCode::UNAUTHORIZED
    );

    // Disabling the user ends every session, and the password no longer works.
    let user = admin.get(&format!("/api/v1/users/{rep_id}")).await;
    let (status, body) = admin
        .send(
            Method::PATCH,
            &format!("/api/v1/users/{rep_id}"),
            Some(json!({"version": user["version"], "active": false})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        rep.send(Method::GET, "/api/v1/me", None).await.0,
        StatusCode::UNAUTHORIZED
    );
    let (status, _) = s
        .client()
        .send(
            Method::POST,
            "/api/v1/auth/login",
            Some(json!({"username": "li.na", "password": "new-pass-22"})),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    // An admin can end someone's sessions.
    let (_, wang) = s.user(&admin, "wang.lei", "sales", &[]).await;
    let wang_id = wang.get("/api/v1/me").await["id"].as_u64().unwrap();
    let (status, _) = admin
        .send(
            Method::POST,
            &format!("/api/v1/users/{wang_id}/end-sessions"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(
        wang.send(Method::GET, "/api/v1/me", None).await.0,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn language_is_remembered_per_user_and_errors_follow_it() {
    let (_s, admin) = TestServer::with_admin().await;
    let zh = Client {
        lang: "zh-CN",
        ..admin.clone()
    };
    let (_, err) = zh
        .send(Method::POST, "/api/v1/teams", Some(json!({"name": ""})))
        .await;
    assert!(
        err["error"]["message"]
            .as_str()
            .unwrap()
            .contains("不能为空"),
        "{err}"
    );
    let (_, err) = admin
        .send(Method::POST, "/api/v1/teams", Some(json!({"name": ""})))
        .await;
    assert!(
        err["error"]["message"]
            .as_str()
            .unwrap()
            .contains("required"),
        "{err}"
    );
    let (status, me) = admin
        .send(
            Method::PATCH,
            "/api/v1/me",
            Some(json!({"language": "en", "time_zone": "Europe/Berlin"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{me}");
    assert_eq!(
        (me["language"].as_str(), me["time_zone"].as_str()),
        (Some("en"), Some("Europe/Berlin"))
    );
    assert_eq!(admin.get("/api/v1/me").await["language"], "en");
    // Without Accept-Language, the user's own language answers.
    let resp = admin
        .http
        .post(format!("{}/api/v1/teams", admin.base))
        .json(&json!({"name": ""}))
        .send()
        .await
        .unwrap();
    let err: serde_json::Value = resp.json().await.unwrap();
    assert!(
        err["error"]["message"]
            .as_str()
            .unwrap()
            .contains("required"),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn logins_and_failures_are_audited() {
    let (s, admin) = TestServer::with_admin().await;
    s.client()
        .send(
            Method::POST,
            "/api/v1/auth/login",
            Some(json!({"username": "admin", "password": "bad-bad-bad"})),
        )
        .await;
    s.client().login("admin", ADMIN_PASSWORD).await;
    let log = admin.get("/api/v1/audit?kind=user").await;
    let actions: Vec<&str> = log["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    assert!(
        actions.contains(&"login") && actions.contains(&"login_failed"),
        "{actions:?}"
    );
}

/// Logs li.na in and returns the session cookie the server set.
async fn session_cookie(c: &Client) -> String {
    let r = c
        .http
        .post(format!("{}/api/v1/auth/login", c.base))
        .json(&json!({"username": "li.na", "password": "user-pass-1"}))
        .send()
        .await
        .unwrap();
    let cookie = r.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite"),
        "{cookie}"
    );
    cookie.split(';').next().unwrap().to_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn own_password_changes_only_with_the_current_one_and_bad_input_names_the_field() {
    let (s, admin) = TestServer::with_admin().await;
    let me = admin.get("/api/v1/me").await;
    let admin_id = me["id"].as_u64().unwrap();

    // A session left open (a borrowed browser) cannot set the admin's own password through the
    // user screen, which asks for no current password; the answer names the field, in the
    // caller's language.
    for client in [admin.clone(), admin.clone().zh()] {
        let user = admin.get(&format!("/api/v1/users/{admin_id}")).await;
        let (status, err) = client
            .send(
                Method::PATCH,
                &format!("/api/v1/users/{admin_id}"),
                Some(json!({"version": user["version"], "password": "taken-over-1"})),
            )
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{err}");
        assert_eq!(err["error"]["field"], "password", "{err}");
        let message = err["error"]["message"].as_str().unwrap();
        if client.lang == "en" {
            assert!(message.contains("current password"), "{message}");
        } else {
            assert!(message.contains("当前密码"), "{message}");
        }
    }
    // Nothing changed: the old password still logs in, the new one does not.
    s.client().login("admin", ADMIN_PASSWORD).await;
    let (status, _) = s
        .client()
        .send(
            Method::POST,
            "/api/v1/auth/login",
            Some(json!({"username": "admin", "password": "taken-over-1"})),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    // Other fields of one's own user record still change there.
    let user = admin.get(&format!("/api/v1/users/{admin_id}")).await;
    let (status, body) = admin
        .send(
            Method::PATCH,
            &format!("/api/v1/users/{admin_id}"),
            Some(json!({"version": user["version"], "display_name": "周总"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");

    // Bad input to the own-password form: each case names its field, in both languages.
    let cases = [
        (json!({"new_password": "new-pass-22"}), "current_password"),
        (
            json!({"current_password": "", "new_password": "new-pass-22"}),
            "current_password",
        ),
        (
            json!({"current_password": "wrong-one", "new_password": "new-pass-22"}),
            "current_password",
        ),
        (
            json!({"current_password": ADMIN_PASSWORD, "new_password": "short"}),
            "new_password",
        ),
        (
            json!({"current_password": ADMIN_PASSWORD, "new_password": "x".repeat(200)}),
            "new_password",
        ),
        (json!({"current_password": ADMIN_PASSWORD}), "new_password"),
    ];
    for (body, field) in cases {
        for client in [admin.clone(), admin.clone().zh()] {
            let (status, err) = client
                .send(Method::POST, "/api/v1/me/password", Some(body.clone()))
                .await;
            assert!(status.is_client_error(), "{body}: {status} {err}");
            assert_eq!(err["error"]["field"], field, "{body}: {err}");
            let message = err["error"]["message"].as_str().unwrap_or("");
            let chinese = message
                .chars()
                .any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c));
            assert_eq!(chinese, client.lang != "en", "{body}: {message}");
        }
    }
    // With the current password it changes (the wrong guesses above stayed under the limit).
    let (status, err) = admin
        .send(
            Method::POST,
            "/api/v1/me/password",
            Some(json!({"current_password": ADMIN_PASSWORD, "new_password": "new-admin-pass-2"})),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{err}");
    s.client().login("admin", "new-admin-pass-2").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn guessing_the_current_password_from_an_open_session_is_throttled() {
    let (s, admin) = TestServer::with_admin().await;
    let (_, rep) = s.user(&admin, "li.na", "sales", &[]).await;
    let mut statuses = Vec::new();
    for i in 0..7 {
        let (status, _) = rep
            .send(
                Method::POST,
                "/api/v1/me/password",
                Some(json!({"current_password": format!("guess-{i}"), "new_password": "new-pass-22"})),
            )
            .await;
        statuses.push(status.as_u16());
    }
    assert_eq!(&statuses[..5], &[422; 5], "{statuses:?}");
    assert_eq!(&statuses[5..], &[429, 429], "{statuses:?}");
    // The account waits at the login form too (nobody else is held up: the admin logs in).
    let (status, _) = s
        .client()
        .send(
            Method::POST,
            "/api/v1/auth/login",
            Some(json!({"username": "li.na", "password": "user-pass-1"})),
        )
        .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    s.client().login("admin", ADMIN_PASSWORD).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_admin_reset_of_another_password_is_audited_and_ends_their_sessions() {
    let (s, admin) = TestServer::with_admin().await;
    let (rep_id, rep) = s.user(&admin, "li.na", "sales", &[]).await;
    let laptop = s.client();
    laptop.login("li.na", "user-pass-1").await;
    let user = admin.get(&format!("/api/v1/users/{rep_id}")).await;
    // Too short: the field is named and nothing changes.
    let (status, err) = admin
        .send(
            Method::PATCH,
            &format!("/api/v1/users/{rep_id}"),
            Some(json!({"version": user["version"], "password": "short"})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{err}");
    assert_eq!(err["error"]["field"], "password");
    rep.get("/api/v1/me").await;

    let (status, body) = admin
        .send(
            Method::PATCH,
            &format!("/api/v1/users/{rep_id}"),
            Some(json!({"version": user["version"], "password": "reset-pass-9"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    for c in [&rep, &laptop] {
        assert_eq!(
            c.send(Method::GET, "/api/v1/me", None).await.0,
            StatusCode::UNAUTHORIZED
        );
    }
    // The admin's own session goes on.
    admin.get("/api/v1/me").await;
    s.client().login("li.na", "reset-pass-9").await;

    let log = admin.get("/api/v1/audit?action=password_reset").await;
    let entries = log["items"].as_array().unwrap();
    assert_eq!(entries.len(), 1, "{log}");
    assert_eq!(entries[0]["record_id"], rep_id, "{log}");
    assert_eq!(entries[0]["kind"], "user", "{log}");
    // The hash itself is never in the log.
    let all = admin.get("/api/v1/audit?kind=user&per_page=100").await;
    assert!(!all.to_string().contains("$argon2"), "{all}");
}
