//! Reading scenario and runbook files: parse errors and impossible values are reported
//! with the file, line and column and what was expected.

use sim::runbook::Runbook;
use sim::scenario::{PhaseRunbook, Scenario};
use std::fmt;
use std::path::{Path, PathBuf};

/// The default scenario and the runbooks it names, built into the binary.
pub const EMBEDDED: &[(&str, &str)] = &[
    (
        "full-cycle.json",
        include_str!("../../scenarios/full-cycle.json"),
    ),
    (
        "runbooks/failover.json",
        include_str!("../../scenarios/runbooks/failover.json"),
    ),
    (
        "runbooks/failback.json",
        include_str!("../../scenarios/runbooks/failback.json"),
    ),
];
pub const DEFAULT_SCENARIO: &str = "full-cycle.json";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputError {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}",
            self.file, self.line, self.column, self.message
        )
    }
}

impl std::error::Error for InputError {}

impl InputError {
    pub fn at(file: &str, line: usize, column: usize, message: impl Into<String>) -> Self {
        InputError {
            file: file.to_string(),
            line,
            column,
            message: message.into(),
        }
    }
}

/// A scenario with its runbooks resolved, one per phase.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub file: String,
    pub scenario: Scenario,
    pub runbooks: Vec<Runbook>,
    /// Runbook files given on the command line in place of the scenario's (`--runbook`).
    pub runbook_files: Vec<PathBuf>,
}

/// The most an input file (scenario, runbook, calibration) may hold: far above any real one
/// (the shipped scenarios are a few KB), low enough that `/dev/zero`-like input is refused at
/// once instead of read until memory runs out.
pub const MAX_INPUT_BYTES: u64 = 16 * 1024 * 1024;

/// Read an input file as UTF-8 text, capped at [`MAX_INPUT_BYTES`]. The one way every command
/// reads a file it was given (see [`read_input_bytes`] for the rules).
pub fn read_input(path: &Path) -> Result<String, InputError> {
    read_input_capped(path, MAX_INPUT_BYTES)
}

/// [`read_input`] with another cap (history exports are larger than scenarios).
pub fn read_input_capped(path: &Path, cap: u64) -> Result<String, InputError> {
    let bytes = read_input_bytes(path, cap)?;
    text_of(&path.display().to_string(), bytes)
}

/// The bytes after a leading UTF-8 byte-order mark (Notepad and PowerShell write one).
pub fn without_bom(bytes: &[u8]) -> &[u8] {
    bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes)
}

/// UTF-8 text of a file's bytes, without a leading byte-order mark; invalid UTF-8 is located
/// at its line and (byte) column.
pub fn text_of(file: &str, mut bytes: Vec<u8>) -> Result<String, InputError> {
    if without_bom(&bytes).len() < bytes.len() {
        bytes.drain(..3);
    }
    String::from_utf8(bytes).map_err(|e| {
        let good = &e.as_bytes()[..e.utf8_error().valid_up_to()];
        let line = good.iter().filter(|b| **b == b'\n').count() + 1;
        let column = good.len() - good.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1) + 1;
        let bad = e.as_bytes()[good.len()];
        InputError::at(
            file,
            line,
            column,
            format!("invalid UTF-8 (byte 0x{bad:02X}); expected a UTF-8 text file"),
        )
    })
}

/// Read at most `cap` bytes of a regular file. Directories, FIFOs, devices and sockets are
/// refused before anything is read (a FIFO would block, `/dev/zero` never ends), and a file
/// larger than the cap is refused rather than truncated.
pub fn read_input_bytes(path: &Path, cap: u64) -> Result<Vec<u8>, InputError> {
    use std::io::Read;
    let file = path.display().to_string();
    let fail = |m: String| InputError::at(&file, 1, 1, m);
    let cannot = |e: std::io::Error| fail(format!("cannot read the file: {e}"));
    let meta = std::fs::metadata(path).map_err(cannot)?;
    check_regular(&meta.file_type())
        .map_err(|kind| fail(format!("is {kind}; expected a regular file")))?;
    let mut opts = std::fs::OpenOptions::new();
    opts.read(true);
    #[cfg(unix)]
    {
        // Never block on open, should the path be swapped for a FIFO after the check.
        use std::os::unix::fs::OpenOptionsExt;
        opts.custom_flags(libc::O_NONBLOCK);
    }
    let f = opts.open(path).map_err(cannot)?;
    let meta = f.metadata().map_err(cannot)?;
    check_regular(&meta.file_type())
        .map_err(|kind| fail(format!("is {kind}; expected a regular file")))?;
    let too_big = || {
        fail(format!(
            "the file is larger than {cap} bytes; expected an input file of at most that size"
        ))
    };
    if meta.len() > cap {
        return Err(too_big());
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    // Read one byte past the cap: a file that grows while it is read is still refused.
    f.take(cap + 1).read_to_end(&mut bytes).map_err(cannot)?;
    if bytes.len() as u64 > cap {
        return Err(too_big());
    }
    Ok(bytes)
}

/// Ok for a regular file, else what it is ("a directory", "a FIFO (named pipe)", ...).
fn check_regular(t: &std::fs::FileType) -> Result<(), &'static str> {
    if t.is_file() {
        return Ok(());
    }
    if t.is_dir() {
        return Err("a directory");
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return Err("a FIFO (named pipe)");
        }
        if t.is_char_device() {
            return Err("a character device");
        }
        if t.is_block_device() {
            return Err("a block device");
        }
        if t.is_socket() {
            return Err("a socket");
        }
    }
    Err("not a regular file")
}

