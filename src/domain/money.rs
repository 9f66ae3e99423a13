//! Currencies (ISO 4217) that a foreign-trade firm quotes and is paid in, and money as a value:
//! an amount with its currency, rounded to the currency's smallest unit, split so the parts
//! always add up.

use std::fmt;

use rust_decimal::prelude::ToPrimitive;
use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};

/// (code, Chinese name, English name)
pub const CURRENCIES: &[(&str, &str, &str)] = &[
    ("CNY", "人民币", "Chinese yuan"),
    ("USD", "美元", "US dollar"),
    ("EUR", "欧元", "Euro"),
    ("GBP", "英镑", "Pound sterling"),
    ("JPY", "日元", "Japanese yen"),
    ("HKD", "港币", "Hong Kong dollar"),
    ("AUD", "澳元", "Australian dollar"),
    ("CAD", "加元", "Canadian dollar"),
    ("CHF", "瑞士法郎", "Swiss franc"),
    ("SGD", "新加坡元", "Singapore dollar"),
    ("KRW", "韩元", "South Korean won"),
    ("TWD", "新台币", "New Taiwan dollar"),
    ("NZD", "新西兰元", "New Zealand dollar"),
    ("SEK", "瑞典克朗", "Swedish krona"),
    ("NOK", "挪威克朗", "Norwegian krone"),
    ("DKK", "丹麦克朗", "Danish krone"),
    ("PLN", "波兰兹罗提", "Polish złoty"),
    ("CZK", "捷克克朗", "Czech koruna"),
    ("HUF", "匈牙利福林", "Hungarian forint"),
    ("RUB", "俄罗斯卢布", "Russian ruble"),
    ("TRY", "土耳其里拉", "Turkish lira"),
    ("AED", "阿联酋迪拉姆", "UAE dirham"),
    ("SAR", "沙特里亚尔", "Saudi riyal"),
    ("ILS", "以色列新谢克尔", "Israeli new shekel"),
    ("INR", "印度卢比", "Indian rupee"),
    ("PKR", "巴基斯坦卢比", "Pakistani rupee"),
    ("BDT", "孟加拉塔卡", "Bangladeshi taka"),
    ("THB", "泰铢", "Thai baht"),
    ("VND", "越南盾", "Vietnamese đồng"),
    ("MYR", "马来西亚林吉特", "Malaysian ringgit"),
    ("IDR", "印尼盾", "Indonesian rupiah"),
    ("PHP", "菲律宾比索", "Philippine peso"),
    ("BRL", "巴西雷亚尔", "Brazilian real"),
    ("MXN", "墨西哥比索", "Mexican peso"),
    ("ARS", "阿根廷比索", "Argentine peso"),
    ("CLP", "智利比索", "Chilean peso"),
    ("COP", "哥伦比亚比索", "Colombian peso"),
    ("PEN", "秘鲁索尔", "Peruvian sol"),
    ("ZAR", "南非兰特", "South African rand"),
    ("NGN", "尼日利亚奈拉", "Nigerian naira"),
    ("EGP", "埃及镑", "Egyptian pound"),
    ("KES", "肯尼亚先令", "Kenyan shilling"),
];

/// Currencies whose smallest unit is the whole unit (ISO 4217 minor unit 0); the others here
/// have cents (2).
const WHOLE_UNIT: &[&str] = &["JPY", "KRW", "VND", "CLP"];

/// A currency of [`CURRENCIES`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, utoipa::ToSchema)]
#[serde(into = "String")]
#[schema(value_type = String, example = "USD")]
pub struct Currency(&'static str);

impl Currency {
    /// The renminbi, the base currency of most of Kontor's companies.
    pub const CNY: Currency = Currency("CNY");

    /// The currency of an ISO 4217 code (any case); `None` for a code Kontor does not know.
    pub fn of(code: &str) -> Option<Currency> {
        let code = code.trim();
        CURRENCIES
            .iter()
            .find(|(c, _, _)| c.eq_ignore_ascii_case(code))
            .map(|(c, _, _)| Currency(c))
    }

    pub fn code(self) -> &'static str {
        self.0
    }

    /// Decimals of the smallest unit (2 for cents, 0 for yen).
    pub fn minor_units(self) -> u32 {
        if WHOLE_UNIT.contains(&self.0) { 0 } else { 2 }
    }
}

