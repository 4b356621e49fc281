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
    /// Check a Gofile and its build context as a build would, and run the lint rules.
    Check {
        /// Path of the Gofile.
        #[arg(default_value = "Gofile")]
        path: PathBuf,
    },
    /// Print the Gofile's JSON Schema, for editors (taplo / Even Better TOML).
    Schema,
    /// Write the Gofile a build with go.mod as the build file would use (every main found).
    Init {
        /// The module's directory (or a go.work's).
        #[arg(default_value = ".")]
        context: PathBuf,
        /// The frontend image for the `# syntax=` line.
        #[arg(long, default_value = "ghcr.io/org/gofront:1")]
        syntax: String,
    },
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
        Command::Init { context, syntax } => {
            let file = if context.join("go.mod").exists() { "go.mod" } else { "go.work" };
            // Every main is written, the first as the default image.
            match local(async { gofront::local::read(&context, Path::new(file), Some("all")).await }) {
                Ok(read) => {
                    print!("{}", gofront::gofile::zero::gofile_text(&read.gofile, &syntax));
                    ExitCode::SUCCESS
                }
                Err(message) => {
                    eprintln!("{message}");
                    ExitCode::FAILURE
                }
            }
        }
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

/// Runs a local command's future on a small runtime.
fn local<T>(work: impl std::future::Future<Output = Result<T, String>>) -> Result<T, String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .map_err(|e| format!("gofront: cannot start the async runtime: {e}"))?;
    runtime.block_on(work)
}

fn check(path: &Path) -> ExitCode {
    let context = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let file = path.file_name().map_or_else(|| PathBuf::from("Gofile"), PathBuf::from);
    let outcome = local(async {
        let read = gofront::local::read(context, &file, None).await?;
        let findings = read.check().await?;
        Ok((read, findings))
    });
    match outcome {
        Ok((read, findings)) if findings.is_empty() => {
            let gofile = &read.gofile;
            let mains: Vec<&str> =
                gofile.main.iter().chain(gofile.targets.iter().map(|t| &t.main)).map(|m| m.value.as_str()).collect();
            println!("{}: ok (module {}, main {})", read.name, gofile.module.value, mains.join(", "));
            ExitCode::SUCCESS
        }
        Ok((read, findings)) => {
            for finding in &findings {
                let file = match &finding.file {
                    gofront::lint::File::Gofile => read.name.clone(),
                    gofront::lint::File::Context(path) => path.clone(),
                };
                eprintln!(
                    "{file}:{}: {}: {} ({})",
                    finding.lines.first,
                    finding.rule.name,
                    finding.detail,
                    finding.rule.url()
                );
            }
            ExitCode::FAILURE
        }
        Err(message) => {
            eprintln!("{message}");
            ExitCode::FAILURE
        }
    }
}

fn eject(context: &Path, file: &Path, output: Option<&Path>) -> ExitCode {
    let dockerfile = match local(async { gofront::local::read(context, file, None).await?.eject() }) {
        Ok(dockerfile) => dockerfile,
        Err(message) => {
            eprintln!("{message}");
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

fn serve() -> ExitCode {
    // stdout belongs to gRPC; logs go to stderr (the daemon's log).
    // GOFRONT_LOG=trace|debug|info|warn|error|off; a level, which is all one process needs.
    let level = std::env::var("GOFRONT_LOG")
        .ok()
        .and_then(|l| l.trim().parse::<tracing_subscriber::filter::LevelFilter>().ok())
        .unwrap_or(tracing_subscriber::filter::LevelFilter::INFO);
    tracing_subscriber::fmt().with_writer(std::io::stderr).with_max_level(level).init();
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
        let spare = client.clone();
        let mut frontend = match gofront::gateway::run::Frontend::start(client, env).await {
            Ok(frontend) => frontend,
            Err(err) => {
                eprintln!("gofront: {err}");
                let request = gofront::proto::moby::buildkit::v1::frontend::ReturnRequest {
                    result: None,
                    error: Some(err.into_status()),
                };
                return if gofront::gateway::client::Client::finish(&spare, request).await.is_ok() { 0 } else { 1 };
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
