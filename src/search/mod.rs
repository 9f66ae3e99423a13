//! Full-text search over every searchable record (tantivy under `data/index`).
//!
//! redb is the source of truth; the index is derived. A kind becomes searchable by returning a
//! [`SearchDoc`] from `Entity::search_doc`. The indexer applies the store's outbox in batches
//! (at most about one commit a second) and keeps the last applied outbox id in the index's own
//! commit payload, so the gap after a restart is replayed and a lost index is rebuilt.

mod indexer;
pub mod text;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use tantivy::collector::{Collector, DocSetCollector, FilterCollector, SegmentCollector, TopDocs};
use tantivy::columnar::Column;
use tantivy::query::{AllQuery, BooleanQuery, FuzzyTermQuery, Occur, Query, TermQuery};
use tantivy::schema::{
    FAST, Field, INDEXED, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing,
    TextOptions, Value,
};
use tantivy::tokenizer::{TextAnalyzer, WhitespaceTokenizer};
use tantivy::{
    DocAddress, DocId, Index, IndexReader, IndexWriter, ReloadPolicy, Score, Searcher,
    SegmentOrdinal, SegmentReader, TantivyDocument, Term,
};

pub use indexer::{Indexer, catch_up, rebuild};

/// What a record contributes to search.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SearchDoc {
    /// Shown as the hit's title.
    pub title: String,
    /// Shown under the title.
    pub subtitle: String,
    /// Free text (names in any language, addresses, notes).
    pub text: Vec<String>,
    /// Exact keys: e-mail addresses, domains, phone digits, document numbers.
    pub exact: Vec<String>,
    /// The owning user, for own/team scope.
    pub owner: Option<u64>,
}

/// Which records of a kind the searcher may see.
#[derive(Clone, Debug)]
pub enum Visibility {
    All,
    /// Records with an owner, whoever it is (not those without one, such as customers in a
    /// pool).
    AnyOwner,
    /// Only records owned by one of these users.
    Owners(Vec<u64>),
}

impl Visibility {
    /// Whether a record with `owner` (0: none) is visible.
    pub fn allows(&self, owner: u64) -> bool {
        match self {
            Visibility::All => true,
            Visibility::AnyOwner => owner != 0,
            Visibility::Owners(owners) => owner != 0 && owners.contains(&owner),
        }
    }
}

/// The ids of every record of one kind that a query matches (no ranking, no limit).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Matches {
    pub ids: Vec<u64>,
    /// The last store outbox id whose change the answer reflects: records changed after it
    /// may be missing or matched by what they were (see [`doc_matches`] for those).
    pub applied: u64,
}

/// One kind to search, with what the caller may see of it.
#[derive(Clone, Debug)]
pub struct KindFilter {
    pub kind: String,
    pub visibility: Visibility,
}

/// One search result.
#[derive(Clone, Debug, PartialEq)]
pub struct Hit {
    pub kind: String,
    pub id: u64,
    pub title: String,
    pub subtitle: String,
    pub score: f32,
}

#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    #[error("search index: {0}")]
    Index(#[from] tantivy::TantivyError),
    #[error("search index: {0}")]
    Io(#[from] std::io::Error),
}

pub type SearchResult<T> = Result<T, SearchError>;

struct Fields {
    key: Field,
    kind: Field,
    id: Field,
    title: Field,
    subtitle: Field,
    words: Field,
    pinyin: Field,
    exact: Field,
    scope: Field,
}

/// The tantivy index and its single writer.
pub struct SearchIndex {
    dir: PathBuf,
    index: Index,
    reader: IndexReader,
    writer: Mutex<IndexWriter>,
    fields: Fields,
    /// The outbox position of what the reader shows, set after each reload (so a reader is
    /// never behind the position read before it).
    visible: AtomicU64,
}

const WORDS: &str = "kontor_words";
/// Bumped when the schema changes; a different layout on disk is rebuilt.
const SCHEMA_TAG: &str = "kontor-search-3";

/// A stable number per kind (24 bits of its FNV-1a hash), so a document's kind and owner fit in
/// one fast field that search filters on without touching the postings.
pub fn kind_code(kind: &str) -> u64 {
    let mut h: u32 = 0x811c_9dc5;
    for b in kind.bytes() {
        h = (h ^ u32::from(b)).wrapping_mul(0x0100_0193);
    }
    u64::from(h & 0x00ff_ffff)
}

const OWNER_BITS: u32 = 40;

/// The `scope` value of a document: its kind's code, then its owner (0: none).
fn scope_of(kind: &str, owner: Option<u64>) -> u64 {
    (kind_code(kind) << OWNER_BITS) | owner.unwrap_or(0).min((1 << OWNER_BITS) - 1)
}

fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let words = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(WORDS)
            .set_index_option(IndexRecordOption::WithFreqs),
    );
    let fields = Fields {
        key: b.add_text_field("key", STRING),
        kind: b.add_text_field("kind", STRING | STORED),
        id: b.add_u64_field("id", INDEXED | STORED | FAST),
        title: b.add_text_field("title", STORED),
        subtitle: b.add_text_field("subtitle", STORED),
        words: b.add_text_field("words", words.clone()),
        pinyin: b.add_text_field("pinyin", words),
        exact: b.add_text_field("exact", STRING),
        scope: b.add_u64_field("scope", FAST),
    };
    (b.build(), fields)
}

