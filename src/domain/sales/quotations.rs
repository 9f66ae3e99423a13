//! Quotations (SAL-2): made for a customer (or one of its opportunities), numbered QT-YYYY-NNNN,
//! draft → sent → accepted / rejected / expired. Editing a draft changes it in place; changing a
//! quotation the customer has seen makes a new revision and keeps the old one readable. A job
//! expires the ones past their validity. A quotation follows its customer's owner.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::lines::{self, DocLang, Line, LineInput};
use crate::auth::{Action, FieldClass, Module, Principal};
use crate::domain::crm::company_today;
use crate::domain::crm::model::{Customer, Opportunity};
use crate::domain::kit::{Guarded, List, Owner, Paging, Query, Source, guard, names, needle};
use crate::domain::money::{Currency, Money};
use crate::domain::{Kontor, validate};
use crate::error::{AppError, AppResult, ErrorCode, Msg};
use crate::i18n::Lang;
use crate::search::SearchDoc;
use crate::store::{Actor, Entity, IndexDef, IndexKey, Meta, Record, Tx};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum QuoteStatus {
    Draft,
    Sent,
    Accepted,
    Rejected,
    Expired,
}

impl QuoteStatus {
    pub fn key(self) -> &'static str {
        match self {
            QuoteStatus::Draft => "draft",
            QuoteStatus::Sent => "sent",
            QuoteStatus::Accepted => "accepted",
            QuoteStatus::Rejected => "rejected",
            QuoteStatus::Expired => "expired",
        }
    }
    /// Still being negotiated (moves with its customer in a handover; expires).
    pub fn is_open(self) -> bool {
        matches!(self, QuoteStatus::Draft | QuoteStatus::Sent)
    }
}

/// What a revision of a quotation says.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
pub struct QuoteBody {
    pub date: NaiveDate,
    pub currency: Currency,
    pub lines: Vec<Line>,
    /// Incoterm 2020 (`FOB`) and its named place (`Ningbo`).
    pub incoterm: Option<String>,
    pub named_place: Option<String>,
    pub valid_until: NaiveDate,
    pub payment_terms_id: Option<u64>,
    /// Payment terms as worded on the quotation.
    pub payment_terms: Option<String>,
    /// Delivery time ("35 days after deposit").
    pub delivery: Option<String>,
    pub remarks: Option<String>,
    /// The language of the document the customer receives.
    pub lang: DocLang,
}

/// A revision the customer saw before the quotation was revised.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
pub struct QuoteRevision {
    pub revision: u32,
    pub status: QuoteStatus,
    pub body: QuoteBody,
    pub replaced_at: DateTime<Utc>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Quotation {
    pub number: String,
    pub customer_id: u64,
    pub opportunity_id: Option<u64>,
    /// The customer's owner (kept in step when the customer changes hands).
    pub owner_id: Option<u64>,
    pub status: QuoteStatus,
    /// 1 for the first; each revision of a sent quotation adds one.
    pub revision: u32,
    pub body: QuoteBody,
    pub history: Vec<QuoteRevision>,
    /// The order made from it.
    pub order_id: Option<u64>,
    pub sent_at: Option<DateTime<Utc>>,
    pub decided_at: Option<DateTime<Utc>>,
}

impl Entity for Quotation {
    const KIND: &'static str = "quotation";
    const SEARCHABLE: bool = true;
    const SENSITIVE_FIELDS: &'static [(&'static str, &'static str)] = &[
        ("body.lines[].unit_cost", "cost"),
        ("history[].body.lines[].unit_cost", "cost"),
    ];
    fn indexes() -> Vec<IndexDef<Self>> {
        vec![
            IndexDef::many("customer", |q: &Quotation| {
                vec![IndexKey::new().u64(q.customer_id)]
            })
            .keep_deleted(),
            IndexDef::many("owner", |q: &Quotation| {
                vec![IndexKey::new().u64(q.owner_id.unwrap_or(0))]
            })
            .counted(),
            IndexDef::many("open", |q: &Quotation| {
                if q.status.is_open() {
                    vec![IndexKey::new().str(&q.body.valid_until.to_string())]
                } else {
                    vec![]
                }
            }),
            IndexDef::unique("number", "number", |q: &Quotation| {
                vec![IndexKey::new().str(&q.number)]
            }),
        ]
    }
    fn title(&self) -> String {
        self.number.clone()
    }
    fn owner(&self) -> Option<u64> {
        self.owner_id
    }
    fn search_doc(&self, _meta: &Meta) -> Option<SearchDoc> {
        Some(SearchDoc {
            title: self.number.clone(),
            subtitle: format!(
                "{} {}",
                self.body.currency,
                lines::total(&self.body.lines, self.body.currency).amount
            ),
            text: self
                .body
                .lines
                .iter()
                .map(|l| l.description.clone())
                .collect(),
            exact: vec![self.number.clone()],
            owner: self.owner_id,
        })
    }
}

