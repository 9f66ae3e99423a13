//! Payment terms (SAL-4): templates such as "30 % T/T deposit on order, 70 % balance 15 days
//! after the B/L date", and the payment plan they make for an order: instalments whose amounts
//! are the order total split by the shares (rounded to the currency's smallest unit, summing
//! exactly to the total) and whose due date hangs on a date of the order — dated as soon as
//! that date is known.

use chrono::{Datelike, Duration, NaiveDate};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::auth::{Action, Module, Principal};
use crate::domain::kit::{Guarded, List, Owner, Paging, Query, Source, guard};
use crate::domain::money::Money;
use crate::domain::{Kontor, validate};
use crate::error::{AppError, AppResult, Msg};
use crate::i18n::Lang;
use crate::store::{Entity, Record, Tx};

/// The date of the order an instalment's due date counts from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Anchor {
    /// The order (contract) date: deposits.
    OrderDate,
    /// The bill of lading date (shipment).
    BlDate,
    /// The estimated arrival at the port of destination.
    Eta,
    /// Delivery to the customer.
    Delivery,
}

impl Anchor {
    pub fn name(self, lang: Lang) -> &'static str {
        match self {
            Anchor::OrderDate => lang.pick("下单日", "order date"),
            Anchor::BlDate => lang.pick("提单日", "B/L date"),
            Anchor::Eta => lang.pick("到港日", "ETA"),
            Anchor::Delivery => lang.pick("交付日", "delivery"),
        }
    }
}

/// How the customer pays an instalment.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// Telegraphic transfer (电汇).
    Tt,
    /// Letter of credit (信用证).
    Lc,
    /// Documents against payment (付款交单).
    Dp,
    /// Documents against acceptance (承兑交单).
    Da,
    /// Open account (赊销).
    Oa,
}

impl Method {
    pub fn code(self) -> &'static str {
        match self {
            Method::Tt => "T/T",
            Method::Lc => "L/C",
            Method::Dp => "D/P",
            Method::Da => "D/A",
            Method::Oa => "O/A",
        }
    }
}

/// One share of a payment plan.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
pub struct TermPart {
    /// "定金" / "Deposit".
    pub label_zh: String,
    pub label_en: String,
    /// Percent of the order total; the parts of a template add up to 100.
    #[serde(with = "rust_decimal::serde::str")]
    #[schema(value_type = String, example = "30")]
    pub percent: Decimal,
    pub method: Method,
    pub anchor: Anchor,
    /// Days after the anchor date (negative: before it).
    #[schema(minimum = -730, maximum = 730)]
    pub days: i32,
    /// Count the days from the end of the anchor date's month ("net 30 after month end").
    #[serde(default)]
    pub month_end: bool,
}

impl TermPart {
    pub fn label(&self, lang: Lang) -> &str {
        lang.pick(&self.label_zh, &self.label_en)
    }

    /// The due date given the anchor date.
    pub fn due(&self, anchor: NaiveDate) -> NaiveDate {
        let from = if self.month_end {
            month_end(anchor)
        } else {
            anchor
        };
        from + Duration::days(i64::from(self.days))
    }

    /// "30% T/T 15 days after B/L date".
    pub fn describe(&self, lang: Lang) -> String {
        let when = match (self.days, self.month_end, lang) {
            (0, false, Lang::Zh) => format!("{}当日", self.anchor.name(lang)),
            (0, false, Lang::En) => format!("on the {}", self.anchor.name(lang)),
            (d, m, Lang::Zh) => format!(
                "{}{}{} {} 天",
                self.anchor.name(lang),
                if m { "当月月底" } else { "" },
                if d < 0 { "前" } else { "后" },
                d.unsigned_abs()
            ),
            (d, m, Lang::En) => format!(
                "{} days {} {}the {}",
                d.unsigned_abs(),
                if d < 0 { "before" } else { "after" },
                if m { "the month end of " } else { "" },
                self.anchor.name(lang)
            ),
        };
        format!(
            "{}% {} {} {}",
            self.percent.normalize(),
            self.method.code(),
            self.label(lang),
            when
        )
    }
}

