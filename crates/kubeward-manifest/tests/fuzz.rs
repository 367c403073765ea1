//! Arbitrary input never panics the loader, and every error names the file.

use std::sync::Arc;

use kubeward_manifest::{Limits, parse_documents, pod_template};
use proptest::prelude::*;

fn check(text: &str) {
    let file: Arc<str> = Arc::from("fuzz.yaml");
    let limits = Limits {
        max_depth: 32,
        max_nodes: 10_000,
        ..Limits::default()
    };
    for r in parse_documents(&file, text, &limits) {
        match r {
            Ok(res) => {
                let _ = pod_template(&res);
                let _ = res.node.to_json();
            }
            Err(e) => assert_eq!(&*e.file, "fuzz.yaml"),
        }
    }
}

/// Fragments that reach the interesting paths far more often than random text does.
fn yamlish() -> impl Strategy<Value = String> {
    let pieces = vec![
        "apiVersion: v1\n",
        "kind: Pod\n",
        "kind: List\n",
        "items:\n",
        "- ",
        "  ",
        "spec:\n",
        "containers:\n",
        "template:\n",
        "&a ",
        "*a",
        "<<: ",
        "[",
        "]",
        "{",
        "}",
        ", ",
        ": ",
        "---\n",
        "...\n",
        "? ",
        "!!int ",
        "!!binary ",
        "\"",
        "'",
        "|\n",
        "yes",
        "0x1F",
        "~",
        "\t",
        "\n",
        "#",
        "%YAML 1.1\n",
        "\u{FEFF}",
        "é",
        "privileged: on\n",
        "- name: x\n",
    ];
    let piece = prop::sample::select(pieces);
    prop::collection::vec(piece, 0..40).prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_strings_do_not_panic(s in ".{0,200}") {
        check(&s);
    }

    #[test]
    fn arbitrary_bytes_do_not_panic(b in prop::collection::vec(any::<u8>(), 0..200)) {
        check(&String::from_utf8_lossy(&b));
    }

    #[test]
    fn yaml_like_text_does_not_panic(s in yamlish()) {
        check(&s);
    }
}
