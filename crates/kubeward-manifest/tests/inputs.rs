//! Finding and reading inputs: directories, limits, binary and non-UTF-8 files.

use std::fs;
use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

use kubeward_manifest::{Input, Limits, Pos, discover, read_input};

fn write(path: &std::path::Path, text: &[u8]) {
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir).unwrap();
    }
    fs::write(path, text).unwrap();
}

#[test]
fn directories_recurse_in_sorted_order_keeping_manifest_extensions() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    for name in [
        "b.yaml",
        "a.yml",
        "c.json",
        "d.txt",
        "README.md",
        "sub/z.yaml",
        "sub/deeper/y.YAML",
        "a0/x.json",
        "noext",
    ] {
        write(&root.join(name), b"{}");
    }
    fs::create_dir(root.join("empty")).unwrap();
    let (inputs, errors) = discover(&[root.to_path_buf()]);
    assert!(errors.is_empty(), "{errors:?}");
    let rel: Vec<_> = inputs
        .iter()
        .map(|i| match i {
            Input::File(p) => p.strip_prefix(root).unwrap().to_string_lossy().into_owned(),
            Input::Stdin => "-".into(),
        })
        .collect();
    assert_eq!(
        rel,
        [
            "a.yml",
            "a0/x.json",
            "b.yaml",
            "c.json",
            "sub/deeper/y.YAML",
            "sub/z.yaml"
        ]
    );
}

#[test]
fn files_stdin_and_missing_paths() {
    let tmp = tempfile::tempdir().unwrap();
    let txt = tmp.path().join("notes.txt");
    write(&txt, b"x");
    let missing = tmp.path().join("nope.yaml");
    let (inputs, errors) = discover(&[missing.clone(), txt.clone(), PathBuf::from("-")]);
    assert_eq!(inputs, [Input::File(txt), Input::Stdin]);
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].message, "no such file or directory");
    assert_eq!(&*errors[0].file, missing.to_string_lossy());
    assert_eq!(errors[0].pos, None);
    assert_eq!(&*Input::Stdin.name(), "<stdin>");
}

#[cfg(unix)]
#[test]
fn symlinks_are_followed_and_loops_and_dangling_links_are_reported() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    write(&root.join("d/a.yaml"), b"{}");
    write(&root.join("real.yaml"), b"{}");
    write(&root.join("other/b.yaml"), b"{}");
    std::os::unix::fs::symlink(root, root.join("d/loop")).unwrap();
    std::os::unix::fs::symlink(root.join("other"), root.join("d/linked")).unwrap();
    std::os::unix::fs::symlink(root.join("real.yaml"), root.join("d/link.yaml")).unwrap();
    std::os::unix::fs::symlink(root.join("gone.yaml"), root.join("d/dangling.yaml")).unwrap();
    std::os::unix::fs::symlink(root.join("gone"), root.join("d/dangling-dir")).unwrap();
    let (inputs, errors) = discover(&[root.join("d")]);
    assert_eq!(
        inputs,
        [
            Input::File(root.join("d/a.yaml")),
            Input::File(root.join("d/link.yaml")),
            Input::File(root.join("d/linked/b.yaml")),
        ]
    );
    let errors: Vec<_> = errors
        .iter()
        .map(|e| (e.file.to_string(), e.message.clone()))
        .collect();
    let name = |p: &str| root.join(p).to_string_lossy().into_owned();
    assert_eq!(
        errors,
        [
            (
                name("d/dangling.yaml"),
                "skipped: dangling symlink (its target does not exist)".to_owned()
            ),
            (
                name("d/loop"),
                format!(
                    "skipped: symlink loop: it leads back to {}, which is being scanned",
                    root.display()
                )
            ),
        ]
    );
}

#[test]
fn reading_strips_a_bom_and_returns_the_text() {
    let tmp = tempfile::tempdir().unwrap();
    let p = tmp.path().join("a.yaml");
    write(&p, b"\xEF\xBB\xBFkind: Pod\n");
    assert_eq!(
        read_input(&Input::File(p), &Limits::default()).unwrap(),
        "kind: Pod\n"
    );
}

#[test]
fn a_100_mb_file_is_refused_without_reading_it_all() {
    let tmp = tempfile::tempdir().unwrap();
    let p = tmp.path().join("huge.yaml");
    let mut f = fs::File::create(&p).unwrap();
    let line = "- this is a line of a very large but otherwise ordinary file\n".repeat(1 << 14);
    let mut written = 0;
    while written < 100 << 20 {
        f.write_all(line.as_bytes()).unwrap();
        written += line.len();
    }
    drop(f);
    let start = Instant::now();
    let e = read_input(&Input::File(p.clone()), &Limits::default()).unwrap_err();
    assert_eq!(
        e.message,
        "file is larger than 64 MiB; split it or raise --max-file-size"
    );
    assert_eq!(&*e.file, p.to_string_lossy());
    assert!(start.elapsed().as_secs() < 5);
    // The number comes from the limits.
    let small = Limits {
        max_file_bytes: 1024,
        ..Limits::default()
    };
    let e = read_input(&Input::File(p), &small).unwrap_err();
    assert_eq!(
        e.message,
        "file is larger than 1 KiB; split it or raise --max-file-size"
    );
}

#[test]
fn a_file_exactly_at_the_limit_is_read() {
    let tmp = tempfile::tempdir().unwrap();
    let p = tmp.path().join("a.yaml");
    write(&p, &[b'a'; 100]);
    let limits = Limits {
        max_file_bytes: 100,
        ..Limits::default()
    };
    assert_eq!(
        read_input(&Input::File(p.clone()), &limits).unwrap().len(),
        100
    );
    let limits = Limits {
        max_file_bytes: 99,
        ..Limits::default()
    };
    assert!(read_input(&Input::File(p), &limits).is_err());
}

#[test]
fn binary_files_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let p = tmp.path().join("a.yaml");
    write(&p, b"kind: Pod\n\0\x01\x02");
    let e = read_input(&Input::File(p), &Limits::default()).unwrap_err();
    assert_eq!(e.message, "binary file, not a manifest");
}

#[test]
fn non_utf8_text_names_the_line_of_the_first_bad_byte() {
    let tmp = tempfile::tempdir().unwrap();
    let p = tmp.path().join("a.yaml");
    write(
        &p,
        b"apiVersion: v1\nkind: Pod\nmetadata:\n  name: caf\xE9\n",
    );
    let e = read_input(&Input::File(p.clone()), &Limits::default()).unwrap_err();
    assert_eq!(e.message, "not valid UTF-8 text");
    assert_eq!(e.pos, Some(Pos { line: 4, col: 12 }));
    assert_eq!(
        e.to_string(),
        format!("{}:4:12: not valid UTF-8 text", p.display())
    );
}

#[test]
fn unreadable_inputs_give_the_io_error() {
    let tmp = tempfile::tempdir().unwrap();
    let e = read_input(
        &Input::File(tmp.path().join("gone.yaml")),
        &Limits::default(),
    )
    .unwrap_err();
    assert_eq!(e.message, "no such file or directory");
    let e = read_input(&Input::File(tmp.path().to_path_buf()), &Limits::default()).unwrap_err();
    assert_eq!(e.message, "is a directory");
}
