//! The duplicate check (查重, CRM-7) on create, edit and import: candidates among customers
//! (with their contacts), leads, the public pool and the recycle bin, each with its reasons and
//! a score. Exact keys live in redb indexes written in the same transaction as the record, so a
//! record created a moment ago already counts; near-spellings are found through the distinctive
//! words of the name and scored by [`super::compare_names`].

use std::collections::{BTreeMap, HashSet};

use serde::{Deserialize, Serialize};

use super::{
    Field, MATCH_THRESHOLD, NameForm, Similarity, compare_names, email_address,
    email_company_domain, name_form, phone_e164, website_key,
};
use crate::auth::{Action, Module, Principal, Scope};
use crate::domain::Kontor;
use crate::domain::accounts::Named;
use crate::domain::crm::model::{Contact, Customer, Lead};
use crate::domain::users::names;
use crate::error::{AppError, AppResult, ErrorCode, Msg};
use crate::i18n::Lang;
use crate::store::{IndexKey, Tx};

/// The values a duplicate is looked for by.
#[derive(Clone, Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct Probe {
    pub name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub website: Option<String>,
    /// ISO country of the record, for phone numbers written without a country code.
    pub country: Option<String>,
    /// The record being edited, which is not its own duplicate.
    pub exclude_customer: Option<u64>,
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

/// One likely duplicate.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Candidate {
    /// `customer` or `lead`.
    pub kind: String,
    /// Only for a record the caller may open.
    pub id: Option<u64>,
    /// Whether the caller may open it; if not, only that it exists, who owns it and which
    /// fields match is told (no id, no name, no matched values).
    pub visible: bool,
    pub title: Option<String>,
    pub owner: Option<Named>,
    pub in_pool: bool,
    pub in_recycle_bin: bool,
    /// 0 … 1; from 0.85 a duplicate.
    pub score: f32,
    /// Why, strongest first, in the caller's language (for a record the caller may not open,
    /// only the fields that match).
    pub reasons: Vec<String>,
    /// The field of the strongest reason, whose rule decides `action`.
    pub field: Field,
    /// What the admin's rules say for the strongest matching field.
    pub action: RuleAction,
    /// The reasons, to be told in either language (an error message carries both).
    #[serde(skip)]
    pub why: Vec<Reason>,
}

impl Candidate {
    /// The reasons in `lang`, as far as the caller may see them: a record the caller may not
    /// open is told by the fields that match, never by its values (its name, e-mail, phone).
    pub fn reasons_in(&self, lang: Lang) -> Vec<String> {
        if self.visible {
            return self.why.iter().map(|r| r.text(lang)).collect();
        }
        let mut fields: Vec<Field> = Vec::new();
        for r in &self.why {
            if !fields.contains(&r.field()) {
                fields.push(r.field());
            }
        }
        fields.into_iter().map(|f| hidden_reason(f, lang)).collect()
    }

