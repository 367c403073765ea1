//! Loading rules files, shared by `detect` and `rules`: paths to files (directories give their
//! `*.yaml`/`*.yml` files by name, as Falco), the embedded default, the engine with the
//! k8s_audit source.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use kubeward_manifest::Limits;
use kubeward_rules::engine::{Engine, LoadResult, RulesFile};

/// An engine that knows the k8s_audit source (and the built-in syscall table).
pub fn engine() -> Engine {
    engine_for(Sources::Audit)
}

/// Which sources deliver events to the rules loaded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sources {
    /// Kubernetes audit events only: syscall rules load but stay inactive.
    Audit,
    /// Audit events and syscall events (live or recorded).
    AuditAndSyscall,
}

/// An engine whose active sources are `sources`.
pub fn engine_for(sources: Sources) -> Engine {
    let mut engine = Engine::new();
    engine.add_source(kubeward_k8saudit::source_spec());
    if sources == Sources::AuditAndSyscall {
        engine.add_source(kubeward_syscall::Fields::new().spec());
    }
    engine
}

/// A rules file's name and text.
pub struct Loaded {
    pub name: String,
    pub text: String,
}

/// Reads the rules files named by `paths`, or the embedded default when there are none.
/// Files over `limits.max_file_bytes` (`--max-file-size`) are refused.
pub fn read_rules(paths: &[PathBuf], limits: &Limits) -> anyhow::Result<Vec<Loaded>> {
    if paths.is_empty() {
        return Ok(vec![Loaded {
            name: kubeward_k8saudit::DEFAULT_RULES_NAME.into(),
            text: kubeward_k8saudit::DEFAULT_RULES.into(),
        }]);
    }
    let mut out = Vec::new();
    for p in paths {
        for file in expand(p)? {
            out.push(read_one(&file, limits)?);
        }
    }
    Ok(out)
}

fn expand(p: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let meta = std::fs::metadata(p).with_context(|| {
        format!(
            "rules file {}: cannot read it (check the path given to -r)",
            p.display()
        )
    })?;
    if !meta.is_dir() {
        return Ok(vec![p.to_path_buf()]);
    }
    let mut files = Vec::new();
    let entries =
        std::fs::read_dir(p).with_context(|| format!("rules directory {}", p.display()))?;
    for entry in entries {
        let path = entry
            .with_context(|| format!("rules directory {}", p.display()))?
            .path();
        let is_yaml = matches!(
            path.extension().and_then(|e| e.to_str()),
            Some("yaml" | "yml")
        );
        if is_yaml && path.is_file() {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

fn read_one(path: &Path, limits: &Limits) -> anyhow::Result<Loaded> {
    use std::io::Read as _;
    let name = path.display().to_string();
    let file = std::fs::File::open(path).with_context(|| format!("rules file {name}"))?;
    let mut bytes = Vec::new();
    file.take(limits.max_file_bytes.saturating_add(1))
        .read_to_end(&mut bytes)
        .with_context(|| format!("rules file {name}"))?;
    if bytes.len() as u64 > limits.max_file_bytes {
        bail!(
            "rules file {name}: larger than {} bytes; is it really a rules file? (raise \
             --max-file-size if it is)",
            limits.max_file_bytes
        );
    }
    let text = String::from_utf8(bytes).map_err(|e| {
        anyhow::anyhow!(
            "rules file {name}: not UTF-8 text (byte {}); rules files are YAML text",
            e.utf8_error().valid_up_to()
        )
    })?;
    Ok(Loaded { name, text })
}

/// Loads the files through an engine whose active sources are `sources`.
pub fn load(files: &[Loaded], sources: Sources) -> LoadResult {
    let files: Vec<_> = files
        .iter()
        .map(|f| RulesFile::new(f.name.clone(), &f.text))
        .collect();
    engine_for(sources).load(&files)
}
