//! The kubelet's command line, from the first of three places that has one:
//!
//! 1. a file the user gives ([`load_flags_file`]): a copy of `/proc/<pid>/cmdline` (words
//!    separated by NUL bytes) or a command line as text (words separated by blanks and
//!    newlines, with shell-like quoting, `\` escapes, line continuations and `#` comments);
//! 2. the running kubelet ([`find_process`]): the first process under a `/proc` directory
//!    whose `comm`, or the last path element of whose first argument, is `kubelet`;
//! 3. the kubelet's systemd drop-in ([`load_systemd_dropin`]): its `ExecStart=` with the
//!    variables of `Environment=` and `EnvironmentFile=` expanded, as systemd does.
//!
//! Absolute paths the drop-in names (`EnvironmentFile=`) are read below a root directory,
//! so that a node's files can be judged from a copy or a mount.
//!
//! The words are parsed by [`Flags::parse`], which knows the kubelet's boolean flags.
//! Every flag remembers the file and line it was written on, or, for a word that came out
//! of a variable, where the variable was set.

use std::collections::HashMap;
use std::fs;
use std::io::Read;
use std::path::{Component as PathComponent, Path, PathBuf};
use std::sync::Arc;

use kubeward_manifest::{Input, Limits, Pos};

use super::{FlagEntry, Flags, FlagsError};

/// Where the kubelet's command line was read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FlagsSource {
    /// A file given with `--kubelet-flags`.
    Given(PathBuf),
    /// A running process's `cmdline`.
    Process {
        /// The process id.
        pid: u32,
        /// The `cmdline` file read.
        path: PathBuf,
    },
    /// The `ExecStart=` of a systemd unit or drop-in.
    Systemd(PathBuf),
}

impl FlagsSource {
    /// How a value from this source is labelled in findings: `command line` for a given
    /// file or a process, `systemd drop-in` for a unit file.
    pub fn label(&self) -> &'static str {
        match self {
            FlagsSource::Given(_) | FlagsSource::Process { .. } => "command line",
            FlagsSource::Systemd(_) => "systemd drop-in",
        }
    }

    /// The file the command line was read from.
    pub fn path(&self) -> &Path {
        match self {
            FlagsSource::Given(p) | FlagsSource::Systemd(p) => p,
            FlagsSource::Process { path, .. } => path,
        }
    }

    /// A description for reports, e.g. `process 812 (/proc/812/cmdline)`.
    pub fn describe(&self) -> String {
        match self {
            FlagsSource::Given(p) => format!("--kubelet-flags {}", p.display()),
            FlagsSource::Process { pid, path } => {
                format!("process {pid} ({})", path.display())
            }
            FlagsSource::Systemd(p) => format!("ExecStart of {}", p.display()),
        }
    }
}

/// Where one word of the command line was written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WordAt {
    /// The file, as shown in findings.
    pub file: Arc<str>,
    /// The 1-based line, when the file has lines.
    pub line: Option<u32>,
}

/// The kubelet's flags and where they were read.
#[derive(Clone, Debug)]
pub struct KubeletFlags {
    /// Where the command line came from.
    pub source: FlagsSource,
    /// The flags, parsed as the kubelet's pflag does.
    pub flags: Flags,
    /// Where each word given to [`Flags::parse`] was written, by index.
    words: Vec<WordAt>,
}

impl KubeletFlags {
    /// Parses located words (the program name may come first).
    pub fn from_words(source: FlagsSource, words: Vec<(String, WordAt)>) -> KubeletFlags {
        let flags = Flags::parse(words.iter().map(|(w, at)| {
            let pos = at.line.map(|line| Pos { line, col: 1 });
            (w.as_str(), pos)
        }));
        KubeletFlags {
            source,
            flags,
            words: words.into_iter().map(|(_, at)| at).collect(),
        }
    }

    /// The last occurrence of a flag, if given.
    pub fn entry(&self, name: &str) -> Option<&FlagEntry> {
        self.flags.last(name)
    }

    /// Where a flag's last occurrence is written.
    pub fn location(&self, name: &str) -> Option<&WordAt> {
        self.entry(name)
            .and_then(|e| e.word)
            .and_then(|i| self.words.get(i))
    }

    /// The `--config` file named on the command line, if any (an empty value means none,
    /// as in the kubelet).
    pub fn config_file(&self) -> Option<&str> {
        self.flags.value("config").filter(|v| !v.is_empty())
    }
}

