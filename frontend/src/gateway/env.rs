//! What BuildKit tells the frontend process through its environment.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::platform::Platform;

#[derive(Debug, Clone, Default)]
pub struct FrontendEnv {
    /// The frontend options as BuildKit passed them; [`super::options::Options`] reads them.
    pub opts: BTreeMap<String, String>,
    pub session_id: String,
    pub worker_platforms: Vec<Platform>,
    /// Why BUILDKIT_WORKERS could not be read, reported as the build's error.
    pub workers_error: Option<String>,
}

#[derive(Deserialize)]
struct Worker {
    #[serde(default)]
    platforms: Vec<Platform>,
}

impl FrontendEnv {
    pub fn from_process() -> Self {
        Self::from_vars(std::env::vars())
    }

    pub fn from_vars(vars: impl IntoIterator<Item = (String, String)>) -> Self {
        let mut env = FrontendEnv::default();
        for (name, value) in vars {
            if name.starts_with("BUILDKIT_FRONTEND_OPT_") {
                // key=value, split at the first '='; the value may hold more.
                if let Some((key, value)) = value.split_once('=') {
                    env.opts.insert(key.to_string(), value.to_string());
                }
            } else if name == "BUILDKIT_SESSION_ID" {
                env.session_id = value;
            } else if name == "BUILDKIT_WORKERS" {
                match serde_json::from_str::<Vec<Worker>>(&value) {
                    Ok(workers) => env.worker_platforms = workers.into_iter().flat_map(|w| w.platforms).collect(),
                    Err(e) => env.workers_error = Some(e.to_string()),
                }
            }
        }
        env
    }
}
