//! The condition syntax tree, before fields are resolved.

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Op {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Contains,
    IContains,
    BContains,
    StartsWith,
    BStartsWith,
    EndsWith,
    Glob,
    IGlob,
    Regex,
    In,
    Intersects,
    PMatch,
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
    OneOf,
    AnyOf,
    AllOf,
}

/// A transformer applied to an operand.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Transformer {
    ToLower,
    ToUpper,
    B64,
    Basename,
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
    Join,
    Concat,
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
    Operand(Operand),
    /// A quoted string (libsinsp's raw string check: one text value).
    Literal(String),
}

/// A multi-operand transformer call with its optional `[arg]`.
#[derive(Debug, Clone, PartialEq)]
pub struct MultiCall {
    pub kind: MultiTransformer,
    pub args: Vec<MultiArg>,
    pub arg: Option<String>,
}

/// A field, possibly wrapped in transformers (outermost first).
#[derive(Debug, Clone, PartialEq)]
pub struct Operand {
    /// Empty when the operand is a [`MultiCall`].
    pub field: String,
    pub arg: Option<String>,
    pub transformers: Vec<Transformer>,
    /// Byte offset in the condition.
    pub offset: usize,
    /// A multi-operand transformer in place of the field.
    pub multi: Option<Box<MultiCall>>,
}

/// The right-hand side of a comparison.
#[derive(Debug, Clone, PartialEq)]
pub enum Rhs {
    None,
    Value(String),
    List(Vec<String>),
    /// Another field (`val(f)` or a transformer).
    Field(Operand),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    And(Vec<Expr>),
    Or(Vec<Expr>),
    Not(Box<Expr>),
    /// A bare identifier: a macro reference.
    Macro(String, usize),
    Check {
        lhs: Operand,
        op: Op,
        modifier: Option<Modifier>,
        rhs: Rhs,
    },
}
