//! Project templates (PRJ-3): phases and tasks with their days counted from the project's start,
//! or back from an event date (a Prime Day), their durations and their dependencies by key.
//! Three presets come in both languages (a new store launch, a big promotion, a crisis);
//! creating a project from a template lays out every phase and task with dates in the
//! language asked for (else the caller's); any project can be saved as a template.

use std::collections::HashMap;

use chrono::{Duration, NaiveDate};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::board::Board;
use super::model::{LinkKind, Priority, Project, ProjectTask, TaskStatus};
use super::project::{self, ProjectInput, ProjectView};
use super::schedule::{self, Edge, Link};
use super::{invalid, presets};
use crate::auth::{Action, Module, Principal};
use crate::domain::Kontor;
use crate::domain::crm::company_today;
use crate::domain::kit::{Guarded, List, Owner, Paging, Query, Source, guard};
use crate::error::{AppError, AppResult};
use crate::i18n::Lang;
use crate::store::{Actor, Entity, IndexDef, IndexKey, Record, Tx};

/// What a template's days count from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TemplateAnchor {
    /// Days after the project's start (0: the first day).
    Start,
    /// Days relative to the event date (negative: before it; the project starts at the
    /// earliest task).
    Event,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
pub struct TemplateDep {
    /// The key of the predecessor in the template.
    pub key: String,
    pub kind: LinkKind,
    pub lag_days: i32,
}

