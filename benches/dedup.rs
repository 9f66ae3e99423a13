//! The duplicate check's quality and the import's speed on a realistic customer book (issue 11),
//! measured through the HTTP API of the real server:
//!
//! 1. `../shared/testdata/gen_customers.py` writes the book (`--customers N`, default 100,000,
//!    seed 42): distinct firms plus 1 % planted duplicates with their truth, and 2,000 brand-new
//!    firms to probe with.
//! 2. The distinct firms are imported as one CSV file under the default rules (dry run, then
//!    commit): how many are refused or warned about (false blocks, false warnings), whether the
//!    dry run foretold the commit, and rows/s.
//! 3. The planted duplicates are dry-run as a second file: how many find their original at warn
//!    level or above (recall), per name variant and per shared key.
//! 4. The new firms probe `GET /duplicates/check` as the customer form does.
//!
//! `make bench-dedup` (`CUSTOMERS=1000000 make bench-dedup`); `--no-record` leaves
//! `docs/performance.md` alone.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// The server under test; stopped however the run ends.
struct ServerProcess(std::process::Child);

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = std::process::Command::new("kill")
            .arg(self.0.id().to_string())
            .status();
        let _ = self.0.wait();
    }
}

const GENERATE: &str = r#"
import json, sys
sys.path.insert(0, sys.argv[1])
import gen_customers as g
n, seed, out = int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
records, truth = g.generate(n, seed, 0.01)
with open(out + "/book.jsonl", "w") as f:
    for r in records:
        f.write(json.dumps(r, ensure_ascii=False) + "\n")
with open(out + "/truth.jsonl", "w") as f:
    for t in truth:
        f.write(json.dumps(t, ensure_ascii=False) + "\n")
dups = {t["dup"] for t in truth}
seen = {}
for r in records:
    if r["ext_id"] not in dups:
        seen.setdefault(g.name_norm(r["name"]), set()).add(r["country"])
gen = g.Generator(seed + 7)
gen.used_domains |= {d for d in (g.email_domain(r["email"]) for r in records) if d}
gen.used_phones |= {g.phone_norm(r["phone"], r["country"]) for r in records if r["phone"]}
with open(out + "/probes.jsonl", "w") as f:
    for r in (gen.record(gen.new_firm()) for _ in range(2000)):
        countries = seen.get(g.name_norm(r["name"]))
        r["name_seen"] = countries is not None
        f.write(json.dumps(r, ensure_ascii=False) + "\n")
"#;

fn read_jsonl(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .expect("generated file")
        .lines()
        .filter(|l| !l.is_empty())
        .map(|l| serde_json::from_str(l).expect("JSON line"))
        .collect()
}

fn csv_cell(v: &str) -> String {
    if v.contains([',', '"', '\n']) {
        format!("\"{}\"", v.replace('"', "\"\""))
    } else {
        v.to_string()
    }
}

fn csv(rows: &[&Value]) -> String {
    let mut out = String::from("Company,Country,Website,Email,Phone,Owner,Tier\n");
    for r in rows {
        let f = |k: &str| csv_cell(r[k].as_str().unwrap_or(""));
        out.push_str(&format!(
            "{},{},{},{},{},{},{}\n",
            f("name"),
            f("country"),
            f("website"),
            f("email"),
            f("phone"),
            f("owner"),
            f("tier")
        ));
    }
    out
}

const MAPPING: [&str; 7] = [
    "name", "country", "website", "email", "phone", "owner", "tier",
];

struct Api {
    http: reqwest::Client,
    base: String,
}

