//! The successor function and the breadth-first search.
//!
//! A state is the engine between two events ([`Stepper`]) plus what the search still may
//! do: faults left, heals pending, and whether a fault may still be placed at the next
//! event's second. From a state the successors are: play the next event; place a pending
//! heal; place one more fault of the window's alphabet. Faults are placed at the moment
//! before the next event, at its time, which is exactly how a scenario fault at that
//! second replays (`drill run` schedules scenario faults before every other event of the
//! same second), so every path is a scenario file: the root's scenario plus the placed
//! faults.
//!
//! In the reduced search with deviations, the event that starts a step some deviation plan
//! changes first is also played with that plan in place (one more successor per plan, in
//! the same transition: [`super::deviate`]); the plain search has a root per plan instead.
//!
//! The root's index is part of every state's key: two roots never share a state, so the
//! search over a set of roots is the union of the searches from each root, and sharding by
//! root (`--shard I/N`) merges into exactly the single-process result.

use super::alphabet::{self, Window};
use super::canon::Hasher;
use super::deviate::Deviations;
use super::frontier::Frontier;
use super::premise::{disaster_at, Bound, Root};
use super::visited::{Seen, Visited};
use crate::engine::{NextEvent, Options, Stepper};
use crate::fault::{Fault, Job};
use crate::invariants;
use crate::runbook::Runbook;
use crate::scenario::TimedFault;
use crate::world::Coverage;
use std::fmt::Write as _;

/// The `sometimes` properties reported as coverage ([`Coverage::NAMES`]).
pub const COVERAGE: [&str; 10] = Coverage::NAMES;

/// A shortest path to a property's violation.
#[derive(Clone, Debug, PartialEq)]
pub struct Found {
    /// Transitions from the root (events played, faults and heals placed).
    pub depth: u32,
    pub root: usize,
    /// The deviation plan chosen on the path (index into the root's [`Root::moves`]; 0:
    /// none, or the root's own plan in the plain search).
    pub plan: usize,
    /// The faults and heals placed, in order, as scenario faults.
    pub injected: Vec<TimedFault>,
}

/// What a search found.
#[derive(Clone, Debug, PartialEq)]
pub struct Outcome {
    pub roots: u64,
    /// States generated (every successor, before deduplication, and the roots).
    pub generated: u64,
    /// Distinct states.
    pub unique: u64,
    /// Distinct end states (the run's end played: liveness checked there).
    pub ends: u64,
    /// Runs cut by the engine's work budget (none in the shipped scenarios).
    pub cut: u64,
    /// The deepest level reached.
    pub depth: u32,
    /// Per invariant (invariants::all() order): a shortest violation.
    pub first: Vec<Option<Found>>,
    /// Per `sometimes` property ([`COVERAGE`]): end states reaching it.
    pub coverage: [u64; 10],
    /// Which budget stopped the search (None: it is complete). Nothing is certified then.
    pub stopped: Option<Stop>,
}

/// Where a search is, as its budget checks see it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Progress {
    /// The level being expanded.
    pub depth: u32,
    /// Distinct states so far.
    pub unique: u64,
}

/// What stopped a search before its end.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stop {
    /// More distinct states than `max_states`.
    States,
    /// The caller's memory budget (`watch`) said so.
    Memory,
}

impl Outcome {
    pub fn new(roots: u64) -> Outcome {
        Outcome {
            roots,
            generated: 0,
            unique: 0,
            ends: 0,
            cut: 0,
            depth: 0,
            first: vec![None; invariants::names().len()],
            coverage: [0; 10],
            stopped: None,
        }
    }

    /// Whether the search covered its whole bound (no budget stopped it).
    pub fn complete(&self) -> bool {
        self.stopped.is_none()
    }
}

