//! Purchasing: receipts with inspection and tolerance, suppliers' figures and the buyer's
//! choice, purchase costs on the sales order, availability and purchase requests, duplicates.

use reqwest::{Method, StatusCode};
use serde_json::json;

use super::{goods, id, ok, s};
use crate::common::code;

#[tokio::test(flavor = "multi_thread")]
async fn receipts_are_inspected_within_the_tolerance_and_make_the_suppliers_figures() {
    let g = goods().await;
    let a = g
        .supplier("Ningbo Lamp Works", &[("LAMP-1", "8.50", 7)])
        .await;
    let b = g.supplier("Cixi Lighting", &[("LAMP-1", "9.00", 5)]).await;
    let po = g.po(a, &[("LAMP-1", "100")], "2026-03-10").await;
    assert_eq!(po["number"].as_str().unwrap()[..8], *"PO-2026-");
    assert_eq!(
        (po["status"].as_str(), po["total"]["amount"].as_str()),
        (Some("confirmed"), Some("850.00"))
    );
    assert_eq!(g.figures("LAMP-1", g.nb).await[4], "100", "incoming");
    let url = format!("/api/v1/purchase-orders/{}/receipts", id(&po));
    let receive = |date: &'static str,
                   inspected: &'static str,
                   passed: &'static str,
                   rejected: &'static str| {
        json!({"date": date, "lines": [{"line": 0, "inspected": inspected, "passed": passed, "rejected": rejected, "reason": "划痕 scratches"}]})
    };
    // (receipt, status after, on hand, incoming) — and refusals that write nothing.
    let v = ok(
        &g.admin,
        Method::POST,
        &url,
        receive("2026-03-08", "50", "49", "1"),
    )
    .await;
    assert_eq!(v["status"], "partially_received");
    assert_eq!(
        g.figures("LAMP-1", g.nb).await,
        [s("49"), s("0"), s("49"), s("0"), s("51")]
    );
    let refusals = [
        (
            json!({"lines": [{"line": 0, "inspected": "5", "rejected": "1"}]}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "lines[0].reason",
        ),
        (
            json!({"lines": [{"line": 0, "inspected": "5", "passed": "5", "rejected": "1", "reason": "x"}]}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "lines[0].passed",
        ),
        (
            json!({"lines": [{"line": 3, "inspected": "5"}]}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "lines[0].line",
        ),
        (
            json!({"lines": [{"line": 0, "inspected": "-5"}]}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "lines[0].inspected",
        ),
        // 49 + 58 = 107 > 100 + 5 %.
        (
            receive("2026-03-12", "58", "58", "0"),
            StatusCode::CONFLICT,
            "lines[0].passed",
        ),
        (
            json!({"lines": []}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "lines",
        ),
    ];
    for (body, status, field) in refusals {
        let (got, err) = g.admin.send(Method::POST, &url, Some(body.clone())).await;
        assert_eq!(
            (got, err["error"]["field"].as_str()),
            (status, Some(field)),
            "{body}: {err}"
        );
    }
    let (_, err) = g
        .admin
        .clone()
        .zh()
        .send(
            Method::POST,
            &url,
            Some(receive("2026-03-12", "58", "58", "0")),
        )
        .await;
    assert!(
        err["error"]["message"].as_str().unwrap().contains("LAMP-1"),
        "{err}"
    );
    assert_eq!(
        g.figures("LAMP-1", g.nb).await[0],
        "49",
        "nothing half-written"
    );
    let again = g
        .admin
        .get(&format!("/api/v1/purchase-orders/{}", id(&po)))
        .await;
    assert_eq!(again["receipts"].as_array().unwrap().len(), 1);
    // 49 + 49 + 2 = 100: received; two of the three receipts after the due date.
    ok(
        &g.admin,
        Method::POST,
        &url,
        receive("2026-03-12", "50", "49", "1"),
    )
    .await;
    let v = ok(
        &g.admin,
        Method::POST,
        &url,
        receive("2026-03-12", "2", "2", "0"),
    )
    .await;
    assert_eq!(v["status"], "received");
    assert_eq!(v["lines"][0]["received"], "100");
    assert_eq!(v["lines"][0]["rejected"], "2");
    assert_eq!(
        g.figures("LAMP-1", g.nb).await,
        [s("100"), s("0"), s("100"), s("0"), s("0")]
    );
    let (status, _) = g
        .admin
        .send(
            Method::POST,
            &url,
            Some(receive("2026-03-13", "1", "1", "0")),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::CONFLICT,
        "a received order takes no more"
    );
    // The supplier's figures: 100 passed of 102 inspected, 1 of 3 on time, (7 + 11 + 11) / 3 days.
    let sa = g.admin.get(&format!("/api/v1/suppliers/{a}")).await;
    let f = &sa["figures"];
    assert_eq!(
        (
            f["receipts"].as_u64(),
            f["pass_rate"].as_str(),
            f["on_time_rate"].as_str(),
            f["lead_days_avg"].as_str()
        ),
        (Some(3), Some("98"), Some("33.3"), Some("9.7")),
        "{sa}"
    );
    // Where the buyer picks a supplier: shortest lead time first, with the figures.
    let choice = g
        .admin
        .get(&format!(
            "/api/v1/suppliers/choice?product_id={}",
            g.p("LAMP-1")
        ))
        .await;
    let summaries: Vec<&str> = choice
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["summary"].as_str().unwrap())
        .collect();
    assert_eq!(
        summaries,
        [
            "Cixi Lighting: 5 days, not inspected yet",
            "Ningbo Lamp Works: 7 days, 98 %"
        ]
    );
    assert_eq!(choice[0]["supplier_id"], b);
    let zh = g
        .admin
        .clone()
        .zh()
        .get(&format!(
            "/api/v1/suppliers/choice?product_id={}",
            g.p("LAMP-1")
        ))
        .await;
    assert_eq!(zh[1]["summary"], "Ningbo Lamp Works：7 天，合格率 98%");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_purchase_for_a_sales_order_is_an_actual_cost_of_that_order() {
    let g = goods().await;
    let c = g.customer().await;
    let supplier = g.supplier("Yuyao Chairs", &[("CHAIR-2", "50", 10)]).await;
    let o = g.order(c, &[("CHAIR-2", "10")], None).await;
    let po = ok(
        &g.admin,
        Method::POST,
        "/api/v1/purchase-orders",
        json!({"supplier_id": supplier,
        "lines": [{"product_id": g.p("CHAIR-2"), "quantity": "10"}], "order_date": "2026-03-02",
        "warehouse_id": g.nb, "sales_order_id": id(&o), "status": "confirmed"}),
    )
    .await;
    assert_eq!(po["sales_order_number"], o["number"]);
    let url = format!("/api/v1/purchase-orders/{}/receipts", id(&po));
    ok(
        &g.admin,
        Method::POST,
        &url,
        json!({"date": "2026-03-20", "lines": [{"line": 0, "inspected": "10"}]}),
    )
    .await;
    let order = g.admin.get(&format!("/api/v1/orders/{}", id(&o))).await;
    let costs = &order["costing"]["actual"]["costs"];
    assert_eq!(costs[0]["kind"], "purchase", "{order}");
    assert_eq!(
        costs[0]["amount"],
        json!({"amount": "500.00", "currency": "CNY"})
    );
    // Revenue USD 200 at 7 = CNY 1400; profit 900.
    assert_eq!(order["costing"]["actual"]["profit"]["amount"], "900.00");
    // The received goods went into NB; the order reserved them as soon as they were there? No:
    // reservations are made when the order is confirmed or changed, not by later receipts.
    assert_eq!(
        g.figures("CHAIR-2", g.nb).await[..3],
        [s("10"), s("0"), s("10")]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn availability_shows_where_a_need_is_met_and_a_shortfall_raises_a_dated_purchase_request() {
    let g = goods().await;
    let c = g.customer().await;
    let lamp = g.p("LAMP-1");
    g.mv(json!({"type": "receipt", "product_id": lamp, "warehouse_id": g.nb, "quantity": "300"}))
        .await;
    g.mv(json!({"type": "receipt", "product_id": lamp, "warehouse_id": g.la, "quantity": "150"}))
        .await;
    let slow = g
        .supplier("Ningbo Lamp Works", &[("LAMP-1", "8.50", 7)])
        .await;
    let fast = g.supplier("Cixi Lighting", &[("LAMP-1", "9.00", 5)]).await;
    g.po(slow, &[("LAMP-1", "20")], "2026-04-01").await;
    // (quantity, English text, Chinese text, short)
    let table = [
        (
            "500",
            "500 needed: 300 in the domestic warehouse NB, 150 overseas LA, 50 short",
            "需要 500：国内仓 NB 300，海外仓 LA 150，缺 50",
            "50",
        ),
        (
            "200",
            "200 needed: 200 in the domestic warehouse NB",
            "需要 200：国内仓 NB 200",
            "0",
        ),
        (
            "450",
            "450 needed: 300 in the domestic warehouse NB, 150 overseas LA",
            "需要 450：国内仓 NB 300，海外仓 LA 150",
            "0",
        ),
    ];
    for (q, en, zh, short) in table {
        let url = format!("/api/v1/availability?product_id={lamp}&quantity={q}");
        let v = g.admin.get(&url).await;
        assert_eq!(
            (
                v["text"].as_str(),
                v["short"].as_str(),
                v["incoming"].as_str()
            ),
            (Some(en), Some(short), Some("20")),
            "{v}"
        );
        assert_eq!(g.admin.clone().zh().get(&url).await["text"], zh);
    }
    let (status, v) = g
        .admin
        .send(
            Method::GET,
            &format!("/api/v1/availability?product_id={lamp}&quantity=-3"),
            None,
        )
        .await;
    assert_eq!(
        (status, v["error"]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("quantity"))
    );

    // An order of 500 reserves 450; its own reservations count as available to it.
    let o = g.order(c, &[("LAMP-1", "500")], Some("2027-06-30")).await;
    let a = g
        .admin
        .get(&format!("/api/v1/orders/{}/availability", id(&o)))
        .await;
    assert_eq!(
        a["lines"][0]["text"],
        "500 needed: 300 in the domestic warehouse NB, 150 overseas LA, 50 short",
        "{a}"
    );
    // The shortfall, needed in LA by sea: latest order date = 30 June − 30 days by sea to LA − 5 days' lead time.
    let url = format!("/api/v1/orders/{}/purchase-requests", id(&o));
    let (status, v) = g
        .admin
        .send(
            Method::POST,
            &url,
            Some(json!({"warehouse_id": g.la, "mode": "sea"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    let pr = &v[0];
    assert_eq!(
        (
            pr["status"].as_str(),
            pr["supplier_id"].as_u64(),
            pr["lines"][0]["quantity"].as_str()
        ),
        (Some("draft"), Some(fast), Some("50"))
    );
    assert_eq!(
        (pr["latest_order_date"].as_str(), pr["due_date"].as_str()),
        (Some("2027-05-26"), Some("2027-05-31"))
    );
    assert_eq!(
        (pr["sales_order_id"].as_u64(), pr["warehouse_id"].as_u64()),
        (Some(id(&o)), Some(g.la))
    );
    // Raising again buys nothing twice.
    let (status, v) = g.admin.send(Method::POST, &url, Some(json!({}))).await;
    assert_eq!(
        (status, code(&v)),
        (StatusCode::CONFLICT, "conflict"),
        "{v}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn suppliers_are_checked_for_duplicates_by_name_in_a_country_and_by_email() {
    let g = goods().await;
    let first = ok(
        &g.admin,
        Method::POST,
        "/api/v1/suppliers",
        json!({"name": "Ningbo Lamp Co., Ltd.",
        "country": "CN", "currency": "CNY", "contacts": [{"name": "Li", "email": "li@nblamp.cn"}]}),
    )
    .await;
    let table = [
        (
            json!({"name": "NINGBO LAMP CO LTD", "country": "CN", "currency": "CNY"}),
            StatusCode::CONFLICT,
            Some("name"),
        ),
        (
            json!({"name": "Other Lamp", "country": "CN", "currency": "CNY", "contacts": [{"name": "Li", "email": "LI@nblamp.cn"}]}),
            StatusCode::CONFLICT,
            Some("contacts"),
        ),
        (
            json!({"name": "Ningbo Lamp Co., Ltd.", "country": "VN", "currency": "USD"}),
            StatusCode::CREATED,
            None,
        ),
        (
            json!({"name": "Ningbo Lamp", "country": "CN"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("currency"),
        ),
        (
            json!({"name": "Bad Price", "currency": "CNY", "prices": [{"product_id": g.p("LAMP-1"), "price": {"amount": "-1", "currency": "CNY"}}]}),
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("prices[0].price.amount"),
        ),
    ];
    for (body, status, field) in table {
        let (got, v) = g
            .admin
            .send(Method::POST, "/api/v1/suppliers", Some(body.clone()))
            .await;
        assert_eq!(
            (got, v["error"]["field"].as_str()),
            (status, field),
            "{body}: {v}"
        );
        if status == StatusCode::CONFLICT {
            assert_eq!(code(&v), "duplicate");
            assert!(
                v["error"]["message"]
                    .as_str()
                    .unwrap()
                    .contains(&format!("#{}", id(&first))),
                "{v}"
            );
        }
    }
}