fn doc_key(kind: &str, id: u64) -> String {
    format!("{kind}:{id}")
}

impl SearchIndex {
    /// Opens the index in `dir`, or creates it. Returns `true` in the second place when the
    /// index was missing, damaged or of another layout and must be rebuilt from the store.
    pub fn open(dir: &Path) -> SearchResult<(SearchIndex, bool)> {
        match Self::try_open(dir) {
            Ok(index) => Ok((index, false)),
            Err(reason) => {
                if dir.exists() {
                    tracing::warn!(
                        "search index at {} is unusable ({reason}); rebuilding it",
                        dir.display()
                    );
                    std::fs::remove_dir_all(dir)?;
                }
                std::fs::create_dir_all(dir)?;
                let (schema, fields) = schema();
                let index = Index::create_in_dir(dir, schema)?;
                std::fs::write(dir.join("SCHEMA"), SCHEMA_TAG)?;
                Ok((Self::wrap(dir, index, fields)?, true))
            }
        }
    }

    fn try_open(dir: &Path) -> Result<SearchIndex, String> {
        let tag =
            std::fs::read_to_string(dir.join("SCHEMA")).map_err(|_| "no schema tag".to_string())?;
        if tag != SCHEMA_TAG {
            return Err(format!("layout {tag}"));
        }
        let index = Index::open_in_dir(dir).map_err(|e| e.to_string())?;
        let damaged = index.validate_checksum().map_err(|e| e.to_string())?;
        if !damaged.is_empty() {
            return Err(format!("damaged files {damaged:?}"));
        }
        let (_, fields) = schema();
        let opened = Self::wrap(dir, index, fields).map_err(|e| e.to_string())?;
        opened.applied().map_err(|e| e.to_string())?;
        // Every segment must be readable, not only listed.
        opened.count().map_err(|e| e.to_string())?;
        Ok(opened)
    }

