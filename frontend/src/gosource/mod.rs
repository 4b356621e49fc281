//! Just enough of Go's syntax to read a file's header: its package clause, build constraints
//! and imports.

pub mod constraint;

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

/// What gofront reads of a Go file: everything before its first declaration.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Header {
    pub package: String,
    /// The expression of a `//go:build` line above the package clause.
    pub go_build: Option<String>,
    /// The lines of the older `// +build` form, each after `+build`.
    pub plus_build: Vec<String>,
    /// Import paths, in the file's order (`C` for a cgo file).
    pub imports: Vec<String>,
}

impl Header {
    pub fn uses_cgo(&self) -> bool {
        self.imports.iter().any(|i| i == "C")
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scanned {
    Header(Header),
    /// The text stopped before the imports did: read more of the file.
    Truncated,
    /// No package clause: not a Go file gofront can read.
    NotGo,
}

/// A Go file's header from its text; `whole` says whether `text` is the whole file or only its
/// start (then a header cut off at the end is [`Scanned::Truncated`]).
pub fn header(text: &str, whole: bool) -> Scanned {
    let cut = if whole { Scanned::NotGo } else { Scanned::Truncated };
    let mut cursor = Cursor { rest: text.strip_prefix('\u{feff}').unwrap_or(text) };
    let mut header = Header::default();
    // Comments before the package clause, where build constraints live.
    loop {
        cursor.skip_space();
        if let Some(line) = cursor.line_comment() {
            let line = line.trim_end();
            if let Some(expr) = line.strip_prefix("//go:build").filter(|e| e.starts_with([' ', '\t'])) {
                header.go_build.get_or_insert_with(|| expr.trim().to_string());
            } else if let Some(rest) = line.strip_prefix("//").map(str::trim_start) {
                if let Some(terms) = rest.strip_prefix("+build").filter(|t| t.is_empty() || t.starts_with([' ', '\t']))
                {
                    header.plus_build.push(terms.trim().to_string());
                }
            }
        } else if cursor.rest.starts_with("/*") {
            if !cursor.block_comment() {
                return cut;
            }
        } else {
            break;
        }
    }
    if cursor.rest.is_empty() || (!whole && cut_within("package", cursor.rest)) {
        return cut;
    }
    if !cursor.keyword("package") {
        return Scanned::NotGo;
    }
    cursor.skip_blank();
    let Some(name) = cursor.identifier() else {
        return if cursor.rest.is_empty() { cut } else { Scanned::NotGo };
    };
    header.package = name.to_string();
    loop {
        cursor.skip_blank_and_semicolons();
        if cursor.rest.is_empty() {
            return if whole { Scanned::Header(header) } else { Scanned::Truncated };
        }
        if !whole && cut_within("import", cursor.rest) {
            return Scanned::Truncated;
        }
        if !cursor.keyword("import") {
            return Scanned::Header(header);
        }
        cursor.skip_blank();
        // `import "a"`, or `import ( "a"; "b" )`.
        let grouped = cursor.rest.starts_with('(');
        if grouped {
            cursor.rest = &cursor.rest[1..];
        }
        loop {
            if grouped {
                cursor.skip_blank_and_semicolons();
                if let Some(after) = cursor.rest.strip_prefix(')') {
                    cursor.rest = after;
                    break;
                }
            }
            match cursor.import_spec() {
                Some(path) => header.imports.push(path),
                None if cursor.rest.is_empty() => return cut,
                None => return Scanned::NotGo,
            }
            if !grouped {
                break;
            }
        }
    }
}

/// The patterns of a file's `//go:embed` lines, in order (quoted ones unquoted).
pub fn embed_patterns(source: &str) -> Vec<String> {
    let mut patterns = Vec::new();
    for line in source.lines() {
        let Some(rest) = line.trim_start().strip_prefix("//go:embed") else { continue };
        if !rest.starts_with([' ', '\t']) {
            continue;
        }
        let mut rest = rest.trim();
        while !rest.is_empty() {
            let (pattern, after) = match string_literal(rest) {
                Literal::Value(pattern, after) => (pattern, after),
                Literal::Broken | Literal::Unended => break,
                Literal::None => {
                    let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
                    (rest[..end].to_string(), &rest[end..])
                }
            };
            if !pattern.is_empty() {
                patterns.push(pattern);
            }
            rest = after.trim_start();
        }
    }
    patterns
}

/// What starts a text, as a Go string literal.
enum Literal<'a> {
    /// `"…"` (escapes taken as the character they escape) or `` `…` ``: its value, and the text
    /// after it.
    Value(String, &'a str),
    /// A `"` literal that the text ends in.
    Unended,
    /// A literal that cannot be one: a line break inside `"…"`, or an unclosed `` ` ``.
    Broken,
    None,
}

fn string_literal(text: &str) -> Literal<'_> {
    if let Some(raw) = text.strip_prefix('`') {
        return match raw.find('`') {
            Some(end) => Literal::Value(raw[..end].to_string(), &raw[end + 1..]),
            None => Literal::Broken,
        };
    }
    let Some(quoted) = text.strip_prefix('"') else {
        return Literal::None;
    };
    let mut value = String::new();
    let mut chars = quoted.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => return Literal::Value(value, &quoted[i + 1..]),
            '\\' => value.extend(chars.next().map(|(_, c)| c)),
            '\n' => return Literal::Broken,
            c => value.push(c),
        }
    }
    Literal::Unended
}