const GIVEN_HINT: &str =
    "pass a copy of /proc/<pid>/cmdline or the kubelet's command line as text with --kubelet-flags";
const DROPIN_HINT: &str = "fix the kubelet's systemd drop-in (--kubelet-service), or pass the kubelet's command line with --kubelet-flags";

fn flags_error(
    file: impl Into<String>,
    message: impl Into<String>,
    hint: &'static str,
) -> FlagsError {
    FlagsError::Kubelet {
        file: file.into(),
        message: message.into(),
        hint,
    }
}

/// Reads at most `limits.max_file_bytes` of a file as bytes (NUL bytes allowed).
fn read_bytes(path: &Path, limits: &Limits, hint: &'static str) -> Result<Vec<u8>, FlagsError> {
    let shown = path.display().to_string();
    let io = |e: std::io::Error| {
        let message = match e.kind() {
            std::io::ErrorKind::NotFound => "no such file or directory".to_owned(),
            _ => e.to_string(),
        };
        flags_error(shown.clone(), message, hint)
    };
    let f = fs::File::open(path).map_err(io)?;
    if f.metadata().map_err(io)?.is_dir() {
        return Err(flags_error(shown, "is a directory", hint));
    }
    let cap = limits.max_file_bytes.saturating_add(1);
    let mut buf = Vec::new();
    f.take(cap).read_to_end(&mut buf).map_err(io)?;
    if buf.len() as u64 > limits.max_file_bytes {
        return Err(flags_error(
            shown,
            format!("larger than {} bytes", limits.max_file_bytes),
            "raise --max-file-size, or trim the file to the kubelet's command line",
        ));
    }
    Ok(buf)
}

/// Reads a command line given as a file: NUL-separated words when the file holds a NUL
/// byte (a copy of `/proc/<pid>/cmdline`), else text split like a shell would.
pub fn load_flags_file(path: &Path, limits: &Limits) -> Result<KubeletFlags, FlagsError> {
    let bytes = read_bytes(path, limits, GIVEN_HINT)?;
    let file: Arc<str> = Arc::from(path.display().to_string().as_str());
    let words = if bytes.contains(&0) {
        nul_words(&bytes, &file)
    } else {
        let text = String::from_utf8_lossy(&bytes);
        split_words(&text, true)
            .map_err(|e| flags_error(format!("{file}:{}", e.pos), e.message, GIVEN_HINT))?
            .into_iter()
            .map(|(w, pos)| {
                let at = WordAt {
                    file: file.clone(),
                    line: Some(pos.line),
                };
                (w, at)
            })
            .collect()
    };
    if words.is_empty() {
        return Err(flags_error(
            file.to_string(),
            "empty, expected the kubelet's command line",
            GIVEN_HINT,
        ));
    }
    // The kubelet refuses any word after its name that is not a flag or a flag's value
    // ("unknown command"); such a word means this is not its command line.
    let second_name = words
        .iter()
        .take_while(|(w, _)| !w.starts_with('-'))
        .nth(1)
        .map(|(w, _)| w.clone());
    let flags = KubeletFlags::from_words(FlagsSource::Given(path.to_path_buf()), words);
    if let Some(stray) = second_name.as_ref().or(flags.flags.stray.first()) {
        let shown: String = stray.chars().take(60).collect();
        return Err(flags_error(
            file.to_string(),
            format!(
                "{shown:?} is not a flag; the kubelet refuses it (unknown command), so this is not a kubelet command line"
            ),
            GIVEN_HINT,
        ));
    }
    Ok(flags)
}

fn nul_words(bytes: &[u8], file: &Arc<str>) -> Vec<(String, WordAt)> {
    let mut parts: Vec<&[u8]> = bytes.split(|&b| b == 0).collect();
    if parts.last().is_some_and(|p| p.is_empty()) {
        parts.pop();
    }
    parts
        .into_iter()
        .map(|p| {
            let at = WordAt {
                file: file.clone(),
                line: None,
            };
            (String::from_utf8_lossy(p).into_owned(), at)
        })
        .collect()
}

