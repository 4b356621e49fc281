//! Options + Gofile + go.mod → [`BuildPlan`]: every decision about the build, made without I/O.
//!
//! `stages` turns a plan (plus the resolved image configs) into LLB.

pub mod config;
pub mod layout;
pub mod ldflags;
pub mod scripts;
pub mod stages;

use std::collections::BTreeMap;
use std::ops::Range;

use crate::diagnostic::Diagnostic;
use crate::gofile::span::{line_col, LineCol};
use crate::gofile::Gofile;
use crate::gomod::{self, GoMod};
use crate::platform::Platform;
use crate::reference;
pub use layout::{ContextFiles, Layout};

/// Where the Go module caches live in the builder; set explicitly so Go never misses the mounts.
pub const GOMODCACHE: &str = "/go/pkg/mod";
pub const GOCACHE: &str = "/root/.cache/go-build";
/// Mount points inside the build containers.
pub const SRC: &str = "/src";
pub const OUT: &str = "/out";
/// The persistent module cache (a cache mount): a `file://` GOPROXY in front of the network, so a
/// go.mod change downloads only the modules that are new.
pub const MODULE_PROXY_CACHE: &str = "/gofront/modcache";
/// The sorted list of packages the binaries import from outside the main module(s), std included.
pub const DEPENDENCY_LIST: &str = "/gofront/list";
/// The precompiled dependencies: Go build cache entries for exactly the listed packages.
pub const DEPENDENCY_CACHE: &str = "/gofront/depcache";
/// Credentials for private modules: `--secret id=netrc,src=$HOME/.netrc` lands here, and Go reads
/// it through NETRC. Optional, so builds without the secret are unaffected.
pub const NETRC_SECRET: &str = "netrc";
pub const NETRC_PATH: &str = "/run/secrets/netrc";
/// `--ssh default` for git-over-ssh module fetches, with SSH_AUTH_SOCK pointing at it.
pub const SSH_AGENT_ID: &str = "default";
pub const SSH_AGENT_SOCK: &str = "/run/buildkit/ssh_agent.0";
/// Where the binary lands in the image.
pub const APP_DIR: &str = "/app";
/// Go's own zoneinfo.zip, copied from the builder's GOROOT and found through ZONEINFO.
pub const ZONEINFO: &str = "/usr/share/zoneinfo.zip";
pub const CA_BUNDLE: &str = "/etc/ssl/certs/ca-certificates.crt";
/// PATH for steps that run `go` from the builder without its own environment.
pub const GO_PATH: &str = "/usr/local/go/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
pub const DEFAULT_PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
pub const NONROOT: u32 = 65532;

/// Build args that configure Go's module fetching; they reach both Go steps.
const GO_NETWORK_ARGS: &[&str] = &["GOPROXY", "GOPRIVATE", "GONOSUMDB", "GONOPROXY", "GOSUMDB", "GOINSECURE"];

/// What the client asked for, already pulled out of BuildKit's frontend options.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BuildOptions {
    pub build_args: BTreeMap<String, String>,
    pub target_platform: Option<Platform>,
    pub build_platform: Platform,
    /// `context:NAME` options, keyed by NAME (which may end in `::os/arch`).
    pub named_contexts: BTreeMap<String, String>,
    /// `label:KEY` options.
    pub labels: BTreeMap<String, String>,
    pub vcs_revision: Option<String>,
    pub vcs_source: Option<String>,
    pub target: Option<String>,
    pub network: Network,
    /// `--add-host` entries for the Go steps: (host, ip).
    pub extra_hosts: Vec<(String, String)>,
    /// The client imports a build cache (`--cache-from`): a CI runner, most likely.
    pub cache_imported: bool,
    /// The running gofront's version, written to [`FRONTEND_VERSION_LABEL`]; none in unit tests.
    pub frontend_version: Option<String>,
}

/// Every build arg gofront reads, with what it does: the outline lists them, and the lint rule
/// for unused build args knows them by this list. (`BUILDKIT_*`, the proxy args and `ldflags`
/// variables are read too.)
pub const BUILD_ARGS: &[(&str, &str)] = &[
    ("GO_VERSION", "Go version of the builder (overrides `go`)"),
    ("GOPROXY", "module proxy"),
    ("GOPRIVATE", "private module patterns"),
    ("GONOSUMDB", "modules not checked against the checksum database"),
    ("GONOPROXY", "modules fetched directly, not through GOPROXY"),
    ("GOSUMDB", "checksum database"),
    ("GOINSECURE", "modules that may be fetched over plain HTTP"),
    ("GOFLAGS", "extra go flags, after -mod=readonly"),
    ("VERSION", "version label, and ${VERSION} in ldflags"),
    ("REVISION", "revision label, and ${REVISION} in ldflags"),
    ("SOURCE", "source label, and ${SOURCE} in ldflags"),
    ("SOURCE_DATE_EPOCH", "timestamps of created files and the image"),
    ("BUILDKIT_CACHE_MOUNT_NS", "prefix of the cache mount ids"),
    (
        DEPENDENCY_LAYERS_ARG,
        "auto, on or off: modules and compiled dependencies as exportable layers (auto: with --cache-from)",
    ),
];

