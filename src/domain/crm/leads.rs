//! Leads and the lead pool (CRM-3), conversion into customer + contact + first opportunity, and
//! opportunities (deals) on a kanban board.

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::auth::{Action, Module, Principal, Scope, User};
use crate::error::{AppError, AppResult, ErrorCode, Msg};
use crate::store::{IndexKey, Record, Tx};

use super::active_owner;
use super::customers::{
    ContactInput, CustomerInput, CustomerView, NewCustomer, NewCustomerDefaults, insert_new,
    name_key,
};
use super::model::{Activity, Customer, CustomerStatus, Lead, LeadStatus, Opportunity, Stage};
use super::timeline::{ActivityInput, ActivityView};
use crate::domain::accounts::Named;
use crate::domain::kit::{self, Query, Source, guard};
use crate::domain::kit::{List, names};
use crate::domain::{Kontor, Paging, validate};

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct LeadView {
    pub id: u64,
    pub company: String,
    pub contact_name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub country: Option<String>,
    pub website: Option<String>,
    pub source: Option<String>,
    pub status: LeadStatus,
    pub owner: Option<Named>,
    pub in_pool: bool,
    pub notes: Option<String>,
    pub converted_customer_id: Option<u64>,
    pub created_at: DateTime<Utc>,
    pub version: u64,
}

#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LeadInput {
    /// Required when changing a lead.
    pub version: Option<u64>,
    pub company: String,
    pub contact_name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub country: Option<String>,
    pub website: Option<String>,
    pub source: Option<String>,
    pub status: Option<LeadStatus>,
    /// Put the lead in the lead pool instead of keeping it.
    #[serde(default)]
    pub to_pool: bool,
    pub notes: Option<String>,
}

#[derive(Clone, Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LeadQuery {
    pub q: Option<String>,
    pub status: Option<LeadStatus>,
    /// `mine` (default), `team`, `all`, `pool`.
    pub scope: Option<String>,
    pub page: Option<u64>,
    pub per_page: Option<u64>,
}

#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssignInput {
    /// Give the lead to this user …
    pub user_id: Option<u64>,
    /// … or to the next member of this team in turn (round robin).
    pub team_id: Option<u64>,
}

#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConvertInput {
    /// Name of the first opportunity (default: the company name).
    pub opportunity_title: Option<String>,
    #[schema(value_type = Option<String>)]
    #[serde(default, with = "rust_decimal::serde::str_option")]
    pub amount: Option<Decimal>,
    pub currency: Option<String>,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct ConvertResult {
    pub customer: CustomerView,
    pub opportunity_id: u64,
}

fn lead_view(tx: &Tx, r: Record<Lead>) -> AppResult<LeadView> {
    let owners = names(tx, r.data.owner_id)?;
    let l = r.data;
    Ok(LeadView {
        id: r.id,
        owner: l.owner_id.map(|id| Named {
            id,
            name: owners.get(&id).cloned().unwrap_or_default(),
        }),
        in_pool: l.owner_id.is_none(),
        company: l.company,
        contact_name: l.contact_name,
        email: l.email,
        phone: l.phone,
        country: l.country,
        website: l.website,
        source: l.source,
        status: l.status,
        notes: l.notes,
        converted_customer_id: l.converted_customer_id,
        created_at: r.meta.created_at,
        version: r.meta.version,
    })
}

fn check_lead(input: &LeadInput) -> AppResult<Lead> {
    Ok(Lead {
        company: validate::text("company", &input.company, 200)?,
        contact_name: validate::optional_text("contact_name", input.contact_name.as_deref(), 100)?,
        email: validate::optional_email("email", input.email.as_deref())?,
        phone: validate::optional_text("phone", input.phone.as_deref(), 40)?,
        country: validate::optional_country("country", input.country.as_deref())?,
        website: validate::optional_website("website", input.website.as_deref())?,
        source: validate::optional_text("source", input.source.as_deref(), 60)?,
        status: input.status.unwrap_or(LeadStatus::New),
        owner_id: None,
        team_id: None,
        notes: validate::optional_text("notes", input.notes.as_deref(), 5000)?,
        converted_customer_id: None,
    })
}