/// A state of the search.
#[derive(Clone)]
pub struct Node<'a> {
    pub root: u32,
    /// Boxed: a node is moved several times per expansion, the engine is large.
    pub st: Box<Stepper<'a>>,
    faults_left: u32,
    /// Deviations the search may still choose (the reduced search; in the plain one the
    /// root's plan is fixed: 0). Not in the key: subsumption, as faults left.
    devs_left: u32,
    /// The plan chosen on this path (index into `moves`; 0: none).
    plan: u32,
    /// The deviation plans, when the search chooses them as transitions.
    moves: Option<&'a Deviations>,
    /// Inline: a node is cloned for every successor, and most hold a heal or two.
    heals: smallvec::SmallVec<[Fault; 2]>,
    injected: Injected,
    /// The second of the last event played that was not a scenario fault: no fault may be
    /// placed at that second any more (it would replay before that event).
    fence: Option<u64>,
    violated: u16,
    disaster_at: u64,
    /// Not a state: a fault the reduction postpones, placed only so that the invariants
    /// it would be checked against right away are checked (see [`postponable`]).
    probe: bool,
}

/// The faults and heals placed on a path, the last first, each link shared with the paths
/// that branched after it: a node is cloned for every successor, and its path is read only
/// for a counterexample.
#[derive(Clone, Default)]
struct Injected(Option<std::sync::Arc<(TimedFault, Injected)>>);

/// A successor with its key and what the deduplication reads of its engine, read while the
/// engine is still in the expanding thread's cache (by the time the deduplication gets to
/// it, a few hundred nodes later, it is not).
pub struct Child<'a> {
    pub node: Node<'a>,
    pub key: u128,
    /// The invariants violated so far (bit k: `invariants::all()`'s k-th).
    pub violated: u16,
    pub end: End,
}

/// Whether a state ends its run, and how.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum End {
    Not,
    /// Stopped by the engine's work budget.
    Cut,
    /// Ended, with the coverage flags it reached (bit k: `Coverage::flags()`'s k-th).
    Ended(u16),
}

impl End {
    fn of(st: &Stepper) -> End {
        if !st.done() {
            End::Not
        } else if st.exceeded().is_some() {
            End::Cut
        } else {
            End::Ended(bitmask(st.world().coverage.flags()))
        }
    }
}

fn mask(st: &Stepper) -> u16 {
    bitmask(st.violated())
}

/// Flags as the bits of a number, the k-th flag bit k (at most 16: the invariants and the
/// coverage flags are 10 or fewer).
fn bitmask(flags: impl IntoIterator<Item = bool>) -> u16 {
    flags
        .into_iter()
        .enumerate()
        .fold(0, |m, (k, on)| m | (u16::from(on) << k))
}

