//! The scheduler: pure functions over tasks as day spans and dependencies as edges, in
//! O(V + E). No store, no dates: a day is a number (`NaiveDate::num_days_from_ce`), a task a
//! [`Span`] (its first day and how many days it takes, both days counted), a dependency an
//! [`Edge`] between indexes.
//!
//! - finish-to-start with a lag: the successor starts at the earliest the day after the
//!   predecessor's last day, plus the lag (`lag 2`: two clear days between);
//! - start-to-start with a lag: the successor starts at the earliest the predecessor's first
//!   day plus the lag.
//!
//! [`order`] sorts the tasks so every predecessor comes first, or names a cycle; [`push`]
//! moves the tasks it may move forward as far as their predecessors require (only what must
//! move, never backwards); [`critical_path`] gives each task's earliest and latest start and
//! finish and its slack, and the longest chain (the tasks with no slack, from the first to the
//! one that ends last).

pub type Day = i64;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Link {
    FinishToStart,
    StartToStart,
}

/// `to` depends on `from`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Edge {
    pub from: usize,
    pub to: usize,
    pub link: Link,
    pub lag: i64,
}

/// A task's first day and its length in days (at least 1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Span {
    pub start: Day,
    pub days: i64,
}

impl Span {
    pub fn last(&self) -> Day {
        self.start + self.days.max(1) - 1
    }
}

impl Edge {
    /// The earliest first day of `to` that this edge allows, given `from`'s span.
    pub fn earliest(&self, from: Span) -> Day {
        match self.link {
            Link::FinishToStart => from.last() + 1 + self.lag,
            Link::StartToStart => from.start + self.lag,
        }
    }
}

/// Successors of every node, laid out flat (compressed rows): `succ[offsets[v]..offsets[v+1]]`
/// are the indexes into `edges` of the edges leaving `v`.
struct Adjacency {
    offsets: Vec<usize>,
    out: Vec<usize>,
}

impl Adjacency {
    fn new(n: usize, edges: &[Edge], from: impl Fn(&Edge) -> usize) -> Adjacency {
        let mut offsets = vec![0usize; n + 1];
        for e in edges {
            offsets[from(e) + 1] += 1;
        }
        for i in 0..n {
            offsets[i + 1] += offsets[i];
        }
        let mut fill = offsets.clone();
        let mut out = vec![0usize; edges.len()];
        for (i, e) in edges.iter().enumerate() {
            let v = from(e);
            out[fill[v]] = i;
            fill[v] += 1;
        }
        Adjacency { offsets, out }
    }
    fn of(&self, v: usize) -> &[usize] {
        &self.out[self.offsets[v]..self.offsets[v + 1]]
    }
}

/// Edges whose ends are not nodes (`n` of them) are left out by every function here.
fn valid(n: usize, edges: &[Edge]) -> Vec<Edge> {
    edges
        .iter()
        .copied()
        .filter(|e| e.from < n && e.to < n)
        .collect()
}

/// The nodes with every predecessor before its successors, or `Err` with one cycle: its nodes
/// in order, each depending on the one before it (and the first on the last).
pub fn order(n: usize, edges: &[Edge]) -> Result<Vec<usize>, Vec<usize>> {
    let edges = valid(n, edges);
    let succ = Adjacency::new(n, &edges, |e| e.from);
    let mut indegree = vec![0usize; n];
    for e in &edges {
        indegree[e.to] += 1;
    }
    let mut queue: Vec<usize> = (0..n).filter(|&v| indegree[v] == 0).collect();
    let mut head = 0;
    while head < queue.len() {
        let v = queue[head];
        head += 1;
        for &i in succ.of(v) {
            let w = edges[i].to;
            indegree[w] -= 1;
            if indegree[w] == 0 {
                queue.push(w);
            }
        }
    }
    if queue.len() == n {
        return Ok(queue);
    }
    Err(find_cycle(n, &edges, &indegree))
}

