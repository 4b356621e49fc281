//! Docker image references: the full form BuildKit sources use, and the short form users type.

/// `golang:1.24-alpine` → `docker.io/library/golang:1.24-alpine`; adds `:latest` without tag or
/// digest. `index.docker.io` is Docker Hub's old name, and Hub's one-part names live in `library/`.
pub fn normalize(reference: &str) -> String {
    let (name, suffix) = split_name(reference);
    let (domain, path) = split_domain(name);
    let full = match domain {
        None | Some("docker.io" | "index.docker.io") if !path.contains('/') => format!("docker.io/library/{path}"),
        None | Some("docker.io" | "index.docker.io") => format!("docker.io/{path}"),
        Some(domain) => format!("{domain}/{path}"),
    };
    let suffix = if suffix.is_empty() { ":latest".to_string() } else { suffix.to_string() };
    format!("{full}{suffix}")
}

/// The short form Docker shows and named contexts are keyed by: `docker.io/library/x:latest` → `x`.
pub fn familiar(reference: &str) -> String {
    let full = normalize(reference);
    let short = full
        .strip_prefix("docker.io/library/")
        .or_else(|| full.strip_prefix("docker.io/"))
        .unwrap_or(&full)
        .to_string();
    short.strip_suffix(":latest").map(str::to_string).unwrap_or(short)
}

/// Whether a reference is well formed, the way Docker parses them; the error says what is wrong.
pub fn check(reference: &str) -> Result<(), String> {
    let (name, suffix) = split_name(reference);
    let (tag, digest) = match suffix.split_once('@') {
        Some((tag, digest)) => (tag, Some(digest)),
        None => (suffix, None),
    };
    let (domain, path) = split_domain(name);
    if path.is_empty() {
        return Err("it names no repository".into());
    }
    if let Some(domain) = domain {
        let host = domain.rsplit_once(':').map_or(domain, |(host, port)| {
            if port.is_empty() || !port.bytes().all(|b| b.is_ascii_digit()) {
                ""
            } else {
                host
            }
        });
        let label_ok = |l: &str| !l.is_empty() && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
        if host.is_empty() || !host.split('.').all(label_ok) {
            return Err(format!("{domain:?} is not a registry host"));
        }
    }
    for component in path.split('/') {
        let separators_ok = !component.starts_with(['.', '_', '-'])
            && !component.ends_with(['.', '_', '-'])
            && !component.contains("..")
            && !component.contains("___");
        let chars_ok = component.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b));
        if component.is_empty() || !separators_ok || !chars_ok {
            let hint = if component.bytes().any(|b| b.is_ascii_uppercase()) {
                " (repository names are lower case)"
            } else {
                ""
            };
            return Err(format!("{component:?} is not a valid repository name{hint}"));
        }
    }
    if let Some(tag) = tag.strip_prefix(':') {
        let valid = !tag.is_empty()
            && tag.len() <= 128
            && !tag.starts_with(['.', '-'])
            && tag.bytes().all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b));
        if !valid {
            return Err(format!("{tag:?} is not a valid tag"));
        }
    }
    if let Some(digest) = digest {
        let valid = digest.split_once(':').is_some_and(|(algorithm, hex)| {
            !algorithm.is_empty()
                && algorithm.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"+._-".contains(&b))
                && hex.len() >= 32
                && hex.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
        });
        if !valid {
            return Err(format!("{digest:?} is not a digest (want sha256:<64 hex digits>)"));
        }
    }
    Ok(())
}

/// `gcr.io/distroless/static` → (`gcr.io`, `distroless/static`); no domain for Docker Hub short names.
fn split_domain(name: &str) -> (Option<&str>, &str) {
    match name.split_once('/') {
        Some((first, rest)) if first.contains('.') || first.contains(':') || first == "localhost" => {
            (Some(first), rest)
        }
        _ => (None, name),
    }
}

/// Splits `name[:tag][@digest]` into the name and the `:tag@digest` suffix.
fn split_name(reference: &str) -> (&str, &str) {
    let digest_at = reference.find('@').unwrap_or(reference.len());
    let before_digest = &reference[..digest_at];
    let last_slash = before_digest.rfind('/').map_or(0, |i| i + 1);
    let tag_at = before_digest[last_slash..].find(':').map_or(digest_at, |i| last_slash + i);
    (&reference[..tag_at], &reference[tag_at..])
}

/// The reference pinned to `digest`, keeping its tag for readability.
pub fn pin(reference: &str, digest: &str) -> String {
    let full = normalize(reference);
    if digest.is_empty() || full.contains('@') {
        return full;
    }
    format!("{full}@{digest}")
}

#[cfg(test)]
mod tests;
