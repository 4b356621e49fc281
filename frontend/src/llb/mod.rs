//! A small typed builder for LLB graphs: ops go in, a deterministic `pb::Definition` comes out.

pub mod describe;
mod exec;
mod file;

use std::collections::{BTreeMap, BTreeSet};

use prost::Message;
use sha2::{Digest, Sha256};

use crate::proto::pb;
pub use exec::{Exec, ExecOutputs, Mount};
pub use file::{CopyOptions, FileOps, Owner};

/// One output of one op: what an edge points at.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Output {
    pub digest: String,
    pub index: i64,
}

impl Output {
    /// This output as an op's input.
    pub fn edge(&self) -> pb::Input {
        pb::Input { digest: self.digest.clone(), index: self.index }
    }
}

/// Ops in dependency order, deduplicated by digest, with their metadata.
#[derive(Debug, Default, Clone)]
pub struct Graph {
    ops: Vec<Vec<u8>>,
    seen: BTreeSet<String>,
    metadata: BTreeMap<String, pb::OpMetadata>,
    locations: BTreeMap<String, pb::Locations>,
}

/// The digest BuildKit computes for an encoded op.
pub fn digest(bytes: &[u8]) -> String {
    format!("sha256:{}", hex::encode(Sha256::digest(bytes)))
}

/// An op's bytes in the field order Go's protobuf writes: the plain fields by number, then the
/// oneof. BuildKit (the one in Docker 28) re-encodes every op that way and keys its vertices by
/// the result; prost writes the oneof in tag order, before `platform`. With other bytes, the
/// digests in `Definition.source` would name no vertex, and a failing step would show no Gofile
/// lines.
fn encode_op(op: &pb::Op) -> Vec<u8> {
    let plain = pb::Op {
        inputs: op.inputs.clone(),
        op: None,
        platform: op.platform.clone(),
        constraints: op.constraints.clone(),
    };
    let mut bytes = plain.encode_to_vec();
    if let Some(kind) = &op.op {
        kind.encode(&mut bytes);
    }
    bytes
}

impl Graph {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds an op with a progress name and the caps it needs; returns its digest.
    pub fn push(&mut self, op: &pb::Op, name: &str, caps: &[&str]) -> String {
        let bytes = encode_op(op);
        let digest = digest(&bytes);
        if self.seen.insert(digest.clone()) {
            self.ops.push(bytes);
        }
        let meta = self.metadata.entry(digest.clone()).or_default();
        if !name.is_empty() {
            meta.description.insert("llb.customname".into(), name.into());
        }
        for cap in caps {
            meta.caps.insert((*cap).into(), true);
        }
        digest
    }

    /// Maps an op to Gofile ranges so a failure of that op shows those lines.
    pub fn locate(&mut self, digest: &str, ranges: Vec<pb::Range>) {
        if ranges.is_empty() {
            return;
        }
        let entry = self.locations.entry(digest.to_string()).or_default();
        entry.locations.push(pb::Location { source_index: 0, ranges });
    }

    pub fn source(&mut self, op: pb::SourceOp, platform: Option<pb::Platform>, name: &str, caps: &[&str]) -> Output {
        let op = pb::Op { op: Some(pb::op::Op::Source(op)), platform, ..Default::default() };
        Output { digest: self.push(&op, name, caps), index: 0 }
    }

    /// Marks every op to run again instead of coming from the cache (`--no-cache`).
    pub fn ignore_cache(&mut self) {
        for meta in self.metadata.values_mut() {
            meta.ignore_cache = true;
            meta.caps.insert("meta.ignorecache".into(), true);
        }
    }

    /// Marks one op to run again on every build: its result depends on something that is not
    /// part of its cache key.
    pub fn always_run(&mut self, digest: &str) {
        let meta = self.metadata.entry(digest.to_string()).or_default();
        meta.ignore_cache = true;
        meta.caps.insert("meta.ignorecache".into(), true);
    }

    /// Every cap any op declares, to check against what the engine announced.
    pub fn caps(&self) -> BTreeSet<String> {
        self.metadata.values().flat_map(|m| m.caps.keys().cloned()).collect()
    }

    /// Seals the graph with the terminal op pointing at `result`.
    pub fn definition(mut self, result: &Output, source: Option<pb::SourceInfo>) -> pb::Definition {
        let terminal = pb::Op { inputs: vec![result.edge()], ..Default::default() };
        self.push(&terminal, "", &["constraints", "platform", "meta.description"]);
        let source = source.map(|info| pb::Source { locations: self.locations.clone(), infos: vec![info] });
        pb::Definition { def: self.ops, metadata: self.metadata, source }
    }
}

/// `docker-image://` source, pinned when a digest is known.
pub fn image_source(reference: &str, resolve_mode: Option<&str>) -> (pb::SourceOp, Vec<&'static str>) {
    let mut attrs = BTreeMap::new();
    let mut caps = vec!["source.image"];
    if let Some(mode) = resolve_mode.filter(|m| !m.is_empty() && *m != "default") {
        attrs.insert("image.resolvemode".to_string(), mode.to_string());
        if mode == "pull" {
            caps.push("source.image.resolvemode");
        }
    }
    (pb::SourceOp { identifier: format!("docker-image://{reference}"), attrs }, caps)
}

/// Settings of a `local://` source (the client's files, sent over the session).
#[derive(Debug, Default, Clone)]
pub struct Local {
    pub name: String,
    pub session: String,
    pub shared_key: String,
    pub include: Vec<String>,
    pub exclude: Vec<String>,
    pub follow: Vec<String>,
    pub differ_none: bool,
}

impl Local {
    pub fn into_op(self) -> (pb::SourceOp, Vec<&'static str>) {
        let mut attrs = BTreeMap::new();
        let mut caps = vec!["source.local"];
        let json = |list: &[String]| serde_json::to_string(list).unwrap_or_else(|_| "[]".into());
        if !self.session.is_empty() {
            attrs.insert("local.session".into(), self.session.clone());
            caps.push("source.local.sessionid");
        }
        if !self.shared_key.is_empty() {
            attrs.insert("local.sharedkeyhint".into(), self.shared_key.clone());
            caps.push("source.local.sharedkeyhint");
        }
        if !self.include.is_empty() {
            attrs.insert("local.includepattern".into(), json(&self.include));
            caps.push("source.local.includepatterns");
        }
        if !self.exclude.is_empty() {
            attrs.insert("local.excludepatterns".into(), json(&self.exclude));
            caps.push("source.local.excludepatterns");
        }
        if !self.follow.is_empty() {
            attrs.insert("local.followpaths".into(), json(&self.follow));
            caps.push("source.local.followpaths");
        }
        if self.differ_none {
            attrs.insert("local.differ".into(), "none".into());
        }
        (pb::SourceOp { identifier: format!("local://{}", self.name), attrs }, caps)
    }
}

#[cfg(test)]
mod tests;
