//! `procMount_restricted` (restricted, v1.35+): the v1.0 procMount rule without the
//! user-namespace relaxation; overrides baseline `procMount`.

use k8s_openapi::api::core::v1::PodSpec;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::{Check, Versioned, proc_mount};
use crate::standards::{Level, Violation};

const ID: &str = "procMount_restricted";

pub(crate) const CHECK: Check = Check {
    id: ID,
    level: Level::Restricted,
    versions: &[Versioned {
        min: 35,
        run: v1_35,
        overrides: &[proc_mount::ID],
    }],
};

fn v1_35(_: &ObjectMeta, spec: &PodSpec) -> Option<Violation> {
    proc_mount::strict(ID, spec)
}
