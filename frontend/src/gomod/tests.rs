mod gomod {
    use crate::gomod::*;

    #[test]
    fn reads_module_go_toolchain_and_local_replaces() {
        let gomod = parse(
            "// leading comment\nmodule example.com/shop // trailing\n\ngo 1.22.3\ntoolchain go1.23.4\n\nrequire (\n\texample.com/greet v1.0.0\n)\nreplace example.com/lib => ../lib\nreplace (\n\texample.com/x v1.0.0 => ./third_party/x/\n\texample.com/y => example.com/z v1.2.0\n)\n",
        )
        .expect("valid go.mod");
        assert_eq!(gomod.module, "example.com/shop");
        assert_eq!(gomod.go, Some(("1.22.3".to_string(), 4)));
        assert_eq!(gomod.toolchain, Some(("1.23.4".to_string(), 5)));
        assert_eq!(gomod.module_line, 2);
        assert_eq!(gomod.requires, [Require { path: "example.com/greet".into(), version: "v1.0.0".into(), line: 8 }]);
        assert_eq!(gomod.go_minor().as_deref(), Some("1.23"));
        assert_eq!(gomod.local_replaces, vec!["../lib".to_string(), "./third_party/x".to_string()]);
    }

    #[test]
    fn quoted_module_paths_are_unquoted() {
        assert_eq!(parse("module \"example.com/q\"\n").map(|m| m.module), Ok("example.com/q".to_string()));
    }

    #[test]
    fn a_go_mod_without_module_line_is_an_error() {
        let err = parse("go 1.22\n").unwrap_err();
        assert!(err.to_string().contains("no `module` line"), "{err}");
    }

    #[test]
    fn minor_versions() {
        assert_eq!(minor_version("1.22").as_deref(), Some("1.22"));
        assert_eq!(minor_version("1.22.0").as_deref(), Some("1.22"));
        assert_eq!(minor_version("go1.21rc2").as_deref(), Some("1.21"));
        assert_eq!(minor_version("1").as_deref(), None);
        assert_eq!(minor_version("one.two").as_deref(), None);
        assert_eq!(minor_version("1.22.x").as_deref(), None);
    }
}

mod work_tests {
    use crate::gomod::*;

    #[test]
    fn reads_use_and_replace() {
        let work = parse_work("go 1.22\n\nuse (\n\t./services/api\n\t./libs/money/ // shared\n)\nuse .\nreplace example.com/x => ./forks/x\n");
        assert_eq!(work.uses, [".", "libs/money", "services/api"]);
        assert_eq!(work.local_replaces, ["./forks/x"]);
    }
}
