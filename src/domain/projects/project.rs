//! Projects: made, read, changed, deleted and listed through the guard, numbered
//! PRJ-YYYY-NNNN. Deleting a project moves its tasks to the recycle bin with it.

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::model::{Member, Project, ProjectStatus, ProjectTask, TaskStatus};
use super::{invalid, nullable};
use crate::auth::{Action, Principal};
use crate::domain::crm::{active_owner, company_today};
use crate::domain::kit::{List, Paging, Query, Source, guard, names, needle};
use crate::domain::{Kontor, validate};
use crate::error::AppResult;
use crate::store::{IndexKey, Record, Tx};

/// A user named on a project.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Person {
    pub id: u64,
    pub name: String,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct MemberView {
    pub user_id: u64,
    pub name: String,
    pub observer: bool,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct ProjectView {
    pub id: u64,
    pub number: String,
    pub name: String,
    pub description: Option<String>,
    pub manager: Person,
    pub members: Vec<MemberView>,
    pub start: NaiveDate,
    pub event_date: Option<NaiveDate>,
    pub status: ProjectStatus,
    pub move_dependents: bool,
    pub children_within_parent: bool,
    pub template_id: Option<u64>,
    pub task_count: u64,
    pub done_count: u64,
    /// The caller's part: `manager`, `member`, `observer`, or none.
    pub my_role: Option<String>,
    /// Whether the caller may change it (observers may not).
    pub can_edit: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: u64,
}

pub(crate) fn view(tx: &Tx, p: &Principal, r: Record<Project>) -> AppResult<ProjectView> {
    let d = &r.data;
    let ids = std::iter::once(d.manager_id).chain(d.members.iter().map(|m| m.user_id));
    let names = names(tx, ids)?;
    let name = |id: u64| names.get(&id).cloned().unwrap_or_else(|| format!("#{id}"));
    let (mut task_count, mut done_count) = (0, 0);
    for id in tx.ids_by_index::<ProjectTask>("project", &IndexKey::new().u64(r.id), false)? {
        if let Some(t) = tx.get::<ProjectTask>(id)?.filter(|t| !t.meta.is_deleted()) {
            task_count += 1;
            if t.data.status == TaskStatus::Done {
                done_count += 1;
            }
        }
    }
    let my_role = if d.manager_id == p.user_id {
        Some("manager".to_string())
    } else {
        d.member(p.user_id)
            .map(|m| if m.observer { "observer" } else { "member" }.to_string())
    };
    Ok(ProjectView {
        id: r.id,
        number: d.number.clone(),
        name: d.name.clone(),
        description: d.description.clone(),
        manager: Person {
            id: d.manager_id,
            name: name(d.manager_id),
        },
        members: d
            .members
            .iter()
            .map(|m| MemberView {
                user_id: m.user_id,
                name: name(m.user_id),
                observer: m.observer,
            })
            .collect(),
        start: d.start,
        event_date: d.event_date,
        status: d.status,
        move_dependents: d.move_dependents,
        children_within_parent: d.children_within_parent,
        template_id: d.template_id,
        task_count,
        done_count,
        my_role,
        can_edit: guard::may(tx, p, d, Action::Update)?,
        created_at: r.meta.created_at,
        updated_at: r.meta.updated_at,
        version: r.meta.version,
    })
}

/// A project as entered; on a change, absent fields stay.
#[derive(Clone, Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProjectInput {
    pub name: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub description: Option<Option<String>>,
    /// The caller when not given.
    pub manager_id: Option<u64>,
    pub members: Option<Vec<Member>>,
    /// Today (the company's day) when not given.
    pub start: Option<NaiveDate>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<NaiveDate>)]
    pub event_date: Option<Option<NaiveDate>>,
    pub status: Option<ProjectStatus>,
    pub move_dependents: Option<bool>,
    pub children_within_parent: Option<bool>,
    pub version: Option<u64>,
}

/// Applies the input's fields to a project (checks the people named).
pub(crate) fn apply(tx: &Tx, project: &mut Project, input: &ProjectInput) -> AppResult<()> {
    if let Some(n) = &input.name {
        project.name = validate::text("name", n, 200)?;
    }
    if let Some(d) = &input.description {
        project.description = validate::optional_text("description", d.as_deref(), 4000)?;
    }
    if let Some(m) = input.manager_id {
        active_owner(tx, "manager_id", m)?;
        project.manager_id = m;
    }
    if let Some(members) = &input.members {
        if members.len() > 200 {
            return Err(invalid(
                "members",
                "项目成员最多 200 人。".into(),
                "A project has at most 200 members.".into(),
            ));
        }
        let mut out: Vec<Member> = Vec::new();
        for m in members {
            if out.iter().any(|x| x.user_id == m.user_id) {
                continue;
            }
            active_owner(tx, "members", m.user_id)?;
            out.push(*m);
        }
        project.members = out;
    }
    // The manager is the manager, not also a member.
    let manager = project.manager_id;
    project.members.retain(|m| m.user_id != manager);
    if let Some(s) = input.start {
        project.start = s;
    }
    if let Some(e) = input.event_date {
        project.event_date = e;
    }
    if let Some(s) = input.status {
        project.status = s;
    }
    if let Some(v) = input.move_dependents {
        project.move_dependents = v;
    }
    if let Some(v) = input.children_within_parent {
        project.children_within_parent = v;
    }
    Ok(())
}

