//! Whether two records are one firm, weighed the way record-linkage systems do (Fellegi–Sunter
//! match weights, as in Splink): every field that agrees or disagrees adds its weight in bits,
//! log2(m / u), where m is how often the field agrees for two records of one firm and u how
//! often it agrees for two different firms. The sum decides:
//! - [`Level::Same`] (from [`SAME_BITS`]): the same firm. Only this may refuse a save (a rule
//!   that says block, or another rep who owns it);
//! - [`Level::Possible`] (from [`POSSIBLE_BITS`]): worth a look, never a refusal;
//! - below that, nothing is said.
//!
//! A name's weight follows how many firms in the company's own data carry it (term frequency):
//! an exact name that only one record has says much, a surname that hundreds of firms share says
//! little. Evidence against: another country, another company e-mail domain, website or phone,
//! legal forms of different countries (K.K. vs SARL), names that differ.

use super::{NameForm, Similarity, compare_names};

/// From here the records are one firm.
pub const SAME_BITS: f32 = 14.0;
/// From here one may be a duplicate of the other.
pub const POSSIBLE_BITS: f32 = 6.0;
/// Weights of agreeing and disagreeing fields, in bits. Keys are nearly unique to a firm (u is
/// tiny) but not always kept (m well below 1); a firm may have several phones, fewer domains.
const SAME_EMAIL: f32 = 14.0;
const SAME_EMAIL_DOMAIN: f32 = 11.0;
const OTHER_EMAIL_DOMAIN: f32 = -3.0;
const SAME_PHONE: f32 = 11.0;
const OTHER_PHONE: f32 = -1.0;
const SAME_WEBSITE: f32 = 12.0;
const OTHER_WEBSITE: f32 = -4.0;
const SAME_COUNTRY: f32 = 1.0;
/// Firms of two countries are two legal entities; a firm's country typed wrong is rarer.
const OTHER_COUNTRY: f32 = -11.0;
const OTHER_LEGAL_COUNTRY: f32 = -4.0;
const NAMES_DIFFER: f32 = -4.0;
const NAMES_PARTLY_ALIKE: f32 = 1.0;
/// m: how often the name of one firm is written alike in two of its records.
const NAME_M: f64 = 0.9;
/// The smallest book a name's rarity is measured against: in a company of 200 customers one
/// record named "Brandt" does not make Brandt a rare name.
const MIN_BOOK: f64 = 20_000.0;
/// How many records share a word too common to have been counted (see [`Frequencies`]).
const COMMON_DF: u64 = 400;

/// What is compared of one record.
#[derive(Clone, Debug, Default)]
pub struct Profile {
    /// The name and the name in the second language.
    pub names: Vec<NameForm>,
    /// ISO 3166-1 alpha-2, upper case.
    pub country: Option<String>,
    /// Addresses: the record's own and, when found through them, its contacts'.
    pub emails: Vec<String>,
    /// Their company domains (none for free mail).
    pub email_domains: Vec<String>,
    /// E.164.
    pub phones: Vec<String>,
    pub website: Option<String>,
}

/// How many records carry a name key (`n`) or a distinctive word (`t`), as the duplicate index
/// holds them.
pub trait Frequencies {
    /// `None`: more than could be counted.
    fn df(&self, tag: &str, value: &str) -> Option<u64>;
    /// Records of the kinds the index holds.
    fn total(&self) -> u64;
}

/// What the judgement concluded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    None,
    Possible,
    Same,
}

/// One piece of evidence, for or against.
#[derive(Clone, Debug, PartialEq)]
pub enum Evidence {
    SameEmail(String),
    SameEmailDomain(String),
    OtherEmailDomain(String, String),
    SamePhone(String),
    OtherPhone,
    SameWebsite(String),
    OtherWebsite(String, String),
    SameCountry(String),
    OtherCountry(String, String),
    OtherLegalCountry(String, String),
    /// The names compared, and how rare the name is (records carrying it).
    Name(Similarity, Option<u64>),
}

/// Which field a piece of evidence is about (whose rule applies).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum About {
    Name,
    Email,
    Phone,
    Website,
    Country,
}

impl Evidence {
    pub fn about(&self) -> About {
        match self {
            Evidence::SameEmail(_)
            | Evidence::SameEmailDomain(_)
            | Evidence::OtherEmailDomain(..) => About::Email,
            Evidence::SamePhone(_) | Evidence::OtherPhone => About::Phone,
            Evidence::SameWebsite(_) | Evidence::OtherWebsite(..) => About::Website,
            Evidence::SameCountry(_) | Evidence::OtherCountry(..) => About::Country,
            Evidence::OtherLegalCountry(..) | Evidence::Name(..) => About::Name,
        }
    }
}