impl Guarded for Quotation {
    const MODULE: Module = Module::Sales;
    const OWNER: Owner = Owner::Parent("customer");
    fn readable_unowned(&self, tx: &Tx, p: &Principal) -> AppResult<bool> {
        super::unowned_readable(tx, p, self.customer_id, Self::MODULE)
    }
    const PARENT_INDEX: &'static str = "customer";
    const HIDDEN: &'static [(&'static str, FieldClass)] = &[
        ("body.lines[].unit_cost", FieldClass::Cost),
        ("history[].body.lines[].unit_cost", FieldClass::Cost),
    ];
    /// An open quotation of the old owner goes with the customer; a decided one stays with the
    /// rep who made it.
    fn moves_with_parent(&self, previous: Option<u64>) -> bool {
        self.status.is_open() && self.owner_id == previous
    }
    fn set_owner(&mut self, owner: Option<u64>) {
        self.owner_id = owner;
    }
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct QuotationView {
    pub id: u64,
    pub number: String,
    pub customer_id: u64,
    pub customer_name: String,
    pub opportunity_id: Option<u64>,
    pub owner_id: Option<u64>,
    pub owner_name: Option<String>,
    pub status: QuoteStatus,
    pub revision: u32,
    pub body: QuoteBody,
    pub total: Money,
    pub history: Vec<QuoteRevision>,
    pub order_id: Option<u64>,
    pub sent_at: Option<DateTime<Utc>>,
    pub decided_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: u64,
}

fn view(tx: &Tx, p: &Principal, r: Record<Quotation>) -> AppResult<serde_json::Value> {
    let q = r.data;
    let customer_name = tx
        .get::<Customer>(q.customer_id)?
        .map(|c| c.data.name)
        .unwrap_or_default();
    let owner_name = names(tx, q.owner_id)?.into_values().next();
    let view = QuotationView {
        id: r.id,
        total: lines::total(&q.body.lines, q.body.currency),
        number: q.number,
        customer_id: q.customer_id,
        customer_name,
        opportunity_id: q.opportunity_id,
        owner_id: q.owner_id,
        owner_name,
        status: q.status,
        revision: q.revision,
        body: q.body,
        history: q.history,
        order_id: q.order_id,
        sent_at: q.sent_at,
        decided_at: q.decided_at,
        created_at: r.meta.created_at,
        updated_at: r.meta.updated_at,
        version: r.meta.version,
    };
    guard::show(p, Quotation::HIDDEN, &view)
}

/// A quotation as entered; on a change, absent fields stay.
#[derive(Clone, Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QuotationInput {
    /// For a new quotation: the customer, or an opportunity (whose customer it is for).
    pub customer_id: Option<u64>,
    pub opportunity_id: Option<u64>,
    pub currency: Option<String>,
    pub lines: Option<Vec<LineInput>>,
    pub incoterm: Option<String>,
    pub named_place: Option<String>,
    /// 30 days after the quotation's date when not given.
    pub valid_until: Option<NaiveDate>,
    pub payment_terms_id: Option<u64>,
    pub payment_terms: Option<String>,
    pub delivery: Option<String>,
    pub remarks: Option<String>,
    pub lang: Option<DocLang>,
    pub version: Option<u64>,
}

fn invalid(field: &str, zh: String, en: String) -> AppError {
    AppError::invalid(field, Msg::new(zh, en))
}

fn conflict(zh: String, en: String) -> AppError {
    AppError::new(ErrorCode::Conflict).with_msg(Msg::new(zh, en))
}

