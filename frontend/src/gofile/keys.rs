//! The Gofile's keys, declared once: the parser's known-key lists and "did you mean", the JSON
//! Schema editors use (`gofront schema`), and the README's reference table (a test keeps it in
//! step) all come from this table.

use serde_json::{json, Value};

/// The shape of a key's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    String,
    /// A string, or a list of strings (`main`).
    StringOrList,
    /// `true`, or a list of strings (`generate`).
    BoolOrList,
    Bool,
    StringList,
    /// A table of strings (`env`, `labels`).
    StringTable,
    Ports,
    Files,
    Healthcheck,
    Targets,
}

#[derive(Debug, Clone, Copy)]
pub struct Key {
    pub name: &'static str,
    pub kind: Kind,
    pub description: &'static str,
    /// Also allowed in a `[targets.NAME]` table.
    pub in_targets: bool,
    /// A regular expression a string value must match, for editors (the parser checks more).
    pub pattern: Option<&'static str>,
    /// The value it has when not written, as TOML: what RedundantDefault compares with.
    pub default: Option<&'static str>,
}

const fn key(name: &'static str, kind: Kind, in_targets: bool, description: &'static str) -> Key {
    Key { name, kind, description, in_targets, pattern: None, default: None }
}

/// A key with a default value.
const fn defaulted(
    name: &'static str,
    kind: Kind,
    in_targets: bool,
    default: &'static str,
    description: &'static str,
) -> Key {
    Key { name, kind, description, in_targets, pattern: None, default: Some(default) }
}

/// Every key of format v1, top level first in the order the README lists them.
pub const KEYS: &[Key] = &[
    key("module", Kind::String, false, "The Go module to build; must equal go.mod's module line."),
    Key {
        pattern: Some(r"^v[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?(\+incompatible)?$"),
        ..key(
            "version",
            Kind::String,
            false,
            "Build this published version of `module` from GOPROXY, with no source in the context.",
        )
    },
    key(
        "main",
        Kind::StringOrList,
        true,
        "The main package(s), relative to the module root: \".\", \"./cmd/server\" or a list.",
    ),
    key("dir", Kind::String, false, "Module root inside the build context (monorepos)."),
    Key {
        pattern: Some(r"^[0-9]+\.[0-9]+(\.[0-9]+)?$"),
        ..key(
            "go",
            Kind::String,
            false,
            "Go version of the builder, e.g. \"1.24\"; defaults to go.mod's toolchain or go line.",
        )
    },
    key("builder", Kind::String, false, "An explicit builder image."),
    defaulted(
        "base",
        Kind::String,
        false,
        "\"scratch\"",
        "Runtime base: scratch, distroless, alpine, debian, or an image reference.",
    ),
    key("name", Kind::String, true, "Binary name for a single `main`; it goes to /app/<name>."),
    defaulted("cgo", Kind::Bool, false, "false", "Build with cgo (a glibc builder and runtime)."),
    defaulted("tags", Kind::StringList, false, "[]", "Go build tags."),
    defaulted("ldflags", Kind::String, false, "\"\"", "Linker flags after -s -w; ${NAME} reads --build-arg NAME."),
    defaulted("env", Kind::StringTable, true, "{}", "Runtime environment."),
    defaulted("build_env", Kind::StringTable, false, "{}", "Extra environment for go build and go test."),
    defaulted("ports", Kind::Ports, true, "[]", "Exposed ports: numbers or \"number/protocol\"."),
    defaulted("user", Kind::String, false, "\"nonroot\"", "nonroot (65532:65532), root, or a numeric uid[:gid]."),
    defaulted("workdir", Kind::String, false, "\"/app\"", "Runtime working directory (absolute)."),
    defaulted("args", Kind::StringList, true, "[]", "Image Cmd: arguments to the binary."),
    defaulted("labels", Kind::StringTable, true, "{}", "Image labels."),
    defaulted("files", Kind::Files, false, "[]", "Context files copied into the image: [{ from, to }]."),
    key("healthcheck", Kind::Healthcheck, true, "cmd, interval, timeout, start_period, retries."),
    defaulted("packages", Kind::StringList, false, "[]", "OS packages installed on the base with its package manager."),
    Key {
        pattern: Some(r"^v[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$"),
        ..defaulted(
            "delve",
            Kind::String,
            false,
            "\"v1.25.2\"",
            "The Delve version `--target debug` installs (github.com/go-delve/delve/cmd/dlv).",
        )
    },
    defaulted("race", Kind::Bool, false, "false", "Run the test targets with -race (needs cgo)."),
    defaulted(
        "generate",
        Kind::BoolOrList,
        false,
        "false",
        "Code generation before the compile: true runs `go generate ./...`, or a list of commands.",
    ),
    key("targets", Kind::Targets, false, "More images of the module, built with --target NAME."),
];

