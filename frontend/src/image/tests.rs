use super::*;

#[test]
fn durations() {
    assert_eq!(duration_nanos("30s"), Some(30_000_000_000));
    assert_eq!(duration_nanos("1m30s"), Some(90_000_000_000));
    assert_eq!(duration_nanos("500ms"), Some(500_000_000));
    assert_eq!(duration_nanos("1.5h"), Some(5_400_000_000_000));
    assert_eq!(duration_nanos("30"), None);
    assert_eq!(duration_nanos("s"), None);
    assert_eq!(duration_nanos("10x"), None);
    assert_eq!(duration_nanos("0.071m"), Some(4_260_000_000));
    assert_eq!(duration_nanos("1h2m3.5s"), Some(3_723_500_000_000));
    assert_eq!(duration_nanos(".5s"), Some(500_000_000));
    assert_eq!(duration_nanos("1.000000001s"), Some(1_000_000_001));
    assert_eq!(duration_nanos("-5s"), None);
    assert_eq!(duration_nanos("99999999999h"), None);
    assert_eq!(duration_nanos("2562047h47m16.854775807s"), Some(i64::MAX));
    assert_eq!(duration_nanos("2562047h47m16.854775808s"), None);
    assert_eq!(duration_nanos("1..5s"), None);
    assert_eq!(duration_nanos("."), None);
    assert_eq!(duration_nanos("0000000000000000000000001s"), Some(1_000_000_000));
}

#[test]
fn timestamps() {
    assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
    assert_eq!(rfc3339(1_700_000_000), "2023-11-14T22:13:20Z");
    assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
}

#[test]
fn reads_a_base_config_and_ignores_unknown_fields() {
    let cfg = ImageConfig::from_json(
        br#"{"architecture":"amd64","os":"linux","config":{"Env":["PATH=/usr/bin","GOPATH=/go"],"WorkingDir":"/go","OnBuild":null},"rootfs":{"type":"layers","diff_ids":["sha256:aa"]},"extra":1}"#,
    )
    .expect("config");
    assert_eq!(cfg.env_pairs(), vec![("PATH".into(), "/usr/bin".into()), ("GOPATH".into(), "/go".into())]);
    assert_eq!(cfg.config.working_dir, "/go");
}