/// Applies the input to a body; the lines are built again when the currency or the lines
/// change.
fn apply(tx: &Tx, body: &mut QuoteBody, input: &QuotationInput) -> AppResult<()> {
    let mut rebuild = false;
    if let Some(c) = &input.currency {
        body.currency = lines::currency("currency", c)?;
        rebuild = true;
    }
    if let Some(lang) = input.lang {
        body.lang = lang;
    }
    if let Some(inputs) = &input.lines {
        body.lines = lines::build(tx, inputs, body.currency, body.lang)?;
    } else if rebuild {
        let again: Vec<LineInput> = body.lines.iter().map(Line::input).collect();
        body.lines = lines::build(tx, &again, body.currency, body.lang)?;
    }
    if input.incoterm.is_some() {
        body.incoterm = lines::incoterm("incoterm", input.incoterm.as_deref())?;
    }
    if let Some(v) = &input.named_place {
        body.named_place = validate::optional_text("named_place", Some(v), 100)?;
    }
    if let Some(v) = input.valid_until {
        body.valid_until = v;
    }
    if body.valid_until < body.date {
        return Err(invalid(
            "valid_until",
            "有效期不能早于报价日期。".into(),
            "The quotation cannot be valid until a date before its own.".into(),
        ));
    }
    if let Some(id) = input.payment_terms_id {
        let t = tx.get_live::<super::terms::PaymentTerms>(id).map_err(|_| {
            invalid(
                "payment_terms_id",
                format!("付款方式 {id} 不存在。"),
                format!("Payment terms {id} do not exist."),
            )
        })?;
        body.payment_terms_id = Some(id);
        let lang = match body.lang {
            DocLang::Zh => Lang::Zh,
            _ => Lang::En,
        };
        body.payment_terms = Some(lang.pick(&t.data.name_zh, &t.data.name_en).to_string());
    }
    if let Some(v) = &input.payment_terms {
        body.payment_terms = validate::optional_text("payment_terms", Some(v), 500)?;
    }
    if let Some(v) = &input.delivery {
        body.delivery = validate::optional_text("delivery", Some(v), 200)?;
    }
    if let Some(v) = &input.remarks {
        body.remarks = validate::optional_text("remarks", Some(v), 4000)?;
    }
    Ok(())
}

pub fn create(k: &Kontor, p: &Principal, input: QuotationInput) -> AppResult<serde_json::Value> {
    p.require(Module::Sales, Action::Create)?;
    let principal = p.clone();
    k.store.write(move |tx| {
        let p = &principal;
        // The customer first (404 / 403 before anything else is looked at), then the
        // opportunity, which must be that customer's.
        let customer_id = match (input.customer_id, input.opportunity_id) {
            (Some(c), _) => c,
            (None, Some(o)) => {
                guard::open::<Opportunity>(tx, p, o, Action::Read)
                    .map_err(|e| e.on_field("opportunity_id"))?
                    .data
                    .customer_id
            }
            (None, None) => return Err(AppError::required("customer_id")),
        };
        let customer = super::customer_for_sale(tx, p, customer_id, Module::Sales)?;
        let opportunity_id = match input.opportunity_id {
            Some(o) => {
                let opp = guard::open::<Opportunity>(tx, p, o, Action::Read)
                    .map_err(|e| e.on_field("opportunity_id"))?;
                if opp.data.customer_id != customer_id {
                    return Err(invalid(
                        "opportunity_id",
                        "该商机不属于这个客户。".into(),
                        "The opportunity belongs to another customer.".into(),
                    ));
                }
                Some(o)
            }
            None => None,
        };
        let today = company_today(tx, tx.now())?;
        let currency = match input.currency.as_deref() {
            Some(c) => lines::currency("currency", c)?,
            None => return Err(AppError::required("currency")),
        };
        let mut body = QuoteBody {
            date: today,
            currency,
            lines: Vec::new(),
            incoterm: None,
            named_place: None,
            valid_until: today + Duration::days(30),
            payment_terms_id: None,
            payment_terms: None,
            delivery: None,
            remarks: None,
            lang: DocLang::En,
        };
        if input.lines.is_none() {
            return Err(AppError::required("lines"));
        }
        apply(tx, &mut body, &input)?;
        let number =
            tx.next_document_number("QT", today.format("%Y").to_string().parse().unwrap_or(2026))?;
        let quotation = Quotation {
            number,
            customer_id,
            opportunity_id,
            owner_id: customer.data.owner_id,
            status: QuoteStatus::Draft,
            revision: 1,
            body,
            history: Vec::new(),
            order_id: None,
            sent_at: None,
            decided_at: None,
        };
        let r = guard::insert(tx, p, quotation)?;
        view(tx, p, r)
    })
}

