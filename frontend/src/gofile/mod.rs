//! The Gofile (format v1): TOML text → [`Gofile`], every value kept with its span so errors can
//! name the line and column.

pub mod keys;
pub mod span;
pub mod zero;

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::ops::Range;

use toml::de::{DeTable, DeValue};
use toml::Spanned;

use crate::diagnostic::Diagnostic;
pub use span::Located;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gofile {
    pub module: Located<String>,
    /// A published version of `module` to build from GOPROXY, with no source in the context
    /// (what `go install module@version` does).
    pub version: Option<Located<String>>,
    /// The main package(s) of the default image; empty when only `[targets.*]` are given.
    pub main: Vec<Located<String>>,
    pub dir: Option<Located<String>>,
    pub go: Option<Located<String>>,
    pub builder: Option<Located<String>>,
    pub base: Option<Located<String>>,
    pub name: Option<Located<String>>,
    pub cgo: Option<Located<bool>>,
    pub tags: Vec<Located<String>>,
    pub ldflags: Option<Located<String>>,
    pub env: BTreeMap<String, Located<String>>,
    pub build_env: BTreeMap<String, Located<String>>,
    pub ports: Vec<Located<Port>>,
    pub user: Option<Located<String>>,
    pub workdir: Option<Located<String>>,
    pub args: Vec<Located<String>>,
    pub healthcheck: Option<Located<Healthcheck>>,
    pub labels: BTreeMap<String, Located<String>>,
    pub files: Vec<Located<FileCopy>>,
    pub packages: Vec<Located<String>>,
    /// Commands that generate code before the compile: `go generate ./...` for `true`.
    pub generate: Option<Located<Vec<String>>>,
    /// The Delve version `--target debug` installs.
    pub delve: Option<Located<String>>,
    /// `-race` for the test targets.
    pub race: Option<Located<bool>>,
    /// `[targets.NAME]` images, in the order written.
    pub targets: Vec<TargetTable>,
    /// The top-level keys as written: name, span, and the value when it is a plain literal
    /// (`false`, `"nonroot"`, `[]`, `{}`) that can be compared with the key's default.
    pub written: Vec<Written>,
    /// Span of the whole document, for errors that belong to no single key.
    pub whole: Range<usize>,
    /// The text it was parsed from, to turn spans into lines.
    pub source: String,
}

/// A top-level key as it was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    pub key: String,
    pub span: Range<usize>,
    /// `false`, `"text"`, `[]` or `{}`; empty for anything else.
    pub literal: String,
}

/// One `[targets.NAME]` table: another binary of the module as its own image (`--target NAME`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetTable {
    pub name: Located<String>,
    pub main: Located<String>,
    pub binary: Option<Located<String>>,
    pub args: Option<Vec<Located<String>>>,
    pub ports: Option<Vec<Located<Port>>>,
    pub env: BTreeMap<String, Located<String>>,
    pub labels: BTreeMap<String, Located<String>>,
    pub healthcheck: Option<Located<Healthcheck>>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Port {
    pub number: u16,
    pub protocol: String,
}

