//! The PDF: the document laid out on A4 pages as a list of drawing operations (text, lines,
//! boxes), then written with krilla. Laying out first gives the page count for "page n / m".

mod render;
mod table;

use super::fonts::{Fonts, fonts};
use super::labels::{self as lb, Label};
use super::{DocLang, Party, PdfError, PiDocument, filled, format as fmt};
use table::Col;

const PAGE_W: f32 = 595.28;
const PAGE_H: f32 = 841.89;
const LEFT: f32 = 42.0;
const RIGHT: f32 = PAGE_W - 42.0;
const WIDTH: f32 = RIGHT - LEFT;
const TOP: f32 = 36.0;
/// Content stops here; the footer sits below.
const BOTTOM: f32 = PAGE_H - 50.0;
const GAP: f32 = 10.0;
/// A table cell's padding.
const PAD: f32 = 3.5;
/// The table's text size.
const BODY: f32 = 8.0;
/// The signature boxes' height.
const SIGN_H: f32 = 78.0;
/// Lines of one table cell at most (a longer description ends in "…").
const MAX_CELL_LINES: usize = 40;

type Rgb = (u8, u8, u8);
const INK: Rgb = (28, 36, 48);
const MUTED: Rgb = (96, 106, 120);
const ACCENT: Rgb = (22, 54, 92);
const RULE: Rgb = (196, 204, 214);
const HEAD_BG: Rgb = (233, 238, 245);

/// The height of a line of text at a font size.
fn lh(size: f32) -> f32 {
    size * 1.38
}

#[derive(Clone, Copy, PartialEq)]
enum Align {
    Left,
    Center,
    Right,
}

/// One drawing operation; `y` of text is its top (the baseline is computed when drawing).
#[derive(Debug)]
pub enum Op {
    Text {
        x: f32,
        y: f32,
        size: f32,
        bold: bool,
        color: Rgb,
        text: String,
    },
    Rect {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        fill: Option<Rgb>,
        stroke: Option<(Rgb, f32)>,
    },
    Line {
        x1: f32,
        y1: f32,
        x2: f32,
        y2: f32,
        color: Rgb,
        width: f32,
    },
}

struct Builder<'a> {
    doc: &'a PiDocument,
    f: &'a Fonts,
    lang: DocLang,
    pages: Vec<Vec<Op>>,
    y: f32,
    /// The lines table's columns.
    cols: Vec<Col>,
    /// While the lines table runs, a new page repeats its header.
    in_table: bool,
}

pub fn pdf(doc: &PiDocument) -> Result<Vec<u8>, PdfError> {
    let f = fonts().map_err(PdfError::Font)?;
    let pages = pages(doc, f);
    render::write(doc, f, &pages)
}

/// The document laid out: one list of operations per page, footer included.
pub fn pages(doc: &PiDocument, f: &Fonts) -> Vec<Vec<Op>> {
    let mut b = Builder {
        doc,
        f,
        lang: doc.lang,
        pages: vec![Vec::new()],
        y: TOP,
        cols: Vec::new(),
        in_table: false,
    };
    b.cols = b.columns();
    b.letterhead();
    b.title();
    b.meta();
    b.parties();
    b.lines_table();
    b.in_words();
    b.terms();
    b.schedule();
    // The signatures never stand alone on the last page: the last text section goes with them.
    let remarks_last = filled(&doc.remarks).is_some();
    for (label, text, last) in [
        (lb::BANK, doc.bank.as_deref(), !remarks_last),
        (lb::REMARKS, doc.remarks.as_deref(), remarks_last),
    ] {
        if last {
            b.keep(b.section_height(text) + SIGN_H);
        }
        b.text_section(label, text);
    }
    b.keep(SIGN_H);
    b.signatures();
    b.footers();
    b.pages
}

