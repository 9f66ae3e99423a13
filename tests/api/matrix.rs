//! The access matrix, generated from `/api/openapi.json`: every operation × every preset role
//! (and anonymous), against records owned by the caller's teammate and by another team. A new
//! endpoint is covered without edits. Invariants checked for every cell:
//! - anonymous callers get 401 on every operation that declares the session cookie;
//! - nothing answers 5xx, whatever the role and even with an empty body;
//! - the observer never changes anything (no 2xx on a non-GET operation) but their own
//!   profile (language, time zone);
//! - the external supplier never reaches CRM or user data;
//! - a sales rep never reads a customer, contact, lead or timeline of another team's rep;
//! - hidden field classes (cost, profit, supplier_price) never appear in an answer to a role
//!   that hides them.

use std::collections::BTreeMap;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::common::{Client, TestServer};

const ROLES: &[&str] = &[
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
];

/// Which record a path parameter names, by the path segment before it.
fn id_for(segment: &str, ids: &BTreeMap<&str, u64>) -> u64 {
    let kind = match segment {
        "customers" => "customer",
        "contacts" => "contact",
        "leads" => "lead",
        "opportunities" => "opportunity",
        "tasks" => "task",
        "users" => "user",
        "teams" => "team",
        "roles" => "role",
        "pools" => "pool",
        "cadence-rules" => "cadence_rule",
        "handover" => "handover",
        _ => "",
    };
    ids.get(kind).copied().unwrap_or(1)
}

fn fill_path(path: &str, ids: &BTreeMap<&str, u64>) -> String {
    let parts: Vec<&str> = path.split('/').collect();
    let mut out = Vec::new();
    for (i, part) in parts.iter().enumerate() {
        if part.starts_with('{') {
            if *part == "{kind}" {
                out.push("customer".to_string());
            } else {
                let segment = parts[..i]
                    .iter()
                    .rev()
                    .find(|p| !p.starts_with('{'))
                    .copied()
                    .unwrap_or("");
                let segment = if segment == "recycle-bin" {
                    "customers"
                } else {
                    segment
                };
                out.push(id_for(segment, ids).to_string());
            }
        } else {
            out.push(part.to_string());
        }
    }
    out.join("/")
}

