//! Exchange rates: one rate per currency per date, entered by finance or imported from a CSV.
//! A rate says how many units of the company's base currency one unit of the currency buys
//! (USD 7.1234 → 1 USD = 7.1234 CNY). A document takes the rate of its date, or the latest
//! one before it, and keeps which date it used.

use std::path::Path;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::lines;
use crate::auth::{Action, Module, Principal};
use crate::domain::import::reader::{self, FileError};
use crate::domain::kit::{Guarded, List, Owner, Paging, Query, Source, guard};
use crate::domain::money::Currency;
use crate::domain::{Kontor, company};
use crate::error::{AppError, AppResult, Msg};
use crate::store::{Entity, IndexDef, IndexKey, Record, Tx};

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct ExchangeRate {
    pub currency: Currency,
    pub date: NaiveDate,
    /// Units of the base currency for one unit of `currency`.
    #[serde(with = "rust_decimal::serde::str")]
    pub rate: Decimal,
    /// Where it came from ("中国银行 现汇买入价", a file name).
    pub source: Option<String>,
}

impl Entity for ExchangeRate {
    const KIND: &'static str = "exchange_rate";
    fn indexes() -> Vec<IndexDef<Self>> {
        // Not a unique index: `rate_on` walks a currency's dates newest first, which a
        // unique index (key → id) does not give; `put` keeps one rate per day.
        vec![IndexDef::many("day", |r: &ExchangeRate| {
            vec![day_key(r.currency, r.date)]
        })]
    }
    fn title(&self) -> String {
        format!("{} {} {}", self.currency, self.date, self.rate)
    }
}

impl Guarded for ExchangeRate {
    const MODULE: Module = Module::Finance;
    const OWNER: Owner = Owner::Nobody;
}

fn day_key(currency: Currency, date: NaiveDate) -> IndexKey {
    IndexKey::new()
        .str(currency.code())
        .str(&date.format("%Y-%m-%d").to_string())
}

/// The rate a document used: its value and the date it was entered for.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
pub struct RateUsed {
    /// The base currency.
    pub base: Currency,
    #[serde(with = "rust_decimal::serde::str")]
    #[schema(value_type = String, example = "7.1234")]
    pub rate: Decimal,
    /// The date of the rate (the document's date or the latest before it); none for the base
    /// currency itself.
    pub date: Option<NaiveDate>,
}

impl RateUsed {
    /// An amount of the document's currency in the base currency, rounded.
    pub fn to_base(&self, amount: Decimal) -> Decimal {
        lines::round(amount * self.rate, self.base)
    }
}

/// The company's base currency.
pub fn base_currency(tx: &Tx) -> AppResult<Currency> {
    let code = company::company(tx)?
        .map(|c| c.data.base_currency)
        .unwrap_or_else(|| "CNY".into());
    Ok(Currency::of(&code).unwrap_or(Currency::CNY))
}

/// The rate of `currency` on `date`, or the latest before it; 1 for the base currency. An
/// error naming `field` when there is none.
pub fn rate_on(tx: &Tx, currency: Currency, date: NaiveDate, field: &str) -> AppResult<RateUsed> {
    let base = base_currency(tx)?;
    if currency == base {
        return Ok(RateUsed {
            base,
            rate: Decimal::ONE,
            date: None,
        });
    }
    let prefix = IndexKey::new().str(currency.code());
    // Newest first: the first one on or before the date is the one.
    for id in tx.ids_by_index::<ExchangeRate>("day", &prefix, true)? {
        let r = tx.get_live::<ExchangeRate>(id)?;
        if r.data.date <= date {
            return Ok(RateUsed {
                base,
                rate: r.data.rate,
                date: Some(r.data.date),
            });
        }
    }
    Err(AppError::invalid(
        field,
        Msg::new(
            format!("没有 {currency} 在 {date} 或之前的汇率：请财务先录入汇率。"),
            format!(
                "There is no {currency} exchange rate on or before {date}: finance must enter one first."
            ),
        ),
    ))
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct RateView {
    pub id: u64,
    pub currency: Currency,
    pub date: NaiveDate,
    #[schema(value_type = String)]
    pub rate: String,
    pub base: Currency,
    pub source: Option<String>,
    pub version: u64,
}

#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RateInput {
    pub currency: String,
    pub date: NaiveDate,
    #[schema(value_type = String, example = "7.1234")]
    #[serde(with = "rust_decimal::serde::str")]
    pub rate: Decimal,
    pub source: Option<String>,
}

