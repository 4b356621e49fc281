//! `gofront`: run by BuildKit as a gateway frontend (no arguments), or locally to check a Gofile.

use std::path::PathBuf;
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
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(),
        Command::Check { path } => check(&path),
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
        let mut frontend = match gofront::gateway::run::Frontend::start(client, env).await {
            Ok(frontend) => frontend,
            Err(err) => {
                eprintln!("gofront: {err}");
                return 1;
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
