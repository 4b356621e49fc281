//! gofront's own SBOM (`--sbom=true`): Go records every module it linked into a binary, with its
//! version and go.sum hash (`go version -m`). That is exactly the list a scanner would guess at,
//! so gofront writes it as an SPDX 2.3 document itself, with no scanner image to pull.

use serde_json::{json, Value};
use sha2::{Digest, Sha256};

/// The in-toto predicate type BuildKit recognises as an SBOM.
pub const SPDX_PREDICATE: &str = "https://spdx.dev/Document";

/// One binary, as `go version -m` describes it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BuildInfo {
    /// The binary's file name.
    pub file: String,
    /// e.g. "go1.27.3".
    pub go: String,
    /// The main package's import path.
    pub path: String,
    pub main: Option<Module>,
    pub deps: Vec<Module>,
    /// `build` lines: (key, value), e.g. ("GOARCH", "arm64"), ("-ldflags", "…").
    pub settings: Vec<(String, String)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Module {
    pub path: String,
    pub version: String,
    /// go.sum's `h1:` hash, when Go recorded one.
    pub sum: Option<String>,
    /// A `=>` replacement, as (path, version).
    pub replaced_by: Option<(String, String)>,
}

/// Parses the output of `go version -m FILE…` (each binary: a `FILE: goX` line, then
/// tab-indented `path`, `mod`, `dep`, `=>` and `build` lines).
pub fn parse(text: &str) -> Vec<BuildInfo> {
    let mut out: Vec<BuildInfo> = Vec::new();
    for line in text.lines() {
        if !line.starts_with('\t') {
            if let Some((file, go)) = line.rsplit_once(": ") {
                let file = file.rsplit('/').next().unwrap_or(file).to_string();
                out.push(BuildInfo { file, go: go.trim().to_string(), ..Default::default() });
            }
            continue;
        }
        let Some(current) = out.last_mut() else { continue };
        let fields: Vec<&str> = line.trim_start_matches('\t').split('\t').collect();
        let module = |fields: &[&str]| Module {
            path: fields.get(1).copied().unwrap_or_default().to_string(),
            version: fields.get(2).copied().unwrap_or_default().to_string(),
            sum: fields.get(3).filter(|s| !s.is_empty()).map(|s| s.to_string()),
            replaced_by: None,
        };
        match fields.first().copied() {
            Some("path") => current.path = fields.get(1).copied().unwrap_or_default().to_string(),
            Some("mod") => current.main = Some(module(&fields)),
            Some("dep") => current.deps.push(module(&fields)),
            Some("=>") => {
                if let Some(dep) = current.deps.last_mut() {
                    let path = fields.get(1).copied().unwrap_or_default().to_string();
                    let version = fields.get(2).copied().unwrap_or_default().to_string();
                    dep.sum = fields.get(3).filter(|s| !s.is_empty()).map(|s| s.to_string()).or(dep.sum.take());
                    dep.replaced_by = Some((path, version));
                }
            }
            Some("build") => {
                let setting = fields.get(1).copied().unwrap_or_default();
                let (key, value) = setting.split_once('=').unwrap_or((setting, ""));
                current.settings.push((key.to_string(), value.to_string()));
            }
            _ => {}
        }
    }
    out
}

/// `h1:<base64 SHA-256>` as the hex SHA-256 SPDX checksums carry.
fn h1_sha256(sum: &str) -> Option<String> {
    use base64::Engine as _;
    let encoded = sum.strip_prefix("h1:")?;
    let bytes = base64::engine::general_purpose::STANDARD.decode(encoded).ok()?;
    (bytes.len() == 32).then(|| hex::encode(bytes))
}

fn spdx_id(kind: &str, name: &str) -> String {
    let clean: String = name.chars().map(|c| if c.is_ascii_alphanumeric() || c == '.' { c } else { '-' }).collect();
    format!("SPDXRef-{kind}-{clean}")
}

