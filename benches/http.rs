//! The HTTP benchmark (issue 6): a generated company of N customers (100,000 by default,
//! `--customers 1000000` on request), the real server on 127.0.0.1, and figures with their
//! ratios to baselines measured in the same run:
//! - the HTTP ceiling: `GET /api/v1/health` on the same server;
//! - the fsync floor: a bare redb commit loop on the same disk.
//!
//! Run with `make bench` (or `cargo bench --bench http -- --customers N`). Prints a table and
//! appends it, with the machine and the commit, to docs/performance.md.

use std::path::Path;
use std::time::{Duration, Instant};

use chrono::Utc;
use kontor::domain::Kontor;
use kontor::domain::crm::customers::name_key;
use kontor::domain::crm::model::{Contact, Customer, CustomerStatus};
use kontor::store::Actor;
use serde_json::json;

mod support;
use support::{Figure, ServerProcess, dir_size, get_each, measure, peak_rss_mb};

const CITIES: &[(&str, &str)] = &[
    ("深圳", "Shenzhen"),
    ("广州", "Guangzhou"),
    ("宁波", "Ningbo"),
    ("义乌", "Yiwu"),
    ("厦门", "Xiamen"),
    ("东莞", "Dongguan"),
];
const BRANDS: &[(&str, &str)] = &[
    ("华信", "Huaxin"),
    ("联丰", "Lianfeng"),
    ("远航", "Yuanhang"),
    ("恒达", "Hengda"),
    ("金帆", "Jinfan"),
    ("瑞丰", "Ruifeng"),
    ("新亚", "Xinya"),
    ("宏远", "Hongyuan"),
];
const TRADES: &[(&str, &str)] = &[
    ("电子", "Electronics"),
    ("纺织", "Textile"),
    ("五金", "Hardware"),
    ("家居", "Home"),
    ("灯饰", "Lighting"),
    ("包装", "Packaging"),
];
const FOREIGN: &[&str] = &[
    "Brandt",
    "Nordlicht",
    "Bella Casa",
    "Pacific",
    "Atlas",
    "Evergreen",
    "Keller",
    "Morgan",
    "Rossi",
    "Schröder",
    "Okafor",
    "Tanaka",
];
const FOREIGN_TRADE: &[&str] = &[
    "Trading GmbH",
    "Imports Ltd",
    "Tools Inc.",
    "Lighting S.r.l.",
    "Home B.V.",
    "Supply LLC",
];
const COUNTRIES: &[&str] = &[
    "DE", "US", "GB", "IT", "FR", "NL", "AU", "AE", "BR", "JP", "CN",
];

/// Writes `n` customers with one contact each, 2,000 per transaction, owned by `owners`.
fn generate(k: &Kontor, n: usize, owners: &[u64]) -> f64 {
    let started = Instant::now();
    let mut done = 0;
    while done < n {
        let batch = (n - done).min(2_000);
        let start = done;
        let owners = owners.to_vec();
        k.store
            .write(move |tx| {
                let actor = Actor::system();
                for i in start..start + batch {
                    let (name, alt) = if i % 3 == 0 {
                        let (c, ce) = CITIES[i % CITIES.len()];
                        let (b, be) = BRANDS[(i / 7) % BRANDS.len()];
                        let (t, te) = TRADES[(i / 13) % TRADES.len()];
                        (
                            format!("{c}市{b}{t}有限公司{i}"),
                            Some(format!("{ce} {be} {te} Co., Ltd. {i}")),
                        )
                    } else {
                        (
                            format!(
                                "{} {} {i}",
                                FOREIGN[i % FOREIGN.len()],
                                FOREIGN_TRADE[(i / 5) % FOREIGN_TRADE.len()]
                            ),
                            None,
                        )
                    };
                    let owner = owners[i % owners.len()];
                    let c = tx.insert(
                        &actor,
                        Customer {
                            name_key: name_key(&name),
                            name,
                            name_alt: alt,
                            country: Some(COUNTRIES[i % COUNTRIES.len()].into()),
                            time_zone: None,
                            address: None,
                            website: Some(format!("www.firm{i}.example")),
                            email: Some(format!("info@firm{i}.example")),
                            phone: Some(format!("+49 30 {:08}", i)),
                            source: Some("canton_fair".into()),
                            tier: Some("B".into()),
                            tags: vec![],
                            owner_id: Some(owner),
                            team_id: None,
                            pool_id: Some(1),
                            purchase_preferences: None,
                            payment_behaviour: None,
                            custom: Default::default(),
                            status: CustomerStatus::Prospect,
                            locked: true,
                            key_account: false,
                            last_followup_at: Some(Utc::now()),
                            last_deal_at: None,
                            owned_since: Some(Utc::now()),
                            annual_purchases: None,
                        },
                    )?;
                    tx.insert(
                        &actor,
                        Contact {
                            customer_id: c.id,
                            name: format!("Contact {i}"),
                            role: Some("buyer".into()),
                            title: None,
                            phones: vec![format!("+49 30 {:08}", i)],
                            emails: vec![format!("buyer{i}@firm{i}.example")],
                            whatsapp: None,
                            wechat: None,
                            skype: None,
                            birthday: None,
                            notes: None,
                            primary: true,
                            owner_id: Some(owner),
                            region: Some(COUNTRIES[i % COUNTRIES.len()].into()),
                        },
                    )?;
                }
                Ok::<_, kontor::error::AppError>(())
            })
            .expect("generate");
        done += batch;
        if done % 20_000 == 0 || done == n {
            eprintln!("  generated {done}/{n} customers");
        }
    }
    (2 * n) as f64 / started.elapsed().as_secs_f64()
}

