//! Search after a lost or damaged index equals a full scan. The test writes about 1,200
//! customers, contacts and leads (Chinese and English names, e-mails, phones, websites,
//! WeChat/WhatsApp/Skype ids) through the real binary and keeps what the server stored. It
//! compares 200 queries through `GET /api/v1/search` (as the admin, who sees everything) with a
//! scan over those records; deletes the index, restarts (the server rebuilds it) and compares
//! 300 more; then overwrites the index's largest segment with garbage, restarts and compares
//! 1,000 more. The queries are words, word pairs, whole names, prefixes, one-letter typos,
//! pinyin, e-mails, websites, phones as typed and as digits, their beginnings, upper-case and
//! full-width spellings; about a fifth must find nothing (words of two records that never meet,
//! invented words, unknown addresses and numbers).
//!
//! The scan is the search contract written out (see `SearchIndex::search`), evaluated record by
//! record without tantivy: the query is folded and split into words; a record matches when every
//! word equals one of the record's words or their pinyin, or the last word is a prefix of one,
//! or a Latin word of five or more letters is one edit (a transposition counts as one) from
//! one; or when the whole folded query starts one of the record's exact keys (e-mails, websites,
//! phone digits, messenger ids); or when the query's digits (five or more) start an exact key.
//! What a record contributes is written out here too (as in each `Entity::search_doc`); folding
//! and word splitting (jieba, pinyin) are the library's own `kontor::search::text`, so the test
//! checks the index against the records, not the tokenizer against itself.
//!
//! The API returns at most 50 hits and no total: a query the scan matches more than 50 times
//! must return exactly 50 hits, all of them expected; those are kept to a few per cent.

use std::collections::{BTreeSet, HashSet};
use std::time::Instant;

use kontor::search::text;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use super::{
    Rng, Scratch, ServerProcess, admin_client, assert_check_passes, chinese_name, garbage, setup,
    wait_search_caught_up,
};
use crate::common::Client;

const QUERIES: usize = 1_000;
/// The most hits `GET /api/v1/search` returns.
const LIMIT: usize = 50;
const CUSTOMERS: usize = 450;
const LEADS: usize = 300;
const WRITERS: usize = 8;

// ---- what the records contribute -----------------------------------------------------------

/// A searchable record as the scan sees it.
struct Doc {
    kind: &'static str,
    id: u64,
    title: String,
    /// The folded words of the title and free text (query material).
    words: Vec<String>,
    /// The pinyin of each Chinese word.
    pinyin: Vec<String>,
    /// Words and pinyin: what a query word is compared with.
    terms: HashSet<String>,
    /// Exact keys as stored (query material).
    raw_exact: Vec<String>,
    /// Exact keys folded and trimmed, as the index holds them.
    exact: Vec<String>,
    /// Phone numbers as typed (query material: the search takes their digits).
    phones: Vec<String>,
}

impl Doc {
    fn new(
        kind: &'static str,
        id: u64,
        title: &str,
        free_text: Vec<String>,
        exact: Vec<String>,
    ) -> Doc {
        let mut words = Vec::new();
        let mut pinyin = Vec::new();
        for t in std::iter::once(title.to_string()).chain(free_text) {
            let folded = text::fold(&t);
            words.extend(text::words(&folded));
            pinyin.extend(text::pinyin_words(&folded));
        }
        let terms = words.iter().chain(pinyin.iter()).cloned().collect();
        Doc {
            kind,
            id,
            title: title.to_string(),
            words,
            pinyin,
            terms,
            exact: exact
                .iter()
                .map(|e| text::fold(e).trim().to_string())
                .collect(),
            raw_exact: exact,
            phones: Vec::new(),
        }
    }

    fn key(&self) -> (String, u64) {
        (self.kind.to_string(), self.id)
    }
}

fn s(v: &Value) -> Option<String> {
    v.as_str().map(str::to_string)
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| a.iter().filter_map(s).collect())
        .unwrap_or_default()
}

fn digits(p: &str) -> String {
    p.chars().filter(|c| c.is_ascii_digit()).collect()
}