/// One cycle among the nodes Kahn's pass left (those with predecessors still unplaced): walk
/// back along unplaced predecessors until a node repeats.
fn find_cycle(n: usize, edges: &[Edge], indegree: &[usize]) -> Vec<usize> {
    let pred = Adjacency::new(n, edges, |e| e.to);
    let Some(start) = (0..n).find(|&v| indegree[v] > 0) else {
        return Vec::new();
    };
    let mut seen = vec![usize::MAX; n];
    let mut path = Vec::new();
    let mut v = start;
    loop {
        if seen[v] != usize::MAX {
            // The walk went backwards (from successor to predecessor): reverse it so each node
            // depends on the one before.
            let mut cycle = path[seen[v]..].to_vec();
            cycle.reverse();
            return cycle;
        }
        seen[v] = path.len();
        path.push(v);
        // Every unplaced node has an unplaced predecessor (else it would have been placed).
        match pred
            .of(v)
            .iter()
            .map(|&i| edges[i].from)
            .find(|&u| indegree[u] > 0)
        {
            Some(u) => v = u,
            None => return path,
        }
    }
}

/// New first days for the nodes that must move: in dependency order, each node that `movable`
/// allows and has a span starts at the earliest day its predecessors allow if that is later
/// than its start (its length kept). Nodes without a span neither move nor hold others back.
/// `Err` names a cycle.
pub fn push(
    spans: &[Option<Span>],
    edges: &[Edge],
    movable: &[bool],
) -> Result<Vec<(usize, Day)>, Vec<usize>> {
    let n = spans.len();
    let edges = valid(n, edges);
    let topo = order(n, &edges)?;
    let pred = Adjacency::new(n, &edges, |e| e.to);
    let mut now: Vec<Option<Span>> = spans.to_vec();
    let mut moved = Vec::new();
    for v in topo {
        let Some(mut span) = now[v] else { continue };
        if !movable.get(v).copied().unwrap_or(false) {
            continue;
        }
        let earliest = pred
            .of(v)
            .iter()
            .filter_map(|&i| now[edges[i].from].map(|s| edges[i].earliest(s)))
            .max();
        if let Some(day) = earliest.filter(|&d| d > span.start) {
            span.start = day;
            now[v] = Some(span);
            moved.push((v, day));
        }
    }
    Ok(moved)
}

/// The nodes reachable from `from` along edges (not `from` themselves unless on a path).
pub fn downstream(n: usize, edges: &[Edge], from: &[usize]) -> Vec<bool> {
    let edges = valid(n, edges);
    let succ = Adjacency::new(n, &edges, |e| e.from);
    let mut reached = vec![false; n];
    let mut stack: Vec<usize> = from.iter().copied().filter(|&v| v < n).collect();
    while let Some(v) = stack.pop() {
        for &i in succ.of(v) {
            let w = edges[i].to;
            if !reached[w] {
                reached[w] = true;
                stack.push(w);
            }
        }
    }
    reached
}

/// A task's place in the schedule.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Slack {
    pub earliest_start: Day,
    pub earliest_finish: Day,
    pub latest_start: Day,
    pub latest_finish: Day,
    /// Days it may slip without moving the project's last day.
    pub slack: i64,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Plan {
    /// Per node (None: a node without a span).
    pub rows: Vec<Option<Slack>>,
    /// The last day of the project (None when no node has a span).
    pub finish: Option<Day>,
    /// The critical path, first to last.
    pub path: Vec<usize>,
}