/// The image label naming the gofront release that built an image, so a `# syntax=` pin can be
/// checked from the image alone.
pub const FRONTEND_VERSION_LABEL: &str = "dev.gofront.frontend.version";

/// The network the Go steps get: `docker buildx build --network=…`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Network {
    #[default]
    Sandbox,
    Host,
    None,
}

/// What the build produces: `--target`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A runtime image: the Gofile's top-level one, or a `[targets.NAME]` table's.
    Image(Option<String>),
    /// Only the binaries on an empty filesystem, for `--output type=local`.
    Binary,
    /// `go test ./...`; the build fails when a test fails.
    Test,
    /// `go vet ./...`.
    Vet,
}

pub const BUILTIN_TARGETS: &[&str] = &["image", "binary", "test", "vet"];

impl Target {
    fn parse(name: Option<&str>, gofile: &Gofile) -> Result<Target, Diagnostic> {
        let first_table = || gofile.targets.first().map(|t| t.name.value.clone());
        match name.unwrap_or("") {
            "" | "image" if gofile.main.is_empty() => Ok(Target::Image(first_table())),
            "" | "image" => Ok(Target::Image(None)),
            "binary" => Ok(Target::Binary),
            "test" => Ok(Target::Test),
            "vet" => Ok(Target::Vet),
            table if gofile.targets.iter().any(|t| t.name.value == table) => Ok(Target::Image(Some(table.to_string()))),
            other => {
                let mut valid: Vec<&str> = BUILTIN_TARGETS.to_vec();
                valid.extend(gofile.targets.iter().map(|t| t.name.value.as_str()));
                let mut hint = format!("the valid targets are: {}", valid.join(", "));
                if let Some(near) = crate::gofile::did_you_mean(other, &valid) {
                    hint = format!("did you mean `{near}`? {hint}");
                }
                Err(Diagnostic::new(format!("unknown target {other:?}")).hint(hint))
            }
        }
    }
}

/// A main package compiled in this build.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Binary {
    /// As `go build` takes it: `./cmd/api`.
    pub package: String,
    /// The file `go build` writes into /out.
    pub file: String,
    /// Where `main` names it in the Gofile.
    pub span: Range<usize>,
}

/// Proxy build args (buildx forwards the client's HTTP_PROXY and friends), any case.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Proxy {
    pub http: String,
    pub https: String,
    pub ftp: String,
    pub no_proxy: String,
    pub all: String,
}

impl Proxy {
    pub fn from_build_args(args: &BTreeMap<String, String>) -> Proxy {
        let get = |name: &str| {
            args.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.clone()).unwrap_or_default()
        };
        Proxy {
            http: get("HTTP_PROXY"),
            https: get("HTTPS_PROXY"),
            ftp: get("FTP_PROXY"),
            no_proxy: get("NO_PROXY"),
            all: get("ALL_PROXY"),
        }
    }

    pub fn is_empty(&self) -> bool {
        *self == Proxy::default()
    }
}

/// An image gofront pulls, and why that one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageChoice {
    /// Reference to resolve and use, e.g. `docker.io/library/golang:1.24-alpine`.
    pub reference: String,
    /// For messages: "the Gofile's `builder`", "named context `builder`", …
    pub origin: String,
    pub span: Option<Range<usize>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Base {
    /// gofront's own minimal root made with file ops.
    Scratch,
    Image(ImageChoice),
}

