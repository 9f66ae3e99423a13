//! Finding and merging duplicates (CRM-7): a scan that groups likely duplicate customers with
//! their reasons, and a merge that keeps one record, takes the chosen value of each field from
//! any of them, moves everything related (contacts, timeline, opportunities, tasks, leads) to
//! the survivor, puts the others in the recycle bin, and can be undone.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::MATCH_THRESHOLD;
use super::check::{Probe, candidates};
use crate::auth::{Action, Module, Principal};
use crate::domain::Kontor;
use crate::domain::crm::model::{Activity, Contact, Customer, Lead, Opportunity, Task};
use crate::domain::kit::guard;
use crate::error::{AppError, AppResult, ErrorCode, Msg};
use crate::store::{Actor, AuditEvent, Entity, IndexDef, IndexKey, Tx};

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct DuplicateGroup {
    pub customers: Vec<GroupMember>,
    pub reasons: Vec<String>,
    pub score: f32,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct GroupMember {
    pub id: u64,
    pub name: String,
    pub owner_id: Option<u64>,
}

/// Groups of customers (that the caller may change) which are likely the same firm.
pub fn scan(k: &Kontor, p: &Principal, limit: usize) -> AppResult<Vec<DuplicateGroup>> {
    p.require(Module::Crm, Action::Update)?;
    k.store.read(|tx| {
        let mut all = Vec::new();
        tx.for_each::<Customer>(false, &mut |r| {
            all.push(r);
            Ok(true)
        })?;
        let mut ids = Vec::new();
        for r in all {
            if guard::may::<Customer>(tx, p, &r.data, Action::Update)? {
                ids.push(r);
            }
        }
        // Union-find over "is a duplicate of".
        let mut parent: BTreeMap<u64, u64> = ids.iter().map(|r| (r.id, r.id)).collect();
        fn root(parent: &mut BTreeMap<u64, u64>, x: u64) -> u64 {
            let mut r = x;
            while parent.get(&r).copied().unwrap_or(r) != r {
                r = parent[&r];
            }
            parent.insert(x, r);
            r
        }
        let mut reasons: BTreeMap<u64, (Vec<String>, f32)> = BTreeMap::new();
        for r in &ids {
            let probe = Probe {
                name: Some(r.data.name.clone()),
                name_alt: r.data.name_alt.clone(),
                email: r.data.email.clone(),
                phone: r.data.phone.clone(),
                website: r.data.website.clone(),
                country: r.data.country.clone(),
                exclude_customer: Some(r.id),
                owner_id: r.data.owner_id,
            };
            for c in candidates(tx, p, &probe)?.candidates {
                // The scan runs for whoever may merge; records they cannot open carry no id.
                let Some(id) = c.id else { continue };
                if c.kind != "customer"
                    || c.in_recycle_bin
                    || c.score < MATCH_THRESHOLD
                    || !parent.contains_key(&id)
                {
                    continue;
                }
                let (a, b) = (root(&mut parent, r.id), root(&mut parent, id));
                if a != b {
                    parent.insert(b, a);
                }
                let entry = reasons.entry(r.id).or_default();
                entry.0.extend(c.reasons);
                entry.1 = entry.1.max(c.score);
            }
        }
        let mut groups: BTreeMap<u64, Vec<&crate::store::Record<Customer>>> = BTreeMap::new();
        for r in &ids {
            let g = root(&mut parent, r.id);
            groups.entry(g).or_default().push(r);
        }
        let mut out: Vec<DuplicateGroup> = groups
            .into_values()
            .filter(|g| g.len() > 1)
            .map(|g| {
                let mut why: Vec<String> = g
                    .iter()
                    .flat_map(|r| reasons.get(&r.id).map(|x| x.0.clone()).unwrap_or_default())
                    .collect();
                why.sort();
                why.dedup();
                let score = g
                    .iter()
                    .filter_map(|r| reasons.get(&r.id).map(|x| x.1))
                    .fold(0.0, f32::max);
                DuplicateGroup {
                    customers: g
                        .iter()
                        .map(|r| GroupMember {
                            id: r.id,
                            name: r.data.name.clone(),
                            owner_id: r.data.owner_id,
                        })
                        .collect(),
                    reasons: why,
                    score,
                }
            })
            .collect();
        out.sort_by(|a, b| b.score.total_cmp(&a.score));
        out.truncate(limit);
        Ok(out)
    })
}

#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MergeInput {
    /// The record that stays.
    pub survivor_id: u64,
    /// The records merged into it (they go to the recycle bin).
    pub merged_ids: Vec<u64>,
    /// For each field, the record whose value survives (default: the survivor's own).
    #[serde(default)]
    pub fields: BTreeMap<String, u64>,
}

/// Everything a merge changed, for undo.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Merge {
    pub survivor_id: u64,
    pub merged_ids: Vec<u64>,
    /// The survivor before the merge.
    pub survivor_before: Customer,
    /// (kind, id, customer it belonged to)
    pub moved: Vec<(String, u64, u64)>,
    pub undone: bool,
}

