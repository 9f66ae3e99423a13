//! The keys of the duplicate index (查重): a record's names, e-mails, phones and website, each
//! normalised. Record kinds build their `dedup` index from [`index_keys`]; the check looks
//! candidates up by the same keys. Knows no record kind, so the kinds' declarations depend on
//! it and not on the check.

use super::{email_address, email_company_domain, name_form, phone_e164, website_key};
use crate::store::IndexKey;

/// Where the phone numbers of a customer or lead without a country are read (their index
/// cannot read the company's country). Contacts carry their own region.
pub(super) const UNKNOWN_REGION: &str = "CN";

/// What a record is found by.
#[derive(Default)]
pub struct Keyed<'a> {
    pub names: Vec<&'a str>,
    pub emails: Vec<&'a str>,
    pub phones: Vec<&'a str>,
    /// ISO country the phones are read in (else [`UNKNOWN_REGION`]).
    pub region: Option<&'a str>,
    pub website: Option<&'a str>,
}

/// The duplicate-index keys of a record, sorted and without repeats.
pub fn index_keys(k: Keyed) -> Vec<IndexKey> {
    let region = k.region.unwrap_or(UNKNOWN_REGION);
    let mut keys: Vec<IndexKey> = k.names.iter().flat_map(|n| name_keys(n)).collect();
    keys.extend(k.emails.iter().flat_map(|e| email_keys(Some(e))));
    keys.extend(k.phones.iter().flat_map(|p| phone_keys(Some(p), region)));
    keys.extend(k.website.and_then(website_key).map(|w| key("w", &w)));
    keys.sort();
    keys.dedup();
    keys
}

pub(super) fn key(tag: &str, value: &str) -> IndexKey {
    IndexKey::new().str(&format!("{tag}:{value}"))
}

fn phone_keys(raw: Option<&str>, region: &str) -> Vec<IndexKey> {
    raw.and_then(|p| phone_e164(p, region))
        .map(|e| key("p", &e))
        .into_iter()
        .collect()
}

fn email_keys(raw: Option<&str>) -> Vec<IndexKey> {
    let Some(raw) = raw else { return Vec::new() };
    let mut keys: Vec<IndexKey> = email_address(raw)
        .map(|e| key("e", &e))
        .into_iter()
        .collect();
    keys.extend(email_company_domain(raw).map(|d| key("d", &d)));
    keys
}

fn name_keys(name: &str) -> Vec<IndexKey> {
    let form = name_form(name);
    let mut keys: Vec<IndexKey> = form.key().map(|k| key("n", &k)).into_iter().collect();
    keys.extend(form.distinctive_terms().iter().map(|t| key("t", t)));
    keys
}
