//! Suppliers (INV-4): name, country, contacts, currency, payment terms, lead time, and their
//! prices per product (price, MOQ, lead time). The prices are a hidden field class
//! (`supplier_price`): a role that hides it never receives them, in any answer or search hit,
//! and may not set them.
//!
//! A supplier's records belong to its portal login (`portal_user_id`, a user with the external
//! supplier role): that user's own scope reaches this supplier and its confirmed purchase
//! orders, nothing else. A supplier without a portal login is read and changed with scope
//! `all` (every internal preset that reads purchasing has it).
//!
//! Duplicate check on create and rename: the same normalised name (the CRM's company-name key:
//! legal suffixes, case, width and script folded) in the same country, or the same contact
//! e-mail, is refused with 409 naming the supplier that exists.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::purchase::{self, SupplierFigures};
use super::{conflict, invalid, quantity};
use crate::auth::{Action, FieldClass, Module, Principal, Scope};
use crate::domain::crm::active_owner;
use crate::domain::dedup::{email_address, name_key};
use crate::domain::kit::{Guarded, List, Owner, Paging, Query, Source, guard, names, needle};
use crate::domain::money::{Currency, Money};
use crate::domain::sales::lines;
use crate::domain::{Kontor, modules, validate};
use crate::error::{AppError, AppResult, ErrorCode, Msg};
use crate::i18n::Lang;
use crate::search::SearchDoc;
use crate::store::{Entity, IndexDef, IndexKey, Meta, Record, Tx};

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SupplierContact {
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
}

/// The supplier's price for a product (hidden from roles that hide supplier prices).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PriceEntry {
    pub product_id: u64,
    pub price: Money,
    /// Minimum order quantity.
    #[serde(default, with = "rust_decimal::serde::str_option")]
    #[schema(value_type = Option<String>, example = "500")]
    pub moq: Option<Decimal>,
    /// Days from order to goods ready, for this product (else the supplier's).
    #[schema(maximum = 365)]
    pub lead_days: Option<u32>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Supplier {
    pub name: String,
    pub country: Option<String>,
    pub contacts: Vec<SupplierContact>,
    pub currency: Currency,
    pub payment_terms: Option<String>,
    pub lead_days: Option<u32>,
    pub prices: Vec<PriceEntry>,
    /// The supplier's portal login: its records are this user's for own scope.
    pub portal_user_id: Option<u64>,
    pub active: bool,
}

impl Supplier {
    /// The quoted lead time for a product: its price's, else the supplier's.
    pub fn lead_for(&self, product: u64) -> Option<u32> {
        self.prices
            .iter()
            .find(|p| p.product_id == product)
            .and_then(|p| p.lead_days)
            .or(self.lead_days)
    }
    pub fn price_for(&self, product: u64) -> Option<&PriceEntry> {
        self.prices.iter().find(|p| p.product_id == product)
    }
}

fn dedup_keys(s: &Supplier) -> Vec<IndexKey> {
    let mut keys: Vec<IndexKey> = name_key(&s.name)
        .map(|k| IndexKey::new().str(&format!("n:{}:{k}", s.country.as_deref().unwrap_or(""))))
        .into_iter()
        .collect();
    keys.extend(
        s.contacts
            .iter()
            .filter_map(|c| c.email.as_deref().and_then(email_address))
            .map(|e| IndexKey::new().str(&format!("e:{e}"))),
    );
    keys.sort();
    keys.dedup();
    keys
}

impl Entity for Supplier {
    const KIND: &'static str = "supplier";
    const SEARCHABLE: bool = true;
    const SENSITIVE_FIELDS: &'static [(&'static str, &'static str)] =
        &[("prices", "supplier_price")];
    fn indexes() -> Vec<IndexDef<Self>> {
        vec![
            IndexDef::many("dedup", dedup_keys),
            IndexDef::many("product", |s: &Supplier| {
                s.prices
                    .iter()
                    .map(|p| IndexKey::new().u64(p.product_id))
                    .collect()
            }),
            IndexDef::many("owner", |s: &Supplier| {
                vec![IndexKey::new().u64(s.portal_user_id.unwrap_or(0))]
            })
            .counted(),
        ]
    }
    fn title(&self) -> String {
        self.name.clone()
    }
    fn owner(&self) -> Option<u64> {
        self.portal_user_id
    }
    /// Name, country and contacts; never the prices.
    fn search_doc(&self, _meta: &Meta) -> Option<SearchDoc> {
        Some(SearchDoc {
            title: self.name.clone(),
            subtitle: self.country.clone().unwrap_or_default(),
            text: self.contacts.iter().map(|c| c.name.clone()).collect(),
            exact: self
                .contacts
                .iter()
                .filter_map(|c| c.email.as_deref().and_then(email_address))
                .collect(),
            owner: self.portal_user_id,
        })
    }
}

