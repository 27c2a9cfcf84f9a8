//! What `drill run` prints for a step, typed into the range: the T-SQL parses into the
//! statements the step stands for, the cmdlet lines into the step's action. (The reverse,
//! text back to action for every kind, is sim::command::parse's property test.)

use harness::range::cmdlet;
use harness::range::reply::Value;
use harness::range::statement::{Partner, Recovery, Statement};
use harness::range::tsql::parse_batch;
use sim::command::{command, POOL_FQDN};
use sim::runbook::{Action, ActiveSelection};
use sim::topology::{Db, Dc, Instance, PoolState, Product};

fn statements(text: &str) -> Vec<Statement> {
    parse_batch(text)
        .unwrap_or_else(|e| panic!("{text}: {e:?}"))
        .into_iter()
        .map(|l| l.statement)
        .collect()
}

#[test]
fn every_t_sql_step_parses_into_what_it_stands_for() {
    for instance in Instance::ALL {
        for database in [Db::Mgc, Db::Mgccomp] {
            let d = database.to_string();
            let text = |a: &Action| command(a, Product::SfB2015, POOL_FQDN);
            let cases: Vec<(Action, Vec<Statement>)> = vec![
                (
                    Action::DeleteLogShippingSecondary { instance, database },
                    vec![Statement::Exec {
                        procedure: "sp_delete_log_shipping_secondary_database".into(),
                        args: vec![(Some("@secondary_database".into()), Value::Text(d.clone()))],
                    }],
                ),
                (
                    Action::DeleteLogShippingPrimary { instance, database },
                    vec![Statement::Exec {
                        procedure: "sp_delete_log_shipping_primary_database".into(),
                        args: vec![(Some("@database".into()), Value::Text(d.clone()))],
                    }],
                ),
                (
                    Action::RestoreUnappliedLogs { instance, database },
                    vec![Statement::RestoreLog {
                        database: d.clone(),
                        disk: format!("<copy folder>\\{d}_NNNN.trn"),
                        recovery: Recovery::NoRecovery,
                    }],
                ),
                (
                    Action::RestoreLogFile {
                        instance,
                        database,
                        newest: 3,
                    },
                    vec![Statement::RestoreLog {
                        database: d.clone(),
                        disk: format!("<copy folder>\\{d}_<3-th newest>.trn"),
                        recovery: Recovery::NoRecovery,
                    }],
                ),
                (
                    Action::BackupTailLog { instance, database },
                    vec![Statement::BackupLog {
                        database: d.clone(),
                        disk: format!("\\\\<share>\\logship\\{d}_tail.trn"),
                        init: false,
                        norecovery: true,
                        no_truncate: true,
                    }],
                ),
                (
                    Action::RemoveMirroring { instance, database },
                    vec![Statement::AlterDatabasePartner {
                        database: d.clone(),
                        partner: Partner::Off,
                    }],
                ),
                (
                    Action::BackupFullToShare { instance, database },
                    vec![Statement::BackupDatabase {
                        database: d.clone(),
                        disk: format!("\\\\<share>\\logship\\{d}_full.bak"),
                        init: true,
                        copy_only: false,
                    }],
                ),
            ];
            for (action, want) in cases {
                assert_eq!(statements(&text(&action)), want, "{action:?}");
            }
            for (replace, recovery) in [(false, false), (false, true), (true, false), (true, true)]
            {
                let a = Action::RestoreFullFromShare {
                    instance,
                    database,
                    replace,
                    recovery,
                };
                assert_eq!(
                    statements(&text(&a)),
                    vec![Statement::RestoreDatabase {
                        database: d.clone(),
                        disk: Some(format!("\\\\<share>\\logship\\{d}_full.bak")),
                        recovery: if recovery {
                            Recovery::Recovery
                        } else {
                            Recovery::NoRecovery
                        },
                        replace,
                        moves: vec![],
                    }]
                );
            }
            // F4's `KILL <spid>` is a placeholder: typed as is, SQL Server's Msg 102.
            let f4 = text(&Action::KillSessionsAndRecover { instance, database });
            let e = parse_batch(&f4).unwrap_err();
            assert_eq!(
                (e.number, e.text.as_str(), e.line),
                (102, "Incorrect syntax near '<'.", 2)
            );
            assert_eq!(
                statements(&f4.replace("<spid>", "53")),
                vec![
                    Statement::Exec {
                        procedure: "sp_who2".into(),
                        args: vec![]
                    },
                    Statement::Kill { spid: 53 },
                    Statement::RestoreDatabase {
                        database: d.clone(),
                        disk: None,
                        recovery: Recovery::Recovery,
                        replace: false,
                        moves: vec![],
                    },
                ]
            );
        }
    }
}

