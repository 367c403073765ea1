//! Editing JSON test documents by JSON pointer (RFC 6901), so a test states only the
//! fields it changes on a shared base pod or object.

use serde_json::{Value, json};

/// Sets the value at `ptr`, creating missing objects on the way; an array index one
/// past the end appends. Panics on a pointer that runs through a scalar, because that
/// is a mistake in the test, not in the code under test.
pub fn set(doc: &mut Value, ptr: &str, value: Value) {
    let mut node = doc;
    for key in ptr.split('/').skip(1) {
        node = match node {
            Value::Array(items) => {
                let i: usize = key.parse().unwrap_or_else(|_| panic!("{ptr}: {key}"));
                if i == items.len() {
                    items.push(json!({}));
                }
                &mut items[i]
            }
            Value::Object(map) => {
                let key = key.replace("~1", "/").replace("~0", "~");
                map.entry(key).or_insert(json!({}))
            }
            _ => panic!("{ptr}: {key} is not in a container"),
        };
    }
    *node = value;
}

/// Removes the object member at `ptr`, if it is there.
pub fn unset(doc: &mut Value, ptr: &str) {
    let Some((parent, last)) = ptr.rsplit_once('/') else {
        panic!("{ptr}: not a pointer to a member")
    };
    if let Some(Value::Object(map)) = doc.pointer_mut(parent) {
        map.remove(&last.replace("~1", "/").replace("~0", "~"));
    }
}

/// `doc` with each `(pointer, value)` set in turn.
pub fn with(mut doc: Value, sets: &[(&str, Value)]) -> Value {
    for (ptr, value) in sets {
        set(&mut doc, ptr, value.clone());
    }
    doc
}
