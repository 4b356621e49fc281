//! File ops: mkdir, mkfile and copy, chained on one base.

use super::{Graph, Output};
use crate::proto::pb;

/// Numeric owner of a created file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Owner {
    pub uid: u32,
    pub gid: u32,
}

impl Owner {
    fn wire(self) -> pb::ChownOpt {
        let id = |n| pb::UserOpt { user: Some(pb::user_opt::User::ById(n)) };
        pb::ChownOpt { user: Some(id(self.uid)), group: Some(id(self.gid)) }
    }
}

#[derive(Debug, Clone, Default)]
pub struct CopyOptions {
    pub owner: Option<Owner>,
    /// Permission bits; None keeps the source's.
    pub mode: Option<i32>,
    pub dir_contents: bool,
    pub wildcard: bool,
}

/// A chain of file actions, each applied to the result of the one before.
#[derive(Debug, Clone)]
pub struct FileOps {
    base: Option<Output>,
    inputs: Vec<Output>,
    actions: Vec<pb::FileAction>,
    /// Unix nanoseconds stamped on every created file: fixed, so layers are reproducible.
    timestamp: i64,
}

impl FileOps {
    /// Starts from `base`, or from an empty filesystem.
    pub fn on(base: Option<Output>, timestamp: i64) -> Self {
        let inputs = base.iter().cloned().collect();
        Self { base, inputs, actions: Vec::new(), timestamp }
    }

    fn input_index(&mut self, output: &Output) -> i64 {
        match self.inputs.iter().position(|i| i == output) {
            Some(position) => position as i64,
            None => {
                self.inputs.push(output.clone());
                self.inputs.len() as i64 - 1
            }
        }
    }

    fn push(mut self, action: pb::file_action::Action, secondary: i64) -> Self {
        self.actions.push(pb::FileAction { input: 0, secondary_input: secondary, output: -1, action: Some(action) });
        self
    }

    pub fn mkdir(self, path: &str, mode: i32, owner: Option<Owner>) -> Self {
        let timestamp = self.timestamp;
        self.push(
            pb::file_action::Action::Mkdir(pb::FileActionMkDir {
                path: path.into(),
                mode,
                make_parents: true,
                owner: owner.map(Owner::wire),
                timestamp,
            }),
            -1,
        )
    }

    pub fn mkfile(self, path: &str, mode: i32, data: &[u8]) -> Self {
        let timestamp = self.timestamp;
        self.push(
            pb::file_action::Action::Mkfile(pb::FileActionMkFile {
                path: path.into(),
                mode,
                data: data.to_vec(),
                owner: None,
                timestamp,
            }),
            -1,
        )
    }

    pub fn copy(mut self, from: &Output, src: &str, dest: &str, options: CopyOptions) -> Self {
        let secondary = self.input_index(from);
        let timestamp = self.timestamp;
        self.push(
            pb::file_action::Action::Copy(pb::FileActionCopy {
                src: src.into(),
                dest: dest.into(),
                owner: options.owner.map(Owner::wire),
                mode: options.mode.unwrap_or(-1),
                follow_symlink: true,
                dir_copy_contents: options.dir_contents,
                create_dest_path: true,
                allow_wildcard: options.wildcard,
                allow_empty_wildcard: options.wildcard,
                timestamp,
                ..Default::default()
            }),
            secondary,
        )
    }
}

impl Graph {
    pub fn file(&mut self, mut ops: FileOps, name: &str) -> Output {
        let input_count = ops.inputs.len() as i64;
        let last = ops.actions.len().saturating_sub(1);
        for (k, action) in ops.actions.iter_mut().enumerate() {
            // The first action works on the base (or scratch), each later one on its predecessor.
            action.input = match (k, &ops.base) {
                (0, Some(_)) => 0,
                (0, None) => -1,
                _ => input_count + k as i64 - 1,
            };
            action.output = if k == last { 0 } else { -1 };
        }
        let op = pb::Op {
            inputs: ops.inputs.iter().map(Output::edge).collect(),
            op: Some(pb::op::Op::File(pb::FileOp { actions: ops.actions })),
            ..Default::default()
        };
        Output { digest: self.push(&op, name, &["file.base"]), index: 0 }
    }
}