/// As `Customer::search_doc`, from the stored customer (the API's view of it).
fn customer_doc(c: &Value) -> Doc {
    let mut text = vec![
        s(&c["name_alt"]).unwrap_or_default(),
        s(&c["address"]).unwrap_or_default(),
    ];
    text.extend(strings(&c["tags"]));
    let mut exact: Vec<String> = [s(&c["email"]), s(&c["website"])]
        .into_iter()
        .flatten()
        .collect();
    let phone = s(&c["phone"]);
    exact.extend(phone.as_deref().map(digits));
    let mut doc = Doc::new(
        "customer",
        c["id"].as_u64().unwrap(),
        c["name"].as_str().unwrap(),
        text,
        exact,
    );
    doc.phones.extend(phone);
    doc
}

/// As `Contact::search_doc`.
fn contact_doc(c: &Value) -> Doc {
    let phones = strings(&c["phones"]);
    let mut exact = strings(&c["emails"]);
    exact.extend(phones.iter().map(|p| digits(p)));
    exact.extend(
        [s(&c["whatsapp"]), s(&c["wechat"]), s(&c["skype"])]
            .into_iter()
            .flatten(),
    );
    let mut doc = Doc::new(
        "contact",
        c["id"].as_u64().unwrap(),
        c["name"].as_str().unwrap(),
        s(&c["title"]).into_iter().collect(),
        exact,
    );
    doc.phones = phones;
    doc
}

/// As `Lead::search_doc`.
fn lead_doc(l: &Value) -> Doc {
    let mut exact: Vec<String> = [s(&l["email"]), s(&l["website"])]
        .into_iter()
        .flatten()
        .collect();
    let phone = s(&l["phone"]);
    exact.extend(phone.as_deref().map(digits));
    let mut doc = Doc::new(
        "lead",
        l["id"].as_u64().unwrap(),
        l["company"].as_str().unwrap(),
        s(&l["contact_name"]).into_iter().collect(),
        exact,
    );
    doc.phones.extend(phone);
    doc
}

/// As `User::search_doc`.
fn user_doc(u: &Value) -> Doc {
    Doc::new(
        "user",
        u["id"].as_u64().unwrap(),
        u["display_name"].as_str().unwrap(),
        vec![u["username"].as_str().unwrap().to_string()],
        [s(&u["email"]), s(&u["phone"])]
            .into_iter()
            .flatten()
            .collect(),
    )
}

// ---- the scan ------------------------------------------------------------------------------

/// A query prepared as the search prepares it.
struct Prepared {
    words: Vec<String>,
    exact: String,
    digits: String,
}

fn prepare(q: &str) -> Prepared {
    let folded = text::fold(q);
    Prepared {
        words: text::words(&folded),
        exact: folded.trim().to_string(),
        digits: digits(q),
    }
}

/// At most one insertion, deletion, substitution or transposition of neighbours apart.
fn within_one_edit(a: &str, b: &str) -> bool {
    if a == b {
        return true;
    }
    // One edit changes the length by at most one character (four bytes).
    if a.len().abs_diff(b.len()) > 4 {
        return false;
    }
    if a.is_ascii() && b.is_ascii() {
        return one_edit(a.as_bytes(), b.as_bytes());
    }
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    one_edit(&a, &b)
}

fn one_edit<T: PartialEq>(a: &[T], b: &[T]) -> bool {
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    match long.len() - short.len() {
        0 => {
            let Some(i) = (0..a.len()).find(|&i| a[i] != b[i]) else {
                return true;
            };
            a[i + 1..] == b[i + 1..]
                || (i + 1 < a.len()
                    && a[i] == b[i + 1]
                    && a[i + 1] == b[i]
                    && a[i + 2..] == b[i + 2..])
        }
        1 => {
            let i = (0..short.len())
                .find(|&i| short[i] != long[i])
                .unwrap_or(short.len());
            short[i..] == long[i + 1..]
        }
        _ => false,
    }
}

/// Whether query word `w` (the query's last word if `last`) matches a record's word or pinyin.
fn word_matches(term: &str, w: &str, last: bool) -> bool {
    term == w || (last && term.starts_with(w)) || (fuzzy(w) && within_one_edit(term, w))
}

/// Whether a query word may match with one typo: Latin, five letters or more.
fn fuzzy(w: &str) -> bool {
    w.is_ascii() && w.len() >= 5
}

/// The records and, for speed, each distinct word with the records that hold it.
struct Corpus {
    docs: Vec<Doc>,
    postings: Vec<(String, Vec<usize>)>,
}

