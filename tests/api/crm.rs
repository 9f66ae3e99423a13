//! CRM over HTTP: the archive, timeline and My day, data scope, the public pool's rules, caps and
//! cooldown with a moved clock, leads, handover and undo (CRM-1 … CRM-6).

use chrono::{Duration, Utc};
use kontor::auth::Principal;
use kontor::domain::crm::pool;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::common::{Client, TestServer, code};

async fn customer(c: &Client, body: Value) -> Value {
    let (status, v) = c.send(Method::POST, "/api/v1/customers", Some(body)).await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    v
}

/// The domain principal of a user (for calling jobs and claims with a moved clock).
async fn principal(s: &TestServer, username: &str, password: &str) -> Principal {
    let r = reqwest::Client::new()
        .post(format!("http://{}/api/v1/auth/login", s.addr))
        .json(&json!({"username": username, "password": password}))
        .send()
        .await
        .unwrap();
    let cookie = r.headers()["set-cookie"].to_str().unwrap().to_string();
    let token = cookie
        .split(';')
        .next()
        .unwrap()
        .split_once('=')
        .unwrap()
        .1
        .to_string();
    let k = s.kontor();
    tokio::task::spawn_blocking(move || {
        kontor::domain::accounts::resolve(&k, &token, None)
            .unwrap()
            .unwrap()
            .0
    })
    .await
    .unwrap()
}

async fn default_pool(c: &Client) -> Value {
    let pools = c.get("/api/v1/pools").await;
    pools
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["is_default"] == true)
        .cloned()
        .expect("a default pool")
}

