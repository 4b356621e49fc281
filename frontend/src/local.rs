//! `gofront check` and `gofront eject` on a local directory: the same inputs, plan and program as
//! a build, read through [`LocalTree`] instead of BuildKit.

use std::path::Path;

use crate::diagnostic::Diagnostic;
use crate::gofile::{self, Gofile};
use crate::inputs::{self, LocalTree};
use crate::lint;
use crate::plan::layout::ModuleSearch;
use crate::plan::{self, BuildOptions, BuildPlan, ContextFiles, Layout};
use crate::platform::Platform;

/// What a build of the directory would read: the Gofile and the module files.
pub struct Context {
    /// The Gofile's path as the user named it, and its text, for messages.
    pub name: String,
    pub text: String,
    pub gofile: Gofile,
    pub layout: Layout,
    pub files: ContextFiles,
    pub tree: LocalTree,
}

/// A failure, rendered for the terminal.
pub type Failure = String;

/// Reads the Gofile `file` (relative to `context`; a go.mod or go.work is one too, for `target`)
/// and the context's module files.
pub async fn read(context: &Path, file: &Path, target: Option<&str>) -> Result<Context, Failure> {
    let path = context.join(file);
    let name = path.display().to_string();
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{name}: cannot read: {e}"))?;
    let rendered = |d: Diagnostic| d.render(&name, &text);
    let excludes = inputs::local_excludes(context, &path).map_err(|e| format!("{name}: {e}"))?;
    let tree = LocalTree { root: context.to_path_buf(), excludes: excludes.clone(), include: Vec::new() };
    // As the frontend reads them: the root's module files first (see [`inputs::settle`]).
    let read = async |search: ModuleSearch| {
        let module_files =
            LocalTree { root: context.to_path_buf(), excludes: excludes.clone(), include: search.patterns() };
        inputs::module_files(&module_files, search).await.map_err(|e| format!("{name}: {e}"))
    };
    if gofile::zero::is_go_file(&name, &text) {
        let find = async |files: &ContextFiles| inputs::zero_config(&name, &text, files, &tree, target).await;
        let (found, files) = inputs::settle(read, find).await?;
        let (gofile, layout) = found.map_err(rendered)?;
        return Ok(Context { name, text, gofile, layout, files, tree });
    }
    let gofile = gofile::parse(&text).map_err(rendered)?;
    let (layout, files) = if gofile.version.is_some() {
        (plan::layout::published(&gofile), ContextFiles::default())
    } else {
        let find = async |files: &ContextFiles| Ok((gofile.clone(), plan::layout::locate(&gofile, files)?));
        let (found, files) = inputs::settle(read, find).await?;
        (found.map_err(rendered)?.1, files)
    };
    Ok(Context { name, text, gofile, layout, files, tree })
}

impl Context {
    /// The plan of a build on a linux/amd64 engine; `deferred_args` for a Dockerfile.
    pub fn plan(&self, deferred_args: bool) -> Result<BuildPlan, Failure> {
        let options = BuildOptions {
            build_platform: Platform { os: "linux".into(), architecture: "amd64".into(), variant: String::new() },
            deferred_args,
            ..Default::default()
        };
        plan::plan(&self.gofile, &self.layout, &options).map_err(|d| d.render(&self.name, &self.text))
    }

    /// What the frontend checks before it builds, and the lint rules' findings.
    pub async fn check(&self) -> Result<Vec<lint::Finding>, Failure> {
        let plan = self.plan(false)?;
        let render = |d: Diagnostic| d.render(&self.name, &self.text);
        inputs::check_main_packages(&self.tree, &plan).await.map_err(render)?;
        inputs::check_files(&self.tree, &self.gofile).await.map_err(render)?;
        Ok(plan.findings)
    }

    /// The Dockerfile that builds what the Gofile builds.
    pub fn eject(&self) -> Result<String, Failure> {
        // The base's package manager is found when the Dockerfile is built.
        let program =
            plan::steps::program(&self.plan(true)?, Some(plan::steps::PackageManager::Either), &Default::default());
        Ok(crate::program::dockerfile::print(&program, &self.name))
    }
}
