//! A task's conversation (issue 15, PRJ-5) as scenario tables: comments with @mentions and the
//! notification each mentioned member gets (in their language), reactions toggled per user on
//! the task and its comments, difficulty ratings, the meeting link (http/https only), files
//! with versions, assigning notifies; an observer reads and reacts but changes nothing.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::common::{Client, TestServer, code};

/// (who, emoji, comment or the task, emoji → number of users after)
type ReactStep<'a> = (&'a Client, &'a str, Option<u64>, Vec<(&'a str, usize)>);
/// (who, level, ratings after as (name, level))
type RateStep<'a> = (&'a Client, Value, Vec<(&'a str, &'a str)>);

fn id(v: &Value) -> u64 {
    v["id"].as_u64().unwrap_or_else(|| panic!("no id in {v}"))
}

async fn notifications(c: &Client) -> Vec<Value> {
    c.get("/api/v1/notifications").await["items"]
        .as_array()
        .unwrap()
        .clone()
}

/// A project of `rep` with `worker` as a member and `watcher` as an observer, and one task.
struct Setup {
    s: TestServer,
    admin: Client,
    rep: (u64, Client),
    worker: (u64, Client),
    watcher: (u64, Client),
    outsider: (u64, Client),
    project: u64,
    task: u64,
}

async fn setup() -> Setup {
    let (s, admin) = TestServer::with_admin().await;
    let rep = s.user(&admin, "li.rep", "sales", &[]).await;
    let worker = s.user(&admin, "wang.work", "sales", &[]).await;
    let watcher = s.user(&admin, "zhao.watch", "merchandiser", &[]).await;
    let outsider = s.user(&admin, "qian.out", "sales", &[]).await;
    let (_, v) = rep
        .1
        .send(
            Method::POST,
            "/api/v1/projects",
            Some(
                json!({"name": "Prime Day 2027", "start": "2027-06-01", "members": [
                {"user_id": worker.0, "observer": false},
                {"user_id": watcher.0, "observer": true}]}),
            ),
        )
        .await;
    let project = id(&v);
    let (_, t) = rep
        .1
        .send(
            Method::POST,
            &format!("/api/v1/projects/{project}/tasks"),
            Some(json!({"title": "Ad budget", "start": "2027-06-02", "due": "2027-06-05"})),
        )
        .await;
    Setup {
        s,
        admin,
        rep,
        worker,
        watcher,
        outsider,
        project,
        task: id(&t),
    }
}

