//! An order's follow-up nodes (跟单节点, SAL-5): PI confirmed, deposit received, materials
//! bought, production, QC, booking, loading, B/L, balance received, delivered, feedback.
//!
//! **Templates** (`order_node_template`, settings-like: everyone in sales reads them, scope `all`
//! on sales edits them, i.e. admins and managers) list the nodes of one kind of order: names in
//! both languages, the responsible role (a role preset key), the planned date as an offset in
//! days from an anchor (the order date or the promised delivery date) and the event that
//! completes the node by itself (`order_events::OrderEvent`), or none (done by hand). Kontor seeds
//! a default "export order" template.
//!
//! **An order's nodes** are their own kind (`order_nodes`, one record per order) rather than a
//! field of `SalesOrder`: the nodes change often and by many hands (events from receipts,
//! purchasing and logistics, a merchandiser's tick), and a record of their own keeps those
//! changes out of the order's version (no 409 on an order being edited because a deposit was
//! matched), gives them their own audit trail (who completed and un-completed what, old → new),
//! and lets an index of open nodes by planned date serve the late-node job without reading
//! orders. The nodes are copied from the template when the order is made, so changing a
//! template never rewrites an existing order's nodes. Reading them is reading the order: the
//! kind answers as its order to the guard (`Guarded::reached`).
//!
//! **Events** (`order_events::happened` / `undone`) complete the open nodes waiting for that
//! event, or re-open the ones an event completed (never one done by hand).
//!
//! **Late nodes**: the hourly job reads the `due` index — one key per order with open nodes,
//! the earliest planned date of an open node, kept only while the order is open — in date
//! order and stops at the first order not yet late, so a run reads only late orders' nodes
//! (plus one), never every order. Each late node is told once per day (a `kv` mark) to the
//! users holding its responsible role who may read the order, and to the order's owner.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::order_events::OrderEvent;
use super::orders::{OrderStatus, SalesOrder};
use super::receipts;
use super::terms::Anchor;
use crate::auth::policy::Preset;
use crate::auth::{Action, Module, Principal, Role, Scope, User};
use crate::domain::crm::company_today;
use crate::domain::crm::model::Customer;
use crate::domain::kit::{Guarded, List, Owner, Paging, Query, Source, guard, names};
use crate::domain::notify::{Message, NotifyKind, RecordRef, notify};
use crate::domain::{Kontor, validate};
use crate::error::{AppError, AppResult, ErrorCode, Msg};
use crate::i18n::Lang;
use crate::store::{Actor, Entity, IndexDef, IndexKey, Record, Tx};

// ---- templates -----------------------------------------------------------------------------

/// The date a node's planned date counts from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum NodeAnchor {
    OrderDate,
    /// The delivery date promised to the customer (no planned date while it is not set).
    PromisedDate,
}

/// One node of a template.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NodeDef {
    /// Stable within the template (`deposit`, `bl`): the board's column.
    pub key: String,
    pub name_zh: String,
    pub name_en: String,
    /// The role preset responsible (`merchandiser`, `finance`, `logistics`, …).
    pub role: String,
    pub anchor: NodeAnchor,
    /// Days after the anchor (negative: before it).
    #[schema(minimum = -730, maximum = 730)]
    pub offset_days: i32,
    /// The event that completes it by itself; none: completed by hand.
    pub event: Option<OrderEvent>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct OrderNodeTemplate {
    pub name_zh: String,
    pub name_en: String,
    pub nodes: Vec<NodeDef>,
    /// New orders get this template unless another is chosen.
    pub is_default: bool,
    pub active: bool,
    /// A preset Kontor made (`export_order`); kept so seeding adds it only once.
    pub preset: Option<String>,
}

impl Entity for OrderNodeTemplate {
    const KIND: &'static str = "order_node_template";
    fn title(&self) -> String {
        format!("{} / {}", self.name_zh, self.name_en)
    }
}

impl Guarded for OrderNodeTemplate {
    const MODULE: Module = Module::Sales;
    const OWNER: Owner = Owner::Nobody;
    /// Everyone in sales reads the templates (to pick one); scope `all` changes them.
    fn reached(
        &self,
        _tx: &Tx,
        _p: &Principal,
        scope: Scope,
        action: Action,
    ) -> AppResult<Option<bool>> {
        Ok(Some(action == Action::Read || scope == Scope::All))
    }
}

fn def(
    key: &str,
    zh: &str,
    en: &str,
    role: &str,
    anchor: NodeAnchor,
    offset_days: i32,
    event: Option<OrderEvent>,
) -> NodeDef {
    NodeDef {
        key: key.into(),
        name_zh: zh.into(),
        name_en: en.into(),
        role: role.into(),
        anchor,
        offset_days,
        event,
    }
}