    /// The strongest reason in `lang` (see [`Candidate::reasons_in`]).
    pub fn reason_in(&self, lang: Lang) -> String {
        self.reasons_in(lang).into_iter().next().unwrap_or_default()
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
    /// `block` if saving would be refused, `warn` if the user should look first, else `ignore`.
    pub verdict: RuleAction,
}

const RULES_KEY: &[u8] = b"dedup_rules";
/// Records sharing one key beyond which the key is too common to look at.
const MAX_PER_KEY: usize = 200;
/// Where the phone numbers of a customer or lead without a country are read (their index
/// cannot read the company's country). Contacts carry their own region.
const UNKNOWN_REGION: &str = "CN";

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

fn key(tag: &str, value: &str) -> IndexKey {
    IndexKey::new().str(&format!("{tag}:{value}"))
}

fn phone_keys(raw: Option<&str>, region: &str) -> Vec<IndexKey> {
    raw.and_then(|p| phone_e164(p, region))
        .map(|e| key("p", &e))
        .into_iter()
        .collect()
}

fn email_keys(raw: Option<&str>) -> Vec<IndexKey> {
    let Some(raw) = raw else { return Vec::new() };
    let mut keys: Vec<IndexKey> = email_address(raw)
        .map(|e| key("e", &e))
        .into_iter()
        .collect();
    keys.extend(email_company_domain(raw).map(|d| key("d", &d)));
    keys
}

fn name_keys(name: &str) -> Vec<IndexKey> {
    let form = name_form(name);
    let mut keys: Vec<IndexKey> = form.key().map(|k| key("n", &k)).into_iter().collect();
    keys.extend(form.distinctive_terms().iter().map(|t| key("t", t)));
    keys
}

/// The duplicate-index keys of a customer (declared as its `dedup` index).
pub fn customer_keys(c: &Customer) -> Vec<IndexKey> {
    let region = c.country.as_deref().unwrap_or(UNKNOWN_REGION);
    let mut keys = name_keys(&c.name);
    if let Some(alt) = &c.name_alt {
        keys.extend(name_keys(alt));
    }
    keys.extend(email_keys(c.email.as_deref()));
    keys.extend(phone_keys(c.phone.as_deref(), region));
    keys.extend(
        c.website
            .as_deref()
            .and_then(website_key)
            .map(|w| key("w", &w)),
    );
    keys.sort();
    keys.dedup();
    keys
}

/// The duplicate-index keys of a contact: its e-mails and phones (read in its customer's
/// country, else the company's).
pub fn contact_keys(c: &Contact) -> Vec<IndexKey> {
    let region = c.region.as_deref().unwrap_or(UNKNOWN_REGION);
    let mut keys: Vec<IndexKey> = c.emails.iter().flat_map(|e| email_keys(Some(e))).collect();
    keys.extend(c.phones.iter().flat_map(|p| phone_keys(Some(p), region)));
    keys.sort();
    keys.dedup();
    keys
}

/// The duplicate-index keys of a lead.
pub fn lead_keys(l: &Lead) -> Vec<IndexKey> {
    let mut keys = name_keys(&l.company);
    keys.extend(email_keys(l.email.as_deref()));
    keys.extend(phone_keys(
        l.phone.as_deref(),
        l.country.as_deref().unwrap_or(UNKNOWN_REGION),
    ));
    keys.extend(
        l.website
            .as_deref()
            .and_then(website_key)
            .map(|w| key("w", &w)),
    );
    keys.sort();
    keys.dedup();
    keys
}

/// Why a record may be a duplicate, said in the reader's language.
#[derive(Clone, Debug, PartialEq)]
pub enum Reason {
    SameEmail(String),
    SameEmailDomain(String),
    SamePhone(String),
    SameWebsite(String),
    SimilarName(Similarity),
}

impl Reason {
    /// The field whose rule applies.
    pub fn field(&self) -> Field {
        match self {
            Reason::SameEmail(_) | Reason::SameEmailDomain(_) => Field::Email,
            Reason::SamePhone(_) => Field::Phone,
            Reason::SameWebsite(_) => Field::Website,
            Reason::SimilarName(_) => Field::Name,
        }
    }

