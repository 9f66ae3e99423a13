//! The product export: the catalogue as the list filters it (search text, active, sort), its
//! columns taking their headers from the product import's, so the file imports back
//! (`kind=products`, `upsert` to update). A price column is written for each currency some
//! exported product has a price in; costs and supplier columns leave the file for a role that
//! hides them.

use serde::Deserialize;

use crate::auth::{Action, Module, Principal};
use crate::domain::Kontor;
use crate::domain::import::products::columns::{self as product_columns, price_column};
use crate::domain::import::products::parse::carton_text;
use crate::domain::kit::Paging;
use crate::domain::money::{CURRENCIES, Currency, Money};
use crate::domain::sales::products::{Product, ProductFilter, ProductQuery};
use crate::domain::sales::rates::base_currency;
use crate::error::AppResult;
use crate::i18n::Lang;
use crate::store::Record;

use super::{
    Column, ExportEncoding, ExportFile, ExportFormat, ExportParams, export_file, fits, format_of,
    import, own, visible_columns, write_table,
};

/// How to export products: the list's filters (paging aside) and the file's format.
#[derive(Clone, Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ProductExportQuery {
    /// SKU, name or specs contain this text.
    pub q: Option<String>,
    pub active: Option<bool>,
    /// `created` (newest first, default) or `sku`.
    pub sort: Option<String>,
    /// `csv` (default) or `xlsx`.
    pub format: Option<ExportFormat>,
    /// CSV only: `utf8` (default, with BOM) or `gbk`.
    pub encoding: Option<ExportEncoding>,
}

/// What a column reads from.
struct Row {
    r: Record<Product>,
    lang: Lang,
    /// The company's base currency: amounts in it are written without their currency.
    base: Currency,
}

fn opt(v: &Option<String>) -> String {
    v.clone().unwrap_or_default()
}

fn num<T: ToString>(v: Option<T>) -> String {
    v.map(|v| v.to_string()).unwrap_or_default()
}

/// `14.80` in the base currency, else `USD 3.20` (as the import reads them).
fn money(m: &Money, base: Currency) -> String {
    if m.currency == base {
        m.amount.to_string()
    } else {
        m.to_string()
    }
}

/// One value per supplier, `; ` between them (blank when none has one).
fn per_supplier(
    r: &Row,
    get: impl Fn(&crate::domain::sales::products::SupplierPrice) -> String,
) -> String {
    let parts: Vec<String> = r.r.data.supplier_prices.iter().map(get).collect();
    if parts.iter().all(String::is_empty) {
        String::new()
    } else {
        parts.join("; ")
    }
}

/// The columns before the prices.
const BEFORE_PRICES: &[Column<Row>] = &[
    import("sku", |r| r.r.data.sku.clone()),
    import("name_zh", |r| opt(&r.r.data.name_zh)),
    import("name_en", |r| opt(&r.r.data.name_en)),
    import("specs", |r| opt(&r.r.data.specs)),
    import("hs_code", |r| opt(&r.r.data.hs_code)),
    import("unit", |r| r.r.data.unit.clone()),
    import("units_per_carton", |r| {
        num(r.r.data.packing.units_per_carton)
    }),
    import("carton", |r| carton_text(&r.r.data.packing)),
    own("体积(m³)", "CBM", |r| num(r.r.data.packing.cbm())),
    import("gross_kg", |r| num(r.r.data.packing.gross_kg)),
    import("net_kg", |r| num(r.r.data.packing.net_kg)),
];

/// The columns after the prices.
const AFTER_PRICES: &[Column<Row>] = &[
    import("cost", |r| {
        r.r.data.cost.map(|c| money(&c, r.base)).unwrap_or_default()
    }),
    import("supplier", |r| per_supplier(r, |s| s.supplier.clone())),
    import("supplier_price", |r| {
        per_supplier(r, |s| money(&s.price, r.base))
    }),
    import("moq", |r| per_supplier(r, |s| num(s.moq))),
    import("lead_days", |r| per_supplier(r, |s| num(s.lead_days))),
    import("active", |r| {
        match r.r.data.active {
            true => r.lang.pick("是", "yes"),
            false => r.lang.pick("否", "no"),
        }
        .to_string()
    }),
];

