//! Generates the BuildKit client bindings from our own .proto files in `proto/`.

use std::path::PathBuf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../proto");
    let files =
        ["github.com/moby/buildkit/frontend/gateway/pb/gateway.proto", "github.com/moby/buildkit/solver/pb/ops.proto"];
    println!("cargo:rerun-if-changed={}", root.display());
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
