//! The condition syntax tree, before fields are resolved.

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Op {
    /// `=` (also written `==`): equal.
    Eq,
    /// `!=`: not equal.
    Ne,
    /// `<`: less than (numeric fields).
    Lt,
    /// `<=`: less than or equal (numeric fields).
    Le,
    /// `>`: greater than (numeric fields).
    Gt,
    /// `>=`: greater than or equal (numeric fields).
    Ge,
    /// `contains`: the value holds the operand as a substring.
    Contains,
    /// `icontains`: `contains`, ignoring ASCII case.
    IContains,
    /// `bcontains`: the value's bytes hold the operand, written in hex.
    BContains,
    /// `startswith`: the value begins with the operand.
    StartsWith,
    /// `bstartswith`: the value's bytes begin with the operand, written in hex.
    BStartsWith,
    /// `endswith`: the value ends with the operand.
    EndsWith,
    /// `glob`: the value matches a shell-style pattern (`*`, `?`, `[...]`).
    Glob,
    /// `iglob`: `glob`, ignoring case.
    IGlob,
    /// `regex`: the value matches a regular expression.
    Regex,
    /// `in`: the value equals one of a list.
    In,
    /// `intersects`: a list field shares at least one value with the list.
    Intersects,
    /// `pmatch`: the value is a path under one of the listed path prefixes.
    PMatch,
    /// `exists`: the field has a value in the event (takes no right-hand side).
    Exists,
}

impl Op {
    /// The operator as written in conditions.
    pub fn text(self) -> &'static str {
        match self {
            Op::Eq => "=",
            Op::Ne => "!=",
            Op::Lt => "<",
            Op::Le => "<=",
            Op::Gt => ">",
            Op::Ge => ">=",
            Op::Contains => "contains",
            Op::IContains => "icontains",
            Op::BContains => "bcontains",
            Op::StartsWith => "startswith",
            Op::BStartsWith => "bstartswith",
            Op::EndsWith => "endswith",
            Op::Glob => "glob",
            Op::IGlob => "iglob",
            Op::Regex => "regex",
            Op::In => "in",
            Op::Intersects => "intersects",
            Op::PMatch => "pmatch",
            Op::Exists => "exists",
        }
    }

    /// Parses an operator word or symbol (`==` is `=`).
    pub fn parse(text: &str) -> Option<Op> {
        Some(match text {
            "=" | "==" => Op::Eq,
            "!=" => Op::Ne,
            "<" => Op::Lt,
            "<=" => Op::Le,
            ">" => Op::Gt,
            ">=" => Op::Ge,
            "contains" => Op::Contains,
            "icontains" => Op::IContains,
            "bcontains" => Op::BContains,
            "startswith" => Op::StartsWith,
            "bstartswith" => Op::BStartsWith,
            "endswith" => Op::EndsWith,
            "glob" => Op::Glob,
            "iglob" => Op::IGlob,
            "regex" => Op::Regex,
            "in" => Op::In,
            "intersects" => Op::Intersects,
            "pmatch" => Op::PMatch,
            "exists" => Op::Exists,
            _ => return None,
        })
    }

    pub(crate) fn is_list_op(self) -> bool {
        matches!(self, Op::In | Op::Intersects | Op::PMatch)
    }
}

/// `oneof` / `anyof` / `allof` after a string operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Modifier {
    /// `oneof`: exactly one of the listed values matches.
    OneOf,
    /// `anyof`: at least one of the listed values matches (as with no modifier).
    AnyOf,
    /// `allof`: every listed value matches.
    AllOf,
}

/// A transformer applied to an operand.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Transformer {
    /// `tolower(f)`: the value in lower case.
    ToLower,
    /// `toupper(f)`: the value in upper case.
    ToUpper,
    /// `b64(f)`: the value decoded from base64.
    B64,
    /// `basename(f)`: the last component of a path value.
    Basename,
    /// `len(f)`: the length in bytes of a string or bytes value, or the number of items of a list field.
    Len,
}

