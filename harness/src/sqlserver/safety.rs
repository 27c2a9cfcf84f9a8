//! The safety rule: no destructive statement (tsql::is_destructive) against a server the
//! harness did not start, unless the user named that exact server with
//! `--allow-destructive HOST[,PORT]`. Checked on the whole script before any connection.

use super::tsql::is_destructive;

/// A server as `host,port`; hosts compare case-insensitively.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServerId {
    pub host: String,
    pub port: u16,
}

impl ServerId {
    pub fn parse(s: &str) -> Result<Self, String> {
        crate::history::live::parse_server(s).map(|(host, port)| ServerId { host, port })
    }
    fn same(&self, o: &ServerId) -> bool {
        self.host.eq_ignore_ascii_case(&o.host) && self.port == o.port
    }
}

/// Who the statements would run against.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    /// A container this process started (and will remove).
    OurContainer,
    /// A server given with --server.
    Server(ServerId),
}

/// Ok, or the refusal naming the first destructive statement and the flag that would allow it.
pub fn gate<'a>(
    statements: impl IntoIterator<Item = &'a str>,
    target: &Target,
    allow: Option<&ServerId>,
) -> Result<(), String> {
    let Target::Server(server) = target else {
        return Ok(());
    };
    if allow.is_some_and(|a| a.same(server)) {
        return Ok(());
    }
    match statements.into_iter().find(|s| is_destructive(s)) {
        None => Ok(()),
        Some(s) => Err(format!(
            "refusing to run a destructive statement against {h},{p}, a server drill did not start:\n  {s}\n{why}pass --allow-destructive {h},{p} to name this exact server (see docs/sqlserver.md)",
            h = server.host,
            p = server.port,
            why = match allow {
                Some(a) => format!("--allow-destructive names {},{}, not this server; ", a.host, a.port),
                None => String::new(),
            }
        )),
    }
}
