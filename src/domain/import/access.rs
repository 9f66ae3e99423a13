//! Who may see and run which import, and how an import is shown. Importing a kind needs its
//! module's `import` right; an import outside that right's scope (someone else's) answers 404.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::auth::{Action, Principal, Scope};
use crate::domain::accounts::Named;
use crate::domain::kit::{List, Query, Source, names};
use crate::domain::{Kontor, Paging};
use crate::error::{AppError, AppResult};
use crate::i18n::Lang;
use crate::store::{Record, Tx};

use super::reader::{Format, TextEncoding};
use super::record::{Import, ImportStatus, Mode, Progress, progress};
use super::target::{MatchKey, TARGETS, Target, target};
use super::workers::status_of;

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct ImportView {
    pub id: u64,
    pub kind: String,
    pub filename: String,
    pub format: Format,
    /// Text files: the encoding found (`utf-8`, `gb18030`, `utf-16le`, `utf-16be`).
    pub encoding: Option<TextEncoding>,
    /// Text files: `,`, `;` or `\t`.
    pub delimiter: Option<String>,
    /// XLSX: the sheet read.
    pub sheet: Option<String>,
    pub size: u64,
    pub header_row: u64,
    pub headers: Vec<String>,
    /// Data rows in the file.
    pub rows: u64,
    pub status: ImportStatus,
    pub mode: Option<Mode>,
    pub key: Option<MatchKey>,
    pub mapping: Option<Vec<Option<String>>>,
    pub progress: Progress,
    pub owner: Option<Named>,
    pub created_at: DateTime<Utc>,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    pub reverted_at: Option<DateTime<Utc>>,
    /// Why the commit or revert failed.
    pub failure: Option<String>,
}

pub(super) fn view(k: &Kontor, tx: &Tx, r: Record<Import>, lang: Lang) -> AppResult<ImportView> {
    let owners = names(tx, r.data.owner_id)?;
    let mut progress = progress(tx, r.id)?;
    progress.total = r.data.rows;
    let i = r.data;
    Ok(ImportView {
        id: r.id,
        status: status_of(k, r.id, i.status),
        kind: i.kind,
        filename: i.filename,
        format: i.layout.format,
        encoding: i.layout.encoding,
        delimiter: (i.layout.format == Format::Csv)
            .then(|| (i.layout.delimiter as char).to_string()),
        sheet: i.layout.sheet,
        size: i.size,
        header_row: i.header_row,
        headers: i.headers,
        rows: i.rows,
        mode: i.options.as_ref().map(|o| o.mode),
        key: i.options.as_ref().map(|o| o.key),
        mapping: i.options.map(|o| o.mapping),
        progress,
        owner: i.owner_id.map(|id| Named {
            id,
            name: owners.get(&id).cloned().unwrap_or_default(),
        }),
        created_at: r.meta.created_at,
        started_at: i.started_at,
        finished_at: i.finished_at,
        reverted_at: i.reverted_at,
        failure: i.failure.map(|(zh, en)| lang.pick(&zh, &en).to_string()),
    })
}

/// The caller's scope for importing `target`; 403 without the right.
pub(super) fn may_import(p: &Principal, target: &Target) -> AppResult<Scope> {
    p.require(target.module, Action::Import)
}

/// 403 unless the caller may import some kind (the imports screen, saved mappings).
pub(super) fn may_import_any(p: &Principal) -> AppResult<()> {
    match TARGETS
        .iter()
        .any(|t| p.scope(t.module, Action::Import) != Scope::None)
    {
        true => Ok(()),
        false => Err(AppError::forbidden()),
    }
}

/// Checked before an upload is received: 403 without the right to import `kind` (a kind that
/// cannot be imported is refused once the file is in, naming the kinds that can).
pub fn may_upload(p: &Principal, kind: &str) -> AppResult<()> {
    match target(kind) {
        Some(t) => may_import(p, t).map(drop),
        None => may_import_any(p),
    }
}

/// An import the caller may work with: its record, its kind and the caller's import scope.
pub(super) struct Found {
    pub record: Record<Import>,
    pub target: &'static Target,
    pub scope: Scope,
}

/// The scope the caller's right to import `kind` has (none for a kind no longer importable).
fn scope_of(p: &Principal, kind: &str) -> Scope {
    target(kind).map_or(Scope::None, |t| p.scope(t.module, Action::Import))
}

pub(super) fn import_for(tx: &Tx, p: &Principal, id: u64) -> AppResult<Record<Import>> {
    Ok(find(tx, p, id)?.record)
}

pub(super) fn find(tx: &Tx, p: &Principal, id: u64) -> AppResult<Found> {
    may_import_any(p)?;
    let record = tx.get_live::<Import>(id)?;
    let scope = scope_of(p, &record.data.kind);
    let target = target(&record.data.kind).ok_or_else(AppError::not_found)?;
    if !p.reaches(scope, record.data.owner_id) {
        return Err(AppError::not_found());
    }
    Ok(Found {
        record,
        target,
        scope,
    })
}

pub fn get(k: &Kontor, p: &Principal, id: u64) -> AppResult<ImportView> {
    k.store.read(|tx| {
        let r = import_for(tx, p, id)?;
        view(k, tx, r, p.lang)
    })
}

/// The caller's imports (within scope), newest first.
pub fn list(k: &Kontor, p: &Principal, paging: Paging) -> AppResult<List<ImportView>> {
    may_import_any(p)?;
    k.store.read(|tx| {
        let page = Query::<Import>::new(Source::All, paging)
            .filter(|r| p.reaches(scope_of(p, &r.data.kind), r.data.owner_id))
            .run(tx)?;
        let items = page
            .items
            .into_iter()
            .map(|r| view(k, tx, r, p.lang))
            .collect::<AppResult<Vec<_>>>()?;
        Ok(List {
            items,
            total: page.total,
            page: paging.page,
            per_page: paging.per_page,
        })
    })
}
