//! A readable rendering of a Definition, for snapshot tests and `gofront llb`.

use std::collections::BTreeMap;
use std::fmt::Write;

use prost::Message;

use super::digest;
use crate::proto::pb;

/// One block per op, in the order BuildKit receives them; inputs are shown as `#N`.
pub fn describe(definition: &pb::Definition) -> String {
    let mut index: BTreeMap<String, usize> = BTreeMap::new();
    let mut out = String::new();
    for (n, bytes) in definition.def.iter().enumerate() {
        let d = digest(bytes);
        index.insert(d.clone(), n);
        let op = match pb::Op::decode(bytes.as_slice()) {
            Ok(op) => op,
            Err(e) => {
                let _ = writeln!(out, "#{n} <undecodable: {e}>");
                continue;
            }
        };
        let meta = definition.metadata.get(&d);
        let name = meta.and_then(|m| m.description.get("llb.customname")).map(String::as_str).unwrap_or("");
        let input = |i: &pb::Input| match index.get(&i.digest) {
            Some(k) => format!("#{k}.{}", i.index),
            None => format!("{}.{}", i.digest, i.index),
        };
        let platform = op
            .platform
            .as_ref()
            .map(|p| format!(" [{}/{}{}]", p.os, p.architecture, variant(&p.variant)))
            .unwrap_or_default();
        let _ = writeln!(out, "#{n} {name}{platform}");
        let inputs: Vec<String> = op.inputs.iter().map(input).collect();
        match &op.op {
            Some(pb::op::Op::Source(s)) => {
                let _ = writeln!(out, "    source {}", s.identifier);
                for (k, v) in &s.attrs {
                    if k != "local.session" {
                        let _ = writeln!(out, "      {k}={v}");
                    }
                }
            }
            Some(pb::op::Op::Exec(e)) => {
                let m = e.meta.clone().unwrap_or_default();
                let _ = writeln!(out, "    exec {:?} cwd={} network={:?}", m.args, m.cwd, e.network());
                // The order BuildKit exports their cache in.
                let _ = writeln!(out, "      inputs {inputs:?}");
                for env in &m.env {
                    let _ = writeln!(out, "      env {env}");
                }
                for mount in &e.mounts {
                    let from = usize::try_from(mount.input)
                        .ok()
                        .and_then(|i| op.inputs.get(i))
                        .map_or_else(|| "scratch".to_string(), input);
                    let kind = match mount.mount_type() {
                        pb::MountType::Cache => {
                            format!("cache id={}", mount.cache_opt.as_ref().map(|c| c.id.as_str()).unwrap_or(""))
                        }
                        pb::MountType::Tmpfs => "tmpfs".into(),
                        pb::MountType::Secret => {
                            format!(
                                "secret id={} (optional)",
                                mount.secret_opt.as_ref().map(|c| c.id.as_str()).unwrap_or("")
                            )
                        }
                        pb::MountType::Ssh => {
                            format!("ssh id={} (optional)", mount.ssh_opt.as_ref().map(|c| c.id.as_str()).unwrap_or(""))
                        }
                        other => format!("{other:?} from {from}"),
                    };
                    let ro = match (mount.readonly, mount.content_cache()) {
                        (true, pb::MountContentCache::Off) => " readonly keyed-by-op",
                        (true, _) => " readonly",
                        (false, pb::MountContentCache::Off) => " keyed-by-op",
                        _ => "",
                    };
                    let output = if mount.output >= 0 { format!(" output={}", mount.output) } else { String::new() };
                    let selector =
                        if mount.selector.is_empty() { String::new() } else { format!(" selector={}", mount.selector) };
                    let _ = writeln!(out, "      mount {} {kind}{selector}{ro}{output}", mount.dest);
                }
            }
            Some(pb::op::Op::File(f)) => {
                let _ = writeln!(out, "    file inputs={inputs:?}");
                for a in &f.actions {
                    let what = match &a.action {
                        Some(pb::file_action::Action::Copy(c)) => {
                            let mode = if c.mode < 0 { "keep".to_string() } else { format!("{:o}", c.mode) };
                            format!("copy {} -> {} mode={mode} ts={}", c.src, c.dest, c.timestamp)
                        }
                        Some(pb::file_action::Action::Mkdir(m)) => format!("mkdir {} mode={:o}", m.path, m.mode),
                        Some(pb::file_action::Action::Mkfile(m)) => {
                            format!("mkfile {} mode={:o} {:?}", m.path, m.mode, String::from_utf8_lossy(&m.data))
                        }
                        Some(pb::file_action::Action::Rm(r)) => format!("rm {}", r.path),
                        None => "?".into(),
                    };
                    let _ = writeln!(out, "      [{} {}→{}] {what}", a.input, a.secondary_input, a.output);
                }
            }
            Some(pb::op::Op::Merge(_)) => {
                let _ = writeln!(out, "    merge {inputs:?}");
            }
            None => {
                let _ = writeln!(out, "    result {inputs:?}");
            }
        }
        if let Some(meta) = meta {
            let caps: Vec<&str> = meta.caps.keys().map(String::as_str).collect();
            if !caps.is_empty() {
                let _ = writeln!(out, "    caps {}", caps.join(","));
            }
        }
    }
    out
}

fn variant(v: &str) -> String {
    if v.is_empty() {
        String::new()
    } else {
        format!("/{v}")
    }
}
