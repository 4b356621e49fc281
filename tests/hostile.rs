//! End-to-end: hostile and mistaken inputs. Each one either builds correctly, where that is the
//! right answer, or fails with an error that names the file, the line and the fix, with no panic
//! and no image tagged.

use std::path::Path;

use gofront_e2e::{inspect, remove_image, run, tag, Build, Project, FRONTEND};

const CLOCK: &str = "module = \"example.com/clock\"\nmain = \"./cmd/clock\"\n";
const SHOP: &str = "module = \"example.com/shop\"\nmain = \"./cmd/shop\"\n";

/// Builds `-t <test tag> --load`; the build must fail, show every fragment (and `Gofile:LINE` when
/// given), never show a panic, and leave no image under the tag.
fn refused(project: &Project, test: &str, extra: &[&str], fragments: &[&str], line: Option<usize>) -> Build {
    let image = tag(test);
    remove_image(&image);
    let mut args = extra.to_vec();
    args.extend(["-t", &image, "--load"]);
    let build = project.build(&args).failed();
    for fragment in fragments {
        assert!(build.log.contains(fragment), "{test}: no {fragment:?} in\n{}", build.log);
    }
    if let Some(line) = line {
        // Frontend errors render `Gofile:LINE:COL`; failed steps show buildx's snippet of that line.
        let place = format!("Gofile:{line}:");
        let snippet = format!("{line:>4} | >>>");
        assert!(
            build.log.contains(&place) || build.log.contains(&snippet),
            "{test}: neither {place:?} nor {snippet:?} in\n{}",
            build.log
        );
    }
    assert!(!build.log.contains("panicked"), "{test}: the frontend panicked:\n{}", build.log);
    assert!(inspect(&image).is_none(), "{test}: a failed build tagged {image}");
    build
}

/// Builds and runs the image; returns what it printed.
fn builds(project: &Project, test: &str, extra: &[&str], run_args: &[&str]) -> String {
    let image = tag(test);
    let mut args = extra.to_vec();
    args.extend(["-t", &image, "--load"]);
    project.build(&args).ok();
    let (ok, out) = run(&image, run_args);
    assert!(ok, "{test}: the container failed: {out}");
    out
}

fn clock() -> Project {
    Project::from_fixture("stdlib")
}

fn syntax_line() -> String {
    format!("# syntax={FRONTEND}\n")
}

// --- The Gofile's bytes -------------------------------------------------------------------------

#[test]
fn a_gofile_with_crlf_and_tabs_builds() {
    let project = clock();
    project.write(
        "Gofile",
        &format!("# syntax={FRONTEND}\r\nmodule\t=\t\"example.com/clock\"\r\nmain = \"./cmd/clock\"\t\r\n"),
    );
    let out = builds(&project, "hostile-crlf", &[], &[]);
    assert!(out.contains("uid: 65532"), "{out}");
}

/// Docker 26.1's Dockerfile frontend does not see a `# syntax=` line behind a UTF-8 BOM (the build
/// never reaches gofront; the README says so). gofront itself reads such a Gofile.
#[test]
fn a_gofile_with_a_bom_builds_when_the_frontend_is_named() {
    let project = clock();
    project.write(
        "Gofile",
        &format!("\u{feff}# syntax={FRONTEND}\nmodule = \"example.com/clock\"\nmain = \"./cmd/clock\"\n"),
    );
    let syntax = format!("BUILDKIT_SYNTAX={FRONTEND}");
    let out = builds(&project, "hostile-bom", &["--build-arg", &syntax], &[]);
    assert!(out.contains("uid: 65532"), "{out}");
}

#[test]
fn a_nul_byte_is_a_toml_error_on_its_line() {
    let project = clock();
    let mut bytes = syntax_line().into_bytes();
    bytes.extend_from_slice(b"module = \"example.com/\0clock\"\nmain = \"./cmd/clock\"\n");
    project.write_bytes("Gofile", &bytes);
    refused(&project, "hostile-nul", &[], &["invalid TOML"], Some(2));
}

#[test]
fn invalid_utf8_names_its_line() {
    let project = clock();
    let mut bytes = syntax_line().into_bytes();
    bytes.extend_from_slice(b"module = \"example.com/clock\"\nmain = \"./cmd/\xff\xfeclock\"\n");
    project.write_bytes("Gofile", &bytes);
    refused(&project, "hostile-utf8", &[], &["is not UTF-8 text", "save the Gofile as UTF-8"], Some(3));
}

