//! .dockerignore files → exclude patterns for the context transfers, read the way BuildKit reads
//! them: a UTF-8 BOM is dropped, each line is trimmed, `#` lines and blank lines are skipped, a
//! leading `!` re-includes, and each pattern is cleaned like a path (`./bin` and `bin/` are `bin`,
//! `/bin` is `bin`, while `/` alone stays `/`). [`matches`] applies them to a local directory as
//! BuildKit applies them to a transfer.

pub fn patterns(text: &str) -> Vec<String> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    text.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .map(|line| {
            let (negate, pattern) = match line.strip_prefix('!') {
                Some(rest) => ("!", rest.trim()),
                None => ("", line),
            };
            if pattern.is_empty() {
                return negate.to_string();
            }
            let clean = clean_path(pattern);
            let relative = if clean.len() > 1 { clean.strip_prefix('/').unwrap_or(&clean) } else { &clean };
            format!("{negate}{relative}")
        })
        .collect()
}

/// Whether `patterns` leave `path` out: the last pattern that matches the path or one of its
/// parent directories decides (`!` re-includes). `*` and `?` stay within a path element, `**`
/// spans any number of them.
pub fn excluded(patterns: &[String], path: &str) -> bool {
    let mut out = false;
    for pattern in patterns {
        let (negated, pattern) = match pattern.strip_prefix('!') {
            Some(rest) => (true, rest),
            None => (false, pattern.as_str()),
        };
        if matches(pattern, path) {
            out = !negated;
        }
    }
    out
}

/// Whether `pattern` matches `path` or one of its parents.
pub fn matches(pattern: &str, path: &str) -> bool {
    let pattern: Vec<&str> = pattern.split('/').filter(|p| !p.is_empty()).collect();
    let path: Vec<&str> = path.split('/').filter(|p| !p.is_empty()).collect();
    (1..=path.len()).any(|n| elements_match(&pattern, &path[..n]))
}

fn elements_match(pattern: &[&str], path: &[&str]) -> bool {
    match pattern.split_first() {
        None => path.is_empty(),
        Some((&"**", rest)) => (0..=path.len()).any(|skip| elements_match(rest, &path[skip..])),
        Some((first, rest)) => path
            .split_first()
            .is_some_and(|(name, more)| glob(first.as_bytes(), name.as_bytes()) && elements_match(rest, more)),
    }
}

/// One path element against a glob: `*`, `?`, `[a-z]` / `[^a-z]` classes and `\` escapes.
fn glob(pattern: &[u8], name: &[u8]) -> bool {
    match pattern.split_first() {
        None => name.is_empty(),
        Some((b'*', rest)) => (0..=name.len()).any(|skip| glob(rest, &name[skip..])),
        Some((b'?', rest)) => !name.is_empty() && glob(rest, &name[1..]),
        Some((b'[', rest)) => {
            let Some(end) = rest.iter().position(|c| *c == b']') else { return false };
            let Some((&c, more)) = name.split_first() else { return false };
            let (negated, class) = match rest[..end].split_first() {
                Some((b'^' | b'!', class)) => (true, class),
                _ => (false, &rest[..end]),
            };
            let mut hit = false;
            let mut i = 0;
            while i < class.len() {
                if i + 2 < class.len() && class[i + 1] == b'-' {
                    hit |= class[i] <= c && c <= class[i + 2];
                    i += 3;
                } else {
                    hit |= class[i] == c;
                    i += 1;
                }
            }
            hit != negated && glob(&rest[end + 1..], more)
        }
        Some((b'\\', rest)) if !rest.is_empty() => name.first() == rest.first() && glob(&rest[1..], &name[1..]),
        Some((c, rest)) => name.first() == Some(c) && glob(rest, &name[1..]),
    }
}

/// Lexical path cleaning: no empty, `.` or resolvable `..` elements; `..` above a rooted path is
/// dropped; an empty result is `.`.
fn clean_path(path: &str) -> String {
    let rooted = path.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => match parts.last() {
                Some(&last) if last != ".." => {
                    parts.pop();
                }
                _ if rooted => {}
                _ => parts.push(".."),
            },
            other => parts.push(other),
        }
    }
    let joined = parts.join("/");
    match (rooted, joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".to_string(),
        (false, false) => joined,
    }
}

#[cfg(test)]
mod tests {
    use super::patterns;

    #[test]
    fn comments_blank_lines_and_leading_slashes() {
        let got = patterns("# comment\n\n/bin\n*.tmp \n!keep.tmp\n! /also\n");
        assert_eq!(got, vec!["bin", "*.tmp", "!keep.tmp", "!also"]);
    }

    #[test]
    fn read_like_buildkit_reads_them() {
        let text =
            "\u{feff}./bin\r\nbin/\r\n/\r\n!\r\n! \r\na//b/../c\r\n../up\r\n/../x\r\n  # indented comment\r\n.\r\n";
        assert_eq!(patterns(text), vec!["bin", "bin", "/", "!", "!", "a/c", "../up", "x", "."]);
    }
}
