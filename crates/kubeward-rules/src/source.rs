//! The seam between the engine and event sources.
//!
//! A source describes itself with a [`SourceSpec`]: its name (`k8s_audit`), its field
//! table ([`FieldDef`]: name, [`FieldType`], list-ness, [`ArgSpec`], description) and the
//! plugin versions it stands for (checked against `required_plugin_versions`). The
//! loader resolves every field of every condition and output against that table once,
//! into a [`FieldRef`] (the source's own `id` plus the parsed argument). Per event the
//! engine calls [`Event::extract`] with that handle; the source appends the field's
//! values, borrowing from the event where it can, or appends nothing when the value is
//! missing (Falco's "missing" covers absent paths, extraction errors and empty lists).
//!
//! ```
//! use kubeward_rules::source::{ArgSpec, Event, FieldDef, FieldRef, FieldType, SourceSpec, Value};
//!
//! // A toy source whose events are `(user, groups)` pairs.
//! struct Ev { user: String, groups: Vec<String> }
//! const USER: u32 = 0;
//! const GROUPS: u32 = 1;
//!
//! impl Event for Ev {
//!     fn time_ns(&self) -> i64 { 0 }
//!     fn extract<'e>(&'e self, field: &FieldRef, out: &mut Vec<Value<'e>>) {
//!         match field.id {
//!             USER => out.push(Value::str(&self.user)),
//!             GROUPS => out.extend(self.groups.iter().map(|g| Value::str(g))),
//!             _ => {}
//!         }
//!     }
//! }
//!
//! let spec = SourceSpec::new("toy", vec![
//!     FieldDef::new(USER, "toy.user", FieldType::String, "the user name"),
//!     FieldDef::new(GROUPS, "toy.groups", FieldType::String, "the user's groups").list(),
//! ]);
//! assert_eq!(spec.field("toy.groups").map(|f| f.list), Some(true));
//! # let _ = ArgSpec::NONE;
//! ```

use std::borrow::Cow;
use std::net::IpAddr;

/// The type of a field's values, as Falco's filterchecks know them. It decides which
/// operators a condition may apply and how the right-hand value is converted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FieldType {
    /// Text (also Falco's `charbuf` and `fspath`).
    String,
    /// Raw bytes (`bytebuf`): `bcontains`/`bstartswith` take hex.
    Bytes,
    /// Signed integers (`int8`…`int64`).
    I64,
    /// Unsigned integers (`uint8`…`uint64`, flags, modes).
    U64,
    /// A duration in ns (`reltime`).
    RelTime,
    /// A point in time, ns since the epoch (`abstime`).
    AbsTime,
    /// `double`.
    F64,
    /// `bool`.
    Bool,
    /// An IPv4/IPv6 address.
    IpAddr,
    /// An IP network (CIDR): `=` means "address in network".
    IpNet,
    /// A port number (`port`).
    Port,
    /// A value whose type depends on the event (`evt.rawarg`); compared as text.
    Dyn,
}

impl FieldType {
    /// The name Falco prints in field listings.
    pub fn falco_name(self) -> &'static str {
        match self {
            FieldType::String => "CHARBUF",
            FieldType::Bytes => "BYTEBUF",
            FieldType::I64 => "INT64",
            FieldType::U64 => "UINT64",
            FieldType::RelTime => "RELTIME",
            FieldType::AbsTime => "ABSTIME",
            FieldType::F64 => "DOUBLE",
            FieldType::Bool => "BOOL",
            FieldType::IpAddr => "IPADDR",
            FieldType::IpNet => "IPNET",
            FieldType::Port => "PORT",
            FieldType::Dyn => "DYNAMIC",
        }
    }
}

/// What kind of argument a field takes in brackets (`f[arg]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArgKind {
    /// No argument.
    None,
    /// A decimal index without leading zeros (`ka.req.pod.containers.image[0]`).
    Index,
    /// Any text (`jevt.value[/user/username]`, `ka.uri.param[command]`).
    Key,
    /// An index when it is one, else a key (`proc.aenv[1]`, `proc.aenv[HOME]`).
    IndexOrKey,
}