#[test]
fn a_ten_megabyte_gofile_is_refused_with_its_size() {
    let project = clock();
    let text = format!("{}{CLOCK}labels = {{ blob = \"{}\" }}\n", syntax_line(), "x".repeat(10 << 20));
    project.write("Gofile", &text);
    refused(&project, "hostile-huge", &[], &["the Gofile is", "bytes; gofront reads at most"], Some(1));
}

/// A go.mod far over any real one: refused with its size, never read as "no `module` line".
#[test]
fn a_twenty_megabyte_go_mod_is_refused_with_its_size() {
    let project = clock();
    let mut gomod = project.read("go.mod");
    while gomod.len() < 20 << 20 {
        gomod.push_str("// a generated comment that makes this go.mod far larger than any real one\n");
    }
    project.write("go.mod", &gomod);
    project.gofile(CLOCK);
    let size = format!("go.mod is {} bytes, over the 1048576 bytes gofront reads of it", gomod.len());
    let build = refused(&project, "hostile-huge-gomod", &[], &[&size, "leave it out with .dockerignore"], None);
    assert!(!build.log.contains("no `module` line"), "{}", build.log);
}

#[test]
fn a_gofile_with_only_the_syntax_line_asks_for_module() {
    let project = clock();
    project.write("Gofile", &syntax_line());
    refused(&project, "hostile-syntax-only", &[], &["the required key `module` is missing", "module = "], None);
}

#[test]
fn an_empty_gofile_asks_for_module() {
    let project = clock();
    project.write("Gofile", "");
    let syntax = format!("BUILDKIT_SYNTAX={FRONTEND}");
    refused(&project, "hostile-empty", &["--build-arg", &syntax], &["the required key `module` is missing"], None);
}

#[test]
fn tables_and_nested_lists_where_strings_belong() {
    let project = clock();
    project.gofile("module = { a = { b = [1, [2]] } }\nmain = \"./cmd/clock\"\n");
    refused(&project, "hostile-table", &[], &["`module` must be a string, not a table"], Some(2));
    project.gofile("module = \"example.com/clock\"\nmain = [[[\"./cmd/clock\"]]]\n");
    refused(&project, "hostile-nested", &[], &["`main`"], Some(3));
}

// --- Paths out of the context -------------------------------------------------------------------

#[test]
fn dir_main_and_files_cannot_leave_the_context() {
    let project = clock();
    let cases: [(&str, &str, usize); 3] = [
        ("dir = \"../outside\"\n", "`dir` must stay inside the build context", 4),
        ("dir = \"/abs\"\n", "`dir` must stay inside the build context", 4),
        ("files = [{ from = \"/etc/passwd\", to = \"/x\" }]\n", "`from` must stay inside the build context", 4),
    ];
    for (n, (extra, message, line)) in cases.iter().enumerate() {
        project.gofile(&format!("{CLOCK}{extra}"));
        refused(&project, &format!("hostile-escape-{n}"), &[], &[message], Some(*line));
    }
    for (n, main) in ["../../etc", "/abs/cmd"].iter().enumerate() {
        project.gofile(&format!("module = \"example.com/clock\"\nmain = \"{main}\"\n"));
        refused(
            &project,
            &format!("hostile-main-{n}"),
            &[],
            &["`main` must be a package directory inside the module"],
            Some(3),
        );
    }
}

#[test]
fn a_symlink_to_outside_the_context_copies_nothing_from_outside() {
    let project = clock();
    std::os::unix::fs::symlink("/etc/passwd", project.path().join("leak")).expect("symlink");
    project.gofile(&format!("{CLOCK}files = [{{ from = \"leak\", to = \"/app/leak\" }}]\n"));
    // The link is known before the build: refused on the `files` line, with the fix.
    refused(
        &project,
        "hostile-symlink",
        &[],
        &["leak is a symbolic link to \"/etc/passwd\", outside the build context", "copy the file into the context"],
        Some(4),
    );
}

// --- go.mod, go.work, vendor/ -------------------------------------------------------------------

#[test]
fn a_symlinked_go_mod_is_refused_with_the_fix() {
    let project = clock();
    std::fs::rename(project.path().join("go.mod"), project.path().join("module.txt")).expect("move");
    std::os::unix::fs::symlink("module.txt", project.path().join("go.mod")).expect("symlink");
    project.gofile(CLOCK);
    refused(
        &project,
        "hostile-gomod-link",
        &[],
        &["go.mod is a symbolic link to \"module.txt\"", "regular file"],
        Some(2),
    );
}

