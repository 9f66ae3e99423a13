//! A customer row's duplicates: the customer an upsert or update matches (by the exact key of
//! the duplicate index) and whether the caller may change it; for a new customer, the duplicate
//! check of the customer form (`dedup::check`: legal forms, pinyin, E.164 phones, registrable
//! domains, fuzzy names, contacts, leads, the pool, the recycle bin) under the admin's rules,
//! and the file's earlier rows judged by the same evidence ([`InFile`]).
//!
//! What the form would refuse (a rule says `block`, another rep owns the firm, it sits in the
//! pool) is an error of the row, `warn` is a warning and a listed duplicate, `ignore` says
//! nothing. The book is checked without this import's own earlier rows, which [`InFile`] weighs
//! instead, the same way in the dry run and in the commit.

use crate::auth::{Action, Module};
use crate::domain::crm::model::Customer;
use crate::domain::dedup::check::{self, CheckMemo, RuleAction};
use crate::domain::dedup::evidence::Level;
use crate::domain::import::dup::InFile;
use crate::domain::import::plan::{Duplicate, Plan, Planned};
use crate::domain::import::row::{Pass, Prepared};
use crate::domain::import::target::{MatchKey, Memory};
use crate::domain::kit::names;
use crate::error::{AppResult, ErrorCode, Msg};
use crate::i18n::Lang;
use crate::store::Tx;

use super::CustomerImport;

type Row = Prepared<CustomerImport>;
type CustomerPass = Pass<CustomerImport>;

/// Possible duplicates in the book listed per row.
const MAX_DB_DUPLICATES: usize = 3;

/// The customer check's memory within a pass: the file's earlier rows and the check's cache.
pub struct Customers {
    pub in_file: InFile,
    pub memo: CheckMemo,
}

impl Memory for Customers {
    fn new_snapshot(&mut self) {
        self.memo.new_transaction();
    }
    fn own(&mut self, id: u64) {
        self.memo.own.insert(id);
    }
}

pub(super) fn key_value(p: &Row, key: MatchKey) -> Option<String> {
    let f = &p.draft.f;
    match key {
        MatchKey::Name => f.name.clone(),
        MatchKey::Email => f.email.clone(),
        MatchKey::Website => f.website.clone(),
        MatchKey::Phone => f.phone.clone(),
        MatchKey::Sku => None,
    }
}

fn owner_name(tx: &Tx, owner: Option<u64>) -> AppResult<Option<String>> {
    Ok(match owner {
        Some(o) => names(tx, [o])?.remove(&o),
        None => None,
    })
}

/// The customer a row would update, as a duplicate of the row.
fn matched_dup(
    tx: &Tx,
    pass: &CustomerPass,
    p: &Row,
    key: MatchKey,
    c: &Customer,
    id: u64,
) -> AppResult<Duplicate> {
    let visible = crate::domain::kit::guard::may::<Customer>(tx, &pass.principal, c, Action::Read)?;
    Ok(Duplicate {
        row: p.row,
        key,
        value: key_value(p, key).unwrap_or_default(),
        of_row: None,
        record_id: visible.then_some(id),
        customer_id: visible.then_some(id),
        lead_id: None,
        customer_name: visible.then(|| c.name.clone()),
        owner: owner_name(tx, c.owner_id)?,
        reasons: Vec::new(),
        blocking: true,
    })
}

/// A candidate of the duplicate check, as a duplicate of the row (it tells only what the check
/// lets the caller see).
fn candidate_dup(p: &Row, c: &check::Candidate, blocking: bool) -> Duplicate {
    let key = MatchKey::from(c.field);
    let seen = |kind: &str| c.id.filter(|_| c.kind == kind);
    Duplicate {
        row: p.row,
        key,
        value: key_value(p, key).unwrap_or_default(),
        of_row: None,
        record_id: seen("customer"),
        customer_id: seen("customer"),
        lead_id: seen("lead"),
        customer_name: c.title.clone(),
        owner: c.owner.as_ref().map(|o| o.name.clone()),
        reasons: c.reasons.clone(),
        blocking,
    }
}

