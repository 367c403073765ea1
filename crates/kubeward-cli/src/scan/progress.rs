//! A one-line progress counter on stderr, for long runs on a terminal only.

use std::io::{IsTerminal, Write};

pub struct Progress {
    total: u64,
    enabled: bool,
}

impl Progress {
    /// Shown only when stderr is a terminal and the run spans several chunks: short runs
    /// and pipelines get no noise.
    pub fn new(total: usize, chunk: usize, quiet: bool) -> Self {
        Progress {
            total: total as u64,
            enabled: !quiet && total > chunk && std::io::stderr().is_terminal(),
        }
    }

    pub fn show(&mut self, done: u64) {
        if self.enabled && done < self.total {
            let mut err = std::io::stderr().lock();
            let _ = write!(err, "\rscanning: {done}/{} files", self.total);
            let _ = err.flush();
        }
    }

    /// Erases the counter before the report writes to a terminal it may share.
    pub fn clear(&mut self) {
        if self.enabled {
            let mut err = std::io::stderr().lock();
            let _ = write!(err, "\r\x1b[2K");
            let _ = err.flush();
        }
    }
}
