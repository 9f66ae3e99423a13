//! Files attached to records (PLT-3).
//!
//! An [`Attachment`] record names a file on a parent record (a customer, a timeline entry, a
//! product's images…):
//! its original name, the content type sniffed from the bytes, size, SHA-256, version and
//! uploader. The bytes live once in the content-addressed blob directory ([`blobs`]); the same
//! bytes attached twice are stored once. Uploading a file with the same name (case aside) on the
//! same record makes the next version; older versions stay listed and downloadable.
//!
//! Every operation is checked against the parent: listing and downloading need the right to read
//! it (404 otherwise, as reading the record would answer), uploading and deleting the right to
//! change it. A kind becomes a parent with one [`AttachTo`] impl, one line in [`PARENTS`] and its two
//! routes in `api/attachments.rs`.
//!
//! Deleting an attachment moves its record to the recycle bin; its blob stays, so it can be
//! restored. The blob (and its thumbnail) is removed when the record is purged from the recycle
//! bin (or the record it hangs on is purged, which purges its attachments with it) and no other
//! attachment record, live or deleted, names the same bytes.

pub mod blobs;
pub mod sniff;
pub mod thumb;

use std::collections::BTreeMap;
use std::path::PathBuf;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::auth::{Action, Principal};
use crate::domain::kit::guard;
use crate::error::{AppError, AppResult, ErrorCode, Msg};
use crate::store::{Actor, Entity, IndexDef, IndexKey, Record, Tx};

use super::Kontor;
use super::accounts::Named;
use super::crm::model::{Activity, Customer};
use super::kit::names;
use super::sales::products::Product;
pub use blobs::{Blobs, Staged};

/// A file on a record (one version of it).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Attachment {
    /// The parent's kind (`customer`, `activity`) and id.
    pub parent_kind: String,
    pub parent_id: u64,
    /// The name it was uploaded with (no directories).
    pub name: String,
    /// Sniffed from the bytes.
    pub content_type: String,
    pub size: u64,
    /// SHA-256 of the bytes, lower-case hex: the blob's name.
    pub sha256: String,
    /// The thumbnail's blob, for images.
    pub thumb_sha256: Option<String>,
    /// 1, 2, … per name on the parent.
    pub version: u32,
    pub uploaded_by: Option<u64>,
    pub uploaded_at: DateTime<Utc>,
    /// The parent's owner, for the recycle bin's scope (kept in step on a change of owner).
    pub owner_id: Option<u64>,
}

/// The name as versions compare it.
fn name_key(name: &str) -> String {
    name.trim().to_lowercase()
}

impl Entity for Attachment {
    const KIND: &'static str = "attachment";
    fn indexes() -> Vec<IndexDef<Self>> {
        vec![
            IndexDef::many("parent", |a: &Attachment| {
                vec![IndexKey::new().str(&a.parent_kind).u64(a.parent_id)]
            }),
            // Deleted versions keep their numbers: the next upload never reuses one.
            IndexDef::many("name", |a: &Attachment| {
                vec![
                    IndexKey::new()
                        .str(&a.parent_kind)
                        .u64(a.parent_id)
                        .str(&name_key(&a.name)),
                ]
            })
            .keep_deleted(),
            // Which records hold a blob (deleted ones too: they may be restored).
            IndexDef::many("blob", |a: &Attachment| {
                std::iter::once(&a.sha256)
                    .chain(a.thumb_sha256.as_ref())
                    .map(|h| IndexKey::new().str(h))
                    .collect()
            })
            .keep_deleted(),
        ]
    }
    fn title(&self) -> String {
        format!("{} (v{})", self.name, self.version)
    }
    fn owner(&self) -> Option<u64> {
        self.owner_id
    }
}

/// A kind files can hang on.
pub trait AttachTo {
    /// The parent's entity kind.
    const KIND: &'static str;
    /// The parent's owner, if the caller may do `action` (`Read` or `Update`) on record `id`;
    /// otherwise the error reading or changing the record itself gives (404 / 403).
    fn guard(tx: &Tx, p: &Principal, id: u64, action: Action) -> AppResult<Option<u64>>;
}

impl AttachTo for Customer {
    const KIND: &'static str = "customer";
    fn guard(tx: &Tx, p: &Principal, id: u64, action: Action) -> AppResult<Option<u64>> {
        Ok(guard::open::<Customer>(tx, p, id, action)?.data.owner_id)
    }
}

