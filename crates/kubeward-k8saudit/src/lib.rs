//! The Kubernetes audit source (being written).