impl Corpus {
    fn new(docs: Vec<Doc>) -> Corpus {
        let mut map: std::collections::HashMap<String, BTreeSet<usize>> = Default::default();
        for (i, d) in docs.iter().enumerate() {
            for t in &d.terms {
                map.entry(t.clone()).or_default().insert(i);
            }
        }
        let postings = map
            .into_iter()
            .map(|(t, ids)| (t, ids.into_iter().collect()))
            .collect();
        Corpus { docs, postings }
    }

    /// Every record the search contract says `q` finds.
    fn scan(&self, q: &str) -> BTreeSet<(String, u64)> {
        let q = prepare(q);
        let n = self.docs.len();
        let mut words_matched = vec![0usize; n];
        for (i, w) in q.words.iter().enumerate() {
            let last = i + 1 == q.words.len();
            let mut found = vec![false; n];
            for (term, ids) in &self.postings {
                if word_matches(term, w, last) {
                    for &d in ids {
                        found[d] = true;
                    }
                }
            }
            for d in 0..n {
                words_matched[d] += usize::from(found[d]);
            }
        }
        self.docs
            .iter()
            .enumerate()
            .filter(|(i, doc)| {
                let by_words = !q.words.is_empty() && words_matched[*i] == q.words.len();
                let by_exact =
                    !q.exact.is_empty() && doc.exact.iter().any(|e| e.starts_with(&q.exact));
                let by_digits = q.digits.len() >= 5
                    && q.digits != q.exact
                    && doc.exact.iter().any(|e| e.starts_with(&q.digits));
                by_words || by_exact || by_digits
            })
            .map(|(_, doc)| doc.key())
            .collect()
    }

    fn title(&self, key: &(String, u64)) -> String {
        self.docs
            .iter()
            .find(|d| d.key() == *key)
            .map_or_else(|| "?".to_string(), |d| d.title.clone())
    }
}

#[test]
fn the_scan_follows_the_search_contract() {
    assert!(within_one_edit("kalomir", "kalomir"));
    assert!(within_one_edit("kalomir", "kalomer"));
    assert!(within_one_edit("kalomir", "kalmoir"));
    assert!(within_one_edit("kalomir", "kalomi"));
    assert!(within_one_edit("kalomir", "kaloxmir"));
    assert!(!within_one_edit("kalomir", "klaomri"));
    assert!(!within_one_edit("kalomir", "kalo"));
    assert!(!within_one_edit("kalomir", "kolamir"));
    assert!(within_one_edit("müller", "muller"));
    assert!(!within_one_edit("müler", "muller"));
    let doc = Doc::new(
        "customer",
        1,
        "深圳市華信電子有限公司",
        vec!["Müller Hardware GmbH".into()],
        vec!["Info@Huaxin.CN".into(), "8675588881234".into()],
    );
    let corpus = Corpus::new(vec![doc]);
    let found = |q: &str| !corpus.scan(q).is_empty();
    for q in [
        "华信",
        "華信",
        "huaxin",
        "深圳 电子",
        "MÜLL",
        "mueller",
        "muller hard",
        "hardwere",
        "info@huaxin",
        "INFO@HUAXIN.CN",
        "+86 755 8888",
        "86755888",
    ] {
        assert!(found(q), "{q} finds the record");
    }
    for q in [
        "深圳 siemens",
        "hard muller",
        "hrdwre",
        "huaxin.cn",
        "7558888",
        "华为",
    ] {
        assert!(!found(q), "{q} finds nothing");
    }
}

// ---- the data ------------------------------------------------------------------------------

