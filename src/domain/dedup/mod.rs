//! Duplicate detection (CRM-7): exact keys for the duplicate index and similarity scores with a
//! reason, for company names, e-mail addresses, phone numbers and websites.
//!
//! Keys (for redb): [`name_key`], [`email_company_domain`] / [`email_address`], [`phone_e164`],
//! [`website_key`]. Scores: [`similarity`] or one function per field; a score of at least
//! [`MATCH_THRESHOLD`] is a duplicate, a lower one above zero is at most worth a hint.
//!
//! How two names are scored: both are normalised ([`name_form`]); their words are paired —
//! the same word (also its plural, a shorter ending or an abbreviation: Textile = Textiles,
//! Imp. = Import), a word and its translation in another script (纺织 = Textile, 联丰 =
//! Lianfeng, also spelt in parts: Lian Feng), two letters swapped (Werkzuege ≈ Werkzeuge) —
//! and then:
//! - in one script, two words for one concept are two names: Warta Trade and Warta Trading,
//!   Holland Handel and Holland Trading are two firms as often as one, and a firm writes its
//!   own name with its own words;
//! - a distinctive or trade word left unpaired on both sides is a conflict (Bright Star vs
//!   Bright Moon, 纺织 vs 电子): at most 0.5;
//! - no distinctive word in common (Pacific Sourcing vs Atlantic Sourcing): at most 0.45;
//! - otherwise the weighted mean of the pairs' similarities, less for each word only one side
//!   has: a distinctive or a Latin generic word 0.2 (Bristol Gifts vs Bristol International
//!   Gifts), a trade word 0.17, Group, Holdings or a Chinese generic word (科技) 0.05;
//! - a letter more, less or other is often another family name (Ferrari vs Ferrara) and
//!   costs three times what two swapped letters do;
//! - two different cities named (杭州 vs 宁波) cap the score at 0.65, two Chinese words that only
//!   sound alike (华信 vs 华新) at 0.78.
//!
//! Legal forms are compared apart from the name, in [`evidence`]: spellings of one form are
//! one (Ltd = Limited = Co., Ltd.), two forms are two registered entities.

pub mod check;
pub mod evidence;
pub mod keys;
mod lexicon;
pub mod merge;
pub mod normalize;

use std::fmt;
use std::str::FromStr;

use crate::i18n::Lang;

pub use normalize::{
    NameForm, NameToken, TokenKind, email_address, email_company_domain, email_domain,
    is_free_mail_domain, name_form, name_key, phone_e164, phone_numbers, website_key,
};

/// Scores from here up are duplicates.
pub const MATCH_THRESHOLD: f32 = 0.85;

/// How alike two values are, and why.
#[derive(Clone, Debug, PartialEq)]
pub struct Similarity {
    /// 0 (nothing in common) to 1 (the same).
    pub score: f32,
    /// For people, in English (the CLI's pair files and logs): "same company e-mail domain
    /// brandt-werkzeuge.de", "name 50% similar: different words: star ≠ moon".
    pub reason: String,
    /// Names: what the reason is made of, to say it in the reader's language
    /// ([`Similarity::reason_in`]).
    pub notes: Vec<Note>,
}

impl Similarity {
    fn new(score: f32, reason: impl Into<String>) -> Similarity {
        Similarity {
            score: score.clamp(0.0, 1.0),
            reason: reason.into(),
            notes: Vec::new(),
        }
    }

    /// Is this a duplicate?
    pub fn is_match(&self) -> bool {
        self.score >= MATCH_THRESHOLD
    }

    /// The reason in `lang`: names are told from their notes; other fields (used by the CLI
    /// only) in English.
    pub fn reason_in(&self, lang: Lang) -> String {
        if self.notes.is_empty() {
            return self.reason.clone();
        }
        name_reason(self.score, &self.notes, lang)
    }
}

fn name_reason(score: f32, notes: &[Note], lang: Lang) -> String {
    let pct = score * 100.0;
    let notes: Vec<String> = notes.iter().map(|n| n.text(lang)).collect();
    match lang {
        Lang::En => format!("name {pct:.0}% similar: {}", notes.join("; ")),
        Lang::Zh => format!("名称相似度 {pct:.0}%：{}", notes.join("；")),
    }
}

/// One observation about two company names.
#[derive(Clone, Debug, PartialEq)]
pub enum Note {
    OnlyGenericSame(String),
    OnlyGenericDiffer,
    OneWithoutDistinctive,
    NoDistinctiveSame,
    NoDistinctiveDiffer,
    NoWordInCommon,
    OnlyCommonGeneric(String),
    DifferentWords(String, String),
    ExtraWord(String),
    ExtraTrade(String),
    ExtraGeneric(String),
    /// The key both names reduce to.
    SameName(String),
    DifferentCities(String, String),
    /// A Chinese word and its pinyin.
    Reads(String, String),
    /// Two Chinese words and the pinyin they share.
    SoundAlike(String, String, String),
    /// Two spellings and the letters between them.
    Typo(String, String, usize),
    Spaced(String, String),
    SameTrade(String, String),
    /// One name in Cyrillic (or Greek), the other in Latin letters.
    OtherScript,
}

