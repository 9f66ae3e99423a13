//! The module kit seen through the API: the kinds the modules declare, named for the caller,
//! and lists built on the one list strategy (issue 12).

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::common::TestServer;

fn kind<'a>(kinds: &'a Value, name: &str) -> &'a Value {
    kinds
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kind"] == name)
        .unwrap_or_else(|| panic!("kind {name} missing from {kinds}"))
}

#[tokio::test(flavor = "multi_thread")]
async fn every_kind_is_listed_with_its_module_and_name_in_the_callers_language() {
    let (s, admin) = TestServer::with_admin().await;
    let (_, rep) = s.user(&admin, "li.na", "sales", &[]).await;
    let en = rep.get("/api/v1/kinds").await;
    let customer = kind(&en, "customer");
    assert_eq!(
        (
            &customer["module"],
            &customer["name"],
            &customer["searchable"]
        ),
        (&json!("crm"), &json!("Customer"), &json!(true))
    );
    assert_eq!(kind(&en, "role")["searchable"], false);
    assert_eq!(kind(&en, "notification")["module"], "automation");
    let zh = rep.clone().zh().get("/api/v1/kinds").await;
    assert_eq!(kind(&zh, "opportunity")["name"], "商机");
    // Every kind the store keeps is declared by a module, once.
    let names: Vec<&str> = en
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["kind"].as_str().unwrap())
        .collect();
    for registered in crate::common::registered_kinds() {
        assert_eq!(
            names.iter().filter(|n| **n == registered).count(),
            1,
            "{registered} in {names:?}"
        );
    }
    // Signed-out callers learn nothing.
    let (status, _) = s.client().send(Method::GET, "/api/v1/kinds", None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test(flavor = "multi_thread")]
async fn lead_lists_page_with_exact_totals_per_scope_and_pool() {
    let (s, admin) = TestServer::with_admin().await;
    let (_, rep) = s.user(&admin, "li.na", "sales", &[]).await;
    for i in 0..7 {
        let (status, lead) = rep
            .send(
                Method::POST,
                "/api/v1/leads",
                Some(json!({"company": format!("Mine {i}"), "status": if i % 2 == 0 { "new" } else { "contacted" }})),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{lead}");
    }
    for i in 0..3 {
        let (status, _) = admin
            .send(
                Method::POST,
                "/api/v1/leads",
                Some(json!({"company": format!("Pool {i}"), "to_pool": true})),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED);
    }
    let page2 = rep.get("/api/v1/leads?per_page=3&page=2").await;
    assert_eq!(page2["total"], 7, "{page2}");
    let titles: Vec<&str> = page2["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["company"].as_str().unwrap())
        .collect();
    assert_eq!(titles, ["Mine 3", "Mine 2", "Mine 1"], "newest first");
    let contacted = rep.get("/api/v1/leads?status=contacted").await;
    assert_eq!(contacted["total"], 3, "{contacted}");
    let pool = rep.get("/api/v1/leads?scope=pool&per_page=2").await;
    assert_eq!(
        (
            pool["total"].as_u64(),
            pool["items"].as_array().unwrap().len()
        ),
        (Some(3), 2)
    );
    // The admin's own list holds none of the rep's leads; all of them with scope=all.
    assert_eq!(admin.get("/api/v1/leads").await["total"], 0);
    assert_eq!(admin.get("/api/v1/leads?scope=all").await["total"], 7);
}
