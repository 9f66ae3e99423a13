//! Text folding and tokenisation shared by the index, queries and (later) duplicate detection:
//! full-width → half-width, traditional → simplified Chinese, case and accents folded; Chinese
//! split into words by jieba, Latin text into words.

use std::sync::LazyLock;

use pinyin::ToPinyin;
use tantivy_jieba::jieba_rs::Jieba;
use unicode_normalization::UnicodeNormalization;

static JIEBA: LazyLock<Jieba> = LazyLock::new(Jieba::new);

/// Is this a CJK ideograph (kept as is, never transliterated)?
pub fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x2FA1F)
}

/// Folds text for matching: NFKC (full-width → half-width), traditional → simplified Chinese,
/// lower case, accents and umlauts removed from Latin letters (Müller → muller).
pub fn fold(text: &str) -> String {
    let nfkc: String = text.nfkc().collect();
    let simplified = if nfkc.chars().any(is_cjk) {
        zhconv::zhconv(&nfkc, zhconv::Variant::ZhHans)
    } else {
        nfkc
    };
    let mut out = String::with_capacity(simplified.len());
    for c in simplified.chars() {
        if c.is_ascii() {
            out.push(c.to_ascii_lowercase());
        } else if is_cjk(c) || !c.is_alphabetic() {
            out.extend(c.to_lowercase());
        } else {
            // Latin, Greek, Cyrillic letters with marks: transliterate to ASCII.
            let ascii = deunicode::deunicode_char(c).unwrap_or("");
            if ascii.is_empty() {
                out.extend(c.to_lowercase());
            } else {
                out.push_str(&ascii.to_ascii_lowercase());
            }
        }
    }
    out
}

/// The words of already folded text: jieba's search-mode words for Chinese runs (so 华信电子 gives
/// 华信, 电子 and 华信电子), alphanumeric runs for everything else. Punctuation and spaces are
/// dropped.
pub fn words(folded: &str) -> Vec<String> {
    let mut out = Vec::new();
    for token in JIEBA.cut_for_search(folded, true) {
        let word = token.word;
        if word.chars().any(is_cjk) {
            let cjk: String = word
                .chars()
                .filter(|c| is_cjk(*c) || c.is_alphanumeric())
                .collect();
            if !cjk.is_empty() {
                out.push(cjk);
            }
        } else {
            for part in word.split(|c: char| !c.is_alphanumeric()) {
                if !part.is_empty() {
                    out.push(part.to_string());
                }
            }
        }
    }
    out
}

/// Folds and splits in one step.
pub fn tokens(text: &str) -> Vec<String> {
    words(&fold(text))
}

/// The pinyin of each Chinese word (华信 → huaxin), for finding Chinese names typed in Latin.
pub fn pinyin_words(folded: &str) -> Vec<String> {
    let mut out = Vec::new();
    for word in words(folded) {
        if !word.chars().any(is_cjk) {
            continue;
        }
        let py: String = word
            .as_str()
            .to_pinyin()
            .flatten()
            .map(|p| p.plain())
            .collect::<Vec<_>>()
            .concat();
        if !py.is_empty() {
            out.push(py);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fold_handles_width_script_case_and_accents() {
        assert_eq!(fold("ＡＣＭＥ　Ｔｒａｄｉｎｇ"), "acme trading");
        assert_eq!(fold("華信電子"), "华信电子");
        assert_eq!(fold("Müller Café"), "muller cafe");
        assert_eq!(fold("深圳市华信"), "深圳市华信");
    }

    #[test]
    fn chinese_names_split_into_searchable_words() {
        let w = tokens("深圳市华信电子有限公司");
        assert!(w.contains(&"华信".to_string()), "{w:?}");
        assert!(w.contains(&"电子".to_string()), "{w:?}");
        let w = tokens("Shenzhen Huaxin Electronics Co., Ltd.");
        assert_eq!(w, vec!["shenzhen", "huaxin", "electronics", "co", "ltd"]);
    }

    #[test]
    fn pinyin_of_chinese_words() {
        let py = pinyin_words(&fold("华信电子"));
        assert!(py.contains(&"huaxin".to_string()), "{py:?}");
    }
}
