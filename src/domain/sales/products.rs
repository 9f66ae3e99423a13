//! Products (SAL-1): the company's catalogue. A product is the company's, not a rep's (no
//! owner); the products module's rights decide who reads and changes it. Its cost and its
//! supplier prices are hidden fields: a role that hides them never receives them, and may not
//! set them either (a value it cannot see would be overwritten blind).

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::auth::{Action, FieldClass, Module, Principal};
use crate::domain::kit::{Guarded, List, Owner, Paging, Query, Source, guard, needle};
use crate::domain::money::Money;
use crate::domain::{Kontor, validate};
use crate::error::{AppError, AppResult, Msg};
use crate::i18n::Lang;
use crate::search::SearchDoc;
use crate::store::{Entity, IndexDef, IndexKey, Meta, Record, Tx};

/// How a product is packed for export: per carton.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
pub struct Packing {
    pub units_per_carton: Option<u32>,
    /// Outer carton length × width × height in cm.
    #[schema(value_type = Option<Vec<String>>)]
    #[serde(default, with = "decimals3")]
    pub carton_cm: Option<[Decimal; 3]>,
    /// Gross and net weight of a full carton in kg.
    #[schema(value_type = Option<String>)]
    #[serde(default, with = "rust_decimal::serde::str_option")]
    pub gross_kg: Option<Decimal>,
    #[schema(value_type = Option<String>)]
    #[serde(default, with = "rust_decimal::serde::str_option")]
    pub net_kg: Option<Decimal>,
}

impl Packing {
    /// Cubic metres of one carton, to four places (what forwarders quote).
    pub fn cbm(&self) -> Option<Decimal> {
        self.carton_cm.map(|[l, w, h]| {
            (l * w * h / Decimal::from(1_000_000))
                .round_dp_with_strategy(4, rust_decimal::RoundingStrategy::MidpointAwayFromZero)
        })
    }
}

/// A supplier's price for the product (a hidden field class).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
pub struct SupplierPrice {
    pub supplier: String,
    pub price: Money,
    /// Minimum order quantity.
    pub moq: Option<u32>,
    pub lead_days: Option<u32>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Product {
    pub sku: String,
    pub name_zh: Option<String>,
    pub name_en: Option<String>,
    pub specs: Option<String>,
    pub hs_code: Option<String>,
    pub unit: String,
    pub packing: Packing,
    /// Sales prices, one per currency.
    pub prices: Vec<Money>,
    pub cost: Option<Money>,
    pub supplier_prices: Vec<SupplierPrice>,
    pub active: bool,
}

impl Product {
    pub fn name(&self, lang: Lang) -> &str {
        let (first, second) = match lang {
            Lang::Zh => (&self.name_zh, &self.name_en),
            Lang::En => (&self.name_en, &self.name_zh),
        };
        first.as_deref().or(second.as_deref()).unwrap_or(&self.sku)
    }
}

impl Entity for Product {
    const KIND: &'static str = "product";
    const SEARCHABLE: bool = true;
    const SENSITIVE_FIELDS: &'static [(&'static str, &'static str)] =
        &[("cost", "cost"), ("supplier_prices", "supplier_price")];
    fn indexes() -> Vec<IndexDef<Self>> {
        vec![IndexDef::unique("sku", "sku", |p: &Product| {
            vec![IndexKey::new().str(&sku_key(&p.sku))]
        })]
    }
    fn title(&self) -> String {
        format!("{} {}", self.sku, self.name(Lang::Zh))
    }
    /// SKU, both names, specs and HS code; never the cost or supplier prices.
    fn search_doc(&self, _meta: &Meta) -> Option<SearchDoc> {
        Some(SearchDoc {
            title: format!("{} {}", self.sku, self.name(Lang::En)),
            subtitle: self.name_zh.clone().unwrap_or_default(),
            text: [&self.name_zh, &self.name_en, &self.specs, &self.hs_code]
                .into_iter()
                .flatten()
                .cloned()
                .collect(),
            exact: vec![sku_key(&self.sku)],
            ..Default::default()
        })
    }
}

impl Guarded for Product {
    const MODULE: Module = Module::Products;
    const OWNER: Owner = Owner::Nobody;
    const HIDDEN: &'static [(&'static str, FieldClass)] = &[
        ("cost", FieldClass::Cost),
        ("supplier_prices", FieldClass::SupplierPrice),
    ];
}

