//! Configuration: from a TOML file (plus `FACMON__…` environment overrides) to a checked
//! [`Plan`].
//!
//! Two steps, as ripgrep splits raw and resolved flags: `raw.rs` is what serde can parse;
//! `plan.rs` resolves names to indices, picks each point's decoder once, and collects every
//! problem before failing. Nothing is silently "fixed".

mod api;
mod error;
mod influx;
pub mod kinds;
mod notify;
mod plan;
mod points;
pub mod raw;
mod roster;
mod tickets;

use std::collections::HashMap;
use std::path::Path;

pub use api::ApiPlan;
pub use error::{ConfigErrors, ConfigIssue};
pub use influx::{InfluxApi, InfluxAuth, InfluxTarget};
pub use plan::*;

use config::{Environment, File, FileFormat};

/// Loads and checks a config file, with overrides from the process environment.
pub fn load(path: &Path) -> Result<Plan, ConfigErrors> {
    load_with_env(path, None)
}

/// Loads and checks a config file. `env`, when given, replaces the process environment (tests).
pub fn load_with_env(path: &Path, env: Option<HashMap<String, String>>) -> Result<Plan, ConfigErrors> {
    let file = path.display().to_string();
    if let Err(e) = std::fs::metadata(path) {
        return Err(ConfigErrors {
            file,
            issues: vec![ConfigIssue {
                key: String::new(),
                problem: format!("cannot read the file: {e}"),
                hint: "check the path; `facmon check-config FILE` validates a file".into(),
            }],
        });
    }
    load_source(file, File::from(path).format(FileFormat::Toml).required(true), env)
}

/// Loads and checks config text that is not on disk (the demo's built-in config). `name`
/// stands for the file name in error messages.
pub fn load_str(name: &str, text: &str, env: Option<HashMap<String, String>>) -> Result<Plan, ConfigErrors> {
    load_source(name.to_string(), File::from_str(text, FileFormat::Toml), env)
}

fn load_source<S>(file: String, source: S, env: Option<HashMap<String, String>>) -> Result<Plan, ConfigErrors>
where
    S: config::Source + Send + Sync + 'static,
{
    let fail = |key: &str, problem: String, hint: &str| ConfigErrors {
        file: file.clone(),
        issues: vec![ConfigIssue {
            key: key.into(),
            problem,
            hint: hint.into(),
        }],
    };
    let env_source = Environment::with_prefix("FACMON")
        .prefix_separator("__")
        .separator("__")
        .try_parsing(true)
        .source(env.clone());
    let built = config::Config::builder()
        .add_source(source)
        .add_source(env_source)
        .build()
        .map_err(|e| fail("", e.to_string(), "fix the TOML syntax at the place named"))?;

    let mut unknown = Vec::new();
    let raw: Result<raw::RawConfig, _> =
        serde_ignored::deserialize(built, |p| unknown.push(display_path(&p.to_string())));
    let mut issues = error::Issues::default();
    for key in &unknown {
        issues.push(
            key.clone(),
            "unknown key".to_string(),
            "remove it or check its spelling against the config reference in README.md",
        );
    }
    let raw = match raw {
        Ok(raw) => raw,
        Err(e) => {
            issues.push(
                type_error_key(&e),
                e.to_string(),
                "give the key a value of the type named",
            );
            return Err(ConfigErrors { file, issues: issues.0 });
        }
    };
    let secrets = Secrets { env };
    plan::build(raw, &secrets, issues).map_err(|issues| ConfigErrors { file, issues })
}

/// Where secrets are looked up: the process environment unless a test supplies a map.
pub(crate) struct Secrets {
    env: Option<HashMap<String, String>>,
}

impl Secrets {
    pub(crate) fn var(&self, name: &str) -> Option<String> {
        match &self.env {
            Some(map) => map.get(name).cloned(),
            None => std::env::var(name).ok(),
        }
    }

    /// A secret named by `<name>_env` (an environment variable) or `<name>_file` (its first
    /// line), at config path `at`. A variable that is not set or a file that cannot be read is
    /// reported; a file wins over a variable when both are given.
    pub(crate) fn resolve(
        &self,
        at: &str,
        name: &str,
        var: &Option<String>,
        file: &Option<String>,
        issues: &mut error::Issues,
    ) -> Option<String> {
        let mut value = None;
        if let Some(var) = var {
            value = self.var(var);
            if value.is_none() {
                issues.push(
                    format!("{at}.{name}_env"),
                    format!("environment variable {var} is not set"),
                    format!("export {var}=... before starting facmon"),
                );
            }
        }
        if let Some(file) = file {
            match std::fs::read_to_string(file) {
                Ok(text) => value = text.lines().next().map(str::to_string),
                Err(e) => issues.push(
                    format!("{at}.{name}_file"),
                    format!("cannot read {file}: {e}"),
                    format!("point it at a readable file holding the {name}"),
                ),
            }
        }
        value
    }
}

/// `equipment.2.points.x` → `equipment[2].points.x`, the way TOML users count arrays; the
/// `?` serde_ignored puts inside an optional table (`alarm_mqtt.?.x`) is dropped.
fn display_path(p: &str) -> String {
    let mut out = String::new();
    for part in p.split('.').filter(|part| *part != "?") {
        if !out.is_empty() && part.chars().all(|c| c.is_ascii_digit()) {
            out.push_str(&format!("[{part}]"));
        } else {
            if !out.is_empty() {
                out.push('.');
            }
            out.push_str(part);
        }
    }
    out
}

