//! The DR range (issue 11): the scenario's five SQL instances as TDS endpoints backed by
//! the model, so operators and tools rehearse against something that answers like SQL
//! Server. [`reply`] is the contract between the wire (TDS) and the backend (the model).
pub mod backend;
pub mod catalog;
pub mod cli;
pub mod cmdlet;
pub mod console;
pub mod control;
pub mod record;
pub mod reply;
pub mod select;
pub mod server;
pub mod statement;
pub mod tds;
pub mod tls;
pub mod tsql;
