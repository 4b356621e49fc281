//! Lint rules: mistakes that still build, or fail later than they should. `docker buildx build
//! --check` (the `frontend.lint` request) lists them and fails; a normal build shows them as
//! warnings. Pure: the gateway gathers the inputs.

use std::collections::BTreeMap;

use crate::gofile::Gofile;

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

/// What the rules look at.
#[derive(Debug, Default)]
pub struct Input<'a> {
    pub gofile: Option<&'a Gofile>,
    /// go.mod: its path in the context and its text.
    pub gomod: Option<(&'a str, &'a str)>,
    /// go.sum beside it; None when there is none.
    pub gosum: Option<&'a str>,
    /// vendor/modules.txt of a vendored build.
    pub modules_txt: Option<&'a str>,
    pub build_args: Option<&'a BTreeMap<String, String>>,
    /// The builder image's Go (its GOLANG_VERSION), e.g. "1.22.5".
    pub builder_go: Option<&'a str>,
    /// The `base` image's configured user, when the Gofile names a base image.
    pub base_user: Option<&'a str>,
    /// What the credentials probe found; None when it did not run.
    pub credentials: Option<Credentials>,
    /// `--check`'s cgo survey: `package<TAB>module<TAB>files` for each imported package with cgo
    /// files; None when it did not run.
    pub cgo_packages: Option<&'a str>,
}

pub fn check(input: &Input) -> Vec<Finding> {
    let mut findings = Vec::new();
    if let Some(gofile) = input.gofile {
        redundant_defaults(gofile, &mut findings);
        base_user(gofile, input.base_user, &mut findings);
        if let Some(args) = input.build_args {
            unused_build_args(gofile, args, &mut findings);
            private_without_credentials(args, input.credentials, &mut findings);
        }
    }
    if let Some((path, text)) = input.gomod {
        let module = GoModLines::read(text);
        go_newer_than_builder(path, &module, input.builder_go, &mut findings);
        if input.gofile.is_some_and(|g| g.version.is_none()) {
            let cgo = input.gofile.and_then(|g| g.cgo.as_ref()).is_some_and(|c| c.value);
            if !cgo {
                cgo_dependencies(path, &module, &mut findings);
                if let Some(survey) = input.cgo_packages {
                    cgo_packages(path, &module, survey, &mut findings);
                }
            }
            match input.modules_txt {
                Some(modules) => vendor_in_sync(path, &module, modules, &mut findings),
                None => go_sum(path, &module, input.gosum, &mut findings),
            }
        }
    }
    findings
}

/// go.mod, line by line: the `go`/`toolchain` directives and the requirements, with their lines.
struct GoModLines {
    module: Option<(String, usize)>,
    go: Option<(String, usize)>,
    toolchain: Option<(String, usize)>,
    requires: Vec<(String, String, usize)>,
}

impl GoModLines {
    fn read(text: &str) -> GoModLines {
        let mut out = GoModLines { module: None, go: None, toolchain: None, requires: Vec::new() };
        let mut in_require = false;
        for (index, raw) in text.lines().enumerate() {
            let line = raw.split("//").next().unwrap_or("").trim();
            let number = index + 1;
            if in_require {
                if line == ")" {
                    in_require = false;
                } else if let [path, version, ..] = line.split_whitespace().collect::<Vec<_>>().as_slice() {
                    out.requires.push((path.to_string(), version.to_string(), number));
                }
                continue;
            }
            let words: Vec<&str> = line.split_whitespace().collect();
            match words.as_slice() {
                ["module", path] => out.module = Some((path.trim_matches('"').to_string(), number)),
                ["go", version] => out.go = Some((version.to_string(), number)),
                ["toolchain", name] => out.toolchain = Some((name.trim_start_matches("go").to_string(), number)),
                ["require", "("] => in_require = true,
                ["require", path, version, ..] => out.requires.push((path.to_string(), version.to_string(), number)),
                _ => {}
            }
        }
        out
    }
}

fn line(n: usize) -> Lines {
    Lines { first: n, last: n }
}

/// "1.22" / "1.22.5" / "1.22rc1" as comparable numbers; a missing patch is 0.
fn go_release(version: &str) -> Option<(u32, u32, u32)> {
    let core: String = version.chars().take_while(|c| c.is_ascii_digit() || *c == '.').collect();
    let mut parts = core.split('.').map(|p| p.parse::<u32>().ok());
    let major = parts.next()??;
    let minor = parts.next().flatten().unwrap_or(0);
    let patch = parts.next().flatten().unwrap_or(0);
    Some((major, minor, patch))
}

