//! The conformance cases, written once as data (issue 11 point 5): the documented
//! behaviours of BACKUP/RESTORE/ALTER DATABASE on the range's scenario (quiet: normal
//! operation, log shipping every 15 minutes, so at 50 minutes mgc_0001..0003.trn have been
//! backed up on primary, copied and restored on backup).
//!
//! Each step is T-SQL on an instance (as one of two sessions: 3101 needs a second one
//! holding the database) or a console line (`advance`, `copy`), with the error numbers SQL
//! Server answers, in order (the cause, then 3013). Statements carry placeholders each arm
//! fills in ([`super::fill`]): `{mgc}` / `{mgccomp}` the database on the step's instance,
//! `{copy:F}` / `{share:F}` the backup file F in the copy folder / on the share (always
//! inside a string literal), `{move}` the MOVE clause a restore needs when the database's
//! files could collide with another copy's (one instance), `{init}` `WITH INIT` where a
//! backup file may already exist on a real server. The model and the range fill them with
//! the scenario's own names, so they see exactly the texts an operator types.
//!
//! The error texts are SQL Server's (sim::sqlerror; MicrosoftDocs/sql-docs
//! docs/relational-databases/errors-events/database-engine-events-and-errors-*.md).

use sim::topology::Instance;

/// Where a step runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum At {
    /// T-SQL on the instance, as session 0 or 1 (two sessions: 3101).
    Sql { instance: Instance, session: u8 },
    /// A console line of the range (`advance 50m`, `copy`).
    Console,
}

#[derive(Clone, Copy, Debug)]
pub struct Step {
    pub at: At,
    pub text: &'static str,
    pub errors: &'static [i32],
    /// How a real SQL Server with one instance plays this step when it cannot send the
    /// text: the step is applied to the model only and this note is reported.
    pub model_only_on_one_instance: Option<&'static str>,
}

/// What a case needs beyond one SQL Server instance.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Needs {
    /// Nothing: any SQL Server instance plays it.
    OneInstance,
    /// A mirrored database: two instances with database mirroring (never one instance,
    /// never SQL Server on Linux).
    MirroringSession,
    /// `ALTER DATABASE ... SET PARTNER` answered by an engine that has database mirroring:
    /// not SQL Server on Linux, where mirroring is unsupported and the answer undocumented.
    MirroringFeature,
}

#[derive(Clone, Copy, Debug)]
pub struct Case {
    pub name: &'static str,
    /// Where SQL Server documents the behaviour (MicrosoftDocs/sql-docs).
    pub source: &'static str,
    pub needs: Needs,
    pub steps: &'static [Step],
}

const fn sql(instance: Instance, text: &'static str, errors: &'static [i32]) -> Step {
    Step {
        at: At::Sql {
            instance,
            session: 0,
        },
        text,
        errors,
        model_only_on_one_instance: None,
    }
}
const fn as2(instance: Instance, text: &'static str, errors: &'static [i32]) -> Step {
    Step {
        at: At::Sql {
            instance,
            session: 1,
        },
        text,
        errors,
        model_only_on_one_instance: None,
    }
}
const fn console(text: &'static str) -> Step {
    Step {
        at: At::Console,
        text,
        errors: &[],
        model_only_on_one_instance: None,
    }
}

const PRIMARY: Instance = Instance::Primary;
const BACKUP: Instance = Instance::Backup;
const BACKUP_MIRROR: Instance = Instance::BackupMirror;

pub const E1K: &str =
    "docs/relational-databases/errors-events/database-engine-events-and-errors-1000-to-1999.md";
pub const E3K: &str =
    "docs/relational-databases/errors-events/database-engine-events-and-errors-3000-to-3999.md";
pub const E4K: &str =
    "docs/relational-databases/errors-events/database-engine-events-and-errors-4000-to-4999.md";
/// SQL Server on Linux lists database mirroring among its unsupported features.
pub const LINUX_NO_MIRRORING: &str = "docs/linux/sql-server-linux-editions-and-components-2022.md";
/// "Database mirroring maintains two copies of a single database that must reside on
/// different server instances".
pub const MIRRORING_NEEDS_TWO: &str =
    "docs/database-engine/database-mirroring/database-mirroring-sql-server.md";

/// The full backup the operator takes on primary (B3's form), used by several cases.
const FULL_TO_SHARE: &str = "BACKUP DATABASE {mgc} TO DISK = N'{share:mgc_full.bak}'{init}";

