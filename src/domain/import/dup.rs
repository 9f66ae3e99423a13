//! Duplicates of an import row: within the file (exact normalised keys, first row wins) and
//! against the database.
//!
//! [`database_duplicates`] is the hook for the duplicate-detection module (`domain::dedup`):
//! given a candidate customer it returns the existing customers it may duplicate, each with the
//! key they share and a score. Until dedup lands it compares exact normalised keys (folded name,
//! e-mail, website host, phone digits); then its body becomes a call to dedup's check (legal
//! forms, pinyin, E.164, registrable domains, fuzzy names) and [`ExactIndex`] can go.

use std::collections::{HashMap, HashSet};
use std::hash::{DefaultHasher, Hash, Hasher};

use serde::{Deserialize, Serialize};

use crate::domain::crm::customers::name_key;
use crate::domain::crm::model::Customer;
use crate::error::AppResult;
use crate::i18n::Lang;
use crate::search::text::fold;
use crate::store::{IndexKey, Tx};

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
    pub const ALL: [MatchKey; 4] = [
        MatchKey::Name,
        MatchKey::Email,
        MatchKey::Website,
        MatchKey::Phone,
    ];
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

/// The normalised keys of one customer or row.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Keys {
    pub name: Option<String>,
    pub email: Option<String>,
    pub website: Option<String>,
    pub phone: Option<String>,
}

impl Keys {
    pub fn get(&self, k: MatchKey) -> Option<&str> {
        match k {
            MatchKey::Name => self.name.as_deref(),
            MatchKey::Email => self.email.as_deref(),
            MatchKey::Website => self.website.as_deref(),
            MatchKey::Phone => self.phone.as_deref(),
        }
    }

    pub fn of(
        name: Option<&str>,
        email: Option<&str>,
        website: Option<&str>,
        phone: Option<&str>,
    ) -> Keys {
        Keys {
            name: name.map(name_key).filter(|k| !k.is_empty()),
            email: email.and_then(email_key),
            website: website.and_then(website_key),
            phone: phone.and_then(phone_key),
        }
    }

    pub fn of_customer(c: &Customer) -> Keys {
        Keys {
            name: Some(c.name_key.clone()).filter(|k| !k.is_empty()),
            email: c.email.as_deref().and_then(email_key),
            website: c.website.as_deref().and_then(website_key),
            phone: c.phone.as_deref().and_then(phone_key),
        }
    }
}

pub fn email_key(v: &str) -> Option<String> {
    let k = fold(v.trim());
    k.contains('@').then_some(k)
}

/// The host of a website without scheme, `www.`, port and path: `https://www.Acme.de/en` →
/// `acme.de`.
pub fn website_key(v: &str) -> Option<String> {
    let f = fold(v.trim());
    let rest = f.split_once("://").map_or(f.as_str(), |(_, r)| r);
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host = host.split(':').next().unwrap_or("");
    let host = host.strip_prefix("www.").unwrap_or(host).trim_matches('.');
    host.contains('.').then(|| host.to_string())
}

/// The digits of a phone number, without an international `00` prefix; at least six digits.
pub fn phone_key(v: &str) -> Option<String> {
    let digits: String = fold(v).chars().filter(|c| c.is_ascii_digit()).collect();
    let digits = digits.strip_prefix("00").unwrap_or(&digits).to_string();
    (digits.len() >= 6).then_some(digits)
}

fn hash(k: MatchKey, v: &str) -> u64 {
    let mut h = DefaultHasher::new();
    k.hash(&mut h);
    v.hash(&mut h);
    h.finish()
}

/// Keys seen earlier in the file: the first row holding each (64-bit hashes, so 100,000 rows
/// take a few MB whatever their length).
#[derive(Default)]
pub struct InFile {
    seen: HashMap<u64, u64>,
}

impl InFile {
    /// Earlier rows sharing a key with `keys`.
    pub fn check(&self, keys: &Keys) -> Vec<(MatchKey, u64)> {
        MatchKey::ALL
            .iter()
            .filter_map(|k| {
                let v = keys.get(*k)?;
                self.seen.get(&hash(*k, v)).map(|row| (*k, *row))
            })
            .collect()
    }
    pub fn add(&mut self, row: u64, keys: &Keys) {
        for k in MatchKey::ALL {
            if let Some(v) = keys.get(k) {
                self.seen.entry(hash(k, v)).or_insert(row);
            }
        }
    }
}

enum Ids {
    One(u64),
    Many(Vec<u64>),
}

