//! Normalisation of the four fields duplicate detection compares: company names, e-mail
//! addresses, phone numbers and websites. Text folding (NFKC, traditional → simplified, case,
//! accents) and Chinese word splitting come from [`crate::search::text`].
//!
//! A company name becomes a [`NameForm`]: its words, each marked distinctive (the firm's own
//! name: Brandt, 联丰, Bright Star), trade (the line of business: textile, 电子, Werkzeuge) or
//! generic (international, 科技, group), with legal forms, city and province words and
//! connectives removed, and every word in a comparable spelling:
//! - Latin words folded (Müller → muller) and the German umlaut spellings ue / oe / ae after a
//!   consonant written as u / o / a, so Müller, Mueller and Muller are one word;
//! - abbreviations expanded (Imp. & Exp. → import export, Intl → international, Mfg, Tech …)
//!   and trade words in any language (纺织, Textile, Textil) mapped to one concept;
//! - Chinese words keep their characters and carry their toneless pinyin, so 联丰 meets Lianfeng.

use std::collections::{HashMap, HashSet};
use std::hash::Hash;
use std::sync::{LazyLock, Mutex};

use pinyin::{ToPinyin, ToPinyinMulti};
use unicode_normalization::UnicodeNormalization;

use super::lexicon::{self, Concept, PlaceLevel, Weight};
use crate::search::text::{fold, is_cjk, words};

// ---------------------------------------------------------------------------------------------
// Company names
// ---------------------------------------------------------------------------------------------

/// What a word of a company name says about the firm.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenKind {
    /// The firm's own name (Brandt, Bright Star, 联丰): must agree for two names to match.
    Distinctive,
    /// The line of business (Textile, 电子, Werkzeuge, Trading): two different lines are
    /// different firms, one name that leaves it out may still be the same firm.
    Trade,
    /// Words that many firms carry (International, Group, 科技): they barely count.
    Generic,
}

/// One word of a normalised company name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NameToken {
    pub kind: TokenKind,
    /// Latin: the folded word with umlaut spellings unified (schroeder → schroder); Chinese:
    /// the simplified characters.
    pub text: String,
    /// Latin: the folded word as written (schroeder); Chinese: the characters.
    pub written: String,
    /// What equal words share: the concept id for trade and generic words (纺织 and Textiles →
    /// `textile`), the word itself for Latin distinctive words, the toneless pinyin for Chinese
    /// ones (联丰 → `lianfeng`).
    pub key: String,
    /// The concept's family (`trade` for trading, import, export …); empty for distinctive
    /// words.
    pub family: &'static str,
    /// Written in Chinese characters.
    pub chinese: bool,
}

/// A company name normalised for comparison.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NameForm {
    /// The whole name folded ([`fold`]), before any word was removed.
    pub folded: String,
    /// The words that remain, in order.
    pub tokens: Vec<NameToken>,
    /// Cities the name mentioned and that were removed as noise (pinyin ids: `guangzhou`).
    pub cities: Vec<String>,
    /// Written in Cyrillic or Greek letters, compared through their Latin transliteration.
    pub transliterated: bool,
    /// The Latin legal form the name ends with (S.A., GmbH, Co., Ltd.).
    pub legal: Option<LegalForm>,
}

impl NameForm {
    /// The exact key for the duplicate index: distinctive words (Chinese ones as pinyin) in
    /// order, then the trade concepts in a fixed order, concatenated without spaces so
    /// "Hua Xin" = "Huaxin" = 华信 and "Import & Export" = "Export & Import". Trade words count
    /// by concept (Trading = 贸易 = Handel, but Imports ≠ Supply). Generic words count only in a
    /// name that has nothing else. `None` for a name with no words left (empty, or only a
    /// legal form).
    pub fn key(&self) -> Option<String> {
        let strong: Vec<&NameToken> = self
            .tokens
            .iter()
            .filter(|t| t.kind != TokenKind::Generic)
            .collect();
        let used: Vec<&NameToken> = if strong.is_empty() {
            self.tokens.iter().collect()
        } else {
            strong
        };
        let mut key = String::new();
        let mut concepts: Vec<&str> = Vec::new();
        for t in used {
            match t.kind {
                TokenKind::Distinctive => key.push_str(&t.key),
                _ => concepts.push(&t.key),
            }
        }
        concepts.sort_unstable();
        concepts.dedup();
        for c in concepts {
            key.push_str(c);
        }
        (!key.is_empty()).then_some(key)
    }

    /// The distinctive words, for a fuzzy search (Chinese words as characters and as pinyin).
    pub fn distinctive_terms(&self) -> Vec<String> {
        let mut out = Vec::new();
        for t in self
            .tokens
            .iter()
            .filter(|t| t.kind == TokenKind::Distinctive)
        {
            out.push(t.text.clone());
            if t.chinese {
                out.push(t.key.clone());
            }
        }
        out
    }
}

/// Remembers a costly pure function's answers for recent inputs: the same names and phones are
/// normalised again and again (an import row by its check and again for the index in the
/// writer, a candidate's name by every check that finds it, a form on each key stroke).
/// Bounded: it forgets everything once full.
struct Memo<K, V> {
    map: LazyLock<Mutex<HashMap<K, V>>>,
}

impl<K: Hash + Eq, V: Clone> Memo<K, V> {
    const CAPACITY: usize = 20_000;

    const fn new() -> Self {
        Memo {
            map: LazyLock::new(Mutex::default),
        }
    }

    fn get_or(&self, key: K, compute: impl FnOnce(&K) -> V) -> V {
        if let Some(v) = self.map.lock().ok().and_then(|m| m.get(&key).cloned()) {
            return v;
        }
        let v = compute(&key);
        if let Ok(mut m) = self.map.lock() {
            if m.len() >= Self::CAPACITY {
                m.clear();
            }
            m.insert(key, v.clone());
        }
        v
    }
}

static NAME_FORMS: Memo<String, NameForm> = Memo::new();

/// Normalises a company name (see the module documentation).
pub fn name_form(name: &str) -> NameForm {
    NAME_FORMS.get_or(name.to_string(), |name| normalise_name(name))
}

fn normalise_name(name: &str) -> NameForm {
    let folded = fold(name);
    let mut items = Vec::new();
    for piece in merge_initials(pieces(&folded)) {
        match piece {
            Piece::Cjk(run, bracket) => chinese_items(&run, bracket, &mut items),
            Piece::Word(word, bracket) => latin_word(&word, bracket, &mut items),
            Piece::Sep(_) => {}
        }
    }
    let items = find_latin_places(items);
    let legal = legal_form(&folded);
    let mut form = assemble(folded, items);
    form.legal = legal;
    form.transliterated = name
        .chars()
        .any(|c| matches!(c, '\u{0370}'..='\u{03FF}' | '\u{0400}'..='\u{04FF}'));
    form
}

/// The exact name key of a company name (see [`NameForm::key`]).
pub fn name_key(name: &str) -> Option<String> {
    name_form(name).key()
}

/// Spells the German umlaut transliterations ue / oe / ae after a consonant as u / o / a, so a
/// word folded from Müller (muller) and one written Mueller get the same form. Applied to every
/// Latin word on both sides of a comparison, so it only has to be consistent.
pub fn umlaut_key(word: &str) -> String {
    let chars: Vec<char> = word.chars().collect();
    let mut out = String::with_capacity(word.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        out.push(c);
        if matches!(c, 'a' | 'o' | 'u')
            && chars.get(i + 1) == Some(&'e')
            && i > 0
            && is_consonant(chars[i - 1])
        {
            i += 2;
        } else {
            i += 1;
        }
    }
    out
}

fn is_consonant(c: char) -> bool {
    c.is_ascii_alphabetic() && !matches!(c, 'a' | 'e' | 'i' | 'o' | 'u' | 'y')
}

