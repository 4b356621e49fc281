use super::*;
use crate::gofile;
use crate::gomod;

const GOMOD: &str = "module example.com/shop\n\ngo 1.24\n\nrequire (\n\texample.com/greet v1.0.0\n\tgithub.com/mattn/go-sqlite3 v1.14.22 // indirect\n)\n";

fn names(findings: &[Finding]) -> Vec<(&'static str, usize)> {
    findings.iter().map(|f| (f.rule.name, f.lines.first)).collect()
}

/// What the planner knows, for these files.
struct Case {
    gofile: Gofile,
    gomod: GoMod,
    gosum: Option<&'static str>,
    modules_txt: Option<&'static str>,
    args: BTreeMap<String, String>,
}

impl Case {
    fn new(gofile: &str, gomod: &str) -> Case {
        Case {
            gofile: gofile::parse(gofile).expect("gofile"),
            gomod: gomod::parse(gomod).expect("go.mod"),
            gosum: None,
            modules_txt: None,
            args: BTreeMap::new(),
        }
    }

    fn facts(&self) -> Facts<'_> {
        Facts {
            gofile: &self.gofile,
            gomod: &self.gomod,
            gomod_path: "go.mod".into(),
            gosum: self.gosum,
            modules_txt: self.modules_txt,
            build_args: &self.args,
            cgo: self.gofile.cgo.as_ref().is_some_and(|c| c.value),
        }
    }

    fn all(&self, engine: &EngineFacts) -> Vec<Finding> {
        let mut found = planned(&self.facts());
        found.extend(from_engine(&self.facts(), engine));
        found
    }
}

#[test]
fn a_gofile_that_breaks_several_rules() {
    let mut case = Case::new(
        "module = \"example.com/shop\"\nmain = \"./cmd/shop\"\ncgo = false\nworkdir = \"/app\"\nbase = \"node:22\"\ntags = [ ]\n",
        GOMOD,
    );
    case.args = BTreeMap::from([("VERSON".to_string(), "1".to_string()), ("BUILDKIT_SYNTAX".into(), "x".into())]);
    case.gosum = Some("example.com/greet v1.0.0/go.mod h1:x=\n");
    let engine = EngineFacts { builder_go: Some("1.22.5"), base_user: Some("node"), ..Default::default() };
    assert_eq!(
        names(&case.all(&engine)),
        vec![
            ("RedundantDefault", 3),
            ("RedundantDefault", 4),
            ("RedundantDefault", 6),
            ("UnusedBuildArg", 1),
            ("CgoDependencyWithoutCgo", 7),
            ("GoSumIncomplete", 7),
            ("BaseUserOverridden", 5),
            ("GoVersionNewerThanBuilder", 3),
        ]
    );
}

#[test]
fn a_clean_project_has_no_findings() {
    let mut case = Case::new(
        "module = \"example.com/shop\"\nmain = \"./cmd/shop\"\nldflags = \"-X m.v=${VERSION}\"\nuser = \"root\"\n",
        "module example.com/shop\n\ngo 1.22\n\nrequire example.com/greet v1.0.0\n",
    );
    case.gosum = Some("example.com/greet v1.0.0 h1:a=\nexample.com/greet v1.0.0/go.mod h1:b=\n");
    case.args = BTreeMap::from([("VERSION".to_string(), "1".to_string()), ("GOPROXY".into(), "x".into())]);
    assert_eq!(case.all(&EngineFacts { builder_go: Some("1.22.5"), ..Default::default() }), Vec::new());
}

#[test]
fn go_sum_missing_and_vendor_out_of_sync() {
    let mut case = Case::new("module = \"example.com/shop\"\nmain = \".\"\n", GOMOD);
    assert_eq!(names(&planned(&case.facts())), vec![("CgoDependencyWithoutCgo", 7), ("GoSumMissing", 6)]);
    case.modules_txt = Some("# example.com/greet v1.0.0\n## explicit\nexample.com/greet\n");
    assert_eq!(names(&planned(&case.facts())), vec![("CgoDependencyWithoutCgo", 7), ("VendorOutOfSync", 7)]);
}

