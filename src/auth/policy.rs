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
        Lock = "lock", "锁定/重点客户", "Lock / key account";
        DeleteCustomer = "delete_customer", "删除客户", "Delete customers";
    }
}

impl Action {
    /// The modules an action means something in (`None`: every module). Locking a customer
    /// (`locked`, `key_account`: exempt from the pool's return rules) and deleting customers
    /// are CRM rights of their own, apart from editing and from deleting other CRM records
    /// (leads), so a rep who edits their customers neither shields them from the pool nor
    /// deletes the firm's customer book.
    pub fn modules(self) -> Option<&'static [Module]> {
        match self {
            Action::Lock | Action::DeleteCustomer => Some(&[Module::Crm]),
            _ => None,
        }
    }

    pub fn applies_to(self, module: Module) -> bool {
        self.modules().is_none_or(|m| m.contains(&module))
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
    /// (module, actions as letters r c u d x(export) i(import) a(assign) p(approve) L(lock)
    /// D(delete customers), scope). A letter for an action that does not apply to a module is
    /// skipped there (`*` with `L` grants lock on CRM only).
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
        grants: &[("*", "rcudxiapLD", All)],
        hidden: &[],
    },
    Preset {
        key: "manager",
        zh: "经理/老板",
        en: "Manager",
        grants: &[
            ("*business", "rcudxiapLD", All),
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
        'L' => Action::Lock,
        'D' => Action::DeleteCustomer,
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
                let applies = |a: &Action| Module::parse(m).is_some_and(|m| a.applies_to(m));
                for action in letters.chars().filter_map(action_of_letter).filter(applies) {
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

/// The actions added after roles were first stored (role schema 2), and what a stored role gets
/// of them when it is upgraded: a preset role gets them as its preset grants them (its other
/// grants stay as the firm set them); a custom role gets none, so nobody gains a right an admin
/// did not give: before, a custom role's CRM `delete` and `update` also deleted and locked
/// customers, and such roles were mostly copies of the sales preset. An admin grants the new
/// actions on the roles screen.
pub const ADDED_IN_ROLE_SCHEMA_2: &[Action] = &[Action::Lock, Action::DeleteCustomer];

/// Grants `added` actions to a stored role as [`ADDED_IN_ROLE_SCHEMA_2`] describes.
pub fn grant_added_actions(preset: Option<&str>, grants: &mut Grants, added: &[Action]) {
    let Some(preset) = preset.and_then(Preset::find) else {
        return;
    };
    for (module, actions) in preset.grants() {
        for (action, scope) in actions {
            if Action::parse(&action).is_some_and(|a| added.contains(&a)) {
                grants
                    .entry(module.clone())
                    .or_default()
                    .insert(action, scope);
            }
        }
    }
}

/// The merged permissions of a user: the widest scope any role grants, and the field classes
/// hidden by every role (a class is visible if any role shows it).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Effective {
    #[schema(value_type = BTreeMap<String, BTreeMap<String, Scope>>)]
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
    fn lock_and_customer_delete_are_for_managers_and_admins_only() {
        for p in PRESETS {
            let g = p.grants();
            let has = |a: Action| g.get("crm").is_some_and(|m| m.contains_key(a.key()));
            let expected = matches!(p.key, "admin" | "manager");
            assert_eq!(has(Action::Lock), expected, "{} lock", p.key);
            assert_eq!(has(Action::DeleteCustomer), expected, "{} delete", p.key);
            // Actions are granted only where they apply.
            for (module, actions) in &g {
                let m = Module::parse(module).unwrap();
                for a in actions.keys() {
                    assert!(
                        Action::parse(a).unwrap().applies_to(m),
                        "{} {module}.{a}",
                        p.key
                    );
                }
            }
        }
    }

    #[test]
    fn stored_roles_get_added_actions_from_their_preset_only() {
        let mut manager = Preset::find("manager").unwrap().grants();
        manager.get_mut("crm").unwrap().remove("lock");
        manager.get_mut("crm").unwrap().remove("delete_customer");
        manager.get_mut("sales").unwrap().remove("export");
        grant_added_actions(Some("manager"), &mut manager, ADDED_IN_ROLE_SCHEMA_2);
        assert_eq!(manager["crm"]["lock"], Scope::All);
        assert_eq!(manager["crm"]["delete_customer"], Scope::All);
        // What the firm changed in a preset stays changed.
        assert!(!manager["sales"].contains_key("export"));

        let mut sales = Preset::find("sales").unwrap().grants();
        let before = sales.clone();
        grant_added_actions(Some("sales"), &mut sales, ADDED_IN_ROLE_SCHEMA_2);
        assert_eq!(sales, before);

        let mut custom = Preset::find("admin").unwrap().grants();
        custom.get_mut("crm").unwrap().remove("lock");
        custom.get_mut("crm").unwrap().remove("delete_customer");
        let before = custom.clone();
        grant_added_actions(None, &mut custom, ADDED_IN_ROLE_SCHEMA_2);
        assert_eq!(custom, before);
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
