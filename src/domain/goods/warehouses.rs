//! Warehouses (INV-1): the company's own stock locations, domestic and overseas, each with the
//! transit time from the main warehouse by sea and by air. One warehouse may be the main one
//! (where goods are bought into and shipped from first). The company's, not anyone's (no owner):
//! the inventory rights decide.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::invalid;
use crate::auth::{Action, Module, Principal};
use crate::domain::kit::{Guarded, List, Owner, Paging, Query, Source, guard};
use crate::domain::{Kontor, validate};
use crate::error::AppResult;
use crate::store::{Entity, IndexDef, IndexKey, Record, Tx};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Location {
    Domestic,
    Overseas,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Warehouse {
    /// Short code (`NB`, `LA`), unique.
    pub code: String,
    pub name: String,
    pub location: Location,
    /// ISO country code.
    pub country: Option<String>,
    /// The main warehouse: transit times are counted from it.
    pub main: bool,
    /// Days from the main warehouse by sea and by air.
    pub transit_days_sea: Option<u32>,
    pub transit_days_air: Option<u32>,
    pub active: bool,
}

impl Entity for Warehouse {
    const KIND: &'static str = "warehouse";
    fn indexes() -> Vec<IndexDef<Self>> {
        vec![IndexDef::unique("code", "code", |w: &Warehouse| {
            vec![IndexKey::new().str(&w.code.to_uppercase())]
        })]
    }
    fn title(&self) -> String {
        format!("{} {}", self.code, self.name)
    }
}

impl Guarded for Warehouse {
    const MODULE: Module = Module::Inventory;
    const OWNER: Owner = Owner::Nobody;
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct WarehouseView {
    pub id: u64,
    pub code: String,
    pub name: String,
    pub location: Location,
    pub country: Option<String>,
    pub main: bool,
    pub transit_days_sea: Option<u32>,
    pub transit_days_air: Option<u32>,
    pub active: bool,
    pub updated_at: DateTime<Utc>,
    pub version: u64,
}

pub fn view(r: Record<Warehouse>) -> WarehouseView {
    let w = r.data;
    WarehouseView {
        id: r.id,
        code: w.code,
        name: w.name,
        location: w.location,
        country: w.country,
        main: w.main,
        transit_days_sea: w.transit_days_sea,
        transit_days_air: w.transit_days_air,
        active: w.active,
        updated_at: r.meta.updated_at,
        version: r.meta.version,
    }
}

#[derive(Clone, Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WarehouseInput {
    pub code: Option<String>,
    pub name: Option<String>,
    pub location: Option<Location>,
    pub country: Option<String>,
    pub main: Option<bool>,
    #[schema(maximum = 365)]
    pub transit_days_sea: Option<u32>,
    #[schema(maximum = 365)]
    pub transit_days_air: Option<u32>,
    pub active: Option<bool>,
    pub version: Option<u64>,
}

fn apply(tx: &Tx, id: Option<u64>, w: &mut Warehouse, input: &WarehouseInput) -> AppResult<()> {
    if let Some(code) = &input.code {
        let code = validate::text("code", code, 12)?;
        if !code.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
            return Err(invalid(
                "code",
                format!("仓库代码“{code}”只能含字母、数字和 -。"),
                format!("Warehouse code “{code}” may hold only letters, digits and -."),
            ));
        }
        w.code = code.to_uppercase();
    }
    if let Some(name) = &input.name {
        w.name = validate::text("name", name, 100)?;
    }
    if let Some(l) = input.location {
        w.location = l;
    }
    if input.country.is_some() {
        w.country = validate::optional_country("country", input.country.as_deref())?;
    }
    for (field, value, slot) in [
        (
            "transit_days_sea",
            input.transit_days_sea,
            &mut w.transit_days_sea,
        ),
        (
            "transit_days_air",
            input.transit_days_air,
            &mut w.transit_days_air,
        ),
    ] {
        if let Some(days) = value {
            if days > 365 {
                return Err(invalid(
                    field,
                    "在途天数不能超过 365 天。".into(),
                    "Transit days cannot exceed 365.".into(),
                ));
            }
            *slot = Some(days);
        }
    }
    if let Some(a) = input.active {
        w.active = a;
    }
    if let Some(main) = input.main {
        w.main = main;
    }
    if w.main && w.location != Location::Domestic {
        return Err(invalid(
            "main",
            "主仓库应为国内仓。".into(),
            "The main warehouse must be a domestic one.".into(),
        ));
    }
    if input.main == Some(true) {
        let other = tx
            .list::<Warehouse>(&|r| r.data.main && Some(r.id) != id, 0, 1)?
            .items
            .into_iter()
            .next();
        if let Some(other) = other {
            return Err(super::conflict(
                "main",
                format!("主仓库已是 {}：请先取消它的主仓库标记。", other.data.code),
                format!(
                    "{} is the main warehouse already: unmark it first.",
                    other.data.code
                ),
            ));
        }
    }
    Ok(())
}