/// The runtime image settings, before merging with a base image's config.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Runtime {
    pub user: String,
    pub workdir: String,
    pub env: Vec<(String, String)>,
    pub entrypoint: Vec<String>,
    pub cmd: Vec<String>,
    pub ports: Vec<String>,
    pub labels: BTreeMap<String, String>,
    pub healthcheck: Option<crate::gofile::Healthcheck>,
    pub files: Vec<crate::gofile::FileCopy>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildPlan {
    pub target: Target,
    pub module: String,
    /// Module root inside the context ("" for the context root).
    pub module_dir: String,
    /// Every main package of the Gofile, compiled together by one `go build`.
    pub binaries: Vec<Binary>,
    /// The selected image's binaries: (file in /out, name in /app); the first is the entrypoint.
    pub image_binaries: Vec<(String, String)>,
    pub go_version: String,
    pub builder: ImageChoice,
    pub base: Base,
    pub platform: Platform,
    pub build_platform: Platform,
    /// Files of the module the dependency stage sees (relative to the context root).
    pub module_files: Vec<String>,
    /// The vendor/ directory of a `-mod=vendor` build (relative to the context root).
    pub vendor_dir: Option<String>,
    /// The client's `--network`: the package install step's, and the Go steps' unless vendored
    /// (see [`BuildPlan::go_network`]).
    pub network: Network,
    /// `--add-host` entries for every step that runs.
    pub extra_hosts: Vec<(String, String)>,
    /// HTTP(S)_PROXY, NO_PROXY, … build args, passed as proxy settings rather than environment.
    pub proxy: Proxy,
    /// Environment of both Go steps (cache dirs, toolchain, proxies).
    pub go_env: Vec<(String, String)>,
    /// GOOS, GOARCH (and GOARM, …) of the target platform: the compile step's alone.
    pub target_env: Vec<(String, String)>,
    /// CGO_ENABLED and the Gofile's `build_env`: every step that compiles or checks.
    pub build_env: Vec<(String, String)>,
    /// The flags that change how packages compile (`-trimpath`, `-tags`): the build and the
    /// dependency steps use exactly these, so their cache entries are the ones the build looks up.
    pub compile_flags: Vec<String>,
    /// `-ldflags` of the build: `-s -w` and the Gofile's, expanded.
    pub ldflags: String,
    /// Compile the dependencies into a layer of their own, which `--cache-to` exports (see
    /// [`dependency_layers`]).
    pub dependency_layers: bool,
    pub cache_ids: CacheIds,
    pub runtime: Runtime,
    /// OS packages to install on the base image.
    pub packages: Vec<String>,
    /// SOURCE_DATE_EPOCH, when given.
    pub epoch: Option<i64>,
    /// Gofile spans of the settings each stage comes from, for error source maps.
    pub spans: Spans,
    /// A `version` build: the module comes from GOPROXY, not from the context.
    pub published: Option<Published>,
}

impl BuildPlan {
    /// The entrypoint binary's name in /app.
    pub fn entrypoint(&self) -> &str {
        self.image_binaries.first().map_or("", |(_, name)| name.as_str())
    }

    /// Network of the Go steps: none for a vendored module, which downloads nothing.
    pub fn go_network(&self) -> Network {
        if self.downloads() {
            self.network
        } else {
            Network::None
        }
    }

    /// Environment of the compile step (and the dependency steps): the target's, then the build's.
    pub fn compile_env(&self) -> Vec<(String, String)> {
        self.target_env.iter().chain(&self.build_env).cloned().collect()
    }

    /// `go build` of every main package at once; one binary is written under its final name,
    /// several go into /out/ under Go's own names. `-v` lists the packages the step really
    /// compiles: on a warm or seeded cache, only the module's own.
    pub fn build_command(&self) -> Vec<String> {
        let mut command = vec!["go".to_string(), "build".into(), "-v".into()];
        command.extend(self.compile_flags.iter().cloned());
        command.push("-buildvcs=false".into());
        command.push(format!("-ldflags={}", self.ldflags));
        let output = match self.binaries.as_slice() {
            [one] => format!("{OUT}/{}", one.file),
            _ => format!("{OUT}/"),
        };
        command.extend(["-o".to_string(), output]);
        command.extend(self.binaries.iter().map(|b| b.package.clone()));
        command
    }

    /// `go test ./...` or `go vet ./...` for those targets; none for the others. They run on the
    /// build platform with [`BuildPlan::build_env`].
    pub fn check_command(&self) -> Option<Vec<String>> {
        let verb = match self.target {
            Target::Test => "test",
            Target::Vet => "vet",
            _ => return None,
        };
        Some(["go", verb, "./..."].map(String::from).to_vec())
    }

    /// The main package of the selected image (its first binary), for progress names.
    pub fn package(&self) -> &str {
        let file = self.image_binaries.first().map(|(file, _)| file.as_str());
        self.binaries.iter().find(|b| Some(b.file.as_str()) == file).map_or("", |b| b.package.as_str())
    }

    /// Whether modules are downloaded: not for a vendored module (no download, no network).
    pub fn downloads(&self) -> bool {
        self.vendor_dir.is_none()
    }
}

