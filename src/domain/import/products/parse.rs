//! A product row's cells into a typed draft: numbers as spreadsheets write them (full-width
//! digits, thousands separators, units such as `kg` or `cm`), carton sizes written `60*40*30`,
//! `60x40x30` or `60×40×30`, amounts with or without their currency, yes/no in either
//! language, and lists of suppliers separated by `;`. The draft becomes the product form's
//! input ([`ProductRow::input`]), so the import runs the form's own checks
//! (`products::new_product`, `products::apply`); their errors name the import column
//! ([`import_field`]).

use std::str::FromStr;

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use crate::domain::money::{Currency, Money};
use crate::domain::sales::products::{Packing, Product, ProductInput, SupplierPrice};
use crate::domain::validate;
use crate::error::{AppError, AppResult, Msg};
use crate::search::text::fold;

use super::columns::{price_column, price_currency};

/// One row's values, parsed (the product form checks them once the plan is known).
#[derive(Clone, Debug, Default)]
pub struct ProductRow {
    pub sku: Option<String>,
    pub name_zh: Option<String>,
    pub name_en: Option<String>,
    pub specs: Option<String>,
    pub hs_code: Option<String>,
    pub unit: Option<String>,
    pub units_per_carton: Option<u32>,
    pub carton_cm: Option<[Decimal; 3]>,
    pub gross_kg: Option<Decimal>,
    pub net_kg: Option<Decimal>,
    /// One per price column filled.
    pub prices: Vec<Money>,
    pub cost: Option<Money>,
    /// The suppliers, with their prices, MOQs and lead times in the same order.
    pub suppliers: Vec<String>,
    pub supplier_prices: Vec<Money>,
    pub moqs: Vec<Option<u32>>,
    pub lead_days: Vec<Option<u32>>,
    pub active: Option<bool>,
}

fn invalid(field: &str, zh: String, en: String) -> AppError {
    AppError::invalid(field, Msg::new(zh, en))
}

/// Full-width digits and signs (１２．５) as ASCII.
fn half_width(v: &str) -> String {
    v.chars()
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            '\u{3000}' => ' ',
            _ => c,
        })
        .collect()
}

/// A decimal number as spreadsheets write it: `12.5`, `1,234.50`, `１２．５`; a comma only
/// between groups of three digits (`3,5` is refused rather than read as 35).
pub fn number(v: &str) -> Option<Decimal> {
    let v = half_width(v);
    let v = v.trim();
    let plain: String = if v.contains(',') {
        let int = v.split('.').next().unwrap_or("");
        let groups: Vec<&str> = int.trim_start_matches(['-', '+']).split(',').collect();
        let grouped = groups[0].len() <= 3
            && !groups[0].is_empty()
            && groups[1..].iter().all(|g| g.len() == 3);
        if !grouped {
            return None;
        }
        v.replace(',', "")
    } else {
        v.to_string()
    };
    if plain.is_empty() || plain.contains(['e', 'E']) {
        return None;
    }
    Decimal::from_str(&plain).ok()
}

/// A number followed by one of `units` (compared without case), or none.
fn without_unit<'a>(v: &'a str, units: &[&str]) -> &'a str {
    let v = v.trim();
    let lower = v.to_lowercase();
    for u in units {
        if lower.ends_with(u) && lower.len() >= u.len() {
            // Units are ASCII or whole characters, so the cut falls on a boundary.
            let cut = v.len() - u.len();
            if v.is_char_boundary(cut) {
                return v[..cut].trim_end();
            }
        }
    }
    v
}

/// A carton's length × width × height in cm: `60*40*30`, `60x40x30`, `60×40×30`, with spaces
/// or a trailing `cm` as people write them.
pub fn carton(v: &str) -> Option<[Decimal; 3]> {
    let v = half_width(v);
    let v = without_unit(&v, &["cm", "厘米"]);
    let parts: Vec<&str> = v
        .split(['*', 'x', 'X', '×', '✕', '✖'])
        .map(str::trim)
        .collect();
    if parts.len() != 3 {
        return None;
    }
    let mut out = [Decimal::ZERO; 3];
    for (o, p) in out.iter_mut().zip(parts) {
        *o = number(without_unit(p, &["cm"]))?;
    }
    Some(out)
}

