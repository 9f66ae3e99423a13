//! The records of the projects module: a project (its manager, members and observers, its
//! settings) and its tasks (a hierarchy of phases, tasks and subtasks with their dependencies).

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::auth::{Action, Module, Principal, Scope};
use crate::domain::kit::{Guarded, Owner};
use crate::error::AppResult;
use crate::i18n::Lang;
use crate::search::SearchDoc;
use crate::store::{Entity, IndexDef, IndexKey, Meta, StoreError, Tx, decode};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ProjectStatus {
    Planning,
    Active,
    OnHold,
    Done,
    Cancelled,
}

impl ProjectStatus {
    pub const ALL: [ProjectStatus; 5] = [
        ProjectStatus::Planning,
        ProjectStatus::Active,
        ProjectStatus::OnHold,
        ProjectStatus::Done,
        ProjectStatus::Cancelled,
    ];
    pub fn key(self) -> &'static str {
        match self {
            ProjectStatus::Planning => "planning",
            ProjectStatus::Active => "active",
            ProjectStatus::OnHold => "on_hold",
            ProjectStatus::Done => "done",
            ProjectStatus::Cancelled => "cancelled",
        }
    }
    pub fn is_open(self) -> bool {
        !matches!(self, ProjectStatus::Done | ProjectStatus::Cancelled)
    }
}

/// Someone on a project beside its manager. An observer (观察者) reads it and its tasks but
/// changes nothing, whatever their role's scope short of `all`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Member {
    pub user_id: u64,
    pub observer: bool,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Project {
    /// PRJ-YYYY-NNNN.
    pub number: String,
    pub name: String,
    pub description: Option<String>,
    /// The project's owner (项目经理).
    pub manager_id: u64,
    pub members: Vec<Member>,
    pub start: NaiveDate,
    /// For projects counted back from an event (a Prime Day): the event's date.
    pub event_date: Option<NaiveDate>,
    pub status: ProjectStatus,
    /// Changing a task's dates moves its dependents (and its subtasks) as far as they must.
    pub move_dependents: bool,
    /// A subtask must lie within its parent's dates.
    pub children_within_parent: bool,
    /// The template it was made from.
    pub template_id: Option<u64>,
}

impl Project {
    pub fn member(&self, user: u64) -> Option<&Member> {
        self.members.iter().find(|m| m.user_id == user)
    }
    /// The manager and the members who work on it (not observers): who may be assigned.
    pub fn workers(&self) -> impl Iterator<Item = u64> + '_ {
        std::iter::once(self.manager_id).chain(
            self.members
                .iter()
                .filter(|m| !m.observer)
                .map(|m| m.user_id),
        )
    }

    /// Whether `scope`, granted for `action`, reaches this project (the visibility rule of
    /// the module, see `projects`).
    pub fn reached_by(&self, p: &Principal, scope: Scope, action: Action) -> bool {
        let me = p.user_id;
        let manager = self.manager_id == me;
        let member = self.member(me);
        if action != Action::Read
            && !manager
            && member.is_some_and(|m| m.observer)
            && scope != Scope::All
        {
            return false;
        }
        let own = manager || member.is_some();
        match scope {
            Scope::None => false,
            Scope::Own => own,
            Scope::Team => {
                own || p.team_members.contains(&self.manager_id)
                    || self
                        .members
                        .iter()
                        .any(|m| !m.observer && p.team_members.contains(&m.user_id))
            }
            Scope::All => true,
        }
    }
}

impl Entity for Project {
    const KIND: &'static str = "project";
    const SEARCHABLE: bool = true;
    fn indexes() -> Vec<IndexDef<Self>> {
        vec![
            IndexDef::many("owner", |p: &Project| {
                vec![IndexKey::new().u64(p.manager_id)]
            })
            .counted(),
            IndexDef::many("member", |p: &Project| {
                p.members
                    .iter()
                    .map(|m| IndexKey::new().u64(m.user_id))
                    .collect()
            }),
            IndexDef::unique("number", "number", |p: &Project| {
                vec![IndexKey::new().str(&p.number)]
            }),
        ]
    }
    fn title(&self) -> String {
        format!("{} {}", self.number, self.name)
    }
    fn owner(&self) -> Option<u64> {
        Some(self.manager_id)
    }
    fn search_doc(&self, _meta: &Meta) -> Option<SearchDoc> {
        Some(SearchDoc {
            title: self.name.clone(),
            subtitle: self.number.clone(),
            text: self.description.iter().cloned().collect(),
            exact: vec![self.number.clone()],
            owner: Some(self.manager_id),
        })
    }
}