/// The judgement on one pair of records.
#[derive(Clone, Debug)]
pub struct Judgement {
    /// The sum of the weights, in bits.
    pub bits: f32,
    pub level: Level,
    /// Each piece of evidence with its weight, strongest for first, then those against.
    pub evidence: Vec<(f32, Evidence)>,
}

impl Judgement {
    /// 0 … 1 for people: from 0.85 the same firm, from 0.6 a possible duplicate (the scale
    /// the screens have always shown).
    pub fn score(&self) -> f32 {
        let b = self.bits;
        let s = if b >= SAME_BITS {
            0.85 + 0.15 * ((b - SAME_BITS) / 10.0).min(1.0)
        } else if b >= POSSIBLE_BITS {
            0.6 + 0.25 * (b - POSSIBLE_BITS) / (SAME_BITS - POSSIBLE_BITS)
        } else {
            (0.6 * b / POSSIBLE_BITS).max(0.0)
        };
        (s.min(1.0) * 100.0).round() / 100.0
    }
}

fn level_of(bits: f32) -> Level {
    if bits >= SAME_BITS {
        Level::Same
    } else if bits >= POSSIBLE_BITS {
        Level::Possible
    } else {
        Level::None
    }
}

/// Countries of one market, between which a firm moves its paperwork freely (a Shenzhen firm
/// with its Hong Kong company): neither for nor against.
fn one_market(a: &str, b: &str) -> bool {
    const GREATER_CHINA: [&str; 4] = ["CN", "HK", "MO", "TW"];
    GREATER_CHINA.contains(&a) && GREATER_CHINA.contains(&b)
}

/// Weighs every field of `a` against `b`. `counted` says whether a field's evidence counts at
/// all (the admin's rules may ignore a field).
pub fn judge(
    a: &Profile,
    b: &Profile,
    freq: &dyn Frequencies,
    counted: &dyn Fn(About) -> bool,
) -> Judgement {
    let mut ev: Vec<(f32, Evidence)> = Vec::new();
    // Keys: an address, a company domain, a phone, a website.
    if let Some(x) = a.emails.iter().find(|x| b.emails.contains(x)) {
        ev.push((SAME_EMAIL, Evidence::SameEmail(x.clone())));
    } else if let Some(x) = a.email_domains.iter().find(|x| b.email_domains.contains(x)) {
        ev.push((SAME_EMAIL_DOMAIN, Evidence::SameEmailDomain(x.clone())));
    } else if let (Some(x), Some(y)) = (a.email_domains.first(), b.email_domains.first()) {
        ev.push((
            OTHER_EMAIL_DOMAIN,
            Evidence::OtherEmailDomain(x.clone(), y.clone()),
        ));
    }
    if !a.phones.is_empty() && !b.phones.is_empty() {
        match a.phones.iter().find(|p| b.phones.contains(p)) {
            Some(p) => ev.push((SAME_PHONE, Evidence::SamePhone(p.clone()))),
            None => ev.push((OTHER_PHONE, Evidence::OtherPhone)),
        }
    }
    match (&a.website, &b.website) {
        (Some(x), Some(y)) if x == y => ev.push((SAME_WEBSITE, Evidence::SameWebsite(x.clone()))),
        (Some(x), Some(y)) => {
            ev.push((OTHER_WEBSITE, Evidence::OtherWebsite(x.clone(), y.clone())))
        }
        _ => {}
    }
    // Where the firms are.
    match (&a.country, &b.country) {
        (Some(x), Some(y)) if x == y => ev.push((SAME_COUNTRY, Evidence::SameCountry(x.clone()))),
        (Some(x), Some(y)) if !one_market(x, y) => {
            ev.push((OTHER_COUNTRY, Evidence::OtherCountry(x.clone(), y.clone())))
        }
        _ => {}
    }
    // The names: the best pair of the two records' names.
    let best = a
        .names
        .iter()
        .flat_map(|x| b.names.iter().map(move |y| (x, y)))
        .map(|(x, y)| (compare_names(x, y), x, y))
        .max_by(|p, q| p.0.score.total_cmp(&q.0.score));
    if let Some((sim, x, y)) = best {
        let (weight, df) = name_weight(&sim, x, y, freq);
        if weight != 0.0 || sim.score >= 0.6 {
            ev.push((weight, Evidence::Name(sim, df)));
        }
        if let (Some(lx), Some(ly)) = (legal_countries(&x.folded), legal_countries(&y.folded))
            && !lx.iter().any(|c| ly.contains(c))
        {
            ev.push((
                OTHER_LEGAL_COUNTRY,
                Evidence::OtherLegalCountry(
                    legal_form_label(&x.folded),
                    legal_form_label(&y.folded),
                ),
            ));
        }
    }
    ev.retain(|(_, e)| counted(e.about()) || e.about() == About::Country);
    // Agreement of the country alone is no reason to look.
    let keys_or_name = ev
        .iter()
        .any(|(w, e)| *w > 0.0 && e.about() != About::Country);
    let bits: f32 = if keys_or_name {
        ev.iter().map(|(w, _)| w).sum()
    } else {
        f32::NEG_INFINITY
    };
    ev.sort_by(|p, q| q.0.total_cmp(&p.0));
    Judgement {
        bits,
        level: level_of(bits),
        evidence: ev,
    }
}

