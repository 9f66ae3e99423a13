//! The product columns of an import file (and of the product export, which takes its headers
//! from here so an exported file imports back): the catalogue's fields, packing, a sales price
//! column per currency, and the hidden ones — cost, and the supplier's name, price, MOQ and lead
//! time — which a role that hides their class neither sees nor fills.

use crate::auth::FieldClass;
use crate::domain::import::target::Column;
use crate::domain::money::Currency;

/// The sales price column of a currency: `price_usd`, 美元价格 / USD price, with the headers
/// firms write for it (美元单价, 单价(USD), Price USD, FOB USD …).
macro_rules! price {
    ($key:literal, $code:literal, $zh:literal $(, $extra:literal)*) => {
        Column::new(
            $key,
            concat!($zh, "价格"),
            concat!($code, " price"),
            &[
                concat!($zh, "价格"),
                concat!($zh, "单价"),
                concat!($zh, "售价"),
                concat!($zh, "报价"),
                concat!($code, "price"),
                concat!("price", $code),
                concat!("unitprice", $code),
                concat!("fob", $code),
                concat!("fobprice", $code),
                concat!($code, "单价"),
                concat!($code, "价格"),
                concat!("单价", $code),
                concat!("价格", $code),
                concat!("售价", $code),
                concat!("报价", $code),
                $code,
                $($extra,)*
            ],
        )
    };
}

/// The first of the price columns in [`COLUMNS`]; they follow one another, in the order of
/// `money::CURRENCIES`.
const PRICES_AT: usize = 10;

