//! Supplier invoices and payables (FIN-2): due dates from the purchase order's terms or
//! entered, partial payments up to the amount (over-payment refused), the amount shared over the
//! purchase orders exactly, aging, reminders to finance N days before (once per invoice and due
//! date, in the reader's language), and the roles that never see the amounts.

use chrono::{Days, NaiveDate, Utc};
use chrono_tz::Asia::Shanghai;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use super::{goods, id, ok};

fn today() -> NaiveDate {
    Utc::now().with_timezone(&Shanghai).date_naive()
}

fn day(offset: i64) -> String {
    if offset >= 0 {
        (today() + Days::new(offset as u64)).to_string()
    } else {
        (today() - Days::new((-offset) as u64)).to_string()
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn invoices_take_due_dates_split_exactly_and_refuse_over_payment() {
    let g = goods().await;
    let s = g
        .supplier(
            "Ningbo Lamp Works",
            &[("LAMP-1", "8.50", 7), ("CHAIR-2", "3.00", 7)],
        )
        .await;
    ok(
        &g.admin,
        Method::PATCH,
        &format!("/api/v1/suppliers/{s}"),
        json!({"payment_terms": "T/T 30 days after invoice"}),
    )
    .await;
    let po1 = id(&g.po(s, &[("LAMP-1", "100")], &day(20)).await); // CNY 850
    let po2 = id(&g.po(s, &[("CHAIR-2", "50")], &day(20)).await); // CNY 150
    let draft = id(&ok(
        &g.admin,
        Method::POST,
        "/api/v1/purchase-orders",
        json!({"supplier_id": s, "lines": [{"product_id": g.p("LAMP-1"), "quantity": "5"}]}),
    )
    .await);
    // (invoice, due date wanted): from the terms, or entered.
    let cases = [
        (
            json!({"number": "INV-001", "supplier_id": s, "po_ids": [po1, po2], "amount": {"amount": "1000.01", "currency": "CNY"}, "invoice_date": "2026-03-01"}),
            "2026-03-31",
        ),
        (
            json!({"number": "INV-002", "supplier_id": s, "po_ids": [po1], "amount": {"amount": "100", "currency": "CNY"}, "invoice_date": "2026-03-01", "due_date": "2026-04-15"}),
            "2026-04-15",
        ),
    ];
    let mut invoices = Vec::new();
    for (body, due) in cases {
        let v = ok(
            &g.admin,
            Method::POST,
            "/api/v1/supplier-invoices",
            body.clone(),
        )
        .await;
        assert_eq!(
            (v["due_date"].as_str(), v["status"].as_str()),
            (Some(due), Some("open")),
            "{v}"
        );
        invoices.push(v);
    }
    // 1000.01 over 850 : 150, to the cent.
    let shares: Vec<(u64, &str)> = invoices[0]["po_shares"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| {
            (
                x["po_id"].as_u64().unwrap(),
                x["amount"]["amount"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(shares, vec![(po1, "850.01"), (po2, "150.00")]);

    let refusals = [
        (
            json!({"number": "inv-001", "supplier_id": s, "po_ids": [po1], "amount": {"amount": "1", "currency": "CNY"}, "invoice_date": "2026-03-01"}),
            StatusCode::CONFLICT,
            "number",
        ),
        (
            json!({"number": "INV-009", "supplier_id": s, "po_ids": [draft], "amount": {"amount": "1", "currency": "CNY"}, "invoice_date": "2026-03-01"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "po_ids[0]",
        ),
        (
            json!({"number": "INV-009", "supplier_id": s, "po_ids": [po1, po1], "amount": {"amount": "1", "currency": "CNY"}, "invoice_date": "2026-03-01"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "po_ids[1]",
        ),
        (
            json!({"number": "INV-009", "supplier_id": s, "po_ids": [po1], "amount": {"amount": "1", "currency": "USD"}, "invoice_date": "2026-03-01"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "po_ids[0]",
        ),
        (
            json!({"number": "INV-009", "supplier_id": s, "po_ids": [po1], "amount": {"amount": "-1", "currency": "CNY"}, "invoice_date": "2026-03-01"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "amount",
        ),
        (
            json!({"number": "INV-009", "supplier_id": s, "po_ids": [po1], "amount": {"amount": "1", "currency": "CNY"}, "invoice_date": "2026-03-01", "due_date": "2026-02-01"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "due_date",
        ),
        (
            json!({"number": "INV-009", "supplier_id": s, "po_ids": [], "amount": {"amount": "1", "currency": "CNY"}, "invoice_date": "2026-03-01"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "po_ids",
        ),
    ];
    for (body, status, field) in refusals {
        let (got, v) = g
            .admin
            .send(
                Method::POST,
                "/api/v1/supplier-invoices",
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
        g.admin.get("/api/v1/supplier-invoices").await["total"],
        2,
        "nothing half-written"
    );

    // Payments: (amount, status, paid, outstanding) — over-payment refused, nothing written.
    let url = format!("/api/v1/supplier-invoices/{}/payments", id(&invoices[0]));
    let steps = [
        ("400.00", StatusCode::OK, "partly_paid", "400.00", "600.01"),
        (
            "600.02",
            StatusCode::CONFLICT,
            "partly_paid",
            "400.00",
            "600.01",
        ),
        ("600.01", StatusCode::OK, "paid", "1000.01", "0.00"),
        ("0.01", StatusCode::CONFLICT, "paid", "1000.01", "0.00"),
    ];
    for (amount, status, state, paid, open) in steps {
        let (got, v) = g.admin.send(Method::POST, &url,
            Some(json!({"date": "2026-03-20", "amount": {"amount": amount, "currency": "CNY"}, "rate": "1"}))).await;
        assert_eq!(got, status, "{amount}: {v}");
        if status == StatusCode::CONFLICT {
            assert_eq!(v["error"]["field"], "amount");
        }
        let inv = g
            .admin
            .get(&format!("/api/v1/supplier-invoices/{}", id(&invoices[0])))
            .await;
        assert_eq!(
            (
                inv["status"].as_str(),
                inv["paid"]["amount"].as_str(),
                inv["outstanding"]["amount"].as_str()
            ),
            (Some(state), Some(paid), Some(open)),
            "{amount}: {inv}"
        );
    }
    let (got, v) = g
        .admin
        .send(
            Method::DELETE,
            &format!("/api/v1/supplier-invoices/{}", id(&invoices[0])),
            None,
        )
        .await;
    assert_eq!(
        (got, v["error"]["field"].as_str()),
        (StatusCode::CONFLICT, Some("payments"))
    );
    let paid = g.admin.get("/api/v1/supplier-invoices?status=paid").await;
    assert_eq!(paid["total"], 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn finance_is_reminded_before_due_once_and_aging_sorts_open_amounts() {
    let g = goods().await;
    let (fin_id, fin) = g.s.user(&g.admin, "lin.caiwu", "finance", &[]).await;
    let (_, rep) = g.s.user(&g.admin, "li.rep", "sales", &[]).await;
    let (_, buyer) = g.s.user(&g.admin, "zhao.buyer", "buyer", &[]).await;
    let (_, supplier) = g.s.user(&g.admin, "nb.lamp", "supplier", &[]).await;
    let s = g
        .supplier("Ningbo Lamp Works", &[("LAMP-1", "8.50", 7)])
        .await;
    let po = id(&g.po(s, &[("LAMP-1", "100")], &day(20)).await);
    let invoice = |n: &str, date: String, due: String, amount: &str| {
        json!({"number": n, "supplier_id": s, "po_ids": [po], "amount": {"amount": amount, "currency": "CNY"},
            "invoice_date": date, "due_date": due})
    };
    // (number, invoice date, due date, amount): due in 3, in 10, 45 days overdue.
    let a = ok(
        &g.admin,
        Method::POST,
        "/api/v1/supplier-invoices",
        invoice("A-1", day(-30), day(3), "100.00"),
    )
    .await;
    ok(
        &g.admin,
        Method::POST,
        "/api/v1/supplier-invoices",
        invoice("B-2", day(-30), day(10), "200.00"),
    )
    .await;
    ok(
        &g.admin,
        Method::POST,
        "/api/v1/supplier-invoices",
        invoice("C-3", day(-90), day(-45), "300.00"),
    )
    .await;
    let aging = fin.get("/api/v1/payables/aging").await;
    let row = &aging["rows"][0];
    assert_eq!(
        (
            row["not_due"]["amount"].as_str(),
            row["days_31_60"]["amount"].as_str(),
            row["total"]["amount"].as_str(),
            row["invoices"].as_u64()
        ),
        (Some("300.00"), Some("300.00"), Some("600.00"), Some(3)),
        "{aging}"
    );

    // The job at 02:00 today (Shanghai is UTC+8: the company's today) tells of A-1 only, once.
    let k = g.s.kontor();
    let at = format!("{}T02:00:00Z", day(0))
        .parse::<chrono::DateTime<Utc>>()
        .unwrap();
    kontor::domain::goods::payables::remind(&k, at).unwrap();
    kontor::domain::goods::payables::remind(&k, at).unwrap();
    let texts = |v: Value| -> Vec<String> {
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x["text"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(
        texts(fin.get("/api/v1/notifications").await),
        vec![format!(
            "Invoice A-1 of Ningbo Lamp Works, CNY 100.00 unpaid, falls due on {}",
            day(3)
        )],
        "user {fin_id}"
    );
    assert_eq!(
        texts(fin.clone().zh().get("/api/v1/notifications").await),
        vec![format!(
            "供应商 Ningbo Lamp Works 的发票 A-1 未付 CNY 100.00，将于 {} 到期",
            day(3)
        )]
    );
    assert!(texts(rep.get("/api/v1/notifications").await).is_empty());
    // Seven days on B-2 is within 3 days; A-1 (now overdue) is not told again.
    let later = format!("{}T02:00:00Z", day(7))
        .parse::<chrono::DateTime<Utc>>()
        .unwrap();
    kontor::domain::goods::payables::remind(&k, later).unwrap();
    let told = texts(fin.get("/api/v1/notifications").await);
    assert_eq!(told.len(), 2, "{told:?}");
    assert!(told[0].contains("B-2"), "{told:?}");

    // Roles that may not read payables never reach them.
    let path = format!("/api/v1/supplier-invoices/{}", id(&a));
    for (who, p) in [
        (&rep, path.as_str()),
        (&buyer, path.as_str()),
        (&supplier, path.as_str()),
        (&rep, "/api/v1/supplier-invoices"),
        (&supplier, "/api/v1/payables/aging"),
    ] {
        let (got, v) = who.send(Method::GET, p, None).await;
        assert_eq!(got, StatusCode::FORBIDDEN, "{p}: {v}");
        assert!(!v.to_string().contains("100.00"));
    }
}
