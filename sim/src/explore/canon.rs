//! The canonical hash of a state: the engine's canonical state (world, pending events, step
//! in progress, random stream) streamed as words through multiply-rotate lanes, so no text
//! is allocated: even words through two lanes, odd words through two others, every word
//! into 128 bits of state. 128 bits: at 10^8 states the chance of any collision is about
//! 10^-23. The words are gathered in a block and mixed a block at a time: feeding a word is
//! a store, and the mixing is one tight loop whose four multiply chains run side by side
//! (mixing word by word kept the lanes in memory across every feeding function's call).

use std::fmt;

pub struct Hasher {
    lanes: [u64; 4],
    /// Words fed and not mixed yet (`len` of them).
    block: [u64; BLOCK],
    len: usize,
    /// Blocks mixed: the words so far are `BLOCK` times this plus `len`.
    blocks: u64,
    buf: [u8; 8],
    n: usize,
}

/// Words mixed at a time (even: words are mixed in pairs; a power of two: the index mask).
const BLOCK: usize = 32;

/// Where the first database family's canonical LSNs start (its origin's family, times the
/// span: `order::Canonical` counts each family's values from there).
const LSN_BASE: u128 =
    crate::world::LSN_ORIGIN / crate::world::FAMILY_SPAN * crate::world::FAMILY_SPAN;

const K1: u64 = 0x9E37_79B9_7F4A_7C15;
const K2: u64 = 0xC2B2_AE3D_27D4_EB4F;
const K3: u64 = 0x1656_67B1_9E37_79F9;
const K4: u64 = 0x27D4_EB2F_1656_67C5;

impl Default for Hasher {
    fn default() -> Self {
        Hasher::new()
    }
}

impl Hasher {
    pub fn new() -> Hasher {
        Hasher {
            lanes: [
                0x243F_6A88_85A3_08D3,
                0x1319_8A2E_0370_7344,
                0xA409_3822_299F_31D0,
                0x082E_FA98_EC4E_6C89,
            ],
            block: [0; BLOCK],
            len: 0,
            blocks: 0,
            buf: [0; 8],
            n: 0,
        }
    }

    #[inline(always)]
    fn word(&mut self, w: u64) {
        // `len` is below BLOCK here: the mask only spares the bounds check.
        self.block[self.len & (BLOCK - 1)] = w;
        self.len += 1;
        if self.len == BLOCK {
            self.mix_block();
        }
    }

    #[inline(never)]
    fn mix_block(&mut self) {
        self.mix(BLOCK);
        self.len = 0;
        self.blocks += 1;
    }

    /// Mix the block's first `words` words (an even count), in pairs.
    #[inline(always)]
    fn mix(&mut self, words: usize) {
        let [mut a, mut b, mut c, mut d] = self.lanes;
        for p in self.block[..words].chunks_exact(2) {
            let (e, w) = (p[0], p[1]);
            a = (a ^ e).wrapping_mul(K1).rotate_left(29);
            b = (b.rotate_left(23) ^ e).wrapping_mul(K2);
            c = (c ^ w).wrapping_mul(K3).rotate_left(31);
            d = (d.rotate_left(27) ^ w).wrapping_mul(K4);
        }
        self.lanes = [a, b, c, d];
    }

    pub fn bytes(&mut self, bytes: &[u8]) {
        for &x in bytes {
            self.buf[self.n] = x;
            self.n += 1;
            if self.n == 8 {
                self.word(u64::from_le_bytes(self.buf));
                self.n = 0;
            }
        }
    }

    /// The lanes with every word mixed, the word count last: it tells a stream ending on a
    /// 0 word from one without it.
    fn close(&mut self) -> [u64; 4] {
        let words = BLOCK as u64 * self.blocks + self.len as u64;
        self.word(words);
        if self.len % 2 == 1 {
            self.word(0);
        }
        let len = self.len;
        self.mix(len);
        self.lanes
    }

