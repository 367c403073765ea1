use super::*;
use crate::ast::{Expr, Op, Rhs};

fn check(field: &str, op: Op, rhs: Rhs) -> Expr {
    Expr::Check {
        lhs: Operand {
            field: field.into(),
            arg: None,
            transformers: vec![],
            offset: 0,
            multi: None,
        },
        op,
        modifier: None,
        rhs,
    }
}

/// Strips offsets so trees compare structurally.
fn norm(e: Expr) -> Expr {
    match e {
        Expr::And(v) => Expr::And(v.into_iter().map(norm).collect()),
        Expr::Or(v) => Expr::Or(v.into_iter().map(norm).collect()),
        Expr::Not(b) => Expr::Not(Box::new(norm(*b))),
        Expr::Macro(m, _) => Expr::Macro(m, 0),
        Expr::Check {
            mut lhs,
            op,
            modifier,
            mut rhs,
        } => {
            lhs.offset = 0;
            if let Rhs::Field(f) = &mut rhs {
                f.offset = 0;
            }
            Expr::Check {
                lhs,
                op,
                modifier,
                rhs,
            }
        }
    }
}

fn p(s: &str) -> Expr {
    norm(parse(s).unwrap())
}

fn m(n: &str) -> Expr {
    Expr::Macro(n.into(), 0)
}

#[test]
fn precedence_not_and_or() {
    assert_eq!(
        p("a or b and not c"),
        Expr::Or(vec![
            m("a"),
            Expr::And(vec![m("b"), Expr::Not(Box::new(m("c")))])
        ])
    );
    assert_eq!(
        p("(a or b) and c"),
        Expr::And(vec![Expr::Or(vec![m("a"), m("b")]), m("c")])
    );
    assert_eq!(
        p("not not a"),
        Expr::Not(Box::new(Expr::Not(Box::new(m("a")))))
    );
    assert_eq!(p("not(a)"), Expr::Not(Box::new(m("a"))));
    assert_eq!(p("a and(b)"), Expr::And(vec![m("a"), m("b")]));
    // `nothing` and `order` are macro names, not keywords.
    assert_eq!(
        p("nothing or order"),
        Expr::Or(vec![m("nothing"), m("order")])
    );
}

#[test]
fn operators_and_values() {
    for (text, field, op, value) in [
        ("ka.verb=get", "ka.verb", Op::Eq, "get"),
        ("ka.verb == \"get x\"", "ka.verb", Op::Eq, "get x"),
        ("fd.num=-1", "fd.num", Op::Eq, "-1"),
        ("a.b >= 10", "a.b", Op::Ge, "10"),
        ("a.b < 0x1F", "a.b", Op::Lt, "0x1F"),
    ] {
        assert_eq!(
            p(text),
            check(field, op, Rhs::Value(value.into())),
            "{text}"
        );
    }
    assert_eq!(p("a.b exists"), check("a.b", Op::Exists, Rhs::None));
    assert_eq!(
        p("a.b in (x, \"y z\", 'w')"),
        check(
            "a.b",
            Op::In,
            Rhs::List(vec!["x".into(), "y z".into(), "w".into()])
        )
    );
    assert_eq!(p("a.b in ()"), check("a.b", Op::In, Rhs::List(vec![])));
    assert_eq!(
        p("a.b intersects(x)"),
        check("a.b", Op::Intersects, Rhs::List(vec!["x".into()]))
    );
    // The sandbox ruleset's `(… or proc.args endswith \)`: a bare backslash value.
    assert_eq!(
        p("(proc.args endswith \\)"),
        check("proc.args", Op::EndsWith, Rhs::Value("\\".into()))
    );
    for op in [
        "contains",
        "icontains",
        "bcontains",
        "startswith",
        "bstartswith",
        "endswith",
        "glob",
        "iglob",
        "regex",
        "pmatch",
    ] {
        let e = p(&format!("a.b {op} x"));
        let Expr::Check { op: got, .. } = e else {
            panic!("{op}")
        };
        assert_eq!(got.text(), op);
    }
}

#[test]
fn escapes_in_quoted_strings() {
    assert_eq!(
        p(r#"a.b contains "\ ""#),
        check("a.b", Op::Contains, Rhs::Value("\\".into()))
    );
    assert_eq!(
        p(r#"a.b = "q\"\t\\""#),
        check("a.b", Op::Eq, Rhs::Value("q\"\t\\".into()))
    );
    assert_eq!(
        p(r"a.b = 'it\'s'"),
        check("a.b", Op::Eq, Rhs::Value("it's".into()))
    );
    assert!(
        parse(r#"a.b = "\q""#)
            .unwrap_err()
            .message
            .contains("escape")
    );
    assert!(
        parse(r#"a.b = "open"#)
            .unwrap_err()
            .message
            .contains("unterminated")
    );
}

#[test]
fn field_arguments_and_transformers() {
    let Expr::Check { lhs, .. } = p("jevt.value[/user/username] = x") else {
        panic!()
    };
    assert_eq!(
        (lhs.field.as_str(), lhs.arg.as_deref()),
        ("jevt.value", Some("/user/username"))
    );
    let Expr::Check { lhs, .. } = p("jevt.value[\"/a b\"] exists") else {
        panic!()
    };
    assert_eq!(lhs.arg.as_deref(), Some("/a b"));
    let Expr::Check { lhs, rhs, .. } = p("tolower(basename(a.b)) = val(c.d)") else {
        panic!()
    };
    assert_eq!(
        lhs.transformers,
        vec![Transformer::ToLower, Transformer::Basename]
    );
    let Rhs::Field(f) = rhs else { panic!() };
    assert_eq!(f.field, "c.d");
    assert!(
        parse("frob(a.b) = x")
            .unwrap_err()
            .message
            .contains("unknown transformer")
    );
}

#[test]
fn modifiers() {
    let Expr::Check { modifier, rhs, .. } = p("a.b startswith oneof (x, y)") else {
        panic!()
    };
    assert_eq!(modifier, Some(Modifier::OneOf));
    assert_eq!(rhs, Rhs::List(vec!["x".into(), "y".into()]));
    assert_eq!(
        p("a.b = anyof"),
        check("a.b", Op::Eq, Rhs::Value("anyof".into()))
    );
}

#[test]
fn errors_carry_offsets_and_falco_wording() {
    let e = parse("evt.type = execve execve").unwrap_err();
    assert_eq!(
        e.message,
        "unexpected token after 'execve', expecting 'or', 'and'"
    );
    assert_eq!(e.offset, 18);
    assert_eq!(parse("(a").unwrap_err().message, "expected a ')' token");
    assert!(parse("").is_err());
    assert!(parse("   ").is_err());
    assert!(parse("a.b > abc").unwrap_err().message.contains("number"));
    assert!(parse("a.b").is_err());
    assert!(parse("a.b in (x").is_err());
    assert!(parse("a.b = ").is_err());
    assert!(parse("a and").is_err());
    assert!(parse("a.b[x = 1").is_err());
}

#[test]
fn nesting_is_capped_not_a_stack_overflow() {
    let ok = "(".repeat(999) + "a" + &")".repeat(999);
    assert_eq!(p(&ok), m("a"));
    let deep = "(".repeat(1000) + "a" + &")".repeat(1000);
    assert_eq!(
        parse(&deep).unwrap_err().message,
        "exceeded max depth limit of 1000"
    );
    let nots = "not ".repeat(5000) + "a";
    assert!(parse(&nots).is_err());
    let huge = "(".repeat(100_000);
    assert!(parse(&huge).is_err());
}