impl Note {
    pub fn text(&self, lang: Lang) -> String {
        let en = lang == Lang::En;
        match self {
            Note::OnlyGenericSame(w) if en => format!("only generic words, the same: {w}"),
            Note::OnlyGenericSame(w) => format!("只有通用词，且相同：{w}"),
            Note::OnlyGenericDiffer => lang
                .pick("只有通用词，且不同", "only generic words, and they differ")
                .into(),
            Note::OneWithoutDistinctive => lang
                .pick("其中一个名称没有特征词", "one name has no distinctive word")
                .into(),
            Note::NoDistinctiveSame => lang
                .pick(
                    "没有特征词，通用名称相同",
                    "no distinctive word, the same generic name",
                )
                .into(),
            Note::NoDistinctiveDiffer => lang
                .pick(
                    "没有特征词，通用名称不同",
                    "no distinctive word, and the generic names differ",
                )
                .into(),
            Note::NoWordInCommon => lang.pick("没有相同的词", "no word in common").into(),
            Note::OnlyCommonGeneric(w) if en => {
                format!("only trade or generic words in common: {w}")
            }
            Note::OnlyCommonGeneric(w) => format!("只有行业词或通用词相同：{w}"),
            Note::DifferentWords(a, b) if en => format!("different words: {a} ≠ {b}"),
            Note::DifferentWords(a, b) => format!("用词不同：{a} ≠ {b}"),
            Note::ExtraWord(w) if en => format!("word only in one name: {w}"),
            Note::ExtraWord(w) => format!("只在一个名称中出现的词：{w}"),
            Note::ExtraTrade(w) if en => format!("trade word only in one name: {w}"),
            Note::ExtraTrade(w) => format!("只在一个名称中出现的行业词：{w}"),
            Note::ExtraGeneric(w) if en => format!("generic word only in one name: {w}"),
            Note::ExtraGeneric(w) => format!("只在一个名称中出现的通用词：{w}"),
            Note::SameName(_) => lang
                .pick(
                    "除公司类型和地名外名称相同",
                    "the same name apart from legal form and place",
                )
                .into(),
            Note::DifferentCities(a, b) if en => format!("different cities: {a} ≠ {b}"),
            Note::DifferentCities(a, b) => format!("城市不同：{a} ≠ {b}"),
            Note::Reads(zh, latin) if en => format!("{zh} reads {latin}"),
            Note::Reads(zh, latin) => format!("{zh} 读作 {latin}"),
            Note::SoundAlike(x, y, k) if en => format!("{x} and {y} only sound alike ({k})"),
            Note::SoundAlike(x, y, k) => format!("{x} 与 {y} 只是读音相同（{k}）"),
            Note::Typo(a, b, d) if en => {
                format!(
                    "{a} ≈ {b} ({d} letter{} apart)",
                    if *d == 1 { "" } else { "s" }
                )
            }
            Note::Typo(a, b, d) => format!("{a} ≈ {b}（相差 {d} 个字母）"),
            Note::Spaced(a, b) if en => format!("{a} = {b} (spaced differently)"),
            Note::Spaced(a, b) => format!("{a} = {b}（空格不同）"),
            Note::SameTrade(a, b) if en => format!("{a} ~ {b} (same trade)"),
            Note::SameTrade(a, b) => format!("{a} ~ {b}（同一行业）"),
            Note::OtherScript => lang
                .pick(
                    "一个用西里尔字母书写，一个用拉丁字母",
                    "one written in Cyrillic, the other in Latin letters",
                )
                .into(),
        }
    }
}

/// The fields compared.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Field {
    Name,
    Email,
    Phone,
    Website,
}

impl FromStr for Field {
    type Err = String;
    fn from_str(s: &str) -> Result<Field, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "name" | "company" => Ok(Field::Name),
            "email" | "e-mail" | "mail" => Ok(Field::Email),
            "phone" | "tel" | "telephone" => Ok(Field::Phone),
            "website" | "web" | "url" | "site" => Ok(Field::Website),
            other => Err(format!(
                "unknown field {other:?} (name, email, phone or website)"
            )),
        }
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Field::Name => "name",
            Field::Email => "email",
            Field::Phone => "phone",
            Field::Website => "website",
        })
    }
}

/// Compares two values of one field. `region` is the ISO country code used for phone numbers
/// written without a country code.
pub fn similarity(field: Field, a: &str, b: &str, region: &str) -> Similarity {
    match field {
        Field::Name => name_similarity(a, b),
        Field::Email => email_similarity(a, b),
        Field::Phone => phone_similarity(a, b, region),
        Field::Website => website_similarity(a, b),
    }
}

/// Compares two e-mail addresses: the same address, or the same company domain; two addresses
/// at a free-mail provider say nothing.
pub fn email_similarity(a: &str, b: &str) -> Similarity {
    let (Some(x), Some(y)) = (email_address(a), email_address(b)) else {
        return Similarity::new(0.0, "not an e-mail address");
    };
    if x == y {
        return Similarity::new(1.0, format!("same e-mail address {x}"));
    }
    match (email_domain(&x), email_domain(&y)) {
        (Some(d), Some(e)) if d == e => {
            if is_free_mail_domain(&d) {
                Similarity::new(
                    0.0,
                    format!("different addresses at the free-mail provider {d}"),
                )
            } else {
                Similarity::new(0.9, format!("same company e-mail domain {d}"))
            }
        }
        (Some(d), Some(e)) => Similarity::new(0.0, format!("different domains {d} ≠ {e}")),
        _ => Similarity::new(0.0, "no domain"),
    }
}