/// The default template: an export order from PI to the buyer's feedback.
pub fn export_order() -> OrderNodeTemplate {
    use NodeAnchor::{OrderDate as O, PromisedDate as P};
    use OrderEvent as E;
    OrderNodeTemplate {
        name_zh: "出口订单".into(),
        name_en: "Export order".into(),
        nodes: vec![
            def(
                "pi",
                "PI 确认",
                "PI confirmed",
                "sales",
                O,
                0,
                Some(E::Confirmed),
            ),
            def(
                "deposit",
                "定金到账",
                "Deposit received",
                "finance",
                O,
                7,
                Some(E::DepositReceived),
            ),
            def(
                "materials",
                "原料采购",
                "Materials bought",
                "buyer",
                O,
                10,
                Some(E::MaterialsBought),
            ),
            def(
                "production",
                "生产",
                "Production",
                "merchandiser",
                O,
                15,
                Some(E::ProductionStarted),
            ),
            def(
                "qc",
                "验货",
                "QC",
                "merchandiser",
                P,
                -10,
                Some(E::QcPassed),
            ),
            def(
                "booking",
                "订舱",
                "Booking",
                "logistics",
                P,
                -7,
                Some(E::Booked),
            ),
            def(
                "loading",
                "装柜出运",
                "Loading",
                "logistics",
                P,
                -3,
                Some(E::Loaded),
            ),
            def("bl", "提单", "B/L", "logistics", P, 0, Some(E::BlIssued)),
            def(
                "balance",
                "尾款到账",
                "Balance received",
                "finance",
                P,
                15,
                Some(E::BalanceReceived),
            ),
            def(
                "delivered",
                "客户签收",
                "Delivered",
                "logistics",
                P,
                30,
                Some(E::Delivered),
            ),
            def(
                "feedback",
                "客户反馈",
                "Feedback",
                "sales",
                P,
                45,
                Some(E::FeedbackReceived),
            ),
        ],
        is_default: true,
        active: true,
        preset: Some("export_order".into()),
    }
}

/// Adds the default template when the company lacks it.
pub fn seed(tx: &mut Tx) -> AppResult<()> {
    let mut have = false;
    tx.for_each::<OrderNodeTemplate>(false, &mut |r| {
        have |= r.data.preset.as_deref() == Some("export_order");
        Ok(!have)
    })?;
    if !have {
        tx.insert(&Actor::system(), export_order())?;
    }
    Ok(())
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct NodeTemplateView {
    pub id: u64,
    /// In the viewer's language.
    pub name: String,
    pub name_zh: String,
    pub name_en: String,
    pub nodes: Vec<NodeDef>,
    pub is_default: bool,
    pub active: bool,
    pub version: u64,
}

fn template_view(r: Record<OrderNodeTemplate>, lang: Lang) -> NodeTemplateView {
    NodeTemplateView {
        id: r.id,
        name: lang.pick(&r.data.name_zh, &r.data.name_en).to_string(),
        name_zh: r.data.name_zh,
        name_en: r.data.name_en,
        nodes: r.data.nodes,
        is_default: r.data.is_default,
        active: r.data.active,
        version: r.meta.version,
    }
}

#[derive(Clone, Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NodeTemplateInput {
    pub name_zh: Option<String>,
    pub name_en: Option<String>,
    pub nodes: Option<Vec<NodeDef>>,
    pub is_default: Option<bool>,
    pub active: Option<bool>,
    pub version: Option<u64>,
}

fn invalid(field: &str, zh: String, en: String) -> AppError {
    AppError::invalid(field, Msg::new(zh, en))
}

fn conflict(field: &str, zh: String, en: String) -> AppError {
    AppError::new(ErrorCode::Conflict)
        .on_field(field)
        .with_msg(Msg::new(zh, en))
}

fn check_nodes(nodes: &[NodeDef]) -> AppResult<Vec<NodeDef>> {
    if nodes.is_empty() {
        return Err(AppError::required("nodes"));
    }
    if nodes.len() > 40 {
        return Err(invalid(
            "nodes",
            "一个模板最多 40 个节点。".into(),
            "A template has at most 40 nodes.".into(),
        ));
    }
    let mut out = Vec::with_capacity(nodes.len());
    for (i, n) in nodes.iter().enumerate() {
        let f = |name: &str| format!("nodes[{i}].{name}");
        let key = n.key.trim().to_ascii_lowercase();
        if key.is_empty()
            || key.len() > 40
            || !key
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        {
            return Err(invalid(
                &f("key"),
                "节点标识应为 1–40 个字母、数字、下划线或连字符。".into(),
                "A node key is 1–40 letters, digits, underscores or dashes.".into(),
            ));
        }
        if out.iter().any(|o: &NodeDef| o.key == key) {
            return Err(invalid(
                &f("key"),
                format!("节点标识“{key}”重复。"),
                format!("The node key “{key}” appears twice."),
            ));
        }
        if Preset::find(&n.role).is_none() {
            return Err(invalid(
                &f("role"),
                format!("没有“{}”这个角色。", n.role),
                format!("There is no role “{}”.", n.role),
            ));
        }
        if !(-730..=730).contains(&n.offset_days) {
            return Err(invalid(
                &f("offset_days"),
                "天数应在 −730 到 730 之间。".into(),
                "The offset is between −730 and 730 days.".into(),
            ));
        }
        out.push(NodeDef {
            key,
            name_zh: validate::text(&f("name_zh"), &n.name_zh, 40)?,
            name_en: validate::text(&f("name_en"), &n.name_en, 60)?,
            role: n.role.clone(),
            anchor: n.anchor,
            offset_days: n.offset_days,
            event: n.event,
        });
        if out[i].name_zh.is_empty() {
            return Err(AppError::required(&f("name_zh")));
        }
        if out[i].name_en.is_empty() {
            return Err(AppError::required(&f("name_en")));
        }
    }
    Ok(out)
}

fn apply_template(t: &mut OrderNodeTemplate, input: &NodeTemplateInput) -> AppResult<()> {
    if let Some(n) = &input.name_zh {
        t.name_zh = validate::text("name_zh", n, 80)?;
    }
    if let Some(n) = &input.name_en {
        t.name_en = validate::text("name_en", n, 120)?;
    }
    if let Some(nodes) = &input.nodes {
        t.nodes = check_nodes(nodes)?;
    }
    if let Some(a) = input.active {
        t.active = a;
    }
    if let Some(d) = input.is_default {
        t.is_default = d;
    }
    if t.name_zh.is_empty() {
        return Err(AppError::required("name_zh"));
    }
    if t.name_en.is_empty() {
        return Err(AppError::required("name_en"));
    }
    if t.nodes.is_empty() {
        return Err(AppError::required("nodes"));
    }
    if t.is_default && !t.active {
        return Err(invalid(
            "active",
            "默认模板不能停用。".into(),
            "The default template cannot be inactive.".into(),
        ));
    }
    Ok(())
}

