//! gofront: a BuildKit frontend that builds Go services from a tiny Gofile.
//!
//! Data flows one way: options + Gofile + go.mod → [`plan::BuildPlan`] (pure) →
//! [`plan::steps`] → [`program::Program`] → its printers: LLB for BuildKit (through
//! [`gateway`]) and a Dockerfile for `gofront eject`.

pub mod diagnostic;
pub mod dockerignore;
pub mod gateway;
pub mod gofile;
pub mod gomod;
pub mod gosource;
pub mod image;
pub mod inputs;
pub mod lint;
pub mod llb;
pub mod local;
pub mod plan;
pub mod platform;
pub mod program;
pub mod reference;
pub mod sbom;
pub mod targets;

/// This build's version: a release's (images/release.sh) or `<crate version>-dev`.
pub const VERSION: &str = env!("GOFRONT_VERSION");
/// The commit this build was made from, or "unknown".
pub const REVISION: &str = env!("GOFRONT_REVISION");
/// What `gofront --version` prints after the name.
pub const VERSION_LINE: &str = concat!(env!("GOFRONT_VERSION"), " (revision ", env!("GOFRONT_REVISION"), ")");

pub mod proto {
    #![allow(clippy::all, clippy::pedantic, missing_docs)]
    include!(concat!(env!("OUT_DIR"), "/bindings.rs"));
}
