//! Countries a foreign-trade firm sells to: the 249 codes of ISO 3166-1 with their Chinese and
//! English names from CLDR and the time zone of the main business city (used for "the buyer's
//! local time now" when no zone is set).
//!
//! The table is `web/src/countries.json`, shared with the web app and generated from pinned CLDR
//! and tz packages by `web/scripts/countries.mjs` (not typed by hand).

use std::collections::HashMap;
use std::sync::LazyLock;

use serde::Deserialize;

use crate::i18n::Lang;

#[derive(Debug, Deserialize)]
pub struct Country {
    /// ISO 3166-1 alpha-2.
    pub code: &'static str,
    pub zh: &'static str,
    pub en: &'static str,
    /// IANA zone of the main business city; `None` for uninhabited territories.
    pub tz: Option<&'static str>,
    /// Other names CLDR gives (UK, Turkey, 香港 …) and the first list's names.
    pub aliases: Vec<&'static str>,
}

impl Country {
    pub fn name(&self, lang: Lang) -> &'static str {
        lang.pick(self.zh, self.en)
    }
}

static TABLE: &str = include_str!("../../web/src/countries.json");

static COUNTRIES: LazyLock<Vec<Country>> =
    LazyLock::new(|| serde_json::from_str(TABLE).expect("web/src/countries.json is valid"));

/// Every country, by code.
pub fn all() -> &'static [Country] {
    &COUNTRIES
}

/// The country of an ISO code (any case).
pub fn find(code: &str) -> Option<&'static Country> {
    all().iter().find(|c| c.code.eq_ignore_ascii_case(code))
}

/// Every name of every country (both languages and the aliases), folded by `fold` (case,
/// spaces, punctuation …), to the country's code: build it once, look names up in it.
pub fn name_index(fold: impl Fn(&str) -> String) -> HashMap<String, &'static str> {
    let mut index = HashMap::new();
    for c in all() {
        for n in [c.zh, c.en].iter().chain(c.aliases.iter()) {
            let key = fold(n);
            if !key.is_empty() {
                index.entry(key).or_insert(c.code);
            }
        }
    }
    index
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_iso_3166_1() {
        assert_eq!(all().len(), 249);
        let mut codes: Vec<_> = all().iter().map(|c| c.code).collect();
        codes.dedup();
        assert_eq!(codes.len(), 249, "codes are sorted and unique");
        assert!(codes.iter().all(|c| c.len() == 2));
    }

    #[test]
    fn every_zone_is_known() {
        for c in all() {
            if let Some(tz) = c.tz {
                assert!(tz.parse::<chrono_tz::Tz>().is_ok(), "{}: {tz}", c.code);
            }
        }
        // Inhabited places have one.
        assert!(all().iter().filter(|c| c.tz.is_none()).count() <= 2);
    }

    #[test]
    fn names_in_both_languages() {
        let ee = find("ee").unwrap();
        assert_eq!(
            (ee.zh, ee.en, ee.tz),
            ("爱沙尼亚", "Estonia", Some("Europe/Tallinn"))
        );
        let index = name_index(|s: &str| s.to_lowercase().replace(' ', ""));
        assert_eq!(index.get("爱沙尼亚"), Some(&"EE"));
        assert_eq!(index.get("estonia"), Some(&"EE"));
        assert_eq!(index.get("turkey"), Some(&"TR"));
        assert_eq!(index.get("中国香港"), Some(&"HK"));
        assert_eq!(index.get("atlantis"), None);
        // The first list's zones are kept.
        assert_eq!(find("US").unwrap().tz, Some("America/New_York"));
        assert_eq!(find("AU").unwrap().tz, Some("Australia/Sydney"));
    }
}
