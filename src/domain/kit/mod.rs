//! The module kit: what every record kind and every module is built from.
//!
//! - [`kind`]: a kind declares its place (permission module, names, owner rule, hidden fields);
//! - [`guard`]: the one way domain code opens, creates, changes and lists records of a kind, with
//!   the 404/403 and own/team/all rules and hidden fields removed in one place;
//! - [`list`]: one list strategy (source, filters, order, page N, exact total);
//! - [`module`]: a module declares its kinds, menu areas, seeds, jobs and handover part;
//!   `domain::modules` lists the modules.

pub mod guard;
pub mod kind;
pub mod list;
pub mod module;

pub use guard::Guarded;
pub use kind::{KindInfo, Owner};
pub use list::{List, Paging, Query, Source, list_scope, names, needle};
pub use module::{Job, ModuleDef, Participant};
