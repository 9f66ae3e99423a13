//! The customer archive (CRM-1) and its contacts (the decision chain).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::auth::{Action, Module, Principal, Scope, User};
use crate::error::{AppError, AppResult, Msg};
use crate::search::Visibility;
use crate::search::text::fold;
use crate::store::{Actor, Entity, IndexKey, Record, Tx};

use super::active_owner;
use super::model::{Contact, Customer, CustomerStatus, Pool};
use crate::domain::accounts::Named;
use crate::domain::dedup::check::Probe;
use crate::domain::kit::{self, Query, Source, guard};
use crate::domain::kit::{List, names};
use crate::domain::{Kontor, Paging, countries, validate};

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct CustomerView {
    pub id: u64,
    pub name: String,
    pub name_alt: Option<String>,
    pub country: Option<String>,
    pub country_name: Option<String>,
    /// The buyer's zone (set, or from the country).
    pub time_zone: Option<String>,
    /// The buyer's local time now, RFC 3339 with offset.
    pub local_time: Option<String>,
    pub address: Option<String>,
    pub website: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub source: Option<String>,
    pub tier: Option<String>,
    pub tags: Vec<String>,
    pub owner: Option<Named>,
    pub team_id: Option<u64>,
    pub pool_id: Option<u64>,
    pub in_pool: bool,
    pub purchase_preferences: Option<String>,
    pub payment_behaviour: Option<String>,
    pub custom: BTreeMap<String, String>,
    pub status: CustomerStatus,
    pub locked: bool,
    pub key_account: bool,
    pub last_followup_at: Option<DateTime<Utc>>,
    pub last_deal_at: Option<DateTime<Utc>>,
    pub owned_since: Option<DateTime<Utc>>,
    #[schema(value_type = Option<String>)]
    pub annual_purchases: Option<Decimal>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: u64,
}

#[derive(Clone, Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CustomerInput {
    pub name: String,
    pub name_alt: Option<String>,
    pub country: Option<String>,
    pub time_zone: Option<String>,
    pub address: Option<String>,
    pub website: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub source: Option<String>,
    pub tier: Option<String>,
    #[serde(default)]
    pub tags: Vec<String>,
    /// Defaults to the creator. Managers may name another active user.
    pub owner_id: Option<u64>,
    pub purchase_preferences: Option<String>,
    pub payment_behaviour: Option<String>,
    #[serde(default)]
    pub custom: BTreeMap<String, String>,
    #[serde(default)]
    pub locked: bool,
    #[serde(default)]
    pub key_account: bool,
    /// Contacts created with the customer.
    #[serde(default)]
    pub contacts: Vec<ContactInput>,
}

/// A change to a customer: absent fields stay, an empty string clears a text field.
#[derive(Clone, Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CustomerPatch {
    pub version: u64,
    pub name: Option<String>,
    pub name_alt: Option<String>,
    pub country: Option<String>,
    pub time_zone: Option<String>,
    pub address: Option<String>,
    pub website: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub source: Option<String>,
    pub tier: Option<String>,
    pub tags: Option<Vec<String>>,
    pub purchase_preferences: Option<String>,
    pub payment_behaviour: Option<String>,
    pub custom: Option<BTreeMap<String, String>>,
    pub status: Option<CustomerStatus>,
    pub locked: Option<bool>,
    pub key_account: Option<bool>,
    #[schema(value_type = Option<String>)]
    #[serde(default, with = "rust_decimal::serde::str_option")]
    pub annual_purchases: Option<Decimal>,
}

#[derive(Clone, Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CustomerQuery {
    /// Search text, through the search index: words of the name, second name, address and
    /// tags in any language (Chinese names also by pinyin; the last word may be a prefix; one
    /// typo when nothing matches as typed), or the start of an e-mail, website or phone number.
    /// At most 200 characters.
    pub q: Option<String>,
    pub owner_id: Option<u64>,
    pub team_id: Option<u64>,
    pub country: Option<String>,
    pub tier: Option<String>,
    pub tag: Option<String>,
    pub source: Option<String>,
    pub status: Option<CustomerStatus>,
    /// `mine` (default for reps), `team`, `all`.
    pub scope: Option<String>,
    /// `created` (default: newest first), `updated`, `name`, `last_followup`.
    pub sort: Option<String>,
    /// `desc` (default) or `asc`.
    pub order: Option<String>,
    pub page: Option<u64>,
    pub per_page: Option<u64>,
}