fn purl(path: &str, version: &str) -> String {
    if version.is_empty() || version == "(devel)" {
        format!("pkg:golang/{path}")
    } else {
        format!("pkg:golang/{path}@{version}")
    }
}

fn package(id: &str, module: &Module) -> Value {
    let (path, version) = module.replaced_by.clone().unwrap_or_else(|| (module.path.clone(), module.version.clone()));
    let mut package = json!({
        "SPDXID": id,
        "name": module.path,
        "versionInfo": module.version,
        "downloadLocation": "NOASSERTION",
        "filesAnalyzed": false,
        "licenseConcluded": "NOASSERTION",
        "licenseDeclared": "NOASSERTION",
        "copyrightText": "NOASSERTION",
        "externalRefs": [{
            "referenceCategory": "PACKAGE-MANAGER",
            "referenceType": "purl",
            "referenceLocator": purl(&path, &version),
        }],
    });
    if let Some(sum) = &module.sum {
        package["comment"] = json!(format!("go.sum {sum}"));
        if let Some(hex) = h1_sha256(sum) {
            package["checksums"] = json!([{ "algorithm": "SHA256", "checksumValue": hex }]);
        }
    }
    if let Some((path, version)) = &module.replaced_by {
        package["sourceInfo"] = json!(format!("replaced by {path} {version}"));
    }
    package
}

/// The SPDX 2.3 document for one platform's binaries. `created` is RFC 3339 (SOURCE_DATE_EPOCH
/// when given, so the document is as reproducible as the image); `image` names the subject.
pub fn spdx(binaries: &[BuildInfo], image: &str, created: &str) -> Value {
    let mut packages = Vec::new();
    let mut relationships = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    for binary in binaries {
        let binary_id = spdx_id("Binary", &binary.file);
        let mut settings: Vec<String> = binary.settings.iter().map(|(k, v)| format!("{k}={v}")).collect();
        settings.sort();
        packages.push(json!({
            "SPDXID": binary_id,
            "name": binary.file,
            "versionInfo": binary.main.as_ref().map_or("", |m| m.version.as_str()),
            "downloadLocation": "NOASSERTION",
            "filesAnalyzed": false,
            "licenseConcluded": "NOASSERTION",
            "licenseDeclared": "NOASSERTION",
            "copyrightText": "NOASSERTION",
            "primaryPackagePurpose": "APPLICATION",
            "comment": format!("main package {} built with {}; {}", binary.path, binary.go, settings.join(" ")),
        }));
        relationships.push(json!({
            "spdxElementId": "SPDXRef-DOCUMENT",
            "relationshipType": "DESCRIBES",
            "relatedSpdxElement": binary_id,
        }));
        let stdlib = Module {
            path: "stdlib".into(),
            version: binary.go.trim_start_matches("go").to_string(),
            sum: None,
            replaced_by: None,
        };
        for module in binary.main.iter().chain(binary.deps.iter()).chain(std::iter::once(&stdlib)) {
            let id = spdx_id("Module", &format!("{}-{}", module.path, module.version));
            if seen.insert(id.clone()) {
                packages.push(package(&id, module));
            }
            relationships.push(json!({
                "spdxElementId": binary_id,
                "relationshipType": "CONTAINS",
                "relatedSpdxElement": id,
            }));
        }
    }
    let mut hasher = Sha256::new();
    hasher.update(serde_json::to_vec(&packages).unwrap_or_default());
    let namespace = format!("https://gofront.dev/spdx/{}", hex::encode(hasher.finalize()));
    json!({
        "spdxVersion": "SPDX-2.3",
        "dataLicense": "CC0-1.0",
        "SPDXID": "SPDXRef-DOCUMENT",
        "name": image,
        "documentNamespace": namespace,
        "creationInfo": {
            "created": created,
            "creators": [format!("Tool: gofront-{}", crate::VERSION)],
        },
        "packages": packages,
        "relationships": relationships,
    })
}

#[cfg(test)]
mod tests;
