//! What happens to a row: create, update (which record) or skip, with its issues and
//! duplicates. Planned in file order against one snapshot of the store and the file's earlier
//! rows — by the dry run and by the commit alike, which is why the dry run foretells the commit.
//!
//! The matching of upserts and updates is the same for every kind: a row needs its key, the key
//! must name one record, which the caller may change, and no earlier row may have updated it.
//! Duplicates of the rows to be written are the kind's ([`ImportTarget::duplicates`]).

use std::collections::HashMap;

use serde::Serialize;

use crate::error::{AppResult, Msg};
use crate::i18n::Lang;
use crate::store::Tx;

use super::record::Mode;
use super::report::Issue;
use super::row::{Pass, Prepared};
use super::target::{ImportTarget, MatchKey};

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Plan {
    Create,
    Update(u64),
    Skip,
}

/// A duplicate found for a row.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Duplicate {
    pub row: u64,
    /// The key they share (for the database: the field of the strongest reason).
    pub key: MatchKey,
    /// The row's value of that key.
    pub value: String,
    /// An earlier row of the file with the same key.
    pub of_row: Option<u64>,
    /// An existing record of the kind imported (a customer, a product): its id when the caller
    /// may see it.
    pub record_id: Option<u64>,
    /// An existing customer: its id when the caller may see it.
    pub customer_id: Option<u64>,
    /// An existing lead: its id when the caller may see it.
    pub lead_id: Option<u64>,
    /// The existing record's name, when the caller may see it.
    pub customer_name: Option<String>,
    /// Its owner's name (also told to a rep who may not see the record).
    pub owner: Option<String>,
    /// Why it may be the same firm, in the caller's language.
    pub reasons: Vec<String>,
    /// Whether the row is skipped because of it (else it is a warning).
    pub blocking: bool,
}

/// A row's plan with everything said about it.
pub struct Planned {
    pub plan: Plan,
    pub issues: Vec<Issue>,
    pub dups: Vec<Duplicate>,
}

/// State carried from row to row of a pass.
pub struct PassState<T: ImportTarget> {
    /// The kind's duplicate-check memory (the file's earlier rows among it).
    pub memory: T::Memory,
    /// Records updated by earlier rows, with the row.
    pub updated: HashMap<u64, u64>,
}

impl<T: ImportTarget> Default for PassState<T> {
    /// The planner's state at the first row.
    fn default() -> PassState<T> {
        PassState {
            memory: T::memory(true),
            updated: HashMap::new(),
        }
    }
}

/// Plans one row (rows in file order, each once per pass).
pub fn plan<T: ImportTarget>(
    tx: &Tx,
    pass: &Pass<T>,
    st: &mut PassState<T>,
    p: &Prepared<T>,
) -> AppResult<Planned> {
    let mut out = Planned {
        plan: Plan::Skip,
        issues: p.issues.clone(),
        dups: Vec::new(),
    };
    if p.has_errors() {
        return Ok(out);
    }
    out.plan = Plan::Create;
    let (mode, key) = (pass.options.mode, pass.options.key);
    let err = |code: &str, msg: Msg| p.error(pass, key.field(), code, msg);
    let (zh, en) = (key.label(Lang::Zh), key.label(Lang::En));
    let noun = T::NOUN;
    // 1. Upserts and updates: the one existing record with the row's key.
    if mode != Mode::Create {
        let matched = if p.has(key.field()) {
            T::matching(tx, pass, p, key)?
        } else {
            if mode == Mode::Update {
                out.issues.push(err(
                    "required",
                    Msg::new(
                        format!("按{zh}匹配，但这一行没有填写。"),
                        format!("Rows are matched by {en}, but this row has none."),
                    ),
                ));
                out.plan = Plan::Skip;
            }
            Vec::new()
        };
        if matched.len() > 1 {
            let n = matched.len();
            out.issues.push(err(
                "ambiguous",
                Msg::new(
                    format!("有 {n} 个{}的{zh}相同，无法确定更新哪一个。", noun.zh),
                    format!(
                        "{n} {} share this {en}; cannot tell which to update.",
                        noun.en_plural
                    ),
                ),
            ));
            out.plan = Plan::Skip;
        } else if let Some(&id) = matched.first() {
            out.plan = match T::may_update(tx, pass, p, key, id, &mut out)? {
                true => Plan::Update(id),
                false => Plan::Skip,
            };
        } else if mode == Mode::Update && out.plan != Plan::Skip {
            out.issues.push(err(
                "not_found",
                Msg::new(
                    format!("没有{zh}相同的{}可更新。", noun.zh),
                    format!("No {} has this {en} to update.", noun.en),
                ),
            ));
            out.plan = Plan::Skip;
        }
    }
    // 2. Two rows for one record are errors on the match key.
    if let Plan::Update(id) = out.plan {
        if let Some(&first) = st.updated.get(&id) {
            out.issues.push(err(
                "duplicate_in_file",
                Msg::new(
                    format!("与第 {first} 行的{zh}相同。"),
                    format!("Same {en} as row {first}."),
                ),
            ));
            out.plan = Plan::Skip;
        } else {
            st.updated.insert(id, p.row);
        }
    }
    // 3. The kind's duplicates, in the file and in the book.
    if out.plan != Plan::Skip {
        T::duplicates(tx, pass, &mut st.memory, p, &mut out)?;
    }
    Ok(out)
}