/// The published module a `version` build fetches and compiles.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Published {
    /// `module@version`, as `go mod download` takes it.
    pub reference: String,
    /// Where Go extracts it in the module layer: the compile's working directory.
    pub dir: String,
}

impl Published {
    fn of(module: &str, version: &str) -> Published {
        Published {
            reference: format!("{module}@{version}"),
            dir: format!("{GOMODCACHE}/{}@{}", escape_module_path(module), escape_module_path(version)),
        }
    }
}

/// Go's case encoding of module paths in the module cache: an upper-case letter becomes `!` and
/// its lower case, so that paths stay distinct on case-insensitive file systems.
pub fn escape_module_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for c in path.chars() {
        if c.is_ascii_uppercase() {
            out.push('!');
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CacheIds {
    pub modules: String,
    pub build: String,
}

impl CacheIds {
    /// The cache mount ids, under BUILDKIT_CACHE_MOUNT_NS when it is set.
    pub fn for_args(build_args: &BTreeMap<String, String>) -> CacheIds {
        let ns = build_args.get("BUILDKIT_CACHE_MOUNT_NS").map(|ns| format!("{ns}/")).unwrap_or_default();
        CacheIds { modules: format!("{ns}gofront-gomodcache"), build: format!("{ns}gofront-gocache") }
    }
}

/// Gofile lines, as (first, last) 1-based line numbers, that a stage comes from.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Spans {
    pub module: Vec<LineSpan>,
    pub build: Vec<LineSpan>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LineSpan {
    pub start: LineCol,
    pub end: LineCol,
}

impl LineSpan {
    fn of(text: &str, span: &Range<usize>) -> Self {
        LineSpan { start: line_col(text, span.start), end: line_col(text, span.end) }
    }
}

/// The runtime for cgo binaries: glibc, CA certificates, time zones, nonroot.
pub const CGO_BASE: &str = "gcr.io/distroless/base-debian12:nonroot";

/// Well-known `base` names.
pub fn base_alias(name: &str) -> Option<&'static str> {
    match name {
        "distroless" => Some("gcr.io/distroless/static-debian12:nonroot"),
        "alpine" => Some("alpine:3"),
        "debian" => Some("debian:bookworm-slim"),
        _ => None,
    }
}

pub fn plan(gofile: &Gofile, layout: &Layout, options: &BuildOptions) -> Result<BuildPlan, Diagnostic> {
    let gomod = &layout.gomod;
    let cgo = gofile.cgo.as_ref().is_some_and(|c| c.value);
    if gofile.module.value != gomod.module {
        return Err(Diagnostic::new(format!(
            "`module` is {:?}, but go.mod declares module {:?}",
            gofile.module.value, gomod.module
        ))
        .at(gofile.module.span.clone())
        .hint(format!("set module = \"{}\" or build the context that holds {:?}", gomod.module, gofile.module.value)));
    }
    let target = Target::parse(options.target.as_deref(), gofile)?;
    let published = gofile.version.as_ref().map(|v| Published::of(&gofile.module.value, &v.value));
    if let Some(version) = &gofile.version {
        if matches!(target, Target::Test | Target::Vet) {
            return Err(Diagnostic::new("`--target test` and `vet` need the module's source in the build context")
                .at(version.span.clone())
                .hint("a `version` build fetches the module from GOPROXY; test it in its own repository"));
        }
        if gofile.go.is_none() && !options.build_args.contains_key("GO_VERSION") {
            return Err(Diagnostic::new(
                "a `version` build needs `go`: the module's go.mod is not in the build context, so gofront cannot read it",
            )
            .at(version.span.clone())
            .hint("add a line such as `go = \"1.24\"` (the module's go.mod may ask for a newer one)"));
        }
    }

    let platform = options.target_platform.clone().unwrap_or_else(|| options.build_platform.clone());
    let go_version = go_version(gofile, gomod, options)?;
    let builder = builder(gofile, &go_version, cgo, options)?;
    let base = base(gofile, cgo, &platform, options)?;
    check_cgo(gofile, &platform, &options.build_platform, &base)?;
    if let (Some(first), Base::Scratch) = (gofile.packages.first(), &base) {
        return Err(Diagnostic::new("`packages` needs a base image with a package manager; scratch has none")
            .at(first.span.clone())
            .hint("set base = \"debian\" or \"alpine\" (or any apt-get/apk image)"));
    }
    if platform.os != "linux" && matches!(target, Target::Image(_)) {
        return Err(Diagnostic::new(format!("gofront builds Linux images, and {platform} is not Linux")).hint(
            format!(
            "build the {platform} binaries alone: --platform {platform} --target binary --output type=local,dest=bin"
        ),
        ));
    }
    let mut binaries = binaries(gofile)?;
    if platform.os == "windows" {
        // Go adds .exe itself only where it picks the names (several binaries into /out/).
        for binary in &mut binaries {
            if !binary.file.ends_with(".exe") {
                binary.file.push_str(".exe");
            }
        }
    }
    let image_binaries = image_binaries(gofile, &target, &binaries);
    let entrypoint = image_binaries.first().map(|(_, name)| name.clone()).unwrap_or_default();

    let mut go_env = vec![
        ("GOCACHE".to_string(), GOCACHE.to_string()),
        ("GOMODCACHE".into(), GOMODCACHE.into()),
        ("GOTOOLCHAIN".into(), "local".into()),
        ("GOFLAGS".into(), goflags(layout.vendor_dir.is_some(), options)),
        ("NETRC".into(), NETRC_PATH.into()),
        ("SSH_AUTH_SOCK".into(), SSH_AGENT_SOCK.into()),
    ];
    for name in GO_NETWORK_ARGS {
        if let Some(value) = options.build_args.get(*name) {
            go_env.push(((*name).to_string(), value.clone()));
        }
    }

    let target_env = platform.go_env().map_err(|e| {
        Diagnostic::new(format!("cannot build for {platform}: {e}"))
            .hint("pick a platform Go supports, e.g. linux/arm64")
    })?;
    let mut build_env = vec![("CGO_ENABLED".to_string(), if cgo { "1" } else { "0" }.to_string())];
    build_env.extend(gofile.build_env.iter().map(|(name, value)| (name.clone(), value.value.clone())));

    let ldflags = ldflags::expand(gofile, options)?;
    let mut compile_flags = vec!["-trimpath".to_string()];
    if !gofile.tags.is_empty() {
        let tags: Vec<&str> = gofile.tags.iter().map(|t| t.value.as_str()).collect();
        compile_flags.push(format!("-tags={}", tags.join(",")));
    }
    let ldflags = match ldflags.trim() {
        "" => "-s -w".to_string(),
        own => format!("-s -w {own}"),
    };

    let epoch = match options.build_args.get("SOURCE_DATE_EPOCH") {
        Some(text) => Some(text.trim().parse::<i64>().ok().filter(|e| *e >= 0).ok_or_else(|| {
            Diagnostic::new(format!("SOURCE_DATE_EPOCH must be Unix seconds, not {text:?}"))
                .hint("e.g. --build-arg SOURCE_DATE_EPOCH=$(git log -1 --format=%ct)")
        })?),
        None => None,
    };

    let cache_ids = CacheIds::for_args(&options.build_args);

    let at = |span: &Range<usize>| LineSpan::of(&gofile.source, span);
    let mut spans =
        Spans { module: vec![at(&gofile.module.span)], build: binaries.iter().map(|b| at(&b.span)).collect() };
    spans.module.extend(gofile.version.iter().map(|v| at(&v.span)));
    spans.build.extend(gofile.ldflags.iter().map(|l| at(&l.span)));
    spans.build.extend(gofile.tags.iter().map(|t| at(&t.span)));

    Ok(BuildPlan {
        target: target.clone(),
        module: gofile.module.value.clone(),
        module_dir: layout.module_dir.clone(),
        binaries,
        image_binaries: image_binaries.clone(),
        go_version,
        builder,
        base: base.clone(),
        platform,
        build_platform: options.build_platform.clone(),
        module_files: layout.module_files.clone(),
        vendor_dir: layout.vendor_dir.clone(),
        network: options.network,
        extra_hosts: options.extra_hosts.clone(),
        proxy: Proxy::from_build_args(&options.build_args),
        go_env,
        target_env,
        build_env,
        compile_flags,
        ldflags,
        // The CI layers list the packages in the context's source; a `version` build has none.
        dependency_layers: dependency_layers(options)? && published.is_none(),
        cache_ids,
        runtime: {
            let mut runtime = runtime(gofile, &target, &entrypoint, &base, options);
            // `--target binary` is the binaries on an empty filesystem: run from the root.
            if target == Target::Binary {
                runtime.entrypoint = vec![format!("/{entrypoint}")];
                runtime.workdir = "/".into();
            }
            runtime
        },
        packages: gofile.packages.iter().map(|p| p.value.clone()).collect(),
        epoch,
        spans,
        published,
    })
}

/// cgo needs a C toolchain for the target: the builder's own, so only the build platform,
/// unless `build_env` names a cross compiler.
fn check_cgo(gofile: &Gofile, platform: &Platform, build_platform: &Platform, base: &Base) -> Result<(), Diagnostic> {
    let Some(cgo) = gofile.cgo.as_ref().filter(|c| c.value) else {
        return Ok(());
    };
    if platform != build_platform && !gofile.build_env.contains_key("CC") {
        return Err(Diagnostic::new(format!(
            "`cgo = true` cannot cross-compile to {platform} on a {build_platform} builder without a C cross compiler"
        ))
        .at(cgo.span.clone())
        .hint(format!(
            "build {platform} on a {platform} engine, drop cgo, or use a `builder` with a cross toolchain and set build_env = {{ CC = \"…-gcc\" }}"
        )));
    }
    if *base == Base::Scratch {
        let span = gofile.base.as_ref().map_or(cgo.span.clone(), |b| b.span.clone());
        return Err(Diagnostic::new("a cgo binary needs libc at run time, which `base = \"scratch\"` does not have")
            .at(span)
            .hint("remove `base` (cgo defaults to gcr.io/distroless/base-debian12:nonroot) or pick a glibc base such as \"debian\""));
    }
    Ok(())
}

fn go_version(gofile: &Gofile, gomod: &GoMod, options: &BuildOptions) -> Result<String, Diagnostic> {
    if let Some(arg) = options.build_args.get("GO_VERSION") {
        return gomod::minor_version(arg).ok_or_else(|| {
            Diagnostic::new(format!("--build-arg GO_VERSION={arg:?} is not a Go version")).hint("e.g. GO_VERSION=1.24")
        });
    }
    let from_gofile = gofile.go.as_ref().and_then(|g| gomod::minor_version(&g.value).map(|v| (v, g.span.clone())));
    let required = gomod.go.as_deref().and_then(gomod::minor_version);
    if let (Some((chosen, span)), Some(required)) = (&from_gofile, &required) {
        if version_less(chosen, required) {
            return Err(Diagnostic::new(format!("`go` is {chosen}, but go.mod requires go {required} or newer"))
                .at(span.clone())
                .hint(format!("set go = \"{required}\" or remove the line to follow go.mod")));
        }
    }
    from_gofile.map(|(v, _)| v).or_else(|| gomod.go_minor()).ok_or_else(|| {
        Diagnostic::new("go.mod has no `go` line, so gofront cannot pick a Go version")
            .at(gofile.module.span.clone())
            .hint("add `go = \"1.24\"` to the Gofile or a `go 1.24` line to go.mod")
    })
}

fn version_less(a: &str, b: &str) -> bool {
    let parse = |v: &str| -> (u32, u32) {
        let (major, minor) = v.split_once('.').unwrap_or((v, "0"));
        (major.parse().unwrap_or(0), minor.parse().unwrap_or(0))
    };
    parse(a) < parse(b)
}

/// Finds a named context for `names` (platform-specific first); returns the image it points at.
fn named_image(
    names: &[String],
    platform: &Platform,
    options: &BuildOptions,
) -> Result<Option<(String, String)>, Diagnostic> {
    for name in names {
        for key in [format!("{name}::{platform}"), name.clone()] {
            if let Some(value) = options.named_contexts.get(&key) {
                let Some(image) = value.strip_prefix("docker-image://") else {
                    return Err(Diagnostic::new(format!(
                        "the build context `{key}` is {value:?}; gofront takes only docker-image:// contexts for images"
                    ))
                    .hint(format!("pass --build-context {name}=docker-image://REF")));
                };
                reference::check(image).map_err(|problem| {
                    Diagnostic::new(format!("the build context `{key}` names the image {image:?}, but {problem}"))
                        .hint(format!("pass --build-context {name}=docker-image://REF with a valid REF"))
                })?;
                return Ok(Some((image.to_string(), format!("the build context `{key}`"))));
            }
        }
    }
    Ok(None)
}

fn builder(gofile: &Gofile, go_version: &str, cgo: bool, options: &BuildOptions) -> Result<ImageChoice, Diagnostic> {
    // cgo links against glibc, so it needs the Debian-based image and its gcc.
    let flavour = if cgo { "bookworm" } else { "alpine" };
    let (reference, origin, span) = match &gofile.builder {
        Some(b) => {
            checked_reference("builder", &b.value, &b.span)?;
            (b.value.clone(), "the Gofile's `builder`".to_string(), Some(b.span.clone()))
        }
        None => (format!("golang:{go_version}-{flavour}"), format!("Go {go_version} (from go.mod or `go`)"), None),
    };
    // The exact reference is the more specific name, so it wins over the generic `builder`.
    let names = vec![reference::familiar(&reference), "builder".to_string()];
    if let Some((image, origin)) = named_image(&names, &options.build_platform, options)? {
        return Ok(ImageChoice { reference: reference::normalize(&image), origin, span });
    }
    Ok(ImageChoice { reference: reference::normalize(&reference), origin, span })
}

fn base(gofile: &Gofile, cgo: bool, platform: &Platform, options: &BuildOptions) -> Result<Base, Diagnostic> {
    let requested = gofile.base.as_ref();
    let default = if cgo { CGO_BASE } else { "scratch" };
    let name = requested.map_or(default, |b| b.value.as_str());
    let span = requested.map(|b| b.span.clone());
    let reference = base_alias(name).unwrap_or(name);
    if let (Some(requested), None, false) = (requested, base_alias(name), name == "scratch") {
        checked_reference("base", name, &requested.span)?;
    }
    let mut names = Vec::new();
    if name != "scratch" {
        names.push(reference::familiar(reference));
    }
    names.push("base".to_string());
    if let Some((image, origin)) = named_image(&names, platform, options)? {
        return Ok(Base::Image(ImageChoice { reference: reference::normalize(&image), origin, span }));
    }
    if name == "scratch" {
        return Ok(Base::Scratch);
    }
    Ok(Base::Image(ImageChoice {
        reference: reference::normalize(reference),
        origin: "the Gofile's `base`".into(),
        span,
    }))
}

/// The build arg that turns the precompiled dependency layer on or off; by default it is on when
/// the client imports a cache. That layer is what makes a fresh CI runner fast, but it costs a
/// listing step before every compile; a local build without `--cache-from` has its warm cache
/// mounts and does not need it.
pub const DEPENDENCY_LAYERS_ARG: &str = "GOFRONT_DEPENDENCY_LAYERS";

fn dependency_layers(options: &BuildOptions) -> Result<bool, Diagnostic> {
    match options.build_args.get(DEPENDENCY_LAYERS_ARG).map(|v| v.trim().to_ascii_lowercase()).as_deref() {
        None | Some("" | "auto") => Ok(options.cache_imported),
        Some("1" | "true" | "on") => Ok(true),
        Some("0" | "false" | "off") => Ok(false),
        Some(other) => Err(Diagnostic::new(format!("--build-arg {DEPENDENCY_LAYERS_ARG}={other:?} is not a setting"))
            .hint("use auto (the default: on when --cache-from is given), on, or off")),
    }
}

/// A Gofile image reference must parse the way Docker parses it; the error points at its line.
fn checked_reference(key: &str, value: &str, span: &Range<usize>) -> Result<(), Diagnostic> {
    reference::check(value).map_err(|problem| {
        Diagnostic::new(format!("`{key}` is not an image reference: {problem}"))
            .at(span.clone())
            .hint("e.g. \"golang:1.24-alpine\", \"gcr.io/distroless/static-debian12:nonroot\" or \"registry.example/team/image@sha256:…\"")
    })
}

fn goflags(vendored: bool, options: &BuildOptions) -> String {
    let mut flags = vec![if vendored { "-mod=vendor" } else { "-mod=readonly" }.to_string()];
    if let Some(extra) = options.build_args.get("GOFLAGS") {
        flags.extend(extra.split_whitespace().map(str::to_string));
    }
    flags.join(" ")
}

/// The name `go build` gives a main package's binary: its last path element, skipping `/vN`.
fn go_default_name(module: &str, package: &str) -> String {
    let rel = package.trim_start_matches('.').trim_matches('/');
    let path = if rel.is_empty() { module.to_string() } else { format!("{module}/{rel}") };
    let parts: Vec<&str> = path.split('/').collect();
    match parts.as_slice() {
        [.., parent, v] if v.len() > 1 && v.starts_with('v') && v[1..].parse::<u32>().is_ok() => (*parent).to_string(),
        [.., last] => (*last).to_string(),
        [] => path,
    }
}

/// Every main package of the Gofile (top-level `main` first, then `[targets.*]`), deduplicated.
fn binaries(gofile: &Gofile) -> Result<Vec<Binary>, Diagnostic> {
    let module = &gofile.module.value;
    let mut out: Vec<Binary> = Vec::new();
    let mains = gofile.main.iter().chain(gofile.targets.iter().map(|t| &t.main));
    for main in mains {
        let package = main.value.trim_end_matches('/').to_string();
        if out.iter().any(|b| b.package == package) {
            continue;
        }
        let file = go_default_name(module, &package);
        if let Some(other) = out.iter().find(|b| b.file == file) {
            return Err(Diagnostic::new(format!(
                "{} and {package} would both build a binary named {file:?}",
                other.package
            ))
            .at(main.span.clone())
            .hint("Go names binaries after their directory; rename one directory"));
        }
        out.push(Binary { package, file, span: main.span.clone() });
    }
    // A single binary is written under its final name right away.
    if let ([one], Some(name)) = (out.as_mut_slice(), gofile.name.as_ref().filter(|_| gofile.targets.is_empty())) {
        one.file = name.value.clone();
    }
    Ok(out)
}

fn image_binaries(gofile: &Gofile, target: &Target, binaries: &[Binary]) -> Vec<(String, String)> {
    let file_of = |package: &str| {
        let package = package.trim_end_matches('/');
        binaries.iter().find(|b| b.package == package).map(|b| b.file.clone()).unwrap_or_default()
    };
    let table = match target {
        Target::Image(Some(name)) => gofile.targets.iter().find(|t| &t.name.value == name),
        _ => None,
    };
    match table {
        Some(t) => {
            let file = file_of(&t.main.value);
            let name = t.binary.as_ref().map_or_else(|| file.clone(), |n| n.value.clone());
            vec![(file, name)]
        }
        None => gofile
            .main
            .iter()
            .map(|m| {
                let file = file_of(&m.value);
                let name = match (&gofile.name, gofile.main.len()) {
                    (Some(n), 1) => n.value.clone(),
                    _ => file.clone(),
                };
                (file, name)
            })
            .collect(),
    }
}

fn runtime(gofile: &Gofile, target: &Target, binary: &str, base: &Base, options: &BuildOptions) -> Runtime {
    let table = match target {
        Target::Image(Some(name)) => gofile.targets.iter().find(|t| &t.name.value == name),
        _ => None,
    };
    let user = match gofile.user.as_ref().map(|u| u.value.as_str()) {
        None | Some("nonroot") => format!("{NONROOT}:{NONROOT}"),
        Some("root") => "0:0".into(),
        Some(other) => other.to_string(),
    };
    let mut env = Vec::new();
    if *base == Base::Scratch {
        env.push(("PATH".to_string(), DEFAULT_PATH.to_string()));
        env.push(("SSL_CERT_FILE".into(), CA_BUNDLE.into()));
        env.push(("ZONEINFO".into(), ZONEINFO.into()));
    }
    for (name, value) in gofile.env.iter().chain(table.iter().flat_map(|t| t.env.iter())) {
        env.retain(|(n, _)| n != name);
        env.push((name.clone(), value.value.clone()));
    }

    let mut labels = BTreeMap::new();
    let arg = |name: &str| options.build_args.get(name).filter(|v| !v.is_empty()).cloned();
    if let Some(source) = arg("SOURCE").or_else(|| options.vcs_source.clone()) {
        labels.insert("org.opencontainers.image.source".to_string(), source);
    }
    if let Some(revision) = arg("REVISION").or_else(|| options.vcs_revision.clone()) {
        labels.insert("org.opencontainers.image.revision".to_string(), revision);
    }
    if let Some(version) = arg("VERSION") {
        labels.insert("org.opencontainers.image.version".to_string(), version);
    }
    labels.insert("org.opencontainers.image.title".to_string(), binary.to_string());
    if let Some(version) = &options.frontend_version {
        labels.insert(FRONTEND_VERSION_LABEL.to_string(), version.clone());
    }
    for (k, v) in gofile.labels.iter().chain(table.iter().flat_map(|t| t.labels.iter())) {
        labels.insert(k.clone(), v.value.clone());
    }
    for (k, v) in &options.labels {
        labels.insert(k.clone(), v.clone());
    }

    Runtime {
        user,
        workdir: gofile.workdir.as_ref().map_or_else(|| APP_DIR.to_string(), |w| w.value.clone()),
        env,
        entrypoint: vec![format!("{APP_DIR}/{binary}")],
        cmd: table.and_then(|t| t.args.as_ref()).unwrap_or(&gofile.args).iter().map(|a| a.value.clone()).collect(),
        ports: table.and_then(|t| t.ports.as_ref()).unwrap_or(&gofile.ports).iter().map(|p| p.value.key()).collect(),
        labels,
        healthcheck: table
            .and_then(|t| t.healthcheck.as_ref())
            .or(gofile.healthcheck.as_ref())
            .map(|h| h.value.clone()),
        files: gofile.files.iter().map(|f| f.value.clone()).collect(),
    }
}

#[cfg(test)]
mod tests;
