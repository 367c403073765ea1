//! `--format`: the one output-format choice of every command. `scan` offers all three;
//! the commands whose reports have no SARIF form take [`text_or_json`] as their value
//! parser, so that `sarif` is refused (and left out of `--help`) before they run, and
//! their code treats `Sarif` as it treats `Text`, a case that cannot reach it.

use clap::ValueEnum;
use clap::builder::{PossibleValuesParser, TypedValueParser};

/// The output format of a report.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    // Variant docs would change --help (clap lists them); the names say enough.
    Text,
    Json,
    Sarif,
}

impl std::fmt::Display for Format {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Format::Text => "text",
            Format::Json => "json",
            Format::Sarif => "sarif",
        })
    }
}

/// The value parser of a command that writes text or JSON only.
pub fn text_or_json() -> impl TypedValueParser<Value = Format> {
    PossibleValuesParser::new(["text", "json"]).map(|s| {
        if s == "json" {
            Format::Json
        } else {
            Format::Text
        }
    })
}

#[cfg(test)]
mod tests {
    use super::{Format, text_or_json};
    use clap::{Arg, Command, ValueEnum};

    fn parse(value: &str) -> Result<Format, clap::Error> {
        let cmd = Command::new("t").arg(
            Arg::new("format")
                .long("format")
                .value_parser(text_or_json()),
        );
        cmd.try_get_matches_from(["t", "--format", value]).map(|m| {
            m.get_one::<Format>("format")
                .copied()
                .unwrap_or(Format::Text)
        })
    }

    #[test]
    fn text_or_json_takes_both_and_refuses_sarif() {
        assert_eq!(parse("text").ok(), Some(Format::Text));
        assert_eq!(parse("json").ok(), Some(Format::Json));
        let err = parse("sarif").map(|_| ()).unwrap_err().to_string();
        assert!(err.contains("invalid value 'sarif'"), "{err}");
        assert!(err.contains("[possible values: text, json]"), "{err}");
    }

    #[test]
    fn display_is_the_value_name() {
        for f in [Format::Text, Format::Json, Format::Sarif] {
            let name = f.to_possible_value().map(|v| v.get_name().to_owned());
            assert_eq!(Some(f.to_string()), name);
        }
    }
}