/// Looks for the running kubelet under `proc_root` (normally `/proc`): the process with
/// the lowest id whose `comm` is `kubelet` or whose first argument's last path element
/// is. `Ok(None)` when there is none, or no such directory; processes that cannot be
/// read (gone, or not ours) are passed over.
pub fn find_process(proc_root: &Path, limits: &Limits) -> Result<Option<KubeletFlags>, FlagsError> {
    let Ok(dir) = fs::read_dir(proc_root) else {
        return Ok(None);
    };
    let mut pids: Vec<u32> = dir
        .filter_map(Result::ok)
        .filter_map(|e| e.file_name().to_str().and_then(|n| n.parse().ok()))
        .collect();
    pids.sort_unstable();
    let small = Limits {
        max_file_bytes: 256,
        ..*limits
    };
    for pid in pids {
        let dir = proc_root.join(pid.to_string());
        let path = dir.join("cmdline");
        let Ok(cmdline) = read_bytes(&path, limits, GIVEN_HINT) else {
            continue;
        };
        let comm = read_bytes(&dir.join("comm"), &small, GIVEN_HINT).unwrap_or_default();
        let comm = String::from_utf8_lossy(&comm);
        let argv0 = cmdline.split(|&b| b == 0).next().unwrap_or_default();
        let argv0 = String::from_utf8_lossy(argv0);
        let is_kubelet =
            comm.trim_end() == "kubelet" || argv0.rsplit('/').next() == Some("kubelet");
        if !is_kubelet || cmdline.is_empty() {
            continue;
        }
        let file: Arc<str> = Arc::from(path.display().to_string().as_str());
        let words = nul_words(&cmdline, &file);
        return Ok(Some(KubeletFlags::from_words(
            FlagsSource::Process { pid, path },
            words,
        )));
    }
    Ok(None)
}

/// `path` as seen below `root`: an absolute path loses its leading `/`, `..` cannot climb
/// above the root.
pub fn under_root(root: &Path, path: &Path) -> PathBuf {
    let mut out = root.to_path_buf();
    let mut depth = 0usize;
    for c in path.components() {
        match c {
            PathComponent::Normal(p) => {
                out.push(p);
                depth += 1;
            }
            PathComponent::ParentDir if depth > 0 => {
                out.pop();
                depth -= 1;
            }
            _ => {}
        }
    }
    out
}

/// A value of a variable and where it was set.
#[derive(Clone, Debug)]
struct Var {
    value: String,
    at: WordAt,
}