fn month_end(d: NaiveDate) -> NaiveDate {
    let (y, m) = if d.month() == 12 {
        (d.year() + 1, 1)
    } else {
        (d.year(), d.month() + 1)
    };
    NaiveDate::from_ymd_opt(y, m, 1).map_or(d, |first| first - Duration::days(1))
}

/// A payment terms template.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct PaymentTerms {
    pub name_zh: String,
    pub name_en: String,
    pub parts: Vec<TermPart>,
    pub active: bool,
    /// A preset Kontor made (`deposit_30_70_bl`); kept so seeding adds it only once.
    pub preset: Option<String>,
}

impl Entity for PaymentTerms {
    const KIND: &'static str = "payment_terms";
    fn title(&self) -> String {
        format!("{} / {}", self.name_zh, self.name_en)
    }
}

impl Guarded for PaymentTerms {
    /// Finance keeps the templates; everyone who reads finance (reps: their own part) picks them.
    const MODULE: Module = Module::Finance;
    const OWNER: Owner = Owner::Nobody;
}

/// The dates of an order an instalment may count from.
#[derive(Clone, Copy, Debug, Default, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
pub struct OrderDates {
    pub order_date: Option<NaiveDate>,
    pub bl_date: Option<NaiveDate>,
    pub eta: Option<NaiveDate>,
    pub delivered: Option<NaiveDate>,
}

impl OrderDates {
    pub fn of(&self, anchor: Anchor) -> Option<NaiveDate> {
        match anchor {
            Anchor::OrderDate => self.order_date,
            Anchor::BlDate => self.bl_date,
            Anchor::Eta => self.eta,
            Anchor::Delivery => self.delivered,
        }
    }
}

/// One instalment of an order's payment plan.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
pub struct Instalment {
    pub part: TermPart,
    /// In the order's currency, in whole smallest units.
    #[serde(with = "rust_decimal::serde::str")]
    #[schema(value_type = String)]
    pub amount: Decimal,
    /// Known once the anchor date is.
    pub due: Option<NaiveDate>,
}

/// The plan for `total` under `parts`: amounts split by the percentages (summing exactly to
/// the rounded total), due dates from the dates known.
pub fn plan(total: Money, parts: &[TermPart], dates: &OrderDates) -> Vec<Instalment> {
    let weights: Vec<Decimal> = parts.iter().map(|p| p.percent).collect();
    total
        .allocate(&weights)
        .into_iter()
        .zip(parts)
        .map(|(amount, part)| Instalment {
            part: part.clone(),
            amount: amount.amount,
            due: dates.of(part.anchor).map(|d| part.due(d)),
        })
        .collect()
}

/// Dates the instalments again after a date of the order changed.
pub fn redate(plan: &mut [Instalment], dates: &OrderDates) {
    for i in plan {
        i.due = dates.of(i.part.anchor).map(|d| i.part.due(d));
    }
}

