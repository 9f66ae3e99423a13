//! Logging in and out, resolving a session to a principal, and the caller's own profile.

use chrono::Utc;
use serde::{Deserialize, Serialize};

use crate::auth::model::LastLogin;
use crate::auth::policy::Preset;
use crate::auth::{
    Action, Effective, Module, Principal, Role, Scope, Team, User, password, session,
};
use crate::error::{AppError, AppResult, ErrorCode, Msg};
use crate::i18n::Lang;
use crate::store::{Actor, AuditEvent, IndexKey, Record, StoreError, Tx};

use super::company::{self, CompanyView};
use super::kit::{Job, KindInfo, ModuleDef};
use super::{Kontor, validate};

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Named {
    pub id: u64,
    pub name: String,
}

/// The caller: profile, roles, teams, effective permissions and the areas of the app to show.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Me {
    pub id: u64,
    pub username: String,
    pub display_name: String,
    pub email: Option<String>,
    pub language: Lang,
    pub time_zone: String,
    pub is_admin: bool,
    pub roles: Vec<Named>,
    pub teams: Vec<Named>,
    pub areas: Vec<String>,
    pub permissions: Effective,
    pub company: Option<CompanyView>,
}

#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginInput {
    pub username: String,
    pub password: String,
}

#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MePatch {
    pub display_name: Option<String>,
    pub language: Option<Lang>,
    pub time_zone: Option<String>,
}

#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    pub current_password: String,
    pub new_password: String,
}