impl Port {
    /// Docker's ExposedPorts key, e.g. `8080/tcp`.
    pub fn key(&self) -> String {
        format!("{}/{}", self.number, self.protocol)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Healthcheck {
    pub cmd: Vec<String>,
    pub interval: Option<String>,
    pub timeout: Option<String>,
    pub start_period: Option<String>,
    pub retries: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileCopy {
    pub from: String,
    pub to: String,
}

type Value<'i> = Spanned<DeValue<'i>>;

/// Parses and validates a Gofile.
pub fn parse(text: &str) -> Result<Gofile, Diagnostic> {
    let doc = DeTable::parse(text).map_err(|err| {
        let mut diag = Diagnostic::new(format!("invalid TOML: {}", err.message().trim()))
            .hint("the Gofile is TOML: `key = \"value\"`, one per line");
        if let Some(span) = err.span() {
            diag = diag.at(span);
        }
        diag
    })?;
    let whole = doc.span();
    let table = doc.into_inner();

    let mut fields = Fields::default();
    let mut written = Vec::new();
    for (key, value) in table.iter() {
        fields.take(key.get_ref(), key.span(), value)?;
        let literal = match value.get_ref() {
            DeValue::Boolean(b) => b.to_string(),
            DeValue::String(s) => format!("{s:?}"),
            DeValue::Array(a) if a.is_empty() => "[]".into(),
            DeValue::Table(t) if t.is_empty() => "{}".into(),
            _ => String::new(),
        };
        written.push(Written { key: key.get_ref().to_string(), span: key.span().start..value.span().end, literal });
    }
    let module = fields.module.ok_or_else(|| missing("module", "module = \"github.com/you/app\""))?;
    if fields.main.is_empty() && fields.targets.is_empty() {
        return Err(missing("main", "main = \"./cmd/server\" or main = \".\""));
    }
    if let (Some(name), true) = (&fields.name, fields.main.len() > 1) {
        return Err(Diagnostic::new("`name` names a single binary, but `main` lists several")
            .at(name.span.clone())
            .hint("each binary is named after its directory; use [targets.NAME] tables to name them one by one"));
    }
    if let (Some(version), Some(dir)) = (&fields.version, &fields.dir) {
        return Err(Diagnostic::new("`dir` and `version` do not go together: a `version` build has no local source")
            .at(dir.span.clone())
            .hint(format!(
                "remove `dir`, or remove `version = {:?}` to build the module in the context",
                version.value
            )));
    }
    let main = fields.main;
    Ok(Gofile {
        module,
        version: fields.version,
        main,
        dir: fields.dir,
        go: fields.go,
        builder: fields.builder,
        base: fields.base,
        name: fields.name,
        cgo: fields.cgo,
        tags: fields.tags,
        ldflags: fields.ldflags,
        env: fields.env,
        build_env: fields.build_env,
        ports: fields.ports,
        user: fields.user,
        workdir: fields.workdir,
        args: fields.args,
        healthcheck: fields.healthcheck,
        labels: fields.labels,
        files: fields.files,
        packages: fields.packages,
        generate: fields.generate,
        delve: fields.delve,
        race: fields.race,
        targets: fields.targets,
        written,
        whole,
        source: text.to_string(),
    })
}

fn missing(key: &str, example: &str) -> Diagnostic {
    Diagnostic::new(format!("the required key `{key}` is missing")).hint(format!("add a line `{example}`"))
}

/// Suggests the known name closest to `word`, when one is close enough to be a typo.
pub fn did_you_mean<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
    candidates
        .iter()
        .map(|c| (strsim::damerau_levenshtein(word, c), *c))
        .filter(|(distance, c)| *distance <= 2.max(c.len() / 3) && *distance < c.len())
        .min()
        .map(|(_, c)| c)
}

#[derive(Default)]
struct Fields {
    module: Option<Located<String>>,
    version: Option<Located<String>>,
    main: Vec<Located<String>>,
    dir: Option<Located<String>>,
    go: Option<Located<String>>,
    builder: Option<Located<String>>,
    base: Option<Located<String>>,
    name: Option<Located<String>>,
    cgo: Option<Located<bool>>,
    tags: Vec<Located<String>>,
    ldflags: Option<Located<String>>,
    env: BTreeMap<String, Located<String>>,
    build_env: BTreeMap<String, Located<String>>,
    ports: Vec<Located<Port>>,
    user: Option<Located<String>>,
    workdir: Option<Located<String>>,
    args: Vec<Located<String>>,
    healthcheck: Option<Located<Healthcheck>>,
    labels: BTreeMap<String, Located<String>>,
    files: Vec<Located<FileCopy>>,
    packages: Vec<Located<String>>,
    generate: Option<Located<Vec<String>>>,
    delve: Option<Located<String>>,
    race: Option<Located<bool>>,
    targets: Vec<TargetTable>,
}

impl Fields {
    fn take(&mut self, key: &str, key_span: Range<usize>, value: &Value<'_>) -> Result<(), Diagnostic> {
        match key {
            "module" => self.module = Some(module_path(value)?),
            "version" => self.version = Some(module_version(value, "version")?),
            "main" => self.main = mains(value)?,
            "dir" => self.dir = Some(context_path(value, "dir")?),
            "go" => self.go = Some(go_version(value)?),
            "builder" => self.builder = Some(image_ref(value, "builder")?),
            "base" => self.base = Some(image_ref(value, "base")?),
            "name" => self.name = Some(binary_name(value)?),
            "cgo" => self.cgo = Some(boolean(value, "cgo")?),
            "tags" => self.tags = build_tags(value)?,
            "ldflags" => self.ldflags = Some(string(value, "ldflags")?),
            "env" => self.env = env_table(value, "env")?,
            "build_env" => self.build_env = env_table(value, "build_env")?,
            "ports" => self.ports = ports(value)?,
            "user" => self.user = Some(user(value)?),
            "workdir" => self.workdir = Some(absolute_path(value, "workdir")?),
            "args" => self.args = string_list(value, "args")?,
            "healthcheck" => self.healthcheck = Some(healthcheck(value)?),
            "labels" => self.labels = string_table(value, "labels")?,
            "files" => self.files = files(value)?,
            "packages" => self.packages = packages(value)?,
            "generate" => self.generate = generate(value)?,
            "delve" => self.delve = Some(module_version(value, "delve")?),
            "race" => self.race = Some(boolean(value, "race")?),
            "targets" => self.targets = targets(value)?,
            unknown => return Err(unknown_key(unknown, "", key_span, "the keys gofile v1 knows are", &keys::names())),
        }
        Ok(())
    }
}

/// "unknown key" with the nearest known key, or the list of known keys when none is near.
fn unknown_key(key: &str, place: &str, span: Range<usize>, known_intro: &str, known: &[&str]) -> Diagnostic {
    let diagnostic = Diagnostic::new(format!("unknown key `{key}`{place}")).at(span);
    match did_you_mean(key, known) {
        Some(near) => diagnostic.hint(format!("did you mean `{near}`?")),
        None => diagnostic.hint(format!("{known_intro}: {}", known.join(", "))),
    }
}

fn wrong_type(value: &Value<'_>, key: &str, expected: &str, example: &str) -> Diagnostic {
    Diagnostic::new(format!("`{key}` must be {expected}, not {}", describe(value.get_ref())))
        .at(value.span())
        .hint(format!("for example `{key} = {example}`"))
}

fn describe(value: &DeValue<'_>) -> &'static str {
    match value {
        DeValue::String(_) => "a string",
        DeValue::Integer(_) => "an integer",
        DeValue::Float(_) => "a float",
        DeValue::Boolean(_) => "a boolean",
        DeValue::Datetime(_) => "a date",
        DeValue::Array(_) => "a list",
        DeValue::Table(_) => "a table",
    }
}

fn str_of<'a>(value: &'a Value<'_>) -> Option<&'a Cow<'a, str>> {
    match value.get_ref() {
        DeValue::String(s) => Some(s),
        _ => None,
    }
}

fn string(value: &Value<'_>, key: &str) -> Result<Located<String>, Diagnostic> {
    str_of(value)
        .map(|s| Located::new(s.to_string(), value.span()))
        .ok_or_else(|| wrong_type(value, key, "a string", "\"…\""))
}

fn nonempty(value: &Value<'_>, key: &str, example: &str) -> Result<Located<String>, Diagnostic> {
    let s = str_of(value).ok_or_else(|| wrong_type(value, key, "a string", example))?;
    if s.trim().is_empty() {
        return Err(Diagnostic::new(format!("`{key}` must not be empty"))
            .at(value.span())
            .hint(format!("for example `{key} = {example}`")));
    }
    Ok(Located::new(s.to_string(), value.span()))
}

fn invalid(value: &Value<'_>, message: String, hint: &str) -> Diagnostic {
    Diagnostic::new(message).at(value.span()).hint(hint)
}

fn boolean(value: &Value<'_>, key: &str) -> Result<Located<bool>, Diagnostic> {
    match value.get_ref() {
        DeValue::Boolean(b) => Ok(Located::new(*b, value.span())),
        _ => Err(wrong_type(value, key, "true or false", "true")),
    }
}

/// `true` (`go generate ./...`), `false`, or the commands to run, in order.
fn generate(value: &Value<'_>) -> Result<Option<Located<Vec<String>>>, Diagnostic> {
    let example = "true, or [\"go generate ./...\", \"go tool sqlc generate\"]";
    match value.get_ref() {
        DeValue::Boolean(true) => Ok(Some(Located::new(vec!["go generate ./...".to_string()], value.span()))),
        DeValue::Boolean(false) => Ok(None),
        DeValue::Array(_) => {
            let commands = string_list(value, "generate")?;
            if let Some(empty) = commands.iter().find(|c| c.value.trim().is_empty()) {
                return Err(invalid_at(empty.span.clone(), "`generate` has an empty command", "remove it"));
            }
            Ok(Some(Located::new(commands.into_iter().map(|c| c.value).collect(), value.span())))
        }
        _ => Err(wrong_type(value, "generate", "true or a list of commands", example)),
    }
}

fn invalid_at(span: Range<usize>, message: &str, hint: &str) -> Diagnostic {
    Diagnostic::new(message).at(span).hint(hint)
}

fn module_path(value: &Value<'_>) -> Result<Located<String>, Diagnostic> {
    let path = nonempty(value, "module", "\"github.com/you/app\"")?;
    let ok = path.value.chars().all(|c| c.is_ascii_alphanumeric() || "-._~/+".contains(c))
        && !path.value.starts_with('/')
        && !path.value.ends_with('/')
        && !path.value.split('/').any(|part| part.is_empty() || part == "." || part == "..");
    if !ok {
        return Err(invalid(
            value,
            format!("`module` is not a valid Go module path: {:?}", path.value),
            "use the path from the `module` line of go.mod, e.g. \"github.com/you/app\"",
        ));
    }
    Ok(path)
}

/// A Go package path relative to the module root: `.`, `./cmd/server`.
fn package_path(value: &Value<'_>, key: &str) -> Result<Located<String>, Diagnostic> {
    let path = nonempty(value, key, "\"./cmd/server\"")?;
    let p = path.value.as_str();
    let relative = p == "." || p.starts_with("./");
    let escapes = p.split('/').any(|part| part == "..");
    if !relative || escapes || p.contains('\\') || p.contains("//") || p.contains("...") {
        return Err(invalid(
            value,
            format!("`{key}` must be a package directory inside the module, relative to its root, not {p:?}"),
            "write it the way `go build` takes it: \".\" or \"./cmd/server\"",
        ));
    }
    Ok(path)
}

/// `main = "./cmd/a"` or `main = ["./cmd/a", "./cmd/b"]`.
fn mains(value: &Value<'_>) -> Result<Vec<Located<String>>, Diagnostic> {
    match value.get_ref() {
        DeValue::Array(items) => {
            if items.as_ref().is_empty() {
                return Err(Diagnostic::new("`main` lists no packages")
                    .at(value.span())
                    .hint("e.g. main = [\"./cmd/api\", \"./cmd/worker\"]"));
            }
            let mut out: Vec<Located<String>> = Vec::new();
            for item in items.as_ref() {
                let package = package_path(item, "main")?;
                if out.iter().any(|p| p.value == package.value) {
                    return Err(Diagnostic::new(format!("`main` lists {:?} twice", package.value)).at(package.span));
                }
                out.push(package);
            }
            Ok(out)
        }
        _ => Ok(vec![package_path(value, "main")?]),
    }
}

fn targets(value: &Value<'_>) -> Result<Vec<TargetTable>, Diagnostic> {
    let mut out = Vec::new();
    for (name, body) in table(value, "targets", "{ worker = { main = \"./cmd/worker\" } }")?.iter() {
        let target_name = Located::new(name.get_ref().to_string(), name.span());
        let valid = target_name.value.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
            && !target_name.value.is_empty();
        if !valid || crate::targets::builtin(&target_name.value).is_some() {
            return Err(Diagnostic::new(format!("{:?} cannot name a target", target_name.value))
                .at(target_name.span)
                .hint("use letters, digits, '-' and '_', and none of image, binary, test, vet"));
        }
        let key = |k: &str| format!("targets.{}.{k}", target_name.value);
        let entries = table(body, &format!("targets.{}", target_name.value), "{ main = \"./cmd/worker\" }")?;
        let mut target = TargetTable {
            name: target_name.clone(),
            main: Located::new(String::new(), body.span()),
            binary: None,
            args: None,
            ports: None,
            env: BTreeMap::new(),
            labels: BTreeMap::new(),
            healthcheck: None,
        };
        let mut has_main = false;
        for (k, v) in entries.iter() {
            match k.get_ref().as_ref() {
                "main" => {
                    target.main = package_path(v, &key("main"))?;
                    has_main = true;
                }
                "name" => target.binary = Some(binary_name(v)?),
                "args" => target.args = Some(string_list(v, &key("args"))?),
                "ports" => target.ports = Some(ports(v)?),
                "env" => target.env = env_table(v, &key("env"))?,
                "labels" => target.labels = string_table(v, &key("labels"))?,
                "healthcheck" => target.healthcheck = Some(healthcheck(v)?),
                other => {
                    let place = format!(" in [targets.{}]", target_name.value);
                    let mut diagnostic =
                        unknown_key(other, &place, k.span(), "a target table takes", &keys::target_names());
                    if keys::names().contains(&other) {
                        // In TOML every line after a [table] header belongs to that table.
                        diagnostic = diagnostic
                            .hint(format!("`{other}` is a top-level key: move it above the first [targets.*] table"));
                    }
                    return Err(diagnostic);
                }
            }
        }
        if !has_main {
            return Err(Diagnostic::new(format!("[targets.{}] needs a `main`", target_name.value))
                .at(body.span())
                .hint("e.g. main = \"./cmd/worker\""));
        }
        out.push(target);
    }
    Ok(out)
}

fn context_path(value: &Value<'_>, key: &str) -> Result<Located<String>, Diagnostic> {
    let path = nonempty(value, key, "\"services/api\"")?;
    let p = path.value.trim_start_matches("./");
    if p.starts_with('/') || p.split('/').any(|part| part == "..") {
        return Err(invalid(
            value,
            format!("`{key}` must stay inside the build context, not {:?}", path.value),
            "give a path relative to the context root, e.g. \"services/api\"",
        ));
    }
    Ok(path)
}

fn absolute_path(value: &Value<'_>, key: &str) -> Result<Located<String>, Diagnostic> {
    let path = nonempty(value, key, "\"/app\"")?;
    if !path.value.starts_with('/') {
        return Err(invalid(value, format!("`{key}` must be an absolute path, not {:?}", path.value), "e.g. \"/app\""));
    }
    Ok(path)
}

/// A module version as Go's module proxies serve it: a semantic version with the `v` (release,
/// pre-release, pseudo-version, `+incompatible`). Queries such as `latest` are refused: the build
/// would change under the same Gofile.
fn module_version(value: &Value<'_>, key: &str) -> Result<Located<String>, Diagnostic> {
    let version = nonempty(value, key, "\"v1.2.3\"")?;
    let text = version.value.as_str();
    let number = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_digit()) && (s == "0" || !s.starts_with('0'));
    let semver = text.strip_prefix('v').is_some_and(|rest| {
        let rest = rest.strip_suffix("+incompatible").unwrap_or(rest);
        let (core, pre) = rest.split_once('-').map_or((rest, None), |(c, p)| (c, Some(p)));
        let parts: Vec<&str> = core.split('.').collect();
        let pre_ok = pre.is_none_or(|p| {
            !p.is_empty()
                && p.split('.').all(|id| !id.is_empty() && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
        });
        parts.len() == 3 && parts.iter().all(|p| number(p)) && pre_ok
    });
    if !semver {
        let hint = if matches!(text, "latest" | "upgrade" | "patch") || text.starts_with(['<', '>']) {
            "pin one version, e.g. \"v1.2.3\": a query would give a different build under the same Gofile"
        } else {
            "write the version as Go's module proxies do, with the v: \"v1.2.3\", \"v0.4.0-rc.1\" or a pseudo-version"
        };
        return Err(invalid(value, format!("`{key}` is not a module version: {text:?}"), hint));
    }
    Ok(version)
}

fn go_version(value: &Value<'_>) -> Result<Located<String>, Diagnostic> {
    let version = nonempty(value, "go", "\"1.24\"")?;
    if crate::gomod::minor_version(&version.value).is_none() {
        return Err(invalid(
            value,
            format!("`go` is not a Go version: {:?}", version.value),
            "write major.minor or major.minor.patch, e.g. \"1.24\"",
        ));
    }
    Ok(version)
}

fn image_ref(value: &Value<'_>, key: &str) -> Result<Located<String>, Diagnostic> {
    let image = nonempty(value, key, "\"golang:1.24-alpine\"")?;
    if image.value.chars().any(|c| c.is_whitespace()) || image.value.contains("://") {
        return Err(invalid(
            value,
            format!("`{key}` is not an image reference: {:?}", image.value),
            "write it as for `docker pull`, e.g. \"golang:1.24-alpine\"",
        ));
    }
    Ok(image)
}

fn binary_name(value: &Value<'_>) -> Result<Located<String>, Diagnostic> {
    let name = nonempty(value, "name", "\"server\"")?;
    let ok = name.value.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c)) && !name.value.starts_with('.');
    if !ok {
        return Err(invalid(
            value,
            format!("`name` must be a plain file name, not {:?}", name.value),
            "letters, digits, '-', '_' and '.', e.g. \"server\"",
        ));
    }
    Ok(name)
}

