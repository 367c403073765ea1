//! `kubeward scan`: inputs → Namespace pre-pass → files in bounded parallel chunks →
//! output in input order.

pub mod evaluate;
pub mod model;
pub mod namespace;
mod progress;
pub mod psp;

use crate::exit::ExitStatus;
use std::io::{self, Write};
use std::path::PathBuf;

use kubeward_cluster::config::{self as project, ProjectConfig};
use kubeward_cluster::{Inventory, Selection};
use kubeward_manifest::{
    Limits, LoadError, Piece, Pieces, STREAM_BYTES, Source, discover, parse_piece_each,
};
use kubeward_podsecurity::standards::config::{self, Defaults, Exemptions};
use rayon::prelude::*;

use crate::args::ScanArgs;
use crate::output::{self, Output};
use evaluate::{FileOutcome, Settings, scan_text, scan_text_each};
use model::{ErrorKind, Event, ScanError, Summary};
use namespace::Namespaces;

/// Pieces in flight per worker thread: enough to keep workers busy across uneven pieces,
/// few enough that one batch's parsed trees and results stay small whatever the input.
/// Pieces are at most about [`kubeward_manifest::PIECE_BYTES`] (unless one document is larger), so this also
/// bounds the text in flight.
const PIECES_PER_THREAD: usize = 8;

