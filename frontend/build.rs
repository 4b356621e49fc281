//! Generates the BuildKit client bindings from our own .proto files in `proto/`, and stamps the
//! release version and revision that images/release.sh passes in.

use std::path::PathBuf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // Read when the script runs, not baked in when it compiles: the target directory is shared
    // between clones (images/build-frontend.sh), and a compiled script is reused by all of them.
    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR")?).join("../proto");
    let files =
        ["github.com/moby/buildkit/frontend/gateway/pb/gateway.proto", "github.com/moby/buildkit/solver/pb/ops.proto"];
    println!("cargo:rerun-if-changed={}", root.display());
    stamp_release()?;
    let descriptors = protox::compile(files, [&root])?;
    tonic_prost_build::configure()
        .build_server(false)
        .build_transport(false)
        // Sorted maps: the same inputs must give byte-identical LLB, or cache keys drift.
        .btree_map(".")
        .include_file("bindings.rs")
        .compile_fds(descriptors)?;
    Ok(())
}

/// `GOFRONT_VERSION` (semver, no leading v) and `GOFRONT_REVISION` (a commit) come from
/// images/release.sh; a build without them is a development build of the crate's version.
fn stamp_release() -> Result<(), Box<dyn std::error::Error>> {
    println!("cargo:rerun-if-env-changed=GOFRONT_VERSION");
    println!("cargo:rerun-if-env-changed=GOFRONT_REVISION");
    let version = match std::env::var("GOFRONT_VERSION") {
        Ok(version) if !version.is_empty() => version,
        _ => format!("{}-dev", env!("CARGO_PKG_VERSION")),
    };
    let plain = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '+');
    if !version.chars().all(plain) {
        return Err(format!("GOFRONT_VERSION {version:?} is not a plain version such as 1.2.3").into());
    }
    let revision = std::env::var("GOFRONT_REVISION").ok().filter(|r| !r.is_empty()).unwrap_or_else(|| "unknown".into());
    if !revision.chars().all(plain) {
        return Err(format!("GOFRONT_REVISION {revision:?} is not a commit id").into());
    }
    println!("cargo:rustc-env=GOFRONT_VERSION={version}");
    println!("cargo:rustc-env=GOFRONT_REVISION={revision}");
    Ok(())
}
