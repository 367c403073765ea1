//! `seLinux`: MustRunAs (fixed options; MLS levels compared ignoring category order)
//! or RunAsAny.

use k8s_openapi::api::core::v1::SELinuxOptions;

use crate::gofmt::go_quote;
use crate::psp::field::FieldError;
use crate::psp::types::SELinuxStrategyOptions;

/// The `seLinux` strategy of a policy.
#[derive(Clone, Debug, PartialEq)]
pub enum SeLinux {
    /// `MustRunAs`: the pod's and containers' `seLinuxOptions` must equal these (and default to them).
    MustRunAs(SELinuxOptions),
    /// `RunAsAny`: any SELinux options, nothing defaulted.
    RunAsAny,
}

impl SeLinux {
    /// The strategy of a policy's `seLinux`; `Err` holds upstream's message for an unknown rule or `MustRunAs` without options.
    pub fn build(opts: &SELinuxStrategyOptions) -> Result<Self, String> {
        match opts.rule.as_str() {
            "MustRunAs" => opts
                .se_linux_options
                .clone()
                .map(SeLinux::MustRunAs)
                .ok_or_else(|| "MustRunAs requires SELinuxOptions".to_string()),
            "RunAsAny" => Ok(SeLinux::RunAsAny),
            other => Err(format!("Unrecognized SELinuxContext strategy type {other}")),
        }
    }

    /// The `seLinuxOptions` to default an unset pod or container to (`None` for `RunAsAny`).
    pub fn generate(&self) -> Option<SELinuxOptions> {
        match self {
            SeLinux::MustRunAs(o) => Some(o.clone()),
            SeLinux::RunAsAny => None,
        }
    }

    /// Checks effective options at `path` (`...seLinuxOptions`).
    pub fn validate(&self, path: &str, actual: Option<&SELinuxOptions>) -> Vec<FieldError> {
        let SeLinux::MustRunAs(want) = self else {
            return vec![];
        };
        let Some(got) = actual else {
            return vec![FieldError::required(path, "")];
        };
        let s = |v: &Option<String>| v.clone().unwrap_or_default();
        let mut errs = vec![];
        let mut check = |name: &str, want: String, got: String, equal: bool| {
            if !equal {
                errs.push(FieldError::invalid(
                    format!("{path}.{name}"),
                    go_quote(&got),
                    format!("must be {want}"),
                ));
            }
        };
        let (wl, gl) = (s(&want.level), s(&got.level));
        let level_ok = equal_levels(&wl, &gl);
        check("level", wl, gl, level_ok);
        let (wr, gr) = (s(&want.role), s(&got.role));
        let eq = wr == gr;
        check("role", wr, gr, eq);
        let (wt, gt) = (s(&want.type_), s(&got.type_));
        let eq = wt == gt;
        check("type", wt, gt, eq);
        let (wu, gu) = (s(&want.user), s(&got.user));
        let eq = wu == gu;
        check("user", wu, gu, eq);
        errs
    }
}

/// `s0:c6,c0` equals `s0:c0,c6`: same sensitivity, same categories in any order.
fn equal_levels(expected: &str, actual: &str) -> bool {
    if expected == actual {
        return true;
    }
    let (Some((es, ec)), Some((as_, ac))) = (expected.split_once(':'), actual.split_once(':'))
    else {
        return false;
    };
    if es != as_ {
        return false;
    }
    let mut e: Vec<&str> = ec.split(',').collect();
    let mut a: Vec<&str> = ac.split(',').collect();
    e.sort_unstable();
    a.sort_unstable();
    e == a
}

#[cfg(test)]
mod tests {
    use super::equal_levels;

    #[test]
    fn levels_ignore_category_order_only() {
        assert!(equal_levels("s0:c6,c0", "s0:c0,c6"));
        assert!(!equal_levels("s0:c6,c0", "s1:c0,c6"));
        assert!(!equal_levels("s0", "s0:c0"));
        assert!(equal_levels("s0", "s0"));
    }
}
