//! The cluster's own configuration, judged: control-plane static pod flags and the
//! kubelet's configuration file and command line against the CIS Kubernetes Benchmark
//! ([`cis`], [`flags`]), the etcdctl command that reaches etcd with the API
//! server's credentials ([`etcdctl`]), audit policies ([`audit_policy`]) and seccomp
//! profiles ([`seccomp`]).

pub mod audit_policy;
pub mod cis;
pub mod etcdctl;
pub mod flags;
pub mod seccomp;