fn local_time(tz: Option<&str>) -> Option<String> {
    let tz: chrono_tz::Tz = tz?.parse().ok()?;
    Some(
        Utc::now()
            .with_timezone(&tz)
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
    )
}

pub fn view(
    r: Record<Customer>,
    owners: &BTreeMap<u64, String>,
    lang: crate::i18n::Lang,
) -> CustomerView {
    let c = r.data;
    let country = c.country.as_deref().and_then(countries::find);
    let tz = c
        .time_zone
        .clone()
        .or_else(|| country.and_then(|c| c.tz).map(str::to_string));
    CustomerView {
        id: r.id,
        country_name: country.map(|c| c.name(lang).to_string()),
        local_time: local_time(tz.as_deref()),
        time_zone: tz,
        owner: c.owner_id.map(|id| Named {
            id,
            name: owners.get(&id).cloned().unwrap_or_default(),
        }),
        in_pool: c.owner_id.is_none(),
        name: c.name,
        name_alt: c.name_alt,
        country: c.country,
        address: c.address,
        website: c.website,
        email: c.email,
        phone: c.phone,
        source: c.source,
        tier: c.tier,
        tags: c.tags,
        team_id: c.team_id,
        pool_id: c.pool_id,
        purchase_preferences: c.purchase_preferences,
        payment_behaviour: c.payment_behaviour,
        custom: c.custom,
        status: c.status,
        locked: c.locked,
        key_account: c.key_account,
        last_followup_at: c.last_followup_at,
        last_deal_at: c.last_deal_at,
        owned_since: c.owned_since,
        annual_purchases: c.annual_purchases,
        created_at: r.meta.created_at,
        updated_at: r.meta.updated_at,
        version: r.meta.version,
    }
}

fn one_view(tx: &Tx, r: Record<Customer>, lang: crate::i18n::Lang) -> AppResult<CustomerView> {
    let owners = names(tx, r.data.owner_id)?;
    Ok(view(r, &owners, lang))
}

/// The key two spellings of one company share, for the owner-conflict check. Duplicate
/// detection proper (legal forms, pinyin, domains, phones) is CRM-7's.
pub fn name_key(name: &str) -> String {
    fold(name).chars().filter(|c| c.is_alphanumeric()).collect()
}

fn opt(field: &str, v: Option<&str>, max: usize) -> AppResult<Option<String>> {
    validate::optional_text(field, v, max)
}

fn clean_tags(tags: Vec<String>) -> AppResult<Vec<String>> {
    let mut out: Vec<String> = Vec::new();
    for t in tags {
        if let Some(t) = opt("tags", Some(&t), 30)?
            && !out.contains(&t)
        {
            out.push(t);
        }
    }
    if out.len() > 30 {
        return Err(AppError::invalid(
            "tags",
            Msg::new("标签不能超过 30 个。", "At most 30 tags."),
        ));
    }
    Ok(out)
}

fn clean_custom(custom: BTreeMap<String, String>) -> AppResult<BTreeMap<String, String>> {
    if custom.len() > 50 {
        return Err(AppError::invalid(
            "custom",
            Msg::new("自定义字段不能超过 50 个。", "At most 50 custom fields."),
        ));
    }
    let mut out = BTreeMap::new();
    for (k, v) in custom {
        let key = validate::text("custom", &k, 40)?;
        if let Some(v) = opt(&format!("custom.{key}"), Some(&v), 500)? {
            out.insert(key, v);
        }
    }
    Ok(out)
}

pub fn default_pool(tx: &Tx) -> AppResult<Option<u64>> {
    let mut found = None;
    tx.for_each::<Pool>(false, &mut |r| {
        if r.data.is_default || found.is_none() {
            found = Some(r.id);
        }
        Ok(!r.data.is_default)
    })?;
    Ok(found)
}

/// A new customer as the rules make it, before it is written: checked fields, the defaults of a
/// new customer, its contacts. The form, the import and lead conversion all make new customers
/// through this and [`insert_new`], so their rules cannot drift apart.
#[derive(Clone, Debug)]
pub struct NewCustomer {
    pub customer: Customer,
    pub contacts: Vec<Contact>,
}