/// A timeline entry: as its customer (or lead) allows.
impl AttachTo for Activity {
    const KIND: &'static str = "activity";
    fn guard(tx: &Tx, p: &Principal, id: u64, action: Action) -> AppResult<Option<u64>> {
        let a = tx.get_live::<Activity>(id)?;
        match (a.data.customer_id, a.data.lead_id) {
            (Some(c), _) => {
                guard::open::<Customer>(tx, p, c, action)?;
            }
            (None, Some(l)) => {
                guard::open::<super::crm::model::Lead>(tx, p, l, action)?;
            }
            (None, None) => return Err(AppError::not_found()),
        }
        Ok(a.data.owner_id)
    }
}

/// A product (its images, spec sheets): read with the products read right, changed with the
/// products update right. Products have no owner, so neither have their files.
impl AttachTo for Product {
    const KIND: &'static str = "product";
    fn guard(tx: &Tx, p: &Principal, id: u64, action: Action) -> AppResult<Option<u64>> {
        guard::open::<Product>(tx, p, id, action)?;
        Ok(None)
    }
}

/// A parent kind as the table holds it.
#[derive(Clone, Copy)]
pub struct ParentKind {
    pub kind: &'static str,
    guard: fn(&Tx, &Principal, u64, Action) -> AppResult<Option<u64>>,
}

const fn parent<T: AttachTo>() -> ParentKind {
    ParentKind {
        kind: T::KIND,
        guard: T::guard,
    }
}

/// The kinds that take attachments. A new one adds its `AttachTo` impl and a line here.
pub static PARENTS: &[ParentKind] = &[
    parent::<Customer>(),
    parent::<Activity>(),
    parent::<Product>(),
    parent::<crate::domain::projects::model::ProjectTask>(),
];

/// One parent record.
#[derive(Clone, Copy)]
pub struct Parent {
    kind: ParentKind,
    pub id: u64,
}

impl Parent {
    /// Record `id` of kind `P`.
    pub fn of<P: AttachTo>(id: u64) -> Parent {
        Parent {
            kind: parent::<P>(),
            id,
        }
    }
    fn from_kind(kind: &str, id: u64) -> AppResult<Parent> {
        PARENTS
            .iter()
            .find(|k| k.kind == kind)
            .map(|kind| Parent { kind: *kind, id })
            .ok_or_else(|| AppError::internal(format!("attachment on unknown kind {kind}")))
    }
    pub fn kind(&self) -> &'static str {
        self.kind.kind
    }
    fn guard(&self, tx: &Tx, p: &Principal, action: Action) -> AppResult<Option<u64>> {
        (self.kind.guard)(tx, p, self.id, action)
    }
}

/// An attachment as the API shows it.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct AttachmentView {
    pub id: u64,
    pub parent_kind: String,
    pub parent_id: u64,
    pub name: String,
    pub content_type: String,
    pub size: u64,
    pub sha256: String,
    /// 1, 2, … per name on the record.
    pub version: u32,
    /// Whether this is the newest live version of its name.
    pub latest: bool,
    pub uploaded_by: Option<Named>,
    pub uploaded_at: DateTime<Utc>,
    /// Where to download it (`Content-Disposition: attachment`).
    pub content_url: String,
    /// A JPEG of at most 320 × 320 pixels, for images.
    pub thumbnail_url: Option<String>,
    /// The record's version, for `DELETE …?version=`.
    pub record_version: u64,
}

fn views(tx: &Tx, mut records: Vec<Record<Attachment>>) -> AppResult<Vec<AttachmentView>> {
    records.sort_by(|a, b| {
        name_key(&a.data.name)
            .cmp(&name_key(&b.data.name))
            .then(b.data.version.cmp(&a.data.version))
    });
    let people = names(tx, records.iter().filter_map(|r| r.data.uploaded_by))?;
    let mut newest: BTreeMap<String, u32> = BTreeMap::new();
    for r in &records {
        let v = newest.entry(name_key(&r.data.name)).or_default();
        *v = (*v).max(r.data.version);
    }
    Ok(records
        .into_iter()
        .map(|r| {
            let a = r.data;
            AttachmentView {
                id: r.id,
                latest: newest.get(&name_key(&a.name)) == Some(&a.version),
                parent_kind: a.parent_kind,
                parent_id: a.parent_id,
                content_type: a.content_type,
                size: a.size,
                sha256: a.sha256,
                version: a.version,
                uploaded_by: a.uploaded_by.map(|id| Named {
                    id,
                    name: people.get(&id).cloned().unwrap_or_default(),
                }),
                uploaded_at: a.uploaded_at,
                content_url: format!("/api/v1/attachments/{}/content", r.id),
                thumbnail_url: a
                    .thumb_sha256
                    .map(|_| format!("/api/v1/attachments/{}/thumbnail", r.id)),
                record_version: r.meta.version,
                name: a.name,
            }
        })
        .collect())
}

