//! Exec ops: a command in a container made of mounts.

use std::collections::BTreeMap;

use super::{Graph, Output};
use crate::proto::pb;

#[derive(Debug, Clone)]
pub enum Mount {
    /// A bind of `from` (or scratch). `output` makes the mount's final state an output.
    /// `by_content`: BuildKit keys a read-only bind, or one whose changes are thrown away, by the
    /// content it mounts (hashing every file of it first); without it, by the key of the op that
    /// made it.
    Bind { dest: String, from: Option<Output>, selector: String, readonly: bool, output: bool, by_content: bool },
    /// A persistent cache directory shared between builds.
    Cache { dest: String, id: String },
    /// An in-memory scratch directory.
    Tmpfs { dest: String },
    /// A client secret (`--secret id=ID`) as a file; skipped when the client has none.
    Secret { dest: String, id: String },
    /// The client's SSH agent (`--ssh ID`); skipped when the client forwards none.
    Ssh { dest: String, id: String },
}

impl Mount {
    /// A read-only view of `from` at `dest`.
    pub fn read_only(dest: &str, from: &Output) -> Mount {
        Self::view(dest, from, true, true)
    }

    /// A read-only view of `from` at `dest`, keyed by the op that made it, not by its content:
    /// for a large layer that only changes with its op's key, where hashing it gains nothing.
    pub fn read_only_by_op(dest: &str, from: &Output) -> Mount {
        Self::view(dest, from, true, false)
    }

    /// A view of `from` that is no output of the op: read-only, or writable with the changes
    /// thrown away.
    fn view(dest: &str, from: &Output, readonly: bool, by_content: bool) -> Mount {
        Mount::Bind {
            dest: dest.into(),
            from: Some(from.clone()),
            selector: String::new(),
            readonly,
            output: false,
            by_content,
        }
    }

    /// A writable mount whose final state is an output of the op; `None` starts empty.
    pub fn writable(dest: &str, from: Option<&Output>) -> Mount {
        Mount::Bind {
            dest: dest.into(),
            from: from.cloned(),
            selector: String::new(),
            readonly: false,
            output: true,
            by_content: true,
        }
    }

    /// A writable view of `from` whose changes are thrown away. Like a read-only mount, BuildKit keys
    /// it by the content of `from`, not by the op that produced it.
    pub fn scratch_copy(dest: &str, from: &Output) -> Mount {
        Self::view(dest, from, false, true)
    }

    /// [`Self::scratch_copy`] keyed by the op that made `from`, as [`Self::read_only_by_op`].
    pub fn scratch_copy_by_op(dest: &str, from: &Output) -> Mount {
        Self::view(dest, from, false, false)
    }

    pub fn cache(dest: &str, id: &str) -> Mount {
        Mount::Cache { dest: dest.into(), id: id.into() }
    }

    pub fn tmpfs(dest: &str) -> Mount {
        Mount::Tmpfs { dest: dest.into() }
    }