fn go_newer_than_builder(path: &str, module: &GoModLines, builder: Option<&str>, out: &mut Vec<Finding>) {
    let Some(builder) = builder.and_then(|b| go_release(b).map(|r| (b, r))) else { return };
    // The toolchain line is what the module asks to be built with; `go` is the minimum.
    for (directive, entry) in [("go", &module.go), ("toolchain", &module.toolchain)] {
        let Some((wanted, number)) = entry else { continue };
        let Some(release) = go_release(wanted) else { continue };
        if release > builder.1 {
            out.push(Finding {
                rule: GO_NEWER_THAN_BUILDER,
                detail: format!(
                    "go.mod's `{directive} {wanted}` is newer than the builder's Go {}: the build fails with GOTOOLCHAIN=local; raise `go` in the Gofile (or GO_VERSION) or pick a newer `builder`",
                    builder.0
                ),
                file: File::Context(path.to_string()),
                lines: line(*number),
            });
            return;
        }
    }
}

fn go_sum(path: &str, module: &GoModLines, gosum: Option<&str>, out: &mut Vec<Finding>) {
    let Some(first) = module.requires.first() else { return };
    let Some(sums) = gosum else {
        out.push(Finding {
            rule: GO_SUM_MISSING,
            detail: "go.mod requires modules, but there is no go.sum beside it: the download step fails with \"missing go.sum entry\"; run `go mod tidy` and commit go.sum (check .dockerignore too)".into(),
            file: File::Context(path.to_string()),
            lines: line(first.2),
        });
        return;
    };
    for (module_path, version, number) in &module.requires {
        let wanted = format!("{module_path} {version}/go.mod ");
        if !sums.lines().any(|l| l.starts_with(&wanted)) {
            out.push(Finding {
                rule: GO_SUM_INCOMPLETE,
                detail: format!(
                    "go.sum has no checksum for {module_path} {version}: run `go mod tidy` and commit go.sum"
                ),
                file: File::Context(path.to_string()),
                lines: line(*number),
            });
        }
    }
}

fn vendor_in_sync(path: &str, module: &GoModLines, modules_txt: &str, out: &mut Vec<Finding>) {
    for (module_path, version, number) in &module.requires {
        let wanted = format!("# {module_path} {version}");
        if !modules_txt.lines().any(|l| l == wanted || l.starts_with(&format!("{wanted} "))) {
            out.push(Finding {
                rule: VENDOR_OUT_OF_SYNC,
                detail: format!(
                    "go.mod requires {module_path} {version}, but vendor/modules.txt does not list it: the build fails with \"inconsistent vendoring\"; run `go mod vendor`"
                ),
                file: File::Context(path.to_string()),
                lines: line(*number),
            });
        }
    }
}

fn cgo_dependencies(path: &str, module: &GoModLines, out: &mut Vec<Finding>) {
    for (module_path, _, number) in &module.requires {
        if CGO_MODULES.contains(&module_path.as_str()) {
            out.push(Finding {
                rule: CGO_DEPENDENCY,
                detail: format!(
                    "{module_path} wraps a C library, but cgo is off: it fails to build or fails at run time; set `cgo = true` in the Gofile (it brings a glibc builder and base)"
                ),
                file: File::Context(path.to_string()),
                lines: line(*number),
            });
        }
    }
}

fn base_user(gofile: &Gofile, base_user: Option<&str>, out: &mut Vec<Finding>) {
    let (Some(base), Some(user)) = (&gofile.base, base_user) else { return };
    if gofile.user.is_some() || user.is_empty() {
        return;
    }
    let uid = user.split(':').next().unwrap_or(user);
    if ["0", "root", "65532", "nonroot"].contains(&uid) {
        return;
    }
    out.push(Finding {
        rule: BASE_USER_OVERRIDDEN,
        detail: format!(
            "the base image runs as {user:?}, but gofront runs the app as nonroot (65532:65532); set `user = {user:?}` to keep the base's user, or `user = \"nonroot\"` to say you mean it"
        ),
        file: File::Gofile,
        lines: gofile_line(gofile, base.span.start),
    });
}