const CITIES: [(&str, &str); 10] = [
    ("深圳", "Shenzhen"),
    ("宁波", "Ningbo"),
    ("义乌", "Yiwu"),
    ("广州", "Guangzhou"),
    ("厦门", "Xiamen"),
    ("苏州", "Suzhou"),
    ("青岛", "Qingdao"),
    ("东莞", "Dongguan"),
    ("温州", "Wenzhou"),
    ("佛山", "Foshan"),
];
const BRANDS: [(&str, &str); 16] = [
    ("华信", "Huaxin"),
    ("海纳", "Haina"),
    ("金达", "Jinda"),
    ("恒通", "Hengtong"),
    ("瑞丰", "Ruifeng"),
    ("宏达", "Hongda"),
    ("天成", "Tiancheng"),
    ("永盛", "Yongsheng"),
    ("鑫源", "Xinyuan"),
    ("博远", "Boyuan"),
    ("嘉禾", "Jiahe"),
    ("润泽", "Runze"),
    ("華信", "Huaxin"),
    ("宏達", "Hongda"),
    ("聚丰", "Jufeng"),
    ("远航", "Yuanhang"),
];
const TRADES: [(&str, &str); 12] = [
    ("电子", "Electronics"),
    ("纺织", "Textiles"),
    ("五金", "Hardware"),
    ("家具", "Furniture"),
    ("灯饰", "Lighting"),
    ("玩具", "Toys"),
    ("化工", "Chemicals"),
    ("机械", "Machinery"),
    ("包装", "Packaging"),
    ("陶瓷", "Ceramics"),
    ("服装", "Garments"),
    ("電子", "Electronics"),
];
const FORMS: [(&str, &str); 4] = [
    ("有限公司", "Co., Ltd."),
    ("贸易有限公司", "Trading Co., Ltd."),
    ("进出口有限公司", "Import & Export Co., Ltd."),
    ("实业有限公司", "Industrial Co., Ltd."),
];
const SURNAMES: [&str; 16] = [
    "Müller", "Schäfer", "Dubois", "García", "Rossi", "Nowak", "Jensen", "Öztürk", "Novák",
    "Andersen", "Kowalski", "Moreau", "Fischer", "Bianchi", "Silva", "O'Brien",
];
const FIRST_NAMES: [&str; 16] = [
    "Anna", "Lukas", "Marie", "Jonas", "Sofia", "Pierre", "Elena", "Marco", "Julia", "Tomasz",
    "Ingrid", "Ahmet", "Lucía", "Jan", "Chloé", "Mehmet",
];
const LATIN_FORMS: [&str; 8] = ["GmbH", "Ltd", "LLC", "S.A.", "Inc.", "B.V.", "S.r.l.", "AG"];
const JOB_TITLES: [&str; 8] = [
    "采购经理",
    "总经理",
    "Purchasing Manager",
    "Sales Director",
    "QC Engineer",
    "财务主管",
    "Head of Sourcing",
    "Einkäufer",
];
const TAGS: [&str; 10] = [
    "LED",
    "展会",
    "Canton Fair",
    "VIP",
    "OEM",
    "样品",
    "Amazon",
    "B2B",
    "老客户",
    "ODM",
];
const STREETS: [&str; 8] = [
    "Harbour", "Linden", "Market", "King", "Mill", "Station", "Rosen", "Canal",
];
const TOWNS: [&str; 10] = [
    "Hamburg",
    "Lyon",
    "Milano",
    "Rotterdam",
    "Chicago",
    "Dubai",
    "São Paulo",
    "Kraków",
    "Zürich",
    "Wien",
];
const PROVINCES: [&str; 5] = ["广东省", "浙江省", "福建省", "江苏省", "山东省"];
const ROADS: [&str; 6] = ["人民路", "解放路", "中山路", "建设路", "工业大道", "滨海路"];
/// (country, top-level domain, phone format: `d` is a random digit).
const COUNTRIES: [(&str, &str, &str); 8] = [
    ("CN", "cn", "+86 13d dddd dddd"),
    ("DE", "de", "+49 30 dddddddd"),
    ("FR", "fr", "+33 1 dd dd dd dd"),
    ("IT", "it", "+39 02 dddd dddd"),
    ("NL", "nl", "+31 10 ddd dddd"),
    ("US", "com", "+1 (312) 555-dddd"),
    ("AE", "ae", "+971 4 ddd dddd"),
    ("PL", "pl", "+48 22 ddd dd dd"),
];

fn pick<'a, T>(rng: &mut Rng, items: &'a [T]) -> &'a T {
    &items[rng.below(items.len() as u64) as usize]
}

/// An invented brand word of two or three syllables ("Kalomir").
fn coined(rng: &mut Rng) -> String {
    const C: &[u8] = b"bdfgklmnprstvz";
    const V: &[u8] = b"aeiou";
    let syllables = 2 + rng.below(2);
    let mut w = String::new();
    for _ in 0..syllables {
        w.push(*pick(rng, C) as char);
        w.push(*pick(rng, V) as char);
    }
    if rng.below(2) == 0 {
        w.push(*pick(rng, b"rnlsx") as char);
    }
    let mut c = w.chars();
    let first = c.next().unwrap().to_ascii_uppercase();
    format!("{first}{}", c.as_str())
}

