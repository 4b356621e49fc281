//! Lint rules: mistakes that still build, or fail later than they should. `docker buildx build
//! --check` (the `frontend.lint` request) lists them and fails; a normal build shows them as
//! warnings. Pure: the gateway gathers the inputs.

use std::collections::BTreeMap;

use crate::gofile::Gofile;
use crate::gomod::{GoMod, GoVersion};

/// Where the rules are explained: the README section of each, by its lower-case name.
pub const DOCS: &str = "https://github.com/org/gofront/blob/main/README.md";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    pub name: &'static str,
    pub description: &'static str,
}

impl Rule {
    pub fn url(&self) -> String {
        format!("{DOCS}#{}", self.name.to_ascii_lowercase())
    }
}

pub const GO_NEWER_THAN_BUILDER: Rule =
    Rule { name: "GoVersionNewerThanBuilder", description: "go.mod asks for a newer Go than the builder image has" };
pub const GO_SUM_MISSING: Rule =
    Rule { name: "GoSumMissing", description: "go.mod requires modules, but there is no go.sum beside it" };
pub const GO_SUM_INCOMPLETE: Rule =
    Rule { name: "GoSumIncomplete", description: "go.sum has no checksum for a module go.mod requires" };
pub const UNUSED_BUILD_ARG: Rule =
    Rule { name: "UnusedBuildArg", description: "a build arg is set that nothing in the build reads" };
pub const CGO_DEPENDENCY: Rule =
    Rule { name: "CgoDependencyWithoutCgo", description: "a dependency needs cgo, but cgo is off" };
pub const VENDOR_OUT_OF_SYNC: Rule =
    Rule { name: "VendorOutOfSync", description: "vendor/modules.txt does not match go.mod" };
pub const BASE_USER_OVERRIDDEN: Rule =
    Rule { name: "BaseUserOverridden", description: "the base image's user is replaced by gofront's nonroot user" };
pub const PRIVATE_WITHOUT_CREDENTIALS: Rule = Rule {
    name: "PrivateModulesWithoutCredentials",
    description: "private modules are fetched directly, but the build has no netrc secret or SSH agent",
};
pub const REDUNDANT_DEFAULT: Rule =
    Rule { name: "RedundantDefault", description: "a Gofile key is set to the value it has anyway" };
pub const UNPINNED_IMAGE: Rule = Rule {
    name: "UnpinnedImage",
    description: "SOURCE_DATE_EPOCH asks for a reproducible image, but an image it is built from has no digest",
};

/// Every rule, for the README and `--call=describe`-style listings.
pub const RULES: &[Rule] = &[
    GO_NEWER_THAN_BUILDER,
    GO_SUM_MISSING,
    GO_SUM_INCOMPLETE,
    UNUSED_BUILD_ARG,
    CGO_DEPENDENCY,
    VENDOR_OUT_OF_SYNC,
    BASE_USER_OVERRIDDEN,
    PRIVATE_WITHOUT_CREDENTIALS,
    REDUNDANT_DEFAULT,
    UNPINNED_IMAGE,
];

/// Build args that make Go fetch modules straight from their repositories, past GOPROXY.
pub const DIRECT_FETCH_ARGS: &[&str] = &["GOPRIVATE", "GONOPROXY"];

/// The credentials for private modules a build was given, as a probe step saw them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Credentials {
    /// `--secret id=netrc`
    pub netrc: bool,
    /// `--ssh default`
    pub ssh_agent: bool,
}

/// Whether a build with these args fetches some modules directly, so the credentials are worth
/// probing for.
pub fn fetches_directly(args: &BTreeMap<String, String>) -> bool {
    DIRECT_FETCH_ARGS.iter().any(|name| args.get(*name).is_some_and(|v| !v.trim().is_empty()))
}

/// Modules that wrap a C library: without cgo they do not build, or build a stub that fails at
/// run time.
const CGO_MODULES: &[&str] = &[
    "github.com/mattn/go-sqlite3",
    "github.com/mattn/go-oci8",
    "github.com/confluentinc/confluent-kafka-go",
    "github.com/confluentinc/confluent-kafka-go/v2",
    "github.com/DataDog/zstd",
    "github.com/valyala/gozstd",
    "github.com/go-gl/glfw/v3.3/glfw",
    "gopkg.in/gographics/imagick.v3",
    "github.com/tecbot/gorocksdb",
    "github.com/linxGnu/grocksdb",
];