/// A whole number (`500`, `500.0`, `1,000`).
pub fn whole(v: &str) -> Option<u32> {
    let d = number(v)?;
    if d.fract() != Decimal::ZERO {
        return None;
    }
    d.to_u32()
}

/// Yes or no, as people write it in either language.
pub fn yes_no(v: &str) -> Option<bool> {
    match fold(v.trim()).as_str() {
        "是" | "y" | "yes" | "true" | "1" | "启用" | "在售" | "active" | "enabled" | "√" | "✓" => {
            Some(true)
        }
        "否" | "n" | "no" | "false" | "0" | "停用" | "停售" | "inactive" | "disabled"
        | "discontinued" | "×" => Some(false),
        _ => None,
    }
}

/// An amount with its currency if the cell gives one: `12.50`, `USD 12.50`, `12.50 usd`,
/// `$12.50`, `¥88`, `88元`, `RMB 88`.
pub fn amount(v: &str) -> Option<(Option<Currency>, Decimal)> {
    let v = half_width(v);
    let mut rest = v.trim();
    let mut currency = None;
    let symbols: &[(&str, &str)] = &[
        ("us$", "USD"),
        ("$", "USD"),
        ("€", "EUR"),
        ("£", "GBP"),
        ("¥", "CNY"),
        ("￥", "CNY"),
        ("hk$", "HKD"),
    ];
    let lower = rest.to_lowercase();
    for (sym, code) in symbols {
        if lower.starts_with(sym) {
            currency = Currency::of(code);
            rest = rest[sym.len()..].trim_start();
            break;
        }
    }
    if currency.is_none() {
        for suffix in ["元", "块"] {
            if let Some(r) = rest.strip_suffix(suffix) {
                currency = Currency::of("CNY");
                rest = r.trim_end();
            }
        }
    }
    if currency.is_none() {
        let code_of = |s: &str| match s.to_uppercase().as_str() {
            "RMB" => Currency::of("CNY"),
            other => Currency::of(other),
        };
        let (head, tail) = (rest.get(..3), rest.get(rest.len().saturating_sub(3)..));
        if let Some(c) = head
            .filter(|h| h.chars().all(|c| c.is_ascii_alphabetic()))
            .and_then(code_of)
        {
            currency = Some(c);
            rest = rest[3..].trim_start();
        } else if let Some(c) = tail
            .filter(|t| t.chars().all(|c| c.is_ascii_alphabetic()))
            .and_then(code_of)
        {
            currency = Some(c);
            rest = rest[..rest.len() - 3].trim_end();
        }
    }
    Some((currency, number(rest)?))
}

/// `A; B；C` → its parts, trimmed (empty parts kept: a list lines up with another).
fn parts(v: &str) -> Vec<&str> {
    v.split([';', '；']).map(str::trim).collect()
}

fn not_a_number(field: &str, v: &str, what_zh: &str, what_en: &str) -> AppError {
    invalid(
        field,
        format!("“{v}”不是{what_zh}。"),
        format!("“{v}” is not {what_en}."),
    )
}

/// A money cell: the currency the cell gives, else `default`; a cell giving another currency
/// than `only` (a price column's) is refused.
fn money(field: &str, v: &str, default: Currency, only: Option<Currency>) -> AppResult<Money> {
    let (given, amount) = amount(v).ok_or_else(|| {
        not_a_number(
            field,
            v,
            "金额（如 12.50 或 USD 12.50）",
            "an amount (such as 12.50 or USD 12.50)",
        )
    })?;
    let currency = given.unwrap_or(default);
    if let Some(only) = only
        && only != currency
    {
        return Err(invalid(
            field,
            format!("这一列是 {only} 价格，但这一格写的是 {currency}。"),
            format!("This column holds {only} prices, but the cell is in {currency}."),
        ));
    }
    Ok(Money::new(amount, currency))
}

