//! The documents a customer receives: the quotation, and for an order the proforma invoice
//! (PI) or the order confirmation, as print-ready HTML or a PDF made by the server, in the
//! customer's language or both. The letterhead and bank details are the company's document
//! settings.

use serde::{Deserialize, Serialize};

use super::lines::{DocLang, Line};
use super::pi::{self, Party, PiDocument, PiInstalment, PiLine, TitleKind};
use super::{orders, quotations};
use crate::auth::{Action, Module, Principal};
use crate::domain::crm::model::{Contact, Customer};
use crate::domain::kit::{Guarded, Owner};
use crate::domain::{Kontor, company, validate};
use crate::error::{AppError, AppResult, Msg};
use crate::i18n::Lang;
use crate::store::{Entity, IndexKey, Tx};

/// The company's letterhead and bank details on its documents (one record).
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
pub struct DocumentSettings {
    /// The company's name in English (the company's own name is used in Chinese).
    pub name_en: Option<String>,
    pub address: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub tax_id: Option<String>,
    /// Beneficiary, bank, SWIFT, account: as many lines as the bank asks for.
    pub bank: Option<String>,
    /// Printed under the terms of every PI (e.g. "Quality claims within 30 days of arrival").
    pub remarks: Option<String>,
}

impl Entity for DocumentSettings {
    const KIND: &'static str = "document_settings";
    fn title(&self) -> String {
        "document settings".into()
    }
}

impl Guarded for DocumentSettings {
    const MODULE: Module = Module::Settings;
    const OWNER: Owner = Owner::Nobody;
}

const SETTINGS_ID: u64 = 1;

fn settings(tx: &Tx) -> AppResult<DocumentSettings> {
    Ok(tx
        .get_live::<DocumentSettings>(SETTINGS_ID)
        .map(|r| r.data)
        .unwrap_or_default())
}

/// The settings; everyone who makes sales documents reads them.
pub fn get_settings(k: &Kontor, p: &Principal) -> AppResult<DocumentSettings> {
    p.require(Module::Sales, Action::Read)?;
    k.store.read(settings)
}

pub fn set_settings(
    k: &Kontor,
    p: &Principal,
    input: DocumentSettings,
) -> AppResult<DocumentSettings> {
    p.require_all(Module::Settings, Action::Update)?;
    let text = |field: &str, v: &Option<String>, max: usize| {
        validate::optional_text(field, v.as_deref(), max)
    };
    let long = |field: &str, v: &Option<String>| -> AppResult<Option<String>> {
        let v = v.as_deref().map(str::trim).filter(|v| !v.is_empty());
        match v {
            Some(v)
                if v.chars().count() > 2000 || v.chars().any(|c| c.is_control() && c != '\n') =>
            {
                Err(AppError::invalid(
                    field,
                    Msg::new(
                        format!("“{field}”最多 2000 个字符，不能含控制字符。"),
                        format!(
                            "“{field}” may have at most 2000 characters and no control characters."
                        ),
                    ),
                ))
            }
            v => Ok(v.map(str::to_string)),
        }
    };
    let clean = DocumentSettings {
        name_en: text("name_en", &input.name_en, 200)?,
        address: long("address", &input.address)?,
        phone: text("phone", &input.phone, 60)?,
        email: validate::optional_email("email", input.email.as_deref())?,
        tax_id: text("tax_id", &input.tax_id, 60)?,
        bank: long("bank", &input.bank)?,
        remarks: long("remarks", &input.remarks)?,
    };
    let actor = p.actor();
    k.store.write(move |tx| {
        if tx.get_live::<DocumentSettings>(SETTINGS_ID).is_ok() {
            tx.update::<DocumentSettings, AppError>(&actor, SETTINGS_ID, None, |s| {
                *s = clean.clone();
                Ok(())
            })?;
        } else {
            tx.insert(&actor, clean.clone())?;
        }
        Ok(clean)
    })
}

/// Which document, in which language, in which form.
#[derive(Clone, Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct DocumentQuery {
    /// `pdf` (default) or `html`.
    pub format: Option<String>,
    /// `zh`, `en` or `both`; the document's own language when not given.
    pub lang: Option<DocLang>,
    /// For orders: `pi` (proforma invoice, default) or `confirmation`.
    pub kind: Option<String>,
}

/// A rendered document: its bytes, content type and file name.
pub struct Rendered {
    pub bytes: Vec<u8>,
    pub content_type: &'static str,
    pub filename: String,
}

pub(crate) fn seller(tx: &Tx, lang: DocLang) -> AppResult<(Party, Option<String>, Option<String>)> {
    let s = settings(tx)?;
    let own = company::company(tx)?
        .map(|c| c.data.name)
        .unwrap_or_default();
    let name = match (lang, &s.name_en) {
        (DocLang::En, Some(en)) => en.clone(),
        (DocLang::Both, Some(en)) => format!("{own}\n{en}"),
        _ => own,
    };
    Ok((
        Party {
            name,
            address: s.address,
            phone: s.phone,
            email: s.email,
            contact: None,
            tax_id: s.tax_id,
        },
        s.bank,
        s.remarks,
    ))
}

pub(crate) fn buyer(tx: &Tx, customer_id: u64) -> AppResult<Party> {
    let c = tx
        .get::<Customer>(customer_id)?
        .map(|c| c.data)
        .ok_or_else(AppError::not_found)?;
    let contact = tx
        .ids_by_index::<Contact>("customer", &IndexKey::new().u64(customer_id), false)?
        .into_iter()
        .find_map(|id| tx.get_live::<Contact>(id).ok())
        .map(|r| r.data.name);
    Ok(Party {
        name: c.name,
        address: c.address,
        phone: c.phone,
        email: c.email,
        contact,
        tax_id: None,
    })
}

