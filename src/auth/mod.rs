//! Accounts, sessions, roles and the permission policy.

pub mod model;
pub mod password;
pub mod policy;
pub mod principal;
pub mod session;
pub mod throttle;

pub use model::{Role, Team, User};
pub use policy::{Action, Effective, FieldClass, Module, Scope};
pub use principal::Principal;

/// A random 256-bit token as 64 hex digits.
pub fn random_token() -> String {
    let bytes: [u8; 32] = rand::random();
    hex::encode(bytes)
}
