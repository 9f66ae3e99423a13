//! Numbers as a foreign-trade document prints them: amounts with thousands separators and the
//! currency's minor digits, quantities without trailing zeros, and the total in words (English
//! "SAY US DOLLARS … ONLY" and Chinese 大写 "美元壹万贰仟…元整").

use rust_decimal::{Decimal, RoundingStrategy};

use crate::domain::money::{CURRENCIES, Currency};

/// The currency's minor digits (JPY, KRW, VND, CLP: 0); 2 for a code Kontor does not know.
pub fn minor_digits(currency: &str) -> u32 {
    Currency::of(currency).map_or(2, |c| c.minor_units())
}

/// `12345.6` → `12,345.60` (USD), `123456` → `123,456` (JPY); rounded half away from zero.
pub fn amount(value: Decimal, currency: &str) -> String {
    fixed(value, minor_digits(currency))
}

/// A unit price: the currency's minor digits, or more when the price has them (0.0125 USD for
/// a small part stays 0.0125), at most 6.
pub fn unit_price(value: Decimal, currency: &str) -> String {
    let scale = value.normalize().scale().min(6);
    fixed(value, scale.max(minor_digits(currency)))
}

/// A quantity without trailing zeros and with thousands separators: `1000.500` → `1,000.5`.
pub fn quantity(value: Decimal) -> String {
    let value = value.normalize();
    fixed(value, value.scale())
}

/// A percentage without trailing zeros: `5.00` → `5%`.
pub fn percent(value: Decimal) -> String {
    format!("{}%", quantity(value))
}

fn fixed(value: Decimal, digits: u32) -> String {
    let rounded = value.round_dp_with_strategy(digits, RoundingStrategy::MidpointAwayFromZero);
    let text = format!("{:.*}", digits as usize, rounded.abs());
    let (int, frac) = match text.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (text.as_str(), None),
    };
    let mut out = String::with_capacity(text.len() + int.len() / 3 + 1);
    if rounded.is_sign_negative() && !rounded.is_zero() {
        out.push('-');
    }
    for (i, ch) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    if let Some(frac) = frac {
        out.push('.');
        out.push_str(frac);
    }
    out
}

/// The whole and minor parts of an amount rounded to the currency, as integers; `None` when the
/// amount is too large to word (above 999 trillion) or negative.
fn split(value: Decimal, digits: u32) -> Option<(u64, u32)> {
    let rounded = value.round_dp_with_strategy(digits, RoundingStrategy::MidpointAwayFromZero);
    if rounded.is_sign_negative() && !rounded.is_zero() {
        return None;
    }
    let whole = rounded.trunc();
    let minor = ((rounded - whole) * Decimal::from(10u32.pow(digits))).trunc();
    let whole = u64::try_from(whole).ok()?;
    if whole >= 1_000_000_000_000_000 {
        return None;
    }
    Some((whole, u32::try_from(minor).ok()?))
}

/// "SAY US DOLLARS TWELVE THOUSAND THREE HUNDRED FORTY-FIVE AND CENTS SIXTY ONLY".
pub fn words_en(value: Decimal, currency: &str) -> Option<String> {
    let digits = minor_digits(currency);
    let (whole, minor) = split(value, digits)?;
    let code = currency.trim().to_ascii_uppercase();
    let name = match code.as_str() {
        "USD" => "US DOLLARS",
        "EUR" => "EUROS",
        "GBP" => "POUNDS STERLING",
        "JPY" => "JAPANESE YEN",
        "CNY" => "CHINESE YUAN",
        "HKD" => "HONG KONG DOLLARS",
        "AUD" => "AUSTRALIAN DOLLARS",
        "CAD" => "CANADIAN DOLLARS",
        "SGD" => "SINGAPORE DOLLARS",
        "NZD" => "NEW ZEALAND DOLLARS",
        "CHF" => "SWISS FRANCS",
        _ => code.as_str(),
    };
    let mut out = format!("SAY {name} {}", english(whole));
    if minor > 0 {
        let cents = if code == "GBP" { "PENCE" } else { "CENTS" };
        out.push_str(&format!(" AND {cents} {}", english(minor as u64)));
    }
    out.push_str(" ONLY");
    Some(out)
}