/// When `id` became the default, the others stop being it (one transaction).
fn one_default(tx: &mut Tx, p: &Principal, id: u64) -> AppResult<()> {
    let mut others = Vec::new();
    tx.for_each::<OrderNodeTemplate>(false, &mut |r| {
        if r.id != id && r.data.is_default {
            others.push(r.id);
        }
        Ok(true)
    })?;
    for other in others {
        guard::update::<OrderNodeTemplate>(tx, p, other, Action::Update, None, |t| {
            t.is_default = false;
            Ok(())
        })?;
    }
    Ok(())
}

pub fn create_template(
    k: &Kontor,
    p: &Principal,
    input: NodeTemplateInput,
) -> AppResult<NodeTemplateView> {
    p.require(Module::Sales, Action::Create)?;
    // Templates are the company's: scope `all` changes them (refused before the input is read).
    if p.scope(Module::Sales, Action::Update) != Scope::All {
        return Err(AppError::forbidden());
    }
    let mut t = OrderNodeTemplate {
        name_zh: String::new(),
        name_en: String::new(),
        nodes: Vec::new(),
        is_default: false,
        active: true,
        preset: None,
    };
    apply_template(&mut t, &input)?;
    let principal = p.clone();
    k.store.write(move |tx| {
        let p = &principal;
        let r = guard::insert(tx, p, t)?;
        if r.data.is_default {
            one_default(tx, p, r.id)?;
        }
        Ok(template_view(r, p.lang))
    })
}

pub fn update_template(
    k: &Kontor,
    p: &Principal,
    id: u64,
    input: NodeTemplateInput,
) -> AppResult<NodeTemplateView> {
    let principal = p.clone();
    k.store.write(move |tx| {
        let p = &principal;
        let before = guard::open::<OrderNodeTemplate>(tx, p, id, Action::Update)?;
        if before.data.is_default && input.is_default == Some(false) {
            return Err(conflict(
                "is_default",
                "请把另一个模板设为默认，而不是取消默认。".into(),
                "Make another template the default instead.".into(),
            ));
        }
        let r =
            guard::update::<OrderNodeTemplate>(tx, p, id, Action::Update, input.version, |t| {
                apply_template(t, &input)
            })?;
        if r.data.is_default && !before.data.is_default {
            one_default(tx, p, id)?;
        }
        Ok(template_view(r, p.lang))
    })
}

pub fn list_templates(k: &Kontor, p: &Principal) -> AppResult<List<NodeTemplateView>> {
    k.store.read(|tx| {
        let query = Query::<OrderNodeTemplate>::new(Source::All, Paging::everything())
            .order_by(|a, b| a.id.cmp(&b.id), true);
        guard::readable(tx, p, query)?
            .run(tx)?
            .try_map(|r| Ok(template_view(r, p.lang)))
    })
}

pub fn get_template(k: &Kontor, p: &Principal, id: u64) -> AppResult<NodeTemplateView> {
    k.store.read(|tx| {
        let r = guard::open::<OrderNodeTemplate>(tx, p, id, Action::Read)?;
        Ok(template_view(r, p.lang))
    })
}

// ---- an order's nodes ----------------------------------------------------------------------

/// How a node was completed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Completion {
    /// By its event (a receipt matched, a B/L date entered …).
    Event,
    /// By a person.
    Hand,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct OrderNode {
    pub def: NodeDef,
    pub planned: Option<NaiveDate>,
    pub done_on: Option<NaiveDate>,
    pub done_by: Option<u64>,
    pub how: Option<Completion>,
    pub note: Option<String>,
}

/// The follow-up nodes of one order.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct OrderNodes {
    pub order_id: u64,
    pub template_id: Option<u64>,
    pub template_zh: String,
    pub template_en: String,
    pub nodes: Vec<OrderNode>,
    /// The order is open (not completed or cancelled): its nodes are followed.
    pub open: bool,
}

impl OrderNodes {
    /// The earliest planned date of a node not done, while the order is open.
    pub fn next_due(&self) -> Option<NaiveDate> {
        if !self.open {
            return None;
        }
        self.nodes
            .iter()
            .filter(|n| n.done_on.is_none())
            .filter_map(|n| n.planned)
            .min()
    }
    /// The first node not done.
    pub fn current(&self) -> Option<&OrderNode> {
        self.nodes.iter().find(|n| n.done_on.is_none())
    }
}

fn day_number(d: NaiveDate) -> u64 {
    use chrono::Datelike;
    u64::try_from(d.num_days_from_ce()).unwrap_or(0)
}

impl Entity for OrderNodes {
    const KIND: &'static str = "order_nodes";
    fn indexes() -> Vec<IndexDef<Self>> {
        vec![
            IndexDef::unique("order", "order_id", |n: &OrderNodes| {
                vec![IndexKey::new().u64(n.order_id)]
            }),
            // Open orders by the earliest planned date of a node not done: the late-node job
            // reads it in date order and stops at the first order not late.
            IndexDef::many("due", |n: &OrderNodes| {
                n.next_due()
                    .map(|d| IndexKey::new().u64(day_number(d)))
                    .into_iter()
                    .collect()
            }),
        ]
    }
    fn title(&self) -> String {
        format!("#{}", self.order_id)
    }
}