fn items<'a, 'i>(value: &'a Value<'i>, key: &str, example: &str) -> Result<&'a [Value<'i>], Diagnostic> {
    match value.get_ref() {
        DeValue::Array(array) => Ok(array.as_ref()),
        _ => Err(wrong_type(value, key, "a list", example)),
    }
}

fn string_list(value: &Value<'_>, key: &str) -> Result<Vec<Located<String>>, Diagnostic> {
    let example = "[\"--listen\", \":8080\"]";
    items(value, key, example)?
        .iter()
        .map(|item| {
            str_of(item)
                .map(|s| Located::new(s.to_string(), item.span()))
                .ok_or_else(|| wrong_type(item, &format!("each item of `{key}`"), "a string", example))
        })
        .collect()
}

fn build_tags(value: &Value<'_>) -> Result<Vec<Located<String>>, Diagnostic> {
    let tags = string_list(value, "tags")?;
    for tag in &tags {
        let ok = !tag.value.is_empty() && tag.value.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.');
        if !ok {
            return Err(Diagnostic::new(format!("{:?} is not a valid Go build tag", tag.value))
                .at(tag.span.clone())
                .hint("tags are letters, digits, '_' and '.', one per item: tags = [\"netgo\", \"osusergo\"]"));
        }
    }
    Ok(tags)
}

