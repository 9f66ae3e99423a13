//! What makes a kind importable. A kind implements [`ImportTarget`] — its columns, how a row
//! becomes a typed draft, its duplicates, how a row is written and undone — and is listed once in
//! [`TARGETS`]. Everything else (the stored file, the job record, the mapping, the dry run and
//! the commit that follows it row for row, batches, progress, the report, the revert) is the
//! pipeline's, the same for every kind, in the other files of this module.

use std::sync::Weak;

use serde::{Deserialize, Serialize, de::DeserializeOwned};

use crate::auth::{FieldClass, Module, Principal, Scope};
use crate::domain::Kontor;
use crate::domain::dedup::Field;
use crate::error::AppResult;
use crate::i18n::Lang;
use crate::store::{Actor, Tx};

use super::customers::CustomerImport;
use super::dry_run::DryRun;
use super::plan::{Plan, Planned};
use super::products::ProductImport;
use super::record::{Import, Resolved};
use super::row::{Pass, Prepared};

/// How messages name a kind: 客户 / customer / customers.
#[derive(Clone, Copy, Debug)]
pub struct Noun {
    pub zh: &'static str,
    pub en: &'static str,
    pub en_plural: &'static str,
}

/// A column a file can fill: its key (what a mapping names), its labels (the mapping screen, the
/// export's headers), the headers recognised for it in both languages, whether a row needs it,
/// and the hidden-field class it belongs to.
#[derive(Clone, Copy, Debug)]
pub struct Column {
    pub key: &'static str,
    pub zh: &'static str,
    pub en: &'static str,
    /// Headers recognised for the column, Chinese and English, compared folded and without
    /// spaces and punctuation (`E-mail` = `email`, `電話` = `电话`).
    pub synonyms: &'static [&'static str],
    /// A required column: how a message names it in a sentence (`公司名称`, `the company name`).
    pub required: Option<(&'static str, &'static str)>,
    /// A role that hides this class (cost, profit, supplier price) neither sees nor fills it.
    pub class: Option<FieldClass>,
}

impl Column {
    pub const fn new(
        key: &'static str,
        zh: &'static str,
        en: &'static str,
        synonyms: &'static [&'static str],
    ) -> Column {
        Column {
            key,
            zh,
            en,
            synonyms,
            required: None,
            class: None,
        }
    }
    /// Every row must fill it; `zh`/`en` name it in messages.
    pub const fn required(self, zh: &'static str, en: &'static str) -> Column {
        Column {
            required: Some((zh, en)),
            ..self
        }
    }
    pub const fn hidden(self, class: FieldClass) -> Column {
        Column {
            class: Some(class),
            ..self
        }
    }
    pub fn label(&self, lang: Lang) -> &'static str {
        lang.pick(self.zh, self.en)
    }
}

/// The column of the record's owner (a username or display name) in an owned kind's file.
pub const OWNER: &str = "owner";

// The vocabulary of every kind: a kind lists the keys it takes in `ImportTarget::MATCH_KEYS`,
// each the key of one of its columns. (The doc comment below is the API document's.)
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
    /// A product's SKU (货号), without case.
    Sku,
}

