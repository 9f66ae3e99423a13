//! The demo company (`kontor serve --demo`): it seeds on an empty data directory and holds what
//! it promises, read back through the domain as the demo's administrator.

use std::collections::BTreeSet;

use chrono::NaiveDate;
use kontor::auth::{Principal, User};
use kontor::domain::crm::company_today;
use kontor::domain::crm::model::Customer;
use kontor::domain::goods::availability;
use kontor::domain::goods::purchase::{self, PoQuery, PoStatus};
use kontor::domain::goods::stock::{self, BalanceQuery};
use kontor::domain::goods::suppliers::{self, SupplierQuery};
use kontor::domain::goods::transfers::{self, StockTransferStatus, TransferQuery};
use kontor::domain::goods::warehouses::{self, Location};
use kontor::domain::projects::model::TaskStatus;
use kontor::domain::projects::{project, tasks};
use kontor::domain::sales::orders::{OrderStatus, SalesOrder};
use kontor::domain::sales::receipts;
use kontor::domain::sales::receivables::{self, AgingQuery};
use kontor::domain::{Kontor, accounts, demo};
use kontor::error::AppError;
use kontor::store::IndexKey;
use rust_decimal::Decimal;

fn principal(k: &Kontor, username: &str) -> Principal {
    k.store
        .read(|tx| {
            let id = tx
                .find_unique::<User>("username", &IndexKey::new().str(username))?
                .expect("demo user");
            let user = tx.get_live::<User>(id)?;
            accounts::principal_for(tx, &user, None)
        })
        .expect("principal")
}

fn today(k: &Kontor) -> NaiveDate {
    k.store
        .read(|tx| company_today(tx, tx.now()))
        .expect("today")
}

