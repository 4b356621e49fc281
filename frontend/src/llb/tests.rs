use super::*;

#[test]
fn ops_are_encoded_with_the_oneof_last_as_go_does() {
    let op = pb::Op {
        op: Some(pb::op::Op::Source(pb::SourceOp { identifier: "docker-image://x".into(), attrs: BTreeMap::new() })),
        platform: Some(pb::Platform { architecture: "amd64".into(), os: "linux".into(), ..Default::default() }),
        ..Default::default()
    };
    let mut expected = vec![0x52, 0x0e, 0x0a, 0x05];
    expected.extend_from_slice(b"amd64");
    expected.extend_from_slice(&[0x12, 0x05]);
    expected.extend_from_slice(b"linux");
    expected.extend_from_slice(&[0x1a, 0x12, 0x0a, 0x10]);
    expected.extend_from_slice(b"docker-image://x");
    assert_eq!(encode_op(&op), expected);
    // Still the same message to a decoder.
    assert_eq!(pb::Op::decode(expected.as_slice()).ok(), Some(op));
}

#[test]
fn a_layer_mounted_by_op_turns_content_keys_off_and_needs_the_cap() {
    let mut graph = Graph::new();
    let (image, caps) = image_source("docker.io/library/golang:1", None);
    let root = graph.source(image, None, "root", &caps);
    let (other, caps) = image_source("docker.io/library/busybox:1", None);
    let layer = graph.source(other, None, "layer", &caps);
    let exec = Exec {
        args: vec!["true".into()],
        mounts: vec![
            Mount::writable("/", Some(&root)),
            Mount::read_only("/by-content", &layer),
            Mount::read_only_by_op("/by-op", &layer),
            Mount::scratch_copy("/scratch-by-content", &layer),
            Mount::scratch_copy_by_op("/scratch-by-op", &layer),
        ],
        ..Default::default()
    };
    let digest = graph.exec(exec, "run").digest;
    let definition = graph.definition(&Output { digest: digest.clone(), index: 0 }, None);
    let run =
        definition.def.iter().filter_map(|bytes| pb::Op::decode(bytes.as_slice()).ok()).find_map(|op| match op.op {
            Some(pb::op::Op::Exec(exec)) => Some(exec),
            _ => None,
        });
    let Some(run) = run else { panic!("no exec op in the definition") };
    let keying = |dest: &str| run.mounts.iter().find(|m| m.dest == dest).map(|m| m.content_cache());
    assert_eq!(keying("/by-content"), Some(pb::MountContentCache::Default));
    assert_eq!(keying("/by-op"), Some(pb::MountContentCache::Off));
    assert_eq!(keying("/scratch-by-content"), Some(pb::MountContentCache::Default));
    assert_eq!(keying("/scratch-by-op"), Some(pb::MountContentCache::Off));
    assert!(graph_caps(&definition, &digest).contains("exec.mount.cache.content"));
}

fn graph_caps(definition: &pb::Definition, digest: &str) -> BTreeSet<String> {
    definition.metadata.get(digest).map(|m| m.caps.keys().cloned().collect()).unwrap_or_default()
}
