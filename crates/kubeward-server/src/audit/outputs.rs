//! Where alerts go: a writer (stdout in the binary), a file, a program, syslog, the HTTP
//! output.
//!
//! Workers write a whole batch's alerts under one lock and flush, so lines from two
//! batches never interleave and an alert is on disk before the next batch starts.

use std::fs::{File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};

use kubeward_rules::engine::Alert;
use tokio::task::JoinHandle;

use super::config::{AlertFormat, HttpBody, HttpOutputConfig};
use super::http_sink::{HttpSink, SinkError};
use super::program_sink::{ProgramOutputConfig, ProgramSink};
use super::stats::Stats;
use super::syslog_sink::{SyslogOutputConfig, SyslogSink};
use kubeward_rules::Priority;

/// Which outputs to open.
#[derive(Default)]
pub struct OutputsConfig {
    /// Usually stdout; tests pass a buffer.
    pub writer: Option<Box<dyn Write + Send>>,
    /// Appended to, created if missing.
    pub file: Option<PathBuf>,
    /// Open the file for each batch of alerts instead of keeping it open (Falco's
    /// `file_output.keep_alive: false`), so that a rotated file is followed.
    pub file_reopen: bool,
    /// Leave flushing the writer and file to their buffers (Falco's `buffered_outputs`);
    /// by default both are flushed after every batch.
    pub buffered: bool,
    /// POST each alert as JSON to this URL, when set.
    pub http: Option<HttpOutputConfig>,
    /// Write each alert to a program's standard input (Falco's `program_output`).
    pub program: Option<ProgramOutputConfig>,
    /// Send each alert to the local syslog socket (Falco's `syslog_output`).
    pub syslog: Option<SyslogOutputConfig>,
}

/// Why an output cannot be opened.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    /// The alert file could not be opened for appending.
    #[error("alert file {path}: {source}")]
    File {
        /// The alert file.
        path: String,
        /// The operating system's error.
        source: io::Error,
    },
    /// The HTTP output could not start.
    #[error(transparent)]
    Http(#[from] SinkError),
    /// No socket could be made for the syslog output.
    #[error("syslog output: {0}")]
    Syslog(io::Error),
}

/// The open outputs.
pub struct Outputs {
    format: AlertFormat,
    writer: Option<Mutex<Box<dyn Write + Send>>>,
    file: Option<Mutex<AlertFile>>,
    buffered: bool,
    program: Option<ProgramSink>,
    syslog: Option<SyslogSink>,
    http: Option<HttpSink>,
    http_body: Option<HttpBody>,
    stats: Arc<Stats>,
}

/// An alert formatted once for every output that needs it.
pub struct Formatted {
    line: String,
    http: Option<String>,
    priority: Priority,
    hostname: String,
}

impl Outputs {
    /// Opens the outputs; the HTTP output's task runs on the current tokio runtime.
    pub fn open(
        cfg: OutputsConfig,
        format: AlertFormat,
        stats: Arc<Stats>,
    ) -> Result<(Outputs, Option<JoinHandle<()>>), OutputError> {
        let file = match cfg.file {
            Some(path) => Some(Mutex::new(AlertFile::open(path, cfg.file_reopen)?)),
            None => None,
        };
        let http_body = cfg.http.as_ref().map(|h| h.body);
        let (http, task) = match cfg.http {
            Some(h) => {
                let (sink, task) = HttpSink::start(h, Arc::clone(&stats))?;
                (Some(sink), Some(task))
            }
            None => (None, None),
        };
        let outputs = Outputs {
            format,
            writer: cfg.writer.map(Mutex::new),
            file,
            buffered: cfg.buffered,
            http_body,
            program: cfg.program.map(ProgramSink::new),
            syslog: cfg
                .syslog
                .map(SyslogSink::open)
                .transpose()
                .map_err(OutputError::Syslog)?,
            http,
            stats,
        };
        Ok((outputs, task))
    }

    /// Formats an alert for the outputs that are open.
    pub fn format(&self, alert: &Alert) -> Formatted {
        let json = (self.format == AlertFormat::Json || self.http_body == Some(HttpBody::Json))
            .then(|| alert.to_json());
        let line = match (&json, self.format) {
            (Some(j), AlertFormat::Json) => j.clone(),
            _ => alert.text_line(),
        };
        let http = match self.http_body {
            None => None,
            Some(HttpBody::Json) => json,
            Some(HttpBody::Text) => Some(alert.text_line()),
        };
        let hostname = if self.syslog.is_some() {
            alert.hostname.clone()
        } else {
            String::new()
        };
        Formatted {
            line,
            http,
            priority: alert.priority,
            hostname,
        }
    }

