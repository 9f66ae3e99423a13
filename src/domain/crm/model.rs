//! CRM records: customers, contacts, timeline activities, leads, opportunities, tasks, pools,
//! pool events, cadence rules and handovers.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::wording::{Preset, Text};
use crate::domain::dedup::keys::{Keyed, index_keys};
use crate::i18n::Lang;
use crate::search::SearchDoc;
use crate::store::{Entity, IndexDef, IndexKey, Meta};

/// For schema versions that changed only indexes: older payloads decode as they are.
fn same_layout_since<T: serde::de::DeserializeOwned>(
    first: u16,
    from: u16,
    payload: &[u8],
) -> Result<T, crate::store::StoreError> {
    if from >= first {
        crate::store::decode(payload)
    } else {
        Err(crate::store::StoreError::Corrupt(format!(
            "schema version {from} is unknown"
        )))
    }
}

fn ts(t: DateTime<Utc>) -> i64 {
    t.timestamp_micros()
}

/// Where a customer stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema, Default)]
#[serde(rename_all = "snake_case")]
pub enum CustomerStatus {
    /// Not bought yet.
    #[default]
    Prospect,
    /// Has bought (a won deal).
    Customer,
    /// No purchase and no contact for a long time.
    Dormant,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Customer {
    pub name: String,
    /// The name in the other language (English for a Chinese firm, Chinese for a foreign one).
    pub name_alt: Option<String>,
    /// ISO 3166-1 alpha-2.
    pub country: Option<String>,
    /// IANA zone of the buyer; defaults from the country.
    pub time_zone: Option<String>,
    pub address: Option<String>,
    pub website: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub source: Option<String>,
    pub tier: Option<String>,
    pub tags: Vec<String>,
    /// `None`: in the public pool (公海).
    pub owner_id: Option<u64>,
    pub team_id: Option<u64>,
    pub pool_id: Option<u64>,
    pub purchase_preferences: Option<String>,
    pub payment_behaviour: Option<String>,
    pub custom: BTreeMap<String, String>,
    pub status: CustomerStatus,
    /// Locked customers never return to the pool by rule.
    pub locked: bool,
    pub key_account: bool,
    pub last_followup_at: Option<DateTime<Utc>>,
    pub last_deal_at: Option<DateTime<Utc>>,
    /// When the current owner got the customer (start of the protection period).
    pub owned_since: Option<DateTime<Utc>>,
    /// Purchases over the last twelve months in the base currency (for tiered care).
    #[serde(with = "rust_decimal::serde::str_option")]
    pub annual_purchases: Option<Decimal>,
    /// Key for the owner-conflict check: the folded name.
    pub name_key: String,
}

impl Entity for Customer {
    const KIND: &'static str = "customer";
    const SEARCHABLE: bool = true;
    /// 2: the duplicate index; 3: counted owner and pool indexes and the `owned` index; 4: name
    /// keys by trade concept, not family (Imports ≠ Supply). Same layout; rewritten to build the
    /// indexes again.
    const SCHEMA_VERSION: u16 = 4;
    fn upgrade(from: u16, payload: &[u8]) -> Result<Self, crate::store::StoreError> {
        same_layout_since(1, from, payload)
    }
    fn indexes() -> Vec<IndexDef<Self>> {
        vec![
            IndexDef::many("dedup", |c: &Customer| {
                index_keys(Keyed {
                    names: [Some(c.name.as_str()), c.name_alt.as_deref()]
                        .into_iter()
                        .flatten()
                        .collect(),
                    emails: c.email.as_deref().into_iter().collect(),
                    phones: c.phone.as_deref().into_iter().collect(),
                    region: c.country.as_deref(),
                    website: c.website.as_deref(),
                })
            })
            .keep_deleted(),
            IndexDef::many("owner", |c: &Customer| {
                vec![IndexKey::new().u64(c.owner_id.unwrap_or(0))]
            })
            .counted(),
            // Every customer with an owner (not in a pool): the "all customers" list, newest
            // first, pages and totals from the counts.
            IndexDef::many("owned", |c: &Customer| {
                c.owner_id.map(|_| IndexKey::new()).into_iter().collect()
            })
            .counted(),
            IndexDef::many("pool", |c: &Customer| {
                c.pool_id
                    .filter(|_| c.owner_id.is_none())
                    .map(|p| IndexKey::new().u64(p))
                    .into_iter()
                    .collect()
            })
            .counted(),
            IndexDef::many("name_key", |c: &Customer| {
                vec![IndexKey::new().str(&c.name_key)]
            }),
        ]
    }
    fn title(&self) -> String {
        self.name.clone()
    }
    fn owner(&self) -> Option<u64> {
        self.owner_id
    }
    fn search_doc(&self, _meta: &Meta) -> Option<SearchDoc> {
        let mut text = vec![
            self.name_alt.clone().unwrap_or_default(),
            self.address.clone().unwrap_or_default(),
        ];
        text.extend(self.tags.iter().cloned());
        let mut exact: Vec<String> = self
            .email
            .iter()
            .chain(self.website.iter())
            .cloned()
            .collect();
        if let Some(p) = &self.phone {
            exact.push(p.chars().filter(|c| c.is_ascii_digit()).collect());
        }
        Some(SearchDoc {
            title: self.name.clone(),
            subtitle: [self.name_alt.clone(), self.country.clone()]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(" · "),
            text,
            exact,
            owner: Some(self.owner_id.unwrap_or(0)),
        })
    }
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Contact {
    pub customer_id: u64,
    pub name: String,
    /// Place in the decision chain: buyer, boss, qc, finance, engineer, other.
    pub role: Option<String>,
    pub title: Option<String>,
    pub phones: Vec<String>,
    pub emails: Vec<String>,
    pub whatsapp: Option<String>,
    pub wechat: Option<String>,
    pub skype: Option<String>,
    pub birthday: Option<NaiveDate>,
    pub notes: Option<String>,
    pub primary: bool,
    /// The customer's owner, kept here for data scope and search.
    pub owner_id: Option<u64>,
    /// Where its phone numbers without a country code are read (the duplicate index): the
    /// customer's country, else the company's; kept in step with the customer. `None` on
    /// contacts saved before schema 3 until they are filled in (read as China meanwhile).
    pub region: Option<String>,
}

/// A contact as schemas 1 and 2 stored it (before `region`).
#[derive(Deserialize)]
struct ContactV2 {
    customer_id: u64,
    name: String,
    role: Option<String>,
    title: Option<String>,
    phones: Vec<String>,
    emails: Vec<String>,
    whatsapp: Option<String>,
    wechat: Option<String>,
    skype: Option<String>,
    birthday: Option<NaiveDate>,
    notes: Option<String>,
    primary: bool,
    owner_id: Option<u64>,
}

impl Entity for Contact {
    const KIND: &'static str = "contact";
    const SEARCHABLE: bool = true;
    /// 2: the duplicate index; 3: `region`.
    const SCHEMA_VERSION: u16 = 3;
    fn upgrade(from: u16, payload: &[u8]) -> Result<Self, crate::store::StoreError> {
        let old: ContactV2 = same_layout_since(1, from, payload)?;
        Ok(Contact {
            customer_id: old.customer_id,
            name: old.name,
            role: old.role,
            title: old.title,
            phones: old.phones,
            emails: old.emails,
            whatsapp: old.whatsapp,
            wechat: old.wechat,
            skype: old.skype,
            birthday: old.birthday,
            notes: old.notes,
            primary: old.primary,
            owner_id: old.owner_id,
            region: None,
        })
    }
    fn indexes() -> Vec<IndexDef<Self>> {
        vec![
            // Contacts are found by their e-mails and phones, read in their customer's country.
            IndexDef::many("dedup", |c: &Contact| {
                index_keys(Keyed {
                    emails: c.emails.iter().map(String::as_str).collect(),
                    phones: c.phones.iter().map(String::as_str).collect(),
                    region: c.region.as_deref(),
                    ..Keyed::default()
                })
            })
            .keep_deleted(),
            IndexDef::many("customer", |c: &Contact| {
                vec![IndexKey::new().u64(c.customer_id)]
            })
            .keep_deleted(),
        ]
    }
    fn title(&self) -> String {
        self.name.clone()
    }
    fn owner(&self) -> Option<u64> {
        self.owner_id
    }
    fn search_doc(&self, _meta: &Meta) -> Option<SearchDoc> {
        let mut exact = self.emails.clone();
        exact.extend(
            self.phones
                .iter()
                .map(|p| p.chars().filter(|c| c.is_ascii_digit()).collect::<String>()),
        );
        exact.extend(
            self.whatsapp
                .iter()
                .chain(self.wechat.iter())
                .chain(self.skype.iter())
                .cloned(),
        );
        Some(SearchDoc {
            title: self.name.clone(),
            subtitle: self.role.clone().unwrap_or_default(),
            text: self.title.iter().cloned().collect(),
            exact,
            owner: Some(self.owner_id.unwrap_or(0)),
        })
    }
}

/// What kind of contact a timeline entry records.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ActivityKind {
    Email,
    Call,
    Meeting,
    Visit,
    Note,
    Sample,
    Quotation,
    Chat,
    /// Written by Kontor itself: claims, returns to the pool, handovers.
    System,
}

/// What a system timeline entry records: stored as data and told in the viewer's language
/// when the timeline is read.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub enum SystemEvent {
    /// `by`: the claimer's display name when it happened.
    ClaimedFromPool { by: String },
    ReturnedToPool {
        reason: ReturnReason,
        note: Option<String>,
    },
}

