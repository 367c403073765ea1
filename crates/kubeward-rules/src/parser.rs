//! The condition parser: libsinsp's grammar, recursive descent with a depth limit.
//!
//! `not` binds tightest, then `and`, then `or`. Nesting (parentheses, `not`) is capped
//! at [`MAX_DEPTH`] so a hostile condition gives an error instead of a stack overflow.

use crate::ast::{
    Expr, Modifier, MultiArg, MultiCall, MultiTransformer, Op, Operand, Rhs, Transformer,
};

/// Falco's parser caps recursion depth at 1000.
pub const MAX_DEPTH: usize = 1000;

/// A syntax error at a byte offset of the condition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// Byte offset in the condition where parsing failed.
    pub offset: usize,
    /// What was expected or wrong, in Falco's words.
    pub message: String,
}

/// Parses a rule or macro condition into its syntax tree (macros and lists are not expanded).
pub fn parse(text: &str) -> Result<Expr, ParseError> {
    let mut p = Parser {
        s: text.as_bytes(),
        text,
        pos: 0,
        depth: 0,
        last: 0,
    };
    p.blanks();
    if p.pos >= p.s.len() {
        return Err(p.err("empty condition".into()));
    }
    let e = p.or()?;
    p.blanks();
    if p.pos < p.s.len() {
        let tok = p.text.get(p.last..p.pos).unwrap_or("").trim();
        return Err(p.err(format!(
            "unexpected token after '{tok}', expecting 'or', 'and'"
        )));
    }
    Ok(e)
}

struct Parser<'a> {
    s: &'a [u8],
    text: &'a str,
    pos: usize,
    depth: usize,
    /// Start of the last token consumed, for messages.
    last: usize,
}

fn is_blank(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\x08' | b'\r' | b'\n')
}

fn is_bare(c: u8) -> bool {
    !(is_blank(c) || matches!(c, b'(' | b')' | b'"' | b'\'' | b'=' | b','))
}

impl<'a> Parser<'a> {
    fn err(&self, message: String) -> ParseError {
        ParseError {
            offset: self.pos,
            message,
        }
    }

    fn peek(&self) -> Option<u8> {
        self.s.get(self.pos).copied()
    }

    fn blanks(&mut self) {
        while self.peek().is_some_and(is_blank) {
            self.pos += 1;
        }
    }

