//! Writes the committed seed corpora under `fuzz/seeds/<target>/` (a few KB in all): the import
//! corpus of tests/api/imports.rs in small form, plus XML tricks for the workbook parts.
//! Regression inputs found by fuzzing are added there by hand (`regress-*`) and never rewritten.
//!
//!     cargo run --manifest-path fuzz/Cargo.toml --example make_seeds
//!
//! The output is the same on every run (fixed dates, fixed zip times).

use std::io::Write;
use std::path::Path;

use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Formula, Workbook};

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("seeds");
    let write = |target: &str, name: &str, bytes: &[u8]| {
        let dir = root.join(target);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(name), bytes).unwrap();
    };

    // ---- text files ----
    let csv = |name: &str, bytes: &[u8]| write("csv_reader", name, bytes);
    csv(
        "utf8.csv",
        "Company,Country,Email,Phone\r\nMüller Werkzeuge GmbH,DE,anna@mueller.de,+49 30 1234567\r\n"
            .as_bytes(),
    );
    csv(
        "bom-semicolon.csv",
        "\u{FEFF}Firma;Land;Notiz\nÄpfel GmbH;DE;\"a;b\"\n".as_bytes(),
    );
    csv(
        "gbk.csv",
        &gbk("2026 广交会名单\n公司名称,国家,电话\n深圳市华信电子有限公司,中国,0755-88881234\n"),
    );
    csv(
        "utf16le.txt",
        &utf16("名称\t国家\r\n華信\tCN\r\n", true, true),
    );
    csv("utf16be.txt", &utf16("Name\tLand\nLyon\tFR\n", true, false));
    csv("utf16le-no-bom.csv", &utf16("Company\nAcme\n", false, true));
    csv(
        "quotes.csv",
        b"a,b\r\n\"x, \"\"y\"\"\",\"two\nlines\"\r\n\r\nlast,1\rx\"y,\"z\"tail",
    );
    csv(
        "unclosed-quote.csv",
        b"Company,Notes\nAcme,\"never closed\nBeta,x\n",
    );
    csv("nul.csv", b"Company,Notes\nAcme,a\0b\n");
    csv("not-gb18030.csv", b"Company\nAcme\n\x81\x20Beta\n");
    csv(
        "formulas.csv",
        b"Company,Notes\n=HYPERLINK(\"http://x\"),+1+2\n-3,@SUM(A1:A9)\n\"=cmd|' /C calc'!A0\",\t=1\n",
    );
    // Regression: 201 cells on a last line without a line end passed the column limit.
    csv("wide-last-line.csv", vec!["c"; 201].join(",").as_bytes());
    csv(
        "old.xls",
        &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0, 0],
    );

    // ---- workbooks as files ----
    let xlsx = |name: &str, bytes: &[u8]| write("xlsx_reader", name, bytes);
    xlsx("xlsxwriter.xlsx", &xlsxwriter_book());
    xlsx("not-a-zip.xlsx", b"PK\x03\x04 this is not really a zip");
    // A sheet that is one 1.1 MB run of spaces (no tag): refused by the zip check, packs to ~1 KB.
    let mut run = Vec::new();
    {
        let mut z = zip::ZipWriter::new(std::io::Cursor::new(&mut run));
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .last_modified_time(zip::DateTime::default());
        z.start_file("xl/worksheets/sheet1.xml", opts).unwrap();
        z.write_all(&vec![b' '; 1100 * 1024]).unwrap();
        z.finish().unwrap();
    }
    xlsx("long-run.xlsx", &run);

    // ---- workbook parts (sheet NUL shared strings NUL styles NUL workbook) ----
    let part = |name: &str, bytes: &[u8]| write("xlsx_parts", name, bytes);
    part("basic", &parts(BASIC_SHEET, BASIC_STRINGS, DATE_STYLES));
    part("entities", &parts(BASIC_SHEET, ENTITY_STRINGS, ""));
    part("references", &parts(REFERENCE_SHEET, "", ""));
    // Regressions: a column reference of nine letters and a dimension that ends before it starts
    // overflowed calamine's arithmetic (a panic in builds with overflow checks); a
    // date-formatted cell far outside Excel's dates panicked in calamine's date conversion.
    part(
        "regress-long-reference",
        &parts(
            r#"<worksheet><sheetData><row r="1"><c r="AAAAAAAAA1"><v>1</v></c></row></sheetData></worksheet>"#,
            "",
            "",
        ),
    );
    part(
        "regress-reversed-dimension",
        &parts(
            r#"<worksheet><dimension ref="B2:A1"/><sheetData><row r="1"><c r="A1"><v>1</v></c></row></sheetData></worksheet>"#,
            "",
            "",
        ),
    );
    part(
        "regress-date-out-of-range",
        &parts(
            r#"<worksheet><sheetData><row r="1"><c r="A1" s="1"><v>-1E+300</v></c><c r="B1" s="1"><v>1E+20</v></c><c r="C1" s="1"><v>NaN</v></c></row></sheetData></worksheet>"#,
            "",
            DATE_STYLES,
        ),
    );
    part(
        "two-sheets",
        &[
            BASIC_SHEET.as_bytes(),
            b"\0\0\0",
            TWO_SHEETS_WORKBOOK.as_bytes(),
        ]
        .concat(),
    );

    // ---- normalisers ----
    let name = |n: &str, text: &str| write("normalize_name", n, text.as_bytes());
    name(
        "zh",
        "深圳市华信电子有限公司\tShenzhen Huaxin Electronics Co., Ltd.",
    );
    name("traditional", "華信電子（香港）有限公司\tHuaxin");
    name(
        "umlauts",
        "Müller Werkzeuge GmbH & Co. KG\tMueller Werkzeuge",
    );
    name(
        "abbreviations",
        "Bright Star Imp. & Exp. Intl (HK) Ltd.\tBright-Star Trading",
    );
    name(
        "fullwidth",
        "ＡＢＣ　Ｔｅｘｔｉｌｅ　Ｃｏ．，Ｌｔｄ\t联丰纺织",
    );
    name("initials", "J. S. M. Textil S.A. de C.V.\tJSM");
    let contact = |n: &str, text: &str| write("normalize_email_phone_website", n, text.as_bytes());
    contact(
        "email",
        "DE\tAnna Müller <anna.mueller+news@sales.brandt.de>\tmailto:A.nna@Gmail.com",
    );
    contact("phone-cn", "CN\t0755-88881234 转 12\t+86 755 8888 1234");
    contact(
        "phone-several",
        "us\t(212) 555-0100 x12 / 0044 20 7946 0958；１３８００１３８０００",
    );
    contact(
        "website",
        "\thttps://user@WWW.Brandt-Werkzeuge.de:8080/shop/?a=1#x\tlianfeng.en.alibaba.com",
    );
    contact(
        "marketplace",
        "FR\tamazon.de/s?me=A1B2C3&x=1\thttps://www.facebook.com/pages/acme/123",
    );
}