impl Guarded for Supplier {
    const MODULE: Module = Module::Purchasing;
    const OWNER: Owner = Owner::Own;
    const HIDDEN: &'static [(&'static str, FieldClass)] =
        &[("prices[].price", FieldClass::SupplierPrice)];
    fn readable_unowned(&self, _tx: &Tx, p: &Principal) -> AppResult<bool> {
        Ok(p.scope(Module::Purchasing, Action::Read) == Scope::All)
    }
    fn set_owner(&mut self, owner: Option<u64>) {
        self.portal_user_id = owner;
    }
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct PriceView {
    pub product_id: u64,
    pub sku: String,
    /// Absent for roles that hide supplier prices.
    pub price: Money,
    #[schema(value_type = Option<String>)]
    pub moq: Option<String>,
    pub lead_days: Option<u32>,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct SupplierView {
    pub id: u64,
    pub name: String,
    pub country: Option<String>,
    pub contacts: Vec<SupplierContact>,
    pub currency: Currency,
    pub payment_terms: Option<String>,
    pub lead_days: Option<u32>,
    pub prices: Vec<PriceView>,
    pub portal_user_id: Option<u64>,
    pub portal_user_name: Option<String>,
    pub active: bool,
    /// Pass rate, on-time rate and actual lead time from its own receipts.
    pub figures: SupplierFigures,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: u64,
}

fn view(tx: &Tx, p: &Principal, r: Record<Supplier>) -> AppResult<serde_json::Value> {
    let figures = purchase::figures(tx, r.id)?;
    let s = r.data;
    let mut prices = Vec::with_capacity(s.prices.len());
    for e in &s.prices {
        prices.push(PriceView {
            product_id: e.product_id,
            sku: tx
                .get::<crate::domain::sales::products::Product>(e.product_id)?
                .map(|p| p.data.sku)
                .unwrap_or_default(),
            price: e.price,
            moq: e.moq.map(super::qty),
            lead_days: e.lead_days,
        });
    }
    let v = SupplierView {
        id: r.id,
        portal_user_name: names(tx, s.portal_user_id)?.into_values().next(),
        name: s.name,
        country: s.country,
        contacts: s.contacts,
        currency: s.currency,
        payment_terms: s.payment_terms,
        lead_days: s.lead_days,
        prices,
        portal_user_id: s.portal_user_id,
        active: s.active,
        figures,
        created_at: r.meta.created_at,
        updated_at: r.meta.updated_at,
        version: r.meta.version,
    };
    guard::show(p, Supplier::HIDDEN, &v)
}

#[derive(Clone, Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SupplierInput {
    pub name: Option<String>,
    pub country: Option<String>,
    pub contacts: Option<Vec<SupplierContact>>,
    /// ISO 4217; required on create.
    pub currency: Option<String>,
    pub payment_terms: Option<String>,
    #[schema(maximum = 365)]
    pub lead_days: Option<u32>,
    pub prices: Option<Vec<PriceEntry>>,
    /// `null` removes the portal login.
    #[serde(default, with = "crate::domain::patch_option")]
    #[schema(value_type = Option<u64>, nullable)]
    pub portal_user_id: Option<Option<u64>>,
    pub active: Option<bool>,
    pub version: Option<u64>,
}

fn lead(field: &str, days: u32) -> AppResult<u32> {
    if days > 365 {
        return Err(invalid(
            field,
            "交期不能超过 365 天。".into(),
            "The lead time cannot exceed 365 days.".into(),
        ));
    }
    Ok(days)
}

