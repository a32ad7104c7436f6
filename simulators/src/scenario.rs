//! Scenario timelines: TOML files of commands at given times, so a procedure
//! case (a generator left in MANUAL, a blocked sump pump) can be replayed the
//! same way in a test, in a demo and by hand.
//!
//! ```toml
//! name = "outage_generator_manual"
//! description = "..."
//! # repeat_every_s = 120.0      # optional: start the timeline again
//!
//! [[steps]]
//! at_s = 5.0
//! command = "set gen-1.mode MANUAL"
//! note = "PWR-04: ..."          # optional
//! ```
//!
//! Every command is parsed when the file is loaded; a bad file is rejected
//! with all its problems, each naming the file and the step.

use std::path::Path;

use serde::Deserialize;
use thiserror::Error;

use crate::command::Command;

/// Scenarios shipped with the simulator, embedded so that `facmon demo` does
/// not depend on the working directory.
const BUILTIN: &[(&str, &str)] = &[
    ("demo", include_str!("../scenarios/demo.toml")),
    (
        "outage_generator_manual",
        include_str!("../scenarios/outage_generator_manual.toml"),
    ),
    ("outage_auto_start", include_str!("../scenarios/outage_auto_start.toml")),
    (
        "ats_not_transferring",
        include_str!("../scenarios/ats_not_transferring.toml"),
    ),
    ("utility_feed_loss", include_str!("../scenarios/utility_feed_loss.toml")),
    (
        "duty_pump_trip_standby_failed",
        include_str!("../scenarios/duty_pump_trip_standby_failed.toml"),
    ),
    (
        "duty_pump_trip_standby_takes_over",
        include_str!("../scenarios/duty_pump_trip_standby_takes_over.toml"),
    ),
    ("tank_low", include_str!("../scenarios/tank_low.toml")),
    ("sump_pit_flooding", include_str!("../scenarios/sump_pit_flooding.toml")),
    ("fire_alarm", include_str!("../scenarios/fire_alarm.toml")),
    ("fire_pump_failure", include_str!("../scenarios/fire_pump_failure.toml")),
    ("device_offline", include_str!("../scenarios/device_offline.toml")),
    ("busy_hour", include_str!("../scenarios/busy_hour.toml")),
];

/// A scenario that could not be loaded.
#[derive(Debug, Error)]
pub enum ScenarioError {
    /// The file could not be read.
    #[error("cannot read scenario file {path}: {error}")]
    Read {
        /// The path given.
        path: String,
        /// The I/O error.
        error: std::io::Error,
    },
    /// The file is not valid TOML for a scenario.
    #[error("scenario {origin} is not a valid scenario file: {message}")]
    Syntax {
        /// File path or builtin name.
        origin: String,
        /// The TOML parser's message.
        message: String,
    },
    /// The file parsed but its content is wrong.
    #[error("scenario {origin} has {} problem(s): {}", problems.len(), problems.join("; "))]
    Invalid {
        /// File path or builtin name.
        origin: String,
        /// One sentence per problem.
        problems: Vec<String>,
    },
    /// No shipped scenario has that name.
    #[error("there is no built-in scenario \"{name}\"; built-in scenarios are: {available}")]
    UnknownBuiltin {
        /// The name asked for.
        name: String,
        /// Comma-separated names.
        available: String,
    },
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawScenario {
    name: String,
    description: String,
    #[serde(default)]
    repeat_every_s: Option<f64>,
    #[serde(default)]
    steps: Vec<RawStep>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStep {
    at_s: f64,
    command: String,
    #[serde(default)]
    note: Option<String>,
}

/// One timed command.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    /// Seconds after the simulator (or the repeat) started.
    pub at_s: f64,
    /// The command as written.
    pub text: String,
    /// The parsed command.
    pub command: Command,
    /// Why this step is there (usually the procedure id it triggers).
    pub note: Option<String>,
}

/// A checked scenario.
#[derive(Debug, Clone, PartialEq)]
pub struct Scenario {
    /// Short name (the file stem for shipped scenarios).
    pub name: String,
    /// What it shows.
    pub description: String,
    /// Start the timeline again this many seconds after it started.
    pub repeat_every_s: Option<f64>,
    /// Steps in time order.
    pub steps: Vec<Step>,
}

impl Scenario {
    /// Loads and checks a scenario file.
    pub fn from_file(path: impl AsRef<Path>) -> Result<Self, ScenarioError> {
        let path = path.as_ref();
        let origin = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|error| ScenarioError::Read {
            path: origin.clone(),
            error,
        })?;
        Self::from_toml_str(&origin, &text)
    }

