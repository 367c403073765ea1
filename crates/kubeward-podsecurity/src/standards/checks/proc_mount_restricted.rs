//! `procMount_restricted` (restricted, v1.35+): the v1.0 procMount rule without the
//! user-namespace relaxation; overrides baseline `procMount`.

use k8s_openapi::api::core::v1::PodSpec;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::{Check, proc_mount, versions};
use crate::standards::{Level, Violation};

const ID: &str = "procMount_restricted";

pub(crate) const CHECK: Check = Check::new(
    ID,
    Level::Restricted,
    versions![overrides &[proc_mount::ID]; 35 => v1_35],
);

fn v1_35(_: &ObjectMeta, spec: &PodSpec) -> Option<Violation> {
    proc_mount::strict(ID, spec)
}