#[test]
fn every_cmdlet_step_typed_at_the_console_is_its_action() {
    let mut actions = vec![
        Action::SetPoolState {
            state: PoolState::FailedOver,
        },
        Action::SetPoolState {
            state: PoolState::Normal,
        },
        Action::SetActiveServers {
            servers: ActiveSelection::Clear,
        },
        Action::SetActiveServers {
            servers: ActiveSelection::Swap,
        },
        Action::SetActiveServers {
            servers: ActiveSelection::Servers(vec![5, 6, 7]),
        },
        Action::StopChatServices { dc: None },
        Action::StartChatServices { dc: Some(Dc::Dc2) },
        Action::FailoverCms { to: Dc::Dc2 },
    ];
    for dc in [Dc::Dc1, Dc::Dc2, Dc::Third] {
        actions.push(Action::SetActiveServers {
            servers: ActiveSelection::Dc(dc),
        });
    }
    for (instance, mirror) in [
        (Instance::Backup, Instance::BackupMirror),
        (Instance::Primary, Instance::Mirror),
    ] {
        for database in [Db::Mgc, Db::Mgccomp] {
            for drop_existing in [false, true] {
                actions.push(Action::InstallMirrorDatabase {
                    instance,
                    mirror,
                    database,
                    drop_existing,
                });
            }
        }
    }
    for product in [Product::Lync2013, Product::SfB2015] {
        for a in &actions {
            let line = command(a, product, POOL_FQDN);
            assert!(cmdlet::is_cmdlet(&line), "{line}");
            assert_eq!(cmdlet::parse(&line).as_ref(), Ok(a), "{line}");
        }
    }
}

/// Issue 11: `SELECT SERVERPROPERTY('EngineEdition')` reached the wire as Msg 50000 "cannot
/// send column '': Int(3) in a NVarChar(128) column": the SELECT announced every
/// SERVERPROPERTY as nvarchar(128) while the catalog's EngineEdition is an int.
/// SERVERPROPERTY is sql_variant (docs/t-sql/functions/serverproperty-transact-sql.md);
/// the range announces the value's base type, so the row encodes as TDS.
#[test]
fn serverproperty_engine_edition_reaches_the_wire_as_an_int() {
    use harness::range::backend::{Clock, ModelBackend};
    use harness::range::reply::{Backend, Login, Reply, SqlType};
    let s: sim::scenario::Scenario = serde_json::from_str(r#"{"name": "sql", "seed": 7}"#).unwrap();
    let b = ModelBackend::new(
        sim::live::Live::new(&s),
        Clock::new(0.0),
        "drill",
        "pw",
        parse_batch,
        harness::range::select::run,
    );
    let login = Login {
        user: "drill".into(),
        password: "pw".into(),
        database: String::new(),
        app_name: String::new(),
        host_name: String::new(),
    };
    let mut session = b.login(0, &login).unwrap();
    let r = b.batch(
        0,
        &mut session,
        "SELECT SERVERPROPERTY('EngineEdition'), SERVERPROPERTY('Edition') AS e",
        &[],
    );
    let Some(Reply::Rows(rs)) = r.first() else {
        panic!("{r:?}")
    };
    let types: Vec<SqlType> = rs.columns.iter().map(|c| c.ty).collect();
    assert_eq!(types, [SqlType::Int, SqlType::NVarChar(128)]);
    // 3 is Enterprise (also Developer and Evaluation), matching the Edition beside it.
    assert_eq!(
        rs.rows,
        vec![vec![
            Value::Int(3),
            Value::Text("Enterprise Edition (64-bit)".into())
        ]]
    );
    let mut tokens = harness::range::tds::token::Tokens::new();
    tokens.col_metadata(&rs.columns);
    tokens
        .row(&rs.columns, &rs.rows[0])
        .unwrap_or_else(|e| panic!("cannot send {}", e.0));
}
