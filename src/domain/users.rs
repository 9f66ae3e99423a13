//! Administering users and teams (PLT-1).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::auth::model::LastLogin;
use crate::auth::{Action, Effective, Module, Principal, Role, Team, User, password, session};
use crate::error::{AppError, AppResult, ErrorCode, Msg};
use crate::i18n::Lang;
use crate::store::{Entity, IndexKey, Record, Tx};

use super::accounts::{Named, effective, role_name};
use super::kit::{Query, Source};
use super::{Kontor, List, Paging, validate};

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct UserView {
    pub id: u64,
    pub username: String,
    pub display_name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub active: bool,
    pub roles: Vec<Named>,
    pub teams: Vec<Named>,
    pub language: Lang,
    pub time_zone: String,
    pub last_login_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub version: u64,
}

#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUser {
    pub username: String,
    pub display_name: String,
    pub password: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    #[serde(default)]
    pub role_ids: Vec<u64>,
    #[serde(default)]
    pub team_ids: Vec<u64>,
    pub language: Option<Lang>,
    pub time_zone: Option<String>,
}

#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserPatch {
    pub version: u64,
    pub display_name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub role_ids: Option<Vec<u64>>,
    pub team_ids: Option<Vec<u64>>,
    pub active: Option<bool>,
    pub password: Option<String>,
    pub language: Option<Lang>,
    pub time_zone: Option<String>,
}

fn require_admin(p: &Principal) -> AppResult<()> {
    p.require_all(Module::Users, Action::Update)
}

fn user_view(tx: &Tx, r: Record<User>, lang: Lang) -> AppResult<UserView> {
    let mut roles = Vec::new();
    for id in &r.data.role_ids {
        if let Some(role) = tx.get::<Role>(*id)?.filter(|x| !x.meta.is_deleted()) {
            roles.push(Named {
                id: role.id,
                name: role_name(&role.data, lang),
            });
        }
    }
    let mut teams = Vec::new();
    for id in &r.data.team_ids {
        if let Some(team) = tx.get::<Team>(*id)?.filter(|x| !x.meta.is_deleted()) {
            teams.push(Named {
                id: team.id,
                name: team.data.name,
            });
        }
    }
    let last_login_at = tx
        .kv_get("last_login", &r.id.to_be_bytes())?
        .map(|b| crate::store::decode::<LastLogin>(&b))
        .transpose()?
        .map(|l| l.at);
    Ok(UserView {
        id: r.id,
        username: r.data.username,
        display_name: r.data.display_name,
        email: r.data.email,
        phone: r.data.phone,
        active: r.data.active,
        roles,
        teams,
        language: r.data.language,
        time_zone: r.data.time_zone,
        last_login_at,
        created_at: r.meta.created_at,
        version: r.meta.version,
    })
}

/// The user directory. Everyone who may read users sees names; only user admins see contact
/// details of others.
pub fn list(
    k: &Kontor,
    p: &Principal,
    q: Option<&str>,
    paging: Paging,
) -> AppResult<List<UserView>> {
    p.require(Module::Users, Action::Read)?;
    let admin = p.scope(Module::Users, Action::Update) == crate::auth::Scope::All;
    let needle = q
        .map(crate::search::text::fold)
        .filter(|s| !s.trim().is_empty());
    k.store.read(|tx| {
        let filter = |r: &Record<User>| match &needle {
            None => true,
            Some(n) => {
                let hay = crate::search::text::fold(&format!(
                    "{} {} {}",
                    r.data.username,
                    r.data.display_name,
                    r.data.email.clone().unwrap_or_default()
                ));
                hay.contains(n.trim())
            }
        };
        let page = Query::<User>::new(Source::All, paging)
            .filter_if(needle.is_some(), filter)
            .run(tx)?;
        let mut items = Vec::new();
        for r in page.items {
            let mut v = user_view(tx, r, p.lang)?;
            if !admin && v.id != p.user_id {
                v.email = None;
                v.phone = None;
                v.last_login_at = None;
            }
            items.push(v);
        }
        Ok(List {
            items,
            total: page.total,
            page: paging.page,
            per_page: paging.per_page,
        })
    })
}

