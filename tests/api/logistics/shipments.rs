//! Shipments: quantities against the order, the stock they move, packing, refusals.

use reqwest::{Method, StatusCode};
use serde_json::json;

use super::{act, shipment, stocked};
use crate::common::code;
use crate::goods::{id, ok, s};

/// (step, then LAMP-1 in NB and LA as on hand, reserved, available): a partial shipment,
/// more than is left refused naming the line, the rest from the other warehouse, a
/// cancellation putting goods back, and the ledger equal to the balances after each.
#[tokio::test(flavor = "multi_thread")]
async fn shipments_move_stock_consume_reservations_and_cancelling_returns_it() {
    let g = stocked().await;
    let c = g.customer().await;
    let o = g
        .order(c, &[("LAMP-1", "400"), ("CHAIR-2", "100")], None)
        .await;
    let order = id(&o);
    let lamp = |nb: [&str; 3], la: [&str; 3]| (nb.map(s), la.map(s));
    let figures = || async {
        let nb = g.figures("LAMP-1", g.nb).await;
        let la = g.figures("LAMP-1", g.la).await;
        (
            [nb[0].clone(), nb[1].clone(), nb[2].clone()],
            [la[0].clone(), la[1].clone(), la[2].clone()],
        )
    };
    let ledger_ok = || {
        let k = g.s.kontor();
        let problems = k.store.read(kontor::domain::goods::stock::verify).unwrap();
        assert!(problems.is_empty(), "{problems:?}");
    };
    // The order reserves NB first (300), then LA (100).
    assert_eq!(
        figures().await,
        lamp(["300", "300", "0"], ["150", "100", "50"])
    );

    // 250 of line 1 from NB: planned, nothing moves yet.
    let sh1 = shipment(
        &g,
        json!({"order_id": order, "warehouse_id": g.nb, "mode": "sea",
        "lines": [{"order_line": 0, "quantity": "250"}]}),
    )
    .await;
    assert_eq!(
        (
            sh1["status"].as_str(),
            sh1["number"].as_str().map(|n| n.starts_with("SH-"))
        ),
        (Some("planned"), Some(true))
    );
    assert_eq!(
        figures().await,
        lamp(["300", "300", "0"], ["150", "100", "50"])
    );

    // Shipping it: 250 leave NB, consuming the order's reservation there.
    let shipped = act(&g, &sh1, "ship", json!({"date": "2026-03-20"})).await;
    assert_eq!(
        (shipped["status"].as_str(), shipped["atd"].as_str()),
        (Some("shipped"), Some("2026-03-20"))
    );
    assert_eq!(
        figures().await,
        lamp(["50", "50", "0"], ["150", "100", "50"])
    );
    ledger_ok();

    // More than is left of line 1 (150) is refused, naming the line; nothing is written.
    let (status, v) = g
        .admin
        .send(
            Method::POST,
            "/api/v1/shipments",
            Some(json!({"order_id": order,
        "lines": [{"order_line": 1, "quantity": "10"}, {"order_line": 0, "quantity": "151"}]})),
        )
        .await;
    assert_eq!(
        (status, code(&v), v["error"]["field"].as_str()),
        (StatusCode::CONFLICT, "conflict", Some("lines[1].quantity")),
        "{v}"
    );
    let msg = v["error"]["message"].as_str().unwrap();
    assert!(
        msg.contains("LAMP-1") && msg.contains("150") && msg.contains("line 1"),
        "{msg}"
    );
    let (_, zh) = g
        .admin
        .clone()
        .zh()
        .send(
            Method::POST,
            "/api/v1/shipments",
            Some(json!({"order_id": order,
        "lines": [{"order_line": 0, "quantity": "151"}]})),
        )
        .await;
    assert!(
        zh["error"]["message"].as_str().unwrap().contains("未出运"),
        "{zh}"
    );
    // A line the order lacks, a negative quantity: named too.
    for (lines, field) in [
        (json!([{"order_line": 5}]), "lines[0].order_line"),
        (
            json!([{"order_line": 0, "quantity": "-1"}]),
            "lines[0].quantity",
        ),
        (
            json!([{"order_line": 0}, {"order_line": 0}]),
            "lines[1].order_line",
        ),
    ] {
        let (status, v) = g
            .admin
            .send(
                Method::POST,
                "/api/v1/shipments",
                Some(json!({"order_id": order, "lines": lines})),
            )
            .await;
        assert_eq!(
            (status.is_client_error(), v["error"]["field"].as_str()),
            (true, Some(field)),
            "{v}"
        );
    }
    let list = g
        .admin
        .get(&format!("/api/v1/shipments?order_id={order}"))
        .await;
    assert_eq!(list["total"], 1, "nothing half-written: {list}");

    // The rest of line 1 from NB, where only 50 are: refused (stock), the shipment stays planned.
    let sh2 = shipment(
        &g,
        json!({"order_id": order, "warehouse_id": g.nb,
        "lines": [{"order_line": 0}]}),
    )
    .await;
    assert_eq!(sh2["lines"][0]["quantity"], "150");
    let (status, v) = g
        .admin
        .send(
            Method::POST,
            &format!("/api/v1/shipments/{}/ship", id(&sh2)),
            Some(json!({})),
        )
        .await;
    assert_eq!(
        (status, v["error"]["field"].as_str()),
        (StatusCode::CONFLICT, Some("lines[0].quantity")),
        "{v}"
    );
    assert_eq!(
        g.admin
            .get(&format!("/api/v1/shipments/{}", id(&sh2)))
            .await["status"],
        "planned"
    );
    assert_eq!(
        figures().await,
        lamp(["50", "50", "0"], ["150", "100", "50"])
    );
    ledger_ok();
    // … from LA instead: the 100 reserved there are consumed, the 50 still held in NB released.
    ok(
        &g.admin,
        Method::PATCH,
        &format!("/api/v1/shipments/{}", id(&sh2)),
        json!({"warehouse_id": g.la}),
    )
    .await;
    act(&g, &sh2, "ship", json!({})).await;
    assert_eq!(figures().await, lamp(["50", "0", "50"], ["0", "0", "0"]));
    ledger_ok();
    // Line 2 is still open: the order is not shipped yet.
    assert_eq!(
        g.admin.get(&format!("/api/v1/orders/{order}")).await["status"],
        "confirmed"
    );
    let sh3 = shipment(&g, json!({"order_id": order})).await;
    assert_eq!(
        sh3["lines"].as_array().unwrap().len(),
        1,
        "only what is left: {sh3}"
    );
    assert_eq!(
        (
            sh3["lines"][0]["order_line"].as_u64(),
            sh3["lines"][0]["quantity"].as_str()
        ),
        (Some(1), Some("100"))
    );
    act(&g, &sh3, "ship", json!({})).await;
    assert_eq!(
        g.admin.get(&format!("/api/v1/orders/{order}")).await["status"],
        "shipped"
    );
    assert_eq!(
        g.figures("CHAIR-2", g.nb).await[..3],
        [s("0"), s("0"), s("0")]
    );

    // Cancelling the first shipment: its 250 come back to NB, the order is open again and
    // reserves them.
    let cancelled = act(&g, &sh1, "cancel", json!(null)).await;
    assert_eq!(cancelled["status"], "cancelled");
    assert_eq!(figures().await, lamp(["300", "250", "50"], ["0", "0", "0"]));
    assert_eq!(
        g.admin.get(&format!("/api/v1/orders/{order}")).await["status"],
        "confirmed"
    );
    let moves = g
        .admin
        .get(&format!(
            "/api/v1/stock-moves?product_id={}&warehouse_id={}",
            g.p("LAMP-1"),
            g.nb
        ))
        .await;
    assert_eq!(moves["items"][1]["type"], "return", "{moves}");
    ledger_ok();
    // A cancelled shipment does not cancel twice, nor ship.
    let (status, _) = g
        .admin
        .send(
            Method::POST,
            &format!("/api/v1/shipments/{}/cancel", id(&sh1)),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    let (status, _) = g
        .admin
        .send(
            Method::POST,
            &format!("/api/v1/shipments/{}/ship", id(&sh1)),
            Some(json!({})),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
}

/// An order marked shipped by hand (no shipment): what it held leaves as shipment moves, so
/// the goods are not counted as still on hand.
#[tokio::test(flavor = "multi_thread")]
async fn an_order_marked_shipped_by_hand_takes_its_reserved_stock_out() {
    let g = stocked().await;
    let c = g.customer().await;
    let o = g.order(c, &[("CHAIR-2", "60")], None).await;
    assert_eq!(
        g.figures("CHAIR-2", g.nb).await[..3],
        [s("100"), s("60"), s("40")]
    );
    ok(
        &g.admin,
        Method::PATCH,
        &format!("/api/v1/orders/{}", id(&o)),
        json!({"status": "shipped"}),
    )
    .await;
    assert_eq!(
        g.figures("CHAIR-2", g.nb).await[..3],
        [s("40"), s("0"), s("40")]
    );
    // Completing it later moves nothing more.
    ok(
        &g.admin,
        Method::PATCH,
        &format!("/api/v1/orders/{}", id(&o)),
        json!({"status": "completed"}),
    )
    .await;
    assert_eq!(
        g.figures("CHAIR-2", g.nb).await[..3],
        [s("40"), s("0"), s("40")]
    );
    let problems =
        g.s.kontor()
            .store
            .read(kontor::domain::goods::stock::verify)
            .unwrap();
    assert!(problems.is_empty(), "{problems:?}");
    // A shipment of a shipped order is refused.
    let (status, v) = g
        .admin
        .send(
            Method::POST,
            "/api/v1/shipments",
            Some(json!({"order_id": id(&o)})),
        )
        .await;
    assert_eq!(
        (status, v["error"]["field"].as_str()),
        (StatusCode::CONFLICT, Some("order_id")),
        "{v}"
    );
}

/// Cartons, weights and CBM per line from the product's packing; the last carton part-full;
/// figures given by hand kept; the totals; booking and B/L dates reach the order.
#[tokio::test(flavor = "multi_thread")]
async fn packing_is_computed_from_the_product_and_editable() {
    let g = stocked().await;
    let c = g.customer().await;
    let o = g
        .order(c, &[("LAMP-1", "260"), ("CHAIR-2", "10")], None)
        .await;
    let sh = shipment(&g, json!({"order_id": id(&o), "mode": "sea", "carrier": "COSCO",
        "booking_no": "BK-778812", "port_of_loading": "Ningbo", "port_of_discharge": "Hamburg",
        "etd": "2026-03-20", "eta": "2026-04-25",
        "containers": [{"number": "cbhu 1234567", "type": "40HQ"}],
        "lines": [{"order_line": 0, "quantity": "260"},
                  {"order_line": 1, "packed": {"cartons": 1, "gross_kg": "18", "net_kg": "16.5", "cbm": "0.2"}}]})).await;
    let l0 = &sh["lines"][0];
    assert_eq!(
        [
            &l0["packed"]["cartons"],
            &l0["packed"]["last_carton_units"],
            &l0["packed"]["gross_kg"],
            &l0["packed"]["net_kg"],
            &l0["packed"]["cbm"]
        ],
        [
            &json!(6),
            &json!("10"),
            &json!("66.2"),
            &json!("57.2"),
            &json!("0.36")
        ],
        "{sh}"
    );
    assert_eq!(
        (l0["amount"].as_str(), l0["unit_price"].as_str()),
        (Some("5200.00"), Some("20"))
    );
    assert_eq!(sh["lines"][1]["packed_by_hand"], true);
    assert_eq!(sh["totals"]["cartons"], 7);
    assert_eq!(sh["totals"]["gross_kg"], "84.2");
    assert_eq!(sh["containers"][0]["number"], "CBHU 1234567");
    assert!(
        sh.to_string().find("cost").is_none(),
        "no cost on a shipment: {sh}"
    );
    // A negative weight is refused, naming it.
    let (status, v) = g
        .admin
        .send(
            Method::PATCH,
            &format!("/api/v1/shipments/{}", id(&sh)),
            Some(json!({"lines": [{"order_line": 0, "packed": {"gross_kg": "-1"}}]})),
        )
        .await;
    assert_eq!(
        (status, v["error"]["field"].as_str()),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("lines[0].packed.gross_kg")
        ),
        "{v}"
    );
    // The ETA before the ETD is refused.
    let (status, v) = g
        .admin
        .send(
            Method::PATCH,
            &format!("/api/v1/shipments/{}", id(&sh)),
            Some(json!({"eta": "2026-03-01"})),
        )
        .await;
    assert_eq!(
        (status, v["error"]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("eta")),
        "{v}"
    );
    // Found by its booking, container and B/L numbers.
    ok(
        &g.admin,
        Method::PATCH,
        &format!("/api/v1/shipments/{}", id(&sh)),
        json!({"bl_no": "COSU6123456780", "bl_date": "2026-03-21"}),
    )
    .await;
    let order = g.admin.get(&format!("/api/v1/orders/{}", id(&o))).await;
    assert_eq!(
        (
            order["dates"]["bl_date"].as_str(),
            order["dates"]["eta"].as_str()
        ),
        (Some("2026-03-21"), Some("2026-04-25")),
        "{order}"
    );
}

/// Who may make and read shipments: a rep reads the shipments of their own orders only and
/// makes none; the logistics role makes them for any order.
#[tokio::test(flavor = "multi_thread")]
async fn reps_read_their_own_orders_shipments_and_logistics_makes_them() {
    let g = stocked().await;
    let (rep_id, rep) = g.s.user(&g.admin, "li.rep", "sales", &[]).await;
    let (_, other) = g.s.user(&g.admin, "zhao.rep", "sales", &[]).await;
    let (_, logi) = g.s.user(&g.admin, "chen.log", "logistics", &[]).await;
    let c = crate::goods::id(
        &ok(
            &g.admin,
            Method::POST,
            "/api/v1/customers",
            json!({"name": "Lyon Maison SARL", "country": "FR", "owner_id": rep_id}),
        )
        .await,
    );
    let o = g.order(c, &[("CHAIR-2", "10")], None).await;
    let (status, _) = rep
        .send(
            Method::POST,
            "/api/v1/shipments",
            Some(json!({"order_id": id(&o)})),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, sh) = logi
        .send(
            Method::POST,
            "/api/v1/shipments",
            Some(json!({"order_id": id(&o)})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{sh}");
    assert_eq!(
        sh["owner_id"].as_u64(),
        Some(rep_id),
        "the shipment follows its order"
    );
    assert_eq!(
        rep.get(&format!("/api/v1/shipments/{}", id(&sh))).await["number"],
        sh["number"]
    );
    let (status, _) = other
        .send(Method::GET, &format!("/api/v1/shipments/{}", id(&sh)), None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(other.get("/api/v1/shipments").await["total"], 0);
    let (status, _) = rep
        .send(
            Method::POST,
            &format!("/api/v1/shipments/{}/ship", id(&sh)),
            Some(json!({})),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

/// The commercial invoice and packing list: HTML and PDF, in English, Chinese or both; the CI
/// shows the selling prices of the lines shipped, the PL cartons, weights and the part-full
/// last carton, no prices; neither shows a cost.
#[tokio::test(flavor = "multi_thread")]
async fn commercial_invoice_and_packing_list_print_like_the_pi() {
    let g = stocked().await;
    let c = g.customer().await;
    let o = g
        .order(c, &[("LAMP-1", "260"), ("CHAIR-2", "10")], None)
        .await;
    let sh = shipment(
        &g,
        json!({"order_id": id(&o), "carrier": "COSCO", "bl_no": "COSU6123456780",
        "port_of_loading": "Ningbo", "port_of_discharge": "Hamburg",
        "containers": [{"number": "CBHU1234567", "type": "40HQ"}],
        "lines": [{"order_line": 0}]}),
    )
    .await;
    let path = |q: &str| format!("/api/v1/shipments/{}/document?{q}", id(&sh));
    let text = |q: &'static str| {
        let c = g.admin.clone();
        let p = path(q);
        async move {
            let r = c.http.get(format!("{}{p}", c.base)).send().await.unwrap();
            assert_eq!(r.status(), StatusCode::OK, "{q}");
            r.bytes().await.unwrap().to_vec()
        }
    };
    let ci = String::from_utf8(text("kind=ci&format=html&lang=en").await).unwrap();
    for want in [
        "COMMERCIAL INVOICE",
        sh["number"].as_str().unwrap(),
        "5,200.00",
        "COSU6123456780",
        "CBHU1234567 (40HQ)",
        "Hamburg",
    ] {
        assert!(ci.contains(want), "CI lacks {want}");
    }
    assert!(!ci.contains("CHAIR-2"), "only the lines shipped");
    let pl = String::from_utf8(text("kind=pl&format=html&lang=en").await).unwrap();
    for want in [
        "PACKING LIST",
        "last carton 10",
        "6 CTNS",
        "N.W. 57.2 kg",
        "G.W. 66.2 kg",
        "0.36 m³",
    ] {
        assert!(pl.contains(want), "PL lacks {want}");
    }
    assert!(
        !pl.contains("5,200.00") && !pl.contains("Unit price"),
        "no prices on a packing list"
    );
    let zh = String::from_utf8(text("kind=pl&format=html&lang=zh").await).unwrap();
    assert!(
        zh.contains("装箱单") && zh.contains("尾箱 10") && zh.contains("毛重"),
        "zh PL"
    );
    let both = String::from_utf8(text("kind=ci&format=html&lang=both").await).unwrap();
    assert!(both.contains("商业发票") && both.contains("COMMERCIAL INVOICE"));
    let pdf = text("kind=ci").await;
    assert!(pdf.starts_with(b"%PDF"), "a PDF");
    let pdf = text("kind=pl&lang=both").await;
    assert!(pdf.starts_with(b"%PDF"), "a PDF");
    let (status, v) = g.admin.send(Method::GET, &path("kind=bl"), None).await;
    assert_eq!(
        (status, v["error"]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("kind"))
    );
}