#[derive(Clone, Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct RateQuery {
    pub currency: Option<String>,
    pub page: Option<u64>,
    pub per_page: Option<u64>,
}

/// What an import of rates did.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct RateImport {
    /// New rates.
    pub added: u64,
    /// Rates of a currency and date that existed and were replaced.
    pub replaced: u64,
}

fn view(r: Record<ExchangeRate>, base: Currency) -> RateView {
    RateView {
        id: r.id,
        currency: r.data.currency,
        date: r.data.date,
        rate: r.data.rate.to_string(),
        base,
        source: r.data.source,
        version: r.meta.version,
    }
}

fn check(tx: &Tx, input: &RateInput, field: &str) -> AppResult<ExchangeRate> {
    let currency = lines::currency(&format!("{field}currency"), &input.currency)?;
    if currency == base_currency(tx)? {
        return Err(AppError::invalid(
            format!("{field}currency"),
            Msg::new(
                format!("{currency} 是本位币，汇率恒为 1。"),
                format!("{currency} is the base currency; its rate is always 1."),
            ),
        ));
    }
    if input.rate <= Decimal::ZERO || input.rate > Decimal::from(1_000_000) {
        return Err(AppError::invalid(
            format!("{field}rate"),
            Msg::new(
                "汇率应大于 0。".to_string(),
                "The rate must be more than 0.".to_string(),
            ),
        ));
    }
    Ok(ExchangeRate {
        currency,
        date: input.date,
        rate: input.rate.normalize(),
        source: crate::domain::validate::optional_text(
            &format!("{field}source"),
            input.source.as_deref(),
            200,
        )?,
    })
}

/// Adds a rate, or replaces the rate of the same currency and date.
fn put(tx: &mut Tx, p: &Principal, rate: ExchangeRate) -> AppResult<(Record<ExchangeRate>, bool)> {
    let same_day =
        tx.ids_by_index::<ExchangeRate>("day", &day_key(rate.currency, rate.date), false)?;
    match same_day.first().copied() {
        Some(id) => {
            let r = guard::update::<ExchangeRate>(tx, p, id, Action::Update, None, |r| {
                *r = rate;
                Ok(())
            })?;
            Ok((r, true))
        }
        None => Ok((guard::insert(tx, p, rate)?, false)),
    }
}

pub fn set(k: &Kontor, p: &Principal, input: RateInput) -> AppResult<RateView> {
    p.require(Module::Finance, Action::Create)?;
    let principal = p.clone();
    k.store.write(move |tx| {
        let rate = check(tx, &input, "")?;
        let (r, _) = put(tx, &principal, rate)?;
        Ok(view(r, base_currency(tx)?))
    })
}

pub fn delete(k: &Kontor, p: &Principal, id: u64, version: Option<u64>) -> AppResult<()> {
    let principal = p.clone();
    k.store
        .write(move |tx| guard::delete::<ExchangeRate>(tx, &principal, id, Action::Delete, version))
}

/// Rates, newest date first.
pub fn list(k: &Kontor, p: &Principal, q: RateQuery) -> AppResult<List<RateView>> {
    let currency = match q.currency.as_deref().filter(|c| !c.is_empty()) {
        Some(c) => Some(lines::currency("currency", c)?),
        None => None,
    };
    k.store.read(|tx| {
        let base = base_currency(tx)?;
        let source = match currency {
            Some(c) => Source::key("day", IndexKey::new().str(c.code())),
            None => Source::All,
        };
        let query = Query::<ExchangeRate>::new(source, Paging::new(q.page, q.per_page)).order_by(
            |a, b| {
                b.data
                    .date
                    .cmp(&a.data.date)
                    .then(a.data.currency.code().cmp(b.data.currency.code()))
            },
            true,
        );
        guard::readable(tx, p, query)?
            .run(tx)?
            .try_map(|r| Ok(view(r, base)))
    })
}

