//! The guarded record service: the one way domain code opens, creates, changes, deletes and
//! lists records of a kind for a caller.
//!
//! One rule for every kind: the caller's role grants an action on the kind's module with a
//! scope (own, team, all); a record with an owner is reached when the scope reaches its owner;
//! a record without one is read as the kind says (`Guarded::readable_unowned`: a pool's
//! customers by the pool's members, pool leads by everyone in the CRM) and changed only with
//! scope `all`. A record the caller cannot read is "not found" (404), so a rep learns nothing
//! of a colleague's customers; one they read but may not change is "forbidden" (403). Fields
//! of a hidden class (cost, profit, supplier price) leave no answer for a role that hides
//! them: views pass through [`show`].

use serde::Serialize;
use serde_json::Value;

use super::kind::Owner;
use super::list::Query;
use crate::auth::{Action, FieldClass, Module, Principal, Scope};
use crate::error::{AppError, AppResult};
use crate::store::{Actor, Entity, IndexKey, Record, Tx};

/// A record kind that callers reach through the guard.
pub trait Guarded: Entity {
    /// The permission module its records belong to.
    const MODULE: Module;
    /// Whose records they are.
    const OWNER: Owner = Owner::Own;
    /// For `Owner::Parent` kinds: the index keyed by the parent's id.
    const PARENT_INDEX: &'static str = "";
    /// Fields of its answers in a hidden-field class, as paths (`cost`, `lines[].cost`).
    const HIDDEN: &'static [(&'static str, FieldClass)] = &[];
    /// Whether a record the caller reads but may not act on is "not found" rather than
    /// "forbidden" (kinds no screen shows to anyone but their owner, such as tasks).
    const REFUSED_AS_NOT_FOUND: bool = false;

    /// Whether a caller who may read the module sees this record when it has no owner.
    fn readable_unowned(&self, _tx: &Tx, _p: &Principal) -> AppResult<bool> {
        Ok(false)
    }

    /// For `Owner::Parent` kinds: whether this record goes with its parent to a new owner,
    /// given the parent's previous owner.
    fn moves_with_parent(&self, _previous: Option<u64>) -> bool {
        true
    }

    /// For `Owner::Parent` kinds: the ids of the records under a parent that may move.
    fn under_parent(tx: &Tx, parent: u64, _previous: Option<u64>) -> AppResult<Vec<u64>> {
        Ok(tx.ids_by_index::<Self>(Self::PARENT_INDEX, &IndexKey::new().u64(parent), false)?)
    }

    /// Gives the record a new owner (kinds that carry one).
    fn set_owner(&mut self, _owner: Option<u64>) {}

    /// For kinds held by several people beside their owner (a project's manager, its members
    /// and its observers; a task as its project): whether `scope`, granted for `action`,
    /// reaches this record. `None` (every other kind) leaves it to the owner rule.
    fn reached(
        &self,
        _tx: &Tx,
        _p: &Principal,
        _scope: Scope,
        _action: Action,
    ) -> AppResult<Option<bool>> {
        Ok(None)
    }
}

/// Whether `action` on `record` is within the caller's scope.
pub fn may<T: Guarded>(tx: &Tx, p: &Principal, record: &T, action: Action) -> AppResult<bool> {
    let scope = p.scope(T::MODULE, action);
    if scope == Scope::None {
        return Ok(false);
    }
    if let Some(reached) = record.reached(tx, p, scope, action)? {
        return Ok(reached);
    }
    match (T::OWNER, record.owner()) {
        (Owner::Nobody, _) => Ok(true),
        (_, Some(owner)) => Ok(p.reaches(scope, Some(owner))),
        (_, None) if action == Action::Read => record.readable_unowned(tx, p),
        (_, None) => Ok(scope == Scope::All),
    }
}

/// A live record the caller may act on: 403 when the role grants the action nowhere, 404 when
/// the caller cannot read the record, 403 when they read it but the action is out of scope
/// (404 for kinds `REFUSED_AS_NOT_FOUND`).
pub fn open<T: Guarded>(tx: &Tx, p: &Principal, id: u64, action: Action) -> AppResult<Record<T>> {
    p.require(T::MODULE, action)?;
    let r = tx.get_live::<T>(id)?;
    if !may(tx, p, &r.data, Action::Read)? {
        return Err(AppError::not_found());
    }
    if action != Action::Read && !may(tx, p, &r.data, action)? {
        return Err(if T::REFUSED_AS_NOT_FOUND {
            AppError::not_found()
        } else {
            AppError::forbidden()
        });
    }
    Ok(r)
}