impl Builder<'_> {
    fn ops(&mut self) -> &mut Vec<Op> {
        if self.pages.is_empty() {
            self.pages.push(Vec::new());
        }
        let last = self.pages.len() - 1;
        &mut self.pages[last]
    }

    fn text(&mut self, x: f32, y: f32, size: f32, bold: bool, color: Rgb, text: &str) {
        if text.trim().is_empty() {
            return;
        }
        self.ops().push(Op::Text {
            x,
            y,
            size,
            bold,
            color,
            text: text.to_string(),
        });
    }

    /// Text aligned inside the span `x .. x + w`.
    #[allow(clippy::too_many_arguments)]
    fn text_in(
        &mut self,
        x: f32,
        w: f32,
        y: f32,
        size: f32,
        bold: bool,
        color: Rgb,
        align: Align,
        text: &str,
    ) {
        let tw = self.f.width(text, size);
        let x = match align {
            Align::Left => x,
            Align::Center => x + (w - tw) / 2.0,
            Align::Right => x + w - tw,
        };
        self.text(x, y, size, bold, color, text);
    }

    fn line(&mut self, x1: f32, y1: f32, x2: f32, y2: f32, color: Rgb, width: f32) {
        self.ops().push(Op::Line {
            x1,
            y1,
            x2,
            y2,
            color,
            width,
        });
    }

    fn rect(&mut self, x: f32, y: f32, w: f32, h: f32, fill: Option<Rgb>, stroke: Option<Rgb>) {
        self.ops().push(Op::Rect {
            x,
            y,
            w,
            h,
            fill,
            stroke: stroke.map(|c| (c, 0.6)),
        });
    }

    fn wrap(&self, text: &str, size: f32, w: f32) -> Vec<String> {
        let mut lines = self.f.wrap(text, size, w.max(10.0));
        if lines.len() > MAX_CELL_LINES {
            lines.truncate(MAX_CELL_LINES);
            if let Some(last) = lines.last_mut() {
                last.push('…');
            }
        }
        lines
    }

    /// Moves to a new page unless `h` more points fit on this one.
    fn ensure(&mut self, h: f32) {
        if self.y + h > BOTTOM {
            self.new_page();
        }
    }

    fn new_page(&mut self) {
        self.pages.push(Vec::new());
        self.y = TOP;
        // The running header: company left, title and number right.
        let title = lb::title(self.doc.title_kind).text(self.lang);
        let right = format!("{title}  {}", self.doc.number);
        let rw = self.f.width(&right, 9.0);
        let name = self.fit(&self.doc.seller.name, 10.0, WIDTH - rw - GAP);
        self.text(LEFT, self.y, 10.0, true, INK, &name);
        self.text_in(
            LEFT,
            WIDTH,
            self.y + 1.0,
            9.0,
            false,
            MUTED,
            Align::Right,
            &right,
        );
        self.y += lh(10.0) + 3.0;
        self.line(LEFT, self.y, RIGHT, self.y, ACCENT, 1.0);
        self.y += 10.0;
        if self.in_table {
            self.table_header();
        }
    }

    /// Text cut to one line of at most `w` points, ending in "…" when cut.
    fn fit(&self, text: &str, size: f32, w: f32) -> String {
        let first = self
            .f
            .wrap(text, size, w)
            .into_iter()
            .next()
            .unwrap_or_default();
        if first.chars().count() < text.chars().count() {
            let mut s: String = first;
            while !s.is_empty() && self.f.width(&format!("{s}…"), size) > w {
                s.pop();
            }
            format!("{s}…")
        } else {
            first
        }
    }

    fn letterhead(&mut self) {
        let seller = &self.doc.seller;
        for l in self.wrap(&seller.name, 15.0, WIDTH) {
            self.text_in(LEFT, WIDTH, self.y, 15.0, true, ACCENT, Align::Center, &l);
            self.y += lh(15.0);
        }
        self.y += 1.0;
        if let Some(address) = filled(&seller.address) {
            for l in self.wrap(address, 8.0, WIDTH) {
                self.text_in(LEFT, WIDTH, self.y, 8.0, false, MUTED, Align::Center, &l);
                self.y += lh(8.0);
            }
        }
        let lang = self.lang;
        let contacts: Vec<String> = [
            (lb::PHONE, filled(&seller.phone)),
            (lb::EMAIL, filled(&seller.email)),
            (lb::TAX_ID, filled(&seller.tax_id)),
        ]
        .into_iter()
        .filter_map(|(label, v)| v.map(|v| format!("{}: {v}", label.text(lang))))
        .collect();
        if !contacts.is_empty() {
            for l in self.wrap(&contacts.join("    "), 8.0, WIDTH) {
                self.text_in(LEFT, WIDTH, self.y, 8.0, false, MUTED, Align::Center, &l);
                self.y += lh(8.0);
            }
        }
        self.y += 4.0;
        self.line(LEFT, self.y, RIGHT, self.y, ACCENT, 1.6);
        self.line(LEFT, self.y + 2.6, RIGHT, self.y + 2.6, ACCENT, 0.5);
        self.y += 14.0;
    }

    fn title(&mut self) {
        let t = lb::title(self.doc.title_kind);
        match self.lang {
            DocLang::Zh => self.title_line(t.zh, 18.0),
            DocLang::En => self.title_line(t.en, 16.0),
            DocLang::Both => {
                self.title_line(t.zh, 17.0);
                self.y -= 2.0;
                self.title_line(t.en, 10.5);
            }
        }
        self.y += 6.0;
    }

    fn title_line(&mut self, text: &str, size: f32) {
        self.text_in(LEFT, WIDTH, self.y, size, true, INK, Align::Center, text);
        self.y += lh(size);
    }

    /// No., date, validity, currency and trade terms as a strip of cells.
    fn meta(&mut self) {
        let doc = self.doc;
        let lang = self.lang;
        let mut cells: Vec<(Label, String)> = vec![
            (lb::NUMBER, doc.number.clone()),
            (lb::DATE, doc.date.format("%Y-%m-%d").to_string()),
        ];
        if let Some(v) = doc.valid_until {
            cells.push((lb::VALID_UNTIL, v.format("%Y-%m-%d").to_string()));
        }
        if let Some(r) = &doc.customer_ref {
            cells.push((lb::YOUR_REF, r.clone()));
        }
        cells.push((lb::CURRENCY, doc.currency.trim().to_uppercase()));
        if let Some(t) = doc.trade_terms() {
            cells.push((lb::TRADE_TERMS, t));
        }
        let w = WIDTH / cells.len() as f32;
        let laid: Vec<(Vec<String>, Vec<String>)> = cells
            .iter()
            .map(|(label, value)| {
                (
                    self.wrap(&label.text(lang), 7.5, w - 2.0 * PAD - 2.0),
                    self.wrap(value, 9.5, w - 2.0 * PAD - 2.0),
                )
            })
            .collect();
        let h = laid
            .iter()
            .map(|(l, v)| l.len() as f32 * lh(7.5) + v.len() as f32 * lh(9.5))
            .fold(0.0, f32::max)
            + 2.0 * PAD
            + 2.0;
        self.ensure(h);
        let top = self.y;
        self.rect(LEFT, top, WIDTH, h, None, Some(RULE));
        for (i, (label, value)) in laid.iter().enumerate() {
            let x = LEFT + i as f32 * w;
            if i > 0 {
                self.line(x, top, x, top + h, RULE, 0.6);
            }
            let mut y = top + PAD;
            for l in label {
                self.text(x + PAD + 1.0, y, 7.5, false, MUTED, l);
                y += lh(7.5);
            }
            y += 2.0;
            for l in value {
                self.text(x + PAD + 1.0, y, 9.5, true, INK, l);
                y += lh(9.5);
            }
        }
        self.y = top + h + GAP;
    }

    /// Seller and buyer side by side.
    fn parties(&mut self) {
        let w = (WIDTH - GAP) / 2.0;
        let seller = self.party_rows(&self.doc.seller, w);
        let buyer = self.party_rows(&self.doc.buyer, w);
        let head = lh(8.5) + 5.0;
        let body = |rows: &PartyRows| {
            rows.name.len() as f32 * lh(9.5)
                + 3.0
                + rows
                    .rows
                    .iter()
                    .map(|(_, v)| v.len() as f32 * lh(8.0))
                    .sum::<f32>()
        };
        let h = head + body(&seller).max(body(&buyer)) + 2.0 * PAD + 2.0;
        self.ensure(h);
        let top = self.y;
        for (i, (label, rows)) in [(lb::SELLER, seller), (lb::BUYER, buyer)]
            .into_iter()
            .enumerate()
        {
            let x = LEFT + i as f32 * (w + GAP);
            self.rect(x, top, w, head, Some(HEAD_BG), None);
            self.rect(x, top, w, h, None, Some(RULE));
            let text = label.text(self.lang);
            self.text(x + PAD + 2.0, top + 3.0, 8.5, true, ACCENT, &text);
            let mut y = top + head + PAD;
            for l in &rows.name {
                self.text(x + PAD + 2.0, y, 9.5, true, INK, l);
                y += lh(9.5);
            }
            y += 3.0;
            for (label, value) in &rows.rows {
                self.text(x + PAD + 2.0, y, 8.0, false, MUTED, label);
                for l in value {
                    self.text(x + PAD + 2.0 + rows.label_w, y, 8.0, false, INK, l);
                    y += lh(8.0);
                }
            }
        }
        self.y = top + h + GAP;
    }

    fn party_rows(&self, p: &Party, w: f32) -> PartyRows {
        let inner = w - 2.0 * PAD - 4.0;
        let lang = self.lang;
        let fields: Vec<(String, &str)> = [
            (lb::ADDRESS, filled(&p.address)),
            (lb::CONTACT, filled(&p.contact)),
            (lb::PHONE, filled(&p.phone)),
            (lb::EMAIL, filled(&p.email)),
            (lb::TAX_ID, filled(&p.tax_id)),
        ]
        .into_iter()
        .filter_map(|(l, v)| v.map(|v| (l.text(lang), v)))
        .collect();
        let label_w = fields
            .iter()
            .map(|(l, _)| self.f.width(l, 8.0))
            .fold(0.0, f32::max)
            + 8.0;
        PartyRows {
            name: self.wrap(&p.name, 9.5, inner),
            rows: fields
                .into_iter()
                .map(|(l, v)| (l, self.wrap(v, 8.0, inner - label_w)))
                .collect(),
            label_w,
        }
    }

    fn in_words(&mut self) {
        let doc = self.doc;
        if doc.packing_list.is_some() {
            return;
        }
        let words: Vec<String> = match self.lang {
            DocLang::Zh => fmt::words_zh(doc.total, &doc.currency)
                .into_iter()
                .collect(),
            DocLang::En => fmt::words_en(doc.total, &doc.currency)
                .into_iter()
                .collect(),
            DocLang::Both => [
                fmt::words_zh(doc.total, &doc.currency),
                fmt::words_en(doc.total, &doc.currency),
            ]
            .into_iter()
            .flatten()
            .collect(),
        };
        if words.is_empty() {
            return;
        }
        let label = format!("{}{}", lb::IN_WORDS.text(self.lang), colon(self.lang));
        let lw = self.f.width(&label, 8.5) + 6.0;
        let lines: Vec<String> = words
            .iter()
            .flat_map(|w| self.wrap(w, 8.5, WIDTH - lw))
            .collect();
        self.ensure(lines.len() as f32 * lh(8.5));
        self.text(LEFT, self.y, 8.5, false, MUTED, &label);
        for l in lines {
            self.text(LEFT + lw, self.y, 8.5, true, INK, &l);
            self.y += lh(8.5);
        }
        self.y += GAP;
    }

    /// A section heading: the label in the accent colour over a thin rule, kept with the first
    /// `keep` points of what follows.
    fn heading(&mut self, label: Label, keep: f32) {
        let h = lh(8.5) + 5.0;
        self.ensure(h + keep);
        let text = label.text(self.lang);
        self.text(LEFT, self.y, 8.5, true, ACCENT, &text);
        self.y += lh(8.5) + 1.0;
        self.line(LEFT, self.y, RIGHT, self.y, RULE, 0.6);
        self.y += 4.0;
    }

    /// Payment terms and delivery as label–value rows (the trade terms are in the strip at
    /// the top).
    fn terms(&mut self) {
        let doc = self.doc;
        let rows: Vec<(Label, String)> = [
            (
                lb::PAYMENT_TERMS,
                filled(&doc.payment_terms).map(str::to_string),
            ),
            (lb::DELIVERY, filled(&doc.delivery).map(str::to_string)),
        ]
        .into_iter()
        .filter_map(|(l, v)| v.map(|v| (l, v)))
        .chain(doc.shipping.iter().cloned())
        .collect();
        if rows.is_empty() {
            return;
        }
        let lang = self.lang;
        let lw = rows
            .iter()
            .map(|(l, _)| self.f.width(&l.text(lang), 8.5))
            .fold(0.0, f32::max)
            + 10.0;
        let mut first = true;
        for (label, value) in rows {
            let lines = self.wrap(&value, 8.5, WIDTH - lw);
            let h = lines.len() as f32 * lh(8.5) + 2.0;
            if first {
                self.heading(lb::TERMS, h);
                first = false;
            }
            self.ensure(h.min(lh(8.5) * 3.0));
            self.text(LEFT, self.y + 0.5, 8.5, false, MUTED, &label.text(lang));
            for l in lines {
                self.ensure(lh(8.5));
                self.text(LEFT + lw, self.y, 8.5, false, INK, &l);
                self.y += lh(8.5);
            }
            self.y += 2.0;
        }
        self.y += GAP - 2.0;
    }

    /// Starts a new page if `h` does not fit on this one but fits on a new one.
    fn keep(&mut self, h: f32) {
        if self.y + h > BOTTOM && h <= BOTTOM - TOP - 40.0 {
            self.new_page();
        }
    }

    /// The height of a `text_section`.
    fn section_height(&self, text: Option<&str>) -> f32 {
        match text.map(str::trim).filter(|t| !t.is_empty()) {
            Some(text) => {
                let lines = self.f.wrap(text, 8.5, WIDTH).len();
                lh(8.5) + 5.0 + lines as f32 * lh(8.5) + GAP
            }
            None => 0.0,
        }
    }

    /// Bank details or remarks: a heading and the text as written, wrapped.
    fn text_section(&mut self, label: Label, text: Option<&str>) {
        let Some(text) = text.map(str::trim).filter(|t| !t.is_empty()) else {
            return;
        };
        let lines = self.f.wrap(text, 8.5, WIDTH);
        self.heading(label, lines.len().min(3) as f32 * lh(8.5));
        for l in lines {
            self.ensure(lh(8.5));
            self.text(LEFT, self.y, 8.5, false, INK, &l);
            self.y += lh(8.5);
        }
        self.y += GAP;
    }

    /// Signature and stamp boxes for seller and buyer, kept together.
    fn signatures(&mut self) {
        let w = (WIDTH - GAP) / 2.0;
        let h = SIGN_H;
        self.ensure(h);
        let top = self.y;
        let lang = self.lang;
        let doc = self.doc;
        let boxes = [
            (lb::SELLER_SIGN, &doc.seller.name),
            (lb::BUYER_SIGN, &doc.buyer.name),
        ];
        for (i, (label, name)) in boxes.into_iter().enumerate() {
            let x = LEFT + i as f32 * (w + GAP);
            let inner = w - 2.0 * PAD - 4.0;
            self.rect(x, top, w, h, None, Some(RULE));
            let mut y = top + PAD + 1.0;
            for l in self.wrap(&label.text(lang), 8.5, inner) {
                self.text(x + PAD + 2.0, y, 8.5, true, ACCENT, &l);
                y += lh(8.5);
            }
            let behalf = match lang {
                DocLang::Zh => format!("{}：{name}", lb::FOR_AND_ON_BEHALF.zh),
                _ => format!("{} {name}", lb::FOR_AND_ON_BEHALF.en),
            };
            for l in self.wrap(&behalf, 7.5, inner).into_iter().take(2) {
                self.text(x + PAD + 2.0, y, 7.5, false, MUTED, &l);
                y += lh(7.5);
            }
            // The signature line and the date.
            let line_y = top + h - 22.0;
            self.line(x + PAD + 2.0, line_y, x + w * 0.62, line_y, INK, 0.5);
            let date = format!("{}{}", lb::DATE.text(lang), colon(lang));
            self.text(
                x + w * 0.66,
                line_y - lh(8.0) + 1.0,
                8.0,
                false,
                MUTED,
                &date,
            );
            let sign = match lang {
                DocLang::Zh => "签字".to_string(),
                DocLang::En => "Signature".to_string(),
                DocLang::Both => "签字 Signature".to_string(),
            };
            self.text(x + PAD + 2.0, line_y + 3.0, 7.5, false, MUTED, &sign);
        }
        self.y = top + h + GAP;
    }

    fn footers(&mut self) {
        let m = self.pages.len();
        let left = format!("{}  ·  {}", self.doc.seller.name, self.doc.number);
        for n in 1..=m {
            let page = lb::page(self.lang, n, m);
            let pw = self.f.width(&page, 7.5);
            let left = self.fit(&left, 7.5, WIDTH - pw - GAP);
            let ops = &mut self.pages[n - 1];
            let y = PAGE_H - 40.0;
            ops.push(Op::Line {
                x1: LEFT,
                y1: y,
                x2: RIGHT,
                y2: y,
                color: RULE,
                width: 0.6,
            });
            ops.push(Op::Text {
                x: LEFT,
                y: y + 5.0,
                size: 7.5,
                bold: false,
                color: MUTED,
                text: left,
            });
            ops.push(Op::Text {
                x: RIGHT - pw,
                y: y + 5.0,
                size: 7.5,
                bold: false,
                color: MUTED,
                text: page,
            });
        }
    }
}

struct PartyRows {
    name: Vec<String>,
    rows: Vec<(String, Vec<String>)>,
    label_w: f32,
}

/// "：" after a Chinese label, ":" otherwise.
fn colon(lang: DocLang) -> &'static str {
    if lang == DocLang::Zh { "：" } else { ":" }
}
