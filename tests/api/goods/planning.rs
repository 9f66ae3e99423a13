//! Purchase planning (INV-3) as scenario tables: the formula's terms (demand within the
//! lead-time horizon, safety stock, on hand, reserved, incoming), min/max, order multiples, the
//! supplier's MOQ, pass-rate inflation when enabled, no double count with a shortfall's purchase
//! request, and chosen lines → draft purchase orders grouped by supplier, all or nothing.

use chrono::{Days, Utc};
use chrono_tz::Asia::Shanghai;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use super::{Goods, goods, id, ok};

/// The company's day (Shanghai) `offset` days from today.
fn day(offset: u64) -> String {
    (Utc::now().with_timezone(&Shanghai).date_naive() + Days::new(offset)).to_string()
}

/// A product of its own, with a supplier quoting `moq` and `lead` days at CNY 10.
async fn product_with_supplier(g: &Goods, sku: &str, moq: Option<&str>, lead: u32) -> (u64, u64) {
    let p = id(&ok(&g.admin, Method::POST, "/api/v1/products",
        json!({"sku": sku, "name_en": format!("{sku} product"), "prices": [{"amount": "20", "currency": "USD"}]})).await);
    let mut price =
        json!({"product_id": p, "price": {"amount": "10", "currency": "CNY"}, "lead_days": lead});
    if let Some(m) = moq {
        price["moq"] = json!(m);
    }
    let s = id(&ok(&g.admin, Method::POST, "/api/v1/suppliers",
        json!({"name": format!("{sku} Works"), "country": "CN", "currency": "CNY", "prices": [price],
            "contacts": [{"name": "王经理", "email": format!("{}@works.cn", sku.to_lowercase())}]})).await);
    (p, s)
}

async fn order_of(g: &Goods, customer: u64, product: u64, q: &str, promised: &str) -> Value {
    ok(&g.admin, Method::POST, "/api/v1/orders",
        json!({"customer_id": customer, "currency": "USD", "order_date": day(0), "promised_date": promised,
            "lines": [{"product_id": product, "quantity": q, "unit_price": "20"}],
            "terms": [{"label_zh": "全款", "label_en": "Full", "percent": "100", "method": "tt", "anchor": "order_date", "days": 0}]})).await
}

fn line_for(plan: &Value, rule: u64) -> Option<Value> {
    plan["lines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["rule_id"].as_u64() == Some(rule))
        .cloned()
}

fn terms(line: &Value) -> Vec<String> {
    line["terms"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            format!(
                "{}{}",
                t["sign"].as_str().unwrap(),
                t["value"].as_str().unwrap()
            )
        })
        .collect()
}

fn steps(line: &Value) -> Vec<String> {
    line["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            format!(
                "{}:{}",
                s["key"].as_str().unwrap(),
                s["quantity"].as_str().unwrap()
            )
        })
        .collect()
}

/// A PO line as (SKU, quantity, unit price).
type PoLineText = (String, String, String);

struct Case {
    name: &'static str,
    /// Rule fields beyond product and warehouse.
    rule: Value,
    moq: Option<&'static str>,
    lead: u32,
    /// Put into NB's stock before the orders (they reserve from it).
    on_hand: Option<&'static str>,
    /// (quantity, promised in days from today).
    orders: &'static [(&'static str, u64)],
    /// A confirmed purchase order still to come.
    incoming: Option<&'static str>,
    /// demand, safety, on hand, reserved, incoming.
    terms: [&'static str; 5],
    net: &'static str,
    steps: &'static [&'static str],
    /// None: not suggested.
    quantity: Option<&'static str>,
}

