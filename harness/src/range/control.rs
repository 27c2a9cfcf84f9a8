//! The range's control surface: the console, over TDS, for programs (`drill replay
//! --range`). `EXEC drill_range_console N'advance 10m'` answers the console's text as a
//! one-column result set (`console`, one row per line); an action the model refuses is
//! answered with SQL Server's messages for it (e.g. 3101, then 3013), as at an endpoint.
//!
//! Safety: the procedure exists only on a range started with `--control`. Without it, and
//! on every real SQL Server (where no such procedure is installed), the EXEC gets Msg 2812,
//! so a program pointed at the wrong server fails before it changes anything.

use super::backend::{failure_messages, State, NOT_MODELLED};
use super::console::{hms, parse_duration};
use super::reply::{Column, Reply, ResultSet, SqlMessage, SqlType, Value};
use sim::runbook::Action;
use sim::topology::Instance;

/// The procedure's name: no SQL Server ships it, and the `drill_range` prefix says whose it is.
pub const PROCEDURE: &str = "drill_range_console";

pub const HELP: &str = "\
control surface (EXEC drill_range_console N'...'):
  scenario            name, seed, digest, speed, simulated time, actions taken
  time                the simulated time in seconds
  advance 10m         move the simulated clock by a duration
  advance-to 4895     move the simulated clock to this second (never back)
  end-phase 0         phase 0 ended now: schedule the faults timed from its end
  faults              the faults still to come
  copy                F2: copy uncopied log backups to the copy folder
  act {JSON}          any runbook action
  Set-Cs... / Install-Cs... / Invoke-Cs... / Stop-CsWindowsService ...   cmdlet lines
  help                this text
  reset               back to t=0 of the scenario, every session forgotten";

