//! Logistics (issue 14, LOG-1…LOG-4) as scenario tables: shipments of part or all of an
//! order and the stock they move (ship, cancel, an order marked shipped by hand), packing
//! computed from the products, refusals that name the line and write nothing, and who may
//! make and read shipments.

mod shipments;
mod tracking;

use reqwest::Method;
use serde_json::{Value, json};

use crate::goods::{Goods, goods, id, ok};

/// The goods company (NB main, LA overseas; LAMP-1, CHAIR-2, DESK-3), its products packed
/// (LAMP-1 50 a carton, 50×40×30 cm, 12.5 / 11 kg), and stock: LAMP-1 300 in NB and 150 in
/// LA, CHAIR-2 100 in NB.
pub(super) async fn stocked() -> Goods {
    let g = goods().await;
    ok(&g.admin, Method::PATCH, &format!("/api/v1/products/{}", g.p("LAMP-1")),
        json!({"packing": {"units_per_carton": 50, "carton_cm": ["50", "40", "30"], "gross_kg": "12.5", "net_kg": "11"}})).await;
    for (sku, wh, q) in [
        ("LAMP-1", g.nb, "300"),
        ("LAMP-1", g.la, "150"),
        ("CHAIR-2", g.nb, "100"),
    ] {
        let (status, v) = g
            .mv(json!({"type": "receipt", "product_id": g.p(sku), "warehouse_id": wh, "quantity": q}))
            .await;
        assert!(status.is_success(), "{v}");
    }
    g
}

pub(super) async fn shipment(g: &Goods, body: Value) -> Value {
    ok(&g.admin, Method::POST, "/api/v1/shipments", body).await
}

pub(super) async fn act(g: &Goods, sh: &Value, step: &str, body: Value) -> Value {
    ok(
        &g.admin,
        Method::POST,
        &format!("/api/v1/shipments/{}/{step}", id(sh)),
        body,
    )
    .await
}
