//! Reading go.mod and go.work: the module path, the Go version it asks for, its requirements and
//! its local replace targets, each with its line. The one reader of these files: the plan and the
//! lint rules both read what it returns.

use std::cmp::Ordering;
use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct GoMod {
    pub module: String,
    /// The line of the `module` directive (1-based).
    pub module_line: usize,
    /// The `go` directive, e.g. "1.22" or "1.22.3", and its line.
    pub go: Option<(String, usize)>,
    /// The `toolchain` directive without its "go" prefix, e.g. "1.23.1", and its line.
    pub toolchain: Option<(String, usize)>,
    /// `require` entries: module path, version, line.
    pub requires: Vec<Require>,
    /// Directories of `replace … => ./dir` targets, relative to the module root.
    pub local_replaces: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Require {
    pub path: String,
    pub version: String,
    pub line: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GoModError {
    pub line: usize,
    pub message: String,
}

impl fmt::Display for GoModError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "go.mod:{}: {}", self.line, self.message)
    }
}

impl std::error::Error for GoModError {}

impl GoMod {
    /// The Go minor version to build with: toolchain first, then the go line ("1.22").
    pub fn go_minor(&self) -> Option<String> {
        let wanted = self.toolchain.as_ref().or(self.go.as_ref())?;
        GoVersion::parse(&wanted.0).map(|v| v.minor_release())
    }
}

/// A Go release, `1.22`, `1.22.3` or `go1.21rc2`: major, minor and patch (0 when not given).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct GoVersion {
    pub major: u32,
    pub minor: u32,
    pub patch: u32,
}

impl GoVersion {
    pub fn parse(version: &str) -> Option<GoVersion> {
        let version = version.strip_prefix("go").unwrap_or(version);
        let mut parts = version.splitn(3, '.');
        let major = parts.next().filter(|m| !m.is_empty() && m.chars().all(|c| c.is_ascii_digit()))?;
        let minor_raw = parts.next()?;
        let minor: String = minor_raw.chars().take_while(|c| c.is_ascii_digit()).collect();
        let suffix = &minor_raw[minor.len()..];
        let suffix_ok = suffix.is_empty() || suffix.starts_with("rc") || suffix.starts_with("beta");
        let patch = match parts.next() {
            None => 0,
            Some(p) if !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()) => p.parse().ok()?,
            Some(_) => return None,
        };
        if minor.is_empty() || !suffix_ok {
            return None;
        }
        Some(GoVersion { major: major.parse().ok()?, minor: minor.parse().ok()?, patch })
    }

    /// "1.22": what picks a builder image.
    pub fn minor_release(&self) -> String {
        format!("{}.{}", self.major, self.minor)
    }

    /// Ordered by major and minor alone.
    pub fn cmp_minor(&self, other: &GoVersion) -> Ordering {
        (self.major, self.minor).cmp(&(other.major, other.minor))
    }
}

/// The name `go build` gives a main package's binary: its last path element, skipping `/vN`.
pub fn binary_name(module: &str, package: &str) -> String {
    let rel = package.trim_start_matches('.').trim_matches('/');
    let path = if rel.is_empty() { module.to_string() } else { format!("{module}/{rel}") };
    let parts: Vec<&str> = path.split('/').collect();
    match parts.as_slice() {
        [.., parent, v] if v.len() > 1 && v.starts_with('v') && v[1..].parse::<u32>().is_ok() => (*parent).to_string(),
        [.., last] => (*last).to_string(),
        [] => path,
    }
}

/// "1.22.3" → "1.22"; "1.22rc1" → "1.22"; anything else → None.
pub fn minor_version(version: &str) -> Option<String> {
    GoVersion::parse(version).map(|v| v.minor_release())
}

