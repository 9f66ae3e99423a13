//! Sales and money (issue 13) as scenario tables: quotations and their revisions, orders and
//! their payment plans, receipts and their matching (reference, amount, oldest first, split
//! over orders, overpayment credit, bank fee, cancel), exchange gain/loss per instalment, and
//! profit with charges shared exactly — the one number sales and finance both read.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::common::{Client, TestServer, code};

async fn ok(c: &Client, method: Method, path: &str, body: Value) -> Value {
    let (status, v) = c.send(method.clone(), path, Some(body)).await;
    assert!(status.is_success(), "{method} {path}: {status} {v}");
    v
}

async fn refused(c: &Client, method: Method, path: &str, body: Value) -> (StatusCode, Value) {
    let (status, v) = c.send(method.clone(), path, Some(body)).await;
    assert!(
        !status.is_success(),
        "{method} {path} should be refused: {v}"
    );
    (status, v)
}

fn id(v: &Value) -> u64 {
    v["id"].as_u64().unwrap_or_else(|| panic!("no id in {v}"))
}

/// A customer of the rep `c` (the creator owns it).
async fn customer(c: &Client, name: &str) -> u64 {
    let v = ok(
        c,
        Method::POST,
        "/api/v1/customers",
        json!({"name": name, "country": "DE"}),
    )
    .await;
    id(&v)
}

async fn rate(admin: &Client, currency: &str, date: &str, rate: &str) {
    ok(
        admin,
        Method::POST,
        "/api/v1/exchange-rates",
        json!({"currency": currency, "date": date, "rate": rate}),
    )
    .await;
}

fn deposit_balance() -> Value {
    json!([
        {"label_zh": "定金", "label_en": "Deposit", "percent": "30", "method": "tt", "anchor": "order_date", "days": 0},
        {"label_zh": "尾款", "label_en": "Balance", "percent": "70", "method": "tt", "anchor": "bl_date", "days": 15}
    ])
}

/// An order for a customer: `lines` as (description, quantity, unit price).
async fn order(
    c: &Client,
    customer: u64,
    currency: &str,
    date: &str,
    lines: &[(&str, &str, &str)],
) -> Value {
    let lines: Vec<Value> = lines
        .iter()
        .map(|(d, q, p)| json!({"description": d, "quantity": q, "unit_price": p}))
        .collect();
    ok(
        c,
        Method::POST,
        "/api/v1/orders",
        json!({"customer_id": customer, "currency": currency,
        "order_date": date, "lines": lines, "terms": deposit_balance()}),
    )
    .await
}

/// Sends a file as the request body (how the app uploads).
async fn post_file(c: &Client, path: &str, bytes: &[u8]) -> (StatusCode, Value) {
    let resp = c
        .http
        .post(format!("{}{path}", c.base))
        .header("accept-language", c.lang)
        .body(bytes.to_vec())
        .send()
        .await
        .expect("upload");
    let status = resp.status();
    (status, resp.json().await.unwrap_or(Value::Null))
}

/// A document as bytes, with its content type.
async fn fetch(c: &Client, path: &str) -> (StatusCode, String, Vec<u8>) {
    let resp = c
        .http
        .get(format!("{}{path}", c.base))
        .header("accept-language", c.lang)
        .send()
        .await
        .expect("fetch");
    let status = resp.status();
    let ct = resp
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    (status, ct, resp.bytes().await.unwrap_or_default().to_vec())
}

async fn receipt(c: &Client, body: Value) -> Value {
    let (status, v) = c.send(Method::POST, "/api/v1/receipts", Some(body)).await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    v
}