/// SKUs compare without case and surrounding space (`ab-100` is `AB-100`).
pub(crate) fn sku_key(sku: &str) -> String {
    sku.trim().to_uppercase()
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct ProductView {
    pub id: u64,
    pub sku: String,
    /// In the viewer's language, else the other one.
    pub name: String,
    pub name_zh: Option<String>,
    pub name_en: Option<String>,
    pub specs: Option<String>,
    pub hs_code: Option<String>,
    pub unit: String,
    pub packing: Packing,
    /// Cubic metres of one carton (from `packing.carton_cm`).
    #[schema(value_type = Option<String>)]
    pub cbm: Option<String>,
    pub prices: Vec<Money>,
    /// Absent for roles that hide costs.
    pub cost: Option<Money>,
    /// Absent for roles that hide supplier prices.
    pub supplier_prices: Vec<SupplierPrice>,
    pub active: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: u64,
}

fn view(r: Record<Product>, lang: Lang) -> ProductView {
    let p = r.data;
    ProductView {
        id: r.id,
        name: p.name(lang).to_string(),
        cbm: p.packing.cbm().map(|c| c.to_string()),
        sku: p.sku,
        name_zh: p.name_zh,
        name_en: p.name_en,
        specs: p.specs,
        hs_code: p.hs_code,
        unit: p.unit,
        packing: p.packing,
        prices: p.prices,
        cost: p.cost,
        supplier_prices: p.supplier_prices,
        active: p.active,
        created_at: r.meta.created_at,
        updated_at: r.meta.updated_at,
        version: r.meta.version,
    }
}

/// A product as the caller may see it (hidden fields removed).
fn shown(p: &Principal, r: Record<Product>) -> AppResult<serde_json::Value> {
    guard::show(p, Product::HIDDEN, &view(r, p.lang))
}

#[derive(Clone, Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProductInput {
    pub sku: Option<String>,
    pub name_zh: Option<String>,
    pub name_en: Option<String>,
    pub specs: Option<String>,
    /// 6 to 10 digits (dots allowed: 8471.30).
    pub hs_code: Option<String>,
    /// `pcs` when not given.
    pub unit: Option<String>,
    pub packing: Option<Packing>,
    pub prices: Option<Vec<Money>>,
    /// `null` removes the cost.
    #[serde(default, with = "crate::domain::patch_option")]
    #[schema(value_type = Option<Money>, nullable)]
    pub cost: Option<Option<Money>>,
    pub supplier_prices: Option<Vec<SupplierPrice>>,
    pub active: Option<bool>,
    /// For changes: the version read (409 if someone saved since).
    pub version: Option<u64>,
}

#[derive(Clone, Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ProductQuery {
    /// SKU, name or specs contain this text.
    pub q: Option<String>,
    pub active: Option<bool>,
    /// `created` (newest first, default) or `sku`.
    pub sort: Option<String>,
    pub page: Option<u64>,
    pub per_page: Option<u64>,
}

fn invalid(field: &str, zh: String, en: String) -> AppError {
    AppError::invalid(field, Msg::new(zh, en))
}

fn non_negative(field: &str, m: &Money) -> AppResult<()> {
    if m.amount.is_sign_negative() {
        return Err(invalid(
            field,
            "金额不能为负数。".into(),
            "The amount cannot be negative.".into(),
        ));
    }
    Ok(())
}

fn positive(field: &str, d: Decimal, max: Decimal) -> AppResult<()> {
    if d <= Decimal::ZERO || d > max {
        return Err(invalid(
            field,
            format!("应大于 0 且不超过 {max}。"),
            format!("Must be more than 0 and at most {max}."),
        ));
    }
    Ok(())
}

fn check_packing(p: &Packing) -> AppResult<()> {
    if p.units_per_carton == Some(0) {
        return Err(invalid(
            "packing.units_per_carton",
            "每箱数量应大于 0。".into(),
            "Units per carton must be more than 0.".into(),
        ));
    }
    if let Some(dims) = p.carton_cm {
        for (i, d) in dims.iter().enumerate() {
            positive(&format!("packing.carton_cm[{i}]"), *d, Decimal::from(1000))?;
        }
    }
    for (field, w) in [
        ("packing.gross_kg", p.gross_kg),
        ("packing.net_kg", p.net_kg),
    ] {
        if let Some(w) = w {
            positive(field, w, Decimal::from(10_000))?;
        }
    }
    if let (Some(g), Some(n)) = (p.gross_kg, p.net_kg)
        && n > g
    {
        return Err(invalid(
            "packing.net_kg",
            "净重不能大于毛重。".into(),
            "The net weight cannot exceed the gross weight.".into(),
        ));
    }
    Ok(())
}

fn check_prices(prices: &[Money]) -> AppResult<()> {
    for (i, m) in prices.iter().enumerate() {
        non_negative(&format!("prices[{i}].amount"), m)?;
        if prices[..i].iter().any(|o| o.currency == m.currency) {
            return Err(invalid(
                &format!("prices[{i}].currency"),
                format!("{} 已有价格：每种币种一个价格。", m.currency),
                format!(
                    "There is already a price in {}: one price per currency.",
                    m.currency
                ),
            ));
        }
    }
    Ok(())
}

