//! The provider used when the official endpoint's key is missing: every call
//! fails at once, naming the variable to set, instead of trying the network.

use super::{DeltaSink, Provider, ProviderError, ProviderId, Reply, Request};
use futures_util::future::LocalBoxFuture;

pub struct MissingKey {
    pub id: ProviderId,
    /// The variable that should hold the key, e.g. `ANTHROPIC_API_KEY`.
    pub var: String,
}

/// What to tell the user, at start and on each call.
pub fn message(var: &str) -> String {
    format!("{var} is not set: export it, or choose another provider (--provider, /provider)")
}

impl Provider for MissingKey {
    fn id(&self) -> ProviderId {
        self.id
    }

    fn stream<'a>(
        &'a self,
        _req: Request<'a>,
        _sink: &'a mut DeltaSink<'a>,
    ) -> LocalBoxFuture<'a, Result<Reply, ProviderError>> {
        let err = ProviderError::new(self.id.as_str(), message(&self.var));
        Box::pin(async move { Err(err) })
    }
}
