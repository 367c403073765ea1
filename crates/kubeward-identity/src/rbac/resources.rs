//! The API group of a resource named without one (`deployments` → `apps`), for
//! commands that take a resource as kubectl does, without a cluster to ask: the
//! built-in types of k8s-openapi, by their URL path segment.

use k8s_openapi::Resource;
use k8s_openapi::api::{
    admissionregistration::v1 as admreg, apps::v1 as apps, autoscaling::v2 as autoscaling,
    batch::v1 as batch, certificates::v1 as certificates, coordination::v1 as coordination,
    core::v1 as core, discovery::v1 as discovery, networking::v1 as networking, node::v1 as node,
    policy::v1 as policy, rbac::v1 as rbac, scheduling::v1 as scheduling, storage::v1 as storage,
};
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1 as apiext;

/// (resource, API group) of a type.
const fn entry<R: Resource>() -> (&'static str, &'static str) {
    (R::URL_PATH_SEGMENT, R::GROUP)
}

const BUILT_IN: &[(&str, &str)] = &[
    entry::<core::Binding>(),
    entry::<core::ConfigMap>(),
    entry::<core::Endpoints>(),
    entry::<core::Event>(),
    entry::<core::LimitRange>(),
    entry::<core::Namespace>(),
    entry::<core::Node>(),
    entry::<core::PersistentVolume>(),
    entry::<core::PersistentVolumeClaim>(),
    entry::<core::Pod>(),
    entry::<core::PodTemplate>(),
    entry::<core::ReplicationController>(),
    entry::<core::ResourceQuota>(),
    entry::<core::Secret>(),
    entry::<core::Service>(),
    entry::<core::ServiceAccount>(),
    entry::<apps::ControllerRevision>(),
    entry::<apps::DaemonSet>(),
    entry::<apps::Deployment>(),
    entry::<apps::ReplicaSet>(),
    entry::<apps::StatefulSet>(),
    entry::<autoscaling::HorizontalPodAutoscaler>(),
    entry::<batch::CronJob>(),
    entry::<batch::Job>(),
    entry::<certificates::CertificateSigningRequest>(),
    entry::<coordination::Lease>(),
    entry::<discovery::EndpointSlice>(),
    entry::<networking::Ingress>(),
    entry::<networking::IngressClass>(),
    entry::<networking::NetworkPolicy>(),
    entry::<node::RuntimeClass>(),
    entry::<policy::PodDisruptionBudget>(),
    entry::<rbac::ClusterRole>(),
    entry::<rbac::ClusterRoleBinding>(),
    entry::<rbac::Role>(),
    entry::<rbac::RoleBinding>(),
    entry::<scheduling::PriorityClass>(),
    entry::<storage::CSIDriver>(),
    entry::<storage::CSINode>(),
    entry::<storage::StorageClass>(),
    entry::<storage::VolumeAttachment>(),
    entry::<admreg::MutatingWebhookConfiguration>(),
    entry::<admreg::ValidatingWebhookConfiguration>(),
    entry::<apiext::CustomResourceDefinition>(),
];

/// The API group of the built-in resource `resource` (plural, lower case), if known.
pub fn api_group_of(resource: &str) -> Option<&'static str> {
    BUILT_IN
        .iter()
        .find(|(r, _)| *r == resource)
        .map(|(_, g)| *g)
}

#[cfg(test)]
mod tests {
    use super::api_group_of;

    #[test]
    fn groups_of_built_in_resources() {
        for (resource, group) in [
            ("pods", ""),
            ("secrets", ""),
            ("deployments", "apps"),
            ("cronjobs", "batch"),
            ("clusterroles", "rbac.authorization.k8s.io"),
            (
                "validatingwebhookconfigurations",
                "admissionregistration.k8s.io",
            ),
            ("customresourcedefinitions", "apiextensions.k8s.io"),
        ] {
            assert_eq!(api_group_of(resource), Some(group), "{resource}");
        }
        assert_eq!(api_group_of("widgets"), None);
    }
}