pub fn create(k: &Kontor, p: &Principal, input: LeadInput) -> AppResult<LeadView> {
    p.require(Module::Crm, Action::Create)?;
    let mut lead = check_lead(&input)?;
    if !input.to_pool {
        lead.owner_id = Some(p.user_id);
        lead.team_id = p.team_ids.first().copied();
    }
    let actor = p.actor();
    k.store.write(move |tx| {
        let r = tx.insert(&actor, lead)?;
        lead_view(tx, r)
    })
}

pub fn list(k: &Kontor, p: &Principal, q: LeadQuery) -> AppResult<List<LeadView>> {
    let scope = p.require(Module::Crm, Action::Read)?;
    let paging = Paging::new(q.page, q.per_page);
    let pool = q.scope.as_deref() == Some("pool");
    let asked = if pool { None } else { q.scope.as_deref() };
    let wanted = kit::list_scope(asked, scope)?;
    let needle = kit::needle(q.q.as_deref());
    // The pool's leads are the ones without an owner (key 0 of the owner index).
    let source = if pool {
        Source::key("owner", IndexKey::new().u64(0))
    } else {
        Source::owners("owner", p.owners_in(wanted))
    };
    k.store.read(|tx| {
        Query::<Lead>::new(source, paging)
            .filter_if(!pool, |r| r.data.owner_id.is_some())
            .filter_if(q.status.is_some(), |r| {
                q.status.is_none_or(|s| r.data.status == s)
            })
            .filter_if(needle.is_some(), |r| {
                let l = &r.data;
                needle.as_deref().is_none_or(|n| {
                    crate::search::text::fold(&format!(
                        "{} {} {}",
                        l.company,
                        l.contact_name.as_deref().unwrap_or(""),
                        l.email.as_deref().unwrap_or("")
                    ))
                    .contains(n)
                })
            })
            .run(tx)?
            .try_map(|r| lead_view(tx, r))
    })
}

pub fn get(k: &Kontor, p: &Principal, id: u64) -> AppResult<LeadView> {
    k.store.read(|tx| {
        let r = guard::open::<Lead>(tx, p, id, Action::Read)?;
        lead_view(tx, r)
    })
}

pub fn update(k: &Kontor, p: &Principal, id: u64, input: LeadInput) -> AppResult<LeadView> {
    let version = input.version.ok_or_else(|| AppError::required("version"))?;
    let fields = check_lead(&input)?;
    let (actor, principal) = (p.actor(), p.clone());
    k.store.write(move |tx| {
        guard::open::<Lead>(tx, &principal, id, Action::Update)?;
        let r = tx.update::<Lead, AppError>(&actor, id, Some(version), |l| {
            *l = Lead {
                owner_id: l.owner_id,
                team_id: l.team_id,
                converted_customer_id: l.converted_customer_id,
                ..fields
            };
            Ok(())
        })?;
        lead_view(tx, r)
    })
}

pub fn delete(k: &Kontor, p: &Principal, id: u64, version: Option<u64>) -> AppResult<()> {
    let (actor, principal) = (p.actor(), p.clone());
    k.store.write(move |tx| {
        guard::open::<Lead>(tx, &principal, id, Action::Delete)?;
        tx.delete::<Lead>(&actor, id, version)?;
        Ok(())
    })
}