/// Compares two phone numbers in E.164; `region` reads numbers written without a country code.
/// When one number has a country code and the other has none, the other is also read in that
/// country (a record without a country whose number is the other's national number).
pub fn phone_similarity(a: &str, b: &str, region: &str) -> Similarity {
    let (x, y) = (phone_numbers(a, region), phone_numbers(b, region));
    if let Some(same) = x.iter().find(|n| y.contains(n)) {
        return Similarity::new(1.0, format!("same phone {same}"));
    }
    for (national, other, numbers) in [(a, b, &y), (b, a, &x)] {
        if has_country_code(national) || !has_country_code(other) {
            continue;
        }
        for n in numbers {
            let Some(country) = normalize::phone_country(n) else {
                continue;
            };
            if country != region.to_ascii_uppercase()
                && phone_numbers(national, &country).contains(n)
            {
                return Similarity::new(
                    0.9,
                    format!(
                        "same phone {n} when {} (no country code) is read as a number in {country}",
                        national.trim()
                    ),
                );
            }
        }
    }
    if x.is_empty() || y.is_empty() {
        return Similarity::new(0.0, "not a valid phone number");
    }
    Similarity::new(
        0.0,
        format!("different numbers {} ≠ {}", x.join(", "), y.join(", ")),
    )
}

/// Is the number written with its country code (+49 …, 0049 …)?
fn has_country_code(raw: &str) -> bool {
    let t: String = unicode_normalization::UnicodeNormalization::nfkc(raw).collect();
    let t = t.trim_start_matches(|c: char| !c.is_ascii_digit() && c != '+');
    t.starts_with('+') || t.starts_with("00")
}

/// Compares two websites by registrable domain (or shop, on a marketplace).
pub fn website_similarity(a: &str, b: &str) -> Similarity {
    let (Some(x), Some(y)) = (website_key(a), website_key(b)) else {
        return Similarity::new(
            0.0,
            "no website of a firm (empty, invalid or a marketplace's own page)",
        );
    };
    if x == y {
        return Similarity::new(1.0, format!("same website {x}"));
    }
    Similarity::new(0.0, format!("different websites {x} ≠ {y}"))
}

/// Compares two company names (see the module documentation).
pub fn name_similarity(a: &str, b: &str) -> Similarity {
    compare_names(&name_form(a), &name_form(b))
}

/// Compares two normalised names (parse each name once with [`name_form`] when one is compared
/// against many).
pub fn compare_names(a: &NameForm, b: &NameForm) -> Similarity {
    if a.folded.trim().is_empty() || b.folded.trim().is_empty() {
        return Similarity::new(0.0, "empty name");
    }
    if a.tokens.is_empty() || b.tokens.is_empty() {
        return Similarity::new(0.0, "nothing left to compare after removing legal forms");
    }
    let al = align(&a.tokens, &b.tokens);
    let mut notes = al.notes.clone();
    let strong = |t: &&NameToken| t.kind != TokenKind::Generic;
    let a_strong = a.tokens.iter().filter(strong).count();
    let b_strong = b.tokens.iter().filter(strong).count();
    let weak_shared = al.weak_shared.join(" ");

    let mut score;
    if a_strong == 0 && b_strong == 0 {
        // Names made only of generic words ("International Group").
        if al.weak_unmatched.is_empty() {
            score = 0.9;
            notes.insert(0, Note::OnlyGenericSame(weak_shared));
        } else {
            score = 0.6 * al.weak_dice;
            notes.insert(0, Note::OnlyGenericDiffer);
        }
    } else if a_strong == 0 || b_strong == 0 {
        score = 0.3 * al.weak_dice;
        notes.insert(0, Note::OneWithoutDistinctive);
    } else if !al.has_distinctive {
        // Trade words only ("International Trading Co."): nothing names the firm.
        let same = al.conflict.is_none()
            && al.extra_trade.is_empty()
            && al.weak_unmatched.is_empty()
            && al.mean >= 1.0;
        score = if same { 0.9 } else { 0.6 * al.dice };
        notes.insert(
            0,
            if same {
                Note::NoDistinctiveSame
            } else {
                Note::NoDistinctiveDiffer
            },
        );
    } else if al.pairs.is_empty() || !al.distinctive_paired {
        score = if al.conflict.is_some() { 0.3 } else { 0.45 };
        let shared = al.shared_generic.join(" ");
        if shared.is_empty() {
            notes.insert(0, Note::NoWordInCommon);
        } else {
            notes.insert(0, Note::OnlyCommonGeneric(shared));
        }
        if let Some(c) = &al.conflict {
            notes.push(c.clone());
        }
    } else if let Some(conflict) = &al.conflict {
        score = 0.6 * al.dice;
        notes.insert(0, conflict.clone());
    } else {
        score = al.mean
            - 0.2 * al.extra_distinctive.len() as f32
            - 0.17 * al.extra_trade.len() as f32
            - al.weak_penalty;
        // Different generic words on both sides (Riverside Industries vs Riverside
        // Enterprises) are two firms as often as one.
        if al.generic_conflict {
            score = score.min(0.75);
        }
        if !al.extra_distinctive.is_empty() {
            notes.push(Note::ExtraWord(al.extra_distinctive.join(" ")));
        }
        if !al.extra_trade.is_empty() {
            notes.push(Note::ExtraTrade(al.extra_trade.join(" ")));
        }
        if !al.weak_unmatched.is_empty() {
            notes.push(Note::ExtraGeneric(al.weak_unmatched.join(" ")));
        }
        if notes.is_empty() {
            let key = a.key().unwrap_or_default();
            notes.push(Note::SameName(key));
        }
    }
    if al.homophone && score > 0.78 {
        score = 0.78;
    }
    // A name read in another script is near, not the same: 华信, 华新 and 华鑫 are all
    // Huaxin, and two Russian names may share one Latin spelling.
    if a.transliterated != b.transliterated {
        notes.push(Note::OtherScript);
    }
    if (al.read_across_scripts || a.transliterated != b.transliterated) && score > 0.97 {
        score = 0.97;
    }
    if !a.cities.is_empty()
        && !b.cities.is_empty()
        && !a.cities.iter().any(|c| b.cities.contains(c))
    {
        notes.push(Note::DifferentCities(
            a.cities.join(" "),
            b.cities.join(" "),
        ));
        // One brand in two cities is two registered firms far more often than one.
        score = score.min(0.65);
    }
    let score = (score.clamp(0.0, 1.0) * 100.0).round() / 100.0;
    Similarity {
        score,
        // Told from the notes when asked (`reason_in`): most comparisons are never shown.
        reason: String::new(),
        notes,
    }
}