fn read(path: &Path) -> Result<String, InputError> {
    read_input(path)
}

fn parse<T: serde::de::DeserializeOwned + serde::Serialize>(
    file: &str,
    text: &str,
    what: &str,
) -> Result<T, InputError> {
    parse_json(file, text, what, "docs/formats.md")
}

/// Parse JSON, reporting a syntax or shape error at its line and column, with what was
/// expected and where it is documented. Strict where serde's derive is lenient: a struct
/// written as an array (fields by position) and a unit variant written as an object
/// (`{"stop": null}`) are refused (see [`shape_mismatch`]). A leading byte-order mark is
/// skipped.
pub fn parse_json<T: serde::de::DeserializeOwned + serde::Serialize>(
    file: &str,
    text: &str,
    what: &str,
    doc: &str,
) -> Result<T, InputError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let syntax = |e: serde_json::Error| {
        let msg = e.to_string();
        // serde_json appends " at line L column C"; we print them in front instead.
        let msg = msg
            .rsplit_once(" at line ")
            .map(|(m, _)| m.to_string())
            .unwrap_or(msg);
        // Lines and columns start at 1 (serde_json says column 0 at the end of a line).
        InputError::at(
            file,
            e.line().max(1),
            e.column().max(1),
            format!("{msg} (expected a {what}; see {doc})"),
        )
    };
    let value: T = serde_json::from_str(text).map_err(syntax)?;
    // What was written against what the type means: they differ in shape only where serde
    // accepted a form the format does not have.
    let raw: serde_json::Value = serde_json::from_str(text).map_err(syntax)?;
    if let Ok(back) = serde_json::to_value(&value) {
        if let Some((path, msg)) = shape_mismatch(&raw, &back, String::new()) {
            let (line, column) = locate_path(text, &path);
            let at = if path.is_empty() {
                "the document".to_string()
            } else {
                path
            };
            return Err(InputError::at(
                file,
                line,
                column,
                format!("{at}: {msg} (expected a {what}; see {doc})"),
            ));
        }
    }
    Ok(value)
}

/// The first place where the text (`raw`) has a shape the parsed value (`back`, serialized
/// again) does not: an array where the format has an object with named fields, or an object
/// where the format has a plain string (a unit variant such as "stop"). Returns the path and
/// what was expected.
pub fn shape_mismatch(
    raw: &serde_json::Value,
    back: &serde_json::Value,
    path: String,
) -> Option<(String, String)> {
    use serde_json::Value as V;
    match (raw, back) {
        (V::Array(_), V::Object(_)) => Some((
            path,
            "expected an object with named fields, found an array (fields by position are not accepted)".into(),
        )),
        (V::Object(_), V::String(s)) => Some((
            path,
            format!("expected the string {s:?}, found an object"),
        )),
        (V::Object(a), V::Object(b)) => a.iter().find_map(|(k, va)| {
            let vb = b.get(k)?;
            let p = if path.is_empty() {
                k.clone()
            } else {
                format!("{path}.{k}")
            };
            shape_mismatch(va, vb, p)
        }),
        (V::Array(a), V::Array(b)) if a.len() == b.len() => a
            .iter()
            .zip(b)
            .enumerate()
            .find_map(|(i, (va, vb))| shape_mismatch(va, vb, format!("{path}[{i}]"))),
        _ => None,
    }
}