fn check_supplier_prices(list: &[SupplierPrice]) -> AppResult<Vec<SupplierPrice>> {
    list.iter()
        .enumerate()
        .map(|(i, s)| {
            non_negative(&format!("supplier_prices[{i}].price.amount"), &s.price)?;
            Ok(SupplierPrice {
                supplier: validate::text(
                    &format!("supplier_prices[{i}].supplier"),
                    &s.supplier,
                    200,
                )?,
                ..s.clone()
            })
        })
        .collect()
}

fn check_hs_code(raw: Option<&str>) -> AppResult<Option<String>> {
    let Some(raw) = raw.map(str::trim).filter(|s| !s.is_empty()) else {
        return Ok(None);
    };
    let digits: String = raw.chars().filter(|c| *c != '.' && *c != ' ').collect();
    if !(6..=10).contains(&digits.len()) || !digits.chars().all(|c| c.is_ascii_digit()) {
        return Err(invalid(
            "hs_code",
            format!("海关编码“{raw}”应为 6 到 10 位数字。"),
            format!("HS code “{raw}” must be 6 to 10 digits."),
        ));
    }
    Ok(Some(raw.to_string()))
}

/// A role that hides a class may not set a field of it.
pub(crate) fn refuse_hidden(p: &Principal, input: &ProductInput) -> AppResult<()> {
    let sets = [
        ("cost", FieldClass::Cost, input.cost.is_some()),
        (
            "supplier_prices",
            FieldClass::SupplierPrice,
            input.supplier_prices.is_some(),
        ),
    ];
    for (field, class, set) in sets {
        if set && p.hides(class) {
            return Err(AppError::forbidden().on_field(field).with_msg(Msg::new(
                format!("你的角色看不到“{}”，不能修改它。", class.name(Lang::Zh)),
                format!(
                    "Your role does not see “{}” and cannot change it.",
                    class.name(Lang::En)
                ),
            )));
        }
    }
    Ok(())
}

/// Applies the given fields of `input` to `p` (absent fields stay as they are): the product
/// form's checks, which the import runs too.
pub(crate) fn apply(product: &mut Product, input: &ProductInput) -> AppResult<()> {
    if let Some(sku) = &input.sku {
        let sku = validate::text("sku", sku, 40)?;
        if !sku
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./#".contains(c))
        {
            return Err(invalid(
                "sku",
                format!("货号“{sku}”只能含字母、数字和 - _ . / #。"),
                format!("SKU “{sku}” may hold only letters, digits and - _ . / #."),
            ));
        }
        product.sku = sku;
    }
    if let Some(n) = &input.name_zh {
        product.name_zh = validate::optional_text("name_zh", Some(n), 200)?;
    }
    if let Some(n) = &input.name_en {
        product.name_en = validate::optional_text("name_en", Some(n), 200)?;
    }
    if product.name_zh.is_none() && product.name_en.is_none() {
        return Err(invalid(
            "name_en",
            "请填写中文名或英文名。".into(),
            "Give the product a Chinese or an English name.".into(),
        ));
    }
    if let Some(s) = &input.specs {
        product.specs = validate::optional_text("specs", Some(s), 2000)?;
    }
    if input.hs_code.is_some() {
        product.hs_code = check_hs_code(input.hs_code.as_deref())?;
    }
    if let Some(u) = &input.unit {
        product.unit = validate::text("unit", u, 20)?;
    }
    if let Some(packing) = &input.packing {
        check_packing(packing)?;
        product.packing = packing.clone();
    }
    if let Some(prices) = &input.prices {
        check_prices(prices)?;
        product.prices = prices.clone();
    }
    match &input.cost {
        Some(Some(cost)) => {
            non_negative("cost.amount", cost)?;
            product.cost = Some(*cost);
        }
        Some(None) => product.cost = None,
        None => {}
    }
    if let Some(list) = &input.supplier_prices {
        product.supplier_prices = check_supplier_prices(list)?;
    }
    if let Some(active) = input.active {
        product.active = active;
    }
    Ok(())
}

/// A new product of `input` (its SKU and a name required), checked as the form checks it.
pub(crate) fn new_product(input: &ProductInput) -> AppResult<Product> {
    if input.sku.as_deref().is_none_or(|s| s.trim().is_empty()) {
        return Err(invalid(
            "sku",
            "请填写货号（SKU）。".into(),
            "Give the product its SKU.".into(),
        ));
    }
    let mut product = Product {
        sku: String::new(),
        name_zh: None,
        name_en: None,
        specs: None,
        hs_code: None,
        unit: "pcs".into(),
        packing: Packing::default(),
        prices: Vec::new(),
        cost: None,
        supplier_prices: Vec::new(),
        active: true,
    };
    apply(&mut product, input)?;
    Ok(product)
}

