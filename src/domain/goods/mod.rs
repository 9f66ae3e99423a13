//! Goods (INV-1, INV-2 in part, INV-4): suppliers and their prices, purchase orders with
//! receipts and quality inspection, warehouses (domestic and overseas), the append-only stock
//! ledger with its running balances, transfers with goods in transit, reservations of
//! confirmed sales orders, and availability at order entry; purchase planning from reorder
//! rules (INV-3, `planning`) and supplier invoices with payables and their reminders (FIN-2,
//! payables half, `payables`).
//!
//! Permission modules: suppliers and purchase orders are `purchasing`; warehouses, the ledger,
//! transfers, availability and the inventory settings are `inventory`; reorder rules and the
//! planning run are `purchasing` with scope `all`; supplier invoices are `finance` with scope
//! `all`. A supplier's records belong to its portal login (`Supplier::portal_user_id`), so the
//! external supplier role (purchasing read, scope own) sees its own supplier and purchase
//! orders and nothing else.

pub mod availability;
pub mod demo;
#[cfg(test)]
mod ledger_tests;
pub mod payables;
pub mod planning;
pub mod purchase;
pub mod receiving;
pub mod reservations;
pub mod settings;
pub mod stock;
pub mod suppliers;
pub mod transfers;
pub mod warehouses;

use rust_decimal::Decimal;

use crate::auth::{Action, Module, Principal, Scope};
use crate::domain::kit::{Job, KindInfo, ModuleDef};
use crate::error::{AppError, ErrorCode, Msg};
use crate::store::Registry;

use payables::SupplierInvoice;
use planning::ReorderRule;
use purchase::PurchaseOrder;
use settings::InventorySettings;
use stock::StockMove;
use suppliers::Supplier;
use transfers::StockTransfer;
use warehouses::Warehouse;

pub fn module() -> ModuleDef {
    ModuleDef {
        areas,
        jobs,
        ..ModuleDef::new("goods", KINDS, register)
    }
}

fn jobs() -> Vec<Job> {
    vec![Job {
        name: "payables.remind",
        every: std::time::Duration::from_secs(3600),
        run: payables::remind,
    }]
}

static KINDS: &[KindInfo] = &[
    KindInfo::of::<Supplier>("供应商", "Supplier"),
    KindInfo::of::<PurchaseOrder>("采购订单", "Purchase order"),
    KindInfo::of::<Warehouse>("仓库", "Warehouse"),
    KindInfo::of::<StockMove>("库存流水", "Stock move"),
    KindInfo::of::<StockTransfer>("调拨单", "Stock transfer"),
    KindInfo::plain::<InventorySettings>(Module::Inventory, "库存设置", "Inventory settings"),
    KindInfo::of::<ReorderRule>("补货规则", "Reorder rule"),
    KindInfo::of::<SupplierInvoice>("供应商发票", "Supplier invoice"),
];

fn register(r: Registry) -> Registry {
    r.with::<Supplier>()
        .with::<PurchaseOrder>()
        .with::<Warehouse>()
        .with::<StockMove>()
        .with::<StockTransfer>()
        .with::<InventorySettings>()
        .with::<ReorderRule>()
        .with::<SupplierInvoice>()
}

fn areas(p: &Principal, areas: &mut Vec<&'static str>) {
    if p.scope(Module::Purchasing, Action::Read) != Scope::None {
        areas.extend(["purchasing.suppliers", "purchasing.orders"]);
    }
    if p.scope(Module::Inventory, Action::Read) != Scope::None {
        areas.extend(["inventory.stock", "inventory.warehouses"]);
    }
}

pub(crate) fn invalid(field: &str, zh: String, en: String) -> AppError {
    AppError::invalid(field, Msg::new(zh, en))
}

pub(crate) fn conflict(field: &str, zh: String, en: String) -> AppError {
    AppError::new(ErrorCode::Conflict)
        .on_field(field)
        .with_msg(Msg::new(zh, en))
}

/// The most one line or move may hold (a typo guard, and no overflow in sums).
pub(crate) const MAX_QUANTITY: i64 = 1_000_000_000;

/// A quantity more than 0 (and at most [`MAX_QUANTITY`], at most 4 decimals).
pub(crate) fn quantity(field: &str, q: Decimal) -> Result<Decimal, AppError> {
    if q <= Decimal::ZERO || q > Decimal::from(MAX_QUANTITY) || q.scale() > 4 {
        return Err(invalid(
            field,
            format!("数量应大于 0、不超过 {MAX_QUANTITY}，最多 4 位小数。"),
            format!(
                "The quantity must be more than 0, at most {MAX_QUANTITY}, with at most 4 decimals."
            ),
        ));
    }
    Ok(q.normalize())
}

/// A quantity as people read it (`500`, `12.5`).
pub(crate) fn qty(q: Decimal) -> String {
    q.normalize().to_string()
}
