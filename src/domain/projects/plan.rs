//! A project's schedule (`GET /projects/{id}/schedule`): each task's earliest and latest start
//! and finish and its slack, the critical path, and the dependencies the dates do not keep
//! (possible when the project does not move dependents).

use chrono::NaiveDate;
use serde::Serialize;

use super::board::{Board, date};
use super::model::Project;
use super::schedule;
use crate::auth::{Action, Principal};
use crate::domain::Kontor;
use crate::domain::kit::guard;
use crate::error::AppResult;

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct ScheduledTask {
    pub id: u64,
    pub title: String,
    pub parent_id: Option<u64>,
    pub start: Option<NaiveDate>,
    pub due: Option<NaiveDate>,
    /// None for a task without dates (it takes no part).
    pub earliest_start: Option<NaiveDate>,
    pub earliest_finish: Option<NaiveDate>,
    pub latest_start: Option<NaiveDate>,
    pub latest_finish: Option<NaiveDate>,
    /// Days it may slip without moving the project's end.
    pub slack_days: Option<i64>,
    pub critical: bool,
}

/// A dependency whose dates are not kept: `task_id` starts before `earliest`.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Violation {
    pub task_id: u64,
    pub predecessor_id: u64,
    pub earliest: NaiveDate,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Schedule {
    pub project_id: u64,
    /// The project's last day by the dependencies (None when no task has dates).
    pub finish: Option<NaiveDate>,
    /// The longest chain by duration and lags, first to last.
    pub critical_path: Vec<u64>,
    pub tasks: Vec<ScheduledTask>,
    pub violations: Vec<Violation>,
}

pub fn schedule(k: &Kontor, p: &Principal, id: u64) -> AppResult<Schedule> {
    k.store.read(|tx| {
        guard::open::<Project>(tx, p, id, Action::Read)?;
        let board = Board::load(tx, id)?;
        Ok(of(id, &board))
    })
}

/// The schedule of a board (pure: for the endpoint and for tests).
pub fn of(project_id: u64, board: &Board) -> Schedule {
    let n = board.tasks.len();
    let spans: Vec<_> = (0..n).map(|v| board.span(v)).collect();
    let edges = board.edges(false);
    // A stored board has no cycle (every change is checked); answer without a plan if one
    // slipped in rather than fail.
    let plan = schedule::critical_path(&spans, &edges).unwrap_or(schedule::Plan {
        rows: vec![None; n],
        finish: None,
        path: Vec::new(),
    });
    let critical: std::collections::HashSet<usize> = plan.path.iter().copied().collect();
    let tasks = (0..n)
        .map(|v| {
            let t = &board.tasks[v];
            let row = plan.rows[v];
            ScheduledTask {
                id: board.ids[v],
                title: t.title.clone(),
                parent_id: t.parent_id,
                start: t.start,
                due: t.due,
                earliest_start: row.map(|r| date(r.earliest_start)),
                earliest_finish: row.map(|r| date(r.earliest_finish)),
                latest_start: row.map(|r| date(r.latest_start)),
                latest_finish: row.map(|r| date(r.latest_finish)),
                slack_days: row.map(|r| r.slack),
                critical: critical.contains(&v),
            }
        })
        .collect();
    let mut violations = Vec::new();
    for e in &edges {
        if let (Some(from), Some(to)) = (spans[e.from], spans[e.to]) {
            let earliest = e.earliest(from);
            if to.start < earliest {
                violations.push(Violation {
                    task_id: board.ids[e.to],
                    predecessor_id: board.ids[e.from],
                    earliest: date(earliest),
                });
            }
        }
    }
    Schedule {
        project_id,
        finish: plan.finish.map(date),
        critical_path: plan.path.iter().map(|&v| board.ids[v]).collect(),
        tasks,
        violations,
    }
}
