//! What quotations and orders share: the lines (from a product or free text), their amounts
//! rounded to the currency's smallest unit so the total is exactly their sum, incoterms and
//! the document language.

use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};

use super::products::Product;
use crate::domain::money::{Currency, Money};
use crate::domain::validate;
use crate::error::{AppError, AppResult, Msg};
use crate::i18n::Lang;
use crate::store::Tx;

/// Incoterms 2020.
pub const INCOTERMS: &[&str] = &[
    "EXW", "FCA", "CPT", "CIP", "DAP", "DPU", "DDP", "FAS", "FOB", "CFR", "CIF",
];

/// The language of a document the customer receives.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DocLang {
    Zh,
    #[default]
    En,
    /// Both languages side by side.
    Both,
}

/// A line of a quotation or order, as stored.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
pub struct Line {
    /// The catalogue product, if the line came from one.
    pub product_id: Option<u64>,
    pub sku: Option<String>,
    pub description: String,
    pub hs_code: Option<String>,
    #[serde(with = "rust_decimal::serde::str")]
    #[schema(value_type = String, example = "500")]
    pub quantity: Decimal,
    pub unit: String,
    /// Per unit, in the document's currency (may have more decimals than the currency).
    #[serde(with = "rust_decimal::serde::str")]
    #[schema(value_type = String, example = "12.35")]
    pub unit_price: Decimal,
    /// Percent off the line (0–100).
    #[serde(default, with = "rust_decimal::serde::str_option")]
    #[schema(value_type = Option<String>)]
    pub discount_percent: Option<Decimal>,
    /// Quantity × price − discount, rounded to the currency's smallest unit.
    #[serde(with = "rust_decimal::serde::str")]
    #[schema(value_type = String)]
    pub amount: Decimal,
    /// The product's cost per unit when the line was made (a hidden field: cost).
    pub unit_cost: Option<Money>,
    /// Gross weight (kg) and volume (m³) of the line, from the product's packing; the bases
    /// for sharing freight by weight or volume.
    #[serde(default, with = "rust_decimal::serde::str_option")]
    #[schema(value_type = Option<String>)]
    pub weight_kg: Option<Decimal>,
    #[serde(default, with = "rust_decimal::serde::str_option")]
    #[schema(value_type = Option<String>)]
    pub volume_cbm: Option<Decimal>,
}

/// A line as entered: a product (whose SKU, name, unit and cost are filled in) or free text.
#[derive(Clone, Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LineInput {
    pub product_id: Option<u64>,
    /// Free text, or overrides the product's name.
    pub description: Option<String>,
    #[schema(value_type = String, example = "500")]
    #[serde(with = "rust_decimal::serde::str")]
    pub quantity: Decimal,
    /// The product's unit, or `pcs`, when not given.
    pub unit: Option<String>,
    /// The product's price in the document's currency when not given.
    #[serde(default, with = "rust_decimal::serde::str_option")]
    #[schema(value_type = Option<String>, example = "12.35")]
    pub unit_price: Option<Decimal>,
    #[serde(default, with = "rust_decimal::serde::str_option")]
    #[schema(value_type = Option<String>, example = "5")]
    pub discount_percent: Option<Decimal>,
}

impl Line {
    /// The line's input again (to revise a document).
    pub fn input(&self) -> LineInput {
        LineInput {
            product_id: self.product_id,
            description: Some(self.description.clone()),
            quantity: self.quantity,
            unit: Some(self.unit.clone()),
            unit_price: Some(self.unit_price),
            discount_percent: self.discount_percent,
        }
    }
}

fn invalid(field: &str, zh: String, en: String) -> AppError {
    AppError::invalid(field, Msg::new(zh, en))
}

/// Rounds to the currency's smallest unit, half away from zero.
pub fn round(amount: Decimal, currency: Currency) -> Decimal {
    let mut r = amount.round_dp_with_strategy(
        currency.minor_units(),
        RoundingStrategy::MidpointAwayFromZero,
    );
    r.rescale(currency.minor_units());
    r
}

