//! Writing the laid-out pages with krilla: text as glyph runs of the embedded fonts (subset and
//! given a ToUnicode map by krilla), boxes and rules as paths.

use krilla::Document;
use krilla::color::rgb;
use krilla::geom::{PathBuilder, Point, Rect};
use krilla::metadata::Metadata;
use krilla::page::PageSettings;
use krilla::paint::{Fill, Stroke};

use super::*;

fn color((r, g, b): Rgb) -> rgb::Color {
    rgb::Color::new(r, g, b)
}

pub(super) fn write(doc: &PiDocument, f: &Fonts, pages: &[Vec<Op>]) -> Result<Vec<u8>, PdfError> {
    let mut document = Document::new();
    let title = format!(
        "{} {}",
        lb::title(doc.title_kind).text(doc.lang),
        doc.number
    );
    document.set_metadata(
        Metadata::new()
            .title(title)
            .creator("Kontor".to_string())
            .language(match doc.lang {
                DocLang::En => "en".to_string(),
                _ => "zh-CN".to_string(),
            }),
    );
    let settings = PageSettings::from_wh(PAGE_W, PAGE_H)
        .ok_or_else(|| PdfError::Write("page size".to_string()))?;
    for ops in pages {
        let mut page = document.start_page_with(settings.clone());
        let mut s = page.surface();
        for op in ops {
            match op {
                Op::Rect {
                    x,
                    y,
                    w,
                    h,
                    fill,
                    stroke,
                } => {
                    let Some(rect) = Rect::from_xywh(*x, *y, *w, *h) else {
                        continue;
                    };
                    let mut pb = PathBuilder::new();
                    pb.push_rect(rect);
                    let Some(path) = pb.finish() else {
                        continue;
                    };
                    s.set_fill(fill.map(|c| Fill {
                        paint: color(c).into(),
                        ..Default::default()
                    }));
                    s.set_stroke(stroke.map(|(c, width)| Stroke {
                        paint: color(c).into(),
                        width,
                        ..Default::default()
                    }));
                    s.draw_path(&path);
                }
                Op::Line {
                    x1,
                    y1,
                    x2,
                    y2,
                    color: c,
                    width,
                } => {
                    let mut pb = PathBuilder::new();
                    pb.move_to(*x1, *y1);
                    pb.line_to(*x2, *y2);
                    let Some(path) = pb.finish() else {
                        continue;
                    };
                    s.set_fill(None);
                    s.set_stroke(Some(Stroke {
                        paint: color(*c).into(),
                        width: *width,
                        ..Default::default()
                    }));
                    s.draw_path(&path);
                }
                Op::Text {
                    x,
                    y,
                    size,
                    bold,
                    color: c,
                    text,
                } => {
                    s.set_fill(Some(Fill {
                        paint: color(*c).into(),
                        ..Default::default()
                    }));
                    // Semi-bold: the glyphs outlined in their own colour.
                    s.set_stroke(bold.then(|| Stroke {
                        paint: color(*c).into(),
                        width: size * 0.045,
                        ..Default::default()
                    }));
                    // The baseline: the line box's top plus half the leading and the ascent.
                    let baseline = y + size * 1.07;
                    let mut pen = *x;
                    for run in f.runs(text) {
                        let face = f.face(run.face);
                        s.draw_glyphs(
                            Point::from_xy(pen, baseline),
                            &run.glyphs,
                            face.pdf.clone(),
                            &run.text,
                            *size,
                            false,
                        );
                        pen += run.glyphs.iter().map(|g| g.x_advance).sum::<f32>() * size;
                    }
                }
            }
        }
        s.finish();
        page.finish();
    }
    document
        .finish()
        .map_err(|e| PdfError::Write(format!("{e:?}")))
}