/// Toneless pinyin of Chinese text, ü written u (联丰 → lianfeng, 绿 → lu).
pub fn pinyin_key(chinese: &str) -> String {
    let mut out = String::new();
    for (c, py) in chinese.chars().zip(chinese.to_pinyin()) {
        match py {
            Some(p) => out.push_str(&p.plain().replace('ü', "u")),
            None => out.push(c),
        }
    }
    umlaut_key(&out)
}

/// Can this Latin word be read as the Chinese characters, with any of each character's
/// readings (长城 = changcheng or zhangcheng; 绿 = lu, lv or lyu)?
pub fn reads_as(chinese: &str, latin: &str) -> bool {
    let readings: Vec<Vec<String>> = chinese
        .to_pinyin_multi()
        .map(|m| {
            let mut r: Vec<String> = Vec::new();
            if let Some(m) = m {
                for p in m {
                    let plain = p.plain();
                    if plain.contains('ü') {
                        r.push(plain.replace('ü', "u"));
                        r.push(plain.replace('ü', "v"));
                        r.push(plain.replace('ü', "yu"));
                    } else {
                        r.push(plain.to_string());
                    }
                }
            }
            r
        })
        .collect();
    if readings.is_empty() || readings.iter().any(|r| r.is_empty()) {
        return false;
    }
    let latin = latin.as_bytes();
    // reachable[i]: the first i bytes of `latin` spell a prefix of the characters.
    let mut positions: HashSet<usize> = HashSet::from([0]);
    for char_readings in &readings {
        let mut next = HashSet::new();
        for &pos in &positions {
            for r in char_readings {
                if latin[pos..].starts_with(r.as_bytes()) {
                    next.insert(pos + r.len());
                }
            }
        }
        if next.is_empty() {
            return false;
        }
        positions = next;
    }
    positions.contains(&latin.len())
}

/// Every toneless pinyin syllable (from the pinyin crate's readings of the common ideographs).
static PINYIN_SYLLABLES: LazyLock<HashSet<String>> = LazyLock::new(|| {
    let mut set = HashSet::new();
    for c in (0x4E00u32..=0x9FFF).filter_map(char::from_u32) {
        if let Some(m) = c.to_pinyin_multi() {
            // Interjections without a vowel (嗯 n, ng; 呣 m) would let any consonant through.
            for p in m
                .into_iter()
                .filter(|p| p.plain().contains(['a', 'e', 'i', 'o', 'u', 'ü']))
            {
                set.insert(p.plain().replace('ü', "v"));
                set.insert(p.plain().replace('ü', "u"));
            }
        }
    }
    set
});

/// Is this Latin word a run of pinyin syllables (huaxin, lianfeng)? Two such words a letter
/// apart are different Chinese names (Huaxin 华信, Huaxing 华兴), not a typo of one.
pub fn is_pinyin(word: &str) -> bool {
    let n = word.len();
    if n == 0 || !word.is_ascii() {
        return false;
    }
    let mut reach = vec![false; n + 1];
    reach[0] = true;
    for i in 0..n {
        if !reach[i] {
            continue;
        }
        for len in 1..=6.min(n - i) {
            if PINYIN_SYLLABLES.contains(&word[i..i + len]) {
                reach[i + len] = true;
            }
        }
    }
    reach[n]
}

/// Pieces of folded text: Latin words, Chinese runs and separators, each word marked when it
/// stands in brackets.
#[derive(Clone, Debug)]
enum Piece {
    Word(String, bool),
    Cjk(String, bool),
    Sep(char),
}

fn pieces(folded: &str) -> Vec<Piece> {
    let mut out = Vec::new();
    let mut depth = 0usize;
    let mut word = String::new();
    let mut cjk = String::new();
    let flush = |out: &mut Vec<Piece>, word: &mut String, cjk: &mut String, depth: usize| {
        if !word.is_empty() {
            out.push(Piece::Word(std::mem::take(word), depth > 0));
        }
        if !cjk.is_empty() {
            out.push(Piece::Cjk(std::mem::take(cjk), depth > 0));
        }
    };
    for c in folded.chars() {
        if is_cjk(c) {
            if !word.is_empty() {
                out.push(Piece::Word(std::mem::take(&mut word), depth > 0));
            }
            cjk.push(c);
        } else if c.is_alphanumeric() {
            if !cjk.is_empty() {
                out.push(Piece::Cjk(std::mem::take(&mut cjk), depth > 0));
            }
            word.push(c);
        } else if matches!(c, '\'' | '’' | '‘' | '`' | '´') {
            // Int'l, O'Brien: one word.
        } else {
            flush(&mut out, &mut word, &mut cjk, depth);
            match c {
                '(' | '[' | '{' | '【' | '〔' | '「' | '《' | '<' => depth += 1,
                ')' | ']' | '}' | '】' | '〕' | '」' | '》' | '>' => {
                    depth = depth.saturating_sub(1)
                }
                _ => {}
            }
            out.push(Piece::Sep(c));
        }
    }
    flush(&mut out, &mut word, &mut cjk, depth);
    out
}

/// Joins single letters written with dots, slashes or ampersands into one word:
/// L.L.C. → llc, S.r.l. → srl, A/S → as, I/E → ie, H&M → hm.
fn merge_initials(pieces: Vec<Piece>) -> Vec<Piece> {
    let is_initial = |p: Option<&Piece>| match p {
        Some(Piece::Word(w, _)) => w.chars().count() == 1 && w.chars().all(char::is_alphabetic),
        _ => false,
    };
    let mut out = Vec::new();
    let mut i = 0;
    while i < pieces.len() {
        if !is_initial(pieces.get(i)) {
            out.push(pieces[i].clone());
            i += 1;
            continue;
        }
        let Piece::Word(first, bracket) = &pieces[i] else {
            unreachable!()
        };
        let mut merged = first.clone();
        let mut last = i;
        loop {
            let mut k = last + 1;
            let mut joined = false;
            while let Some(Piece::Sep(c)) = pieces.get(k) {
                joined |= matches!(c, '.' | '/' | '&');
                k += 1;
            }
            if joined && is_initial(pieces.get(k)) {
                if let Some(Piece::Word(w, _)) = pieces.get(k) {
                    merged.push_str(w);
                }
                last = k;
            } else {
                break;
            }
        }
        out.push(Piece::Word(merged, *bracket));
        i = last + 1;
    }
    out
}

/// A word of a name before legal forms and places at its edges are removed.
#[derive(Clone, Debug)]
enum Item {
    Token(NameToken),
    /// A Latin word, kept until its neighbours tell whether it is a place.
    Latin {
        word: String,
        bracket: bool,
    },
    Place {
        id: String,
        level: PlaceLevel,
        bracket: bool,
        /// Found as the prefix of a Chinese name (广州市联丰…): always noise.
        prefix: bool,
        written: String,
        chinese: bool,
    },
    /// City, Province, District after a place.
    PlaceWord,
    Legal {
        word: String,
        start: bool,
        end: bool,
    },
}

fn latin_word(word: &str, bracket: bool, items: &mut Vec<Item>) {
    if let Some((_, expansion)) = lexicon::MULTI_WORD.iter().find(|(w, _)| *w == word) {
        for w in *expansion {
            items.push(Item::Latin {
                word: (*w).to_string(),
                bracket,
            });
        }
        return;
    }
    let word = lexicon::ALIASES
        .iter()
        .find(|(w, _)| *w == word)
        .map_or(word, |(_, to)| to);
    if lexicon::STOPWORDS.contains(&word) {
        return;
    }
    items.push(Item::Latin {
        word: word.to_string(),
        bracket,
    });
}

static LATIN_PLACES: LazyLock<HashMap<&'static str, (&'static str, PlaceLevel)>> =
    LazyLock::new(|| {
        let mut m = HashMap::new();
        for (_, id, level, aliases) in lexicon::PLACES {
            m.insert(*id, (*id, *level));
            for a in *aliases {
                m.insert(*a, (*id, *level));
            }
        }
        m
    });

static LATIN_CONCEPTS: LazyLock<HashMap<String, &'static Concept>> = LazyLock::new(|| {
    let mut m = HashMap::new();
    for c in lexicon::CONCEPTS {
        for w in c.latin {
            m.entry(umlaut_key(w)).or_insert(c);
        }
    }
    m
});

