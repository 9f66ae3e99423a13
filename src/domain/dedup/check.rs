//! The duplicate check (查重, CRM-7) on create, edit and import: candidates among customers
//! (with their contacts), leads, the public pool and the recycle bin, each with its reasons and
//! a score. Exact keys live in redb indexes written in the same transaction as the record, so a
//! record created a moment ago already counts; near-spellings are found through the distinctive
//! words of the name and scored by [`super::compare_names`].

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{
    Field, MATCH_THRESHOLD, compare_names, email_address, email_company_domain, name_form,
    phone_e164, website_key,
};
use crate::auth::{Action, Module, Principal, Scope};
use crate::domain::Kontor;
use crate::domain::accounts::Named;
use crate::domain::crm::model::{Contact, Customer, Lead};
use crate::domain::users::names;
use crate::error::{AppError, AppResult, ErrorCode, Msg};
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
    fn action(&self, field: Field) -> RuleAction {
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
    pub reasons: Vec<String>,
    /// What the admin's rules say for the strongest matching field.
    pub action: RuleAction,
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
                title: "查重规则 / duplicate rules".into(),
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
    let region = c.country.as_deref().unwrap_or("CN");
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

/// The duplicate-index keys of a contact: its e-mails and phones.
pub fn contact_keys(c: &Contact) -> Vec<IndexKey> {
    let mut keys: Vec<IndexKey> = c.emails.iter().flat_map(|e| email_keys(Some(e))).collect();
    keys.extend(c.phones.iter().flat_map(|p| phone_keys(Some(p), "CN")));
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
        l.country.as_deref().unwrap_or("CN"),
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

struct Found {
    reasons: Vec<(Field, f32, String)>,
}

impl Found {
    fn add(&mut self, field: Field, score: f32, reason: String) {
        if !self.reasons.iter().any(|r| r.2 == reason) {
            self.reasons.push((field, score, reason));
        }
    }
}

/// Likely duplicates of `probe`, strongest first, as the caller may see them.
pub fn candidates(tx: &Tx, p: &Principal, probe: &Probe) -> AppResult<CheckResult> {
    let region = probe
        .country
        .as_deref()
        .unwrap_or("CN")
        .to_ascii_uppercase();
    let rules = rules(tx)?;
    let mut found: BTreeMap<(&'static str, u64), Found> = BTreeMap::new();
    let mut hit = |tx: &Tx,
                   keys: &[IndexKey],
                   field: Field,
                   score: f32,
                   reason: &dyn Fn(&str) -> String|
     -> AppResult<()> {
        for k in keys {
            let value = String::from_utf8_lossy(&k.0[1..k.0.len().saturating_sub(1)])
                .split_once(':')
                .map(|x| x.1.to_string())
                .unwrap_or_default();
            // A key shared by hundreds of records (a common word, a shared domain) tells
            // nothing about this record and would make every check slow: skip it.
            let Some(customers) = tx.ids_by_index_at_most::<Customer>("dedup", k, MAX_PER_KEY)?
            else {
                continue;
            };
            for id in customers {
                found
                    .entry(("customer", id))
                    .or_insert(Found { reasons: vec![] })
                    .add(field, score, reason(&value));
            }
            let contacts = tx.ids_by_index_at_most::<Contact>("dedup", k, MAX_PER_KEY)?;
            for cid in contacts.unwrap_or_default() {
                if let Some(c) = tx.get::<Contact>(cid)? {
                    found
                        .entry(("customer", c.data.customer_id))
                        .or_insert(Found { reasons: vec![] })
                        .add(field, score, reason(&value));
                }
            }
            let leads = tx.ids_by_index_at_most::<Lead>("dedup", k, MAX_PER_KEY)?;
            for id in leads.unwrap_or_default() {
                found
                    .entry(("lead", id))
                    .or_insert(Found { reasons: vec![] })
                    .add(field, score, reason(&value));
            }
        }
        Ok(())
    };
    if let Some(email) = probe.email.as_deref().filter(|e| !e.trim().is_empty()) {
        hit(
            tx,
            &email_address(email)
                .map(|e| key("e", &e))
                .into_iter()
                .collect::<Vec<_>>(),
            Field::Email,
            1.0,
            &|v| format!("same e-mail / 邮箱相同 {v}"),
        )?;
        hit(
            tx,
            &email_company_domain(email)
                .map(|d| key("d", &d))
                .into_iter()
                .collect::<Vec<_>>(),
            Field::Email,
            0.9,
            &|v| format!("same e-mail domain / 邮箱域名相同 {v}"),
        )?;
    }
    hit(
        tx,
        &phone_keys(probe.phone.as_deref(), &region),
        Field::Phone,
        0.95,
        &|v| format!("same phone / 电话相同 {v}"),
    )?;
    let site: Vec<IndexKey> = probe
        .website
        .as_deref()
        .and_then(website_key)
        .map(|w| key("w", &w))
        .into_iter()
        .collect();
    hit(tx, &site, Field::Website, 0.95, &|v| {
        format!("same website / 网址相同 {v}")
    })?;
    let form = probe
        .name
        .as_deref()
        .filter(|n| !n.trim().is_empty())
        .map(name_form);
    if let Some(form) = &form {
        // Candidates share a distinctive word or the whole key; the score decides.
        let mut keys: Vec<IndexKey> = form.key().map(|k| key("n", &k)).into_iter().collect();
        keys.extend(form.distinctive_terms().iter().map(|t| key("t", t)));
        hit(tx, &keys, Field::Name, 0.0, &|_| String::new())?;
    }
    let mut out = Vec::new();
    for ((kind, id), mut f) in found {
        if kind == "customer" && probe.exclude_customer == Some(id) {
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
        if let Some(form) = &form {
            let best = std::iter::once(&title)
                .chain(alt.iter())
                .map(|n| compare_names(form, &name_form(n)))
                .max_by(|a, b| a.score.total_cmp(&b.score));
            if let Some(s) = best.filter(|s| s.score >= 0.6) {
                f.add(
                    Field::Name,
                    s.score,
                    format!(
                        "name {:.0} % similar / 名称相似度 {:.0}%: {}",
                        s.score * 100.0,
                        s.score * 100.0,
                        s.reason
                    ),
                );
            }
        }
        f.reasons.retain(|r| r.1 > 0.0);
        let Some(best) = f.reasons.iter().max_by(|a, b| a.1.total_cmp(&b.1)).cloned() else {
            continue;
        };
        let action = if deleted || kind == "lead" {
            RuleAction::Warn.min_with(rules.action(best.0))
        } else {
            rules.action(best.0)
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
        let reasons = if visible {
            f.reasons.iter().map(|r| r.2.clone()).collect()
        } else {
            // The reasons quote the other record's values (its name, e-mail, phone).
            let mut fields: Vec<Field> = f.reasons.iter().map(|r| r.0).collect();
            fields.dedup();
            fields.into_iter().map(hidden_reason).collect()
        };
        out.push(Candidate {
            kind: kind.into(),
            id: visible.then_some(id),
            visible,
            title: visible.then_some(title),
            owner: owner_named,
            in_pool,
            in_recycle_bin: deleted,
            score: best.1,
            reasons,
            action: if best.1 >= MATCH_THRESHOLD {
                action
            } else {
                RuleAction::Warn.min_with(action)
            },
        });
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

/// What may be said of a match in a record the caller may not open: the field, not the value.
fn hidden_reason(field: Field) -> String {
    match field {
        Field::Name => "similar name / 名称相似",
        Field::Email => "same e-mail or e-mail domain / 邮箱或邮箱域名相同",
        Field::Phone => "same phone / 电话相同",
        Field::Website => "same website / 网址相同",
    }
    .to_string()
}

/// Refuses a save the rules block, or a customer someone else already owns (naming only the
/// owner); runs inside the saving transaction, so nothing created a moment earlier slips by.
pub fn enforce(tx: &Tx, p: &Principal, probe: &Probe) -> AppResult<()> {
    let result = candidates(tx, p, probe)?;
    for c in result
        .candidates
        .iter()
        .filter(|c| c.kind == "customer" && !c.in_recycle_bin && c.score >= MATCH_THRESHOLD)
    {
        let reason = c.reasons.first().cloned().unwrap_or_default();
        match c.owner.as_ref() {
            Some(owner) if owner.id != p.user_id && c.action != RuleAction::Ignore => {
                return Err(AppError::new(ErrorCode::OwnedByOther).on_field("name").with_msg(Msg::new(
                    format!("该客户已由其他业务员（{}）跟进，请申请转移。（{reason}）", owner.name),
                    format!("This customer is already owned by another rep ({}); ask for a transfer. ({reason})", owner.name),
                )));
            }
            None if c.action != RuleAction::Ignore => {
                return Err(AppError::new(ErrorCode::OwnedByOther)
                    .on_field("name")
                    .with_msg(Msg::new(
                        format!(
                            "该客户在公海中{}，请直接领取。（{reason}）",
                            number_zh(c.id)
                        ),
                        format!(
                            "This customer is in the public pool{}; claim it instead. ({reason})",
                            number_en(c.id)
                        ),
                    )));
            }
            _ if c.action == RuleAction::Block => {
                return Err(AppError::new(ErrorCode::Duplicate)
                    .on_field("name")
                    .with_msg(Msg::new(
                        format!("已有相同的客户{}：{reason}", number_zh(c.id)),
                        format!("This customer already exists{}: {reason}", number_en(c.id)),
                    )));
            }
            _ => {}
        }
    }
    Ok(())
}

/// "（编号 12）" for a record the caller may open, else nothing.
fn number_zh(id: Option<u64>) -> String {
    id.map(|id| format!("（编号 {id}）")).unwrap_or_default()
}

/// " (no. 12)" for a record the caller may open, else nothing.
fn number_en(id: Option<u64>) -> String {
    id.map(|id| format!(" (no. {id})")).unwrap_or_default()
}
