//! AP001: a rule is dead when an earlier rule matches a superset of its requests. The test
//! is conservative: it claims a superset only when every field proves it, so a report is
//! always right, and an overlap split across several earlier rules goes unreported.
//!
//! Earlier rules are indexed by what they match (users, groups, verbs, and the target:
//! resource group and resource, resource name, non-resource URL), so each rule is tested
//! only against the earlier rules that could cover it, not against all of them: the same
//! findings as a pairwise scan, in near-linear time on real policies.

use kubeward_report::{RuleMeta, Severity};

use super::LintDef;
use std::collections::HashMap;

use super::Hit;
use crate::audit_policy::{GroupResources, Policy, Rule};

/// AP001: rule can never match.
pub(super) const AP001: LintDef = LintDef {
    meta: RuleMeta {
        id: "AP001",
        title: "rule can never match",
        severity: Severity::Medium,
        fix: "Move the rule above the broader one, or delete it.",
    },
    reason: "An earlier rule matches every request this one would, and the first match decides.",
    check,
};

pub(super) fn check(policy: &Policy, hits: &mut Vec<Hit>) {
    let mut index = Index::default();
    for (j, later) in policy.rules.iter().enumerate() {
        if let Some(i) = index.first_covering(&policy.rules, later) {
            let line = policy.pos(&format!("rules[{i}]")).line;
            hits.push(Hit::new(
                format!("rules[{j}]"),
                format!(
                    "rule {j} ({}) is shadowed by rule {i} at line {line} ({}), which matches every request it would",
                    later.summary(),
                    policy.rules.get(i).map(Rule::summary).unwrap_or_default()
                ),
            ));
        }
        index.add(j, later);
    }
}

/// Earlier rules by what they match. Every list holds rule indexes in ascending order.
#[derive(Default)]
struct Index<'p> {
    users: ListIndex<'p>,
    groups: ListIndex<'p>,
    verbs: ListIndex<'p>,
    targets: HashMap<Target<'p>, Vec<usize>>,
}

/// Rules by the entries of one list field; an empty list matches everything.
#[derive(Default)]
struct ListIndex<'p> {
    empty: Vec<usize>,
    by: HashMap<&'p str, Vec<usize>>,
}

