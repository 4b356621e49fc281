//! Options + Gofile + go.mod → [`BuildPlan`]: every decision about the build, made without I/O.
//!
//! [`steps`] writes the plan as a [`crate::program::Program`]: the whole build, step by step.

pub mod groups;
pub mod imports;
pub mod layout;
pub mod ldflags;
pub mod scripts;
pub mod steps;

use std::collections::BTreeMap;
use std::ops::Range;

use crate::diagnostic::Diagnostic;
use crate::gofile::span::{line_col, LineCol};
use crate::gofile::{FileCopy, Gofile};
use crate::gomod::{self, GoMod, GoVersion};
use crate::lint;
use crate::platform::Platform;
pub use crate::program::Network;
use crate::program::{Env, ImageSpec, Value};
use crate::reference;
use crate::targets;
pub use layout::{ContextFiles, Layout};

/// Where the Go module caches live in the builder; set explicitly so Go never misses the mounts.
pub const GOMODCACHE: &str = "/go/pkg/mod";
pub const GOCACHE: &str = "/root/.cache/go-build";
/// The compiler writes no DWARF: `-ldflags=-w` drops it from the binary anyway, and without it
/// the compiled packages (the build cache, the dependency layers a CI cache carries) are about a
/// fifth smaller. The debug build keeps its DWARF: it does not pass this.
pub const NO_DWARF: &str = "-gcflags=all=-dwarf=false";
/// Mount points inside the build containers.
pub const SRC: &str = "/src";
pub const OUT: &str = "/out";
/// Where the image's compile mounts the runtime root to write the binaries into its /app.
pub const IMAGE_ROOT: &str = "/gofront/image";
/// The persistent module cache (a cache mount): a `file://` GOPROXY in front of the network, so a
/// go.mod change downloads only the modules that are new.
pub const MODULE_PROXY_CACHE: &str = "/gofront/modcache";
/// The ids of the persistent caches (BUILDKIT_CACHE_MOUNT_NS prefixes them).
pub const MODULE_CACHE_ID: &str = "gofront-gomodcache";
pub const BUILD_CACHE_ID: &str = "gofront-gocache";
/// The sorted list of packages the binaries import from outside the main module(s), std included.
pub const DEPENDENCY_LIST: &str = "/gofront/list";
/// The module's own packages as the dependency list found them (see [`groups`]).
pub const OWN_LIST: &str = "/gofront/own";
/// The precompiled dependencies: Go build cache entries for exactly the listed packages (and
/// the output of each group of the module's own packages).
pub const DEPENDENCY_CACHE: &str = "/gofront/depcache";
/// The dependency compile keeps its entries in two halves, this the second: two layers, which a
/// fresh runner fetches and unpacks at the same time (one layer unpacks on one core).
pub const DEPENDENCY_CACHE_SECOND: &str = "/gofront/depcache-2";
/// Where the compiles find the layers of precompiled packages, one directory each.
pub const SEEDS: &str = "/gofront/seeds";
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

/// Build args that configure Go's module fetching; they reach every Go step.
pub const GO_NETWORK_ARGS: &[&str] = &["GOPROXY", "GOPRIVATE", "GONOSUMDB", "GONOPROXY", "GOSUMDB", "GOINSECURE"];
/// Proxy build args (buildx forwards the client's), passed as proxy settings, not environment.
pub const PROXY_ARGS: &[&str] = &["HTTP_PROXY", "HTTPS_PROXY", "FTP_PROXY", "NO_PROXY", "ALL_PROXY"];

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
    /// `--add-host` entries for the steps with a network: (host, ip).
    pub extra_hosts: Vec<(String, String)>,
    /// The client imports a build cache (`--cache-from`): a CI runner, most likely.
    pub cache_imported: bool,
    /// The running gofront's version, written to [`FRONTEND_VERSION_LABEL`]; none in unit tests.
    pub frontend_version: Option<String>,
    /// Plan for a Dockerfile (`gofront eject`): build args are read when it is built, so an
    /// `ldflags` variable without a value is not an error yet.
    pub deferred_args: bool,
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

/// What the build produces: `--target` (see [`crate::targets`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A runtime image: the Gofile's top-level one, or a `[targets.NAME]` table's.
    Image(Option<String>),
    Binary,
    Test,
    Vet,
    Debug,
    TestReport,
}