fn packages(value: &Value<'_>) -> Result<Vec<Located<String>>, Diagnostic> {
    let list = string_list(value, "packages")?;
    for package in &list {
        let ok = !package.value.is_empty()
            && !package.value.starts_with('-')
            && package.value.chars().all(|c| c.is_ascii_alphanumeric() || "+-._=:~".contains(c));
        if !ok {
            return Err(Diagnostic::new(format!("{:?} is not an OS package name", package.value))
                .at(package.span.clone())
                .hint("one package per item, e.g. packages = [\"curl\"]"));
        }
    }
    Ok(list)
}

fn table<'a, 'i>(value: &'a Value<'i>, key: &str, example: &str) -> Result<&'a DeTable<'i>, Diagnostic> {
    match value.get_ref() {
        DeValue::Table(t) => Ok(t),
        _ => Err(wrong_type(value, key, "a table", example)),
    }
}

fn string_table(value: &Value<'_>, key: &str) -> Result<BTreeMap<String, Located<String>>, Diagnostic> {
    let example = "{ team = \"payments\" }";
    let mut out = BTreeMap::new();
    for (name, item) in table(value, key, example)?.iter() {
        let text =
            str_of(item).ok_or_else(|| wrong_type(item, &format!("{key}.{}", name.get_ref()), "a string", "\"…\""))?;
        out.insert(name.get_ref().to_string(), Located::new(text.to_string(), item.span()));
    }
    Ok(out)
}

