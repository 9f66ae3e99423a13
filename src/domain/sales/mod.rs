//! Sales and money (SAL-1…SAL-4, FIN-1…FIN-3): the product catalogue, quotations, orders with
//! their payment plans, exchange rates, receipts and their matching, exchange gain/loss, order
//! profit and receivables.

pub mod demo;
pub mod documents;
pub mod lines;
pub mod nodes;
pub mod order_events;
pub mod orders;
pub mod pi;
pub mod products;
pub mod profit;
pub mod quotations;
pub mod rates;
pub mod receipts;
pub mod receivables;
pub mod terms;

use std::time::Duration;

use crate::auth::{Action, Module, Principal, Scope};
use crate::domain::crm::model::{Customer, Pool};
use crate::domain::kit::{Job, KindInfo, ModuleDef, guard};
use crate::error::{AppError, AppResult};
use crate::store::{Record, Registry, Tx};

use orders::SalesOrder;
use products::Product;
use quotations::Quotation;
use rates::ExchangeRate;
use receipts::Receipt;
use terms::PaymentTerms;

pub fn module() -> ModuleDef {
    ModuleDef {
        areas,
        seed,
        jobs,
        ..ModuleDef::new("sales", KINDS, register)
    }
}

static KINDS: &[KindInfo] = &[
    KindInfo::of::<Product>("产品", "Product"),
    KindInfo::of::<Quotation>("报价单", "Quotation"),
    KindInfo::of::<SalesOrder>("销售订单", "Sales order"),
    KindInfo::of::<Receipt>("收款", "Receipt"),
    KindInfo::of::<ExchangeRate>("汇率", "Exchange rate"),
    KindInfo::of::<PaymentTerms>("付款方式", "Payment terms"),
    KindInfo::of::<documents::DocumentSettings>("单据抬头", "Document letterhead"),
    KindInfo::of::<nodes::OrderNodeTemplate>("跟单模板", "Order node template"),
    KindInfo::of::<nodes::OrderNodes>("跟单节点", "Order nodes"),
];

/// What a company starts with: payment terms and the default node template.
fn seed(tx: &mut Tx) -> AppResult<()> {
    terms::seed(tx)?;
    nodes::seed(tx)
}

fn register(r: Registry) -> Registry {
    r.with::<Product>()
        .with::<Quotation>()
        .with::<SalesOrder>()
        .with::<Receipt>()
        .with::<ExchangeRate>()
        .with::<PaymentTerms>()
        .with::<documents::DocumentSettings>()
        .with::<nodes::OrderNodeTemplate>()
        .with::<nodes::OrderNodes>()
}

fn areas(p: &Principal, areas: &mut Vec<&'static str>) {
    if p.scope(Module::Products, Action::Read) != Scope::None {
        areas.push("sales.products");
    }
    if p.scope(Module::Sales, Action::Read) != Scope::None {
        areas.extend(["sales.quotations", "sales.orders", "sales.board"]);
    }
    if p.scope(Module::Finance, Action::Read) != Scope::None {
        areas.extend(["finance.receipts", "finance.receivables", "finance.rates"]);
    }
}

fn jobs() -> Vec<Job> {
    vec![
        Job {
            name: "quotations.expire",
            every: Duration::from_secs(3600),
            run: quotations::expire,
        },
        Job {
            name: "receivables.remind",
            every: Duration::from_secs(3600),
            run: receivables::remind,
        },
        Job {
            name: "order_nodes.late",
            every: Duration::from_secs(3600),
            run: nodes::late,
        },
    ]
}

/// The customer a sales document is made for: one the caller reads (else 404, so nothing is
/// learnt of it) and whose owner the caller's create scope of `module` reaches — for a
/// customer in the public pool, scope `all` (else 403).
pub fn customer_for_sale(
    tx: &Tx,
    p: &Principal,
    customer_id: u64,
    module: Module,
) -> AppResult<Record<Customer>> {
    p.require(module, Action::Create)?;
    let c = guard::open::<Customer>(tx, p, customer_id, Action::Read)
        .map_err(|e| e.on_field("customer_id"))?;
    let scope = p.scope(module, Action::Create);
    let reached = match c.data.owner_id {
        Some(owner) => p.reaches(scope, Some(owner)),
        None => scope == Scope::All,
    };
    if !reached {
        return Err(AppError::forbidden().on_field("customer_id"));
    }
    Ok(c)
}

/// Whether the caller reads a sales record without an owner (its customer went to the public
/// pool): as the pool is seen, with the read scope of the record's module.
pub fn unowned_readable(
    tx: &Tx,
    p: &Principal,
    customer_id: u64,
    module: Module,
) -> AppResult<bool> {
    let scope = p.scope(module, Action::Read);
    if scope == Scope::None {
        return Ok(false);
    }
    if scope == Scope::All {
        return Ok(true);
    }
    let pool = match tx
        .get::<Customer>(customer_id)?
        .and_then(|c| c.data.pool_id)
    {
        Some(id) => tx.get::<Pool>(id)?.map(|p| p.data),
        None => None,
    };
    Ok(pool.is_none_or(|pool| {
        pool.team_ids.is_empty() || pool.team_ids.iter().any(|t| p.team_ids.contains(t))
    }))
}
