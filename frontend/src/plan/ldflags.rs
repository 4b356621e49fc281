//! `${NAME}` interpolation in the Gofile's `ldflags`.
//!
//! Values come from build args. `VERSION` falls back to "dev", `REVISION` and `SOURCE` to buildx's
//! git info (then "unknown"); `${NAME:-fallback}` gives any name a fallback. Any other name without
//! a value is an error: a silently empty `-X` flag is worse than a failed build. The variables
//! stay build args in the plan: the LLB printer fills them in, eject keeps them `ARG`s.

use super::BuildOptions;
use crate::diagnostic::Diagnostic;
use crate::gofile::Gofile;
use crate::program::Value;

/// `ldflags` with each `${NAME}` as the build arg's value (the printers resolve or keep it);
/// None when there is nothing but blanks. A variable with no value and no fallback is an error,
/// unless the args are read later (`gofront eject`).
pub fn expand(gofile: &Gofile, options: &BuildOptions) -> Result<Option<Value>, Diagnostic> {
    let Some(ldflags) = &gofile.ldflags else {
        return Ok(None);
    };
    let pieces = scan(gofile)?;
    let last = pieces.len().saturating_sub(1);
    let mut parts = Vec::new();
    for (index, piece) in pieces.into_iter().enumerate() {
        match piece {
            Piece::Text(text) => {
                let text = if index == 0 { text.trim_start() } else { text };
                let text = if index == last { text.trim_end() } else { text };
                if !text.is_empty() {
                    parts.push(Value::text(text));
                }
            }
            Piece::Variable { name, fallback } => {
                let fallback = fallback.map(str::to_string).or_else(|| builtin(name, options));
                if fallback.is_none() && !options.deferred_args && !options.build_args.contains_key(name) {
                    return Err(Diagnostic::new(format!("`ldflags` uses ${{{name}}}, but no value was given for it"))
                        .at(ldflags.span.clone())
                        .hint(format!("pass --build-arg {name}=… or write ${{{name}:-default}}")));
                }
                parts.push(Value::Arg { name: name.to_string(), fallback });
            }
        }
    }
    Ok(match parts.len() {
        0 => None,
        1 => parts.pop(),
        _ => Some(Value::Concat(parts)),
    })
}

/// The build args `ldflags` reads, with their `:-` fallbacks, in order of first use.
pub fn variables(gofile: &Gofile) -> Result<Vec<(String, Option<String>)>, Diagnostic> {
    let mut out: Vec<(String, Option<String>)> = Vec::new();
    for piece in scan(gofile)? {
        if let Piece::Variable { name, fallback } = piece {
            if !out.iter().any(|(n, _)| n == name) {
                out.push((name.to_string(), fallback.map(str::to_string)));
            }
        }
    }
    Ok(out)
}

enum Piece<'a> {
    Text(&'a str),
    Variable { name: &'a str, fallback: Option<&'a str> },
}

/// `ldflags` as text and `${NAME}` / `${NAME:-fallback}` pieces.
fn scan(gofile: &Gofile) -> Result<Vec<Piece<'_>>, Diagnostic> {
    let Some(ldflags) = &gofile.ldflags else {
        return Ok(Vec::new());
    };
    let mut pieces = Vec::new();
    let mut rest = ldflags.value.as_str();
    while let Some(start) = rest.find("${") {
        pieces.push(Piece::Text(&rest[..start]));
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else {
            return Err(Diagnostic::new("`ldflags` has a `${` without its closing `}`")
                .at(ldflags.span.clone())
                .hint("write variables as ${NAME}"));
        };
        let expr = &after[..end];
        let (name, fallback) = match expr.split_once(":-") {
            Some((name, fallback)) => (name, Some(fallback)),
            None => (expr, None),
        };
        let valid = name.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !valid {
            return Err(Diagnostic::new(format!("`ldflags` has an invalid variable `${{{expr}}}`"))
                .at(ldflags.span.clone())
                .hint("variable names are letters, digits and '_', e.g. ${VERSION}"));
        }
        pieces.push(Piece::Variable { name, fallback });
        rest = &after[end + 1..];
    }
    pieces.push(Piece::Text(rest));
    Ok(pieces)
}

fn builtin(name: &str, options: &BuildOptions) -> Option<String> {
    match name {
        "VERSION" => Some("dev".into()),
        "REVISION" => Some(options.vcs_revision.clone().unwrap_or_else(|| "unknown".into())),
        "SOURCE" => Some(options.vcs_source.clone().unwrap_or_else(|| "unknown".into())),
        _ => None,
    }
}
