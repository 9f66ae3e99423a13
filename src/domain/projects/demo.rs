//! Demo projects, laid out from the preset templates by the demo's people: a new store launch
//! started some weeks ago (research and product selection done, the factory audit late) and a
//! Prime Day counted back from an event date weeks ahead (the sales forecast done). Dates count
//! from today.

use std::collections::HashMap;

use chrono::{Datelike, Duration};

use super::model::{Member, ProjectStatus, TaskStatus};
use super::project::{self, ProjectInput};
use super::tasks::{self, TaskInput, TaskQuery};
use super::templates::{self, FromTemplateInput, ProjectTemplate};
use crate::auth::{Principal, User};
use crate::domain::crm::company_today;
use crate::domain::{Kontor, accounts};
use crate::error::{AppError, AppResult};
use crate::i18n::Lang;
use crate::store::IndexKey;

/// How many days ago the store launch started.
pub const STORE_LAUNCH_STARTED_DAYS_AGO: i64 = 32;
/// How many days ahead Prime Day is.
pub const PRIME_DAY_IN_DAYS: i64 = 50;

fn user_id(k: &Kontor, username: &str) -> AppResult<u64> {
    k.store.read(|tx| {
        tx.find_unique::<User>("username", &IndexKey::new().str(username))?
            .ok_or_else(AppError::not_found)
    })
}

fn principal(k: &Kontor, username: &str) -> AppResult<Principal> {
    let id = user_id(k, username)?;
    k.store.read(|tx| {
        let user = tx.get_live::<User>(id)?;
        accounts::principal_for(tx, &user, None)
    })
}

fn template(k: &Kontor, preset: &str) -> AppResult<u64> {
    k.store.read(|tx| {
        tx.ids_by_index::<ProjectTemplate>("preset", &IndexKey::new().str(preset), false)?
            .into_iter()
            .next()
            .ok_or_else(AppError::not_found)
    })
}

fn member(user_id: u64) -> Member {
    Member {
        user_id,
        observer: false,
    }
}

/// Sets the status of the project's tasks named (Chinese titles), with their hours spent when
/// done and who works on them.
fn progress(
    k: &Kontor,
    p: &Principal,
    project_id: u64,
    steps: &[(&str, TaskStatus, Option<u64>)],
) -> AppResult<()> {
    let list = tasks::list(k, p, project_id, TaskQuery::default())?;
    let by_title: HashMap<&str, _> = list.items.iter().map(|t| (t.title.as_str(), t)).collect();
    for (title, status, assignee) in steps {
        let Some(t) = by_title.get(title) else {
            continue;
        };
        tasks::update(
            k,
            p,
            t.id,
            TaskInput {
                status: Some(*status),
                spent_hours: (*status == TaskStatus::Done)
                    .then(|| t.estimate_hours.unwrap_or_default()),
                assignees: assignee.map(|a| vec![a]),
                ..Default::default()
            },
        )?;
    }
    Ok(())
}

pub fn seed(k: &Kontor) -> AppResult<()> {
    let zhao = principal(k, "zhao.min")?;
    let buyer = user_id(k, "zhou.jie")?;
    let merchandiser = user_id(k, "sun.li")?;
    let logistics = user_id(k, "zheng.hui")?;
    let keeper = user_id(k, "wu.gang")?;
    let today = k.store.read(|tx| company_today(tx, tx.now()))?;
    let activate = |id: u64| {
        project::update(
            k,
            &zhao,
            id,
            ProjectInput {
                status: Some(ProjectStatus::Active),
                ..Default::default()
            },
        )
    };

    // Zhao Min opens the company's Amazon US store: research and product selection are done,
    // the quotations are in, and the factory audit is running late.
    let launch = templates::instantiate(
        k,
        &zhao,
        FromTemplateInput {
            template_id: template(k, "store_launch")?,
            name: Some("新店上线：Amazon 美国站".into()),
            start: Some(today - Duration::days(STORE_LAUNCH_STARTED_DAYS_AGO)),
            lang: Some(Lang::Zh),
            members: Some(vec![member(buyer), member(merchandiser)]),
            ..Default::default()
        },
    )?;
    activate(launch.id)?;
    let (me, done, doing) = (Some(zhao.user_id), TaskStatus::Done, TaskStatus::Doing);
    progress(
        k,
        &zhao,
        launch.id,
        &[
            ("市场规模与竞品分析", done, me),
            ("平台费用与规则", done, me),
            ("目标客户与定价", done, me),
            ("市场调研", done, None),
            ("候选产品清单", done, me),
            ("样品与成本核算", done, Some(merchandiser)),
            ("选品", done, None),
            ("询价比价", done, Some(buyer)),
            ("验厂与资质审核", doing, Some(buyer)),
            ("注册店铺与认证", doing, me),
        ],
    )?;

    // Prime Day, counted back from the event: the forecast is done, purchase orders are going out.
    let event = today + Duration::days(PRIME_DAY_IN_DAYS);
    let prime = templates::instantiate(
        k,
        &zhao,
        FromTemplateInput {
            template_id: template(k, "prime_day")?,
            name: Some(format!("{} Prime Day 大促（美国站）", event.year())),
            event_date: Some(event),
            lang: Some(Lang::Zh),
            members: Some(vec![member(buyer), member(logistics), member(keeper)]),
            ..Default::default()
        },
    )?;
    activate(prime.id)?;
    progress(
        k,
        &zhao,
        prime.id,
        &[("销量预测", done, me), ("采购下单", doing, Some(buyer))],
    )?;
    Ok(())
}
