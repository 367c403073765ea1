//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::sync::Arc;

use kubeward_manifest::{Limits, LoadError, Pos, Resource, parse_documents};

pub fn parse(text: &str) -> Vec<Result<Resource, LoadError>> {
    parse_documents(&Arc::from("test.yaml"), text, &Limits::default())
}

pub fn parse_with(text: &str, limits: Limits) -> Vec<Result<Resource, LoadError>> {
    parse_documents(&Arc::from("test.yaml"), text, &limits)
}

/// The single resource `text` holds.
pub fn one(text: &str) -> Resource {
    let mut all = parse(text);
    assert_eq!(all.len(), 1, "expected one result, got {all:?}");
    all.remove(0).unwrap()
}

/// The single error `text` gives.
pub fn one_err(text: &str) -> LoadError {
    let mut all = parse(text);
    assert_eq!(all.len(), 1, "expected one result, got {all:?}");
    all.remove(0).unwrap_err()
}

pub fn pos(line: u32, col: u32) -> Pos {
    Pos { line, col }
}
