//! Bulk import and export of customers over HTTP (CRM-8): GBK, UTF-8 with BOM, UTF-16 and XLSX
//! files, the dry run's per-row errors and duplicates, commit and revert, permissions, the
//! bad-input corpus, formula escaping in exports, and 100,000 rows. Fixtures are generated here
//! (encoding_rs, rust_xlsxwriter, zip) rather than committed as binaries.

use std::io::Write;
use std::time::{Duration, Instant};

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::common::{Client, TestServer, code};

async fn upload(c: &Client, filename: &str, bytes: Vec<u8>) -> (StatusCode, Value) {
    upload_kind(c, "customers", filename, bytes).await
}

/// Uploads a file to import as `kind`.
pub(crate) async fn upload_kind(
    c: &Client,
    kind: &str,
    filename: &str,
    bytes: Vec<u8>,
) -> (StatusCode, Value) {
    let resp = c
        .http
        .post(format!("{}/api/v1/imports", c.base))
        .query(&[("kind", kind), ("filename", filename)])
        .header("accept-language", c.lang)
        .header("content-type", "application/octet-stream")
        .body(bytes)
        .send()
        .await
        .expect("upload");
    let status = resp.status();
    let text = resp.text().await.unwrap_or_default();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

async fn uploaded(c: &Client, filename: &str, bytes: Vec<u8>) -> Value {
    uploaded_kind(c, "customers", filename, bytes).await
}

pub(crate) async fn uploaded_kind(c: &Client, kind: &str, filename: &str, bytes: Vec<u8>) -> Value {
    let (status, v) = upload_kind(c, kind, filename, bytes).await;
    assert_eq!(status, StatusCode::CREATED, "{filename}: {v}");
    v
}

pub(crate) async fn dry_run(c: &Client, id: &Value, options: Value) -> Value {
    let (status, v) = c
        .send(
            Method::POST,
            &format!("/api/v1/imports/{id}/dry-run"),
            Some(options),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    v
}

/// Commits and waits until the import leaves `running`.
pub(crate) async fn commit(c: &Client, id: &Value, options: Value) -> Value {
    let (status, v) = c
        .send(
            Method::POST,
            &format!("/api/v1/imports/{id}/commit"),
            Some(options),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{v}");
    wait(c, id, 600).await
}

pub(crate) async fn wait(c: &Client, id: &Value, secs: u64) -> Value {
    let start = Instant::now();
    loop {
        let v = c.get(&format!("/api/v1/imports/{id}")).await;
        if !["running", "reverting"].contains(&v["status"].as_str().unwrap_or("")) {
            return v;
        }
        assert!(start.elapsed() < Duration::from_secs(secs), "stuck: {v}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn customers(c: &Client, query: &str) -> Value {
    c.get(&format!("/api/v1/customers?scope=all&per_page=200{query}"))
        .await
}

async fn total(c: &Client) -> u64 {
    customers(c, "").await["total"].as_u64().unwrap()
}

pub(crate) fn gbk(text: &str) -> Vec<u8> {
    let (bytes, _, unmappable) = encoding_rs::GBK.encode(text);
    assert!(!unmappable);
    bytes.into_owned()
}

pub(crate) fn issues_of(dry: &Value, row: u64) -> Vec<&Value> {
    dry["issues"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["row"] == row)
        .collect()
}

async fn export(c: &Client, query: &str) -> (StatusCode, reqwest::header::HeaderMap, Vec<u8>) {
    export_of(c, "customers", query).await
}

/// `GET /api/v1/{kind}/export?{query}`.
pub(crate) async fn export_of(
    c: &Client,
    kind: &str,
    query: &str,
) -> (StatusCode, reqwest::header::HeaderMap, Vec<u8>) {
    let resp = c
        .http
        .get(format!("{}/api/v1/{kind}/export?{query}", c.base))
        .header("accept-language", c.lang)
        .send()
        .await
        .expect("export");
    let (status, headers) = (resp.status(), resp.headers().clone());
    (status, headers, resp.bytes().await.unwrap().to_vec())
}

#[tokio::test(flavor = "multi_thread")]
async fn gbk_csv_with_chinese_headers_dry_run_commit_report_and_revert() {
    let (s, admin) = TestServer::with_admin().await;
    let admin = admin.zh();
    let (_, _rep) = s.user(&admin, "li.na", "sales", &[]).await;
    // Already in the database: one of the file's rows.
    let (status, existing) = admin
        .send(
            Method::POST,
            "/api/v1/customers",
            Some(json!({"name": "Brandt Werkzeuge GmbH", "country": "DE"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{existing}");
    let csv = "公司名称,国家,邮箱,电话,网址,负责人,标签,备注,联系人\r\n\
        深圳市华信电子有限公司,中国,sales@huaxin.com.cn,0755-88881234,www.huaxin.com.cn,li.na,电子;VIP,老客户介绍,王经理\r\n\
        Müller Handels GmbH,德国,info@mueller,+49 30 1234567,,,五金,,\r\n\
        Acme Trading LLC,Atlantis,ops@acme.com,,acme.com,,,,\r\n\
        Brandt Werkzeuge GmbH,DE,,,,,,,\r\n\
        深圳市華信電子有限公司,CN,,,,,,,\r\n\
        ,US,nobody@x.com,,,,,,\r\n\
        Nordic Supplies AB,SE,buy@nordic.se,+46 8 123456,nordic.se,,,,\r\n\
        深圳市华信电子有限公司,CN,,,,,,,\r\n\
        Kowalski Sp. z o.o.,PL,kowalski@gmail.com,+48 22 1234567,,,,,\r\n";
    let import = uploaded(&admin, "客户名单.csv", gbk(csv)).await;
    let id = import["id"].clone();
    assert_eq!(import["encoding"], "gb18030", "{import}");
    assert_eq!(import["delimiter"], ",");
    assert_eq!(import["rows"], 9);
    assert_eq!(import["status"], "uploaded");

    let preview = admin.get(&format!("/api/v1/imports/{id}/preview")).await;
    assert_eq!(
        preview["mapping"],
        json!([
            "name", "country", "email", "phone", "website", "owner", "tags", "notes", "contact"
        ])
    );
    assert_eq!(preview["rows"][0]["cells"][0], "深圳市华信电子有限公司");
    assert_eq!(preview["rows"][0]["row"], 2);

    let before = total(&admin).await;
    let dry = dry_run(&admin, &id, json!({})).await;
    assert_eq!(total(&admin).await, before, "a dry run writes nothing");
    let c = &dry["counts"];
    assert_eq!(
        (c["rows"].as_u64(), c["create"].as_u64()),
        (Some(9), Some(3)),
        "{dry}"
    );
    assert_eq!(c["errors"], 6, "{dry}");
    // Row 3: a bad e-mail, named by row, column and header, in Chinese.
    let row3 = issues_of(&dry, 3);
    assert_eq!(row3[0]["column"], "C", "{dry}");
    assert_eq!(row3[0]["header"], "邮箱");
    assert!(
        row3[0]["message"]
            .as_str()
            .unwrap()
            .contains("邮箱格式不正确"),
        "{row3:?}"
    );
    // Row 4: an unknown country; row 7: no name.
    assert_eq!(issues_of(&dry, 4)[0]["column"], "B");
    assert_eq!(issues_of(&dry, 7)[0]["code"], "required");
    // Row 5 exists in the database; rows 6 (in traditional characters) and 9 repeat row 2.
    assert_eq!(issues_of(&dry, 5)[0]["code"], "exists", "{dry}");
    let dup9 = dry["duplicates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["row"] == 9)
        .unwrap();
    assert_eq!(
        (dup9["of_row"].as_u64(), dup9["key"].as_str()),
        (Some(2), Some("name"))
    );
    let dup5 = dry["duplicates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["row"] == 5)
        .unwrap();
    assert_eq!(dup5["customer_id"], existing["id"]);
    assert!(c["duplicates_in_file"].as_u64().unwrap() >= 1);
    assert_eq!(c["duplicates_in_db"], 1);

    // The same in English.
    let mut en = admin.clone();
    en.lang = "en";
    let dry_en = dry_run(&en, &id, json!({})).await;
    assert!(
        issues_of(&dry_en, 3)[0]["message"]
            .as_str()
            .unwrap()
            .contains("Not a valid e-mail"),
        "{dry_en}"
    );

    let done = commit(&admin, &id, json!({})).await;
    assert_eq!(done["status"], "done", "{done}");
    let p = &done["progress"];
    assert_eq!(
        (p["created"].as_u64(), p["skipped"].as_u64()),
        (Some(3), Some(6)),
        "{done}"
    );
    assert_eq!(p["rows_done"], 9);
    assert_eq!(total(&admin).await, before + 3);
    let huaxin = customers(&admin, "&q=华信").await;
    let h = &huaxin["items"][0];
    assert_eq!(h["owner"]["name"], "li.na", "{huaxin}");
    assert_eq!(h["tags"], json!(["电子", "VIP"]));
    assert_eq!(h["custom"]["notes"], "老客户介绍");
    let contacts = admin
        .get(&format!("/api/v1/customers/{}/contacts", h["id"]))
        .await;
    assert_eq!(contacts[0]["name"], "王经理");
    // The report lists the skipped rows.
    let report = admin.get(&format!("/api/v1/imports/{id}/issues")).await;
    let rows: Vec<u64> = report["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["severity"] == "error")
        .map(|i| i["row"].as_u64().unwrap())
        .collect();
    for r in [3, 4, 5, 6, 7, 9] {
        assert!(rows.contains(&r), "row {r} missing from {report}");
    }
    // Committing twice is refused.
    let (status, err) = admin
        .send(
            Method::POST,
            &format!("/api/v1/imports/{id}/commit"),
            Some(json!({})),
        )
        .await;
    assert_eq!((status, code(&err)), (StatusCode::CONFLICT, "conflict"));

    // Revert: the three new customers go to the recycle bin.
    let (status, v) = admin
        .send(Method::POST, &format!("/api/v1/imports/{id}/revert"), None)
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{v}");
    let reverted = wait(&admin, &id, 60).await;
    assert_eq!(reverted["status"], "reverted", "{reverted}");
    assert_eq!(reverted["progress"]["reverted"], 3);
    assert_eq!(total(&admin).await, before);
    let bin = admin.get("/api/v1/recycle-bin?kind=customer").await;
    assert_eq!(bin["total"], 3, "{bin}");
    let list = admin.get("/api/v1/imports").await;
    assert_eq!(list["items"][0]["id"], id);
}

#[tokio::test(flavor = "multi_thread")]
async fn utf8_bom_utf16_tab_and_xlsx_files() {
    let (_s, admin) = TestServer::with_admin().await;
    // UTF-8 with BOM, English headers, semicolons, a quoted cell with a newline.
    let bom = "\u{FEFF}Company Name;Country;E-mail;Notes\n\"Ölwerk AG\";DE;info@oelwerk.de;\"two\nlines\"\nZürich Trade;CH;;\n";
    let v = uploaded(&admin, "bom.csv", bom.as_bytes().to_vec()).await;
    assert_eq!(
        (v["encoding"].as_str(), v["delimiter"].as_str()),
        (Some("utf-8"), Some(";"))
    );
    assert_eq!(
        v["headers"][0], "Company Name",
        "the BOM is not part of the header"
    );
    let done = commit(&admin, &v["id"], json!({})).await;
    assert_eq!(done["progress"]["created"], 2, "{done}");
    let c = customers(&admin, "&q=lwerk").await;
    assert_eq!(
        c["items"][0]["custom"]["notes"], "two lines",
        "line breaks become spaces: {c}"
    );

    // UTF-16LE with BOM, tab-separated, as Excel's "Unicode text" writes it.
    let mut utf16 = vec![0xFF, 0xFE];
    for u in "客户名称\t国家\t电话\r\n華信電子\t中国\t+86 755 8888 1234\r\n大阪商事\t日本\t\r\n"
        .encode_utf16()
    {
        utf16.extend_from_slice(&u.to_le_bytes());
    }
    let v = uploaded(&admin, "unicode.txt", utf16).await;
    assert_eq!(
        (v["encoding"].as_str(), v["delimiter"].as_str()),
        (Some("utf-16le"), Some("\t"))
    );
    let dry = dry_run(&admin, &v["id"], json!({})).await;
    assert_eq!(dry["counts"]["create"], 2, "{dry}");

    // XLSX with a title row above the table, a formula (its cached value is imported, never
    // the formula), a number, and an empty row; row numbers are the sheet's.
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.write_string(0, 0, "2026 广交会名单").unwrap();
    for (i, h) in ["公司名称", "国家", "电话", "备注"].iter().enumerate() {
        sheet.write_string(2, i as u16, *h).unwrap();
    }
    sheet.write_string(3, 0, "Hanse Import GmbH").unwrap();
    sheet.write_string(3, 1, "DE").unwrap();
    sheet.write_number(3, 2, 4940123456.0).unwrap();
    sheet
        .write_formula(
            3,
            3,
            rust_xlsxwriter::Formula::new("=CONCATENATE(\"booth \",\"12\")").set_result("booth 12"),
        )
        .unwrap();
    sheet.write_string(5, 0, "Lyon Textiles SARL").unwrap();
    sheet.write_string(5, 1, "法国").unwrap();
    sheet
        .write_formula(
            5,
            3,
            rust_xlsxwriter::Formula::new("=1/0").set_result("#DIV/0!"),
        )
        .unwrap();
    let xlsx = book.save_to_buffer().unwrap();
    let v = uploaded(&admin, "广交会.xlsx", xlsx).await;
    assert_eq!(
        (v["format"].as_str(), v["rows"].as_u64()),
        (Some("xlsx"), Some(2)),
        "{v}"
    );
    assert_eq!(v["header_row"], 3, "the title row is not the header: {v}");
    let preview = admin
        .get(&format!("/api/v1/imports/{}/preview", v["id"]))
        .await;
    assert_eq!(preview["rows"][0]["row"], 4);
    assert_eq!(
        preview["mapping"],
        json!(["name", "country", "phone", "notes"])
    );
    let dry = dry_run(&admin, &v["id"], json!({})).await;
    assert_eq!(dry["counts"]["create"], 2, "{dry}");
    let done = commit(&admin, &v["id"], json!({})).await;
    assert_eq!(done["progress"]["created"], 2, "{done}");
    let hanse = customers(&admin, "&q=Hanse").await["items"][0].clone();
    assert_eq!(hanse["phone"], "4940123456", "{hanse}");
    assert_eq!(
        hanse["custom"]["notes"], "booth 12",
        "the cached value, not the formula"
    );
    let lyon = customers(&admin, "&q=Lyon").await["items"][0].clone();
    assert_eq!(lyon["country"], "FR");
    assert_eq!(lyon["custom"]["notes"], "#DIV/0!");
}

#[tokio::test(flavor = "multi_thread")]
async fn upsert_and_update_by_key_and_their_revert() {
    let (s, admin) = TestServer::with_admin().await;
    let (rep_id, rep) = s.user(&admin, "wang.wei", "sales", &[]).await;
    let (_, c) = rep
        .send(
            Method::POST,
            "/api/v1/customers",
            Some(json!({"name": "Brandt Werkzeuge GmbH", "email": "info@brandt.de", "phone": "+49 30 111", "tags": ["alt"]})),
        )
        .await;
    let (_, other) = admin
        .send(
            Method::POST,
            "/api/v1/customers",
            Some(json!({"name": "Sole Trader", "email": "owner@sole.com"})),
        )
        .await;
    let csv = "Company,Email,Phone,Tags,Owner\n\
        Brandt Werkzeuge GmbH & Co. KG,INFO@brandt.de,+49 30 222,neu,\n\
        New Buyer Ltd,new@buyer.co.uk,,,\n\
        Unknown,nobody@nowhere.com,,,\n\
        ,,,,\n\
        Sole Trader,owner@sole.com,,,wang.wei\n";
    let v = uploaded(&admin, "update.csv", csv.as_bytes().to_vec()).await;
    let id = v["id"].clone();
    // Update only: rows without a match are errors; the pool's customer needs nothing special.
    let dry = dry_run(&admin, &id, json!({"mode": "update", "key": "email"})).await;
    assert_eq!(dry["counts"]["update"], 2, "{dry}");
    assert_eq!(issues_of(&dry, 3)[0]["code"], "not_found");
    assert_eq!(issues_of(&dry, 4)[0]["code"], "not_found");
    // Upsert creates the unknown ones; a match on a key not mapped is refused.
    let (status, err) = admin
        .send(
            Method::POST,
            &format!("/api/v1/imports/{id}/dry-run"),
            Some(json!({"mode": "upsert", "key": "website"})),
        )
        .await;
    assert_eq!(
        (status, err["error"]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("key"))
    );
    let done = commit(&admin, &id, json!({"mode": "upsert", "key": "email"})).await;
    let p = &done["progress"];
    assert_eq!(
        (p["updated"].as_u64(), p["created"].as_u64()),
        (Some(2), Some(2)),
        "{done}"
    );
    let brandt = admin.get(&format!("/api/v1/customers/{}", c["id"])).await;
    assert_eq!(brandt["phone"], "+49 30 222");
    assert_eq!(brandt["name"], "Brandt Werkzeuge GmbH & Co. KG");
    assert_eq!(
        brandt["tags"],
        json!(["alt", "neu"]),
        "tags are added, not replaced"
    );
    let sole = admin
        .get(&format!("/api/v1/customers/{}", other["id"]))
        .await;
    assert_eq!(
        sole["owner"]["id"], rep_id,
        "owner changed by the admin (assign right)"
    );
    // Someone edits Sole Trader after the import: the revert leaves it alone.
    let (status, _) = admin
        .send(
            Method::PATCH,
            &format!("/api/v1/customers/{}", other["id"]),
            Some(json!({"version": sole["version"], "tier": "A"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    admin
        .send(Method::POST, &format!("/api/v1/imports/{id}/revert"), None)
        .await;
    let reverted = wait(&admin, &id, 60).await;
    assert_eq!(reverted["status"], "reverted", "{reverted}");
    assert_eq!(
        (
            reverted["progress"]["reverted"].as_u64(),
            reverted["progress"]["revert_skipped"].as_u64()
        ),
        (Some(3), Some(1)),
        "{reverted}"
    );
    let brandt = admin.get(&format!("/api/v1/customers/{}", c["id"])).await;
    assert_eq!(
        (brandt["phone"].as_str(), brandt["name"].as_str()),
        (Some("+49 30 111"), Some("Brandt Werkzeuge GmbH"))
    );
    assert_eq!(brandt["tags"], json!(["alt"]));
    let sole = admin
        .get(&format!("/api/v1/customers/{}", other["id"]))
        .await;
    assert_eq!(sole["tier"], "A");
    let report = admin
        .get(&format!("/api/v1/imports/{id}/issues?per_page=200"))
        .await;
    assert!(
        report["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["code"] == "changed_since"),
        "{report}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn permissions_and_saved_mappings() {
    let (s, admin) = TestServer::with_admin().await;
    let (_, observer) = s.user(&admin, "guan", "observer", &[]).await;
    let (_, rep) = s.user(&admin, "li.na", "sales", &[]).await;
    let csv = "Company\nAcme\n".as_bytes().to_vec();
    for c in [&observer, &rep] {
        let (status, err) = upload(c, "a.csv", csv.clone()).await;
        assert_eq!(
            (status, code(&err)),
            (StatusCode::FORBIDDEN, "forbidden"),
            "{err}"
        );
        let (status, _, _) = export(c, "format=csv").await;
        assert_eq!(status, StatusCode::FORBIDDEN, "export needs its own right");
        let (status, _) = c
            .send(
                Method::POST,
                "/api/v1/import-mappings",
                Some(json!({"name": "x", "columns": {}})),
            )
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
    }
    // A role that imports and exports its own customers.
    let (status, role) = admin
        .send(
            Method::POST,
            "/api/v1/roles",
            Some(json!({"name": "导入业务员", "grants": {"crm": {"read": "own", "create": "own", "update": "own", "import": "own", "export": "own"}}, "hidden_fields": []})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{role}");
    let (status, user) = admin
        .send(
            Method::POST,
            "/api/v1/users",
            Some(json!({"username": "zhao", "display_name": "赵敏", "password": "user-pass-1", "role_ids": [role["id"]]})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{user}");
    let zhao = s.client();
    zhao.login("zhao", "user-pass-1").await;
    let csv = "公司名称,业务员\n自己的客户有限公司,赵敏\n别人的客户有限公司,li.na\n"
        .as_bytes()
        .to_vec();
    let v = uploaded(&zhao, "mine.csv", csv).await;
    let dry = dry_run(&zhao, &v["id"], json!({})).await;
    assert_eq!(dry["counts"]["create"], 1, "{dry}");
    assert_eq!(
        issues_of(&dry, 3)[0]["field"],
        "owner",
        "a rep imports for themselves only"
    );
    // Someone else's import is not theirs to see.
    let (status, _) = rep
        .send(Method::GET, &format!("/api/v1/imports/{}", v["id"]), None)
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = admin
        .send(Method::GET, &format!("/api/v1/imports/{}", v["id"]), None)
        .await;
    assert_eq!(status, StatusCode::OK, "the admin's scope reaches it");
    let done = commit(&zhao, &v["id"], json!({})).await;
    assert_eq!(done["progress"]["created"], 1);
    let (status, _, body) = export(&zhao, "format=csv").await;
    assert_eq!(status, StatusCode::OK);
    let text = String::from_utf8(body).unwrap();
    assert!(text.contains("自己的客户有限公司"), "{text}");
    // Saved mappings, per user, by name.
    let (status, m) = zhao
        .send(
            Method::POST,
            "/api/v1/import-mappings",
            Some(json!({"name": "展会名单", "columns": {"Firma": "name", "Land": "country", "Notiz": null}})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{m}");
    let (status, err) = zhao
        .send(
            Method::POST,
            "/api/v1/import-mappings",
            Some(json!({"name": "bad", "columns": {"A": "salary"}})),
        )
        .await;
    assert_eq!(
        (status, err["error"]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("columns.A"))
    );
    assert_eq!(
        zhao.get("/api/v1/import-mappings").await[0]["name"],
        "展会名单"
    );
    assert_eq!(
        admin.get("/api/v1/import-mappings").await,
        json!([]),
        "mappings are per user"
    );
    let v = uploaded(
        &zhao,
        "messe.csv",
        "Firma,Land,Notiz\nKlein GmbH,DE,x\n".as_bytes().to_vec(),
    )
    .await;
    let preview = zhao
        .get(&format!(
            "/api/v1/imports/{}/preview?mapping_name=%E5%B1%95%E4%BC%9A%E5%90%8D%E5%8D%95",
            v["id"]
        ))
        .await;
    assert_eq!(
        preview["mapping"],
        json!(["name", "country", null]),
        "{preview}"
    );
    let dry = dry_run(&zhao, &v["id"], json!({"mapping_name": "展会名单"})).await;
    assert_eq!(dry["counts"]["create"], 1, "{dry}");
    let (status, _) = zhao
        .send(
            Method::DELETE,
            "/api/v1/import-mappings/%E5%B1%95%E4%BC%9A%E5%90%8D%E5%8D%95",
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
}

/// Every bad file gets a clear 4xx naming the file (and row and column where there is one),
/// never a 5xx, and writes nothing.
#[tokio::test(flavor = "multi_thread")]
async fn bad_input_is_refused_clearly_and_writes_nothing() {
    let (_s, admin) = TestServer::with_admin().await;
    let before = total(&admin).await;
    let mut cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("empty.csv", Vec::new(), "empty"),
        ("header.csv", b"Company,Country\r\n".to_vec(), "row 1"),
        ("blank.csv", b"\r\n\r\n  ,  \r\n".to_vec(), "no content"),
        (
            "quote.csv",
            b"Company,Notes\nAcme,\"never closed\nBeta,x\n".to_vec(),
            "row 2, column B",
        ),
        (
            "nul.csv",
            b"Company,Notes\nAcme,a\0b\n".to_vec(),
            "row 2, column B",
        ),
        (
            "wrong.csv",
            b"Company\nAcme\n\x81\x20Beta\n".to_vec(),
            "row 3, column A",
        ),
        (
            "utf16-no-bom.csv",
            "Company\nAcme\n"
                .encode_utf16()
                .flat_map(|u| u.to_le_bytes())
                .collect(),
            "NUL",
        ),
        (
            "notzip.xlsx",
            b"Company,Country\nAcme,DE\n".to_vec(),
            "not an XLSX",
        ),
        (
            "broken.xlsx",
            b"PK\x03\x04 this is not really a zip".to_vec(),
            "not a valid XLSX",
        ),
        (
            "old.xls",
            vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0, 0],
            ".xls",
        ),
    ];
    let wide = format!(
        "{}\n{}\n",
        vec!["c"; 10_000].join(","),
        vec!["v"; 10_000].join(",")
    );
    cases.push(("wide.csv", wide.into_bytes(), "more than 200 columns"));
    let mut long = b"Company,Notes\nAcme,".to_vec();
    long.extend(std::iter::repeat_n(b'x', 2 * 1024 * 1024));
    cases.push(("long.csv", long, "row 2, column B"));
    // A zip bomb: a "sheet" of 60 MB of spaces packs to a few tens of KB.
    let mut bomb = Vec::new();
    {
        let mut z = zip::ZipWriter::new(std::io::Cursor::new(&mut bomb));
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        z.start_file("[Content_Types].xml", opts).unwrap();
        z.write_all(b"<Types/>").unwrap();
        z.start_file("xl/worksheets/sheet1.xml", opts).unwrap();
        let spaces = vec![b' '; 1024 * 1024];
        for _ in 0..60 {
            z.write_all(&spaces).unwrap();
        }
        z.finish().unwrap();
    }
    assert!(bomb.len() < 1024 * 1024);
    cases.push(("bomb.xlsx", bomb, "zip bomb"));
    for (name, bytes, expect) in cases {
        let (status, err) = upload(&admin, name, bytes).await;
        assert!(status.is_client_error(), "{name}: {status} {err}");
        assert_eq!(err["error"]["field"], "file", "{name}: {err}");
        let msg = err["error"]["message"].as_str().unwrap_or("");
        assert!(
            msg.contains(name),
            "{name}: the message names the file: {msg}"
        );
        assert!(
            msg.contains(expect),
            "{name}: expected “{expect}” in: {msg}"
        );
    }
    // A 100 MB line (under the upload limit): refused at its row, memory bounded by the 1 MB
    // row limit.
    let mut huge = b"Company\n".to_vec();
    huge.extend(std::iter::repeat_n(b'x', 100_000_000));
    let (status, err) = upload(&admin, "line.csv", huge).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{err}");
    assert!(
        err["error"]["message"].as_str().unwrap().contains("row 2"),
        "{err}"
    );
    // Over 100 MB: 413.
    let (status, err) = upload(&admin, "big.csv", vec![b'a'; 101 * 1024 * 1024]).await;
    assert_eq!(
        (status, code(&err)),
        (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large"),
        "{err}"
    );
    // Options that make no sense.
    let v = uploaded(
        &admin,
        "ok.csv",
        b"Company,Email\nAcme,a@acme.com\n".to_vec(),
    )
    .await;
    for (body, field) in [
        (json!({"mapping": [null, "email"]}), "mapping"),
        (json!({"mapping": ["name", "salary"]}), "mapping[1]"),
        (json!({"mapping": ["name", "name"]}), "mapping[1]"),
        (json!({"mapping_name": "nope"}), "mapping_name"),
        (json!({"mode": "sideways"}), "mode"),
    ] {
        let (status, err) = admin
            .send(
                Method::POST,
                &format!("/api/v1/imports/{}/dry-run", v["id"]),
                Some(body.clone()),
            )
            .await;
        assert!(status.is_client_error(), "{body}: {status} {err}");
        assert_eq!(err["error"]["field"], field, "{body}: {err}");
    }
    let (status, _) = admin
        .send(Method::GET, "/api/v1/imports/999999", None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(total(&admin).await, before, "nothing was written");
    assert_eq!(
        admin.get("/api/v1/imports").await["total"],
        1,
        "refused files leave no import"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn export_escapes_formulas_follows_filters_and_speaks_the_callers_language() {
    let (_s, admin) = TestServer::with_admin().await;
    for (name, country, phone) in [
        (
            "=HYPERLINK(\"http://evil\",\"click\")",
            "DE",
            "+49 30 1234567",
        ),
        ("@SUM(A1:A9) Trading", "DE", "-5"),
        ("华信电子", "CN", "0755-88881234"),
        ("Plain, \"Quoted\" GmbH", "AT", ""),
    ] {
        let (status, v) = admin
            .send(
                Method::POST,
                "/api/v1/customers",
                Some(json!({"name": name, "country": country, "phone": phone, "tags": ["+vip"]})),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{v}");
    }
    let (status, headers, body) = export(&admin, "format=csv&scope=all&sort=name&order=asc").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["x-export-rows"], "4");
    assert!(
        headers["content-disposition"]
            .to_str()
            .unwrap()
            .contains(".csv")
    );
    assert!(body.starts_with(b"\xEF\xBB\xBF"), "UTF-8 with BOM");
    let text = String::from_utf8(body[3..].to_vec()).unwrap();
    let lines: Vec<&str> = text.split("\r\n").collect();
    assert!(
        lines[0].starts_with("ID,Company,Second name,Country"),
        "{}",
        lines[0]
    );
    assert!(
        text.contains(",\"'=HYPERLINK(\"\"http://evil\"\",\"\"click\"\")\","),
        "{text}"
    );
    assert!(text.contains(",'@SUM(A1:A9) Trading,"), "{text}");
    assert!(text.contains(",'+49 30 1234567,"), "{text}");
    assert!(text.contains(",'-5,"), "{text}");
    assert!(text.contains(",'+vip,"), "{text}");
    assert!(text.contains("\"Plain, \"\"Quoted\"\" GmbH\""), "{text}");
    // Filters as on the list: country DE only.
    let (_, headers, _) = export(&admin, "format=csv&scope=all&country=de").await;
    assert_eq!(headers["x-export-rows"], "2");
    // GBK, Chinese headers.
    let zh = admin.clone().zh();
    let (status, _, body) = export(&zh, "format=csv&encoding=gbk&scope=all").await;
    assert_eq!(status, StatusCode::OK);
    let (text, _, bad) = encoding_rs::GBK.decode(&body);
    assert!(!bad);
    assert!(text.starts_with("编号,公司名称,英文名,国家"), "{text}");
    assert!(text.contains("华信电子"));
    // XLSX: values as stored, strings (never formulas), the risky ones with Excel's quote prefix.
    let (status, headers, body) = export(&zh, "format=xlsx&scope=all&sort=name&order=asc").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        headers["content-type"]
            .to_str()
            .unwrap()
            .contains("spreadsheetml")
    );
    use calamine::Reader;
    let mut book = calamine::Xlsx::new(std::io::Cursor::new(body.clone())).unwrap();
    let range = book.worksheet_range("客户").unwrap();
    let names: Vec<String> = range.rows().skip(1).map(|r| r[1].to_string()).collect();
    assert!(
        names.contains(&"=HYPERLINK(\"http://evil\",\"click\")".to_string()),
        "{names:?}"
    );
    let formulas = book.worksheet_formula("客户").unwrap();
    assert!(
        formulas.used_cells().all(|(_, _, f)| f.is_empty()),
        "no formula in the export"
    );
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(body)).unwrap();
    let mut styles = String::new();
    std::io::Read::read_to_string(&mut zip.by_name("xl/styles.xml").unwrap(), &mut styles).unwrap();
    assert!(styles.contains("quotePrefix=\"1\""), "{styles}");
    // An export round-trips through the import: its headers are recognised.
    let (_, _, csv) = export(&admin, "format=csv&scope=all").await;
    let v = uploaded(&admin, "export.csv", csv).await;
    let preview = admin
        .get(&format!("/api/v1/imports/{}/preview", v["id"]))
        .await;
    let mapping = preview["mapping"].as_array().unwrap();
    assert_eq!(mapping[1], "name", "{preview}");
    assert!(mapping.contains(&json!("country")) && mapping.contains(&json!("owner")));
    // The list's own errors apply.
    let (status, _, _) = export(&admin, "format=pdf").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, _, _) = export(&admin, "format=csv&sort=price").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
}

/// Peak resident memory of this test process so far (kB), from /proc.
fn peak_rss_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1).map(|v| v.parse().unwrap_or(0)))
        })
        .unwrap_or(0)
}

/// 100,000 rows: upload, dry run and commit finish with every row; prints rows/s and the
/// process's peak memory (run alone for a clean figure:
/// `cargo test --test api imports::hundred_thousand -- --nocapture`).
#[tokio::test(flavor = "multi_thread")]
async fn hundred_thousand_rows_import_in_bounded_memory() {
    let (_s, admin) = TestServer::with_admin().await;
    // KONTOR_IMPORT_ROWS changes the size (e.g. for profiling).
    let n: usize = std::env::var("KONTOR_IMPORT_ROWS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let mut csv = String::with_capacity(n * 120);
    csv.push_str("公司名称,国家,邮箱,电话,网址,标签,备注\n");
    let countries = ["DE", "US", "CN", "FR", "JP", "BR", "IN", "GB"];
    for i in 0..n {
        csv.push_str(&format!(
            "Trading Company {i} Ltd,{},buyer{i}@company{i}.com,+49 30 {:07},www.company{i}.com,fair;2026,row {i}\n",
            countries[i % countries.len()],
            i
        ));
    }
    let rss_before = peak_rss_kb();
    let t = Instant::now();
    let v = uploaded(&admin, "100k.csv", csv.into_bytes()).await;
    let upload_s = t.elapsed().as_secs_f64();
    assert_eq!(v["rows"], n as u64);
    let t = Instant::now();
    let dry = dry_run(&admin, &v["id"], json!({})).await;
    let dry_s = t.elapsed().as_secs_f64();
    assert_eq!(dry["counts"]["create"], n as u64, "{}", dry["issues"]);
    let t = Instant::now();
    let done = commit(&admin, &v["id"], json!({})).await;
    let commit_s = t.elapsed().as_secs_f64();
    assert_eq!(done["status"], "done", "{done}");
    assert_eq!(done["progress"]["created"], n as u64);
    assert_eq!(done["progress"]["rows_done"], n as u64);
    assert_eq!(total(&admin).await, n as u64);
    println!(
        "{n}-row import: upload+check {upload_s:.1} s, dry run {dry_s:.1} s ({:.0} rows/s), commit {commit_s:.1} s ({:.0} rows/s); peak RSS of the test process {} MB before, {} MB after",
        n as f64 / dry_s,
        n as f64 / commit_s,
        rss_before / 1024,
        peak_rss_kb() / 1024
    );
}

/// A commit cut short by a restart shows as interrupted, and committing again continues after
/// the last written batch: every row ends up written exactly once.
#[tokio::test(flavor = "multi_thread")]
async fn an_interrupted_commit_continues_after_its_last_batch() {
    let (mut s, admin) = TestServer::with_admin().await;
    // Large enough that the restart lands mid-import even on a fast, idle machine.
    const N: usize = 20_000;
    let mut csv = String::from("Company,Email\n");
    for i in 0..N {
        csv.push_str(&format!("Resume Test {i} GmbH,info@resume{i}.de\n"));
    }
    let v = uploaded(&admin, "resume.csv", csv.into_bytes()).await;
    let id = v["id"].clone();
    let (status, _) = admin
        .send(
            Method::POST,
            &format!("/api/v1/imports/{id}/commit"),
            Some(json!({})),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let start = Instant::now();
    loop {
        let v = admin.get(&format!("/api/v1/imports/{id}")).await;
        if v["progress"]["rows_done"].as_u64().unwrap() >= 1000 {
            assert_eq!(
                v["status"], "running",
                "finished too soon to interrupt: {v}"
            );
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(120), "{v}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    s.restart().await;
    let admin = s.client();
    admin.login("admin", crate::common::ADMIN_PASSWORD).await;
    let start = Instant::now();
    let cut = loop {
        let v = admin.get(&format!("/api/v1/imports/{id}")).await;
        if v["status"] == "interrupted" {
            break v;
        }
        assert!(start.elapsed() < Duration::from_secs(30), "{v}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let written = cut["progress"]["created"].as_u64().unwrap();
    assert!(
        written > 0 && written < N as u64 && written % 1000 == 0,
        "whole batches: {cut}"
    );
    assert_eq!(total(&admin).await, written);
    let done = commit(&admin, &id, json!({})).await;
    assert_eq!(done["status"], "done", "{done}");
    assert_eq!(done["progress"]["created"], N as u64, "{done}");
    assert_eq!(done["progress"]["skipped"], 0, "{done}");
    assert_eq!(total(&admin).await, N as u64);
}

async fn set_rules(admin: &Client, email: &str) {
    let (status, v) = admin
        .send(
            Method::PUT,
            "/api/v1/duplicates/rules",
            Some(json!({"name": "warn", "email": email, "phone": "warn", "website": "warn"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");
}

/// The admin's duplicate rules decide what an import does with a row that is the same firm as an
/// existing customer: `block` makes it an error of its row (named by row and column, the
/// existing customer named) and the commit skips it, `warn` lists it as a duplicate, `ignore`
/// says nothing. A shared key alone (another name) is only ever a possible duplicate: a
/// warning, whatever the rule.
#[tokio::test(flavor = "multi_thread")]
async fn duplicate_rules_block_warn_or_ignore_import_rows() {
    let (_s, admin) = TestServer::with_admin().await;
    let (status, atlas) = admin
        .send(
            Method::POST,
            "/api/v1/customers",
            Some(json!({"name": "Atlas Home Imports", "email": "buyer@atlas-home.com"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{atlas}");
    let csv = "Company,Email\n\
        Atlas Home Imports Ltd,BUYER@atlas-home.com\n\
        Zephyr Trading Ltd,buyer@atlas-home.com\n\
        Nordlicht Handel AG,einkauf@nordlicht-handel.ch\n";

    set_rules(&admin, "block").await;
    let v = uploaded(&admin, "block.csv", csv.as_bytes().to_vec()).await;
    let dry = dry_run(&admin, &v["id"], json!({})).await;
    assert_eq!(
        (
            dry["counts"]["create"].as_u64(),
            dry["counts"]["errors"].as_u64()
        ),
        (Some(2), Some(1)),
        "{dry}"
    );
    let row2 = issues_of(&dry, 2);
    assert_eq!(row2.len(), 1, "{dry}");
    assert_eq!(
        (
            row2[0]["severity"].as_str(),
            row2[0]["code"].as_str(),
            row2[0]["column"].as_str(),
            row2[0]["field"].as_str()
        ),
        (Some("error"), Some("exists"), Some("B"), Some("email")),
        "{dry}"
    );
    let msg = row2[0]["message"].as_str().unwrap();
    assert!(
        msg.contains("Atlas Home Imports") && msg.contains("same e-mail buyer@atlas-home.com"),
        "{msg}"
    );
    let dup = &dry["duplicates"][0];
    assert_eq!(
        (
            dup["customer_id"].as_u64(),
            dup["blocking"].as_bool(),
            dup["key"].as_str()
        ),
        (atlas["id"].as_u64(), Some(true), Some("email")),
        "{dry}"
    );
    // Another name at the same address: a warning only.
    let row3 = issues_of(&dry, 3);
    assert_eq!(
        (row3[0]["severity"].as_str(), row3[0]["code"].as_str()),
        (Some("warning"), Some("possible_duplicate")),
        "{dry}"
    );
    let done = commit(&admin, &v["id"], json!({})).await;
    assert_eq!(
        (
            done["progress"]["created"].as_u64(),
            done["progress"]["skipped"].as_u64()
        ),
        (Some(2), Some(1)),
        "{done}"
    );
    assert_eq!(customers(&admin, "&q=Zephyr").await["total"], 1);
    assert_eq!(customers(&admin, "&q=Nordlicht").await["total"], 1);

    // Warn: written, with a duplicate warning naming the customer.
    set_rules(&admin, "warn").await;
    let csv = "Company,Email\nBorealis Outfitters Ltd,buyer@atlas-home.com\n";
    let v = uploaded(&admin, "warn.csv", csv.as_bytes().to_vec()).await;
    let dry = dry_run(&admin, &v["id"], json!({})).await;
    assert_eq!(
        (
            dry["counts"]["create"].as_u64(),
            dry["counts"]["warnings"].as_u64(),
            dry["counts"]["duplicates_in_db"].as_u64()
        ),
        (Some(1), Some(1), Some(1)),
        "{dry}"
    );
    let row2 = issues_of(&dry, 2);
    assert!(
        row2.iter()
            .all(|i| i["severity"] == "warning" && i["code"] == "possible_duplicate"),
        "{dry}"
    );
    assert!(
        row2.iter().any(|i| i["message"]
            .as_str()
            .unwrap()
            .contains("Atlas Home Imports")),
        "{dry}"
    );
    let dups = dry["duplicates"].as_array().unwrap();
    assert!(dups.iter().all(|d| d["blocking"] == false), "{dry}");
    assert!(
        dups.iter()
            .any(|d| d["reasons"][0].as_str().unwrap().contains("same e-mail")),
        "{dry}"
    );

    // Ignore: nothing to say.
    set_rules(&admin, "ignore").await;
    let dry = dry_run(&admin, &v["id"], json!({})).await;
    assert_eq!(dry["counts"]["create"], 1, "{dry}");
    assert_eq!(dry["issues"], json!([]), "{dry}");
    assert_eq!(dry["duplicates"], json!([]), "{dry}");
    let done = commit(&admin, &v["id"], json!({})).await;
    assert_eq!(done["progress"]["created"], 1, "{done}");
    assert_eq!(customers(&admin, "&q=Borealis").await["total"], 1);
}

/// Rows of one file that are one firm as the duplicate check reads them (umlauts, legal forms,
/// the phone with or without its country code) are duplicates of the first one.
#[tokio::test(flavor = "multi_thread")]
async fn rows_of_one_file_are_compared_as_the_duplicate_check_compares() {
    let (_s, admin) = TestServer::with_admin().await;
    let csv = "Company,Country,Phone\n\
        Müller GmbH,DE,030 1234567\n\
        Mueller Ltd,DE,\n\
        Schmidt KG,DE,+49 30 1234567\n";
    let v = uploaded(&admin, "file.csv", csv.as_bytes().to_vec()).await;
    let dry = dry_run(&admin, &v["id"], json!({})).await;
    // The name rule blocks (default); the phone rule warns.
    let row3 = issues_of(&dry, 3);
    assert_eq!(
        (row3[0]["code"].as_str(), row3[0]["severity"].as_str()),
        (Some("duplicate_in_file"), Some("error")),
        "{dry}"
    );
    let row4 = issues_of(&dry, 4);
    assert_eq!(
        (
            row4[0]["code"].as_str(),
            row4[0]["severity"].as_str(),
            row4[0]["column"].as_str()
        ),
        (Some("duplicate_in_file"), Some("warning"), Some("C")),
        "{dry}"
    );
    assert_eq!(dry["counts"]["create"], 2, "{dry}");
}

/// Customers an import creates get what the customer form gives a new customer: their owner's
/// cadence task (on My day), the default pool, owned-since; their contacts read phone numbers
/// in the customer's country.
#[tokio::test(flavor = "multi_thread")]
async fn imported_customers_get_their_cadence_tasks() {
    let (s, admin) = TestServer::with_admin().await;
    let (_, li) = s.user(&admin, "li.na", "sales", &[]).await;
    let csv = "Company,Country,Owner,Contact,Contact phone\n\
        Hanse Import GmbH,DE,li.na,Klaus Brandt,0301234567\n";
    let v = uploaded(&admin, "owners.csv", csv.as_bytes().to_vec()).await;
    let done = commit(&admin, &v["id"], json!({})).await;
    assert_eq!(done["progress"]["created"], 1, "{done}");
    let hanse = customers(&admin, "&q=Hanse").await["items"][0].clone();
    assert!(
        hanse["pool_id"].as_u64().is_some() && hanse["owned_since"].is_string(),
        "{hanse}"
    );
    let day = li.get("/api/v1/my-day").await;
    let task = day["upcoming"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["customer_id"] == hanse["id"])
        .unwrap_or_else(|| panic!("no cadence task for the imported customer: {day}"));
    assert_eq!(task["source"], "cadence", "{task}");
    // The contact's phone without a country code is a German number.
    let r = admin
        .get("/api/v1/duplicates/check?phone=%2B49%2030%201234567&country=DE")
        .await;
    assert_eq!(r["candidates"][0]["id"], hanse["id"], "{r}");
}

/// Every issue of a commit, as its report lists them: (row, code, severity, field).
async fn committed_issues(c: &Client, id: &Value) -> Vec<(u64, String, String, String)> {
    let mut out = Vec::new();
    for page in 1.. {
        let v = c
            .get(&format!(
                "/api/v1/imports/{id}/issues?page={page}&per_page=200"
            ))
            .await;
        let items = v["items"].as_array().cloned().unwrap_or_default();
        if items.is_empty() {
            break;
        }
        out.extend(items.iter().map(issue_key));
    }
    out.sort();
    out
}

fn issue_key(i: &Value) -> (u64, String, String, String) {
    let s = |k: &str| i[k].as_str().unwrap_or_default().to_string();
    (
        i["row"].as_u64().unwrap_or(0),
        s("code"),
        s("severity"),
        s("field"),
    )
}

/// The dry run foretells the commit row for row: the same issues on the same rows, the same
/// counts. Rows are judged for the owner they would have (their own, else the import's choice),
/// and an import's earlier rows are compared with a row the same way before and after they are
/// written: a firm twice in one file for two reps, a rep's own firm again for that rep (a
/// warning under warn rules, not "owned by another rep"), another rep's firm (refused, naming
/// that rep), firms that only look alike (written), and rows for the pool.
#[tokio::test(flavor = "multi_thread")]
async fn the_dry_run_and_the_commit_agree_row_for_row() {
    let (s, admin) = TestServer::with_admin().await;
    let (rep_a, a) = s.user(&admin, "rep_a", "sales", &[]).await;
    s.user(&admin, "rep_b", "sales", &[]).await;
    let (status, v) = a
        .send(
            Method::POST,
            "/api/v1/customers",
            Some(json!({"name": "Kestrel Outdoor Gear GmbH", "country": "DE", "email": "info@kestrel-outdoor.de"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    let (status, v) = admin
        .send(
            Method::PUT,
            "/api/v1/duplicates/rules",
            Some(json!({"name": "warn", "email": "warn", "phone": "warn", "website": "warn"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    let csv = "Company,Country,Email,Owner\n\
        Kestrel Outdoor Gear,DE,einkauf@kestrel-outdoor.de,rep_a\n\
        Kestrel Outdoor Gear AG,DE,sales@kestrel-outdoor.de,rep_b\n\
        Vasquez Supply B.V.,NL,info@vasquez-supply.nl,rep_a\n\
        Vasquez Imports B.V.,NL,info@vasquez-imports.nl,rep_b\n\
        Pacific Imports K.K.,JP,info@pacific-imports.jp,rep_a\n\
        Pacific Imports SARL,FR,contact@pacific-imports.fr,rep_b\n\
        Hanseatic Timber Trading GmbH,DE,info@hanseatic-timber.de,rep_a\n\
        HANSEATIC TIMBER TRADING,DE,buy@hanseatic-timber.de,rep_b\n\
        Riverside Home Goods Inc.,US,sales@riversidehome.com,\n\
        Riverside Housewares LLC,US,sales@riversidehousewares.com,\n\
        宁波市海纳电子进出口有限公司,CN,sales@haina-elec.cn,rep_a\n\
        宁波市海纳贸易进出口有限公司,CN,sales@haina-trade.cn,rep_a\n";
    let v = uploaded(&admin, "agree.csv", csv.as_bytes().to_vec()).await;
    let options = json!({"default_owner": {"pool": true}});
    let dry = dry_run(&admin, &v["id"], options.clone()).await;
    let mut foretold: Vec<_> = dry["issues"]
        .as_array()
        .unwrap()
        .iter()
        .map(issue_key)
        .collect();
    foretold.sort();
    let done = commit(&admin, &v["id"], options).await;
    assert_eq!(done["status"], "done", "{done}");
    assert_eq!(committed_issues(&admin, &v["id"]).await, foretold, "{dry}");
    assert_eq!(
        (
            dry["counts"]["create"].as_u64(),
            dry["counts"]["errors"].as_u64(),
            dry["counts"]["warnings"].as_u64()
        ),
        (
            done["progress"]["created"].as_u64(),
            done["progress"]["skipped"].as_u64(),
            done["progress"]["warnings"].as_u64()
        ),
        "{dry}\n{done}"
    );
    // Row 2: rep_a's own firm for rep_a: a warning, written.
    let row2 = issues_of(&dry, 2);
    assert!(
        !row2.is_empty() && row2.iter().all(|i| i["severity"] == "warning"),
        "{dry}"
    );
    // Row 3: the same firm for rep_b: refused, naming rep_a (the owner), not the importer.
    let row3 = issues_of(&dry, 3);
    assert_eq!(row3[0]["severity"], "error", "{dry}");
    assert!(
        row3[0]["message"].as_str().unwrap().contains("rep_a"),
        "{dry}"
    );
    // Row 9: the same firm as row 8 for another rep.
    assert_eq!(issues_of(&dry, 9)[0]["code"], "duplicate_in_file", "{dry}");
    // Firms that only look alike are written without an error.
    for row in [4, 5, 6, 7, 8, 10, 11, 12, 13] {
        assert!(
            issues_of(&dry, row)
                .iter()
                .all(|i| i["severity"] == "warning"),
            "row {row}: {dry}"
        );
    }
    assert_eq!(dry["counts"]["create"], 10, "{dry}");
    // Rows without an owner went to the pool.
    let pool = admin.get("/api/v1/pool?per_page=200").await;
    let names: Vec<&str> = pool["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["name"].as_str())
        .collect();
    assert!(
        names.contains(&"Riverside Home Goods Inc.") && names.contains(&"Riverside Housewares LLC"),
        "{pool}"
    );
    let _ = rep_a;
}
