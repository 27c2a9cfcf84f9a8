//! Single writer: chat servers never write to two copies of mgc at once (split brain).
use super::*;

pub struct SingleWriter;

impl Invariant for SingleWriter {
    fn name(&self) -> &'static str {
        "single_writer"
    }
    fn kind(&self) -> Kind {
        Kind::Always
    }
    fn source(&self) -> &'static str {
        "model.md Safety: single writer; persistent-chat-hadr.md 3 (one primary database at a time)"
    }
    #[inline]
    fn check(&self, w: &World, _: &Ctx) -> Option<String> {
        // `reconcile` counts the writers per copy (`World::writer_load`), and only faults
        // and steps change a server, a connection or a full disk, each followed by a
        // `reconcile`: with at most one copy written there is no split brain.
        if w.writer_load.iter().filter(|&&k| k > 0).count() <= 1 {
            debug_assert_eq!(split_brain(w), None, "writer_load is out of date");
            return None;
        }
        split_brain(w)
    }
}

/// Two servers writing to different copies, by the servers themselves.
fn split_brain(w: &World) -> Option<String> {
    let mut first: Option<(usize, Instance)> = None;
    for (n, c) in w.writers() {
        match first {
            None => first = Some((n, c)),
            Some((m, d)) if d != c => {
                return Some(format!(
                    "split brain: server pchat{} writes to mgc on {d} while server pchat{} writes to mgc on {c}",
                    m + 1,
                    n + 1
                ))
            }
            _ => {}
        }
    }
    None
}
