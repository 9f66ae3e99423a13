//! The preset templates of seed 000 (三、优化项目流程与模板设计), in both languages: a new store
//! launch (research → product selection → suppliers → store build), a big promotion (Prime
//! Day: stock-up, ads, customer-service plan; counted back from the event), and a crisis
//! (logistics delay, platform policy change).

use rust_decimal::Decimal;

use super::model::{LinkKind, Priority};
use super::templates::{ProjectTemplate, TemplateAnchor, TemplateDep, TemplateItem};

/// (key, phase key, 中文, English, offset days, duration days, estimate hours, predecessors as
/// (key, lag days), finish-to-start).
type Row = (
    &'static str,
    Option<&'static str>,
    &'static str,
    &'static str,
    i32,
    i32,
    u32,
    &'static [(&'static str, i32)],
);

#[rustfmt::skip]
const STORE_LAUNCH: &[Row] = &[
    ("research", None, "市场调研", "Market research", 0, 10, 0, &[]),
    ("market", Some("research"), "市场规模与竞品分析", "Market size and competitors", 0, 5, 16, &[]),
    ("fees", Some("research"), "平台费用与规则", "Platform fees and rules", 3, 4, 8, &[]),
    ("pricing", Some("research"), "目标客户与定价", "Target customers and pricing", 5, 5, 12, &[("market", 0)]),
    ("selection", None, "选品", "Product selection", 10, 10, 0, &[("research", 0)]),
    ("shortlist", Some("selection"), "候选产品清单", "Product shortlist", 10, 4, 12, &[]),
    ("samples", Some("selection"), "样品与成本核算", "Samples and costing", 14, 6, 16, &[("shortlist", 0)]),
    ("suppliers", None, "供应商对接", "Suppliers", 20, 14, 0, &[("selection", 0)]),
    ("rfq", Some("suppliers"), "询价比价", "Requests for quotation", 20, 5, 10, &[]),
    ("audit", Some("suppliers"), "验厂与资质审核", "Factory audit and certificates", 25, 5, 16, &[("rfq", 0)]),
    ("first_order", Some("suppliers"), "首单下单", "First purchase order", 30, 4, 6, &[("audit", 0)]),
    ("store", None, "店铺搭建", "Store build", 30, 15, 0, &[("selection", 0)]),
    ("register", Some("store"), "注册店铺与认证", "Store registration and verification", 30, 5, 8, &[]),
    ("listings", Some("store"), "商品上架（图片、文案）", "Listings (photos, copy)", 35, 7, 24, &[("samples", 0)]),
    ("launch", Some("store"), "店铺上线", "Store goes live", 44, 1, 4, &[("listings", 2), ("first_order", 0)]),
];

/// Counted back from the event day (0).
#[rustfmt::skip]
const PRIME_DAY: &[Row] = &[
    ("stock", None, "备货", "Stock-up", -60, 45, 0, &[]),
    ("forecast", Some("stock"), "销量预测", "Sales forecast", -60, 5, 8, &[]),
    ("po", Some("stock"), "采购下单", "Purchase orders", -55, 10, 8, &[("forecast", 0)]),
    ("inbound", Some("stock"), "头程发货至 FBA 仓", "Inbound shipment to FBA", -45, 25, 6, &[("po", 0)]),
    ("checkin", Some("stock"), "入仓确认", "Warehouse check-in", -20, 5, 2, &[("inbound", 0)]),
    ("ads", None, "广告投放", "Advertising", -30, 33, 0, &[]),
    ("deals", Some("ads"), "提报秒杀与 Prime 专享折扣", "Submit lightning deals and Prime discounts", -30, 3, 4, &[]),
    ("creatives", Some("ads"), "广告素材与关键词", "Ad creatives and keywords", -25, 7, 16, &[]),
    ("warmup", Some("ads"), "站内广告预热", "Ad warm-up", -14, 14, 10, &[("creatives", 4)]),
    ("bidding", Some("ads"), "大促当天调价竞价", "Event-day bids and prices", 0, 3, 12, &[("warmup", 0), ("checkin", 0)]),
    ("service", None, "客服预案", "Customer-service plan", -14, 21, 0, &[]),
    ("faq", Some("service"), "常见问题与回复模板", "FAQ and reply templates", -14, 5, 8, &[]),
    ("shifts", Some("service"), "排班与值守", "Staffing and shifts", -7, 5, 4, &[("faq", 0)]),
    ("aftersales", Some("service"), "售后与评价跟进", "After-sales and reviews", 0, 7, 16, &[("shifts", 2)]),
];