/// The weight of two names and how many records carry the name: the rarer the name, the more
/// its agreement says; near-spellings say less than the same name.
fn name_weight(
    sim: &Similarity,
    x: &NameForm,
    y: &NameForm,
    freq: &dyn Frequencies,
) -> (f32, Option<u64>) {
    if x.tokens.is_empty() || y.tokens.is_empty() {
        return (0.0, None);
    }
    if sim.score < 0.6 {
        return (NAMES_DIFFER, None);
    }
    if sim.score < super::MATCH_THRESHOLD {
        return (NAMES_PARTLY_ALIKE, None);
    }
    let df = match (x.key(), y.key()) {
        (Some(kx), Some(ky)) if kx == ky => freq.df("n", &kx).unwrap_or(COMMON_DF),
        _ => {
            // The rarest distinctive word both names have; near-spellings only: a middling one.
            let ty = y.distinctive_terms();
            x.distinctive_terms()
                .iter()
                .filter(|t| ty.contains(t))
                .map(|t| freq.df("t", t).unwrap_or(COMMON_DF))
                .min()
                .unwrap_or(COMMON_DF / 8)
        }
    }
    .max(1);
    let book = (freq.total() as f64).max(MIN_BOOK);
    let info = (NAME_M * book / df as f64).log2().clamp(2.0, 20.0) as f32;
    // 0.85 → 0.6 of the information, 1.0 → all of it.
    let share = ((sim.score - 0.6) / 0.4).clamp(0.0, 1.0);
    (info * share, Some(df))
}

