//! The state of the back end at one moment: instances and their database copies, backup
//! files and where they are, log-shipping configuration, the pool, the chat servers, the
//! network and the workload's acknowledged writes (model.md "State the model keeps").

use crate::assumptions::{Assumptions, InactiveServerSession, MirrorLogShippingConfig, Name, Used};
use crate::files::Files;
use crate::instances::Instances;
use crate::lsn::Lsn;
use crate::ranges::RangeSet;
use crate::scenario::Scenario;
use crate::topology::{server_dc, Db, Dc, Instance, PoolState, SERVER_COUNT};
use serde::Serialize;

/// LSN distance of one chat write in the log (the log is compared, never measured).
pub const LSN_PER_WRITE: u128 = 100_000;
/// Log records a backup itself adds (so a log backup is never empty by accident).
pub const LSN_PER_BACKUP: u128 = 1;
/// The LSN where the original mgc starts (a real 23-digit LSN from the fixtures).
pub const LSN_ORIGIN: u128 = 17_126_658_000_000_314_600_037;
/// Distance between the origins of two databases created apart (`World::new_origin`).
pub const FAMILY_SPAN: u128 = 1_000_000_000_000_000;

/// The database family (recovery-fork lineage) an LSN belongs to: each newly created
/// database starts at its own origin, FAMILY_SPAN apart, and never writes that far.
pub fn family(lsn: Lsn) -> u128 {
    lsn.0 / FAMILY_SPAN
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum DbState {
    /// No database of that name on the instance.
    Absent,
    Online,
    Restoring,
    /// RESTORE ... WITH STANDBY: read-only between log restores (log shipping restore_mode 1).
    Standby,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum MirrorRole {
    Principal,
    Mirror,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum MirrorState {
    Synchronized,
    /// The partners are connected again and the mirror is catching up
    /// (mirroring-states-sql-server.md); no automatic failover until SYNCHRONIZED.
    Synchronizing,
    /// Partner lost: a principal "running exposed".
    Disconnected,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Mirroring {
    pub role: MirrorRole,
    pub partner: Instance,
    /// A witness is configured (only the DC1 session has one, if the topology says so).
    pub witness: bool,
    pub state: MirrorState,
    /// This copy was principal when its partner took over while it was down: it keeps its
    /// last role (instances keep their role across restarts) and takes the mirror role only
    /// when it rejoins its partner (database-mirroring-and-log-shipping-sql-server.md).
    pub former_principal: bool,
    /// When SYNCHRONIZING began (simulated seconds).
    pub since: u64,
}

impl Mirroring {
    pub fn new(role: MirrorRole, partner: Instance, witness: bool) -> Mirroring {
        Mirroring {
            role,
            partner,
            witness,
            state: MirrorState::Synchronized,
            former_principal: false,
            since: 0,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DbCopy {
    pub state: DbState,
    /// End of log when ONLINE; the redo point R when RESTORING.
    pub lsn: Lsn,
    /// Every write this copy holds.
    pub writes: RangeSet,
    /// Writes not yet in a log backup (principal only).
    pub unbacked: RangeSet,
    /// Where the next log backup begins.
    pub log_backup_from: Lsn,
    /// A full backup exists since the database was (re)created or recovered (else 4214).
    pub has_full_backup: bool,
    pub mirroring: Option<Mirroring>,
    /// Whether the copy can take connections now (ONLINE, not a mirror, has quorum).
    pub available: bool,
}

impl DbCopy {
    pub fn absent() -> Self {
        DbCopy {
            state: DbState::Absent,
            lsn: Lsn::ZERO,
            writes: RangeSet::new(),
            unbacked: RangeSet::new(),
            log_backup_from: Lsn::ZERO,
            has_full_backup: false,
            mirroring: None,
            available: false,
        }
    }

    pub fn fresh_online(lsn: Lsn) -> Self {
        DbCopy {
            state: DbState::Online,
            lsn,
            log_backup_from: lsn,
            ..DbCopy::absent()
        }
    }

    pub fn role(&self) -> Option<MirrorRole> {
        self.mirroring.map(|m| m.role)
    }
}

/// Log-shipping configuration on a primary (msdb.log_shipping_primary_databases).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct LsPrimary {
    pub database: Db,
    pub backup_job_enabled: bool,
}

/// Log-shipping configuration on a secondary (msdb.log_shipping_secondary_databases and
/// log_shipping_monitor_secondary).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct LsSecondary {
    pub database: Db,
    pub primary: Instance,
    pub last_copied_file: Option<u32>,
    pub last_restored_file: Option<u32>,
    /// Minutes between the log backup's creation and its restore, as msdb reports it.
    pub last_restored_latency_min: Option<u64>,
}

#[derive(Clone, Debug)]
pub struct SqlInstance {
    pub up: bool,
    pub disk_full: bool,
    pub dbs: [DbCopy; 2],
    pub ls_primary: Option<LsPrimary>,
    pub ls_secondary: Option<LsSecondary>,
}

impl SqlInstance {
    pub fn db(&self, db: Db) -> &DbCopy {
        &self.dbs[db.index()]
    }
    pub fn db_mut(&mut self, db: Db) -> &mut DbCopy {
        &mut self.dbs[db.index()]
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum BackupKind {
    Full,
    Log,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FileState {
    Absent,
    Readable,
    Unreadable,
}

#[derive(Clone, Debug)]
pub struct BackupFile {
    pub id: u32,
    pub database: Db,
    pub kind: BackupKind,
    pub first_lsn: Lsn,
    pub last_lsn: Lsn,
    pub checkpoint_lsn: Lsn,
    pub database_backup_lsn: Lsn,
    pub created_at: u64,
    pub source: Instance,
    pub writes: RangeSet,
    pub on_share: FileState,
    pub in_copy_folder: FileState,
}

impl BackupFile {
    pub fn file_name(&self) -> String {
        match self.kind {
            BackupKind::Full => format!("{}_full_{:04}.bak", self.database, self.id),
            BackupKind::Log => format!("{}_{:04}.trn", self.database, self.id),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct ChatServer {
    /// The machine is powered and running.
    pub up: bool,
    /// The Persistent Chat service is running on it.
    pub service: bool,
    /// In the active list (accepts new client connections).
    pub active: bool,
    /// Has client connections (kept when removed from the active list, gap 9).
    pub clients: bool,
    /// The pool state this server last read from the CMS.
    pub pool_state_seen: PoolState,
    /// The database copy (instance) it is connected to.
    pub conn: Option<Instance>,
    /// Not in the active list: the session it would hold on mgc if such a server keeps one
    /// (assumption `inactive_server_session`), whatever the setting.
    pub idle_conn: Option<Instance>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct AckSegment {
    pub first_write: u64,
    pub end_write: u64,
    pub t0: u64,
    pub t1: u64,
}

/// Coverage of interesting states (`sometimes` properties).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Coverage {
    pub backup_recovered: bool,
    pub mirror_took_over: bool,
    pub hit_4305: bool,
    pub hit_3101: bool,
    pub step_failed: bool,
    pub step_failed_then_succeeded: bool,
    pub split_brain: bool,
    pub failed_back: bool,
    pub writes_lost: bool,
    pub log_file_skipped: bool,
}

impl Coverage {
    /// The `sometimes` properties' names, in the order `drill fuzz` and `drill explore`
    /// report them (the order of [`Coverage::flags`]).
    pub const NAMES: [&'static str; 10] = [
        "backup_recovered",
        "mirror_took_over",
        "hit_4305",
        "hit_3101",
        "step_failed",
        "step_failed_then_succeeded",
        "split_brain",
        "failed_back",
        "writes_lost",
        "log_file_skipped",
    ];

    /// Which of [`Coverage::NAMES`] this run reached.
    pub fn flags(&self) -> [bool; 10] {
        [
            self.backup_recovered,
            self.mirror_took_over,
            self.hit_4305,
            self.hit_3101,
            self.step_failed,
            self.step_failed_then_succeeded,
            self.split_brain,
            self.failed_back,
            self.writes_lost,
            self.log_file_skipped,
        ]
    }
}

#[derive(Clone, Debug)]
pub struct World {
    pub now: u64,
    pub instances: Instances,
    pub files: Files,
    pub share_dc: Dc,
    pub share_up: bool,
    /// The share's disk is full: backups to it fail with 3202.
    pub share_full: bool,
    pub mirror_seed_share_dc: Dc,
    pub dc_up: [bool; 3],
    pub link_up: bool,
    pub cms_dc: Dc,
    pub cms_up: bool,
    pub pool_state: PoolState,
    pub servers: [ChatServer; SERVER_COUNT],
    pub fast_link: bool,
    pub witness_configured: bool,
    pub agent_share_read: bool,
    pub agent_copy_write: bool,
    pub job_failing: [bool; 3],
    /// Workload: next write number, rate, and when it was last advanced.
    pub next_write: u64,
    pub writes_per_minute: u64,
    pub advanced_to: u64,
    pub acks: Vec<AckSegment>,
    /// Writes acknowledged while the pool was FailedOver (for the failback invariant).
    pub acked_failed_over: RangeSet,
    /// Next LSN origin for a newly created database (a new database family).
    pub next_origin: u128,
    pub coverage: Coverage,
    /// Writing servers per instance, as of the last `reconcile` (the workload's split).
    pub(crate) writer_load: [u64; 5],
    /// The settings of the modelling assumptions, and those this run has depended on.
    pub assumptions: Assumptions,
    pub used: Used,
    /// Every file before this index is gone from both the share and the copy folder, for
    /// good (nothing brings a file back): where the jobs' scans start. A cache kept by the
    /// retention (`jobs`), not state: no rule reads it.
    pub(crate) live_from: usize,
    /// What the chat servers' loop of the last `reconcile` read ([`ServersInputs`]), while
    /// no step or fault has changed a server since (`servers_mut` forgets it): a cache, not
    /// state (no rule reads it). `reconcile` skips the loop when it is the same.
    pub(crate) servers_memo: Option<ServersInputs>,
}

/// What an event (a step or a fault) may have changed of what [`World::reconcile`] reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Touched {
    /// Nothing it reads: files, backup chains, log-shipping configuration, the jobs.
    Nothing,
    /// Only what the chat servers' loop reads: the servers, the pool state, the CMS, full
    /// disks.
    Servers,
    /// Anything: instances, data centers, the link, the database copies' states and
    /// mirroring.
    Copies,
}

/// What the servers' loop of `reconcile` depends on besides the servers themselves: where a
/// server of each data center connects per pool state, whether it reads the CMS, whether
/// its data center is up (the servers are in DC1 and DC2 only), the pool state, the full
/// disks and the `inactive_server_session` setting. Fifteen bytes, compared as they are
/// (equal inputs are equal fields; no packing into a key).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct ServersInputs {
    conn: [[Option<Instance>; 2]; 2],
    reads_cms: [bool; 2],
    dc_up: [bool; 2],
    pool_state: PoolState,
    disk_full: [bool; 5],
    closes: bool,
}

fn dc_index(dc: Dc) -> usize {
    match dc {
        Dc::Dc1 => 0,
        Dc::Dc2 => 1,
        Dc::Third => 2,
    }
}

impl World {
    /// Normal operation at t = 0: mgc principal on primary, mirrored synchronously (with the
    /// witness if configured), log-shipped to backup (RESTORING) through the share.
    pub fn new(s: &Scenario) -> World {
        let origin = Lsn(LSN_ORIGIN);
        let witness = s.topology.witness;
        // The three copies of mgc start alike, with no writes yet (built, not cloned).
        let mgc = |state, has_full_backup, mirroring| DbCopy {
            state,
            has_full_backup,
            mirroring,
            ..DbCopy::fresh_online(origin)
        };
        let primary_mgc = mgc(
            DbState::Online,
            true,
            Some(Mirroring::new(
                MirrorRole::Principal,
                Instance::Mirror,
                witness,
            )),
        );
        let mirror_mgc = mgc(
            DbState::Restoring,
            true,
            Some(Mirroring::new(
                MirrorRole::Mirror,
                Instance::Primary,
                witness,
            )),
        );
        let backup_state = if s.log_shipping.standby {
            DbState::Standby
        } else {
            DbState::Restoring
        };
        let backup_mgc = mgc(backup_state, false, None);
        let comp = |on: bool| {
            if on && s.topology.compliance {
                DbCopy::fresh_online(Lsn(LSN_ORIGIN + 7))
            } else {
                DbCopy::absent()
            }
        };
        let inst = |mgc: DbCopy, comp: DbCopy| SqlInstance {
            up: true,
            disk_full: false,
            dbs: [mgc, comp],
            ls_primary: None,
            ls_secondary: None,
        };
        let ls_primary = Some(LsPrimary {
            database: Db::Mgc,
            backup_job_enabled: true,
        });
        let mut p = inst(primary_mgc, comp(true));
        p.ls_primary = ls_primary;
        // [C]: log shipping is also configured from the primary's mirror (first half only).
        let mut m = inst(mirror_mgc, DbCopy::absent());
        if s.assumptions.mirror_log_shipping_config == MirrorLogShippingConfig::Configured {
            m.ls_primary = ls_primary;
        }
        let w = inst(DbCopy::absent(), DbCopy::absent());
        let mut b = inst(backup_mgc, DbCopy::absent());
        b.ls_secondary = Some(LsSecondary {
            database: Db::Mgc,
            primary: Instance::Primary,
            last_copied_file: None,
            last_restored_file: None,
            last_restored_latency_min: None,
        });
        let bm = inst(DbCopy::absent(), DbCopy::absent());
        let initial = s.topology.layout.initial_active();
        // The servers as `reconcile`'s servers' loop leaves them at the start (worked out
        // here; checked in debug builds): every data center and the link are up, so each
        // server reads the CMS (Normal) and reaches mgc on the primary, the principal,
        // available. An active one has its clients and a session; one off the list has no
        // clients, the session it would hold, and keeps it unless the setting closes it.
        let closes = s.assumptions.inactive_server_session == InactiveServerSession::Closes;
        let servers = std::array::from_fn(|i| {
            let n = (i + 1) as u8;
            let active = initial.contains(&n);
            ChatServer {
                up: true,
                service: true,
                active,
                clients: active,
                pool_state_seen: PoolState::Normal,
                conn: (active || !closes).then_some(Instance::Primary),
                idle_conn: (!active).then_some(Instance::Primary),
            }
        });
        let mut world = World {
            now: 0,
            instances: Instances::new([p, m, w, b, bm]),
            files: Files::default(),
            share_dc: s.topology.share,
            share_up: true,
            share_full: false,
            mirror_seed_share_dc: s.topology.mirror_seed_share,
            dc_up: [true; 3],
            link_up: true,
            cms_dc: s.topology.cms,
            cms_up: true,
            pool_state: PoolState::Normal,
            servers,
            fast_link: s.topology.layout.fast_link(),
            witness_configured: witness,
            agent_share_read: s.log_shipping.agent_share_read,
            agent_copy_write: s.log_shipping.agent_copy_write,
            job_failing: [false; 3],
            next_write: 0,
            writes_per_minute: s.workload.writes_per_minute,
            advanced_to: 0,
            acks: Vec::new(),
            acked_failed_over: RangeSet::new(),
            next_origin: LSN_ORIGIN + FAMILY_SPAN,
            coverage: Coverage::default(),
            writer_load: [0; 5],
            assumptions: s.assumptions,
            used: Used::default(),
            live_from: 0,
            servers_memo: None,
        };
        // `reconcile`'s copies part, worked out: both mgc partners are up, connected and
        // SYNCHRONIZED (its mirroring part changes nothing), and the copies available are
        // the principal's mgc and, on the primary, mgccomp (ONLINE, not mirrored).
        for db in [Db::Mgc, Db::Mgccomp] {
            let c = world.db_mut(Instance::Primary, db);
            c.available = c.state == DbState::Online;
        }
        #[cfg(debug_assertions)]
        world.assert_copies_settled("the new world");
        // The writers are the active servers, on the primary; the loop notes nothing (no
        // server off the list has clients, none misses the pool state, no disk is full).
        world.writer_load[Instance::Primary.index()] =
            world.servers.iter().filter(|s| s.active).count() as u64;
        let inputs = world.servers_inputs();
        #[cfg(debug_assertions)]
        world.assert_servers_settled(&inputs, "the new world");
        world.servers_memo = Some(inputs);
        world
    }

    pub fn inst(&self, i: Instance) -> &SqlInstance {
        &self.instances[i.index()]
    }
    pub fn inst_mut(&mut self, i: Instance) -> &mut SqlInstance {
        &mut self.instances[i.index()]
    }
    pub fn db(&self, i: Instance, db: Db) -> &DbCopy {
        self.inst(i).db(db)
    }
    pub fn db_mut(&mut self, i: Instance, db: Db) -> &mut DbCopy {
        self.inst_mut(i).db_mut(db)
    }

    pub fn dc_is_up(&self, dc: Dc) -> bool {
        self.dc_up[dc_index(dc)]
    }
    pub fn set_dc_up(&mut self, dc: Dc, up: bool) {
        self.dc_up[dc_index(dc)] = up;
    }

    /// Whether something in `from` can talk to something in `to`.
    pub fn dcs_connected(&self, from: Dc, to: Dc) -> bool {
        if !self.dc_is_up(from) || !self.dc_is_up(to) {
            return false;
        }
        from == to || from == Dc::Third || to == Dc::Third || self.link_up
    }

    /// The instance is running and reachable from `from`.
    pub fn instance_reachable(&self, i: Instance, from: Dc) -> bool {
        self.inst(i).up && self.dcs_connected(from, i.dc())
    }

    pub fn share_reachable(&self, from: Dc) -> bool {
        self.share_up && self.dcs_connected(from, self.share_dc)
    }

    pub fn cms_reachable(&self) -> bool {
        self.cms_up && self.dc_is_up(self.cms_dc)
    }

    /// The instance serving mgc for a pool state: the principal of the mirroring pair
    /// (Persistent Chat's connection string names the failover partner).
    pub fn serving_instance(&self, state: PoolState) -> Instance {
        let (home, partner) = match state {
            PoolState::Normal => (Instance::Primary, Instance::Mirror),
            PoolState::FailedOver => (Instance::Backup, Instance::BackupMirror),
        };
        if self.db(partner, Db::Mgc).role() == Some(MirrorRole::Principal)
            && self.db(partner, Db::Mgc).mirroring.map(|m| m.partner) == Some(home)
        {
            partner
        } else {
            home
        }
    }

    /// The copy the pool (per the CMS) points at.
    pub fn pool_target(&self) -> Instance {
        self.serving_instance(self.pool_state)
    }

    /// Chat sessions on a database copy.
    pub fn sessions_on(&self, i: Instance) -> usize {
        self.servers.iter().filter(|s| s.conn == Some(i)).count()
    }

    /// Sessions on a copy for an exclusive-access check (3101), noting when only servers off
    /// the active list hold them: then the outcome rests on `inactive_server_session`.
    pub(crate) fn sessions_for_exclusive_access(&mut self, i: Instance) -> usize {
        let listed = self
            .servers
            .iter()
            .filter(|s| s.active && s.conn == Some(i))
            .count();
        if listed == 0 && self.servers.iter().any(|s| s.idle_conn == Some(i)) {
            self.used.note(Name::InactiveServerSession);
        }
        self.sessions_on(i)
    }

    /// Servers that write now: running, with clients, connected to a copy whose instance
    /// can still grow its log. On a full disk the database refuses writes (9002: "The
    /// transaction log ... is full"), so they are never acknowledged, hence never lost
    /// (mssqlserver-9002-database-engine-error.md).
    pub fn writers(&self) -> impl Iterator<Item = (usize, Instance)> + '_ {
        self.servers.iter().enumerate().filter_map(|(i, s)| {
            if s.up && s.service && s.clients {
                s.conn.filter(|c| !self.inst(*c).disk_full).map(|c| (i, c))
            } else {
                None
            }
        })
    }

    /// The pool serves: an active, running server is connected to mgc, so clients can
    /// connect. (Clients kept by a removed server may still write: see `writers`.) Inlined:
    /// it is asked after every fault and step.
    #[inline]
    pub fn serving(&self) -> bool {
        self.servers
            .iter()
            .any(|s| s.active && s.up && s.service && s.conn.is_some())
    }

    pub fn new_origin(&mut self) -> Lsn {
        let o = self.next_origin;
        self.next_origin += FAMILY_SPAN;
        Lsn(o)
    }

    /// Re-derive what follows from the facts: mirroring roles and quorum (automatic
    /// failover), availability, servers' view of the CMS and their connections.
    pub fn reconcile(&mut self) {
        self.reconcile_copies();
        self.reconcile_servers();
    }

    /// [`World::reconcile`] after an event that changed at most `touched` of what it reads,
    /// since the last `reconcile` (only the log-shipping jobs and the workload act between
    /// two events: they change files, writes and log points, never what `reconcile` reads).
    pub(crate) fn reconcile_after(&mut self, touched: Touched) {
        if touched == Touched::Copies || self.mirror_catching_up() {
            self.reconcile();
            return;
        }
        // The copies' part reads instances, data centers, the link, the witness and the
        // copies' states and mirroring, and time only for a mirror catching up: all as it
        // left them, and it is idempotent (checked in debug builds).
        #[cfg(debug_assertions)]
        self.assert_copies_settled("an event that touches no copy");
        if touched == Touched::Servers {
            self.reconcile_servers();
            return;
        }
        // No server changed and the servers' inputs are as the loop last read them: its
        // memo would skip it.
        #[cfg(debug_assertions)]
        {
            let inputs = self.servers_inputs();
            assert_eq!(
                self.servers_memo,
                Some(inputs),
                "the servers' inputs changed"
            );
            self.reconcile_servers();
        }
    }

    /// Debug builds: `reconcile_copies` would change no copy and note nothing new (`after`
    /// says where the world comes from).
    #[cfg(debug_assertions)]
    fn assert_copies_settled(&self, after: &str) {
        let mut again = self.clone();
        again.reconcile_copies();
        for (a, b) in again.instances.iter().zip(&self.instances) {
            assert_eq!(a.dbs, b.dbs, "after {after}, reconcile would change a copy");
        }
        assert_eq!(
            (again.coverage, again.used),
            (self.coverage, self.used),
            "after {after}, reconcile would note something new"
        );
    }

    /// Debug builds: the servers' loop, run on `inputs`, would change no server, note
    /// nothing new and find the writers as they are (`after` says where the servers come
    /// from).
    #[cfg(debug_assertions)]
    fn assert_servers_settled(&self, inputs: &ServersInputs, after: &str) {
        let (mut again, mut used) = (self.servers, self.used);
        let load = servers_pass(inputs, &mut again, &mut used);
        assert_eq!(
            (again, load, used),
            (self.servers, self.writer_load, self.used),
            "after {after}, the servers' loop would change the servers, the writers or the notes"
        );
    }

    /// A mirroring session is SYNCHRONIZING: `reconcile_mirroring` may find it caught up
    /// now that time has passed.
    fn mirror_catching_up(&self) -> bool {
        self.instances.iter().any(|i| {
            i.dbs[Db::Mgc.index()]
                .mirroring
                .is_some_and(|m| m.state == MirrorState::Synchronizing)
        })
    }

    /// Mirroring (automatic failover, quorum, resynchronization) and each copy's availability.
    fn reconcile_copies(&mut self) {
        self.reconcile_mirroring();
        for i in Instance::DATA {
            let up = self.inst(i).up && self.dc_is_up(i.dc());
            for db in [Db::Mgc, Db::Mgccomp] {
                let c = self.db(i, db);
                // Quorum last: only an online principal needs it (a pure check).
                let available = up
                    && c.state == DbState::Online
                    && c.role() != Some(MirrorRole::Mirror)
                    && !c.mirroring.is_some_and(|m| m.former_principal)
                    && self.has_quorum(i, db);
                // Written only when it changes: a write takes the instance for this world
                // alone and forgets its hash (`Instances`).
                if c.available != available {
                    self.db_mut(i, db).available = available;
                }
            }
        }
    }

    /// The chat servers: their view of the CMS, their connections and the writers.
    fn reconcile_servers(&mut self) {
        let inputs = self.servers_inputs();
        if self.servers_memo == Some(inputs) {
            // The loop is idempotent: run again with the same inputs on the servers as it
            // left them, it changes nothing and notes no assumption it has not noted, and
            // the writers are those of its last run (checked in debug builds).
            #[cfg(debug_assertions)]
            self.assert_servers_settled(&inputs, "its last run");
            return;
        }
        self.writer_load = servers_pass(&inputs, &mut self.servers, &mut self.used);
        self.servers_memo = Some(inputs);
    }

    /// What the servers' loop reads of the world. (Inlined: out of line, the call cost each
    /// `reconcile` about 30 instructions.)
    #[inline(always)]
    fn servers_inputs(&self) -> ServersInputs {
        let cms = self.cms_reachable();
        // Nothing below changes an instance, a role or availability: where a server would
        // connect depends only on the pool state it read and its data center, and whether it
        // reads the CMS and its data center is up only on the data center. Worked out once
        // per data center (and pool state) instead of once per server.
        let conn_for = |w: &World, state: PoolState| {
            let target = w.serving_instance(state);
            let available = w.db(target, Db::Mgc).available;
            [Dc::Dc1, Dc::Dc2]
                .map(|dc| (available && w.instance_reachable(target, dc)).then_some(target))
        };
        ServersInputs {
            conn: [
                conn_for(self, PoolState::Normal),
                conn_for(self, PoolState::FailedOver),
            ],
            reads_cms: [Dc::Dc1, Dc::Dc2].map(|dc| cms && self.dcs_connected(dc, self.cms_dc)),
            dc_up: [self.dc_up[0], self.dc_up[1]],
            pool_state: self.pool_state,
            disk_full: std::array::from_fn(|k| self.instances[k].disk_full),
            closes: self.assumptions.inactive_server_session == InactiveServerSession::Closes,
        }
    }

    /// The chat servers, for a step or fault that changes them: the next `reconcile` runs
    /// the servers' loop again.
    pub fn servers_mut(&mut self) -> &mut [ChatServer; SERVER_COUNT] {
        self.servers_memo = None;
        &mut self.servers
    }
}

/// The chat servers' loop of `reconcile`: a function of its inputs and the servers alone
/// (what it reads of the world is in `inputs`). Returns the writers' load per instance
/// (`World::writer_load`), and notes in `used` the assumptions it depended on.
fn servers_pass(
    inputs: &ServersInputs,
    servers: &mut [ChatServer; SERVER_COUNT],
    used: &mut Used,
) -> [u64; 5] {
    let ServersInputs {
        conn,
        reads_cms,
        dc_up,
        pool_state,
        disk_full,
        closes,
    } = *inputs;
    // The writers (`writers`) and whether a server's clients meet a full disk, as the
    // loop leaves each server.
    let mut load = [0u64; 5];
    let mut meets_full_disk = false;
    // Servers 1-4 are in DC1, 5-8 in DC2 (`server_dc`): what a server reads of its data
    // center is read once per half, in server order as before.
    for (d, half) in servers.chunks_exact_mut(SERVER_COUNT / 2).enumerate() {
        let (dc_up, reads_cms) = (dc_up[d], reads_cms[d]);
        let (conn_normal, conn_failed_over) = (conn[0][d], conn[1][d]);
        for (k, s) in half.iter_mut().enumerate() {
            debug_assert_eq!(
                dc_index(server_dc((d * SERVER_COUNT / 2 + k + 1) as u8)),
                d,
                "server {k} of half {d} is in another data center"
            );
            if !dc_up {
                s.up = false;
            }
            if !s.up || !s.service {
                s.clients = false;
                s.conn = None;
                s.idle_conn = None;
                continue;
            }
            if reads_cms {
                s.pool_state_seen = pool_state;
                if s.active {
                    // Clients reconnect to listed servers.
                    s.clients = true;
                }
            } else if s.pool_state_seen != pool_state {
                used.note(Name::PoolStateFromCms);
            }
            s.conn = match s.pool_state_seen {
                PoolState::Normal => conn_normal,
                PoolState::FailedOver => conn_failed_over,
            };
            s.idle_conn = None;
            if !s.active {
                s.idle_conn = s.conn;
                // Gap 9: whether a server off the active list keeps its session and clients.
                if s.clients && s.conn.is_some() {
                    used.note(Name::InactiveServerSession);
                }
                if closes {
                    s.clients = false;
                    s.conn = None;
                }
            }
            if let (true, Some(c)) = (s.clients, s.conn) {
                if disk_full[c.index()] {
                    meets_full_disk = true;
                } else {
                    load[c.index()] += 1;
                }
            }
        }
    }
    if meets_full_disk {
        used.note(Name::DiskFullScope);
    }
    load
}
