//! The world's backup files: shared between a state and its copies until one of them writes
//! them, with the explorer's hash of them kept while they are unchanged.
//!
//! A run of the full cycle makes a few dozen backup files, over a hundred bytes each, and
//! the explorer copies a state for every successor. Many successors write none of them (a
//! fault placed on a server, a step that only changes roles), so a copy shares the files
//! with its original until either writes them. They are reachable mutably only through
//! [`DerefMut`], which takes them for this world alone and forgets their hash; reads go
//! through [`Deref`] to the vector itself.

use crate::world::BackupFile;
use smallvec::SmallVec;
use std::cell::Cell;
use std::fmt;
use std::ops::{Deref, DerefMut};
use std::sync::Arc;

/// What a kept hash was made from besides the files: the explorer's key kind (its caller
/// numbers it) and the files the secondaries last restored (the reduced key reads them).
pub type HashInput = (u8, [Option<u32>; 5]);

/// The files' LSNs and write numbers as the order reduction reads them
/// (`explore::order::Canonical`), made once for files and the files the secondaries last
/// restored and kept while both are unchanged: the files change at a job run or a step,
/// far less often than a key is made. Inline up to a few dozen files: then it is one
/// allocation, where its three vectors were three more each time the files change.
pub struct FilesOrder {
    /// The LSN keys of the files not gone for good, sorted, each once.
    pub lsns: SmallVec<[u128; 32]>,
    /// The LSN keys of the fulls a restore would read.
    pub floors: SmallVec<[u128; 2]>,
    /// The write numbers bounding the files' writes, sorted, each once.
    pub writes: SmallVec<[u64; 32]>,
}

type OrderKept = Option<([Option<u32>; 5], Arc<FilesOrder>)>;

/// [`Files::flags`]: this world holds the only reference to the files.
const OWN: u8 = 1;
/// [`Files::flags`]: a hash or an order is kept (clear: neither is).
const KEPT: u8 = 2;

pub struct Files {
    all: Arc<Vec<BackupFile>>,
    /// [`OWN`]: this world holds the only reference to the files, so a write needs no check
    /// of the reference count (an atomic operation, at every write of a `drill run`).
    /// Cleared in both worlds when one is copied: the only way the files get shared.
    /// [`KEPT`]: a hash or an order may be kept. A write finds both answers in one load
    /// (`OWN` alone: nothing to do), so the common write, to files this world alone holds
    /// with nothing kept (every write of `drill run` and `drill fuzz`), is that load and a
    /// comparison, inlined.
    flags: Cell<u8>,
    /// The files' hash as they are now, and what else it was made from.
    hash: Cell<Option<(HashInput, u128)>>,
    /// What the order reduction reads of them as they are now, for the restored files.
    order: Cell<OrderKept>,
}

impl Default for Files {
    fn default() -> Files {
        Files {
            all: Arc::new(Vec::new()),
            flags: Cell::new(OWN),
            hash: Cell::new(None),
            order: Cell::new(None),
        }
    }
}

impl Files {
    /// The files' hash for `input`: the one kept while the files and the input are
    /// unchanged, else `hash` of them (kept for next time).
    pub fn hash_of(&self, input: HashInput, hash: impl FnOnce(&[BackupFile]) -> u128) -> u128 {
        if let Some((i, h)) = self.hash.get() {
            if i == input {
                return h;
            }
        }
        let h = hash(&self.all);
        self.hash.set(Some((input, h)));
        self.flags.set(self.flags.get() | KEPT);
        h
    }

    /// What the order reduction reads of the files, for the files the secondaries last
    /// restored: the one kept while both are unchanged, else `make` of them (kept).
    pub fn order_of(
        &self,
        restored: [Option<u32>; 5],
        make: impl FnOnce(&[BackupFile]) -> FilesOrder,
    ) -> Arc<FilesOrder> {
        let kept = self.order.take();
        let o = match kept {
            Some((r, o)) if r == restored => o,
            _ => Arc::new(make(&self.all)),
        };
        self.order.set(Some((restored, Arc::clone(&o))));
        self.flags.set(self.flags.get() | KEPT);
        o
    }

