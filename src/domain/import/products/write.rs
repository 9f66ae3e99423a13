//! Writing a product row in the batch's transaction, and undoing it. A new product is what the
//! product form would make of the row (`products::new_product`); an update applies the row on
//! top of the product as it is (`products::apply`). The undo entry keeps the product as it was
//! and the version the import left, so a revert leaves alone a product changed since.

use serde::{Deserialize, Serialize};

use crate::domain::import::plan::Plan;
use crate::domain::import::row::Prepared;
use crate::domain::import::target::Undo;
use crate::domain::sales::products::{self, Product};
use crate::error::{AppError, AppResult};
use crate::store::{Actor, Tx};

use super::ProductImport;

/// What undoes one written row (stored as JSON beside the import).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ProductUndo {
    product_id: u64,
    created: bool,
    /// Updates: the product as it was.
    before: Option<Product>,
    version_after: u64,
}

impl Undo for ProductUndo {
    fn record(&self) -> u64 {
        self.product_id
    }
    fn created(&self) -> bool {
        self.created
    }
}

pub(super) fn write(
    tx: &mut Tx,
    actor: &Actor,
    row: &Prepared<ProductImport>,
    plan: Plan,
) -> AppResult<ProductUndo> {
    match plan {
        Plan::Create => {
            let product = products::new_product(&row.draft.input(None))?;
            let r = tx.insert(actor, product)?;
            Ok(ProductUndo {
                product_id: r.id,
                created: true,
                before: None,
                version_after: r.meta.version,
            })
        }
        Plan::Update(id) => {
            let before = tx.get_live::<Product>(id)?;
            let input = row.draft.input(Some(&before.data));
            let r =
                tx.update::<Product, AppError>(actor, id, None, |p| products::apply(p, &input))?;
            Ok(ProductUndo {
                product_id: id,
                created: false,
                before: Some(before.data),
                version_after: r.meta.version,
            })
        }
        Plan::Skip => Err(AppError::internal("a skipped import row was written")),
    }
}

/// Undoes one row; false when the product changed since the import (left alone).
pub(super) fn revert(tx: &mut Tx, actor: &Actor, u: &ProductUndo) -> AppResult<bool> {
    let Some(current) = tx.get::<Product>(u.product_id)? else {
        return Ok(true);
    };
    if current.meta.is_deleted() {
        return Ok(true);
    }
    if current.meta.version != u.version_after {
        return Ok(false);
    }
    match &u.before {
        None => {
            tx.delete::<Product>(actor, u.product_id, None)?;
        }
        Some(before) => {
            let before = before.clone();
            tx.update::<Product, AppError>(actor, u.product_id, None, |p| {
                *p = before;
                Ok(())
            })?;
        }
    }
    Ok(true)
}