/// Chinese trade words, longest first, each with the concepts it names (进出口: import, export).
static ZH_CONCEPTS: LazyLock<Vec<(&'static str, Vec<&'static Concept>)>> = LazyLock::new(|| {
    let by_id = |id: &str| lexicon::CONCEPTS.iter().find(|c| c.id == id);
    let mut v: Vec<(&'static str, Vec<&'static Concept>)> = lexicon::CONCEPTS
        .iter()
        .flat_map(|c| c.zh.iter().map(move |w| (*w, vec![c])))
        .collect();
    for (word, ids) in lexicon::ZH_MULTI_WORD {
        v.push((word, ids.iter().filter_map(|id| by_id(id)).collect()));
    }
    v.sort_by_key(|(w, _)| std::cmp::Reverse(w.chars().count()));
    v
});

/// Chinese trade words by word, for splitting a brand.
static ZH_CONCEPT_WORDS: LazyLock<HashMap<&'static str, &'static Vec<&'static Concept>>> =
    LazyLock::new(|| ZH_CONCEPTS.iter().map(|(w, c)| (*w, c)).collect());

/// Chinese places, longest first.
static ZH_PLACES: LazyLock<Vec<(&'static str, &'static str, PlaceLevel)>> = LazyLock::new(|| {
    let mut v: Vec<_> = lexicon::PLACES
        .iter()
        .map(|(zh, id, level, _)| (*zh, *id, *level))
        .collect();
    v.sort_by_key(|(zh, _, _)| std::cmp::Reverse(zh.chars().count()));
    v
});

fn latin_concept(word: &str) -> Option<&'static Concept> {
    let key = umlaut_key(word);
    if let Some(c) = LATIN_CONCEPTS.get(&key) {
        return Some(c);
    }
    if key.len() >= 5 && key.ends_with('s') {
        return LATIN_CONCEPTS.get(&key[..key.len() - 1]).copied();
    }
    None
}

fn concept_token(c: &'static Concept, written: &str, chinese: bool) -> NameToken {
    NameToken {
        kind: match c.weight {
            Weight::Trade => TokenKind::Trade,
            Weight::Generic => TokenKind::Generic,
        },
        text: if chinese {
            written.to_string()
        } else {
            umlaut_key(written)
        },
        written: written.to_string(),
        key: c.id.to_string(),
        family: c.family,
        chinese,
    }
}

fn distinctive_token(written: &str, chinese: bool) -> NameToken {
    if chinese {
        NameToken {
            kind: TokenKind::Distinctive,
            text: written.to_string(),
            written: written.to_string(),
            key: pinyin_key(written),
            family: "",
            chinese,
        }
    } else {
        let text = umlaut_key(written);
        NameToken {
            kind: TokenKind::Distinctive,
            key: text.clone(),
            text,
            written: written.to_string(),
            family: "",
            chinese,
        }
    }
}

fn latin_token(word: &str) -> NameToken {
    match latin_concept(word) {
        Some(c) => concept_token(c, word, false),
        None => distinctive_token(word, false),
    }
}

/// Classifies Latin words: places (also spelt in parts: Guang Zhou, Hong Kong), words that go
/// with a place, legal forms, trade and generic words, distinctive words.
fn find_latin_places(items: Vec<Item>) -> Vec<Item> {
    let mut out: Vec<Item> = Vec::with_capacity(items.len());
    let mut i = 0;
    while i < items.len() {
        let Item::Latin { word, .. } = &items[i] else {
            out.push(items[i].clone());
            i += 1;
            continue;
        };
        // Legal forms written as several words.
        if let Some(seq) = lexicon::LEGAL_SEQUENCES.iter().find(|seq| {
            seq.iter().enumerate().all(
                |(k, w)| matches!(items.get(i + k), Some(Item::Latin { word, .. }) if word == w),
            )
        }) {
            i += seq.len();
            continue;
        }
        // A place written in up to three parts.
        let mut found = None;
        for n in (1..=3).rev() {
            if i + n > items.len() {
                continue;
            }
            let mut joined = String::new();
            let mut in_bracket = false;
            let mut all_latin = true;
            for it in &items[i..i + n] {
                match it {
                    Item::Latin { word, bracket } => {
                        joined.push_str(word);
                        in_bracket |= *bracket;
                    }
                    _ => all_latin = false,
                }
            }
            if all_latin && let Some((id, level)) = LATIN_PLACES.get(joined.as_str()) {
                found = Some((n, *id, *level, joined, in_bracket));
                break;
            }
        }
        if let Some((n, id, level, written, bracket)) = found {
            out.push(Item::Place {
                id: id.to_string(),
                level,
                bracket,
                prefix: false,
                written,
                chinese: false,
            });
            i += n;
            continue;
        }
        let after_place = matches!(out.last(), Some(Item::Place { .. } | Item::PlaceWord));
        let w = word.as_str();
        if after_place && lexicon::PLACE_WORDS.contains(&w) {
            out.push(Item::PlaceWord);
        } else if lexicon::LEGAL_ANYWHERE.contains(&w) {
            // Dropped wherever it stands.
        } else if lexicon::LEGAL_END.contains(&w) || lexicon::LEGAL_START.contains(&w) {
            out.push(Item::Legal {
                word: w.to_string(),
                start: lexicon::LEGAL_START.contains(&w),
                end: lexicon::LEGAL_END.contains(&w),
            });
        } else {
            out.push(Item::Token(latin_token(w)));
        }
        i += 1;
    }
    out
}

/// The longest Chinese place at the start of `text`, with an administrative suffix (市, 省 …):
/// (place, id, level, bytes taken).
fn zh_place_prefix(text: &str) -> Option<(&'static str, &'static str, PlaceLevel, usize)> {
    for (zh, id, level) in ZH_PLACES.iter() {
        if let Some(rest) = text.strip_prefix(zh) {
            let suffix = lexicon::ZH_PLACE_SUFFIX
                .iter()
                .find(|s| rest.starts_with(*s))
                .map_or(0, |s| s.len());
            return Some((zh, id, *level, zh.len() + suffix));
        }
    }
    None
}

/// A Chinese run: places at its start, legal forms and trade words at its end, the brand in
/// between (split into words by jieba).
fn chinese_items(run: &str, bracket: bool, items: &mut Vec<Item>) {
    let mut rest = run;
    let mut last_level: Option<PlaceLevel> = None;
    // 广东省深圳市…: places from the larger to the smaller; a second city is no prefix (深圳市金华…
    // keeps 金华, which is the brand there).
    while let Some((zh, id, level, len)) = zh_place_prefix(rest) {
        if last_level.is_some_and(|l| level <= l) {
            break;
        }
        items.push(Item::Place {
            id: id.to_string(),
            level,
            bracket,
            prefix: true,
            written: zh.to_string(),
            chinese: true,
        });
        rest = &rest[len..];
        last_level = Some(level);
    }
    let chars: Vec<char> = rest.chars().collect();
    if last_level.is_none() && chars.len() >= 5 && matches!(chars[2], '市' | '县') {
        // A city we do not list: 乐清市…
        let name: String = chars[..2].iter().collect();
        items.push(Item::Place {
            id: pinyin_key(&name),
            level: PlaceLevel::City,
            bracket,
            prefix: true,
            written: name,
            chinese: true,
        });
        rest = &rest[chars[..3].iter().map(|c| c.len_utf8()).sum::<usize>()..];
        last_level = Some(PlaceLevel::City);
    }
    if last_level.is_some() {
        // A district, county or town after the city: 南山区, 小榄镇, 高新区.
        let chars: Vec<char> = rest.chars().collect();
        for k in 1..=4 {
            if chars.len() >= k + 3 && matches!(chars[k], '区' | '县' | '镇') {
                rest = &rest[chars[..=k].iter().map(|c| c.len_utf8()).sum::<usize>()..];
                break;
            }
        }
    }
    // Legal forms and trade words from the end.
    let mut tail = Vec::new();
    loop {
        if let Some(legal) = lexicon::ZH_LEGAL.iter().find(|l| rest.ends_with(*l)) {
            rest = &rest[..rest.len() - legal.len()];
            continue;
        }
        if let Some((word, concepts)) = ZH_CONCEPTS.iter().find(|(w, _)| rest.ends_with(*w)) {
            for c in concepts.iter().rev() {
                tail.push(Item::Token(concept_token(c, word, true)));
            }
            rest = &rest[..rest.len() - word.len()];
            continue;
        }
        break;
    }
    brand_items(rest, items);
    items.extend(tail.into_iter().rev());
}

