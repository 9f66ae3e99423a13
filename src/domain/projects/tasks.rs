//! Project tasks: made, changed, moved on the kanban, deleted and listed. Every change of
//! the hierarchy, the dates or the dependencies goes through `board::Board`, which keeps the
//! project's tasks consistent in one transaction.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::board::Board;
use super::model::{Dependency, Priority, Project, ProjectTask, TaskStatus};
use super::project::Person;
use super::talk::{self, RatingView, ReactionView, ratings_view, reactions_view};
use super::{conflict, invalid, nullable};
use crate::auth::{Action, Principal};
use crate::domain::kit::{List, guard, names};
use crate::domain::{Kontor, validate};
use crate::error::{AppError, AppResult};
use crate::store::{IndexKey, Record, Tx};

/// At most this many tasks in one project.
pub const MAX_TASKS: usize = 10_000;

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct ProjectTaskView {
    pub id: u64,
    pub project_id: u64,
    pub parent_id: Option<u64>,
    pub title: String,
    pub description: Option<String>,
    pub assignees: Vec<Person>,
    pub start: Option<NaiveDate>,
    pub due: Option<NaiveDate>,
    #[schema(value_type = Option<String>)]
    pub estimate_hours: Option<Decimal>,
    #[schema(value_type = String)]
    pub spent_hours: Decimal,
    pub priority: Priority,
    pub tags: Vec<String>,
    pub status: TaskStatus,
    pub rank: i64,
    pub depends_on: Vec<Dependency>,
    pub done_at: Option<DateTime<Utc>>,
    /// The task's video meeting (http or https).
    pub meeting_url: Option<String>,
    /// The members' quick difficulty ratings.
    pub difficulty: Vec<RatingView>,
    /// Emoji reactions on the task.
    pub reactions: Vec<ReactionView>,
    pub updated_at: DateTime<Utc>,
    pub version: u64,
}

pub(crate) fn view(tx: &Tx, r: Record<ProjectTask>) -> AppResult<ProjectTaskView> {
    let names = names(tx, r.data.assignees.iter().copied())?;
    let difficulty = ratings_view(tx, &r.data.difficulty)?;
    let reactions = reactions_view(tx, &r.data.reactions)?;
    let t = r.data;
    Ok(ProjectTaskView {
        id: r.id,
        project_id: t.project_id,
        parent_id: t.parent_id,
        assignees: t
            .assignees
            .iter()
            .map(|&id| Person {
                id,
                name: names.get(&id).cloned().unwrap_or_else(|| format!("#{id}")),
            })
            .collect(),
        title: t.title,
        description: t.description,
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
        meeting_url: t.meeting_url,
        difficulty,
        reactions,
        updated_at: r.meta.updated_at,
        version: r.meta.version,
    })
}

/// A task as entered; on a change, absent fields stay (null clears the optional ones).
#[derive(Clone, Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TaskInput {
    pub title: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub description: Option<Option<String>>,
    /// The phase or task it belongs to (null: top level).
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<u64>)]
    pub parent_id: Option<Option<u64>>,
    /// The project's manager or working members.
    pub assignees: Option<Vec<u64>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<NaiveDate>)]
    pub start: Option<Option<NaiveDate>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<NaiveDate>)]
    pub due: Option<Option<NaiveDate>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, example = "8")]
    pub estimate_hours: Option<Option<Decimal>>,
    #[schema(value_type = Option<String>, example = "1.5")]
    pub spent_hours: Option<Decimal>,
    pub priority: Option<Priority>,
    pub tags: Option<Vec<String>>,
    pub status: Option<TaskStatus>,
    /// Its predecessors (replaces the list).
    pub depends_on: Option<Vec<Dependency>>,
    /// The task's video meeting: an http or https address (null or empty clears it).
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, example = "https://meet.example.com/prime-day")]
    pub meeting_url: Option<Option<String>>,
    pub version: Option<u64>,
}

fn hours(field: &str, v: Decimal) -> AppResult<Decimal> {
    if v < Decimal::ZERO || v > Decimal::from(100_000) {
        return Err(invalid(
            field,
            "工时须在 0 到 100000 小时之间。".into(),
            "Hours are between 0 and 100,000.".into(),
        ));
    }
    Ok(v)
}

