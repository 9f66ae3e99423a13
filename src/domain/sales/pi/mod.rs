//! The proforma invoice, order confirmation and quotation as a document: a print-ready HTML page
//! ([`html`]) and an A4 PDF ([`pdf`]) from one [`PiDocument`]. The orders domain maps an order
//! onto a `PiDocument`; nothing here reads the store.
//!
//! Labels come in the customer's language or both ([`DocLang`]); amounts print with thousands
//! separators and the currency's minor digits (JPY, KRW, VND, CLP none); quantities without
//! trailing zeros. Long descriptions wrap; many lines flow onto further pages, each with the
//! page header, the table header again and "page n / m" in the footer.
//!
//! # Fonts in the PDF
//! The PDF embeds its fonts, so it shows the same on a machine without any (both under the SIL
//! Open Font License; `assets/fonts/`, made by `assets/fonts/make-subset.sh`):
//! - `KontorCJK-Regular.otf`, a 5.2 MB subset of Noto Sans CJK SC Regular: every CJK Unified
//!   Ideograph U+4E00–U+9FFF (20,992 — all of GB2312, GBK's hanzi, Big5, and the 通用规范汉字表
//!   characters in that block, simplified and traditional), the symbols of GB2312 and Big5,
//!   Latin (with Extended-A/B and Vietnamese), Greek, Cyrillic, punctuation, currency and
//!   letterlike symbols, ①, □, ★, CJK punctuation, kana, ㎡/㎏, half- and full-width forms;
//! - `KontorLatin-Regular.ttf`, a 117 KB subset of Noto Sans Regular for the letters Noto Sans
//!   CJK lacks (Ł, İ, ₹ …); a Latin word that needs it is drawn from it whole.
//!
//! Each PDF carries only the glyphs it uses (a subset per document, named `ABCDEF+…`) with a
//! ToUnicode map, so its text can be searched and copied. A character in neither font (Hangul,
//! CJK Extension A/B, emoji) is drawn as `□` and still copies out as itself; control and
//! zero-width characters are left out. Nothing here panics on any text.
//!
//! There is no bold face (it would double the size): headings are drawn with a thin outline of
//! the text's own colour, which reads as semi-bold.

mod fonts;
mod format;
mod html;
mod labels;
mod layout;

#[cfg(test)]
mod tests;

use chrono::NaiveDate;
use rust_decimal::Decimal;

pub use html::html;
pub use labels::Label;

/// The language of the document's labels (both: Chinese first, "形式发票 PROFORMA INVOICE").
pub use super::lines::DocLang;

/// Which document this is; it decides the title.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TitleKind {
    ProformaInvoice,
    OrderConfirmation,
    Quotation,
    /// A shipment's commercial invoice (logistics).
    CommercialInvoice,
    /// A shipment's packing list: cartons, weights and volume instead of prices.
    PackingList,
}

/// The seller (the letterhead) or the buyer.
#[derive(Clone, Debug, Default)]
pub struct Party {
    pub name: String,
    pub address: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub contact: Option<String>,
    pub tax_id: Option<String>,
}

/// One line of the table. `amount` is printed as given (the orders domain computes it).
#[derive(Clone, Debug)]
pub struct PiLine {
    pub sku: Option<String>,
    pub description: String,
    pub hs_code: Option<String>,
    pub quantity: Decimal,
    pub unit: String,
    pub unit_price: Decimal,
    pub discount_percent: Option<Decimal>,
    pub amount: Decimal,
    /// Packing lists: the line's cartons, weights and volume.
    pub packing: Option<LinePacking>,
}

/// Cartons, net and gross weight (kg) and volume (m³) of a line or of a whole packing list.
#[derive(Clone, Debug, Default)]
pub struct LinePacking {
    pub cartons: Option<u32>,
    pub net_kg: Option<Decimal>,
    pub gross_kg: Option<Decimal>,
    pub cbm: Option<Decimal>,
}

/// One part of the payment schedule (deposit, balance …).
#[derive(Clone, Debug)]
pub struct PiInstalment {
    pub label: String,
    pub percent: Option<Decimal>,
    pub amount: Decimal,
    /// Already worded: "2027-01-15" or "15 days after B/L date".
    pub due: String,
}

#[derive(Clone, Debug)]
pub struct PiDocument {
    pub lang: DocLang,
    pub title_kind: TitleKind,
    /// "SO-2026-0012"
    pub number: String,
    pub date: NaiveDate,
    /// Quotations.
    pub valid_until: Option<NaiveDate>,
    /// The buyer's own purchase order number, which they match the document to.
    pub customer_ref: Option<String>,
    /// The company letterhead.
    pub seller: Party,
    pub buyer: Party,
    /// ISO code, "USD".
    pub currency: String,
    /// "FOB"
    pub incoterm: Option<String>,
    /// "Ningbo"
    pub named_place: Option<String>,
    pub payment_terms: Option<String>,
    /// "35 days after deposit"
    pub delivery: Option<String>,
    pub lines: Vec<PiLine>,
    pub total: Decimal,
    pub instalments: Vec<PiInstalment>,
    /// Multi-line: beneficiary, bank, SWIFT, account.
    pub bank: Option<String>,
    pub remarks: Option<String>,
    /// Shipping details printed with the terms (carrier, B/L, containers, ports …).
    pub shipping: Vec<(Label, String)>,
    /// A packing list's totals: the table shows cartons, weights and volume, not prices.
    pub packing_list: Option<LinePacking>,
}

/// Why a PDF could not be made.
#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    #[error("the embedded font could not be read: {0}")]
    Font(String),
    #[error("the PDF could not be written: {0}")]
    Write(String),
    #[error("the PDF renderer failed: {0}")]
    Internal(String),
}

/// The document as an A4 PDF with its fonts embedded (see the module notes).
pub fn pdf(doc: &PiDocument) -> Result<Vec<u8>, PdfError> {
    // The renderer does not panic on any text; this keeps a bug in a dependency from taking a
    // request down with it.
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| layout::pdf(doc))).unwrap_or_else(
        |p| {
            let msg = p
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| p.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            Err(PdfError::Internal(msg))
        },
    )
}

impl PiDocument {
    /// "FOB Ningbo", from the incoterm and the named place.
    fn trade_terms(&self) -> Option<String> {
        let parts: Vec<&str> = [self.incoterm.as_deref(), self.named_place.as_deref()]
            .into_iter()
            .flatten()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .collect();
        (!parts.is_empty()).then(|| parts.join(" "))
    }

    fn has_sku(&self) -> bool {
        self.lines.iter().any(|l| filled(&l.sku).is_some())
    }

    fn has_hs_code(&self) -> bool {
        self.lines.iter().any(|l| filled(&l.hs_code).is_some())
    }

    fn has_discount(&self) -> bool {
        self.lines
            .iter()
            .any(|l| l.discount_percent.is_some_and(|d| !d.is_zero()))
    }
}

/// An optional text that is there and not blank.
fn filled(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty())
}
