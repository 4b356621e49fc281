//! The shell around the Go commands of the build steps. The scripts are files in a small layer
//! mounted at [`SCRIPTS`]; each runs (or feeds) the Go command it is given as arguments
//! (`/bin/sh /gofront/bin/compile go build …`), so no argument is ever quoted into shell text,
//! and a failing step reads as the Go command it ran. They use only POSIX sh and tools every Go
//! image has, busybox or GNU: tar (create/extract only), sed, grep, awk, sort, cut, sha256sum.

use super::{DEPENDENCY_CACHE, DEPENDENCY_CACHE_SECOND, DEPENDENCY_LIST, MODULE_PROXY_CACHE, OUT, OWN_LIST, SEEDS};

/// Where the scripts are mounted in the Go steps.
pub const SCRIPTS: &str = "/gofront/bin";

/// Every script, by file name.
pub fn all() -> Vec<(&'static str, String)> {
    vec![
        ("download", download()),
        ("fetch", fetch()),
        ("list", list()),
        ("list-packages", list_packages()),
        ("precompile", precompile()),
        ("compile-group", compile_group()),
        ("compile", compile()),
        ("compile-into", compile_into()),
        ("install", install()),
        ("generate", generate()),
        ("check", check()),
    ]
}

/// The command line that runs script `name` around `args`.
pub fn command(name: &str, args: Vec<String>) -> Vec<String> {
    let mut command = vec!["/bin/sh".to_string(), format!("{SCRIPTS}/{name}")];
    command.extend(args);
    command
}

/// The persistent module cache serves as a `file://` proxy in front of the user's GOPROXY (or
/// the builder's default): whatever was downloaded once is never fetched again, and the network
/// is only asked for what is new. GOPROXY=off stays off behind it. (Harmless for -mod=vendor.)
fn module_proxy() -> String {
    format!("export GOPROXY=\"file://{MODULE_PROXY_CACHE}/cache/download,$(go env GOPROXY)\"\n")
}

/// `go mod download` into the step's own GOMODCACHE (the module layer), then [`keep_downloads`].
fn download() -> String {
    format!(
        "set -eu\n{proxy}\"$@\" || {{ echo \"{hint}\" >&2; exit 1; }}\n{keep}",
        proxy = module_proxy(),
        hint = DOWNLOAD_HINT,
        keep = keep_downloads()
    )
}

/// Printed when a module download fails: what to check, in the order it usually is.
const DOWNLOAD_HINT: &str = "gofront: the module download failed. Check the module path and version in go.mod, \
that GOPROXY (--build-arg GOPROXY=...) is reachable from the build, and for private modules \
GOPRIVATE and credentials (--secret id=netrc,src=~/.netrc or --ssh default).";

