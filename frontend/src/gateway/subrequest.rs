//! Information requests (`docker buildx build --print=targets|outline`): answered from the Gofile
//! alone, without building.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use crate::gofile::Gofile;
use crate::plan::{NETRC_SECRET, SSH_AGENT_ID};

pub const DESCRIBE: &str = "frontend.subrequests.describe";
pub const TARGETS: &str = "frontend.targets";
pub const OUTLINE: &str = "frontend.outline";
pub const LINT: &str = "frontend.lint";
const VERSION: &str = "1.0.0";

/// The metadata of a subrequest result: `result.json`, `result.txt`, `version`.
pub fn answer(
    request: &str,
    gofile: Option<&Gofile>,
    build_args: &BTreeMap<String, String>,
) -> Option<BTreeMap<String, Vec<u8>>> {
    let (value, text) = match (request, gofile) {
        (DESCRIBE, _) => describe(),
        (TARGETS, Some(gofile)) => targets(gofile),
        (OUTLINE, Some(gofile)) => outline(gofile, build_args),
        _ => return None,
    };
    let mut metadata = BTreeMap::new();
    metadata.insert("result.json".to_string(), value.to_string().into_bytes());
    metadata.insert("result.txt".to_string(), text.into_bytes());
    metadata.insert("version".to_string(), VERSION.as_bytes().to_vec());
    Some(metadata)
}