pub fn get(k: &Kontor, p: &Principal, id: u64) -> AppResult<UserView> {
    require_admin(p)?;
    k.store
        .read(|tx| user_view(tx, tx.get_live::<User>(id)?, p.lang))
}

fn check_refs(tx: &Tx, role_ids: &[u64], team_ids: &[u64]) -> AppResult<()> {
    for id in role_ids {
        if tx.get::<Role>(*id)?.is_none_or(|r| r.meta.is_deleted()) {
            return Err(AppError::invalid(
                "role_ids",
                Msg::new(
                    format!("角色 {id} 不存在。"),
                    format!("Role {id} does not exist."),
                ),
            ));
        }
    }
    for id in team_ids {
        if tx.get::<Team>(*id)?.is_none_or(|t| t.meta.is_deleted()) {
            return Err(AppError::invalid(
                "team_ids",
                Msg::new(
                    format!("团队 {id} 不存在。"),
                    format!("Team {id} does not exist."),
                ),
            ));
        }
    }
    Ok(())
}

fn dedup(mut ids: Vec<u64>) -> Vec<u64> {
    ids.sort_unstable();
    ids.dedup();
    ids
}

pub fn create(k: &Kontor, p: &Principal, input: NewUser) -> AppResult<UserView> {
    require_admin(p)?;
    let username = validate::username("username", &input.username)?;
    let display_name = validate::text("display_name", &input.display_name, 60)?;
    let email = validate::optional_email("email", input.email.as_deref())?;
    let phone = validate::optional_text("phone", input.phone.as_deref(), 40)?;
    let time_zone = input
        .time_zone
        .as_deref()
        .map(|t| validate::time_zone("time_zone", t))
        .transpose()?;
    password::validate("password", &input.password)?;
    let hash = password::hash(&input.password)?;
    let (actor, lang) = (p.actor(), p.lang);
    let role_ids = dedup(input.role_ids);
    let team_ids = dedup(input.team_ids);
    k.store.write(move |tx| {
        check_refs(tx, &role_ids, &team_ids)?;
        let company =
            super::company::company(tx)?.ok_or_else(|| AppError::new(ErrorCode::SetupRequired))?;
        let record = tx.insert(
            &actor,
            User {
                username,
                display_name,
                email,
                phone,
                password_hash: hash,
                active: true,
                role_ids,
                team_ids,
                language: input.language.unwrap_or(company.data.language),
                time_zone: time_zone.unwrap_or(company.data.time_zone),
                session_epoch: 0,
            },
        )?;
        user_view(tx, record, lang)
    })
}

/// Whether at least one other active administrator remains if `user_id` stops being one.
fn other_admin_exists(tx: &Tx, user_id: u64) -> AppResult<bool> {
    let Some(admin_role) = tx.find_unique::<Role>("preset", &IndexKey::new().str("admin"))? else {
        return Ok(false);
    };
    for id in tx.ids_by_index::<User>("role", &IndexKey::new().u64(admin_role), false)? {
        if id != user_id && tx.get_live::<User>(id).is_ok_and(|u| u.data.active) {
            return Ok(true);
        }
    }
    Ok(false)
}

