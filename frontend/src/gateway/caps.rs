//! Capabilities BuildKit announced in Ping.

use std::collections::BTreeSet;

use crate::proto::moby::buildkit::v1::apicaps::ApiCap;

#[derive(Debug, Clone, Default)]
pub struct Caps {
    enabled: BTreeSet<String>,
}

impl Caps {
    pub fn from_ping(caps: &[ApiCap]) -> Self {
        Self { enabled: caps.iter().filter(|c| c.enabled).map(|c| c.id.clone()).collect() }
    }

    pub fn has(&self, cap: &str) -> bool {
        self.enabled.contains(cap)
    }

    /// The first of `needed` the engine lacks.
    pub fn missing<'a>(&self, needed: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
        needed.into_iter().find(|c| !self.has(c))
    }
}