/// The warning for a possible duplicate in the book, naming it only as far as the caller may
/// see it.
fn possible_duplicate(c: &check::Candidate) -> Msg {
    let (zh_reason, en_reason) = (c.reason_in(Lang::Zh), c.reason_in(Lang::En));
    let no = c.id.unwrap_or_default();
    let lead = c.kind == "lead";
    let (zh_kind, en_kind) = if lead {
        ("线索", "lead")
    } else {
        ("客户", "customer")
    };
    match (&c.title, &c.owner) {
        (Some(title), _) => Msg::new(
            format!("可能与已有{zh_kind}“{title}”（编号 {no}）重复：{zh_reason}"),
            format!("May duplicate the existing {en_kind} “{title}” (no. {no}): {en_reason}"),
        ),
        (None, Some(owner)) => Msg::new(
            format!("可能与 {} 负责的一个{zh_kind}重复：{zh_reason}", owner.name),
            format!(
                "May duplicate a {en_kind} owned by {}: {en_reason}",
                owner.name
            ),
        ),
        (None, None) => Msg::new(
            format!("可能与公海中的一个{zh_kind}重复：{zh_reason}"),
            format!("May duplicate a {en_kind} in the pool: {en_reason}"),
        ),
    }
}

/// The customers with the row's key, exact as the duplicate index keeps it.
pub(super) fn matching(tx: &Tx, p: &Row, key: MatchKey) -> AppResult<Vec<u64>> {
    match key.firm_field() {
        Some(field) => check::customers_by_key(tx, field, &p.draft.keys),
        None => Ok(Vec::new()),
    }
}

/// The caller may update a customer within their import scope; changing its owner needs the
/// assign right over both owners.
pub(super) fn may_update(
    tx: &Tx,
    pass: &CustomerPass,
    p: &Row,
    key: MatchKey,
    id: u64,
    out: &mut Planned,
) -> AppResult<bool> {
    let c = tx.get_live::<Customer>(id)?;
    let principal = &pass.principal;
    if !principal.reaches(pass.scope, c.data.owner_id) {
        out.dups.push(matched_dup(tx, pass, p, key, &c.data, id)?);
        let who = owner_name(tx, c.data.owner_id)?.unwrap_or_default();
        out.issues.push(p.error(
            pass,
            key.field(),
            "owned_by_other",
            match c.data.owner_id {
                Some(_) => Msg::new(
                    format!("该客户已由其他业务员（{who}）跟进，您不能更新。"),
                    format!(
                        "This customer is owned by another rep ({who}); you may not update it."
                    ),
                ),
                None => Msg::new(
                    "该客户在公海中，不能通过导入更新，请先领取。",
                    "This customer is in the public pool; claim it before updating it by import.",
                ),
            },
        ));
        return Ok(false);
    }
    if let Some(new_owner) = p.named_owner.filter(|o| c.data.owner_id != Some(*o)) {
        let assign = principal.scope(Module::Crm, Action::Assign);
        if !(principal.reaches(assign, c.data.owner_id)
            && principal.reaches(assign, Some(new_owner)))
        {
            out.issues.push(p.error(
                pass,
                "owner",
                "scope",
                Msg::new(
                    "更换负责人需要分配权限。",
                    "Changing the owner needs the assign permission.",
                ),
            ));
            return Ok(false);
        }
    }
    Ok(true)
}

/// The book's refusal of a new customer as the row's error (`exists`, `owned_by_other`).
fn refused(pass: &CustomerPass, p: &Row, result: &check::CheckResult, out: &mut Planned) -> bool {
    let Some(refused) = check::refusal(result) else {
        return false;
    };
    let c = refused.candidate;
    let k = MatchKey::from(c.field);
    out.dups.push(candidate_dup(p, c, true));
    let code = match refused.code {
        ErrorCode::OwnedByOther => "owned_by_other",
        _ => "exists",
    };
    out.issues.push(p.error(pass, k.field(), code, refused.msg));
    out.plan = Plan::Skip;
    true
}