/// Exact e-mail, website and phone keys of the live customers, built by one scan on first use
/// (names use the store's `name_key` index). Hits are re-read and re-checked, so a record
/// changed since the scan is never matched wrongly.
#[derive(Default)]
pub struct ExactIndex {
    built: bool,
    map: HashMap<u64, Ids>,
}

impl ExactIndex {
    fn build(&mut self, tx: &Tx) -> AppResult<()> {
        if self.built {
            return Ok(());
        }
        let mut map = HashMap::new();
        tx.for_each::<Customer>(false, &mut |r| {
            let keys = Keys::of_customer(&r.data);
            for k in [MatchKey::Email, MatchKey::Website, MatchKey::Phone] {
                if let Some(v) = keys.get(k) {
                    add(&mut map, hash(k, v), r.id);
                }
            }
            Ok(true)
        })?;
        self.map = map;
        self.built = true;
        Ok(())
    }

    /// A customer this import created (with its keys), so later rows find it.
    pub fn add_keys(&mut self, id: u64, keys: &Keys) {
        if !self.built {
            return;
        }
        for k in [MatchKey::Email, MatchKey::Website, MatchKey::Phone] {
            if let Some(v) = keys.get(k) {
                add(&mut self.map, hash(k, v), id);
            }
        }
    }

    /// Live customers whose `key` equals `value` (already normalised).
    pub fn ids(&mut self, tx: &Tx, key: MatchKey, value: &str) -> AppResult<Vec<u64>> {
        let candidates = if key == MatchKey::Name {
            tx.ids_by_index::<Customer>("name_key", &IndexKey::new().str(value), false)?
        } else {
            self.build(tx)?;
            match self.map.get(&hash(key, value)) {
                Some(Ids::One(id)) => vec![*id],
                Some(Ids::Many(ids)) => ids.clone(),
                None => Vec::new(),
            }
        };
        let mut out = Vec::new();
        let mut seen = HashSet::new();
        for id in candidates {
            if !seen.insert(id) {
                continue;
            }
            if let Ok(r) = tx.get_live::<Customer>(id)
                && Keys::of_customer(&r.data).get(key) == Some(value)
            {
                out.push(id);
            }
        }
        Ok(out)
    }
}

fn add(map: &mut HashMap<u64, Ids>, h: u64, id: u64) {
    match map.get_mut(&h) {
        None => {
            map.insert(h, Ids::One(id));
        }
        Some(Ids::One(first)) => {
            let first = *first;
            if first != id {
                map.insert(h, Ids::Many(vec![first, id]));
            }
        }
        Some(Ids::Many(ids)) => {
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
    }
}

/// A customer that an import row may duplicate.
#[derive(Clone, Debug, PartialEq)]
pub struct DuplicateCandidate {
    pub customer_id: u64,
    pub key: MatchKey,
    /// 0–100; exact keys give 100.
    pub score: u8,
}

/// What a row is compared on.
pub struct Candidate<'a> {
    pub name: &'a str,
    pub name_alt: Option<&'a str>,
    pub country: Option<&'a str>,
    pub keys: &'a Keys,
}

/// The hook: existing customers `c` may duplicate, best first, each once. See the module
/// documentation for what replaces the exact-key comparison.
pub fn database_duplicates(
    tx: &Tx,
    index: &mut ExactIndex,
    c: &Candidate,
) -> AppResult<Vec<DuplicateCandidate>> {
    let mut out: Vec<DuplicateCandidate> = Vec::new();
    for key in MatchKey::ALL {
        let Some(v) = c.keys.get(key) else { continue };
        for id in index.ids(tx, key, v)? {
            if !out.iter().any(|d| d.customer_id == id) {
                out.push(DuplicateCandidate {
                    customer_id: id,
                    key,
                    score: 100,
                });
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_normalised() {
        assert_eq!(
            website_key("https://WWW.Brandt-Werkzeuge.de/en/").as_deref(),
            Some("brandt-werkzeuge.de")
        );
        assert_eq!(website_key("brandt"), None);
        assert_eq!(
            phone_key("+49 (30) 123-4567").as_deref(),
            phone_key("0049 30 1234567").as_deref()
        );
        assert_eq!(email_key(" Info@ACME.de ").as_deref(), Some("info@acme.de"));
        let a = Keys::of(Some("華信電子"), None, None, None);
        let b = Keys::of(Some("华信 电子"), None, None, None);
        assert_eq!(a.name, b.name);
        let mut f = InFile::default();
        f.add(2, &a);
        assert_eq!(f.check(&b), vec![(MatchKey::Name, 2)]);
    }
}