impl Guarded for OrderNodes {
    const MODULE: Module = Module::Sales;
    const OWNER: Owner = Owner::Nobody;
    /// An order's nodes answer as the order: read where the order is read.
    fn reached(
        &self,
        tx: &Tx,
        p: &Principal,
        _scope: Scope,
        _action: Action,
    ) -> AppResult<Option<bool>> {
        match tx.get_live::<SalesOrder>(self.order_id) {
            Ok(o) => Ok(Some(guard::may(tx, p, &o.data, Action::Read)?)),
            Err(_) => Ok(Some(false)),
        }
    }
}

/// The planned date of a node for an order.
pub fn planned(d: &NodeDef, o: &SalesOrder) -> Option<NaiveDate> {
    let anchor = match d.anchor {
        NodeAnchor::OrderDate => o.dates.order_date,
        NodeAnchor::PromisedDate => o.promised_date,
    }?;
    Some(anchor + Duration::days(i64::from(d.offset_days)))
}

fn is_open(o: &SalesOrder) -> bool {
    !matches!(o.status, OrderStatus::Completed | OrderStatus::Cancelled)
}

/// The template an order asks for (`None`: the default), active, else 422 on the field.
fn chosen(tx: &Tx, template_id: Option<u64>) -> AppResult<Option<Record<OrderNodeTemplate>>> {
    if let Some(id) = template_id {
        return match tx.get_live::<OrderNodeTemplate>(id) {
            Ok(t) if t.data.active => Ok(Some(t)),
            _ => Err(invalid(
                "node_template_id",
                format!("没有启用的跟单模板 #{id}。"),
                format!("There is no active node template #{id}."),
            )),
        };
    }
    let mut found = None;
    tx.for_each::<OrderNodeTemplate>(false, &mut |r| {
        if r.data.is_default && r.data.active {
            found = Some(r);
            return Ok(false);
        }
        Ok(true)
    })?;
    Ok(found)
}

/// Lays out a new order's nodes from its template (the default unless one is chosen) and
/// completes those whose events already happened (the order is confirmed on its order date).
pub fn lay_out(
    tx: &mut Tx,
    actor: &Actor,
    order_id: u64,
    o: &SalesOrder,
    template_id: Option<u64>,
) -> AppResult<()> {
    let Some(t) = chosen(tx, template_id)? else {
        return Ok(());
    };
    let nodes = OrderNodes {
        order_id,
        template_id: Some(t.id),
        template_zh: t.data.name_zh.clone(),
        template_en: t.data.name_en.clone(),
        nodes: t
            .data
            .nodes
            .iter()
            .map(|d| OrderNode {
                def: d.clone(),
                planned: planned(d, o),
                done_on: None,
                done_by: None,
                how: None,
                note: None,
            })
            .collect(),
        open: is_open(o),
    };
    tx.insert(actor, nodes)?;
    event(tx, order_id, OrderEvent::Confirmed, Some(o.order_date()))?;
    money(tx, order_id, o)
}

fn nodes_of(tx: &Tx, order_id: u64) -> AppResult<Option<Record<OrderNodes>>> {
    match tx.find_unique::<OrderNodes>("order", &IndexKey::new().u64(order_id))? {
        Some(id) => Ok(tx.get_live::<OrderNodes>(id).ok()),
        None => Ok(None),
    }
}

/// Completes (`on` given) or re-opens (`None`) the nodes waiting for `e`. Re-opening touches
/// only nodes an event completed: what a person ticked stays.
pub fn event(tx: &mut Tx, order_id: u64, e: OrderEvent, on: Option<NaiveDate>) -> AppResult<()> {
    let Some(r) = nodes_of(tx, order_id)? else {
        return Ok(());
    };
    let touched = r.data.nodes.iter().any(|n| {
        n.def.event == Some(e)
            && match on {
                Some(_) => n.done_on.is_none(),
                None => n.how == Some(Completion::Event),
            }
    });
    if !touched {
        return Ok(());
    }
    tx.update::<OrderNodes, AppError>(&Actor::system(), r.id, None, |x| {
        for n in x.nodes.iter_mut().filter(|n| n.def.event == Some(e)) {
            match on {
                Some(day) if n.done_on.is_none() => {
                    n.done_on = Some(day);
                    n.how = Some(Completion::Event);
                    n.done_by = None;
                }
                None if n.how == Some(Completion::Event) => {
                    n.done_on = None;
                    n.how = None;
                }
                _ => {}
            }
        }
        Ok(())
    })?;
    Ok(())
}

/// Whether the order's deposit instalments (those due on the order date) are paid in full; an
/// order whose plan asks no deposit has nothing to wait for.
fn deposit_paid(o: &SalesOrder, allocs: &[receipts::OrderAllocation]) -> bool {
    o.plan
        .iter()
        .enumerate()
        .filter(|(_, i)| i.part.anchor == Anchor::OrderDate)
        .all(|(idx, inst)| {
            let paid: rust_decimal::Decimal = allocs
                .iter()
                .filter(|a| a.instalment == idx && !a.credit_note)
                .map(|a| a.amount.amount)
                .sum();
            paid >= inst.amount
        })
}

/// Brings the money nodes in step with the receipts matched to the order: the deposit and the
/// balance (settled) complete when covered and re-open when a receipt is unmatched or cancelled.
pub fn money(tx: &mut Tx, order_id: u64, o: &SalesOrder) -> AppResult<()> {
    let allocs = receipts::allocations_to(tx, order_id)?;
    let today = company_today(tx, tx.now())?;
    let last_paid = allocs.iter().map(|a| a.date).max();
    let deposit = deposit_paid(o, &allocs);
    let settled =
        o.status != OrderStatus::Cancelled && super::orders::receivable(o, &allocs).settled;
    for (e, done) in [
        (OrderEvent::DepositReceived, deposit),
        (OrderEvent::BalanceReceived, settled),
    ] {
        let on = if done {
            Some(
                last_paid
                    .unwrap_or(o.order_date())
                    .min(today.max(o.order_date())),
            )
        } else {
            None
        };
        event(tx, order_id, e, on)?;
    }
    Ok(())
}