/// Splits a Chinese brand into words: jieba's words, trade words recognised, single characters
/// kept with their neighbours (联丰 stays one word even when jieba splits it).
fn brand_items(brand: &str, items: &mut Vec<Item>) {
    if brand.is_empty() {
        return;
    }
    let vocab: HashSet<String> = words(brand)
        .into_iter()
        .filter(|w| w.chars().count() >= 2 && w.chars().all(is_cjk))
        .collect();
    let chars: Vec<char> = brand.chars().collect();
    let mut parts: Vec<(String, Option<&Vec<&'static Concept>>)> = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let mut best: Option<(usize, Option<&Vec<&'static Concept>>)> = None;
        for j in (i + 2..=chars.len()).rev() {
            let s: String = chars[i..j].iter().collect();
            if let Some(c) = ZH_CONCEPT_WORDS.get(s.as_str()) {
                best = Some((j, Some(*c)));
                break;
            }
            if vocab.contains(&s) {
                best = Some((j, None));
                break;
            }
        }
        let (j, concept) = best.unwrap_or((i + 1, None));
        parts.push((chars[i..j].iter().collect(), concept));
        i = j;
    }
    let mut run: Vec<String> = Vec::new();
    let flush = |run: &mut Vec<String>, items: &mut Vec<Item>| {
        if run.is_empty() {
            return;
        }
        if run.iter().all(|p| p.chars().count() >= 2) {
            for p in run.iter() {
                items.push(Item::Token(distinctive_token(p, true)));
            }
        } else {
            items.push(Item::Token(distinctive_token(&run.concat(), true)));
        }
        run.clear();
    };
    for (part, concept) in parts {
        match concept {
            Some(concepts) => {
                flush(&mut run, items);
                for c in concepts {
                    items.push(Item::Token(concept_token(c, &part, true)));
                }
            }
            None => run.push(part),
        }
    }
    flush(&mut run, items);
}

/// Removes legal forms and places at the edges of the name, and places in brackets or at the
/// start of a Chinese name; what is left in the middle is part of the name.
fn assemble(folded: String, mut items: Vec<Item>) -> NameForm {
    // (position, item) of every place removed, to restore one when no distinctive word is left.
    let mut removed: Vec<(usize, Item)> = Vec::new();
    let mut indexed: Vec<(usize, Item)> = Vec::new();
    for (i, item) in items.drain(..).enumerate() {
        match &item {
            Item::Place {
                bracket, prefix, ..
            } if *bracket || *prefix => removed.push((i, item)),
            _ => indexed.push((i, item)),
        }
    }
    let substantive = |v: &[(usize, Item)]| {
        v.iter()
            .filter(|(_, it)| !matches!(it, Item::PlaceWord))
            .count()
    };
    let mut leading_level: Option<PlaceLevel> = removed
        .iter()
        .filter_map(|(_, it)| match it {
            Item::Place {
                level,
                prefix: true,
                ..
            } => Some(*level),
            _ => None,
        })
        .max();
    loop {
        let mut changed = false;
        // From the end: legal forms, places, City / Province.
        if substantive(&indexed) > 1 || matches!(indexed.last(), Some((_, Item::PlaceWord))) {
            match indexed.last() {
                Some((_, Item::Legal { end: true, .. })) | Some((_, Item::PlaceWord)) => {
                    indexed.pop();
                    changed = true;
                }
                Some((_, Item::Place { .. })) => {
                    if let Some(last) = indexed.pop() {
                        removed.push(last);
                    }
                    changed = true;
                }
                _ => {}
            }
        }
        // From the start: legal forms that stand first, places from the larger to the smaller.
        if substantive(&indexed) > 1 || matches!(indexed.first(), Some((_, Item::PlaceWord))) {
            match indexed.first() {
                Some((_, Item::Legal { start: true, .. })) | Some((_, Item::PlaceWord)) => {
                    indexed.remove(0);
                    changed = true;
                }
                Some((_, Item::Place { level, .. }))
                    if leading_level.is_none_or(|l| *level > l) =>
                {
                    leading_level = Some(*level);
                    removed.push(indexed.remove(0));
                    changed = true;
                }
                _ => {}
            }
        }
        if !changed {
            break;
        }
    }
    let to_token = |item: Item| -> Option<NameToken> {
        match item {
            Item::Token(t) => Some(t),
            Item::Latin { word, .. } => Some(latin_token(&word)),
            Item::Legal { word, .. } => Some(distinctive_token(&word, false)),
            Item::Place {
                written, chinese, ..
            } => Some(distinctive_token(&written, chinese)),
            Item::PlaceWord => None,
        }
    };
    let mut tokens: Vec<(usize, NameToken)> = indexed
        .into_iter()
        .filter_map(|(i, it)| to_token(it).map(|t| (i, t)))
        .collect();
    if !tokens.iter().any(|(_, t)| t.kind == TokenKind::Distinctive) {
        // Nothing of the firm's own name is left: the last place named was its name
        // (Shanghai Trading Co., 金华电子).
        let restore = removed
            .iter()
            .enumerate()
            .filter(|(_, (_, it))| matches!(it, Item::Place { bracket: false, .. }))
            .max_by_key(|(_, (pos, _))| *pos)
            .map(|(k, _)| k);
        if let Some(k) = restore {
            let (pos, item) = removed.remove(k);
            if let Some(t) = to_token(item) {
                tokens.push((pos, t));
                tokens.sort_by_key(|(p, _)| *p);
            }
        }
    }
    let mut cities = Vec::new();
    for (_, item) in &removed {
        if let Item::Place {
            id,
            level: PlaceLevel::City,
            ..
        } = item
            && !cities.contains(id)
        {
            cities.push(id.clone());
        }
    }
    NameForm {
        folded,
        tokens: tokens.into_iter().map(|(_, t)| t).collect(),
        cities,
        transliterated: false,
        legal: None,
    }
}

// ---------------------------------------------------------------------------------------------
// Legal forms
// ---------------------------------------------------------------------------------------------

/// The legal-form words of a folded name: its Latin words, with runs of single letters joined
/// (K.K. → kk, S.r.l. → srl, Sp. z o.o. → spzoo), and its Chinese or Japanese legal form.
fn legal_words(folded: &str) -> Vec<String> {
    let mut words: Vec<String> = Vec::new();
    let mut initials = String::new();
    let flush = |initials: &mut String, words: &mut Vec<String>| {
        if !initials.is_empty() {
            words.push(std::mem::take(initials));
        }
    };
    for w in folded
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        if w.chars().count() == 1 {
            initials.push_str(w);
        } else {
            flush(&mut initials, &mut words);
            words.push(w.to_string());
        }
    }
    flush(&mut initials, &mut words);
    // "Sp. z o.o." is read as sp + zoo.
    if let Some(i) = words.windows(2).position(|p| p[0] == "sp" && p[1] == "zoo") {
        words[i] = "spzoo".into();
        words.remove(i + 1);
    }
    if folded.contains("株式会社") {
        words.push("株式会社".into());
    } else if folded.contains("有限公司") {
        words.push("有限公司".into());
    }
    words
}

/// A name's legal form: `id` compares spellings of one form as one (Ltd = Limited = Co., Ltd.,
/// K.K. = Kabushiki Kaisha, S.A. = SA, GmbH & Co. KG = GmbH u. Co. KG); `written` is for a
/// reason.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LegalForm {
    pub id: String,
    pub written: String,
}

