//! Duplicates of a firm's row within the file (the customer target's; a supplier target would
//! share it): earlier rows found by the keys the duplicate check reads ([`ProbeKeys`]: e-mail
//! address and company domain, E.164 phone, registrable website, name key and rare distinctive
//! words) and judged by the same evidence ([`check::judge_row`]), so "Müller GmbH" and "Mueller
//! Ltd" are the same firm in one file as they are against the customers already there, and
//! "Riverside Housewares LLC" and "Riverside Home Goods Inc." are not.

use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};

use crate::domain::dedup::check::{self, Counts, ProbeKeys, RuleAction, Rules};
use crate::domain::dedup::evidence::{Judgement, Profile};

use super::target::MatchKey;

/// An earlier row of the file that may be the same firm.
#[derive(Clone, Debug)]
pub struct Hit {
    pub row: u64,
    /// The field of the strongest evidence.
    pub key: MatchKey,
    /// The earlier row's owner.
    pub owner: Option<u64>,
    pub judgement: Judgement,
    /// What the rules say (see [`check::judge_row`]).
    pub action: RuleAction,
}

/// What is kept of an earlier row: what it is compared by, names already normalised (each
/// row is compared with many later ones; 100,000 rows take a few tens of MB).
struct Row {
    row: u64,
    owner: Option<u64>,
    profile: Profile,
}

fn hash(tag: &str, v: &str) -> u64 {
    let mut h = DefaultHasher::new();
    tag.hash(&mut h);
    v.hash(&mut h);
    h.finish()
}

/// The exact keys of a row, hashed: e-mail, company domain, phones, website, name key.
fn exact_keys(keys: &ProbeKeys) -> Vec<u64> {
    let mut out = Vec::with_capacity(6);
    if let Some(e) = &keys.email {
        out.push(hash("e", e));
    }
    if let Some(d) = &keys.email_domain {
        out.push(hash("d", d));
    }
    for p in &keys.phones {
        out.push(hash("p", p));
    }
    if let Some(w) = &keys.website {
        out.push(hash("w", w));
    }
    out
}

/// Distinctive words carried by more earlier rows than this find no candidates among them
/// (as [`check`] does against the database).
const FUZZY_MAX: u64 = 40;

/// The rows seen earlier in the file (not skipped), compared with each new row by the same
/// evidence as the duplicate check compares it with the database: the dry run and the commit
/// both judge a row against its earlier rows here, and against the database without them.
#[derive(Default)]
pub struct InFile {
    rows: Vec<Row>,
    /// Hashed key → positions in `rows`.
    by_key: HashMap<u64, Vec<u32>>,
    /// Earlier rows carrying each name key (`n`) and distinctive word (`t`): a name's weight
    /// falls with how many firms carry it, in the file as in the database.
    pub counts: HashMap<(&'static str, String), u64>,
}

impl InFile {
    /// Earlier rows that may be the same firm as `keys`, strongest first, judged with `counts`
    /// (the database's and this file's).
    pub fn check(&self, keys: &ProbeKeys, counts: &Counts, rules: &Rules) -> Vec<Hit> {
        let mut positions: Vec<u32> = Vec::new();
        for h in exact_keys(keys) {
            if let Some(v) = self.by_key.get(&h) {
                positions.extend(v);
            }
        }
        for (tag, term) in keys.name_terms() {
            let n = self.counts.get(&(tag, term.clone())).copied().unwrap_or(0);
            if (tag == "n" || n <= FUZZY_MAX)
                && let Some(v) = self.by_key.get(&hash(tag, &term))
            {
                positions.extend(v);
            }
        }
        positions.sort_unstable();
        positions.dedup();
        let probe = keys.profile();
        let mut out: Vec<Hit> = positions
            .into_iter()
            .filter_map(|i| {
                let earlier = &self.rows[i as usize];
                let (judgement, field, action) =
                    check::judge_row(&probe, &earlier.profile, counts, rules)?;
                Some(Hit {
                    row: earlier.row,
                    key: field.into(),
                    owner: earlier.owner,
                    judgement,
                    action,
                })
            })
            .collect();
        out.sort_by(|a, b| b.judgement.bits.total_cmp(&a.judgement.bits));
        out
    }

    /// Keeps a row that is written (or would be), for the rows after it.
    pub fn add(&mut self, row: u64, keys: &ProbeKeys, owner: Option<u64>) {
        let at = self.rows.len() as u32;
        let terms = keys.name_terms();
        let mut hashes = exact_keys(keys);
        hashes.extend(terms.iter().map(|(tag, t)| hash(tag, t)));
        hashes.sort_unstable();
        hashes.dedup();
        for h in hashes {
            self.by_key.entry(h).or_default().push(at);
        }
        for t in terms {
            *self.counts.entry(t).or_insert(0) += 1;
        }
        self.rows.push(Row {
            row,
            owner,
            profile: keys.profile(),
        });
    }

    /// Earlier rows kept.
    pub fn len(&self) -> u64 {
        self.rows.len() as u64
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::dedup::check::Probe;

    fn keys(name: &str, email: Option<&str>, phone: Option<&str>, country: &str) -> ProbeKeys {
        ProbeKeys::new(
            &Probe {
                name: Some(name.into()),
                email: email.map(Into::into),
                phone: phone.map(Into::into),
                country: Some(country.into()),
                ..Default::default()
            },
            "CN",
        )
    }

    fn hits(f: &InFile, k: &ProbeKeys) -> Vec<(u64, MatchKey, RuleAction)> {
        let counts = Counts::of_file(f.counts.clone(), f.len());
        f.check(k, &counts, &Rules::default())
            .into_iter()
            .map(|h| (h.row, h.key, h.action))
            .collect()
    }

    #[test]
    fn rows_are_judged_as_the_duplicate_check_judges_records() {
        let mut f = InFile::default();
        f.add(
            2,
            &keys(
                "Müller GmbH",
                Some("Info@Mueller.de"),
                Some("030 1234567"),
                "DE",
            ),
            Some(7),
        );
        // Umlaut and legal form, the address in capitals, the phone with its country code:
        // the same firm, and the name rule blocks.
        let k = keys(
            "Mueller Ltd",
            Some("info@mueller.de"),
            Some("+49 30 1234567"),
            "DE",
        );
        assert_eq!(hits(&f, &k), vec![(2, MatchKey::Name, RuleAction::Block)]);
        // Another firm at the same company domain: only a warning on the e-mail.
        let k = keys("Brandt AG", Some("sales@mueller.de"), None, "DE");
        assert_eq!(hits(&f, &k), vec![(2, MatchKey::Email, RuleAction::Warn)]);
        // Traditional characters, the same rare name.
        f.add(
            3,
            &keys("深圳市华信电子有限公司", None, None, "CN"),
            Some(7),
        );
        assert_eq!(hits(&f, &keys("華信電子", None, None, "CN"))[0].0, 3);
        // Another trade is another firm.
        f.add(
            4,
            &keys("Riverside Home Goods Inc.", None, None, "US"),
            Some(7),
        );
        assert!(hits(&f, &keys("Riverside Housewares LLC", None, None, "US")).is_empty());
        assert!(hits(&f, &keys("Schmidt KG", None, None, "DE")).is_empty());
    }
}
