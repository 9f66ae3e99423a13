//! Demo data for goods, made through the operations people use, as the demo's people: two
//! warehouses (Ningbo main, Los Angeles overseas), three suppliers of the demo's products with
//! their prices, MOQ and lead times, purchase orders received with inspection (恒达 passes 98 %
//! and is always on time, 高阳 passes 95 % and is late once), one order still to come, stock in
//! both warehouses with a transfer still at sea, and not enough towels for the towel order in
//! production, so its availability shows a shortfall. Dates count back from today.

use chrono::Duration;
use rust_decimal::Decimal;

use super::purchase::{self, PoInput, PoLineInput, PoStatus};
use super::receiving::{self, GoodsReceiptInput, InspectionInput};
use super::suppliers::{self, PriceEntry, SupplierContact, SupplierInput};
use super::transfers::{
    self, ReceiveTransferInput, StockTransferInput, TransferLine, TransportMode,
};
use super::warehouses::{self, Location, WarehouseInput};
use crate::auth::{Principal, User};
use crate::domain::crm::company_today;
use crate::domain::money::{Currency, Money};
use crate::domain::sales::products::Product;
use crate::domain::{Kontor, accounts};
use crate::error::{AppError, AppResult};
use crate::store::IndexKey;

fn d(s: &str) -> Decimal {
    s.parse().unwrap_or_default()
}

fn user_id(k: &Kontor, username: &str) -> AppResult<u64> {
    k.store.read(|tx| {
        tx.find_unique::<User>("username", &IndexKey::new().str(username))?
            .ok_or_else(AppError::not_found)
    })
}

fn principal(k: &Kontor, username: &str) -> AppResult<Principal> {
    let id = user_id(k, username)?;
    k.store.read(|tx| {
        let user = tx.get_live::<User>(id)?;
        accounts::principal_for(tx, &user, None)
    })
}

fn product(k: &Kontor, sku: &str) -> AppResult<u64> {
    k.store.read(|tx| {
        tx.find_unique::<Product>("sku", &IndexKey::new().str(sku))?
            .ok_or_else(AppError::not_found)
    })
}

fn id_of(v: &serde_json::Value) -> u64 {
    v["id"].as_u64().unwrap_or_default()
}

fn cny(amount: &str) -> Money {
    Money::new(d(amount), Currency::CNY)
}

fn price(product_id: u64, amount: &str, moq: &str, lead_days: u32) -> PriceEntry {
    PriceEntry {
        product_id,
        price: cny(amount),
        moq: Some(d(moq)),
        lead_days: Some(lead_days),
    }
}

/// One inspected line: `inspected` arrived, `rejected` of them failed for `reason`.
fn inspected(line: usize, inspected: &str, rejected: &str, reason: &str) -> InspectionInput {
    InspectionInput {
        line,
        inspected: d(inspected),
        passed: None,
        rejected: Some(d(rejected)),
        reason: (d(rejected) > Decimal::ZERO).then(|| reason.to_string()),
    }
}

