//! Kontor's own words in CRM records (the default pool's name, the preset cadence rules and their
//! task titles): stored as a key and told in the viewer's language when read, never stored as
//! "中文 / English". What a person types is kept as typed.

use serde::{Deserialize, Serialize};

use crate::i18n::Lang;

/// A preset name or title. (Stored by position: add new ones at the end.)
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Preset {
    /// The default public pool.
    PublicPool,
    RuleNewCustomer,
    RuleSampleFeedback,
    RuleAfterDeal,
    RuleQuarterlyCall,
    RuleDormant,
    TaskIntroduction,
    TaskSampleFeedback,
    TaskSatisfaction,
    TaskQuarterlyCall,
    TaskReactivation,
    /// A pool warning task, short (the task list tells the customer and the date).
    TaskPoolWarning,
}

impl Preset {
    pub const ALL: [Preset; 12] = [
        Preset::PublicPool,
        Preset::RuleNewCustomer,
        Preset::RuleSampleFeedback,
        Preset::RuleAfterDeal,
        Preset::RuleQuarterlyCall,
        Preset::RuleDormant,
        Preset::TaskIntroduction,
        Preset::TaskSampleFeedback,
        Preset::TaskSatisfaction,
        Preset::TaskQuarterlyCall,
        Preset::TaskReactivation,
        Preset::TaskPoolWarning,
    ];
    pub const POOL_NAMES: &'static [Preset] = &[Preset::PublicPool];
    pub const RULE_NAMES: &'static [Preset] = &[
        Preset::RuleNewCustomer,
        Preset::RuleSampleFeedback,
        Preset::RuleAfterDeal,
        Preset::RuleQuarterlyCall,
        Preset::RuleDormant,
    ];
    pub const TASK_TITLES: &'static [Preset] = &[
        Preset::TaskIntroduction,
        Preset::TaskSampleFeedback,
        Preset::TaskSatisfaction,
        Preset::TaskQuarterlyCall,
        Preset::TaskReactivation,
    ];

    /// (Chinese, English)
    fn words(self) -> (&'static str, &'static str) {
        match self {
            Preset::PublicPool => ("公海", "Public pool"),
            Preset::RuleNewCustomer => (
                "新客户：3 天内发公司介绍",
                "New customer: send the company introduction within 3 days",
            ),
            Preset::RuleSampleFeedback => (
                "寄样后 7 天内询问反馈",
                "Ask for feedback within 7 days of sending samples",
            ),
            Preset::RuleAfterDeal => (
                "成交一个月后满意度回访",
                "Satisfaction call a month after a deal",
            ),
            Preset::RuleQuarterlyCall => (
                "年采购额超 100 万：每季度电话回访",
                "Buys over 1 million a year: a call every quarter",
            ),
            Preset::RuleDormant => (
                "沉睡一年：制定激活计划",
                "Dormant for a year: plan a reactivation",
            ),
            Preset::TaskIntroduction => ("发送公司介绍", "Send the company introduction"),
            Preset::TaskSampleFeedback => ("询问样品反馈", "Ask for sample feedback"),
            Preset::TaskSatisfaction => ("满意度回访", "Satisfaction call"),
            Preset::TaskQuarterlyCall => ("季度电话回访", "Quarterly call"),
            Preset::TaskReactivation => ("制定激活计划", "Plan a reactivation"),
            Preset::TaskPoolWarning => ("即将退回公海", "Returns to the pool soon"),
        }
    }

    pub fn text(self, lang: Lang) -> &'static str {
        let (zh, en) = self.words();
        lang.pick(zh, en)
    }

    /// The preset among `among` whose words `text` is, in either language or as both joined by
    /// " / " (as versions before 0.2 stored them; the English part then was in lower case).
    pub fn from_text(text: &str, among: &[Preset]) -> Option<Preset> {
        let text = text.trim();
        among.iter().copied().find(|p| {
            let (zh, en) = p.words();
            text == zh
                || text.eq_ignore_ascii_case(en)
                || text.split_once(" / ").is_some_and(|(a, _)| a.trim() == zh)
        })
    }
}

/// A name or title: a preset's words, or what a person typed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Text {
    Preset(Preset),
    Typed(String),
}

impl Text {
    /// In the viewer's language (typed text as typed).
    pub fn render(&self, lang: Lang) -> String {
        match self {
            Text::Preset(p) => p.text(lang).to_string(),
            Text::Typed(s) => s.clone(),
        }
    }

    /// What a person saved: a preset when it is one of `among`'s words in either language (a
    /// preset saved unchanged from either language's screen stays a preset), else as typed.
    pub fn from_input(text: String, among: &[Preset]) -> Text {
        match Preset::from_text(&text, among) {
            Some(p) => Text::Preset(p),
            None => Text::Typed(text),
        }
    }

    /// The preset, if it is one.
    pub fn preset(&self) -> Option<Preset> {
        match self {
            Text::Preset(p) => Some(*p),
            Text::Typed(_) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presets_are_told_in_the_viewers_language() {
        let t = Text::from_input("公海 / Public pool".into(), Preset::POOL_NAMES);
        assert_eq!(t, Text::Preset(Preset::PublicPool));
        assert_eq!(t.render(Lang::En), "Public pool");
        assert_eq!(t.render(Lang::Zh), "公海");
        assert_eq!(
            Text::from_input("Public pool".into(), Preset::POOL_NAMES),
            Text::Preset(Preset::PublicPool)
        );
        assert_eq!(
            Preset::from_text("季度电话回访 / quarterly call", Preset::TASK_TITLES),
            Some(Preset::TaskQuarterlyCall)
        );
        // Only among the presets of that place; anything else stays as typed.
        assert_eq!(Preset::from_text("公海", Preset::TASK_TITLES), None);
        assert_eq!(
            Text::from_input("华东公海".into(), Preset::POOL_NAMES),
            Text::Typed("华东公海".into())
        );
        for p in Preset::ALL {
            assert!(p.text(Lang::En).is_ascii(), "{p:?}");
        }
    }
}
