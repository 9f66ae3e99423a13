//! Products as an import target (`kind=products`): the catalogue from a supplier's or the
//! firm's own spreadsheet. Columns in [`columns`], a row's cells in [`parse`], writing and
//! undoing in [`write`].
//!
//! The key is the SKU, compared without case as the product's unique `sku` index compares it.
//! `create` (the default) adds new products and skips a row whose SKU exists (an error naming
//! the product: choose `upsert` to update it); `upsert` updates the product with the row's SKU
//! or adds one; `update` only updates. A row repeating an earlier row's SKU is an error naming
//! that row. Rows are checked by the product form's own rules (`products::new_product` for a
//! new product, `products::apply` on top of the product an update changes) once the plan is
//! known, so a price-only file can update products without repeating their names.
//!
//! Importing needs the products module's `import` right (admins and managers by their presets;
//! buyers, who create and edit products, do not import by default: an import's revert moves
//! the products it made to the recycle bin, which their role may not, and a file changes the
//! whole catalogue at once — an admin grants `import` on the roles screen where a firm wants
//! its buyers to load supplier lists). A role that hides costs or supplier prices neither sees
//! nor fills those columns.

pub mod columns;
pub mod parse;
mod write;

use std::collections::HashMap;

use crate::auth::{Action, Module, Principal};
use crate::domain::kit::guard;
use crate::domain::money::Currency;
use crate::domain::sales::products::{self, Product, sku_key};
use crate::error::{AppError, AppResult, Msg};
use crate::store::{Actor, IndexKey, Tx};

use super::plan::{Duplicate, Plan, Planned};
use super::report::Issue;
use super::row::{Pass, Prepared};
use super::target::{Column, ImportTarget, MatchKey, Memory, Noun};

pub use parse::ProductRow;
pub use write::ProductUndo;

/// The product import (`kind=products`).
pub struct ProductImport;

/// What a pass over a product file reads once.
pub struct Context {
    /// The currency of costs and supplier prices that name none: the company's base currency.
    pub base: Currency,
}

/// The file's earlier rows: SKU (as the index compares it) → row.
#[derive(Default)]
pub struct Products {
    seen: HashMap<String, u64>,
}

impl Memory for Products {}

type Row = Prepared<ProductImport>;

impl ImportTarget for ProductImport {
    const KIND: &'static str = "products";
    const NOUN: Noun = Noun {
        zh: "产品",
        en: "product",
        en_plural: "products",
    };
    const MODULE: Module = Module::Products;
    const COLUMNS: &'static [Column] = columns::COLUMNS;
    const MATCH_KEYS: &'static [MatchKey] = &[MatchKey::Sku];

    type Context = Context;
    type Draft = ProductRow;
    type Memory = Products;
    type Batch = ();
    type Undo = ProductUndo;

    fn context(tx: &Tx, _p: &Principal) -> AppResult<Context> {
        Ok(Context {
            base: crate::domain::sales::rates::base_currency(tx)?,
        })
    }

    fn memory(_planning: bool) -> Products {
        Products::default()
    }

    fn cell(pass: &Pass<Self>, d: &mut ProductRow, column: &'static str, v: &str) -> AppResult<()> {
        parse::cell(d, column, v, pass.target.base)
    }

    fn finish(pass: &Pass<Self>, row: &mut Row) {
        if let Some((column, msg)) = parse::supplier_problem(&row.draft) {
            let issue = row.error(pass, column, "invalid", msg);
            row.issues.push(issue);
        }
    }

    fn matching(tx: &Tx, _: &Pass<Self>, row: &Row, _key: MatchKey) -> AppResult<Vec<u64>> {
        Ok(existing(tx, row)?.into_iter().collect())
    }

    /// Any product may be updated with the import right (products have no owner); the row
    /// is checked against the product it changes in [`duplicates`](Self::duplicates), after
    /// the file's earlier rows.
    fn may_update(
        _tx: &Tx,
        _pass: &Pass<Self>,
        _row: &Row,
        _key: MatchKey,
        _id: u64,
        _out: &mut Planned,
    ) -> AppResult<bool> {
        Ok(true)
    }