pub fn update(k: &Kontor, p: &Principal, id: u64, patch: UserPatch) -> AppResult<UserView> {
    require_admin(p)?;
    let display_name = patch
        .display_name
        .as_deref()
        .map(|d| validate::text("display_name", d, 60))
        .transpose()?;
    let email = patch
        .email
        .as_deref()
        .map(|e| validate::optional_email("email", Some(e)))
        .transpose()?;
    let phone = patch
        .phone
        .as_deref()
        .map(|v| validate::optional_text("phone", Some(v), 40))
        .transpose()?;
    let time_zone = patch
        .time_zone
        .as_deref()
        .map(|t| validate::time_zone("time_zone", t))
        .transpose()?;
    if patch.password.is_some() && id == p.user_id {
        // A session left open must not be enough to take the account: one's own password
        // changes only with the current one (POST /me/password).
        return Err(AppError::forbidden().on_field("password").with_msg(Msg::new(
            "修改自己的密码请到“个人资料 → 修改密码”，需要输入当前密码。",
            "To change your own password, use Profile → Change password; it asks for the current password.",
        )));
    }
    let hash = match patch.password.as_deref() {
        Some(pw) => {
            password::validate("password", pw)?;
            Some(password::hash(pw)?)
        }
        None => None,
    };
    let (actor, lang) = (p.actor(), p.lang);
    let role_ids = patch.role_ids.map(dedup);
    let team_ids = patch.team_ids.map(dedup);
    k.store.write(move |tx| {
        check_refs(
            tx,
            role_ids.as_deref().unwrap_or(&[]),
            team_ids.as_deref().unwrap_or(&[]),
        )?;
        let admin_role = tx.find_unique::<Role>("preset", &IndexKey::new().str("admin"))?;
        let before = tx.get_live::<User>(id)?;
        let reset_password = hash.is_some();
        let end_sessions = patch.active == Some(false) || reset_password;
        let record = tx.update::<User, AppError>(&actor, id, Some(patch.version), |u| {
            if let Some(v) = display_name {
                u.display_name = v;
            }
            if let Some(v) = email {
                u.email = v;
            }
            if let Some(v) = phone {
                u.phone = v;
            }
            if let Some(v) = role_ids {
                u.role_ids = v;
            }
            if let Some(v) = team_ids {
                u.team_ids = v;
            }
            if let Some(v) = patch.active {
                u.active = v;
            }
            if let Some(v) = hash {
                u.password_hash = v;
            }
            if let Some(v) = patch.language {
                u.language = v;
            }
            if let Some(v) = time_zone {
                u.time_zone = v;
            }
            if end_sessions {
                u.session_epoch += 1;
            }
            Ok(())
        })?;
        let was_admin =
            admin_role.is_some_and(|a| before.data.role_ids.contains(&a)) && before.data.active;
        let is_admin =
            admin_role.is_some_and(|a| record.data.role_ids.contains(&a)) && record.data.active;
        if was_admin && !is_admin && !other_admin_exists(tx, id)? {
            return Err(AppError::new(ErrorCode::Conflict)
                .on_field("role_ids")
                .with_msg(Msg::new(
                    "至少要保留一位启用的管理员。",
                    "At least one active administrator must remain.",
                )));
        }
        if end_sessions {
            session::end_all_for_user(tx, id)?;
        }
        if reset_password {
            tx.audit_event(
                &actor,
                crate::store::AuditEvent {
                    action: "password_reset".into(),
                    kind: User::KIND.into(),
                    record_id: Some(id),
                    title: record.data.title(),
                    ..Default::default()
                },
            )?;
        }
        user_view(tx, record, lang)
    })
}

/// Ends every session of a user (admin action).
pub fn end_sessions(k: &Kontor, p: &Principal, id: u64) -> AppResult<usize> {
    require_admin(p)?;
    let actor = p.actor();
    k.store.write(move |tx| {
        let user = tx.get_live::<User>(id)?;
        let n = session::end_all_for_user(tx, id)?;
        tx.audit_event(
            &actor,
            crate::store::AuditEvent {
                action: "end_sessions".into(),
                kind: User::KIND.into(),
                record_id: Some(id),
                title: user.data.title(),
                ..Default::default()
            },
        )?;
        Ok(n)
    })
}

pub fn permissions(k: &Kontor, p: &Principal, id: u64) -> AppResult<Effective> {
    require_admin(p)?;
    k.store
        .read(|tx| effective(tx, &tx.get_live::<User>(id)?.data))
}

// ---- teams --------------------------------------------------------------------------------------

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct TeamView {
    pub id: u64,
    pub name: String,
    pub leader_id: Option<u64>,
    pub leader_name: Option<String>,
    pub member_count: u64,
    pub version: u64,
}