/// Applies the input to a task (fields that need the board are checked by `Board::check`).
fn apply(
    t: &mut ProjectTask,
    project: &Project,
    input: &TaskInput,
    now: DateTime<Utc>,
) -> AppResult<()> {
    if let Some(v) = &input.title {
        t.title = validate::text("title", v, 200)?;
    }
    if let Some(v) = &input.description {
        t.description = validate::optional_text("description", v.as_deref(), 10_000)?;
    }
    if let Some(v) = input.parent_id {
        t.parent_id = v;
    }
    if let Some(a) = &input.assignees {
        let mut out: Vec<u64> = Vec::new();
        for &u in a {
            if !project.workers().any(|w| w == u) {
                return Err(invalid(
                    "assignees",
                    format!("用户 {u} 不是这个项目的经理或成员（观察者不能被指派）。"),
                    format!(
                        "User {u} is not the project's manager or a member (observers cannot be assigned)."
                    ),
                ));
            }
            if !out.contains(&u) {
                out.push(u);
            }
        }
        t.assignees = out;
    }
    if let Some(v) = input.start {
        t.start = v;
    }
    if let Some(v) = input.due {
        t.due = v;
    }
    if let Some(v) = input.estimate_hours {
        t.estimate_hours = v.map(|h| hours("estimate_hours", h)).transpose()?;
    }
    if let Some(v) = input.spent_hours {
        t.spent_hours = hours("spent_hours", v)?;
    }
    if let Some(v) = input.priority {
        t.priority = v;
    }
    if let Some(v) = &input.tags {
        t.tags = super::tags("tags", v)?;
    }
    if let Some(s) = input.status {
        if s == TaskStatus::Done && t.status != TaskStatus::Done {
            t.done_at = Some(now);
        } else if s != TaskStatus::Done {
            t.done_at = None;
        }
        t.status = s;
    }
    if let Some(d) = &input.depends_on {
        t.depends_on = d.clone();
    }
    if let Some(v) = &input.meeting_url {
        t.meeting_url = talk::meeting_url("meeting_url", v.as_deref())?;
    }
    Ok(())
}

fn open_project(tx: &Tx, p: &Principal, id: u64, action: Action) -> AppResult<Record<Project>> {
    guard::open::<Project>(tx, p, id, action)
}

fn refuse_closed(project: &Project) -> AppResult<()> {
    if project.status.is_open() {
        return Ok(());
    }
    Err(conflict(
        "项目已完成或已取消，不能再修改任务；请先重新打开项目。".into(),
        "The project is done or cancelled; reopen it to change its tasks.".into(),
    ))
}

/// A new task in a project the caller may change.
pub fn create(
    k: &Kontor,
    p: &Principal,
    project_id: u64,
    input: TaskInput,
) -> AppResult<ProjectTaskView> {
    let principal = p.clone();
    k.store.write(move |tx| {
        let p = &principal;
        p.require(crate::auth::Module::Projects, Action::Create)?;
        let project = open_project(tx, p, project_id, Action::Update)?;
        refuse_closed(&project.data)?;
        if input.title.is_none() {
            return Err(AppError::required("title"));
        }
        let mut board = Board::load(tx, project_id)?;
        if board.tasks.len() >= MAX_TASKS {
            return Err(conflict(
                format!("一个项目最多 {MAX_TASKS} 个任务。"),
                format!("A project has at most {MAX_TASKS} tasks."),
            ));
        }
        let status = input.status.unwrap_or(TaskStatus::Todo);
        let rank = board
            .tasks
            .iter()
            .filter(|t| t.status == status)
            .map(|t| t.rank)
            .max()
            .map_or(1024, |r| r.saturating_add(1024));
        let mut task = ProjectTask {
            project_id,
            owner_id: Some(project.data.manager_id),
            parent_id: None,
            title: String::new(),
            description: None,
            assignees: Vec::new(),
            start: None,
            due: None,
            estimate_hours: None,
            spent_hours: Decimal::ZERO,
            priority: Priority::Normal,
            tags: Vec::new(),
            status: TaskStatus::Todo,
            rank,
            depends_on: Vec::new(),
            done_at: None,
            meeting_url: None,
            difficulty: Vec::new(),
            reactions: Vec::new(),
        };
        apply(&mut task, &project.data, &input, tx.now())?;
        let dated = task.start.is_some() || task.due.is_some();
        let i = board.add(task);
        board.check(i)?;
        board.settle(i, 0, dated)?;
        let r = board.save(tx, p, i, None)?;
        talk::tell_assigned(tx, p, r.id, &[], &r.data.assignees)?;
        view(tx, r)
    })
}

pub fn get(k: &Kontor, p: &Principal, id: u64) -> AppResult<ProjectTaskView> {
    k.store
        .read(|tx| view(tx, guard::open::<ProjectTask>(tx, p, id, Action::Read)?))
}