impl Target {
    fn parse(name: Option<&str>, gofile: &Gofile) -> Result<Target, Diagnostic> {
        let first_table = || gofile.targets.first().map(|t| t.name.value.clone());
        let name = name.filter(|n| !n.is_empty()).unwrap_or(targets::name(targets::Kind::Image));
        if let Some(builtin) = targets::builtin(name) {
            return Ok(match builtin.kind {
                targets::Kind::Image if gofile.main.is_empty() => Target::Image(first_table()),
                targets::Kind::Image => Target::Image(None),
                targets::Kind::Binary => Target::Binary,
                targets::Kind::Test => Target::Test,
                targets::Kind::Vet => Target::Vet,
                targets::Kind::Debug => Target::Debug,
                targets::Kind::TestReport => Target::TestReport,
            });
        }
        if gofile.targets.iter().any(|t| t.name.value == name) {
            return Ok(Target::Image(Some(name.to_string())));
        }
        let mut valid = targets::builtin_names();
        valid.extend(gofile.targets.iter().map(|t| t.name.value.as_str()));
        let mut hint = format!("the valid targets are: {}", valid.join(", "));
        if let Some(near) = crate::gofile::did_you_mean(name, &valid) {
            hint = format!("did you mean `{near}`? {hint}");
        }
        Err(Diagnostic::new(format!("unknown target {name:?}")).hint(hint))
    }

    /// The program output this target selects.
    pub fn output(&self) -> &str {
        match self {
            Target::Image(None) => targets::name(targets::Kind::Image),
            Target::Image(Some(name)) => name,
            Target::Binary => targets::name(targets::Kind::Binary),
            Target::Test => targets::name(targets::Kind::Test),
            Target::Vet => targets::name(targets::Kind::Vet),
            Target::Debug => targets::name(targets::Kind::Debug),
            Target::TestReport => targets::name(targets::Kind::TestReport),
        }
    }

    /// The release binaries' targets (an image, `binary`): the only ones with package groups.
    pub fn builds_binaries(&self) -> bool {
        matches!(self, Target::Image(_) | Target::Binary)
    }

    /// The targets that run the tests instead of building the binaries: once, natively.
    pub fn checks(&self) -> bool {
        matches!(self, Target::Test | Target::Vet | Target::TestReport)
    }
}

/// The module `--target debug` installs `dlv` from, and the version the `delve` key defaults to.
pub const DELVE_MODULE: &str = "github.com/go-delve/delve";
pub const DELVE_VERSION: &str = "v1.25.2";
/// The port the debug image's Delve listens on.
pub const DELVE_PORT: u16 = 40000;
/// The named context that replaces the `dlv` download: a directory or image with `dlv` at its root.
pub const DELVE_CONTEXT: &str = "dlv";

/// Where the debug image's `dlv` comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delve {
    /// `go install github.com/go-delve/delve/cmd/dlv@VERSION`, for the target platform.
    Install(String),
    /// The named context `dlv` as a directory the client sends (`local:NAME`).
    Local(String),
    /// The named context `dlv` as an image.
    Image(ImageChoice),
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

