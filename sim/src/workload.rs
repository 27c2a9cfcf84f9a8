//! The chat workload: writes acknowledged at a steady rate while the pool serves, numbered
//! so that loss is counted write by write, and their acknowledgement times.

use crate::lsn::Lsn;
use crate::ranges::RangeSet;
use crate::topology::{Db, Instance, PoolState};
use crate::world::*;

/// Who takes the workload's writes (see [`World::write_split`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) enum Writers {
    /// Nobody writes (no writer, or no writes per minute).
    Nobody,
    /// One copy takes them all, and its synchronous mirror if it has one.
    One(Instance, Option<Instance>),
    /// Several copies share them: `advance_workload`'s own split.
    #[default]
    Several,
}

impl DbCopy {
    /// Writes `[a, b)` land on this copy: in its log, not yet in a log backup.
    #[inline]
    fn take_writes(&mut self, a: u64, b: u64, lsn_step: u128) {
        self.writes.add(a, b);
        self.unbacked.add(a, b);
        self.lsn = Lsn(self.lsn.0 + lsn_step);
    }
}

impl World {
    /// Acknowledge the writes of `[advanced_to, now)`: split over the writing servers, each
    /// share landing on the copy its server is connected to (and its synchronous mirror).
    pub fn advance_workload(&mut self, to: u64) {
        self.advance_workload_with(to, self.write_split());
    }

    /// Who takes the workload's writes now. The loads, roles and mirroring change only at a
    /// step or fault, so the job runs shipped between two events (`jobs::Pending`) work it
    /// out once for all of them.
    pub(crate) fn write_split(&self) -> Writers {
        let targets = self.writer_load;
        let count: u64 = targets.iter().sum();
        if count == 0 || self.writes_per_minute == 0 {
            return Writers::Nobody;
        }
        // One copy takes every write (the usual case). (Loads are never negative, so the
        // one with them all is the only writer.)
        match Instance::DATA
            .into_iter()
            .find(|i| targets[i.index()] == count)
        {
            Some(i) => Writers::One(i, self.sync_partner(i)),
            None => Writers::Several,
        }
    }

    /// `advance_workload(to)` with `writers` as [`World::write_split`] gives them now.
    /// Inlined into both callers, the event loop's and the job runs' between two events
    /// (out of line: 0.3 % more instructions in a fuzz campaign, by callgrind).
    #[inline(always)]
    pub(crate) fn advance_workload_with(&mut self, to: u64, writers: Writers) {
        let Some((from, n)) = self.writes_until(to) else {
            return;
        };
        let start = self.next_write;
        match writers {
            // Only the point the workload is accounted to moves.
            Writers::Nobody => return,
            Writers::One(i, partner) => self.apply_writes(i, partner, start, start + n),
            Writers::Several => self.split_writes(start, n),
        }
        self.acknowledge(start, n, from, to);
    }

    /// Writes `[start, start + n)` shared over the copies written to, by their loads (the
    /// last takes what rounding leaves).
    fn split_writes(&mut self, start: u64, n: u64) {
        let targets = self.writer_load;
        let count: u64 = targets.iter().sum();
        let last_target = Instance::DATA
            .into_iter()
            .rev()
            .find(|i| targets[i.index()] > 0);
        let mut given = 0u64;
        for i in Instance::DATA {
            let k = targets[i.index()];
            if k == 0 {
                continue;
            }
            let share = if Some(i) == last_target {
                n - given
            } else {
                n * k / count
            };
            let a = start + given;
            given += share;
            let partner = self.sync_partner(i);
            self.apply_writes(i, partner, a, a + share);
        }
    }

    /// Moves the point the workload is accounted to up to `to`; the writes of the interval
    /// (its start and how many), if it holds any.
    #[inline]
    fn writes_until(&mut self, to: u64) -> Option<(u64, u64)> {
        let from = self.advanced_to;
        if to <= from {
            return None;
        }
        self.advanced_to = to;
        let n = to * self.writes_per_minute / 60 - from * self.writes_per_minute / 60;
        (n > 0).then_some((from, n))
    }

    /// Writes `[start, start + n)` acknowledged over `[from, to)`. Always inlined, as
    /// `apply_writes`: out of line, saving and restoring registers was a third of each.
    #[inline(always)]
    fn acknowledge(&mut self, start: u64, n: u64, from: u64, to: u64) {
        self.next_write = start + n;
        if let Some(last) = self.acks.last_mut() {
            if last.end_write == start && last.t1 == from {
                last.end_write = start + n;
                last.t1 = to;
            } else {
                self.acks.push(AckSegment {
                    first_write: start,
                    end_write: start + n,
                    t0: from,
                    t1: to,
                });
            }
        } else {
            self.acks.push(AckSegment {
                first_write: start,
                end_write: start + n,
                t0: from,
                t1: to,
            });
        }
        if self.pool_state == PoolState::FailedOver {
            self.acked_failed_over.add(start, start + n);
        }
    }

    /// The synchronous mirror that receives `i`'s writes too.
    fn sync_partner(&self, i: Instance) -> Option<Instance> {
        self.db(i, Db::Mgc).mirroring.and_then(|m| {
            (m.role == MirrorRole::Principal && m.state == MirrorState::Synchronized)
                .then_some(m.partner)
        })
    }

    #[inline(always)]
    fn apply_writes(&mut self, i: Instance, partner: Option<Instance>, a: u64, b: u64) {
        let lsn_step = (b - a) as u128 * LSN_PER_WRITE;
        self.db_mut(i, Db::Mgc).take_writes(a, b, lsn_step);
        if let Some(x) = partner {
            self.db_mut(x, Db::Mgc).take_writes(a, b, lsn_step);
        }
    }

    /// Every write ever acknowledged.
    pub fn acknowledged(&self) -> RangeSet {
        let mut r = RangeSet::new();
        for s in &self.acks {
            r.add(s.first_write, s.end_write);
        }
        r
    }

    /// When write `w` was acknowledged (seconds, fractional).
    pub fn ack_time(&self, w: u64) -> Option<f64> {
        let i = self.acks.partition_point(|s| s.end_write <= w);
        let s = self.acks.get(i)?;
        if w < s.first_write {
            return None;
        }
        let frac = (w - s.first_write) as f64 / (s.end_write - s.first_write) as f64;
        Some(s.t0 as f64 + frac * (s.t1 - s.t0) as f64)
    }
}