impl Transformer {
    pub(crate) fn parse(name: &str) -> Option<Transformer> {
        Some(match name {
            "tolower" => Transformer::ToLower,
            "toupper" => Transformer::ToUpper,
            "b64" => Transformer::B64,
            "basename" => Transformer::Basename,
            "len" => Transformer::Len,
            _ => return None,
        })
    }
}

/// A transformer over several operands (libs 0.24+): `join(sep, list)`,
/// `concat(a, b, …)`, `getopt(args, optstring)[c]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MultiTransformer {
    /// `join(sep, list)`: the list's items joined with `sep`.
    Join,
    /// `concat(a, b, …)`: the operands' values joined without a separator.
    Concat,
    /// `getopt(args, optstring)[c]`: the value of option `-c` in a command line, parsed as getopt(3) would.
    Getopt,
}

impl MultiTransformer {
    pub(crate) fn parse(name: &str) -> Option<MultiTransformer> {
        Some(match name {
            "join" => MultiTransformer::Join,
            "concat" => MultiTransformer::Concat,
            "getopt" => MultiTransformer::Getopt,
            _ => return None,
        })
    }

    /// The transformer's name as written in conditions.
    pub fn name(self) -> &'static str {
        match self {
            MultiTransformer::Join => "join",
            MultiTransformer::Concat => "concat",
            MultiTransformer::Getopt => "getopt",
        }
    }
}

/// One argument of a [`MultiCall`].
#[derive(Debug, Clone, PartialEq)]
pub enum MultiArg {
    /// A field or a transformer call.
    Operand(Operand),
    /// A quoted string (libsinsp's raw string check: one text value).
    Literal(String),
}

/// A multi-operand transformer call with its optional `[arg]`.
#[derive(Debug, Clone, PartialEq)]
pub struct MultiCall {
    /// Which transformer.
    pub kind: MultiTransformer,
    /// The operands, in order.
    pub args: Vec<MultiArg>,
    /// The bracketed argument after the call (only `getopt` takes one: the option letter).
    pub arg: Option<String>,
}

/// A field, possibly wrapped in transformers (outermost first).
#[derive(Debug, Clone, PartialEq)]
pub struct Operand {
    /// Empty when the operand is a [`MultiCall`].
    pub field: String,
    /// The field's bracketed argument, e.g. `0` of `proc.aname[0]` or `/user/username` of `jevt.value[/user/username]`.
    pub arg: Option<String>,
    /// Transformers applied to the field, outermost first.
    pub transformers: Vec<Transformer>,
    /// Byte offset in the condition.
    pub offset: usize,
    /// A multi-operand transformer in place of the field.
    pub multi: Option<Box<MultiCall>>,
}

/// The right-hand side of a comparison.
#[derive(Debug, Clone, PartialEq)]
pub enum Rhs {
    /// No right-hand side (`exists`).
    None,
    /// One value: a bare word or a quoted string.
    Value(String),
    /// A parenthesized list, e.g. `(bash, sh)`; list names are expanded later.
    List(Vec<String>),
    /// Another field (`val(f)` or a transformer).
    Field(Operand),
}

/// A parsed condition.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// All of the sub-conditions (`and`).
    And(Vec<Expr>),
    /// Any of the sub-conditions (`or`).
    Or(Vec<Expr>),
    /// `not` of the sub-condition.
    Not(Box<Expr>),
    /// A bare identifier: a macro reference.
    Macro(String, usize),
    /// A field compared with a right-hand side by an operator.
    Check {
        /// The field (or transformed field) on the left.
        lhs: Operand,
        /// The operator.
        op: Op,
        /// `oneof`/`anyof`/`allof` written before a list, if any.
        modifier: Option<Modifier>,
        /// What the field is compared with.
        rhs: Rhs,
    },
}
