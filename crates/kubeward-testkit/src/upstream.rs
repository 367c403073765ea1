//! Falco's upstream rules files, read from the `shared/upstream-rules` checkout beside
//! the workspace. They are not vendored, so every test or bench that needs one skips,
//! saying why, when it is absent.

use std::path::PathBuf;

/// Where the files are expected (this crate sits as deep as every other one).
pub fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/upstream-rules")
}

/// The text of `name`, or `None` after printing why the caller skips.
pub fn read(name: &str) -> Option<String> {
    let path = dir().join(name);
    match std::fs::read_to_string(&path) {
        Ok(text) => Some(text),
        Err(e) => {
            println!("skipping: {} not readable ({e})", path.display());
            None
        }
    }
}

/// Every one of `names`, in order, or `None` when any is missing.
pub fn read_all(names: &[&str]) -> Option<Vec<String>> {
    names.iter().map(|name| read(name)).collect()
}