    pub fn finish(mut self) -> u128 {
        let tail = self.n as u64;
        self.buf[self.n..].fill(0);
        self.word(u64::from_le_bytes(self.buf));
        self.word(tail);
        let [a, b, c, d] = self.close();
        // Final avalanche of each lane (splitmix64's mixer), the odd lanes folded in.
        let mix = |mut z: u64| {
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        };
        let (x, y) = (mix(a ^ mix(c)), mix(b ^ mix(d)));
        (u128::from(x) << 64) | u128::from(mix(y ^ x.rotate_left(7)))
    }

    /// A part's hash to feed into another hasher: words only (no text), its lanes folded
    /// without the final avalanche, which the outer hasher's mixing and finish give.
    pub fn part(mut self) -> u128 {
        debug_assert_eq!(self.n, 0, "a part is words only");
        let [a, b, c, d] = self.close();
        // An even lane and an odd one in each half.
        (u128::from(a ^ c.rotate_left(17)) << 64) | u128::from(b ^ d.rotate_left(41))
    }
}

impl fmt::Write for Hasher {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.bytes(s.as_bytes());
        Ok(())
    }
}

/// Feed a world to the hasher, field by field, as raw words (no text). Every struct is
/// destructured without `..`, so a field added to the model does not compile until it is
/// fed here (or ignored here with a reason). With `reduce`, dead values are fed canonical
/// ([`super::dead`]; `dead::reduced` is the same as a world, for the reference key), and
/// LSNs and write numbers by order ([`super::order`]; `measured_ahead`: a step that
/// measures writes may still run, `Stepper::measures_writes_ahead`; `dc1_frozen`:
/// `Stepper::dc1_frozen`).
pub fn world(
    h: &mut Hasher,
    w: &crate::world::World,
    reduce: bool,
    measured_ahead: bool,
    dc1_frozen: bool,
) {
    use crate::topology::Instance;
    use crate::world::*;
    let World {
        now,
        instances,
        files,
        share_dc,
        share_up,
        share_full,
        mirror_seed_share_dc,
        dc_up,
        link_up,
        cms_dc,
        cms_up,
        pool_state,
        servers,
        fast_link,
        witness_configured,
        agent_share_read,
        agent_copy_write,
        job_failing,
        next_write,
        writes_per_minute,
        advanced_to,
        acks,
        acked_failed_over,
        next_origin,
        coverage,
        writer_load,
        // Set by the scenario and never changed by a run: the root's index stands for it.
        assumptions: _,
        used,
        // A scan cache (files before it are gone for good): the files themselves are fed.
        live_from: _,
        // A cache of `reconcile`'s servers' loop (exact: it only skips a loop that would
        // change nothing).
        servers_memo: _,
    } = w;
    h.u64(*now);
    // The key's kind, for the hashes kept in the world.
    let mode = 1 + u8::from(reduce);
    // The files the secondaries last restored: what `dr_posture_restored` reads of them
    // stays live even when they are gone (`dead::gone`).
    let restored: [Option<u32>; 5] = if reduce {
        super::dead::restored(w)
    } else {
        [None; 5]
    };
    let mut canonical = super::order::Canonical::default();
    if reduce {
        h.bools(&[measured_ahead]);
        canonical.fill(w, measured_ahead, dc1_frozen, restored);
    }
    let c = reduce.then_some(&canonical);
    // Each instance as its own hash, kept while the instance is unchanged (`Instances`):
    // in the reduced key without its LSNs and write numbers, which depend on the whole
    // world and are fed after it.
    for i in Instance::ALL {
        h.u128(instances.hash_of(i.index(), mode, |inst| {
            let mut one = Hasher::new();
            instance(&mut one, inst, reduce);
            one.part()
        }));
    }
    if let Some(c) = c {
        for dbs in &c.copies {
            for &(lsn, log_backup_from) in dbs {
                h.lsn(lsn);
                h.lsn(log_backup_from);
            }
        }
    }
    // The files as one hash, kept while they (and what the secondaries restored) are
    // unchanged (`Files`); in the reduced key their values' places in the files' sorted
    // values, the canonical values fed after.
    let all_files = |files: &[BackupFile]| {
        let mut one = Hasher::new();
        one.u64(files.len() as u64);
        for f in files {
            if reduce && super::dead::gone(f, &restored) {
                one.u64(u64::MAX - 1);
                one.u64(u64::from(f.id));
            } else {
                file(&mut one, f, c);
            }
        }
        one.part()
    };
    h.u128(files.hash_of((mode, restored), all_files));
    if let Some(c) = c {
        c.feed_files(h);
    }
    h.u64(packed(&[
        *share_dc as u64,
        *mirror_seed_share_dc as u64,
        *cms_dc as u64,
        *pool_state as u64,
        bits(&[*share_up, *share_full, *link_up, *cms_up, *fast_link]),
        bits(dc_up),
        bits(&[*witness_configured, *agent_share_read, *agent_copy_write]),
        bits(job_failing),
    ]));
    for s in servers {
        server(h, s);
    }
    h.u64(*writes_per_minute);
    h.u64(*advanced_to);
    match c {
        // The write numbers outside the files (`order::each_write`): the instances' sets
        // (their lengths are in the instances' hashes), the acknowledged writes as a set
        // (when they were acknowledged is dead), `acked_failed_over`, `next_write`.
        Some(c) => {
            h.u64(c.acked as u64);
            h.u64(acked_failed_over.ranges().len() as u64);
            for &x in &c.writes {
                h.u64(x);
            }
        }
        None => {
            h.u64(*next_write);
            acks_exact(h, acks);
            ranges(h, acked_failed_over);
        }
    }
    h.u128(*next_origin);
    let Coverage {
        backup_recovered,
        mirror_took_over,
        hit_4305,
        hit_3101,
        step_failed,
        step_failed_then_succeeded,
        split_brain,
        failed_back,
        writes_lost,
        log_file_skipped,
    } = coverage;
    h.bools(&[
        *backup_recovered,
        *mirror_took_over,
        *hit_4305,
        *hit_3101,
        *step_failed,
        *step_failed_then_succeeded,
        *split_brain,
        *failed_back,
        *writes_lost,
        *log_file_skipped,
    ]);
    for l in writer_load {
        h.u64(*l);
    }
    h.u64(used.names().fold(0u64, |m, n| m | 1 << n as u64));
}