/// Quantity × unit price − discount, rounded.
pub fn line_amount(
    quantity: Decimal,
    unit_price: Decimal,
    discount: Option<Decimal>,
    currency: Currency,
) -> Decimal {
    let gross = quantity * unit_price;
    let net = match discount {
        Some(d) => gross * (Decimal::ONE_HUNDRED - d) / Decimal::ONE_HUNDRED,
        None => gross,
    };
    round(net, currency)
}

/// The document total: the sum of the rounded line amounts.
pub fn total(lines: &[Line], currency: Currency) -> Money {
    Money::new(
        round(lines.iter().map(|l| l.amount).sum(), currency),
        currency,
    )
}

/// Checks the lines as entered and fills them from the catalogue: quantities and prices above
/// zero, a discount of 0–100 %, a product that exists and has a price in `currency` when none
/// is given. Errors name the line (`lines[2].quantity`).
pub fn build(
    tx: &Tx,
    inputs: &[LineInput],
    currency: Currency,
    lang: DocLang,
) -> AppResult<Vec<Line>> {
    if inputs.is_empty() {
        return Err(invalid(
            "lines",
            "请至少添加一行产品。".into(),
            "Add at least one line.".into(),
        ));
    }
    if inputs.len() > 500 {
        return Err(invalid(
            "lines",
            "一张单据最多 500 行。".into(),
            "A document may have at most 500 lines.".into(),
        ));
    }
    inputs
        .iter()
        .enumerate()
        .map(|(i, input)| build_line(tx, i, input, currency, lang))
        .collect()
}

fn build_line(
    tx: &Tx,
    i: usize,
    input: &LineInput,
    currency: Currency,
    lang: DocLang,
) -> AppResult<Line> {
    let field = |name: &str| format!("lines[{i}].{name}");
    let max = Decimal::from(1_000_000_000u64);
    if input.quantity <= Decimal::ZERO || input.quantity > max {
        return Err(invalid(
            &field("quantity"),
            format!("第 {} 行：数量应大于 0。", i + 1),
            format!("Line {}: the quantity must be more than 0.", i + 1),
        ));
    }
    if let Some(d) = input.discount_percent
        && (d < Decimal::ZERO || d >= Decimal::ONE_HUNDRED)
    {
        return Err(invalid(
            &field("discount_percent"),
            format!("第 {} 行：折扣应在 0 到 100% 之间（不含 100%）。", i + 1),
            format!(
                "Line {}: the discount must be from 0 to under 100 %.",
                i + 1
            ),
        ));
    }
    let product = match input.product_id {
        Some(id) => match tx.get_live::<Product>(id) {
            Ok(r) => Some(r.data),
            Err(_) => {
                return Err(invalid(
                    &field("product_id"),
                    format!("第 {} 行：产品 {id} 不存在。", i + 1),
                    format!("Line {}: product {id} does not exist.", i + 1),
                ));
            }
        },
        None => None,
    };
    let unit_price = match (input.unit_price, &product) {
        (Some(price), _) => price,
        (None, Some(p)) => match p.prices.iter().find(|m| m.currency == currency) {
            Some(m) => m.amount,
            None => {
                return Err(invalid(
                    &field("unit_price"),
                    format!(
                        "第 {} 行：产品 {} 没有 {currency} 价格，请填写单价。",
                        i + 1,
                        p.sku
                    ),
                    format!(
                        "Line {}: product {} has no price in {currency}; enter the unit price.",
                        i + 1,
                        p.sku
                    ),
                ));
            }
        },
        (None, None) => return Err(AppError::required(&field("unit_price"))),
    };
    if unit_price <= Decimal::ZERO || unit_price > max {
        return Err(invalid(
            &field("unit_price"),
            format!("第 {} 行：单价应大于 0。", i + 1),
            format!("Line {}: the unit price must be more than 0.", i + 1),
        ));
    }
    let description = match (&input.description, &product) {
        (Some(d), _) if !d.trim().is_empty() => validate::text(&field("description"), d, 2000)?,
        (_, Some(p)) => product_description(p, lang),
        _ => return Err(AppError::required(&field("description"))),
    };
    let unit = match (&input.unit, &product) {
        (Some(u), _) if !u.trim().is_empty() => validate::text(&field("unit"), u, 20)?,
        (_, Some(p)) => p.unit.clone(),
        _ => "pcs".to_string(),
    };
    let per_carton = product
        .as_ref()
        .and_then(|p| p.packing.units_per_carton)
        .map(Decimal::from);
    let per_unit = |v: Option<Decimal>| match (v, per_carton) {
        (Some(v), Some(n)) => Some((v * input.quantity / n).round_dp(4)),
        _ => None,
    };
    Ok(Line {
        product_id: input.product_id,
        sku: product.as_ref().map(|p| p.sku.clone()),
        hs_code: product.as_ref().and_then(|p| p.hs_code.clone()),
        amount: line_amount(input.quantity, unit_price, input.discount_percent, currency),
        quantity: input.quantity.normalize(),
        unit_price,
        discount_percent: input.discount_percent.filter(|d| !d.is_zero()),
        unit_cost: product.as_ref().and_then(|p| p.cost),
        weight_kg: per_unit(product.as_ref().and_then(|p| p.packing.gross_kg)),
        volume_cbm: per_unit(product.as_ref().and_then(|p| p.packing.cbm())),
        description,
        unit,
    })
}

