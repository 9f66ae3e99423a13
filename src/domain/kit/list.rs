//! One way to list records of any kind: where the candidates come from (every record, or the
//! keys of a declared index), what narrows them, the order, page N and an exact total.
//!
//! The cheap paths are taken by themselves: an unnarrowed list in the default order (newest
//! first) reads only its page, with the total from the store's live count or a counted index;
//! a list from an index reads only the records holding its keys; only a narrowed list of a
//! whole kind reads every record, and the total then is still exact.

use std::cmp::Ordering;
use std::collections::BTreeMap;

use serde::Serialize;

use crate::auth::{Scope, User};
use crate::error::{AppError, AppResult, Msg};
use crate::store::{Entity, IndexKey, Record, Tx};

/// A page of a list and how many records the whole list holds.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct List<T> {
    pub items: Vec<T>,
    pub total: u64,
    pub page: u64,
    pub per_page: u64,
}

impl<T> List<T> {
    /// The same page with each item turned into its view.
    pub fn try_map<U>(self, f: impl FnMut(T) -> AppResult<U>) -> AppResult<List<U>> {
        Ok(List {
            items: self.items.into_iter().map(f).collect::<AppResult<_>>()?,
            total: self.total,
            page: self.page,
            per_page: self.per_page,
        })
    }
}

/// Page and page size of a list (1-based page; at most 200 per page).
#[derive(Clone, Copy, Debug)]
pub struct Paging {
    pub page: u64,
    pub per_page: u64,
}

impl Default for Paging {
    fn default() -> Self {
        Paging {
            page: 1,
            per_page: 50,
        }
    }
}

impl Paging {
    /// From optional query parameters: page 1 and 50 per page by default, at most 200.
    pub fn new(page: Option<u64>, per_page: Option<u64>) -> Paging {
        Paging {
            page: page.unwrap_or(1).max(1),
            per_page: per_page.unwrap_or(50).clamp(1, 200),
        }
    }
    /// Every record on one page (lists a screen shows whole, such as one customer's deals).
    pub fn everything() -> Paging {
        Paging {
            page: 1,
            per_page: u64::MAX,
        }
    }
    pub fn offset(&self) -> u64 {
        (self.page.max(1) - 1).saturating_mul(self.per_page)
    }
}

/// Where a list's candidates come from.
pub enum Source {
    /// Every live record of the kind.
    All,
    /// The records whose key in a declared index starts with any of these keys (typed parts,
    /// so a key matches itself and longer keys that begin with it): a parent's children, the
    /// records of the owners a scope reaches.
    Index {
        index: &'static str,
        keys: Vec<IndexKey>,
    },
    /// These records (found by the search index).
    Ids(Vec<u64>),
}

impl Source {
    /// The records of the owners a scope reaches through an index keyed by owner id, or every
    /// record when the scope is `all`.
    pub fn owners(index: &'static str, owners: Option<Vec<u64>>) -> Source {
        match owners {
            None => Source::All,
            Some(owners) => Source::Index {
                index,
                keys: owners.into_iter().map(|o| IndexKey::new().u64(o)).collect(),
            },
        }
    }
    pub fn key(index: &'static str, key: IndexKey) -> Source {
        Source::Index {
            index,
            keys: vec![key],
        }
    }
}

type Narrow<'a, T> = Box<dyn Fn(&Record<T>) -> bool + 'a>;
type Order<'a, T> = (Box<dyn Fn(&Record<T>, &Record<T>) -> Ordering + 'a>, bool);

/// A list of one kind: source, filters, order and page.
pub struct Query<'a, T: Entity> {
    source: Source,
    narrow: Vec<Narrow<'a, T>>,
    order: Option<Order<'a, T>>,
    paging: Paging,
}

impl<'a, T: Entity> Query<'a, T> {
    pub fn new(source: Source, paging: Paging) -> Self {
        Query {
            source,
            narrow: Vec::new(),
            order: None,
            paging,
        }
    }

    /// Keeps only the records `f` accepts (filters and the per-record access rule).
    pub fn filter(mut self, f: impl Fn(&Record<T>) -> bool + 'a) -> Self {
        self.narrow.push(Box::new(f));
        self
    }

    /// Keeps the records `f` accepts when the filter is asked for.
    pub fn filter_if(self, asked: bool, f: impl Fn(&Record<T>) -> bool + 'a) -> Self {
        if asked { self.filter(f) } else { self }
    }

