//! The API server's defaulting that admission judges (`kubeward_podsecurity::defaults`):
//! a volume with no source becomes `emptyDir` for every holder, the hostNetwork host
//! ports are defaulted for Pods only, and defaulting a defaulted spec changes nothing
//! (the webhooks receive defaulted objects and apply nothing).

#[path = "fixtures/pss/common.rs"]
mod common;

use common::*;
use k8s_openapi::api::core::v1::{EmptyDirVolumeSource, PodSpec};
use kubeward_podsecurity::defaults::{Holder, apply_defaults, apply_pod_defaults};
use kubeward_podsecurity::standards::{Level, PolicyVersion, evaluate};
use serde_json::json;

/// Volumes as in upstream's `restrictedvolumes0` pass case (written here from its
/// description): one with no source at all, one whose source is an explicit null, and
/// one of each allowed type.
fn volumes() -> serde_json::Value {
    json!([
        { "name": "implicit" },
        { "name": "null-source", "emptyDir": null },
        { "name": "scratch", "emptyDir": {} },
        { "name": "creds", "secret": { "secretName": "creds" } },
        { "name": "data", "persistentVolumeClaim": { "claimName": "data" } },
        { "name": "labels", "downwardAPI": { "items": [{ "path": "labels", "fieldRef": { "fieldPath": "metadata.labels" } }] } },
        { "name": "conf", "configMap": { "name": "conf" } },
        { "name": "token", "projected": { "sources": [] } },
        { "name": "tools", "image": { "reference": "registry.example/tools:1" } }
    ])
}

fn spec_of(p: &serde_json::Value) -> PodSpec {
    decode(p).1
}

#[test]
fn a_volume_without_source_becomes_empty_dir_for_pods_and_templates() {
    for holder in [Holder::Pod, Holder::Template] {
        let mut s = spec_of(&with(base(37), &[("/spec/volumes", volumes())]));
        apply_defaults(&mut s, holder);
        let v = s.volumes.as_ref().unwrap();
        assert_eq!(v[0].empty_dir, Some(EmptyDirVolumeSource::default()));
        assert_eq!(v[1].empty_dir, Some(EmptyDirVolumeSource::default()));
        // Volumes with a source keep it and gain nothing.
        assert!(v[2..].iter().all(|v| v.host_path.is_none()));
        assert!(v[3].empty_dir.is_none() && v[3].secret.is_some());
        assert!(v[8].empty_dir.is_none() && v[8].image.is_some());
    }
}

#[test]
fn no_source_volume_passes_restricted_at_every_version_boundary_once_defaulted() {
    // Boundaries where the restricted minimal pod or restrictedVolumes' neighbours change.
    for minor in [0, 8, 19, 22, 23, 25, 34, 35, 37] {
        let p = with(
            base(minor),
            &[("/spec/volumes", json!([{ "name": "volume0" }]))],
        );
        let (meta, mut spec) = decode(&p);
        // The library alone judges the object it is given, as upstream's does: a
        // volume with no source is of an unknown type.
        let raw = evaluate(Level::Restricted, PolicyVersion::V1(minor), &meta, &spec);
        assert_eq!(raw.len(), 1, "v1.{minor}: {raw:?}");
        assert_eq!(raw[0].check, "restrictedVolumes");
        assert_eq!(
            raw[0].detail.as_deref(),
            Some(r#"volume "volume0" uses restricted volume type "unknown""#)
        );
        for holder in [Holder::Pod, Holder::Template] {
            let mut s = spec.clone();
            apply_defaults(&mut s, holder);
            let v = evaluate(Level::Restricted, PolicyVersion::V1(minor), &meta, &s);
            assert!(v.is_empty(), "v1.{minor} {holder:?}: {v:?}");
        }
        apply_pod_defaults(&mut spec);
        assert!(evaluate(Level::Restricted, PolicyVersion::V1(minor), &meta, &spec).is_empty());
    }
    // Every allowed type together, the implicit one included, at latest.
    let mut s = spec_of(&with(base(37), &[("/spec/volumes", volumes())]));
    apply_pod_defaults(&mut s);
    passes_spec(&s);
}

fn passes_spec(s: &PodSpec) {
    let meta = Default::default();
    let v = evaluate(Level::Restricted, PolicyVersion::Latest, &meta, s);
    assert!(v.is_empty(), "{v:?}");
}

#[test]
fn defaulting_changes_nothing_that_a_volume_source_or_template_rules_out() {
    // A hostPath volume stays hostPath: defaulting never hides a restricted type.
    let p = with(
        base(37),
        &[(
            "/spec/volumes",
            json!([{ "name": "h", "hostPath": { "path": "/" } }]),
        )],
    );
    let (meta, mut s) = decode(&p);
    apply_pod_defaults(&mut s);
    let v = evaluate(Level::Restricted, PolicyVersion::Latest, &meta, &s);
    assert_eq!(
        v[0].detail.as_deref(),
        Some(r#"volume "h" uses restricted volume type "hostPath""#)
    );
    // Templates do not get the Pod-only hostNetwork port default.
    let mut t = spec_of(&pod(json!({
        "hostNetwork": true,
        "containers": [{ "name": "c", "image": "i", "ports": [{ "containerPort": 80 }] }]
    })));
    apply_defaults(&mut t, Holder::Template);
    assert_eq!(t.containers[0].ports.as_ref().unwrap()[0].host_port, None);
    apply_defaults(&mut t, Holder::Pod);
    assert_eq!(
        t.containers[0].ports.as_ref().unwrap()[0].host_port,
        Some(80)
    );
}

#[test]
fn defaulting_a_defaulted_spec_is_a_no_op() {
    let mut s = spec_of(&with(
        pod(json!({
            "hostNetwork": true,
            "initContainers": [{ "name": "i", "ports": [{ "containerPort": 53 }] }],
            "containers": [{ "name": "c", "ports": [{ "containerPort": 80, "hostPort": 8080 }] }]
        })),
        &[("/spec/volumes", volumes())],
    ));
    apply_pod_defaults(&mut s);
    let once = s.clone();
    apply_pod_defaults(&mut s);
    assert_eq!(s, once);
    apply_defaults(&mut s, Holder::Template);
    assert_eq!(s, once);
}

#[test]
fn holder_of_kind() {
    assert_eq!(Holder::of_kind("Pod"), Holder::Pod);
    for kind in ["Deployment", "PodTemplate", "CronJob", "pod"] {
        assert_eq!(Holder::of_kind(kind), Holder::Template, "{kind}");
    }
}