impl Api {
    async fn get(&self, path: &str) -> Value {
        let r = self
            .http
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .expect("GET");
        let status = r.status();
        let v: Value = r.json().await.unwrap_or(Value::Null);
        assert!(status.is_success(), "GET {path}: {status} {v}");
        v
    }
    async fn post(&self, path: &str, body: Value) -> Value {
        let r = self
            .http
            .post(format!("{}{path}", self.base))
            .json(&body)
            .send()
            .await
            .expect("POST");
        let status = r.status();
        let v: Value = r.json().await.unwrap_or(Value::Null);
        assert!(status.is_success(), "POST {path}: {status} {v}");
        v
    }
    async fn upload(&self, name: &str, body: String) -> u64 {
        let v: Value = self
            .http
            .post(format!(
                "{}/api/v1/imports?kind=customers&filename={name}",
                self.base
            ))
            .header("content-type", "application/octet-stream")
            .body(body)
            .send()
            .await
            .expect("upload")
            .json()
            .await
            .expect("upload answer");
        v["id"].as_u64().unwrap_or_else(|| panic!("upload: {v}"))
    }
    async fn dry_run(&self, id: u64) -> Value {
        self.post(
            &format!("/api/v1/imports/{id}/dry-run"),
            json!({"mapping": MAPPING}),
        )
        .await
    }
    /// Commits and waits; the progress and the seconds it took.
    async fn commit(&self, id: u64) -> (Value, f64) {
        let started = Instant::now();
        self.post(
            &format!("/api/v1/imports/{id}/commit"),
            json!({"mapping": MAPPING}),
        )
        .await;
        let mut last = 0;
        loop {
            let v = self.get(&format!("/api/v1/imports/{id}")).await;
            let done = v["progress"]["rows_done"].as_u64().unwrap_or(0);
            if done >= last + 20_000 {
                eprintln!("    … {done} rows");
                last = done;
            }
            match v["status"].as_str() {
                Some("done") => return (v["progress"].clone(), started.elapsed().as_secs_f64()),
                Some("failed") | Some("interrupted") => panic!("import failed: {v}"),
                _ => tokio::time::sleep(Duration::from_millis(200)).await,
            }
        }
    }
}

