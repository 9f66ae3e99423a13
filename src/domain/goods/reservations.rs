//! Reservations of sales orders (INV-1): a confirmed order (or one in production) holds stock
//! for its catalogue lines, less what was shipped for it; the order code calls [`sync_order`]
//! in the same transaction whenever an order is made, its lines or status change, or it is
//! deleted. Stock is taken from the main warehouse first, then from the others by what they
//! have available; what no warehouse has stays unreserved (availability shows it as short).

use std::collections::BTreeMap;

use rust_decimal::Decimal;

use super::stock::{MoveType, SourceRef, StockMove, balances_of, moves_of, post, reserved_by};
use super::warehouses;
use crate::domain::crm::company_today;
use crate::domain::sales::orders::{OrderStatus, SalesOrder};
use crate::domain::sales::products::Product;
use crate::error::AppResult;
use crate::store::{Actor, Entity, Tx};

/// Whether an order in this status holds stock for its lines.
fn reserves(status: OrderStatus) -> bool {
    matches!(status, OrderStatus::Confirmed | OrderStatus::InProduction)
}

/// Whether an order in this status has sent its goods (by shipments or marked so by hand).
fn gone(status: OrderStatus) -> bool {
    matches!(status, OrderStatus::Shipped | OrderStatus::Completed)
}

/// Brings an order's reservations in line with the order (its catalogue lines, less what was
/// shipped for it): everything it holds is released, and while the order is confirmed or in
/// production its lines are reserved again, in the main warehouse first, then in the others by
/// what they have available. What no warehouse has stays unreserved (availability shows it as
/// short). `order: None` (deleted) only releases. Called by the sales order code whenever an
/// order is made, its lines or its status change, or it is deleted, in the same transaction.
pub fn sync_order(
    tx: &mut Tx,
    actor: &Actor,
    order_id: u64,
    order: Option<&SalesOrder>,
) -> AppResult<()> {
    let src = SourceRef::new(SalesOrder::KIND, order_id, order.map(|o| o.number.clone()));
    let today = company_today(tx, tx.now())?;
    let held = reserved_by(tx, &src)?;
    let mut need: BTreeMap<u64, Decimal> = BTreeMap::new();
    if let Some(o) = order.filter(|o| reserves(o.status)) {
        for l in &o.lines {
            if let Some(pid) = l.product_id
                && l.quantity > Decimal::ZERO
            {
                *need.entry(pid).or_default() += l.quantity;
            }
        }
        for m in moves_of(tx, &src.kind, src.id)? {
            let shipped = match m.move_type {
                MoveType::Shipment => m.quantity,
                MoveType::Return => -m.quantity,
                _ => continue,
            };
            if let Some(n) = need.get_mut(&m.product_id) {
                *n -= shipped;
            }
        }
    }
    // Nothing to do when what is held is what is needed (a change of remarks, of dates).
    let mut held_per_product: BTreeMap<u64, Decimal> = BTreeMap::new();
    for ((pid, _), q) in &held {
        *held_per_product.entry(*pid).or_default() += *q;
    }
    let wanted: BTreeMap<u64, Decimal> = need
        .iter()
        .filter(|(_, q)| **q > Decimal::ZERO)
        .map(|(p, q)| (*p, *q))
        .collect();
    if held_per_product == wanted {
        return Ok(());
    }
    let mv = |t: MoveType, pid: u64, w: u64, q: Decimal| StockMove {
        move_type: t,
        product_id: pid,
        warehouse_id: w,
        to_warehouse_id: None,
        quantity: q,
        outward: false,
        source: Some(src.clone()),
        date: today,
        note: None,
    };
    // An order marked shipped (or completed) without its goods leaving through shipments:
    // what it still holds left with it, so it goes out as shipment moves rather than back to
    // the shelf (else the goods would be counted twice: gone, and still on hand).
    let left_anyway = order.is_some_and(|o| gone(o.status));
    for ((pid, w), q) in held {
        if q > Decimal::ZERO {
            post(tx, actor, "lines", mv(MoveType::Release, pid, w, q))?;
            if left_anyway {
                let mut out = mv(MoveType::Shipment, pid, w, q);
                out.outward = true;
                post(tx, actor, "lines", out)?;
            }
        }
    }
    for (pid, mut remaining) in wanted {
        if tx.get_live::<Product>(pid).is_err() {
            continue;
        }
        for (w, available) in pick_order(tx, pid)? {
            if remaining <= Decimal::ZERO {
                break;
            }
            let take = available.min(remaining);
            if take > Decimal::ZERO {
                post(tx, actor, "lines", mv(MoveType::Reserve, pid, w, take))?;
                remaining -= take;
            }
        }
    }
    Ok(())
}

/// The active warehouses in the order stock is taken from: the main one first, then by what
/// they have available (most first), with that available quantity.
pub fn pick_order(tx: &Tx, product: u64) -> AppResult<Vec<(u64, Decimal)>> {
    let balances = balances_of(tx, product)?;
    let mut list: Vec<(bool, Decimal, u64)> = warehouses::all(tx)?
        .into_iter()
        .filter(|w| w.data.active)
        .map(|w| {
            let avail = balances
                .get(&w.id)
                .map(|b| b.available())
                .unwrap_or_default();
            (w.data.main, avail, w.id)
        })
        .collect();
    list.sort_by(|a, b| b.0.cmp(&a.0).then(b.1.cmp(&a.1)).then(a.2.cmp(&b.2)));
    Ok(list.into_iter().map(|(_, a, w)| (w, a)).collect())
}