fn phone(rng: &mut Rng, format: &str) -> String {
    format
        .chars()
        .map(|c| {
            if c == 'd' {
                char::from(b'0' + rng.below(10) as u8)
            } else {
                c
            }
        })
        .collect()
}

/// A company: (name, second name, slug for addresses, Chinese?).
fn company(rng: &mut Rng) -> (String, Option<String>, String, bool) {
    if rng.below(2) == 0 {
        let (city, city_en) = *pick(rng, &CITIES);
        let (brand, brand_en) = *pick(rng, &BRANDS);
        let (trade, trade_en) = *pick(rng, &TRADES);
        let (form, form_en) = *pick(rng, &FORMS);
        let alt = (rng.below(3) > 0).then(|| format!("{city_en} {brand_en} {trade_en} {form_en}"));
        (
            format!("{city}{brand}{trade}{form}"),
            alt,
            brand_en.to_ascii_lowercase(),
            true,
        )
    } else {
        let brand = coined(rng);
        let (_, trade_en) = *pick(rng, &TRADES);
        let form = *pick(rng, &LATIN_FORMS);
        let name = match rng.below(3) {
            0 => format!("{} & {brand} {trade_en} {form}", pick(rng, &SURNAMES)),
            _ => format!("{brand} {trade_en} {form}"),
        };
        let alt = (rng.below(3) == 0).then(|| {
            let (b, _) = *pick(rng, &BRANDS);
            let (t, _) = *pick(rng, &TRADES);
            format!("{b}{t}贸易公司")
        });
        (name, alt, brand.to_ascii_lowercase(), false)
    }
}

fn person(rng: &mut Rng, chinese: bool) -> String {
    if chinese {
        chinese_name(rng.below(8_000))
    } else {
        format!("{} {}", pick(rng, &FIRST_NAMES), pick(rng, &SURNAMES))
    }
}

/// The ASCII local part of an e-mail for a person ("lucia.obrien").
fn mailbox(name: &str) -> String {
    let parts: Vec<String> = text::words(&text::fold(name))
        .into_iter()
        .filter(|w| w.is_ascii())
        .collect();
    if parts.is_empty() {
        "sales".into()
    } else {
        parts.join(".")
    }
}

fn website(rng: &mut Rng, domain: &str) -> String {
    match rng.below(3) {
        0 => format!("www.{domain}"),
        1 => format!("https://www.{domain}"),
        _ => domain.to_string(),
    }
}

fn customer_input(rng: &mut Rng, n: usize) -> Value {
    let (name, alt, slug, chinese) = company(rng);
    let (country, tld, phone_format) = *pick(rng, &COUNTRIES);
    let domain = format!("{slug}{n}.{tld}");
    let address = if chinese {
        format!(
            "{}{}市{}{}号",
            pick(rng, &PROVINCES),
            pick(rng, &CITIES).0,
            pick(rng, &ROADS),
            1 + rng.below(300)
        )
    } else {
        format!(
            "{} {} Street, {}",
            1 + rng.below(300),
            pick(rng, &STREETS),
            pick(rng, &TOWNS)
        )
    };
    let tags: Vec<&str> = (0..rng.below(3)).map(|_| *pick(rng, &TAGS)).collect();
    let contacts: Vec<Value> = (0..rng.below(3))
        .map(|i| {
            let chinese_contact = chinese && rng.below(4) > 0;
            let who = person(rng, chinese_contact);
            let mut c = json!({
                "name": who,
                "title": pick(rng, &JOB_TITLES),
                "emails": [format!("{}{n}{i}@{domain}", mailbox(&who))],
                "phones": [phone(rng, phone_format)],
            });
            match rng.below(4) {
                0 => c["wechat"] = json!(format!("wx_{slug}{n}{i}")),
                1 => c["whatsapp"] = json!(phone(rng, "+49 151 dddd dddd")),
                2 => c["skype"] = json!(format!("live:.cid.{:x}", rng.next() >> 20)),
                _ => {}
            }
            c
        })
        .collect();
    json!({
        "name": name,
        "name_alt": alt,
        "country": country,
        "address": address,
        "tags": tags,
        "email": format!("{}@{domain}", pick(rng, &["info", "sales", "purchase", "buyer"])),
        "website": website(rng, &domain),
        "phone": phone(rng, phone_format),
        "contacts": contacts,
    })
}