/// Line and column of the `nth` occurrence of `"key"` in the text, for errors found after parsing.
pub fn locate(text: &str, key: &str, nth: usize) -> (usize, usize) {
    let needle = format!("\"{key}\"");
    let mut from = 0;
    let mut found = None;
    for _ in 0..=nth {
        match text[from..].find(&needle) {
            Some(i) => {
                found = Some(from + i);
                from += i + needle.len();
            }
            None => break,
        }
    }
    let Some(pos) = found else { return (1, 1) };
    let line = text[..pos].matches('\n').count() + 1;
    let column = pos - text[..pos].rfind('\n').map(|i| i + 1).unwrap_or(0) + 1;
    (line, column)
}

/// Line and column of the value at a path such as `phases[1].runbook` or
/// `steps[0].on_error.retry.wait_s` in a JSON text (at the key for an object member, at the
/// element for an array index). Where the path leaves the text, the deepest place found.
pub fn locate_path(text: &str, path: &str) -> (usize, usize) {
    let at = json_path_offset(text.as_bytes(), &path_segments(path));
    line_col(text, at)
}

fn line_col(text: &str, pos: usize) -> (usize, usize) {
    let pos = pos.min(text.len());
    let before = &text.as_bytes()[..pos];
    let line = before.iter().filter(|b| **b == b'\n').count() + 1;
    let column = pos
        - before
            .iter()
            .rposition(|b| *b == b'\n')
            .map_or(0, |i| i + 1)
        + 1;
    (line, column)
}

enum Seg<'p> {
    Key(&'p str),
    Index(usize),
}

/// `a.b[2].c` as segments; anything unparsable ends the path there.
fn path_segments(path: &str) -> Vec<Seg<'_>> {
    let mut out = Vec::new();
    for part in path.split('.') {
        let (key, mut rest) = part.split_once('[').map_or((part, ""), |(k, r)| (k, r));
        if !key.is_empty() {
            out.push(Seg::Key(key));
        }
        while let Some((n, r)) = rest.split_once(']') {
            match n.parse() {
                Ok(i) => out.push(Seg::Index(i)),
                Err(_) => return out,
            }
            rest = r.strip_prefix('[').unwrap_or(r);
        }
    }
    out
}

/// Byte offset of the path's target in valid JSON (the text has parsed already).
fn json_path_offset(b: &[u8], path: &[Seg]) -> usize {
    let ws = |i: &mut usize| {
        while *i < b.len() && b[*i].is_ascii_whitespace() {
            *i += 1
        }
    };
    // Past a string starting at b[i] == '"'.
    let string_end = |mut i: usize| {
        i += 1;
        while i < b.len() && b[i] != b'"' {
            i += if b[i] == b'\\' { 2 } else { 1 };
        }
        (i + 1).min(b.len())
    };
    let skip_value = |i: usize| -> usize {
        let mut i = i;
        let mut depth = 0usize;
        loop {
            if i >= b.len() {
                return i;
            }
            match b[i] {
                b'"' => i = string_end(i),
                b'{' | b'[' => {
                    depth += 1;
                    i += 1
                }
                b'}' | b']' => {
                    if depth == 0 {
                        return i;
                    }
                    depth -= 1;
                    i += 1
                }
                b',' if depth == 0 => return i,
                _ => i += 1,
            }
            if depth == 0 && i > 0 && matches!(b[i - 1], b'"' | b'}' | b']') {
                return i;
            }
        }
    };
    let mut i = 0;
    ws(&mut i);
    let mut found = i;
    for seg in path {
        match seg {
            Seg::Key(k) => {
                if b.get(i) != Some(&b'{') {
                    return found;
                }
                i += 1;
                loop {
                    ws(&mut i);
                    if b.get(i) != Some(&b'"') {
                        return found;
                    }
                    let key_at = i;
                    let end = string_end(i);
                    let key = &b[i + 1..end.saturating_sub(1).max(i + 1)];
                    i = end;
                    ws(&mut i);
                    i += 1; // ':'
                    ws(&mut i);
                    if key == k.as_bytes() {
                        found = key_at;
                        break;
                    }
                    i = skip_value(i);
                    ws(&mut i);
                    if b.get(i) != Some(&b',') {
                        return found;
                    }
                    i += 1;
                }
            }
            Seg::Index(n) => {
                if b.get(i) != Some(&b'[') {
                    return found;
                }
                i += 1;
                for _ in 0..*n {
                    ws(&mut i);
                    i = skip_value(i);
                    ws(&mut i);
                    if b.get(i) != Some(&b',') {
                        return found;
                    }
                    i += 1;
                }
                ws(&mut i);
                if matches!(b.get(i), None | Some(b']')) {
                    return found;
                }
                found = i;
            }
        }
    }
    found
}