    /// Parses and checks scenario text; `origin` names it in errors.
    pub fn from_toml_str(origin: &str, text: &str) -> Result<Self, ScenarioError> {
        let raw: RawScenario = toml::from_str(text).map_err(|e| {
            let line = e
                .span()
                .and_then(|span| text.get(..span.start))
                .map(|before| before.matches('\n').count() + 1);
            ScenarioError::Syntax {
                origin: origin.to_owned(),
                message: match line {
                    Some(line) => format!("line {line}: {}", e.message().trim_end()),
                    None => e.message().trim_end().to_owned(),
                },
            }
        })?;
        let mut problems = Vec::new();
        if raw.name.trim().is_empty() {
            problems.push("`name` is empty".to_owned());
        }
        let mut steps = Vec::with_capacity(raw.steps.len());
        let mut previous = 0.0_f64;
        for (i, step) in raw.steps.into_iter().enumerate() {
            let at = || format!("step {} (at_s = {})", i + 1, step.at_s);
            if !step.at_s.is_finite() || step.at_s < 0.0 {
                problems.push(format!("{}: at_s must be a number of seconds >= 0", at()));
            } else if step.at_s < previous {
                problems.push(format!(
                    "{}: steps must be in time order, but the step before is at {previous} s",
                    at()
                ));
            } else {
                previous = step.at_s;
            }
            match Command::parse(&step.command) {
                Ok(command) => steps.push(Step {
                    at_s: step.at_s,
                    text: step.command.trim().to_owned(),
                    command,
                    note: step.note,
                }),
                Err(e) => problems.push(format!("{}: `{}`: {e}", at(), step.command.trim())),
            }
        }
        if let Some(repeat) = raw.repeat_every_s {
            if !repeat.is_finite() || repeat <= previous {
                problems.push(format!(
                    "repeat_every_s = {repeat} must be later than the last step ({previous} s)"
                ));
            }
        }
        if !problems.is_empty() {
            return Err(ScenarioError::Invalid {
                origin: origin.to_owned(),
                problems,
            });
        }
        Ok(Self {
            name: raw.name,
            description: raw.description,
            repeat_every_s: raw.repeat_every_s,
            steps,
        })
    }

    /// A scenario shipped with the simulator, e.g. `Scenario::builtin("demo")`;
    /// `None` if there is none of that name ([`Scenario::builtin_names`]).
    pub fn builtin(name: &str) -> Option<Self> {
        Self::try_builtin(name).ok()
    }

    /// Names of the shipped scenarios.
    pub fn builtin_names() -> Vec<&'static str> {
        BUILTIN.iter().map(|(name, _)| *name).collect()
    }

    /// A file path if `arg` names an existing file or ends in `.toml`,
    /// otherwise a built-in name (the CLI's `--scenario FILE|NAME`).
    pub fn load(arg: &str) -> Result<Self, ScenarioError> {
        if arg.ends_with(".toml") || Path::new(arg).is_file() {
            Self::from_file(arg)
        } else {
            Self::try_builtin(arg)
        }
    }

    /// A shipped scenario, or why not. (Every shipped file is parsed by a
    /// unit test, so only an unknown name fails in practice.)
    fn try_builtin(name: &str) -> Result<Self, ScenarioError> {
        let (key, text) =
            BUILTIN
                .iter()
                .find(|(key, _)| *key == name)
                .ok_or_else(|| ScenarioError::UnknownBuiltin {
                    name: name.to_owned(),
                    available: Self::builtin_names().join(", "),
                })?;
        Self::from_toml_str(&format!("builtin:{key}"), text)
    }
}

/// Plays a scenario against simulated time.
#[derive(Debug)]
pub(crate) struct Timeline {
    scenario: Scenario,
    next: usize,
    cycle_start_s: f64,
    finished: bool,
}

impl Timeline {
    pub(crate) fn new(scenario: Scenario) -> Self {
        Self {
            scenario,
            next: 0,
            cycle_start_s: 0.0,
            finished: false,
        }
    }

    pub(crate) fn scenario(&self) -> &Scenario {
        &self.scenario
    }

