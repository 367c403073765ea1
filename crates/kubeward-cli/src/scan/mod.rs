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
    Limits, LoadError, Piece, Pieces, Source, discover, may_contain_namespace, parse_piece,
};
use rayon::prelude::*;

use crate::args::ScanArgs;
use crate::output::{self, Output};
use evaluate::{FileOutcome, Settings, scan_text};
use model::{ErrorKind, Event, ScanError, Summary};
use namespace::Namespaces;

/// Pieces in flight per worker thread: enough to keep workers busy across uneven pieces,
/// few enough that one batch's parsed trees and results stay small whatever the input.
/// Pieces are at most about [`kubeward_manifest::PIECE_BYTES`] (unless one document is larger), so this also
/// bounds the text in flight.
const PIECES_PER_THREAD: usize = 8;

pub fn run(args: &ScanArgs) -> anyhow::Result<ExitCode> {
    let limits = Limits {
        max_file_bytes: args.max_file_size,
        ..Limits::default()
    };
    let psp = (!args.psp.is_empty()).then(|| psp::load(&args.psp, &limits));
    if let Some(loaded) = &psp {
        let mut err = crate::output::escape::stderr();
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
    early_errors.extend(load_errors.into_iter().map(|e| {
        let kind = if e.message.starts_with("skipped") {
            ErrorKind::Skipped
        } else {
            ErrorKind::Path
        };
        ScanError::from_load(e, kind)
    }));
    // Each input is opened once: pipes and standard input are read here, once, and both
    // passes read that copy; regular files are read from disk by each pass.
    let sources: Vec<Source> = inputs.iter().map(|i| Source::open(i, &limits)).collect();
    let (namespaces, unreadable) = prepass(&sources, &limits);

    let mut out = output::open(args)?;
    let mut summary = Summary {
        psp: psp.is_some(),
        ..Summary::default()
    };
    let result = stream(
        &sources,
        &unreadable,
        early_errors,
        &settings,
        &namespaces,
        &mut *out,
        &mut summary,
        args.quiet,
    );
    // A closed pipe (`| head`) ends the scan here; `main` exits quietly on it.
    result
        .and_then(|()| out.finish(&summary))
        .map_err(|e| anyhow::Error::new(e).context("cannot write the report"))?;
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

/// What the pre-pass found in one source: its Namespaces' policies, or why it is unreadable.
type Prescanned = (Vec<(String, namespace::NamespacePolicy)>, Option<LoadError>);

/// Collects the Pod Security labels of every Namespace in the scanned set, parsing only
/// pieces whose text may hold one, and checks every source can be read whole (size,
/// binary, UTF-8). A source that cannot is reported by the main pass with nothing else
/// from it, as if it had failed to open; its Namespaces are not used.
fn prepass(sources: &[Source], limits: &Limits) -> (Namespaces, Vec<Option<LoadError>>) {
    let per_source: Vec<Prescanned> = sources
        .par_iter()
        .map(|source| {
            let mut found = Vec::new();
            let pieces = match source.pieces(limits) {
                Ok(p) => p,
                Err(e) => return (found, Some(e)),
            };
            let file = source.name();
            // After a syntax error the scan reads no more of the file, so no more of its
            // Namespaces count (one in a piece that is never parsed here still may).
            let mut stopped = false;
            for piece in pieces {
                let piece = match piece {
                    Ok(p) => p,
                    Err(e) => return (Vec::new(), Some(e)),
                };
                if stopped || !may_contain_namespace(&piece.text) {
                    continue;
                }
                let parsed = parse_piece(&file, &piece.text, piece.first_line, limits);
                stopped = parsed.stopped;
                for res in parsed.documents.into_iter().flatten() {
                    if res.kind == "Namespace"
                        && let Some(name) = res.name.clone()
                    {
                        found.push((name, namespace::resolve(&res).0));
                    }
                }
            }
            (found, None)
        })
        .collect();
    // In input order, so a Namespace given twice resolves to the later one, as a
    // `kubectl apply` of the same set would leave it.
    let mut namespaces = Namespaces::new();
    let mut unreadable = Vec::with_capacity(per_source.len());
    for (found, error) in per_source {
        namespaces.extend(found);
        unreadable.push(error);
    }
    (namespaces, unreadable)
}

/// One unit of parallel work: a piece of a source, or the error that stands for it.
struct Work {
    source: usize,
    piece: Result<Piece, LoadError>,
}

/// Hands out the pieces of the sources in input order, a batch at a time. An empty
/// source is one empty piece, so that it counts as a file read.
struct Feeder<'a> {
    sources: &'a [Source],
    unreadable: &'a [Option<LoadError>],
    limits: &'a Limits,
    next: usize,
    /// The source being read, its pieces, and whether it has given one yet.
    current: Option<(usize, Pieces<'a>, bool)>,
}

impl Feeder<'_> {
    fn batch(&mut self, max: usize) -> Vec<Work> {
        let mut batch = Vec::with_capacity(max);
        while batch.len() < max {
            if let Some((source, pieces, given)) = &mut self.current {
                let source = *source;
                match pieces.next() {
                    Some(piece) => {
                        *given = true;
                        batch.push(Work { source, piece });
                        continue;
                    }
                    None if !*given => {
                        self.current = None;
                        batch.push(Work {
                            source,
                            piece: Ok(Piece {
                                text: String::new(),
                                first_line: 0,
                            }),
                        });
                        continue;
                    }
                    None => self.current = None,
                }
            }
            let Some(source) = self.sources.get(self.next) else {
                break;
            };
            let index = self.next;
            self.next += 1;
            let unreadable = self.unreadable.get(index).cloned().flatten();
            match unreadable.map_or_else(|| source.pieces(self.limits), Err) {
                Ok(pieces) => self.current = Some((index, pieces, false)),
                Err(e) => batch.push(Work {
                    source: index,
                    piece: Err(e),
                }),
            }
        }
        batch
    }
}

#[allow(clippy::too_many_arguments)]
fn stream(
    sources: &[Source],
    unreadable: &[Option<LoadError>],
    early_errors: Vec<ScanError>,
    settings: &Settings,
    namespaces: &Namespaces,
    out: &mut dyn Output,
    summary: &mut Summary,
    quiet: bool,
) -> io::Result<()> {
    for e in early_errors {
        emit(out, summary, Event::Error(e))?;
    }
    let max = rayon::current_num_threads().max(1) * PIECES_PER_THREAD;
    let mut progress = progress::Progress::new(sources.len(), max, quiet);
    let mut feeder = Feeder {
        sources,
        unreadable,
        limits: &settings.limits,
        next: 0,
        current: None,
    };
    // The source whose pieces are being emitted, and whether a syntax error ended it.
    let mut at: Option<usize> = None;
    let mut stopped = false;
    let mut batch = feeder.batch(max);
    while !batch.is_empty() {
        // The next batch is read while this one is judged.
        // Each piece's text is dropped as soon as it is judged.
        let (outcomes, next) = rayon::join(
            move || {
                batch
                    .into_par_iter()
                    .map(|w| (w.source, judge(w, sources, settings, namespaces)))
                    .collect::<Vec<(usize, FileOutcome)>>()
            },
            || feeder.batch(max),
        );
        progress.clear();
        for (source, outcome) in outcomes {
            if at != Some(source) {
                at = Some(source);
                summary.files += 1;
            } else if stopped {
                continue;
            }
            stopped = outcome.stopped;
            summary.resources += outcome.resources;
            for (kind, n) in &outcome.skipped {
                summary.skip(kind, *n);
            }
            for event in outcome.events {
                emit(out, summary, event)?;
            }
        }
        out.flush()?;
        progress.show(summary.files);
        batch = next;
    }
    progress.clear();
    Ok(())
}

fn emit(out: &mut dyn Output, summary: &mut Summary, event: Event) -> io::Result<()> {
    summary.record(&event);
    out.event(&event)
}

fn judge(
    work: Work,
    sources: &[Source],
    settings: &Settings,
    namespaces: &Namespaces,
) -> FileOutcome {
    match work.piece {
        Ok(piece) => {
            let file = sources[work.source].name();
            scan_text(&file, &piece.text, piece.first_line, settings, namespaces)
        }
        Err(e) => FileOutcome {
            events: vec![Event::Error(ScanError::from_load(e, ErrorKind::Read))],
            ..FileOutcome::default()
        },
    }
}