impl<'a> Node<'a> {
    pub fn root(i: usize, root: &'a Root, runbooks: &'a [Runbook], bound: Bound) -> Node<'a> {
        Node {
            root: i as u32,
            st: Box::new(
                Stepper::new(&root.scenario, runbooks, Options { record: false })
                    .without_step_records(),
            ),
            faults_left: bound.faults,
            devs_left: if root.moves.is_some() {
                bound.deviations
            } else {
                0
            },
            plan: 0,
            moves: root.moves.as_deref(),
            heals: smallvec::SmallVec::new(),
            injected: Injected::default(),
            fence: None,
            violated: 0,
            disaster_at: disaster_at(&root.scenario),
            probe: false,
        }
    }

    /// The canonical key: the root, the search's own state, the engine's state. With
    /// `reduce`, the faults left are not part of it (the visited set keeps the most any path
    /// reached the state with: subsumption) and the last fault's time only while it can
    /// still matter ([`Stepper::hash_schedule`]).
    pub fn key(&self, reduce: bool) -> u128 {
        let mut h = Hasher::new();
        let next = self.st.peek().map(|(t, _)| t);
        h.u64(u64::from(self.root));
        h.u64(if reduce {
            u64::MAX
        } else {
            u64::from(self.faults_left)
        });
        h.u64(self.heals.len() as u64);
        if reduce && self.heals.len() > 1 {
            // The pending heals as a set: faults placed at one moment in either order
            // leave the same heals to place (and, when they commute, the same world).
            let mut hs: Vec<u128> = self
                .heals
                .iter()
                .map(|f| {
                    let mut one = Hasher::new();
                    super::canon::fault(&mut one, f);
                    one.finish()
                })
                .collect();
            hs.sort_unstable();
            for f in hs {
                h.u128(f);
            }
        } else {
            for f in &self.heals {
                super::canon::fault(&mut h, f);
            }
        }
        h.bools(&[self.fence.is_some() && self.fence == next]);
        self.st.hash_schedule(&mut h, reduce);
        super::canon::world(
            &mut h,
            self.st.world(),
            reduce,
            reduce && self.st.measures_writes_ahead(),
            reduce && self.st.dc1_frozen(),
        );
        h.finish()
    }

    /// The same key from the engine's full canonical text (the world as its Debug text):
    /// slower, the reference the fast key is tested against.
    pub fn reference_key(&self, reduce: bool) -> u128 {
        let mut h = Hasher::new();
        let next = self.st.peek().map(|(t, _)| t);
        let mut heals: Vec<String> = self.heals.iter().map(|f| format!("{f:?}")).collect();
        if reduce {
            heals.sort_unstable();
        }
        let _ = write!(
            h,
            "{}|{}|{:?}|{}|",
            self.root,
            if reduce {
                "-".to_string()
            } else {
                self.faults_left.to_string()
            },
            heals,
            self.fence.is_some() && self.fence == next
        );
        let _ = if reduce {
            self.st.canonical_reduced(&mut h)
        } else {
            self.st.canonical(&mut h)
        };
        h.finish()
    }

    /// The faults and heals placed on this path, in order.
    pub fn injected(&self) -> Vec<TimedFault> {
        let mut out = Vec::new();
        let mut at = &self.injected;
        while let Some(link) = &at.0 {
            out.push(link.0.clone());
            at = &link.1;
        }
        out.reverse();
        out
    }

    /// Faults the search may still place on this path.
    pub fn faults_left(&self) -> u32 {
        self.faults_left
    }

    /// Deviations the search may still choose on this path (0 in the plain search).
    pub fn deviations_left(&self) -> u32 {
        self.devs_left
    }

    /// The deviation plan chosen on this path (index into the root's `moves`; 0: none).
    pub fn plan(&self) -> usize {
        self.plan as usize
    }

    fn window(&self) -> Option<Window> {
        alphabet::window(&self.st, self.disaster_at)
    }

    /// Play the next event (`kind`, at `t`); a changed plan goes back to the runbooks' own
    /// as soon as what is left of it is theirs.
    fn play(&mut self, kind: NextEvent, t: u64) {
        self.st.step();
        if kind != NextEvent::ScenarioFault {
            self.fence = Some(t);
        }
        if self.st.replanned() {
            if let Some(m) = self.moves {
                self.st.rebase(&m.own);
            }
        }
    }

    /// This node with `f` placed at `t` (the moment before the next event).
    fn placed(mut self, f: &Fault, t: u64) -> Node<'a> {
        self.st.inject(f);
        let placed = TimedFault {
            at_s: t,
            after_phase: None,
            fault: f.clone(),
        };
        let before = std::mem::take(&mut self.injected);
        self.injected = Injected(Some(std::sync::Arc::new((placed, before))));
        self
    }

    /// Every successor, in a fixed order: the next event, the next event with each
    /// deviation plan chosen there, each pending heal, each fault.
    pub fn successors(&self, bound: Bound) -> Vec<Node<'a>> {
        self.clone().into_successors(bound)
    }

    /// [`Self::successors`], reusing this node for the next event (one clone fewer).
    pub fn into_successors(self, bound: Bound) -> Vec<Node<'a>> {
        let mut out = Vec::new();
        self.successors_into(bound, &mut out);
        out
    }

    /// [`Self::into_successors`], appended to `out` (no vector of its own per node).
    pub fn successors_into(self, bound: Bound, out: &mut Vec<Node<'a>>) {
        let Some((t, kind)) = self.st.peek() else {
            return;
        };
        // A group of plans past its last one: the undeviated run goes on in the last group.
        if let Some(until) = self.moves.and_then(|m| m.undeviated_until) {
            if self.devs_left > 0 && self.st.earliest_start().is_none_or(|p| p > until) {
                return;
            }
        }
        let w = self.window();
        let may_place = w.is_some()
            && !matches!(kind, NextEvent::ScenarioFault | NextEvent::End)
            && self.fence != Some(t);
        let had_heals = !self.heals.is_empty();
        let wants_place = may_place && (had_heals || self.faults_left > 0);
        // The deviation plans that first leave the runbooks' own at the step this event
        // starts (the reduced search, while deviations are left).
        let start = self.st.next_start();
        let moves = self.moves;
        let deviate: &[u32] = match (moves, start) {
            (Some(m), Some(pos)) if self.devs_left > 0 => m.at(pos),
            _ => &[],
        };
        // The next event played; when faults are placed or deviations chosen here, on a
        // clone (the reduction looks at the moment after it).
        let (mut next, this) = if wants_place || !deviate.is_empty() {
            (self.clone(), Some(self))
        } else {
            (self, None)
        };
        let job = next.st.next_job();
        next.play(kind, t);
        // The same event with a deviation plan in place: kept only where the event started
        // the step the plan changes (not a retry or a stop: the plan is chosen again at
        // the step's next end).
        let mut deviated = Vec::new();
        if let (Some(this), Some(m), Some(pos)) =
            (&this, moves.filter(|_| !deviate.is_empty()), start)
        {
            let own_started = next.st.running_step() == Some(pos);
            for &r in deviate {
                let mut c = this.clone();
                c.st.replan(m.plans[r as usize].plans.clone());
                c.plan = r;
                c.devs_left = 0;
                c.st.step();
                if kind != NextEvent::ScenarioFault {
                    c.fence = Some(t);
                }
                // Before the rebase renumbers the step started.
                if own_started || c.st.running_step() == Some(pos) {
                    c.st.rebase(&m.own);
                    deviated.push(c);
                }
            }
        }
        let later = wants_place
            && bound.reduce
            && postpone_ok(kind, job, &next, w, t)
            && deviated.iter().all(|d| postpone_ok(kind, job, d, w, t));
        // A pending heal must be placed before its window closes.
        let heal_in_time = |n: &Node| !had_heals || (!n.st.done() && n.window() == w);
        if heal_in_time(&next) {
            out.push(next);
        }
        out.extend(deviated.into_iter().filter(|d| heal_in_time(d)));
        let Some(this) = this.filter(|_| wants_place) else {
            return;
        };
        // What is placed here, in the search's order; the last one takes `this` itself.
        enum Place {
            Heal(usize),
            Fault(Fault, Option<Fault>),
            Probe(Fault),
        }
        let mut places: smallvec::SmallVec<[Place; 24]> = smallvec::SmallVec::new();
        let mut probe = None;
        for (i, h) in this.heals.iter().enumerate() {
            if later && postponable(h, job) {
                probe.get_or_insert_with(|| h.clone());
            } else {
                places.push(Place::Heal(i));
            }
        }
        if this.faults_left > 0 {
            if let Some(w) = w {
                for (f, heal) in alphabet::faults(w, bound.beyond) {
                    if later && postponable(&f, job) {
                        probe.get_or_insert(f);
                    } else {
                        places.push(Place::Fault(f, heal));
                    }
                }
            }
        }
        // A postponed fault is still checked against the invariants where it was skipped
        // (placing it advances the workload to this second first): one probe suffices,
        // as every postponable fault leaves what the invariants read as it was.
        if let Some(f) = probe {
            places.push(Place::Probe(f));
        }
        let n = places.len();
        let mut this = Some(this);
        for (k, p) in places.into_iter().enumerate() {
            let base = if k + 1 == n {
                this.take().expect("taken once, last")
            } else {
                this.as_ref().expect("not taken yet").clone()
            };
            let c = match p {
                Place::Heal(i) => {
                    let h = base.heals[i].clone();
                    let mut c = base.placed(&h, t);
                    c.heals.remove(i);
                    c
                }
                Place::Fault(f, heal) => {
                    let mut c = base.placed(&f, t);
                    c.faults_left -= 1;
                    if let Some(h) = heal {
                        c.heals.push(h);
                    }
                    c
                }
                Place::Probe(f) => {
                    let mut c = base.placed(&f, t);
                    c.probe = true;
                    c
                }
            };
            out.push(c);
        }
    }
}

