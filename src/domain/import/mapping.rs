//! Which customer field each column of a file fills: the fields an import can fill, the
//! Chinese and English headers recognised for each, and the suggestion made from a header row.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::error::{AppError, AppResult, Msg};
use crate::i18n::Lang;
use crate::search::text::fold;

/// A field an import fills. Besides these, `custom:<key>` fills a custom field.
pub struct FieldDef {
    pub key: &'static str,
    pub zh: &'static str,
    pub en: &'static str,
    /// Headers recognised for the field (compared folded, without spaces and punctuation).
    pub aliases: &'static [&'static str],
}

pub const FIELDS: &[FieldDef] = &[
    FieldDef {
        key: "name",
        zh: "公司名称",
        en: "Company",
        aliases: &[
            "公司名称",
            "客户名称",
            "公司",
            "客户",
            "公司名",
            "客户名",
            "名称",
            "企业名称",
            "单位名称",
            "客户公司",
            "company",
            "companyname",
            "customer",
            "customername",
            "name",
            "account",
            "accountname",
            "organization",
            "organisation",
            "firm",
        ],
    },
    FieldDef {
        key: "name_alt",
        zh: "英文名",
        en: "Second name",
        aliases: &[
            "英文名",
            "英文名称",
            "公司英文名",
            "英文公司名",
            "客户英文名",
            "外文名",
            "中文名",
            "中文名称",
            "namealt",
            "englishname",
            "secondname",
            "alternatename",
            "othername",
            "localname",
            "chinesename",
        ],
    },
    FieldDef {
        key: "country",
        zh: "国家",
        en: "Country",
        aliases: &[
            "国家",
            "国家地区",
            "国别",
            "国家代码",
            "地区",
            "country",
            "countrycode",
            "nation",
            "countryregion",
        ],
    },
    FieldDef {
        key: "time_zone",
        zh: "时区",
        en: "Time zone",
        aliases: &["时区", "timezone", "tz"],
    },
    FieldDef {
        key: "address",
        zh: "地址",
        en: "Address",
        aliases: &[
            "地址",
            "公司地址",
            "详细地址",
            "通讯地址",
            "address",
            "addr",
            "streetaddress",
            "companyaddress",
        ],
    },
    FieldDef {
        key: "website",
        zh: "网址",
        en: "Website",
        aliases: &[
            "网址",
            "官网",
            "网站",
            "公司网站",
            "公司网址",
            "主页",
            "website",
            "web",
            "url",
            "homepage",
            "site",
            "www",
        ],
    },
    FieldDef {
        key: "email",
        zh: "邮箱",
        en: "Email",
        aliases: &[
            "邮箱",
            "电子邮件",
            "电子邮箱",
            "邮件",
            "邮箱地址",
            "email",
            "mail",
            "emailaddress",
        ],
    },
    FieldDef {
        key: "phone",
        zh: "电话",
        en: "Phone",
        aliases: &[
            "电话",
            "手机",
            "手机号",
            "手机号码",
            "联系电话",
            "座机",
            "电话号码",
            "公司电话",
            "phone",
            "tel",
            "telephone",
            "mobile",
            "phonenumber",
            "cell",
            "cellphone",
        ],
    },
    FieldDef {
        key: "source",
        zh: "来源",
        en: "Source",
        aliases: &[
            "来源",
            "客户来源",
            "渠道",
            "source",
            "leadsource",
            "channel",
        ],
    },
    FieldDef {
        key: "tier",
        zh: "等级",
        en: "Tier",
        aliases: &[
            "等级",
            "客户等级",
            "级别",
            "星级",
            "tier",
            "level",
            "grade",
            "rating",
        ],
    },
    FieldDef {
        key: "tags",
        zh: "标签",
        en: "Tags",
        aliases: &["标签", "客户标签", "tags", "tag", "labels", "label"],
    },
    FieldDef {
        key: "owner",
        zh: "负责人",
        en: "Owner",
        aliases: &[
            "负责人",
            "业务员",
            "跟进人",
            "所属业务员",
            "销售",
            "销售员",
            "归属人",
            "owner",
            "salesrep",
            "rep",
            "salesperson",
            "assignedto",
            "accountowner",
        ],
    },
    FieldDef {
        key: "contact",
        zh: "联系人",
        en: "Contact",
        aliases: &[
            "联系人",
            "联系人姓名",
            "姓名",
            "contact",
            "contactname",
            "contactperson",
        ],
    },
    FieldDef {
        key: "contact_title",
        zh: "联系人职位",
        en: "Contact title",
        aliases: &[
            "职位",
            "联系人职位",
            "职务",
            "title",
            "position",
            "jobtitle",
            "contacttitle",
        ],
    },
    FieldDef {
        key: "contact_email",
        zh: "联系人邮箱",
        en: "Contact email",
        aliases: &["联系人邮箱", "联系人邮件", "contactemail"],
    },
    FieldDef {
        key: "contact_phone",
        zh: "联系人电话",
        en: "Contact phone",
        aliases: &[
            "联系人电话",
            "联系人手机",
            "contactphone",
            "contactmobile",
            "whatsapp",
        ],
    },
    FieldDef {
        key: "notes",
        zh: "备注",
        en: "Notes",
        aliases: &[
            "备注",
            "说明",
            "备注信息",
            "notes",
            "note",
            "remark",
            "remarks",
            "comment",
            "comments",
            "memo",
        ],
    },
    FieldDef {
        key: "purchase_preferences",
        zh: "采购偏好",
        en: "Purchase preferences",
        aliases: &["采购偏好", "采购习惯", "purchasepreferences", "preferences"],
    },
    FieldDef {
        key: "payment_behaviour",
        zh: "付款习惯",
        en: "Payment behaviour",
        aliases: &[
            "付款习惯",
            "付款方式",
            "paymentbehaviour",
            "paymentbehavior",
            "paymentterms",
        ],
    },
];

