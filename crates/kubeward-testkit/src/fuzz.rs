//! Replays the fuzz corpora and crashers through the fuzz targets' own entry functions,
//! so `cargo test` checks every input that libFuzzer ever kept, without libFuzzer.
//!
//! Each target `<name>` of `fuzz/` keeps its minimized corpus in `fuzz/corpus/<name>/`
//! and the inputs that once crashed, hung or blew memory in `fuzz/regressions/<name>/`
//! (see docs/fuzzing.md). An entry function panics on a broken property, as in the
//! fuzzer; [`replay`] runs each input and names every one that panicked.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

/// The stack each input runs on: the size of a main thread's stack, where libFuzzer
/// runs the targets and the CLI runs the loaders (test threads get 2 MiB).
pub const STACK_BYTES: usize = 8 << 20;

/// The repository's `fuzz/` directory.
pub fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz")
}

/// The inputs of `target`: its corpus, then its regressions, each sorted by name. A
/// missing directory is left out with a printed reason.
pub fn inputs(target: &str) -> Vec<PathBuf> {
    let mut all = Vec::new();
    for kind in ["corpus", "regressions"] {
        let dir = fuzz_dir().join(kind).join(target);
        let Ok(entries) = std::fs::read_dir(&dir) else {
            println!("skipped {kind} of {target}: {} is absent", dir.display());
            continue;
        };
        let mut files: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.is_file() && !is_readme(p))
            .collect();
        files.sort();
        all.extend(files);
    }
    all
}

fn is_readme(p: &Path) -> bool {
    p.file_name().is_some_and(|n| n == "README.md")
}

/// Runs `entry` on every input of `target` (on a [`STACK_BYTES`] stack) and panics
/// naming each input that made it panic. Returns how many inputs ran.
pub fn replay(target: &str, entry: fn(&[u8])) -> usize {
    let files = inputs(target);
    let count = files.len();
    let failed = std::thread::Builder::new()
        .name(format!("replay-{target}"))
        .stack_size(STACK_BYTES)
        .spawn(move || {
            let mut failed = Vec::new();
            for f in &files {
                let data = match std::fs::read(f) {
                    Ok(d) => d,
                    Err(e) => {
                        failed.push(format!("{}: unreadable: {e}", f.display()));
                        continue;
                    }
                };
                if catch_unwind(AssertUnwindSafe(|| entry(&data))).is_err() {
                    failed.push(f.display().to_string());
                }
            }
            failed
        })
        .expect("spawn the replay thread")
        .join()
        .expect("the replay thread itself never panics");
    assert!(
        failed.is_empty(),
        "{} of {count} inputs of fuzz target {target} failed:\n{}",
        failed.len(),
        failed.join("\n")
    );
    println!("replayed {count} inputs of fuzz target {target}");
    count
}

/// Declares one `#[test]` per fuzz target, each replaying that target's corpus and
/// regressions through its entry function with [`fuzz::replay`](crate::fuzz::replay):
/// `replay_tests! { test_name: "target" => entry_fn, ... }`.
#[macro_export]
macro_rules! replay_tests {
    ($($test:ident: $target:literal => $entry:path),+ $(,)?) => {
        $(
            #[test]
            fn $test() {
                $crate::fuzz::replay($target, $entry);
            }
        )+
    };
}