/// The top-level key names.
pub fn names() -> Vec<&'static str> {
    KEYS.iter().map(|k| k.name).collect()
}

/// The key names a `[targets.NAME]` table takes.
pub fn target_names() -> Vec<&'static str> {
    KEYS.iter().filter(|k| k.in_targets).map(|k| k.name).collect()
}

fn value_schema(key: &Key) -> Value {
    let strings = json!({ "type": "array", "items": { "type": "string" } });
    let mut schema = match key.kind {
        Kind::String => json!({ "type": "string" }),
        Kind::StringOrList => json!({ "oneOf": [{ "type": "string" }, strings] }),
        Kind::Bool => json!({ "type": "boolean" }),
        Kind::BoolOrList => json!({ "oneOf": [{ "type": "boolean" }, strings] }),
        Kind::StringList => strings,
        Kind::StringTable => json!({ "type": "object", "additionalProperties": { "type": "string" } }),
        Kind::Ports => json!({
            "type": "array",
            "items": { "oneOf": [
                { "type": "integer", "minimum": 1, "maximum": 65535 },
                { "type": "string", "pattern": "^[0-9]+(/(tcp|udp|sctp))?$" }
            ] }
        }),
        Kind::Files => json!({
            "type": "array",
            "items": {
                "type": "object",
                "required": ["from", "to"],
                "additionalProperties": false,
                "properties": { "from": { "type": "string" }, "to": { "type": "string" } }
            }
        }),
        Kind::Healthcheck => json!({
            "type": "object",
            "required": ["cmd"],
            "additionalProperties": false,
            "properties": {
                "cmd": { "type": "array", "items": { "type": "string" }, "minItems": 1 },
                "interval": { "type": "string" },
                "timeout": { "type": "string" },
                "start_period": { "type": "string" },
                "retries": { "type": "integer", "minimum": 0 }
            }
        }),
        Kind::Targets => {
            let properties: serde_json::Map<String, Value> =
                KEYS.iter().filter(|k| k.in_targets).map(|k| (k.name.to_string(), value_schema(k))).collect();
            json!({
                "type": "object",
                "propertyNames": { "pattern": "^[A-Za-z0-9_-]+$", "not": { "enum": crate::targets::builtin_names() } },
                "additionalProperties": {
                    "type": "object",
                    "required": ["main"],
                    "additionalProperties": false,
                    "properties": properties
                }
            })
        }
    };
    if let Some(pattern) = key.pattern {
        schema["pattern"] = json!(pattern);
    }
    schema["description"] = json!(key.description);
    schema
}

/// The JSON Schema of the Gofile (draft-07), for editors: Even Better TOML / taplo read it from
/// a `#:schema URL` comment or their settings.
pub fn json_schema() -> Value {
    let properties: serde_json::Map<String, Value> =
        KEYS.iter().map(|k| (k.name.to_string(), value_schema(k))).collect();
    json!({
        "$schema": "http://json-schema.org/draft-07/schema#",
        "$id": "https://gofront.dev/gofile.schema.json",
        "title": "Gofile",
        "description": "gofront's build file (format v1): a Go module and how to package it",
        "type": "object",
        "required": ["module"],
        "anyOf": [{ "required": ["main"] }, { "required": ["targets"] }],
        "additionalProperties": false,
        "properties": properties
    })
}