fn lead_input(rng: &mut Rng, n: usize) -> Value {
    let (name, _, slug, chinese) = company(rng);
    let (country, tld, phone_format) = *pick(rng, &COUNTRIES);
    let domain = format!("{slug}-lead{n}.{tld}");
    let who = person(rng, chinese);
    json!({
        "company": name,
        "contact_name": who,
        "email": format!("{}@{domain}", mailbox(&who)),
        "phone": phone(rng, phone_format),
        "country": country,
        "website": website(rng, &domain),
        "to_pool": rng.below(5) == 0,
    })
}

enum Seed {
    Customer(Value),
    Lead(Value),
}

/// Writes the records with a few concurrent writers; returns the stored records as docs.
async fn seed(admin: &Client, rng: &mut Rng) -> Vec<Doc> {
    let mut writes: Vec<Seed> = Vec::with_capacity(CUSTOMERS + LEADS);
    for n in 0..CUSTOMERS {
        writes.push(Seed::Customer(customer_input(rng, n)));
    }
    for n in 0..LEADS {
        writes.push(Seed::Lead(lead_input(rng, n)));
    }
    let mut chunks: Vec<Vec<Seed>> = (0..WRITERS).map(|_| Vec::new()).collect();
    for (i, w) in writes.drain(..).enumerate() {
        chunks[i % WRITERS].push(w);
    }
    let tasks: Vec<_> = chunks
        .into_iter()
        .map(|chunk| {
            let admin = admin.clone();
            tokio::spawn(async move {
                let mut docs = Vec::new();
                for w in chunk {
                    match w {
                        Seed::Customer(input) => {
                            let (status, c) = admin
                                .send(Method::POST, "/api/v1/customers", Some(input.clone()))
                                .await;
                            assert_eq!(status, StatusCode::CREATED, "{input}: {c}");
                            docs.push(customer_doc(&c));
                            let contacts = admin
                                .get(&format!("/api/v1/customers/{}/contacts", c["id"]))
                                .await;
                            let contacts = contacts.as_array().expect("contact list");
                            assert_eq!(contacts.len(), input["contacts"].as_array().unwrap().len());
                            docs.extend(contacts.iter().map(contact_doc));
                        }
                        Seed::Lead(input) => {
                            let (status, l) = admin
                                .send(Method::POST, "/api/v1/leads", Some(input.clone()))
                                .await;
                            assert_eq!(status, StatusCode::CREATED, "{input}: {l}");
                            docs.push(lead_doc(&l));
                        }
                    }
                }
                docs
            })
        })
        .collect();
    let mut docs = Vec::new();
    for t in tasks {
        docs.extend(t.await.expect("seed writer"));
    }
    let users = admin.get("/api/v1/users?per_page=100").await;
    docs.extend(
        users["items"]
            .as_array()
            .expect("users")
            .iter()
            .map(user_doc),
    );
    docs
}

// ---- the queries ---------------------------------------------------------------------------

fn full_width(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                char::from_u32(c as u32 + 0xFEE0).unwrap()
            } else {
                c
            }
        })
        .collect()
}

/// One edit of a word: a letter changed, dropped, doubled or swapped with its neighbour.
fn typo(rng: &mut Rng, w: &str) -> String {
    let mut c: Vec<char> = w.chars().collect();
    let i = rng.below(c.len() as u64 - 1) as usize;
    match rng.below(4) {
        0 => c[i] = if c[i] == 'x' { 'q' } else { 'x' },
        1 => {
            c.remove(i);
        }
        2 => c.insert(i, c[i]),
        _ => c.swap(i, i + 1),
    }
    c.into_iter().collect()
}

fn latin_words(doc: &Doc, min: usize) -> Vec<&String> {
    doc.words
        .iter()
        .filter(|w| w.is_ascii() && w.chars().all(|c| c.is_ascii_alphabetic()) && w.len() >= min)
        .collect()
}

