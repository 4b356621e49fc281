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
