//! Outage generation: one proptest strategy draws every free choice of a case (topology,
//! schedules, workload, the disaster, extra faults and their heals, operator deviations),
//! and `build` turns the draw into a scenario that is valid by construction (no rejection).

use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use sim::fault::{Fault, Job};
use sim::scenario::*;
use sim::topology::{Dc, Instance, Layout};

/// What the campaign fuzzes: a failover alone, or a full cycle (failover, DC1 rebuilt,
/// failback), and which runbook step ids deviations may name.
#[derive(Clone, Debug)]
pub struct Shape {
    pub cycle: bool,
    pub step_ids: Vec<Vec<String>>,
    /// The runbook files as given, for provenance (saved counterexamples carry the runbooks
    /// themselves inline).
    pub runbook_paths: Vec<String>,
    /// Operator deviations (skip, repeat, delay, swap, wrong instance).
    pub deviations: bool,
    /// Faults outside the runbooks' stated assumptions: DC2 (or the rebuilt DC1) lost or
    /// degraded while a runbook runs (gap 18).
    pub beyond: bool,
    /// Also draw the settable modelling assumptions (`--vary-assumptions`).
    pub vary_assumptions: bool,
}

/// A fault and when it heals (None: permanent).
type Extra = (u8, u64, u8, u8, u64);
type Dev = (bool, u8, u8, u64, u8);

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Draw {
    topo: (u8, bool, bool, bool, Option<u64>, bool, bool),
    ls: (u8, u8, u8, u64, u64, u8, u8),
    t: (u64, u64, bool, u64),
    extras: Vec<Extra>,
    devs: Vec<Dev>,
}

pub fn strategy() -> impl Strategy<Value = Draw> {
    let topo = (
        0u8..3,
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
        proptest::option::of(0u64..1800),
        any::<bool>(),
        any::<bool>(),
    );
    let ls = (0u8..4, 0u8..4, 0u8..4, 0u64..600, 0u64..900, 0u8..4, 0u8..3);
    let t = (
        1800u64..6 * 3600,
        6 * 3600u64..24 * 3600,
        any::<bool>(),
        0u64..6 * 3600,
    );
    let extra = (
        0u8..5,
        0u64..4 * 3600,
        any::<u8>(),
        any::<u8>(),
        60u64..4 * 3600,
    );
    let dev = (any::<bool>(), any::<u8>(), 0u8..5, 60u64..3600, 0u8..4);
    (
        topo,
        ls,
        t,
        proptest::collection::vec(extra, 0..4),
        proptest::collection::vec(dev, 0..3),
    )
        .prop_map(|(topo, ls, t, extras, devs)| Draw {
            topo,
            ls,
            t,
            extras,
            devs,
        })
}

/// The draw for one case seed (deterministic: a fixed-algorithm generator per case).
pub fn draw<S: Strategy<Value = Draw>>(strat: &S, seed: u64) -> Draw {
    draw_with(&mut runner(), strat, seed)
}

/// A runner for [`draw_with`]: a campaign's worker keeps one for all its cases.
pub fn runner() -> TestRunner {
    TestRunner::new_with_rng(Config::default(), case_rng(0))
}

fn case_rng(seed: u64) -> TestRng {
    TestRng::from_seed(RngAlgorithm::XorShift, &case_seed_bytes(seed))
}

/// The 16 bytes of case `seed`'s generator.
fn case_seed_bytes(seed: u64) -> [u8; 16] {
    let mut bytes = [0u8; 16];
    bytes[..8].copy_from_slice(&seed.to_le_bytes());
    bytes[8..].copy_from_slice(&(!seed).rotate_left(17).to_le_bytes());
    bytes
}

