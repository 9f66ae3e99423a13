//! The one search box: every searchable kind the caller may read, within their data scope.

use serde::Serialize;

use crate::auth::{Action, Principal};
use crate::error::{AppError, AppResult};
use crate::search::{KindFilter, Visibility};

use super::{Kontor, kinds};

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct SearchHitView {
    pub kind: String,
    pub kind_name: String,
    pub id: u64,
    pub title: String,
    pub subtitle: String,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct SearchResults {
    pub items: Vec<SearchHitView>,
}

pub fn search(k: &Kontor, p: &Principal, q: &str, limit: usize) -> AppResult<SearchResults> {
    if q.chars().count() > 200 {
        return Err(AppError::invalid(
            "q",
            crate::error::Msg::new(
                "搜索内容不能超过 200 个字符。",
                "A search may have at most 200 characters.",
            ),
        ));
    }
    let filters: Vec<KindFilter> = kinds::KINDS
        .iter()
        .filter_map(|info| {
            let scope = p.scope(info.module, Action::Read);
            let visibility = match p.owners_in(scope) {
                None => Visibility::All,
                Some(owners) if owners.is_empty() => return None,
                Some(owners) => Visibility::Owners(owners),
            };
            Some(KindFilter {
                kind: info.kind.to_string(),
                visibility,
            })
        })
        .collect();
    let hits = k
        .search
        .search(q, &filters, limit.clamp(1, 50))
        .map_err(AppError::internal)?;
    Ok(SearchResults {
        items: hits
            .into_iter()
            .map(|h| SearchHitView {
                kind_name: kinds::name(&h.kind, p.lang),
                kind: h.kind,
                id: h.id,
                title: h.title,
                subtitle: h.subtitle,
            })
            .collect(),
    })
}
