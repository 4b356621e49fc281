//! Every frontend option gofront reads, parsed once and strictly: a value gofront cannot use is
//! an error that names the option and what it accepts, never silently dropped.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::env::FrontendEnv;
use crate::diagnostic::Diagnostic;
use crate::plan::{BuildOptions, Network};
use crate::platform::Platform;

/// One `--cache-from` import, as buildx forwards it (`cache-imports`, JSON).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct CacheImport {
    #[serde(rename = "Type")]
    pub kind: String,
    #[serde(rename = "Attrs", default)]
    pub attrs: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Options {
    /// The Gofile's name (`filename`), "Gofile" unless `-f` names another.
    pub filename: String,
    /// The local the Gofile comes from (`dockerfilekey`).
    pub dockerfile_key: String,
    /// An information request (`requestid`) instead of a build.
    pub request: Option<String>,
    /// What the plan reads: build args, named contexts, labels, target, network, hosts, VCS
    /// info and whether a cache is imported. Its platforms are set per platform of the build
    /// ([`Options::build_options`]).
    pub build: BuildOptions,
    /// `--platform`; empty means the engine's own.
    pub platforms: Vec<Platform>,
    /// The engine's platforms (`BUILDKIT_WORKERS`).
    pub worker_platforms: Vec<Platform>,
    /// `image-resolve-mode`: default, pull or local.
    pub resolve_mode: Option<String>,
    pub cache_imports: Vec<CacheImport>,
    /// A legacy `cache-from` was given.
    pub cache_from: bool,
    /// `--no-cache`.
    pub no_cache: bool,
    /// A multi-platform result even for one platform (`multi-platform`, BUILDKIT_MULTI_PLATFORM).
    pub multi_platform: bool,
    /// `--sbom`: gofront attaches its own SBOM.
    pub sbom: bool,
}

fn invalid(option: &str, value: &str, accepts: &str) -> Diagnostic {
    Diagnostic::new(format!("the frontend option {option}={value:?} is not valid")).hint(accepts.to_string())
}

fn boolean(option: &str, value: &str) -> Result<bool, Diagnostic> {
    match value {
        "" | "false" | "0" => Ok(false),
        "true" | "1" => Ok(true),
        other => Err(invalid(option, other, "use true or false")),
    }
}

impl Options {
    pub fn parse(env: &FrontendEnv) -> Result<Options, Diagnostic> {
        let opts = &env.opts;
        let get = |key: &str| opts.get(key).map(String::as_str).filter(|v| !v.is_empty());
        let prefixed = |prefix: &str| -> BTreeMap<String, String> {
            opts.iter().filter_map(|(k, v)| k.strip_prefix(prefix).map(|k| (k.to_string(), v.clone()))).collect()
        };
        if let Some(error) = &env.workers_error {
            return Err(Diagnostic::new(format!("BuildKit sent an unreadable worker list: {error}"))
                .hint("this is an engine problem; try another Docker or BuildKit version"));
        }

        let mut platforms: Vec<Platform> = Vec::new();
        for item in get("platform").unwrap_or("").split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let platform = Platform::parse(item).ok_or_else(|| {
                Diagnostic::new(format!("{item:?} is not a platform (want os/arch[/variant])"))
                    .hint("e.g. --platform linux/amd64,linux/arm64")
            })?;
            if !platforms.contains(&platform) {
                platforms.push(platform);
            }
        }

        let resolve_mode = match get("image-resolve-mode") {
            None => None,
            Some(mode @ ("default" | "pull" | "local")) => Some(mode.to_string()),
            Some(other) => return Err(invalid("image-resolve-mode", other, "use default, pull or local")),
        };
        let network = match get("force-network-mode") {
            None | Some("sandbox" | "default") => Network::Sandbox,
            Some("host") => Network::Host,
            Some("none") => Network::None,
            Some(other) => return Err(invalid("force-network-mode", other, "use --network=default, host or none")),
        };

        let mut extra_hosts = Vec::new();
        for entry in get("add-hosts").unwrap_or("").split(',').map(str::trim).filter(|e| !e.is_empty()) {
            let (host, ip) = entry
                .split_once('=')
                .map(|(h, i)| (h.trim(), i.trim()))
                .filter(|(h, i)| !h.is_empty() && !i.is_empty())
                .ok_or_else(|| invalid("add-hosts", entry, "use --add-host NAME:IP"))?;
            if ip != "host-gateway" && ip.parse::<std::net::IpAddr>().is_err() {
                return Err(invalid(
                    "add-hosts",
                    entry,
                    "the address must be an IP (or host-gateway): --add-host NAME:IP",
                ));
            }
            extra_hosts.push((host.to_string(), ip.to_string()));
        }

        let cache_imports = match get("cache-imports").map(str::trim) {
            None | Some("null") => Vec::new(),
            Some(json) => serde_json::from_str::<Vec<CacheImport>>(json).map_err(|e| {
                invalid("cache-imports", json, &format!("a JSON list of {{\"Type\", \"Attrs\"}} imports ({e})"))
            })?,
        };

        let multi_platform = boolean("multi-platform", get("multi-platform").unwrap_or(""))?
            || boolean("build-arg:BUILDKIT_MULTI_PLATFORM", get("build-arg:BUILDKIT_MULTI_PLATFORM").unwrap_or(""))?;

        let filename = get("filename").unwrap_or("Gofile").to_string();
        if filename.contains('\0') {
            return Err(invalid("filename", &filename, "name the Gofile with -f PATH"));
        }

        let cache_from = get("cache-from").is_some();
        Ok(Options {
            filename,
            dockerfile_key: get("dockerfilekey").unwrap_or("dockerfile").to_string(),
            request: get("requestid").map(str::to_string),
            build: BuildOptions {
                build_args: prefixed("build-arg:"),
                named_contexts: prefixed("context:"),
                labels: prefixed("label:"),
                target: get("target").map(str::to_string),
                network,
                extra_hosts,
                vcs_revision: get("vcs:revision").map(str::to_string),
                vcs_source: get("vcs:source").map(str::to_string),
                cache_imported: !cache_imports.is_empty() || cache_from,
                frontend_version: Some(crate::VERSION.to_string()),
                target_platform: None,
                build_platform: Platform::default(),
                deferred_args: false,
            },
            platforms,
            worker_platforms: env.worker_platforms.clone(),
            resolve_mode,
            cache_imports,
            cache_from,
            // `--no-cache` arrives as the key with an empty value (or a list of stages).
            no_cache: opts.contains_key("no-cache"),
            multi_platform,
            // `--sbom=true` arrives as `attest:sbom` (empty, or generator=…): gofront's own SBOM
            // answers it whatever generator is named.
            sbom: opts.contains_key("attest:sbom"),
        })
    }

    /// What the plan needs, on an engine of this platform (the target platform is set per
    /// platform of the build).
    pub fn build_options(&self, build_platform: Platform) -> BuildOptions {
        BuildOptions { build_platform, ..self.build.clone() }
    }
}