pub const CASES: &[Case] = &[
    Case {
        name: "4326: a log that ends before the redo point is too early",
        source: E4K,
        needs: Needs::OneInstance,
        steps: &[
            console("advance 50m"),
            sql(
                BACKUP,
                "RESTORE LOG {mgc} FROM DISK = N'{copy:mgc_0001.trn}' WITH NORECOVERY",
                &[4326, 3013],
            ),
        ],
    },
    Case {
        name: "4305: a log that begins after the redo point is too recent",
        source: E4K,
        needs: Needs::OneInstance,
        steps: &[
            console("advance 50m"),
            Step {
                model_only_on_one_instance: Some(
                    "log shipping is not configured on one instance (its jobs are the model's, sent as BACKUP LOG / RESTORE LOG): removing the secondary is the model's restore job stopping, which the later windows' statements carry",
                ),
                ..sql(
                    BACKUP,
                    "exec sp_delete_log_shipping_secondary_database N'{mgc}'",
                    &[],
                )
            },
            console("advance 30m"),
            console("copy"),
            sql(
                BACKUP,
                "restore log [{mgc}] from disk = '{copy:mgc_0005.trn}' with norecovery",
                &[4305, 3013],
            ),
        ],
    },
    Case {
        name: "3117: a log cannot be restored after recovery",
        source: E3K,
        needs: Needs::OneInstance,
        steps: &[
            console("advance 50m"),
            sql(BACKUP, "RESTORE DATABASE {mgc} WITH RECOVERY", &[]),
            sql(
                BACKUP,
                "RESTORE LOG {mgc} FROM DISK = N'{copy:mgc_0003.trn}' WITH NORECOVERY",
                &[3117, 3013],
            ),
        ],
    },
    Case {
        name: "3153: recovery twice",
        source: E3K,
        needs: Needs::OneInstance,
        steps: &[
            console("advance 50m"),
            sql(BACKUP, "RESTORE DATABASE {mgc} WITH RECOVERY", &[]),
            sql(BACKUP, "RESTORE DATABASE {mgc} WITH RECOVERY", &[3153, 3013]),
        ],
    },
    Case {
        name: "3159: a full restore over an ONLINE database without REPLACE",
        source: E3K,
        needs: Needs::OneInstance,
        steps: &[
            console("advance 50m"),
            sql(PRIMARY, FULL_TO_SHARE, &[]),
            sql(BACKUP, "RESTORE DATABASE {mgc} WITH RECOVERY", &[]),
            sql(
                BACKUP,
                "RESTORE DATABASE {mgc} FROM DISK = N'{share:mgc_full.bak}' WITH NORECOVERY{move}",
                &[3159, 3013],
            ),
        ],
    },
    Case {
        name: "3101: a restore while another session uses the database",
        source: E3K,
        needs: Needs::OneInstance,
        steps: &[
            console("advance 50m"),
            sql(PRIMARY, FULL_TO_SHARE, &[]),
            sql(BACKUP, "RESTORE DATABASE {mgc} WITH RECOVERY", &[]),
            as2(BACKUP, "USE {mgc}", &[]),
            sql(
                BACKUP,
                "RESTORE DATABASE {mgc} FROM DISK = N'{share:mgc_full.bak}' WITH REPLACE, NORECOVERY{move}",
                &[3101, 3013],
            ),
        ],
    },
    Case {
        name: "3104: a restore onto a mirrored database",
        source: E3K,
        needs: Needs::MirroringSession,
        steps: &[
            console("advance 50m"),
            sql(PRIMARY, FULL_TO_SHARE, &[]),
            sql(
                PRIMARY,
                "RESTORE DATABASE {mgc} FROM DISK = N'{share:mgc_full.bak}' WITH REPLACE",
                &[3104, 3013],
            ),
        ],
    },
    Case {
        name: "3201: a backup file that is not there",
        source: E3K,
        needs: Needs::OneInstance,
        steps: &[
            console("advance 50m"),
            sql(
                BACKUP,
                "RESTORE LOG {mgc} FROM DISK = N'{copy:mgc_9999.trn}' WITH NORECOVERY",
                &[3201, 3013],
            ),
        ],
    },
    Case {
        name: "4214: a log backup with no full backup",
        source: E4K,
        needs: Needs::OneInstance,
        steps: &[sql(
            PRIMARY,
            "BACKUP LOG {mgccomp} TO DISK = N'{share:mgccomp.trn}'{init}",
            &[4214, 3013],
        )],
    },
    Case {
        name: "1416: SET PARTNER OFF on a database that is not mirrored",
        source: E1K,
        needs: Needs::MirroringFeature,
        steps: &[sql(BACKUP, "ALTER DATABASE {mgc} SET PARTNER OFF", &[1416])],
    },
    Case {
        name: "the chain: full, logs WITH NORECOVERY, RECOVERY",
        source: "docs/relational-databases/backup-restore/restore-a-transaction-log-backup-sql-server.md",
        needs: Needs::OneInstance,
        steps: &[
            console("advance 50m"),
            sql(PRIMARY, FULL_TO_SHARE, &[]),
            sql(
                BACKUP_MIRROR,
                "RESTORE DATABASE {mgc} FROM DISK = N'{share:mgc_full.bak}' WITH NORECOVERY{move}",
                &[],
            ),
            console("advance 15m"),
            sql(
                BACKUP_MIRROR,
                "RESTORE LOG {mgc} FROM DISK = N'{copy:mgc_0005.trn}' WITH NORECOVERY",
                &[],
            ),
            sql(BACKUP_MIRROR, "RESTORE DATABASE {mgc} WITH RECOVERY", &[]),
            sql(BACKUP_MIRROR, "USE {mgc}", &[]),
        ],
    },
];
