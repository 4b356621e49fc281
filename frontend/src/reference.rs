//! Docker image references: the full form BuildKit sources use, and the short form users type.

/// `golang:1.24-alpine` → `docker.io/library/golang:1.24-alpine`; adds `:latest` without tag or digest.
pub fn normalize(reference: &str) -> String {
    let (name, suffix) = split_name(reference);
    let first = name.split('/').next().unwrap_or_default();
    let has_domain = name.contains('/') && (first.contains('.') || first.contains(':') || first == "localhost");
    let full = if has_domain {
        name.to_string()
    } else if name.contains('/') {
        format!("docker.io/{name}")
    } else {
        format!("docker.io/library/{name}")
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
mod tests {
    use super::*;

    #[test]
    fn normalizes_docker_style() {
        assert_eq!(normalize("golang:1.24-alpine"), "docker.io/library/golang:1.24-alpine");
        assert_eq!(normalize("gofront-test/golang:1.27"), "docker.io/gofront-test/golang:1.27");
        assert_eq!(normalize("gcr.io/distroless/static"), "gcr.io/distroless/static:latest");
        assert_eq!(normalize("localhost:5000/x"), "localhost:5000/x:latest");
        assert_eq!(normalize("busybox@sha256:ab"), "docker.io/library/busybox@sha256:ab");
    }

    #[test]
    fn familiar_forms() {
        assert_eq!(familiar("docker.io/library/golang:1.24-alpine"), "golang:1.24-alpine");
        assert_eq!(familiar("alpine:latest"), "alpine");
        assert_eq!(familiar("gcr.io/distroless/static:nonroot"), "gcr.io/distroless/static:nonroot");
    }

    #[test]
    fn pins_keep_the_tag() {
        assert_eq!(pin("golang:1.24", "sha256:ab"), "docker.io/library/golang:1.24@sha256:ab");
        assert_eq!(pin("golang:1.24", ""), "docker.io/library/golang:1.24");
    }
}