    fn wrap(dir: &Path, index: Index, fields: Fields) -> SearchResult<SearchIndex> {
        index.tokenizers().register(
            WORDS,
            TextAnalyzer::builder(WhitespaceTokenizer::default()).build(),
        );
        let writer = index.writer_with_num_threads(1, 40_000_000)?;
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        let opened = SearchIndex {
            dir: dir.to_path_buf(),
            index,
            reader,
            writer: Mutex::new(writer),
            fields,
            visible: AtomicU64::new(0),
        };
        opened.visible.store(opened.applied()?, Ordering::SeqCst);
        Ok(opened)
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The last store outbox id whose change is in the index.
    pub fn applied(&self) -> SearchResult<u64> {
        Ok(self
            .index
            .load_metas()?
            .payload
            .and_then(|p| p.parse().ok())
            .unwrap_or(0))
    }

    /// Number of documents.
    pub fn count(&self) -> SearchResult<u64> {
        Ok(self.reader.searcher().num_docs())
    }

    fn to_document(&self, kind: &str, id: u64, doc: &SearchDoc) -> TantivyDocument {
        let f = &self.fields;
        let mut d = TantivyDocument::default();
        d.add_text(f.key, doc_key(kind, id));
        d.add_text(f.kind, kind);
        d.add_u64(f.id, id);
        d.add_text(f.title, &doc.title);
        d.add_text(f.subtitle, &doc.subtitle);
        let terms = Terms::of(doc);
        d.add_text(f.words, terms.words.join(" "));
        d.add_text(f.pinyin, terms.pinyin.join(" "));
        for e in &terms.exact {
            d.add_text(f.exact, e);
        }
        d.add_u64(f.scope, scope_of(kind, doc.owner));
        d
    }

    /// Replaces the documents of the given records (None: remove) and records `applied` as the
    /// last outbox id now in the index, in one commit.
    pub fn apply(
        &self,
        changes: &[(String, u64, Option<SearchDoc>)],
        applied: u64,
    ) -> SearchResult<()> {
        self.stage(changes)?;
        self.commit(applied)
    }

    /// Hands changes to the writer without committing them (a long catch-up commits now and
    /// then, not after every batch, so it leaves a few large segments instead of hundreds).
    pub fn stage(&self, changes: &[(String, u64, Option<SearchDoc>)]) -> SearchResult<()> {
        let writer = self.writer.lock().unwrap_or_else(|p| p.into_inner());
        for (kind, id, doc) in changes {
            writer.delete_term(Term::from_field_text(self.fields.key, &doc_key(kind, *id)));
            if let Some(doc) = doc {
                writer.add_document(self.to_document(kind, *id, doc))?;
            }
        }
        Ok(())
    }

    /// Commits what was staged, recording `applied` as the last outbox id in the index.
    pub fn commit(&self, applied: u64) -> SearchResult<()> {
        let mut writer = self.writer.lock().unwrap_or_else(|p| p.into_inner());
        let mut commit = writer.prepare_commit()?;
        commit.set_payload(&applied.to_string());
        commit.commit()?;
        drop(writer);
        self.reader.reload()?;
        self.visible.store(applied, Ordering::SeqCst);
        Ok(())
    }

    /// Empties the index (staged; the rebuild's final commit makes it visible).
    pub fn clear(&self) -> SearchResult<()> {
        let writer = self.writer.lock().unwrap_or_else(|p| p.into_inner());
        writer.delete_all_documents()?;
        Ok(())
    }

    /// Merges the segments into one after bulk indexing (a rebuild, a long catch-up): every
    /// search pays per segment, and small segments would otherwise only merge slowly.
    pub fn compact(&self) -> SearchResult<()> {
        let segments = self.index.searchable_segment_ids()?;
        if segments.len() > 1 {
            let mut writer = self.writer.lock().unwrap_or_else(|p| p.into_inner());
            writer.merge(&segments).wait()?;
        }
        self.reader.reload()?;
        Ok(())
    }

    /// Every (kind, id) in the index (for the consistency check).
    pub fn all_keys(&self) -> SearchResult<Vec<(String, u64)>> {
        let searcher = self.reader.searcher();
        let addrs = searcher.search(&AllQuery, &DocSetCollector)?;
        let mut out = Vec::with_capacity(addrs.len());
        for addr in addrs {
            let doc: TantivyDocument = searcher.doc(addr)?;
            let kind = doc
                .get_first(self.fields.kind)
                .and_then(|v| v.as_str())
                .unwrap_or("")
                .to_string();
            let id = doc
                .get_first(self.fields.id)
                .and_then(|v| v.as_u64())
                .unwrap_or(0);
            out.push((kind, id));
        }
        out.sort();
        Ok(out)
    }

    /// Searches `query` among the kinds in `filters`, each limited to what the caller may see.
    /// Every word must match (as a word, its pinyin, a prefix for the last word, or with one typo
    /// for longer Latin words); an exact key (e-mail, domain, phone digits) also matches alone.
    /// Typos are tried only when the words as typed find fewer than `limit`: a broad word
    /// ("Brandt" in 55,000 names at 1,000,000 customers) would otherwise also be matched and
    /// scored through every word one letter away from it.
    pub fn search(
        &self,
        query: &str,
        filters: &[KindFilter],
        limit: usize,
    ) -> SearchResult<Vec<Hit>> {
        if filters.is_empty() {
            return Ok(Vec::new());
        }
        let limit = limit.max(1);
        let searcher = self.reader.searcher();
        let parsed = TextQuery::new(query);
        let Some(exact) = self.query(&parsed, false) else {
            return Ok(Vec::new());
        };
        let mut top = self.top_visible(&searcher, &exact, filters, limit)?;
        if top.len() < limit
            && let Some(with_typos) = self.query(&parsed, true)
        {
            top = self.top_visible(&searcher, &with_typos, filters, limit)?;
        }
        let f = &self.fields;
        let mut hits = Vec::with_capacity(top.len());
        for (score, addr) in top {
            let doc: TantivyDocument = searcher.doc(addr)?;
            let text_of = |field| {
                doc.get_first(field)
                    .and_then(|v| v.as_str())
                    .unwrap_or("")
                    .to_string()
            };
            hits.push(Hit {
                kind: text_of(f.kind),
                id: doc.get_first(f.id).and_then(|v| v.as_u64()).unwrap_or(0),
                title: text_of(f.title),
                subtitle: text_of(f.subtitle),
                score,
            });
        }
        Ok(hits)
    }

    /// Every record of `filter`'s kind that `query` matches and the filter lets the caller
    /// see, by the rules of [`SearchIndex::search`] (typos only when `typos` is set), with the
    /// outbox position the answer reflects. For lists that filter, sort and count the matches
    /// themselves.
    pub fn matching(
        &self,
        query: &TextQuery,
        filter: &KindFilter,
        typos: bool,
    ) -> SearchResult<Matches> {
        // The position first: the reader loaded after it is at least as new.
        let applied = self.visible.load(Ordering::SeqCst);
        let searcher = self.reader.searcher();
        let Some(q) = self.query(query, typos) else {
            return Ok(Matches {
                ids: Vec::new(),
                applied,
            });
        };
        let ids = searcher.search(
            &q,
            &IdsCollector(Arc::new(visible_to(std::slice::from_ref(filter)))),
        )?;
        Ok(Matches { ids, applied })
    }

    /// The query for `text`: all its words (or an exact key). With `typos`, `None` when no word
    /// may have one (the query would be the one without).
    fn query(&self, parsed: &TextQuery, typos: bool) -> Option<BooleanQuery> {
        let f = &self.fields;
        let words = &parsed.words;
        if typos && !parsed.may_have_typos() {
            return None;
        }
        let mut alternatives: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        if !words.is_empty() {
            let last = words.len() - 1;
            let mut all_words: Vec<(Occur, Box<dyn Query>)> = Vec::new();
            for (i, w) in words.iter().enumerate() {
                let mut either: Vec<(Occur, Box<dyn Query>)> = Vec::new();
                for field in [f.words, f.pinyin] {
                    let term = Term::from_field_text(field, w);
                    either.push((
                        Occur::Should,
                        Box::new(TermQuery::new(term.clone(), IndexRecordOption::WithFreqs)),
                    ));
                    if i == last {
                        either.push((
                            Occur::Should,
                            Box::new(FuzzyTermQuery::new_prefix(term.clone(), 0, true)),
                        ));
                    }
                    if typos && may_have_typo(w) {
                        either.push((Occur::Should, Box::new(FuzzyTermQuery::new(term, 1, true))));
                    }
                }
                all_words.push((Occur::Must, Box::new(BooleanQuery::new(either))));
            }
            alternatives.push((Occur::Should, Box::new(BooleanQuery::new(all_words))));
        }
        for key in parsed.keys() {
            let term = Term::from_field_text(f.exact, key);
            alternatives.push((
                Occur::Should,
                Box::new(FuzzyTermQuery::new_prefix(term, 0, false)),
            ));
        }
        (!alternatives.is_empty()).then(|| BooleanQuery::new(alternatives))
    }

    /// The best `limit` matches of `query` that the caller may see.
    fn top_visible(
        &self,
        searcher: &Searcher,
        query: &BooleanQuery,
        filters: &[KindFilter],
        limit: usize,
    ) -> SearchResult<Vec<(Score, DocAddress)>> {
        // What the caller may see is checked per matching document on the `scope` fast field,
        // not intersected with the (huge) posting lists of whole kinds.
        let visible = visible_to(filters);
        Ok(searcher.search(
            query,
            &FilterCollector::new(
                "scope".to_string(),
                visible,
                TopDocs::with_limit(limit).order_by_score(),
            ),
        )?)
    }
}

/// Whether a word of a query may carry a typo (and is tried one edit away).
fn may_have_typo(w: &str) -> bool {
    w.is_ascii() && w.chars().count() >= 5
}

/// A search text as the index reads it (folded, split into words, its exact-key forms), parsed
/// once: for the index's queries and for matching records the index does not have yet.
pub struct TextQuery {
    words: Vec<String>,
    /// The folded text, trimmed: an exact key's prefix.
    exact: String,
    /// Its digits, for phone numbers typed with spaces or dashes.
    digits: String,
}

impl TextQuery {
    pub fn new(text: &str) -> TextQuery {
        let folded = text::fold(text);
        TextQuery {
            words: text::words(&folded),
            exact: folded.trim().to_string(),
            digits: text.chars().filter(|c| c.is_ascii_digit()).collect(),
        }
    }

