//! Writing output files (`--report`, counterexamples, any other file the harness writes):
//! the one way to do it. A file is written whole to a temporary file beside the target and
//! renamed into place, so a reader never sees half a file, and only a regular file (or a new
//! name) is ever replaced: a FIFO, a device, a socket, a directory or a symlink at the target
//! is refused, before anything is written. Symlinks are refused rather than written through,
//! so a link planted in a shared directory can never redirect the write (name the link's
//! target instead).

use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(Debug)]
pub struct OutputError {
    pub path: PathBuf,
    pub message: String,
}

impl fmt::Display for OutputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path.display(), self.message)
    }
}

impl std::error::Error for OutputError {}

fn err(path: &Path, message: impl Into<String>) -> OutputError {
    OutputError {
        path: path.to_path_buf(),
        message: message.into(),
    }
}

/// Check that `path` may be written: its directory exists and the name is new or a regular
/// file. Called before long work so a bad target fails at once; [`write_atomic`] checks again.
pub fn check_target(path: &Path) -> Result<(), OutputError> {
    let dir = parent(path);
    if !dir.is_dir() {
        return Err(err(
            path,
            format!(
                "directory {} does not exist; expected an existing directory",
                dir.display()
            ),
        ));
    }
    match std::fs::symlink_metadata(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(err(path, format!("cannot inspect the target: {e}"))),
        Ok(m) => {
            let t = m.file_type();
            if t.is_file() {
                return Ok(());
            }
            let kind = if t.is_symlink() {
                "a symbolic link (name its target instead)"
            } else if t.is_dir() {
                "a directory"
            } else {
                special_kind(&t)
            };
            Err(err(
                path,
                format!("is {kind}; expected a regular file or a new file name"),
            ))
        }
    }
}

#[cfg(unix)]
fn special_kind(t: &std::fs::FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    if t.is_fifo() {
        "a FIFO (named pipe)"
    } else if t.is_char_device() {
        "a character device"
    } else if t.is_block_device() {
        "a block device"
    } else if t.is_socket() {
        "a socket"
    } else {
        "not a regular file"
    }
}

#[cfg(not(unix))]
fn special_kind(_: &std::fs::FileType) -> &'static str {
    "not a regular file"
}

fn parent(path: &Path) -> &Path {
    match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    }
}

/// Write `bytes` to `path` atomically (temporary file in the same directory, flushed to disk,
/// renamed over the target). Refuses any target that is not a regular file or a new name.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), OutputError> {
    check_target(path)?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .ok_or_else(|| err(path, "has no file name; expected a file name"))?;
    let dir = parent(path);
    // create_new: never follows a link or reuses a file someone else put at this name.
    let mut attempt = 0u32;
    let (tmp, mut f) = loop {
        let tmp = dir.join(format!(".{name}.{}.{attempt}.tmp", std::process::id()));
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)
        {
            Ok(f) => break (tmp, f),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && attempt < 100 => {
                attempt += 1
            }
            Err(e) => return Err(err(path, format!("cannot create a temporary file: {e}"))),
        }
    };
    let written = f.write_all(bytes).and_then(|_| f.sync_all()).and_then(|_| {
        drop(f);
        // Checked again just before the rename, to keep the window for a swap small.
        check_target(path).map_err(|e| std::io::Error::other(e.message))?;
        std::fs::rename(&tmp, path)
    });
    written.map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        err(path, format!("cannot write: {e}"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_a_new_file_and_replaces_a_regular_one() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("r.html");
        write_atomic(&p, b"one").unwrap();
        write_atomic(&p, b"two").unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"two");
        // No temporary file is left behind.
        assert_eq!(std::fs::read_dir(d.path()).unwrap().count(), 1);
    }

    #[cfg(unix)]
    #[test]
    fn refuses_a_symlink_and_leaves_it_and_its_target() {
        let d = tempfile::tempdir().unwrap();
        let target = d.path().join("target.html");
        std::fs::write(&target, "keep").unwrap();
        let link = d.path().join("link.html");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        let e = write_atomic(&link, b"new").unwrap_err();
        assert!(e.message.contains("symbolic link"), "{e}");
        assert!(std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink());
        assert_eq!(std::fs::read(&target).unwrap(), b"keep");
    }

    #[test]
    fn refuses_a_directory_and_a_missing_directory() {
        let d = tempfile::tempdir().unwrap();
        let e = write_atomic(d.path(), b"x").unwrap_err();
        assert!(e.message.contains("directory"), "{e}");
        let e = write_atomic(&d.path().join("no/such/r.html"), b"x").unwrap_err();
        assert!(e.message.contains("does not exist"), "{e}");
    }

    #[cfg(unix)]
    #[test]
    fn refuses_a_device() {
        let p = Path::new("/dev/null");
        let e = check_target(p).unwrap_err();
        assert!(e.message.contains("character device"), "{e}");
    }
}
