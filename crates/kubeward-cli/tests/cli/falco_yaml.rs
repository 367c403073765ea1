//! `detect -c falco.yaml` and `detect serve -c falco.yaml`: a Falco user's configuration
//! runs unchanged. The HTTPS receiver is Python's own `http.server` and `ssl` (a peer
//! kubeward's code has no part in), requiring a client certificate.

use std::ffi::OsStr;
use std::io::{BufRead, BufReader};
use std::os::unix::net::UnixDatagram;
use std::path::Path;
use std::process::{Child, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

use kubeward_testkit::audit;
use kubeward_testkit::pki;
use serde_json::Value;

use crate::common::run;
use crate::detect_server::{Serve, http};

const SECRET_LINE: &str =
    "Warning Secret read by non-system user (user=alice verb=get secret=prod/x)";

/// A Python HTTP(S) receiver printing one JSON line per request: content type, user
/// agent and body. With `tls`, it serves `cert`/`key` and requires a client
/// certificate signed by `ca`.
struct Receiver {
    child: Child,
    out: BufReader<ChildStdout>,
    port: u16,
}

const RECEIVER: &str = r#"
import http.server, json, ssl, sys
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        print(json.dumps({"type": self.headers.get("Content-Type"),
                          "agent": self.headers.get("User-Agent"),
                          "body": body.decode()}), flush=True)
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()
    def log_message(self, *args):
        pass
server = http.server.HTTPServer(("127.0.0.1", 0), H)
if len(sys.argv) > 1:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(sys.argv[1], sys.argv[2])
    ctx.verify_mode = ssl.CERT_REQUIRED
    ctx.load_verify_locations(sys.argv[3])
    server.socket = ctx.wrap_socket(server.socket, server_side=True)
print(server.server_address[1], flush=True)
server.serve_forever()
"#;

impl Receiver {
    fn start(tls: Option<(&Path, &Path, &Path)>) -> Receiver {
        let mut cmd = Command::new("python3");
        cmd.args(["-c", RECEIVER]);
        if let Some((cert, key, ca)) = tls {
            cmd.args([cert, key, ca]);
        }
        let mut child = cmd
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("python3 runs");
        let mut out = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        out.read_line(&mut line).unwrap();
        let port = line.trim().parse().expect("the receiver prints its port");
        Receiver { child, out, port }
    }

    /// The next request: (content type, user agent, body).
    fn next(&mut self) -> (String, String, String) {
        let mut line = String::new();
        self.out.read_line(&mut line).unwrap();
        let v: Value = serde_json::from_str(&line).expect("one JSON line per request");
        let s = |k: &str| v[k].as_str().unwrap_or_default().to_owned();
        (s("type"), s("agent"), s("body"))
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Waits up to 10 s for `path` to hold a line.
fn first_line(path: &Path) -> String {
    let start = Instant::now();
    loop {
        if let Ok(text) = std::fs::read_to_string(path)
            && let Some(line) = text.lines().next()
        {
            return line.to_owned();
        }
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "{} stayed empty",
            path.display()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p.display().to_string()
}

fn post_secret_read(serve: &Serve) {
    let body = audit::event_list(&[audit::event("1", "alice", "get", "secrets", "")]);
    let resp = http(&serve.addr, "POST", "/k8s-audit", &body);
    assert!(resp.starts_with("HTTP/1.1 200"), "{resp}");
}

/// Falco's JSON alert for the secret read: keys sorted, the configured properties only.
fn assert_falco_json(json: &str, keys: &[&str]) -> Value {
    let v: Value = serde_json::from_str(json).unwrap_or_else(|e| panic!("{e}: {json}"));
    let got: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(got, keys, "{json}");
    // Written in this order by kubeward: the text's key order is the sorted order.
    let order: Vec<usize> = keys
        .iter()
        .map(|k| json.find(&format!("\"{k}\":")).unwrap())
        .collect();
    assert!(
        order.windows(2).all(|w| w[0] < w[1]),
        "keys out of order: {json}"
    );
    assert_eq!(v["hostname"], "h1");
    assert_eq!(v["rule"], "KW Secret Read By Non-System User");
    assert_eq!(v["priority"], "Warning");
    assert_eq!(v["source"], "k8s_audit");
    assert_eq!(v["time"], "2024-06-01T12:00:00.250000000Z");
    v
}

#[test]
fn one_falco_yaml_sends_falcos_json_to_https_with_mtls_syslog_and_a_program() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let ca = pki::ca("receivers");
    let server = pki::server(&ca);
    let client = pki::client(&ca, pki::ClientSpec::new("kubeward", None));
    let ca_pem = write(d, "ca.pem", &ca.pem);
    let (server_crt, server_key) = (
        write(d, "server.crt", &server.cert_pem),
        write(d, "server.key", &server.key_pem),
    );
    let (client_crt, client_key) = (
        write(d, "client.crt", &client.cert_pem),
        write(d, "client.key", &client.key_pem),
    );
    let mut receiver = Receiver::start(Some((
        Path::new(&server_crt),
        Path::new(&server_key),
        Path::new(&ca_pem),
    )));
    let log = d.join("log.sock");
    let syslog = UnixDatagram::bind(&log).unwrap();
    syslog
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let program_out = d.join("program.out");
    let config = write(
        d,
        "falco.yaml",
        &format!(
            "# A Falco configuration, as Falco's own file writes it.
json_output: true
json_include_output_property: true
json_include_tags_property: true
json_include_message_property: true
priority: debug
rule_matching: first
buffered_outputs: false
stdout_output:
  enabled: true
syslog_output:
  enabled: true
program_output:
  enabled: true
  keep_alive: false
  program: \"cat >> {program}\"
http_output:
  enabled: true
  url: https://localhost:{port}/
  user_agent: \"falcosecurity/falco\"
  insecure: false
  ca_cert: \"\"
  ca_bundle: {ca_pem}
  ca_path: \"/etc/ssl/certs\"
  mtls: true
  client_cert: {client_crt}
  client_key: {client_key}
  echo: false
  compress_uploads: false
  keep_alive: false
engine:
  kind: modern_ebpf
",
            program = program_out.display(),
            port = receiver.port,
        ),
    );
    let serve = Serve::start(&[
        OsStr::new("-c"),
        OsStr::new(&config),
        OsStr::new("--syslog-socket"),
        log.as_os_str(),
    ]);
    post_secret_read(&serve);

    let keys = [
        "hostname",
        "message",
        "output",
        "output_fields",
        "priority",
        "rule",
        "source",
        "tags",
        "time",
    ];
    let (content_type, agent, posted) = receiver.next();
    assert_eq!(content_type, "application/json");
    assert_eq!(agent, "falcosecurity/falco");
    let v = assert_falco_json(&posted, &keys);
    assert_eq!(v["output"], format!("12:00:00.250000000: {SECRET_LINE}"));
    assert_eq!(
        v["message"],
        "Secret read by non-system user (user=alice verb=get secret=prod/x)"
    );
    assert_eq!(v["output_fields"]["ka.user.name"], "alice");
    assert!(v["tags"].is_array());

    let mut datagram = vec![0; 65536];
    let n = syslog.recv(&mut datagram).expect("a syslog datagram");
    let datagram = String::from_utf8_lossy(&datagram[..n]).into_owned();
    // RFC 5424: <PRI>1 TIME HOST APP PROCID MSGID SD MSG; user.warning is 8 + 4.
    assert!(datagram.starts_with("<12>1 "), "{datagram}");
    assert!(
        datagram.ends_with(&format!(" - {posted}")),
        "syslog carries the same JSON: {datagram}"
    );

    assert_eq!(
        first_line(&program_out),
        posted,
        "the program got the same JSON"
    );
    let (stdout, _) = serve.stop();
    assert_eq!(stdout.trim_end(), posted, "stdout got the same JSON");
}

#[test]
fn without_json_output_the_http_output_posts_the_text_line_as_falco_does() {
    let dir = tempfile::tempdir().unwrap();
    let mut receiver = Receiver::start(None);
    let config = write(
        dir.path(),
        "falco.yaml",
        &format!(
            "time_format_iso_8601: true\nstdout_output: {{enabled: true}}\nhttp_output:\n  enabled: true\n  url: \"'http://127.0.0.1:{}/'\"\n  user_agent: ops/7\n",
            receiver.port
        ),
    );
    let serve = Serve::start(&[OsStr::new("--config"), OsStr::new(&config)]);
    post_secret_read(&serve);
    let (content_type, agent, posted) = receiver.next();
    assert_eq!(content_type, "text/plain");
    assert_eq!(agent, "ops/7");
    assert_eq!(
        posted,
        format!("2024-06-01T12:00:00.250000000+0000: {SECRET_LINE}")
    );
    let (stdout, _) = serve.stop();
    assert_eq!(stdout.trim_end(), posted);

    // --format json overrides json_output for the configured http_output too.
    let serve = Serve::start(&[
        OsStr::new("--config"),
        OsStr::new(&config),
        OsStr::new("--format"),
        OsStr::new("json"),
    ]);
    post_secret_read(&serve);
    let (content_type, _, posted) = receiver.next();
    assert_eq!(content_type, "application/json");
    assert_falco_json(
        &posted,
        &[
            "hostname",
            "output",
            "output_fields",
            "priority",
            "rule",
            "source",
            "tags",
            "time",
        ],
    );
    let (stdout, _) = serve.stop();
    assert_eq!(stdout.trim_end(), posted);
}

#[test]
fn file_output_without_keep_alive_follows_a_rotated_file() {
    let dir = tempfile::tempdir().unwrap();
    let events = dir.path().join("events.txt");
    let config = write(
        dir.path(),
        "falco.yaml",
        &format!(
            "json_output: true\njson_include_tags_property: false\njson_include_output_property: false\njson_include_output_fields_property: false\nfile_output:\n  enabled: true\n  keep_alive: false\n  filename: {}\n",
            events.display()
        ),
    );
    let serve = Serve::start(&[OsStr::new("-c"), OsStr::new(&config)]);
    post_secret_read(&serve);
    let first = first_line(&events);
    assert_falco_json(&first, &["hostname", "priority", "rule", "source", "time"]);
    std::fs::rename(&events, dir.path().join("events.txt.1")).unwrap();
    post_secret_read(&serve);
    assert_eq!(
        first_line(&events),
        first,
        "the second alert went to a new file"
    );
    let (stdout, _) = serve.stop();
    assert_eq!(stdout, "", "stdout_output is not enabled");
}

#[test]
fn detect_takes_rules_priority_and_json_properties_from_the_config() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let rules = write(
        d,
        "rules.yaml",
        "- rule: Any read\n  desc: d\n  condition: ka.verb = get\n  output: \"read by %ka.user.name\"\n  priority: NOTICE\n  source: k8s_audit\n  tags: [t]\n- rule: Loud read\n  desc: d\n  condition: ka.verb = get\n  output: \"loud %ka.user.name\"\n  priority: ERROR\n  source: k8s_audit\n",
    );
    let events = write(
        d,
        "audit.log",
        &audit::event("1", "alice", "get", "secrets", ""),
    );
    let config = write(
        d,
        "falco.yaml",
        &format!(
            "rules_files:\n  - {rules}\n  - {missing}\npriority: warning\nrule_matching: all\njson_output: true\njson_include_tags_property: false\nhttp_output: {{enabled: true, url: http://127.0.0.1:9/}}\nwatch_config_files: true\n",
            missing = d.join("rules.d").display()
        ),
    );
    let (code, out, err) = run(d, &["detect", "-c", &config, &events]).parts();
    assert_eq!(code, 0, "{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 1, "only the rule at or above warning: {out}");
    let v: Value = serde_json::from_str(lines[0]).unwrap();
    assert_eq!(v["rule"], "Loud read");
    assert!(v.get("tags").is_none(), "{out}");
    assert!(
        err.contains("rules.d does not exist; skipped, as Falco skips it"),
        "{err}"
    );
    assert!(
        err.contains("falco.yaml:9: watch_config_files: not used by kubeward; ignored"),
        "{err}"
    );
    assert!(
        err.contains("warning: http_output: `kubeward detect` prints alerts on stdout only"),
        "{err}"
    );

    // A flag given on the command line wins over the file.
    let (code, out, err) = run(
        d,
        &[
            "detect",
            "-c",
            &config,
            "--format",
            "text",
            "--min-priority",
            "notice",
            &events,
        ],
    )
    .parts();
    assert_eq!(code, 0, "{err}");
    assert!(out.contains(": Notice read by alice"), "{out}");
    assert!(out.contains(": Error loud alice"), "{out}");
    // With -r, the file's rules_files are not read, so their absence is not reported.
    let (code, _, err) = run(d, &["detect", "-c", &config, "-r", &rules, &events]).parts();
    assert_eq!(code, 0, "{err}");
    assert!(!err.contains("does not exist"), "{err}");
}

#[test]
fn a_config_falco_would_refuse_is_unusable_input() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    for (text, message) in [
        (
            "priority: loud\n",
            "falco.yaml:1: Unknown priority \"loud\"--must be one of emergency",
        ),
        (
            "rules_files: [a]\nrules_file: [b]\n",
            "falco.yaml:2: both 'rules_files' and 'rules_file' keys set",
        ),
        (
            "http_output:\n  enabled: true\n",
            "http output enabled but no url in configuration block",
        ),
        (
            "rules_files: [/nonexistent/rules.yaml]\n",
            "none of the 1 rules_files exists",
        ),
        ("json_output: [\n", "falco.yaml:"),
    ] {
        let config = write(d, "falco.yaml", text);
        let (code, _, err) = run(d, &["detect", "-c", &config, "/dev/null"]).parts();
        assert_eq!(code, 2, "{text}: {err}");
        assert!(err.contains(message), "{text}: {err}");
    }
    let (code, _, err) = run(d, &["detect", "-c", "absent.yaml", "/dev/null"]).parts();
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("absent.yaml"), "{err}");
}
