//! The tasks of one project in memory, and the rules a change must keep: the parent in the
//! project and no loop of parents; dependencies in the project, not on the task's own phase or
//! subtasks, no cycle; with `move_dependents`, a task's subtasks move with it and its
//! successors forward as far as they must (`schedule::push`); with `children_within_parent`,
//! subtasks within their parents. Every changed task is written in the caller's transaction,
//! or nothing.

use std::collections::HashMap;

use chrono::{Duration, NaiveDate};

use super::invalid;
use super::model::{LinkKind, Project, ProjectTask};
use super::schedule::{self, Day, Edge, Link, Span};
use crate::auth::Principal;
use crate::domain::kit::guard;
use crate::error::{AppError, AppResult};
use crate::i18n::Lang;
use crate::store::{IndexKey, Record, Tx};

/// At most this many levels of subtasks, and predecessors of one task.
pub const MAX_DEPTH: usize = 5;
const MAX_DEPENDENCIES: usize = 50;

/// The tasks of one project in memory: the records as stored and as they are to become.
pub struct Board {
    pub project: Project,
    /// Record ids (0 for a task not yet saved).
    pub ids: Vec<u64>,
    pub before: Vec<Option<ProjectTask>>,
    pub tasks: Vec<ProjectTask>,
    pub at: HashMap<u64, usize>,
}

impl Board {
    pub fn load(tx: &Tx, project_id: u64) -> AppResult<Board> {
        let project = tx.get_live::<Project>(project_id)?.data;
        let mut board = Board {
            project,
            ids: Vec::new(),
            before: Vec::new(),
            tasks: Vec::new(),
            at: HashMap::new(),
        };
        let key = IndexKey::new().u64(project_id);
        for id in tx.ids_by_index::<ProjectTask>("project", &key, false)? {
            if let Some(r) = tx.get::<ProjectTask>(id)?.filter(|r| !r.meta.is_deleted()) {
                board.at.insert(id, board.tasks.len());
                board.ids.push(id);
                board.before.push(Some(r.data.clone()));
                board.tasks.push(r.data);
            }
        }
        Ok(board)
    }

    pub fn add(&mut self, task: ProjectTask) -> usize {
        self.ids.push(0);
        self.before.push(None);
        self.tasks.push(task);
        self.tasks.len() - 1
    }

    fn title(&self, i: usize) -> String {
        format!("“{}”", self.tasks[i].title)
    }

    pub fn parent(&self, i: usize) -> Option<usize> {
        self.tasks[i]
            .parent_id
            .and_then(|p| self.at.get(&p).copied())
    }

    /// Children of every task.
    pub fn children(&self) -> Vec<Vec<usize>> {
        let mut out = vec![Vec::new(); self.tasks.len()];
        for i in 0..self.tasks.len() {
            if let Some(p) = self.parent(i) {
                out[p].push(i);
            }
        }
        out
    }

    /// Every task below `i` (not `i`).
    pub fn descendants(&self, children: &[Vec<usize>], i: usize) -> Vec<usize> {
        let mut out = Vec::new();
        let mut stack = children[i].clone();
        while let Some(v) = stack.pop() {
            if out.len() > self.tasks.len() {
                break;
            }
            out.push(v);
            stack.extend(children[v].iter().copied());
        }
        out
    }

    pub fn span(&self, i: usize) -> Option<Span> {
        let t = &self.tasks[i];
        let (start, due) = match (t.start, t.due) {
            (Some(s), Some(d)) => (s, d),
            (Some(s), None) => (s, s),
            (None, Some(d)) => (d, d),
            (None, None) => return None,
        };
        Some(Span {
            start: day(start),
            days: (day(due) - day(start) + 1).max(1),
        })
    }

    /// Dependencies as edges, and (with `parents`) each subtask held at its offset from its
    /// parent's start (so a parent that moves takes its subtasks along).
    pub fn edges(&self, parents: bool) -> Vec<Edge> {
        let mut edges = Vec::new();
        for (i, t) in self.tasks.iter().enumerate() {
            for d in &t.depends_on {
                if let Some(&from) = self.at.get(&d.task_id) {
                    edges.push(Edge {
                        from,
                        to: i,
                        link: match d.kind {
                            LinkKind::FinishToStart => Link::FinishToStart,
                            LinkKind::StartToStart => Link::StartToStart,
                        },
                        lag: d.lag_days.into(),
                    });
                }
            }
            if parents && let Some(p) = self.parent(i) {
                let lag = match (self.span(p), self.span(i)) {
                    (Some(a), Some(b)) => b.start - a.start,
                    _ => 0,
                };
                edges.push(Edge {
                    from: p,
                    to: i,
                    link: Link::StartToStart,
                    lag,
                });
            }
        }
        edges
    }

