//! Falco-shaped alerts as kubeward prints them: the `detect` command and the audit
//! webhook raise the same alert for the same event, so their tests check it once here.

use serde_json::Value;

/// Asserts that `alert` is the JSON alert the default rules raise when user `alice`
/// reads a secret at 2024-06-01T12:00:00.25Z, on the fixed test host `h1`.
#[track_caller]
pub fn assert_alice_secret_read(alert: &Value) {
    assert_eq!(alert["rule"], "KW Secret Read By Non-System User");
    assert_eq!(alert["priority"], "Warning");
    assert_eq!(alert["source"], "k8s_audit");
    assert_eq!(alert["hostname"], "h1");
    assert_eq!(alert["time"], "2024-06-01T12:00:00.250000000Z");
    assert_eq!(alert["output_fields"]["ka.user.name"], "alice");
}
