//! Which column of a kind each column of a file fills: headers recognised by the kind's
//! synonyms in both languages, the suggestion made from a header row, a saved mapping applied to
//! a file, and the check of a mapping a client sends (known columns, none twice, the required
//! ones present, none the caller's role hides).

use std::collections::BTreeMap;

use serde::Serialize;

use crate::auth::Principal;
use crate::error::{AppError, AppResult, Msg};
use crate::search::text::fold;

use super::target::{Column, Target};

/// A header as compared: folded (case, width, traditional → simplified), without spaces,
/// punctuation and marks such as `*`.
pub fn normalise(header: &str) -> String {
    fold(header)
        .chars()
        .filter(|c| c.is_alphanumeric())
        .collect()
}

fn strip_brackets(header: &str) -> String {
    let mut out = String::new();
    let mut depth = 0;
    for c in header.chars() {
        match c {
            '(' | '（' | '[' | '【' => depth += 1,
            ')' | '）' | ']' | '】' => depth = (depth - 1).max(0),
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out
}

fn lookup(columns: &[Column], norm: &str) -> Option<&'static str> {
    columns
        .iter()
        .find(|c| c.synonyms.iter().any(|a| normalise(a) == norm))
        .map(|c| c.key)
}

/// The column a header most likely means: an exact synonym, then the header without text in
/// brackets (`电话(Tel)`), then the longest synonym the header starts with (`公司名称 Company`).
pub fn guess(columns: &[Column], header: &str) -> Option<&'static str> {
    let norm = normalise(header);
    if norm.is_empty() {
        return None;
    }
    if let Some(k) = lookup(columns, &norm) {
        return Some(k);
    }
    let bare = normalise(&strip_brackets(header));
    if !bare.is_empty()
        && let Some(k) = lookup(columns, &bare)
    {
        return Some(k);
    }
    let mut best: Option<(usize, &'static str)> = None;
    for c in columns {
        for a in c.synonyms {
            let a = normalise(a);
            let rest = norm.strip_prefix(a.as_str());
            // `Customer ID`, `客户编号` name another field, not the company; `Unit price`,
            // `单位价格` a price, not the unit.
            let names_other = rest.is_some_and(|r| {
                [
                    "id", "no", "nr", "code", "number", "编号", "代码", "号", "序号", "price",
                    "价格", "单价", "价",
                ]
                .contains(&r)
            });
            if a.chars().count() >= 2
                && rest.is_some()
                && !names_other
                && best.is_none_or(|(len, _)| a.len() > len)
            {
                best = Some((a.len(), c.key));
            }
        }
    }
    best.map(|b| b.1)
}

/// The columns the caller may fill: those of a class the caller's roles hide are left out.
pub fn visible(target: &Target, p: &Principal) -> Vec<Column> {
    target
        .columns
        .iter()
        .filter(|c| c.class.is_none_or(|class| !p.hides(class)))
        .copied()
        .collect()
}

/// One mapping per file column, aligned with the header row: each column at most once (the
/// first file column that names it).
pub fn suggest(columns: &[Column], headers: &[String]) -> Vec<Option<String>> {
    let mut used = std::collections::HashSet::new();
    headers
        .iter()
        .map(|h| {
            let f = guess(columns, h)?;
            used.insert(f).then(|| f.to_string())
        })
        .collect()
}

/// A saved mapping applied to a file: by exact header text first, then by the normalised one;
/// headers it does not name get the suggestion.
pub fn apply_saved(
    columns: &[Column],
    headers: &[String],
    saved: &BTreeMap<String, Option<String>>,
) -> Vec<Option<String>> {
    let by_norm: BTreeMap<String, &Option<String>> =
        saved.iter().map(|(h, f)| (normalise(h), f)).collect();
    let suggested = suggest(columns, headers);
    headers
        .iter()
        .zip(suggested)
        .map(
            |(h, s)| match saved.get(h).or_else(|| by_norm.get(&normalise(h)).copied()) {
                Some(f) => f.clone(),
                None => s,
            },
        )
        .collect()
}

/// Whether a mapping may name this: a column of the kind or, if it has custom fields,
/// `custom:<name>`.
pub fn is_target(target: &Target, key: &str) -> bool {
    target.column(key).is_some()
        || (target.custom_fields
            && key
                .strip_prefix("custom:")
                .is_some_and(|k| !k.trim().is_empty() && k.chars().count() <= 40))
}

fn unknown_field(field: String, key: &str) -> AppError {
    AppError::invalid(
        field,
        Msg::new(
            format!("未知的字段：{key}"),
            format!("Unknown field: {key}"),
        ),
    )
}

fn twice(field: String, key: &str) -> AppError {
    AppError::invalid(
        field,
        Msg::new(
            format!("字段“{key}”被映射了两次。"),
            format!("The field “{key}” is mapped twice."),
        ),
    )
}

/// Checks one named column of a mapping (`field` is where an error points): known, not hidden
/// from the caller, not named before.
pub fn check_one(
    target: &Target,
    p: &Principal,
    seen: &mut std::collections::HashSet<String>,
    field: String,
    key: &str,
) -> AppResult<()> {
    if !is_target(target, key) {
        return Err(unknown_field(field, key));
    }
    if target
        .column(key)
        .and_then(|c| c.class)
        .is_some_and(|class| p.hides(class))
    {
        return Err(AppError::forbidden().on_field(field));
    }
    if !seen.insert(key.to_string()) {
        return Err(twice(field, key));
    }
    Ok(())
}

/// Checks a mapping sent by the client: one entry per file column at most, known columns, none
/// twice, every required column present.
pub fn check(
    target: &Target,
    p: &Principal,
    mapping: &[Option<String>],
    columns: usize,
) -> AppResult<Vec<Option<String>>> {
    if mapping.len() > columns {
        return Err(AppError::invalid(
            "mapping",
            Msg::new(
                format!("映射有 {} 项，但文件只有 {columns} 列。", mapping.len()),
                format!(
                    "The mapping has {} entries but the file has {columns} columns.",
                    mapping.len()
                ),
            ),
        ));
    }
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::with_capacity(columns);
    for (i, m) in mapping.iter().enumerate() {
        let m = m.as_deref().map(str::trim).filter(|m| !m.is_empty());
        if let Some(key) = m {
            check_one(target, p, &mut seen, format!("mapping[{i}]"), key)?;
        }
        out.push(m.map(str::to_string));
    }
    out.resize(columns, None);
    for c in target.columns {
        if let Some((zh, en)) = c.required
            && !out.iter().any(|m| m.as_deref() == Some(c.key))
        {
            return Err(AppError::invalid(
                "mapping",
                Msg::new(
                    format!("请指定哪一列是{zh}。"),
                    format!("Choose the column that holds {en}."),
                ),
            ));
        }
    }
    Ok(out)
}

/// A field an import can fill, for the mapping screen.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct FieldView {
    pub key: String,
    pub name: String,
}