/// What part of the request space a rule's target covers, as index keys. A rule that
/// covers a request's target is always under one of the keys [`Index::candidates`]
/// lists for it (a superset: the full test decides).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Target<'p> {
    /// Neither resources nor URLs: every request.
    Any,
    /// Every resource of every group (no `resources`, or a `"*"` group).
    AllResources,
    /// Any resource of the group (no resources, or a wildcard resource).
    Group(&'p str),
    /// A resource (before any `/subresource`) of the group, for any name.
    Resource(&'p str, &'p str),
    /// A resource of the group with this name.
    Named(&'p str, &'p str, &'p str),
    /// A URL pattern that is not under one first path segment.
    AnyUrl,
    /// A URL prefix under this first path segment.
    UrlSegment(&'p str),
    /// One exact URL.
    Url(&'p str),
}

impl<'p> ListIndex<'p> {
    fn add(&mut self, i: usize, list: &'p [String]) {
        if list.is_empty() {
            self.empty.push(i);
        }
        for x in list {
            let rules = self.by.entry(x.as_str()).or_default();
            if rules.last() != Some(&i) {
                rules.push(i);
            }
        }
    }

    /// The rules that may cover `list`: an empty list, or one holding its rarest entry.
    fn candidates<'s>(&'s self, list: &[String], out: &mut Vec<&'s [usize]>) {
        out.push(&self.empty);
        let rarest = list
            .iter()
            .map(|x| self.by.get(x.as_str()).map_or(&[][..], Vec::as_slice))
            .min_by_key(|rules| rules.len());
        out.extend(rarest);
    }
}

impl<'p> Index<'p> {
    fn add(&mut self, i: usize, rule: &'p Rule) {
        self.users.add(i, &rule.users);
        self.groups.add(i, &rule.user_groups);
        self.verbs.add(i, &rule.verbs);
        for key in target_keys(rule) {
            let rules = self.targets.entry(key).or_default();
            if rules.last() != Some(&i) {
                rules.push(i);
            }
        }
    }

    /// The first earlier rule that subsumes `b`, as a scan of all of them would find.
    /// Every subsuming rule is among the candidates of each field, so the smallest
    /// candidate set, scanned in order, finds the first one.
    fn first_covering(&self, rules: &[Rule], b: &Rule) -> Option<usize> {
        let mut sets: [Vec<&[usize]>; 4] = Default::default();
        let [users, groups, verbs, targets] = &mut sets;
        self.users.candidates(&b.users, users);
        self.groups.candidates(&b.user_groups, groups);
        self.verbs.candidates(&b.verbs, verbs);
        targets.extend(
            target_candidates(b)
                .iter()
                .filter_map(|k| self.targets.get(k).map(Vec::as_slice)),
        );
        let smallest = sets
            .iter()
            .min_by_key(|lists| lists.iter().map(|l| l.len()).sum::<usize>())?;
        smallest
            .iter()
            .filter_map(|list| {
                list.iter()
                    .copied()
                    .find(|&i| rules.get(i).is_some_and(|a| subsumes(a, b)))
            })
            .min()
    }
}

/// The keys a rule's target is filed under.
fn target_keys(a: &Rule) -> Vec<Target<'_>> {
    if a.resource_only() {
        if a.resources.is_empty() {
            return vec![Target::AllResources];
        }
        let mut keys = Vec::new();
        for ga in &a.resources {
            let g = ga.group.as_str();
            if g == "*" {
                keys.push(Target::AllResources);
            } else if ga.resources.is_empty() {
                keys.push(Target::Group(g));
            }
            if g == "*" || ga.resources.is_empty() {
                continue;
            }
            for ra in &ga.resources {
                if ra == "*" || ra.starts_with("*/") {
                    keys.push(Target::Group(g));
                } else if ga.resource_names.is_empty() {
                    keys.push(Target::Resource(g, base(ra)));
                } else {
                    keys.extend(
                        ga.resource_names
                            .iter()
                            .map(|n| Target::Named(g, base(ra), n.as_str())),
                    );
                }
            }
        }
        keys
    } else if !a.non_resource_urls.is_empty() {
        a.non_resource_urls
            .iter()
            .map(|s| match s.strip_suffix('*') {
                Some(prefix) => url_segment(prefix).map_or(Target::AnyUrl, Target::UrlSegment),
                None => Target::Url(s),
            })
            .collect()
    } else {
        vec![Target::Any]
    }
}

/// The keys under which every rule that may cover `b`'s target is filed.
fn target_candidates(b: &Rule) -> Vec<Target<'_>> {
    let mut keys = vec![Target::Any];
    if b.resource_only() {
        keys.push(Target::AllResources);
        if let Some(gb) = b.resources.first() {
            let g = gb.group.as_str();
            keys.push(Target::Group(g));
            if let Some(rb) = gb.resources.first().filter(|r| *r != "*") {
                keys.push(Target::Resource(g, base(rb)));
                if let Some(n) = gb.resource_names.first() {
                    keys.push(Target::Named(g, base(rb), n));
                }
            }
        }
    } else if b.non_resource_only() {
        keys.push(Target::AnyUrl);
        if let Some(u) = b.non_resource_urls.first() {
            keys.push(Target::Url(u));
            keys.extend(url_segment(u).map(Target::UrlSegment));
        }
    }
    keys
}

/// A resource without its subresource.
fn base(resource: &str) -> &str {
    resource.split('/').next().unwrap_or(resource)
}

/// The first path segment of a URL (or prefix) that continues past it: `/api/` and
/// `/api/v1` give `api`, `/ap` gives nothing (a prefix that may continue the segment).
fn url_segment(url: &str) -> Option<&str> {
    url.strip_prefix('/')?.split_once('/').map(|(seg, _)| seg)
}

