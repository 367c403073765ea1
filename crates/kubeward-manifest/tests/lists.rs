//! Large `*List` documents read item by item (`parse_piece_each`): the same resources,
//! errors and positions as reading the List whole, in memory of one item.

use std::sync::Arc;

use kubeward_manifest::{Limits, LoadError, Resource, STREAM_BYTES, parse_piece, parse_piece_each};

type Results = Vec<Result<Resource, LoadError>>;

fn each(text: &str, limits: &Limits) -> (Results, bool) {
    let file: Arc<str> = "big.json".into();
    let mut out = Vec::new();
    let stopped = parse_piece_each(&file, text, 0, limits, &mut |r| {
        out.push(r);
        true
    });
    (out, stopped)
}

fn whole(text: &str, limits: &Limits) -> (Results, bool) {
    let file: Arc<str> = "big.json".into();
    let parsed = parse_piece(&file, text, 0, limits);
    (parsed.documents, parsed.stopped)
}

/// What a result says, for comparing two readings: kind, name, position and the whole
/// tree of a resource; message and position of an error.
fn said(r: &Result<Resource, LoadError>) -> String {
    match r {
        Ok(res) => format!("{} {:?} {:?} {:?}", res.kind, res.name, res.pos, res.node),
        Err(e) => format!("error {:?} {}", e.pos, e.message),
    }
}

fn pod(i: usize) -> String {
    format!(
        r#"{{"apiVersion":"v1","kind":"Pod","metadata":{{"name":"p{i}"}},"spec":{{"containers":[{{"name":"c","image":"i","securityContext":{{"privileged":{}}}}}]}}}}"#,
        i.is_multiple_of(7)
    )
}

/// A `kubectl get -o json`-shaped List (items before kind) of at least `bytes`, one item
/// per line, with `extra` items spliced in at the start.
fn kubectl_list(bytes: usize, extra: &[&str]) -> String {
    let mut items: Vec<String> = extra.iter().map(|s| (*s).to_owned()).collect();
    let mut size = 0;
    let mut i = 0;
    while size < bytes {
        let p = pod(i);
        size += p.len() + 2;
        items.push(p);
        i += 1;
    }
    format!(
        "{{\"apiVersion\":\"v1\",\"items\":[\n{}\n],\"kind\":\"List\",\"metadata\":{{\"resourceVersion\":\"\"}}}}\n",
        items.join(",\n")
    )
}

