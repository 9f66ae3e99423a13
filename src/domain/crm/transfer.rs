//! Transfer requests (转移申请): a rep asks for a customer another rep owns, the owner or a
//! manager whose assign scope reaches the customer accepts or declines, the requester may
//! withdraw. Accepting moves the customer exactly as a manager's transfer does.
//!
//! The requester names the customer by the `transfer_ref` of the duplicate check and may not be
//! able to open it: until the request is accepted they learn no more than the check told them
//! (that it exists and who owns it).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::auth::{Action, Module, Principal, Scope};
use crate::error::{AppError, AppResult, ErrorCode, Msg};
use crate::store::{Entity, IndexDef, IndexKey, Record, Tx};

use super::active_owner;
use super::customers::move_customer;
use super::model::Customer;
use crate::domain::Kontor;
use crate::domain::accounts::Named;
use crate::domain::kit::guard;
use crate::domain::kit::{List, names};
use crate::domain::notify::{Message, NotifyKind, RecordRef, notify};

#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TransferStatus {
    Pending,
    Accepted,
    Declined,
    Withdrawn,
}

impl TransferStatus {
    fn label(self, lang: crate::i18n::Lang) -> &'static str {
        match self {
            TransferStatus::Pending => lang.pick("待处理", "pending"),
            TransferStatus::Accepted => lang.pick("已同意", "accepted"),
            TransferStatus::Declined => lang.pick("已拒绝", "declined"),
            TransferStatus::Withdrawn => lang.pick("已撤回", "withdrawn"),
        }
    }
}

/// A rep's request to take over a customer someone else owns.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct TransferRequest {
    pub customer_id: u64,
    /// The rep who wants the customer.
    pub requester_id: u64,
    /// The customer's owner when the request was made.
    pub owner_id: u64,
    /// What the requester called the firm (their own words, e.g. the name they typed).
    pub label: Option<String>,
    pub note: Option<String>,
    pub status: TransferStatus,
    pub decided_by: Option<u64>,
    pub decided_at: Option<DateTime<Utc>>,
    pub decision_note: Option<String>,
}

impl Entity for TransferRequest {
    const KIND: &'static str = "transfer_request";
    fn indexes() -> Vec<IndexDef<Self>> {
        vec![
            // Pending requests by customer and requester: one pending per pair, and the
            // incoming lists.
            IndexDef::many("pending", |r: &TransferRequest| {
                if r.status == TransferStatus::Pending {
                    vec![IndexKey::new().u64(r.customer_id).u64(r.requester_id)]
                } else {
                    vec![]
                }
            }),
            IndexDef::many("requester", |r: &TransferRequest| {
                vec![IndexKey::new().u64(r.requester_id)]
            }),
            IndexDef::many("customer", |r: &TransferRequest| {
                vec![IndexKey::new().u64(r.customer_id)]
            }),
        ]
    }
    /// Never the customer's name: the requester's own audit entries must not tell it.
    fn title(&self) -> String {
        format!("#{} → {}", self.customer_id, self.requester_id)
    }
    fn owner(&self) -> Option<u64> {
        Some(self.requester_id)
    }
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct TransferRequestView {
    pub id: u64,
    pub version: u64,
    /// The customer's id (the duplicate check's `transfer_ref`).
    pub customer_id: u64,
    /// The customer's name, only for a caller who may open the customer (the requester once
    /// the request is accepted, never before).
    pub customer_name: Option<String>,
    /// What the requester called the firm when asking.
    pub label: Option<String>,
    pub requester: Named,
    /// The owner when the request was made.
    pub owner: Named,
    pub note: Option<String>,
    pub status: TransferStatus,
    pub decided_by: Option<Named>,
    pub decided_at: Option<DateTime<Utc>>,
    pub decision_note: Option<String>,
    pub created_at: DateTime<Utc>,
    /// The caller may accept or decline it.
    pub may_decide: bool,
    /// The caller may withdraw it.
    pub may_withdraw: bool,
}

#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransferRequestInput {
    /// The `transfer_ref` of a duplicate-check candidate: opaque, and good only for the user the
    /// check answered (another's, or a made-up one, is refused with 404 on `transfer_ref`).
    pub transfer_ref: String,
    /// What the requester calls the firm (e.g. the name typed in the form), at most 200 characters.
    pub label: Option<String>,
    /// Why the requester should have it, at most 1000 characters.
    pub note: Option<String>,
}

#[derive(Clone, Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionInput {
    /// The request's version, when the caller holds one (a stale one is refused with 409).
    pub version: Option<u64>,
    /// Why (required when declining), at most 1000 characters.
    pub note: Option<String>,
}

