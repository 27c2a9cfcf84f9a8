//! What each fault or heal does to the world.

use crate::fault::Fault;
use crate::topology::{server_dc, Db, Dc, Instance, SERVER_COUNT};
use crate::world::*;

pub fn apply(w: &mut World, f: &Fault) {
    use Fault::*;
    match f {
        InstanceDown { instance } => w.inst_mut(*instance).up = false,
        InstanceUp { instance } => {
            if w.dc_is_up(instance.dc()) {
                w.inst_mut(*instance).up = true;
            }
        }
        DcDown { dc } => set_dc(w, *dc, false),
        DcUp { dc } => set_dc(w, *dc, true),
        Dc1Rebuilt { mirrored } => {
            w.used.note(crate::assumptions::Name::Dc1Rebuilt);
            rebuild_dc1(w, *mirrored)
        }
        LinkDown => w.link_up = false,
        LinkUp => w.link_up = true,
        ShareDown => w.share_up = false,
        ShareUp => w.share_up = true,
        ShareFull => w.share_full = true,
        ShareFreed => w.share_full = false,
        ShareLost => {
            for f in w.files.iter_mut() {
                f.on_share = FileState::Absent;
            }
        }
        JobFailing { job } => w.job_failing[*job as usize] = true,
        JobHealed { job } => w.job_failing[*job as usize] = false,
        AgentRights {
            share_read,
            copy_write,
        } => {
            w.agent_share_read = *share_read;
            w.agent_copy_write = *copy_write;
        }
        LogFileUnreadable { newest } => {
            if let Some(f) = nth_newest_log(w, *newest) {
                f.on_share = FileState::Unreadable;
            }
        }
        LogFileMissing { newest } => {
            if let Some(f) = nth_newest_log(w, *newest) {
                f.on_share = FileState::Absent;
            }
        }
        DiskFull { instance } => w.inst_mut(*instance).disk_full = true,
        DiskFreed { instance } => w.inst_mut(*instance).disk_full = false,
        CmsDown => w.cms_up = false,
        CmsUp => w.cms_up = true,
        CmsFailover { to } => {
            if w.dc_is_up(*to) {
                w.cms_dc = *to;
                w.cms_up = true;
            }
        }
    }
    w.reconcile_after(touched(f));
}

/// What a fault may change of what `World::reconcile` reads.
fn touched(f: &Fault) -> Touched {
    use Fault::*;
    match f {
        ShareDown
        | ShareUp
        | ShareFull
        | ShareFreed
        | ShareLost
        | JobFailing { .. }
        | JobHealed { .. }
        | AgentRights { .. }
        | LogFileUnreadable { .. }
        | LogFileMissing { .. } => Touched::Nothing,
        DiskFull { .. } | DiskFreed { .. } | CmsDown | CmsUp | CmsFailover { .. } => {
            Touched::Servers
        }
        InstanceDown { .. }
        | InstanceUp { .. }
        | DcDown { .. }
        | DcUp { .. }
        | Dc1Rebuilt { .. }
        | LinkDown
        | LinkUp => Touched::Copies,
    }
}

fn nth_newest_log(w: &mut World, n: u32) -> Option<&mut BackupFile> {
    w.files
        .iter_mut()
        .rev()
        .filter(|f| f.kind == BackupKind::Log && f.on_share != FileState::Absent)
        .nth(n as usize)
}

fn set_dc(w: &mut World, dc: Dc, up: bool) {
    w.set_dc_up(dc, up);
    for i in Instance::ALL {
        if i.dc() == dc {
            w.inst_mut(i).up = up;
        }
    }
    for n in 0..SERVER_COUNT {
        if server_dc((n + 1) as u8) == dc {
            let s = &mut w.servers_mut()[n];
            s.up = up;
            if up {
                s.service = true;
            }
        }
    }
}

/// Failback assumptions: DC1's servers rebuilt, mgc and mgccomp reinstalled by Topology
/// Builder (empty, a new database), the old log-shipping configuration gone.
fn rebuild_dc1(w: &mut World, mirrored: bool) {
    set_dc(w, Dc::Dc1, true);
    let origin = w.new_origin();
    let mut mgc = DbCopy::fresh_online(origin);
    mgc.has_full_backup = true;
    let mut mirror = DbCopy::absent();
    if mirrored {
        mgc.mirroring = Some(Mirroring::new(
            MirrorRole::Principal,
            Instance::Mirror,
            w.witness_configured,
        ));
        mirror = mgc.clone();
        mirror.state = DbState::Restoring;
        mirror.mirroring = Some(Mirroring::new(
            MirrorRole::Mirror,
            Instance::Primary,
            w.witness_configured,
        ));
    }
    let comp = DbCopy::fresh_online(origin);
    for (i, dbs) in [
        (Instance::Primary, [mgc, comp]),
        (Instance::Mirror, [mirror, DbCopy::absent()]),
    ] {
        let inst = w.inst_mut(i);
        inst.dbs = dbs;
        inst.ls_primary = None;
        inst.ls_secondary = None;
        inst.disk_full = false;
    }
    *w.db_mut(Instance::Witness, Db::Mgc) = DbCopy::absent();
    if w.share_dc == Dc::Dc1 {
        for f in w.files.iter_mut() {
            f.on_share = FileState::Absent;
        }
    }
}
