//! Field lookup: a source's table plus the generic `evt.*` fields every source has
//! (extracted by the engine from [`Event::time_ns`] and the ruleset's settings).

use std::collections::HashMap;

use crate::source::{ArgKind, Event, FieldArg, FieldDef, FieldRef, FieldType, SourceSpec, Value};

/// Generic fields the engine extracts itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Generic {
    Num,
    Time,
    TimeS,
    TimeIso,
    Datetime,
    DatetimeS,
    Rawtime,
    RawtimeS,
    RawtimeNs,
    Source,
    Hostname,
    IsAsync,
}

const GENERIC: &[(&str, Generic, FieldType, &str)] = &[
    ("evt.num", Generic::Num, FieldType::U64, "event number"),
    (
        "evt.time",
        Generic::Time,
        FieldType::String,
        "event timestamp, HH:MM:SS.nnnnnnnnn",
    ),
    (
        "evt.time.s",
        Generic::TimeS,
        FieldType::String,
        "event timestamp, HH:MM:SS",
    ),
    (
        "evt.time.iso8601",
        Generic::TimeIso,
        FieldType::String,
        "event timestamp in ISO 8601 format, UTC",
    ),
    (
        "evt.datetime",
        Generic::Datetime,
        FieldType::String,
        "event timestamp with the date, YYYY-MM-DD HH:MM:SS.nnnnnnnnn",
    ),
    (
        "evt.datetime.s",
        Generic::DatetimeS,
        FieldType::String,
        "event timestamp with the date, YYYY-MM-DD HH:MM:SS",
    ),
    (
        "evt.rawtime",
        Generic::Rawtime,
        FieldType::AbsTime,
        "absolute event timestamp, ns since the epoch",
    ),
    (
        "evt.rawtime.s",
        Generic::RawtimeS,
        FieldType::AbsTime,
        "integer part of the event timestamp, seconds",
    ),
    (
        "evt.rawtime.ns",
        Generic::RawtimeNs,
        FieldType::AbsTime,
        "fractional part of the event timestamp, ns",
    ),
    (
        "evt.source",
        Generic::Source,
        FieldType::String,
        "the name of the event's source",
    ),
    (
        "evt.hostname",
        Generic::Hostname,
        FieldType::String,
        "the host name of the machine",
    ),
    (
        "evt.is_async",
        Generic::IsAsync,
        FieldType::Bool,
        "whether the event is asynchronous",
    ),
];

/// A field resolved for compiled filters and outputs.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum Sel {
    Source(FieldRef),
    Generic(Generic),
    /// `join`, `concat`, `getopt` over other operands.
    Multi(Box<crate::filter::multi::CMulti>),
}

#[derive(Debug, Clone)]
pub(crate) struct Resolved {
    pub sel: Sel,
    pub ty: FieldType,
    pub list: bool,
    pub filter_only: bool,
    pub print_only: bool,
    pub deprecated: bool,
    /// An ancestor field used without argument: any ancestor's value may match.
    pub ancestors: bool,
}

/// A source's field table, indexed by name.
#[derive(Debug, Clone)]
pub(crate) struct Table {
    pub spec: SourceSpec,
    by_name: HashMap<String, usize>,
}

impl Table {
    pub fn new(spec: SourceSpec) -> Table {
        let by_name = spec
            .fields
            .iter()
            .enumerate()
            .map(|(i, f)| (f.name.to_string(), i))
            .collect();
        Table { spec, by_name }
    }

    fn def(&self, name: &str) -> Option<&FieldDef> {
        self.by_name
            .get(name)
            .and_then(|&i| self.spec.fields.get(i))
    }

    /// Whether a field of this name (ignoring arguments) exists.
    pub fn knows(&self, name: &str) -> bool {
        self.resolve(name, None).is_ok()
    }

