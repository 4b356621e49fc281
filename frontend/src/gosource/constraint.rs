//! Which files of a package `go build` compiles for a target: Go's file-name suffixes
//! (`_linux.go`, `_arm64.go`) and build constraints (`//go:build`, `// +build`), as go/build
//! documents them. Close enough for choosing what to precompile: a mistake costs compile time,
//! never a wrong binary (the final `go build` decides for itself).

use super::Header;

/// Every GOOS that Go's file names and tags may name.
const KNOWN_OS: &[&str] = &[
    "aix",
    "android",
    "darwin",
    "dragonfly",
    "freebsd",
    "hurd",
    "illumos",
    "ios",
    "js",
    "linux",
    "nacl",
    "netbsd",
    "openbsd",
    "plan9",
    "solaris",
    "wasip1",
    "windows",
    "zos",
];

/// The systems of [`KNOWN_OS`] that the `unix` tag does not stand for.
const NOT_UNIX_OS: &[&str] = &["js", "nacl", "plan9", "wasip1", "windows", "zos"];

/// Every GOARCH that Go's file names and tags may name.
const KNOWN_ARCH: &[&str] = &[
    "386",
    "amd64",
    "amd64p32",
    "arm",
    "armbe",
    "arm64",
    "arm64be",
    "loong64",
    "mips",
    "mipsle",
    "mips64",
    "mips64le",
    "mips64p32",
    "mips64p32le",
    "ppc",
    "ppc64",
    "ppc64le",
    "riscv",
    "riscv64",
    "s390",
    "s390x",
    "sparc",
    "sparc64",
    "wasm",
];

/// The target of a build, as the constraints see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub goos: String,
    pub goarch: String,
    pub cgo: bool,
    /// `-tags`.
    pub tags: Vec<String>,
    /// The toolchain's minor version (`go1.N` tags up to it hold); None: every one holds.
    pub go_minor: Option<u32>,
}

impl Target {
    /// Whether `go build` compiles a file named `name` with this header.
    pub fn includes(&self, name: &str, header: &Header) -> bool {
        self.lists(name) && self.compiles(header)
    }

    /// Whether a Go file named `name` may be compiled for the target, by its name alone: what
    /// is worth reading.
    pub fn lists(&self, name: &str) -> bool {
        name.ends_with(".go")
            && !name.ends_with("_test.go")
            && !name.starts_with(['_', '.'])
            && self.matches_file_name(name)
    }

    /// Whether a listed Go file with this header is compiled for the target: its constraints,
    /// and cgo files only with cgo.
    pub fn compiles(&self, header: &Header) -> bool {
        self.matches_header(header) && (self.cgo || !header.uses_cgo())
    }

    /// A source file of a package other than Go that `go build` may use (assembly, headers,
    /// objects; C and its kin with cgo), by its name.
    pub fn other_source(&self, name: &str) -> bool {
        const ALWAYS: &[&str] = &[".s", ".S", ".sx", ".h", ".syso"];
        const WITH_CGO: &[&str] =
            &[".c", ".cc", ".cpp", ".cxx", ".hh", ".hpp", ".hxx", ".m", ".f", ".F", ".for", ".f90"];
        let Some(dot) = name.rfind('.') else {
            return false;
        };
        let extension = &name[dot..];
        let kind = ALWAYS.contains(&extension) || (self.cgo && WITH_CGO.contains(&extension));
        kind && !name.starts_with(['_', '.']) && self.matches_file_name(&name[..dot])
    }

    fn matches_header(&self, header: &Header) -> bool {
        match &header.go_build {
            Some(expr) => self.matches_expr(expr),
            None => header.plus_build.iter().all(|line| self.matches_plus_build(line)),
        }
    }

    /// One tag, as Go sets them: the target's system (and the systems it counts as), its
    /// architecture, `unix`, `gc`, `cgo`, `-tags`, and the release tags.
    pub fn matches_tag(&self, tag: &str) -> bool {
        let os = self.goos.as_str();
        tag == os
            || tag == self.goarch
            || (tag == "linux" && os == "android")
            || (tag == "darwin" && os == "ios")
            || (tag == "solaris" && os == "illumos")
            || (tag == "unix" && KNOWN_OS.contains(&os) && !NOT_UNIX_OS.contains(&os))
            || tag == "gc"
            || (tag == "cgo" && self.cgo)
            || self.tags.iter().any(|t| t == tag)
            || tag
                .strip_prefix("go1.")
                .and_then(|m| m.parse::<u32>().ok())
                .is_some_and(|m| self.go_minor.is_none_or(|n| m <= n))
    }