/// The field path a validation message starts with, when it starts with one:
/// `name`, `a.b`, `a[1].b` followed by ':' or ' '.
fn leading_path(msg: &str) -> Option<&str> {
    let end = msg.find([' ', ':'])?;
    let p = &msg[..end];
    let ok = !p.is_empty()
        && p.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'[' | b']'))
        && p.bytes().next().is_some_and(|b| b.is_ascii_lowercase());
    // "step F1: ..." names a step id, not a path.
    (ok && p != "step").then_some(p)
}

pub fn parse_runbook(file: &str, text: &str) -> Result<Runbook, InputError> {
    let rb: Runbook = parse(file, text, "runbook")?;
    if let Err(msg) = rb.validate() {
        // Range errors name their field's path ("steps[2].on_error.retry.attempts: ...").
        if let Some(path) = leading_path(&msg) {
            let (line, column) = locate_path(text, path);
            return Err(InputError::at(file, line, column, msg));
        }
        // Point at the offending step's id when the message names one.
        let nth = rb
            .steps
            .iter()
            .position(|s| msg.contains(&format!("step {}", s.id)))
            .unwrap_or(0);
        let dup = rb
            .steps
            .iter()
            .enumerate()
            .find(|(i, s)| rb.steps[..*i].iter().any(|p| p.id == s.id))
            .map(|(i, _)| i);
        let (line, column) = locate(text, "id", dup.unwrap_or(nth));
        return Err(InputError::at(file, line, column, msg));
    }
    Ok(rb)
}

pub fn load_runbook(path: &Path) -> Result<Runbook, InputError> {
    let text = read(path)?;
    parse_runbook(&path.display().to_string(), &text)
}

pub fn parse_scenario(file: &str, text: &str) -> Result<Scenario, InputError> {
    let s: Scenario = parse(file, text, "scenario")?;
    if let Err(msg) = s.validate() {
        if let Some(path) = leading_path(&msg) {
            let (line, column) = locate_path(text, path);
            return Err(InputError::at(file, line, column, msg));
        }
        let key = msg
            .split([' ', ':'])
            .next()
            .unwrap_or("")
            .rsplit('.')
            .next()
            .unwrap_or("");
        let key = key.split('[').next().unwrap_or(key);
        let (line, column) = locate(text, key, 0);
        return Err(InputError::at(file, line, column, msg));
    }
    Ok(s)
}

/// Load a scenario file (or the embedded default) and the runbooks of its phases.
pub fn load(path: Option<&Path>) -> Result<Loaded, InputError> {
    load_with(path, &[])
}

/// Load a scenario and put the given runbook files in place of its phases' runbooks of the
/// same kind (failover / failback).
pub fn load_with(path: Option<&Path>, runbook_files: &[PathBuf]) -> Result<Loaded, InputError> {
    let (file, text, dir): (String, String, Option<PathBuf>) = match path {
        Some(p) => (
            p.display().to_string(),
            read(p)?,
            Some(p.parent().map(Path::to_path_buf).unwrap_or_default()),
        ),
        None => (
            format!("(embedded) scenarios/{DEFAULT_SCENARIO}"),
            embedded(DEFAULT_SCENARIO).unwrap_or_default().to_string(),
            None,
        ),
    };
    let scenario = match parse_scenario(&file, &text) {
        Ok(s) => s,
        Err(e) => {
            // A runbook given where a scenario is expected: say so and how to play it.
            return Err(match path.and_then(|p| crate::runbooks::describe_runbook(p, &text)) {
                Some(what) => InputError::at(
                    &file,
                    1,
                    1,
                    format!(
                        "this is {what}, not a scenario; to play it in the default drill: drill run --runbook {file}   (or in a scenario of yours: drill run SCENARIO --runbook {file})"
                    ),
                ),
                None => e,
            });
        }
    };
    let mut runbooks = Vec::new();
    for (i, ph) in scenario.phases.iter().enumerate() {
        let rb = match (&ph.runbook, &dir) {
            (PhaseRunbook::Inline(rb), _) => (**rb).clone(),
            (PhaseRunbook::File(f), Some(d)) => {
                let p = d.join(f);
                if std::fs::symlink_metadata(&p).is_err() {
                    let (line, column) = locate_path(&text, &format!("phases[{i}].runbook"));
                    return Err(InputError::at(&file, line, column, format!("phases[{i}].runbook: no runbook file at {}; expected a path relative to the scenario file, or the runbook inline", p.display())));
                }
                // A missing or unreadable runbook is the scenario's error, at its phase.
                let rb_text = read_input(&p).map_err(|e| {
                    let (line, column) = locate_path(&text, &format!("phases[{i}].runbook"));
                    InputError::at(
                        &file,
                        line,
                        column,
                        format!(
                            "phases[{i}].runbook {:?} ({}): {}; expected a path relative to the scenario file, or the runbook inline",
                            f,
                            p.display(),
                            e.message
                        ),
                    )
                })?;
                parse_runbook(&p.display().to_string(), &rb_text)?
            }
            (PhaseRunbook::File(f), None) => {
                let t = embedded(f).ok_or_else(|| {
                    InputError::at(&file, 1, 1, format!("no embedded runbook {f}"))
                })?;
                parse_runbook(&format!("(embedded) scenarios/{f}"), t)?
            }
        };
        runbooks.push(rb);
    }
    let mut loaded = Loaded {
        file,
        scenario,
        runbooks,
        runbook_files: runbook_files.to_vec(),
    };
    crate::runbooks::replace(&mut loaded, runbook_files)?;
    let (file, runbooks) = (&loaded.file, &loaded.runbooks);
    for (i, d) in loaded.scenario.deviations.iter().enumerate() {
        if !runbooks[d.phase].steps.iter().any(|s| s.id == d.step) {
            let (line, column) = locate(&text, "step", i);
            return Err(InputError::at(
                file,
                line,
                column,
                format!(
                    "deviations[{i}]: runbook {:?} has no step {:?}; expected one of its step ids",
                    runbooks[d.phase].name, d.step
                ),
            ));
        }
    }
    Ok(loaded)
}

