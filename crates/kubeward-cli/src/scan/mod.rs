//! `kubeward scan`: inputs → Namespace pre-pass → files in bounded parallel chunks →
//! output in input order.

pub mod evaluate;
pub mod model;
pub mod namespace;
mod progress;
pub mod psp;

use std::io::{self, Write};
use std::process::ExitCode;

use kubeward_manifest::{
    Input, Limits, LoadError, discover, may_contain_namespace, parse_documents, read_input,
};
use rayon::prelude::*;

use crate::args::ScanArgs;
use crate::output::{self, Output};
use evaluate::{FileOutcome, Settings, scan_text};
use model::{ErrorKind, Event, ScanError, Summary};
use namespace::Namespaces;

/// Files in flight per worker thread: enough to keep workers busy across uneven files,
/// few enough that one chunk's results are small whatever the corpus size.
const FILES_PER_THREAD: usize = 8;

pub fn run(args: &ScanArgs) -> anyhow::Result<ExitCode> {
    let limits = Limits {
        max_file_bytes: args.max_file_size,
        ..Limits::default()
    };
    let psp = (!args.psp.is_empty()).then(|| psp::load(&args.psp, &limits));
    if let Some(loaded) = &psp {
        let mut err = anstream::stderr();
        for w in &loaded.warnings {
            writeln!(err, "warning: {w}")?;
        }
    }
    let settings = Settings {
        level: args.level.map(Into::into),
        version: args.pss_version,
        lint: !args.no_lint,
        limits,
        psp: psp.as_ref().map(|l| l.policies.as_slice()),
    };
    let (inputs, load_errors) = discover(&args.paths);
    // Policy problems first: they explain every PSP verdict that follows.
    let mut early_errors: Vec<ScanError> =
        psp.as_ref().map(|l| l.errors.clone()).unwrap_or_default();
    early_errors.extend(
        load_errors
            .into_iter()
            .map(|e| ScanError::from_load(e, ErrorKind::Path)),
    );
    // Standard input can be read only once, and both passes need it.
    let stdin = inputs
        .contains(&Input::Stdin)
        .then(|| read_input(&Input::Stdin, &limits));
    let namespaces = prepass(&inputs, stdin.as_ref(), &limits);

    let mut out = output::open(args)?;
    let mut summary = Summary {
        psp: psp.is_some(),
        ..Summary::default()
    };
    let result = stream(
        &inputs,
        early_errors,
        stdin.as_ref(),
        &settings,
        &namespaces,
        &mut *out,
        &mut summary,
        args.quiet,
    );
    match result.and_then(|()| out.finish(&summary)) {
        Ok(()) => {}
        // The reader went away (`| head`): stop quietly, as other command-line tools do.
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => {}
        Err(e) => return Err(anyhow::Error::new(e).context("cannot write the report")),
    }
    Ok(exit_code(&summary))
}

fn exit_code(s: &Summary) -> ExitCode {
    if s.errors > 0 {
        ExitCode::from(2)
    } else if s.denied > 0 || s.psp_denied > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

fn read(
    input: &Input,
    stdin: Option<&Result<String, LoadError>>,
    limits: &Limits,
) -> Result<String, LoadError> {
    match (input, stdin) {
        (Input::Stdin, Some(cached)) => cached.clone(),
        _ => read_input(input, limits),
    }
}

/// Collects the Pod Security labels of every Namespace in the scanned set, reading only
/// files whose text may hold one. Errors are left to the main pass, which reports them
/// in order.
fn prepass(
    inputs: &[Input],
    stdin: Option<&Result<String, LoadError>>,
    limits: &Limits,
) -> Namespaces {
    let found: Vec<(String, namespace::NamespacePolicy)> = inputs
        .par_iter()
        .flat_map_iter(|input| {
            let text = read(input, stdin, limits).unwrap_or_default();
            let mut found = Vec::new();
            if may_contain_namespace(&text) {
                let file = input.name();
                for res in parse_documents(&file, &text, limits).into_iter().flatten() {
                    if res.kind == "Namespace" {
                        if let Some(name) = res.name.clone() {
                            found.push((name, namespace::resolve(&res).0));
                        }
                    }
                }
            }
            found
        })
        .collect();
    // In input order, so a Namespace given twice resolves to the later one, as a
    // `kubectl apply` of the same set would leave it.
    found.into_iter().collect()
}

#[allow(clippy::too_many_arguments)]
fn stream(
    inputs: &[Input],
    early_errors: Vec<ScanError>,
    stdin: Option<&Result<String, LoadError>>,
    settings: &Settings,
    namespaces: &Namespaces,
    out: &mut dyn Output,
    summary: &mut Summary,
    quiet: bool,
) -> io::Result<()> {
    for e in early_errors {
        emit(out, summary, Event::Error(e))?;
    }
    let chunk = rayon::current_num_threads().max(1) * FILES_PER_THREAD;
    let mut progress = progress::Progress::new(inputs.len(), chunk, quiet);
    for (done, files) in inputs.chunks(chunk).enumerate() {
        let outcomes: Vec<FileOutcome> = files
            .par_iter()
            .map(|input| scan_input(input, stdin, settings, namespaces))
            .collect();
        progress.clear();
        for outcome in outcomes {
            summary.files += 1;
            summary.resources += outcome.resources;
            for (kind, n) in &outcome.skipped {
                summary.skip(kind, *n);
            }
            for event in outcome.events {
                emit(out, summary, event)?;
            }
        }
        out.flush()?;
        progress.show((done * chunk + files.len()) as u64);
    }
    progress.clear();
    Ok(())
}

fn emit(out: &mut dyn Output, summary: &mut Summary, event: Event) -> io::Result<()> {
    summary.record(&event);
    out.event(&event)
}

fn scan_input(
    input: &Input,
    stdin: Option<&Result<String, LoadError>>,
    settings: &Settings,
    namespaces: &Namespaces,
) -> FileOutcome {
    match read(input, stdin, &settings.limits) {
        Ok(text) => scan_text(&input.name(), &text, settings, namespaces),
        Err(e) => FileOutcome {
            events: vec![Event::Error(ScanError::from_load(e, ErrorKind::Read))],
            ..FileOutcome::default()
        },
    }
}