/// [`case_rng`]'s generator itself: a `TestRng` seeded for `XorShift` is this generator
/// from the same bytes and passes every call on to it (proptest's `from_seed_internal`,
/// `next_u32_inner`), so it draws the same numbers without matching on the algorithm at
/// each one.
fn case_xorshift(seed: u64) -> rand_xorshift::XorShiftRng {
    use rand::SeedableRng;
    rand_xorshift::XorShiftRng::from_seed(case_seed_bytes(seed))
}

/// [`draw`] on a reused runner: its generator is reset to the case's, and nothing else of
/// the runner enters these strategies (no filters, no flat maps), so the draw is the same.
pub fn draw_with<S: Strategy<Value = Draw>>(runner: &mut TestRunner, strat: &S, seed: u64) -> Draw {
    *runner.rng() = case_rng(seed);
    strat
        .new_tree(runner)
        .expect("these strategies never reject")
        .current()
}

/// [`draw`] without proptest's value trees: the same calls on the case's generator, in the
/// same order, as [`strategy`]'s strategies make them, so the same draw (a test compares
/// the two on many seeds). Building the trees, which only shrinking uses, cost about
/// 3,000 instructions a case. proptest's strategies draw: an integer range
/// `Uniform::new(start, end)`; a `bool` or `u8` of `any`, `random()`; the tuples, their
/// elements in order; `option::of`, a pick weighted 1:1 (`Uniform::new(0, sum)`; `None`
/// below its weight), and for `Some` the seed of the `None` arm's lazy tree (16 bytes, its
/// runner's `partial_clone`) before the value; `collection::vec`, the length
/// `Uniform::new_inclusive` over the size range (`usize`), then each element. The calls go
/// to the case's XorShift generator directly (`case_xorshift`), as `TestRng` passes them on.
pub fn draw_direct(seed: u64) -> Draw {
    use rand::distr::{uniform::SampleUniform, Distribution, Uniform};
    type Gen = rand_xorshift::XorShiftRng;
    fn range<T: SampleUniform>(r: &mut Gen, a: T, b: T) -> T {
        Uniform::new(a, b).expect("non-empty").sample(r)
    }
    let r = &mut case_xorshift(seed);
    let topo = (
        range(r, 0u8, 3),
        r.random::<bool>(),
        r.random::<bool>(),
        r.random::<bool>(),
        {
            let (some, none) = proptest::strategy::float_to_weight(0.5);
            let pick = range(r, 0u64, u64::from(none) + u64::from(some));
            if pick < u64::from(none) {
                None
            } else {
                let _lazy_seed: [u8; 16] = r.random();
                Some(range(r, 0u64, 1800))
            }
        },
        r.random::<bool>(),
        r.random::<bool>(),
    );
    let ls = (
        range(r, 0u8, 4),
        range(r, 0u8, 4),
        range(r, 0u8, 4),
        range(r, 0u64, 600),
        range(r, 0u64, 900),
        range(r, 0u8, 4),
        range(r, 0u8, 3),
    );
    let t = (
        range(r, 1800u64, 6 * 3600),
        range(r, 6 * 3600u64, 24 * 3600),
        r.random::<bool>(),
        range(r, 0u64, 6 * 3600),
    );
    let len = |r: &mut Gen, max: usize| {
        Uniform::new_inclusive(0usize, max)
            .expect("non-empty")
            .sample(r)
    };
    let n = len(r, 3);
    let extras = (0..n)
        .map(|_| {
            (
                range(r, 0u8, 5),
                range(r, 0u64, 4 * 3600),
                r.random::<u8>(),
                r.random::<u8>(),
                range(r, 60u64, 4 * 3600),
            )
        })
        .collect();
    let n = len(r, 2);
    let devs = (0..n)
        .map(|_| {
            (
                r.random::<bool>(),
                r.random::<u8>(),
                range(r, 0u8, 5),
                range(r, 60u64, 3600),
                range(r, 0u8, 4),
            )
        })
        .collect();
    Draw {
        topo,
        ls,
        t,
        extras,
        devs,
    }
}

