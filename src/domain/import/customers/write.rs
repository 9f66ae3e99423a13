//! Writing a customer row in the batch's transaction, and undoing it. A new customer gets what
//! the form gives it (`crm::customers::insert_new`: team, pool, owned-since, contacts, cadence
//! tasks); an update fills the fields the row has, adds its tags and custom fields, moves the
//! customer to the row's owner and adds its contact unless one of that name exists. The undo
//! entry keeps the customer as it was and the version the import left, so a revert leaves alone
//! a customer changed since.

use serde::{Deserialize, Serialize};

use crate::domain::crm::customers::{NewCustomer, NewCustomerDefaults, insert_new, name_key};
use crate::domain::crm::model::{Contact, Customer};
use crate::domain::import::row::Prepared;
use crate::domain::import::target::Undo;
use crate::error::{AppError, AppResult};
use crate::search::text::fold;
use crate::store::{Actor, IndexKey, Tx};

use super::CustomerImport;
use super::parse::Fields;

/// What undoes one written row (stored as JSON; the field names are those of older imports).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CustomerUndo {
    customer_id: u64,
    created: bool,
    /// Updates: the customer as it was, and the version the import left.
    before: Option<Customer>,
    version_after: u64,
    contact_ids: Vec<u64>,
}

impl Undo for CustomerUndo {
    fn record(&self) -> u64 {
        self.customer_id
    }
    fn created(&self) -> bool {
        self.created
    }
}

fn contact_of(
    f: &Fields,
    customer: &Customer,
    customer_id: u64,
    primary: bool,
    region: String,
) -> Option<Contact> {
    Some(Contact {
        customer_id,
        name: f.contact.clone()?,
        role: None,
        title: f.contact_title.clone(),
        phones: f.contact_phone.iter().cloned().collect(),
        emails: f.contact_email.iter().cloned().collect(),
        whatsapp: None,
        wechat: None,
        skype: None,
        birthday: None,
        notes: None,
        primary,
        owner_id: customer.owner_id,
        region: Some(region),
    })
}

/// Writes a new customer as the customer form would.
pub(super) fn create(
    tx: &mut Tx,
    actor: &Actor,
    defaults: &mut NewCustomerDefaults,
    new: Option<NewCustomer>,
) -> AppResult<CustomerUndo> {
    let new = new
        .ok_or_else(|| AppError::internal("import row planned as a create without its customer"))?;
    let (r, contact_ids) = insert_new(tx, actor, defaults, new)?;
    Ok(CustomerUndo {
        customer_id: r.id,
        created: true,
        before: None,
        version_after: r.meta.version,
        contact_ids,
    })
}

fn set<T: Clone>(target: &mut Option<T>, v: &Option<T>) {
    if v.is_some() {
        target.clone_from(v);
    }
}

pub(super) fn update(
    tx: &mut Tx,
    actor: &Actor,
    id: u64,
    p: &Prepared<CustomerImport>,
) -> AppResult<CustomerUndo> {
    let before = tx.get_live::<Customer>(id)?;
    let f = &p.draft.f;
    if let Some(o) = p.named_owner
        && before.data.owner_id != Some(o)
    {
        crate::domain::crm::active_owner(tx, "owner", o)?;
        crate::domain::crm::set_customer_owner(tx, actor, id, Some(o))?;
    }
    let r = tx.update::<Customer, AppError>(actor, id, None, |c| {
        if let Some(n) = &f.name {
            c.name_key = name_key(n);
            c.name = n.clone();
        }
        set(&mut c.name_alt, &f.name_alt);
        set(&mut c.country, &f.country);
        set(&mut c.time_zone, &f.time_zone);
        set(&mut c.address, &f.address);
        set(&mut c.website, &f.website);
        set(&mut c.email, &f.email);
        set(&mut c.phone, &f.phone);
        set(&mut c.source, &f.source);
        set(&mut c.tier, &f.tier);
        set(&mut c.purchase_preferences, &f.purchase_preferences);
        set(&mut c.payment_behaviour, &f.payment_behaviour);
        for t in &f.tags {
            if !c.tags.contains(t) && c.tags.len() < 30 {
                c.tags.push(t.clone());
            }
        }
        for (key, v) in &f.custom {
            if c.custom.len() < 50 || c.custom.contains_key(key) {
                c.custom.insert(key.clone(), v.clone());
            }
        }
        Ok(())
    })?;
    if r.data.country != before.data.country {
        crate::domain::crm::sync_contact_regions(tx, actor, id)?;
    }
    let mut contact_ids = Vec::new();
    if let Some(name) = &f.contact {
        let existing = tx.ids_by_index::<Contact>("customer", &IndexKey::new().u64(id), false)?;
        let mut known = false;
        for cid in &existing {
            if tx
                .get_live::<Contact>(*cid)
                .is_ok_and(|c| fold(&c.data.name) == fold(name))
            {
                known = true;
            }
        }
        let region = crate::domain::crm::contact_region(tx, &r.data)?;
        if !known && let Some(c) = contact_of(f, &r.data, id, existing.is_empty(), region) {
            contact_ids.push(tx.insert(actor, c)?.id);
        }
    }
    Ok(CustomerUndo {
        customer_id: id,
        created: false,
        before: Some(before.data),
        version_after: r.meta.version,
        contact_ids,
    })
}

/// Undoes one row; false when the customer changed since the import (left alone).
pub(super) fn revert(tx: &mut Tx, actor: &Actor, u: &CustomerUndo) -> AppResult<bool> {
    let Some(current) = tx.get::<Customer>(u.customer_id)? else {
        return Ok(true);
    };
    let changed = !u.created && current.meta.version != u.version_after;
    if changed && !current.meta.is_deleted() {
        return Ok(false);
    }
    for cid in &u.contact_ids {
        if tx.get_live::<Contact>(*cid).is_ok() {
            tx.delete::<Contact>(actor, *cid, None)?;
        }
    }
    if current.meta.is_deleted() {
        return Ok(true);
    }
    if u.created {
        tx.delete::<Customer>(actor, u.customer_id, None)?;
        return Ok(true);
    }
    let Some(before) = u.before.clone() else {
        return Ok(true);
    };
    if current.data.owner_id != before.owner_id {
        crate::domain::crm::set_customer_owner(tx, actor, u.customer_id, before.owner_id)?;
    }
    tx.update::<Customer, AppError>(actor, u.customer_id, None, |c| {
        let (owner, team, since) = (c.owner_id, c.team_id, c.owned_since);
        *c = before;
        c.owner_id = owner;
        c.team_id = team;
        c.owned_since = since;
        Ok(())
    })?;
    Ok(true)
}