#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// Pending requests the caller may decide (the owner, or a manager).
    #[default]
    Incoming,
    /// The caller's own requests, newest first.
    Outgoing,
}

#[derive(Clone, Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TransferQuery {
    /// `incoming` (default) or `outgoing`.
    pub direction: Option<Direction>,
    /// Only requests in this state (default: `pending` for incoming, any for outgoing).
    pub status: Option<TransferStatus>,
}

const NOTE_MAX: usize = 1000;

/// A note: trimmed, empty is None, line breaks kept, other control characters refused.
fn note(field: &str, value: Option<&str>) -> AppResult<Option<String>> {
    let Some(v) = value
        .map(|v| v.replace("\r\n", "\n"))
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
    else {
        return Ok(None);
    };
    let one_line = v.replace('\n', " ");
    crate::domain::validate::optional_text(field, Some(&one_line), NOTE_MAX)?;
    Ok(Some(v))
}

fn conflict(zh: String, en: String) -> AppError {
    AppError::new(ErrorCode::Conflict).with_msg(Msg::new(zh, en))
}

/// Whether the caller may accept or decline: the customer's owner (unless their roles change no
/// customers: a read-only owner, e.g. an observer, gives nothing away), or a manager whose
/// assign scope reaches the customer.
fn may_decide(tx: &Tx, p: &Principal, c: &Customer) -> AppResult<bool> {
    if c.owner_id == Some(p.user_id) && p.scope(Module::Crm, Action::Update) != Scope::None {
        return Ok(true);
    }
    Ok(c.owner_id.is_some() && guard::may::<Customer>(tx, p, c, Action::Assign)?)
}

/// The live customer of a request, if any.
fn customer_of(tx: &Tx, r: &TransferRequest) -> AppResult<Option<Record<Customer>>> {
    Ok(tx
        .get::<Customer>(r.customer_id)?
        .filter(|c| !c.meta.is_deleted()))
}

/// Whether the caller may see a request: the requester, the owner when asked, or whoever may
/// decide it now.
fn sees(tx: &Tx, p: &Principal, r: &TransferRequest) -> AppResult<bool> {
    if r.requester_id == p.user_id || r.owner_id == p.user_id {
        return Ok(true);
    }
    match customer_of(tx, r)? {
        Some(c) => may_decide(tx, p, &c.data),
        None => Ok(false),
    }
}

fn view(tx: &Tx, p: &Principal, r: Record<TransferRequest>) -> AppResult<TransferRequestView> {
    let d = &r.data;
    let who = names(
        tx,
        [d.requester_id, d.owner_id]
            .into_iter()
            .chain(d.decided_by.iter().copied()),
    )?;
    let named = |id: u64| Named {
        id,
        name: who.get(&id).cloned().unwrap_or_default(),
    };
    let customer = customer_of(tx, d)?;
    let (customer_name, decide) = match &customer {
        Some(c) => (
            guard::may::<Customer>(tx, p, &c.data, Action::Read)?.then(|| c.data.name.clone()),
            d.status == TransferStatus::Pending
                && d.requester_id != p.user_id
                && may_decide(tx, p, &c.data)?,
        ),
        None => (None, false),
    };
    Ok(TransferRequestView {
        id: r.id,
        version: r.meta.version,
        customer_id: d.customer_id,
        customer_name,
        label: d.label.clone(),
        requester: named(d.requester_id),
        owner: named(d.owner_id),
        note: d.note.clone(),
        status: d.status,
        decided_by: d.decided_by.map(named),
        decided_at: d.decided_at,
        decision_note: d.decision_note.clone(),
        created_at: r.meta.created_at,
        may_decide: decide,
        may_withdraw: d.status == TransferStatus::Pending && d.requester_id == p.user_id,
    })
}

const SECRET_KEY: &[u8] = b"transfer_ref_secret";

/// Makes the secret that binds a `transfer_ref` to its user, once (kept in the settings).
pub fn ensure_secret(tx: &mut Tx) -> AppResult<()> {
    if tx.kv_get("settings", SECRET_KEY)?.is_none() {
        let secret: [u8; 32] = rand::random();
        tx.kv_put("settings", SECRET_KEY, &secret)?;
    }
    Ok(())
}

fn mac(secret: &[u8], user: u64, customer: u64) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    h.update(secret);
    h.update(user.to_be_bytes());
    h.update(customer.to_be_bytes());
    hex::encode(h.finalize())[..16].to_string()
}

fn secret(tx: &Tx) -> AppResult<Vec<u8>> {
    tx.kv_get("settings", SECRET_KEY)?
        .ok_or_else(|| AppError::internal("the transfer_ref secret is missing"))
}

