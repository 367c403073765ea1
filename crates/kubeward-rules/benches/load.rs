//! Load time of the four upstream rulesets (target: under 50 ms together).

use criterion::{Criterion, criterion_group, criterion_main};
use kubeward_rules::source::{ArgSpec, FieldDef, FieldType, SourceSpec};
use kubeward_rules::{Engine, RulesFile};

/// Field names the upstream k8s_audit ruleset uses, as strings (the real table lives
/// in kubeward-k8saudit, which this crate cannot depend on).
fn k8s_spec(text: &str) -> SourceSpec {
    let mut names: Vec<String> = Vec::new();
    for w in text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '.' || c == '_')) {
        if (w.starts_with("ka.") || w.starts_with("jevt.")) && !names.iter().any(|n| n == w) {
            names.push(w.trim_end_matches('.').to_owned());
        }
    }
    let keyed = ["jevt.value", "ka.uri.param", "ka.req.volume.hostpath"];
    let lists = [
        "ka.user.groups",
        "ka.req.binding.subjects",
        "ka.req.role.rules",
        "ka.req.pod.containers",
        "ka.req.pod.initContainers",
        "ka.req.pod.ephemeralContainers",
        "ka.req.pod.volumes",
        "ka.req.service.ports",
    ];
    let fields = names
        .iter()
        .enumerate()
        .map(|(i, n)| {
            let mut f = FieldDef::new(i as u32, n.clone(), FieldType::String, "");
            if keyed.contains(&n.as_str()) {
                f = f.arg(ArgSpec::key(true));
            } else if lists.iter().any(|l| n.starts_with(l)) {
                f = f.list().arg(ArgSpec::index(false));
            }
            f
        })
        .collect();
    SourceSpec::new("k8s_audit", fields)
        .with_plugin("k8saudit", "0.18.0")
        .with_plugin("json", "0.7.4")
}

fn bench(c: &mut Criterion) {
    let names = [
        "falco_rules.yaml",
        "falco-incubating_rules.yaml",
        "falco-sandbox_rules.yaml",
        "k8s_audit_rules.yaml",
    ];
    let Some(texts) = kubeward_testkit::upstream::read_all(&names) else {
        return;
    };
    let mut engine = Engine::new();
    engine.add_source(k8s_spec(&texts[3]));
    let files: Vec<RulesFile<'_>> = names
        .iter()
        .zip(&texts)
        .map(|(n, t)| RulesFile::new(*n, t))
        .collect();
    assert!(
        engine.load(&files).ruleset.is_some(),
        "upstream rules must load"
    );
    c.bench_function("load four upstream rulesets", |b| {
        b.iter(|| engine.load(&files))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
