//! Content-addressed blobs under `<data dir>/files/`: a blob's name is the SHA-256 of its bytes
//! (lower-case hex), kept two levels deep (`files/ab/cd/abcd…`) so no directory grows huge.
//!
//! A blob is written to `<data dir>/tmp/` first, flushed to disk, then renamed into place and
//! the directory synced: a crash leaves either no blob or a whole one, never half a file. The
//! same bytes uploaded twice make one blob.
//!
//! Removal (`remove_unreferenced`) takes the write half of one lock whose read half every upload
//! holds from writing its blob until its record commits, and every backup holds while it copies
//! `files/`; so a blob is never removed between being written and being referenced, nor under a
//! backup that references it.

use std::fs::File;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{RwLock, RwLockReadGuard, RwLockWriteGuard};

use sha2::{Digest, Sha256};

/// The default largest file: 25 MiB.
pub const DEFAULT_LIMIT: u64 = 25 * 1024 * 1024;

/// The blob directory of a data directory, and the limits of what goes in.
pub struct Blobs {
    root: PathBuf,
    staging: PathBuf,
    limit: AtomicU64,
    lock: RwLock<()>,
}

/// A file received into the staging directory, not yet a blob. Removed when dropped unless
/// stored.
pub struct Staged {
    path: PathBuf,
    file: Option<File>,
    hasher: Sha256,
    size: u64,
}

impl Staged {
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Appends a chunk, counting and hashing it.
    pub fn write(&mut self, chunk: &[u8]) -> std::io::Result<()> {
        if let Some(f) = self.file.as_mut() {
            f.write_all(chunk)?;
        }
        self.hasher.update(chunk);
        self.size += chunk.len() as u64;
        Ok(())
    }

    /// Flushes the bytes to disk; returns the content's hash.
    pub fn finish(&mut self) -> std::io::Result<String> {
        if let Some(mut f) = self.file.take() {
            f.flush()?;
            f.sync_all()?;
        }
        Ok(hex::encode(self.hasher.clone().finalize()))
    }

    /// The bytes written so far (for sniffing and thumbnails; at most the size limit).
    pub fn read_all(&self) -> std::io::Result<Vec<u8>> {
        let mut out = Vec::with_capacity(self.size as usize);
        File::open(&self.path)?.read_to_end(&mut out)?;
        Ok(out)
    }
}

