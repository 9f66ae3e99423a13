//! The authenticated caller, handed to every domain operation. Domain code asks it for a scope
//! before it touches data; code without a principal cannot reach protected operations.

use super::policy::{Action, Effective, FieldClass, Module, Scope};
use crate::error::{AppError, AppResult};
use crate::i18n::Lang;
use crate::store::Actor;

#[derive(Clone, Debug)]
pub struct Principal {
    pub user_id: u64,
    pub username: String,
    pub display_name: String,
    pub team_ids: Vec<u64>,
    /// Everyone in the user's teams, the user included (for team scope).
    pub team_members: Vec<u64>,
    pub is_admin: bool,
    pub perms: Effective,
    pub lang: Lang,
    pub time_zone: String,
    pub ip: Option<String>,
}

impl Principal {
    pub fn scope(&self, module: Module, action: Action) -> Scope {
        self.perms.scope(module, action)
    }

    /// The scope granted for an action, or `forbidden` when there is none.
    pub fn require(&self, module: Module, action: Action) -> AppResult<Scope> {
        match self.scope(module, action) {
            Scope::None => Err(AppError::forbidden()),
            scope => Ok(scope),
        }
    }

    /// Requires the action on every record of the module (admin screens).
    pub fn require_all(&self, module: Module, action: Action) -> AppResult<()> {
        match self.scope(module, action) {
            Scope::All => Ok(()),
            _ => Err(AppError::forbidden()),
        }
    }

    /// Whether a scope reaches a record owned by `owner` (None: unowned, e.g. in the 公海).
    pub fn reaches(&self, scope: Scope, owner: Option<u64>) -> bool {
        match scope {
            Scope::All => true,
            Scope::Team => owner.is_some_and(|o| self.team_members.contains(&o)),
            Scope::Own => owner == Some(self.user_id),
            Scope::None => false,
        }
    }

    /// The owners whose records a scope reaches (None: everyone).
    pub fn owners_in(&self, scope: Scope) -> Option<Vec<u64>> {
        match scope {
            Scope::All => None,
            Scope::Team => Some(self.team_members.clone()),
            Scope::Own => Some(vec![self.user_id]),
            Scope::None => Some(Vec::new()),
        }
    }

    pub fn hides(&self, class: FieldClass) -> bool {
        self.perms.hides(class.key())
    }

    pub fn actor(&self) -> Actor {
        Actor {
            user: Some(self.user_id),
            ip: self.ip.clone(),
        }
    }
}
