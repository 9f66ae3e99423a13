//! Order profit (FIN-1), estimated and actual, in the base currency: one computation that the
//! sales and the finance screens both read, so they never disagree.
//!
//! - Revenue: the order total at the order-date rate, less credit notes.
//! - Estimated costs: the products' costs on the lines (at the order-date rate of the cost's
//!   currency) plus the estimated charges (freight, duty, commission, bank fees).
//! - Actual costs: the charges entered as they arrive (purchase, freight, duty …) at the rate of
//!   their dates, plus the banks' fees deducted from the receipts; plus the realised exchange
//!   gain or loss of the receipts.
//!
//! Each charge is shared over the lines by quantity, value, weight, volume or equally: every
//! line but the last gets its share rounded down to the smallest unit, the last line the
//! remainder, so the shares add up to the charge exactly.

use rust_decimal::Decimal;
use serde::Serialize;

use super::orders::{Basis, Charge, ChargeKind, SalesOrder};
use super::rates;
use super::receipts::OrderAllocation;
use crate::domain::money::{Currency, Money};
use crate::error::AppResult;
use crate::store::Tx;

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct CostLine {
    pub kind: ChargeKind,
    /// `product_cost`, `charge`, `bank_fee`: where the figure comes from.
    pub source: String,
    pub amount: Money,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Figures {
    pub revenue: Money,
    pub costs: Vec<CostLine>,
    pub cost_total: Money,
    /// Realised exchange gain (+) or loss (−); zero for the estimate.
    pub fx: Money,
    pub profit: Money,
    /// Profit ÷ revenue, in percent with one decimal ("12.5"); none without revenue.
    #[schema(value_type = Option<String>)]
    pub margin_percent: Option<String>,
}

/// A line's share of the actual figures.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct LineProfit {
    pub line: usize,
    pub revenue: Money,
    pub cost: Money,
    pub profit: Money,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct ProfitView {
    pub base: Currency,
    /// The order total in its own currency, beside the base-currency figures.
    pub order_total: Money,
    pub estimated: Figures,
    pub actual: Figures,
    pub lines: Vec<LineProfit>,
}

/// Shares `total` over `weights`: every part but the last rounded down to the smallest unit,
/// the last the remainder (so the parts add up exactly). All-zero weights share equally.
pub fn share(total: Money, weights: &[Decimal]) -> Vec<Money> {
    let n = weights.len();
    if n == 0 {
        return Vec::new();
    }
    let currency = total.currency;
    let total = total.rounded();
    let sum: Decimal = weights.iter().map(|w| (*w).max(Decimal::ZERO)).sum();
    let mut out = Vec::with_capacity(n);
    let mut given = Decimal::ZERO;
    for (i, w) in weights.iter().enumerate() {
        let part = if i + 1 == n {
            total.amount - given
        } else {
            let exact = if sum.is_zero() {
                total.amount / Decimal::from(n)
            } else {
                total.amount * (*w).max(Decimal::ZERO) / sum
            };
            exact.round_dp_with_strategy(
                currency.minor_units(),
                rust_decimal::RoundingStrategy::ToZero,
            )
        };
        given += part;
        let mut part = part;
        part.rescale(currency.minor_units());
        out.push(Money::new(part, currency));
    }
    out
}

fn weights(o: &SalesOrder, basis: Basis) -> Vec<Decimal> {
    o.lines
        .iter()
        .map(|l| match basis {
            Basis::Quantity => l.quantity,
            Basis::Value => l.amount,
            Basis::Weight => l.weight_kg.unwrap_or_default(),
            Basis::Volume => l.volume_cbm.unwrap_or_default(),
            Basis::Equal => Decimal::ONE,
        })
        .collect()
}

fn in_base(c: &Charge) -> Decimal {
    c.rate.to_base(c.amount.amount)
}

fn margin(profit: Decimal, revenue: Decimal) -> Option<String> {
    (!revenue.is_zero()).then(|| {
        (profit * Decimal::ONE_HUNDRED / revenue)
            .round_dp_with_strategy(1, rust_decimal::RoundingStrategy::MidpointAwayFromZero)
            .to_string()
    })
}

fn figures(base: Currency, revenue: Decimal, costs: Vec<CostLine>, fx: Decimal) -> Figures {
    let cost_total: Decimal = costs.iter().map(|c| c.amount.amount).sum();
    let profit = revenue - cost_total + fx;
    Figures {
        revenue: Money::new(revenue, base),
        cost_total: Money::new(cost_total, base),
        fx: Money::new(fx, base),
        profit: Money::new(profit, base),
        margin_percent: margin(profit, revenue),
        costs,
    }
}

/// The order's profit, with `allocs` the active receipts' allocations to it.
pub fn of(tx: &Tx, o: &SalesOrder, allocs: &[OrderAllocation]) -> AppResult<ProfitView> {
    let base = o.rate.base;
    let total = o.total();
    let revenue_gross = o.rate.to_base(total.amount);
    let credited: Decimal = allocs
        .iter()
        .filter(|a| a.credit_note)
        .map(|a| o.rate.to_base(a.amount.amount))
        .sum();
    let revenue = revenue_gross - credited;

    // Estimated: product costs and estimated charges.
    let mut estimated = Vec::new();
    let mut product_cost = Decimal::ZERO;
    for l in &o.lines {
        if let Some(cost) = l.unit_cost {
            // A missing rate for the cost's currency leaves that line's cost out of the
            // estimate rather than failing the order page.
            if let Ok(rate) = rates::rate_on(tx, cost.currency, o.order_date(), "cost") {
                product_cost += rate.to_base(cost.amount * l.quantity);
            }
        }
    }
    if !product_cost.is_zero() {
        estimated.push(CostLine {
            kind: ChargeKind::Purchase,
            source: "product_cost".into(),
            amount: Money::new(product_cost, base),
        });
    }
    for c in &o.estimates {
        estimated.push(CostLine {
            kind: c.kind,
            source: "charge".into(),
            amount: Money::new(in_base(c), base),
        });
    }

    // Actual: charges as they arrived, the receipts' bank fees, realised FX.
    let mut actual: Vec<CostLine> = o
        .charges
        .iter()
        .map(|c| CostLine {
            kind: c.kind,
            source: "charge".into(),
            amount: Money::new(in_base(c), base),
        })
        .collect();
    let fees: Decimal = allocs.iter().map(|a| a.fee_base.amount).sum();
    if !fees.is_zero() {
        actual.push(CostLine {
            kind: ChargeKind::BankFee,
            source: "bank_fee".into(),
            amount: Money::new(fees, base),
        });
    }
    let fx: Decimal = allocs.iter().map(|a| a.fx.amount).sum();

    // Per line: revenue shared by value; each charge by its basis; fees by value.
    let line_revenue = share(Money::new(revenue, base), &weights(o, Basis::Value));
    let mut line_cost = vec![Decimal::ZERO; o.lines.len()];
    let mut add = |amount: Decimal, basis: Basis| {
        for (slot, part) in line_cost
            .iter_mut()
            .zip(share(Money::new(amount, base), &weights(o, basis)))
        {
            *slot += part.amount;
        }
    };
    for c in &o.charges {
        add(in_base(c), c.basis);
    }
    add(fees, Basis::Value);
    let line_fx = share(Money::new(fx, base), &weights(o, Basis::Value));
    let lines = line_revenue
        .into_iter()
        .zip(line_cost)
        .zip(line_fx)
        .enumerate()
        .map(|(i, ((revenue, cost), fx))| LineProfit {
            line: i,
            revenue,
            cost: Money::new(cost, base),
            profit: Money::new(revenue.amount - cost + fx.amount, base),
        })
        .collect();

    Ok(ProfitView {
        base,
        order_total: total,
        estimated: figures(base, revenue, estimated, Decimal::ZERO),
        actual: figures(base, revenue, actual, fx),
        lines,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(a: &str, c: &str) -> Money {
        Money::new(a.parse().unwrap(), Currency::of(c).unwrap())
    }

    /// (charge, weights, shares): the last line takes the remainder.
    #[test]
    fn charges_share_exactly_with_the_remainder_on_the_last_line() {
        let table: &[(&str, &str, &[&str], &[&str])] = &[
            (
                "100.00",
                "CNY",
                &["1", "1", "1"],
                &["33.33", "33.33", "33.34"],
            ),
            (
                "0.05",
                "CNY",
                &["1"; 10],
                &[
                    "0.00", "0.00", "0.00", "0.00", "0.00", "0.00", "0.00", "0.00", "0.00", "0.05",
                ],
            ),
            ("1000", "JPY", &["2", "1"], &["666", "334"]),
            (
                "2500.00",
                "USD",
                &["300", "150", "50"],
                &["1500.00", "750.00", "250.00"],
            ),
            ("10.00", "EUR", &["0", "0"], &["5.00", "5.00"]),
            (
                "99.99",
                "CNY",
                &["12.5", "0.3", "7"],
                &["63.12", "1.51", "35.36"],
            ),
        ];
        for (amount, cur, weights, want) in table {
            let w: Vec<Decimal> = weights.iter().map(|x| x.parse().unwrap()).collect();
            let got: Vec<String> = share(m(amount, cur), &w)
                .iter()
                .map(|p| p.amount.to_string())
                .collect();
            assert_eq!(got, *want, "{amount} {cur} by {weights:?}");
            let sum: Decimal = share(m(amount, cur), &w).iter().map(|p| p.amount).sum();
            assert_eq!(sum, m(amount, cur).amount);
        }
    }
}
