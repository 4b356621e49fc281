//! The Gofile key table against everything that must agree with it: the committed JSON Schema,
//! the parser, the README's reference table, and every Gofile in the repository (validated with
//! Python's `jsonschema`, which tests/run.sh's CI installs).

use std::path::{Path, PathBuf};
use std::process::Command;

use gofront::gofile::keys::{self, Kind};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

#[test]
fn the_published_schema_is_the_generated_one() {
    let generated = serde_json::to_string_pretty(&keys::json_schema()).expect("schema") + "\n";
    let committed = std::fs::read_to_string(repo().join("frontend/gofile.schema.json")).expect("gofile.schema.json");
    assert_eq!(
        committed, generated,
        "frontend/gofile.schema.json is stale: run `gofront schema > frontend/gofile.schema.json`"
    );
}

#[test]
fn the_parser_knows_every_key_of_the_table() {
    for key in keys::KEYS {
        // A valid value for each key, written once: a duplicate key would fail for another reason.
        let value = match (key.name, key.kind) {
            ("module", _) => "\"example.com/y\"",
            ("version" | "delve", _) => "\"v1.0.0\"",
            ("go", _) => "\"1.22\"",
            ("builder" | "base", _) => "\"golang:1.22\"",
            ("user", _) => "\"nonroot\"",
            ("workdir", _) => "\"/app\"",
            (_, Kind::String) => "\"x\"",
            (_, Kind::StringOrList) => "\".\"",
            (_, Kind::Bool | Kind::BoolOrList) => "true",
            (_, Kind::StringList) => "[]",
            (_, Kind::StringTable) => "{}",
            (_, Kind::Ports) => "[80]",
            (_, Kind::Files) => "[]",
            (_, Kind::Healthcheck) => "{ cmd = [\"/app/x\"] }",
            (_, Kind::Targets) => "{ extra = { main = \"./cmd/extra\" } }",
        };
        let mut lines: Vec<String> = Vec::new();
        if key.name != "module" {
            lines.push("module = \"example.com/x\"".into());
        }
        if key.name != "main" && key.name != "targets" {
            lines.push("main = \".\"".into());
        }
        lines.push(format!("{} = {value}", key.name));
        let text = lines.join("\n") + "\n";
        if let Err(error) = gofront::gofile::parse(&text) {
            panic!("{}: {} in\n{text}", key.name, error.message);
        }
    }
}

#[test]
fn the_readme_reference_table_lists_exactly_the_keys() {
    let readme = std::fs::read_to_string(repo().join("README.md")).expect("README");
    let table = readme.split("### Gofile reference").nth(1).expect("the reference section");
    let rows: Vec<&str> = table
        .lines()
        .take_while(|l| !l.starts_with("**"))
        .filter_map(|l| l.strip_prefix("| `"))
        .filter_map(|l| l.split('`').next())
        .map(|name| name.trim_start_matches('[').trim_end_matches(']'))
        .collect();
    let rows: Vec<&str> = rows.into_iter().map(|r| if r.starts_with("targets.") { "targets" } else { r }).collect();
    assert_eq!(rows, keys::names(), "README's Gofile reference table and gofront's key table differ");
}

/// Validates TOML documents against the schema with Python (tomllib + jsonschema).
fn validate(documents: &[(String, String)]) -> Vec<(String, bool)> {
    let scratch = tempfile::tempdir().expect("temp dir");
    let dir = scratch.path();
    let schema = dir.join("schema.json");
    std::fs::write(&schema, serde_json::to_vec(&keys::json_schema()).expect("schema")).expect("write");
    let mut paths = Vec::new();
    for (i, (name, text)) in documents.iter().enumerate() {
        let path = dir.join(format!("{i}.toml"));
        std::fs::write(&path, text).expect("write");
        paths.push((name.clone(), path));
    }
    let script = "import json, sys, tomllib, jsonschema\n\
        schema = json.load(open(sys.argv[1]))\n\
        jsonschema.Draft7Validator.check_schema(schema)\n\
        v = jsonschema.Draft7Validator(schema)\n\
        for p in sys.argv[2:]:\n\
        \x20   print('valid' if v.is_valid(tomllib.load(open(p, 'rb'))) else 'invalid')\n";
    let out = Command::new("timeout")
        .args(["60", "python3", "-c", script])
        .arg(&schema)
        .args(paths.iter().map(|(_, p)| p))
        .output()
        .expect("python3");
    assert!(
        out.status.success(),
        "python3 with jsonschema failed (apt-get install python3-jsonschema): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let verdicts: Vec<bool> = String::from_utf8_lossy(&out.stdout).lines().map(|l| l == "valid").collect();
    paths.into_iter().map(|(n, _)| n).zip(verdicts).collect()
}

#[test]
fn every_gofile_in_the_repository_validates_and_mistakes_do_not() {
    let mut documents: Vec<(String, String)> = Vec::new();
    let hello = std::fs::read_to_string(repo().join("examples/hello/Gofile")).expect("examples/hello/Gofile");
    documents.push(("examples/hello/Gofile".into(), hello));
    // The README's TOML examples that are Gofiles.
    let readme = std::fs::read_to_string(repo().join("README.md")).expect("README");
    for (i, block) in readme.split("```toml\n").skip(1).enumerate() {
        let body = block.split("```").next().unwrap_or("");
        if body.contains("module =") {
            documents.push((format!("README toml block {i}"), body.to_string()));
        }
    }
    assert!(documents.len() >= 2, "no README Gofiles found");
    for (name, valid) in validate(&documents) {
        assert!(valid, "{name} does not validate against the schema");
    }
    let mistakes = [
        ("unknown key", "module = \"a.b/c\"\nmain = \".\"\nmian = \".\"\n"),
        ("no module", "main = \".\"\n"),
        ("a query as version", "module = \"a.b/c\"\nversion = \"latest\"\nmain = \".\"\n"),
        ("a bad port", "module = \"a.b/c\"\nmain = \".\"\nports = [\"http\"]\n"),
        ("a target named test", "module = \"a.b/c\"\n[targets.test]\nmain = \".\"\n"),
    ];
    let documents: Vec<(String, String)> = mistakes.iter().map(|(n, t)| (n.to_string(), t.to_string())).collect();
    for (name, valid) in validate(&documents) {
        assert!(!valid, "{name}: the schema accepts it");
    }
}
