//! Roles: the presets and the firm's own (PLT-1).

use serde::{Deserialize, Serialize};

use crate::auth::policy::{Action, FieldClass, Grants, Module, Preset, Scope};
use crate::auth::{Principal, Role, User};
use crate::error::{AppError, AppResult, ErrorCode, Msg};
use crate::i18n::Lang;
use crate::store::{IndexKey, Record};

use super::accounts::role_name;
use super::kit::List;
use super::{Kontor, validate};

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct RoleView {
    pub id: u64,
    /// The preset key (`sales`, `finance` …) or null for a custom role.
    pub key: Option<String>,
    pub name: String,
    pub preset: bool,
    #[schema(value_type = BTreeMap<String, BTreeMap<String, Scope>>)]
    pub grants: Grants,
    pub hidden_fields: Vec<String>,
    pub user_count: u64,
    pub version: u64,
}

#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewRole {
    pub name: String,
    #[serde(default)]
    #[schema(value_type = Option<BTreeMap<String, BTreeMap<String, Scope>>>)]
    pub grants: Option<Grants>,
    #[serde(default)]
    pub hidden_fields: Option<Vec<String>>,
    /// A role id to copy grants and hidden fields from.
    pub based_on: Option<u64>,
}

#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RolePatch {
    pub version: u64,
    pub name: Option<String>,
    #[schema(value_type = Option<BTreeMap<String, BTreeMap<String, Scope>>>)]
    pub grants: Option<Grants>,
    pub hidden_fields: Option<Vec<String>>,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct CatalogEntry {
    pub key: String,
    pub name: String,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct ActionEntry {
    pub key: String,
    pub name: String,
    /// The modules the action applies to (absent: every module).
    pub modules: Option<Vec<String>>,
}

/// Everything a role editor offers, named in the caller's language.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Catalog {
    pub modules: Vec<CatalogEntry>,
    pub actions: Vec<ActionEntry>,
    pub scopes: Vec<CatalogEntry>,
    pub field_classes: Vec<CatalogEntry>,
}

pub fn catalog(lang: Lang) -> Catalog {
    let entry = |key: &str, name: &str| CatalogEntry {
        key: key.into(),
        name: name.into(),
    };
    Catalog {
        modules: Module::ALL
            .iter()
            .map(|m| entry(m.key(), m.name(lang)))
            .collect(),
        actions: Action::ALL
            .iter()
            .map(|a| ActionEntry {
                key: a.key().into(),
                name: a.name(lang).into(),
                modules: a
                    .modules()
                    .map(|ms| ms.iter().map(|m| m.key().to_string()).collect()),
            })
            .collect(),
        scopes: Scope::ALL
            .iter()
            .map(|s| entry(s.key(), s.name(lang)))
            .collect(),
        field_classes: FieldClass::ALL
            .iter()
            .map(|f| entry(f.key(), f.name(lang)))
            .collect(),
    }
}

fn require_admin(p: &Principal) -> AppResult<()> {
    p.require_all(Module::Users, Action::Update)
}

fn check_grants(grants: Grants) -> AppResult<Grants> {
    let mut clean = Grants::new();
    for (module, actions) in grants {
        let Some(m) = Module::parse(&module) else {
            return Err(AppError::invalid(
                format!("grants.{module}"),
                Msg::new(
                    format!("未知的模块：{module}"),
                    format!("Unknown module: {module}"),
                ),
            ));
        };
        for (action, scope) in actions {
            let Some(a) = Action::parse(&action) else {
                return Err(AppError::invalid(
                    format!("grants.{module}.{action}"),
                    Msg::new(
                        format!("未知的操作：{action}"),
                        format!("Unknown action: {action}"),
                    ),
                ));
            };
            if !a.applies_to(m) && scope != Scope::None {
                return Err(AppError::invalid(
                    format!("grants.{module}.{action}"),
                    Msg::new(
                        format!("“{}”不适用于“{}”。", a.name(Lang::Zh), m.name(Lang::Zh)),
                        format!(
                            "“{}” does not apply to “{}”.",
                            a.name(Lang::En),
                            m.name(Lang::En)
                        ),
                    ),
                ));
            }
            if scope != Scope::None {
                clean
                    .entry(module.clone())
                    .or_default()
                    .insert(action, scope);
            }
        }
    }
    Ok(clean)
}

fn check_hidden(hidden: Vec<String>) -> AppResult<Vec<String>> {
    let mut out = Vec::new();
    for h in hidden {
        if FieldClass::parse(&h).is_none() {
            return Err(AppError::invalid(
                "hidden_fields",
                Msg::new(
                    format!("未知的敏感字段类别：{h}"),
                    format!("Unknown hidden field class: {h}"),
                ),
            ));
        }
        if !out.contains(&h) {
            out.push(h);
        }
    }
    out.sort();
    Ok(out)
}

fn view(tx: &crate::store::Tx, r: Record<Role>, lang: Lang) -> AppResult<RoleView> {
    let user_count = tx
        .ids_by_index::<User>("role", &IndexKey::new().u64(r.id), false)?
        .len() as u64;
    Ok(RoleView {
        id: r.id,
        name: role_name(&r.data, lang),
        preset: r.data.preset.is_some(),
        key: r.data.preset,
        grants: r.data.grants,
        hidden_fields: r.data.hidden_fields,
        user_count,
        version: r.meta.version,
    })
}

