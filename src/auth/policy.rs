//! The permission policy, written down in one place: modules × actions × data scope, plus the
//! hidden-field classes, and the preset roles. Admins see the merged result per user as the
//! effective-permissions view.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::i18n::Lang;

/// How much of a module's data an action reaches.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
    Default,
)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    #[default]
    None,
    /// Records the user owns.
    Own,
    /// Records owned by anyone in the user's teams.
    Team,
    All,
}

impl Scope {
    pub const ALL: [Scope; 4] = [Scope::None, Scope::Own, Scope::Team, Scope::All];
    pub fn key(self) -> &'static str {
        match self {
            Scope::None => "none",
            Scope::Own => "own",
            Scope::Team => "team",
            Scope::All => "all",
        }
    }
    pub fn name(self, lang: Lang) -> &'static str {
        match self {
            Scope::None => lang.pick("无", "None"),
            Scope::Own => lang.pick("本人", "Own"),
            Scope::Team => lang.pick("本团队", "Team"),
            Scope::All => lang.pick("全部", "All"),
        }
    }
}

macro_rules! keyed_enum {
    ($(#[$m:meta])* $name:ident { $($variant:ident = $key:literal, $zh:literal, $en:literal;)* }) => {
        $(#[$m])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum $name { $($variant),* }
        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),*];
            pub fn key(self) -> &'static str { match self { $($name::$variant => $key),* } }
            pub fn name(self, lang: Lang) -> &'static str {
                match self { $($name::$variant => lang.pick($zh, $en)),* }
            }
            pub fn parse(key: &str) -> Option<$name> {
                match key { $($key => Some($name::$variant),)* _ => None }
            }
        }
    };
}

keyed_enum! {
    /// The areas of the product that permissions are granted on.
    Module {
        Crm = "crm", "客户管理", "CRM";
        Sales = "sales", "销售单据", "Sales";
        Products = "products", "产品", "Products";
        Finance = "finance", "财务", "Finance";
        Inventory = "inventory", "库存", "Inventory";
        Purchasing = "purchasing", "采购", "Purchasing";
        Logistics = "logistics", "物流", "Logistics";
        Projects = "projects", "项目与工单", "Projects & work orders";
        Automation = "automation", "自动化", "Automation";
        Insight = "insight", "报表看板", "Dashboards";
        Users = "users", "用户与团队", "Users & teams";
        Settings = "settings", "系统设置", "Settings";
        Audit = "audit", "审计日志", "Audit log";
    }
}

keyed_enum! {
    /// What a user does to a module's records.
    Action {
        Read = "read", "查看", "Read";
        Create = "create", "新建", "Create";
        Update = "update", "编辑", "Edit";
        Delete = "delete", "删除", "Delete";
        Export = "export", "导出", "Export";
        Import = "import", "导入", "Import";
        Assign = "assign", "分配/转移", "Assign";
        Approve = "approve", "审批", "Approve";
    }
}

keyed_enum! {
    /// Sensitive field classes hidden from roles that must not see them.
    FieldClass {
        Cost = "cost", "成本", "Cost";
        Profit = "profit", "利润", "Profit";
        SupplierPrice = "supplier_price", "供应商价格", "Supplier price";
    }
}

/// Grants of a role: module key → action key → scope (strings, so stored roles survive new
/// modules and actions).
pub type Grants = BTreeMap<String, BTreeMap<String, Scope>>;

/// A preset role: its key, names, grants and hidden field classes.
pub struct Preset {
    pub key: &'static str,
    pub zh: &'static str,
    pub en: &'static str,
    /// (module, actions as letters r c u d x(export) i(import) a(assign) p(approve), scope)
    pub grants: &'static [(&'static str, &'static str, Scope)],
    pub hidden: &'static [FieldClass],
}

use FieldClass::{Cost, Profit, SupplierPrice};
use Scope::{All, Own, Team};

const BUSINESS: [&str; 10] = [
    "crm",
    "sales",
    "products",
    "finance",
    "inventory",
    "purchasing",
    "logistics",
    "projects",
    "automation",
    "insight",
];

