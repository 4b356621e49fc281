//! Whether the frontend can find the dependency compile's packages by reading the sources itself,
//! and with what: the packages the binaries import from outside the module, directly. `go build`
//! of those compiles everything beneath them, so the compiled-dependency layer can be keyed by
//! them (and go.mod, go.sum, vendor/) as soon as the context has arrived, and the package groups
//! cut from the same reading: a CI build then needs no list step, and a fresh runner looks the
//! layers up as soon as the context's content is known.

use super::groups::OwnPackage;
use super::BuildPlan;
use crate::gomod::GoVersion;
use crate::gosource::constraint::Target;
use crate::plan::layout::{self, Layout};

/// What the reading needs: the module, where its main packages are, and the target the files
/// are chosen for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportScan {
    pub module: String,
    /// The module's root in the context ("" for the root).
    pub module_dir: String,
    /// Each main package's directory in the context.
    pub mains: Vec<String>,
    pub target: Target,
}

impl ImportScan {
    /// For a CI build (dependency layers) of the release binaries of one module whose packages
    /// are all under its root in the context: no workspace, no replaces by directory, no
    /// generated code (which the context does not hold yet). Otherwise None, and the list step
    /// alone says what to compile.
    pub fn of(plan: &BuildPlan, layout: &Layout) -> Option<ImportScan> {
        let release = plan.target.builds_binaries();
        let simple = layout.workspace.is_none() && layout.gomod.local_replaces.is_empty();
        if !plan.dependency_layers || !release || !simple || !plan.generate.is_empty() || plan.published.is_some() {
            return None;
        }
        let mains = plan
            .binaries
            .iter()
            .map(|b| layout::join(&plan.module_dir, b.package.trim_start_matches("./").trim_start_matches('.')))
            .collect::<Option<Vec<_>>>()?;
        let tags = plan
            .compile_flags
            .iter()
            .filter_map(|f| f.strip_prefix("-tags="))
            .flat_map(|t| t.split(','))
            .map(str::to_string)
            .collect();
        let cgo = plan.build_env.iter().any(|(name, value)| name == "CGO_ENABLED" && value == "1");
        let target = Target {
            goos: plan.platform.os.clone(),
            goarch: plan.platform.architecture.clone(),
            cgo,
            tags,
            go_minor: GoVersion::parse(&plan.go_version).map(|v| v.minor),
        };
        Some(ImportScan { module: plan.module.clone(), module_dir: plan.module_dir.clone(), mains, target })
    }

    /// The context directory of an import path of the module; None for any other path.
    pub fn own_dir(&self, import: &str) -> Option<String> {
        let rest = import.strip_prefix(self.module.as_str())?;
        match rest.strip_prefix('/') {
            Some(rel) => layout::join(&self.module_dir, rel),
            None if rest.is_empty() => Some(self.module_dir.clone()),
            None => None,
        }
    }
}

/// What [`crate::inputs::read_sources`] found: the dependency compile's packages and the
/// module's own packages, for the groups.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SourceRead {
    /// The packages the binaries import from outside the module, directly, sorted.
    pub outside_imports: Vec<String>,
    /// The module's packages the binaries reach, but the main packages, by import path.
    pub own_packages: Vec<OwnPackage>,
}