fn env_table(value: &Value<'_>, key: &str) -> Result<BTreeMap<String, Located<String>>, Diagnostic> {
    let out = string_table(value, key)?;
    for name in table(value, key, "")?.keys() {
        let n = name.get_ref();
        let ok = n.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && n.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !ok {
            return Err(Diagnostic::new(format!("{n:?} is not a valid environment variable name"))
                .at(name.span())
                .hint("use letters, digits and '_', not starting with a digit"));
        }
    }
    Ok(out)
}

fn ports(value: &Value<'_>) -> Result<Vec<Located<Port>>, Diagnostic> {
    let hint = "ports are numbers or \"number/protocol\": ports = [8080, \"53/udp\"]";
    let mut out = Vec::new();
    for item in items(value, "ports", "[8080, \"53/udp\"]")? {
        let parsed = match item.get_ref() {
            DeValue::Integer(i) => i64::from_str_radix(&i.as_str().replace('_', ""), i.radix())
                .ok()
                .and_then(|n| u16::try_from(n).ok())
                .filter(|n| *n > 0)
                .map(|number| Port { number, protocol: "tcp".into() }),
            DeValue::String(s) => parse_port(s),
            _ => None,
        };
        match parsed {
            Some(port) => out.push(Located::new(port, item.span())),
            None => return Err(Diagnostic::new("not a valid port").at(item.span()).hint(hint)),
        }
    }
    out.sort_by(|a, b| a.value.cmp(&b.value));
    out.dedup_by(|a, b| a.value == b.value);
    Ok(out)
}

