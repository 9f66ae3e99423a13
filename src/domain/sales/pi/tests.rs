use std::str::FromStr;

use chrono::NaiveDate;
use pdf_extract::{Document, Object};
use rust_decimal::Decimal;

use super::*;

fn d(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

fn line(sku: &str, description: &str, qty: &str, unit: &str, price: &str, amount: &str) -> PiLine {
    PiLine {
        sku: Some(sku.to_string()),
        description: description.to_string(),
        hs_code: Some("8302100000".to_string()),
        quantity: d(qty),
        unit: unit.to_string(),
        unit_price: d(price),
        discount_percent: None,
        amount: d(amount),
        packing: None,
    }
}

/// A proforma invoice of 宁波海曙五金 to a German buyer, total USD 12,345.60.
fn sample(lang: DocLang) -> PiDocument {
    let zh = lang != DocLang::En;
    PiDocument {
        lang,
        title_kind: TitleKind::ProformaInvoice,
        number: "SO-2026-0012".to_string(),
        date: NaiveDate::from_ymd_opt(2026, 3, 2).unwrap(),
        valid_until: None,
        customer_ref: Some("PO-4711".into()),
        seller: Party {
            name: if zh {
                "宁波海曙五金有限公司".to_string()
            } else {
                "Ningbo Haishu Hardware Co., Ltd.".to_string()
            },
            address: Some(if zh {
                "浙江省宁波市海曙区望春工业园区科创路 88 号".to_string()
            } else {
                "No. 88 Kechuang Road, Wangchun Industrial Park, Haishu District, Ningbo, Zhejiang, China".to_string()
            }),
            phone: Some("+86 574 8765 4321".to_string()),
            email: Some("sales@haishu-hardware.example".to_string()),
            contact: Some("Lily Wang 王丽".to_string()),
            tax_id: Some("91330203MA2GXXXX1K".to_string()),
        },
        buyer: Party {
            name: "Müller Beschläge GmbH".to_string(),
            address: Some("Industriestraße 12\n70565 Stuttgart, Germany".to_string()),
            phone: Some("+49 711 123456".to_string()),
            email: Some("einkauf@mueller-beschlaege.example".to_string()),
            contact: Some("Anna Müller".to_string()),
            tax_id: Some("DE123456789".to_string()),
        },
        currency: "USD".to_string(),
        incoterm: Some("FOB".to_string()),
        named_place: Some("Ningbo".to_string()),
        payment_terms: Some(if zh {
            "30% T/T 定金，余款 70% 见提单副本付清".to_string()
        } else {
            "30% T/T deposit, 70% balance against copy of B/L".to_string()
        }),
        delivery: Some("35 days after deposit".to_string()),
        lines: vec![
            line(
                "HS-304-100",
                "不锈钢合页 Stainless steel hinge SUS304, 100×75×2.5 mm, brushed finish, 2 pcs per polybag, 50 pcs per carton",
                "5000",
                "pcs",
                "0.85",
                "4250.00",
            ),
            PiLine {
                discount_percent: Some(d("5")),
                ..line(
                    "DH-ZN-22",
                    "锌合金门把手 Zinc alloy door handle, satin nickel",
                    "2000",
                    "sets",
                    "2.35",
                    "4465.00",
                )
            },
            line(
                "DS-450-FE",
                "三节滚珠抽屉滑轨 Ball bearing drawer slide 450 mm, full extension",
                "1200.000",
                "pairs",
                "3.0255",
                "3630.60",
            ),
        ],
        total: d("12345.60"),
        instalments: vec![
            PiInstalment {
                label: "Deposit 定金".to_string(),
                percent: Some(d("30")),
                amount: d("3703.68"),
                due: "Upon order confirmation".to_string(),
            },
            PiInstalment {
                label: "Balance 尾款".to_string(),
                percent: Some(d("70")),
                amount: d("8641.92"),
                due: "Against copy of B/L".to_string(),
            },
        ],
        bank: Some(
            "Beneficiary: NINGBO HAISHU HARDWARE CO., LTD.\nBank: Bank of China, Ningbo Branch\nSWIFT: BKCHCNBJ92A\nA/C No.: 3512 5836 0000 (USD)"
                .to_string(),
        ),
        remarks: Some("Packing: export cartons on fumigated pallets. 唛头：客户指定。".to_string()),
        shipping: Vec::new(),
        packing_list: None,
    }
}

fn many_lines(n: usize) -> PiDocument {
    let mut doc = sample(DocLang::En);
    doc.lines = (1..=n)
        .map(|i| {
            line(
                &format!("ITEM-{i:03}"),
                &format!("Item {i:03} cabinet hinge, soft close, nickel plated, 35 mm cup"),
                "100",
                "pcs",
                "1.25",
                "125.00",
            )
        })
        .collect();
    doc.total = Decimal::from(125 * n as i64);
    doc
}

fn pdf_text(bytes: &[u8]) -> String {
    pdf_extract::extract_text_from_mem(bytes).expect("text extraction")
}

/// Text without the spaces and line breaks an extractor puts between runs.
fn squeeze(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

#[test]
fn pdf_embeds_a_cjk_font_subset_and_its_text_can_be_extracted() {
    let bytes = pdf(&sample(DocLang::Zh)).unwrap();
    assert!(bytes.starts_with(b"%PDF"));
    let parsed = Document::load_mem(&bytes).expect("the PDF parses");
    assert_eq!(parsed.get_pages().len(), 1);

    let mut font_files = 0;
    let mut subset_names = Vec::new();
    let mut to_unicode = 0;
    for obj in parsed.objects.values() {
        let dict = match obj {
            Object::Dictionary(d) => d,
            Object::Stream(s) => &s.dict,
            _ => continue,
        };
        if dict.has(b"FontFile2") || dict.has(b"FontFile3") {
            font_files += 1;
        }
        if let Ok(name) = dict.get(b"BaseFont").and_then(Object::as_name) {
            subset_names.push(String::from_utf8_lossy(name).to_string());
        }
        if dict.has(b"ToUnicode") {
            to_unicode += 1;
        }
    }
    assert!(font_files >= 1, "no embedded font file");
    assert!(to_unicode >= 1, "no ToUnicode map");
    let cjk = subset_names
        .iter()
        .find(|n| n.contains("NotoSansCJK"))
        .unwrap_or_else(|| panic!("no CJK font among {subset_names:?}"));
    let (tag, _) = cjk.split_once('+').expect("a subset prefix");
    assert!(
        tag.len() == 6 && tag.chars().all(|c| c.is_ascii_uppercase()),
        "{cjk}"
    );
    // Subset: the whole embedded font is a small part of the 5 MB font file.
    assert!(bytes.len() < 400_000, "{} bytes", bytes.len());

    let text = squeeze(&pdf_text(&bytes));
    for needle in [
        "宁波海曙五金有限公司",
        "MüllerBeschlägeGmbH",
        "SO-2026-0012",
        "不锈钢合页",
        "12,345.60",
        "30%T/T定金",
        "BKCHCNBJ92A",
        "形式发票",
        "贵方订单号",
        "PO-4711",
        "美元壹万贰仟叁佰肆拾伍元陆角",
        "3.0255",
        "1,200",
    ] {
        assert!(text.contains(needle), "{needle} missing from {text}");
    }
}

#[test]
fn sixty_lines_flow_onto_more_pages_each_with_the_header() {
    let doc = many_lines(60);
    let bytes = pdf(&doc).unwrap();
    let pages = pdf_extract::extract_text_from_mem_by_pages(&bytes).unwrap();
    let m = pages.len();
    assert!(m > 1, "{m} page(s)");
    assert_eq!(m, layout::pages(&doc, fonts::fonts().unwrap()).len());
    let mut rows = 0;
    for (i, page) in pages.iter().enumerate() {
        let page = squeeze(page);
        assert!(
            page.contains("SO-2026-0012"),
            "page {} lacks the number",
            i + 1
        );
        assert!(
            page.contains("PROFORMAINVOICE"),
            "page {} lacks the title",
            i + 1
        );
        assert!(
            page.contains(&format!("Page{}/{m}", i + 1)),
            "page {} lacks its number: {page}",
            i + 1
        );
        let here = page.matches("cabinethinge").count();
        if here > 0 {
            assert!(
                page.contains("Unitprice"),
                "page {} lacks the table header",
                i + 1
            );
        }
        rows += here;
    }
    assert_eq!(rows, 60);
    // The signatures do not stand alone: the remarks go with them.
    let last = squeeze(&pages[m - 1]);
    assert!(
        last.contains("Seller(signature&stamp)") && last.contains("Packing:"),
        "{last}"
    );
    let all = squeeze(&pages.concat());
    assert!(all.contains("Item060"));
    assert!(all.contains("7,500.00"));
}

#[test]
fn html_labels_follow_the_language() {
    let zh = html(&sample(DocLang::Zh));
    for label in [
        "形式发票",
        "卖方",
        "买方",
        "合计",
        "付款方式",
        "银行信息",
        "品名及规格",
    ] {
        assert!(zh.contains(label), "zh lacks {label}");
    }
    for label in [
        "PROFORMA INVOICE",
        "Seller",
        "Payment terms",
        "Bank details",
    ] {
        assert!(!zh.contains(label), "zh has {label}");
    }
    let en = html(&sample(DocLang::En));
    for label in [
        "PROFORMA INVOICE",
        "Seller",
        "Buyer",
        "Total",
        "Payment terms",
        "Bank details",
        "Unit price",
        "SAY US DOLLARS TWELVE THOUSAND",
        "Your order no.",
        "PO-4711",
    ] {
        assert!(en.contains(label), "en lacks {label}");
    }
    for label in ["形式发票", "卖方", "合计", "银行信息"] {
        assert!(!en.contains(label), "en has {label}");
    }
    let both = html(&sample(DocLang::Both));
    for label in [
        "形式发票",
        "PROFORMA INVOICE",
        "卖方 Seller",
        "买方 Buyer",
        "合计 Total",
        "付款方式 Payment terms",
        "银行信息 Bank details",
    ] {
        assert!(both.contains(label), "both lacks {label}");
    }
    assert!(en.contains("12,345.60") && en.contains("FOB Ningbo"));
    assert!(
        !en.contains("http") && !en.contains("src="),
        "no outside resources"
    );

    let mut q = sample(DocLang::Both);
    q.title_kind = TitleKind::Quotation;
    q.valid_until = NaiveDate::from_ymd_opt(2026, 4, 1);
    let q = html(&q);
    assert!(q.contains("报价单") && q.contains("QUOTATION"));
    assert!(q.contains("有效期至 Valid until") && q.contains("2026-04-01"));
    let mut oc = sample(DocLang::Zh);
    oc.title_kind = TitleKind::OrderConfirmation;
    assert!(html(&oc).contains("订单确认书"));
}

#[test]
fn html_escapes_text() {
    let mut doc = sample(DocLang::En);
    doc.lines[0].description = "<script>alert('x')</script> & more".to_string();
    doc.buyer.name = "A&B <b>Trading</b>".to_string();
    let page = html(&doc);
    assert!(!page.contains("<script>"));
    assert!(!page.contains("<b>Trading"));
    assert!(page.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; more"));
    assert!(page.contains("A&amp;B &lt;b&gt;Trading&lt;/b&gt;"));
}

#[test]
fn jpy_amounts_have_no_decimals() {
    let mut doc = sample(DocLang::En);
    doc.currency = "JPY".to_string();
    doc.lines = vec![line("A-1", "Hinge", "1000", "pcs", "1234.567", "1234567")];
    doc.total = d("1234567");
    doc.instalments.clear();
    let page = html(&doc);
    assert!(page.contains("1,234,567</td>"), "total");
    assert!(!page.contains("1,234,567.0"));
    assert!(
        page.contains("1,234.567"),
        "a unit price keeps its own digits"
    );
    assert!(page.contains("SAY JAPANESE YEN ONE MILLION"));
    let text = squeeze(&pdf_text(&pdf(&doc).unwrap()));
    assert!(text.contains("1,234,567"), "{text}");
    assert!(!text.contains("1,234,567.0"), "{text}");
}

#[test]
fn characters_outside_the_fonts_do_not_panic() {
    let f = fonts::fonts().unwrap();
    for c in ['한', '😀', '𠀀', '㐀'] {
        assert!(!f.covers(c), "{c} is covered: pick another test character");
    }
    let mut doc = sample(DocLang::Both);
    doc.buyer.name = "한국무역 주식회사 😀 𠀀㐀 Łódź İstanbul".to_string();
    doc.lines[0].description =
        "控制\u{0007}字符\u{200B}零宽\u{FEFF} مرحبا\tTab\r\nnew line".to_string();
    doc.remarks = Some(String::new());
    doc.lines.push(line("", "", "0", "", "0", "0"));
    let bytes = pdf(&doc).expect("a PDF");
    assert!(bytes.starts_with(b"%PDF"));
    let text = squeeze(&pdf_text(&bytes));
    assert!(text.contains("Łódź") && text.contains("İstanbul"), "{text}");
    assert!(text.contains("控制字符零宽"), "{text}");
    assert!(html(&doc).contains("한국무역"));

    // Nothing at all filled in.
    let empty = PiDocument {
        lines: Vec::new(),
        instalments: Vec::new(),
        seller: Party::default(),
        buyer: Party::default(),
        bank: None,
        remarks: None,
        shipping: Vec::new(),
        packing_list: None,
        payment_terms: None,
        delivery: None,
        incoterm: None,
        named_place: None,
        currency: String::new(),
        number: String::new(),
        ..sample(DocLang::Zh)
    };
    assert!(pdf(&empty).unwrap().starts_with(b"%PDF"));
    // A description longer than a page.
    let mut long = sample(DocLang::En);
    long.lines[0].description = "very long text ".repeat(2000);
    assert!(pdf(&long).is_ok());
}

/// With KONTOR_PI_SAMPLES set, writes sample PDFs and HTML pages to /tmp/pi-samples/ to look at.
#[test]
fn write_samples_when_asked() {
    if std::env::var_os("KONTOR_PI_SAMPLES").is_none() {
        return;
    }
    let dir = std::path::Path::new("/tmp/pi-samples");
    std::fs::create_dir_all(dir).unwrap();
    for (name, doc) in [
        ("zh", sample(DocLang::Zh)),
        ("en", sample(DocLang::En)),
        ("both", sample(DocLang::Both)),
        ("60-lines", many_lines(60)),
    ] {
        std::fs::write(dir.join(format!("pi-{name}.pdf")), pdf(&doc).unwrap()).unwrap();
        std::fs::write(dir.join(format!("pi-{name}.html")), html(&doc)).unwrap();
    }
}