/// Checks a template's parts: at least one, shares above 0 adding up to exactly 100 %, days
/// within two years.
pub fn check_parts(field: &str, parts: &[TermPart]) -> AppResult<Vec<TermPart>> {
    if parts.is_empty() || parts.len() > 12 {
        return Err(AppError::invalid(
            field,
            Msg::new(
                "付款计划应有 1 到 12 期。",
                "A payment plan has 1 to 12 instalments.",
            ),
        ));
    }
    let mut out = Vec::new();
    for (i, part) in parts.iter().enumerate() {
        let f = |name: &str| format!("{field}[{i}].{name}");
        if part.percent <= Decimal::ZERO || part.percent > Decimal::ONE_HUNDRED {
            return Err(AppError::invalid(
                f("percent"),
                Msg::new(
                    format!("第 {} 期的比例应大于 0、不超过 100。", i + 1),
                    format!(
                        "Instalment {}: the share must be above 0 and at most 100.",
                        i + 1
                    ),
                ),
            ));
        }
        if part.days.unsigned_abs() > 730 {
            return Err(AppError::invalid(
                f("days"),
                Msg::new(
                    format!("第 {} 期：天数应在 ±730 以内。", i + 1),
                    format!("Instalment {}: days must be within ±730.", i + 1),
                ),
            ));
        }
        out.push(TermPart {
            label_zh: validate::text(&f("label_zh"), &part.label_zh, 40)?,
            label_en: validate::text(&f("label_en"), &part.label_en, 60)?,
            percent: part.percent.normalize(),
            ..part.clone()
        });
    }
    let sum: Decimal = out.iter().map(|p| p.percent).sum();
    if sum != Decimal::ONE_HUNDRED {
        return Err(AppError::invalid(
            field,
            Msg::new(
                format!("各期比例合计为 {}%，应为 100%。", sum.normalize()),
                format!("The shares add up to {} %, not 100 %.", sum.normalize()),
            ),
        ));
    }
    Ok(out)
}

// ---- the templates -------------------------------------------------------------------------

fn part(zh: &str, en: &str, percent: i64, method: Method, anchor: Anchor, days: i32) -> TermPart {
    TermPart {
        label_zh: zh.into(),
        label_en: en.into(),
        percent: Decimal::from(percent),
        method,
        anchor,
        days,
        month_end: false,
    }
}

/// The templates a company starts with.
fn presets() -> Vec<(&'static str, PaymentTerms)> {
    let terms = |zh: &str, en: &str, parts: Vec<TermPart>| PaymentTerms {
        name_zh: zh.into(),
        name_en: en.into(),
        parts,
        active: true,
        preset: None,
    };
    vec![
        (
            "deposit_30_70_bl15",
            terms(
                "30% 定金，70% 尾款提单日后 15 天",
                "30% T/T deposit, 70% balance 15 days after B/L",
                vec![
                    part("定金", "Deposit", 30, Method::Tt, Anchor::OrderDate, 0),
                    part("尾款", "Balance", 70, Method::Tt, Anchor::BlDate, 15),
                ],
            ),
        ),
        (
            "deposit_30_70_bl",
            terms(
                "30% 定金，70% 见提单副本付清",
                "30% T/T deposit, 70% against copy of B/L",
                vec![
                    part("定金", "Deposit", 30, Method::Tt, Anchor::OrderDate, 0),
                    part("尾款", "Balance", 70, Method::Tt, Anchor::BlDate, 0),
                ],
            ),
        ),
        (
            "lc_sight",
            terms(
                "100% 即期信用证",
                "100% L/C at sight",
                vec![part(
                    "信用证",
                    "L/C at sight",
                    100,
                    Method::Lc,
                    Anchor::BlDate,
                    0,
                )],
            ),
        ),
        (
            "tt_advance",
            terms(
                "100% 前 T/T",
                "100% T/T in advance",
                vec![part(
                    "全款",
                    "Full payment",
                    100,
                    Method::Tt,
                    Anchor::OrderDate,
                    0,
                )],
            ),
        ),
        (
            "net30_month_end",
            terms(
                "月结 30 天（提单当月月底后 30 天）",
                "Net 30 after month end (of the B/L month)",
                vec![TermPart {
                    month_end: true,
                    ..part("账期货款", "Payment", 100, Method::Oa, Anchor::BlDate, 30)
                }],
            ),
        ),
    ]
}