impl Guarded for Project {
    const MODULE: Module = Module::Projects;
    const OWNER: Owner = Owner::Own;
    fn reached(
        &self,
        _tx: &Tx,
        p: &Principal,
        scope: Scope,
        action: Action,
    ) -> AppResult<Option<bool>> {
        Ok(Some(self.reached_by(p, scope, action)))
    }
    fn set_owner(&mut self, owner: Option<u64>) {
        if let Some(o) = owner {
            self.manager_id = o;
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TaskStatus {
    Todo,
    Doing,
    Review,
    Done,
}

impl TaskStatus {
    pub const ALL: [TaskStatus; 4] = [
        TaskStatus::Todo,
        TaskStatus::Doing,
        TaskStatus::Review,
        TaskStatus::Done,
    ];
    pub fn key(self) -> &'static str {
        match self {
            TaskStatus::Todo => "todo",
            TaskStatus::Doing => "doing",
            TaskStatus::Review => "review",
            TaskStatus::Done => "done",
        }
    }
}

#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    Low,
    Normal,
    High,
    Urgent,
}

/// How a task hangs on another.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LinkKind {
    /// Starts after the other finishes (plus the lag).
    FinishToStart,
    /// Starts when the other starts (plus the lag).
    StartToStart,
}

impl LinkKind {
    pub fn name(self, lang: Lang) -> &'static str {
        match self {
            LinkKind::FinishToStart => lang.pick("完成后开始", "finish-to-start"),
            LinkKind::StartToStart => lang.pick("同时开始", "start-to-start"),
        }
    }
}

/// A predecessor of a task.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Dependency {
    pub task_id: u64,
    pub kind: LinkKind,
    /// Days between (negative: overlap).
    pub lag_days: i32,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct ProjectTask {
    pub project_id: u64,
    /// The project's manager, kept in step when the project changes hands.
    pub owner_id: Option<u64>,
    /// The phase or task it belongs to.
    pub parent_id: Option<u64>,
    pub title: String,
    pub description: Option<String>,
    pub assignees: Vec<u64>,
    pub start: Option<NaiveDate>,
    pub due: Option<NaiveDate>,
    #[serde(with = "rust_decimal::serde::str_option")]
    pub estimate_hours: Option<Decimal>,
    #[serde(with = "rust_decimal::serde::str")]
    pub spent_hours: Decimal,
    pub priority: Priority,
    pub tags: Vec<String>,
    pub status: TaskStatus,
    /// The order of the cards within a status column (ascending).
    pub rank: i64,
    pub depends_on: Vec<Dependency>,
    pub done_at: Option<DateTime<Utc>>,
    /// The task's video meeting (http or https).
    pub meeting_url: Option<String>,
    /// Each member's quick rating of how hard the task is (one per user).
    pub difficulty: Vec<Rating>,
    /// Emoji reactions on the task itself (one per user and emoji).
    pub reactions: Vec<Reaction>,
}

/// How hard a member finds a task (a quick rating, PRJ-5).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Difficulty {
    High,
    Medium,
    Low,
}

/// One user's difficulty rating.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rating {
    pub user_id: u64,
    pub level: Difficulty,
}

/// The users who reacted with one emoji, in the order they did.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reaction {
    pub emoji: String,
    pub user_ids: Vec<u64>,
}

/// A project task as stored before the conversation (schema 1): no meeting link, ratings or
/// reactions.
#[derive(Deserialize)]
struct ProjectTaskV1 {
    project_id: u64,
    owner_id: Option<u64>,
    parent_id: Option<u64>,
    title: String,
    description: Option<String>,
    assignees: Vec<u64>,
    start: Option<NaiveDate>,
    due: Option<NaiveDate>,
    #[serde(with = "rust_decimal::serde::str_option")]
    estimate_hours: Option<Decimal>,
    #[serde(with = "rust_decimal::serde::str")]
    spent_hours: Decimal,
    priority: Priority,
    tags: Vec<String>,
    status: TaskStatus,
    rank: i64,
    depends_on: Vec<Dependency>,
    done_at: Option<DateTime<Utc>>,
}

