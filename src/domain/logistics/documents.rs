//! A shipment's commercial invoice (CI) and packing list (PL), print-ready HTML and A4 PDF in
//! Chinese, English or both: the PI's document (`sales::pi`: letterhead, layout, the embedded
//! CJK font) filled from the shipment. The CI prints the order's selling prices of the lines
//! shipped, never a cost; the PL prints cartons, weights and volume instead of prices.

use super::shipments::{Mode, Shipment};
use crate::auth::{Action, Principal};
use crate::domain::Kontor;
use crate::domain::crm::company_today;
use crate::domain::kit::guard;
use crate::domain::sales::documents::{self, DocumentQuery, Rendered};
use crate::domain::sales::lines::DocLang;
use crate::domain::sales::orders::{self, SalesOrder};
use crate::domain::sales::pi::{Label, LinePacking, PiDocument, PiLine, TitleKind};
use crate::error::{AppError, AppResult, Msg};

const fn l(zh: &'static str, en: &'static str) -> Label {
    Label { zh, en }
}

fn mode(m: Mode) -> Label {
    match m {
        Mode::Sea => l("海运", "By sea"),
        Mode::Air => l("空运", "By air"),
        Mode::Express => l("快递", "By express"),
        Mode::Rail => l("铁路", "By rail"),
    }
}

fn packing(p: &super::packing::Packed) -> LinePacking {
    LinePacking {
        cartons: p.cartons,
        net_kg: p.net_kg,
        gross_kg: p.gross_kg,
        cbm: p.cbm,
    }
}

/// The shipment's CI (`kind=ci`, the default) or PL (`kind=pl`), as PDF or HTML.
pub fn shipment_document(
    k: &Kontor,
    p: &Principal,
    id: u64,
    q: DocumentQuery,
) -> AppResult<Rendered> {
    let list = match q.kind.as_deref() {
        None | Some("ci") => false,
        Some("pl") => true,
        Some(other) => {
            return Err(AppError::invalid(
                "kind",
                Msg::new(
                    format!("未知的单据：{other}（ci 或 pl）"),
                    format!("Unknown document: {other} (ci or pl)"),
                ),
            ));
        }
    };
    let doc = k.store.read(|tx| {
        let r = guard::open::<Shipment>(tx, p, id, Action::Read)?;
        let s = &r.data;
        let o = tx
            .get::<SalesOrder>(s.order_id)?
            .ok_or_else(AppError::not_found)?
            .data;
        let lang = q.lang.unwrap_or(o.lang);
        let (seller, bank, remarks) = documents::seller(tx, lang)?;
        let date = match s.bl_date.or(s.atd).or(s.etd) {
            Some(d) => d,
            None => company_today(tx, tx.now())?,
        };
        let both = |zh: String, en: String| match lang {
            DocLang::Zh => zh,
            DocLang::En => en,
            DocLang::Both => format!("{zh} / {en}"),
        };
        let lines = s
            .lines
            .iter()
            .map(|x| {
                let mut description = x.description.clone();
                if list && let Some(last) = x.packed.last_carton_units {
                    let q = last.normalize();
                    description.push_str(&format!(
                        " ({})",
                        both(format!("尾箱 {q}"), format!("last carton {q}"))
                    ));
                }
                PiLine {
                    sku: x.sku.clone(),
                    description,
                    hs_code: x.hs_code.clone(),
                    quantity: x.quantity,
                    unit: x.unit.clone(),
                    unit_price: x.unit_price,
                    discount_percent: o.lines.get(x.order_line).and_then(|l| l.discount_percent),
                    amount: x.amount,
                    packing: list.then(|| packing(&x.packed)),
                }
            })
            .collect();
        let mut shipping: Vec<(Label, String)> = vec![
            (l("合同号", "Contract no."), o.number.clone()),
            (l("运输方式", "Shipped by"), mode(s.mode).text(lang)),
        ];
        let opt = [
            (l("承运人", "Carrier"), s.carrier.clone()),
            (l("提单号", "B/L no."), s.bl_no.clone()),
            (l("起运港", "Port of loading"), s.port_of_loading.clone()),
            (
                l("目的港", "Port of discharge"),
                s.port_of_discharge.clone(),
            ),
            (
                l("开船日", "Sailing date"),
                s.atd.or(s.etd).map(|d| d.format("%Y-%m-%d").to_string()),
            ),
        ];
        shipping.extend(opt.into_iter().filter_map(|(k, v)| v.map(|v| (k, v))));
        if !s.containers.is_empty() {
            let c: Vec<String> = s
                .containers
                .iter()
                .map(|c| {
                    format!(
                        "{} ({})",
                        c.number,
                        serde_json::to_value(c.kind)
                            .ok()
                            .and_then(|v| v.as_str().map(str::to_string))
                            .unwrap_or_default()
                    )
                })
                .collect();
            shipping.push((l("柜号", "Containers"), c.join(", ")));
        }
        let words = documents::words_lang(lang);
        let totals = super::shipments::totals(&s.lines);
        Ok::<_, AppError>(PiDocument {
            lang,
            title_kind: if list {
                TitleKind::PackingList
            } else {
                TitleKind::CommercialInvoice
            },
            number: s.number.clone(),
            date,
            valid_until: None,
            customer_ref: o.customer_ref.clone(),
            seller,
            buyer: documents::buyer(tx, o.customer_id)?,
            currency: o.currency.code().to_string(),
            incoterm: o.incoterm.clone(),
            named_place: o.named_place.clone(),
            payment_terms: if list {
                None
            } else {
                orders::terms_wording(tx, &o, words)
            },
            delivery: None,
            lines,
            total: s.lines.iter().map(|x| x.amount).sum(),
            instalments: Vec::new(),
            bank: if list { None } else { bank },
            remarks: documents::join(&s.note, &if list { None } else { remarks }),
            shipping,
            packing_list: list.then(|| packing(&totals)),
        })
    })?;
    let stem = format!("{}-{}", doc.number, if list { "PL" } else { "CI" });
    documents::render(&doc, q.format.as_deref(), &stem)
}
