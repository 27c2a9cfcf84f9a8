//! The range's console: what the operator types besides T-SQL. Runbook cmdlet lines as
//! written (through the cmdlet parser the range is given), a runbook action as JSON
//! (`act {"kind": ...}`: every action, including those with no one-line form), and the
//! console's own words: `status`, `advance 10m`, `faults`, `help`, `quit`.

use super::backend::ModelBackend;
use sim::runbook::Action;

/// Parses a cmdlet line into the action it stands for (the T-SQL front end's
/// `cmdlet::parse`).
pub type CmdletFn = fn(&str) -> Result<Action, String>;

pub const HELP: &str = "\
console commands:
  status              the simulated clock, mgc on every instance, the pool, the servers
  advance 10m         move the simulated clock (s, m, h, d; e.g. 90s, 1h30m)
  faults              the scenario's faults still to come
  copy                F2: copy uncopied log backups from the share to the copy folder
  act {JSON}          any runbook action, as in a runbook file: act {\"kind\": \"set_pool_state\", \"state\": \"FailedOver\"}
  Set-Cs... / Install-Cs... / Invoke-Cs...   the runbooks' cmdlet lines as written
  help                this text
  quit                stop the range (and write the recording, with --record)
T-SQL goes to the instances' endpoints (sqlcmd, tsql, SSMS, tiberius), not here.";

/// What the console should do after a line.
#[derive(Debug, PartialEq, Eq)]
pub enum Next {
    Continue,
    Quit,
}

/// A duration as the console takes it: `90`, `90s`, `10m`, `1h30m`, `2d`.
pub fn parse_duration(s: &str) -> Result<u64, String> {
    let s = s.trim();
    let bad =
        || format!("'{s}' is not a duration; expected e.g. 90s, 10m, 1h30m, 2d (at most 60 days)");
    if s.is_empty() {
        return Err(bad());
    }
    let (mut total, mut num): (u64, Option<u64>) = (0, None);
    for c in s.chars() {
        if let Some(d) = c.to_digit(10) {
            num = Some(
                num.unwrap_or(0)
                    .checked_mul(10)
                    .and_then(|n| n.checked_add(d as u64))
                    .ok_or_else(bad)?,
            );
            continue;
        }
        let unit = match c {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            'd' => 86_400,
            _ => return Err(bad()),
        };
        let n = num.take().ok_or_else(bad)?;
        total = n
            .checked_mul(unit)
            .and_then(|v| total.checked_add(v))
            .ok_or_else(bad)?;
    }
    if let Some(n) = num {
        total = total.checked_add(n).ok_or_else(bad)?;
    }
    if total > sim::live::HORIZON_S {
        return Err(bad());
    }
    Ok(total)
}

pub fn hms(t: u64) -> String {
    format!(
        "{}d {:02}:{:02}:{:02}",
        t / 86_400,
        t % 86_400 / 3600,
        t % 3600 / 60,
        t % 60
    )
}

/// The state an operator checks: clock, mgc on each instance, pool, servers.
pub fn status(b: &ModelBackend) -> String {
    let mut st = b.lock();
    st.tick();
    let live = &st.live;
    let o = live.observe();
    let mut s = format!("simulated time {}\n", hms(live.now()));
    s.push_str(&serde_json::to_string_pretty(&o).unwrap_or_default());
    s.push('\n');
    let m = live.measures();
    s.push_str(&format!(
        "outage started: {}; service restored: {}; writes lost at restore: {}\n",
        m.outage_start_s.map_or("no".into(), hms),
        m.service_restored_at_s.map_or("no".into(), hms),
        m.failover_rpo_writes_lost
            .map_or("unknown (not restored)".into(), |n| n.to_string()),
    ));
    s
}

/// Apply one console line; the answer to print and what to do next.
pub fn line(b: &ModelBackend, cmdlet: CmdletFn, input: &str) -> (String, Next) {
    let l = input.trim();
    let (word, rest) = l.split_once(char::is_whitespace).unwrap_or((l, ""));
    match word.to_ascii_lowercase().as_str() {
        "" => (String::new(), Next::Continue),
        "help" | "?" => (HELP.into(), Next::Continue),
        "quit" | "exit" => ("stopping the range".into(), Next::Quit),
        "status" => (status(b), Next::Continue),
        "advance" => match parse_duration(rest) {
            Ok(d) => {
                let mut st = b.lock();
                st.clock.advance(d);
                st.tick();
                let mut out = format!("simulated time {}", hms(st.live.now()));
                for h in st.live.drain_happened() {
                    out.push_str(&format!("\n  {} {}", hms(h.t_s), h.what));
                }
                (out, Next::Continue)
            }
            Err(e) => (format!("advance: {e}"), Next::Continue),
        },
        "faults" => {
            let mut st = b.lock();
            st.tick();
            let mut out = String::from("faults still to come:");
            let pending = st.live.pending_faults();
            if pending.is_empty() {
                out.push_str(" none");
            }
            for (t, f) in pending {
                out.push_str(&format!("\n  {} {f}", hms(t)));
            }
            for f in st.live.unscheduled_faults() {
                out.push_str(&format!("\n  {f}"));
            }
            (out, Next::Continue)
        }
        "copy" => apply(
            b,
            l,
            &Action::CopyUncopiedFiles {
                instance: sim::topology::Instance::Backup,
            },
        ),
        "act" => match serde_json::from_str::<Action>(rest) {
            Ok(a) => apply(b, l, &a),
            Err(e) => (
                format!("act: {e}; expected a runbook action as JSON, e.g. act {{\"kind\": \"set_pool_state\", \"state\": \"FailedOver\"}}"),
                Next::Continue,
            ),
        },
        _ => match cmdlet(l) {
            Ok(a) => apply(b, l, &a),
            Err(e) => (format!("{e}\n(type help for the console's commands)"), Next::Continue),
        },
    }
}

fn apply(b: &ModelBackend, text: &str, a: &Action) -> (String, Next) {
    let r = b.act(text, a);
    let st = b.lock();
    let at = hms(st.live.now());
    let out = match r {
        Ok(e) => format!(
            "{at} -> {}",
            sim::describe::describe_effect(&e, st.live.world())
        ),
        Err(f) => format!("{at} !! {}", f.render()),
    };
    (out, Next::Continue)
}

/// The cmdlet parser to use until one is given: only `act {JSON}` and `copy` work.
pub fn cmdlet_unavailable(line: &str) -> Result<Action, String> {
    Err(format!(
        "'{line}': cmdlet lines are not understood by this build of the range; use act {{JSON}} with the runbook action"
    ))
}

#[cfg(test)]
mod tests {
    use super::parse_duration;

    #[test]
    fn durations_as_operators_type_them() {
        assert_eq!(parse_duration("10m"), Ok(600));
        assert_eq!(parse_duration("1h30m"), Ok(5400));
        assert_eq!(parse_duration("90"), Ok(90));
        assert_eq!(parse_duration("2d"), Ok(172_800));
        assert!(parse_duration("").is_err());
        assert!(parse_duration("m").is_err());
        assert!(parse_duration("10x").is_err());
        assert!(parse_duration("99999999999999999999d").is_err());
        assert!(parse_duration("61d").is_err());
    }
}