pub const COLUMNS: &[Column] = &[
    Column::new(
        "sku",
        "货号",
        "SKU",
        &[
            "货号",
            "型号",
            "产品货号",
            "产品型号",
            "产品编号",
            "商品货号",
            "款号",
            "物料编码",
            "料号",
            "sku",
            "itemno",
            "itemnumber",
            "itemcode",
            "model",
            "modelno",
            "modelnumber",
            "articleno",
            "articlenumber",
            "partno",
            "partnumber",
            "productcode",
            "productno",
        ],
    )
    .required("货号", "the SKU"),
    Column::new(
        "name_zh",
        "中文品名",
        "Name (Chinese)",
        &[
            "中文品名",
            "中文名称",
            "中文名",
            "品名",
            "产品名称",
            "商品名称",
            "产品名",
            "货品名称",
            "名称",
            "namezh",
            "namecn",
            "namechinese",
            "chinesename",
            "cnname",
        ],
    ),
    Column::new(
        "name_en",
        "英文品名",
        "Name (English)",
        &[
            "英文品名",
            "英文名称",
            "英文名",
            "英文描述",
            "nameen",
            "nameenglish",
            "englishname",
            "enname",
            "name",
            "productname",
            "itemname",
            "description",
            "itemdescription",
            "descriptionofgoods",
        ],
    ),
    Column::new(
        "specs",
        "规格",
        "Specs",
        &[
            "规格",
            "规格型号",
            "产品规格",
            "规格参数",
            "参数",
            "specs",
            "spec",
            "specification",
            "specifications",
            "details",
        ],
    ),
    Column::new(
        "hs_code",
        "海关编码",
        "HS code",
        &[
            "海关编码",
            "hs编码",
            "hs编号",
            "海关商品编码",
            "税号",
            "税则号",
            "hs",
            "hscode",
            "hstariffcode",
            "tariffcode",
            "customscode",
        ],
    ),
    Column::new(
        "unit",
        "单位",
        "Unit",
        &[
            "单位",
            "计量单位",
            "销售单位",
            "unit",
            "uom",
            "unitofmeasure",
        ],
    ),
    Column::new(
        "units_per_carton",
        "每箱数量",
        "Units per carton",
        &[
            "每箱数量",
            "装箱数",
            "装箱数量",
            "每箱件数",
            "箱装数",
            "外箱装量",
            "箱规",
            "unitspercarton",
            "pcspercarton",
            "pcsctn",
            "qtyperctn",
            "qtypercarton",
            "ctnqty",
            "cartonqty",
        ],
    ),
    Column::new(
        "carton",
        "外箱尺寸(cm)",
        "Carton L×W×H (cm)",
        &[
            "外箱尺寸",
            "外箱尺寸cm",
            "纸箱尺寸",
            "箱子尺寸",
            "外箱规格",
            "箱规尺寸",
            "cartonsize",
            "cartonsizecm",
            "cartondimensions",
            "cartonlwh",
            "cartonlwhcm",
            "ctnsize",
            "measurement",
            "meas",
        ],
    ),
    Column::new(
        "gross_kg",
        "毛重(kg)",
        "Gross weight (kg)",
        &[
            "毛重",
            "毛重kg",
            "每箱毛重",
            "gw",
            "gwkg",
            "grossweight",
            "grossweightkg",
            "gross",
        ],
    ),
    Column::new(
        "net_kg",
        "净重(kg)",
        "Net weight (kg)",
        &[
            "净重",
            "净重kg",
            "每箱净重",
            "nw",
            "nwkg",
            "netweight",
            "netweightkg",
            "net",
        ],
    ),
    // PRICES_AT: one column per currency of `money::CURRENCIES`, in its order.
    price!(
        "price_cny",
        "CNY",
        "人民币",
        "rmb",
        "rmbprice",
        "rmb价格",
        "rmb单价"
    ),
    price!(
        "price_usd",
        "USD",
        "美元",
        "美金价格",
        "美金单价",
        "usdollarprice"
    ),
    price!("price_eur", "EUR", "欧元"),
    price!("price_gbp", "GBP", "英镑"),
    price!("price_jpy", "JPY", "日元"),
    price!("price_hkd", "HKD", "港币", "港元价格"),
    price!("price_aud", "AUD", "澳元"),
    price!("price_cad", "CAD", "加元"),
    price!("price_chf", "CHF", "瑞士法郎"),
    price!("price_sgd", "SGD", "新加坡元"),
    price!("price_krw", "KRW", "韩元"),
    price!("price_twd", "TWD", "新台币"),
    price!("price_nzd", "NZD", "新西兰元"),
    price!("price_sek", "SEK", "瑞典克朗"),
    price!("price_nok", "NOK", "挪威克朗"),
    price!("price_dkk", "DKK", "丹麦克朗"),
    price!("price_pln", "PLN", "波兰兹罗提"),
    price!("price_czk", "CZK", "捷克克朗"),
    price!("price_huf", "HUF", "匈牙利福林"),
    price!("price_rub", "RUB", "俄罗斯卢布"),
    price!("price_try", "TRY", "土耳其里拉"),
    price!("price_aed", "AED", "阿联酋迪拉姆"),
    price!("price_sar", "SAR", "沙特里亚尔"),
    price!("price_ils", "ILS", "以色列新谢克尔"),
    price!("price_inr", "INR", "印度卢比"),
    price!("price_pkr", "PKR", "巴基斯坦卢比"),
    price!("price_bdt", "BDT", "孟加拉塔卡"),
    price!("price_thb", "THB", "泰铢"),
    price!("price_vnd", "VND", "越南盾"),
    price!("price_myr", "MYR", "马来西亚林吉特"),
    price!("price_idr", "IDR", "印尼盾"),
    price!("price_php", "PHP", "菲律宾比索"),
    price!("price_brl", "BRL", "巴西雷亚尔"),
    price!("price_mxn", "MXN", "墨西哥比索"),
    price!("price_ars", "ARS", "阿根廷比索"),
    price!("price_clp", "CLP", "智利比索"),
    price!("price_cop", "COP", "哥伦比亚比索"),
    price!("price_pen", "PEN", "秘鲁索尔"),
    price!("price_zar", "ZAR", "南非兰特"),
    price!("price_ngn", "NGN", "尼日利亚奈拉"),
    price!("price_egp", "EGP", "埃及镑"),
    price!("price_kes", "KES", "肯尼亚先令"),
    Column::new(
        "cost",
        "成本",
        "Cost",
        &[
            "成本",
            "成本价",
            "单位成本",
            "产品成本",
            "cost",
            "unitcost",
            "costprice",
        ],
    )
    .hidden(FieldClass::Cost),
    Column::new(
        "supplier",
        "供应商",
        "Supplier",
        &[
            "供应商",
            "供货商",
            "供应商名称",
            "工厂",
            "厂家",
            "生产厂家",
            "supplier",
            "suppliername",
            "vendor",
            "factory",
        ],
    )
    .hidden(FieldClass::SupplierPrice),
    Column::new(
        "supplier_price",
        "采购价",
        "Supplier price",
        &[
            "采购价",
            "采购单价",
            "采购价格",
            "进价",
            "进货价",
            "供应商价格",
            "供货价",
            "出厂价",
            "工厂价",
            "supplierprice",
            "purchaseprice",
            "buyingprice",
            "buyprice",
            "factoryprice",
        ],
    )
    .hidden(FieldClass::SupplierPrice),
    Column::new(
        "moq",
        "起订量",
        "MOQ",
        &[
            "起订量",
            "最小起订量",
            "最低起订量",
            "起订数量",
            "moq",
            "minimumorder",
            "minimumorderquantity",
            "minorder",
        ],
    )
    .hidden(FieldClass::SupplierPrice),
    Column::new(
        "lead_days",
        "交期(天)",
        "Lead time (days)",
        &[
            "交期",
            "交期天",
            "交货期",
            "生产周期",
            "货期",
            "leadtime",
            "leadtimedays",
            "leaddays",
            "deliverytime",
        ],
    )
    .hidden(FieldClass::SupplierPrice),
    Column::new(
        "active",
        "在售",
        "Active",
        &[
            "在售",
            "启用",
            "是否启用",
            "是否在售",
            "状态",
            "产品状态",
            "active",
            "enabled",
            "status",
        ],
    ),
];