/// The product's name in the document's language (both for a bilingual one), with its specs.
fn product_description(p: &Product, lang: DocLang) -> String {
    let name = match lang {
        DocLang::Both => match (&p.name_en, &p.name_zh) {
            (Some(en), Some(zh)) => format!("{en} / {zh}"),
            _ => p.name(Lang::En).to_string(),
        },
        DocLang::Zh => p.name(Lang::Zh).to_string(),
        DocLang::En => p.name(Lang::En).to_string(),
    };
    match &p.specs {
        Some(specs) => format!("{name}\n{specs}"),
        None => name,
    }
}

/// An incoterm of 2020 (any case), or an error naming the field.
pub fn incoterm(field: &str, raw: Option<&str>) -> AppResult<Option<String>> {
    let Some(raw) = raw.map(str::trim).filter(|s| !s.is_empty()) else {
        return Ok(None);
    };
    let code = raw.to_uppercase();
    if INCOTERMS.contains(&code.as_str()) {
        Ok(Some(code))
    } else {
        Err(invalid(
            field,
            format!(
                "“{raw}”不是 2020 版国际贸易术语（{}）。",
                INCOTERMS.join(" ")
            ),
            format!("“{raw}” is not an Incoterm 2020 ({}).", INCOTERMS.join(" ")),
        ))
    }
}

/// A currency Kontor knows, or an error naming the field.
pub fn currency(field: &str, raw: &str) -> AppResult<Currency> {
    Currency::of(raw).ok_or_else(|| {
        invalid(
            field,
            format!("未知的币种：{raw}"),
            format!("Unknown currency: {raw}"),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    #[test]
    fn line_amounts_round_each_line_and_the_total_is_their_sum() {
        let usd = Currency::of("USD").unwrap();
        let jpy = Currency::of("JPY").unwrap();
        // (quantity, unit price, discount %, currency, amount)
        let table = [
            ("500", "12.345", None, usd, "6172.50"),
            ("3", "0.333", None, usd, "1.00"),
            ("1000", "2.50", Some("5"), usd, "2375.00"),
            ("7", "1.005", Some("10"), usd, "6.33"),
            ("12", "1234.5", None, jpy, "14814"),
            ("1", "99.99", Some("33.3"), usd, "66.69"),
        ];
        for (q, price, disc, cur, want) in table {
            let got = line_amount(d(q), d(price), disc.map(d), cur);
            assert_eq!(got.to_string(), want, "{q} × {price} − {disc:?}");
        }
    }

    #[test]
    fn incoterms_are_the_2020_set() {
        assert_eq!(
            incoterm("incoterm", Some(" fob ")).unwrap().as_deref(),
            Some("FOB")
        );
        assert_eq!(incoterm("incoterm", Some("")).unwrap(), None);
        let e = incoterm("incoterm", Some("DAT")).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("incoterm"));
    }
}
