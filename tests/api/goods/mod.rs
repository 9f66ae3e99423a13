//! Goods (issue 14, first slice) as scenario tables: stock moves (reserve, ship, cancel,
//! transfer, return) and the balances they leave, receipts with inspection and the over-receipt
//! tolerance, suppliers' pass and on-time rates, availability with its purchase requests, bad
//! input that writes nothing, the ledger against its balances after random moves, and what the
//! external supplier and the roles that hide supplier prices see.

mod access;
mod payables;
mod planning;
mod profit;
mod purchasing;
mod stock;

use std::collections::BTreeMap;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::common::{Client, TestServer};

pub(super) async fn ok(c: &Client, method: Method, path: &str, body: Value) -> Value {
    let (status, v) = c.send(method.clone(), path, Some(body)).await;
    assert!(status.is_success(), "{method} {path}: {status} {v}");
    v
}

pub(super) fn id(v: &Value) -> u64 {
    v["id"].as_u64().unwrap_or_else(|| panic!("no id in {v}"))
}

/// A company with two warehouses (NB main domestic, LA overseas: 30 days by sea, 5 by air),
/// products, and a USD rate.
pub(super) struct Goods {
    pub(super) s: TestServer,
    pub(super) admin: Client,
    pub(super) nb: u64,
    pub(super) la: u64,
    /// SKU → id.
    products: BTreeMap<&'static str, u64>,
}

pub(super) async fn goods() -> Goods {
    let (s, admin) = TestServer::with_admin().await;
    let nb = id(&ok(&admin, Method::POST, "/api/v1/warehouses",
        json!({"code": "NB", "name": "宁波仓", "location": "domestic", "country": "CN", "main": true})).await);
    let la = id(&ok(
        &admin,
        Method::POST,
        "/api/v1/warehouses",
        json!({"code": "LA", "name": "Los Angeles", "location": "overseas", "country": "US",
            "transit_days_sea": 30, "transit_days_air": 5}),
    )
    .await);
    let mut products = BTreeMap::new();
    for sku in ["LAMP-1", "CHAIR-2", "DESK-3"] {
        let p = ok(&admin, Method::POST, "/api/v1/products",
            json!({"sku": sku, "name_en": format!("{sku} product"), "prices": [{"amount": "20", "currency": "USD"}]})).await;
        products.insert(sku, id(&p));
    }
    ok(
        &admin,
        Method::POST,
        "/api/v1/exchange-rates",
        json!({"currency": "USD", "date": "2026-01-01", "rate": "7"}),
    )
    .await;
    Goods {
        s,
        admin,
        nb,
        la,
        products,
    }
}

impl Goods {
    pub(super) fn p(&self, sku: &str) -> u64 {
        self.products[sku]
    }

    /// (on hand, reserved, available, in transit, incoming) of a product in a warehouse.
    pub(super) async fn figures(&self, sku: &str, wh: u64) -> [String; 5] {
        let rows = self
            .admin
            .get(&format!(
                "/api/v1/stock?product_id={}&warehouse_id={wh}",
                self.p(sku)
            ))
            .await;
        let row = rows
            .as_array()
            .unwrap()
            .first()
            .cloned()
            .unwrap_or(json!({}));
        let f = |k: &str| row[k].as_str().unwrap_or("0").to_string();
        [
            f("on_hand"),
            f("reserved"),
            f("available"),
            f("in_transit"),
            f("incoming"),
        ]
    }

    pub(super) async fn mv(&self, body: Value) -> (StatusCode, Value) {
        self.admin
            .send(Method::POST, "/api/v1/stock-moves", Some(body))
            .await
    }

    pub(super) async fn customer(&self) -> u64 {
        id(&ok(
            &self.admin,
            Method::POST,
            "/api/v1/customers",
            json!({"name": "Hamburg Trading GmbH", "country": "DE", "owner_id": 1}),
        )
        .await)
    }

    pub(super) async fn order(
        &self,
        customer: u64,
        lines: &[(&str, &str)],
        promised: Option<&str>,
    ) -> Value {
        let lines: Vec<Value> = lines
            .iter()
            .map(|(sku, q)| json!({"product_id": self.p(sku), "quantity": q, "unit_price": "20"}))
            .collect();
        let mut body = json!({"customer_id": customer, "currency": "USD", "order_date": "2026-03-02",
            "lines": lines, "terms": [{"label_zh": "全款", "label_en": "Full", "percent": "100",
                "method": "tt", "anchor": "order_date", "days": 0}]});
        if let Some(d) = promised {
            body["promised_date"] = json!(d);
        }
        ok(&self.admin, Method::POST, "/api/v1/orders", body).await
    }

    pub(super) async fn supplier(&self, name: &str, prices: &[(&str, &str, u32)]) -> u64 {
        let prices: Vec<Value> = prices
            .iter()
            .map(|(sku, p, lead)| json!({"product_id": self.p(sku), "price": {"amount": p, "currency": "CNY"}, "lead_days": lead, "moq": "100"}))
            .collect();
        id(&ok(
            &self.admin,
            Method::POST,
            "/api/v1/suppliers",
            json!({"name": name, "country": "CN", "currency": "CNY", "prices": prices,
                "contacts": [{"name": "王经理", "email": format!("{}@example.cn", name.len())}]}),
        )
        .await)
    }

    /// A confirmed PO of `lines` (sku, quantity) into NB, due on `due`.
    pub(super) async fn po(&self, supplier: u64, lines: &[(&str, &str)], due: &str) -> Value {
        let lines: Vec<Value> = lines
            .iter()
            .map(|(sku, q)| json!({"product_id": self.p(sku), "quantity": q}))
            .collect();
        ok(
            &self.admin,
            Method::POST,
            "/api/v1/purchase-orders",
            json!({"supplier_id": supplier, "lines": lines, "order_date": "2026-03-01",
                "due_date": due, "warehouse_id": self.nb, "status": "confirmed"}),
        )
        .await
    }
}

pub(super) fn s(x: &str) -> String {
    x.to_string()
}
