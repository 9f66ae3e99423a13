//! The document's fixed words in Chinese and English; a bilingual document prints both, Chinese
//! first ("形式发票 Proforma Invoice").

use super::{DocLang, TitleKind};

/// One label in both languages.
#[derive(Clone, Copy, Debug)]
pub struct Label {
    pub zh: &'static str,
    pub en: &'static str,
}

const fn l(zh: &'static str, en: &'static str) -> Label {
    Label { zh, en }
}

impl Label {
    /// The label on one line: `卖方`, `Seller`, or `卖方 Seller`.
    pub fn text(self, lang: DocLang) -> String {
        match lang {
            DocLang::Zh => self.zh.to_string(),
            DocLang::En => self.en.to_string(),
            DocLang::Both => format!("{} {}", self.zh, self.en),
        }
    }

    /// The label as lines (a table header stacks the two languages).
    pub fn lines(self, lang: DocLang) -> Vec<&'static str> {
        match lang {
            DocLang::Zh => vec![self.zh],
            DocLang::En => vec![self.en],
            DocLang::Both => vec![self.zh, self.en],
        }
    }
}

pub fn title(kind: TitleKind) -> Label {
    match kind {
        TitleKind::ProformaInvoice => l("形式发票", "PROFORMA INVOICE"),
        TitleKind::OrderConfirmation => l("订单确认书", "ORDER CONFIRMATION"),
        TitleKind::Quotation => l("报价单", "QUOTATION"),
        TitleKind::CommercialInvoice => l("商业发票", "COMMERCIAL INVOICE"),
        TitleKind::PackingList => l("装箱单", "PACKING LIST"),
    }
}

pub const SELLER: Label = l("卖方", "Seller");
pub const BUYER: Label = l("买方", "Buyer");
pub const NUMBER: Label = l("编号", "No.");
pub const DATE: Label = l("日期", "Date");
pub const VALID_UNTIL: Label = l("有效期至", "Valid until");
pub const YOUR_REF: Label = l("贵方订单号", "Your order no.");
pub const CURRENCY: Label = l("币种", "Currency");
pub const TRADE_TERMS: Label = l("贸易术语", "Trade terms");
pub const TERMS: Label = l("交易条款", "Terms");
pub const PAYMENT_TERMS: Label = l("付款方式", "Payment terms");
pub const DELIVERY: Label = l("交货期", "Delivery");
pub const SCHEDULE: Label = l("付款计划", "Payment schedule");
pub const BANK: Label = l("银行信息", "Bank details");
pub const REMARKS: Label = l("备注", "Remarks");
pub const ADDRESS: Label = l("地址", "Address");
pub const CONTACT: Label = l("联系人", "Contact");
pub const PHONE: Label = l("电话", "Tel");
pub const EMAIL: Label = l("邮箱", "Email");
pub const TAX_ID: Label = l("税号", "Tax ID");

pub const COL_NO: Label = l("序号", "No.");
pub const COL_SKU: Label = l("货号", "Item No.");
pub const COL_DESCRIPTION: Label = l("品名及规格", "Description");
pub const COL_HS: Label = l("HS编码", "HS code");
pub const COL_QTY: Label = l("数量", "Qty");
pub const COL_UNIT: Label = l("单位", "Unit");
pub const COL_PRICE: Label = l("单价", "Unit price");
pub const COL_DISCOUNT: Label = l("折扣", "Disc.");
pub const COL_AMOUNT: Label = l("金额", "Amount");

pub const COL_CARTONS: Label = l("箱数", "Cartons");
pub const COL_NET: Label = l("净重(kg)", "N.W. (kg)");
pub const COL_GROSS: Label = l("毛重(kg)", "G.W. (kg)");
pub const COL_CBM: Label = l("体积(m³)", "Meas. (m³)");

/// A packing list's totals: "7 箱，净重 73.7 kg，毛重 84.2 kg，0.56 m³".
pub fn packing_totals(lang: DocLang, p: &super::LinePacking) -> String {
    let q = |d: rust_decimal::Decimal| d.normalize().to_string();
    let zh: Vec<String> = [
        p.cartons.map(|c| format!("{c} 箱")),
        p.net_kg.map(|n| format!("净重 {} kg", q(n))),
        p.gross_kg.map(|g| format!("毛重 {} kg", q(g))),
        p.cbm.map(|c| format!("{} m³", q(c))),
    ]
    .into_iter()
    .flatten()
    .collect();
    let en: Vec<String> = [
        p.cartons.map(|c| format!("{c} CTNS")),
        p.net_kg.map(|n| format!("N.W. {} kg", q(n))),
        p.gross_kg.map(|g| format!("G.W. {} kg", q(g))),
        p.cbm.map(|c| format!("{} m³", q(c))),
    ]
    .into_iter()
    .flatten()
    .collect();
    match lang {
        DocLang::Zh => zh.join("，"),
        DocLang::En => en.join(", "),
        DocLang::Both => format!("{} / {}", zh.join("，"), en.join(", ")),
    }
}

pub const TOTAL: Label = l("合计", "Total");
pub const IN_WORDS: Label = l("大写金额", "Amount in words");
pub const INSTALMENT: Label = l("款项", "Instalment");
pub const SHARE: Label = l("比例", "Share");
pub const DUE: Label = l("付款时间", "Due");

pub const SELLER_SIGN: Label = l("卖方（签字盖章）", "Seller (signature & stamp)");
pub const BUYER_SIGN: Label = l(
    "买方确认（签字盖章）",
    "Accepted by the Buyer (signature & stamp)",
);
pub const FOR_AND_ON_BEHALF: Label = l("代表", "For and on behalf of");

/// "第 1 / 3 页", "Page 1 / 3", or both.
pub fn page(lang: DocLang, n: usize, m: usize) -> String {
    match lang {
        DocLang::Zh => format!("第 {n} / {m} 页"),
        DocLang::En => format!("Page {n} / {m}"),
        DocLang::Both => format!("第 {n} / {m} 页  Page {n} / {m}"),
    }
}
