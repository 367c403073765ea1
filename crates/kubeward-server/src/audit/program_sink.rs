//! Falco's `program_output`: each alert written, one line, to the standard input of a
//! command run by `sh -c`. With `keep_alive` the command runs once and is restarted
//! when it has exited or stops reading; without it, it runs once per alert.

use std::io::{self, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

/// Falco's `program_output` settings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProgramOutputConfig {
    /// The command line, run by `/bin/sh -c` as Falco's `popen` does.
    pub program: String,
    /// Start the program once and keep writing to it (restarted when it exits), instead
    /// of once per alert.
    pub keep_alive: bool,
}

/// The running program, when kept alive.
struct Running {
    child: Child,
    stdin: ChildStdin,
}

/// The program output.
pub struct ProgramSink {
    cfg: ProgramOutputConfig,
    running: Mutex<Option<Running>>,
}

/// How long a program may take to exit once its input is closed, at shutdown or after
/// each alert without keep-alive, before it is killed.
const EXIT_GRACE: Duration = Duration::from_secs(2);

impl ProgramSink {
    /// A sink that starts the program on first use.
    pub fn new(cfg: ProgramOutputConfig) -> ProgramSink {
        ProgramSink {
            cfg,
            running: Mutex::new(None),
        }
    }

    fn spawn(&self) -> io::Result<Running> {
        // The program's own output goes where kubeward's goes, as with popen.
        let mut child = Command::new("/bin/sh")
            .arg("-c")
            .arg(&self.cfg.program)
            .stdin(Stdio::piped())
            .spawn()?;
        let stdin = child
            .stdin
            .take()
            .ok_or_else(|| io::Error::other("the program's standard input is not a pipe"))?;
        Ok(Running { child, stdin })
    }

    /// Writes `lines`, one alert a line. Returns how many were not delivered, and the
    /// error that stopped them.
    pub fn write(&self, lines: &[&str]) -> (usize, Option<io::Error>) {
        if lines.is_empty() {
            return (0, None);
        }
        if !self.cfg.keep_alive {
            let mut failed = (0, None);
            for line in lines {
                if let Err(e) = self.spawn().and_then(|r| finish(r, Some(line))) {
                    failed = (failed.0 + 1, Some(e));
                }
            }
            return failed;
        }
        let mut running = self.running.lock().unwrap_or_else(PoisonError::into_inner);
        let mut last = None;
        // One restart per batch: a program that dies at once is not restarted in a loop.
        for _ in 0..2 {
            if let Some(r) = running.as_mut()
                && matches!(r.child.try_wait(), Ok(Some(_)) | Err(_))
            {
                // It exited on its own: reap it and start another.
                if let Some(old) = running.take() {
                    let _ = finish(old, None);
                }
            }
            if running.is_none() {
                match self.spawn() {
                    Ok(r) => *running = Some(r),
                    Err(e) => return (lines.len(), Some(e)),
                }
            }
            let Some(r) = running.as_mut() else {
                break;
            };
            let written = lines
                .iter()
                .try_for_each(|l| writeln!(r.stdin, "{l}"))
                .and_then(|()| r.stdin.flush());
            match written {
                Ok(()) => return (0, None),
                Err(e) => {
                    // It stopped reading (a broken pipe): replace it and write the batch again.
                    if let Some(old) = running.take() {
                        let _ = finish(old, None);
                    }
                    last = Some(e);
                }
            }
        }
        (lines.len(), last)
    }
}

impl Drop for ProgramSink {
    /// Closes the program's input and lets it finish, as Falco's `pclose` at shutdown.
    fn drop(&mut self) {
        let running = self
            .running
            .get_mut()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        if let Some(r) = running {
            let _ = finish(r, None);
        }
    }
}

/// Writes `line` (when given), closes the program's input and waits for it to exit,
/// killing it after [`EXIT_GRACE`].
fn finish(mut r: Running, line: Option<&str>) -> io::Result<()> {
    let written = match line {
        Some(l) => writeln!(r.stdin, "{l}").and_then(|()| r.stdin.flush()),
        None => Ok(()),
    };
    drop(r.stdin);
    let deadline = Instant::now() + EXIT_GRACE;
    loop {
        match r.child.try_wait() {
            Ok(Some(_)) => break,
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(5)),
            _ => {
                let _ = r.child.kill();
                let _ = r.child.wait();
                break;
            }
        }
    }
    written
}
