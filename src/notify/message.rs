//! The words of a page, in zh-CN and English: what is wrong, why (the rule's diagnosis), what
//! to do (the procedure's action), by when (the SLA), and where the ticket is.
//!
//! Chinese first: the people woken at 3 a.m. read it first. The English follows in the same
//! message unless the site chose one language.

use std::fmt::Write as _;
use std::time::SystemTime;

use crate::rules::outcome::{Finding, Severity, Text};

use super::MessageLanguage;

/// Why this message is sent.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    /// The ticket was opened: the first page.
    Opened,
    /// Nobody acknowledged: page round `n` (2 = the first repeat).
    Repeat(u32),
    /// A response-time commitment was missed; `nth` = 2 when missed twice over.
    SlaBreached { sla: String, nth: u32 },
    /// The incident escalated by rule (PWR-05, WAT-05).
    Escalated { rule: String },
}

impl Step {
    /// Short, stable, for idempotency keys and the outbox's `step` column.
    pub fn tag(&self) -> String {
        match self {
            Step::Opened => "opened".into(),
            Step::Repeat(n) => format!("repeat-{n}"),
            // One escalation level per on-site deadline missed, whichever SLA it was measured
            // by: a priority raised mid-incident must not page the supervisor twice.
            Step::SlaBreached { sla, nth } if sla == "SLA-04" => format!("follow-up-late-{nth}"),
            Step::SlaBreached { nth, .. } => format!("on-site-late-{nth}"),
            Step::Escalated { rule } => format!("escalated-{rule}"),
        }
    }
}

/// What the page is about.
#[derive(Debug, Clone)]
pub struct About<'a> {
    pub ticket: i64,
    pub rule: &'a str,
    pub equipment: &'a str,
    pub severity: Severity,
    /// The ticket's title.
    pub title: &'a Text,
    /// The alarm's current finding, when it is still active.
    pub finding: Option<&'a Finding>,
    pub on_site_due: SystemTime,
    pub sla: &'a str,
    pub site: &'a str,
    /// Link to the ticket in the console, if a console URL is configured.
    pub link: Option<&'a str>,
}

/// Subject, plain text and markdown of one page.
#[derive(Debug, Clone, PartialEq)]
pub struct Words {
    pub subject: String,
    pub text: String,
    pub markdown: String,
}

fn severity_text(s: Severity) -> (&'static str, &'static str) {
    match s {
        Severity::Critical => ("严重", "CRITICAL"),
        Severity::Major => ("重要", "MAJOR"),
        Severity::Warning => ("警告", "WARNING"),
        Severity::Info => ("提示", "INFO"),
        Severity::Escalation => ("升级", "ESCALATION"),
    }
}

fn step_text(step: &Step) -> Option<(String, String)> {
    match step {
        Step::Opened => None,
        Step::Repeat(n) => Some((
            format!("第 {} 次提醒：尚无人确认，请立即响应。", n - 1),
            format!("Reminder {}: nobody has acknowledged yet.", n - 1),
        )),
        Step::SlaBreached { sla, nth } if *nth >= 2 => Some((
            format!("再次升级：{sla} 时限已超过两倍仍未到场。"),
            format!("Escalated again: {sla} missed twice over, nobody on site."),
        )),
        Step::SlaBreached { sla, .. } if sla == "SLA-04" => Some((
            "升级：维修后 48 小时内未回访（SLA-04）。".into(),
            "Escalated: no follow-up within 48 h of the repair (SLA-04).".into(),
        )),
        Step::SlaBreached { sla, .. } => Some((
            format!("升级：{sla} 时限已过，仍无人到场。"),
            format!("Escalated: {sla} missed, nobody on site yet."),
        )),
        Step::Escalated { rule } => Some((
            format!("升级（{rule}）：事件持续未解决。"),
            format!("Escalated ({rule}): the incident is still not resolved."),
        )),
    }
}

/// Writes the page. `due` is the on-site deadline as local time text (e.g. `03:05`).
pub fn compose(about: &About<'_>, step: &Step, due: &str, language: MessageLanguage) -> Words {
    let (sev_zh, sev_en) = severity_text(about.severity);
    let prefix = match step {
        Step::Opened => "",
        Step::Repeat(_) => "[提醒 Reminder] ",
        Step::SlaBreached { .. } | Step::Escalated { .. } => "[升级 Escalated] ",
    };
    let subject = match language {
        MessageLanguage::ZhCn => format!("{prefix}{sev_zh} {} — 工单 #{}", about.title.zh, about.ticket),
        MessageLanguage::En => format!("{prefix}{sev_en} {} — ticket #{}", about.title.en, about.ticket),
        MessageLanguage::Both => format!(
            "{prefix}{sev_zh} {} / {} — #{}",
            about.title.zh, about.title.en, about.ticket
        ),
    };
    let step_words = step_text(step);
    let zh = || block(about, &ZH, sev_zh, step_words.as_ref().map(|w| w.0.as_str()), due);
    let en = || block(about, &EN, sev_en, step_words.as_ref().map(|w| w.1.as_str()), due);
    let mut text = match language {
        MessageLanguage::ZhCn => zh(),
        MessageLanguage::En => en(),
        MessageLanguage::Both => format!("{}\n{}", zh(), en()),
    };
    if let Some(link) = about.link {
        let _ = writeln!(text, "{link}");
    }
    let markdown = markdown_of(&text, about.link);
    Words {
        subject,
        text: text.trim_end().to_owned(),
        markdown,
    }
}