/// A published module with no source in the context (`version` in the Gofile): `go mod download
/// -json module@version` fetches and verifies it (go.sum of its own, or the checksum database),
/// then its own `go mod download` fetches what its go.mod requires, as `go install m@v` would.
fn fetch() -> String {
    format!(
        r#"set -eu
{proxy}cd /
if ! "$@" >/tmp/gofront-module.json; then
  echo "{hint}" >&2
  sed -n 's/^[[:space:]]*"Error": "\(.*\)",\{{0,1\}}$/\1/p' /tmp/gofront-module.json | sed 's/\\"/"/g' >&2
  exit 1
fi
dir=$(sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p' /tmp/gofront-module.json)
cd "$dir"
go mod download -x
{keep}"#,
        proxy = module_proxy(),
        hint = DOWNLOAD_HINT,
        keep = keep_downloads()
    )
}

/// After a download into the module layer: new downloads are added to the persistent cache, and
/// the layer drops the zips (Go builds from the extracted trees and checks their `.ziphash`) and
/// any VCS checkouts, which only the download needed.
fn keep_downloads() -> String {
    format!(
        "if [ -d \"$GOMODCACHE/cache/download\" ]; then\n\
         \x20 mkdir -p {MODULE_PROXY_CACHE}/cache/download\n\
         \x20 (cd \"$GOMODCACHE/cache/download\" && tar -cf - .) | tar -C {MODULE_PROXY_CACHE}/cache/download -xf -\n\
         \x20 find \"$GOMODCACHE/cache/download\" -type f -name '*.zip' -exec rm -f {{}} +\n\
         fi\n\
         rm -rf \"$GOMODCACHE/cache/vcs\"\n\
         echo \"gofront: module layer with $(find \"$GOMODCACHE\" -path '*/@v/*.mod' | wc -l) module versions\"\n"
    )
}

/// The Go template of the dependency list, a line per package. `dep PATH`: a package from outside
/// the main module(s), std included, but not from modules replaced by a local directory (their
/// source is in the context). `own PATH<TAB>DIR<TAB>IMPORTS<TAB>FILE<TAB>FILE…`: a package of a
/// main module other than a `main` (for the package groups, see [`super::groups`]).
pub const LIST_TEMPLATE: &str = "{{if not .Error}}{{if .Standard}}dep {{.ImportPath}}{{else if .Module}}\
{{if .Module.Main}}{{if ne .Name \"main\"}}own {{.ImportPath}}\t{{.Dir}}\t{{join .Imports \" \"}}\
{{range .GoFiles}}\t{{.}}{{end}}{{range .CgoFiles}}\t{{.}}{{end}}{{range .CFiles}}\t{{.}}{{end}}\
{{range .CXXFiles}}\t{{.}}{{end}}{{range .HFiles}}\t{{.}}{{end}}{{range .SFiles}}\t{{.}}{{end}}\
{{range .SysoFiles}}\t{{.}}{{end}}{{range .EmbedFiles}}\t{{.}}{{end}}{{end}}\
{{else if .Module.Replace}}{{if .Module.Replace.Version}}dep {{.ImportPath}}{{end}}\
{{else}}dep {{.ImportPath}}{{end}}{{end}}{{end}}";

/// `go list -deps …` (the `--check` cgo survey) sorted into one file.
fn list() -> String {
    let proxy = module_proxy();
    let index = skip_index_on_new_cache();
    format!(
        "set -eu\n{proxy}{index}\"$@\" >/tmp/gofront-deps\n\
         sed '/^$/d' /tmp/gofront-deps | sort -u >{DEPENDENCY_LIST}/packages\n"
    )
}

/// `go list -deps …` with [`LIST_TEMPLATE`], split in two outputs: the dependencies, the only
/// thing the dependency compile is keyed on, and the module's own packages, which the frontend
/// reads to group them.
fn list_packages() -> String {
    let proxy = module_proxy();
    let index = skip_index_on_new_cache();
    format!(
        "set -eu\n{proxy}{index}\"$@\" >/tmp/gofront-deps\n\
         sed -n 's/^dep //p' /tmp/gofront-deps | sort -u >{DEPENDENCY_LIST}/packages\n\
         sed -n 's/^own //p' /tmp/gofront-deps | sort -u >{OWN_LIST}/packages\n"
    )
}

/// Go indexes the standard library into the build cache the first time it loads packages with
/// it: ~0.35 s on 2 cores, more than it then saves a step that loads packages once (the list of
/// a large module: 0.60 s with the indexing, 0.24 s without it). A cache Go has never opened has
/// no README; a list over it skips the index, and the step that compiles next builds it (its
/// cache is the one later builds read). A cache that has the README keeps Go's default.
fn skip_index_on_new_cache() -> String {
    format!("[ -e \"$GOCACHE/README\" ] || {}\n", no_index())
}

/// Turns Go's package index off, beside any GODEBUG setting already made (it changes no cache
/// key or output).
fn no_index() -> &'static str {
    "export GODEBUG=\"${GODEBUG:+$GODEBUG,}goindex=0\""
}

/// A shell function, `keep IDS OUT [NAME]`: copies the build cache entries of the actions listed
/// in the file IDS (each id's hex prefix, see [`action_ids`]), an action record `<id>-a` and the
/// output it names `<out>-d`, from GOCACHE into OUT/cache: a build cache layer of exactly those
/// packages (a linked entry, see [`seed`], as the file it names). OUT/NAME (`id`, or `id-2` for
/// the second dependency layer) names that set, and the marker in the persistent cache says it
/// is already there, so [`seed`] does not copy it back.
fn keep_entries() -> String {
    r#"keep() {
  mkdir -p "$2/cache"
  # The shell finds each record by its prefix: one glob in one of the cache's 256 directories.
  (cd "$GOCACHE" && for prefix in $(cat "$1"); do
    for record in "${prefix%"${prefix#??}"}/$prefix"*-a; do
      if [ -e "$record" ]; then echo "$record"; fi
    done
  done) >/tmp/gofront-records
  (cd "$GOCACHE" && awk '{ a = $0
    if ((getline entry < a) > 0) {
      split(entry, f, " "); d = substr(f[3], 1, 2) "/" f[3] "-d"
      if ((getline probe < d) >= 0) { print d; print a }
      close(d)
    }
    close(a) }' /tmp/gofront-records) >/tmp/gofront-files
  # In slices, to stay under the argument size limit (busybox tar has no file-list option).
  total=$(wc -l </tmp/gofront-files) first=1
  while [ "$first" -le "$total" ]; do
    last=$((first + 3999))
    (cd "$GOCACHE" && tar -chf - $(sed -n "${first},${last}p" /tmp/gofront-files)) | tar -C "$2/cache" -xf -
    first=$((last + 1))
  done
  id=$(sha256sum <"$1" | cut -c1-64)
  echo "$id" >"$2/${3:-id}"
  mkdir -p "$GOCACHE/gofront-seeded" && : >"$GOCACHE/gofront-seeded/$id"
}
"#
    .to_string()
}