fn gbk(text: &str) -> Vec<u8> {
    encoding_rs::GBK.encode(text).0.into_owned()
}

fn utf16(text: &str, bom: bool, le: bool) -> Vec<u8> {
    let mut out = Vec::new();
    if bom {
        out.extend_from_slice(if le { &[0xFF, 0xFE] } else { &[0xFE, 0xFF] });
    }
    for u in text.encode_utf16() {
        out.extend_from_slice(&if le { u.to_le_bytes() } else { u.to_be_bytes() });
    }
    out
}

fn parts(sheet: &str, strings: &str, styles: &str) -> Vec<u8> {
    [sheet, strings, styles].join("\0").into_bytes()
}

/// A workbook as Excel users make them: a title row, Chinese headers, a number, a date, a
/// boolean, formulas with their cached results (one an error), and a blank row.
fn xlsxwriter_book() -> Vec<u8> {
    let mut book = Workbook::new();
    let date = ExcelDateTime::from_ymd(2026, 1, 2).unwrap();
    book.set_properties(&DocProperties::new().set_creation_datetime(&date));
    let sheet = book.add_worksheet();
    sheet.write_string(0, 0, "2026 广交会名单").unwrap();
    for (i, h) in ["公司名称", "国家", "电话", "备注", "日期"]
        .iter()
        .enumerate()
    {
        sheet.write_string(2, i as u16, *h).unwrap();
    }
    sheet.write_string(3, 0, "Hanse Import GmbH").unwrap();
    sheet.write_boolean(3, 1, true).unwrap();
    sheet.write_number(3, 2, 4940123456.0).unwrap();
    sheet
        .write_formula(
            3,
            3,
            Formula::new("=CONCATENATE(\"booth \",\"12\")").set_result("booth 12"),
        )
        .unwrap();
    sheet
        .write_datetime_with_format(3, 4, &date, &Format::new().set_num_format("yyyy-mm-dd"))
        .unwrap();
    sheet.write_string(5, 0, "Lyon Textiles SARL").unwrap();
    sheet
        .write_formula(5, 3, Formula::new("=1/0").set_result("#DIV/0!"))
        .unwrap();
    book.save_to_buffer().unwrap()
}

const BASIC_SHEET: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><dimension ref="A1:F3"/><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="C1" t="inlineStr"><is><t>电话</t></is></c></row><row r="2"><c r="A2" t="s"><v>2</v></c><c r="B2" t="b"><v>1</v></c><c r="C2"><v>4940123456</v></c><c r="D2" s="1"><v>45658.5</v></c><c r="E2" t="e"><f>1/0</f><v>#DIV/0!</v></c><c r="F2" t="str"><f>CONCATENATE("a","b")</f><v>ab</v></c></row><row r="3"><c r="A3" t="s"><v>3</v></c><c r="B3"><v>-1E+308</v></c><c r="C3" s="1"><v>2958466</v></c></row></sheetData></worksheet>"#;
const BASIC_STRINGS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="4" uniqueCount="4"><si><t>公司名称</t></si><si><t>Country</t></si><si><r><t>Hanse </t></r><r><rPr><b/></rPr><t xml:space="preserve">Import &amp; GmbH</t></r></si><si><t>=HYPERLINK("x")</t></si></sst>"#;
const DATE_STYLES: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy-mm-dd hh:mm"/></numFmts><cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="164" applyNumberFormat="1"/></cellXfs></styleSheet>"#;
const ENTITY_STRINGS: &str = r#"<?xml version="1.0"?>
<!DOCTYPE sst [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY x SYSTEM "file:///etc/passwd">]>
<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>&c;</t></si><si><t>&x;</t></si><si><t>&#0;&#x10FFFF;&#xD800;&lt;</t></si><si><t>ok</t></si></sst>"#;
const REFERENCE_SHEET: &str = r#"<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><dimension ref="A1:XFD1048576"/><sheetData><row r="5"><c r="XFD1048576"><v>1</v></c><c r="A4294967296"><v>2</v></c><c><v>3</v></c><c r="GR5"><v>4</v></c></row><row r="2"><c r="A2" t="inlineStr"><is><t>back</t></is></c></row><row r="0"><c r="A0"><v>5</v></c></row></sheetData></worksheet>"#;
const TWO_SHEETS_WORKBOOK: &str = r#"<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><workbookPr date1904="1"/><sheets><sheet name="客户" sheetId="1" r:id="rId1"/><sheet name="Missing" sheetId="2" r:id="rId9"/></sheets></workbook>"#;