/// The fixed words of one language.
struct Labels {
    head: fn(&str, &str, &str) -> String,
    place: &'static str,
    what: &'static str,
    diagnosis: &'static str,
    action: &'static str,
    due: fn(&str, &str, i64) -> String,
    pick: fn(&Text) -> &str,
}

const ZH: Labels = Labels {
    head: |sev, title, rule| format!("【{sev}】{title}（{rule}）"),
    place: "地点：",
    what: "情况：",
    diagnosis: "诊断：",
    action: "处置：",
    due: |due, sla, ticket| format!("请于 {due} 前到场（{sla}）。工单 #{ticket}"),
    pick: |t| &t.zh,
};

const EN: Labels = Labels {
    head: |sev, title, rule| format!("[{sev}] {title} ({rule})"),
    place: "Where: ",
    what: "What: ",
    diagnosis: "Diagnosis: ",
    action: "Action: ",
    due: |due, sla, ticket| format!("On site by {due} ({sla}). Ticket #{ticket}"),
    pick: |t| &t.en,
};

/// One language's block of the message.
fn block(about: &About<'_>, l: &Labels, severity: &str, step: Option<&str>, due: &str) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "{}", (l.head)(severity, (l.pick)(about.title), about.rule));
    if let Some(step) = step {
        let _ = writeln!(s, "{step}");
    }
    let _ = writeln!(s, "{}{} · {}", l.place, about.site, about.equipment);
    if let Some(f) = about.finding {
        let _ = writeln!(s, "{}{}", l.what, (l.pick)(&f.message));
        if let Some(d) = &f.diagnosis {
            let _ = writeln!(s, "{}{}", l.diagnosis, (l.pick)(d));
        }
        let _ = writeln!(s, "{}{}", l.action, (l.pick)(&f.action));
    }
    let _ = writeln!(s, "{}", (l.due)(due, about.sla, about.ticket));
    s
}

/// The same words as markdown: the first line of each language bold, the link a link.
fn markdown_of(text: &str, link: Option<&str>) -> String {
    let mut out = String::new();
    let mut first = true;
    for line in text.lines() {
        if line.is_empty() {
            out.push('\n');
            first = true;
            continue;
        }
        if Some(line) == link {
            let _ = writeln!(out, "[{line}]({line})");
        } else if first {
            let _ = writeln!(out, "**{line}**");
        } else {
            let _ = writeln!(out, "> {line}");
        }
        first = false;
    }
    out.trim_end().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn about<'a>(title: &'a Text, finding: Option<&'a Finding>) -> About<'a> {
        About {
            ticket: 12,
            rule: "PWR-02",
            equipment: "gen-1",
            severity: Severity::Critical,
            title,
            finding,
            on_site_due: SystemTime::UNIX_EPOCH,
            sla: "SLA-01",
            site: "演示广场",
            link: Some("http://console/tickets/12"),
        }
    }

    #[test]
    fn a_first_page_says_what_why_what_to_do_and_by_when_in_chinese_then_english() {
        let title = Text::new("发电机 gen-1 未启动", "Generator gen-1 did not start");
        let finding = Finding {
            severity: Severity::Critical,
            message: Text::new("市电停电 15 秒后发电机仍未运行", "not running 15 s after mains loss"),
            diagnosis: Some(Text::new("发电机选择开关在手动位置", "generator selector in MANUAL")),
            action: Text::new("将选择开关打到自动", "set the selector to AUTO"),
        };
        let w = compose(
            &about(&title, Some(&finding)),
            &Step::Opened,
            "03:05",
            MessageLanguage::Both,
        );
        assert_eq!(
            w.subject,
            "严重 发电机 gen-1 未启动 / Generator gen-1 did not start — #12"
        );
        let zh_at = w
            .text
            .find("诊断：发电机选择开关在手动位置")
            .expect("diagnosis in Chinese");
        let en_at = w
            .text
            .find("Diagnosis: generator selector in MANUAL")
            .expect("in English");
        assert!(zh_at < en_at, "{}", w.text);
        assert!(w.text.contains("处置：将选择开关打到自动"));
        assert!(w.text.contains("请于 03:05 前到场（SLA-01）"));
        assert!(w.text.ends_with("http://console/tickets/12"));
        assert!(w
            .markdown
            .contains("[http://console/tickets/12](http://console/tickets/12)"));
    }

    #[test]
    fn repeats_and_escalations_say_so_first() {
        let title = Text::new("ats-1 市电停电", "Mains lost at ats-1");
        let w = compose(&about(&title, None), &Step::Repeat(2), "03:05", MessageLanguage::ZhCn);
        assert!(w.subject.starts_with("[提醒 Reminder] "), "{}", w.subject);
        assert!(w.text.contains("第 1 次提醒"), "{}", w.text);
        assert!(!w.text.contains("Reminder 1"), "zh-CN only: {}", w.text);
        let step = Step::SlaBreached {
            sla: "SLA-01".into(),
            nth: 1,
        };
        let w = compose(&about(&title, None), &step, "03:05", MessageLanguage::En);
        assert!(w.text.contains("Escalated: SLA-01 missed"), "{}", w.text);
        assert_eq!(step.tag(), "on-site-late-1");
    }
}