fn list_of_whole(
    field: &str,
    v: &str,
    what_zh: &str,
    what_en: &str,
) -> AppResult<Vec<Option<u32>>> {
    parts(v)
        .into_iter()
        .map(|p| match p {
            "" => Ok(None),
            p => whole(p)
                .map(Some)
                .ok_or_else(|| not_a_number(field, p, what_zh, what_en)),
        })
        .collect()
}

/// One cell into the row's values (`base`: the currency of amounts that name none).
pub(super) fn cell(d: &mut ProductRow, column: &str, v: &str, base: Currency) -> AppResult<()> {
    let text = |max: usize| validate::optional_text(column, Some(v), max);
    match column {
        "sku" => d.sku = Some(v.trim().to_string()),
        "name_zh" => d.name_zh = text(200)?,
        "name_en" => d.name_en = text(200)?,
        "specs" => d.specs = text(2000)?,
        "hs_code" => d.hs_code = Some(v.trim().to_string()),
        "unit" => d.unit = Some(v.trim().to_string()),
        "units_per_carton" => {
            d.units_per_carton = Some(
                whole(without_unit(v, &["pcs", "pc", "个", "只", "件"]))
                    .ok_or_else(|| not_a_number(column, v, "整数", "a whole number"))?,
            )
        }
        "carton" => {
            d.carton_cm = Some(carton(v).ok_or_else(|| {
                invalid(
                    column,
                    format!("外箱尺寸“{v}”应写成 长*宽*高（厘米），如 60*40*30。"),
                    format!(
                        "Carton size “{v}” should be length*width*height in cm, such as 60*40*30."
                    ),
                )
            })?)
        }
        "gross_kg" | "net_kg" => {
            let kg = number(without_unit(v, &["kgs", "kg", "公斤", "千克"]))
                .ok_or_else(|| not_a_number(column, v, "重量（千克）", "a weight in kg"))?;
            match column {
                "gross_kg" => d.gross_kg = Some(kg),
                _ => d.net_kg = Some(kg),
            }
        }
        "cost" => d.cost = Some(money(column, v, base, None)?),
        "supplier" => {
            d.suppliers = parts(v).into_iter().map(str::to_string).collect();
        }
        "supplier_price" => {
            d.supplier_prices = parts(v)
                .into_iter()
                .map(|p| money(column, p, base, None))
                .collect::<AppResult<_>>()?
        }
        "moq" => d.moqs = list_of_whole(column, v, "整数", "a whole number")?,
        "lead_days" => d.lead_days = list_of_whole(column, v, "天数（整数）", "a number of days")?,
        "active" => {
            d.active = Some(yes_no(v).ok_or_else(|| {
                invalid(
                    column,
                    format!("“{v}”应为 是 或 否。"),
                    format!("“{v}” should be yes or no."),
                )
            })?)
        }
        key => {
            if let Some(currency) = price_currency(key) {
                let m = money(key, v, currency, Some(currency))?;
                d.prices.push(m);
            }
        }
    }
    Ok(())
}

/// What is wrong with the row's supplier lists (a price for each supplier, MOQs and lead times
/// lining up with them): the column and the message.
pub(super) fn supplier_problem(d: &ProductRow) -> Option<(&'static str, Msg)> {
    let n = d.suppliers.len();
    if n == 0 {
        let given = [
            ("supplier_price", !d.supplier_prices.is_empty()),
            ("moq", !d.moqs.is_empty()),
            ("lead_days", !d.lead_days.is_empty()),
        ];
        let (col, _) = given.into_iter().find(|g| g.1)?;
        return Some((
            "supplier",
            Msg::new(
                format!("填写了{}，但没有供应商。", zh_of(col)),
                format!("A {} is given without the supplier.", en_of(col)),
            ),
        ));
    }
    if d.supplier_prices.len() != n {
        return Some((
            "supplier_price",
            Msg::new(
                format!("有 {n} 个供应商，应有 {n} 个采购价（用分号分开）。"),
                format!("{n} supplier(s) need {n} supplier price(s), separated by semicolons."),
            ),
        ));
    }
    for (col, len) in [("moq", d.moqs.len()), ("lead_days", d.lead_days.len())] {
        if len != 0 && len != n {
            return Some((
                col,
                Msg::new(
                    format!("有 {n} 个供应商，{}应有 {n} 项（用分号分开）。", zh_of(col)),
                    format!(
                        "{n} supplier(s) need {n} {} value(s), separated by semicolons.",
                        en_of(col)
                    ),
                ),
            ));
        }
    }
    None
}