#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTeam {
    pub name: String,
    pub leader_id: Option<u64>,
}

#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TeamPatch {
    pub version: u64,
    pub name: Option<String>,
    /// `null` clears the leader; absent keeps it.
    #[serde(default, with = "super::patch_option")]
    #[schema(value_type = Option<u64>)]
    pub leader_id: Option<Option<u64>>,
}

fn team_view(tx: &Tx, r: Record<Team>) -> AppResult<TeamView> {
    let leader_name = match r.data.leader_id {
        Some(id) => tx.get::<User>(id)?.map(|u| u.data.display_name),
        None => None,
    };
    let member_count = tx
        .ids_by_index::<User>("team", &IndexKey::new().u64(r.id), false)?
        .len() as u64;
    Ok(TeamView {
        id: r.id,
        name: r.data.name,
        leader_id: r.data.leader_id,
        leader_name,
        member_count,
        version: r.meta.version,
    })
}

fn check_leader(tx: &Tx, leader: Option<u64>) -> AppResult<()> {
    if let Some(id) = leader
        && tx.get_live::<User>(id).is_err()
    {
        return Err(AppError::invalid(
            "leader_id",
            Msg::new(
                format!("用户 {id} 不存在。"),
                format!("User {id} does not exist."),
            ),
        ));
    }
    Ok(())
}

pub fn list_teams(k: &Kontor, p: &Principal) -> AppResult<List<TeamView>> {
    p.require(Module::Users, Action::Read)?;
    k.store.read(|tx| {
        let page = tx.list::<Team>(&|_| true, 0, u64::MAX)?;
        let mut items = page
            .items
            .into_iter()
            .map(|r| team_view(tx, r))
            .collect::<AppResult<Vec<_>>>()?;
        items.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(List {
            total: page.total,
            page: 1,
            per_page: page.total.max(1),
            items,
        })
    })
}

pub fn create_team(k: &Kontor, p: &Principal, input: NewTeam) -> AppResult<TeamView> {
    require_admin(p)?;
    let name = validate::text("name", &input.name, 60)?;
    let actor = p.actor();
    k.store.write(move |tx| {
        check_leader(tx, input.leader_id)?;
        let r = tx.insert(
            &actor,
            Team {
                name,
                leader_id: input.leader_id,
            },
        )?;
        team_view(tx, r)
    })
}

pub fn update_team(k: &Kontor, p: &Principal, id: u64, patch: TeamPatch) -> AppResult<TeamView> {
    require_admin(p)?;
    let name = patch
        .name
        .as_deref()
        .map(|n| validate::text("name", n, 60))
        .transpose()?;
    let actor = p.actor();
    k.store.write(move |tx| {
        if let Some(leader) = patch.leader_id {
            check_leader(tx, leader)?;
        }
        let r = tx.update::<Team, AppError>(&actor, id, Some(patch.version), |t| {
            if let Some(n) = name {
                t.name = n;
            }
            if let Some(l) = patch.leader_id {
                t.leader_id = l;
            }
            Ok(())
        })?;
        team_view(tx, r)
    })
}

pub fn delete_team(k: &Kontor, p: &Principal, id: u64, version: Option<u64>) -> AppResult<()> {
    require_admin(p)?;
    let actor = p.actor();
    k.store
        .write(move |tx| tx.delete::<Team>(&actor, id, version).map(|_| ()))?;
    Ok(())
}

/// Display names of users by id (for owner columns, audit entries …).
/// The active members of a team, by id.
pub fn active_members(tx: &Tx, team: u64) -> AppResult<Vec<u64>> {
    let mut members: Vec<u64> = tx
        .ids_by_index::<User>("team", &IndexKey::new().u64(team), false)?
        .into_iter()
        .filter(|id| tx.get_live::<User>(*id).is_ok_and(|u| u.data.active))
        .collect();
    members.sort_unstable();
    Ok(members)
}