async fn set_pool_rules(admin: &Client, rules: Value) {
    let pool = default_pool(admin).await;
    let mut body = json!({
        "version": pool["version"], "name": pool["name"], "return_no_followup_days": null, "return_no_deal_days": null,
        "protection_days": null, "warn_days": 0, "max_held_per_rep": null, "max_claims_per_day": null, "cooldown_days": 0
    });
    for (k, v) in rules.as_object().unwrap() {
        body[k] = v.clone();
    }
    let (status, v) = admin
        .send(
            Method::PUT,
            &format!("/api/v1/pools/{}", pool["id"]),
            Some(body),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");
}

async fn run_rules(s: &TestServer, at: chrono::DateTime<Utc>) -> (usize, usize) {
    let k = s.kontor();
    tokio::task::spawn_blocking(move || pool::run_rules(&k, at))
        .await
        .unwrap()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn archive_contacts_timeline_and_my_day() {
    let (s, admin) = TestServer::with_admin().await;
    let (_, rep) = s.user(&admin, "li.na", "sales", &[]).await;
    let c = customer(
        &rep,
        json!({
            "name": "Brandt Werkzeuge GmbH", "name_alt": "勃兰特工具", "country": "de", "website": "https://www.brandt-werkzeuge.de/",
            "email": "info@brandt-werkzeuge.de", "tags": ["五金", "VIP", "五金"], "purchase_preferences": "small trial orders",
            "contacts": [
                {"name": "Klaus Brandt", "role": "boss", "emails": ["k.brandt@brandt-werkzeuge.de"], "birthday": "1968-04-12", "notes": "last gift: tea set"},
                {"name": "Petra Vogel", "role": "buyer", "phones": ["+49 30 1234567"], "whatsapp": "+49301234567"}
            ]
        }),
    )
    .await;
    let id = c["id"].as_u64().unwrap();
    assert_eq!(
        (c["country"].as_str(), c["time_zone"].as_str()),
        (Some("DE"), Some("Europe/Berlin"))
    );
    assert!(c["local_time"].as_str().unwrap().contains('+'), "{c}");
    assert_eq!(c["tags"], json!(["五金", "VIP"]));
    assert_eq!(c["owner"]["name"], "li.na");
    let contacts = rep.get(&format!("/api/v1/customers/{id}/contacts")).await;
    assert_eq!(contacts.as_array().unwrap().len(), 2);
    assert_eq!(
        (
            contacts[0]["name"].as_str(),
            contacts[0]["primary"].as_bool()
        ),
        (Some("Klaus Brandt"), Some(true))
    );

    // A follow-up with a reminder date lands on My day.
    // Dates are calendar dates in the user's zone (the company's, Asia/Shanghai).
    let tomorrow = Utc::now()
        .with_timezone(&chrono_tz::Asia::Shanghai)
        .date_naive()
        + Duration::days(1);
    let (status, entry) = rep
        .send(
            Method::POST,
            &format!("/api/v1/customers/{id}/timeline"),
            Some(json!({"kind": "call", "subject": "客户说下个月有大单", "contact_id": contacts[1]["id"], "follow_up_on": tomorrow})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{entry}");
    let timeline = rep.get(&format!("/api/v1/customers/{id}/timeline")).await;
    assert_eq!(timeline["items"][0]["subject"], "客户说下个月有大单");
    assert_eq!(timeline["items"][0]["author"]["name"], "li.na");
    let per_contact = rep
        .get(&format!(
            "/api/v1/customers/{id}/timeline?contact_id={}",
            contacts[1]["id"]
        ))
        .await;
    assert_eq!(per_contact["total"], 1);
    let day = rep.get("/api/v1/my-day").await;
    let upcoming: Vec<&str> = day["upcoming"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|t| t["title"].as_str())
        .collect();
    assert!(upcoming.contains(&"客户说下个月有大单"), "{day}");
    // The preset cadence rule "new customer: company intro within 3 days" made a task too, told
    // in the reader's language (this client reads English).
    assert!(
        upcoming.contains(&"Send the company introduction: Brandt Werkzeuge GmbH"),
        "{day}"
    );
    let customer_now = rep.get(&format!("/api/v1/customers/{id}")).await;
    assert!(customer_now["last_followup_at"].is_string());

    // The newest-first page of everything and its total (counted, not scanned).
    let all = admin.get("/api/v1/customers?scope=all&per_page=1").await;
    assert_eq!(
        (all["total"].as_u64(), all["items"][0]["id"].as_u64()),
        (Some(1), Some(id))
    );
    // List with filters and total.
    let list = rep.get("/api/v1/customers?country=DE&tag=VIP").await;
    assert_eq!(list["total"], 1);
    assert_eq!(rep.get("/api/v1/customers?q=brandt").await["total"], 1);
    assert_eq!(
        rep.get(&format!(
            "/api/v1/customers?q={}",
            "%E5%8B%83%E5%85%B0%E7%89%B9"
        ))
        .await["total"],
        1
    );
    assert_eq!(rep.get("/api/v1/customers?country=US").await["total"], 0);

    // Stale version: 409, nothing lost.
    let v = customer_now["version"].as_u64().unwrap();
    let (status, _) = rep
        .send(
            Method::PATCH,
            &format!("/api/v1/customers/{id}"),
            Some(json!({"version": v, "tier": "A"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, err) = rep
        .send(
            Method::PATCH,
            &format!("/api/v1/customers/{id}"),
            Some(json!({"version": v, "tier": "B"})),
        )
        .await;
    assert_eq!(
        (status, code(&err)),
        (StatusCode::CONFLICT, "version_conflict")
    );
    assert_eq!(
        rep.get(&format!("/api/v1/customers/{id}")).await["tier"],
        "A"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_customer_input_names_the_field() {
    let (s, admin) = TestServer::with_admin().await;
    let (_, rep) = s.user(&admin, "li.na", "sales", &[]).await;
    let cases = [
        (json!({"name": ""}), "name"),
        (json!({"name": "A", "email": "a@"}), "email"),
        (json!({"name": "A", "website": "not a site"}), "website"),
        (json!({"name": "A", "country": "XX"}), "country"),
        (json!({"name": "A", "owner_id": 999}), "owner_id"),
        (
            json!({"name": "A", "contacts": [{"name": "x", "emails": ["bad"]}]}),
            "contacts[0].emails[0]",
        ),
        (json!({"name": "A", "time_zone": "Mars/Base"}), "time_zone"),
    ];
    for (body, field) in cases {
        let (status, err) = admin
            .send(Method::POST, "/api/v1/customers", Some(body.clone()))
            .await;
        assert!(status.is_client_error(), "{body}: {status}");
        assert_eq!(err["error"]["field"], field, "{body}: {err}");
    }
    // A rep may not create customers for someone else.
    let (status, _) = rep
        .send(
            Method::POST,
            "/api/v1/customers",
            Some(json!({"name": "A", "owner_id": 1})),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(
        admin.get("/api/v1/customers?scope=all").await["total"],
        0,
        "a refused create wrote something"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn reps_see_only_their_own_customers_and_learn_only_the_owner_of_others() {
    let (s, admin) = TestServer::with_admin().await;
    let (_, li) = s.user(&admin, "li.na", "sales", &[]).await;
    let (_, wang) = s.user(&admin, "wang.lei", "sales", &[]).await;
    let (_, observer) = s.user(&admin, "liu", "observer", &[]).await;
    let c = customer(
        &li,
        json!({"name": "深圳市华信电子有限公司", "email": "sales@huaxin.com.cn"}),
    )
    .await;
    let id = c["id"].as_u64().unwrap();
    for path in [
        format!("/api/v1/customers/{id}"),
        format!("/api/v1/customers/{id}/contacts"),
        format!("/api/v1/customers/{id}/timeline"),
    ] {
        let (status, _) = wang.send(Method::GET, &path, None).await;
        assert!(
            status == StatusCode::NOT_FOUND || status == StatusCode::FORBIDDEN,
            "{path}: {status}"
        );
    }
    let (status, _) = wang
        .send(
            Method::PATCH,
            &format!("/api/v1/customers/{id}"),
            Some(json!({"version": 1, "tier": "A"})),
        )
        .await;
    assert!(status == StatusCode::NOT_FOUND || status == StatusCode::FORBIDDEN);
    assert_eq!(wang.get("/api/v1/customers").await["total"], 0);
    assert_eq!(wang.get("/api/v1/customers?scope=all").await["total"], 0);
    s.kontor().index_now().unwrap();
    let hits = wang.get("/api/v1/search?q=%E5%8D%8E%E4%BF%A1").await;
    assert!(
        hits["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|h| h["kind"] != "customer"),
        "{hits}"
    );
    eprintln!("admin: {}", admin.get("/api/v1/search?q=huaxin").await);
    eprintln!(
        "admin2: {}",
        admin.get("/api/v1/search?q=%E5%8D%8E%E4%BF%A1").await
    );
    eprintln!(
        "li2: {}",
        li.get("/api/v1/search?q=%E5%8D%8E%E4%BF%A1").await
    );
    let hits = li.get("/api/v1/search?q=huaxin").await;
    assert!(
        hits["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|h| h["id"] == id),
        "{hits}"
    );

    // Entering the same company again: told who owns it, nothing more.
    let (status, err) = wang
        .send(
            Method::POST,
            "/api/v1/customers",
            Some(json!({"name": "深圳市华信电子有限公司"})),
        )
        .await;
    assert_eq!(
        (status, code(&err)),
        (StatusCode::CONFLICT, "owned_by_other")
    );
    let text = err.to_string();
    assert!(
        text.contains("li.na") && !text.contains("huaxin.com.cn"),
        "{text}"
    );

    // The observer reads everything but writes nothing.
    observer.get(&format!("/api/v1/customers/{id}")).await;
    assert_eq!(
        observer.get("/api/v1/customers?scope=all").await["total"],
        1
    );
    let (status, _) = observer
        .send(
            Method::POST,
            &format!("/api/v1/customers/{id}/timeline"),
            Some(json!({"kind": "note", "subject": "x"})),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = observer
        .send(
            Method::POST,
            "/api/v1/customers",
            Some(json!({"name": "Observer Co"})),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

#[tokio::test(flavor = "multi_thread")]
async fn pool_rules_return_customers_warn_first_and_respect_exemptions() {
    let (s, admin) = TestServer::with_admin().await;
    let (rep_id, rep) = s.user(&admin, "li.na", "sales", &[]).await;
    set_pool_rules(&admin, json!({"return_no_followup_days": 30, "return_no_deal_days": 90, "protection_days": 60, "warn_days": 3})).await;
    let cold = customer(&rep, json!({"name": "Cold Co"})).await["id"]
        .as_u64()
        .unwrap();
    let followed = customer(&rep, json!({"name": "Followed Co"})).await["id"]
        .as_u64()
        .unwrap();
    // Locking is a manager's right: the rep's key customers are locked for them.
    let locked = customer(
        &admin,
        json!({"name": "Locked Co", "locked": true, "owner_id": rep_id}),
    )
    .await["id"]
        .as_u64()
        .unwrap();
    let key = customer(
        &admin,
        json!({"name": "Key Co", "key_account": true, "owner_id": rep_id}),
    )
    .await["id"]
        .as_u64()
        .unwrap();
    let won = customer(&rep, json!({"name": "Won Co"})).await["id"]
        .as_u64()
        .unwrap();
    let (_, opp) = rep.send(Method::POST, "/api/v1/opportunities", Some(json!({"customer_id": won, "title": "300 pcs", "amount": "12000.50", "currency": "USD"}))).await;
    let (status, _) = rep
        .send(
            Method::PATCH,
            &format!("/api/v1/opportunities/{}", opp["id"]),
            Some(json!({"version": opp["version"], "stage": "won"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let now = Utc::now();

    // Day 28: a follow-up on one customer; day 27..30 warns about the others first.
    assert_eq!(run_rules(&s, now + Duration::days(20)).await, (0, 0));
    let (_, warned) = run_rules(&s, now + Duration::days(28)).await;
    assert_eq!(warned, 2, "Cold Co and Followed Co are due in 2 days");
    assert_eq!(
        run_rules(&s, now + Duration::days(28)).await,
        (0, 0),
        "warnings are made once"
    );
    let day = rep.get("/api/v1/my-day").await;
    assert_eq!(day["pool_warnings"].as_array().unwrap().len(), 2, "{day}");
    let k = s.kontor();
    // A follow-up resets the no-follow-up clock (logged "as of" day 28).
    let at = (now + Duration::days(28)).to_rfc3339();
    let (status, _) = rep
        .send(
            Method::POST,
            &format!("/api/v1/customers/{followed}/timeline"),
            Some(json!({"kind": "email", "subject": "quote", "occurred_at": at})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let _ = k;
    // Logged times in the future do not count as follow-ups yet; move the record's clock instead.
    let (returned, _) = run_rules(&s, now + Duration::days(31)).await;
    assert_eq!(
        returned, 2,
        "Cold Co returns; the future-dated follow-up did not save Followed Co"
    );
    let pool_list = admin.get("/api/v1/pool").await;
    let names: Vec<&str> = pool_list["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["name"].as_str())
        .collect();
    assert!(names.contains(&"Cold Co"), "{names:?}");
    for exempt in [locked, key, won] {
        let c = admin.get(&format!("/api/v1/customers/{exempt}")).await;
        assert_eq!(c["in_pool"], false, "{} is exempt", c["name"]);
    }
    // The return has a reason code in the audit log and a line on the timeline.
    let log = admin
        .get(&format!("/api/v1/audit?kind=customer&record_id={cold}"))
        .await;
    let ret = log["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "return_to_pool")
        .expect("audited")
        .clone();
    assert!(
        ret["changes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["field"] == "reason" && c["new"] == "no_followup"),
        "{ret}"
    );
    let tl = admin
        .get(&format!("/api/v1/customers/{cold}/timeline"))
        .await;
    assert_eq!(tl["items"][0]["kind"], "system");
    // Running again (catch-up after downtime) changes nothing more.
    assert_eq!(run_rules(&s, now + Duration::days(32)).await.0, 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn protection_period_and_no_deal_rules() {
    let (s, admin) = TestServer::with_admin().await;
    let (_, rep) = s.user(&admin, "li.na", "sales", &[]).await;
    set_pool_rules(&admin, json!({"protection_days": 10})).await;
    let c = customer(&rep, json!({"name": "Protected Co"})).await["id"]
        .as_u64()
        .unwrap();
    let now = Utc::now();
    assert_eq!(run_rules(&s, now + Duration::days(9)).await.0, 0);
    assert_eq!(run_rules(&s, now + Duration::days(11)).await.0, 1);
    let log = admin
        .get(&format!(
            "/api/v1/audit?kind=customer&record_id={c}&action=return_to_pool"
        ))
        .await;
    assert!(log.to_string().contains("protection_ended"));

    set_pool_rules(&admin, json!({"return_no_deal_days": 20})).await;
    let d = customer(&rep, json!({"name": "No Deal Co"})).await["id"]
        .as_u64()
        .unwrap();
    // Follow-ups do not help against the no-deal rule.
    rep.send(
        Method::POST,
        &format!("/api/v1/customers/{d}/timeline"),
        Some(json!({"kind": "call", "subject": "hello"})),
    )
    .await;
    assert_eq!(run_rules(&s, now + Duration::days(21)).await.0, 1);
    let log = admin
        .get(&format!(
            "/api/v1/audit?kind=customer&record_id={d}&action=return_to_pool"
        ))
        .await;
    assert!(log.to_string().contains("no_deal"));
}

#[tokio::test(flavor = "multi_thread")]
async fn claims_respect_the_holding_cap_the_daily_cap_and_the_cooldown() {
    let (s, admin) = TestServer::with_admin().await;
    let (_, li) = s.user(&admin, "li.na", "sales", &[]).await;
    let (_, wang) = s.user(&admin, "wang.lei", "sales", &[]).await;
    set_pool_rules(
        &admin,
        json!({"max_held_per_rep": 2, "max_claims_per_day": 3, "cooldown_days": 7}),
    )
    .await;
    // Five customers in the pool.
    let mut ids = Vec::new();
    for i in 0..5 {
        let id = customer(&admin, json!({"name": format!("Pool Co {i}")})).await["id"]
            .as_u64()
            .unwrap();
        let (status, v) = admin
            .send(
                Method::POST,
                &format!("/api/v1/customers/{id}/release"),
                Some(json!({"note": "not for us"})),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{v}");
        ids.push(id);
    }
    assert_eq!(li.get("/api/v1/pool").await["total"], 5);
    // Pool customers are not in anyone's list; the counted total agrees with a filtered scan.
    assert_eq!(admin.get("/api/v1/customers?scope=all").await["total"], 0);
    // Holding cap: 2 customers without a deal.
    for id in &ids[..2] {
        let (status, v) = li
            .send(Method::POST, &format!("/api/v1/customers/{id}/claim"), None)
            .await;
        assert_eq!(status, StatusCode::OK, "{v}");
    }
    let (status, err) = li
        .send(
            Method::POST,
            &format!("/api/v1/customers/{}/claim", ids[2]),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(
        err["error"]["message"]
            .as_str()
            .unwrap()
            .contains("limit is 2"),
        "{err}"
    );
    // Someone else's claim of a claimed customer is refused.
    let (status, err) = wang
        .send(
            Method::POST,
            &format!("/api/v1/customers/{}/claim", ids[0]),
            None,
        )
        .await;
    assert_eq!(
        (status, code(&err)),
        (StatusCode::CONFLICT, "owned_by_other")
    );

    // Cooldown: li releases a customer and cannot take it back for 7 days.
    let (status, _) = li
        .send(
            Method::POST,
            &format!("/api/v1/customers/{}/release", ids[0]),
            Some(json!({})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, err) = li
        .send(
            Method::POST,
            &format!("/api/v1/customers/{}/claim", ids[0]),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(
        err["error"]["message"].as_str().unwrap().contains("7 days"),
        "{err}"
    );
    let p = principal(&s, "li.na", "user-pass-1").await;
    let k = s.kontor();
    let (id0, later) = (ids[0], Utc::now() + Duration::days(8));
    let claimed = tokio::task::spawn_blocking(move || pool::claim(&k, &p, id0, later))
        .await
        .unwrap();
    assert!(
        claimed.is_ok(),
        "after the cooldown the claim works: {:?}",
        claimed.err()
    );

    // Daily cap: li has claimed 3 today (2 + 1 after the cooldown, counted on day 8), so
    // the daily count is per day: on day 8 one claim, today two.
    let p = principal(&s, "li.na", "user-pass-1").await;
    let k = s.kontor();
    // Release one so the holding cap is not what stops us, then claim on the same day 8.
    let (status, _) = li
        .send(
            Method::POST,
            &format!("/api/v1/customers/{}/release", ids[1]),
            Some(json!({})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    set_pool_rules(
        &admin,
        json!({"max_held_per_rep": 10, "max_claims_per_day": 2, "cooldown_days": 7}),
    )
    .await;
    let (a, b) = (ids[2], ids[3]);
    let results = tokio::task::spawn_blocking(move || {
        (pool::claim(&k, &p, a, later), pool::claim(&k, &p, b, later))
    })
    .await
    .unwrap();
    assert!(results.0.is_ok(), "{:?}", results.0.err());
    let err = results
        .1
        .expect_err("third claim on day 8 is over the daily cap of 2");
    assert!(err.msg.en.contains("daily limit is 2"), "{err}");
    // Wang's claims are his own count.
    let (status, v) = wang
        .send(
            Method::POST,
            &format!("/api/v1/customers/{}/claim", ids[4]),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    // Every claim and return is audited.
    let log = admin.get("/api/v1/audit?action=claim").await;
    assert!(log["total"].as_u64().unwrap() >= 4, "{log}");
}

#[tokio::test(flavor = "multi_thread")]
async fn handover_moves_everything_and_undo_restores_it() {
    let (s, admin) = TestServer::with_admin().await;
    let (li_id, li) = s.user(&admin, "li.na", "sales", &[]).await;
    let (wang_id, wang) = s.user(&admin, "wang.lei", "sales", &[]).await;
    let (zhao_id, _) = s.user(&admin, "zhao", "sales", &[]).await;
    let c1 = customer(
        &li,
        json!({"name": "Handover A", "contacts": [{"name": "Anna"}]}),
    )
    .await["id"]
        .as_u64()
        .unwrap();
    let c2 = customer(&li, json!({"name": "Handover B"})).await["id"]
        .as_u64()
        .unwrap();
    li.send(Method::POST, &format!("/api/v1/customers/{c1}/timeline"), Some(json!({"kind": "email", "subject": "certificate question", "follow_up_on": "2030-01-01"}))).await;
    li.send(
        Method::POST,
        "/api/v1/opportunities",
        Some(json!({"customer_id": c1, "title": "300-piece deal", "stage": "negotiation"})),
    )
    .await;
    let (_, lead) = li
        .send(
            Method::POST,
            "/api/v1/leads",
            Some(json!({"company": "Lead Co"})),
        )
        .await;
    assert_eq!(lead["owner"]["id"].as_u64(), Some(li_id));

    // Refused: to a disabled user, by a rep.
    let z = admin.get(&format!("/api/v1/users/{zhao_id}")).await;
    admin
        .send(
            Method::PATCH,
            &format!("/api/v1/users/{zhao_id}"),
            Some(json!({"version": z["version"], "active": false})),
        )
        .await;
    let (status, err) = admin
        .send(
            Method::POST,
            "/api/v1/handover",
            Some(json!({"from_user": li_id, "to_user": zhao_id})),
        )
        .await;
    assert_eq!(
        (status, err["error"]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("to_user"))
    );
    let (status, _) = li
        .send(
            Method::POST,
            "/api/v1/handover",
            Some(json!({"from_user": li_id, "to_user": wang_id})),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // Preview first: counts, nothing moves.
    let (status, preview) = admin
        .send(
            Method::POST,
            "/api/v1/handover",
            Some(json!({"from_user": li_id, "to_user": wang_id, "dry_run": true})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{preview}");
    let count = |r: &Value, kind: &str| {
        r["counts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["kind"] == kind)
            .unwrap()["count"]
            .as_u64()
            .unwrap()
    };
    assert_eq!(
        (
            count(&preview, "customer"),
            count(&preview, "lead"),
            count(&preview, "opportunity")
        ),
        (2, 1, 1)
    );
    assert!(
        count(&preview, "task") >= 3,
        "follow-up + 2 cadence tasks: {preview}"
    );
    assert_eq!(li.get("/api/v1/customers").await["total"], 2);

    let (_, done) = admin
        .send(
            Method::POST,
            "/api/v1/handover",
            Some(json!({"from_user": li_id, "to_user": wang_id})),
        )
        .await;
    let handover_id = done["id"].as_u64().unwrap();
    assert_eq!(li.get("/api/v1/customers").await["total"], 0);
    assert_eq!(wang.get("/api/v1/customers").await["total"], 2);
    // The new owner sees the full history and the contacts.
    let tl = wang.get(&format!("/api/v1/customers/{c1}/timeline")).await;
    assert!(tl.to_string().contains("certificate question"));
    assert_eq!(
        wang.get(&format!("/api/v1/customers/{c1}/contacts")).await[0]["name"],
        "Anna"
    );
    assert_eq!(
        wang.get("/api/v1/opportunities")
            .await
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert!(
        wang.get("/api/v1/my-day").await["upcoming"]
            .as_array()
            .is_some()
    );
    assert_eq!(wang.get("/api/v1/leads").await["total"], 1);
    let (status, _) = li
        .send(Method::GET, &format!("/api/v1/customers/{c2}"), None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let (status, undone) = admin
        .send(
            Method::POST,
            &format!("/api/v1/handover/{handover_id}/undo"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{undone}");
    assert_eq!(li.get("/api/v1/customers").await["total"], 2);
    assert_eq!(wang.get("/api/v1/customers").await["total"], 0);
    assert_eq!(li.get("/api/v1/leads").await["total"], 1);
    assert_eq!(
        li.get(&format!("/api/v1/customers/{c1}/contacts")).await[0]["name"],
        "Anna"
    );
    let (status, _) = admin
        .send(
            Method::POST,
            &format!("/api/v1/handover/{handover_id}/undo"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    let log = admin.get("/api/v1/audit?kind=handover").await;
    let actions: Vec<&str> = log["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    assert!(
        actions.contains(&"handover") && actions.contains(&"handover_undo"),
        "{actions:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn leads_pool_round_robin_and_conversion_keep_the_timeline() {
    let (s, admin) = TestServer::with_admin().await;
    let (_, team) = admin
        .send(
            Method::POST,
            "/api/v1/teams",
            Some(json!({"name": "欧洲业务部"})),
        )
        .await;
    let team_id = team["id"].as_u64().unwrap();
    let (li_id, li) = s.user(&admin, "li.na", "sales", &[team_id]).await;
    let (wang_id, _) = s.user(&admin, "wang.lei", "sales", &[team_id]).await;
    let mut pooled = Vec::new();
    for i in 0..3 {
        let (status, l) = admin.send(Method::POST, "/api/v1/leads", Some(json!({"company": format!("Fair Lead {i}"), "source": "canton_fair", "to_pool": true}))).await;
        assert_eq!(status, StatusCode::CREATED, "{l}");
        pooled.push(l["id"].as_u64().unwrap());
    }
    assert_eq!(li.get("/api/v1/leads?scope=pool").await["total"], 3);
    // A read-only user cannot take a pool lead.
    let (_, observer) = s.user(&admin, "liu", "observer", &[]).await;
    let observer_id = observer.get("/api/v1/me").await["id"].clone();
    let (status, _) = observer
        .send(
            Method::POST,
            &format!("/api/v1/leads/{}/assign", pooled[0]),
            Some(json!({"user_id": observer_id})),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let mut owners = Vec::new();
    for id in &pooled {
        let (status, l) = admin
            .send(
                Method::POST,
                &format!("/api/v1/leads/{id}/assign"),
                Some(json!({"team_id": team_id})),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{l}");
        owners.push(l["owner"]["id"].as_u64().unwrap());
    }
    assert_eq!(owners[0], owners[2]);
    assert_ne!(owners[0], owners[1]);
    assert!(owners.contains(&li_id) && owners.contains(&wang_id));

    // A rep takes a lead for themselves, logs a call, converts it.
    let (_, mine) = li.send(Method::POST, "/api/v1/leads", Some(json!({"company": "Acme Imports Ltd", "contact_name": "John Smith", "email": "john@acme-imports.co.uk", "country": "GB"}))).await;
    let lead_id = mine["id"].as_u64().unwrap();
    let (status, _) = li
        .send(
            Method::POST,
            &format!("/api/v1/leads/{lead_id}/timeline"),
            Some(json!({"kind": "call", "subject": "met at the fair"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, converted) = li
        .send(
            Method::POST,
            &format!("/api/v1/leads/{lead_id}/convert"),
            Some(json!({"amount": "5000", "currency": "GBP"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{converted}");
    let cid = converted["customer"]["id"].as_u64().unwrap();
    assert_eq!(converted["customer"]["name"], "Acme Imports Ltd");
    let tl = li.get(&format!("/api/v1/customers/{cid}/timeline")).await;
    assert!(tl.to_string().contains("met at the fair"), "{tl}");
    assert_eq!(
        li.get(&format!("/api/v1/customers/{cid}/contacts")).await[0]["name"],
        "John Smith"
    );
    let opps = li
        .get(&format!("/api/v1/opportunities?customer_id={cid}"))
        .await;
    assert_eq!(
        (opps[0]["amount"].as_str(), opps[0]["currency"].as_str()),
        (Some("5000"), Some("GBP"))
    );
    assert_eq!(
        li.get(&format!("/api/v1/leads/{lead_id}")).await["status"],
        "converted"
    );
    let (status, _) = li
        .send(
            Method::POST,
            &format!("/api/v1/leads/{lead_id}/convert"),
            Some(json!({})),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
}

#[tokio::test(flavor = "multi_thread")]
async fn cadence_rules_create_tasks_exactly_once() {
    let (s, admin) = TestServer::with_admin().await;
    let (_, rep) = s.user(&admin, "li.na", "sales", &[]).await;
    let big = customer(&rep, json!({"name": "Big Buyer"})).await;
    let (status, _) = rep
        .send(
            Method::PATCH,
            &format!("/api/v1/customers/{}", big["id"]),
            Some(json!({"version": big["version"], "annual_purchases": "1500000"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let sample = customer(&rep, json!({"name": "Sample Co"})).await["id"]
        .as_u64()
        .unwrap();
    rep.send(
        Method::POST,
        &format!("/api/v1/customers/{sample}/timeline"),
        Some(json!({"kind": "sample", "subject": "DHL 1234"})),
    )
    .await;
    let k = s.kontor();
    let now = Utc::now();
    let (first, again) = tokio::task::spawn_blocking(move || {
        (
            kontor::domain::crm::tasks::run_cadence(&k, now).unwrap(),
            kontor::domain::crm::tasks::run_cadence(&k, now).unwrap(),
        )
    })
    .await
    .unwrap();
    assert_eq!(
        (first, again),
        (1, 0),
        "one quarterly call for the big buyer, once"
    );
    let day = rep.get("/api/v1/my-day").await;
    let all = day.to_string();
    assert!(all.contains("Quarterly call: Big Buyer"), "{all}");
    assert!(all.contains("Ask for sample feedback: Sample Co"), "{all}");
    // A task is done with one click.
    let task = day["due_today"].as_array().unwrap()[0].clone();
    let (status, t) = rep
        .send(
            Method::PATCH,
            &format!("/api/v1/tasks/{}", task["id"]),
            Some(json!({"version": task["version"], "done": true})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{t}");
    assert!(t["done_at"].is_string());
}

#[tokio::test(flavor = "multi_thread")]
async fn newest_first_pages_and_totals_equal_the_sorted_list() {
    // Unfiltered newest-first lists are read from counted indexes; every page and total must be
    // what sorting the whole list (oldest first, reversed) gives.
    let (s, admin) = TestServer::with_admin().await;
    let (_, li) = s.user(&admin, "li.na", "sales", &[]).await;
    let mut ids = Vec::new();
    for (i, brand) in [
        "Amsel", "Birke", "Cedro", "Dorado", "Eiche", "Fjord", "Gingko",
    ]
    .iter()
    .enumerate()
    {
        let owner = if i % 2 == 0 { &admin } else { &li };
        ids.push(
            customer(owner, json!({"name": format!("{brand} Handel GmbH")})).await["id"]
                .as_u64()
                .unwrap(),
        );
    }
    // One goes to the pool, one to the recycle bin: neither is listed any more.
    let (status, v) = admin
        .send(
            Method::POST,
            &format!("/api/v1/customers/{}/release", ids[2]),
            Some(json!({})),
        )
        .await;
    assert!(status.is_success(), "{v}");
    let (status, v) = admin
        .send(
            Method::DELETE,
            &format!("/api/v1/customers/{}", ids[5]),
            None,
        )
        .await;
    assert!(status.is_success(), "{v}");
    let page_ids = |v: &Value| -> Vec<u64> {
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["id"].as_u64().unwrap())
            .collect()
    };
    for (client, scope) in [(&admin, "all"), (&li, "mine"), (&admin, "mine")] {
        let sorted = client
            .get(&format!(
                "/api/v1/customers?scope={scope}&order=asc&per_page=200"
            ))
            .await;
        let mut want = page_ids(&sorted);
        want.reverse();
        assert!(
            !want.contains(&ids[2]) && !want.contains(&ids[5]),
            "{sorted}"
        );
        let mut got = Vec::new();
        for page in 1..=4 {
            let v = client
                .get(&format!(
                    "/api/v1/customers?scope={scope}&page={page}&per_page=2"
                ))
                .await;
            assert_eq!(v["total"].as_u64(), Some(want.len() as u64), "{scope}: {v}");
            got.extend(page_ids(&v));
        }
        assert_eq!(got, want, "{scope}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_rep_edits_their_customer_but_neither_locks_nor_deletes_it_unless_granted() {
    let (s, admin) = TestServer::with_admin().await;
    let (rep_id, rep) = s.user(&admin, "li.na", "sales", &[]).await;
    let (_, manager) = s.user(&admin, "zhou.jl", "manager", &[]).await;
    let c = customer(&rep, json!({"name": "Harbour Lights Ltd"})).await;
    let id = c["id"].as_u64().unwrap();
    let url = format!("/api/v1/customers/{id}");

    // Editing works, also when the form sends the flags unchanged.
    let (status, c) = rep
        .send(Method::PATCH, &url, Some(json!({"version": c["version"], "tier": "A", "locked": false, "key_account": false})))
        .await;
    assert_eq!(status, StatusCode::OK, "{c}");
    // Setting either flag is refused with the field named, in the caller's language; nothing
    // is written.
    for (field, client) in [("locked", rep.clone()), ("key_account", rep.clone().zh())] {
        let (status, err) = client
            .send(
                Method::PATCH,
                &url,
                Some(json!({"version": c["version"], "tier": "B", field: true})),
            )
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{err}");
        assert_eq!(err["error"]["field"], field, "{err}");
        let message = err["error"]["message"].as_str().unwrap();
        assert!(
            message.contains(if client.lang == "en" {
                "pool"
            } else {
                "公海"
            }),
            "{message}"
        );
    }
    let now = rep.get(&url).await;
    assert_eq!(
        (now["tier"].as_str(), now["locked"].as_bool()),
        (Some("A"), Some(false))
    );
    let (status, err) = rep
        .send(
            Method::POST,
            "/api/v1/customers",
            Some(json!({"name": "Quiet Bay GmbH", "key_account": true})),
        )
        .await;
    assert_eq!(
        (status, err["error"]["field"].as_str()),
        (StatusCode::FORBIDDEN, Some("key_account")),
        "{err}"
    );

    // A manager locks it; the rep cannot clear it, and edits it still.
    let (status, c) = manager
        .send(
            Method::PATCH,
            &url,
            Some(json!({"version": now["version"], "locked": true})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{c}");
    let (status, err) = rep
        .send(
            Method::PATCH,
            &url,
            Some(json!({"version": c["version"], "locked": false})),
        )
        .await;
    assert_eq!(
        (status, err["error"]["field"].as_str()),
        (StatusCode::FORBIDDEN, Some("locked")),
        "{err}"
    );
    let (status, c) = rep
        .send(
            Method::PATCH,
            &url,
            Some(json!({"version": c["version"], "locked": true, "tier": "B"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{c}");

    // Deleting: refused for the rep (their own lead they still delete), allowed to a manager.
    let (status, err) = rep.send(Method::DELETE, &url, None).await;
    assert_eq!(
        (status, code(&err)),
        (StatusCode::FORBIDDEN, "forbidden"),
        "{err}"
    );
    rep.get(&url).await;
    let (status, lead) = rep
        .send(
            Method::POST,
            "/api/v1/leads",
            Some(json!({"company": "Tideline Imports"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{lead}");
    let lead_url = format!("/api/v1/leads/{}", lead["id"]);
    assert_eq!(
        rep.send(Method::DELETE, &lead_url, None).await.0,
        StatusCode::NO_CONTENT
    );

    // The effective permissions say so; a manager deletes it.
    let me = rep.get("/api/v1/me").await;
    let crm = &me["permissions"]["grants"]["crm"];
    assert_eq!(
        (crm["lock"].as_str(), crm["delete_customer"].as_str()),
        (None, None),
        "{me}"
    );
    let (status, _) = manager.send(Method::DELETE, &url, None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);

    // A custom role granted the rights (own scope) may do both on its own customers.
    let (status, role) = admin
        .send(Method::POST, "/api/v1/roles", Some(json!({"name": "Senior rep", "grants": {
            "crm": {"read": "own", "create": "own", "update": "own", "lock": "own", "delete_customer": "own"}}})))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{role}");
    let user = admin.get(&format!("/api/v1/users/{rep_id}")).await;
    let (status, body) = admin
        .send(
            Method::PATCH,
            &format!("/api/v1/users/{rep_id}"),
            Some(json!({"version": user["version"], "role_ids": [role["id"]]})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let c = customer(
        &rep,
        json!({"name": "Northwind Spares", "locked": true, "key_account": true}),
    )
    .await;
    let url = format!("/api/v1/customers/{}", c["id"]);
    assert_eq!(
        rep.send(Method::DELETE, &url, None).await.0,
        StatusCode::NO_CONTENT
    );

    // Grants of the new actions apply to CRM only.
    let (status, err) = admin
        .send(
            Method::POST,
            "/api/v1/roles",
            Some(json!({"name": "Odd", "grants": {"sales": {"lock": "all"}}})),
        )
        .await;
    assert_eq!(
        (status, err["error"]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("grants.sales.lock")),
        "{err}"
    );
    let catalog = admin.get("/api/v1/permissions/catalog").await;
    let lock = catalog["actions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["key"] == "lock")
        .unwrap();
    assert_eq!(lock["modules"], json!(["crm"]), "{catalog}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_team_scoped_assigner_hands_leads_only_within_the_team() {
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
    let (a, b) = (team("East").await, team("West").await);
    let (mate, _) = s.user(&admin, "mate.a", "sales", &[a]).await;
    let (other, _) = s.user(&admin, "rep.b", "sales", &[b]).await;
    let (status, role) = admin
        .send(
            Method::POST,
            "/api/v1/roles",
            Some(json!({"name": "Team lead", "grants": {
            "crm": {"read": "team", "create": "team", "update": "team", "assign": "team"}}})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{role}");
    let (status, lead_user) = admin
        .send(
            Method::POST,
            "/api/v1/users",
            Some(json!({"username": "lead.a", "display_name": "Lead A",
            "password": "user-pass-1", "role_ids": [role["id"]], "team_ids": [a]})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{lead_user}");
    let lead_a = s.client();
    lead_a.login("lead.a", "user-pass-1").await;

    let (status, lead) = admin
        .send(
            Method::POST,
            "/api/v1/leads",
            Some(json!({"company": "Cobalt Freight", "to_pool": true})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{lead}");
    let assign = format!("/api/v1/leads/{}/assign", lead["id"]);
    let (status, given) = admin
        .send(Method::POST, &assign, Some(json!({"user_id": mate})))
        .await;
    assert_eq!(status, StatusCode::OK, "{given}");
    // A teammate's lead cannot go to another team's rep, directly or by that team's turn.
    for body in [json!({"user_id": other}), json!({"team_id": b})] {
        let (status, err) = lead_a.send(Method::POST, &assign, Some(body.clone())).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{body}: {err}");
    }
    let now = admin.get(&format!("/api/v1/leads/{}", lead["id"])).await;
    assert_eq!(now["owner"]["id"], mate, "{now}");
    // Within the team it moves.
    let (status, moved) = lead_a
        .send(Method::POST, &assign, Some(json!({"team_id": a})))
        .await;
    assert_eq!(status, StatusCode::OK, "{moved}");
}

#[tokio::test(flavor = "multi_thread")]
async fn open_opportunities_and_tasks_follow_their_customer_and_closed_deals_stay() {
    // Transfer, release to the pool and claim move a customer's open opportunities and open
    // tasks with it; a won deal stays with the rep who won it (their sales record).
    let (s, admin) = TestServer::with_admin().await;
    let (_, li) = s.user(&admin, "li.na", "sales", &[]).await;
    let (wang_id, wang) = s.user(&admin, "wang.fang", "sales", &[]).await;
    let (_, zhao) = s.user(&admin, "zhao.lei", "sales", &[]).await;
    let id = customer(&li, json!({"name": "Follow Co"})).await["id"]
        .as_u64()
        .unwrap();
    let today = Utc::now().date_naive().to_string();
    let (status, _) = li
        .send(
            Method::POST,
            &format!("/api/v1/customers/{id}/timeline"),
            Some(json!({"kind": "call", "subject": "samples", "follow_up_on": today})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let new_opp = |title: &'static str| {
        let li = &li;
        async move {
            let (status, o) = li
                .send(
                    Method::POST,
                    "/api/v1/opportunities",
                    Some(json!({"customer_id": id, "title": title, "amount": "100", "currency": "USD"})),
                )
                .await;
            assert_eq!(status, StatusCode::CREATED, "{o}");
            o
        }
    };
    let open = new_opp("open order").await;
    let won = new_opp("won order").await;
    let (status, _) = li
        .send(
            Method::PATCH,
            &format!("/api/v1/opportunities/{}", won["id"]),
            Some(json!({"version": won["version"], "stage": "won"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let titles = |c: &Client| {
        let c = c.clone();
        async move {
            let v = c.get("/api/v1/opportunities").await;
            let mut t: Vec<String> = v["items"]
                .as_array()
                .or(v.as_array())
                .unwrap()
                .iter()
                .map(|o| o["title"].as_str().unwrap().to_string())
                .collect();
            t.sort();
            t
        }
    };
    let task_count = |c: &Client| {
        let c = c.clone();
        async move {
            // The follow-up logged above (the customer also has its cadence task).
            let day = c.get("/api/v1/my-day").await;
            ["overdue", "due_today", "upcoming"]
                .iter()
                .flat_map(|k| day[*k].as_array().cloned().unwrap_or_default())
                .filter(|t| t["customer_id"] == id && t["source"] == "follow_up")
                .count()
        }
    };
    assert_eq!(task_count(&li).await, 1);

    // A manager's transfer: the open deal and the task go to wang, the won deal stays.
    let (status, body) = admin
        .send(
            Method::POST,
            &format!("/api/v1/customers/{id}/transfer"),
            Some(json!({"to_user": wang_id})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(titles(&wang).await, vec!["open order"]);
    assert_eq!(titles(&li).await, vec!["won order"]);
    assert_eq!((task_count(&wang).await, task_count(&li).await), (1, 0));

    // Released to the pool, they belong to nobody; claimed, to the claimer.
    let (status, body) = wang
        .send(
            Method::POST,
            &format!("/api/v1/customers/{id}/release"),
            Some(json!({})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(titles(&wang).await.is_empty());
    assert_eq!(task_count(&wang).await, 0);
    let (status, body) = zhao
        .send(Method::POST, &format!("/api/v1/customers/{id}/claim"), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(titles(&zhao).await, vec!["open order"]);
    assert_eq!(task_count(&zhao).await, 1);
    assert_eq!(
        titles(&li).await,
        vec!["won order"],
        "the won deal never moved"
    );
    let _ = open;
}
