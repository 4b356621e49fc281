//! What BuildKit tells the frontend process through its environment.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::plan::BuildOptions;
use crate::platform::Platform;

#[derive(Debug, Clone, Default)]
pub struct FrontendEnv {
    pub opts: BTreeMap<String, String>,
    pub session_id: String,
    pub worker_platforms: Vec<Platform>,
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
                let workers: Vec<Worker> = serde_json::from_str(&value).unwrap_or_default();
                env.worker_platforms = workers.into_iter().flat_map(|w| w.platforms).collect();
            }
        }
        env
    }

    pub fn opt(&self, key: &str) -> Option<&str> {
        self.opts.get(key).map(String::as_str).filter(|v| !v.is_empty())
    }

    /// The platforms to build for, from `platform`; empty means the default.
    pub fn target_platforms(&self) -> Result<Vec<Platform>, String> {
        let Some(list) = self.opt("platform") else {
            return Ok(Vec::new());
        };
        let mut out: Vec<Platform> = Vec::new();
        for item in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let platform =
                Platform::parse(item).ok_or_else(|| format!("{item:?} is not a platform (want os/arch[/variant])"))?;
            if !out.contains(&platform) {
                out.push(platform);
            }
        }
        Ok(out)
    }

    /// Options shared by every platform of the build.
    pub fn build_options(&self, build_platform: Platform) -> BuildOptions {
        let prefixed = |prefix: &str| -> BTreeMap<String, String> {
            self.opts.iter().filter_map(|(k, v)| k.strip_prefix(prefix).map(|k| (k.to_string(), v.clone()))).collect()
        };
        BuildOptions {
            build_args: prefixed("build-arg:"),
            target_platform: None,
            build_platform,
            named_contexts: prefixed("context:"),
            labels: prefixed("label:"),
            vcs_revision: self.opt("vcs:revision").map(str::to_string),
            vcs_source: self.opt("vcs:source").map(str::to_string),
            target: self.opt("target").map(str::to_string),
            network: crate::plan::Network::from_opt(self.opt("force-network-mode")),
            extra_hosts: self.extra_hosts(),
            cache_imported: self.cache_imported(),
            frontend_version: Some(crate::VERSION.to_string()),
        }
    }

    /// Whether the client imports a build cache (`--cache-from`): buildx forwards the imports as
    /// `cache-imports` (a JSON list), older clients as `cache-from`.
    fn cache_imported(&self) -> bool {
        let imports = self.opt("cache-imports").map(str::trim).is_some_and(|json| json != "[]" && json != "null");
        imports || self.opt("cache-from").is_some()
    }

    /// `add-hosts`: comma-separated `host=ip` (buildx's `--add-host host:ip`).
    fn extra_hosts(&self) -> Vec<(String, String)> {
        self.opt("add-hosts")
            .unwrap_or("")
            .split(',')
            .filter_map(|entry| entry.trim().split_once('='))
            .map(|(host, ip)| (host.trim().to_string(), ip.trim().to_string()))
            .filter(|(host, ip)| !host.is_empty() && !ip.is_empty())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_options_session_and_workers() {
        let env = FrontendEnv::from_vars([
            ("BUILDKIT_FRONTEND_OPT_0".to_string(), "build-arg:LDFLAGS=-X a=b".to_string()),
            ("BUILDKIT_FRONTEND_OPT_1".to_string(), "platform=linux/amd64,linux/arm64".to_string()),
            ("BUILDKIT_FRONTEND_OPT_2".to_string(), "context:builder=docker-image://x/go:1".to_string()),
            ("BUILDKIT_SESSION_ID".to_string(), "s1".to_string()),
            (
                "BUILDKIT_WORKERS".to_string(),
                r#"[{"id":"w","platforms":[{"architecture":"amd64","os":"linux"}]}]"#.to_string(),
            ),
            ("PATH".to_string(), "/bin".to_string()),
        ]);
        assert_eq!(env.session_id, "s1");
        assert_eq!(env.worker_platforms[0].to_string(), "linux/amd64");
        let platforms = env.target_platforms().expect("platforms");
        assert_eq!(platforms.len(), 2);
        let options = env.build_options(Platform::parse("linux/amd64").expect("platform"));
        assert_eq!(options.build_args.get("LDFLAGS").map(String::as_str), Some("-X a=b"));
        assert_eq!(options.named_contexts.get("builder").map(String::as_str), Some("docker-image://x/go:1"));
        assert!(!options.cache_imported);
    }

    #[test]
    fn an_imported_cache_is_noticed() {
        let with = |opt: &str| {
            let env = FrontendEnv::from_vars([("BUILDKIT_FRONTEND_OPT_0".to_string(), opt.to_string())]);
            env.build_options(Platform::parse("linux/amd64").expect("platform")).cache_imported
        };
        assert!(with(r#"cache-imports=[{"Type":"gha","Attrs":{"scope":"main"}}]"#));
        assert!(with("cache-from=registry.example/app:cache"));
        assert!(!with("cache-imports=[]"));
        assert!(!with("cache-imports="));
    }
}