impl SystemEvent {
    pub fn text(&self, lang: crate::i18n::Lang) -> String {
        match (self, lang) {
            (SystemEvent::ClaimedFromPool { by }, Lang::Zh) => format!("{by} 从公海领取"),
            (SystemEvent::ClaimedFromPool { by }, Lang::En) => {
                format!("{by} claimed it from the pool")
            }
            (SystemEvent::ReturnedToPool { reason, note }, _) => {
                let head = match lang {
                    Lang::Zh => format!("退回公海（{}）", reason.label(lang)),
                    Lang::En => format!("Returned to the pool ({})", reason.label(lang)),
                };
                match (note, lang) {
                    (Some(n), Lang::Zh) => format!("{head}：{n}"),
                    (Some(n), Lang::En) => format!("{head}: {n}"),
                    (None, _) => head,
                }
            }
        }
    }

    /// Reads the bilingual subjects of entries written before events were stored
    /// ("{name} 从公海领取 / claimed from the pool", "退回公海 / returned to the pool
    /// (no_followup): note"); `None` for anything else.
    pub fn from_legacy_subject(subject: &str) -> Option<SystemEvent> {
        if let Some(by) = subject.strip_suffix(" 从公海领取 / claimed from the pool") {
            return Some(SystemEvent::ClaimedFromPool { by: by.to_string() });
        }
        let rest = subject.strip_prefix("退回公海 / returned to the pool (")?;
        let (key, tail) = rest.split_once(')')?;
        let reason: ReturnReason =
            serde_json::from_value(serde_json::Value::String(key.into())).ok()?;
        let note = match tail.strip_prefix(": ") {
            Some(n) => Some(n.to_string()),
            None if tail.is_empty() => None,
            None => return None,
        };
        Some(SystemEvent::ReturnedToPool { reason, note })
    }
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Activity {
    pub customer_id: Option<u64>,
    pub contact_id: Option<u64>,
    pub lead_id: Option<u64>,
    pub kind: ActivityKind,
    pub occurred_at: DateTime<Utc>,
    pub author_id: Option<u64>,
    pub subject: String,
    pub body: Option<String>,
    pub follow_up_on: Option<NaiveDate>,
    /// Owner of the customer or lead, for scope.
    pub owner_id: Option<u64>,
    /// System entries: what happened, told in the viewer's language (`subject` is then empty).
    pub event: Option<SystemEvent>,
}

impl Activity {
    /// Schema 3: system entries keep no text of their own (their event is told in each viewer's
    /// language), and the demo's entries of before lose their English half.
    fn tidy(mut self) -> Activity {
        if self.event.is_some() {
            self.subject = String::new();
        } else if let Some(zh) = super::demo::legacy_text(&self.subject) {
            self.subject = zh;
        }
        self
    }
}

/// An activity as schema 1 stored it (before `event`).
#[derive(Deserialize)]
struct ActivityV1 {
    customer_id: Option<u64>,
    contact_id: Option<u64>,
    lead_id: Option<u64>,
    kind: ActivityKind,
    occurred_at: DateTime<Utc>,
    author_id: Option<u64>,
    subject: String,
    body: Option<String>,
    follow_up_on: Option<NaiveDate>,
    owner_id: Option<u64>,
}

impl Entity for Activity {
    const KIND: &'static str = "activity";
    const SEARCHABLE: bool = true;
    /// 2: `event` (older system entries get theirs from their subject); 3: no bilingual
    /// subjects (same layout).
    const SCHEMA_VERSION: u16 = 3;
    fn upgrade(from: u16, payload: &[u8]) -> Result<Self, crate::store::StoreError> {
        if from == 2 {
            return crate::store::decode::<Activity>(payload).map(Activity::tidy);
        }
        let old: ActivityV1 = same_layout_since(1, from, payload)?;
        let event = (old.kind == ActivityKind::System)
            .then(|| SystemEvent::from_legacy_subject(&old.subject))
            .flatten();
        Ok(Activity {
            customer_id: old.customer_id,
            contact_id: old.contact_id,
            lead_id: old.lead_id,
            kind: old.kind,
            occurred_at: old.occurred_at,
            author_id: old.author_id,
            subject: old.subject,
            body: old.body,
            follow_up_on: old.follow_up_on,
            owner_id: old.owner_id,
            event,
        }
        .tidy())
    }
    fn indexes() -> Vec<IndexDef<Self>> {
        vec![
            IndexDef::many("customer", |a: &Activity| {
                a.customer_id
                    .map(|c| IndexKey::new().u64(c).i64(ts(a.occurred_at)))
                    .into_iter()
                    .collect()
            })
            .keep_deleted(),
            IndexDef::many("lead", |a: &Activity| {
                a.lead_id
                    .map(|l| IndexKey::new().u64(l).i64(ts(a.occurred_at)))
                    .into_iter()
                    .collect()
            })
            .keep_deleted(),
            IndexDef::many("contact", |a: &Activity| {
                a.contact_id
                    .map(|c| IndexKey::new().u64(c).i64(ts(a.occurred_at)))
                    .into_iter()
                    .collect()
            }),
        ]
    }
    fn title(&self) -> String {
        match &self.event {
            Some(e) => e.text(Lang::Zh),
            None => self.subject.clone(),
        }
    }
    fn owner(&self) -> Option<u64> {
        self.owner_id
    }
    /// Subject and body, seen by whoever sees its customer or lead (`owner_id` follows theirs;
    /// none while the customer is in a pool). A system entry's subject holds both languages.
    fn search_doc(&self, _meta: &Meta) -> Option<SearchDoc> {
        Some(SearchDoc {
            title: self.subject.clone(),
            subtitle: String::new(),
            text: self.body.iter().cloned().collect(),
            exact: Vec::new(),
            owner: Some(self.owner_id.unwrap_or(0)),
        })
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LeadStatus {
    New,
    Contacted,
    Qualified,
    Unqualified,
    Converted,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Lead {
    pub company: String,
    pub contact_name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub country: Option<String>,
    pub website: Option<String>,
    pub source: Option<String>,
    pub status: LeadStatus,
    /// `None`: in the lead pool (线索池).
    pub owner_id: Option<u64>,
    pub team_id: Option<u64>,
    pub notes: Option<String>,
    pub converted_customer_id: Option<u64>,
}

impl Entity for Lead {
    const KIND: &'static str = "lead";
    const SEARCHABLE: bool = true;
    /// 3: name keys by trade concept (same layout; the duplicate index is built again).
    const SCHEMA_VERSION: u16 = 3;
    fn upgrade(from: u16, payload: &[u8]) -> Result<Self, crate::store::StoreError> {
        same_layout_since(1, from, payload)
    }
    fn indexes() -> Vec<IndexDef<Self>> {
        vec![
            IndexDef::many("dedup", |l: &Lead| {
                index_keys(Keyed {
                    names: vec![l.company.as_str()],
                    emails: l.email.as_deref().into_iter().collect(),
                    phones: l.phone.as_deref().into_iter().collect(),
                    region: l.country.as_deref(),
                    website: l.website.as_deref(),
                })
            })
            .keep_deleted(),
            IndexDef::many("owner", |l: &Lead| {
                vec![IndexKey::new().u64(l.owner_id.unwrap_or(0))]
            }),
        ]
    }
    fn title(&self) -> String {
        self.company.clone()
    }
    fn owner(&self) -> Option<u64> {
        self.owner_id
    }
    fn search_doc(&self, _meta: &Meta) -> Option<SearchDoc> {
        let mut exact: Vec<String> = self
            .email
            .iter()
            .chain(self.website.iter())
            .cloned()
            .collect();
        if let Some(p) = &self.phone {
            exact.push(p.chars().filter(|c| c.is_ascii_digit()).collect());
        }
        Some(SearchDoc {
            title: self.company.clone(),
            subtitle: self.contact_name.clone().unwrap_or_default(),
            text: self.contact_name.iter().cloned().collect(),
            exact,
            owner: Some(self.owner_id.unwrap_or(0)),
        })
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    New,
    Qualified,
    Proposal,
    Negotiation,
    Won,
    Lost,
}

impl Stage {
    pub const ALL: [Stage; 6] = [
        Stage::New,
        Stage::Qualified,
        Stage::Proposal,
        Stage::Negotiation,
        Stage::Won,
        Stage::Lost,
    ];
    pub fn is_open(self) -> bool {
        !matches!(self, Stage::Won | Stage::Lost)
    }
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Opportunity {
    pub customer_id: u64,
    pub title: String,
    pub stage: Stage,
    #[serde(with = "rust_decimal::serde::str_option")]
    pub amount: Option<Decimal>,
    pub currency: String,
    pub expected_close: Option<NaiveDate>,
    pub owner_id: Option<u64>,
    pub lead_id: Option<u64>,
}

impl Entity for Opportunity {
    const KIND: &'static str = "opportunity";
    fn indexes() -> Vec<IndexDef<Self>> {
        vec![
            IndexDef::many("customer", |o: &Opportunity| {
                vec![IndexKey::new().u64(o.customer_id)]
            })
            .keep_deleted(),
            IndexDef::many("owner", |o: &Opportunity| {
                vec![IndexKey::new().u64(o.owner_id.unwrap_or(0))]
            }),
        ]
    }
    fn title(&self) -> String {
        self.title.clone()
    }
    fn owner(&self) -> Option<u64> {
        self.owner_id
    }
}

/// What a task says: typed by a person, or Kontor's words told in the viewer's language.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum TaskTitle {
    /// A person's words (a manual task, an edited title, a follow-up's subject).
    Typed(String),
    /// A cadence rule's task title, about the task's customer: "季度电话回访：ACME".
    Cadence(Text),
    /// "ACME returns to the pool on 2026-05-01".
    PoolWarning,
    /// Collect an instalment of an order: "催收 SO-2026-0012 尾款 USD 7,000.00".
    Collect {
        order: String,
        label_zh: String,
        label_en: String,
        amount: String,
        overdue: bool,
    },
}

impl TaskTitle {
    /// The title as the viewer reads it; `customer`: the task's customer's name now.
    pub fn render(&self, lang: Lang, customer: Option<&str>, due: NaiveDate) -> String {
        match (self, customer) {
            (TaskTitle::Typed(t), _) => t.clone(),
            (TaskTitle::Cadence(t), Some(name)) => match lang {
                Lang::Zh => format!("{}：{name}", t.render(lang)),
                Lang::En => format!("{}: {name}", t.render(lang)),
            },
            (TaskTitle::Cadence(t), None) => t.render(lang),
            (TaskTitle::PoolWarning, Some(name)) => match lang {
                Lang::Zh => format!("{name} 将于 {due} 退回公海"),
                Lang::En => format!("{name} returns to the pool on {due}"),
            },
            (TaskTitle::PoolWarning, None) => Preset::TaskPoolWarning.text(lang).to_string(),
            (
                TaskTitle::Collect {
                    order,
                    label_zh,
                    label_en,
                    amount,
                    overdue,
                },
                _,
            ) => match (lang, overdue) {
                (Lang::Zh, false) => format!("催收 {order} {label_zh} {amount}（{due} 到期）"),
                (Lang::Zh, true) => {
                    format!("催收逾期款 {order} {label_zh} {amount}（{due} 已到期）")
                }
                (Lang::En, false) => format!("Collect {order} {label_en} {amount} (due {due})"),
                (Lang::En, true) => {
                    format!("Overdue: collect {order} {label_en} {amount} (was due {due})")
                }
            },
        }
    }

    /// A title as schema 1 stored it: pool warnings and cadence tasks were written in both
    /// languages with the customer's name ("季度电话回访 / quarterly call：ACME").
    fn legacy(title: String, source: &str) -> TaskTitle {
        match source.split(':').next() {
            Some("pool_warn") => TaskTitle::PoolWarning,
            Some("cadence") => {
                let rule = title.split_once('：').map_or(title.as_str(), |(r, _)| r);
                TaskTitle::Cadence(Text::from_input(rule.to_string(), Preset::TASK_TITLES))
            }
            _ => TaskTitle::Typed(super::demo::legacy_text(&title).unwrap_or(title)),
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Task {
    pub owner_id: Option<u64>,
    pub customer_id: Option<u64>,
    pub lead_id: Option<u64>,
    pub title: TaskTitle,
    pub due_on: NaiveDate,
    pub done_at: Option<DateTime<Utc>>,
    /// What made the task: `follow_up:<activity id>`, `cadence:<rule id>:<period>`, `manual`.
    pub source: String,
}

/// A task as schema 1 stored it (a title of text only).
#[derive(Deserialize)]
struct TaskV1 {
    owner_id: Option<u64>,
    customer_id: Option<u64>,
    lead_id: Option<u64>,
    title: String,
    due_on: NaiveDate,
    done_at: Option<DateTime<Utc>>,
    source: String,
}

impl Entity for Task {
    const KIND: &'static str = "task";
    /// 2: the title is a `TaskTitle` (Kontor's words as keys, not in both languages).
    const SCHEMA_VERSION: u16 = 2;
    fn upgrade(from: u16, payload: &[u8]) -> Result<Self, crate::store::StoreError> {
        let old: TaskV1 = same_layout_since(1, from, payload)?;
        Ok(Task {
            title: TaskTitle::legacy(old.title, &old.source),
            owner_id: old.owner_id,
            customer_id: old.customer_id,
            lead_id: old.lead_id,
            due_on: old.due_on,
            done_at: old.done_at,
            source: old.source,
        })
    }
    fn indexes() -> Vec<IndexDef<Self>> {
        vec![
            IndexDef::many("open_by_owner", |t: &Task| {
                t.done_at
                    .is_none()
                    .then(|| {
                        IndexKey::new().u64(t.owner_id.unwrap_or(0)).i64(
                            t.due_on
                                .and_hms_opt(0, 0, 0)
                                .map(|d| d.and_utc().timestamp())
                                .unwrap_or(0),
                        )
                    })
                    .into_iter()
                    .collect()
            }),
            IndexDef::unique("source", "source", |t: &Task| {
                (t.source != "manual")
                    .then(|| IndexKey::new().str(&t.source))
                    .into_iter()
                    .collect()
            })
            .keep_deleted(),
        ]
    }
    fn title(&self) -> String {
        self.title.render(Lang::Zh, None, self.due_on)
    }
    fn owner(&self) -> Option<u64> {
        self.owner_id
    }
}

/// A public pool (公海) and its rules.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Pool {
    pub name: Text,
    /// Return to the pool after this many days without a follow-up.
    pub return_no_followup_days: Option<u32>,
    /// … after this many days without a deal.
    pub return_no_deal_days: Option<u32>,
    /// … when this many days of protection after claiming end without a deal.
    pub protection_days: Option<u32>,
    /// Warn the owner this many days before a return.
    pub warn_days: u32,
    /// Most customers one rep may hold (customers with a deal not counted).
    pub max_held_per_rep: Option<u32>,
    /// Most claims one rep may make per day.
    pub max_claims_per_day: Option<u32>,
    /// Days before a rep may reclaim a customer they just lost.
    pub cooldown_days: u32,
    /// Teams whose reps see this pool (empty: everyone with CRM access).
    pub team_ids: Vec<u64>,
    pub is_default: bool,
}

/// A pool as schema 1 stored it (its name as text: "公海 / Public pool" for the default one).
#[derive(Deserialize)]
struct PoolV1 {
    name: String,
    return_no_followup_days: Option<u32>,
    return_no_deal_days: Option<u32>,
    protection_days: Option<u32>,
    warn_days: u32,
    max_held_per_rep: Option<u32>,
    max_claims_per_day: Option<u32>,
    cooldown_days: u32,
    team_ids: Vec<u64>,
    is_default: bool,
}

impl Entity for Pool {
    const KIND: &'static str = "pool";
    /// 2: the name is a `Text` (the default pool's a preset told in each viewer's language).
    const SCHEMA_VERSION: u16 = 2;
    fn upgrade(from: u16, payload: &[u8]) -> Result<Self, crate::store::StoreError> {
        let old: PoolV1 = same_layout_since(1, from, payload)?;
        Ok(Pool {
            name: Text::from_input(old.name, Preset::POOL_NAMES),
            return_no_followup_days: old.return_no_followup_days,
            return_no_deal_days: old.return_no_deal_days,
            protection_days: old.protection_days,
            warn_days: old.warn_days,
            max_held_per_rep: old.max_held_per_rep,
            max_claims_per_day: old.max_claims_per_day,
            cooldown_days: old.cooldown_days,
            team_ids: old.team_ids,
            is_default: old.is_default,
        })
    }
    fn title(&self) -> String {
        self.name.render(Lang::Zh)
    }
}

/// Why a customer left its owner.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReturnReason {
    NoFollowup,
    NoDeal,
    ProtectionEnded,
    Released,
    OwnerLeft,
}

impl ReturnReason {
    pub fn label(self, lang: crate::i18n::Lang) -> &'static str {
        match self {
            ReturnReason::NoFollowup => lang.pick("长期未跟进", "no follow-up"),
            ReturnReason::NoDeal => lang.pick("长期未成交", "no deal"),
            ReturnReason::ProtectionEnded => lang.pick("保护期结束", "protection ended"),
            ReturnReason::Released => lang.pick("主动释放", "released"),
            ReturnReason::OwnerLeft => lang.pick("负责人离职", "owner left"),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PoolEventKind {
    Claim,
    Return,
    Transfer,
}

/// A claim, return or transfer, kept for caps and cooldowns.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct PoolEvent {
    pub customer_id: u64,
    pub kind: PoolEventKind,
    /// The claimer, or the owner who lost the customer.
    pub user_id: u64,
    pub at: DateTime<Utc>,
    pub reason: Option<ReturnReason>,
}

impl Entity for PoolEvent {
    const KIND: &'static str = "pool_event";
    fn indexes() -> Vec<IndexDef<Self>> {
        vec![
            IndexDef::many("user_kind", |e: &PoolEvent| {
                vec![
                    IndexKey::new()
                        .u64(e.user_id)
                        .str(e.kind_key())
                        .i64(ts(e.at)),
                ]
            }),
            IndexDef::many("customer", |e: &PoolEvent| {
                vec![IndexKey::new().u64(e.customer_id).i64(ts(e.at))]
            }),
        ]
    }
    fn title(&self) -> String {
        format!("{} #{}", self.kind_key(), self.customer_id)
    }
}

impl PoolEvent {
    pub fn kind_key(&self) -> &'static str {
        match self.kind {
            PoolEventKind::Claim => "claim",
            PoolEventKind::Return => "return",
            PoolEventKind::Transfer => "transfer",
        }
    }
}

/// What starts a follow-up cadence. (Externally tagged: bincode cannot store internally
/// tagged enums.)
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CadenceTrigger {
    /// A customer was created: a task due `days` after.
    NewCustomer,
    /// A timeline entry of this kind was logged (e.g. a sample was sent).
    Activity { kind: ActivityKind },
    /// A deal was won.
    AfterDeal,
    /// Annual purchases at or over `amount` (base currency): a task every `days`.
    AnnualPurchasesOver {
        #[schema(value_type = String)]
        #[serde(with = "rust_decimal::serde::str")]
        amount: Decimal,
    },
    /// No follow-up for `days`: a reactivation task.
    Dormant,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct CadenceRule {
    pub name: Text,
    pub trigger: CadenceTrigger,
    pub days: u32,
    pub task_title: Text,
    pub active: bool,
}

/// A rule as schema 1 stored it (names as text; preset task titles in both languages).
#[derive(Deserialize)]
struct CadenceRuleV1 {
    name: String,
    trigger: CadenceTrigger,
    days: u32,
    task_title: String,
    active: bool,
}

impl Entity for CadenceRule {
    const KIND: &'static str = "cadence_rule";
    /// 2: name and task title are `Text` (presets told in each viewer's language).
    const SCHEMA_VERSION: u16 = 2;
    fn upgrade(from: u16, payload: &[u8]) -> Result<Self, crate::store::StoreError> {
        let old: CadenceRuleV1 = same_layout_since(1, from, payload)?;
        Ok(CadenceRule {
            name: Text::from_input(old.name, Preset::RULE_NAMES),
            trigger: old.trigger,
            days: old.days,
            task_title: Text::from_input(old.task_title, Preset::TASK_TITLES),
            active: old.active,
        })
    }
    fn title(&self) -> String {
        self.name.render(Lang::Zh)
    }
}

/// One record moved by a handover, for undo.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
pub struct Moved {
    pub kind: String,
    pub id: u64,
    pub from: Option<u64>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Handover {
    pub from_user: u64,
    pub to_user: u64,
    pub moved: Vec<Moved>,
    pub undone_at: Option<DateTime<Utc>>,
}

impl Entity for Handover {
    const KIND: &'static str = "handover";
    fn title(&self) -> String {
        format!("{} → {}", self.from_user, self.to_user)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The layout of schema 1 activities, as old data directories hold them.
    #[derive(Serialize)]
    struct OldActivity<'a> {
        customer_id: Option<u64>,
        contact_id: Option<u64>,
        lead_id: Option<u64>,
        kind: ActivityKind,
        occurred_at: DateTime<Utc>,
        author_id: Option<u64>,
        subject: &'a str,
        body: Option<String>,
        follow_up_on: Option<NaiveDate>,
        owner_id: Option<u64>,
    }

    fn old(kind: ActivityKind, subject: &str) -> Vec<u8> {
        crate::store::encode(&OldActivity {
            customer_id: Some(1),
            contact_id: None,
            lead_id: None,
            kind,
            occurred_at: Utc::now(),
            author_id: Some(2),
            subject,
            body: None,
            follow_up_on: None,
            owner_id: Some(2),
        })
        .unwrap()
    }

    #[test]
    fn old_system_entries_are_told_in_the_viewers_language() {
        use crate::i18n::Lang;
        let a = Activity::upgrade(
            1,
            &old(
                ActivityKind::System,
                "李娜 从公海领取 / claimed from the pool",
            ),
        )
        .unwrap();
        let e = a.event.clone().unwrap();
        assert_eq!(e.text(Lang::Zh), "李娜 从公海领取");
        assert_eq!(e.text(Lang::En), "李娜 claimed it from the pool");
        let a = Activity::upgrade(
            1,
            &old(
                ActivityKind::System,
                "退回公海 / returned to the pool (no_followup): 客户不回复",
            ),
        )
        .unwrap();
        assert_eq!(
            a.event,
            Some(SystemEvent::ReturnedToPool {
                reason: ReturnReason::NoFollowup,
                note: Some("客户不回复".into())
            })
        );
        assert_eq!(
            a.event.unwrap().text(Lang::En),
            "Returned to the pool (no follow-up): 客户不回复"
        );
        // Anything else keeps its subject as it was written.
        let a = Activity::upgrade(
            1,
            &old(
                ActivityKind::Call,
                "退回公海 / returned to the pool (released)",
            ),
        )
        .unwrap();
        assert_eq!(
            (a.event, a.subject.as_str()),
            (None, "退回公海 / returned to the pool (released)")
        );
        let a = Activity::upgrade(1, &old(ActivityKind::System, "handed over")).unwrap();
        assert_eq!(a.event, None);
    }

    #[test]
    fn old_bilingual_texts_become_keys_told_in_the_viewers_language() {
        use crate::i18n::Lang;
        // Pools of schema 1: the default one was "公海 / Public pool".
        #[derive(Serialize)]
        struct OldPool<'a> {
            name: &'a str,
            return_no_followup_days: Option<u32>,
            return_no_deal_days: Option<u32>,
            protection_days: Option<u32>,
            warn_days: u32,
            max_held_per_rep: Option<u32>,
            max_claims_per_day: Option<u32>,
            cooldown_days: u32,
            team_ids: Vec<u64>,
            is_default: bool,
        }
        let pool = |name| {
            let bytes = crate::store::encode(&OldPool {
                name,
                return_no_followup_days: Some(30),
                return_no_deal_days: None,
                protection_days: None,
                warn_days: 3,
                max_held_per_rep: None,
                max_claims_per_day: Some(5),
                cooldown_days: 7,
                team_ids: vec![],
                is_default: true,
            })
            .unwrap();
            Pool::upgrade(1, &bytes).unwrap()
        };
        let p = pool("公海 / Public pool");
        assert_eq!(p.name, Text::Preset(Preset::PublicPool));
        assert_eq!(p.name.render(Lang::En), "Public pool");
        assert_eq!((p.max_claims_per_day, p.cooldown_days), (Some(5), 7));
        assert_eq!(pool("华南公海").name, Text::Typed("华南公海".into()));

        // Cadence rules of schema 1: Chinese names, bilingual task titles.
        #[derive(Serialize)]
        struct OldRule<'a> {
            name: &'a str,
            trigger: CadenceTrigger,
            days: u32,
            task_title: &'a str,
            active: bool,
        }
        let bytes = crate::store::encode(&OldRule {
            name: "年采购额超 100 万：每季度电话回访",
            trigger: CadenceTrigger::Dormant,
            days: 91,
            task_title: "季度电话回访 / quarterly call",
            active: true,
        })
        .unwrap();
        let r = CadenceRule::upgrade(1, &bytes).unwrap();
        assert_eq!(r.name, Text::Preset(Preset::RuleQuarterlyCall));
        assert_eq!(r.task_title.render(Lang::En), "Quarterly call");
        let bytes = crate::store::encode(&OldRule {
            name: "每月问候",
            trigger: CadenceTrigger::AfterDeal,
            days: 30,
            task_title: "发节日问候",
            active: false,
        })
        .unwrap();
        let r = CadenceRule::upgrade(1, &bytes).unwrap();
        assert_eq!(
            (r.name, r.task_title),
            (
                Text::Typed("每月问候".into()),
                Text::Typed("发节日问候".into())
            )
        );

        // Tasks of schema 1.
        #[derive(Serialize)]
        struct OldTask<'a> {
            owner_id: Option<u64>,
            customer_id: Option<u64>,
            lead_id: Option<u64>,
            title: &'a str,
            due_on: NaiveDate,
            done_at: Option<DateTime<Utc>>,
            source: &'a str,
        }
        let due = NaiveDate::from_ymd_opt(2026, 5, 1).unwrap();
        let task = |title, source| {
            let bytes = crate::store::encode(&OldTask {
                owner_id: Some(2),
                customer_id: Some(9),
                lead_id: None,
                title,
                due_on: due,
                done_at: None,
                source,
            })
            .unwrap();
            Task::upgrade(1, &bytes).unwrap()
        };
        let t = task(
            "季度电话回访 / quarterly call：ACME GmbH",
            "cadence:4:9:p222",
        );
        assert_eq!(
            t.title,
            TaskTitle::Cadence(Text::Preset(Preset::TaskQuarterlyCall))
        );
        assert_eq!(
            t.title.render(Lang::En, Some("ACME GmbH"), due),
            "Quarterly call: ACME GmbH"
        );
        assert_eq!(
            t.title.render(Lang::Zh, Some("ACME GmbH"), due),
            "季度电话回访：ACME GmbH"
        );
        let t = task(
            "ACME 将于 2026-05-01 退回公海 / returns to the pool on 2026-05-01",
            "pool_warn:9:2026-05-01",
        );
        assert_eq!(
            t.title.render(Lang::En, Some("ACME"), due),
            "ACME returns to the pool on 2026-05-01"
        );
        let t = task("给样品拍照", "manual");
        assert_eq!(t.title, TaskTitle::Typed("给样品拍照".into()));
        let t = task(
            "跟进 宁波海纳 的报价反馈 / follow up on the quotation",
            "follow_up:demo3",
        );
        assert_eq!(t.title, TaskTitle::Typed("跟进 宁波海纳 的报价反馈".into()));
    }

    #[test]
    fn activities_of_schema_2_lose_their_bilingual_subjects() {
        let a = Activity {
            customer_id: Some(1),
            contact_id: None,
            lead_id: None,
            kind: ActivityKind::System,
            occurred_at: Utc::now(),
            author_id: Some(2),
            subject: "李娜 从公海领取 / 李娜 claimed it from the pool".into(),
            body: None,
            follow_up_on: None,
            owner_id: Some(2),
            event: Some(SystemEvent::ClaimedFromPool {
                by: "李娜".into()
            }),
        };
        let up = Activity::upgrade(2, &crate::store::encode(&a).unwrap()).unwrap();
        assert_eq!((up.subject.as_str(), up.event), ("", a.event.clone()));
        let demo = Activity {
            kind: ActivityKind::Email,
            subject: "发送报价单及产品目录 / sent quotation and catalogue".into(),
            event: None,
            ..a.clone()
        };
        let up = Activity::upgrade(2, &crate::store::encode(&demo).unwrap()).unwrap();
        assert_eq!(up.subject, "发送报价单及产品目录");
        // What people typed stays as typed, slashes and all.
        let typed = Activity {
            kind: ActivityKind::Note,
            subject: "报价 / quotation v2".into(),
            event: None,
            ..a
        };
        let up = Activity::upgrade(2, &crate::store::encode(&typed).unwrap()).unwrap();
        assert_eq!(up.subject, "报价 / quotation v2");
    }

    #[test]
    fn old_contacts_read_without_a_region() {
        #[derive(Serialize)]
        struct OldContact {
            customer_id: u64,
            name: String,
            role: Option<String>,
            title: Option<String>,
            phones: Vec<String>,
            emails: Vec<String>,
            whatsapp: Option<String>,
            wechat: Option<String>,
            skype: Option<String>,
            birthday: Option<NaiveDate>,
            notes: Option<String>,
            primary: bool,
            owner_id: Option<u64>,
        }
        let bytes = crate::store::encode(&OldContact {
            customer_id: 3,
            name: "Klaus".into(),
            role: None,
            title: None,
            phones: vec!["030 1234567".into()],
            emails: vec![],
            whatsapp: None,
            wechat: None,
            skype: None,
            birthday: None,
            notes: None,
            primary: true,
            owner_id: Some(2),
        })
        .unwrap();
        let c = Contact::upgrade(2, &bytes).unwrap();
        assert_eq!((c.name.as_str(), c.region), ("Klaus", None));
    }
}