fn zh_of(col: &str) -> &'static str {
    match col {
        "supplier_price" => "采购价",
        "moq" => "起订量",
        _ => "交期",
    }
}

fn en_of(col: &str) -> &'static str {
    match col {
        "supplier_price" => "supplier price",
        "moq" => "MOQ",
        _ => "lead time",
    }
}

impl ProductRow {
    /// The product form's input for this row: for a new product (`existing` none) everything
    /// the row gives; for an update, what it gives on top of the product as it is (its prices
    /// in other currencies, its other suppliers and its packing details stay). The SKU, the
    /// key, is not changed by an update.
    pub fn input(&self, existing: Option<&Product>) -> ProductInput {
        let packing_given = self.units_per_carton.is_some()
            || self.carton_cm.is_some()
            || self.gross_kg.is_some()
            || self.net_kg.is_some();
        let packing = packing_given.then(|| {
            let mut p = existing.map(|e| e.packing.clone()).unwrap_or_default();
            p.units_per_carton = self.units_per_carton.or(p.units_per_carton);
            p.carton_cm = self.carton_cm.or(p.carton_cm);
            p.gross_kg = self.gross_kg.or(p.gross_kg);
            p.net_kg = self.net_kg.or(p.net_kg);
            p
        });
        let prices = (!self.prices.is_empty()).then(|| {
            let mut list: Vec<Money> = existing.map(|e| e.prices.clone()).unwrap_or_default();
            for m in &self.prices {
                match list.iter_mut().find(|x| x.currency == m.currency) {
                    Some(x) => *x = *m,
                    None => list.push(*m),
                }
            }
            list
        });
        let supplier_prices = (!self.suppliers.is_empty()).then(|| {
            let mut list: Vec<SupplierPrice> = existing
                .map(|e| e.supplier_prices.clone())
                .unwrap_or_default();
            for (i, name) in self.suppliers.iter().enumerate() {
                let Some(price) = self.supplier_prices.get(i).copied() else {
                    continue;
                };
                let moq = self.moqs.get(i).copied();
                let lead = self.lead_days.get(i).copied();
                match list.iter_mut().find(|s| fold(&s.supplier) == fold(name)) {
                    Some(s) => {
                        s.price = price;
                        s.moq = moq.unwrap_or(s.moq);
                        s.lead_days = lead.unwrap_or(s.lead_days);
                    }
                    None => list.push(SupplierPrice {
                        supplier: name.clone(),
                        price,
                        moq: moq.flatten(),
                        lead_days: lead.flatten(),
                    }),
                }
            }
            list
        });
        ProductInput {
            sku: existing.is_none().then(|| self.sku.clone()).flatten(),
            name_zh: self.name_zh.clone(),
            name_en: self.name_en.clone(),
            specs: self.specs.clone(),
            hs_code: self.hs_code.clone(),
            unit: self.unit.clone(),
            packing,
            prices,
            cost: self.cost.map(Some),
            supplier_prices,
            active: self.active,
            version: None,
        }
    }
}

/// The import column of a field the product checks name (`packing.carton_cm[1]` → `carton`,
/// `prices[0].amount` → the column of that price's currency).
pub(super) fn import_field(field: &str, input: &ProductInput) -> String {
    let index = |f: &str| -> Option<usize> { f.split_once('[')?.1.split_once(']')?.0.parse().ok() };
    if let Some(rest) = field.strip_prefix("packing.") {
        return match rest.split('[').next().unwrap_or(rest) {
            "carton_cm" => "carton",
            other => other,
        }
        .to_string();
    }
    if field.starts_with("prices[") {
        let currency = index(field)
            .and_then(|i| input.prices.as_ref()?.get(i))
            .map(|m| m.currency);
        if let Some(c) = currency {
            return price_column(c).key.to_string();
        }
    }
    if let Some(rest) = field.strip_prefix("supplier_prices[") {
        return match rest.split_once('.').map(|r| r.1) {
            Some(f) if f.starts_with("price") => "supplier_price",
            Some("moq") => "moq",
            Some("lead_days") => "lead_days",
            _ => "supplier",
        }
        .to_string();
    }
    match field.split('.').next() {
        Some("cost") => "cost".to_string(),
        _ => field.to_string(),
    }
}

