//! A Falco-compatible rules engine (being written).