/// Faults that only set a flag no invariant, no step and no event but a run of the job
/// reads (`jobs::run`): the job failing or healed reads `job_failing[job]` in that job's run
/// only; the SQL Agent's rights are read by the copy job only.
fn postponable(f: &Fault, next_job: Option<usize>) -> bool {
    match f {
        Fault::JobFailing { job } | Fault::JobHealed { job } => next_job != Some(*job as usize),
        Fault::AgentRights { .. } => next_job != Some(Job::Copy as usize),
        _ => false,
    }
}

/// Whether a postponable fault placed before the event `kind` (job `job`) at `t` may
/// instead be placed at the next moment (before the event after it), reaching the same
/// state after that event (docs/explore.md, "Reductions"): the event is not a fault and
/// advances the workload (not the copy or restore job, which leave it for later), the
/// next moment is one a fault may be placed at in the same window (not the same second,
/// not a scenario fault or the end), and the event there advances the workload too (so
/// the workload is advanced over the same intervals either way).
fn postpone_ok(
    kind: NextEvent,
    job: Option<usize>,
    next: &Node,
    w: Option<Window>,
    t: u64,
) -> bool {
    let advances = |kind: NextEvent, job: Option<usize>| {
        matches!(
            kind,
            NextEvent::Step | NextEvent::PhaseStart | NextEvent::PhaseFault
        ) || (kind == NextEvent::Job && job == Some(Job::Backup as usize))
    };
    // The event passed over must not write what the fault writes: not a fault itself.
    if kind == NextEvent::PhaseFault || !advances(kind, job) || next.st.done() || next.window() != w
    {
        return false;
    }
    let Some((t2, kind2)) = next.st.peek() else {
        return false;
    };
    t2 != t && advances(kind2, next.st.next_job())
}