/// The outcome of pairing two names' words.
#[derive(Debug, Default)]
struct Alignment {
    /// (similarity, weight) of each pair of distinctive or trade words.
    pairs: Vec<(f32, f32)>,
    /// Weighted mean similarity of the pairs.
    mean: f32,
    /// 2 · paired weight / (weight of both names).
    dice: f32,
    /// Some pair involves a distinctive word.
    distinctive_paired: bool,
    /// Either name has a distinctive word.
    has_distinctive: bool,
    /// Both names have a distinctive or trade word the other lacks: "different words: …".
    conflict: Option<Note>,
    extra_distinctive: Vec<String>,
    extra_trade: Vec<String>,
    weak_unmatched: Vec<String>,
    weak_shared: Vec<String>,
    /// Trade or generic words both names have (for the reason).
    shared_generic: Vec<String>,
    weak_dice: f32,
    /// Each name has a generic word the other lacks.
    generic_conflict: bool,
    /// A distinctive word was paired with its reading in another script (联丰 = Lianfeng).
    read_across_scripts: bool,
    /// What the generic words only one name has cost it.
    weak_penalty: f32,
    homophone: bool,
    notes: Vec<Note>,
}

/// What a generic word only one name has costs: a word that only says what kind of company it
/// is (Group, Holdings) little, and so a Chinese one (华信电子 is 华信电子科技有限公司 on its
/// licence as often as not); any other Latin word as much as a word of the name (Sierra
/// Distribution and Sierra Worldwide Distribution are two firms as often as one).
fn generic_penalty(t: &NameToken) -> f32 {
    match t.key.as_str() {
        _ if t.chinese => 0.05,
        "group" | "holdings" => 0.05,
        _ => 0.2,
    }
}

fn weight(t: &NameToken) -> f32 {
    match t.kind {
        TokenKind::Distinctive => 1.0,
        TokenKind::Trade => 0.5,
        TokenKind::Generic => 0.0,
    }
}

/// The Latin spelling to compare a word by (pinyin for Chinese distinctive words).
fn latin_form(t: &NameToken) -> Option<&str> {
    match (t.chinese, t.kind) {
        (false, _) => Some(&t.text),
        (true, TokenKind::Distinctive) => Some(&t.key),
        (true, _) => None,
    }
}

/// Two trade or generic words that are one: in one script the same word, its plural or a
/// shorter ending (Textile = Textiles = Textil), or an abbreviation of it (Imp. = Import, Intl
/// = International, Mfg = Manufacturing); across scripts the translation (纺织 = Textile, 贸易 =
/// Trading). Two other words for one concept in one script are two names: Warta Trade and
/// Warta Trading, Roux Commerce and Roux Négoce, Holland Handel and Holland Trading are as
/// often two firms as one, and a firm writes its own name with the same words.
fn same_word(x: &NameToken, y: &NameToken) -> bool {
    if x.key != y.key {
        return false;
    }
    if x.chinese != y.chinese || x.text == y.text {
        return true;
    }
    if x.chinese {
        return false;
    }
    let (short, long) = if x.text.len() <= y.text.len() {
        (&x.text, &y.text)
    } else {
        (&y.text, &x.text)
    };
    long.starts_with(short.as_str()) || is_abbreviation(short, long)
}

/// `short` abbreviates `long`: at most four letters, the same first letter, and the rest in
/// order within it (Mfg, Intl, Svc, Hldg).
fn is_abbreviation(short: &str, long: &str) -> bool {
    if short.chars().count() > 4 || short.chars().next() != long.chars().next() {
        return false;
    }
    let mut rest = long.chars();
    short.chars().all(|c| rest.any(|l| l == c))
}

/// How many letters two spellings of one word may differ by.
fn allowed_edits(len: usize) -> usize {
    match len {
        0..=4 => 0,
        5..=8 => 1,
        _ => 2,
    }
}

/// Two spellings of one word with a typo: at most [`allowed_edits`] apart, and not two pinyin
/// words (Huaxin and Huaxing are 华信 and 华兴). Two letters swapped is the slip of a typing
/// hand and counts half an edit; a letter more, less or other counts three times, because
/// real names differ so (Ferrari and Ferrara, Hanil and Hanmi are different families).
fn fuzzy(a: &str, b: &str) -> Option<(f32, usize)> {
    let (la, lb) = (a.chars().count(), b.chars().count());
    let len = la.max(lb);
    let allowed = allowed_edits(len);
    // Cheap refusals first: most word pairs compared are far apart.
    if allowed == 0 || la.abs_diff(lb) > allowed {
        return None;
    }
    let d = strsim::osa_distance(a, b);
    if d == 0 || d > allowed || (normalize::is_pinyin(a) && normalize::is_pinyin(b)) {
        return None;
    }
    let swapped = strsim::levenshtein(a, b) == 2 * d;
    let edits = if swapped {
        0.5 * d as f32
    } else {
        3.0 * d as f32
    };
    Some(((1.0 - edits / len as f32).max(0.0), d))
}