fn live_on(tx: &Tx, kind: &str, id: u64) -> AppResult<Vec<Record<Attachment>>> {
    let mut out = Vec::new();
    for aid in tx.ids_by_index::<Attachment>("parent", &IndexKey::new().str(kind).u64(id), false)? {
        if let Ok(r) = tx.get_live::<Attachment>(aid) {
            out.push(r);
        }
    }
    Ok(out)
}

/// The attachments of a record the caller may read.
pub fn list(k: &Kontor, p: &Principal, parent: Parent) -> AppResult<Vec<AttachmentView>> {
    k.store.read(|tx| {
        parent.guard(tx, p, Action::Read)?;
        views(tx, live_on(tx, parent.kind(), parent.id)?)
    })
}

/// The attachments of records already checked (a timeline page), by parent id.
pub fn on_records(
    tx: &Tx,
    kind: &str,
    ids: impl IntoIterator<Item = u64>,
) -> AppResult<BTreeMap<u64, Vec<AttachmentView>>> {
    let mut out = BTreeMap::new();
    for id in ids {
        let records = live_on(tx, kind, id)?;
        if !records.is_empty() {
            out.insert(id, views(tx, records)?);
        }
    }
    Ok(out)
}

/// Refuses early (before the body is read) an upload the caller may not make.
pub fn may_upload(k: &Kontor, p: &Principal, parent: Parent) -> AppResult<()> {
    k.store
        .read(|tx| parent.guard(tx, p, Action::Update).map(|_| ()))
}

/// "25 MiB", "512 KiB", "1000 bytes".
pub fn human_size(bytes: u64) -> String {
    const MIB: u64 = 1024 * 1024;
    if bytes >= MIB && bytes.is_multiple_of(MIB) {
        format!("{} MiB", bytes / MIB)
    } else if bytes >= MIB {
        format!("{:.1} MiB", bytes as f64 / MIB as f64)
    } else if bytes >= 1024 && bytes.is_multiple_of(1024) {
        format!("{} KiB", bytes / 1024)
    } else {
        format!("{bytes} bytes")
    }
}

/// 413 naming the limit.
pub fn too_large(limit: u64) -> AppError {
    let size = human_size(limit);
    AppError::new(ErrorCode::PayloadTooLarge)
        .on_field("file")
        .with_msg(Msg::new(
            format!("文件太大：每个文件最大 {size}。请压缩或拆分后再上传。"),
            format!("The file is too large: each file may be at most {size}. Compress or split it, then upload again."),
        ))
}

fn refused_type(what: &str) -> AppError {
    let allowed = sniff::allowed_labels();
    AppError::invalid(
        "file",
        Msg::new(
            format!("不接受此类文件（{what}）。可以上传：{allowed}。"),
            format!("Files of this type ({what}) are not accepted. Allowed: {allowed}."),
        ),
    )
}

/// The file name without directories, checked.
pub fn clean_name(name: &str) -> AppResult<String> {
    let base = name.rsplit(['/', '\\']).next().unwrap_or("").trim();
    let bad = |zh: &'static str, en: &'static str| AppError::invalid("file", Msg::new(zh, en));
    if base.is_empty() || base == "." || base == ".." {
        return Err(bad("请给文件一个名称。", "The file needs a name."));
    }
    if base.chars().any(char::is_control) {
        return Err(bad(
            "文件名含有控制字符。",
            "The file name holds control characters.",
        ));
    }
    if base.chars().count() > 200 {
        return Err(bad(
            "文件名太长（最多 200 个字符）。",
            "The file name is too long (at most 200 characters).",
        ));
    }
    Ok(base.to_string())
}

