//! `gofront`: run by BuildKit as a gateway frontend (no arguments), or locally to check a Gofile.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "gofront", version = gofront::VERSION_LINE, about = "BuildKit frontend for Go services")]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve BuildKit's gateway API over stdio (what BuildKit runs).
    Serve,
    /// Parse a Gofile and report problems, without building.
    Check {
        /// Path of the Gofile.
        #[arg(default_value = "Gofile")]
        path: PathBuf,
    },
    /// Print the Gofile's JSON Schema, for editors (taplo / Even Better TOML).
    Schema,
    /// Write the Dockerfile that builds what the Gofile builds (to stdout, or --output).
    Eject {
        /// The build context: where the Gofile, go.mod and the sources are.
        #[arg(default_value = ".")]
        context: PathBuf,
        /// The Gofile, relative to the context.
        #[arg(long, short = 'f', default_value = "Gofile")]
        file: PathBuf,
        /// Where to write the Dockerfile.
        #[arg(long, short = 'o')]
        output: Option<PathBuf>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(),
        Command::Check { path } => check(&path),
        Command::Eject { context, file, output } => eject(&context, &file, output.as_deref()),
        Command::Schema => {
            let schema = gofront::gofile::keys::json_schema();
            match serde_json::to_string_pretty(&schema) {
                Ok(text) => {
                    println!("{text}");
                    ExitCode::SUCCESS
                }
                Err(err) => {
                    eprintln!("gofront schema: {err}");
                    ExitCode::FAILURE
                }
            }
        }
    }
}

fn check(path: &std::path::Path) -> ExitCode {
    let name = path.display().to_string();
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(err) => {
            eprintln!("{name}: cannot read: {err}");
            return ExitCode::FAILURE;
        }
    };
    match gofront::gofile::parse(&text) {
        Ok(gofile) => {
            let mains: Vec<&str> =
                gofile.main.iter().chain(gofile.targets.iter().map(|t| &t.main)).map(|m| m.value.as_str()).collect();
            println!("{name}: ok (module {}, main {})", gofile.module.value, mains.join(", "));
            ExitCode::SUCCESS
        }
        Err(diagnostic) => {
            eprintln!("{}", diagnostic.render(&name, &text));
            ExitCode::FAILURE
        }
    }
}

fn eject(context: &Path, file: &Path, output: Option<&Path>) -> ExitCode {
    let path = context.join(file);
    let name = path.display().to_string();
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(err) => {
            eprintln!("{name}: cannot read: {err}");
            return ExitCode::FAILURE;
        }
    };
    let files = match local_module_files(context) {
        Ok(files) => files,
        Err(err) => {
            eprintln!("{}: cannot read the context: {err}", context.display());
            return ExitCode::FAILURE;
        }
    };
    // The plan is made for linux/amd64; the Dockerfile takes the platform from --platform.
    let platform = gofront::platform::Platform::parse("linux/amd64");
    let result = gofront::gofile::parse(&text).and_then(|gofile| match platform {
        Some(platform) => gofront::eject::eject(&name, &gofile, &files, platform),
        None => Err(gofront::diagnostic::Diagnostic::new("no platform to plan for")),
    });
    let dockerfile = match result {
        Ok(dockerfile) => dockerfile,
        Err(diagnostic) => {
            eprintln!("{}", diagnostic.render(&name, &text));
            return ExitCode::FAILURE;
        }
    };
    let written = match output {
        Some(output) => std::fs::write(output, dockerfile),
        None => std::io::Write::write_all(&mut std::io::stdout(), dockerfile.as_bytes()),
    };
    if let Err(err) = written {
        eprintln!("gofront eject: cannot write the Dockerfile: {err}");
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}

/// What the frontend learns from BuildKit, read from a local directory instead: every file's
/// path, go.mod and go.work texts, and symbolic links. `.git` is skipped.
fn local_module_files(context: &Path) -> std::io::Result<gofront::plan::ContextFiles> {
    let mut files = gofront::plan::ContextFiles::default();
    let mut pending = vec![String::new()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(context.join(&dir))? {
            let entry = entry?;
            let name = entry.file_name().to_string_lossy().into_owned();
            let path = if dir.is_empty() { name.clone() } else { format!("{dir}/{name}") };
            let kind = entry.file_type()?;
            if kind.is_dir() {
                if name != ".git" {
                    pending.push(path);
                }
            } else if kind.is_symlink() {
                let target = std::fs::read_link(entry.path())?.to_string_lossy().into_owned();
                files.links.insert(path.clone(), target);
                files.paths.insert(path);
            } else {
                if name == "go.mod" || name == "go.work" {
                    files.texts.insert(path.clone(), std::fs::read_to_string(entry.path())?);
                }
                files.paths.insert(path);
            }
        }
    }
    Ok(files)
}

fn serve() -> ExitCode {
    // stdout belongs to gRPC; logs go to stderr (the daemon's log).
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_env("GOFRONT_LOG").unwrap_or_else(|_| "info".into()))
        .init();
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("gofront: cannot start the async runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    let code = runtime.block_on(async {
        let env = gofront::gateway::env::FrontendEnv::from_process();
        let client = match gofront::gateway::client::connect().await {
            Ok(client) => client,
            Err(err) => {
                eprintln!("gofront: cannot talk to BuildKit over stdio: {err}");
                return 1;
            }
        };
        // Kept to report a failed start through Return, so the user sees it as the build's error.
        let mut spare = client.clone();
        let mut frontend = match gofront::gateway::run::Frontend::start(client, env).await {
            Ok(frontend) => frontend,
            Err(err) => {
                eprintln!("gofront: {err}");
                let request = gofront::proto::moby::buildkit::v1::frontend::ReturnRequest {
                    result: None,
                    error: Some(err.into_status()),
                };
                return if spare.r#return(request).await.is_ok() { 0 } else { 1 };
            }
        };
        let outcome = frontend.build().await;
        match frontend.finish(outcome).await {
            Ok(()) => 0,
            Err(status) => {
                eprintln!("gofront: Return failed: {status}");
                1
            }
        }
    });
    // Exit at once: the runtime's blocking stdin reader would otherwise keep the process alive,
    // and BuildKit closes stdin only after we exit.
    std::process::exit(code)
}