/// Changes a task; with `move_dependents`, its subtasks and successors move as they must.
pub fn update(k: &Kontor, p: &Principal, id: u64, input: TaskInput) -> AppResult<ProjectTaskView> {
    let principal = p.clone();
    k.store.write(move |tx| {
        let p = &principal;
        let current = guard::open::<ProjectTask>(tx, p, id, Action::Update)?;
        let mut board = Board::load(tx, current.data.project_id)?;
        refuse_closed(&board.project)?;
        let i = *board.at.get(&id).ok_or_else(AppError::not_found)?;
        let before = board.span(i);
        let assigned_before = board.tasks[i].assignees.clone();
        let project = board.project.clone();
        apply(&mut board.tasks[i], &project, &input, tx.now())?;
        let dated = input.start.is_some() || input.due.is_some();
        let moved_by = match (before, board.span(i)) {
            (Some(a), Some(b)) if dated => b.start - a.start,
            _ => 0,
        };
        board.check(i)?;
        board.settle(i, moved_by, dated)?;
        let r = board.save(tx, p, i, input.version)?;
        talk::tell_assigned(tx, p, id, &assigned_before, &r.data.assignees)?;
        view(tx, r)
    })
}

/// Moves a task, its subtasks, and their places as predecessors to the recycle bin.
pub fn delete(k: &Kontor, p: &Principal, id: u64, version: Option<u64>) -> AppResult<()> {
    let principal = p.clone();
    k.store.write(move |tx| {
        let p = &principal;
        let current = guard::open::<ProjectTask>(tx, p, id, Action::Delete)?;
        let mut board = Board::load(tx, current.data.project_id)?;
        refuse_closed(&board.project)?;
        let i = *board.at.get(&id).ok_or_else(AppError::not_found)?;
        let children = board.children();
        let mut gone: Vec<u64> = board
            .descendants(&children, i)
            .into_iter()
            .map(|v| board.ids[v])
            .collect();
        gone.push(id);
        let actor = p.actor();
        for (v, t) in board.tasks.iter_mut().enumerate() {
            if gone.contains(&board.ids[v]) {
                continue;
            }
            if t.depends_on.iter().any(|d| gone.contains(&d.task_id)) {
                t.depends_on.retain(|d| !gone.contains(&d.task_id));
                let data = t.clone();
                tx.update::<ProjectTask, AppError>(&actor, board.ids[v], None, |x| {
                    *x = data;
                    Ok(())
                })?;
            }
        }
        for g in gone.iter().filter(|&&g| g != id) {
            tx.delete::<ProjectTask>(&actor, *g, None)?;
        }
        guard::delete::<ProjectTask>(tx, p, id, Action::Delete, version)
    })
}

#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TaskMoveInput {
    /// The column it goes to.
    pub status: TaskStatus,
    /// The card it goes after in that column (none: first).
    pub after_id: Option<u64>,
    pub version: Option<u64>,
}

/// Kanban: puts a card into a status column after another (ranks renumbered when no room).
pub fn move_card(
    k: &Kontor,
    p: &Principal,
    id: u64,
    input: TaskMoveInput,
) -> AppResult<ProjectTaskView> {
    let principal = p.clone();
    k.store.write(move |tx| {
        let p = &principal;
        let current = guard::open::<ProjectTask>(tx, p, id, Action::Update)?;
        let board = Board::load(tx, current.data.project_id)?;
        refuse_closed(&board.project)?;
        let mut column: Vec<(i64, u64)> = (0..board.tasks.len())
            .filter(|&v| board.tasks[v].status == input.status && board.ids[v] != id)
            .map(|v| (board.tasks[v].rank, board.ids[v]))
            .collect();
        column.sort();
        let place = match input.after_id {
            None => 0,
            Some(a) => match column.iter().position(|&(_, x)| x == a) {
                Some(at) => at + 1,
                None => {
                    return Err(invalid(
                        "after_id",
                        format!("任务 {a} 不在这一列中。"),
                        format!("Task {a} is not in that column."),
                    ));
                }
            },
        };
        let lower = place.checked_sub(1).map(|v| column[v].0);
        let upper = column.get(place).map(|c| c.0);
        let rank = match (lower, upper) {
            (None, None) => Some(1024),
            (Some(l), None) => l.checked_add(1024),
            (None, Some(u)) => u.checked_sub(1024),
            (Some(l), Some(u)) if u - l > 1 => Some(l + (u - l) / 2),
            _ => None,
        };
        let actor = p.actor();
        let rank = match rank {
            Some(r) => r,
            None => {
                // No room: renumber the column, leaving room at the place.
                for (n, (_, other)) in column.iter().enumerate() {
                    let gap = if n >= place { 2 } else { 1 };
                    let r = (n as i64 + gap) * 1024;
                    tx.update::<ProjectTask, AppError>(&actor, *other, None, |t| {
                        t.rank = r;
                        Ok(())
                    })?;
                }
                (place as i64 + 1) * 1024
            }
        };
        let now = tx.now();
        let r = tx.update::<ProjectTask, AppError>(&actor, id, input.version, |t| {
            if input.status == TaskStatus::Done && t.status != TaskStatus::Done {
                t.done_at = Some(now);
            } else if input.status != TaskStatus::Done {
                t.done_at = None;
            }
            t.status = input.status;
            t.rank = rank;
            Ok(())
        })?;
        view(tx, r)
    })
}

