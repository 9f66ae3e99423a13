//! Every module of the product, in one list. A new module adds one line here; a new kind in an
//! existing module adds one line to its module's `KINDS` and one to its `register`.

use crate::error::AppResult;
use crate::store::{Actor, Registry, Tx};

use super::kit::{Job, KindInfo, ModuleDef, Owner, Participant};

pub fn all() -> [ModuleDef; 10] {
    [
        super::accounts::module(),
        super::files::module(),
        super::notify::module(),
        super::import::module(),
        super::crm::module(),
        super::sales::module(),
        super::projects::module(),
        super::goods::module(),
        super::backups::module(),
        super::logistics::module(),
    ]
}

/// Every declared record kind, registered with the store.
pub fn registry() -> Registry {
    all()
        .iter()
        .fold(Registry::new(), |registry, m| (m.register)(registry))
}

/// Every kind's declaration.
pub fn kinds() -> impl Iterator<Item = &'static KindInfo> {
    all().into_iter().flat_map(|m| m.kinds.iter())
}

/// Adds what each module's company starts with, where missing.
pub fn seed(tx: &mut Tx) -> AppResult<()> {
    for m in all() {
        (m.seed)(tx)?;
    }
    Ok(())
}

pub fn jobs() -> Vec<Job> {
    all().iter().flat_map(|m| (m.jobs)()).collect()
}

pub fn handover_participants() -> Vec<Participant> {
    all().iter().flat_map(|m| (m.handover)()).collect()
}

/// After a record of `kind` changed hands: the records that follow it as their parent go with
/// it (as each kind's `Guarded::moves_with_parent` says), and so on down, attachments included.
pub fn owner_changed(
    tx: &mut Tx,
    actor: &Actor,
    kind: &str,
    id: u64,
    previous: Option<u64>,
    owner: Option<u64>,
) -> AppResult<()> {
    for child in kinds().filter(|k| matches!(k.owner, Owner::Parent(parent) if parent == kind)) {
        if let Some(follow) = child.follow {
            for moved in follow(tx, actor, id, previous, owner)? {
                owner_changed(tx, actor, child.kind, moved, previous, owner)?;
            }
        }
    }
    super::files::follow_owner(tx, actor, kind, id, owner)
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_kind_is_declared_once_and_registered() {
        let registry = super::registry();
        let mut seen = std::collections::BTreeSet::new();
        for k in super::kinds() {
            assert!(seen.insert(k.kind), "kind {} declared twice", k.kind);
            assert!(
                registry.get(k.kind).is_some(),
                "kind {} is declared but not registered",
                k.kind
            );
        }
        for ops in registry.all() {
            assert!(
                seen.contains(ops.kind()),
                "kind {} is registered but not declared",
                ops.kind()
            );
        }
    }

    #[test]
    fn a_followed_parent_is_a_declared_kind() {
        for k in super::kinds() {
            if let super::Owner::Parent(parent) = k.owner {
                assert!(
                    super::kinds().any(|p| p.kind == parent),
                    "{} follows unknown kind {parent}",
                    k.kind
                );
                assert!(k.follow.is_some(), "{} follows without a follow", k.kind);
            }
        }
    }
}
