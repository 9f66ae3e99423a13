//! The inventory settings (one record): whether stock may go below zero (off by default: a
//! move that would make on-hand or available negative is refused) and the over-receipt
//! tolerance of purchase orders (5 % by default), whether purchase planning inflates its
//! quantities by the supplier's pass rate (off by default), and how many days before a supplier
//! invoice falls due finance is reminded (3 by default). Read by inventory readers, set by
//! settings admins.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::auth::{Action, Module, Principal};
use crate::domain::Kontor;
use crate::domain::kit::{Guarded, Owner};
use crate::error::{AppError, AppResult};
use crate::store::{Entity, Tx};

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
pub struct InventorySettings {
    /// Whether moves may take on-hand or available stock below zero.
    pub allow_negative: bool,
    /// How far (percent) a receipt may go beyond the ordered quantity of a line.
    #[serde(with = "rust_decimal::serde::str")]
    #[schema(value_type = String, example = "5")]
    pub over_receipt_percent: Decimal,
    /// Purchase planning divides its quantities by the supplier's pass rate (rejects expected).
    #[serde(default)]
    pub plan_with_pass_rate: bool,
    /// Days before a supplier invoice's due date that finance is reminded (0–90).
    #[serde(default = "default_reminder_days")]
    #[schema(maximum = 90, example = 3)]
    pub payable_reminder_days: u32,
}

fn default_reminder_days() -> u32 {
    3
}

/// Schema 1: before planning and payables.
#[derive(Deserialize)]
struct InventorySettingsV1 {
    allow_negative: bool,
    #[serde(with = "rust_decimal::serde::str")]
    over_receipt_percent: Decimal,
}

impl Default for InventorySettings {
    fn default() -> Self {
        InventorySettings {
            allow_negative: false,
            over_receipt_percent: Decimal::from(5),
            plan_with_pass_rate: false,
            payable_reminder_days: default_reminder_days(),
        }
    }
}

impl Entity for InventorySettings {
    const KIND: &'static str = "inventory_settings";
    /// 2: `plan_with_pass_rate` (off) and `payable_reminder_days` (3) added.
    const SCHEMA_VERSION: u16 = 2;
    fn upgrade(from: u16, payload: &[u8]) -> Result<Self, crate::store::StoreError> {
        match from {
            1 => {
                let old: InventorySettingsV1 = crate::store::decode(payload)?;
                Ok(InventorySettings {
                    allow_negative: old.allow_negative,
                    over_receipt_percent: old.over_receipt_percent,
                    ..InventorySettings::default()
                })
            }
            v => Err(crate::store::StoreError::Corrupt(format!(
                "inventory_settings schema {v}"
            ))),
        }
    }
    fn title(&self) -> String {
        "inventory settings".into()
    }
}

impl Guarded for InventorySettings {
    const MODULE: Module = Module::Inventory;
    const OWNER: Owner = Owner::Nobody;
}

const SETTINGS_ID: u64 = 1;

/// The settings in force (the defaults until an admin saves them).
pub fn current(tx: &Tx) -> AppResult<InventorySettings> {
    Ok(tx
        .get::<InventorySettings>(SETTINGS_ID)?
        .filter(|r| !r.meta.is_deleted())
        .map(|r| r.data)
        .unwrap_or_default())
}

pub fn get(k: &Kontor, p: &Principal) -> AppResult<InventorySettings> {
    p.require(Module::Inventory, Action::Read)?;
    k.store.read(current)
}

pub fn set(k: &Kontor, p: &Principal, input: InventorySettings) -> AppResult<InventorySettings> {
    p.require_all(Module::Settings, Action::Update)?;
    let pct = input.over_receipt_percent;
    if pct < Decimal::ZERO || pct > Decimal::ONE_HUNDRED {
        return Err(super::invalid(
            "over_receipt_percent",
            "超收容差应在 0 到 100 之间。".into(),
            "The over-receipt tolerance must be between 0 and 100.".into(),
        ));
    }
    if input.payable_reminder_days > 90 {
        return Err(super::invalid(
            "payable_reminder_days",
            "付款提醒天数应在 0 到 90 之间。".into(),
            "The payable reminder days must be between 0 and 90.".into(),
        ));
    }
    let actor = p.actor();
    k.store.write(move |tx| {
        if tx.get_live::<InventorySettings>(SETTINGS_ID).is_ok() {
            tx.update::<InventorySettings, AppError>(&actor, SETTINGS_ID, None, |s| {
                *s = input.clone();
                Ok(())
            })?;
        } else {
            tx.insert(&actor, input.clone())?;
        }
        Ok(input)
    })
}
