//! The dry run of existing pods when a Namespace's enforce policy is tightened (reference
//! 2.5): the update is never refused for it, but the user is warned which pods would be.

use std::collections::{BTreeMap, HashSet};
use std::time::Instant;

use k8s_openapi::api::core::v1::{Pod, PodSpec};
use kubeward_podsecurity::standards::namespace::Policy;
use kubeward_podsecurity::standards::{Level, evaluate};

use super::pss::{PodSecurityConfiguration, policy_of};

/// At most this many pods are checked.
pub const MAX_PODS: usize = 3000;

/// The new enforce policy to dry-run existing pods against, when the update calls for it:
/// not when enforce is unchanged, privileged, or at the same version and not stricter, nor
/// for an exempt namespace (user exemptions do not apply).
pub fn needed(
    old: &BTreeMap<String, String>,
    new: &BTreeMap<String, String>,
    namespace: &str,
    ex: &PodSecurityConfiguration,
) -> Option<Policy> {
    if ex.exemptions.namespaces.contains(namespace) {
        return None;
    }
    let (old, _) = policy_of(old, &ex.defaults);
    let (new, _) = policy_of(new, &ex.defaults);
    let (old, new) = (old.enforce(), new.enforce());
    if old == new || new.level == Level::Privileged {
        return None;
    }
    if old.version == new.version && new.level <= old.level {
        return None;
    }
    Some(new)
}

fn controller_uid(pod: &Pod) -> Option<&str> {
    pod.metadata
        .owner_references
        .as_deref()?
        .iter()
        .find(|o| o.controller == Some(true))
        .map(|o| o.uid.as_str())
}

/// Exempt runtime classes dropped; the first pod of each controller first, its other
/// replicas last (one replica tells as much as all of them).
fn prioritize<'a>(pods: &'a [Pod], ex: &PodSecurityConfiguration) -> Vec<&'a Pod> {
    let mut first = Vec::with_capacity(pods.len());
    let mut replicas = Vec::new();
    let mut seen = HashSet::new();
    for pod in pods {
        let rc = pod
            .spec
            .as_ref()
            .and_then(|s| s.runtime_class_name.as_deref());
        if rc.is_some_and(|rc| !rc.is_empty() && ex.exemptions.runtime_classes.contains(rc)) {
            continue;
        }
        match controller_uid(pod) {
            Some(uid) if !seen.insert(uid) => replicas.push(pod),
            _ => first.push(pod),
        }
    }
    first.extend(replicas);
    first
}

/// The warnings for `pods` against `enforce`, in upstream's order. Stops at `deadline` or
/// [`MAX_PODS`], saying how many were checked; `unlisted` pods exist beyond those given.
pub fn warnings(
    namespace: &str,
    enforce: Policy,
    pods: &[Pod],
    unlisted: usize,
    ex: &PodSecurityConfiguration,
    deadline: Instant,
) -> Vec<String> {
    let ordered = prioritize(pods, ex);
    let total = ordered.len() + unlisted;
    // Short form (reasons only) → pod names with it.
    let mut groups: BTreeMap<String, Vec<&str>> = BTreeMap::new();
    let mut checked = 0;
    let empty = PodSpec::default();
    for pod in ordered.iter().take(MAX_PODS) {
        if Instant::now() > deadline {
            break;
        }
        checked += 1;
        let spec = pod.spec.as_ref().unwrap_or(&empty);
        let v = evaluate(enforce.level, enforce.version, &pod.metadata, spec);
        if v.is_empty() {
            continue;
        }
        let reasons: Vec<&str> = v.iter().map(|v| v.reason.as_str()).collect();
        let name = pod.metadata.name.as_deref().unwrap_or("");
        groups.entry(reasons.join(", ")).or_default().push(name);
    }
    let mut out = Vec::new();
    if checked < total {
        out.push(format!(
            "new PodSecurity enforce level only checked against the first {checked} of {total} existing pods"
        ));
    }
    if !groups.is_empty() {
        out.push(format!(
            "existing pods in namespace \"{namespace}\" violate the new PodSecurity enforce level \"{enforce}\""
        ));
    }
    let mut lines: Vec<String> = groups
        .into_iter()
        .map(|(reasons, names)| {
            let first = names.iter().min().copied().unwrap_or("");
            match names.len() {
                1 => format!("{first}: {reasons}"),
                2 => format!("{first} (and 1 other pod): {reasons}"),
                n => format!("{first} (and {} other pods): {reasons}", n - 1),
            }
        })
        .collect();
    lines.sort();
    out.extend(lines);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn labels(enforce: &str) -> BTreeMap<String, String> {
        BTreeMap::from([(
            "pod-security.kubernetes.io/enforce".to_string(),
            enforce.to_string(),
        )])
    }

    fn pod(name: &str, owner: Option<&str>, privileged: bool) -> Pod {
        serde_json::from_value(serde_json::json!({
            "metadata": {"name": name, "ownerReferences": owner.map(|uid| vec![serde_json::json!({
                "apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "rs", "uid": uid, "controller": true})])},
            "spec": {"containers": [{"name": "c", "image": "i", "securityContext": {"privileged": privileged}}]}
        }))
        .expect("pod")
    }

    #[test]
    fn only_a_tighter_enforce_policy_is_dry_run() {
        let ex = PodSecurityConfiguration::default();
        let none = BTreeMap::new();
        assert!(needed(&none, &labels("baseline"), "n", &ex).is_some());
        assert!(needed(&labels("restricted"), &labels("baseline"), "n", &ex).is_none());
        assert!(needed(&labels("baseline"), &labels("baseline"), "n", &ex).is_none());
        assert!(needed(&labels("baseline"), &labels("privileged"), "n", &ex).is_none());
        let mut exempt = PodSecurityConfiguration::default();
        exempt.exemptions.namespaces = ["n".to_string()].into();
        assert!(needed(&none, &labels("baseline"), "n", &exempt).is_none());
    }

    #[test]
    fn violations_are_grouped_by_reasons_with_the_smallest_name() {
        let pods = vec![
            pod("web-b", Some("u1"), true),
            pod("web-a", Some("u1"), true),
            pod("db", None, true),
            pod("ok", None, false),
        ];
        let enforce = Policy {
            level: Level::Baseline,
            version: kubeward_podsecurity::standards::PolicyVersion::Latest,
        };
        let far = Instant::now() + Duration::from_secs(5);
        let w = warnings(
            "n",
            enforce,
            &pods,
            0,
            &PodSecurityConfiguration::default(),
            far,
        );
        assert_eq!(
            w,
            [
                "existing pods in namespace \"n\" violate the new PodSecurity enforce level \"baseline:latest\"",
                "db (and 2 other pods): privileged"
            ]
        );
        // A passed deadline checks nothing and says so.
        let past = Instant::now() - Duration::from_millis(1);
        let w = warnings(
            "n",
            enforce,
            &pods,
            0,
            &PodSecurityConfiguration::default(),
            past,
        );
        assert_eq!(
            w,
            ["new PodSecurity enforce level only checked against the first 0 of 4 existing pods"]
        );
    }
}