/// Build args that no part of the build reads: a typo, or a leftover.
fn unused_build_args(gofile: &Gofile, args: &BTreeMap<String, String>, out: &mut Vec<Finding>) {
    const PROXIES: &[&str] = &["HTTP_PROXY", "HTTPS_PROXY", "FTP_PROXY", "NO_PROXY", "ALL_PROXY"];
    let ldflags: Vec<String> =
        crate::plan::ldflags::variables(gofile).unwrap_or_default().into_iter().map(|(n, _)| n).collect();
    for name in args.keys() {
        let read = crate::plan::BUILD_ARGS.iter().any(|(known, _)| known == name)
            || name.starts_with("BUILDKIT_")
            || PROXIES.iter().any(|p| p.eq_ignore_ascii_case(name))
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
fn cgo_packages(path: &str, module: &GoModLines, survey: &str, out: &mut Vec<Finding>) {
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
        if CGO_MODULES.contains(&module_path) && module.requires.iter().any(|(p, _, _)| p == module_path) {
            continue;
        }
        let number = module
            .requires
            .iter()
            .find(|(p, _, _)| p == module_path)
            .map(|(_, _, n)| *n)
            .or(module.module.as_ref().map(|(_, n)| *n))
            .unwrap_or(1);
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

/// Top-level keys written with the value they have anyway.
fn redundant_defaults(gofile: &Gofile, out: &mut Vec<Finding>) {
    const DEFAULTS: &[(&str, &[&str])] = &[
        ("cgo", &["false"]),
        ("user", &["\"nonroot\""]),
        ("workdir", &["\"/app\""]),
        ("base", &["\"scratch\""]),
        ("tags", &["[]"]),
        ("ldflags", &["\"\""]),
        ("args", &["[]"]),
        ("ports", &["[]"]),
        ("packages", &["[]"]),
        ("files", &["[]"]),
        ("env", &["{}"]),
        ("labels", &["{}"]),
        ("build_env", &["{}"]),
    ];
    for (index, raw) in gofile.source.lines().enumerate() {
        let text = raw.trim();
        if text.starts_with('[') {
            break; // tables: only the top level has these defaults
        }
        let Some((key, value)) = text.split_once('=') else { continue };
        let (key, value) = (key.trim(), value.split('#').next().unwrap_or("").trim());
        let value: String = value.chars().filter(|c| !c.is_whitespace()).collect();
        if let Some((_, defaults)) = DEFAULTS.iter().find(|(k, _)| *k == key) {
            if defaults.contains(&value.as_str()) {
                out.push(Finding {
                    rule: REDUNDANT_DEFAULT,
                    detail: format!("`{key} = {value}` is the default; remove the line"),
                    file: File::Gofile,
                    lines: line(index + 1),
                });
            }
        }
    }
}

fn gofile_line(gofile: &Gofile, offset: usize) -> Lines {
    let upto = gofile.source.get(..offset).unwrap_or(&gofile.source);
    line(upto.matches('\n').count() + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOMOD: &str = "module example.com/shop\n\ngo 1.24\n\nrequire (\n\texample.com/greet v1.0.0\n\tgithub.com/mattn/go-sqlite3 v1.14.22 // indirect\n)\n";

    fn names(findings: &[Finding]) -> Vec<(&'static str, usize)> {
        findings.iter().map(|f| (f.rule.name, f.lines.first)).collect()
    }

    #[test]
    fn a_gofile_that_breaks_several_rules() {
        let gofile = crate::gofile::parse(
            "module = \"example.com/shop\"\nmain = \"./cmd/shop\"\ncgo = false\nworkdir = \"/app\"\nbase = \"node:22\"\n",
        )
        .expect("gofile");
        let args = BTreeMap::from([("VERSON".to_string(), "1".to_string()), ("BUILDKIT_SYNTAX".into(), "x".into())]);
        let sums = "example.com/greet v1.0.0/go.mod h1:x=\n";
        let input = Input {
            gofile: Some(&gofile),
            gomod: Some(("go.mod", GOMOD)),
            gosum: Some(sums),
            build_args: Some(&args),
            builder_go: Some("1.22.5"),
            base_user: Some("node"),
            ..Default::default()
        };
        let found = names(&check(&input));
        assert_eq!(
            found,
            vec![
                ("RedundantDefault", 3),
                ("RedundantDefault", 4),
                ("BaseUserOverridden", 5),
                ("UnusedBuildArg", 1),
                ("GoVersionNewerThanBuilder", 3),
                ("CgoDependencyWithoutCgo", 7),
                ("GoSumIncomplete", 7),
            ]
        );
    }

    #[test]
    fn a_clean_project_has_no_findings() {
        let gofile = crate::gofile::parse(
            "module = \"example.com/shop\"\nmain = \"./cmd/shop\"\nldflags = \"-X m.v=${VERSION}\"\n",
        )
        .expect("gofile");
        let gomod = "module example.com/shop\n\ngo 1.22\n\nrequire example.com/greet v1.0.0\n";
        let sums = "example.com/greet v1.0.0 h1:a=\nexample.com/greet v1.0.0/go.mod h1:b=\n";
        let args = BTreeMap::from([("VERSION".to_string(), "1".to_string()), ("GOPROXY".into(), "x".into())]);
        let input = Input {
            gofile: Some(&gofile),
            gomod: Some(("go.mod", gomod)),
            gosum: Some(sums),
            build_args: Some(&args),
            builder_go: Some("1.22.5"),
            ..Default::default()
        };
        assert_eq!(check(&input), Vec::new());
    }

    #[test]
    fn go_sum_missing_and_vendor_out_of_sync() {
        let gofile = crate::gofile::parse("module = \"example.com/shop\"\nmain = \".\"\n").expect("gofile");
        let input = Input { gofile: Some(&gofile), gomod: Some(("go.mod", GOMOD)), ..Default::default() };
        assert_eq!(names(&check(&input)), vec![("CgoDependencyWithoutCgo", 7), ("GoSumMissing", 6)]);
        let modules = "# example.com/greet v1.0.0\n## explicit\nexample.com/greet\n";
        let input = Input { modules_txt: Some(modules), ..input };
        assert_eq!(names(&check(&input)), vec![("CgoDependencyWithoutCgo", 7), ("VendorOutOfSync", 7)]);
    }

    #[test]
    fn private_modules_need_a_netrc_secret_or_an_ssh_agent() {
        let gofile = crate::gofile::parse("module = \"example.com/shop\"\nmain = \".\"\n").expect("gofile");
        let args = BTreeMap::from([("GOPRIVATE".to_string(), "git.corp/*".to_string())]);
        let with =
            |credentials| Input { gofile: Some(&gofile), build_args: Some(&args), credentials, ..Default::default() };
        let none = Credentials { netrc: false, ssh_agent: false };
        let found = check(&with(Some(none)));
        assert_eq!(names(&found), vec![("PrivateModulesWithoutCredentials", 1)]);
        assert!(found[0].detail.starts_with("GOPRIVATE=git.corp/* "), "{}", found[0].detail);
        assert!(found[0].detail.contains("--secret id=netrc"), "{}", found[0].detail);
        // Either credential is enough; no probe, no finding.
        assert_eq!(check(&with(Some(Credentials { netrc: true, ..none }))), Vec::new());
        assert_eq!(check(&with(Some(Credentials { ssh_agent: true, ..none }))), Vec::new());
        assert_eq!(check(&with(None)), Vec::new());
        assert!(fetches_directly(&args));
        assert!(!fetches_directly(&BTreeMap::from([("GOPRIVATE".to_string(), " ".to_string())])));
    }

    #[test]
    fn the_cgo_survey_names_packages_by_module_at_their_require_line() {
        let gofile = crate::gofile::parse("module = \"example.com/shop\"\nmain = \".\"\n").expect("gofile");
        let survey = "example.com/greet/fast\texample.com/greet\tfast_cgo.go\n\
                      example.com/shop/internal/c\texample.com/shop\tc.go,d.go\n\
                      github.com/mattn/go-sqlite3\tgithub.com/mattn/go-sqlite3\tsqlite3.go\n";
        let input = Input {
            gofile: Some(&gofile),
            gomod: Some(("go.mod", GOMOD)),
            gosum: Some("example.com/greet v1.0.0/go.mod h1:x=\ngithub.com/mattn/go-sqlite3 v1.14.22/go.mod h1:y=\n"),
            cgo_packages: Some(survey),
            ..Default::default()
        };
        let found = check(&input);
        // go-sqlite3 once (the known list), greet at its require line, the module's own at line 1.
        assert_eq!(
            names(&found),
            vec![("CgoDependencyWithoutCgo", 7), ("CgoDependencyWithoutCgo", 6), ("CgoDependencyWithoutCgo", 1)]
        );
        assert!(
            found[1].detail.starts_with("package example.com/greet/fast (fast_cgo.go) has cgo files"),
            "{}",
            found[1].detail
        );
        assert!(found[2].detail.contains("example.com/shop/internal/c (c.go, d.go)"), "{}", found[2].detail);
        // With cgo on, nothing.
        let gofile = crate::gofile::parse("module = \"example.com/shop\"\nmain = \".\"\ncgo = true\n").expect("gofile");
        assert_eq!(check(&Input { gofile: Some(&gofile), ..input }), Vec::new());
    }
}