#[test]
fn a_large_list_reads_as_it_does_whole() {
    let nested = r#"{"apiVersion":"v1","kind":"PodList","items":[{"apiVersion":"v1","kind":"Pod","metadata":{"name":"inner"}}]}"#;
    let text = kubectl_list(STREAM_BYTES + 1000, &[nested, "7", r#"{"kind":"Pod"}"#]);
    let limits = Limits::default();
    let (streamed, stopped) = each(&text, &limits);
    let (read_whole, whole_stopped) = whole(&text, &limits);
    assert!(!stopped && !whole_stopped);
    assert!(streamed.len() > 1000, "{}", streamed.len());
    let a: Vec<String> = streamed.iter().map(said).collect();
    let b: Vec<String> = read_whole.iter().map(said).collect();
    assert_eq!(a, b);
    // The nested List expanded, and the two items that are not objects are errors.
    assert!(a[0].starts_with("Pod Some(\"inner\")"), "{}", a[0]);
    assert!(
        a[1].contains("list item is not a Kubernetes object"),
        "{}",
        a[1]
    );
    assert!(a[2].contains("missing apiVersion"), "{}", a[2]);
}

#[test]
fn the_node_limit_applies_to_each_item_of_a_streamed_list() {
    let limits = Limits {
        max_nodes: 5_000,
        ..Limits::default()
    };
    let text = kubectl_list(STREAM_BYTES, &[]);
    // Read whole, the List is one document over the limit: one error, nothing else.
    let (read_whole, _) = whole(&text, &limits);
    assert_eq!(read_whole.len(), 1);
    assert!(
        read_whole[0]
            .as_ref()
            .is_err_and(|e| e.message.contains("more than 5000 nodes")),
        "{read_whole:?}"
    );
    // Item by item, every Pod is read.
    let (streamed, stopped) = each(&text, &limits);
    assert!(!stopped);
    assert!(streamed.len() > 5_000 && streamed.iter().all(Result::is_ok));
    // One item over the limit is still an error, and ends the document after the items
    // before it.
    let huge = format!(
        r#"{{"apiVersion":"v1","kind":"ConfigMap","data":{{{}}}}}"#,
        (0..6_000)
            .map(|i| format!("\"k{i}\":\"v\""))
            .collect::<Vec<_>>()
            .join(",")
    );
    let text = kubectl_list(STREAM_BYTES, &[&pod(1), &huge]);
    let (streamed, _) = each(&text, &limits);
    assert_eq!(streamed.len(), 2, "{:?}", streamed.last());
    assert!(streamed[0].is_ok());
    assert!(
        streamed[1]
            .as_ref()
            .is_err_and(|e| e.message.contains("more than 5000 nodes"))
    );
}

#[test]
fn duplicate_keys_in_items_name_the_item() {
    let dup = r#"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"a","name":"b"}}"#;
    let text = kubectl_list(STREAM_BYTES, &[&pod(1), &pod(2), dup]);
    let (streamed, _) = each(&text, &Limits::default());
    let (read_whole, _) = whole(&text, &Limits::default());
    let errors = |r: &Results| -> Vec<String> {
        r.iter()
            .filter_map(|r| r.as_ref().err())
            .map(|e| format!("{:?} {}", e.pos, e.message))
            .collect()
    };
    assert_eq!(errors(&streamed), errors(&read_whole));
    assert!(
        errors(&streamed)[0].contains("items[2].metadata.name"),
        "{:?}",
        errors(&streamed)
    );
    // Item by item, the error comes just before its item rather than before the List.
    let at = streamed.iter().position(Result::is_err);
    assert_eq!(at, Some(2));
}

/// The List's end is never reached, so whether its items are resources is not known:
/// it is read as before, whole, and the syntax error is what is reported.
#[test]
fn a_syntax_error_in_a_large_list_is_reported() {
    let mut text = kubectl_list(STREAM_BYTES, &[]);
    let cut = text.len() / 2;
    let cut = text[..cut].rfind(",\n").unwrap_or(cut);
    text.replace_range(cut.., ",\n{\"a\": ]}");
    let (streamed, stopped) = each(&text, &Limits::default());
    assert!(stopped);
    assert_eq!(streamed.len(), 1);
    assert!(
        streamed.last().is_some_and(|r| r
            .as_ref()
            .is_err_and(|e| e.message.starts_with("invalid JSON"))),
        "{:?}",
        streamed.last().map(said)
    );
}

#[test]
fn a_sink_that_answers_false_stops_the_reading() {
    let text = kubectl_list(STREAM_BYTES, &[]);
    let file: Arc<str> = "big.json".into();
    let mut seen = 0;
    let stopped = parse_piece_each(&file, &text, 0, &Limits::default(), &mut |_| {
        seen += 1;
        seen < 10
    });
    assert!(stopped);
    assert_eq!(seen, 10);
}

#[test]
fn a_large_document_that_is_not_a_list_is_read_whole() {
    // `items` in an object whose kind is written last and is not a List: not expanded.
    let text = kubectl_list(STREAM_BYTES, &[]).replace("\"kind\":\"List\"", "\"kind\":\"Thing\"");
    let (streamed, _) = each(&text, &Limits::default());
    assert_eq!(streamed.len(), 1);
    assert!(streamed[0].as_ref().is_ok_and(|r| r.kind == "Thing"));
}
