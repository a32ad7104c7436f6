//! The control language: one command per line, used by scenario files, stdin,
//! the TCP control port and [`crate::Sim::command`].
//!
//! ```text
//! mains fail | mains restore
//! feed feed-1|feed-2 fail|restore
//! set <equipment>.<field> <value>      e.g. set gen-1.mode MANUAL
//! offline <device> | online <device>   a device stops / resumes answering
//! status
//! help [set | devices | <equipment>]
//! ```
//!
//! Parsing checks everything (equipment, field, value range, device id), so a
//! parsed [`Command`] always applies. Replies are one line, because the TCP
//! control port answers each command with exactly one line.

mod status;

use thiserror::Error;

use crate::building::knobs::{self, Knob, KnobKind, KnobValue};
use crate::building::{Building, FEED_IDS};
use crate::devices::{self, Device};

/// The command summary used in errors and `help`.
pub const COMMANDS: &str = "mains fail|restore; feed feed-1|feed-2 fail|restore; \
set <equipment>.<field> <value>; offline <device>; online <device>; status; \
help [set|devices|<equipment>]";

/// A parse error, phrased as a sentence that says what would be valid.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CommandError {
    /// Nothing but blanks.
    #[error("empty command; valid commands are: {COMMANDS}")]
    Empty,
    /// The first word is not a command.
    #[error("unknown command \"{0}\"; valid commands are: {COMMANDS}")]
    Unknown(String),
    /// A known command with the wrong arguments.
    #[error("usage: {0}")]
    Usage(&'static str),
    /// `feed` names no feed.
    #[error("unknown feed \"{0}\"; valid feeds are: feed-1, feed-2")]
    UnknownFeed(String),
    /// `set` names equipment without knobs.
    #[error("nothing to set on \"{given}\"; equipment with settable fields: {valid}")]
    UnknownEquipment {
        /// What was typed.
        given: String,
        /// Comma-separated valid ids.
        valid: String,
    },
    /// `set` names a field the equipment does not have.
    #[error("{equipment} has no settable field \"{field}\"; its fields are: {valid}")]
    UnknownField {
        /// Equipment id.
        equipment: String,
        /// What was typed.
        field: String,
        /// Comma-separated valid fields.
        valid: String,
    },
    /// The value does not fit the field.
    #[error("bad value \"{given}\": {expected}")]
    BadValue {
        /// What was typed.
        given: String,
        /// What the field takes.
        expected: String,
    },
    /// `offline` / `online` / `help` names no device or equipment.
    #[error("unknown device \"{given}\"; valid devices are: {valid} (or the id of an equipment one of them serves)")]
    UnknownDevice {
        /// What was typed.
        given: String,
        /// Comma-separated device ids.
        valid: String,
    },
}

/// What `help` was asked about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HelpTopic {
    /// The command summary.
    Commands,
    /// The equipment that has settable fields.
    Set,
    /// The communicating devices.
    Devices,
    /// The fields of one equipment.
    Equipment(&'static str),
}

