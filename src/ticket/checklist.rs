//! What each procedure requires, copied onto the ticket as a checklist, and the ticket's title.
//!
//! One entry per rule id of `docs/procedures.md`, in both site languages, so that the person
//! on site reads the procedure's own steps (in its order: PWR-02's diagnosis order matters)
//! without looking it up. A rule that is not listed here (a site's custom rule) gets a
//! generic title and a single "inspect and repair" item.

use crate::rules::outcome::Text;

/// A procedure's ticket text: title templates (`{eq}` = equipment) and required actions.
#[derive(Debug, Clone, Copy)]
pub struct Procedure {
    pub rule: &'static str,
    pub title_zh: &'static str,
    pub title_en: &'static str,
    /// `(zh, en)` actions in the procedure's order.
    pub items: &'static [(&'static str, &'static str)],
}

/// Every procedure rule id with its title and checklist.
pub const PROCEDURES: &[Procedure] = &[
    Procedure {
        rule: "PWR-01",
        title_zh: "{eq} 市电停电",
        title_en: "Mains lost at {eq}",
        items: &[
            (
                "确认发电机已启动并带载",
                "Confirm the generator started and carries the load",
            ),
            (
                "检查电梯有无困人（电梯值班人员）",
                "Check every lift for trapped passengers (lift duty)",
            ),
            (
                "安排保安维持秩序、保障现场安全",
                "Have security keep order and secure the site",
            ),
            (
                "联系供电部门了解停电原因和恢复时间",
                "Call the utility for the cause and expected restoration",
            ),
        ],
    },
    Procedure {
        rule: "PWR-02",
        title_zh: "{eq} 停电后发电机未启动",
        title_en: "Generator did not start after mains loss at {eq}",
        items: &[
            (
                "（1）检查发电机控制器选择开关：停/手动则置于自动",
                "(1) Generator controller selector: if STOP or MANUAL, set it to AUTO",
            ),
            (
                "（2）检查切换柜（ATS）选择开关是否在自动",
                "(2) ATS selector: set it to AUTO",
            ),
            (
                "（3）检查发电机控制箱及 ATS 控制回路保险是否熔断",
                "(3) Control fuses in the generator control box and ATS control circuit: replace if blown",
            ),
            (
                "确认发电机启动并带载",
                "Confirm the generator runs and carries the load",
            ),
        ],
    },
    Procedure {
        rule: "PWR-03",
        title_zh: "{eq} 未切换至发电机供电",
        title_en: "Load not transferred to the generator at {eq}",
        items: &[
            (
                "检查 ATS 选择开关及控制回路",
                "Check the ATS selector and control circuit",
            ),
            ("必要时手动切换至发电机供电", "Transfer to generator by hand if needed"),
            ("确认负载已由备用电源供电", "Confirm the load is on backup power"),
        ],
    },
    Procedure {
        rule: "PWR-04",
        title_zh: "{eq} 备用电源未处于自动待命状态",
        title_en: "Backup power at {eq} not ready for the next outage",
        items: &[
            (
                "发电机控制器选择开关置于自动",
                "Set the generator controller selector to AUTO",
            ),
            ("ATS 选择开关置于自动", "Set the ATS selector to AUTO"),
            ("更换熔断的控制保险", "Replace any blown control fuse"),
        ],
    },
    Procedure {
        rule: "PWR-05",
        title_zh: "{eq} 停电超时未恢复",
        title_en: "Outage at {eq} not cleared in time",
        items: &[
            ("上报主管领导（工程部经理）", "Escalate to the engineering supervisor"),
            ("管理处经理通知租户停电情况", "Site manager warns the tenants"),
            (
                "检查发电机燃油，安排加油",
                "Check the generator's fuel and arrange refuelling",
            ),
        ],
    },
    Procedure {
        rule: "PWR-06",
        title_zh: "{eq} 备用电源进线失电",
        title_en: "Standby utility feed lost at {eq}",
        items: &[
            ("密切监视在用进线", "Watch the feed in service closely"),
            ("联系供电部门", "Call the utility"),
            ("报告主管领导", "Inform the supervisor"),
        ],
    },
    Procedure {
        rule: "PWR-07",
        title_zh: "{eq} 在用进线失电",
        title_en: "Utility feed in service lost at {eq}",
        items: &[
            ("联系供电部门", "Call the utility"),
            (
                "按倒闸操作票切换至备用进线",
                "Switch to the standby feed following the switching order (倒闸操作票)",
            ),
            ("确认各回路供电恢复", "Confirm every circuit is supplied again"),
        ],
    },
    Procedure {
        rule: "PWR-08",
        title_zh: "{eq} 重要机房失电且备用电源未投入",
        title_en: "Critical room {eq} without normal or backup supply",
        items: &[
            ("检查备用电源切换", "Check the backup power transfer"),
            ("通知工程部", "Call engineering"),
            ("确认机房设备恢复供电", "Confirm the room's equipment is supplied again"),
        ],
    },
    Procedure {
        rule: "PWR-09",
        title_zh: "{eq} 停电后恢复供电",
        title_en: "Power restored at {eq} after an outage",
        items: &[
            ("逐一检查各配电开关已恢复", "Check every breaker is back on"),
            ("检查消防系统已恢复正常", "Check the fire system is restored"),
            (
                "检查保安及门禁系统已恢复正常",
                "Check the security and access-control systems are restored",
            ),
            ("发电机恢复自动待命", "Return the generator to AUTO standby"),
            (
                "填写事故报告（停电时长、发电机运行时间）",
                "Write the incident report (outage duration, generator run time)",
            ),
        ],
    },
    Procedure {
        rule: "PWR-10",
        title_zh: "{eq} 柴油油位低",
        title_en: "Low diesel level at {eq}",
        items: &[
            ("安排加油", "Arrange refuelling"),
            ("确认油位恢复", "Confirm the fuel level is restored"),
        ],
    },
    Procedure {
        rule: "WAT-01",
        title_zh: "{eq} 加压泵跳闸/停泵",
        title_en: "Booster pump {eq} tripped or stopped",
        items: &[
            ("确认备用泵已投入运行", "Confirm the standby pump has taken over"),
            (
                "隔离故障泵：断开控制电源并挂牌",
                "Isolate the failed pump: control power off, tag it",
            ),
            ("维修故障泵", "Repair the failed pump"),
        ],
    },
    Procedure {
        rule: "WAT-02",
        title_zh: "{eq} 停泵且备用泵未启动，供水无压力",
        title_en: "No water pressure: standby pump for {eq} not running",
        items: &[
            ("手动启动备用泵", "Start the standby pump by hand"),
            ("确认供水压力恢复", "Confirm the supply pressure is back"),
            ("隔离并维修故障泵", "Isolate and repair the failed pump"),
        ],
    },
    Procedure {
        rule: "WAT-03",
        title_zh: "{eq} 主管网漏水/爆管",
        title_en: "Main pipe leak or burst at {eq}",
        items: &[
            ("停止加压泵", "Stop the pumps"),
            ("关闭进水阀门", "Close the inlet valve"),
            ("支管漏水：关闭支管阀门", "Branch leak: close the branch valve"),
            ("查找漏点并抢修", "Find the leak and repair it"),
        ],
    },
    Procedure {
        rule: "WAT-04",
        title_zh: "{eq} 水池/水箱水位低",
        title_en: "Low level in storage tank {eq}",
        items: &[
            (
                "查明补水不足原因（进水阀、市政供水）",
                "Find why it is not refilling (inlet valve, municipal supply)",
            ),
            ("确认消防储备水量", "Confirm the fire-fighting reserve"),
        ],
    },
    Procedure {
        rule: "WAT-05",
        title_zh: "{eq} 供水事故超时未解决",
        title_en: "Water-supply incident at {eq} not resolved in time",
        items: &[
            (
                "管理处经理向租户发出停水通知及抢修计划",
                "Site manager issues the water-outage notice with the repair plan",
            ),
            ("上报主管领导", "Escalate to the supervisor"),
        ],
    },
    Procedure {
        rule: "WAT-06",
        title_zh: "{eq} 计划停水前水池未蓄满",
        title_en: "Tank {eq} below pre-fill target before a planned supply cut",
        items: &[("停水前将水池/水箱蓄满", "Pre-fill the tanks before the cut (水池蓄水)")],
    },
    Procedure {
        rule: "DRN-01",
        title_zh: "{eq} 集水坑高水位",
        title_en: "High level in sump pit {eq}",
        items: &[
            ("启动潜污泵排水", "Run the submersible/sewage pump"),
            ("检查水泵及管道", "Check the pump and pipe"),
        ],
    },
    Procedure {
        rule: "DRN-02",
        title_zh: "{eq} 集水坑超高水位，即将水浸",
        title_en: "Sump pit {eq} high-high: flooding imminent",
        items: &[
            ("调用移动式潜水泵排水", "Bring a portable submersible pump"),
            ("保护设备及物资", "Protect equipment and stock"),
            ("检查固定水泵及管道", "Check the fixed pump and pipe"),
        ],
    },
    Procedure {
        rule: "DRN-03",
        title_zh: "{eq} 排水泵运行但水位不降",
        title_en: "Sump pump {eq} running but the level is not falling",
        items: &[
            ("检查水泵是否堵塞或损坏", "Check the pump for a blockage or failure"),
            ("必要时使用移动式潜水泵", "Use a portable pump if needed"),
        ],
    },
    Procedure {
        rule: "DRN-04",
        title_zh: "{eq} 排水泵故障",
        title_en: "Sump pump {eq} fault",
        items: &[
            (
                "检查水泵故障信号及运行反馈",
                "Check the pump's fault signal and run feedback",
            ),
            ("维修水泵", "Repair the pump"),
        ],
    },
    Procedure {
        rule: "DRN-05",
        title_zh: "{eq} 水浸报警",
        title_en: "Water ingress detected at {eq}",
        items: &[
            ("保护设备", "Protect the equipment"),
            ("查找水源并处理", "Find the source and stop it"),
            ("复位水浸探测器", "Reset the leak detector"),
        ],
    },
    Procedure {
        rule: "FIRE-01",
        title_zh: "{eq} 火灾报警",
        title_en: "Fire alarm at {eq}",
        items: &[
            ("中控室值班员到现场确认", "Control room confirms on site"),
            ("确认火情，或判定为误报", "Confirm the fire, or mark it a false alarm"),
            ("误报：复位消防主机并记录", "False alarm: reset the panel and record it"),
            (
                "火警：切断着火区域电源，备用电源待命",
                "Fire: cut power in the fire zone, keep backup supply ready",
            ),
            (
                "火警：启动消防泵并保持管网压力",
                "Fire: start the fire pumps and keep the pressure",
            ),
            ("火警：电梯迫降首层", "Fire: send the lifts to the ground floor"),
        ],
    },
    Procedure {
        rule: "FIRE-02",
        title_zh: "{eq} 消防主机故障",
        title_en: "Fire panel fault at {eq}",
        items: &[
            ("查明故障点", "Find the fault"),
            (
                "维修并确认消防保护恢复",
                "Repair it and confirm fire protection is restored",
            ),
        ],
    },
    Procedure {
        rule: "FIRE-03",
        title_zh: "{eq} 消防管网压力低/消防泵未运行",
        title_en: "Fire-main pressure low or fire pump not running at {eq}",
        items: &[
            ("手动启动消防泵", "Start the fire pump by hand"),
            ("检查管网压力及稳压设备", "Check the main pressure and jockey equipment"),
            ("确认消防供水恢复", "Confirm water for fire-fighting is back"),
        ],
    },
    Procedure {
        rule: "FIRE-04",
        title_zh: "{eq} 月度试运行逾期",
        title_en: "Monthly test run of {eq} overdue",
        items: &[("进行试启动并记录", "Run the test start and record it (每月试启动一次)")],
    },
    Procedure {
        rule: "FIRE-05",
        title_zh: "{eq} 消防电源切换月度检查逾期",
        title_en: "Monthly fire-power changeover check of {eq} overdue",
        items: &[(
            "进行消防电源切换试验并记录",
            "Exercise the fire-service power changeover and record it",
        )],
    },
    Procedure {
        rule: "COM-01",
        title_zh: "{eq} 设备通讯中断",
        title_en: "No data from {eq}",
        items: &[
            (
                "检查设备电源及通讯线路",
                "Check the device's power and communication line",
            ),
            (
                "通讯恢复前现场巡视相关设备",
                "Patrol the equipment on site until data is back",
            ),
        ],
    },
];