pub fn embedded(name: &str) -> Option<&'static str> {
    EMBEDDED.iter().find(|(n, _)| *n == name).map(|(_, t)| *t)
}

/// The `--json` reports of `--shard I/N` runs, each with its file name, for `merge`:
/// a file that is not such a report is named with its line and column. `command` is
/// "drill fuzz" or "drill explore".
pub fn read_shard_reports<T: serde::de::DeserializeOwned>(
    files: &[std::path::PathBuf],
    command: &str,
) -> Result<Vec<(String, T)>, String> {
    let mut parts = Vec::with_capacity(files.len());
    for f in files {
        let name = f.display().to_string();
        let text = read_input(f).map_err(|e| e.to_string())?;
        let report = serde_json::from_str::<T>(&text).map_err(|e| {
            format!(
                "{name}:{}:{}: {e}; expected the JSON of {command} --shard I/N --json",
                e.line(),
                e.column()
            )
        })?;
        parts.push((name, report));
    }
    Ok(parts)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const DOC: &str = "{\n \"name\": \"a \\\" ] } [ {\",\n \"steps\": [\n  {\"id\": \"F1\"},\n  {\"id\": [1, {\"x\": \"]\"}], \"on_error\": {\"retry\": {\"attempts\": 5}}}\n ]\n}";

    #[test]
    fn paths_are_located_past_strings_and_nesting() {
        assert_eq!(locate_path(DOC, "name"), (2, 2));
        assert_eq!(locate_path(DOC, "steps"), (3, 2));
        assert_eq!(locate_path(DOC, "steps[0]"), (4, 3));
        assert_eq!(
            locate_path(DOC, "steps[1].on_error.retry.attempts"),
            (5, 50)
        );
        // Missing pieces: the deepest place found.
        assert_eq!(locate_path(DOC, "steps[7].id"), (3, 2));
        assert_eq!(locate_path(DOC, "nothing"), (1, 1));
    }

    #[test]
    fn utf8_errors_are_located_and_a_bom_is_skipped() {
        let e = text_of("f", b"{\n  \"a\": \"\xFF\"}".to_vec()).unwrap_err();
        assert_eq!((e.line, e.column), (2, 9), "{e}");
        assert_eq!(text_of("f", b"\xEF\xBB\xBF{}".to_vec()).unwrap(), "{}");
    }

    #[test]
    fn the_size_cap_refuses_a_larger_file() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("f.json");
        std::fs::write(&p, "0123456789").unwrap();
        assert!(read_input_bytes(&p, 10).is_ok());
        let e = read_input_bytes(&p, 9).unwrap_err();
        assert!(e.message.contains("larger than 9 bytes"), "{e}");
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]
        #[test]
        fn locating_any_path_in_any_text_never_panics(text in ".{0,200}", path in "[a-z_\\[\\]0-9.]{0,30}") {
            let (l, c) = locate_path(&text, &path);
            prop_assert!(l >= 1 && c >= 1);
        }
    }
}