impl MatchKey {
    /// The column holding the key.
    pub fn field(self) -> &'static str {
        match self {
            MatchKey::Name => "name",
            MatchKey::Email => "email",
            MatchKey::Website => "website",
            MatchKey::Phone => "phone",
            MatchKey::Sku => "sku",
        }
    }
    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            MatchKey::Name => lang.pick("公司名称", "company name"),
            MatchKey::Email => lang.pick("邮箱", "e-mail"),
            MatchKey::Website => lang.pick("网址", "website"),
            MatchKey::Phone => lang.pick("电话", "phone"),
            MatchKey::Sku => lang.pick("货号", "SKU"),
        }
    }

    /// The duplicate check's field of a firm's key (none for a product's SKU).
    pub fn firm_field(self) -> Option<Field> {
        match self {
            MatchKey::Name => Some(Field::Name),
            MatchKey::Email => Some(Field::Email),
            MatchKey::Phone => Some(Field::Phone),
            MatchKey::Website => Some(Field::Website),
            MatchKey::Sku => None,
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

/// A kind's duplicate-check memory within one pass over the file: the planner's (dry run,
/// commit) and the writer's (checking again when someone else wrote meanwhile).
pub trait Memory: Send {
    /// A new read snapshot or write transaction begins: forget what it may have changed.
    fn new_snapshot(&mut self) {}
    /// A record this import created (an earlier row): the kind compares rows with earlier rows
    /// itself, so the book's copy of it is not a duplicate.
    fn own(&mut self, _id: u64) {}
}

/// What undoes one written row (kept as JSON beside the import until it is reverted).
pub trait Undo: Serialize + DeserializeOwned + Send {
    /// The record the row created or updated.
    fn record(&self) -> u64;
    /// Whether the row created it.
    fn created(&self) -> bool;
}

/// A kind that can be imported. The pipeline calls, per row and in file order, the same way in
/// the dry run and in the commit: [`cell`](Self::cell) for each mapped cell, then
/// [`finish`](Self::finish); for upserts and updates [`matching`](Self::matching) and
/// [`may_update`](Self::may_update); then [`duplicates`](Self::duplicates). The commit writes
/// the rows planned to be written with [`write`](Self::write), a batch per transaction;
/// a revert calls [`revert`](Self::revert) with what `write` returned.
pub trait ImportTarget: Sized + Send + Sync + 'static {
    /// The `kind` an upload names (`customers`).
    const KIND: &'static str;
    const NOUN: Noun;
    /// Importing needs `MODULE` × `import`; its scope bounds whose records rows may touch.
    const MODULE: Module;
    const COLUMNS: &'static [Column];
    /// Whether `custom:<name>` columns fill custom fields ([`custom`](Self::custom)).
    const CUSTOM_FIELDS: bool = false;
    /// What upserts and updates can match rows on (none: rows only create).
    const MATCH_KEYS: &'static [MatchKey] = &[];
    /// Whether records have an owner: the [`OWNER`] column names one (within the caller's
    /// scope), other rows get the import's default (a user, a team in turn, the pool).
    const OWNED: bool = false;

    /// What a pass reads once (rules, settings).
    type Context: Send + Sync + 'static;
    /// A row's values, parsed and checked.
    type Draft: Default + Send + 'static;
    type Memory: Memory + 'static;
    /// What the rows written in one transaction share (read once per batch).
    type Batch;
    type Undo: Undo + 'static;

    fn context(tx: &Tx, p: &Principal) -> AppResult<Self::Context>;
    /// The duplicate-check memory of the planner (`planning`) or of the writer.
    fn memory(planning: bool) -> Self::Memory;

    /// One mapped cell (trimmed, not empty, line breaks joined) into the draft. An error names
    /// what is wrong; the pipeline adds the row, column and field.
    fn cell(
        pass: &Pass<Self>,
        draft: &mut Self::Draft,
        column: &'static str,
        value: &str,
    ) -> AppResult<()>;
    /// A `custom:<key>` cell, checked as text of at most 500 characters.
    fn custom(_draft: &mut Self::Draft, _key: &str, _value: String) {}
    /// Checks across the row's cells once they are read (required columns are checked already;
    /// `row.owner` is set), adding issues to `row.issues`.
    fn finish(pass: &Pass<Self>, row: &mut Prepared<Self>);

    /// Existing records with the row's `key` (a row with the key filled).
    fn matching(
        _tx: &Tx,
        _pass: &Pass<Self>,
        _row: &Prepared<Self>,
        _key: MatchKey,
    ) -> AppResult<Vec<u64>> {
        Ok(Vec::new())
    }
    /// Whether the caller may update record `id` with the row (an owned kind checks the
    /// record's owner against `pass.scope`); if not, issues in `out` say why.
    fn may_update(
        tx: &Tx,
        pass: &Pass<Self>,
        row: &Prepared<Self>,
        key: MatchKey,
        id: u64,
        out: &mut Planned,
    ) -> AppResult<bool>;
    /// A row that will be written (`out.plan`: create or update): its duplicates among the
    /// earlier rows of the file (kept in `memory`) and in the book, as issues and
    /// [`Duplicate`](super::plan::Duplicate)s; a blocking one sets `out.plan` to skip. Keeps the
    /// row in `memory` for the rows after it unless skipped.
    fn duplicates(
        tx: &Tx,
        pass: &Pass<Self>,
        memory: &mut Self::Memory,
        row: &Prepared<Self>,
        out: &mut Planned,
    ) -> AppResult<()>;
    /// A row written before the commit was interrupted: kept in `memory` as an earlier row.
    fn resumed(_memory: &mut Self::Memory, _row: &Prepared<Self>) {}
    /// A planned create, checked again in its write transaction because someone else wrote
    /// since it was planned (a refusal sets `out.plan` to skip).
    fn recheck(
        _tx: &Tx,
        _pass: &Pass<Self>,
        _memory: &mut Self::Memory,
        _row: &Prepared<Self>,
        _out: &mut Planned,
    ) -> AppResult<()> {
        Ok(())
    }

    fn batch(tx: &Tx) -> AppResult<Self::Batch>;
    /// Writes a row planned as `plan` (create or update) in the batch's transaction.
    fn write(
        tx: &mut Tx,
        actor: &Actor,
        batch: &mut Self::Batch,
        row: Prepared<Self>,
        plan: Plan,
    ) -> AppResult<Self::Undo>;
    /// Undoes a written row; false when the record changed since (it is left alone).
    fn revert(tx: &mut Tx, actor: &Actor, undo: &Self::Undo) -> AppResult<bool>;
}

/// An importable kind as the pipeline's kind-independent parts see it: its declaration and
/// its passes, instantiated for it.
pub struct Target {
    pub kind: &'static str,
    pub noun: Noun,
    pub module: Module,
    pub columns: &'static [Column],
    pub custom_fields: bool,
    pub match_keys: &'static [MatchKey],
    pub owned: bool,
    pub(super) dry_run: fn(&Kontor, &Tx, &Principal, Scope, &Import, Resolved) -> AppResult<DryRun>,
    pub(super) commit: fn(&Weak<Kontor>, &Principal, Scope, u64) -> AppResult<()>,
    pub(super) revert: fn(&Weak<Kontor>, &Principal, u64, u64) -> AppResult<()>,
}

impl Target {
    pub const fn of<T: ImportTarget>() -> Target {
        Target {
            kind: T::KIND,
            noun: T::NOUN,
            module: T::MODULE,
            columns: T::COLUMNS,
            custom_fields: T::CUSTOM_FIELDS,
            match_keys: T::MATCH_KEYS,
            owned: T::OWNED,
            dry_run: super::dry_run::run::<T>,
            commit: super::commit::run::<T>,
            revert: super::revert::run::<T>,
        }
    }

    pub fn column(&self, key: &str) -> Option<&'static Column> {
        self.columns.iter().find(|c| c.key == key)
    }
}

/// Every importable kind. A new kind adds one line.
pub static TARGETS: &[Target] = &[
    Target::of::<CustomerImport>(),
    Target::of::<ProductImport>(),
];

/// The kind an upload or a saved mapping names.
pub fn target(kind: &str) -> Option<&'static Target> {
    TARGETS.iter().find(|t| t.kind == kind)
}
