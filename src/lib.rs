//! Kontor: the back office of a small export or cross-border e-commerce firm, in one binary.
//!
//! Layers (calls go one way): `api` → `domain` → (`store`, `search`); `auth` holds accounts,
//! sessions and the permission policy. See `docs/foundation.md` for how to add an entity, an
//! index, a permission, a job and a search document.

pub mod api;
pub mod auth;
pub mod domain;
pub mod error;
pub mod i18n;
pub mod jobs;
pub mod search;
pub mod server;
pub mod store;