/// A fault as words: its kind, then its fields. Every variant is named, so a fault added
/// to the model does not compile until it is fed here.
pub fn fault(h: &mut Hasher, f: &crate::fault::Fault) {
    use crate::fault::Fault::*;
    let (kind, x, y): (u64, u64, u64) = match *f {
        InstanceDown { instance } => (0, instance as u64, 0),
        InstanceUp { instance } => (1, instance as u64, 0),
        DcDown { dc } => (2, dc as u64, 0),
        DcUp { dc } => (3, dc as u64, 0),
        Dc1Rebuilt { mirrored } => (4, u64::from(mirrored), 0),
        LinkDown => (5, 0, 0),
        LinkUp => (6, 0, 0),
        ShareDown => (7, 0, 0),
        ShareUp => (8, 0, 0),
        ShareLost => (9, 0, 0),
        ShareFull => (10, 0, 0),
        ShareFreed => (11, 0, 0),
        JobFailing { job } => (12, job as u64, 0),
        JobHealed { job } => (13, job as u64, 0),
        AgentRights {
            share_read,
            copy_write,
        } => (14, u64::from(share_read), u64::from(copy_write)),
        LogFileUnreadable { newest } => (15, u64::from(newest), 0),
        LogFileMissing { newest } => (16, u64::from(newest), 0),
        DiskFull { instance } => (17, instance as u64, 0),
        DiskFreed { instance } => (18, instance as u64, 0),
        CmsDown => (19, 0, 0),
        CmsUp => (20, 0, 0),
        CmsFailover { to } => (21, to as u64, 0),
    };
    h.u64(kind);
    h.u64(x);
    h.u64(y);
}

fn acks_exact(h: &mut Hasher, acks: &[crate::world::AckSegment]) {
    use crate::world::AckSegment;
    h.u64(acks.len() as u64);
    for a in acks {
        let AckSegment {
            first_write,
            end_write,
            t0,
            t1,
        } = a;
        h.u64(*first_write);
        h.u64(*end_write);
        h.u64(*t0);
        h.u64(*t1);
    }
}

