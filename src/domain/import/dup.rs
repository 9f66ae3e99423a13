//! Duplicates of an import row within the file: the exact keys the duplicate check reads
//! ([`ProbeKeys`]: the name key without legal forms and places, the e-mail address and its
//! company domain, the phone in E.164, the registrable website), the first row holding a key
//! wins. Against the database a row goes through the duplicate check itself
//! (`dedup::check::candidates_for`, in `plan`), so "Müller GmbH" and "Mueller Ltd" are the same
//! firm in one file as they are against the customers already there.

use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};

use serde::{Deserialize, Serialize};

use crate::domain::dedup::Field;
use crate::domain::dedup::check::ProbeKeys;
use crate::i18n::Lang;

/// The key rows are matched on.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum MatchKey {
    #[default]
    Name,
    Email,
    Website,
    Phone,
}

impl MatchKey {
    pub fn field(self) -> &'static str {
        match self {
            MatchKey::Name => "name",
            MatchKey::Email => "email",
            MatchKey::Website => "website",
            MatchKey::Phone => "phone",
        }
    }
    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            MatchKey::Name => lang.pick("公司名称", "company name"),
            MatchKey::Email => lang.pick("邮箱", "e-mail"),
            MatchKey::Website => lang.pick("网址", "website"),
            MatchKey::Phone => lang.pick("电话", "phone"),
        }
    }
}

impl From<Field> for MatchKey {
    fn from(f: Field) -> MatchKey {
        match f {
            Field::Name => MatchKey::Name,
            Field::Email => MatchKey::Email,
            Field::Phone => MatchKey::Phone,
            Field::Website => MatchKey::Website,
        }
    }
}

impl From<MatchKey> for Field {
    fn from(k: MatchKey) -> Field {
        match k {
            MatchKey::Name => Field::Name,
            MatchKey::Email => Field::Email,
            MatchKey::Phone => Field::Phone,
            MatchKey::Website => Field::Website,
        }
    }
}

/// An earlier row sharing a key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Hit {
    pub key: MatchKey,
    pub row: u64,
    /// Only the e-mail's company domain is shared, not the address.
    pub domain_only: bool,
}

/// The hashed keys of a row, each with its field and whether it is an e-mail domain.
fn entries(keys: &ProbeKeys) -> Vec<(MatchKey, bool, u64)> {
    let hash = |tag: &str, v: &str| {
        let mut h = DefaultHasher::new();
        tag.hash(&mut h);
        v.hash(&mut h);
        h.finish()
    };
    let mut out = Vec::with_capacity(5);
    if let Some(k) = keys.name_key() {
        out.push((MatchKey::Name, false, hash("n", &k)));
    }
    if let Some(e) = &keys.email {
        out.push((MatchKey::Email, false, hash("e", e)));
    }
    if let Some(d) = &keys.email_domain {
        out.push((MatchKey::Email, true, hash("d", d)));
    }
    for p in &keys.phones {
        out.push((MatchKey::Phone, false, hash("p", p)));
    }
    if let Some(w) = &keys.website {
        out.push((MatchKey::Website, false, hash("w", w)));
    }
    out
}

/// Keys seen earlier in the file: the first row holding each (64-bit hashes, so 100,000 rows
/// take a few MB whatever their length).
#[derive(Default)]
pub struct InFile {
    seen: HashMap<u64, u64>,
}

impl InFile {
    /// Earlier rows sharing a key with `keys`: for each field the first one (an address
    /// before its domain).
    pub fn check(&self, keys: &ProbeKeys) -> Vec<Hit> {
        let mut out: Vec<Hit> = Vec::new();
        for (key, domain_only, h) in entries(keys) {
            if out.iter().any(|x| x.key == key) {
                continue;
            }
            if let Some(row) = self.seen.get(&h) {
                out.push(Hit {
                    key,
                    row: *row,
                    domain_only,
                });
            }
        }
        out
    }

    pub fn add(&mut self, row: u64, keys: &ProbeKeys) {
        for (_, _, h) in entries(keys) {
            self.seen.entry(h).or_insert(row);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::dedup::check::Probe;

    fn keys(name: &str, email: Option<&str>, phone: Option<&str>, country: &str) -> ProbeKeys {
        ProbeKeys::new(
            &Probe {
                name: Some(name.into()),
                email: email.map(Into::into),
                phone: phone.map(Into::into),
                country: Some(country.into()),
                ..Default::default()
            },
            "CN",
        )
    }

    #[test]
    fn rows_match_as_the_duplicate_check_reads_them() {
        let mut f = InFile::default();
        f.add(
            2,
            &keys(
                "Müller GmbH",
                Some("Info@Mueller.de"),
                Some("030 1234567"),
                "DE",
            ),
        );
        // Umlaut and legal form, the address in capitals, the phone with its country code.
        let hits = f.check(&keys(
            "Mueller Ltd",
            Some("info@mueller.de"),
            Some("+49 30 1234567"),
            "DE",
        ));
        assert_eq!(
            hits,
            vec![
                Hit {
                    key: MatchKey::Name,
                    row: 2,
                    domain_only: false
                },
                Hit {
                    key: MatchKey::Email,
                    row: 2,
                    domain_only: false
                },
                Hit {
                    key: MatchKey::Phone,
                    row: 2,
                    domain_only: false
                },
            ]
        );
        // Another address at the same company domain; traditional characters.
        let hits = f.check(&keys("Brandt AG", Some("sales@mueller.de"), None, "DE"));
        assert_eq!(
            hits,
            vec![Hit {
                key: MatchKey::Email,
                row: 2,
                domain_only: true
            }]
        );
        f.add(3, &keys("深圳市华信电子有限公司", None, None, "CN"));
        assert_eq!(
            f.check(&keys("華信電子", None, None, "CN"))[0],
            Hit {
                key: MatchKey::Name,
                row: 3,
                domain_only: false
            }
        );
        assert!(f.check(&keys("Schmidt KG", None, None, "DE")).is_empty());
    }
}
