//! Input checks shared by every domain operation; each error names the field, in both languages.

use crate::error::{AppError, AppResult, Msg};

/// A required single-line text: trimmed, non-empty, at most `max` characters, no control chars.
pub fn text(field: &str, value: &str, max: usize) -> AppResult<String> {
    let v = value.trim();
    if v.is_empty() {
        return Err(AppError::required(field));
    }
    optional_text(field, Some(v), max).map(|v| v.unwrap_or_default())
}

/// An optional text: empty becomes None.
pub fn optional_text(field: &str, value: Option<&str>, max: usize) -> AppResult<Option<String>> {
    let Some(v) = value.map(str::trim).filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    if v.chars().count() > max {
        return Err(AppError::invalid(
            field,
            Msg::new(
                format!("“{field}”不能超过 {max} 个字符。"),
                format!("“{field}” may have at most {max} characters."),
            ),
        ));
    }
    if v.chars().any(|c| c.is_control()) {
        return Err(AppError::invalid(
            field,
            Msg::new(
                format!("“{field}”含有不可见的控制字符。"),
                format!("“{field}” contains control characters."),
            ),
        ));
    }
    Ok(Some(v.to_string()))
}

/// A login name: 2–32 of a-z, 0-9, `.`, `_`, `-`; stored in lower case.
pub fn username(field: &str, value: &str) -> AppResult<String> {
    let v = value.trim().to_ascii_lowercase();
    let ok = (2..=32).contains(&v.len())
        && v.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b));
    if !ok {
        return Err(AppError::invalid(
            field,
            Msg::new(
                "用户名须为 2–32 位字母、数字、点、下划线或连字符。",
                "A username has 2–32 letters, digits, dots, underscores or hyphens.",
            ),
        ));
    }
    Ok(v)
}

/// An optional e-mail address (a plain `local@domain.tld` check).
pub fn optional_email(field: &str, value: Option<&str>) -> AppResult<Option<String>> {
    let Some(v) = optional_text(field, value, 254)? else {
        return Ok(None);
    };
    let valid = match v.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && domain.contains('.')
                && !domain.contains("..")
                && !v.contains(char::is_whitespace)
                && domain
                    .chars()
                    .all(|c| c.is_alphanumeric() || c == '.' || c == '-')
        }
        None => false,
    };
    if !valid {
        return Err(AppError::invalid(
            field,
            Msg::new(
                format!("邮箱格式不正确：{v}"),
                format!("Not a valid e-mail address: {v}"),
            ),
        ));
    }
    Ok(Some(v.to_lowercase()))
}

/// An IANA time zone such as `Asia/Shanghai`.
pub fn time_zone(field: &str, value: &str) -> AppResult<String> {
    let v = value.trim();
    v.parse::<chrono_tz::Tz>()
        .map(|tz| tz.name().to_string())
        .map_err(|_| {
            AppError::invalid(
                field,
                Msg::new(
                    format!("未知的时区：{v}（例如 Asia/Shanghai）"),
                    format!("Unknown time zone: {v} (e.g. Asia/Shanghai)"),
                ),
            )
        })
}

/// An ISO 4217 currency code.
pub fn currency(field: &str, value: &str) -> AppResult<String> {
    let v = value.trim().to_ascii_uppercase();
    if super::money::CURRENCIES
        .iter()
        .any(|(code, _, _)| *code == v)
    {
        Ok(v)
    } else {
        Err(AppError::invalid(
            field,
            Msg::new(
                format!("不支持的币种：{v}（例如 CNY、USD）"),
                format!("Unsupported currency: {v} (e.g. CNY, USD)"),
            ),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checks_name_the_field() {
        assert_eq!(text("name", "  Acme ", 10).unwrap(), "Acme");
        assert_eq!(
            text("name", " ", 10).unwrap_err().field.as_deref(),
            Some("name")
        );
        assert!(text("name", "x".repeat(11).as_str(), 10).is_err());
        assert!(optional_email("email", Some("a@b.co")).unwrap().is_some());
        for bad in ["a@b", "@b.co", "a b@c.co", "a@.co", "a@b..co"] {
            assert_eq!(
                optional_email("email", Some(bad))
                    .unwrap_err()
                    .field
                    .as_deref(),
                Some("email"),
                "{bad}"
            );
        }
        assert_eq!(time_zone("tz", "Europe/Berlin").unwrap(), "Europe/Berlin");
        assert!(time_zone("tz", "Mars/Base").is_err());
        assert_eq!(currency("c", "usd").unwrap(), "USD");
        assert!(currency("c", "XYZ").is_err());
        assert!(username("u", "Li.Wei").is_ok());
        assert!(username("u", "李伟").is_err());
    }
}

/// An optional website: a host name with a dot, optionally with scheme and path. Stored as typed
/// (trimmed), without a trailing slash.
pub fn optional_website(field: &str, value: Option<&str>) -> AppResult<Option<String>> {
    let Some(v) = optional_text(field, value, 300)? else {
        return Ok(None);
    };
    let rest = v.split_once("://");
    let host_part = match rest {
        Some((scheme, rest))
            if scheme.eq_ignore_ascii_case("http") || scheme.eq_ignore_ascii_case("https") =>
        {
            rest
        }
        Some(_) => "",
        None => v.as_str(),
    };
    let host = host_part.split(['/', '?', '#']).next().unwrap_or("");
    let host = host.rsplit_once(':').map_or(host, |(h, port)| {
        if port.chars().all(|c| c.is_ascii_digit()) {
            h
        } else {
            host
        }
    });
    let valid = host.contains('.')
        && !host.starts_with('.')
        && !host.ends_with('.')
        && !host.contains("..")
        && host
            .chars()
            .all(|c| c.is_alphanumeric() || c == '.' || c == '-');
    if !valid {
        return Err(AppError::invalid(
            field,
            Msg::new(
                format!("网址格式不正确：{v}（例如 www.example.com）"),
                format!("Not a valid website: {v} (e.g. www.example.com)"),
            ),
        ));
    }
    Ok(Some(v.trim_end_matches('/').to_string()))
}

/// An optional ISO 3166-1 country code from the known list.
pub fn optional_country(field: &str, value: Option<&str>) -> AppResult<Option<String>> {
    let Some(v) = optional_text(field, value, 8)? else {
        return Ok(None);
    };
    match super::countries::find(&v) {
        Some(c) => Ok(Some(c.code.to_string())),
        None => Err(AppError::invalid(
            field,
            Msg::new(
                format!("未知的国家代码：{v}（例如 DE、US）"),
                format!("Unknown country code: {v} (e.g. DE, US)"),
            ),
        )),
    }
}

#[cfg(test)]
mod website_tests {
    use super::*;

    #[test]
    fn websites() {
        for ok in [
            "www.huaxin.com.cn",
            "https://shop.example.de/en/",
            "http://x.co:8080/a?b",
            "华信.中国",
        ] {
            assert!(optional_website("website", Some(ok)).is_ok(), "{ok}");
        }
        for bad in [
            "huaxin",
            "ftp://x.com",
            "http://",
            "a..com",
            "x .com",
            ".x.com",
        ] {
            assert_eq!(
                optional_website("website", Some(bad))
                    .unwrap_err()
                    .field
                    .as_deref(),
                Some("website"),
                "{bad}"
            );
        }
        assert_eq!(
            optional_country("country", Some("de")).unwrap().as_deref(),
            Some("DE")
        );
        assert!(optional_country("country", Some("XX")).is_err());
    }
}