#[test]
fn a_go_mod_that_is_a_directory_is_refused() {
    let project = clock();
    std::fs::remove_file(project.path().join("go.mod")).expect("rm");
    std::fs::create_dir(project.path().join("go.mod")).expect("mkdir");
    project.gofile(CLOCK);
    refused(&project, "hostile-gomod-dir", &[], &["go.mod"], Some(2));
}

#[test]
fn a_go_mod_syntax_error_names_go_mod() {
    let project = clock();
    project.write("go.mod", "module example.com/clock\n\ngo 1.22\nrequire (\n");
    project.gofile(CLOCK);
    refused(&project, "hostile-gomod-syntax", &[], &["go.mod"], Some(2));
}

#[test]
fn retract_exclude_toolchain_and_godebug_lines_build() {
    let project = clock();
    project.write(
        "go.mod",
        "module example.com/clock\n\ngo 1.22\n\ntoolchain go1.27.3\n\ngodebug default=go1.22\n\nretract v0.1.0 // broken\n\nexclude example.com/old v1.0.0\n",
    );
    project.gofile(CLOCK);
    let out = builds(&project, "hostile-gomod-lines", &[], &[]);
    assert!(out.contains("uid: 65532"), "{out}");
}

#[test]
fn a_go_line_newer_than_the_builder_says_so() {
    let project = clock();
    project.write("go.mod", "module example.com/clock\n\ngo 1.99\n");
    project.gofile(CLOCK);
    refused(&project, "hostile-go-newer", &[], &["go.mod requires go >= 1.99"], Some(2));
}

#[test]
fn a_go_work_naming_a_missing_directory_is_refused() {
    let project = Project::from_fixture("monorepo");
    let work = project.read("go.work").replace("use (", "use (\n\t./services/missing");
    project.write("go.work", &work);
    project.gofile("module = \"example.com/api\"\nmain = \"./cmd/api\"\n");
    refused(&project, "hostile-work-missing", &[], &["go.work uses", "missing", "go work edit -dropuse"], Some(2));
}

#[test]
fn an_out_of_date_vendor_directory_is_refused() {
    let project = Project::from_fixture("vendored");
    let gomod = project.read("go.mod").replace("example.com/greet v1.0.0", "example.com/greet v1.0.1");
    project.write("go.mod", &gomod);
    project.gofile(SHOP);
    refused(&project, "hostile-vendor-stale", &[], &["inconsistent vendoring"], Some(3));
}

// --- main packages ------------------------------------------------------------------------------

#[test]
fn a_main_package_behind_a_build_tag_is_refused() {
    let project = clock();
    let main = project.read("cmd/clock/main.go");
    project.write("cmd/clock/main.go", &format!("//go:build special\n\n{main}"));
    project.gofile(CLOCK);
    refused(&project, "hostile-build-tag", &[], &["build constraints exclude all Go files"], Some(3));
}

#[test]
fn a_test_only_package_is_not_a_main_package() {
    let project = clock();
    let main = project.read("cmd/clock/main.go");
    std::fs::remove_file(project.path().join("cmd/clock/main.go")).expect("rm");
    project.write("cmd/clock/main_test.go", &main);
    project.gofile(CLOCK);
    refused(&project, "hostile-test-only", &[], &["holds no Go files"], Some(3));
}

// --- .dockerignore ------------------------------------------------------------------------------

#[test]
fn a_dockerignore_that_excludes_go_mod_is_respected() {
    let project = clock();
    project.write(".dockerignore", "\u{feff}./go.mod\r\n");
    project.gofile(CLOCK);
    refused(&project, "hostile-ignore-gomod", &[], &["no go.mod", ".dockerignore"], Some(2));
}

#[test]
fn dockerignore_bom_crlf_dot_slash_and_reincludes_read_like_buildkit() {
    let project = Project::from_fixture("assets");
    project.write(".dockerignore", "\u{feff}# assets\r\n./static/css/\r\nstatic/*.txt\r\n!static/hello.txt\r\n");
    project.write("static/other.txt", "other\n");
    project.gofile(
        "module = \"example.com/assets\"\nmain = \"./cmd/assets\"\nfiles = [{ from = \"static/\", to = \"/app/static\" }]\n",
    );
    let image = tag("hostile-ignore-forms");
    project.build(&["-t", &image, "--load"]).ok();
    let (ok, out) = run(&image, &["/app/static/hello.txt"]);
    assert!(ok && out.contains("/app/static/hello.txt:"), "re-included file missing: {out}");
    for excluded in ["/app/static/css/site.css", "/app/static/other.txt"] {
        let (ok, out) = run(&image, &[excluded]);
        assert!(!ok && out.contains("no such file"), "{excluded} was not excluded: {out}");
    }
}