impl<'de> Deserialize<'de> for Currency {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Currency, D::Error> {
        let code = String::deserialize(d)?;
        Currency::of(&code)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown currency {code}")))
    }
}

impl From<Currency> for String {
    fn from(c: Currency) -> String {
        c.0.to_string()
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

/// Two amounts of different currencies were added or compared.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CurrencyMismatch(pub Currency, pub Currency);

/// An amount in a currency. Amounts keep the decimals they are given (a unit price may have
/// more than the currency's cents); [`Money::rounded`] rounds to the currency's smallest unit,
/// half away from zero (四舍五入, as invoices and bank slips do).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Money {
    /// A decimal number as text ("1234.50"), never a float.
    #[serde(with = "rust_decimal::serde::str")]
    #[schema(value_type = String, example = "1234.50")]
    pub amount: Decimal,
    pub currency: Currency,
}

impl Money {
    pub fn new(amount: Decimal, currency: Currency) -> Money {
        Money { amount, currency }
    }

    /// Nothing, written with the currency's decimals (0.00, or 0 for yen).
    pub fn zero(currency: Currency) -> Money {
        Money::new(Decimal::new(0, currency.minor_units()), currency)
    }

    /// Rounded to the currency's smallest unit.
    pub fn rounded(self) -> Money {
        Money::new(
            self.amount.round_dp_with_strategy(
                self.currency.minor_units(),
                RoundingStrategy::MidpointAwayFromZero,
            ),
            self.currency,
        )
    }

    pub fn checked_add(self, other: Money) -> Result<Money, CurrencyMismatch> {
        self.same_currency(other)?;
        Ok(Money::new(self.amount + other.amount, self.currency))
    }

    pub fn checked_sub(self, other: Money) -> Result<Money, CurrencyMismatch> {
        self.same_currency(other)?;
        Ok(Money::new(self.amount - other.amount, self.currency))
    }

    /// This amount times a quantity or a rate, not rounded.
    pub fn times(self, factor: Decimal) -> Money {
        Money::new(self.amount * factor, self.currency)
    }

    fn same_currency(self, other: Money) -> Result<(), CurrencyMismatch> {
        if self.currency == other.currency {
            Ok(())
        } else {
            Err(CurrencyMismatch(self.currency, other.currency))
        }
    }

    /// Splits the amount, rounded to the smallest unit, in proportion to `weights` (payment
    /// plan shares, invoice lines): every part is in whole smallest units and the parts add up
    /// to the rounded amount exactly. Units left over by rounding go to the parts that lost the
    /// most (largest remainder), the earlier part first on a tie. Weights that are all zero (or
    /// none) split evenly; negative weights count as zero.
    pub fn allocate(self, weights: &[Decimal]) -> Vec<Money> {
        if weights.is_empty() {
            return Vec::new();
        }
        let total = self.rounded();
        let unit = Decimal::new(1, total.currency.minor_units());
        let weights: Vec<Decimal> = if weights.iter().all(|w| *w <= Decimal::ZERO) {
            vec![Decimal::ONE; weights.len()]
        } else {
            weights.iter().map(|w| (*w).max(Decimal::ZERO)).collect()
        };
        let sum: Decimal = weights.iter().sum();
        // Whole units of each part, rounded towards zero, and what rounding took from it.
        let mut parts: Vec<(Decimal, Decimal)> = weights
            .iter()
            .map(|w| {
                let exact = total.amount * *w / sum;
                let units = (exact / unit).trunc();
                (units, (exact / unit - units).abs())
            })
            .collect();
        let given: Decimal = parts.iter().map(|p| p.0).sum();
        let left = (total.amount / unit - given).trunc();
        let step = if left >= Decimal::ZERO {
            Decimal::ONE
        } else {
            Decimal::NEGATIVE_ONE
        };
        let mut order: Vec<usize> = (0..parts.len()).collect();
        order.sort_by(|a, b| parts[*b].1.cmp(&parts[*a].1).then(a.cmp(b)));
        // Fewer than one unit per part is left over.
        let n = left.abs().to_usize().unwrap_or(0);
        for &i in order.iter().cycle().take(n) {
            parts[i].0 += step;
        }
        parts
            .into_iter()
            .map(|(units, _)| {
                // Written with the currency's decimals (0.00, not 0).
                let mut amount = units * unit;
                amount.rescale(unit.scale());
                Money::new(amount, total.currency)
            })
            .collect()
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.currency, self.amount)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    fn m(amount: &str, code: &str) -> Money {
        Money::new(d(amount), Currency::of(code).unwrap())
    }

