//! One `mcr.microsoft.com/mssql/server` container, started through the Docker engine API
//! (bollard). Without a reachable Docker engine this fails at once with the reason, never
//! hangs. bollard directly rather than testcontainers: testcontainers always builds
//! Docker's BuildKit client (tonic, axum, prost), which starting a container does not use,
//! and that doubled the first build.

use bollard::models::{ContainerCreateBody, HostConfig, PortBinding};
use bollard::query_parameters::{
    CreateContainerOptions, CreateImageOptions, LogsOptions, RemoveContainerOptions,
};
use bollard::Docker;
use futures_util::StreamExt;
use std::time::Duration;

/// Meets the image's policy (three of four character classes, 8+ long).
pub const SA_PASSWORD: &str = "Drill-replay-1";
/// The image and tag the container replay was validated with (testcontainers-modules'
/// MssqlServer default).
pub const IMAGE: &str = "mcr.microsoft.com/mssql/server";
pub const TAG: &str = "2022-CU14-ubuntu-22.04";
/// The image's log lines once every system database is recovered.
const READY: [&str; 2] = [
    "SQL Server is now ready for client connections",
    "Recovery is complete",
];
const STARTUP: Duration = Duration::from_secs(180);

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

/// A running SQL Server container; [`Container::remove`] stops and deletes it.
pub struct Container {
    docker: Docker,
    id: String,
    /// Host port mapped to the container's 1433.
    pub port: u16,
}

/// Start SQL Server (Agent enabled, as log shipping needs), wait until it is ready, and
/// return it with its host port. On any failure after creation the container is removed.
pub async fn start() -> Result<Container, String> {
    docker_reachable()?;
    let docker = Docker::connect_with_defaults().map_err(|e| format!("Docker: {e}"))?;
    let mut pull = docker.create_image(
        Some(CreateImageOptions {
            from_image: Some(IMAGE.into()),
            tag: Some(TAG.into()),
            ..Default::default()
        }),
        None,
        None,
    );
    while let Some(step) = pull.next().await {
        step.map_err(|e| format!("cannot pull {IMAGE}:{TAG}: {e}"))?;
    }
    let body = ContainerCreateBody {
        image: Some(format!("{IMAGE}:{TAG}")),
        env: Some(vec![
            "ACCEPT_EULA=Y".into(),
            "MSSQL_PID=Developer".into(),
            format!("MSSQL_SA_PASSWORD={SA_PASSWORD}"),
            "MSSQL_AGENT_ENABLED=true".into(),
        ]),
        exposed_ports: Some(vec!["1433/tcp".into()]),
        host_config: Some(HostConfig {
            // An empty host port: the engine picks a free one.
            port_bindings: Some(
                [(
                    "1433/tcp".to_string(),
                    Some(vec![PortBinding {
                        host_ip: Some("127.0.0.1".into()),
                        host_port: Some(String::new()),
                    }]),
                )]
                .into_iter()
                .collect(),
            ),
            ..Default::default()
        }),
        ..Default::default()
    };
    let id = docker
        .create_container(None::<CreateContainerOptions>, body)
        .await
        .map_err(|e| format!("cannot create the SQL Server container: {e}"))?
        .id;
    let mut c = Container {
        docker,
        id,
        port: 0,
    };
    match c.run().await {
        Ok(port) => {
            c.port = port;
            Ok(c)
        }
        Err(e) => {
            c.remove().await;
            Err(e)
        }
    }
}

impl Container {
    async fn run(&self) -> Result<u16, String> {
        self.docker
            .start_container(&self.id, None)
            .await
            .map_err(|e| format!("cannot start the SQL Server container: {e}"))?;
        tokio::time::timeout(STARTUP, self.ready())
            .await
            .map_err(|_| {
                format!(
                    "SQL Server did not report ready within {} s",
                    STARTUP.as_secs()
                )
            })??;
        let info = self
            .docker
            .inspect_container(&self.id, None)
            .await
            .map_err(|e| format!("container port 1433: {e}"))?;
        info.network_settings
            .and_then(|n| n.ports)
            .and_then(|p| p.get("1433/tcp").cloned().flatten())
            .and_then(|b| b.into_iter().find_map(|b| b.host_port))
            .and_then(|p| p.parse().ok())
            .ok_or_else(|| "container port 1433: no host port mapped".to_string())
    }

    /// Follow the log until every ready line has appeared.
    async fn ready(&self) -> Result<(), String> {
        let mut logs = self.docker.logs(
            &self.id,
            Some(LogsOptions {
                follow: true,
                stdout: true,
                stderr: true,
                ..Default::default()
            }),
        );
        let mut seen = [false; READY.len()];
        while let Some(chunk) = logs.next().await {
            let text = chunk
                .map_err(|e| format!("container log: {e}"))?
                .to_string();
            for (k, line) in READY.iter().enumerate() {
                seen[k] |= text.contains(line);
            }
            if seen.iter().all(|s| *s) {
                return Ok(());
            }
        }
        Err("the SQL Server container stopped before it was ready".into())
    }

    /// Stop and delete the container with its volumes (best effort: a failure is printed).
    pub async fn remove(self) {
        let opts = RemoveContainerOptions {
            force: true,
            v: true,
            ..Default::default()
        };
        if let Err(e) = self.docker.remove_container(&self.id, Some(opts)).await {
            eprintln!("drill replay: could not remove container {}: {e}", self.id);
        }
    }
}
