//! Projects and tasks (issue 15: PRJ-1, PRJ-3) as scenario tables: dependency scheduling
//! (finish-to-start with a lag, start-to-start, moving a task moves its dependents, cycles
//! refused, nothing half-written), the critical path, templates laid out from a start or
//! counted back from an event date, subtasks within their parents, observers, team scope and
//! "my tasks".

use std::collections::HashMap;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::common::{Client, TestServer, code};

async fn ok(c: &Client, method: Method, path: &str, body: Value) -> Value {
    let (status, v) = c.send(method.clone(), path, Some(body)).await;
    assert!(status.is_success(), "{method} {path}: {status} {v}");
    v
}

fn id(v: &Value) -> u64 {
    v["id"].as_u64().unwrap_or_else(|| panic!("no id in {v}"))
}

async fn project(c: &Client, body: Value) -> u64 {
    id(&ok(c, Method::POST, "/api/v1/projects", body).await)
}

async fn task(c: &Client, project: u64, body: Value) -> u64 {
    let path = format!("/api/v1/projects/{project}/tasks");
    id(&ok(c, Method::POST, &path, body).await)
}

/// Title → (start, due) of every task of a project.
async fn dates(c: &Client, project: u64) -> HashMap<String, (String, String)> {
    let list = c.get(&format!("/api/v1/projects/{project}/tasks")).await;
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            let d = |k: &str| t[k].as_str().unwrap_or("").to_string();
            (d("title"), (d("start"), d("due")))
        })
        .collect()
}