/// Where Go writes its action graph (`go build -debug-actiongraph`), which names every package's
/// action id. Asking Go to print every cache key it computes (GODEBUG=gocachehash=1) names them
/// too, but prints every input of every key as well: 2.5 MB for a large module, 0.15–0.2 s of
/// each compile step; the graph costs nothing measurable.
const ACTION_GRAPH: &str = "/tmp/gofront-actions.json";

/// An awk program that reads the action graph and prints `PACKAGE ID` for each package compile,
/// the id as the hex of the 15 bytes Go names it by (base64url in the graph): the start of the
/// 64-hex name of its action record, which [`keep_entries`] looks up. The graph is indented JSON,
/// a field per line, each action's ID first and its Mode and Package before its ActionID.
fn action_ids() -> &'static str {
    r#"awk -F '"' 'BEGIN { b64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_" }
  $2 == "ID" { mode = ""; pkg = "" }
  $2 == "Mode" { mode = $4 }
  $2 == "Package" { pkg = $4 }
  $2 == "ActionID" && mode == "build" {
    hex = ""
    for (i = 1; i < length($4); i += 2)
      hex = hex sprintf("%03x", (index(b64, substr($4, i, 1)) - 1) * 64 + index(b64, substr($4, i + 1, 1)) - 1)
    print pkg " " hex
  }'"#
}

/// Puts every layer of compiled packages mounted under [`SEEDS`] where Go finds it. A layer names
/// the set of cache entries it holds in an `id*` file (`id-2` in the second dependency layer).
///
/// Where the compiled dependencies came from an imported cache (a fresh CI runner: the step that
/// compiled them did not run here, so the persistent cache has no marker of them), Go works on a
/// build cache of the step's own, in /tmp, that links to every layer: hundreds of megabytes are
/// not copied for one use. Go only reads an entry it finds (its mtime update fails harmlessly
/// on the read-only layer) and writes what it compiles as new files; the layers a later step
/// needs are kept by [`keep_entries`], the rest is the step's own. Go's package index is off
/// there (see [`skip_index_on_new_cache`]), and so is its trim at the end of every `go` command
/// (a cache with no `trim.txt` is trimmed: each entry stat'ed through its link, and each one
/// unused for five days, which a layer made a week before is, unlinked): the cache is new, and
/// goes when the step ends.
///
/// There the unpacked layers' writeback starts at once, in the background: the step's end waits
/// for the disk to be synced (its writable overlays are unmounted), and what a fresh runner has
/// just unpacked (the registry's dependency layers, ~300 MB) is still unwritten then: the end
/// waited 0.45–0.6 s for it. Beside the compile, which shares the two cores with it, the step
/// took 0.12–0.14 s less (two paired runs on the registry).
///
/// Otherwise each layer not yet there is copied into the persistent cache, once (its marker).
fn seed() -> String {
    format!(
        r#"unmarked() {{
  for id in "$1"/id*; do
    if [ -s "$id" ] && ! [ -e "$GOCACHE/gofront-seeded/$(cat "$id")" ]; then return 0; fi
  done
  return 1
}}
linked=
for seed in {SEEDS}/dependencies*; do
  if unmarked "$seed"; then linked=1; fi
done
if [ -n "$linked" ]; then
  # The layers were just unpacked: their files are still unwritten page cache, which the step's
  # end would wait for (its overlays' unmount syncs the disk). Written now, beside the compile:
  # their filesystem alone (-f), or everything where sync has no -f.
  (sync -f {SEEDS}/dependencies 2>/dev/null || sync 2>/dev/null || true) &
  export GOCACHE=/tmp/gofront-build-cache
  mkdir -p "$GOCACHE"
  # An index built here would be thrown away with this cache, and so would a trim: marked as
  # trimmed now, or Go ends the step unlinking every entry unused for five days, as old layers'
  # entries are (0.6 s for 6,000).
  {no_index}
  date +%s >"$GOCACHE/trim.txt"
