//! The range console's cmdlet lines: the runbooks' Skype for Business / Lync cmdlets as an
//! operator types them, read by the same parser that reads `drill run`'s renderings back
//! (`sim::command::cmdlet`), so a line typed at the console and a runbook step agree.
//!
//! Identity forms (gap 11 of the spec: the procedures and the reference disagree), as the
//! range takes them:
//! - `PersistentChatServer:<pool>` (the cmdlet reference): accepted.
//! - `service:<pool>` (the procedures' F5 and B7): accepted.
//! - `service:PersistentChatServer:<pool>` (a service-scoped XdsIdentity): accepted.
//! - `service: <pool>` (B7's stray space): refused; an identity is not trimmed, so it
//!   names no pool.
//! - another FQDN (B7's `lyncpc.dci.discovery.com`): refused; this topology has one pool.
//! - `-Identity "global"` / `"PChatServerCollection"` for the active-server collection:
//!   both accepted whatever the product (Lync's and SfB's name for the one collection).

use sim::runbook::Action;

pub use sim::command::cmdlet::check_pool_identity;
pub use sim::command::POOL_FQDN;

/// Parse one cmdlet line (a trailing backtick continues it on the next line).
pub fn parse(line: &str) -> Result<Action, String> {
    sim::command::cmdlet::parse(line)
}

