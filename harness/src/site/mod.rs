//! The user's own estate (issue 13): a site file names the Persistent Chat pool, the five SQL
//! instances, the share, the copy folder, the chat servers and Front End pools and the
//! log-shipping schedules. `drill site check` validates it and says which modelling defaults
//! it overrides; `drill site scenario` writes a scenario whose topology comes from it; `drill
//! plan` and `drill rehearse` fill its names into every command.

use crate::exit;
use crate::load::{locate_path, InputError};
use clap::{Args as ClapArgs, Subcommand};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use sim::scenario::{LogShippingParams, Scenario, TopologyParams};
use sim::topology::{Dc, Instance, Layout, Product};
use std::path::{Path, PathBuf};

pub const FORMAT: &str = "drill-site/1";
pub const DOC: &str = "docs/drill-night.md";

/// A Persistent Chat estate: the names a drill-night checklist fills in.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Site {
    /// Always "drill-site/1".
    pub format: String,
    /// A name for the estate, shown on the checklist and report.
    pub name: String,
    /// "lync2013" or "sfb2015": which cmdlet identities and shell name apply.
    pub product: Product,
    pub pool: Pool,
    /// The five SQL Server instances of the back end, by role.
    pub instances: Instances,
    /// The log-shipping backup share (every back-end SQL Server reads and writes it).
    pub share: Share,
    /// The copy destination folder on the backup instance's server (a local path).
    pub copy_folder: String,
    /// The UNC share Install-CsMirrorDatabase -FileShare seeds the mirror from (F6).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mirror_seed_share: Option<Share>,
    /// The Persistent Chat servers, at most 4 per data center; `active` in normal operation.
    pub chat_servers: Vec<ChatServer>,
    /// The Front End pools; exactly one holds the Central Management Store.
    pub front_end_pools: Vec<FrontEndPool>,
    /// Whether compliance (mgccomp) is enabled. Default true.
    #[serde(default = "yes")]
    pub compliance: bool,
    /// The log-shipping job schedules as configured (seconds); absent fields keep the
    /// model's defaults.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log_shipping: Option<LogShippingParams>,
}

