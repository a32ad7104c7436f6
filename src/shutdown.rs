//! One signal that tells every task to stop, in order.
//!
//! Sources stop polling first; sinks flush; the API closes last. Tasks select on
//! [`Shutdown::cancelled`] next to their work.

use tokio::signal::unix::{signal, SignalKind};
use tokio_util::sync::CancellationToken;

/// A cloneable stop signal.
#[derive(Debug, Clone, Default)]
pub struct Shutdown(CancellationToken);

impl Shutdown {
    pub fn new() -> Self {
        Shutdown(CancellationToken::new())
    }

    /// Asks every holder to stop.
    pub fn trigger(&self) {
        self.0.cancel();
    }

    pub fn is_triggered(&self) -> bool {
        self.0.is_cancelled()
    }

    /// Resolves once [`Shutdown::trigger`] has been called.
    pub async fn cancelled(&self) {
        self.0.cancelled().await
    }

    /// A child signal: stopping it does not stop the parent; stopping the parent stops it.
    pub fn child(&self) -> Shutdown {
        Shutdown(self.0.child_token())
    }
}

/// Listens for Ctrl-C (SIGINT) and SIGTERM (how service managers stop a daemon).
///
/// Create it once, before the work starts, and keep it: a signal that arrives while no
/// listener exists is not queued for a listener made later, and because the default handler
/// is already replaced the process would then ignore it.
pub struct StopSignals {
    interrupt: tokio::signal::unix::Signal,
    terminate: tokio::signal::unix::Signal,
}

impl StopSignals {
    pub fn new() -> std::io::Result<StopSignals> {
        Ok(StopSignals {
            interrupt: signal(SignalKind::interrupt())?,
            terminate: signal(SignalKind::terminate())?,
        })
    }

    /// Resolves at the next SIGINT or SIGTERM.
    pub async fn recv(&mut self) {
        tokio::select! {
            _ = self.interrupt.recv() => {}
            _ = self.terminate.recv() => {}
        }
    }
}