fn type_error_key(e: &config::ConfigError) -> String {
    match e {
        // The config crate writes `modbus_tcp[0]port`; make it `modbus_tcp[0].port`.
        config::ConfigError::Type { key: Some(k), .. } => display_path(
            k.replace("]", "].")
                .replace("].[", "][")
                .replace("]..", "].")
                .trim_end_matches('.'),
        ),
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/configs/minimal.toml");

    fn env(pairs: &[(&str, &str)]) -> Option<HashMap<String, String>> {
        Some(pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect())
    }

    #[test]
    fn environment_variables_override_scalar_keys() {
        let plan = load_with_env(
            Path::new(MINIMAL),
            env(&[
                ("FACMON__SITE__NAME", "Overridden 覆盖"),
                ("FACMON__SITE__LANGUAGE", "en"),
            ]),
        )
        .unwrap();
        assert_eq!(plan.site.name, "Overridden 覆盖");
        assert_eq!(plan.site.language, Language::En);
    }

    #[test]
    fn secrets_come_from_the_environment_or_a_file_and_never_reach_the_printed_plan() {
        let dir = tempfile::tempdir().unwrap();
        let pw_file = dir.path().join("mqtt-password");
        std::fs::write(&pw_file, "file-secret-42\n").unwrap();
        let text = std::fs::read_to_string(MINIMAL).unwrap().replace(
            "url = \"mqtt://127.0.0.1:1883\"",
            &format!(
                "url = \"mqtt://127.0.0.1:1883\"\nusername_env = \"T_MQTT_USER\"\npassword_file = \"{}\"",
                pw_file.display()
            ),
        );
        let plan = load_str("site.toml", &text, env(&[("T_MQTT_USER", "env-user-7")])).unwrap();
        assert_eq!(plan.brokers[0].username.as_deref(), Some("env-user-7"));
        assert_eq!(plan.brokers[0].password.as_deref(), Some("file-secret-42"));
        let printed = serde_json::to_string(&plan).unwrap();
        assert!(
            !printed.contains("file-secret-42") && !printed.contains("env-user-7"),
            "{printed}"
        );
    }

    #[test]
    fn the_rtu_gap_is_three_and_a_half_characters_unless_set() {
        assert_eq!(rtu_gap(9600), std::time::Duration::from_micros(4010));
        assert_eq!(rtu_gap(115_200), std::time::Duration::from_micros(1750));
    }

    #[test]
    fn alarm_mqtt_publishes_under_the_site_id_with_a_client_id_of_its_own_unless_told() {
        let text = std::fs::read_to_string(MINIMAL).unwrap();
        assert!(load_str("site.toml", &text, env(&[])).unwrap().alarm_mqtt.is_none());
        let plan = load_str(
            "site.toml",
            &format!("{text}\n[alarm_mqtt]\nbroker = \"broker\"\n"),
            env(&[]),
        )
        .unwrap();
        let a = plan.alarm_mqtt.expect("[alarm_mqtt] is planned");
        assert_eq!(plan.brokers[a.broker].id, "broker");
        assert_eq!(a.topic_prefix, "facmon/tower");
        assert_eq!(a.client_id, "facmon-broker-alarms");
        let plan = load_str(
            "site.toml",
            &format!(
                "{text}\n[alarm_mqtt]\nbroker = \"broker\"\ntopic_prefix = \"bms/tower\"\nclient_id = \"pub-1\"\n"
            ),
            env(&[]),
        )
        .unwrap();
        let a = plan.alarm_mqtt.unwrap();
        assert_eq!((a.topic_prefix.as_str(), a.client_id.as_str()), ("bms/tower", "pub-1"));
    }

    #[test]
    fn alarm_mqtt_mistakes_are_all_reported() {
        let broken = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/configs/broken/unknown_alarm_broker.toml"
        );
        let e = load_with_env(Path::new(broken), env(&[])).unwrap_err();
        assert_eq!(e.issues.len(), 1, "{e}");
        assert_eq!(e.issues[0].key, "alarm_mqtt.broker");
        assert!(
            e.issues[0].problem.contains("broker \"site-broker\" is not defined"),
            "{e}"
        );
        assert!(e.issues[0].hint.contains("bms-broker"), "{e}");

        let text = std::fs::read_to_string(MINIMAL).unwrap();
        let e = load_str(
            "site.toml",
            &format!("{text}\n[alarm_mqtt]\nbroker = \"broker\"\ntopic_prefix = \"bms/#\"\nclient_id = \"facmon-broker\"\ncolour = 1\n"),
            env(&[]),
        )
        .unwrap_err();
        let keys: Vec<&str> = e.issues.iter().map(|i| i.key.as_str()).collect();
        assert_eq!(
            keys,
            ["alarm_mqtt.colour", "alarm_mqtt.topic_prefix", "alarm_mqtt.client_id"],
            "{e}"
        );
    }

    #[test]
    fn one_based_addresses_are_accepted_when_declared() {
        let text = std::fs::read_to_string(MINIMAL).unwrap().replace(
            "table = \"holding\"\naddress = 0",
            "table = \"holding\"\naddress = 1\naddress_base = 1",
        );
        let plan = load_str("site.toml", &text, env(&[])).unwrap();
        let p = plan.points.iter().find(|p| &*p.key.role == "mode_selector").unwrap();
        assert!(matches!(&p.source, PointSource::Modbus(m) if m.address == 0));
    }
}