    /// Resolves `name[arg]` (or `name.arg` for dotted fields).
    pub fn resolve(&self, name: &str, arg: Option<&str>) -> Result<Resolved, String> {
        if let Some(&(_, g, ty, _)) = GENERIC.iter().find(|(n, ..)| *n == name)
            && arg.is_none()
            && self.def(name).is_none()
        {
            return Ok(Resolved {
                sel: Sel::Generic(g),
                ty,
                list: false,
                filter_only: false,
                print_only: false,
                deprecated: false,
                ancestors: false,
            });
        }
        let (def, arg) = match self.def(name) {
            Some(d) => (d, arg.map(str::to_owned)),
            None => {
                // `evt.arg.path`: the longest dotted prefix whose field takes a dotted argument.
                let mut found = None;
                let mut cut = name.len();
                while let Some(dot) = name.get(..cut).and_then(|s| s.rfind('.')) {
                    if let Some(d) = self.def(&name[..dot]).filter(|d| d.arg.dotted)
                        && arg.is_none()
                    {
                        found = Some((d, Some(name[dot + 1..].to_owned())));
                        break;
                    }
                    cut = dot;
                }
                found.ok_or_else(|| format!("filter_check called with nonexistent field {name}"))?
            }
        };
        let arg_is_none = arg.is_none();
        let arg = match (def.arg.kind, arg) {
            (ArgKind::None, Some(a)) => {
                return Err(format!(
                    "filter {name} does not accept an argument (got '{a}')"
                ));
            }
            (_, None) if def.arg.required => {
                return Err(format!("filter {name} requires an argument"));
            }
            (_, None) => FieldArg::None,
            (ArgKind::Index, Some(a)) => FieldArg::Index(
                index(&a).ok_or_else(|| format!("filter {name}: '{a}' is not a valid index"))?,
            ),
            (ArgKind::Key, Some(a)) => FieldArg::Key(a.into()),
            (ArgKind::IndexOrKey, Some(a)) => match index(&a) {
                Some(i) => FieldArg::Index(i),
                None => FieldArg::Key(a.into()),
            },
        };
        Ok(Resolved {
            sel: Sel::Source(FieldRef { id: def.id, arg }),
            ty: def.ty,
            list: def.list,
            filter_only: def.filter_only,
            print_only: def.print_only,
            deprecated: def.deprecated,
            ancestors: def.ancestors && arg_is_none,
        })
    }

    /// Every field with type and description, generic ones included (`rules fields`).
    pub fn listing(&self) -> Vec<FieldDef> {
        let mut out: Vec<FieldDef> = GENERIC
            .iter()
            .filter(|(n, ..)| self.def(n).is_none())
            .map(|&(n, _, ty, d)| FieldDef::new(u32::MAX, n, ty, d))
            .collect();
        out.extend(self.spec.fields.iter().cloned());
        out
    }
}

fn index(a: &str) -> Option<u64> {
    if a.is_empty() || !a.bytes().all(|c| c.is_ascii_digit()) || (a.len() > 1 && a.starts_with('0'))
    {
        return None;
    }
    a.parse().ok()
}

/// Per-ruleset settings generic fields read.
#[derive(Debug, Clone, Default)]
pub(crate) struct GenericCtx {
    pub source: String,
    pub hostname: String,
    pub utc_offset_secs: i64,
}

pub(crate) fn extract_generic<'e, E: Event + ?Sized>(
    g: Generic,
    ev: &E,
    ctx: &GenericCtx,
    out: &mut Vec<Value<'e>>,
) {
    let ns = ev.time_ns();
    let local = crate::time::local(ns, ctx.utc_offset_secs);
    out.push(match g {
        Generic::Num => Value::U64(ev.num()),
        Generic::Time => Value::string(crate::time::clock(local, true)),
        Generic::TimeS => Value::string(crate::time::clock(local, false)),
        Generic::TimeIso => Value::string(crate::time::iso8601(ns, "+0000")),
        Generic::Datetime => Value::string(format!(
            "{} {}",
            crate::time::date(local),
            crate::time::clock(local, true)
        )),
        Generic::DatetimeS => Value::string(format!(
            "{} {}",
            crate::time::date(local),
            crate::time::clock(local, false)
        )),
        Generic::Rawtime => Value::I64(ns),
        Generic::RawtimeS => Value::I64(ns.div_euclid(1_000_000_000)),
        Generic::RawtimeNs => Value::I64(ns.rem_euclid(1_000_000_000)),
        Generic::Source => Value::string(ctx.source.clone()),
        Generic::Hostname => Value::string(ctx.hostname.clone()),
        Generic::IsAsync => Value::Bool(false),
    });
}