pub fn create(k: &Kontor, p: &Principal, input: ProductInput) -> AppResult<serde_json::Value> {
    p.require(Module::Products, Action::Create)?;
    refuse_hidden(p, &input)?;
    let product = new_product(&input)?;
    let principal = p.clone();
    k.store.write(move |tx| {
        let r = guard::insert(tx, &principal, product)?;
        shown(&principal, r)
    })
}

pub fn get(k: &Kontor, p: &Principal, id: u64) -> AppResult<serde_json::Value> {
    k.store.read(|tx| {
        let r = guard::open::<Product>(tx, p, id, Action::Read)?;
        shown(p, r)
    })
}

pub fn update(
    k: &Kontor,
    p: &Principal,
    id: u64,
    input: ProductInput,
) -> AppResult<serde_json::Value> {
    p.require(Module::Products, Action::Update)?;
    refuse_hidden(p, &input)?;
    let principal = p.clone();
    k.store.write(move |tx| {
        let r = guard::update::<Product>(
            tx,
            &principal,
            id,
            Action::Update,
            input.version,
            |product| apply(product, &input),
        )?;
        shown(&principal, r)
    })
}

pub fn delete(k: &Kontor, p: &Principal, id: u64, version: Option<u64>) -> AppResult<()> {
    let principal = p.clone();
    k.store
        .write(move |tx| guard::delete::<Product>(tx, &principal, id, Action::Delete, version))
}

pub fn list(k: &Kontor, p: &Principal, q: ProductQuery) -> AppResult<List<serde_json::Value>> {
    let filter = ProductFilter::new(&q)?;
    k.store.read(|tx: &Tx| {
        filter
            .query(tx, p, Paging::new(q.page, q.per_page))?
            .run(tx)?
            .try_map(|r| shown(p, r))
    })
}

/// The list's filters and order, checked: the list and the export select alike.
pub(crate) struct ProductFilter {
    needle: Option<String>,
    active: Option<bool>,
    by_sku: bool,
}

impl ProductFilter {
    pub(crate) fn new(q: &ProductQuery) -> AppResult<ProductFilter> {
        let by_sku = match q.sort.as_deref() {
            None | Some("created") => false,
            Some("sku") => true,
            Some(other) => {
                return Err(invalid(
                    "sort",
                    format!("未知的排序：{other}"),
                    format!("Unknown sort: {other}"),
                ));
            }
        };
        Ok(ProductFilter {
            needle: needle(q.q.as_deref()),
            active: q.active,
            by_sku,
        })
    }

    /// The products the caller reads that match, in the list's order.
    pub(crate) fn query<'a>(
        &'a self,
        tx: &'a Tx,
        p: &'a Principal,
        paging: Paging,
    ) -> AppResult<Query<'a, Product>> {
        let needle = self.needle.as_deref();
        let query = Query::<Product>::new(Source::All, paging)
            .filter_if(self.active.is_some(), |r| {
                self.active == Some(r.data.active)
            })
            .filter_if(needle.is_some(), move |r| {
                let d = &r.data;
                needle.is_none_or(|n| {
                    crate::search::text::fold(&format!(
                        "{} {} {} {}",
                        d.sku,
                        d.name_zh.as_deref().unwrap_or(""),
                        d.name_en.as_deref().unwrap_or(""),
                        d.specs.as_deref().unwrap_or("")
                    ))
                    .contains(n)
                })
            });
        let query = if self.by_sku {
            query.order_by(|a, b| sku_key(&a.data.sku).cmp(&sku_key(&b.data.sku)), true)
        } else {
            query
        };
        guard::readable(tx, p, query)
    }
}

/// `[l, w, h]` as three decimal strings.
mod decimals3 {
    use rust_decimal::Decimal;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<S: Serializer>(v: &Option<[Decimal; 3]>, s: S) -> Result<S::Ok, S::Error> {
        v.map(|d| d.map(|x| x.to_string())).serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<[Decimal; 3]>, D::Error> {
        let Some(parts) = Option::<[String; 3]>::deserialize(d)? else {
            return Ok(None);
        };
        let mut out = [Decimal::ZERO; 3];
        for (o, p) in out.iter_mut().zip(parts) {
            *o = p
                .trim()
                .parse()
                .map_err(|_| serde::de::Error::custom(format!("not a number: {p}")))?;
        }
        Ok(Some(out))
    }
}
