//! A customer row's cells into a typed draft, with the checks and defaults of the customer form
//! (`NewCustomer::check`), so an import and the form make the same customers; its errors name
//! the import column (`contacts[0].emails[0]` → `contact_email`).

use std::collections::BTreeMap;

use crate::domain::crm::customers::{ContactInput, CustomerInput, NewCustomer};
use crate::domain::dedup::check::{Probe, ProbeKeys};
use crate::domain::import::mapping;
use crate::domain::import::record::Mode;
use crate::domain::import::row::{Pass, Prepared};
use crate::domain::{countries, validate};
use crate::error::{AppError, AppResult, Msg};

use super::CustomerImport;
use super::columns::NOTES_KEY;

/// One row's values, checked.
#[derive(Clone, Debug, Default)]
pub struct Fields {
    pub name: Option<String>,
    pub name_alt: Option<String>,
    pub country: Option<String>,
    pub time_zone: Option<String>,
    pub address: Option<String>,
    pub website: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub source: Option<String>,
    pub tier: Option<String>,
    pub tags: Vec<String>,
    pub contact: Option<String>,
    pub contact_title: Option<String>,
    pub contact_email: Option<String>,
    pub contact_phone: Option<String>,
    pub purchase_preferences: Option<String>,
    pub payment_behaviour: Option<String>,
    pub custom: BTreeMap<String, String>,
}

/// A customer row: its values, the keys its duplicates are found by, and the customer a create
/// would write.
#[derive(Default)]
pub struct CustomerRow {
    pub f: Fields,
    /// What the duplicate check and the within-file check compare.
    pub keys: ProbeKeys,
    /// The customer a create would write (not for update-only imports).
    pub new: Option<NewCustomer>,
}

pub(super) fn find_country(v: &str) -> Option<&'static str> {
    if let Some(c) = countries::find(v.trim()) {
        return Some(c.code);
    }
    let f = mapping::normalise(v);
    let alias = match f.as_str() {
        "usa" | "unitedstatesofamerica" | "america" | "美国" => "US",
        "uk" | "england" | "greatbritain" | "britain" | "unitedkingdom" => "GB",
        "deutschland" => "DE",
        "中国大陆" | "prc" | "peoplesrepublicofchina" => "CN",
        "香港" | "hongkong" => "HK",
        "台湾" => "TW",
        "uae" => "AE",
        "korea" | "southkorea" | "韩国" => "KR",
        "russia" | "russianfederation" => "RU",
        _ => "",
    };
    if !alias.is_empty() {
        return countries::find(alias).map(|c| c.code);
    }
    static NAMES: std::sync::LazyLock<std::collections::HashMap<String, &'static str>> =
        std::sync::LazyLock::new(|| countries::name_index(mapping::normalise));
    NAMES.get(&f).copied()
}

fn split_tags(v: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for t in v.split([',', ';', '，', '；', '、', '|', '\n']) {
        let t = t.trim();
        if !t.is_empty() && !out.iter().any(|x| x == t) {
            out.push(t.to_string());
        }
    }
    out
}

/// One cell into the row's values.
pub(super) fn cell(f: &mut Fields, field: &str, v: &str) -> AppResult<()> {
    let text = |max: usize, field: &str| validate::optional_text(field, Some(v), max);
    match field {
        "name" => f.name = Some(validate::text("name", v, 200)?),
        "name_alt" => f.name_alt = text(200, field)?,
        "country" => {
            f.country = Some(find_country(v).map(str::to_string).ok_or_else(|| {
                AppError::invalid(
                    "country",
                    Msg::new(
                        format!("不认识的国家：{v}（可填国家名或代码，如 德国、DE）"),
                        format!("Unknown country: {v} (a name or code such as Germany, DE)"),
                    ),
                )
            })?)
        }
        "time_zone" => f.time_zone = Some(validate::time_zone(field, v)?),
        "address" => f.address = text(500, field)?,
        "website" => f.website = validate::optional_website(field, Some(v))?,
        "email" => f.email = validate::optional_email(field, Some(v))?,
        "phone" => f.phone = text(40, field)?,
        "source" => f.source = text(60, field)?,
        "tier" => f.tier = text(20, field)?,
        "tags" => {
            let tags = split_tags(v);
            for t in &tags {
                validate::optional_text("tags", Some(t), 30)?;
            }
            if tags.len() > 30 {
                return Err(AppError::invalid(
                    "tags",
                    Msg::new("标签不能超过 30 个。", "At most 30 tags."),
                ));
            }
            f.tags = tags;
        }
        "contact" => f.contact = text(100, field)?,
        "contact_title" => f.contact_title = text(100, field)?,
        "contact_email" => f.contact_email = validate::optional_email(field, Some(v))?,
        "contact_phone" => f.contact_phone = text(40, field)?,
        "notes" => {
            if let Some(n) = text(500, field)? {
                f.custom.insert(NOTES_KEY.to_string(), n);
            }
        }
        "purchase_preferences" => f.purchase_preferences = text(1000, field)?,
        "payment_behaviour" => f.payment_behaviour = text(1000, field)?,
        _ => {}
    }
    Ok(())
}