#[tokio::test]
async fn mentions_notify_each_member_in_their_language_and_strangers_are_refused() {
    let x = setup().await;
    let t = x.task;
    let path = format!("/api/v1/project-tasks/{t}/comments");
    let (rep_id, rep) = (&x.rep.0, &x.rep.1);
    let (worker_id, worker) = (x.worker.0, x.worker.1.clone());
    let watcher_id = x.watcher.0;
    let body = format!(
        "@[wang.work](user:{worker_id}) @[zhao.watch](user:{watcher_id}) please check, and me @[li.rep](user:{rep_id})"
    );
    let (status, c) = rep
        .send(Method::POST, &path, Some(json!({ "body": body })))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{c}");
    assert_eq!(c["author"]["id"], *rep_id);
    let mentioned: Vec<u64> = c["mentions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_u64().unwrap())
        .collect();
    assert_eq!(mentioned, vec![worker_id, watcher_id, *rep_id]);

    // The worker reads it in Chinese, the observer in English; the writer is not told.
    let zh = notifications(&worker.clone().zh()).await;
    assert_eq!(zh.len(), 1, "{zh:?}");
    assert_eq!(zh[0]["kind"], "task_mentioned");
    assert_eq!(zh[0]["record"], json!({"kind": "project_task", "id": t}));
    assert_eq!(zh[0]["text"], "li.rep 在任务 Ad budget 的讨论中提到了您");
    let en = notifications(&x.watcher.1).await;
    assert_eq!(en.len(), 1, "{en:?}");
    assert_eq!(
        en[0]["text"],
        "li.rep mentioned you in the conversation on Ad budget"
    );
    assert!(notifications(rep).await.is_empty());

    // Someone off the project cannot be mentioned: 422 on `body`, nothing written, nobody told.
    let out = x.outsider.0;
    // (body, field or none when accepted)
    let cases: Vec<(String, Option<&str>)> = vec![
        (format!("hi @[qian.out](user:{out})"), Some("body")),
        ("@[ghost](user:999999)".into(), Some("body")),
        ("   ".into(), Some("body")),
        ("x".repeat(10_001), Some("body")),
        ("plain @[not a mention](user:) text".into(), None),
    ];
    for (body, field) in cases {
        let (status, v) = rep
            .send(Method::POST, &path, Some(json!({ "body": body })))
            .await;
        match field {
            Some(f) => {
                assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {v}");
                assert_eq!(v["error"]["field"], f, "{v}");
            }
            None => assert_eq!(status, StatusCode::CREATED, "{body}: {v}"),
        }
    }
    assert!(notifications(&x.outsider.1).await.is_empty());
    let list = rep.get(&path).await;
    assert_eq!(list.as_array().unwrap().len(), 2, "{list}");
    assert_eq!(list[0]["id"], c["id"], "oldest first");

    // The comment is audited.
    let audit = x.admin.get("/api/v1/audit?kind=task_comment").await;
    assert!(
        audit.to_string().contains(&c["id"].to_string()),
        "comment audited: {audit}"
    );
    drop(x.s);
}

#[tokio::test]
async fn assigning_a_task_notifies_the_new_assignees_only() {
    let x = setup().await;
    let (rep_id, rep) = (x.rep.0, &x.rep.1);
    let worker_id = x.worker.0;
    let tp = format!("/api/v1/project-tasks/{}", x.task);
    // (assignees after, who is told now)
    let steps: Vec<(Vec<u64>, Vec<u64>)> = vec![
        (vec![rep_id], vec![]),                     // oneself: nobody
        (vec![rep_id, worker_id], vec![worker_id]), // the new one
        (vec![worker_id], vec![]),                  // still assigned: not again
        (vec![], vec![]),
        (vec![worker_id], vec![worker_id]), // assigned afresh
    ];
    let mut told = 0;
    for (assignees, new) in steps {
        let (status, v) = rep
            .send(Method::PATCH, &tp, Some(json!({ "assignees": assignees })))
            .await;
        assert_eq!(status, StatusCode::OK, "{v}");
        told += new.len();
        let n = notifications(&x.worker.1).await;
        assert_eq!(n.len(), told, "{assignees:?}: {n:?}");
    }
    let n = notifications(&x.worker.1.clone().zh()).await;
    assert_eq!(n[0]["kind"], "task_assigned");
    assert_eq!(n[0]["text"], "li.rep 将任务 Ad budget 指派给了您");
    assert!(notifications(rep).await.is_empty());

    // A new task created with an assignee tells them too.
    let (_, v) = rep
        .send(
            Method::POST,
            &format!("/api/v1/projects/{}/tasks", x.project),
            Some(json!({"title": "Coupons", "assignees": [worker_id]})),
        )
        .await;
    let n = notifications(&x.worker.1).await;
    assert_eq!(n.len(), told + 1);
    assert_eq!(n[0]["record"]["id"], id(&v));
    assert_eq!(n[0]["text"], "li.rep assigned you the task Coupons");
}

#[tokio::test]
async fn reactions_toggle_ratings_are_per_user_and_meeting_links_are_checked() {
    let x = setup().await;
    let t = x.task;
    let rp = format!("/api/v1/project-tasks/{t}/reactions");
    let (rep, worker, watcher) = (&x.rep.1, &x.worker.1, &x.watcher.1);
    let (_, c) = rep
        .send(
            Method::POST,
            &format!("/api/v1/project-tasks/{t}/comments"),
            Some(json!({"body": "Budget is 5k"})),
        )
        .await;
    let cid = id(&c);
    // (who, emoji, comment?, emoji → number of users after)
    let steps: Vec<ReactStep> = vec![
        (rep, "👍", None, vec![("👍", 1)]),
        (watcher, "👍", None, vec![("👍", 2)]), // an observer reacts
        (worker, "🎉", None, vec![("👍", 2), ("🎉", 1)]),
        (rep, "👍", None, vec![("👍", 1), ("🎉", 1)]), // toggled off
        (watcher, "🚀", Some(cid), vec![("🚀", 1)]),
        (worker, "🚀", Some(cid), vec![("🚀", 2)]),
        (watcher, "🚀", Some(cid), vec![("🚀", 1)]),
    ];
    for (who, emoji, comment, want) in steps {
        let mut body = json!({ "emoji": emoji });
        if let Some(c) = comment {
            body["comment_id"] = json!(c);
        }
        let (status, v) = who.send(Method::POST, &rp, Some(body)).await;
        assert_eq!(status, StatusCode::OK, "{v}");
        let got: Vec<(String, usize)> = v
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                (
                    r["emoji"].as_str().unwrap().to_string(),
                    r["users"].as_array().unwrap().len(),
                )
            })
            .collect();
        let want: Vec<(String, usize)> = want.iter().map(|(e, n)| (e.to_string(), *n)).collect();
        assert_eq!(got, want, "{emoji} {comment:?}");
    }
    let task = rep.get(&format!("/api/v1/project-tasks/{t}")).await;
    assert_eq!(task["reactions"].as_array().unwrap().len(), 2, "{task}");
    let comments = rep
        .get(&format!("/api/v1/project-tasks/{t}/comments"))
        .await;
    assert_eq!(comments[0]["reactions"][0]["users"][0]["name"], "wang.work");

    // Bad reactions: an emoji off the palette, a comment of another task.
    let (_, other) = rep
        .send(
            Method::POST,
            &format!("/api/v1/projects/{}/tasks", x.project),
            Some(json!({"title": "Other"})),
        )
        .await;
    let other_rp = format!("/api/v1/project-tasks/{}/reactions", id(&other));
    let cases: Vec<(&str, Value, u16, Option<&str>)> = vec![
        (rp.as_str(), json!({"emoji": "🤡"}), 422, Some("emoji")),
        (rp.as_str(), json!({"emoji": "ok"}), 422, Some("emoji")),
        (rp.as_str(), json!({}), 422, Some("emoji")),
        (
            other_rp.as_str(),
            json!({"emoji": "👍", "comment_id": cid}),
            404,
            None,
        ),
    ];
    for (path, body, want, field) in cases {
        let (status, v) = rep.send(Method::POST, path, Some(body.clone())).await;
        assert_eq!(status.as_u16(), want, "{body}: {v}");
        if let Some(f) = field {
            assert_eq!(v["error"]["field"], f, "{v}");
        }
    }

    // Difficulty: one rating per user, taken back with null.
    let dp = format!("/api/v1/project-tasks/{t}/difficulty");
    // (who, level, ratings after as (name, level))
    let steps: Vec<RateStep> = vec![
        (rep, json!("high"), vec![("li.rep", "high")]),
        (
            worker,
            json!("low"),
            vec![("li.rep", "high"), ("wang.work", "low")],
        ),
        (
            rep,
            json!("medium"),
            vec![("wang.work", "low"), ("li.rep", "medium")],
        ),
        (worker, Value::Null, vec![("li.rep", "medium")]),
    ];
    for (who, level, want) in steps {
        let (status, v) = who
            .send(Method::PUT, &dp, Some(json!({ "level": level })))
            .await;
        assert_eq!(status, StatusCode::OK, "{v}");
        let got: Vec<(String, String)> = v["difficulty"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                (
                    r["user"]["name"].as_str().unwrap().to_string(),
                    r["level"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        let want: Vec<(String, String)> = want
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect();
        assert_eq!(got, want);
    }
    let (status, v) = rep
        .send(Method::PUT, &dp, Some(json!({"level": "extreme"})))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{v}");

    // The meeting link: http(s) only; null or empty clears it.
    let tp = format!("/api/v1/project-tasks/{t}");
    // (value, status, stored)
    let cases: Vec<(Value, u16, Value)> = vec![
        (
            json!("https://meet.example.com/prime-day"),
            200,
            json!("https://meet.example.com/prime-day"),
        ),
        (
            json!("javascript:alert(1)"),
            422,
            json!("https://meet.example.com/prime-day"),
        ),
        (
            json!("ftp://example.com/x"),
            422,
            json!("https://meet.example.com/prime-day"),
        ),
        (
            json!("meet.example.com"),
            422,
            json!("https://meet.example.com/prime-day"),
        ),
        (
            json!("http://zoom.example.com/j/1"),
            200,
            json!("http://zoom.example.com/j/1"),
        ),
        (json!(""), 200, Value::Null),
        (
            json!("https://a.example.com/x"),
            200,
            json!("https://a.example.com/x"),
        ),
        (Value::Null, 200, Value::Null),
    ];
    for (value, want, stored) in cases {
        let (status, v) = rep
            .send(Method::PATCH, &tp, Some(json!({ "meeting_url": value })))
            .await;
        assert_eq!(status.as_u16(), want, "{value}: {v}");
        if want == 422 {
            assert_eq!(v["error"]["field"], "meeting_url");
            let zh = rep
                .clone()
                .zh()
                .send(Method::PATCH, &tp, Some(json!({ "meeting_url": value })))
                .await
                .1;
            assert!(
                zh["error"]["message"]
                    .as_str()
                    .unwrap()
                    .contains("会议链接"),
                "{zh}"
            );
        }
        assert_eq!(rep.get(&tp).await["meeting_url"], stored, "{value}");
    }
}

#[tokio::test]
async fn files_on_a_task_have_versions_and_follow_the_project() {
    let x = setup().await;
    let fp = format!("/api/v1/project-tasks/{}/attachments", x.task);
    let (rep, worker, watcher, outsider) = (&x.rep.1, &x.worker.1, &x.watcher.1, &x.outsider.1);
    let (status, v1) = rep.upload(&fp, "brief.txt", b"first draft").await;
    assert_eq!(status, StatusCode::CREATED, "{v1}");
    let (status, v2) = worker.upload(&fp, "Brief.txt", b"second draft").await;
    assert_eq!(status, StatusCode::CREATED, "{v2}");
    assert_eq!(v1["version"], 1);
    assert_eq!(v2["version"], 2);
    // (who, may list, upload status)
    let cases: Vec<(&Client, u16, u16)> = vec![
        (watcher, 200, 403),  // the observer reads but adds nothing
        (outsider, 404, 404), // off the project: not found
    ];
    for (who, list, upload) in cases {
        let (status, _) = who.send(Method::GET, &fp, None).await;
        assert_eq!(status.as_u16(), list);
        let (status, v) = who.upload(&fp, "brief.txt", b"third").await;
        assert_eq!(status.as_u16(), upload, "{v}");
    }
    let files = watcher.get(&fp).await;
    let versions: Vec<u64> = files
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["version"].as_u64().unwrap())
        .collect();
    assert_eq!(versions.len(), 2, "{files}");
    let content = format!("/api/v1/attachments/{}/content", id(&v1));
    let (status, _) = watcher.send(Method::GET, &content, None).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn an_observer_reads_and_reacts_but_changes_nothing() {
    let x = setup().await;
    let t = x.task;
    let (watcher, outsider) = (&x.watcher.1, &x.outsider.1);
    let tp = format!("/api/v1/project-tasks/{t}");
    let (_, c) = x
        .rep
        .1
        .send(
            Method::POST,
            &format!("{tp}/comments"),
            Some(json!({"body": "hello"})),
        )
        .await;
    let cid = id(&c);
    // (who, method, path, body, status)
    let cases: Vec<(&str, &Client, Method, String, Value, u16)> = vec![
        (
            "observer reads comments",
            watcher,
            Method::GET,
            format!("{tp}/comments"),
            Value::Null,
            200,
        ),
        (
            "observer reacts",
            watcher,
            Method::POST,
            format!("{tp}/reactions"),
            json!({"emoji": "👀"}),
            200,
        ),
        (
            "observer reacts on a comment",
            watcher,
            Method::POST,
            format!("{tp}/reactions"),
            json!({"emoji": "👀", "comment_id": cid}),
            200,
        ),
        (
            "observer comments",
            watcher,
            Method::POST,
            format!("{tp}/comments"),
            json!({"body": "me too"}),
            403,
        ),
        (
            "observer rates",
            watcher,
            Method::PUT,
            format!("{tp}/difficulty"),
            json!({"level": "low"}),
            403,
        ),
        (
            "observer sets the meeting link",
            watcher,
            Method::PATCH,
            tp.clone(),
            json!({"meeting_url": "https://x.example.com"}),
            403,
        ),
        (
            "outsider reads comments",
            outsider,
            Method::GET,
            format!("{tp}/comments"),
            Value::Null,
            404,
        ),
        (
            "outsider reacts",
            outsider,
            Method::POST,
            format!("{tp}/reactions"),
            json!({"emoji": "👀"}),
            404,
        ),
        (
            "outsider comments",
            outsider,
            Method::POST,
            format!("{tp}/comments"),
            json!({"body": "hi"}),
            404,
        ),
        (
            "outsider rates",
            outsider,
            Method::PUT,
            format!("{tp}/difficulty"),
            json!({"level": "low"}),
            404,
        ),
    ];
    for (what, who, method, path, body, want) in cases {
        let body = (!body.is_null()).then_some(body);
        let (status, v) = who.send(method, &path, body).await;
        assert_eq!(status.as_u16(), want, "{what}: {v}");
        if want == 403 {
            assert_eq!(code(&v), "forbidden", "{what}: {v}");
        }
    }
    // Nothing the observer was refused was written.
    let task = x.rep.1.get(&tp).await;
    assert_eq!(task["meeting_url"], Value::Null);
    assert_eq!(task["difficulty"], json!([]));
    let comments = x.rep.1.get(&format!("{tp}/comments")).await;
    assert_eq!(comments.as_array().unwrap().len(), 1);
}
