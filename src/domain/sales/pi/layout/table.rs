//! The lines table (its header repeated on each page) and the payment schedule.

use super::*;

#[derive(Clone, Copy, PartialEq)]
pub(super) enum ColKind {
    No,
    Sku,
    Description,
    HsCode,
    Qty,
    Unit,
    Price,
    Discount,
    Amount,
    Cartons,
    Net,
    Gross,
    Cbm,
}

/// A column of the lines table.
#[derive(Clone, Copy)]
pub(super) struct Col {
    pub(super) kind: ColKind,
    pub(super) w: f32,
    pub(super) align: Align,
}

impl Col {
    fn new(kind: ColKind, w: f32) -> Col {
        let align = match kind {
            ColKind::No | ColKind::Unit => Align::Center,
            ColKind::Sku | ColKind::Description | ColKind::HsCode => Align::Left,
            ColKind::Qty
            | ColKind::Price
            | ColKind::Discount
            | ColKind::Amount
            | ColKind::Cartons
            | ColKind::Net
            | ColKind::Gross
            | ColKind::Cbm => Align::Right,
        };
        Col { kind, w, align }
    }

    fn label(&self) -> Label {
        match self.kind {
            ColKind::No => lb::COL_NO,
            ColKind::Sku => lb::COL_SKU,
            ColKind::Description => lb::COL_DESCRIPTION,
            ColKind::HsCode => lb::COL_HS,
            ColKind::Qty => lb::COL_QTY,
            ColKind::Unit => lb::COL_UNIT,
            ColKind::Price => lb::COL_PRICE,
            ColKind::Discount => lb::COL_DISCOUNT,
            ColKind::Amount => lb::COL_AMOUNT,
            ColKind::Cartons => lb::COL_CARTONS,
            ColKind::Net => lb::COL_NET,
            ColKind::Gross => lb::COL_GROSS,
            ColKind::Cbm => lb::COL_CBM,
        }
    }
}

