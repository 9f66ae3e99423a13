//! The CRM's kinds, declared: their permission module, names, whose they are, and how the
//! guard reaches them (pool customers and pool leads have no owner).

use crate::auth::{Module, Principal};
use crate::domain::kit::{Guarded, KindInfo, Owner};
use crate::error::AppResult;
use crate::store::{IndexKey, Registry, Tx};

use super::model::*;

pub static KINDS: &[KindInfo] = &[
    KindInfo::of::<Customer>("客户", "Customer"),
    KindInfo::of::<Contact>("联系人", "Contact"),
    KindInfo::of::<Activity>("跟进记录", "Timeline entry"),
    KindInfo::of::<Lead>("线索", "Lead"),
    KindInfo::of::<Opportunity>("商机", "Opportunity"),
    KindInfo::of::<Task>("待办", "Task"),
    KindInfo::plain::<Pool>(Module::Settings, "公海", "Public pool"),
    KindInfo::plain::<PoolEvent>(Module::Crm, "公海记录", "Pool event"),
    KindInfo::plain::<CadenceRule>(Module::Settings, "跟进规则", "Cadence rule"),
    KindInfo::plain::<Handover>(Module::Crm, "交接", "Handover"),
    KindInfo::plain::<super::transfer::TransferRequest>(
        Module::Crm,
        "转移申请",
        "Transfer request",
    ),
    KindInfo::plain::<crate::domain::dedup::merge::Merge>(
        Module::Crm,
        "客户合并",
        "Customer merge",
    ),
];

pub fn register(r: Registry) -> Registry {
    r.with::<Customer>()
        .with::<Contact>()
        .with::<Activity>()
        .with::<Lead>()
        .with::<Opportunity>()
        .with::<Task>()
        .with::<Pool>()
        .with::<PoolEvent>()
        .with::<CadenceRule>()
        .with::<Handover>()
        .with::<super::transfer::TransferRequest>()
        .with::<crate::domain::dedup::merge::Merge>()
}

impl Guarded for Customer {
    const MODULE: Module = Module::Crm;
    /// A pool's customers are read by whoever sees the pool.
    fn readable_unowned(&self, tx: &Tx, p: &Principal) -> AppResult<bool> {
        let pool = match self.pool_id {
            Some(id) => tx.get::<Pool>(id)?.map(|p| p.data),
            None => None,
        };
        Ok(pool.is_none_or(|pool| super::sees_pool(p, &pool)))
    }
    fn set_owner(&mut self, owner: Option<u64>) {
        self.owner_id = owner;
    }
}

impl Guarded for Contact {
    const MODULE: Module = Module::Crm;
    const OWNER: Owner = Owner::Parent("customer");
    const PARENT_INDEX: &'static str = "customer";
    fn set_owner(&mut self, owner: Option<u64>) {
        self.owner_id = owner;
    }
}

impl Guarded for Activity {
    const MODULE: Module = Module::Crm;
    const OWNER: Owner = Owner::Parent("customer");
    const PARENT_INDEX: &'static str = "customer";
    fn set_owner(&mut self, owner: Option<u64>) {
        self.owner_id = owner;
    }
}

impl Guarded for Lead {
    const MODULE: Module = Module::Crm;
    /// Leads in the pool are open to everyone who reads the CRM.
    fn readable_unowned(&self, _tx: &Tx, _p: &Principal) -> AppResult<bool> {
        Ok(true)
    }
    fn set_owner(&mut self, owner: Option<u64>) {
        self.owner_id = owner;
    }
}

impl Guarded for Opportunity {
    const MODULE: Module = Module::Crm;
    const OWNER: Owner = Owner::Parent("customer");
    const PARENT_INDEX: &'static str = "customer";
    /// An open deal of the old owner goes with the customer; a won or lost one stays with the
    /// rep who closed it (their sales record).
    fn moves_with_parent(&self, previous: Option<u64>) -> bool {
        self.stage.is_open() && self.owner_id == previous
    }
    fn set_owner(&mut self, owner: Option<u64>) {
        self.owner_id = owner;
    }
}

impl Guarded for Task {
    const MODULE: Module = Module::Crm;
    const OWNER: Owner = Owner::Parent("customer");
    /// A to-do list is its owner's: a colleague's task is not there to be refused.
    const REFUSED_AS_NOT_FOUND: bool = true;
    /// Open tasks of the old owner on the customer go with it; a task given to a colleague
    /// stays theirs, a done one stays as it was.
    fn moves_with_parent(&self, previous: Option<u64>) -> bool {
        self.done_at.is_none() && self.owner_id == previous
    }
    fn under_parent(tx: &Tx, parent: u64, previous: Option<u64>) -> AppResult<Vec<u64>> {
        let mut ids = Vec::new();
        let open = IndexKey::new().u64(previous.unwrap_or(0));
        for id in tx.ids_by_index::<Task>("open_by_owner", &open, false)? {
            if tx
                .get_live::<Task>(id)
                .is_ok_and(|t| t.data.customer_id == Some(parent))
            {
                ids.push(id);
            }
        }
        Ok(ids)
    }
    fn set_owner(&mut self, owner: Option<u64>) {
        self.owner_id = owner;
    }
}