/// Assigns a lead by hand (a user) or by rule (the next member of a team, in turn). A rep may
/// take a pool lead for themselves.
pub fn assign(k: &Kontor, p: &Principal, id: u64, input: AssignInput) -> AppResult<LeadView> {
    let (actor, principal) = (p.actor(), p.clone());
    k.store.write(move |tx| {
        let lead = guard::open::<Lead>(tx, &principal, id, Action::Read)?;
        let assign_scope = principal.scope(Module::Crm, Action::Assign);
        let to = match (input.user_id, input.team_id) {
            (Some(u), None) => u,
            (None, Some(team)) => next_in_team(tx, team)?,
            _ => {
                return Err(AppError::invalid(
                    "user_id",
                    Msg::new("请指定用户或团队之一。", "Give either a user or a team."),
                ));
            }
        };
        let taking_from_pool = lead.data.owner_id.is_none() && to == principal.user_id;
        // Taking a pool lead is like creating one: read-only users may not.
        if taking_from_pool {
            principal.require(Module::Crm, Action::Create)?;
        }
        // Handing a lead on needs the assign scope over its owner (a pool lead: none to reach)
        // and over the rep it goes to, as a customer transfer does.
        if !taking_from_pool
            && (assign_scope == Scope::None
                || !principal.reaches(assign_scope, Some(to))
                || lead
                    .data
                    .owner_id
                    .is_some_and(|o| !principal.reaches(assign_scope, Some(o))))
        {
            return Err(AppError::forbidden());
        }
        active_owner(tx, "user_id", to)?;
        let team = tx.get_live::<User>(to)?.data.team_ids.first().copied();
        let r = tx.update::<Lead, AppError>(&actor, id, None, |l| {
            l.owner_id = Some(to);
            l.team_id = team;
            Ok(())
        })?;
        if to != principal.user_id && lead.data.owner_id != Some(to) {
            use crate::domain::notify::{Message, NotifyKind, RecordRef, notify};
            notify(
                tx,
                to,
                NotifyKind::LeadAssigned,
                Some(RecordRef::of::<Lead>(id)),
                Message::new("lead.assigned")
                    .user("actor", principal.user_id)
                    .record::<Lead>("lead", id, None),
            )?;
        }
        lead_view(tx, r)
    })
}

/// The next active member of a team, in turn (a counter per team in the same transaction).
fn next_in_team(tx: &mut Tx, team: u64) -> AppResult<u64> {
    let members = crate::domain::users::active_members(tx, team)?;
    if members.is_empty() {
        return Err(AppError::invalid(
            "team_id",
            Msg::new(
                "该团队没有可分配的成员。",
                "This team has no active member to assign to.",
            ),
        ));
    }
    let turn = tx.next_seq(&format!("round_robin:team:{team}"))?;
    Ok(members[((turn - 1) % members.len() as u64) as usize])
}

/// Turns a lead into a customer with its contact and a first opportunity; the lead's whole
/// timeline moves to the customer.
pub fn convert(
    k: &Kontor,
    p: &Principal,
    id: u64,
    input: ConvertInput,
) -> AppResult<ConvertResult> {
    p.require(Module::Crm, Action::Create)?;
    let currency = input
        .currency
        .as_deref()
        .map(|c| validate::currency("currency", c))
        .transpose()?;
    let title =
        validate::optional_text("opportunity_title", input.opportunity_title.as_deref(), 200)?;
    let (actor, principal) = (p.actor(), p.clone());
    k.store.write(move |tx| {
        let lead = guard::open::<Lead>(tx, &principal, id, Action::Update)?;
        if lead.data.converted_customer_id.is_some() {
            return Err(AppError::new(ErrorCode::Conflict).with_msg(Msg::new(
                "该线索已转为客户。",
                "This lead was already converted.",
            )));
        }
        let owner = lead.data.owner_id.unwrap_or(principal.user_id);
        let l = lead.data.clone();
        let key = name_key(&l.company);
        if !tx
            .ids_by_index::<Customer>("name_key", &IndexKey::new().str(&key), false)?
            .is_empty()
        {
            return Err(AppError::new(ErrorCode::Duplicate)
                .on_field("company")
                .with_msg(Msg::new(
                    "已有同名客户，请先合并或修改线索的公司名。",
                    "A customer with this name exists; merge or rename the lead first.",
                )));
        }
        // A new customer like any other (the form's checks, defaults, contacts, cadence).
        let fields = CustomerInput {
            name: l.company.clone(),
            country: l.country.clone(),
            website: l.website.clone(),
            email: l.email.clone(),
            phone: l.phone.clone(),
            source: l.source.clone(),
            owner_id: Some(owner),
            contacts: l
                .contact_name
                .iter()
                .map(|name| ContactInput {
                    name: name.clone(),
                    role: Some("buyer".into()),
                    phones: l.phone.iter().cloned().collect(),
                    emails: l.email.iter().cloned().collect(),
                    ..Default::default()
                })
                .collect(),
            ..Default::default()
        };
        let new = NewCustomer::check(fields, owner)?;
        let mut defaults = NewCustomerDefaults::load(tx)?;
        let (c, _) = insert_new(tx, &actor, &mut defaults, new)?;
        let company_currency = crate::domain::company::company(tx)?
            .map(|c| c.data.base_currency)
            .unwrap_or_else(|| "USD".into());
        let opp = tx.insert(
            &actor,
            Opportunity {
                customer_id: c.id,
                title: title.unwrap_or_else(|| l.company.clone()),
                stage: Stage::New,
                amount: input.amount,
                currency: currency.unwrap_or(company_currency),
                expected_close: None,
                owner_id: Some(owner),
                lead_id: Some(id),
            },
        )?;
        // The lead's timeline goes with it.
        let mut last = None;
        for aid in tx.ids_by_index::<Activity>("lead", &IndexKey::new().u64(id), false)? {
            let a = tx.update::<Activity, AppError>(&actor, aid, None, |a| {
                a.customer_id = Some(c.id);
                a.owner_id = Some(owner);
                Ok(())
            })?;
            last = last.max(Some(a.data.occurred_at));
        }
        if let Some(t) = last {
            tx.update::<Customer, AppError>(&actor, c.id, None, |c| {
                c.last_followup_at = Some(t);
                Ok(())
            })?;
        }
        tx.update::<Lead, AppError>(&actor, id, None, |l| {
            l.status = LeadStatus::Converted;
            l.converted_customer_id = Some(c.id);
            l.owner_id = Some(owner);
            Ok(())
        })?;
        let r = tx.get_live::<Customer>(c.id)?;
        let owners = names(tx, [owner])?;
        Ok(ConvertResult {
            customer: super::customers::view(r, &owners, principal.lang),
            opportunity_id: opp.id,
        })
    })
}

