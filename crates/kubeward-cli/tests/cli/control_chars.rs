//! Control characters from hostile inputs never reach the terminal: every text output
//! shows them escaped (`\x1b`, `\x07`, `\r`), with colours on or off.

use crate::common::{Fixture, kubeward};
use kubeward_testkit::cli::args;
use kubeward_testkit::has;

/// ESC starting an OSC title change, BEL ending it, CR to overwrite the line, and C1 CSI.
const HOSTILE: &str = "\u{1b}]0;pwned\u{7}\rX\u{9b}2J";
const SHOWN: &str = "\\x1b]0;pwned\\x07\\rX\\u{9b}2J";

/// Whether `text` holds a control character other than a line feed, or any ESC that does
/// not start a colour sequence (what `--color always` adds itself).
fn raw_controls(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    for (i, c) in text.char_indices() {
        if c == '\u{1b}' {
            // kubeward's own colours: ESC [ digits and semicolons m.
            let rest = &text[i + 1..];
            let sgr = rest.strip_prefix('[').is_some_and(|r| {
                let end = r.find(|c: char| !c.is_ascii_digit() && c != ';');
                end.is_some_and(|e| r[e..].starts_with('m'))
            });
            if sgr {
                continue;
            }
        }
        if c.is_control() && c != '\n' {
            found.push(format!("{c:?} at {i}"));
        }
    }
    found
}

/// `s` as a YAML double-quoted scalar, control characters as YAML escapes.
fn yaml_quote(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_control() => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn output(cwd: &std::path::Path, args: &[&str]) -> (String, String) {
    let out = kubeward()
        .current_dir(cwd)
        .env("FALCO_HOSTNAME", "h1")
        .args(args)
        .output()
        .expect("run");
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn assert_escaped(what: &str, text: &str) {
    assert_eq!(raw_controls(text), Vec::<String>::new(), "{what}:\n{text}");
    assert!(
        text.contains(SHOWN),
        "{what} does not show {SHOWN}:\n{text}"
    );
}

#[test]
fn controlplane_etcdctl_escapes_flag_values() {
    let manifest = format!(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: kube-apiserver\n  namespace: kube-system\n\
         spec:\n  containers:\n  - name: kube-apiserver\n    image: k8s\n    command:\n    - \
         kube-apiserver\n    - --etcd-servers=https://127.0.0.1:2379\n    - {}\n",
        yaml_quote(&format!("--etcd-cafile=/etc/ca{HOSTILE}.crt"))
    );
    let f = Fixture::new(&[("m/kube-apiserver.yaml", &manifest)]);
    let (out, err) = output(f.root(), &args("controlplane etcdctl --manifests m"));
    assert_escaped("etcdctl", &out);
    has(&out, "--cacert='/etc/ca\\x1b]0;pwned");
    has(&out, "does not run as printed");
    assert!(raw_controls(&err).is_empty(), "{err}");
}

#[test]
fn scan_text_escapes_names_messages_and_errors_with_colour_on_or_off() {
    let pod = format!(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: {}\nspec:\n  containers:\n  - name: \
         {}\n    image: i\n    securityContext:\n      privileged: true\n      {}: 1\n      \
         {}: 2\n",
        yaml_quote(&format!("p{HOSTILE}")),
        yaml_quote(&format!("c{HOSTILE}")),
        yaml_quote(&format!("k{HOSTILE}")),
        yaml_quote(&format!("k{HOSTILE}"))
    );
    let f = Fixture::new(&[("pod.yaml", &pod)]);
    for color in ["never", "always"] {
        let (out, err) = output(f.root(), &["scan", "--color", color, "pod.yaml"]);
        assert_escaped(&format!("scan stdout, --color {color}"), &out);
        // The duplicated key's error quotes it.
        assert_escaped(&format!("scan stderr, --color {color}"), &err);
    }
}

#[test]
fn detect_text_alerts_escape_event_values() {
    let user = format!("alice{HOSTILE}");
    let event = format!(
        r#"{{"kind":"Event","apiVersion":"audit.k8s.io/v1","auditID":"1","stage":"ResponseComplete","verb":"get","requestURI":"/api/v1/namespaces/prod/secrets/x","user":{{"username":{},"groups":["system:authenticated"]}},"objectRef":{{"resource":"secrets","namespace":"prod","name":"x"}},"responseStatus":{{"code":200}},"stageTimestamp":"2024-06-01T12:00:00.25Z"}}"#,
        serde_json::to_string(&user).expect("json")
    );
    let f = Fixture::new(&[("audit.log", &format!("{event}\n"))]);
    let (out, _) = output(f.root(), &["detect", "audit.log"]);
    has(&out, "Secret read by non-system user");
    // Falco's field formatting escapes some controls its own way (`\u001b`); whatever it
    // leaves, the text output escapes.
    assert_eq!(raw_controls(&out), Vec::<String>::new(), "{out}");
    has(&out, "pwned");
    // JSON stays JSON: its own escapes, not ours.
    let (json, _) = output(f.root(), &args("detect --format json audit.log"));
    let alert: serde_json::Value = serde_json::from_str(json.trim()).expect("one JSON alert");
    assert!(alert["output"].as_str().expect("output").contains(&user));
}

#[test]
fn kubeconfig_inspect_escapes_names() {
    let config = format!(
        "apiVersion: v1\nkind: Config\ncurrent-context: {ctx}\ncontexts:\n- name: {ctx}\n  \
         context: {{cluster: c, user: u}}\nclusters:\n- name: c\n  cluster: {{server: \
         'https://example.invalid'}}\nusers:\n- name: u\n  user: {{token: abc}}\n",
        ctx = yaml_quote(&format!("ctx{HOSTILE}"))
    );
    let f = Fixture::new(&[("config", &config)]);
    let (out, err) = output(f.root(), &["kubeconfig", "inspect", "config"]);
    assert_escaped("kubeconfig inspect", &out);
    assert!(raw_controls(&err).is_empty(), "{err}");
}