fn ranges(h: &mut Hasher, r: &crate::ranges::RangeSet) {
    h.u64(r.ranges().len() as u64);
    for &(a, b) in r.ranges() {
        h.u64(a);
        h.u64(b);
    }
}

fn opt_u64(h: &mut Hasher, v: Option<u64>) {
    match v {
        None => h.u64(u64::MAX),
        Some(x) => {
            h.u64(1);
            h.u64(x);
        }
    }
}

/// Small fields (enums of a few variants, flags, each below 256) packed a byte each into one
/// word, lowest first: the same fields in fewer words, which is what the hash costs.
#[inline(always)]
fn packed(bytes: &[u64]) -> u64 {
    debug_assert!(bytes.len() <= 8 && bytes.iter().all(|b| *b < 256));
    bytes
        .iter()
        .enumerate()
        .fold(0, |w, (k, b)| w | b << (8 * k))
}

/// At most eight flags as the bits of a byte.
#[inline(always)]
fn bits(flags: &[bool]) -> u64 {
    debug_assert!(flags.len() <= 8);
    flags
        .iter()
        .enumerate()
        .fold(0, |w, (k, f)| w | u64::from(*f) << k)
}

/// An instance as words; with `reduce`, its dead values canonical and its LSNs and write
/// numbers left out but for how many ranges each set holds (the reduced key feeds their
/// canonical values after the instances: `order::Canonical`).
fn instance(h: &mut Hasher, i: &crate::world::SqlInstance, reduce: bool) {
    use crate::world::*;
    let SqlInstance {
        up,
        disk_full,
        dbs,
        ls_primary,
        ls_secondary,
    } = i;
    for d in dbs {
        let DbCopy {
            state,
            lsn,
            writes,
            unbacked,
            log_backup_from,
            has_full_backup,
            mirroring,
            available,
        } = d;
        // 255: no mirroring session (no role is 255).
        let (role, partner, witness, former, mstate, since) = match mirroring {
            None => (255, 0, false, false, 0, 0),
            Some(m) => {
                let Mirroring {
                    role,
                    partner,
                    witness,
                    state,
                    former_principal,
                    since,
                } = m;
                let since = if reduce {
                    super::dead::since(m)
                } else {
                    *since
                };
                (
                    *role as u64,
                    *partner as u64,
                    *witness,
                    *former_principal,
                    *state as u64,
                    since,
                )
            }
        };
        h.u64(packed(&[
            *state as u64,
            u64::from(*has_full_backup),
            u64::from(*available),
            role,
            partner,
            u64::from(witness),
            u64::from(former),
            mstate,
        ]));
        h.u64(since);
        if reduce {
            h.u64(writes.ranges().len() as u64);
            h.u64(unbacked.ranges().len() as u64);
        } else {
            h.u128(lsn.0);
            ranges(h, writes);
            ranges(h, unbacked);
            h.u128(log_backup_from.0);
        }
    }
    // 255: no log-shipping configuration of that kind.
    let (p_db, p_enabled) = match ls_primary {
        None => (255, 0),
        Some(LsPrimary {
            database,
            backup_job_enabled,
        }) => (*database as u64, u64::from(*backup_job_enabled)),
    };
    let (s_db, s_primary) = match ls_secondary {
        None => (255, 0),
        Some(LsSecondary {
            database, primary, ..
        }) => (*database as u64, *primary as u64),
    };
    h.u64(packed(&[
        u64::from(*up),
        u64::from(*disk_full),
        p_db,
        p_enabled,
        s_db,
        s_primary,
    ]));
    if let Some(LsSecondary {
        database: _,
        primary: _,
        last_copied_file,
        last_restored_file,
        last_restored_latency_min,
    }) = ls_secondary
    {
        // Read only by `observe` (a report): dead (`dead`).
        if !reduce {
            opt_u64(h, last_copied_file.map(u64::from));
        }
        opt_u64(h, last_restored_file.map(u64::from));
        if !reduce {
            opt_u64(h, *last_restored_latency_min);
        }
    }
}