impl Entity for Merge {
    const KIND: &'static str = "merge";
    fn indexes() -> Vec<IndexDef<Self>> {
        Vec::new()
    }
    fn title(&self) -> String {
        format!("{} ← {:?}", self.survivor_before.name, self.merged_ids)
    }
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct MergeResult {
    /// Undo with `POST /api/v1/merges/{id}/undo`.
    pub merge_id: u64,
    pub survivor_id: u64,
    pub moved: usize,
}

/// The fields a merge may take from another record.
const MERGEABLE: &[&str] = &[
    "name",
    "name_alt",
    "country",
    "time_zone",
    "address",
    "website",
    "email",
    "phone",
    "source",
    "tier",
    "tags",
    "purchase_preferences",
    "payment_behaviour",
    "custom",
    "annual_purchases",
];

fn take_field(target: &mut Customer, from: &Customer, field: &str) {
    match field {
        "name" => {
            target.name = from.name.clone();
            target.name_key = from.name_key.clone();
        }
        "name_alt" => target.name_alt = from.name_alt.clone(),
        "country" => target.country = from.country.clone(),
        "time_zone" => target.time_zone = from.time_zone.clone(),
        "address" => target.address = from.address.clone(),
        "website" => target.website = from.website.clone(),
        "email" => target.email = from.email.clone(),
        "phone" => target.phone = from.phone.clone(),
        "source" => target.source = from.source.clone(),
        "tier" => target.tier = from.tier.clone(),
        "tags" => target.tags = from.tags.clone(),
        "purchase_preferences" => target.purchase_preferences = from.purchase_preferences.clone(),
        "payment_behaviour" => target.payment_behaviour = from.payment_behaviour.clone(),
        "custom" => target.custom = from.custom.clone(),
        "annual_purchases" => target.annual_purchases = from.annual_purchases,
        _ => {}
    }
}

fn related(tx: &Tx, customer: u64) -> AppResult<Vec<(String, u64)>> {
    let key = IndexKey::new().u64(customer);
    let mut out: Vec<(String, u64)> = Vec::new();
    for id in tx.ids_by_index::<Contact>("customer", &key, false)? {
        out.push((Contact::KIND.into(), id));
    }
    for id in tx.ids_by_index::<Activity>("customer", &key, false)? {
        out.push((Activity::KIND.into(), id));
    }
    for id in tx.ids_by_index::<Opportunity>("customer", &key, false)? {
        out.push((Opportunity::KIND.into(), id));
    }
    // Tasks and converted leads are few per customer but not indexed by customer: scan them.
    let mut tasks = Vec::new();
    tx.for_each::<Task>(false, &mut |t| {
        if t.data.customer_id == Some(customer) {
            tasks.push(t.id);
        }
        Ok(true)
    })?;
    out.extend(tasks.into_iter().map(|id| (Task::KIND.into(), id)));
    let mut leads = Vec::new();
    tx.for_each::<Lead>(false, &mut |l| {
        if l.data.converted_customer_id == Some(customer) {
            leads.push(l.id);
        }
        Ok(true)
    })?;
    out.extend(leads.into_iter().map(|id| (Lead::KIND.into(), id)));
    out.sort();
    out.dedup();
    Ok(out)
}

/// Points one related record at another customer (and its owner).
fn repoint(
    tx: &mut Tx,
    actor: &Actor,
    kind: &str,
    id: u64,
    to: u64,
    owner: Option<u64>,
) -> AppResult<()> {
    match kind {
        "contact" => {
            tx.update::<Contact, AppError>(actor, id, None, |c| {
                c.customer_id = to;
                c.owner_id = owner;
                c.primary = false;
                Ok(())
            })?;
        }
        "activity" => {
            tx.update::<Activity, AppError>(actor, id, None, |a| {
                a.customer_id = Some(to);
                a.owner_id = owner;
                Ok(())
            })?;
        }
        "opportunity" => {
            tx.update::<Opportunity, AppError>(actor, id, None, |o| {
                o.customer_id = to;
                o.owner_id = owner;
                Ok(())
            })?;
        }
        "task" => {
            tx.update::<Task, AppError>(actor, id, None, |t| {
                t.customer_id = Some(to);
                Ok(())
            })?;
        }
        "lead" => {
            tx.update::<Lead, AppError>(actor, id, None, |l| {
                l.converted_customer_id = Some(to);
                Ok(())
            })?;
        }
        _ => {}
    }
    Ok(())
}

pub fn merge(k: &Kontor, p: &Principal, input: MergeInput) -> AppResult<MergeResult> {
    if input.merged_ids.is_empty() || input.merged_ids.contains(&input.survivor_id) {
        return Err(AppError::invalid(
            "merged_ids",
            Msg::new(
                "请选择要并入的其他客户（不含保留的客户）。",
                "Choose the other customers to merge in (not the one that stays).",
            ),
        ));
    }
    for (field, source) in &input.fields {
        if !MERGEABLE.contains(&field.as_str()) {
            return Err(AppError::invalid(
                format!("fields.{field}"),
                Msg::new(
                    format!("不能合并字段 {field}。"),
                    format!("The field {field} cannot be merged."),
                ),
            ));
        }
        if *source != input.survivor_id && !input.merged_ids.contains(source) {
            return Err(AppError::invalid(
                format!("fields.{field}"),
                Msg::new(
                    format!("记录 {source} 不在本次合并中。"),
                    format!("Record {source} is not part of this merge."),
                ),
            ));
        }
    }
    let (actor, principal) = (p.actor(), p.clone());
    k.store.write(move |tx| {
        let survivor = guard::open::<Customer>(tx, &principal, input.survivor_id, Action::Update)?;
        let mut others = Vec::new();
        for id in &input.merged_ids {
            others.push(guard::open::<Customer>(
                tx,
                &principal,
                *id,
                Action::Delete,
            )?);
        }
        let mut moved = Vec::new();
        for other in &others {
            for (kind, id) in related(tx, other.id)? {
                repoint(tx, &actor, &kind, id, survivor.id, survivor.data.owner_id)?;
                moved.push((kind, id, other.id));
            }
        }
        let before = survivor.data.clone();
        let by_id: BTreeMap<u64, Customer> =
            others.iter().map(|o| (o.id, o.data.clone())).collect();
        // The merged records leave first, so the survivor may take their unique values.
        for other in &others {
            tx.delete::<Customer>(&actor, other.id, None)?;
        }
        tx.update::<Customer, AppError>(&actor, survivor.id, None, |c| {
            for (field, source) in &input.fields {
                if let Some(from) = by_id.get(source) {
                    take_field(c, from, field);
                }
            }
            c.last_followup_at = by_id
                .values()
                .filter_map(|o| o.last_followup_at)
                .chain(c.last_followup_at)
                .max();
            c.last_deal_at = by_id
                .values()
                .filter_map(|o| o.last_deal_at)
                .chain(c.last_deal_at)
                .max();
            Ok(())
        })?;
        crate::domain::crm::sync_contact_regions(tx, &actor, survivor.id)?;
        let count = moved.len();
        let record = tx.insert(
            &actor,
            Merge {
                survivor_id: survivor.id,
                merged_ids: input.merged_ids.clone(),
                survivor_before: before,
                moved,
                undone: false,
            },
        )?;
        tx.audit_event(
            &actor,
            AuditEvent {
                action: "merge".into(),
                kind: Customer::KIND.into(),
                record_id: Some(survivor.id),
                title: format!(
                    "{} ← {}",
                    survivor.data.name,
                    others
                        .iter()
                        .map(|o| o.data.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                ..Default::default()
            },
        )?;
        Ok(MergeResult {
            merge_id: record.id,
            survivor_id: survivor.id,
            moved: count,
        })
    })
}

/// Restores the merged records and moves their related records back.
pub fn undo(k: &Kontor, p: &Principal, id: u64) -> AppResult<MergeResult> {
    let (actor, principal) = (p.actor(), p.clone());
    k.store.write(move |tx| {
        let m = tx.get_live::<Merge>(id)?;
        if m.data.undone {
            return Err(AppError::new(ErrorCode::Conflict).with_msg(Msg::new(
                "这次合并已撤销。",
                "This merge was already undone.",
            )));
        }
        guard::open::<Customer>(tx, &principal, m.data.survivor_id, Action::Update)?;
        for merged in &m.data.merged_ids {
            tx.restore::<Customer>(&actor, *merged)?;
        }
        let before = m.data.survivor_before.clone();
        tx.update::<Customer, AppError>(&actor, m.data.survivor_id, None, |c| {
            let owner = (c.owner_id, c.team_id, c.pool_id, c.owned_since);
            *c = before;
            (c.owner_id, c.team_id, c.pool_id, c.owned_since) = owner;
            Ok(())
        })?;
        for (kind, rid, from) in m.data.moved.iter().rev() {
            let owner = tx.get::<Customer>(*from)?.and_then(|c| c.data.owner_id);
            repoint(tx, &actor, kind, *rid, *from, owner)?;
        }
        for c in m.data.merged_ids.iter().chain([&m.data.survivor_id]) {
            crate::domain::crm::sync_contact_regions(tx, &actor, *c)?;
        }
        tx.update::<Merge, AppError>(&actor, id, None, |m| {
            m.undone = true;
            Ok(())
        })?;
        tx.audit_event(
            &actor,
            AuditEvent {
                action: "merge_undo".into(),
                kind: Customer::KIND.into(),
                record_id: Some(m.data.survivor_id),
                title: m.data.title(),
                ..Default::default()
            },
        )?;
        Ok(MergeResult {
            merge_id: id,
            survivor_id: m.data.survivor_id,
            moved: m.data.moved.len(),
        })
    })
}
