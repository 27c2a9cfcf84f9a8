//! Synchronous mirroring with a witness: automatic failover, running exposed, loss of
//! quorum, resynchronization, and SET PARTNER OFF (sqlserver-semantics.md 5).

mod common;
use common::*;
use sim::fault::Fault;
use sim::outage::apply;
use sim::topology::{Db, Instance};
use sim::world::{DbState, MirrorRole, MirrorState};

fn down(w: &mut sim::world::World, i: Instance) {
    apply(w, &Fault::InstanceDown { instance: i });
}
fn up(w: &mut sim::world::World, i: Instance) {
    apply(w, &Fault::InstanceUp { instance: i });
}

#[test]
fn principal_lost_with_witness_fails_over_automatically_without_loss() {
    let mut w = world();
    at(&mut w, 600);
    let acked = w.acknowledged();
    down(&mut w, Instance::Primary);
    let m = w.db(Instance::Mirror, Db::Mgc);
    assert_eq!(m.role(), Some(MirrorRole::Principal));
    assert_eq!(m.state, DbState::Online);
    assert!(
        m.writes.contains_all(&acked),
        "synchronous mirror holds every acknowledged write"
    );
    assert!(w.coverage.mirror_took_over);
    assert!(
        w.serving(),
        "the pool keeps serving through the mirror (failover partner)"
    );
    assert_eq!(w.pool_target(), Instance::Mirror);
    // While it is down the old principal keeps its last role (database-mirroring-and-log-
    // shipping-sql-server.md: the former principal becomes the mirror when it rejoins).
    let p = w.db(Instance::Primary, Db::Mgc);
    assert_eq!(p.role(), Some(MirrorRole::Principal));
    assert!(!p.available);
    // It rejoins as mirror: SYNCHRONIZING first (mirroring-states-sql-server.md), then
    // SYNCHRONIZED at the next event, with every write of the new principal.
    at(&mut w, 1200);
    up(&mut w, Instance::Primary);
    let p = w.db(Instance::Primary, Db::Mgc);
    assert_eq!(p.role(), Some(MirrorRole::Mirror));
    assert_eq!(p.state, DbState::Restoring);
    assert_eq!(p.mirroring.unwrap().state, MirrorState::Synchronizing);
    at(&mut w, 1260);
    w.reconcile();
    let p = w.db(Instance::Primary, Db::Mgc);
    assert_eq!(p.mirroring.unwrap().state, MirrorState::Synchronized);
    assert_eq!(p.writes, w.db(Instance::Mirror, Db::Mgc).writes);
}

#[test]
fn principal_lost_without_witness_leaves_the_database_unavailable() {
    let mut w = sim::world::World::new(&scenario(r#"{"name":"t","topology":{"witness":false}}"#));
    down(&mut w, Instance::Primary);
    assert_eq!(
        w.db(Instance::Mirror, Db::Mgc).role(),
        Some(MirrorRole::Mirror)
    );
    assert!(!w.serving());
}

#[test]
fn mirror_lost_principal_runs_exposed() {
    let mut w = world();
    down(&mut w, Instance::Mirror);
    let p = w.db(Instance::Primary, Db::Mgc);
    assert!(p.available, "the witness gives the principal quorum");
    assert_eq!(p.mirroring.unwrap().state, MirrorState::Disconnected);
    // Writes now reach the principal only; the mirror catches up when it returns.
    at(&mut w, 300);
    assert!(w.db(Instance::Mirror, Db::Mgc).writes.len() < p_writes(&w));
    at(&mut w, 400);
    up(&mut w, Instance::Mirror);
    assert_eq!(
        w.db(Instance::Primary, Db::Mgc).mirroring.unwrap().state,
        MirrorState::Synchronizing
    );
    at(&mut w, 460);
    w.reconcile();
    assert_eq!(
        w.db(Instance::Mirror, Db::Mgc).writes,
        w.db(Instance::Primary, Db::Mgc).writes
    );
}

fn p_writes(w: &sim::world::World) -> u64 {
    w.db(Instance::Primary, Db::Mgc).writes.len()
}

#[test]
fn principal_and_mirror_down_lose_quorum_and_only_mirror_plus_witness_do_not_fail_over() {
    let mut w = world();
    down(&mut w, Instance::Mirror);
    down(&mut w, Instance::Primary);
    assert!(!w.serving());
    // The mirror returns and sees the witness, but it was not synchronized: no failover.
    up(&mut w, Instance::Mirror);
    assert_eq!(
        w.db(Instance::Mirror, Db::Mgc).role(),
        Some(MirrorRole::Mirror)
    );
    assert!(!w.serving());
    up(&mut w, Instance::Primary);
    assert!(w.serving());
}

#[test]
fn set_partner_off_leaves_the_mirror_restoring() {
    let mut w = world();
    act(
        &mut w,
        r#"{"kind":"remove_mirroring","instance":"primary","database":"mgc"}"#,
    )
    .unwrap();
    assert!(w.db(Instance::Primary, Db::Mgc).mirroring.is_none());
    assert_eq!(w.db(Instance::Primary, Db::Mgc).state, DbState::Online);
    let m = w.db(Instance::Mirror, Db::Mgc);
    assert!(m.mirroring.is_none());
    assert_eq!(m.state, DbState::Restoring);
    assert_eq!(
        err_no(act(
            &mut w,
            r#"{"kind":"remove_mirroring","instance":"primary","database":"mgc"}"#
        )),
        1416
    );
}