/// A stable 64-bit digest (FNV-1a) of the scenario as JSON: the identity `drill replay
/// --range` checks before it sends anything destructive. Not a security digest.
pub fn scenario_digest(s: &sim::scenario::Scenario) -> String {
    let text = serde_json::to_string(s).unwrap_or_default();
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in text.bytes() {
        h ^= b as u64;
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{h:016x}")
}

fn msg(number: i32, text: String, line: u32) -> SqlMessage {
    SqlMessage {
        number,
        state: 1,
        class: 16,
        text,
        procedure: PROCEDURE.into(),
        line,
    }
}

fn rows(out: &mut Vec<Reply>, text: &str) {
    let rs = ResultSet {
        columns: vec![Column {
            name: "console".into(),
            ty: SqlType::NVarChar(4000),
        }],
        rows: text
            .lines()
            .map(|l| vec![Value::Text(l.chars().take(4000).collect())])
            .collect(),
    };
    let n = rs.rows.len() as u64;
    out.push(Reply::Rows(rs));
    out.push(Reply::Done {
        rows: Some(n),
        error: false,
    });
}

fn error(out: &mut Vec<Reply>, ms: Vec<SqlMessage>) {
    out.extend(ms.into_iter().map(Reply::Message));
    out.push(Reply::Done {
        rows: None,
        error: true,
    });
}

/// One control line, run on the locked model (the caller holds the lock: nothing here
/// locks again). Cmdlet lines are read by the console's parser.
pub fn exec(st: &mut State, arg: Option<&str>, line: u32, out: &mut Vec<Reply>) {
    let Some(input) = arg else {
        return error(
            out,
            vec![msg(
                201,
                format!("Procedure or function '{PROCEDURE}' expects parameter '@command', which was not supplied."),
                line,
            )],
        );
    };
    let bad = |out: &mut Vec<Reply>, text: String| {
        error(
            out,
            vec![msg(
                NOT_MODELLED,
                format!("drill range control: {text}"),
                line,
            )],
        )
    };
    st.tick();
    let l = input.trim();
    let (word, rest) = l.split_once(char::is_whitespace).unwrap_or((l, ""));
    let rest = rest.trim();
    match word.to_ascii_lowercase().as_str() {
        "" | "help" | "?" => rows(out, HELP),
        "quit" | "exit" => bad(
            out,
            "the control surface cannot stop the range; type quit at its console".into(),
        ),
        "scenario" => {
            let s = st.live.scenario();
            let text = format!(
                "name {}\nseed {}\ndigest {}\nspeed {}\ntime {}\nactions {}",
                s.name,
                s.seed,
                scenario_digest(s),
                st.clock.speed,
                st.live.now(),
                st.live.taken().len()
            );
            rows(out, &text)
        }
        "time" => rows(out, &st.live.now().to_string()),
        "status" => {
            let o = st.live.observe();
            let text = format!(
                "simulated time {}\n{}",
                hms(st.live.now()),
                serde_json::to_string_pretty(&o).unwrap_or_default()
            );
            rows(out, &text)
        }
        "advance" | "advance-to" => {
            let now = st.live.now();
            let by = if word.eq_ignore_ascii_case("advance") {
                parse_duration(rest)
            } else {
                match rest.parse::<u64>() {
                    Ok(t) if t >= now && t <= sim::live::HORIZON_S => Ok(t - now),
                    _ => Err(format!(
                        "'{rest}': expected a second from the simulated time now ({now}) to {}",
                        sim::live::HORIZON_S
                    )),
                }
            };
            match by {
                Ok(d) => {
                    st.clock.advance(d);
                    st.tick();
                    let mut text = format!("simulated time {}", hms(st.live.now()));
                    for h in st.live.drain_happened() {
                        text.push_str(&format!("\n  {} {}", hms(h.t_s), h.what));
                    }
                    rows(out, &text)
                }
                Err(e) => bad(out, format!("{word}: {e}")),
            }
        }
        "end-phase" => match rest.parse::<usize>() {
            Ok(p) if p < st.live.scenario().phases.len() => {
                let mut text = format!("phase {p} ended at {}", hms(st.live.now()));
                for (t, f) in st.live.end_phase(p) {
                    text.push_str(&format!("\n  scheduled {} {f}", hms(t)));
                }
                rows(out, &text)
            }
            _ => bad(
                out,
                format!(
                    "end-phase '{rest}': expected a phase number below {}",
                    st.live.scenario().phases.len()
                ),
            ),
        },
        "faults" => {
            let mut text = String::from("faults still to come:");
            for (t, f) in st.live.pending_faults() {
                text.push_str(&format!("\n  {} {f}", hms(t)));
            }
            rows(out, &text)
        }
        "copy" => act(
            st,
            l,
            &Action::CopyUncopiedFiles {
                instance: Instance::Backup,
            },
            line,
            out,
        ),
        "act" => match serde_json::from_str::<Action>(rest) {
            Ok(a) => act(st, l, &a, line, out),
            Err(e) => bad(out, format!("act: {e}; expected a runbook action as JSON")),
        },
        // `drill conform --range`: each case on a fresh model. Back to t=0 of the same
        // scenario; the model forgets every session (their connections stay open but no
        // longer count for RESTORE's exclusive access): clients reconnect.
        "reset" => {
            let s = st.live.scenario().clone();
            st.live = sim::live::Live::new(&s);
            st.clock = super::backend::Clock::new(st.clock.speed);
            rows(
                out,
                &format!("reset: simulated time {}, scenario {}", hms(0), s.name),
            )
        }
        _ => match super::cmdlet::parse(l) {
            Ok(a) => act(st, l, &a, line, out),
            Err(e) => bad(
                out,
                format!("{e} (EXEC {PROCEDURE} N'help' lists the commands)"),
            ),
        },
    }
}

/// An action at the clock's time, recorded as the console records it.
fn act(st: &mut State, text: &str, a: &Action, line: u32, out: &mut Vec<Reply>) {
    match st.live.act(text, a) {
        Ok(e) => {
            let d = sim::describe::describe_effect(&e, st.live.world());
            rows(out, &format!("{} -> {d}", hms(st.live.now())))
        }
        Err(f) => error(out, failure_messages(&f, line)),
    }
}