/// Which file a finding is in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum File {
    Gofile,
    /// A context file (go.mod), by its path in the context.
    Context(String),
}

/// One line range, 1-based, whole lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lines {
    pub first: usize,
    pub last: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub rule: Rule,
    pub detail: String,
    pub file: File,
    pub lines: Lines,
}

fn line(n: usize) -> Lines {
    Lines { first: n, last: n }
}

fn gofile_line(gofile: &Gofile, offset: usize) -> Lines {
    line(crate::gofile::span::line_col(&gofile.source, offset).line)
}

/// The rules that read the Gofile, go.mod and the build args: called by the planner, with the
/// files as the build reads them (`gomod` at `gomod_path`; go.sum and vendor/modules.txt).
pub struct Facts<'a> {
    pub gofile: &'a Gofile,
    pub gomod: &'a GoMod,
    pub gomod_path: String,
    pub gosum: Option<&'a str>,
    pub modules_txt: Option<&'a str>,
    pub build_args: &'a BTreeMap<String, String>,
    pub cgo: bool,
}

/// The findings of what the planner knows; a `version` build has no go.mod of its own to check.
pub fn planned(facts: &Facts) -> Vec<Finding> {
    let mut findings = Vec::new();
    let gofile = facts.gofile;
    redundant_defaults(gofile, &mut findings);
    unused_build_args(gofile, facts.build_args, &mut findings);
    if gofile.version.is_none() {
        if !facts.cgo {
            cgo_dependencies(&facts.gomod_path, facts.gomod, &mut findings);
        }
        match facts.modules_txt {
            Some(modules) => vendor_in_sync(&facts.gomod_path, facts.gomod, modules, &mut findings),
            None => go_sum(&facts.gomod_path, facts.gomod, facts.gosum, &mut findings),
        }
    }
    findings
}

/// What only the engine can tell: the builder's Go, the base image's user, the credentials a
/// probe found, and `--check`'s survey of packages with cgo files.
#[derive(Debug, Default)]
pub struct EngineFacts<'a> {
    /// The builder image's Go (its GOLANG_VERSION), e.g. "1.22.5".
    pub builder_go: Option<&'a str>,
    /// The `base` image's configured user, when the Gofile names a base image.
    pub base_user: Option<&'a str>,
    /// What the credentials probe found; None when it did not run.
    pub credentials: Option<Credentials>,
    /// `package<TAB>module<TAB>files` for each imported package with cgo files; None when the
    /// survey did not run.
    pub cgo_packages: Option<&'a str>,
}

pub fn from_engine(facts: &Facts, engine: &EngineFacts) -> Vec<Finding> {
    let mut findings = Vec::new();
    base_user(facts.gofile, engine.base_user, &mut findings);
    private_without_credentials(facts.build_args, engine.credentials, &mut findings);
    go_newer_than_builder(&facts.gomod_path, facts.gomod, engine.builder_go, &mut findings);
    if let (Some(survey), false, None) = (engine.cgo_packages, facts.cgo, &facts.gofile.version) {
        cgo_packages(&facts.gomod_path, facts.gomod, survey, &mut findings);
    }
    findings
}

fn go_newer_than_builder(path: &str, gomod: &GoMod, builder: Option<&str>, out: &mut Vec<Finding>) {
    let Some((builder, release)) = builder.and_then(|b| GoVersion::parse(b).map(|r| (b, r))) else { return };
    // The toolchain line is what the module asks to be built with; `go` is the minimum.
    for (directive, entry) in [("go", &gomod.go), ("toolchain", &gomod.toolchain)] {
        let Some((wanted, number)) = entry else { continue };
        if GoVersion::parse(wanted).is_some_and(|w| w > release) {
            out.push(Finding {
                rule: GO_NEWER_THAN_BUILDER,
                detail: format!(
                    "go.mod's `{directive} {wanted}` is newer than the builder's Go {builder}: the build fails with GOTOOLCHAIN=local; raise `go` in the Gofile (or GO_VERSION) or pick a newer `builder`"
                ),
                file: File::Context(path.to_string()),
                lines: line(*number),
            });
            return;
        }
    }
}

