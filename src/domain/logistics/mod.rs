//! Logistics (LOG-1…LOG-4): shipments of sales orders with their packing, stock moves and
//! documents (commercial invoice, packing list), tracking events from providers' webhooks and
//! polling, the buyer's tracking page and the after-sales feedback form.
//!
//! Permission module `logistics`. A shipment follows its order's owner, as the order follows
//! its customer's.

pub mod documents;
pub mod packing;
pub mod shipments;
pub mod tracking;

use crate::auth::{Action, Module, Principal, Scope};
use crate::domain::kit::{KindInfo, ModuleDef};
use crate::store::Registry;

use shipments::Shipment;
use tracking::TrackingSettings;

pub fn module() -> ModuleDef {
    ModuleDef {
        areas,
        ..ModuleDef::new("logistics", KINDS, register)
    }
}

static KINDS: &[KindInfo] = &[
    KindInfo::of::<Shipment>("出运单", "Shipment"),
    KindInfo::plain::<TrackingSettings>(Module::Settings, "物流跟踪设置", "Tracking settings"),
];

fn register(r: Registry) -> Registry {
    r.with::<Shipment>().with::<TrackingSettings>()
}

fn areas(p: &Principal, areas: &mut Vec<&'static str>) {
    if p.scope(Module::Logistics, Action::Read) != Scope::None {
        areas.push("logistics.shipments");
    }
}