/// The duplicate check's `transfer_ref` of `customer` for `user`: `"<id>.<mac>"`, where the mac
/// (16 hex digits of SHA-256 over the store's secret, the user's and the customer's id) makes it
/// good for this user only: nobody learns of a customer by trying ids.
pub fn transfer_ref(tx: &Tx, user: u64, customer: u64) -> AppResult<String> {
    Ok(format!("{customer}.{}", mac(&secret(tx)?, user, customer)))
}

/// The customer a `transfer_ref` names, if it was made for `user` (None: 404); one that is no
/// reference at all (not `"<id>.<mac>"`) is refused as invalid.
fn resolve_ref(tx: &Tx, user: u64, r: &str) -> AppResult<Option<u64>> {
    let parsed = r
        .split_once('.')
        .and_then(|(id, mac)| Some((id.parse::<u64>().ok()?, mac)))
        .filter(|(_, mac)| mac.len() == 16);
    let Some((id, given)) = parsed else {
        return Err(AppError::invalid(
            "transfer_ref",
            Msg::new(
                "“transfer_ref”应为查重结果给出的转移引用。",
                "“transfer_ref” must be the reference the duplicate check gave.",
            ),
        ));
    };
    let want = mac(&secret(tx)?, user, id);
    let same = want.len() == given.len()
        && want
            .bytes()
            .zip(given.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0;
    Ok(same.then_some(id))
}

/// Asks for a customer someone else owns.
pub fn create(
    k: &Kontor,
    p: &Principal,
    input: TransferRequestInput,
) -> AppResult<TransferRequestView> {
    p.require(Module::Crm, Action::Create)?;
    let label = crate::domain::validate::optional_text("label", input.label.as_deref(), 200)?;
    let note = note("note", input.note.as_deref())?;
    let (actor, principal) = (p.actor(), p.clone());
    k.store.write(move |tx| {
        // Only what the duplicate check told this caller: it exists (live) and who owns it.
        let found = resolve_ref(tx, principal.user_id, &input.transfer_ref)?
            .and_then(|id| tx.get::<Customer>(id).transpose())
            .transpose()?
            .filter(|c| !c.meta.is_deleted());
        let Some(c) = found else {
            return Err(AppError::not_found().on_field("transfer_ref"));
        };
        let id = c.id;
        let owner = match c.data.owner_id {
            Some(o) if o == principal.user_id => {
                return Err(conflict(
                    "该客户已在您名下。".into(),
                    "You already own this customer.".into(),
                )
                .on_field("transfer_ref"));
            }
            Some(o) => o,
            None => {
                return Err(conflict(
                    "该客户在公海中，请直接领取。".into(),
                    "This customer is in the public pool; claim it instead.".into(),
                )
                .on_field("transfer_ref"));
            }
        };
        let pending = IndexKey::new().u64(id).u64(principal.user_id);
        if !tx
            .ids_by_index::<TransferRequest>("pending", &pending, false)?
            .is_empty()
        {
            let who = names(tx, [owner])?.remove(&owner).unwrap_or_default();
            return Err(AppError::new(ErrorCode::Duplicate)
                .on_field("transfer_ref")
                .with_msg(Msg::new(
                    format!("您已申请转移该客户，正在等待 {who} 处理。"),
                    format!(
                        "You have already asked for this customer; {who} has not answered yet."
                    ),
                )));
        }
        let r = tx.insert(
            &actor,
            TransferRequest {
                customer_id: id,
                requester_id: principal.user_id,
                owner_id: owner,
                label,
                note,
                status: TransferStatus::Pending,
                decided_by: None,
                decided_at: None,
                decision_note: None,
            },
        )?;
        tell_deciders(tx, &r, &c.data)?;
        view(tx, &principal, r)
    })
}

/// Tells the owner, and the managers who may decide, of a new request. The customer is named
/// at read time only to those who may read it then.
fn tell_deciders(tx: &mut Tx, r: &Record<TransferRequest>, c: &Customer) -> AppResult<()> {
    let d = &r.data;
    let about = Some(RecordRef::of::<TransferRequest>(r.id));
    notify(
        tx,
        d.owner_id,
        NotifyKind::TransferRequested,
        about.clone(),
        Message::new("transfer.requested")
            .user("requester", d.requester_id)
            .record::<Customer>("customer", d.customer_id, None),
    )?;
    let mut managers = Vec::new();
    tx.for_each::<crate::auth::User>(false, &mut |u| {
        if u.data.active && u.id != d.requester_id && u.id != d.owner_id {
            managers.push(u);
        }
        Ok(true)
    })?;
    for u in managers {
        let p = crate::domain::accounts::principal_for(tx, &u, None)?;
        if may_decide(tx, &p, c)? {
            notify(
                tx,
                u.id,
                NotifyKind::TransferRequested,
                about.clone(),
                Message::new("transfer.requested_other")
                    .user("requester", d.requester_id)
                    .user("owner", d.owner_id)
                    .record::<Customer>("customer", d.customer_id, None),
            )?;
        }
    }
    Ok(())
}

/// Requests the caller sees: pending ones to decide (or, by status, those they were asked or
/// decided), or their own, newest first.
pub fn list(k: &Kontor, p: &Principal, q: TransferQuery) -> AppResult<List<TransferRequestView>> {
    const MAX: usize = 200;
    p.require(Module::Crm, Action::Read)?;
    let direction = q.direction.unwrap_or_default();
    k.store.read(|tx| {
        let mut records: Vec<Record<TransferRequest>> = Vec::new();
        match (direction, q.status.unwrap_or(TransferStatus::Pending)) {
            (Direction::Incoming, TransferStatus::Pending) => {
                for id in tx.ids_by_index::<TransferRequest>("pending", &IndexKey::new(), false)? {
                    if let Some(r) = tx.get::<TransferRequest>(id)?
                        && r.data.requester_id != p.user_id
                    {
                        records.push(r);
                    }
                }
                records.sort_by_key(|r| r.id);
            }
            (Direction::Incoming, status) => {
                tx.for_each::<TransferRequest>(true, &mut |r| {
                    if r.data.status == status
                        && r.data.requester_id != p.user_id
                        && (r.data.owner_id == p.user_id || r.data.decided_by == Some(p.user_id))
                    {
                        records.push(r);
                    }
                    Ok(records.len() < MAX)
                })?;
            }
            (Direction::Outgoing, _) => {
                for id in tx.ids_by_index::<TransferRequest>(
                    "requester",
                    &IndexKey::new().u64(p.user_id),
                    true,
                )? {
                    if let Some(r) = tx.get::<TransferRequest>(id)?
                        && q.status.is_none_or(|s| s == r.data.status)
                    {
                        records.push(r);
                    }
                    if records.len() >= MAX {
                        break;
                    }
                }
            }
        }
        let mut items = Vec::new();
        for r in records {
            let pending_incoming =
                direction == Direction::Incoming && r.data.status == TransferStatus::Pending;
            let v = view(tx, p, r)?;
            if !pending_incoming || v.may_decide {
                items.push(v);
            }
        }
        items.truncate(MAX);
        let total = items.len() as u64;
        Ok(List {
            items,
            total,
            page: 1,
            per_page: MAX as u64,
        })
    })
}

/// A request the caller sees, or 404.
fn request_for(tx: &Tx, p: &Principal, id: u64) -> AppResult<Record<TransferRequest>> {
    p.require(Module::Crm, Action::Read)?;
    let r = tx.get_live::<TransferRequest>(id)?;
    if !sees(tx, p, &r.data)? {
        return Err(AppError::not_found());
    }
    Ok(r)
}

fn still_pending(r: &TransferRequest) -> AppResult<()> {
    if r.status == TransferStatus::Pending {
        return Ok(());
    }
    Err(conflict(
        format!(
            "该申请已{}，不能再处理。",
            r.status.label(crate::i18n::Lang::Zh)
        ),
        format!(
            "This request was already {}.",
            r.status.label(crate::i18n::Lang::En)
        ),
    ))
}

fn check_version(r: &Record<TransferRequest>, version: Option<u64>) -> AppResult<()> {
    match version {
        Some(v) if v != r.meta.version => Err(crate::store::StoreError::VersionConflict {
            current: r.meta.version,
        }
        .into()),
        _ => Ok(()),
    }
}

/// Accepts: the customer (with contacts and timeline) moves to the requester.
pub fn accept(
    k: &Kontor,
    p: &Principal,
    id: u64,
    input: DecisionInput,
) -> AppResult<TransferRequestView> {
    let note = note("note", input.note.as_deref())?;
    decide(k, p, id, input.version, note, TransferStatus::Accepted)
}

/// Declines, with a note saying why (asked for once the caller may decide: 404 and 403 come
/// first); the owner keeps the customer.
pub fn decline(
    k: &Kontor,
    p: &Principal,
    id: u64,
    input: DecisionInput,
) -> AppResult<TransferRequestView> {
    let note = note("note", input.note.as_deref())?;
    decide(k, p, id, input.version, note, TransferStatus::Declined)
}

fn decide(
    k: &Kontor,
    p: &Principal,
    id: u64,
    version: Option<u64>,
    note: Option<String>,
    to: TransferStatus,
) -> AppResult<TransferRequestView> {
    let (actor, principal) = (p.actor(), p.clone());
    k.store.write(move |tx| {
        let r = request_for(tx, &principal, id)?;
        check_version(&r, version)?;
        still_pending(&r.data)?;
        let Some(c) = customer_of(tx, &r.data)? else {
            return Err(conflict(
                "该客户已被删除，申请无法处理；申请人可以撤回。".into(),
                "The customer was deleted; the requester may withdraw the request.".into(),
            ));
        };
        if r.data.requester_id == principal.user_id || !may_decide(tx, &principal, &c.data)? {
            return Err(AppError::forbidden());
        }
        if to == TransferStatus::Declined && note.is_none() {
            return Err(AppError::invalid(
                "note",
                Msg::new(
                    "请说明拒绝的原因（“note”）。",
                    "Please say why you decline (“note”).",
                ),
            ));
        }
        if to == TransferStatus::Accepted {
            if c.data.owner_id == Some(r.data.requester_id) {
                return Err(conflict(
                    "该客户已在申请人名下。".into(),
                    "The requester already owns this customer.".into(),
                ));
            }
            active_owner(tx, "requester_id", r.data.requester_id)?;
            move_customer(tx, &actor, &c, r.data.requester_id)?;
        }
        let now = tx.now();
        let decider = principal.user_id;
        tx.update::<TransferRequest, AppError>(&actor, id, Some(r.meta.version), |t| {
            t.status = to;
            t.decided_by = Some(decider);
            t.decided_at = Some(now);
            t.decision_note = note.clone();
            Ok(())
        })?;
        let d = &r.data;
        let (kind, message) = if to == TransferStatus::Accepted {
            (
                NotifyKind::TransferAccepted,
                Message::new("transfer.accepted")
                    .user("decider", decider)
                    .record::<Customer>("customer", d.customer_id, d.label.clone()),
            )
        } else {
            (
                NotifyKind::TransferDeclined,
                Message::new("transfer.declined")
                    .user("decider", decider)
                    .record::<Customer>("customer", d.customer_id, d.label.clone())
                    .text("note", note.unwrap_or_default()),
            )
        };
        let about = if to == TransferStatus::Accepted {
            RecordRef::of::<Customer>(d.customer_id)
        } else {
            RecordRef::of::<TransferRequest>(id)
        };
        notify(tx, d.requester_id, kind, Some(about), message)?;
        let r = tx.get_live::<TransferRequest>(id)?;
        view(tx, &principal, r)
    })
}

/// The requester takes a pending request back.
pub fn withdraw(
    k: &Kontor,
    p: &Principal,
    id: u64,
    input: DecisionInput,
) -> AppResult<TransferRequestView> {
    let note = note("note", input.note.as_deref())?;
    let (actor, principal) = (p.actor(), p.clone());
    k.store.write(move |tx| {
        let r = request_for(tx, &principal, id)?;
        check_version(&r, input.version)?;
        if r.data.requester_id != principal.user_id {
            return Err(AppError::forbidden());
        }
        still_pending(&r.data)?;
        let now = tx.now();
        let me = principal.user_id;
        tx.update::<TransferRequest, AppError>(&actor, id, Some(r.meta.version), |t| {
            t.status = TransferStatus::Withdrawn;
            t.decided_by = Some(me);
            t.decided_at = Some(now);
            t.decision_note = note;
            Ok(())
        })?;
        let r = tx.get_live::<TransferRequest>(id)?;
        view(tx, &principal, r)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notes_keep_line_breaks_and_name_the_field() {
        assert_eq!(
            note("note", Some("  a\r\nb  ")).unwrap(),
            Some("a\nb".to_string())
        );
        assert_eq!(note("note", Some("   ")).unwrap(), None);
        let e = note("note", Some(&"x".repeat(1001))).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("note"));
        assert!(e.msg.zh.contains("note") && e.msg.en.contains("note"));
        let e = note("note", Some("a\u{7}b")).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("note"));
    }

    #[test]
    fn the_title_never_names_the_customer() {
        let r = TransferRequest {
            customer_id: 7,
            requester_id: 3,
            owner_id: 2,
            label: Some("Brandt".into()),
            note: None,
            status: TransferStatus::Pending,
            decided_by: None,
            decided_at: None,
            decision_note: None,
        };
        assert_eq!(r.title(), "#7 → 3");
    }
}