    /// Whether a word may carry a typo (so trying again with typos may find more).
    pub fn may_have_typos(&self) -> bool {
        self.words.iter().any(|w| may_have_typo(w))
    }

    /// Whether `doc` matches by the rules the index applies ([`SearchIndex::search`]): for
    /// records changed after the index's last commit, so a list can be exact without waiting
    /// for the indexer.
    pub fn matches(&self, doc: &SearchDoc, typos: bool) -> bool {
        if typos && !self.may_have_typos() {
            return false;
        }
        let terms = Terms::of(doc);
        let words_match = !self.words.is_empty()
            && self.words.iter().enumerate().all(|(i, w)| {
                let last = i + 1 == self.words.len();
                let typo = typos && may_have_typo(w);
                terms.words.iter().chain(terms.pinyin.iter()).any(|t| {
                    t == w || (last && t.starts_with(w.as_str())) || (typo && one_edit_apart(t, w))
                })
            });
        words_match
            || self
                .keys()
                .any(|k| terms.exact.iter().any(|e| e.starts_with(k)))
    }

    /// The prefixes of exact keys that also match alone.
    fn keys(&self) -> impl Iterator<Item = &str> {
        let exact = (!self.exact.is_empty()).then_some(self.exact.as_str());
        let digits =
            (self.digits.len() >= 5 && self.digits != self.exact).then_some(self.digits.as_str());
        exact.into_iter().chain(digits)
    }
}

/// The terms a document is indexed under.
struct Terms {
    words: Vec<String>,
    pinyin: Vec<String>,
    exact: Vec<String>,
}

impl Terms {
    fn of(doc: &SearchDoc) -> Terms {
        let mut words = Vec::new();
        let mut pinyin = Vec::new();
        for t in std::iter::once(&doc.title).chain(doc.text.iter()) {
            let folded = text::fold(t);
            words.extend(text::words(&folded));
            pinyin.extend(text::pinyin_words(&folded));
        }
        Terms {
            words,
            pinyin,
            exact: doc
                .exact
                .iter()
                .map(|e| text::fold(e).trim().to_string())
                .collect(),
        }
    }
}

/// At most one edit apart: one character changed, added, removed, or two neighbours swapped
/// (as tantivy's fuzzy terms with a transposition costing one).
fn one_edit_apart(a: &str, b: &str) -> bool {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let (short, long) = if a.len() <= b.len() {
        (&a, &b)
    } else {
        (&b, &a)
    };
    if long.len() - short.len() > 1 {
        return false;
    }
    let head = short
        .iter()
        .zip(long.iter())
        .take_while(|(x, y)| x == y)
        .count();
    if short.len() == long.len() {
        if head == short.len() {
            return true;
        }
        let tail_same = |from: usize| short[from..] == long[from..];
        // One change, or a swap of neighbours.
        tail_same(head + 1)
            || (head + 1 < short.len()
                && short[head] == long[head + 1]
                && short[head + 1] == long[head]
                && tail_same(head + 2))
    } else {
        // One added character in the longer one.
        short[head..] == long[head + 1..]
    }
}

/// Which `scope` values (kind and owner) the filters let through.
fn visible_to(filters: &[KindFilter]) -> impl Fn(u64) -> bool + Clone + Send + Sync + 'static {
    let allowed: Arc<Vec<(u64, Visibility)>> = Arc::new(
        filters
            .iter()
            .map(|filter| (kind_code(&filter.kind), filter.visibility.clone()))
            .collect(),
    );
    move |scope: u64| {
        let (code, owner) = (scope >> OWNER_BITS, scope & ((1 << OWNER_BITS) - 1));
        allowed
            .iter()
            .any(|(c, visibility)| *c == code && visibility.allows(owner))
    }
}

