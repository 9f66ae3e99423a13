//! Kontor's own words (preset pool and cadence names, task titles, system timeline entries,
//! audit titles) reach each viewer in their language: an English user reads no Chinese but the
//! names people typed.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::common::{Client, TestServer};

fn cjk(s: &str) -> bool {
    s.chars().any(|c| {
        ('\u{3000}'..='\u{303f}').contains(&c)
            || ('\u{3400}'..='\u{9fff}').contains(&c)
            || ('\u{ff00}'..='\u{ffef}').contains(&c)
    })
}

async fn speak(c: &Client, lang: &str) {
    let (status, body) = c
        .send(Method::PATCH, "/api/v1/me", Some(json!({"language": lang})))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

/// Every string in `v` but those that contain one of `typed` (names the test wrote in Chinese).
fn system_strings(v: &Value, typed: &[&str], out: &mut Vec<String>) {
    match v {
        Value::String(s) if !typed.iter().any(|t| s.contains(t)) => out.push(s.clone()),
        Value::Array(a) => a.iter().for_each(|x| system_strings(x, typed, out)),
        Value::Object(o) => o.values().for_each(|x| system_strings(x, typed, out)),
        _ => {}
    }
}

fn assert_no_chinese(what: &str, v: &Value, typed: &[&str]) {
    let mut all = Vec::new();
    system_strings(v, typed, &mut all);
    let bad: Vec<_> = all.into_iter().filter(|s| cjk(s)).collect();
    assert!(
        bad.is_empty(),
        "{what} shows Chinese to an English user: {bad:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_english_user_reads_kontors_words_in_english() {
    let (s, admin) = TestServer::with_admin().await;
    let (_, rep) = s.user(&admin, "anna", "sales", &[]).await;
    speak(&rep, "en").await;

    // The default pool: one record, a name per viewer.
    let pools = rep.get("/api/v1/pools").await;
    assert_eq!(pools[0]["name"], "Public pool", "{pools}");
    assert_eq!(
        admin.clone().zh().get("/api/v1/pools").await[0]["name"],
        "公海"
    );
    let rules = rep.get("/api/v1/cadence-rules").await;
    assert_eq!(rules.as_array().unwrap().len(), 5);
    assert_no_chinese("cadence rules", &rules, &[]);

    // A customer named in Chinese; the cadence task names it, in English words.
    let (status, c) = rep
        .send(
            Method::POST,
            "/api/v1/customers",
            Some(json!({"name": "宁波海纳电子", "country": "EE"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{c}");
    assert_eq!(c["country_name"], "Estonia");
    let id = c["id"].as_u64().unwrap();
    let day = rep.get("/api/v1/my-day").await;
    assert!(
        day.to_string()
            .contains("Send the company introduction: 宁波海纳电子"),
        "{day}"
    );
    assert_no_chinese("My day", &day, &["宁波海纳电子"]);

    // Released to the pool and claimed back: system entries on the timeline.
    let (status, body) = rep
        .send(
            Method::POST,
            &format!("/api/v1/customers/{id}/release"),
            Some(json!({})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (_, ben) = s.user(&admin, "ben", "sales", &[]).await;
    speak(&ben, "en").await;
    let (status, body) = ben
        .send(Method::POST, &format!("/api/v1/customers/{id}/claim"), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let timeline = ben.get(&format!("/api/v1/customers/{id}/timeline")).await;
    let subjects: Vec<&str> = timeline["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|a| a["subject"].as_str())
        .collect();
    assert_eq!(
        subjects,
        [
            "ben claimed it from the pool",
            "Returned to the pool (released)"
        ]
    );
    // Chinese viewers read the same entries in Chinese.
    let zh = admin.clone().zh();
    let zh_timeline = zh.get(&format!("/api/v1/customers/{id}/timeline")).await;
    assert_eq!(zh_timeline["items"][0]["subject"], "ben 从公海领取");

    // The audit log, read in English: no Chinese but the names people gave (the customer, the
    // admin and the company of the test server's setup).
    speak(&admin, "en").await;
    let audit = admin.get("/api/v1/audit?per_page=100").await;
    assert_no_chinese(
        "the audit log",
        &audit,
        &["宁波海纳电子", "周海燕", "宁波海纳进出口有限公司"],
    );
    let titles: Vec<&str> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["title"].as_str())
        .collect();
    assert!(
        titles.contains(&"Send the company introduction: 宁波海纳电子"),
        "{titles:?}"
    );
}