/// Reads the kubelet's systemd unit or drop-in and builds the command line its last
/// `ExecStart=` runs. `Ok(None)` when the file does not exist or runs nothing (no
/// `ExecStart=`, or one reset by an empty `ExecStart=`).
pub fn load_systemd_dropin(
    unit: &Path,
    root: &Path,
    limits: &Limits,
) -> Result<Option<KubeletFlags>, FlagsError> {
    if !unit.exists() {
        return Ok(None);
    }
    let input = Input::File(unit.to_path_buf());
    let unit_name = input.name();
    let text = kubeward_manifest::read_input(&input, limits)
        .map_err(|e| flags_error(e.file.to_string(), e.message, DROPIN_HINT))?;
    let mut env: Vec<(String, Var)> = Vec::new();
    let mut env_files: Vec<(String, bool, u32)> = Vec::new();
    let mut exec: Option<(String, u32)> = None;
    let mut in_service = false;
    for (line_no, line) in logical_lines(&text) {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if line.starts_with('[') {
            in_service = line == "[Service]";
            continue;
        }
        if !in_service {
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        let value = value.trim();
        let at = |e: SplitError| {
            flags_error(
                format!("{unit_name}:{line_no}"),
                format!("{}: {}", key.trim(), e.message),
                DROPIN_HINT,
            )
        };
        match key.trim() {
            "Environment" if value.is_empty() => env.clear(),
            "Environment" => {
                for (word, _) in split_words(value, false).map_err(at)? {
                    if let Some((k, v)) = word.split_once('=') {
                        let var = Var {
                            value: v.to_owned(),
                            at: WordAt {
                                file: unit_name.clone(),
                                line: Some(line_no),
                            },
                        };
                        env.push((k.to_owned(), var));
                    }
                }
            }
            "EnvironmentFile" if value.is_empty() => env_files.clear(),
            "EnvironmentFile" => {
                let (optional, path) = match value.strip_prefix('-') {
                    Some(rest) => (true, rest),
                    None => (false, value),
                };
                env_files.push((path.to_owned(), optional, line_no));
            }
            "ExecStart" if value.is_empty() => exec = None,
            "ExecStart" => exec = Some((value.to_owned(), line_no)),
            _ => {}
        }
    }
    let Some((command, exec_line)) = exec else {
        return Ok(None);
    };
    // Files are read after Environment= and override it, later files winning.
    for (path, optional, line_no) in env_files {
        let resolved = under_root(root, Path::new(&path));
        if !resolved.exists() {
            if optional {
                continue;
            }
            return Err(flags_error(
                format!("{unit_name}:{line_no}"),
                format!(
                    "EnvironmentFile={path}: {} does not exist (systemd would not start the kubelet)",
                    resolved.display()
                ),
                DROPIN_HINT,
            ));
        }
        env.extend(read_env_file(&resolved, limits)?);
    }
    let vars: HashMap<String, Var> = env.into_iter().collect();
    let exec_at = WordAt {
        file: unit_name.clone(),
        line: Some(exec_line),
    };
    let command = command.trim_start_matches(['-', '@', ':', '+', '!']);
    let split = split_words(command, false).map_err(|e| {
        flags_error(
            format!("{unit_name}:{exec_line}"),
            format!("ExecStart: {}", e.message),
            DROPIN_HINT,
        )
    })?;
    let mut words = Vec::new();
    for (word, _) in split {
        expand(&word, &vars, &exec_at, &mut words);
    }
    if words.is_empty() {
        return Ok(None);
    }
    Ok(Some(KubeletFlags::from_words(
        FlagsSource::Systemd(unit.to_path_buf()),
        words,
    )))
}

/// A `KEY=value` file as systemd's `EnvironmentFile=` reads it: `#` and `;` comments,
/// values optionally in single or double quotes, `\` continuing a line.
fn read_env_file(path: &Path, limits: &Limits) -> Result<Vec<(String, Var)>, FlagsError> {
    let input = Input::File(path.to_path_buf());
    let name = input.name();
    let text = kubeward_manifest::read_input(&input, limits)
        .map_err(|e| flags_error(e.file.to_string(), e.message, DROPIN_HINT))?;
    let mut out = Vec::new();
    for (line_no, line) in logical_lines(&text) {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        let value = value.trim();
        let value = match split_words(value, false) {
            // A quoted value is one word; an unquoted one is kept as written.
            Ok(words) if value.starts_with(['"', '\'']) && words.len() == 1 => {
                words.into_iter().next().map(|(w, _)| w).unwrap_or_default()
            }
            Ok(_) => value.to_owned(),
            Err(e) => {
                return Err(flags_error(
                    format!("{name}:{line_no}"),
                    format!("{}: {}", key.trim(), e.message),
                    DROPIN_HINT,
                ));
            }
        };
        let at = WordAt {
            file: name.clone(),
            line: Some(line_no),
        };
        out.push((key.trim().to_owned(), Var { value, at }));
    }
    Ok(out)
}

/// Lines with their 1-based number, a trailing `\` joining the next line (as systemd
/// does for unit and environment files).
fn logical_lines(text: &str) -> Vec<(u32, String)> {
    let mut out = Vec::new();
    let mut current: Option<(u32, String)> = None;
    for (i, raw) in text.lines().enumerate() {
        let n = u32::try_from(i + 1).unwrap_or(u32::MAX);
        let (start, mut acc) = current.take().unwrap_or((n, String::new()));
        match raw.strip_suffix('\\') {
            Some(head) => {
                acc.push_str(head);
                acc.push(' ');
                current = Some((start, acc));
            }
            None => {
                acc.push_str(raw);
                out.push((start, acc));
            }
        }
    }
    if let Some(last) = current {
        out.push(last);
    }
    out
}

/// Expands one `ExecStart=` word: a word that is exactly `$NAME` becomes the variable's
/// value split at whitespace (zero or more words); `${NAME}` anywhere is replaced by the
/// value as it is; `$$` is a `$`. Unset variables are empty.
fn expand(
    word: &str,
    vars: &HashMap<String, Var>,
    exec_at: &WordAt,
    out: &mut Vec<(String, WordAt)>,
) {
    if let Some(name) = word.strip_prefix('$')
        && !name.is_empty()
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    {
        if let Some(var) = vars.get(name) {
            for w in var.value.split_whitespace() {
                out.push((w.to_owned(), var.at.clone()));
            }
        }
        return;
    }
    let mut result = String::new();
    let mut at: Option<WordAt> = None;
    let mut rest = word;
    while let Some(i) = rest.find('$') {
        result.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        if let Some(tail) = after.strip_prefix('$') {
            result.push('$');
            rest = tail;
        } else if let Some(inner) = after.strip_prefix('{')
            && let Some(end) = inner.find('}')
        {
            if let Some(var) = vars.get(&inner[..end]) {
                result.push_str(&var.value);
                at.get_or_insert_with(|| var.at.clone());
            }
            rest = &inner[end + 1..];
        } else {
            result.push('$');
            rest = after;
        }
    }
    result.push_str(rest);
    out.push((result, at.unwrap_or_else(|| exec_at.clone())));
}

/// Why a command line could not be split.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SplitError {
    /// Where the problem starts (the opening quote).
    pub pos: Pos,
    /// What is wrong.
    pub message: String,
}