/// A carton size as the export writes it (and the import reads it back, digits as stored).
pub fn carton_text(p: &Packing) -> String {
    p.carton_cm
        .map(|[l, w, h]| format!("{l}*{w}*{h}"))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    #[test]
    fn carton_sizes_as_people_write_them() {
        let want = Some([d("60"), d("40"), d("30")]);
        for v in [
            "60*40*30",
            "60x40x30",
            "60×40×30",
            "60X40X30",
            " 60 * 40 * 30 ",
            "60*40*30cm",
            "60 x 40 x 30 CM",
            "60cm*40cm*30cm",
            "６０＊４０＊３０",
            "60*40*30厘米",
        ] {
            assert_eq!(carton(v), want, "{v}");
        }
        assert_eq!(
            carton("45.5*30.2*28"),
            Some([d("45.5"), d("30.2"), d("28")])
        );
        for v in [
            "60*40",
            "60*40*30*20",
            "60*forty*30",
            "",
            "60/40/30",
            "60**30",
        ] {
            assert_eq!(carton(v), None, "{v}");
        }
        let p = Packing {
            carton_cm: Some([d("60.0"), d("40"), d("30.50")]),
            ..Default::default()
        };
        assert_eq!(carton_text(&p), "60.0*40*30.50");
        let back = carton(&carton_text(&p)).unwrap();
        assert_eq!(back.map(|x| x.to_string()), ["60.0", "40", "30.50"]);
    }

    #[test]
    fn numbers_amounts_and_yes_no() {
        assert_eq!(number("1,234.50"), Some(d("1234.50")));
        assert_eq!(number("１２．５"), Some(d("12.5")));
        assert_eq!(number("3,5"), None, "a decimal comma is not read as 35");
        assert_eq!(number("12,34,567"), None);
        assert_eq!(number("1e3"), None);
        assert_eq!(whole("1,000"), Some(1000));
        assert_eq!(whole("50.0"), Some(50));
        assert_eq!(whole("50.5"), None);
        assert_eq!(whole("-5"), None);
        let usd = Currency::of("USD");
        let cny = Currency::of("CNY");
        for (v, c, a) in [
            ("12.50", None, "12.50"),
            ("USD 12.50", usd, "12.50"),
            ("12.50 usd", usd, "12.50"),
            ("$12.50", usd, "12.50"),
            ("US$ 3", usd, "3"),
            ("¥88", cny, "88"),
            ("88元", cny, "88"),
            ("RMB 88", cny, "88"),
            ("EUR1,200.00", Currency::of("EUR"), "1200.00"),
        ] {
            assert_eq!(amount(v), Some((c, d(a))), "{v}");
        }
        assert_eq!(amount("XYZ 3"), None);
        assert_eq!(amount("abc"), None);
        assert_eq!(yes_no("是"), Some(true));
        assert_eq!(yes_no("No"), Some(false));
        assert_eq!(yes_no("停售"), Some(false));
        assert_eq!(yes_no("maybe"), None);
    }

    #[test]
    fn a_price_cell_in_another_currency_is_refused() {
        let usd = Currency::of("USD").unwrap();
        let mut row = ProductRow::default();
        cell(&mut row, "price_usd", "3.20", usd).unwrap();
        cell(&mut row, "price_usd", "$3.20", usd).unwrap();
        let e = cell(&mut row, "price_usd", "EUR 3.20", usd).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("price_usd"));
        assert!(e.msg.en.contains("USD prices"), "{}", e.msg.en);
    }

    #[test]
    fn supplier_lists_line_up() {
        let cny = Currency::of("CNY").unwrap();
        let mut row = ProductRow::default();
        cell(&mut row, "supplier_price", "14.80", cny).unwrap();
        assert_eq!(supplier_problem(&row).map(|p| p.0), Some("supplier"));
        cell(&mut row, "supplier", "中山灯饰厂; 佛山照明", cny).unwrap();
        assert_eq!(supplier_problem(&row).map(|p| p.0), Some("supplier_price"));
        cell(&mut row, "supplier_price", "14.80; USD 2.10", cny).unwrap();
        assert_eq!(supplier_problem(&row).map(|p| p.0), None);
        cell(&mut row, "moq", "1000", cny).unwrap();
        assert_eq!(supplier_problem(&row).map(|p| p.0), Some("moq"));
        cell(&mut row, "moq", "1000; ", cny).unwrap();
        assert_eq!(row.moqs, vec![Some(1000), None]);
        assert_eq!(supplier_problem(&row).map(|p| p.0), None);
        let input = row.input(None);
        let list = input.supplier_prices.unwrap();
        assert_eq!(list[1].price.to_string(), "USD 2.10");
        assert_eq!((list[0].moq, list[1].moq), (Some(1000), None));
    }

    #[test]
    fn form_fields_name_their_import_column() {
        let mut row = ProductRow::default();
        let usd = Currency::of("USD").unwrap();
        cell(&mut row, "price_eur", "2", usd).unwrap();
        cell(&mut row, "price_usd", "-3", usd).unwrap();
        let input = row.input(None);
        for (field, col) in [
            ("packing.carton_cm[1]", "carton"),
            ("packing.net_kg", "net_kg"),
            ("packing.units_per_carton", "units_per_carton"),
            ("prices[1].amount", "price_usd"),
            ("prices[0].currency", "price_eur"),
            ("cost.amount", "cost"),
            ("supplier_prices[0].supplier", "supplier"),
            ("supplier_prices[2].price.amount", "supplier_price"),
            ("name_en", "name_en"),
        ] {
            assert_eq!(import_field(field, &input), col, "{field}");
        }
    }

    #[test]
    fn an_update_changes_what_the_row_gives() {
        let usd = Currency::of("USD").unwrap();
        let eur = Currency::of("EUR").unwrap();
        let existing = Product {
            sku: "LED-100".into(),
            name_zh: Some("筒灯".into()),
            name_en: None,
            specs: None,
            hs_code: None,
            unit: "pcs".into(),
            packing: Packing {
                units_per_carton: Some(50),
                carton_cm: None,
                gross_kg: Some(d("12")),
                net_kg: None,
            },
            prices: vec![Money::new(d("3"), usd), Money::new(d("2.8"), eur)],
            cost: None,
            supplier_prices: vec![SupplierPrice {
                supplier: "Acme".into(),
                price: Money::new(d("1"), usd),
                moq: Some(10),
                lead_days: Some(5),
            }],
            active: true,
        };
        let mut row = ProductRow::default();
        for (col, v) in [
            ("sku", "led-100"),
            ("price_usd", "3.20"),
            ("net_kg", "11"),
            ("supplier", "ACME; Other"),
            ("supplier_price", "USD 1.10; 2"),
        ] {
            cell(&mut row, col, v, usd).unwrap();
        }
        let input = row.input(Some(&existing));
        assert_eq!(input.sku, None, "the key is not rewritten");
        let prices = input.prices.unwrap();
        assert_eq!(prices[0].to_string(), "USD 3.20");
        assert_eq!(prices[1].to_string(), "EUR 2.8");
        let packing = input.packing.unwrap();
        assert_eq!(
            (packing.units_per_carton, packing.gross_kg, packing.net_kg),
            (Some(50), Some(d("12")), Some(d("11")))
        );
        let s = input.supplier_prices.unwrap();
        assert_eq!(s.len(), 2);
        assert_eq!(
            (s[0].supplier.as_str(), s[0].price.to_string(), s[0].moq),
            ("Acme", "USD 1.10".to_string(), Some(10))
        );
        assert_eq!(s[1].supplier, "Other");
        assert_eq!(input.cost, None, "a cost the row leaves out stays");
    }
}
