//! One `mcr.microsoft.com/mssql/server` container (testcontainers-modules' MssqlServer).
//! Without a reachable Docker engine this fails at once with the reason, never hangs.

use std::time::Duration;
use testcontainers_modules::mssql_server::MssqlServer;
use testcontainers_modules::testcontainers::{runners::AsyncRunner, ContainerAsync, ImageExt};

/// Meets the image's policy (three of four character classes, 8+ long).
pub const SA_PASSWORD: &str = "Drill-replay-1";

/// Where a Docker engine would be: `DOCKER_HOST`, else the default socket.
pub fn docker_endpoint() -> String {
    std::env::var("DOCKER_HOST").unwrap_or_else(|_| "unix:///var/run/docker.sock".into())
}

/// Ok if something accepts connections at the Docker endpoint (a 2 s connect, no API call).
pub fn docker_reachable() -> Result<(), String> {
    let ep = docker_endpoint();
    let fail = |e: String| {
        Err(format!("no Docker engine reachable at {ep} ({e}); the container replay needs one: set DOCKER_HOST or start Docker (docs/sqlserver.md)"))
    };
    if let Some(path) = ep.strip_prefix("unix://") {
        #[cfg(unix)]
        return match std::os::unix::net::UnixStream::connect(path) {
            Ok(_) => Ok(()),
            Err(e) => fail(e.to_string()),
        };
        #[cfg(not(unix))]
        return fail(format!("unix socket {path} on a non-unix host"));
    }
    let addr = ep.trim_start_matches("tcp://").trim_end_matches('/');
    use std::net::ToSocketAddrs;
    match addr.to_socket_addrs().map(|mut a| a.next()) {
        Ok(Some(a)) => match std::net::TcpStream::connect_timeout(&a, Duration::from_secs(2)) {
            Ok(_) => Ok(()),
            Err(e) => fail(e.to_string()),
        },
        Ok(None) => fail("no address".into()),
        Err(e) => fail(e.to_string()),
    }
}

/// Start SQL Server (Agent enabled, as log shipping needs) and return it with its host port.
pub async fn start() -> Result<(ContainerAsync<MssqlServer>, u16), String> {
    docker_reachable()?;
    let c = MssqlServer::default()
        .with_accept_eula()
        .with_sa_password(SA_PASSWORD)
        .with_env_var("MSSQL_AGENT_ENABLED", "true")
        .with_startup_timeout(Duration::from_secs(180))
        .start()
        .await
        .map_err(|e| format!("cannot start the SQL Server container: {e}"))?;
    let port = c
        .get_host_port_ipv4(1433)
        .await
        .map_err(|e| format!("container port 1433: {e}"))?;
    Ok((c, port))
}
