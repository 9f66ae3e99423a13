//! The duplicate check (查重, CRM-7) over HTTP: candidates with reasons across customers,
//! contacts, leads, the pool and the recycle bin; what a rep who may not see them learns; the
//! admin's rules; no window for two creates of one company.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::common::{TestServer, code};

async fn check(c: &crate::common::Client, probe: Value) -> Value {
    let query: Vec<(String, String)> = probe
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string()))
        .collect();
    let url =
        reqwest::Url::parse_with_params(&format!("{}/api/v1/duplicates/check", c.base), &query)
            .unwrap();
    let r = c
        .http
        .get(url)
        .header("accept-language", c.lang)
        .send()
        .await
        .unwrap();
    let status = r.status();
    let v: Value = r.json().await.unwrap();
    assert_eq!(status, StatusCode::OK, "{v}");
    v
}

#[tokio::test(flavor = "multi_thread")]
async fn candidates_carry_reasons_and_hide_what_the_rep_may_not_see() {
    let (s, admin) = TestServer::with_admin().await;
    let (_, li) = s.user(&admin, "li.na", "sales", &[]).await;
    let (_, wang) = s.user(&admin, "wang.lei", "sales", &[]).await;
    let (status, brandt) = li
        .send(
            Method::POST,
            "/api/v1/customers",
            Some(json!({"name": "Brandt Werkzeuge GmbH", "country": "DE", "email": "info@brandt-werkzeuge.de", "phone": "030 1234567",
                        "website": "https://www.brandt-werkzeuge.de/en", "contacts": [{"name": "Klaus", "emails": ["klaus@brandt-tools.de"]}]})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{brandt}");
    let id = brandt["id"].as_u64().unwrap();

    // A typo in the name, as another rep types it: a possible duplicate, never a refusal.
    let r = check(&wang, json!({"name": "BRANDT Werkzuege"})).await;
    let c = &r["candidates"][0];
    assert_eq!(c["level"], "possible", "{r}");
    assert!(c["score"].as_f64().unwrap() >= 0.6, "{r}");
    assert_eq!(r["verdict"], "warn", "{r}");
    assert!(
        !r.to_string().to_lowercase().contains("werkzeuge"),
        "no reason quotes the other record's name: {r}"
    );
    // The same name written otherwise: the same firm, and another rep owns it.
    let r = check(&wang, json!({"name": "BRANDT Werkzeuge"})).await;
    let c = &r["candidates"][0];
    assert_eq!(
        (c["id"].as_u64(), c["visible"].as_bool()),
        (None, Some(false)),
        "{r}"
    );
    assert_eq!(
        c["title"],
        Value::Null,
        "a rep who may not see it learns no details"
    );
    assert!(
        !r.to_string().to_lowercase().contains("werkzeuge"),
        "no reason quotes the other record's name: {r}"
    );
    assert_eq!(c["owner"]["name"], "li.na");
    assert!(c["score"].as_f64().unwrap() >= 0.85);
    assert_eq!(c["level"], "same", "{r}");
    assert_eq!(c["next"], "request_transfer", "{r}");
    assert!(c["reasons"][0].as_str().unwrap().contains("similar"), "{c}");
    assert_eq!(r["verdict"], "block");
    assert!(r["refusal"].as_str().unwrap().contains("li.na"), "{r}");
    // Other ways to the same firm: phone in another format, the website, the contact's company mail.
    for (probe, reason) in [
        (json!({"phone": "+49 30 1234567", "country": "DE"}), "phone"),
        (json!({"website": "http://brandt-werkzeuge.de"}), "website"),
        (json!({"email": "sales@brandt-tools.de"}), "domain"),
        (json!({"email": "INFO@brandt-werkzeuge.de"}), "same e-mail"),
    ] {
        let r = check(&wang, probe.clone()).await;
        assert_eq!(r["candidates"][0]["owner"]["name"], "li.na", "{probe}: {r}");
        assert!(
            !r.to_string().contains("1234567") && !r.to_string().contains("brandt-"),
            "the matched value is not quoted back: {r}"
        );
        assert!(
            r["candidates"][0]["reasons"].to_string().contains(reason),
            "{probe}: {r}"
        );
    }
    // Free mail and different firms are no duplicates.
    assert_eq!(
        check(&wang, json!({"email": "brandt.klaus@gmail.com"})).await["candidates"],
        json!([])
    );
    let r = check(&wang, json!({"name": "Brandt Moebel GmbH"})).await;
    assert!(
        r["candidates"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["score"].as_f64().unwrap() < 0.85),
        "{r}"
    );
    // The owner sees their own record in full.
    let r = check(&li, json!({"name": "Brandt Werkzeuge"})).await;
    assert_eq!(
        (
            r["candidates"][0]["id"].as_u64(),
            r["candidates"][0]["visible"].as_bool(),
            r["candidates"][0]["title"].as_str()
        ),
        (Some(id), Some(true), Some("Brandt Werkzeuge GmbH"))
    );

    // Saving is refused: another rep owns it (only the owner is named).
    let (status, err) = wang
        .send(
            Method::POST,
            "/api/v1/customers",
            Some(json!({"name": "Brandt Werkzeuge", "phone": "+49 30 1234567"})),
        )
        .await;
    assert_eq!(
        (status, code(&err)),
        (StatusCode::CONFLICT, "owned_by_other"),
        "{err}"
    );
    assert!(err.to_string().contains("li.na"));
    // The owner's own second copy is refused by the default rule for names …
    let (status, err) = li
        .send(
            Method::POST,
            "/api/v1/customers",
            Some(json!({"name": "BRANDT WERKZEUGE"})),
        )
        .await;
    assert_eq!(
        (status, code(&err)),
        (StatusCode::CONFLICT, "duplicate"),
        "{err}"
    );
    // … and allowed once the admin makes names a warning only.
    let (status, _) = admin
        .send(
            Method::PUT,
            "/api/v1/duplicates/rules",
            Some(json!({"name": "warn", "email": "warn", "phone": "warn", "website": "warn"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = li
        .send(
            Method::POST,
            "/api/v1/customers",
            Some(json!({"name": "BRANDT WERKZEUGE"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, _) = li.send(Method::PUT, "/api/v1/duplicates/rules", Some(json!({"name": "ignore", "email": "ignore", "phone": "ignore", "website": "ignore"}))).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

#[tokio::test(flavor = "multi_thread")]
async fn leads_the_pool_and_the_recycle_bin_count_too() {
    let (s, admin) = TestServer::with_admin().await;
    let (_, li) = s.user(&admin, "li.na", "sales", &[]).await;
    li.send(
        Method::POST,
        "/api/v1/leads",
        Some(json!({"company": "Nordlicht Handel AG", "email": "einkauf@nordlicht-handel.ch"})),
    )
    .await;
    let r = check(&li, json!({"name": "Nordlicht Handel"})).await;
    assert_eq!(r["candidates"][0]["kind"], "lead", "{r}");
    assert_eq!(
        r["verdict"], "warn",
        "a lead for the same firm is a warning, not a block"
    );

    let (_, pooled) = admin
        .send(
            Method::POST,
            "/api/v1/customers",
            Some(json!({"name": "广州市联丰纺织有限公司"})),
        )
        .await;
    admin
        .send(
            Method::POST,
            &format!("/api/v1/customers/{}/release", pooled["id"]),
            Some(json!({})),
        )
        .await;
    let r = check(&li, json!({"name": "Guangzhou Lianfeng Textile Co., Ltd."})).await;
    assert_eq!(
        (
            r["candidates"][0]["id"].as_u64(),
            r["candidates"][0]["in_pool"].as_bool()
        ),
        (pooled["id"].as_u64(), Some(true)),
        "{r}"
    );
    let (status, err) = li
        .send(
            Method::POST,
            "/api/v1/customers",
            Some(json!({"name": "广州联丰纺织"})),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(
        err["error"]["message"].as_str().unwrap().contains("pool"),
        "{err}"
    );

    let (_, gone) = li
        .send(
            Method::POST,
            "/api/v1/customers",
            Some(json!({"name": "杭州远航贸易有限公司"})),
        )
        .await;
    // Deleting customers is a manager's right.
    admin
        .send(
            Method::DELETE,
            &format!("/api/v1/customers/{}", gone["id"]),
            None,
        )
        .await;
    let r = check(&li, json!({"name": "杭州远航贸易股份有限公司"})).await;
    assert_eq!(r["candidates"][0]["in_recycle_bin"], true, "{r}");
    // A deleted duplicate warns (restore it instead) but does not block.
    let (status, _) = li
        .send(
            Method::POST,
            "/api/v1/customers",
            Some(json!({"name": "杭州远航贸易股份有限公司"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
}

#[tokio::test(flavor = "multi_thread")]
async fn two_reps_entering_one_firm_at_once_get_one_customer() {
    let (s, admin) = TestServer::with_admin().await;
    let mut reps = Vec::new();
    for i in 0..6 {
        reps.push(s.user(&admin, &format!("rep{i}"), "sales", &[]).await.1);
    }
    let mut tasks = Vec::new();
    for (i, rep) in reps.into_iter().enumerate() {
        tasks.push(tokio::spawn(async move {
            let name = if i % 2 == 0 {
                "Xiamen Bright Star Imp. & Exp. Co., Ltd."
            } else {
                "Xiamen Bright Star Import and Export Company Limited"
            };
            rep.send(
                Method::POST,
                "/api/v1/customers",
                Some(json!({"name": name})),
            )
            .await
            .0
        }));
    }
    let mut created = 0;
    for t in tasks {
        if t.await.unwrap() == StatusCode::CREATED {
            created += 1;
        }
    }
    assert_eq!(
        created, 1,
        "the duplicate index is written with the record, so no second copy slips in"
    );
    assert_eq!(admin.get("/api/v1/customers?scope=all").await["total"], 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn scan_groups_duplicates_and_a_merge_moves_everything_and_can_be_undone() {
    let (s, admin) = TestServer::with_admin().await;
    let (_, li) = s.user(&admin, "li.na", "sales", &[]).await;
    // Names only warn here, so the rep could enter the same firm twice (as old data often has).
    admin
        .send(
            Method::PUT,
            "/api/v1/duplicates/rules",
            Some(json!({"name": "warn", "email": "warn", "phone": "warn", "website": "warn"})),
        )
        .await;
    let (_, a) = li.send(Method::POST, "/api/v1/customers", Some(json!({"name": "Schröder Logistik GmbH & Co. KG", "email": "info@schroeder-logistik.de", "tier": "A"}))).await;
    let (_, b) = li
        .send(Method::POST, "/api/v1/customers", Some(json!({"name": "Schroeder Logistik", "phone": "+49 40 555123", "contacts": [{"name": "Jan Schröder"}]})))
        .await;
    let (_, other) = li
        .send(
            Method::POST,
            "/api/v1/customers",
            Some(json!({"name": "Atlas Home Imports"})),
        )
        .await;
    let (a, b) = (a["id"].as_u64().unwrap(), b["id"].as_u64().unwrap());
    li.send(
        Method::POST,
        &format!("/api/v1/customers/{b}/timeline"),
        Some(json!({"kind": "call", "subject": "asked for a price list"})),
    )
    .await;

    let groups = li.get("/api/v1/duplicates/scan").await;
    assert_eq!(groups.as_array().unwrap().len(), 1, "{groups}");
    let ids: Vec<u64> = groups[0]["customers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_u64().unwrap())
        .collect();
    assert!(
        ids.contains(&a) && ids.contains(&b) && !ids.contains(&other["id"].as_u64().unwrap()),
        "{groups}"
    );
    assert!(!groups[0]["reasons"].as_array().unwrap().is_empty());

    let (status, bad) = li
        .send(
            Method::POST,
            "/api/v1/customers/merge",
            Some(json!({"survivor_id": a, "merged_ids": [b], "fields": {"owner_id": b}})),
        )
        .await;
    assert_eq!(
        (status, bad["error"]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("fields.owner_id"))
    );
    let (status, merged) = li
        .send(
            Method::POST,
            "/api/v1/customers/merge",
            Some(json!({"survivor_id": a, "merged_ids": [b], "fields": {"phone": b}})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{merged}");
    let survivor = li.get(&format!("/api/v1/customers/{a}")).await;
    assert_eq!(
        (
            survivor["phone"].as_str(),
            survivor["tier"].as_str(),
            survivor["email"].as_str()
        ),
        (
            Some("+49 40 555123"),
            Some("A"),
            Some("info@schroeder-logistik.de")
        )
    );
    assert!(
        li.get(&format!("/api/v1/customers/{a}/timeline"))
            .await
            .to_string()
            .contains("asked for a price list")
    );
    assert_eq!(
        li.get(&format!("/api/v1/customers/{a}/contacts")).await[0]["name"],
        "Jan Schröder"
    );
    assert_eq!(
        li.send(Method::GET, &format!("/api/v1/customers/{b}"), None)
            .await
            .0,
        StatusCode::NOT_FOUND
    );
    assert!(
        li.get("/api/v1/recycle-bin?kind=customer")
            .await
            .to_string()
            .contains("Schroeder Logistik")
    );

    let (status, _) = li
        .send(
            Method::POST,
            &format!("/api/v1/merges/{}/undo", merged["merge_id"]),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        li.get(&format!("/api/v1/customers/{a}")).await["phone"],
        Value::Null
    );
    assert!(
        li.get(&format!("/api/v1/customers/{b}/timeline"))
            .await
            .to_string()
            .contains("asked for a price list")
    );
    assert_eq!(
        li.get(&format!("/api/v1/customers/{b}/contacts")).await[0]["name"],
        "Jan Schröder"
    );
    assert_eq!(
        li.get(&format!("/api/v1/customers/{a}/contacts")).await,
        json!([])
    );
    let (status, _) = li
        .send(
            Method::POST,
            &format!("/api/v1/merges/{}/undo", merged["merge_id"]),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
}

/// A contact's phone number without a country code is read in its customer's country: 030 … on
/// a German customer is +49 30 …, also after the customer moves to another country.
#[tokio::test(flavor = "multi_thread")]
async fn contact_phones_are_read_in_the_customers_country() {
    let (_s, admin) = TestServer::with_admin().await;
    let (status, c) = admin
        .send(
            Method::POST,
            "/api/v1/customers",
            Some(json!({"name": "Hanse Werkzeug GmbH", "country": "DE",
                        "contacts": [{"name": "Klaus", "phones": ["0301234567"]}]})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{c}");
    let r = check(&admin, json!({"phone": "+49 30 1234567"})).await;
    assert_eq!(r["candidates"][0]["id"], c["id"], "{r}");
    assert!(
        r["candidates"][0]["reasons"][0]
            .as_str()
            .unwrap()
            .contains("+49301234567"),
        "{r}"
    );
    // A contact added later reads the same way.
    let (status, _) = admin
        .send(
            Method::POST,
            &format!("/api/v1/customers/{}/contacts", c["id"]),
            Some(json!({"name": "Petra", "phones": ["040 5551234"]})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let r = check(&admin, json!({"phone": "+49 40 5551234"})).await;
    assert_eq!(r["candidates"][0]["id"], c["id"], "{r}");
    // The customer moves to France: its contacts' numbers are French now.
    let (status, moved) = admin
        .send(
            Method::PATCH,
            &format!("/api/v1/customers/{}", c["id"]),
            Some(json!({"version": c["version"], "country": "FR"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{moved}");
    let r = check(&admin, json!({"phone": "+33 3 01 23 45 67"})).await;
    assert_eq!(r["candidates"][0]["id"], c["id"], "{r}");
    assert_eq!(
        check(&admin, json!({"phone": "+49 30 1234567"})).await["candidates"],
        json!([])
    );
}

/// Reasons, the errors that carry them and the system lines of a timeline are in the caller's
/// language: Accept-Language, else the user's own.
#[tokio::test(flavor = "multi_thread")]
async fn reasons_and_system_entries_speak_the_callers_language() {
    let (s, admin) = TestServer::with_admin().await;
    let (_, li) = s.user(&admin, "li.na", "sales", &[]).await;
    let (_, brandt) = li
        .send(
            Method::POST,
            "/api/v1/customers",
            Some(json!({"name": "Brandt Werkzeuge GmbH", "email": "info@brandt-werkzeuge.de"})),
        )
        .await;
    let zh = li.clone().zh();
    let probe = json!({"name": "Brandt Werkzuege", "email": "info@brandt-werkzeuge.de"});
    let r_en = check(&li, probe.clone()).await;
    let r_zh = check(&zh, probe).await;
    let reasons = |r: &Value| r["candidates"][0]["reasons"].to_string();
    assert!(
        reasons(&r_en).contains("same e-mail info@brandt-werkzeuge.de")
            && reasons(&r_en).contains("% similar"),
        "{r_en}"
    );
    assert!(!reasons(&r_en).contains("邮箱"), "{r_en}");
    assert!(
        reasons(&r_zh).contains("邮箱相同：info@brandt-werkzeuge.de")
            && reasons(&r_zh).contains("名称相似度")
            && reasons(&r_zh).contains("相差 1 个字母"),
        "{r_zh}"
    );
    assert!(!reasons(&r_zh).contains("same"), "{r_zh}");
    // The name rule (block) is the strictest of the fields that agree: it decides.
    assert_eq!(r_zh["candidates"][0]["field"], "name");
    // Without Accept-Language, the user's own language (li.na's is the company's: Chinese).
    let url = format!(
        "{}/api/v1/duplicates/check?email=info%40brandt-werkzeuge.de",
        li.base
    );
    let plain: Value = li.http.get(url).send().await.unwrap().json().await.unwrap();
    assert!(reasons(&plain).contains("邮箱相同"), "{plain}");
    // The error of a refused save carries the reason in its own language.
    let (status, err) = zh
        .send(
            Method::POST,
            "/api/v1/customers",
            Some(json!({"name": "Brandt Werkzeuge"})),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(
        err["error"]["message"]
            .as_str()
            .unwrap()
            .contains("名称相似度"),
        "{err}"
    );

    // System lines of the timeline: stored once, read in either language.
    let (status, _) = li
        .send(
            Method::POST,
            &format!("/api/v1/customers/{}/release", brandt["id"]),
            Some(json!({"note": "kein Bedarf"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = admin
        .send(
            Method::POST,
            &format!("/api/v1/customers/{}/claim", brandt["id"]),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let path = format!("/api/v1/customers/{}/timeline", brandt["id"]);
    let en = admin.get(&path).await;
    let zh = admin.clone().zh().get(&path).await;
    let subjects = |t: &Value| -> Vec<String> {
        t["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["subject"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(
        subjects(&en),
        vec![
            "周海燕 claimed it from the pool",
            "Returned to the pool (released): kein Bedarf"
        ],
        "{en}"
    );
    assert_eq!(
        subjects(&zh),
        vec!["周海燕 从公海领取", "退回公海（主动释放）：kein Bedarf"],
        "{zh}"
    );
}

/// Names that are no names get a clear answer, never a panic and never a match with every
/// customer: one letter, only a legal form, only punctuation, only digits, 1,000 characters.
#[tokio::test(flavor = "multi_thread")]
async fn names_that_are_no_names_match_nothing_in_particular() {
    let (_s, admin) = TestServer::with_admin().await;
    for name in [
        "Brandt Werkzeuge GmbH",
        "深圳市华信电子有限公司",
        "Atlas Home Imports",
        "A",
        "3M",
    ] {
        let (status, v) = admin
            .send(
                Method::POST,
                "/api/v1/customers",
                Some(json!({"name": name, "country": "DE"})),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{name}: {v}");
    }
    let long = "Brandt ".repeat(150);
    for name in [
        "B",
        "有限公司",
        "GmbH",
        "Co., Ltd.",
        "!!!",
        "---",
        "12345",
        long.as_str(),
    ] {
        let r = admin
            .get(&format!(
                "/api/v1/duplicates/check?name={}&country=DE",
                urlencoding(name)
            ))
            .await;
        let candidates = r["candidates"]
            .as_array()
            .unwrap_or_else(|| panic!("{name}: {r}"));
        assert!(candidates.len() <= 1, "{name} matches several: {r}");
        assert_ne!(r["verdict"], "block", "{name}: {r}");
    }
    // An empty name is refused by the form, clearly.
    let (status, v) = admin
        .send(
            Method::POST,
            "/api/v1/customers",
            Some(json!({"name": "   "})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(v["error"]["field"], "name", "{v}");
}

fn urlencoding(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}
