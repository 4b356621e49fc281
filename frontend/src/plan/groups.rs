//! The module's own packages, cut into groups that CI caches can carry.
//!
//! BuildKit finds an imported cache entry only by its key, and the compile step's key holds the
//! whole context: after any edit a fresh runner has none of the module's compiled packages. A
//! group is a step of its own whose key holds only the sources of its packages and of the groups
//! below it, so an edit re-runs the group it touches and those above, and the rest come from the
//! imported cache.
//!
//! Groups are cut from the import graph by height (the longest chain of the module's own imports
//! below a package): a package imports only lower ones, so the groups form a chain, each
//! compiled over the ones below. An edit re-runs its group and every group above it (their keys
//! hold everything below), and most edits land near the top (handlers, commands), so the groups
//! grow from the top: the top cut holds about an eighth of the module's files, the next group as
//! much, then a quarter, and the rest. The top cut gets no step: the build's own compile, which
//! runs after every edit anyway, compiles it. A group step costs a container start and Go's
//! package loading (~0.7 s on 2 cores) each time it runs, on top of compiling packages the
//! compile step would compile as well, and it saves work only after an edit above it: so the
//! top cut is as large as a fresh runner can afford to compile on every build, an eighth at most
//! (but one package at least); each group below holds at least its share.

use std::collections::{BTreeMap, BTreeSet};

/// A module smaller than this many files compiles in the build step alone: a group costs a
/// container start and Go's package loading, more than it saves.
pub const MIN_MODULE_FILES: usize = 12;
/// The most the copies of the groups' sources may add to the build graph, in bytes of paths
/// (each copy names its file twice): BuildKit takes a graph of 4 MiB at most in one request.
const MAX_PATH_BYTES: usize = 1 << 20;
/// A group holds at least this many files: the lowest, which takes what is left, joins the
/// group above it when it holds fewer.
const MIN_GROUP_FILES: usize = 4;
/// The shares of the module's files the groups take, from the top; the last takes the rest.
const SHARES: [usize; 3] = [8, 8, 4];

/// One of the module's own packages as the dependency list printed it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwnPackage {
    pub import_path: String,
    /// Its directory, relative to the build context.
    pub dir: String,
    /// What it imports of the module's own packages.
    pub imports: Vec<String>,
    /// Its source files (Go, cgo, assembly, embedded…), relative to `dir`.
    pub files: Vec<String>,
}

/// A group: its packages and their source files, relative to the context. Its compile sees
/// these and the files of the groups below.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackageGroup {
    pub packages: Vec<String>,
    pub files: Vec<String>,
}

/// Reads the `own` lines of the dependency list (`PATH<TAB>DIR<TAB>IMPORTS<TAB>FILE…`, DIR an
/// absolute path under `src`). None when a line is not what the list prints, or a package lies
/// outside `src`: the build then compiles the module in one step, as without groups.
pub fn parse(text: &str, src: &str) -> Option<Vec<OwnPackage>> {
    let mut packages = Vec::new();
    for line in text.lines().filter(|l| !l.is_empty()) {
        let mut fields = line.split('\t');
        let import_path = fields.next()?.to_string();
        let dir = fields.next()?;
        let imports = fields.next()?.split(' ').filter(|i| !i.is_empty()).map(str::to_string).collect();
        let files: Vec<String> = fields.map(str::to_string).collect();
        let dir = if dir == src { String::new() } else { dir.strip_prefix(src)?.strip_prefix('/')?.to_string() };
        let safe = |path: &str| !path.is_empty() && !path.starts_with('/') && !path.split('/').any(|p| p == "..");
        if import_path.is_empty() || (!dir.is_empty() && !safe(&dir)) || !files.iter().all(|f| safe(f)) {
            return None;
        }
        packages.push(OwnPackage { import_path, dir, imports, files });
    }
    Some(packages)
}