pub fn create(k: &Kontor, p: &Principal, input: WarehouseInput) -> AppResult<WarehouseView> {
    p.require(Module::Inventory, Action::Create)?;
    let principal = p.clone();
    k.store.write(move |tx| {
        for (field, missing) in [
            ("code", input.code.is_none()),
            ("name", input.name.is_none()),
            ("location", input.location.is_none()),
        ] {
            if missing {
                return Err(crate::error::AppError::required(field));
            }
        }
        let mut w = Warehouse {
            code: String::new(),
            name: String::new(),
            location: Location::Domestic,
            country: None,
            main: false,
            transit_days_sea: None,
            transit_days_air: None,
            active: true,
        };
        apply(tx, None, &mut w, &input)?;
        Ok(view(guard::insert(tx, &principal, w)?))
    })
}

pub fn get(k: &Kontor, p: &Principal, id: u64) -> AppResult<WarehouseView> {
    k.store
        .read(|tx| Ok(view(guard::open::<Warehouse>(tx, p, id, Action::Read)?)))
}

pub fn update(
    k: &Kontor,
    p: &Principal,
    id: u64,
    input: WarehouseInput,
) -> AppResult<WarehouseView> {
    let principal = p.clone();
    k.store.write(move |tx| {
        let mut next = guard::open::<Warehouse>(tx, &principal, id, Action::Update)?.data;
        apply(tx, Some(id), &mut next, &input)?;
        let r = tx.update::<Warehouse, crate::error::AppError>(
            &principal.actor(),
            id,
            input.version,
            |w| {
                *w = next;
                Ok(())
            },
        )?;
        Ok(view(r))
    })
}

/// A warehouse that has seen stock stays (its ledger names it): it can be made inactive.
pub fn delete(k: &Kontor, p: &Principal, id: u64, version: Option<u64>) -> AppResult<()> {
    let principal = p.clone();
    k.store.write(move |tx| {
        guard::open::<Warehouse>(tx, &principal, id, Action::Delete)?;
        if super::stock::has_moves_in(tx, id)? {
            return Err(super::conflict(
                "id",
                "该仓库已有库存流水，不能删除；可将其停用。".into(),
                "This warehouse has stock moves and cannot be deleted; make it inactive instead."
                    .into(),
            ));
        }
        guard::delete::<Warehouse>(tx, &principal, id, Action::Delete, version)
    })
}

pub fn list(k: &Kontor, p: &Principal) -> AppResult<List<WarehouseView>> {
    k.store.read(|tx| {
        let q = Query::<Warehouse>::new(Source::All, Paging::everything())
            .order_by(|a, b| a.data.code.cmp(&b.data.code), true);
        guard::readable(tx, p, q)?.run(tx)?.try_map(|r| Ok(view(r)))
    })
}

/// The live warehouse `id` (else an error naming `field`).
pub fn find(tx: &Tx, field: &str, id: u64) -> AppResult<Record<Warehouse>> {
    tx.get_live::<Warehouse>(id).map_err(|_| {
        invalid(
            field,
            format!("仓库 {id} 不存在。"),
            format!("Warehouse {id} does not exist."),
        )
    })
}

/// Every live warehouse.
pub fn all(tx: &Tx) -> AppResult<Vec<Record<Warehouse>>> {
    Ok(tx.list::<Warehouse>(&|_| true, 0, u64::MAX)?.items)
}