pub fn timeline(
    k: &Kontor,
    p: &Principal,
    id: u64,
    paging: Paging,
) -> AppResult<List<ActivityView>> {
    k.store.read(|tx| {
        guard::open::<Lead>(tx, p, id, Action::Read)?;
        super::timeline::page(tx, "lead", IndexKey::new().u64(id), paging, p.lang)
    })
}

pub fn add_activity(
    k: &Kontor,
    p: &Principal,
    id: u64,
    input: ActivityInput,
) -> AppResult<ActivityView> {
    let (subject, body) = super::timeline::check_input(&input)?;
    let (actor, principal) = (p.actor(), p.clone());
    k.store.write(move |tx| {
        let lead = guard::open::<Lead>(tx, &principal, id, Action::Update)?;
        let now = tx.now();
        let r = tx.insert(
            &actor,
            Activity {
                customer_id: lead.data.converted_customer_id,
                contact_id: None,
                lead_id: Some(id),
                kind: input.kind,
                occurred_at: input.occurred_at.unwrap_or(now),
                author_id: Some(principal.user_id),
                subject,
                body,
                follow_up_on: input.follow_up_on,
                owner_id: lead.data.owner_id,
                event: None,
            },
        )?;
        super::timeline::follow_up_task(tx, &actor, &r)?;
        Ok(super::timeline::views(tx, vec![r], principal.lang)?.remove(0))
    })
}

// ---- opportunities ------------------------------------------------------------------------------

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct OpportunityView {
    pub id: u64,
    pub customer_id: u64,
    pub customer_name: String,
    pub title: String,
    pub stage: Stage,
    #[schema(value_type = Option<String>)]
    pub amount: Option<Decimal>,
    pub currency: String,
    pub expected_close: Option<NaiveDate>,
    pub owner: Option<Named>,
    pub version: u64,
}

#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OpportunityInput {
    pub version: Option<u64>,
    pub customer_id: Option<u64>,
    pub title: Option<String>,
    pub stage: Option<Stage>,
    #[schema(value_type = Option<String>)]
    #[serde(default, with = "rust_decimal::serde::str_option")]
    pub amount: Option<Decimal>,
    pub currency: Option<String>,
    pub expected_close: Option<NaiveDate>,
}

#[derive(Clone, Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OpportunityQuery {
    pub customer_id: Option<u64>,
    pub stage: Option<Stage>,
    /// `mine` (default), `team`, `all`.
    pub scope: Option<String>,
}