/// How many examples of each kind to print (`DEDUP_EXAMPLES`, 12 unless set).
fn example_count() -> usize {
    std::env::var("DEDUP_EXAMPLES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(12)
}

/// `n` items spread evenly over `all`.
fn sample<T>(all: &[T], n: usize) -> impl Iterator<Item = &T> {
    let step = all.len().div_ceil(n.max(1)).max(1);
    all.iter().step_by(step)
}

fn pct(n: usize, of: usize) -> f64 {
    if of == 0 {
        0.0
    } else {
        100.0 * n as f64 / of as f64
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let customers: usize = args
        .iter()
        .position(|a| a == "--customers")
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let record = !args.iter().any(|a| a == "--no-record");
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(run(customers, record));
}

async fn run(customers: usize, record: bool) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let shared = root.join("../shared/testdata");
    let temp = tempfile::tempdir_in(
        std::env::var("KONTOR_BENCH_DIR")
            .unwrap_or_else(|_| std::env::temp_dir().to_string_lossy().into_owned()),
    )
    .expect("temp dir");
    let gen_dir = temp.path().join("gen");
    std::fs::create_dir_all(&gen_dir).unwrap();
    eprintln!("Duplicate check on a generated book of {customers} firms (seed 42)");
    let status = std::process::Command::new("python3")
        .arg("-c")
        .arg(GENERATE)
        .arg(&shared)
        .arg(customers.to_string())
        .arg("42")
        .arg(&gen_dir)
        .status()
        .expect("python3");
    assert!(status.success(), "the generator failed");
    let book = read_jsonl(&gen_dir.join("book.jsonl"));
    let truth = read_jsonl(&gen_dir.join("truth.jsonl"));
    let probes = read_jsonl(&gen_dir.join("probes.jsonl"));
    let dup_ids: HashSet<&str> = truth.iter().filter_map(|t| t["dup"].as_str()).collect();
    let by_ext: HashMap<&str, &Value> = book
        .iter()
        .map(|r| (r["ext_id"].as_str().unwrap_or(""), r))
        .collect();
    let originals: Vec<&Value> = book
        .iter()
        .filter(|r| !dup_ids.contains(r["ext_id"].as_str().unwrap_or("")))
        .collect();

    // The company and its reps, set up before the server starts.
    let dir = temp.path().join("data");
    {
        let k = kontor::domain::Kontor::open(&dir).expect("open");
        let setup = kontor::domain::company::SetupInput {
            company: kontor::domain::company::CompanyInput {
                name: "深圳市华信贸易有限公司".into(),
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
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let mut server = ServerProcess(
        std::process::Command::new(env!("CARGO_BIN_EXE_kontor"))
            .args(["serve", "--listen", &format!("127.0.0.1:{port}"), "--data"])
            .arg(&dir)
            .env("RUST_LOG", "warn")
            .stdout(std::process::Stdio::null())
            .spawn()
            .expect("start kontor serve"),
    );
    let api = Api {
        http: reqwest::Client::builder()
            .cookie_store(true)
            .timeout(Duration::from_secs(3600))
            .build()
            .unwrap(),
        base: format!("http://127.0.0.1:{port}"),
    };
    loop {
        if let Ok(r) = api
            .http
            .get(format!("{}/api/v1/health", api.base))
            .send()
            .await
            && r.status().is_success()
        {
            break;
        }
        if let Ok(Some(status)) = server.0.try_wait() {
            panic!("kontor serve ended: {status}");
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    api.post(
        "/api/v1/auth/login",
        json!({"username": "admin", "password": "bench-pass-1"}),
    )
    .await;
    let roles = api.get("/api/v1/roles").await;
    let sales = roles["items"]
        .as_array()
        .or(roles.as_array())
        .and_then(|rs| rs.iter().find(|r| r["key"] == "sales"))
        .and_then(|r| r["id"].as_u64())
        .expect("the sales role");
    let owners: std::collections::BTreeSet<&str> =
        book.iter().filter_map(|r| r["owner"].as_str()).collect();
    for o in &owners {
        api.post(
            "/api/v1/users",
            json!({"username": o, "display_name": o, "password": "bench-pass-1", "role_ids": [sales]}),
        )
        .await;
    }

    // 2. The distinct firms, one file, default rules.
    eprintln!("  importing {} distinct firms …", originals.len());
    let id = api.upload("book.csv", csv(&originals)).await;
    let dry = api.dry_run(id).await;
    let (progress, seconds) = api.commit(id).await;
    let rate = originals.len() as f64 / seconds;
    let agrees = dry["counts"]["create"] == progress["created"]
        && dry["counts"]["errors"] == progress["skipped"]
        && dry["counts"]["warnings"] == progress["warnings"];
    // What refused or warned, by code and field.
    let mut refused_by: BTreeMap<String, usize> = BTreeMap::new();
    let mut warned_by: BTreeMap<String, usize> = BTreeMap::new();
    let mut refused_rows: HashSet<u64> = HashSet::new();
    let mut warned_rows: HashSet<u64> = HashSet::new();
    let mut examples: Vec<String> = Vec::new();
    let mut page_no = 1;
    loop {
        let page = api
            .get(&format!(
                "/api/v1/imports/{id}/issues?page={page_no}&per_page=200"
            ))
            .await;
        let items = page["items"].as_array().cloned().unwrap_or_default();
        if items.is_empty() {
            break;
        }
        page_no += 1;
        for i in items {
            let row = i["row"].as_u64().unwrap_or(0);
            let what = format!(
                "{} / {}",
                i["code"].as_str().unwrap_or(""),
                i["field"].as_str().unwrap_or("")
            );
            if i["severity"] == "error" {
                if refused_rows.insert(row) {
                    *refused_by.entry(what).or_default() += 1;
                }
            } else if warned_rows.insert(row) {
                *warned_by.entry(what).or_default() += 1;
            }
            if i["code"] != "invalid" {
                let name_of = |row: u64| {
                    originals
                        .get((row as usize).wrapping_sub(2))
                        .map_or("", |r| r["name"].as_str().unwrap_or(""))
                };
                let message = i["message"].as_str().unwrap_or("");
                // "… as row N …": the other row's name beside it, to read the pair at once.
                let other = message
                    .split("row ")
                    .nth(1)
                    .and_then(|s| s.split(|c: char| !c.is_ascii_digit()).next())
                    .and_then(|n| n.parse::<u64>().ok())
                    .map_or("", name_of);
                examples.push(format!(
                    "{} row {row} {} | {other}: {message}",
                    i["severity"].as_str().unwrap_or(""),
                    name_of(row)
                ));
            }
        }
    }
    let invalid = refused_by
        .iter()
        .filter(|(k, _)| k.starts_with("invalid"))
        .map(|(_, n)| n)
        .sum::<usize>();
    let n = originals.len();
    let refused = refused_rows.len() - invalid;
    eprintln!(
        "  import: {rate:.0} rows/s; created {}, refused as duplicates {} ({:.2} %), warned {} ({:.2} %), invalid {invalid}; dry run = commit: {agrees}",
        progress["created"],
        refused,
        pct(refused, n),
        warned_rows.len(),
        pct(warned_rows.len(), n)
    );
    for (k, v) in &refused_by {
        eprintln!("    refused by {k}: {v}");
    }
    for (k, v) in &warned_by {
        eprintln!("    warned by {k}: {v}");
    }
    for e in sample(&examples, example_count()) {
        eprintln!("    e.g. {e}");
    }

    // 3. The planted duplicates, dry-run against the book.
    eprintln!("  dry-running {} planted duplicates …", truth.len());
    let mut found_by_variant: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let mut found_by_signal: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    let mut found_total = 0;
    let mut blocked_total = 0;
    let mut missed: Vec<String> = Vec::new();
    for chunk in truth.chunks(200) {
        let rows: Vec<&Value> = chunk
            .iter()
            .map(|t| by_ext[t["dup"].as_str().unwrap_or("")])
            .collect();
        let id = api.upload("planted.csv", csv(&rows)).await;
        let dry = api.dry_run(id).await;
        let dups = dry["duplicates"].as_array().cloned().unwrap_or_default();
        for (i, t) in chunk.iter().enumerate() {
            let row = i as u64 + 2;
            let orig = by_ext[t["orig"].as_str().unwrap_or("")];
            let hits: Vec<&Value> = dups
                .iter()
                .filter(|d| d["row"] == row && d["of_row"].is_null())
                .filter(|d| d["customer_name"] == orig["name"])
                .collect();
            let found = !hits.is_empty();
            if !found {
                missed.push(format!(
                    "{} [{}] | {}",
                    by_ext[t["dup"].as_str().unwrap_or("")]["name"]
                        .as_str()
                        .unwrap_or(""),
                    t["name_variant"].as_str().unwrap_or(""),
                    orig["name"].as_str().unwrap_or("")
                ));
            }
            found_total += usize::from(found);
            blocked_total += usize::from(hits.iter().any(|d| d["blocking"] == true));
            let variant = t["name_variant"].as_str().unwrap_or("?").to_string();
            let e = found_by_variant.entry(variant).or_default();
            e.0 += usize::from(found);
            e.1 += 1;
            let signals: Vec<&str> = [
                "same_email",
                "same_email_domain",
                "same_phone",
                "same_website",
            ]
            .into_iter()
            .filter(|s| t[*s] == true)
            .collect();
            let signals = if signals.is_empty() {
                vec!["name only"]
            } else {
                signals
            };
            for s in signals {
                let e = found_by_signal.entry(s).or_default();
                e.0 += usize::from(found);
                e.1 += 1;
            }
        }
    }
    let recall = pct(found_total, truth.len());
    eprintln!(
        "  planted duplicates found at warn or above: {found_total} of {} ({recall:.1} %), of which refused {blocked_total}",
        truth.len()
    );
    for (k, (f, n)) in &found_by_variant {
        eprintln!("    variant {k:<18} {f:>5} / {n:<5} {:.1} %", pct(*f, *n));
    }
    for (k, (f, n)) in &found_by_signal {
        eprintln!("    signal {k:<19} {f:>5} / {n:<5} {:.1} %", pct(*f, *n));
    }
    for m in sample(&missed, example_count()) {
        eprintln!("    missed {m}");
    }

    // 4. Brand-new firms probed as the form does.
    let (mut new_n, mut new_block, mut new_warn) = (0, 0, 0);
    let (mut seen_n, mut seen_block, mut seen_warn, mut seen_other_country_block) = (0, 0, 0, 0);
    let mut probe_examples = Vec::new();
    let started = Instant::now();
    for r in &probes {
        let q = |k: &str| urlencode(r[k].as_str().unwrap_or(""));
        let v = api
            .get(&format!(
                "/api/v1/duplicates/check?name={}&email={}&phone={}&website={}&country={}",
                q("name"),
                q("email"),
                q("phone"),
                q("website"),
                q("country")
            ))
            .await;
        let block = v["verdict"] == "block";
        let warn = v["candidates"].as_array().is_some_and(|c| !c.is_empty());
        if r["name_seen"] == true {
            seen_n += 1;
            seen_block += usize::from(block);
            seen_warn += usize::from(warn);
            // Across countries when the blocking record's country is not the probe's (the
            // generator's own name key may pair the probe with a firm other than the one the
            // check names).
            let other_country = if block {
                let id = v["candidates"][0]["id"].as_u64().unwrap_or(0);
                let c = api.get(&format!("/api/v1/customers/{id}")).await;
                c["country"] != r["country"]
            } else {
                false
            };
            if other_country {
                seen_other_country_block += 1;
                probe_examples.push(format!(
                    "block across countries {} ({}) | {}: {}",
                    r["name"].as_str().unwrap_or(""),
                    r["country"].as_str().unwrap_or(""),
                    v["candidates"][0]["title"].as_str().unwrap_or(""),
                    v["candidates"][0]["reasons"]
                ));
            }
        } else {
            new_n += 1;
            new_block += usize::from(block);
            new_warn += usize::from(warn);
            if warn {
                probe_examples.push(format!(
                    "{} {} ({}) | {}: {}",
                    if block { "block" } else { "warn" },
                    r["name"].as_str().unwrap_or(""),
                    r["country"].as_str().unwrap_or(""),
                    v["candidates"][0]["title"].as_str().unwrap_or(""),
                    v["candidates"][0]["reasons"]
                ));
            }
        }
    }
    let probe_ms = started.elapsed().as_secs_f64() * 1000.0 / probes.len().max(1) as f64;
    eprintln!(
        "  new firms, name new to the book: {new_n}: blocked {new_block} ({:.2} %), any candidate {new_warn} ({:.2} %)",
        pct(new_block, new_n),
        pct(new_warn, new_n)
    );
    eprintln!(
        "  new firms sharing a normalised name: {seen_n}: blocked {seen_block}, warned {seen_warn}, blocked though the countries differ {seen_other_country_block}; {probe_ms:.2} ms a check"
    );
    for e in sample(&probe_examples, example_count()) {
        eprintln!("    e.g. {e}");
    }

    let rss = std::fs::read_to_string(format!("/proc/{}/status", server.0.id()))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse::<f64>().ok())
        })
        .map(|kb| kb / 1024.0)
        .unwrap_or(0.0);
    drop(server);
    let target = |ok: bool| if ok { "✔" } else { "✘" };
    let table = format!(
        "\n### Duplicate quality, {customers} generated firms (seed 42), {}\n\n\
         Commit {}. Through the HTTP API, default rules (name: block; e-mail, phone, website: warn).\n\n\
         | figure | value | target |\n|---|---:|---|\n\
         | import of {n} distinct firms | {rate:.0} rows/s | ≥ 5,000 {} |\n\
         | distinct firms refused | {refused} ({:.2} %) | ≤ 0.2 % {} |\n\
         | distinct firms warned | {} ({:.2} %) | ≤ 3 % {} |\n\
         | dry run = commit | {agrees} | {} |\n\
         | planted duplicates found (warn or above) | {found_total} / {} ({recall:.1} %) | ≥ 95 % {} |\n\
         | new firms (name new) blocked | {new_block} / {new_n} ({:.2} %) | ≤ 0.5 % {} |\n\
         | new firms (name new) with a candidate | {new_warn} / {new_n} ({:.2} %) | ≤ 5 % {} |\n\
         | new firms sharing a name, blocked across countries | {seen_other_country_block} / {seen_n} | 0 {} |\n\
         | duplicate check from the form | {probe_ms:.2} ms | |\n\
         | server peak RSS | {rss:.0} MiB | |\n\n\
         Recall per name variant: {}.\n\nRecall per shared key: {}.\n",
        chrono::Utc::now().format("%Y-%m-%d"),
        git_commit(),
        target(rate >= 5000.0),
        pct(refused, n),
        target(pct(refused, n) <= 0.2),
        warned_rows.len(),
        pct(warned_rows.len(), n),
        target(pct(warned_rows.len(), n) <= 3.0),
        target(agrees),
        truth.len(),
        target(recall >= 95.0),
        pct(new_block, new_n),
        target(pct(new_block, new_n) <= 0.5),
        pct(new_warn, new_n),
        target(pct(new_warn, new_n) <= 5.0),
        target(seen_other_country_block == 0),
        found_by_variant
            .iter()
            .map(|(k, (f, n))| format!("{k} {:.0} % ({f}/{n})", pct(*f, *n)))
            .collect::<Vec<_>>()
            .join(", "),
        found_by_signal
            .iter()
            .map(|(k, (f, n))| format!("{k} {:.0} % ({f}/{n})", pct(*f, *n)))
            .collect::<Vec<_>>()
            .join(", "),
    );
    println!("{table}");
    if record {
        use std::io::Write;
        let path = root.join("docs/performance.md");
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .expect("docs/performance.md");
        f.write_all(table.as_bytes()).expect("append");
        eprintln!("  appended to {}", path.display());
    }
}

fn git_commit() -> String {
    std::process::Command::new("git")
        .args(["rev-parse", "--short", "HEAD"])
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default()
}

fn urlencode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}