    /// A SKU an earlier row has (whatever the plan, so the dry run and the commit, which may
    /// find an earlier row's new product, say the same); then the product form's checks: of a
    /// new product, whose SKU must be free, or of the change on top of the product as it is.
    fn duplicates(
        tx: &Tx,
        pass: &Pass<Self>,
        memory: &mut Products,
        row: &Row,
        out: &mut Planned,
    ) -> AppResult<()> {
        let sku = row.draft.sku.clone().unwrap_or_default();
        if let Some(&first) = memory.seen.get(&sku_key(&sku)) {
            out.dups.push(duplicate(row, Some(first), None, true));
            out.issues.push(row.error(
                pass,
                "sku",
                "duplicate_in_file",
                Msg::new(
                    format!("货号“{sku}”与第 {first} 行重复。"),
                    format!("SKU “{sku}” repeats row {first}."),
                ),
            ));
            out.plan = Plan::Skip;
            return Ok(());
        }
        let checked = match out.plan {
            Plan::Create => {
                if exists(tx, pass, row, out)? {
                    return Ok(());
                }
                let input = row.draft.input(None);
                products::new_product(&input)
                    .map(drop)
                    .map_err(|e| (input, e))
            }
            Plan::Update(id) => {
                let mut product = tx.get_live::<Product>(id)?.data;
                let input = row.draft.input(Some(&product));
                products::apply(&mut product, &input).map_err(|e| (input, e))
            }
            Plan::Skip => return Ok(()),
        };
        if let Err((input, e)) = checked {
            out.issues.push(form_error(pass, row, &input, e));
            out.plan = Plan::Skip;
            return Ok(());
        }
        memory.seen.insert(sku_key(&sku), row.row);
        Ok(())
    }

    fn resumed(memory: &mut Products, row: &Row) {
        if let Some(sku) = &row.draft.sku {
            memory.seen.insert(sku_key(sku), row.row);
        }
    }

    /// Someone else wrote since the row was planned: a product with its SKU may exist now.
    fn recheck(
        tx: &Tx,
        pass: &Pass<Self>,
        _memory: &mut Products,
        row: &Row,
        out: &mut Planned,
    ) -> AppResult<()> {
        exists(tx, pass, row, out)?;
        Ok(())
    }

    fn batch(_tx: &Tx) -> AppResult<()> {
        Ok(())
    }

    fn write(
        tx: &mut Tx,
        actor: &Actor,
        _batch: &mut (),
        row: Row,
        plan: Plan,
    ) -> AppResult<ProductUndo> {
        write::write(tx, actor, &row, plan)
    }

    fn revert(tx: &mut Tx, actor: &Actor, undo: &ProductUndo) -> AppResult<bool> {
        write::revert(tx, actor, undo)
    }
}

/// The live product with the row's SKU.
fn existing(tx: &Tx, row: &Row) -> AppResult<Option<u64>> {
    let Some(sku) = &row.draft.sku else {
        return Ok(None);
    };
    Ok(tx.find_unique::<Product>("sku", &IndexKey::new().str(&sku_key(sku)))?)
}

fn duplicate(
    row: &Row,
    of_row: Option<u64>,
    product: Option<(u64, String)>,
    blocking: bool,
) -> Duplicate {
    let (record_id, name) = product.unzip();
    Duplicate {
        row: row.row,
        key: MatchKey::Sku,
        value: row.draft.sku.clone().unwrap_or_default(),
        of_row,
        record_id,
        customer_id: None,
        lead_id: None,
        customer_name: name,
        owner: None,
        reasons: Vec::new(),
        blocking,
    }
}

/// A new product's SKU already in the catalogue: the row is skipped (creating does not
/// overwrite; `upsert` updates it).
fn exists(tx: &Tx, pass: &Pass<ProductImport>, row: &Row, out: &mut Planned) -> AppResult<bool> {
    let Some(id) = existing(tx, row)? else {
        return Ok(false);
    };
    let product = tx.get_live::<Product>(id)?;
    let seen = guard::may::<Product>(tx, &pass.principal, &product.data, Action::Read)?;
    let name = product.data.name(pass.principal.lang).to_string();
    out.dups
        .push(duplicate(row, None, seen.then(|| (id, name.clone())), true));
    let sku = &product.data.sku;
    out.issues.push(row.error(
        pass,
        "sku",
        "exists",
        Msg::new(
            format!("货号“{sku}”的产品已存在；要更新已有产品，请选择“更新已有（upsert）”。"),
            format!(
                "A product with SKU “{sku}” exists; choose upsert to update existing products."
            ),
        ),
    ));
    out.plan = Plan::Skip;
    Ok(true)
}

/// The product form's refusal as the row's error, at the import column it concerns.
fn form_error(
    pass: &Pass<ProductImport>,
    row: &Row,
    input: &products::ProductInput,
    e: AppError,
) -> Issue {
    let field = e.field.as_deref().map(|f| parse::import_field(f, input));
    let column = field.as_deref().and_then(|f| pass.column(f));
    Issue::new(row.row, column, field.as_deref(), "invalid", e.msg)
}
