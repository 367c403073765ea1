//! YAML syntax errors in Falco's words.
//!
//! Falco parses rules files with yaml-cpp and passes its exception text
//! through verbatim (`yaml-cpp: error at line L, column C: MESSAGE`), so
//! scripts match on it. kubeward's parser (saphyr) detects the same
//! mistakes at the same spot for the common cases but words them like
//! libyaml. This table renames the ones whose yaml-cpp counterpart is the
//! same condition; anything else keeps saphyr's wording and drops the
//! `yaml-cpp:` prefix rather than claim a message yaml-cpp never prints.
//!
//! The pairs were checked against yaml-cpp 0.7 on malformed inputs of our
//! own (see the tests); yaml-cpp accepts some inputs saphyr refuses, and
//! for those no wording can agree. Tabs are left alone: yaml-cpp words a
//! stray tab by what it was parsing when it met it, not as one condition.

use crate::yaml::Pos;

/// saphyr message (or its prefix) → yaml-cpp's `ErrorMsg` text.
const WORDING: &[(&str, &str)] = &[
    (
        "mapping values are not allowed in this context",
        "illegal map value",
    ),
    ("illegal placement of ':' indicator", "illegal map value"),
    (
        "mapping keys are not allowed in this context",
        "illegal map key",
    ),
    (
        "block sequence entries are not allowed in this context",
        "illegal block entry",
    ),
    (
        "while parsing a block mapping, did not find expected key",
        "end of map not found",
    ),
    (
        "while parsing a block collection, did not find expected '-' indicator",
        "end of sequence not found",
    ),
    (
        "while parsing a flow mapping, did not find expected ',' or '}'",
        "end of map flow not found",
    ),
    (
        "while parsing a flow sequence, expected ',' or ']'",
        "end of sequence flow not found",
    ),
    ("misplaced bracket", "illegal flow end"),
    (
        "while scanning a block scalar, found an indentation indicator equal to 0",
        "cannot set zero indentation for a block scalar",
    ),
    ("unexpected character: ", "unknown token"),
    (
        "while parsing a quoted scalar, did not find expected hexadecimal number",
        "bad character found while scanning hex number",
    ),
    (
        "while scanning a quoted scalar, found unexpected end of stream",
        "illegal EOF in scalar",
    ),
    (
        "while scanning a quoted scalar, found unexpected document indicator",
        "illegal document indicator in scalar",
    ),
];

/// The message Falco would carry for a syntax error at `pos`.
pub(super) fn message(pos: Pos, saphyr: &str, text: &str) -> String {
    let (line, col) = (pos.line, pos.col);
    match yaml_cpp_wording(saphyr, text, pos) {
        Some(m) => format!("yaml-cpp: error at line {line}, column {col}: {m}"),
        None => format!("error at line {line}, column {col}: {saphyr}"),
    }
}

fn yaml_cpp_wording(saphyr: &str, text: &str, pos: Pos) -> Option<&'static str> {
    let (_, m) = WORDING.iter().find(|(s, _)| saphyr.starts_with(s))?;
    // A flow collection closed by the wrong bracket is yaml-cpp's
    // "illegal flow end" at that bracket; saphyr calls it a missing ','.
    let wrong_close = matches!(
        text.get(pos.offset..).and_then(|t| t.chars().next()),
        Some(']' | '}')
    );
    if wrong_close && m.ends_with("flow not found") {
        return Some("illegal flow end");
    }
    Some(m)
}

#[cfg(test)]
mod tests {
    use super::message;
    use crate::yaml;

    fn said(text: &str) -> String {
        match yaml::parse(text) {
            Ok(_) => "OK".into(),
            Err(e) => message(e.pos, &e.message, text),
        }
    }

    // Each expectation is what yaml-cpp 0.7's YAML::LoadAll throws for the
    // same text, position included.
    #[test]
    fn common_mistakes_read_as_yaml_cpp_says_them() {
        let cases = [
            (
                "this : is : not : yaml",
                "yaml-cpp: error at line 1, column 11: illegal map value",
            ),
            (
                "- rule: a: b\n",
                "yaml-cpp: error at line 1, column 10: illegal map value",
            ),
            (
                "- [a, b\n",
                "yaml-cpp: error at line 2, column 1: end of sequence flow not found",
            ),
            (
                "- {a: b\n",
                "yaml-cpp: error at line 2, column 1: end of map flow not found",
            ),
            (
                "- {a: b]\n",
                "yaml-cpp: error at line 1, column 8: illegal flow end",
            ),
            (
                "- @x\n",
                "yaml-cpp: error at line 1, column 3: unknown token",
            ),
            (
                "- a: 1\n b: 2\n",
                "yaml-cpp: error at line 2, column 2: end of sequence not found",
            ),
            (
                "a: &x 1\nb: &y *x\n",
                "yaml-cpp: error at line 2, column 7: end of map not found",
            ),
            (
                "- a\n- b\n---\n- c: d: e\n",
                "yaml-cpp: error at line 4, column 7: illegal map value",
            ),
        ];
        for (text, want) in cases {
            assert_eq!(said(text), want, "{text:?}");
        }
    }

    #[test]
    fn wording_without_a_yaml_cpp_twin_stays_ours_without_the_prefix() {
        let m = said("- *foo\n");
        assert!(m.starts_with("error at line 1, column 3: "), "{m}");
        assert!(!m.contains("yaml-cpp"), "{m}");
    }

    #[test]
    fn same_condition_at_another_spot_keeps_our_position() {
        // yaml-cpp names the scalar's end, saphyr its start; the words agree.
        let m = said("- |0\n  x\n");
        assert!(
            m.ends_with(": cannot set zero indentation for a block scalar"),
            "{m}"
        );
    }
}
