//! Turning loaded rules on and off after loading, as Falco's engine offers it
//! (`enable_rule`, `enable_rule_by_tag`) and its command line uses it (`-t`, `-T`, `-D`).

use super::Ruleset;

/// Which rules `-t`/`-T`/`-D` selected, and which of their arguments matched nothing.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Selection {
    /// Tags given to `-t` or `-T` that no rule has.
    pub unknown_tags: Vec<String>,
    /// Substrings given to `-D` that no rule name contains.
    pub unknown_names: Vec<String>,
}

impl Ruleset {
    /// Enables or disables every rule whose name contains `substring` (Falco's
    /// `enable_rule`, which matches substrings); returns how many rules matched.
    pub fn enable_rule(&mut self, substring: &str, enabled: bool) -> usize {
        self.enable_where(enabled, |name, _| name.contains(substring))
    }

    /// Enables or disables every rule that has at least one of `tags` (Falco's
    /// `enable_rule_by_tag`); returns how many rules matched.
    pub fn enable_rule_by_tag<S: AsRef<str>>(&mut self, tags: &[S], enabled: bool) -> usize {
        self.enable_where(enabled, |_, rule_tags| {
            rule_tags
                .iter()
                .any(|t| tags.iter().any(|w| w.as_ref() == t))
        })
    }

    /// Falco's command-line selection: with `only_tags` (`-t`), exactly the rules having
    /// one of them are enabled; then rules having one of `disable_tags` (`-T`) and rules
    /// whose name contains one of `disable_names` (`-D`) are disabled.
    pub fn select(
        &mut self,
        only_tags: &[String],
        disable_tags: &[String],
        disable_names: &[String],
    ) -> Selection {
        let mut selection = Selection::default();
        if !only_tags.is_empty() {
            self.enable_where(false, |_, _| true);
        }
        for t in only_tags {
            if self.enable_rule_by_tag(std::slice::from_ref(t), true) == 0 {
                selection.unknown_tags.push(t.clone());
            }
        }
        for t in disable_tags {
            if self.enable_rule_by_tag(std::slice::from_ref(t), false) == 0 {
                selection.unknown_tags.push(t.clone());
            }
        }
        for d in disable_names {
            if self.enable_rule(d, false) == 0 {
                selection.unknown_names.push(d.clone());
            }
        }
        selection
    }

    /// Whether any enabled rule can fire (one that is not inactive for want of a source).
    pub fn any_enabled(&self) -> bool {
        self.rules().any(|(_, r)| r.enabled && !r.inactive)
    }

    fn enable_where(&mut self, enabled: bool, matches: impl Fn(&str, &[String]) -> bool) -> usize {
        let mut n = 0;
        for r in &mut self.rules {
            if matches(&r.info.name, &r.info.tags) {
                r.info.enabled = enabled;
                n += 1;
            }
        }
        n
    }
}