fn hidden_keys(v: &Value, hidden: &[&str], found: &mut Vec<String>) {
    match v {
        Value::Object(map) => {
            for (k, x) in map {
                if hidden.contains(&k.as_str()) {
                    found.push(k.clone());
                }
                hidden_keys(x, hidden, found);
            }
        }
        Value::Array(items) => items.iter().for_each(|x| hidden_keys(x, hidden, found)),
        _ => {}
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn every_operation_for_every_role_follows_the_policy() {
    let (s, admin) = TestServer::with_admin().await;
    let (_, team_a) = admin
        .send(
            Method::POST,
            "/api/v1/teams",
            Some(json!({"name": "Team A"})),
        )
        .await;
    let (_, team_b) = admin
        .send(
            Method::POST,
            "/api/v1/teams",
            Some(json!({"name": "Team B"})),
        )
        .await;
    let (a, b) = (
        team_a["id"].as_u64().unwrap(),
        team_b["id"].as_u64().unwrap(),
    );
    // The records: owned by a rep of team B ("another team").
    let (_, other) = s.user(&admin, "other.rep", "sales", &[b]).await;
    let (_, c) = other
        .send(
            Method::POST,
            "/api/v1/customers",
            Some(json!({"name": "Other Team GmbH", "contacts": [{"name": "Eva"}]})),
        )
        .await;
    let customer = c["id"].as_u64().unwrap();
    let contact = other
        .get(&format!("/api/v1/customers/{customer}/contacts"))
        .await[0]["id"]
        .as_u64()
        .unwrap();
    let (_, lead) = other
        .send(
            Method::POST,
            "/api/v1/leads",
            Some(json!({"company": "Other Lead"})),
        )
        .await;
    let (_, opp) = other
        .send(
            Method::POST,
            "/api/v1/opportunities",
            Some(json!({"customer_id": customer, "title": "Deal"})),
        )
        .await;
    other
        .send(
            Method::POST,
            &format!("/api/v1/customers/{customer}/timeline"),
            Some(json!({"kind": "call", "subject": "secret talk", "follow_up_on": "2031-01-01"})),
        )
        .await;
    let task = other.get("/api/v1/my-day").await.to_string();
    let task_id: u64 = serde_json::from_str::<Value>(&task).unwrap()["upcoming"]
        .as_array()
        .and_then(|t| t.first().cloned())
        .and_then(|t| t["id"].as_u64())
        .unwrap_or(1);
    let pools = admin.get("/api/v1/pools").await;
    let rules = admin.get("/api/v1/cadence-rules").await;
    let ids: BTreeMap<&str, u64> = BTreeMap::from([
        ("customer", customer),
        ("contact", contact),
        ("lead", lead["id"].as_u64().unwrap()),
        ("opportunity", opp["id"].as_u64().unwrap()),
        ("task", task_id),
        ("user", 1),
        ("team", a),
        ("role", 1),
        ("pool", pools[0]["id"].as_u64().unwrap()),
        ("cadence_rule", rules[0]["id"].as_u64().unwrap()),
        ("handover", 1),
    ]);

    let doc = admin.get("/api/openapi.json").await;
    let mut callers: Vec<(String, Client, Vec<&str>)> =
        vec![("anonymous".into(), s.client(), vec![])];
    let roles = admin.get("/api/v1/roles").await;
    for role in ROLES {
        let (_, client) = s.user(&admin, &format!("m.{role}"), role, &[a]).await;
        let hidden: Vec<&str> = roles["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["key"] == *role)
            .map(|r| {
                r["hidden_fields"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .filter_map(|h| h.as_str())
                    .collect()
            })
            .unwrap_or_default();
        callers.push((role.to_string(), client, hidden));
    }

    let mut cells = 0;
    let mut failures = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let Ok(method) = method.to_uppercase().parse::<Method>() else {
                continue;
            };
            // Side effects that would end the session of the caller under test are skipped.
            let ends_own_session = path.ends_with("/auth/logout")
                || path.ends_with("/me/password")
                || path.ends_with("/setup");
            let public = op["security"].as_array().is_some_and(|s| {
                s.iter()
                    .all(|x| x.as_object().is_some_and(|o| o.is_empty()))
            });
            let url = fill_path(path, &ids);
            for (role, client, hidden) in &callers {
                if ends_own_session && role != "anonymous" {
                    continue;
                }
                cells += 1;
                let body = (method != Method::GET && method != Method::DELETE).then(|| json!({}));
                let (status, answer) = client.send(method.clone(), &url, body).await;
                let cell = format!("{role:>12} {method:<6} {url}: {status}");
                if status.is_server_error() {
                    failures.push(format!("{cell} (5xx) {answer}"));
                }
                if role == "anonymous" && !public && status != StatusCode::UNAUTHORIZED {
                    failures.push(format!("{cell} (anonymous must get 401)"));
                }
                let own_profile = url.starts_with("/api/v1/me");
                if role == "observer"
                    && method != Method::GET
                    && status.is_success()
                    && !own_profile
                {
                    failures.push(format!("{cell} (observer wrote)"));
                }
                let crm_or_users = [
                    "/customers",
                    "/contacts",
                    "/leads",
                    "/opportunities",
                    "/pool",
                    "/my-day",
                    "/handover",
                    "/cadence-rules",
                    "/users",
                    "/teams",
                ]
                .iter()
                .any(|p| url.contains(p));
                if role == "supplier" && crm_or_users && status.is_success() {
                    failures.push(format!("{cell} (supplier reached CRM or user data)"));
                }
                let others_record = ["/customers/", "/contacts/", "/leads/"]
                    .iter()
                    .any(|p| url.contains(p));
                if role == "sales" && method == Method::GET && others_record && status.is_success()
                {
                    failures.push(format!("{cell} (a rep read another team's record)"));
                }
                if status.is_success() {
                    let mut found = Vec::new();
                    hidden_keys(&answer, hidden, &mut found);
                    if !found.is_empty() {
                        failures.push(format!("{cell} (hidden fields {found:?} shown)"));
                    }
                }
            }
        }
    }
    assert!(
        cells > 400,
        "only {cells} cells: is the OpenAPI document complete?"
    );
    assert!(
        failures.is_empty(),
        "{} of {cells} cells break the policy:\n{}",
        failures.len(),
        failures.join("\n")
    );
    // Search: a rep of team A finds nothing of team B's customer.
    s.kontor().index_now().unwrap();
    let sales = &callers.iter().find(|c| c.0 == "sales").unwrap().1;
    let hits = sales.get("/api/v1/search?q=Other%20Team").await;
    assert_eq!(hits["items"], json!([]), "{hits}");
}
