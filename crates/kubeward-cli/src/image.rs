//! The image the generated manifests deploy by default: the one `scripts/build-image.sh`
//! tags, `kubeward/kubeward:VERSION`, pinned by digest when the binary was built with
//! `KUBEWARD_IMAGE_DIGEST=sha256:...` (a release builds the image, pushes it, then builds
//! the binaries it ships with the digest the registry gave).

/// The default `--image` of `webhook manifests` and `detect manifests`.
pub fn default_image() -> String {
    reference(option_env!("KUBEWARD_IMAGE_DIGEST"))
}

/// The tag, with `@digest` when `digest` is a well-formed sha256 digest; anything else
/// is left out rather than written into a manifest the API server would refuse.
fn reference(digest: Option<&str>) -> String {
    let tag = concat!("kubeward/kubeward:", env!("CARGO_PKG_VERSION"));
    match digest {
        Some(d) if is_sha256(d) => format!("{tag}@{d}"),
        _ => tag.to_owned(),
    }
}

fn is_sha256(digest: &str) -> bool {
    digest.strip_prefix("sha256:").is_some_and(|hex| {
        hex.len() == 64
            && hex
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tag_is_pinned_only_by_a_well_formed_digest() {
        let tag = concat!("kubeward/kubeward:", env!("CARGO_PKG_VERSION"));
        let good = format!("sha256:{}", "0123456789abcdef".repeat(4));
        assert_eq!(reference(None), tag);
        assert_eq!(reference(Some(&good)), format!("{tag}@{good}"));
        for bad in [
            "",
            "sha256:",
            "sha512:00",
            &format!("sha256:{}", "0".repeat(63)),
            &format!("sha256:{}", "A".repeat(64)),
            &format!("sha256:{}x", "0".repeat(64)),
        ] {
            assert_eq!(reference(Some(bad)), tag, "{bad:?}");
        }
    }
}