#[tokio::test(flavor = "multi_thread")]
async fn planning_suggests_by_the_formula_and_shows_its_numbers() {
    let g = goods().await;
    let c = g.customer().await;
    let cases = [
        Case {
            name: "plain: demand + safety − on hand − incoming",
            rule: json!({"safety_stock": "20"}),
            moq: None,
            lead: 10,
            on_hand: None,
            orders: &[("300", 5)],
            incoming: Some("100"),
            terms: ["+300", "+20", "-0", "+0", "-100"],
            net: "220",
            steps: &[],
            quantity: Some("220"),
        },
        Case {
            name: "lead-time horizon: an order due after it does not count",
            rule: json!({}),
            moq: None,
            lead: 10,
            on_hand: None,
            orders: &[("300", 5), ("999", 40)],
            incoming: None,
            terms: ["+300", "+0", "-0", "+0", "-0"],
            net: "300",
            steps: &[],
            quantity: Some("300"),
        },
        Case {
            name: "the rule's lead time overrides the supplier's",
            rule: json!({"lead_days": 60}),
            moq: None,
            lead: 10,
            on_hand: None,
            orders: &[("300", 5), ("100", 40)],
            incoming: None,
            terms: ["+400", "+0", "-0", "+0", "-0"],
            net: "400",
            steps: &[],
            quantity: Some("400"),
        },
        Case {
            name: "reserved stock is the order's: only its uncovered part is demand",
            rule: json!({"safety_stock": "50"}),
            moq: None,
            lead: 10,
            on_hand: Some("120"),
            orders: &[("200", 3)],
            incoming: None,
            terms: ["+80", "+50", "-120", "+120", "-0"],
            net: "130",
            steps: &[],
            quantity: Some("130"),
        },
        Case {
            name: "order multiple rounds up",
            rule: json!({"multiple": "50"}),
            moq: None,
            lead: 10,
            on_hand: None,
            orders: &[("120", 2)],
            incoming: None,
            terms: ["+120", "+0", "-0", "+0", "-0"],
            net: "120",
            steps: &["multiple:150"],
            quantity: Some("150"),
        },
        Case {
            name: "MOQ raises, then the multiple again",
            rule: json!({"multiple": "40"}),
            moq: Some("500"),
            lead: 10,
            on_hand: None,
            orders: &[("30", 2)],
            incoming: None,
            terms: ["+30", "+0", "-0", "+0", "-0"],
            net: "30",
            steps: &["multiple:40", "moq:520"],
            quantity: Some("520"),
        },
        Case {
            name: "min: no demand but below min orders up to it",
            rule: json!({"min": "100", "max": "400"}),
            moq: None,
            lead: 10,
            on_hand: Some("30"),
            orders: &[],
            incoming: None,
            terms: ["+0", "+0", "-30", "+0", "-0"],
            net: "-30",
            steps: &["min:70"],
            quantity: Some("70"),
        },
        Case {
            name: "max cuts the quantity",
            rule: json!({"max": "50", "safety_stock": "100"}),
            moq: None,
            lead: 10,
            on_hand: None,
            orders: &[("200", 2)],
            incoming: None,
            terms: ["+200", "+100", "-0", "+0", "-0"],
            net: "300",
            steps: &["max:250"],
            quantity: Some("250"),
        },
        Case {
            name: "enough stock and incoming: nothing to buy",
            rule: json!({"min": "10"}),
            moq: None,
            lead: 10,
            on_hand: Some("500"),
            orders: &[("100", 2)],
            incoming: Some("50"),
            terms: ["+0", "+0", "-500", "+100", "-50"],
            net: "-450",
            steps: &[],
            quantity: None,
        },
    ];
    for (i, case) in cases.iter().enumerate() {
        let sku = format!("PLAN-{i}");
        let (p, s) = product_with_supplier(&g, &sku, case.moq, case.lead).await;
        if let Some(q) = case.on_hand {
            g.mv(json!({"type": "adjustment", "direction": "in", "product_id": p, "warehouse_id": g.nb, "quantity": q})).await;
        }
        for (q, days) in case.orders {
            order_of(&g, c, p, q, &day(*days)).await;
        }
        if let Some(q) = case.incoming {
            ok(&g.admin, Method::POST, "/api/v1/purchase-orders", json!({"supplier_id": s,
                "lines": [{"product_id": p, "quantity": q}], "warehouse_id": g.nb, "status": "confirmed"})).await;
        }
        let mut rule = case.rule.clone();
        rule["product_id"] = json!(p);
        rule["warehouse_id"] = json!(g.nb);
        let rule = id(&ok(&g.admin, Method::POST, "/api/v1/reorder-rules", rule).await);
        let plan = g
            .admin
            .get(&format!("/api/v1/purchase-plan?product_id={p}&all=true"))
            .await;
        let line =
            line_for(&plan, rule).unwrap_or_else(|| panic!("{}: no line in {plan}", case.name));
        assert_eq!(
            terms(&line),
            case.terms.map(String::from),
            "{}: {line}",
            case.name
        );
        assert_eq!(line["net"], case.net, "{}", case.name);
        assert_eq!(
            steps(&line),
            case.steps.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
            "{}: {line}",
            case.name
        );
        assert_eq!(
            line["quantity"],
            case.quantity.unwrap_or("0"),
            "{}: {}",
            case.name,
            line["text"]
        );
        let suggested = g
            .admin
            .get(&format!("/api/v1/purchase-plan?product_id={p}"))
            .await;
        assert_eq!(
            line_for(&suggested, rule).is_some(),
            case.quantity.is_some(),
            "{}",
            case.name
        );
        assert_eq!(line["supplier_id"].as_u64(), Some(s), "{}", case.name);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_formula_reads_in_both_languages_and_pass_rate_inflates_when_enabled() {
    let g = goods().await;
    let c = g.customer().await;
    let (p, s) = product_with_supplier(&g, "PASS-1", None, 7).await;
    // 100 inspected, 80 passed: pass rate 80 %. The 80 go into NB.
    let po = ok(&g.admin, Method::POST, "/api/v1/purchase-orders", json!({"supplier_id": s,
        "lines": [{"product_id": p, "quantity": "100"}], "warehouse_id": g.nb, "status": "confirmed"})).await;
    ok(&g.admin, Method::POST, &format!("/api/v1/purchase-orders/{}/receipts", id(&po)),
        json!({"lines": [{"line": 0, "inspected": "100", "passed": "80", "rejected": "20", "reason": "裂纹 cracks"}]})).await;
    // Cancel the rest of that order so it brings nothing more: receive is partial (20 open).
    order_of(&g, c, p, "500", &day(3)).await;
    let rule = id(&ok(
        &g.admin,
        Method::POST,
        "/api/v1/reorder-rules",
        json!({"product_id": p, "warehouse_id": g.nb, "multiple": "10"}),
    )
    .await);
    let plan = g
        .admin
        .get(&format!("/api/v1/purchase-plan?product_id={p}"))
        .await;
    let line = line_for(&plan, rule).unwrap();
    // 500 ordered, 80 reserved from stock: 420 uncovered; 20 still to come.
    assert_eq!(
        terms(&line),
        ["+420", "+0", "-80", "+80", "-20"].map(String::from),
        "{line}"
    );
    assert_eq!(
        (
            line["quantity"].as_str(),
            plan["pass_rate_enabled"].as_bool()
        ),
        (Some("400"), Some(false))
    );
    assert_eq!(
        line["text"],
        format!(
            "PASS-1 @ NB (demand due by {}): open orders' demand within the lead time 420 + safety stock 0 − on hand 80 + reserved for orders 80 − incoming 20 = 400; suggested 400",
            day(7)
        )
    );
    assert_eq!(line["terms"][0]["label"]["zh"], "提前期内未备货的订单需求");
    let zh = g
        .admin
        .clone()
        .zh()
        .get(&format!("/api/v1/purchase-plan?product_id={p}"))
        .await;
    assert!(
        zh["lines"][0]["text"]
            .as_str()
            .unwrap()
            .ends_with("= 400；建议采购 400"),
        "{zh}"
    );

    ok(
        &g.admin,
        Method::PUT,
        "/api/v1/inventory-settings",
        json!({"allow_negative": false, "over_receipt_percent": "5", "plan_with_pass_rate": true}),
    )
    .await;
    let plan = g
        .admin
        .get(&format!("/api/v1/purchase-plan?product_id={p}"))
        .await;
    let line = line_for(&plan, rule).unwrap();
    assert_eq!(plan["pass_rate_enabled"], true);
    // 400 ÷ 0.8 = 500, already a multiple of 10.
    assert_eq!(steps(&line), ["pass_rate:500"], "{line}");
    assert_eq!(line["steps"][0]["by"], "80%");
    assert!(
        line["text"]
            .as_str()
            .unwrap()
            .contains("divided by the supplier's pass rate 80% → 500"),
        "{line}"
    );
    let settings = g.admin.get("/api/v1/inventory-settings").await;
    assert_eq!(
        (
            settings["plan_with_pass_rate"].as_bool(),
            settings["payable_reminder_days"].as_u64()
        ),
        (Some(true), Some(3))
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn chosen_lines_become_draft_orders_per_supplier_and_a_purchase_request_is_not_counted_twice()
{
    let g = goods().await;
    let c = g.customer().await;
    let (p1, s1) = product_with_supplier(&g, "GRP-1", Some("100"), 5).await;
    let (p2, s2) = product_with_supplier(&g, "GRP-2", None, 5).await;
    // A third product bought from the first supplier too.
    let p3 = id(&ok(&g.admin, Method::POST, "/api/v1/products",
        json!({"sku": "GRP-3", "name_en": "GRP-3 product", "prices": [{"amount": "20", "currency": "USD"}]})).await);
    let sup = g.admin.get(&format!("/api/v1/suppliers/{s1}")).await;
    let mut prices: Vec<Value> = sup["prices"].as_array().unwrap().iter()
        .map(|x| json!({"product_id": x["product_id"], "price": x["price"], "moq": x["moq"], "lead_days": x["lead_days"]})).collect();
    prices.push(
        json!({"product_id": p3, "price": {"amount": "4.25", "currency": "CNY"}, "lead_days": 5}),
    );
    ok(
        &g.admin,
        Method::PATCH,
        &format!("/api/v1/suppliers/{s1}"),
        json!({"prices": prices}),
    )
    .await;
    for (p, q) in [(p1, "30"), (p2, "70"), (p3, "12")] {
        order_of(&g, c, p, q, &day(2)).await;
    }
    let mut rules = Vec::new();
    for p in [p1, p2, p3] {
        rules.push(id(&ok(
            &g.admin,
            Method::POST,
            "/api/v1/reorder-rules",
            json!({"product_id": p, "warehouse_id": g.nb}),
        )
        .await));
    }
    // Refusals name the line and write nothing.
    let before = g.admin.get("/api/v1/purchase-orders").await["total"].clone();
    let refusals = [
        (
            json!({"lines": [{"rule_id": rules[0]}, {"rule_id": rules[0]}]}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "lines[1].rule_id",
        ),
        (
            json!({"lines": [{"rule_id": rules[0]}, {"rule_id": 999_999}]}),
            StatusCode::NOT_FOUND,
            "lines[1].rule_id",
        ),
        (
            json!({"lines": [{"rule_id": rules[1], "quantity": "-5"}]}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "lines[0].quantity",
        ),
        (
            json!({"lines": []}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "lines",
        ),
    ];
    for (body, status, field) in refusals {
        let (got, v) = g
            .admin
            .send(
                Method::POST,
                "/api/v1/purchase-plan/orders",
                Some(body.clone()),
            )
            .await;
        assert_eq!(
            (got, v["error"]["field"].as_str()),
            (status, Some(field)),
            "{body}: {v}"
        );
    }
    assert_eq!(
        g.admin.get("/api/v1/purchase-orders").await["total"],
        before,
        "nothing half-written"
    );

    let (status, pos) = g.admin.send(Method::POST, "/api/v1/purchase-plan/orders",
        Some(json!({"lines": [{"rule_id": rules[0]}, {"rule_id": rules[1]}, {"rule_id": rules[2], "quantity": "15"}]}))).await;
    assert_eq!(status, StatusCode::CREATED, "{pos}");
    let mut got: Vec<(u64, String, Vec<PoLineText>)> = pos
        .as_array()
        .unwrap()
        .iter()
        .map(|po| {
            assert_eq!(
                (po["status"].as_str(), po["warehouse_id"].as_u64()),
                (Some("draft"), Some(g.nb))
            );
            (
                po["supplier_id"].as_u64().unwrap(),
                po["total"]["amount"].as_str().unwrap().to_string(),
                po["lines"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|l| {
                        (
                            l["sku"].as_str().unwrap().to_string(),
                            l["quantity"].as_str().unwrap().to_string(),
                            l["unit_price"].as_str().unwrap().to_string(),
                        )
                    })
                    .collect(),
            )
        })
        .collect();
    got.sort();
    // GRP-1: 30 raised to the MOQ 100 at 10; GRP-3: 15 given at 4.25; GRP-2: 70 at 10.
    assert_eq!(
        got,
        vec![
            (
                s1,
                "1063.75".into(),
                vec![
                    ("GRP-1".into(), "100".into(), "10".into()),
                    ("GRP-3".into(), "15".into(), "4.25".into())
                ]
            ),
            (
                s2,
                "700.00".into(),
                vec![("GRP-2".into(), "70".into(), "10".into())]
            ),
        ]
    );
    // The drafts count as incoming: the next run suggests nothing for them.
    let plan = g.admin.get("/api/v1/purchase-plan").await;
    assert!(
        rules.iter().all(|r| line_for(&plan, *r).is_none()),
        "{plan}"
    );

    // A shortfall at order entry raises a purchase request (a draft linked to the order): planning
    // counts the order's demand and the request's quantity once each.
    let (p4, _) = product_with_supplier(&g, "REQ-4", None, 5).await;
    let o = order_of(&g, c, p4, "60", &day(20)).await;
    let rule = id(&ok(
        &g.admin,
        Method::POST,
        "/api/v1/reorder-rules",
        json!({"product_id": p4, "warehouse_id": g.nb, "lead_days": 30}),
    )
    .await);
    let line = line_for(
        &g.admin
            .get(&format!("/api/v1/purchase-plan?product_id={p4}"))
            .await,
        rule,
    )
    .unwrap();
    assert_eq!(line["quantity"], "60");
    ok(
        &g.admin,
        Method::POST,
        &format!("/api/v1/orders/{}/purchase-requests", id(&o)),
        json!({}),
    )
    .await;
    let all = g
        .admin
        .get(&format!("/api/v1/purchase-plan?product_id={p4}&all=true"))
        .await;
    let line = line_for(&all, rule).unwrap();
    assert_eq!(
        (
            terms(&line)[0].as_str(),
            terms(&line)[4].as_str(),
            line["quantity"].as_str()
        ),
        ("+60", "-60", Some("0")),
        "{line}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn reorder_rules_refuse_bad_input_and_stay_the_buyers() {
    let g = goods().await;
    let p = g.p("LAMP-1");
    let s = g
        .supplier("Ningbo Lamp Works", &[("CHAIR-2", "8.50", 7)])
        .await;
    ok(
        &g.admin,
        Method::POST,
        "/api/v1/reorder-rules",
        json!({"product_id": p, "warehouse_id": g.nb}),
    )
    .await;
    let cases = [
        (
            json!({"warehouse_id": g.nb}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "product_id",
        ),
        (
            json!({"product_id": p, "warehouse_id": g.nb}),
            StatusCode::CONFLICT,
            "product_id",
        ),
        (
            json!({"product_id": p, "warehouse_id": g.la, "min": "50", "max": "10"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "max",
        ),
        (
            json!({"product_id": p, "warehouse_id": g.la, "multiple": "0"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "multiple",
        ),
        (
            json!({"product_id": p, "warehouse_id": g.la, "safety_stock": "abc"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "safety_stock",
        ),
        (
            json!({"product_id": p, "warehouse_id": g.la, "supplier_id": s}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "supplier_id",
        ),
        (
            json!({"product_id": p, "warehouse_id": 999}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "warehouse_id",
        ),
    ];
    for (body, status, field) in cases {
        let (got, v) = g
            .admin
            .send(Method::POST, "/api/v1/reorder-rules", Some(body.clone()))
            .await;
        assert_eq!(
            (got, v["error"]["field"].as_str()),
            (status, Some(field)),
            "{body}: {v}"
        );
    }
    assert_eq!(g.admin.get("/api/v1/reorder-rules").await["total"], 1);
    let (_, buyer) = g.s.user(&g.admin, "zhao.buyer", "buyer", &[]).await;
    let (_, supplier) = g.s.user(&g.admin, "nb.lamp", "supplier", &[]).await;
    let (_, rep) = g.s.user(&g.admin, "li.rep", "sales", &[]).await;
    assert_eq!(buyer.get("/api/v1/reorder-rules").await["total"], 1);
    for (who, path, want) in [
        (&supplier, "/api/v1/reorder-rules", StatusCode::FORBIDDEN),
        (&supplier, "/api/v1/purchase-plan", StatusCode::FORBIDDEN),
        (&rep, "/api/v1/purchase-plan", StatusCode::FORBIDDEN),
        (&rep, "/api/v1/reorder-rules", StatusCode::FORBIDDEN),
    ] {
        let (got, v) = who.send(Method::GET, path, None).await;
        assert_eq!(got, want, "{path}: {v}");
    }
}