/// The fsync floor: one small durable redb commit after another on the same disk.
fn fsync_floor(dir: &Path, commits: usize) -> f64 {
    let path = dir.join("fsync-floor.redb");
    let db = redb::Database::create(&path).expect("redb");
    let table: redb::TableDefinition<u64, u64> = redb::TableDefinition::new("t");
    let started = Instant::now();
    for i in 0..commits as u64 {
        let tx = db.begin_write().expect("tx");
        tx.open_table(table)
            .expect("table")
            .insert(i, i)
            .expect("insert");
        tx.commit().expect("commit");
    }
    let rate = commits as f64 / started.elapsed().as_secs_f64();
    drop(db);
    let _ = std::fs::remove_file(path);
    rate
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let customers: usize = args
        .iter()
        .position(|a| a == "--customers")
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let keep = args.iter().any(|a| a == "--no-record");
    // `--data DIR` keeps the generated company in DIR and reuses it on the next run (the runs
    // then start from a company that earlier runs have added to).
    let data = args
        .iter()
        .position(|a| a == "--data")
        .and_then(|i| args.get(i + 1))
        .map(std::path::PathBuf::from);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(run(customers, !keep, data));
}

async fn run(customers: usize, record: bool, data: Option<std::path::PathBuf>) {
    let temp =
        tempfile::tempdir_in(std::env::var("KONTOR_BENCH_DIR").unwrap_or_else(|_| ".".into()))
            .expect("temp dir");
    let dir = data.unwrap_or_else(|| temp.path().to_path_buf());
    eprintln!(
        "Kontor HTTP benchmark: {customers} customers in {}",
        dir.display()
    );
    let reuse = dir.join(kontor::store::DB_FILE).exists();
    let k = Kontor::open(&dir).expect("open");
    let (generated_rate, index_seconds) = if reuse {
        eprintln!("  reusing the company in {}", dir.display());
        (0.0, 0.0)
    } else {
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
        let generated_rate = generate(&k, customers, &[1]);
        eprintln!("  generated at {generated_rate:.0} records/s; indexing for search …");
        let started = Instant::now();
        k.index_now().expect("index");
        (generated_rate, started.elapsed().as_secs_f64())
    };
    drop(k);

    // The real server, in its own process, so its memory is measured alone.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let started = Instant::now();
    let mut server = ServerProcess(
        std::process::Command::new(env!("CARGO_BIN_EXE_kontor"))
            .args(["serve", "--listen", &format!("127.0.0.1:{port}"), "--data"])
            .arg(&dir)
            .env("RUST_LOG", "warn")
            .stdout(std::process::Stdio::null())
            .spawn()
            .expect("start kontor serve"),
    );
    let base = format!("http://127.0.0.1:{port}");
    let probe = reqwest::Client::new();
    loop {
        if let Ok(r) = probe.get(format!("{base}/api/v1/health")).send().await
            && r.status().is_success()
        {
            break;
        }
        if let Ok(Some(status)) = server.0.try_wait() {
            panic!("kontor serve ended: {status}");
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let ready_seconds = started.elapsed().as_secs_f64();
    eprintln!("  server ready in {ready_seconds:.1} s");
    let http = reqwest::Client::builder()
        .cookie_store(true)
        .pool_max_idle_per_host(64)
        .build()
        .unwrap();
    let r = http
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({"username": "admin", "password": "bench-pass-1"}))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success());

    let floor = fsync_floor(&dir, 300);
    eprintln!("  baseline fsync floor: {floor:.0} commits/s");
    let get = |path: String| get_each(&http, &base, move |_| path.clone());
    let ceiling = measure(
        "health (HTTP ceiling), 16 conc.",
        20_000,
        16,
        get("/api/v1/health".into()),
    )
    .await;
    let ceiling_rate = ceiling.rate();
    let mut figures = vec![ceiling];
    let mut list1 = measure(
        "list page 1 with total, 16 conc.",
        200,
        16,
        get("/api/v1/customers?scope=all&page=1&per_page=20".into()),
    )
    .await;
    list1.baseline = Some(("HTTP ceiling", ceiling_rate));
    figures.push(list1);
    let last_page = (customers / 20).clamp(1, 500);
    let mut list500 = measure(
        &format!("list page {last_page} with total, 16 conc."),
        200,
        16,
        get(format!(
            "/api/v1/customers?scope=all&page={last_page}&per_page=20"
        )),
    )
    .await;
    list500.baseline = Some(("HTTP ceiling", ceiling_rate));
    figures.push(list500);
    // A filter that every customer passes: each request reads and tests every customer for the
    // total, as the list's search text did before it went through the index (which also folded
    // each customer's text; so this is a floor for that cost).
    let mut f = measure(
        "list filtered by a scan (q before the index), 16 conc.",
        32,
        16,
        get("/api/v1/customers?scope=all&per_page=20&tier=B".into()),
    )
    .await;
    f.baseline = Some(("HTTP ceiling", ceiling_rate));
    figures.push(f);
    // The list's search text, through the index: a name (a few matches), then a word that
    // thousands of names share (every match is read, filtered, sorted and counted for the total).
    let list_queries: [(&str, &[&str]); 2] = [
        (
            "list with q, a few matches",
            &[
                "Nordlicht 1234",
                "华信 3333",
                "huaxin 9999",
                "schroder 4242",
                "Brandtt 4711",
            ],
        ),
        (
            "list with q, thousands of matches",
            &["Brandt", "huaxin", "电子", "Trading"],
        ),
    ];
    for (label, queries) in list_queries {
        let list = get_each(&http, &base, move |i| {
            format!(
                "/api/v1/customers?scope=all&per_page=20&q={}",
                urlencode(queries[i % queries.len()])
            )
        });
        let mut f = measure(&format!("{label}, sequential"), 100, 1, list.clone()).await;
        f.baseline = Some(("HTTP ceiling", ceiling_rate));
        figures.push(f);
        let mut f = measure(&format!("{label}, 16 conc."), 400, 16, list).await;
        f.baseline = Some(("HTTP ceiling", ceiling_rate));
        figures.push(f);
    }
    let n = customers as u64;
    let by_id = get_each(&http, &base, move |i| {
        format!("/api/v1/customers/{}", 1 + (i as u64 * 7919) % n)
    });
    let mut f = measure("get customer by id, 16 conc.", 20_000, 16, by_id).await;
    f.baseline = Some(("HTTP ceiling", ceiling_rate));
    figures.push(f);
    // Search, by kind of query: whole words (Chinese, Latin, folded umlauts), a prefix of the
    // last word as the user types, and a typo.
    let query_sets: [(&str, &[&str]); 3] = [
        (
            "search, token",
            &["华信", "Brandt", "schroder", "深圳 电子", "huaxin"],
        ),
        (
            "search, prefix",
            &["firm123", "Nordli", "huax", "Kell", "远"],
        ),
        (
            "search, typo",
            &["Evergren", "Nordlihct", "Brandtt", "Okafr"],
        ),
    ];
    for (label, queries) in query_sets {
        let search = get_each(&http, &base, move |i| {
            format!("/api/v1/search?q={}", urlencode(queries[i % queries.len()]))
        });
        // One user typing (the latency they see), then many at once (the throughput).
        let mut f = measure(&format!("{label}, sequential"), 500, 1, search.clone()).await;
        f.baseline = Some(("HTTP ceiling", ceiling_rate));
        figures.push(f);
        let mut f = measure(&format!("{label}, 16 conc."), 2_000, 16, search).await;
        f.baseline = Some(("HTTP ceiling", ceiling_rate));
        figures.push(f);
    }
    let names = [
        "Brandt Tools Inc. 12",
        "深圳市华信电子有限公司 33",
        "Nordlicht Trading GmbH 7",
        "Keller Supply LLC 99",
    ];
    let dedup = get_each(&http, &base, move |i| {
        format!(
            "/api/v1/duplicates/check?name={}&email=info%40firm{i}.example",
            urlencode(names[i % names.len()])
        )
    });
    // As the form checks while one user types, then many users at once.
    let mut f = measure("duplicate check, sequential", 500, 1, dedup.clone()).await;
    f.baseline = Some(("HTTP ceiling", ceiling_rate));
    figures.push(f);
    let mut f = measure("duplicate check, 16 conc.", 2_000, 16, dedup).await;
    f.baseline = Some(("HTTP ceiling", ceiling_rate));
    figures.push(f);
    // Names unique to this run: a reused company already holds the last run's customers.
    let run = Utc::now().timestamp();
    let create = |tag: &'static str| {
        let (http, base) = (http.clone(), base.clone());
        move |i: usize| {
            let (http, url) = (http.clone(), format!("{base}/api/v1/customers"));
            async move {
                http.post(url)
                    .json(&json!({"name": format!("Bench {tag} {run} {i}")}))
                    .send()
                    .await
                    .map(|r| r.status().is_success())
                    .unwrap_or(false)
            }
        }
    };
    let mut f = measure("durable create, sequential", 300, 1, create("seq")).await;
    f.baseline = Some(("fsync floor", floor));
    figures.push(f);
    let mut f = measure("durable create, 16 concurrent", 1_000, 16, create("conc")).await;
    f.baseline = Some(("fsync floor", floor));
    figures.push(f);

    // A 10,000-row CSV import through the API: upload, commit, wait for it to finish.
    let rows = 10_000;
    let mut csv = String::from("Company,Country,Email,Phone\n");
    for i in 0..rows {
        csv.push_str(&format!(
            "Imported {run} Trading Co {i},DE,buyer{i}@imported{i}-{run}.example,+49 40 {:08}\n",
            (run as usize % 9_000) * 10_000 + i
        ));
    }
    let started = Instant::now();
    let upload: serde_json::Value = http
        .post(format!(
            "{base}/api/v1/imports?kind=customers&filename=bench.csv"
        ))
        .header("content-type", "application/octet-stream")
        .body(csv)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = upload["id"].as_u64().expect("upload answered an import");
    let r = http
        .post(format!("{base}/api/v1/imports/{id}/commit"))
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert!(
        r.status().is_success(),
        "commit: {}",
        r.text().await.unwrap_or_default()
    );
    let progress = loop {
        let v: serde_json::Value = http
            .get(format!("{base}/api/v1/imports/{id}"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        match v["status"].as_str() {
            Some("done") => break v["progress"].clone(),
            Some("failed") | Some("interrupted") => panic!("import failed: {v}"),
            _ => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    };
    let seconds = started.elapsed().as_secs_f64();
    // Skipped rows are cheaper than written ones: the figure counts only with all written.
    eprintln!(
        "  {:<38} {:>9.0} rows/s ({} created, {} skipped, {} with a warning)",
        "CSV import of 10,000 rows",
        rows as f64 / seconds,
        progress["created"],
        progress["skipped"],
        progress["warnings"]
    );
    figures.push(Figure {
        name: "CSV import, 10,000 rows (rows/s)".into(),
        requests: rows,
        seconds,
        p50_ms: 0.0,
        p99_ms: 0.0,
        baseline: None,
    });

    let rss = peak_rss_mb(server.0.id());
    let size_mb = dir_size(&dir) as f64 / 1_048_576.0;
    drop(server);
    let (commit, cpu, cores) = support::machine();
    let mut table = format!(
        "\n## {} · commit {} · {customers} customers\n\nMachine: {cpu}, {cores} cores. Data generated at {generated_rate:.0} records/s; \
         search index built in {index_seconds:.1} s; server ready in {ready_seconds:.1} s. Server peak RSS {rss:.0} MB; data directory {size_mb:.0} MB. \
         Baselines: HTTP ceiling {ceiling_rate:.0} req/s, fsync floor {floor:.0} commits/s.\n\n",
        Utc::now().format("%Y-%m-%d %H:%M UTC"),
        commit
    );
    table.push_str(&support::rows(&figures));
    println!("{table}");
    if record {
        let path = Path::new("docs/performance.md");
        let mut text = std::fs::read_to_string(path).unwrap_or_else(|_| {
            "# Performance\n\nFigures of `make bench` (benches/http.rs), newest last. Targets (issue 6): list with total ≥ 25 % of the \
             HTTP ceiling; durable creates ≥ 0.5 of the fsync floor sequentially and above it with concurrency; search p99 ≤ 10 ms; \
             RSS ≤ 300 MB at 1,000,000 customers.\n"
                .into()
        });
        text.push_str(&table);
        std::fs::write(path, text).expect("write docs/performance.md");
        eprintln!("appended to docs/performance.md");
    }
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}