/// The sales price columns, one per currency.
pub fn price_columns() -> &'static [Column] {
    &COLUMNS[PRICES_AT..PRICES_AT + crate::domain::money::CURRENCIES.len()]
}

/// The currency of a price column (`price_usd` → USD).
pub fn price_currency(key: &str) -> Option<Currency> {
    Currency::of(key.strip_prefix("price_")?)
}

/// The price column of a currency.
pub fn price_column(c: Currency) -> &'static Column {
    let at = crate::domain::money::CURRENCIES
        .iter()
        .position(|(code, _, _)| *code == c.code())
        .unwrap_or_default();
    &price_columns()[at]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::import::mapping::guess;

    #[test]
    fn a_price_column_for_every_currency_in_its_order() {
        let prices = price_columns();
        assert_eq!(prices.len(), crate::domain::money::CURRENCIES.len());
        for ((code, zh, _), col) in crate::domain::money::CURRENCIES.iter().zip(prices) {
            assert_eq!(col.key, format!("price_{}", code.to_lowercase()));
            assert_eq!(col.zh, format!("{zh}价格"));
            assert_eq!(price_currency(col.key).map(|c| c.code()), Some(*code));
            assert_eq!(price_column(Currency::of(code).unwrap()).key, col.key);
        }
        assert!(price_currency("cost").is_none());
        assert_eq!(COLUMNS[PRICES_AT - 1].key, "net_kg");
        assert_eq!(COLUMNS[PRICES_AT + prices.len()].key, "cost");
    }

    #[test]
    fn headers_firms_write() {
        let h = |s: &str| guess(COLUMNS, s);
        for (header, key) in [
            ("SKU", "sku"),
            ("货号", "sku"),
            ("型号", "sku"),
            ("Item No.", "sku"),
            ("中文品名", "name_zh"),
            ("品名", "name_zh"),
            ("英文品名", "name_en"),
            ("Description", "name_en"),
            ("规格", "specs"),
            ("HS编码", "hs_code"),
            ("海关编码", "hs_code"),
            ("H.S. Code", "hs_code"),
            ("单位", "unit"),
            ("装箱数", "units_per_carton"),
            ("每箱数量", "units_per_carton"),
            ("PCS/CTN", "units_per_carton"),
            ("外箱尺寸", "carton"),
            ("外箱尺寸(cm)", "carton"),
            ("Carton size", "carton"),
            ("毛重", "gross_kg"),
            ("G.W.(kg)", "gross_kg"),
            ("净重", "net_kg"),
            ("N.W.", "net_kg"),
            ("USD price", "price_usd"),
            ("美元价格", "price_usd"),
            ("美金单价", "price_usd"),
            ("单价(USD)", "price_usd"),
            ("FOB USD", "price_usd"),
            ("EUR price", "price_eur"),
            ("欧元价格", "price_eur"),
            ("人民币单价", "price_cny"),
            ("RMB", "price_cny"),
            ("成本", "cost"),
            ("供应商", "supplier"),
            ("工厂", "supplier"),
            ("采购价", "supplier_price"),
            ("MOQ", "moq"),
            ("交期(天)", "lead_days"),
            ("状态", "active"),
        ] {
            assert_eq!(h(header), Some(key), "{header}");
        }
        // A price that names no currency is no column's: the user chooses one.
        assert_eq!(h("Unit price"), None);
        assert_eq!(h("单价"), None);
        assert_eq!(h("CBM"), None);
        assert_eq!(h("体积(m³)"), None);
    }
}
