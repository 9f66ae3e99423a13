//! The demo company: a trading firm in Ningbo with one user per role, so a newcomer sees
//! Kontor with realistic people at once. Later areas add their demo data here.

use crate::auth::{User, password};
use crate::error::{AppError, AppResult};
use crate::i18n::Lang;
use crate::store::{Actor, IndexKey};

use super::company::{AdminInput, CompanyInput, SetupInput};
use super::{DemoAccount, Kontor, roles};

/// The demo password of every demo account (shown on the login page in demo mode only).
pub const DEMO_PASSWORD: &str = "kontor-demo";

/// (username, display name, preset role, team, language, time zone)
type Person = (
    &'static str,
    &'static str,
    &'static str,
    Option<&'static str>,
    Lang,
    &'static str,
);

const PEOPLE: &[Person] = &[
    ("admin", "周海燕", "admin", None, Lang::Zh, "Asia/Shanghai"),
    ("boss", "陈志强", "manager", None, Lang::Zh, "Asia/Shanghai"),
    (
        "li.na",
        "李娜",
        "sales",
        Some("欧洲业务部"),
        Lang::Zh,
        "Asia/Shanghai",
    ),
    (
        "wang.lei",
        "王磊",
        "sales",
        Some("欧洲业务部"),
        Lang::Zh,
        "Asia/Shanghai",
    ),
    (
        "zhao.min",
        "赵敏",
        "sales",
        Some("美洲业务部"),
        Lang::Zh,
        "Asia/Shanghai",
    ),
    (
        "anna",
        "Anna Schmidt",
        "sales",
        Some("欧洲业务部"),
        Lang::En,
        "Europe/Berlin",
    ),
    (
        "sun.li",
        "孙丽",
        "merchandiser",
        Some("欧洲业务部"),
        Lang::Zh,
        "Asia/Shanghai",
    ),
    ("zhou.jie", "周杰", "buyer", None, Lang::Zh, "Asia/Shanghai"),
    (
        "wu.gang",
        "吴刚",
        "warehouse",
        None,
        Lang::Zh,
        "Asia/Shanghai",
    ),
    (
        "zheng.hui",
        "郑辉",
        "logistics",
        None,
        Lang::Zh,
        "Asia/Shanghai",
    ),
    (
        "qian.fang",
        "钱芳",
        "finance",
        None,
        Lang::Zh,
        "Asia/Shanghai",
    ),
    (
        "observer",
        "刘总（股东）",
        "observer",
        None,
        Lang::Zh,
        "Asia/Shanghai",
    ),
    (
        "supplier",
        "宁波恒达五金（供应商）",
        "supplier",
        None,
        Lang::Zh,
        "Asia/Shanghai",
    ),
];

/// Sets up the demo company in an empty data directory (does nothing if it is set up already)
/// and returns the demo accounts.
pub fn seed(k: &Kontor) -> AppResult<Vec<DemoAccount>> {
    if super::company::setup_required(k)? {
        super::company::setup(
            k,
            SetupInput {
                company: CompanyInput {
                    name: "宁波海纳进出口有限公司".into(),
                    base_currency: "CNY".into(),
                    time_zone: "Asia/Shanghai".into(),
                    language: Lang::Zh,
                },
                admin: AdminInput {
                    username: "admin".into(),
                    display_name: "周海燕".into(),
                    password: DEMO_PASSWORD.into(),
                    email: Some("admin@haina-trade.example".into()),
                },
            },
            None,
        )?;
        let hash = password::hash(DEMO_PASSWORD)?;
        let mut people = Vec::new();
        for (username, name, preset, team, lang, tz) in PEOPLE.iter().skip(1) {
            people.push((
                *username,
                *name,
                roles::preset_id(k, preset)?,
                *team,
                *lang,
                *tz,
            ));
        }
        k.store.write(move |tx| {
            let actor = Actor::system();
            for (username, name, role, team, language, tz) in people {
                let team_ids = match team {
                    Some(team_name) => {
                        let key = IndexKey::new().str(&crate::search::text::fold(team_name));
                        let id = match tx.find_unique::<crate::auth::Team>("name", &key)? {
                            Some(id) => id,
                            None => {
                                tx.insert(
                                    &actor,
                                    crate::auth::Team {
                                        name: team_name.into(),
                                        leader_id: None,
                                    },
                                )?
                                .id
                            }
                        };
                        vec![id]
                    }
                    None => Vec::new(),
                };
                tx.insert(
                    &actor,
                    User {
                        username: username.into(),
                        display_name: name.into(),
                        email: Some(format!("{username}@haina-trade.example")),
                        phone: None,
                        password_hash: hash.clone(),
                        active: true,
                        role_ids: vec![role],
                        team_ids,
                        language,
                        time_zone: tz.into(),
                        session_epoch: 0,
                    },
                )?;
            }
            crate::domain::crm::demo::seed(tx)?;
            Ok::<_, AppError>(())
        })?;
        // Sales and money, goods and projects go through the operations people use, as the
        // demo's people.
        crate::domain::sales::demo::seed(k)?;
        crate::domain::goods::demo::seed(k)?;
        crate::domain::projects::demo::seed(k)?;
    }
    Ok(PEOPLE
        .iter()
        .map(|(username, _, preset, _, _, _)| DemoAccount {
            username: (*username).into(),
            password: DEMO_PASSWORD.into(),
            role: (*preset).into(),
        })
        .collect())
}
