//! fnmatch(3) without flags, precompiled: `*` crosses `/`, `?`, `[…]` classes with `!`
//! or `^` negation and ranges, `\` escapes. Matching is iterative with one backtrack
//! point, so no pattern can make it exponential.

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Byte(u8),
    Any,
    Star,
    Class(bool, Vec<(u8, u8)>),
}

/// A compiled pattern.
#[derive(Debug, Clone, PartialEq)]
pub struct Glob {
    toks: Vec<Tok>,
    icase: bool,
}

impl Glob {
    /// Compiles `pattern`; `icase` folds ASCII case on both sides.
    pub fn new(pattern: &str, icase: bool) -> Glob {
        let p = pattern.as_bytes();
        let mut toks = Vec::new();
        let mut i = 0;
        let fold = |c: u8| if icase { c.to_ascii_lowercase() } else { c };
        while let Some(&c) = p.get(i) {
            i += 1;
            match c {
                b'*' => toks.push(Tok::Star),
                b'?' => toks.push(Tok::Any),
                b'\\' => {
                    let e = p.get(i).copied().unwrap_or(b'\\');
                    i += 1;
                    toks.push(Tok::Byte(fold(e)));
                }
                b'[' => match class(p, i, &fold) {
                    Some((tok, next)) => {
                        toks.push(tok);
                        i = next;
                    }
                    None => toks.push(Tok::Byte(b'[')),
                },
                c => toks.push(Tok::Byte(fold(c))),
            }
        }
        Glob { toks, icase }
    }

    /// Whether `text` matches the whole pattern.
    pub fn matches(&self, text: &[u8]) -> bool {
        let (mut t, mut p) = (0usize, 0usize);
        let mut back: Option<(usize, usize)> = None;
        loop {
            let c = text.get(t).map(|&c| {
                if self.icase {
                    c.to_ascii_lowercase()
                } else {
                    c
                }
            });
            match (self.toks.get(p), c) {
                (Some(Tok::Star), _) => {
                    back = Some((p, t));
                    p += 1;
                    continue;
                }
                (Some(tok), Some(c)) if one(tok, c) => {
                    p += 1;
                    t += 1;
                    continue;
                }
                (None, None) => return true,
                _ => {}
            }
            match back {
                Some((bp, bt)) if bt < text.len() => {
                    back = Some((bp, bt + 1));
                    p = bp + 1;
                    t = bt + 1;
                }
                _ => return false,
            }
        }
    }
}

fn one(tok: &Tok, c: u8) -> bool {
    match tok {
        Tok::Byte(b) => *b == c,
        Tok::Any => true,
        Tok::Class(neg, ranges) => ranges.iter().any(|(lo, hi)| (*lo..=*hi).contains(&c)) != *neg,
        Tok::Star => false,
    }
}

fn class(p: &[u8], mut i: usize, fold: &dyn Fn(u8) -> u8) -> Option<(Tok, usize)> {
    let neg = matches!(p.get(i), Some(b'!' | b'^'));
    if neg {
        i += 1;
    }
    let mut ranges = Vec::new();
    let mut first = true;
    loop {
        let c = *p.get(i)?;
        if c == b']' && !first {
            return Some((Tok::Class(neg, ranges), i + 1));
        }
        first = false;
        let lo = if c == b'\\' {
            i += 1;
            *p.get(i)?
        } else {
            c
        };
        i += 1;
        if p.get(i) == Some(&b'-') && p.get(i + 1).is_some_and(|&n| n != b']') {
            let hi = *p.get(i + 1)?;
            ranges.push((fold(lo), fold(hi)));
            i += 2;
        } else {
            ranges.push((fold(lo), fold(lo)));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Glob;

    #[test]
    fn fnmatch_semantics() {
        let m = |p: &str, t: &str| Glob::new(p, false).matches(t.as_bytes());
        assert!(m("/etc/*", "/etc/a/b"));
        assert!(m("*.so", "lib.so"));
        assert!(!m("*.so", "lib.so.1"));
        assert!(m("a?c", "abc"));
        assert!(m("[a-c]x", "bx"));
        assert!(!m("[!a-c]x", "bx"));
        assert!(m("\\*", "*"));
        assert!(!m("\\*", "a"));
        assert!(m("[", "["));
        assert!(!m("abc", "abcd"));
        assert!(Glob::new("ABC*", true).matches(b"abcdef"));
        let evil = "a*".repeat(30) + "b";
        assert!(!m(&evil, &"a".repeat(100)));
    }
}