/// Keeps the nodes in step with a change of the order: planned dates follow the order and
/// promised dates, the status opens or closes the line, production starts, money is checked.
pub fn order_changed(
    tx: &mut Tx,
    order_id: u64,
    before: &SalesOrder,
    o: &SalesOrder,
) -> AppResult<()> {
    let Some(r) = nodes_of(tx, order_id)? else {
        return Ok(());
    };
    let open = is_open(o);
    let replan = r.data.nodes.iter().any(|n| n.planned != planned(&n.def, o));
    if replan || open != r.data.open {
        tx.update::<OrderNodes, AppError>(&Actor::system(), r.id, None, |x| {
            x.open = open;
            for n in &mut x.nodes {
                n.planned = planned(&n.def, o);
            }
            Ok(())
        })?;
    }
    if o.status == OrderStatus::InProduction && before.status != OrderStatus::InProduction {
        let today = company_today(tx, tx.now())?;
        event(tx, order_id, OrderEvent::ProductionStarted, Some(today))?;
    }
    money(tx, order_id, o)
}

/// After receipts changed: the money nodes of each order named.
pub fn receipts_changed(tx: &mut Tx, orders: &[u64]) -> AppResult<()> {
    let mut seen = Vec::new();
    for &id in orders {
        if seen.contains(&id) {
            continue;
        }
        seen.push(id);
        if let Ok(o) = tx.get_live::<SalesOrder>(id) {
            money(tx, id, &o.data)?;
        }
    }
    Ok(())
}

// ---- views ---------------------------------------------------------------------------------

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct NodeView {
    pub key: String,
    /// In the viewer's language.
    pub name: String,
    pub role: String,
    pub role_name: String,
    pub planned: Option<NaiveDate>,
    pub done_on: Option<NaiveDate>,
    pub done_by: Option<u64>,
    pub done_by_name: Option<String>,
    pub how: Option<Completion>,
    /// The event that completes it by itself.
    pub event: Option<OrderEvent>,
    pub event_name: Option<String>,
    pub note: Option<String>,
    /// Past its planned date and not done.
    pub late: bool,
    pub late_days: i64,
    /// Whether the caller may complete or re-open it by hand.
    pub may_complete: bool,
}

/// An order's node line, as its page shows it.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct NodeLine {
    pub template_name: String,
    pub nodes: Vec<NodeView>,
    /// The first node not done (none when all are).
    pub current: Option<String>,
    pub done: u32,
    pub late: u32,
    pub version: u64,
}

fn late_days(n: &OrderNode, open: bool, today: NaiveDate) -> i64 {
    match (open, n.done_on, n.planned) {
        (true, None, Some(p)) if p < today => (today - p).num_days(),
        _ => 0,
    }
}

/// The role preset keys a user holds.
fn presets_of(tx: &Tx, user: u64) -> AppResult<Vec<String>> {
    let Some(u) = tx.get::<User>(user)? else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for id in &u.data.role_ids {
        if let Some(r) = tx.get::<Role>(*id)?
            && let Some(key) = r.data.preset
        {
            out.push(key);
        }
    }
    Ok(out)
}

/// Whether the caller may complete a node by hand: its responsible role, the order's owner,
/// or a manager (scope `all` on sales edits).
fn may_complete(p: &Principal, presets: &[String], o: &SalesOrder, n: &OrderNode) -> bool {
    p.scope(Module::Sales, Action::Read) != Scope::None
        && (o.owner_id == Some(p.user_id)
            || p.scope(Module::Sales, Action::Update) == Scope::All
            || presets.contains(&n.def.role))
}

fn line_view(
    tx: &Tx,
    p: &Principal,
    o: &SalesOrder,
    r: Record<OrderNodes>,
    today: NaiveDate,
) -> AppResult<NodeLine> {
    let presets = presets_of(tx, p.user_id)?;
    let who = names(tx, r.data.nodes.iter().filter_map(|n| n.done_by))?;
    let open = r.data.open;
    let nodes: Vec<NodeView> = r
        .data
        .nodes
        .iter()
        .map(|n| {
            let late_days = late_days(n, open, today);
            NodeView {
                key: n.def.key.clone(),
                name: p.lang.pick(&n.def.name_zh, &n.def.name_en).to_string(),
                role: n.def.role.clone(),
                role_name: Preset::find(&n.def.role)
                    .map(|x| x.name(p.lang).to_string())
                    .unwrap_or_else(|| n.def.role.clone()),
                planned: n.planned,
                done_on: n.done_on,
                done_by: n.done_by,
                done_by_name: n.done_by.and_then(|u| who.get(&u).cloned()),
                how: n.how,
                event: n.def.event,
                event_name: n.def.event.map(|e| e.name(p.lang).to_string()),
                note: n.note.clone(),
                late: late_days > 0,
                late_days,
                may_complete: may_complete(p, &presets, o, n),
            }
        })
        .collect();
    Ok(NodeLine {
        template_name: p
            .lang
            .pick(&r.data.template_zh, &r.data.template_en)
            .to_string(),
        current: r.data.current().map(|n| n.def.key.clone()),
        done: nodes.iter().filter(|n| n.done_on.is_some()).count() as u32,
        late: nodes.iter().filter(|n| n.late).count() as u32,
        nodes,
        version: r.meta.version,
    })
}

