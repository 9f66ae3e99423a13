//! Customers (with their first contact) as an import target: the first kind on the pipeline.
//! Columns in [`columns`], a row's values and the customer form's checks in [`parse`], the
//! duplicate check in [`duplicates`], writing and undoing in [`write`].

pub mod columns;
mod duplicates;
mod parse;
mod write;

use crate::auth::{Module, Principal};
use crate::domain::crm::customers::NewCustomerDefaults;
use crate::domain::dedup::check::{self, CheckMemo, Rules};
use crate::error::{AppError, AppResult};
use crate::store::{Actor, Tx};

use super::dup::InFile;
use super::plan::{Plan, Planned};
use super::row::{Pass, Prepared};
use super::target::{ImportTarget, MatchKey, Noun};

pub use duplicates::Customers;
pub use parse::{CustomerRow, Fields};
pub use write::CustomerUndo;

/// The customer import (`kind=customers`).
pub struct CustomerImport;

/// What a pass over a customer file reads once.
pub struct Context {
    /// The admin's duplicate rules.
    pub rules: Rules,
    /// The company's country, for phone numbers of rows without one.
    pub region: String,
}

impl ImportTarget for CustomerImport {
    const KIND: &'static str = "customers";
    const NOUN: Noun = Noun {
        zh: "客户",
        en: "customer",
        en_plural: "customers",
    };
    const MODULE: Module = Module::Crm;
    const COLUMNS: &'static [super::target::Column] = columns::COLUMNS;
    const CUSTOM_FIELDS: bool = true;
    const MATCH_KEYS: &'static [MatchKey] = &[
        MatchKey::Name,
        MatchKey::Email,
        MatchKey::Website,
        MatchKey::Phone,
    ];
    const OWNED: bool = true;

    type Context = Context;
    type Draft = CustomerRow;
    type Memory = Customers;
    type Batch = NewCustomerDefaults;
    type Undo = CustomerUndo;

    fn context(tx: &Tx, _p: &Principal) -> AppResult<Context> {
        Ok(Context {
            rules: check::rules(tx)?,
            region: crate::domain::company::default_country(tx)?,
        })
    }

    fn memory(planning: bool) -> Customers {
        Customers {
            in_file: InFile::default(),
            // The planner weighs names by the size of the book when the import starts, so the
            // dry run and the commit weigh them alike.
            memo: match planning {
                true => CheckMemo::for_import(),
                false => CheckMemo::default(),
            },
        }
    }

    fn cell(_: &Pass<Self>, d: &mut CustomerRow, column: &'static str, v: &str) -> AppResult<()> {
        parse::cell(&mut d.f, column, v)
    }

    fn custom(d: &mut CustomerRow, key: &str, value: String) {
        d.f.custom.insert(key.to_string(), value);
    }

    fn finish(pass: &Pass<Self>, row: &mut Prepared<Self>) {
        parse::finish(pass, row)
    }

    fn matching(
        tx: &Tx,
        _: &Pass<Self>,
        row: &Prepared<Self>,
        key: MatchKey,
    ) -> AppResult<Vec<u64>> {
        duplicates::matching(tx, row, key)
    }

    fn may_update(
        tx: &Tx,
        pass: &Pass<Self>,
        row: &Prepared<Self>,
        key: MatchKey,
        id: u64,
        out: &mut Planned,
    ) -> AppResult<bool> {
        duplicates::may_update(tx, pass, row, key, id, out)
    }

    fn duplicates(
        tx: &Tx,
        pass: &Pass<Self>,
        memory: &mut Customers,
        row: &Prepared<Self>,
        out: &mut Planned,
    ) -> AppResult<()> {
        duplicates::duplicates(tx, pass, memory, row, out)
    }

    fn resumed(memory: &mut Customers, row: &Prepared<Self>) {
        let keys = &row.draft.keys;
        memory.in_file.add(row.row, keys, keys.owner);
    }

    fn recheck(
        tx: &Tx,
        pass: &Pass<Self>,
        memory: &mut Customers,
        row: &Prepared<Self>,
        out: &mut Planned,
    ) -> AppResult<()> {
        duplicates::recheck(tx, pass, memory, row, out)
    }

    fn batch(tx: &Tx) -> AppResult<NewCustomerDefaults> {
        NewCustomerDefaults::load(tx)
    }

    fn write(
        tx: &mut Tx,
        actor: &Actor,
        defaults: &mut NewCustomerDefaults,
        row: Prepared<Self>,
        plan: Plan,
    ) -> AppResult<CustomerUndo> {
        match plan {
            Plan::Create => write::create(tx, actor, defaults, row.draft.new),
            Plan::Update(id) => write::update(tx, actor, id, &row),
            Plan::Skip => Err(AppError::internal("a skipped import row was written")),
        }
    }

    fn revert(tx: &mut Tx, actor: &Actor, undo: &CustomerUndo) -> AppResult<bool> {
        write::revert(tx, actor, undo)
    }
}
