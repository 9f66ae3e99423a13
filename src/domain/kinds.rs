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
];

pub fn info(kind: &str) -> Option<&'static KindInfo> {
    KINDS.iter().find(|k| k.kind == kind)
}

pub fn name(kind: &str, lang: Lang) -> String {
    info(kind)
        .map(|k| lang.pick(k.zh, k.en).to_string())
        .unwrap_or_else(|| kind.to_string())
}