fn english(n: u64) -> String {
    const ONES: [&str; 20] = [
        "ZERO",
        "ONE",
        "TWO",
        "THREE",
        "FOUR",
        "FIVE",
        "SIX",
        "SEVEN",
        "EIGHT",
        "NINE",
        "TEN",
        "ELEVEN",
        "TWELVE",
        "THIRTEEN",
        "FOURTEEN",
        "FIFTEEN",
        "SIXTEEN",
        "SEVENTEEN",
        "EIGHTEEN",
        "NINETEEN",
    ];
    const TENS: [&str; 10] = [
        "", "", "TWENTY", "THIRTY", "FORTY", "FIFTY", "SIXTY", "SEVENTY", "EIGHTY", "NINETY",
    ];
    fn below_thousand(n: u64, out: &mut Vec<String>) {
        if n >= 100 {
            out.push(format!("{} HUNDRED", ONES[(n / 100) as usize]));
        }
        let rest = n % 100;
        if rest >= 20 {
            let t = TENS[(rest / 10) as usize];
            out.push(match rest % 10 {
                0 => t.to_string(),
                u => format!("{t}-{}", ONES[u as usize]),
            });
        } else if rest > 0 {
            out.push(ONES[rest as usize].to_string());
        }
    }
    if n == 0 {
        return ONES[0].to_string();
    }
    let scales = [
        (1_000_000_000_000, "TRILLION"),
        (1_000_000_000, "BILLION"),
        (1_000_000, "MILLION"),
        (1_000, "THOUSAND"),
    ];
    let mut words = Vec::new();
    let mut rest = n;
    for (scale, name) in scales {
        if rest >= scale {
            below_thousand(rest / scale, &mut words);
            words.push(name.to_string());
            rest %= scale;
        }
    }
    below_thousand(rest, &mut words);
    words.join(" ")
}

/// Chinese capital numerals as on a cheque or contract: `美元壹万贰仟叁佰肆拾伍元陆角`,
/// `人民币壹拾万零伍元整`. Currencies without a Chinese name are written with their code.
pub fn words_zh(value: Decimal, currency: &str) -> Option<String> {
    let digits = minor_digits(currency);
    let (whole, minor) = split(value, digits)?;
    let code = currency.trim().to_ascii_uppercase();
    let name = CURRENCIES
        .iter()
        .find(|(c, _, _)| *c == code)
        .map_or(code.as_str(), |(_, zh, _)| zh);
    let mut out = name.to_string();
    let (jiao, fen) = if digits == 2 {
        (minor / 10, minor % 10)
    } else {
        (0, 0)
    };
    if whole > 0 || (jiao == 0 && fen == 0) {
        out.push_str(&chinese(whole));
        out.push('元');
    }
    const D: [char; 10] = ['零', '壹', '贰', '叁', '肆', '伍', '陆', '柒', '捌', '玖'];
    match (jiao, fen) {
        (0, 0) => out.push('整'),
        (j, 0) => {
            out.push(D[j as usize]);
            out.push('角');
        }
        (0, f) => {
            if whole > 0 {
                out.push('零');
            }
            out.push(D[f as usize]);
            out.push('分');
        }
        (j, f) => {
            out.push(D[j as usize]);
            out.push('角');
            out.push(D[f as usize]);
            out.push('分');
        }
    }
    Some(out)
}