impl LegalForm {
    /// "Ltd", "Co., Ltd.", "Company": the English a rep writes for any firm's form (a GmbH is
    /// "Müller Ltd" in many books), so it tells no form from another.
    pub fn is_generic(&self) -> bool {
        matches!(self.id.as_str(), "ltd" | "co")
    }
}

/// The Latin legal form at the end of a name (or, for Russian forms, at its start). Chinese
/// forms (有限公司, 有限责任公司 …) are no evidence: they are written loosely.
pub fn legal_form(folded: &str) -> Option<LegalForm> {
    let words = legal_words(folded);
    let is_legal =
        |w: &str| lexicon::LEGAL_WORDS.contains(&w) || lexicon::LEGAL_JOINERS.contains(&w);
    let mut take = words.iter().rev().take_while(|w| is_legal(w)).count();
    // A name is not all legal form ("Company Limited" names nothing).
    if take == words.len() {
        take = take.saturating_sub(1);
    }
    let mut form: Vec<&str> = words[words.len() - take..]
        .iter()
        .map(String::as_str)
        .collect();
    if form.is_empty()
        && let Some(first) = words.first()
        && [
            "ooo", "ao", "zao", "oao", "pao", "ооо", "ао", "зао", "оао", "пао",
        ]
        .contains(&first.as_str())
        && words.len() > 1
    {
        form.push(first);
    }
    // Joining words do not start or end a form.
    while form
        .first()
        .is_some_and(|w| lexicon::LEGAL_JOINERS.contains(w))
    {
        form.remove(0);
    }
    while form
        .last()
        .is_some_and(|w| lexicon::LEGAL_JOINERS.contains(w))
    {
        form.pop();
    }
    if form.is_empty() {
        return None;
    }
    let mapped: Vec<&str> = form
        .iter()
        .filter(|w| !lexicon::LEGAL_JOINERS.contains(w))
        .map(|w| {
            lexicon::LEGAL_SYNONYMS
                .iter()
                .find(|(from, _)| from == w)
                .map_or(*w, |(_, to)| *to)
        })
        .filter(|w| !w.is_empty())
        .collect();
    // "Co., Ltd." is the English of a limited company, as "Ltd" is; "Joint Stock Company" is
    // a JSC.
    let mut id = String::new();
    for (i, w) in mapped.iter().enumerate() {
        let next = mapped.get(i + 1);
        let before = i.checked_sub(1).and_then(|j| mapped.get(j));
        if *w == "co"
            && (next.is_some_and(|n| ["ltd", "inc", "llc"].contains(n))
                || before.is_some_and(|b| *b == "jsc"))
        {
            continue;
        }
        id.push_str(w);
    }
    (!id.is_empty()).then(|| LegalForm {
        id,
        written: form.join(" "),
    })
}

// ---------------------------------------------------------------------------------------------
// E-mail addresses
// ---------------------------------------------------------------------------------------------

/// The address in a comparable form: lower case, full-width folded, `Name <addr>` and `mailto:`
/// unwrapped, a `+tag` removed, Gmail's dots ignored. `None` when it is no address.
pub fn email_address(raw: &str) -> Option<String> {
    let text: String = raw.nfkc().collect::<String>().trim().to_lowercase();
    let text = match (text.rfind('<'), text.rfind('>')) {
        (Some(a), Some(b)) if a < b => text[a + 1..b].to_string(),
        _ => text,
    };
    let text = text.strip_prefix("mailto:").unwrap_or(&text).trim();
    let (local, domain) = text.rsplit_once('@')?;
    let domain = domain.trim_end_matches('.');
    if local.is_empty()
        || local.contains(['@', ' ', '\t', ',', ';', '<', '>'])
        || !valid_host(domain)
    {
        return None;
    }
    let local = local.split('+').next().unwrap_or(local);
    if local.is_empty() {
        return None;
    }
    if matches!(domain, "gmail.com" | "googlemail.com") {
        return Some(format!("{}@gmail.com", local.replace('.', "")));
    }
    Some(format!("{local}@{domain}"))
}

/// The registrable domain of an address (anna@sales.brandt.de → brandt.de).
pub fn email_domain(raw: &str) -> Option<String> {
    let address = email_address(raw)?;
    let (_, host) = address.rsplit_once('@')?;
    registrable(host)
}

/// The company's domain of an address; `None` for free-mail providers (gmail.com, qq.com …),
/// whose domain says nothing about the firm.
pub fn email_company_domain(raw: &str) -> Option<String> {
    email_domain(raw).filter(|d| !is_free_mail_domain(d))
}

/// Is this (registrable) domain a free-mail provider's?
pub fn is_free_mail_domain(domain: &str) -> bool {
    let domain = domain.trim().trim_end_matches('.').to_lowercase();
    let registrable = registrable(&domain).unwrap_or_else(|| domain.clone());
    if lexicon::FREE_MAIL_DOMAINS.contains(&registrable.as_str())
        || lexicon::FREE_MAIL_DOMAINS.contains(&domain.as_str())
    {
        return true;
    }
    let label = registrable.split('.').next().unwrap_or("");
    lexicon::FREE_MAIL_BRANDS.contains(&label)
}

fn valid_host(host: &str) -> bool {
    host.contains('.')
        && host.split('.').all(|l| {
            !l.is_empty()
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_alphanumeric() || c == '-')
        })
}

/// The registrable domain (public suffix list, private part included): shop.huaxin.com.cn →
/// huaxin.com.cn, acme.myshopify.com stays itself.
fn registrable(host: &str) -> Option<String> {
    psl::domain_str(host).map(str::to_string)
}

// ---------------------------------------------------------------------------------------------
// Phone numbers
// ---------------------------------------------------------------------------------------------

/// A phone number in E.164 (+8675588881234). Numbers without a country code are read as
/// numbers of `region` (ISO code of the record's country, or the company's default); an
/// extension (ext. 12, x12, 转12, 分机12) is ignored. `None` for anything that is not a valid
/// number.
pub fn phone_e164(raw: &str, region: &str) -> Option<String> {
    static PHONES: Memo<(String, String), Option<String>> = Memo::new();
    PHONES.get_or((raw.to_string(), region.to_string()), |(raw, region)| {
        parse_phone(raw, region)
    })
}

/// The phone-number library keeps its metadata's regexes in an LRU of 100, fewer than the
/// patterns a book of many countries uses, so every parse compiled regexes again (most of an
/// import's time on a realistic book). Room for the patterns of every country, set once.
fn widen_phone_regex_cache() {
    static WIDENED: std::sync::Once = std::sync::Once::new();
    WIDENED.call_once(|| {
        if let Ok(mut cache) = phonenumber::metadata::DATABASE.cache().lock() {
            *cache = regex_cache::RegexCache::new(PHONE_REGEXES);
        }
    });
}

/// Compiled phone-number regexes kept (a few kB each).
const PHONE_REGEXES: usize = 2_000;

fn parse_phone(raw: &str, region: &str) -> Option<String> {
    widen_phone_regex_cache();
    let text: String = raw.nfkc().collect::<String>().to_lowercase();
    let text = strip_extension(&text);
    let digits = text.chars().filter(char::is_ascii_digit).count();
    if !(5..=17).contains(&digits) {
        return None;
    }
    // 0044…: the international prefix of most countries; NANP and others use another one, and
    // no national number starts with 00, so read it as + everywhere.
    let trimmed = text.trim_start_matches(|c: char| !c.is_ascii_digit() && c != '+');
    let text = match trimmed.strip_prefix("00") {
        Some(rest) if !rest.starts_with('0') => format!("+{rest}"),
        _ => trimmed.to_string(),
    };
    let region: Option<phonenumber::country::Id> = region.trim().to_uppercase().parse().ok();
    let number = phonenumber::parse(region, &text).ok()?;
    if !phonenumber::is_valid(&number) {
        return None;
    }
    Some(number.format().mode(phonenumber::Mode::E164).to_string())
}

