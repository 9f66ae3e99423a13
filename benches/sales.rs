//! The sales benchmark (issue 13): a company of N sales orders (100,000 by default, `--orders N`)
//! over 1,000 customers, the real server on 127.0.0.1, and:
//! - the order list, page 1 and page 500, each row with its received and outstanding amounts
//!   and the exact total of the list (16 concurrent), as a ratio to the HTTP ceiling measured in
//!   the same run;
//! - matching a receipt among 10,000 open instalments of one customer (5,000 orders of two
//!   instalments each): recording the receipt, which answers with Kontor's proposed allocation,
//!   one after another (p50, p99); and reading a receipt's proposal again.
//!
//! Run with `make bench` (after the HTTP benchmark) or `cargo bench --bench sales`. Prints a
//! table and appends it, with the machine and the commit, to docs/performance.md.

use std::path::Path;
use std::time::{Duration, Instant};

use chrono::{Datelike, Utc};
use kontor::domain::Kontor;
use kontor::domain::crm::customers::name_key;
use kontor::domain::crm::model::{Customer, CustomerStatus};
use kontor::domain::money::Currency;
use kontor::domain::sales::lines::{self, DocLang, Line};
use kontor::domain::sales::orders::{OrderStatus, SalesOrder};
use kontor::domain::sales::rates::RateUsed;
use kontor::domain::sales::terms::{self, Anchor, Method, OrderDates, TermPart};
use kontor::store::Actor;
use rust_decimal::Decimal;
use serde_json::json;

mod support;
use support::{ServerProcess, get_each, measure, peak_rss_mb};

const CUSTOMERS: usize = 1_000;
/// The customer whose receipts are matched, and its orders (two instalments each).
const MATCHED_ORDERS: usize = 5_000;

fn parts() -> Vec<TermPart> {
    let part = |zh: &str, en: &str, percent: i64, anchor, days| TermPart {
        label_zh: zh.into(),
        label_en: en.into(),
        percent: Decimal::from(percent),
        method: Method::Tt,
        anchor,
        days,
        month_end: false,
    };
    vec![
        part("定金", "Deposit", 30, Anchor::OrderDate, 0),
        part("尾款", "Balance", 70, Anchor::BlDate, 15),
    ]
}

/// 1,000 customers and `n` orders, 2,000 per transaction; the first customer holds
/// `MATCHED_ORDERS` of them.
fn generate(k: &Kontor, n: usize) -> Vec<u64> {
    let customers: Vec<u64> = k
        .store
        .write(|tx| {
            let mut ids = Vec::new();
            for i in 0..CUSTOMERS {
                let name = format!("Bench Buyer {i} GmbH");
                let c = tx.insert(
                    &Actor::system(),
                    Customer {
                        name_key: name_key(&name),
                        name,
                        name_alt: None,
                        country: Some("DE".into()),
                        time_zone: None,
                        address: None,
                        website: None,
                        email: None,
                        phone: None,
                        source: None,
                        tier: None,
                        tags: vec![],
                        owner_id: Some(1),
                        team_id: None,
                        pool_id: Some(1),
                        purchase_preferences: None,
                        payment_behaviour: None,
                        custom: Default::default(),
                        status: CustomerStatus::Customer,
                        locked: true,
                        key_account: false,
                        last_followup_at: None,
                        last_deal_at: None,
                        owned_since: None,
                        annual_purchases: None,
                    },
                )?;
                ids.push(c.id);
            }
            Ok::<_, kontor::error::AppError>(ids)
        })
        .expect("customers");
    let cny = Currency::CNY;
    let today = Utc::now().date_naive();
    let parts = parts();
    let started = Instant::now();
    let mut done = 0;
    while done < n {
        let batch = (n - done).min(2_000);
        let (start, customers, parts) = (done, customers.clone(), parts.clone());
        k.store
            .write(move |tx| {
                for i in start..start + batch {
                    let customer = if i < MATCHED_ORDERS {
                        customers[0]
                    } else {
                        customers[1 + i % (CUSTOMERS - 1)]
                    };
                    let quantity = Decimal::from(100 + (i % 900) as i64);
                    let price = Decimal::new(150 + (i % 400) as i64, 2);
                    let line = Line {
                        product_id: None,
                        sku: Some(format!("SKU-{}", i % 500)),
                        description: format!("Bench article {}", i % 500),
                        hs_code: None,
                        quantity,
                        unit: "pcs".into(),
                        unit_price: price,
                        discount_percent: None,
                        amount: lines::line_amount(quantity, price, None, cny),
                        unit_cost: None,
                        weight_kg: None,
                        volume_cbm: None,
                    };
                    let order_date = today - chrono::Duration::days((i % 300) as i64);
                    let dates = OrderDates {
                        order_date: Some(order_date),
                        bl_date: Some(order_date + chrono::Duration::days(30)),
                        ..Default::default()
                    };
                    let lines = vec![line];
                    let total = lines::total(&lines, cny);
                    tx.insert(
                        &Actor::system(),
                        SalesOrder {
                            number: format!("SO-{}-{:06}", order_date.year(), i + 1),
                            customer_id: customer,
                            owner_id: Some(1),
                            quotation_id: None,
                            customer_ref: None,
                            status: OrderStatus::Confirmed,
                            currency: cny,
                            plan: terms::plan(total, &parts, &dates),
                            lines,
                            incoterm: Some("FOB".into()),
                            named_place: Some("Ningbo".into()),
                            delivery: None,
                            promised_date: None,
                            remarks: None,
                            lang: DocLang::En,
                            rate: RateUsed {
                                base: cny,
                                rate: Decimal::ONE,
                                date: None,
                            },
                            dates,
                            terms_id: None,
                            terms_name: None,
                            estimates: vec![],
                            charges: vec![],
                            cancelled_at: None,
                        },
                    )?;
                }
                Ok::<_, kontor::error::AppError>(())
            })
            .expect("orders");
        done += batch;
        if done % 20_000 == 0 || done == n {
            eprintln!("  generated {done}/{n} orders");
        }
    }
    eprintln!(
        "  generated at {:.0} orders/s",
        n as f64 / started.elapsed().as_secs_f64()
    );
    customers
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let orders: usize = args
        .iter()
        .position(|a| a == "--orders")
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let record = !args.iter().any(|a| a == "--no-record");
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(run(orders.max(MATCHED_ORDERS), record));
}

