//! Sales and money (SAL-1…SAL-4, FIN-1…FIN-3): the product catalogue, quotations, orders with
//! their payment plans, exchange rates, receipts and their matching, exchange gain/loss, order
//! profit and receivables.

pub mod lines;
pub mod orders;
pub mod products;
pub mod profit;
pub mod quotations;
pub mod rates;
pub mod receipts;
pub mod receivables;
pub mod terms;

use std::time::Duration;

use crate::auth::{Action, Module, Principal, Scope};
use crate::domain::kit::{Job, KindInfo, ModuleDef};
use crate::store::Registry;

use orders::SalesOrder;
use products::Product;
use quotations::Quotation;
use rates::ExchangeRate;
use receipts::Receipt;
use terms::PaymentTerms;

pub fn module() -> ModuleDef {
    ModuleDef {
        areas,
        seed: terms::seed,
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
];

fn register(r: Registry) -> Registry {
    r.with::<Product>()
        .with::<Quotation>()
        .with::<SalesOrder>()
        .with::<Receipt>()
        .with::<ExchangeRate>()
        .with::<PaymentTerms>()
}

fn areas(p: &Principal, areas: &mut Vec<&'static str>) {
    if p.scope(Module::Products, Action::Read) != Scope::None {
        areas.push("sales.products");
    }
    if p.scope(Module::Sales, Action::Read) != Scope::None {
        areas.extend(["sales.quotations", "sales.orders"]);
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
    ]
}