/// Legal forms and the countries that have them. Forms used in many countries (Ltd, S.A., Co.)
/// are not listed: they tell nothing.
const LEGAL_FORMS: &[(&str, &[&str])] = &[
    ("kk", &["JP"]),
    ("kabushiki", &["JP"]),
    ("kaisha", &["JP"]),
    ("yk", &["JP"]),
    ("gk", &["JP"]),
    (
        "sarl",
        &["FR", "BE", "LU", "CH", "MA", "TN", "DZ", "SN", "CI", "LB"],
    ),
    ("eurl", &["FR"]),
    ("sasu", &["FR"]),
    ("gmbh", &["DE", "AT", "CH", "LI"]),
    ("mbh", &["DE", "AT", "CH"]),
    ("ag", &["DE", "AT", "CH", "LI"]),
    ("kg", &["DE", "AT", "CH"]),
    ("ohg", &["DE", "AT"]),
    ("ug", &["DE"]),
    ("gbr", &["DE"]),
    ("bv", &["NL", "BE"]),
    ("nv", &["NL", "BE", "SR", "CW"]),
    ("bvba", &["BE"]),
    ("vof", &["NL"]),
    (
        "srl",
        &["IT", "RO", "AR", "MD", "BE", "UY", "PE", "BO", "CR", "DO"],
    ),
    ("spa", &["IT"]),
    ("snc", &["IT", "FR"]),
    ("sl", &["ES"]),
    ("slu", &["ES"]),
    ("spzoo", &["PL"]),
    ("sro", &["CZ", "SK"]),
    ("kft", &["HU"]),
    ("zrt", &["HU"]),
    ("oy", &["FI"]),
    ("oyj", &["FI"]),
    ("ab", &["SE", "FI"]),
    ("aps", &["DK"]),
    ("asa", &["NO"]),
    ("ooo", &["RU", "BY", "UZ", "KZ", "KG", "TJ"]),
    ("zao", &["RU"]),
    ("oao", &["RU"]),
    ("pao", &["RU"]),
    ("tov", &["UA"]),
    ("ltda", &["BR", "PT", "CO", "CL", "EC", "PE", "AO", "MZ"]),
    ("eireli", &["BR"]),
    ("cv", &["MX", "NL"]),
    ("sapi", &["MX"]),
    ("pvt", &["IN", "PK", "LK", "NP", "BD", "ZW"]),
    ("llp", &["IN", "GB", "US", "SG", "KZ"]),
    ("pty", &["AU", "ZA", "NA", "BW"]),
    ("pte", &["SG"]),
    ("bhd", &["MY", "BN"]),
    ("sdn", &["MY", "BN"]),
    ("tbk", &["ID"]),
    ("sti", &["TR"]),
    ("ltdsti", &["TR"]),
    (
        "jsc",
        &["VN", "RU", "KZ", "UZ", "AZ", "GE", "UA", "BG", "LT"],
    ),
    ("fze", &["AE"]),
    ("fzco", &["AE"]),
    ("fzc", &["AE"]),
    ("fzllc", &["AE"]),
    ("wll", &["BH", "KW", "QA"]),
    ("inc", &["US", "CA", "PH", "KR", "TW", "JP"]),
    (
        "llc",
        &[
            "US", "AE", "SA", "OM", "QA", "RU", "UA", "GE", "AM", "EG", "VN", "MN", "KZ",
        ],
    ),
    ("plc", &["GB", "IE", "NG", "KE", "GH", "UG", "LK", "ET"]),
    ("有限公司", &["CN", "HK", "TW", "MO"]),
    ("株式会社", &["JP"]),
];

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
    }
    if folded.contains("株式会社") {
        words.push("株式会社".into());
    } else if folded.contains("有限公司") {
        words.push("有限公司".into());
    }
    words
}

/// The countries whose legal form the name carries (`None`: no form that tells).
pub fn legal_countries(folded: &str) -> Option<Vec<&'static str>> {
    let words = legal_words(folded);
    let mut out: Option<Vec<&'static str>> = None;
    // Only the last three words (and a Chinese suffix) carry the legal form; "AB" or "KG" in
    // the middle of a name is a brand.
    let n = words.len();
    for w in words.iter().skip(n.saturating_sub(3)) {
        if let Some((_, countries)) = LEGAL_FORMS.iter().find(|(f, _)| f == w) {
            let set = out.get_or_insert_with(|| countries.to_vec());
            // Several forms in one name narrow the countries (S.A. de C.V.).
            let narrowed: Vec<&str> = set
                .iter()
                .copied()
                .filter(|c| countries.contains(c))
                .collect();
            if !narrowed.is_empty() {
                *set = narrowed;
            }
        }
    }
    out
}