/// A phase or task of a template.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
pub struct TemplateItem {
    /// Unique within the template.
    pub key: String,
    /// The key of its phase.
    pub parent: Option<String>,
    pub title_zh: String,
    pub title_en: String,
    pub offset_days: i32,
    /// At least 1.
    pub duration_days: i32,
    #[serde(default, with = "rust_decimal::serde::str_option")]
    #[schema(value_type = Option<String>)]
    pub estimate_hours: Option<Decimal>,
    pub priority: Priority,
    pub tags: Vec<String>,
    pub depends_on: Vec<TemplateDep>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
pub struct ProjectTemplate {
    /// `store_launch`, `prime_day`, `crisis` for the presets.
    pub preset: Option<String>,
    pub name_zh: String,
    pub name_en: String,
    pub description_zh: Option<String>,
    pub description_en: Option<String>,
    pub anchor: TemplateAnchor,
    pub move_dependents: bool,
    pub children_within_parent: bool,
    pub items: Vec<TemplateItem>,
    /// The project it was saved from.
    pub source_project_id: Option<u64>,
}

impl Entity for ProjectTemplate {
    const KIND: &'static str = "project_template";
    fn indexes() -> Vec<IndexDef<Self>> {
        vec![
            IndexDef::many("preset", |t: &ProjectTemplate| {
                t.preset.iter().map(|p| IndexKey::new().str(p)).collect()
            })
            .keep_deleted(),
        ]
    }
    fn title(&self) -> String {
        self.name_en.clone()
    }
}

impl Guarded for ProjectTemplate {
    const MODULE: Module = Module::Projects;
    const OWNER: Owner = Owner::Nobody;
}

/// Adds the preset templates a company lacks (one deleted to the recycle bin stays there).
pub fn seed(tx: &mut Tx) -> AppResult<()> {
    for t in presets::all() {
        let key = IndexKey::new().str(t.preset.as_deref().unwrap_or(""));
        if tx
            .ids_by_index::<ProjectTemplate>("preset", &key, false)?
            .is_empty()
        {
            tx.insert(&Actor::system(), t)?;
        }
    }
    Ok(())
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct TemplateView {
    pub id: u64,
    /// In the viewer's language.
    pub name: String,
    #[serde(flatten)]
    pub template: ProjectTemplate,
    pub version: u64,
}

fn view(p: &Principal, r: Record<ProjectTemplate>) -> TemplateView {
    TemplateView {
        id: r.id,
        name: p.lang.pick(&r.data.name_zh, &r.data.name_en).to_string(),
        template: r.data,
        version: r.meta.version,
    }
}

/// Checks a template: keys, phases, dependencies (no cycle), days and sizes.
pub fn check(t: &ProjectTemplate) -> AppResult<()> {
    let bad = |zh: String, en: String| Err(invalid("items", zh, en));
    if t.name_zh.trim().is_empty() && t.name_en.trim().is_empty() {
        return Err(AppError::required("name"));
    }
    if t.items.len() > 2_000 {
        return bad(
            "模板最多 2000 个任务。".into(),
            "A template has at most 2,000 tasks.".into(),
        );
    }
    let mut at: HashMap<&str, usize> = HashMap::new();
    for (i, item) in t.items.iter().enumerate() {
        if item.key.trim().is_empty() || at.insert(item.key.as_str(), i).is_some() {
            let k = &item.key;
            return bad(
                format!("任务键“{k}”为空或重复。"),
                format!("The key “{k}” is empty or repeated."),
            );
        }
        if item.title_zh.trim().is_empty() && item.title_en.trim().is_empty() {
            let k = &item.key;
            return bad(
                format!("任务“{k}”没有标题。"),
                format!("The task “{k}” has no title."),
            );
        }
        if !(1..=3650).contains(&item.duration_days) || !(-3650..=3650).contains(&item.offset_days)
        {
            let k = &item.key;
            return bad(
                format!("任务“{k}”的天数须在 1 到 3650 之间，偏移在 ±3650 天内。"),
                format!("The task “{k}” takes 1 to 3,650 days and is offset by at most 3,650."),
            );
        }
    }
    let mut edges = Vec::new();
    for (i, item) in t.items.iter().enumerate() {
        if let Some(parent) = &item.parent {
            let Some(&p) = at.get(parent.as_str()) else {
                return bad(
                    format!("上级“{parent}”不存在。"),
                    format!("The parent “{parent}” does not exist."),
                );
            };
            edges.push(Edge {
                from: p,
                to: i,
                link: Link::StartToStart,
                lag: 0,
            });
        }
        for d in &item.depends_on {
            let Some(&from) = at.get(d.key.as_str()) else {
                let k = &d.key;
                return bad(
                    format!("前置任务“{k}”不存在。"),
                    format!("The predecessor “{k}” does not exist."),
                );
            };
            let link = match d.kind {
                LinkKind::FinishToStart => Link::FinishToStart,
                LinkKind::StartToStart => Link::StartToStart,
            };
            edges.push(Edge {
                from,
                to: i,
                link,
                lag: d.lag_days.into(),
            });
        }
    }
    if let Err(cycle) = schedule::order(t.items.len(), &edges) {
        let names: Vec<&str> = cycle.iter().map(|&i| t.items[i].key.as_str()).collect();
        let chain = names.join(" → ");
        return bad(
            format!("模板中的依赖形成了循环：{chain}。"),
            format!("The template's dependencies form a cycle: {chain}."),
        );
    }
    Ok(())
}

pub fn list(k: &Kontor, p: &Principal) -> AppResult<List<TemplateView>> {
    k.store.read(|tx| {
        let query = Query::<ProjectTemplate>::new(Source::All, Paging::everything());
        guard::readable(tx, p, query)?
            .run(tx)?
            .try_map(|r| Ok(view(p, r)))
    })
}

pub fn get(k: &Kontor, p: &Principal, id: u64) -> AppResult<TemplateView> {
    k.store.read(|tx| {
        Ok(view(
            p,
            guard::open::<ProjectTemplate>(tx, p, id, Action::Read)?,
        ))
    })
}

pub fn create(k: &Kontor, p: &Principal, mut t: ProjectTemplate) -> AppResult<TemplateView> {
    t.preset = None;
    check(&t)?;
    let principal = p.clone();
    k.store
        .write(move |tx| Ok(view(&principal, guard::insert(tx, &principal, t)?)))
}

pub fn delete(k: &Kontor, p: &Principal, id: u64, version: Option<u64>) -> AppResult<()> {
    let principal = p.clone();
    k.store.write(move |tx| {
        guard::delete::<ProjectTemplate>(tx, &principal, id, Action::Delete, version)
    })
}

#[derive(Clone, Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FromTemplateInput {
    pub template_id: u64,
    /// The template's name (in `lang`) when not given.
    pub name: Option<String>,
    /// For templates counted from the start: the first day (today when not given).
    pub start: Option<NaiveDate>,
    /// For templates counted back from an event: its date (required).
    pub event_date: Option<NaiveDate>,
    /// The language of the task titles: the caller's when not given.
    pub lang: Option<Lang>,
    /// The caller when not given.
    pub manager_id: Option<u64>,
    pub members: Option<Vec<super::model::Member>>,
}

/// A new project with every phase and task of the template, dated.
pub fn instantiate(k: &Kontor, p: &Principal, input: FromTemplateInput) -> AppResult<ProjectView> {
    let principal = p.clone();
    k.store.write(move |tx| {
        let p = &principal;
        p.require(Module::Projects, Action::Create)?;
        let t = guard::open::<ProjectTemplate>(tx, p, input.template_id, Action::Read)
            .map_err(|e| e.on_field("template_id"))?
            .data;
        check(&t)?;
        let lang = input.lang.unwrap_or(p.lang);
        let pick = |zh: &str, en: &str| {
            let (first, second) = match lang {
                Lang::Zh => (zh, en),
                Lang::En => (en, zh),
            };
            if first.trim().is_empty() {
                second
            } else {
                first
            }
            .to_string()
        };
        let (anchor, start) = match t.anchor {
            TemplateAnchor::Start => {
                let s = match input.start {
                    Some(s) => s,
                    None => company_today(tx, tx.now())?,
                };
                (s, s)
            }
            TemplateAnchor::Event => {
                let Some(e) = input.event_date else {
                    return Err(invalid(
                        "event_date",
                        "这个模板从活动日期倒排，请填写活动日期。".into(),
                        "This template counts back from the event: give the event date.".into(),
                    ));
                };
                let first = t.items.iter().map(|i| i.offset_days).min().unwrap_or(0);
                (e, e + Duration::days(first.into()))
            }
        };
        let project_input = ProjectInput {
            name: Some(
                input
                    .name
                    .clone()
                    .unwrap_or_else(|| pick(&t.name_zh, &t.name_en)),
            ),
            description: Some(pick(
                t.description_zh.as_deref().unwrap_or(""),
                t.description_en.as_deref().unwrap_or(""),
            ))
            .filter(|d| !d.is_empty())
            .map(Some),
            manager_id: input.manager_id,
            members: input.members.clone(),
            start: Some(start),
            event_date: Some(
                input
                    .event_date
                    .filter(|_| t.anchor == TemplateAnchor::Event),
            ),
            move_dependents: Some(t.move_dependents),
            children_within_parent: Some(t.children_within_parent),
            ..ProjectInput::default()
        };
        let project = project::insert(tx, p, &project_input, Some(input.template_id))?;
        // Phases before what is in them, so each parent has its id when its tasks are saved;
        // dependencies once every task has one.
        let order = parents_first(&t.items);
        let mut ids: HashMap<&str, u64> = HashMap::new();
        for (n, &i) in order.iter().enumerate() {
            let item = &t.items[i];
            let first = anchor + Duration::days(item.offset_days.into());
            let task = ProjectTask {
                project_id: project.id,
                owner_id: Some(project.data.manager_id),
                parent_id: item.parent.as_deref().and_then(|k| ids.get(k).copied()),
                title: crate::domain::validate::text(
                    "title",
                    &pick(&item.title_zh, &item.title_en),
                    200,
                )?,
                description: None,
                assignees: Vec::new(),
                start: Some(first),
                due: Some(first + Duration::days((item.duration_days - 1).into())),
                estimate_hours: item.estimate_hours,
                spent_hours: Decimal::ZERO,
                priority: item.priority,
                tags: super::tags("tags", &item.tags)?,
                status: TaskStatus::Todo,
                rank: (n as i64 + 1) * 1024,
                depends_on: Vec::new(),
                done_at: None,
                meeting_url: None,
                difficulty: Vec::new(),
                reactions: Vec::new(),
            };
            let r = guard::insert(tx, p, task)?;
            ids.insert(item.key.as_str(), r.id);
        }
        for item in t.items.iter().filter(|i| !i.depends_on.is_empty()) {
            let deps = item
                .depends_on
                .iter()
                .filter_map(|d| {
                    ids.get(d.key.as_str())
                        .map(|&task_id| super::model::Dependency {
                            task_id,
                            kind: d.kind,
                            lag_days: d.lag_days,
                        })
                })
                .collect();
            let id = ids[item.key.as_str()];
            tx.update::<ProjectTask, AppError>(&p.actor(), id, None, |x| {
                x.depends_on = deps;
                Ok(())
            })?;
        }
        // The laid-out plan keeps the project's own rules, or nothing is made.
        let board = Board::load(tx, project.id)?;
        for i in 0..board.tasks.len() {
            board.check_task(i)?;
        }
        board.check_cycles()?;
        if t.children_within_parent {
            for i in 0..board.tasks.len() {
                board.within_parent(i)?;
            }
        }
        project::view(tx, p, project)
    })
}

/// Indexes of the items with every parent before its children.
fn parents_first(items: &[TemplateItem]) -> Vec<usize> {
    let at: HashMap<&str, usize> = items
        .iter()
        .enumerate()
        .map(|(i, t)| (t.key.as_str(), i))
        .collect();
    let mut placed = vec![false; items.len()];
    let mut out = Vec::with_capacity(items.len());
    while out.len() < items.len() {
        let before = out.len();
        for (i, item) in items.iter().enumerate() {
            let ready = item
                .parent
                .as_deref()
                .and_then(|k| at.get(k))
                .is_none_or(|&p| placed[p]);
            if !placed[i] && ready {
                placed[i] = true;
                out.push(i);
            }
        }
        if out.len() == before {
            // A loop of parents (refused by `check`): place the rest as they are.
            out.extend((0..items.len()).filter(|&i| !placed[i]));
        }
    }
    out
}

#[derive(Clone, Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SaveAsTemplateInput {
    /// The project's name when not given.
    pub name_zh: Option<String>,
    pub name_en: Option<String>,
}

