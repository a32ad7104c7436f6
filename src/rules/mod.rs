//! Rules: the emergency procedures as evaluations of the live plant.

pub mod outcome;
