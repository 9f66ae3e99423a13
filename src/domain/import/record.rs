//! The import job as stored: one `import` record per uploaded file (its layout, headers, status,
//! the options its commit runs with) and, beside it, its progress, written in the same
//! transaction as each batch so it never runs ahead of what is written.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::{AppError, AppResult};
use crate::store::{Entity, IndexDef, IndexKey, StoreError, Tx};

use super::reader::Layout;
use super::target::MatchKey;

const KV_PROGRESS: &str = "import_progress";

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ImportStatus {
    /// Checked and waiting for a dry run or a commit.
    Uploaded,
    /// The commit is writing.
    Running,
    Done,
    /// The commit stopped on an error (the batches before it stay; revert or commit again).
    Failed,
    /// The server stopped during a commit or revert; committing (or reverting) again continues.
    Interrupted,
    Reverting,
    Reverted,
}

/// create: new customers only; upsert: update the customer with the same key, else create;
/// update: update only, rows without a match are errors.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    #[default]
    Create,
    Upsert,
    Update,
}

/// Who gets the rows that name no owner.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum DefaultOwner {
    User(u64),
    /// The team's active members in turn, in file order (the list is fixed when the import
    /// starts, so a dry run and its commit give each row the same owner).
    RoundRobin {
        team_id: u64,
        members: Vec<u64>,
    },
    /// The public pool (公海).
    Pool,
}

/// The options a commit ran with.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Resolved {
    pub mode: Mode,
    pub key: MatchKey,
    pub mapping: Vec<Option<String>>,
    pub default_owner: DefaultOwner,
}

/// Imports stored before the default owner could be a team or the pool (schema 1).
#[derive(Deserialize)]
struct ResolvedV1 {
    mode: Mode,
    key: MatchKey,
    mapping: Vec<Option<String>>,
    owner_id: u64,
}

#[derive(Deserialize)]
struct ImportV1 {
    kind: String,
    filename: String,
    file: String,
    size: u64,
    layout: Layout,
    header_row: u64,
    headers: Vec<String>,
    rows: u64,
    owner_id: Option<u64>,
    status: ImportStatus,
    options: Option<ResolvedV1>,
    started_at: Option<DateTime<Utc>>,
    finished_at: Option<DateTime<Utc>>,
    reverted_at: Option<DateTime<Utc>>,
    failure: Option<(String, String)>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Import {
    /// What is imported: the kind of a [`Target`](super::target::Target) (`customers`).
    pub kind: String,
    pub filename: String,
    /// The stored file's name under `files/imports/`.
    pub file: String,
    pub size: u64,
    pub layout: Layout,
    pub header_row: u64,
    pub headers: Vec<String>,
    /// Data rows (not blank, after the header).
    pub rows: u64,
    pub owner_id: Option<u64>,
    pub status: ImportStatus,
    pub options: Option<Resolved>,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    pub reverted_at: Option<DateTime<Utc>>,
    /// Why a commit or revert failed.
    pub failure: Option<(String, String)>,
}

impl Entity for Import {
    const KIND: &'static str = "import";
    /// 2: the default owner may be a team's round robin or the pool.
    const SCHEMA_VERSION: u16 = 2;
    fn upgrade(from: u16, payload: &[u8]) -> Result<Self, StoreError> {
        if from != 1 {
            return Err(StoreError::Internal(format!(
                "import records of schema {from} cannot be read"
            )));
        }
        let i: ImportV1 = crate::store::decode(payload)?;
        Ok(Import {
            kind: i.kind,
            filename: i.filename,
            file: i.file,
            size: i.size,
            layout: i.layout,
            header_row: i.header_row,
            headers: i.headers,
            rows: i.rows,
            owner_id: i.owner_id,
            status: i.status,
            options: i.options.map(|o| Resolved {
                mode: o.mode,
                key: o.key,
                mapping: o.mapping,
                default_owner: DefaultOwner::User(o.owner_id),
            }),
            started_at: i.started_at,
            finished_at: i.finished_at,
            reverted_at: i.reverted_at,
            failure: i.failure,
        })
    }
    fn indexes() -> Vec<IndexDef<Self>> {
        vec![IndexDef::many("owner", |i: &Import| {
            vec![IndexKey::new().u64(i.owner_id.unwrap_or(0))]
        })]
    }
    fn title(&self) -> String {
        self.filename.clone()
    }
    fn owner(&self) -> Option<u64> {
        self.owner_id
    }
}

/// Progress and counts of a commit (and of a revert), kept beside the import and written in the
/// same transaction as each batch.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Progress {
    /// Data rows handled so far (written or skipped).
    pub rows_done: u64,
    /// Data rows in the file.
    pub total: u64,
    pub created: u64,
    pub updated: u64,
    /// Rows not written because of an error.
    pub skipped: u64,
    /// Rows written with a warning (e.g. a possible duplicate on another key).
    pub warnings: u64,
    /// The file row number of the last row handled (resume point).
    pub last_row: u64,
    /// Revert: customers moved to the recycle bin or given their previous values back.
    pub reverted: u64,
    /// Revert: customers changed since the import and left alone.
    pub revert_skipped: u64,
    pub revert_last_row: u64,
    #[serde(default)]
    pub issues_stored: u64,
}

pub(super) fn progress(tx: &Tx, id: u64) -> AppResult<Progress> {
    Ok(tx
        .kv_get(KV_PROGRESS, &id.to_be_bytes())?
        .and_then(|v| serde_json::from_slice(&v).ok())
        .unwrap_or_default())
}

pub(super) fn put_progress(tx: &mut Tx, id: u64, p: &Progress) -> AppResult<()> {
    let v = serde_json::to_vec(p).map_err(AppError::internal)?;
    tx.kv_put(KV_PROGRESS, &id.to_be_bytes(), &v)?;
    Ok(())
}

/// The key of an import's n-th entry in its side tables (undo by row, issues by number).
pub(super) fn entry_key(id: u64, n: u64) -> Vec<u8> {
    let mut k = id.to_be_bytes().to_vec();
    k.extend_from_slice(&n.to_be_bytes());
    k
}
