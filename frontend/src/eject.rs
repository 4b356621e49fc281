//! `gofront eject`: the Dockerfile that builds what a Gofile builds, for teams that want to read
//! what gofront does, or to leave it without rewriting their build.
//!
//! It is written from the same [`BuildPlan`]s the frontend emits LLB from, so the stages, mounts,
//! flags and image config are the ones gofront uses: the module layer, the compile with its cache
//! mounts, the runtime root, one stage per target. Whatever a Dockerfile cannot say the way
//! gofront does is written down as a comment at the top, never left out silently.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::diagnostic::Diagnostic;
use crate::gofile::Gofile;
use crate::plan::{
    self, scripts, Base, BuildPlan, CA_BUNDLE, GOCACHE, GOMODCACHE, MODULE_PROXY_CACHE, NETRC_PATH, NETRC_SECRET,
    NONROOT, OUT, SRC, SSH_AGENT_ID, SSH_AGENT_SOCK, ZONEINFO,
};

/// Build args whose values gofront reads at plan time; the ejected Dockerfile reads them at build
/// time instead, so the plans are made with these stand-ins and the stand-ins become `${NAME}`.
pub const DEFERRED_ARGS: &[&str] = &["VERSION", "REVISION", "SOURCE"];

/// What is substituted for a deferred build arg while planning: a byte no Gofile value can hold.
pub fn stand_in(name: &str) -> String {
    format!("\u{1}{name}\u{1}")
}

/// One image stage to write: the target's name (None for the default image) and its plan.
pub struct ImageStage<'a> {
    pub name: Option<&'a str>,
    pub plan: &'a BuildPlan,
}

/// Everything the Dockerfile is written from.
pub struct Ejection<'a> {
    /// Name of the Gofile, for the header.
    pub gofile: &'a str,
    /// The plan of the build stages (any image target: they share the compile).
    pub build: &'a BuildPlan,
    /// The `[targets.NAME]` images first, then the default image (the Dockerfile's last stage).
    pub images: Vec<ImageStage<'a>>,
    /// Build args the Gofile's `ldflags` reads besides [`DEFERRED_ARGS`], with their fallbacks.
    pub ldflags_args: Vec<(String, Option<String>)>,
}

/// The Dockerfile for a parsed Gofile and the context's module files (planned for `platform`,
/// though the Dockerfile itself builds for any `--platform`).
pub fn eject(
    name: &str,
    gofile: &Gofile,
    files: &plan::ContextFiles,
    platform: crate::platform::Platform,
) -> Result<String, Diagnostic> {
    let layout = match gofile.version {
        Some(_) => plan::layout::published(gofile),
        None => plan::layout::locate(gofile, files)?,
    };
    let ldflags_args: Vec<(String, Option<String>)> = plan::ldflags::variables(gofile)?
        .into_iter()
        .filter(|(name, _)| !DEFERRED_ARGS.contains(&name.as_str()))
        .collect();
    let mut build_args = BTreeMap::new();
    for name in DEFERRED_ARGS.iter().copied().chain(ldflags_args.iter().map(|(n, _)| n.as_str())) {
        build_args.insert(name.to_string(), stand_in(name));
    }
    let options = |target: Option<&str>| plan::BuildOptions {
        build_args: build_args.clone(),
        build_platform: platform.clone(),
        target: target.map(str::to_string),
        ..Default::default()
    };
    let default = plan::plan(gofile, &layout, &options(None))?;
    let tables: Vec<BuildPlan> = gofile
        .targets
        .iter()
        .map(|t| plan::plan(gofile, &layout, &options(Some(&t.name.value))))
        .collect::<Result<_, _>>()?;
    let mut images: Vec<ImageStage> =
        gofile.targets.iter().zip(&tables).map(|(t, plan)| ImageStage { name: Some(&t.name.value), plan }).collect();
    if !gofile.main.is_empty() {
        images.push(ImageStage { name: None, plan: &default });
    }
    Ok(dockerfile(&Ejection { gofile: name, build: &default, images, ldflags_args }))
}

