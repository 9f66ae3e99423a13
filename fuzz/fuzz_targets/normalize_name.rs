//! Company names: folding, word splitting, the name form and key, and the name comparison.
//! The input is one name, or two separated by a tab (then they are also compared).
#![no_main]

use kontor::domain::dedup::{self, normalize};
use kontor::search::text;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let input = String::from_utf8_lossy(data);
    let (a, b) = input.split_once('\t').unwrap_or((&input, ""));
    let form = normalize::name_form(a);
    assert_eq!(form.key(), normalize::name_key(a), "the key is the form's");
    let _ = form.distinctive_terms();
    let folded = text::fold(a);
    let _ = text::words(&folded);
    let _ = text::pinyin_words(&folded);
    let _ = normalize::umlaut_key(&folded);
    let _ = normalize::pinyin_key(a);
    let _ = normalize::is_pinyin(a);
    let _ = normalize::reads_as(a, b);
    let score = dedup::name_similarity(a, b).score;
    assert!((0.0..=1.0).contains(&score), "score {score}");
    let score = dedup::compare_names(&form, &form).score;
    assert!((0.0..=1.0).contains(&score), "score {score}");
});