/// Splits text into words the way a POSIX shell does, without expansions: blanks and
/// newlines separate words; `'…'` keeps everything literally; `"…"` keeps everything but
/// `\` before `"`, `\`, `$`, `` ` `` or a newline; `\` outside quotes escapes the next
/// character, and before a newline continues the line. With `comments`, a word starting
/// with `#` comments out the rest of the line. Each word carries the position of its first
/// character.
pub fn split_words(text: &str, comments: bool) -> Result<Vec<(String, Pos)>, SplitError> {
    #[derive(PartialEq)]
    enum Quote {
        None,
        Single,
        Double,
    }
    let mut out = Vec::new();
    let mut word: Option<(String, Pos)> = None;
    let mut quote = Quote::None;
    let mut quote_pos = Pos { line: 1, col: 1 };
    let (mut line, mut col) = (1u32, 0u32);
    let mut chars = text.chars().peekable();
    let advance = |c: char, line: &mut u32, col: &mut u32| {
        if c == '\n' {
            *line = line.saturating_add(1);
            *col = 0;
        } else {
            *col = col.saturating_add(1);
        }
    };
    while let Some(c) = chars.next() {
        advance(c, &mut line, &mut col);
        let here = Pos { line, col };
        match quote {
            Quote::Single => {
                if c == '\'' {
                    quote = Quote::None;
                } else if let Some((w, _)) = word.as_mut() {
                    w.push(c);
                }
            }
            Quote::Double => match c {
                '"' => quote = Quote::None,
                '\\' => match chars.peek().copied() {
                    Some(n @ ('"' | '\\' | '$' | '`')) => {
                        chars.next();
                        advance(n, &mut line, &mut col);
                        if let Some((w, _)) = word.as_mut() {
                            w.push(n);
                        }
                    }
                    Some('\n') => {
                        chars.next();
                        advance('\n', &mut line, &mut col);
                    }
                    _ => {
                        if let Some((w, _)) = word.as_mut() {
                            w.push('\\');
                        }
                    }
                },
                _ => {
                    if let Some((w, _)) = word.as_mut() {
                        w.push(c);
                    }
                }
            },
            Quote::None => match c {
                ' ' | '\t' | '\n' | '\r' => {
                    if let Some(w) = word.take() {
                        out.push(w);
                    }
                }
                '#' if comments && word.is_none() => {
                    while let Some(&n) = chars.peek() {
                        if n == '\n' {
                            break;
                        }
                        chars.next();
                        advance(n, &mut line, &mut col);
                    }
                }
                '\'' | '"' => {
                    quote = if c == '\'' {
                        Quote::Single
                    } else {
                        Quote::Double
                    };
                    quote_pos = here;
                    word.get_or_insert_with(|| (String::new(), here));
                }
                '\\' => match chars.next() {
                    Some('\n') => advance('\n', &mut line, &mut col),
                    Some(n) => {
                        advance(n, &mut line, &mut col);
                        word.get_or_insert_with(|| (String::new(), here)).0.push(n);
                    }
                    None => word
                        .get_or_insert_with(|| (String::new(), here))
                        .0
                        .push('\\'),
                },
                _ => word.get_or_insert_with(|| (String::new(), here)).0.push(c),
            },
        }
    }
    if quote != Quote::None {
        let kind = if quote == Quote::Single {
            "single"
        } else {
            "double"
        };
        return Err(SplitError {
            pos: quote_pos,
            message: format!("unterminated {kind} quote"),
        });
    }
    if let Some(w) = word.take() {
        out.push(w);
    }
    Ok(out)
}
