//! Demo data for sales and money, made through the same operations people use (so every rule
//! holds): exchange rates, products, quotations (one revised), orders in USD and EUR with their
//! payment plans, receipts at other rates than the orders' (exchange gain and loss), one overdue
//! balance and one order with its actual costs in. Dates count back from today.

use chrono::{Duration, NaiveDate};
use rust_decimal::Decimal;

use super::documents::{self, DocumentSettings};
use super::lines::{DocLang, LineInput};
use super::orders::{self, Basis, ChargeInput, ChargeKind, OrderInput, OrderStatus};
use super::products::{self, Packing, ProductInput, SupplierPrice};
use super::quotations::{self, QuotationInput};
use super::rates::{self, RateInput};
use super::receipts::{self, AllocateInput, AllocationInput, ReceiptInput, ReceiptKind};
use super::terms::PaymentTerms;
use crate::auth::{Principal, User};
use crate::domain::crm::company_today;
use crate::domain::crm::model::Customer;
use crate::domain::money::{Currency, Money};
use crate::domain::{Kontor, accounts};
use crate::error::{AppError, AppResult};
use crate::store::IndexKey;

fn d(s: &str) -> Decimal {
    s.parse().unwrap_or_default()
}

fn money(amount: &str, currency: &str) -> Money {
    // The demo's currencies are all in the table; CNY stands in for a mistyped one.
    Money::new(d(amount), Currency::of(currency).unwrap_or(Currency::CNY))
}

fn principal(k: &Kontor, username: &str) -> AppResult<Principal> {
    k.store.read(|tx| {
        let id = tx
            .find_unique::<User>("username", &IndexKey::new().str(username))?
            .ok_or_else(AppError::not_found)?;
        let user = tx.get_live::<User>(id)?;
        accounts::principal_for(tx, &user, None)
    })
}

/// The first `n` customers a user owns.
fn customers_of(k: &Kontor, user: u64, n: usize) -> AppResult<Vec<u64>> {
    k.store.read(|tx| {
        Ok(tx
            .ids_by_index::<Customer>("owner", &IndexKey::new().u64(user), false)?
            .into_iter()
            .take(n)
            .collect())
    })
}

fn terms_id(k: &Kontor, preset: &str) -> AppResult<Option<u64>> {
    k.store.read(|tx| {
        let mut found = None;
        tx.for_each::<PaymentTerms>(false, &mut |r| {
            if r.data.preset.as_deref() == Some(preset) {
                found = Some(r.id);
                return Ok(false);
            }
            Ok(true)
        })?;
        Ok(found)
    })
}

fn id_of(v: &serde_json::Value) -> u64 {
    v["id"].as_u64().unwrap_or_default()
}

fn line(product: u64, quantity: &str) -> LineInput {
    LineInput {
        product_id: Some(product),
        quantity: d(quantity),
        ..Default::default()
    }
}