/// Whether `rest`, the end of a cut text, may be the start of `word` or of a comment.
fn cut_within(word: &str, rest: &str) -> bool {
    rest.len() <= word.len() && (word.starts_with(rest) || rest == "/")
}

/// The unread rest of a Go file.
struct Cursor<'a> {
    rest: &'a str,
}

impl<'a> Cursor<'a> {
    fn skip_space(&mut self) {
        self.rest = self.rest.trim_start();
    }

    /// A `//` comment, up to its line's end.
    fn line_comment(&mut self) -> Option<&'a str> {
        if !self.rest.starts_with("//") {
            return None;
        }
        let end = self.rest.find('\n').unwrap_or(self.rest.len());
        let (line, rest) = self.rest.split_at(end);
        self.rest = rest;
        Some(line)
    }

    /// Skips a `/* */` comment; false when it does not end.
    fn block_comment(&mut self) -> bool {
        match self.rest[2..].find("*/") {
            Some(end) => {
                self.rest = &self.rest[end + 4..];
                true
            }
            None => {
                self.rest = "";
                false
            }
        }
    }

    /// White space and comments (an unfinished block comment ends the text).
    fn skip_blank(&mut self) {
        loop {
            self.skip_space();
            if self.line_comment().is_some() {
                continue;
            }
            if self.rest.starts_with("/*") {
                self.block_comment();
                continue;
            }
            return;
        }
    }

    fn skip_blank_and_semicolons(&mut self) {
        loop {
            self.skip_blank();
            match self.rest.strip_prefix(';') {
                Some(after) => self.rest = after,
                None => return,
            }
        }
    }

    /// `word` as a whole keyword.
    fn keyword(&mut self, word: &str) -> bool {
        match self.rest.strip_prefix(word) {
            Some(after) if !after.starts_with(|c: char| c.is_alphanumeric() || c == '_') => {
                self.rest = after;
                true
            }
            _ => false,
        }
    }

    fn identifier(&mut self) -> Option<&'a str> {
        let end = self.rest.find(|c: char| !(c.is_alphanumeric() || c == '_')).unwrap_or(self.rest.len());
        if end == 0 || self.rest.starts_with(|c: char| c.is_ascii_digit()) {
            return None;
        }
        let (name, rest) = self.rest.split_at(end);
        self.rest = rest;
        Some(name)
    }

    /// `[name] "path"`: the path. None at the text's end or on anything else.
    fn import_spec(&mut self) -> Option<String> {
        if let Some(after) = self.rest.strip_prefix('.') {
            self.rest = after;
        } else if !self.rest.starts_with(['"', '`']) {
            self.identifier()?;
        }
        self.skip_blank();
        match string_literal(self.rest) {
            Literal::Value(path, after) => {
                self.rest = after;
                Some(path)
            }
            // The text's end: the caller asks for more of it.
            Literal::Unended => {
                self.rest = "";
                None
            }
            Literal::Broken | Literal::None => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::constraint::Target;
    use super::{header, package_name, Header, Scanned};

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

    fn imports(text: &str) -> Vec<String> {
        match header(text, true) {
            Scanned::Header(h) => h.imports,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn reads_every_form_of_import() {
        let text = "// Copyright\n\n//go:build linux && !arm\n// +build linux,!arm\n\n/* doc */\npackage server // x\n\n\
            import \"fmt\"\nimport (\n\t\"net/http\" // the server\n\tlog \"github.com/sirupsen/logrus\"\n\t_ \"embed\"\n\t. \"strings\"\n\
            /* old */ `os`; \"example.com/m/internal/x\"\n)\nimport \"C\"\n\nfunc main() { import_me() }\n";
        let Scanned::Header(h) = header(text, true) else { panic!() };
        assert_eq!(h.package, "server");
        assert_eq!(h.go_build.as_deref(), Some("linux && !arm"));
        assert_eq!(h.plus_build, ["linux,!arm"]);
        assert_eq!(
            h.imports,
            [
                "fmt",
                "net/http",
                "github.com/sirupsen/logrus",
                "embed",
                "strings",
                "os",
                "example.com/m/internal/x",
                "C"
            ]
        );
        assert!(h.uses_cgo());
        assert_eq!(imports("package x\n"), Vec::<String>::new());
        assert_eq!(imports("package x; import \"a\"; import (\"b\"; \"c\"); var v = 1"), ["a", "b", "c"]);
    }

    #[test]
    fn a_cut_text_asks_for_more_and_a_whole_one_does_not() {
        let text = "package p\n\nimport (\n\t\"fmt\"\n\t\"os\"\n)\n\nfunc f() {}\n";
        for end in 0..text.find("func").unwrap_or(0) {
            assert_eq!(header(&text[..end], false), Scanned::Truncated, "{:?}", &text[..end]);
        }
        assert!(matches!(header(text, false), Scanned::Header(_)));
        assert_eq!(header("package p\nimport (\n\t\"fmt\"\n", true), Scanned::NotGo);
        assert_eq!(header("/* never closed", false), Scanned::Truncated);
        assert_eq!(header("func main() {}", true), Scanned::NotGo);
        assert_eq!(header("import \"fmt\"", true), Scanned::NotGo);
        assert_eq!(header("package p\nimport )", true), Scanned::NotGo);
    }

    fn target(goos: &str, goarch: &str, cgo: bool, tags: &[&str]) -> Target {
        let tags = tags.iter().map(|t| t.to_string()).collect();
        Target { goos: goos.into(), goarch: goarch.into(), cgo, tags, go_minor: Some(24) }
    }

    #[test]
    fn file_names_and_constraints_choose_files_as_go_does() {
        let linux = target("linux", "amd64", false, &["netgo"]);
        for name in
            ["a.go", "linux.go", "a_linux.go", "a_amd64.go", "a_linux_amd64.go", "a_unix.go", "a_other_linux.go"]
        {
            assert!(linux.matches_file_name(name), "{name}");
        }
        for name in ["a_windows.go", "a_arm64.go", "a_linux_arm64.go", "a_darwin_amd64.go", "a_windows_test.go"] {
            assert!(!linux.matches_file_name(name), "{name}");
        }
        let holds = |expr: &str| linux.matches_expr(expr);
        assert!(holds("linux") && holds("unix && amd64") && holds("!windows") && holds("netgo") && holds("gc"));
        assert!(holds("(darwin || linux) && !(arm || arm64)") && holds("go1.21") && !holds("go1.25"));
        assert!(!holds("cgo") && !holds("ignore") && !holds("linux && !amd64") && !holds("!unix"));
        assert!(holds("linux &&"), "an expression gofront cannot read counts as a match");
        assert!(linux.matches_plus_build("darwin linux,amd64") && !linux.matches_plus_build("!linux"));
        assert!(target("android", "arm64", false, &[]).matches_tag("linux"));

        let file = |text: &str| match header(text, true) {
            Scanned::Header(h) => h,
            other => panic!("{other:?}"),
        };
        let plain = file("package p\n");
        let cgo = file("package p\nimport \"C\"\n");
        let ignored = file("//go:build ignore\n\npackage main\n");
        let old_style = file("// +build windows\n\npackage p\n");
        let both = Header { go_build: Some("linux".into()), plus_build: vec!["windows".into()], ..plain.clone() };
        assert!(linux.includes("p.go", &plain));
        assert!(
            !linux.includes("p_test.go", &plain) && !linux.includes("_p.go", &plain) && !linux.includes("p.s", &plain)
        );
        assert!(!linux.includes("c.go", &cgo) && target("linux", "amd64", true, &[]).includes("c.go", &cgo));
        assert!(!linux.includes("gen.go", &ignored) && !linux.includes("w.go", &old_style));
        assert!(linux.includes("both.go", &both), "//go:build wins over // +build");
    }

    #[test]
    fn embed_patterns_are_read_plain_quoted_and_raw() {
        let text = "package web\n\nimport _ \"embed\"\n\n//go:embed static/*.html all:assets \"with space.txt\" `raw`\nvar files embed.FS\n\t//go:embed version.txt\nvar v string\n//go:embedded no\n";
        assert_eq!(
            super::embed_patterns(text),
            ["static/*.html", "all:assets", "with space.txt", "raw", "version.txt"]
        );
    }
}
