//! gofront: a BuildKit frontend that builds Go services from a tiny Gofile.
//!
//! Data flows one way: options + Gofile + go.mod → [`plan::BuildPlan`] (pure) →
//! [`plan::stages`] (LLB) → BuildKit, through [`gateway`].

pub mod diagnostic;
pub mod dockerignore;
pub mod eject;
pub mod gateway;
pub mod gofile;
pub mod gomod;
pub mod gosource;
pub mod image;
pub mod lint;
pub mod llb;
pub mod plan;
pub mod platform;
pub mod reference;
pub mod sbom;

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
