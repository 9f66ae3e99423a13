//! Transfers between warehouses (INV-1): sending takes the goods out of the source warehouse at
//! once (`transfer_out`) and puts them in transit to the destination; receiving the transfer
//! there puts them on hand (`transfer_in`). Sending more than the source has available is
//! refused (unless negative stock is allowed), naming the line, product and warehouse.

use chrono::{DateTime, Days, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::stock::{self, MoveType, SourceRef, StockMove};
use super::warehouses::{self, Warehouse};
use super::{conflict, invalid, quantity};
use crate::auth::{Action, Module, Principal};
use crate::domain::Kontor;
use crate::domain::crm::company_today;
use crate::domain::kit::{Guarded, List, Owner, Paging, Query, Source, guard};
use crate::domain::validate;
use crate::error::{AppError, AppResult};
use crate::store::{Entity, Record, Tx};

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TransportMode {
    #[default]
    Sea,
    Air,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum StockTransferStatus {
    InTransit,
    Received,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
pub struct TransferLine {
    pub product_id: u64,
    #[serde(with = "rust_decimal::serde::str")]
    #[schema(value_type = String, example = "100")]
    pub quantity: Decimal,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct StockTransfer {
    pub number: String,
    pub from_warehouse_id: u64,
    pub to_warehouse_id: u64,
    pub mode: TransportMode,
    pub lines: Vec<TransferLine>,
    pub sent_on: NaiveDate,
    /// Sent date + the destination's transit days for the mode.
    pub expected_on: Option<NaiveDate>,
    pub received_on: Option<NaiveDate>,
    pub status: StockTransferStatus,
    pub note: Option<String>,
}

impl Entity for StockTransfer {
    const KIND: &'static str = "stock_transfer";
    fn title(&self) -> String {
        self.number.clone()
    }
}

impl Guarded for StockTransfer {
    const MODULE: Module = Module::Inventory;
    const OWNER: Owner = Owner::Nobody;
}

#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StockTransferInput {
    pub from_warehouse_id: u64,
    pub to_warehouse_id: u64,
    pub mode: Option<TransportMode>,
    pub lines: Vec<TransferLine>,
    /// Today when not given.
    pub date: Option<NaiveDate>,
    pub note: Option<String>,
}

#[derive(Clone, Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReceiveTransferInput {
    /// Today when not given.
    pub date: Option<NaiveDate>,
    pub version: Option<u64>,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct TransferView {
    pub id: u64,
    pub number: String,
    pub from_warehouse_id: u64,
    pub from_code: String,
    pub to_warehouse_id: u64,
    pub to_code: String,
    pub mode: TransportMode,
    pub lines: Vec<TransferLine>,
    pub sent_on: NaiveDate,
    pub expected_on: Option<NaiveDate>,
    pub received_on: Option<NaiveDate>,
    pub status: StockTransferStatus,
    pub note: Option<String>,
    pub created_at: DateTime<Utc>,
    pub version: u64,
}

fn view(tx: &Tx, r: Record<StockTransfer>) -> AppResult<TransferView> {
    let t = r.data;
    let code = |id: u64| -> AppResult<String> {
        Ok(tx
            .get::<Warehouse>(id)?
            .map(|w| w.data.code)
            .unwrap_or_default())
    };
    Ok(TransferView {
        id: r.id,
        from_code: code(t.from_warehouse_id)?,
        to_code: code(t.to_warehouse_id)?,
        number: t.number,
        from_warehouse_id: t.from_warehouse_id,
        to_warehouse_id: t.to_warehouse_id,
        mode: t.mode,
        lines: t.lines,
        sent_on: t.sent_on,
        expected_on: t.expected_on,
        received_on: t.received_on,
        status: t.status,
        note: t.note,
        created_at: r.meta.created_at,
        version: r.meta.version,
    })
}

fn year_of(d: NaiveDate) -> i32 {
    use chrono::Datelike;
    d.year()
}

/// Sends goods from one warehouse to another: out of the source now, in transit until received.
pub fn send(k: &Kontor, p: &Principal, input: StockTransferInput) -> AppResult<TransferView> {
    p.require(Module::Inventory, Action::Create)?;
    let principal = p.clone();
    k.store.write(move |tx| {
        let from = warehouses::find(tx, "from_warehouse_id", input.from_warehouse_id)?;
        let to = warehouses::find(tx, "to_warehouse_id", input.to_warehouse_id)?;
        if from.id == to.id {
            return Err(invalid(
                "to_warehouse_id",
                "调出和调入仓库不能相同。".into(),
                "The transfer must go to another warehouse.".into(),
            ));
        }
        if input.lines.is_empty() {
            return Err(AppError::required("lines"));
        }
        let mut lines = Vec::with_capacity(input.lines.len());
        for (i, l) in input.lines.iter().enumerate() {
            stock::product(tx, &format!("lines[{i}].product_id"), l.product_id)?;
            lines.push(TransferLine {
                product_id: l.product_id,
                quantity: quantity(&format!("lines[{i}].quantity"), l.quantity)?,
            });
        }
        let sent_on = match input.date {
            Some(d) => d,
            None => company_today(tx, tx.now())?,
        };
        let mode = input.mode.unwrap_or_default();
        let days = match mode {
            TransportMode::Sea => to.data.transit_days_sea,
            TransportMode::Air => to.data.transit_days_air,
        };
        let expected_on = days.and_then(|d| sent_on.checked_add_days(Days::new(d.into())));
        let number = tx.next_document_number("TR", year_of(sent_on))?;
        let t = StockTransfer {
            number: number.clone(),
            from_warehouse_id: from.id,
            to_warehouse_id: to.id,
            mode,
            lines: lines.clone(),
            sent_on,
            expected_on,
            received_on: None,
            status: StockTransferStatus::InTransit,
            note: validate::optional_text("note", input.note.as_deref(), 500)?,
        };
        let r = guard::insert(tx, &principal, t)?;
        let src = SourceRef::new(StockTransfer::KIND, r.id, Some(number));
        for (i, l) in lines.iter().enumerate() {
            let m = StockMove {
                move_type: MoveType::TransferOut,
                product_id: l.product_id,
                warehouse_id: from.id,
                to_warehouse_id: Some(to.id),
                quantity: l.quantity,
                outward: true,
                source: Some(src.clone()),
                date: sent_on,
                note: None,
            };
            stock::post(tx, &principal.actor(), &format!("lines[{i}]"), m)?;
        }
        view(tx, r)
    })
}

/// Receives a transfer at its destination: every line goes from in transit to on hand.
pub fn receive(
    k: &Kontor,
    p: &Principal,
    id: u64,
    input: ReceiveTransferInput,
) -> AppResult<TransferView> {
    let principal = p.clone();
    k.store.write(move |tx| {
        let t = guard::open::<StockTransfer>(tx, &principal, id, Action::Update)?;
        if t.data.status == StockTransferStatus::Received {
            return Err(conflict(
                "status",
                format!("调拨单 {} 已收货。", t.data.number),
                format!("Transfer {} has been received already.", t.data.number),
            ));
        }
        let date = match input.date {
            Some(d) => d,
            None => company_today(tx, tx.now())?,
        };
        if date < t.data.sent_on {
            return Err(invalid(
                "date",
                "收货日期不能早于发出日期。".into(),
                "The receipt date cannot be before the date sent.".into(),
            ));
        }
        let src = SourceRef::new(StockTransfer::KIND, id, Some(t.data.number.clone()));
        for (i, l) in t.data.lines.iter().enumerate() {
            let m = StockMove {
                move_type: MoveType::TransferIn,
                product_id: l.product_id,
                warehouse_id: t.data.to_warehouse_id,
                to_warehouse_id: None,
                quantity: l.quantity,
                outward: false,
                source: Some(src.clone()),
                date,
                note: None,
            };
            stock::post(tx, &principal.actor(), &format!("lines[{i}]"), m)?;
        }
        let r =
            tx.update::<StockTransfer, AppError>(&principal.actor(), id, input.version, |t| {
                t.status = StockTransferStatus::Received;
                t.received_on = Some(date);
                Ok(())
            })?;
        view(tx, r)
    })
}

pub fn get(k: &Kontor, p: &Principal, id: u64) -> AppResult<TransferView> {
    k.store.read(|tx| {
        let r = guard::open::<StockTransfer>(tx, p, id, Action::Read)?;
        view(tx, r)
    })
}

#[derive(Clone, Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct TransferQuery {
    pub status: Option<StockTransferStatus>,
    pub page: Option<u64>,
    pub per_page: Option<u64>,
}

pub fn list(k: &Kontor, p: &Principal, q: TransferQuery) -> AppResult<List<TransferView>> {
    k.store.read(|tx| {
        let query = Query::<StockTransfer>::new(Source::All, Paging::new(q.page, q.per_page))
            .filter_if(q.status.is_some(), |r| Some(r.data.status) == q.status);
        guard::readable(tx, p, query)?
            .run(tx)?
            .try_map(|r| view(tx, r))
    })
}
