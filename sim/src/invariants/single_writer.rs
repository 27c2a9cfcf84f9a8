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
    fn check(&self, w: &World, _: &Ctx) -> Option<String> {
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
}