#[derive(Clone, Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct TaskQuery {
    /// `todo`, `doing`, `review`, `done`.
    pub status: Option<TaskStatus>,
    pub assignee: Option<u64>,
    pub tag: Option<String>,
}

/// A project's tasks in outline order (each phase followed by its tasks, siblings by start
/// date), filtered.
pub fn list(
    k: &Kontor,
    p: &Principal,
    project_id: u64,
    q: TaskQuery,
) -> AppResult<List<ProjectTaskView>> {
    k.store.read(|tx| {
        open_project(tx, p, project_id, Action::Read)?;
        let board = Board::load(tx, project_id)?;
        let children = board.children();
        let sort = |v: &mut Vec<usize>| {
            v.sort_by_key(|&i| (board.tasks[i].start.or(board.tasks[i].due), board.ids[i]))
        };
        let mut roots: Vec<usize> = (0..board.tasks.len())
            .filter(|&i| board.parent(i).is_none())
            .collect();
        sort(&mut roots);
        let mut stack: Vec<usize> = roots.into_iter().rev().collect();
        let mut items = Vec::new();
        while let Some(i) = stack.pop() {
            if items.len() > board.tasks.len() {
                break;
            }
            let t = &board.tasks[i];
            let keep = q.status.is_none_or(|s| t.status == s)
                && q.assignee.is_none_or(|a| t.assignees.contains(&a))
                && q.tag
                    .as_deref()
                    .is_none_or(|g| t.tags.iter().any(|x| x == g));
            if keep {
                items.push(view(tx, tx.get_live::<ProjectTask>(board.ids[i])?)?);
            }
            let mut kids = children[i].clone();
            sort(&mut kids);
            stack.extend(kids.into_iter().rev());
        }
        let total = items.len() as u64;
        Ok(List {
            items,
            total,
            page: 1,
            per_page: total.max(1),
        })
    })
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct MyTask {
    #[serde(flatten)]
    pub task: ProjectTaskView,
    pub project_number: String,
    pub project_name: String,
}

#[derive(Clone, Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct MyTaskQuery {
    /// Also the done ones (after the open ones).
    pub include_done: Option<bool>,
    pub page: Option<u64>,
    pub per_page: Option<u64>,
}

/// The project tasks assigned to the caller across projects: open first, by due date (none
/// last).
pub fn mine(k: &Kontor, p: &Principal, q: MyTaskQuery) -> AppResult<List<MyTask>> {
    use crate::domain::kit::{Paging, Query, Source};
    let all = q.include_done.unwrap_or(false);
    k.store.read(|tx| {
        let source = Source::key("assignee", IndexKey::new().u64(p.user_id));
        let query = Query::<ProjectTask>::new(source, Paging::new(q.page, q.per_page))
            .filter(move |r| all || r.data.status != TaskStatus::Done)
            .order_by(
                |a, b| {
                    let key = |t: &ProjectTask| {
                        (
                            t.status == TaskStatus::Done,
                            t.due.is_none(),
                            t.due,
                            t.start,
                        )
                    };
                    key(&a.data).cmp(&key(&b.data))
                },
                true,
            );
        let mut projects: HashMap<u64, (String, String)> = HashMap::new();
        guard::readable(tx, p, query)?.run(tx)?.try_map(|r| {
            let pid = r.data.project_id;
            if let std::collections::hash_map::Entry::Vacant(e) = projects.entry(pid) {
                let pr = tx.get_live::<Project>(pid)?.data;
                e.insert((pr.number, pr.name));
            }
            let (number, name) = projects[&pid].clone();
            Ok(MyTask {
                task: view(tx, r)?,
                project_number: number,
                project_name: name,
            })
        })
    })
}
