//! The bodies of the `manifest` and `manifest_fast` fuzz targets
//! (fuzz/fuzz_targets/*.rs include this file), replayed over their corpora by
//! tests/fuzz_corpus.rs.
#![allow(dead_code)] // each fuzz target uses one of the entries

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use kubeward_manifest::{
    Input, Limits, LoadError, PIECE_BYTES, Resource, Source, may_contain_namespace,
    parse_documents_reference, parse_documents_strict, parse_piece, pod_template, read_input,
};

/// A file of its own for each reading (tests replay in parallel threads), on a RAM disk
/// when there is one; removed when dropped.
struct TempFile(PathBuf);

impl TempFile {
    fn write(data: &[u8]) -> TempFile {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let shm = Path::new("/dev/shm");
        let dir = if shm.is_dir() {
            shm.to_path_buf()
        } else {
            std::env::temp_dir()
        };
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let path = dir.join(format!("kubeward-fuzz-{}-{n}.yaml", std::process::id()));
        std::fs::write(&path, data).expect("write the input to a temporary file");
        TempFile(path)
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

type Documents = Vec<Result<Resource, LoadError>>;

/// What `kubeward scan` reads from a file: its pieces, each parsed, until a syntax error
/// ends the file; `Err` when the file cannot be read whole (size, binary, UTF-8).
fn scan(path: &Path, limits: &Limits) -> Result<Documents, LoadError> {
    let source = Source::open(&Input::File(path.to_path_buf()), limits);
    let name = source.name();
    let mut out = Vec::new();
    let mut pieces = 0;
    for piece in source.pieces(limits)? {
        let piece = piece?;
        pieces += 1;
        let parsed = parse_piece(&name, &piece.text, piece.first_line, limits);
        // The pre-pass parses only the pieces this says may hold a Namespace.
        if !may_contain_namespace(&piece.text) {
            for r in parsed.documents.iter().flatten() {
                assert_ne!(r.kind, "Namespace", "a Namespace the pre-pass skips");
            }
        }
        out.extend(parsed.documents);
        if parsed.stopped {
            break;
        }
    }
    assert!(pieces > 0 || out.is_empty());
    Ok(out)
}

/// What the checks do with each resource: the typed pod template, JSON, positions.
fn use_resources(docs: &Documents) {
    for res in docs.iter().flatten() {
        if let Some(Ok(t)) = pod_template(res) {
            let _ = (&t.metadata, &t.spec);
        }
        let _ = res.node.to_json();
        let _ = res
            .node
            .locate("spec.template.spec.containers[0].securityContext");
        let _ = res.node.locate("metadata.name");
    }
}

/// Arbitrary bytes as a manifest file, read as `kubeward scan` reads it (opened once,
/// read in pieces, each parsed) and as the other commands read it (`read_input`, then
/// the whole text): both accept the same files and give the same documents. Then the
/// same bytes after a comment line that makes the file a little longer than one piece,
/// so that they are split where their `---` lines are: still the same documents as the
/// whole text gives. Every resource is decoded as the checks decode it.
pub fn manifest(data: &[u8]) {
    let limits = Limits::default();
    let file = TempFile::write(data);
    let name = Input::File(file.0.clone()).name();
    let scanned = scan(&file.0, &limits);
    let whole = read_input(&Input::File(file.0.clone()), &limits);
    match (&scanned, &whole) {
        (Ok(docs), Ok(text)) => {
            let expected = parse_documents_strict(&name, text, &limits);
            assert_eq!(
                format!("{docs:#?}"),
                format!("{expected:#?}"),
                "pieces and the whole text differ"
            );
            use_resources(docs);
        }
        (Err(_), Err(_)) => {}
        (scanned, whole) => {
            panic!("the scan's reader and read_input disagree:\n{scanned:?}\n{whole:?}")
        }
    }

    // Pieces split at the first document boundary past PIECE_BYTES: the padding ends
    // between 1 and 64 bytes short of it, so that the boundary falls in `data`.
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if text.starts_with('\u{feff}') || text.contains('\0') {
        return;
    }
    let short = 1 + usize::from(data.first().copied().unwrap_or(0) % 64);
    let padded = format!("#{}\n{text}", "x".repeat(PIECE_BYTES - 1 - short));
    let file = TempFile::write(padded.as_bytes());
    let name = Input::File(file.0.clone()).name();
    let docs = scan(&file.0, &limits).expect("padded text is still a readable manifest");
    let expected = parse_documents_strict(&name, &padded, &limits);
    assert_eq!(
        format!("{docs:#?}"),
        format!("{expected:#?}"),
        "pieces split in the text and the whole text differ"
    );
}

/// Valid UTF-8 text parsed with the fast path (falling back to saphyr where it gives
/// up) and by saphyr alone: the same documents, positions and errors.
pub fn manifest_fast(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let name: Arc<str> = Arc::from("fuzz.yaml");
    let limits = Limits::default();
    let fast = parse_documents_strict(&name, text, &limits);
    let reference = parse_documents_reference(&name, text, &limits);
    // Compared as text: NaN is not equal to itself.
    assert_eq!(
        format!("{fast:#?}"),
        format!("{reference:#?}"),
        "the fast path and saphyr differ"
    );
}
