//! The two embedded fonts, glyph lookup with fallback, text measuring and line breaking.
//!
//! Glyphs are placed from the fonts' own advance widths (no shaping): Chinese, Japanese kana,
//! Latin, Greek and Cyrillic need none, and measuring and drawing then agree exactly, which the
//! right-aligned amount column depends on.

use std::sync::LazyLock;

use krilla::text::{Font, GlyphId, KrillaGlyph};
use skrifa::MetadataProvider;
use skrifa::charmap::Charmap;
use skrifa::instance::{LocationRef, Size};
use skrifa::metrics::GlyphMetrics;

static CJK_DATA: &[u8] = include_bytes!("../../../../assets/fonts/KontorCJK-Regular.otf");
static LATIN_DATA: &[u8] = include_bytes!("../../../../assets/fonts/KontorLatin-Regular.ttf");

/// What a character outside both fonts is drawn with (its text is still the original character,
/// so copying it out of the PDF gives what was written).
pub const REPLACEMENT: char = '□';

static FONTS: LazyLock<Result<Fonts, String>> = LazyLock::new(Fonts::load);

/// The loaded fonts, or why they could not be read.
pub fn fonts() -> Result<&'static Fonts, String> {
    FONTS.as_ref().map_err(Clone::clone)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FaceId {
    Cjk,
    Latin,
}

pub struct Face {
    pub pdf: Font,
    charmap: Charmap<'static>,
    metrics: GlyphMetrics<'static>,
    units_per_em: f32,
}

impl Face {
    fn load(data: &'static [u8], name: &str) -> Result<Face, String> {
        let font = skrifa::FontRef::new(data).map_err(|e| format!("{name}: {e}"))?;
        let units_per_em = f32::from(
            font.metrics(Size::unscaled(), LocationRef::default())
                .units_per_em,
        );
        let pdf = Font::new(data.into(), 0).ok_or_else(|| format!("{name}: not a font"))?;
        Ok(Face {
            pdf,
            charmap: font.charmap(),
            metrics: font.glyph_metrics(Size::unscaled(), LocationRef::default()),
            units_per_em: units_per_em.max(1.0),
        })
    }

    fn glyph(&self, c: char) -> Option<(u32, f32)> {
        let gid = self.charmap.map(c)?;
        if gid.to_u32() == 0 {
            return None;
        }
        let advance = self.metrics.advance_width(gid).unwrap_or(0.0) / self.units_per_em;
        Some((gid.to_u32(), advance))
    }
}

pub struct Fonts {
    pub cjk: Face,
    pub latin: Face,
    replacement: (u32, f32),
}

/// A piece of text in one font, ready for `Surface::draw_glyphs`.
pub struct Run {
    pub face: FaceId,
    pub text: String,
    pub glyphs: Vec<KrillaGlyph>,
}

impl Fonts {
    fn load() -> Result<Fonts, String> {
        let cjk = Face::load(CJK_DATA, "KontorCJK-Regular.otf")?;
        let latin = Face::load(LATIN_DATA, "KontorLatin-Regular.ttf")?;
        let replacement = cjk.glyph(REPLACEMENT).unwrap_or((0, 1.0));
        Ok(Fonts {
            cjk,
            latin,
            replacement,
        })
    }

    pub fn face(&self, id: FaceId) -> &Face {
        match id {
            FaceId::Cjk => &self.cjk,
            FaceId::Latin => &self.latin,
        }
    }

    /// Whether the embedded fonts draw this character itself (not the replacement glyph).
    #[cfg(test)]
    pub fn covers(&self, c: char) -> bool {
        self.cjk.glyph(c).is_some() || self.latin.glyph(c).is_some()
    }