/// Whether every request `b` matches is matched by `a`.
pub(crate) fn subsumes(a: &Rule, b: &Rule) -> bool {
    list_covers(&a.users, &b.users)
        && list_covers(&a.user_groups, &b.user_groups)
        && list_covers(&a.verbs, &b.verbs)
        && target_covers(a, b)
}

/// An empty list matches everything; otherwise `b` must be non-empty and inside `a`.
fn list_covers(a: &[String], b: &[String]) -> bool {
    a.is_empty() || (!b.is_empty() && b.iter().all(|x| a.contains(x)))
}

fn target_covers(a: &Rule, b: &Rule) -> bool {
    if a.resource_only() {
        if !b.resource_only() || !list_covers(&a.namespaces, &b.namespaces) {
            return false;
        }
        if a.resources.is_empty() {
            return true;
        }
        if b.resources.is_empty() {
            // b takes every resource of every group in its namespaces.
            return a
                .resources
                .iter()
                .any(|ga| ga.group == "*" && takes_all(ga));
        }
        b.resources
            .iter()
            .all(|gb| a.resources.iter().any(|ga| entry_covers(ga, gb)))
    } else if !a.non_resource_urls.is_empty() {
        b.non_resource_only()
            && b.non_resource_urls
                .iter()
                .all(|u| a.non_resource_urls.iter().any(|s| url_covers(s, u)))
    } else {
        true
    }
}

/// Whether the entry matches every resource of its group, whatever the name.
fn takes_all(g: &GroupResources) -> bool {
    g.resources.is_empty() || (g.resource_names.is_empty() && g.resources.iter().any(|r| r == "*"))
}

fn entry_covers(ga: &GroupResources, gb: &GroupResources) -> bool {
    if !(ga.group == "*" || ga.group == gb.group) {
        return false;
    }
    if takes_all(ga) {
        return true;
    }
    if gb.resources.is_empty() || !list_covers(&ga.resource_names, &gb.resource_names) {
        return false;
    }
    gb.resources
        .iter()
        .all(|rb| ga.resources.iter().any(|ra| spec_covers(ra, rb)))
}

/// Whether resource pattern `ra` matches everything pattern `rb` does.
fn spec_covers(ra: &str, rb: &str) -> bool {
    if ra == "*" || ra == rb {
        return true;
    }
    if rb == "*" {
        return false;
    }
    if let Some(res) = ra.strip_suffix("/*") {
        // `res/*` takes `res` and all its subresources.
        return rb == res || rb.strip_prefix(res).is_some_and(|r| r.starts_with('/'));
    }
    if let Some(sub) = ra.strip_prefix("*/") {
        return rb
            .split_once('/')
            .is_some_and(|(res, s)| s == sub && res != "*");
    }
    false
}

fn url_covers(s: &str, u: &str) -> bool {
    s == "*"
        || s == u
        || s.strip_suffix('*')
            .is_some_and(|p| u != "*" && u.starts_with(p))
}

#[cfg(test)]
mod tests {
    use super::{spec_covers, url_covers};

    #[test]
    fn patterns() {
        assert!(spec_covers("*", "pods/exec"));
        assert!(spec_covers("pods/*", "pods"));
        assert!(spec_covers("pods/*", "pods/exec"));
        assert!(!spec_covers("pods/*", "podsx"));
        assert!(spec_covers("*/exec", "pods/exec"));
        assert!(!spec_covers("*/exec", "pods"));
        assert!(!spec_covers("pods", "pods/exec"));
        assert!(!spec_covers("pods/exec", "*"));
        assert!(url_covers("/healthz*", "/healthz/etcd"));
        assert!(url_covers("/h*", "/healthz*"));
        assert!(!url_covers("/healthz", "/healthz*"));
        assert!(!url_covers("/x*", "*"));
    }