#[test]
fn private_modules_need_a_netrc_secret_or_an_ssh_agent() {
    let mut case = Case::new("module = \"example.com/shop\"\nmain = \".\"\n", "module example.com/shop\n");
    case.args = BTreeMap::from([("GOPRIVATE".to_string(), "git.corp/*".to_string())]);
    let with = |credentials| EngineFacts { credentials, ..Default::default() };
    let none = Credentials { netrc: false, ssh_agent: false };
    let found = from_engine(&case.facts(), &with(Some(none)));
    assert_eq!(names(&found), vec![("PrivateModulesWithoutCredentials", 1)]);
    assert!(found[0].detail.starts_with("GOPRIVATE=git.corp/* "), "{}", found[0].detail);
    assert!(found[0].detail.contains("--secret id=netrc"), "{}", found[0].detail);
    // Either credential is enough; no probe, no finding.
    assert_eq!(from_engine(&case.facts(), &with(Some(Credentials { netrc: true, ..none }))), Vec::new());
    assert_eq!(from_engine(&case.facts(), &with(Some(Credentials { ssh_agent: true, ..none }))), Vec::new());
    assert_eq!(from_engine(&case.facts(), &with(None)), Vec::new());
    assert!(fetches_directly(&case.args));
    assert!(!fetches_directly(&BTreeMap::from([("GOPRIVATE".to_string(), " ".to_string())])));
}

#[test]
fn the_cgo_survey_names_packages_by_module_at_their_require_line() {
    let mut case = Case::new("module = \"example.com/shop\"\nmain = \".\"\n", GOMOD);
    case.gosum = Some("example.com/greet v1.0.0/go.mod h1:x=\ngithub.com/mattn/go-sqlite3 v1.14.22/go.mod h1:y=\n");
    let survey = "example.com/greet/fast\texample.com/greet\tfast_cgo.go\n\
                  example.com/shop/internal/c\texample.com/shop\tc.go,d.go\n\
                  github.com/mattn/go-sqlite3\tgithub.com/mattn/go-sqlite3\tsqlite3.go\n";
    let engine = EngineFacts { cgo_packages: Some(survey), ..Default::default() };
    let found = case.all(&engine);
    // go-sqlite3 once (the known list), greet at its require line, the module's own at line 1.
    assert_eq!(
        names(&found),
        vec![("CgoDependencyWithoutCgo", 7), ("CgoDependencyWithoutCgo", 6), ("CgoDependencyWithoutCgo", 1)]
    );
    assert!(
        found[1].detail.starts_with("package example.com/greet/fast (fast_cgo.go) has cgo files"),
        "{}",
        found[1].detail
    );
    assert!(found[2].detail.contains("example.com/shop/internal/c (c.go, d.go)"), "{}", found[2].detail);
    // With cgo on, nothing.
    let on = Case {
        gofile: gofile::parse("module = \"example.com/shop\"\nmain = \".\"\ncgo = true\n").expect("gofile"),
        ..case
    };
    assert_eq!(on.all(&engine), Vec::new());
}

/// The defaults come from the key table; a value written another way than the default's literal
/// (here `cgo = true`) is not one.
#[test]
fn redundant_defaults_follow_the_key_table() {
    let text = "module = \"example.com/shop\"\nmain = \".\"\nbase = \"scratch\"\nuser = \"nonroot\"\nenv = {}\nlabels = { a = \"b\" }\nports = [8080]\n";
    let case = Case::new(text, "module example.com/shop\n");
    let found = planned(&case.facts());
    assert_eq!(names(&found), vec![("RedundantDefault", 3), ("RedundantDefault", 4), ("RedundantDefault", 5)]);
    assert_eq!(found[0].detail, "`base = \"scratch\"` is the default; remove the line");
}
