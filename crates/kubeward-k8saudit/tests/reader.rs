//! Reading audit events: formats, acceptance rules, bad input and limits.

use std::io::Write;

use kubeward_k8saudit::input::{self, FollowOptions, Input};
use kubeward_k8saudit::reader::{Framer, MAX_RECORD_BYTES, Record};

#[derive(Debug, Default)]
struct Seen {
    ids: Vec<String>,
    skips: Vec<String>,
}

impl Seen {
    /// Asserts that skip `i` contains `needle`, showing every skip when it does not.
    #[track_caller]
    fn skip_has(&self, i: usize, needle: &str) {
        self.skip_is(i, |s| s.contains(needle), format!("contain {needle:?}"));
    }

    /// Asserts that skip `i` starts with `prefix`, showing every skip when it does not.
    #[track_caller]
    fn skip_starts(&self, i: usize, prefix: &str) {
        self.skip_is(
            i,
            |s| s.starts_with(prefix),
            format!("start with {prefix:?}"),
        );
    }

    #[track_caller]
    fn skip_is(&self, i: usize, ok: impl Fn(&str) -> bool, what: String) {
        let skip = self.skips.get(i).map(String::as_str);
        assert!(
            skip.is_some_and(ok),
            "skip {i} does not {what}: {:?}",
            self.skips
        );
    }
}

fn sink(seen: &mut Seen) -> impl FnMut(Record<'_, '_>) + '_ {
    move |r| match r {
        Record::Event(ev) => seen.ids.push(
            ev.json()
                .get("auditID")
                .map(|v| v.to_text().into_owned())
                .unwrap_or_else(|| "-".into()),
        ),
        Record::Skip(s) => seen.skips.push(s.to_string()),
    }
}

fn read(text: &str) -> Seen {
    let mut seen = Seen::default();
    let mut f = Framer::new();
    f.push(text.as_bytes(), &mut sink(&mut seen));
    f.finish(&mut sink(&mut seen));
    seen
}

/// Reads `text`, asserting the ids of the events read and how many records were
/// skipped.
#[track_caller]
fn read_counted(text: &str, ids: &[&str], skips: usize) -> Seen {
    let seen = read(text);
    assert_eq!(seen.ids, ids, "{seen:#?}");
    assert_eq!(seen.skips.len(), skips, "{:#?}", seen.skips);
    seen
}

/// Follows `path`, polling every 20 ms, until it has been idle for `idle_ms`.
fn follow_until_idle(path: &std::path::Path, idle_ms: u64) -> Seen {
    let mut seen = Seen::default();
    let opts = FollowOptions {
        poll: std::time::Duration::from_millis(20),
        idle_timeout: Some(std::time::Duration::from_millis(idle_ms)),
    };
    input::follow(path, opts, &|| false, &mut sink(&mut seen)).unwrap();
    seen
}

fn ev(id: &str) -> String {
    format!(
        r#"{{"kind":"Event","apiVersion":"audit.k8s.io/v1","auditID":"{id}","stage":"ResponseComplete","stageTimestamp":"2024-01-01T00:00:00.000001Z"}}"#
    )
}

#[test]
fn json_lines_with_blank_and_crlf_lines() {
    let text = format!("{}\r\n\n  \n{}\n{}", ev("a"), ev("b"), ev("c"));
    let seen = read(&text);
    assert_eq!(seen.ids, ["a", "b", "c"]);
    assert!(seen.skips.is_empty(), "{:?}", seen.skips);
}

#[test]
fn chunking_does_not_matter() {
    let text = format!("{}\n{}\n", ev("a"), ev("b"));
    let mut seen = Seen::default();
    let mut f = Framer::new();
    for b in text.as_bytes() {
        f.push(std::slice::from_ref(b), &mut sink(&mut seen));
    }
    f.finish(&mut sink(&mut seen));
    assert_eq!(seen.ids, ["a", "b"]);
}

#[test]
fn v1beta1_events_are_read_with_the_same_paths() {
    let line = ev("old").replace("audit.k8s.io/v1", "audit.k8s.io/v1beta1");
    assert_eq!(read(&line).ids, ["old"]);
}