type ScopeFilter = Arc<dyn Fn(u64) -> bool + Send + Sync>;

/// Collects the `id` of every matching document whose `scope` the filter lets through, from
/// the fast fields (no stored document is read).
struct IdsCollector(ScopeFilter);

struct SegmentIds {
    filter: ScopeFilter,
    scope: Column<u64>,
    id: Column<u64>,
    ids: Vec<u64>,
}

impl Collector for IdsCollector {
    type Fruit = Vec<u64>;
    type Child = SegmentIds;

    fn for_segment(
        &self,
        _segment: SegmentOrdinal,
        reader: &SegmentReader,
    ) -> tantivy::Result<SegmentIds> {
        let fast = reader.fast_fields();
        Ok(SegmentIds {
            filter: self.0.clone(),
            scope: fast.u64("scope")?,
            id: fast.u64("id")?,
            ids: Vec::new(),
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<Vec<u64>>) -> tantivy::Result<Vec<u64>> {
        Ok(fruits.concat())
    }
}

impl SegmentCollector for SegmentIds {
    type Fruit = Vec<u64>;

    fn collect(&mut self, doc: DocId, _score: Score) {
        if self.scope.first(doc).is_some_and(|s| (self.filter)(s))
            && let Some(id) = self.id.first(doc)
        {
            self.ids.push(id);
        }
    }

    fn harvest(self) -> Vec<u64> {
        self.ids
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(title: &str, owner: u64) -> SearchDoc {
        SearchDoc {
            title: title.into(),
            owner: Some(owner),
            ..Default::default()
        }
    }

    #[test]
    fn finds_chinese_latin_pinyin_prefix_and_respects_owners() {
        let dir = tempfile::tempdir().unwrap();
        let (index, fresh) = SearchIndex::open(dir.path()).unwrap();
        assert!(fresh);
        let mut email = doc("Müller GmbH", 2);
        email.exact.push("info@mueller.de".into());
        index
            .apply(
                &[
                    ("customer".into(), 1, Some(doc("深圳市華信電子有限公司", 1))),
                    ("customer".into(), 2, Some(email)),
                ],
                7,
            )
            .unwrap();
        assert_eq!(index.applied().unwrap(), 7);
        let all = [KindFilter {
            kind: "customer".into(),
            visibility: Visibility::All,
        }];
        let ids = |q: &str, f: &[KindFilter]| {
            index
                .search(q, f, 10)
                .unwrap()
                .iter()
                .map(|h| h.id)
                .collect::<Vec<_>>()
        };
        assert_eq!(ids("华信", &all), vec![1]);
        assert_eq!(ids("華信", &all), vec![1]);
        assert_eq!(ids("huaxin", &all), vec![1]);
        assert_eq!(ids("muller", &all), vec![2]);
        assert_eq!(ids("MÜLL", &all), vec![2]);
        assert_eq!(ids("info@mueller.de", &all), vec![2]);
        assert_eq!(ids("深圳 电子", &all), vec![1]);
        assert!(ids("深圳 mueller", &all).is_empty());
        let own = [KindFilter {
            kind: "customer".into(),
            visibility: Visibility::Owners(vec![2]),
        }];
        assert!(ids("华信", &own).is_empty());
        assert!(
            ids(
                "华信",
                &[KindFilter {
                    kind: "lead".into(),
                    visibility: Visibility::All
                }]
            )
            .is_empty()
        );
        index.apply(&[("customer".into(), 1, None)], 8).unwrap();
        assert!(ids("华信", &all).is_empty());
    }

    #[test]
    fn one_edit() {
        assert!(one_edit_apart("brandt", "brandt"));
        assert!(one_edit_apart("brandt", "brant"));
        assert!(one_edit_apart("brant", "brandt"));
        assert!(one_edit_apart("brandt", "brondt"));
        assert!(one_edit_apart("brandt", "barndt"));
        assert!(one_edit_apart("brandt", "brandtx"));
        assert!(!one_edit_apart("brandt", "bradnx"));
        assert!(!one_edit_apart("brandt", "brndx"));
        assert!(!one_edit_apart("brandt", "brandtxy"));
        assert!(!one_edit_apart("brandt", "rbandt2"));
    }

    /// Records the index has not applied yet are matched on their documents: by exactly the
    /// rules of the index's query, typos included.
    #[test]
    fn matching_a_document_agrees_with_the_index() {
        let dir = tempfile::tempdir().unwrap();
        let (index, _) = SearchIndex::open(dir.path()).unwrap();
        let mut docs = [
            doc("深圳市華信電子有限公司", 1),
            doc("Müller Handel GmbH", 2),
            doc("Brandt Trading Ltd", 3),
            doc("Pacific Imports K.K.", 0),
            doc("宁波市海纳贸易进出口有限公司", 2),
        ];
        docs[1].exact = vec!["info@mueller.de".into(), "4930123456".into()];
        docs[2].text = vec!["Brandt Supply".into(), "Hamburg harbour".into()];
        let changes: Vec<_> = docs
            .iter()
            .enumerate()
            .map(|(i, d)| ("customer".to_string(), i as u64 + 1, Some(d.clone())))
            .collect();
        index.apply(&changes, 1).unwrap();
        let queries = [
            "华信",
            "huaxin",
            "hua",
            "深圳 电子",
            "muller",
            "MÜLL",
            "mueller",
            "info@mue",
            "+49 30 123456",
            "brandt",
            "brnadt",
            "brand",
            "brandt hamb",
            "harbuor",
            "trading ltd",
            "haina",
            "海纳",
            "宁波 贸易",
            "imports",
            "pacific imprts",
            "x",
            "",
            "   ",
            "gmbh ltd",
        ];
        for visibility in [
            Visibility::All,
            Visibility::AnyOwner,
            Visibility::Owners(vec![2]),
        ] {
            let filter = KindFilter {
                kind: "customer".into(),
                visibility: visibility.clone(),
            };
            for q in queries {
                let text = TextQuery::new(q);
                for typos in [false, true] {
                    let mut from_index = index.matching(&text, &filter, typos).unwrap().ids;
                    from_index.sort();
                    let from_docs: Vec<u64> = docs
                        .iter()
                        .enumerate()
                        .filter(|(_, d)| {
                            visibility.allows(d.owner.unwrap_or(0)) && text.matches(d, typos)
                        })
                        .map(|(i, _)| i as u64 + 1)
                        .collect();
                    assert_eq!(from_index, from_docs, "{q:?} typos {typos} {visibility:?}");
                }
            }
        }
        let all = KindFilter {
            kind: "customer".into(),
            visibility: Visibility::All,
        };
        assert_eq!(
            index
                .matching(&TextQuery::new("huaxin"), &all, false)
                .unwrap(),
            Matches {
                ids: vec![1],
                applied: 1
            }
        );
        let none = KindFilter {
            kind: "lead".into(),
            visibility: Visibility::All,
        };
        assert!(
            index
                .matching(&TextQuery::new("huaxin"), &none, false)
                .unwrap()
                .ids
                .is_empty()
        );
    }

    #[test]
    fn damaged_index_is_recreated() {
        let dir = tempfile::tempdir().unwrap();
        {
            let (index, _) = SearchIndex::open(dir.path()).unwrap();
            index
                .apply(&[("customer".into(), 1, Some(doc("Acme", 1)))], 1)
                .unwrap();
        }
        for entry in std::fs::read_dir(dir.path()).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "json") {
                std::fs::write(&path, b"{ not json").unwrap();
            }
        }
        let (index, rebuild) = SearchIndex::open(dir.path()).unwrap();
        assert!(rebuild);
        assert_eq!(index.count().unwrap(), 0);
    }
}