async fn run(orders: usize, record: bool) {
    let temp =
        tempfile::tempdir_in(std::env::var("KONTOR_BENCH_DIR").unwrap_or_else(|_| ".".into()))
            .expect("temp dir");
    let dir = temp.path().to_path_buf();
    eprintln!(
        "Kontor sales benchmark: {orders} orders in {}",
        dir.display()
    );
    let k = Kontor::open(&dir).expect("open");
    let setup = kontor::domain::company::SetupInput {
        company: kontor::domain::company::CompanyInput {
            name: "Bench Trading".into(),
            base_currency: "CNY".into(),
            time_zone: "Asia/Shanghai".into(),
            language: kontor::i18n::Lang::En,
        },
        admin: kontor::domain::company::AdminInput {
            username: "admin".into(),
            display_name: "Admin".into(),
            password: "bench-pass-1".into(),
            email: None,
        },
    };
    kontor::domain::company::setup(&k, setup, None).expect("setup");
    let customers = generate(&k, orders);
    k.index_now().expect("index");
    drop(k);

    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let server = ServerProcess(
        std::process::Command::new(env!("CARGO_BIN_EXE_kontor"))
            .args(["serve", "--listen", &format!("127.0.0.1:{port}"), "--data"])
            .arg(&dir)
            .env("RUST_LOG", "warn")
            .stdout(std::process::Stdio::null())
            .spawn()
            .expect("start kontor serve"),
    );
    let base = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::builder()
        .cookie_store(true)
        .pool_max_idle_per_host(64)
        .build()
        .unwrap();
    loop {
        if let Ok(r) = http.get(format!("{base}/api/v1/health")).send().await
            && r.status().is_success()
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let r = http
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({"username": "admin", "password": "bench-pass-1"}))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success());

    let get = |path: &str| {
        let path = path.to_string();
        get_each(&http, &base, move |_| path.clone())
    };
    let ceiling = measure(
        "health (HTTP ceiling), 16 conc.",
        10_000,
        16,
        get("/api/v1/health"),
    )
    .await;
    let ceiling_rate = ceiling.rate();
    let mut figures = vec![ceiling];
    for (name, path) in [
        (
            "orders page 1 with totals, 16 conc.",
            "/api/v1/orders?page=1&per_page=50",
        ),
        (
            "orders page 500 with totals, 16 conc.",
            "/api/v1/orders?page=500&per_page=50",
        ),
    ] {
        let mut f = measure(name, 2_000, 16, get(path)).await;
        f.baseline = Some(("HTTP ceiling", ceiling_rate));
        figures.push(f);
    }
    let list: serde_json::Value = http
        .get(format!("{base}/api/v1/orders?page=500&per_page=50"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list["total"], orders, "the list's exact total");
    assert!(list["items"][0]["outstanding"]["amount"].is_string());

    // A receipt of the matched customer: its proposal walks 10,000 open instalments.
    let matched = customers[0];
    let today = Utc::now().date_naive().to_string();
    let receipts = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let (h, b, kept) = (http.clone(), base.clone(), receipts.clone());
    let record_one = move |i: usize| {
        let (h, url, kept) = (h.clone(), format!("{b}/api/v1/receipts"), kept.clone());
        let body = json!({"customer_id": matched, "amount": {"amount": format!("{}.00", 5_000 + i), "currency": "CNY"},
            "date": today, "remittance": "T/T PAYMENT"});
        async move {
            let Ok(r) = h.post(url).json(&body).send().await else {
                return false;
            };
            let ok = r.status().is_success();
            let v: serde_json::Value = r.json().await.unwrap_or_default();
            let proposed = v["proposals"].as_array().is_some_and(|p| !p.is_empty());
            if let Some(id) = v["id"].as_u64() {
                kept.lock().unwrap().push(id);
            }
            ok && proposed
        }
    };
    figures.push(
        measure(
            "record a receipt + propose its match (10,000 open instalments)",
            200,
            1,
            record_one,
        )
        .await,
    );
    let ids = receipts.lock().unwrap().clone();
    figures.push(
        measure(
            "read a receipt's proposal (10,000 open instalments)",
            200,
            1,
            get_each(&http, &base, move |i| {
                format!("/api/v1/receipts/{}", ids[i % ids.len()])
            }),
        )
        .await,
    );

    let rss = peak_rss_mb(server.0.id());
    drop(server);
    let (commit, cpu, cores) = support::machine();
    let mut table = format!(
        "\n## Sales · {} · commit {commit} · {orders} orders\n\nMachine: {cpu}, {cores} cores. Server peak RSS {rss:.0} MB. \
         Baseline: HTTP ceiling {ceiling_rate:.0} req/s.\n\n
",
        Utc::now().format("%Y-%m-%d %H:%M UTC"),
    );
    table.push_str(&support::rows(&figures));
    println!("{table}");
    if record {
        let path = Path::new("docs/performance.md");
        let mut text = std::fs::read_to_string(path).unwrap_or_default();
        text.push_str(&table);
        std::fs::write(path, text).expect("write docs/performance.md");
        eprintln!("appended to docs/performance.md");
    }
}