/// Parses the parts of go.mod gofront needs; other directives are skipped.
pub fn parse(text: &str) -> Result<GoMod, GoModError> {
    let mut gomod = GoMod::default();
    let mut block: Option<String> = None;
    for (index, raw) in text.lines().enumerate() {
        let line_no = index + 1;
        let line = strip_comment(raw).trim();
        if line.is_empty() {
            continue;
        }
        if let Some(verb) = &block {
            if line == ")" {
                block = None;
            } else if verb == "replace" {
                take_replace(&mut gomod, line);
            } else if verb == "require" {
                take_require(&mut gomod, line, line_no);
            }
            continue;
        }
        let (verb, rest) = line.split_once(char::is_whitespace).unwrap_or((line, ""));
        let rest = rest.trim();
        if rest == "(" {
            block = Some(verb.to_string());
            continue;
        }
        match verb {
            "module" => (gomod.module, gomod.module_line) = (unquote(rest).to_string(), line_no),
            "go" => gomod.go = Some((rest.to_string(), line_no)),
            "toolchain" => gomod.toolchain = Some((rest.trim_start_matches("go").to_string(), line_no)),
            "replace" => take_replace(&mut gomod, rest),
            "require" => take_require(&mut gomod, rest, line_no),
            _ => {}
        }
        if verb == "module" && gomod.module.is_empty() {
            return Err(GoModError { line: line_no, message: "the module directive has no path".into() });
        }
    }
    if gomod.module.is_empty() {
        return Err(GoModError { line: 1, message: "no `module` line".into() });
    }
    gomod.local_replaces.sort();
    gomod.local_replaces.dedup();
    Ok(gomod)
}

fn take_require(gomod: &mut GoMod, spec: &str, line: usize) {
    if let [path, version, ..] = spec.split_whitespace().collect::<Vec<_>>().as_slice() {
        gomod.requires.push(Require { path: unquote(path).to_string(), version: version.to_string(), line });
    }
}

fn strip_comment(line: &str) -> &str {
    line.find("//").map_or(line, |i| &line[..i])
}

fn unquote(text: &str) -> &str {
    text.trim().trim_matches(|c| c == '"' || c == '`')
}

fn take_replace(gomod: &mut GoMod, spec: &str) {
    if let Some((_, target)) = spec.split_once("=>") {
        let path = target.split_whitespace().next().map(unquote).unwrap_or_default();
        if path.starts_with("./") || path.starts_with("../") {
            gomod.local_replaces.push(path.trim_end_matches('/').to_string());
        }
    }
}

/// The parts of go.work gofront needs.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct GoWork {
    /// `use` directories, relative to the go.work file, without "./" and trailing "/".
    pub uses: Vec<String>,
    /// Directories of local `replace` targets, relative to the go.work file.
    pub local_replaces: Vec<String>,
}

/// Parses go.work's `use` and `replace` directives.
pub fn parse_work(text: &str) -> GoWork {
    let mut work = GoWork::default();
    let mut block: Option<String> = None;
    for raw in text.lines() {
        let line = strip_comment(raw).trim();
        if line.is_empty() {
            continue;
        }
        let (verb, rest) = match &block {
            Some(_) if line == ")" => {
                block = None;
                continue;
            }
            Some(verb) => (verb.clone(), line.to_string()),
            None => {
                let (verb, rest) = line.split_once(char::is_whitespace).unwrap_or((line, ""));
                if rest.trim() == "(" {
                    block = Some(verb.to_string());
                    continue;
                }
                (verb.to_string(), rest.trim().to_string())
            }
        };
        match verb.as_str() {
            "use" => {
                let dir = unquote(&rest).trim_start_matches("./").trim_end_matches('/');
                work.uses.push(if dir.is_empty() { ".".to_string() } else { dir.to_string() });
            }
            "replace" => {
                let mut scratch = GoMod::default();
                take_replace(&mut scratch, &rest);
                work.local_replaces.extend(scratch.local_replaces);
            }
            _ => {}
        }
    }
    work.uses.sort();
    work.uses.dedup();
    work
}

#[cfg(test)]
mod tests;