/// Saves a new record the caller may create: its owner (if any) within the create scope.
pub fn insert<T: Guarded>(tx: &mut Tx, p: &Principal, record: T) -> AppResult<Record<T>> {
    p.require(T::MODULE, Action::Create)?;
    if !may(tx, p, &record, Action::Create)? {
        return Err(AppError::forbidden());
    }
    Ok(tx.insert(&p.actor(), record)?)
}

/// Changes a record the caller may act on with `action` (usually `Update`); `version` guards
/// against a stale edit (409).
pub fn update<T: Guarded>(
    tx: &mut Tx,
    p: &Principal,
    id: u64,
    action: Action,
    version: Option<u64>,
    change: impl FnOnce(&mut T) -> AppResult<()>,
) -> AppResult<Record<T>> {
    open::<T>(tx, p, id, action)?;
    tx.update::<T, AppError>(&p.actor(), id, version, change)
}

/// Moves a record the caller may act on with `action` (usually `Delete`) to the recycle bin.
pub fn delete<T: Guarded>(
    tx: &mut Tx,
    p: &Principal,
    id: u64,
    action: Action,
    version: Option<u64>,
) -> AppResult<()> {
    open::<T>(tx, p, id, action)?;
    tx.delete::<T>(&p.actor(), id, version)?;
    Ok(())
}

/// A list of the records the caller reads: `query` narrowed to them.
pub fn readable<'a, T: Guarded>(
    tx: &'a Tx,
    p: &'a Principal,
    query: Query<'a, T>,
) -> AppResult<Query<'a, T>> {
    p.require(T::MODULE, Action::Read)?;
    Ok(query.filter(move |r| may(tx, p, &r.data, Action::Read).unwrap_or(false)))
}

/// Moves the records of kind `T` under a parent to the parent's new owner; the ids moved.
pub fn move_children<T: Guarded>(
    tx: &mut Tx,
    actor: &Actor,
    parent: u64,
    previous: Option<u64>,
    owner: Option<u64>,
) -> AppResult<Vec<u64>> {
    let mut moved = Vec::new();
    for id in T::under_parent(tx, parent, previous)? {
        let Ok(r) = tx.get_live::<T>(id) else {
            continue;
        };
        if r.data.owner() != owner && r.data.moves_with_parent(previous) {
            tx.update::<T, AppError>(actor, id, None, |r| {
                r.set_owner(owner);
                Ok(())
            })?;
            moved.push(id);
        }
    }
    Ok(moved)
}

/// A view as the caller may see it: every field of a class the caller's role hides is
/// removed (`hidden` as in `Guarded::HIDDEN`).
pub fn show<V: Serialize>(
    p: &Principal,
    hidden: &[(&str, FieldClass)],
    view: &V,
) -> AppResult<Value> {
    let mut value = serde_json::to_value(view).map_err(AppError::internal)?;
    strip(p, hidden, &mut value);
    Ok(value)
}

/// Removes from `value` the fields of the classes the caller's role hides.
pub fn strip(p: &Principal, hidden: &[(&str, FieldClass)], value: &mut Value) {
    for (path, class) in hidden {
        if p.hides(*class) {
            remove_path(value, path);
        }
    }
}

/// Removes `a.b`, `lines[].cost` (in every element) or `cost` (in every element of a list).
pub fn remove_path(value: &mut Value, path: &str) {
    match value {
        Value::Array(items) => items.iter_mut().for_each(|v| remove_path(v, path)),
        Value::Object(map) => {
            let (head, rest) = match path.split_once('.') {
                Some((h, r)) => (h, Some(r)),
                None => (path, None),
            };
            // `lines[]` names a list; the list's elements are walked either way.
            let field = head.strip_suffix("[]").unwrap_or(head);
            match rest {
                None => {
                    map.remove(field);
                }
                Some(rest) => {
                    if let Some(inner) = map.get_mut(field) {
                        remove_path(inner, rest);
                    }
                }
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn hidden_paths_leave_objects_lists_and_nested_lines() {
        let cases = [
            (json!({"cost": 1, "price": 2}), "cost", json!({"price": 2})),
            (
                json!([{"cost": 1, "a": 1}, {"cost": 2}]),
                "cost",
                json!([{"a": 1}, {}]),
            ),
            (
                json!({"lines": [{"cost": 1, "qty": 2}, {"cost": 3}], "cost": 9}),
                "lines[].cost",
                json!({"lines": [{"qty": 2}, {}], "cost": 9}),
            ),
            (
                json!({"items": [{"totals": {"profit": 5, "revenue": 7}}]}),
                "items[].totals.profit",
                json!({"items": [{"totals": {"revenue": 7}}]}),
            ),
            (json!({"price": 2}), "lines[].cost", json!({"price": 2})),
        ];
        for (mut value, path, want) in cases {
            remove_path(&mut value, path);
            assert_eq!(value, want, "{path}");
        }
    }
}