fn pi_lines(lines: &[Line]) -> Vec<PiLine> {
    lines
        .iter()
        .map(|l| PiLine {
            sku: l.sku.clone(),
            description: l.description.clone(),
            hs_code: l.hs_code.clone(),
            quantity: l.quantity,
            unit: l.unit.clone(),
            unit_price: l.unit_price,
            discount_percent: l.discount_percent,
            amount: l.amount,
            packing: None,
        })
        .collect()
}

pub(crate) fn words_lang(lang: DocLang) -> Lang {
    match lang {
        DocLang::Zh => Lang::Zh,
        _ => Lang::En,
    }
}

pub(crate) fn render(doc: &PiDocument, format: Option<&str>, stem: &str) -> AppResult<Rendered> {
    match format.unwrap_or("pdf") {
        "pdf" => Ok(Rendered {
            bytes: pi::pdf(doc).map_err(AppError::internal)?,
            content_type: "application/pdf",
            filename: format!("{stem}.pdf"),
        }),
        "html" => Ok(Rendered {
            bytes: pi::html(doc).into_bytes(),
            content_type: "text/html; charset=utf-8",
            filename: format!("{stem}.html"),
        }),
        other => Err(AppError::invalid(
            "format",
            Msg::new(
                format!("未知的格式：{other}（pdf 或 html）"),
                format!("Unknown format: {other} (pdf or html)"),
            ),
        )),
    }
}

/// The order's PI or order confirmation.
pub fn order_document(k: &Kontor, p: &Principal, id: u64, q: DocumentQuery) -> AppResult<Rendered> {
    let title_kind = match q.kind.as_deref() {
        None | Some("pi") => TitleKind::ProformaInvoice,
        Some("confirmation") => TitleKind::OrderConfirmation,
        Some(other) => {
            return Err(AppError::invalid(
                "kind",
                Msg::new(
                    format!("未知的单据：{other}（pi 或 confirmation）"),
                    format!("Unknown document: {other} (pi or confirmation)"),
                ),
            ));
        }
    };
    let doc = k.store.read(|tx| {
        let r = orders::open(tx, p, id, Action::Read)?;
        let o = &r.data;
        let lang = q.lang.unwrap_or(o.lang);
        let (seller, bank, remarks) = seller(tx, lang)?;
        let words = words_lang(lang);
        let instalments = o
            .plan
            .iter()
            .map(|i| PiInstalment {
                label: i.part.label(words).to_string(),
                percent: Some(i.part.percent),
                amount: i.amount,
                due: match i.due {
                    Some(d) => d.to_string(),
                    None => i.part.describe(words),
                },
            })
            .collect();
        Ok::<_, AppError>(PiDocument {
            lang,
            title_kind,
            number: o.number.clone(),
            date: o.order_date(),
            valid_until: None,
            customer_ref: o.customer_ref.clone(),
            seller,
            buyer: buyer(tx, o.customer_id)?,
            currency: o.currency.code().to_string(),
            incoterm: o.incoterm.clone(),
            named_place: o.named_place.clone(),
            payment_terms: match lang {
                DocLang::Both => orders::terms_wording(tx, o, Lang::Zh)
                    .zip(orders::terms_wording(tx, o, Lang::En))
                    .map(|(zh, en)| format!("{zh} / {en}")),
                _ => orders::terms_wording(tx, o, words),
            },
            delivery: o.delivery.clone(),
            lines: pi_lines(&o.lines),
            total: o.total().amount,
            instalments,
            bank,
            remarks: join(&o.remarks, &remarks),
            shipping: Vec::new(),
            packing_list: None,
        })
    })?;
    render(&doc, q.format.as_deref(), &doc.number)
}

/// The quotation as the customer receives it.
pub fn quotation_document(
    k: &Kontor,
    p: &Principal,
    id: u64,
    q: DocumentQuery,
) -> AppResult<Rendered> {
    let doc = k.store.read(|tx| {
        let r = quotations::open(tx, p, id, Action::Read)?;
        let b = &r.data.body;
        let lang = q.lang.unwrap_or(b.lang);
        let (seller, bank, remarks) = seller(tx, lang)?;
        Ok::<_, AppError>(PiDocument {
            lang,
            title_kind: TitleKind::Quotation,
            number: revision_number(&r.data.number, r.data.revision),
            date: b.date,
            valid_until: Some(b.valid_until),
            customer_ref: None,
            seller,
            buyer: buyer(tx, r.data.customer_id)?,
            currency: b.currency.code().to_string(),
            incoterm: b.incoterm.clone(),
            named_place: b.named_place.clone(),
            payment_terms: b.payment_terms.clone(),
            delivery: b.delivery.clone(),
            lines: pi_lines(&b.lines),
            total: super::lines::total(&b.lines, b.currency).amount,
            instalments: Vec::new(),
            bank,
            remarks: join(&b.remarks, &remarks),
            shipping: Vec::new(),
            packing_list: None,
        })
    })?;
    render(&doc, q.format.as_deref(), &doc.number)
}

/// `QT-2026-0012`, and `QT-2026-0012-R2` for its second revision.
fn revision_number(number: &str, revision: u32) -> String {
    if revision > 1 {
        format!("{number}-R{revision}")
    } else {
        number.to_string()
    }
}

pub(crate) fn join(a: &Option<String>, b: &Option<String>) -> Option<String> {
    match (a, b) {
        (Some(a), Some(b)) => Some(format!("{a}\n{b}")),
        (a, b) => a.clone().or_else(|| b.clone()),
    }
}
