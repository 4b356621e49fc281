//! Just enough of Go's syntax to find a file's package clause.

/// The package name a Go file declares, skipping comments (and so build constraints) before it.
pub fn package_name(source: &str) -> Option<String> {
    let mut rest = source.strip_prefix('\u{feff}').unwrap_or(source);
    loop {
        rest = rest.trim_start();
        if let Some(after) = rest.strip_prefix("//") {
            rest = after.find('\n').map_or("", |i| &after[i + 1..]);
        } else if let Some(after) = rest.strip_prefix("/*") {
            rest = &after[after.find("*/")? + 2..];
        } else {
            break;
        }
    }
    let after = rest.strip_prefix("package")?;
    if !after.starts_with(|c: char| c.is_whitespace() || c == '/') {
        return None;
    }
    let mut after = after.trim_start();
    while let Some(comment) = after.strip_prefix("/*") {
        after = comment[comment.find("*/")? + 2..].trim_start();
    }
    let name: String = after.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
    (!name.is_empty()).then_some(name)
}

#[cfg(test)]
mod tests {
    use super::package_name;

    #[test]
    fn finds_the_package_after_comments_and_constraints() {
        assert_eq!(package_name("package main\n").as_deref(), Some("main"));
        assert_eq!(
            package_name("// Copyright\n//go:build linux\n\n/* doc */ package  server // x\n").as_deref(),
            Some("server")
        );
        assert_eq!(package_name("\u{feff}package main").as_deref(), Some("main"));
        assert_eq!(package_name("packagemain").as_deref(), None);
        assert_eq!(package_name("func main() {}").as_deref(), None);
    }
}