pub fn dockerfile(e: &Ejection) -> String {
    let plan = e.build;
    let mut out = String::new();
    header(&mut out, e);

    let builder = &plan.builder.reference;
    let _ = writeln!(out, "ARG GOFRONT_BUILDER={builder}");
    for image in &e.images {
        if let Base::Image(base) = &image.plan.base {
            let _ = writeln!(out, "ARG {}={}", base_arg(image.name), base.reference);
        }
    }
    out.push('\n');

    out.push_str("# The scripts around each Go command, exactly as gofront runs them.\n");
    out.push_str("FROM scratch AS gofront-scripts\n");
    // Only the scripts this Dockerfile runs; the CI layers' list and precompile are left out.
    let used: &[&str] = match (&plan.published, plan.downloads()) {
        (Some(_), _) => &["fetch", "compile"],
        (None, true) => &["download", "compile", "check"],
        (None, false) => &["compile", "check"],
    };
    for (name, text) in scripts::all().into_iter().filter(|(name, _)| used.contains(name)) {
        let _ = writeln!(out, "COPY --chmod=755 <<'GOFRONT_SCRIPT' /{name}\n{text}GOFRONT_SCRIPT");
    }
    out.push('\n');

    out.push_str("# The Go toolchain runs on the build platform and cross-compiles.\n");
    out.push_str("FROM --platform=$BUILDPLATFORM ${GOFRONT_BUILDER} AS gofront-builder\n");
    let go_env: Vec<&(String, String)> = plan.go_env.iter().collect();
    for (name, value) in &go_env {
        let _ = writeln!(out, "ENV {name}={}", env_value(value));
    }
    for name in ["GOPROXY", "GOPRIVATE", "GONOSUMDB", "GONOPROXY", "GOSUMDB", "GOINSECURE"] {
        let _ = writeln!(out, "ARG {name}");
    }
    let cwd = if plan.module_dir.is_empty() { SRC.to_string() } else { format!("{SRC}/{}", plan.module_dir) };
    let _ = writeln!(out, "WORKDIR {cwd}\n");

    if let Some(published) = &plan.published {
        let _ = writeln!(
            out,
            "# The module layer: {0} from GOPROXY, verified, and what its go.mod requires.\n\
             FROM gofront-builder AS gofront-modules\n\
             WORKDIR /",
            published.reference
        );
        let mounts = go_mounts(plan, None, false);
        let argv = scripts::command(
            "fetch",
            ["go", "mod", "download", "-x", "-json", published.reference.as_str()].map(String::from).into(),
        );
        run(&mut out, &mounts, plan, &[], &argv, false);
        out.push('\n');
    } else if plan.downloads() {
        out.push_str("# go.mod, go.sum (and go.work, replace targets' go.mod) alone: only they re-run the download.\n");
        out.push_str("FROM scratch AS gofront-module-files\n");
        for file in &plan.module_files {
            let _ = writeln!(out, "COPY {}", json(&[file.clone(), format!("{SRC}/{file}")]));
        }
        out.push('\n');
        out.push_str("# The module layer: `go mod download` into GOMODCACHE, with the persistent module cache\n");
        out.push_str("# as a file:// proxy in front of GOPROXY.\n");
        out.push_str("FROM gofront-builder AS gofront-modules\n");
        let mounts =
            go_mounts(plan, Some(&format!("type=bind,from=gofront-module-files,source={SRC},target={SRC}")), false);
        let argv = scripts::command("download", ["go", "mod", "download", "-x"].map(String::from).into());
        run(&mut out, &mounts, plan, &[], &argv, false);
        out.push('\n');
    }

    out.push_str("# The compile: the whole context read-only, the module layer, the build cache mount.\n");
    out.push_str("FROM gofront-builder AS gofront-build\n");
    if let Some(published) = &plan.published {
        let _ = writeln!(out, "WORKDIR {}", published.dir);
    }
    out.push_str("ARG TARGETOS TARGETARCH TARGETVARIANT\n");
    for (name, fallback) in &e.ldflags_args {
        match fallback {
            Some(value) => {
                let _ = writeln!(out, "ARG {name}={}", env_value(value));
            }
            None => {
                let _ = writeln!(out, "ARG {name}");
            }
        }
    }
    for name in DEFERRED_ARGS {
        let _ = writeln!(out, "ARG {name}");
    }
    let context = format!("type=bind,target={SRC}");
    let argv = scripts::command("compile", plan.build_command());
    let env = without_platform(&plan.compile_env());
    run(&mut out, &go_mounts(plan, Some(&context), true), plan, &env, &argv, true);
    out.push('\n');

    let checks: &[(&str, &str)] = if plan.published.is_some() { &[] } else { &[("test", "test"), ("vet", "vet")] };
    for (stage, verb) in checks {
        let _ = writeln!(out, "# --target {stage}: `go {verb} ./...` on the build platform.");
        let _ = writeln!(out, "FROM gofront-builder AS {stage}");
        let argv = scripts::command("check", vec!["go".into(), verb.to_string(), "./...".into()]);
        run(&mut out, &go_mounts(plan, Some(&context), true), plan, &plan.build_env, &argv, false);
        out.push('\n');
    }

    out.push_str("# --target binary: the binaries alone, for --output type=local.\n");
    out.push_str("FROM scratch AS binary\n");
    let _ = writeln!(out, "COPY --from=gofront-build {OUT}/ /\n");

    if e.images.iter().any(|i| i.plan.base == Base::Scratch) {
        runtime_root(&mut out);
    }
    for image in &e.images {
        image_stage(&mut out, image);
    }
    out
}