fn yes() -> bool {
    true
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Pool {
    /// The Persistent Chat pool's FQDN, e.g. "pchatpool.contoso.com".
    pub fqdn: String,
    /// The pool's service identity as the topology names it, e.g.
    /// "PersistentChatServer:pchatpool.contoso.com"; absent: built from the FQDN in the
    /// cmdlet reference's form.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_identity: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Instances {
    pub primary: SqlInstance,
    pub mirror: SqlInstance,
    /// Absent: the DC1 mirroring session has no witness (no automatic failover).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub witness: Option<SqlInstance>,
    pub backup: SqlInstance,
    #[serde(rename = "backup-mirror")]
    pub backup_mirror: SqlInstance,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SqlInstance {
    /// `host\instance` or `host` (default instance), as SSMS connects to it.
    pub server: String,
    /// The TCP port probes connect to (named instances need it: SQL Browser is not used).
    #[serde(default = "port_1433")]
    pub port: u16,
}

fn port_1433() -> u16 {
    1433
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Share {
    /// UNC path, e.g. "\\\\fs-dc2.contoso.com\\logship".
    pub unc: String,
    /// The data center the share's file server is in: "DC1", "DC2" or "third".
    pub dc: Dc,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ChatServer {
    pub fqdn: String,
    /// "DC1" or "DC2".
    pub dc: Dc,
    /// In the active list in normal operation.
    pub active: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FrontEndPool {
    pub fqdn: String,
    /// "DC1" or "DC2".
    pub dc: Dc,
    /// This pool holds the Central Management Store.
    #[serde(default)]
    pub cms: bool,
}

impl Instances {
    pub fn get(&self, i: Instance) -> Option<&SqlInstance> {
        match i {
            Instance::Primary => Some(&self.primary),
            Instance::Mirror => Some(&self.mirror),
            Instance::Witness => self.witness.as_ref(),
            Instance::Backup => Some(&self.backup),
            Instance::BackupMirror => Some(&self.backup_mirror),
        }
    }
}

impl SqlInstance {
    /// The host part of `host\instance`.
    pub fn host(&self) -> &str {
        self.server.split('\\').next().unwrap_or(&self.server)
    }
}

/// A modelling default the site sets to another value.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Override {
    /// The scenario field, e.g. `topology.share`.
    pub field: String,
    pub default: String,
    pub site: String,
}

impl Site {
    /// The pool identity for Set-CsPersistentChatState / Get-CsPersistentChatState, in the
    /// form the cmdlet reference gives (`PersistentChatServer:<fqdn>`).
    pub fn state_identity(&self) -> String {
        self.pool
            .service_identity
            .clone()
            .unwrap_or_else(|| format!("PersistentChatServer:{}", self.pool.fqdn))
    }

    pub fn cms_dc(&self) -> Dc {
        self.front_end_pools
            .iter()
            .find(|p| p.cms)
            .map(|p| p.dc)
            .unwrap_or(Dc::Dc1)
    }

    /// The site's servers of a data center, in file order (model servers 1-4 / 5-8).
    pub fn servers_in(&self, dc: Dc) -> Vec<&ChatServer> {
        self.chat_servers.iter().filter(|s| s.dc == dc).collect()
    }

    /// The FQDN of model server `n` (1-4 DC1, 5-8 DC2), if the site has it.
    pub fn server_fqdn(&self, n: u8) -> Option<&str> {
        let (dc, i) = if n <= 4 {
            (Dc::Dc1, n as usize - 1)
        } else {
            (Dc::Dc2, n as usize - 5)
        };
        self.servers_in(dc).get(i).map(|s| s.fqdn.as_str())
    }

    pub fn layout(&self) -> Result<Layout, String> {
        let active = |dc| self.servers_in(dc).iter().filter(|s| s.active).count();
        match (active(Dc::Dc1), active(Dc::Dc2)) {
            (2, 2) => Ok(Layout::TwoPlusTwo),
            (4, 0) => Ok(Layout::FourPlusZero),
            (a, b) => Err(format!(
                "{a} active in DC1 and {b} in DC2; expected one of the documented layouts: 2 + 2 (fast link) or 4 + 0 (slow link) ([P] plan page)"
            )),
        }
    }

    pub fn topology(&self) -> Result<TopologyParams, String> {
        Ok(TopologyParams {
            share: self.share.dc,
            layout: self.layout()?,
            witness: self.instances.witness.is_some(),
            cms: self.cms_dc(),
            mirror_seed_share: self
                .mirror_seed_share
                .as_ref()
                .map(|s| s.dc)
                .unwrap_or(TopologyParams::default().mirror_seed_share),
            compliance: self.compliance,
        })
    }

    /// Checks JSON cannot express, each with the path of the field it is about.
    pub fn validate(&self) -> Result<(), (String, String)> {
        let err = |p: &str, m: String| Err((p.to_string(), m));
        if self.format != FORMAT {
            return err(
                "format",
                format!("format {:?}; expected {FORMAT:?}", self.format),
            );
        }
        let texts = [
            ("name", &self.name),
            ("pool.fqdn", &self.pool.fqdn),
            ("share.unc", &self.share.unc),
            ("copy_folder", &self.copy_folder),
        ];
        for (p, v) in texts {
            if v.trim().is_empty() || v.chars().count() > 260 {
                return err(
                    p,
                    format!("{p} is empty or longer than 260 characters; expected a name"),
                );
            }
            if v.chars().any(|c| c.is_control() || c == '\'' || c == '"') {
                return err(p, format!("{p} {v:?} holds a quote or control character; expected a plain name (it is pasted into T-SQL and PowerShell)"));
            }
        }
        if !self.pool.fqdn.contains('.') {
            return err(
                "pool.fqdn",
                format!(
                    "pool.fqdn {:?}; expected a fully qualified domain name",
                    self.pool.fqdn
                ),
            );
        }
        if let Some(id) = &self.pool.service_identity {
            if id.contains(": ") || !id.contains(':') {
                return err("pool.service_identity", format!("pool.service_identity {id:?}; expected \"PersistentChatServer:<fqdn>\" without spaces (the failback example's \"service: ...\" has a stray space, gap 11)"));
            }
        }
        if !self.share.unc.starts_with("\\\\") {
            return err(
                "share.unc",
                format!(
                    "share.unc {:?}; expected a UNC path \\\\server\\share",
                    self.share.unc
                ),
            );
        }
        if let Some(m) = &self.mirror_seed_share {
            if !m.unc.starts_with("\\\\") {
                return err(
                    "mirror_seed_share.unc",
                    format!(
                        "mirror_seed_share.unc {:?}; expected a UNC path \\\\server\\share",
                        m.unc
                    ),
                );
            }
        }
        let mut seen: Vec<String> = Vec::new();
        for (i, role) in Instance::ALL.iter().enumerate() {
            let Some(inst) = self.instances.get(*role) else {
                continue;
            };
            let p = format!("instances.{role}");
            if inst.server.trim().is_empty()
                || inst
                    .server
                    .chars()
                    .any(|c| c.is_control() || c == '\'' || c == '"' || c == ' ')
            {
                return err(
                    &format!("{p}.server"),
                    format!(
                        "{p}.server {:?}; expected host or host\\instance",
                        inst.server
                    ),
                );
            }
            if inst.port == 0 {
                return err(
                    &format!("{p}.port"),
                    format!("{p}.port is 0; expected 1 to 65535"),
                );
            }
            let key = format!("{},{}", inst.server.to_lowercase(), inst.port);
            if seen.contains(&key) {
                return err(&format!("{p}.server"), format!("{p} is {} port {}, the same as another role; expected five separate instances (the docs ask for dedicated instances)", inst.server, inst.port));
            }
            seen.push(key);
            let _ = i;
        }
        for dc in [Dc::Dc1, Dc::Dc2] {
            if self.servers_in(dc).len() > 4 {
                return err(
                    "chat_servers",
                    format!(
                        "{} chat servers in {dc}; expected at most 4 per data center ([T])",
                        self.servers_in(dc).len()
                    ),
                );
            }
        }
        for (i, s) in self.chat_servers.iter().enumerate() {
            if s.dc == Dc::Third {
                return err(
                    &format!("chat_servers[{i}].dc"),
                    format!("chat_servers[{i}].dc is \"third\"; expected \"DC1\" or \"DC2\""),
                );
            }
            if self.chat_servers[..i]
                .iter()
                .any(|o| o.fqdn.eq_ignore_ascii_case(&s.fqdn))
            {
                return err(
                    &format!("chat_servers[{i}].fqdn"),
                    format!("chat_servers[{i}].fqdn {:?} is listed twice", s.fqdn),
                );
            }
        }
        if let Err(m) = self.layout() {
            return err("chat_servers", format!("chat_servers: {m}"));
        }
        let cms: Vec<usize> = (0..self.front_end_pools.len())
            .filter(|&i| self.front_end_pools[i].cms)
            .collect();
        if cms.len() != 1 {
            return err(
                "front_end_pools",
                format!(
                    "front_end_pools: {} pools hold the CMS; expected exactly one with \"cms\": true",
                    cms.len()
                ),
            );
        }
        for (i, p) in self.front_end_pools.iter().enumerate() {
            if p.dc == Dc::Third {
                return err(
                    &format!("front_end_pools[{i}].dc"),
                    format!("front_end_pools[{i}].dc is \"third\"; expected \"DC1\" or \"DC2\""),
                );
            }
        }
        if let Some(ls) = &self.log_shipping {
            let mut s = Scenario::default_for_site();
            s.log_shipping = ls.clone();
            if let Err(m) = s.validate() {
                let path = m
                    .split([':', ' '])
                    .next()
                    .unwrap_or("log_shipping")
                    .to_string();
                return err(&path, m);
            }
        }
        Ok(())
    }

    /// The modelling defaults this site sets to other values.
    pub fn overrides(&self) -> Vec<Override> {
        let mut out = Vec::new();
        let mut push = |field: &str, d: String, s: String| {
            if d != s {
                out.push(Override {
                    field: field.into(),
                    default: d,
                    site: s,
                });
            }
        };
        push(
            "product",
            format!("{:?}", Product::default()),
            format!("{:?}", self.product),
        );
        if let Ok(t) = self.topology() {
            let d = TopologyParams::default();
            push("topology.share", d.share.to_string(), t.share.to_string());
            push(
                "topology.layout",
                format!("{:?}", d.layout),
                format!("{:?}", t.layout),
            );
            push(
                "topology.witness",
                d.witness.to_string(),
                t.witness.to_string(),
            );
            push("topology.cms", d.cms.to_string(), t.cms.to_string());
            push(
                "topology.mirror_seed_share",
                d.mirror_seed_share.to_string(),
                t.mirror_seed_share.to_string(),
            );
            push(
                "topology.compliance",
                d.compliance.to_string(),
                t.compliance.to_string(),
            );
        }
        if let Some(ls) = &self.log_shipping {
            let d = serde_json::to_value(LogShippingParams::default()).unwrap_or_default();
            let s = serde_json::to_value(ls).unwrap_or_default();
            if let (Some(d), Some(s)) = (d.as_object(), s.as_object()) {
                for (k, v) in s {
                    let dv = d.get(k).cloned().unwrap_or_default();
                    push(&format!("log_shipping.{k}"), dv.to_string(), v.to_string());
                }
            }
        }
        out
    }

    /// Put the site's product, topology and log-shipping schedule into a scenario.
    pub fn apply(&self, s: &mut Scenario) -> Result<(), String> {
        s.product = self.product;
        s.topology = self.topology()?;
        if let Some(ls) = &self.log_shipping {
            s.log_shipping = ls.clone();
        }
        // A CMS already in DC2 needs no failover: drop the scenario's CMS failover fault.
        if self.cms_dc() == Dc::Dc2 {
            s.faults
                .retain(|f| !matches!(f.fault, sim::fault::Fault::CmsFailover { .. }));
        }
        Ok(())
    }
}

trait DefaultForSite {
    fn default_for_site() -> Scenario;
}

impl DefaultForSite for Scenario {
    fn default_for_site() -> Scenario {
        serde_json::from_str(r#"{"name": "site"}"#).expect("a name is a whole scenario")
    }
}

/// Parse and validate a site file's text; errors at file:line:column.
pub fn parse(file: &str, text: &str) -> Result<Site, InputError> {
    let s: Site = crate::load::parse_json(file, text, "site file", DOC)?;
    if let Err((path, msg)) = s.validate() {
        let (line, column) = locate_path(text, &path);
        return Err(InputError::at(file, line, column, msg));
    }
    Ok(s)
}

pub fn load(path: &Path) -> Result<Site, InputError> {
    let text = crate::load::read_input(path)?;
    parse(&path.display().to_string(), &text)
}

pub fn schema() -> String {
    let s = schemars::schema_for!(Site);
    serde_json::to_string_pretty(&s).unwrap_or_default() + "\n"
}

#[derive(ClapArgs, Debug)]
pub struct Args {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand, Debug)]
enum Cmd {
    /// Validate a site file and list the modelling defaults it overrides.
    Check {
        file: PathBuf,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Print a scenario (DC1 outage, the documented failover and failback) whose product,
    /// topology and log-shipping schedule come from the site file.
    Scenario { file: PathBuf },
}

pub fn run(args: Args) -> i32 {
    match args.cmd {
        Cmd::Check { file, json } => match load(&file) {
            Ok(site) => {
                let ov = site.overrides();
                if json {
                    let v = serde_json::json!({"file": file.display().to_string(), "valid": true, "overrides": ov});
                    println!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
                } else {
                    print!("{}", check_text(&file.display().to_string(), &site, &ov));
                }
                exit::OK
            }
            Err(e) => {
                eprintln!("drill site check: {e}");
                exit::BAD_INPUT
            }
        },
        Cmd::Scenario { file } => match load(&file).and_then(|s| {
            scenario_for(&s).map_err(|m| InputError::at(&file.display().to_string(), 1, 1, m))
        }) {
            Ok(sc) => {
                println!("{}", serde_json::to_string_pretty(&sc).unwrap_or_default());
                exit::OK
            }
            Err(e) => {
                eprintln!("drill site scenario: {e}");
                exit::BAD_INPUT
            }
        },
    }
}

pub fn check_text(file: &str, site: &Site, ov: &[Override]) -> String {
    use std::fmt::Write as _;
    let mut o = String::new();
    let _ = writeln!(
        o,
        "{file}: valid site file {:?} ({}, pool {}, {} chat servers, {} Front End pools)",
        site.name,
        site.product.shell_name(),
        site.pool.fqdn,
        site.chat_servers.len(),
        site.front_end_pools.len()
    );
    if ov.is_empty() {
        let _ = writeln!(o, "overrides no modelling default");
    } else {
        let _ = writeln!(o, "overrides {} modelling default(s):", ov.len());
        for x in ov {
            let _ = writeln!(
                o,
                "  {:<32} default {:<14} site {}",
                x.field, x.default, x.site
            );
        }
    }
    o
}

/// The embedded default drill (DC1 outage, documented failover and failback) with the
/// site's product, topology and log-shipping schedule.
pub fn scenario_for(site: &Site) -> Result<Scenario, String> {
    let l = crate::load::load(None).map_err(|e| e.to_string())?;
    let mut s = l.scenario;
    s.name = format!("{}-drill", site.name);
    s.description = format!(
        "The default drill (DC1 total outage, documented failover, DC1 rebuilt, documented failback) on the estate {:?}: product, topology and log-shipping schedule from its site file.",
        site.name
    );
    site.apply(&mut s)?;
    // Inline the runbooks so the scenario plays wherever it is written.
    s.phases = s
        .phases
        .into_iter()
        .zip(l.runbooks)
        .map(|(mut p, rb)| {
            p.runbook = sim::scenario::PhaseRunbook::Inline(Box::new(rb));
            p
        })
        .collect();
    s.validate()?;
    Ok(s)
}
