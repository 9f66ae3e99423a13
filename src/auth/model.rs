//! Users, teams and roles as stored records.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::policy::Grants;
use crate::i18n::Lang;
use crate::search::SearchDoc;
use crate::store::{Entity, IndexDef, IndexKey, Meta};

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct User {
    /// Login name, stored in lower case.
    pub username: String,
    pub display_name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub password_hash: String,
    pub active: bool,
    pub role_ids: Vec<u64>,
    pub team_ids: Vec<u64>,
    pub language: Lang,
    pub time_zone: String,
    /// Bumped when the password changes or sessions are ended, so older sessions die.
    pub session_epoch: u64,
}

impl Entity for User {
    const KIND: &'static str = "user";
    const SEARCHABLE: bool = true;
    const SECRET_FIELDS: &'static [&'static str] = &["password_hash"];

    fn indexes() -> Vec<IndexDef<Self>> {
        vec![
            IndexDef::unique("username", "username", |u: &User| {
                vec![IndexKey::new().str(&u.username)]
            })
            .keep_deleted(),
            IndexDef::many("team", |u| {
                u.team_ids.iter().map(|t| IndexKey::new().u64(*t)).collect()
            }),
            IndexDef::many("role", |u| {
                u.role_ids.iter().map(|r| IndexKey::new().u64(*r)).collect()
            }),
        ]
    }
    fn title(&self) -> String {
        format!("{} ({})", self.display_name, self.username)
    }
    fn search_doc(&self, _meta: &Meta) -> Option<SearchDoc> {
        Some(SearchDoc {
            title: self.display_name.clone(),
            subtitle: self.username.clone(),
            text: vec![self.username.clone()],
            exact: self
                .email
                .iter()
                .chain(self.phone.iter())
                .cloned()
                .collect(),
            owner: None,
        })
    }
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Team {
    pub name: String,
    pub leader_id: Option<u64>,
}

impl Entity for Team {
    const KIND: &'static str = "team";
    fn indexes() -> Vec<IndexDef<Self>> {
        vec![IndexDef::unique("name", "name", |t| {
            vec![IndexKey::new().str(&crate::search::text::fold(&t.name))]
        })]
    }
    fn title(&self) -> String {
        self.name.clone()
    }
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Role {
    /// The preset this role is (None for custom roles).
    pub preset: Option<String>,
    /// A custom name; presets are named in the viewer's language instead.
    pub name: String,
    pub grants: Grants,
    pub hidden_fields: Vec<String>,
}

impl Entity for Role {
    const KIND: &'static str = "role";
    /// 2: the actions `lock` and `delete_customer` (same layout; presets get them, see
    /// [`super::policy::ADDED_IN_ROLE_SCHEMA_2`]).
    const SCHEMA_VERSION: u16 = 2;
    fn upgrade(from: u16, payload: &[u8]) -> Result<Self, crate::store::StoreError> {
        let mut role: Role = crate::store::decode(payload)?;
        if from < 2 {
            super::policy::grant_added_actions(
                role.preset.as_deref(),
                &mut role.grants,
                super::policy::ADDED_IN_ROLE_SCHEMA_2,
            );
        }
        Ok(role)
    }
    fn indexes() -> Vec<IndexDef<Self>> {
        vec![
            IndexDef::unique("preset", "preset", |r| {
                r.preset.iter().map(|p| IndexKey::new().str(p)).collect()
            }),
            IndexDef::unique("name", "name", |r| {
                vec![IndexKey::new().str(&crate::search::text::fold(&r.name))]
            }),
        ]
    }
    fn title(&self) -> String {
        self.name.clone()
    }
}

/// When a user last logged in (kept apart from the user record: no audit entry per login).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct LastLogin {
    pub at: DateTime<Utc>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::Scope;
    use crate::store::Entity;

    #[test]
    fn roles_stored_before_lock_and_customer_delete_upgrade_by_their_preset() {
        let stored = |preset: Option<&str>| {
            let mut grants = preset
                .and_then(crate::auth::policy::Preset::find)
                .map(|p| p.grants())
                .unwrap_or_default();
            for actions in grants.values_mut() {
                actions.retain(|a, _| a != "lock" && a != "delete_customer");
            }
            if preset.is_none() {
                grants.insert(
                    "crm".into(),
                    [
                        ("update".to_string(), Scope::All),
                        ("delete".to_string(), Scope::All),
                    ]
                    .into_iter()
                    .collect(),
                );
            }
            let role = Role {
                preset: preset.map(str::to_string),
                name: "x".into(),
                grants,
                hidden_fields: vec![],
            };
            crate::store::encode(&role).unwrap()
        };
        let manager = Role::upgrade(1, &stored(Some("manager"))).unwrap();
        assert_eq!(manager.grants["crm"]["lock"], Scope::All);
        assert_eq!(manager.grants["crm"]["delete_customer"], Scope::All);
        let sales = Role::upgrade(1, &stored(Some("sales"))).unwrap();
        assert!(!sales.grants["crm"].contains_key("lock"));
        assert!(!sales.grants["crm"].contains_key("delete_customer"));
        let custom = Role::upgrade(1, &stored(None)).unwrap();
        assert_eq!(custom.grants["crm"].len(), 2, "{:?}", custom.grants);
    }
}