/// Where a request comes from, for the audit log and throttling.
#[derive(Clone, Debug, Default)]
pub struct Origin {
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

/// The name of a role in the viewer's language (presets are translated, custom roles are not).
pub fn role_name(role: &Role, lang: Lang) -> String {
    role.preset
        .as_deref()
        .and_then(Preset::find)
        .map(|p| p.name(lang).to_string())
        .unwrap_or_else(|| role.name.clone())
}

fn user_by_name(tx: &Tx, username: &str) -> AppResult<Option<Record<User>>> {
    let key = IndexKey::new().str(&username.trim().to_ascii_lowercase());
    match tx.find_unique::<User>("username", &key)? {
        Some(id) => Ok(tx.get::<User>(id)?.filter(|u| !u.meta.is_deleted())),
        None => Ok(None),
    }
}

/// 429 while an account must wait after failed password attempts.
fn throttled(wait: Option<std::time::Duration>) -> AppResult<()> {
    let Some(wait) = wait else {
        return Ok(());
    };
    let secs = wait.as_secs().max(1);
    let mut err = AppError::new(ErrorCode::TooManyAttempts).with_msg(Msg::new(
        format!("尝试次数过多，请 {secs} 秒后再试。"),
        format!("Too many attempts; try again in {secs} seconds."),
    ));
    err.retry_after = Some(secs);
    Err(err)
}

/// Checks a username and password. Unknown users, wrong passwords and disabled accounts all get
/// the same answer after the same work. Returns the session token and the user id.
pub fn login(k: &Kontor, input: LoginInput, origin: Origin) -> AppResult<(String, u64)> {
    let account = input.username.trim().to_ascii_lowercase();
    let ip = origin.ip.clone().unwrap_or_default();
    if input.username.len() > 256 || input.password.len() > 1024 {
        return Err(AppError::new(ErrorCode::InvalidCredentials));
    }
    throttled(k.throttle.check(&account, &ip))?;
    let user = k.store.read(|tx| user_by_name(tx, &account))?;
    let hash = user
        .as_ref()
        .map(|u| u.data.password_hash.clone())
        .unwrap_or_else(|| password::DUMMY_HASH.clone());
    let password_ok = password::verify(&input.password, &hash);
    let actor = Actor {
        user: user.as_ref().map(|u| u.id),
        ip: origin.ip.clone(),
    };
    let user = match user {
        Some(u) if password_ok && u.data.active => u,
        _ => {
            k.throttle.failed(&account, &ip);
            let title = account.chars().take(64).collect::<String>();
            k.store.write(move |tx| {
                tx.audit_event(
                    &actor,
                    AuditEvent {
                        action: "login_failed".into(),
                        kind: "user".into(),
                        title,
                        ..Default::default()
                    },
                )
            })?;
            return Err(AppError::new(ErrorCode::InvalidCredentials));
        }
    };
    k.throttle.succeeded(&account);
    let user_id = user.id;
    let epoch = user.data.session_epoch;
    let title = user.data.title();
    let token = k.store.write(move |tx| {
        let now = tx.now();
        let token = session::create(
            tx,
            &session::Session {
                user_id,
                epoch,
                created_at: now,
                last_seen: now,
                ip: origin.ip,
                user_agent: origin.user_agent,
            },
        )?;
        tx.kv_put(
            "last_login",
            &user_id.to_be_bytes(),
            &crate::store::encode(&LastLogin { at: now })?,
        )?;
        tx.audit_event(
            &actor,
            AuditEvent {
                action: "login".into(),
                kind: "user".into(),
                record_id: Some(user_id),
                title,
                ..Default::default()
            },
        )?;
        Ok::<_, StoreError>(token)
    })?;
    Ok((token, user_id))
}

use crate::store::Entity as _;

/// Ends the session of `token`.
pub fn logout(k: &Kontor, p: &Principal, token: String) -> AppResult<()> {
    let actor = p.actor();
    let title = p.username.clone();
    let user_id = p.user_id;
    k.store.write(move |tx| {
        session::end(tx, &token)?;
        tx.audit_event(
            &actor,
            AuditEvent {
                action: "logout".into(),
                kind: "user".into(),
                record_id: Some(user_id),
                title,
                ..Default::default()
            },
        )
    })?;
    Ok(())
}

/// The merged permissions of a user's roles.
pub fn effective(tx: &Tx, user: &User) -> AppResult<Effective> {
    let mut roles = Vec::new();
    for id in &user.role_ids {
        if let Some(r) = tx.get::<Role>(*id)?.filter(|r| !r.meta.is_deleted()) {
            roles.push(r.data);
        }
    }
    Ok(Effective::merge(
        roles
            .iter()
            .map(|r| (&r.grants, r.hidden_fields.as_slice())),
    ))
}

fn is_admin(tx: &Tx, user: &User) -> AppResult<bool> {
    let admin = tx.find_unique::<Role>("preset", &IndexKey::new().str("admin"))?;
    Ok(admin.is_some_and(|a| user.role_ids.contains(&a)))
}

/// Users in any of these teams (active or not).
pub fn team_members(tx: &Tx, team_ids: &[u64]) -> AppResult<Vec<u64>> {
    let mut members = Vec::new();
    for t in team_ids {
        members.extend(tx.ids_by_index::<User>("team", &IndexKey::new().u64(*t), false)?);
    }
    members.sort_unstable();
    members.dedup();
    Ok(members)
}

/// The principal of a session token, if the session is live and its user active.
/// Returns whether the session's last-seen time is due to be written.
pub fn resolve(
    k: &Kontor,
    token: &str,
    ip: Option<String>,
) -> AppResult<Option<(Principal, bool)>> {
    let now = Utc::now();
    k.store.read(|tx| {
        let Some(s) = session::find(tx, token, now)? else {
            return Ok(None);
        };
        let Some(user) = tx
            .get::<User>(s.user_id)?
            .filter(|u| !u.meta.is_deleted() && u.data.active)
        else {
            return Ok(None);
        };
        if user.data.session_epoch != s.epoch {
            return Ok(None);
        }
        let principal = principal_for(tx, &user, ip)?;
        Ok(Some((principal, now - s.last_seen > session::TOUCH_EVERY)))
    })
}

/// Active users whose effective permissions `keep` accepts: who to tell of something
/// (finance of payables and receivables, administrators of a failed backup).
pub fn users_where(tx: &Tx, keep: impl Fn(&Principal) -> bool) -> AppResult<Vec<u64>> {
    let mut users: Vec<crate::store::Record<User>> = Vec::new();
    tx.for_each::<User>(false, &mut |u| {
        if u.data.active {
            users.push(u);
        }
        Ok(true)
    })?;
    let mut out = Vec::new();
    for u in users {
        if keep(&principal_for(tx, &u, None)?) {
            out.push(u.id);
        }
    }
    Ok(out)
}

/// What a user may do, as their own requests would be allowed (also for deciding whom to tell
/// of something, e.g. the managers who may accept a transfer request).
pub fn principal_for(
    tx: &Tx,
    user: &crate::store::Record<User>,
    ip: Option<String>,
) -> AppResult<Principal> {
    let perms = effective(tx, &user.data)?;
    let mut team_members = team_members(tx, &user.data.team_ids)?;
    if !team_members.contains(&user.id) {
        team_members.push(user.id);
    }
    Ok(Principal {
        user_id: user.id,
        username: user.data.username.clone(),
        display_name: user.data.display_name.clone(),
        team_ids: user.data.team_ids.clone(),
        team_members,
        is_admin: is_admin(tx, &user.data)?,
        perms,
        lang: user.data.language,
        time_zone: user.data.time_zone.clone(),
        ip,
    })
}

pub fn touch_session(k: &Kontor, token: String) -> AppResult<()> {
    k.store
        .write(move |tx| session::touch(tx, &token, Utc::now()))?;
    Ok(())
}

/// Which areas of the app the caller may open, as the modules list them. Areas that are not
/// built yet are never listed.
pub fn areas(p: &Principal) -> Vec<String> {
    let mut areas = Vec::new();
    for m in super::modules::all() {
        (m.areas)(p, &mut areas);
    }
    areas.into_iter().map(String::from).collect()
}

/// Users, teams, roles and the company: the accounts module, with the home and profile pages
/// and the admin screens.
pub fn module() -> ModuleDef {
    ModuleDef {
        areas: account_areas,
        seed: super::company::ensure_roles,
        jobs: || {
            vec![Job {
                name: "session-cleanup",
                every: std::time::Duration::from_secs(3600),
                run: purge_expired_sessions,
            }]
        },
        ..ModuleDef::new("accounts", ACCOUNT_KINDS, |r| {
            r.with::<super::company::Company>()
                .with::<User>()
                .with::<Team>()
                .with::<Role>()
        })
    }
}

static ACCOUNT_KINDS: &[KindInfo] = &[
    KindInfo::plain::<super::company::Company>(Module::Settings, "公司", "Company"),
    KindInfo::plain::<User>(Module::Users, "用户", "User"),
    KindInfo::plain::<Team>(Module::Users, "团队", "Team"),
    KindInfo::plain::<Role>(Module::Users, "角色", "Role"),
];

fn account_areas(p: &Principal, areas: &mut Vec<&'static str>) {
    areas.extend(["home", "profile"]);
    if p.scope(Module::Users, Action::Update) == Scope::All {
        areas.extend([
            "admin.users",
            "admin.teams",
            "admin.roles",
            "admin.permissions",
        ]);
    }
    if Module::ALL
        .iter()
        .any(|m| p.scope(*m, Action::Delete) != Scope::None)
    {
        areas.push("admin.recycle_bin");
    }
    if p.scope(Module::Audit, Action::Read) != Scope::None {
        areas.push("admin.audit");
    }
    if p.scope(Module::Settings, Action::Update) == Scope::All {
        areas.push("admin.company");
    }
    if p.scope(Module::Settings, Action::Read) != Scope::None {
        areas.push("admin.api_docs");
    }
}

pub fn me(k: &Kontor, p: &Principal) -> AppResult<Me> {
    k.store.read(|tx| {
        let user = tx.get_live::<User>(p.user_id)?;
        let mut roles = Vec::new();
        for id in &user.data.role_ids {
            if let Some(r) = tx.get::<Role>(*id)?.filter(|r| !r.meta.is_deleted()) {
                roles.push(Named {
                    id: r.id,
                    name: role_name(&r.data, p.lang),
                });
            }
        }
        let mut teams = Vec::new();
        for id in &user.data.team_ids {
            if let Some(t) = tx.get::<Team>(*id)?.filter(|t| !t.meta.is_deleted()) {
                teams.push(Named {
                    id: t.id,
                    name: t.data.name,
                });
            }
        }
        Ok(Me {
            id: user.id,
            username: user.data.username,
            display_name: user.data.display_name,
            email: user.data.email,
            language: user.data.language,
            time_zone: user.data.time_zone,
            is_admin: p.is_admin,
            roles,
            teams,
            areas: areas(p),
            permissions: p.perms.clone(),
            company: company::company(tx)?.map(|c| company::view(&c)),
        })
    })
}

pub fn update_me(k: &Kontor, p: &Principal, patch: MePatch) -> AppResult<()> {
    let display_name = patch
        .display_name
        .as_deref()
        .map(|d| validate::text("display_name", d, 60))
        .transpose()?;
    let tz = patch
        .time_zone
        .as_deref()
        .map(|t| validate::time_zone("time_zone", t))
        .transpose()?;
    let (actor, id) = (p.actor(), p.user_id);
    k.store.write(move |tx| {
        tx.update::<User, AppError>(&actor, id, None, |u| {
            if let Some(d) = display_name {
                u.display_name = d;
            }
            if let Some(l) = patch.language {
                u.language = l;
            }
            if let Some(t) = tz {
                u.time_zone = t;
            }
            Ok(())
        })
    })?;
    Ok(())
}

/// Changes the caller's password, ends all their sessions, and returns a new session token.
pub fn change_password(
    k: &Kontor,
    p: &Principal,
    input: PasswordChange,
    origin: Origin,
) -> AppResult<String> {
    if input.current_password.is_empty() {
        return Err(AppError::invalid(
            "current_password",
            Msg::new("请输入当前密码。", "Enter your current password."),
        ));
    }
    password::validate("new_password", &input.new_password)?;
    // Guessing the current password from an open session counts as failed logins of the
    // account.
    throttled(k.throttle.check_account(&p.username))?;
    let current = k.store.read(|tx| tx.get_live::<User>(p.user_id))?;
    if input.current_password.len() > 1024
        || !password::verify(&input.current_password, &current.data.password_hash)
    {
        k.throttle.failed_account(&p.username);
        return Err(AppError::invalid(
            "current_password",
            Msg::new("当前密码不正确。", "The current password is wrong."),
        ));
    }
    k.throttle.succeeded(&p.username);
    let hash = password::hash(&input.new_password)?;
    let (actor, id) = (p.actor(), p.user_id);
    k.store.write(move |tx| {
        let user = tx.update::<User, AppError>(&actor, id, None, |u| {
            u.password_hash = hash;
            u.session_epoch += 1;
            Ok(())
        })?;
        session::end_all_for_user(tx, id)?;
        let now = tx.now();
        Ok(session::create(
            tx,
            &session::Session {
                user_id: id,
                epoch: user.data.session_epoch,
                created_at: now,
                last_seen: now,
                ip: origin.ip,
                user_agent: origin.user_agent,
            },
        )?)
    })
}

/// Job: drops expired sessions.
pub fn purge_expired_sessions(k: &Kontor, now: chrono::DateTime<Utc>) -> AppResult<()> {
    let n = k.store.write(move |tx| session::purge_expired(tx, now))?;
    if n > 0 {
        tracing::info!("removed {n} expired sessions");
    }
    Ok(())
}
