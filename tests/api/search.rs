//! Search through the index: the customer list's `q` (pinyin, typos, scope, exact totals, the
//! same rows in the export), timeline entries, and contact hits that name their company.
//!
//! The list's `q` is exact whether or not the indexer has committed the latest changes (those
//! are matched on the records), so each list check runs once before and once after
//! `index_now()`: both must give the same answer. The search box follows the indexer, so its
//! checks run after `index_now()`, as the other search tests do.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::common::{Client, TestServer};

async fn customer(c: &Client, body: Value) -> u64 {
    let (status, v) = c.send(Method::POST, "/api/v1/customers", Some(body)).await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    v["id"].as_u64().unwrap()
}

fn ids(v: &Value) -> Vec<u64> {
    v["items"]
        .as_array()
        .unwrap_or_else(|| panic!("no items: {v}"))
        .iter()
        .map(|c| c["id"].as_u64().unwrap())
        .collect()
}

/// The ids in every page of a list query (two per page), checking each page's total.
async fn all_pages(c: &Client, query: &str) -> (Vec<u64>, u64) {
    let first = c
        .get(&format!("/api/v1/customers?{query}&per_page=2"))
        .await;
    let total = first["total"].as_u64().unwrap();
    let mut out = ids(&first);
    for page in 2..=total.div_ceil(2) {
        let v = c
            .get(&format!("/api/v1/customers?{query}&per_page=2&page={page}"))
            .await;
        assert_eq!(
            v["total"].as_u64(),
            Some(total),
            "page {page} of {query}: {v}"
        );
        out.extend(ids(&v));
    }
    (out, total)
}

/// The ids in a CSV export of a list query (the first column).
async fn exported(c: &Client, query: &str) -> Vec<u64> {
    let resp = c
        .http
        .get(format!("{}/api/v1/customers/export?{query}", c.base))
        .header("accept-language", c.lang)
        .send()
        .await
        .expect("export");
    assert_eq!(resp.status(), StatusCode::OK);
    let text = resp.text().await.unwrap();
    text.trim_start_matches('\u{feff}')
        .lines()
        .skip(1)
        .map(|line| line.split(',').next().unwrap().parse().unwrap())
        .collect()
}