/// The critical path method: a task starts no earlier than its own first day and than its
/// predecessors allow (earliest start); the latest start is the latest that keeps every
/// successor's latest start and the project's last day; slack is the difference. The path is
/// the longest chain: from the task that ends last, back along edges that bind (no slack
/// between), through tasks without slack. `Err` names a cycle.
pub fn critical_path(spans: &[Option<Span>], edges: &[Edge]) -> Result<Plan, Vec<usize>> {
    let n = spans.len();
    let edges: Vec<Edge> = valid(n, edges)
        .into_iter()
        .filter(|e| spans[e.from].is_some() && spans[e.to].is_some())
        .collect();
    let topo = order(n, &edges)?;
    let pred = Adjacency::new(n, &edges, |e| e.to);
    let succ = Adjacency::new(n, &edges, |e| e.from);
    let days = |v: usize| spans[v].map_or(1, |s| s.days.max(1));
    // Forward: earliest starts.
    let mut es: Vec<Day> = spans.iter().map(|s| s.map_or(0, |s| s.start)).collect();
    for &v in &topo {
        if spans[v].is_none() {
            continue;
        }
        for &i in pred.of(v) {
            let e = edges[i];
            let from = Span {
                start: es[e.from],
                days: days(e.from),
            };
            es[v] = es[v].max(e.earliest(from));
        }
    }
    let ef = |v: usize, es: &[Day]| es[v] + days(v) - 1;
    let Some(finish) = (0..n)
        .filter(|&v| spans[v].is_some())
        .map(|v| ef(v, &es))
        .max()
    else {
        return Ok(Plan {
            rows: vec![None; n],
            finish: None,
            path: Vec::new(),
        });
    };
    // Backward: latest starts.
    let mut ls: Vec<Day> = (0..n).map(|v| finish - days(v) + 1).collect();
    for &v in topo.iter().rev() {
        if spans[v].is_none() {
            continue;
        }
        for &i in succ.of(v) {
            let e = edges[i];
            // The latest start of v that still lets e.to start at its latest.
            let bound = match e.link {
                Link::FinishToStart => ls[e.to] - e.lag - 1 - (days(v) - 1),
                Link::StartToStart => ls[e.to] - e.lag,
            };
            ls[v] = ls[v].min(bound);
        }
    }
    let rows: Vec<Option<Slack>> = (0..n)
        .map(|v| {
            spans[v].map(|_| Slack {
                earliest_start: es[v],
                earliest_finish: ef(v, &es),
                latest_start: ls[v],
                latest_finish: ls[v] + days(v) - 1,
                slack: ls[v] - es[v],
            })
        })
        .collect();
    // The path: from the critical task that ends last (lowest index on a tie), back along
    // binding edges to critical predecessors.
    let mut path = Vec::new();
    let last = (0..n)
        .filter(|&v| rows[v].is_some_and(|r| r.slack <= 0 && r.earliest_finish == finish))
        .min();
    let mut at = last;
    let mut guard = 0;
    while let Some(v) = at {
        path.push(v);
        guard += 1;
        if guard > n {
            break;
        }
        at = pred
            .of(v)
            .iter()
            .map(|&i| edges[i])
            .filter(|e| {
                let from = Span {
                    start: es[e.from],
                    days: days(e.from),
                };
                rows[e.from].is_some_and(|r| r.slack <= 0) && e.earliest(from) == es[v]
            })
            .map(|e| e.from)
            .min();
    }
    path.reverse();
    Ok(Plan {
        rows,
        finish: Some(finish),
        path,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fs(from: usize, to: usize, lag: i64) -> Edge {
        Edge {
            from,
            to,
            link: Link::FinishToStart,
            lag,
        }
    }
    fn ss(from: usize, to: usize, lag: i64) -> Edge {
        Edge {
            from,
            to,
            link: Link::StartToStart,
            lag,
        }
    }
    fn span(start: Day, days: i64) -> Option<Span> {
        Some(Span { start, days })
    }

    #[test]
    fn order_puts_predecessors_first_or_names_the_cycle() {
        // (nodes, edges, Ok(order) | Err(cycle as a set))
        type Case = (usize, Vec<Edge>, Result<Vec<usize>, Vec<usize>>);
        let cases: Vec<Case> = vec![
            (3, vec![fs(0, 1, 0), fs(1, 2, 0)], Ok(vec![0, 1, 2])),
            (3, vec![fs(2, 1, 0), fs(1, 0, 0)], Ok(vec![2, 1, 0])),
            (3, vec![], Ok(vec![0, 1, 2])),
            (
                3,
                vec![fs(0, 1, 0), fs(1, 2, 0), fs(2, 0, 0)],
                Err(vec![0, 1, 2]),
            ),
            (
                4,
                vec![fs(0, 1, 0), ss(1, 2, 0), fs(2, 1, 0)],
                Err(vec![1, 2]),
            ),
            (2, vec![fs(1, 1, 0)], Err(vec![1])),
            // An edge to a node that does not exist is left out.
            (2, vec![fs(0, 7, 0)], Ok(vec![0, 1])),
        ];
        for (n, edges, want) in cases {
            let got = order(n, &edges);
            match (&got, &want) {
                (Ok(g), Ok(w)) => assert_eq!(g, w, "{edges:?}"),
                (Err(g), Err(w)) => {
                    let mut g = g.clone();
                    g.sort();
                    assert_eq!(&g, w, "{edges:?}");
                    // Each node of the cycle depends on the one before it.
                    let cycle = got.clone().unwrap_err();
                    for (i, &v) in cycle.iter().enumerate() {
                        let before = cycle[(i + cycle.len() - 1) % cycle.len()];
                        assert!(edges.iter().any(|e| e.from == before && e.to == v));
                    }
                }
                _ => panic!("{edges:?}: {got:?}, wanted {want:?}"),
            }
        }
    }

    #[test]
    fn push_moves_only_what_must_move() {
        // (spans, edges, movable, moved as (node, new start))
        type Case = (Vec<Option<Span>>, Vec<Edge>, Vec<bool>, Vec<(usize, Day)>);
        let cases: Vec<Case> = vec![
            // FS, no lag: B must start the day after A's last day (A: 10..12).
            (
                vec![span(10, 3), span(11, 2)],
                vec![fs(0, 1, 0)],
                vec![false, true],
                vec![(1, 13)],
            ),
            // FS with a lag of 2 days.
            (
                vec![span(10, 3), span(11, 2)],
                vec![fs(0, 1, 2)],
                vec![false, true],
                vec![(1, 15)],
            ),
            // Already late enough: nothing moves.
            (
                vec![span(10, 3), span(20, 2)],
                vec![fs(0, 1, 2)],
                vec![false, true],
                vec![],
            ),
            // SS with a lag: B starts at least 1 day after A starts.
            (
                vec![span(10, 3), span(10, 5)],
                vec![ss(0, 1, 1)],
                vec![false, true],
                vec![(1, 11)],
            ),
            // A chain: C moves because B moved.
            (
                vec![span(10, 3), span(11, 2), span(13, 1)],
                vec![fs(0, 1, 0), fs(1, 2, 0)],
                vec![false, true, true],
                vec![(1, 13), (2, 15)],
            ),
            // Two predecessors: the later one counts.
            (
                vec![span(10, 3), span(5, 10), span(0, 1)],
                vec![fs(0, 2, 0), fs(1, 2, 0)],
                vec![false, false, true],
                vec![(2, 15)],
            ),
            // Not movable: stays (a violation the caller deals with).
            (
                vec![span(10, 3), span(11, 2)],
                vec![fs(0, 1, 0)],
                vec![false, false],
                vec![],
            ),
            // No span: neither moves nor holds back.
            (
                vec![None, span(1, 2)],
                vec![fs(0, 1, 0)],
                vec![true, true],
                vec![],
            ),
            // Negative lag (overlap allowed).
            (
                vec![span(10, 3), span(5, 2)],
                vec![fs(0, 1, -1)],
                vec![false, true],
                vec![(1, 12)],
            ),
        ];
        for (spans, edges, movable, want) in cases {
            assert_eq!(push(&spans, &edges, &movable).unwrap(), want, "{edges:?}");
        }
        let err = push(
            &[span(0, 1), span(0, 1)],
            &[fs(0, 1, 0), fs(1, 0, 0)],
            &[true, true],
        );
        assert!(err.is_err());
    }

    #[test]
    fn downstream_follows_edges() {
        let edges = [fs(0, 1, 0), fs(1, 2, 0), ss(3, 2, 0)];
        assert_eq!(
            downstream(5, &edges, &[0]),
            vec![false, true, true, false, false]
        );
        assert_eq!(
            downstream(5, &edges, &[3]),
            vec![false, false, true, false, false]
        );
        assert_eq!(downstream(5, &edges, &[4]), vec![false; 5]);
    }

    #[test]
    fn critical_path_scenarios() {
        // (spans, edges, path, [(node, es, ls, slack)])
        type Case = (
            Vec<Option<Span>>,
            Vec<Edge>,
            Vec<usize>,
            Vec<(usize, Day, Day, i64)>,
        );
        let cases: Vec<Case> = vec![
            // A (3 d) → B (2 d) → D (1 d); A → C (1 d) → D: C has 1 day of slack.
            (
                vec![span(0, 3), span(3, 2), span(3, 1), span(5, 1)],
                vec![fs(0, 1, 0), fs(1, 3, 0), fs(0, 2, 0), fs(2, 3, 0)],
                vec![0, 1, 3],
                vec![(0, 0, 0, 0), (1, 3, 3, 0), (2, 3, 4, 1), (3, 5, 5, 0)],
            ),
            // A lag makes the short branch critical: C → D with 2 days of lag.
            (
                vec![span(0, 3), span(3, 2), span(3, 1), span(6, 1)],
                vec![fs(0, 1, 0), fs(1, 3, 0), fs(0, 2, 0), fs(2, 3, 2)],
                vec![0, 2, 3],
                vec![(1, 3, 4, 1), (2, 3, 3, 0), (3, 6, 6, 0)],
            ),
            // SS: B starts 1 day after A starts and runs 5 days, past A's end.
            (
                vec![span(0, 3), span(1, 5)],
                vec![ss(0, 1, 1)],
                vec![0, 1],
                vec![(0, 0, 0, 0), (1, 1, 1, 0)],
            ),
            // A task planned later than its predecessors need starts at its own day.
            (
                vec![span(0, 2), span(10, 2)],
                vec![fs(0, 1, 0)],
                vec![1],
                vec![(0, 0, 8, 8), (1, 10, 10, 0)],
            ),
            // Unrelated tasks: the one ending last is the path.
            (
                vec![span(0, 2), span(0, 5), None],
                vec![fs(2, 0, 0)],
                vec![1],
                vec![(0, 0, 3, 3), (1, 0, 0, 0)],
            ),
        ];
        for (spans, edges, path, rows) in cases {
            let plan = critical_path(&spans, &edges).unwrap();
            assert_eq!(plan.path, path, "{edges:?}");
            for (v, es, ls, slack) in rows {
                let r = plan.rows[v].unwrap();
                assert_eq!(
                    (r.earliest_start, r.latest_start, r.slack),
                    (es, ls, slack),
                    "node {v} of {edges:?}"
                );
            }
        }
        assert_eq!(critical_path(&[None], &[]).unwrap().finish, None);
    }

    #[test]
    fn five_thousand_tasks_are_scheduled_in_linear_time() {
        // A chain of 5,000 tasks with 5,000 dependencies (each also to a task 7 back).
        let n = 5_000;
        let spans: Vec<Option<Span>> = (0..n).map(|i| span(i as Day, 2)).collect();
        let mut edges: Vec<Edge> = (1..n).map(|i| fs(i - 1, i, 0)).collect();
        edges.push(ss(0, n - 1, 0));
        let started = std::time::Instant::now();
        let moved = push(&spans, &edges, &vec![true; n]).unwrap();
        let plan = critical_path(&spans, &edges).unwrap();
        assert_eq!(moved.len(), n - 1);
        assert!(plan.path.len() > 1);
        assert!(started.elapsed() < std::time::Duration::from_secs(2));
    }
}
