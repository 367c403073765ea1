//! `appArmorProfile` (baseline, v1.0+): AppArmor may not be unconfined, neither by
//! the pod/container fields nor by the deprecated per-container annotations. The
//! field check was added to the v1.0 implementation upstream, so it applies to
//! every version.

use std::collections::BTreeSet;

use k8s_openapi::api::core::v1::{AppArmorProfile, PodSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::{Check, Flagged, versions};
use crate::gofmt::go_quote;
use crate::standards::format::{containers_phrase, join_quote, pl};
use crate::standards::{Level, Violation};

const ID: &str = "appArmorProfile";
const ANNOTATION_PREFIX: &str = "container.apparmor.security.beta.kubernetes.io/";

pub(crate) const CHECK: Check = Check::new(ID, Level::Baseline, versions![0 => v1_0]);

fn bad_type(p: Option<&AppArmorProfile>) -> Option<&str> {
    let t = p?.type_.as_str();
    (t != "RuntimeDefault" && t != "Localhost").then_some(t)
}

fn allowed_annotation(v: &str) -> bool {
    v.is_empty() || v == "runtime/default" || v.starts_with("localhost/")
}

fn v1_0<'a>(meta: &'a ObjectMeta, spec: &'a PodSpec) -> Option<Violation> {
    let mut types = BTreeSet::new();
    let mut note = |p: Option<&'a AppArmorProfile>| match bad_type(p) {
        Some(t) => {
            types.insert(t);
            true
        }
        None => false,
    };
    let pod_sc = spec.security_context.as_ref();
    let pod_bad = note(pod_sc.and_then(|sc| sc.app_armor_profile.as_ref()));
    let Flagged {
        names, mut paths, ..
    } = Flagged::pod_and_containers(spec, pod_bad, "securityContext.appArmorProfile.type", |c| {
        note(c.sc.and_then(|sc| sc.app_armor_profile.as_ref()))
    });
    // Rendered `key="value"` with Go %q quoting, then sorted as strings.
    let mut annotations: Vec<(String, &str)> = meta
        .annotations
        .iter()
        .flatten()
        .filter(|(k, v)| k.starts_with(ANNOTATION_PREFIX) && !allowed_annotation(v))
        .map(|(k, v)| (format!("{k}={}", go_quote(v)), k.as_str()))
        .collect();
    annotations.sort();
    if !pod_bad && names.is_empty() && annotations.is_empty() {
        return None;
    }
    let mut setter_parts = Vec::new();
    if pod_bad {
        setter_parts.push("pod".to_string());
    }
    if !names.is_empty() {
        setter_parts.push(containers_phrase(&names));
    }
    if !annotations.is_empty() {
        setter_parts.push(pl("annotation", "annotations", annotations.len()).to_string());
    }
    let mut values: Vec<&str> = types.into_iter().collect();
    values.extend(annotations.iter().map(|(s, _)| s.as_str()));
    paths.extend(
        annotations
            .iter()
            .map(|(_, k)| format!("metadata.annotations[{k}]")),
    );
    Some(Violation::new(
        ID,
        pl(
            "forbidden AppArmor profile",
            "forbidden AppArmor profiles",
            values.len(),
        ),
        format!(
            "{} must not set AppArmor profile type to {}",
            setter_parts.join(" and "),
            join_quote(&values)
        ),
        paths,
    ))
}