pub fn get(k: &Kontor, p: &Principal, id: u64) -> AppResult<serde_json::Value> {
    k.store.read(|tx| {
        let r = guard::open::<Quotation>(tx, p, id, Action::Read)?;
        view(tx, p, r)
    })
}

/// The quotation as stored, for the document and for making an order.
pub fn open(tx: &Tx, p: &Principal, id: u64, action: Action) -> AppResult<Record<Quotation>> {
    guard::open::<Quotation>(tx, p, id, action)
}

/// Changes a quotation: a draft in place; one the customer has seen (sent, rejected, expired)
/// becomes a new revision in draft, the old one kept in its history. An accepted one is
/// closed: its order carries on.
pub fn update(
    k: &Kontor,
    p: &Principal,
    id: u64,
    input: QuotationInput,
) -> AppResult<serde_json::Value> {
    let principal = p.clone();
    k.store.write(move |tx| {
        let p = &principal;
        let now = tx.now();
        let today = company_today(tx, now)?;
        let current = guard::open::<Quotation>(tx, p, id, Action::Update)?;
        if input.customer_id.is_some() || input.opportunity_id.is_some() {
            return Err(invalid(
                "customer_id",
                "报价单的客户不能更改；请为新客户另建报价单。".into(),
                "A quotation's customer cannot change; make a new quotation for the other customer.".into(),
            ));
        }
        if current.data.status == QuoteStatus::Accepted {
            return Err(conflict(
                "已接受的报价单不能再修改；请修改由它生成的订单。".into(),
                "An accepted quotation cannot change; change the order made from it.".into(),
            ));
        }
        let mut body = current.data.body.clone();
        let revise = current.data.status != QuoteStatus::Draft;
        if revise {
            body.date = today;
            if input.valid_until.is_none() {
                body.valid_until = today + Duration::days(30);
            }
        }
        apply(tx, &mut body, &input)?;
        let r = tx.update::<Quotation, AppError>(&p.actor(), id, input.version, |q| {
            if revise {
                q.history.push(QuoteRevision {
                    revision: q.revision,
                    status: q.status,
                    body: q.body.clone(),
                    replaced_at: now,
                });
                q.revision += 1;
                q.status = QuoteStatus::Draft;
                q.sent_at = None;
                q.decided_at = None;
            }
            q.body = body;
            Ok(())
        })?;
        view(tx, p, r)
    })
}

/// A step of the quotation's life: `send`, `accept`, `reject`.
pub fn step(
    k: &Kontor,
    p: &Principal,
    id: u64,
    step: &str,
    version: Option<u64>,
) -> AppResult<serde_json::Value> {
    let principal = p.clone();
    let step = step.to_string();
    k.store.write(move |tx| {
        let p = &principal;
        let now = tx.now();
        let today = company_today(tx, now)?;
        let current = guard::open::<Quotation>(tx, p, id, Action::Update)?;
        let (from, to): (&[QuoteStatus], QuoteStatus) = match step.as_str() {
            "send" => (&[QuoteStatus::Draft, QuoteStatus::Sent], QuoteStatus::Sent),
            "accept" => (&[QuoteStatus::Sent], QuoteStatus::Accepted),
            "reject" => (&[QuoteStatus::Sent], QuoteStatus::Rejected),
            other => {
                return Err(invalid(
                    "step",
                    format!("未知的操作：{other}"),
                    format!("Unknown step: {other}"),
                ));
            }
        };
        let status = current.data.status;
        if !from.contains(&status) {
            return Err(conflict(
                format!(
                    "报价单当前为“{}”，不能执行此操作。",
                    status_name(status, Lang::Zh)
                ),
                format!(
                    "The quotation is {}; this step does not apply.",
                    status_name(status, Lang::En)
                ),
            ));
        }
        if to == QuoteStatus::Accepted && current.data.body.valid_until < today {
            return Err(conflict(
                "报价单已过有效期；请修订后重新发送。".into(),
                "The quotation is past its validity; revise and send it again.".into(),
            ));
        }
        let r = tx.update::<Quotation, AppError>(&p.actor(), id, version, |q| {
            q.status = to;
            match to {
                QuoteStatus::Sent => q.sent_at = Some(now),
                _ => q.decided_at = Some(now),
            }
            Ok(())
        })?;
        view(tx, p, r)
    })
}

