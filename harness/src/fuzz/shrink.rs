//! A deterministic, deletion-first shrinker over a scenario: drop deviations, then a fault
//! with its heal, then orphan heals, then reset parameters to their defaults, and repeat
//! while anything still helps. Every candidate is a valid scenario.

use sim::engine::{self, Options};
use sim::fault::Fault;
use sim::runbook::Runbook;
use sim::scenario::{LogShippingParams, Scenario, TopologyParams, Workload};

/// Whether `h` heals `f` (the pairs the generator makes).
fn heals(f: &Fault, h: &Fault) -> bool {
    use Fault::*;
    match (f, h) {
        (InstanceDown { instance: a }, InstanceUp { instance: b }) => a == b,
        (DcDown { dc: a }, DcUp { dc: b }) => a == b,
        (LinkDown, LinkUp) | (ShareDown, ShareUp) | (CmsDown, CmsUp) => true,
        (JobFailing { job: a }, JobHealed { job: b }) => a == b,
        (DiskFull { instance: a }, DiskFreed { instance: b }) => a == b,
        (AgentRights { .. }, AgentRights { .. }) => h.is_heal(),
        _ => false,
    }
}

/// The disaster and the rebuild are what the runbooks are for: without them a runbook
/// fails on a healthy system, which says nothing.
fn premise(f: &Fault) -> bool {
    matches!(
        f,
        Fault::DcDown {
            dc: sim::topology::Dc::Dc1
        } | Fault::Dc1Rebuilt { .. }
    )
}

pub struct Shrunk {
    pub scenario: Scenario,
    pub runs: u32,
}

pub fn shrink(s: &Scenario, runbooks: &[Runbook], invariant: &str) -> Shrunk {
    let mut runs = 0u32;
    let mut fails = |c: &Scenario| {
        runs += 1;
        engine::run(c, runbooks, Options { record: false })
            .invariants
            .iter()
            .any(|v| v.name == invariant && !v.holds)
    };
    let mut best = s.clone();
    loop {
        let mut changed = false;
        let mut i = 0;
        while i < best.deviations.len() {
            let mut c = best.clone();
            c.deviations.remove(i);
            if fails(&c) {
                best = c;
                changed = true;
            } else {
                i += 1;
            }
        }
        let mut i = 0;
        while i < best.faults.len() {
            // A heal goes only with its fault: an unhealed fault is another scenario.
            let f = &best.faults[i].fault;
            if premise(f) || (f.is_heal() && best.faults[..i].iter().any(|g| heals(&g.fault, f))) {
                i += 1;
                continue;
            }
            let mut c = best.clone();
            let f = c.faults.remove(i).fault;
            if !f.is_heal() {
                if let Some(j) = c.faults[i..].iter().position(|h| heals(&f, &h.fault)) {
                    c.faults.remove(i + j);
                }
            }
            if fails(&c) {
                best = c;
                changed = true;
            } else {
                i += 1;
            }
        }
        for c in simpler_params(&best) {
            if fails(&c) {
                best = c;
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    Shrunk {
        scenario: best,
        runs,
    }
}

/// One candidate per parameter that differs from its default, set back to the default.
fn simpler_params(s: &Scenario) -> Vec<Scenario> {
    let mut out = Vec::new();
    let (t0, l0, w0) = (
        TopologyParams::default(),
        LogShippingParams::default(),
        Workload::default(),
    );
    macro_rules! try_field {
        ($($part:ident . $f:ident from $d:ident),*) => {$(
            if s.$part.$f != $d.$f {
                let mut c = s.clone();
                c.$part.$f = $d.$f.clone();
                if c.validate().is_ok() {
                    out.push(c);
                }
            }
        )*};
    }
    try_field!(
        topology.share from t0, topology.layout from t0, topology.witness from t0,
        topology.cms from t0, topology.mirror_seed_share from t0, topology.compliance from t0,
        log_shipping.backup_interval_s from l0, log_shipping.copy_interval_s from l0,
        log_shipping.restore_interval_s from l0, log_shipping.copy_offset_s from l0,
        log_shipping.restore_offset_s from l0, log_shipping.retention_s from l0,
        workload.writes_per_minute from w0
    );
    out
}
