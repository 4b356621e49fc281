//! The two printers cannot drift apart: for the program of every project shape in the test
//! fixtures, the LLB and the Dockerfile both carry every step, mount, environment variable and
//! argument of the program.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use gofront::image::ImageConfig;
use gofront::llb::describe::describe;
use gofront::plan::groups::PackageGroup;
use gofront::plan::steps::{self, PackageManager};
use gofront::plan::{self, BuildOptions, Network};
use gofront::platform::Platform;
use gofront::program::llb::{Printer, ResolvedImage, Settings};
use gofront::program::{dockerfile, Env, FileAction, MountKind, Op, Program, Value};

/// Every fixture shape, with the Gofile that builds it.
const SHAPES: &[(&str, &str)] = &[
    ("stdlib", "module = \"example.com/clock\"\nmain = \"./cmd/clock\"\nldflags = \"-X main.version=${VERSION}\"\nports = [8080]\nhealthcheck = { cmd = [\"/app/clock\"] }\n"),
    ("shop", "module = \"example.com/shop\"\nmain = \"./cmd/shop\"\ntags = [\"netgo\"]\n"),
    ("vendored", "module = \"example.com/shop\"\nmain = \"./cmd/shop\"\n"),
    ("monorepo", "module = \"example.com/api\"\nmain = \"./cmd/api\"\n"),
    ("replace", "module = \"example.com/app\"\nmain = \".\"\ndir = \"app\"\n"),
    ("multi", "module = \"example.com/multi\"\nmain = [\"./cmd/api\", \"./cmd/worker\"]\n[targets.migrate]\nmain = \"./tools/migrate\"\nargs = [\"up\"]\n"),
    ("assets", "module = \"example.com/assets\"\nmain = \"./cmd/assets\"\nfiles = [{ from = \"static/\", to = \"/app/static\" }]\n"),
    ("cgo", "module = \"example.com/cgoapp\"\nmain = \".\"\ncgo = true\n"),
    ("runner", "module = \"example.com/runner\"\nmain = \".\"\nbase = \"debian\"\npackages = [\"jq\"]\n"),
    ("secretcheck", "module = \"example.com/secretcheck\"\nmain = \".\"\nbuild_env = { CGO_ENABLED = \"0\" }\n"),
];

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures").join(name)
}

fn image(reference: &str) -> ResolvedImage {
    let config =
        br#"{"architecture":"amd64","os":"linux","config":{"Env":["PATH=/usr/bin:/bin","GOROOT=/usr/local/go"]}}"#;
    ResolvedImage {
        reference: format!("{reference}@sha256:{}", "0".repeat(64)),
        config: ImageConfig::from_json(config).expect("config"),
    }
}

/// The program of a shape (CI layers on, every build arg it reads given a value).
fn program_of(shape: &str, gofile: &str) -> (Program, Settings) {
    let runtime = tokio::runtime::Builder::new_current_thread().build().expect("runtime");
    let dir = tempfile::tempdir().expect("tmp");
    let copied = std::process::Command::new("cp")
        .arg("-a")
        .arg(format!("{}/.", fixture(shape).display()))
        .arg(dir.path())
        .status();
    assert!(copied.is_ok_and(|s| s.success()), "cannot copy {shape}");
    std::fs::write(dir.path().join("Gofile"), gofile).expect("Gofile");
    let read = runtime.block_on(gofront::local::read(dir.path(), Path::new("Gofile"), None)).expect("read");
    let mut options = BuildOptions {
        build_platform: Platform::parse("linux/amd64").expect("platform"),
        network: Network::Host,
        cache_imported: true,
        ..Default::default()
    };
    for name in plan::GO_NETWORK_ARGS.iter().chain(["VERSION", "GOFLAGS"].iter()) {
        options.build_args.insert(name.to_string(), format!("value-of-{name}"));
    }
    let plan = plan::plan(&read.gofile, &read.layout, &options).expect("plan");
    // Two package groups (the files need not exist to print them), so their steps are walked too.
    let groups = [
        PackageGroup { packages: vec!["example.com/x/util".into()], files: vec!["util/u.go".into()] },
        PackageGroup { packages: vec!["example.com/x/store".into()], files: vec!["store/s.go".into()] },
    ];
    // The outside imports as the frontend reads them, so that their step is walked too.
    let found = steps::SourceFacts { groups: groups.to_vec(), outside_imports: Some(vec!["fmt".into()]) };
    let program = steps::program(&plan, Some(PackageManager::Apt), &found);
    let mut settings = Settings { build_args: options.build_args.clone(), session: "s".into(), ..Default::default() };
    for step in &program.steps {
        if let Op::Image { reference, .. } = &step.op {
            settings.images.insert(reference.clone(), image(reference));
        }
    }
    (program, settings)
}

