//! Lookups over the kinds the modules declare (`domain::modules`): a kind's permission module
//! and its name for people.

use serde::Serialize;

use crate::auth::Principal;
use crate::i18n::Lang;

pub use super::kit::KindInfo;

/// A record kind as the web app shows it (audit filter, search labels).
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct KindView {
    pub kind: String,
    /// Its permission module (`crm`, `settings` …).
    pub module: String,
    /// Its name in the caller's language.
    pub name: String,
    /// Whether the global search finds its records.
    pub searchable: bool,
}

/// Every declared kind, named in the caller's language.
pub fn list(p: &Principal) -> Vec<KindView> {
    super::modules::kinds()
        .map(|k| KindView {
            kind: k.kind.to_string(),
            module: k.module.key().to_string(),
            name: k.name(p.lang).to_string(),
            searchable: k.searchable,
        })
        .collect()
}

pub fn info(kind: &str) -> Option<&'static KindInfo> {
    super::modules::kinds().find(|k| k.kind == kind)
}

pub fn name(kind: &str, lang: Lang) -> String {
    info(kind)
        .map(|k| k.name(lang).to_string())
        .unwrap_or_else(|| kind.to_string())
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_kind_has_its_own_search_code() {
        let mut codes = std::collections::BTreeMap::new();
        for ops in crate::domain::registry().all() {
            let code = crate::search::kind_code(ops.kind());
            if let Some(other) = codes.insert(code, ops.kind()) {
                panic!("kinds {other} and {} share search code {code}", ops.kind());
            }
        }
    }
}