/// One parsed, checked command.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    /// `mains fail` / `mains restore`: both utility feeds at once.
    Mains {
        /// `true` for restore.
        available: bool,
    },
    /// `feed <id> fail|restore`.
    Feed {
        /// Index into [`FEED_IDS`].
        index: usize,
        /// `true` for restore.
        available: bool,
    },
    /// `set <equipment>.<field> <value>`.
    Set {
        /// The field.
        knob: &'static Knob,
        /// The checked value.
        value: KnobValue,
    },
    /// `offline <device>`.
    Offline(&'static Device),
    /// `online <device>`.
    Online(&'static Device),
    /// `status`.
    Status,
    /// `help ...`.
    Help(HelpTopic),
}

/// The result of applying a command.
#[derive(Debug, Clone, PartialEq)]
pub struct Applied {
    /// The one-line reply.
    pub reply: String,
    /// A device that went offline (`false`) or came back (`true`).
    pub link_change: Option<(&'static Device, bool)>,
}

impl Command {
    /// Parses one line.
    pub fn parse(line: &str) -> Result<Self, CommandError> {
        let words: Vec<&str> = line.split_whitespace().collect();
        let Some((&first, args)) = words.split_first() else {
            return Err(CommandError::Empty);
        };
        match first.to_ascii_lowercase().as_str() {
            "mains" => match args {
                [action] => Ok(Self::Mains {
                    available: fail_or_restore(action).ok_or(CommandError::Usage("mains fail|restore"))?,
                }),
                _ => Err(CommandError::Usage("mains fail|restore")),
            },
            "feed" => match args {
                [id, action] => {
                    let index = FEED_IDS
                        .iter()
                        .position(|f| f.eq_ignore_ascii_case(id))
                        .ok_or_else(|| CommandError::UnknownFeed((*id).to_owned()))?;
                    let available =
                        fail_or_restore(action).ok_or(CommandError::Usage("feed feed-1|feed-2 fail|restore"))?;
                    Ok(Self::Feed { index, available })
                }
                _ => Err(CommandError::Usage("feed feed-1|feed-2 fail|restore")),
            },
            "set" => match args {
                [target, value] => parse_set(target, value),
                _ => Err(CommandError::Usage(
                    "set <equipment>.<field> <value>, e.g. set gen-1.mode MANUAL (help set lists the equipment)",
                )),
            },
            "offline" | "online" => match args {
                [id] => {
                    let device = devices::resolve(id).ok_or_else(|| unknown_device(id))?;
                    Ok(if first.eq_ignore_ascii_case("offline") {
                        Self::Offline(device)
                    } else {
                        Self::Online(device)
                    })
                }
                _ => Err(CommandError::Usage("offline <device> / online <device>")),
            },
            "status" => match args {
                [] => Ok(Self::Status),
                _ => Err(CommandError::Usage("status")),
            },
            "help" => match args {
                [] => Ok(Self::Help(HelpTopic::Commands)),
                [topic] if topic.eq_ignore_ascii_case("set") => Ok(Self::Help(HelpTopic::Set)),
                [topic] if topic.eq_ignore_ascii_case("devices") => Ok(Self::Help(HelpTopic::Devices)),
                [topic] => knobs::equipment_ids()
                    .into_iter()
                    .find(|e| e.eq_ignore_ascii_case(topic))
                    .map(|e| Self::Help(HelpTopic::Equipment(e)))
                    .ok_or_else(|| unknown_equipment(topic)),
                _ => Err(CommandError::Usage("help [set|devices|<equipment>]")),
            },
            other => Err(CommandError::Unknown(other.to_owned())),
        }
    }

    /// Applies the command to the building.
    pub fn apply(&self, building: &mut Building) -> Applied {
        let reply = |reply: String| Applied {
            reply,
            link_change: None,
        };
        match *self {
            Self::Mains { available: false } => {
                building.set_mains(false);
                reply("mains failed: both utility feeds lost".to_owned())
            }
            Self::Mains { available: true } => {
                building.set_mains(true);
                reply("mains restored: both utility feeds back".to_owned())
            }
            Self::Feed { index, available } => {
                building.set_feed_available(index, available);
                let id = FEED_IDS.get(index).copied().unwrap_or("feed-?");
                reply(format!("{id} {}", if available { "restored" } else { "failed" }))
            }
            Self::Set { knob, value } => {
                knob.apply(building, value);
                reply(format!("{} = {}", knob.target(), knob.show(value)))
            }
            Self::Offline(device) | Self::Online(device) => {
                let online = matches!(self, Self::Online(_));
                let changed = building.set_online(device, online);
                let state = if online { "online" } else { "offline" };
                let where_ = match device.transport {
                    devices::Transport::Mqtt => "MQTT".to_owned(),
                    t => format!("{} unit {}", t.label(), device.unit),
                };
                Applied {
                    reply: format!(
                        "{} ({where_}) {} {state}",
                        device.id,
                        if changed { "is now" } else { "was already" }
                    ),
                    link_change: changed.then_some((device, online)),
                }
            }
            Self::Status => reply(status::line(building)),
            Self::Help(topic) => reply(help(topic)),
        }
    }
}

fn fail_or_restore(word: &str) -> Option<bool> {
    match word.to_ascii_lowercase().as_str() {
        "fail" => Some(false),
        "restore" => Some(true),
        _ => None,
    }
}

fn parse_set(target: &str, value: &str) -> Result<Command, CommandError> {
    let Some((equipment, field)) = target.split_once('.') else {
        return Err(CommandError::Usage(
            "set <equipment>.<field> <value>, e.g. set gen-1.mode MANUAL (help set lists the equipment)",
        ));
    };
    let known = knobs::equipment_ids();
    let Some(equipment) = known.iter().find(|e| e.eq_ignore_ascii_case(equipment)) else {
        return Err(unknown_equipment(equipment));
    };
    let knob = knobs::find(equipment, &field.to_ascii_lowercase()).ok_or_else(|| CommandError::UnknownField {
        equipment: (*equipment).to_owned(),
        field: field.to_owned(),
        valid: knobs::of(equipment).map(|k| k.field).collect::<Vec<_>>().join(", "),
    })?;
    let value = knob.parse(value).map_err(|expected| CommandError::BadValue {
        given: value.to_owned(),
        expected,
    })?;
    Ok(Command::Set { knob, value })
}

fn unknown_equipment(given: &str) -> CommandError {
    CommandError::UnknownEquipment {
        given: given.to_owned(),
        valid: knobs::equipment_ids().join(", "),
    }
}

fn unknown_device(given: &str) -> CommandError {
    CommandError::UnknownDevice {
        given: given.to_owned(),
        valid: devices::ids().join(", "),
    }
}

fn help(topic: HelpTopic) -> String {
    match topic {
        HelpTopic::Commands => format!(
            "commands: {COMMANDS}. `help set` lists the equipment, `help <equipment>` its fields, `help devices` the devices"
        ),
        HelpTopic::Set => format!(
            "settable equipment: {}; `help <equipment>` lists its fields",
            knobs::equipment_ids().join(", ")
        ),
        HelpTopic::Devices => {
            let list: Vec<String> = devices::DEVICES
                .iter()
                .map(|d| match d.transport {
                    devices::Transport::Mqtt => format!("{} (MQTT)", d.id),
                    t => format!("{} ({} unit {})", d.id, t.label(), d.unit),
                })
                .collect();
            format!("devices: {}", list.join(", "))
        }
        HelpTopic::Equipment(equipment) => {
            let fields: Vec<String> = knobs::of(equipment)
                .map(|k| {
                    let kind = match k.kind {
                        KnobKind::Bool(_) => "true|false".to_owned(),
                        _ => k.expected(),
                    };
                    format!("{} <{kind}>: {}", k.field, k.help)
                })
                .collect();
            format!("{equipment}: {}", fields.join("; "))
        }
    }
}

#[cfg(test)]
mod tests;