    /// Before a write: the files taken for this world alone, the kept hash and order
    /// forgotten. Out of line: the explorer's path, not the run's.
    #[inline(never)]
    fn take_alone(&mut self) {
        if self.flags.get() & KEPT != 0 {
            self.hash.set(None);
            self.order.set(None);
        }
        if self.flags.get() & OWN == 0 {
            // Copies the files if another world still shares them.
            Arc::make_mut(&mut self.all);
        }
        self.flags.set(OWN);
    }

    /// Where the vector's header lies (its buffer's address and length), for the
    /// explorer's prefetch hints: reading the buffer's address first waits on it.
    pub fn header(&self) -> *const u8 {
        Arc::as_ptr(&self.all).cast()
    }
}

impl Clone for Files {
    fn clone(&self) -> Files {
        // Both now share the files; the hash holds for both.
        let kept = self.flags.get() & KEPT;
        self.flags.set(kept);
        let order = self.order.take();
        self.order.set(order.clone());
        Files {
            all: Arc::clone(&self.all),
            flags: Cell::new(kept),
            hash: self.hash.clone(),
            order: Cell::new(order),
        }
    }
}

impl Deref for Files {
    type Target = Vec<BackupFile>;
    fn deref(&self) -> &Vec<BackupFile> {
        &self.all
    }
}

impl DerefMut for Files {
    #[inline]
    fn deref_mut(&mut self) -> &mut Vec<BackupFile> {
        if self.flags.get() != OWN {
            self.take_alone();
        }
        // SAFETY: `OWN` says this world holds the only reference to the files: it is set
        // only at creation and by `take_alone` after `make_mut` made it so, and cleared in
        // this world and its copy whenever the world is copied, the only way a reference to
        // the files is made (the field is private, and no `Weak` is ever made). `&mut self`
        // excludes every other borrow of this world's files.
        unsafe { &mut *Arc::as_ptr(&self.all).cast_mut() }
    }
}

impl<'a> IntoIterator for &'a Files {
    type Item = &'a BackupFile;
    type IntoIter = std::slice::Iter<'a, BackupFile>;
    fn into_iter(self) -> Self::IntoIter {
        self.all.iter()
    }
}

/// The files alone, as the vector they are (the sharing and the hash are not the world's
/// state).
impl fmt::Debug for Files {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.all.fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::Scenario;
    use crate::world::{FileState, World};

    /// A world's files after a few log backups (the first full backup and the logs after
    /// it, as the backup job makes them).
    fn files() -> Files {
        world().files
    }

    /// A world with [`files`]' files.
    fn world() -> World {
        let s = serde_json::from_str::<Scenario>(r#"{"name": "t", "seed": 1}"#).unwrap();
        let mut w = World::new(&s);
        let (primary, mgc) = (crate::topology::Instance::Primary, crate::topology::Db::Mgc);
        crate::backups::take_full_backup(&mut w, primary, mgc).unwrap();
        for k in 1..=3 {
            w.now = 900 * k;
            crate::backups::append_log_backup(&mut w, primary, mgc);
        }
        assert!(w.files.len() >= 2, "the backups made files");
        w
    }

    #[test]
    fn a_retention_that_deletes_nothing_leaves_the_files_shared() {
        let shared = |x: &World, y: &World| std::ptr::eq(x.files.as_ptr(), y.files.as_ptr());
        let mut w = world();
        let copy = w.clone();
        let oldest = w.files[w.live_from].created_at;
        assert!(crate::jobs::older_than(&mut w, oldest).is_empty());
        assert!(shared(&w, &copy), "nothing deleted: still shared");
        assert!(!crate::jobs::older_than(&mut w, oldest + 1).is_empty());
        assert!(
            !shared(&w, &copy),
            "a deletion takes the files for this world"
        );
    }

    /// A count of the hashes made, and the files hashed as their count of files on the
    /// share.
    fn on_share(calls: &Cell<u32>) -> impl Fn(&[BackupFile]) -> u128 + '_ {
        |fs| {
            calls.set(calls.get() + 1);
            fs.iter()
                .filter(|f| f.on_share != FileState::Absent)
                .count() as u128
        }
    }

