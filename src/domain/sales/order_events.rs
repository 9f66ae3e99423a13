//! What happened to a sales order, said by the module where it happened, so the order's
//! follow-up nodes (SAL-5) can complete themselves: the receipts' matching says a deposit or
//! the balance came in, purchasing says materials were bought and inspected, logistics says a
//! shipment was booked, loaded, its B/L issued, and it was delivered, and the feedback form says
//! the buyer answered. The sender does not know which nodes exist; the nodes listen.

use chrono::NaiveDate;

use crate::error::AppResult;
use crate::store::Tx;

/// One thing that happened to an order, on a day (the company's calendar day).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OrderEvent {
    /// The order was confirmed (the PI accepted).
    Confirmed,
    /// Receipts matched to the order cover its deposit instalment(s).
    DepositReceived,
    /// A purchase order for the order's goods was placed.
    MaterialsBought,
    /// Production started (the order moved to in production).
    ProductionStarted,
    /// A receipt for the order's goods passed inspection.
    QcPassed,
    /// A shipment of the order has a booking number.
    Booked,
    /// A shipment of the order was loaded (actual departure).
    Loaded,
    /// A shipment's bill of lading date was entered or reported.
    BlIssued,
    /// Receipts matched to the order settle it.
    BalanceReceived,
    /// A shipment of the order was delivered.
    Delivered,
    /// The buyer answered the after-sales feedback form.
    FeedbackReceived,
}

/// Tells the order's follow-up nodes that `event` happened on `on`, inside the sender's
/// transaction (a node completes with the change that completed it, or not at all).
pub fn happened(tx: &mut Tx, order_id: u64, event: OrderEvent, on: NaiveDate) -> AppResult<()> {
    // The follow-up nodes (SAL-5) are wired in here by `sales::nodes`.
    let _ = (tx, order_id, event, on);
    Ok(())
}
