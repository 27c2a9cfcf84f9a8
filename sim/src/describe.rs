//! Timeline sentences: what a fault or a step's effect means, in the domain's words.

use crate::fault::Fault;
use crate::steps::Effect;
use crate::world::World;

pub fn describe_fault(f: &Fault) -> String {
    use Fault::*;
    match f {
        InstanceDown { instance } => format!("instance {instance} crashes"),
        InstanceUp { instance } => format!("instance {instance} restarts"),
        DcDown { dc } => format!("{dc} total outage (instances, chat servers, Front End)"),
        DcUp { dc } => format!("{dc} power restored: everything restarts as it was"),
        Dc1Rebuilt { mirrored } => format!("DC1 rebuilt: servers reinstalled, mgc and mgccomp recreated empty by Topology Builder{}", if *mirrored { ", mirrored" } else { "" }),
        LinkDown => "inter-DC link partitioned".into(),
        LinkUp => "inter-DC link restored".into(),
        ShareDown => "backup share unreachable".into(),
        ShareUp => "backup share reachable again".into(),
        ShareLost => "backup share's files lost".into(),
        ShareFull => "backup share's disk full".into(),
        ShareFreed => "backup share's disk has room again".into(),
        JobFailing { job } => format!("job {job} starts failing"),
        JobHealed { job } => format!("job {job} healed"),
        AgentRights { share_read, copy_write } => format!("SQL Agent account on backup: share read {share_read}, copy-folder write {copy_write}"),
        LogFileUnreadable { newest } => format!("log backup #{newest} from the newest on the share becomes unreadable"),
        LogFileMissing { newest } => format!("log backup #{newest} from the newest on the share is deleted"),
        DiskFull { instance } => format!("disk full on {instance}"),
        DiskFreed { instance } => format!("disk space freed on {instance}"),
        CmsDown => "CMS unreachable".into(),
        CmsUp => "CMS reachable again".into(),
        CmsFailover { to } => format!("CMS failed over to {to} (Front End DR)"),
    }
}

pub fn describe_effect(e: &Effect, w: &World) -> String {
    use Effect::*;
    let name = |id: &u32| {
        w.files
            .get(*id as usize - 1)
            .map(|f| f.file_name())
            .unwrap_or_default()
    };
    match e {
        SecondaryRemoved { instance } => format!("log-shipping secondary configuration, copy and restore jobs removed on {instance}; mgc stays RESTORING"),
        FilesCopied { files } => format!("{files} file(s) copied from the share to the copy folder"),
        LogsRestored { files, skipped, redo_lsn } => format!("{files} log backup(s) restored WITH NORECOVERY ({skipped} skipped as already applied or empty); redo LSN {redo_lsn}"),
        Recovered { instance, lsn } => format!("mgc on {instance} is ONLINE at LSN {lsn}"),
        TailBackedUp { file } => format!("tail-log backup {} written; the database is RESTORING", name(file)),
        PoolStateSet { state } => format!("pool state is {state}; servers follow it"),
        MirrorInstalled { principal, mirror } => format!("mgc on {principal} mirrored to {mirror} (SYNCHRONIZED)"),
        ActiveServersSet { active } => format!("active servers: {}", if active.is_empty() { "none".into() } else { active.iter().map(|n| format!("pchat{n}")).collect::<Vec<_>>().join(", ") }),
        ServicesStopped { servers } => format!("Persistent Chat service stopped on {servers} server(s); their clients and sessions dropped"),
        ServicesStarted { servers } => format!("Persistent Chat service started on {servers} server(s)"),
        CmsFailedOver { to } => format!("CMS now served from {to}"),
        MirroringRemoved { instance, database } => format!("mirroring removed from {database} on {instance}; the old mirror copy stays RESTORING"),
        FullBackupTaken { file, lsn } => format!("full backup {} written to the share at LSN {lsn}", name(file)),
        FullRestored { instance, file, recovery } => format!("{} restored on {instance} {}", name(file), if *recovery { "WITH RECOVERY: ONLINE" } else { "WITH NORECOVERY: RESTORING" }),
        LogShippingConfigured { primary, secondary, file } => format!("log shipping {primary} -> {secondary} configured; secondary initialized from {}", name(file)),
        PrimaryConfigRemoved { instance } => format!("log-shipping primary configuration removed on {instance}"),
        Waited { seconds } => format!("waited {seconds} s"),
    }
}