impl From<ProjectTaskV1> for ProjectTask {
    fn from(t: ProjectTaskV1) -> ProjectTask {
        ProjectTask {
            project_id: t.project_id,
            owner_id: t.owner_id,
            parent_id: t.parent_id,
            title: t.title,
            description: t.description,
            assignees: t.assignees,
            start: t.start,
            due: t.due,
            estimate_hours: t.estimate_hours,
            spent_hours: t.spent_hours,
            priority: t.priority,
            tags: t.tags,
            status: t.status,
            rank: t.rank,
            depends_on: t.depends_on,
            done_at: t.done_at,
            meeting_url: None,
            difficulty: Vec::new(),
            reactions: Vec::new(),
        }
    }
}

impl Entity for ProjectTask {
    const KIND: &'static str = "project_task";
    /// 2: the meeting link, the difficulty ratings and the reactions (PRJ-5).
    const SCHEMA_VERSION: u16 = 2;
    fn upgrade(from: u16, payload: &[u8]) -> Result<Self, StoreError> {
        match from {
            1 => Ok(decode::<ProjectTaskV1>(payload)?.into()),
            v => Err(StoreError::Corrupt(format!("project_task schema {v}"))),
        }
    }
    fn indexes() -> Vec<IndexDef<Self>> {
        vec![
            IndexDef::many("project", |t: &ProjectTask| {
                vec![IndexKey::new().u64(t.project_id)]
            }),
            IndexDef::many("assignee", |t: &ProjectTask| {
                t.assignees
                    .iter()
                    .map(|a| IndexKey::new().u64(*a))
                    .collect()
            }),
        ]
    }
    fn title(&self) -> String {
        self.title.clone()
    }
    fn owner(&self) -> Option<u64> {
        self.owner_id
    }
}

impl Guarded for ProjectTask {
    const MODULE: Module = Module::Projects;
    const OWNER: Owner = Owner::Parent("project");
    const PARENT_INDEX: &'static str = "project";
    /// As its project: its members and observers see it as they see the project.
    fn reached(
        &self,
        tx: &Tx,
        p: &Principal,
        scope: Scope,
        action: Action,
    ) -> AppResult<Option<bool>> {
        Ok(Some(match tx.get::<Project>(self.project_id)? {
            Some(project) if !project.meta.is_deleted() => {
                project.data.reached_by(p, scope, action)
            }
            _ => false,
        }))
    }
    fn set_owner(&mut self, owner: Option<u64>) {
        self.owner_id = owner;
    }
}

/// A comment in a task's conversation (PRJ-5). Kept as records of their own rather than on the
/// task: each is audited and restorable on its own, and people talking never bump the task's
/// version under someone editing its dates.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct TaskComment {
    pub task_id: u64,
    pub project_id: u64,
    /// The project's manager, kept in step as the task's.
    pub owner_id: Option<u64>,
    pub author_id: u64,
    /// The text; mentions are written `@[Name](user:12)`.
    pub body: String,
    /// The users mentioned in the body.
    pub mentions: Vec<u64>,
    pub reactions: Vec<Reaction>,
}

impl Entity for TaskComment {
    const KIND: &'static str = "task_comment";
    fn indexes() -> Vec<IndexDef<Self>> {
        vec![IndexDef::many("task", |c: &TaskComment| {
            vec![IndexKey::new().u64(c.task_id)]
        })]
    }
    fn title(&self) -> String {
        self.body.chars().take(60).collect()
    }
    fn owner(&self) -> Option<u64> {
        self.owner_id
    }
}

impl Guarded for TaskComment {
    const MODULE: Module = Module::Projects;
    const OWNER: Owner = Owner::Parent("project_task");
    const PARENT_INDEX: &'static str = "task";
    /// As its project, like its task.
    fn reached(
        &self,
        tx: &Tx,
        p: &Principal,
        scope: Scope,
        action: Action,
    ) -> AppResult<Option<bool>> {
        Ok(Some(match tx.get::<Project>(self.project_id)? {
            Some(project) if !project.meta.is_deleted() => {
                project.data.reached_by(p, scope, action)
            }
            _ => false,
        }))
    }
    fn set_owner(&mut self, owner: Option<u64>) {
        self.owner_id = owner;
    }
}