/// A field's argument rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ArgSpec {
    /// Whether the argument is an index, a key, or either.
    pub kind: ArgKind,
    /// An argument must be given.
    pub required: bool,
    /// The argument may also follow a dot (`evt.arg.path`, `thread.cgroup.cpu`).
    pub dotted: bool,
}

impl ArgSpec {
    /// No argument accepted.
    pub const NONE: ArgSpec = ArgSpec {
        kind: ArgKind::None,
        required: false,
        dotted: false,
    };

    /// A numeric index argument (`f[0]`), required or optional.
    pub const fn index(required: bool) -> ArgSpec {
        ArgSpec {
            kind: ArgKind::Index,
            required,
            dotted: false,
        }
    }

    /// A key argument (`f[name]`), required or optional.
    pub const fn key(required: bool) -> ArgSpec {
        ArgSpec {
            kind: ArgKind::Key,
            required,
            dotted: false,
        }
    }

    /// An index when the argument is a number, else a key, required or optional.
    pub const fn index_or_key(required: bool) -> ArgSpec {
        ArgSpec {
            kind: ArgKind::IndexOrKey,
            required,
            dotted: false,
        }
    }

    /// The same spec, also accepting `name.arg`.
    pub const fn dotted(mut self) -> ArgSpec {
        self.dotted = true;
        self
    }
}

/// One field of a source's table.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldDef {
    /// The source's own handle for this field, handed back in [`FieldRef::id`].
    pub id: u32,
    /// The field's name as written in conditions and outputs, e.g. `ka.user.name`.
    pub name: Cow<'static, str>,
    /// The value type, which decides the operators that apply and how values compare.
    pub ty: FieldType,
    /// Multi-valued: only `in`, `intersects` and `exists` apply in conditions.
    pub list: bool,
    /// What argument the field takes in brackets.
    pub arg: ArgSpec,
    /// Usable in conditions only, not in outputs (Falco's `F` flag).
    pub filter_only: bool,
    /// Usable in outputs only (Falco's `P` flag).
    pub print_only: bool,
    /// Accepted, with a deprecation warning.
    pub deprecated: bool,
    /// libsinsp's ancestor fields (`proc.aname`, `proc.apid`, …): the source extracts
    /// the process's own value, then its ancestors' (nearest first), or with an index
    /// argument the one value. Used without an argument in a condition, a check is true
    /// when it holds for any ancestor's value (not the process's own); an output prints
    /// the first value.
    pub ancestors: bool,
    /// The field's one-line description, as field listings print it.
    pub desc: Cow<'static, str>,
}

impl FieldDef {
    /// A single-valued field without argument.
    pub fn new(
        id: u32,
        name: impl Into<Cow<'static, str>>,
        ty: FieldType,
        desc: impl Into<Cow<'static, str>>,
    ) -> FieldDef {
        FieldDef {
            id,
            name: name.into(),
            ty,
            list: false,
            arg: ArgSpec::NONE,
            filter_only: false,
            print_only: false,
            deprecated: false,
            ancestors: false,
            desc: desc.into(),
        }
    }

    /// Marks the field multi-valued.
    pub fn list(mut self) -> FieldDef {
        self.list = true;
        self
    }

    /// Sets the argument rules.
    pub fn arg(mut self, arg: ArgSpec) -> FieldDef {
        self.arg = arg;
        self
    }

    /// Marks the field usable in conditions only (Falco's `F` flag).
    pub fn filter_only(mut self) -> FieldDef {
        self.filter_only = true;
        self
    }

    /// Marks the field usable in outputs only (Falco's `P` flag).
    pub fn print_only(mut self) -> FieldDef {
        self.print_only = true;
        self
    }

    /// Marks an ancestor field (see [`FieldDef::ancestors`]).
    pub fn ancestors(mut self) -> FieldDef {
        self.ancestors = true;
        self
    }

