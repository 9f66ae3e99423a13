//! Sessions: a random 256-bit id in an HttpOnly cookie; the store keeps only its SHA-256, so a
//! copy of the data file holds no usable session.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::store::{StoreResult, Tx};

pub const COOKIE: &str = "kontor_session";
/// A session ends after this long without use …
pub const IDLE: Duration = Duration::days(7);
/// … and in any case this long after login.
pub const ABSOLUTE: Duration = Duration::days(30);
/// `last_seen` is written at most this often.
pub const TOUCH_EVERY: Duration = Duration::minutes(5);

const TABLE: &str = "sessions";
const BY_USER: &str = "sessions_by_user";

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Session {
    pub user_id: u64,
    /// The user's session epoch at login; a later epoch (password change) ends the session.
    pub epoch: u64,
    pub created_at: DateTime<Utc>,
    pub last_seen: DateTime<Utc>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

impl Session {
    pub fn expired(&self, now: DateTime<Utc>) -> bool {
        now - self.last_seen > IDLE || now - self.created_at > ABSOLUTE
    }
}

fn digest(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

fn by_user_key(user_id: u64, hash: &[u8]) -> Vec<u8> {
    let mut key = user_id.to_be_bytes().to_vec();
    key.extend_from_slice(hash);
    key
}

/// Starts a session and returns its token (only ever given to the client).
pub fn create(tx: &mut Tx, session: &Session) -> StoreResult<String> {
    let token = super::random_token();
    let hash = digest(&token);
    tx.kv_put(TABLE, &hash, &crate::store::encode(session)?)?;
    tx.kv_put(BY_USER, &by_user_key(session.user_id, &hash), &[])?;
    Ok(token)
}

/// The live session of a token, if any.
pub fn find(tx: &Tx, token: &str, now: DateTime<Utc>) -> StoreResult<Option<Session>> {
    if token.len() != 64 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Ok(None);
    }
    let Some(bytes) = tx.kv_get(TABLE, &digest(token))? else {
        return Ok(None);
    };
    let session: Session = crate::store::decode(&bytes)?;
    Ok((!session.expired(now)).then_some(session))
}

/// Records use of a session.
pub fn touch(tx: &mut Tx, token: &str, now: DateTime<Utc>) -> StoreResult<()> {
    let hash = digest(token);
    if let Some(bytes) = tx.kv_get(TABLE, &hash)? {
        let mut session: Session = crate::store::decode(&bytes)?;
        session.last_seen = now;
        tx.kv_put(TABLE, &hash, &crate::store::encode(&session)?)?;
    }
    Ok(())
}

/// The signal (`Tx::signal`, keyed by user id) raised when sessions of a user end, so live
/// streams of that user check theirs.
pub const ENDED: &str = "session_ended";

/// Ends one session.
pub fn end(tx: &mut Tx, token: &str) -> StoreResult<()> {
    let hash = digest(token);
    if let Some(bytes) = tx.kv_remove(TABLE, &hash)? {
        let session: Session = crate::store::decode(&bytes)?;
        tx.kv_remove(BY_USER, &by_user_key(session.user_id, &hash))?;
        tx.signal(ENDED, session.user_id);
    }
    Ok(())
}

/// Ends every session of a user; returns how many.
pub fn end_all_for_user(tx: &mut Tx, user_id: u64) -> StoreResult<usize> {
    let entries = tx.kv_prefix(BY_USER, &user_id.to_be_bytes())?;
    for (key, _) in &entries {
        tx.kv_remove(BY_USER, key)?;
        tx.kv_remove(TABLE, &key[8..])?;
    }
    tx.signal(ENDED, user_id);
    Ok(entries.len())
}

/// Number of sessions a user has open.
pub fn count_for_user(tx: &Tx, user_id: u64) -> StoreResult<usize> {
    Ok(tx.kv_prefix(BY_USER, &user_id.to_be_bytes())?.len())
}

/// Removes sessions that have expired by `now`; returns how many.
pub fn purge_expired(tx: &mut Tx, now: DateTime<Utc>) -> StoreResult<usize> {
    let mut expired = Vec::new();
    for (hash, bytes) in tx.kv_prefix(TABLE, &[])? {
        let session: Session = crate::store::decode(&bytes)?;
        if session.expired(now) {
            expired.push((hash, session.user_id));
        }
    }
    for (hash, user_id) in &expired {
        tx.signal(ENDED, *user_id);
        tx.kv_remove(TABLE, hash)?;
        tx.kv_remove(BY_USER, &by_user_key(*user_id, hash))?;
    }
    Ok(expired.len())
}
