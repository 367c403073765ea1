//! Load errors and warnings in Falco's shape: a code, a message, a chain of locations
//! (file, line, column) and a snippet of the offending text.

use std::sync::Arc;

use crate::yaml::Pos;

/// Whether a rules-file diagnostic is one of Falco's errors or warnings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DiagnosticLevel {
    /// The file (or an item of it) cannot be loaded; the ruleset is invalid.
    Error,
    /// The file loads, but something is probably not what its author meant.
    Warning,
}

/// Where something is: Falco's `item_type`, `item_name` and position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// Falco's `item_type`: what is located, e.g. `rule`, `macro`, `list` or `rules content`.
    pub item_type: String,
    /// Falco's `item_name`: the rule, macro or list name (empty for the file as a whole).
    pub item_name: String,
    /// The rules file, named as given (Falco's `position.name`).
    pub file: Arc<str>,
    /// Line, column and byte offset in the file.
    pub pos: Pos,
}

/// One error or warning of a rules file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// Whether this is an error or a warning.
    pub severity: DiagnosticLevel,
    /// `LOAD_ERR_COMPILE_CONDITION`, `LOAD_UNUSED_MACRO`, …
    pub code: &'static str,
    /// Falco's message text.
    pub message: String,
    /// Outermost first.
    pub locations: Vec<Location>,
    /// The source line with a `^` under the column.
    pub snippet: String,
}

impl Diagnostic {
    /// Falco's summary text for the code.
    pub fn code_desc(&self) -> &'static str {
        match self.code {
            "LOAD_ERR_FILE_READ" => "File read error",
            "LOAD_ERR_YAML_PARSE" => "YAML parse error",
            "LOAD_ERR_YAML_VALIDATE" => "Error validating internal structure of YAML file",
            "LOAD_ERR_COMPILE_CONDITION" => "Error compiling condition",
            "LOAD_ERR_COMPILE_OUTPUT" => "Error compiling output",
            "LOAD_ERR_VALIDATE" => "Error validating rule/macro/list/exception objects",
            "LOAD_UNKNOWN_SOURCE" => "Unknown rule source",
            "LOAD_UNSAFE_NA_CHECK" => "Unsafe <NA> comparison in condition",
            "LOAD_NO_EVTTYPE" => "Condition has no event-type restriction",
            "LOAD_UNKNOWN_FILTER" => "Unknown field or event-type in condition or output",
            "LOAD_UNUSED_MACRO" => "Unused macro",
            "LOAD_UNUSED_LIST" => "Unused list",
            "LOAD_UNKNOWN_ITEM" => "Unknown rules file item",
            "LOAD_DEPRECATED_ITEM" => "Used deprecated item",
            "LOAD_APPEND_NO_VALUES" => "Overriding/appending with no values",
            "LOAD_EXCEPTION_NAME_NOT_UNIQUE" => "Multiple exceptions defined with the same name",
            "LOAD_INVALID_MACRO_NAME" => "Invalid macro name",
            "LOAD_INVALID_LIST_NAME" => "Invalid list name",
            "LOAD_COMPILE_CONDITION" => "Warning in rule condition",
            "LOAD_UNKNOWN_KEY" => "Unknown key",
            _ => "",
        }
    }

    /// Falco's verbose text form of one entry.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        for (i, l) in self.locations.iter().enumerate() {
            let name = if l.item_name.is_empty() {
                String::new()
            } else {
                format!(" '{}'", l.item_name)
            };
            let lead = if i == 0 { "In " } else { "    " };
            out.push_str(&format!(
                "{lead}{}{name}: ({}:{}:{})\n",
                l.item_type, l.file, l.pos.line, l.pos.col
            ));
        }
        out.push_str("------\n");
        out.push_str(&self.snippet);
        out.push_str("------\n");
        out.push_str(&format!(
            "{} ({}): {}",
            self.code,
            self.code_desc(),
            self.message
        ));
        out
    }

    /// Falco's JSON form of one entry.
    pub fn to_json(&self) -> serde_json::Value {
        let locations: Vec<serde_json::Value> = self
            .locations
            .iter()
            .map(|l| {
                serde_json::json!({
                    "item_type": l.item_type,
                    "item_name": l.item_name,
                    "position": {"name": &*l.file, "line": l.pos.line, "column": l.pos.col, "offset": l.pos.offset},
                })
            })
            .collect();
        serde_json::json!({
            "code": self.code,
            "codedesc": self.code_desc(),
            "message": self.message,
            "context": {"locations": locations, "snippet": self.snippet},
        })
    }
}

/// The errors and warnings of one rules file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FileReport {
    /// The rules file, named as given.
    pub name: String,
    /// Errors, in the order found; any makes the file invalid.
    pub errors: Vec<Diagnostic>,
    /// Warnings, in the order found.
    pub warnings: Vec<Diagnostic>,
}

impl FileReport {
    /// Whether the file has no errors (Falco's `successful`); warnings allowed.
    pub fn successful(&self) -> bool {
        self.errors.is_empty()
    }

    /// Falco's verbose text: `<file>: Ok`, `Ok, with warnings` or `Invalid`, then the entries.
    pub fn to_text(&self) -> String {
        let status = if !self.errors.is_empty() {
            "Invalid"
        } else if !self.warnings.is_empty() {
            "Ok, with warnings"
        } else {
            "Ok"
        };
        let mut out = format!("{}: {status}\n", self.name);
        for (title, list) in [("Errors", &self.errors), ("Warnings", &self.warnings)] {
            if list.is_empty() {
                continue;
            }
            out.push_str(&format!("{} {title}:\n", list.len()));
            for d in list.iter() {
                out.push_str(&d.to_text());
                out.push('\n');
            }
        }
        out
    }

    /// Falco's JSON shape of one file's result: `name`, `successful`, `errors`, `warnings`.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "name": self.name,
            "successful": self.successful(),
            "errors": self.errors.iter().map(Diagnostic::to_json).collect::<Vec<_>>(),
            "warnings": self.warnings.iter().map(Diagnostic::to_json).collect::<Vec<_>>(),
        })
    }

    pub(crate) fn push(&mut self, d: Diagnostic) {
        match d.severity {
            DiagnosticLevel::Error => self.errors.push(d),
            DiagnosticLevel::Warning => self.warnings.push(d),
        }
    }
}

/// The line of `text` holding `pos`, and a `^` under its column. Long lines are cut
/// so a 50 MB single-line file does not make a 50 MB message. The byte offset finds
/// the line without scanning the file.
pub(crate) fn snippet(text: &str, pos: Pos) -> String {
    const MAX: usize = 200;
    let at = pos.offset.min(text.len());
    let start = text
        .get(..at)
        .and_then(|t| t.rfind('\n'))
        .map_or(0, |i| i + 1);
    let end = text
        .get(at..)
        .and_then(|t| t.find('\n'))
        .map_or(text.len(), |i| at + i);
    let Some(line) = text.get(start..end) else {
        return String::new();
    };
    let col = pos.col.saturating_sub(1) as usize;
    let line: String = line
        .chars()
        .skip(col.saturating_sub(MAX / 2))
        .take(MAX)
        .collect();
    let caret_col = col.min(MAX / 2);
    format!("{line}\n{}^\n", " ".repeat(caret_col))
}