fn header(out: &mut String, e: &Ejection) {
    let plan = e.build;
    let _ = writeln!(
        out,
        "# Ejected from {} by gofront {}: the Dockerfile equivalent of that Gofile.\n\
         #   docker buildx build -f Dockerfile .      (--target binary|test|vet|NAME as with the Gofile)\n\
         #\n\
         # What this Dockerfile does not do the way gofront does:\n\
         # - No checks before the build: gofront refuses a module/go.mod mismatch, a missing or\n\
         #   non-main package, cgo cross-compiles and non-Linux images with the Gofile line and a fix.\n\
         #   Here such mistakes surface as failed steps.\n\
         # - Build-step errors point at Dockerfile lines, not at Gofile lines.\n\
         # - The CI dependency layers (gofront's GOFRONT_DEPENDENCY_LAYERS, on when a build imports a\n\
         #   cache) are left out: the compiled dependencies live only in the build cache mount here.\n\
         # - File times: gofront stamps every file and directory of its layers with SOURCE_DATE_EPOCH\n\
         #   (else 0); here they carry the build's clock unless the exporter rewrites them\n\
         #   (--output ...,rewrite-timestamp=true with SOURCE_DATE_EPOCH).\n\
         # - ${{VERSION}}, ${{REVISION}}, ${{SOURCE}}: gofront leaves a label out when its arg is empty;\n\
         #   here the label is then set to \"\". gofront also falls back to the git info buildx\n\
         #   sends (vcs:revision, vcs:source); a Dockerfile cannot read those.\n\
         # - The GOFLAGS build arg: gofront appends it to GOFLAGS ({goflags}); here set ENV GOFLAGS.\n\
         # - The label {label}, which names the gofront release that built an image.",
        e.gofile,
        crate::VERSION_LINE,
        goflags = plan.go_env.iter().find(|(k, _)| k == "GOFLAGS").map_or("", |(_, v)| v.as_str()),
        label = plan::FRONTEND_VERSION_LABEL,
    );
    if e.ldflags_args.iter().any(|(_, fallback)| fallback.is_none()) {
        out.push_str("# - An ldflags variable without a value is an error in gofront; here it is empty.\n");
    }
    out.push('\n');
}

/// The mounts of a Go step, as `--mount=` values.
fn go_mounts(plan: &BuildPlan, source: Option<&str>, with_modules: bool) -> Vec<String> {
    let modules = &plan.cache_ids.modules;
    let build = &plan.cache_ids.build;
    let mut mounts: Vec<String> = source.map(str::to_string).into_iter().collect();
    mounts.extend([
        format!("type=cache,id={modules},target={MODULE_PROXY_CACHE},sharing=shared"),
        format!("type=cache,id={build},target={GOCACHE},sharing=shared"),
        format!("type=bind,from=gofront-scripts,target={}", scripts::SCRIPTS),
        "type=tmpfs,target=/tmp".to_string(),
        format!("type=secret,id={NETRC_SECRET},target={NETRC_PATH}"),
        format!("type=ssh,id={SSH_AGENT_ID},target={SSH_AGENT_SOCK}"),
    ]);
    if with_modules && plan.downloads() {
        // Writable for Go's lock files; what it writes is thrown away.
        mounts.push(format!("type=bind,from=gofront-modules,source={GOMODCACHE},target={GOMODCACHE},rw"));
    }
    mounts
}

