//! Concurrent editors of one record: saves carry the version they read, a stale one answers 409
//! with the current version, and editors who read again and retry lose no update.

use std::collections::BTreeSet;
use std::time::Instant;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::common::{ADMIN_PASSWORD, Client, TestServer, code};

/// Sessions editing at once: the owning rep, three managers and four admin sessions.
const EDITORS: usize = 8;
/// Read-modify-write increments per session.
const INCREMENTS: u64 = 25;

fn visits(customer: &Value) -> u64 {
    customer["custom"]["visits"]
        .as_str()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no visits counter: {customer}"))
}

fn version(record: &Value) -> u64 {
    record["version"]
        .as_u64()
        .unwrap_or_else(|| panic!("no version: {record}"))
}

/// Reads the customer, adds one to its counter and saves with the version read; reads again
/// after a 409. Returns the version each successful save made and the number of 409s.
async fn increment(editor: &Client, path: &str) -> (u64, u64) {
    let mut conflicts = 0;
    loop {
        let current = editor.get(path).await;
        let (v, n) = (version(&current), visits(&current));
        let (status, body) = editor
            .send(
                Method::PATCH,
                path,
                Some(json!({"version": v, "custom": {"visits": (n + 1).to_string()}})),
            )
            .await;
        match status {
            StatusCode::OK => {
                assert_eq!(
                    (version(&body), visits(&body)),
                    (v + 1, n + 1),
                    "a save of version {v} answered {body}"
                );
                return (v + 1, conflicts);
            }
            StatusCode::CONFLICT => {
                assert_eq!(code(&body), "version_conflict", "{body}");
                let now = body["error"]["current_version"].as_u64();
                assert!(
                    now.is_some_and(|now| now > v),
                    "a 409 for version {v} carries the newer current version: {body}"
                );
                conflicts += 1;
            }
            other => panic!("a save of version {v} answered {other}: {body}"),
        }
    }
}

async fn save_tier(editor: &Client, path: &str, version: u64, tier: &str) -> (StatusCode, Value) {
    editor
        .send(
            Method::PATCH,
            path,
            Some(json!({"version": version, "tier": tier})),
        )
        .await
}

/// Eight sessions (a rep, managers, the admin) each add one to a customer's counter 25 times,
/// concurrently, with read-modify-write and retry on 409: the counter ends at 200, the version
/// advanced by exactly 200, and every accepted save made a different version. Before that,
/// two sessions save the same version at once: exactly one wins, the other gets 409 with the
/// current version, and the winner's value stays.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_increments_lose_no_update() {
    let (s, admin) = TestServer::with_admin().await;
    let (rep_id, rep) = s.user(&admin, "rep", "sales", &[]).await;
    let (status, customer) = admin
        .send(
            Method::POST,
            "/api/v1/customers",
            Some(json!({"name": "Zählwerk Messtechnik GmbH", "country": "DE", "owner_id": rep_id, "custom": {"visits": "0"}})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{customer}");
    let id = customer["id"].as_u64().unwrap();
    let path = format!("/api/v1/customers/{id}");
    let mut editors = vec![rep];
    for i in 0..3 {
        editors.push(
            s.user(&admin, &format!("manager-{i}"), "manager", &[])
                .await
                .1,
        );
    }
    while editors.len() < EDITORS {
        let session = s.client();
        session.login("admin", ADMIN_PASSWORD).await;
        editors.push(session);
    }

    // Two sessions read the same version and save at once.
    let read = editors[0].get(&path).await;
    let v = version(&read);
    let (first, second) = tokio::join!(
        save_tier(&editors[0], &path, v, "A"),
        save_tier(&editors[1], &path, v, "B")
    );
    let (won, lost) = match (first.0, second.0) {
        (StatusCode::OK, StatusCode::CONFLICT) => ((first.1, "A"), second.1),
        (StatusCode::CONFLICT, StatusCode::OK) => ((second.1, "B"), first.1),
        other => panic!(
            "two saves of version {v}: {other:?}, {} / {}",
            first.1, second.1
        ),
    };
    assert_eq!(version(&won.0), v + 1, "{}", won.0);
    assert_eq!(code(&lost), "version_conflict", "{lost}");
    assert_eq!(
        lost["error"]["current_version"].as_u64(),
        Some(v + 1),
        "{lost}"
    );
    let now = admin.get(&path).await;
    assert_eq!(
        (now["tier"].as_str(), version(&now)),
        (Some(won.1), v + 1),
        "the winner's save stays: {now}"
    );

    // Every session increments the counter, all at once.
    let start_version = version(&now);
    let started = Instant::now();
    let tasks: Vec<_> = editors
        .iter()
        .map(|editor| {
            let (editor, path) = (editor.clone(), path.clone());
            tokio::spawn(async move {
                let mut saved = Vec::new();
                let mut conflicts = 0;
                for _ in 0..INCREMENTS {
                    let (made, c) = increment(&editor, &path).await;
                    saved.push(made);
                    conflicts += c;
                }
                (saved, conflicts)
            })
        })
        .collect();
    let mut versions = BTreeSet::new();
    let mut conflicts = 0;
    for t in tasks {
        let (saved, c) = t.await.expect("editor");
        conflicts += c;
        for made in saved {
            assert!(
                versions.insert(made),
                "two saves were both accepted as version {made}"
            );
        }
    }
    let total = EDITORS as u64 * INCREMENTS;
    let end = admin.get(&path).await;
    println!(
        "{EDITORS} editors × {INCREMENTS} increments in {:.2} s: {conflicts} answers were 409 and retried; \
         counter {}, version {start_version} → {}",
        started.elapsed().as_secs_f64(),
        visits(&end),
        version(&end)
    );
    assert_eq!(visits(&end), total, "lost updates: {end}");
    assert_eq!(
        version(&end),
        start_version + total,
        "the version advanced once per save: {end}"
    );
    assert_eq!(
        versions,
        (start_version + 1..=start_version + total).collect::<BTreeSet<_>>(),
        "each accepted save made the next version"
    );
    assert_eq!(end["tier"].as_str(), Some(won.1), "the other field stayed");
}