/// The country (ISO code) of a number in E.164.
pub fn phone_country(e164: &str) -> Option<String> {
    let number = phonenumber::parse(None, e164).ok()?;
    number.country().id().map(|id| format!("{id:?}"))
}

/// Every number in a field that may hold several ("020-38885678 / 13800138000").
pub fn phone_numbers(raw: &str, region: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    if let Some(n) = phone_e164(raw, region) {
        out.push(n);
        return out;
    }
    for part in raw.split([';', ',', '、', '|', '\n', '/', '；', '，', '或']) {
        if let Some(n) = phone_e164(part, region)
            && !out.contains(&n)
        {
            out.push(n);
        }
    }
    out
}

fn strip_extension(text: &str) -> &str {
    let mut end = text.len();
    for marker in ["转", "分机", "ext", "#", "доб"] {
        if let Some(i) = text.find(marker)
            && text[..i].chars().any(|c| c.is_ascii_digit())
        {
            end = end.min(i);
        }
    }
    // x12 after the number.
    if let Some(i) = text.rfind('x') {
        let before = text[..i].trim_end();
        let after = text[i + 1..].trim_start_matches(['.', ' ', ':']);
        if before.ends_with(|c: char| c.is_ascii_digit() || c == ')')
            && !after.is_empty()
            && after.chars().all(|c| c.is_ascii_digit())
        {
            end = end.min(i);
        }
    }
    &text[..end]
}

// ---------------------------------------------------------------------------------------------
// Websites
// ---------------------------------------------------------------------------------------------

