//! The generic record machinery seen through the API: versions, recycle bin, audit diffs,
//! search (PLT-6, CRM-9).

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::common::{TestServer, code};

async fn create_team(c: &crate::common::Client, name: &str) -> Value {
    let (status, team) = c
        .send(Method::POST, "/api/v1/teams", Some(json!({"name": name})))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{team}");
    team
}

#[tokio::test(flavor = "multi_thread")]
async fn stale_update_gets_409_and_loses_nothing() {
    let (s, admin) = TestServer::with_admin().await;
    let team = create_team(&admin, "欧洲业务部").await;
    let (id, v1) = (
        team["id"].as_u64().unwrap(),
        team["version"].as_u64().unwrap(),
    );
    // Two editors read version 1; the first save wins …
    let (status, saved) = admin
        .send(
            Method::PATCH,
            &format!("/api/v1/teams/{id}"),
            Some(json!({"version": v1, "name": "欧洲一部"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{saved}");
    assert_eq!(saved["version"].as_u64(), Some(v1 + 1));
    // … the second gets 409 with the current version, and the first save stays.
    let other = s.client();
    other.login("admin", crate::common::ADMIN_PASSWORD).await;
    let (status, err) = other
        .send(
            Method::PATCH,
            &format!("/api/v1/teams/{id}"),
            Some(json!({"version": v1, "name": "欧洲二部"})),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(code(&err), "version_conflict");
    assert_eq!(err["error"]["current_version"].as_u64(), Some(v1 + 1));
    let teams = admin.get("/api/v1/teams").await;
    assert_eq!(teams["items"][0]["name"], "欧洲一部");
}

#[tokio::test(flavor = "multi_thread")]
async fn concurrent_editors_exactly_one_wins() {
    let (_s, admin) = TestServer::with_admin().await;
    let team = create_team(&admin, "Race").await;
    let id = team["id"].as_u64().unwrap();
    let mut tasks = Vec::new();
    for i in 0..8 {
        let c = admin.clone();
        tasks.push(tokio::spawn(async move {
            c.send(
                Method::PATCH,
                &format!("/api/v1/teams/{id}"),
                Some(json!({"version": 1, "name": format!("Race {i}")})),
            )
            .await
            .0
        }));
    }
    let mut statuses = Vec::new();
    for t in tasks {
        statuses.push(t.await.unwrap());
    }
    assert_eq!(
        statuses.iter().filter(|s| **s == StatusCode::OK).count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(
        statuses
            .iter()
            .filter(|s| **s == StatusCode::CONFLICT)
            .count(),
        7,
        "{statuses:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn delete_goes_to_the_recycle_bin_and_comes_back() {
    let (s, admin) = TestServer::with_admin().await;
    let team = create_team(&admin, "美洲业务部").await;
    let id = team["id"].as_u64().unwrap();
    let (status, err) = admin
        .send(
            Method::DELETE,
            &format!("/api/v1/teams/{id}?version=99"),
            None,
        )
        .await;
    assert_eq!(
        (status, code(&err)),
        (StatusCode::CONFLICT, "version_conflict")
    );
    let (status, _) = admin
        .send(
            Method::DELETE,
            &format!("/api/v1/teams/{id}?version=1"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(admin.get("/api/v1/teams").await["total"], 0);
    // The name is free again while the team is in the bin.
    let bin = admin.get("/api/v1/recycle-bin").await;
    assert_eq!(bin["total"], 1);
    let item = &bin["items"][0];
    assert_eq!(
        (
            item["kind"].as_str(),
            item["id"].as_u64(),
            item["title"].as_str()
        ),
        (Some("team"), Some(id), Some("美洲业务部"))
    );
    assert_eq!(item["deleted_by"]["name"], "周海燕");
    assert_eq!(admin.get("/api/v1/recycle-bin?kind=user").await["total"], 0);

    // A sales rep (no delete right on teams) sees nothing and cannot restore or purge.
    let (_, rep) = s.user(&admin, "li.na", "sales", &[]).await;
    assert_eq!(rep.get("/api/v1/recycle-bin").await["total"], 0);
    let (status, _) = rep
        .send(
            Method::POST,
            &format!("/api/v1/recycle-bin/team/{id}/restore"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = rep
        .send(
            Method::DELETE,
            &format!("/api/v1/recycle-bin/team/{id}"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    let (status, _) = admin
        .send(
            Method::POST,
            &format!("/api/v1/recycle-bin/team/{id}/restore"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let teams = admin.get("/api/v1/teams").await;
    assert_eq!(
        (teams["total"].as_u64(), teams["items"][0]["name"].as_str()),
        (Some(1), Some("美洲业务部"))
    );
    assert_eq!(admin.get("/api/v1/recycle-bin").await["total"], 0);
    // Restoring what is not in the bin is not found.
    let (status, _) = admin
        .send(
            Method::POST,
            &format!("/api/v1/recycle-bin/team/{id}/restore"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Delete again and purge: gone for good, history kept in the audit log.
    let v = teams["items"][0]["version"].as_u64().unwrap();
    admin
        .send(
            Method::DELETE,
            &format!("/api/v1/teams/{id}?version={v}"),
            None,
        )
        .await;
    let (status, _) = admin
        .send(
            Method::DELETE,
            &format!("/api/v1/recycle-bin/team/{id}"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(admin.get("/api/v1/recycle-bin").await["total"], 0);
    let (status, _) = admin
        .send(
            Method::POST,
            &format!("/api/v1/recycle-bin/team/{id}/restore"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let history = admin
        .get(&format!("/api/v1/audit?kind=team&record_id={id}"))
        .await;
    let actions: Vec<&str> = history["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    assert_eq!(
        actions,
        vec!["purge", "delete", "restore", "delete", "create"]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn audit_entries_carry_field_diffs_and_hide_secrets() {
    let (s, admin) = TestServer::with_admin().await;
    let team = create_team(&admin, "Sales A").await;
    let id = team["id"].as_u64().unwrap();
    admin
        .send(
            Method::PATCH,
            &format!("/api/v1/teams/{id}"),
            Some(json!({"version": 1, "name": "Sales B"})),
        )
        .await;
    let history = admin
        .get(&format!("/api/v1/audit?kind=team&record_id={id}"))
        .await;
    let update = &history["items"][0];
    assert_eq!(update["action"], "update");
    assert_eq!(update["user"]["name"], "周海燕");
    assert_eq!(
        update["changes"],
        json!([{"field": "name", "old": "Sales A", "new": "Sales B"}])
    );
    let create = &history["items"][1];
    assert!(
        create["changes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["field"] == "name" && c["new"] == "Sales A")
    );

    // A password change is recorded as a change, never with the hash.
    let (uid, _) = s.user(&admin, "wang.lei", "sales", &[]).await;
    let user = admin.get(&format!("/api/v1/users/{uid}")).await;
    admin
        .send(
            Method::PATCH,
            &format!("/api/v1/users/{uid}"),
            Some(json!({"version": user["version"], "password": "another-pass-1"})),
        )
        .await;
    let history = admin
        .get(&format!("/api/v1/audit?kind=user&record_id={uid}"))
        .await;
    let text = history.to_string();
    assert!(
        !text.contains("argon2"),
        "a password hash leaked into the audit log"
    );
    // (Beside the update, the reset is an event of its own: `password_reset`.)
    let update = history["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "update")
        .cloned()
        .unwrap_or_default();
    let change = update["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["field"] == "password_hash")
        .cloned();
    assert_eq!(change.map(|c| c["new"].clone()), Some(json!("******")));
}

#[tokio::test(flavor = "multi_thread")]
async fn search_finds_chinese_pinyin_and_traditional_forms() {
    let (s, admin) = TestServer::with_admin().await;
    let (status, body) = admin
        .send(
            Method::POST,
            "/api/v1/users",
            Some(json!({"username": "huaxin", "display_name": "華信電子 王经理", "password": "user-pass-1", "email": "wang@huaxin.com.cn"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    s.kontor().index_now().unwrap();
    for q in ["华信", "華信", "huaxin", "wang@huaxin.com.cn", "王经理"] {
        let hits = admin
            .get(&format!("/api/v1/search?q={}", urlencode(q)))
            .await;
        assert!(
            hits["items"]
                .as_array()
                .unwrap()
                .iter()
                .any(|h| h["kind"] == "user" && h["title"] == "華信電子 王经理"),
            "{q}: {hits}"
        );
    }
    let none = admin.get("/api/v1/search?q=notthere").await;
    assert_eq!(none["items"], json!([]));
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn records_survive_a_restart_and_search_catches_up() {
    let (mut s, admin) = TestServer::with_admin().await;
    create_team(&admin, "Survivors").await;
    let (status, _) = admin
        .send(
            Method::POST,
            "/api/v1/users",
            Some(json!({"username": "zhao", "display_name": "赵敏", "password": "user-pass-1"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    s.restart().await;
    let c = s.client();
    c.login("admin", crate::common::ADMIN_PASSWORD).await;
    assert_eq!(
        c.get("/api/v1/teams").await["items"][0]["name"],
        "Survivors"
    );
    s.kontor().index_now().unwrap();
    let hits = c
        .get(&format!("/api/v1/search?q={}", urlencode("赵敏")))
        .await;
    assert_eq!(hits["items"][0]["title"], "赵敏");
}
