//! Receipts of purchase orders into a warehouse, partial or whole, with a quality inspection
//! per line (inspected, passed, rejected, reason): what passed goes into stock (a `receipt`
//! move), what was rejected does not. Receiving more than ordered beyond the tolerance of the
//! inventory settings (5 % by default) is refused naming the line. A receipt of an order bought
//! for a sales order adds its value (at the purchase order's rate) to that order's actual costs
//! as a purchase charge, so the order's actual profit counts it (FIN-1).
//!
//! A supplier's figures come from its own receipts: pass rate (passed ÷ inspected), on-time
//! rate (receipts on or before the order's due date, of orders with one) and the average
//! actual lead time (receipt date − order date).

use chrono::NaiveDate;
use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};

use super::purchase::{PoStatus, PurchaseOrder, view};
use super::stock::{self, MoveType, SourceRef, StockMove};
use super::{conflict, invalid, qty, quantity, settings, warehouses};
use crate::auth::{Action, Module, Principal};
use crate::domain::Kontor;
use crate::domain::crm::company_today;
use crate::domain::kit::guard;
use crate::domain::money::Money;
use crate::domain::sales::lines;
use crate::domain::sales::orders::{Basis, Charge, ChargeKind, SalesOrder};
use crate::domain::validate;
use crate::error::{AppError, AppResult};
use crate::store::{Actor, Entity, IndexKey, Tx};

/// The inspection of one line of a receipt.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
pub struct Inspection {
    /// The purchase order's line (0-based).
    pub line: usize,
    #[serde(with = "rust_decimal::serde::str")]
    #[schema(value_type = String)]
    pub inspected: Decimal,
    #[serde(with = "rust_decimal::serde::str")]
    #[schema(value_type = String)]
    pub passed: Decimal,
    #[serde(with = "rust_decimal::serde::str")]
    #[schema(value_type = String)]
    pub rejected: Decimal,
    pub reason: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
pub struct PoReceipt {
    pub date: NaiveDate,
    pub warehouse_id: u64,
    pub lines: Vec<Inspection>,
    /// On or before the order's due date (none without one).
    pub on_time: Option<bool>,
    /// Days from the order date.
    pub lead_days: i64,
    pub received_by: Option<u64>,
}

#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InspectionInput {
    pub line: usize,
    /// How many arrived and were inspected.
    #[schema(value_type = String, example = "100")]
    #[serde(with = "rust_decimal::serde::str")]
    pub inspected: Decimal,
    /// Inspected − rejected when not given.
    #[serde(default, with = "rust_decimal::serde::str_option")]
    #[schema(value_type = Option<String>, example = "98")]
    pub passed: Option<Decimal>,
    #[serde(default, with = "rust_decimal::serde::str_option")]
    #[schema(value_type = Option<String>, example = "2")]
    pub rejected: Option<Decimal>,
    /// Required when something was rejected.
    pub reason: Option<String>,
}

#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GoodsReceiptInput {
    /// The order's warehouse when not given.
    pub warehouse_id: Option<u64>,
    /// Today when not given.
    pub date: Option<NaiveDate>,
    pub lines: Vec<InspectionInput>,
    pub version: Option<u64>,
}

fn checked(i: usize, l: &InspectionInput) -> AppResult<Inspection> {
    let f = |x: &str| format!("lines[{i}].{x}");
    let inspected = quantity(&f("inspected"), l.inspected)?;
    let rejected = l.rejected.unwrap_or_default();
    if rejected.is_sign_negative() || rejected > inspected {
        return Err(invalid(
            &f("rejected"),
            "不合格数量应在 0 和检验数量之间。".into(),
            "The rejected quantity must be between 0 and the quantity inspected.".into(),
        ));
    }
    let passed = l.passed.unwrap_or(inspected - rejected);
    if passed.is_sign_negative() || passed + rejected != inspected {
        return Err(invalid(
            &f("passed"),
            format!(
                "合格 {} + 不合格 {} 应等于检验数量 {}。",
                qty(passed),
                qty(rejected),
                qty(inspected)
            ),
            format!(
                "Passed {} + rejected {} must equal the {} inspected.",
                qty(passed),
                qty(rejected),
                qty(inspected)
            ),
        ));
    }
    let reason = validate::optional_text(&f("reason"), l.reason.as_deref(), 500)?;
    if rejected > Decimal::ZERO && reason.is_none() {
        return Err(invalid(
            &f("reason"),
            "有不合格品时请填写原因。".into(),
            "Give the reason for the rejects.".into(),
        ));
    }
    Ok(Inspection {
        line: l.line,
        inspected,
        passed: passed.normalize(),
        rejected: rejected.normalize(),
        reason,
    })
}

