//! Order-preserving keys for secondary indexes (after FoundationDB's tuple encoding): each part
//! is typed and escaped so that a prefix of parts is a byte prefix of exactly the keys that
//! start with those parts, and keys sort part by part.

/// Builds an index key from parts.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct IndexKey(pub Vec<u8>);

impl IndexKey {
    pub fn new() -> IndexKey {
        IndexKey(Vec::new())
    }
    /// A text part; compared byte-wise (callers normalise case first where they want).
    pub fn str(mut self, s: &str) -> IndexKey {
        self.0.push(0x02);
        // 0x00 ends the part, so inside it 0x00 → 01 01 and 0x01 → 01 02 (order kept).
        for &b in s.as_bytes() {
            match b {
                0 => self.0.extend_from_slice(&[1, 1]),
                1 => self.0.extend_from_slice(&[1, 2]),
                _ => self.0.push(b),
            }
        }
        self.0.push(0x00);
        self
    }
    /// An unsigned number part, sorting numerically.
    pub fn u64(mut self, n: u64) -> IndexKey {
        self.0.push(0x15);
        self.0.extend_from_slice(&n.to_be_bytes());
        self
    }
    /// A signed number part (e.g. a timestamp), sorting numerically.
    pub fn i64(mut self, n: i64) -> IndexKey {
        self.0.push(0x16);
        self.0
            .extend_from_slice(&((n as u64) ^ (1 << 63)).to_be_bytes());
        self
    }
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

/// The key under which a non-unique index stores one record: the value's key, then the id.
pub(crate) fn with_id(key: &IndexKey, id: u64) -> Vec<u8> {
    let mut out = key.0.clone();
    out.extend_from_slice(&id.to_be_bytes());
    out
}

/// The record id at the end of a non-unique index entry.
pub(crate) fn id_of_entry(entry: &[u8]) -> Option<u64> {
    let tail: [u8; 8] = entry.get(entry.len().checked_sub(8)?..)?.try_into().ok()?;
    Some(u64::from_be_bytes(tail))
}

/// The smallest byte string greater than every string starting with `prefix` (None: no bound).
pub(crate) fn prefix_end(prefix: &[u8]) -> Option<Vec<u8>> {
    let mut end = prefix.to_vec();
    while let Some(last) = end.pop() {
        if last < 0xff {
            end.push(last + 1);
            return Some(end);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_sort_in_order_and_prefixes_hold() {
        let a = IndexKey::new().str("ab").u64(2);
        let b = IndexKey::new().str("ab").u64(10);
        let c = IndexKey::new().str("abc").u64(1);
        assert!(a < b && b < c);
        assert!(b.0.starts_with(&IndexKey::new().str("ab").0));
        assert!(!c.0.starts_with(&IndexKey::new().str("ab").0));
        assert!(IndexKey::new().i64(-5) < IndexKey::new().i64(3));
        let nul = IndexKey::new().str("a\0b");
        assert!(!nul.0.starts_with(&IndexKey::new().str("a").0));
        assert!(IndexKey::new().str("a") < nul && nul < IndexKey::new().str("a\u{1}"));
    }

    #[test]
    fn entry_ids_and_prefix_end() {
        let k = IndexKey::new().str("x");
        assert_eq!(id_of_entry(&with_id(&k, 42)), Some(42));
        assert_eq!(prefix_end(&[1, 0xff]), Some(vec![2]));
        assert_eq!(prefix_end(&[0xff]), None);
    }
}