#[rustfmt::skip]
const CRISIS: &[Row] = &[
    ("delay", None, "物流延误", "Logistics delay", 0, 8, 0, &[]),
    ("impact", Some("delay"), "评估受影响订单", "Assess the orders affected", 0, 1, 3, &[]),
    ("notify", Some("delay"), "通知客户并安抚", "Tell and reassure customers", 1, 2, 4, &[("impact", 0)]),
    ("reroute", Some("delay"), "改派或补发方案", "Reroute or reship", 1, 4, 6, &[("impact", 0)]),
    ("claim", Some("delay"), "向承运商索赔", "Claim against the carrier", 3, 5, 4, &[("impact", 1)]),
    ("policy", None, "平台政策变更", "Platform policy change", 0, 10, 0, &[]),
    ("read", Some("policy"), "解读新政策", "Read the new policy", 0, 2, 3, &[]),
    ("check", Some("policy"), "排查受影响商品", "Find the listings affected", 2, 3, 8, &[("read", 0)]),
    ("fix", Some("policy"), "整改与申诉", "Fix and appeal", 5, 5, 12, &[("check", 0)]),
    ("retro", None, "复盘", "Retrospective", 10, 2, 4, &[("delay", 0), ("policy", 0)]),
];

fn items(rows: &[Row]) -> Vec<TemplateItem> {
    rows.iter()
        .map(
            |&(key, parent, zh, en, offset, days, hours, deps)| TemplateItem {
                key: key.into(),
                parent: parent.map(Into::into),
                title_zh: zh.into(),
                title_en: en.into(),
                offset_days: offset,
                duration_days: days,
                estimate_hours: (hours > 0).then(|| Decimal::from(hours)),
                priority: Priority::Normal,
                tags: Vec::new(),
                depends_on: deps
                    .iter()
                    .map(|&(k, lag)| TemplateDep {
                        key: k.into(),
                        kind: LinkKind::FinishToStart,
                        lag_days: lag,
                    })
                    .collect(),
            },
        )
        .collect()
}

pub fn all() -> Vec<ProjectTemplate> {
    let t =
        |preset: &str, zh: &str, en: &str, dzh: &str, den: &str, anchor, rows| ProjectTemplate {
            preset: Some(preset.into()),
            name_zh: zh.into(),
            name_en: en.into(),
            description_zh: Some(dzh.into()),
            description_en: Some(den.into()),
            anchor,
            move_dependents: true,
            children_within_parent: true,
            items: items(rows),
            source_project_id: None,
        };
    vec![
        t(
            "store_launch",
            "新店上线",
            "New store launch",
            "从市场调研、选品、供应商对接到店铺搭建，分阶段推进。",
            "From market research and product selection to suppliers and the store build, phase by phase.",
            TemplateAnchor::Start,
            STORE_LAUNCH,
        ),
        t(
            "prime_day",
            "大促活动（Prime Day）",
            "Big promotion (Prime Day)",
            "从活动日倒排：备货、广告投放、客服预案。",
            "Counted back from the event day: stock-up, advertising, customer-service plan.",
            TemplateAnchor::Event,
            PRIME_DAY,
        ),
        t(
            "crisis",
            "危机处理",
            "Crisis response",
            "物流延误与平台政策变更的应急任务。",
            "Emergency tasks for a logistics delay and a platform policy change.",
            TemplateAnchor::Start,
            CRISIS,
        ),
    ]
}

#[cfg(test)]
mod tests {
    #[test]
    fn presets_are_valid_and_keep_their_own_rules() {
        use super::super::templates::check;
        for t in super::all() {
            check(&t).unwrap_or_else(|e| panic!("{}: {e}", t.name_en));
            // Each task within its phase, and after its predecessors.
            let find = |k: &str| t.items.iter().find(|i| i.key == k).unwrap();
            for i in &t.items {
                let last = |x: &super::TemplateItem| x.offset_days + x.duration_days - 1;
                if let Some(p) = &i.parent {
                    let p = find(p);
                    assert!(
                        i.offset_days >= p.offset_days && last(i) <= last(p),
                        "{} in {}",
                        i.key,
                        p.key
                    );
                }
                for d in &i.depends_on {
                    let before = find(&d.key);
                    assert!(
                        i.offset_days > last(before) + d.lag_days,
                        "{} after {}",
                        i.key,
                        before.key
                    );
                }
            }
        }
    }
}
