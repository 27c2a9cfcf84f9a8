//! Arm (b) on a range started elsewhere: `drill conform --range HOST:P1,..,P5` (or
//! HOST:PORT, the five on PORT..PORT+4) against `drill range --control --speed 0
//! harness/src/conform/scenario.json`.
//!
//! Checked as `drill replay --range` checks (sqlserver/range.rs, `check`): every endpoint's
//! `@@VERSION` says "drill range" before anything else is sent; its control surface answers;
//! it plays the conformance scenario (name, seed, digest), its clock stopped (speed 0), at
//! t=0 with no action taken: a range someone is using is refused, not reset. Every case then
//! starts with the control line `reset` (t=0 of the same scenario, sessions forgotten) and
//! new connections; console lines (`advance 50m`, `copy`) go through the control surface.
//! The range is reset once more at the end, so it is left as it was found.

use super::cases::{At, Step};
use super::model::{first_error, model_text, scenario, SCENARIO_FILE};
use super::runner::{Answer, Arm};
use crate::load::Loaded;
use crate::sqlserver::range::{check, control, control_sql};
use crate::sqlserver::replay::Tiberius;
use sim::topology::Instance;
use std::collections::BTreeMap;

pub struct Remote {
    rt: tokio::runtime::Runtime,
    endpoints: Vec<(String, u16)>,
    user: String,
    password: String,
    /// One connection per endpoint for the control surface (in master, never used for a case).
    control: Vec<Tiberius>,
    /// The case's sessions, new for every case.
    clients: BTreeMap<(Instance, u8), Tiberius>,
}

impl Remote {
    /// Connect to the five endpoints and check them; nothing but `SELECT @@VERSION` is sent
    /// before every endpoint said it is a drill range.
    pub fn open(at: &str, user: &str, password: String) -> Result<Remote, String> {
        let eps = crate::night::rehearse::range_endpoints(at)?;
        let endpoints: Vec<(String, u16)> = eps
            .iter()
            .flatten()
            .map(|e| (e.host.clone(), e.port))
            .collect();
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| format!("cannot start the async runtime: {e}"))?;
        let loaded = Loaded {
            file: SCENARIO_FILE.into(),
            scenario: scenario(),
            runbooks: vec![],
            runbook_files: vec![],
        };
        let control = rt.block_on(async {
            let mut conns = Vec::new();
            let mut names = Vec::new();
            for (host, port) in &endpoints {
                names.push(format!("{host},{port}"));
                conns.push(Tiberius::connect(host, *port, user, &password).await?);
            }
            check(&mut conns, &names, &loaded).await?;
            Ok::<_, String>(conns)
        })?;
        Ok(Remote {
            rt,
            endpoints,
            user: user.into(),
            password,
            control,
            clients: BTreeMap::new(),
        })
    }

    fn control_line(&mut self, line: &str) -> Result<Vec<String>, String> {
        self.rt
            .block_on(control(&mut self.control, line))
            .map_err(|f| format!("the range's control surface, `{line}`: {}", f.message))
    }
}

impl Arm for Remote {
    fn name(&self) -> String {
        "range over TDS (tiberius)".into()
    }
    fn reset(&mut self) -> Result<(), String> {
        // The last case's sessions go first (the reset forgets them in any case).
        self.clients.clear();
        self.control_line("reset").map(|_| ())
    }
    fn text(&self, step: &Step) -> Result<String, String> {
        model_text(step)
    }
    fn play(&mut self, step: &Step, text: &str) -> Result<Answer, String> {
        let At::Sql { instance, session } = step.at else {
            self.control_line(text)?;
            return Ok(Answer::Console {
                sent: vec![control_sql(text)],
                note: None,
            });
        };
        let (host, port) = self.endpoints[instance.index()].clone();
        let (user, password) = (self.user.clone(), self.password.clone());
        let rt = &self.rt;
        let c = match self.clients.entry((instance, session)) {
            std::collections::btree_map::Entry::Occupied(o) => o.into_mut(),
            std::collections::btree_map::Entry::Vacant(v) => {
                v.insert(rt.block_on(Tiberius::connect(&host, port, &user, &password))?)
            }
        };
        rt.block_on(first_error(&mut c.0, text)).map(Answer::Errors)
    }
    fn sees(&self) -> Option<usize> {
        Some(1)
    }
    fn finish(&mut self) -> Result<(), String> {
        self.clients.clear();
        self.control_line("reset").map(|_| ())
    }
}
