//! The document as one self-contained HTML page for the browser's print dialog: A4, no outside
//! resources (the reader's own CJK font), every text escaped.

use std::fmt::Write;

use super::labels::{self as lb, Label};
use super::{DocLang, Party, PiDocument, filled, format as fmt};

const STYLE: &str = r#"
:root { --ink: #1c2430; --muted: #606a78; --accent: #16365c; --rule: #c4ccd6; --head: #e9eef5; }
* { box-sizing: border-box; }
html { background: #eef0f3; }
body { margin: 0; color: var(--ink); font: 9.5pt/1.4 "Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei", "Helvetica Neue", Arial, sans-serif; }
.page { width: 210mm; min-height: 297mm; margin: 8mm auto; padding: 14mm 15mm 16mm; background: #fff; box-shadow: 0 1px 6px rgba(0,0,0,.15); }
.letterhead { text-align: center; border-bottom: 3px double var(--accent); padding-bottom: 6px; margin-bottom: 12px; }
.letterhead .company { font-size: 16pt; font-weight: 700; color: var(--accent); }
.letterhead .line { font-size: 8.5pt; color: var(--muted); }
.letterhead .line span + span { margin-left: 2em; }
h1 { text-align: center; font-size: 18pt; margin: 0 0 10px; letter-spacing: .04em; }
h1 small { display: block; font-size: 11pt; }
table { width: 100%; border-collapse: collapse; }
.meta td { border: 1px solid var(--rule); padding: 4px 6px; vertical-align: top; }
.meta .k, .k { display: block; font-size: 7.5pt; color: var(--muted); }
.meta .v { font-weight: 700; }
.parties { display: flex; gap: 12px; margin: 12px 0; }
.party { flex: 1; border: 1px solid var(--rule); }
.party h2, .section h2 { margin: 0; font-size: 8.5pt; color: var(--accent); }
.party h2 { background: var(--head); padding: 3px 6px; }
.party .body { padding: 5px 6px; }
.party .name { font-weight: 700; font-size: 10pt; margin-bottom: 3px; }
.party table td { padding: 0 6px 0 0; vertical-align: top; font-size: 8.5pt; }
.party table td:first-child { color: var(--muted); white-space: nowrap; width: 1%; }
.lines th, .lines td { border: 1px solid var(--rule); padding: 3px 4px; vertical-align: top; }
.lines th { background: var(--head); color: var(--accent); font-size: 7.5pt; font-weight: 700; text-align: center; white-space: nowrap; }
.lines th.desc-h { width: 100%; }
.lines .code { white-space: nowrap; }
.lines th span { display: block; }
.lines td { font-size: 8.5pt; }
.lines .desc { white-space: pre-wrap; overflow-wrap: anywhere; }
.num { text-align: right; white-space: nowrap; }
.c { text-align: center; }
.lines tfoot td { background: var(--head); font-weight: 700; }
.lines tfoot .total { font-size: 10.5pt; }
.words { margin: 6px 0 12px; font-size: 8.5pt; }
.words .k { display: inline; margin-right: .5em; }
.words b { display: block; margin-left: 0; }
.section { margin-bottom: 12px; break-inside: avoid; }
.section h2 { border-bottom: 1px solid var(--rule); padding-bottom: 2px; margin-bottom: 4px; font-size: 9pt; }
.terms td { padding: 1px 12px 1px 0; vertical-align: top; }
.terms td:first-child { color: var(--muted); white-space: nowrap; width: 1%; font-size: 8.5pt; }
.schedule th, .schedule td { border: 1px solid var(--rule); padding: 3px 4px; font-size: 8.5pt; text-align: left; }
.schedule th { background: var(--head); color: var(--accent); font-size: 8pt; }
.schedule td.num, .schedule th.num { text-align: right; }
.pre { white-space: pre-wrap; overflow-wrap: anywhere; }
.signatures { display: flex; gap: 12px; margin-top: 16px; break-inside: avoid; }
.sign { flex: 1; border: 1px solid var(--rule); height: 37mm; padding: 5px 7px; position: relative; }
.sign h2 { margin: 0; font-size: 8.5pt; color: var(--accent); }
.sign .behalf { font-size: 7.5pt; color: var(--muted); }
.sign .line { position: absolute; left: 7px; right: 38%; bottom: 22px; border-top: 1px solid var(--ink); font-size: 7.5pt; color: var(--muted); padding-top: 2px; }
.sign .date { position: absolute; left: 66%; bottom: 24px; font-size: 8pt; color: var(--muted); }
@page { size: A4; margin: 14mm 15mm 16mm; @bottom-right { content: counter(page) " / " counter(pages); font-size: 7.5pt; color: #606a78; } }
@media print {
  html { background: #fff; }
  .page { width: auto; min-height: 0; margin: 0; padding: 0; box-shadow: none; }
  .lines thead { display: table-header-group; }
  .lines tr { break-inside: avoid; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
"#;

/// HTML-escapes text (`&`, `<`, `>`, quotes).
pub(super) fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Escaped, with line breaks kept.
fn esc_br(s: &str) -> String {
    esc(s.trim()).replace("\r\n", "\n").replace('\n', "<br>")
}

/// The print-ready HTML page.
pub fn html(doc: &PiDocument) -> String {
    let lang = doc.lang;
    let l = |label: Label| esc(&label.text(lang));
    let cur = doc.currency.trim().to_uppercase();
    let title = lb::title(doc.title_kind);
    let mut h = String::with_capacity(16 * 1024);
    let html_lang = if lang == DocLang::En { "en" } else { "zh-CN" };
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"{html_lang}\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{} {}</title><style>{STYLE}</style></head><body><div class=\"page\">",
        esc(&title.text(lang)),
        esc(&doc.number)
    );

    // Letterhead.
    let s = &doc.seller;
    let _ = write!(
        h,
        "<header class=\"letterhead\"><div class=\"company\">{}</div>",
        esc(&s.name)
    );
    if let Some(a) = filled(&s.address) {
        let _ = write!(h, "<div class=\"line\">{}</div>", esc_br(a));
    }
    let contacts: Vec<String> = [
        (lb::PHONE, filled(&s.phone)),
        (lb::EMAIL, filled(&s.email)),
        (lb::TAX_ID, filled(&s.tax_id)),
    ]
    .into_iter()
    .filter_map(|(k, v)| v.map(|v| format!("<span>{}: {}</span>", l(k), esc(v))))
    .collect();
    if !contacts.is_empty() {
        let _ = write!(h, "<div class=\"line\">{}</div>", contacts.concat());
    }
    h.push_str("</header>");

    // Title.
    match lang {
        DocLang::Zh => {
            let _ = write!(h, "<h1>{}</h1>", esc(title.zh));
        }
        DocLang::En => {
            let _ = write!(h, "<h1>{}</h1>", esc(title.en));
        }
        DocLang::Both => {
            let _ = write!(
                h,
                "<h1>{} <small>{}</small></h1>",
                esc(title.zh),
                esc(title.en)
            );
        }
    }

    // No., date, validity, currency, trade terms.
    let mut meta = vec![
        (lb::NUMBER, doc.number.clone()),
        (lb::DATE, doc.date.format("%Y-%m-%d").to_string()),
    ];
    if let Some(v) = doc.valid_until {
        meta.push((lb::VALID_UNTIL, v.format("%Y-%m-%d").to_string()));
    }
    if let Some(r) = &doc.customer_ref {
        meta.push((lb::YOUR_REF, r.clone()));
    }
    meta.push((lb::CURRENCY, cur.clone()));
    if let Some(t) = doc.trade_terms() {
        meta.push((lb::TRADE_TERMS, t));
    }
    h.push_str("<table class=\"meta\"><tr>");
    for (k, v) in &meta {
        let _ = write!(
            h,
            "<td><span class=\"k\">{}</span><span class=\"v\">{}</span></td>",
            l(*k),
            esc(v)
        );
    }
    h.push_str("</tr></table>");

    // Parties.
    h.push_str("<div class=\"parties\">");
    party(&mut h, lang, lb::SELLER, &doc.seller);
    party(&mut h, lang, lb::BUYER, &doc.buyer);
    h.push_str("</div>");

    // Lines.
    let (sku, hs, disc) = (doc.has_sku(), doc.has_hs_code(), doc.has_discount());
    let mut cols = vec![lb::COL_NO];
    if sku {
        cols.push(lb::COL_SKU);
    }
    cols.push(lb::COL_DESCRIPTION);
    if hs {
        cols.push(lb::COL_HS);
    }
    let pl = doc.packing_list.as_ref();
    cols.extend([lb::COL_QTY, lb::COL_UNIT]);
    if pl.is_some() {
        cols.extend([lb::COL_CARTONS, lb::COL_NET, lb::COL_GROSS, lb::COL_CBM]);
    } else {
        cols.push(lb::COL_PRICE);
        if disc {
            cols.push(lb::COL_DISCOUNT);
        }
        cols.push(lb::COL_AMOUNT);
    }
    h.push_str("<table class=\"lines\"><thead><tr>");
    for c in &cols {
        let desc = c.en == lb::COL_DESCRIPTION.en;
        h.push_str(if desc {
            "<th class=\"desc-h\">"
        } else {
            "<th>"
        });
        for part in c.lines(lang) {
            let _ = write!(h, "<span>{}</span>", esc(part));
        }
        h.push_str("</th>");
    }
    h.push_str("</tr></thead><tbody>");
    for (i, line) in doc.lines.iter().enumerate() {
        let _ = write!(h, "<tr><td class=\"c\">{}</td>", i + 1);
        if sku {
            let sku = esc(filled(&line.sku).unwrap_or(""));
            let _ = write!(h, "<td class=\"code\">{sku}</td>");
        }
        let _ = write!(
            h,
            "<td class=\"desc\">{}</td>",
            esc(line.description.trim())
        );
        if hs {
            let hs = esc(filled(&line.hs_code).unwrap_or(""));
            let _ = write!(h, "<td class=\"code\">{hs}</td>");
        }
        let _ = write!(
            h,
            "<td class=\"num\">{}</td><td class=\"c\">{}</td>",
            esc(&fmt::quantity(line.quantity)),
            esc(&line.unit),
        );
        if pl.is_some() {
            let p = line.packing.clone().unwrap_or_default();
            for v in [
                p.cartons.map(|c| c.to_string()),
                p.net_kg.map(fmt::quantity),
                p.gross_kg.map(fmt::quantity),
                p.cbm.map(fmt::quantity),
            ] {
                let _ = write!(h, "<td class=\"num\">{}</td>", esc(&v.unwrap_or_default()));
            }
            h.push_str("</tr>");
            continue;
        }
        let _ = write!(
            h,
            "<td class=\"num\">{}</td>",
            esc(&fmt::unit_price(line.unit_price, &cur))
        );
        if disc {
            let d = line
                .discount_percent
                .filter(|d| !d.is_zero())
                .map(fmt::percent)
                .unwrap_or_default();
            let _ = write!(h, "<td class=\"num\">{}</td>", esc(&d));
        }
        let _ = write!(
            h,
            "<td class=\"num\">{}</td></tr>",
            esc(&fmt::amount(line.amount, &cur))
        );
    }
    if let Some(totals) = pl {
        let _ = write!(
            h,
            "</tbody><tfoot><tr><td class=\"num total\" colspan=\"{}\">{}{} {}</td></tr></tfoot></table>",
            cols.len(),
            l(lb::TOTAL),
            if lang == DocLang::Zh { "：" } else { ":" },
            esc(&lb::packing_totals(lang, totals))
        );
    } else {
        let _ = write!(
            h,
            "</tbody><tfoot><tr><td class=\"num\" colspan=\"{}\">{} ({})</td>\
             <td class=\"num total\">{}</td></tr></tfoot></table>",
            cols.len() - 1,
            l(lb::TOTAL),
            esc(&cur),
            esc(&fmt::amount(doc.total, &cur))
        );
    }

    // Amount in words (not on a packing list).
    let words: Vec<String> = if pl.is_some() {
        Vec::new()
    } else {
        match lang {
            DocLang::Zh => fmt::words_zh(doc.total, &cur).into_iter().collect(),
            DocLang::En => fmt::words_en(doc.total, &cur).into_iter().collect(),
            DocLang::Both => [
                fmt::words_zh(doc.total, &cur),
                fmt::words_en(doc.total, &cur),
            ]
            .into_iter()
            .flatten()
            .collect(),
        }
    };
    if !words.is_empty() {
        let _ = write!(
            h,
            "<div class=\"words\"><span class=\"k\">{}{}</span>",
            l(lb::IN_WORDS),
            if lang == DocLang::Zh { "：" } else { ":" }
        );
        for w in &words {
            let _ = write!(h, "<b>{}</b>", esc(w));
        }
        h.push_str("</div>");
    }

    // Terms.
    let terms: Vec<(Label, String)> = [
        (
            lb::PAYMENT_TERMS,
            filled(&doc.payment_terms).map(str::to_string),
        ),
        (lb::DELIVERY, filled(&doc.delivery).map(str::to_string)),
    ]
    .into_iter()
    .filter_map(|(k, v)| v.map(|v| (k, v)))
    .chain(doc.shipping.iter().cloned())
    .collect();
    if !terms.is_empty() {
        let _ = write!(
            h,
            "<section class=\"section\"><h2>{}</h2><table class=\"terms\">",
            l(lb::TERMS)
        );
        for (k, v) in &terms {
            let _ = write!(h, "<tr><td>{}</td><td>{}</td></tr>", l(*k), esc_br(v));
        }
        h.push_str("</table></section>");
    }

    // Payment schedule.
    if !doc.instalments.is_empty() {
        let _ = write!(
            h,
            "<section class=\"section\"><h2>{}</h2><table class=\"schedule\"><tr>\
             <th>{}</th><th class=\"num\">{}</th><th class=\"num\">{}</th><th>{}</th></tr>",
            l(lb::SCHEDULE),
            l(lb::INSTALMENT),
            l(lb::SHARE),
            l(lb::COL_AMOUNT),
            l(lb::DUE)
        );
        for inst in &doc.instalments {
            let _ = write!(
                h,
                "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td></tr>",
                esc(&inst.label),
                esc(&inst.percent.map(fmt::percent).unwrap_or_default()),
                esc(&fmt::amount(inst.amount, &cur)),
                esc(&inst.due)
            );
        }
        h.push_str("</table></section>");
    }

    for (label, text) in [(lb::BANK, &doc.bank), (lb::REMARKS, &doc.remarks)] {
        if let Some(t) = filled(text) {
            let _ = write!(
                h,
                "<section class=\"section\"><h2>{}</h2><div class=\"pre\">{}</div></section>",
                l(label),
                esc(t)
            );
        }
    }

    // Signatures.
    h.push_str("<div class=\"signatures\">");
    let sign = match lang {
        DocLang::Zh => "签字",
        DocLang::En => "Signature",
        DocLang::Both => "签字 Signature",
    };
    for (label, name) in [
        (lb::SELLER_SIGN, &doc.seller.name),
        (lb::BUYER_SIGN, &doc.buyer.name),
    ] {
        let behalf = match lang {
            DocLang::Zh => format!("{}：{name}", lb::FOR_AND_ON_BEHALF.zh),
            _ => format!("{} {name}", lb::FOR_AND_ON_BEHALF.en),
        };
        let _ = write!(
            h,
            "<div class=\"sign\"><h2>{}</h2><div class=\"behalf\">{}</div>\
             <div class=\"line\">{}</div><div class=\"date\">{}:</div></div>",
            l(label),
            esc(&behalf),
            esc(sign),
            l(lb::DATE)
        );
    }
    h.push_str("</div></div></body></html>\n");
    h
}

fn party(h: &mut String, lang: DocLang, label: Label, p: &Party) {
    let _ = write!(
        h,
        "<div class=\"party\"><h2>{}</h2><div class=\"body\"><div class=\"name\">{}</div><table>",
        esc(&label.text(lang)),
        esc(&p.name)
    );
    for (k, v) in [
        (lb::ADDRESS, filled(&p.address)),
        (lb::CONTACT, filled(&p.contact)),
        (lb::PHONE, filled(&p.phone)),
        (lb::EMAIL, filled(&p.email)),
        (lb::TAX_ID, filled(&p.tax_id)),
    ] {
        if let Some(v) = v {
            let _ = write!(
                h,
                "<tr><td>{}</td><td>{}</td></tr>",
                esc(&k.text(lang)),
                esc_br(v)
            );
        }
    }
    h.push_str("</table></div></div>");
}
