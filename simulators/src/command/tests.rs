use super::*;
use crate::building::GenMode;

fn apply(b: &mut Building, line: &str) -> Applied {
    Command::parse(line).unwrap().apply(b)
}

#[test]
fn set_parses_equipment_field_and_value() {
    let cmd = Command::parse("set gen-1.mode MANUAL").unwrap();
    let Command::Set { knob, value } = cmd else {
        panic!("not a set: {cmd:?}");
    };
    assert_eq!(knob.target(), "gen-1.mode");
    assert_eq!(value, KnobValue::Choice(1));
}

#[test]
fn every_example_of_the_brief_parses() {
    for line in [
        "mains fail",
        "mains restore",
        "feed feed-1 fail",
        "feed feed-2 restore",
        "set gen-1.mode MANUAL",
        "set gen-1.control_fuse_ok false",
        "set pump-1.fault true",
        "set sump-b2.inflow 0.02",
        "set sump-pump-b2.blocked true",
        "set fire-panel-1.alarm true",
        "set leak-gen-room.wet true",
        "set fire-main-1.demand true",
        "offline gen-1-controller",
        "online leak-gen-room",
        "status",
        "help",
        "help set",
        "help devices",
        "help gen-1",
    ] {
        Command::parse(line).unwrap_or_else(|e| panic!("{line}: {e}"));
    }
}

#[test]
fn commands_and_words_are_case_insensitive_and_blank_tolerant() {
    assert_eq!(
        Command::parse("  MAINS   Fail ").unwrap(),
        Command::Mains { available: false }
    );
    assert!(Command::parse("set GEN-1.Mode auto").is_ok());
}

#[test]
fn an_empty_line_is_an_error_that_lists_the_commands() {
    let err = Command::parse("   ").unwrap_err();
    assert_eq!(err, CommandError::Empty);
    assert!(err.to_string().contains("mains fail|restore"));
}

#[test]
fn an_unknown_command_names_the_valid_ones() {
    let err = Command::parse("reboot now").unwrap_err().to_string();
    assert!(
        err.starts_with("unknown command \"reboot\"; valid commands are: mains"),
        "{err}"
    );
}

#[test]
fn an_unknown_equipment_lists_the_settable_equipment() {
    let err = Command::parse("set gen-9.mode AUTO").unwrap_err().to_string();
    assert!(err.contains("\"gen-9\""), "{err}");
    assert!(err.contains("gen-1, ats-1"), "{err}");
}

#[test]
fn an_unknown_field_lists_the_fields_of_that_equipment() {
    let err = Command::parse("set gen-1.colour red").unwrap_err().to_string();
    assert!(
        err.starts_with("gen-1 has no settable field \"colour\"; its fields are: mode, control_fuse_ok"),
        "{err}"
    );
}

#[test]
fn a_bad_value_says_what_the_field_takes() {
    let err = Command::parse("set gen-1.mode TURBO").unwrap_err().to_string();
    assert_eq!(err, "bad value \"TURBO\": gen-1.mode takes one of STOP, MANUAL, AUTO");
    let err = Command::parse("set pump-1.fault maybe").unwrap_err().to_string();
    assert_eq!(err, "bad value \"maybe\": pump-1.fault takes true or false");
}

#[test]
fn wrong_arity_gives_the_usage() {
    assert_eq!(
        Command::parse("mains").unwrap_err(),
        CommandError::Usage("mains fail|restore")
    );
    assert!(matches!(Command::parse("set gen-1.mode"), Err(CommandError::Usage(_))));
    assert!(matches!(
        Command::parse("set gen-1 MANUAL"),
        Err(CommandError::Usage(_))
    ));
    assert!(matches!(
        Command::parse("feed feed-3 fail"),
        Err(CommandError::UnknownFeed(_))
    ));
}

#[test]
fn offline_accepts_a_device_or_an_equipment_it_serves() {
    let Command::Offline(d) = Command::parse("offline pump-1").unwrap() else {
        panic!("not offline");
    };
    assert_eq!(d.id, "booster-set-controller");
    let err = Command::parse("offline toaster").unwrap_err().to_string();
    assert!(err.contains("gen-1-controller"), "{err}");
}

#[test]
fn applying_set_changes_the_building_and_replies_with_the_new_value() {
    let mut b = Building::demo();
    let applied = apply(&mut b, "set gen-1.mode manual");
    assert_eq!(applied.reply, "gen-1.mode = MANUAL");
    assert_eq!(b.power().generator.mode, GenMode::Manual);
    let applied = apply(&mut b, "set sump-b2.inflow 0.02");
    assert_eq!(applied.reply, "sump-b2.inflow = 0.02 m/s");
}

#[test]
fn offline_reports_a_change_only_once() {
    let mut b = Building::demo();
    let first = apply(&mut b, "offline gen-1-controller");
    assert_eq!(first.reply, "gen-1-controller (Modbus TCP unit 1) is now offline");
    assert!(matches!(first.link_change, Some((d, false)) if d.id == "gen-1-controller"));
    let again = apply(&mut b, "offline gen-1");
    assert_eq!(again.link_change, None);
    assert!(!b.is_online("gen-1-controller"));
    let back = apply(&mut b, "online gen-1-controller");
    assert!(matches!(back.link_change, Some((_, true))));
}

#[test]
fn mains_fail_takes_both_feeds() {
    let mut b = Building::demo();
    apply(&mut b, "mains fail");
    assert!(b.power().feeds.iter().all(|f| !f.available));
    apply(&mut b, "mains restore");
    assert!(b.power().mains_available());
}

#[test]
fn status_is_one_line_that_shows_the_demo_state() {
    let mut b = Building::demo();
    let status = apply(&mut b, "status").reply;
    assert!(!status.contains('\n'));
    assert!(status.contains("mains up"), "{status}");
    assert!(status.contains("gen-1 AUTO stopped"), "{status}");
    assert!(status.contains("pump-1 run pump-2 off 4.50 bar"), "{status}");
    assert!(status.contains("offline none"), "{status}");
}

#[test]
fn help_replies_are_single_lines() {
    let mut b = Building::demo();
    for line in ["help", "help set", "help devices", "help gen-1"] {
        let reply = apply(&mut b, line).reply;
        assert!(!reply.contains('\n'), "{line}: {reply}");
    }
    assert!(apply(&mut b, "help gen-1")
        .reply
        .contains("mode <one of STOP, MANUAL, AUTO>"));
}
