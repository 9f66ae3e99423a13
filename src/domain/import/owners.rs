//! Who gets an imported row of an owned kind: the user its owner column names (username or
//! display name, within the caller's scope), else the import's default — a user, a team's
//! active members in turn, or the public pool. Turns are taken in file order by every row
//! without an owner, in the dry run as in the commit, so both give each row the same owner.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::auth::{Principal, Scope, User};
use crate::error::{AppError, AppResult, Msg};
use crate::search::text::fold;
use crate::store::Tx;

use super::options::DefaultOwnerInput;
use super::record::DefaultOwner;
use super::target::Noun;

/// The owners of one pass over the file.
pub struct Owners {
    /// Folded username or display name → user id (None: two users share the name).
    users: HashMap<String, Option<u64>>,
    default: DefaultOwner,
    /// Rows without an owner so far (the round robin's turn).
    ownerless: AtomicU64,
}

impl Owners {
    pub fn load(tx: &Tx, default: &DefaultOwner) -> AppResult<Owners> {
        let mut users: HashMap<String, Option<u64>> = HashMap::new();
        tx.for_each::<User>(false, &mut |u| {
            if u.data.active {
                users.insert(fold(u.data.username.trim()), Some(u.id));
                let dn = fold(u.data.display_name.trim());
                let e = users.entry(dn).or_insert(Some(u.id));
                if *e != Some(u.id) {
                    *e = None;
                }
            }
            Ok(true)
        })?;
        Ok(Owners {
            users,
            default: default.clone(),
            ownerless: AtomicU64::new(0),
        })
    }

    /// For kinds without owners.
    pub fn none() -> Owners {
        Owners {
            users: HashMap::new(),
            default: DefaultOwner::Pool,
            ownerless: AtomicU64::new(0),
        }
    }

    /// The user an owner cell names; an error (on `owner`) when nobody or several are called
    /// so, or the user is outside the caller's scope.
    pub fn named(&self, p: &Principal, scope: Scope, noun: Noun, v: &str) -> AppResult<u64> {
        let id = match self.users.get(&fold(v.trim())) {
            Some(Some(id)) => *id,
            Some(None) => {
                return Err(AppError::invalid(
                    "owner",
                    Msg::new(
                        format!("有多个用户叫“{v}”，请填写用户名。"),
                        format!("Several users are called “{v}”; give the username."),
                    ),
                ));
            }
            None => {
                return Err(AppError::invalid(
                    "owner",
                    Msg::new(
                        format!("没有叫“{v}”的在职用户（可填用户名或显示名）。"),
                        format!("No active user is called “{v}” (a username or display name)."),
                    ),
                ));
            }
        };
        if !p.reaches(scope, Some(id)) {
            return Err(AppError::invalid(
                "owner",
                Msg::new(
                    format!("您只能为自己权限范围内的人导入{}，不能指定“{v}”。", noun.zh),
                    format!(
                        "You may import {} only for people within your scope, not for “{v}”.",
                        noun.en_plural
                    ),
                ),
            ));
        }
        Ok(id)
    }

    /// The owner of the next row without one (`None`: the pool). Rows are prepared in file
    /// order, in the dry run as in the commit, so each row gets the same one.
    pub fn next_default(&self) -> Option<u64> {
        match &self.default {
            DefaultOwner::User(id) => Some(*id),
            DefaultOwner::RoundRobin { members, .. } => {
                let turn = self.ownerless.fetch_add(1, Ordering::Relaxed);
                members
                    .get((turn % members.len().max(1) as u64) as usize)
                    .copied()
            }
            DefaultOwner::Pool => None,
        }
    }
}

/// The default owner an import asks for, checked: only who reaches everyone's records fills
/// the pool; a team's members must all be within the caller's scope; a user must be active and
/// within it. Without a choice: the caller.
pub fn resolve_default(
    tx: &Tx,
    p: &Principal,
    scope: Scope,
    choice: DefaultOwnerInput,
    owner_id: Option<u64>,
) -> AppResult<DefaultOwner> {
    Ok(if choice.pool {
        if scope != Scope::All {
            return Err(AppError::forbidden().on_field("default_owner"));
        }
        DefaultOwner::Pool
    } else if let Some(team_id) = choice.team_id {
        let members = crate::domain::users::active_members(tx, team_id)?;
        if members.is_empty() {
            return Err(AppError::invalid(
                "default_owner",
                Msg::new(
                    "这个团队没有在职成员，无法轮流分配。",
                    "This team has no active members to take turns.",
                ),
            ));
        }
        if !members.iter().all(|m| p.reaches(scope, Some(*m))) {
            return Err(AppError::forbidden().on_field("default_owner"));
        }
        DefaultOwner::RoundRobin { team_id, members }
    } else {
        let owner_id = choice.user_id.or(owner_id).unwrap_or(p.user_id);
        if !p.reaches(scope, Some(owner_id)) {
            return Err(AppError::forbidden().on_field("owner_id"));
        }
        crate::domain::crm::active_owner(tx, "owner_id", owner_id)?;
        DefaultOwner::User(owner_id)
    })
}