#[test]
fn the_demo_company_seeds_and_holds_what_it_promises() {
    let dir = tempfile::tempdir().expect("temp dir");
    let k = Kontor::open(dir.path()).expect("open");
    let people = demo::seed(&k).expect("demo seeds");
    assert!(people.iter().any(|a| a.username == "admin"));
    // Seeding again on a set-up company adds nothing and still answers the accounts.
    assert_eq!(demo::seed(&k).expect("seeds again").len(), people.len());
    let admin = principal(&k, "admin");
    let today = today(&k);

    // Sales and money: an overdue balance, an order with an exchange gain or loss, credit.
    let aging = receivables::aging(&k, &admin, AgingQuery::default()).expect("aging");
    let overdue: Decimal = aging
        .iter()
        .map(|r| r.days_1_30.amount + r.days_31_60.amount + r.days_61_90.amount + r.over_90.amount)
        .sum();
    assert!(overdue > Decimal::ZERO, "an overdue balance: {aging:?}");
    let fx = receivables::fx_by_month(&k, &admin).expect("fx");
    assert!(
        fx.iter()
            .any(|m| !m.gain.amount.is_zero() || !m.loss.amount.is_zero()),
        "an exchange gain or loss: {fx:?}"
    );
    let credit = k
        .store
        .read(|tx| {
            let mut ids = Vec::new();
            tx.for_each::<Customer>(false, &mut |r| {
                ids.push(r.id);
                Ok(true)
            })?;
            let mut found = Vec::new();
            for id in ids {
                found.extend(receipts::credit_of(tx, id)?);
            }
            Ok::<_, AppError>(found)
        })
        .expect("credit");
    assert!(
        credit.iter().any(|m| m.amount > Decimal::ZERO),
        "a customer with credit"
    );

    // Warehouses: Ningbo main and domestic, Los Angeles overseas with its transit times.
    let whs = warehouses::list(&k, &admin).expect("warehouses").items;
    assert_eq!(whs.len(), 2, "{whs:?}");
    let nb = whs.iter().find(|w| w.code == "NB").expect("NB");
    let la = whs.iter().find(|w| w.code == "LA").expect("LA");
    assert!(nb.main && nb.location == Location::Domestic);
    assert_eq!(la.location, Location::Overseas);
    assert_eq!(
        (la.transit_days_sea, la.transit_days_air),
        (Some(28), Some(7))
    );

    // Stock on hand in both warehouses, and goods at sea to Los Angeles.
    let balances = stock::balances(&k, &admin, BalanceQuery::default()).expect("balances");
    let held = |w: u64, sku: &str, field: fn(&stock::BalanceView) -> &str| {
        balances
            .iter()
            .find(|b| b.warehouse_id == w && b.sku == sku)
            .map(|b| field(b).to_string())
            .unwrap_or_default()
    };
    assert_eq!(held(nb.id, "TXT-TWL-70", |b| &b.on_hand), "630");
    assert_eq!(held(la.id, "TXT-TWL-70", |b| &b.on_hand), "600");
    assert_eq!(held(nb.id, "HNG-SS-304", |b| &b.on_hand), "6800");
    assert_eq!(held(la.id, "TXT-TWL-70", |b| &b.in_transit), "480");
    assert_eq!(held(la.id, "HNG-SS-304", |b| &b.in_transit), "3000");
    let moving = transfers::list(
        &k,
        &admin,
        TransferQuery {
            status: Some(StockTransferStatus::InTransit),
            ..Default::default()
        },
    )
    .expect("transfers")
    .items;
    assert_eq!(moving.len(), 1, "one transfer at sea");
    assert!(moving[0].expected_on.is_some_and(|d| d > today));
    let verify = k.store.read(stock::verify).expect("verify");
    assert!(verify.is_empty(), "the ledger adds up: {verify:?}");

    // The towel order in production is short: availability says so.
    let short_order = k
        .store
        .read(|tx| {
            let mut found = None;
            tx.for_each::<SalesOrder>(false, &mut |r| {
                if r.data.status == OrderStatus::InProduction {
                    found = Some(r.id);
                    return Ok(false);
                }
                Ok(true)
            })?;
            Ok::<_, AppError>(found)
        })
        .expect("orders")
        .expect("an order in production");
    let avail = availability::of_order(&k, &admin, short_order).expect("availability");
    let towels = avail
        .lines
        .iter()
        .find(|l| l.sku == "TXT-TWL-70")
        .expect("the towel line");
    assert_eq!(
        (towels.needed.as_str(), towels.short.as_str()),
        ("1440", "210"),
        "{}",
        towels.text
    );

    // Suppliers: three, with different pass and on-time rates; an order still to come.
    let sups = suppliers::list(&k, &admin, SupplierQuery::default())
        .expect("suppliers")
        .items;
    assert_eq!(sups.len(), 3);
    let figures = |name: &str| {
        let s = sups
            .iter()
            .find(|s| s["name"] == name)
            .unwrap_or_else(|| panic!("supplier {name}"));
        (
            s["figures"]["pass_rate"].as_str().unwrap_or("").to_string(),
            s["figures"]["on_time_rate"]
                .as_str()
                .unwrap_or("")
                .to_string(),
            s["prices"].as_array().map(Vec::len).unwrap_or(0),
        )
    };
    assert_eq!(figures("宁波恒达五金"), ("98".into(), "100".into(), 1));
    assert_eq!(figures("高阳纺织"), ("95".into(), "50".into(), 1));
    let pos = purchase::list(&k, &admin, PoQuery::default())
        .expect("purchase orders")
        .items;
    assert_eq!(pos.len(), 4);
    assert!(
        pos.iter()
            .any(|o| o["status"] == serde_json::json!(PoStatus::Confirmed)),
        "an order still to come"
    );

    // Projects: a store launch under way with one task late, a Prime Day ahead.
    let projects = project::list(&k, &admin, Default::default())
        .expect("projects")
        .items;
    assert_eq!(projects.len(), 2, "{projects:?}");
    let launch = projects
        .iter()
        .find(|p| p.name.contains("新店上线"))
        .expect("the store launch");
    let prime = projects
        .iter()
        .find(|p| p.name.contains("Prime Day"))
        .expect("Prime Day");
    assert!(launch.template_id.is_some() && prime.template_id.is_some());
    assert!(launch.start < today && prime.event_date.is_some_and(|e| e > today));
    let list = |id: u64| {
        tasks::list(&k, &admin, id, Default::default())
            .expect("tasks")
            .items
    };
    let launch_tasks = list(launch.id);
    assert_eq!(launch_tasks.len(), 15);
    let done: BTreeSet<&str> = launch_tasks
        .iter()
        .filter(|t| t.status == TaskStatus::Done)
        .map(|t| t.title.as_str())
        .collect();
    assert!(
        done.contains("市场调研") && done.contains("询价比价"),
        "{done:?}"
    );
    let late: Vec<&str> = launch_tasks
        .iter()
        .filter(|t| t.status != TaskStatus::Done && t.due.is_some_and(|d| d < today))
        .map(|t| t.title.as_str())
        .collect();
    assert_eq!(late, ["验厂与资质审核"]);
    let prime_tasks = list(prime.id);
    assert_eq!(prime_tasks.len(), 14);
    assert!(
        prime_tasks
            .iter()
            .any(|t| t.status == TaskStatus::Done && t.title == "销量预测")
    );
    assert!(
        prime_tasks
            .iter()
            .all(|t| t.status == TaskStatus::Done || t.due.is_none_or(|d| d >= today)),
        "nothing late in Prime Day"
    );
}