/// The preset roles. This table is the policy: change it here and every endpoint follows.
pub const PRESETS: &[Preset] = &[
    Preset {
        key: "admin",
        zh: "管理员",
        en: "Administrator",
        grants: &[("*", "rcudxiap", All)],
        hidden: &[],
    },
    Preset {
        key: "manager",
        zh: "经理/老板",
        en: "Manager",
        grants: &[
            ("*business", "rcudxiap", All),
            ("users", "r", All),
            ("audit", "r", All),
            ("settings", "r", All),
        ],
        hidden: &[],
    },
    Preset {
        key: "sales",
        zh: "业务员",
        en: "Sales rep",
        grants: &[
            ("crm", "rcud", Own),
            ("sales", "rcud", Own),
            ("products", "r", All),
            ("finance", "r", Own),
            ("inventory", "r", All),
            ("logistics", "r", Own),
            ("projects", "rcu", Team),
            ("insight", "r", Own),
            ("users", "r", All),
            ("audit", "r", Own),
        ],
        hidden: &[Cost, SupplierPrice],
    },
    Preset {
        key: "merchandiser",
        zh: "跟单员",
        en: "Merchandiser",
        grants: &[
            ("crm", "r", Team),
            ("sales", "rcu", Team),
            ("products", "r", All),
            ("inventory", "r", All),
            ("purchasing", "rc", All),
            ("logistics", "rcu", All),
            ("projects", "rcud", Team),
            ("insight", "r", Team),
            ("users", "r", All),
            ("audit", "r", Own),
        ],
        hidden: &[Profit],
    },
    Preset {
        key: "buyer",
        zh: "采购员",
        en: "Buyer",
        grants: &[
            ("products", "rcu", All),
            ("purchasing", "rcudx", All),
            ("inventory", "r", All),
            ("sales", "r", All),
            ("projects", "rcu", Team),
            ("users", "r", All),
            ("audit", "r", Own),
        ],
        hidden: &[Profit],
    },
    Preset {
        key: "warehouse",
        zh: "仓管",
        en: "Warehouse",
        grants: &[
            ("inventory", "rcudx", All),
            ("products", "r", All),
            ("purchasing", "r", All),
            ("logistics", "r", All),
            ("projects", "rcu", Team),
            ("users", "r", All),
            ("audit", "r", Own),
        ],
        hidden: &[Cost, Profit, SupplierPrice],
    },
    Preset {
        key: "logistics",
        zh: "物流专员",
        en: "Logistics",
        grants: &[
            ("logistics", "rcudx", All),
            ("sales", "r", All),
            ("inventory", "r", All),
            ("products", "r", All),
            ("projects", "rcu", Team),
            ("users", "r", All),
            ("audit", "r", Own),
        ],
        hidden: &[Cost, Profit, SupplierPrice],
    },
    Preset {
        key: "finance",
        zh: "财务",
        en: "Finance",
        grants: &[
            ("finance", "rcudxip", All),
            ("sales", "rx", All),
            ("crm", "r", All),
            ("purchasing", "rx", All),
            ("products", "r", All),
            ("logistics", "r", All),
            ("insight", "r", All),
            ("users", "r", All),
            ("audit", "r", All),
        ],
        hidden: &[],
    },
    Preset {
        key: "observer",
        zh: "观察者（只读）",
        en: "Observer (read-only)",
        grants: &[
            ("*business", "r", All),
            ("users", "r", All),
            ("audit", "r", All),
        ],
        hidden: &[],
    },
    Preset {
        key: "supplier",
        zh: "供应商（外部）",
        en: "Supplier (external)",
        grants: &[("purchasing", "r", Own), ("logistics", "r", Own)],
        hidden: &[Cost, Profit],
    },
];

fn action_of_letter(c: char) -> Option<Action> {
    Some(match c {
        'r' => Action::Read,
        'c' => Action::Create,
        'u' => Action::Update,
        'd' => Action::Delete,
        'x' => Action::Export,
        'i' => Action::Import,
        'a' => Action::Assign,
        'p' => Action::Approve,
        _ => return None,
    })
}

