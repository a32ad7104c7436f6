//! `facmon roster` through the real binary, on the demo config with a `[roster]` appended.

use std::process::Command;

const ROSTER: &str = r#"
[roster]
[[roster.people]]
id = "li"
name = "李明"
mobile = "13800000002"
[[roster.people]]
id = "zhao"
name = "赵强"
[[roster.people]]
id = "wang"
name = "王建国"
roles = ["supervisor"]
[[roster.shifts]]
role = "duty_electrician"
name = "night"
start = "20:00"
end = "08:00"
people = ["li"]
[[roster.overrides]]
role = "duty_electrician"
from = "2026-11-24 20:00"
to = "2026-11-25 08:00"
people = ["zhao"]
reason = "swap with li"
"#;

fn roster(args: &[&str], extra: &str) -> (i32, String, String) {
    let dir = tempfile::tempdir().unwrap();
    let demo = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/config/demo.toml")).unwrap();
    let file = dir.path().join("site.toml");
    std::fs::write(&file, format!("{demo}\n{ROSTER}{extra}")).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_facmon"))
        .arg("roster")
        .arg("--config")
        .arg(&file)
        .args(args)
        .output()
        .expect("run facmon");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}

#[test]
fn roster_at_a_local_time_prints_who_is_on_duty_and_why() {
    let (code, out, err) = roster(&["at", "2026-11-24 03:00"], "");
    assert_eq!(code, 0, "{err}");
    assert!(
        out.starts_with("Roster at 2026-11-24 03:00 Tue, Asia/Shanghai"),
        "{out}"
    );
    assert!(out.contains("李明 13800000002"), "{out}");
    assert!(out.contains("shift night 20:00-08:00"), "{out}");
    assert!(out.contains("王建国"), "{out}");
    assert!(out.contains("NOBODY ON DUTY"), "{out}");

    let (code, out, err) = roster(&["at", "2026-11-24T23:00"], "");
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("赵强") && out.contains("swap with li"), "{out}");
}

#[test]
fn roster_now_runs_and_a_bad_time_or_config_says_what_to_do() {
    let (code, out, err) = roster(&["now"], "");
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("Roster at "), "{out}");

    let (code, _, err) = roster(&["at", "24/11 3am"], "");
    assert_ne!(code, 0);
    assert!(err.contains("write it as 2026-11-24 03:00"), "{err}");

    let (code, _, err) = roster(
        &["now"],
        "[[roster.shifts]]\nrole = \"electrician\"\nstart = \"8:00\"\nend = \"20:00\"\npeople = [\"li\"]\n",
    );
    assert_ne!(code, 0);
    assert!(
        err.contains("roster.shifts[1].role: unknown role \"electrician\""),
        "{err}"
    );
}