    /// The face, glyph and advance (in em) of each character drawn. A Latin word that the CJK
    /// font cannot draw whole is drawn whole from the Latin font, so one word never mixes two
    /// designs; a space stays in the face before it.
    fn glyphs(&self, text: &str) -> Vec<(char, FaceId, u32, f32)> {
        let chars: Vec<char> = text.chars().filter_map(clean).collect();
        let mut out = Vec::with_capacity(chars.len());
        let mut i = 0;
        while i < chars.len() {
            let word_end = if chars[i] == ' ' || is_cjk(chars[i]) {
                i + 1
            } else {
                chars[i..]
                    .iter()
                    .position(|&c| c == ' ' || is_cjk(c))
                    .map_or(chars.len(), |n| i + n)
            };
            let word = &chars[i..word_end];
            let latin_word = word.iter().any(|&c| self.cjk.glyph(c).is_none())
                && word.iter().all(|&c| self.latin.glyph(c).is_some());
            for &c in word {
                let prev_face = out.last().map(|g: &(char, FaceId, u32, f32)| g.1);
                let found = if c == ' ' && prev_face == Some(FaceId::Latin) {
                    self.latin.glyph(c).map(|(g, a)| (FaceId::Latin, g, a))
                } else if latin_word {
                    self.latin.glyph(c).map(|(g, a)| (FaceId::Latin, g, a))
                } else {
                    None
                };
                let (face, g, a) = found
                    .or_else(|| self.cjk.glyph(c).map(|(g, a)| (FaceId::Cjk, g, a)))
                    .or_else(|| self.latin.glyph(c).map(|(g, a)| (FaceId::Latin, g, a)))
                    .unwrap_or((FaceId::Cjk, self.replacement.0, self.replacement.1));
                out.push((c, face, g, a));
            }
            i = word_end;
        }
        out
    }

    /// The width of one line of text at a font size, in points.
    pub fn width(&self, text: &str, size: f32) -> f32 {
        self.glyphs(text).iter().map(|g| g.3).sum::<f32>() * size
    }

    /// One line of text as runs of glyphs, each run in one face.
    pub fn runs(&self, text: &str) -> Vec<Run> {
        let mut runs: Vec<Run> = Vec::new();
        for (c, face, gid, advance) in self.glyphs(text) {
            if runs.last().is_none_or(|r| r.face != face) {
                runs.push(Run {
                    face,
                    text: String::new(),
                    glyphs: Vec::new(),
                });
            }
            let Some(run) = runs.last_mut() else {
                continue;
            };
            let start = run.text.len();
            run.text.push(c);
            run.glyphs.push(KrillaGlyph::new(
                GlyphId::new(gid),
                advance,
                0.0,
                0.0,
                0.0,
                start..run.text.len(),
                None,
            ));
        }
        runs
    }

    /// Text broken into lines no wider than `max` points: at newlines, at spaces, between CJK
    /// characters (not before a closing mark such as ，。）nor after an opening one), after a
    /// hyphen or slash, and inside a word only when the word alone is too wide.
    pub fn wrap(&self, text: &str, size: f32, max: f32) -> Vec<String> {
        let mut lines = Vec::new();
        for para in text.split('\n') {
            let para = para.trim_end_matches('\r');
            let mut line = String::new();
            let mut line_w = 0.0;
            for seg in segments(para) {
                let word_w = self.width(seg.trim_end_matches(' '), size);
                if !line.is_empty() && line_w + word_w > max {
                    lines.push(std::mem::take(&mut line).trim_end().to_string());
                    line_w = 0.0;
                }
                if line.is_empty() && word_w > max {
                    // A word alone too wide: break it by character.
                    for c in seg.chars() {
                        let w = self.width(c.encode_utf8(&mut [0; 4]), size);
                        if !line.is_empty() && line_w + w > max && c != ' ' {
                            lines.push(std::mem::take(&mut line).trim_end().to_string());
                            line_w = 0.0;
                        }
                        line.push(c);
                        line_w += w;
                    }
                } else {
                    line_w += self.width(&seg, size);
                    line.push_str(&seg);
                }
            }
            lines.push(line.trim_end().to_string());
        }
        lines
    }
}