impl NewCustomer {
    /// Checks `input` (errors name the field: `email`, `contacts[0].emails[1]`). The owner is
    /// `input.owner_id`, else `default_owner`; whether the caller may name that owner is the
    /// caller's check.
    pub fn check(input: CustomerInput, default_owner: u64) -> AppResult<NewCustomer> {
        let name = validate::text("name", &input.name, 200)?;
        let contacts = input
            .contacts
            .into_iter()
            .enumerate()
            .map(|(i, c)| check_contact(&format!("contacts[{i}]."), c))
            .collect::<AppResult<Vec<_>>>()?;
        let customer = Customer {
            name_key: name_key(&name),
            name,
            name_alt: opt("name_alt", input.name_alt.as_deref(), 200)?,
            country: validate::optional_country("country", input.country.as_deref())?,
            time_zone: input
                .time_zone
                .as_deref()
                .filter(|t| !t.trim().is_empty())
                .map(|t| validate::time_zone("time_zone", t))
                .transpose()?,
            address: opt("address", input.address.as_deref(), 500)?,
            website: validate::optional_website("website", input.website.as_deref())?,
            email: validate::optional_email("email", input.email.as_deref())?,
            phone: opt("phone", input.phone.as_deref(), 40)?,
            source: opt("source", input.source.as_deref(), 60)?,
            tier: opt("tier", input.tier.as_deref(), 20)?,
            tags: clean_tags(input.tags)?,
            owner_id: Some(input.owner_id.unwrap_or(default_owner)),
            team_id: None,
            pool_id: None,
            purchase_preferences: opt(
                "purchase_preferences",
                input.purchase_preferences.as_deref(),
                1000,
            )?,
            payment_behaviour: opt(
                "payment_behaviour",
                input.payment_behaviour.as_deref(),
                1000,
            )?,
            custom: clean_custom(input.custom)?,
            status: CustomerStatus::Prospect,
            locked: input.locked,
            key_account: input.key_account,
            last_followup_at: None,
            last_deal_at: None,
            owned_since: None,
            annual_purchases: None,
        };
        Ok(NewCustomer { customer, contacts })
    }

    pub fn owner(&self) -> u64 {
        self.customer.owner_id.unwrap_or_default()
    }

    /// What the duplicate check compares it by.
    pub fn probe(&self) -> Probe {
        let c = &self.customer;
        Probe {
            name: Some(c.name.clone()),
            name_alt: c.name_alt.clone(),
            email: c.email.clone(),
            phone: c.phone.clone(),
            website: c.website.clone(),
            country: c.country.clone(),
            exclude_customer: None,
            owner_id: c.owner_id,
        }
    }
}

/// What the new customers of one transaction share, read once (an import writes a thousand
/// customers per transaction).
pub struct NewCustomerDefaults {
    pool: Option<u64>,
    /// The company's country, for contacts of customers without one.
    region: String,
    /// Each owner's first team.
    teams: HashMap<u64, Option<u64>>,
    cadence: super::tasks::NewCustomerRules,
}

impl NewCustomerDefaults {
    pub fn load(tx: &Tx) -> AppResult<NewCustomerDefaults> {
        Ok(NewCustomerDefaults {
            pool: default_pool(tx)?,
            region: crate::domain::company::default_country(tx)?,
            teams: HashMap::new(),
            cadence: super::tasks::NewCustomerRules::load(tx)?,
        })
    }
}

/// Writes a new customer in the caller's transaction with what every new customer gets: an
/// active owner (else an error on `owner_id`), the owner's team, owned since now, the default
/// pool (where it goes if released), its contacts (the first one primary, with the customer's
/// owner and phone region) and the cadence tasks for new customers. Returns the record and the
/// contacts' ids. The duplicate check is the caller's: the form enforces it, an import plans
/// it per row.
pub fn insert_new(
    tx: &mut Tx,
    actor: &Actor,
    d: &mut NewCustomerDefaults,
    new: NewCustomer,
) -> AppResult<(Record<Customer>, Vec<u64>)> {
    // A customer without an owner goes straight to the default pool (an import for the pool).
    let owner = new.customer.owner_id;
    let team = match owner {
        None => None,
        Some(owner) => match d.teams.get(&owner) {
            Some(t) => *t,
            None => {
                active_owner(tx, "owner_id", owner)?;
                let t = tx.get_live::<User>(owner)?.data.team_ids.first().copied();
                d.teams.insert(owner, t);
                t
            }
        },
    };
    let mut customer = new.customer;
    customer.team_id = team;
    customer.owned_since = owner.map(|_| tx.now());
    customer.pool_id = d.pool;
    let region = customer.country.clone().unwrap_or_else(|| d.region.clone());
    let record = tx.insert(actor, customer)?;
    let mut contact_ids = Vec::new();
    for (i, mut contact) in new.contacts.into_iter().enumerate() {
        contact.customer_id = record.id;
        contact.owner_id = owner;
        contact.primary = i == 0;
        contact.region = Some(region.clone());
        contact_ids.push(tx.insert(actor, contact)?.id);
    }
    if owner.is_none() {
        return Ok((record, contact_ids));
    }
    super::tasks::on_new_customer(tx, actor, &d.cadence, &record)?;
    Ok((record, contact_ids))
}