/// Confirms the receipt's proposals as they are.
async fn confirm(c: &Client, r: &Value) -> Value {
    let allocations: Vec<Value> = r["proposals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| json!({"order_id": p["order_id"], "instalment": p["instalment"], "amount": p["amount"]["amount"]}))
        .collect();
    ok(
        c,
        Method::POST,
        &format!("/api/v1/receipts/{}/allocations", id(r)),
        json!({"allocations": allocations}),
    )
    .await
}

fn proposals(r: &Value) -> Vec<(String, u64, String, String)> {
    r["proposals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["order_number"].as_str().unwrap().to_string(),
                p["instalment"].as_u64().unwrap(),
                p["amount"]["amount"].as_str().unwrap().to_string(),
                p["reason"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn plan(o: &Value) -> Vec<(String, String, String, Option<String>)> {
    o["plan"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["amount"]["amount"].as_str().unwrap().to_string(),
                i["received"]["amount"].as_str().unwrap().to_string(),
                i["outstanding"]["amount"].as_str().unwrap().to_string(),
                i["due"].as_str().map(str::to_string),
            )
        })
        .collect()
}

fn has_key(v: &Value, key: &str) -> bool {
    match v {
        Value::Object(m) => m.contains_key(key) || m.values().any(|x| has_key(x, key)),
        Value::Array(a) => a.iter().any(|x| has_key(x, key)),
        _ => false,
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_quotation_is_revised_accepted_and_becomes_an_order_with_its_plan() {
    let (s, admin) = TestServer::with_admin().await;
    let (_, rep) = s.user(&admin, "li.na", "sales", &[]).await;
    let p = ok(
        &admin,
        Method::POST,
        "/api/v1/products",
        json!({"sku": "LED-100", "name_zh": "LED 筒灯",
        "name_en": "LED downlight", "prices": [{"amount": "3.20", "currency": "USD"}],
        "cost": {"amount": "14.80", "currency": "CNY"},
        "packing": {"units_per_carton": 50, "carton_cm": ["60", "40", "30"], "gross_kg": "12.5"}}),
    )
    .await;
    let cid = customer(&rep, "Müller Licht GmbH").await;
    let q = ok(&rep, Method::POST, "/api/v1/quotations", json!({"customer_id": cid, "currency": "USD",
        "incoterm": "fob", "named_place": "Ningbo",
        "lines": [{"product_id": id(&p), "quantity": "1000"}, {"description": "Mould fee", "quantity": "1", "unit_price": "350"}]})).await;
    let qid = id(&q);
    assert!(q["number"].as_str().unwrap().starts_with("QT-20"), "{q}");
    assert_eq!(q["total"]["amount"], "3550.00");
    assert_eq!(q["body"]["incoterm"], "FOB");
    assert_eq!(q["body"]["lines"][0]["description"], "LED downlight");
    assert!(
        !has_key(&q, "unit_cost"),
        "a rep never sees the product cost: {q}"
    );
    let admin_q = admin.get(&format!("/api/v1/quotations/{qid}")).await;
    assert_eq!(admin_q["body"]["lines"][0]["unit_cost"]["amount"], "14.80");

    // Editing a draft changes it in place; sending, then changing, makes revision 2.
    let q = ok(
        &rep,
        Method::PATCH,
        &format!("/api/v1/quotations/{qid}"),
        json!({"lines": [{"product_id": id(&p), "quantity": "1200"}]}),
    )
    .await;
    assert_eq!(
        (q["revision"].as_u64(), q["total"]["amount"].as_str()),
        (Some(1), Some("3840.00"))
    );
    ok(
        &rep,
        Method::POST,
        &format!("/api/v1/quotations/{qid}/steps"),
        json!({"step": "send"}),
    )
    .await;
    let q = ok(
        &rep,
        Method::PATCH,
        &format!("/api/v1/quotations/{qid}"),
        json!({"lines": [{"product_id": id(&p), "quantity": "1200", "unit_price": "3.05"}]}),
    )
    .await;
    assert_eq!(q["revision"], 2);
    assert_eq!(q["status"], "draft");
    assert_eq!(q["history"][0]["revision"], 1);
    assert_eq!(q["history"][0]["status"], "sent");
    assert_eq!(
        q["history"][0]["body"]["lines"][0]["unit_price"], "3.20",
        "the old revision stays readable"
    );
    assert_eq!(q["total"]["amount"], "3660.00");

    // Accepting needs a sent quotation; an accepted one is closed to edits.
    let (status, e) = refused(
        &rep,
        Method::POST,
        &format!("/api/v1/quotations/{qid}/steps"),
        json!({"step": "accept"}),
    )
    .await;
    assert_eq!(
        (status, code(&e)),
        (StatusCode::CONFLICT, "conflict"),
        "{e}"
    );
    ok(
        &rep,
        Method::POST,
        &format!("/api/v1/quotations/{qid}/steps"),
        json!({"step": "send"}),
    )
    .await;
    ok(
        &rep,
        Method::POST,
        &format!("/api/v1/quotations/{qid}/steps"),
        json!({"step": "accept"}),
    )
    .await;
    let (status, _) = refused(
        &rep,
        Method::PATCH,
        &format!("/api/v1/quotations/{qid}"),
        json!({"remarks": "x"}),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);

    // The order takes the quotation's lines with the order date's rate.
    let (status, e) = refused(
        &rep,
        Method::POST,
        &format!("/api/v1/quotations/{qid}/order"),
        json!({"order_date": "2026-11-02", "terms": deposit_balance()}),
    )
    .await;
    assert_eq!(
        (status, e["error"]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("currency")),
        "no USD rate yet: {e}"
    );
    rate(&admin, "USD", "2026-10-30", "7.1000").await;
    let o = ok(
        &rep,
        Method::POST,
        &format!("/api/v1/quotations/{qid}/order"),
        json!({"order_date": "2026-11-02", "customer_ref": "PO-4711", "terms": deposit_balance()}),
    )
    .await;
    assert!(o["number"].as_str().unwrap().starts_with("SO-2026-"), "{o}");
    assert_eq!(
        o["rate"]["rate"], "7.1",
        "the latest rate before the order date"
    );
    assert_eq!(o["rate"]["date"], "2026-10-30");
    assert_eq!(
        plan(&o),
        vec![
            (
                "1098.00".into(),
                "0.00".into(),
                "1098.00".into(),
                Some("2026-11-02".into())
            ),
            ("2562.00".into(), "0.00".into(), "2562.00".into(), None),
        ]
    );
    // The terms read in the viewer's language, worded from the order's own frozen parts.
    let path = format!("/api/v1/orders/{}", o["id"]);
    let (_, zh) = rep.clone().zh().send(Method::GET, &path, None).await;
    assert_eq!(
        zh["terms_name"], "30% T/T 定金 下单日当日；70% T/T 尾款 提单日后 15 天",
        "{zh}"
    );
    assert_eq!(
        o["terms_name"],
        "30% T/T Deposit on the order date; 70% T/T Balance 15 days after the B/L date"
    );
    let again = refused(
        &rep,
        Method::POST,
        &format!("/api/v1/quotations/{qid}/order"),
        json!({"terms": deposit_balance()}),
    )
    .await;
    assert_eq!(again.0, StatusCode::CONFLICT, "one order per quotation");
    let q = rep.get(&format!("/api/v1/quotations/{qid}")).await;
    assert_eq!(q["order_id"], o["id"]);

    // The PI the customer receives: a PDF made by the server, and print-ready HTML, with the
    // letterhead and bank details of the company's document settings.
    ok(&admin, Method::PUT, "/api/v1/document-settings", json!({"name_en": "Ningbo Haina Import & Export Co., Ltd.",
        "address": "宁波市鄞州区天童南路 588 号", "bank": "Beneficiary: Ningbo Haina\nBank of China Ningbo Branch\nSWIFT: BKCHCNBJ92A"})).await;
    let (status, ct, pdf) = fetch(
        &rep,
        &format!("/api/v1/orders/{}/document?format=pdf&lang=zh", id(&o)),
    )
    .await;
    assert_eq!((status, ct.as_str()), (StatusCode::OK, "application/pdf"));
    assert!(pdf.starts_with(b"%PDF"), "a PDF");
    let (status, _, html) = fetch(
        &rep,
        &format!("/api/v1/orders/{}/document?format=html&lang=both", id(&o)),
    )
    .await;
    let html = String::from_utf8(html).unwrap();
    assert_eq!(status, StatusCode::OK);
    for text in [
        o["number"].as_str().unwrap(),
        "宁波海纳进出口有限公司",
        "BKCHCNBJ92A",
        "Müller Licht GmbH",
        "3,660.00",
    ] {
        assert!(html.contains(text), "the PI shows {text}");
    }
    let (status, _, q_pdf) = fetch(&rep, &format!("/api/v1/quotations/{qid}/document")).await;
    assert!(status == StatusCode::OK && q_pdf.starts_with(b"%PDF"));
    let (status, _, _) = fetch(
        &rep,
        &format!("/api/v1/orders/{}/document?format=docx", id(&o)),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

    // The B/L date dates the balance: 15 days after it.
    let o = ok(
        &rep,
        Method::PATCH,
        &format!("/api/v1/orders/{}", id(&o)),
        json!({"bl_date": "2026-12-20"}),
    )
    .await;
    assert_eq!(o["plan"][1]["due"], "2027-01-04");

    // The customer page's money: the open order and its outstanding.
    let money = rep.get(&format!("/api/v1/customers/{cid}/money")).await;
    assert_eq!(money["open_orders"][0]["number"], o["number"]);
    assert_eq!(money["outstanding"][0]["amount"], "3660.00");
}

#[tokio::test(flavor = "multi_thread")]
async fn quotations_past_their_validity_expire() {
    let (s, admin) = TestServer::with_admin().await;
    let cid = customer(&admin, "Expiry Test Ltd").await;
    let q = ok(
        &admin,
        Method::POST,
        "/api/v1/quotations",
        json!({"customer_id": cid, "currency": "EUR",
        "lines": [{"description": "Sample", "quantity": "1", "unit_price": "10"}]}),
    )
    .await;
    ok(
        &admin,
        Method::POST,
        &format!("/api/v1/quotations/{}/steps", id(&q)),
        json!({"step": "send"}),
    )
    .await;
    let k = s.kontor();
    let valid_until: chrono::NaiveDate =
        q["body"]["valid_until"].as_str().unwrap().parse().unwrap();
    // The day it is still valid nothing happens; the day after, it expires.
    let at = |d: chrono::NaiveDate| d.and_hms_opt(4, 0, 0).unwrap().and_utc();
    kontor::domain::sales::quotations::expire(&k, at(valid_until)).unwrap();
    assert_eq!(
        admin.get(&format!("/api/v1/quotations/{}", id(&q))).await["status"],
        "sent"
    );
    kontor::domain::sales::quotations::expire(&k, at(valid_until + chrono::Duration::days(1)))
        .unwrap();
    let q = admin.get(&format!("/api/v1/quotations/{}", id(&q))).await;
    assert_eq!(q["status"], "expired", "{q}");
    // Revising an expired one reopens it as revision 2.
    let q = ok(
        &admin,
        Method::PATCH,
        &format!("/api/v1/quotations/{}", id(&q)),
        json!({"remarks": "new prices"}),
    )
    .await;
    assert_eq!(
        (q["status"].as_str(), q["revision"].as_u64()),
        (Some("draft"), Some(2))
    );
}

/// (remittance, amount, fee, the proposals: (order, instalment, amount, reason))
#[tokio::test(flavor = "multi_thread")]
async fn receipts_are_matched_by_reference_then_amount_then_oldest_first() {
    let (s, admin) = TestServer::with_admin().await;
    let (_, finance) = s.user(&admin, "zhao.kuaiji", "finance", &[]).await;
    let cid = customer(&admin, "Oldest First BV").await;
    // Three CNY orders (no exchange rate needed): 30 % deposits due on their order dates.
    let a = order(&admin, cid, "CNY", "2026-09-01", &[("A", "100", "10")]).await; // 300 + 700
    let b = order(&admin, cid, "CNY", "2026-10-01", &[("B", "200", "10")]).await; // 600 + 1400
    let c = order(&admin, cid, "CNY", "2026-11-01", &[("C", "50", "10")]).await; // 150 + 350
    let (na, nb, nc) = (
        a["number"].as_str().unwrap(),
        b["number"].as_str().unwrap(),
        c["number"].as_str().unwrap(),
    );
    let folded_b = nb.replace('-', " ").to_lowercase();
    // (remittance text, amount, bank fee, proposals as (order, instalment, amount, reason))
    type Proposed<'a> = Vec<(&'a str, u64, &'a str, &'a str)>;
    let table: Vec<(Option<String>, &str, &str, Proposed)> = vec![
        // The reference wins over age: B's instalments in due order.
        (
            Some(format!("PAYMENT {folded_b} THANKS")),
            "800.00",
            "0",
            vec![
                (nb, 0, "600.00", "reference"),
                (nb, 1, "200.00", "reference"),
            ],
        ),
        // An amount that settles C's deposit exactly.
        (None, "150.00", "0", vec![(nc, 0, "150.00", "amount")]),
        // The same with a bank fee: the customer sent 150, the bank took 20.
        (None, "130.00", "20", vec![(nc, 0, "150.00", "amount")]),
        // Otherwise the oldest due first, over several orders (undated balances last).
        (
            None,
            "1100.00",
            "0",
            vec![
                (na, 0, "300.00", "oldest"),
                (nb, 0, "600.00", "oldest"),
                (nc, 0, "150.00", "oldest"),
                (na, 1, "50.00", "oldest"),
            ],
        ),
        // An amount that settles a whole order.
        (
            None,
            "1000.00",
            "0",
            vec![(na, 0, "300.00", "amount"), (na, 1, "700.00", "amount")],
        ),
    ];
    for (remittance, amount, fee, want) in table {
        let r = receipt(
            &finance,
            json!({"customer_id": cid, "amount": {"amount": amount, "currency": "CNY"},
            "bank_fee": fee, "date": "2026-11-20", "remittance": remittance}),
        )
        .await;
        let want: Vec<(String, u64, String, String)> = want
            .iter()
            .map(|(o, i, a, why)| (o.to_string(), *i, a.to_string(), why.to_string()))
            .collect();
        assert_eq!(proposals(&r), want, "{remittance:?} {amount} (fee {fee})");
        // Proposals only propose: nothing is received until finance confirms.
        ok(
            &finance,
            Method::POST,
            &format!("/api/v1/receipts/{}/cancel", id(&r)),
            json!({}),
        )
        .await;
    }
    let b_now = finance.get(&format!("/api/v1/orders/{}", id(&b))).await;
    assert_eq!(b_now["receivable"]["received"]["amount"], "0.00");

    // A receipt without a customer finds it by the order number in the remittance text.
    let r = receipt(
        &finance,
        json!({"amount": {"amount": "300.00", "currency": "CNY"}, "date": "2026-11-21",
        "remittance": format!("INV {na}")}),
    )
    .await;
    assert_eq!(r["customer_id"], cid);
    confirm(&finance, &r).await;
    let a_now = finance.get(&format!("/api/v1/orders/{}", id(&a))).await;
    assert_eq!(plan(&a_now)[0].1, "300.00");
}

#[tokio::test(flavor = "multi_thread")]
async fn one_receipt_over_several_orders_overpayment_credit_refund_and_cancel() {
    let (s, admin) = TestServer::with_admin().await;
    let (_, finance) = s.user(&admin, "qian.chuna", "finance", &[]).await;
    let cid = customer(&admin, "Split Pay Ltd").await;
    let a = order(&admin, cid, "CNY", "2026-09-01", &[("A", "100", "10")]).await;
    let b = order(&admin, cid, "CNY", "2026-10-01", &[("B", "100", "10")]).await;
    // 300 + 300 deposits, 100 over: credit.
    let r = receipt(&finance, json!({"customer_id": cid, "amount": {"amount": "700.00", "currency": "CNY"}, "date": "2026-10-05"})).await;
    let r = ok(
        &finance,
        Method::POST,
        &format!("/api/v1/receipts/{}/allocations", id(&r)),
        json!({"allocations": [
        {"order_id": id(&a), "instalment": 0, "amount": "300.00"},
        {"order_id": id(&b), "instalment": 0, "amount": "300.00"}]}),
    )
    .await;
    assert_eq!(r["allocated"]["amount"], "600.00");
    assert_eq!(
        r["available"]["amount"], "100.00",
        "the overpayment stays as credit"
    );
    let money = admin.get(&format!("/api/v1/customers/{cid}/money")).await;
    assert_eq!(money["credit"][0]["amount"], "100.00");

    // More than an instalment holds is refused, naming the allocation; nothing is written.
    let url = format!("/api/v1/receipts/{}/allocations", id(&r));
    let (status, e) = refused(
        &finance,
        Method::POST,
        &url,
        json!({"allocations": [
        {"order_id": id(&a), "instalment": 1, "amount": "50.00"},
        {"order_id": id(&b), "instalment": 0, "amount": "0.01"}]}),
    )
    .await;
    assert_eq!(
        (status, e["error"]["field"].as_str()),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("allocations[1].amount")
        ),
        "{e}"
    );
    assert_eq!(
        finance.get(&format!("/api/v1/receipts/{}", id(&r))).await["allocated"]["amount"],
        "600.00"
    );
    // More than the receipt has left is refused too.
    let (_, e) = refused(
        &finance,
        Method::POST,
        &url,
        json!({"allocations": [{"order_id": id(&a), "instalment": 1, "amount": "100.01"}]}),
    )
    .await;
    assert_eq!(e["error"]["field"], "allocations[0].amount");

    // The credit is used on a later order's balance; 40 of it is refunded.
    ok(
        &finance,
        Method::POST,
        &url,
        json!({"allocations": [{"order_id": id(&b), "instalment": 1, "amount": "60.00"}]}),
    )
    .await;
    let r = ok(
        &finance,
        Method::POST,
        &format!("/api/v1/receipts/{}/refunds", id(&r)),
        json!({"amount": "40.00", "date": "2026-10-10"}),
    )
    .await;
    assert_eq!(r["available"]["amount"], "0.00");
    let (status, _) = refused(
        &finance,
        Method::POST,
        &format!("/api/v1/receipts/{}/refunds", id(&r)),
        json!({"amount": "0.01", "date": "2026-10-10"}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

    // A second receipt, then cancelling the first reverses exactly the first's allocations.
    let r2 = receipt(&finance, json!({"customer_id": cid, "amount": {"amount": "100.00", "currency": "CNY"}, "date": "2026-10-12"})).await;
    ok(
        &finance,
        Method::POST,
        &format!("/api/v1/receipts/{}/allocations", id(&r2)),
        json!({"allocations": [{"order_id": id(&a), "instalment": 1, "amount": "100.00"}]}),
    )
    .await;
    let (status, _) = refused(
        &finance,
        Method::POST,
        &format!("/api/v1/receipts/{}/cancel", id(&r)),
        json!({}),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::CONFLICT,
        "refunds must be taken back first"
    );
    let r3 = receipt(&finance, json!({"customer_id": cid, "amount": {"amount": "300.00", "currency": "CNY"}, "date": "2026-10-13"})).await;
    ok(
        &finance,
        Method::POST,
        &format!("/api/v1/receipts/{}/allocations", id(&r3)),
        json!({"allocations": [{"order_id": id(&a), "instalment": 1, "amount": "300.00"}]}),
    )
    .await;
    let before = plan(&admin.get(&format!("/api/v1/orders/{}", id(&a))).await);
    assert_eq!(before[1].1, "400.00");
    ok(
        &finance,
        Method::POST,
        &format!("/api/v1/receipts/{}/cancel", id(&r3)),
        json!({"reason": "duplicate entry"}),
    )
    .await;
    let after = plan(&admin.get(&format!("/api/v1/orders/{}", id(&a))).await);
    assert_eq!(
        after[1].1, "100.00",
        "only the cancelled receipt's 300 came off"
    );
    assert_eq!(after[0].1, "300.00");

    // A credit note pays without money; lines cannot change once receipts are matched.
    let cn = receipt(&finance, json!({"customer_id": cid, "kind": "credit_note", "amount": {"amount": "40.00", "currency": "CNY"}, "date": "2026-10-20"})).await;
    assert!(cn["number"].as_str().unwrap().starts_with("CN-"));
    ok(
        &finance,
        Method::POST,
        &format!("/api/v1/receipts/{}/allocations", id(&cn)),
        json!({"allocations": [{"order_id": id(&b), "instalment": 1, "amount": "40.00"}]}),
    )
    .await;
    let b_now = admin.get(&format!("/api/v1/orders/{}", id(&b))).await;
    assert_eq!(b_now["receivable"]["credited"]["amount"], "40.00");
    assert_eq!(
        b_now["receivable"]["outstanding"]["amount"], "600.00",
        "1000 − 300 − 60 − 40"
    );
    let (status, e) = refused(
        &admin,
        Method::PATCH,
        &format!("/api/v1/orders/{}", id(&b)),
        json!({"lines": [{"description": "B", "quantity": "1", "unit_price": "1"}]}),
    )
    .await;
    assert_eq!(
        (status, e["error"]["field"].as_str()),
        (StatusCode::CONFLICT, Some("lines")),
        "{e}"
    );
}

/// USD 10,000 booked at 7.0 and received at 6.9 → CNY −1,000, per instalment.
#[tokio::test(flavor = "multi_thread")]
async fn exchange_gain_and_loss_per_instalment_and_order() {
    let (s, admin) = TestServer::with_admin().await;
    let (_, finance) = s.user(&admin, "sun.caiwu", "finance", &[]).await;
    let cid = customer(&admin, "FX Trading Inc").await;
    rate(&admin, "USD", "2026-09-01", "7.0").await;
    rate(&admin, "USD", "2026-09-10", "6.9").await;
    rate(&admin, "USD", "2026-12-01", "7.2").await;
    let o = order(
        &admin,
        cid,
        "USD",
        "2026-09-01",
        &[("Widgets", "1000", "10")],
    )
    .await; // 3,000 + 7,000
    let oid = id(&o);
    // (receipt date, amount, rate given or from the table, instalment, FX)
    let table = [
        ("2026-09-10", "3000.00", None, 0, "-300.00"),
        ("2026-12-01", "7000.00", Some("7.25"), 1, "1750.00"),
    ];
    for (date, amount, rate, instalment, fx) in table {
        let r = receipt(&finance, json!({"customer_id": cid, "amount": {"amount": amount, "currency": "USD"}, "date": date, "rate": rate})).await;
        let r = ok(
            &finance,
            Method::POST,
            &format!("/api/v1/receipts/{}/allocations", id(&r)),
            json!({"allocations": [{"order_id": oid, "instalment": instalment, "amount": amount}]}),
        )
        .await;
        assert_eq!(r["allocations"][0]["fx"]["amount"], fx, "{date}");
        assert_eq!(r["fx"]["currency"], "CNY");
        let o = admin.get(&format!("/api/v1/orders/{oid}")).await;
        assert_eq!(o["plan"][instalment]["fx"]["amount"], fx);
    }
    let o = admin.get(&format!("/api/v1/orders/{oid}")).await;
    assert_eq!(o["receivable"]["fx"]["amount"], "1450.00");
    // Per month: the loss in September, the gain in December.
    let months = finance.get("/api/v1/receivables/fx").await;
    let by_month: Vec<(&str, &str)> = months
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["month"].as_str().unwrap(),
                m["net"]["amount"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        by_month,
        vec![("2026-12", "1750.00"), ("2026-09", "-300.00")]
    );
    assert_eq!(o["receivable"]["settled"], true);
    assert_eq!(o["costing"]["actual"]["fx"]["amount"], "1450.00");
    // No rate for the receipt's day: refused, naming the rate.
    let (status, e) = refused(&finance, Method::POST, "/api/v1/receipts", json!({"customer_id": cid, "amount": {"amount": "1.00", "currency": "USD"}, "date": "2026-09-11"})).await;
    assert_eq!(
        (status, e["error"]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("rate")),
        "{e}"
    );
    // Base-currency receipts have no exchange difference.
    let co = order(&admin, cid, "CNY", "2026-09-01", &[("Local", "1", "100")]).await;
    let r = receipt(&finance, json!({"customer_id": cid, "amount": {"amount": "30.00", "currency": "CNY"}, "date": "2026-09-02"})).await;
    let r = ok(
        &finance,
        Method::POST,
        &format!("/api/v1/receipts/{}/allocations", id(&r)),
        json!({"allocations": [{"order_id": id(&co), "instalment": 0, "amount": "30.00"}]}),
    )
    .await;
    assert_eq!(r["allocations"][0]["fx"]["amount"], "0.00");
}

#[tokio::test(flavor = "multi_thread")]
async fn profit_is_one_number_for_sales_and_finance_and_hidden_where_the_role_hides_it() {
    let (s, admin) = TestServer::with_admin().await;
    let team = ok(
        &admin,
        Method::POST,
        "/api/v1/teams",
        json!({"name": "欧洲组"}),
    )
    .await;
    let (_, rep) = s.user(&admin, "zhou.yewu", "sales", &[id(&team)]).await;
    let (_, finance) = s.user(&admin, "wu.caiwu", "finance", &[]).await;
    let (_, merch) = s
        .user(&admin, "zheng.gendan", "merchandiser", &[id(&team)])
        .await;
    rate(&admin, "USD", "2026-09-01", "7.0").await;
    let heavy = ok(&admin, Method::POST, "/api/v1/products", json!({"sku": "H-1", "name_en": "Heavy",
        "cost": {"amount": "40.00", "currency": "CNY"}, "packing": {"units_per_carton": 10, "gross_kg": "30"}})).await;
    let light = ok(&admin, Method::POST, "/api/v1/products", json!({"sku": "L-1", "name_en": "Light",
        "cost": {"amount": "5.00", "currency": "CNY"}, "packing": {"units_per_carton": 100, "gross_kg": "10"}})).await;
    let cid = customer(&rep, "Profit GmbH").await;
    let o = ok(
        &rep,
        Method::POST,
        "/api/v1/orders",
        json!({"customer_id": cid, "currency": "USD", "order_date": "2026-09-01",
        "terms": deposit_balance(),
        "lines": [{"product_id": id(&heavy), "quantity": "100", "unit_price": "10"},
                  {"product_id": id(&light), "quantity": "1000", "unit_price": "1.5"},
                  {"product_id": id(&light), "quantity": "333", "unit_price": "1.5"}]}),
    )
    .await;
    let oid = id(&o);
    // Revenue 1,000 + 1,500 + 499.50 = USD 2,999.50 → CNY 20,996.50 at 7.0.
    assert_eq!(o["total"]["amount"], "2999.50");
    // The rep may not set costs (hidden), finance enters them: freight by weight, commission by value.
    let (status, e) = refused(
        &rep,
        Method::PATCH,
        &format!("/api/v1/orders/{oid}"),
        json!({"charges": []}),
    )
    .await;
    assert_eq!(
        (status, e["error"]["field"].as_str()),
        (StatusCode::FORBIDDEN, Some("charges"))
    );
    let o = ok(&admin, Method::PATCH, &format!("/api/v1/orders/{oid}"), json!({
        "estimates": [{"kind": "freight", "amount": {"amount": "900.00", "currency": "CNY"}, "basis": "weight"}],
        "charges": [
            {"kind": "purchase", "amount": {"amount": "10000.00", "currency": "CNY"}, "basis": "quantity"},
            {"kind": "freight", "amount": {"amount": "1000.00", "currency": "CNY"}, "basis": "weight"},
            {"kind": "commission", "amount": {"amount": "30.00", "currency": "USD"}, "date": "2026-09-01", "basis": "value"}]})).await;
    let p = &o["costing"];
    assert_eq!(p["estimated"]["revenue"]["amount"], "20996.50");
    // Product costs 100 × 40 + 1,333 × 5 = 10,665; plus freight 900.
    assert_eq!(p["estimated"]["cost_total"]["amount"], "11565.00");
    assert_eq!(p["estimated"]["profit"]["amount"], "9431.50");
    // Actual: 10,000 + 1,000 + 30 × 7.0 = 11,210.
    assert_eq!(p["actual"]["cost_total"]["amount"], "11210.00");
    assert_eq!(p["actual"]["profit"]["amount"], "9786.50");
    // Per line, the charges' shares add up to the charges exactly.
    let line_costs: Vec<rust_decimal::Decimal> = p["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["cost"]["amount"].as_str().unwrap().parse().unwrap())
        .collect();
    assert_eq!(
        line_costs.iter().sum::<rust_decimal::Decimal>(),
        "11210.00".parse().unwrap(),
        "{line_costs:?}"
    );
    // Weights: 300 kg, 100 kg, 33.3 kg → freight 692.36, 230.78, the rest on the last line.
    let freight_weight = |w: &str| -> rust_decimal::Decimal { w.parse().unwrap() };
    assert!(line_costs[0] > freight_weight("692"), "{line_costs:?}");

    // The same number on the sales and the finance screens; none for a role that hides profit.
    let seen_by_finance = finance.get(&format!("/api/v1/orders/{oid}")).await;
    let seen_by_rep = rep.get(&format!("/api/v1/orders/{oid}")).await;
    assert_eq!(
        seen_by_finance["costing"]["actual"]["profit"],
        seen_by_rep["costing"]["actual"]["profit"]
    );
    assert_eq!(
        seen_by_rep["costing"]["actual"]["profit"]["amount"],
        "9786.50"
    );
    for key in [
        "charges",
        "estimates",
        "unit_cost",
        "cost_total",
        "costs",
        "cost",
    ] {
        assert!(
            !has_key(&seen_by_rep, key),
            "the rep sees {key}: {seen_by_rep}"
        );
    }
    let seen_by_merch = merch.get(&format!("/api/v1/orders/{oid}")).await;
    assert!(seen_by_merch["number"].is_string(), "{seen_by_merch}");
    for key in ["profit", "margin_percent"] {
        assert!(
            !has_key(&seen_by_merch, key),
            "the merchandiser sees {key}: {seen_by_merch}"
        );
    }
    assert_eq!(
        seen_by_merch["costing"]["actual"]["cost_total"],
        seen_by_finance["costing"]["actual"]["cost_total"]
    );
    assert!(
        seen_by_merch["charges"].is_array(),
        "a merchandiser sees costs"
    );
    // The audit log shows the rep the lines' change without the cost inside.
    let audit = rep
        .get(&format!("/api/v1/audit?kind=sales_order&record_id={oid}"))
        .await;
    assert!(
        !has_key(&audit, "unit_cost") && !audit.to_string().contains("\"charges\""),
        "{audit}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_input_is_refused_naming_the_field_and_nothing_is_half_written() {
    let (_s, admin) = TestServer::with_admin().await;
    let cid = customer(&admin, "Bad Input AG").await;
    let line = |q: &str, p: &str| json!([{"description": "x", "quantity": q, "unit_price": p}]);
    // (body changes, field named)
    let table: Vec<(Value, &str)> = vec![
        (json!({"lines": line("0", "1")}), "lines[0].quantity"),
        (json!({"lines": line("-5", "1")}), "lines[0].quantity"),
        (json!({"lines": line("1", "0")}), "lines[0].unit_price"),
        (json!({"lines": line("1", "-2")}), "lines[0].unit_price"),
        (json!({"currency": "XYZ"}), "currency"),
        (json!({"lines": []}), "lines"),
        (json!({"incoterm": "DAT"}), "incoterm"),
        (
            json!({"terms": [{"label_zh": "定金", "label_en": "Deposit", "percent": "30", "method": "tt", "anchor": "order_date", "days": 0},
            {"label_zh": "尾款", "label_en": "Balance", "percent": "60", "method": "tt", "anchor": "bl_date", "days": 0}]}),
            "terms",
        ),
        (json!({"currency": "USD"}), "currency"),
    ];
    for (change, field) in table {
        let mut body = json!({"customer_id": cid, "currency": "CNY", "order_date": "2026-09-01",
            "lines": line("1", "1"), "terms": deposit_balance()});
        for (k, v) in change.as_object().unwrap() {
            body[k] = v.clone();
        }
        let (status, e) = refused(&admin, Method::POST, "/api/v1/orders", body).await;
        assert_eq!(
            (status, e["error"]["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some(field)),
            "{change}: {e}"
        );
    }
    assert_eq!(
        admin.get("/api/v1/orders").await["total"],
        0,
        "nothing was written"
    );
    // A rate of 0, a receipt in a currency with no rate for its day.
    let (_, e) = refused(
        &admin,
        Method::POST,
        "/api/v1/exchange-rates",
        json!({"currency": "USD", "date": "2026-01-01", "rate": "0"}),
    )
    .await;
    assert_eq!(e["error"]["field"], "rate");
    // An import names the bad row; nothing of the file is kept.
    let (status, e) = post_file(
        &admin,
        "/api/v1/exchange-rates/import?filename=rates.csv",
        "date,currency,rate\n2026-01-02,USD,7.01\n2026-01-03,EUR,abc\n".as_bytes(),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert!(
        e["error"]["field"].as_str().unwrap().starts_with("row 3"),
        "{e}"
    );
    assert_eq!(admin.get("/api/v1/exchange-rates").await["total"], 0);
    let (status, v) = post_file(
        &admin,
        "/api/v1/exchange-rates/import?filename=rates.csv",
        "日期,币种,汇率\n2026-01-02,USD,7.01\n2026/01/03,eur,7.80\n".as_bytes(),
    )
    .await;
    assert_eq!(
        (status, v["added"].as_u64()),
        (StatusCode::OK, Some(2)),
        "{v}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn aging_reminders_and_the_dunning_letter() {
    let (s, admin) = TestServer::with_admin().await;
    let (rep_id, rep) = s.user(&admin, "he.yewu", "sales", &[]).await;
    let (finance_id, finance) = s.user(&admin, "lin.caiwu", "finance", &[]).await;
    let cid = customer(&rep, "Late Payer SRL").await;
    // Dates from today (the company's day): the deposit 45 days overdue, the balance due in 10.
    let today = chrono::Utc::now()
        .with_timezone(&chrono_tz::Asia::Shanghai)
        .date_naive();
    let day = |n: i64| (today + chrono::Duration::days(n)).to_string();
    let o = order(&rep, cid, "CNY", &day(-45), &[("Goods", "100", "10")]).await;
    ok(
        &rep,
        Method::PATCH,
        &format!("/api/v1/orders/{}", id(&o)),
        json!({"bl_date": day(-5), "lang": "en"}),
    )
    .await;
    let k = s.kontor();
    // Three days on, the balance is due in 7: both instalments are told, once, however often
    // the job runs.
    let at = format!("{}T02:00:00Z", day(3))
        .parse::<chrono::DateTime<chrono::Utc>>()
        .unwrap();
    kontor::domain::sales::receivables::remind(&k, at).unwrap();
    kontor::domain::sales::receivables::remind(&k, at).unwrap();
    for (c, who) in [(&rep, rep_id), (&finance, finance_id)] {
        let n = c.get("/api/v1/notifications").await;
        let texts: Vec<&str> = n["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x["text"].as_str().unwrap())
            .collect();
        assert_eq!(texts.len(), 2, "user {who}: {texts:?}");
    }
    let tasks = rep.get("/api/v1/my-day").await;
    assert!(
        tasks.to_string().contains(o["number"].as_str().unwrap()),
        "{tasks}"
    );
    let aging = finance.get("/api/v1/receivables/aging?by=customer").await;
    assert_eq!(aging[0]["name"], "Late Payer SRL");
    assert_eq!(aging[0]["days_31_60"]["amount"], "300.00", "{aging}");
    assert_eq!(aging[0]["current"]["amount"], "700.00");
    assert_eq!(aging[0]["total"]["amount"], "1000.00");
    let by_rep = finance.get("/api/v1/receivables/aging?by=owner").await;
    assert_eq!(by_rep[0]["name"], "he.yewu");
    let letter = rep.get(&format!("/api/v1/orders/{}/dunning", id(&o))).await;
    assert!(
        letter["body"].as_str().unwrap().contains("CNY 300.00"),
        "{letter}"
    );
    assert!(
        letter["subject"]
            .as_str()
            .unwrap()
            .contains(o["number"].as_str().unwrap())
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn open_orders_quotations_and_receipts_go_with_their_customer_settled_ones_stay() {
    let (s, admin) = TestServer::with_admin().await;
    let (_, a) = s.user(&admin, "old.rep", "sales", &[]).await;
    let (b_id, b) = s.user(&admin, "new.rep", "sales", &[]).await;
    let (_, finance) = s.user(&admin, "ma.caiwu", "finance", &[]).await;
    let cid = customer(&a, "Handover Trading SA").await;
    let advance = json!([{"label_zh": "全款", "label_en": "Full payment", "percent": "100",
        "method": "tt", "anchor": "order_date", "days": 0}]);
    let body = |desc: &str| {
        json!({"customer_id": cid, "currency": "CNY", "order_date": "2026-10-01", "terms": advance,
            "lines": [{"description": desc, "quantity": "10", "unit_price": "10"}]})
    };
    let settled = ok(&a, Method::POST, "/api/v1/orders", body("Settled")).await;
    let open = ok(&a, Method::POST, "/api/v1/orders", body("Open")).await;
    let q = ok(
        &a,
        Method::POST,
        "/api/v1/quotations",
        json!({"customer_id": cid, "currency": "CNY",
        "lines": [{"description": "Draft", "quantity": "1", "unit_price": "5"}]}),
    )
    .await;
    let r = receipt(&finance, json!({"customer_id": cid, "amount": {"amount": "100.00", "currency": "CNY"}, "date": "2026-10-02"})).await;
    ok(
        &finance,
        Method::POST,
        &format!("/api/v1/receipts/{}/allocations", id(&r)),
        json!({"allocations": [{"order_id": id(&settled), "instalment": 0, "amount": "100.00"}]}),
    )
    .await;

    ok(
        &admin,
        Method::POST,
        &format!("/api/v1/customers/{cid}/transfer"),
        json!({"to_user": b_id}),
    )
    .await;
    // (record, who sees it now, who no longer does)
    let table = [
        (
            format!("/api/v1/orders/{}", id(&open)),
            &b,
            &a,
            "an open order goes",
        ),
        (
            format!("/api/v1/quotations/{}", id(&q)),
            &b,
            &a,
            "an open quotation goes",
        ),
        (
            format!("/api/v1/orders/{}", id(&settled)),
            &a,
            &b,
            "a settled order stays with its seller",
        ),
    ];
    for (path, sees, not, why) in table {
        assert_eq!(
            sees.send(Method::GET, &path, None).await.0,
            StatusCode::OK,
            "{why}"
        );
        assert_eq!(
            not.send(Method::GET, &path, None).await.0,
            StatusCode::NOT_FOUND,
            "{why}"
        );
    }
    let receipt_now = admin.get(&format!("/api/v1/receipts/{}", id(&r))).await;
    assert_eq!(
        receipt_now["owner_name"], "new.rep",
        "the customer's receipts follow it"
    );
}
