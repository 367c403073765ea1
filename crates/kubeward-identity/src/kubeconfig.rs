//! kubeconfig files: what identity each user really carries, and what is wrong with it.
//!
//! [`load`] reads one file or a `KUBECONFIG` chain and merges it as client-go's clientcmd
//! does; [`inspect`](inspect::inspect) decodes every certificate and key it holds and
//! reports [`Finding`]s; [`extract`](extract::extract) returns one PEM. Nothing here runs an
//! exec plugin or talks to a cluster: everything is judged offline.

mod cert;
mod checks;
mod error;
pub mod extract;
mod findings;
pub mod inspect;
mod key;
pub mod load;
mod material;
pub mod model;

pub use cert::{CertInfo, Identity, PublicKeyInfo};
pub use checks::rules;
pub use error::Error;
pub use extract::{Material, extract};
pub use findings::{Finding, Problem, RuleMeta, Severity};
pub use inspect::{
    CertSet, ClusterView, ContextView, ExecView, FileView, Inspection, KeyView, TokenView,
    UserView, inspect,
};
pub use key::KeyInfo;
pub use load::{Kubeconfig, Named, chain, load_chain, load_file, parse};
pub use material::Source;