    pub fn text(&self, lang: Lang) -> String {
        let (zh, en, v) = match self {
            Reason::SameEmail(v) => ("邮箱相同", "same e-mail", v),
            Reason::SameEmailDomain(v) => ("邮箱域名相同", "same e-mail domain", v),
            Reason::SamePhone(v) => ("电话相同", "same phone", v),
            Reason::SameWebsite(v) => ("网址相同", "same website", v),
            Reason::SimilarName(s) => return s.reason_in(lang),
        };
        match lang {
            Lang::Zh => format!("{zh}：{v}"),
            Lang::En => format!("{en} {v}"),
        }
    }
}

/// A probe's keys, normalised once (an import reads each row's keys once, for this check and
/// for its duplicates within the file).
#[derive(Clone, Debug, Default)]
pub struct ProbeKeys {
    pub name: Option<NameForm>,
    /// The address ([`email_address`]).
    pub email: Option<String>,
    /// The company's domain of the address (none for free mail).
    pub email_domain: Option<String>,
    /// The phone in E.164.
    pub phones: Vec<String>,
    pub website: Option<String>,
    pub exclude_customer: Option<u64>,
}

impl ProbeKeys {
    /// `default_region` reads a phone without a country code when the probe names no country
    /// (the company's country, [`crate::domain::company::default_country`]).
    pub fn new(probe: &Probe, default_region: &str) -> ProbeKeys {
        fn filled(v: &Option<String>) -> Option<&str> {
            v.as_deref().filter(|v| !v.trim().is_empty())
        }
        let mut phones = Vec::new();
        if let Some(raw) = filled(&probe.phone) {
            let country = filled(&probe.country).map(|c| c.trim().to_ascii_uppercase());
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
        ProbeKeys {
            name: filled(&probe.name).map(name_form),
            email: email.and_then(email_address),
            email_domain: email.and_then(email_company_domain),
            phones,
            website: filled(&probe.website).and_then(website_key),
            exclude_customer: probe.exclude_customer,
        }
    }

    /// The exact name key ([`NameForm::key`]).
    pub fn name_key(&self) -> Option<String> {
        self.name.as_ref().and_then(NameForm::key)
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
}

impl CheckMemo {
    /// Forgets what another transaction may have changed.
    pub fn new_transaction(&mut self) {
        self.leads = None;
    }
}

/// [`candidates`] for keys read already, under the given rules.
pub fn candidates_for(
    tx: &Tx,
    p: &Principal,
    keys: &ProbeKeys,
    rules: &Rules,
    memo: &mut CheckMemo,
) -> AppResult<CheckResult> {
    // Per record: the reasons found, with their scores.
    let mut found: BTreeMap<(&'static str, u64), Vec<(f32, Reason)>> = BTreeMap::new();
    // Each lookup costs a range read per kind, and an import makes one check per row: kinds
    // that cannot hold a key are not asked (contacts have only e-mails and phones; a company
    // without leads has none to ask).
    let any_leads = match memo.leads {
        Some(l) => l,
        None => *memo.leads.insert(tx.count_all::<Lead>()? > 0),
    };
    let common = &mut memo.common;
    // Whether anything was found for a key (an address is looked up only when its domain was).
    let mut hit = |k: &IndexKey, contacts: bool, why: Option<(f32, &Reason)>| -> AppResult<bool> {
        if common.contains(k.as_bytes()) {
            return Ok(true);
        }
        let mut too_common = || {
            common.insert(k.as_bytes().to_vec());
            Ok(true)
        };
        let mut any = false;
        let mut add = |record: (&'static str, u64)| {
            any = true;
            let reasons = found.entry(record).or_default();
            if let Some((score, r)) = why
                && !reasons.iter().any(|x| &x.1 == r)
            {
                reasons.push((score, r.clone()));
            }
        };
        // A key shared by hundreds of records (a common word, a shared domain) tells nothing
        // about this record and would make every check slow: skip it.
        let Some(customers) = tx.ids_by_index_at_most::<Customer>("dedup", k, MAX_PER_KEY)? else {
            // Too common to tell anything; the address may still be rare.
            return too_common();
        };
        for id in customers {
            add(("customer", id));
        }
        if contacts {
            let Some(contacts) = tx.ids_by_index_at_most::<Contact>("dedup", k, MAX_PER_KEY)?
            else {
                return too_common();
            };
            for cid in contacts {
                if let Some(c) = tx.get::<Contact>(cid)? {
                    add(("customer", c.data.customer_id));
                }
            }
        }
        if any_leads {
            match tx.ids_by_index_at_most::<Lead>("dedup", k, MAX_PER_KEY)? {
                Some(leads) => leads.into_iter().for_each(|id| add(("lead", id))),
                None => return too_common(),
            }
        }
        Ok(any)
    };
    // Every record with the same address has its domain too: when nobody has the domain, the
    // address need not be looked up (the common case of a new firm).
    let domain_found = match &keys.email_domain {
        Some(d) => hit(
            &key("d", d),
            true,
            Some((0.9, &Reason::SameEmailDomain(d.clone()))),
        )?,
        None => true,
    };
    if let Some(e) = &keys.email
        && domain_found
    {
        hit(
            &key("e", e),
            true,
            Some((1.0, &Reason::SameEmail(e.clone()))),
        )?;
    }
    for ph in &keys.phones {
        hit(
            &key("p", ph),
            true,
            Some((0.95, &Reason::SamePhone(ph.clone()))),
        )?;
    }
    if let Some(w) = &keys.website {
        hit(
            &key("w", w),
            false,
            Some((0.95, &Reason::SameWebsite(w.clone()))),
        )?;
    }
    if let Some(form) = &keys.name {
        // Candidates share a distinctive word or the whole key; the score decides.
        if let Some(k) = form.key() {
            hit(&key("n", &k), false, None)?;
        }
        for t in form.distinctive_terms() {
            hit(&key("t", &t), false, None)?;
        }
    }
    let mut out = Vec::new();
    for ((kind, id), mut reasons) in found {
        if kind == "customer" && keys.exclude_customer == Some(id) {
            continue;
        }
        let (title, alt, owner, deleted, visible, in_pool) = match kind {
            "customer" => {
                let Some(c) = tx.get::<Customer>(id)? else {
                    continue;
                };
                let visible = !c.meta.is_deleted()
                    && crate::domain::crm::reaches_customer(tx, p, &c.data, Action::Read)?;
                (
                    c.data.name,
                    c.data.name_alt,
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
                    l.data.company,
                    None,
                    l.data.owner_id,
                    l.meta.is_deleted(),
                    visible,
                    l.data.owner_id.is_none(),
                )
            }
        };
        if let Some(form) = &keys.name {
            let best = std::iter::once(&title)
                .chain(alt.iter())
                .map(|n| compare_names(form, &name_form(n)))
                .max_by(|a, b| a.score.total_cmp(&b.score));
            if let Some(s) = best.filter(|s| s.score >= 0.6) {
                reasons.push((s.score, Reason::SimilarName(s)));
            }
        }
        // Strongest first (stable: e-mail before phone before website at equal scores).
        reasons.sort_by(|a, b| b.0.total_cmp(&a.0));
        let Some((score, best)) = reasons.first() else {
            continue;
        };
        let (score, field) = (*score, best.field());
        let action = if deleted || kind == "lead" {
            RuleAction::Warn.min_with(rules.action(field))
        } else {
            rules.action(field)
        };
        if action == RuleAction::Ignore {
            continue;
        }
        let owner_named = owner.map(|o| Named {
            id: o,
            name: names(tx, [o])
                .ok()
                .and_then(|mut n| n.remove(&o))
                .unwrap_or_default(),
        });
        let mut c = Candidate {
            kind: kind.into(),
            id: visible.then_some(id),
            visible,
            title: visible.then_some(title),
            owner: owner_named,
            in_pool,
            in_recycle_bin: deleted,
            score,
            reasons: Vec::new(),
            field,
            action: if score >= MATCH_THRESHOLD {
                action
            } else {
                RuleAction::Warn.min_with(action)
            },
            why: reasons.into_iter().map(|r| r.1).collect(),
        };
        c.reasons = c.reasons_in(p.lang);
        out.push(c);
    }
    out.sort_by(|a, b| b.score.total_cmp(&a.score));
    out.truncate(20);
    let verdict = if out.iter().any(|c| c.action == RuleAction::Block) {
        RuleAction::Block
    } else if out.is_empty() {
        RuleAction::Ignore
    } else {
        RuleAction::Warn
    };
    Ok(CheckResult {
        candidates: out,
        verdict,
    })
}

impl RuleAction {
    /// The milder of two actions.
    fn min_with(self, other: RuleAction) -> RuleAction {
        let rank = |a: RuleAction| match a {
            RuleAction::Ignore => 0,
            RuleAction::Warn => 1,
            RuleAction::Block => 2,
        };
        if rank(self) <= rank(other) {
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

/// Whether a check's result refuses the save: a likely duplicate that another rep owns (only
/// the owner is named) or that sits in the pool, unless its rule is `ignore`; or one whose rule
/// is `block`. Deleted records and leads only warn.
pub fn refusal<'a>(p: &Principal, result: &'a CheckResult) -> Option<Refusal<'a>> {
    for c in result
        .candidates
        .iter()
        .filter(|c| c.kind == "customer" && !c.in_recycle_bin && c.score >= MATCH_THRESHOLD)
    {
        let (zh, en) = (c.reason_in(Lang::Zh), c.reason_in(Lang::En));
        let (no_zh, no_en) = (number_zh(c.id), number_en(c.id));
        let (code, msg) = match c.owner.as_ref() {
            Some(owner) if owner.id != p.user_id && c.action != RuleAction::Ignore => (
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
    refuse(p, &candidates(tx, p, probe)?)
}

fn refuse(p: &Principal, result: &CheckResult) -> AppResult<()> {
    match refusal(p, result) {
        Some(r) => Err(AppError::new(r.code).on_field("name").with_msg(r.msg)),
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
        refuse(p, &pre.result)
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
