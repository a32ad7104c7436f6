//! `facmon check-config` on broken configs: every mistake reported with key path and hint.

use std::process::Command;

fn check(file: &str) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_facmon"))
        .args(["check-config", file])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("run facmon");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}

#[test]
fn five_mistakes_are_all_reported_with_key_paths_and_hints() {
    let (code, _, err) = check("tests/configs/five_mistakes.toml");
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("5 problems found"), "{err}");
    let expected = [
        ("equipment[0].nmae", "unknown key"),
        (
            "equipment[0].points.running.type",
            "type \"u16\" cannot be read from a discrete_input",
        ),
        ("equipment[1].points", "a transfer_switch needs the role \"position\""),
        ("equipment[2].id", "duplicate id \"gen-1\""),
        ("points gen-1.run_hours and gen-1.fuel_level_pct", "overlaps"),
    ];
    for (key, problem) in expected {
        let line = err
            .lines()
            .find(|l| l.starts_with(&format!("tests/configs/five_mistakes.toml: {key}: ")))
            .unwrap_or_else(|| panic!("no line for {key} in:\n{err}"));
        assert!(line.contains(problem), "{key}: {line}");
    }
    assert_eq!(err.matches("    hint: ").count(), 5, "every problem has a hint:\n{err}");
}

#[test]
fn a_valid_config_passes_with_a_summary() {
    let (code, out, err) = check("tests/configs/minimal.toml");
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("OK: site tower, 1 buildings, 2 equipment, 4 points"),
        "{out}"
    );
}

#[test]
fn the_shipped_demo_config_is_valid() {
    let (code, out, err) = check("config/demo.toml");
    assert_eq!(code, 0, "{out}{err}");
}

#[test]
fn each_kind_of_mistake_is_named() {
    let cases: &[(&str, &str, &str)] = &[
        (
            "bad_table.toml",
            "equipment[0].points.running.table",
            "\"holdng\" is not a Modbus table",
        ),
        (
            "bad_type.toml",
            "equipment[0].points.fuel_level_pct.type",
            "\"float\" is not a Modbus data type",
        ),
        (
            "unknown_device.toml",
            "equipment[0].points.running.device",
            "device \"gen-9\" is not defined",
        ),
        (
            "unknown_kind.toml",
            "equipment[0].kind",
            "\"boiler\" is not an equipment kind",
        ),
        (
            "bad_enum_label.toml",
            "equipment[0].points.mode_selector.enum",
            "\"AUTOMATIC\" is not a value of mode_selector",
        ),
        (
            "missing_secret.toml",
            "mqtt_brokers[0].password_env",
            "environment variable FACMON_TEST_SURELY_UNSET is not set",
        ),
        (
            "overflow.toml",
            "equipment[0].points.run_hours.address",
            "run past 65535",
        ),
        (
            "mqtt_keys_on_modbus.toml",
            "equipment[0].points.running.topic",
            "topic is for MQTT points",
        ),
        (
            "bool_role_from_number.toml",
            "equipment[0].points.running.type",
            "role running is an on/off signal",
        ),
        ("wrong_value_type.toml", "modbus_tcp[0].port", "invalid"),
        (
            "unknown_alarm_broker.toml",
            "alarm_mqtt.broker",
            "broker \"site-broker\" is not defined",
        ),
    ];
    for (file, key, problem) in cases {
        let path = format!("tests/configs/broken/{file}");
        let (code, _, err) = check(&path);
        assert_eq!(code, 1, "{file}: {err}");
        let prefix = format!("{path}: {key}: ");
        let line = err
            .lines()
            .find(|l| l.starts_with(&prefix))
            .unwrap_or_else(|| panic!("{file}: no line for {key} in:\n{err}"));
        assert!(line.contains(problem), "{file}: {line}");
    }
}

#[test]
fn a_missing_file_is_a_clear_error() {
    let (code, _, err) = check("tests/configs/does_not_exist.toml");
    assert_eq!(code, 1);
    assert!(err.contains("cannot read the file"), "{err}");
}
