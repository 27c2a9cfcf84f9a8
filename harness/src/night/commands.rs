//! The command a step stands for, with the site's own names: the instance as SSMS connects
//! to it, the share's UNC path, the copy folder, the chat servers' FQDNs and the pool's
//! identity in the form the cmdlet reference gives. The model's `sim::command` writes the
//! same commands with placeholder names for timelines.

use crate::site::Site;
use sim::runbook::{Action, ActiveSelection};
use sim::topology::{Dc, Instance, Product};

/// Where the identity form comes from, printed under every state cmdlet.
pub const IDENTITY_NOTE: &str = "Identity in the cmdlet reference's form (office-docs-powershell skype/skype-ps/skype/Set-CsPersistentChatState.md: -Identity PersistentChatServer:<fqdn>). The procedures' own examples disagree: failover step 5 writes \"service:atl-cs-001.litwareinc.com\", the failback writes \"service: lyncpc.dci.discovery.com\" with a stray space and another FQDN (gap 11).";

/// One step's command with the site's names, and notes for the operator.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Command {
    /// Where to type it: "SSMS on <server>" or the Management Shell.
    pub run_on: String,
    pub text: String,
    pub notes: Vec<String>,
}

fn server(site: &Site, i: Instance) -> String {
    site.instances
        .get(i)
        .map(|s| s.server.clone())
        .unwrap_or_else(|| format!("<{i}: not in the site file>"))
}

fn servers_of(site: &Site, dc: Dc) -> String {
    site.servers_in(dc)
        .iter()
        .map(|s| s.fqdn.as_str())
        .collect::<Vec<_>>()
        .join(",")
}

fn list(site: &Site, l: &[u8]) -> String {
    l.iter()
        .map(|n| {
            site.server_fqdn(*n)
                .map(str::to_string)
                .unwrap_or_else(|| format!("<server {n}: not in the site file>"))
        })
        .collect::<Vec<_>>()
        .join(",")
}