/// The node line of an order the caller reads (the order view carries it).
pub fn line(tx: &Tx, p: &Principal, order_id: u64, o: &SalesOrder) -> AppResult<Option<NodeLine>> {
    let Some(r) = nodes_of(tx, order_id)? else {
        return Ok(None);
    };
    if !guard::may(tx, p, &r.data, Action::Read)? {
        return Ok(None);
    }
    let today = company_today(tx, tx.now())?;
    Ok(Some(line_view(tx, p, o, r, today)?))
}

/// Completing a node by hand.
#[derive(Clone, Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CompleteInput {
    /// The day it was done; today (the company's day) when not given.
    pub date: Option<NaiveDate>,
    pub note: Option<String>,
    /// The node line's version (409 when someone else changed it).
    pub version: Option<u64>,
}

/// Re-opening a node (its completion stays in the audit).
#[derive(Clone, Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReopenInput {
    pub note: Option<String>,
    pub version: Option<u64>,
}

/// Completes (`done`) or re-opens a node of an order by hand; answers the node line.
fn by_hand(
    k: &Kontor,
    p: &Principal,
    order_id: u64,
    key: String,
    done: Option<Option<NaiveDate>>,
    note: Option<String>,
    version: Option<u64>,
) -> AppResult<NodeLine> {
    let principal = p.clone();
    k.store.write(move |tx| {
        let p = &principal;
        let order = guard::open::<SalesOrder>(tx, p, order_id, Action::Read)?;
        let Some(r) = nodes_of(tx, order_id)? else {
            return Err(AppError::not_found());
        };
        let r = guard::open::<OrderNodes>(tx, p, r.id, Action::Read)?;
        let Some(idx) = r.data.nodes.iter().position(|n| n.def.key == key) else {
            return Err(AppError::not_found());
        };
        let presets = presets_of(tx, p.user_id)?;
        if !may_complete(p, &presets, &order.data, &r.data.nodes[idx]) {
            return Err(AppError::forbidden().with_msg(Msg::new(
                "只有该节点的负责角色、订单负责人或经理可以操作此节点。",
                "Only the node's responsible role, the order's owner or a manager may do this.",
            )));
        }
        if !r.data.open {
            return Err(conflict(
                "status",
                "订单已完成或已取消，节点不再跟进。".into(),
                "The order is completed or cancelled; its nodes are no longer followed.".into(),
            ));
        }
        let note = validate::optional_text("note", note.as_deref(), 500)?;
        let today = company_today(tx, tx.now())?;
        let node = &r.data.nodes[idx];
        let day = match done {
            Some(date) => {
                if node.done_on.is_some() {
                    return Err(conflict(
                        "key",
                        "该节点已完成。".into(),
                        "This node is already done.".into(),
                    ));
                }
                let day = date.unwrap_or(today);
                if day > today {
                    return Err(invalid(
                        "date",
                        "完成日期不能晚于今天。".into(),
                        "The date done cannot be after today.".into(),
                    ));
                }
                if day < order.data.order_date() {
                    return Err(invalid(
                        "date",
                        "完成日期不能早于下单日。".into(),
                        "The date done cannot be before the order date.".into(),
                    ));
                }
                Some(day)
            }
            None => {
                if node.done_on.is_none() {
                    return Err(conflict(
                        "key",
                        "该节点尚未完成。".into(),
                        "This node is not done.".into(),
                    ));
                }
                None
            }
        };
        let user = p.user_id;
        let r = tx.update::<OrderNodes, AppError>(&p.actor(), r.id, version, |x| {
            let n = &mut x.nodes[idx];
            n.done_on = day;
            n.how = day.map(|_| Completion::Hand);
            n.done_by = day.map(|_| user);
            n.note = note;
            Ok(())
        })?;
        line_view(tx, p, &order.data, r, today)
    })
}

pub fn complete(
    k: &Kontor,
    p: &Principal,
    order_id: u64,
    key: String,
    input: CompleteInput,
) -> AppResult<NodeLine> {
    by_hand(
        k,
        p,
        order_id,
        key,
        Some(input.date),
        input.note,
        input.version,
    )
}

pub fn reopen(
    k: &Kontor,
    p: &Principal,
    order_id: u64,
    key: String,
    input: ReopenInput,
) -> AppResult<NodeLine> {
    by_hand(k, p, order_id, key, None, input.note, input.version)
}

// ---- late nodes ----------------------------------------------------------------------------

/// The users holding a role preset.
fn holders(tx: &Tx, preset: &str) -> AppResult<Vec<u64>> {
    let Some(role) = tx.find_unique::<Role>("preset", &IndexKey::new().str(preset))? else {
        return Ok(Vec::new());
    };
    Ok(tx.ids_by_index::<User>("role", &IndexKey::new().u64(role), false)?)
}

