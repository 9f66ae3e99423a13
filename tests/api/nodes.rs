//! An order's follow-up nodes (SAL-5) as scenario tables: nodes completed and re-opened by the
//! events of receipts, the order's status, purchasing, inspection and logistics; planned dates
//! laid out from a template (and kept when the template changes); late nodes told once a day
//! to the responsible role and the owner; completing by hand and who may; the board, scoped to
//! the orders the caller reads.

use chrono::{Duration, NaiveDate};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::common::{Client, TestServer};
use kontor::domain::sales::order_events::{self, OrderEvent};

async fn ok(c: &Client, method: Method, path: &str, body: Value) -> Value {
    let (status, v) = c.send(method.clone(), path, Some(body)).await;
    assert!(status.is_success(), "{method} {path}: {status} {v}");
    v
}

fn id(v: &Value) -> u64 {
    v["id"].as_u64().unwrap_or_else(|| panic!("no id in {v}"))
}

fn today() -> NaiveDate {
    chrono::Utc::now()
        .with_timezone(&chrono_tz::Asia::Shanghai)
        .date_naive()
}

fn day(n: i64) -> String {
    (today() + Duration::days(n)).to_string()
}

async fn customer(c: &Client, name: &str) -> u64 {
    id(&ok(
        c,
        Method::POST,
        "/api/v1/customers",
        json!({"name": name, "country": "DE"}),
    )
    .await)
}

/// An order of 100 × 10 CNY: 30 % deposit on the order date, 70 % 15 days after the B/L.
async fn order(
    c: &Client,
    customer: u64,
    date: &str,
    promised: Option<&str>,
    extra: Value,
) -> Value {
    let mut body = json!({"customer_id": customer, "currency": "CNY", "order_date": date,
    "lines": [{"description": "Lamp", "quantity": "100", "unit_price": "10"}],
    "terms": [
        {"label_zh": "定金", "label_en": "Deposit", "percent": "30", "method": "tt", "anchor": "order_date", "days": 0},
        {"label_zh": "尾款", "label_en": "Balance", "percent": "70", "method": "tt", "anchor": "bl_date", "days": 15}
    ]});
    if let Some(p) = promised {
        body["promised_date"] = json!(p);
    }
    for (k, v) in extra.as_object().cloned().unwrap_or_default() {
        body[k] = v;
    }
    ok(c, Method::POST, "/api/v1/orders", body).await
}

/// The node line of an order as `key → (done on, how)`.
async fn states(c: &Client, order: u64) -> Vec<(String, Option<String>, Option<String>)> {
    let o = c.get(&format!("/api/v1/orders/{order}")).await;
    o["nodes"]["nodes"]
        .as_array()
        .unwrap_or_else(|| panic!("no nodes in {o}"))
        .iter()
        .map(|n| {
            (
                n["key"].as_str().unwrap().to_string(),
                n["done_on"].as_str().map(str::to_string),
                n["how"].as_str().map(str::to_string),
            )
        })
        .collect()
}

async fn node(c: &Client, order: u64, key: &str) -> Value {
    let o = c.get(&format!("/api/v1/orders/{order}")).await;
    o["nodes"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["key"] == key)
        .cloned()
        .unwrap_or_else(|| panic!("no node {key} in {o}"))
}

fn event(s: &TestServer, order: u64, e: OrderEvent, on: &str) {
    let on: NaiveDate = on.parse().unwrap();
    s.kontor()
        .store
        .write(move |tx| order_events::happened(tx, order, e, on))
        .unwrap();
}