impl Builder<'_> {
    pub(super) fn columns(&self) -> Vec<Col> {
        let doc = self.doc;
        let mut cols = vec![Col::new(ColKind::No, 24.0)];
        if doc.has_sku() {
            cols.push(Col::new(ColKind::Sku, 58.0));
        }
        cols.push(Col::new(ColKind::Description, 0.0));
        if doc.has_hs_code() {
            cols.push(Col::new(ColKind::HsCode, 52.0));
        }
        cols.push(Col::new(ColKind::Qty, 46.0));
        cols.push(Col::new(ColKind::Unit, 32.0));
        if doc.packing_list.is_some() {
            cols.push(Col::new(ColKind::Cartons, 40.0));
            cols.push(Col::new(ColKind::Net, 50.0));
            cols.push(Col::new(ColKind::Gross, 50.0));
            cols.push(Col::new(ColKind::Cbm, 46.0));
        } else {
            cols.push(Col::new(ColKind::Price, 52.0));
            if doc.has_discount() {
                cols.push(Col::new(ColKind::Discount, 32.0));
            }
            cols.push(Col::new(ColKind::Amount, 68.0));
        }
        let fixed: f32 = cols.iter().map(|c| c.w).sum();
        for c in &mut cols {
            if c.kind == ColKind::Description {
                c.w = WIDTH - fixed;
            }
        }
        cols
    }
    pub(super) fn table_header(&mut self) {
        let cols = self.cols.clone();
        let lang = self.lang;
        let cells: Vec<Vec<String>> = cols
            .iter()
            .map(|c| {
                c.label()
                    .lines(lang)
                    .into_iter()
                    .flat_map(|l| self.wrap(l, 7.5, c.w - 2.0 * PAD))
                    .collect()
            })
            .collect();
        let n = cells.iter().map(Vec::len).max().unwrap_or(1);
        let h = n as f32 * lh(7.5) + 2.0 * PAD;
        let top = self.y;
        self.rect(LEFT, top, WIDTH, h, Some(HEAD_BG), Some(RULE));
        let mut x = LEFT;
        for (i, (c, lines)) in cols.iter().zip(&cells).enumerate() {
            if i > 0 {
                self.line(x, top, x, top + h, RULE, 0.6);
            }
            // Vertically centred when one column has fewer lines than another.
            let mut y = top + PAD + (n - lines.len()) as f32 * lh(7.5) / 2.0;
            for l in lines {
                let align = if c.align == Align::Left {
                    Align::Left
                } else {
                    Align::Center
                };
                self.text_in(x + PAD, c.w - 2.0 * PAD, y, 7.5, true, ACCENT, align, l);
                y += lh(7.5);
            }
            x += c.w;
        }
        self.y = top + h;
    }
    pub(super) fn lines_table(&mut self) {
        let doc = self.doc;
        let cur = doc.currency.as_str();
        let cols = self.cols.clone();
        self.ensure(60.0);
        self.table_header();
        self.in_table = true;
        for (i, line) in doc.lines.iter().enumerate() {
            let values: Vec<String> = cols
                .iter()
                .map(|c| match c.kind {
                    ColKind::No => (i + 1).to_string(),
                    ColKind::Sku => filled(&line.sku).unwrap_or("").to_string(),
                    ColKind::Description => line.description.clone(),
                    ColKind::HsCode => filled(&line.hs_code).unwrap_or("").to_string(),
                    ColKind::Qty => fmt::quantity(line.quantity),
                    ColKind::Unit => line.unit.clone(),
                    ColKind::Price => fmt::unit_price(line.unit_price, cur),
                    ColKind::Discount => line
                        .discount_percent
                        .filter(|d| !d.is_zero())
                        .map(fmt::percent)
                        .unwrap_or_default(),
                    ColKind::Amount => fmt::amount(line.amount, cur),
                    ColKind::Cartons => pack(line, |p| p.cartons.map(|c| c.to_string())),
                    ColKind::Net => pack(line, |p| p.net_kg.map(fmt::quantity)),
                    ColKind::Gross => pack(line, |p| p.gross_kg.map(fmt::quantity)),
                    ColKind::Cbm => pack(line, |p| p.cbm.map(fmt::quantity)),
                })
                .collect();
            let cells: Vec<Vec<String>> = cols
                .iter()
                .zip(&values)
                .map(|(c, v)| self.wrap(v, BODY, c.w - 2.0 * PAD))
                .collect();
            let n = cells.iter().map(Vec::len).max().unwrap_or(1);
            let h = n as f32 * lh(BODY) + 2.0 * PAD;
            self.ensure(h);
            let top = self.y;
            self.rect(LEFT, top, WIDTH, h, None, Some(RULE));
            let mut x = LEFT;
            for (j, (c, lines)) in cols.iter().zip(&cells).enumerate() {
                if j > 0 {
                    self.line(x, top, x, top + h, RULE, 0.6);
                }
                let mut y = top + PAD;
                for l in lines {
                    self.text_in(x + PAD, c.w - 2.0 * PAD, y, BODY, false, INK, c.align, l);
                    y += lh(BODY);
                }
                x += c.w;
            }
            self.y = top + h;
        }
        if let Some(totals) = &doc.packing_list {
            // A packing list's totals across the table.
            let h = lh(9.5) + 2.0 * PAD + 2.0;
            self.ensure(h);
            self.in_table = false;
            let top = self.y;
            self.rect(LEFT, top, WIDTH, h, Some(HEAD_BG), Some(RULE));
            let text = format!(
                "{}{}{}",
                lb::TOTAL.text(self.lang),
                colon(self.lang),
                lb::packing_totals(self.lang, totals)
            );
            let text = self.fit(&text, 9.5, WIDTH - 2.0 * PAD);
            self.text_in(
                LEFT + PAD,
                WIDTH - 2.0 * PAD,
                top + PAD + 1.0,
                9.5,
                true,
                INK,
                Align::Right,
                &text,
            );
            self.y = top + h + 6.0;
            return;
        }
        // The total under the amount column.
        let amount_w = cols.last().map_or(78.0, |c| c.w);
        let h = lh(10.5) + 2.0 * PAD + 2.0;
        self.ensure(h);
        self.in_table = false;
        let top = self.y;
        self.rect(LEFT, top, WIDTH, h, Some(HEAD_BG), Some(RULE));
        self.line(RIGHT - amount_w, top, RIGHT - amount_w, top + h, RULE, 0.6);
        let label = format!(
            "{} ({})",
            lb::TOTAL.text(self.lang),
            doc.currency.trim().to_uppercase()
        );
        let y = top + PAD + 1.0;
        let lw = WIDTH - amount_w - 2.0 * PAD;
        self.text_in(
            LEFT + PAD,
            lw,
            y + 1.0,
            9.5,
            true,
            INK,
            Align::Right,
            &label,
        );
        let total = fmt::amount(doc.total, cur);
        let aw = amount_w - 2.0 * PAD;
        // A large total shrinks to fit its cell.
        let size = (10.5 * aw / self.f.width(&total, 10.5).max(1.0)).min(10.5);
        let y = y + (10.5 - size) * 0.7;
        self.text_in(
            RIGHT - amount_w + PAD,
            aw,
            y,
            size,
            true,
            INK,
            Align::Right,
            &total,
        );
        self.y = top + h + 6.0;
    }
    /// The payment schedule as a small table.
    pub(super) fn schedule(&mut self) {
        let doc = self.doc;
        if doc.instalments.is_empty() {
            return;
        }
        let widths = [150.0, 56.0, 96.0, WIDTH - 302.0];
        let aligns = [Align::Left, Align::Right, Align::Right, Align::Left];
        let labels = [lb::INSTALMENT, lb::SHARE, lb::COL_AMOUNT, lb::DUE];
        let lang = self.lang;
        let mut rows: Vec<(bool, Vec<Vec<String>>)> = vec![(
            true,
            labels
                .iter()
                .zip(widths)
                .map(|(l, w)| self.wrap(&l.text(lang), 7.5, w - 2.0 * PAD))
                .collect(),
        )];
        for inst in &doc.instalments {
            let values = [
                inst.label.clone(),
                inst.percent.map(fmt::percent).unwrap_or_default(),
                fmt::amount(inst.amount, &doc.currency),
                inst.due.clone(),
            ];
            rows.push((
                false,
                values
                    .iter()
                    .zip(widths)
                    .map(|(v, w)| self.wrap(v, BODY, w - 2.0 * PAD))
                    .collect(),
            ));
        }
        let row_h = |(head, cells): &(bool, Vec<Vec<String>>)| {
            let size = if *head { 7.5 } else { BODY };
            cells.iter().map(Vec::len).max().unwrap_or(1) as f32 * lh(size) + 2.0 * PAD - 1.0
        };
        let first_two: f32 = rows.iter().take(2).map(row_h).sum();
        self.heading(lb::SCHEDULE, first_two);
        for row in &rows {
            let h = row_h(row);
            self.ensure(h);
            let top = self.y;
            let (head, cells) = row;
            let size = if *head { 7.5 } else { BODY };
            let fill = head.then_some(HEAD_BG);
            self.rect(LEFT, top, WIDTH, h, fill, Some(RULE));
            let mut x = LEFT;
            for (j, lines) in cells.iter().enumerate() {
                if j > 0 {
                    self.line(x, top, x, top + h, RULE, 0.6);
                }
                let color = if *head { ACCENT } else { INK };
                let align = aligns[j];
                let mut y = top + PAD - 0.5;
                for l in lines {
                    self.text_in(
                        x + PAD,
                        widths[j] - 2.0 * PAD,
                        y,
                        size,
                        *head,
                        color,
                        align,
                        l,
                    );
                    y += lh(size);
                }
                x += widths[j];
            }
            self.y = top + h;
        }
        self.y += GAP;
    }
}

/// A packing figure of a line, or nothing.
fn pack(
    line: &super::super::PiLine,
    f: impl Fn(&super::super::LinePacking) -> Option<String>,
) -> String {
    line.packing.as_ref().and_then(f).unwrap_or_default()
}
