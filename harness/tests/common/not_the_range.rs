//! A TDS endpoint that is not the range: it answers like SQL Server 2022 and records every
//! batch, so a test can show a command sent it nothing but `SELECT @@VERSION`.

use harness::range::reply::{
    Backend, Column, Login, Param, Reply, ResultSet, Session, SqlMessage, SqlType, Value,
};
use harness::range::server::{RangeServer, ServeConfig};
use std::sync::{Arc, Mutex};

#[derive(Default)]
pub struct NotTheRange {
    pub batches: Mutex<Vec<String>>,
}

impl NotTheRange {
    /// The fake served on loopback; keep the server alive while the test talks to it.
    pub fn serve() -> (Arc<NotTheRange>, RangeServer) {
        let fake = Arc::new(NotTheRange::default());
        let server = RangeServer::start(ServeConfig::default(), fake.clone()).unwrap();
        (fake, server)
    }

    /// The command was refused before any statement: the version probe is all it sent.
    pub fn assert_only_the_version_was_asked(&self) {
        assert_eq!(
            *self.batches.lock().unwrap(),
            ["SELECT @@VERSION AS version;"]
        );
    }
}

impl Backend for NotTheRange {
    fn server_name(&self, _: usize) -> String {
        "SQLPROD01".into()
    }
    fn login(&self, _: usize, _: &Login) -> Result<Session, SqlMessage> {
        Ok(Session {
            spid: 60,
            database: "master".into(),
        })
    }
    fn batch(&self, _: usize, _: &mut Session, sql: &str, _: &[Param]) -> Vec<Reply> {
        self.batches.lock().unwrap().push(sql.to_string());
        let version = "Microsoft SQL Server 2022 (RTM-CU14) - 16.0.4135.4 (X64)";
        vec![
            Reply::Rows(ResultSet {
                columns: vec![Column {
                    name: "version".into(),
                    ty: SqlType::NVarChar(4000),
                }],
                rows: vec![vec![Value::Text(version.into())]],
            }),
            Reply::Done {
                rows: Some(1),
                error: false,
            },
        ]
    }
    fn attention(&self, _: usize, _: &Session) {}
    fn logout(&self, _: usize, _: &Session) {}
}