fn parse_port(text: &str) -> Option<Port> {
    let (number, protocol) = text.split_once('/').unwrap_or((text, "tcp"));
    let number: u16 = number.parse().ok().filter(|n| *n > 0)?;
    matches!(protocol, "tcp" | "udp" | "sctp").then(|| Port { number, protocol: protocol.to_string() })
}

fn user(value: &Value<'_>) -> Result<Located<String>, Diagnostic> {
    let user = nonempty(value, "user", "\"nonroot\"")?;
    let numeric = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_digit()) && s.parse::<u32>().is_ok();
    let ok = match user.value.split_once(':') {
        _ if user.value == "nonroot" || user.value == "root" => true,
        Some((uid, gid)) => numeric(uid) && numeric(gid),
        None => numeric(&user.value),
    };
    if !ok {
        return Err(invalid(
            value,
            format!("`user` must be \"nonroot\", \"root\", or a numeric uid[:gid], not {:?}", user.value),
            "the runtime image has no other users; e.g. user = \"10001:10001\"",
        ));
    }
    Ok(user)
}

fn files(value: &Value<'_>) -> Result<Vec<Located<FileCopy>>, Diagnostic> {
    let example = "[{ from = \"static/\", to = \"/app/static\" }]";
    let mut out = Vec::new();
    for item in items(value, "files", example)? {
        let entry = table(item, "each item of `files`", "{ from = \"static/\", to = \"/app/static\" }")?;
        let mut from = None;
        let mut to = None;
        for (key, v) in entry.iter() {
            match key.get_ref().as_ref() {
                "from" => from = Some(context_path(v, "from")?),
                "to" => to = Some(absolute_path(v, "to")?),
                other => {
                    return Err(Diagnostic::new(format!("unknown key `{other}` in `files`"))
                        .at(key.span())
                        .hint("each entry has `from` (in the context) and `to` (in the image)"))
                }
            }
        }
        match (from, to) {
            (Some(from), Some(to)) => {
                if to.value.split('/').any(|p| p == "..") {
                    return Err(Diagnostic::new("`to` must not contain `..`")
                        .at(to.span)
                        .hint("give an absolute path in the image"));
                }
                out.push(Located::new(FileCopy { from: from.value, to: to.value }, item.span()))
            }
            _ => {
                return Err(Diagnostic::new("each `files` entry needs both `from` and `to`")
                    .at(item.span())
                    .hint(format!("e.g. files = {example}")))
            }
        }
    }
    Ok(out)
}