/// A file as words; with `c` (the reduced key), its dead values left out and its LSNs and
/// write numbers as their places among the files' sorted values (a hash kept while the
/// files are unchanged).
fn file(h: &mut Hasher, f: &crate::world::BackupFile, c: Option<&super::order::Canonical>) {
    let crate::world::BackupFile {
        id,
        database,
        kind,
        first_lsn,
        last_lsn,
        checkpoint_lsn,
        database_backup_lsn,
        created_at,
        source,
        writes,
        on_share,
        in_copy_folder,
    } = f;
    h.u64(u64::from(*id));
    h.u64(packed(&[
        *database as u64,
        *kind as u64,
        *source as u64,
        *on_share as u64,
        *in_copy_folder as u64,
    ]));
    match c {
        Some(c) => {
            // Where its values are among the files' (their canonical values are fed
            // after the files: `Canonical::feed_files`).
            h.u64(c.lsn_place(database.index(), *first_lsn));
            h.u64(c.lsn_place(database.index(), *last_lsn));
            // checkpoint_lsn and database_backup_lsn are read only to set the next
            // full's database_backup_lsn, which no rule reads (`dead`).
            h.u64(*created_at);
            h.u64(writes.ranges().len() as u64);
            for &(a, b) in writes.ranges() {
                h.u64(c.write_place(a));
                h.u64(c.write_place(b));
            }
        }
        None => {
            h.u128(first_lsn.0);
            h.u128(last_lsn.0);
            h.u128(checkpoint_lsn.0);
            h.u128(database_backup_lsn.0);
            h.u64(*created_at);
            ranges(h, writes);
        }
    }
}

fn server(h: &mut Hasher, s: &crate::world::ChatServer) {
    let crate::world::ChatServer {
        up,
        service,
        active,
        clients,
        pool_state_seen,
        conn,
        idle_conn,
    } = s;
    // 255: no connection (no instance is 255).
    h.u64(packed(&[
        u64::from(*up),
        u64::from(*service),
        u64::from(*active),
        u64::from(*clients),
        *pool_state_seen as u64,
        conn.map_or(255, |i| i as u64),
        idle_conn.map_or(255, |i| i as u64),
    ]));
}

impl Hasher {
    /// A word. After text, the text's last partial word is closed first (zero-padded, then
    /// its length), so the words that follow are mixed whole, not byte by byte.
    #[inline(always)]
    pub fn u64(&mut self, x: u64) {
        if self.n != 0 {
            self.close_text();
        }
        self.word(x);
    }

    #[cold]
    fn close_text(&mut self) {
        let tail = self.n as u64;
        self.buf[self.n..].fill(0);
        self.word(u64::from_le_bytes(self.buf));
        self.word(tail);
        self.n = 0;
    }

    #[inline(always)]
    pub fn u128(&mut self, x: u128) {
        self.u64(x as u64);
        self.u64((x >> 64) as u64);
    }

    /// A canonical LSN (`order::Canonical`): counted from the first database family's
    /// origin, one word below 2^63 (that family and the next eight), else a marker word and
    /// both halves. Prefix-free, so a stream of them tells values apart as `u128` does, in
    /// half the words for almost every value.
    #[inline(always)]
    pub fn lsn(&mut self, c: u128) {
        let v = c.wrapping_sub(LSN_BASE);
        if v < 1 << 63 {
            self.u64(v as u64);
        } else {
            self.u64(u64::MAX);
            self.u128(v);
        }
    }

