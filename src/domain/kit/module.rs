//! A module declares what it brings: its record kinds, the menu areas a caller is shown, what
//! a company starts with, its scheduled jobs and its part in handovers. `domain::modules`
//! lists the modules; the store registry, the kind table, `GET /me`'s areas, the scheduler
//! and the handover all read that list, so a module is wired in one place.

use std::time::Duration;

use chrono::{DateTime, Utc};

use super::kind::KindInfo;
use crate::auth::Principal;
use crate::domain::Kontor;
use crate::error::AppResult;
use crate::store::{Actor, Registry, Tx};

pub struct ModuleDef {
    /// For logs and tests.
    pub key: &'static str,
    /// Its record kinds.
    pub kinds: &'static [KindInfo],
    /// Registers its entities with the store (`Registry::with`).
    pub register: fn(Registry) -> Registry,
    /// Adds the menu areas the caller may open (`crm.customers` …).
    pub areas: fn(&Principal, &mut Vec<&'static str>),
    /// What a company starts with (preset roles, the default pool …); runs at every start and
    /// adds only what is missing.
    pub seed: fn(&mut Tx) -> AppResult<()>,
    /// Its scheduled jobs.
    pub jobs: fn() -> Vec<Job>,
    /// Its records that move in a handover (离职交接).
    pub handover: fn() -> Vec<Participant>,
}

impl ModuleDef {
    /// A module with kinds only; the rest is added with struct update syntax.
    pub const fn new(
        key: &'static str,
        kinds: &'static [KindInfo],
        register: fn(Registry) -> Registry,
    ) -> ModuleDef {
        ModuleDef {
            key,
            kinds,
            register,
            areas: |_, _| {},
            seed: |_| Ok(()),
            jobs: Vec::new,
            handover: Vec::new,
        }
    }
}

/// A scheduled job: a function of the application and "now", idempotent for a given "now"
/// (it records what it did in the same transaction), so a run after downtime catches up once.
pub struct Job {
    pub name: &'static str,
    pub every: Duration,
    pub run: fn(&Kontor, DateTime<Utc>) -> AppResult<()>,
}

/// A kind of record that moves with its owner in a handover.
pub struct Participant {
    pub kind: &'static str,
    pub zh: &'static str,
    pub en: &'static str,
    /// Ids of the records `owner` holds that a handover moves (open ones only, where it matters).
    pub owned: fn(&Tx, u64) -> AppResult<Vec<u64>>,
    /// Gives one record (and whatever hangs off it) a new owner.
    pub set_owner: fn(&mut Tx, &Actor, u64, Option<u64>) -> AppResult<()>,
    /// The record's current owner (undo only moves back what nobody has moved since).
    pub owner_of: fn(&Tx, u64) -> AppResult<Option<u64>>,
}
