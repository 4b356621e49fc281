use super::*;

const OUTPUT: &str = "/out/shop: go1.27.3\n\tpath\texample.com/shop/cmd/shop\n\tmod\texample.com/shop\t(devel)\t\n\
    \tdep\texample.com/greet\tv1.0.0\th1:WcAO8eyygMmACCOXOEdM/zW61pPMf8mAmAvxfubE1vA=\n\
    \tdep\texample.com/lib\tv0.0.0\t\n\t=>\t../lib\t\t\n\
    \tbuild\t-buildmode=exe\n\tbuild\t-ldflags=\"-s -w\"\n\tbuild\tCGO_ENABLED=0\n\tbuild\tGOARCH=arm64\n";

#[test]
fn go_version_m_output_is_read_module_by_module() {
    let infos = parse(OUTPUT);
    assert_eq!(infos.len(), 1);
    let shop = &infos[0];
    assert_eq!(
        (shop.file.as_str(), shop.go.as_str(), shop.path.as_str()),
        ("shop", "go1.27.3", "example.com/shop/cmd/shop")
    );
    assert_eq!(shop.deps[0].sum.as_deref(), Some("h1:WcAO8eyygMmACCOXOEdM/zW61pPMf8mAmAvxfubE1vA="));
    assert_eq!(shop.deps[1].replaced_by, Some(("../lib".to_string(), String::new())));
    assert!(shop.settings.contains(&("GOARCH".to_string(), "arm64".to_string())));
}

#[test]
fn the_spdx_document_lists_each_module_with_version_purl_and_hash() {
    let doc = spdx(&parse(OUTPUT), "shop", "2023-11-14T22:13:20Z");
    let packages = doc["packages"].as_array().expect("packages");
    let greet = packages.iter().find(|p| p["name"] == "example.com/greet").expect("greet");
    assert_eq!(greet["versionInfo"], "v1.0.0");
    assert_eq!(greet["externalRefs"][0]["referenceLocator"], "pkg:golang/example.com/greet@v1.0.0");
    assert_eq!(greet["checksums"][0]["algorithm"], "SHA256");
    assert_eq!(greet["checksums"][0]["checksumValue"].as_str().map(str::len), Some(64));
    assert!(packages.iter().any(|p| p["name"] == "stdlib" && p["versionInfo"] == "1.27.3"));
    assert_eq!(doc["creationInfo"]["created"], "2023-11-14T22:13:20Z");
    assert_eq!(doc, spdx(&parse(OUTPUT), "shop", "2023-11-14T22:13:20Z"), "not deterministic");
}