    /// The index finds exactly what the pairwise scan it replaced finds, on rules drawn
    /// from small vocabularies (so that covers, near-misses and wildcards abound).
    #[test]
    fn index_agrees_with_the_pairwise_scan() {
        use super::{Index, subsumes};
        use crate::audit_policy::{GroupResources, Rule};

        struct Rng(u64);
        impl Rng {
            fn next(&mut self, n: usize) -> usize {
                self.0 ^= self.0 << 13;
                self.0 ^= self.0 >> 7;
                self.0 ^= self.0 << 17;
                (self.0 % n as u64) as usize
            }
            /// Most of the time the pool without its last (broadest) entry.
            fn narrow<'a>(&mut self, pool: &'a [&'a str]) -> &'a [&'a str] {
                &pool[..pool.len() - usize::from(self.next(8) != 0)]
            }
            fn pick(&mut self, pool: &[&str], max: usize) -> Vec<String> {
                let n = self.next(max + 1);
                (0..n)
                    .map(|_| pool[self.next(pool.len())].to_owned())
                    .collect()
            }
        }
        let mut rng = Rng(0x2545_f491_4f6c_dd1d);
        let users = ["alice", "bob", "carol"];
        let verbs = ["get", "list", "watch", "create"];
        // Broad patterns are rare, so that the first cover is often a narrow rule.
        let groups = [
            "", "apps", "g2", "g3", "g4", "g5", "", "apps", "g2", "g3", "*",
        ];
        let resources = [
            "r0", "r1", "r2", "r3", "r4", "r5", "r0/s", "r1/s", "r2/t", "r1/*", "r3/*", "*/s",
            "r0", "r1", "r2", "*",
        ];
        let names = ["a", "b", "c"];
        let urls = [
            "/a", "/a/b", "/a/*", "/b/c", "/b/*", "/b*", "/c", "/c/d/e", "/c/d/*", "/a", "*",
        ];
        let mut rules = Vec::new();
        for n in 0..5000 {
            // Mostly narrow rules, so that a broad one shadows some of the rest, not all.
            let mut r = Rule {
                users: rng.pick(&users, 2),
                user_groups: rng.pick(&["system:authenticated", "dev"], 1),
                verbs: rng.pick(&verbs, 3),
                ..Rule::default()
            };
            if rng.next(300) != 0 {
                r.users.push(format!("user-{}", rng.next(150)));
            }
            r.verbs.push(verbs[rng.next(verbs.len())].to_owned());
            if n >= 3000 {
                // Then only targets differ, so they decide.
                (r.users, r.user_groups, r.verbs) = (vec!["u".into()], vec![], vec!["get".into()]);
            }
            match rng.next(if n < 3000 { 3 } else { 2 }) {
                0 => {
                    for _ in 0..rng.next(3).max(usize::from(n >= 3000)) {
                        let gr = GroupResources {
                            group: {
                                let g = rng.narrow(&groups);
                                g[rng.next(g.len())].to_owned()
                            },
                            resources: {
                                let r = rng.narrow(&resources);
                                rng.pick(r, 2)
                            },
                            resource_names: rng.pick(&names, 1),
                        };
                        r.resources.push(gr);
                    }
                    r.namespaces = rng.pick(&["kube-system", "default"], 1);
                }
                1 => {
                    r.non_resource_urls = {
                        let u = rng.narrow(&urls);
                        rng.pick(u, 2)
                    };
                    if n >= 3000 && r.non_resource_urls.is_empty() {
                        r.non_resource_urls
                            .push(urls[rng.next(urls.len())].to_owned());
                    }
                }
                _ => {}
            }
            rules.push(r);
        }
        let (mut index, mut found) = (Index::default(), 0);
        for (j, b) in rules.iter().enumerate() {
            if j == 3000 {
                assert!(
                    found > 300 && found < 2700,
                    "{found} shadowed: the sample should mix"
                );
                (index, found) = (Index::default(), 0);
            }
            let from = if j < 3000 { 0 } else { 3000 };
            let want = rules
                .iter()
                .take(j)
                .skip(from)
                .position(|a| subsumes(a, b))
                .map(|i| i + from);
            assert_eq!(index.first_covering(&rules, b), want, "rule {j}: {b:?}");
            found += usize::from(want.is_some());
            index.add(j, b);
        }
        assert!(
            found > 200 && found < 1950,
            "{found} shadowed: the sample should mix"
        );
    }
}