/// The `frontend.lint` answer: `result.json` as buildx reads it, a text rendering, and the status
/// buildx exits with (1 when anything was found).
pub fn lint(findings: &[crate::lint::Finding], sources: &super::warnings::Sources) -> BTreeMap<String, Vec<u8>> {
    use base64::Engine as _;
    let mut files: Vec<(String, String, &'static str)> = Vec::new();
    let mut warnings = Vec::new();
    let mut text = String::new();
    let mut by_rule: Vec<&crate::lint::Finding> = findings.iter().collect();
    by_rule.sort_by_key(|f| f.rule.name);
    for finding in &by_rule {
        let (name, data, language) = sources.of(finding);
        let index = match files.iter().position(|(n, _, _)| n == name) {
            Some(index) => index,
            None => {
                files.push((name.to_string(), data.to_string(), language));
                files.len() - 1
            }
        };
        let ranges: Vec<Value> = super::warnings::ranges(finding)
            .iter()
            .map(|r| {
                let line = |p: &Option<crate::proto::pb::Position>| p.as_ref().map_or(0, |p| p.line);
                json!({ "start": { "line": line(&r.start) }, "end": { "line": line(&r.end) } })
            })
            .collect();
        let mut location = json!({ "ranges": ranges });
        if index > 0 {
            location["sourceIndex"] = json!(index);
        }
        // buildx prints every source under the build file's name, so a finding in go.mod says
        // where it is in its own words.
        let detail = if name != sources.gofile.0 {
            format!("{} ({name} line {})", finding.detail, finding.lines.first)
        } else {
            finding.detail.clone()
        };
        warnings.push(json!({
            "ruleName": finding.rule.name,
            "description": finding.rule.description,
            "url": finding.rule.url(),
            "detail": detail,
            "location": location,
        }));
        text.push_str(&format!("{}: {} ({name}:{})\n", finding.rule.name, finding.detail, finding.lines.first));
        for number in finding.lines.first..=finding.lines.last {
            let source = data.lines().nth(number.saturating_sub(1)).unwrap_or("");
            text.push_str(&format!("  {number} | {source}\n"));
        }
    }
    let sources: Vec<Value> = files
        .iter()
        .map(|(name, data, language)| {
            json!({
                "fileName": name,
                "language": language,
                "data": base64::engine::general_purpose::STANDARD.encode(data.as_bytes()),
            })
        })
        .collect();
    if findings.is_empty() {
        text.push_str("Check complete, no warnings found.\n");
    }
    let value = json!({ "warnings": warnings, "sources": sources });
    let mut metadata = BTreeMap::new();
    metadata.insert("result.json".to_string(), value.to_string().into_bytes());
    metadata.insert("result.txt".to_string(), text.into_bytes());
    metadata.insert("result.statuscode".to_string(), if findings.is_empty() { b"0".to_vec() } else { b"1".to_vec() });
    metadata.insert("version".to_string(), VERSION.as_bytes().to_vec());
    metadata
}

fn describe() -> (Value, String) {
    let entry = |name: &str, description: &str| json!({ "name": name, "version": VERSION, "type": "rpc", "description": description });
    let list = vec![
        entry(DESCRIBE, "List the information requests gofront answers"),
        entry(TARGETS, "List the targets of the Gofile"),
        entry(OUTLINE, "List the build args, secrets and SSH agents the build uses"),
        entry(LINT, "Check the Gofile and go.mod against gofront's lint rules"),
    ];
    let text = list.iter().filter_map(|e| e["name"].as_str()).collect::<Vec<_>>().join("\n") + "\n";
    (Value::Array(list), text)
}

fn targets(gofile: &Gofile) -> (Value, String) {
    let mut rows: Vec<(String, bool, String)> = Vec::new();
    let has_image = !gofile.main.is_empty();
    if has_image {
        let mains: Vec<&str> = gofile.main.iter().map(|m| m.value.as_str()).collect();
        let image = crate::targets::name(crate::targets::Kind::Image);
        rows.push((image.into(), true, format!("runtime image of {}", mains.join(", "))));
    }
    for (i, table) in gofile.targets.iter().enumerate() {
        let default = !has_image && i == 0;
        rows.push((table.name.value.clone(), default, format!("runtime image of {}", table.main.value)));
    }
    for builtin in crate::targets::BUILTIN.iter().filter(|b| b.kind != crate::targets::Kind::Image) {
        rows.push((builtin.name.into(), false, builtin.description.into()));
    }
    let list: Vec<Value> = rows
        .iter()
        .map(|(name, default, description)| json!({ "name": name, "default": default, "description": description }))
        .collect();
    let width = rows.iter().map(|(n, d, _)| n.len() + if *d { 10 } else { 0 }).max().unwrap_or(6).max(6);
    let mut text = format!("{:<width$}  DESCRIPTION\n", "TARGET");
    for (name, default, description) in &rows {
        let label = if *default { format!("{name} (default)") } else { name.clone() };
        text.push_str(&format!("{label:<width$}  {description}\n"));
    }
    (json!({ "targets": list }), text)
}

fn outline(gofile: &Gofile, build_args: &BTreeMap<String, String>) -> (Value, String) {
    let mut args: Vec<(String, String)> =
        crate::plan::BUILD_ARGS.iter().map(|(name, what)| (name.to_string(), what.to_string())).collect();
    for (name, _) in crate::plan::ldflags::variables(gofile).unwrap_or_default() {
        if !args.iter().any(|(n, _)| *n == name) {
            args.push((name, "used in ldflags".into()));
        }
    }
    let json_args: Vec<Value> = args.iter().map(|(n, d)| json!({ "name": n, "description": d })).collect();
    let width = args.iter().map(|(n, _)| n.len()).max().unwrap_or(0).max("BUILD ARG".len());
    let mut text = format!("{:<width$}  DESCRIPTION\n", "BUILD ARG");
    for (name, description) in &args {
        text.push_str(&format!("{name:<width$}  {description}\n"));
    }
    text.push_str(&format!(
        "\nSECRET             DESCRIPTION\n{NETRC_SECRET:<18} optional .netrc for private modules (NETRC)\n"
    ));
    text.push_str(&format!(
        "\nSSH                DESCRIPTION\n{SSH_AGENT_ID:<18} optional SSH agent for git fetches\n"
    ));
    // The persistent cache mounts, so CI cache tools (cache-dance and the like) can find them.
    let ns = build_args.get("BUILDKIT_CACHE_MOUNT_NS").filter(|ns| !ns.is_empty()).map(|ns| format!("{ns}/"));
    let namespaced = |id: &str| format!("{}{id}", ns.as_deref().unwrap_or(""));
    let (modules, build) = (namespaced(crate::plan::MODULE_CACHE_ID), namespaced(crate::plan::BUILD_CACHE_ID));
    text.push_str(&format!(
        "\nCACHE MOUNT        DESCRIPTION\n{modules:<18} module downloads (a file:// proxy in front of GOPROXY)\n{build:<18} Go build cache\n"
    ));
    let value = json!({
        "name": "image",
        "description": format!("Go module {}", gofile.module.value),
        "args": json_args,
        "secrets": [{ "name": NETRC_SECRET, "required": false }],
        "ssh": [{ "name": SSH_AGENT_ID, "required": false }],
        "cache": [{ "ID": modules }, { "ID": build }],
    });
    (value, text)
}