    /// `name_GOOS.go`, `name_GOARCH.go`, `name_GOOS_GOARCH.go` (and their `_test` forms); a name
    /// without such a suffix always matches.
    pub fn matches_file_name(&self, name: &str) -> bool {
        let stem = name.strip_suffix(".go").unwrap_or(name);
        let stem = stem.strip_suffix("_test").unwrap_or(stem);
        let Some(start) = stem.find('_') else {
            return true;
        };
        let parts: Vec<&str> = stem[start..].split('_').collect();
        let n = parts.len();
        if n >= 2 && KNOWN_OS.contains(&parts[n - 2]) && KNOWN_ARCH.contains(&parts[n - 1]) {
            return self.matches_tag(parts[n - 2]) && self.matches_tag(parts[n - 1]);
        }
        let last = parts[n - 1];
        if KNOWN_OS.contains(&last) || KNOWN_ARCH.contains(&last) {
            return self.matches_tag(last);
        }
        true
    }

    /// A `//go:build` expression; one gofront cannot parse counts as a match (the file is
    /// read, and the final build decides).
    pub fn matches_expr(&self, expr: &str) -> bool {
        let tokens = tokens(expr);
        let mut parser = Parser { tokens: &tokens, at: 0, target: self };
        match parser.or() {
            Some(value) if parser.at == tokens.len() => value,
            _ => true,
        }
    }

    /// One `// +build` line: space-separated options, any of which may hold; each a
    /// comma-separated list of terms that must all hold.
    pub fn matches_plus_build(&self, line: &str) -> bool {
        line.split_whitespace().any(|option| {
            option.split(',').all(|term| match term.strip_prefix('!') {
                Some(tag) => !self.matches_tag(tag),
                None => self.matches_tag(term),
            })
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Or,
    And,
    Not,
    Open,
    Close,
    Tag(String),
    Bad,
}

fn tokens(expr: &str) -> Vec<Token> {
    let mut tokens = Vec::new();
    let mut rest = expr.trim();
    while !rest.is_empty() {
        let (token, len) = if rest.starts_with("||") {
            (Token::Or, 2)
        } else if rest.starts_with("&&") {
            (Token::And, 2)
        } else if rest.starts_with('!') {
            (Token::Not, 1)
        } else if rest.starts_with('(') {
            (Token::Open, 1)
        } else if rest.starts_with(')') {
            (Token::Close, 1)
        } else {
            let len = rest.find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '.')).unwrap_or(rest.len());
            match len {
                0 => (Token::Bad, rest.chars().next().map_or(1, char::len_utf8)),
                _ => (Token::Tag(rest[..len].to_string()), len),
            }
        };
        tokens.push(token);
        rest = rest[len..].trim_start();
    }
    tokens
}

/// `or := and ('||' and)*`, `and := not ('&&' not)*`, `not := '!' not | '(' or ')' | tag`.
struct Parser<'a> {
    tokens: &'a [Token],
    at: usize,
    target: &'a Target,
}

impl Parser<'_> {
    fn next(&mut self) -> Option<&Token> {
        let token = self.tokens.get(self.at);
        self.at += 1;
        token
    }

    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at)
    }

    fn or(&mut self) -> Option<bool> {
        let mut value = self.and()?;
        while self.peek() == Some(&Token::Or) {
            self.at += 1;
            value |= self.and()?;
        }
        Some(value)
    }

    fn and(&mut self) -> Option<bool> {
        let mut value = self.not()?;
        while self.peek() == Some(&Token::And) {
            self.at += 1;
            value &= self.not()?;
        }
        Some(value)
    }

    fn not(&mut self) -> Option<bool> {
        match self.next()?.clone() {
            Token::Not => self.not().map(|v| !v),
            Token::Open => {
                let value = self.or()?;
                (self.next() == Some(&Token::Close)).then_some(value)
            }
            Token::Tag(tag) => Some(self.target.matches_tag(&tag)),
            _ => None,
        }
    }
}