pub fn list(k: &Kontor, p: &Principal) -> AppResult<List<RoleView>> {
    p.require(Module::Users, Action::Read)?;
    k.store.read(|tx| {
        let page = tx.list::<Role>(&|_| true, 0, u64::MAX)?;
        let mut items = page
            .items
            .into_iter()
            .map(|r| view(tx, r, p.lang))
            .collect::<AppResult<Vec<_>>>()?;
        // Presets in the policy's order, then custom roles by name.
        let order = |r: &RoleView| {
            r.key
                .as_deref()
                .and_then(|k| crate::auth::policy::PRESETS.iter().position(|p| p.key == k))
                .unwrap_or(usize::MAX)
        };
        items.sort_by(|a, b| order(a).cmp(&order(b)).then(a.name.cmp(&b.name)));
        Ok(List {
            total: page.total,
            page: 1,
            per_page: page.total.max(1),
            items,
        })
    })
}

pub fn create(k: &Kontor, p: &Principal, input: NewRole) -> AppResult<RoleView> {
    require_admin(p)?;
    let name = validate::text("name", &input.name, 60)?;
    if crate::auth::policy::PRESETS
        .iter()
        .any(|pr| pr.zh == name || pr.en.eq_ignore_ascii_case(&name))
    {
        return Err(AppError::new(ErrorCode::Duplicate)
            .on_field("name")
            .with_msg(Msg::new(
                "与预设角色同名，请换一个名称。",
                "A preset role has this name; choose another.",
            )));
    }
    let grants = input.grants.map(check_grants).transpose()?;
    let hidden = input.hidden_fields.map(check_hidden).transpose()?;
    let (actor, lang) = (p.actor(), p.lang);
    k.store.write(move |tx| {
        let base = match input.based_on {
            Some(id) => Some(tx.get_live::<Role>(id).map_err(|_| {
                AppError::invalid(
                    "based_on",
                    Msg::new(
                        format!("角色 {id} 不存在。"),
                        format!("Role {id} does not exist."),
                    ),
                )
            })?),
            None => None,
        };
        let role = Role {
            preset: None,
            name,
            grants: grants
                .or_else(|| base.as_ref().map(|b| b.data.grants.clone()))
                .unwrap_or_default(),
            hidden_fields: hidden
                .or_else(|| base.as_ref().map(|b| b.data.hidden_fields.clone()))
                .unwrap_or_else(|| {
                    FieldClass::ALL
                        .iter()
                        .map(|f| f.key().to_string())
                        .collect()
                }),
        };
        let r = tx.insert(&actor, role)?;
        view(tx, r, lang)
    })
}

pub fn update(k: &Kontor, p: &Principal, id: u64, patch: RolePatch) -> AppResult<RoleView> {
    require_admin(p)?;
    let name = patch
        .name
        .as_deref()
        .map(|n| validate::text("name", n, 60))
        .transpose()?;
    let grants = patch.grants.map(check_grants).transpose()?;
    let hidden = patch.hidden_fields.map(check_hidden).transpose()?;
    let (actor, lang) = (p.actor(), p.lang);
    k.store.write(move |tx| {
        let current = tx.get_live::<Role>(id)?;
        if current.data.preset.as_deref() == Some("admin") {
            return Err(AppError::new(ErrorCode::Conflict).with_msg(Msg::new(
                "管理员角色不可修改，以免所有人失去管理权限。",
                "The administrator role cannot be changed, so nobody loses the keys.",
            )));
        }
        let is_preset = current.data.preset.is_some();
        let r = tx.update::<Role, AppError>(&actor, id, Some(patch.version), |r| {
            if let Some(n) = name.filter(|n| *n != r.name) {
                if is_preset {
                    return Err(AppError::invalid(
                        "name",
                        Msg::new("预设角色不可改名。", "Preset roles cannot be renamed."),
                    ));
                }
                r.name = n;
            }
            if let Some(g) = grants {
                r.grants = g;
            }
            if let Some(h) = hidden {
                r.hidden_fields = h;
            }
            Ok(())
        })?;
        view(tx, r, lang)
    })
}

pub fn delete(k: &Kontor, p: &Principal, id: u64, version: Option<u64>) -> AppResult<()> {
    require_admin(p)?;
    let actor = p.actor();
    k.store.write(move |tx| {
        let role = tx.get_live::<Role>(id)?;
        if role.data.preset.is_some() {
            return Err(AppError::new(ErrorCode::Conflict).with_msg(Msg::new(
                "预设角色不可删除。",
                "Preset roles cannot be deleted.",
            )));
        }
        let users = tx
            .ids_by_index::<User>("role", &IndexKey::new().u64(id), false)?
            .len();
        if users > 0 {
            return Err(AppError::new(ErrorCode::Conflict).with_msg(Msg::new(
                format!("还有 {users} 位用户使用此角色，请先为他们更换角色。"),
                format!("{users} users still have this role; give them another role first."),
            )));
        }
        tx.delete::<Role>(&actor, id, version)?;
        Ok(())
    })
}

/// The preset of a key, for the demo and tests.
pub fn preset_id(k: &Kontor, key: &str) -> AppResult<u64> {
    k.store.read(|tx| {
        tx.find_unique::<Role>("preset", &IndexKey::new().str(key))?
            .ok_or_else(|| AppError::internal(format!("preset {key} missing")))
    })
}

pub fn preset_names(lang: Lang) -> Vec<(&'static str, &'static str)> {
    crate::auth::policy::PRESETS
        .iter()
        .map(|p: &Preset| (p.key, p.name(lang)))
        .collect()
}
