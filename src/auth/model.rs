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
