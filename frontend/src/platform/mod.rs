//! Target and build platforms (`linux/arm64`, `linux/arm/v7`) and their Go environment.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::proto::pb;

#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Platform {
    pub os: String,
    pub architecture: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub variant: String,
}

impl Platform {
    /// Parses `os/arch[/variant]`, normalizing the spellings Docker accepts the way containerd
    /// does: `x86_64` and `amd64/v1` are `amd64`, `i386` is `386`, `aarch64` and `arm64/v8` are
    /// `arm64`, `arm` is `arm/v7`, `arm/6` is `arm/v6`, `armhf`/`armel` are `arm/v7`/`arm/v6`,
    /// `macos` is `darwin`.
    pub fn parse(text: &str) -> Option<Platform> {
        let mut parts = text.trim().split('/');
        let os = parts.next().filter(|s| !s.is_empty())?.to_ascii_lowercase();
        let arch = parts.next().filter(|s| !s.is_empty())?.to_ascii_lowercase();
        let variant = parts.next().unwrap_or("").to_ascii_lowercase();
        if parts.next().is_some() {
            return None;
        }
        let os = if os == "macos" { "darwin".to_string() } else { os };
        let (architecture, variant) = match (arch.as_str(), variant.as_str()) {
            ("i386", "") => ("386".to_string(), String::new()),
            ("x86_64" | "x86-64" | "amd64", "v1") => ("amd64".to_string(), String::new()),
            ("x86_64" | "x86-64", v) => ("amd64".to_string(), v.to_string()),
            ("aarch64" | "arm64", "" | "8" | "v8") => ("arm64".to_string(), String::new()),
            ("aarch64", v) => ("arm64".to_string(), v.to_string()),
            ("armhf", "") => ("arm".to_string(), "v7".to_string()),
            ("armel", "") => ("arm".to_string(), "v6".to_string()),
            ("arm", "") => ("arm".to_string(), "v7".to_string()),
            ("arm", v @ ("5" | "6" | "7" | "8")) => ("arm".to_string(), format!("v{v}")),
            (a, v) => (a.to_string(), v.to_string()),
        };
        Some(Platform { os, architecture, variant })
    }

    pub fn from_wire(p: &pb::Platform) -> Platform {
        Platform { os: p.os.clone(), architecture: p.architecture.clone(), variant: p.variant.clone() }
    }

    pub fn wire(&self) -> pb::Platform {
        pb::Platform {
            os: self.os.clone(),
            architecture: self.architecture.clone(),
            variant: self.variant.clone(),
            ..Default::default()
        }
    }

    /// GOOS/GOARCH and the variant's GOARM/GOAMD64/GOARM64, for cross-compiling to this platform.
    pub fn go_env(&self) -> Result<Vec<(String, String)>, String> {
        // GOARCH values `go tool dist list` knows, for an error before the compile rather than in it.
        const GOARCHES: &[&str] = &[
            "386", "amd64", "arm", "arm64", "loong64", "mips", "mipsle", "mips64", "mips64le", "ppc64", "ppc64le",
            "riscv64", "s390x", "wasm",
        ];
        if !GOARCHES.contains(&self.architecture.as_str()) {
            return Err(format!("Go has no architecture {:?} (it knows {})", self.architecture, GOARCHES.join(", ")));
        }
        let mut env = vec![("GOOS".to_string(), self.os.clone()), ("GOARCH".to_string(), self.architecture.clone())];
        let variant = self.variant.as_str();
        match (self.architecture.as_str(), variant) {
            (_, "") => {}
            ("arm", "v5" | "v6" | "v7") => env.push(("GOARM".into(), variant[1..].to_string())),
            ("amd64", "v2" | "v3" | "v4") => env.push(("GOAMD64".into(), variant.to_string())),
            ("arm64", v) if v.starts_with('v') && v[1..].split('.').all(|n| n.parse::<u8>().is_ok()) => {
                let level = if v.contains('.') { v.to_string() } else { format!("{v}.0") };
                env.push(("GOARM64".into(), level));
            }
            (arch, v) => return Err(format!("Go cannot target the variant {v:?} of {arch}")),
        }
        Ok(env)
    }
}

/// The Dockerfile build args that name the target platform.
pub const TARGET_ARGS: &[&str] = &["TARGETOS", "TARGETARCH", "TARGETVARIANT"];

/// [`Platform::go_env`] in POSIX shell, from [`TARGET_ARGS`]: for a Dockerfile that cross-compiles
/// to whatever `--platform` it is built for.
pub const TARGET_GO_ENV_SHELL: &str =
    "export GOOS=\"$TARGETOS\" GOARCH=\"$TARGETARCH\" && case \"$TARGETARCH/$TARGETVARIANT\" in \
arm/v*) export GOARM=\"${TARGETVARIANT#v}\" ;; amd64/v*) export GOAMD64=\"$TARGETVARIANT\" ;; \
arm64/v*) export GOARM64=\"$TARGETVARIANT\" ;; esac";

impl fmt::Display for Platform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.os, self.architecture)?;
        if !self.variant.is_empty() {
            write!(f, "/{}", self.variant)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