pub fn run(args: &ScanArgs) -> anyhow::Result<ExitStatus> {
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
    let project = project_config(args)?;
    let pick = |cli: &Vec<String>, file: Option<&Vec<String>>| {
        if cli.is_empty() {
            file.cloned().unwrap_or_default()
        } else {
            cli.clone()
        }
    };
    let enable = pick(
        &args.enable,
        project.as_ref().and_then(|c| c.enable.as_ref()),
    );
    let disable = pick(
        &args.disable,
        project.as_ref().and_then(|c| c.disable.as_ref()),
    );
    let fail_on = args.fail_on.or(project.as_ref().and_then(|c| c.fail_on));
    let selection = Selection::new(&enable, &disable).map_err(|e| match &project {
        // A name from the file: say which file.
        Some(c) if !args.enable.contains(&e.0) && !args.disable.contains(&e.0) => {
            crate::hint::error(&e).context(format!("in {}", c.path.display()))
        }
        _ => crate::hint::error(&e),
    })?;
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
    let admission = args
        .admission_config
        .as_deref()
        .map(config::load)
        .transpose()
        .map_err(|e| crate::hint::error(&e))?;
    let defaults = admission.as_ref().map(|a| &a.defaults);
    let no_exemptions = Exemptions::default();
    let exemptions = admission.as_ref().map_or(&no_exemptions, |a| &a.exemptions);
    let (namespaces, inventory, unreadable) = prepass(&sources, &limits, defaults);
    let settings = Settings {
        level: args.level,
        version: args.pss_version,
        lint: !args.no_lint,
        limits,
        psp: psp.as_ref().map(|l| l.policies.as_slice()),
        selection: &selection,
        inventory: &inventory,
        exemptions,
    };

    let mut out = output::open(args)?;
    let mut summary = Summary {
        psp: psp.is_some(),
        fail_on,
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
    Ok(ExitStatus::judge(
        summary.errors > 0,
        summary.denied > 0 || summary.psp_denied > 0 || summary.failing > 0,
    ))
}

/// The project configuration: `--config`, else the `.kubeward.yaml` nearest above the
/// first scanned path (standard input counts as the working directory), unless
/// `--no-config`.
fn project_config(args: &ScanArgs) -> anyhow::Result<Option<ProjectConfig>> {
    if args.no_config {
        return Ok(None);
    }
    let path = match &args.config {
        Some(p) => Some(p.clone()),
        None => {
            let cwd = std::env::current_dir().unwrap_or_default();
            let first = args
                .paths
                .first()
                .filter(|p| p.as_os_str() != "-")
                .map_or(cwd.as_path(), PathBuf::as_path);
            project::find(first, &cwd)
        }
    };
    path.map(|p| project::load(&p).map_err(|e| crate::hint::error(&e)))
        .transpose()
}

/// What the pre-pass found in one source: its Namespaces' policies, what the cluster
/// checks look up, or why it is unreadable.
type Prescanned = (
    Vec<(String, namespace::NamespacePolicy)>,
    Inventory,
    Option<LoadError>,
);

/// Collects the Pod Security labels of every Namespace in the scanned set, parsing only
/// pieces whose text may hold one, and checks every source can be read whole (size,
/// binary, UTF-8). A source that cannot is reported by the main pass with nothing else
/// from it, as if it had failed to open; its Namespaces are not used.
fn prepass(
    sources: &[Source],
    limits: &Limits,
    defaults: Option<&Defaults>,
) -> (Namespaces, Inventory, Vec<Option<LoadError>>) {
    let per_source: Vec<Prescanned> = sources
        .par_iter()
        .map(|source| {
            let mut found = Vec::new();
            let mut inventory = Inventory::default();
            let pieces = match source.pieces(limits) {
                Ok(p) => p,
                Err(e) => return (found, inventory, Some(e)),
            };
            let file = source.name();
            // After a syntax error the scan reads no more of the file, so no more of its
            // Namespaces count (one in a piece that is never parsed here still may).
            let mut stopped = false;
            for piece in pieces {
                let piece = match piece {
                    Ok(p) => p,
                    Err(e) => return (Vec::new(), Inventory::default(), Some(e)),
                };
                // The inventory's kinds include Namespace, whose labels are read here too.
                if stopped || !Inventory::may_want(&piece.text) {
                    continue;
                }
                stopped =
                    parse_piece_each(&file, &piece.text, piece.first_line, limits, &mut |doc| {
                        let Ok(res) = doc else { return true };
                        if res.kind == "Namespace"
                            && let Some(name) = res.name.clone()
                        {
                            found.push((name, namespace::resolve(&res, defaults).0));
                        }
                        if Inventory::wants(&res.kind) {
                            inventory.add(&res);
                        }
                        true
                    });
            }
            (found, inventory, None)
        })
        .collect();
    // In input order, so a Namespace given twice resolves to the later one, as a
    // `kubectl apply` of the same set would leave it.
    let mut namespaces = Namespaces::new();
    let mut inventory = Inventory::default();
    let mut unreadable = Vec::with_capacity(per_source.len());
    for (found, found_inventory, error) in per_source {
        namespaces.extend(found);
        inventory.extend(found_inventory);
        unreadable.push(error);
    }
    inventory.finish();
    (namespaces, inventory, unreadable)
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
    /// A large piece read at the end of a batch, which is the next batch on its own.
    held: Option<Work>,
}

/// Whether a piece is judged on its own, its results written as they come
/// ([`scan_text_each`]): one document of this size may be a List of any length.
fn is_large(work: &Work) -> bool {
    work.piece
        .as_ref()
        .is_ok_and(|p| p.text.len() >= STREAM_BYTES)
}

impl Feeder<'_> {
    /// The next pieces to judge together: up to `max`, or one large piece alone.
    fn batch(&mut self, max: usize) -> Vec<Work> {
        let mut batch = Vec::with_capacity(max);
        if let Some(work) = self.held.take() {
            batch.push(work);
            return batch;
        }
        while batch.len() < max {
            if let Some((source, pieces, given)) = &mut self.current {
                let source = *source;
                match pieces.next() {
                    Some(piece) => {
                        *given = true;
                        let work = Work { source, piece };
                        if is_large(&work) {
                            if batch.is_empty() {
                                batch.push(work);
                            } else {
                                self.held = Some(work);
                            }
                            return batch;
                        }
                        batch.push(work);
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
        held: None,
    };
    // The source whose pieces are being emitted, and whether a syntax error ended it.
    let mut at: Option<usize> = None;
    let mut stopped = false;
    let mut batch = feeder.batch(max);
    while !batch.is_empty() {
        if batch.len() == 1 && is_large(&batch[0]) {
            let work = batch.remove(0);
            progress.clear();
            judge_large(
                work,
                sources,
                settings,
                namespaces,
                out,
                summary,
                &mut at,
                &mut stopped,
            )?;
            out.flush()?;
            progress.show(summary.files);
            batch = feeder.batch(max);
            continue;
        }
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
            if !starts(source, summary, &mut at, stopped) {
                continue;
            }
            stopped = outcome.stopped;
            write_outcome(out, summary, outcome)?;
        }
        out.flush()?;
        progress.show(summary.files);
        batch = next;
    }
    progress.clear();
    Ok(())
}

/// Counts a piece of `source`: a new file when it is the first of its source. False when
/// an earlier piece's syntax error ended the source, so that this one is not read.
fn starts(source: usize, summary: &mut Summary, at: &mut Option<usize>, stopped: bool) -> bool {
    if *at != Some(source) {
        *at = Some(source);
        summary.files += 1;
        true
    } else {
        !stopped
    }
}

fn write_outcome(
    out: &mut dyn Output,
    summary: &mut Summary,
    outcome: FileOutcome,
) -> io::Result<()> {
    summary.resources += outcome.resources;
    for (kind, n) in &outcome.skipped {
        summary.skip(kind, *n);
    }
    for event in outcome.events {
        emit(out, summary, event)?;
    }
    Ok(())
}

/// Judges one large piece on this thread, writing each resource's results as soon as
/// they are known, so that a List of any length is held one item at a time.
#[allow(clippy::too_many_arguments)]
fn judge_large(
    work: Work,
    sources: &[Source],
    settings: &Settings,
    namespaces: &Namespaces,
    out: &mut dyn Output,
    summary: &mut Summary,
    at: &mut Option<usize>,
    stopped: &mut bool,
) -> io::Result<()> {
    if !starts(work.source, summary, at, *stopped) {
        return Ok(());
    }
    let Ok(piece) = work.piece else {
        return Ok(());
    };
    let file = sources[work.source].name();
    let mut failed = None;
    let ended = scan_text_each(
        &file,
        &piece.text,
        piece.first_line,
        settings,
        namespaces,
        &mut |outcome| match write_outcome(out, summary, outcome) {
            Ok(()) => true,
            Err(e) => {
                failed = Some(e);
                false
            }
        },
    );
    if let Some(e) = failed {
        return Err(e);
    }
    *stopped = ended;
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