    #[inline(always)]
    pub fn bools(&mut self, bs: &[bool]) {
        let mut w = 0u64;
        for (i, b) in bs.iter().enumerate() {
            w |= u64::from(*b) << (i % 64);
        }
        self.u64(w | (bs.len() as u64) << 56);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fmt::Write;

    /// Canonical LSNs fed one word or three are told apart as their `u128`s are: the
    /// values either side of the one-word range, and a value next to a marker and halves
    /// that would read as it.
    #[test]
    fn lsns_in_one_word_or_three_stay_apart() {
        let top = LSN_BASE + (1 << 63);
        let values = [
            LSN_BASE,
            LSN_BASE + 1,
            top - 1,
            top,
            top + 1,
            0,
            LSN_BASE - 1,
            u128::MAX,
        ];
        let hash = |vs: &[u128]| {
            let mut h = Hasher::new();
            h.u64(vs.len() as u64);
            for &v in vs {
                h.lsn(v);
            }
            h.finish()
        };
        let mut seen = std::collections::BTreeMap::new();
        let mut seqs: Vec<Vec<u128>> = values.iter().map(|&v| vec![v]).collect();
        for &a in &values {
            for &b in &values {
                seqs.push(vec![a, b]);
            }
        }
        // Three one-word values shaped as a marker, a high and a low half.
        let (hi, lo) = (((top - LSN_BASE) >> 64) as u64, (top - LSN_BASE) as u64);
        seqs.push(vec![
            LSN_BASE + u128::from(u64::MAX >> 1),
            LSN_BASE + u128::from(lo),
            LSN_BASE + u128::from(hi),
        ]);
        // Without the marker these two would feed the same words (0, 1, 5).
        seqs.push(vec![LSN_BASE + (1 << 64), LSN_BASE + 5]);
        seqs.push(vec![LSN_BASE, LSN_BASE + (5 << 64) + 1]);
        for s in &seqs {
            if let Some(other) = seen.insert(hash(s), s.clone()) {
                panic!("{s:?} and {other:?} hash alike");
            }
        }
        assert_eq!(seen.len(), seqs.len());
    }

    #[test]
    fn equal_text_equal_hash_whatever_the_chunks() {
        let mut a = Hasher::new();
        a.write_str("hello, world").unwrap();
        let mut b = Hasher::new();
        b.write_str("hel").unwrap();
        b.write_str("lo, wor").unwrap();
        b.write_str("ld").unwrap();
        assert_eq!(a.finish(), b.finish());
    }

    #[test]
    fn text_then_words_keeps_the_text_boundary() {
        let h = |s: &str, w: u64| {
            let mut x = Hasher::new();
            x.write_str(s).unwrap();
            x.u64(w);
            x.finish()
        };
        assert_ne!(h("ab", 0), h("ab\0", 0));
        assert_ne!(h("ab", 1), h("ab", 2));
        assert_eq!(h("ab", 7), h("ab", 7));
    }

    /// Words, their order, their count and their lane all count, in a finished hash and in
    /// a part's (an instance's, fed whole into the key), over more than one block.
    #[test]
    fn every_word_counts_whatever_its_lane() {
        let finished = |x: Hasher| x.finish();
        let part = |x: Hasher| x.part();
        for end in [&finished as &dyn Fn(Hasher) -> u128, &part] {
            let h = |ws: &[u64]| {
                let mut x = Hasher::new();
                for &w in ws {
                    x.u64(w);
                }
                end(x)
            };
            let base: Vec<u64> = (1..=2 * BLOCK as u64 + 3).collect();
            for i in 0..base.len() {
                for bit in [0, 40, 63] {
                    let mut other = base.clone();
                    other[i] ^= 1 << bit;
                    assert_ne!(h(&base), h(&other), "word {i}, bit {bit}");
                }
            }
            // An unpaired last word is not the same as that word and a 0.
            assert_ne!(h(&[7]), h(&[7, 0]));
            assert_ne!(h(&[]), h(&[0]));
            assert_ne!(h(&[1, 2]), h(&[2, 1]));
            assert_ne!(h(&[1, 0]), h(&[0, 1]), "the same word in the other lane");
        }
    }

    #[test]
    fn different_text_different_hash() {
        let h = |s: &str| {
            let mut x = Hasher::new();
            x.write_str(s).unwrap();
            x.finish()
        };
        assert_ne!(h("a"), h("b"));
        // Trailing zero bytes are not lost in the padding.
        assert_ne!(h("a"), h("a\0"));
        assert_ne!(h(""), h("\0"));
    }
}
