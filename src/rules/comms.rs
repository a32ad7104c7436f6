//! Equipment visibility: COM-01.
//!
//! A device we cannot see is a device we cannot protect. COM-01 reports on each Modbus device
//! and each MQTT broker of the plan (the outcome's equipment is the device id as the
//! [`DeviceBoard`](crate::sources::DeviceBoard) names it: `gen-1-controller`,
//! `mqtt:site-broker`) and names the equipment that depends on it. The rules of that
//! equipment already show `unknown` on their own, because its points go stale.
//!
//! * A Modbus device is lost after `failures` (3) consecutive failed polls.
//! * A broker is lost after `failures` consecutive failed connection attempts; while it is
//!   connected, a point bound to it that is not good and carries an error (its topic has
//!   been silent past `stale_after_s`, or nothing came since the broker came back) makes
//!   COM-01 active for the broker, naming the topics.
//!
//! COM-01 is set site-wide only (`[rules.COM-01] failures = 5`): devices are not equipment.

use std::collections::BTreeSet;

use super::context::{push, Cx};
use super::outcome::{Condition, Finding, RuleOutcome, Severity, Text};
use super::settings::Settings;
use crate::config::{Plan, PointSource};
use crate::point::Quality;
use crate::sources::mqtt::broker_device_id;
use crate::sources::DeviceStatus;

pub const COM_01: &str = "COM-01";

pub(super) struct Comms {
    links: Vec<Link>,
    failures: u32,
}

/// A device or broker and what depends on it.
struct Link {
    /// The id on the device board.
    id: String,
    mqtt: bool,
    /// Point indices read through it.
    points: Vec<usize>,
    /// Equipment ids read through it, in plan order.
    dependents: Vec<String>,
}

impl Comms {
    pub fn new(plan: &Plan) -> Comms {
        let s = Settings::site(plan);
        if !s.enabled(COM_01) {
            return Comms {
                links: Vec::new(),
                failures: 0,
            };
        }
        let link = |id: String, mqtt: bool, uses: &dyn Fn(&PointSource) -> bool| {
            let points: Vec<usize> = plan
                .points
                .iter()
                .enumerate()
                .filter(|(_, p)| uses(&p.source))
                .map(|(i, _)| i)
                .collect();
            let eqs: BTreeSet<usize> = points.iter().map(|&i| plan.points[i].equipment).collect();
            Link {
                id,
                mqtt,
                points,
                dependents: eqs.into_iter().map(|e| plan.equipment[e].id.clone()).collect(),
            }
        };
        let mut links = Vec::new();
        for (d, dev) in plan.devices.iter().enumerate() {
            links.push(link(
                dev.id.clone(),
                false,
                &|s| matches!(s, PointSource::Modbus(m) if m.device == d),
            ));
        }
        for (b, broker) in plan.brokers.iter().enumerate() {
            links.push(link(
                broker_device_id(&broker.id),
                true,
                &|s| matches!(s, PointSource::Mqtt(m) if m.broker == b),
            ));
        }
        Comms {
            links,
            failures: s.value(COM_01, "failures") as u32,
        }
    }

    pub fn evaluate(&self, cx: &Cx<'_>, devices: &[DeviceStatus], out: &mut Vec<RuleOutcome>) {
        for link in &self.links {
            let status = devices.iter().find(|d| d.id == link.id);
            push(out, COM_01, &link.id, com_01(cx, link, status, self.failures));
        }
    }
}

/// COM-01's required action.
const COM_01_ACTION: (&str, &str) = (
    "看不到的设备就无法保护：检查设备电源、通信线路和网关。恢复通信前，依赖它的设备的规则显示为“未知”",
    "A device we cannot see is a device we cannot protect: check its power, its link and the gateway. Until it \
     answers, the rules of the equipment that depends on it show \"unknown\"",
);

/// COM-01: a device stops answering for `failures` (3) polls, or an MQTT topic is silent past
/// its expected interval → major.
fn com_01(cx: &Cx<'_>, link: &Link, status: Option<&DeviceStatus>, failures: u32) -> Condition {
    let Some(st) = status.filter(|st| st.online.is_some()) else {
        return Condition::Unknown {
            reason: Text::new(
                format!("无法判断 {COM_01}：尚未与 {} 通信", link.id),
                format!("cannot evaluate {COM_01}: {} not contacted yet", link.id),
            ),
        };
    };
    let depends = |eqs: &[String]| {
        let list = eqs.join(", ");
        Text::new(
            format!("受影响设备：{list}"),
            format!("equipment depending on it: {list}"),
        )
    };
    let action = super::context::text(COM_01_ACTION);
    if st.consecutive_failures >= failures {
        let n = st.consecutive_failures;
        let (zh, en) = if link.mqtt {
            (
                format!("MQTT 服务器 {} 无法连接：连续 {n} 次连接失败", link.id),
                format!(
                    "Broker {} unreachable: {n} connection attempts failed in a row",
                    link.id
                ),
            )
        } else {
            (
                format!("设备 {} 无响应：连续 {n} 次轮询失败", link.id),
                format!("Device {} not answering: {n} polls failed in a row", link.id),
            )
        };
        let mut diagnosis = depends(&link.dependents);
        if let Some(e) = &st.last_error {
            diagnosis = Text::new(
                format!("最近错误：{e}；{}", diagnosis.zh),
                format!("last error: {e}; {}", diagnosis.en),
            );
        }
        return Condition::Active(Finding {
            severity: Severity::Major,
            message: Text::new(zh, en),
            diagnosis: Some(diagnosis),
            action,
        });
    }
    if !link.mqtt || st.online != Some(true) {
        return Condition::Normal;
    }
    let silent: Vec<usize> = link
        .points
        .iter()
        .copied()
        .filter(|&i| {
            cx.read
                .state(i)
                .is_some_and(|s| matches!(s.quality, Quality::Stale | Quality::Unknown) && s.error.is_some())
        })
        .collect();
    if silent.is_empty() {
        return Condition::Normal;
    }
    let topics: BTreeSet<String> = silent
        .iter()
        .map(|&i| {
            let p = &cx.plan.points[i];
            match &p.source {
                PointSource::Mqtt(m) => format!("{} ({})", m.topic, p.key),
                PointSource::Modbus(_) => p.key.to_string(),
            }
        })
        .collect();
    let topics: Vec<String> = topics.into_iter().collect();
    let eqs: BTreeSet<usize> = silent.iter().map(|&i| cx.plan.points[i].equipment).collect();
    let eqs: Vec<String> = eqs.into_iter().map(|e| cx.plan.equipment[e].id.clone()).collect();
    let first_error = silent
        .iter()
        .find_map(|&i| cx.read.state(i).and_then(|s| s.error.clone()))
        .unwrap_or_default();
    let d = depends(&eqs);
    Condition::Active(Finding {
        severity: Severity::Major,
        message: Text::new(
            format!("{} 有 {} 个主题无消息：{}", link.id, topics.len(), topics.join("，")),
            format!("{}: {} topic(s) silent: {}", link.id, topics.len(), topics.join(", ")),
        ),
        diagnosis: Some(Text::new(
            format!("{first_error}；{}", d.zh),
            format!("{first_error}; {}", d.en),
        )),
        action,
    })
}