/// A query aimed at `doc` (or, for the last fifth, at nothing).
fn query_for(rng: &mut Rng, doc: &Doc, other: &Doc) -> String {
    let word = |rng: &mut Rng| pick(rng, &doc.words).clone();
    if doc.words.is_empty() {
        return doc.title.clone();
    }
    match rng.below(100) {
        0..14 => word(rng),
        14..24 => {
            let (a, b) = (word(rng), word(rng));
            format!("{a} {b}")
        }
        24..32 => doc.title.clone(),
        32..42 => {
            let long = latin_words(doc, 4);
            match long.is_empty() {
                true => word(rng),
                false => {
                    let w = pick(rng, &long);
                    let cut = 2 + rng.below(w.len() as u64 - 2) as usize;
                    match rng.below(2) {
                        0 => w[..cut].to_string(),
                        _ => format!("{} {}", word(rng), &w[..cut]),
                    }
                }
            }
        }
        42..52 => {
            let long = latin_words(doc, 5);
            match long.is_empty() {
                true => doc.title.clone(),
                false => {
                    let w = pick(rng, &long).to_string();
                    typo(rng, &w)
                }
            }
        }
        52..58 => match doc.pinyin.is_empty() {
            true => word(rng),
            false => pick(rng, &doc.pinyin).clone(),
        },
        58..70 => {
            if !doc.phones.is_empty() && rng.below(3) == 0 {
                pick(rng, &doc.phones).clone()
            } else if doc.raw_exact.is_empty() {
                word(rng)
            } else {
                pick(rng, &doc.raw_exact).clone()
            }
        }
        70..76 => {
            let keys: Vec<&String> = doc
                .raw_exact
                .iter()
                .filter(|e| e.chars().count() > 8)
                .collect();
            match keys.is_empty() {
                true => word(rng),
                false => {
                    let key = pick(rng, &keys);
                    let n = key.chars().count();
                    key.chars()
                        .take(6 + rng.below(n as u64 - 6) as usize)
                        .collect()
                }
            }
        }
        76..82 => match rng.below(3) {
            0 => doc.title.to_uppercase(),
            1 => full_width(&doc.title),
            _ => full_width(&word(rng).to_uppercase()),
        },
        // Must find nothing (the scan says whether it does).
        82..87 if !other.words.is_empty() => format!("{} {}", word(rng), pick(rng, &other.words)),
        82..91 => format!("qx{}", coined(rng).to_lowercase()),
        91..94 => format!("nobody{}@nowhere.invalid", rng.below(1_000)),
        94..97 => format!("999{}", rng.below(1_000_000)),
        _ => pick(rng, &["火星探测", "量子 纠缠", "珠穆朗玛"]).to_string(),
    }
}

/// The ids `GET /api/v1/search` returns for `q` (at most [`LIMIT`]).
async fn search(client: &Client, q: &str) -> Vec<(String, u64)> {
    let limit = LIMIT.to_string();
    let url = reqwest::Url::parse_with_params(
        "http://x/api/v1/search",
        &[("q", q), ("limit", limit.as_str())],
    )
    .unwrap();
    let body = client
        .get(&format!("{}?{}", url.path(), url.query().unwrap_or("")))
        .await;
    body["items"]
        .as_array()
        .unwrap_or_else(|| panic!("search {q}: {body}"))
        .iter()
        .map(|h| {
            (
                h["kind"].as_str().unwrap().to_string(),
                h["id"].as_u64().unwrap(),
            )
        })
        .collect()
}

/// Runs `count` queries (four at a time) and compares each answer with the scan; returns the
/// differences.
async fn compare(
    client: &Client,
    corpus: &Corpus,
    rng: &mut Rng,
    count: usize,
    label: &str,
) -> Vec<String> {
    let started = Instant::now();
    let mut asked: Vec<(String, BTreeSet<(String, u64)>)> = Vec::with_capacity(count);
    let mut over_limit = 0;
    while asked.len() < count {
        let doc = pick(rng, &corpus.docs);
        let other = pick(rng, &corpus.docs);
        let q = query_for(rng, doc, other);
        let expected = corpus.scan(&q);
        if expected.len() > LIMIT {
            if over_limit >= count / 25 {
                continue; // keep the truncated answers to a few per cent
            }
            over_limit += 1;
        }
        asked.push((q, expected));
    }
    let scanned = started.elapsed();
    let lanes: Vec<_> = (0..4)
        .map(|lane| {
            let client = client.clone();
            let queries: Vec<(usize, String)> = asked
                .iter()
                .enumerate()
                .skip(lane)
                .step_by(4)
                .map(|(i, (q, _))| (i, q.clone()))
                .collect();
            tokio::spawn(async move {
                let mut answers = Vec::new();
                for (i, q) in queries {
                    answers.push((i, search(&client, &q).await));
                }
                answers
            })
        })
        .collect();
    let mut answers = vec![Vec::new(); asked.len()];
    for lane in lanes {
        for (i, got) in lane.await.expect("search lane") {
            answers[i] = got;
        }
    }
    let mut problems = Vec::new();
    let (mut none, mut hits) = (0, 0);
    for ((q, expected), got) in asked.iter().zip(&answers) {
        let got_set: BTreeSet<(String, u64)> = got.iter().cloned().collect();
        let wrong = if expected.len() > LIMIT {
            got.len() != LIMIT || got_set.len() != LIMIT || !got_set.is_subset(expected)
        } else {
            got_set != *expected || got.len() != got_set.len()
        };
        if wrong {
            let show = |keys: Vec<&(String, u64)>| -> Vec<String> {
                keys.into_iter()
                    .take(5)
                    .map(|k| format!("{}:{} {}", k.0, k.1, corpus.title(k)))
                    .collect()
            };
            problems.push(format!(
                "[{label}] {q:?}: the scan finds {}, the search {} (missing {:?}, unexpected {:?})",
                expected.len(),
                got.len(),
                show(expected.difference(&got_set).collect()),
                show(got_set.difference(expected).collect()),
            ));
        }
        none += usize::from(expected.is_empty());
        hits += got.len();
    }
    println!(
        "[{label}] {count} queries against {} records in {:.2} s ({:.2} s of it the scan): \
         {none} must find nothing, {over_limit} match more than {LIMIT} (checked as a subset), \
         {hits} hits in all; {} differ from the scan",
        corpus.docs.len(),
        started.elapsed().as_secs_f64(),
        scanned.as_secs_f64(),
        problems.len()
    );
    problems
}