fn align(a: &[NameToken], b: &[NameToken]) -> Alignment {
    let mut al = Alignment::default();
    let sa: Vec<&NameToken> = a.iter().filter(|t| t.kind != TokenKind::Generic).collect();
    let sb: Vec<&NameToken> = b.iter().filter(|t| t.kind != TokenKind::Generic).collect();
    let mut used_a = vec![false; sa.len()];
    let mut used_b = vec![false; sb.len()];
    let mut pairs: Vec<(f32, f32, bool)> = Vec::new(); // (sim, weight, distinctive)
    let mut pair = |i: usize, j: usize, sim: f32, used_a: &mut [bool], used_b: &mut [bool]| {
        used_a[i] = true;
        used_b[j] = true;
        let distinctive =
            sa[i].kind == TokenKind::Distinctive || sb[j].kind == TokenKind::Distinctive;
        pairs.push((sim, weight(sa[i]).max(weight(sb[j])), distinctive));
    };

    // 1. The same word (or trade concept).
    for (i, x) in sa.iter().enumerate() {
        for (j, y) in sb.iter().enumerate() {
            if used_b[j] {
                continue;
            }
            let sim = match (x.kind, y.kind) {
                (TokenKind::Distinctive, TokenKind::Distinctive)
                    if x.chinese == y.chinese && x.text == y.text =>
                {
                    Some(1.0)
                }
                (TokenKind::Trade, TokenKind::Trade) if same_word(x, y) => Some(1.0),
                _ => None,
            };
            if let Some(sim) = sim {
                pair(i, j, sim, &mut used_a, &mut used_b);
                break;
            }
        }
    }
    // 2. A Chinese word and its pinyin; two Chinese words that sound alike.
    for i in 0..sa.len() {
        if used_a[i] || sa[i].kind != TokenKind::Distinctive {
            continue;
        }
        for j in 0..sb.len() {
            if used_b[j] || sb[j].kind != TokenKind::Distinctive {
                continue;
            }
            let (x, y) = (sa[i], sb[j]);
            match (x.chinese, y.chinese) {
                (true, false) | (false, true) => {
                    let (zh, latin) = if x.chinese { (x, y) } else { (y, x) };
                    if normalize::reads_as(&zh.text, &latin.written)
                        || normalize::reads_as(&zh.text, &latin.text)
                    {
                        al.notes
                            .push(Note::Reads(zh.text.clone(), latin.written.clone()));
                        al.read_across_scripts = true;
                        pair(i, j, 1.0, &mut used_a, &mut used_b);
                        break;
                    }
                }
                (true, true) => {
                    if x.key == y.key {
                        al.notes.push(Note::SoundAlike(
                            x.text.clone(),
                            y.text.clone(),
                            x.key.clone(),
                        ));
                        al.homophone = true;
                        pair(i, j, 0.8, &mut used_a, &mut used_b);
                        break;
                    }
                }
                (false, false) => {}
            }
        }
    }
    // 3. Spellings a letter or two apart (not two different trade concepts).
    let mut candidates: Vec<(f32, usize, usize, usize)> = Vec::new();
    for i in 0..sa.len() {
        for j in 0..sb.len() {
            if used_a[i] || used_b[j] {
                continue;
            }
            let (x, y) = (sa[i], sb[j]);
            if x.kind == TokenKind::Trade && y.kind == TokenKind::Trade {
                continue;
            }
            if x.chinese || y.chinese {
                // A Chinese word meets Latin only through its readings (step 2).
                continue;
            }
            let (Some(fx), Some(fy)) = (latin_form(x), latin_form(y)) else {
                continue;
            };
            let mut best = fuzzy(fx, fy);
            if let Some(w) = fuzzy(&x.written, &y.written)
                && best.is_none_or(|b| w.0 > b.0)
            {
                best = Some(w);
            }
            if let Some((sim, d)) = best {
                candidates.push((sim, i, j, d));
            }
        }
    }
    candidates.sort_by(|p, q| q.0.total_cmp(&p.0));
    for (sim, i, j, d) in candidates {
        if used_a[i] || used_b[j] {
            continue;
        }
        al.notes
            .push(Note::Typo(sa[i].written.clone(), sb[j].written.clone(), d));
        pair(i, j, sim, &mut used_a, &mut used_b);
    }
    // 4. Words spaced differently: Hua Xin = Huaxin = 华信, Bella Casa = Bellacasa.
    let rest_a: Vec<usize> = (0..sa.len()).filter(|&i| !used_a[i]).collect();
    let rest_b: Vec<usize> = (0..sb.len()).filter(|&j| !used_b[j]).collect();
    if !rest_a.is_empty() && !rest_b.is_empty() && rest_a.len() + rest_b.len() > 2 {
        let all_latin =
            |side: &[&NameToken], rest: &[usize]| rest.iter().all(|&k| !side[k].chinese);
        let all_zh = |side: &[&NameToken], rest: &[usize]| {
            rest.iter()
                .all(|&k| side[k].chinese && side[k].kind == TokenKind::Distinctive)
        };
        let join = |side: &[&NameToken], rest: &[usize]| -> String {
            rest.iter().map(|&k| side[k].text.as_str()).collect()
        };
        let joined = |side: &[&NameToken], rest: &[usize]| -> String {
            rest.iter().map(|&k| side[k].written.as_str()).collect()
        };
        let sim = if all_latin(&sa, &rest_a) && all_latin(&sb, &rest_b) {
            let (x, y) = (join(&sa, &rest_a), join(&sb, &rest_b));
            if x == y {
                Some(0.97)
            } else {
                fuzzy(&x, &y).map(|(s, _)| s - 0.03)
            }
        } else if all_zh(&sa, &rest_a) && all_latin(&sb, &rest_b) {
            let read = normalize::reads_as(&join(&sa, &rest_a), &joined(&sb, &rest_b));
            al.read_across_scripts |= read;
            read.then_some(0.97)
        } else if all_latin(&sa, &rest_a) && all_zh(&sb, &rest_b) {
            let read = normalize::reads_as(&join(&sb, &rest_b), &joined(&sa, &rest_a));
            al.read_across_scripts |= read;
            read.then_some(0.97)
        } else {
            None
        };
        if let Some(sim) = sim {
            let words = |side: &[&NameToken], rest: &[usize]| {
                rest.iter()
                    .map(|&k| side[k].written.as_str())
                    .collect::<Vec<_>>()
                    .join(" ")
            };
            al.notes
                .push(Note::Spaced(words(&sa, &rest_a), words(&sb, &rest_b)));
            let wa: f32 = rest_a.iter().map(|&k| weight(sa[k])).sum();
            let wb: f32 = rest_b.iter().map(|&k| weight(sb[k])).sum();
            let distinctive = rest_a.iter().any(|&k| sa[k].kind == TokenKind::Distinctive)
                || rest_b.iter().any(|&k| sb[k].kind == TokenKind::Distinctive);
            pairs.push((sim, wa.max(wb), distinctive));
            for &k in &rest_a {
                used_a[k] = true;
            }
            for &k in &rest_b {
                used_b[k] = true;
            }
        }
    }
    // 5. Trade words of one family (Trading ~ Import & Export; Electronics ~ Electrical): each
    // side's word counts as half a pair, with a word of the other side that nothing else
    // paired (贸易 does not pair with the 进出口 both 海纳电子进出口 and 海纳贸易进出口 have).
    let mut soft_notes: Vec<Note> = Vec::new();
    let (free_a, free_b) = (used_a.clone(), used_b.clone());
    let mut soft = |side: &[&NameToken],
                    used: &mut [bool],
                    other: &[&NameToken],
                    other_used: &[bool],
                    a_side: bool| {
        for k in 0..side.len() {
            if used[k] || side[k].kind != TokenKind::Trade {
                continue;
            }
            // Only a translation: in one script another word is another name.
            if let Some(o) = other.iter().zip(other_used).find_map(|(o, u)| {
                (!u && o.kind == TokenKind::Trade
                    && o.family == side[k].family
                    && o.chinese != side[k].chinese)
                    .then_some(o)
            }) {
                used[k] = true;
                pairs.push((0.6, 0.25, false));
                let (x, y) = if a_side {
                    (&side[k].written, &o.written)
                } else {
                    (&o.written, &side[k].written)
                };
                let note = Note::SameTrade(x.clone(), y.clone());
                if !soft_notes.contains(&note) {
                    soft_notes.push(note);
                }
            }
        }
    };
    soft(&sa, &mut used_a, &sb, &free_b, true);
    soft(&sb, &mut used_b, &sa, &free_a, false);
    al.notes.extend(soft_notes);

    // What is left unpaired.
    let left = |side: &[&NameToken], used: &[bool], kind: TokenKind| -> Vec<String> {
        (0..side.len())
            .filter(|&k| !used[k] && side[k].kind == kind)
            .map(|k| side[k].written.clone())
            .collect()
    };
    let left_a: Vec<String> = [
        left(&sa, &used_a, TokenKind::Distinctive),
        left(&sa, &used_a, TokenKind::Trade),
    ]
    .concat();
    let left_b: Vec<String> = [
        left(&sb, &used_b, TokenKind::Distinctive),
        left(&sb, &used_b, TokenKind::Trade),
    ]
    .concat();
    if !left_a.is_empty() && !left_b.is_empty() {
        al.conflict = Some(Note::DifferentWords(left_a.join(" "), left_b.join(" ")));
    } else {
        al.extra_distinctive = [
            left(&sa, &used_a, TokenKind::Distinctive),
            left(&sb, &used_b, TokenKind::Distinctive),
        ]
        .concat();
        al.extra_trade = [
            left(&sa, &used_a, TokenKind::Trade),
            left(&sb, &used_b, TokenKind::Trade),
        ]
        .concat();
    }

    let total: f32 = pairs.iter().map(|p| p.1).sum();
    if total > 0.0 {
        al.mean = pairs.iter().map(|p| p.0 * p.1).sum::<f32>() / total;
    }
    let wa: f32 = sa.iter().map(|t| weight(t)).sum();
    let wb: f32 = sb.iter().map(|t| weight(t)).sum();
    if wa + wb > 0.0 {
        al.dice = (2.0 * pairs.iter().map(|p| p.0 * p.1).sum::<f32>() / (wa + wb)).min(1.0);
    }
    al.distinctive_paired = pairs.iter().any(|p| p.2);
    al.has_distinctive = sa
        .iter()
        .chain(sb.iter())
        .any(|t| t.kind == TokenKind::Distinctive);
    al.pairs = pairs.iter().map(|p| (p.0, p.1)).collect();
    al.shared_generic = sa
        .iter()
        .filter(|t| t.kind == TokenKind::Trade)
        .filter(|t| {
            sb.iter()
                .any(|o| o.kind == TokenKind::Trade && same_word(o, t))
        })
        .map(|t| t.written.clone())
        .collect();

    // Generic words: the same word, or its translation.
    let wa: Vec<&NameToken> = a.iter().filter(|t| t.kind == TokenKind::Generic).collect();
    let wb: Vec<&NameToken> = b.iter().filter(|t| t.kind == TokenKind::Generic).collect();
    let mut used = vec![false; wb.len()];
    let mut shared = 0;
    for t in &wa {
        if let Some(j) = (0..wb.len()).find(|&j| !used[j] && same_word(wb[j], t)) {
            used[j] = true;
            shared += 1;
            al.weak_shared.push(t.written.clone());
        } else {
            al.weak_unmatched.push(t.written.clone());
            al.weak_penalty += generic_penalty(t);
        }
    }
    let a_only = al.weak_unmatched.len();
    for (j, t) in wb.iter().enumerate() {
        if !used[j] {
            al.weak_unmatched.push(t.written.clone());
            al.weak_penalty += generic_penalty(t);
        }
    }
    al.generic_conflict = a_only > 0 && al.weak_unmatched.len() > a_only;
    if !wa.is_empty() || !wb.is_empty() {
        al.weak_dice = 2.0 * shared as f32 / (wa.len() + wb.len()) as f32;
    }
    al.shared_generic.extend(al.weak_shared.iter().cloned());
    al
}