    #[test]
    fn a_kept_hash_is_used_until_the_files_are_borrowed_mutably() {
        let mut fs = files();
        let n = fs.len() as u128;
        let calls = Cell::new(0);
        let input = (1, [None; 5]);
        assert_eq!(fs.hash_of(input, on_share(&calls)), n);
        assert_eq!(fs.hash_of(input, on_share(&calls)), n);
        assert_eq!(calls.get(), 1, "nothing changed: the hash kept");
        fs[0].on_share = FileState::Absent;
        assert_eq!(fs.hash_of(input, on_share(&calls)), n - 1);
        assert_eq!(calls.get(), 2, "written: hashed again");
        // Another input (the key's kind, or the files restored) hashes them again.
        assert_eq!(fs.hash_of((2, [None; 5]), on_share(&calls)), n - 1);
        assert_eq!(
            fs.hash_of((2, [Some(1), None, None, None, None]), on_share(&calls)),
            n - 1
        );
        assert_eq!(calls.get(), 4);
        // A copy keeps the hash, and forgets its own on its own writes.
        let mut copy = fs.clone();
        let input = (2, [Some(1), None, None, None, None]);
        assert_eq!(copy.hash_of(input, on_share(&calls)), n - 1);
        assert_eq!(calls.get(), 4);
        let f = copy[1].clone();
        copy.push(f);
        assert_eq!(copy.hash_of(input, on_share(&calls)), n);
        assert_eq!(fs.hash_of(input, on_share(&calls)), n - 1);
        assert_eq!(calls.get(), 5, "the copy hashed again, not the original");
    }

    #[test]
    fn the_order_is_kept_until_the_files_or_the_restored_files_change() {
        let mut fs = files();
        let calls = Cell::new(0);
        let make = |all: &[BackupFile]| {
            calls.set(calls.get() + 1);
            FilesOrder {
                lsns: SmallVec::new(),
                floors: SmallVec::new(),
                writes: SmallVec::from_slice(&[all.len() as u64]),
            }
        };
        let none = [None; 5];
        let n = fs.len() as u64;
        assert_eq!(fs.order_of(none, make).writes[..], [n]);
        assert_eq!(fs.order_of(none, make).writes[..], [n]);
        assert_eq!(calls.get(), 1, "kept");
        // A copy shares it; another set of restored files makes it again.
        let copy = fs.clone();
        assert_eq!(copy.order_of(none, make).writes[..], [n]);
        assert_eq!(calls.get(), 1);
        let one = [Some(1), None, None, None, None];
        assert_eq!(fs.order_of(one, make).writes[..], [n]);
        assert_eq!(calls.get(), 2);
        // A write forgets it in the world that writes alone.
        let f = fs[0].clone();
        fs.push(f);
        assert_eq!(fs.order_of(one, make).writes[..], [n + 1]);
        assert_eq!(copy.order_of(none, make).writes[..], [n]);
        assert_eq!(calls.get(), 3);
    }

    #[test]
    fn a_copy_shares_the_files_until_one_of_the_two_writes_them() {
        let shared = |x: &Files, y: &Files| std::ptr::eq(x.as_ptr(), y.as_ptr());
        let mut a = files();
        let mut b = a.clone();
        assert!(shared(&a, &b));
        // The copy writes: it alone sees the write.
        b[0].in_copy_folder = FileState::Readable;
        assert_eq!(a[0].in_copy_folder, FileState::Absent);
        assert!(!shared(&a, &b));
        // The original writes: the copy keeps the old files.
        let n = a.len();
        let c = a.clone();
        let f = a[0].clone();
        a.push(f);
        assert_eq!((a.len(), c.len()), (n + 1, n));
        // Written with its copy gone: in place, nothing copied.
        drop(c);
        drop(a.clone());
        let at = a.as_ptr();
        a[1].on_share = FileState::Unreadable;
        assert!(std::ptr::eq(at, a.as_ptr()));
        assert_eq!(
            format!("{a:?}"),
            format!("{:?}", *a),
            "Debug is the vector alone"
        );
    }
}