/// Ask the processor to start loading `bytes` at `p` into the cache. A hint only: it
/// reads nothing and never faults, whatever the address.
#[inline]
pub(super) fn prefetch(p: *const u8, bytes: usize) {
    #[cfg(target_arch = "x86_64")]
    for off in (0..bytes).step_by(64) {
        #[allow(unused_unsafe)]
        // SAFETY: a prefetch hint has no effect on memory (no read, no fault).
        unsafe {
            core::arch::x86_64::_mm_prefetch::<{ core::arch::x86_64::_MM_HINT_T0 }>(
                p.wrapping_add(off).cast::<i8>(),
            );
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = (p, bytes);
}

/// How far ahead a level's nodes are prefetched: a node's engine was made a level ago, and
/// with a frontier of megabytes each expansion otherwise first waits on memory for its 2 to
/// 3 KB and its vectors. The engine itself four nodes ahead; its vectors (whose addresses
/// are in the engine, loaded by then) two ahead; the backup files (whose address is in
/// their header, a vector of those) one ahead.
const PREFETCH_ENGINE: usize = 4;
const PREFETCH_HEAP: usize = 2;

/// Expand a level: each node's successors with their keys, in order (one vector for all).
pub fn expand_level<'a>(level: Vec<Node<'a>>, bound: Bound) -> Vec<Child<'a>> {
    let mut slots: Vec<Option<Node<'a>>> = level.into_iter().map(Some).collect();
    let engine = |n: &Node| (&*n.st as *const Stepper).cast::<u8>();
    for n in slots.iter().take(PREFETCH_ENGINE).flatten() {
        prefetch(engine(n), size_of::<Stepper>());
    }
    let mut out = Vec::with_capacity(slots.len() * 2);
    // One node's successors at a time, the vector reused.
    let mut succ = Vec::new();
    for i in 0..slots.len() {
        if let Some(Some(n)) = slots.get(i + PREFETCH_ENGINE) {
            prefetch(engine(n), size_of::<Stepper>());
        }
        if let Some(Some(n)) = slots.get(i + PREFETCH_HEAP) {
            n.st.heap_blocks(prefetch);
        }
        if let Some(Some(n)) = slots.get(i + 1) {
            let (at, bytes) = n.st.files_block();
            prefetch(at, bytes);
        }
        let n = slots[i].take().expect("each node expanded once");
        n.successors_into(bound, &mut succ);
        out.extend(succ.drain(..).map(|node| {
            let key = if node.probe {
                0
            } else {
                node.key(bound.reduce)
            };
            Child {
                violated: mask(&node.st),
                end: End::of(&node.st),
                node,
                key,
            }
        }));
    }
    out
}