#[cfg(test)]
mod tests {
    use super::*;

    fn score(a: &str, b: &str) -> Similarity {
        let s = name_similarity(a, b);
        let t = name_similarity(b, a);
        assert_eq!(s.score, t.score, "not symmetric: {a} / {b}: {s:?} {t:?}");
        s
    }

    fn assert_match(a: &str, b: &str) {
        let s = score(a, b);
        assert!(s.is_match(), "{a} / {b}: {s:?}");
    }

    fn assert_no_match(a: &str, b: &str) {
        let s = score(a, b);
        assert!(!s.is_match(), "{a} / {b}: {s:?}");
    }

    #[test]
    fn same_firm_written_differently() {
        assert_match(
            "Guangzhou Lianfeng Textile Co., Ltd.",
            "GUANGZHOU LIANFENG TEXTILE CO LTD",
        );
        assert_match("广州市联丰纺织有限公司", "广州联丰纺织");
        assert_match("Schröder Logistik GmbH & Co. KG", "Schroeder Logistik");
        assert_match("Müller Werkzeuge", "Mueller Werkzeuge GmbH");
        assert_match("ＡＣＭＥ　Ｔｒａｄｉｎｇ", "Acme Trading");
        assert_match("遠航貿易有限公司", "远航贸易有限公司");
        assert_match("Bella Casa S.r.l.", "Bellacasa SRL");
    }

