//! The T-SQL or cmdlet a step stands for, as the operator would type it, and back:
//! [`parse`] reads every rendering into the action it came from (issue 11, point 6), and
//! [`cmdlet`] reads the runbooks' cmdlet lines as PowerShell would bind them.

pub mod cmdlet;
pub mod parse;

pub use parse::parse;

use crate::runbook::{Action, ActiveSelection};
use crate::topology::{Db, Dc, Product};

/// The Persistent Chat pool of the modelled topology (what `drill run` names in
/// `Set-CsPersistentChatState -Identity`).
pub const POOL_FQDN: &str = "pchatpool.litwareinc.com";

pub fn command(a: &Action, product: Product, pool_fqdn: &str) -> String {
    use Action::*;
    let host = |i: crate::topology::Instance| i.host();
    match a {
        DeleteLogShippingSecondary { instance, database } => format!(
            "-- on {}, in master\nEXEC master.dbo.sp_delete_log_shipping_secondary_database @secondary_database = N'{database}';",
            host(*instance)
        ),
        CopyUncopiedFiles { instance } => format!(
            "robocopy \\\\<share>\\logship <copy folder on {}> *.trn /XC /XN /XO",
            host(*instance)
        ),
        RestoreUnappliedLogs { instance, database } => format!(
            "-- on {}: for each unapplied log backup in LSN order\nRESTORE LOG {database} FROM DISK = N'<copy folder>\\{database}_NNNN.trn' WITH NORECOVERY;",
            host(*instance)
        ),
        RestoreLogFile { instance, database, newest } => format!(
            "-- on {}\nRESTORE LOG {database} FROM DISK = N'<copy folder>\\{database}_<{newest}-th newest>.trn' WITH NORECOVERY;",
            host(*instance)
        ),
        KillSessionsAndRecover { instance, database } => format!(
            "-- on {}\nEXEC sp_who2; KILL <spid>; -- each session in {database}\nRESTORE DATABASE {database} WITH RECOVERY;",
            host(*instance)
        ),
        BackupTailLog { instance, database } => format!(
            "-- on {}\nBACKUP LOG {database} TO DISK = N'\\\\<share>\\logship\\{database}_tail.trn' WITH NORECOVERY, NO_TRUNCATE;",
            host(*instance)
        ),
        SetPoolState { state } => format!(
            "Set-CsPersistentChatState -Identity \"service:{pool_fqdn}\" -PoolState {state}"
        ),
        // -ConfiguredDatabases mirrors the instance's Persistent Chat store, mgc; mgccomp is
        // named by its database type (the cmdlet's ByDatabase parameter set).
        InstallMirrorDatabase { instance, mirror, database, drop_existing } => format!(
            "Install-CsMirrorDatabase {} -SqlServerFqdn {} -FileShare \\\\<share>\\mirrorseed{}  # mirror: {}",
            match database {
                Db::Mgc => "-ConfiguredDatabases -ForDefaultInstance",
                Db::Mgccomp => "-DatabaseType PersistentChatCompliance",
            },
            host(*instance),
            if *drop_existing { " -DropExistingDatabasesOnMirror" } else { "" },
            host(*mirror)
        ),
        SetActiveServers { servers } => {
            let id = product.active_collection_identity();
            match servers {
                ActiveSelection::Clear => format!("Set-CsPersistentChatActiveServer -Identity \"{id}\" -ActiveServers $Null"),
                ActiveSelection::Swap => format!("Set-CsPersistentChatActiveServer -Identity \"{id}\" -Swap"),
                ActiveSelection::Dc(dc) => {
                    let list = match dc {
                        Dc::Dc1 => "pchat1,pchat2,pchat3,pchat4",
                        _ => "pchat5,pchat6,pchat7,pchat8",
                    };
                    format!("Set-CsPersistentChatActiveServer -Identity \"{id}\" -ActiveServers @{{Replace=\"{list}\"}}  # servers in {dc}")
                }
                ActiveSelection::Servers(l) => format!(
                    "Set-CsPersistentChatActiveServer -Identity \"{id}\" -ActiveServers @{{Replace=\"{}\"}}",
                    l.iter().map(|n| format!("pchat{n}")).collect::<Vec<_>>().join(",")
                ),
            }
        }
        StopChatServices { dc } => format!("Stop-CsWindowsService -Name RTCCHAT  # on every Persistent Chat server{}", dc.map(|d| format!(" in {d}")).unwrap_or_default()),
        StartChatServices { dc } => format!("Start-CsWindowsService -Name RTCCHAT  # on every Persistent Chat server{}", dc.map(|d| format!(" in {d}")).unwrap_or_default()),
        FailoverCms { to } => format!("Invoke-CsManagementServerFailover -Force  # CMS to the pool in {to}"),
        RemoveMirroring { instance, database } => format!("-- on {}\nALTER DATABASE {database} SET PARTNER OFF;", host(*instance)),
        BackupFullToShare { instance, database } => format!(
            "-- on {}\nBACKUP DATABASE {database} TO DISK = N'\\\\<share>\\logship\\{database}_full.bak' WITH INIT;",
            host(*instance)
        ),
        RestoreFullFromShare { instance, database, replace, recovery } => {
            let mut opts = vec![if *recovery { "RECOVERY" } else { "NORECOVERY" }];
            if *replace {
                opts.push("REPLACE");
            }
            format!(
                "-- on {}\nRESTORE DATABASE {database} FROM DISK = N'\\\\<share>\\logship\\{database}_full.bak' WITH {};",
                host(*instance),
                opts.join(", ")
            )
        }
        ConfigureLogShipping { instance, secondary, database } => format!(
            "-- SSMS log shipping wizard on {} (as in [C]); generates:\nEXEC sp_add_log_shipping_primary_database @database = N'{database}', ...;\nBACKUP DATABASE {database} TO DISK = N'\\\\<share>\\logship\\{database}_init.bak';\n-- on {}\nRESTORE DATABASE {database} FROM DISK = N'...\\{database}_init.bak' WITH NORECOVERY, REPLACE;\nEXEC sp_add_log_shipping_secondary_primary ...; EXEC sp_add_log_shipping_secondary_database @secondary_database = N'{database}', @restore_mode = 0, @restore_delay = 0;",
            host(*instance),
            host(*secondary)
        ),
        DeleteLogShippingPrimary { instance, database } => format!(
            "-- on {}\nEXEC master.dbo.sp_delete_log_shipping_primary_database @database = N'{database}';",
            host(*instance)
        ),
        Wait { seconds } => format!("-- wait {seconds} s"),
    }
}