fn chinese(n: u64) -> String {
    const D: [char; 10] = ['零', '壹', '贰', '叁', '肆', '伍', '陆', '柒', '捌', '玖'];
    const UNIT: [&str; 4] = ["", "拾", "佰", "仟"];
    const GROUP: [&str; 4] = ["", "万", "亿", "万亿"];
    if n == 0 {
        return "零".to_string();
    }
    let mut groups = Vec::new();
    let mut rest = n;
    while rest > 0 {
        groups.push((rest % 10_000) as usize);
        rest /= 10_000;
    }
    let mut out = String::new();
    let mut zero_pending = false;
    for (gi, &group) in groups.iter().enumerate().rev() {
        if group == 0 {
            zero_pending = !out.is_empty();
            continue;
        }
        for pos in (0..4).rev() {
            let d = group / 10usize.pow(pos as u32) % 10;
            if d == 0 {
                zero_pending |= !out.is_empty();
                continue;
            }
            if zero_pending {
                out.push('零');
                zero_pending = false;
            }
            out.push(D[d]);
            out.push_str(UNIT[pos]);
        }
        // A zero at the end of this group stays pending for the next non-zero digit.
        out.push_str(GROUP[gi]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    #[test]
    fn amounts_have_separators_and_minor_digits() {
        assert_eq!(amount(d("12345.6"), "USD"), "12,345.60");
        assert_eq!(amount(d("1234567.891"), "EUR"), "1,234,567.89");
        assert_eq!(amount(d("123456.5"), "JPY"), "123,457");
        assert_eq!(amount(d("999"), "KRW"), "999");
        assert_eq!(amount(d("-1000"), "USD"), "-1,000.00");
        assert_eq!(amount(d("0.004"), "USD"), "0.00");
        assert_eq!(amount(d("100"), "XXX"), "100.00");
        assert_eq!(unit_price(d("0.0125"), "USD"), "0.0125");
        assert_eq!(unit_price(d("3.5"), "USD"), "3.50");
        assert_eq!(unit_price(d("1200"), "JPY"), "1,200");
        assert_eq!(quantity(d("1000.500")), "1,000.5");
        assert_eq!(quantity(d("12.000")), "12");
        assert_eq!(percent(d("5.00")), "5%");
    }

    #[test]
    fn amounts_in_english_words() {
        assert_eq!(
            words_en(d("12345.60"), "USD").unwrap(),
            "SAY US DOLLARS TWELVE THOUSAND THREE HUNDRED FORTY-FIVE AND CENTS SIXTY ONLY"
        );
        assert_eq!(
            words_en(d("1000000"), "JPY").unwrap(),
            "SAY JAPANESE YEN ONE MILLION ONLY"
        );
        assert_eq!(
            words_en(d("0.5"), "AED").unwrap(),
            "SAY AED ZERO AND CENTS FIFTY ONLY"
        );
        assert!(words_en(d("-1"), "USD").is_none());
    }

    #[test]
    fn amounts_in_chinese_capitals() {
        assert_eq!(
            words_zh(d("12345.6"), "USD").unwrap(),
            "美元壹万贰仟叁佰肆拾伍元陆角"
        );
        assert_eq!(
            words_zh(d("100005"), "CNY").unwrap(),
            "人民币壹拾万零伍元整"
        );
        assert_eq!(
            words_zh(d("1000100"), "CNY").unwrap(),
            "人民币壹佰万零壹佰元整"
        );
        assert_eq!(words_zh(d("10"), "CNY").unwrap(), "人民币壹拾元整");
        assert_eq!(words_zh(d("100.05"), "CNY").unwrap(), "人民币壹佰元零伍分");
        assert_eq!(words_zh(d("0.36"), "USD").unwrap(), "美元叁角陆分");
        assert_eq!(words_zh(d("0"), "USD").unwrap(), "美元零元整");
        assert_eq!(words_zh(d("200000000"), "JPY").unwrap(), "日元贰亿元整");
        assert_eq!(
            words_zh(d("100010000"), "CNY").unwrap(),
            "人民币壹亿零壹万元整"
        );
        assert_eq!(words_zh(d("1010"), "CNY").unwrap(), "人民币壹仟零壹拾元整");
    }
}
