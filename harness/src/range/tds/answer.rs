//! A backend's answer ([`Reply`] list) as a token stream: what SQL Server sends for a
//! batch (DONE after each statement, DONE_MORE on all but the last) or for an RPC
//! (DONEINPROC per statement, then RETURNSTATUS and a final DONEPROC).
use super::token::*;
use crate::range::reply::{Reply, SqlMessage};

/// How the request arrived.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Request {
    Batch,
    Rpc,
}

/// A message of the range itself (not the model's): number, class and text.
pub fn range_message(number: i32, class: u8, text: impl Into<String>) -> SqlMessage {
    SqlMessage {
        number,
        state: 1,
        class,
        text: text.into(),
        procedure: String::new(),
        line: 1,
    }
}

/// Encode `replies`; `database` is the session's database before the batch (the old
/// value of a database ENVCHANGE) and is updated by each USE.
pub fn encode(
    replies: &[Reply],
    request: Request,
    server: &str,
    database: &mut String,
    t: &mut Tokens,
) {
    let in_proc = request == Request::Rpc;
    let mut any_error = false;
    let mut cmd = 0u16;
    let last_done = replies
        .iter()
        .rposition(|r| matches!(r, Reply::Done { .. }));
    for (i, r) in replies.iter().enumerate() {
        match r {
            Reply::Rows(rs) => {
                t.col_metadata(&rs.columns);
                for row in &rs.rows {
                    if let Err(e) = t.row(&rs.columns, row) {
                        // A backend bug: say so in place of the rest of the rows.
                        t.message(
                            &range_message(50000, 16, format!("drill range: cannot send {}", e.0)),
                            server,
                        );
                        any_error = true;
                        break;
                    }
                }
                cmd = CMD_SELECT;
            }
            Reply::Message(m) => {
                any_error |= m.class > 10;
                t.message(m, server);
            }
            Reply::Database(db) => {
                t.env_text(ENV_DATABASE, db, database);
                t.message(
                    &SqlMessage {
                        number: 5701,
                        state: 2,
                        class: 0,
                        text: format!("Changed database context to '{db}'."),
                        procedure: String::new(),
                        line: 1,
                    },
                    server,
                );
                *database = db.clone();
            }
            Reply::Done { rows, error } => {
                let final_batch_done = !in_proc && Some(i) == last_done && i + 1 == replies.len();
                let mut status = if final_batch_done {
                    DONE_FINAL
                } else {
                    DONE_MORE
                };
                if rows.is_some() {
                    status |= DONE_COUNT;
                }
                if *error {
                    status |= DONE_ERROR;
                    any_error = true;
                }
                let token = if in_proc { DONEINPROC } else { DONE };
                t.done(token, status, cmd, rows.unwrap_or(0));
                cmd = 0;
            }
        }
    }
    match request {
        Request::Batch => {
            // The backend's list did not end with a DONE: end the batch ourselves.
            if !matches!(replies.last(), Some(Reply::Done { .. })) {
                let status = if any_error { DONE_ERROR } else { DONE_FINAL };
                t.done(DONE, status, cmd, 0);
            }
        }
        Request::Rpc => {
            t.return_status(if any_error { 1 } else { 0 });
            let status = if any_error { DONE_ERROR } else { DONE_FINAL };
            t.done(DONEPROC, status, 0, 0);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn done_statuses(buf: &[u8], token: u8) -> Vec<u16> {
        // Only DONE-family tokens in these streams: each is 13 bytes.
        buf.chunks(13)
            .filter(|c| c[0] == token)
            .map(|c| u16::from_le_bytes([c[1], c[2]]))
            .collect()
    }

    #[test]
    fn batch_dones_carry_more_on_all_but_the_last() {
        let replies = [
            Reply::Done {
                rows: Some(3),
                error: false,
            },
            Reply::Done {
                rows: None,
                error: true,
            },
        ];
        let mut t = Tokens::new();
        encode(&replies, Request::Batch, "s", &mut "master".into(), &mut t);
        assert_eq!(
            done_statuses(&t.buf, DONE),
            [DONE_MORE | DONE_COUNT, DONE_ERROR]
        );
    }

    #[test]
    fn rpc_statements_end_in_doneinproc_then_doneproc() {
        let replies = [Reply::Done {
            rows: Some(1),
            error: false,
        }];
        let mut t = Tokens::new();
        encode(&replies, Request::Rpc, "s", &mut "master".into(), &mut t);
        assert_eq!(t.buf[0], DONEINPROC);
        assert_eq!(t.buf[13], RETURNSTATUS);
        assert_eq!(t.buf[18], DONEPROC);
        assert_eq!(t.buf.len(), 13 + 5 + 13);
    }
}