pub fn create(k: &Kontor, p: &Principal, input: CustomerInput) -> AppResult<CustomerView> {
    let scope = p.require(Module::Crm, Action::Create)?;
    let new = NewCustomer::check(input, p.user_id)?;
    let owner = new.owner();
    if owner != p.user_id && !p.reaches(scope, Some(owner)) {
        return Err(AppError::forbidden().on_field("owner_id"));
    }
    lock_fields(
        p,
        Some(owner),
        (false, false),
        (new.customer.locked, new.customer.key_account),
    )?;
    let (actor, lang, principal) = (p.actor(), p.lang, p.clone());
    let prechecked = crate::domain::dedup::check::precheck(k, p, &new.probe())?;
    k.store.write(move |tx| {
        active_owner(tx, "owner_id", owner)?;
        crate::domain::dedup::check::enforce_prechecked(tx, &principal, &new.probe(), prechecked)?;
        let mut defaults = NewCustomerDefaults::load(tx)?;
        let (record, _) = insert_new(tx, &actor, &mut defaults, new)?;
        one_view(tx, record, lang)
    })
}

pub fn get(k: &Kontor, p: &Principal, id: u64) -> AppResult<CustomerView> {
    k.store.read(|tx| {
        let r = guard::open::<Customer>(tx, p, id, Action::Read)?;
        one_view(tx, r, p.lang)
    })
}

/// What a customer list asks for, beyond scope and paging: the owner, team, country, tier,
/// source, tag, status and text filters. The list and the export read customers through it.
///
/// The search text `q` goes through the search index (as the search box does: words in any
/// language, pinyin for Chinese names, a prefix for the last word, e-mail, website and phone
/// digits, one typo when nothing matches as typed), limited to the scope asked for. The other
/// filters, the sort, paging and the total are applied to the matching records as stored now.
/// A customer created or renamed a moment ago, before the indexer's next commit, is matched on
/// its record (see [`crate::domain::search::matching_ids`]), so the list is exact at once.
pub struct CustomerFilter<'q> {
    q: &'q CustomerQuery,
    /// The data scope the caller asked for, within what they were granted.
    pub wanted: Scope,
    country: Option<String>,
    /// The customers the search text matches (in id order), when there is one.
    found: Option<BTreeSet<u64>>,
}

impl<'q> CustomerFilter<'q> {
    pub fn new(
        k: &Kontor,
        p: &Principal,
        q: &'q CustomerQuery,
        granted: Scope,
    ) -> AppResult<CustomerFilter<'q>> {
        let wanted = kit::list_scope(q.scope.as_deref(), granted)?;
        let found = match kit::needle(q.q.as_deref()) {
            None => None,
            Some(_) => {
                // Listed customers always have an owner (those in a pool are listed there).
                let visibility = match (p.owners_in(wanted), q.owner_id) {
                    (_, Some(0)) => Visibility::Owners(Vec::new()),
                    (None, None) => Visibility::AnyOwner,
                    (None, Some(o)) => Visibility::Owners(vec![o]),
                    (Some(owners), None) => Visibility::Owners(owners),
                    (Some(owners), Some(o)) => {
                        Visibility::Owners(owners.into_iter().filter(|x| *x == o).collect())
                    }
                };
                let text = q.q.as_deref().unwrap_or("");
                Some(crate::domain::search::matching_ids::<Customer>(
                    k, text, visibility,
                )?)
            }
        };
        Ok(CustomerFilter {
            q,
            wanted,
            country: q.country.as_deref().map(str::to_ascii_uppercase),
            found,
        })
    }

    /// Whether anything but the owner narrows the list (else counted indexes answer it).
    pub fn narrows(&self) -> bool {
        let q = self.q;
        q.team_id.is_some()
            || self.country.is_some()
            || q.tier.is_some()
            || q.source.is_some()
            || q.tag.is_some()
            || q.status.is_some()
            || self.found.is_some()
    }

    /// The customers the search text found (ascending ids), when there is one: a list with a
    /// search text reads only these.
    pub fn found(&self) -> Option<&BTreeSet<u64>> {
        self.found.as_ref()
    }

    /// Whether `r` is in the list the caller `p` asked for.
    pub fn matches(&self, p: &Principal, r: &Record<Customer>) -> bool {
        let q = self.q;
        let c = &r.data;
        c.owner_id.is_some()
            && p.reaches(self.wanted, c.owner_id)
            && q.owner_id.is_none_or(|o| c.owner_id == Some(o))
            && q.team_id.is_none_or(|t| c.team_id == Some(t))
            && self
                .country
                .as_deref()
                .is_none_or(|x| c.country.as_deref() == Some(x))
            && q.tier
                .as_deref()
                .is_none_or(|x| c.tier.as_deref() == Some(x))
            && q.source
                .as_deref()
                .is_none_or(|x| c.source.as_deref() == Some(x))
            && q.tag
                .as_deref()
                .is_none_or(|x| c.tags.iter().any(|t| t == x))
            && q.status.is_none_or(|s| c.status == s)
            && self.found.as_ref().is_none_or(|f| f.contains(&r.id))
    }
}

