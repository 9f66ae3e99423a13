//! The duplicate check (查重, CRM-7) on create, edit and import: candidates among customers
//! (with their contacts), leads, the public pool and the recycle bin, each judged by the
//! evidence of all its fields ([`super::evidence`]) and told with its reasons for and against.
//! Exact keys live in redb indexes written in the same transaction as the record, so a record
//! created a moment ago already counts; near-spellings are found through the distinctive words
//! of the name, and how many records carry a word weighs its agreement.
//!
//! Only the verdict "the same firm" may refuse a save: under a rule that says block, or when
//! another rep owns it or it sits in the pool. A possible duplicate is a warning, never a
//! refusal.

use std::collections::{BTreeSet, HashMap, HashSet};

use serde::{Deserialize, Serialize};

use super::evidence::{About, Evidence, Frequencies, Judgement, Level, Profile, judge};
use super::keys::{UNKNOWN_REGION, key};
use super::{
    Field, MATCH_THRESHOLD, NameForm, email_address, email_company_domain, name_form, phone_e164,
    website_key,
};
use crate::auth::{Action, Module, Principal, Scope};
use crate::domain::Kontor;
use crate::domain::accounts::Named;
use crate::domain::crm::model::{Contact, Customer, Lead};
use crate::domain::kit::guard;
use crate::domain::kit::names;
use crate::error::{AppError, AppResult, ErrorCode, Msg};
use crate::i18n::Lang;
use crate::store::{IndexKey, Tx};

/// The values a duplicate is looked for by.
#[derive(Clone, Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct Probe {
    pub name: Option<String>,
    /// The name in the second language.
    pub name_alt: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub website: Option<String>,
    /// ISO country of the record: for phone numbers written without a country code, and as
    /// evidence (firms of different countries are different firms).
    pub country: Option<String>,
    /// The record being edited, which is not its own duplicate.
    pub exclude_customer: Option<u64>,
    /// Who the record would belong to (default: the caller): another rep's customer refuses
    /// the save only when it is not this owner's.
    pub owner_id: Option<u64>,
}

/// What to do when a field matches, per the admin's rules.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RuleAction {
    Block,
    Warn,
    Ignore,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Rules {
    pub name: RuleAction,
    pub email: RuleAction,
    pub phone: RuleAction,
    pub website: RuleAction,
}

impl Default for Rules {
    fn default() -> Self {
        Rules {
            name: RuleAction::Block,
            email: RuleAction::Warn,
            phone: RuleAction::Warn,
            website: RuleAction::Warn,
        }
    }
}

impl Rules {
    pub fn action(&self, field: Field) -> RuleAction {
        match field {
            Field::Name => self.name,
            Field::Email => self.email,
            Field::Phone => self.phone,
            Field::Website => self.website,
        }
    }
}

/// How sure the check is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MatchLevel {
    /// The same firm: may refuse the save.
    Same,
    /// Worth a look; never refuses.
    Possible,
}

impl From<Level> for MatchLevel {
    fn from(l: Level) -> MatchLevel {
        if l == Level::Same {
            MatchLevel::Same
        } else {
            MatchLevel::Possible
        }
    }
}

/// What the user can do about a duplicate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum NextStep {
    /// Open the record (the caller may).
    Open,
    /// Claim it from the public pool.
    Claim,
    /// Ask its owner (or a manager) to transfer it.
    RequestTransfer,
}

/// One likely duplicate.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Candidate {
    /// `customer` or `lead`.
    pub kind: String,
    /// Only for a record the caller may open.
    pub id: Option<u64>,
    /// For a customer the caller may not open: the reference a transfer request names it by
    /// (opaque, `"<id>.<mac>"`, good for the caller only).
    pub transfer_ref: Option<String>,
    /// Whether the caller may open it; if not, only that it exists, who owns it and which
    /// fields match is told (no id, no name, no matched values).
    pub visible: bool,
    pub title: Option<String>,
    pub owner: Option<Named>,
    pub in_pool: bool,
    pub in_recycle_bin: bool,
    /// 0 … 1; from 0.85 the same firm, from 0.6 a possible duplicate.
    pub score: f32,
    pub level: MatchLevel,
    /// Why, strongest first, then what speaks against, in the caller's language (for a record
    /// the caller may not open, only the fields that match).
    pub reasons: Vec<String>,
    /// The field whose rule decides `action`: of the fields that agree, the strongest one with
    /// the strictest rule.
    pub field: Field,
    /// What the admin's rules say: the strictest rule of the fields that agree, at most `warn`
    /// for a possible duplicate, a lead or a record in the recycle bin.
    pub action: RuleAction,
    /// What to do next.
    pub next: Option<NextStep>,
    /// The evidence with its weight in bits, to be told in either language.
    #[serde(skip)]
    pub why: Vec<(f32, Evidence)>,
}

