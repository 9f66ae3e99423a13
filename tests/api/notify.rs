//! The in-app inbox: transfer requests and assignments tell the people concerned, in the
//! viewer's language, naming only what they may read; nobody reaches another's notifications;
//! the unread count goes live over server-sent events and the stream ends with the session.

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::common::{Client, TestServer};

/// The `transfer_ref` the caller's duplicate check gives for the first candidate of `name`.
async fn reference(c: &Client, name: &str) -> String {
    let url = reqwest::Url::parse_with_params(
        &format!("{}/api/v1/duplicates/check", c.base),
        &[("name", name), ("country", "DE")],
    )
    .unwrap();
    let r: Value = c.http.get(url).send().await.unwrap().json().await.unwrap();
    r["candidates"][0]["transfer_ref"]
        .as_str()
        .unwrap_or_else(|| panic!("no transfer_ref for {name}: {r}"))
        .to_string()
}

/// A GET without Accept-Language: the caller's own language speaks.
async fn get_plain(c: &Client, path: &str) -> Value {
    let r = c
        .http
        .get(format!("{}{path}", c.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK, "GET {path}");
    r.json().await.unwrap()
}

async fn unread(c: &Client) -> u64 {
    c.get("/api/v1/notifications/unread-count").await["unread"]
        .as_u64()
        .unwrap()
}

/// A's customer Brandt, and B's pending request for it (by B's duplicate check).
async fn brandt_asked_for(a: &Client, b: &Client) -> (u64, u64) {
    let (status, c) = a
        .send(
            Method::POST,
            "/api/v1/customers",
            Some(json!({"name": "Brandt Werkzeuge GmbH", "country": "DE", "email": "info@brandt-werkzeuge.de"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{c}");
    let r = reference(b, "Brandt Werkzeuge").await;
    let (status, req) = b
        .send(
            Method::POST,
            "/api/v1/transfer-requests",
            Some(json!({"transfer_ref": r, "label": "Brandt tools", "note": "Canton Fair"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{req}");
    (c["id"].as_u64().unwrap(), req["id"].as_u64().unwrap())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_transfer_request_tells_the_owner_in_their_language_and_nobody_else_reaches_it() {
    let (s, admin) = TestServer::with_admin().await;
    let (_, rep_a) = s.user(&admin, "li.na", "sales", &[]).await;
    let (_, rep_b) = s.user(&admin, "wang.lei", "sales", &[]).await;
    let (_, rep_c) = s.user(&admin, "zhao.min", "sales", &[]).await;
    let (status, body) = rep_a
        .send(
            Method::PATCH,
            "/api/v1/me",
            Some(json!({"language": "zh-CN"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(unread(&rep_a).await, 0);

    let (cid, rid) = brandt_asked_for(&rep_a, &rep_b).await;

    // The owner is told, in their own language, who asks for which customer.
    assert_eq!(unread(&rep_a).await, 1);
    let list = get_plain(&rep_a, "/api/v1/notifications").await;
    assert_eq!(list["total"], 1, "{list}");
    let n = &list["items"][0];
    assert_eq!(n["kind"], "transfer_requested");
    assert_eq!(n["read"], false);
    assert_eq!(n["record"], json!({"kind": "transfer_request", "id": rid}));
    assert_eq!(
        n["text"], "wang.lei 申请接手您的客户 Brandt Werkzeuge GmbH",
        "{n}"
    );
    // Stored as a key: read in English, it is English.
    let en = rep_a.get("/api/v1/notifications").await;
    assert_eq!(
        en["items"][0]["text"],
        "wang.lei asks to take over your customer Brandt Werkzeuge GmbH"
    );
    let nid = n["id"].as_u64().unwrap();

    // The admin (assign scope over everyone) may decide, so is told too; the requester and an
    // unrelated rep are not.
    let told = admin.get("/api/v1/notifications").await;
    assert_eq!(told["total"], 1, "{told}");
    assert_eq!(
        told["items"][0]["text"],
        "wang.lei asks to take over li.na's customer Brandt Werkzeuge GmbH"
    );
    for c in [&rep_b, &rep_c] {
        assert_eq!(unread(c).await, 0);
        assert_eq!(c.get("/api/v1/notifications").await["total"], 0);
    }

    // Another user can neither read nor mark it: not found, and nothing changes.
    for c in [&rep_b, &rep_c, &admin] {
        let (status, body) = c
            .send(
                Method::POST,
                &format!("/api/v1/notifications/{nid}/read"),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
        let text = body.to_string().to_lowercase();
        assert!(!text.contains("brandt"), "{text}");
    }
    for missing in ["999999", "abc"] {
        let (status, _) = rep_a
            .send(
                Method::POST,
                &format!("/api/v1/notifications/{missing}/read"),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
    assert_eq!(unread(&rep_a).await, 1);
    let (status, _) = s
        .client()
        .send(Method::GET, "/api/v1/notifications", None)
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    // The owner marks it read.
    let (status, v) = rep_a
        .send(
            Method::POST,
            &format!("/api/v1/notifications/{nid}/read"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(v["read"], true);
    assert_eq!(unread(&rep_a).await, 0);
    let only_unread = rep_a.get("/api/v1/notifications?unread=true").await;
    assert_eq!(only_unread["total"], 0);
    assert_eq!(rep_a.get("/api/v1/notifications").await["total"], 1);

    // Declined: the requester is told, with the owner's reason, but never the customer's name
    // (their own label instead).
    let (status, body) = rep_a
        .send(
            Method::POST,
            &format!("/api/v1/transfer-requests/{rid}/decline"),
            Some(json!({"note": "我们正在谈新订单"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let b_list = rep_b.get("/api/v1/notifications").await;
    assert_eq!(b_list["total"], 1, "{b_list}");
    let text = b_list["items"][0]["text"].as_str().unwrap();
    assert_eq!(
        text,
        "li.na declined your request for Brandt tools: 我们正在谈新订单"
    );
    assert!(!b_list.to_string().to_lowercase().contains("werkzeuge"));
    assert_eq!(
        b_list["items"][0]["record"],
        json!({"kind": "transfer_request", "id": rid})
    );

    // Accepted (asked again): now B may read the customer, and the notification names it.
    let r = reference(&rep_b, "Brandt Werkzeuge").await;
    let (status, req) = rep_b
        .send(
            Method::POST,
            "/api/v1/transfer-requests",
            Some(json!({"transfer_ref": r})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{req}");
    let rid2 = req["id"].as_u64().unwrap();
    let (status, body) = admin
        .send(
            Method::POST,
            &format!("/api/v1/transfer-requests/{rid2}/accept"),
            Some(json!({})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let b_list = rep_b.get("/api/v1/notifications?unread=true").await;
    assert_eq!(b_list["total"], 2, "{b_list}");
    let n = &b_list["items"][0];
    assert_eq!(n["kind"], "transfer_accepted");
    assert_eq!(
        n["text"],
        "周海燕 accepted your transfer request: Brandt Werkzeuge GmbH is now yours"
    );
    assert_eq!(n["record"], json!({"kind": "customer", "id": cid}));
    // The old owner's notification of the first request no longer names what they lost.
    let a_list = rep_a.get("/api/v1/notifications").await;
    assert!(
        !a_list.to_string().to_lowercase().contains("werkzeuge"),
        "{a_list}"
    );

    // Mark all read zeroes the count.
    assert_eq!(unread(&rep_b).await, 2);
    let (status, v) = rep_b
        .send(Method::POST, "/api/v1/notifications/read-all", None)
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(v["unread"], 0);
    assert_eq!(unread(&rep_b).await, 0);
    assert_eq!(rep_b.get("/api/v1/notifications").await["total"], 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn assignments_tell_the_new_owner_and_notifications_survive_a_restart() {
    let (mut s, admin) = TestServer::with_admin().await;
    let (a_id, rep_a) = s.user(&admin, "li.na", "sales", &[]).await;
    let (status, c) = admin
        .send(
            Method::POST,
            "/api/v1/customers",
            Some(json!({"name": "Hansen Trading ApS", "country": "DK"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{c}");
    let cid = c["id"].as_u64().unwrap();
    let (status, body) = admin
        .send(
            Method::POST,
            &format!("/api/v1/customers/{cid}/transfer"),
            Some(json!({"to_user": a_id})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, lead) = admin
        .send(
            Method::POST,
            "/api/v1/leads",
            Some(json!({"company": "Nordic Home AB", "country": "SE"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{lead}");
    let lid = lead["id"].as_u64().unwrap();
    let (status, body) = admin
        .send(
            Method::POST,
            &format!("/api/v1/leads/{lid}/assign"),
            Some(json!({"user_id": a_id})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");

    let list = rep_a.clone().zh().get("/api/v1/notifications").await;
    assert_eq!(list["total"], 2, "{list}");
    assert_eq!(
        list["items"][0]["text"],
        "周海燕 将线索 Nordic Home AB 分配给了您"
    );
    assert_eq!(
        list["items"][0]["record"],
        json!({"kind": "lead", "id": lid})
    );
    assert_eq!(
        list["items"][1]["text"],
        "周海燕 将客户 Hansen Trading ApS 转给了您"
    );
    assert_eq!(
        list["items"][1]["record"],
        json!({"kind": "customer", "id": cid})
    );
    // The one who gave it is not told of their own act.
    assert_eq!(admin.get("/api/v1/notifications").await["total"], 0);

    // A handover tells the one who receives, once, how much came.
    let (c_id, rep_c) = s.user(&admin, "zhao.min", "sales", &[]).await;
    let (status, body) = admin
        .send(
            Method::POST,
            "/api/v1/handover",
            Some(json!({"from_user": a_id, "to_user": c_id})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let got = rep_c.get("/api/v1/notifications").await;
    assert_eq!(got["total"], 1, "{got}");
    assert_eq!(got["items"][0]["kind"], "handover_received");
    let text = got["items"][0]["text"].as_str().unwrap();
    assert!(
        text.starts_with("周海燕 handed ") && text.ends_with(" of li.na's records over to you"),
        "{text}"
    );

    s.restart().await;
    let rep_a = s.client();
    rep_a.login("li.na", "user-pass-1").await;
    assert_eq!(unread(&rep_a).await, 2);
    let again = rep_a.clone().zh().get("/api/v1/notifications").await;
    assert_eq!(again["total"], 2);
    // What A no longer holds (handed over to C) is no longer named to A, nor linked.
    assert_eq!(
        again["items"][0]["text"],
        format!("周海燕 将线索 #{lid} 分配给了您")
    );
    assert_eq!(
        again["items"][1]["text"],
        format!("周海燕 将客户 #{cid} 转给了您")
    );
    for n in again["items"].as_array().unwrap() {
        assert_eq!(n["record"], Value::Null, "{n}");
    }
}

/// Reads server-sent events until one named `unread` arrives; its count, or None when the
/// stream ends.
async fn next_unread(resp: &mut reqwest::Response, buf: &mut String) -> Option<u64> {
    loop {
        if let Some(end) = buf.find("\n\n") {
            let event: String = buf.drain(..end + 2).collect();
            if event.lines().any(|l| l == "event: unread") {
                let data = event.lines().find_map(|l| l.strip_prefix("data: "))?;
                let v: Value = serde_json::from_str(data).ok()?;
                return v["unread"].as_u64();
            }
            continue;
        }
        let chunk = tokio::time::timeout(Duration::from_secs(10), resp.chunk())
            .await
            .expect("an event within 10 s");
        match chunk {
            Ok(Some(bytes)) => buf.push_str(&String::from_utf8_lossy(&bytes)),
            _ => return None,
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_stream_pushes_the_unread_count_and_ends_at_logout_and_at_shutdown() {
    let (mut s, admin) = TestServer::with_admin().await;
    let (_, rep_a) = s.user(&admin, "li.na", "sales", &[]).await;
    let (_, rep_b) = s.user(&admin, "wang.lei", "sales", &[]).await;

    let (status, _) = s
        .client()
        .send(Method::GET, "/api/v1/notifications/stream", None)
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    let mut resp = rep_a
        .http
        .get(format!("{}/api/v1/notifications/stream", rep_a.base))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(
        resp.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/event-stream")
    );
    let mut buf = String::new();
    assert_eq!(next_unread(&mut resp, &mut buf).await, Some(0));

    brandt_asked_for(&rep_a, &rep_b).await;
    assert_eq!(next_unread(&mut resp, &mut buf).await, Some(1));
    let (status, _) = rep_a
        .send(Method::POST, "/api/v1/notifications/read-all", None)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(next_unread(&mut resp, &mut buf).await, Some(0));

    // Logging out ends the stream (the count is not pushed to a dead session).
    let (status, _) = rep_a.send(Method::POST, "/api/v1/auth/logout", None).await;
    assert!(status.is_success(), "{status}");
    assert_eq!(next_unread(&mut resp, &mut buf).await, None);

    // An open stream does not hold the server up when it stops: it ends, and the stop finishes.
    let mut resp = rep_b
        .http
        .get(format!("{}/api/v1/notifications/stream", rep_b.base))
        .send()
        .await
        .unwrap();
    let mut buf = String::new();
    assert_eq!(next_unread(&mut resp, &mut buf).await, Some(0));
    tokio::time::timeout(Duration::from_secs(20), s.restart())
        .await
        .expect("the server stops with a stream open");
    assert_eq!(next_unread(&mut resp, &mut buf).await, None);
}