fi
for seed in {SEEDS}/*; do
  [ -d "$seed/cache" ] || continue
  if [ -n "$linked" ]; then
    cp -rsf "$seed/cache/." "$GOCACHE/"
  elif unmarked "$seed"; then
    (cd "$seed/cache" && tar -cf - .) | tar -C "$GOCACHE" -xf -
    mkdir -p "$GOCACHE/gofront-seeded"
    for id in "$seed"/id*; do
      if [ -s "$id" ]; then : >"$GOCACHE/gofront-seeded/$(cat "$id")"; fi
    done
  fi
done
"#,
        no_index = no_index()
    )
}

/// Compiles the listed dependencies in the persistent build cache (warm locally), with Go writing
/// its action graph (see [`ACTION_GRAPH`]), and keeps the entries of every package it compiled.
/// The list may be the frontend's reading of the sources' imports, which can name a package that
/// does not build for the target; when the compile fails, it runs again without the packages
/// `go list` finds errors in (the final compile reports any error that matters).
fn precompile() -> String {
    format!(
        r#"set -eu
{proxy}mkdir -p {DEPENDENCY_CACHE}/cache {DEPENDENCY_CACHE_SECOND}/cache
pkgs=$(cat {DEPENDENCY_LIST}/packages)
[ -n "$pkgs" ] || exit 0
if ! "$@" -debug-actiongraph={ACTION_GRAPH} $pkgs 2>/tmp/gofront-precompile-errors; then
  go=$1
  shift 2
  pkgs=$("$go" list -e -f '{{{{if not .Error}}}}{{{{if not .DepsErrors}}}}{{{{.ImportPath}}}}{{{{end}}}}{{{{end}}}}' "$@" $pkgs)
  set -- "$go" build "$@"
  echo "gofront: compiling the dependencies that build for this target: $(echo $pkgs | wc -w) packages" >&2
  if [ -z "$pkgs" ] || ! "$@" -debug-actiongraph={ACTION_GRAPH} $pkgs; then
    cat /tmp/gofront-precompile-errors >&2
    exit 1
  fi
fi
cat /tmp/gofront-precompile-errors >&2
{ids} {ACTION_GRAPH} | cut -d' ' -f2 | sort -u >/tmp/gofront-ids
{halve}{keep}keep /tmp/gofront-ids-1 {DEPENDENCY_CACHE}
keep /tmp/gofront-ids-2 {DEPENDENCY_CACHE_SECOND} id-2
echo "gofront: $(wc -l </tmp/gofront-ids) cache keys, $(wc -l <{DEPENDENCY_LIST}/packages) packages"
"#,
        proxy = module_proxy(),
        ids = action_ids(),
        halve = halve_by_size(),
        keep = keep_entries()
    )
}

/// Splits the compiled dependencies' keys (/tmp/gofront-ids) into two halves of about the same
/// bytes (/tmp/gofront-ids-1 and -2): the two layers a fresh runner pulls and unpacks side by
/// side then finish together. Every other key made halves of 55% and 45% on a module with a
/// few very large packages (distribution's registry: 64 and 53 MB compressed). Each key's size
/// is the output size in its action record; the largest go first, each to the lighter half, in
/// an order that depends on the sizes and keys alone.
fn halve_by_size() -> &'static str {
    r#"(cd "$GOCACHE" && for prefix in $(cat /tmp/gofront-ids); do
  for record in "${prefix%"${prefix#??}"}/$prefix"*-a; do
    if [ -e "$record" ]; then echo "$prefix $record"; fi
  done
done) >/tmp/gofront-id-records
# Space-padded, not zero-padded: busybox awk reads a leading zero as octal.
(cd "$GOCACHE" && awk '{ size[$1] += 0
    if ((getline entry < $2) > 0) { split(entry, f, " "); size[$1] += f[4] }
    close($2) }
  END { for (id in size) printf "%20d %s\n", size[id], id }' /tmp/gofront-id-records) \
  | sort -r | awk '{ if (first <= second) { first += $1; print $2 >"/tmp/gofront-ids-1.u" }
    else { second += $1; print $2 >"/tmp/gofront-ids-2.u" } }'
for half in 1 2; do
  touch "/tmp/gofront-ids-$half.u"
  sort -u -o "/tmp/gofront-ids-$half" "/tmp/gofront-ids-$half.u"
done
"#
}

/// One group of the module's own packages (GOFRONT_PACKAGES), over the sources of the group
/// and the groups below it, seeded with their compiled packages: compiles the group and keeps
/// the entries of its own packages alone. A failure is not the build's: the final compile, which
/// sees the whole context, reports it (or succeeds where a group's view of the sources was short),
/// so Go's errors here stay out of the log.
fn compile_group() -> String {
    format!(
        r#"set -eu
{proxy}{seed}if ! "$@" -debug-actiongraph={ACTION_GRAPH} $GOFRONT_PACKAGES 2>/tmp/gofront-group-errors; then
  echo "gofront: this group did not compile on its own; the build's compile will" >&2
  exit 0
fi
printf '%s\n' $GOFRONT_PACKAGES >/tmp/gofront-own
{ids} {ACTION_GRAPH} \
  | awk 'NR == FNR {{ own[$0] = 1; next }} ($1 in own) {{ print $2 }}' /tmp/gofront-own - | sort -u >/tmp/gofront-ids
{keep}keep /tmp/gofront-ids {DEPENDENCY_CACHE}
echo "gofront: $(wc -l </tmp/gofront-ids) cache keys, $(wc -l </tmp/gofront-own) packages"
"#,
        proxy = module_proxy(),
        seed = seed(),
        ids = action_ids(),
        keep = keep_entries()
    )
}

/// Before the real compile: the compiled dependencies and package groups where Go finds them
/// (see [`seed`]), then the command.
fn compile() -> String {
    format!("set -eu\n{proxy}{seed}exec \"$@\"\n", proxy = module_proxy(), seed = seed())
}

/// [`compile`] straight into an image's app directory (GOFRONT_APP, on the runtime root), then
/// its new files (GOFRONT_BINARIES, a line each) and the directory get mode 755 and the time
/// GOFRONT_EPOCH: that step's output is the image's layer, so it must hold what a copy would.
fn compile_into() -> String {
    format!(
        r#"set -eu
{proxy}{seed}mkdir -p "$GOFRONT_APP"
"$@"
printf '%s\n' "$GOFRONT_BINARIES" | while IFS= read -r binary; do
  chmod 755 "$GOFRONT_APP/$binary"
  touch -d "@$GOFRONT_EPOCH" "$GOFRONT_APP/$binary"
done
chmod 755 "$GOFRONT_APP"
touch -d "@$GOFRONT_EPOCH" "$GOFRONT_APP"
"#,
        proxy = module_proxy(),
        seed = seed()
    )
}

/// `go install module/pkg@version` for a `version` build: Go puts the binaries in GOPATH's bin
/// (a cross-compiled one under bin/GOOS_GOARCH, since GOBIN cannot be set then), from where they
/// move to the step's output.
fn install() -> String {
    format!(
        "set -eu\n{}export GOPATH=/tmp/gofront-gopath\nunset GOBIN\n\"$@\"\nfind \"$GOPATH/bin\" -type f -exec mv {{}} {OUT}/ \\;\n",
        module_proxy()
    )
}

/// Code generation: each argument is a command, run by the shell in order (as `go generate` runs
/// its directives, in the package's directory), with the module proxy in front.
fn generate() -> String {
    format!(
        "set -eu\n{}for command in \"$@\"; do\n  echo \"gofront: $command\"\n  sh -c \"$command\"\ndone\n",
        module_proxy()
    )
}

/// `go test`/`go vet`: the module proxy in front, then the command.
fn check() -> String {
    format!("set -eu\n{}exec \"$@\"\n", module_proxy())
}

/// Where `--target test-report` mounts its own tools (apart from [`SCRIPTS`], whose layer every
/// other build shares).
pub const REPORT_TOOLS: &str = "/gofront/report";

/// The report script and gofront's JUnit converter, a Go program with the standard library only.
pub fn report_tools() -> Vec<(&'static str, String)> {
    vec![("report", report()), ("junit.go", include_str!("junit.go").to_string())]
}

/// The command line of the report step, before the `go test` it runs.
pub fn report_command() -> Vec<String> {
    vec!["/bin/sh".to_string(), format!("{REPORT_TOOLS}/report")]
}

/// `go test -json` into test.json, its exit code into `status`, then junit.xml and coverage.html
/// from them. The step fails only when the reports cannot be written: a failing test is in them.
fn report() -> String {
    format!(
        r#"set -eu
{proxy}status=0
"$@" >{OUT}/test.json || status=$?
echo "$status" >{OUT}/status
# The converter is a file of its own: run outside the module, which does not hold it.
(cd /tmp && GOFLAGS= go run {REPORT_TOOLS}/junit.go) <{OUT}/test.json >{OUT}/junit.xml
if [ -s {OUT}/coverage.out ]; then
  go tool cover -html={OUT}/coverage.out -o {OUT}/coverage.html || echo "gofront: coverage.html could not be written" >&2
fi
echo "gofront: go test exited with status $status; reports: junit.xml coverage.out coverage.html test.json status"
"#,
        proxy = module_proxy()
    )
}
