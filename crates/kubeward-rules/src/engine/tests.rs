//! The build cache must be invisible: every load gives the same reports and rules
//! with it as with a full rebuild after every file (Falco's literal behaviour).

use super::cache::Cache;
use super::{Engine, LoadResult, RuleInfo, RulesFile};
use crate::diag::FileReport;

fn both(engine: &Engine, files: &[RulesFile<'_>]) -> (LoadResult, LoadResult) {
    let cached = engine.load_with(files, &mut Cache::default());
    let full = engine.load_with(files, &mut Cache::disabled());
    (cached, full)
}

fn summary(r: &LoadResult) -> (Vec<FileReport>, Option<Vec<RuleInfo>>) {
    (
        r.reports.clone(),
        r.ruleset
            .as_ref()
            .map(|rs| rs.rules().map(|(_, i)| i.clone()).collect()),
    )
}

fn assert_same(engine: &Engine, files: &[RulesFile<'_>]) -> LoadResult {
    let (cached, full) = both(engine, files);
    assert_eq!(summary(&cached), summary(&full), "files: {files:#?}");
    cached
}

#[test]
fn upstream_files_load_identically_with_the_cache() {
    let names = [
        "falco_rules.yaml",
        "falco-incubating_rules.yaml",
        "falco-sandbox_rules.yaml",
    ];
    let Some(texts) = kubeward_testkit::upstream::read_all(&names) else {
        return;
    };
    let files: Vec<RulesFile<'_>> = names
        .iter()
        .zip(&texts)
        .map(|(n, t)| RulesFile::new(*n, t))
        .collect();
    let r = assert_same(&Engine::new(), &files);
    assert!(r.ruleset.is_some());
    let mut cache = Cache::default();
    Engine::new().load_with(&files, &mut cache);
    let mut full = Cache::disabled();
    Engine::new().load_with(&files, &mut full);
    // Far fewer compiles than once per file (733 → 523 when written).
    assert!(
        cache.recompiled * 4 < full.recompiled * 3,
        "{} of {}",
        cache.recompiled,
        full.recompiled
    );
}

const R1: &str = "- rule: r1\n  desc: d\n  condition: proc.name in (shells) and spawned\n  output: o\n  priority: INFO\n";

#[test]
fn later_files_changing_what_earlier_rules_use() {
    let e = Engine::new();
    let base = "- list: shells\n  items: [sh]\n- macro: spawned\n  condition: evt.type = execve\n";
    let cases: &[&[&str]] = &[
        // A list redefined, appended, nested.
        &[base, R1, "- list: shells\n  items: [bash, zsh]\n"],
        &[base, R1, "- list: shells\n  items: [ksh]\n  append: true\n"],
        &[
            base,
            R1,
            "- list: more\n  items: [fish]\n- list: shells\n  items: [more, sh]\n",
        ],
        // A macro redefined with the same text (its visibility changes), or broken.
        &[
            base,
            R1,
            "- macro: spawned\n  condition: evt.type = execve\n",
        ],
        &[base, R1, "- macro: spawned\n  condition: proc.nope = 1\n"],
        &[base, R1, "- macro: spawned\n  condition: evt.type =\n"],
        // A new list named like a literal in an earlier condition.
        &[
            base,
            "- rule: r2\n  desc: d\n  condition: proc.name in (zsh, sh)\n  output: o\n  priority: INFO\n",
            "- list: zsh\n  items: [a, b]\n",
        ],
        // A macro defined after a rule that needed it.
        &[
            "- rule: r3\n  desc: d\n  condition: later\n  output: o\n  priority: INFO\n",
            "- macro: later\n  condition: proc.name = x\n",
        ],
        // Skip-if-unknown rules and overrides across files.
        &[
            base,
            "- rule: r4\n  desc: d\n  condition: spawned and proc.zzz = 1\n  output: o\n  priority: INFO\n  skip-if-unknown-filter: true\n",
            "- macro: spawned\n  condition: proc.name = a\n",
        ],
        &[
            base,
            R1,
            "- rule: r1\n  condition: and proc.pname = x\n  override:\n    condition: append\n",
            "- rule: r1\n  enabled: false\n  override:\n    enabled: replace\n",
        ],
    ];
    for files in cases {
        let files: Vec<RulesFile<'_>> = files
            .iter()
            .enumerate()
            .map(|(i, t)| RulesFile::new(format!("f{i}.yaml"), t))
            .collect();
        assert_same(&e, &files);
    }
}

/// Small xorshift so the sequences are reproducible without a dependency.
struct Rng(u64);

impl Rng {
    fn pick<'a>(&mut self, pool: &[&'a str]) -> &'a str {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        pool[(self.0 % pool.len() as u64) as usize]
    }
}

#[test]
fn generated_file_sequences_load_identically() {
    // The first nine make a consistent base for the first file.
    let pool = [
        "- list: l1\n  items: [sh, bash]\n",
        "- list: l1\n  items: [zsh]\n  append: true\n",
        "- list: l2\n  items: [l1, ksh]\n",
        "- list: sh\n  items: [dash]\n",
        "- macro: m2\n  condition: evt.type = open\n",
        "- macro: m1\n  condition: proc.name in (l1)\n",
        "- macro: m1\n  condition: proc.name in (l2) or m2\n",
        "- macro: m2\n  condition: and evt.num > 3\n  append: true\n",
        "- rule: a\n  desc: d\n  condition: m1 and proc.pname in (l2, sh)\n  output: o %proc.name\n  priority: INFO\n",
        "- list: l2\n  items: []\n",
        "- macro: m2\n  condition: proc.name in (l2)\n",
        "- rule: a\n  condition: or m2\n  override:\n    condition: append\n",
        "- rule: b\n  desc: d\n  condition: m2 and proc.name != l1\n  output: o\n  priority: INFO\n  exceptions:\n    - name: e\n      fields: proc.name\n      values: [l1]\n",
        "- rule: b\n  desc: d\n  condition: m2 and proc.nothing = 1\n  output: o\n  priority: INFO\n  skip-if-unknown-filter: true\n",
        "- rule: c\n  desc: d\n  condition: proc.name in (l1, l2)\n  output: o\n  priority: INFO\n",
        "- rule: c\n  desc: d\n  condition: proc.name = x\n  output: o\n  priority: INFO\n  source: other\n",
        "- list: l3\n  items: [m1]\n",
        "- macro: m3\n  condition: proc.name in (l3) and m1\n",
        "- rule: d\n  desc: d\n  condition: m3 or proc.name = m2\n  output: o\n  priority: INFO\n",
    ];
    let e = Engine::new();
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut loaded = 0;
    for _ in 0..400 {
        let nfiles = 2 + (rng.0 % 3) as usize;
        let mut texts: Vec<String> = (0..nfiles)
            .map(|_| (0..3).map(|_| rng.pick(&pool)).collect::<String>())
            .collect();
        if let Some(first) = texts.first_mut() {
            first.insert_str(0, &pool[..9].concat());
        }
        let files: Vec<RulesFile<'_>> = texts
            .iter()
            .enumerate()
            .map(|(i, t)| RulesFile::new(format!("f{i}.yaml"), t))
            .collect();
        if assert_same(&e, &files).ruleset.is_some() {
            loaded += 1;
        }
    }
    // The pool mixes good and bad items: both outcomes must be exercised.
    assert!(loaded > 20 && loaded < 380, "{loaded} of 400 loaded");
}