fn apply(tx: &Tx, s: &mut Supplier, input: &SupplierInput) -> AppResult<()> {
    if let Some(n) = &input.name {
        s.name = validate::text("name", n, 200)?;
    }
    if input.country.is_some() {
        s.country = validate::optional_country("country", input.country.as_deref())?;
    }
    if let Some(list) = &input.contacts {
        let mut out = Vec::with_capacity(list.len());
        for (i, c) in list.iter().enumerate() {
            out.push(SupplierContact {
                name: validate::text(&format!("contacts[{i}].name"), &c.name, 100)?,
                email: validate::optional_email(
                    &format!("contacts[{i}].email"),
                    c.email.as_deref(),
                )?,
                phone: validate::optional_text(
                    &format!("contacts[{i}].phone"),
                    c.phone.as_deref(),
                    40,
                )?,
            });
        }
        s.contacts = out;
    }
    if let Some(c) = &input.currency {
        s.currency = lines::currency("currency", c)?;
    }
    if let Some(t) = &input.payment_terms {
        s.payment_terms = validate::optional_text("payment_terms", Some(t), 200)?;
    }
    if let Some(d) = input.lead_days {
        s.lead_days = Some(lead("lead_days", d)?);
    }
    if let Some(list) = &input.prices {
        let mut out: Vec<PriceEntry> = Vec::with_capacity(list.len());
        for (i, e) in list.iter().enumerate() {
            let f = |x: &str| format!("prices[{i}].{x}");
            super::stock::product(tx, &f("product_id"), e.product_id)?;
            if out.iter().any(|o| o.product_id == e.product_id) {
                return Err(invalid(
                    &f("product_id"),
                    "每个产品只能有一个价格。".into(),
                    "One price per product.".into(),
                ));
            }
            if e.price.amount.is_sign_negative() {
                return Err(invalid(
                    &f("price.amount"),
                    "金额不能为负数。".into(),
                    "The amount cannot be negative.".into(),
                ));
            }
            out.push(PriceEntry {
                product_id: e.product_id,
                price: e.price,
                moq: match e.moq {
                    Some(m) => Some(quantity(&f("moq"), m)?),
                    None => None,
                },
                lead_days: match e.lead_days {
                    Some(d) => Some(lead(&f("lead_days"), d)?),
                    None => None,
                },
            });
        }
        s.prices = out;
    }
    if let Some(owner) = input.portal_user_id {
        if let Some(u) = owner {
            active_owner(tx, "portal_user_id", u)?;
        }
        s.portal_user_id = owner;
    }
    if let Some(a) = input.active {
        s.active = a;
    }
    Ok(())
}

/// A role that hides supplier prices may not set them.
fn refuse_hidden(p: &Principal, input: &SupplierInput) -> AppResult<()> {
    if input.prices.is_some() && p.hides(FieldClass::SupplierPrice) {
        let class = FieldClass::SupplierPrice;
        return Err(AppError::forbidden().on_field("prices").with_msg(Msg::new(
            format!("你的角色看不到“{}”，不能修改它。", class.name(Lang::Zh)),
            format!(
                "Your role does not see “{}” and cannot change it.",
                class.name(Lang::En)
            ),
        )));
    }
    Ok(())
}

/// Refuses a supplier whose normalised name (in the same country) or contact e-mail another
/// live supplier has, naming it.
fn refuse_duplicate(tx: &Tx, id: Option<u64>, s: &Supplier) -> AppResult<()> {
    for key in dedup_keys(s) {
        for other in tx.ids_by_index::<Supplier>("dedup", &key, false)? {
            if Some(other) == id {
                continue;
            }
            let Ok(o) = tx.get_live::<Supplier>(other) else {
                continue;
            };
            let field = if key.as_bytes().windows(2).any(|w| w == b"e:") {
                "contacts"
            } else {
                "name"
            };
            return Err(AppError::new(ErrorCode::Duplicate)
                .on_field(field)
                .with_msg(Msg::new(
                    format!("供应商“{}”（#{other}）已存在：同名同国家或同一联系邮箱。", o.data.name),
                    format!(
                        "Supplier “{}” (#{other}) already exists: the same name in the same country, or the same contact e-mail.",
                        o.data.name
                    ),
                )));
        }
    }
    Ok(())
}

pub fn create(k: &Kontor, p: &Principal, input: SupplierInput) -> AppResult<serde_json::Value> {
    p.require(Module::Purchasing, Action::Create)?;
    refuse_hidden(p, &input)?;
    let principal = p.clone();
    k.store.write(move |tx| {
        let p = &principal;
        if input.name.is_none() {
            return Err(AppError::required("name"));
        }
        let currency = input
            .currency
            .as_deref()
            .ok_or_else(|| AppError::required("currency"))?;
        let mut s = Supplier {
            name: String::new(),
            country: None,
            contacts: Vec::new(),
            currency: lines::currency("currency", currency)?,
            payment_terms: None,
            lead_days: None,
            prices: Vec::new(),
            portal_user_id: None,
            active: true,
        };
        apply(tx, &mut s, &input)?;
        refuse_duplicate(tx, None, &s)?;
        let r = guard::insert(tx, p, s)?;
        view(tx, p, r)
    })
}

pub fn get(k: &Kontor, p: &Principal, id: u64) -> AppResult<serde_json::Value> {
    k.store.read(|tx| {
        let r = guard::open::<Supplier>(tx, p, id, Action::Read)?;
        view(tx, p, r)
    })
}

