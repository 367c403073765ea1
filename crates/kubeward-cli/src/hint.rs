//! The one way a command tells the user how to fix an error: the message, then an
//! indented `hint:` line. Libraries say the fix through `kubeward_report::Hint`; only this
//! module decides how it looks.

use std::fmt::Display;

use kubeward_report::Hint;

/// `message` with its fix on the next line.
pub(crate) fn hinted(message: impl Display, hint: impl Display) -> String {
    format!("{message}\n  hint: {hint}")
}

/// A library error that knows its fix, as a fatal error for `main` to print.
pub(crate) fn error(e: &(impl Display + Hint)) -> anyhow::Error {
    anyhow::anyhow!(hinted(e, e.hint()))
}

#[cfg(test)]
mod tests {
    use super::{error, hinted};

    struct Broken;
    impl std::fmt::Display for Broken {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("x.yaml:3: spec: not a mapping")
        }
    }
    impl kubeward_report::Hint for Broken {
        fn hint(&self) -> &str {
            "indent the fields under spec"
        }
    }

    #[test]
    fn the_fix_goes_on_its_own_indented_line() {
        assert_eq!(hinted("bad", "do this"), "bad\n  hint: do this");
        assert_eq!(
            error(&Broken).to_string(),
            "x.yaml:3: spec: not a mapping\n  hint: indent the fields under spec"
        );
    }
}