fn healthcheck(value: &Value<'_>) -> Result<Located<Healthcheck>, Diagnostic> {
    const KNOWN: &[&str] = &["cmd", "interval", "timeout", "start_period", "retries"];
    let entry = table(value, "healthcheck", "{ cmd = [\"/app/server\", \"-health\"], interval = \"30s\" }")?;
    let mut check = Healthcheck::default();
    for (key, v) in entry.iter() {
        match key.get_ref().as_ref() {
            "cmd" => check.cmd = string_list(v, "healthcheck.cmd")?.into_iter().map(|s| s.value).collect(),
            "interval" => check.interval = Some(duration(v, "healthcheck.interval")?),
            "timeout" => check.timeout = Some(duration(v, "healthcheck.timeout")?),
            "start_period" => check.start_period = Some(duration(v, "healthcheck.start_period")?),
            "retries" => {
                let n = match v.get_ref() {
                    DeValue::Integer(i) => i.as_str().parse::<u32>().ok(),
                    _ => None,
                };
                check.retries = Some(n.ok_or_else(|| wrong_type(v, "healthcheck.retries", "a whole number", "3"))?);
            }
            other => return Err(unknown_key(other, " in `healthcheck`", key.span(), "healthcheck takes", KNOWN)),
        }
    }
    if check.cmd.is_empty() {
        return Err(Diagnostic::new("`healthcheck` needs a non-empty `cmd`")
            .at(value.span())
            .hint("e.g. healthcheck = { cmd = [\"/app/server\", \"-health\"] }"));
    }
    Ok(Located::new(check, value.span()))
}

/// Go-style durations as Docker takes them: "30s", "1m30s", "500ms".
fn duration(value: &Value<'_>, key: &str) -> Result<String, Diagnostic> {
    let text = nonempty(value, key, "\"30s\"")?;
    if crate::image::duration_nanos(&text.value).is_none() {
        return Err(invalid(
            value,
            format!("`{key}` is not a duration: {:?}", text.value),
            "e.g. \"30s\", \"1m30s\", \"500ms\"",
        ));
    }
    Ok(text.value)
}

#[cfg(test)]
mod tests;