/// One runtime image of the Gofile: the default one, or a `[targets.NAME]` table's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImagePlan {
    /// Its target name: `image`, or the table's.
    pub target: String,
    /// Its binaries: (file in /out, name in /app); the first is the entrypoint.
    pub binaries: Vec<(String, String)>,
    pub spec: ImageSpec,
    pub files: Vec<FileCopy>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildPlan {
    pub target: Target,
    pub module: String,
    /// Module root inside the context ("" for the context root).
    pub module_dir: String,
    /// Every main package of the Gofile, compiled together by one `go build`.
    pub binaries: Vec<Binary>,
    /// Every image of the Gofile; the selected one is [`BuildPlan::image`].
    pub images: Vec<ImagePlan>,
    pub go_version: String,
    pub builder: ImageChoice,
    pub base: Base,
    pub platform: Platform,
    pub build_platform: Platform,
    /// Files of the module the dependency stage sees (relative to the context root).
    pub module_files: Vec<String>,
    /// The transfer they come from: the one the frontend read them from.
    pub module_search: layout::ModuleSearch,
    /// The vendor/ directory of a `-mod=vendor` build (relative to the context root).
    pub vendor_dir: Option<String>,
    /// The client's `--network`: the package install step's, and the Go steps' unless vendored
    /// (see [`BuildPlan::go_network`]).
    pub network: Network,
    /// Environment of every Go step (cache dirs, toolchain, module fetching).
    pub go_env: Vec<Env>,
    /// CGO_ENABLED and the Gofile's `build_env`: every step that compiles or checks.
    pub build_env: Vec<(String, String)>,
    /// The flags that change how packages compile (`-trimpath`, no DWARF, `-tags`): the build and the
    /// dependency steps use exactly these, so their cache entries are the ones the build looks up.
    pub compile_flags: Vec<String>,
    /// `-ldflags` of the build: `-s -w` and the Gofile's, with its build args.
    pub ldflags: Value,
    /// The Gofile's own `-ldflags` (no `-s -w`): the debug build keeps its symbols.
    pub own_ldflags: Option<Value>,
    /// Where `--target debug` gets `dlv`.
    pub delve: Delve,
    /// `-race` for the test targets.
    pub race: bool,
    /// Compile the dependencies into a layer of their own, which `--cache-to` exports (see
    /// [`dependency_layers`]).
    pub dependency_layers: bool,
    /// OS packages to install on the base image.
    pub packages: Vec<String>,
    /// Commands that generate code into the sources before the compile.
    pub generate: Vec<String>,
    /// SOURCE_DATE_EPOCH, when given.
    pub epoch: Option<i64>,
    /// Gofile spans of the settings each stage comes from, for error source maps.
    pub spans: Spans,
    /// A `version` build: the module comes from GOPROXY, not from the context.
    pub published: Option<Published>,
    /// What the lint rules found while planning.
    pub findings: Vec<lint::Finding>,
    /// How the frontend reads the outside packages the binaries import from the sources, when
    /// it can (see [`imports`]).
    pub import_scan: Option<imports::ImportScan>,
}

/// What the lint rules read, as the build reads it.
pub fn lint_facts<'a>(
    gofile: &'a Gofile,
    layout: &'a Layout,
    build_args: &'a BTreeMap<String, String>,
) -> lint::Facts<'a> {
    lint::Facts {
        gofile,
        gomod: &layout.gomod,
        gomod_path: layout::file_in(&layout.module_dir, "go.mod"),
        gosum: layout.gosum.as_deref(),
        modules_txt: layout.modules_txt.as_deref(),
        build_args,
        cgo: gofile.cgo.as_ref().is_some_and(|c| c.value),
    }
}

impl BuildPlan {
    /// The selected image (for other targets, the default one).
    pub fn image(&self) -> Option<&ImagePlan> {
        let name = match &self.target {
            Target::Image(Some(name)) => name.as_str(),
            _ => targets::name(targets::Kind::Image),
        };
        self.images.iter().find(|i| i.target == name).or(self.images.first())
    }