    fn dest(&self) -> &str {
        match self {
            Mount::Bind { dest, .. }
            | Mount::Cache { dest, .. }
            | Mount::Tmpfs { dest }
            | Mount::Secret { dest, .. }
            | Mount::Ssh { dest, .. } => dest,
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct Exec {
    pub args: Vec<String>,
    pub env: Vec<String>,
    pub cwd: String,
    pub user: String,
    pub network: pb::NetMode,
    pub mounts: Vec<Mount>,
    pub platform: Option<pb::Platform>,
    /// `--add-host` entries: (host, ip).
    pub extra_hosts: Vec<(String, String)>,
    /// Proxy settings kept out of the environment, so they do not change cache keys.
    pub proxy: Option<pb::ProxyEnv>,
}

/// Outputs of an exec op, by mount destination.
#[derive(Debug, Clone, Default)]
pub struct ExecOutputs {
    pub digest: String,
    by_dest: BTreeMap<String, Output>,
}

impl ExecOutputs {
    /// The one output of a source or file op, as its root.
    pub fn single(output: Output) -> Self {
        ExecOutputs { digest: output.digest.clone(), by_dest: BTreeMap::from([("/".to_string(), output)]) }
    }

    pub fn at(&self, dest: &str) -> Option<Output> {
        self.by_dest.get(dest).cloned()
    }
}

impl Graph {
    pub fn exec(&mut self, mut exec: Exec, name: &str) -> ExecOutputs {
        // Inputs in the order the mounts are given: BuildKit exports a cache depth first, an
        // op's inputs in this order (see the compile's seeds in `plan::steps`).
        let mut inputs: Vec<pb::Input> = Vec::new();
        for mount in &exec.mounts {
            if let Mount::Bind { from: Some(from), .. } = mount {
                input_position(&mut inputs, from);
            }
        }
        // Mounts sorted by destination so "/" comes first, as BuildKit expects.
        exec.mounts.sort_by(|a, b| a.dest().cmp(b.dest()));
        let mut caps = vec!["exec.meta.base"];
        let mut mounts = Vec::new();
        let mut next_output = 0;
        let mut output_dests = Vec::new();
        for mount in &exec.mounts {
            let mut wire = pb::Mount { dest: mount.dest().to_string(), input: -1, output: -1, ..Default::default() };
            match mount {
                Mount::Bind { from, selector, readonly, output, by_content, .. } => {
                    caps.push("exec.mount.bind");
                    if let Some(from) = from {
                        wire.input = input_position(&mut inputs, from) as i64;
                    }
                    if !selector.is_empty() {
                        wire.selector = selector.clone();
                        caps.push("exec.mount.selector");
                    }
                    wire.readonly = *readonly;
                    if !*by_content {
                        wire.set_content_cache(pb::MountContentCache::Off);
                        caps.push("exec.mount.cache.content");
                    }
                    if *output && !*readonly {
                        wire.output = next_output;
                        next_output += 1;
                        output_dests.push(mount.dest().to_string());
                    } else if !*readonly {
                        caps.push("exec.mount.bind.readwrite-nooutput");
                    }
                }
                Mount::Cache { id, .. } => {
                    caps.extend(["exec.mount.cache", "exec.mount.cache.sharing"]);
                    wire.set_mount_type(pb::MountType::Cache);
                    wire.cache_opt = Some(pb::CacheOpt { id: id.clone(), sharing: pb::CacheSharingOpt::Shared as i32 });
                }
                Mount::Tmpfs { .. } => {
                    caps.push("exec.mount.tmpfs");
                    wire.set_mount_type(pb::MountType::Tmpfs);
                }
                Mount::Secret { id, .. } => {
                    caps.push("exec.mount.secret");
                    wire.set_mount_type(pb::MountType::Secret);
                    wire.secret_opt =
                        Some(pb::SecretOpt { id: id.clone(), uid: 0, gid: 0, mode: 0o400, optional: true });
                }
                Mount::Ssh { id, .. } => {
                    caps.push("exec.mount.ssh");
                    wire.set_mount_type(pb::MountType::Ssh);
                    wire.ssh_opt = Some(pb::SshOpt { id: id.clone(), uid: 0, gid: 0, mode: 0o600, optional: true });
                }
            }
            mounts.push(wire);
        }
        if exec.network != pb::NetMode::Unset {
            caps.push("exec.meta.network");
        }
        if exec.proxy.is_some() {
            caps.push("exec.meta.proxyenv");
        }
        caps.sort_unstable();
        caps.dedup();
        let meta = pb::Meta {
            args: exec.args,
            env: exec.env,
            cwd: exec.cwd,
            user: exec.user,
            proxy_env: exec.proxy,
            extra_hosts: exec.extra_hosts.into_iter().map(|(host, ip)| pb::HostIp { host, ip }).collect(),
            // Not announced as a cap by engines that honour it: set, never listed.
            remove_mount_stubs_recursive: true,
            ..Default::default()
        };
        let op = pb::Op {
            inputs,
            op: Some(pb::op::Op::Exec(pb::ExecOp {
                meta: Some(meta),
                mounts,
                network: exec.network as i32,
                ..Default::default()
            })),
            platform: exec.platform,
            constraints: Some(pb::WorkerConstraints::default()),
        };
        let digest = self.push(&op, name, &caps);
        let by_dest = output_dests
            .into_iter()
            .enumerate()
            .map(|(index, dest)| (dest, Output { digest: digest.clone(), index: index as i64 }))
            .collect();
        ExecOutputs { digest, by_dest }
    }
}

/// Where `from` is among an op's inputs, added at the end the first time.
fn input_position(inputs: &mut Vec<pb::Input>, from: &Output) -> usize {
    let edge = from.edge();
    inputs.iter().position(|i| *i == edge).unwrap_or_else(|| {
        inputs.push(edge);
        inputs.len() - 1
    })
}