async fn receipt(c: &Client, customer: u64, amount: &str, date: &str) -> Value {
    let (status, v) = c
        .send(
            Method::POST,
            "/api/v1/receipts",
            Some(json!({"customer_id": customer, "amount": {"amount": amount, "currency": "CNY"}, "date": date})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    v
}

/// Step by step, what completes and re-opens which node: each row is an action and the nodes
/// done after it (key, how).
#[tokio::test(flavor = "multi_thread")]
async fn events_complete_and_reopen_nodes() {
    let (s, admin) = TestServer::with_admin().await;
    let cid = customer(&admin, "Node Events GmbH").await;
    let o = order(&admin, cid, &day(-20), Some(&day(40)), json!({})).await;
    let oid = id(&o);
    let done = |v: &[(String, Option<String>, Option<String>)]| -> Vec<(String, String)> {
        v.iter()
            .filter_map(|(k, d, h)| {
                d.as_ref()
                    .map(|_| (k.clone(), h.clone().unwrap_or_default()))
            })
            .collect()
    };
    let e = |k: &str| (k.to_string(), "event".to_string());
    // Made: confirmed on its order date.
    assert_eq!(done(&states(&admin, oid).await), vec![e("pi")]);
    assert_eq!(node(&admin, oid, "pi").await["done_on"], day(-20));

    // A receipt for part of the deposit: still open. The rest: done.
    let r1 = receipt(&admin, cid, "100.00", &day(-15)).await;
    let alloc = |r: &Value, inst: u32, amount: &str| {
        let url = format!("/api/v1/receipts/{}/allocations", id(r));
        let body =
            json!({"allocations": [{"order_id": oid, "instalment": inst, "amount": amount}]});
        (url, body)
    };
    let (u, b) = alloc(&r1, 0, "100.00");
    ok(&admin, Method::POST, &u, b).await;
    assert_eq!(
        done(&states(&admin, oid).await),
        vec![e("pi")],
        "deposit partly paid"
    );
    let r2 = receipt(&admin, cid, "200.00", &day(-14)).await;
    let (u, b) = alloc(&r2, 0, "200.00");
    ok(&admin, Method::POST, &u, b).await;
    assert_eq!(
        done(&states(&admin, oid).await),
        vec![e("pi"), e("deposit")]
    );
    assert_eq!(node(&admin, oid, "deposit").await["done_on"], day(-14));

    // Unmatched: re-opened. Matched again: done.
    ok(
        &admin,
        Method::POST,
        &format!("/api/v1/receipts/{}/unallocate", id(&r2)),
        json!({"index": 0}),
    )
    .await;
    assert_eq!(
        done(&states(&admin, oid).await),
        vec![e("pi")],
        "unmatched re-opens"
    );
    let (u, b) = alloc(&r2, 0, "200.00");
    ok(&admin, Method::POST, &u, b).await;
    assert_eq!(
        done(&states(&admin, oid).await),
        vec![e("pi"), e("deposit")]
    );
    // A cancelled receipt re-opens it too.
    ok(
        &admin,
        Method::POST,
        &format!("/api/v1/receipts/{}/cancel", id(&r1)),
        json!({"reason": "wrong"}),
    )
    .await;
    assert_eq!(
        done(&states(&admin, oid).await),
        vec![e("pi")],
        "cancelled re-opens"
    );
    let r3 = receipt(&admin, cid, "100.00", &day(-13)).await;
    let (u, b) = alloc(&r3, 0, "100.00");
    ok(&admin, Method::POST, &u, b).await;

    // In production; logistics reports the B/L; the balance settles the order.
    ok(
        &admin,
        Method::PATCH,
        &format!("/api/v1/orders/{oid}"),
        json!({"status": "in_production"}),
    )
    .await;
    event(&s, oid, OrderEvent::BlIssued, &day(-2));
    let r4 = receipt(&admin, cid, "700.00", &day(-1)).await;
    let (u, b) = alloc(&r4, 1, "700.00");
    ok(&admin, Method::POST, &u, b).await;
    assert_eq!(
        done(&states(&admin, oid).await),
        vec![
            e("pi"),
            e("deposit"),
            e("production"),
            e("bl"),
            e("balance")
        ]
    );
    assert_eq!(node(&admin, oid, "bl").await["done_on"], day(-2));
    // A second B/L event changes nothing; an event never re-opens a node done by hand.
    event(&s, oid, OrderEvent::BlIssued, &day(-1));
    assert_eq!(node(&admin, oid, "bl").await["done_on"], day(-2));
    ok(
        &admin,
        Method::POST,
        &format!("/api/v1/orders/{oid}/nodes/delivered/complete"),
        json!({"note": "by phone"}),
    )
    .await;
    s.kontor()
        .store
        .write(move |tx| order_events::undone(tx, oid, OrderEvent::Delivered))
        .unwrap();
    let d = node(&admin, oid, "delivered").await;
    assert_eq!(
        (d["how"].as_str(), d["note"].as_str()),
        (Some("hand"), Some("by phone"))
    );
}

/// Purchasing: a placed PO for the order buys the materials; goods that pass inspection pass QC.
#[tokio::test(flavor = "multi_thread")]
async fn purchasing_completes_materials_and_qc() {
    let (_s, admin) = TestServer::with_admin().await;
    let cid = customer(&admin, "Node Goods GmbH").await;
    let oid = id(&order(&admin, cid, &day(-20), Some(&day(40)), json!({})).await);
    let wh = id(&ok(&admin, Method::POST, "/api/v1/warehouses",
        json!({"code": "NB", "name": "宁波仓", "location": "domestic", "country": "CN", "main": true})).await);
    let product = id(&ok(&admin, Method::POST, "/api/v1/products",
        json!({"sku": "LAMP-9", "name_en": "Lamp", "prices": [{"amount": "10", "currency": "CNY"}]})).await);
    let supplier = id(&ok(&admin, Method::POST, "/api/v1/suppliers",
        json!({"name": "宁波灯具厂", "country": "CN", "currency": "CNY",
            "contacts": [{"name": "王经理", "email": "wang@example.cn"}],
            "prices": [{"product_id": product, "price": {"amount": "5", "currency": "CNY"}, "lead_days": 10, "moq": "1"}]})).await);
    // A draft changes nothing; confirming it places it.
    let po = ok(
        &admin,
        Method::POST,
        "/api/v1/purchase-orders",
        json!({"supplier_id": supplier, "lines": [{"product_id": product, "quantity": "100"}],
            "order_date": day(-18), "warehouse_id": wh, "sales_order_id": oid}),
    )
    .await;
    assert!(node(&admin, oid, "materials").await["done_on"].is_null());
    let po = ok(
        &admin,
        Method::PATCH,
        &format!("/api/v1/purchase-orders/{}", id(&po)),
        json!({"status": "confirmed", "version": po["version"]}),
    )
    .await;
    assert_eq!(node(&admin, oid, "materials").await["done_on"], day(-18));
    // All rejected: QC still open; some passed: done on the receipt's date.
    let url = format!("/api/v1/purchase-orders/{}/receipts", id(&po));
    ok(&admin, Method::POST, &url, json!({"date": day(-5), "lines": [{"line": 0, "inspected": "10", "passed": "0", "rejected": "10", "reason": "cracked"}]})).await;
    assert!(node(&admin, oid, "qc").await["done_on"].is_null());
    ok(&admin, Method::POST, &url, json!({"date": day(-4), "lines": [{"line": 0, "inspected": "90", "passed": "90", "rejected": "0"}]})).await;
    let qc = node(&admin, oid, "qc").await;
    assert_eq!(
        (qc["done_on"].as_str(), qc["how"].as_str()),
        (Some(day(-4).as_str()), Some("event"))
    );
}

/// Planned dates from a template's anchors and offsets; a template changed later leaves the
/// orders already made as they were; bad templates are refused naming the node.
#[tokio::test(flavor = "multi_thread")]
async fn templates_lay_out_planned_dates() {
    let (s, admin) = TestServer::with_admin().await;
    let (_, rep) = s.user(&admin, "rep.nodes", "sales", &[]).await;
    let templates = admin.get("/api/v1/order-node-templates").await;
    let default = templates["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["is_default"] == true)
        .cloned()
        .unwrap();
    assert_eq!(default["nodes"].as_array().unwrap().len(), 11);
    assert_eq!(default["name"], "Export order");

    let cid = customer(&admin, "Template Layout GmbH").await;
    // (node key, planned) for the default template: order 2026-03-02, promised 2026-05-30.
    let o = order(&admin, cid, "2026-03-02", Some("2026-05-30"), json!({})).await;
    let table = [
        ("pi", Some("2026-03-02")),
        ("deposit", Some("2026-03-09")),
        ("materials", Some("2026-03-12")),
        ("production", Some("2026-03-17")),
        ("qc", Some("2026-05-20")),
        ("booking", Some("2026-05-23")),
        ("loading", Some("2026-05-27")),
        ("bl", Some("2026-05-30")),
        ("balance", Some("2026-06-14")),
        ("delivered", Some("2026-06-29")),
        ("feedback", Some("2026-07-14")),
    ];
    let line = o["nodes"]["nodes"].as_array().unwrap().clone();
    let got: Vec<(String, Option<String>)> = line
        .iter()
        .map(|n| {
            (
                n["key"].as_str().unwrap().to_string(),
                n["planned"].as_str().map(str::to_string),
            )
        })
        .collect();
    let want: Vec<(String, Option<String>)> = table
        .iter()
        .map(|(k, d)| (k.to_string(), d.map(str::to_string)))
        .collect();
    assert_eq!(got, want);
    // The promised date moves: the nodes anchored on it follow.
    let o = ok(
        &admin,
        Method::PATCH,
        &format!("/api/v1/orders/{}", id(&o)),
        json!({"promised_date": "2026-06-09"}),
    )
    .await;
    assert_eq!(o["nodes"]["nodes"][7]["planned"], "2026-06-09");
    assert_eq!(o["nodes"]["nodes"][1]["planned"], "2026-03-09");

    // A template of its own: two nodes, one by hand.
    let custom = json!({"name_zh": "样品单", "name_en": "Sample order", "nodes": [
        {"key": "sample", "name_zh": "寄样", "name_en": "Sample sent", "role": "merchandiser", "anchor": "order_date", "offset_days": 3, "event": null},
        {"key": "ok", "name_zh": "客户确认", "name_en": "Buyer approves", "role": "sales", "anchor": "promised_date", "offset_days": -1, "event": "feedback_received"}]});
    let (status, _) = rep
        .send(
            Method::POST,
            "/api/v1/order-node-templates",
            Some(custom.clone()),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "a rep does not edit templates"
    );
    let mut bad = custom.clone();
    bad["nodes"][1]["role"] = json!("wizard");
    let (status, e) = admin
        .send(Method::POST, "/api/v1/order-node-templates", Some(bad))
        .await;
    assert_eq!(
        (status, e["error"]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("nodes[1].role")),
        "{e}"
    );
    let t = ok(&admin, Method::POST, "/api/v1/order-node-templates", custom).await;
    let o2 = order(
        &admin,
        cid,
        "2026-03-02",
        Some("2026-04-01"),
        json!({"node_template_id": id(&t)}),
    )
    .await;
    let n = &o2["nodes"];
    assert_eq!(n["template_name"], "Sample order");
    assert_eq!(
        (
            n["nodes"][0]["planned"].as_str(),
            n["nodes"][1]["planned"].as_str()
        ),
        (Some("2026-03-05"), Some("2026-03-31"))
    );
    // The template changes: the order keeps its nodes.
    ok(&admin, Method::PATCH, &format!("/api/v1/order-node-templates/{}", id(&t)),
        json!({"nodes": [{"key": "x", "name_zh": "新", "name_en": "New", "role": "sales", "anchor": "order_date", "offset_days": 0, "event": null}]})).await;
    let again = admin.get(&format!("/api/v1/orders/{}", id(&o2))).await;
    assert_eq!(again["nodes"]["nodes"].as_array().unwrap().len(), 2);
    assert_eq!(again["nodes"]["nodes"][0]["key"], "sample");
    // An unknown template is refused naming the field; nothing is written.
    let before = admin.get("/api/v1/orders").await["total"].clone();
    let lines = json!([{"description": "Lamp", "quantity": "1", "unit_price": "10"}]);
    let (status, e) = admin.send(Method::POST, "/api/v1/orders", Some(json!({"customer_id": cid, "currency": "CNY",
        "lines": lines, "terms_id": null, "terms": [{"label_zh": "全款", "label_en": "Full", "percent": "100", "method": "tt", "anchor": "order_date", "days": 0}],
        "node_template_id": 999_999}))).await;
    assert_eq!(
        (status, e["error"]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("node_template_id")),
        "{e}"
    );
    assert_eq!(admin.get("/api/v1/orders").await["total"], before);
    // Chinese names for a Chinese reader.
    let zh = s.client().zh();
    zh.login("admin", crate::common::ADMIN_PASSWORD).await;
    let o = zh.get(&format!("/api/v1/orders/{}", id(&o2))).await;
    assert_eq!(
        (
            o["nodes"]["template_name"].as_str(),
            o["nodes"]["nodes"][0]["name"].as_str()
        ),
        (Some("样品单"), Some("寄样"))
    );
}

/// Late nodes: told to the responsible role's users who read the order and to its owner, once
/// per node per day, in each reader's language; the job reads the index of open nodes.
#[tokio::test(flavor = "multi_thread")]
async fn late_nodes_are_told_once_a_day() {
    let (s, admin) = TestServer::with_admin().await;
    let (rep_id, rep) = s.user(&admin, "rep.late", "sales", &[]).await;
    let (_, finance) = s.user(&admin, "fin.late", "finance", &[]).await;
    let (_, buyer) = s.user(&admin, "buy.late", "buyer", &[]).await;
    let (_, other) = s.user(&admin, "rep.other", "sales", &[]).await;
    let cid = customer(&rep, "Late Node SARL").await;
    // Ordered 12 days ago, nothing paid or bought: deposit (day 7) and materials (day 10) late,
    // production (day 15) not yet; nodes on the promised date have no date.
    let o = order(&rep, cid, &day(-12), None, json!({})).await;
    let oid = id(&o);
    // (key, late days) on the order page.
    let table = [
        ("pi", 0),
        ("deposit", 5),
        ("materials", 2),
        ("production", 0),
        ("bl", 0),
    ];
    for (key, late) in table {
        let n = node(&rep, oid, key).await;
        assert_eq!(
            (n["late_days"].as_i64(), n["late"].as_bool()),
            (Some(late), Some(late > 0)),
            "{key}: {n}"
        );
    }
    assert_eq!(
        rep.get(&format!("/api/v1/orders/{oid}")).await["nodes"]["late"],
        2
    );
    // A cancelled order's nodes are never late: another order shows it.
    let gone = order(&rep, cid, &day(-30), None, json!({})).await;
    ok(
        &rep,
        Method::PATCH,
        &format!("/api/v1/orders/{}", id(&gone)),
        json!({"status": "cancelled"}),
    )
    .await;

    let k = s.kontor();
    let at = |d: i64| {
        format!("{}T02:00:00Z", day(d))
            .parse::<chrono::DateTime<chrono::Utc>>()
            .unwrap()
    };
    let told = |c: &Client| {
        let c = c.clone();
        async move {
            let n = c.get("/api/v1/notifications").await;
            n["items"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|x| x["kind"] == "node_late")
                .map(|x| x["text"].as_str().unwrap().to_string())
                .collect::<Vec<_>>()
        }
    };
    kontor::domain::sales::nodes::late(&k, at(0)).unwrap();
    kontor::domain::sales::nodes::late(&k, at(0)).unwrap();
    let rep_told = told(&rep).await;
    assert_eq!(
        rep_told.len(),
        2,
        "the owner hears of both late nodes, once: {rep_told:?}"
    );
    let number = o["number"].as_str().unwrap();
    assert!(
        rep_told.iter().any(|t| t.contains(number)
            && t.contains("Deposit received")
            && t.contains("5 days late")),
        "{rep_told:?}"
    );
    let fin = told(&finance).await;
    assert_eq!(fin.len(), 1, "finance: the deposit only: {fin:?}");
    assert!(fin[0].contains("Deposit received"));
    assert_eq!(told(&buyer).await.len(), 1, "the buyer: materials only");
    assert!(told(&other).await.is_empty(), "another rep is not told");
    // The next day: once more each; deposit paid in between is no longer told.
    let r = receipt(&admin, cid, "300.00", &day(0)).await;
    ok(
        &admin,
        Method::POST,
        &format!("/api/v1/receipts/{}/allocations", id(&r)),
        json!({"allocations": [{"order_id": oid, "instalment": 0, "amount": "300.00"}]}),
    )
    .await;
    kontor::domain::sales::nodes::late(&k, at(1)).unwrap();
    assert_eq!(told(&rep).await.len(), 3);
    assert_eq!(told(&finance).await.len(), 1);
    // A Chinese reader reads it in Chinese.
    let zh = s.client().zh();
    zh.login("rep.late", "user-pass-1").await;
    let n = zh.get("/api/v1/notifications").await;
    let text = n["items"][0]["text"].as_str().unwrap();
    assert!(text.contains("原料采购") && text.contains("逾期"), "{text}");
    let _ = rep_id;
}

/// Completing by hand: the node's role, the owner or a manager; a reader who is none of them
/// gets 403, someone who cannot read the order 404. Re-opening keeps the history in the audit.
/// The board holds every open order the caller reads, by current node, and moves with it.
#[tokio::test(flavor = "multi_thread")]
async fn by_hand_permissions_and_the_board() {
    let (s, admin) = TestServer::with_admin().await;
    let (_, rep) = s.user(&admin, "rep.a", "sales", &[]).await;
    let (_, rep_b) = s.user(&admin, "rep.b", "sales", &[]).await;
    let (_, logistics) = s.user(&admin, "log.a", "logistics", &[]).await;
    let (_, manager) = s.user(&admin, "boss", "manager", &[]).await;
    let cid = customer(&rep, "Board Owner AG").await;
    let oid = id(&order(&rep, cid, &day(-3), Some(&day(60)), json!({})).await);
    let cid_b = customer(&rep_b, "Other Rep Ltd").await;
    let oid_b = id(&order(&rep_b, cid_b, &day(-3), Some(&day(60)), json!({})).await);
    let complete = |key: &str| format!("/api/v1/orders/{oid}/nodes/{key}/complete");

    // Who may complete "deposit" (finance's node) by hand.
    let table: [(&Client, &str, StatusCode); 4] = [
        (
            &rep_b,
            "another rep: cannot read the order",
            StatusCode::NOT_FOUND,
        ),
        (
            &logistics,
            "reads the order, not its role",
            StatusCode::FORBIDDEN,
        ),
        (&rep, "the owner", StatusCode::OK),
        (&manager, "already done", StatusCode::CONFLICT),
    ];
    for (c, why, want) in table {
        let (status, v) = c
            .send(
                Method::POST,
                &complete("deposit"),
                Some(json!({"note": "paid in cash"})),
            )
            .await;
        assert_eq!(status, want, "{why}: {v}");
    }
    // Logistics completes its own node (booking) though it does not own the order.
    let line = ok(
        &logistics,
        Method::POST,
        &complete("booking"),
        json!({"note": "SO 123"}),
    )
    .await;
    let booking = line["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["key"] == "booking")
        .cloned()
        .unwrap();
    assert_eq!(
        (
            booking["how"].as_str(),
            booking["done_by_name"].as_str(),
            booking["note"].as_str()
        ),
        (Some("hand"), Some("log.a"), Some("SO 123"))
    );
    // A future date and a stale version are refused.
    let (status, e) = rep
        .send(
            Method::POST,
            &complete("materials"),
            Some(json!({"date": day(2)})),
        )
        .await;
    assert_eq!(
        (status, e["error"]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("date"))
    );
    let (status, _) = rep
        .send(
            Method::POST,
            &complete("materials"),
            Some(json!({"version": 1})),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    // Re-opened by the manager: open again, the completion stays in the audit.
    ok(
        &manager,
        Method::POST,
        &format!("/api/v1/orders/{oid}/nodes/booking/reopen"),
        json!({"note": "wrong vessel"}),
    )
    .await;
    assert!(node(&rep, oid, "booking").await["done_on"].is_null());
    let audit = admin.get("/api/v1/audit?kind=order_nodes").await;
    let text = audit.to_string();
    assert!(
        text.contains("SO 123") && text.contains("wrong vessel"),
        "{text}"
    );

    // The board: a rep sees their own order only; the manager sees both.
    let cards = |b: &Value| -> Vec<(String, u64)> {
        b["columns"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|c| {
                c["cards"].as_array().unwrap().iter().map(move |x| {
                    (
                        c["key"].as_str().unwrap().to_string(),
                        x["order_id"].as_u64().unwrap(),
                    )
                })
            })
            .collect()
    };
    let b = rep.get("/api/v1/orders/board").await;
    assert_eq!(cards(&b), vec![("materials".to_string(), oid)], "{b}");
    assert_eq!(b["total"], 1);
    assert!(!b.to_string().contains("Other Rep Ltd"));
    let b = rep_b.get("/api/v1/orders/board").await;
    assert_eq!(cards(&b), vec![("deposit".to_string(), oid_b)]);
    let b = manager.get("/api/v1/orders/board").await;
    let mut got = cards(&b);
    got.sort();
    assert_eq!(
        got,
        vec![
            ("deposit".to_string(), oid_b),
            ("materials".to_string(), oid)
        ]
    );
    let deposit = b["columns"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["key"] == "deposit")
        .cloned()
        .unwrap();
    assert_eq!(
        (
            deposit["total"].as_u64(),
            deposit["cards"][0]["customer_name"].as_str()
        ),
        (Some(1), Some("Other Rep Ltd"))
    );
    // The order moves column when its node is done; one column pages on its own.
    ok(&rep, Method::POST, &complete("materials"), json!({})).await;
    let b = manager
        .get("/api/v1/orders/board?column=production&per_page=1")
        .await;
    assert_eq!(cards(&b), vec![("production".to_string(), oid)]);
    assert_eq!(b["columns"].as_array().unwrap().len(), 1);
    // A completed order leaves the board.
    ok(
        &rep,
        Method::PATCH,
        &format!("/api/v1/orders/{oid}"),
        json!({"status": "completed"}),
    )
    .await;
    assert!(
        cards(&manager.get("/api/v1/orders/board").await)
            .iter()
            .all(|(_, o)| *o != oid)
    );
    let (status, _) = rep
        .send(Method::POST, &complete("production"), Some(json!({})))
        .await;
    assert_eq!(
        status,
        StatusCode::CONFLICT,
        "a completed order's nodes are no longer followed"
    );
    // Someone who reads no sales gets 403 for the board.
    let (_, wh) = s.user(&admin, "wh.a", "warehouse", &[]).await;
    let (status, _) = wh.send(Method::GET, "/api/v1/orders/board", None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}