/// A character as drawn: tabs become spaces; control and invisible formatting characters
/// (zero-width spaces, byte-order marks, variation selectors) are left out.
fn clean(c: char) -> Option<char> {
    match c {
        '\t' => Some(' '),
        '\u{200B}'..='\u{200F}'
        | '\u{2028}'..='\u{202E}'
        | '\u{2060}'..='\u{2064}'
        | '\u{FE00}'..='\u{FE0F}'
        | '\u{FEFF}'
        | '\u{E0100}'..='\u{E01EF}' => None,
        c if c.is_control() => None,
        c => Some(c),
    }
}

fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x2E80..=0x2FFF | 0x3000..=0x30FF | 0x3100..=0x31FF | 0x3200..=0x9FFF
        | 0xAC00..=0xD7AF | 0xF900..=0xFAFF | 0xFE30..=0xFE4F | 0xFF00..=0xFFEF
        | 0x20000..=0x3FFFF)
}

/// Marks that must not begin a line.
fn no_break_before(c: char) -> bool {
    "，。、；：！？）」』】》〉〕）］｝,.;:!?)]}%’”…·ー々〜～".contains(c)
}

/// Marks that must not end a line.
fn no_break_after(c: char) -> bool {
    "（「『【《〈〔（［｛([{‘“".contains(c)
}

/// Unbreakable pieces of a paragraph, each with the spaces that follow it.
fn segments(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut cur = String::new();
    let mut prev: Option<char> = None;
    for c in text.chars() {
        let boundary = match prev {
            None => false,
            Some(' ') => c != ' ',
            Some(p) => {
                c != ' '
                    && !no_break_before(c)
                    && !no_break_after(p)
                    && (is_cjk(p) || is_cjk(c) || ((p == '-' || p == '/') && c.is_alphanumeric()))
            }
        };
        if boundary && !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
        cur.push(c);
        prev = Some(c);
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrap_breaks_between_words_and_cjk_characters() {
        let f = fonts().unwrap();
        let lines = f.wrap(
            "Stainless steel hinge 304, brushed finish, 100x75 mm",
            10.0,
            90.0,
        );
        assert!(lines.len() > 1, "{lines:?}");
        assert!(lines.iter().all(|l| f.width(l, 10.0) <= 90.0), "{lines:?}");
        assert_eq!(
            lines.join(" "),
            "Stainless steel hinge 304, brushed finish, 100x75 mm"
        );
        let zh = f.wrap("不锈钢合页，拉丝表面处理。规格一百乘七十五毫米", 10.0, 50.0);
        assert!(zh.len() > 2, "{zh:?}");
        assert!(
            zh.iter()
                .all(|l| !l.starts_with('，') && !l.starts_with('。'))
        );
        assert_eq!(
            zh.concat(),
            "不锈钢合页，拉丝表面处理。规格一百乘七十五毫米"
        );
        let long = f.wrap("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", 10.0, 40.0);
        assert!(long.len() > 2 && long.iter().all(|l| f.width(l, 10.0) <= 40.0));
        assert_eq!(f.wrap("a\nb", 10.0, 100.0), vec!["a", "b"]);
    }

    #[test]
    fn characters_outside_both_fonts_get_the_replacement_glyph() {
        let f = fonts().unwrap();
        assert!(f.covers('宁') && f.covers('Ł') && f.covers('€'));
        // Rarer name characters and traditional forms are in the CJK subset too.
        assert!(f.covers('喆') && f.covers('堃') && f.covers('燊') && f.covers('華'));
        assert!(f.covers('㎡') && f.covers('①') && f.covers('，') && f.covers('ー'));
        assert!(!f.covers('한'));
        let runs = f.runs("Łódź 한국");
        let faces: Vec<FaceId> = runs.iter().map(|r| r.face).collect();
        assert_eq!(faces, vec![FaceId::Latin, FaceId::Cjk]);
        assert_eq!(
            runs.iter().map(|r| r.text.as_str()).collect::<String>(),
            "Łódź 한국"
        );
        assert!(f.width("한", 10.0) > 0.0);
    }
}