const INTERVALS: [u64; 4] = [300, 600, 900, 1800];
const RETENTION: [u64; 4] = [3600, 4 * 3600, 24 * 3600, 72 * 3600];
const RATES: [u64; 3] = [60, 600, 6000];

fn pick<T: Copy>(xs: &[T], i: u8) -> T {
    xs[i as usize % xs.len()]
}

/// The catalog, per window. Returns the fault and its heal (None: permanent).
fn fault(window: u8, kind: u8, p: u8, beyond: bool) -> (Fault, Option<Fault>) {
    use Fault::*;
    let inst = |p: u8| pick(&Instance::ALL, p);
    let job = |p: u8| pick(&[Job::Backup, Job::Copy, Job::Restore], p);
    let pair = |f: Fault, h: Fault| (f, Some(h));
    let crash = |i: Instance| pair(InstanceDown { instance: i }, InstanceUp { instance: i });
    // Before the disaster and after the runbooks: anything transient.
    // A permanently lost log backup is drawn only before the disaster, where F2/F3 must
    // cope with it; later it breaks log shipping until re-initialized, which no runbook fixes.
    let k_any = |k: u8| {
        if window != 0 && (k % 11 == 5 || k % 11 == 6) {
            10
        } else {
            k
        }
    };
    let any = |k: u8| match k_any(k) % 11 {
        0 => crash(inst(p)),
        1 => pair(LinkDown, LinkUp),
        2 => pair(ShareDown, ShareUp),
        3 => pair(JobFailing { job: job(p) }, JobHealed { job: job(p) }),
        4 => pair(
            AgentRights {
                share_read: p.is_multiple_of(2),
                copy_write: p % 2 == 1,
            },
            AgentRights {
                share_read: true,
                copy_write: true,
            },
        ),
        5 => (
            LogFileUnreadable {
                newest: (p % 3) as u32,
            },
            None,
        ),
        6 => (
            LogFileMissing {
                newest: (p % 3) as u32,
            },
            None,
        ),
        7 => {
            let i = pick(&[Instance::Primary, Instance::Backup, Instance::Mirror], p);
            pair(DiskFull { instance: i }, DiskFreed { instance: i })
        }
        8 => pair(CmsDown, CmsUp),
        9 => crash(pick(&[Instance::Primary, Instance::Mirror], p)),
        _ => crash(Instance::Witness),
    };
    // While a runbook runs, within its assumptions: what it does not depend on.
    // (The link matters only to the failback: DC1 is down during the failover.)
    let quiet = |k: u8| match k % if window == 1 { 3 } else { 2 } {
        0 => crash(Instance::Witness),
        1 => pair(JobFailing { job: job(p) }, JobHealed { job: job(p) }),
        _ => pair(LinkDown, LinkUp),
    };
    // Beyond the assumptions: a second disaster, or what the runbook needs, lost for a while.
    let loud = |k: u8| match k % 6 {
        0 => pair(DcDown { dc: Dc::Dc2 }, DcUp { dc: Dc::Dc2 }),
        1 => crash(pick(
            &[Instance::Backup, Instance::BackupMirror, Instance::Primary],
            p,
        )),
        2 => pair(ShareDown, ShareUp),
        3 => pair(CmsDown, CmsUp),
        4 => pair(
            DiskFull {
                instance: Instance::Backup,
            },
            DiskFreed {
                instance: Instance::Backup,
            },
        ),
        _ => pair(LinkDown, LinkUp),
    };
    match window {
        0 | 2 | 4 => any(kind),
        _ if beyond && kind.is_multiple_of(2) => loud(kind / 2),
        _ => quiet(kind),
    }
}

/// `format!("fuzz-{seed:016x}")`, written out: the formatting machinery was a third of
/// `build`'s cost, paid once per case.
fn case_name(seed: u64) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut name = String::with_capacity(21);
    name.push_str("fuzz-");
    for k in (0..16).rev() {
        name.push(char::from(HEX[(seed >> (4 * k)) as usize & 15]));
    }
    name
}

