//! The product catalogue (SAL-1), the first kind built on the module kit: hidden fields never
//! reach a role that hides them, and such a role cannot overwrite them blind. Its import (a GBK
//! price list with Chinese headers, a role without costs), its export and the round trip
//! between them, and its images.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::common::{Client, TestServer, code};
use crate::files::png;
use crate::imports::{
    commit, dry_run, export_of, gbk, issues_of, upload_kind, uploaded_kind, wait,
};

fn has_key(v: &Value, key: &str) -> bool {
    match v {
        Value::Object(m) => m.contains_key(key) || m.values().any(|x| has_key(x, key)),
        Value::Array(a) => a.iter().any(|x| has_key(x, key)),
        _ => false,
    }
}

async fn product(c: &Client, body: Value) -> Value {
    let (status, p) = c.send(Method::POST, "/api/v1/products", Some(body)).await;
    assert_eq!(status, StatusCode::CREATED, "{p}");
    p
}

/// A user with a custom role: products read/create/update, costs and supplier prices hidden.
async fn product_editor(s: &TestServer, admin: &Client) -> Client {
    product_editor_with(s, admin, &["read", "create", "update"]).await
}

/// A user with a custom role: these products actions, costs and supplier prices hidden.
async fn product_editor_with(s: &TestServer, admin: &Client, actions: &[&str]) -> Client {
    let grants: serde_json::Map<String, Value> = actions
        .iter()
        .map(|a| (a.to_string(), json!("all")))
        .collect();
    let (status, role) = admin
        .send(
            Method::POST,
            "/api/v1/roles",
            Some(json!({"name": "产品编辑", "grants": {"products": grants},
                "hidden_fields": ["cost", "supplier_price"]})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{role}");
    let (status, user) = admin
        .send(
            Method::POST,
            "/api/v1/users",
            Some(
                json!({"username": "wang.fang", "display_name": "王芳", "password": "user-pass-1",
                "role_ids": [role["id"]], "team_ids": []}),
            ),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{user}");
    let c = s.client();
    c.login("wang.fang", "user-pass-1").await;
    c
}

#[tokio::test(flavor = "multi_thread")]
async fn costs_and_supplier_prices_never_reach_a_role_that_hides_them() {
    let (mut s, admin) = TestServer::with_admin().await;
    let p = product(
        &admin,
        json!({"sku": "LED-100", "name_zh": "LED 筒灯", "name_en": "LED downlight", "hs_code": "9405.11",
            "packing": {"units_per_carton": 50, "carton_cm": ["60", "40", "30"], "gross_kg": "12.5", "net_kg": "11"},
            "prices": [{"amount": "3.20", "currency": "USD"}, {"amount": "2.95", "currency": "EUR"}],
            "cost": {"amount": "14.80", "currency": "CNY"},
            "supplier_prices": [{"supplier": "中山灯饰厂", "price": {"amount": "14.80", "currency": "CNY"}, "moq": 1000, "lead_days": 15}]}),
    )
    .await;
    let id = p["id"].as_u64().unwrap();
    assert_eq!(p["cbm"], "0.072", "60 × 40 × 30 cm");
    assert_eq!(p["cost"]["amount"], "14.80");
    assert_eq!(p["name"], "LED downlight");

    let (_, rep) = s.user(&admin, "li.na", "sales", &[]).await;
    let seen = rep.get(&format!("/api/v1/products/{id}")).await;
    assert_eq!(seen["sku"], "LED-100", "{seen}");
    assert!(
        !has_key(&seen, "cost") && !has_key(&seen, "supplier_prices"),
        "{seen}"
    );
    let list = rep.get("/api/v1/products?q=downlight").await;
    assert_eq!(list["total"], 1, "{list}");
    assert!(
        !has_key(&list, "cost") && !has_key(&list, "supplier_prices"),
        "{list}"
    );
    s.kontor().index_now().unwrap();
    let hits = rep.get("/api/v1/search?q=LED-100").await;
    assert!(hits.to_string().contains("LED-100"), "{hits}");
    assert!(!hits.to_string().contains("14.80"), "{hits}");
    // A rep reads the catalogue but does not change it.
    let (status, _) = rep
        .send(
            Method::PATCH,
            &format!("/api/v1/products/{id}"),
            Some(json!({"specs": "x"})),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // An editor who cannot see costs changes the rest; the cost stays as it was …
    let editor = product_editor(&s, &admin).await;
    let (status, changed) = editor
        .send(
            Method::PATCH,
            &format!("/api/v1/products/{id}"),
            Some(json!({"version": p["version"], "specs": "12 W, 4000 K"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{changed}");
    assert!(!has_key(&changed, "cost"), "{changed}");
    // … and may not overwrite it blind.
    let (status, err) = editor
        .send(
            Method::PATCH,
            &format!("/api/v1/products/{id}"),
            Some(json!({"cost": {"amount": "1", "currency": "CNY"}})),
        )
        .await;
    assert_eq!(
        (status, err["error"]["field"].as_str()),
        (StatusCode::FORBIDDEN, Some("cost")),
        "{err}"
    );
    // Nor remove it.
    let (status, err) = editor
        .send(
            Method::PATCH,
            &format!("/api/v1/products/{id}"),
            Some(json!({"cost": null})),
        )
        .await;
    assert_eq!(
        (status, err["error"]["field"].as_str()),
        (StatusCode::FORBIDDEN, Some("cost")),
        "{err}"
    );

    // Everything survives a restart.
    s.restart().await;
    let admin = s.client();
    admin.login("admin", crate::common::ADMIN_PASSWORD).await;
    let after = admin.get(&format!("/api/v1/products/{id}")).await;
    assert_eq!(
        (
            &after["cost"]["amount"],
            &after["specs"],
            &after["supplier_prices"][0]["moq"]
        ),
        (&json!("14.80"), &json!("12 W, 4000 K"), &json!(1000))
    );
    assert_eq!(after["packing"]["carton_cm"], json!(["60", "40", "30"]));
    // A role that sees costs removes one with null; leaving it out keeps it.
    let (status, kept) = admin
        .send(
            Method::PATCH,
            &format!("/api/v1/products/{id}"),
            Some(json!({"unit": "set"})),
        )
        .await;
    assert_eq!(
        (status, &kept["cost"]["amount"]),
        (StatusCode::OK, &json!("14.80")),
        "{kept}"
    );
    let (status, cleared) = admin
        .send(
            Method::PATCH,
            &format!("/api/v1/products/{id}"),
            Some(json!({"cost": null})),
        )
        .await;
    assert_eq!(
        (status, &cleared["cost"]),
        (StatusCode::OK, &Value::Null),
        "{cleared}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_product_input_names_the_field_and_skus_are_unique_without_case() {
    let (_s, admin) = TestServer::with_admin().await;
    product(&admin, json!({"sku": "AB-1", "name_en": "Bracket"})).await;
    let cases = [
        (
            json!({"sku": "ab-1", "name_en": "Other"}),
            StatusCode::CONFLICT,
            "sku",
        ),
        (
            json!({"name_en": "No SKU"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "sku",
        ),
        (
            json!({"sku": "X 1", "name_en": "Space"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "sku",
        ),
        (
            json!({"sku": "X-2"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "name_en",
        ),
        (
            json!({"sku": "X-3", "name_en": "A", "hs_code": "12ab"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "hs_code",
        ),
        (
            json!({"sku": "X-4", "name_en": "A", "packing": {"gross_kg": "5", "net_kg": "6"}}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "packing.net_kg",
        ),
        (
            json!({"sku": "X-5", "name_en": "A", "packing": {"carton_cm": ["60", "0", "30"]}}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "packing.carton_cm[1]",
        ),
        (
            json!({"sku": "X-6", "name_en": "A", "prices": [{"amount": "1", "currency": "USD"}, {"amount": "2", "currency": "USD"}]}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "prices[1].currency",
        ),
        (
            json!({"sku": "X-7", "name_en": "A", "cost": {"amount": "-1", "currency": "CNY"}}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "cost.amount",
        ),
    ];
    for (body, status, field) in cases {
        let (got, err) = admin
            .send(Method::POST, "/api/v1/products", Some(body.clone()))
            .await;
        assert_eq!(
            (got, err["error"]["field"].as_str()),
            (status, Some(field)),
            "{body} → {err}"
        );
    }
    // An unknown currency is refused where it is.
    let (got, err) = admin
        .send(
            Method::POST,
            "/api/v1/products",
            Some(json!({"sku": "X-8", "name_en": "A", "prices": [{"amount": "1", "currency": "XYZ"}]})),
        )
        .await;
    assert_eq!(got, StatusCode::UNPROCESSABLE_ENTITY, "{err}");
    assert!(err.to_string().contains("XYZ"), "{err}");
    assert_eq!(
        admin.get("/api/v1/products").await["total"],
        1,
        "nothing half-written"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn products_list_by_sku_page_by_page_and_come_back_from_the_recycle_bin() {
    let (_s, admin) = TestServer::with_admin().await;
    for sku in ["C-3", "A-1", "B-2", "D-4"] {
        product(
            &admin,
            json!({"sku": sku, "name_zh": format!("产品 {sku}")}),
        )
        .await;
    }
    let page = admin
        .get("/api/v1/products?sort=sku&per_page=2&page=2")
        .await;
    let skus: Vec<&str> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["sku"].as_str().unwrap())
        .collect();
    assert_eq!(
        (skus, page["total"].as_u64()),
        (vec!["C-3", "D-4"], Some(4))
    );
    let newest = admin.get("/api/v1/products?per_page=1").await;
    assert_eq!(newest["items"][0]["sku"], "D-4");
    let id = newest["items"][0]["id"].as_u64().unwrap();
    let (status, _) = admin
        .send(Method::DELETE, &format!("/api/v1/products/{id}"), None)
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(admin.get("/api/v1/products").await["total"], 3);
    let (status, _) = admin
        .send(
            Method::POST,
            &format!("/api/v1/recycle-bin/product/{id}/restore"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(admin.get("/api/v1/products").await["total"], 4);
}

/// The product with this SKU (as the list shows it), or null.
async fn by_sku(c: &Client, sku: &str) -> Value {
    let list = c.get("/api/v1/products?per_page=200").await;
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["sku"] == sku)
        .cloned()
        .unwrap_or(Value::Null)
}

async fn skus(c: &Client) -> Vec<String> {
    let list = c.get("/api/v1/products?sort=sku&per_page=200").await;
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["sku"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_gbk_price_list_with_chinese_headers_creates_updates_reports_and_reverts() {
    let (_s, admin) = TestServer::with_admin().await;
    let admin = admin.zh();
    let existing = product(
        &admin,
        json!({"sku": "LED-100", "name_zh": "LED 筒灯", "prices": [{"amount": "3.20", "currency": "USD"}],
            "cost": {"amount": "14.80", "currency": "CNY"}}),
    )
    .await;
    // A factory price list as firms keep it: Chinese headers, GBK, × and * in carton sizes.
    let csv = "货号,中文品名,英文品名,规格,HS编码,单位,装箱数,外箱尺寸,毛重,净重,美元价格,欧元价格,成本,供应商,采购价\r\n\
        LED-200,LED 面板灯,LED panel light,600×600 40W,9405.11,pcs,4,62×62×30,12.5,11,18.50,16.90,98.00,中山灯饰厂,98.00\r\n\
        LED-300,LED 灯带,LED strip,5m 12V,9405.40,roll,50,60*40*30 cm,15,13.5,\"1,200.00\",,22.5,,\r\n\
        LED-400,吸顶灯,Ceiling lamp,,12ab,pcs,10,60x40x30,5,4.5,6.00,,,,\r\n\
        led-200,面板灯（重复）,Panel light again,,,,,,,,19.00,,,,\r\n\
        LED-100,,,,,,,,,,3.50,3.10,,,\r\n";
    let import = uploaded_kind(&admin, "products", "产品价格表.csv", gbk(csv)).await;
    let id = import["id"].clone();
    assert_eq!(
        (import["encoding"].as_str(), import["rows"].as_u64()),
        (Some("gb18030"), Some(5)),
        "{import}"
    );
    let preview = admin.get(&format!("/api/v1/imports/{id}/preview")).await;
    assert_eq!(
        preview["mapping"],
        json!([
            "sku",
            "name_zh",
            "name_en",
            "specs",
            "hs_code",
            "unit",
            "units_per_carton",
            "carton",
            "gross_kg",
            "net_kg",
            "price_usd",
            "price_eur",
            "cost",
            "supplier",
            "supplier_price"
        ]),
        "{preview}"
    );

    // Creating (the default) skips the SKU that exists, naming it.
    let dry = dry_run(&admin, &id, json!({})).await;
    let c = &dry["counts"];
    assert_eq!(
        (
            c["create"].as_u64(),
            c["update"].as_u64(),
            c["errors"].as_u64()
        ),
        (Some(2), Some(0), Some(3)),
        "{dry}"
    );
    let row6 = issues_of(&dry, 6);
    assert_eq!(
        (row6[0]["code"].as_str(), row6[0]["column"].as_str()),
        (Some("exists"), Some("A")),
        "{dry}"
    );
    assert!(
        row6[0]["message"].as_str().unwrap().contains("LED-100"),
        "{row6:?}"
    );
    let dup6 = dry["duplicates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["row"] == 6)
        .unwrap();
    assert_eq!(
        (&dup6["record_id"], dup6["key"].as_str()),
        (&existing["id"], Some("sku"))
    );
    assert_eq!(
        admin.get("/api/v1/products").await["total"],
        1,
        "a dry run writes nothing"
    );

    // Updating existing products: the bad row named by row, column and header; the repeated SKU
    // (another case) names its first row.
    let upsert = json!({"mode": "upsert"});
    let dry = dry_run(&admin, &id, upsert.clone()).await;
    let c = &dry["counts"];
    assert_eq!(
        (
            c["create"].as_u64(),
            c["update"].as_u64(),
            c["errors"].as_u64()
        ),
        (Some(2), Some(1), Some(2)),
        "{dry}"
    );
    assert_eq!(dry["key"], "sku", "products match on their SKU");
    let row4 = issues_of(&dry, 4);
    assert_eq!(
        (
            row4[0]["column"].as_str(),
            row4[0]["header"].as_str(),
            row4[0]["field"].as_str()
        ),
        (Some("E"), Some("HS编码"), Some("hs_code")),
        "{dry}"
    );
    assert!(
        row4[0]["message"]
            .as_str()
            .unwrap()
            .contains("海关编码“12ab”应为 6 到 10 位数字"),
        "{row4:?}"
    );
    let row5 = issues_of(&dry, 5);
    assert_eq!(
        (row5[0]["code"].as_str(), row5[0]["column"].as_str()),
        (Some("duplicate_in_file"), Some("A")),
        "{dry}"
    );
    assert!(
        row5[0]["message"].as_str().unwrap().contains("第 2 行"),
        "{row5:?}"
    );
    // The same in English.
    let mut en = admin.clone();
    en.lang = "en";
    let dry_en = dry_run(&en, &id, upsert.clone()).await;
    assert!(
        issues_of(&dry_en, 4)[0]["message"]
            .as_str()
            .unwrap()
            .contains("HS code “12ab” must be 6 to 10 digits"),
        "{dry_en}"
    );
    assert!(
        issues_of(&dry_en, 5)[0]["message"]
            .as_str()
            .unwrap()
            .contains("repeats row 2"),
        "{dry_en}"
    );

    let done = commit(&admin, &id, upsert).await;
    let p = &done["progress"];
    assert_eq!(
        (
            done["status"].as_str(),
            p["created"].as_u64(),
            p["updated"].as_u64(),
            p["skipped"].as_u64()
        ),
        (Some("done"), Some(2), Some(1), Some(2)),
        "{done}"
    );
    assert_eq!(skus(&admin).await, ["LED-100", "LED-200", "LED-300"]);
    let panel = by_sku(&admin, "LED-200").await;
    assert_eq!(
        panel["packing"]["carton_cm"],
        json!(["62", "62", "30"]),
        "{panel}"
    );
    assert_eq!(
        (
            &panel["packing"]["units_per_carton"],
            &panel["packing"]["gross_kg"],
            &panel["packing"]["net_kg"],
            &panel["cbm"]
        ),
        (&json!(4), &json!("12.5"), &json!("11"), &json!("0.1153"))
    );
    assert_eq!(
        panel["prices"],
        json!([{"amount": "18.50", "currency": "USD"}, {"amount": "16.90", "currency": "EUR"}])
    );
    assert_eq!(panel["cost"], json!({"amount": "98.00", "currency": "CNY"}));
    assert_eq!(
        (
            &panel["supplier_prices"][0]["supplier"],
            &panel["supplier_prices"][0]["price"]
        ),
        (
            &json!("中山灯饰厂"),
            &json!({"amount": "98.00", "currency": "CNY"})
        )
    );
    assert_eq!(
        (&panel["hs_code"], &panel["specs"]),
        (&json!("9405.11"), &json!("600×600 40W"))
    );
    let strip = by_sku(&admin, "LED-300").await;
    assert_eq!(
        (
            &strip["unit"],
            &strip["prices"][0]["amount"],
            &strip["packing"]["carton_cm"]
        ),
        (
            &json!("roll"),
            &json!("1200.00"),
            &json!(["60", "40", "30"])
        )
    );
    // The existing product got the row's prices; what the row left empty stayed.
    let updated = by_sku(&admin, "LED-100").await;
    assert_eq!(
        updated["prices"],
        json!([{"amount": "3.50", "currency": "USD"}, {"amount": "3.10", "currency": "EUR"}])
    );
    assert_eq!(
        (&updated["name_zh"], &updated["cost"]["amount"]),
        (&json!("LED 筒灯"), &json!("14.80"))
    );
    // The report lists the skipped rows.
    let report = admin.get(&format!("/api/v1/imports/{id}/issues")).await;
    let rows: Vec<u64> = report["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["severity"] == "error")
        .map(|i| i["row"].as_u64().unwrap())
        .collect();
    assert_eq!(rows, [4, 5], "{report}");

    // Revert: the new products go to the recycle bin, the updated one gets its prices back.
    let (status, v) = admin
        .send(Method::POST, &format!("/api/v1/imports/{id}/revert"), None)
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{v}");
    let reverted = wait(&admin, &id, 60).await;
    assert_eq!(
        (
            reverted["status"].as_str(),
            reverted["progress"]["reverted"].as_u64()
        ),
        (Some("reverted"), Some(3)),
        "{reverted}"
    );
    assert_eq!(skus(&admin).await, ["LED-100"]);
    assert_eq!(
        by_sku(&admin, "LED-100").await["prices"],
        json!([{"amount": "3.20", "currency": "USD"}])
    );
    let bin = admin.get("/api/v1/recycle-bin?kind=product").await;
    assert_eq!(bin["total"], 2, "{bin}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_role_that_hides_costs_imports_and_exports_without_them_and_others_may_not_import() {
    let (s, admin) = TestServer::with_admin().await;
    product(
        &admin,
        json!({"sku": "AB-1", "name_en": "Bracket", "prices": [{"amount": "1.00", "currency": "USD"}],
            "cost": {"amount": "0.40", "currency": "CNY"},
            "supplier_prices": [{"supplier": "Acme Metal", "price": {"amount": "0.35", "currency": "CNY"}, "moq": 500, "lead_days": 20}]}),
    )
    .await;
    let editor = product_editor_with(
        &s,
        &admin,
        &["read", "create", "update", "import", "export"],
    )
    .await;
    let csv = "SKU,Name (English),USD price,Cost,Supplier,Supplier price\r\n\
        AB-1,Bracket,1.10,0.10,Other Metal,0.30\r\n\
        AB-2,Hook,0.50,0.05,Acme Metal,0.20\r\n";
    let import = uploaded_kind(&editor, "products", "prices.csv", csv.as_bytes().to_vec()).await;
    let id = import["id"].clone();
    // The mapping screen neither offers nor suggests the hidden columns …
    let preview = editor.get(&format!("/api/v1/imports/{id}/preview")).await;
    let fields: Vec<&str> = preview["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["key"].as_str().unwrap())
        .collect();
    for hidden in ["cost", "supplier", "supplier_price", "moq", "lead_days"] {
        assert!(!fields.contains(&hidden), "{hidden} offered: {fields:?}");
    }
    assert!(fields.contains(&"price_usd"));
    assert_eq!(
        preview["mapping"],
        json!(["sku", "name_en", "price_usd", null, null, null]),
        "{preview}"
    );
    // … and a mapping that names one is refused, naming it.
    let (status, err) = editor
        .send(
            Method::POST,
            &format!("/api/v1/imports/{id}/dry-run"),
            Some(json!({"mapping": ["sku", "name_en", "price_usd", "cost", null, null]})),
        )
        .await;
    assert_eq!(
        (status, err["error"]["field"].as_str()),
        (StatusCode::FORBIDDEN, Some("mapping[3]")),
        "{err}"
    );
    let done = commit(&editor, &id, json!({"mode": "upsert"})).await;
    assert_eq!(
        (
            done["progress"]["created"].as_u64(),
            done["progress"]["updated"].as_u64()
        ),
        (Some(1), Some(1)),
        "{done}"
    );
    // The cost and supplier price the editor cannot see stay as they were.
    let ab1 = by_sku(&admin, "AB-1").await;
    assert_eq!(ab1["prices"][0]["amount"], "1.10");
    assert_eq!(ab1["cost"]["amount"], "0.40", "{ab1}");
    assert_eq!(ab1["supplier_prices"].as_array().unwrap().len(), 1, "{ab1}");
    let ab2 = by_sku(&admin, "AB-2").await;
    assert_eq!(
        (&ab2["cost"], &ab2["supplier_prices"]),
        (&Value::Null, &json!([]))
    );

    // The editor's export leaves the hidden columns out; the admin's has them.
    let (status, _, bytes) = export_of(&editor, "products", "format=csv").await;
    assert_eq!(status, StatusCode::OK);
    let text = String::from_utf8(bytes).unwrap();
    let header = text
        .trim_start_matches('\u{feff}')
        .lines()
        .next()
        .unwrap()
        .to_string();
    assert!(
        header.starts_with("SKU,Name (Chinese),Name (English)"),
        "{header}"
    );
    assert!(header.contains("USD price"), "{header}");
    for hidden in ["Cost", "Supplier", "MOQ", "Lead time"] {
        assert!(!header.contains(hidden), "{hidden} in {header}");
    }
    assert!(!text.contains("0.40") && !text.contains("Acme"), "{text}");
    let (_, _, bytes) = export_of(&admin, "products", "format=csv").await;
    let text = String::from_utf8(bytes).unwrap();
    assert!(
        text.contains("Cost") && text.contains("Acme Metal"),
        "{text}"
    );

    // Without the products import right (a sales rep; a buyer, who edits products): 403 before
    // the file is read.
    for role in ["sales", "buyer"] {
        let (_, c) = s.user(&admin, &format!("x.{role}"), role, &[]).await;
        let (status, err) = upload_kind(&c, "products", "p.csv", csv.as_bytes().to_vec()).await;
        assert_eq!(
            (status, code(&err)),
            (StatusCode::FORBIDDEN, "forbidden"),
            "{role}: {err}"
        );
        let (status, _, _) = export_of(&c, "products", "format=csv").await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{role} exports");
    }
}

/// A product as a round trip compares it: all but its id, version and times.
fn content(p: &Value) -> Value {
    let mut p = p.clone();
    let m = p.as_object_mut().unwrap();
    for k in ["id", "version", "created_at", "updated_at"] {
        m.remove(k);
    }
    p
}

async fn catalogue(c: &Client) -> Vec<Value> {
    let list = c.get("/api/v1/products?sort=sku&per_page=200").await;
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(content)
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn an_export_imports_back_unchanged_as_csv_and_as_xlsx() {
    let (_s, admin) = TestServer::with_admin().await;
    let admin = admin.zh();
    let mut ids = Vec::new();
    for body in [
        json!({"sku": "RT-1", "name_zh": "不锈钢保温杯", "name_en": "Steel vacuum flask",
            "specs": "500 ml, 18/8 steel; lid: PP", "hs_code": "9617.00", "unit": "pcs",
            "packing": {"units_per_carton": 48, "carton_cm": ["52.5", "36", "28"], "gross_kg": "14.2", "net_kg": "12.00"},
            "prices": [{"amount": "4.35", "currency": "USD"}, {"amount": "3.95", "currency": "EUR"}, {"amount": "650", "currency": "JPY"}],
            "cost": {"amount": "2.10", "currency": "USD"},
            "supplier_prices": [
                {"supplier": "永康杯业", "price": {"amount": "13.50", "currency": "CNY"}, "moq": 3000, "lead_days": 25},
                {"supplier": "Ningbo Cups", "price": {"amount": "1.95", "currency": "USD"}, "moq": null, "lead_days": 30}]}),
        json!({"sku": "rt-2", "name_en": "Glass jar, 1 L", "prices": [{"amount": "8.8", "currency": "CNY"}], "active": false}),
        json!({"sku": "RT-3", "name_zh": "温度计", "specs": "-20 °C to 60 °C", "unit": "set"}),
    ] {
        ids.push(product(&admin, body).await["id"].as_u64().unwrap());
    }
    let before = catalogue(&admin).await;
    assert_eq!(before.len(), 3);

    // CSV in Chinese: the products deleted, then made again from the file.
    let (status, headers, csv) = export_of(&admin, "products", "format=csv&sort=sku").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["x-export-rows"], "3");
    let text = String::from_utf8(csv.clone()).unwrap();
    assert!(
        text.trim_start_matches('\u{feff}').starts_with("货号,中文品名,英文品名,规格,海关编码,单位,每箱数量,外箱尺寸(cm),体积(m³),毛重(kg),净重(kg),人民币价格,美元价格,欧元价格,日元价格,成本,供应商,采购价,起订量,交期(天),在售\r\n"),
        "{text}"
    );
    assert!(
        text.contains("52.5*36*28") && text.contains("'-20 °C"),
        "{text}"
    );
    for id in &ids {
        let (status, _) = admin
            .send(Method::DELETE, &format!("/api/v1/products/{id}"), None)
            .await;
        assert_eq!(status, StatusCode::NO_CONTENT);
    }
    let import = uploaded_kind(&admin, "products", "产品.csv", csv).await;
    let id = import["id"].clone();
    let dry = dry_run(&admin, &id, json!({})).await;
    assert_eq!(
        (
            dry["counts"]["create"].as_u64(),
            dry["issues"].as_array().map(Vec::len)
        ),
        (Some(3), Some(0)),
        "{dry}"
    );
    let done = commit(&admin, &id, json!({})).await;
    assert_eq!(done["progress"]["created"], 3, "{done}");
    assert_eq!(catalogue(&admin).await, before);

    // XLSX in English, imported over the products: every row an update that changes nothing.
    let mut en = admin.clone();
    en.lang = "en";
    let (status, _, xlsx) = export_of(&en, "products", "format=xlsx").await;
    assert_eq!(status, StatusCode::OK);
    let import = uploaded_kind(&en, "products", "products.xlsx", xlsx).await;
    let id = import["id"].clone();
    let done = commit(&en, &id, json!({"mode": "upsert"})).await;
    assert_eq!(
        (
            done["progress"]["updated"].as_u64(),
            done["progress"]["skipped"].as_u64()
        ),
        (Some(3), Some(0)),
        "{done}"
    );
    assert_eq!(catalogue(&admin).await, before);
}

#[tokio::test(flavor = "multi_thread")]
async fn product_images_are_read_with_the_product_and_added_by_who_may_change_it() {
    let (s, admin) = TestServer::with_admin().await;
    let p = product(&admin, json!({"sku": "CUP-1", "name_en": "Cup"})).await;
    let url = format!("/api/v1/products/{}/attachments", p["id"]);
    let (status, a) = admin.upload(&url, "cup-front.png", &png(640, 480)).await;
    assert_eq!(status, StatusCode::CREATED, "{a}");
    assert_eq!(
        (a["parent_kind"].as_str(), a["content_type"].as_str()),
        (Some("product"), Some("image/png"))
    );
    assert!(a["thumbnail_url"].is_string(), "{a}");

    // A sales rep reads the catalogue: sees the images, adds and removes none.
    let (_, rep) = s.user(&admin, "li.na", "sales", &[]).await;
    let list = rep.get(&url).await;
    assert_eq!(list.as_array().map(Vec::len), Some(1), "{list}");
    assert_eq!(list[0]["name"], "cup-front.png");
    let (status, _) = rep
        .send(Method::GET, a["thumbnail_url"].as_str().unwrap(), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = rep.upload(&url, "mine.png", &png(10, 10)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = rep
        .send(
            Method::DELETE,
            &format!("/api/v1/attachments/{}", a["id"]),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // A buyer edits products, and so their images.
    let (_, buyer) = s.user(&admin, "zhao.lei", "buyer", &[]).await;
    let (status, b) = buyer.upload(&url, "cup-side.png", &png(320, 320)).await;
    assert_eq!(status, StatusCode::CREATED, "{b}");
    assert_eq!(admin.get(&url).await.as_array().map(Vec::len), Some(2));
    // No such product: 404.
    let (status, _) = admin
        .send(Method::GET, "/api/v1/products/999999/attachments", None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}
