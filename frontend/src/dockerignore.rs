//! .dockerignore files → exclude patterns for the context transfer.

pub fn patterns(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .map(|line| {
            let (negate, pattern) = match line.strip_prefix('!') {
                Some(rest) => ("!", rest.trim()),
                None => ("", line),
            };
            let pattern = pattern.trim_start_matches('/');
            let pattern = if pattern.is_empty() { "." } else { pattern };
            format!("{negate}{pattern}")
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn comments_blank_lines_and_leading_slashes() {
        let got = super::patterns("# comment\n\n/bin\n*.tmp \n!keep.tmp\n! /also\n");
        assert_eq!(got, vec!["bin", "*.tmp", "!keep.tmp", "!also"]);
    }
}