/// Changes the fields given; a new portal login takes the supplier's confirmed purchase
/// orders along (they follow the supplier).
pub fn update(
    k: &Kontor,
    p: &Principal,
    id: u64,
    input: SupplierInput,
) -> AppResult<serde_json::Value> {
    let principal = p.clone();
    k.store.write(move |tx| {
        let p = &principal;
        let current = guard::open::<Supplier>(tx, p, id, Action::Update)?;
        refuse_hidden(p, &input)?;
        let mut next = current.data.clone();
        apply(tx, &mut next, &input)?;
        if input.portal_user_id.is_some()
            && p.scope(Module::Purchasing, Action::Update) != Scope::All
        {
            return Err(AppError::forbidden().on_field("portal_user_id"));
        }
        refuse_duplicate(tx, Some(id), &next)?;
        let (before, after) = (current.data.portal_user_id, next.portal_user_id);
        let r = tx.update::<Supplier, AppError>(&p.actor(), id, input.version, |s| {
            *s = next;
            Ok(())
        })?;
        if before != after {
            modules::owner_changed(tx, &p.actor(), Supplier::KIND, id, before, after)?;
        }
        view(tx, p, r)
    })
}

/// A supplier with purchase orders stays (they name it): it can be made inactive.
pub fn delete(k: &Kontor, p: &Principal, id: u64, version: Option<u64>) -> AppResult<()> {
    let principal = p.clone();
    k.store.write(move |tx| {
        guard::open::<Supplier>(tx, &principal, id, Action::Delete)?;
        if purchase::has_orders(tx, id)? {
            return Err(conflict(
                "id",
                "该供应商已有采购订单，不能删除；可将其停用。".into(),
                "This supplier has purchase orders and cannot be deleted; make it inactive instead."
                    .into(),
            ));
        }
        guard::delete::<Supplier>(tx, &principal, id, Action::Delete, version)
    })
}

#[derive(Clone, Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct SupplierQuery {
    /// Name or country contains this text.
    pub q: Option<String>,
    /// Only suppliers with a price for this product.
    pub product_id: Option<u64>,
    pub active: Option<bool>,
    pub page: Option<u64>,
    pub per_page: Option<u64>,
}

pub fn list(k: &Kontor, p: &Principal, q: SupplierQuery) -> AppResult<List<serde_json::Value>> {
    p.require(Module::Purchasing, Action::Read)?;
    let needle = needle(q.q.as_deref());
    k.store.read(|tx| {
        let source = match q.product_id {
            Some(pid) => Source::key("product", IndexKey::new().u64(pid)),
            None => Source::All,
        };
        let query = Query::<Supplier>::new(source, Paging::new(q.page, q.per_page))
            .filter_if(q.active.is_some(), |r| Some(r.data.active) == q.active)
            .filter_if(needle.is_some(), |r| {
                needle.as_deref().is_none_or(|n| {
                    crate::search::text::fold(&format!(
                        "{} {}",
                        r.data.name,
                        r.data.country.as_deref().unwrap_or("")
                    ))
                    .contains(n)
                })
            });
        guard::readable(tx, p, query)?
            .run(tx)?
            .try_map(|r| view(tx, p, r))
    })
}

/// One supplier of a product, as a buyer compares them: "A: 7 days, 98 %".
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Choice {
    pub supplier_id: u64,
    pub name: String,
    /// Quoted lead time for the product (its price's, else the supplier's).
    pub lead_days: Option<u32>,
    /// Absent for roles that hide supplier prices.
    pub price: Money,
    #[schema(value_type = Option<String>)]
    pub moq: Option<String>,
    pub figures: SupplierFigures,
    /// "A: 7 days, 98 %" in the caller's language.
    pub summary: String,
}

#[derive(Clone, Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ChoiceQuery {
    pub product_id: u64,
}

/// "A: 7 days, 98 %" / "A：7 天，合格率 98%".
pub fn summary(name: &str, lead: Option<u32>, f: &SupplierFigures, lang: Lang) -> String {
    let days = match lead {
        Some(d) => lang
            .pick(&format!("{d} 天"), &format!("{d} days"))
            .to_string(),
        None => lang.pick("交期未知", "lead time unknown").to_string(),
    };
    let rate = match &f.pass_rate {
        Some(r) => lang
            .pick(&format!("合格率 {r}%"), &format!("{r} %"))
            .to_string(),
        None => lang.pick("尚无检验", "not inspected yet").to_string(),
    };
    match lang {
        Lang::Zh => format!("{name}：{days}，{rate}"),
        Lang::En => format!("{name}: {days}, {rate}"),
    }
}