// ---- the test ------------------------------------------------------------------------------

/// The index deleted, then its largest segment overwritten: after each restart (which rebuilds
/// the index) the search returns exactly what a scan over the written records finds, for 300
/// and then 1,000 queries.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn search_after_index_rebuild_equals_a_full_scan() {
    let scratch = Scratch::new();
    let data = scratch.path().join("data");
    let mut rng = Rng::from_env();
    let mut server = ServerProcess::start(&data).await;
    let admin = setup(&server).await;
    // Similar names are the data here, not duplicates to refuse.
    let (status, body) = admin
        .send(
            Method::PUT,
            "/api/v1/duplicates/rules",
            Some(json!({"name": "ignore", "email": "ignore", "phone": "ignore", "website": "ignore"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let started = Instant::now();
    let corpus = Corpus::new(seed(&admin, &mut rng).await);
    let seeded = started.elapsed();
    let caught_up = wait_search_caught_up(&admin).await;
    println!(
        "seeded {} searchable records in {:.2} s; the index caught up {:.2} s later",
        corpus.docs.len(),
        seeded.as_secs_f64(),
        caught_up.as_secs_f64()
    );
    // The index as the indexer built it, before any damage (tells a rebuild fault from a
    // search fault).
    let mut problems = compare(&admin, &corpus, &mut rng, 200, "before any damage").await;
    server.stop();

    let index = data.join("index");
    type Damage = fn(&std::path::Path);
    let variants: [(&str, usize, Damage); 2] = [
        ("index directory deleted", 300, |dir| {
            std::fs::remove_dir_all(dir).unwrap()
        }),
        ("largest segment file overwritten", QUERIES, |dir| {
            let file = std::fs::read_dir(dir)
                .unwrap()
                .map(|e| e.unwrap().path())
                .filter(|f| {
                    f.extension().is_some_and(|x| x != "json" && x != "lock")
                        && f.file_name().is_some_and(|n| n != "SCHEMA")
                })
                .max_by_key(|f| std::fs::metadata(f).map(|m| m.len()).unwrap_or(0))
                .expect("a segment file");
            let len = std::fs::metadata(&file).unwrap().len() as usize;
            std::fs::write(&file, garbage(len.max(64))).unwrap();
        }),
    ];
    for (what, queries, damage) in variants {
        damage(&index);
        server = ServerProcess::start(&data).await;
        println!(
            "{what}: the server rebuilt the index and answered in {:.2} s",
            server.ready_after.as_secs_f64()
        );
        let admin = admin_client(&server).await;
        wait_search_caught_up(&admin).await;
        problems.extend(compare(&admin, &corpus, &mut rng, queries, what).await);
        server.stop();
        assert_check_passes(&data, what).await;
    }
    assert!(
        problems.is_empty(),
        "{} queries differ from the full scan:\n{}",
        problems.len(),
        problems
            .iter()
            .take(30)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}