    /// Marks the field deprecated: accepted, with a warning.
    pub fn deprecated(mut self) -> FieldDef {
        self.deprecated = true;
        self
    }
}

/// A plugin that a source stands for, matched against `required_plugin_versions`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PluginVersion {
    /// The plugin's name as `required_plugin_versions` writes it, e.g. `k8saudit`.
    pub name: Cow<'static, str>,
    /// `x.y.z`.
    pub version: Cow<'static, str>,
}

/// A source as the engine sees it: a name and a field table.
#[derive(Debug, Clone)]
pub struct SourceSpec {
    /// The source's name as rules write it in `source:`, e.g. `k8s_audit`.
    pub name: Cow<'static, str>,
    /// The fields rules may use for this source.
    pub fields: Vec<FieldDef>,
    /// The plugins (and versions) this source stands for.
    pub plugins: Vec<PluginVersion>,
    /// Events of this source can be delivered (`false`: rules load and validate but
    /// are reported inactive, as for the built-in syscall table).
    pub active: bool,
}

impl SourceSpec {
    /// An active source without plugin declarations.
    pub fn new(name: impl Into<Cow<'static, str>>, fields: Vec<FieldDef>) -> SourceSpec {
        SourceSpec {
            name: name.into(),
            fields,
            plugins: Vec::new(),
            active: true,
        }
    }

    /// Declares that this source provides `name` at `version` (`x.y.z`).
    pub fn with_plugin(
        mut self,
        name: impl Into<Cow<'static, str>>,
        version: impl Into<Cow<'static, str>>,
    ) -> SourceSpec {
        self.plugins.push(PluginVersion {
            name: name.into(),
            version: version.into(),
        });
        self
    }

    /// The field with exactly this name.
    pub fn field(&self, name: &str) -> Option<&FieldDef> {
        self.fields.iter().find(|f| f.name == name)
    }
}

/// A field argument, parsed at load time.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum FieldArg {
    /// No argument was given.
    None,
    /// A numeric argument, `f[2]`.
    Index(u64),
    /// A key argument, `f[HOME]` or `f[/user/username]`.
    Key(Box<str>),
}

/// A field resolved at load time: the source's id and the argument.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FieldRef {
    /// The source's handle for the field ([`FieldDef::id`]).
    pub id: u32,
    /// The argument, checked against the field's [`ArgSpec`].
    pub arg: FieldArg,
}

/// One extracted value. Strings and bytes borrow from the event when they can.
#[derive(Debug, Clone, PartialEq)]
pub enum Value<'e> {
    /// A string (`CHARBUF`).
    Str(Cow<'e, str>),
    /// Raw bytes (`BYTEBUF`).
    Bytes(Cow<'e, [u8]>),
    /// A signed integer (`INT64`).
    I64(i64),
    /// An unsigned integer (`UINT64`, and the relative and absolute times in nanoseconds).
    U64(u64),
    /// A floating-point number (`DOUBLE`).
    F64(f64),
    /// A boolean (`BOOL`).
    Bool(bool),
    /// An IPv4 or IPv6 address (`IPADDR`).
    Ip(IpAddr),
}

impl<'e> Value<'e> {
    /// A borrowed string value.
    pub fn str(s: &'e str) -> Value<'e> {
        Value::Str(Cow::Borrowed(s))
    }

    /// An owned string value (for derived text such as compact JSON).
    pub fn string(s: String) -> Value<'e> {
        Value::Str(Cow::Owned(s))
    }
}

/// One event of a source, as the engine evaluates it.
pub trait Event {
    /// The event time, ns since the Unix epoch (`evt.time`, the alert's `time`).
    fn time_ns(&self) -> i64;

    /// The event's sequence number (`evt.num`); 0 unless the source counts events.
    fn num(&self) -> u64 {
        0
    }

    /// Appends the values of `field` to `out`; appends nothing when it is missing.
    /// A single-valued field appends at most one value.
    fn extract<'e>(&'e self, field: &FieldRef, out: &mut Vec<Value<'e>>);
}