/// A new project in the caller's transaction (also used by templates).
pub(crate) fn insert(
    tx: &mut Tx,
    p: &Principal,
    input: &ProjectInput,
    template_id: Option<u64>,
) -> AppResult<Record<Project>> {
    p.require(crate::auth::Module::Projects, Action::Create)?;
    let today = company_today(tx, tx.now())?;
    if input.name.is_none() {
        return Err(crate::error::AppError::required("name"));
    }
    let mut project = Project {
        number: String::new(),
        name: String::new(),
        description: None,
        manager_id: p.user_id,
        members: Vec::new(),
        start: today,
        event_date: None,
        status: ProjectStatus::Planning,
        move_dependents: true,
        children_within_parent: true,
        template_id,
    };
    apply(tx, &mut project, input)?;
    project.number = tx.next_document_number("PRJ", today.year())?;
    guard::insert(tx, p, project)
}

pub fn create(k: &Kontor, p: &Principal, input: ProjectInput) -> AppResult<ProjectView> {
    let principal = p.clone();
    k.store.write(move |tx| {
        let r = insert(tx, &principal, &input, None)?;
        view(tx, &principal, r)
    })
}

pub fn get(k: &Kontor, p: &Principal, id: u64) -> AppResult<ProjectView> {
    k.store.read(|tx| {
        let r = guard::open::<Project>(tx, p, id, Action::Read)?;
        view(tx, p, r)
    })
}

pub fn update(k: &Kontor, p: &Principal, id: u64, input: ProjectInput) -> AppResult<ProjectView> {
    let principal = p.clone();
    k.store.write(move |tx| {
        let p = &principal;
        let mut project = guard::open::<Project>(tx, p, id, Action::Update)?.data;
        let manager = project.manager_id;
        apply(tx, &mut project, &input)?;
        // Handing the project to another manager needs the caller's reach over them too.
        if project.manager_id != manager && !guard::may(tx, p, &project, Action::Update)? {
            return Err(crate::error::AppError::forbidden().on_field("manager_id"));
        }
        let r =
            tx.update::<Project, crate::error::AppError>(&p.actor(), id, input.version, |x| {
                *x = project;
                Ok(())
            })?;
        if r.data.manager_id != manager {
            crate::domain::modules::owner_changed(
                tx,
                &p.actor(),
                "project",
                id,
                Some(manager),
                Some(r.data.manager_id),
            )?;
        }
        view(tx, p, r)
    })
}

/// Moves a project and its tasks to the recycle bin.
pub fn delete(k: &Kontor, p: &Principal, id: u64, version: Option<u64>) -> AppResult<()> {
    let principal = p.clone();
    k.store.write(move |tx| {
        let p = &principal;
        guard::open::<Project>(tx, p, id, Action::Delete)?;
        for t in tx.ids_by_index::<ProjectTask>("project", &IndexKey::new().u64(id), false)? {
            if tx.get_live::<ProjectTask>(t).is_ok() {
                tx.delete::<ProjectTask>(&p.actor(), t, None)?;
            }
        }
        guard::delete::<Project>(tx, p, id, Action::Delete, version)
    })
}

#[derive(Clone, Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ProjectQuery {
    /// `planning`, `active`, `on_hold`, `done`, `cancelled`.
    pub status: Option<String>,
    /// Name or number contains this text.
    pub q: Option<String>,
    pub page: Option<u64>,
    pub per_page: Option<u64>,
}

/// Projects the caller reads, newest first.
pub fn list(k: &Kontor, p: &Principal, q: ProjectQuery) -> AppResult<List<ProjectView>> {
    let status = match q.status.as_deref().filter(|s| !s.is_empty()) {
        Some(s) => Some(
            ProjectStatus::ALL
                .into_iter()
                .find(|x| x.key() == s)
                .ok_or_else(|| {
                    invalid(
                        "status",
                        format!("未知的状态：{s}"),
                        format!("Unknown status: {s}"),
                    )
                })?,
        ),
        None => None,
    };
    let needle = needle(q.q.as_deref());
    k.store.read(|tx| {
        let query = Query::<Project>::new(Source::All, Paging::new(q.page, q.per_page))
            .filter_if(status.is_some(), |r| Some(r.data.status) == status)
            .filter_if(needle.is_some(), |r| {
                needle.as_deref().is_none_or(|n| {
                    crate::search::text::fold(&r.data.name).contains(n)
                        || crate::search::text::fold(&r.data.number).contains(n)
                })
            });
        guard::readable(tx, p, query)?
            .run(tx)?
            .try_map(|r| view(tx, p, r))
    })
}