/// The groups, lowest first; none for a module under [`MIN_MODULE_FILES`] files, one whose file
/// copies would not fit in a build graph, or an import graph with a cycle (which Go refuses).
pub fn group(packages: &[OwnPackage]) -> Vec<PackageGroup> {
    let by_path: BTreeMap<&str, &OwnPackage> = packages.iter().map(|p| (p.import_path.as_str(), p)).collect();
    let total: usize = packages.iter().map(|p| p.files.len()).sum();
    let path_bytes: usize = packages.iter().flat_map(|p| p.files.iter().map(|f| 2 * (p.dir.len() + f.len() + 2))).sum();
    if total < MIN_MODULE_FILES || by_path.len() < 2 || path_bytes > MAX_PATH_BYTES {
        return Vec::new();
    }
    let Some(heights) = heights(&by_path) else {
        return Vec::new();
    };
    // From the top: highest first, then by import path, so the cut is the same on every build.
    let mut order: Vec<&OwnPackage> = by_path.values().copied().collect();
    order.sort_by(|a, b| {
        heights[b.import_path.as_str()].cmp(&heights[a.import_path.as_str()]).then(a.import_path.cmp(&b.import_path))
    });
    let mut cuts: Vec<Vec<&OwnPackage>> = vec![Vec::new()];
    let mut size = 0;
    for package in order {
        let share = SHARES.get(cuts.len() - 1).map(|s| (total / s).max(MIN_GROUP_FILES));
        // The top cut is compiled on every build whose context changed, so it stays within its
        // share (one package at least); a group runs only when its sources or those below change,
        // and takes its share at least.
        let full = match share {
            Some(share) if cuts.len() == 1 => size > 0 && size + package.files.len() > share,
            Some(share) => size >= share,
            None => false,
        };
        if full {
            cuts.push(Vec::new());
            size = 0;
        }
        size += package.files.len();
        if let Some(cut) = cuts.last_mut() {
            cut.push(package);
        }
    }
    // A last (lowest) cut too small to pay for its step joins the one above it.
    if cuts.len() > 1 && size < MIN_GROUP_FILES {
        if let Some(last) = cuts.pop() {
            if let Some(above) = cuts.last_mut() {
                above.extend(last);
            }
        }
    }
    // The top cut is the build's: a step of its own would run after every edit below it too.
    if !cuts.is_empty() {
        cuts.remove(0);
    }
    cuts.reverse();
    cuts.into_iter()
        .map(|cut| {
            let files: BTreeSet<String> = cut.iter().flat_map(|p| p.files.iter().map(|f| join(&p.dir, f))).collect();
            let mut packages: Vec<String> = cut.iter().map(|p| p.import_path.clone()).collect();
            packages.sort();
            PackageGroup { packages, files: files.into_iter().collect() }
        })
        .collect()
}

fn join(dir: &str, file: &str) -> String {
    if dir.is_empty() {
        file.to_string()
    } else {
        format!("{dir}/{file}")
    }
}

