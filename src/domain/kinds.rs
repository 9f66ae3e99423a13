//! Which permission module each record kind belongs to, and its name for people. A new kind
//! adds one line here (and its `Entity` declaration); the recycle bin, audit log and search
//! follow.

use crate::auth::Module;
use crate::i18n::Lang;

pub struct KindInfo {
    pub kind: &'static str,
    pub module: Module,
    pub zh: &'static str,
    pub en: &'static str,
}

pub const KINDS: &[KindInfo] = &[
    KindInfo {
        kind: "company",
        module: Module::Settings,
        zh: "公司",
        en: "Company",
    },
    KindInfo {
        kind: "user",
        module: Module::Users,
        zh: "用户",
        en: "User",
    },
    KindInfo {
        kind: "team",
        module: Module::Users,
        zh: "团队",
        en: "Team",
    },
    KindInfo {
        kind: "role",
        module: Module::Users,
        zh: "角色",
        en: "Role",
    },
    KindInfo {
        kind: "customer",
        module: Module::Crm,
        zh: "客户",
        en: "Customer",
    },
    KindInfo {
        kind: "contact",
        module: Module::Crm,
        zh: "联系人",
        en: "Contact",
    },
    KindInfo {
        kind: "activity",
        module: Module::Crm,
        zh: "跟进记录",
        en: "Timeline entry",
    },
    KindInfo {
        kind: "lead",
        module: Module::Crm,
        zh: "线索",
        en: "Lead",
    },
    KindInfo {
        kind: "opportunity",
        module: Module::Crm,
        zh: "商机",
        en: "Opportunity",
    },
    KindInfo {
        kind: "task",
        module: Module::Crm,
        zh: "待办",
        en: "Task",
    },
    KindInfo {
        kind: "pool",
        module: Module::Settings,
        zh: "公海",
        en: "Public pool",
    },
    KindInfo {
        kind: "pool_event",
        module: Module::Crm,
        zh: "公海记录",
        en: "Pool event",
    },
    KindInfo {
        kind: "cadence_rule",
        module: Module::Settings,
        zh: "跟进规则",
        en: "Cadence rule",
    },
    KindInfo {
        kind: "handover",
        module: Module::Crm,
        zh: "交接",
        en: "Handover",
    },
    KindInfo {
        kind: "transfer_request",
        module: Module::Crm,
        zh: "转移申请",
        en: "Transfer request",
    },
    KindInfo {
        kind: "merge",
        module: Module::Crm,
        zh: "客户合并",
        en: "Customer merge",
    },
    KindInfo {
        kind: "import",
        module: Module::Crm,
        zh: "导入",
        en: "Import",
    },
    KindInfo {
        kind: "notification",
        module: Module::Automation,
        zh: "通知",
        en: "Notification",
    },
    // Attachments are checked against their parent record; the recycle bin treats them as CRM
    // records while customers and timeline entries are their only parents.
    KindInfo {
        kind: "attachment",
        module: Module::Crm,
        zh: "附件",
        en: "Attachment",
    },
];

pub fn info(kind: &str) -> Option<&'static KindInfo> {
    KINDS.iter().find(|k| k.kind == kind)
}

pub fn name(kind: &str, lang: Lang) -> String {
    info(kind)
        .map(|k| lang.pick(k.zh, k.en).to_string())
        .unwrap_or_else(|| kind.to_string())
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_declared_kind_has_a_module_and_names() {
        for ops in crate::domain::registry().all() {
            assert!(
                super::info(ops.kind()).is_some(),
                "kind {} is missing from KINDS",
                ops.kind()
            );
        }
    }

    #[test]
    fn every_kind_has_its_own_search_code() {
        let mut codes = std::collections::BTreeMap::new();
        for ops in crate::domain::registry().all() {
            let code = crate::search::kind_code(ops.kind());
            if let Some(other) = codes.insert(code, ops.kind()) {
                panic!("kinds {other} and {} share search code {code}", ops.kind());
            }
        }
    }
}
