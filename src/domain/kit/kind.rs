//! A kind's place in the product, declared once: the permission module its records belong to,
//! its names for people and whose records they are (the owner rule); its hidden fields are
//! `Guarded::HIDDEN`. The recycle bin, audit log, search, handover and the web app's filters
//! read it from here.

use crate::auth::{Action, Module, Principal};
use crate::error::AppResult;
use crate::i18n::Lang;
use crate::store::{Actor, Entity, Tx};

use super::guard::{Guarded, may, move_children};

/// Whose records they are, for own/team scope.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Owner {
    /// The record's own owner (`Entity::owner`), changed by assignment, transfer or handover.
    Own,
    /// Carries the owner of its parent of this kind (a contact its customer's), kept in step
    /// whenever the parent changes hands; `Guarded::moves_with_parent` says which ones move.
    Parent(&'static str),
    /// No owner: the module's rights alone decide (settings, users).
    Nobody,
}

/// Gives the records of one kind under a parent the parent's new owner:
/// `(tx, actor, parent id, previous owner, new owner)` → the ids moved.
pub type Follow = fn(&mut Tx, &Actor, u64, Option<u64>, Option<u64>) -> AppResult<Vec<u64>>;

/// A kind's declaration.
pub struct KindInfo {
    pub kind: &'static str,
    pub module: Module,
    pub zh: &'static str,
    pub en: &'static str,
    pub owner: Owner,
    /// Whether its records are found by the global search.
    pub searchable: bool,
    /// For `Owner::Parent` kinds: moves a parent's records to its new owner.
    pub follow: Option<Follow>,
    /// Whether a caller reads record `id` (live or not), by the guard's rule (`Guarded::reached`
    /// included); `None` for plain kinds, which the owner rule alone decides.
    pub reads: Option<Reads>,
}

/// `(tx, caller, id)` → whether the caller reads the record (false when it is not there).
pub type Reads = fn(&Tx, &Principal, u64) -> AppResult<bool>;

fn reads<T: Guarded>(tx: &Tx, p: &Principal, id: u64) -> AppResult<bool> {
    match tx.get::<T>(id)? {
        Some(r) => may(tx, p, &r.data, Action::Read),
        None => Ok(false),
    }
}

impl KindInfo {
    /// The declaration of a guarded kind, from its `Guarded` impl.
    pub const fn of<T: Guarded>(zh: &'static str, en: &'static str) -> KindInfo {
        KindInfo {
            kind: T::KIND,
            module: T::MODULE,
            zh,
            en,
            owner: T::OWNER,
            searchable: T::SEARCHABLE,
            follow: match T::OWNER {
                Owner::Parent(_) => Some(move_children::<T>),
                _ => None,
            },
            reads: Some(reads::<T>),
        }
    }

    /// A kind that only its module's screens reach (settings, accounts, bookkeeping records).
    pub const fn plain<T: Entity>(module: Module, zh: &'static str, en: &'static str) -> KindInfo {
        KindInfo {
            kind: T::KIND,
            module,
            zh,
            en,
            owner: Owner::Nobody,
            searchable: T::SEARCHABLE,
            follow: None,
            reads: None,
        }
    }

    pub fn name(&self, lang: Lang) -> &'static str {
        lang.pick(self.zh, self.en)
    }
}