/// Each package's height among the module's own packages: 0 when it imports none of them.
/// None when the imports form a cycle.
fn heights<'a>(by_path: &BTreeMap<&'a str, &'a OwnPackage>) -> Option<BTreeMap<&'a str, usize>> {
    let mut heights: BTreeMap<&str, usize> = BTreeMap::new();
    for &start in by_path.keys() {
        // Depth-first without recursion: (package, next import to look at).
        let mut stack: Vec<(&str, usize)> = vec![(start, 0)];
        let mut on_stack: BTreeSet<&str> = BTreeSet::from([start]);
        while let Some(&mut (path, ref mut next)) = stack.last_mut() {
            if heights.contains_key(path) {
                stack.pop();
                on_stack.remove(path);
                continue;
            }
            let imports = &by_path[path].imports;
            let pending = imports[*next..]
                .iter()
                .position(|i| by_path.contains_key(i.as_str()) && !heights.contains_key(i.as_str()));
            match pending {
                Some(offset) => {
                    let import = by_path.get_key_value(imports[*next + offset].as_str()).map(|(k, _)| *k)?;
                    *next += offset + 1;
                    if !on_stack.insert(import) {
                        return None;
                    }
                    stack.push((import, 0));
                }
                None => {
                    let height =
                        imports.iter().filter_map(|i| heights.get(i.as_str())).map(|h| h + 1).max().unwrap_or(0);
                    heights.insert(path, height);
                    stack.pop();
                    on_stack.remove(path);
                }
            }
        }
    }
    Some(heights)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn package(path: &str, imports: &[&str], files: usize) -> OwnPackage {
        OwnPackage {
            import_path: format!("m/{path}"),
            dir: path.to_string(),
            imports: imports.iter().map(|i| format!("m/{i}")).collect(),
            files: (0..files).map(|k| format!("f{k}.go")).collect(),
        }
    }

    #[test]
    fn reads_the_list_lines() {
        let text = "m/a\t/src/a\tfmt m/b\ta.go\tembed/x.txt\nm\t/src\t\troot.go\n";
        let packages = parse(text, "/src").expect("parsed");
        assert_eq!(packages[0].dir, "a");
        assert_eq!(packages[0].imports, ["fmt", "m/b"]);
        assert_eq!(packages[0].files, ["a.go", "embed/x.txt"]);
        assert_eq!(packages[1].dir, "");
        assert_eq!(packages[1].files, ["root.go"]);
    }

    #[test]
    fn refuses_what_the_list_does_not_print() {
        assert_eq!(parse("m/a\t/elsewhere/a\t\ta.go", "/src"), None);
        assert_eq!(parse("m/a\t/src/a\t\t../../etc/passwd", "/src"), None);
        assert_eq!(parse("m/a", "/src"), None);
        assert_eq!(parse("", "/src"), Some(Vec::new()));
    }

    #[test]
    fn a_small_module_has_no_groups() {
        assert!(group(&[package("a", &["b"], 3), package("b", &[], 3)]).is_empty());
        assert!(group(&[package("a", &[], 40)]).is_empty());
    }

    #[test]
    fn groups_form_a_chain_with_the_smallest_on_top() {
        // A chain of 8 packages of 10 files: cmd on top, util at the bottom.
        let names = ["cmd", "api", "server", "store", "model", "codec", "log", "util"];
        let packages: Vec<OwnPackage> = names
            .iter()
            .enumerate()
            .map(|(k, n)| package(n, &names.get(k + 1).map_or(vec![], |m| vec![*m]), 10))
            .collect();
        let groups = group(&packages);
        assert!(groups.len() >= 3, "{groups:?}");
        // The top package is left to the build's compile; the next holds its own package alone.
        let top = groups.last().expect("a group");
        assert_eq!(top.packages, ["m/api"]);
        assert_eq!(top.files.len(), 10);
        // Every other file is in one group.
        let mut files: Vec<&String> = groups.iter().flat_map(|g| &g.files).collect();
        files.sort();
        files.dedup();
        assert_eq!(files.len(), 70);
        assert!(!files.iter().any(|f| f.starts_with("cmd/")), "{files:?}");
        // A package lands below everything that imports it.
        let at = |p: &str| groups.iter().position(|g| g.packages.iter().any(|q| q == p)).expect("grouped");
        for pair in names[1..].windows(2) {
            assert!(at(&format!("m/{}", pair[0])) >= at(&format!("m/{}", pair[1])));
        }
        let all: usize = groups.iter().map(|g| g.packages.len()).sum();
        assert_eq!(all, names.len() - 1);
    }

    #[test]
    fn three_packages_of_four_files_make_two_groups_under_the_build() {
        // tests/fixtures/shop-layered: catalog imports money and text, money imports text.
        let packages =
            [package("catalog", &["money", "text"], 4), package("money", &["text"], 4), package("text", &[], 4)];
        let groups = group(&packages);
        let names: Vec<&str> = groups.iter().map(|g| g.packages[0].as_str()).collect();
        assert_eq!(names, ["m/text", "m/money"]);
        assert_eq!(groups.iter().map(|g| g.files.len()).collect::<Vec<_>>(), [4, 4]);
    }

    #[test]
    fn the_top_cut_takes_an_eighth() {
        // 144 files, a share of 18: the top package's 3 files and the next one's 12 fit in it.
        let mut packages = vec![package("registry", &["handlers"], 3), package("handlers", &["storage"], 12)];
        packages.extend((0..43).map(|k| package(&format!("storage{k}"), &[], 3)));
        packages[1].imports.extend((0..43).map(|k| format!("m/storage{k}")));
        let grouped =
            |packages: &[OwnPackage]| -> Vec<String> { group(packages).into_iter().flat_map(|g| g.packages).collect() };
        let in_a_group = grouped(&packages);
        assert!(!in_a_group.iter().any(|p| p == "m/registry" || p == "m/handlers"), "{in_a_group:?}");
        // A next package that would take the top cut past its share starts the top group.
        packages[1].files = (0..20).map(|k| format!("f{k}.go")).collect();
        let groups = group(&packages);
        assert!(!groups.iter().flat_map(|g| &g.packages).any(|p| p == "m/registry"), "{groups:?}");
        assert_eq!(groups.last().map(|g| g.packages.clone()), Some(vec!["m/handlers".to_string()]));
        // Alone, a top package larger than the share is still the top cut.
        packages[0].files = (0..30).map(|k| format!("f{k}.go")).collect();
        let groups = group(&packages);
        assert!(!groups.iter().flat_map(|g| &g.packages).any(|p| p == "m/registry"), "{groups:?}");
        assert!(groups.last().is_some_and(|g| g.packages.iter().any(|p| p == "m/handlers")), "{groups:?}");
    }

    #[test]
    fn a_module_too_large_for_one_build_graph_has_no_groups() {
        let long = "d".repeat(200);
        let packages: Vec<OwnPackage> =
            (0..40).map(|k| OwnPackage { dir: format!("{long}/{k}"), ..package(&format!("p{k}"), &[], 100) }).collect();
        assert!(group(&packages).is_empty());
        assert!(!group(&packages[..4]).is_empty());
    }

    #[test]
    fn an_import_cycle_means_no_groups() {
        let packages = [package("a", &["b"], 10), package("b", &["a"], 10)];
        assert!(group(&packages).is_empty());
    }

    #[test]
    fn the_same_list_gives_the_same_groups() {
        let packages: Vec<OwnPackage> = (0..30).map(|k| package(&format!("p{k}"), &[], 2)).collect();
        let mut reversed = packages.clone();
        reversed.reverse();
        assert_eq!(group(&packages), group(&reversed));
    }
}
