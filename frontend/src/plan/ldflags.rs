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

/// `ldflags` as the fields Go splits it into (blank-separated, or quoted), each field with its
/// `${NAME}`s as build-arg values that the printers resolve or keep: a value stays one piece of
/// its field whatever it holds, so a build arg can never add a linker flag. None when there are
/// no fields. A variable with no value and no fallback is an error, and so is a value that no
/// quoting can keep in one field; unless the args are read later (`gofront eject`).
pub fn expand(gofile: &Gofile, options: &BuildOptions) -> Result<Option<Value>, Diagnostic> {
    let Some(ldflags) = &gofile.ldflags else {
        return Ok(None);
    };
    let error = |message: String, hint: &str| Diagnostic::new(message).at(ldflags.span.clone()).hint(hint.to_string());
    let mut fields: Vec<Vec<Value>> = Vec::new();
    // The field being read, and the quote it is in.
    let mut open: Option<(Vec<Value>, Option<char>)> = None;
    for piece in scan(gofile)? {
        match piece {
            Piece::Text(text) => {
                for c in text.chars() {
                    let (field, quote) = match open.as_mut() {
                        Some(state) => state,
                        None if c.is_whitespace() => continue,
                        None if c == '\'' || c == '"' => {
                            open = Some((Vec::new(), Some(c)));
                            continue;
                        }
                        None => open.insert((Vec::new(), None)),
                    };
                    let ends = match quote {
                        Some(q) => c == *q,
                        None => c.is_whitespace(),
                    };
                    if ends {
                        fields.extend(open.take().map(|(f, _)| f));
                        continue;
                    }
                    match field.last_mut() {
                        Some(Value::Literal(last)) => last.push(c),
                        _ => field.push(Value::Literal(c.to_string())),
                    }
                }
            }
            Piece::Variable { name, fallback } => {
                let fallback = fallback.map(str::to_string).or_else(|| builtin(name, options));
                if fallback.is_none() && !options.deferred_args && !options.build_args.contains_key(name) {
                    return Err(error(
                        format!("`ldflags` uses ${{{name}}}, but no value was given for it"),
                        &format!("pass --build-arg {name}=… or write ${{{name}:-default}}"),
                    ));
                }
                let (field, _) = open.get_or_insert((Vec::new(), None));
                field.push(Value::Arg { name: name.to_string(), fallback });
            }
        }
    }
    match open {
        Some((_, Some(quote))) => {
            return Err(error(format!("`ldflags` has a {quote} without its closing {quote}"), "close the quote"))
        }
        Some((field, None)) => fields.push(field),
        None => {}
    }
    let mut parts = Vec::new();
    for field in fields {
        let field =
            if field.len() == 1 { field.into_iter().next().unwrap_or(Value::text("")) } else { Value::Concat(field) };
        if !options.deferred_args {
            if let Some(problem) = crate::program::unquotable(&resolve(&field, options)) {
                let names: Vec<&str> = field.args();
                return Err(error(
                    format!("`ldflags` gets a value from --build-arg {} that cannot stay one linker argument: it holds {problem}", names.join(", ")),
                    "pass the value without it",
                ));
            }
        }
        if !parts.is_empty() {
            parts.push(Value::text(" "));
        }
        parts.push(Value::Field(Box::new(field)));
    }
    Ok((!parts.is_empty()).then_some(Value::Concat(parts)))
}

/// A value as the build will see it, for checking (the LLB printer resolves it the same way).
fn resolve(value: &Value, options: &BuildOptions) -> String {
    match value {
        Value::Literal(text) => text.clone(),
        Value::Arg { name, fallback } => {
            options.build_args.get(name).or(fallback.as_ref()).cloned().unwrap_or_default()
        }
        Value::Concat(parts) => parts.iter().map(|p| resolve(p, options)).collect(),
        Value::Field(inner) => resolve(inner, options),
        Value::ImageEnv { fallback, .. } => fallback.clone(),
    }
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
