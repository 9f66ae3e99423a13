//! Projects and their tasks (PRJ-1) and project templates (PRJ-3).
//!
//! A project has a manager (its owner), members and observers; its tasks form a hierarchy
//! (phases → tasks → subtasks) with assignees, dates, estimates, time spent, priority, tags, a
//! kanban status and rank, and dependencies (finish-to-start with a lag, start-to-start). A
//! cycle of dependencies is refused, naming its tasks. When the project says so
//! (`move_dependents`), changing a task's dates moves its subtasks with it and its successors
//! forward as far as they must (`schedule::push`); `children_within_parent` keeps every
//! subtask within its parent's dates. `GET /projects/{id}/schedule` gives the critical path.
//! Templates lay out a whole project with dates counted from its start, or back from an event
//! date (a Prime Day); any project can be saved as a template.
//!
//! ## Who sees a project (the module's data scope)
//! The role's scope on module `projects` for the action, applied to the project's people:
//! - `own`: the caller is the project's manager or one of its members (observers included);
//! - `team`: as `own`, or the manager or a working member (not an observer) is in one of the
//!   caller's teams: a team works on the projects its people run or work on, while adding
//!   someone as an observer shows them the project without opening it to their whole team;
//! - `all`: every project.
//!
//! An observer member reads the project and its tasks but changes nothing (403), whatever
//! their role grants short of scope `all` (who could take the flag off anyway). A task is
//! reached exactly as its project (`Owner::Parent("project")`: its owner is the manager, kept
//! in step when the project changes hands). Templates are the company's (`Owner::Nobody`): any
//! scope of the module's action reaches them.

pub mod board;
pub mod demo;
pub mod model;
pub mod plan;
mod presets;
pub mod project;
pub mod schedule;
pub mod talk;
pub mod tasks;
pub mod templates;

use crate::auth::{Action, Module, Principal, Scope};
use crate::domain::kit::{KindInfo, ModuleDef};
use crate::error::{AppError, ErrorCode, Msg};
use crate::store::Registry;

use model::{Project, ProjectTask, TaskComment};
use templates::ProjectTemplate;

pub fn module() -> ModuleDef {
    ModuleDef {
        areas,
        seed: templates::seed,
        ..ModuleDef::new("projects", KINDS, register)
    }
}

static KINDS: &[KindInfo] = &[
    KindInfo::of::<Project>("项目", "Project"),
    KindInfo::of::<ProjectTask>("项目任务", "Project task"),
    KindInfo::of::<ProjectTemplate>("项目模板", "Project template"),
    KindInfo::of::<TaskComment>("任务评论", "Task comment"),
];

fn register(r: Registry) -> Registry {
    r.with::<Project>()
        .with::<ProjectTask>()
        .with::<ProjectTemplate>()
        .with::<TaskComment>()
}

fn areas(p: &Principal, areas: &mut Vec<&'static str>) {
    if p.scope(Module::Projects, Action::Read) != Scope::None {
        areas.extend([
            "projects.projects",
            "projects.my_tasks",
            "projects.templates",
        ]);
    }
}

pub(crate) fn invalid(field: &str, zh: String, en: String) -> AppError {
    AppError::invalid(field, Msg::new(zh, en))
}

pub(crate) fn conflict(zh: String, en: String) -> AppError {
    AppError::new(ErrorCode::Conflict).with_msg(Msg::new(zh, en))
}

/// Reads an optional field that may be set to null (`Some(None)`: cleared; absent: `None`).
pub(crate) fn nullable<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::Deserialize<'de>,
{
    <Option<T> as serde::Deserialize>::deserialize(d).map(Some)
}

/// Cleans a list of tags: trimmed, no empty or repeated ones, at most 20 of 40 characters.
pub(crate) fn tags(field: &str, input: &[String]) -> Result<Vec<String>, AppError> {
    let mut out: Vec<String> = Vec::new();
    for t in input {
        let t = t.trim();
        if t.is_empty() || out.iter().any(|x| x == t) {
            continue;
        }
        if t.chars().count() > 40 {
            return Err(invalid(
                field,
                format!("标签“{t}”太长（最多 40 个字符）。"),
                format!("The tag “{t}” is too long (at most 40 characters)."),
            ));
        }
        out.push(t.to_string());
    }
    if out.len() > 20 {
        return Err(invalid(
            field,
            "标签最多 20 个。".into(),
            "At most 20 tags.".into(),
        ));
    }
    Ok(out)
}