impl Preset {
    pub fn find(key: &str) -> Option<&'static Preset> {
        PRESETS.iter().find(|p| p.key == key)
    }
    pub fn name(&self, lang: Lang) -> &'static str {
        lang.pick(self.zh, self.en)
    }
    /// The preset's grants, expanded into the stored form.
    pub fn grants(&self) -> Grants {
        let mut grants = Grants::new();
        for (module, letters, scope) in self.grants {
            let modules: Vec<&str> = match *module {
                "*" => Module::ALL.iter().map(|m| m.key()).collect(),
                "*business" => BUSINESS.to_vec(),
                m => vec![m],
            };
            for m in modules {
                for action in letters.chars().filter_map(action_of_letter) {
                    grants
                        .entry(m.to_string())
                        .or_default()
                        .insert(action.key().to_string(), *scope);
                }
            }
        }
        grants
    }
    pub fn hidden(&self) -> Vec<String> {
        self.hidden.iter().map(|f| f.key().to_string()).collect()
    }
}

/// The merged permissions of a user: the widest scope any role grants, and the field classes
/// hidden by every role (a class is visible if any role shows it).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Effective {
    #[schema(value_type = Object)]
    pub grants: Grants,
    pub hidden_fields: Vec<String>,
}

impl Effective {
    pub fn merge<'a>(roles: impl IntoIterator<Item = (&'a Grants, &'a [String])>) -> Effective {
        let mut grants = Grants::new();
        let mut hidden: Option<BTreeSet<String>> = None;
        for (role_grants, role_hidden) in roles {
            for (module, actions) in role_grants {
                for (action, scope) in actions {
                    let slot = grants
                        .entry(module.clone())
                        .or_default()
                        .entry(action.clone())
                        .or_default();
                    *slot = (*slot).max(*scope);
                }
            }
            let set: BTreeSet<String> = role_hidden.iter().cloned().collect();
            hidden = Some(match hidden {
                None => set,
                Some(h) => h.intersection(&set).cloned().collect(),
            });
        }
        let all_classes = || {
            FieldClass::ALL
                .iter()
                .map(|f| f.key().to_string())
                .collect()
        };
        // A user without any role sees nothing, hidden fields included.
        let hidden_fields = hidden.unwrap_or_else(all_classes).into_iter().collect();
        Effective {
            grants,
            hidden_fields,
        }
    }

    pub fn scope(&self, module: Module, action: Action) -> Scope {
        self.grants
            .get(module.key())
            .and_then(|a| a.get(action.key()))
            .copied()
            .unwrap_or(Scope::None)
    }

    pub fn hides(&self, class: &str) -> bool {
        self.hidden_fields.iter().any(|h| h == class)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presets_expand_and_merge() {
        let sales = Preset::find("sales").unwrap();
        let g = sales.grants();
        assert_eq!(g["crm"]["read"], Scope::Own);
        assert!(!g["crm"].contains_key("export"));
        let observer = Preset::find("observer").unwrap().grants();
        assert!(observer.values().all(|a| a.keys().all(|k| k == "read")));
        let (sh, oh) = (sales.hidden(), Vec::<String>::new());
        let merged = Effective::merge([(&g, sh.as_slice()), (&observer, oh.as_slice())]);
        assert_eq!(merged.scope(Module::Crm, Action::Read), Scope::All);
        assert_eq!(merged.scope(Module::Crm, Action::Update), Scope::Own);
        assert!(merged.hidden_fields.is_empty());
        let alone = Effective::merge([(&g, sh.as_slice())]);
        assert!(alone.hides("cost") && !alone.hides("profit"));
        assert!(Effective::merge([]).hides("profit"));
    }

    #[test]
    fn every_preset_grant_names_a_known_module() {
        for p in PRESETS {
            for module in p.grants().keys() {
                assert!(
                    Module::parse(module).is_some(),
                    "{} grants unknown {module}",
                    p.key
                );
            }
        }
    }
}
