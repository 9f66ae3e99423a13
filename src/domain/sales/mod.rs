//! Sales (SAL-1 …): the product catalogue first; quotations, orders and receipts build on it.

pub mod pi;
pub mod products;

use crate::auth::{Action, Module, Principal, Scope};
use crate::domain::kit::{KindInfo, ModuleDef};
use crate::store::Registry;

use products::Product;

pub fn module() -> ModuleDef {
    ModuleDef {
        areas,
        ..ModuleDef::new("sales", KINDS, register)
    }
}

static KINDS: &[KindInfo] = &[KindInfo::of::<Product>("产品", "Product")];

fn register(r: Registry) -> Registry {
    r.with::<Product>()
}

fn areas(p: &Principal, areas: &mut Vec<&'static str>) {
    if p.scope(Module::Products, Action::Read) != Scope::None {
        areas.push("sales.products");
    }
}