/// A shell-form RUN: the platform's Go variables from TARGET*, the step's environment, the argv.
fn run(out: &mut String, mounts: &[String], plan: &BuildPlan, env: &[(String, String)], argv: &[String], cross: bool) {
    out.push_str("RUN");
    for mount in mounts {
        let _ = write!(out, " --mount={mount} \\\n   ");
    }
    if plan.go_network() == plan::Network::None {
        out.push_str(" --network=none \\\n   ");
    }
    if argv.iter().any(|a| a.ends_with("/download")) {
        // The module layer must exist even when there is nothing to download.
        let _ = write!(out, " mkdir -p {GOMODCACHE} && \\\n   ");
    }
    if cross {
        out.push_str(
            " export GOOS=\"$TARGETOS\" GOARCH=\"$TARGETARCH\" && case \"$TARGETARCH/$TARGETVARIANT\" in \
             arm/v*) export GOARM=\"${TARGETVARIANT#v}\" ;; amd64/v*) export GOAMD64=\"$TARGETVARIANT\" ;; \
             arm64/v*) export GOARM64=\"$TARGETVARIANT\" ;; esac && \\\n   ",
        );
    }
    let words: Vec<String> =
        env.iter().map(|(k, v)| format!("{k}={}", shell_word(v))).chain(argv.iter().map(|a| shell_word(a))).collect();
    let _ = writeln!(out, " {}", words.join(" "));
}

/// The runtime root gofront builds from file operations, made here with a shell on the builder.
fn runtime_root(out: &mut String) {
    let passwd = format!(
        "root:x:0:0:root:/root:/sbin/nologin\\nnonroot:x:{NONROOT}:{NONROOT}:nonroot:/home/nonroot:/sbin/nologin\\n"
    );
    let group = format!("root:x:0:\\nnonroot:x:{NONROOT}:\\n");
    let _ = writeln!(
        out,
        "# The runtime root: CA certificates, Go's zoneinfo.zip, passwd/group with nonroot ({NONROOT}),\n\
         # /tmp with the sticky bit, /home/nonroot, /app.\n\
         FROM gofront-builder AS gofront-runtime-root\n\
         RUN set -eu; r=/gofront-root; \\\n\
         \x20   mkdir -p $r/etc/ssl/certs $r/usr/share $r/home/nonroot $r/app $r/tmp; \\\n\
         \x20   chmod 755 $r/etc $r/etc/ssl $r/etc/ssl/certs $r/usr $r/usr/share $r/home $r/app; \\\n\
         \x20   chmod 1777 $r/tmp; chmod 700 $r/home/nonroot; chown {NONROOT}:{NONROOT} $r/home/nonroot; \\\n\
         \x20   cp {CA_BUNDLE} $r{CA_BUNDLE}; cp \"$(go env GOROOT)/lib/time/zoneinfo.zip\" $r{ZONEINFO}; \\\n\
         \x20   printf '{passwd}' >$r/etc/passwd; printf '{group}' >$r/etc/group; \\\n\
         \x20   chmod 644 $r{CA_BUNDLE} $r{ZONEINFO} $r/etc/passwd $r/etc/group\n"
    );
}

fn base_arg(name: Option<&str>) -> String {
    match name {
        None => "GOFRONT_BASE".to_string(),
        Some(name) => {
            format!("GOFRONT_BASE_{}", name.to_ascii_uppercase().replace(|c: char| !c.is_ascii_alphanumeric(), "_"))
        }
    }
}

fn image_stage(out: &mut String, image: &ImageStage) {
    let plan = image.plan;
    let runtime = &plan.runtime;
    let stage = image.name.unwrap_or("image");
    match &plan.base {
        Base::Scratch => {
            let _ = writeln!(out, "# --target {stage}\nFROM scratch AS {stage}");
            out.push_str("COPY --from=gofront-runtime-root /gofront-root/ /\n");
        }
        Base::Image(_) => {
            let _ = writeln!(out, "# --target {stage}\nFROM ${{{}}} AS {stage}", base_arg(image.name));
            if !plan.packages.is_empty() {
                let _ = writeln!(
                    out,
                    "# gofront installs with apt-get or apk, whichever the base's /etc/os-release names.\n\
                     RUN if command -v apk >/dev/null; then apk add --no-cache {pkgs}; else \\\n\
                     \x20   apt-get update -qq && apt-get install -y -qq --no-install-recommends {pkgs} \\\n\
                     \x20   && apt-get clean && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin; fi",
                    pkgs = plan.packages.join(" ")
                );
            }
        }
    }
    for (file, name) in &plan.image_binaries {
        let _ = writeln!(
            out,
            "COPY --from=gofront-build --chmod=755 {}",
            json(&[format!("{OUT}/{file}"), format!("{}/{name}", plan::APP_DIR)])
        );
    }
    for file in &runtime.files {
        let from = file.from.trim_start_matches("./");
        let _ = writeln!(out, "COPY {}", json(&[from.to_string(), file.to.clone()]));
    }
    for name in DEFERRED_ARGS {
        let _ = writeln!(out, "ARG {name}");
    }
    let _ = writeln!(out, "USER {}", runtime.user);
    let _ = writeln!(out, "WORKDIR {}", runtime.workdir);
    for (name, value) in &runtime.env {
        let _ = writeln!(out, "ENV {name}={}", env_value(value));
    }
    let labels: Vec<String> = runtime
        .labels
        .iter()
        .filter(|(k, _)| k.as_str() != plan::FRONTEND_VERSION_LABEL)
        .map(|(k, v)| format!("{}={}", env_value(k), env_value(v)))
        .collect();
    if !labels.is_empty() {
        let _ = writeln!(out, "LABEL {}", labels.join(" \\\n      "));
    }
    for port in &runtime.ports {
        let _ = writeln!(out, "EXPOSE {port}");
    }
    if let Some(check) = &runtime.healthcheck {
        let mut flags = String::new();
        for (flag, value) in
            [("interval", &check.interval), ("timeout", &check.timeout), ("start-period", &check.start_period)]
        {
            if let Some(value) = value {
                let _ = write!(flags, "--{flag}={value} ");
            }
        }
        if let Some(retries) = check.retries {
            let _ = write!(flags, "--retries={retries} ");
        }
        let _ = writeln!(out, "HEALTHCHECK {flags}CMD {}", json(&check.cmd));
    }
    let _ = writeln!(out, "ENTRYPOINT {}", json(&runtime.entrypoint));
    if !runtime.cmd.is_empty() {
        let _ = writeln!(out, "CMD {}", json(&runtime.cmd));
    }
    out.push('\n');
}

