//! What a rule says about one piece of equipment at one moment: normal, active (with what
//! the procedure says), or unknown because an input cannot be trusted. The alarm lifecycle
//! (`crate::alarm`) consumes these; it never looks at points itself.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::config::Language;

/// Alarm priority, from the procedures' severity column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Major,
    Critical,
    /// Time-based escalation of an open incident (PWR-05, WAT-05).
    Escalation,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Major => "major",
            Severity::Critical => "critical",
            Severity::Escalation => "escalation",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Text in both site languages; sites in China read zh-CN, visitors and vendors English.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Text {
    pub zh: String,
    pub en: String,
}

impl Text {
    pub fn new(zh: impl Into<String>, en: impl Into<String>) -> Text {
        Text {
            zh: zh.into(),
            en: en.into(),
        }
    }

    pub fn get(&self, lang: Language) -> &str {
        match lang {
            Language::ZhCn => &self.zh,
            Language::En => &self.en,
        }
    }
}

/// What the procedure says about an active condition.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    pub severity: Severity,
    /// One line: what is wrong.
    pub message: Text,
    /// Why, in the procedure's order (PWR-02: selector, ATS selector, fuse, or "cause unknown").
    pub diagnosis: Option<Text>,
    /// What must be done, from the procedure.
    pub action: Text,
}

/// A rule's verdict.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "state", rename_all = "lowercase")]
pub enum Condition {
    Normal,
    Active(Finding),
    /// An input is not `good`: the rule cannot tell. Never shown as normal.
    Unknown {
        reason: Text,
    },
}

/// One rule evaluated for one piece of equipment.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RuleOutcome {
    /// The procedure id (`PWR-02`) or a configured rule's id.
    pub rule: String,
    pub equipment: String,
    pub condition: Condition,
}