    fn rest(&self) -> &'a [u8] {
        self.s.get(self.pos..).unwrap_or(&[])
    }

    /// Whether keyword `kw` is next, followed by a blank or (if `paren`) `(`.
    fn at_keyword(&self, kw: &str, paren: bool) -> bool {
        let rest = self.rest();
        rest.starts_with(kw.as_bytes())
            && rest
                .get(kw.len())
                .is_some_and(|&c| is_blank(c) || (paren && c == b'('))
    }

    fn enter(&mut self) -> Result<(), ParseError> {
        self.depth += 1;
        if self.depth >= MAX_DEPTH {
            return Err(self.err(format!("exceeded max depth limit of {MAX_DEPTH}")));
        }
        Ok(())
    }

    /// The whole grammar above checks, without recursion: each open parenthesis is a
    /// frame holding its finished `or` operands, the `and` run in progress and the
    /// `not`s written before it.
    fn or(&mut self) -> Result<Expr, ParseError> {
        let mut frames = vec![Frame::default()];
        loop {
            // An operand: `not`s, then a parenthesis or a check.
            self.blanks();
            let mut nots = 0usize;
            while self.at_keyword("not", true) {
                nots += 1;
                self.enter()?;
                self.last = self.pos;
                self.pos += 3;
                self.blanks();
            }
            if self.peek() == Some(b'(') {
                self.enter()?;
                self.last = self.pos;
                self.pos += 1;
                frames.push(Frame {
                    nots,
                    ..Frame::default()
                });
                continue;
            }
            let atom = self.check()?;
            self.depth -= nots;
            let top = frames
                .last_mut()
                .ok_or_else(|| self.err("internal".into()))?;
            top.ands.push(negate(atom, nots));
            // Operators and closing parentheses.
            loop {
                self.blanks();
                if self.at_keyword("and", true) {
                    self.last = self.pos;
                    self.pos += 3;
                    break;
                }
                if self.at_keyword("or", true) {
                    self.last = self.pos;
                    self.pos += 2;
                    if let Some(top) = frames.last_mut() {
                        let run = std::mem::take(&mut top.ands);
                        top.ors.push(group(run, Expr::And));
                    }
                    break;
                }
                if self.peek() == Some(b')') && frames.len() > 1 {
                    self.last = self.pos;
                    self.pos += 1;
                    let Some(done) = frames.pop() else { break };
                    let nots = done.nots;
                    let e = done.finish();
                    self.depth -= 1 + nots;
                    if let Some(top) = frames.last_mut() {
                        top.ands.push(negate(e, nots));
                    }
                    continue;
                }
                if frames.len() > 1 && self.pos >= self.s.len() {
                    return Err(self.err("expected a ')' token".into()));
                }
                // End of this expression: the caller checks what follows.
                return match frames.pop() {
                    Some(f) if frames.is_empty() => Ok(f.finish()),
                    _ => Err(self.err("expected a ')' token".into())),
                };
            }
        }
    }

    /// A check or a macro name (parentheses are handled by [`Self::or`]).
    fn check(&mut self) -> Result<Expr, ParseError> {
        self.blanks();
        let start = self.pos;
        let Some(ident) = self.ident() else {
            return Err(self.err("expected a field, a transformer or a macro name".into()));
        };
        self.last = start;
        if self.peek() == Some(b'(') {
            if let Some(t) = Transformer::parse(ident) {
                let lhs = self.transformed(t, start)?;
                return self.cond(lhs);
            }
            if let Some(m) = MultiTransformer::parse(ident) {
                let lhs = self.multi(m, start)?;
                return self.cond(lhs);
            }
            return Err(ParseError {
                offset: start,
                message: format!("unknown transformer '{ident}'"),
            });
        }
        if self.peek() == Some(b'.') {
            self.pos = start;
            let lhs = self.field()?;
            return self.cond(lhs);
        }
        Ok(Expr::Macro(ident.to_owned(), start))
    }

    /// `[a-zA-Z]+[a-zA-Z0-9_]*`
    fn ident(&mut self) -> Option<&'a str> {
        let start = self.pos;
        if !self.peek().is_some_and(|c| c.is_ascii_alphabetic()) {
            return None;
        }
        while self
            .peek()
            .is_some_and(|c| c.is_ascii_alphanumeric() || c == b'_')
        {
            self.pos += 1;
        }
        self.text.get(start..self.pos)
    }

    /// `IDENT(.IDENT)+` with an optional `[arg]`.
    fn field(&mut self) -> Result<Operand, ParseError> {
        let start = self.pos;
        let mut dots = 0;
        loop {
            if self.ident().is_none() {
                return Err(self.err("expected a field name".into()));
            }
            if self.peek() == Some(b'.') {
                self.pos += 1;
                dots += 1;
            } else {
                break;
            }
        }
        if dots == 0 {
            return Err(ParseError {
                offset: start,
                message: "expected a field name".into(),
            });
        }
        let name = self.text.get(start..self.pos).unwrap_or("").to_owned();
        let arg = self.bracket_arg()?;
        Ok(Operand {
            field: name,
            arg,
            transformers: Vec::new(),
            offset: start,
            multi: None,
        })
    }

    /// An optional `[arg]`: quoted, or bare up to `]`.
    fn bracket_arg(&mut self) -> Result<Option<String>, ParseError> {
        let mut arg = None;
        if self.peek() == Some(b'[') {
            self.pos += 1;
            let value = if matches!(self.peek(), Some(b'"' | b'\'')) {
                self.quoted()?
            } else {
                let from = self.pos;
                while self
                    .peek()
                    .is_some_and(|c| !(is_blank(c) || matches!(c, b'[' | b']' | b'"' | b'\'')))
                {
                    self.pos += 1;
                }
                if from == self.pos {
                    return Err(self.err("expected a field argument".into()));
                }
                self.text.get(from..self.pos).unwrap_or("").to_owned()
            };
            if self.peek() != Some(b']') {
                return Err(self.err("expected a ']' token".into()));
            }
            self.pos += 1;
            arg = Some(value);
        }
        Ok(arg)
    }

    /// After `join`, `concat` or `getopt`: `(` arguments `)` and an optional `[arg]`.
    /// Arguments are fields, transformer calls or quoted strings; their number and
    /// types are checked when the condition is compiled, as libsinsp does.
    fn multi(&mut self, kind: MultiTransformer, start: usize) -> Result<Operand, ParseError> {
        self.enter()?;
        self.pos += 1;
        let mut args = Vec::new();
        loop {
            self.blanks();
            if args.is_empty() && self.peek() == Some(b')') {
                break;
            }
            let arg = if matches!(self.peek(), Some(b'"' | b'\'')) {
                MultiArg::Literal(self.quoted()?)
            } else {
                MultiArg::Operand(self.operand()?)
            };
            args.push(arg);
            self.blanks();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b')') => break,
                _ => {
                    return Err(self.err(format!(
                        "expected a ',' or a ')' token in the arguments of '{}'",
                        kind.name()
                    )));
                }
            }
        }
        self.pos += 1;
        self.depth -= 1;
        let arg = self.bracket_arg()?;
        Ok(Operand {
            field: String::new(),
            arg: None,
            transformers: Vec::new(),
            offset: start,
            multi: Some(Box::new(MultiCall { kind, args, arg })),
        })
    }

    /// After `name(` of a transformer: its operand and `)`.
    fn transformed(&mut self, t: Transformer, start: usize) -> Result<Operand, ParseError> {
        self.enter()?;
        self.pos += 1;
        self.blanks();
        let mut inner = self.operand()?;
        self.blanks();
        if self.peek() != Some(b')') {
            return Err(self.err("expected a ')' token".into()));
        }
        self.pos += 1;
        self.depth -= 1;
        inner.transformers.insert(0, t);
        inner.offset = start;
        Ok(inner)
    }

    /// A field or a transformer call.
    fn operand(&mut self) -> Result<Operand, ParseError> {
        let start = self.pos;
        if let Some(name) = self.ident()
            && self.peek() == Some(b'(')
        {
            if let Some(m) = MultiTransformer::parse(name) {
                return self.multi(m, start);
            }
            return match Transformer::parse(name) {
                Some(t) => self.transformed(t, start),
                None => Err(ParseError {
                    offset: start,
                    message: format!("unknown transformer '{name}'"),
                }),
            };
        }
        self.pos = start;
        self.field()
    }

    /// A transformer or `val(...)` on the right-hand side, if one starts here.
    fn rhs_operand(&mut self) -> Result<Option<Operand>, ParseError> {
        let start = self.pos;
        let Some(name) = self.ident() else {
            return Ok(None);
        };
        if self.peek() != Some(b'(') {
            self.pos = start;
            return Ok(None);
        }
        if name == "val" {
            self.enter()?;
            self.pos += 1;
            self.blanks();
            let f = self.operand()?;
            self.blanks();
            if self.peek() != Some(b')') {
                return Err(self.err("expected a ')' token".into()));
            }
            self.pos += 1;
            self.depth -= 1;
            return Ok(Some(f));
        }
        if let Some(m) = MultiTransformer::parse(name) {
            return self.multi(m, start).map(Some);
        }
        match Transformer::parse(name) {
            Some(t) => self.transformed(t, start).map(Some),
            None => {
                self.pos = start;
                Ok(None)
            }
        }
    }

    fn operator(&mut self) -> Option<Op> {
        let rest = self.rest();
        for sym in ["<=", ">=", "==", "!=", "<", ">", "="] {
            if rest.starts_with(sym.as_bytes()) {
                self.pos += sym.len();
                return Op::parse(sym);
            }
        }
        let len = rest.iter().take_while(|c| c.is_ascii_alphabetic()).count();
        let word = std::str::from_utf8(rest.get(..len)?).ok()?;
        let op = Op::parse(word)?;
        let next = rest.get(len).copied();
        let ok = match op {
            Op::Exists => next.is_none_or(|c| is_blank(c) || c == b')'),
            o if o.is_list_op() => next.is_some_and(|c| is_blank(c) || c == b'('),
            _ => next.is_some_and(is_blank),
        };
        if !ok {
            return None;
        }
        self.pos += len;
        Some(op)
    }

    fn cond(&mut self, lhs: Operand) -> Result<Expr, ParseError> {
        self.blanks();
        let op_at = self.pos;
        let Some(op) = self.operator() else {
            return Err(self.err("expected a valid operator".into()));
        };
        self.last = op_at;
        let check = |rhs, modifier| Expr::Check {
            lhs: lhs.clone(),
            op,
            modifier,
            rhs,
        };
        if op == Op::Exists {
            return Ok(check(Rhs::None, None));
        }
        self.blanks();
        self.last = self.pos;
        if matches!(op, Op::Lt | Op::Le | Op::Gt | Op::Ge) {
            if let Some(f) = self.rhs_operand()? {
                return Ok(check(Rhs::Field(f), None));
            }
            let n = self
                .number()
                .ok_or_else(|| self.err("expected a number".into()))?;
            return Ok(check(Rhs::Value(n), None));
        }
        if op.is_list_op() {
            if self.peek() == Some(b'(') {
                return Ok(check(Rhs::List(self.list()?), None));
            }
            if let Some(f) = self.rhs_operand()? {
                return Ok(check(Rhs::Field(f), None));
            }
            let start = self.pos;
            return match self.ident() {
                // A list name left after substitution: one literal value.
                Some(name) => Ok(check(Rhs::List(vec![name.to_owned()]), None)),
                None => {
                    self.pos = start;
                    Err(self.err("expected a list".into()))
                }
            };
        }
        if let Some(m) = self.modifier() {
            self.blanks();
            if self.peek() != Some(b'(') {
                return Err(self.err("expected a list".into()));
            }
            return Ok(check(Rhs::List(self.list()?), Some(m)));
        }
        if let Some(f) = self.rhs_operand()? {
            return Ok(check(Rhs::Field(f), None));
        }
        let v = self.value()?;
        Ok(check(Rhs::Value(v), None))
    }

    /// `oneof`/`anyof`/`allof`, only when a list follows (else it is a plain value,
    /// as in `proc.name = anyof`).
    fn modifier(&mut self) -> Option<Modifier> {
        let rest = self.rest();
        for (word, m) in [
            ("oneof", Modifier::OneOf),
            ("anyof", Modifier::AnyOf),
            ("allof", Modifier::AllOf),
        ] {
            if let Some(after) = rest.strip_prefix(word.as_bytes()) {
                let i = after.iter().take_while(|c| is_blank(**c)).count();
                if after.get(i) == Some(&b'(') {
                    self.pos += word.len() + i;
                    return Some(m);
                }
            }
        }
        None
    }

    fn number(&mut self) -> Option<String> {
        let rest = self.rest();
        let mut i = 0;
        if rest.starts_with(b"0x") || rest.starts_with(b"0X") {
            i = 2 + count_from(rest, 2, u8::is_ascii_hexdigit).filter(|&n| n > 0)?;
        } else {
            if matches!(rest.first(), Some(b'+' | b'-')) {
                i += 1;
            }
            i += count_from(rest, i, u8::is_ascii_digit).filter(|&d| d > 0)?;
            if rest.get(i) == Some(&b'.') {
                i += 1;
                i += count_from(rest, i, u8::is_ascii_digit)?;
            }
            if matches!(rest.get(i), Some(b'e' | b'E'))
                && matches!(rest.get(i + 1), Some(b'+' | b'-'))
                && rest.get(i + 2).is_some_and(u8::is_ascii_digit)
            {
                i += 2;
                i += count_from(rest, i, u8::is_ascii_digit)?;
            }
        }
        let s = self.text.get(self.pos..self.pos + i)?.to_owned();
        self.pos += i;
        Some(s)
    }

    /// A quoted or bare string value.
    fn value(&mut self) -> Result<String, ParseError> {
        if matches!(self.peek(), Some(b'"' | b'\'')) {
            return self.quoted();
        }
        let start = self.pos;
        while self.peek().is_some_and(is_bare) {
            self.pos += 1;
        }
        if start == self.pos {
            return Err(self.err("expected a value".into()));
        }
        Ok(self.text.get(start..self.pos).unwrap_or("").to_owned())
    }

    /// `( v, v, … )`, possibly empty.
    fn list(&mut self) -> Result<Vec<String>, ParseError> {
        self.pos += 1;
        let mut items = Vec::new();
        self.blanks();
        if self.peek() == Some(b')') {
            self.pos += 1;
            return Ok(items);
        }
        loop {
            self.blanks();
            items.push(self.value()?);
            self.blanks();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b')') => {
                    self.pos += 1;
                    return Ok(items);
                }
                _ => return Err(self.err("expected a ',' or ')' token".into())),
            }
        }
    }

    fn quoted(&mut self) -> Result<String, ParseError> {
        let Some(q) = self.peek() else {
            return Err(self.err("expected a value".into()));
        };
        let open = self.pos;
        self.pos += 1;
        let mut out = Vec::new();
        loop {
            let Some(c) = self.peek() else {
                return Err(ParseError {
                    offset: open,
                    message: "unterminated quoted string".into(),
                });
            };
            self.pos += 1;
            if c == q {
                break;
            }
            if c != b'\\' {
                out.push(c);
                continue;
            }
            let Some(e) = self.peek() else {
                continue;
            };
            self.pos += 1;
            match e {
                b'b' => out.push(8),
                b'f' => out.push(12),
                b'n' => out.push(b'\n'),
                b'r' => out.push(b'\r'),
                b't' => out.push(b'\t'),
                b'\\' => out.push(b'\\'),
                b'/' => out.push(b'/'),
                // Falco keeps one backslash and drops the space (sandbox rules rely on it).
                b' ' => out.push(b'\\'),
                b'"' | b'\'' if e == q => out.push(e),
                b'x' => {
                    let hex = self.text.get(self.pos..self.pos + 2).unwrap_or("");
                    let v = u8::from_str_radix(hex, 16)
                        .map_err(|_| self.err("invalid \\x escape in quoted string".into()))?;
                    self.pos += 2;
                    out.push(v);
                }
                _ => {
                    return Err(ParseError {
                        offset: self.pos - 2,
                        message: format!(
                            "invalid escape sequence '\\{}' in quoted string",
                            e as char
                        ),
                    });
                }
            }
        }
        String::from_utf8(out).map_err(|_| self.err("quoted string is not valid UTF-8".into()))
    }
}

#[derive(Default)]
struct Frame {
    ors: Vec<Expr>,
    ands: Vec<Expr>,
    nots: usize,
}

impl Frame {
    fn finish(mut self) -> Expr {
        let run = std::mem::take(&mut self.ands);
        self.ors.push(group(run, Expr::And));
        group(self.ors, Expr::Or)
    }
}

/// One item stays itself (so `((a))` is just `a`); more make an n-ary node.
fn group(mut items: Vec<Expr>, make: fn(Vec<Expr>) -> Expr) -> Expr {
    if items.len() == 1 {
        items.pop().unwrap_or_else(|| make(Vec::new()))
    } else {
        make(items)
    }
}

fn negate(mut e: Expr, nots: usize) -> Expr {
    for _ in 0..nots {
        e = Expr::Not(Box::new(e));
    }
    e
}

/// How many bytes of `rest`, from `at` on, satisfy `is` (`None` when `at` is past its end).
fn count_from(rest: &[u8], at: usize, is: fn(&u8) -> bool) -> Option<usize> {
    Some(rest.get(at..)?.iter().take_while(|c| is(c)).count())
}

#[cfg(test)]
mod tests;