/// Adds the preset templates the company lacks.
pub fn seed(tx: &mut Tx) -> AppResult<()> {
    let mut have = std::collections::BTreeSet::new();
    tx.for_each::<PaymentTerms>(false, &mut |r| {
        if let Some(p) = r.data.preset {
            have.insert(p);
        }
        Ok(true)
    })?;
    for (key, mut terms) in presets() {
        if !have.contains(key) {
            terms.preset = Some(key.into());
            tx.insert(&crate::store::Actor::system(), terms)?;
        }
    }
    Ok(())
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct TermsView {
    pub id: u64,
    /// In the viewer's language.
    pub name: String,
    pub name_zh: String,
    pub name_en: String,
    pub parts: Vec<TermPart>,
    /// Each part worded in the viewer's language.
    pub described: Vec<String>,
    pub active: bool,
    pub version: u64,
}

pub fn view(r: Record<PaymentTerms>, lang: Lang) -> TermsView {
    TermsView {
        id: r.id,
        name: lang.pick(&r.data.name_zh, &r.data.name_en).to_string(),
        described: r.data.parts.iter().map(|p| p.describe(lang)).collect(),
        name_zh: r.data.name_zh,
        name_en: r.data.name_en,
        parts: r.data.parts,
        active: r.data.active,
        version: r.meta.version,
    }
}

#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TermsInput {
    pub name_zh: Option<String>,
    pub name_en: Option<String>,
    pub parts: Option<Vec<TermPart>>,
    pub active: Option<bool>,
    pub version: Option<u64>,
}

fn apply(t: &mut PaymentTerms, input: &TermsInput) -> AppResult<()> {
    if let Some(n) = &input.name_zh {
        t.name_zh = validate::text("name_zh", n, 80)?;
    }
    if let Some(n) = &input.name_en {
        t.name_en = validate::text("name_en", n, 120)?;
    }
    if let Some(parts) = &input.parts {
        t.parts = check_parts("parts", parts)?;
    }
    if let Some(a) = input.active {
        t.active = a;
    }
    if t.name_zh.is_empty() {
        return Err(AppError::required("name_zh"));
    }
    if t.name_en.is_empty() {
        return Err(AppError::required("name_en"));
    }
    if t.parts.is_empty() {
        return Err(AppError::required("parts"));
    }
    Ok(())
}

pub fn create(k: &Kontor, p: &Principal, input: TermsInput) -> AppResult<TermsView> {
    let mut terms = PaymentTerms {
        name_zh: String::new(),
        name_en: String::new(),
        parts: Vec::new(),
        active: true,
        preset: None,
    };
    p.require(Module::Finance, Action::Create)?;
    apply(&mut terms, &input)?;
    let principal = p.clone();
    k.store.write(move |tx| {
        let r = guard::insert(tx, &principal, terms)?;
        Ok(view(r, principal.lang))
    })
}

pub fn update(k: &Kontor, p: &Principal, id: u64, input: TermsInput) -> AppResult<TermsView> {
    let principal = p.clone();
    k.store.write(move |tx| {
        let r = guard::update::<PaymentTerms>(
            tx,
            &principal,
            id,
            Action::Update,
            input.version,
            |t| apply(t, &input),
        )?;
        Ok(view(r, principal.lang))
    })
}

