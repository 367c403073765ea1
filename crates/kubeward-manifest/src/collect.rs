//! The loop of every reader that wants a few manifests whole (PodSecurityPolicies, RBAC
//! objects, static pods): paths discovered, each input read within the limits, its
//! documents parsed, and every resource and every error kept, the error tagged with the
//! step that met it. `scan` streams instead and does not use it.

use std::path::PathBuf;

use crate::{Input, Limits, LoadError, Resource, discover, parse_documents, read_input};

/// What a key set twice in one mapping is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decoding {
    /// An error, as the API server's strict field validation makes it
    /// ([`crate::parse_documents_strict`]).
    Strict,
    /// Nothing: the last value counts, as kubectl, the kubelet and clientcmd read
    /// ([`crate::parse_documents`]).
    Lenient,
}

/// The step of loading an error came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    /// A command-line path, or something a directory walk passed over.
    Discover,
    /// An input that could not be read as text within the limits.
    Read,
    /// A document that is not valid YAML or JSON, or not an object.
    Parse,
}

/// What [`collect`] read, in input order.
#[derive(Debug, Default)]
pub struct Collected {
    /// Each input with the resources read from it.
    pub files: Vec<(Input, Vec<Resource>)>,
    /// Every problem, in the order met: discovery first, then each input's.
    pub errors: Vec<(Stage, LoadError)>,
}

impl Collected {
    /// Every resource, in input order.
    pub fn into_resources(self) -> Vec<Resource> {
        self.files.into_iter().flat_map(|(_, r)| r).collect()
    }
}

/// Discovers `paths`, reads each input within `limits` and parses its documents. The rest
/// is still read after any error.
pub fn collect(paths: &[PathBuf], limits: &Limits, decoding: Decoding) -> Collected {
    let (inputs, discovered) = discover(paths);
    let mut out = Collected {
        errors: discovered
            .into_iter()
            .map(|e| (Stage::Discover, e))
            .collect(),
        files: Vec::with_capacity(inputs.len()),
    };
    for input in inputs {
        let text = match read_input(&input, limits) {
            Ok(t) => t,
            Err(e) => {
                out.errors.push((Stage::Read, e));
                continue;
            }
        };
        let documents = match decoding {
            Decoding::Strict => crate::parse_documents_strict(&input.name(), &text, limits),
            Decoding::Lenient => parse_documents(&input.name(), &text, limits),
        };
        let mut resources = Vec::with_capacity(documents.len());
        for doc in documents {
            match doc {
                Ok(r) => resources.push(r),
                Err(e) => out.errors.push((Stage::Parse, e)),
            }
        }
        out.files.push((input, resources));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_step_keeps_going_and_says_where_it_failed() {
        let dir = tempfile::tempdir().unwrap();
        let write = |name: &str, text: &[u8]| std::fs::write(dir.path().join(name), text).unwrap();
        write(
            "a.yaml",
            b"apiVersion: v1\nkind: A\n---\napiVersion: v1\nkind: B\nx: 1\nx: 2\n",
        );
        write("b.yaml", b"\0binary");
        write("c.yaml", b"kind: [\n");
        let missing = dir.path().join("missing.yaml");
        let paths = [dir.path().to_path_buf(), missing];

        let strict = collect(&paths, &Limits::default(), Decoding::Strict);
        let stages: Vec<Stage> = strict.errors.iter().map(|(s, _)| *s).collect();
        assert_eq!(
            stages,
            [Stage::Discover, Stage::Parse, Stage::Read, Stage::Parse],
            "{:?}",
            strict.errors
        );
        assert!(strict.errors[1].1.is_duplicate_key(), "{:?}", strict.errors);
        let read: Vec<String> = strict
            .files
            .iter()
            .map(|(i, _)| i.name().rsplit('/').next().unwrap_or_default().to_owned())
            .collect();
        assert_eq!(read, ["a.yaml", "c.yaml"]);
        let kinds: Vec<String> = strict
            .into_resources()
            .into_iter()
            .map(|r| r.kind)
            .collect();
        assert_eq!(kinds, ["A", "B"]);

        let lenient = collect(&paths, &Limits::default(), Decoding::Lenient);
        let stages: Vec<Stage> = lenient.errors.iter().map(|(s, _)| *s).collect();
        assert_eq!(stages, [Stage::Discover, Stage::Read, Stage::Parse]);
    }
}