/// The legal form as written, for a reason ("K.K." stays "kk": the folded word).
fn legal_form_label(folded: &str) -> String {
    let words = legal_words(folded);
    let n = words.len();
    words
        .iter()
        .skip(n.saturating_sub(3))
        .find(|w| LEGAL_FORMS.iter().any(|(f, _)| f == *w))
        .cloned()
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::dedup::{
        email_address, email_company_domain, name_form, phone_e164, website_key,
    };

    struct Book(u64, Vec<(&'static str, &'static str, u64)>);

    impl Frequencies for Book {
        fn df(&self, tag: &str, value: &str) -> Option<u64> {
            Some(
                self.1
                    .iter()
                    .find(|(t, v, _)| *t == tag && *v == value)
                    .map_or(1, |x| x.2),
            )
        }
        fn total(&self) -> u64 {
            self.0
        }
    }

    fn firm(name: &str, country: &str, email: &str, phone: &str, web: &str) -> Profile {
        let opt = |s: &str| (!s.is_empty()).then(|| s.to_string());
        Profile {
            names: vec![name_form(name)],
            country: opt(country),
            emails: opt(email)
                .and_then(|e| email_address(&e))
                .into_iter()
                .collect(),
            email_domains: opt(email)
                .and_then(|e| email_company_domain(&e))
                .into_iter()
                .collect(),
            phones: opt(phone)
                .and_then(|p| phone_e164(&p, if country.is_empty() { "CN" } else { country }))
                .into_iter()
                .collect(),
            website: opt(web).and_then(|w| website_key(&w)),
        }
    }

    fn level(a: &Profile, b: &Profile, book: &Book) -> Level {
        let j = judge(a, b, book, &|_| true);
        let k = judge(b, a, book, &|_| true);
        assert_eq!(j.level, k.level, "not symmetric: {j:?} / {k:?}");
        j.level
    }

    #[test]
    fn a_rare_exact_name_in_one_country_is_the_same_firm() {
        let book = Book(100_000, vec![]);
        let a = firm("Brandt Werkzeuge GmbH", "DE", "", "", "");
        let b = firm("BRANDT WERKZEUGE", "DE", "", "", "");
        assert_eq!(level(&a, &b, &book), Level::Same);
        // A common one only may be.
        let book = Book(100_000, vec![("n", "brandttools", 40)]);
        assert_eq!(level(&a, &b, &book), Level::Possible);
    }

    #[test]
    fn another_country_or_legal_form_speaks_against() {
        let book = Book(100_000, vec![]);
        let jp = firm("Pacific Imports K.K.", "JP", "", "", "");
        let fr = firm("Pacific Imports SARL", "FR", "", "", "");
        assert!(level(&jp, &fr, &book) < Level::Same);
        let j = judge(&jp, &fr, &book, &|_| true);
        assert!(
            j.evidence
                .iter()
                .any(|(_, e)| matches!(e, Evidence::OtherLegalCountry(..))),
            "{j:?}"
        );
        // Without countries, the legal forms alone keep it from being the same firm.
        let jp = firm("Pacific Imports K.K.", "", "", "", "");
        let fr = firm("Pacific Imports SARL", "", "", "", "");
        assert!(level(&jp, &fr, &book) < Level::Same);
        // Hong Kong and the mainland are one market.
        let hk = firm("Huaxin Electronics (HK) Ltd", "HK", "", "", "");
        let sz = firm("Shenzhen Huaxin Electronics Co., Ltd.", "CN", "", "", "");
        assert_eq!(level(&hk, &sz, &book), Level::Same);
    }

    #[test]
    fn different_trades_are_different_firms() {
        let book = Book(100_000, vec![]);
        for (x, y) in [
            ("Zimmermann Handel AG", "Zimmermann Vertrieb GmbH"),
            ("Vasquez Supply B.V.", "Vasquez Imports B.V."),
            (
                "宁波市海纳电子进出口有限公司",
                "宁波市海纳贸易进出口有限公司",
            ),
            ("Riverside Housewares LLC", "Riverside Home Goods Inc."),
        ] {
            let c = if x.contains('市') { "CN" } else { "DE" };
            assert_eq!(
                level(&firm(x, c, "", "", ""), &firm(y, c, "", "", ""), &book),
                Level::None,
                "{x} / {y}"
            );
        }
    }

    #[test]
    fn a_name_with_a_shared_key_is_the_same_firm_and_a_key_alone_may_be() {
        let book = Book(100_000, vec![("t", "metro", 150)]);
        let a = firm("Metro Sourcing Inc.", "US", "buy@metro-src.com", "", "");
        let b = firm("Metro Soucring Inc.", "US", "ceo@metro-src.com", "", "");
        assert_eq!(level(&a, &b, &book), Level::Same);
        let c = firm("Atlas Home Inc.", "US", "info@metro-src.com", "", "");
        assert_eq!(level(&a, &c, &book), Level::Possible);
        // Another website and domain make an exact name only possible.
        let d = firm(
            "Metro Sourcing LLC",
            "US",
            "a@metrosourcing.com",
            "",
            "metrosourcing.com",
        );
        let e = firm(
            "Metro Sourcing Inc.",
            "US",
            "b@metro-src.com",
            "",
            "metro-src.com",
        );
        assert_eq!(level(&d, &e, &book), Level::Possible);
    }

    #[test]
    fn legal_forms_by_country() {
        assert_eq!(
            legal_countries(&crate::search::text::fold("Pacific K.K.")),
            Some(vec!["JP"])
        );
        assert_eq!(
            legal_countries(&crate::search::text::fold("Sonora S.A. de C.V.")),
            Some(vec!["MX", "NL"])
        );
        assert_eq!(
            legal_countries(&crate::search::text::fold("Acme Ltd")),
            None
        );
        assert_eq!(
            legal_countries(&crate::search::text::fold("Nowak Sp. z o.o.")),
            Some(vec!["PL"])
        );
        assert_eq!(
            legal_countries("深圳市华信电子有限公司"),
            Some(vec!["CN", "HK", "TW", "MO"])
        );
    }
}
