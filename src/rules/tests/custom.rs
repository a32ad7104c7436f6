//! `[[custom_rules]]`: threshold, state, rate.

use super::{site, Bench};
use crate::config::load_str;
use crate::rules::*;

const GEN: &[&str] = &["running", "mode_selector", "output_voltage"];

fn with_rule(rule: &str) -> Bench {
    let mut text = site(&[("gen-1", "generator", GEN, "")]);
    text.push_str("\n[[custom_rules]]\n");
    text.push_str(rule);
    let mut b = Bench::new(&text);
    b.set("gen-1.running", true).set("gen-1.mode_selector", "AUTO");
    b.change("gen-1.output_voltage", 230.0);
    b
}

#[test]
fn a_threshold_rule_raises_after_its_on_delay_and_clears_past_its_deadband_after_its_off_delay() {
    let mut b = with_rule(
        "id = \"GEN-VOLT-HIGH\"\nequipment = \"gen-1\"\nrole = \"output_voltage\"\nabove = 250.0\n\
         deadband = 5.0\ndelay_s = 5\nclear_delay_s = 10\nseverity = \"major\"\n",
    );
    assert!(b.normal("GEN-VOLT-HIGH", "gen-1"));
    b.change("gen-1.output_voltage", 262.0).run(4);
    assert!(b.normal("GEN-VOLT-HIGH", "gen-1"));
    b.run(1);
    let f = b.finding("GEN-VOLT-HIGH", "gen-1");
    assert_eq!(f.severity, Severity::Major);
    assert_eq!(f.message.en, "gen-1.output_voltage 262 above 250");
    assert_eq!(f.message.zh, "gen-1.output_voltage 262 高于 250");
    // Inside the deadband: still active, however long.
    b.change("gen-1.output_voltage", 248.0).run(60);
    assert!(b.active("GEN-VOLT-HIGH", "gen-1"));
    // Past it: clears after the off-delay.
    b.change("gen-1.output_voltage", 240.0).run(9);
    assert!(b.active("GEN-VOLT-HIGH", "gen-1"));
    b.run(1);
    assert!(b.normal("GEN-VOLT-HIGH", "gen-1"));
}

#[test]
fn a_threshold_rule_is_unknown_when_its_point_is_stale() {
    let mut b = with_rule("id = \"GEN-VOLT-LOW\"\nequipment = \"gen-1\"\nrole = \"output_voltage\"\nbelow = 200.0\n");
    b.stale("gen-1.output_voltage").eval();
    assert_eq!(
        b.unknown("GEN-VOLT-LOW", "gen-1").unwrap().0,
        "cannot evaluate GEN-VOLT-LOW: gen-1.output_voltage is stale"
    );
    b.change("gen-1.output_voltage", 150.0);
    assert!(b.active("GEN-VOLT-LOW", "gen-1"));
}

#[test]
fn a_state_rule_raises_when_a_selector_holds_a_label_for_its_delay_with_the_configured_text() {
    let mut b = with_rule(
        "id = \"GEN-NOT-AUTO\"\nequipment = \"gen-1\"\nrole = \"mode_selector\"\nequals = \"MANUAL\"\n\
         delay_s = 600\nmessage_en = \"Generator left in MANUAL\"\nmessage_zh = \"发电机处于手动\"\n",
    );
    b.change("gen-1.mode_selector", "MANUAL").run(599);
    assert!(b.normal("GEN-NOT-AUTO", "gen-1"));
    b.run(1);
    let f = b.finding("GEN-NOT-AUTO", "gen-1");
    assert_eq!(f.message.zh, "发电机处于手动");
    assert_eq!(f.diagnosis.as_ref().unwrap().en, "gen-1.mode_selector is MANUAL");
    assert_eq!(f.action.en, "Check gen-1 on site");
    b.change("gen-1.mode_selector", "AUTO");
    assert!(b.normal("GEN-NOT-AUTO", "gen-1"));
}

#[test]
fn a_rate_rule_raises_when_a_measurement_falls_faster_than_its_limit() {
    let mut b = with_rule(
        "id = \"VOLT-SAG\"\nequipment = \"gen-1\"\nrole = \"output_voltage\"\n\
         falls_faster_than_per_min = 30.0\nwindow_s = 20\n",
    );
    let mut v = 230.0;
    for _ in 0..10 {
        v -= 1.0;
        b.set("gen-1.output_voltage", v).run(1);
    }
    assert_eq!(
        b.finding("VOLT-SAG", "gen-1").message.en,
        "gen-1.output_voltage falling 60/min (limit 30/min)"
    );
    b.run(30);
    assert!(b.normal("VOLT-SAG", "gen-1"), "steady again");
}

#[test]
fn an_active_configured_rule_survives_a_restart() {
    let mut b =
        with_rule("id = \"HIGH\"\nequipment = \"gen-1\"\nrole = \"output_voltage\"\nabove = 250.0\ndelay_s = 30\n");
    b.change("gen-1.output_voltage", 260.0).run(30);
    assert!(b.active("HIGH", "gen-1"));
    let timers = b.engine.timers();
    b.engine = RuleEngine::restore(&b.plan, timers, b.engine.run_history().clone());
    b.eval();
    assert!(b.active("HIGH", "gen-1"), "no second 30 s wait after a restart");
}

#[test]
fn configured_rules_are_checked_when_the_config_is_loaded() {
    let mut text = site(&[("gen-1", "generator", GEN, "")]);
    text.push_str(
        "\n[[custom_rules]]\nid = \"PWR-02\"\nequipment = \"gen-1\"\nrole = \"output_voltage\"\nabove = 1.0\n\
         \n[[custom_rules]]\nid = \"A\"\nequipment = \"gen-1\"\nrole = \"running\"\nabove = 1.0\n\
         \n[[custom_rules]]\nid = \"B\"\nequipment = \"gen-9\"\nrole = \"running\"\nequals = true\n\
         \n[[custom_rules]]\nid = \"C\"\nequipment = \"gen-1\"\nrole = \"mode_selector\"\nequals = \"AUTOMATIC\"\n\
         \n[[custom_rules]]\nid = \"D\"\nequipment = \"gen-1\"\nrole = \"output_voltage\"\nabove = 1.0\nbelow = 0.5\n\
         \n[[custom_rules]]\nid = \"E\"\nequipment = \"gen-1\"\nrole = \"fuel_level_pct\"\nbelow = 20.0\nseverity = \"urgent\"\n",
    );
    let e = load_str("t.toml", &text, Some(Default::default())).unwrap_err();
    let keys: Vec<&str> = e.issues.iter().map(|i| i.key.as_str()).collect();
    assert_eq!(
        keys,
        [
            "custom_rules[0].id",
            "custom_rules[1].above",
            "custom_rules[2].equipment",
            "custom_rules[3].equals",
            "custom_rules[4]",
            "custom_rules[5].role",
            "custom_rules[5].severity",
        ],
        "{e}"
    );
    assert!(e.issues[0].hint.contains("[rules.PWR-02]"));
    assert!(e.issues[3].hint.contains("STOP, MANUAL, AUTO"));
    assert!(e.issues[5].hint.contains("add [equipment.points.fuel_level_pct]"));
}