pub fn list(k: &Kontor, p: &Principal, q: CustomerQuery) -> AppResult<List<CustomerView>> {
    let scope = p.require(Module::Crm, Action::Read)?;
    let paging = Paging::new(q.page, q.per_page);
    let list_filter = CustomerFilter::new(k, p, &q, scope)?;
    let order = order(q.sort.as_deref(), q.order.as_deref() == Some("asc"))?;
    // Where the customers come from: the ones the search text found; one owner's (a rep's
    // own list, or an owner filter); the owners a scope reaches; or every owned customer
    // (customers in a pool are listed there, never here: owner 0).
    let source = match (
        list_filter.found(),
        p.owners_in(list_filter.wanted),
        q.owner_id,
    ) {
        (Some(found), _, _) => Source::Ids(found.iter().copied().collect()),
        (_, _, Some(0)) => Source::Ids(Vec::new()),
        (None, None, None) => Source::key("owned", IndexKey::new()),
        (None, None, Some(o)) => Source::key("owner", IndexKey::new().u64(o)),
        (None, Some(owners), asked) => Source::owners(
            "owner",
            Some(
                owners
                    .into_iter()
                    .filter(|o| asked.is_none_or(|a| a == *o))
                    .collect(),
            ),
        ),
    };
    k.store.read(|tx| {
        // Filters beyond the source's owners; without them, counted indexes give the page
        // and the total without reading the rest.
        let query = Query::<Customer>::new(source, paging)
            .filter_if(list_filter.narrows(), |r| list_filter.matches(p, r));
        let query = match order {
            Some((by, ascending)) => query.order_by(by, ascending),
            None => query,
        };
        let page = query.run(tx)?;
        let owners = names(tx, page.items.iter().filter_map(|r| r.data.owner_id))?;
        page.try_map(|r| Ok(view(r, &owners, p.lang)))
    })
}

type ByCustomer = fn(&Record<Customer>, &Record<Customer>) -> std::cmp::Ordering;

/// How a list is sorted: `None` for newest first (the default, the cheap way).
fn order(by: Option<&str>, asc: bool) -> AppResult<Option<(ByCustomer, bool)>> {
    let cmp: ByCustomer = match by.unwrap_or("created") {
        "created" if !asc => return Ok(None),
        "created" => |a, b| a.meta.created_at.cmp(&b.meta.created_at),
        "updated" => |a, b| a.meta.updated_at.cmp(&b.meta.updated_at),
        "name" => |a, b| a.data.name_key.cmp(&b.data.name_key),
        "last_followup" => |a, b| a.data.last_followup_at.cmp(&b.data.last_followup_at),
        other => {
            return Err(AppError::invalid(
                "sort",
                Msg::new(
                    format!("不能按 {other} 排序。"),
                    format!("Cannot sort by {other}."),
                ),
            ));
        }
    };
    Ok(Some((cmp, asc)))
}

pub(crate) fn matches_text(c: &Customer, needle: &str, digits: &str) -> bool {
    let hay = fold(&format!(
        "{} {} {} {} {}",
        c.name,
        c.name_alt.as_deref().unwrap_or(""),
        c.email.as_deref().unwrap_or(""),
        c.website.as_deref().unwrap_or(""),
        c.tags.join(" ")
    ));
    hay.contains(needle)
        || (digits.len() >= 5
            && c.phone.as_deref().is_some_and(|ph| {
                ph.chars()
                    .filter(|c| c.is_ascii_digit())
                    .collect::<String>()
                    .contains(digits)
            }))
}