/// A literal's text; build args and image env in the printers' own forms.
fn literal(value: &Value) -> Option<&str> {
    match value {
        Value::Literal(text) if !text.is_empty() => Some(text),
        _ => None,
    }
}

#[test]
fn both_printers_render_every_step_mount_variable_and_argument() {
    for (shape, gofile) in SHAPES {
        let (program, settings) = program_of(shape, gofile);
        let trees: Vec<_> = program.outputs.iter().map(|o| &o.tree).collect();
        let mut printer = Printer::new(&program, &settings);
        let printed = printer.print(&trees).expect("print");
        let last = printed.last().expect("an output").clone();
        let llb = describe(&printer.finish().definition(&last, None));
        let docker = dockerfile::print(&program, "Gofile");
        let mut checked = BTreeMap::new();
        let mut both = |what: String, in_llb: &str, in_dockerfile: &str| {
            assert!(llb.contains(in_llb), "{shape}: the LLB lacks {what} ({in_llb:?}):\n{llb}");
            assert!(
                docker.contains(in_dockerfile),
                "{shape}: the Dockerfile lacks {what} ({in_dockerfile:?}):\n{docker}"
            );
            *checked.entry(shape).or_insert(0) += 1;
        };
        for id in program.needed(&trees) {
            let step = program.step(id);
            let stage = format!(" AS gofront-{}", step.id);
            match &step.op {
                Op::Context(_) => both(format!("step {}", step.name), &step.name, "--mount=type=bind,target="),
                Op::Image { reference, .. } => both(format!("image {reference}"), reference, &format!("={reference}")),
                Op::Files { actions, .. } => {
                    both(format!("step {}", step.name), &step.name, &stage);
                    for action in actions {
                        let path = match action {
                            FileAction::Mkdir { path, .. } | FileAction::Mkfile { path, .. } => path,
                            FileAction::Copy { dest, .. } => dest,
                        };
                        both(format!("{} in {}", path, step.name), path, path);
                    }
                }
                Op::Run(run) => {
                    both(format!("step {}", step.name), &step.name, &stage);
                    for mount in &run.mounts {
                        let dest = &mount.dest;
                        let in_dockerfile = match mount.kind {
                            MountKind::Output | MountKind::Onto { .. } => format!("mkdir -p '{dest}'"),
                            _ => format!("target={dest}"),
                        };
                        both(format!("mount {dest} of {}", step.name), &format!("mount {dest} "), &in_dockerfile);
                    }
                    for env in &run.env {
                        match env {
                            Env::Set(name, _) => both(
                                format!("env {name} of {}", step.name),
                                &format!("env {name}="),
                                &format!("{name}="),
                            ),
                            Env::FromArg(name) => both(
                                format!("arg {name} of {}", step.name),
                                &format!("env {name}=value-of-{name}"),
                                &format!("ARG {name}"),
                            ),
                            Env::TargetPlatform => both(
                                format!("the target platform of {}", step.name),
                                "env GOARCH=amd64",
                                gofront::platform::TARGET_GO_ENV_SHELL,
                            ),
                        }
                    }
                    for arg in run.argv.iter().filter_map(literal) {
                        let in_llb = format!("{arg:?}");
                        let in_dockerfile = format!("'{}'", arg.replace('\'', "'\\''"));
                        both(format!("argument {arg:?} of {}", step.name), &in_llb, &in_dockerfile);
                    }
                }
            }
        }
        for output in &program.outputs {
            assert!(
                docker.contains(&format!(" AS {}\n", output.target)),
                "{shape}: no stage {}:\n{docker}",
                output.target
            );
        }
        assert!(checked.get(shape).copied().unwrap_or(0) > 30, "{shape}: too little was checked");
    }
}