/// A template from a project: its tasks' days counted from its start (or from its event date,
/// when it has one), durations and dependencies.
pub fn save_as(
    k: &Kontor,
    p: &Principal,
    id: u64,
    input: SaveAsTemplateInput,
) -> AppResult<TemplateView> {
    let principal = p.clone();
    k.store.write(move |tx| {
        let p = &principal;
        p.require(Module::Projects, Action::Create)?;
        let project: Record<Project> = guard::open::<Project>(tx, p, id, Action::Read)?;
        let board = Board::load(tx, id)?;
        let (anchor, base) = match project.data.event_date {
            Some(e) => (TemplateAnchor::Event, e),
            None => (TemplateAnchor::Start, project.data.start),
        };
        let key = |task: u64| format!("t{task}");
        let items = (0..board.tasks.len())
            .map(|i| {
                let t = &board.tasks[i];
                let span = board.span(i);
                let offset = span.map_or(0, |s| s.start - super::board::day(base));
                TemplateItem {
                    key: key(board.ids[i]),
                    parent: t.parent_id.filter(|p| board.at.contains_key(p)).map(key),
                    title_zh: t.title.clone(),
                    title_en: t.title.clone(),
                    offset_days: i32::try_from(offset).unwrap_or(0),
                    duration_days: span.map_or(1, |s| i32::try_from(s.days).unwrap_or(1)),
                    estimate_hours: t.estimate_hours,
                    priority: t.priority,
                    tags: t.tags.clone(),
                    depends_on: t
                        .depends_on
                        .iter()
                        .filter(|d| board.at.contains_key(&d.task_id))
                        .map(|d| TemplateDep {
                            key: key(d.task_id),
                            kind: d.kind,
                            lag_days: d.lag_days,
                        })
                        .collect(),
                }
            })
            .collect();
        let name = |n: &Option<String>| {
            n.as_deref()
                .map(str::trim)
                .filter(|n| !n.is_empty())
                .map_or_else(|| project.data.name.clone(), str::to_string)
        };
        let template = ProjectTemplate {
            preset: None,
            name_zh: name(&input.name_zh),
            name_en: name(&input.name_en),
            description_zh: project.data.description.clone(),
            description_en: project.data.description.clone(),
            anchor,
            move_dependents: project.data.move_dependents,
            children_within_parent: project.data.children_within_parent,
            items,
            source_project_id: Some(id),
        };
        check(&template)?;
        Ok(view(p, guard::insert(tx, p, template)?))
    })
}
