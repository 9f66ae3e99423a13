//! Purchase costs in the order's actual profit (FIN-1 with INV-4), as a scenario table: what
//! passed inspection on purchase orders bought for a sales order is its actual purchase cost
//! (received quantity × the PO's price, converted at the PO's rate), receipt by receipt;
//! rejected goods cost nothing; the estimate stays the products' costs.

use reqwest::Method;
use serde_json::json;

use super::{goods, id, ok};

struct Case {
    name: &'static str,
    /// The supplier's currency and price of the product.
    currency: &'static str,
    price: &'static str,
    ordered: &'static str,
    /// Receipts: (inspected, passed, rejected).
    receipts: &'static [(&'static str, &'static str, &'static str)],
    /// The purchase charges on the order (base CNY), and the actual profit.
    charges: &'static [&'static str],
    profit: &'static str,
}

#[tokio::test(flavor = "multi_thread")]
async fn received_purchase_orders_make_the_orders_actual_purchase_cost() {
    let g = goods().await;
    let c = g.customer().await;
    let cases = [
        // Sales: 10 × USD 20 = 200 → CNY 1,400 at 7.
        Case {
            name: "CNY, all received",
            currency: "CNY",
            price: "50",
            ordered: "10",
            receipts: &[("10", "10", "0")],
            charges: &["500.00"],
            profit: "900.00",
        },
        Case {
            name: "USD at the PO's rate 7, part received",
            currency: "USD",
            price: "3.5",
            ordered: "10",
            receipts: &[("6", "6", "0")],
            charges: &["147.00"],
            profit: "1253.00",
        },
        Case {
            name: "rejects cost nothing; each receipt its own charge",
            currency: "CNY",
            price: "12.35",
            ordered: "10",
            receipts: &[("6", "5", "1"), ("4", "4", "0")],
            charges: &["61.75", "49.40"],
            profit: "1288.85",
        },
        Case {
            name: "nothing received yet: no actual purchase cost",
            currency: "CNY",
            price: "99",
            ordered: "10",
            receipts: &[],
            charges: &[],
            profit: "1400.00",
        },
    ];
    for (i, case) in cases.iter().enumerate() {
        let sku = format!("COST-{i}");
        let p = id(&ok(&g.admin, Method::POST, "/api/v1/products",
            json!({"sku": sku, "name_en": format!("{sku} product"), "prices": [{"amount": "20", "currency": "USD"}]})).await);
        let s = id(&ok(&g.admin, Method::POST, "/api/v1/suppliers",
            json!({"name": format!("Cost Works {sku}"), "country": "CN", "currency": case.currency,
                "prices": [{"product_id": p, "price": {"amount": case.price, "currency": case.currency}}],
                "contacts": [{"name": "王经理", "email": format!("cost{i}@works.cn")}]})).await);
        let o = ok(&g.admin, Method::POST, "/api/v1/orders",
            json!({"customer_id": c, "currency": "USD", "order_date": "2026-03-02",
                "lines": [{"product_id": p, "quantity": "10", "unit_price": "20"}],
                "terms": [{"label_zh": "全款", "label_en": "Full", "percent": "100", "method": "tt", "anchor": "order_date", "days": 0}]})).await;
        let po = ok(
            &g.admin,
            Method::POST,
            "/api/v1/purchase-orders",
            json!({"supplier_id": s,
            "lines": [{"product_id": p, "quantity": case.ordered}], "order_date": "2026-03-02",
            "warehouse_id": g.nb, "sales_order_id": id(&o), "status": "confirmed"}),
        )
        .await;
        for (inspected, passed, rejected) in case.receipts {
            let mut line =
                json!({"line": 0, "inspected": inspected, "passed": passed, "rejected": rejected});
            if *rejected != "0" {
                line["reason"] = json!("划痕 scratches");
            }
            ok(
                &g.admin,
                Method::POST,
                &format!("/api/v1/purchase-orders/{}/receipts", id(&po)),
                json!({"date": "2026-03-20", "lines": [line]}),
            )
            .await;
        }
        let order = g.admin.get(&format!("/api/v1/orders/{}", id(&o))).await;
        let actual = &order["costing"]["actual"];
        let charges: Vec<&str> = actual["costs"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["kind"] == "purchase")
            .map(|c| c["amount"]["amount"].as_str().unwrap())
            .collect();
        assert_eq!(charges, case.charges, "{}: {actual}", case.name);
        assert_eq!(actual["revenue"]["amount"], "1400.00", "{}", case.name);
        assert_eq!(
            actual["profit"]["amount"], case.profit,
            "{}: {actual}",
            case.name
        );
        let estimated: rust_decimal::Decimal =
            order["costing"]["estimated"]["cost_total"]["amount"]
                .as_str()
                .unwrap()
                .parse()
                .unwrap();
        assert!(
            estimated.is_zero(),
            "{}: no product cost in the estimate",
            case.name
        );
    }
}