/// The custom field where `notes` go (customers have no notes field of their own).
pub const NOTES_KEY: &str = "notes";

pub fn field(key: &str) -> Option<&'static FieldDef> {
    FIELDS.iter().find(|f| f.key == key)
}

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

fn lookup(norm: &str) -> Option<&'static str> {
    FIELDS
        .iter()
        .find(|f| f.aliases.iter().any(|a| normalise(a) == norm))
        .map(|f| f.key)
}

/// The field a header most likely means: an exact alias, then the header without text in
/// brackets (`电话(Tel)`), then the longest alias the header starts with (`公司名称 Company`).
pub fn guess(header: &str) -> Option<&'static str> {
    let norm = normalise(header);
    if norm.is_empty() {
        return None;
    }
    if let Some(k) = lookup(&norm) {
        return Some(k);
    }
    let bare = normalise(&strip_brackets(header));
    if !bare.is_empty()
        && let Some(k) = lookup(&bare)
    {
        return Some(k);
    }
    let mut best: Option<(usize, &'static str)> = None;
    for f in FIELDS {
        for a in f.aliases {
            let a = normalise(a);
            let rest = norm.strip_prefix(a.as_str());
            // `Customer ID`, `客户编号` name another field, not the company.
            let names_other = rest.is_some_and(|r| {
                [
                    "id", "no", "nr", "code", "number", "编号", "代码", "号", "序号",
                ]
                .contains(&r)
            });
            if a.chars().count() >= 2
                && rest.is_some()
                && !names_other
                && best.is_none_or(|(len, _)| a.len() > len)
            {
                best = Some((a.len(), f.key));
            }
        }
    }
    best.map(|b| b.1)
}

/// One mapping per column, aligned with the header row: each field at most once (the first
/// column that names it), custom fields by their own key.
pub fn suggest(headers: &[String]) -> Vec<Option<String>> {
    let mut used = std::collections::HashSet::new();
    headers
        .iter()
        .map(|h| {
            let f = guess(h)?;
            used.insert(f).then(|| f.to_string())
        })
        .collect()
}

/// A saved mapping applied to a file: by exact header text first, then by the normalised one;
/// headers it does not name get the suggestion.
pub fn apply_saved(
    headers: &[String],
    saved: &BTreeMap<String, Option<String>>,
) -> Vec<Option<String>> {
    let by_norm: BTreeMap<String, &Option<String>> =
        saved.iter().map(|(h, f)| (normalise(h), f)).collect();
    let suggested = suggest(headers);
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

/// Whether a mapping may name this: a field of [`FIELDS`] or `custom:<name>`.
pub fn is_target(key: &str) -> bool {
    field(key).is_some()
        || key
            .strip_prefix("custom:")
            .is_some_and(|k| !k.trim().is_empty() && k.chars().count() <= 40)
}

/// Checks a mapping sent by the client: one entry per column, known fields, none twice.
pub fn check(mapping: &[Option<String>], columns: usize) -> AppResult<Vec<Option<String>>> {
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
        let f = format!("mapping[{i}]");
        let m = m.as_deref().map(str::trim).filter(|m| !m.is_empty());
        if let Some(key) = m {
            if !is_target(key) {
                return Err(AppError::invalid(
                    f,
                    Msg::new(
                        format!("未知的字段：{key}"),
                        format!("Unknown field: {key}"),
                    ),
                ));
            }
            if !seen.insert(key.to_string()) {
                return Err(AppError::invalid(
                    f,
                    Msg::new(
                        format!("字段“{key}”被映射了两次。"),
                        format!("The field “{key}” is mapped twice."),
                    ),
                ));
            }
        }
        out.push(m.map(str::to_string));
    }
    out.resize(columns, None);
    if !out.iter().any(|m| m.as_deref() == Some("name")) {
        return Err(AppError::invalid(
            "mapping",
            Msg::new(
                "请指定哪一列是公司名称。",
                "Choose the column that holds the company name.",
            ),
        ));
    }
    Ok(out)
}

/// A field an import can fill, for the mapping screen.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct FieldView {
    pub key: String,
    pub name: String,
}

pub fn field_views(lang: Lang) -> Vec<FieldView> {
    FIELDS
        .iter()
        .map(|f| FieldView {
            key: f.key.to_string(),
            name: lang.pick(f.zh, f.en).to_string(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_in_both_languages() {
        let h = |s: &str| guess(s);
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
            suggest(&headers),
            vec![Some("name".into()), Some("phone".into()), None]
        );
    }

    #[test]
    fn client_mappings_are_checked() {
        assert!(check(&[Some("name".into()), Some("nope".into())], 2).is_err());
        assert!(check(&[Some("name".into()), Some("name".into())], 2).is_err());
        assert!(check(&[Some("email".into())], 2).is_err());
        let ok = check(&[Some("name".into()), Some("custom:行业".into())], 3).unwrap();
        assert_eq!(ok.len(), 3);
    }
}
