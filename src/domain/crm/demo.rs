//! Demo data for the CRM: a few hundred customers with contacts, timelines, leads, opportunities
//! and pool entries, in Chinese and foreign names, spread over the demo reps. Deterministic, so
//! every demo looks the same.

use chrono::{Duration, Utc};
use rust_decimal::Decimal;

use crate::auth::User;
use crate::error::AppResult;
use crate::store::{Actor, IndexKey, Tx};

use super::customers::name_key;
use super::model::*;

/// A small deterministic generator (xorshift), enough for demo variety.
struct Dice(u64);

impl Dice {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

const CN_CITIES: &[(&str, &str)] = &[
    ("深圳", "Shenzhen"),
    ("广州", "Guangzhou"),
    ("宁波", "Ningbo"),
    ("义乌", "Yiwu"),
    ("厦门", "Xiamen"),
    ("东莞", "Dongguan"),
    ("杭州", "Hangzhou"),
    ("佛山", "Foshan"),
];
const CN_BRANDS: &[(&str, &str)] = &[
    ("华信", "Huaxin"),
    ("联丰", "Lianfeng"),
    ("远航", "Yuanhang"),
    ("恒达", "Hengda"),
    ("金帆", "Jinfan"),
    ("瑞丰", "Ruifeng"),
    ("新亚", "Xinya"),
    ("博雅", "Boya"),
    ("宏远", "Hongyuan"),
    ("天成", "Tiancheng"),
    ("永泰", "Yongtai"),
    ("海纳", "Haina"),
];
const CN_TRADES: &[(&str, &str)] = &[
    ("电子", "Electronics"),
    ("纺织", "Textile"),
    ("五金", "Hardware"),
    ("家居", "Home Products"),
    ("灯饰", "Lighting"),
    ("包装", "Packaging"),
    ("贸易", "Trading"),
    ("塑胶", "Plastics"),
];
const FOREIGN_BRANDS: &[&str] = &[
    "Brandt",
    "Nordlicht",
    "Bella Casa",
    "Pacific",
    "Atlas",
    "Evergreen",
    "Sunrise",
    "Blue Harbor",
    "Keller",
    "Morgan",
    "Lumière",
    "Vasquez",
    "Okafor",
    "Tanaka",
    "Novak",
    "Andersen",
    "Costa",
    "Haddad",
    "Rossi",
    "Schröder",
];
const FOREIGN_TRADES: &[&str] = &[
    "Trading",
    "Imports",
    "Home & Garden",
    "Tools",
    "Lighting",
    "Textiles",
    "Supply",
    "Distribution",
    "Retail",
];
/// (country, legal form, contact first names, phone prefix)
const MARKETS: &[(&str, &str, &[&str], &str)] = &[
    (
        "DE",
        "GmbH",
        &["Klaus", "Petra", "Jürgen", "Anke"],
        "+49 30 ",
    ),
    (
        "US",
        "Inc.",
        &["John", "Emily", "Michael", "Sarah"],
        "+1 212 ",
    ),
    (
        "GB",
        "Ltd",
        &["Oliver", "Amelia", "Harry", "Olivia"],
        "+44 20 ",
    ),
    (
        "IT",
        "S.r.l.",
        &["Marco", "Giulia", "Luca", "Chiara"],
        "+39 02 ",
    ),
    (
        "FR",
        "SARL",
        &["Pierre", "Camille", "Louis", "Chloé"],
        "+33 1 ",
    ),
    ("NL", "B.V.", &["Daan", "Sanne", "Bram", "Lotte"], "+31 20 "),
    (
        "AU",
        "Pty Ltd",
        &["Jack", "Charlotte", "Noah", "Mia"],
        "+61 2 ",
    ),
    (
        "AE",
        "LLC",
        &["Omar", "Fatima", "Khalid", "Layla"],
        "+971 4 ",
    ),
    (
        "BR",
        "Ltda",
        &["Gabriel", "Ana", "Lucas", "Beatriz"],
        "+55 11 ",
    ),
    (
        "JP",
        "K.K.",
        &["Hiroshi", "Yuki", "Kenji", "Aiko"],
        "+81 3 ",
    ),
];
const SURNAMES: &[&str] = &[
    "Müller", "Smith", "Rossi", "Dubois", "de Vries", "Brown", "Silva", "Sato", "Haddad", "Wilson",
];
const SOURCES: &[&str] = &[
    "canton_fair",
    "alibaba",
    "google",
    "referral",
    "linkedin",
    "exhibition",
    "website",
];
const SUBJECTS: &[(ActivityKind, &str)] = &[
    (ActivityKind::Email, "发送报价单及产品目录"),
    (ActivityKind::Call, "电话沟通交期，客户要求提前两周"),
    (ActivityKind::Chat, "WhatsApp：客户询问 CE 证书"),
    (ActivityKind::Sample, "寄出样品 3 件，DHL 运单 1234567890"),
    (
        ActivityKind::Quotation,
        "报价 FOB 宁波 USD 3.25/pc，MOQ 1000",
    ),
    (ActivityKind::Meeting, "视频会议：讨论包装要求"),
    (ActivityKind::Note, "客户说下个月有大单，价格敏感"),
    (ActivityKind::Visit, "广交会展位拜访"),
];

/// The demo's texts as versions before 0.2 wrote them ("中文 / English"): (the end of the Chinese
/// half, the English half). Old data loses the English half when it is read again (schema
/// upgrades of activities and tasks); the demo company writes Chinese.
const OLD_TEXTS: &[(&str, &str)] = &[
    ("发送报价单及产品目录", " / sent quotation and catalogue"),
    ("电话沟通交期，客户要求提前两周", " / call about lead time"),
    (
        "WhatsApp：客户询问 CE 证书",
        " / asked for the CE certificate",
    ),
    ("寄出样品 3 件，DHL 运单 1234567890", " / samples sent"),
    ("报价 FOB 宁波 USD 3.25/pc，MOQ 1000", " / quotation"),
    ("视频会议：讨论包装要求", " / video meeting on packaging"),
    (
        "客户说下个月有大单，价格敏感",
        " / big order expected next month",
    ),
    ("广交会展位拜访", " / visit at the Canton Fair booth"),
    ("小批量试单", " / small trial orders"),
    ("价格敏感", " / price sensitive"),
    ("重视交期", " / on-time delivery first"),
    (
        "30% 定金，见提单副本付尾款",
        " / 30% deposit, balance against B/L copy",
    ),
    ("信用证", " / L/C at sight"),
    ("曾逾期 15 天", " / once 15 days late"),
    ("上次送礼：茶叶礼盒", " / last gift: a tea set"),
    // "跟进 {name} 的报价反馈 / follow up on the quotation"
    ("的报价反馈", " / follow up on the quotation"),
    ("2026 秋季广交会名片", " / card from the autumn Canton Fair"),
];

/// The Chinese text of a demo text of before 0.2, when `text` is one.
pub(super) fn legacy_text(text: &str) -> Option<String> {
    OLD_TEXTS.iter().find_map(|(zh, en)| {
        text.strip_suffix(en)
            .filter(|head| head.ends_with(zh))
            .map(str::to_string)
    })
}

/// Seeds the CRM of the demo company (only into an empty CRM).
pub fn seed(tx: &mut Tx) -> AppResult<()> {
    if tx.count_all::<Customer>()? > 0 {
        return Ok(());
    }
    let reps: Vec<(u64, Option<u64>)> = ["li.na", "wang.lei", "zhao.min", "anna"]
        .iter()
        .filter_map(|u| {
            tx.find_unique::<User>("username", &IndexKey::new().str(u))
                .ok()
                .flatten()
        })
        .filter_map(|id| {
            tx.get_live::<User>(id)
                .ok()
                .map(|u| (id, u.data.team_ids.first().copied()))
        })
        .collect();
    if reps.is_empty() {
        return Ok(());
    }
    let pool = super::customers::default_pool(tx)?;
    let now = Utc::now();
    let mut dice = Dice(0x9e37_79b9_7f4a_7c15);
    let mut used = std::collections::HashSet::new();
    for i in 0..320 {
        let chinese = i % 3 == 0;
        let (name, name_alt, country, contacts_pool, phone_prefix, brand) = if chinese {
            let (city, city_en) = *dice.pick(CN_CITIES);
            let (brand, brand_en) = *dice.pick(CN_BRANDS);
            let (trade, trade_en) = *dice.pick(CN_TRADES);
            (
                format!("{city}市{brand}{trade}有限公司"),
                Some(format!("{city_en} {brand_en} {trade_en} Co., Ltd.")),
                "CN",
                &["王经理", "李小姐", "陈总", "张工"][..],
                "+86 755 ",
                brand_en.to_string(),
            )
        } else {
            let (country, legal, firsts, prefix) = *dice.pick(MARKETS);
            let brand = *dice.pick(FOREIGN_BRANDS);
            (
                format!("{brand} {} {legal}", dice.pick(FOREIGN_TRADES)),
                None,
                country,
                firsts,
                prefix,
                brand.to_string(),
            )
        };
        if !used.insert(name_key(&name)) {
            continue;
        }
        let in_pool = i % 9 == 4;
        let (rep, team) = reps[i % reps.len()];
        let owner = (!in_pool).then_some(rep);
        let actor = Actor {
            user: Some(rep),
            ip: None,
        };
        let domain: String = deunicode::deunicode(&brand)
            .to_lowercase()
            .chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .collect();
        let won = i % 5 == 0;
        // Recent enough that the default pool rules keep them with their owners.
        let since = now - Duration::days(10 + dice.below(70) as i64);
        let customer = tx.insert(
            &actor,
            Customer {
                name_key: name_key(&name),
                name: name.clone(),
                name_alt,
                country: Some(country.into()),
                time_zone: None,
                address: None,
                website: (!chinese).then(|| format!("www.{domain}-{i}.example")),
                email: Some(format!("info@{domain}-{i}.example")),
                phone: Some(format!(
                    "{phone_prefix}{}",
                    10_000_000 + dice.below(89_999_999)
                )),
                source: Some(dice.pick(SOURCES).to_string()),
                tier: Some(["A", "B", "B", "C", "C", "C"][dice.below(6)].into()),
                tags: if won {
                    vec!["老客户".into()]
                } else {
                    vec![]
                },
                owner_id: owner,
                team_id: owner.and(team),
                pool_id: pool,
                purchase_preferences: Some(
                    ["小批量试单", "价格敏感", "重视交期"][dice.below(3)].into(),
                ),
                payment_behaviour: Some(
                    ["30% 定金，见提单副本付尾款", "信用证", "曾逾期 15 天"][dice.below(3)].into(),
                ),
                custom: Default::default(),
                status: if won {
                    CustomerStatus::Customer
                } else {
                    CustomerStatus::Prospect
                },
                locked: false,
                key_account: i % 40 == 0,
                last_followup_at: None,
                last_deal_at: won.then(|| since + Duration::days(5)),
                owned_since: owner.map(|_| since),
                annual_purchases: won.then(|| Decimal::from(50_000 + dice.below(1_500_000))),
            },
        )?;
        for c in 0..1 + dice.below(3) {
            let first = *dice.pick(contacts_pool);
            let contact_name = if chinese {
                first.to_string()
            } else {
                format!("{first} {}", dice.pick(SURNAMES))
            };
            tx.insert(
                &actor,
                Contact {
                    customer_id: customer.id,
                    name: contact_name,
                    role: Some(["buyer", "boss", "qc", "finance"][c % 4].into()),
                    title: None,
                    phones: vec![format!(
                        "{phone_prefix}{}",
                        10_000_000 + dice.below(89_999_999)
                    )],
                    emails: vec![format!("contact{c}@{domain}-{i}.example")],
                    whatsapp: (!chinese).then(|| {
                        format!("{phone_prefix}{}", 10_000_000 + dice.below(89_999_999))
                            .replace(' ', "")
                    }),
                    wechat: chinese.then(|| format!("wx_{domain}{c}")),
                    skype: None,
                    birthday: None,
                    notes: (c == 0 && i % 4 == 0).then(|| "上次送礼：茶叶礼盒".into()),
                    primary: c == 0,
                    owner_id: owner,
                    region: Some(country.into()),
                },
            )?;
        }
        let mut last = None;
        for n in 0..1 + dice.below(5) {
            let (kind, subject) = *dice.pick(SUBJECTS);
            // The latest entry is within the last three weeks.
            let at = if n == 0 {
                now - Duration::hours(2 + dice.below(24 * 21) as i64)
            } else {
                since
                    + Duration::hours(
                        dice.below(24 * ((now - since).num_days().max(1) as usize)) as i64
                    )
            };
            last = last.max(Some(at));
            tx.insert(
                &actor,
                Activity {
                    customer_id: Some(customer.id),
                    contact_id: None,
                    lead_id: None,
                    kind,
                    occurred_at: at,
                    author_id: Some(rep),
                    subject: subject.into(),
                    body: None,
                    follow_up_on: None,
                    owner_id: owner,
                    event: None,
                },
            )?;
        }
        tx.update::<Customer, crate::error::AppError>(&actor, customer.id, None, |c| {
            c.last_followup_at = last;
            Ok(())
        })?;
        if i % 6 == 1 && owner.is_some() {
            let stage = Stage::ALL[dice.below(5)];
            tx.insert(
                &actor,
                Opportunity {
                    customer_id: customer.id,
                    title: format!(
                        "{} pcs {}",
                        [300, 1000, 5000][dice.below(3)],
                        ["LED panel", "tool set", "cushion cover", "storage box"][dice.below(4)]
                    ),
                    stage,
                    amount: Some(Decimal::from(3_000 + dice.below(80_000))),
                    currency: if chinese { "CNY".into() } else { "USD".into() },
                    expected_close: Some(
                        (now + Duration::days(dice.below(90) as i64)).date_naive(),
                    ),
                    owner_id: owner,
                    lead_id: None,
                },
            )?;
        }
        if i % 7 == 2
            && let Some(owner) = owner
        {
            tx.insert(
                &actor,
                Task {
                    owner_id: Some(owner),
                    customer_id: Some(customer.id),
                    lead_id: None,
                    title: TaskTitle::Typed(format!("跟进 {name} 的报价反馈")),
                    due_on: (now + Duration::days(dice.below(10) as i64 - 3)).date_naive(),
                    done_at: None,
                    source: format!("follow_up:demo{i}"),
                },
            )?;
        }
    }
    for i in 0..36 {
        let (country, legal, firsts, _) = *dice.pick(MARKETS);
        let company = format!(
            "{} {} {legal}",
            dice.pick(FOREIGN_BRANDS),
            dice.pick(FOREIGN_TRADES)
        );
        let (rep, team) = reps[i % reps.len()];
        let pooled = i % 3 == 0;
        tx.insert(
            &Actor {
                user: Some(rep),
                ip: None,
            },
            Lead {
                company,
                contact_name: Some(format!("{} {}", dice.pick(firsts), dice.pick(SURNAMES))),
                email: Some(format!("buyer{i}@lead{i}.example")),
                phone: None,
                country: Some(country.into()),
                website: None,
                source: Some(dice.pick(SOURCES).to_string()),
                status: [
                    LeadStatus::New,
                    LeadStatus::Contacted,
                    LeadStatus::Qualified,
                ][i % 3],
                owner_id: (!pooled).then_some(rep),
                team_id: (!pooled).then_some(team).flatten(),
                notes: Some("2026 秋季广交会名片".into()),
                converted_customer_id: None,
            },
        )?;
    }
    Ok(())
}
