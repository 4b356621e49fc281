use super::*;

fn env(p: &str) -> Vec<(String, String)> {
    Platform::parse(p).expect("platform").go_env().expect("go env")
}

#[test]
fn parses_and_normalizes() {
    assert_eq!(Platform::parse("linux/arm/v7").map(|p| p.to_string()).as_deref(), Some("linux/arm/v7"));
    assert_eq!(Platform::parse("linux/aarch64").map(|p| p.to_string()).as_deref(), Some("linux/arm64"));
    assert_eq!(Platform::parse("Linux/x86_64").map(|p| p.to_string()).as_deref(), Some("linux/amd64"));
    assert!(Platform::parse("linux").is_none());
    let parsed = |p: &str| Platform::parse(p).map(|p| p.to_string());
    assert_eq!(parsed("linux/x86_64/v1").as_deref(), Some("linux/amd64"));
    assert_eq!(parsed("linux/i386").as_deref(), Some("linux/386"));
    assert_eq!(parsed("linux/arm/6").as_deref(), Some("linux/arm/v6"));
    assert_eq!(parsed("linux/arm64/v8").as_deref(), Some("linux/arm64"));
    assert_eq!(parsed("macos/arm64").as_deref(), Some("darwin/arm64"));
    assert_eq!(parsed("windows/amd64").as_deref(), Some("windows/amd64"));
    assert!(Platform::parse("linux/arm/v7/x").is_none());
}

#[test]
fn go_environment_follows_the_variant() {
    let s = |k: &str, v: &str| (k.to_string(), v.to_string());
    assert_eq!(env("linux/arm/v6"), vec![s("GOOS", "linux"), s("GOARCH", "arm"), s("GOARM", "6")]);
    assert_eq!(env("linux/amd64/v3"), vec![s("GOOS", "linux"), s("GOARCH", "amd64"), s("GOAMD64", "v3")]);
    assert_eq!(env("linux/arm64"), vec![s("GOOS", "linux"), s("GOARCH", "arm64")]);
    assert!(Platform::parse("linux/arm/v9").expect("platform").go_env().is_err());
}
