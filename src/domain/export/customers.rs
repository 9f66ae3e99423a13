//! The customer export: the customer list as filtered (scope, filters, search text, sort), its
//! columns taking their headers from the customer import's, custom fields last.

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, Utc};

use crate::auth::{Action, Module, Principal};
use crate::domain::Kontor;
use crate::domain::crm::customers::{CustomerFilter, CustomerQuery};
use crate::domain::crm::model::{Customer, CustomerStatus};
use crate::domain::import::OWNER;
use crate::domain::import::customers::columns as customer_columns;
use crate::domain::kit::names;
use crate::error::AppResult;
use crate::i18n::Lang;
use crate::store::{IndexKey, Record};

use super::{
    Column, ExportFile, ExportParams, export_file, fits, format_of, import, own, time_zone,
    unknown, visible_columns, write_table,
};

/// What a column reads from.
struct Row {
    r: Record<Customer>,
    /// The owner's name.
    owner: String,
    lang: Lang,
    tz: chrono_tz::Tz,
}

fn opt(v: &Option<String>) -> String {
    v.clone().unwrap_or_default()
}

fn time(row: &Row, t: Option<DateTime<Utc>>) -> String {
    t.map(|t| {
        t.with_timezone(&row.tz)
            .format("%Y-%m-%d %H:%M")
            .to_string()
    })
    .unwrap_or_default()
}

/// The customer columns: those the import also has take its headers (so the file imports back).
const COLUMNS: &[Column<Row>] = &[
    own("编号", "ID", |r| r.r.id.to_string()),
    import("name", |r| r.r.data.name.clone()),
    import("name_alt", |r| opt(&r.r.data.name_alt)),
    import("country", |r| opt(&r.r.data.country)),
    import("address", |r| opt(&r.r.data.address)),
    import("website", |r| opt(&r.r.data.website)),
    import("email", |r| opt(&r.r.data.email)),
    import("phone", |r| opt(&r.r.data.phone)),
    import("source", |r| opt(&r.r.data.source)),
    import("tier", |r| opt(&r.r.data.tier)),
    import("tags", |r| r.r.data.tags.join("; ")),
    import(OWNER, |r| r.owner.clone()),
    own("状态", "Status", |r| {
        match r.r.data.status {
            CustomerStatus::Prospect => r.lang.pick("潜在客户", "Prospect"),
            CustomerStatus::Customer => r.lang.pick("成交客户", "Customer"),
            CustomerStatus::Dormant => r.lang.pick("沉睡客户", "Dormant"),
        }
        .to_string()
    }),
    own("重点客户", "Key account", |r| {
        if r.r.data.key_account {
            r.lang.pick("是", "yes").to_string()
        } else {
            String::new()
        }
    }),
    import("purchase_preferences", |r| {
        opt(&r.r.data.purchase_preferences)
    }),
    import("payment_behaviour", |r| opt(&r.r.data.payment_behaviour)),
    own("年采购额", "Annual purchases", |r| {
        r.r.data
            .annual_purchases
            .map(|d| d.to_string())
            .unwrap_or_default()
    }),
    own("最近跟进", "Last follow-up", |r| {
        time(r, r.r.data.last_followup_at)
    }),
    own("创建时间", "Created", |r| {
        time(r, Some(r.r.meta.created_at))
    }),
    own("更新时间", "Updated", |r| {
        time(r, Some(r.r.meta.updated_at))
    }),
];

#[derive(Clone, PartialEq, Eq, PartialOrd, Ord)]
enum SortKey {
    Time(Option<DateTime<Utc>>),
    Text(String),
}

