//! Transfer requests (转移申请): a rep whose duplicate check finds another rep's firm asks for it;
//! the owner or a manager accepts or declines; nothing about the customer reaches the requester
//! before it is theirs.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::common::{Client, TestServer, code};

async fn check_name(c: &Client, name: &str) -> Value {
    let url = reqwest::Url::parse_with_params(
        &format!("{}/api/v1/duplicates/check", c.base),
        &[("name", name), ("country", "DE")],
    )
    .unwrap();
    let r = c
        .http
        .get(url)
        .header("accept-language", c.lang)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    r.json().await.unwrap()
}

/// The `transfer_ref` the caller's duplicate check gives for the first candidate of `name`.
async fn reference(c: &Client, name: &str) -> String {
    let r = check_name(c, name).await;
    r["candidates"][0]["transfer_ref"]
        .as_str()
        .unwrap_or_else(|| panic!("no transfer_ref for {name}: {r}"))
        .to_string()
}

async fn ask(c: &Client, transfer_ref: &str, note: &str) -> (StatusCode, Value) {
    c.send(
        Method::POST,
        "/api/v1/transfer-requests",
        Some(json!({"transfer_ref": transfer_ref, "label": "Brandt tools", "note": note})),
    )
    .await
}

async fn act(c: &Client, id: u64, what: &str, body: Value) -> (StatusCode, Value) {
    c.send(
        Method::POST,
        &format!("/api/v1/transfer-requests/{id}/{what}"),
        Some(body),
    )
    .await
}