/// Receives goods of a confirmed purchase order into a warehouse, with their inspection.
pub fn receive(
    k: &Kontor,
    p: &Principal,
    id: u64,
    input: GoodsReceiptInput,
) -> AppResult<serde_json::Value> {
    p.require(Module::Inventory, Action::Create)?;
    let principal = p.clone();
    k.store.write(move |tx| {
        let p = &principal;
        let po = guard::open::<PurchaseOrder>(tx, p, id, Action::Read)?;
        let mut o = po.data.clone();
        if !o.status.is_open() {
            return Err(conflict(
                "status",
                format!("采购订单 {} 未确认或已结束，不能收货。", o.number),
                format!("Purchase order {} is not confirmed or is closed: nothing can be received.", o.number),
            ));
        }
        let warehouse = input
            .warehouse_id
            .or(o.warehouse_id)
            .ok_or_else(|| AppError::required("warehouse_id"))?;
        warehouses::find(tx, "warehouse_id", warehouse)?;
        if input.lines.is_empty() {
            return Err(AppError::required("lines"));
        }
        let date = match input.date {
            Some(d) => d,
            None => company_today(tx, tx.now())?,
        };
        if date < o.order_date {
            return Err(invalid(
                "date",
                "收货日期不能早于下单日期。".into(),
                "The receipt date cannot be before the order date.".into(),
            ));
        }
        let tolerance = settings::current(tx)?.over_receipt_percent;
        let mut inspections = Vec::with_capacity(input.lines.len());
        for (i, l) in input.lines.iter().enumerate() {
            let ins = checked(i, l)?;
            let Some(line) = o.lines.get_mut(ins.line) else {
                return Err(invalid(
                    &format!("lines[{i}].line"),
                    format!("采购订单没有第 {} 行。", ins.line),
                    format!("The purchase order has no line {}.", ins.line),
                ));
            };
            line.received += ins.passed;
            line.rejected += ins.rejected;
            let limit = line.quantity * (Decimal::ONE_HUNDRED + tolerance) / Decimal::ONE_HUNDRED;
            if line.received > limit {
                return Err(conflict(
                    &format!("lines[{i}].passed"),
                    format!(
                        "第 {} 行 {}：订购 {}，收货后共 {}，超过允许的 {}%。",
                        ins.line,
                        line.sku,
                        qty(line.quantity),
                        qty(line.received),
                        qty(tolerance)
                    ),
                    format!(
                        "Line {} {}: {} ordered, {} received with this receipt, more than the {} % allowed.",
                        ins.line,
                        line.sku,
                        qty(line.quantity),
                        qty(line.received),
                        qty(tolerance)
                    ),
                ));
            }
            inspections.push(ins);
        }
        let src = SourceRef::new(PurchaseOrder::KIND, id, Some(o.number.clone()));
        let mut value = Decimal::ZERO;
        for (i, ins) in inspections.iter().enumerate() {
            let line = &o.lines[ins.line];
            value += ins.passed * line.unit_price;
            if ins.passed > Decimal::ZERO {
                let m = StockMove {
                    move_type: MoveType::Receipt,
                    product_id: line.product_id,
                    warehouse_id: warehouse,
                    to_warehouse_id: None,
                    quantity: ins.passed,
                    outward: false,
                    source: Some(src.clone()),
                    date,
                    note: None,
                };
                stock::post(tx, &p.actor(), &format!("lines[{i}]"), m)?;
            }
        }
        let passed_any = inspections.iter().any(|i| i.passed > Decimal::ZERO);
        o.receipts.push(PoReceipt {
            date,
            warehouse_id: warehouse,
            lines: inspections,
            on_time: o.due_date.map(|due| date <= due),
            lead_days: (date - o.order_date).num_days(),
            received_by: Some(p.user_id),
        });
        o.status = if o.lines.iter().all(|l| l.received >= l.quantity) {
            PoStatus::Received
        } else {
            PoStatus::PartiallyReceived
        };
        if let Some(so) = o.sales_order_id {
            add_purchase_cost(tx, &p.actor(), so, &o, value, date)?;
            // Goods for the order passed inspection: its QC node (SAL-5).
            if passed_any {
                crate::domain::sales::order_events::happened(
                    tx,
                    so,
                    crate::domain::sales::order_events::OrderEvent::QcPassed,
                    date,
                )?;
            }
        }
        let r = tx.update::<PurchaseOrder, AppError>(&p.actor(), id, input.version, |x| {
            *x = o;
            Ok(())
        })?;
        view(tx, p, r)
    })
}