/// The customers a list query matches, in its order (same semantics as the list endpoint:
/// scope, filters, search text, sort), as ids.
fn matching_ids(
    tx: &crate::store::Tx,
    p: &Principal,
    q: &CustomerQuery,
    filter: &CustomerFilter,
) -> AppResult<(Vec<u64>, BTreeSet<String>)> {
    let sort = q.sort.as_deref().unwrap_or("updated");
    if !["updated", "created", "name", "last_followup"].contains(&sort) {
        return Err(unknown(
            "sort",
            format!("不能按 {sort} 排序。"),
            format!("Cannot sort by {sort}."),
        ));
    }
    let mut keyed: Vec<(SortKey, u64)> = Vec::new();
    let mut custom = BTreeSet::new();
    let mut visit = |r: Record<Customer>| {
        let c = &r.data;
        let hit = filter.matches(p, &r);
        if hit {
            let key = match sort {
                "created" => SortKey::Time(Some(r.meta.created_at)),
                "name" => SortKey::Text(c.name_key.clone()),
                "last_followup" => SortKey::Time(c.last_followup_at),
                _ => SortKey::Time(Some(r.meta.updated_at)),
            };
            keyed.push((key, r.id));
            for k in c.custom.keys() {
                if custom.len() < 50 || custom.contains(k) {
                    custom.insert(k.clone());
                }
            }
        }
    };
    // As the list does: a search text reads what the index found, own or team scope reads the
    // owner index, "all" scans newest first.
    match (filter.found(), p.owners_in(filter.wanted)) {
        (Some(found), _) => {
            for id in found {
                if let Some(r) = tx.get::<Customer>(*id)?
                    && !r.meta.is_deleted()
                {
                    visit(r);
                }
            }
        }
        (None, Some(owners)) => {
            for owner in owners {
                for id in
                    tx.ids_by_index::<Customer>("owner", &IndexKey::new().u64(owner), false)?
                {
                    visit(tx.get_live::<Customer>(id)?);
                }
            }
        }
        (None, None) => tx.for_each::<Customer>(true, &mut |r| {
            visit(r);
            Ok(true)
        })?,
    }
    keyed.sort_by(|a, b| a.0.cmp(&b.0));
    if q.order.as_deref() != Some("asc") {
        keyed.reverse();
    }
    Ok((keyed.into_iter().map(|k| k.1).collect(), custom))
}

/// Exports the customers a list query matches (paging ignored) as a file.
pub fn customers(
    k: &Kontor,
    p: &Principal,
    q: CustomerQuery,
    params: ExportParams,
) -> AppResult<ExportFile> {
    let export = p.require(Module::Crm, Action::Export)?;
    let read = p.require(Module::Crm, Action::Read)?;
    let scope = export.min(read);
    let (format, encoding) = format_of(&params)?;
    let tz = time_zone(p);
    let columns = visible_columns(p, COLUMNS, customer_columns::COLUMNS);
    let filter = CustomerFilter::new(k, p, &q, scope)?;
    export_file(k, p, "customers", format, encoding, |path| {
        k.store.read(|tx| {
            let (ids, custom) = matching_ids(tx, p, &q, &filter)?;
            fits(format, ids.len())?;
            let mut headers: Vec<String> = columns.iter().map(|(h, _)| h.clone()).collect();
            headers.extend(custom.iter().cloned());
            let mut owners: HashMap<u64, String> = HashMap::new();
            let mut rows = 0u64;
            let sheet = p.lang.pick("客户", "Customers");
            write_table(path, format, encoding, sheet, &mut |out| {
                out(&headers)?;
                let mut cells = Vec::with_capacity(headers.len());
                for id in &ids {
                    let Ok(r) = tx.get_live::<Customer>(*id) else {
                        continue;
                    };
                    if let Some(o) = r.data.owner_id
                        && !owners.contains_key(&o)
                    {
                        owners.extend(names(tx, [o])?);
                    }
                    let owner = r.data.owner_id.and_then(|o| owners.get(&o).cloned());
                    let row = Row {
                        r,
                        owner: owner.unwrap_or_default(),
                        lang: p.lang,
                        tz,
                    };
                    cells.clear();
                    cells.extend(columns.iter().map(|(_, c)| (c.get)(&row)));
                    cells.extend(
                        custom
                            .iter()
                            .map(|key| row.r.data.custom.get(key).cloned().unwrap_or_default()),
                    );
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

    #[test]
    fn shared_columns_take_the_import_columns_headers() {
        for c in COLUMNS {
            if let Head::Import(key) = c.head {
                let i = customer_columns::COLUMNS.iter().find(|i| i.key == key);
                assert!(i.is_some(), "{key} is an import column");
            }
        }
        let p = crate::domain::import::tests::admin();
        let heads: Vec<String> = visible_columns(&p, COLUMNS, customer_columns::COLUMNS)
            .into_iter()
            .map(|(h, _)| h)
            .collect();
        assert_eq!(heads[..3], ["ID", "Company", "Second name"]);
        assert!(heads.contains(&"Owner".to_string()));
        // What the import reads back: every shared header is recognised as its column.
        for c in COLUMNS {
            if let Head::Import(key) = c.head {
                let (zh, en, _) = c.head(customer_columns::COLUMNS);
                for h in [zh, en] {
                    let guessed =
                        crate::domain::import::mapping::guess(customer_columns::COLUMNS, h);
                    assert_eq!(guessed, Some(key), "{h}");
                }
            }
        }
    }
}