// --- Platforms ----------------------------------------------------------------------------------

fn binary_magic(dir: &Path, name: &str) -> Vec<u8> {
    let bytes = std::fs::read(dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
    bytes[..4].to_vec()
}

#[test]
fn non_linux_platforms_give_binaries_not_images() {
    let project = clock();
    project.gofile(CLOCK);
    refused(
        &project,
        "hostile-windows-image",
        &["--platform", "windows/amd64"],
        &["is not Linux", "--target binary"],
        None,
    );

    let out = tempfile::tempdir().expect("tmp");
    let dest = format!("type=local,dest={}", out.path().display());
    project.build(&["--platform", "windows/amd64", "--target", "binary", "--output", &dest]).ok();
    assert_eq!(&binary_magic(out.path(), "clock.exe")[..2], b"MZ", "not a Windows executable");

    let out = tempfile::tempdir().expect("tmp");
    let dest = format!("type=local,dest={}", out.path().display());
    project.build(&["--platform", "darwin/arm64", "--target", "binary", "--output", &dest]).ok();
    assert_eq!(binary_magic(out.path(), "clock"), [0xcf, 0xfa, 0xed, 0xfe], "not a Mach-O 64 executable");
}

#[test]
fn docker_platform_spellings_are_normalized() {
    let project = clock();
    project.gofile(CLOCK);
    let out = tempfile::tempdir().expect("tmp");
    let dest = format!("type=local,dest={}", out.path().display());
    project.build(&["--platform", "linux/i386", "--target", "binary", "--output", &dest]).ok();
    let bytes = std::fs::read(out.path().join("clock")).expect("binary");
    assert_eq!(u16::from_le_bytes([bytes[18], bytes[19]]), 3, "not an i386 ELF");
}

#[test]
fn a_bogus_platform_is_refused() {
    let project = clock();
    project.gofile(CLOCK);
    remove_image(&tag("hostile-bogus"));
    let build = project.build(&["--platform", "linux/bogus", "-t", &tag("hostile-bogus"), "--load"]).failed();
    assert!(build.log.contains("linux/bogus"), "{}", build.log);
    assert!(inspect(&tag("hostile-bogus")).is_none());
}

// --- Image references and durations -------------------------------------------------------------

#[test]
fn malformed_image_references_point_at_their_line() {
    let project = clock();
    project.gofile(&format!("{CLOCK}base = \"Team/Runtime:1\"\n"));
    refused(&project, "hostile-ref-upper", &[], &["`base` is not an image reference", "lower case"], Some(4));
    project.gofile(&format!("{CLOCK}builder = \"golang@sha256:nothex\"\n"));
    refused(&project, "hostile-ref-digest", &[], &["`builder` is not an image reference", "digest"], Some(4));
}

#[test]
fn healthcheck_durations_are_exact_and_checked() {
    let project = Project::from_fixture("assets");
    project.gofile(
        "module = \"example.com/assets\"\nmain = \"./cmd/assets\"\nhealthcheck = { cmd = [\"/app/assets\", \"-health\"], interval = \"0.071m\", timeout = \"1h2m3.5s\" }\n",
    );
    let image = tag("hostile-durations");
    project.build(&["-t", &image, "--load"]).ok();
    let health = &inspect(&image).expect("image")["Config"]["Healthcheck"];
    assert_eq!(health["Interval"], 4_260_000_000_i64, "{health}");
    assert_eq!(health["Timeout"], 3_723_500_000_000_i64, "{health}");

    for (n, bad) in ["-5s", "99999999999h"].iter().enumerate() {
        project.gofile(&format!(
            "module = \"example.com/assets\"\nmain = \"./cmd/assets\"\nhealthcheck = {{ cmd = [\"x\"], interval = \"{bad}\" }}\n"
        ));
        refused(
            &project,
            &format!("hostile-duration-{n}"),
            &[],
            &["`healthcheck.interval` is not a duration"],
            Some(4),
        );
    }
}