fn go_sum(path: &str, gomod: &GoMod, gosum: Option<&str>, out: &mut Vec<Finding>) {
    let Some(first) = gomod.requires.first() else { return };
    let Some(sums) = gosum else {
        out.push(Finding {
            rule: GO_SUM_MISSING,
            detail: "go.mod requires modules, but there is no go.sum beside it: the download step fails with \"missing go.sum entry\"; run `go mod tidy` and commit go.sum (check .dockerignore too)".into(),
            file: File::Context(path.to_string()),
            lines: line(first.line),
        });
        return;
    };
    for require in &gomod.requires {
        let wanted = format!("{} {}/go.mod ", require.path, require.version);
        if !sums.lines().any(|l| l.starts_with(&wanted)) {
            out.push(Finding {
                rule: GO_SUM_INCOMPLETE,
                detail: format!(
                    "go.sum has no checksum for {} {}: run `go mod tidy` and commit go.sum",
                    require.path, require.version
                ),
                file: File::Context(path.to_string()),
                lines: line(require.line),
            });
        }
    }
}

fn vendor_in_sync(path: &str, gomod: &GoMod, modules_txt: &str, out: &mut Vec<Finding>) {
    for require in &gomod.requires {
        let wanted = format!("# {} {}", require.path, require.version);
        if !modules_txt.lines().any(|l| l == wanted || l.starts_with(&format!("{wanted} "))) {
            out.push(Finding {
                rule: VENDOR_OUT_OF_SYNC,
                detail: format!(
                    "go.mod requires {} {}, but vendor/modules.txt does not list it: the build fails with \"inconsistent vendoring\"; run `go mod vendor`",
                    require.path, require.version
                ),
                file: File::Context(path.to_string()),
                lines: line(require.line),
            });
        }
    }
}

fn cgo_dependencies(path: &str, gomod: &GoMod, out: &mut Vec<Finding>) {
    for require in gomod.requires.iter().filter(|r| CGO_MODULES.contains(&r.path.as_str())) {
        out.push(Finding {
            rule: CGO_DEPENDENCY,
            detail: format!(
                "{} wraps a C library, but cgo is off: it fails to build or fails at run time; set `cgo = true` in the Gofile (it brings a glibc builder and base)",
                require.path
            ),
            file: File::Context(path.to_string()),
            lines: line(require.line),
        });
    }
}

fn base_user(gofile: &Gofile, base_user: Option<&str>, out: &mut Vec<Finding>) {
    let (Some(base), Some(user)) = (&gofile.base, base_user) else { return };
    if gofile.user.is_some() || user.is_empty() {
        return;
    }
    let uid = user.split(':').next().unwrap_or(user);
    let nonroot = crate::plan::NONROOT.to_string();
    if ["0", "root", nonroot.as_str(), "nonroot"].contains(&uid) {
        return;
    }
    out.push(Finding {
        rule: BASE_USER_OVERRIDDEN,
        detail: format!(
            "the base image runs as {user:?}, but gofront runs the app as nonroot ({nonroot}:{nonroot}); set `user = {user:?}` to keep the base's user, or `user = \"nonroot\"` to say you mean it"
        ),
        file: File::Gofile,
        lines: gofile_line(gofile, base.span.start),
    });
}

/// Build args that no part of the build reads: a typo, or a leftover.
fn unused_build_args(gofile: &Gofile, args: &BTreeMap<String, String>, out: &mut Vec<Finding>) {
    let ldflags: Vec<String> =
        crate::plan::ldflags::variables(gofile).unwrap_or_default().into_iter().map(|(n, _)| n).collect();
    for name in args.keys() {
        let read = crate::plan::BUILD_ARGS.iter().any(|(known, _)| known == name)
            || name.starts_with("BUILDKIT_")
            || crate::plan::PROXY_ARGS.iter().any(|p| p.eq_ignore_ascii_case(name))
            || ldflags.contains(name);
        if !read {
            out.push(Finding {
                rule: UNUSED_BUILD_ARG,
                detail: format!(
                    "--build-arg {name} is set, but nothing in this build reads it (ldflags reads {}); remove it or use it as ${{{name}}} in ldflags",
                    if ldflags.is_empty() { "no variables".to_string() } else { ldflags.join(", ") }
                ),
                file: File::Gofile,
                lines: line(1),
            });
        }
    }
}