/// Tells the responsible users (who may read the order) and the order's owner of each node past
/// its planned date, once per node per day. Idempotent for a day.
pub fn late(k: &Kontor, now: DateTime<Utc>) -> AppResult<()> {
    k.store.write(move |tx| {
        tx.set_now(now);
        let today = company_today(tx, now)?;
        let mut late: Vec<(u64, SalesOrder, OrderNode)> = Vec::new();
        for id in tx.ids_by_index::<OrderNodes>("due", &IndexKey::new(), false)? {
            let Ok(r) = tx.get_live::<OrderNodes>(id) else {
                continue;
            };
            // In date order: the first order not late ends the run.
            if r.data.next_due().is_none_or(|d| d >= today) {
                break;
            }
            let Ok(o) = tx.get_live::<SalesOrder>(r.data.order_id) else {
                continue;
            };
            for n in &r.data.nodes {
                if late_days(n, r.data.open, today) > 0 {
                    late.push((r.data.order_id, o.data.clone(), n.clone()));
                }
            }
        }
        let mut readers: BTreeMap<u64, Option<Principal>> = BTreeMap::new();
        for (order_id, o, n) in late {
            let mark = format!("{order_id}:{}:{today}", n.def.key);
            if tx.kv_get("order_nodes_late", mark.as_bytes())?.is_some() {
                continue;
            }
            tx.kv_put("order_nodes_late", mark.as_bytes(), b"1")?;
            let mut people: Vec<u64> = Vec::new();
            for user in holders(tx, &n.def.role)? {
                if let std::collections::btree_map::Entry::Vacant(slot) = readers.entry(user) {
                    let principal = match tx.get_live::<User>(user) {
                        Ok(u) if u.data.active => {
                            Some(crate::domain::accounts::principal_for(tx, &u, None)?)
                        }
                        _ => None,
                    };
                    slot.insert(principal);
                }
                if let Some(Some(rp)) = readers.get(&user)
                    && guard::may(tx, rp, &o, Action::Read)?
                {
                    people.push(user);
                }
            }
            if let Some(owner) = o.owner_id
                && !people.contains(&owner)
            {
                people.push(owner);
            }
            let planned = n.planned.map(|d| d.to_string()).unwrap_or_default();
            let days = late_days(&n, true, today);
            for user in people {
                notify(
                    tx,
                    user,
                    NotifyKind::NodeLate,
                    Some(RecordRef::of::<SalesOrder>(order_id)),
                    Message::new("node.late")
                        .record::<SalesOrder>("order", order_id, None)
                        .both("node", &n.def.name_zh, &n.def.name_en)
                        .text("planned", planned.clone())
                        .text("days", days.to_string()),
                )?;
            }
        }
        Ok(())
    })
}

// ---- the board -----------------------------------------------------------------------------

#[derive(Clone, Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct BoardQuery {
    /// One column only (a node key; `done` for orders whose nodes are all done), paged.
    pub column: Option<String>,
    /// Only orders with a late node.
    pub late: Option<bool>,
    pub page: Option<u64>,
    /// Cards per column (default 20, at most 100).
    pub per_page: Option<u64>,
}