pub fn seed(k: &Kontor) -> AppResult<()> {
    let buyer = principal(k, "zhou.jie")?;
    let keeper = principal(k, "wu.gang")?;
    let today = k.store.read(|tx| company_today(tx, tx.now()))?;
    let day = |n: i64| today - Duration::days(n);

    // Warehouses: Ningbo (main, domestic) and Los Angeles (overseas, 28 days by sea, 7 by air).
    let nb = warehouses::create(
        k,
        &keeper,
        WarehouseInput {
            code: Some("NB".into()),
            name: Some("宁波主仓（鄞州）".into()),
            location: Some(Location::Domestic),
            country: Some("CN".into()),
            main: Some(true),
            ..Default::default()
        },
    )?
    .id;
    let la = warehouses::create(
        k,
        &keeper,
        WarehouseInput {
            code: Some("LA".into()),
            name: Some("洛杉矶海外仓 Los Angeles".into()),
            location: Some(Location::Overseas),
            country: Some("US".into()),
            transit_days_sea: Some(28),
            transit_days_air: Some(7),
            ..Default::default()
        },
    )?
    .id;

    let hinge = product(k, "HNG-SS-304")?;
    let towel = product(k, "TXT-TWL-70")?;
    let led = product(k, "LED-DL-100")?;
    let solar = product(k, "SOL-GL-20")?;

    // Suppliers with their prices, MOQ and lead times (恒达 logs in to the supplier portal).
    let portal = user_id(k, "supplier")?;
    let supplier = |name: &str,
                    contact: (&str, &str, &str),
                    terms: &str,
                    lead: u32,
                    prices: Vec<PriceEntry>,
                    portal: Option<u64>| {
        suppliers::create(
            k,
            &buyer,
            SupplierInput {
                name: Some(name.into()),
                country: Some("CN".into()),
                contacts: Some(vec![SupplierContact {
                    name: contact.0.into(),
                    email: Some(contact.1.into()),
                    phone: Some(contact.2.into()),
                }]),
                currency: Some("CNY".into()),
                payment_terms: Some(terms.into()),
                lead_days: Some(lead),
                prices: Some(prices),
                portal_user_id: portal.map(Some),
                ..Default::default()
            },
        )
        .map(|v| id_of(&v))
    };
    let hengda = supplier(
        "宁波恒达五金",
        ("陈建国", "chen.jg@hengda-hw.example", "+86 574 8823 1166"),
        "月结 30 天",
        15,
        vec![price(hinge, "3.10", "2000", 15)],
        Some(portal),
    )?;
    let gaoyang = supplier(
        "高阳纺织",
        ("刘秀英", "liu.xy@gaoyang-tex.example", "+86 312 6655 7788"),
        "30% 预付，70% 提货前付清",
        25,
        vec![price(towel, "24.00", "480", 25)],
        None,
    )?;
    let minghui = supplier(
        "中山明辉灯饰厂",
        (
            "黄志明",
            "huang.zm@minghui-light.example",
            "+86 760 2233 4455",
        ),
        "月结 60 天",
        18,
        vec![
            price(led, "14.80", "500", 18),
            price(solar, "9.60", "400", 20),
        ],
        None,
    )?;

    let po = |supplier_id: u64, lines: Vec<(u64, &str)>, ordered: i64, due: i64, note: &str| {
        purchase::create(
            k,
            &buyer,
            PoInput {
                supplier_id: Some(supplier_id),
                lines: Some(
                    lines
                        .into_iter()
                        .map(|(product_id, q)| PoLineInput {
                            product_id,
                            quantity: d(q),
                            unit_price: None,
                            description: None,
                        })
                        .collect(),
                ),
                order_date: Some(day(ordered)),
                due_date: Some(day(due)),
                warehouse_id: Some(nb),
                note: Some(note.into()),
                status: Some(PoStatus::Confirmed),
                ..Default::default()
            },
        )
        .map(|v| id_of(&v))
    };
    let receive = |po_id: u64, on: i64, lines: Vec<InspectionInput>| {
        receiving::receive(
            k,
            &keeper,
            po_id,
            GoodsReceiptInput {
                warehouse_id: Some(nb),
                date: Some(day(on)),
                lines,
                version: None,
            },
        )
        .map(|_| ())
    };

    // In date order, as it happened.
    let towels_1 = po(gaoyang, vec![(towel, "1200")], 75, 45, "美国站备货")?;
    let hinges = po(hengda, vec![(hinge, "10000")], 70, 45, "欧洲客户常备库存")?;
    receive(hinges, 52, vec![inspected(0, "6000", "120", "表面划痕")])?;
    receive(towels_1, 47, vec![inspected(0, "1200", "60", "色差超标")])?;
    receive(hinges, 46, vec![inspected(0, "4000", "80", "孔位偏移")])?;

    // The first towels go to Los Angeles by sea and have arrived.
    let tr1 = transfers::send(
        k,
        &keeper,
        StockTransferInput {
            from_warehouse_id: nb,
            to_warehouse_id: la,
            mode: Some(TransportMode::Sea),
            lines: vec![TransferLine {
                product_id: towel,
                quantity: d("600"),
            }],
            date: Some(day(40)),
            note: Some("海运拼柜 MSKU 4417302".into()),
        },
    )?;
    transfers::receive(
        k,
        &keeper,
        tr1.id,
        ReceiveTransferInput {
            date: Some(day(12)),
            version: None,
        },
    )?;

    let towels_2 = po(gaoyang, vec![(towel, "600")], 30, 8, "补单")?;
    // Hinges and towels on their way to Los Angeles now (expected in 18 days).
    transfers::send(
        k,
        &keeper,
        StockTransferInput {
            from_warehouse_id: nb,
            to_warehouse_id: la,
            mode: Some(TransportMode::Sea),
            lines: vec![
                TransferLine {
                    product_id: hinge,
                    quantity: d("3000"),
                },
                TransferLine {
                    product_id: towel,
                    quantity: d("480"),
                },
            ],
            date: Some(day(10)),
            note: Some("海运整柜 COSU 6238841".into()),
        },
    )?;
    // 高阳's second lot came five days late.
    receive(towels_2, 3, vec![inspected(0, "600", "30", "缩水率超标")])?;

    // LED downlights ordered and still to come (incoming for availability).
    po(
        minghui,
        vec![(led, "3000"), (solar, "1200")],
        20,
        -10,
        "客户 PO-88231 返单",
    )?;
    Ok(())
}