/// Stores an uploaded file (received into `staged`) on `parent` as the next version of its name.
pub fn attach(
    k: &Kontor,
    p: &Principal,
    parent: Parent,
    name: &str,
    mut staged: Staged,
) -> AppResult<AttachmentView> {
    let name = clean_name(name)?;
    let limit = k.files.limit();
    if staged.size() > limit {
        return Err(too_large(limit));
    }
    if staged.size() == 0 {
        return Err(AppError::invalid(
            "file",
            Msg::new("文件是空的。", "The file is empty."),
        ));
    }
    let io = |e: std::io::Error| AppError::from(crate::store::StoreError::from_io(&e));
    let hash = staged.finish().map_err(io)?;
    let bytes = staged.read_all().map_err(io)?;
    let content_type = match sniff::sniff(&bytes, &name) {
        sniff::Sniffed::Allowed(t) => t,
        sniff::Sniffed::Refused(what) => return Err(refused_type(&what)),
    };
    let thumbnail = if sniff::has_thumbnail(&content_type) {
        thumb::make(&bytes, &content_type)
    } else {
        None
    };
    drop(bytes);
    let size = staged.size();
    // Nothing is removed from files/ until the record naming these blobs has committed.
    let _keep = k.files.keep();
    k.files.store(staged, &hash).map_err(io)?;
    let thumb_sha256 = match thumbnail {
        Some(t) => Some(k.files.put(&t).map_err(io)?),
        None => None,
    };
    let (actor, principal) = (p.actor(), p.clone());
    k.store.write(move |tx| {
        let owner_id = parent.guard(tx, &principal, Action::Update)?;
        let key = IndexKey::new()
            .str(parent.kind())
            .u64(parent.id)
            .str(&name_key(&name));
        let mut version = 0;
        for id in tx.ids_by_index::<Attachment>("name", &key, false)? {
            if let Some(r) = tx.get::<Attachment>(id)? {
                version = version.max(r.data.version);
            }
        }
        let now = tx.now();
        let record = tx.insert(
            &actor,
            Attachment {
                parent_kind: parent.kind().to_string(),
                parent_id: parent.id,
                name,
                content_type,
                size,
                sha256: hash,
                thumb_sha256,
                version: version + 1,
                uploaded_by: Some(principal.user_id),
                uploaded_at: now,
                owner_id,
            },
        )?;
        let mut view = views(tx, vec![record])?;
        Ok(view.remove(0))
    })
}

/// A file to send.
pub struct Download {
    pub path: PathBuf,
    pub name: String,
    pub content_type: String,
    pub size: u64,
    pub sha256: String,
}

/// The bytes (or the thumbnail) of an attachment whose record the caller may read.
pub fn open(k: &Kontor, p: &Principal, id: u64, thumbnail: bool) -> AppResult<Download> {
    let a = k.store.read(|tx| {
        let a = tx.get_live::<Attachment>(id)?;
        Parent::from_kind(&a.data.parent_kind, a.data.parent_id)?.guard(tx, p, Action::Read)?;
        Ok::<_, AppError>(a.data)
    })?;
    let (hash, content_type, name) = if thumbnail {
        let Some(t) = a.thumb_sha256 else {
            return Err(AppError::not_found());
        };
        let stem = a.name.rsplit_once('.').map_or(a.name.as_str(), |(s, _)| s);
        (t, "image/jpeg".to_string(), format!("{stem}.thumbnail.jpg"))
    } else {
        (a.sha256, a.content_type, a.name)
    };
    let path = k.files.path_of(&hash).ok_or_else(AppError::not_found)?;
    let size = std::fs::metadata(&path)
        .map_err(|e| AppError::internal(format!("blob {hash} of attachment {id}: {e}")))?
        .len();
    Ok(Download {
        path,
        name,
        content_type,
        size,
        sha256: hash,
    })
}

/// Moves an attachment to the recycle bin (its blob stays until the record is purged).
pub fn delete(k: &Kontor, p: &Principal, id: u64, version: Option<u64>) -> AppResult<()> {
    let (actor, principal) = (p.actor(), p.clone());
    k.store.write(move |tx| {
        let a = tx.get_live::<Attachment>(id)?;
        Parent::from_kind(&a.data.parent_kind, a.data.parent_id)?.guard(
            tx,
            &principal,
            Action::Update,
        )?;
        tx.delete::<Attachment>(&actor, id, version)?;
        Ok(())
    })
}

/// The blobs an attachment record names (before it is purged).
pub fn blobs_of(tx: &Tx, id: u64) -> AppResult<Vec<String>> {
    Ok(tx
        .get::<Attachment>(id)?
        .map(|a| {
            std::iter::once(a.data.sha256)
                .chain(a.data.thumb_sha256)
                .collect()
        })
        .unwrap_or_default())
}