pub fn field_views(target: &Target, p: &Principal) -> Vec<FieldView> {
    visible(target, p)
        .iter()
        .map(|c| FieldView {
            key: c.key.to_string(),
            name: c.label(p.lang).to_string(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::import::customers::columns::COLUMNS;
    use crate::domain::import::target::target;

    #[test]
    fn headers_in_both_languages() {
        let h = |s: &str| guess(COLUMNS, s);
        assert_eq!(h("公司名称*"), Some("name"));
        assert_eq!(h("Company Name"), Some("name"));
        assert_eq!(h("E-mail"), Some("email"));
        assert_eq!(h("電話"), Some("phone"));
        assert_eq!(h("电话(Tel)"), Some("phone"));
        assert_eq!(h("国家/地区"), Some("country"));
        assert_eq!(h("负责人 Owner"), Some("owner"));
        assert_eq!(h("联系人电话"), Some("contact_phone"));
        assert_eq!(h("WEBSITE"), Some("website"));
        assert_eq!(h("编号"), None);
        assert_eq!(h("Customer ID"), None);
        assert_eq!(h("客户编号"), None);
        let headers: Vec<String> = ["公司名称", "电话", "手机"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(
            suggest(COLUMNS, &headers),
            vec![Some("name".into()), Some("phone".into()), None]
        );
    }

    #[test]
    fn client_mappings_are_checked() {
        let t = target("customers").unwrap();
        let p = crate::domain::import::tests::admin();
        assert!(check(t, &p, &[Some("name".into()), Some("nope".into())], 2).is_err());
        assert!(check(t, &p, &[Some("name".into()), Some("name".into())], 2).is_err());
        assert!(check(t, &p, &[Some("email".into())], 2).is_err());
        let ok = check(t, &p, &[Some("name".into()), Some("custom:行业".into())], 3).unwrap();
        assert_eq!(ok.len(), 3);
    }
}
