//! E-mail addresses, phone numbers and websites: keys and comparisons. The input is a value, or
//! `region<TAB>value`, or `region<TAB>value<TAB>other value` (the region is the record's country
//! as imported: any text).
#![no_main]

use kontor::domain::dedup::{self, normalize};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let input = String::from_utf8_lossy(data);
    let mut fields = input.splitn(3, '\t');
    let first = fields.next().unwrap_or("");
    let (region, a, b) = match (fields.next(), fields.next()) {
        (Some(a), Some(b)) => (first, a, b),
        (Some(a), None) => (first, a, ""),
        _ => ("CN", first, ""),
    };

    if let Some(address) = normalize::email_address(a) {
        assert!(address.contains('@'), "{address}");
    }
    let _ = normalize::email_domain(a);
    let _ = normalize::email_company_domain(a);
    let _ = normalize::is_free_mail_domain(a);

    for number in normalize::phone_e164(a, region)
        .into_iter()
        .chain(normalize::phone_numbers(a, region))
    {
        assert!(
            number.starts_with('+') && number[1..].bytes().all(|c| c.is_ascii_digit()),
            "{number}"
        );
        let _ = normalize::phone_country(&number);
    }
    let _ = normalize::phone_country(a);

    let _ = normalize::website_key(a);

    for score in [
        dedup::email_similarity(a, b).score,
        dedup::phone_similarity(a, b, region).score,
        dedup::website_similarity(a, b).score,
    ] {
        assert!((0.0..=1.0).contains(&score), "score {score}");
    }
});
