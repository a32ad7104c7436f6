//! Config errors: every problem found, each with file, key path, what is wrong and what to do.

use std::fmt;

/// One problem in a config file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigIssue {
    /// Dotted path to the key, e.g. `equipment[2].points.running.table`.
    pub key: String,
    /// What is wrong, as a sentence.
    pub problem: String,
    /// What to do about it.
    pub hint: String,
}

/// Every problem found in one file. Never empty.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigErrors {
    pub file: String,
    pub issues: Vec<ConfigIssue>,
}

impl fmt::Display for ConfigErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.issues.len();
        writeln!(f, "{}: {n} problem{} found", self.file, if n == 1 { "" } else { "s" })?;
        for i in &self.issues {
            let key = if i.key.is_empty() { "(file)" } else { &i.key };
            writeln!(f, "{}: {key}: {}", self.file, i.problem)?;
            writeln!(f, "    hint: {}", i.hint)?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigErrors {}

/// Collects issues while a plan is built, so that one run reports all of them.
#[derive(Debug, Default)]
pub struct Issues(pub Vec<ConfigIssue>);

impl Issues {
    pub fn push(&mut self, key: impl Into<String>, problem: impl Into<String>, hint: impl Into<String>) {
        self.0.push(ConfigIssue {
            key: key.into(),
            problem: problem.into(),
            hint: hint.into(),
        });
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}