pub fn command(a: &Action, site: &Site) -> Command {
    use Action::*;
    let share = site.share.unc.trim_end_matches('\\');
    let copy = site.copy_folder.trim_end_matches('\\');
    let seed = site
        .mirror_seed_share
        .as_ref()
        .map(|s| s.unc.trim_end_matches('\\').to_string())
        .unwrap_or_else(|| share.to_string());
    let shell = site.product.shell_name();
    let sql = |i: Instance| format!("SSMS, connected to {} (master)", server(site, i));
    let mut notes = Vec::new();
    let (run_on, text) = match a {
        DeleteLogShippingSecondary { instance, database } => (
            sql(*instance),
            format!("EXEC master.dbo.sp_delete_log_shipping_secondary_database @secondary_database = N'{database}';"),
        ),
        CopyUncopiedFiles { instance } => {
            notes.push("Any copy tool will do; robocopy's /XC /XN /XO skip files already in the copy folder.".into());
            (
                format!("a command prompt on {}", site.instances.get(*instance).map(|s| s.host()).unwrap_or("?")),
                format!("robocopy \"{share}\" \"{copy}\" *.trn /XC /XN /XO"),
            )
        }
        RestoreUnappliedLogs { instance, database } => {
            notes.push("In LSN order, starting with the first log backup after the last one restored (probe: restore history); `drill history plan` prints the sequence.".into());
            (
                sql(*instance),
                format!("RESTORE LOG {database} FROM DISK = N'{copy}\\<next log backup>.trn' WITH NORECOVERY;  -- repeat for each unapplied file"),
            )
        }
        RestoreLogFile { instance, database, newest } => (
            sql(*instance),
            format!("RESTORE LOG {database} FROM DISK = N'{copy}\\<the {newest}-th newest log backup>.trn' WITH NORECOVERY;"),
        ),
        KillSessionsAndRecover { instance, database } => (
            sql(*instance),
            format!("EXEC sp_who2;  -- note each spid in {database}\nKILL <spid>;  -- for each\nRESTORE DATABASE {database} WITH RECOVERY;"),
        ),
        BackupTailLog { instance, database } => (
            sql(*instance),
            format!("BACKUP LOG {database} TO DISK = N'{share}\\{database}_tail.trn' WITH NORECOVERY, NO_TRUNCATE;"),
        ),
        SetPoolState { state } => {
            notes.push(IDENTITY_NOTE.into());
            (
                shell.to_string(),
                format!("Set-CsPersistentChatState -Identity \"{}\" -PoolState {state}", site.state_identity()),
            )
        }
        InstallMirrorDatabase { instance, mirror, drop_existing, .. } => {
            notes.push(format!("Mirror: {} (from the topology, as published in Topology Builder).", server(site, *mirror)));
            let inst = site.instances.get(*instance);
            let for_instance = match inst.and_then(|s| s.server.split_once('\\')) {
                Some((_, name)) => format!("-ForInstance -SqlInstanceName {name}"),
                None => "-ForDefaultInstance".to_string(),
            };
            (
                shell.to_string(),
                format!(
                    "Install-CsMirrorDatabase -ConfiguredDatabases {for_instance} -SqlServerFqdn {} -FileShare \"{seed}\"{}",
                    inst.map(|s| s.host()).unwrap_or("?"),
                    if *drop_existing { " -DropExistingDatabasesOnMirror" } else { "" },
                ),
            )
        }
        SetActiveServers { servers } => {
            let id = site.product.active_collection_identity();
            notes.push(match site.product {
                Product::Lync2013 => "Lync Server 2013 examples use -Identity \"global\".".to_string(),
                Product::SfB2015 => "Skype for Business Server 2015 examples use -Identity \"PChatServerCollection\".".to_string(),
            });
            let text = match servers {
                ActiveSelection::Clear => format!("Set-CsPersistentChatActiveServer -Identity \"{id}\" -ActiveServers $Null"),
                ActiveSelection::Swap => format!("Set-CsPersistentChatActiveServer -Identity \"{id}\" -Swap"),
                ActiveSelection::Dc(dc) => format!(
                    "Set-CsPersistentChatActiveServer -Identity \"{id}\" -ActiveServers @{{Replace=\"{}\"}}",
                    servers_of(site, *dc)
                ),
                ActiveSelection::Servers(l) => format!(
                    "Set-CsPersistentChatActiveServer -Identity \"{id}\" -ActiveServers @{{Replace=\"{}\"}}",
                    list(site, l)
                ),
            };
            (shell.to_string(), text)
        }
        StopChatServices { dc } | StartChatServices { dc } => {
            let verb = if matches!(a, StopChatServices { .. }) { "Stop" } else { "Start" };
            let on = match dc {
                Some(d) => servers_of(site, *d),
                None => site.chat_servers.iter().map(|s| s.fqdn.as_str()).collect::<Vec<_>>().join(","),
            };
            (
                format!("{shell}, on each of {on}"),
                format!("{verb}-CsWindowsService -Name RTCCHAT"),
            )
        }
        FailoverCms { to } => {
            let pool = site
                .front_end_pools
                .iter()
                .find(|p| p.dc == *to)
                .map(|p| p.fqdn.clone())
                .unwrap_or_else(|| format!("<a Front End pool in {to}>"));
            (
                shell.to_string(),
                format!("Invoke-CsManagementServerFailover -BackupSqlServerFqdn <{pool}'s back end> -BackupSqlInstanceName <instance> -Force"),
            )
        }
        RemoveMirroring { instance, database } => (
            sql(*instance),
            format!("ALTER DATABASE {database} SET PARTNER OFF;"),
        ),
        BackupFullToShare { instance, database } => (
            sql(*instance),
            format!("BACKUP DATABASE {database} TO DISK = N'{share}\\{database}_full.bak' WITH INIT;"),
        ),
        RestoreFullFromShare { instance, database, replace, recovery } => {
            let mut opts = vec![if *recovery { "RECOVERY" } else { "NORECOVERY" }];
            if *replace {
                opts.push("REPLACE");
            }
            (
                sql(*instance),
                format!("RESTORE DATABASE {database} FROM DISK = N'{share}\\{database}_full.bak' WITH {};", opts.join(", ")),
            )
        }
        ConfigureLogShipping { instance, secondary, database } => {
            notes.push("The SSMS log shipping wizard, as in the configure page ([C]); secondary initialised with \"Yes, generate a full backup\"; restore mode No recovery, delay 0.".into());
            (
                format!("SSMS on {} (Database Properties > Transaction Log Shipping)", server(site, *instance)),
                format!(
                    "-- primary {database} on {}, backup folder {share}, secondary {} with copy folder {copy}",
                    server(site, *instance),
                    server(site, *secondary)
                ),
            )
        }
        DeleteLogShippingPrimary { instance, database } => (
            sql(*instance),
            format!("EXEC master.dbo.sp_delete_log_shipping_primary_database @database = N'{database}';"),
        ),
        Wait { seconds } => ("-".into(), format!("-- wait {seconds} s")),
    };
    Command {
        run_on,
        text,
        notes,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sim::topology::{Db, PoolState};

    fn site() -> Site {
        crate::site::parse("e", include_str!("../../../scenarios/site-example.json")).unwrap()
    }

    #[test]
    fn the_state_cmdlet_takes_the_reference_identity_form() {
        let c = command(
            &Action::SetPoolState {
                state: PoolState::FailedOver,
            },
            &site(),
        );
        assert_eq!(c.text, "Set-CsPersistentChatState -Identity \"PersistentChatServer:pchatpool.contoso.com\" -PoolState FailedOver");
        assert!(c.notes[0].contains("gap 11"));
    }

    #[test]
    fn t_sql_names_the_site_instance_and_copy_folder() {
        let c = command(
            &Action::RestoreUnappliedLogs {
                instance: Instance::Backup,
                database: Db::Mgc,
            },
            &site(),
        );
        assert!(c.run_on.contains("sql-pc3.contoso.com\\PCHAT"), "{c:?}");
        assert!(c
            .text
            .starts_with("RESTORE LOG mgc FROM DISK = N'E:\\LogShipCopy\\"));
        let c = command(
            &Action::SetActiveServers {
                servers: ActiveSelection::Dc(Dc::Dc2),
            },
            &site(),
        );
        assert!(c.text.contains("\"PChatServerCollection\""));
        assert!(c.text.contains(
            "Replace=\"pchat5.contoso.com,pchat6.contoso.com,pchat7.contoso.com,pchat8.contoso.com\""
        ));
    }
}