/// Imports rates from an uploaded CSV (any encoding) or XLSX file whose first row names the
/// columns `date`/日期, `currency`/币种 and `rate`/汇率 (any order; `source`/来源 optional). All
/// or nothing: the first bad row is named with its row number. The file is removed afterwards.
pub fn import_file(
    k: &Kontor,
    p: &Principal,
    path: &Path,
    filename: &str,
) -> AppResult<RateImport> {
    let result = read_file(p, path, filename).and_then(|rates| store_rates(k, p, rates));
    let _ = std::fs::remove_file(path);
    result
}

fn read_file(p: &Principal, path: &Path, filename: &str) -> AppResult<Vec<(u64, RateInput)>> {
    p.require(Module::Finance, Action::Import)?;
    let file_error = |e: FileError| {
        let at = e
            .row
            .map(|r| format!("row {r}"))
            .unwrap_or_else(|| "file".into());
        AppError::invalid(at, e.msg)
    };
    let layout = reader::sniff(path, filename, None).map_err(file_error)?;
    let mut header: Option<[Option<usize>; 4]> = None;
    let mut rates = Vec::new();
    let mut failure: Option<AppError> = None;
    reader::read_rows(path, &layout, &mut |row| {
        if row.is_blank() {
            return Ok(true);
        }
        let Some(columns) = header else {
            let names: Vec<String> = row
                .cells
                .iter()
                .map(|h| h.trim().trim_start_matches('\u{feff}').to_lowercase())
                .collect();
            let find = |en: &str, zh: &str| names.iter().position(|h| h == en || h == zh);
            header = Some([
                find("date", "日期"),
                find("currency", "币种"),
                find("rate", "汇率"),
                find("source", "来源"),
            ]);
            return Ok(true);
        };
        if rates.len() >= 100_000 {
            failure = Some(bad_row(
                row.row,
                "",
                "一个文件最多 100,000 条汇率",
                "at most 100,000 rates in one file",
            ));
            return Ok(false);
        }
        let cell = |c: Option<usize>| {
            c.and_then(|c| row.cells.get(c))
                .map(|s| s.trim().to_string())
                .unwrap_or_default()
        };
        let date_text = cell(columns[0]);
        let Some(date) = ["%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d"]
            .iter()
            .find_map(|f| NaiveDate::parse_from_str(&date_text, f).ok())
        else {
            failure = Some(bad_row(
                row.row,
                "date",
                &format!("日期“{date_text}”应为 YYYY-MM-DD"),
                &format!("the date “{date_text}” is not YYYY-MM-DD"),
            ));
            return Ok(false);
        };
        let rate_text = cell(columns[2]);
        let Ok(rate) = rate_text.parse::<Decimal>() else {
            failure = Some(bad_row(
                row.row,
                "rate",
                &format!("汇率“{rate_text}”不是数字"),
                &format!("the rate “{rate_text}” is not a number"),
            ));
            return Ok(false);
        };
        let source = cell(columns[3]);
        rates.push((
            row.row,
            RateInput {
                currency: cell(columns[1]),
                date,
                rate,
                source: (!source.is_empty()).then_some(source),
            },
        ));
        Ok(true)
    })
    .map_err(file_error)?;
    if let Some(e) = failure {
        return Err(e);
    }
    match header {
        Some([Some(_), Some(_), Some(_), _]) => Ok(rates),
        _ => Err(AppError::invalid(
            "row 1",
            Msg::new(
                "第 1 行应为表头：日期、币种、汇率（date, currency, rate）。",
                "Row 1 must be the header: date, currency, rate.",
            ),
        )),
    }
}

fn store_rates(k: &Kontor, p: &Principal, rates: Vec<(u64, RateInput)>) -> AppResult<RateImport> {
    let principal = p.clone();
    k.store.write(move |tx| {
        let mut done = RateImport {
            added: 0,
            replaced: 0,
        };
        for (row, input) in &rates {
            let rate = check(tx, input, "").map_err(|e| {
                let field = e.field.clone().unwrap_or_default();
                bad_row(*row, &field, &e.msg.zh, &e.msg.en)
            })?;
            if put(tx, &principal, rate)?.1 {
                done.replaced += 1;
            } else {
                done.added += 1;
            }
        }
        Ok(done)
    })
}

fn bad_row(row: u64, field: &str, zh: &str, en: &str) -> AppError {
    AppError::invalid(
        format!("row {row}: {field}"),
        Msg::new(format!("第 {row} 行：{zh}。"), format!("Row {row}: {en}.")),
    )
}