    /// Writes a batch's alerts to every output, then flushes the writer and file.
    pub fn write(&self, alerts: Vec<Formatted>) {
        if alerts.is_empty() {
            return;
        }
        if let Some(w) = &self.writer {
            let mut w = w.lock().unwrap_or_else(PoisonError::into_inner);
            self.write_lines(&mut **w, &alerts, "stdout");
        }
        if let Some(f) = &self.file {
            let mut f = f.lock().unwrap_or_else(PoisonError::into_inner);
            match f.writer() {
                Ok(w) => self.write_lines(w, &alerts, "file"),
                Err(e) => self.lost("file", alerts.len() as u64, Some(e.to_string())),
            }
            f.after_batch();
        }
        if let Some(p) = &self.program {
            let lines: Vec<&str> = alerts.iter().map(|a| a.line.as_str()).collect();
            let (lost, error) = p.write(&lines);
            if lost > 0 {
                self.lost("program", lost as u64, error.map(|e| e.to_string()));
            }
        }
        if let Some(s) = &self.syslog {
            let mut lost = 0;
            let mut why = None;
            for a in &alerts {
                if let Err(e) = s.send(a.priority, &a.hostname, &a.line) {
                    lost += 1;
                    why = Some(format!("{}: {e}", s.path().display()));
                }
            }
            if lost > 0 {
                self.lost("syslog", lost, why);
            }
        }
        if let Some(h) = &self.http {
            for a in alerts {
                let sent = a.http.is_some_and(|body| h.send_blocking(body));
                if !sent {
                    Stats::inc(&self.stats.alerts_failed, "output", "http");
                }
            }
        }
    }

    fn write_lines(&self, w: &mut dyn Write, alerts: &[Formatted], output: &'static str) {
        let mut result = Ok(());
        let mut written = 0;
        for a in alerts {
            result = writeln!(w, "{}", a.line);
            if result.is_err() {
                break;
            }
            written += 1;
        }
        let result = if self.buffered {
            result
        } else {
            result.and_then(|()| w.flush())
        };
        if let Err(e) = result {
            let lost = (alerts.len() - written) as u64;
            self.lost(output, lost.max(1), Some(e.to_string()));
        }
    }

    /// Counts alerts an output lost, and says why on the first loss and then sparsely,
    /// so that a full disk or a dead program does not flood the log.
    fn lost(&self, output: &'static str, lost: u64, why: Option<String>) {
        let c = self
            .stats
            .alerts_failed
            .get_or_create(&[("output", output)]);
        let before = c.inc_by(lost);
        if before == 0 || before.is_power_of_two() {
            tracing::error!(
                "alert output {output}: {} ({} alerts lost so far)",
                why.as_deref().unwrap_or("failed"),
                before + lost
            );
        }
    }

    /// Drops the HTTP output's sender so its task ends once it has sent what it holds.
    pub fn close_http(&mut self) {
        self.http = None;
    }
}

/// The alert file: kept open, or opened for each batch (and closed after it).
struct AlertFile {
    path: PathBuf,
    reopen: bool,
    open: Option<BufWriter<File>>,
}

impl AlertFile {
    /// Opens the file once now, so that a path that cannot be written is an error at
    /// start-up rather than a stream of lost alerts.
    fn open(path: PathBuf, reopen: bool) -> Result<AlertFile, OutputError> {
        let file = Self::append(&path).map_err(|source| OutputError::File {
            path: path.display().to_string(),
            source,
        })?;
        Ok(AlertFile {
            path,
            reopen,
            open: (!reopen).then(|| BufWriter::new(file)),
        })
    }

    fn append(path: &std::path::Path) -> io::Result<File> {
        OpenOptions::new().create(true).append(true).open(path)
    }

    fn writer(&mut self) -> io::Result<&mut BufWriter<File>> {
        match self.open {
            Some(ref mut w) => Ok(w),
            None => {
                let f = Self::append(&self.path).map_err(|e| {
                    io::Error::new(e.kind(), format!("{}: {e}", self.path.display()))
                })?;
                Ok(self.open.insert(BufWriter::new(f)))
            }
        }
    }

    /// Closes a reopened file (flushing it) so the next batch opens it again.
    fn after_batch(&mut self) {
        if self.reopen
            && let Some(mut w) = self.open.take()
        {
            // A failure here was already counted when the batch was flushed.
            let _ = w.flush();
        }
    }
}
