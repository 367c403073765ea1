//! How to fix an error, said once by the library that knows the error.

/// An error that knows its fix. Libraries implement it on their error types; the command
/// line prints the fix under the error, in one style for every command.
pub trait Hint {
    /// How to fix it, in one sentence.
    fn hint(&self) -> &str;
}
