//! Notifications: routes from alarms to roles, a durable outbox, channels, repeats and
//! escalation. (Stub: filled in by the notification work.)

use serde::Serialize;

/// `[notify]`, checked.
#[derive(Debug, Clone, Default, Serialize)]
pub struct NotifyPlan {}