impl Drop for Staged {
    fn drop(&mut self) {
        self.file.take();
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Whether `s` is a blob name (64 lower-case hex digits).
pub fn is_hash(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

impl Blobs {
    pub fn new(data_dir: &Path) -> Blobs {
        Blobs {
            root: data_dir.join("files"),
            staging: data_dir.join("tmp"),
            limit: AtomicU64::new(DEFAULT_LIMIT),
            lock: RwLock::new(()),
        }
    }

    /// The largest file accepted, in bytes.
    pub fn limit(&self) -> u64 {
        self.limit.load(Ordering::Relaxed)
    }
    pub fn set_limit(&self, bytes: u64) {
        self.limit.store(bytes.max(1), Ordering::Relaxed);
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Where the blob of `hash` lives (whether or not it exists).
    pub fn path_of(&self, hash: &str) -> Option<PathBuf> {
        is_hash(hash).then(|| self.root.join(&hash[0..2]).join(&hash[2..4]).join(hash))
    }

    /// Held while a blob is written and its record committed, and while a backup copies
    /// `files/`: nothing is removed meanwhile.
    pub fn keep(&self) -> RwLockReadGuard<'_, ()> {
        self.lock.read().unwrap_or_else(|e| e.into_inner())
    }
    fn removing(&self) -> RwLockWriteGuard<'_, ()> {
        self.lock.write().unwrap_or_else(|e| e.into_inner())
    }

    /// A new staging file for an upload.
    pub fn stage(&self) -> std::io::Result<Staged> {
        std::fs::create_dir_all(&self.staging)?;
        let name = format!("upload-{}", crate::auth::random_token());
        let path = self.staging.join(&name[..name.len().min(48)]);
        let file = File::create(&path)?;
        Ok(Staged {
            path,
            file: Some(file),
            hasher: Sha256::new(),
            size: 0,
        })
    }

    /// Moves a finished staging file into place as the blob `hash` (kept if it exists already).
    pub fn store(&self, mut staged: Staged, hash: &str) -> std::io::Result<()> {
        let target = self
            .path_of(hash)
            .ok_or_else(|| std::io::Error::other("not a blob name"))?;
        staged.finish()?;
        if target.is_file() {
            return Ok(());
        }
        let dir = target.parent().unwrap_or(&self.root).to_path_buf();
        std::fs::create_dir_all(&dir)?;
        std::fs::rename(&staged.path, &target)?;
        sync_dir(&dir);
        Ok(())
    }

    /// Stores bytes made here (thumbnails) as a blob; returns the hash.
    pub fn put(&self, bytes: &[u8]) -> std::io::Result<String> {
        let mut staged = self.stage()?;
        staged.write(bytes)?;
        let hash = staged.finish()?;
        self.store(staged, &hash)?;
        Ok(hash)
    }

    /// Removes those of `hashes` that `referenced` says no record holds any more.
    pub fn remove_unreferenced(
        &self,
        hashes: &[String],
        referenced: impl Fn(&str) -> bool,
    ) -> std::io::Result<usize> {
        let _guard = self.removing();
        let mut removed = 0;
        for hash in hashes {
            if referenced(hash) {
                continue;
            }
            if let Some(path) = self.path_of(hash)
                && path.is_file()
            {
                std::fs::remove_file(&path)?;
                removed += 1;
            }
        }
        Ok(removed)
    }

    /// Every file under `files/`, with its name relative to it.
    pub fn all(&self) -> std::io::Result<Vec<PathBuf>> {
        fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
            for entry in std::fs::read_dir(dir)? {
                let path = entry?.path();
                if path.is_dir() {
                    walk(&path, out)?;
                } else {
                    out.push(path);
                }
            }
            Ok(())
        }
        let mut out = Vec::new();
        if self.root.is_dir() {
            walk(&self.root, &mut out)?;
        }
        out.sort();
        Ok(out)
    }

    /// The hash of a stored blob's bytes as they are on disk now.
    pub fn rehash(&self, hash: &str) -> std::io::Result<String> {
        let path = self
            .path_of(hash)
            .ok_or_else(|| std::io::Error::other("not a blob name"))?;
        let mut file = File::open(path)?;
        let mut hasher = Sha256::new();
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let n = file.read(&mut buf)?;
            if n == 0 {
                break;
            }
            hasher.update(&buf[..n]);
        }
        Ok(hex::encode(hasher.finalize()))
    }
}

fn sync_dir(dir: &Path) {
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_bytes_make_one_blob_and_staging_is_left_clean() {
        let dir = tempfile::tempdir().unwrap();
        let blobs = Blobs::new(dir.path());
        let a = blobs.put(b"hello").unwrap();
        let b = blobs.put(b"hello").unwrap();
        assert_eq!(a, b);
        assert_eq!(a, sha256_hex(b"hello"));
        assert_eq!(blobs.all().unwrap().len(), 1);
        assert_eq!(blobs.rehash(&a).unwrap(), a);
        assert_eq!(
            std::fs::read_dir(dir.path().join("tmp")).unwrap().count(),
            0
        );
        let dropped = {
            let mut s = blobs.stage().unwrap();
            s.write(b"half").unwrap();
            s.path.clone()
        };
        assert!(!dropped.exists(), "an abandoned upload leaves no file");
        assert_eq!(
            blobs
                .remove_unreferenced(std::slice::from_ref(&a), |_| true)
                .unwrap(),
            0
        );
        assert_eq!(blobs.remove_unreferenced(&[a], |_| false).unwrap(), 1);
        assert!(blobs.all().unwrap().is_empty());
        assert!(blobs.path_of("../etc/passwd").is_none());
    }
}