pub fn list(k: &Kontor, p: &Principal) -> AppResult<List<TermsView>> {
    k.store.read(|tx| {
        let query = Query::<PaymentTerms>::new(Source::All, Paging::everything())
            .order_by(|a, b| a.id.cmp(&b.id), true);
        guard::readable(tx, p, query)?
            .run(tx)?
            .try_map(|r| Ok(view(r, p.lang)))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::money::Currency;
    use std::str::FromStr;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::from_str(s).unwrap()
    }

    fn terms(key: &str) -> Vec<TermPart> {
        presets()
            .into_iter()
            .find(|(k, _)| *k == key)
            .unwrap()
            .1
            .parts
    }

    /// (template, total, currency, order date, B/L date, [(amount, due)])
    #[test]
    fn plans_split_exactly_and_date_when_the_anchor_is_known() {
        type Row<'a> = (
            &'a str,
            &'a str,
            &'a str,
            &'a str,
            Option<&'a str>,
            &'a [(&'a str, Option<&'a str>)],
        );
        let table: &[Row] = &[
            (
                "deposit_30_70_bl15",
                "12345.67",
                "USD",
                "2026-11-02",
                None,
                &[("3703.70", Some("2026-11-02")), ("8641.97", None)],
            ),
            (
                "deposit_30_70_bl15",
                "12345.67",
                "USD",
                "2026-11-02",
                Some("2026-12-20"),
                &[
                    ("3703.70", Some("2026-11-02")),
                    ("8641.97", Some("2027-01-04")),
                ],
            ),
            (
                "deposit_30_70_bl",
                "1000001",
                "JPY",
                "2026-03-01",
                Some("2026-04-10"),
                &[
                    ("300000", Some("2026-03-01")),
                    ("700001", Some("2026-04-10")),
                ],
            ),
            (
                "net30_month_end",
                "5000.00",
                "EUR",
                "2026-01-05",
                Some("2026-01-31"),
                &[("5000.00", Some("2026-03-02"))],
            ),
            (
                "net30_month_end",
                "5000.00",
                "EUR",
                "2026-01-05",
                Some("2026-02-03"),
                &[("5000.00", Some("2026-03-30"))],
            ),
            (
                "lc_sight",
                "0.01",
                "USD",
                "2026-01-05",
                None,
                &[("0.01", None)],
            ),
        ];
        for (key, total, cur, order, bl, want) in table {
            let money = Money::new(total.parse().unwrap(), Currency::of(cur).unwrap());
            let dates = OrderDates {
                order_date: Some(d(order)),
                bl_date: bl.map(d),
                ..Default::default()
            };
            let plan = plan(money, &terms(key), &dates);
            let got: Vec<(String, Option<NaiveDate>)> =
                plan.iter().map(|i| (i.amount.to_string(), i.due)).collect();
            let want: Vec<(String, Option<NaiveDate>)> = want
                .iter()
                .map(|(a, due)| (a.to_string(), due.map(d)))
                .collect();
            assert_eq!(got, want, "{key} {total} {cur}");
            let sum: Decimal = plan.iter().map(|i| i.amount).sum();
            assert_eq!(sum, money.rounded().amount, "{key} sums to the total");
        }
    }

    #[test]
    fn a_plan_is_dated_again_when_the_bl_date_comes() {
        let money = Money::new(Decimal::from(100), Currency::of("USD").unwrap());
        let mut dates = OrderDates {
            order_date: Some(d("2026-05-01")),
            ..Default::default()
        };
        let mut p = plan(money, &terms("deposit_30_70_bl15"), &dates);
        assert_eq!(p[1].due, None);
        dates.bl_date = Some(d("2026-06-20"));
        redate(&mut p, &dates);
        assert_eq!(p[1].due, Some(d("2026-07-05")));
    }

    #[test]
    fn shares_must_add_up_to_100() {
        let mut parts = terms("deposit_30_70_bl15");
        parts[1].percent = Decimal::from(60);
        let e = check_parts("parts", &parts).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("parts"));
        assert!(e.msg.en.contains("90"), "{}", e.msg.en);
        parts[1].percent = Decimal::ZERO;
        let e = check_parts("parts", &parts).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("parts[1].percent"));
        parts[1].percent = Decimal::from(70);
        parts[1].days = i32::MIN;
        let e = check_parts("parts", &parts).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("parts[1].days"));
        for (_, t) in presets() {
            check_parts("parts", &t.parts).unwrap();
        }
    }

    #[test]
    fn parts_are_worded_in_both_languages() {
        let parts = terms("deposit_30_70_bl15");
        assert_eq!(
            parts[1].describe(Lang::En),
            "70% T/T Balance 15 days after the B/L date"
        );
        assert_eq!(parts[1].describe(Lang::Zh), "70% T/T 尾款 提单日后 15 天");
        assert_eq!(
            parts[0].describe(Lang::En),
            "30% T/T Deposit on the order date"
        );
    }
}