pub fn seed(k: &Kontor) -> AppResult<()> {
    let admin = principal(k, "admin")?;
    let finance = principal(k, "qian.fang")?;
    let today = k.store.read(|tx| company_today(tx, tx.now()))?;
    let day = |n: i64| today - Duration::days(n);

    documents::set_settings(
        k,
        &admin,
        DocumentSettings {
            name_en: Some("Ningbo Haina Import & Export Co., Ltd.".into()),
            address: Some("浙江省宁波市鄞州区天童南路 588 号 15 楼\n15F, 588 Tiantong South Road, Yinzhou, Ningbo, China".into()),
            phone: Some("+86 574 8788 6600".into()),
            email: Some("sales@haina-trade.example".into()),
            tax_id: Some("91330212MA2H8XXX7Q".into()),
            bank: Some("Beneficiary: Ningbo Haina Import & Export Co., Ltd.\nBank: Bank of China, Ningbo Branch\nSWIFT: BKCHCNBJ92A\nUSD A/C: 3512 5888 6666".into()),
            remarks: Some("Quality claims within 30 days of arrival. / 质量异议请于到货后 30 天内提出。".into()),
        },
    )?;

    // Rates: units of CNY for one unit.
    for (currency, back, rate) in [
        ("USD", 120, "7.10"),
        ("USD", 60, "7.05"),
        ("USD", 30, "7.18"),
        ("USD", 10, "7.22"),
        ("USD", 1, "7.20"),
        ("EUR", 120, "7.72"),
        ("EUR", 60, "7.78"),
        ("EUR", 30, "7.85"),
        ("EUR", 1, "7.83"),
        ("GBP", 120, "9.05"),
        ("GBP", 1, "9.12"),
    ] {
        rates::set(
            k,
            &finance,
            RateInput {
                currency: currency.into(),
                date: day(back),
                rate: d(rate),
                source: Some("中国银行 现汇买入价".into()),
            },
        )?;
    }

    // (sku, zh, en, specs, hs, usd, eur, cost cny, per carton, carton cm, gross kg, supplier)
    let catalogue = [
        (
            "LED-DL-100",
            "LED 筒灯 10W",
            "LED downlight 10W",
            "10W, 4000K, Ø120 mm, CE/RoHS",
            "9405.11",
            "3.20",
            "2.95",
            "14.80",
            50,
            ["60", "40", "30"],
            "12.5",
            "中山明辉灯饰厂",
        ),
        (
            "SOL-GL-20",
            "太阳能草坪灯",
            "Solar garden light",
            "IP65, 20 lm, 2 × AA NiMH",
            "9405.42",
            "2.15",
            "1.98",
            "9.60",
            40,
            ["52", "38", "42"],
            "9.8",
            "江门光源电器",
        ),
        (
            "HNG-SS-304",
            "304 不锈钢合页",
            "Stainless steel hinge 304",
            "4\" × 3\", 2.5 mm, satin",
            "8302.10",
            "0.86",
            "0.79",
            "3.10",
            200,
            ["40", "30", "25"],
            "21.0",
            "宁波恒达五金",
        ),
        (
            "BAM-CB-35",
            "竹砧板",
            "Bamboo cutting board",
            "35 × 25 × 1.8 cm, food grade",
            "4419.90",
            "4.40",
            "4.05",
            "18.50",
            20,
            ["38", "28", "40"],
            "16.0",
            "安吉竹木制品",
        ),
        (
            "CER-MUG-12",
            "陶瓷马克杯 12oz",
            "Ceramic mug 12 oz",
            "350 ml, stoneware, gift box",
            "6912.00",
            "1.35",
            "1.25",
            "4.90",
            36,
            ["50", "34", "36"],
            "14.2",
            "潮州瓷都陶瓷",
        ),
        (
            "TXT-TWL-70",
            "纯棉浴巾",
            "Cotton bath towel",
            "70 × 140 cm, 500 gsm",
            "6302.60",
            "5.60",
            "5.15",
            "24.00",
            24,
            ["60", "40", "45"],
            "13.5",
            "高阳纺织",
        ),
    ];
    let mut product_ids = Vec::new();
    for (sku, zh, en, specs, hs, usd, eur, cost, per, cm, gross, supplier) in catalogue {
        let p = products::create(
            k,
            &admin,
            ProductInput {
                sku: Some(sku.into()),
                name_zh: Some(zh.into()),
                name_en: Some(en.into()),
                specs: Some(specs.into()),
                hs_code: Some(hs.into()),
                unit: Some("pcs".into()),
                packing: Some(Packing {
                    units_per_carton: Some(per),
                    carton_cm: Some(cm.map(d)),
                    gross_kg: Some(d(gross)),
                    net_kg: Some(d(gross) - Decimal::ONE),
                }),
                prices: Some(vec![money(usd, "USD"), money(eur, "EUR")]),
                cost: Some(Some(money(cost, "CNY"))),
                supplier_prices: Some(vec![SupplierPrice {
                    supplier: supplier.into(),
                    price: money(cost, "CNY"),
                    moq: Some(per * 10),
                    lead_days: Some(15),
                }]),
                ..Default::default()
            },
        )?;
        product_ids.push(id_of(&p));
    }
    let [led, solar, hinge, board, mug, towel] = product_ids[..] else {
        return Ok(());
    };

    let li_na = principal(k, "li.na")?;
    let anna = principal(k, "anna")?;
    let zhao = principal(k, "zhao.min")?;
    let li = customers_of(k, li_na.user_id, 2)?;
    let an = customers_of(k, anna.user_id, 1)?;
    let zh = customers_of(k, zhao.user_id, 1)?;
    let (Some(&c1), Some(&c2), Some(&c3), Some(&c4)) =
        (li.first(), li.get(1), an.first(), zh.first())
    else {
        return Ok(());
    };
    let deposit_bl15 = terms_id(k, "deposit_30_70_bl15")?;
    let advance = terms_id(k, "tt_advance")?;
    let against_bl = terms_id(k, "deposit_30_70_bl")?;
    let step = |p: &Principal, id: u64, s: &str| quotations::step(k, p, id, s, None);

    // Li Na quotes USD FOB Ningbo, revises the price after the buyer's counter-offer, and the
    // buyer accepts revision 2: it becomes an order whose balance is now overdue.
    let q1 = quotations::create(
        k,
        &li_na,
        QuotationInput {
            customer_id: Some(c1),
            currency: Some("USD".into()),
            lines: Some(vec![line(led, "2000"), line(solar, "1200")]),
            incoterm: Some("FOB".into()),
            named_place: Some("Ningbo".into()),
            payment_terms_id: deposit_bl15,
            delivery: Some("35 days after deposit".into()),
            lang: Some(DocLang::En),
            ..Default::default()
        },
    )?;
    let q1 = id_of(&q1);
    step(&li_na, q1, "send")?;
    quotations::update(
        k,
        &li_na,
        q1,
        QuotationInput {
            lines: Some(vec![
                LineInput {
                    unit_price: Some(d("3.05")),
                    ..line(led, "2000")
                },
                line(solar, "1200"),
            ]),
            ..Default::default()
        },
    )?;
    step(&li_na, q1, "send")?;
    step(&li_na, q1, "accept")?;
    let o1 = orders::from_quotation(
        k,
        &li_na,
        q1,
        OrderInput {
            order_date: Some(day(60)),
            customer_ref: Some("PO-88231".into()),
            ..Default::default()
        },
    )?;
    let (o1_id, o1_number) = (
        id_of(&o1),
        o1["number"].as_str().unwrap_or_default().to_string(),
    );
    orders::update(
        k,
        &li_na,
        o1_id,
        OrderInput {
            bl_date: Some(Some(day(25))),
            eta: Some(Some(today + Duration::days(5))),
            status: Some(OrderStatus::Shipped),
            ..Default::default()
        },
    )?;
    // The deposit arrived two days after the order at 7.06, less a USD 25 bank fee.
    let deposit = d(o1["plan"][0]["amount"]["amount"].as_str().unwrap_or("0"));
    pay(
        k,
        &finance,
        c1,
        o1_id,
        0,
        deposit,
        "25",
        day(58),
        Some("7.06"),
        &format!("DEPOSIT {o1_number}"),
    )?;

    // A draft in EUR and a sent one in GBP (prices given: the catalogue has none in GBP).
    quotations::create(
        k,
        &li_na,
        QuotationInput {
            customer_id: Some(c2),
            currency: Some("EUR".into()),
            lines: Some(vec![line(hinge, "20000"), line(towel, "960")]),
            incoterm: Some("CIF".into()),
            named_place: Some("Rotterdam".into()),
            payment_terms_id: against_bl,
            lang: Some(DocLang::Both),
            ..Default::default()
        },
    )?;
    let q3 = quotations::create(
        k,
        &li_na,
        QuotationInput {
            customer_id: Some(c2),
            currency: Some("GBP".into()),
            lines: Some(vec![LineInput {
                unit_price: Some(d("3.45")),
                discount_percent: Some(d("5")),
                ..line(board, "600")
            }]),
            incoterm: Some("DDP".into()),
            named_place: Some("Manchester".into()),
            ..Default::default()
        },
    )?;
    step(&li_na, id_of(&q3), "send")?;

    // Anna's EUR order, paid in advance at a better rate, shipped, delivered and with its
    // actual costs in (entered by the administrator: a rep's role hides costs).
    let o2 = orders::create(
        k,
        &anna,
        OrderInput {
            customer_id: Some(c3),
            currency: Some("EUR".into()),
            lines: Some(vec![line(board, "1000"), line(mug, "2160")]),
            order_date: Some(day(100)),
            terms_id: advance,
            incoterm: Some("CIF".into()),
            named_place: Some("Hamburg".into()),
            lang: Some(DocLang::Both),
            ..Default::default()
        },
    )?;
    let (o2_id, o2_number) = (
        id_of(&o2),
        o2["number"].as_str().unwrap_or_default().to_string(),
    );
    let total = d(o2["total"]["amount"].as_str().unwrap_or("0"));
    pay(
        k,
        &finance,
        c3,
        o2_id,
        0,
        total,
        "0",
        day(98),
        Some("7.80"),
        &format!("TT {o2_number} THANK YOU"),
    )?;
    let charge = |kind, amount: &str, currency: &str, basis| ChargeInput {
        kind,
        amount: money(amount, currency),
        date: None,
        basis,
        note: None,
    };
    orders::update(
        k,
        &admin,
        o2_id,
        OrderInput {
            bl_date: Some(Some(day(80))),
            delivered: Some(Some(day(50))),
            status: Some(OrderStatus::Completed),
            estimates: Some(vec![
                charge(ChargeKind::Freight, "6500.00", "CNY", Basis::Volume),
                charge(ChargeKind::Commission, "120.00", "EUR", Basis::Value),
            ]),
            charges: Some(vec![
                charge(ChargeKind::Purchase, "29084.00", "CNY", Basis::Value),
                charge(ChargeKind::Freight, "6820.00", "CNY", Basis::Volume),
                charge(ChargeKind::Duty, "410.00", "EUR", Basis::Value),
                charge(ChargeKind::Commission, "120.00", "EUR", Basis::Value),
            ]),
            ..Default::default()
        },
    )?;

    // Zhao Min's USD order in production: the deposit came with USD 200 more than asked,
    // which stays on the customer as credit.
    let o3 = orders::create(
        k,
        &zhao,
        OrderInput {
            customer_id: Some(c4),
            currency: Some("USD".into()),
            lines: Some(vec![line(towel, "1440"), line(mug, "1440")]),
            order_date: Some(day(12)),
            terms_id: against_bl,
            incoterm: Some("FOB".into()),
            named_place: Some("Shanghai".into()),
            status: Some(OrderStatus::InProduction),
            ..Default::default()
        },
    )?;
    let o3_number = o3["number"].as_str().unwrap_or_default().to_string();
    let deposit = d(o3["plan"][0]["amount"]["amount"].as_str().unwrap_or("0"));
    let r = receipts::create(
        k,
        &finance,
        ReceiptInput {
            customer_id: Some(c4),
            kind: ReceiptKind::Payment,
            payer: None,
            amount: Money::new(
                deposit + d("200"),
                Currency::of("USD").unwrap_or(Currency::CNY),
            ),
            bank_fee: None,
            date: day(5),
            rate: Some(d("7.22")),
            remittance: Some(format!("30PCT DEPOSIT {o3_number}")),
        },
    )?;
    receipts::allocate(
        k,
        &finance,
        r.id,
        AllocateInput {
            allocations: vec![AllocationInput {
                order_id: id_of(&o3),
                instalment: 0,
                amount: deposit,
            }],
            version: None,
        },
    )?;
    Ok(())
}

/// Records a receipt of `amount` (what the customer sent; `fee` of it kept by the banks) and
/// allocates it to one instalment.
#[allow(clippy::too_many_arguments)]
fn pay(
    k: &Kontor,
    finance: &Principal,
    customer: u64,
    order: u64,
    instalment: usize,
    amount: Decimal,
    fee: &str,
    date: NaiveDate,
    rate: Option<&str>,
    remittance: &str,
) -> AppResult<()> {
    let currency = k
        .store
        .read(|tx| Ok::<_, AppError>(tx.get_live::<orders::SalesOrder>(order)?.data.currency))?;
    let r = receipts::create(
        k,
        finance,
        ReceiptInput {
            customer_id: Some(customer),
            kind: ReceiptKind::Payment,
            payer: None,
            amount: Money::new(amount - d(fee), currency),
            bank_fee: Some(d(fee)),
            date,
            rate: rate.map(d),
            remittance: Some(remittance.into()),
        },
    )?;
    receipts::allocate(
        k,
        finance,
        r.id,
        AllocateInput {
            allocations: vec![AllocationInput {
                order_id: order,
                instalment,
                amount,
            }],
            version: None,
        },
    )?;
    Ok(())
}
