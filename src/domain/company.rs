//! The company itself (one record) and first-run setup.

use serde::{Deserialize, Serialize};

use crate::auth::policy::PRESETS;
use crate::auth::{Role, User, password, session};
use crate::error::{AppError, AppResult, ErrorCode};
use crate::i18n::Lang;
use crate::store::{Actor, Entity, Tx};

use super::{Kontor, validate};

/// The company record; there is exactly one, id 1.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Company {
    pub name: String,
    pub base_currency: String,
    pub time_zone: String,
    pub language: Lang,
}

impl Entity for Company {
    const KIND: &'static str = "company";
    fn title(&self) -> String {
        self.name.clone()
    }
}

pub const COMPANY_ID: u64 = 1;

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct CompanyView {
    pub name: String,
    pub base_currency: String,
    pub time_zone: String,
    pub language: Lang,
    pub version: u64,
}

#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CompanyInput {
    pub name: String,
    pub base_currency: String,
    pub time_zone: String,
    pub language: Lang,
}

#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AdminInput {
    pub username: String,
    pub display_name: String,
    pub password: String,
    #[serde(default)]
    pub email: Option<String>,
}

#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetupInput {
    pub company: CompanyInput,
    pub admin: AdminInput,
}

#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CompanyPatch {
    pub version: u64,
    pub name: Option<String>,
    pub base_currency: Option<String>,
    pub time_zone: Option<String>,
    pub language: Option<Lang>,
}

fn check_company(input: &CompanyInput, prefix: &str) -> AppResult<Company> {
    Ok(Company {
        name: validate::text(&format!("{prefix}name"), &input.name, 120)?,
        base_currency: validate::currency(&format!("{prefix}base_currency"), &input.base_currency)?,
        time_zone: validate::time_zone(&format!("{prefix}time_zone"), &input.time_zone)?,
        language: input.language,
    })
}

/// Whether the first-run setup is still to be done (no user exists yet).
pub fn setup_required(k: &Kontor) -> AppResult<bool> {
    Ok(k.store.read(|tx| tx.count_all::<User>())? == 0)
}

pub fn company(tx: &Tx) -> AppResult<Option<crate::store::Record<Company>>> {
    Ok(tx.get::<Company>(COMPANY_ID)?)
}

/// The company's own country (ISO code), where phone numbers written without a country code are
/// read on records that name no country: the country of the company's time zone, else China.
pub fn default_country(tx: &Tx) -> AppResult<String> {
    let zone = company(tx)?.map(|c| c.data.time_zone);
    Ok(zone
        .and_then(|z| {
            crate::domain::countries::all()
                .iter()
                .find(|c| c.tz == Some(z.as_str()))
        })
        .map_or("CN", |c| c.code)
        .to_string())
}

/// Adds the preset roles a company lacks (new presets arrive with new versions).
pub fn ensure_roles(tx: &mut Tx) -> AppResult<()> {
    for preset in PRESETS {
        let key = crate::store::IndexKey::new().str(preset.key);
        if tx.find_unique::<Role>("preset", &key)?.is_none() {
            tx.insert(
                &Actor::system(),
                Role {
                    preset: Some(preset.key.to_string()),
                    name: preset.en.to_string(),
                    grants: preset.grants(),
                    hidden_fields: preset.hidden(),
                },
            )?;
        }
    }
    Ok(())
}

/// Creates the company, the preset roles and the first admin, and logs the admin in. Accepted
/// only while no user exists. Returns the admin's id and session token.
pub fn setup(k: &Kontor, input: SetupInput, ip: Option<String>) -> AppResult<(u64, String)> {
    let company = check_company(&input.company, "company.")?;
    let username = validate::username("admin.username", &input.admin.username)?;
    let display_name = validate::text("admin.display_name", &input.admin.display_name, 60)?;
    let email = validate::optional_email("admin.email", input.admin.email.as_deref())?;
    password::validate("admin.password", &input.admin.password)?;
    if !setup_required(k)? {
        return Err(AppError::new(ErrorCode::SetupDone));
    }
    let hash = password::hash(&input.admin.password)?;
    k.store.write(move |tx| {
        if tx.count_all::<User>()? != 0 {
            return Err(AppError::new(ErrorCode::SetupDone));
        }
        let actor = Actor {
            user: None,
            ip: ip.clone(),
        };
        let language = company.language;
        let time_zone = company.time_zone.clone();
        let company_record = tx.insert(&actor, company)?;
        debug_assert_eq!(company_record.id, COMPANY_ID);
        super::modules::seed(tx)?;
        let admin_role = tx
            .find_unique::<Role>("preset", &crate::store::IndexKey::new().str("admin"))?
            .ok_or_else(|| AppError::internal("admin preset missing"))?;
        let user = tx.insert(
            &actor,
            User {
                username,
                display_name,
                email,
                phone: None,
                password_hash: hash,
                active: true,
                role_ids: vec![admin_role],
                team_ids: Vec::new(),
                language,
                time_zone,
                session_epoch: 0,
            },
        )?;
        let now = tx.now();
        let token = session::create(
            tx,
            &session::Session {
                user_id: user.id,
                epoch: 0,
                created_at: now,
                last_seen: now,
                ip,
                user_agent: None,
            },
        )?;
        Ok((user.id, token))
    })
}

pub fn view(record: &crate::store::Record<Company>) -> CompanyView {
    let c = &record.data;
    CompanyView {
        name: c.name.clone(),
        base_currency: c.base_currency.clone(),
        time_zone: c.time_zone.clone(),
        language: c.language,
        version: record.meta.version,
    }
}

pub fn get(k: &Kontor) -> AppResult<CompanyView> {
    k.store.read(|tx| {
        company(tx)?
            .map(|r| view(&r))
            .ok_or_else(|| AppError::new(ErrorCode::SetupRequired))
    })
}

pub fn update(
    k: &Kontor,
    p: &crate::auth::Principal,
    patch: CompanyPatch,
) -> AppResult<CompanyView> {
    p.require_all(crate::auth::Module::Settings, crate::auth::Action::Update)?;
    let name = patch
        .name
        .as_deref()
        .map(|n| validate::text("name", n, 120))
        .transpose()?;
    let currency = patch
        .base_currency
        .as_deref()
        .map(|c| validate::currency("base_currency", c))
        .transpose()?;
    let tz = patch
        .time_zone
        .as_deref()
        .map(|t| validate::time_zone("time_zone", t))
        .transpose()?;
    let actor = p.actor();
    let record = k.store.write(move |tx| {
        tx.update::<Company, AppError>(&actor, COMPANY_ID, Some(patch.version), |c| {
            if let Some(n) = name {
                c.name = n;
            }
            if let Some(cur) = currency {
                c.base_currency = cur;
            }
            if let Some(t) = tz {
                c.time_zone = t;
            }
            if let Some(l) = patch.language {
                c.language = l;
            }
            Ok(())
        })
    })?;
    Ok(view(&record))
}