    #[test]
    fn chinese_name_against_its_pinyin_and_english_form() {
        assert_match(
            "深圳市华信电子有限公司",
            "Shenzhen Huaxin Electronics Co., Ltd.",
        );
        assert_match("深圳市华信电子有限公司", "Hua Xin Electronic Co Ltd");
        assert_match(
            "广州市联丰纺织有限公司",
            "Guangzhou Lianfeng Textile Co., Ltd.",
        );
        assert_match(
            "杭州远航进出口有限公司",
            "Hangzhou Yuanhang Imp. & Exp. Co., Ltd.",
        );
        assert_match("长城五金", "Changcheng Hardware");
        let s = score(
            "深圳市华信电子有限公司",
            "Shenzhen Huaxin Electronics Co., Ltd.",
        );
        assert!(s.reason_in(Lang::En).contains("华信 reads huaxin"), "{s:?}");
    }

    #[test]
    fn typos_in_long_words_are_forgiven() {
        assert_match("Brandt Werkzuege GmbH", "Brandt Werkzeuge GmbH");
        assert_match("Nordlicht Handel", "Nordlihct Handel");
        // But not in short ones, where one letter makes another word.
        assert_no_match("Star Trading", "Stat Trading");
    }

    #[test]
    fn a_different_distinctive_or_trade_word_is_another_firm() {
        assert_no_match("Brandt Werkzeuge GmbH", "Brandt Moebel GmbH");
        assert_no_match("广州市联丰纺织有限公司", "广州市联丰电子有限公司");
        assert_no_match(
            "Xiamen Bright Star Imp. & Exp. Co., Ltd.",
            "Xiamen Bright Moon Imp. & Exp. Co., Ltd.",
        );
        assert_no_match("Pacific Sourcing LLC", "Atlantic Sourcing LLC");
        assert_no_match("杭州远航贸易有限公司", "宁波远航物流有限公司");
        assert_no_match(
            "Golden Dragon Bright Star Trading",
            "Golden Dragon Bright Moon Trading",
        );
        let s = score("Pacific Sourcing LLC", "Atlantic Sourcing LLC");
        assert!(
            s.reason_in(Lang::En)
                .contains("only trade or generic words in common: sourcing"),
            "{s:?}"
        );
        assert!(s.score < 0.5, "{s:?}");
    }

    #[test]
    fn generic_words_alone_never_match() {
        assert_no_match("Global Trading Ltd", "Global Sourcing Ltd");
        assert_no_match("International Trading Co", "Universal Import Export");
        assert_no_match("Huaxin Electronics", "Electronics Co., Ltd.");
    }