/// An order on the board.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct BoardCard {
    pub order_id: u64,
    pub number: String,
    pub customer_id: u64,
    pub customer_name: String,
    pub owner_name: Option<String>,
    pub promised_date: Option<NaiveDate>,
    pub status: OrderStatus,
    /// The current node's planned date.
    pub planned: Option<NaiveDate>,
    /// The current node is late.
    pub late: bool,
    pub late_days: i64,
    /// Nodes late on the order (any node).
    pub late_nodes: u32,
    pub done: u32,
    pub nodes: u32,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct BoardColumn {
    /// The node key (`done`: all nodes done).
    pub key: String,
    pub name: String,
    /// Orders in the column.
    pub total: u64,
    /// Of them, with the column's node late.
    pub late: u64,
    pub page: u64,
    pub per_page: u64,
    pub cards: Vec<BoardCard>,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Board {
    pub columns: Vec<BoardColumn>,
    /// Open orders on the board.
    pub total: u64,
    /// Of them, with a late node.
    pub late: u64,
}

/// Every open order the caller reads, by its current node (the first not done), late first,
/// then by planned date; each column paged.
pub fn board(k: &Kontor, p: &Principal, q: BoardQuery) -> AppResult<Board> {
    let scope = p.require(Module::Sales, Action::Read)?;
    let per_page = q.per_page.unwrap_or(20).clamp(1, 100);
    let page = q.page.unwrap_or(1).max(1);
    k.store.read(|tx| {
        let today = company_today(tx, tx.now())?;
        let query = Query::<SalesOrder>::new(
            Source::owners("owner", p.owners_in(scope)),
            Paging::everything(),
        )
        .filter(|r| is_open(&r.data));
        let orders = guard::readable(tx, p, query)?.run(tx)?.items;
        // Column order: the default template's nodes, then other templates' as met.
        let mut columns: Vec<(String, String)> = Vec::new();
        if let Some(t) = chosen(tx, None)? {
            for d in &t.data.nodes {
                columns.push((d.key.clone(), p.lang.pick(&d.name_zh, &d.name_en).into()));
            }
        }
        let mut cards: BTreeMap<String, Vec<BoardCard>> = BTreeMap::new();
        let (mut total, mut late_total) = (0u64, 0u64);
        for o in orders {
            let Some(nodes) = nodes_of(tx, o.id)? else {
                continue;
            };
            let open = nodes.data.open;
            let late_nodes = nodes
                .data
                .nodes
                .iter()
                .filter(|n| late_days(n, open, today) > 0)
                .count() as u32;
            if q.late == Some(true) && late_nodes == 0 {
                continue;
            }
            total += 1;
            if late_nodes > 0 {
                late_total += 1;
            }
            let (key, name, planned, days) = match nodes.data.current() {
                Some(n) => (
                    n.def.key.clone(),
                    p.lang.pick(&n.def.name_zh, &n.def.name_en).to_string(),
                    n.planned,
                    late_days(n, open, today),
                ),
                None => (
                    "done".into(),
                    p.lang.pick("全部完成", "All done").into(),
                    None,
                    0,
                ),
            };
            if !columns.iter().any(|(k, _)| *k == key) {
                columns.push((key.clone(), name));
            }
            let c = &o.data;
            cards.entry(key).or_default().push(BoardCard {
                order_id: o.id,
                number: c.number.clone(),
                customer_id: c.customer_id,
                customer_name: tx
                    .get::<Customer>(c.customer_id)?
                    .map(|x| x.data.name)
                    .unwrap_or_default(),
                owner_name: names(tx, c.owner_id)?.into_values().next(),
                promised_date: c.promised_date,
                status: c.status,
                planned,
                late: days > 0,
                late_days: days,
                late_nodes,
                done: nodes
                    .data
                    .nodes
                    .iter()
                    .filter(|n| n.done_on.is_some())
                    .count() as u32,
                nodes: nodes.data.nodes.len() as u32,
            });
        }
        let columns = columns
            .into_iter()
            .filter(|(key, _)| q.column.as_ref().is_none_or(|c| c == key))
            .map(|(key, name)| {
                let mut list = cards.remove(&key).unwrap_or_default();
                list.sort_by(|a, b| {
                    b.late_days
                        .cmp(&a.late_days)
                        .then(a.planned.cmp(&b.planned))
                        .then(a.order_id.cmp(&b.order_id))
                });
                let total = list.len() as u64;
                let late = list.iter().filter(|c| c.late).count() as u64;
                let page = if q.column.is_some() { page } else { 1 };
                let cards = list
                    .into_iter()
                    .skip(((page - 1) * per_page) as usize)
                    .take(per_page as usize)
                    .collect();
                BoardColumn {
                    key,
                    name,
                    total,
                    late,
                    page,
                    per_page,
                    cards,
                }
            })
            .collect();
        Ok(Board {
            columns,
            total,
            late: late_total,
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::from_str(s).unwrap()
    }

    fn order(order_date: &str, promised: Option<&str>) -> SalesOrder {
        let usd = crate::domain::money::Currency::of("USD").unwrap();
        let mut o = crate::domain::sales::orders::blank(1, usd, d(order_date));
        o.promised_date = promised.map(d);
        o
    }

    /// (order date, promised date, node key) → planned date, from the default template.
    #[test]
    fn the_default_template_plans_from_the_order_and_promised_dates() {
        let t = export_order();
        let table: &[(&str, Option<&str>, &str, Option<&str>)] = &[
            ("2026-03-02", Some("2026-05-30"), "pi", Some("2026-03-02")),
            (
                "2026-03-02",
                Some("2026-05-30"),
                "deposit",
                Some("2026-03-09"),
            ),
            (
                "2026-03-02",
                Some("2026-05-30"),
                "production",
                Some("2026-03-17"),
            ),
            ("2026-03-02", Some("2026-05-30"), "qc", Some("2026-05-20")),
            ("2026-03-02", Some("2026-05-30"), "bl", Some("2026-05-30")),
            (
                "2026-03-02",
                Some("2026-05-30"),
                "balance",
                Some("2026-06-14"),
            ),
            (
                "2026-03-02",
                Some("2026-05-30"),
                "feedback",
                Some("2026-07-14"),
            ),
            ("2026-12-28", None, "deposit", Some("2027-01-04")),
            ("2026-12-28", None, "qc", None),
            ("2026-12-28", None, "bl", None),
        ];
        for (od, promised, key, want) in table {
            let o = order(od, *promised);
            let def = t.nodes.iter().find(|n| n.key == *key).unwrap();
            assert_eq!(planned(def, &o), want.map(d), "{od} {promised:?} {key}");
        }
        check_nodes(&t.nodes).unwrap();
        assert_eq!(t.nodes.len(), 11);
    }

    #[test]
    fn bad_nodes_are_refused_naming_the_row() {
        let mut nodes = export_order().nodes;
        nodes[3].key = "deposit".into();
        let e = check_nodes(&nodes).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("nodes[3].key"));
        let mut nodes = export_order().nodes;
        nodes[2].role = "wizard".into();
        let e = check_nodes(&nodes).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("nodes[2].role"));
        assert!(e.msg.zh.contains("wizard") && e.msg.en.contains("wizard"));
        let mut nodes = export_order().nodes;
        nodes[0].offset_days = 9999;
        let e = check_nodes(&nodes).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("nodes[0].offset_days"));
        let mut nodes = export_order().nodes;
        nodes[1].name_en = "  ".into();
        let e = check_nodes(&nodes).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("nodes[1].name_en"));
    }

    /// (nodes done, planned dates, open, today) → next due and late days of the first.
    #[test]
    fn late_is_past_the_planned_day_and_not_done() {
        let n = |planned: &str, done: Option<&str>| OrderNode {
            def: export_order().nodes[0].clone(),
            planned: Some(d(planned)),
            done_on: done.map(d),
            done_by: None,
            how: None,
            note: None,
        };
        let table: &[(&str, Option<&str>, bool, &str, i64)] = &[
            ("2026-03-09", None, true, "2026-03-09", 0),
            ("2026-03-09", None, true, "2026-03-10", 1),
            ("2026-03-09", None, true, "2026-04-08", 30),
            ("2026-03-09", Some("2026-03-12"), true, "2026-04-08", 0),
            ("2026-03-09", None, false, "2026-04-08", 0),
        ];
        for (planned, done, open, today, want) in table {
            assert_eq!(
                late_days(&n(planned, *done), *open, d(today)),
                *want,
                "{planned} {today}"
            );
        }
        let line = OrderNodes {
            order_id: 1,
            template_id: None,
            template_zh: String::new(),
            template_en: String::new(),
            nodes: vec![
                n("2026-03-09", Some("2026-03-09")),
                n("2026-03-20", None),
                n("2026-03-15", None),
            ],
            open: true,
        };
        assert_eq!(line.next_due(), Some(d("2026-03-15")));
        assert_eq!(
            line.current().and_then(|n| n.planned),
            Some(d("2026-03-20"))
        );
        assert_eq!(
            OrderNodes {
                open: false,
                ..line
            }
            .next_due(),
            None
        );
    }
}