pub fn build(shape: &Shape, d: &Draw, seed: u64) -> Scenario {
    let (share, layout44, witness, cms_dc2, cms_failover, seed_third, compliance) = d.topo;
    let (bi, ci, ri, co, ro, ret, rate) = d.ls;
    let (t_disaster, rebuild_after, rebuild_mirrored, failback_after) = d.t;
    let ls = LogShippingParams {
        backup_interval_s: pick(&INTERVALS, bi),
        copy_interval_s: pick(&INTERVALS, ci),
        restore_interval_s: pick(&INTERVALS, ri),
        copy_offset_s: co % pick(&INTERVALS, ci),
        restore_offset_s: ro % pick(&INTERVALS, ri),
        retention_s: pick(&RETENTION, ret),
        ..LogShippingParams::default()
    };
    let slowest = ls
        .backup_interval_s
        .max(ls.copy_interval_s)
        .max(ls.restore_interval_s);
    let cms = if cms_dc2 { Dc::Dc2 } else { Dc::Dc1 };
    // Room for every fault below (the disaster, the CMS's move, the rebuild, each extra
    // with its heal): built without growing.
    let mut faults = Vec::with_capacity(3 + 2 * d.extras.len());
    faults.push(TimedFault {
        after_phase: None,
        at_s: t_disaster,
        fault: Fault::DcDown { dc: Dc::Dc1 },
    });
    if let (Dc::Dc1, Some(after)) = (cms, cms_failover) {
        // The Front End team's own DR (gap 12): it may or may not have moved the CMS.
        faults.push(TimedFault {
            after_phase: None,
            at_s: t_disaster + after,
            fault: Fault::CmsFailover { to: Dc::Dc2 },
        });
    }
    // Later times count from the end of the failover (`after_phase`), whatever it took:
    // DC1 is rebuilt `rebuild_after` later, the failback starts `failback_after` after that.
    let fb_rel = rebuild_after + failback_after;
    let mut phases = Vec::with_capacity(2);
    phases.push(Phase {
        after_previous_s: None,
        runbook: PhaseRunbook::file(shape.runbook_paths[0].clone()),
        start_at_s: t_disaster,
        declare: true,
    });
    if shape.cycle {
        faults.push(TimedFault {
            after_phase: Some(0),
            at_s: rebuild_after,
            fault: Fault::Dc1Rebuilt {
                mirrored: rebuild_mirrored,
            },
        });
        phases.push(Phase {
            after_previous_s: Some(fb_rel),
            runbook: PhaseRunbook::file(shape.runbook_paths[1].clone()),
            start_at_s: 0,
            declare: false,
        });
    }
    let last = phases.len() - 1;
    for &(window, off, kind, p, heal_after) in &d.extras {
        // Windows: 0 before the disaster, 1 during the failover, 2 between the phases,
        // 3 during the failback, 4 after the runbooks. Heals stay inside the window when
        // the runbooks' assumptions need them.
        let window = if !shape.cycle && (window == 2 || window == 3) {
            4
        } else {
            window
        };
        // (anchor phase, first second, window length, heal by)
        let (anchor, from, len, heal_by) = match window {
            0 => (
                None,
                t_disaster.saturating_sub(4 * 3600).max(1),
                4 * 3600,
                Some(t_disaster),
            ),
            // Ends before DC1 can be rebuilt: rebuild_after is at least 6 h.
            1 => (None, t_disaster, 2 * 3600, Some(t_disaster + 6 * 3600)),
            2 => (Some(0), 0, rebuild_after, Some(fb_rel - 1)),
            3 => (Some(0), fb_rel, 2 * 3600, None),
            _ => (Some(last), 3600, 4 * 3600, None),
        };
        let at = from + off % len.max(1);
        if window == 0 && at >= t_disaster {
            continue;
        }
        let (f, heal) = fault(window, kind, p, shape.beyond);
        faults.push(TimedFault {
            at_s: at,
            after_phase: anchor,
            fault: f,
        });
        if let Some(h) = heal {
            // Log shipping survives an outage shorter than its retention, not a longer one
            // (the files it needs are deleted): faults stay within what it claims to survive.
            // (A quarter each: even back-to-back outages stay shorter than the retention.)
            let mut heal_at = at + heal_after.min(ls.retention_s / 4);
            if let Some(by) = heal_by {
                heal_at = heal_at.min(by).max(at + 1);
            }
            faults.push(TimedFault {
                after_phase: anchor,
                at_s: heal_at,
                fault: h,
            });
        }
    }
    faults.sort_by_key(|f| (f.after_phase.map_or(0, |p| p + 1), f.at_s));
    let mut deviations = Vec::new();
    if shape.deviations {
        for &(second, step, kind, secs, inst) in &d.devs {
            let phase = usize::from(second && shape.cycle);
            let ids = &shape.step_ids[phase];
            let kind = match kind {
                0 => DeviationKind::Skip,
                1 => DeviationKind::Repeat,
                2 => DeviationKind::Delay { seconds: secs },
                3 => DeviationKind::SwapWithNext,
                _ => DeviationKind::WrongInstance {
                    instance: pick(&Instance::DATA, inst),
                },
            };
            // A runbook without steps has nothing to deviate from.
            let Some(id) = ids.get(step as usize % ids.len().max(1)) else {
                continue;
            };
            deviations.push(Deviation {
                phase,
                step: id.clone(),
                kind,
            });
        }
    }
    Scenario {
        name: case_name(seed),
        description: String::new(),
        seed,
        product: Default::default(),
        topology: TopologyParams {
            share: pick(&[Dc::Dc1, Dc::Dc2, Dc::Third], share),
            layout: if layout44 {
                Layout::FourPlusZero
            } else {
                Layout::TwoPlusTwo
            },
            witness,
            cms,
            mirror_seed_share: if seed_third { Dc::Third } else { Dc::Dc2 },
            compliance,
        },
        log_shipping: ls,
        workload: Workload {
            writes_per_minute: pick(&RATES, rate),
            ..Workload::default()
        },
        timing: Default::default(),
        assumptions: if shape.vary_assumptions {
            super::vary::draw(seed)
        } else {
            Default::default()
        },
        faults,
        phases,
        deviations,
        // Long enough for a new log backup to be taken, copied and restored after the end.
        liveness_within_s: 3600 + 3 * slowest,
        rto_target_s: None,
        rpo_target_s: None,
        expect: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The direct draw is proptest's, value for value, on 20,000 case seeds of campaigns
    /// (every arm: `None` and `Some`, every vector length).
    #[test]
    fn the_direct_draw_is_the_strategys() {
        let strat = strategy();
        let mut runner = runner();
        let (mut some, mut lens) = (0, [0; 4]);
        for i in 0..20_000u64 {
            let seed = super::super::campaign::case_seed(i % 7, i);
            let d = draw_direct(seed);
            assert_eq!(d, draw_with(&mut runner, &strat, seed), "seed {seed}");
            some += usize::from(d.topo.4.is_some());
            lens[d.extras.len()] += 1;
        }
        assert!(some > 9_000 && some < 11_000, "{some}");
        assert!(lens.iter().all(|&n| n > 4_000), "{lens:?}");
    }

    #[test]
    fn case_name_is_the_formatted_seed() {
        let mut r = sim::rng::Rng::child(7, 1);
        let seeds = [0, 1, 0xf, 0x10, u64::MAX, 0x0123_4567_89ab_cdef];
        for seed in seeds.into_iter().chain((0..1000).map(|_| r.next_u64())) {
            assert_eq!(case_name(seed), format!("fuzz-{seed:016x}"));
        }
    }
}