    #[test]
    fn a_missing_trade_or_generic_word_still_matches() {
        // A Chinese name leaves out its generic words freely; in Latin they tell firms apart
        // (Bristol Gifts and Bristol International Gifts): alike, not the same name.
        assert_match("深圳市华信电子有限公司", "深圳市华信电子科技有限公司");
        assert_match(
            "Huaxin Electronics Group Co., Ltd.",
            "Huaxin Electronics Co Ltd",
        );
        let s = score("Bristol Gifts Inc.", "Bristol International Gifts Inc.");
        assert!(s.score >= 0.6 && !s.is_match(), "{s:?}");
        // A trade word only one name has: alike, but not the same name by itself (Riverside
        // Supply and Riverside Medical Supply are two firms as often as one).
        let s = score("Brandt GmbH", "Brandt Werkzeuge GmbH");
        assert!(s.score >= 0.6 && !s.is_match(), "{s:?}");
        // Different generic words on both sides likewise.
        let s = score("Riverside Industries Inc.", "Riverside Enterprises LLC");
        assert!(s.score >= 0.6 && !s.is_match(), "{s:?}");
        // In one script, two words of one trade are two names (Warta Trade and Warta Trading,
        // Holland Handel and Holland Trading); across scripts a translation is the same word.
        for (a, b) in [
            ("Yuanhang Trading", "Yuanhang Import & Export"),
            ("Warta Trade S.A.", "Warta Trading S.A."),
            ("Holland Handel B.V.", "Holland Trading B.V."),
            ("Roux Commerce", "Roux Négoce"),
            ("海纳贸易", "海纳商贸"),
        ] {
            assert_no_match(a, b);
        }
        assert_match("宁波海纳贸易有限公司", "Ningbo Haina Trading Co., Ltd.");
        assert_match("Haina Import & Export", "Haina Imp. & Exp.");
        // Two letters swapped is a slip; one other letter is often another family name.
        assert_match("Ferrari Forniture", "Ferrari Fornitrue");
        assert_no_match("Ferrari Forniture", "Ferrara Forniture");
        // An extra distinctive word is a hint, not a match.
        assert_no_match("Star Trading", "Golden Star Trading");
    }

    #[test]
    fn cities_and_homophones_lower_the_score() {
        let s = score("杭州远航贸易有限公司", "宁波远航贸易有限公司");
        assert!(!s.is_match() && s.score >= 0.5, "{s:?}");
        assert!(s.reason_in(Lang::En).contains("different cities"), "{s:?}");
        let s = score("深圳市华信电子有限公司", "深圳市华新电子有限公司");
        assert!(!s.is_match() && s.score >= 0.5, "{s:?}");
        // Hong Kong or China next to a city is no other city.
        assert_match(
            "Huaxin Electronics (HK) Ltd",
            "Shenzhen Huaxin Electronics Co., Ltd.",
        );
    }

    #[test]
    fn places_that_are_the_name() {
        // A city is the brand when nothing else names the firm.
        assert_match(
            "Shenzhen Jinhua Electronics",
            "Jinhua Electronics Co., Ltd.",
        );
        assert_no_match("Jinhua Trading Co., Ltd.", "Shanghai Trading Co., Ltd.");
        assert_no_match("Guangzhou", "Shenzhen");
        assert_match("深圳华信电子", "华信电子(深圳)有限公司");
    }

    #[test]
    fn more_real_names() {
        assert_match("华为技术有限公司", "Huawei Technologies Co., Ltd.");
        assert_match("阿里巴巴(中国)有限公司", "Alibaba (China) Co., Ltd.");
        assert_match("Brandt & Söhne", "Brandt und Soehne");
        assert_match("Li & Fung Trading", "Li Fung Trading Ltd");
        assert_match("The Home Depot", "Home Depot Inc.");
        assert_match("3M China Ltd", "3M");
        assert_match("Lianfeng Textile", "Lainfeng Textile");
        assert_no_match("Shop 88 Trading", "Shop 89 Trading");
        assert_no_match("Yuanhang Trading", "Yuanhang Logistics");
    }

    #[test]
    fn empty_names_score_zero() {
        assert_eq!(score("", "Acme").score, 0.0);
        assert_eq!(score("Co., Ltd.", "Acme").score, 0.0);
    }

    #[test]
    fn emails_phones_websites() {
        assert!(
            email_similarity("anna@brandt-werkzeuge.de", "einkauf@brandt-werkzeuge.de").is_match()
        );
        assert!(!email_similarity("li.wei@qq.com", "zhang.min@qq.com").is_match());
        assert!(email_similarity("li.wei@qq.com", "Li.Wei@QQ.com").is_match());
        assert!(!email_similarity("a@brandt.de", "a@brandt-moebel.de").is_match());
        assert!(!email_similarity("", "").is_match());
        assert!(phone_similarity("+86 20 3888 5678", "020-38885678", "CN").is_match());
        assert!(!phone_similarity("+86 20 3888 5678", "+86 20 3888 5679", "CN").is_match());
        assert!(!phone_similarity("n/a", "n/a", "CN").is_match());
        assert!(
            website_similarity(
                "https://www.brandt-werkzeuge.de/shop/",
                "brandt-werkzeuge.de"
            )
            .is_match()
        );
        assert!(
            !website_similarity("lianfeng.en.alibaba.com", "yuanhang.en.alibaba.com").is_match()
        );
        assert!(!website_similarity("www.alibaba.com", "alibaba.com").is_match());
        assert_eq!("E-Mail".parse::<Field>(), Ok(Field::Email));
        assert!("fax".parse::<Field>().is_err());
    }
}
