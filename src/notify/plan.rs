//! `[notify]`, checked: channels, routes, repeats. (Stub: filled in by the channel work.)

use serde::Serialize;

/// `[notify]`, checked.
#[derive(Debug, Clone, Default, Serialize)]
pub struct NotifyPlan {}
