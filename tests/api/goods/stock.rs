//! Stock: moves and the balances they leave, reservations of orders, transfers, refusals that
//! write nothing, and the ledger against its balances after random moves.

use std::collections::BTreeMap;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use super::{goods, id, ok, s};
use crate::common::{Client, code};

#[tokio::test(flavor = "multi_thread")]
async fn stock_follows_receipts_reservations_shipments_cancellations_transfers_and_returns() {
    let g = goods().await;
    let c = g.customer().await;
    let lamp = g.p("LAMP-1");
    // (step, then LAMP-1 in NB and in LA as on hand, reserved, available, in transit).
    g.mv(json!({"type": "receipt", "product_id": lamp, "warehouse_id": g.nb, "quantity": "300"}))
        .await;
    g.mv(json!({"type": "receipt", "product_id": lamp, "warehouse_id": g.la, "quantity": "150"}))
        .await;
    assert_eq!(
        g.figures("LAMP-1", g.nb).await[..4],
        [s("300"), s("0"), s("300"), s("0")]
    );

    // A confirmed order reserves: NB (main) first, then LA.
    let o1 = g.order(c, &[("LAMP-1", "400")], None).await;
    assert_eq!(
        g.figures("LAMP-1", g.nb).await[..3],
        [s("300"), s("300"), s("0")]
    );
    assert_eq!(
        g.figures("LAMP-1", g.la).await[..3],
        [s("150"), s("100"), s("50")]
    );

    // Shipping 250 of it from NB consumes its reservation there.
    let (status, v) = g
        .mv(
            json!({"type": "shipment", "product_id": lamp, "warehouse_id": g.nb,
        "quantity": "250", "order_id": id(&o1)}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    assert_eq!(v["source"]["label"], o1["number"]);
    assert_eq!(
        g.figures("LAMP-1", g.nb).await[..3],
        [s("50"), s("50"), s("0")]
    );

    // Another shipment without an order may not take what is reserved.
    let (status, v) = g
        .mv(json!({"type": "shipment", "product_id": lamp, "warehouse_id": g.nb, "quantity": "1"}))
        .await;
    assert_eq!(
        (status, code(&v), v["error"]["field"].as_str()),
        (StatusCode::CONFLICT, "conflict", Some("quantity"))
    );
    assert!(
        v["error"]["message"].as_str().unwrap().contains("LAMP-1"),
        "{v}"
    );
    assert!(
        v["error"]["message"].as_str().unwrap().contains("NB"),
        "{v}"
    );

    // Cancelling the order releases what is still reserved (50 in NB, 100 in LA).
    ok(
        &g.admin,
        Method::PATCH,
        &format!("/api/v1/orders/{}", id(&o1)),
        json!({"status": "cancelled"}),
    )
    .await;
    assert_eq!(
        g.figures("LAMP-1", g.nb).await[..3],
        [s("50"), s("0"), s("50")]
    );
    assert_eq!(
        g.figures("LAMP-1", g.la).await[..3],
        [s("150"), s("0"), s("150")]
    );

    // A transfer NB → LA: out of NB at once, in transit to LA until received.
    let t = ok(&g.admin, Method::POST, "/api/v1/stock-transfers",
        json!({"from_warehouse_id": g.nb, "to_warehouse_id": g.la, "mode": "air", "date": "2026-03-10",
            "lines": [{"product_id": lamp, "quantity": "40"}]})).await;
    assert_eq!(
        (t["status"].as_str(), t["expected_on"].as_str()),
        (Some("in_transit"), Some("2026-03-15"))
    );
    assert_eq!(
        g.figures("LAMP-1", g.nb).await[..4],
        [s("10"), s("0"), s("10"), s("0")]
    );
    assert_eq!(
        g.figures("LAMP-1", g.la).await[..4],
        [s("150"), s("0"), s("150"), s("40")]
    );
    let url = format!("/api/v1/stock-transfers/{}/receive", id(&t));
    ok(&g.admin, Method::POST, &url, json!({"date": "2026-03-14"})).await;
    assert_eq!(
        g.figures("LAMP-1", g.la).await[..4],
        [s("190"), s("0"), s("190"), s("0")]
    );
    let (status, v) = g.admin.send(Method::POST, &url, Some(json!({}))).await;
    assert_eq!(
        (status, code(&v)),
        (StatusCode::CONFLICT, "conflict"),
        "received twice"
    );

    // A customer's return and a stock-take adjustment out.
    g.mv(json!({"type": "return", "product_id": lamp, "warehouse_id": g.nb, "quantity": "5", "order_id": id(&o1)})).await;
    g.mv(json!({"type": "adjustment", "direction": "out", "product_id": lamp, "warehouse_id": g.nb, "quantity": "3"})).await;
    assert_eq!(
        g.figures("LAMP-1", g.nb).await[..3],
        [s("12"), s("0"), s("12")]
    );

    // A new order reserves what there is, and a change of its lines moves the reservation.
    let o2 = g.order(c, &[("LAMP-1", "20")], None).await;
    assert_eq!(
        g.figures("LAMP-1", g.nb).await[..3],
        [s("12"), s("12"), s("0")]
    );
    assert_eq!(
        g.figures("LAMP-1", g.la).await[..3],
        [s("190"), s("8"), s("182")]
    );
    ok(
        &g.admin,
        Method::PATCH,
        &format!("/api/v1/orders/{}", id(&o2)),
        json!({"lines": [{"product_id": lamp, "quantity": "5", "unit_price": "20"}]}),
    )
    .await;
    assert_eq!(
        g.figures("LAMP-1", g.nb).await[..3],
        [s("12"), s("5"), s("7")]
    );
    assert_eq!(
        g.figures("LAMP-1", g.la).await[..3],
        [s("190"), s("0"), s("190")]
    );
    // Deleting the order releases too.
    let (status, v) = g
        .admin
        .send(Method::DELETE, &format!("/api/v1/orders/{}", id(&o2)), None)
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{v}");
    assert_eq!(
        g.figures("LAMP-1", g.nb).await[..3],
        [s("12"), s("0"), s("12")]
    );

    // Every move is in the ledger with its actor; the balances are its sum.
    let moves = g
        .admin
        .get(&format!(
            "/api/v1/stock-moves?product_id={lamp}&per_page=200"
        ))
        .await;
    let types: Vec<&str> = moves["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["type"].as_str().unwrap())
        .collect();
    for t in [
        "receipt",
        "reserve",
        "shipment",
        "release",
        "transfer_out",
        "transfer_in",
        "return",
        "adjustment",
    ] {
        assert!(types.contains(&t), "{t} in {types:?}");
    }
    assert_eq!(moves["items"][0]["actor"], "周海燕");
    assert_eq!(ledger_problems(&g.admin).await, Vec::<String>::new());
}

/// Sums the ledger as the API lists it and compares it with `/stock`.
async fn ledger_problems(admin: &Client) -> Vec<String> {
    let mut sum: BTreeMap<(u64, u64), [f64; 3]> = BTreeMap::new();
    let mut page = 1;
    loop {
        let v = admin
            .get(&format!("/api/v1/stock-moves?per_page=200&page={page}"))
            .await;
        let items = v["items"].as_array().unwrap();
        for m in items {
            let q: f64 = m["quantity"].as_str().unwrap().parse().unwrap();
            let (p, w) = (
                m["product_id"].as_u64().unwrap(),
                m["warehouse_id"].as_u64().unwrap(),
            );
            let mut add = |w: u64, i: usize, d: f64| sum.entry((p, w)).or_default()[i] += d;
            match m["type"].as_str().unwrap() {
                "receipt" | "return" => add(w, 0, q),
                "shipment" => add(w, 0, -q),
                "adjustment" if m["outward"] == true => add(w, 0, -q),
                "adjustment" => add(w, 0, q),
                "transfer_out" => {
                    add(w, 0, -q);
                    add(m["to_warehouse_id"].as_u64().unwrap(), 2, q);
                }
                "transfer_in" => {
                    add(w, 0, q);
                    add(w, 2, -q);
                }
                "reserve" => add(w, 1, q),
                "release" => add(w, 1, -q),
                t => panic!("unknown move {t}"),
            }
        }
        if items.len() < 200 {
            break;
        }
        page += 1;
    }
    let mut problems = Vec::new();
    let rows = admin.get("/api/v1/stock").await;
    let mut seen = 0;
    for r in rows.as_array().unwrap() {
        let key = (
            r["product_id"].as_u64().unwrap(),
            r["warehouse_id"].as_u64().unwrap(),
        );
        let f = |k: &str| r[k].as_str().unwrap().parse::<f64>().unwrap();
        let want = sum.get(&key).copied().unwrap_or_default();
        let got = [f("on_hand"), f("reserved"), f("in_transit")];
        if sum.contains_key(&key) {
            seen += 1;
        }
        if want.iter().zip(got).any(|(a, b)| (a - b).abs() > 1e-9) {
            problems.push(format!("{key:?}: ledger {want:?}, stock {got:?}"));
        }
        if (f("available") - (got[0] - got[1])).abs() > 1e-9 {
            problems.push(format!("{key:?}: available is not on hand − reserved"));
        }
    }
    if seen != sum.len() {
        problems.push(format!("{} ledger keys, {seen} in /stock", sum.len()));
    }
    problems
}

/// A small seeded PRNG (xorshift64*), so a failure can be replayed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn balances_equal_the_sum_of_the_ledger_after_random_moves() {
    let g = goods().await;
    let c = g.customer().await;
    let skus = ["LAMP-1", "CHAIR-2", "DESK-3"];
    let whs = [g.nb, g.la];
    let mut rng = Rng(0x5eed_1234_abcd_0001);
    let (mut accepted, mut refused) = (0, 0);
    let mut orders: Vec<u64> = Vec::new();
    let mut transfers: Vec<u64> = Vec::new();
    for step in 0..400 {
        let sku = skus[rng.below(3) as usize];
        let w = whs[rng.below(2) as usize];
        let q = (1 + rng.below(60)).to_string();
        let p = g.p(sku);
        let (status, v) = match rng.below(9) {
            0 | 1 => g.mv(json!({"type": "receipt", "product_id": p, "warehouse_id": w, "quantity": q})).await,
            2 => g.mv(json!({"type": "shipment", "product_id": p, "warehouse_id": w, "quantity": q,
                "order_id": orders.last()})).await,
            3 => g.mv(json!({"type": "adjustment", "direction": if rng.below(2) == 0 { "in" } else { "out" },
                "product_id": p, "warehouse_id": w, "quantity": q})).await,
            4 => g.mv(json!({"type": "return", "product_id": p, "warehouse_id": w, "quantity": q})).await,
            5 => {
                let o = g.order(c, &[(sku, &q)], None).await;
                orders.push(id(&o));
                (StatusCode::CREATED, o)
            }
            6 if !orders.is_empty() => {
                let o = orders.remove(rng.below(orders.len() as u64) as usize);
                g.admin.send(Method::PATCH, &format!("/api/v1/orders/{o}"), Some(json!({"status": "cancelled"}))).await
            }
            7 => {
                let to = if w == g.nb { g.la } else { g.nb };
                let (status, t) = g.admin.send(Method::POST, "/api/v1/stock-transfers", Some(json!({
                    "from_warehouse_id": w, "to_warehouse_id": to, "lines": [{"product_id": p, "quantity": q}]}))).await;
                if status.is_success() {
                    transfers.push(id(&t));
                }
                (status, t)
            }
            _ if !transfers.is_empty() => {
                let t = transfers.remove(0);
                g.admin.send(Method::POST, &format!("/api/v1/stock-transfers/{t}/receive"), Some(json!({}))).await
            }
            _ => continue,
        };
        assert!(!status.is_server_error(), "step {step}: {status} {v}");
        if status.is_success() {
            accepted += 1;
        } else {
            assert_eq!(status, StatusCode::CONFLICT, "step {step}: {v}");
            refused += 1;
        }
        if step % 100 == 99 {
            assert_eq!(
                ledger_problems(&g.admin).await,
                Vec::<String>::new(),
                "after step {step}"
            );
        }
    }
    assert!(
        accepted > 200 && refused > 5,
        "{accepted} accepted, {refused} refused"
    );
    assert_eq!(ledger_problems(&g.admin).await, Vec::<String>::new());
    // The store's own check agrees (kept balances against the ledger).
    let k = g.s.kontor();
    let problems = k.store.read(kontor::domain::goods::stock::verify).unwrap();
    assert_eq!(problems, Vec::<String>::new());
    // Nothing went negative.
    for r in g.admin.get("/api/v1/stock").await.as_array().unwrap() {
        for f in ["on_hand", "reserved", "available", "in_transit"] {
            assert!(!r[f].as_str().unwrap().starts_with('-'), "{r}");
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_input_is_refused_naming_the_field_and_writes_nothing() {
    let g = goods().await;
    let (lamp, desk) = (g.p("LAMP-1"), g.p("DESK-3"));
    g.mv(json!({"type": "receipt", "product_id": lamp, "warehouse_id": g.la, "quantity": "10"}))
        .await;
    let before = g.admin.get("/api/v1/stock").await;
    let moves_before = g.admin.get("/api/v1/stock-moves").await["total"].clone();
    let cases: Vec<(&str, &str, Value, StatusCode, &str)> = vec![
        (
            "POST",
            "/api/v1/stock-moves",
            json!({"type": "receipt", "product_id": lamp, "warehouse_id": g.nb, "quantity": "-5"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "quantity",
        ),
        (
            "POST",
            "/api/v1/stock-moves",
            json!({"type": "receipt", "product_id": lamp, "warehouse_id": g.nb, "quantity": "0"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "quantity",
        ),
        (
            "POST",
            "/api/v1/stock-moves",
            json!({"type": "receipt", "product_id": lamp, "warehouse_id": 999, "quantity": "5"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "warehouse_id",
        ),
        (
            "POST",
            "/api/v1/stock-moves",
            json!({"type": "receipt", "product_id": 999, "warehouse_id": g.nb, "quantity": "5"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "product_id",
        ),
        (
            "POST",
            "/api/v1/stock-moves",
            json!({"type": "shipment", "product_id": lamp, "warehouse_id": g.nb, "quantity": "5"}),
            StatusCode::CONFLICT,
            "quantity",
        ),
        (
            "POST",
            "/api/v1/stock-moves",
            json!({"type": "receipt", "direction": "out", "product_id": lamp, "warehouse_id": g.nb, "quantity": "5"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "direction",
        ),
        // Reservations are made by orders, not by hand.
        (
            "POST",
            "/api/v1/stock-moves",
            json!({"type": "reserve", "product_id": lamp, "warehouse_id": g.nb, "quantity": "5"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "type",
        ),
        // A transfer from a warehouse without the stock: the first line fits, the second does not.
        (
            "POST",
            "/api/v1/stock-transfers",
            json!({"from_warehouse_id": g.la, "to_warehouse_id": g.nb,
            "lines": [{"product_id": lamp, "quantity": "4"}, {"product_id": desk, "quantity": "1"}]}),
            StatusCode::CONFLICT,
            "lines[1].quantity",
        ),
        (
            "POST",
            "/api/v1/stock-transfers",
            json!({"from_warehouse_id": g.la, "to_warehouse_id": g.la,
            "lines": [{"product_id": lamp, "quantity": "4"}]}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "to_warehouse_id",
        ),
        (
            "POST",
            "/api/v1/stock-transfers",
            json!({"from_warehouse_id": g.la, "to_warehouse_id": g.nb,
            "lines": [{"product_id": lamp, "quantity": "-4"}]}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "lines[0].quantity",
        ),
        (
            "POST",
            "/api/v1/warehouses",
            json!({"code": "SZ", "name": "Shenzhen", "location": "overseas", "main": true}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "main",
        ),
        (
            "POST",
            "/api/v1/warehouses",
            json!({"code": "SH", "name": "Shanghai", "location": "domestic", "main": true}),
            StatusCode::CONFLICT,
            "main",
        ),
        (
            "POST",
            "/api/v1/warehouses",
            json!({"code": "NB", "name": "again", "location": "domestic"}),
            StatusCode::CONFLICT,
            "code",
        ),
        (
            "PUT",
            "/api/v1/inventory-settings",
            json!({"allow_negative": false, "over_receipt_percent": "-1"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "over_receipt_percent",
        ),
    ];
    for (method, path, body, status, field) in cases {
        let (got, err) = g
            .admin
            .send(method.parse().unwrap(), path, Some(body.clone()))
            .await;
        assert_eq!(
            (got, err["error"]["field"].as_str()),
            (status, Some(field)),
            "{path} {body}: {err}"
        );
        assert!(!err["error"]["message"].as_str().unwrap_or("").is_empty());
    }
    let (_, err) = g
        .admin
        .clone()
        .zh()
        .send(
            Method::POST,
            "/api/v1/stock-transfers",
            Some(json!({"from_warehouse_id": g.la, "to_warehouse_id": g.nb,
        "lines": [{"product_id": desk, "quantity": "1"}]})),
        )
        .await;
    assert_eq!(
        err["error"]["message"],
        "库存不足：DESK-3 在 LA 可用 0，不能出库/预留 1。"
    );
    assert_eq!(
        g.admin.get("/api/v1/stock").await,
        before,
        "nothing half-written"
    );
    assert_eq!(
        g.admin.get("/api/v1/stock-moves").await["total"],
        moves_before
    );
    assert_eq!(g.admin.get("/api/v1/stock-transfers").await["total"], 0);

    // The admin may allow negative stock; then the shipment goes through.
    ok(
        &g.admin,
        Method::PUT,
        "/api/v1/inventory-settings",
        json!({"allow_negative": true, "over_receipt_percent": "5"}),
    )
    .await;
    ok(
        &g.admin,
        Method::POST,
        "/api/v1/stock-moves",
        json!({"type": "shipment", "product_id": desk, "warehouse_id": g.nb, "quantity": "5"}),
    )
    .await;
    assert_eq!(
        g.figures("DESK-3", g.nb).await[..3],
        [s("-5"), s("0"), s("-5")]
    );
    // A warehouse with moves stays (it can be made inactive).
    let (status, v) = g
        .admin
        .send(
            Method::DELETE,
            &format!("/api/v1/warehouses/{}", g.nb),
            None,
        )
        .await;
    assert_eq!((status, code(&v)), (StatusCode::CONFLICT, "conflict"));
}