fn private_without_credentials(
    args: &BTreeMap<String, String>,
    credentials: Option<Credentials>,
    out: &mut Vec<Finding>,
) {
    let Some(Credentials { netrc: false, ssh_agent: false }) = credentials else { return };
    for name in DIRECT_FETCH_ARGS {
        let Some(value) = args.get(*name).filter(|v| !v.trim().is_empty()) else { continue };
        out.push(Finding {
            rule: PRIVATE_WITHOUT_CREDENTIALS,
            detail: format!(
                "{name}={value} makes Go fetch those modules from their repositories, but the build has neither a netrc secret nor an SSH agent: a private repository refuses the download; pass --secret id=netrc,src=$HOME/.netrc or --ssh default (nothing to do if those modules are public)"
            ),
            file: File::Gofile,
            lines: line(1),
        });
        return;
    }
}

/// Packages with cgo files that a cgo-off build compiles without them, by module: at the module's
/// `require` line, or at the `module` line for the main module's own packages. Modules the known
/// list already named are not repeated.
fn cgo_packages(path: &str, gomod: &GoMod, survey: &str, out: &mut Vec<Finding>) {
    let mut by_module: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for entry in survey.lines() {
        let mut fields = entry.split('\t');
        let (Some(package), module_path, files) = (fields.next(), fields.next(), fields.next()) else { continue };
        if package.is_empty() {
            continue;
        }
        let files = files.unwrap_or("").replace(',', ", ");
        by_module.entry(module_path.unwrap_or("")).or_default().push(format!("{package} ({files})"));
    }
    for (module_path, packages) in by_module {
        let required = gomod.requires.iter().find(|r| r.path == module_path);
        if CGO_MODULES.contains(&module_path) && required.is_some() {
            continue;
        }
        let number = required.map_or(gomod.module_line.max(1), |r| r.line);
        let (who, verb) = if packages.len() == 1 { ("package", "has") } else { ("packages", "have") };
        out.push(Finding {
            rule: CGO_DEPENDENCY,
            detail: format!(
                "{who} {} {verb} cgo files, but cgo is off: Go compiles {} without them, into a pure-Go fallback or a build or run-time failure; set `cgo = true` if C is needed (nothing to do if the fallback is what you want)",
                packages.join(", "),
                if packages.len() == 1 { "it" } else { "them" }
            ),
            file: File::Context(path.to_string()),
            lines: line(number),
        });
    }
}

/// With SOURCE_DATE_EPOCH (a reproducible image wanted), each image the build uses that a tag
/// alone names: (what it is, its reference, the Gofile span that chose it).
pub fn unpinned(gofile: &Gofile, epoch: bool, images: &[(&str, &str, Option<std::ops::Range<usize>>)]) -> Vec<Finding> {
    if !epoch {
        return Vec::new();
    }
    images
        .iter()
        .filter(|(_, reference, _)| !reference.contains("@sha256:"))
        .map(|(what, reference, span)| Finding {
            rule: UNPINNED_IMAGE,
            detail: format!(
                "SOURCE_DATE_EPOCH is set, but the {what} {reference} is a tag, which can name another image tomorrow: the build cannot be reproduced; pin it by digest (`{what} = \"{reference}@sha256:…\"`, or a named context that names a digest)"
            ),
            file: File::Gofile,
            lines: span.as_ref().map_or(line(1), |s| gofile_line(gofile, s.start)),
        })
        .collect()
}

/// Top-level keys written with the value they have anyway (the key table's defaults).
fn redundant_defaults(gofile: &Gofile, out: &mut Vec<Finding>) {
    for written in &gofile.written {
        let default = crate::gofile::keys::KEYS.iter().find(|k| k.name == written.key).and_then(|k| k.default);
        if default.is_some_and(|d| d == written.literal) {
            out.push(Finding {
                rule: REDUNDANT_DEFAULT,
                detail: format!("`{} = {}` is the default; remove the line", written.key, written.literal),
                file: File::Gofile,
                lines: gofile_line(gofile, written.span.start),
            });
        }
    }
}

#[cfg(test)]
mod tests;