fn opportunity_view(tx: &Tx, r: Record<Opportunity>) -> AppResult<OpportunityView> {
    let owners = names(tx, r.data.owner_id)?;
    let customer_name = tx
        .get::<Customer>(r.data.customer_id)?
        .map(|c| c.data.name)
        .unwrap_or_default();
    let o = r.data;
    Ok(OpportunityView {
        id: r.id,
        customer_id: o.customer_id,
        customer_name,
        title: o.title,
        stage: o.stage,
        amount: o.amount,
        currency: o.currency,
        expected_close: o.expected_close,
        owner: o.owner_id.map(|id| Named {
            id,
            name: owners.get(&id).cloned().unwrap_or_default(),
        }),
        version: r.meta.version,
    })
}

pub fn opportunities(
    k: &Kontor,
    p: &Principal,
    q: OpportunityQuery,
) -> AppResult<Vec<OpportunityView>> {
    let scope = p.require(Module::Crm, Action::Read)?;
    let wanted = kit::list_scope(q.scope.as_deref(), scope)?;
    k.store.read(|tx| {
        if let Some(c) = q.customer_id {
            guard::open::<Customer>(tx, p, c, Action::Read)?;
        }
        // One customer's deals are all shown to whoever reads the customer; otherwise the
        // deals of the owners the scope reaches.
        let source = match q.customer_id {
            Some(c) => Source::key("customer", IndexKey::new().u64(c)),
            None => Source::owners("owner", p.owners_in(wanted)),
        };
        Query::<Opportunity>::new(source, Paging::everything())
            .filter_if(q.stage.is_some(), |r| {
                q.stage.is_none_or(|s| r.data.stage == s)
            })
            .run(tx)?
            .items
            .into_iter()
            .map(|r| opportunity_view(tx, r))
            .collect()
    })
}

pub fn save_opportunity(
    k: &Kontor,
    p: &Principal,
    id: Option<u64>,
    input: OpportunityInput,
) -> AppResult<OpportunityView> {
    let currency = input
        .currency
        .as_deref()
        .map(|c| validate::currency("currency", c))
        .transpose()?;
    let title = input
        .title
        .as_deref()
        .map(|t| validate::text("title", t, 200))
        .transpose()?;
    if input.amount.is_some_and(|a| a.is_sign_negative()) {
        return Err(AppError::invalid(
            "amount",
            Msg::new("金额不能为负数。", "The amount cannot be negative."),
        ));
    }
    let (actor, principal) = (p.actor(), p.clone());
    k.store.write(move |tx| {
        let r = match id {
            None => {
                let customer_id = input
                    .customer_id
                    .ok_or_else(|| AppError::required("customer_id"))?;
                let c = guard::open::<Customer>(tx, &principal, customer_id, Action::Update)?;
                let base = crate::domain::company::company(tx)?
                    .map(|c| c.data.base_currency)
                    .unwrap_or_else(|| "USD".into());
                tx.insert(
                    &actor,
                    Opportunity {
                        customer_id,
                        title: title.ok_or_else(|| AppError::required("title"))?,
                        stage: input.stage.unwrap_or(Stage::New),
                        amount: input.amount,
                        currency: currency.unwrap_or(base),
                        expected_close: input.expected_close,
                        owner_id: c.data.owner_id,
                        lead_id: None,
                    },
                )?
            }
            Some(id) => {
                let version = input.version.ok_or_else(|| AppError::required("version"))?;
                let o = tx.get_live::<Opportunity>(id)?;
                guard::open::<Customer>(tx, &principal, o.data.customer_id, Action::Update)?;
                tx.update::<Opportunity, AppError>(&actor, id, Some(version), |o| {
                    if let Some(t) = title {
                        o.title = t;
                    }
                    if let Some(s) = input.stage {
                        o.stage = s;
                    }
                    if input.amount.is_some() {
                        o.amount = input.amount;
                    }
                    if let Some(c) = currency {
                        o.currency = c;
                    }
                    if input.expected_close.is_some() {
                        o.expected_close = input.expected_close;
                    }
                    Ok(())
                })?
            }
        };
        if r.data.stage == Stage::Won && input.stage == Some(Stage::Won) {
            let now = tx.now();
            tx.update::<Customer, AppError>(&actor, r.data.customer_id, None, |c| {
                c.status = CustomerStatus::Customer;
                c.last_deal_at = Some(now);
                Ok(())
            })?;
            super::tasks::on_deal_won(tx, &actor, r.data.customer_id, r.id)?;
        }
        opportunity_view(tx, r)
    })
}