impl Candidate {
    /// The reasons in `lang`, as far as the caller may see them: a record the caller may not
    /// open is told by the fields that match, never by its values (its name, e-mail, phone).
    pub fn reasons_in(&self, lang: Lang) -> Vec<String> {
        if self.visible {
            return self
                .why
                .iter()
                .map(|(_, e)| evidence_text(e, lang))
                .collect();
        }
        let mut fields: Vec<Field> = Vec::new();
        for (w, e) in &self.why {
            if let Some(f) = field_of(e.about())
                && *w >= 2.0
                && !fields.contains(&f)
            {
                fields.push(f);
            }
        }
        fields.into_iter().map(|f| hidden_reason(f, lang)).collect()
    }

    /// The two strongest reasons in `lang`, for a message (see [`Candidate::reasons_in`]).
    pub fn reason_in(&self, lang: Lang) -> String {
        let reasons = self.reasons_in(lang);
        let top: Vec<&str> = reasons.iter().take(2).map(String::as_str).collect();
        top.join(lang.pick("；", "; "))
    }
}

/// What may be said of a match in a record the caller may not open: the field, not the value.
fn hidden_reason(field: Field, lang: Lang) -> String {
    match field {
        Field::Name => lang.pick("名称相似", "similar name"),
        Field::Email => lang.pick("邮箱或邮箱域名相同", "same e-mail or e-mail domain"),
        Field::Phone => lang.pick("电话相同", "same phone"),
        Field::Website => lang.pick("网址相同", "same website"),
    }
    .to_string()
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct CheckResult {
    pub candidates: Vec<Candidate>,
    /// `block` exactly when saving would be refused, `warn` if the user should look first,
    /// else `ignore`.
    pub verdict: RuleAction,
    /// Why saving would be refused, in the caller's language.
    pub refusal: Option<String>,
    /// Who the record would belong to.
    #[serde(skip)]
    pub owner: u64,
}

const RULES_KEY: &[u8] = b"dedup_rules";
/// Records sharing one key beyond which the key is too common to look at.
const MAX_PER_KEY: usize = 200;

pub fn rules(tx: &Tx) -> AppResult<Rules> {
    Ok(match tx.kv_get("settings", RULES_KEY)? {
        Some(bytes) => serde_json::from_slice(&bytes).unwrap_or_default(),
        None => Rules::default(),
    })
}

pub fn save_rules(k: &Kontor, p: &Principal, rules: Rules) -> AppResult<Rules> {
    p.require_all(Module::Settings, Action::Update)?;
    let actor = p.actor();
    k.store.write(move |tx| {
        let before = self::rules(tx)?;
        let json = serde_json::to_vec(&rules).map_err(AppError::internal)?;
        tx.kv_put("settings", RULES_KEY, &json)?;
        tx.audit_event(
            &actor,
            crate::store::AuditEvent {
                action: "update".into(),
                kind: "dedup_rules".into(),
                title: String::new(),
                changes: vec![crate::store::Change {
                    field: "rules".into(),
                    old: serde_json::to_string(&before).ok(),
                    new: String::from_utf8(json).ok(),
                }],
                ..Default::default()
            },
        )?;
        Ok(rules)
    })
}

/// A piece of evidence said in the reader's language.
pub fn evidence_text(e: &Evidence, lang: Lang) -> String {
    let en = lang == Lang::En;
    let country = |c: &str| -> String {
        crate::domain::countries::find(c)
            .map(|x| x.name(lang).to_string())
            .unwrap_or_else(|| c.to_string())
    };
    match e {
        Evidence::SameEmail(v) if en => format!("same e-mail {v}"),
        Evidence::SameEmail(v) => format!("邮箱相同：{v}"),
        Evidence::SameEmailDomain(v) if en => format!("same e-mail domain {v}"),
        Evidence::SameEmailDomain(v) => format!("邮箱域名相同：{v}"),
        Evidence::OtherEmailDomain(a, b) if en => format!("different e-mail domains: {a} ≠ {b}"),
        Evidence::OtherEmailDomain(a, b) => format!("邮箱域名不同：{a} ≠ {b}"),
        Evidence::SamePhone(v) if en => format!("same phone {v}"),
        Evidence::SamePhone(v) => format!("电话相同：{v}"),
        Evidence::OtherPhone => lang.pick("电话不同", "different phones").into(),
        Evidence::SameWebsite(v) if en => format!("same website {v}"),
        Evidence::SameWebsite(v) => format!("网址相同：{v}"),
        Evidence::OtherWebsite(a, b) if en => format!("different websites: {a} ≠ {b}"),
        Evidence::OtherWebsite(a, b) => format!("网址不同：{a} ≠ {b}"),
        Evidence::SameCountry(c) if en => format!("same country ({})", country(c)),
        Evidence::SameCountry(c) => format!("同一国家（{}）", country(c)),
        Evidence::OtherCountry(a, b) if en => {
            format!("different countries: {} ≠ {}", country(a), country(b))
        }
        Evidence::OtherCountry(a, b) => format!("国家不同：{} ≠ {}", country(a), country(b)),
        Evidence::OtherLegalForm(a, b) if en => format!(
            "different legal forms: {} ≠ {}",
            a.to_uppercase(),
            b.to_uppercase()
        ),
        Evidence::OtherLegalForm(a, b) => {
            format!("公司类型不同：{} ≠ {}", a.to_uppercase(), b.to_uppercase())
        }
        Evidence::Name(sim, df) => {
            let mut text = sim.reason_in(lang);
            match df {
                Some(1) if sim.score >= MATCH_THRESHOLD => {
                    text.push_str(lang.pick("；名称罕见", "; a rare name"))
                }
                Some(n) if *n > 1 && sim.score >= MATCH_THRESHOLD => text.push_str(&if en {
                    format!("; {n} records carry this name or word")
                } else {
                    format!("；客户库中有 {n} 条记录带有此名称或词")
                }),
                _ => {}
            }
            text
        }
    }
}

/// The field whose rule applies to a piece of evidence (`None`: the country, which no rule
/// governs).
fn field_of(about: About) -> Option<Field> {
    match about {
        About::Name => Some(Field::Name),
        About::Email => Some(Field::Email),
        About::Phone => Some(Field::Phone),
        About::Website => Some(Field::Website),
        About::Country => None,
    }
}

/// A probe's keys, normalised once (an import reads each row's keys once, for this check and
/// for its duplicates within the file).
#[derive(Clone, Debug, Default)]
pub struct ProbeKeys {
    pub name: Option<NameForm>,
    pub name_alt: Option<NameForm>,
    /// The address ([`email_address`]).
    pub email: Option<String>,
    /// The company's domain of the address (none for free mail).
    pub email_domain: Option<String>,
    /// The phone in E.164.
    pub phones: Vec<String>,
    pub website: Option<String>,
    /// ISO country, upper case.
    pub country: Option<String>,
    pub exclude_customer: Option<u64>,
    /// Who the record would belong to (`None`: the caller).
    pub owner: Option<u64>,
}

impl ProbeKeys {
    /// `default_region` reads a phone without a country code when the probe names no country
    /// (the company's country, [`crate::domain::company::default_country`]).
    pub fn new(probe: &Probe, default_region: &str) -> ProbeKeys {
        fn filled(v: &Option<String>) -> Option<&str> {
            v.as_deref().filter(|v| !v.trim().is_empty())
        }
        let country = filled(&probe.country).map(|c| c.trim().to_ascii_uppercase());
        let mut phones = Vec::new();
        if let Some(raw) = filled(&probe.phone) {
            let region = country.as_deref().unwrap_or(default_region);
            phones.extend(phone_e164(raw, region));
            // Customers and leads without a country are indexed with the number read as
            // Chinese (their index cannot read the company's country): look that up too.
            if country.is_none()
                && let Some(legacy) = phone_e164(raw, UNKNOWN_REGION)
                && !phones.contains(&legacy)
            {
                phones.push(legacy);
            }
        }
        let email = filled(&probe.email);
        // A name is at most 200 characters when saved: a longer probe is read as far as that
        // (comparing names costs the square of their words).
        let name = |v: &Option<String>| {
            filled(v).map(|n| name_form(&n.chars().take(200).collect::<String>()))
        };
        ProbeKeys {
            name: name(&probe.name),
            name_alt: name(&probe.name_alt),
            email: email.and_then(email_address),
            email_domain: email.and_then(email_company_domain),
            phones,
            website: filled(&probe.website).and_then(website_key),
            country,
            exclude_customer: probe.exclude_customer,
            owner: probe.owner_id,
        }
    }

    /// The exact name key ([`NameForm::key`]).
    pub fn name_key(&self) -> Option<String> {
        self.name.as_ref().and_then(NameForm::key)
    }

    /// What the evidence compares.
    pub fn profile(&self) -> Profile {
        Profile {
            names: self
                .name
                .iter()
                .chain(self.name_alt.iter())
                .cloned()
                .collect(),
            country: self.country.clone(),
            emails: self.email.iter().cloned().collect(),
            email_domains: self.email_domain.iter().cloned().collect(),
            phones: self.phones.clone(),
            website: self.website.clone(),
        }
    }

    /// The name keys and distinctive words, tagged as the duplicate index keeps them (`n`, `t`).
    pub fn name_terms(&self) -> Vec<(&'static str, String)> {
        let mut out: Vec<(&'static str, String)> = Vec::new();
        for form in self.name.iter().chain(self.name_alt.iter()) {
            if let Some(k) = form.key() {
                out.push(("n", k));
            }
            out.extend(form.distinctive_terms().into_iter().map(|t| ("t", t)));
        }
        out.sort();
        out.dedup();
        out
    }
}

/// The profile of a customer, as the evidence compares it.
pub fn customer_profile(c: &Customer) -> Profile {
    let region = c.country.as_deref().unwrap_or(UNKNOWN_REGION);
    Profile {
        names: std::iter::once(&c.name)
            .chain(c.name_alt.iter())
            .filter(|n| !n.trim().is_empty())
            .map(|n| name_form(n))
            .collect(),
        country: c.country.as_ref().map(|x| x.to_ascii_uppercase()),
        emails: c
            .email
            .as_deref()
            .and_then(email_address)
            .into_iter()
            .collect(),
        email_domains: c
            .email
            .as_deref()
            .and_then(email_company_domain)
            .into_iter()
            .collect(),
        phones: c
            .phone
            .as_deref()
            .and_then(|p| phone_e164(p, region))
            .into_iter()
            .collect(),
        website: c.website.as_deref().and_then(website_key),
    }
}

fn lead_profile(l: &Lead) -> Profile {
    let region = l.country.as_deref().unwrap_or(UNKNOWN_REGION);
    Profile {
        names: vec![name_form(&l.company)],
        country: l.country.as_ref().map(|x| x.to_ascii_uppercase()),
        emails: l
            .email
            .as_deref()
            .and_then(email_address)
            .into_iter()
            .collect(),
        email_domains: l
            .email
            .as_deref()
            .and_then(email_company_domain)
            .into_iter()
            .collect(),
        phones: l
            .phone
            .as_deref()
            .and_then(|p| phone_e164(p, region))
            .into_iter()
            .collect(),
        website: l.website.as_deref().and_then(website_key),
    }
}

/// Live customers whose own `field` has the probe's exact key (e-mail address, E.164 phone,
/// website, name key): how an import finds the record a row updates.
pub fn customers_by_key(tx: &Tx, field: Field, keys: &ProbeKeys) -> AppResult<Vec<u64>> {
    let wanted: Vec<IndexKey> = match field {
        Field::Name => keys.name_key().map(|k| key("n", &k)).into_iter().collect(),
        Field::Email => keys.email.iter().map(|e| key("e", e)).collect(),
        Field::Phone => keys.phones.iter().take(1).map(|p| key("p", p)).collect(),
        Field::Website => keys.website.iter().map(|w| key("w", w)).collect(),
    };
    let mut out = Vec::new();
    for k in &wanted {
        for id in tx.ids_by_index::<Customer>("dedup", k, false)? {
            if !out.contains(&id) && tx.get_live::<Customer>(id).is_ok() {
                out.push(id);
            }
        }
    }
    Ok(out)
}

/// Likely duplicates of `probe`, strongest first, as the caller may see them.
pub fn candidates(tx: &Tx, p: &Principal, probe: &Probe) -> AppResult<CheckResult> {
    let region = crate::domain::company::default_country(tx)?;
    let keys = ProbeKeys::new(probe, &region);
    candidates_for(tx, p, &keys, &rules(tx)?, &mut CheckMemo::default())
}

/// What many checks in a row share (an import checks every row of a file).
#[derive(Default)]
pub struct CheckMemo {
    /// Keys found on more than [`MAX_PER_KEY`] records: they stay that common, so they are not
    /// read again (a common word would cost every row a long index read).
    common: HashSet<Vec<u8>>,
    /// Whether there are leads at all (forgotten at [`CheckMemo::new_transaction`]).
    leads: Option<bool>,
    /// Customers (not the import's own) and leads, for the weight of a name (forgotten
    /// likewise, unless [`CheckMemo::for_import`]).
    total: Option<u64>,
    total_fixed: bool,
    /// Customers written by the import that checks (its earlier rows): the import compares a
    /// row with its earlier rows itself, the same way in its dry run and its commit, so they
    /// are left out here.
    pub own: HashSet<u64>,
}

impl CheckMemo {
    /// Forgets what another transaction may have changed.
    pub fn new_transaction(&mut self) {
        self.leads = None;
        if !self.total_fixed {
            self.total = None;
        }
    }

    /// For an import: the size of the book is read once, when its first row is checked, so
    /// that its rows are weighed the same in its dry run and its commit.
    pub fn for_import() -> CheckMemo {
        CheckMemo {
            total_fixed: true,
            ..Default::default()
        }
    }
}

/// Records carrying each name key and distinctive word of a probe, in the duplicate index
/// (customers and leads), plus those of earlier rows of an import file.
#[derive(Clone, Debug, Default)]
pub struct Counts {
    /// In the database (`None`: more than could be counted).
    db: HashMap<(&'static str, String), Option<u64>>,
    /// Earlier rows of an import file (see [`CheckMemo::own`]).
    pub file: HashMap<(&'static str, String), u64>,
    /// Earlier rows of an import file.
    pub file_rows: u64,
    total: u64,
}

impl Counts {
    /// Counts with only those of an import file's earlier rows, before the database's are read.
    pub fn of_file(file: HashMap<(&'static str, String), u64>, file_rows: u64) -> Counts {
        Counts {
            file,
            file_rows,
            ..Default::default()
        }
    }
}

impl Frequencies for Counts {
    fn df(&self, tag: &str, value: &str) -> Option<u64> {
        let key = |t: &'static str| (t, value.to_string());
        let tag: &'static str = if tag == "n" { "n" } else { "t" };
        let file = self.file.get(&key(tag)).copied().unwrap_or(0);
        match self.db.get(&key(tag)) {
            Some(None) => None,
            Some(Some(n)) => Some(n + file),
            None => Some(file),
        }
    }
    fn total(&self) -> u64 {
        self.total + self.file_rows
    }
}

/// Distinctive words carried by more records than this find no candidates (they still count
/// in the weight of a name found otherwise): a common surname would make every check compare
/// with hundreds of firms that merely share it.
const FUZZY_MAX: u64 = 40;

/// [`candidates`] for keys read already, under the given rules.
pub fn candidates_for(
    tx: &Tx,
    p: &Principal,
    keys: &ProbeKeys,
    rules: &Rules,
    memo: &mut CheckMemo,
) -> AppResult<CheckResult> {
    Ok(candidates_counted(tx, p, keys, rules, memo, Counts::default())?.0)
}

/// [`candidates_for`], with the counts of an import's earlier rows in `counts.file`; also gives
/// back the counts it used (an import weighs its rows against each other with them).
pub fn candidates_counted(
    tx: &Tx,
    p: &Principal,
    keys: &ProbeKeys,
    rules: &Rules,
    memo: &mut CheckMemo,
    mut counts: Counts,
) -> AppResult<(CheckResult, Counts)> {
    // The records found, by kind and id.
    let mut found: BTreeSet<(&'static str, u64)> = BTreeSet::new();
    // Keys a customer was found by through one of its contacts: (customer, tag, value).
    let mut through_contacts: Vec<(u64, &'static str, String)> = Vec::new();
    // Each lookup costs a range read per kind, and an import makes one check per row: kinds
    // that cannot hold a key are not asked (contacts have only e-mails and phones; a company
    // without leads has none to ask).
    let any_leads = match memo.leads {
        Some(l) => l,
        None => *memo.leads.insert(tx.count_all::<Lead>()? > 0),
    };
    counts.total = match memo.total {
        Some(n) => n,
        None => {
            let leads = if any_leads {
                tx.count_all::<Lead>()?
            } else {
                0
            };
            // Without the import's own rows: its earlier rows count as rows of the file.
            let customers = tx
                .count_all::<Customer>()?
                .saturating_sub(memo.own.len() as u64);
            *memo.total.insert(customers + leads)
        }
    };
    let CheckMemo { common, own, .. } = memo;
    // The records holding a key (`None`: too many to tell anything). The import's own rows
    // are left out, and read past so that a key has the same count in a dry run and a commit.
    let mut lookup = |k: &IndexKey,
                      contacts: bool,
                      own_extra: u64,
                      via: &mut Vec<u64>|
     -> AppResult<Option<Vec<(&'static str, u64)>>> {
        if common.contains(k.as_bytes()) {
            return Ok(None);
        }
        let cap = MAX_PER_KEY
            + if own.is_empty() {
                0
            } else {
                own_extra as usize
            };
        let mut out = Vec::new();
        let mut too_common = false;
        match tx.ids_by_index_at_most::<Customer>("dedup", k, cap)? {
            Some(ids) => out.extend(
                ids.into_iter()
                    .filter(|id| !own.contains(id) && keys.exclude_customer != Some(*id))
                    .map(|id| ("customer", id)),
            ),
            None => too_common = true,
        }
        if contacts && !too_common {
            match tx.ids_by_index_at_most::<Contact>("dedup", k, cap)? {
                Some(ids) => {
                    for cid in ids {
                        if let Some(c) = tx.get::<Contact>(cid)?
                            && !own.contains(&c.data.customer_id)
                        {
                            out.push(("customer", c.data.customer_id));
                            via.push(c.data.customer_id);
                        }
                    }
                }
                None => too_common = true,
            }
        }
        if any_leads && !too_common {
            match tx.ids_by_index_at_most::<Lead>("dedup", k, cap)? {
                Some(ids) => out.extend(ids.into_iter().map(|id| ("lead", id))),
                None => too_common = true,
            }
        }
        if too_common || out.len() > MAX_PER_KEY {
            common.insert(k.as_bytes().to_vec());
            return Ok(None);
        }
        out.sort();
        out.dedup();
        Ok(Some(out))
    };
    // Keys: every record holding one is a candidate. Every record with the same address has
    // its domain too: when nobody has the domain, the address need not be looked up (the
    // common case of a new firm).
    let mut via = Vec::new();
    let domain_found = match &keys.email_domain {
        Some(d) => match lookup(&key("d", d), true, 0, &mut via)? {
            Some(ids) => {
                let any = !ids.is_empty();
                found.extend(ids);
                through_contacts.extend(via.drain(..).map(|c| (c, "d", d.clone())));
                any
            }
            None => true,
        },
        None => true,
    };
    let mut exact: Vec<(&'static str, &String)> = Vec::new();
    if let Some(e) = &keys.email
        && domain_found
    {
        exact.push(("e", e));
    }
    exact.extend(keys.phones.iter().map(|ph| ("p", ph)));
    for (tag, value) in exact {
        via.clear();
        if let Some(ids) = lookup(&key(tag, value), true, 0, &mut via)? {
            found.extend(ids);
            through_contacts.extend(via.drain(..).map(|c| (c, tag, value.clone())));
        }
    }
    if let Some(w) = &keys.website
        && let Some(ids) = lookup(&key("w", w), false, 0, &mut via)?
    {
        found.extend(ids);
    }
    // Names: the whole key, and distinctive words rare enough to say something.
    for (tag, term) in keys.name_terms() {
        let own_extra = counts.file.get(&(tag, term.clone())).copied().unwrap_or(0);
        if own_extra >= MAX_PER_KEY as u64 {
            // So common in the file alone that it says nothing: not read (an import's commit
            // would read its own rows with it, again for every row).
            counts.db.insert((tag, term), None);
            continue;
        }
        let ids = lookup(&key(tag, &term), false, own_extra, &mut via)?;
        let n = ids.as_ref().map(|v| v.len() as u64);
        counts.db.insert((tag, term), n);
        if let Some(ids) = ids
            && (tag == "n" || n.unwrap_or(u64::MAX) <= FUZZY_MAX)
        {
            found.extend(ids);
        }
    }
    let probe = keys.profile();
    let owner_for = keys.owner.unwrap_or(p.user_id);
    let counted =
        |about: About| field_of(about).is_none_or(|f| rules.action(f) != RuleAction::Ignore);
    let mut out = Vec::new();
    for (kind, id) in found {
        if kind == "customer" && keys.exclude_customer == Some(id) {
            continue;
        }
        let (profile, title, owner, deleted, visible, in_pool) = match kind {
            "customer" => {
                let Some(c) = tx.get::<Customer>(id)? else {
                    continue;
                };
                let visible =
                    !c.meta.is_deleted() && guard::may::<Customer>(tx, p, &c.data, Action::Read)?;
                let mut profile = customer_profile(&c.data);
                // Its contacts' keys that found it count as its own.
                for (_, tag, value) in through_contacts.iter().filter(|x| x.0 == id) {
                    match *tag {
                        "p" => profile.phones.push(value.clone()),
                        "e" => profile.emails.push(value.clone()),
                        _ => profile.email_domains.push(value.clone()),
                    }
                }
                (
                    profile,
                    c.data.name,
                    c.data.owner_id,
                    c.meta.is_deleted(),
                    visible,
                    c.data.owner_id.is_none(),
                )
            }
            _ => {
                let Some(l) = tx.get::<Lead>(id)? else {
                    continue;
                };
                let scope = p.scope(Module::Crm, Action::Read);
                let visible = !l.meta.is_deleted()
                    && scope != Scope::None
                    && (l.data.owner_id.is_none() || p.reaches(scope, l.data.owner_id));
                (
                    lead_profile(&l.data),
                    l.data.company,
                    l.data.owner_id,
                    l.meta.is_deleted(),
                    visible,
                    l.data.owner_id.is_none(),
                )
            }
        };
        let mut j = judge(&probe, &profile, &counts, &counted);
        // A near spelling (a typo) is weighed by how many records carry the name it is near
        // to: read that count when the candidate was found by a word, and weigh again.
        if j.evidence.iter().any(|(_, e)| {
            matches!(e, Evidence::Name(sim, _) if (MATCH_THRESHOLD..0.99).contains(&sim.score))
        }) && let Some(k) = profile.names.iter().find_map(|n| n.key())
            && !counts.db.contains_key(&("n", k.clone()))
        {
            let own_extra = counts.file.get(&("n", k.clone())).copied().unwrap_or(0);
            let n = lookup(&key("n", &k), false, own_extra, &mut via)?.map(|v| v.len() as u64);
            counts.db.insert(("n", k), n);
            j = judge(&probe, &profile, &counts, &counted);
        }
        if j.level == Level::None {
            continue;
        }
        let Some(c) = candidate(
            tx,
            p,
            rules,
            &j,
            kind,
            id,
            CandidateInfo {
                title,
                owner,
                deleted,
                visible,
                in_pool,
            },
        )?
        else {
            continue;
        };
        out.push(c);
    }
    out.sort_by(|a, b| b.score.total_cmp(&a.score));
    out.truncate(20);
    Ok((result(p, owner_for, out), counts))
}

/// What is known of a candidate record besides its evidence.
pub struct CandidateInfo {
    pub title: String,
    pub owner: Option<u64>,
    pub deleted: bool,
    pub visible: bool,
    pub in_pool: bool,
}

/// A judgement as a candidate under the rules (`None` when the rules ignore it).
fn candidate(
    tx: &Tx,
    p: &Principal,
    rules: &Rules,
    j: &Judgement,
    kind: &'static str,
    id: u64,
    info: CandidateInfo,
) -> AppResult<Option<Candidate>> {
    // The field of the strongest evidence for; the strictest rule of the fields that agree.
    let agreeing: Vec<Field> = j
        .evidence
        .iter()
        .filter(|(w, _)| *w >= 2.0)
        .filter_map(|(_, e)| field_of(e.about()))
        .collect();
    let Some((field, strictest)) = governing_rule(&agreeing, rules) else {
        return Ok(None);
    };
    let mut action = if info.deleted || kind == "lead" {
        RuleAction::Warn.min_with(strictest)
    } else {
        strictest
    };
    if j.level != Level::Same {
        action = RuleAction::Warn.min_with(action);
    }
    if action == RuleAction::Ignore {
        return Ok(None);
    }
    let owner = match info.owner {
        Some(o) => Some(Named {
            id: o,
            name: names(tx, [o])?.remove(&o).unwrap_or_default(),
        }),
        None => None,
    };
    let next = if info.deleted {
        None
    } else if info.in_pool {
        Some(NextStep::Claim)
    } else if info.visible {
        Some(NextStep::Open)
    } else if kind == "customer" && info.owner != Some(p.user_id) {
        Some(NextStep::RequestTransfer)
    } else {
        None
    };
    let mut c = Candidate {
        kind: kind.into(),
        id: info.visible.then_some(id),
        transfer_ref: match next {
            Some(NextStep::RequestTransfer) => Some(crate::domain::crm::transfer::transfer_ref(
                tx, p.user_id, id,
            )?),
            _ => None,
        },
        visible: info.visible,
        title: info.visible.then_some(info.title),
        owner,
        in_pool: info.in_pool,
        in_recycle_bin: info.deleted,
        score: j.score(),
        level: j.level.into(),
        reasons: Vec::new(),
        field,
        action,
        next,
        why: j.evidence.iter().map(|(w, e)| (*w, e.clone())).collect(),
    };
    c.reasons = c.reasons_in(p.lang);
    Ok(Some(c))
}

/// The candidates as a result for a record that would belong to `owner`.
fn result(p: &Principal, owner: u64, candidates: Vec<Candidate>) -> CheckResult {
    let mut r = CheckResult {
        candidates,
        verdict: RuleAction::Ignore,
        refusal: None,
        owner,
    };
    r.verdict = match refusal(&r) {
        Some(x) => {
            r.refusal = Some(x.msg.get(p.lang).to_string());
            RuleAction::Block
        }
        None if r.candidates.is_empty() => RuleAction::Ignore,
        None => RuleAction::Warn,
    };
    r
}

/// Judges a probe against another profile (an earlier row of an import file) the way the
/// check judges a record: `None` when it says nothing under the rules.
pub fn judge_row(
    probe: &Profile,
    other: &Profile,
    counts: &Counts,
    rules: &Rules,
) -> Option<(Judgement, Field, RuleAction)> {
    let counted =
        |about: About| field_of(about).is_none_or(|f| rules.action(f) != RuleAction::Ignore);
    let j = judge(probe, other, counts, &counted);
    if j.level == Level::None {
        return None;
    }
    let agreeing: Vec<Field> = j
        .evidence
        .iter()
        .filter(|(w, _)| *w >= 2.0)
        .filter_map(|(_, e)| field_of(e.about()))
        .collect();
    let (field, mut action) = governing_rule(&agreeing, rules)?;
    if j.level != Level::Same {
        action = RuleAction::Warn.min_with(action);
    }
    (action != RuleAction::Ignore).then_some((j, field, action))
}

/// Of the fields that agree (strongest first), the strictest rule and the field it is the rule
/// of (the strongest such field).
fn governing_rule(agreeing: &[Field], rules: &Rules) -> Option<(Field, RuleAction)> {
    let strictest = agreeing
        .iter()
        .map(|f| rules.action(*f))
        .max_by_key(|a| a.rank())?;
    let field = agreeing
        .iter()
        .copied()
        .find(|f| rules.action(*f) == strictest)?;
    Some((field, strictest))
}

impl RuleAction {
    fn rank(self) -> u8 {
        match self {
            RuleAction::Ignore => 0,
            RuleAction::Warn => 1,
            RuleAction::Block => 2,
        }
    }

    /// The milder of two actions.
    fn min_with(self, other: RuleAction) -> RuleAction {
        if self.rank() <= other.rank() {
            self
        } else {
            other
        }
    }
}

/// The check as the customer form calls it while the user types.
pub fn check(k: &Kontor, p: &Principal, probe: Probe) -> AppResult<CheckResult> {
    p.require(Module::Crm, Action::Read)?;
    k.store.read(|tx| candidates(tx, p, &probe))
}

/// Why saving is refused under the rules.
pub struct Refusal<'a> {
    /// `owned_by_other` (another rep owns it, or it sits in the pool) or `duplicate` (a rule
    /// blocks it).
    pub code: ErrorCode,
    pub msg: Msg,
    /// The candidate that refuses it.
    pub candidate: &'a Candidate,
}

/// Whether a check's result refuses the save: the same firm (never a possible duplicate) that
/// another rep owns (only the owner is named; the owner compared is the one the record would
/// have) or that sits in the pool, unless its rule is `ignore`; or one whose rule is `block`.
/// Deleted records and leads only warn.
pub fn refusal(result: &CheckResult) -> Option<Refusal<'_>> {
    for c in result
        .candidates
        .iter()
        .filter(|c| c.kind == "customer" && !c.in_recycle_bin && c.level == MatchLevel::Same)
    {
        let (zh, en) = (c.reason_in(Lang::Zh), c.reason_in(Lang::En));
        let (no_zh, no_en) = (number_zh(c.id), number_en(c.id));
        let (code, msg) = match c.owner.as_ref() {
            Some(owner) if owner.id != result.owner && c.action != RuleAction::Ignore => (
                ErrorCode::OwnedByOther,
                Msg::new(
                    format!(
                        "该客户已由其他业务员（{}）跟进，请申请转移。（{zh}）",
                        owner.name
                    ),
                    format!(
                        "This customer is already owned by another rep ({}); ask for a transfer. ({en})",
                        owner.name
                    ),
                ),
            ),
            None if c.action != RuleAction::Ignore => (
                ErrorCode::OwnedByOther,
                Msg::new(
                    format!("该客户在公海中{no_zh}，请直接领取。（{zh}）"),
                    format!("This customer is in the public pool{no_en}; claim it instead. ({en})"),
                ),
            ),
            _ if c.action == RuleAction::Block => (
                ErrorCode::Duplicate,
                match c.title.as_deref() {
                    Some(name) => Msg::new(
                        format!("已有相同的客户“{name}”{no_zh}：{zh}"),
                        format!("This customer already exists: “{name}”{no_en}: {en}"),
                    ),
                    None => Msg::new(
                        format!("已有相同的客户{no_zh}：{zh}"),
                        format!("This customer already exists{no_en}: {en}"),
                    ),
                },
            ),
            _ => continue,
        };
        return Some(Refusal {
            code,
            msg,
            candidate: c,
        });
    }
    None
}

/// Refuses a save the rules block, or a customer someone else already owns (naming only the
/// owner); runs inside the saving transaction, so nothing created a moment earlier slips by.
pub fn enforce(tx: &Tx, p: &Principal, probe: &Probe) -> AppResult<()> {
    refuse(&candidates(tx, p, probe)?)
}

fn refuse(result: &CheckResult) -> AppResult<()> {
    match refusal(result) {
        Some(r) => Err(AppError::new(r.code)
            .on_field(r.candidate.field.to_string())
            .with_msg(r.msg)),
        None => Ok(()),
    }
}

/// A duplicate check made on a read snapshot before the write, so that the one writer thread
/// need not make it (it was 40 % of the writer's time in a sequential create).
pub struct PreChecked {
    result: CheckResult,
    rules: Rules,
    /// The last change the snapshot had seen.
    as_of: u64,
}

/// Checks `probe` on a snapshot; [`enforce_prechecked`] then refuses in the write.
pub fn precheck(k: &Kontor, p: &Principal, probe: &Probe) -> AppResult<PreChecked> {
    k.store.read(|tx| {
        Ok(PreChecked {
            result: candidates(tx, p, probe)?,
            rules: rules(tx)?,
            as_of: tx.outbox_last()?,
        })
    })
}

/// [`enforce`] with a check made before the write: taken as is when no record changed since its
/// snapshot (every change of a record leaves an outbox entry) and the rules are the same, made
/// again otherwise, so a record written a millisecond earlier is still caught.
pub fn enforce_prechecked(tx: &Tx, p: &Principal, probe: &Probe, pre: PreChecked) -> AppResult<()> {
    if tx.outbox_last()? == pre.as_of && rules(tx)? == pre.rules {
        refuse(&pre.result)
    } else {
        enforce(tx, p, probe)
    }
}

/// "（编号 12）" for a record the caller may open, else nothing.
fn number_zh(id: Option<u64>) -> String {
    id.map(|id| format!("（编号 {id}）")).unwrap_or_default()
}

/// " (no. 12)" for a record the caller may open, else nothing.
fn number_en(id: Option<u64>) -> String {
    id.map(|id| format!(" (no. {id})")).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn contact(phone: &str, region: Option<&str>) -> Contact {
        Contact {
            customer_id: 1,
            name: "Klaus".into(),
            role: None,
            title: None,
            phones: vec![phone.into()],
            emails: vec![],
            whatsapp: None,
            wechat: None,
            skype: None,
            birthday: None,
            notes: None,
            primary: true,
            owner_id: None,
            region: region.map(Into::into),
        }
    }

    /// The keys a contact's declared `dedup` index holds.
    fn contact_keys(c: &Contact) -> Vec<IndexKey> {
        use crate::store::Entity;
        let defs = Contact::indexes();
        let dedup = defs
            .iter()
            .find(|d| d.name == "dedup")
            .expect("dedup index");
        (dedup.keys)(c)
    }

    #[test]
    fn contact_phones_are_read_in_their_region() {
        let probe = ProbeKeys::new(
            &Probe {
                phone: Some("+49 30 1234567".into()),
                ..Default::default()
            },
            "CN",
        );
        assert_eq!(probe.phones, vec!["+49301234567".to_string()]);
        assert_eq!(
            contact_keys(&contact("0301234567", Some("DE"))),
            vec![key("p", "+49301234567")]
        );
        assert_eq!(
            contact_keys(&contact("0301234567", Some("FR"))),
            vec![key("p", "+33301234567")]
        );
        assert_ne!(
            contact_keys(&contact("0301234567", None)),
            vec![key("p", "+49301234567")]
        );
    }
}