    #[test]
    fn rounding_to_the_smallest_unit_half_away_from_zero() {
        for (amount, code, rounded) in [
            ("2.675", "USD", "2.68"),
            ("-2.675", "USD", "-2.68"),
            ("2.674", "EUR", "2.67"),
            ("1234.5", "JPY", "1235"),
            ("1234.4999", "JPY", "1234"),
            ("0.005", "CNY", "0.01"),
            ("10", "KRW", "10"),
        ] {
            assert_eq!(
                m(amount, code).rounded().amount,
                d(rounded),
                "{amount} {code}"
            );
        }
    }

    #[test]
    fn splits_always_add_up_to_the_whole() {
        // (amount, currency, weights, parts)
        let table: &[(&str, &str, &[&str], &[&str])] = &[
            (
                "100.00",
                "USD",
                &["1", "1", "1"],
                &["33.34", "33.33", "33.33"],
            ),
            ("0.01", "USD", &["1", "1", "1"], &["0.01", "0.00", "0.00"]),
            ("1000", "JPY", &["1", "2"], &["333", "667"]),
            // 30 % deposit, 70 % balance (定金 / 尾款) of an odd amount.
            ("12345.67", "USD", &["30", "70"], &["3703.70", "8641.97"]),
            (
                "-100.00",
                "EUR",
                &["1", "1", "1"],
                &["-33.34", "-33.33", "-33.33"],
            ),
            ("100.005", "USD", &["1", "1"], &["50.01", "50.00"]),
            ("50.00", "CNY", &["0", "0"], &["25.00", "25.00"]),
            ("50.00", "CNY", &["1", "-3"], &["50.00", "0.00"]),
        ];
        for (amount, code, weights, want) in table {
            let weights: Vec<Decimal> = weights.iter().map(|w| d(w)).collect();
            let parts = m(amount, code).allocate(&weights);
            let got: Vec<Decimal> = parts.iter().map(|p| p.amount).collect();
            let want: Vec<Decimal> = want.iter().map(|w| d(w)).collect();
            assert_eq!(got, want, "{amount} {code} by {weights:?}");
            let sum: Decimal = got.iter().sum();
            assert_eq!(sum, m(amount, code).rounded().amount, "{amount} {code}");
        }
        assert!(m("1", "USD").allocate(&[]).is_empty());
    }

    #[test]
    fn currencies_do_not_mix_and_unknown_codes_are_refused() {
        assert_eq!(
            m("1", "USD").checked_add(m("1", "EUR")),
            Err(CurrencyMismatch(
                Currency::of("USD").unwrap(),
                Currency::of("EUR").unwrap()
            ))
        );
        assert_eq!(
            m("1.10", "USD").checked_add(m("2", "usd")).unwrap(),
            m("3.10", "USD")
        );
        assert_eq!(
            m("5", "USD").checked_sub(m("7.5", "USD")).unwrap(),
            m("-2.5", "USD")
        );
        assert_eq!(m("2.5", "EUR").times(d("3")), m("7.5", "EUR"));
        assert_eq!(Currency::of("XYZ"), None);
        let json = serde_json::to_string(&m("12.30", "USD")).unwrap();
        assert_eq!(json, r#"{"amount":"12.30","currency":"USD"}"#);
        let back: Money = serde_json::from_str(&json).unwrap();
        assert_eq!(back, m("12.30", "USD"));
        assert!(serde_json::from_str::<Money>(r#"{"amount":"1","currency":"XYZ"}"#).is_err());
        // Stored records keep every digit (the store's binary encoding).
        let stored = crate::store::encode(&m("1234.5678", "JPY")).unwrap();
        let back: Money = crate::store::decode(&stored).unwrap();
        assert_eq!(back, m("1234.5678", "JPY"));
    }
}
