//! `hostProbesAndHostLifecycle` (baseline, v1.34+): probes and lifecycle handlers
//! may not target another host. Unlike most checks, both the container names and
//! the hosts in the message are sorted and deduplicated.

use std::collections::BTreeSet;

use k8s_openapi::api::core::v1::{HTTPGetAction, PodSpec, TCPSocketAction};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::{Check, versions};
use crate::standards::format::{join_quote_iter, pl};
use crate::standards::{Level, Violation};
use crate::visit::{Ctr, containers};

const ID: &str = "hostProbesAndHostLifecycle";

pub(crate) const CHECK: Check = Check::new(ID, Level::Baseline, versions![34 => v1_34]);

/// The handlers of one container: field name, httpGet, tcpSocket.
fn handlers<'a>(
    c: &Ctr<'a>,
) -> [(
    &'static str,
    Option<&'a HTTPGetAction>,
    Option<&'a TCPSocketAction>,
); 5] {
    let probe = |p: Option<&'a k8s_openapi::api::core::v1::Probe>| {
        (
            p.and_then(|p| p.http_get.as_ref()),
            p.and_then(|p| p.tcp_socket.as_ref()),
        )
    };
    let post = c.lifecycle.and_then(|l| l.post_start.as_ref());
    let pre = c.lifecycle.and_then(|l| l.pre_stop.as_ref());
    let (lh, lt) = probe(c.liveness);
    let (rh, rt) = probe(c.readiness);
    let (sh, st) = probe(c.startup);
    [
        ("livenessProbe", lh, lt),
        ("readinessProbe", rh, rt),
        ("startupProbe", sh, st),
        (
            "lifecycle.postStart",
            post.and_then(|h| h.http_get.as_ref()),
            post.and_then(|h| h.tcp_socket.as_ref()),
        ),
        (
            "lifecycle.preStop",
            pre.and_then(|h| h.http_get.as_ref()),
            pre.and_then(|h| h.tcp_socket.as_ref()),
        ),
    ]
}

fn v1_34(_: &ObjectMeta, spec: &PodSpec) -> Option<Violation> {
    let mut names = BTreeSet::new();
    let mut hosts = BTreeSet::new();
    let mut paths = Vec::new();
    for c in containers(spec) {
        for (field, http, tcp) in handlers(&c) {
            let http = http
                .and_then(|h| h.host.as_deref())
                .filter(|h| !h.is_empty());
            let tcp = tcp
                .and_then(|t| t.host.as_deref())
                .filter(|h| !h.is_empty());
            for (kind, host) in [("httpGet", http), ("tcpSocket", tcp)] {
                if let Some(host) = host {
                    names.insert(c.name);
                    hosts.insert(host);
                    paths.push(c.path(&format!("{field}.{kind}.host")));
                }
            }
        }
    }
    if names.is_empty() {
        return None;
    }
    Some(Violation::new(
        ID,
        "probe or lifecycle host",
        format!(
            "{} {} {} {} {}",
            pl("container", "containers", names.len()),
            join_quote_iter(names.iter().copied()),
            pl("uses", "use", names.len()),
            pl(
                "probe or lifecycle host",
                "probe or lifecycle hosts",
                hosts.len()
            ),
            join_quote_iter(hosts)
        ),
        paths,
    ))
}
