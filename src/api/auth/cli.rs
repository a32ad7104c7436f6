//! `facmon user add` and `facmon token add`. The password is read from a file or standard
//! input, never from the command line (which `ps` and shell history would keep).

use std::io::BufRead;
use std::path::PathBuf;
use std::time::SystemTime;

use super::{users, AuthError};
use crate::config::Plan;

/// `facmon user …`
#[derive(Debug, clap::Subcommand)]
pub enum UserCommand {
    /// Add a user, or set an existing user's role and password. The password is the first
    /// line of --password-file, or of standard input.
    Add {
        name: String,
        /// viewer (read), operator (and change alarms and tickets) or admin.
        #[arg(long, value_parser = ["viewer", "operator", "admin"])]
        role: String,
        /// A file whose first line is the password (default: read it from standard input).
        #[arg(long, value_name = "FILE")]
        password_file: Option<PathBuf>,
    },
}

/// `facmon token …`
#[derive(Debug, clap::Subcommand)]
pub enum TokenCommand {
    /// Create an API token (or replace the one of that name) and print it once: only its
    /// hash is kept.
    Add {
        name: String,
        #[arg(long, value_parser = ["viewer", "operator", "admin"])]
        role: String,
    },
}

/// Why a user or token command failed.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error("cannot read the password: {0}")]
    Read(std::io::Error),
    #[error("no password given: pipe it on standard input or use --password-file FILE")]
    NoPassword,
    #[error(transparent)]
    Auth(#[from] AuthError),
}

fn first_line(reader: impl BufRead) -> Result<String, CliError> {
    let line = reader.lines().next().transpose().map_err(CliError::Read)?;
    line.map(|l| l.trim_end_matches('\r').to_string())
        .filter(|l| !l.is_empty())
        .ok_or(CliError::NoPassword)
}

pub fn user(plan: &Plan, cmd: &UserCommand, now: SystemTime) -> Result<String, CliError> {
    let UserCommand::Add {
        name,
        role,
        password_file,
    } = cmd;
    let password = match password_file {
        Some(path) => first_line(std::io::BufReader::new(
            std::fs::File::open(path).map_err(CliError::Read)?,
        ))?,
        None => first_line(std::io::stdin().lock())?,
    };
    let db = crate::db::open(&plan.data_dir).map_err(AuthError::from)?;
    users::add_user(&db.conn, name, role, &password, now)?;
    Ok(format!("user {name} is {role}\n"))
}

pub fn token(plan: &Plan, cmd: &TokenCommand, now: SystemTime) -> Result<String, CliError> {
    let TokenCommand::Add { name, role } = cmd;
    let db = crate::db::open(&plan.data_dir).map_err(AuthError::from)?;
    let token = users::add_token(&db.conn, name, role, now)?;
    Ok(format!(
        "{token}\n(token {name}, role {role}: send it as `Authorization: Bearer <token>`; it is not shown again)\n"
    ))
}