#[test]
fn event_list_one_line_and_pretty() {
    let (a, b) = (ev("a"), ev("b"));
    let list =
        format!(r#"{{"kind":"EventList","apiVersion":"audit.k8s.io/v1","items":[{a},{b}]}}"#);
    assert_eq!(read(&list).ids, ["a", "b"]);
    // items before kind: buffered, same result
    let list = format!(r#"{{"items":[{a},{b}],"kind":"EventList"}}"#);
    assert_eq!(read(&list).ids, ["a", "b"]);
    let (p1, p2, after) = (ev("p1"), ev("p2"), ev("after"));
    let pretty = format!(
        "{{\n  \"kind\": \"EventList\",\n  \"items\": [\n    {p1},\n    {p2}\n  ]\n}}\n{after}\n"
    );
    let seen = read(&pretty);
    assert_eq!(seen.ids, ["p1", "p2", "after"]);
    assert!(seen.skips.is_empty(), "{:?}", seen.skips);
}

#[test]
fn event_list_items_are_checked_one_by_one() {
    let list = format!(
        r#"{{"kind":"EventList","items":[{},{{"kind":"Event","auditID":"nots"}},{}]}}"#,
        ev("a"),
        ev("c")
    );
    let seen = read(&list);
    assert_eq!(seen.ids, ["a", "c"]);
    assert_eq!(seen.skips, ["line 1, item 1: can't read stageTimestamp"]);
    let seen = read(r#"{"kind":"EventList","items":{"a":1}}"#);
    assert_eq!(seen.skips.len(), 1);
    seen.skip_has(0, "not recognized");
}

#[test]
fn arrays_are_all_or_nothing() {
    let ok = format!("[{},[{}]]", ev("a"), ev("b"));
    assert_eq!(read(&ok).ids, ["a", "b"]);
    let bad = format!(r#"[{},{{"kind":"Pod"}}]"#, ev("a"));
    read_counted(&bad, &[], 1);
}

#[test]
fn bad_records_warn_once_each_and_reading_goes_on() {
    let (a, b) = (ev("a"), ev("b"));
    let text = format!(
        "not json\n{a}\n{{\"kind\":\"Pod\"}}\n[1]\n42\n{{\"kind\":\"Event\",\"stageTimestamp\":\"yesterday\"}}\n{{\"kind\":\"Event\",\"stageTimestamp\":7}}\n{{\"a\":1}} x\n{b}\n"
    );
    let seen = read_counted(&text, &["a", "b"], 8);
    seen.skip_starts(0, "line 1: malformed JSON");
    seen.skip_has(1, "line 3");
    seen.skip_has(1, "not recognized");
    seen.skip_has(4, "\"yesterday\" is not an RFC 3339 time");
    // Two values on one line are two records: an object that is no event, then junk
    // whose error points at its column.
    seen.skip_starts(6, "line 8: data not recognized");
    assert_eq!(
        seen.skips[7],
        "line 8: malformed JSON: expected value at line 8 column 9"
    );
}

#[test]
fn truncated_lines_do_not_swallow_the_next_events() {
    // Cut inside a string, and cut between members.
    let (a, b) = (ev("a"), ev("b"));
    let text = format!("{{\"kind\":\"Event\",\"auditID\":\"x\n{a}\n{{\"kind\":\"Event\",\n{b}\n");
    read_counted(&text, &["a", "b"], 2);
    let seen = read("{\n  \"kind\": \"Event\",\n");
    assert_eq!(
        seen.skips,
        ["line 1: the input ends inside a JSON document"]
    );
}

#[test]
fn overlong_line_is_rejected_without_being_held() {
    let big = format!(
        "{{\"kind\":\"Event\",\"pad\":\"{}\"}}\n{}\n",
        "x".repeat(50 << 20),
        ev("after")
    );
    let seen = read_counted(&big, &["after"], 1);
    seen.skip_has(0, "longer than the 16 MiB limit");
    const { assert!(MAX_RECORD_BYTES < 50 << 20) };
}

#[test]
fn oversized_events_are_dropped_like_max_event_size() {
    let line = format!(
        r#"{{"kind":"Event","auditID":"big","stageTimestamp":"2024-01-01T00:00:00Z","pad":"{}"}}"#,
        "y".repeat(300 << 10)
    );
    let seen = read(&line);
    assert!(seen.ids.is_empty());
    seen.skip_has(0, "event larger than maxEventSize");
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    let deep = format!(
        "{}{}\n{}\n",
        "[".repeat(100_000),
        "]".repeat(100_000),
        ev("a")
    );
    let seen = read(&deep);
    assert_eq!(seen.ids, ["a"]);
    seen.skip_has(0, "recursion limit");
}

#[test]
fn million_item_event_list_streams() {
    let item = r#"{"kind":"Event","auditID":"i","stageTimestamp":"2024-01-01T00:00:00Z"},"#;
    let mut doc = String::with_capacity(item.len() * 1_000_000 + 64);
    doc.push_str(r#"{"kind":"EventList","items":["#);
    for _ in 0..1_000_000 {
        doc.push_str(item);
    }
    doc.pop();
    doc.push_str("]}");
    // 70 MB on one line, over the record limit: streamed item by item all the same.
    doc.push('\n');
    let (mut events, mut skips) = (0u32, 0u32);
    let mut f = Framer::new();
    for chunk in doc.as_bytes().chunks(256 << 10) {
        f.push(chunk, &mut |r| match r {
            Record::Event(_) => events += 1,
            Record::Skip(_) => skips += 1,
        });
    }
    f.finish(&mut |_| panic!("nothing left at the end"));
    assert_eq!((events, skips), (1_000_000, 0));
    drop(doc);
    // The same count of minimal items fits, and streams item by item.
    let mut small = String::from(r#"{"kind":"EventList","items":["#);
    for _ in 0..1_000_000 {
        small.push_str("{},");
    }
    small.pop();
    small.push_str("]}");
    let (mut events, mut skips) = (0u32, 0u32);
    small.push('\n');
    let mut f = Framer::new();
    f.push(small.as_bytes(), &mut |r| match r {
        Record::Event(_) => events += 1,
        Record::Skip(_) => skips += 1,
    });
    f.finish(&mut |_| panic!("nothing left at the end"));
    assert_eq!((events, skips), (0, 1_000_000));
}

#[test]
fn directories_expand_oldest_first_and_skip_hidden() {
    let dir = tempfile::tempdir().unwrap();
    let old = dir.path().join("z-old.log");
    let new = dir.path().join("a-new.log");
    std::fs::write(&old, ev("old")).unwrap();
    std::fs::write(dir.path().join(".hidden"), "x").unwrap();
    std::fs::write(&new, ev("new")).unwrap();
    let past = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
    std::fs::File::options()
        .write(true)
        .open(&old)
        .unwrap()
        .set_modified(past)
        .unwrap();
    let inputs = input::expand(&[dir.path().to_path_buf(), "-".into()]).unwrap();
    assert_eq!(inputs, [Input::File(old), Input::File(new), Input::Stdin]);
    let err = input::expand(&[dir.path().join("absent")]).unwrap_err();
    assert!(err.to_string().contains("absent"), "{err}");
}

#[test]
fn files_are_read_and_binary_files_refused() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("audit.log");
    std::fs::write(&p, format!("{}\n{}", ev("a"), ev("b"))).unwrap();
    let mut seen = Seen::default();
    input::read_to_end(&Input::File(p), &mut sink(&mut seen)).unwrap();
    assert_eq!(seen.ids, ["a", "b"]);
    let gz = dir.path().join("audit.log.gz");
    std::fs::write(&gz, b"\x1f\x8b\x08\x00\x00\x00").unwrap();
    let err = input::read_to_end(&Input::File(gz), &mut sink(&mut seen)).unwrap_err();
    assert!(err.to_string().contains("binary"), "{err}");
    let err = input::read_to_end(&Input::File(dir.path().join("none")), &mut sink(&mut seen))
        .unwrap_err();
    assert!(err.to_string().contains("none"), "{err}");
}

#[test]
fn follow_survives_rotation_and_truncation() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.log");
    std::fs::write(&path, format!("{}\n", ev("first"))).unwrap();
    let writer_path = path.clone();
    let rotated = dir.path().join("audit.log.1");
    let writer = std::thread::spawn(move || {
        let pause = || std::thread::sleep(std::time::Duration::from_millis(120));
        pause();
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .open(&writer_path)
            .unwrap();
        // A line written in two parts is read once complete.
        write!(f, "{}", &ev("second")[..20]).unwrap();
        f.flush().unwrap();
        pause();
        writeln!(f, "{}", &ev("second")[20..]).unwrap();
        pause();
        std::fs::rename(&writer_path, &rotated).unwrap();
        writeln!(f, "{}", ev("late-in-old")).unwrap();
        pause();
        std::fs::write(&writer_path, format!("{}\n{}\n", ev("new-1"), ev("new-2"))).unwrap();
        pause();
        pause();
        // Truncated in place, then rewritten shorter.
        std::fs::write(&writer_path, format!("{}\n", ev("t"))).unwrap();
    });
    let seen = follow_until_idle(&path, 900);
    writer.join().unwrap();
    assert_eq!(
        seen.ids,
        ["first", "second", "late-in-old", "new-1", "new-2", "t"],
        "{:?}",
        seen.skips
    );
    assert!(seen.skips.is_empty(), "{:?}", seen.skips);
}

#[test]
fn multi_line_document_errors() {
    // A string left open on a continuation line: reported, and the next line is fresh.
    let text = format!(
        "{{\n  \"kind\": \"Event\",\n  \"auditID\": \"x\n}}\n{}\n",
        ev("a")
    );
    let seen = read_counted(&text, &["a"], 2);
    seen.skip_has(0, "a string runs past the end of line 3");
    // A pretty EventList over the record limit is streamed item by item.
    let mut big = String::from("{\n  \"kind\": \"EventList\",\n  \"items\": [\n");
    let item = format!("    {},\n", ev("i"));
    let mut n = 1;
    while big.len() <= MAX_RECORD_BYTES {
        big.push_str(&item);
        n += 1;
    }
    big.push_str(&format!("    {}\n  ]\n}}\n{}\n", ev("i"), ev("after")));
    let seen = read(&big);
    assert!(seen.skips.is_empty(), "{:?}", seen.skips);
    assert_eq!(seen.ids.len(), n + 1);
    assert!(seen.ids[..n].iter().all(|id| id == "i"));
    assert_eq!(seen.ids[n], "after");
}

#[test]
fn follow_waits_for_the_file_to_appear() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("later.log");
    let writer_path = path.clone();
    let writer = std::thread::spawn(move || {
        std::thread::sleep(std::time::Duration::from_millis(150));
        std::fs::write(&writer_path, format!("{}\n", ev("born"))).unwrap();
    });
    let seen = follow_until_idle(&path, 600);
    writer.join().unwrap();
    assert_eq!(seen.ids, ["born"]);
    // The stop callback ends following at once.
    let mut seen = Seen::default();
    input::follow(
        &path,
        FollowOptions::default(),
        &|| true,
        &mut sink(&mut seen),
    )
    .unwrap();
    assert_eq!(seen.ids, ["born"]);
}

fn list(items: &[String]) -> String {
    format!(
        r#"{{"kind":"EventList","apiVersion":"audit.k8s.io/v1","metadata":{{}},"items":[{}]}}"#,
        items.join(",")
    )
}

#[test]
fn a_bad_item_costs_only_itself() {
    // Each bad item is balanced JSON structure with an unreadable token: the list goes
    // on after it, on the fast path's second reading as in the scanner's.
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let bad = [
        r#"{"kind":"Event","n":1e999999}"#.to_owned(),
        deep,
        "{\"kind\":\"Event\",\"auditID\":\"nul\u{0}\"}".to_owned(),
        r#"{"kind":"Event",,}"#.to_owned(),
    ];
    for b in &bad {
        let one_line = format!("{}\n{}\n", list(&[ev("a"), b.clone(), ev("b")]), ev("c"));
        let seen = read(&one_line);
        assert_eq!(seen.ids, ["a", "b", "c"], "{b:.40}: {:?}", seen.skips);
        assert_eq!(seen.skips.len(), 1, "{:?}", seen.skips);
        seen.skip_starts(0, "line 1, column ");
        seen.skip_has(0, ", item 1: malformed JSON");
        // Pretty-printed, and too long for one line: the scanner alone.
        let pad = format!(
            r#"{{"kind":"Event","pad":"{}"}}"#,
            "p".repeat(MAX_RECORD_BYTES)
        );
        let pretty = format!(
            "{{\n \"kind\": \"EventList\",\n \"items\": [\n  {},\n  {b},\n  {pad},\n  {}\n ]\n}}\n{}\n",
            ev("a"),
            ev("b"),
            ev("c")
        );
        let seen = read(&pretty);
        assert_eq!(seen.ids, ["a", "b", "c"], "{:?}", seen.skips);
        assert_eq!(seen.skips.len(), 2, "{:?}", seen.skips);
        seen.skip_starts(0, "line 5, column 3, item 1: malformed JSON");
        seen.skip_starts(1, "line 6, column 3, item 2: item of ");
    }
}

#[test]
fn nul_bytes_are_unreadable_records_not_a_refused_file() {
    let text = format!("{}\n{{\"kind\":\u{0}\"Event\"}}\n{}\n", ev("a"), ev("b"));
    let seen = read(&text);
    assert_eq!(seen.ids, ["a", "b"]);
    assert_eq!(
        seen.skips,
        ["line 2: malformed JSON: a NUL byte at line 2, column 9 (is this a text log?)"]
    );
}

#[test]
fn a_broken_list_is_reported_with_what_was_read() {
    // Truncated mid-item, then the next JSON line: the line is not swallowed.
    let full = list(&[ev("a"), ev("b"), ev("c")]);
    let cut = &full[..full.find("\"auditID\":\"c").unwrap() + 5];
    let seen = read_counted(&format!("{cut}\n{}\n", ev("next")), &["a", "b", "next"], 1);
    seen.skip_starts(0, "line 1: malformed JSON: a string runs past the end of line 1; the rest of the EventList is skipped (2 items were read)");
    // Cut between items.
    let cut = &full[..full.find(&ev("c")).unwrap()];
    let seen = read(&format!("{cut}\n{}\n", ev("next")));
    assert_eq!(seen.ids, ["a", "b", "next"]);
    assert_eq!(
        seen.skips,
        ["line 1: incomplete JSON: the record ends before its closing bracket (2 items were read)"]
    );
    // Junk between items ends the list; the input ending inside one is reported.
    let seen = read(&format!(
        "{{\"kind\":\"EventList\",\"items\":[{} x {}]}}\n{}",
        ev("a"),
        ev("b"),
        ev("c")
    ));
    assert_eq!(seen.ids, ["a", "c"]);
    seen.skip_has(0, "expected `,` or `]` after item 0, found `x`");
    let seen = read(&format!(
        "{{\"kind\":\"EventList\",\"items\":[\n  {},\n",
        ev("a")
    ));
    assert_eq!(seen.ids, ["a"]);
    assert_eq!(
        seen.skips,
        ["line 1: the input ends inside the EventList's items (1 items were read)"]
    );
    // A bad tail after good items.
    let seen = read(&format!(
        "{{\"kind\":\"EventList\",\"items\":[{}],\"x\":tru}}\n",
        ev("a")
    ));
    assert_eq!(seen.ids, ["a"]);
    seen.skip_has(
        0,
        "malformed JSON after the EventList's items (1 items were read)",
    );
}

#[test]
fn values_follow_each_other_in_any_layout() {
    let text = format!(
        "{} {}\n{}{}\n{{\n\"kind\":\"EventList\",\"items\":[{}]}} {}\n",
        ev("a"),
        ev("b"),
        list(&[ev("c")]),
        ev("d"),
        ev("e"),
        ev("f")
    );
    let seen = read(&text);
    assert_eq!(seen.ids, ["a", "b", "c", "d", "e", "f"]);
    assert!(seen.skips.is_empty(), "{:?}", seen.skips);
}

#[test]
fn a_list_too_long_to_hold_is_streamed_only_when_kind_comes_first() {
    let pad = "q".repeat(MAX_RECORD_BYTES);
    let items = [ev("a"), format!("{{\"pad\":\"{pad}\"}}"), ev("b")].join(",");
    let kind_last = format!(
        "{{\"items\":[{items}],\"kind\":\"EventList\"}}\n{}\n",
        ev("after")
    );
    let seen = read_counted(&kind_last, &["after"], 1);
    seen.skip_has(0, "JSON document of ");
    seen.skip_has(0, "kind comes first");
}
