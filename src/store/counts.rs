//! Counted indexes: for every key of an index declared `.counted()`, the store keeps how many
//! entries fall in each block of 1,024 ids, plus the key's total, in the same transaction as the
//! entries. Two questions a list asks on every page then cost a few reads instead of a walk over
//! the collection: "how many?" (the total) and "which ids are on page N, newest first?" (skip
//! whole blocks by their counts, then walk one block).

use std::collections::BTreeMap;
use std::ops::Bound;

use super::key::with_id;
use super::tx::{Tx, index_table};
use super::{Entity, IndexKey, StoreResult};

/// Ids per block: page N reads at most N / 1,024 block counts plus one block of entries.
const BLOCK_BITS: u32 = 10;
/// The block number under which a key's total is kept (no real block reaches it).
const TOTAL: u64 = u64::MAX;

pub(crate) fn count_table(kind: &str, index: &str) -> String {
    format!("cnt:{kind}:{index}")
}

fn count_key(key: &[u8], block: u64) -> Vec<u8> {
    let mut out = key.to_vec();
    out.extend_from_slice(&block.to_be_bytes());
    out
}

fn read_u64(bytes: &[u8]) -> u64 {
    u64::from_be_bytes(bytes.try_into().unwrap_or([0; 8]))
}

/// The count entries an index's entries call for (for `kontor check`).
pub(crate) fn expected_counts<'a>(
    entries: impl Iterator<Item = (&'a [u8], &'a u64)>,
) -> BTreeMap<Vec<u8>, u64> {
    let mut counts = BTreeMap::new();
    for (key, id) in entries {
        for block in [id >> BLOCK_BITS, TOTAL] {
            *counts.entry(count_key(key, block)).or_insert(0) += 1;
        }
    }
    counts
}

impl Tx<'_> {
    /// Every count entry of an index (for `kontor check`).
    pub(crate) fn raw_counts(
        &self,
        kind: &str,
        index: &str,
    ) -> StoreResult<BTreeMap<Vec<u8>, u64>> {
        let mut counts = BTreeMap::new();
        self.raw_scan(
            &count_table(kind, index),
            Bound::Unbounded,
            Bound::Unbounded,
            false,
            &mut |k, v| {
                counts.insert(k.to_vec(), read_u64(v));
                Ok(true)
            },
        )?;
        Ok(counts)
    }

    /// Adds `delta` to the count of `key` in the block of `id` and to its total.
    pub(crate) fn bump_index_count(
        &mut self,
        table: &str,
        key: &[u8],
        id: u64,
        delta: i64,
    ) -> StoreResult<()> {
        for block in [id >> BLOCK_BITS, TOTAL] {
            let k = count_key(key, block);
            let n = self
                .raw_get(table, &k)?
                .map_or(0, |v| read_u64(&v))
                .saturating_add_signed(delta);
            if n == 0 {
                self.raw_remove(table, &k)?;
            } else {
                self.raw_put(table, &k, &n.to_be_bytes())?;
            }
        }
        Ok(())
    }

    /// How many records hold exactly `key` in a counted index.
    pub fn count_index<T: Entity>(&self, index: &str, key: &IndexKey) -> StoreResult<u64> {
        Ok(self
            .raw_get(
                &count_table(T::KIND, index),
                &count_key(key.as_bytes(), TOTAL),
            )?
            .map_or(0, |v| read_u64(&v)))
    }

    /// The ids holding exactly `key` in a counted index, newest (highest id) first, skipping
    /// `offset` of them: page N of a list without reading the N − 1 pages before it.
    pub fn newest_ids_by_index<T: Entity>(
        &self,
        index: &str,
        index_key: &IndexKey,
        offset: u64,
        limit: u64,
    ) -> StoreResult<Vec<u64>> {
        let key = index_key.as_bytes();
        // Whole blocks are skipped by their counts; `skip` is what is left inside the first
        // block that holds part of the page.
        let mut skip = offset;
        let mut first_block = None;
        self.scan_prefix(&count_table(T::KIND, index), key, true, &mut |k, v| {
            if k.len() != key.len() + 8 {
                return Ok(true); // a longer key that merely starts with ours
            }
            let block = read_u64(&k[key.len()..]);
            if block == TOTAL {
                return Ok(true);
            }
            let n = read_u64(v);
            if skip >= n {
                skip -= n;
                Ok(true)
            } else {
                first_block = Some(block);
                Ok(false)
            }
        })?;
        let Some(block) = first_block else {
            return Ok(Vec::new());
        };
        let end = (block + 1)
            .checked_shl(BLOCK_BITS)
            .map(|first_id_after| with_id(index_key, first_id_after));
        let end = end.as_deref().map_or(Bound::Unbounded, Bound::Excluded);
        let mut ids = Vec::new();
        self.raw_scan(
            &index_table(T::KIND, index),
            Bound::Included(key),
            end,
            true,
            &mut |k, v| {
                if k.len() != key.len() + 8 {
                    return Ok(true);
                }
                if skip > 0 {
                    skip -= 1;
                    return Ok(true);
                }
                ids.push(read_u64(v));
                Ok((ids.len() as u64) < limit)
            },
        )?;
        Ok(ids)
    }
}