#[tokio::test]
async fn dependencies_move_their_dependents_and_cycles_are_refused() {
    let (_s, admin) = TestServer::with_admin().await;
    let p = project(
        &admin,
        json!({"name": "Spring catalogue", "start": "2026-03-02"}),
    )
    .await;
    let a = task(
        &admin,
        p,
        json!({"title": "A", "start": "2026-03-02", "due": "2026-03-04"}),
    )
    .await;
    let b = task(
        &admin,
        p,
        json!({"title": "B", "start": "2026-03-10", "due": "2026-03-11",
            "depends_on": [{"task_id": a, "kind": "finish_to_start", "lag_days": 2}]}),
    )
    .await;
    let c = task(
        &admin,
        p,
        json!({"title": "C", "start": "2026-03-03", "due": "2026-03-05",
            "depends_on": [{"task_id": a, "kind": "start_to_start", "lag_days": 1}]}),
    )
    .await;
    // A phase with a subtask that waits for A: the phase ends on 03-20.
    let phase = task(
        &admin,
        p,
        json!({"title": "P", "start": "2026-03-01", "due": "2026-03-20"}),
    )
    .await;
    let x = task(
        &admin,
        p,
        json!({"title": "X", "parent_id": phase, "start": "2026-03-05", "due": "2026-03-06",
            "depends_on": [{"task_id": a, "kind": "finish_to_start", "lag_days": 0}]}),
    )
    .await;
    let at = |t: u64| format!("/api/v1/project-tasks/{t}");
    // (what, task changed, body, status, [(task, start, due)] after)
    type Step = (
        &'static str,
        u64,
        Value,
        u16,
        Vec<(&'static str, &'static str, &'static str)>,
    );
    let steps: Vec<Step> = vec![
        (
            "FS lag 2 and SS lag 1: A later moves B and C forward, X too (it stays in P)",
            a,
            json!({"start": "2026-03-06", "due": "2026-03-08"}),
            200,
            vec![
                ("A", "2026-03-06", "2026-03-08"),
                ("B", "2026-03-11", "2026-03-12"),
                ("C", "2026-03-07", "2026-03-09"),
                ("X", "2026-03-09", "2026-03-10"),
                ("P", "2026-03-01", "2026-03-20"),
            ],
        ),
        (
            "A earlier: nothing moves back",
            a,
            json!({"start": "2026-03-02", "due": "2026-03-04"}),
            200,
            vec![
                ("A", "2026-03-02", "2026-03-04"),
                ("B", "2026-03-11", "2026-03-12"),
                ("C", "2026-03-07", "2026-03-09"),
            ],
        ),
        (
            "B placed before A allows (FS + 2 days): refused",
            b,
            json!({"start": "2026-03-05", "due": "2026-03-06"}),
            422,
            vec![("B", "2026-03-11", "2026-03-12")],
        ),
        (
            "A depends on B, which depends on A: a cycle",
            a,
            json!({"depends_on": [{"task_id": b, "kind": "finish_to_start", "lag_days": 0}]}),
            422,
            vec![("A", "2026-03-02", "2026-03-04")],
        ),
        (
            "A so late that X would leave P: refused, nothing moved",
            a,
            json!({"start": "2026-03-18", "due": "2026-03-20"}),
            422,
            vec![
                ("A", "2026-03-02", "2026-03-04"),
                ("B", "2026-03-11", "2026-03-12"),
                ("C", "2026-03-07", "2026-03-09"),
                ("X", "2026-03-09", "2026-03-10"),
            ],
        ),
        (
            "The phase moves: its subtask goes with it",
            phase,
            json!({"start": "2026-03-03", "due": "2026-03-22"}),
            200,
            vec![
                ("P", "2026-03-03", "2026-03-22"),
                ("X", "2026-03-11", "2026-03-12"),
            ],
        ),
        (
            "C depends on B now (no dates given): C itself moves after B",
            c,
            json!({"depends_on": [{"task_id": b, "kind": "finish_to_start", "lag_days": 0}]}),
            200,
            vec![("C", "2026-03-13", "2026-03-15")],
        ),
        (
            "X depends on its own phase: refused",
            x,
            json!({"depends_on": [{"task_id": phase, "kind": "finish_to_start", "lag_days": 0}]}),
            422,
            vec![("X", "2026-03-11", "2026-03-12")],
        ),
    ];
    for (what, t, body, status, after) in steps {
        let (got, v) = admin.send(Method::PATCH, &at(t), Some(body)).await;
        assert_eq!(got.as_u16(), status, "{what}: {v}");
        let now = dates(&admin, p).await;
        for (title, start, due) in after {
            assert_eq!(
                now[title],
                (start.to_string(), due.to_string()),
                "{what}: {title}"
            );
        }
        if status == 422 && what.contains("cycle") {
            let msg = v["error"]["message"].as_str().unwrap();
            assert!(msg.contains("“A”") && msg.contains("“B”"), "{msg}");
            assert_eq!(v["error"]["field"], "depends_on");
        }
    }
    // The cycle named in Chinese too.
    let zh = admin.clone().zh();
    let body = json!({"depends_on": [{"task_id": c, "kind": "finish_to_start", "lag_days": 0}]});
    let (status, v) = zh.send(Method::PATCH, &at(b), Some(body)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert!(
        v["error"]["message"].as_str().unwrap().contains("循环"),
        "{v}"
    );

    // Without `move_dependents`, nothing moves and the schedule shows what is not kept.
    ok(
        &admin,
        Method::PATCH,
        &format!("/api/v1/projects/{p}"),
        json!({"move_dependents": false}),
    )
    .await;
    ok(
        &admin,
        Method::PATCH,
        &at(a),
        json!({"start": "2026-03-12", "due": "2026-03-14"}),
    )
    .await;
    assert_eq!(dates(&admin, p).await["B"].0, "2026-03-11");
    let s = admin.get(&format!("/api/v1/projects/{p}/schedule")).await;
    let late: Vec<u64> = s["violations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["task_id"].as_u64().unwrap())
        .collect();
    assert!(late.contains(&b) && late.contains(&x), "{s}");
}

#[tokio::test]
async fn the_schedule_gives_slack_and_the_critical_path() {
    let (_s, admin) = TestServer::with_admin().await;
    let p = project(&admin, json!({"name": "Trade fair", "start": "2026-05-04"})).await;
    let fs = |t: u64, lag: i32| json!({"task_id": t, "kind": "finish_to_start", "lag_days": lag});
    let a = task(
        &admin,
        p,
        json!({"title": "Booth design", "start": "2026-05-04", "due": "2026-05-06"}),
    )
    .await;
    let b = task(&admin, p, json!({"title": "Build booth", "start": "2026-05-07", "due": "2026-05-08", "depends_on": [fs(a, 0)]})).await;
    let c = task(&admin, p, json!({"title": "Print flyers", "start": "2026-05-07", "due": "2026-05-07", "depends_on": [fs(a, 0)]})).await;
    let d = task(&admin, p, json!({"title": "Ship to fair", "start": "2026-05-09", "due": "2026-05-09", "depends_on": [fs(b, 0), fs(c, 0)]})).await;
    let undated = task(&admin, p, json!({"title": "Thank-you notes"})).await;
    let s = admin.get(&format!("/api/v1/projects/{p}/schedule")).await;
    assert_eq!(s["critical_path"], json!([a, b, d]), "{s}");
    assert_eq!(s["finish"], "2026-05-09");
    let row = |t: u64| {
        s["tasks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"] == t)
            .cloned()
            .unwrap()
    };
    // (task, slack, latest start, critical)
    let cases = [
        (a, json!(0), json!("2026-05-04"), true),
        (b, json!(0), json!("2026-05-07"), true),
        (c, json!(1), json!("2026-05-08"), false),
        (d, json!(0), json!("2026-05-09"), true),
        (undated, Value::Null, Value::Null, false),
    ];
    for (t, slack, latest, critical) in cases {
        let r = row(t);
        assert_eq!(
            (&r["slack_days"], &r["latest_start"], r["critical"] == true),
            (&slack, &latest, critical),
            "{r}"
        );
    }
    assert!(s["violations"].as_array().unwrap().is_empty());
}

#[tokio::test]
async fn templates_lay_out_projects_from_the_start_or_back_from_the_event() {
    let (_s, admin) = TestServer::with_admin().await;
    let templates = admin.get("/api/v1/project-templates").await;
    let by = |preset: &str| {
        templates["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["preset"] == preset)
            .unwrap_or_else(|| panic!("no preset {preset}: {templates}"))
            .clone()
    };
    let (store, prime, crisis) = (by("store_launch"), by("prime_day"), by("crisis"));
    assert_eq!(crisis["name_zh"], "危机处理");
    assert_eq!(prime["anchor"], "event");

    // (template, body, expected name, [(title, start, due)])
    let cases = [
        (
            &store,
            json!({"start": "2026-04-01", "lang": "zh-CN"}),
            "新店上线",
            vec![
                ("市场调研", "2026-04-01", "2026-04-10"),
                ("选品", "2026-04-11", "2026-04-20"),
                ("店铺上线", "2026-05-15", "2026-05-15"),
            ],
        ),
        (
            &prime,
            json!({"event_date": "2026-07-15", "lang": "en", "name": "Prime Day 2026"}),
            "Prime Day 2026",
            vec![
                ("Stock-up", "2026-05-16", "2026-06-29"),
                ("Sales forecast", "2026-05-16", "2026-05-20"),
                ("Event-day bids and prices", "2026-07-15", "2026-07-17"),
                ("After-sales and reviews", "2026-07-15", "2026-07-21"),
            ],
        ),
    ];
    let mut made = Vec::new();
    for (template, mut body, name, want) in cases {
        body["template_id"] = template["id"].clone();
        let v = ok(&admin, Method::POST, "/api/v1/projects/from-template", body).await;
        assert_eq!(v["name"], name);
        assert_eq!(v["task_count"], template["items"].as_array().unwrap().len());
        let now = dates(&admin, id(&v)).await;
        for (title, start, due) in want {
            assert_eq!(
                now[title],
                (start.to_string(), due.to_string()),
                "{name}: {title}"
            );
        }
        made.push(v);
    }
    let prime_project = &made[1];
    assert_eq!(prime_project["start"], "2026-05-16");
    assert_eq!(prime_project["event_date"], "2026-07-15");
    // Phases hold their tasks; dependencies came along.
    let list = admin
        .get(&format!("/api/v1/projects/{}/tasks", id(prime_project)))
        .await;
    let items = list["items"].as_array().unwrap();
    let bids = items
        .iter()
        .find(|t| t["title"] == "Event-day bids and prices")
        .unwrap();
    assert_eq!(bids["depends_on"].as_array().unwrap().len(), 2);
    assert!(bids["parent_id"].is_u64());

    // Counting back needs the event date.
    let (status, v) = admin
        .send(
            Method::POST,
            "/api/v1/projects/from-template",
            Some(json!({"template_id": prime["id"]})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(v["error"]["field"], "event_date");

    // Saved as a template and laid out again for next year: the same days before the event.
    let url = format!("/api/v1/projects/{}/save-as-template", id(prime_project));
    let saved = ok(
        &admin,
        Method::POST,
        &url,
        json!({"name_en": "Our Prime Day"}),
    )
    .await;
    assert_eq!(saved["anchor"], "event");
    assert_eq!(saved["name_en"], "Our Prime Day");
    let body = json!({"template_id": saved["id"], "event_date": "2027-07-14"});
    let again = ok(&admin, Method::POST, "/api/v1/projects/from-template", body).await;
    let now = dates(&admin, id(&again)).await;
    assert_eq!(
        now["Sales forecast"],
        ("2027-05-15".to_string(), "2027-05-19".to_string())
    );
    assert_eq!(now["Event-day bids and prices"].0, "2027-07-14");
    let s = admin
        .get(&format!("/api/v1/projects/{}/schedule", id(&again)))
        .await;
    assert!(s["violations"].as_array().unwrap().is_empty(), "{s}");

    // A template with a cycle is refused, naming its keys.
    let bad = json!({"name_zh": "坏模板", "name_en": "Bad", "anchor": "start", "move_dependents": true,
    "children_within_parent": false, "preset": null, "description_zh": null, "description_en": null,
    "source_project_id": null, "items": [
        {"key": "a", "parent": null, "title_zh": "甲", "title_en": "A", "offset_days": 0, "duration_days": 1,
         "estimate_hours": null, "priority": "normal", "tags": [], "depends_on": [{"key": "b", "kind": "finish_to_start", "lag_days": 0}]},
        {"key": "b", "parent": null, "title_zh": "乙", "title_en": "B", "offset_days": 1, "duration_days": 1,
         "estimate_hours": null, "priority": "normal", "tags": [], "depends_on": [{"key": "a", "kind": "finish_to_start", "lag_days": 0}]}
    ]});
    let (status, v) = admin
        .send(Method::POST, "/api/v1/project-templates", Some(bad))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    let msg = v["error"]["message"].as_str().unwrap();
    assert!(msg.contains("a → b") || msg.contains("b → a"), "{msg}");
}

#[tokio::test]
async fn a_subtask_stays_within_its_parent_when_the_project_says_so() {
    let (_s, admin) = TestServer::with_admin().await;
    // (children_within_parent, subtask dates, status)
    let cases = [
        (true, ("2026-03-09", "2026-03-12"), 422),
        (true, ("2026-02-27", "2026-03-02"), 422),
        (true, ("2026-03-02", "2026-03-10"), 201),
        (false, ("2026-03-09", "2026-03-12"), 201),
    ];
    for (within, (start, due), want) in cases {
        let p = project(
            &admin,
            json!({"name": "Rules", "start": "2026-03-01", "children_within_parent": within}),
        )
        .await;
        let phase = task(
            &admin,
            p,
            json!({"title": "Phase", "start": "2026-03-01", "due": "2026-03-10"}),
        )
        .await;
        let body = json!({"title": "Sub", "parent_id": phase, "start": start, "due": due});
        let (status, v) = admin
            .send(
                Method::POST,
                &format!("/api/v1/projects/{p}/tasks"),
                Some(body),
            )
            .await;
        assert_eq!(status.as_u16(), want, "{within} {start}..{due}: {v}");
        if want == 422 {
            let msg = v["error"]["message"].as_str().unwrap();
            assert!(msg.contains("“Sub”") && msg.contains("“Phase”"), "{msg}");
            assert_eq!(dates(&admin, p).await.len(), 1, "nothing half-written");
        }
    }
}

#[tokio::test]
async fn observers_read_but_do_not_change_and_other_teams_do_not_see() {
    let (s, admin) = TestServer::with_admin().await;
    let team = |name: &'static str| {
        let admin = admin.clone();
        async move {
            let (_, t) = admin
                .send(Method::POST, "/api/v1/teams", Some(json!({"name": name})))
                .await;
            t["id"].as_u64().unwrap()
        }
    };
    let (ta, tb) = (team("East").await, team("West").await);
    let (rep, rep_c) = s.user(&admin, "li.rep", "sales", &[ta]).await;
    let (_mate, mate_c) = s.user(&admin, "wang.mate", "sales", &[ta]).await;
    let (watcher, watcher_c) = s.user(&admin, "zhao.watch", "merchandiser", &[tb]).await;
    let (_stranger, stranger_c) = s.user(&admin, "qian.west", "sales", &[tb]).await;
    let (_boss, boss_c) = s.user(&admin, "boss.observer", "observer", &[]).await;
    let p = project(
        &rep_c,
        json!({"name": "Amazon DE launch", "members": [{"user_id": watcher, "observer": true}]}),
    )
    .await;
    let t = task(&rep_c, p, json!({"title": "Listings", "assignees": [rep]})).await;
    let (pp, tp) = (
        format!("/api/v1/projects/{p}"),
        format!("/api/v1/project-tasks/{t}"),
    );
    let tasks = format!("{pp}/tasks");
    let sched = format!("{pp}/schedule");
    let change = json!({"name": "Renamed"});
    let task_change = json!({"title": "Renamed"});
    // (who, method, path, body, status)
    let cases: Vec<(&str, &Client, Method, &str, Value, u16)> = vec![
        (
            "observer member reads",
            &watcher_c,
            Method::GET,
            &pp,
            Value::Null,
            200,
        ),
        (
            "observer member reads tasks",
            &watcher_c,
            Method::GET,
            &tasks,
            Value::Null,
            200,
        ),
        (
            "observer member reads schedule",
            &watcher_c,
            Method::GET,
            &sched,
            Value::Null,
            200,
        ),
        (
            "observer member changes project",
            &watcher_c,
            Method::PATCH,
            &pp,
            change.clone(),
            403,
        ),
        (
            "observer member changes task",
            &watcher_c,
            Method::PATCH,
            &tp,
            task_change.clone(),
            403,
        ),
        (
            "observer member adds task",
            &watcher_c,
            Method::POST,
            &tasks,
            json!({"title": "Mine"}),
            403,
        ),
        (
            "observer member deletes task",
            &watcher_c,
            Method::DELETE,
            &tp,
            Value::Null,
            403,
        ),
        (
            "observer role reads",
            &boss_c,
            Method::GET,
            &pp,
            Value::Null,
            200,
        ),
        (
            "observer role changes",
            &boss_c,
            Method::PATCH,
            &pp,
            change.clone(),
            403,
        ),
        (
            "rep of another team",
            &stranger_c,
            Method::GET,
            &pp,
            Value::Null,
            404,
        ),
        (
            "rep of another team, task",
            &stranger_c,
            Method::GET,
            &tp,
            Value::Null,
            404,
        ),
        (
            "rep of another team, tasks",
            &stranger_c,
            Method::GET,
            &tasks,
            Value::Null,
            404,
        ),
        (
            "teammate reads",
            &mate_c,
            Method::GET,
            &pp,
            Value::Null,
            200,
        ),
        (
            "teammate changes a task",
            &mate_c,
            Method::PATCH,
            &tp,
            task_change.clone(),
            200,
        ),
        (
            "rep deletes (no delete right)",
            &rep_c,
            Method::DELETE,
            &tp,
            Value::Null,
            403,
        ),
    ];
    for (what, c, method, path, body, want) in cases {
        let body = (!body.is_null()).then_some(body);
        let (status, v) = c.send(method, path, body).await;
        assert_eq!(status.as_u16(), want, "{what}: {v}");
    }
    // The observer's teammates do not see the project through them; lists agree.
    let listed = |v: &Value| v["items"].as_array().unwrap().iter().any(|x| x["id"] == p);
    assert!(listed(&watcher_c.get("/api/v1/projects").await));
    assert!(!listed(&stranger_c.get("/api/v1/projects").await));
    let seen = watcher_c.get(&pp).await;
    assert_eq!(
        (seen["my_role"].as_str(), seen["can_edit"].as_bool()),
        (Some("observer"), Some(false))
    );
    // An observer cannot be assigned.
    let (status, v) = rep_c
        .send(Method::PATCH, &tp, Some(json!({"assignees": [watcher]})))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(code(&v), "invalid_field");
}

#[tokio::test]
async fn my_tasks_are_open_first_by_due_date_and_kanban_moves_order_cards() {
    let (s, admin) = TestServer::with_admin().await;
    let (rep, rep_c) = s.user(&admin, "sun.rep", "sales", &[]).await;
    let p1 = project(
        &admin,
        json!({"name": "Alpha", "members": [{"user_id": rep, "observer": false}]}),
    )
    .await;
    let p2 = project(
        &admin,
        json!({"name": "Beta", "members": [{"user_id": rep, "observer": false}]}),
    )
    .await;
    let late = task(
        &admin,
        p1,
        json!({"title": "late", "assignees": [rep], "due": "2026-09-01"}),
    )
    .await;
    let soon = task(
        &admin,
        p2,
        json!({"title": "soon", "assignees": [rep], "due": "2026-08-01"}),
    )
    .await;
    let undated = task(&admin, p1, json!({"title": "whenever", "assignees": [rep]})).await;
    let done = task(
        &admin,
        p2,
        json!({"title": "finished", "assignees": [rep], "due": "2026-01-01", "status": "done"}),
    )
    .await;
    task(&admin, p1, json!({"title": "not mine"})).await;
    let ids = |v: &Value| -> Vec<u64> { v["items"].as_array().unwrap().iter().map(id).collect() };
    let mine = rep_c.get("/api/v1/my/tasks").await;
    assert_eq!(ids(&mine), vec![soon, late, undated], "{mine}");
    assert_eq!(mine["items"][0]["project_name"], "Beta");
    let all = rep_c.get("/api/v1/my/tasks?include_done=true").await;
    assert_eq!(ids(&all), vec![soon, late, undated, done]);

    // Kanban: "whenever" to the top of "doing", then "late" after it.
    let mv = |t: u64, body: Value| {
        let c = admin.clone();
        async move {
            ok(
                &c,
                Method::POST,
                &format!("/api/v1/project-tasks/{t}/move"),
                body,
            )
            .await
        }
    };
    mv(undated, json!({"status": "doing"})).await;
    mv(late, json!({"status": "doing", "after_id": undated})).await;
    let first = mv(soon, json!({"status": "todo"})).await;
    assert_eq!(first["status"], "todo");
    let doing = admin
        .get(&format!("/api/v1/projects/{p1}/tasks?status=doing"))
        .await;
    let mut cards: Vec<(i64, u64)> = doing["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| (t["rank"].as_i64().unwrap(), id(t)))
        .collect();
    cards.sort();
    assert_eq!(
        cards.iter().map(|c| c.1).collect::<Vec<_>>(),
        vec![undated, late]
    );
    let done_card = mv(done, json!({"status": "review"})).await;
    assert!(done_card["done_at"].is_null());
}
