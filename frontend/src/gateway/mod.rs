//! The edge to BuildKit: gRPC over stdio, frontend options, capabilities, Return.

pub mod caps;
pub mod client;
pub mod env;
pub mod error;
pub mod options;
pub mod run;
pub mod subrequest;
pub mod warnings;

#[cfg(test)]
mod tests;
