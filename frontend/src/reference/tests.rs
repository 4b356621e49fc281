use super::*;

#[test]
fn normalizes_docker_style() {
    assert_eq!(normalize("golang:1.24-alpine"), "docker.io/library/golang:1.24-alpine");
    assert_eq!(normalize("gofront-test/golang:1.27"), "docker.io/gofront-test/golang:1.27");
    assert_eq!(normalize("gcr.io/distroless/static"), "gcr.io/distroless/static:latest");
    assert_eq!(normalize("localhost:5000/x"), "localhost:5000/x:latest");
    assert_eq!(normalize("busybox@sha256:ab"), "docker.io/library/busybox@sha256:ab");
    assert_eq!(normalize("docker.io/x"), "docker.io/library/x:latest");
    assert_eq!(normalize("index.docker.io/x"), "docker.io/library/x:latest");
    assert_eq!(normalize("index.docker.io/team/x:1"), "docker.io/team/x:1");
}

#[test]
fn checks_like_docker() {
    for good in [
        "golang:1.24-alpine",
        "docker.io/x",
        "index.docker.io/library/x:1.0",
        "localhost:5000/team/app:v1.2_3",
        "127.0.0.1:5000/a/b",
        "busybox@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
        "gcr.io/distroless/static-debian12:nonroot",
        "my.Registry.io/app",
    ] {
        assert_eq!(check(good), Ok(()), "{good}");
    }
    let err = |r: &str| check(r).expect_err(r);
    assert!(err("Golang:1.24").contains("lower case"));
    assert!(err("team/App").contains("lower case"));
    assert!(err("golang:").contains("tag"));
    assert!(err("golang:-x").contains("tag"));
    assert!(err("busybox@sha256:xyz").contains("digest"));
    assert!(err("busybox@").contains("digest"));
    assert!(err("a//b").contains("repository"));
    assert!(err("localhost:/x").contains("registry host"));
    assert!(err("").contains("no repository"));
}

#[test]
fn familiar_forms() {
    assert_eq!(familiar("docker.io/library/golang:1.24-alpine"), "golang:1.24-alpine");
    assert_eq!(familiar("alpine:latest"), "alpine");
    assert_eq!(familiar("gcr.io/distroless/static:nonroot"), "gcr.io/distroless/static:nonroot");
}

#[test]
fn pins_keep_the_tag() {
    assert_eq!(pin("golang:1.24", "sha256:ab"), "docker.io/library/golang:1.24@sha256:ab");
    assert_eq!(pin("golang:1.24", ""), "docker.io/library/golang:1.24");
}