    /// Orders by `cmp`, ascending (ties oldest first) or descending (ties newest first),
    /// instead of newest first.
    pub fn order_by(
        mut self,
        cmp: impl Fn(&Record<T>, &Record<T>) -> Ordering + 'a,
        ascending: bool,
    ) -> Self {
        self.order = Some((Box::new(cmp), ascending));
        self
    }

    fn accepts(&self, r: &Record<T>) -> bool {
        self.narrow.iter().all(|f| f(r))
    }

    /// The page and the exact total.
    pub fn run(self, tx: &Tx) -> AppResult<List<Record<T>>> {
        let paging = self.paging;
        let (offset, limit) = (paging.offset(), paging.per_page);
        let plain = self.narrow.is_empty() && self.order.is_none();
        let (items, total) = match &self.source {
            Source::All if plain => (tx.newest_live::<T>(offset, limit)?, tx.count_live::<T>()?),
            Source::Index { index, keys } if plain && keys.len() == 1 && counted::<T>(index) => {
                let ids = tx.newest_ids_by_index::<T>(index, &keys[0], offset, limit)?;
                let items = ids
                    .into_iter()
                    .map(|id| tx.get_live::<T>(id))
                    .collect::<Result<Vec<_>, _>>()?;
                (items, tx.count_index::<T>(index, &keys[0])?)
            }
            Source::All if self.order.is_none() => {
                let accepts = |r: &Record<T>| self.accepts(r);
                let page = tx.list::<T>(&accepts, offset, limit)?;
                (page.items, page.total)
            }
            source => {
                let mut rows = self.candidates(tx, source)?;
                rows.retain(|r| self.accepts(r));
                match &self.order {
                    Some((cmp, true)) => rows.sort_by(|a, b| cmp(a, b).then(a.id.cmp(&b.id))),
                    Some((cmp, false)) => rows.sort_by(|a, b| cmp(b, a).then(b.id.cmp(&a.id))),
                    None => rows.sort_by_key(|r| std::cmp::Reverse(r.id)),
                }
                let total = rows.len() as u64;
                let items = rows
                    .into_iter()
                    .skip(offset.try_into().unwrap_or(usize::MAX))
                    .take(limit.try_into().unwrap_or(usize::MAX))
                    .collect();
                (items, total)
            }
        };
        Ok(List {
            items,
            total,
            page: paging.page,
            per_page: paging.per_page,
        })
    }

    fn candidates(&self, tx: &Tx, source: &Source) -> AppResult<Vec<Record<T>>> {
        let mut ids = match source {
            Source::All => return Ok(tx.list::<T>(&|_| true, 0, u64::MAX)?.items),
            Source::Index { index, keys } => {
                let mut ids = Vec::new();
                for key in keys {
                    ids.extend(tx.ids_by_index::<T>(index, key, false)?);
                }
                ids
            }
            Source::Ids(ids) => ids.clone(),
        };
        ids.sort_unstable();
        ids.dedup();
        let mut rows = Vec::with_capacity(ids.len());
        for id in ids {
            if let Some(r) = tx.get::<T>(id)?.filter(|r| !r.meta.is_deleted()) {
                rows.push(r);
            }
        }
        Ok(rows)
    }
}

fn counted<T: Entity>(index: &str) -> bool {
    T::indexes().iter().any(|d| d.name == index && d.counted)
}

/// Display names of users, for the owner columns of a page.
pub fn names(tx: &Tx, ids: impl IntoIterator<Item = u64>) -> AppResult<BTreeMap<u64, String>> {
    let mut out = BTreeMap::new();
    for id in ids {
        if let std::collections::btree_map::Entry::Vacant(e) = out.entry(id)
            && let Some(u) = tx.get::<User>(id)?
        {
            e.insert(u.data.display_name);
        }
    }
    Ok(out)
}

/// The data scope a list asks for (`mine` by default, `team`, `all`), never wider than granted.
pub fn list_scope(asked: Option<&str>, granted: Scope) -> AppResult<Scope> {
    let wanted = match asked {
        Some("all") => Scope::All,
        Some("team") => Scope::Team,
        Some("mine") | None => Scope::Own,
        Some(other) => {
            return Err(AppError::invalid(
                "scope",
                Msg::new(
                    format!("未知的范围：{other}"),
                    format!("Unknown scope: {other}"),
                ),
            ));
        }
    };
    Ok(wanted.min(granted))
}

/// The folded search text of a list query (None when empty).
pub fn needle(q: Option<&str>) -> Option<String> {
    q.map(crate::search::text::fold)
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
}