/// Whether a console line is a cmdlet (`Verb-CsNoun ...`) rather than a console command.
pub fn is_cmdlet(line: &str) -> bool {
    let first = line.split_whitespace().next().unwrap_or("");
    first.split_once('-').is_some_and(|(verb, noun)| {
        !verb.is_empty()
            && verb.chars().all(|c| c.is_ascii_alphabetic())
            && noun.len() > 2
            && noun[..2].eq_ignore_ascii_case("cs")
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use sim::runbook::ActiveSelection;
    use sim::topology::{Db, Dc, Instance, PoolState};

    fn ok(line: &str) -> Action {
        parse(line).unwrap_or_else(|e| panic!("{line}: {e}"))
    }

    #[test]
    fn pool_state_as_the_procedures_and_the_reference_write_it() {
        let failed_over = Action::SetPoolState {
            state: PoolState::FailedOver,
        };
        for line in [
            "Set-CsPersistentChatState -Identity \"service:pchatpool.litwareinc.com\" -PoolState FailedOver",
            "set-cspersistentchatstate -identity 'PersistentChatServer:pchatpool.litwareinc.com' -poolstate failedover",
            "Set-CsPersistentChatState \"service:PersistentChatServer:pchatpool.litwareinc.com\" -PoolState \"FailedOver\"",
            // Unique prefixes and the -Name:value form.
            "Set-CsPersistentChatState -Id service:pchatpool.litwareinc.com -PoolS:FailedOver -Force -Confirm",
            // Backtick continuation.
            "Set-CsPersistentChatState `\n  -Identity \"service:pchatpool.litwareinc.com\" `\n  -PoolState FailedOver",
        ] {
            assert_eq!(ok(line), failed_over, "{line}");
        }
        let refused = |line: &str| parse(line).expect_err(line);
        assert!(refused("Set-CsPersistentChatState -Identity \"service: pchatpool.litwareinc.com\" -PoolState Normal").contains("Cannot find"));
        assert!(refused("Set-CsPersistentChatState -Identity \"service: lyncpc.dci.discovery.com\" -PoolState Normal").contains("Cannot find"));
        assert!(refused("Set-CsPersistentChatState -Identity \"service:lyncpc.dci.discovery.com\" -PoolState Normal").contains("the pool is pchatpool.litwareinc.com"));
        assert!(refused("Set-CsPersistentChatState -Identity service:pchatpool.litwareinc.com -PoolState Broken").contains("Normal, FailedOver"));
        // -P could be -PoolState or -PipelineVariable (a common parameter).
        assert_eq!(
            refused("Set-CsPersistentChatState -P Normal"),
            "Parameter cannot be processed because the parameter name 'P' is ambiguous. Possible matches include: -PoolState -PipelineVariable."
        );
        assert_eq!(
            refused("Set-CsPersistentChatState -PoolState Normal -Bogus"),
            "A parameter cannot be found that matches parameter name 'Bogus'."
        );
        assert!(refused("Set-CsPersistentChatState -PoolState Normal -WhatIf").contains("WhatIf"));
        assert!(
            refused("Set-CsPersistentChatState -PoolState Normal -PoolState FailedOver")
                .contains("more than once")
        );
    }

    #[test]
    fn active_servers_in_every_form() {
        let servers = |l: Vec<u8>| Action::SetActiveServers {
            servers: ActiveSelection::Servers(l),
        };
        assert_eq!(
            ok("Set-CsPersistentChatActiveServer -Identity \"PChatServerCollection\" -ActiveServers $Null"),
            Action::SetActiveServers { servers: ActiveSelection::Clear }
        );
        assert_eq!(
            ok("Set-CsPersistentChatActiveServer -Identity global -Swap"),
            Action::SetActiveServers {
                servers: ActiveSelection::Swap
            }
        );
        assert_eq!(
            ok("Set-CsPersistentChatActiveServer -Identity \"global\" -ActiveServers @{Replace=\"pchat5,pchat6\"}"),
            servers(vec![5, 6])
        );
        assert_eq!(
            ok("Set-CsPersistentChatActiveServer -ActiveServers @{ Replace = \"pchat5.litwareinc.com\", 'pchat7' }"),
            servers(vec![5, 7])
        );
        assert_eq!(
            ok("Set-CsPersistentChatActiveServer -ActiveServers pchat1,pchat2"),
            servers(vec![1, 2])
        );
        assert_eq!(
            ok("Set-CsPersistentChatActiveServer -ActiveServers @{Replace=\"pchat5,pchat6,pchat7,pchat8\"}  # servers in DC2"),
            Action::SetActiveServers { servers: ActiveSelection::Dc(Dc::Dc2) }
        );
        assert!(
            parse("Set-CsPersistentChatActiveServer -ActiveServers @{Add=\"pchat5\"}")
                .unwrap_err()
                .contains("Replace")
        );
        assert!(parse("Set-CsPersistentChatActiveServer -Identity other -Swap").is_err());
        assert!(
            parse("Set-CsPersistentChatActiveServer -Swap -ActiveServers $Null")
                .unwrap_err()
                .contains("Parameter set")
        );
        assert!(
            parse("Set-CsPersistentChatActiveServer -ActiveServers @{Replace=\"fe01\"}")
                .unwrap_err()
                .contains("pchat1")
        );
    }

    #[test]
    fn mirror_services_and_cms() {
        assert_eq!(
            ok("Install-CsMirrorDatabase -ConfiguredDatabases -ForDefaultInstance -SqlServerFqdn sql-backup.litwareinc.com -FileShare \\\\fs\\mirrorseed -DropExisting"),
            Action::InstallMirrorDatabase {
                instance: Instance::Backup,
                mirror: Instance::BackupMirror,
                database: Db::Mgc,
                drop_existing: true
            }
        );
        assert_eq!(
            ok("Install-CsMirrorDatabase -DatabaseType PersistentChatCompliance -SqlServerFqdn sql-primary -FileShare x"),
            Action::InstallMirrorDatabase {
                instance: Instance::Primary,
                mirror: Instance::Mirror,
                database: Db::Mgccomp,
                drop_existing: false
            }
        );
        assert!(
            parse("Install-CsMirrorDatabase -ConfiguredDatabases -SqlServerFqdn sql-backup")
                .unwrap_err()
                .contains("FileShare")
        );
        assert_eq!(
            ok("stop-cswindowsservice rtcchat"),
            Action::StopChatServices { dc: None }
        );
        assert_eq!(
            ok("Start-CsWindowsService -Name RTCCHAT  # on every Persistent Chat server in DC1"),
            Action::StartChatServices { dc: Some(Dc::Dc1) }
        );
        assert!(parse("Stop-CsWindowsService -Name RTCSRV").is_err());
        assert_eq!(
            ok("Invoke-CsManagementServerFailover -Force"),
            Action::FailoverCms { to: Dc::Dc2 }
        );
        assert_eq!(
            ok("Invoke-CsManagementServerFailover -BackupSqlServerFqdn sql-primary.litwareinc.com -Force"),
            Action::FailoverCms { to: Dc::Dc1 }
        );
        assert!(parse("Get-CsPersistentChatState")
            .unwrap_err()
            .contains("not recognized"));
    }

    #[test]
    fn console_lines_are_told_apart() {
        assert!(is_cmdlet("Set-CsPersistentChatState -PoolState Normal"));
        assert!(is_cmdlet("get-csservice"));
        for other in ["status", "advance 10m", "faults", "select-object", ""] {
            assert!(!is_cmdlet(other), "{other}");
        }
    }
}