fn apply_text(
    field: &str,
    target: &mut Option<String>,
    value: Option<String>,
    max: usize,
) -> AppResult<()> {
    if let Some(v) = value {
        *target = opt(field, Some(&v), max)?;
    }
    Ok(())
}

pub fn update(k: &Kontor, p: &Principal, id: u64, patch: CustomerPatch) -> AppResult<CustomerView> {
    let name = patch
        .name
        .as_deref()
        .map(|n| validate::text("name", n, 200))
        .transpose()?;
    let website = patch
        .website
        .as_deref()
        .map(|w| validate::optional_website("website", Some(w)))
        .transpose()?;
    let email = patch
        .email
        .as_deref()
        .map(|e| validate::optional_email("email", Some(e)))
        .transpose()?;
    let country = patch
        .country
        .as_deref()
        .map(|c| validate::optional_country("country", Some(c)))
        .transpose()?;
    let time_zone = match patch.time_zone.as_deref().map(str::trim) {
        Some("") => Some(None),
        Some(t) => Some(Some(validate::time_zone("time_zone", t)?)),
        None => None,
    };
    let tags = patch.tags.clone().map(clean_tags).transpose()?;
    let custom = patch.custom.clone().map(clean_custom).transpose()?;
    let (actor, principal) = (p.actor(), p.clone());
    k.store.write(move |tx| {
        let before = guard::open::<Customer>(tx, &principal, id, Action::Update)?;
        lock_fields(
            &principal,
            before.data.owner_id,
            (before.data.locked, before.data.key_account),
            (
                patch.locked.unwrap_or(before.data.locked),
                patch.key_account.unwrap_or(before.data.key_account),
            ),
        )?;
        let r = tx.update::<Customer, AppError>(&actor, id, Some(patch.version), |c| {
            if let Some(n) = name {
                c.name_key = name_key(&n);
                c.name = n;
            }
            apply_text("name_alt", &mut c.name_alt, patch.name_alt, 200)?;
            apply_text("address", &mut c.address, patch.address, 500)?;
            apply_text("phone", &mut c.phone, patch.phone, 40)?;
            apply_text("source", &mut c.source, patch.source, 60)?;
            apply_text("tier", &mut c.tier, patch.tier, 20)?;
            apply_text(
                "purchase_preferences",
                &mut c.purchase_preferences,
                patch.purchase_preferences,
                1000,
            )?;
            apply_text(
                "payment_behaviour",
                &mut c.payment_behaviour,
                patch.payment_behaviour,
                1000,
            )?;
            if let Some(w) = website {
                c.website = w;
            }
            if let Some(e) = email {
                c.email = e;
            }
            if let Some(x) = country {
                c.country = x;
            }
            if let Some(t) = time_zone {
                c.time_zone = t;
            }
            if let Some(t) = tags {
                c.tags = t;
            }
            if let Some(x) = custom {
                c.custom = x;
            }
            if let Some(s) = patch.status {
                c.status = s;
            }
            if let Some(l) = patch.locked {
                c.locked = l;
            }
            if let Some(x) = patch.key_account {
                c.key_account = x;
            }
            if patch.annual_purchases.is_some() {
                c.annual_purchases = patch.annual_purchases;
            }
            Ok(())
        })?;
        let c = &r.data;
        let identity_changed = (&c.name, &c.email, &c.phone, &c.website)
            != (
                &before.data.name,
                &before.data.email,
                &before.data.phone,
                &before.data.website,
            );
        if c.country != before.data.country {
            super::sync_contact_regions(tx, &actor, id)?;
        }
        if identity_changed {
            let probe = Probe {
                name: Some(c.name.clone()),
                name_alt: c.name_alt.clone(),
                email: c.email.clone(),
                phone: c.phone.clone(),
                website: c.website.clone(),
                country: c.country.clone(),
                exclude_customer: Some(id),
                owner_id: c.owner_id,
            };
            crate::domain::dedup::check::enforce(tx, &principal, &probe)?;
        }
        one_view(tx, r, principal.lang)
    })
}