/// The active suppliers of a product the caller reads, shortest quoted lead time first (then
/// best pass rate), each with its figures.
pub fn choice(k: &Kontor, p: &Principal, q: ChoiceQuery) -> AppResult<serde_json::Value> {
    p.require(Module::Purchasing, Action::Read)?;
    k.store.read(|tx| {
        let rows = choices(tx, Some(p), q.product_id)?;
        guard::show(p, &[("price", FieldClass::SupplierPrice)], &rows)
    })
}

/// The suppliers with a price for a product (those `p` reads, or all), best first.
pub fn choices(tx: &Tx, p: Option<&Principal>, product: u64) -> AppResult<Vec<Choice>> {
    let lang = p.map(|p| p.lang).unwrap_or(Lang::En);
    let mut rows = Vec::new();
    let mut seen = BTreeMap::new();
    for id in tx.ids_by_index::<Supplier>("product", &IndexKey::new().u64(product), false)? {
        if seen.insert(id, ()).is_some() {
            continue;
        }
        let Ok(r) = tx.get_live::<Supplier>(id) else {
            continue;
        };
        if !r.data.active {
            continue;
        }
        if let Some(p) = p
            && !guard::may(tx, p, &r.data, Action::Read)?
        {
            continue;
        }
        let Some(entry) = r.data.price_for(product) else {
            continue;
        };
        let figures = purchase::figures(tx, id)?;
        let lead = r.data.lead_for(product);
        rows.push(Choice {
            supplier_id: id,
            summary: summary(&r.data.name, lead, &figures, lang),
            name: r.data.name.clone(),
            lead_days: lead,
            price: entry.price,
            moq: entry.moq.map(super::qty),
            figures,
        });
    }
    rows.sort_by(|a, b| {
        let lead = |c: &Choice| c.lead_days.unwrap_or(u32::MAX);
        lead(a)
            .cmp(&lead(b))
            .then(b.figures.pass_ratio.cmp(&a.figures.pass_ratio))
            .then(a.supplier_id.cmp(&b.supplier_id))
    });
    Ok(rows)
}

/// The live supplier `id` the caller reads (404 naming `field` otherwise).
pub fn open(tx: &Tx, p: &Principal, id: u64, action: Action) -> AppResult<Record<Supplier>> {
    guard::open::<Supplier>(tx, p, id, action).map_err(|e| e.on_field("supplier_id"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_choice_reads_as_a_buyer_says_it() {
        let f = |rate: Option<&str>| SupplierFigures {
            pass_rate: rate.map(str::to_string),
            ..SupplierFigures::default()
        };
        let table = [
            ("A", Some(7), Some("98"), Lang::En, "A: 7 days, 98 %"),
            ("B", Some(5), None, Lang::En, "B: 5 days, not inspected yet"),
            (
                "宁波灯具",
                Some(7),
                Some("97.5"),
                Lang::Zh,
                "宁波灯具：7 天，合格率 97.5%",
            ),
            ("C", None, Some("90"), Lang::Zh, "C：交期未知，合格率 90%"),
        ];
        for (name, lead, rate, lang, want) in table {
            assert_eq!(summary(name, lead, &f(rate), lang), want);
        }
    }

    #[test]
    fn the_duplicate_keys_are_the_name_in_its_country_and_the_emails() {
        let s = |name: &str, country: &str, email: &str| Supplier {
            name: name.into(),
            country: Some(country.into()),
            contacts: vec![SupplierContact {
                name: "Li".into(),
                email: Some(email.into()),
                phone: None,
            }],
            currency: Currency::CNY,
            payment_terms: None,
            lead_days: None,
            prices: Vec::new(),
            portal_user_id: None,
            active: true,
        };
        let a = dedup_keys(&s("Ningbo Lamp Co., Ltd.", "CN", "li@nblamp.cn"));
        let b = dedup_keys(&s("NINGBO LAMP CO LTD", "CN", "wang@other.cn"));
        let c = dedup_keys(&s("Ningbo Lamp Co., Ltd.", "VN", "x@y.vn"));
        let d = dedup_keys(&s("Other", "DE", "LI@nblamp.cn"));
        let shared = |x: &[IndexKey], y: &[IndexKey]| x.iter().any(|k| y.contains(k));
        assert!(shared(&a, &b), "same name in the same country");
        assert!(!shared(&a, &c), "same name in another country");
        assert!(shared(&a, &d), "same e-mail");
    }
}
