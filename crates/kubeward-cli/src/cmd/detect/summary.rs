//! The end-of-run summary of `detect`: events read, skipped and lost, alerts by rule and
//! by priority, written to stderr.

use std::collections::BTreeMap;
use std::io::{self, Write};

use kubeward_rules::Priority;

#[derive(Debug, Default)]
pub struct Summary {
    pub events: u64,
    /// Unreadable records and items.
    pub skipped: u64,
    /// Well-formed JSON records and items the k8saudit plugin does not take as audit
    /// events: reported and counted, but, as in Falco, not an unusable input.
    pub not_events: u64,
    /// Inputs that could not be opened or read to their end.
    pub inputs_failed: u64,
    /// Syscall events the kernel could not hand over (ring buffer full), live or as
    /// a recording says.
    pub kernel_drops: u64,
    /// Rule name → (priority, count), in first-alert order.
    by_rule: Vec<(String, Priority, u64)>,
}

impl Summary {
    pub fn alert(&mut self, rule: &str, priority: Priority) {
        match self.by_rule.iter_mut().find(|(r, _, _)| r == rule) {
            Some((_, _, n)) => *n += 1,
            None => self.by_rule.push((rule.to_owned(), priority, 1)),
        }
    }

    pub fn alerts(&self) -> u64 {
        self.by_rule.iter().map(|(_, _, n)| n).sum()
    }

    /// The most severe priority that alerted.
    pub fn most_severe(&self) -> Option<Priority> {
        self.by_rule.iter().map(|(_, p, _)| *p).min()
    }

    pub fn write(&self, err: &mut impl Write) -> io::Result<()> {
        let unreadable = match self.inputs_failed {
            0 => String::new(),
            1 => ", 1 input unreadable".into(),
            n => format!(", {n} inputs unreadable"),
        };
        let not_events = match self.not_events {
            0 => String::new(),
            1 => ", 1 record not an audit event".into(),
            n => format!(", {n} records not audit events"),
        };
        let lost = match self.kernel_drops {
            0 => String::new(),
            n => format!(", {n} lost by the kernel (ring buffer full)"),
        };
        writeln!(
            err,
            "kubeward detect: {} events read, {} skipped{unreadable}{not_events}{lost}, {} alerts",
            self.events,
            self.skipped,
            self.alerts()
        )?;
        if self.by_rule.is_empty() {
            return Ok(());
        }
        let mut rules: Vec<_> = self.by_rule.iter().collect();
        rules.sort_by(|a, b| b.2.cmp(&a.2).then_with(|| a.0.cmp(&b.0)));
        writeln!(err, "alerts by rule:")?;
        for (rule, _, n) in rules {
            writeln!(err, "  {n:>8}  {rule}")?;
        }
        let mut by_priority: BTreeMap<Priority, u64> = BTreeMap::new();
        for (_, p, n) in &self.by_rule {
            *by_priority.entry(*p).or_default() += n;
        }
        writeln!(err, "alerts by priority:")?;
        for (p, n) in by_priority {
            writeln!(err, "  {n:>8}  {}", p.name())?;
        }
        Ok(())
    }
}
