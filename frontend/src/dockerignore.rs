//! .dockerignore files → exclude patterns for the context transfers, read the way BuildKit reads
//! them: a UTF-8 BOM is dropped, each line is trimmed, `#` lines and blank lines are skipped, a
//! leading `!` re-includes, and each pattern is cleaned like a path (`./bin` and `bin/` are `bin`,
//! `/bin` is `bin`, while `/` alone stays `/`).

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