/// The received value as an actual purchase cost of the sales order (at the PO's rate).
fn add_purchase_cost(
    tx: &mut Tx,
    actor: &Actor,
    order: u64,
    po: &PurchaseOrder,
    value: Decimal,
    date: NaiveDate,
) -> AppResult<()> {
    if value <= Decimal::ZERO || tx.get_live::<SalesOrder>(order).is_err() {
        return Ok(());
    }
    let charge = Charge {
        kind: ChargeKind::Purchase,
        amount: Money::new(lines::round(value, po.currency), po.currency),
        date,
        basis: Basis::Value,
        note: Some(format!("{} receipt", po.number)),
        rate: po.rate,
    };
    tx.update::<SalesOrder, AppError>(actor, order, None, |o| {
        o.charges.push(charge);
        Ok(())
    })?;
    Ok(())
}

/// A supplier's record, from its own receipts.
#[derive(Clone, Debug, Default, Serialize, utoipa::ToSchema)]
pub struct SupplierFigures {
    pub receipts: u32,
    #[schema(value_type = String)]
    pub inspected: String,
    #[schema(value_type = String)]
    pub passed: String,
    /// Passed ÷ inspected, percent ("98", "97.5"); none before the first inspection.
    #[schema(value_type = Option<String>)]
    pub pass_rate: Option<String>,
    /// Receipts on or before the due date ÷ receipts of orders with one, percent.
    #[schema(value_type = Option<String>)]
    pub on_time_rate: Option<String>,
    /// Average days from order to receipt.
    #[schema(value_type = Option<String>)]
    pub lead_days_avg: Option<String>,
    #[serde(skip)]
    pub pass_ratio: Decimal,
}

fn percent(part: Decimal, whole: Decimal) -> Option<String> {
    (!whole.is_zero()).then(|| {
        (part * Decimal::ONE_HUNDRED / whole)
            .round_dp_with_strategy(1, RoundingStrategy::MidpointAwayFromZero)
            .normalize()
            .to_string()
    })
}

pub fn figures(tx: &Tx, supplier: u64) -> AppResult<SupplierFigures> {
    let (mut inspected, mut passed) = (Decimal::ZERO, Decimal::ZERO);
    let (mut dated, mut on_time, mut receipts, mut lead_sum) = (0u32, 0u32, 0u32, 0i64);
    for id in tx.ids_by_index::<PurchaseOrder>("supplier", &IndexKey::new().u64(supplier), false)? {
        let Some(o) = tx
            .get::<PurchaseOrder>(id)?
            .filter(|o| !o.meta.is_deleted())
        else {
            continue;
        };
        for r in &o.data.receipts {
            receipts += 1;
            lead_sum += r.lead_days;
            for l in &r.lines {
                inspected += l.inspected;
                passed += l.passed;
            }
            if let Some(t) = r.on_time {
                dated += 1;
                on_time += u32::from(t);
            }
        }
    }
    Ok(SupplierFigures {
        receipts,
        inspected: qty(inspected),
        passed: qty(passed),
        pass_rate: percent(passed, inspected),
        on_time_rate: percent(on_time.into(), dated.into()),
        lead_days_avg: percent(
            Decimal::from(lead_sum),
            Decimal::from(receipts) * Decimal::ONE_HUNDRED,
        ),
        pass_ratio: if inspected.is_zero() {
            Decimal::ZERO
        } else {
            passed / inspected
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_are_percent_with_one_decimal_at_most() {
        let d = |x: i64| Decimal::from(x);
        let table = [
            ((98, 100), Some("98")),
            ((100, 102), Some("98")),
            ((1, 3), Some("33.3")),
            ((29, 300), Some("9.7")),
            ((0, 0), None),
        ];
        for ((part, whole), want) in table {
            assert_eq!(
                percent(d(part), d(whole)).as_deref(),
                want,
                "{part}/{whole}"
            );
        }
    }

    #[test]
    fn an_inspection_adds_up_and_gives_a_reason_for_rejects() {
        let input = |inspected: &str,
                     passed: Option<&str>,
                     rejected: Option<&str>,
                     reason: Option<&str>| InspectionInput {
            line: 0,
            inspected: inspected.parse().unwrap(),
            passed: passed.map(|p| p.parse().unwrap()),
            rejected: rejected.map(|r| r.parse().unwrap()),
            reason: reason.map(str::to_string),
        };
        let ok = checked(0, &input("50", None, Some("2"), Some("scratches"))).unwrap();
        assert_eq!(
            (ok.passed, ok.rejected),
            (Decimal::from(48), Decimal::from(2))
        );
        let table = [
            (input("50", None, Some("2"), None), "lines[0].reason"),
            (
                input("50", Some("49"), Some("2"), Some("x")),
                "lines[0].passed",
            ),
            (
                input("50", None, Some("51"), Some("x")),
                "lines[0].rejected",
            ),
            (input("0", None, None, None), "lines[0].inspected"),
        ];
        for (i, field) in table {
            assert_eq!(checked(0, &i).unwrap_err().field.as_deref(), Some(field));
        }
    }
}