pub fn status_name(s: QuoteStatus, lang: Lang) -> &'static str {
    match s {
        QuoteStatus::Draft => lang.pick("草稿", "draft"),
        QuoteStatus::Sent => lang.pick("已发送", "sent"),
        QuoteStatus::Accepted => lang.pick("已接受", "accepted"),
        QuoteStatus::Rejected => lang.pick("已拒绝", "rejected"),
        QuoteStatus::Expired => lang.pick("已过期", "expired"),
    }
}

/// Marks the order made from an accepted quotation.
pub fn link_order(tx: &mut Tx, actor: &Actor, id: u64, order_id: u64) -> AppResult<()> {
    tx.update::<Quotation, AppError>(actor, id, None, |q| {
        q.order_id = Some(order_id);
        Ok(())
    })?;
    Ok(())
}

pub fn delete(k: &Kontor, p: &Principal, id: u64, version: Option<u64>) -> AppResult<()> {
    let principal = p.clone();
    k.store.write(move |tx| {
        let q = guard::open::<Quotation>(tx, &principal, id, Action::Delete)?;
        if q.data.order_id.is_some() {
            return Err(conflict(
                "已生成订单的报价单不能删除。".into(),
                "A quotation with an order cannot be deleted.".into(),
            ));
        }
        guard::delete::<Quotation>(tx, &principal, id, Action::Delete, version)
    })
}

#[derive(Clone, Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct QuotationQuery {
    pub customer_id: Option<u64>,
    /// `draft`, `sent`, `accepted`, `rejected`, `expired`.
    pub status: Option<String>,
    /// Number or a line's description contains this text.
    pub q: Option<String>,
    pub page: Option<u64>,
    pub per_page: Option<u64>,
}

/// Quotations the caller reads, newest first.
pub fn list(k: &Kontor, p: &Principal, q: QuotationQuery) -> AppResult<List<serde_json::Value>> {
    let status = match q.status.as_deref().filter(|s| !s.is_empty()) {
        Some(s) => Some(
            [
                QuoteStatus::Draft,
                QuoteStatus::Sent,
                QuoteStatus::Accepted,
                QuoteStatus::Rejected,
                QuoteStatus::Expired,
            ]
            .into_iter()
            .find(|x| x.key() == s)
            .ok_or_else(|| {
                invalid(
                    "status",
                    format!("未知的状态：{s}"),
                    format!("Unknown status: {s}"),
                )
            })?,
        ),
        None => None,
    };
    let needle = needle(q.q.as_deref());
    k.store.read(|tx| {
        let source = match q.customer_id {
            Some(c) => Source::key("customer", IndexKey::new().u64(c)),
            None => Source::All,
        };
        let query = Query::<Quotation>::new(source, Paging::new(q.page, q.per_page))
            .filter_if(status.is_some(), |r| Some(r.data.status) == status)
            .filter_if(needle.is_some(), |r| {
                needle.as_deref().is_none_or(|n| {
                    crate::search::text::fold(&r.data.number).contains(n)
                        || r.data
                            .body
                            .lines
                            .iter()
                            .any(|l| crate::search::text::fold(&l.description).contains(n))
                })
            });
        guard::readable(tx, p, query)?
            .run(tx)?
            .try_map(|r| view(tx, p, r))
    })
}

/// Expires the open quotations whose validity ended before today (the company's day).
pub fn expire(k: &Kontor, now: DateTime<Utc>) -> AppResult<()> {
    k.store.write(move |tx| {
        tx.set_now(now);
        let today = company_today(tx, now)?;
        let mut due = Vec::new();
        for id in tx.ids_by_index::<Quotation>("open", &IndexKey::new(), false)? {
            let q = tx.get_live::<Quotation>(id)?;
            if q.data.body.valid_until >= today {
                break;
            }
            due.push(id);
        }
        for id in due {
            tx.update::<Quotation, AppError>(&Actor::system(), id, None, |q| {
                q.status = QuoteStatus::Expired;
                q.decided_at = Some(now);
                Ok(())
            })?;
        }
        Ok(())
    })
}