/// The compile's environment without GOOS/GOARCH/GOARM…: the Dockerfile sets those from TARGET*.
fn without_platform(env: &[(String, String)]) -> Vec<(String, String)> {
    const PLATFORM: &[&str] = &["GOOS", "GOARCH", "GOARM", "GOAMD64", "GOARM64", "GO386"];
    env.iter().filter(|(k, _)| !PLATFORM.contains(&k.as_str())).cloned().collect()
}

/// A JSON array, for exec-form instructions.
fn json(items: &[String]) -> String {
    serde_json::to_string(items).unwrap_or_else(|_| "[]".into())
}

/// A Dockerfile ENV/LABEL value: double-quoted, with `\`, `"` and `$` escaped, except that a
/// deferred build arg's stand-in becomes `${NAME}`.
fn env_value(value: &str) -> String {
    let mut out = String::from("\"");
    let mut rest = value;
    while !rest.is_empty() {
        if let Some((name, after)) = deferred_at(rest) {
            let _ = write!(out, "${{{name}}}");
            rest = after;
            continue;
        }
        let mut chars = rest.chars();
        let Some(c) = chars.next() else { break };
        if matches!(c, '\\' | '"' | '$') {
            out.push('\\');
        }
        out.push(c);
        rest = chars.as_str();
    }
    out.push('"');
    out
}

/// A POSIX shell word: single-quoted, except that a deferred build arg's stand-in becomes
/// `"${NAME}"`, expanded by the shell from the ARG.
fn shell_word(value: &str) -> String {
    let mut out = String::from("'");
    let mut rest = value;
    while !rest.is_empty() {
        if let Some((name, after)) = deferred_at(rest) {
            // gofront's own fallbacks when the arg is not given.
            let fallback = match name {
                "VERSION" => ":-dev",
                "REVISION" | "SOURCE" => ":-unknown",
                _ => "",
            };
            let _ = write!(out, "'\"${{{name}{fallback}}}\"'");
            rest = after;
            continue;
        }
        let mut chars = rest.chars();
        let Some(c) = chars.next() else { break };
        if c == '\'' {
            out.push_str("'\\''");
        } else {
            out.push(c);
        }
        rest = chars.as_str();
    }
    out.push('\'');
    out
}

/// A stand-in at the start of `text`: its name and what follows it.
fn deferred_at(text: &str) -> Option<(&str, &str)> {
    let inner = text.strip_prefix('\u{1}')?;
    let (name, after) = inner.split_once('\u{1}')?;
    Some((name, after))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stand_ins_become_build_args_and_everything_else_is_quoted() {
        let value = format!("-s -w -X main.version={} -X 'main.note=it''s $HOME'", stand_in("VERSION"));
        assert_eq!(
            shell_word(&value),
            "'-s -w -X main.version='\"${VERSION:-dev}\"' -X '\\''main.note=it'\\'''\\''s $HOME'\\'''"
        );
        assert_eq!(env_value(&format!("v{} \"$x\\", stand_in("VERSION"))), "\"v${VERSION} \\\"\\$x\\\\\"");
    }
}
