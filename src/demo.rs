//! `facmon demo`: placeholder until the simulators land.

/// Demo options.
#[derive(Debug, Clone)]
pub struct DemoOptions {
    pub scenario: String,
    pub duration: Option<std::time::Duration>,
    pub plain: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error("the demo is not built yet")]
    NotBuilt,
}

pub async fn run(_opts: DemoOptions) -> Result<(), DemoError> {
    Err(DemoError::NotBuilt)
}