/// Where a level's expansion delivers its successors: each call gets the successors of the
/// next `parents` nodes of the level, in order, and says whether to go on (false: the search
/// stopped at its state budget; the rest of the level is not wanted).
pub type Sink<'s, 'a> = dyn FnMut(usize, Vec<Child<'a>>) -> bool + 's;

/// A level's expansion: every node's successors with their keys, delivered to the sink in
/// level order, in runs of consecutive nodes that never straddle a multiple of [`CHUNK`]
/// (the harness runs it on threads, several runs ahead of the sink).
pub type Expand<'e, 'a> = dyn Fn(Frontier<Node<'a>>, &mut Sink<'_, 'a>) + Sync + 'e;

/// [`Expand`] on one thread.
pub fn expand_serial<'a>(level: Frontier<Node<'a>>, bound: Bound, sink: &mut Sink<'_, 'a>) {
    let mut rest = level.into_iter();
    loop {
        let chunk: Vec<Node<'a>> = rest.by_ref().take(RUN).collect();
        let n = chunk.len();
        if n == 0 || !sink(n, expand_level(chunk, bound)) {
            return;
        }
    }
}

/// Breadth-first search from `roots`, at most `max_states` distinct states, and stopped
/// when `watch` returns true: it is called with the search's progress where the state
/// budget is checked, at each level and every [`CHUNK`] nodes (the harness shows the
/// progress and checks its memory budget there). `map` expands
/// a level (in order; the harness runs it on threads): pass
/// `&|l, sink| expand_serial(l, bound, sink)` for one thread. The result does not depend on
/// `map`'s parallelism: deduplication and recording happen here, in level order.
pub fn explore<'a>(
    roots: &'a [Root],
    runbooks: &'a [Runbook],
    bound: Bound,
    max_states: u64,
    watch: &dyn Fn(Progress) -> bool,
    only: &dyn Fn(usize) -> bool,
    map: &Expand<'_, 'a>,
) -> Outcome {
    let mut out = Outcome::new(0);
    let mut seen = Visited::new();
    // Under subsumption a state is known with the faults and deviations left of every
    // path that reached it (visited.rs); without reduction the faults left are in the key
    // (the deviations in the root) and the value is unused.
    let left = |n: &Node| {
        if bound.reduce {
            (n.faults_left, n.devs_left)
        } else {
            (0, 0)
        }
    };
    let mut level = Frontier::new();
    for (i, r) in roots.iter().enumerate() {
        if !only(i) {
            continue;
        }
        out.roots += 1;
        let n = Node::root(i, r, runbooks, bound);
        out.generated += 1;
        let (f, d) = left(&n);
        if seen.insert(n.key(bound.reduce), f, d) != Seen::Covered {
            out.unique += 1;
            level.push(n);
        }
    }
    let budget = |p: Progress| {
        if p.unique > max_states {
            Some(Stop::States)
        } else if watch(p) {
            Some(Stop::Memory)
        } else {
            None
        }
    };
    let progress = |out: &Outcome, depth: u32| Progress {
        depth,
        unique: out.unique,
    };
    let mut depth = 0u32;
    while !level.is_empty() {
        if let Some(stop) = budget(progress(&out, depth)) {
            out.stopped = Some(stop);
            break;
        }
        let mut next = Frontier::new();
        // The level is taken a chunk at a time, in order, each chunk's successors
        // deduplicated as they come: the same result as the whole level at once, with at
        // most a few chunks' duplicates in memory, and a stop at --max-states at the same
        // chunk boundary however the expansion is split.
        let total = level.len();
        let mut taken = 0usize;
        let mut stopped = false;
        map(level, &mut |parents, children| {
            // The table's slots for these keys, loading while the first are inserted.
            for c in &children {
                seen.prefetch(c.key);
            }
            for Child {
                mut node,
                key,
                violated: m,
                end,
            } in children
            {
                if !node.probe {
                    out.generated += 1;
                }
                // A successor still carries its parent's violations.
                let new = m & !node.violated;
                node.violated = m;
                if new != 0 {
                    for (k, first) in out.first.iter_mut().enumerate() {
                        if new & (1 << k) != 0 && first.is_none() {
                            *first = Some(Found {
                                depth: depth + 1,
                                root: node.root as usize,
                                plan: node.plan as usize,
                                injected: node.injected(),
                            });
                        }
                    }
                }
                if node.probe {
                    continue;
                }
                let (f, d) = left(&node);
                if seen.insert(key, f, d) == Seen::Covered {
                    continue;
                }
                out.unique += 1;
                out.depth = depth + 1;
                match end {
                    End::Not => next.push(node),
                    End::Cut => out.cut += 1,
                    End::Ended(flags) => {
                        out.ends += 1;
                        for (k, c) in out.coverage.iter_mut().enumerate() {
                            *c += u64::from(flags >> k & 1);
                        }
                    }
                }
            }
            taken += parents;
            if taken.is_multiple_of(CHUNK) || taken == total {
                if let Some(stop) = budget(progress(&out, depth)) {
                    out.stopped = Some(stop);
                    stopped = true;
                }
            }
            !stopped
        });
        if stopped {
            break;
        }
        level = next;
        depth += 1;
    }
    out
}

