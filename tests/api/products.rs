//! The product catalogue (SAL-1), the first kind built on the module kit: hidden fields never
//! reach a role that hides them, and such a role cannot overwrite them blind.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::common::{Client, TestServer};

fn has_key(v: &Value, key: &str) -> bool {
    match v {
        Value::Object(m) => m.contains_key(key) || m.values().any(|x| has_key(x, key)),
        Value::Array(a) => a.iter().any(|x| has_key(x, key)),
        _ => false,
    }
}

async fn product(c: &Client, body: Value) -> Value {
    let (status, p) = c.send(Method::POST, "/api/v1/products", Some(body)).await;
    assert_eq!(status, StatusCode::CREATED, "{p}");
    p
}

/// A user with a custom role: products read/create/update, costs and supplier prices hidden.
async fn product_editor(s: &TestServer, admin: &Client) -> Client {
    let (status, role) = admin
        .send(
            Method::POST,
            "/api/v1/roles",
            Some(json!({"name": "产品编辑", "grants": {"products": {"read": "all", "create": "all", "update": "all"}},
                "hidden_fields": ["cost", "supplier_price"]})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{role}");
    let (status, user) = admin
        .send(
            Method::POST,
            "/api/v1/users",
            Some(
                json!({"username": "wang.fang", "display_name": "王芳", "password": "user-pass-1",
                "role_ids": [role["id"]], "team_ids": []}),
            ),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{user}");
    let c = s.client();
    c.login("wang.fang", "user-pass-1").await;
    c
}

#[tokio::test(flavor = "multi_thread")]
async fn costs_and_supplier_prices_never_reach_a_role_that_hides_them() {
    let (mut s, admin) = TestServer::with_admin().await;
    let p = product(
        &admin,
        json!({"sku": "LED-100", "name_zh": "LED 筒灯", "name_en": "LED downlight", "hs_code": "9405.11",
            "packing": {"units_per_carton": 50, "carton_cm": ["60", "40", "30"], "gross_kg": "12.5", "net_kg": "11"},
            "prices": [{"amount": "3.20", "currency": "USD"}, {"amount": "2.95", "currency": "EUR"}],
            "cost": {"amount": "14.80", "currency": "CNY"},
            "supplier_prices": [{"supplier": "中山灯饰厂", "price": {"amount": "14.80", "currency": "CNY"}, "moq": 1000, "lead_days": 15}]}),
    )
    .await;
    let id = p["id"].as_u64().unwrap();
    assert_eq!(p["cbm"], "0.072", "60 × 40 × 30 cm");
    assert_eq!(p["cost"]["amount"], "14.80");
    assert_eq!(p["name"], "LED downlight");

    let (_, rep) = s.user(&admin, "li.na", "sales", &[]).await;
    let seen = rep.get(&format!("/api/v1/products/{id}")).await;
    assert_eq!(seen["sku"], "LED-100", "{seen}");
    assert!(
        !has_key(&seen, "cost") && !has_key(&seen, "supplier_prices"),
        "{seen}"
    );
    let list = rep.get("/api/v1/products?q=downlight").await;
    assert_eq!(list["total"], 1, "{list}");
    assert!(
        !has_key(&list, "cost") && !has_key(&list, "supplier_prices"),
        "{list}"
    );
    s.kontor().index_now().unwrap();
    let hits = rep.get("/api/v1/search?q=LED-100").await;
    assert!(hits.to_string().contains("LED-100"), "{hits}");
    assert!(!hits.to_string().contains("14.80"), "{hits}");
    // A rep reads the catalogue but does not change it.
    let (status, _) = rep
        .send(
            Method::PATCH,
            &format!("/api/v1/products/{id}"),
            Some(json!({"specs": "x"})),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // An editor who cannot see costs changes the rest; the cost stays as it was …
    let editor = product_editor(&s, &admin).await;
    let (status, changed) = editor
        .send(
            Method::PATCH,
            &format!("/api/v1/products/{id}"),
            Some(json!({"version": p["version"], "specs": "12 W, 4000 K"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{changed}");
    assert!(!has_key(&changed, "cost"), "{changed}");
    // … and may not overwrite it blind.
    let (status, err) = editor
        .send(
            Method::PATCH,
            &format!("/api/v1/products/{id}"),
            Some(json!({"cost": {"amount": "1", "currency": "CNY"}})),
        )
        .await;
    assert_eq!(
        (status, err["error"]["field"].as_str()),
        (StatusCode::FORBIDDEN, Some("cost")),
        "{err}"
    );
    // Nor remove it.
    let (status, err) = editor
        .send(
            Method::PATCH,
            &format!("/api/v1/products/{id}"),
            Some(json!({"cost": null})),
        )
        .await;
    assert_eq!(
        (status, err["error"]["field"].as_str()),
        (StatusCode::FORBIDDEN, Some("cost")),
        "{err}"
    );

    // Everything survives a restart.
    s.restart().await;
    let admin = s.client();
    admin.login("admin", crate::common::ADMIN_PASSWORD).await;
    let after = admin.get(&format!("/api/v1/products/{id}")).await;
    assert_eq!(
        (
            &after["cost"]["amount"],
            &after["specs"],
            &after["supplier_prices"][0]["moq"]
        ),
        (&json!("14.80"), &json!("12 W, 4000 K"), &json!(1000))
    );
    assert_eq!(after["packing"]["carton_cm"], json!(["60", "40", "30"]));
    // A role that sees costs removes one with null; leaving it out keeps it.
    let (status, kept) = admin
        .send(
            Method::PATCH,
            &format!("/api/v1/products/{id}"),
            Some(json!({"unit": "set"})),
        )
        .await;
    assert_eq!(
        (status, &kept["cost"]["amount"]),
        (StatusCode::OK, &json!("14.80")),
        "{kept}"
    );
    let (status, cleared) = admin
        .send(
            Method::PATCH,
            &format!("/api/v1/products/{id}"),
            Some(json!({"cost": null})),
        )
        .await;
    assert_eq!(
        (status, &cleared["cost"]),
        (StatusCode::OK, &Value::Null),
        "{cleared}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_product_input_names_the_field_and_skus_are_unique_without_case() {
    let (_s, admin) = TestServer::with_admin().await;
    product(&admin, json!({"sku": "AB-1", "name_en": "Bracket"})).await;
    let cases = [
        (
            json!({"sku": "ab-1", "name_en": "Other"}),
            StatusCode::CONFLICT,
            "sku",
        ),
        (
            json!({"name_en": "No SKU"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "sku",
        ),
        (
            json!({"sku": "X 1", "name_en": "Space"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "sku",
        ),
        (
            json!({"sku": "X-2"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "name_en",
        ),
        (
            json!({"sku": "X-3", "name_en": "A", "hs_code": "12ab"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "hs_code",
        ),
        (
            json!({"sku": "X-4", "name_en": "A", "packing": {"gross_kg": "5", "net_kg": "6"}}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "packing.net_kg",
        ),
        (
            json!({"sku": "X-5", "name_en": "A", "packing": {"carton_cm": ["60", "0", "30"]}}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "packing.carton_cm[1]",
        ),
        (
            json!({"sku": "X-6", "name_en": "A", "prices": [{"amount": "1", "currency": "USD"}, {"amount": "2", "currency": "USD"}]}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "prices[1].currency",
        ),
        (
            json!({"sku": "X-7", "name_en": "A", "cost": {"amount": "-1", "currency": "CNY"}}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "cost.amount",
        ),
    ];
    for (body, status, field) in cases {
        let (got, err) = admin
            .send(Method::POST, "/api/v1/products", Some(body.clone()))
            .await;
        assert_eq!(
            (got, err["error"]["field"].as_str()),
            (status, Some(field)),
            "{body} → {err}"
        );
    }
    // An unknown currency is refused where it is.
    let (got, err) = admin
        .send(
            Method::POST,
            "/api/v1/products",
            Some(json!({"sku": "X-8", "name_en": "A", "prices": [{"amount": "1", "currency": "XYZ"}]})),
        )
        .await;
    assert_eq!(got, StatusCode::UNPROCESSABLE_ENTITY, "{err}");
    assert!(err.to_string().contains("XYZ"), "{err}");
    assert_eq!(
        admin.get("/api/v1/products").await["total"],
        1,
        "nothing half-written"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn products_list_by_sku_page_by_page_and_come_back_from_the_recycle_bin() {
    let (_s, admin) = TestServer::with_admin().await;
    for sku in ["C-3", "A-1", "B-2", "D-4"] {
        product(
            &admin,
            json!({"sku": sku, "name_zh": format!("产品 {sku}")}),
        )
        .await;
    }
    let page = admin
        .get("/api/v1/products?sort=sku&per_page=2&page=2")
        .await;
    let skus: Vec<&str> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["sku"].as_str().unwrap())
        .collect();
    assert_eq!(
        (skus, page["total"].as_u64()),
        (vec!["C-3", "D-4"], Some(4))
    );
    let newest = admin.get("/api/v1/products?per_page=1").await;
    assert_eq!(newest["items"][0]["sku"], "D-4");
    let id = newest["items"][0]["id"].as_u64().unwrap();
    let (status, _) = admin
        .send(Method::DELETE, &format!("/api/v1/products/{id}"), None)
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(admin.get("/api/v1/products").await["total"], 3);
    let (status, _) = admin
        .send(
            Method::POST,
            &format!("/api/v1/recycle-bin/product/{id}/restore"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(admin.get("/api/v1/products").await["total"], 4);
}