fn url(q: &str) -> String {
    reqwest::Url::parse_with_params("http://x/", &[("q", q)])
        .unwrap()
        .query()
        .unwrap()
        .to_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn list_q_finds_pinyin_typos_and_keeps_filters_totals_pages_and_the_export() {
    let (s, admin) = TestServer::with_admin().await;
    let (li_id, li) = s.user(&admin, "li.na", "sales", &[]).await;
    let huaxin = customer(
        &admin,
        json!({"name": "深圳市华信电子有限公司", "country": "CN", "tier": "A"}),
    )
    .await;
    let jiale = customer(
        &admin,
        json!({"name": "宁波佳乐电子有限公司", "country": "CN"}),
    )
    .await;
    let hongda = customer(
        &li,
        json!({"name": "苏州宏达电子有限公司", "country": "CN"}),
    )
    .await;
    let brandt = customer(
        &admin,
        json!({"name": "Brandt Trading GmbH", "country": "DE", "email": "info@brandt-trading.de", "phone": "+49 40 1234567"}),
    )
    .await;
    let _other = customer(
        &admin,
        json!({"name": "Pacific Imports SARL", "country": "FR"}),
    )
    .await;

    for round in ["before the indexer's commit", "after it"] {
        if round == "after it" {
            s.kontor().index_now().unwrap();
        }
        let list = |q: &str, more: &str| format!("{}&scope=all{more}", url(q));
        // Pinyin of a Chinese name, with the right total over every page.
        let (found, total) = all_pages(&admin, &list("dianzi", "&sort=created&order=asc")).await;
        assert_eq!(
            (found.clone(), total),
            (vec![huaxin, jiale, hongda], 3),
            "{round}"
        );
        let (found, total) = all_pages(&admin, &list("huaxin", "")).await;
        assert_eq!((found, total), (vec![huaxin], 1), "{round}");
        // Chinese words, traditional characters, a prefix, an e-mail, phone digits, a typo.
        for (q, want) in [
            ("电子 宁波", vec![jiale]),
            ("華信", vec![huaxin]),
            ("bran", vec![brandt]),
            ("info@brandt", vec![brandt]),
            ("+49 40 123", vec![brandt]),
            ("Brnadt", vec![brandt]),
            ("nothing-like-it", vec![]),
        ] {
            let (found, total) = all_pages(&admin, &list(q, "")).await;
            assert_eq!(found, want, "{q} {round}");
            assert_eq!(total, want.len() as u64, "{q} {round}");
        }
        // The other filters still apply: tier, owner, country.
        assert_eq!(
            all_pages(&admin, &list("dianzi", "&tier=A")).await,
            (vec![huaxin], 1),
            "{round}"
        );
        assert_eq!(
            all_pages(&admin, &list("dianzi", &format!("&owner_id={li_id}"))).await,
            (vec![hongda], 1),
            "{round}"
        );
        assert_eq!(
            all_pages(&admin, &list("dianzi", "&country=DE")).await,
            (vec![], 0),
            "{round}"
        );
        // Sorted by name, newest first by default.
        let (found, _) = all_pages(&admin, &list("dianzi", "")).await;
        assert_eq!(found, vec![hongda, jiale, huaxin], "{round}");
        // The export of the filtered list has the same rows.
        let mut exported_ids = exported(&admin, &list("dianzi", "")).await;
        exported_ids.sort();
        assert_eq!(exported_ids, vec![huaxin, jiale, hongda], "{round}");
        assert_eq!(
            exported(&admin, &list("Brnadt", "")).await,
            vec![brandt],
            "{round}"
        );
    }

    // Renamed a moment ago: found by the new name, no longer by the old one, at once.
    let v = admin.get(&format!("/api/v1/customers/{jiale}")).await;
    let (status, v) = admin
        .send(
            Method::PATCH,
            &format!("/api/v1/customers/{jiale}"),
            Some(json!({"version": v["version"], "name": "宁波佳乐光学有限公司"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    let (found, _) = all_pages(&admin, &format!("{}&scope=all", url("dianzi"))).await;
    assert_eq!(found, vec![hongda, huaxin]);
    let (found, _) = all_pages(&admin, &format!("{}&scope=all", url("guangxue"))).await;
    assert_eq!(found, vec![jiale]);

    // Too long a text is refused, naming the field.
    let (status, err) = admin
        .send(
            Method::GET,
            &format!("/api/v1/customers?q={}", "a".repeat(201)),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{err}");
    assert_eq!(err["error"]["field"], "q");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_reps_list_q_never_returns_another_reps_customer() {
    let (s, admin) = TestServer::with_admin().await;
    let (li_id, li) = s.user(&admin, "li.na", "sales", &[]).await;
    let (wang_id, wang) = s.user(&admin, "wang.lei", "sales", &[]).await;
    let lis = customer(&li, json!({"name": "深圳市华信电子有限公司"})).await;
    let wangs = customer(&wang, json!({"name": "东莞华美电子有限公司"})).await;
    let moved = customer(&wang, json!({"name": "佛山华兴电子有限公司"})).await;
    for round in ["before the indexer's commit", "after it"] {
        if round == "after it" {
            s.kontor().index_now().unwrap();
        }
        for q in ["huaxin", "dianzi", "华信", "hua"] {
            for more in [
                "",
                "&scope=all",
                "&scope=team",
                &format!("&owner_id={li_id}"),
            ] {
                let (found, total) = all_pages(&wang, &format!("{}{more}", url(q))).await;
                assert!(
                    !found.contains(&lis) && found.len() as u64 == total,
                    "{q}{more} {round}: {found:?}"
                );
            }
        }
        assert!(
            all_pages(&wang, &url("dianzi")).await.0.contains(&wangs),
            "{round}"
        );
        assert_eq!(
            all_pages(&li, &url("dianzi")).await,
            (vec![lis], 1),
            "{round}"
        );
    }
    // Moved to li a moment ago (the index may still name wang): wang no longer finds it.
    let (status, v) = admin
        .send(
            Method::POST,
            &format!("/api/v1/customers/{moved}/transfer"),
            Some(json!({"to_user": li_id})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    let (found, _) = all_pages(&wang, &format!("{}&scope=all", url("huaxing"))).await;
    assert!(found.is_empty(), "{found:?}");
    let (found, _) = all_pages(&li, &url("huaxing")).await;
    assert_eq!(found, vec![moved]);
    // And an admin's list of one rep's customers by text.
    let (found, _) = all_pages(
        &admin,
        &format!("{}&scope=all&owner_id={wang_id}", url("dianzi")),
    )
    .await;
    assert_eq!(found, vec![wangs]);
}

#[tokio::test(flavor = "multi_thread")]
async fn timeline_words_find_the_entry_and_contact_hits_name_their_company() {
    let (s, admin) = TestServer::with_admin().await;
    let (_, li) = s.user(&admin, "li.na", "sales", &[]).await;
    let (_, wang) = s.user(&admin, "wang.lei", "sales", &[]).await;
    let brandt = customer(
        &li,
        json!({"name": "Brandt Trading GmbH", "contacts": [{"name": "Jörg Wagenknecht", "role": "buyer"}]}),
    )
    .await;
    let (status, entry) = li
        .send(
            Method::POST,
            &format!("/api/v1/customers/{brandt}/timeline"),
            Some(json!({"kind": "call", "subject": "Musterfreigabe besprochen", "body": "Kompressor für Kühlschrank, 3 Farben"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{entry}");
    let entry = entry["id"].as_u64().unwrap();
    s.kontor().index_now().unwrap();

    let hits = |v: &Value, kind: &str| -> Vec<Value> {
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|h| h["kind"] == kind)
            .cloned()
            .collect()
    };
    // A word of the body, a word of the subject: the entry, with its customer.
    for q in ["kompressor", "Musterfreigabe", "kuhlschrank"] {
        let v = li.get(&format!("/api/v1/search?{}", url(q))).await;
        let found = hits(&v, "activity");
        assert_eq!(found.len(), 1, "{q}: {v}");
        assert_eq!(found[0]["id"], entry);
        assert_eq!(found[0]["title"], "Musterfreigabe besprochen");
        assert_eq!(found[0]["parent"]["kind"], "customer");
        assert_eq!(found[0]["parent"]["id"], brandt);
        assert_eq!(found[0]["parent"]["title"], "Brandt Trading GmbH");
        // Scoped like its customer: another rep finds nothing, an admin finds it.
        let v = wang.get(&format!("/api/v1/search?{}", url(q))).await;
        assert!(hits(&v, "activity").is_empty(), "{q}: {v}");
        let v = admin.get(&format!("/api/v1/search?{}", url(q))).await;
        assert_eq!(hits(&v, "activity").len(), 1, "{q}: {v}");
    }

    // A contact hit names its company (as it is called now).
    let v = li
        .get(&format!("/api/v1/search?{}", url("wagenknecht")))
        .await;
    let found = hits(&v, "contact");
    assert_eq!(found.len(), 1, "{v}");
    assert_eq!(found[0]["parent"]["kind"], "customer");
    assert_eq!(found[0]["parent"]["id"], brandt);
    assert_eq!(found[0]["parent"]["title"], "Brandt Trading GmbH");
    let c = li.get(&format!("/api/v1/customers/{brandt}")).await;
    let (status, v) = li
        .send(
            Method::PATCH,
            &format!("/api/v1/customers/{brandt}"),
            Some(json!({"version": c["version"], "name": "Brandt Handel GmbH"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    let v = li
        .get(&format!("/api/v1/search?{}", url("wagenknecht")))
        .await;
    assert_eq!(
        hits(&v, "contact")[0]["parent"]["title"],
        "Brandt Handel GmbH"
    );
    let v = wang
        .get(&format!("/api/v1/search?{}", url("wagenknecht")))
        .await;
    assert!(hits(&v, "contact").is_empty(), "{v}");
}