/// Nodes between two checks of the state budget.
pub const CHUNK: usize = 1 << 14;

/// Nodes a serial expansion expands before their successors are deduplicated: few enough
/// that the successors are still in the cache then (a quarter of a megabyte of engines, a
/// little more with their vectors). Divides [`CHUNK`].
pub const RUN: usize = 64;
const _: () = assert!(CHUNK.is_multiple_of(RUN));

/// The scenario a found path stands for: the root's scenario plus the deviations chosen
/// and the placed faults.
pub fn counterexample(roots: &[Root], f: &Found) -> crate::scenario::Scenario {
    let root = &roots[f.root];
    let mut s = root.scenario.clone();
    if let Some(m) = &root.moves {
        s.deviations
            .extend(m.plans[f.plan].deviations.iter().cloned());
    }
    s.faults.extend(f.injected.iter().cloned());
    s
}

/// The deviations of a found path, in words ("none", "skip F2").
pub fn deviations_text(roots: &[Root], f: &Found) -> String {
    let root = &roots[f.root];
    match &root.moves {
        Some(m) => m.plans[f.plan].text.clone(),
        None => root.deviations.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::explore::premise::PlanGroups;

    /// A path's faults and heals come back in the order they were placed, each at its
    /// moment, and a branch's placements after it left leave the path it left as it was
    /// (the links before the branch are shared, not copied).
    #[test]
    fn a_path_keeps_its_faults_in_order_and_a_branch_its_own() {
        let root = Root {
            scenario: serde_json::from_str(r#"{"name":"t"}"#).unwrap(),
            premise: String::new(),
            deviations: String::new(),
            moves: None,
        };
        let bound = Bound {
            faults: 3,
            deviations: 0,
            beyond: false,
            reduce: true,
            plan_roots: false,
            plan_groups: PlanGroups::One,
        };
        let at = |n: &Node| -> Vec<(u64, Fault)> {
            n.injected()
                .into_iter()
                .map(|f| (f.at_s, f.fault))
                .collect()
        };
        let n = Node::root(0, &root, &[], bound);
        assert!(n.injected().is_empty());
        let a = n.placed(&Fault::LinkDown, 10).placed(&Fault::ShareDown, 20);
        let b = a.clone().placed(&Fault::LinkUp, 30);
        let c = a.clone().placed(&Fault::ShareUp, 40);
        assert_eq!(at(&a), [(10, Fault::LinkDown), (20, Fault::ShareDown)]);
        assert_eq!(
            at(&b),
            [
                (10, Fault::LinkDown),
                (20, Fault::ShareDown),
                (30, Fault::LinkUp)
            ]
        );
        assert_eq!(
            at(&c),
            [
                (10, Fault::LinkDown),
                (20, Fault::ShareDown),
                (40, Fault::ShareUp)
            ]
        );
    }
}