/// Exports the products the list's filters match (paging ignored) as a file.
pub fn products(k: &Kontor, p: &Principal, q: ProductExportQuery) -> AppResult<ExportFile> {
    p.require(Module::Products, Action::Export)?;
    p.require(Module::Products, Action::Read)?;
    let params = ExportParams {
        format: q.format,
        encoding: q.encoding,
    };
    let (format, encoding) = format_of(&params)?;
    let filter = ProductFilter::new(&ProductQuery {
        q: q.q,
        active: q.active,
        sort: q.sort,
        page: None,
        per_page: None,
    })?;
    let import_columns = product_columns::COLUMNS;
    let before = visible_columns(p, BEFORE_PRICES, import_columns);
    let after = visible_columns(p, AFTER_PRICES, import_columns);
    export_file(k, p, "products", format, encoding, |path| {
        k.store.read(|tx| {
            let base = base_currency(tx)?;
            let records = filter.query(tx, p, Paging::everything())?.run(tx)?.items;
            fits(format, records.len())?;
            let currencies: Vec<Currency> = CURRENCIES
                .iter()
                .filter_map(|(code, _, _)| Currency::of(code))
                .filter(|c| {
                    records
                        .iter()
                        .any(|r| r.data.prices.iter().any(|m| m.currency == *c))
                })
                .collect();
            let mut headers: Vec<String> = before.iter().map(|(h, _)| h.clone()).collect();
            headers.extend(
                currencies
                    .iter()
                    .map(|c| price_column(*c).label(p.lang).to_string()),
            );
            headers.extend(after.iter().map(|(h, _)| h.clone()));
            let mut rows = 0u64;
            let sheet = p.lang.pick("产品", "Products");
            let mut records = records.into_iter();
            write_table(path, format, encoding, sheet, &mut |out| {
                out(&headers)?;
                let mut cells = Vec::with_capacity(headers.len());
                for r in records.by_ref() {
                    let row = Row {
                        r,
                        lang: p.lang,
                        base,
                    };
                    cells.clear();
                    cells.extend(before.iter().map(|(_, c)| (c.get)(&row)));
                    cells.extend(currencies.iter().map(|c| {
                        let price = row.r.data.prices.iter().find(|m| m.currency == *c);
                        price.map(|m| m.amount.to_string()).unwrap_or_default()
                    }));
                    cells.extend(after.iter().map(|(_, c)| (c.get)(&row)));
                    out(&cells)?;
                    rows += 1;
                }
                Ok(())
            })?;
            Ok(rows)
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::export::Head;
    use crate::domain::import::mapping::guess;

    #[test]
    fn shared_columns_import_back_as_their_column() {
        for c in BEFORE_PRICES.iter().chain(AFTER_PRICES) {
            if let Head::Import(key) = c.head {
                let (zh, en, _) = c.head(product_columns::COLUMNS);
                for h in [zh, en] {
                    assert_eq!(guess(product_columns::COLUMNS, h), Some(key), "{h}");
                }
            } else {
                let (zh, en, _) = c.head(product_columns::COLUMNS);
                for h in [zh, en] {
                    assert_eq!(guess(product_columns::COLUMNS, h), None, "{h}");
                }
            }
        }
        for c in product_columns::price_columns() {
            for h in [c.zh, c.en] {
                assert_eq!(guess(product_columns::COLUMNS, h), Some(c.key), "{h}");
            }
        }
    }

    #[test]
    fn costs_and_suppliers_leave_the_file_for_a_role_that_hides_them() {
        let mut p = crate::domain::import::tests::admin();
        let heads = |p: &Principal| -> Vec<String> {
            visible_columns(p, AFTER_PRICES, product_columns::COLUMNS)
                .into_iter()
                .map(|(h, _)| h)
                .collect()
        };
        assert_eq!(
            heads(&p),
            [
                "Cost",
                "Supplier",
                "Supplier price",
                "MOQ",
                "Lead time (days)",
                "Active"
            ]
        );
        p.perms.hidden_fields.push("supplier_price".into());
        assert_eq!(heads(&p), ["Cost", "Active"]);
        p.perms.hidden_fields.push("cost".into());
        assert_eq!(heads(&p), ["Active"]);
    }
}