    /// The entrypoint binary's name in /app.
    pub fn entrypoint(&self) -> &str {
        self.image().and_then(|i| i.binaries.first()).map_or("", |(_, name)| name.as_str())
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
    pub fn compile_env(&self) -> Vec<Env> {
        std::iter::once(Env::TargetPlatform)
            .chain(self.build_env.iter().map(|(k, v)| Env::Set(k.clone(), Value::text(v))))
            .collect()
    }

    /// `go build` of every main package at once; one binary is written under its final name,
    /// several go into /out/ under Go's own names. `-v` lists the packages the step really
    /// compiles: on a warm or seeded cache, only the module's own. A `version` build is a
    /// `go install module/pkg@version`, as users install tools: Go then records the version in
    /// the binary's build info (`go build` in the module's directory would record `(devel)`).
    pub fn build_command(&self) -> Vec<Value> {
        self.build_command_into(OUT)
    }

    /// [`Self::build_command`] writing the binaries into `dir` (Go records no output path in
    /// them: the bytes are the same).
    pub fn build_command_into(&self, dir: &str) -> Vec<Value> {
        let mut flags: Vec<Value> = self.compile_flags.iter().map(Value::text).collect();
        flags.push("-buildvcs=false".into());
        flags.push(Value::Concat(vec!["-ldflags=".into(), self.ldflags.clone()]));
        self.go_build(flags, dir)
    }

    /// The build of the debug image's binaries: no optimizations or inlining, symbols kept, and
    /// the source paths as the build saw them (/src/…), which the debugger maps to the checkout.
    pub fn debug_command(&self) -> Vec<Value> {
        let kept = |f: &&String| *f != "-trimpath" && *f != NO_DWARF;
        let mut flags: Vec<Value> = self.compile_flags.iter().filter(kept).map(Value::text).collect();
        flags.extend(["-buildvcs=false".into(), "-gcflags=all=-N -l".into()]);
        if let Some(own) = &self.own_ldflags {
            flags.push(Value::Concat(vec!["-ldflags=".into(), own.clone()]));
        }
        self.go_build(flags, OUT)
    }

    fn go_build(&self, flags: Vec<Value>, dir: &str) -> Vec<Value> {
        let verb = if self.published.is_some() { "install" } else { "build" };
        let mut command: Vec<Value> = vec!["go".into(), verb.into(), "-v".into()];
        command.extend(flags);
        if let Some(published) = &self.published {
            let package = |b: &Binary| {
                let rel = b.package.trim_start_matches('.').trim_matches('/');
                let path =
                    if rel.is_empty() { published.module.clone() } else { format!("{}/{rel}", published.module) };
                Value::text(format!("{path}@{}", published.version))
            };
            command.extend(self.binaries.iter().map(package));
            return command;
        }
        let output = match self.binaries.as_slice() {
            [one] => format!("{dir}/{}", one.file),
            _ => format!("{dir}/"),
        };
        command.extend(["-o".into(), output.into()]);
        command.extend(self.binaries.iter().map(|b| Value::text(&b.package)));
        command
    }

    /// `go test` as the test targets run it (`-race` when the Gofile asks), before the packages.
    pub fn test_command(&self, extra: &[&str]) -> Vec<Value> {
        let mut command: Vec<Value> = vec!["go".into(), "test".into()];
        if self.race {
            command.push("-race".into());
        }
        command.extend(extra.iter().map(|a| Value::text(*a)));
        command.push("./...".into());
        command
    }

    /// The environment of the test steps: the build's, with cgo on for `-race`.
    pub fn test_env(&self) -> Vec<Env> {
        self.build_env
            .iter()
            .map(|(k, v)| match (k.as_str(), self.race) {
                ("CGO_ENABLED", true) => Env::Set(k.clone(), "1".into()),
                _ => Env::Set(k.clone(), v.clone().into()),
            })
            .collect()
    }

    /// The main package of the selected image (its first binary), for progress names.
    pub fn package(&self) -> &str {
        let file = self.image().and_then(|i| i.binaries.first()).map(|(file, _)| file.as_str());
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
    pub module: String,
    pub version: String,
    /// Where Go extracts it in the module layer: the compile's working directory.
    pub dir: String,
}

impl Published {
    pub fn of(module: &str, version: &str) -> Published {
        Published {
            reference: format!("{module}@{version}"),
            module: module.to_string(),
            version: version.to_string(),
            dir: format!("{GOMODCACHE}/{}@{}", escape_module_path(module), escape_module_path(version)),
        }
    }

    /// Where a module proxy serves the module's go.mod (`$GOPROXY/<module>/@v/<version>.mod`).
    pub fn gomod_url(&self, proxy: &str) -> String {
        format!(
            "{}/{}/@v/{}.mod",
            proxy.trim_end_matches('/'),
            escape_module_path(&self.module),
            escape_module_path(&self.version)
        )
    }
}

/// The first module proxy URL of a GOPROXY list (`direct` and `off` are not proxies), with Go's
/// default when GOPROXY is not given.
pub fn first_proxy(goproxy: Option<&str>) -> Option<String> {
    let list = goproxy.unwrap_or("https://proxy.golang.org,direct");
    list.split([',', '|'])
        .map(str::trim)
        .find(|p| p.starts_with("https://") || p.starts_with("http://"))
        .map(str::to_string)
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

/// Gofile lines, as (first, last) 1-based line numbers, that a stage comes from.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Spans {
    pub module: Vec<LineSpan>,
    pub build: Vec<LineSpan>,
    pub generate: Vec<LineSpan>,
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
        if let Some(generate) = &gofile.generate {
            return Err(Diagnostic::new(
                "`generate` needs the module's source in the build context, which a `version` build has not",
            )
            .at(generate.span.clone())
            .hint("remove `generate`: a published module carries its generated code"));
        }
        if matches!(target, Target::Test | Target::Vet | Target::TestReport | Target::Debug) {
            let name = target.output().to_string();
            return Err(Diagnostic::new(format!("`--target {name}` needs the module's source in the build context"))
                .at(version.span.clone())
                .hint("a `version` build fetches the module from GOPROXY; test it in its own repository"));
        }
        if gofile.go.is_none() && !options.build_args.contains_key("GO_VERSION") && gomod.go.is_none() {
            return Err(Diagnostic::new(
                "a `version` build needs `go` here: gofront reads the module's go.mod from the first proxy URL in GOPROXY, and there is none (or this is `gofront check`/`eject`, which do not fetch)",
            )
            .at(version.span.clone())
            .hint("add a line such as `go = \"1.24\"`, or set GOPROXY to a module proxy URL"));
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

    let mut go_env = vec![
        Env::Set("GOCACHE".to_string(), GOCACHE.into()),
        Env::Set("GOMODCACHE".into(), GOMODCACHE.into()),
        Env::Set("GOTOOLCHAIN".into(), "local".into()),
        Env::Set("GOFLAGS".into(), goflags(layout.vendor_dir.is_some(), options)),
        Env::Set("NETRC".into(), NETRC_PATH.into()),
        Env::Set("SSH_AUTH_SOCK".into(), SSH_AGENT_SOCK.into()),
    ];
    go_env.extend(GO_NETWORK_ARGS.iter().map(|name| Env::FromArg(name.to_string())));

    platform.go_env().map_err(|e| {
        Diagnostic::new(format!("cannot build for {platform}: {e}"))
            .hint("pick a platform Go supports, e.g. linux/arm64")
    })?;
    let mut build_env = vec![("CGO_ENABLED".to_string(), if cgo { "1" } else { "0" }.to_string())];
    build_env.extend(gofile.build_env.iter().map(|(name, value)| (name.clone(), value.value.clone())));

    let mut compile_flags = vec!["-trimpath".to_string(), NO_DWARF.to_string()];
    if !gofile.tags.is_empty() {
        let tags: Vec<&str> = gofile.tags.iter().map(|t| t.value.as_str()).collect();
        compile_flags.push(format!("-tags={}", tags.join(",")));
    }
    let own_ldflags = ldflags::expand(gofile, options)?;
    let ldflags = match &own_ldflags {
        Some(own) => Value::Concat(vec!["-s -w ".into(), own.clone()]),
        None => "-s -w".into(),
    };
    let race = race(gofile)?;
    let delve = delve(gofile, &platform, options)?;

    let epoch = match options.build_args.get("SOURCE_DATE_EPOCH") {
        Some(text) => Some(text.trim().parse::<i64>().ok().filter(|e| *e >= 0).ok_or_else(|| {
            Diagnostic::new(format!("SOURCE_DATE_EPOCH must be Unix seconds, not {text:?}"))
                .hint("e.g. --build-arg SOURCE_DATE_EPOCH=$(git log -1 --format=%ct)")
        })?),
        None => None,
    };

    let at = |span: &Range<usize>| LineSpan::of(&gofile.source, span);
    let mut spans = Spans {
        module: vec![at(&gofile.module.span)],
        build: binaries.iter().map(|b| at(&b.span)).collect(),
        generate: gofile.generate.iter().map(|g| at(&g.span)).collect(),
    };
    spans.module.extend(gofile.version.iter().map(|v| at(&v.span)));
    spans.build.extend(gofile.ldflags.iter().map(|l| at(&l.span)));
    spans.build.extend(gofile.tags.iter().map(|t| at(&t.span)));

    let mut findings = lint::planned(&lint_facts(gofile, layout, &options.build_args));
    let mut used = vec![("builder", builder.reference.as_str(), builder.span.clone())];
    if let Base::Image(choice) = &base {
        used.push(("base", choice.reference.as_str(), choice.span.clone()));
    }
    findings.extend(lint::unpinned(gofile, epoch.is_some(), &used));

    let mut plan = BuildPlan {
        images: images(gofile, &binaries, &base, options),
        target,
        module: gofile.module.value.clone(),
        module_dir: layout.module_dir.clone(),
        binaries,
        go_version,
        builder,
        base,
        platform,
        build_platform: options.build_platform.clone(),
        module_files: layout.module_files.clone(),
        module_search: layout.module_search,
        vendor_dir: layout.vendor_dir.clone(),
        network: options.network,
        go_env,
        build_env,
        compile_flags,
        ldflags,
        own_ldflags,
        delve,
        race,
        // The CI layers list the packages in the context's source; a `version` build has none.
        dependency_layers: dependency_layers(options)? && published.is_none(),
        packages: gofile.packages.iter().map(|p| p.value.clone()).collect(),
        generate: gofile.generate.as_ref().map(|g| g.value.clone()).unwrap_or_default(),
        epoch,
        spans,
        published,
        findings,
        import_scan: None,
    };
    plan.import_scan = imports::ImportScan::of(&plan, layout);
    Ok(plan)
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

/// `-race` needs cgo, so a C compiler in the builder: the one cgo's Debian builder has, or the
/// Gofile's own `builder`.
fn race(gofile: &Gofile) -> Result<bool, Diagnostic> {
    let Some(race) = gofile.race.as_ref().filter(|r| r.value) else {
        return Ok(false);
    };
    if gofile.cgo.as_ref().is_some_and(|c| c.value) || gofile.builder.is_some() {
        return Ok(true);
    }
    Err(Diagnostic::new(
        "`race = true` needs cgo: Go's race detector is C code, and the default builder has no C compiler",
    )
    .at(race.span.clone())
    .hint("set cgo = true (the Debian builder has gcc), or name a `builder` with gcc"))
}

/// The named context `dlv` when the client passes one, else the install of the `delve` version.
fn delve(gofile: &Gofile, platform: &Platform, options: &BuildOptions) -> Result<Delve, Diagnostic> {
    for key in [format!("{DELVE_CONTEXT}::{platform}"), DELVE_CONTEXT.to_string()] {
        let Some(value) = options.named_contexts.get(&key) else { continue };
        if let Some(local) = value.strip_prefix("local:") {
            return Ok(Delve::Local(local.to_string()));
        }
        if value.starts_with("docker-image://") {
            let names = [DELVE_CONTEXT.to_string()];
            if let Some((image, origin)) = named_image(&names, platform, options)? {
                let reference = reference::normalize(&image);
                return Ok(Delve::Image(ImageChoice { reference, origin, span: None }));
            }
        }
        return Err(Diagnostic::new(format!("the build context `{key}` is {value:?}, which gofront cannot read `dlv` from"))
            .hint("pass a directory or an image with the dlv binary at its root: --build-context dlv=DIR or dlv=docker-image://REF"));
    }
    let version = gofile.delve.as_ref().map_or(DELVE_VERSION, |d| d.value.as_str());
    Ok(Delve::Install(version.to_string()))
}

fn go_version(gofile: &Gofile, gomod: &GoMod, options: &BuildOptions) -> Result<String, Diagnostic> {
    if let Some(arg) = options.build_args.get("GO_VERSION") {
        return gomod::minor_version(arg).ok_or_else(|| {
            Diagnostic::new(format!("--build-arg GO_VERSION={arg:?} is not a Go version")).hint("e.g. GO_VERSION=1.24")
        });
    }
    let from_gofile = gofile.go.as_ref().and_then(|g| GoVersion::parse(&g.value).map(|v| (v, g.span.clone())));
    let required = gomod.go.as_ref().and_then(|(v, _)| GoVersion::parse(v));
    if let (Some((chosen, span)), Some(required)) = (&from_gofile, &required) {
        if chosen.cmp_minor(required).is_lt() {
            let (chosen, required) = (chosen.minor_release(), required.minor_release());
            return Err(Diagnostic::new(format!("`go` is {chosen}, but go.mod requires go {required} or newer"))
                .at(span.clone())
                .hint(format!("set go = \"{required}\" or remove the line to follow go.mod")));
        }
    }
    from_gofile.map(|(v, _)| v.minor_release()).or_else(|| gomod.go_minor()).ok_or_else(|| {
        Diagnostic::new("go.mod has no `go` line, so gofront cannot pick a Go version")
            .at(gofile.module.span.clone())
            .hint("add `go = \"1.24\"` to the Gofile or a `go 1.24` line to go.mod")
    })
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

/// `-mod=readonly` (or vendor), then the GOFLAGS build arg.
fn goflags(vendored: bool, options: &BuildOptions) -> Value {
    let mode = if vendored { "-mod=vendor" } else { "-mod=readonly" };
    match options.build_args.get("GOFLAGS").map(|f| f.trim()) {
        Some("") => mode.into(),
        None if !options.deferred_args => mode.into(),
        _ => Value::Concat(vec![format!("{mode} ").into(), Value::Arg { name: "GOFLAGS".into(), fallback: None }]),
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
        let file = gomod::binary_name(module, &package);
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
    // A single binary is written under its final name right away (`go install`, for a `version`
    // build, names it after its package).
    let renamed = gofile.name.as_ref().filter(|_| gofile.targets.is_empty() && gofile.version.is_none());
    if let ([one], Some(name)) = (out.as_mut_slice(), renamed) {
        one.file = name.value.clone();
    }
    Ok(out)
}

/// The images of the Gofile: the default one (top-level `main`), then each `[targets.NAME]`.
fn images(gofile: &Gofile, binaries: &[Binary], base: &Base, options: &BuildOptions) -> Vec<ImagePlan> {
    let file_of = |package: &str| {
        let package = package.trim_end_matches('/');
        binaries.iter().find(|b| b.package == package).map(|b| b.file.clone()).unwrap_or_default()
    };
    let mut images = Vec::new();
    if !gofile.main.is_empty() {
        let named = |file: String| match (&gofile.name, gofile.main.len()) {
            (Some(n), 1) => (file, n.value.clone()),
            _ => (file.clone(), file),
        };
        let binaries = gofile.main.iter().map(|m| named(file_of(&m.value))).collect();
        images.push(image_plan(gofile, None, binaries, base, options));
    }
    for table in &gofile.targets {
        let file = file_of(&table.main.value);
        let name = table.binary.as_ref().map_or_else(|| file.clone(), |n| n.value.clone());
        images.push(image_plan(gofile, Some(table), vec![(file, name)], base, options));
    }
    images
}

fn image_plan(
    gofile: &Gofile,
    table: Option<&crate::gofile::TargetTable>,
    binaries: Vec<(String, String)>,
    base: &Base,
    options: &BuildOptions,
) -> ImagePlan {
    let entrypoint = binaries.first().map(|(_, name)| name.clone()).unwrap_or_default();
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

    // Empty values are left out: a label without its build arg is not written.
    let arg = |name: &str, fallback: &Option<String>| Value::Arg { name: name.into(), fallback: fallback.clone() };
    let mut labels: BTreeMap<String, Value> = BTreeMap::new();
    labels.insert("org.opencontainers.image.source".into(), arg("SOURCE", &options.vcs_source));
    labels.insert("org.opencontainers.image.revision".into(), arg("REVISION", &options.vcs_revision));
    labels.insert("org.opencontainers.image.version".into(), arg("VERSION", &None));
    labels.insert("org.opencontainers.image.title".into(), entrypoint.clone().into());
    if let Some(version) = &options.frontend_version {
        labels.insert(FRONTEND_VERSION_LABEL.to_string(), version.clone().into());
    }
    for (k, v) in gofile.labels.iter().chain(table.iter().flat_map(|t| t.labels.iter())) {
        labels.insert(k.clone(), v.value.clone().into());
    }
    for (k, v) in &options.labels {
        labels.insert(k.clone(), v.clone().into());
    }

    ImagePlan {
        target: table.map_or_else(|| targets::name(targets::Kind::Image).to_string(), |t| t.name.value.clone()),
        spec: ImageSpec {
            user,
            workdir: gofile.workdir.as_ref().map_or_else(|| APP_DIR.to_string(), |w| w.value.clone()),
            env,
            entrypoint: vec![format!("{APP_DIR}/{entrypoint}")],
            cmd: table.and_then(|t| t.args.as_ref()).unwrap_or(&gofile.args).iter().map(|a| a.value.clone()).collect(),
            ports: table
                .and_then(|t| t.ports.as_ref())
                .unwrap_or(&gofile.ports)
                .iter()
                .map(|p| p.value.key())
                .collect(),
            labels: labels.into_iter().collect(),
            healthcheck: table
                .and_then(|t| t.healthcheck.as_ref())
                .or(gofile.healthcheck.as_ref())
                .map(|h| h.value.clone()),
            history: Vec::new(),
        },
        binaries,
        files: gofile.files.iter().map(|f| f.value.clone()).collect(),
    }
}

#[cfg(test)]
mod tests;
