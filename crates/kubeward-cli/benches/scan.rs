//! End-to-end `kubeward scan --format json` on a generated corpus of realistic workloads.
//!
//! The corpus comes from `scripts/gen_corpus.py` (cached under `target/bench-corpus/N`);
//! its size is `KUBEWARD_BENCH_RESOURCES` (default 100,000). Each sample runs the release
//! binary once over the whole corpus with its output sent to a sink, so the figure includes
//! reading, parsing, evaluation, lints and JSON output. `RAYON_NUM_THREADS=1` measures one
//! core. docs/performance.md has the figures and scripts/bench_scan.py the peak-memory run.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};

fn corpus(root: &Path, size: u64) -> PathBuf {
    let dir = root
        .join("target")
        .join("bench-corpus")
        .join(size.to_string());
    if !dir.is_dir() {
        let status = Command::new("python3")
            .arg(root.join("scripts").join("gen_corpus.py"))
            .arg(size.to_string())
            .arg(&dir)
            .stdout(Stdio::null())
            .status();
        assert!(
            matches!(status, Ok(s) if s.success()),
            "could not generate the corpus with scripts/gen_corpus.py (needs python3)"
        );
    }
    dir
}

fn scan(c: &mut Criterion) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let size: u64 = std::env::var("KUBEWARD_BENCH_RESOURCES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(100_000);
    let dir = corpus(&root, size);
    let bin = env!("CARGO_BIN_EXE_kubeward");
    let mut group = c.benchmark_group("scan");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(30))
        .throughput(Throughput::Elements(size));
    group.bench_function(format!("json/{size}"), |b| {
        b.iter(|| {
            let status = Command::new(bin)
                .args(["scan", "--format", "json"])
                .arg(&dir)
                .stdout(Stdio::null())
                .status();
            // Exit 1 means "findings": the generated corpus has denied workloads on purpose.
            assert!(matches!(status.map(|s| s.code()), Ok(Some(0 | 1))));
        })
    });
    group.finish();
}

criterion_group!(benches, scan);
criterion_main!(benches);
