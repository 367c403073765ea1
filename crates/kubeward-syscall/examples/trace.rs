//! Prints live syscall events for a few seconds (root or CAP_BPF+CAP_PERFMON needed):
//! `cargo run -p kubeward-syscall --example trace -- [seconds] [capture.kwcap]`.

use std::time::Duration;

use kubeward_rules::source::{Event, FieldArg, FieldRef, Value};
use kubeward_syscall::capture::{Config, DRAIN_INTERVAL};
use kubeward_syscall::live::Live;
use kubeward_syscall::state::Limits;

fn field(ev: &kubeward_syscall::SyscallEvent<'_>, name: &str) -> String {
    let spec = ev.fields.spec();
    let Some(def) = spec.field(name) else {
        return "<?>".into();
    };
    let mut out = Vec::new();
    ev.extract(
        &FieldRef {
            id: def.id,
            arg: FieldArg::None,
        },
        &mut out,
    );
    match out.first() {
        Some(Value::Str(s)) => s.to_string(),
        Some(v) => format!("{v:?}"),
        None => "<NA>".into(),
    }
}

fn main() {
    let mut args = std::env::args().skip(1);
    let secs: u64 = args.next().and_then(|s| s.parse().ok()).unwrap_or(3);
    let out = args
        .next()
        .map(|p| std::fs::File::create(p).expect("create capture file"));
    let mut live = match Live::start(&Config::default(), Limits::default(), out) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(2);
        }
    };
    eprintln!(
        "attached ({} syscalls enabled, entry capture: {})",
        live.capture().enabled.len(),
        live.capture()
            .enter_capture_error
            .as_deref()
            .unwrap_or("on")
    );
    live.run_for(Duration::from_secs(secs), DRAIN_INTERVAL, |ev| {
        println!(
            "{} {} pid={} proc={} fd={} args={}",
            ev.num,
            field(ev, "evt.type"),
            field(ev, "proc.pid"),
            field(ev, "proc.name"),
            field(ev, "fd.name"),
            field(ev, "evt.args"),
        );
    });
    eprintln!("kernel: {:?}", live.kernel_stats());
    eprintln!("state: {:?}", live.processor.state.counters);
    if let Some(Err(e)) = live.finish() {
        eprintln!("error writing capture: {e}");
    }
}