/// The firm a website names: its registrable domain, with scheme, www, port and path ignored
/// (https://www.brandt-werkzeuge.de/shop/ → brandt-werkzeuge.de). A shop on a marketplace or
/// site builder is the shop, not the marketplace: lianfeng.en.alibaba.com → lianfeng.alibaba.com,
/// amazon.de/shops/acme → amazon.de/shops/acme. `None` for no website, or a marketplace's own
/// page that names no shop.
pub fn website_key(raw: &str) -> Option<String> {
    let text: String = raw.nfkc().collect::<String>().trim().to_lowercase();
    let rest = match text.find("://") {
        Some(i) => &text[i + 3..],
        None => text.trim_start_matches("//"),
    };
    let end = rest.find(['/', '?', '#', '\\']).unwrap_or(rest.len());
    let (authority, path) = rest.split_at(end);
    let host = authority.rsplit('@').next().unwrap_or(authority);
    let host = match host.rsplit_once(':') {
        Some((h, port)) if port.chars().all(|c| c.is_ascii_digit()) => h,
        _ => host,
    };
    let host = host.trim_end_matches('.');
    if host.parse::<std::net::Ipv4Addr>().is_ok() {
        return Some(host.to_string());
    }
    if !valid_host(host) {
        return None;
    }
    let domain = registrable(host)?;
    let label = domain.split('.').next().unwrap_or("");
    let listed = |list: &[&str]| list.contains(&domain.as_str()) || list.contains(&label);
    if !listed(lexicon::SHOP_PLATFORMS) && !listed(lexicon::PATH_PLATFORMS) {
        return Some(domain);
    }
    // The shop's own label: lianfeng.en.alibaba.com → lianfeng.
    let sub = host
        .strip_suffix(domain.as_str())
        .unwrap_or("")
        .trim_end_matches('.');
    let shop = sub
        .split('.')
        .rfind(|l| !l.is_empty() && !lexicon::NON_SHOP_LABELS.contains(l));
    if let Some(shop) = shop {
        return Some(format!("{shop}.{domain}"));
    }
    if listed(lexicon::PATH_PLATFORMS) {
        // amazon.com/shops/acme, facebook.com/acme, amazon.de/s?me=A1B2C3.
        let (path, query) = path.split_once('?').unwrap_or((path, ""));
        let segments: Vec<&str> = path
            .split(['/', '#'])
            .filter(|s| !s.is_empty() && !s.ends_with(".html") && !s.ends_with(".htm"))
            .collect();
        const KINDS: &[&str] = &[
            "shop", "shops", "store", "stores", "company", "pages", "view", "in", "user", "users",
            "channel", "c", "profile", "people", "groups", "seller", "sellers", "brand", "brands",
            "sp", "s", "pg", "str", "usr",
        ];
        let take = match segments.first() {
            Some(first) if KINDS.contains(first) => 2,
            _ => 1,
        };
        if segments.len() >= take {
            return Some(format!("{domain}/{}", segments[..take].join("/")));
        }
        for pair in query.split('&') {
            if let Some((k, v)) = pair.split_once('=')
                && matches!(k, "me" | "seller" | "shop_id" | "storeid" | "store_id")
                && !v.is_empty()
            {
                return Some(format!("{domain}/seller/{v}"));
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(name: &str) -> Vec<String> {
        name_form(name)
            .tokens
            .iter()
            .map(|t| format!("{}:{}", kind(t.kind), t.key))
            .collect()
    }

    fn kind(k: TokenKind) -> &'static str {
        match k {
            TokenKind::Distinctive => "D",
            TokenKind::Trade => "T",
            TokenKind::Generic => "G",
        }
    }

    #[test]
    fn umlauts_and_their_spellings_are_one_word() {
        assert_eq!(umlaut_key("muller"), "muller");
        assert_eq!(umlaut_key("mueller"), "muller");
        assert_eq!(umlaut_key("schroeder"), "schroder");
        assert_eq!(umlaut_key("moebel"), "mobel");
        assert_eq!(umlaut_key("baecker"), "backer");
        // eu is no umlaut; ue after a vowel stays.
        assert_eq!(umlaut_key("werkzeuge"), "werkzeuge");
        assert_eq!(umlaut_key("aue"), "aue");
        for n in [
            "Müller GmbH",
            "Mueller GmbH",
            "Muller GmbH",
            "MÜLLER",
            "müller",
        ] {
            assert_eq!(name_key(n).as_deref(), Some("muller"), "{n}");
        }
        assert_eq!(
            name_key("Schröder Logistik"),
            name_key("Schroeder Logistik")
        );
    }

    #[test]
    fn case_punctuation_and_width() {
        assert_eq!(
            name_key("ＡＣＭＥ　Ｔｒａｄｉｎｇ"),
            name_key("Acme Trading")
        );
        assert_eq!(
            name_key("GUANGZHOU LIANFENG TEXTILE CO LTD"),
            name_key("Guangzhou Lianfeng Textile Co., Ltd.")
        );
        assert_eq!(name_key("Acme-Trading"), name_key("acme trading"));
        assert_eq!(name_key("O'Brien Trading"), name_key("OBrien Trading"));
    }

    #[test]
    fn latin_legal_forms_are_removed() {
        let base = name_key("Bella Casa").unwrap();
        for n in [
            "Bella Casa S.r.l.",
            "Bella Casa SRL",
            "Bella Casa S.p.A.",
            "Bella Casa SpA",
            "Bella Casa S.A.",
            "Bella Casa SA de CV",
            "Bella Casa GmbH",
            "Bella Casa GmbH & Co. KG",
            "Bella Casa AG",
            "Bella Casa B.V.",
            "Bella Casa N.V.",
            "Bella Casa Pty Ltd",
            "Bella Casa Pty. Ltd.",
            "Bella Casa K.K.",
            "Bella Casa Ltda.",
            "Bella Casa S.L.",
            "Bella Casa Oy",
            "Bella Casa AB",
            "AB Bella Casa",
            "Bella Casa A/S",
            "Bella Casa ApS",
            "Bella Casa SARL",
            "Bella Casa S.A.S.",
            "Bella Casa Inc.",
            "Bella Casa Corp.",
            "Bella Casa Corporation",
            "Bella Casa Company",
            "Bella Casa Co., Ltd.",
            "Bella Casa Limited",
            "Bella Casa LLC",
            "Bella Casa L.L.C.",
            "Bella Casa PLC",
            "Bella Casa Sp. z o.o.",
            "Bella Casa s.r.o.",
            "PT Bella Casa",
            "OOO Bella Casa",
            "Bella Casa Sdn Bhd",
            "Bella Casa Pte Ltd",
            "Bella Casa Pvt Ltd",
            "Bella Casa e.K.",
        ] {
            assert_eq!(name_key(n).as_deref(), Some(base.as_str()), "{n}");
        }
    }

    #[test]
    fn a_legal_form_word_inside_a_name_stays() {
        // "AG" and "Co" only go at the edges.
        assert_eq!(texts("Co Op Trading"), ["D:co", "D:op", "T:trading"]);
        // A name that is only a legal form keeps it rather than becoming empty.
        assert_eq!(name_key("Co"), Some("co".into()));
        assert_eq!(name_key("Ltd."), None);
        assert_eq!(name_key(""), None);
    }

    #[test]
    fn chinese_legal_forms_are_removed() {
        let base = name_key("远航贸易").unwrap();
        for n in [
            "远航贸易有限公司",
            "远航贸易股份有限公司",
            "远航贸易有限责任公司",
            "远航贸易集团有限公司",
            "远航贸易集团",
            "远航贸易公司",
            "遠航貿易有限公司",
            "远航贸易(普通合伙)",
        ] {
            assert_eq!(name_key(n).as_deref(), Some(base.as_str()), "{n}");
        }
    }

    #[test]
    fn chinese_places_are_noise() {
        let base = name_key("联丰纺织").unwrap();
        for n in [
            "广州市联丰纺织有限公司",
            "广州联丰纺织",
            "广东省广州市联丰纺织有限公司",
            "广东广州联丰纺织",
            "联丰纺织(广州)有限公司",
            "联丰纺织（广州）有限公司",
            "广州市番禺区联丰纺织有限公司",
            "乐清市联丰纺织有限公司",
            "联丰纺织(中国)有限公司",
        ] {
            assert_eq!(name_key(n).as_deref(), Some(base.as_str()), "{n}");
        }
        let f = name_form("广州市联丰纺织有限公司");
        assert_eq!(f.cities, vec!["guangzhou".to_string()]);
    }

    #[test]
    fn a_second_city_is_the_brand() {
        // 金华 is a city, but after 深圳市 it is the brand.
        assert_eq!(
            texts("深圳市金华电子有限公司"),
            ["D:jinhua", "T:electronics"]
        );
        // And alone it is the only name the firm has.
        assert_eq!(texts("金华电子有限公司"), ["D:jinhua", "T:electronics"]);
        assert_eq!(
            texts("Shanghai Trading Co., Ltd."),
            ["D:shanghai", "T:trading"]
        );
        assert_eq!(
            texts("Shenzhen Jinhua Electronics"),
            ["D:jinhua", "T:electronics"]
        );
    }

    #[test]
    fn latin_places_are_noise() {
        let base = name_key("Lianfeng Textile").unwrap();
        for n in [
            "Guangzhou Lianfeng Textile Co., Ltd.",
            "Lianfeng Textile (Guangzhou) Co., Ltd",
            "Guang Zhou Lianfeng Textile",
            "Guangzhou City Lianfeng Textile",
            "Guangdong Guangzhou Lianfeng Textile",
            "Lianfeng Textile Guangzhou",
            "Lianfeng Textile (HK) Limited",
            "Lianfeng Textile Hong Kong Limited",
            "Lianfeng Textile (China) Co Ltd",
            "Canton Lianfeng Textiles",
        ] {
            assert_eq!(name_key(n).as_deref(), Some(base.as_str()), "{n}");
        }
    }

    #[test]
    fn abbreviations_are_expanded() {
        let full = name_key("Bright Star Import and Export Company Limited").unwrap();
        for n in [
            "Bright Star Imp. & Exp. Co., Ltd.",
            "Bright Star Imp & Exp Co Ltd",
            "Bright Star Imp/Exp Co., Ltd.",
            "Bright Star I/E Co., Ltd.",
            "Bright Star Impex Ltd",
            "Bright Star Import-Export Ltd",
        ] {
            assert_eq!(name_key(n).as_deref(), Some(full.as_str()), "{n}");
        }
        // Trading is another concept of the same family: near, not the same key.
        assert_ne!(
            name_key("Bright Star Trading Co., Ltd.").as_deref(),
            Some(full.as_str())
        );
        assert_eq!(
            texts("Acme Intl Mfg Tech Trdg Ind"),
            [
                "D:acme",
                "G:international",
                "G:manufacturing",
                "G:technology",
                "T:trading",
                "G:industrial"
            ]
        );
        assert_eq!(name_key("Acme Int'l"), name_key("Acme International"));
    }

    #[test]
    fn chinese_names_split_into_brand_and_trade() {
        assert_eq!(
            texts("深圳市华信电子有限公司"),
            ["D:huaxin", "T:electronics"]
        );
        assert_eq!(
            texts("深圳市华信电子科技有限公司"),
            ["D:huaxin", "T:electronics", "G:technology"]
        );
        assert_eq!(
            texts("杭州远航进出口有限公司"),
            ["D:yuanhang", "T:import", "T:export"]
        );
        assert_eq!(
            texts("义乌市鑫五金工具厂"),
            ["D:xin", "T:hardware", "T:tools", "G:manufacturing"]
        );
        // The Chinese name and its English form share the key.
        assert_eq!(
            name_key("深圳市华信电子有限公司"),
            name_key("Shenzhen Huaxin Electronics Co., Ltd.")
        );
        assert_eq!(
            name_key("深圳市华信电子有限公司"),
            name_key("Hua Xin Electronic Co Ltd")
        );
    }

    #[test]
    fn chinese_words_read_as_pinyin() {
        assert!(reads_as("联丰", "lianfeng"));
        assert!(reads_as("长城", "changcheng"));
        assert!(reads_as("长城", "zhangcheng"));
        assert!(reads_as("绿源", "lvyuan"));
        assert!(reads_as("绿源", "luyuan"));
        assert!(!reads_as("联丰", "lianfen"));
        assert!(!reads_as("联丰", "lianfengs"));
        assert_eq!(pinyin_key("華信"), "huaxin");
        assert!(is_pinyin("huaxin") && is_pinyin("huaxing") && is_pinyin("zhuangshuang"));
        assert!(!is_pinyin("brandt") && !is_pinyin("werkzuege") && !is_pinyin("lainfeng"));
    }

    #[test]
    fn trade_words_in_other_languages_are_one_concept() {
        assert_eq!(name_key("Nordlicht Textil"), name_key("Nordlicht Textiles"));
        assert_eq!(name_key("Brandt Möbel"), name_key("Brandt Furniture"));
        assert_eq!(name_key("Brandt Moebel"), name_key("Brandt Möbel"));
        assert_eq!(
            name_key("Schröder Logistik"),
            name_key("Schroder Logistics")
        );
    }

    #[test]
    fn emails() {
        assert_eq!(
            email_address("Anna Berg <Anna.Berg@Brandt-Werkzeuge.DE>").as_deref(),
            Some("anna.berg@brandt-werkzeuge.de")
        );
        assert_eq!(
            email_address("mailto:sales+fair2024@acme.com").as_deref(),
            Some("sales@acme.com")
        );
        assert_eq!(
            email_address("Li.Wei@googlemail.com"),
            email_address("liwei@gmail.com")
        );
        assert_eq!(
            email_address("li.wei＠qq.com").as_deref(),
            Some("li.wei@qq.com")
        );
        for bad in [
            "",
            "anna",
            "anna@",
            "@acme.com",
            "anna@acme",
            "a b@acme.com",
            "anna@acme..com",
        ] {
            assert_eq!(email_address(bad), None, "{bad}");
        }
        assert_eq!(
            email_company_domain("anna@sales.brandt-werkzeuge.de").as_deref(),
            Some("brandt-werkzeuge.de")
        );
        assert_eq!(
            email_company_domain("li@huaxin.com.cn").as_deref(),
            Some("huaxin.com.cn")
        );
        for free in [
            "a@gmail.com",
            "a@googlemail.com",
            "a@outlook.com",
            "a@hotmail.co.uk",
            "a@hotmail.de",
            "a@live.cn",
            "a@yahoo.com",
            "a@yahoo.co.jp",
            "a@icloud.com",
            "a@aol.com",
            "a@gmx.de",
            "a@gmx.net",
            "a@web.de",
            "a@qq.com",
            "a@vip.qq.com",
            "a@163.com",
            "a@vip.163.com",
            "a@126.com",
            "a@yeah.net",
            "a@sina.com",
            "a@sina.cn",
            "a@sohu.com",
            "a@aliyun.com",
            "a@foxmail.com",
            "a@yandex.ru",
            "a@mail.ru",
            "a@proton.me",
            "a@protonmail.com",
        ] {
            assert!(email_domain(free).is_some(), "{free}");
            assert_eq!(email_company_domain(free), None, "{free}");
        }
    }

    #[test]
    fn phones() {
        let cn = |s: &str| phone_e164(s, "CN");
        assert_eq!(cn("+86 755 8888 1234").as_deref(), Some("+8675588881234"));
        assert_eq!(cn("0755-88881234").as_deref(), Some("+8675588881234"));
        assert_eq!(cn("(0755) 8888 1234").as_deref(), Some("+8675588881234"));
        assert_eq!(
            cn("+86 (0)755 8888 1234").as_deref(),
            Some("+8675588881234")
        );
        assert_eq!(cn("0086 755 8888 1234").as_deref(), Some("+8675588881234"));
        assert_eq!(cn("13800138000").as_deref(), Some("+8613800138000"));
        assert_eq!(cn("138-0013-8000").as_deref(), Some("+8613800138000"));
        assert_eq!(
            cn("＋８６　１３８００１３８０００").as_deref(),
            Some("+8613800138000")
        );
        // Extensions are ignored.
        assert_eq!(
            cn("0755-88881234 ext. 801").as_deref(),
            Some("+8675588881234")
        );
        assert_eq!(cn("0755-88881234转801").as_deref(), Some("+8675588881234"));
        assert_eq!(
            cn("0755-88881234 分机 801").as_deref(),
            Some("+8675588881234")
        );
        assert_eq!(cn("0755-88881234 x801").as_deref(), Some("+8675588881234"));
        // Other countries: the record's region, or an international prefix.
        assert_eq!(
            phone_e164("030 12345678", "DE").as_deref(),
            Some("+493012345678")
        );
        assert_eq!(
            phone_e164("030/12345678", "DE").as_deref(),
            Some("+493012345678")
        );
        assert_eq!(
            phone_e164("0049 30 12345678", "US").as_deref(),
            Some("+493012345678")
        );
        assert_eq!(
            phone_e164("(212) 555-0199", "US").as_deref(),
            Some("+12125550199")
        );
        assert_eq!(
            phone_e164("+1 212 555 0199", "de").as_deref(),
            Some("+12125550199")
        );
        assert_eq!(
            phone_e164("020 7946 0958", "GB").as_deref(),
            Some("+442079460958")
        );
        // Garbage.
        for bad in [
            "",
            "n/a",
            "-",
            "123",
            "tbd",
            "0000",
            "+86",
            "12345678901234567890",
            "abc@def",
        ] {
            assert_eq!(cn(bad), None, "{bad}");
        }
        // An unknown region still reads international numbers.
        assert_eq!(
            phone_e164("+86 13800138000", "??").as_deref(),
            Some("+8613800138000")
        );
        assert_eq!(
            phone_numbers("020-38885678 / 13800138000", "CN"),
            vec!["+862038885678".to_string(), "+8613800138000".to_string()]
        );
    }

    #[test]
    fn websites() {
        for (raw, key) in [
            (
                "https://www.brandt-werkzeuge.de/shop/",
                Some("brandt-werkzeuge.de"),
            ),
            ("brandt-werkzeuge.de", Some("brandt-werkzeuge.de")),
            (
                "HTTP://WWW.Brandt-Werkzeuge.DE:8080/index.html?x=1",
                Some("brandt-werkzeuge.de"),
            ),
            ("http://en.lianfeng.com.cn", Some("lianfeng.com.cn")),
            ("www.lianfeng.com.cn", Some("lianfeng.com.cn")),
            ("lianfeng.en.alibaba.com", Some("lianfeng.alibaba.com")),
            (
                "https://lianfeng.en.alibaba.com/productlist.html",
                Some("lianfeng.alibaba.com"),
            ),
            ("yuanhang.en.alibaba.com", Some("yuanhang.alibaba.com")),
            (
                "huaxin.en.made-in-china.com",
                Some("huaxin.made-in-china.com"),
            ),
            ("acme.myshopify.com", Some("acme.myshopify.com")),
            ("shop123.1688.com", Some("shop123.1688.com")),
            ("huaxin.tmall.com", Some("huaxin.tmall.com")),
            (
                "https://www.amazon.de/shops/brandt",
                Some("amazon.de/shops/brandt"),
            ),
            (
                "https://www.amazon.com/s?me=A1B2C3",
                Some("amazon.com/seller/A1B2C3".to_lowercase().as_str()),
            ),
            (
                "https://www.etsy.com/shop/BellaCasa",
                Some("etsy.com/shop/bellacasa"),
            ),
            (
                "https://www.facebook.com/lianfengtextile/",
                Some("facebook.com/lianfengtextile"),
            ),
            ("www.alibaba.com", None),
            ("amazon.com", None),
            ("", None),
            ("n/a", None),
            ("localhost", None),
        ] {
            assert_eq!(website_key(raw).as_deref(), key, "{raw}");
        }
    }
    #[test]
    fn legal_forms_compare_by_form_not_by_spelling() {
        let id = |name: &str| legal_form(&fold(name)).map(|f| f.id);
        let same = [
            ("Acme Ltd", "Acme Limited"),
            ("Haina Trading Co., Ltd.", "Haina Trading Company Limited"),
            ("Haina Trading Co., Ltd.", "Haina Trading Ltd"),
            ("Pacific K.K.", "Pacific Kabushiki Kaisha"),
            ("Nowak Sp. z o.o.", "Nowak sp. z o. o."),
            ("Brandt GmbH & Co. KG", "Brandt GmbH u. Co. KG"),
            ("Sonora S.A. de C.V.", "Sonora SA de CV"),
            (
                "Koç Tekstil San. ve Tic. Ltd. Şti.",
                "Koç Tekstil Sanayi ve Ticaret Ltd. Şti.",
            ),
            ("Thanh Cong JSC", "Thanh Cong Joint Stock Company"),
            ("Gupta Exports Pvt. Ltd.", "Gupta Exports Private Limited"),
            ("Al Noor FZCO", "Al Noor FZ Co."),
        ];
        for (a, b) in same {
            assert!(id(a).is_some(), "{a}");
            assert_eq!(id(a), id(b), "{a} / {b}");
        }
        let other = [
            ("Navarra Embalajes S.L.", "Navarra Embalajes S.A."),
            ("Fontana Moda S.p.A.", "Fontana Moda S.r.l."),
            ("Koç Gıda A.Ş.", "Koç Gıda Ltd. Şti."),
            ("Sonora S.A. de C.V.", "Sonora S. de R.L. de C.V."),
            ("Tanaka Shoji K.K.", "Tanaka Shoji Co., Ltd."),
            ("Pacific Imports K.K.", "Pacific Imports SARL"),
        ];
        for (a, b) in other {
            assert_ne!(id(a), id(b), "{a} / {b}");
        }
        // Chinese forms are written loosely; a name that is only a form names none.
        assert_eq!(id("深圳市华信电子有限公司"), None);
        assert_eq!(id("Company Limited").as_deref(), Some("ltd"));
        assert_eq!(id("Brandt Werkzeuge"), None);
    }
}