    fn shift(&mut self, i: usize, days: i64) {
        let t = &mut self.tasks[i];
        t.start = t.start.map(|d| d + Duration::days(days));
        t.due = t.due.map(|d| d + Duration::days(days));
    }

    fn cycle_error(&self, cycle: &[usize]) -> AppError {
        let mut names: Vec<String> = cycle.iter().map(|&i| self.title(i)).collect();
        if let Some(first) = names.first().cloned() {
            names.push(first);
        }
        let chain = names.join(" → ");
        invalid(
            "depends_on",
            format!("任务依赖形成了循环：{chain}。请去掉其中一个依赖。"),
            format!("These dependencies form a cycle: {chain}. Remove one of them."),
        )
    }

    /// Checks the task at `i` (its parent and dependencies) and the whole board (no cycle).
    pub fn check(&self, i: usize) -> AppResult<()> {
        self.check_task(i)?;
        self.check_cycles()
    }

    /// No cycle of dependencies (subtasks held by their parents included), else an error
    /// naming the tasks in it.
    pub fn check_cycles(&self) -> AppResult<()> {
        match schedule::order(self.tasks.len(), &self.edges(true)) {
            Ok(_) => Ok(()),
            Err(cycle) => Err(self.cycle_error(&cycle)),
        }
    }

    /// The task at `i`: dates in order, its parent in the project and not below it, its
    /// dependencies in the project, once each, not on its own phase or subtasks.
    pub fn check_task(&self, i: usize) -> AppResult<()> {
        let t = &self.tasks[i];
        if let (Some(s), Some(d)) = (t.start, t.due)
            && d < s
        {
            return Err(invalid(
                "due",
                "截止日期不能早于开始日期。".into(),
                "The due date cannot be before the start date.".into(),
            ));
        }
        if let Some(pid) = t.parent_id {
            let Some(&p) = self.at.get(&pid) else {
                return Err(invalid(
                    "parent_id",
                    format!("上级任务 {pid} 不在这个项目中。"),
                    format!("The parent task {pid} is not in this project."),
                ));
            };
            // Up the parents: no loop, not too deep.
            let (mut at, mut depth) = (Some(p), 1);
            while let Some(a) = at {
                if a == i {
                    return Err(invalid(
                        "parent_id",
                        "任务不能放在它自己或它的子任务之下。".into(),
                        "A task cannot go under itself or one of its subtasks.".into(),
                    ));
                }
                depth += 1;
                if depth > MAX_DEPTH {
                    return Err(invalid(
                        "parent_id",
                        format!("任务层级最多 {MAX_DEPTH} 层。"),
                        format!("Tasks nest at most {MAX_DEPTH} levels deep."),
                    ));
                }
                at = self.parent(a);
            }
        }
        if t.depends_on.len() > MAX_DEPENDENCIES {
            return Err(invalid(
                "depends_on",
                format!("一个任务最多 {MAX_DEPENDENCIES} 个前置任务。"),
                format!("A task has at most {MAX_DEPENDENCIES} predecessors."),
            ));
        }
        let children = self.children();
        let below = self.descendants(&children, i);
        for (n, d) in t.depends_on.iter().enumerate() {
            let Some(&from) = self.at.get(&d.task_id) else {
                return Err(invalid(
                    "depends_on",
                    format!("前置任务 {} 不在这个项目中。", d.task_id),
                    format!("The predecessor {} is not in this project.", d.task_id),
                ));
            };
            if t.depends_on[..n].iter().any(|x| x.task_id == d.task_id) {
                return Err(invalid(
                    "depends_on",
                    format!("前置任务 {} 重复了。", self.title(from)),
                    format!("The predecessor {} is listed twice.", self.title(from)),
                ));
            }
            if !(-365..=365).contains(&d.lag_days) {
                return Err(invalid(
                    "depends_on",
                    "间隔天数须在 -365 到 365 之间。".into(),
                    "A lag is between -365 and 365 days.".into(),
                ));
            }
            let mut up = Some(i);
            let ancestor = std::iter::from_fn(|| {
                up = up.and_then(|u| self.parent(u));
                up
            })
            .take(MAX_DEPTH + 1)
            .any(|a| a == from);
            if ancestor || below.contains(&from) {
                return Err(invalid(
                    "depends_on",
                    format!(
                        "{} 不能依赖它自己的上级或子任务 {}。",
                        self.title(i),
                        self.title(from)
                    ),
                    format!(
                        "{} cannot depend on its own phase or subtask {}.",
                        self.title(i),
                        self.title(from)
                    ),
                ));
            }
        }
        Ok(())
    }

