//! `[roster]`: people, their roles and contacts, shifts, rotas and overrides, checked.
//! (Stub: filled in by the roster work.)

use serde::Deserialize;

use super::error::Issues;
use super::plan::Site;
use crate::roster::Roster;

/// `[roster]` as written.
#[derive(Debug, Default, Deserialize)]
pub struct RawRoster {}

pub(super) fn resolve(raw: Option<&RawRoster>, site: &Site, issues: &mut Issues) -> Roster {
    let _ = (raw, site, issues);
    Roster::default()
}
