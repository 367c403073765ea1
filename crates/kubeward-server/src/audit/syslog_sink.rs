//! Falco's `syslog_output`: each alert one RFC 5424 message on the local syslog socket
//! (`/dev/log`, which journald or rsyslog serves), facility `user`, its severity the
//! rule's priority (Falco's priorities are syslog's severities, Emergency 0 to Debug 7).

use std::io;
use std::os::unix::net::UnixDatagram;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use kubeward_rules::Priority;

/// The socket every local syslog daemon listens on.
pub const DEV_LOG: &str = "/dev/log";

/// RFC 5424's APP-NAME, which journald shows as `SYSLOG_IDENTIFIER`.
pub const APP_NAME: &str = "kubeward";

/// The `user` facility, as Falco's `syslog()` without `openlog()` uses.
const FACILITY_USER: u8 = 1;

/// Where syslog messages go.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyslogOutputConfig {
    /// A Unix datagram socket, [`DEV_LOG`] unless a test says otherwise.
    pub socket: PathBuf,
}

impl Default for SyslogOutputConfig {
    fn default() -> Self {
        SyslogOutputConfig {
            socket: PathBuf::from(DEV_LOG),
        }
    }
}

/// The syslog output.
pub struct SyslogSink {
    socket: UnixDatagram,
    path: PathBuf,
    pid: u32,
}

impl SyslogSink {
    /// A sink sending to `cfg.socket`.
    pub fn open(cfg: SyslogOutputConfig) -> io::Result<SyslogSink> {
        Ok(SyslogSink {
            socket: UnixDatagram::unbound()?,
            path: cfg.socket,
            pid: std::process::id(),
        })
    }

    /// Sends one alert's text (the line stdout gets, without a newline) from `hostname`.
    pub fn send(&self, priority: Priority, hostname: &str, text: &str) -> io::Result<()> {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX));
        let message = format_message(priority, now, hostname, self.pid, text);
        self.socket.send_to(message.as_bytes(), &self.path)?;
        Ok(())
    }

    /// The socket it sends to.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// `<PRI>1 TIMESTAMP HOSTNAME kubeward PROCID - - MSG` (RFC 5424, no structured data).
pub fn format_message(
    priority: Priority,
    now_ns: i64,
    hostname: &str,
    pid: u32,
    text: &str,
) -> String {
    let pri = u16::from(FACILITY_USER) * 8 + priority as u16;
    let host = header_field(hostname);
    format!(
        "<{pri}>1 {} {host} {APP_NAME} {pid} - - {}",
        kubeward_rules::rfc5424_timestamp(now_ns),
        text.trim_end_matches('\n')
    )
}

/// A header field: printable US-ASCII without spaces, at most 255 characters (RFC 5424
/// HOSTNAME); anything else becomes `-`.
fn header_field(s: &str) -> String {
    if !s.is_empty() && s.len() <= 255 && s.bytes().all(|b| (33..=126).contains(&b)) {
        s.to_owned()
    } else {
        "-".to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_priority_is_the_user_facility_and_the_rules_severity() {
        let m = format_message(Priority::Warning, 0, "node-1", 42, "a b\n");
        assert_eq!(
            m,
            "<12>1 1970-01-01T00:00:00.000000Z node-1 kubeward 42 - - a b"
        );
        assert!(format_message(Priority::Emergency, 0, "", 1, "x").starts_with("<8>1 "));
        assert!(format_message(Priority::Debug, 0, "h", 1, "x").starts_with("<15>1 "));
        assert!(format_message(Priority::Debug, 0, "", 1, "x").contains(" - kubeward 1 "));
        assert_eq!(header_field("a host"), "-");
    }
}