const GENERIC: &[(&str, &str)] = &[("现场检查并维修", "Inspect on site and repair")];

/// The procedure for a rule id, if it is one of the procedures.
pub fn procedure(rule: &str) -> Option<&'static Procedure> {
    PROCEDURES.iter().find(|p| p.rule == rule)
}

/// The ticket title for a rule on a piece of equipment.
pub fn title(rule: &str, equipment: &str) -> Text {
    match procedure(rule) {
        Some(p) => Text::new(
            p.title_zh.replace("{eq}", equipment),
            p.title_en.replace("{eq}", equipment),
        ),
        None => Text::new(
            format!("{equipment} {rule} 报警"),
            format!("{rule} alarm at {equipment}"),
        ),
    }
}

/// The required actions for a rule (a generic item for rules without a procedure entry).
pub fn items(rule: &str) -> &'static [(&'static str, &'static str)] {
    procedure(rule).map(|p| p.items).unwrap_or(GENERIC)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The rule ids of docs/procedures.md (shared/docs), family by family.
    const PROCEDURE_IDS: [(&str, u32); 5] = [("PWR", 10), ("WAT", 6), ("DRN", 5), ("FIRE", 5), ("COM", 1)];

    #[test]
    fn every_rule_id_in_the_procedures_has_a_title_and_checklist() {
        let ids: Vec<String> = PROCEDURE_IDS
            .iter()
            .flat_map(|(f, n)| (1..=*n).map(move |i| format!("{f}-{i:02}")))
            .collect();
        for id in &ids {
            let p = procedure(id).unwrap_or_else(|| panic!("{id} has no checklist entry"));
            assert!(
                !p.items.is_empty() && p.title_en.contains("{eq}") && p.title_zh.contains("{eq}"),
                "{id}"
            );
        }
        assert_eq!(
            PROCEDURES.len(),
            ids.len(),
            "an entry for a rule the procedures do not have"
        );
    }

    #[test]
    fn titles_name_the_equipment_in_both_languages() {
        assert_eq!(
            title("PWR-01", "ats-1"),
            Text::new("ats-1 市电停电", "Mains lost at ats-1")
        );
        assert_eq!(title("GEN-VOLT-HIGH", "gen-1").en, "GEN-VOLT-HIGH alarm at gen-1");
    }

    #[test]
    fn pwr_02_keeps_the_procedures_diagnosis_order() {
        let en: Vec<&str> = items("PWR-02").iter().map(|i| i.1).collect();
        assert!(en[0].contains("Generator controller selector") && en[1].contains("ATS") && en[2].contains("fuse"));
    }
}