    /// After the task at `i` changed: with `move_dependents`, its subtasks move as far as it
    /// moved (`moved_by` days) and its successors forward as far as they must; the task itself
    /// moves only if its dates were not given (`dated`), else its predecessors must allow them.
    /// Then subtasks must lie within their parents where the project asks.
    pub fn settle(&mut self, i: usize, moved_by: i64, dated: bool) -> AppResult<()> {
        let children = self.children();
        if self.project.move_dependents {
            if moved_by != 0 {
                for d in self.descendants(&children, i) {
                    self.shift(d, moved_by);
                }
            }
            let edges = self.edges(true);
            let n = self.tasks.len();
            let mut movable = schedule::downstream(n, &edges, &[i]);
            movable[i] = !dated;
            let spans: Vec<Option<Span>> = (0..n).map(|v| self.span(v)).collect();
            let moves =
                schedule::push(&spans, &edges, &movable).map_err(|c| self.cycle_error(&c))?;
            for (v, start) in moves {
                if let Some(s) = spans[v] {
                    self.shift(v, start - s.start);
                }
            }
            if dated {
                self.predecessors_allow(i)?;
            }
        }
        if self.project.children_within_parent {
            for (v, kids) in children.iter().enumerate() {
                let now = &self.tasks[v];
                let changed = self.before[v].as_ref().is_none_or(|b| {
                    b.start != now.start || b.due != now.due || b.parent_id != now.parent_id
                });
                if changed {
                    self.within_parent(v)?;
                    for &c in kids {
                        self.within_parent(c)?;
                    }
                }
            }
        }
        Ok(())
    }

    /// The task's given dates keep its dependencies (when the project moves dependents, a
    /// task is not placed before its predecessors allow).
    fn predecessors_allow(&self, i: usize) -> AppResult<()> {
        let Some(span) = self.span(i) else {
            return Ok(());
        };
        for e in self.edges(false).iter().filter(|e| e.to == i) {
            let Some(from) = self.span(e.from) else {
                continue;
            };
            let earliest = e.earliest(from);
            if span.start < earliest {
                let date = date(earliest);
                let kind = self.tasks[i]
                    .depends_on
                    .iter()
                    .find(|d| self.at.get(&d.task_id) == Some(&e.from))
                    .map(|d| d.kind)
                    .unwrap_or(LinkKind::FinishToStart);
                return Err(invalid(
                    "start",
                    format!(
                        "{} 依赖 {}（{}），最早 {date} 开始。",
                        self.title(i),
                        self.title(e.from),
                        kind.name(Lang::Zh)
                    ),
                    format!(
                        "{} depends on {} ({}): it can start on {date} at the earliest.",
                        self.title(i),
                        self.title(e.from),
                        kind.name(Lang::En)
                    ),
                ));
            }
        }
        Ok(())
    }

    pub fn within_parent(&self, i: usize) -> AppResult<()> {
        let Some(p) = self.parent(i) else {
            return Ok(());
        };
        let (t, parent) = (&self.tasks[i], &self.tasks[p]);
        let early = matches!((t.start.or(t.due), parent.start), (Some(a), Some(b)) if a < b);
        let late = matches!((t.due.or(t.start), parent.due), (Some(a), Some(b)) if a > b);
        if early || late {
            let range = |d: Option<NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
            let (from, to) = (range(parent.start), range(parent.due));
            return Err(invalid(
                if early { "start" } else { "due" },
                format!(
                    "子任务 {} 须在上级 {} 的日期内（{from} 至 {to}）。",
                    self.title(i),
                    self.title(p)
                ),
                format!(
                    "The subtask {} must lie within the dates of {} ({from} to {to}).",
                    self.title(i),
                    self.title(p)
                ),
            ));
        }
        Ok(())
    }

    /// Writes every task that changed (the one at `edited` with its version check); the
    /// record of `edited`.
    pub fn save(
        &self,
        tx: &mut Tx,
        p: &Principal,
        edited: usize,
        version: Option<u64>,
    ) -> AppResult<Record<ProjectTask>> {
        let actor = p.actor();
        let mut out = None;
        for i in 0..self.tasks.len() {
            let r = match (&self.before[i], self.ids[i]) {
                (None, _) => Some(guard::insert(tx, p, self.tasks[i].clone())?),
                (Some(b), id) if *b != self.tasks[i] || i == edited => {
                    let data = self.tasks[i].clone();
                    let v = if i == edited { version } else { None };
                    Some(tx.update::<ProjectTask, AppError>(&actor, id, v, |t| {
                        *t = data;
                        Ok(())
                    })?)
                }
                _ => None,
            };
            if i == edited {
                out = r;
            }
        }
        out.ok_or_else(|| AppError::internal("edited task not saved"))
    }
}

pub fn day(d: NaiveDate) -> Day {
    chrono::Datelike::num_days_from_ce(&d).into()
}

pub fn date(d: Day) -> NaiveDate {
    i32::try_from(d)
        .ok()
        .and_then(NaiveDate::from_num_days_from_ce_opt)
        .unwrap_or(NaiveDate::MAX)
}
