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
//! another legal form (S.A. vs S.L.: two registered entities), names that differ. A name alone
//! never makes firms of two countries one, nor does a name that is only near (a typo).

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
const SAME_WEBSITE: f32 = 11.0;
const OTHER_WEBSITE: f32 = -4.0;
const SAME_COUNTRY: f32 = 1.0;
/// Firms of two countries are two legal entities; a firm's country typed wrong is rarer.
const OTHER_COUNTRY: f32 = -11.0;
/// The same name under two legal forms (S.A. and S.L., GmbH and e.K., K.K. and SARL) is two
/// registered entities: a firm's form is rarely typed wrong (m ≈ 0.03), and the S.A. and the
/// S.L. of one family are two customers to invoice.
const OTHER_LEGAL_FORM: f32 = -8.0;
/// Records of one firm nearly always share the word that names it (m ≈ 0.015).
const NAMES_DIFFER: f32 = -6.0;
/// The most a name that is not the same name may weigh: below [`SAME_BITS`], so a near
/// spelling alone (a typo, another spacing) warns but never refuses a save.
const NEAR_NAME_MAX: f32 = 12.0;
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
    /// The two legal forms, as written (folded).
    OtherLegalForm(String, String),
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
            Evidence::OtherLegalForm(..) | Evidence::Name(..) => About::Name,
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
        let alike = sim.score >= 0.6;
        if weight != 0.0 || alike {
            ev.push((weight, Evidence::Name(sim, df)));
        }
        // Two legal forms tell two entities of one name apart; names that differ already
        // said they are two.
        if alike
            && let (Some(fx), Some(fy)) = (&x.legal, &y.legal)
            && fx.id != fy.id
            && !fx.is_generic()
            && !fy.is_generic()
        {
            ev.push((
                OTHER_LEGAL_FORM,
                Evidence::OtherLegalForm(fx.written.clone(), fy.written.clone()),
            ));
        }
    }
    ev.retain(|(_, e)| counted(e.about()) || e.about() == About::Country);
    // Agreement of the country alone is no reason to look.
    let keys_or_name = ev
        .iter()
        .any(|(w, e)| *w > 0.0 && e.about() != About::Country);
    let mut bits: f32 = if keys_or_name {
        ev.iter().map(|(w, _)| w).sum()
    } else {
        f32::NEG_INFINITY
    };
    // Firms of two countries (even of one market: a Shenzhen firm and a Hong Kong one) are two
    // legal entities: a name never makes them one, nor does the website or mail domain a
    // group's companies share; a shared address or phone may.
    let key_agrees = ev
        .iter()
        .any(|(_, e)| matches!(e, Evidence::SameEmail(_) | Evidence::SamePhone(_)));
    if !key_agrees
        && let (Some(x), Some(y)) = (&a.country, &b.country)
        && x != y
    {
        bits = bits.min(SAME_BITS - 1.0);
    }
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
    let (kx, ky) = (x.key(), y.key());
    // A near spelling of a name is as rare as the name: count the records that carry either
    // name exactly (the one compared with is on record, so it counts at least itself).
    let by_key = [&kx, &ky]
        .into_iter()
        .flatten()
        .filter_map(|k| freq.df("n", k).or(Some(COMMON_DF)))
        .filter(|n| *n > 0)
        .min();
    let df = match (&kx, &ky, by_key) {
        (Some(a), Some(b), _) if a == b => freq.df("n", a).unwrap_or(COMMON_DF),
        (_, _, Some(n)) => n,
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
    let weight = if sim.score >= 0.99 {
        info * share
    } else {
        (info * share).min(NEAR_NAME_MAX)
    };
    (weight, Some(df))
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
                .any(|(_, e)| matches!(e, Evidence::OtherLegalForm(..))),
            "{j:?}"
        );
        // Without countries, the legal forms alone keep it from being the same firm.
        let jp = firm("Pacific Imports K.K.", "", "", "", "");
        let fr = firm("Pacific Imports SARL", "", "", "", "");
        assert!(level(&jp, &fr, &book) < Level::Same);
        // Hong Kong and the mainland are one market: nothing against, but two registered
        // firms; a name alone does not make them one, a shared phone does.
        let hk = firm("Huaxin Electronics (HK) Ltd", "HK", "", "", "");
        let sz = firm("Shenzhen Huaxin Electronics Co., Ltd.", "CN", "", "", "");
        assert_eq!(level(&hk, &sz, &book), Level::Possible);
        let hk = firm(
            "Huaxin Electronics (HK) Ltd",
            "HK",
            "",
            "+852 2345 6789",
            "",
        );
        let sz = firm(
            "Shenzhen Huaxin Electronics Co., Ltd.",
            "CN",
            "",
            "+852 2345 6789",
            "",
        );
        assert_eq!(level(&hk, &sz, &book), Level::Same);
        // The website a group's companies share does not.
        let hk = firm("Huaxin Electronics (HK) Ltd", "HK", "", "", "huaxin.com");
        let sz = firm(
            "Shenzhen Huaxin Electronics Co., Ltd.",
            "CN",
            "",
            "",
            "huaxin.com",
        );
        assert_eq!(level(&hk, &sz, &book), Level::Possible);
        // A name read in another script is near, not the same (华信 and 华新 are both
        // Huaxin): possible alone, the same firm with a shared key.
        for (x, y, country) in [
            ("ООО «Кедрсервис»", "OOO \"Kedrservis\"", "RU"),
            (
                "广州联丰纺织有限公司",
                "Guangzhou Lianfeng Textile Co., Ltd.",
                "CN",
            ),
        ] {
            let a = firm(x, country, "", "", "");
            let b = firm(y, country, "", "", "");
            assert_eq!(level(&a, &b, &book), Level::Possible, "{x} / {y}");
            let a = firm(x, country, "", "", "kedr-lianfeng.com");
            let b = firm(y, country, "", "", "kedr-lianfeng.com");
            assert_eq!(level(&a, &b, &book), Level::Same, "{x} / {y}");
        }
        // The same name under two legal forms of one country: two entities.
        let sl = firm("Navarra Embalajes S.L.", "ES", "", "", "");
        let sa = firm("Navarra Embalajes S.A.", "ES", "", "", "");
        assert!(level(&sl, &sa, &book) < Level::Same);
        // "Ltd" is the English a rep writes for any form: no evidence.
        let gmbh = firm("Müller Werkzeuge GmbH", "DE", "", "", "");
        let ltd = firm("Mueller Werkzeuge Ltd", "DE", "", "", "");
        assert_eq!(level(&gmbh, &ltd, &book), Level::Same);
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
            "Metro Sourcing Inc",
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
        // … and another legal form besides, nothing.
        let f = firm(
            "Metro Sourcing LLC",
            "US",
            "a@metrosourcing.com",
            "",
            "metrosourcing.com",
        );
        assert_eq!(level(&f, &e, &book), Level::None);
    }
}
