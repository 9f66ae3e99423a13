//! What happened to a sales order, said by the module where it happened, so the order's
//! follow-up nodes (SAL-5) can complete themselves: the receipts' matching says a deposit or
//! the balance came in, purchasing says materials were bought and inspected, logistics says a
//! shipment was booked, loaded, its B/L issued, and it was delivered, and the feedback form says
//! the buyer answered. The sender does not know which nodes exist; the nodes listen.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::error::AppResult;
use crate::store::Tx;

/// One thing that happened to an order, on a day (the company's calendar day).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
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
    super::nodes::event(tx, order_id, event, Some(on))
}

/// Tells the order's follow-up nodes that the cause of `event` was taken back (a receipt
/// unmatched, a payment cancelled): the nodes that `event` completed are open again.
pub fn undone(tx: &mut Tx, order_id: u64, event: OrderEvent) -> AppResult<()> {
    super::nodes::event(tx, order_id, event, None)
}

impl OrderEvent {
    pub const ALL: [OrderEvent; 11] = [
        OrderEvent::Confirmed,
        OrderEvent::DepositReceived,
        OrderEvent::MaterialsBought,
        OrderEvent::ProductionStarted,
        OrderEvent::QcPassed,
        OrderEvent::Booked,
        OrderEvent::Loaded,
        OrderEvent::BlIssued,
        OrderEvent::BalanceReceived,
        OrderEvent::Delivered,
        OrderEvent::FeedbackReceived,
    ];

    /// What happened, in the viewer's language.
    pub fn name(self, lang: crate::i18n::Lang) -> &'static str {
        match self {
            OrderEvent::Confirmed => lang.pick("订单确认", "order confirmed"),
            OrderEvent::DepositReceived => lang.pick("定金核销到账", "deposit matched"),
            OrderEvent::MaterialsBought => lang.pick("采购单下达", "purchase order placed"),
            OrderEvent::ProductionStarted => lang.pick("订单转入生产", "order in production"),
            OrderEvent::QcPassed => lang.pick("来货验收合格", "goods passed inspection"),
            OrderEvent::Booked => lang.pick("订舱号录入", "booking number entered"),
            OrderEvent::Loaded => lang.pick("装船离港", "loaded and departed"),
            OrderEvent::BlIssued => lang.pick("提单日期录入", "B/L date entered"),
            OrderEvent::BalanceReceived => lang.pick("尾款核销结清", "order settled"),
            OrderEvent::Delivered => lang.pick("货物签收", "delivered"),
            OrderEvent::FeedbackReceived => lang.pick("客户反馈提交", "feedback received"),
        }
    }
}