/// When a record is purged for good, so are the attachments on it (live or in the recycle bin:
/// nobody can reach them any more). Returns the blobs they named, for [`release`].
pub fn purge_on(tx: &mut Tx, actor: &Actor, kind: &str, id: u64) -> AppResult<Vec<String>> {
    if !PARENTS.iter().any(|p| p.kind == kind) {
        return Ok(Vec::new());
    }
    let mut hashes = Vec::new();
    for aid in tx.ids_by_index::<Attachment>("name", &IndexKey::new().str(kind).u64(id), false)? {
        let Some(a) = tx.get::<Attachment>(aid)? else {
            continue;
        };
        if !a.meta.is_deleted() {
            tx.delete::<Attachment>(actor, aid, None)?;
        }
        hashes.extend(blobs_of(tx, aid)?);
        tx.purge::<Attachment>(actor, aid)?;
    }
    Ok(hashes)
}

/// After a purge: removes those blobs no attachment record names any more.
pub fn release(k: &Kontor, hashes: &[String]) -> AppResult<()> {
    let referenced = |hash: &str| {
        k.store
            .read(|tx| tx.ids_by_index::<Attachment>("blob", &IndexKey::new().str(hash), false))
            .map(|ids| !ids.is_empty())
            .unwrap_or(true)
    };
    k.files
        .remove_unreferenced(hashes, referenced)
        .map_err(|e| AppError::internal(format!("removing blobs: {e}")))?;
    Ok(())
}

/// Keeps the attachments of a record in step with its new owner.
pub fn follow_owner(
    tx: &mut Tx,
    actor: &Actor,
    kind: &str,
    id: u64,
    owner: Option<u64>,
) -> AppResult<()> {
    for a in live_on(tx, kind, id)? {
        if a.data.owner_id != owner {
            tx.update::<Attachment, AppError>(actor, a.id, None, |a| {
                a.owner_id = owner;
                Ok(())
            })?;
        }
    }
    Ok(())
}

/// `kontor check`: every blob an attachment record names exists and has its hash (problems);
/// files under `files/` that no record names (notes: an interrupted upload leaves one).
pub fn check(k: &Kontor, report: &mut crate::store::CheckReport) -> Result<(), String> {
    let _keep = k.files.keep();
    let referenced: BTreeMap<String, Vec<u64>> = k
        .store
        .read(|tx| {
            let mut out: BTreeMap<String, Vec<u64>> = BTreeMap::new();
            for id in tx.ids_by_index::<Attachment>("blob", &IndexKey::new(), false)? {
                for hash in blobs_of(tx, id)? {
                    let ids = out.entry(hash).or_default();
                    if !ids.contains(&id) {
                        ids.push(id);
                    }
                }
            }
            Ok::<_, AppError>(out)
        })
        .map_err(|e| e.to_string())?;
    for (hash, ids) in &referenced {
        let records = ids
            .iter()
            .map(|i| format!("attachment {i}"))
            .collect::<Vec<_>>()
            .join(", ");
        match k.files.rehash(hash) {
            Ok(h) if &h == hash => {}
            Ok(h) => report.problems.push(format!(
                "file blob {hash} is damaged (its bytes hash to {h}); named by {records}: restore it from a backup"
            )),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => report
                .problems
                .push(format!("file blob {hash} is missing; named by {records}: restore it from a backup")),
            Err(e) => report
                .problems
                .push(format!("file blob {hash} cannot be read ({e}); named by {records}")),
        }
    }
    let root = k.files.root().to_path_buf();
    let mut orphans = 0usize;
    for path in k.files.all().map_err(|e| e.to_string())? {
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        let in_place = k.files.path_of(name).is_some_and(|p| p == path);
        if !in_place || !referenced.contains_key(name) {
            orphans += 1;
            report.notes.push(format!(
                "{} is named by no attachment (left by an interrupted upload or a restore; safe to delete)",
                path.strip_prefix(&root).unwrap_or(&path).display()
            ));
        }
    }
    report
        .records
        .insert("file blobs".into(), referenced.len() as u64);
    if orphans > 0 {
        report
            .notes
            .push(format!("{orphans} unreferenced files under files/"));
    }
    Ok(())
}

/// Attachments on any record (PLT-3); checked against the record they hang on.
pub fn module() -> crate::domain::kit::ModuleDef {
    crate::domain::kit::ModuleDef::new("files", MODULE_KINDS, |r| r.with::<Attachment>())
}

static MODULE_KINDS: &[crate::domain::kit::KindInfo] =
    &[crate::domain::kit::KindInfo::plain::<Attachment>(
        crate::auth::Module::Crm,
        "附件",
        "Attachment",
    )];