/// Setting or clearing `locked` or `key_account` (from `was` to `is`) needs the lock right over
/// the customer's owner; sending the value it has is no change.
fn lock_fields(
    p: &Principal,
    owner: Option<u64>,
    was: (bool, bool),
    is: (bool, bool),
) -> AppResult<()> {
    if was.0 != is.0 {
        super::may_lock(p, owner, "locked")?;
    }
    if was.1 != is.1 {
        super::may_lock(p, owner, "key_account")?;
    }
    Ok(())
}

/// Moves a customer to the recycle bin: the customers' own delete right (managers by default).
pub fn delete(k: &Kontor, p: &Principal, id: u64, version: Option<u64>) -> AppResult<()> {
    let (actor, principal) = (p.actor(), p.clone());
    k.store.write(move |tx| {
        guard::open::<Customer>(tx, &principal, id, Action::DeleteCustomer)?;
        tx.delete::<Customer>(&actor, id, version)?;
        Ok(())
    })
}

/// Moves a customer to another rep (managers: assign scope).
pub fn transfer(k: &Kontor, p: &Principal, id: u64, to_user: u64) -> AppResult<CustomerView> {
    let (actor, principal) = (p.actor(), p.clone());
    k.store.write(move |tx| {
        let scope = principal.require(Module::Crm, Action::Assign)?;
        let c = guard::open::<Customer>(tx, &principal, id, Action::Read)?;
        if !principal.reaches(scope, c.data.owner_id) || !principal.reaches(scope, Some(to_user)) {
            return Err(AppError::forbidden());
        }
        active_owner(tx, "to_user", to_user)?;
        move_customer(tx, &actor, &c, to_user)?;
        if to_user != principal.user_id {
            use crate::domain::notify::{Message, NotifyKind, RecordRef, notify};
            notify(
                tx,
                to_user,
                NotifyKind::CustomerAssigned,
                Some(RecordRef::of::<Customer>(id)),
                Message::new("customer.assigned")
                    .user("actor", principal.user_id)
                    .record::<Customer>("customer", id, None),
            )?;
        }
        let r = tx.get_live::<Customer>(id)?;
        one_view(tx, r, principal.lang)
    })
}

/// Gives a customer to `to_user` with what follows it (contacts, timeline), recorded as a
/// transfer (pool event and audit entry). The caller has checked who may do it; shared by a
/// manager's transfer and an accepted transfer request.
pub fn move_customer(
    tx: &mut Tx,
    actor: &Actor,
    c: &Record<Customer>,
    to_user: u64,
) -> AppResult<()> {
    let id = c.id;
    let from = c.data.owner_id;
    super::set_customer_owner(tx, actor, id, Some(to_user))?;
    if let Some(from) = from {
        super::pool::log_event(
            tx,
            actor,
            id,
            super::model::PoolEventKind::Transfer,
            from,
            None,
        )?;
    }
    tx.audit_event(
        actor,
        crate::store::AuditEvent {
            action: "transfer".into(),
            kind: Customer::KIND.into(),
            record_id: Some(id),
            title: c.data.name.clone(),
            changes: vec![crate::store::Change {
                field: "owner_id".into(),
                old: from.map(|f| f.to_string()),
                new: Some(to_user.to_string()),
            }],
        },
    )?;
    Ok(())
}

// ---- contacts -----------------------------------------------------------------------------------

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct ContactView {
    pub id: u64,
    pub customer_id: u64,
    pub name: String,
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
    pub version: u64,
}

#[derive(Clone, Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContactInput {
    /// Required when changing a contact: the version last seen.
    pub version: Option<u64>,
    pub name: String,
    pub role: Option<String>,
    pub title: Option<String>,
    #[serde(default)]
    pub phones: Vec<String>,
    #[serde(default)]
    pub emails: Vec<String>,
    pub whatsapp: Option<String>,
    pub wechat: Option<String>,
    pub skype: Option<String>,
    pub birthday: Option<NaiveDate>,
    pub notes: Option<String>,
}

fn contact_view(r: Record<Contact>) -> ContactView {
    let c = r.data;
    ContactView {
        id: r.id,
        customer_id: c.customer_id,
        name: c.name,
        role: c.role,
        title: c.title,
        phones: c.phones,
        emails: c.emails,
        whatsapp: c.whatsapp,
        wechat: c.wechat,
        skype: c.skype,
        birthday: c.birthday,
        notes: c.notes,
        primary: c.primary,
        version: r.meta.version,
    }
}