fn ids(list: &Value) -> Vec<u64> {
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_u64().unwrap())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_rep_asks_the_owner_accepts_and_the_customer_moves() {
    let (s, admin) = TestServer::with_admin().await;
    let (a_id, rep_a) = s.user(&admin, "li.na", "sales", &[]).await;
    let (b_id, rep_b) = s.user(&admin, "wang.lei", "sales", &[]).await;
    let (_, rep_c) = s.user(&admin, "zhao.min", "sales", &[]).await;
    let (_, boss) = s.user(&admin, "boss", "manager", &[]).await;

    let (status, brandt) = rep_a
        .send(
            Method::POST,
            "/api/v1/customers",
            Some(json!({"name": "Brandt Werkzeuge GmbH", "country": "DE", "email": "info@brandt-werkzeuge.de",
                        "contacts": [{"name": "Klaus Brandt", "emails": ["klaus@brandt-werkzeuge.de"]}]})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{brandt}");
    let cid = brandt["id"].as_u64().unwrap();

    // B's duplicate check: someone else's firm, to be asked for by its reference.
    let r = check_name(&rep_b, "Brandt Werkzeuge").await;
    let c = &r["candidates"][0];
    assert_eq!(c["next"], "request_transfer", "{r}");
    // The reference is opaque and B's own: "<id>.<mac>"; the bare id, a made-up mac or another
    // rep's reference name nothing (404), so nobody learns of a customer by trying ids.
    let b_ref = c["transfer_ref"].as_str().unwrap().to_string();
    let (id_part, mac) = b_ref.split_once('.').unwrap();
    assert_eq!(id_part, cid.to_string(), "{r}");
    assert!(
        mac.len() == 16 && mac.bytes().all(|b| b.is_ascii_hexdigit()),
        "{r}"
    );
    let c_ref = reference(&rep_c, "Brandt Werkzeuge").await;
    assert_ne!(c_ref, b_ref, "references are bound to the user");
    let other = format!("{}.{}", cid + 1, mac);
    for wrong in [format!("{cid}.0000000000000000"), c_ref.clone(), other] {
        let (status, body) = ask(&rep_b, &wrong, "").await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{wrong}: {body}");
        assert_eq!(body["error"]["field"], "transfer_ref", "{body}");
    }
    let (status, body) = ask(&rep_b, &cid.to_string(), "").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["field"], "transfer_ref", "{body}");
    let (status, body) = rep_b
        .send(
            Method::POST,
            "/api/v1/transfer-requests",
            Some(json!({"transfer_ref": cid})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");

    // B asks.
    let (status, req) = ask(&rep_b, &b_ref, "I met them at the Canton Fair").await;
    assert_eq!(status, StatusCode::CREATED, "{req}");
    let rid = req["id"].as_u64().unwrap();
    assert_eq!(req["status"], "pending");
    assert_eq!(req["owner"]["name"], "li.na");
    assert_eq!(req["may_withdraw"], true);
    assert_eq!(req["may_decide"], false);
    // Nothing of the customer reaches B: not its name, not its e-mail, not its contacts.
    let out = rep_b
        .get("/api/v1/transfer-requests?direction=outgoing")
        .await;
    assert_eq!(ids(&out), vec![rid]);
    for text in [req.to_string(), out.to_string()] {
        let lower = text.to_lowercase();
        assert!(!lower.contains("werkzeuge"), "{text}");
        assert!(!lower.contains("klaus"), "{text}");
    }
    assert_eq!(out["items"][0]["customer_name"], Value::Null);
    let audit = rep_b
        .get("/api/v1/audit?kind=transfer_request")
        .await
        .to_string();
    assert!(!audit.to_lowercase().contains("werkzeuge"), "{audit}");
    // B still cannot open the customer.
    let (status, _) = rep_b
        .send(Method::GET, &format!("/api/v1/customers/{cid}"), None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // One pending request per requester and customer.
    let (status, again) = ask(&rep_b, &b_ref, "again").await;
    assert_eq!(status, StatusCode::CONFLICT, "{again}");
    assert_eq!(again["error"]["field"], "transfer_ref", "{again}");
    assert!(
        again["error"]["message"]
            .as_str()
            .unwrap()
            .contains("li.na")
    );

    // A sees it incoming, with the customer's name; C sees nothing and cannot accept.
    let incoming = rep_a.get("/api/v1/transfer-requests").await;
    assert_eq!(ids(&incoming), vec![rid]);
    assert_eq!(
        incoming["items"][0]["customer_name"],
        "Brandt Werkzeuge GmbH"
    );
    assert_eq!(incoming["items"][0]["may_decide"], true);
    assert_eq!(incoming["items"][0]["requester"]["name"], "wang.lei");
    assert!(ids(&rep_c.get("/api/v1/transfer-requests").await).is_empty());
    let (status, body) = act(&rep_c, rid, "accept", json!({})).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    // B cannot accept their own request.
    let (status, body) = act(&rep_b, rid, "accept", json!({})).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");

    // A accepts: the customer and its contacts are B's.
    let (status, done) = act(&rep_a, rid, "accept", json!({"version": req["version"]})).await;
    assert_eq!(status, StatusCode::OK, "{done}");
    assert_eq!(done["status"], "accepted");
    assert_eq!(done["decided_by"]["name"], "li.na");
    let customer = rep_b.get(&format!("/api/v1/customers/{cid}")).await;
    assert_eq!(customer["owner"]["id"].as_u64(), Some(b_id), "{customer}");
    let contacts = rep_b
        .get(&format!("/api/v1/customers/{cid}/contacts"))
        .await;
    assert_eq!(contacts.as_array().map(Vec::len), Some(1), "{contacts}");
    let (status, _) = rep_a
        .send(Method::GET, &format!("/api/v1/customers/{cid}"), None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "A no longer owns it");
    // Now B sees the name on their request.
    let out = rep_b
        .get("/api/v1/transfer-requests?direction=outgoing")
        .await;
    assert_eq!(out["items"][0]["customer_name"], "Brandt Werkzeuge GmbH");
    // Decided once: a second decision is refused.
    let (status, body) = act(&rep_a, rid, "decline", json!({"note": "no"})).await;
    assert!(
        status == StatusCode::NOT_FOUND || status == StatusCode::CONFLICT,
        "{status} {body}"
    );

    // Audited: the request's creation and decision, and the customer's transfer.
    let audit = admin
        .get(&format!(
            "/api/v1/audit?kind=transfer_request&record_id={rid}"
        ))
        .await;
    let actions: Vec<&str> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert!(actions.contains(&"create"), "{audit}");
    assert!(actions.contains(&"update"), "{audit}");
    let audit = admin
        .get(&format!(
            "/api/v1/audit?kind=customer&record_id={cid}&action=transfer"
        ))
        .await;
    let entry = &audit["items"][0];
    assert_eq!(
        entry["user"]["id"].as_u64(),
        Some(a_id),
        "the owner gave it: {audit}"
    );
    assert_eq!(entry["changes"][0]["new"], json!(b_id));

    // Now A wants it back; B declines with a note (required), and keeps it.
    let a_ref = reference(&rep_a, "Brandt Werkzeuge").await;
    let (status, back) = ask(&rep_a, &a_ref, "").await;
    assert_eq!(status, StatusCode::CREATED, "{back}");
    let back_id = back["id"].as_u64().unwrap();
    let (status, body) = act(&rep_b, back_id, "decline", json!({})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["field"], "note");
    let (status, body) = act(
        &rep_b,
        back_id,
        "decline",
        json!({"note": "They order through me now"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["status"], "declined");
    let customer = rep_b.get(&format!("/api/v1/customers/{cid}")).await;
    assert_eq!(customer["owner"]["id"].as_u64(), Some(b_id));
    let mine = rep_a
        .get("/api/v1/transfer-requests?direction=outgoing")
        .await;
    assert_eq!(mine["items"][0]["status"], "declined");
    assert_eq!(
        mine["items"][0]["decision_note"],
        "They order through me now"
    );

    // C asks; a manager (assign scope over everyone) decides it instead of the owner.
    let (status, creq) = ask(&rep_c, &c_ref, "").await;
    assert_eq!(status, StatusCode::CREATED, "{creq}");
    let crid = creq["id"].as_u64().unwrap();
    assert!(ids(&boss.get("/api/v1/transfer-requests").await).contains(&crid));
    let (status, body) = act(&boss, crid, "accept", json!({})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["decided_by"]["name"], "boss");
    let customer = rep_c.get(&format!("/api/v1/customers/{cid}")).await;
    assert_eq!(customer["owner"]["name"], "zhao.min");
}

#[tokio::test(flavor = "multi_thread")]
async fn requests_are_refused_where_they_make_no_sense_and_can_be_withdrawn() {
    let (s, admin) = TestServer::with_admin().await;
    let (_, rep_a) = s.user(&admin, "li.na", "sales", &[]).await;
    let (_, rep_b) = s.user(&admin, "wang.lei", "sales", &[]).await;
    let rep_b = rep_b.zh();
    let (_, c) = rep_a
        .send(
            Method::POST,
            "/api/v1/customers",
            Some(json!({"name": "Oceanic Trading Ltd", "country": "DE"})),
        )
        .await;
    let cid = c["id"].as_u64().unwrap();
    let b_ref = reference(&rep_b, "Oceanic Trading").await;
    let a_id = rep_a.get("/api/v1/me").await["id"].as_u64().unwrap();
    let b_id = rep_b.get("/api/v1/me").await["id"].as_u64().unwrap();
    let give = |to: u64| {
        let admin = admin.clone();
        async move {
            let (status, body) = admin
                .send(
                    Method::POST,
                    &format!("/api/v1/customers/{cid}/transfer"),
                    Some(json!({"to_user": to})),
                )
                .await;
            assert_eq!(status, StatusCode::OK, "{body}");
        }
    };

    // A customer that became B's own since the check, an unknown reference, a bad note: each
    // names the field.
    give(b_id).await;
    let (status, body) = ask(&rep_b, &b_ref, "").await;
    assert_eq!(
        (status, body["error"]["field"].as_str()),
        (StatusCode::CONFLICT, Some("transfer_ref")),
        "{body}"
    );
    give(a_id).await;
    let (status, body) = ask(&rep_b, "999999.0123456789abcdef", "").await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    assert_eq!(body["error"]["field"], "transfer_ref", "{body}");
    let (status, body) = ask(&rep_b, &b_ref, &"长".repeat(1001)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["field"], "note");
    assert!(
        body["error"]["message"].as_str().unwrap().contains("1000"),
        "{body}"
    );
    let (status, body) = rep_b
        .send(
            Method::POST,
            "/api/v1/transfer-requests",
            Some(json!({"transfer_ref": b_ref, "owner": 1})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");

    // B asks, then withdraws; A can no longer accept; B may ask again.
    let (status, req) = ask(&rep_b, &b_ref, "第一行\n第二行").await;
    assert_eq!(status, StatusCode::CREATED, "{req}");
    assert_eq!(req["note"], "第一行\n第二行");
    let rid = req["id"].as_u64().unwrap();
    let (status, body) = act(&rep_a, rid, "withdraw", json!({})).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let (status, body) = act(&rep_b, rid, "withdraw", json!({})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["status"], "withdrawn");
    assert!(ids(&rep_a.get("/api/v1/transfer-requests").await).is_empty());
    let (status, body) = act(&rep_a, rid, "accept", json!({})).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(code(&body), "conflict");
    let (status, again) = ask(&rep_b, &b_ref, "").await;
    assert_eq!(status, StatusCode::CREATED, "{again}");
    // A stale version is refused.
    let (status, body) = act(
        &rep_a,
        again["id"].as_u64().unwrap(),
        "accept",
        json!({"version": 99}),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(code(&body), "version_conflict");

    // Unknown direction names the field.
    let (status, body) = rep_b
        .send(
            Method::GET,
            "/api/v1/transfer-requests?direction=sideways",
            None,
        )
        .await;
    assert!(status.is_client_error(), "{status} {body}");
}