    /// Steps due at `now_s`, as indices into the scenario's steps, plus
    /// whether the scenario just finished. Call with a non-decreasing `now_s`.
    pub(crate) fn due(&mut self, now_s: f64) -> (Vec<usize>, bool) {
        let mut due = Vec::new();
        if self.finished {
            return (due, false);
        }
        if let Some(repeat) = self.scenario.repeat_every_s {
            if self.next >= self.scenario.steps.len() && now_s - self.cycle_start_s + 1e-9 >= repeat {
                self.cycle_start_s += repeat;
                self.next = 0;
            }
        }
        while let Some(step) = self.scenario.steps.get(self.next) {
            if self.cycle_start_s + step.at_s > now_s + 1e-9 {
                break;
            }
            due.push(self.next);
            self.next += 1;
        }
        let finished = self.scenario.repeat_every_s.is_none() && self.next >= self.scenario.steps.len();
        self.finished = finished;
        (due, finished)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_shipped_scenario_parses_and_is_named_after_its_file() {
        for name in Scenario::builtin_names() {
            let s = Scenario::try_builtin(name).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(s.name, name);
            assert!(!s.steps.is_empty(), "{name} has no steps");
            assert!(!s.description.trim().is_empty(), "{name} has no description");
        }
    }

    #[test]
    fn every_file_in_the_scenarios_folder_is_shipped() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios");
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
            assert!(
                Scenario::builtin_names().contains(&stem.as_str()),
                "{stem} is not in BUILTIN"
            );
            Scenario::from_file(&path).unwrap();
        }
    }

    #[test]
    fn the_demo_trips_something_within_thirty_seconds() {
        let demo = Scenario::builtin("demo").unwrap();
        assert!(demo.steps.iter().any(|s| s.at_s <= 30.0 && s.text == "mains fail"));
    }

    #[test]
    fn a_bad_step_is_reported_with_the_file_and_step_number() {
        let text = r#"
            name = "bad"
            description = "two problems"
            [[steps]]
            at_s = 1.0
            command = "set gen-1.mode TURBO"
            [[steps]]
            at_s = 0.5
            command = "mains fail"
        "#;
        let err = Scenario::from_toml_str("bad.toml", text).unwrap_err().to_string();
        assert!(
            err.starts_with("scenario bad.toml has 2 problem(s): step 1 (at_s = 1): `set gen-1.mode TURBO`: bad value"),
            "{err}"
        );
        assert!(
            err.contains("step 2 (at_s = 0.5): steps must be in time order"),
            "{err}"
        );
    }

    #[test]
    fn unknown_keys_are_refused() {
        let text = "name = \"x\"\ndescription = \"y\"\nloop = true\n";
        let err = Scenario::from_toml_str("x.toml", text).unwrap_err().to_string();
        assert!(err.contains("unknown field `loop`"), "{err}");
    }

    #[test]
    fn an_unknown_builtin_lists_the_builtins() {
        assert!(Scenario::builtin("nope").is_none());
        let err = Scenario::load("nope").unwrap_err().to_string();
        assert!(err.contains("demo, outage_generator_manual"), "{err}");
    }

    #[test]
    fn the_timeline_releases_steps_when_due_and_then_finishes() {
        let text = r#"
            name = "t"
            description = "d"
            [[steps]]
            at_s = 0.0
            command = "status"
            [[steps]]
            at_s = 1.0
            command = "mains fail"
            [[steps]]
            at_s = 1.0
            command = "mains restore"
        "#;
        let mut t = Timeline::new(Scenario::from_toml_str("t", text).unwrap());
        assert_eq!(t.due(0.0), (vec![0], false));
        assert_eq!(t.due(0.9), (vec![], false));
        assert_eq!(t.due(1.0), (vec![1, 2], true));
        assert_eq!(t.due(2.0), (vec![], false));
    }

    #[test]
    fn a_repeating_timeline_starts_again() {
        let text = r#"
            name = "r"
            description = "d"
            repeat_every_s = 10.0
            [[steps]]
            at_s = 2.0
            command = "status"
        "#;
        let mut t = Timeline::new(Scenario::from_toml_str("r", text).unwrap());
        assert_eq!(t.due(2.0), (vec![0], false));
        assert_eq!(t.due(11.9), (vec![], false));
        assert_eq!(t.due(12.0), (vec![0], false));
    }
}