fn check_contact(prefix: &str, c: ContactInput) -> AppResult<Contact> {
    let f = |name: &str| format!("{prefix}{name}");
    let mut emails = Vec::new();
    for (i, e) in c.emails.iter().enumerate() {
        if let Some(e) = validate::optional_email(&f(&format!("emails[{i}]")), Some(e))? {
            emails.push(e);
        }
    }
    let mut phones = Vec::new();
    for (i, ph) in c.phones.iter().enumerate() {
        if let Some(ph) = opt(&f(&format!("phones[{i}]")), Some(ph), 40)? {
            phones.push(ph);
        }
    }
    if emails.len() > 10 || phones.len() > 10 {
        return Err(AppError::invalid(
            f("emails"),
            Msg::new(
                "邮箱和电话各不能超过 10 个。",
                "At most 10 e-mails and 10 phones.",
            ),
        ));
    }
    Ok(Contact {
        customer_id: 0,
        name: validate::text(&f("name"), &c.name, 100)?,
        role: opt(&f("role"), c.role.as_deref(), 40)?,
        title: opt(&f("title"), c.title.as_deref(), 100)?,
        phones,
        emails,
        whatsapp: opt(&f("whatsapp"), c.whatsapp.as_deref(), 60)?,
        wechat: opt(&f("wechat"), c.wechat.as_deref(), 60)?,
        skype: opt(&f("skype"), c.skype.as_deref(), 60)?,
        birthday: c.birthday,
        notes: opt(&f("notes"), c.notes.as_deref(), 2000)?,
        primary: false,
        owner_id: None,
        region: None,
    })
}

pub fn contacts(k: &Kontor, p: &Principal, customer_id: u64) -> AppResult<Vec<ContactView>> {
    k.store.read(|tx| {
        guard::open::<Customer>(tx, p, customer_id, Action::Read)?;
        let mut out = Vec::new();
        for id in
            tx.ids_by_index::<Contact>("customer", &IndexKey::new().u64(customer_id), false)?
        {
            if let Ok(c) = tx.get_live::<Contact>(id) {
                out.push(contact_view(c));
            }
        }
        out.sort_by_key(|c| (!c.primary, c.id));
        Ok(out)
    })
}

pub fn add_contact(
    k: &Kontor,
    p: &Principal,
    customer_id: u64,
    input: ContactInput,
) -> AppResult<ContactView> {
    let contact = check_contact("", input)?;
    let (actor, principal) = (p.actor(), p.clone());
    k.store.write(move |tx| {
        let c = guard::open::<Customer>(tx, &principal, customer_id, Action::Update)?;
        let first = tx
            .ids_by_index::<Contact>("customer", &IndexKey::new().u64(customer_id), false)?
            .is_empty();
        let contact = Contact {
            customer_id,
            owner_id: c.data.owner_id,
            primary: first,
            region: Some(super::contact_region(tx, &c.data)?),
            ..contact
        };
        Ok(contact_view(tx.insert(&actor, contact)?))
    })
}

fn contact_for(tx: &Tx, p: &Principal, id: u64, action: Action) -> AppResult<Record<Contact>> {
    let contact = tx.get_live::<Contact>(id)?;
    guard::open::<Customer>(tx, p, contact.data.customer_id, action)?;
    Ok(contact)
}

/// Replaces a contact's fields (`version` required).
pub fn update_contact(
    k: &Kontor,
    p: &Principal,
    id: u64,
    input: ContactInput,
) -> AppResult<ContactView> {
    let version = input.version.ok_or_else(|| AppError::required("version"))?;
    let fields = check_contact("", input)?;
    let (actor, principal) = (p.actor(), p.clone());
    k.store.write(move |tx| {
        contact_for(tx, &principal, id, Action::Update)?;
        let r = tx.update::<Contact, AppError>(&actor, id, Some(version), |c| {
            *c = Contact {
                customer_id: c.customer_id,
                owner_id: c.owner_id,
                primary: c.primary,
                region: c.region.clone(),
                ..fields
            };
            Ok(())
        })?;
        Ok(contact_view(r))
    })
}

pub fn delete_contact(k: &Kontor, p: &Principal, id: u64, version: Option<u64>) -> AppResult<()> {
    let (actor, principal) = (p.actor(), p.clone());
    k.store.write(move |tx| {
        contact_for(tx, &principal, id, Action::Update)?;
        tx.delete::<Contact>(&actor, id, version)?;
        Ok(())
    })
}

/// Whether the caller may read the customer (for other CRM modules).
pub fn readable(tx: &Tx, p: &Principal, c: &Customer) -> AppResult<bool> {
    guard::may::<Customer>(tx, p, c, Action::Read)
}