/// A row to be written: the book's duplicates (new customers only) and the file's earlier rows.
pub(super) fn duplicates(
    tx: &Tx,
    pass: &CustomerPass,
    mem: &mut Customers,
    p: &Row,
    out: &mut Planned,
) -> AppResult<()> {
    let keys = &p.draft.keys;
    let row = p.row;
    // The duplicate check of the customer form under the same rules, for the owner the row
    // would have, without this import's own earlier rows (weighed below, the same way in the
    // dry run and the commit). It also counts how many records carry the row's name words.
    let mut counts = check::Counts::of_file(
        keys.name_terms()
            .into_iter()
            .filter_map(|t| mem.in_file.counts.get(&t).map(|n| (t, *n)))
            .collect(),
        mem.in_file.len(),
    );
    let mut db_result = None;
    if out.plan == Plan::Create {
        let (result, used) = check::candidates_counted(
            tx,
            &pass.principal,
            keys,
            &pass.target.rules,
            &mut mem.memo,
            counts,
        )?;
        counts = used;
        db_result = Some(result);
    }
    // Earlier rows of the file that may be the same firm.
    for hit in mem
        .in_file
        .check(keys, &counts, &pass.target.rules)
        .into_iter()
        .take(3)
    {
        let k = hit.key;
        let same = hit.judgement.level == Level::Same;
        let other_owner = same && hit.owner != keys.owner;
        let blocking = out.plan == Plan::Create && (hit.action == RuleAction::Block || other_owner);
        let why: Vec<(String, String)> = hit
            .judgement
            .evidence
            .iter()
            .map(|(_, e)| {
                (
                    check::evidence_text(e, Lang::Zh),
                    check::evidence_text(e, Lang::En),
                )
            })
            .collect();
        let (zh, en) = (
            why.iter()
                .map(|w| w.0.clone())
                .collect::<Vec<_>>()
                .join("；"),
            why.iter()
                .map(|w| w.1.clone())
                .collect::<Vec<_>>()
                .join("; "),
        );
        out.dups.push(Duplicate {
            row,
            key: k,
            value: key_value(p, k).unwrap_or_default(),
            of_row: Some(hit.row),
            record_id: None,
            customer_id: None,
            lead_id: None,
            customer_name: None,
            owner: owner_name(tx, hit.owner)?,
            reasons: why
                .iter()
                .map(|w| pass.principal.lang.pick(&w.0, &w.1).to_string())
                .collect(),
            blocking,
        });
        let first = hit.row;
        let msg = if other_owner {
            let (who_zh, who_en) = match owner_name(tx, hit.owner)? {
                Some(n) => (n.clone(), n),
                None => ("公海".to_string(), "the public pool".to_string()),
            };
            Msg::new(
                format!("与第 {first} 行是同一家公司，但那一行属于另一位负责人（{who_zh}）：{zh}"),
                format!(
                    "The same firm as row {first}, which is for another owner ({who_en}): {en}"
                ),
            )
        } else if same {
            Msg::new(
                format!("与第 {first} 行是同一家公司：{zh}"),
                format!("The same firm as row {first}: {en}"),
            )
        } else {
            Msg::new(
                format!("可能与第 {first} 行是同一家公司：{zh}"),
                format!("May be the same firm as row {first}: {en}"),
            )
        };
        let issue = p.error(pass, k.field(), "duplicate_in_file", msg);
        if blocking {
            out.issues.push(issue);
            out.plan = Plan::Skip;
            break;
        } else {
            out.issues.push(issue.warning());
        }
    }
    if out.plan == Plan::Create
        && let Some(result) = db_result
        && !refused(pass, p, &result, out)
    {
        for c in result.candidates.iter().take(MAX_DB_DUPLICATES) {
            let k = MatchKey::from(c.field);
            out.dups.push(candidate_dup(p, c, false));
            out.issues.push(
                p.error(pass, k.field(), "possible_duplicate", possible_duplicate(c))
                    .warning(),
            );
        }
    }
    if out.plan != Plan::Skip {
        mem.in_file.add(row, keys, keys.owner);
    }
    Ok(())
}

/// Checks a planned new customer again in the writing transaction (someone else wrote since
/// it was planned): a refusal now skips the row.
pub(super) fn recheck(
    tx: &Tx,
    pass: &CustomerPass,
    mem: &mut Customers,
    p: &Row,
    out: &mut Planned,
) -> AppResult<()> {
    let result = check::candidates_for(
        tx,
        &pass.principal,
        &p.draft.keys,
        &pass.target.rules,
        &mut mem.memo,
    )?;
    refused(pass, p, &result, out);
    Ok(())
}