/// The row as a whole: a contact's details need the contact's name; the duplicate keys for the
/// owner the row will have; the customer the form would make of it.
pub(super) fn finish(pass: &Pass<CustomerImport>, row: &mut Prepared<CustomerImport>) {
    let f = &row.draft.f;
    if (f.contact_email.is_some() || f.contact_phone.is_some() || f.contact_title.is_some())
        && f.contact.is_none()
    {
        let issue = row.error(
            pass,
            "contact",
            "required",
            Msg::new(
                "填写了联系人的邮箱、电话或职位，但没有联系人姓名。",
                "A contact e-mail, phone or title is given without the contact's name.",
            ),
        );
        row.issues.push(issue);
    }
    let owner = row.owner;
    let probe = Probe {
        name: f.name.clone(),
        name_alt: f.name_alt.clone(),
        email: f.email.clone(),
        phone: f.phone.clone(),
        website: f.website.clone(),
        country: f.country.clone(),
        exclude_customer: None,
        owner_id: owner,
    };
    let mut keys = ProbeKeys::new(&probe, &pass.target.region);
    keys.owner = owner;
    // The customer form's own checks and defaults, so both make the same customers.
    let mut new = None;
    if pass.options.mode != Mode::Update && !row.has_errors() {
        match NewCustomer::check(customer_input(f, owner), owner.unwrap_or_default()) {
            Ok(mut n) => {
                // A row for the pool has no owner.
                n.customer.owner_id = owner;
                new = Some(n)
            }
            Err(e) => {
                let field = e.field.as_deref().map(import_field);
                let col = field.as_deref().and_then(|f| pass.column(f));
                row.issues.push(crate::domain::import::report::Issue::new(
                    row.row,
                    col,
                    field.as_deref(),
                    "invalid",
                    e.msg,
                ));
            }
        }
    }
    row.draft.keys = keys;
    row.draft.new = new;
}

fn customer_input(f: &Fields, owner: Option<u64>) -> CustomerInput {
    CustomerInput {
        name: f.name.clone().unwrap_or_default(),
        name_alt: f.name_alt.clone(),
        country: f.country.clone(),
        time_zone: f.time_zone.clone(),
        address: f.address.clone(),
        website: f.website.clone(),
        email: f.email.clone(),
        phone: f.phone.clone(),
        source: f.source.clone(),
        tier: f.tier.clone(),
        tags: f.tags.clone(),
        owner_id: owner,
        purchase_preferences: f.purchase_preferences.clone(),
        payment_behaviour: f.payment_behaviour.clone(),
        custom: f.custom.clone(),
        contacts: f
            .contact
            .iter()
            .map(|name| ContactInput {
                name: name.clone(),
                title: f.contact_title.clone(),
                phones: f.contact_phone.iter().cloned().collect(),
                emails: f.contact_email.iter().cloned().collect(),
                ..Default::default()
            })
            .collect(),
        ..Default::default()
    }
}

/// The import field of a field named by the customer checks (`contacts[0].emails[0]` →
/// `contact_email`, `custom.行业` → `custom:行业`).
fn import_field(field: &str) -> String {
    if let Some(f) = field.strip_prefix("contacts[0].") {
        return match f.split('[').next().unwrap_or(f) {
            "emails" => "contact_email",
            "phones" => "contact_phone",
            "title" => "contact_title",
            _ => "contact",
        }
        .to_string();
    }
    match field.strip_prefix("custom.") {
        Some(k) if k == NOTES_KEY => "notes".to_string(),
        Some(k) => format!("custom:{k}"),
        None => field.to_string(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn country_names_in_either_language() {
        for (v, code) in [
            ("爱沙尼亚", "EE"),
            ("Estonia", "EE"),
            ("ee", "EE"),
            ("德国", "DE"),
            ("Deutschland", "DE"),
            ("USA", "US"),
            ("阿联酋", "AE"),
            ("Czech Republic", "CZ"),
            ("Hong Kong", "HK"),
            ("中国台湾", "TW"),
        ] {
            assert_eq!(super::find_country(v), Some(code), "{v}");
        }
        assert_eq!(super::find_country("Atlantis"), None);
    }

    #[test]
    fn form_fields_name_their_import_column() {
        assert_eq!(
            super::import_field("contacts[0].emails[1]"),
            "contact_email"
        );
        assert_eq!(super::import_field("custom.notes"), "notes");
        assert_eq!(super::import_field("custom.行业"), "custom:行业");
        assert_eq!(super::import_field("website"), "website");
    }
}
